""""I pressed Save, it hung, I closed the tab": the request the page still waited for when the
visitor left it (or when the site called `ReplayCapture.stop()`) is recorded as pending - no
status, its time so far - where it was not recorded at all (the RUM plugin reports a request
when it is answered, and one cut short by leaving the page is no failure). A tab only hidden
goes on, and its request is recorded once, when answered. In Debian's chromium, against a real
`replay serve` and a page server that holds the page's API requests."""
from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from recorder.semantics import read  # noqa: E402
from replay_tools.chromium import chromium_path  # noqa: E402
from replay_tools.held import HeldApi  # noqa: E402
from tests.app.capture_site import FIRST_SENT, capture_site, events_when, opened  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>Save</title><script src="capture.js"></script>
<script>ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s"});</script>
</head><body><button id="save" onclick="var done = function () { window.__answered++; };
window.__answered = 0; fetch('api/save', {method: 'POST'}).then(done, done);
var x = new XMLHttpRequest(); x.onloadend = done; x.open('GET', 'api/load'); x.send();">Save</button>
</body></html>"""
# every event recorded so far stored (an answer is stored before it is acknowledged)
ALL_SENT = "(s => s && s.idle && s.acked + s.failed === s.queued)(ReplayCapture.flush())"
HIDDEN = ("Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});"
          " document.dispatchEvent(new Event('visibilitychange')); 0")


@pytest.fixture
def site(tmp_path):
    with capture_site(tmp_path, "hangs", server=HeldApi) as cs:
        (cs.root / "save.html").write_text(PAGE % {"intake": cs.intake.url, "app": cs.app,
                                                   "token": cs.token})
        yield cs


def _saving(ctx, pages):
    """save.html opened, Save clicked, both its requests arrived (and held): (page, sid)."""
    page, sid = opened(ctx, pages.url("save.html"))
    page.click("#save")
    assert pages.wait_arrived(2), "the page's requests never reached its server"
    return page, sid


def _api(events: list[dict]) -> list[tuple[str, str, int | None, bool]]:
    """The session's requests to the page's API: (method, name, status, pending), sorted."""
    s = read(events, origin=events[0]["timestamp"]) if events else None
    return sorted((r.method, r.url.rsplit("/", 1)[1], r.status, r.pending)
                  for r in (s.resources if s else []) if "/api/" in r.url)


@pytest.mark.parametrize("end", ["left", "stop"])
def test_a_request_the_page_still_waited_for_is_recorded_as_pending(site, chromium, end):
    pages, srv = site.pages, site.intake
    ctx = chromium.new_context()
    try:
        page, sid = _saving(ctx, pages)
        if end == "left":
            page.goto("about:blank")
        else:   # the site stops recording (a visitor's consent taken back, say)
            page.evaluate("ReplayCapture.stop(); 0")
        events = events_when(srv.data, sid, lambda evs: len(_api(evs)) == 2)
    finally:
        ctx.close()
    assert _api(events) == [("GET", "load", None, True), ("POST", "save", None, True)]
    s = read(events, origin=events[0]["timestamp"])
    assert all(r.duration is not None and r.duration >= 0 for r in s.resources if r.pending)
    assert not s.errors   # waiting is not failing, nor is a request cut short by leaving


def test_a_hidden_tab_goes_on_and_its_request_is_recorded_once_answered(site, chromium):
    pages, srv = site.pages, site.intake
    ctx = chromium.new_context()
    try:
        page, sid = _saving(ctx, pages)
        page.evaluate(HIDDEN)   # sends what was recorded, by beacon: no request said pending
        pages.release.set()

        def answered(evs: list[dict]) -> bool:
            page.evaluate("ReplayCapture.flush(); 0")   # what came since, sent now
            return len(_api(evs)) >= 2
        events = events_when(srv.data, sid, answered)
    finally:
        ctx.close()
    assert _api(events) == [("GET", "load", 200, False), ("POST", "save", 200, False)]


def test_a_request_said_pending_at_stop_is_not_reported_again_when_answered(site, chromium):
    """Stopped, then started again (a kiosk's next visitor: a new session) while a request
    waited: said pending in the stopped session, and its answer, come later, is not put in the
    next one as well, dated before it began (a reviewer's)."""
    pages, srv = site.pages, site.intake
    ctx = chromium.new_context()
    try:
        page, first = _saving(ctx, pages)
        page.evaluate("ReplayCapture.stop(); 0")
        page.evaluate("cfg => { ReplayCapture.start(cfg); }",
                      {"intake": srv.url, "app": site.app, "token": site.token})
        page.wait_for_function(FIRST_SENT, polling=100, timeout=20_000)
        second = page.evaluate("ReplayCapture.status().session_id")
        pages.release.set()
        page.wait_for_function("window.__answered === 2")   # both answers in the page
        page.wait_for_function(ALL_SENT, polling=200, timeout=20_000)   # what came since
        later = events_when(srv.data, second, bool)
    finally:
        ctx.close()
    assert second != first
    assert _api(events_when(srv.data, first, lambda evs: len(_api(evs)) == 2)) == [
        ("GET", "load", None, True), ("POST", "save", None, True)]
    assert later and _api(later) == []


REUSED_XHR = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>Reused</title><script src="capture.js"></script>
<script>ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s"});</script>
</head><body><button id="go" onclick="var x = new XMLHttpRequest(); window.__loaded = 0;
x.onloadend = function () { if (++window.__loaded === 1) { x.open('GET', 'two.txt'); x.send(); } };
x.open('GET', 'one.txt'); x.send();">Go</button></body></html>"""


def test_an_xhr_sent_again_is_two_requests_each_with_its_own_status(site, chromium):
    """One XMLHttpRequest, opened and sent again once its first answer came (200, then a
    404): each request once, with its own status - the first send's listener reported it
    again with the second's status (a reviewer's)."""
    pages, srv = site.pages, site.intake
    (site.root / "one.txt").write_text("one")
    (site.root / "reused.html").write_text(REUSED_XHR % {"intake": srv.url, "app": site.app,
                                                        "token": site.token})
    ctx = chromium.new_context()
    try:
        page, sid = opened(ctx, pages.url("reused.html"))
        page.click("#go")
        page.wait_for_function("window.__loaded === 2")
        page.wait_for_function(ALL_SENT, polling=200, timeout=20_000)
        events = events_when(srv.data, sid, bool)
    finally:
        ctx.close()
    s = read(events, origin=events[0]["timestamp"])
    got = sorted((r.url.rsplit("/", 1)[1], r.status) for r in s.resources if r.url.endswith(".txt"))
    assert got == [("one.txt", 200), ("two.txt", 404)]


SLOW_LINK = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>Slow link</title><script src="capture.js"></script>
<script>ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s"});</script>
</head><body><a id="next" href="api/next">Next page</a></body></html>"""
SLOW_MS = 300   # the next page answers this long after the click (past the plugin's 100 ms)


def test_a_click_on_a_link_to_a_slow_page_is_not_dead(site, chromium):
    """A link whose page takes a while to answer: the navigation began at the click, so the
    click did something. It was a dead click, its only sign of life being the pagehide that
    comes once the next page answers (a test on a loaded machine)."""
    import time

    pages, srv = site.pages, site.intake
    (site.root / "slow.html").write_text(SLOW_LINK % {"intake": srv.url, "app": site.app,
                                                     "token": site.token})
    ctx = chromium.new_context()
    try:
        page, sid = opened(ctx, pages.url("slow.html"))
        page.click("#next", no_wait_after=True)
        assert pages.wait_arrived(1), "the link's page was never asked for"
        time.sleep(SLOW_MS / 1000)   # (longer only makes the old verdict surer)
        pages.release.set()
        page.wait_for_url("**/api/next")
        events = events_when(srv.data, sid, lambda evs: any(
            a.target == "Next page" for a in read(evs, origin=evs[0]["timestamp"]).actions))
    finally:
        ctx.close()
    (click,) = [a for a in read(events, origin=events[0]["timestamp"]).actions
                if a.target == "Next page"]
    assert not click.frustrations, click.frustrations
