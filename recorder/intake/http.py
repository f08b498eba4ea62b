"""The intake's HTTP/1.1 protocol: uvicorn's httptools protocol with each request head bounded.

uvicorn's `HttpToolsProtocol` reads a request head without any bound: llhttp sets none, and
httptools gathers a header's value in Python bytes until its line ends. One socket sending
`X-Big: ` and then 400 MB grew a worker to 900 MB - no token needed - and a connection that
never finished its head was never closed. uvicorn's h11 protocol has a bound
(`h11_max_incomplete_event_size`), but h11 parses in Python: with batches of 10 events
(benchmarks/intake.py --batch 10, the real 10-minute recording, 1 worker) it stored 3,200-4,000
events per server CPU-second where this does 3,900-4,600 (with 100-event batches both are
within the noise, ~13,000-14,800). This keeps httptools and adds:

- MAX_HEAD_BYTES: a request head (request line and headers) is at most 64 KB, and has at most
  MAX_HEADERS (100) headers; more is answered 431 `headers_too_large` and the connection is
  closed. The bytes are counted as they arrive, so an endless header is cut off once past
  the bound (plus one read of the socket), never gathered whole.
- HEAD_TIMEOUT_S (`replay serve --header-timeout`): a request head arrives whole within it,
  counted from the connection's start or from the first byte of a later request on it; else
  408 `header_timeout` and the connection closed. A connection that sends nothing at all is
  closed then too (quietly), and so is one still sending the body of a request answered
  already (a refusal reads no body) after that long. Between requests uvicorn's keep-alive
  timeout applies; a body the app reads has its own deadline (app.py, `--body-timeout`).

A refusal is the house JSON error (`{"error", "message", "limit"}`, wire.py); what the client
sends after it is read and dropped (nothing more is parsed or kept) until it stops or
LINGER_S has passed, so it reads its answer rather than a reset connection.

This leans on `HttpToolsProtocol`'s internals (`data_received`, `on_headers_complete`,
`on_message_complete`, its `app`, `transport`, `url`, `headers` and `cycle`): pyproject.toml pins
uvicorn to the versions it was checked against.
"""
from __future__ import annotations

import asyncio
import functools
import json
import os
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from .wire import refusal_cors

MAX_HEAD_BYTES = 64 * 1024
MAX_HEADERS = 100
HEAD_TIMEOUT_S = 10.0
LINGER_S = 2.0   # a refused client's bytes are dropped for this long, then it is closed


@functools.cache
def head_timeout_s() -> float:
    """`replay serve --header-timeout`, as the command hands its options to each worker."""
    from .app import CONFIG_ENV
    try:
        return float(json.loads(os.environ[CONFIG_ENV]).get("header_timeout") or HEAD_TIMEOUT_S)
    except (KeyError, ValueError, TypeError, AttributeError):
        return HEAD_TIMEOUT_S


def _answer(status: int, code: str, message: str, limit: float) -> bytes:
    body = json.dumps({"error": code, "message": message, "limit": limit}).encode()
    return b"".join([STATUS_LINE[status], b"content-type: application/json\r\n",
                     b"content-length: %d\r\n" % len(body), b"connection: close\r\n\r\n", body])


def _too_large(what: str) -> tuple[int, str, str, int]:
    limit = MAX_HEADERS if what == "headers" else MAX_HEAD_BYTES
    said = f"{MAX_HEADERS} headers" if what == "headers" else f"{MAX_HEAD_BYTES:,} bytes"
    return 431, "headers_too_large", f"the request's head is over {said} - send fewer or" \
                                     " shorter headers", limit


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol` with each request head bounded in bytes, headers and time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_timeout_s = head_timeout_s()
        self._head: int | None = 0          # bytes of the request head so far; None: past it
        self._head_timer: asyncio.TimerHandle | None = None
        self._refused = False

    # the head's clock
    def _start_head_clock(self) -> None:
        self._stop_head_clock()
        self._head_timer = self.loop.call_later(self.head_timeout_s, self._head_too_slow)

    def _stop_head_clock(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self._head is None or self.transport.is_closing():
            return
        if self._head == 0:   # nothing sent at all (or nothing of a next request): just closed
            self.transport.close()
            return
        self._refuse(408, "header_timeout", f"the request's head did not arrive within"
                                            f" {self.head_timeout_s:g} s", self.head_timeout_s)

    def _refuse(self, status: int, code: str, message: str, limit: float) -> None:
        """Answer (unless a response of an earlier request on it is under way), then drop
        whatever comes until the client stops or LINGER_S has passed."""
        self._refused = True
        self._stop_head_clock()
        _said(code, status)
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(_answer(status, code, message, limit))
        else:
            self.transport.close()
            return
        self.loop.call_later(LINGER_S, self.transport.close)

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_clock()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_clock()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._head is not None:
            if self._head == 0 and self._head_timer is None:   # a later request begins
                self._start_head_clock()
            self._head += len(data)
        super().data_received(data)
        if self._head is not None and self._head > MAX_HEAD_BYTES \
                and not self.transport.is_closing():
            self._refuse(*_too_large("bytes"))

    # the parser's callbacks
    def on_headers_complete(self) -> None:
        self._stop_head_clock()
        self._head = None
        # exact, for a head that came whole in one read (the count above is of reads)
        size = len(self.url) + sum(len(n) + len(v) + 4 for n, v in self.headers)
        if len(self.headers) > MAX_HEADERS or size > MAX_HEAD_BYTES:
            answer = _too_large("headers" if len(self.headers) > MAX_HEADERS else "bytes")
            app, self.app = self.app, _refusal_app(*answer)
            try:
                super().on_headers_complete()
            finally:
                self.app = app
            return
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._stop_head_clock()
        self._head = 0   # the next request's head (its clock starts with its first byte)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # answered before its body ended (a refusal that reads no body): the rest of the body
        # has the head's time to end, else the connection is closed - a trickle after a 401
        # kept it open for ever (each byte put off uvicorn's keep-alive timeout)
        if self._head is None and not self._refused and not self.transport.is_closing():
            self._stop_head_clock()
            self._head_timer = self.loop.call_later(self.head_timeout_s, self._body_too_slow)

    def _body_too_slow(self) -> None:
        self._head_timer = None
        if self._head is None:
            self.transport.close()


def _said(code: str, status: int) -> None:
    """In the intake's log, as its other refusals are (at most a line a minute per code)."""
    from .app import _REFUSALS
    _REFUSALS.note(code, status)


def _refusal_app(status: int, code: str, message: str, limit: float):
    """An ASGI app answering one refusal, closing the connection (its body is not read)."""
    body = json.dumps({"error": code, "message": message, "limit": limit}).encode()

    async def app(scope, receive, send) -> None:
        _said(code, status)
        origin = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"origin"),
                      None)
        cors = [(k.lower().encode(), v.encode("latin-1"))
                for k, v in refusal_cors(origin).items()]
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", b"%d" % len(body)),
                                (b"connection", b"close"), *cors]})
        await send({"type": "http.response.body", "body": body})
    return app
