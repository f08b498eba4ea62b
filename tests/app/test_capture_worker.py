"""capture.js's transport off the main thread: a Worker (from a Blob of capture.js's own
functions) encodes, gzips and posts each batch to a real `replay serve`; where the page's
CSP forbids workers, or a batch cannot be handed to the worker (a `context` with a method),
the same work runs on the main thread. Every event is stored once either way. In QtWebEngine
and in Debian's chromium."""
from __future__ import annotations

import json
from functools import partial
from urllib.parse import quote

import pytest

from recorder.source import open_recording
from replay_tools.browser_recorder import BrowserRecorder, PageServer, _QuietHandler
from replay_tools.chromium import chromium_path
from replay_tools.intake import IntakeServer, replay_cli
from tests.app.test_capture_intake import ALLOW, PAGES, _sent_everything

PAGE = "installed.html"   # the intake's /capture.js, started as DESIGN.md says
NO_WORKERS = "worker-src 'none'"
CLICKS = 3
# a context with a method: JSON leaves the method out, a structured clone cannot copy it
UNCLONABLE = "(function () { ReplayCapture.stop(); window.__sessionId = ReplayCapture.start(" \
             "Object.assign({}, %s, {context: {page: 'checkout', toString: function () { return 'x'; }}}));" \
             " return 1; })()"


class _NoWorkersHandler(_QuietHandler):
    """A site whose Content-Security-Policy header forbids workers."""

    def end_headers(self):
        self.send_header("Content-Security-Policy", NO_WORKERS)
        super().end_headers()


@pytest.fixture(scope="module")
def sites():
    """The test pages twice: as they are, and from a site that forbids workers."""
    with PageServer(PAGES) as plain, PageServer(PAGES, _NoWorkersHandler) as strict:
        yield {"plain": plain, "strict": strict}


@pytest.fixture(scope="module")
def intake(tmp_path_factory, sites):
    """One `replay serve` for the module: each page load starts a session of its own id."""
    tmp = tmp_path_factory.mktemp("capture-worker")
    rules = tmp / "allow.toml"
    rules.write_text(ALLOW)
    srv = IntakeServer(tmp / "data", workers=1, rules=rules)
    app_id, token = srv.create_app("pages", origins=[s.base_url.rstrip("/") for s in sites.values()])
    with srv:
        yield srv, app_id, token


def _cfg(intake) -> dict:
    srv, app_id, token = intake
    return {"intake": srv.url, "app": app_id, "token": token, "flushMs": 100,
            "rules": {"default": "mask-user-input"}}


def _qt(site: PageServer, intake, then: str | None = None) -> tuple[dict, str, dict]:
    """The page in QtWebEngine (nothing injected: what it installs records); clicks,
    everything sent. (status at the end, session id, status at the start)"""
    from PySide6.QtCore import QUrl

    with BrowserRecorder(recorder="capture") as b:
        b.browser.disarm()
        b._loading = True
        b._page.load(QUrl(site.url(PAGE) + "#" + quote(json.dumps(_cfg(intake)))))
        b.wait_loaded()
        b._wait_until(lambda: b.eval("window.ReplayCapture && ReplayCapture.status()"),
                      "capture.js to start")
        if then:
            b.eval(then % json.dumps(_cfg(intake)))
            b._wait_until(lambda: b.eval("ReplayCapture.status()"), "capture.js to start again")
        first = b.eval("ReplayCapture.status()")
        for _ in range(CLICKS):
            b.click("#more")
        return _sent_everything(b), b.eval("window.__sessionId"), first


def _chromium(context, site: PageServer, intake,
              then: str | None = None) -> tuple[dict, str, dict]:
    """The same in Debian's chromium (Playwright, the system binary), in a browser context
    of this test's own (no storage shared with the module's other pages)."""
    p = context.new_page()
    p.goto(site.url(PAGE) + "#" + quote(json.dumps(_cfg(intake))))
    p.wait_for_function("window.ReplayCapture && ReplayCapture.status()")
    if then:
        p.evaluate(then % json.dumps(_cfg(intake)))
    first = p.evaluate("ReplayCapture.status()")
    for _ in range(CLICKS):
        p.click("#more")
    p.wait_for_function("(s => s.idle && s.acked === s.queued)(ReplayCapture.flush())",
                        polling=50, timeout=20_000)
    return p.evaluate("ReplayCapture.status()"), p.evaluate("window.__sessionId"), first


@pytest.fixture(params=[pytest.param("qtwebengine"),
                        pytest.param("chromium", marks=pytest.mark.skipif(
                            chromium_path() is None, reason="Debian's chromium is not installed"))])
def engine(request):
    """Where the page runs: QtWebEngine (the harness), or a new context of the module's
    chromium. The context closes after the test's checks: closing a page sends capture.js's
    pagehide beacon (closing a whole browser, as each test once did, sent none), which must
    not land between the status read and the count of stored events."""
    if request.param != "chromium":
        yield _qt
        return
    context = request.getfixturevalue("chromium").new_context()
    yield partial(_chromium, context)
    context.close()


def _stored(intake, sid: str) -> list[dict]:
    srv, _, _ = intake
    return list(open_recording(sid, srv.data).events())


def test_a_worker_sends_the_batches_and_every_event_is_stored(qapp, sites, intake, engine):
    st, sid, first = engine(sites["plain"], intake)
    assert first["transport"] == "worker" and st["transport"] == "worker", st
    assert st["failed"] == 0 and st["requests"] >= 1 and not st["errors"], st
    stored = _stored(intake, sid)
    assert len(stored) == st["acked"] == st["queued"]
    assert [e["type"] for e in stored[:2]] == [4, 2]        # Meta, the snapshot
    texts = json.dumps(stored)
    assert all(f"More {i}" in texts for i in range(CLICKS))  # each click's mutation


def test_a_page_whose_csp_forbids_workers_sends_from_the_main_thread(qapp, sites, intake, engine):
    st, sid, first = engine(sites["strict"], intake)
    assert first["transport"] == "main" and st["transport"] == "main", st
    assert st["failed"] == 0 and st["requests"] >= 1, st
    stored = _stored(intake, sid)
    assert len(stored) == st["acked"] == st["queued"]
    assert all(f"More {i}" in json.dumps(stored) for i in range(CLICKS))


def test_a_batch_the_worker_cannot_take_goes_from_the_main_thread(qapp, sites, intake, engine):
    st, sid, _ = engine(sites["plain"], intake, then=UNCLONABLE)
    assert st["transport"] == "worker" and st["failed"] == 0 and st["requests"] >= 1, st
    stored = _stored(intake, sid)
    assert len(stored) == st["acked"] == st["queued"]
    assert all(f"More {i}" in json.dumps(stored) for i in range(CLICKS))
    srv, _, _ = intake
    proc = replay_cli(srv.data, "sessions", "--json")
    assert proc.returncode == 0, proc.stderr
    (row,) = [r for r in json.loads(proc.stdout) if r["id"] == sid]
    assert "checkout" in json.dumps(row)   # the context, sent as JSON sends it
