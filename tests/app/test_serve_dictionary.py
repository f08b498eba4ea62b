"""`replay serve`'s shared dictionary (recorder/intake/dictionary.py), through the real server:
none until MIN_VISITORS visitors' sessions are stored, then built and served to the
application's pages (CORS, ETag); a body compressed against it is stored as the same events;
one compressed against a dictionary the intake does not have is refused, nothing stored; and
`replay app dictionary` shows what it holds, a privacy officer's off switch included."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import zlib

from recorder.intake import compact
from recorder.intake.dictionary import MIN_VISITORS, dictionary_id
from recorder.privacy.preview import html_to_events
from replay_tools.intake import IntakeServer, post_batch, replay_cli, stored_events

ORIGIN = "https://shop.example"
BUILD_WAIT_S = 60   # a generous bound for the build a fetch starts (it takes well under 1 s)


def page(greeting: str, t: int) -> list[dict]:
    html = f"""<!DOCTYPE html><html><head><title>Acme Shop</title></head><body>
<header class="topbar"><nav class="nav"><a href="/new">New in</a><a href="/office">Office</a></nav></header>
<p class="hello">{greeting}</p>
<section class="grid"><div class="card">Desk lamp</div><div class="card">Mug</div></section>
</body></html>"""
    return html_to_events(html, href=ORIGIN + "/index.html", timestamp=t)


def fetch(srv: IntakeServer, app: str, token: str, etag: str | None = None):
    req = urllib.request.Request(f"{srv.url}/v1/dictionary?app={app}&token={token}",
                                 headers={"Origin": ORIGIN, **({"If-None-Match": etag} if etag else {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def compact_body(session_id: str, events: list[dict]) -> bytes:
    out, strings = compact.encode(events, 6)
    return json.dumps([compact.ENCODING_6, session_id, session_id + ".0", out, strings],
                      separators=(",", ":")).encode()


def test_served_once_visitors_are_stored_and_bodies_compressed_against_it_are_stored(tmp_path):
    # two worker processes: one may build and answer the fetch, the other decode the batch
    srv = IntakeServer(tmp_path / "data", workers=2)
    app, token = srv.create_app("shop", origins=[ORIGIN])
    t0 = int(time.time() * 1000) - 60_000
    with srv:
        status, _, headers = fetch(srv, app, token)
        assert status == 204 and headers["Access-Control-Allow-Origin"] == ORIGIN
        assert fetch(srv, app, "not-the-token")[0] == 401
        for k in range(MIN_VISITORS):
            status, answer = post_batch(srv.url, app, token, None, origin=ORIGIN,
                                        raw=zlib.compress(compact_body(f"visit-{k}", page(
                                            f"Hello, visitor {k}", t0 + k))),
                                        header_encoding="deflate")
            assert status == 202, answer
        # the first fetch after them starts a build (the one before found too few visitors)
        deadline = time.monotonic() + BUILD_WAIT_S
        while True:
            status, data, headers = fetch(srv, app, token)
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert status == 200, headers
        assert headers["Access-Control-Allow-Origin"] == ORIGIN
        assert headers["ETag"] == f'"{dictionary_id(data):08x}"'
        assert fetch(srv, app, token, headers["ETag"])[0] == 304
        assert b"Desk lamp" in data and b"Hello, visitor" not in data

        # a new visitor's body, compressed against it: stored as the same events
        events = page("Hello, someone new", t0 + 100)
        body = compact_body("new-visit", events)
        c = zlib.compressobj(6, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY, zdict=data)
        against = c.compress(body) + c.flush()
        assert len(against) < len(zlib.compress(body, 6)) * 0.6
        status, answer = post_batch(srv.url, app, token, None, origin=ORIGIN, raw=against,
                                    header_encoding="deflate")
        assert (status, answer) == (202, {"accepted": 2})
        stored = stored_events(srv.data, "new-visit", 2)
        assert "Hello, someone new" in json.dumps(stored)

        # against a dictionary it does not have: 409, nothing stored
        c = zlib.compressobj(6, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY,
                             zdict=b"a dictionary of another intake")
        other = c.compress(compact_body("other-visit", events)) + c.flush()
        status, answer = post_batch(srv.url, app, token, None, origin=ORIGIN, raw=other,
                                    header_encoding="deflate")
        assert status == 409 and answer["error"] == "unknown_dictionary"
        sessions = json.loads(replay_cli(srv.data, "sessions", "--json").stdout)
        assert "other-visit" not in json.dumps(sessions)

    shown = replay_cli(srv.data, "app", "dictionary", "shop", "--strings")
    assert shown.returncode == 0, shown.stderr
    assert f"{dictionary_id(data):08x}" in shown.stdout and '"Desk lamp"' in shown.stdout
    assert "Hello, visitor" not in shown.stdout
    off = replay_cli(srv.data, "app", "dictionary", "shop", "--off")
    assert off.returncode == 0 and "no shared dictionary" in off.stdout
    assert "shared dictionary off" in replay_cli(srv.data, "app", "dictionary", "shop").stdout
    with srv:
        assert fetch(srv, app, token)[0] == 204
    bad = replay_cli(srv.data, "app", "dictionary", "no-such-app")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
