"""A large change of the page in a visit's last seconds reaches the intake: a click renders a
report of 1,500 rows (one mutation of ~200 KB) or adds a font from a 108 KB buffer, and the
visitor leaves a second later. A quiet page's queue waits for a later flush, and on pagehide a
beacon carries at most 64 KB (the browser refuses one event bigger than that), so capture.js
sends a queue holding more than a beacon can carry at once, by a fetch of its own; and what no
beacon can carry at pagehide (the batch in flight, too big for one) is kept for the visit's
next page, `status().lost` counting only what could not be kept. In Debian's chromium,
against a real `replay serve`."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from replay_tools.chromium import chromium_path  # noqa: E402
from recorder.store import Store  # noqa: E402
from replay_tools.intake import IntakeServer  # noqa: E402
from tests.app.capture_site import capture_site, events_when, opened  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

# capture.js served by the site; %(fetch)s: a fetch of the test's own, or nothing
PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>%(name)s</title><script src="capture.js"></script>
<script>ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s",
                            rules: {"default": "allow"}%(fetch)s});</script>
</head><body><h1>%(name)s</h1><button id="report">load report</button>
<button id="font">add a font</button><div id="out"></div><a id="next" href="b.html">next</a>
<script>
  document.getElementById("report").onclick = function () {
    var h = "<h2>Report loaded</h2>";
    var r = function () { return Math.random().toString(36).slice(2); };
    for (var i = 0; i < 1500; i++) h += "<p>row " + i + " " + r() + r() + r() + r() + "</p>";
    document.getElementById("out").innerHTML = h;
  };
  document.getElementById("font").onclick = function () {
    var bytes = new Uint8Array(108 * 1024);
    for (var i = 0; i < bytes.length; i++) bytes[i] = (i * 7) & 255;
    document.fonts.add(new FontFace("Late Big Face", bytes.buffer));
  };
</script></body></html>"""
ALL_SENT = "(s => s && s.idle && s.acked === s.queued && s.acked > 0 ? s : null)(ReplayCapture.flush())"
# once the test says so (window.__cut), a request never ends, as one cut short with the page
HANGS_WHEN_BIG = (', worker: false, fetch: function (u, init) {'
                  ' if (window.__cut) { window.__hung = (window.__hung || 0) + 1; return new Promise(function () {}); }'
                  ' return fetch(u, init); }')
HIDDEN = ("Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});"
          " document.dispatchEvent(new Event('visibilitychange'))")


@pytest.fixture
def site(tmp_path):
    """(site, intake, write(name, fetch)): pages written on demand, an intake up."""
    with capture_site(tmp_path, "big") as cs:
        def write(name: str, fetch: str = "") -> str:
            (cs.root / f"{name}.html").write_text(PAGE % {
                "name": name, "intake": cs.intake.url, "app": cs.app, "token": cs.token,
                "fetch": fetch})
            return cs.pages.url(f"{name}.html")
        yield cs.pages, cs.intake, write


def _stored(srv: IntakeServer, sid: str, *needles: str, timeout_s: float = 20.0) -> str:
    """The session's stored events as JSON text once it holds every needle (or the deadline)."""
    return json.dumps(events_when(srv.data, sid,
                                  lambda evs: all(n in json.dumps(evs) for n in needles),
                                  timeout_s))


def test_a_large_change_just_before_leaving_reaches_the_intake(site, chromium):
    pages, srv, write = site
    url = write("a")
    ctx = chromium.new_context()
    try:
        page, sid = opened(ctx, url)
        page.click("#report")
        page.click("#font")
        page.wait_for_timeout(1000)   # the visitor reads it for a second, then leaves
        page.goto("about:blank")
        page.wait_for_timeout(500)
    finally:
        ctx.close()
    text = _stored(srv, sid, "row 1499", "Late Big Face")
    assert "row 1499" in text, "the report's rows never reached the intake"
    assert "Late Big Face" in text, "the font never reached the intake"
    assert text.count("row 1499 ") == 1


def test_what_no_beacon_carries_is_kept_for_the_next_page(site, chromium):
    """The report's batch is on its way (its request over a beacon's budget, never answered)
    when the page goes hidden, then away: it is kept in sessionStorage, not counted lost, and
    the visit's next page sends it - stored once."""
    pages, srv, write = site
    a, _ = write("a", HANGS_WHEN_BIG), write("b")
    ctx = chromium.new_context()
    try:
        page, sid = opened(ctx, a)
        page.evaluate("window.__cut = true")
        page.click("#report")
        page.evaluate("ReplayCapture.flush(); 0")   # (capture.js sends it at once anyway)
        page.wait_for_function("window.__hung === 1", timeout=10_000)   # sent at once, in flight
        page.evaluate(HIDDEN)
        hidden = page.evaluate("ReplayCapture.status()")
        kept = page.evaluate("sessionStorage.getItem('replay_capture_unsent') || ''")
        page.click("#next")
        page.wait_for_function("window.ReplayCapture && ReplayCapture.status()")
        after = page.wait_for_function(ALL_SENT, polling=200, timeout=30_000).json_value()
    finally:
        ctx.close()
    assert "row 1499" in kept and hidden["lost"] == 0
    assert after["lost"] == 0
    text = _stored(srv, sid, "row 1499")
    assert text.count("row 1499 ") == 1
    # the next page's first batch followed the last batch page a numbered (order.py): the
    # intake stores it after that one, whichever arrives first
    with Store.open(srv.data) as store:
        ids = [r[0] for r in store.index._all(
            "SELECT batch_id FROM batches WHERE client_session=?", (sid,))]
    pages: dict[str, list[int]] = {}
    for i in ids:
        page_id, n = i.rsplit(".", 1)
        pages.setdefault(page_id, []).append(int(n))
    prev_page, n = after["after"].rsplit(".", 1)
    assert len(pages) == 2 and int(n) == max(pages[prev_page]), (after["after"], ids)


def test_lost_counts_only_what_could_not_be_kept(site, chromium):
    """With the tab's storage refusing (full, or turned off), what no beacon carries is lost,
    and status() says how many events."""
    pages, srv, write = site
    a = write("a", HANGS_WHEN_BIG)
    ctx = chromium.new_context()
    try:
        page, _sid = opened(ctx, a)
        page.evaluate("window.__cut = true")
        page.click("#report")
        page.evaluate("ReplayCapture.flush(); 0")   # (capture.js sends it at once anyway)
        page.wait_for_function("window.__hung === 1", timeout=10_000)
        page.evaluate("Storage.prototype.setItem = function () { throw new DOMException('full', 'QuotaExceededError'); }; 0")
        page.evaluate(HIDDEN)
        st = page.evaluate("ReplayCapture.status()")
    finally:
        ctx.close()
    assert st["lost"] >= 1 and st["lost"] < st["queued"], st


def test_a_page_left_open_past_the_session_s_quiet_limit_begins_a_new_session(site, chromium):
    """A tab left open for 16 minutes without an event (the visitor at lunch), then a change:
    the intake would begin a new session there (15 minutes without activity), whose first
    events had no snapshot to play on - capture.js begins it itself, with a snapshot of the
    page as it is then. The browser's clock is Playwright's, moved on 16 minutes."""
    pages, srv, write = site
    url = write("a")
    ctx = chromium.new_context()
    try:
        page = ctx.new_page()
        page.clock.install()
        page.goto(url)
        page.wait_for_function(ALL_SENT, polling=100, timeout=20_000)
        first = page.evaluate("ReplayCapture.status().session_id")
        page.clock.fast_forward("16:00")
        page.click("#report")   # the page changes: the first event after the quiet
        page.wait_for_function("s => ReplayCapture.status().session_id !== s", arg=first,
                               polling=100, timeout=20_000)
        page.evaluate("document.querySelector('h1').textContent = 'back from lunch'")
        st = page.wait_for_function(ALL_SENT, polling=100, timeout=20_000).json_value()
    finally:
        ctx.close()
    text = _stored(srv, st["session_id"], "back from lunch")
    events = json.loads(text)
    assert [e["type"] for e in events[:2]] == [4, 2], [e["type"] for e in events[:4]]
    assert "back from lunch" in text and "back from lunch" not in _stored(srv, first, "zz",
                                                                          timeout_s=1)
