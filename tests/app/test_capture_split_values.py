"""capture.js masks a value split across text nodes in the page, before anything leaves it
(runs.py's rules; the conformance table holds its snapshot to the recorder's pass): nodes a
script adds one by one - a template's `{user}@{domain}` - and the last piece of a number
whose first pieces the snapshot recorded in clear, which go again masked with that change.
In Debian's chromium; the oracle is the replay: what capture.js emitted, applied to the
recorder's mirror as a player rebuilds it, holds no value in any run of its text."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from recorder.paths import capture_script  # noqa: E402
from replay_tools.chromium import chromium_path  # noqa: E402
from tests.recorder.test_privacy_split_values import (findings_in_runs, replayed,  # noqa: E402
                                                       text_of)

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

PAGE = ('<!doctype html><html><head></head><body><p id="who">Signed in as </p>'
        '<p id="ph">call <span id="a">415-</span><span id="b">555-</span><span id="c"></span></p>'
        '<p id="other">plain text</p></body></html>')
CHANGES = """() => {
  const who = document.getElementById('who');
  who.append('jane.doe', '@', 'example.com');              // three text nodes, one batch
  document.getElementById('c').append('0100');             // completes the recorded pieces
  document.getElementById('other').append(' and ', 'more'); // no value: left as it is
}"""


def _record(chromium, changes: str) -> list[dict]:
    page = chromium.new_page()
    try:
        page.set_content(PAGE)
        page.add_script_tag(content=capture_script())
        return page.evaluate("""(changes) => { const out = [];
            const stop = ReplayCapture.record({emit: e => out.push(e), rules: {default: 'allow'},
                                               plugins: []});
            (0, eval)('(' + changes + ')')(); stop(); return out; }""", changes)
    finally:
        page.close()


def _ids(node: dict) -> dict[str, int]:
    out, stack = {}, [node]
    while stack:
        n = stack.pop()
        if (n.get("attributes") or {}).get("id"):
            out[n["attributes"]["id"]] = n["id"]
        stack.extend(n.get("childNodes") or ())
    return out


def test_capture_masks_values_split_across_added_and_recorded_text_nodes(chromium):
    events = _record(chromium, CHANGES)
    wire = json.dumps(events)
    assert "jane.doe" not in wire and "example.com" not in wire and "0100" not in wire
    snapshot = next(e for e in events if e["type"] == 2)
    ids = _ids(snapshot["data"]["node"])
    muts = [e for e in events if e["type"] == 3 and e["data"]["source"] == 0]
    assert len(muts) == 1
    # the two pieces the snapshot recorded in clear go again, masked, with the last one
    texts = {t["id"]: t["value"] for t in muts[0]["data"]["texts"]}
    assert sorted(texts.values()) == ["xxxx", "xxxx"]
    m = replayed(events)
    assert findings_in_runs(m) == []
    assert text_of(m, ids["who"]) == "Signed in as xxxxxxxxxxxxxxxxxxxx"
    assert text_of(m, ids["ph"]) == "call xxxxxxxxxxxx"
    assert text_of(m, ids["other"]) == "plain text and more"


def test_the_recorders_pass_leaves_what_capture_js_masked_as_it_was(chromium):
    """The intake's pass over capture.js's events (the authoritative one) finds nothing more
    to mask and adds no change of its own."""
    from recorder.privacy import Rules, SessionMasker
    events = _record(chromium, CHANGES)
    again = SessionMasker(Rules.from_json({"default": "allow"})).mask(events)
    assert again == events
