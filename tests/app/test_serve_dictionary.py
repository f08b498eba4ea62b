"""`replay serve`'s shared dictionary (recorder/intake/dictionary.py), through the real server
and a real site on 127.0.0.1: none until MIN_SESSIONS stored sessions visited a page, then made
of that page as the site serves it and given to the application's pages (CORS, ETag); a body
compressed against it is stored as the same events; one compressed against a dictionary the
intake does not have is refused, nothing stored; and `replay app dictionary` shows what it
holds, a privacy officer's off switch included."""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from recorder.intake import compact
from recorder.intake.app import Intake
from recorder.intake.dictionary import CURRENT, FOLDER, MIN_SESSIONS, dictionary_id
from recorder.privacy import parse_rules
from recorder.privacy.preview import html_to_events
from replay_tools.browser_recorder import PageServer
from replay_tools.intake import IntakeServer, post_batch, replay_cli, stored_events

BUILD_WAIT_S = 60   # a generous bound for the build a fetch starts (it takes well under 1 s)
HTML = """<!DOCTYPE html><html><head><title>Acme Shop</title></head><body>
<header class="topbar"><nav class="nav"><a href="/index.html">Home</a><a href="/new">New in</a>
<a href="/office">Office</a></nav></header>
<p class="hello"></p>
<section class="grid"><div class="card">Desk lamp</div><div class="card">Mug</div></section>
</body></html>"""


@contextmanager
def the_site(tmp_path: Path) -> Iterator[PageServer]:
    """The site on 127.0.0.1: its page `index.html` (HTML) as anyone is served it."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text(HTML)
    with PageServer(root) as site:
        yield site


def page(greeting: str, t: int, url: str) -> list[dict]:
    """A visitor's view of the site's page `url`: their own greeting in it."""
    html = HTML.replace('<p class="hello"></p>', f'<p class="hello">{greeting}</p>')
    return html_to_events(html, href=url, timestamp=t)


def fetch(srv: IntakeServer, app: str, token: str, origin: str, etag: str | None = None):
    req = urllib.request.Request(f"{srv.url}/v1/dictionary?app={app}&token={token}",
                                 headers={"Origin": origin, **({"If-None-Match": etag} if etag else {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def compact_body(session_id: str, events: list[dict]) -> bytes:
    out, strings = compact.encode(events, 6)
    return json.dumps([compact.ENCODING_6, session_id, session_id + ".0", out, strings],
                      separators=(",", ":")).encode()


def test_made_of_the_sites_page_once_sessions_visited_it_and_bodies_against_it_stored(tmp_path):
    with the_site(tmp_path) as site:
        origin = site.base_url.rstrip("/")
        url = site.url("index.html")
        # two worker processes: either may make it or decode a batch (the folder is shared)
        srv = IntakeServer(tmp_path / "data", workers=2)
        app, token = srv.create_app("shop", origins=[origin])
        t0 = int(time.time() * 1000) - 60_000
        with srv:
            status, _, headers = fetch(srv, app, token, origin)
            assert status == 204 and headers["Access-Control-Allow-Origin"] == origin
            assert fetch(srv, app, "not-the-token", origin)[0] == 401
            for k in range(MIN_SESSIONS):
                status, answer = post_batch(srv.url, app, token, None, origin=origin,
                                            raw=zlib.compress(compact_body(f"visit-{k}", page(
                                                f"Hello, visitor {k}", t0 + k, url))),
                                            header_encoding="deflate")
                assert status == 202, answer
            # off until turned on (the one before was off: none made, none tried); the first
            # fetch after starts a build
            on = replay_cli(srv.data, "app", "dictionary", "shop", "--on")
            assert on.returncode == 0 and "on" in on.stdout, on.stderr
            deadline = time.monotonic() + BUILD_WAIT_S
            while True:
                status, data, headers = fetch(srv, app, token, origin)
                if status == 200 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert status == 200, headers
            assert headers["Access-Control-Allow-Origin"] == origin
            assert headers["ETag"] == f'"{dictionary_id(data):08x}"'
            assert fetch(srv, app, token, origin, headers["ETag"])[0] == 304
            assert b"Desk lamp" in data and b"Hello, visitor" not in data

            # a new visitor's body, compressed against it: stored as the same events
            events = page("Hello, someone new", t0 + 100, url)
            body = compact_body("new-visit", events)
            c = zlib.compressobj(6, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY, zdict=data)
            against = c.compress(body) + c.flush()
            assert len(against) < len(zlib.compress(body, 6)) * 0.6
            status, answer = post_batch(srv.url, app, token, None, origin=origin, raw=against,
                                        header_encoding="deflate")
            assert (status, answer) == (202, {"accepted": 2})
            stored = stored_events(srv.data, "new-visit", 2)
            assert "Hello, someone new" in json.dumps(stored)

            # against a dictionary it does not have: 409, nothing stored
            c = zlib.compressobj(6, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY,
                                 zdict=b"a dictionary of another intake")
            other = c.compress(compact_body("other-visit", events)) + c.flush()
            status, answer = post_batch(srv.url, app, token, None, origin=origin, raw=other,
                                        header_encoding="deflate")
            assert status == 409 and answer["error"] == "unknown_dictionary"
            sessions = json.loads(replay_cli(srv.data, "sessions", "--json").stdout)
            assert "other-visit" not in json.dumps(sessions)
            # the intake's log names the application and says nothing is lost (no fault:
            # a page loaded before a dictionary was turned off or made again)
            said = [ln for ln in srv.log().splitlines() if "unknown_dictionary" in ln]
            assert said and "application shop:" in said[0] and "nothing is lost" in said[0]

        shown = replay_cli(srv.data, "app", "dictionary", "shop", "--strings")
        assert shown.returncode == 0, shown.stderr
        assert f"{dictionary_id(data):08x}" in shown.stdout and '"Desk lamp"' in shown.stdout
        assert url in shown.stdout and "Hello, visitor" not in shown.stdout
        off = replay_cli(srv.data, "app", "dictionary", "shop", "--off")
        assert off.returncode == 0 and "no shared dictionary" in off.stdout
        assert "shared dictionary off" in replay_cli(srv.data, "app", "dictionary", "shop").stdout
        with srv:
            assert fetch(srv, app, token, origin)[0] == 204
        bad = replay_cli(srv.data, "app", "dictionary", "no-such-app")
        assert bad.returncode == 2 and "Traceback" not in bad.stderr
        # an intake that never contacts the sites (`serve --no-assets`) makes none
        replay_cli(srv.data, "app", "dictionary", "shop", "--on")
        quiet = Intake(srv.data, parse_rules(""), assets=False)
        try:
            assert quiet.shared_dictionary(quiet.apps.find(app)) is None
            for t in threading.enumerate():   # a build it started (it must not) has ended
                if t.name.startswith("dictionary-"):
                    t.join(BUILD_WAIT_S)
            assert not (srv.data / FOLDER / app / CURRENT).exists()   # none was tried
        finally:
            quiet.close()


def test_a_wildcard_origin_is_said_to_stop_it_and_how_to_lift_it(tmp_path):
    data = tmp_path / "data"
    assert replay_cli(data, "app", "create", "cafe", "--origin", "http://localhost:8600",
                      "--origin", "*").returncode == 0
    on = replay_cli(data, "app", "dictionary", "cafe", "--on")
    assert on.returncode == 2 and "Traceback" not in on.stderr
    assert "takes batches from *" in on.stderr and "--remove '*'" in on.stderr, on.stderr
    removed = replay_cli(data, "app", "origins", "cafe", "--remove", "*")
    assert removed.returncode == 0 and "dictionary" not in removed.stdout   # (not on yet)
    assert replay_cli(data, "app", "dictionary", "cafe", "--on").returncode == 0
    # a wildcard added after it was turned on: the status says it is not given, and why
    added = replay_cli(data, "app", "origins", "cafe", "--add", "*")   # said where it changes
    assert added.returncode == 0 and "its shared dictionary stops" in added.stdout, added.stdout
    assert "--remove '*'" in added.stdout
    again = replay_cli(data, "app", "origins", "cafe", "--add", "http://localhost:8601")
    assert again.returncode == 0 and "dictionary" not in again.stdout   # stopped already
    shown = replay_cli(data, "app", "dictionary", "cafe")
    assert "not given" in shown.stdout and "--remove '*'" in shown.stdout, shown.stdout
    again = replay_cli(data, "app", "dictionary", "cafe", "--off")
    assert "no shared dictionary from now on" in again.stdout
    assert "already off" in replay_cli(data, "app", "dictionary", "cafe", "--off").stdout
