"""A quiet visit lasts as long as the visitor stayed: a static page read for a few seconds
used to be stored as long as its load (its last event), so a real moment of the visit was
past the recording's end (`replay screenshot --at` refused it). When the page is left (or its
tab hidden) the RUM plugin sends the view's final update with its `time_spent`, as Datadog's
SDK does, and capture.js sends it with the rest. In Debian's chromium, against a real `replay
serve`."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from replay_tools.chromium import chromium_path  # noqa: E402
from replay_tools.intake import replay_cli  # noqa: E402
from recorder.format import EventType, IncrementalSource, MouseInteractions  # noqa: E402
from tests.app.capture_site import capture_site, events_when, opened  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>%(name)s</title><script src="capture.js"></script>
<script>ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s"});</script>
</head><body><h1>A page with nothing moving</h1><p>Read for a while, then left.</p></body></html>"""
STAY_MS = 4000


@pytest.fixture
def site(tmp_path):
    with capture_site(tmp_path, "quiet") as cs:
        (cs.root / "a.html").write_text(PAGE % {"name": "a", "intake": cs.intake.url,
                                                "app": cs.app, "token": cs.token})
        yield cs.pages, cs.intake


@pytest.mark.parametrize("leave", ["pagehide", "hidden"])
def test_a_quiet_visit_lasts_until_the_visitor_left(site, chromium, tmp_path, leave):
    pages, srv = site
    ctx = chromium.new_context()
    try:
        page, sid = opened(ctx, pages.url("a.html"))
        start = page.evaluate("performance.timeOrigin")
        page.wait_for_timeout(STAY_MS)
        left = page.evaluate("Date.now()")
        if leave == "pagehide":
            page.goto("about:blank")
        else:   # a tab put away (a mobile browser may discard it with no pagehide)
            page.evaluate("Object.defineProperty(document, 'visibilityState', {value: 'hidden',"
                          " configurable: true}); document.dispatchEvent(new Event('visibilitychange')); 0")
        page.wait_for_timeout(500)
    finally:
        ctx.close()
    events = events_when(srv.data, sid, lambda evs: "time_spent" in json.dumps(evs))
    duration = events[-1]["timestamp"] - events[0]["timestamp"]
    assert duration >= STAY_MS - 200, duration
    views = [e for e in events if e["type"] == 6 and e["data"]["payload"].get("type") == "view"
             and "time_spent" in e["data"]["payload"]["view"]]
    assert views, "no view update with its time spent"
    final = views[-1]   # sent as the visitor left
    assert final["timestamp"] >= left, (final["timestamp"], left)
    spent = final["data"]["payload"]["view"]["time_spent"]
    assert abs(spent - (left - start)) < 1500, (spent, left - start)
    # a moment the visitor saw, well after the page's load, is in the recording
    shot = tmp_path / "late.png"
    done = replay_cli(srv.data, "screenshot", sid, "--at", STAY_MS - 500, "-o", shot)
    assert done.returncode == 0 and shot.exists(), done.stderr


SIGN_OUT = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>Account</title><script src="capture.js"></script>
<script>
// the intake answers late (a slow link): each request goes 3 s after it is made - the page is
// left before any does
var slow = function (url, init) {
  return new Promise(function (go) { setTimeout(go, 3000); })
    .then(function () { return ReplayRum.pageFetch(url, init); });
};
ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s", flushMs: 100,
                     fetch: slow});
</script></head><body><p id="who">Signed in</p>
<button id="out">Sign out</button>
<script>
// (the words are put together here: the page's snapshot holds its scripts' text too)
document.getElementById('out').addEventListener('click', function () {
  document.getElementById('who').textContent = ['Signed', 'off'].join(' ');
  ReplayCapture.stop();
  location.href = 'a.html';
});
</script></body></html>"""


def test_a_recording_stopped_as_the_page_is_left_sends_what_it_held(chromium, tmp_path):
    """A site stops capture.js and sends the visitor on at once (signing out): its last
    events wait behind the request still in flight, and the page is gone before that request
    answers. They go by beacon as the page is left, as a recording's do - the page's snapshot
    (the batch in flight) and the click with what it changed; nothing of it was stored before."""
    with capture_site(tmp_path, "account") as cs:
        keys = {"intake": cs.intake.url, "app": cs.app, "token": cs.token}
        (cs.root / "a.html").write_text(PAGE % {"name": "a", **keys})
        (cs.root / "account.html").write_text(SIGN_OUT % keys)
        ctx = chromium.new_context()
        try:
            page = ctx.new_page()
            page.goto(cs.pages.url("account.html"))
            # the snapshot's request made, and in flight (for 3 s)
            page.wait_for_function("(s => s.requests > 0 && !s.idle)(ReplayCapture.status())",
                                   polling=50, timeout=20_000)
            sid = page.evaluate("ReplayCapture.status().session_id")
            with page.expect_navigation():
                page.click("#out")
        finally:
            ctx.close()
        # (the snapshot's batch and the click's may be stored in either order)
        events = events_when(cs.intake.data, sid, lambda evs: _clicks(evs) and any(
            e["type"] == EventType.FullSnapshot for e in evs))
    assert any(e["type"] == EventType.FullSnapshot for e in events)
    assert len(_clicks(events)) == 1
    changed = [e for e in events if e["type"] == EventType.IncrementalSnapshot
               and e["data"]["source"] == IncrementalSource.Mutation]
    assert "Signed off" in json.dumps(changed)


def _clicks(events: list[dict]) -> list[dict]:
    return [e for e in events if e["type"] == EventType.IncrementalSnapshot
            and e["data"]["source"] == IncrementalSource.MouseInteraction
            and e["data"]["type"] == MouseInteractions.Click]
