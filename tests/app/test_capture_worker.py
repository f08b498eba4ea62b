"""capture.js's transport off the main thread: a Worker (from a Blob of capture.js's own
functions) encodes, gzips and posts each batch to a real `replay serve`; where the page's
CSP forbids workers, or a batch cannot be handed to the worker (a `context` with a method),
or the worker fails mid-session, the same work runs on the main thread. Every event is stored
once either way. A stopped session's worker ends (stop() then start() leaves one worker). In
QtWebEngine and in Debian's chromium."""
from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from urllib.parse import quote

import pytest

from recorder.intake.page_server import QuietHandler
from recorder.source import open_recording
from replay_tools.browser_recorder import BrowserRecorder, PageServer
from replay_tools.chromium import chromium_path, launch
from replay_tools.intake import IntakeServer, replay_cli
from tests.app.test_capture_intake import ALLOW, PAGES

PAGE = "installed.html"   # the intake's /capture.js, started as DESIGN.md says
NO_WORKERS = "worker-src 'none'"
CLICKS = 3
# a context with a method: JSON leaves the method out, a structured clone cannot copy it
UNCLONABLE = "(function () { ReplayCapture.stop(); window.__sessionId = ReplayCapture.start(" \
             "Object.assign({}, %s, {context: {page: 'checkout', toString: function () { return 'x'; }}}));" \
             " return 1; })()"


class _NoWorkersHandler(QuietHandler):
    """A site whose Content-Security-Policy header forbids workers."""

    def end_headers(self):
        self.send_header("Content-Security-Policy", NO_WORKERS)
        super().end_headers()


@pytest.fixture(scope="module")
def sites():
    """The test pages twice: as they are, and from a site that forbids workers."""
    with PageServer(PAGES) as plain, PageServer(PAGES, _NoWorkersHandler) as strict:
        yield {"plain": plain, "strict": strict}


@pytest.fixture()
def intake(tmp_path, sites):
    rules = tmp_path / "allow.toml"
    rules.write_text(ALLOW)
    srv = IntakeServer(tmp_path / "data", workers=1, rules=rules)
    app_id, token = srv.create_app("pages", origins=[s.base_url.rstrip("/") for s in sites.values()])
    with srv:
        yield srv, app_id, token


def _cfg(intake) -> dict:
    srv, app_id, token = intake
    return {"intake": srv.url, "app": app_id, "token": token, "flushMs": 100,
            "rules": {"default": "mask-user-input"}}


WAIT_S = 20   # for what the page does next


class _QtPage:
    def __init__(self, b: BrowserRecorder):
        self.b = b

    def eval(self, js: str):
        return self.b.eval(js)

    def click(self, selector: str) -> None:
        self.b.click(selector)

    def until(self, cond, what: str):
        return self.b._wait_until(cond, what, WAIT_S)

    def live_workers(self) -> int | None:
        return None   # QtWebEngine does not list a page's workers


class _ChromiumPage:
    def __init__(self, page):
        self.p = page

    def eval(self, js: str):
        return self.p.evaluate(js)

    def click(self, selector: str) -> None:
        self.p.click(selector)

    def until(self, cond, what: str):
        deadline = time.monotonic() + WAIT_S
        while not (value := cond()):
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            self.p.wait_for_timeout(50)
        return value

    def live_workers(self) -> int | None:
        return len(self.p.workers)   # the browser's own list: a terminated worker leaves it


@contextmanager
def _qt_page(site: PageServer, cfg: dict):
    from PySide6.QtCore import QUrl

    with BrowserRecorder(recorder="capture") as b:
        b.browser.disarm()
        b._loading = True
        b._page.load(QUrl(site.url(PAGE) + "#" + quote(json.dumps(cfg))))
        b.wait_loaded()
        b._wait_until(lambda: b.eval("window.ReplayCapture && ReplayCapture.status()"),
                      "capture.js to start")
        yield _QtPage(b)


@contextmanager
def _chromium_page(site: PageServer, cfg: dict):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            p = browser.new_page()
            p.goto(site.url(PAGE) + "#" + quote(json.dumps(cfg)))
            p.wait_for_function("window.ReplayCapture && ReplayCapture.status()")
            yield _ChromiumPage(p)
        finally:
            browser.close()


PAGES_IN = [pytest.param(_qt_page, id="qtwebengine"),
            pytest.param(_chromium_page, id="chromium", marks=pytest.mark.skipif(
                chromium_path() is None, reason="Debian's chromium is not installed"))]


def _sent_all(page) -> dict:
    page.until(lambda: page.eval(SENT_ALL), "capture.js to send everything")
    return page.eval("ReplayCapture.status()")


def _clicked(engine, site: PageServer, intake, then: str | None = None
             ) -> tuple[dict, str, dict, dict]:
    """The page (nothing injected: what it installs records), `then` run in it, clicks,
    everything sent. (status at the end, session id, status at the start, counts once
    stopped - `_stopped_counts`)"""
    with engine(site, _cfg(intake)) as page:
        if then:
            page.eval(then % json.dumps(_cfg(intake)))
        first = dict(page.eval("ReplayCapture.status()"), user_agent=page.eval("navigator.userAgent"))
        for _ in range(CLICKS):
            page.click("#more")
        st = _sent_all(page)
        return st, page.eval("window.__sessionId"), first, _stopped_counts(page)


def _stopped_counts(page) -> dict:
    """The sender's status once the session is stopped and has sent everything: the counts
    to hold the store against. Taken while it still records, a count can miss an event
    recorded after it - under load, the button's blur as the page closes, sent by beacon
    and stored (27 stored, 26 counted) - which is no event lost."""
    page.eval("ReplayCapture.stop()")
    return _sent_all(page)


def _stored(intake, sid: str) -> list[dict]:
    srv, _, _ = intake
    return list(open_recording(sid, srv.data).events())


@pytest.mark.parametrize("engine", PAGES_IN)
def test_a_worker_sends_the_batches_and_every_event_is_stored(qapp, sites, intake, engine):
    st, sid, first, final = _clicked(engine, sites["plain"], intake)
    assert first["transport"] == "worker" and st["transport"] == "worker", st
    assert st["failed"] == 0 and st["requests"] >= 1 and not st["errors"], st
    stored = _stored(intake, sid)
    assert len(stored) == final["acked"] == final["queued"], final
    assert [e["type"] for e in stored[:2]] == [4, 2]        # Meta, the snapshot
    texts = json.dumps(stored)
    assert all(f"More {i}" in texts for i in range(CLICKS))  # each click's mutation
    # the worker left the browser's user agent to its request's header (compact@5)
    assert _user_agents(stored) == [first["user_agent"]]


def _user_agents(stored: list[dict]) -> list:
    """The user agents the RUM plugin's payloads carry (its page's first view's)."""
    return [e["data"]["payload"]["user_agent"] for e in stored if e["type"] == 6
            and e["data"]["plugin"] == "replay/rum@1" and "user_agent" in e["data"]["payload"]]


@pytest.mark.parametrize("engine", PAGES_IN)
def test_a_page_whose_csp_forbids_workers_sends_from_the_main_thread(qapp, sites, intake, engine):
    st, sid, first, final = _clicked(engine, sites["strict"], intake)
    assert first["transport"] == "main" and st["transport"] == "main", st
    assert st["failed"] == 0 and st["requests"] >= 1, st
    stored = _stored(intake, sid)
    assert len(stored) == final["acked"] == final["queued"], final
    assert all(f"More {i}" in json.dumps(stored) for i in range(CLICKS))
    assert _user_agents(stored) == [first["user_agent"]]   # from the main thread's request too


@pytest.mark.parametrize("engine", PAGES_IN)
def test_a_batch_the_worker_cannot_take_goes_from_the_main_thread(qapp, sites, intake, engine):
    st, sid, _, final = _clicked(engine, sites["plain"], intake, then=UNCLONABLE)
    assert st["transport"] == "worker" and st["failed"] == 0 and st["requests"] >= 1, st
    stored = _stored(intake, sid)
    assert len(stored) == final["acked"] == final["queued"], final
    assert all(f"More {i}" in json.dumps(stored) for i in range(CLICKS))
    srv, _, _ = intake
    proc = replay_cli(srv.data, "sessions", "--json")
    assert proc.returncode == 0, proc.stderr
    (row,) = [r for r in json.loads(proc.stdout) if r["id"] == sid]
    assert "checkout" in json.dumps(row)   # the context, sent as JSON sends it


# ---- the transport's workers followed (installed.html with `keepWorkers`) -------------------
SENT_ALL = "(s => s && s.idle && s.acked === s.queued)(ReplayCapture.flush())"
RESTART = "(function () { ReplayCapture.stop(); window.__sessionId = ReplayCapture.start(%s);" \
          " return 1; })()"
# each worker's code URL fetched: a revoked Blob URL fails
CODE_FETCHED = "(function () { window.__code = []; __workers.forEach(function (w, i) {" \
               " fetch(w.codeUrl).then(function () { __code[i] = 'there'; }," \
               " function () { __code[i] = 'gone'; }); }); return 1; })()"
# a click, then the worker made to raise an uncaught error (a message it cannot read) with the
# click's batch queued behind it: the worker fails while it holds that batch
FAIL_WITH_A_BATCH = "(function () { document.getElementById('more').click();" \
                    " __workers[0].postMessage({n: -1}); return ReplayCapture.flush(); })()"




# a session started again in the loaded page: the workers there are, before and after start()
START_AGAIN = "(function () { ReplayCapture.stop(); var before = __workers.length;" \
              " window.__sessionId = ReplayCapture.start(%s); return [before, __workers.length]; })()"


@pytest.mark.parametrize("engine", PAGES_IN)
def test_start_makes_no_worker_the_page_being_idle_does(qapp, sites, intake, engine):
    """Making a Worker from a Blob waits on the browser: start() (which an installed page runs
    while it loads) leaves it to the first idle moment after the load."""
    cfg = dict(_cfg(intake), keepWorkers=True)
    with engine(sites["plain"], cfg) as page:
        before, after_start = page.eval(START_AGAIN % json.dumps(cfg))
        page.until(lambda: page.eval("__workers.length") == before + 1, "the new session's worker")
        page.click("#more")
        st = _sent_all(page)
        made = page.eval("__workers.length")
    assert after_start == before            # start() itself made none
    assert made == before + 1               # one, made while the page was idle, sent the batches
    assert st["transport"] == "worker" and st["failed"] == 0 and not st["errors"], st


def _stored_text(page, intake, sid: str, want: str) -> str:
    """The session's stored events as JSON text, once `want` is in them."""
    return page.until(lambda: (lambda t: t if want in t else None)(json.dumps(_stored(intake, sid))),
                      f"{want!r} stored")


@pytest.mark.parametrize("engine", PAGES_IN)
def test_stop_then_start_ends_the_stopped_sessions_worker(qapp, sites, intake, engine):
    cfg = dict(_cfg(intake), keepWorkers=True)
    with engine(sites["plain"], cfg) as page:
        first = page.eval("window.__sessionId")
        page.click("#more")
        _sent_all(page)
        page.click("#more")   # queued when the session stops: sent all the same
        page.eval(RESTART % json.dumps(cfg))
        page.click("#more")
        st = _sent_all(page)
        ended = page.eval("__workers.map(function (w) { return !!w.ended; })")
        page.eval(CODE_FETCHED)
        code = page.until(lambda: page.eval("__code[0] && __code[1] ? __code : null"),
                          "both workers' code fetched")
        live = page.until(lambda: page.live_workers() in (None, 1) and [page.live_workers()],
                          "one worker left")[0]
        first_text = _stored_text(page, intake, first, "More 1")
        second = page.eval("window.__sessionId")
    assert ended == [True, False]          # the stopped session's worker ended, the new one runs
    assert code == ["gone", "there"]       # ... and its code's Blob URL was freed
    assert live in (None, 1)
    assert st["transport"] == "worker" and st["failed"] == 0 and not st["errors"], st
    assert "More 0" in first_text          # the stopped session lost nothing
    assert second != first and "More 2" in json.dumps(_stored(intake, second))


@pytest.mark.parametrize("engine", PAGES_IN)
def test_a_worker_that_fails_mid_session_leaves_its_batch_to_the_page(qapp, sites, intake,
                                                                       engine):
    cfg = dict(_cfg(intake), keepWorkers=True)
    with engine(sites["plain"], cfg) as page:
        sid = page.eval("window.__sessionId")
        before = _sent_all(page)   # the snapshot went by the worker
        during = page.eval(FAIL_WITH_A_BATCH)
        st = _sent_all(page)
        ended = page.eval("__workers.length === 1 && __workers[0].ended === true")
        final = _stopped_counts(page)
    assert before["transport"] == "worker" and before["requests"] >= 1, before
    assert not during["idle"] and during["requests"] == before["requests"] + 1, during
    assert ended
    assert st["transport"] == "main" and st["failed"] == 0, st
    assert any("worker failed" in e for e in st["errors"]), st
    assert st["requests"] > during["requests"]   # the batch went again, from the page
    stored = _stored(intake, sid)
    assert len(stored) == final["acked"] == final["queued"], final   # none lost, none twice
    assert "More 0" in json.dumps(stored)


# The keepalive budget (64 KiB for a page's keepalive requests not finished) taken by a
# request of the page's own that its server holds open; then a paragraph of random
# (incompressible) text, whose batch does not fit beside it.
HOLD_PATH = "/hold"
HOLD_BYTES = 65000
HOLD = "(function () { window.__held = fetch(location.origin + '%s', {method: 'POST'," \
       " keepalive: true, body: 'x'.repeat(%d)}).then(function (r) { return r.status; }); return 1; })()" \
       % (HOLD_PATH, HOLD_BYTES)
PARAGRAPH = "(function () { var b = new Uint8Array(3000); crypto.getRandomValues(b);" \
            " var p = document.createElement('p'); p.textContent = 'big ' +" \
            " btoa(String.fromCharCode.apply(null, b)); document.body.appendChild(p); return 1; })()"


class _HoldingHandler(QuietHandler):
    """The test pages, and POST /hold answered only once the test lets it go."""
    release = threading.Event()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.release.wait(WAIT_S)
        self.send_response(204)
        self.end_headers()


@pytest.fixture()
def holding_site():
    _HoldingHandler.release.clear()
    with PageServer(PAGES, _HoldingHandler) as site:
        yield site
        _HoldingHandler.release.set()


@pytest.mark.parametrize("engine", PAGES_IN)
def test_a_batch_refused_for_the_keepalive_budget_goes_again_without_keepalive(
        qapp, holding_site, tmp_path, engine):
    rules = tmp_path / "allow.toml"
    rules.write_text(ALLOW)
    srv = IntakeServer(tmp_path / "data", workers=1, rules=rules)
    app_id, token = srv.create_app("pages", origins=[holding_site.base_url.rstrip("/")])
    with srv:
        # from the page's main thread, whose keepalive budget the held request shares
        cfg = dict(_cfg((srv, app_id, token)), worker=False)
        with engine(holding_site, cfg) as page:
            sid = page.eval("window.__sessionId")
            _sent_all(page)
            page.eval(HOLD)
            page.eval(PARAGRAPH)
            st = _sent_all(page)
            _HoldingHandler.release.set()
        stored = _stored((srv, app_id, token), sid)
    assert st["transport"] == "main" and st["failed"] == 0, st   # (refused once, sent again)
    assert "big " in json.dumps(stored)   # (before the fix: refused at every retry)
