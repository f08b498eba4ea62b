"""A real `replay serve` (subprocess, loopback) bounds each request's head in bytes, headers and
time (recorder/intake/http.py): before, one socket sending an endless header grew a worker
without bound - no token needed - and a connection that never finished its head was never
closed. Each refusal is the house JSON error; outcomes are asserted, not timings."""
from __future__ import annotations

import http.client
import json
import socket
import time

import pytest

from recorder.store import Store
from replay_tools.intake import IntakeServer, post_batch

WAIT_S = 20   # how long a test waits for an answer the server owes it


def now_ms() -> int:
    return int(time.time() * 1000)


def good(sid: str, payload: str = "x") -> dict:
    t = now_ms()
    return {"session_id": sid, "events": [
        {"type": 4, "timestamp": t, "data": {"href": "https://shop.test/", "width": 800,
                                             "height": 600}},
        {"type": 5, "timestamp": t + 1, "data": {"tag": "t", "payload": payload}}]}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = IntakeServer(tmp_path_factory.mktemp("bounds") / "data")
    shop = srv.create_app("shop")
    with srv:
        yield srv, shop


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """An intake whose heads have one second to arrive."""
    srv = IntakeServer(tmp_path_factory.mktemp("quick") / "data", args=("--header-timeout", "1"))
    shop = srv.create_app("shop")
    with srv:
        yield srv, shop


def _connect(srv) -> socket.socket:
    return socket.create_connection(("127.0.0.1", srv.port), timeout=WAIT_S)


def _answer(s: socket.socket) -> tuple[int | None, dict | None]:
    """The status and JSON body of what the server sent on `s` until it closed it (None,
    None: it closed it without a word)."""
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    if not data:
        return None, None
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def _nothing_stored(srv) -> None:
    with Store.open(srv.data) as store:
        assert store.sessions() == []


def test_an_endless_header_is_cut_off_with_431(server):
    """`X-Big: ` and then more and more: answered 431 once the head passes 64 KB (it was
    gathered for ever: 400 MB of it grew a worker to 900 MB), and the server goes on."""
    srv, shop = server
    with _connect(srv) as s:
        s.sendall(f"POST /v1/events?app={shop[0]} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer"
                  f" {shop[1]}\r\nX-Big: ".encode() + b"a" * 100_000)
        status, body = _answer(s)
    assert (status, body["error"], body["limit"]) == (431, "headers_too_large", 64 * 1024)
    assert body["message"]
    _nothing_stored(srv)
    assert post_batch(srv.url, *shop, good("after"))[0] == 202
    with Store.open(srv.data) as store:
        store.delete_session("after")


@pytest.mark.parametrize("headers, limit", [
    # a head that came whole in one read, but over the bound
    pytest.param(b"Cookie: " + b"c" * 70_000 + b"\r\n", 64 * 1024, id="70kb-cookie"),
    pytest.param(b"".join(b"X-H%d: v\r\n" % i for i in range(101)), 100, id="101-headers"),
])
def test_a_head_over_the_bounds_is_431(server, headers, limit):
    """... said to the page's browser as every refusal is (its origin reflected): without it
    the page saw a network error, and capture.js sends those again for ever."""
    srv, shop = server
    with _connect(srv) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nOrigin: https://shop.test\r\n"
                  + headers + b"\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    answer = json.loads(body)
    assert (int(head.split()[1]), answer["error"], answer["limit"]) == \
        (431, "headers_too_large", limit)
    assert b"\r\naccess-control-allow-origin: https://shop.test\r\n" in head.lower() + b"\r\n"


def test_heads_within_the_bounds_and_big_bodies_are_served_on_one_connection(server):
    """The bound is the head's: a 60 KB head and a batch of a megabyte are fine, and a
    connection carries a page's batches one after another (kept alive between them)."""
    srv, shop = server
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=WAIT_S)
    headers = {"Authorization": f"Bearer {shop[1]}", "Content-Type": "application/json",
               "X-Padding": "p" * 60_000}
    for i, payload in enumerate(("y" * 900_000, "z")):
        conn.request("POST", f"/v1/events?app={shop[0]}",
                     json.dumps(good("big", payload) | {"batch_id": f"p.{i}"}), headers)
        r = conn.getresponse()
        assert (r.status, json.loads(r.read())) == (202, {"accepted": 2})
    conn.close()
    with Store.open(srv.data) as store:
        assert [s.record_count for s in store.sessions()] == [4]
        store.delete_session("big")


def test_a_head_that_does_not_arrive_in_time_is_408_and_closed(quick):
    srv, shop = quick
    with _connect(srv) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a")
        status, body = _answer(s)
    assert (status, body["error"], body["limit"]) == (408, "header_timeout", 1)


def test_a_connection_that_sends_nothing_is_closed(quick):
    srv, _ = quick
    with _connect(srv) as s:
        assert _answer(s) == (None, None)


def test_a_body_still_trickling_after_its_answer_is_closed(quick):
    """A refusal reads no body (an unknown application: 401 before the body); a sender
    trickling the rest kept the connection for ever - each byte put off uvicorn's keep-alive
    timeout. It has the head's time to finish, then the connection is closed."""
    srv, _ = quick
    with _connect(srv) as s:
        s.sendall(b"POST /v1/events?app=app_nope HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Length: 100000\r\n\r\n{")
        s.settimeout(0.5)
        data, closed = b"", False
        deadline = time.monotonic() + WAIT_S
        while not closed and time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except TimeoutError:   # still open: a byte more of the body
                try:
                    s.sendall(b" ")
                except OSError:   # (closed meanwhile)
                    closed = True
                continue
            except ConnectionResetError:
                closed = True
                continue
            data += chunk
            closed = not chunk
    assert closed, "the connection was still open"
    assert data.startswith(b"HTTP/1.1 401 ")


@pytest.mark.parametrize("option", ["--header-timeout", "--body-timeout"])
@pytest.mark.parametrize("value", ["0", "-1", "nan", "later"])
def test_a_timeout_that_is_no_time_is_refused_before_listening(tmp_path, option, value):
    from replay_tools.intake import free_port, replay_cli
    (tmp_path / "data").mkdir()
    proc = replay_cli(tmp_path / "data", "serve", option, value, "--port", str(free_port()))
    assert proc.returncode != 0 and option in proc.stderr, proc.stderr
