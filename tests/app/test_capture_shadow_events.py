"""Events that do not leave a shadow root (scroll, media, change, submit are not composed):
capture.js listens on each open shadow root it records, and takes there only the events that
began in the root's own tree - a node of the page slotted into a component has the root on its
path too, and its events are the document's (once, not twice). In Debian's chromium."""
from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from recorder.format import IncrementalSource, MediaInteractions  # noqa: E402
from replay_tools.chromium import capturing_page, chromium_path  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

PAGE = """<!doctype html><html><body>
<x-player><video id="slotted"></video></x-player>
<script>
customElements.define('x-player', class extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({mode: 'open'}).innerHTML =
      '<video id="inner"></video>' +
      '<div id="scroller" style="height: 50px; overflow: auto"><div style="height: 500px">tall</div></div>' +
      '<slot></slot>';
  }
});
</script></body></html>"""


def test_events_in_a_shadow_root_are_recorded_once_and_slotted_ones_too(chromium):
    ctx = chromium.new_context()
    try:
        page = capturing_page(ctx, PAGE)
        ids = page.evaluate("""() => {
            var root = document.querySelector('x-player').shadowRoot, id = ReplayCapture.record.mirror.getId;
            root.getElementById('inner').volume = 0.5;
            document.getElementById('slotted').volume = 0.25;
            root.getElementById('scroller').scrollTop = 100;
            return {inner: id(root.getElementById('inner')), slotted: id(document.getElementById('slotted')),
                    scroller: id(root.getElementById('scroller'))};
        }""")
        assert min(ids.values()) > 0, ids
        page.wait_for_function("id => window.__out.some(e => e.type === 3 && e.data.source === %d"
                               " && e.data.id === id)" % IncrementalSource.Scroll, arg=ids["scroller"])
        events = page.evaluate("() => { ReplayCapture.stop(); return window.__out; }")
    finally:
        ctx.close()
    volume = [e["data"]["id"] for e in events if e["type"] == 3
              and e["data"]["source"] == IncrementalSource.MediaInteraction
              and e["data"]["type"] == MediaInteractions.VolumeChange]
    assert sorted(volume) == sorted([ids["inner"], ids["slotted"]])
    scrolls = [e["data"] for e in events if e["type"] == 3
               and e["data"]["source"] == IncrementalSource.Scroll and e["data"]["id"] == ids["scroller"]]
    assert len(scrolls) == 1 and scrolls[0]["y"] == 100
