"""A beacon's compressed body through the real `replay serve`: sendBeacon sets no header, so
capture.js says `&encoding=deflate` in the URL (wire.request_encoding). Decoded as
Content-Encoding: deflate is - a plain zlib stream, and one against the application's shared
dictionary; an encoding the URL may not name, or one the header contradicts, is refused; one
against a dictionary the intake does not have is 409 and stores nothing."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import zlib

from recorder.intake.dictionary import MIN_SESSIONS
from replay_tools.intake import IntakeServer, post_batch, replay_cli, stored_events

from tests.app.test_serve_dictionary import compact_body, fetch, page as site_page, the_site


def post_beacon(srv: IntakeServer, app: str, token: str, body: bytes, encoding: str | None,
           header: str | None = None, origin: str = "https://shop.example") -> tuple[int, dict]:
    """POST as navigator.sendBeacon does with a Blob of text/plain: the token and the encoding
    in the URL, no Authorization header (`header`: a Content-Encoding too)."""
    query = f"?app={app}&token={token}" + (f"&encoding={encoding}" if encoding else "")
    req = urllib.request.Request(f"{srv.url}/v1/events{query}", data=body, method="POST",
                                 headers={"Content-Type": "text/plain;charset=UTF-8",
                                          "Origin": origin})
    if header:
        req.add_header("Content-Encoding", header)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def stored_ids(srv: IntakeServer) -> str:
    return replay_cli(srv.data, "sessions", "--json").stdout


def test_a_beacon_says_its_encoding_in_the_url(tmp_path):
    with the_site(tmp_path) as site:
        beacon_site(tmp_path, site)


def beacon_site(tmp_path, site) -> None:
    origin, url = site.base_url.rstrip("/"), site.url("index.html")
    srv = IntakeServer(tmp_path / "data")
    app, token = srv.create_app("shop", origins=[origin])
    t0 = int(time.time() * 1000) - 60_000

    def page(greeting: str, t: int) -> list[dict]:
        return site_page(greeting, t, url)

    def beacon(*a, **k):
        return post_beacon(*a, origin=origin, **k)
    with srv:
        # a plain zlib stream, as capture.js's beacon without a dictionary
        body = compact_body("plain-beacon", page("Hello, plain", t0))
        assert beacon(srv, app, token, zlib.compress(body), "deflate") == (202, {"accepted": 2})
        assert "Hello, plain" in json.dumps(stored_events(srv.data, "plain-beacon", 2))

        # only deflate may be named, and only once
        for encoding, header, status, code in (("gzip", None, 415, "unsupported_encoding"),
                                               ("deflate", "gzip", 400, "conflicting_encoding"),
                                               ("deflate", "identity", 400, "conflicting_encoding")):
            answer = beacon(srv, app, token, zlib.compress(compact_body("refused", page("x", t0))),
                            encoding, header)
            assert answer[0] == status and answer[1]["error"] == code, answer
            assert "deflate" in answer[1]["message"]
        # the same encoding said twice is the same request
        assert beacon(srv, app, token, zlib.compress(compact_body("twice", page("y", t0))),
                      "deflate", "deflate")[0] == 202

        for k in range(MIN_SESSIONS):
            status, answer = post_batch(srv.url, app, token, None, origin=origin,
                                        raw=zlib.compress(compact_body(f"visit-{k}", page(
                                            f"Hello, visitor {k}", t0 + k))),
                                        header_encoding="deflate")
            assert status == 202, answer
    replay_cli(srv.data, "app", "dictionary", "shop", "--on")
    built = replay_cli(srv.data, "app", "dictionary", "shop", "--rebuild")
    assert built.returncode == 0 and "shared dictionary" in built.stdout, built.stdout
    with srv:
        status, shared, _ = fetch(srv, app, token, origin)
        assert status == 200
        # an FDICT stream against the application's dictionary
        events = page("Hello, someone new", t0 + 100)
        c = zlib.compressobj(6, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY, zdict=shared)
        against = c.compress(compact_body("dict-beacon", events)) + c.flush()
        assert beacon(srv, app, token, against, "deflate") == (202, {"accepted": 2})
        assert "Hello, someone new" in json.dumps(stored_events(srv.data, "dict-beacon", 2))

        # against a dictionary the intake does not have: 409, nothing stored
        c = zlib.compressobj(6, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY,
                             zdict=b"a dictionary of another intake")
        other = c.compress(compact_body("lost-beacon", events)) + c.flush()
        status, answer = beacon(srv, app, token, other, "deflate")
        assert status == 409 and answer["error"] == "unknown_dictionary"
        listed = stored_ids(srv)
        assert "lost-beacon" not in listed and "refused" not in listed and "twice" in listed
