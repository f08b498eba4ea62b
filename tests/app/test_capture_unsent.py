"""What a visitor does while the intake is unreachable (the operator restarting `replay serve`)
is not lost when they go to another page: capture.js keeps the unsent batches in the tab's
sessionStorage (masked, as they would have been sent) and the visit's next page sends them
first, under their own batch ids, once the intake is back. In Debian's chromium, against a real
`replay serve` stopped and started again on the same port."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from recorder.paths import capture_script  # noqa: E402
from replay_tools.browser_recorder import PageServer  # noqa: E402
from replay_tools.chromium import QUEUED, chromium_path  # noqa: E402
from replay_tools.intake import IntakeServer, stored_events  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

# capture.js served by the site itself, so the next page loads it while the intake is down
PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>%(name)s</title><script src="capture.js"></script>
<script>ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s", flushMs: 200});</script>
</head><body><h1>%(name)s</h1><input id="pw" type="password">
<button id="b" onclick="document.getElementById('out').textContent = 'clicked while down'">go</button>
<p id="out">-</p><a id="next" href="b.html">next</a></body></html>"""
ALL_ACKED = ("(s => s && s.idle && s.acked === s.queued && s.acked > 0 ? s : null)"
             "(ReplayCapture.flush())")
SECRET = "zebracorn-4242"


def test_what_was_done_while_the_intake_was_down_reaches_it_from_the_next_page(chromium, tmp_path):
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "capture.js").write_text(capture_script())
    srv = IntakeServer(tmp_path / "data")
    with PageServer(site_dir) as site:
        app, token = srv.create_app("unsent", origins=[site.base_url.rstrip("/")])
        for name in ("a", "b"):
            (site_dir / f"{name}.html").write_text(PAGE % {"name": name, "intake": srv.url,
                                                           "app": app, "token": token})
        with srv:
            ctx = chromium.new_context()
            try:
                page = ctx.new_page()
                page.goto(site.url("a.html"))
                first = page.wait_for_function(ALL_ACKED, polling=100, timeout=20_000).json_value()
                sid = page.evaluate("ReplayCapture.status().session_id")
                srv.stop()   # the operator restarts `replay serve`
                page.click("#b")
                page.evaluate("console.log('logged while the intake was down')")
                page.click("#pw")
                page.keyboard.type(SECRET)
                page.evaluate("history.pushState({}, '', 'a.html#step2')")
                page.wait_for_timeout(300)
                page.evaluate("ReplayCapture.flush()")
                page.wait_for_function("ReplayCapture.status().errors.length > 0", timeout=10_000)
                # said as the browser says it, once ("Error: TypeError: ..." named it twice)
                said = page.evaluate("ReplayCapture.status().errors[0]")
                assert said.startswith("TypeError: ") and "Error: TypeError" not in said, said
                page.click("#next")
                page.wait_for_function("window.ReplayCapture && ReplayCapture.status()")
                kept = page.evaluate("sessionStorage.getItem('replay_capture_unsent')")
                srv.start()   # back, on the same port
                sent = page.wait_for_function(ALL_ACKED, polling=200, timeout=40_000).json_value()
                assert page.evaluate("ReplayCapture.status().session_id") == sid
            finally:
                ctx.close()
            stored = stored_events(srv.data, sid, first["acked"] + sent["acked"])
    text = json.dumps(stored)
    assert "logged while the intake was down" in text
    assert "clicked while down" in text
    assert "step2" in text
    assert SECRET not in text
    # in the order they happened: the first page's events before the second page's snapshot
    snapshots = [i for i, e in enumerate(stored) if e["type"] == 2]
    line = next(i for i, e in enumerate(stored) if "logged while the intake was down" in json.dumps(e))
    assert len(snapshots) == 2 and snapshots[0] < line < snapshots[1], (snapshots, line)
    assert sent["lost"] == 0
    # what was kept for the next page held nothing the page masked
    assert kept and "logged while the intake was down" in kept
    assert SECRET not in kept


def test_the_kept_batches_are_bounded_and_what_they_drop_is_counted(chromium):
    """While sending fails, the kept batches stay under their bound (UNSENT_MAX_CHARS), the
    oldest dropped first; the visit's next page says how many events were lost."""
    ctx = chromium.new_context()
    try:
        page = ctx.new_page()
        page.route("http://shop.test/**", lambda r: r.fulfill(
            status=200, content_type="text/html", body="<!doctype html><p>shop</p>"))
        cfg = ("{intake: 'http://127.0.0.1:9', app: 'a', token: 't', flushMs: 50,"
               " fetch: () => Promise.reject(new TypeError('Failed to fetch'))}")
        page.goto("http://shop.test/a")
        page.add_script_tag(content=capture_script())
        page.evaluate(f"ReplayCapture.start({cfg})")
        # ~1.6 MB of console lines (each argument is cut to 1,000 characters)
        page.evaluate("for (let i = 0; i < 80; i++) console.log(i + ':', ...Array(20).fill('x'.repeat(1000)))")
        page.evaluate("ReplayCapture.flush()")
        page.wait_for_function("ReplayCapture.status().errors.length > 0")
        page.wait_for_function("ReplayCapture.status().lost > 0")
        kept = page.evaluate("sessionStorage.getItem('replay_capture_unsent').length")
        lost = page.evaluate("ReplayCapture.status().lost")
        page.goto("http://shop.test/b")
        page.add_script_tag(content=capture_script())
        page.evaluate(f"ReplayCapture.start({cfg})")
        after = page.evaluate("ReplayCapture.status()")
        first = json.loads(page.evaluate("sessionStorage.getItem('replay_capture_unsent')"))
    finally:
        ctx.close()
    assert kept <= 1_000_100 and lost > 0
    # (the page kept flushing, and dropping, until it went: at least what it had said)
    assert after["lost"] >= lost
    # the oldest went first: the lines kept are the newest ones, never the first (a batch
    # in flight when the page went is kept or dropped whole - it may hold them all)
    import re
    numbers = sorted(int(n) for n in re.findall(r'\\"(\d+):\\"', json.dumps(first["batches"])))
    assert 0 not in numbers and numbers == list(range(numbers[0], 80)) if numbers else True, \
        numbers


# the tab's storage, each time the page asks for it, counted (window.__tabStorage)
COUNT_STORAGE = """(() => {
  // the keys read from each storage, by page: window.__read = {local: [...], tab: [...]}
  window.__read = {local: [], tab: []};
  const get = Storage.prototype.getItem;
  Storage.prototype.getItem = function (key) {
    window.__read[this === window.localStorage ? 'local' : 'tab'].push(key);
    return get.call(this, key);
  };
})();"""
QUIET = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script src="capture.js"></script>
<script>ReplayCapture.start({intake: "http://127.0.0.1:9", app: "a", token: "t", worker: false,
                             fetch: () => new Promise(() => {})});</script>
</head><body><p>%s</p><a id="next" href="b.html">next</a></body></html>"""


@pytest.fixture
def quiet_site(tmp_path):
    """Pages a and b with capture.js posting nowhere (its requests never answered)."""
    (tmp_path / "capture.js").write_text(capture_script())
    (tmp_path / "a.html").write_text(QUIET % "a")
    (tmp_path / "b.html").write_text(QUIET % "b")
    with PageServer(tmp_path) as site:
        yield site


def test_a_new_session_s_first_page_reads_only_its_session_from_the_tab_s_storage(chromium,
                                                                                 quiet_site):
    """A session is a tab's: its id is read from the tab's storage, and the site's
    localStorage is never opened. No page can have left batches unsent, or a last batch id,
    for a session this page began: it does not look for them. The next page of the visit
    looks, as it must, and goes on in the same session."""
    site = quiet_site
    ctx = chromium.new_context()
    try:
        ctx.add_init_script(COUNT_STORAGE)
        page = ctx.new_page()
        page.goto(site.url("a.html"))
        page.wait_for_function(QUEUED)
        read = page.evaluate("window.__read")
        assert read["local"] == [] and set(read["tab"]) == {"replay_capture_session"}, read
        sid = page.evaluate("ReplayCapture.status().session_id")
        page.click("#next")
        page.wait_for_function(QUEUED)
        assert page.evaluate("ReplayCapture.status().session_id") == sid
        # the last batch id is read as the page's first batch is encoded (S.bodyConfig), which
        # a loaded machine reached after the batch was queued
        page.wait_for_function("window.__read.tab.indexOf('replay_capture_last') >= 0")
        read = page.evaluate("window.__read")
        assert read["local"] == [] and {"replay_capture_unsent", "replay_capture_last"} \
            <= set(read["tab"]), read
    finally:
        ctx.close()


def test_two_tabs_of_a_visit_record_two_sessions(chromium, quiet_site):
    """A second tab on the same site (a link opened in a new tab, the address typed again)
    records a session of its own: one session holding both tabs' pages interleaved their
    events, and the player drew one tab's changes on the other tab's page. Each tab's next
    page goes on in its tab's session."""
    site = quiet_site
    ctx = chromium.new_context()
    try:
        tabs = [ctx.new_page(), ctx.new_page()]
        sids = []
        for tab in tabs:
            tab.goto(site.url("a.html"))
            tab.wait_for_function(QUEUED)
            sids.append(tab.evaluate("ReplayCapture.status().session_id"))
        assert sids[0] != sids[1]
        for tab, sid in zip(tabs, sids):
            tab.click("#next")
            tab.wait_for_function(QUEUED)
            assert tab.evaluate("ReplayCapture.status().session_id") == sid
    finally:
        ctx.close()
