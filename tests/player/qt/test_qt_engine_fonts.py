"""The fonts the replay gives form controls with none of the page's own are Chrome's: a
button, an input, a select in the system's sans (player.qt.webview.ENGINE_CSS), and a
textarea in monospace, as Chrome's own style sheet has it - the replay drew textareas in
sans, narrower than the visitor's, their lines wrapped elsewhere (a fidelity tryout). Real
QtWebEngine, the runtime's document."""
from __future__ import annotations

import json

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)

from recorder.privacy.preview import html_to_events
from tests.player.qt.players import evaluated_in_replay

PAGE = """<!DOCTYPE html><html><head><style>body { font: 16px serif }</style></head><body>
<textarea id="t" cols="40">Leave the parcel at the door</textarea>
<button id="b">Buy</button><input id="i" value="x"><select id="s"><option>A</option></select>
</body></html>"""
FAMILIES = """JSON.stringify(Object.fromEntries(['t', 'b', 'i', 's'].map(function (id) {
  return [id, getComputedStyle(document.getElementById(id)).fontFamily]; })))"""


def test_a_textarea_replays_in_monospace_and_controls_in_sans(qapp):
    families = json.loads(evaluated_in_replay(html_to_events(PAGE), FAMILIES))
    assert families == {"t": "monospace", "b": "sans-serif", "i": "sans-serif",
                        "s": "sans-serif"}, families
