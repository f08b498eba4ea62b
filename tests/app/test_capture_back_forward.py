"""Back to a page out of the browser's back/forward cache: the visit went on in another page
meanwhile, so the page begins again - a snapshot of it as it is, its first batch following
the last batch of the page before - and what changes on it then plays on its own DOM, not on
the other page's. In Debian's chromium with its back/forward cache on (Playwright turns it
off by default; a visitor's browser has it), against a real `replay serve`. The visit's
Playwright export goes back and forward as the visitor did, and runs."""
from __future__ import annotations

import json
from contextlib import contextmanager
import os
import subprocess
import sys

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
from player.replayer import Replayer  # noqa: E402
from recorder.playwright_export import playwright_script  # noqa: E402
from recorder.source import open_recording  # noqa: E402
from recorder.store import Store  # noqa: E402
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
 document.title">change</button><a id="next" href="%(next)s">next</a>
<button id="route" onclick="history.pushState({}, '', '?route=inbox')">inbox</button>
<button id="back" onclick="history.back()">back</button>
</body></html>"""
# (until capture.js has loaded: a page whose title is set may not have run it yet)
ALL_SENT = ("window.ReplayCapture && (s => s && s.idle && s.acked === s.queued && s.acked > 0 ? s"
            " : null)(ReplayCapture.flush())")


def _pages_a_and_b(cs, template: str) -> None:
    """The site's pages a and b, each linking to the other (`template`: PAGE's fields)."""
    for name, nxt in (("a", "b.html"), ("b", "a.html")):
        (cs.root / f"{name}.html").write_text(template % {
            "name": name, "next": nxt, "intake": cs.intake.url, "app": cs.app, "token": cs.token})


@contextmanager
def _at_a(cs):
    """Page a of `cs`'s site opened in Debian's chromium with its back/forward cache on
    (Playwright turns it off), all it recorded sent: the page (the browser closed after)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = launch(pw, ignore_default_args=["--disable-back-forward-cache"])
        try:
            page = browser.new_context().new_page()
            page.goto(cs.pages.url("a.html"))
            page.wait_for_function(ALL_SENT, polling=100, timeout=20_000)
            yield page
        finally:
            browser.close()


def _on_to_b(page) -> None:
    """From page a, all it recorded sent, to page b by its link, all b recorded sent."""
    page.click("#next")
    page.wait_for_function("document.title === 'b'")
    page.wait_for_function(ALL_SENT, polling=100, timeout=20_000)


def test_a_page_shown_again_from_the_back_forward_cache_begins_again(tmp_path):
    with capture_site(tmp_path, "bfcache") as cs:
        _pages_a_and_b(cs, PAGE)
        with _at_a(cs) as page:
            a_began = page.evaluate("performance.timeOrigin")
            _on_to_b(page)
            page.wait_for_timeout(1000)   # a while on b, which is not time spent on a
            a_left_by = page.evaluate("Date.now()")
            page.evaluate("history.back()")
            page.wait_for_function("window.__restored === true", timeout=20_000)
            # a single-page app's route (pushState), then Back within the page right
            # after a click (popstate), and Forward
            page.click("#route")
            page.click("#change")
            page.go_back(wait_until="commit")   # (Playwright's load: none out of bf cache)
            page.wait_for_function("location.search === ''")
            page.go_forward(wait_until="commit")
            page.wait_for_function("location.search === '?route=inbox'")
            page.click("#back")   # the page's own Back: the click's doing
            page.wait_for_function("location.search === ''")
            st = page.wait_for_function(ALL_SENT, polling=100, timeout=20_000).json_value()
        sid = st["session_id"]
        # its first batch followed page b's last: b is the visit's second page (the pages in
        # the order their first batches were stored: each waited until the one before sent)
        with Store.open(cs.intake.data) as store:
            rows = store.index._all("SELECT batch_id, created_ms FROM batches "
                                    "WHERE client_session=?", (sid,))
        pages: dict[str, list[int]] = {}
        for batch_id, _ in rows:
            page_id, n = batch_id.rsplit(".", 1)
            pages.setdefault(page_id, []).append(int(n))
        began = sorted(pages, key=lambda p: next(c for b, c in rows if b == p + ".0"))
        assert st["after"] == f"{began[1]}.{max(pages[began[1]])}" and len(began) == 3, \
            (st["after"], rows)
        with open_recording(sid, cs.intake.data) as src:
            events = list(src.events())
        # the developer's script of the visit, run on the same pages (a new visit of them)
        script = tmp_path / "repro.py"
        script.write_text(playwright_script(events, session_id=sid))
        run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                             timeout=120, env=dict(os.environ, REPLAY_CHROMIUM=chromium_path(),
                                                   REPLAY_WAIT_MS="3000"))
    metas = [e["data"]["href"].rsplit("/", 1)[1] for e in events if e["type"] == 4]
    assert metas == ["a.html", "b.html", "a.html"], metas
    # the restored page's RUM view comes after its new snapshot, with the page it is of (it
    # went with the page as it was before the cache, stored ahead of the snapshot)
    last_meta = max(i for i, e in enumerate(events) if e["type"] == 4)
    bf_view = [i for i, e in enumerate(events) if e["type"] == 6
               and e["data"]["plugin"] == "replay/rum@1" and e["data"]["payload"]["type"] == "view"
               and e["data"]["payload"]["view"].get("loading_type") == "bf_cache"]
    assert bf_view and min(bf_view) > last_meta, (bf_view, last_meta)
    # the dev-tools pane's views: a, b, and a again - shown out of the back/forward cache
    # and how the visitor reached each: a Back (or Forward) is the browser's back_forward
    starts = {}   # view id -> (page, how it was loaded, referrer, navigation) as its first says
    for e in events:
        payload = e["data"].get("payload") if e["type"] == 6 else None
        if e["type"] == 6 and e["data"]["plugin"] == "replay/rum@1" and payload["type"] == "view":
            v = payload["view"]
            starts.setdefault(v["id"], (v["url"].rsplit("/", 1)[1], v.get("loading_type"),
                                        v.get("referrer"), v.get("navigation_type")))
    assert [(s[0], s[1], s[3]) for s in starts.values()] == [
        ("a.html", None, "navigate"), ("b.html", None, "navigate"),
        ("a.html", "bf_cache", "back_forward"), ("a.html?route=inbox", "route_change", "navigate"),
        ("a.html", "route_change", "back_forward"),
        ("a.html?route=inbox", "route_change", "back_forward"),
        ("a.html", "route_change", "navigate")], starts
    assert list(starts.values())[2][2] is None   # (came back from b: a's script never saw it)
    # a's first view ended at the pagehide that left it for b: shown again, it is not ended
    # again (its time_spent counted the time on b)
    spent = [e["data"]["payload"]["view"]["time_spent"] for e in events if e["type"] == 6
             and e["data"]["plugin"] == "replay/rum@1" and e["data"]["payload"]["type"] == "view"
             and e["data"]["payload"]["view"]["id"] == next(iter(starts))
             and "time_spent" in e["data"]["payload"]["view"]]
    assert spent and max(spent) <= a_left_by - int(a_began) + 1, (spent, a_left_by - a_began)
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

    # the script: Back and Forward are the browser's, not pages opened (a Back right after
    # a click was waited for as that click's page: it timed out)
    steps = script.read_text()
    steps = steps[steps.index("def reproduce"):steps.index("def failed_step")]
    assert steps.count('page.go_back(wait_until="commit")') == 2 and \
        steps.count('page.go_forward(wait_until="commit")') == 1, steps
    # b.html, the inbox route, and the page the in-page Back link went back to
    assert steps.count("# the step before opened it") == 3, steps
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.startswith("reproduced: every step ran"), run.stdout


ECHO_PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>%(name)s</title><script src="capture.js"></script>
<script>ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s"});
window.addEventListener("pageshow", function (e) { if (e.persisted) window.__restored = true; });
</script></head><body><h1>page %(name)s</h1><input id="who"><a id="next" href="%(next)s">next</a>
</body></html>"""


def test_a_page_shown_again_keeps_what_the_pages_after_it_handed_on(tmp_path):
    """A value typed on page b (its digest handed on for the visit's next pages), then back to
    page a out of the back/forward cache: a begins again, handing on what it had - which
    replaced b's digest, and a later page showing b's value recorded it in clear (a
    reviewer's). What a hands on now joins what the session kept."""
    from tests.app.capture_site import echo_digest
    value = "Hortensia Blumenkohl"
    kept = "JSON.parse(sessionStorage.getItem('replay_capture_session'))"
    with capture_site(tmp_path, "bfcache-echo") as cs:
        _pages_a_and_b(cs, ECHO_PAGE)
        with _at_a(cs) as page:
            _on_to_b(page)
            page.click("#who")
            page.keyboard.type(value, delay=5)
            page.wait_for_function(f"(s => s && s.echoes && s.echoes.digests.length)({kept})",
                                   polling=100, timeout=5_000)
            page.go_back(wait_until="commit")   # (Playwright's load: none out of bf cache)
            page.wait_for_function("window.__restored === true", timeout=20_000)
            page.wait_for_function(ALL_SENT, polling=100, timeout=20_000)
            page.wait_for_timeout(400)   # (a's hand-on, if it wrote one)
            echoes = page.evaluate(kept)["echoes"]
    assert [len(value), echo_digest(value, echoes["salt"])] in echoes["digests"]
