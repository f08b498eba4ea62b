"""capture.js when the intake answers 401/403/410, the answers in the page's hands: each
sender acts on its own session only (a late answer to a session the site stopped, or
replaced with a new token, changes nothing), and a session deleted on the intake (410
session_deleted) goes on as a new one that knows what the old one masked - the values typed
into masked fields, the GET-form fields in the page's URL - at most RESTARTS_MAX times a
page. In Debian's chromium; the page's `fetch` for capture.js is one whose answers the test
gives (the real intake's 410 is tested in test_serve_live)."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from recorder.paths import capture_script  # noqa: E402
from replay_tools.chromium import chromium_path  # noqa: E402
from tests.app.capture_site import echo_digest  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

PAGE = """<!doctype html><html><body><input id="name" type="text"><input id="pw" type="password">
<p id="out">-</p></body></html>"""
PASSWORD = "Tr0ub4dor&3horse"
# requests wait for the test's answer (__answer); warnings and events are kept
SETUP = """() => {
  window.__reqs = []; window.__out = []; window.__warn = [];
  const warn = console.warn; console.warn = (...a) => { window.__warn.push(a.join(' ')); warn(...a); };
  window.__answer = (i, status, body) => window.__reqs[i].res(new Response(body || '{}', {status}));
  window.__cfg = (token) => ({intake: 'http://127.0.0.1:9', app: 'a', token, flushMs: 50,
      fetch: (url, init) => new Promise(res => window.__reqs.push({url, init, res})),
      emit: e => window.__out.push(e)});
}"""
GONE = json.dumps({"error": "session_deleted", "message": "session x was deleted"})


def _page(ctx, url: str | None = None):
    page = ctx.new_page()
    if url is None:
        page.set_content(PAGE)
    else:
        page.route(url, lambda r: r.fulfill(status=200, content_type="text/html", body=PAGE))
        page.goto(url)
    page.add_script_tag(content=capture_script())
    page.evaluate(SETUP)
    return page


def _recording(page) -> bool:
    """Whether a change to the page is recorded now."""
    n = page.evaluate("() => __out.length")
    page.evaluate("() => { document.querySelector('#out').textContent += '.'; }")
    try:
        page.wait_for_function("n => __out.length > n", arg=n, timeout=1_000)
        return True
    except Exception:   # noqa: BLE001 - Playwright's timeout: nothing was recorded
        return False


def test_a_late_answer_acts_on_its_own_session_only(chromium):
    ctx = chromium.new_context()
    try:
        page = _page(ctx)
        # the site stopped recording (consent withdrawn) while a batch was in flight
        page.evaluate("() => ReplayCapture.start(__cfg('t'))")
        page.wait_for_function("() => __reqs.length === 1")
        page.evaluate("() => ReplayCapture.stop()")
        page.evaluate("a => __answer(0, 410, a)", GONE)
        assert not _recording(page) and page.evaluate("() => __reqs.length") == 1
        # the site started again with a rotated token; the old token's batch is refused
        page = _page(ctx)
        page.evaluate("() => ReplayCapture.start(__cfg('old'))")
        page.wait_for_function("() => __reqs.length === 1")
        page.evaluate("() => ReplayCapture.start(__cfg('new'))")
        page.evaluate("() => __answer(0, 401, JSON.stringify({error: 'bad_token', message: 'm'}))")
        page.evaluate("a => __answer(0, 410, a)", GONE)   # (a second answer: ignored by fetch)
        assert _recording(page) and page.evaluate("() => __warn") == []
        page.evaluate("() => ReplayCapture.flush()")
        page.wait_for_function("() => __reqs.length >= 2")
        auth = page.evaluate("() => __reqs.map(r => r.init.headers.Authorization)")
        assert auth[1:] and set(auth[1:]) == {"Bearer new"}, auth
    finally:
        ctx.close()


def test_a_deleted_session_goes_on_as_a_new_one_knowing_what_it_masked(chromium):
    """The page was reached by a GET form whose field was masked (its name kept with the
    session), a value was typed into a masked field and shown by the page, and so was one
    typed on the visit's page before (its digest kept with the session): the new session's
    snapshot and Meta hold none of them, and the new session keeps that digest and the typed
    value's - no password's, no keystroke's on the way."""
    carried = {"salt": 12345, "digests": [[len("wombatqueen"), echo_digest("wombatqueen", 12345)]]}
    ctx = chromium.new_context()
    try:
        page = _page(ctx, "http://shop.test/results?q=abcd1234")
        page.evaluate("""() => sessionStorage.setItem('replay_capture_session', JSON.stringify(
            {id: 'visit-1', created: Date.now(), last: Date.now(),
             formFields: [{name: 'q', typed: true}], echoes: %s}))""" % json.dumps(carried))
        page.evaluate("() => ReplayCapture.start(__cfg('t'))")
        page.wait_for_function("() => __reqs.length === 1")
        page.evaluate("() => __answer(0, 202)")
        page.click("#name")
        page.keyboard.type("zebracorn42")
        page.click("#pw")
        page.keyboard.type(PASSWORD)
        page.evaluate("() => { document.querySelector('#out').textContent = 'Hello zebracorn42, wombatqueen'; }")
        page.wait_for_timeout(100)
        page.evaluate("() => ReplayCapture.flush()")
        page.wait_for_function("() => __reqs.length === 2")
        first = page.evaluate("() => ReplayCapture.status().session_id")
        mark = page.evaluate("() => __out.length")
        page.evaluate("a => __answer(1, 410, a)", GONE)
        page.wait_for_function("f => ReplayCapture.status().session_id !== f", arg=first)
        page.wait_for_function("m => __out.slice(m).some(e => e.type === 2)", arg=mark)
        after = page.evaluate("m => __out.slice(m)", mark)
        stored = page.evaluate("() => JSON.parse(sessionStorage.getItem('replay_capture_session'))")
        before = json.dumps(page.evaluate("m => __out.slice(0, m)", mark))
    finally:
        ctx.close()
    assert first == "visit-1" and stored["id"] not in ("visit-1", None)
    assert stored["formFields"] == [{"name": "q", "typed": True}]
    # the new session keeps the digest handed to the page and the typed value's - not the
    # password's, nor a keystroke's on the way to either (each prefix of a password handed on
    # gave it away letter by letter: a reviewer's)
    salt = stored["echoes"]["salt"]
    assert salt == carried["salt"]
    assert sorted(map(tuple, stored["echoes"]["digests"])) == sorted(
        [tuple(carried["digests"][0])] + [(len(v), echo_digest(v, salt))
                                          for v in ("zebracorn42", "abcd1234")])   # (typed, the URL's)
    text = json.dumps(after)
    # (a plugin event may come between: a long task the RUM plugin saw on a loaded machine)
    kinds = [e["type"] for e in after if e["type"] != 6]
    assert kinds[:2] == [4, 2], kinds[:3]
    assert "abcd1234" not in text and "zebracorn42" not in text and "wombatqueen" not in text, text[:500]
    assert "Hello ***, ***" in text and "q=***" in text
    assert "zebracorn42" not in before and "Hello ***, ***" in before      # the premise


@pytest.mark.parametrize("answer", ["{}", GONE], ids=["not-the-intakes", "again-and-again"])
def test_a_410_that_is_not_the_intakes_or_keeps_coming_stops_with_one_warning(chromium, answer):
    ctx = chromium.new_context()
    try:
        page = _page(ctx)
        page.evaluate("() => ReplayCapture.start(__cfg('t'))")
        answered = 0
        for _ in range(8):
            if page.evaluate("() => ReplayCapture.status() === null || !!ReplayCapture.status().stopped"):
                break
            page.evaluate("() => ReplayCapture.flush()")
            page.wait_for_function("n => __reqs.length > n", arg=answered, timeout=5_000)
            page.evaluate("([i, a]) => __answer(i, 410, a)", [answered, answer])
            answered += 1
            page.wait_for_timeout(100)
        warnings = page.evaluate("() => __warn")
        assert not _recording(page)
    finally:
        ctx.close()
    assert answered == (1 if answer == "{}" else 4), answered   # RESTARTS_MAX new sessions
    assert len(warnings) == 1 and "capture.js stopped" in warnings[0], warnings
