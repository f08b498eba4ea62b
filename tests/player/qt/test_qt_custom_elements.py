"""Custom elements the visitor's page had defined are shown, though no page script runs in
the replay (nothing is ever defined there): the common guard against a flash of undefined
elements, `x-card:not(:defined){visibility:hidden}`, hid every card (a fidelity tryout).
The sanitizer reads `:defined` in a selector as any element (player.sanitize), never a
declaration's value; real QtWebEngine shows the card."""
from __future__ import annotations

import json

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
from recorder.privacy.preview import html_to_events
from tests.player.qt.players import evaluated_in_replay

PAGE = """<!DOCTYPE html><html><head><style>
x-card:not(:defined) { visibility: hidden }
x-card:defined { outline: 2px solid orange }
x-note:not(:defined) { display: none }
</style></head><body><x-card id="c">Orange card</x-card><x-note id="n">A note</x-note>
</body></html>"""
SHOWN = """JSON.stringify(['c', 'n'].map(function (id) { var s = getComputedStyle(
  document.getElementById(id)); return [s.visibility, s.display, s.outlineStyle]; }))"""


def test_a_defined_components_card_is_shown(qapp):
    shown = json.loads(evaluated_in_replay(html_to_events(PAGE), SHOWN))
    assert shown == [["visible", "inline", "solid"], ["visible", "inline", "none"]], shown
