"""The console of a page's first scripts: capture.js installed first in <head> records the
lines logged before DOMContentLoaded (right after ReplayCapture.start(), in inline body
scripts, and the console line of an uncaught load-time error) as well as the later ones - in
the order they were logged, each dated its own time, after the page's snapshot. In Debian's
chromium, sent to a real `replay serve`."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from replay_tools.browser_recorder import PageServer  # noqa: E402
from replay_tools.chromium import chromium_path  # noqa: E402
from replay_tools.intake import IntakeServer, stored_events  # noqa: E402
from tests.app.capture_site import SENT_ALL  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Console</title>
<script src="%(intake)s/capture.js"></script>
<script>ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s", flushMs: 100});
window.__at = {A: Date.now()};
console.log("A: right after start, in head");</script>
</head><body><p>console test</p>
<script>
window.__at.B = Date.now();
console.info("B: inline body script");
console.error("B2: early console.error");
document.addEventListener('DOMContentLoaded', () => console.log("C: DOMContentLoaded"));
window.addEventListener('load', () => console.log("D: load"));
</script>
<script>window.__at.boom = Date.now(); throw new Error("load-time boom");</script>
<script>
// the body's end is parsed late: the early lines are older than the snapshot
var until = Date.now() + 150; while (Date.now() < until) {}
</script>
</body></html>
"""
ORDER = ["A: right after start, in head", "B: inline body script", "B2: early console.error",
         "load-time boom", "C: DOMContentLoaded", "D: load"]


def test_console_lines_before_domcontentloaded_are_recorded(chromium, tmp_path):
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    srv = IntakeServer(tmp_path / "data")
    with PageServer(site_dir) as site:
        app, token = srv.create_app("console", origins=[site.base_url.rstrip("/")])
        (site_dir / "console.html").write_text(PAGE % {"intake": srv.url, "app": app, "token": token})
        with srv:
            ctx = chromium.new_context()
            try:
                page = ctx.new_page()
                page.goto(site.url("console.html"))
                page.wait_for_function("document.readyState === 'complete' && window.ReplayCapture")
                sent = page.wait_for_function(SENT_ALL, polling=100, timeout=20_000).json_value()
                at = page.evaluate("window.__at")
                sid = page.evaluate("ReplayCapture.status().session_id")
                page.evaluate("ReplayCapture.stop()")
            finally:
                ctx.close()
            stored = stored_events(srv.data, sid, sent["acked"])
    # each line dated its own time (`date`, where it was logged before it was sent), not when
    # the recorder got to send it
    lines = [(e["data"]["payload"].get("date", e["timestamp"]),
              json.loads(e["data"]["payload"]["payload"][0]))
             for e in stored if e["type"] == 6 and e["data"]["plugin"] == "rrweb/console@1"]
    texts = [text for _, text in lines]
    found = [next((i for i, t in enumerate(texts) if want in t), None) for want in ORDER]
    assert None not in found and found == sorted(found), texts
    dates = {want: lines[i][0] for want, i in zip(ORDER, found)}
    snapshot = next(e["timestamp"] for e in stored if e["type"] == 2)
    assert at["A"] <= dates[ORDER[0]] <= at["B"] <= dates[ORDER[1]] <= at["boom"]
    assert at["boom"] <= dates["load-time boom"]
    assert dates["load-time boom"] < snapshot
    # the snapshot still comes first in the stream: the early lines follow it, and no
    # timestamp goes back (the store warned of every early line)
    kinds = [e["type"] for e in stored if e["type"] in (2, 4, 6)]
    assert kinds.index(2) < kinds.index(6)
    stamps = [e["timestamp"] for e in stored]
    assert stamps == sorted(stamps)




KEPT_TWICE = """<!doctype html><html><head><meta charset="utf-8"><title>Kept twice</title>
<script>%(keeper)s</script>
<script>%(keeper)s</script>
<script src="%(intake)s/capture.js"></script>
<script>ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s", flushMs: 100});
</script></head><body><p>kept twice</p></body></html>
"""


def test_capture_puts_back_every_console_keeper_before_its_own(chromium, tmp_path):
    """The install snippet's keeper wraps the console until capture.js records it; capture.js
    puts back what it wrapped, so the browser's DevTools names capture.js (which a developer
    can ignore-list), not the keeper's line in the page, as each line's source. Record mode
    runs the keeper in every page - one with the snippet has it twice: both are put back (a
    reviewer's: only the outer one was)."""
    from recorder.paths import early_keeper_script

    site_dir = tmp_path / "site"
    site_dir.mkdir()
    srv = IntakeServer(tmp_path / "data")
    with PageServer(site_dir) as site:
        app, token = srv.create_app("kept", origins=[site.base_url.rstrip("/")])
        (site_dir / "kept.html").write_text(KEPT_TWICE % {
            "keeper": early_keeper_script(), "intake": srv.url, "app": app, "token": token})
        with srv:
            ctx = chromium.new_context()
            try:
                page = ctx.new_page()
                sources: list[tuple[str, str]] = []
                page.on("console", lambda m: sources.append((m.text, m.location["url"])))
                page.goto(site.url("kept.html"))
                page.wait_for_function("window.ReplayCapture && ReplayCapture.status()")
                page.evaluate("console.log('recorded by capture.js')")
                page.wait_for_function(SENT_ALL, polling=100, timeout=20_000)
            finally:
                ctx.close()
    (url,) = [u for text, u in sources if text == "recorded by capture.js"]
    assert "capture.js" in url, sources
