"""capture.js (Debian's chromium) records an iframe's `srcdoc` masked at every level, as the
recorder's pass does (tests/recorder/test_privacy_srcdoc.py): the framed document is recorded
itself - its text read as the frame shows it, the phone split by tags and the address written
`&#64;` masked by the detectors - and nothing of the source is sent in clear."""
from __future__ import annotations

import html
import json

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from recorder.paths import capture_script  # noqa: E402
from replay_tools.chromium import chromium_path  # noqa: E402
from tests.recorder.test_privacy_srcdoc import SRCDOC, VALUES, _iframe  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")


def test_capture_js_masks_an_iframe_s_srcdoc_and_records_its_document_masked(chromium):
    page = chromium.new_page()
    try:
        page.set_content(f'<!doctype html><html><body><iframe id="f" srcdoc="{html.escape(SRCDOC)}">'
                         '</iframe></body></html>')
        page.wait_for_function("document.getElementById('f').contentDocument.body"
                               " && document.getElementById('f').contentDocument.body.textContent")
        page.add_script_tag(content=capture_script())
        events = page.evaluate("""() => { const out = [];
            const stop = ReplayCapture.record({emit: e => out.push(e), rules: {default: 'allow'}, plugins: []});
            document.getElementById('f').setAttribute('srcdoc', '<p>call 212-555-0100</p>');
            return new Promise(r => setTimeout(() => { stop(); r(out); }, 500)); }""")
    finally:
        page.close()
    frame = _iframe(next(e for e in events if e["type"] == 2)["data"]["node"])
    assert frame["attributes"]["srcdoc"] == "***"
    # the framed document is there (a change adding it under the frame), its values masked
    framed = [json.dumps(a) for e in events if e["type"] == 3 for a in e["data"].get("adds") or []
              if a["parentId"] == frame["id"]]
    assert any("call" in a and "xxxx" in a for a in framed), framed
    changed = [a["attributes"]["srcdoc"] for e in events if e["type"] == 3
               for a in e["data"].get("attributes") or [] if "srcdoc" in a["attributes"]]
    assert changed and set(changed) == {"***"}, changed
    blob = json.dumps(events)
    assert not any(v in blob for v in (*VALUES, "212-555")), blob[:2000]
