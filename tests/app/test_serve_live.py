"""A real `replay serve` receiving live sessions: every encoding, CORS, per-application
rules, many concurrent clients on two worker processes, and its own mistakes said in one
line. Everything is checked on what the data folder holds afterwards."""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from recorder.intake import compact
from recorder.paths import capture_script
from recorder.store import Store
from replay_tools.chromium import chromium_path
from replay_tools.intake import IntakeServer, free_port, post_batch, replay_cli
from tests.recorder.test_intake_live import _add

ORIGIN = "http://127.0.0.1:9"


def now_ms() -> int:
    return int(time.time() * 1000)


def snapshot(ts: int, href="https://shop.test/cart") -> list[dict]:
    return [{"type": 4, "timestamp": ts, "data": {"href": href, "width": 800, "height": 600}},
            {"type": 2, "timestamp": ts, "data": {"initialOffset": {"left": 0, "top": 0}, "node": {
                "type": 0, "id": 1, "childNodes": [{"type": 2, "id": 2, "tagName": "html",
                "attributes": {}, "childNodes": [{"type": 2, "id": 3, "tagName": "body",
                "attributes": {}, "childNodes": [
                    {"type": 2, "id": 4, "tagName": "div", "attributes": {"id": "card"},
                     "childNodes": [{"type": 3, "id": 5, "textContent": "PIN 7777"}]},
                    {"type": 2, "id": 6, "tagName": "p", "attributes": {},
                     "childNodes": [{"type": 3, "id": 7, "textContent": "hello"}]}]}]}]}}}]


def mark(ts: int, **payload) -> dict:
    return {"type": 5, "timestamp": ts, "data": {"tag": "mark", "payload": payload}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("live") / "data"
    srv = IntakeServer(data, workers=2)
    shop = srv.create_app("shop", origins=[ORIGIN])
    with srv:
        yield srv, shop


def test_one_session_in_every_encoding_listed_with_user_and_url(server):
    srv, shop = server
    t = now_ms() - 10_000
    user = {"id": "ada", "name": "Ada", "email": "ada@example.com"}
    sent = [{"session_id": "enc", "user": user, "context": {"plan": "pro", "note": "call bob@example.org"},
             "events": snapshot(t)}]
    for k, enc in enumerate(["gzip", "deflate", "zstd", None]):
        sent.append({"session_id": "enc", "events": [mark(t + 10 + k, k=k)]})
    for batch, enc in zip(sent, [None, "gzip", "deflate", "zstd", None]):
        assert post_batch(srv.url, *shop, batch, encoding=enc) == (202, {"accepted":
                                                                          len(batch["events"])})
    last = {"session_id": "enc", "events": [mark(t + 20, k="beacon")]}
    assert post_batch(srv.url, *shop, last, token_in_query=True)[0] == 202   # sendBeacon style
    proc = replay_cli(srv.data, "sessions", "--json")
    assert proc.returncode == 0, proc.stderr
    (row,) = [r for r in json.loads(proc.stdout) if r["id"] == "enc"]
    assert row["user_id"] == "ada" and row["first_url"] == "https://shop.test/cart"
    assert row["application"] == shop[0]
    # the context goes to the index: masked by the rules like any free text
    assert row["context"]["plan"] == "pro" and "bob@example.org" not in json.dumps(row)
    with Store.open(srv.data) as store, store.session("enc") as reader:
        events = list(reader.events())
    got = [e["data"]["payload"]["k"] for e in events if e["type"] == 5]
    assert got == [0, 1, 2, 3, "beacon"]
    assert "PIN 7777" in json.dumps(events)   # the intake's rules (default) keep page text
    # the log says the site is being recorded (it said only refusals), in the command's words
    # from any worker (those of --workers 2 printed bare lines), never what a batch held
    assert post_batch(srv.url, shop[0], "rt_wrong", sent[1])[0] == 401
    deadline = time.monotonic() + 20
    while "refused a request: bad_token" not in srv.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    said = srv.log().splitlines()
    assert "replay: recording: session enc of application shop began (each of its pages is" \
        " stored as it arrives)" in said, said
    assert f"replay: warning: refused a request: bad_token (HTTP 401) - application shop" \
        f" ({shop[0]}): not its client token" in said, said
    # (the application's id is random hex: `app_…ada3` held "ada" once)
    assert not any("ada" in ln or "bob@" in ln for ln in (ln.replace(shop[0], "APP_ID")
                                                          for ln in said)), said


def test_preflight_and_cors_for_an_allowed_origin(server):
    srv, shop = server
    req = urllib.request.Request(f"{srv.url}/v1/events?app={shop[0]}", method="OPTIONS",
                                 headers={"Origin": ORIGIN,
                                          "Access-Control-Request-Method": "POST",
                                          "Access-Control-Request-Headers": "content-encoding"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 204
        assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert "POST" in r.headers["Access-Control-Allow-Methods"]
        assert "content-encoding" in r.headers["Access-Control-Allow-Headers"]
    body = json.dumps({"session_id": "cors", "events": snapshot(now_ms())}).encode()
    req = urllib.request.Request(f"{srv.url}/v1/events?app={shop[0]}", data=body, method="POST",
                                 headers={"Origin": ORIGIN, "Authorization": f"Bearer {shop[1]}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 202 and r.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_health_install_page_and_capture_script(server):
    srv, _ = server
    with urllib.request.urlopen(srv.url + "/healthz", timeout=10) as r:
        # (it gave the worker's pid too: anyone through the proxy may ask it - an operator's)
        assert json.loads(r.read()) == {"ok": True}
    with urllib.request.urlopen(srv.url + "/", timeout=10) as r:
        page = r.read().decode()
    assert f"{srv.url}/capture.js" in page and "ReplayCapture.start" in page
    # the server's data folder is not the default one: the commands shown say --data, its
    # path written <DATA>, which a shell refuses as typed (anyone may load this page)
    shown = "replay --data &lt;DATA&gt; "
    assert f"<pre>{shown}app create my-shop --origin" in page and str(srv.data) not in page
    assert f"<code>{shown}sessions</code>" in page and "<code>replay sessions" not in page
    assert f"<code>{shown}app dictionary my-shop --on</code>" in page   # off until turned on
    with urllib.request.urlopen(srv.url + "/capture.js", timeout=10) as r:
        script = r.read().decode()
    assert r.headers["Content-Type"].startswith("text/javascript")
    assert script == capture_script() and "win.ReplayCapture={" in script


def _get(url: str, headers: dict | None = None):
    """(status, headers, body) of a GET: a 304 too (urllib raises it as an HTTPError)."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_capture_script_is_served_gzipped_with_an_etag_and_a_versioned_url(server):
    """Not 200 KB to every visitor every 5 minutes: gzip when the browser takes it, a strong
    ETag (304 when the browser has it), and the snippet's `?v=` URL cached for good."""
    import gzip
    import re
    srv, _ = server
    status, plain_h, plain = _get(srv.url + "/capture.js")
    status_z, h, zipped = _get(srv.url + "/capture.js", {"Accept-Encoding": "gzip, deflate, br"})
    assert status == status_z == 200
    assert plain_h.get("Content-Encoding") is None and h["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped) == plain and len(zipped) < len(plain) / 3
    # the sizes the README gives, within 5% (they said 41 and 131 KB of a 55 and 169 KB one)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    gz_kb, min_kb = map(int, re.search(r"minified and gzipped \((\d+) KB; (\d+) KB minified",
                                       readme).groups())
    assert abs(gz_kb * 1000 - len(zipped)) < 0.05 * len(zipped), (gz_kb, len(zipped))
    assert abs(min_kb * 1000 - len(plain)) < 0.05 * len(plain), (min_kb, len(plain))
    assert "Accept-Encoding" in h["Vary"] and "Accept-Encoding" in plain_h["Vary"]
    etag = h["ETag"]
    assert re.fullmatch(r'"[0-9a-f-]+(-gzip)?"', etag) and plain_h["ETag"] != etag   # strong, per representation
    assert "max-age=300" in h["Cache-Control"] and "immutable" not in h["Cache-Control"]
    for tag in (etag, plain_h["ETag"], f"W/{etag}"):   # (a proxy may have weakened it)
        status, h304, body = _get(srv.url + "/capture.js",
                                  {"Accept-Encoding": "gzip", "If-None-Match": tag})
        assert (status, body, h304["ETag"]) == (304, b"", etag), tag
    # the install page's snippet names the version: cached for a year, never revalidated
    with urllib.request.urlopen(srv.url + "/", timeout=10) as r:
        page = r.read().decode()
    (src,) = re.findall(r'src = "([^"]*capture\.js[^"]*)"', page)
    assert re.fullmatch(re.escape(srv.url) + r"/capture\.js\?v=[0-9a-f]{16}", src), src
    status, vh, versioned = _get(src, {"Accept-Encoding": "gzip"})
    assert status == 200 and versioned == zipped
    assert "immutable" in vh["Cache-Control"] and "max-age=31536000" in vh["Cache-Control"]
    # a version this intake does not serve (a snippet from before an upgrade): the script
    # it has, not cached as if it were that version
    status, oh, _ = _get(srv.url + "/capture.js?v=0123456789abcdef", {"Accept-Encoding": "gzip"})
    assert status == 200 and "immutable" not in oh["Cache-Control"]


def _site_with_the_install_pages_snippet(site_dir, base: str, app: str, token: str,
                                         body: str = "") -> None:
    """A site page with, in its <head>, the snippet the install page recommends (as copied
    from it), for the intake at `base`; `body`: more of the page's body (its scripts)."""
    import html
    import re

    from recorder.intake.app import _install_page
    shown = [html.unescape(p) for p in re.findall(r"<pre>(.*?)</pre>", _install_page(base), re.S)
             if "capture.js" in p]
    assert len(shown) == 1, shown
    # pasted as it is shown, with the application's id and token put in (its rules left
    # null: a bare RULES there stopped capture with a ReferenceError, an operator found)
    snippet = shown[0].replace("APP_ID", app).replace("CLIENT_TOKEN", token)
    (site_dir / "page.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        f"{snippet}</head><body><h1 id=site>The site</h1>"
        f"<script>window.__siteRan = true</script>{body}</body></html>")


# a page's capture.js has sent everything it recorded, and the intake took it (its status)
ALL_ACKED = ("(s => s && s.idle && s.acked === s.queued && s.acked > 0 ? s : null)"
             "(ReplayCapture.flush())")


def _warnings_of(page) -> list[str]:
    """The console warnings `page` will print (a list that fills as they come)."""
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    return warnings


def _capturing(page, url: str) -> None:
    """`page` opens `url` (a site page with the snippet) and capture.js is running in it."""
    page.goto(url)
    page.wait_for_function("window.ReplayCapture && ReplayCapture.status()")


@pytest.mark.skipif(chromium_path() is None,
                    reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_install_pages_snippet_never_breaks_or_blocks_the_site(server, chromium, tmp_path):
    """An intake that is down, or that accepts and never answers, leaves the site's page as
    it is (no error, rendered, its scripts run); one that is up records it."""
    import socket

    from replay_tools.browser_recorder import PageServer
    from replay_tools.intake import stored_events
    srv, _ = server
    hanging = socket.socket()
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(16)            # connections are accepted (the backlog), never answered
    down = f"http://127.0.0.1:{free_port()}"
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    with PageServer(site_dir) as site, hanging:
        app, token = srv.create_app("snippet", origins=[site.base_url.rstrip("/")])
        for base in (down, "http://127.0.0.1:%d" % hanging.getsockname()[1]):
            _site_with_the_install_pages_snippet(site_dir, base, app, token)
            ctx = chromium.new_context()
            try:
                page = ctx.new_page()
                errors = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.goto(site.url("page.html"), wait_until="domcontentloaded", timeout=10_000)
                page.wait_for_timeout(500)
                assert page.inner_text("#site") == "The site", base
                assert page.evaluate("window.__siteRan === true"), base
                assert errors == [], (base, errors)
            finally:
                ctx.close()
        _site_with_the_install_pages_snippet(site_dir, srv.url, app, token)
        ctx = chromium.new_context()
        try:
            page = ctx.new_page()
            _capturing(page, site.url("page.html"))
            sent = page.wait_for_function(ALL_ACKED, polling=100, timeout=20_000).json_value()
            sid = page.evaluate("ReplayCapture.status().session_id")
            page.evaluate("ReplayCapture.stop()")
        finally:
            ctx.close()
    stored = stored_events(srv.data, sid, sent["acked"])
    assert any(e["type"] == 2 for e in stored)   # the page's snapshot: it was recorded
    # pasted as it is, every visitor was one user ("42", then "...") - and `replay delete
    # --user` would have erased them all: the visit is anonymous until the site names them
    (row,) = [r for r in json.loads(replay_cli(srv.data, "sessions", "--json").stdout)
              if r["id"] == sid]
    assert (row["user_id"], row["user_name"], row["user_email"]) == (None, None, None), row


@pytest.mark.skipif(chromium_path() is None,
                    reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_install_pages_snippet_keeps_errors_from_before_capture_js_loaded(server, chromium,
                                                                             tmp_path):
    """An inline script that fails as the page loads, and a promise rejected then, come before
    the async capture.js has loaded: the snippet keeps them, and the session has both errors
    at their own time (a new user's tryout found such sessions with no error: out of the
    "has errors" filter); once capture.js runs, an error is recorded once, not kept too."""
    from recorder.semantics import Semantics
    from replay_tools.browser_recorder import PageServer
    from replay_tools.intake import stored_events
    srv, _ = server
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    failing = ("<script>window.__failedAt = Date.now();"
               " Promise.reject(new Error('early rejection'));"
               " null.load_time_failure();</script>")
    with PageServer(site_dir) as site:
        app, token = srv.create_app("early", origins=[site.base_url.rstrip("/")])
        _site_with_the_install_pages_snippet(site_dir, srv.url, app, token, body=failing)
        ctx = chromium.new_context()
        try:
            page = ctx.new_page()
            _capturing(page, site.url("page.html"))
            failed_at = page.evaluate("window.__failedAt")
            page.evaluate("addEventListener('error', function () { window.__thrown = true; });"
                          " setTimeout(function () { throw new RangeError('after start'); }, 0)")
            page.wait_for_function("window.__thrown === true")
            sent = page.wait_for_function(ALL_ACKED, polling=100, timeout=20_000).json_value()
            sid = page.evaluate("ReplayCapture.status().session_id")
            kept = page.evaluate("window.ReplayCaptureEarly.length")
            page.evaluate("ReplayCapture.stop()")
        finally:
            ctx.close()
    stored = stored_events(srv.data, sid, sent["acked"])
    s = Semantics(origin=stored[0]["timestamp"])
    for e in stored:
        s.feed(e)
    messages = sorted(e.message for e in s.errors)
    assert len(messages) == 3, messages
    assert any("load_time_failure" in m for m in messages), messages
    assert any("early rejection" in m for m in messages), messages
    assert any("after start" in m for m in messages), messages
    rum = [e["data"]["payload"] for e in stored if e["type"] == 6
           and e["data"]["plugin"] == "replay/rum@1" and e["data"]["payload"].get("type") == "error"]
    early = [p for p in rum if "after start" not in p["error"]["message"]]
    # at their own time: as the page failed, before capture.js began (its first event)
    assert len(early) == 2 and all(failed_at <= p["date"] <= stored[0]["timestamp"]
                                   for p in early), (failed_at, stored[0]["timestamp"], early)
    assert kept == 0   # taken, and nothing kept after


@pytest.mark.skipif(chromium_path() is None,
                    reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_install_pages_snippet_keeps_console_lines_from_before_capture_js_loaded(
        server, chromium, tmp_path):
    """The page's inline scripts log (log, warn, error) before the async capture.js has
    loaded: the snippet keeps the calls (the console still prints them), and the session has
    the lines in order, dated their own time, masked as capture.js masks any console line."""
    from replay_tools.browser_recorder import PageServer
    from replay_tools.intake import stored_events
    srv, _ = server
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    logging = ("<script>window.__loggedAt = Date.now();"
               " console.log('inline one', {step: 1});"
               " console.warn('inline two: mail jane.doe@example.com');"
               " console.error('inline three', 3);</script>")
    with PageServer(site_dir) as site:
        app, token = srv.create_app("early-console", origins=[site.base_url.rstrip("/")])
        _site_with_the_install_pages_snippet(site_dir, srv.url, app, token, body=logging)
        ctx = chromium.new_context()
        try:
            page = ctx.new_page()
            printed, where = [], []
            page.on("console", lambda m: (printed.append(m.text),
                                          where.append((m.text, m.location["url"]))))
            _capturing(page, site.url("page.html"))
            logged_at = page.evaluate("window.__loggedAt")
            # once capture.js records the console, the snippet's keeper is out of the way: a
            # line's source as DevTools names it was the snippet's line in page.html for good
            # (a site owner's tryout) - it is capture.js's own wrapper now
            page.evaluate("console.log('after start')")
            sent = page.wait_for_function(ALL_ACKED, polling=100, timeout=20_000).json_value()
            sid = page.evaluate("ReplayCapture.status().session_id")
            page.evaluate("ReplayCapture.stop()")
        finally:
            ctx.close()
    stored = stored_events(srv.data, sid, sent["acked"])
    # each dated when it was logged, stamped when sent: no timestamp goes back
    lines = [(e["data"]["payload"].get("date", e["timestamp"]), e["data"]["payload"])
             for e in stored if e["type"] == 6 and e["data"]["plugin"] == "rrweb/console@1"]
    stamps = [e["timestamp"] for e in stored]
    assert stamps == sorted(stamps)
    texts = [(p["level"], [json.loads(a) for a in p["payload"]]) for _, p in lines]
    assert texts[:3] == [("log", ["inline one", {"step": 1}]),
                         ("warn", ["inline two: mail " + texts[1][1][0].split("mail ")[-1]]),
                         ("error", ["inline three", 3])], texts
    assert "jane.doe@example.com" not in json.dumps(stored)   # masked, as any console line
    assert all(logged_at <= t <= stored[0]["timestamp"] for t, _ in lines[:3]), lines
    assert any("inline one" in t for t in printed)   # the page's console still printed them
    source = {text: url for text, url in where}
    assert source["inline one {step: 1}"].endswith("page.html"), where   # the keeper's, before
    assert "capture.js" in source["after start"], where

def test_the_readmes_reverse_proxy_headers_give_the_install_page_the_sites_address(server):
    """What the README's nginx example forwards, sent as nginx sends it for
    https://replay.example.com/ (and for a proxy on port 8443: `$host` dropped the port, an
    operator's tryout): the install page names that address, not 127.0.0.1."""
    import re
    srv, _ = server
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```nginx\n(.*?)```", readme, re.S)
    for asked in ("replay.example.com", "replay.example.com:8443"):
        nginx = {"$http_host": asked, "$host": asked.split(":")[0], "$scheme": "https"}
        headers = {name: nginx.get(value, value) for name, value
                   in re.findall(r"proxy_set_header\s+(\S+)\s+([^;]+);", block)}
        assert set(headers) >= {"Host", "X-Forwarded-Proto"}, block
        req = urllib.request.Request(srv.url + "/", headers=headers)
        with urllib.request.urlopen(req, timeout=10) as r:
            page = r.read().decode()
        assert f"https://{asked}/capture.js" in page and "127.0.0.1" not in page


@pytest.mark.skipif(chromium_path() is None,
                    reason="Debian's chromium is not installed (.ci/run installs it)")
def test_a_page_the_intake_refuses_stops_recording_and_says_why_in_its_console(
        server, chromium, tmp_path):
    """A site whose origin the application does not allow (a staging host forgotten), or an
    application id that is wrong: the refusal reaches the page (CORS on every answer, the
    preflight included), capture.js stops after that one request - no retries, nothing
    recorded on - and the site's console says why and what to run. Nothing is stored."""
    from replay_tools.browser_recorder import PageServer
    srv, _ = server
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    with PageServer(site_dir) as site:
        origin = site.base_url.rstrip("/")
        app, token = srv.create_app("elsewhere", origins=["https://www.example.com"])
        for app_id, status, says in ((app, 403, f"pages from {origin} may not send to this"
                                                " application - the intake's operator allows a"
                                                " site's origin"),
                                     ("app_0000000000000000", 401, "no application has the id")):
            _site_with_the_install_pages_snippet(site_dir, srv.url, app_id, token)
            ctx = chromium.new_context()
            try:
                page = ctx.new_page()
                warnings = _warnings_of(page)
                _capturing(page, site.url("page.html"))
                page.evaluate("ReplayCapture.flush()")
                page.wait_for_function("ReplayCapture.status().stopped", timeout=20_000)
                page.evaluate("document.querySelector('#site').textContent = 'changed'")
                page.evaluate("console.log('after the refusal')")
                st = page.evaluate("ReplayCapture.flush() || ReplayCapture.status()")
            finally:
                ctx.close()
            assert st["stopped"] == f"refused: {status}" and st["requests"] == 1, st
            assert st["acked"] == 0 and st["queued"] > 0, st
            assert len(warnings) == 1 and says in warnings[0], warnings
            assert "capture.js stopped" in warnings[0]
    listed = replay_cli(srv.data, "sessions", "--app", "elsewhere", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == [], listed.stdout


@pytest.mark.skipif(chromium_path() is None,
                    reason="Debian's chromium is not installed (.ci/run installs it)")
def test_a_snapshot_the_intake_refuses_is_said_in_the_sites_console(server, chromium, tmp_path):
    """A page whose snapshot is over the intake's 1 MB event limit: refused (400), the visit
    stored without its page - unplayable - and nothing said where the site's developer looks
    (an operator's tryout). The console now says it, once."""
    from replay_tools.browser_recorder import PageServer
    srv, _ = server
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    with PageServer(site_dir) as site:
        app, token = srv.create_app("big", origins=[site.base_url.rstrip("/")])
        words = " ".join(f"word{i}" for i in range(150_000))   # ~1.3 MB of page text
        _site_with_the_install_pages_snippet(site_dir, srv.url, app, token,
                                             body=f"<p>{words}</p>")
        ctx = chromium.new_context()
        try:
            page = ctx.new_page()
            warnings = _warnings_of(page)
            _capturing(page, site.url("page.html"))
            page.wait_for_function("(s => s.failed > 0 ? s : null)(ReplayCapture.flush())",
                                   timeout=30_000)
            page.evaluate("new Promise(r => setTimeout(r, 0))")   # the warning's task
            page.evaluate("document.querySelector('p').textContent = 'short now'")
            sent = page.wait_for_function(ALL_ACKED, polling=100, timeout=20_000).json_value()
            sid = page.evaluate("ReplayCapture.status().session_id")
            page.evaluate("ReplayCapture.stop()")
        finally:
            ctx.close()
    said = [w for w in warnings if "refused this page's snapshot (400)" in w]
    assert len(said) == 1 and "will not play back" in said[0], warnings
    # stored, the visit says where its snapshot was that this page was not recorded, and why:
    # it replays as a notice saying so - it was "damaged: text change on unknown node", or its
    # changes made to the last page's nodes of the same ids
    from recorder.format import PAGE_NOT_RECORDED
    from replay_tools.intake import stored_events
    stored = stored_events(srv.data, sid, 1)   # (all answered 202: stored, every one)
    marks = [e for e in stored if e["type"] == 5 and e["data"]["tag"] == PAGE_NOT_RECORDED]
    assert len(marks) == 1 and not any(e["type"] == 2 for e in stored), stored[:3]
    assert "over the 1,048,576 byte size limit" in marks[0]["data"]["payload"]["why"]
    html = tmp_path / "shown.html"
    proc = replay_cli(srv.data, "snapshot", sid, "-o", str(html))
    assert proc.returncode == 0, proc.stderr
    shown = html.read_text()
    assert "This page was not recorded" in shown and "over the 1,048,576 byte" in shown
    assert "word1" not in shown
    proc = replay_cli(srv.data, "devtools", sid, "--tab", "console")
    assert proc.returncode == 0 and "damaged" not in proc.stderr, proc.stderr


@pytest.mark.skipif(chromium_path() is None,
                    reason="Debian's chromium is not installed (.ci/run installs it)")
def test_a_session_deleted_while_its_visit_goes_on_goes_on_as_a_new_session(
        server, chromium, tmp_path):
    """`replay delete` of a session whose visit goes on: the intake refuses the visit's next
    batch (410 session_deleted, nothing stored under the deleted id), and capture.js goes
    on under a new session id, beginning with a new snapshot of the page as it is now - the
    rest of the visit is a session that plays, not one without a snapshot."""
    from replay_tools.browser_recorder import PageServer
    from replay_tools.intake import stored_events
    srv, _ = server
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    with PageServer(site_dir) as site:
        app, token = srv.create_app("deleting", origins=[site.base_url.rstrip("/")])
        _site_with_the_install_pages_snippet(site_dir, srv.url, app, token)
        ctx = chromium.new_context()
        try:
            page = ctx.new_page()
            _capturing(page, site.url("page.html"))
            first = page.wait_for_function(ALL_ACKED, polling=100, timeout=20_000).json_value()
            gone = first["session_id"]
            proc = replay_cli(srv.data, "delete", gone, "--yes")
            assert proc.returncode == 0, proc.stderr
            page.evaluate("document.querySelector('#site').textContent = 'after the delete'")
            page.wait_for_function("ReplayCapture.flush().session_id !== %s" % json.dumps(gone),
                                   polling=100, timeout=20_000)
            second = page.wait_for_function(ALL_ACKED, polling=100, timeout=20_000).json_value()
            page.evaluate("ReplayCapture.stop()")
        finally:
            ctx.close()
    assert second["session_id"] != gone
    stored = stored_events(srv.data, second["session_id"], second["acked"])
    assert stored[0]["type"] == 4 and any(e["type"] == 2 for e in stored)   # it plays
    assert "after the delete" in json.dumps([e for e in stored if e["type"] == 2])
    rows = json.loads(replay_cli(srv.data, "sessions", "--app", "deleting", "--json").stdout)
    assert [r["id"] for r in rows] == [second["session_id"]], rows


def test_application_rules_mask_what_it_sends(server, tmp_path):
    srv, _ = server
    app = srv.create_app("bank")
    bad = tmp_path / "bad.toml"
    bad.write_text('default = "allow"\n[[rule]]\nselector = "a:hover"\nlevel = "hidden"\n')
    proc = replay_cli(srv.data, "app", "rules", "bank", "--rules", bad)
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1 and "a:hover" in proc.stderr
    rules = tmp_path / "bank.toml"
    rules.write_text('default = "allow"\ndetectors = []\n[[rule]]\nselector = "#card"\n'
                     'level = "hidden"\n')
    # (allow masks less than the intake's rules: asked, so --yes where no terminal is)
    assert replay_cli(srv.data, "app", "rules", "bank", "--rules", rules, "--yes").returncode == 0
    t = now_ms()
    assert post_batch(srv.url, *app, {"session_id": "bank-1", "events": snapshot(t)})[0] == 202
    # the tenth batch changes the hidden card's text: its masker still knows it is hidden
    for k in range(9):
        post_batch(srv.url, *app, {"session_id": "bank-1", "events": [
            {"type": 3, "timestamp": t + k + 1, "data": {"source": 0, "texts": [
                {"id": 5, "value": f"PIN 777{k}"}, {"id": 7, "value": f"hi {k}"}],
                "attributes": [], "removes": [], "adds": []}}]})
    with Store.open(srv.data) as store, store.session("bank-1") as reader:
        text = json.dumps(list(reader.events()))
    assert "PIN" not in text and "hi 8" in text


def test_concurrent_clients_on_two_workers(server):
    """8 clients at once: 4 share one session, 4 have their own; every event is stored once,
    each client's in the order it sent them."""
    srv, shop = server
    t = now_ms() - 60_000
    assert post_batch(srv.url, *shop, {"session_id": "crowd", "events": snapshot(t)})[0] == 202
    errors: list = []

    def client(c: int, sid: str) -> None:
        for b in range(8):
            batch = {"session_id": sid,
                     "events": [mark(t + 1 + b * 10 + i, c=c, b=b, i=i) for i in range(25)]}
            status, body = post_batch(srv.url, *shop, batch, encoding="gzip")
            if status != 202:
                errors.append((c, b, status, body))
    threads = [threading.Thread(target=client, args=(c, "crowd" if c < 4 else f"solo-{c}"))
               for c in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert not errors
    with Store.open(srv.data) as store:
        for sid in ["crowd"] + [f"solo-{c}" for c in range(4, 8)]:
            with store.session(sid) as reader:
                marks = [e["data"]["payload"] for e in reader.events() if e["type"] == 5]
                assert [s.index for s in reader.segments] == list(range(len(reader.segments)))
            keys = [(m["c"], m["b"], m["i"]) for m in marks]
            assert len(keys) == len(set(keys)) == (4 if sid == "crowd" else 1) * 8 * 25
            for c in {k[0] for k in keys}:
                mine = [k for k in keys if k[0] == c]
                assert mine == sorted(mine)


def test_serve_refuses_a_data_folder_that_does_not_exist(tmp_path):
    """A typo in --data is said, not served as an empty folder (no application: every page
    refused); `replay app create` makes the folder, then serve starts on it."""
    typo = tmp_path / "dtaa"
    proc = replay_cli(typo, "serve", "--port", free_port())
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line == (f"replay: error: there is no data folder at {typo} - create an application"
                    f" first (`replay --data {typo} app create NAME`)")
    assert not typo.exists()
    assert replay_cli(typo, "app", "create", "shop").returncode == 0 and typo.is_dir()
    with IntakeServer(typo) as srv, urllib.request.urlopen(srv.url + "/healthz", timeout=10) as r:
        assert r.status == 200


def test_serve_mistakes_are_one_line(tmp_path):
    data = tmp_path / "data"
    assert replay_cli(data, "app", "create", "shop").returncode == 0
    bad = tmp_path / "rules.toml"
    bad.write_text("default = 'sometimes'\n")
    proc = replay_cli(data, "serve", "--rules", bad, "--port", free_port())
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, proc.stderr
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        proc = replay_cli(data, "serve", "--port", s.getsockname()[1])
    assert proc.returncode == 2 and "in use" in proc.stderr and len(proc.stderr.splitlines()) == 1
    for args in (["serve", "--workers", "0"], ["app", "revoke", "nobody"], ["app", "list"]):
        proc = replay_cli(tmp_path / "nothing-here", *args)
        assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / "nothing-here").exists()
    rec = tmp_path / "rec.json"
    rec.write_text(json.dumps(snapshot(now_ms())))
    proc = replay_cli(data, "play", rec, "--follow")
    assert proc.returncode == 2 and "--follow" in proc.stderr and len(proc.stderr.splitlines()) == 1


def _unwritable(folder) -> "contextlib.AbstractContextManager":
    """`folder` made one no file can be made in for the duration: immutable for root (who
    passes permission bits), read-only for anyone else; skipped where neither holds."""
    import contextlib
    import os
    import shutil
    import subprocess

    @contextlib.contextmanager
    def made():
        if os.geteuid() == 0:
            if shutil.which("chattr") is None or subprocess.run(
                    ["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
                pytest.skip("no immutable folders here (chattr)")
            try:
                yield
            finally:
                subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            folder.chmod(0o555)
            try:
                yield
            finally:
                folder.chmod(0o755)
    return made()


def test_a_data_folder_the_intake_cannot_write_is_one_line_at_start_and_in_the_log(tmp_path):
    """An operator's tryout: a data folder the intake may not write started as any other
    (its index's log files were there) and answered every batch 503 with a 35-line traceback
    naming no file. The start refuses it in one line; one that becomes so while serving is
    one line in the log per batch, naming the folder, the batch refused (503: sent again)."""
    data = tmp_path / "data"
    srv = IntakeServer(data)
    shop = srv.create_app("shop")
    with srv:   # the index, its log files and the segments' folder made
        assert post_batch(srv.url, *shop, {"session_id": "a", "events": snapshot(now_ms())})[0] == 202
        segments = data / "segments"
        with _unwritable(segments):
            status, _ = post_batch(srv.url, *shop, {"session_id": "b",
                                                    "events": snapshot(now_ms())})
            assert status == 503   # (its log line is written before the answer)
            said = [ln for ln in srv.log().splitlines() if "was not stored" in ln]
            assert len(said) == 1 and f"{segments}" in said[0], srv.log()
            assert "Traceback" not in srv.log() and "let the intake's user write" in said[0]
    with _unwritable(data / "segments"):
        proc = replay_cli(data, "serve", "--port", free_port())
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"replay: error: the data folder {data} cannot be written (") and \
        f"{data / 'segments'}" in line and line.endswith("or give another --data"), line


def test_serve_on_a_folder_with_no_application_says_so(tmp_path):
    """An existing folder of no application (a typo'd --data that exists, an empty folder)
    was served without a word: every page refused."""
    empty = tmp_path / "empty"
    empty.mkdir()
    srv = IntakeServer(empty)
    with srv:
        assert f"replay: note: no application in {empty} takes sessions yet (none, or each" \
               " revoked): every page is refused until one is created" in srv.log()
    assert replay_cli(empty, "app", "create", "old").returncode == 0
    assert replay_cli(empty, "app", "revoke", "old").returncode == 0
    with IntakeServer(empty) as srv:   # (a revoked one takes nothing either)
        assert f"no application in {empty} takes sessions yet" in srv.log()
    named = IntakeServer(tmp_path / "shop")
    named.create_app("shop")
    with named:
        assert "no application" not in named.log()


def test_an_application_changed_while_serving_is_in_the_file_itself(tmp_path):
    """An operator's tryout: while serve held the applications file, an application's new
    rules lived only in its SQLite log (`apps.sqlite3-wal`); a backup copying the file
    without it went back to masking with the folder's rules, unsaid. Each change is in the
    file itself once the command ends."""
    import shutil
    data = tmp_path / "data"
    srv = IntakeServer(data)
    srv.create_app("shop")
    rules = tmp_path / "shop.toml"
    rules.write_text('default = "mask"\n')
    with srv:   # (its workers hold the file open: SQLite keeps changes in the log)
        for args in (["app", "rules", "shop", "--rules", rules], ["app", "create", "blog"],
                     ["app", "revoke", "blog"], ["app", "origins", "shop", "--add",
                                                  "https://shop.test"]):
            assert replay_cli(data, *args).returncode == 0
        backup = tmp_path / "backup"
        backup.mkdir()
        shutil.copy(data / "apps.sqlite3", backup / "apps.sqlite3")   # the file alone
    listed = replay_cli(backup, "app", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    apps = {a["name"]: a for a in json.loads(listed.stdout)}
    assert apps["shop"]["rules"] is True and apps["blog"]["revoked"] is True
    assert apps["shop"]["origins"] == ["https://shop.test"]


def test_session_rules_a_quiet_gap_starts_a_new_session_and_late_events_join_theirs(server):
    srv, shop = server
    t = now_ms() - 3 * 3600 * 1000            # three hours ago: late, within 24 h
    assert post_batch(srv.url, *shop, {"session_id": "gap", "events": snapshot(t)})[0] == 202
    later = t + 60_000 + 16 * 60 * 1000       # 16 minutes without activity
    assert post_batch(srv.url, *shop, {"session_id": "gap", "events": [
        mark(t + 60_000, k="same"), mark(later, k="next")]})[0] == 202
    with Store.open(srv.data) as store:
        rows = {s.id: s for s in store.sessions() if s.id.startswith("gap")}
        assert set(rows) == {"gap", f"gap.{later}"}
        with store.session("gap") as r:
            assert [e["data"]["payload"]["k"] for e in r.events() if e["type"] == 5] == ["same"]
        with store.session(f"gap.{later}") as r:
            assert [e["data"]["payload"]["k"] for e in r.events() if e["type"] == 5] == ["next"]


def test_a_retried_batch_is_stored_once_whichever_worker_answers(server):
    """A sender that lost the answer sends the batch again under its batch_id: 202 with the
    same count each time (gzipped, plain, by beacon, from threads racing on two workers),
    stored once; the same id with other events is 409 and stores nothing."""
    srv, shop = server
    t = now_ms() - 10_000
    first = {"session_id": "retry", "batch_id": "pg1.0", "events": snapshot(t)}
    assert post_batch(srv.url, *shop, first, encoding="gzip") == (202, {"accepted": 2})
    second = {"session_id": "retry", "batch_id": "pg1.1",
              "events": [mark(t + 1 + i, i=i) for i in range(5)]}
    answers: list = []
    threads = [threading.Thread(target=lambda k=k: answers.append(post_batch(
        srv.url, *shop, second, encoding=["gzip", None][k % 2], token_in_query=k == 3)))
        for k in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert answers == [(202, {"accepted": 5})] * 6
    status, body = post_batch(srv.url, *shop, dict(second, events=second["events"][:4]))
    assert (status, body["error"]) == (409, "batch_id_reused")
    changed = second["events"][:4] + [mark(t + 99, i=99)]   # same count, one event other
    status, body = post_batch(srv.url, *shop, dict(second, events=changed))
    assert (status, body["error"]) == (409, "batch_id_reused")
    events, strings = compact.encode(second["events"])     # the same events, compact@1
    retry = dict(second, events=events, strings=strings, encoding=compact.ENCODING)
    assert post_batch(srv.url, *shop, retry) == (202, {"accepted": 5})
    with Store.open(srv.data) as store, store.session("retry") as reader:
        got = [e["data"]["payload"]["i"] for e in reader.events() if e["type"] == 5]
    assert got == [0, 1, 2, 3, 4]


def test_a_pages_batches_arriving_out_of_order_are_stored_in_the_order_they_were_made(server):
    """Beacons at a visit's end are answered in any order: batch pg.2 (an item added under the
    list pg.1 adds) reaches the intake first. It is held until pg.1 is stored - by either
    worker - then stored after it: nothing dropped for want of its parent, the events in the
    order the page made them (stored as they came, pg.2's add was lost to the masker)."""
    srv, shop = server
    t = now_ms() - 10_000
    assert post_batch(srv.url, *shop, {"session_id": "order", "batch_id": "pg.0",
                                       "events": snapshot(t)})[0] == 202
    one = {"session_id": "order", "batch_id": "pg.1", "events": [_add(t + 100, 3, 20, "list")]}
    two = {"session_id": "order", "batch_id": "pg.2", "events": [_add(t + 200, 20, 30, "item")]}
    answers: list = []
    late = threading.Thread(target=lambda: answers.append(post_batch(srv.url, *shop, two)))
    late.start()
    time.sleep(0.3)   # pg.2 on its way first (arriving second, it is stored in order anyway)
    assert post_batch(srv.url, *shop, one) == (202, {"accepted": 1})
    late.join(60)
    assert answers == [(202, {"accepted": 1})]
    with Store.open(srv.data) as store, store.session("order") as reader:
        events = list(reader.events())
    assert [e["timestamp"] - t for e in events] == [0, 0, 100, 200]
    assert "item" in json.dumps(events[-1])


def test_a_pages_first_batch_is_stored_after_the_last_batch_of_the_page_before(server):
    """A visitor leaves page A while its last batch (a beacon) is on its way; page B's first
    batch, its snapshot, names A's last batch as the one it follows (`after`) and reaches the
    intake first: it is held until A's is stored. (Stored as they came, A's change would
    play - and be masked - on B's DOM.)"""
    srv, shop = server
    t = now_ms() - 10_000
    assert post_batch(srv.url, *shop, {"session_id": "pages", "batch_id": "a.0",
                                       "events": snapshot(t)})[0] == 202
    last_of_a = {"session_id": "pages", "batch_id": "a.1", "events": [_add(t + 100, 3, 20, "on a")]}
    first_of_b = {"session_id": "pages", "batch_id": "b.0", "after": "a.1",
                  "events": snapshot(t + 200, href="https://shop.test/pay")}
    answers: list = []
    early = threading.Thread(target=lambda: answers.append(post_batch(srv.url, *shop, first_of_b)))
    early.start()
    time.sleep(0.3)   # b.0 on its way first
    assert post_batch(srv.url, *shop, last_of_a) == (202, {"accepted": 1})
    early.join(60)
    assert answers == [(202, {"accepted": 2})]
    with Store.open(srv.data) as store, store.session("pages") as reader:
        events = list(reader.events())
    assert [(e["type"], e["timestamp"] - t) for e in events] == [
        (4, 0), (2, 0), (3, 100), (4, 200), (2, 200)]


def test_a_refused_origin_is_logged_with_how_to_add_it_and_replay_app_origins_does(server):
    """The intake's log names the command that allows the origin (the 403 tells the page
    nothing of it: anyone may send from any origin); run as said, the next batch from that
    origin is stored, and removing the origin refuses it again."""
    srv, _ = server
    blog = srv.create_app("blog")
    site = "https://blog.test"
    batch = {"session_id": "blog-visit", "events": snapshot(now_ms())}
    status, body = post_batch(srv.url, *blog, batch, origin=site)
    assert (status, body["error"]) == (403, "origin_not_allowed")
    assert "app origins" not in body["message"] and blog[0] not in body["message"]
    # in the log: the command as the operator runs it, the server's --data and all
    (said,) = {ln.split("`")[1] for ln in srv.log().splitlines()
               if f"may not send to application blog ({blog[0]})" in ln}
    assert said == f"replay --data {srv.data} app origins {blog[0]} --add {site}"
    import shlex
    import subprocess
    import sys

    from replay_tools.intake import REPO
    proc = subprocess.run([sys.executable, "-m", "app", *shlex.split(said)[1:]],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"application blog: origins {site}"
    assert post_batch(srv.url, *blog, batch, origin=site) == (202, {"accepted": 2})
    proc = replay_cli(srv.data, "app", "origins", "blog", "--remove", site)
    assert proc.returncode == 0 and "origins none" in proc.stdout, proc.stderr
    assert post_batch(srv.url, *blog, batch, origin=site)[0] == 403


def test_every_refusal_of_the_intake_is_json_even_from_the_router(server):
    """A wrong method or path under /v1/ answers like every other refusal:
    {"error", "message"} as JSON (405 says which methods the path takes)."""
    srv, _ = server
    for method, path, status, code in (("GET", "/v1/events", 405, "method_not_allowed"),
                                       ("PUT", "/v1/events", 405, "method_not_allowed"),
                                       ("POST", "/v1/event", 404, "not_found"),
                                       ("GET", "/v1/", 404, "not_found")):
        req = urllib.request.Request(srv.url + path, method=method,
                                     data=b"{}" if method != "GET" else None)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
        e = err.value
        assert (e.code, e.headers["Content-Type"]) == (status, "application/json"), path
        body = json.loads(e.read())
        assert body["error"] == code and f"{method} {path} is not served" in body["message"]
        if status == 405:
            assert "POST" in e.headers["Allow"]


def test_the_install_page_says_the_data_folder_only_when_it_is_not_the_default(tmp_path,
                                                                               monkeypatch):
    """Commands for the intake's machine say `--data` when its folder is not the default;
    the public page writes it <DATA>, never the server's path (anyone may load the page)."""
    from recorder.intake.app import Intake, _install_page
    from recorder.privacy import Rules
    data = tmp_path / "my data"
    data.mkdir()
    monkeypatch.setenv("REPLAY_DATA", str(tmp_path / "elsewhere"))
    intake = Intake(data, Rules.default())
    try:
        assert intake.replay_command() == f"replay --data '{data}'"
        page = _install_page("http://x.test", False, intake.public_command())
        # a placeholder no shell runs as typed: `--data DIR`, pasted, made a folder ./DIR
        assert "replay --data &lt;DATA&gt; app create" in page
        assert "<code>&lt;DATA&gt;</code> in the commands below: put this server's data folder" \
            in page and "--data DIR" not in page
        # where the operator reads it (their own console, not a page anyone may load)
        assert "named in the line <code>replay serve</code> printed as it started" in page
        assert str(data) not in page and "my data" not in page
        # REPLAY_DATA set for the server (a service's environment) is not the person's shell's
        monkeypatch.setenv("REPLAY_DATA", str(data))
        assert intake.replay_command() == f"replay --data '{data}'"
    finally:
        intake.close()
    # the platform's own folder goes without saying
    monkeypatch.delenv("REPLAY_DATA")
    home = tmp_path / "home"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    (home / "session-replay").mkdir(parents=True)
    intake = Intake(home / "session-replay", Rules.default())
    try:
        assert intake.replay_command() == intake.public_command() == "replay"
        assert "DATA&gt;" not in _install_page("http://x.test", False, intake.public_command())
    finally:
        intake.close()


def test_a_session_id_unsafe_for_a_file_name_is_refused_naming_the_alphabet(server):
    """Session ids become file names. Stored under a made-safe name, "a/b" was "a_b"'s session
    and ".." was "session": an id that is not a safe file name as sent is refused (400, the
    characters allowed named), nothing stored; the safe ones are stored as sent."""
    srv, shop = server
    t = now_ms() - 5_000
    with Store.open(srv.data) as store:
        before = {x.id for x in store.sessions()}
    for sid in ("a/b", "../../etc/x", "..", " a_b", "a b", "x" * 100 + "/"):
        status, body = post_batch(srv.url, *shop, {"session_id": sid, "events": snapshot(t)})
        assert status == 400 and body["error"] == "malformed", (sid, body)
        assert body["message"] == f"session_id {sid[:40]!r} is not usable as a file name - use" \
            " letters, digits, '-', '_' and '.' (not first), no spaces"
    with Store.open(srv.data) as store:
        assert {x.id for x in store.sessions()} == before
    for sid in ("a_b", "a.b", "Zoë-1"):
        assert post_batch(srv.url, *shop, {"session_id": sid, "events": snapshot(t)}) == \
            (202, {"accepted": 2})
    with Store.open(srv.data) as store:
        assert [store.resolve(sid) for sid in ("a_b", "a.b", "Zoë-1")] == ["a_b", "a.b", "Zoë-1"]
    assert not (srv.data.parent / "etc").exists()


def test_workers_end_with_the_server_killed_with_9(tmp_path):
    """`kill -9` of `replay serve --workers 2`: its workers went on serving the port as
    orphans (parent 1), and a new `replay serve` found it in use (an operator's tryout).
    They now end with it; the port is free again."""
    import os
    import signal
    import socket
    srv = IntakeServer(tmp_path / "data", workers=2).start()
    try:
        main = srv.proc.pid
        workers = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                   and _parent(p) == main and b"spawn_main" in _cmdline(p)]
        assert len(workers) == 2, workers
        os.kill(main, signal.SIGKILL)
        srv.proc.wait(30)
        deadline = time.monotonic() + 30   # (they end at once; the bound is for a slow machine)
        while any(Path(f"/proc/{w}").exists() and _parent(Path(f"/proc/{w}")) != 0
                  for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        alive = [w for w in workers if Path(f"/proc/{w}/stat").exists()
                 and _state(Path(f"/proc/{w}")) not in ("Z", "X")]
        assert alive == [], f"workers {alive} outlived the server"
        with socket.socket() as s:   # free again: nothing listens (as a new server binds it)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", int(srv.url.rsplit(":", 1)[1])))
    finally:
        srv.kill9()


def _stat(p) -> list[str]:
    try:
        return (p / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return ["X", "0"]


def _parent(p) -> int:
    return int(_stat(p)[1])


def _state(p) -> str:
    return _stat(p)[0]


def _cmdline(p) -> bytes:
    try:
        return (p / "cmdline").read_bytes()
    except OSError:
        return b""


def test_the_sessions_begun_in_the_intakes_last_minute_are_in_its_log_when_it_stops(tmp_path):
    """A support engineer's tryout: six visits began, `replay serve`'s log said four - those
    of its last minute before it was stopped (SIGTERM) were never said."""
    srv = IntakeServer(tmp_path / "data")
    shop = srv.create_app("shop", origins=[ORIGIN])
    t = now_ms() - 10_000
    with srv:
        for sid in ("first", "second", "third"):
            assert post_batch(srv.url, *shop, {"session_id": sid, "events": snapshot(t)})[0] \
                == 202
        time.sleep(0.5)
        assert "new session" not in srv.log()   # (the minute is not up)
    said = srv.log().splitlines()
    assert "replay: recording: session first of application shop began (each of its pages is"\
        " stored as it arrives)" in said, said
    assert "replay: recording: 2 new sessions since the last line (application shop)" in said, \
        said
