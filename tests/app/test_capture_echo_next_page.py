"""A value typed into a masked field and shown by the visit's NEXT pages: posted with POST and
rendered by the server ("Welcome, Hortensia Blumenkohl"), saved by the site in localStorage
and shown again a page later ("Welcome back, ..."). capture.js's echo scrubbing lives in page
memory, which ends with the page; so each page hands the next the salted 32-bit digests of
the values typed (never a value, never a password's), in the tab's sessionStorage beside the
session id, and the next pages mask any stretch of text whose digest is one of them.

In Debian's chromium with a real `replay serve` (default rules: mask-user-input): a sign-up
form posted to the page server, which renders the welcome page; a third page that shows what
the site saved. Every stored byte (segments decompressed) and every export is searched for
the values: absent; the page's own words around them are kept, and a field the page allows
stays as typed. The digests kept in the tab are checked against the hash written again here
(capture_site.echo_digest, the oracle): the name's and the code's are there, the password's is not."""
from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import parse_qs

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from recorder.intake.page_server import PageServer, QuietHandler  # noqa: E402
from tests.app.capture_site import SENT_ALL, capture_site, echo_digest, events_when, opened  # noqa: E402
from replay_tools.chromium import chromium_path  # noqa: E402
from replay_tools.intake import IntakeServer  # noqa: E402
from replay_tools.stored import hits, stored_and_exported  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

WHO = "Hortensia Blumenkohl"
CODE = "PLUM-4471-KX"           # a member code (no detector knows it)
PASSWORD = "Tr0ub4dor&3horse"
BORN = "14/03/1985"              # a value of a small set: every date could be tried on its digest
TOPIC = "gardening"              # typed into a field the page allows: kept as typed
# (the name as a URL parameter writes it, too)
NEEDLES = {"who": [WHO, "Hortensia%20Blumenkohl", "Hortensia+Blumenkohl"], "code": [CODE],
           "password": [PASSWORD]}
# the page's own word that begins with the name: a letter touches the value, so it is no echo
OWN_WORD = "Hortensia Blumenkohlsuppe"

HEAD = """<!doctype html>
<html><head><meta charset="utf-8"><title>%(title)s</title>
<script src="%(intake)s/capture.js"></script>
<script>ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s",
  flushMs: 100, user: {id: "signup-user"}});</script>
</head><body>
"""
SIGNUP = """<h2>Sign up</h2>
<form method="post" action="welcome" id="f">
<label>Name <input id="who" name="who"></label>
<label>Member code <input id="code" name="code"></label>
<label>Password <input id="pw" name="pw" type="password"></label>
<label>Birth date <input id="born" name="born"></label>
<label>Topic <input id="topic" name="topic" data-replay-privacy="allow"></label>
<button id="go" type="submit">Create account</button>
</form>
<script>
// the site keeps the name for its next pages
document.getElementById('f').addEventListener('submit', () => {
  localStorage.setItem('who', document.getElementById('who').value);
  localStorage.setItem('code', document.getElementById('code').value);
});
</script>
</body></html>
"""
# rendered by the server from what was posted
WELCOME = """<h2 id="hello">Welcome, %(who)s</h2>
<p id="member">Your member code %(code)s is active.</p>
<p id="topic">Your topic: %(topic)s</p>
<a id="next" href="account.html">Your account</a>
</body></html>
"""
# what the site saved, shown a page later: text, title, an attribute, the console
ACCOUNT = """<h2 id="greet">Account</h2>
<p id="soup">Today: %s</p>
<script>
const who = localStorage.getItem('who'), code = localStorage.getItem('code');
document.getElementById('greet').textContent = 'Welcome back, ' + who + '!';
document.getElementById('greet').setAttribute('title', 'Member ' + code);
document.title = 'Account of ' + who;
console.log('member', code);
// ... and asks its API for the profile by the saved name, percent-encoded in the URL
fetch('api/profile.json?who=me&fn=' + encodeURIComponent(who)).catch(() => {});
</script>
</body></html>
""" % OWN_WORD


class SignupServer(QuietHandler):
    """The site: its static pages, and the sign-up form's POST answered with the welcome
    page, as a server-rendered site answers it."""
    head = ""

    def do_POST(self):   # noqa: N802 - http.server's names
        if self.path != "/welcome":
            self.send_error(404)
            return
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        body = (self.head % {"title": "Welcome"} + WELCOME % {
            k: html.escape(form.get(k, [""])[0]) for k in ("who", "code", "topic")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _sent(page) -> int:
    return page.wait_for_function(SENT_ALL, polling=100, timeout=20_000).json_value()["acked"]


def _visit(chromium, tmp_path: Path) -> tuple[IntakeServer, str, list[dict], list[str], dict, dict]:
    """The sign-up visit: the intake, the session id, its stored events, the browser's console,
    the tab's session record as the last page left it, and what the pages showed."""
    root = tmp_path / "site"
    root.mkdir()
    srv = IntakeServer(tmp_path / "data")
    handler = type("Signup", (SignupServer,), {})
    with PageServer(root, handler=handler) as site:
        app, token = srv.create_app("signup", origins=[site.base_url.rstrip("/")])
        handler.head = HEAD % {"intake": srv.url, "app": app, "token": token, "title": "%(title)s"}
        (root / "signup.html").write_text(handler.head % {"title": "Sign up"} + SIGNUP)
        (root / "account.html").write_text(handler.head % {"title": "Account"} + ACCOUNT)
        with srv:
            ctx = chromium.new_context()
            seen: list[str] = []
            shown: dict = {}
            try:
                page = ctx.new_page()
                page.on("console", lambda m: seen.append(m.text))
                page.goto(site.url("signup.html"))
                page.wait_for_function("window.ReplayCapture && ReplayCapture.status()")
                for field, value in (("#who", WHO), ("#code", CODE), ("#pw", PASSWORD), ("#born", BORN),
                                     ("#topic", TOPIC)):
                    page.click(field)
                    page.keyboard.type(value, delay=5)
                # sent at once: the digests go as the form is sent, not a moment later
                with page.expect_navigation():
                    page.click("#go")
                page.wait_for_function("window.ReplayCapture && ReplayCapture.status()")
                shown["welcome"] = page.inner_text("body")
                acked = _sent(page)
                with page.expect_navigation():
                    page.click("#next")
                page.wait_for_function("document.title.indexOf('Account of') === 0")
                shown["account"] = page.inner_text("body")
                sid = page.evaluate("ReplayCapture.status().session_id")
                acked += _sent(page)
                kept = page.evaluate("JSON.parse(sessionStorage.getItem('replay_capture_session'))")
                page.evaluate("ReplayCapture.stop()")
            finally:
                ctx.close()
            # the sign-up page's events reached the intake by beacon as it was left: waited
            # for by what is stored (its snapshot), not by what it saw answered
            stored = events_when(srv.data, sid, lambda evs: len(evs) > acked and sum(
                e["type"] == 4 for e in evs) == 3)
    return srv, sid, stored, seen, kept, shown


def _texts(stored: list[dict]) -> str:
    return json.dumps(stored)


def test_values_typed_then_shown_by_the_next_pages_are_masked_there(chromium, tmp_path):
    srv, sid, stored, seen, kept, shown = _visit(chromium, tmp_path)
    # the premise: the pages did show the values, and the console printed the code
    assert WHO in shown["welcome"] and CODE in shown["welcome"], shown
    assert f"Welcome back, {WHO}!" in shown["account"], shown
    assert any(CODE in line for line in seen), seen
    metas = [e["data"]["href"] for e in stored if e["type"] == 4]
    assert [m.rsplit("/", 1)[1] for m in metas] == ["signup.html", "welcome", "account.html"], metas
    text = _texts(stored)
    for echo in ("Welcome, ***", "Your member code *** is active.", "Welcome back, ***!",
                 "Account of ***", "Member ***"):
        assert echo in text, echo
    # the console line: its argument masked, the page's words kept
    assert '"\\"member\\"", "\\"***\\""' in text
    assert "api/profile.json?who=me&fn=***" in text   # the request's URL, percent-encoded
    assert f"Your topic: {TOPIC}" in text   # allowed: as typed
    assert OWN_WORD in text                  # a letter touches the name there: the page's own word
    # every stored byte, and every export of the session
    blobs = stored_and_exported(srv.data, sid, tmp_path / "out")
    blobs = {k: v.replace(OWN_WORD.encode(), b"") for k, v in blobs.items()}
    assert hits(blobs, NEEDLES) == []
    # what the tab keeps for the next pages: digests, no value; not the password's
    assert hits({"sessionStorage": json.dumps(kept).encode()}, NEEDLES) == []
    salt, digests = kept["echoes"]["salt"], kept["echoes"]["digests"]
    assert [len(WHO), echo_digest(WHO, salt)] in digests
    assert [len(CODE), echo_digest(CODE, salt)] in digests
    # nothing else: not the password's, not a date's (no letter: every date could be tried on
    # it), not a keystroke's on the way ("Hortensia Blu": each prefix gives a letter away)
    assert sorted(map(tuple, digests)) == sorted([(len(WHO), echo_digest(WHO, salt)),
                                                  (len(CODE), echo_digest(CODE, salt))])


TYPE_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>%(title)s</title>
<script src="capture.js"></script>
<script>ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s", flushMs: 100});</script>
</head><body><input id="who"><input id="pw" type="password" autocomplete="new-password">
<button id="show" onclick="document.getElementById('pw').type = 'text'">show</button>
<a id="next" href="%(next)s">next</a></body></html>"""


def test_a_value_an_earlier_page_handed_on_stays_and_a_shown_password_is_never_handed_on(
        chromium, tmp_path):
    """Two holes a reviewer found: page 2 typing page 1's value on the way to a longer one took
    page 1's digest back when the longer one superseded it (and the page after showed the
    value in clear); a password typed while a "show" button made its field a text field was
    handed on."""
    kept = "JSON.parse(sessionStorage.getItem('replay_capture_session'))"
    first, longer, password = "Hortensia", "Hortensia Blumenkohl", "Sup3rSecretPass!"
    with capture_site(tmp_path, "pages") as site:
        for name, nxt in (("p1", "p2.html"), ("p2", "p1.html")):
            (site.root / f"{name}.html").write_text(TYPE_PAGE % {
                "title": name, "next": nxt, "intake": site.intake.url, "app": site.app,
                "token": site.token})
        ctx = chromium.new_context()
        try:
            page, _sid = opened(ctx, site.pages.url("p1.html"))
            page.click("#who")
            page.keyboard.type(first, delay=5)
            with page.expect_navigation():
                page.click("#next")
            page.wait_for_function("window.ReplayCapture && ReplayCapture.status()")
            page.click("#who")
            page.keyboard.type(first, delay=5)
            page.wait_for_timeout(600)   # (its digest written, as the page's own)
            page.keyboard.type(longer[len(first):], delay=5)
            page.click("#show")
            page.click("#pw")
            page.keyboard.type(password, delay=5)
            page.wait_for_timeout(600)
            echoes = page.evaluate(kept)["echoes"]
            page.evaluate("ReplayCapture.stop()")
        finally:
            ctx.close()
    salt = echoes["salt"]
    assert sorted(map(tuple, echoes["digests"])) == sorted(
        (len(v), echo_digest(v, salt)) for v in (first, longer))
