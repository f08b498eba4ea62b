"""Back to a page out of the browser's back/forward cache: the visit went on in another page
meanwhile, so the page begins again - a snapshot of it as it is, its first batch following
the last batch of the page before - and what changes on it then plays on its own DOM, not on
the other page's. In Debian's chromium with its back/forward cache on (Playwright turns it
off by default; a visitor's browser has it), against a real `replay serve`."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
from player.replayer import Replayer  # noqa: E402
from recorder.source import open_recording  # noqa: E402
from replay_tools.chromium import chromium_path, launch  # noqa: E402
from tests.app.capture_site import capture_site  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>%(name)s</title><script src="capture.js"></script>
<script>ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s",
                            rules: {"default": "allow"}});
window.addEventListener("pageshow", function (e) { if (e.persisted) window.__restored = true; });
</script></head><body><h1>page %(name)s</h1><p id="out">as loaded</p>
<button id="change" onclick="document.getElementById('out').textContent = 'changed on ' +
 document.title">change</button><a id="next" href="%(next)s">next</a></body></html>"""
ALL_SENT = "(s => s.idle && s.acked === s.queued && s.acked > 0 ? s : null)(ReplayCapture.flush())"


def test_a_page_shown_again_from_the_back_forward_cache_begins_again(tmp_path):
    from playwright.sync_api import sync_playwright
    with capture_site(tmp_path, "bfcache") as cs:
        for name, nxt in (("a", "b.html"), ("b", "a.html")):
            (cs.root / f"{name}.html").write_text(PAGE % {
                "name": name, "next": nxt, "intake": cs.intake.url, "app": cs.app,
                "token": cs.token})
        with sync_playwright() as pw:
            browser = launch(pw, ignore_default_args=["--disable-back-forward-cache"])
            try:
                page = browser.new_context().new_page()
                page.goto(cs.pages.url("a.html"))
                page.wait_for_function(ALL_SENT, polling=100, timeout=20_000)
                page.click("#next")
                page.wait_for_function("document.title === 'b'")
                page.wait_for_function(ALL_SENT, polling=100, timeout=20_000)
                page.evaluate("history.back()")
                page.wait_for_function("window.__restored === true", timeout=20_000)
                page.click("#change")
                st = page.wait_for_function(ALL_SENT, polling=100, timeout=20_000).json_value()
            finally:
                browser.close()
        sid = st["session_id"]
        assert st["after"] is not None   # its first batch followed page b's last
        with open_recording(sid, cs.intake.data) as src:
            events = list(src.events())
    metas = [e["data"]["href"].rsplit("/", 1)[1] for e in events if e["type"] == 4]
    assert metas == ["a.html", "b.html", "a.html"], metas
    # the dev-tools pane's views: a, b, and a again - shown out of the back/forward cache
    starts = {}   # view id -> (page, how it was loaded, referrer) as its first event says
    for e in events:
        payload = e["data"].get("payload") if e["type"] == 6 else None
        if e["type"] == 6 and e["data"]["plugin"] == "replay/rum@1" and payload["type"] == "view":
            v = payload["view"]
            starts.setdefault(v["id"], (v["url"].rsplit("/", 1)[1], v.get("loading_type"),
                                        v.get("referrer")))
    assert [s[:2] for s in starts.values()] == [("a.html", None), ("b.html", None),
                                               ("a.html", "bf_cache")], starts
    assert list(starts.values())[-1][2] is None   # (came back from b: a's script never saw it)
    changed = max(i for i, e in enumerate(events) if "changed on a" in json.dumps(e))
    last_meta = max(i for i, e in enumerate(events) if e["type"] == 4)
    assert changed > last_meta
    # played to its end, the visit shows page a as changed (not page b's DOM with a's change)
    replayer = Replayer(events)
    try:
        html = replayer.document_at(replayer.duration_ms)
    finally:
        replayer.close()
    assert "page a" in html and "changed on a" in html and "page b" not in html
