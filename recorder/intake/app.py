"""The intake's HTTP routes (Starlette, served by uvicorn - see app/commands/serve.py).

    POST    /v1/events?app=APP_ID     a batch of a live session (wire.py); 202 once durable;
                                      a beacon's `&token=` and `&encoding=deflate` in the URL
    OPTIONS /v1/events?app=APP_ID     CORS preflight, for the application's origins
    GET     /v1/dictionary?app=APP_ID the application's shared dictionary (dictionary.py):
                                      200 its bytes, 204 none yet; `&token=` as for a batch
    GET     /healthz                  {"ok": true}
    GET     /capture.js               the capture script (recorder.paths.capture_script): gzip
                                      when accepted, a strong ETag (304 on If-None-Match);
                                      `?v=VERSION` (the install page's snippet) cached for a year
    GET     /                         how to install capture on a site
    GET     /demo/                    with `serve --demo`: the demo shop, capture installed (demo.py)
    GET|POST /demo/api/...            the demo shop's API

Any other path or method is a JSON error too (404 `not_found`, 405 `method_not_allowed`).

Order of checks on a batch: the application, the page's origin, the token, load, the
encoding and the body, load again, then the events (store). Each refusal is one JSON error
(wire.py) and nothing is stored. The store call runs in a thread: it fsyncs before the 202.

A body still arriving is no load: the batches a worker holds (`--max-pending`) are those read
whole - 64 senders trickling a byte every 10 s held every slot, and each real batch was
answered 429 for as long as they kept on. Each body has `--body-timeout` seconds to arrive
(408 `body_timeout`, the connection closed); the request head has its own bounds
(http.py). What the bodies being read hold is memory, though: READ_BUDGET_BYTES bounds it
per worker (the bytes arrived, not those a Content-Length promises - a trickle holds next to
nothing); the body whose bytes pass it is answered 429 (the rest of it dropped as it comes).
"""
from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import gzip
import hashlib
import html
import json
import logging
import mimetypes
import os
import shlex
import sqlite3
import textwrap
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Awaitable, Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..format import InvalidEvent
from ..index import BatchKey
from ..limits import LimitError, Limits
from ..paths import (SQLITE_FULL, SQLITE_IO, SQLITE_READ_ONLY, capture_script, early_keeper,
                     platform_data_dir, replay_command, sqlite_says)
from ..privacy import ActiveRules, Rules
from ..sessions import INACTIVITY_MS, clean_id
from ..store import LocalStore, Store
from .apps import AppError, Application, Applications, normalize_origin
from .dictionary import Dictionaries, dictionary_id, has_site
from .demo import DEMO_APP, PAGES, DemoApp, Shop, install, page_names
from .live import LiveIntake
from .order import PageOrder
from .wire import (UNKNOWN_DICTIONARY, Status, WireError, decode_request, max_body_bytes,
                   refusal_cors, request_encoding, said, too_large)

log = logging.getLogger(__name__)

CONFIG_ENV = "REPLAY_INTAKE_CONFIG"   # how `replay serve` hands its options to each worker
COMPACT_EVERY_S = 60                  # how often a worker compacts sessions gone quiet
MAX_PENDING = 64                      # batches one worker holds before answering 429
BODY_TIMEOUT_S = 10.0                 # a request body keeps arriving (see _read_body), else 408
MIN_BODY_RATE = 8 * 1024              # bytes/s a body arrives at, after its first BODY_TIMEOUT_S
READ_BUDGET_BYTES = 256 * 1024 * 1024 # bytes of bodies being read at once, one worker (429 past it)
PREFLIGHT_MAX_AGE_S = 600
DRAIN_FACTOR = 4                      # an oversized body is read (and dropped) up to 4x the limit
ALLOWED_HEADERS = "authorization, content-type, content-encoding"
# A worker keeps up to 256 sessions' unmasked DOMs (live.py): hundreds of thousands of
# long-lived objects that Python's default collector (a young collection every 700
# allocations, a full one every 100 of those) walks again and again - 20-30% of a worker's
# CPU on the real 10-minute recording. Young collections this much rarer cost ~nothing.
GC_YOUNG_EVERY = 20_000
SCRIPT_MAX_AGE_S = 300                # /capture.js: then revalidated by its ETag (a 304)
SCRIPT_VERSIONED_MAX_AGE_S = 365 * 24 * 3600   # /capture.js?v=VERSION: that version never changes


class CaptureScript:
    """capture.js as the intake serves it, made once per worker: its bytes, gzipped once
    (level 9, no timestamp: every worker's are the same bytes), a strong ETag per
    representation (the content's SHA-256 - RFC 9110: a gzipped body is another
    representation, so another tag) and the version the snippet names (`?v=`)."""

    def __init__(self, text: str):
        self.body = text.encode("utf-8")
        digest = hashlib.sha256(self.body).hexdigest()
        self.version = digest[:16]
        self.gzipped = gzip.compress(self.body, 9, mtime=0)
        self.etag = f'"{digest[:32]}"'
        self.etag_gzip = f'"{digest[:32]}-gzip"'

    def response(self, request: Request) -> Response:
        versioned = request.query_params.get("v") == self.version
        zipped = _accepts_gzip(request.headers.get("accept-encoding", ""))
        etag = self.etag_gzip if zipped else self.etag
        # a version this intake does not serve (a snippet copied before an upgrade) gets the
        # current script with the short max-age: never a year of a version it is not
        cache = (f"public, max-age={SCRIPT_VERSIONED_MAX_AGE_S}, immutable" if versioned
                 else f"public, max-age={SCRIPT_MAX_AGE_S}")
        headers = {"Cache-Control": cache, "ETag": etag, "Vary": "Accept-Encoding"}
        match = request.headers.get("if-none-match")
        if match is not None and _etag_matches(match, (self.etag, self.etag_gzip)):
            return Response(status_code=int(Status.NOT_MODIFIED), headers=headers)
        if zipped:
            headers["Content-Encoding"] = "gzip"
        return Response(self.gzipped if zipped else self.body, media_type="text/javascript",
                        headers=headers)


def _accepts_gzip(accept: str) -> bool:
    """Whether an Accept-Encoding header takes gzip (`gzip`, `x-gzip` or `*`, not at q=0)."""
    for part in accept.lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "x-gzip", "*"):
            q = params.strip()
            if q.startswith("q="):
                try:
                    return float(q[2:]) > 0
                except ValueError:
                    return False
            return True
    return False


def _etag_matches(header: str, tags: tuple[str, ...]) -> bool:
    """If-None-Match (weak comparison, RFC 9110 13.1.2): `*`, or one of `tags`, W/ or not."""
    if header.strip() == "*":
        return True
    return any(t.strip().removeprefix("W/") in tags for t in header.split(","))


class Intake:
    """One worker's state: the store, the applications, the live maskers, the load."""

    def __init__(self, data_dir: Path, rules: Rules | ActiveRules, *,
                 limits: Limits | None = None,
                 max_pending: int = MAX_PENDING, assets: bool = True,
                 body_timeout_s: float = BODY_TIMEOUT_S,
                 read_budget_bytes: int = READ_BUDGET_BYTES):
        """`assets`: fetch the images and fonts of a session gone quiet from its
        application's origins (`fetch_assets`; `replay serve --no-assets`: never);
        `body_timeout_s`: the time a request body has to arrive whole; `read_budget_bytes`:
        what the bodies being read may hold at once (module docstring)."""
        options = {"limits": limits} if limits is not None else {}
        self.data_dir = Path(data_dir)
        self.store: LocalStore = Store.open(data_dir, **options)  # type: ignore[assignment]
        self.apps = Applications(data_dir)
        self.live = LiveIntake(self.store, rules)
        self.order = PageOrder(self.store.batch_settled)
        self.dictionaries = Dictionaries(data_dir)
        self.max_pending = max_pending
        self.pending = 0   # batches read whole, being decoded or stored (not held in order)
        self.body_timeout_s = body_timeout_s
        self.read_budget_bytes = read_budget_bytes
        self.reading_bytes = 0   # what the bodies being read hold now
        self.assets = assets
        self._closing = False   # close(): the fetch running starts no new request
        # one fetch at a time, beside the compaction (which a slow site must not hold up)
        self._asset_jobs: ThreadPoolExecutor | None = None

    def close(self) -> None:
        self._closing = True
        if self._asset_jobs is not None:
            self._asset_jobs.shutdown(wait=False, cancel_futures=True)
        self.live.close()
        self.apps.close()
        self.store.close()

    def shared_dictionary(self, app: Application) -> bytes | None:
        """The application's shared dictionary for its pages (None: none yet, off, no site to
        ask, or `assets` off - the intake never asks the site for anything); a build started in
        the background when there is none or it is old (dictionary.py)."""
        if not self.assets or not has_site(app):
            return None
        shared, rules = self.dictionaries, self.live.rules_of(app)
        data, stale = shared.given(app.id, rules)
        if stale:
            shared.rebuild_soon(self.store, app, rules, stop=lambda: self._closing)
        return data

    def after_quiet(self, now_ms: float | None = None, *, wait: bool = False) -> list[str]:
        """Compact the sessions gone quiet, then (unless `assets` is off) fetch their images
        and fonts in the background - `wait`: before returning. The ids compacted."""
        self.live.tick_arrivals()   # (a quiet site's last arrivals, said in their minute)
        done = self.live.compact_idle(now_ms)
        self.live.journal.forget_quiet()   # the typed values of visits long over
        if done and self.assets:
            if self._asset_jobs is None:
                self._asset_jobs = ThreadPoolExecutor(1, thread_name_prefix="intake-assets")
            job = self._asset_jobs.submit(self.fetch_assets, done)
            if wait:
                job.result()
        return done

    def fetch_assets(self, session_ids: list[str]) -> None:
        """Fetch the images and fonts the pages of these (quiet) sessions referenced - only
        from their application's own origins (`replay app origins`): nothing else is asked,
        redirects included. An application that accepts any origin (`*`), or any subdomain
        of a domain (`https://*.example.com`), gets none fetched: its recordings could name
        any server (of the domain: an internal host under it too) - `replay assets fetch` is
        the person's way, from the session's own pages' origins."""
        from ..asset_fetch import fetch_assets, origin_of
        from ..asset_store import AssetStore
        from ..assets import referenced_urls
        from .apps import ANY_ORIGIN
        from .live import masking_rules

        for sid in session_ids:
            try:
                info = self.store.index.session(sid)
                app = self.apps.find(info.application) if info and info.application else None
                if app is None or app.revoked or not app.origins or ANY_ORIGIN in app.origins \
                        or any("*" in o for o in app.origins):
                    continue
                rules = masking_rules(app, self.live.folder_rules.current)
                try:
                    with self.store.session(sid) as reader:
                        urls = list(referenced_urls(reader.events(), rules))
                except KeyError:   # erased meanwhile (`replay delete`): nothing to fetch
                    continue
                if not urls:
                    continue

                def allowed(url: str, app=app) -> bool:
                    try:
                        return app.allows_origin(origin_of(url))
                    except ValueError:
                        return False
                with AssetStore(self.data_dir) as assets:
                    report = fetch_assets(assets, {sid: urls}, allow=allowed,
                                          stop=lambda: self._closing)
                    if self.store.index.session(sid) is None:   # erased while fetched:
                        assets.forget_session(sid)              # nothing of it is kept
                        continue
                if report.fetched or report.failed or report.refused:
                    log.info("images of session %s (%s): %s", sid, app.name, report.summary())
            except Exception:   # noqa: BLE001 - a bad session must not stop the intake; said
                log.exception("fetching the images of session %s failed", sid)

    def replay_command(self) -> str:
        """How a person on this machine runs `replay` on this intake's data: with
        `--data DIR` unless that is the platform's default folder (REPLAY_DATA, set for the
        server - a service's environment - is not known to be set in the person's shell)."""
        return replay_command(self.data_dir, platform_data_dir())

    def public_command(self) -> str:
        """`replay_command` as the intake's public answers write it (a refusal in a visitor's
        console, the install page anyone may load): a data folder not the default one is
        `--data DIR`, not named - the server's file system is nobody else's business (a site
        owner's tryout found its path in every visitor's console)."""
        return "replay" if self.replay_command() == "replay" else f"replay --data {DATA_DIR}"


def _error(exc: WireError, headers: dict[str, str] | None = None) -> JSONResponse:
    _REFUSALS.note(exc.code, int(exc.status), exc.operator, exc.app_id)
    return JSONResponse(exc.to_json(), status_code=int(exc.status), headers=headers)


class Refusals:
    """Refused requests said in the intake's log, so an operator sees a site sending with a
    revoked token or from an origin not allowed: each error code's first refusal at once, then
    at most one line a minute per code (and application, for a refusal of one that exists:
    their number is the operator's, not a sender's) with how many came meanwhile (a flood of
    bad requests never floods the log). The code and status, and what the operator can do
    (`operator`: an origin refused, with the command that allows it): never what a request's
    body held. Each worker process counts its own (with --workers N, up to N lines a minute
    per code: the workers share no memory, and a line a minute each is no flood)."""

    EVERY_S = 60.0

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self.said: dict[tuple, float] = {}     # (code, app id) -> when it was last said
        self.since: dict[tuple, int] = {}      # (code, app id) -> refusals not said yet

    def note(self, code: str, status: int, operator: str | None = None,
             app_id: str | None = None) -> None:
        key = (code, app_id)
        now = self.clock()
        last = self.said.get(key)
        if last is not None and now - last < self.EVERY_S:
            self.since[key] = self.since.get(key, 0) + 1
            return
        more = self.since.pop(key, 0)
        self.said[key] = now
        since = f"; {more} more since the last line" if more else ""
        if code in ASKED_AGAIN:   # the protocol at work, no fault: said as such
            log.info("asked a page to send its batch again: %s (HTTP %d)%s - %s", code, status,
                     since, ASKED_AGAIN[code])
            return
        log.warning("refused a request: %s (HTTP %d)%s%s", code, status, since,
                    f" - {operator}" if operator else "")


# refusals a sender answers by sending the batch again, as the protocol asks: logged as notes,
# not warnings (the first visitor of a site on each worker gets one: "refused" read as a fault
# to look into - an operator's tryout)
ASKED_AGAIN = {"unknown_text": "it named long texts this worker does not hold yet, and sends"
                               " them whole (a site's first visitor on each worker does)"}


_REFUSALS = Refusals()


# what the router answers itself (no route, or not this method): JSON like every refusal
_ROUTING = {int(Status.NOT_FOUND): "not_found",
            int(Status.METHOD_NOT_ALLOWED): "method_not_allowed"}


async def _routing_error(request: Request, exc: HTTPException) -> Response:
    code = _ROUTING.get(exc.status_code, "http_error")
    message = (f"{request.method} {request.url.path} is not served here - pages send batches"
               " with POST /v1/events?app=APP_ID (GET / shows how)")
    return JSONResponse({"error": code, "message": message}, status_code=exc.status_code,
                        headers=exc.headers)


def _cors(request: Request) -> dict[str, str]:
    return refusal_cors(request.headers.get("origin"))


def _application(intake: Intake, request: Request) -> Application:
    app_id = request.query_params.get("app", "")
    app = intake.apps.find(app_id) if app_id else None
    if app is None:
        raise WireError(Status.UNAUTHORIZED, "unknown_app",
                        # the same for a name as for anything else: an unauthenticated
                        # caller learns neither which names exist nor their ids
                        f"no application has the id {said(app_id)} here - ?app= takes the"
                        " application id that `replay app create` printed (app_...), not its"
                        " name" if app_id else
                        "the request names no application - add ?app=APP_ID")
    origin = request.headers.get("origin")
    if origin and not app.allows_origin(origin):
        try:
            allowed = normalize_origin(origin)
        except AppError:   # "null": a sandboxed frame, a file:// page - no origin to allow
            raise WireError(Status.FORBIDDEN, "origin_not_allowed",
                            f"a page whose origin is {said(origin)} (a sandboxed frame, a file://"
                            " page) may not send - serve it from an http(s) origin") from None
        # to the page, a refusal: anyone may send from any origin, and the command (the
        # application's id, the server's folder) is the operator's, said in the log
        raise WireError(Status.FORBIDDEN, "origin_not_allowed",
                        f"pages from {allowed} may not send to this application - the intake's"
                        " operator allows a site's origin",
                        operator=f"pages from {allowed} may not send to application {app.name}"
                                 f" ({app.id}): allow them with `{intake.replay_command()} app"
                                 f" origins {app.id} --add {shlex.quote(allowed)}`",
                        app_id=app.id)
    return app


def _authenticate(intake: Intake, app: Application, request: Request) -> None:
    auth = request.headers.get("authorization", "")
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else \
        request.query_params.get("token", "")
    if not token:
        raise WireError(Status.UNAUTHORIZED, "missing_token",
                        "no client token - send Authorization: Bearer TOKEN (or &token=)")
    # the log names the application the request named (never the token): the operator
    # sees which site sends with an old or revoked token
    named = f"application {app.name} ({app.id})"
    if not intake.apps.check_token(app, token):
        raise WireError(Status.UNAUTHORIZED, "bad_token",
                        "that is not this application's client token",
                        operator=f"{named}: not its client token", app_id=app.id)
    if app.revoked:
        raise WireError(Status.UNAUTHORIZED, "token_revoked",
                        "this application's token was revoked - its owner gives it a new"
                        " one (`replay app token NAME`) and puts it in the site's snippet",
                        operator=f"{named}: its token was revoked (`{intake.replay_command()}"
                                 f" app token {app.id}` gives it a new one)", app_id=app.id)


# what the system refuses the data folder (not a fault of ours: said without a traceback)
_SYSTEM_REFUSES = frozenset({errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT})


def _system_refused(exc: BaseException) -> bool:
    """Whether the store failed as the system refused it a write: a folder that cannot be
    written (its permissions, a read-only mount), a full disk."""
    if isinstance(exc, OSError):
        return exc.errno in _SYSTEM_REFUSES
    return sqlite_says(exc, SQLITE_READ_ONLY + SQLITE_FULL + SQLITE_IO)


def _why_not_stored(exc: BaseException) -> str:
    """What the operator reads in the log: the system's reason (a full disk, a folder that
    cannot be written) and the file it refused, never an event's content - a store error's
    own words, or its kind."""
    if isinstance(exc, OSError):
        said = exc.strerror or type(exc).__name__
        if exc.filename is not None:
            said += f": {exc.filename}"
        if exc.errno in _SYSTEM_REFUSES:
            said += (" - free some space" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else
                     " - let the intake's user write the data folder and what is in it")
            said += "; the pages send the batch again"
        return said
    if isinstance(exc, sqlite3.Error):
        return f"the index: {exc}"   # SQLite's words name no value ("database or disk is full")
    return type(exc).__name__


def _where(exc: BaseException) -> str:
    """Where it failed, for the operator: the traceback's frames and the exception's kind,
    not its message (`log.exception` wrote it whole, and an exception may quote what it was
    handed - an event's text)."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    return f"Traceback (most recent call last):\n{frames}{type(exc).__name__}"


class Unread(WireError):
    """A refusal made while the request's body was still arriving: its connection is
    closed after the answer (what is left of the body would be read as the next request)."""


async def _read_body(request: Request, limits: Limits,
                     timeout_s: float = BODY_TIMEOUT_S, intake: Intake | None = None) -> bytes:
    """The body, up to the limit, as long as it keeps arriving (else 408 `body_timeout`):
    never `timeout_s` without a byte, and at `MIN_BODY_RATE` on average past its first
    `timeout_s` - a deadline for the whole body cut off an honest batch on a slow uplink
    every time it was sent again (a megabyte needs 800 kbit/s in 10 s), while a sender
    trickling bytes is still refused within `timeout_s` or so. Its bytes are counted in
    `intake`'s read budget meanwhile (past it: 429). Past the limit the rest is read and
    dropped (up to `DRAIN_FACTOR` times the limit) so that the client, still sending, gets
    its 413 instead of a reset connection."""
    cap = max_body_bytes(limits)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap * DRAIN_FACTOR:
        raise too_large(limits, f"{int(declared):,} bytes")
    chunks, size, held = [], 0, 0
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        async with asyncio.timeout(timeout_s) as deadline:
            async for chunk in request.stream():
                size += len(chunk)
                now = loop.time()
                deadline.reschedule(min(now + timeout_s,
                                        start + timeout_s + size / MIN_BODY_RATE))
                if size > cap * DRAIN_FACTOR:
                    break
                if size <= cap:
                    chunks.append(chunk)
                    if intake is not None:
                        held += len(chunk)
                        intake.reading_bytes += len(chunk)
                        if intake.reading_bytes > intake.read_budget_bytes:
                            # (the rest of it is dropped as it comes: http.py)
                            raise WireError(Status.TOO_MANY_REQUESTS, "overloaded",
                                            "the intake is busy - send this batch again in a"
                                            " moment", operator="the bodies being read passed"
                                            f" {intake.read_budget_bytes:,} bytes")
    except TimeoutError:
        if size <= cap:
            raise Unread(Status.REQUEST_TIMEOUT, "body_timeout",
                         f"the request body stopped arriving (nothing for {timeout_s:g} s, or"
                         f" slower than {MIN_BODY_RATE // 1024} KB/s after its first"
                         f" {timeout_s:g} s) - send the batch again", timeout_s) from None
    finally:
        if intake is not None:
            intake.reading_bytes -= held
    if size > cap:
        raise too_large(limits, f"{size:,} bytes" if size <= cap * DRAIN_FACTOR
                        else f"over {cap * DRAIN_FACTOR:,} bytes")
    return b"".join(chunks)


async def _in_turn(intake: Intake, key: BatchKey | None, after: str | None,
                   store: Callable[[], Awaitable[Any]]) -> Any:
    """`store()`, once the batch `key` (None: one without an id) may be stored: after the
    one before it on its page (order.py). While it is held it is no load (`pending`: the
    hold has its own bound)."""
    if key is None:
        return await store()
    intake.order.arrived(key)
    try:
        intake.pending -= 1
        try:
            await intake.order.wait(key, after)
        finally:
            intake.pending += 1
        return await store()
    finally:
        intake.order.done(key)


def _shed(intake: Intake) -> None:
    if intake.pending >= intake.max_pending:
        raise WireError(Status.TOO_MANY_REQUESTS, "overloaded",
                        "the intake is busy - send this batch again in a moment")


def _wire_error(refusal: WireError | LimitError | InvalidEvent) -> WireError:
    """A refusal of a batch as the sender is answered."""
    if isinstance(refusal, LimitError):
        return WireError.from_limit(refusal)
    if isinstance(refusal, InvalidEvent):
        return WireError(Status.BAD_REQUEST, "invalid_event", str(refusal))
    return refusal


def create_app(intake: Intake, demo: DemoApp | None = None) -> Starlette:
    """The routes; `demo`: the demo application whose sessions the demo shop sends."""
    async def events(request: Request) -> Response:
        # every answer is readable by the page that sent it, refusals too: capture.js stops
        # and says why in the site's console (an unknown app, a foreign origin, a revoked
        # token) instead of retrying a request the browser would report as a network error
        cors = _cors(request)
        try:
            app = _application(intake, request)
        except WireError as exc:
            return _error(exc, cors)
        try:
            _authenticate(intake, app, request)
            _shed(intake)   # (busy already: its body is not read)
            encoding = request_encoding(request.headers.get("content-encoding"),
                                        request.query_params.get("encoding"))
            # read before it is load: a body still arriving holds no slot (module docstring)
            body = await _read_body(request, intake.store.limits, intake.body_timeout_s,
                                    intake)
            _shed(intake)
            intake.pending += 1
            try:
                batch, encoded, texts = decode_request(
                    body, encoding, intake.store.limits,
                    request.headers.get("user-agent"),
                    lambda dict_id: intake.dictionaries.lookup(app.id, dict_id))
                key = BatchKey(app.id, clean_id(batch.session_id), batch.batch_id) \
                    if batch.batch_id is not None else None
                await _in_turn(intake, key, batch.after, lambda: run_in_threadpool(
                    intake.live.accept, app, batch, None, encoded, texts))
            finally:
                intake.pending -= 1
        except (WireError, LimitError, InvalidEvent) as refusal:
            exc = _wire_error(refusal)
            headers = dict(cors)
            if exc.code == UNKNOWN_DICTIONARY:   # expected after a change: say it is no fault
                exc.operator = (f"application {app.name}: a page compressed its batch against"
                                " a shared dictionary this intake no longer gives (turned off,"
                                " or made again since the page loaded); capture.js sends it"
                                " again without - nothing is lost")
            if exc.app_id is None:   # the application whose batch it was: the log names it
                exc.app_id, exc.operator = app.id, exc.operator or f"application {app.name}"
            if exc.status == Status.TOO_MANY_REQUESTS:
                headers["Retry-After"] = "1"
            if isinstance(exc, Unread):   # the rest of its body: not read here
                headers["Connection"] = "close"
            return _error(exc, headers)
        except ClientDisconnect:   # cut off mid-body: nothing was stored
            return Response(status_code=int(Status.BAD_REQUEST))
        except Exception as exc:   # the store failed (disk full...): nothing acknowledged
            # (the system's refusal is the operator's to mend, not ours: no traceback)
            log.error("a batch for application %s was not stored: %s%s", app.name,
                      _why_not_stored(exc), "" if _system_refused(exc) else f"\n{_where(exc)}")
            return _error(WireError(Status.UNAVAILABLE, "not_stored",
                                    "the batch was not stored (see the intake's log) - send it"
                                    " again later"), cors)
        # stored under the session id as sent (`wire.decode_request` refuses one unsafe for
        # a file name)
        return JSONResponse({"accepted": len(batch.events)}, status_code=int(Status.ACCEPTED),
                            headers=cors)

    async def preflight(request: Request) -> Response:
        # answered for any origin and application: the POST after it is what refuses an
        # unknown app or a foreign origin (before reading its body, nothing stored), with a
        # reason the page can read - a refused preflight reaches a page as a network error
        headers = _cors(request)
        headers.update({"Access-Control-Allow-Methods": "POST, OPTIONS",
                        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                        "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_S)})
        return Response(status_code=int(Status.NO_CONTENT), headers=headers)

    async def dictionary(request: Request) -> Response:
        # the application's shared dictionary (dictionary.py): capture.js compresses its
        # bodies against it. Checked as a batch is (application, origin, token); it holds the
        # site's pages as anyone is served them, so the public token may read it
        cors = _cors(request)
        try:
            app = _application(intake, request)
            _authenticate(intake, app, request)
        except WireError as exc:
            return _error(exc, cors)
        data = await run_in_threadpool(intake.shared_dictionary, app)
        headers = dict(cors, **{"Cache-Control": "no-cache"})
        if data is None:
            return Response(status_code=int(Status.NO_CONTENT), headers=headers)
        etag = f'"{dictionary_id(data):08x}"'
        headers["ETag"] = etag
        match = request.headers.get("if-none-match")
        if match is not None and _etag_matches(match, (etag,)):
            return Response(status_code=int(Status.NOT_MODIFIED), headers=headers)
        return Response(data, media_type="application/octet-stream", headers=headers)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})   # (nothing of the host: anyone may ask)

    script = CaptureScript(capture_script())   # read once per worker

    async def capture_js(request: Request) -> Response:
        return script.response(request)

    async def index(request: Request) -> Response:
        return HTMLResponse(_install_page(str(request.base_url).rstrip("/"), demo is not None,
                                          intake.public_command(), script.version))

    shop, pages = Shop(), page_names()

    async def demo_page(request: Request) -> Response:
        if demo is None:
            return HTMLResponse(_demo_off(intake.public_command()), status_code=404)
        name = request.path_params.get("name") or "index.html"
        if name not in pages:
            return HTMLResponse("no such page in the demo shop", status_code=404)
        if name.endswith(".html"):
            base = str(request.base_url).rstrip("/")
            return HTMLResponse(install(name, base, demo), headers={"Cache-Control": "no-store"})
        return Response((PAGES / name).read_bytes(), media_type=mimetypes.guess_type(name)[0],
                        headers={"Cache-Control": "no-store"})

    async def demo_api(request: Request) -> Response:
        if demo is None:
            return JSONResponse({"error": "demo_off",
                                 "message": _demo_hint(intake.public_command())}, status_code=404)
        path = request.path_params["path"]
        if request.method == "POST":
            try:
                body = json.loads(await request.body() or b"{}")
            except ValueError:
                body = {}
            answer = shop.post(path, body)
        else:
            answer = shop.get(path, dict(request.query_params))
        await asyncio.sleep(answer.delay_s)
        return JSONResponse(answer.body, status_code=answer.status,
                            headers={"Cache-Control": "no-store"})

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        task = asyncio.create_task(_compact_now_and_then(intake))
        try:
            yield
        finally:
            task.cancel()
            intake.close()

    return Starlette(routes=[
        Route("/v1/events", events, methods=["POST"]),
        Route("/v1/events", preflight, methods=["OPTIONS"]),
        Route("/v1/dictionary", dictionary, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/capture.js", capture_js, methods=["GET"]),
        Route("/", index, methods=["GET"]),
        Route("/demo", lambda request: RedirectResponse("/demo/"), methods=["GET"]),
        Route("/demo/", demo_page, methods=["GET"]),
        Route("/demo/api/{path:path}", demo_api, methods=["GET", "POST"]),
        Route("/demo/{name}", demo_page, methods=["GET"]),
    ], lifespan=lifespan, exception_handlers={HTTPException: _routing_error})


async def _compact_now_and_then(intake: Intake) -> None:
    while True:
        await asyncio.sleep(COMPACT_EVERY_S)
        try:
            await run_in_threadpool(intake.after_quiet)
        except Exception:   # a bad session must not stop the intake; said in the log
            log.exception("compacting quiet sessions failed")


def _demo_hint(replay: str) -> str:
    return f"the demo shop is off - start the intake with `{replay} serve --demo`" + \
        _dir_said(replay)


def _demo_off(replay: str) -> str:
    hint = html.escape(_demo_hint(replay))
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Demo off</title></head>
<body style="font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto">
<p>{hint[0].upper() + hint[1:]}: it serves a demo shop here with
capture.js installed, sending its sessions to this intake. <a href="/">How to install capture</a></p>
</body></html>"""


def _demo_section(b: str, on: bool, replay: str) -> str:
    """With --demo, first on the page: the way to see capture running; else, how to."""
    if not on:
        return (f"<p class=\"hint\">To see capture.js running on a demo shop at"
                f" <code>{b}/demo/</code>, start this intake with"
                f" <code>{replay} serve --demo</code>.</p>")
    return f"""<div class="demo"><p><b>See it running.</b> This intake serves a demo shop with
capture.js installed, sending each visit here as application <code>{DEMO_APP}</code>; a badge
on its pages counts the events sent. Browse, search, fill in the checkout (card, email and
password are masked in the browser), then <code>{replay} sessions</code> lists your visit and
<code>{replay} play SESSION</code> replays it.</p>
<p><a class="button" href="{b}/demo/">Open the demo shop</a></p></div>"""


def _snippet(b: str, version: str) -> str:
    """What a site puts in its pages (HTML-escaped; `b`: this intake's base URL, escaped):
    capture.js loaded async, started in its onload - an intake that is down or hangs never
    breaks or blocks the site (README: a blocking script, as an option, with its warning) -
    and the page's uncaught errors and console lines kept until it has (capture.js:
    pastErrors; recorder.paths.early_keeper, record mode's too), the console still printing
    them, and the closed shadow roots attached meanwhile."""
    keeper = textwrap.indent(html.escape(early_keeper(), quote=False), "    ")
    return f"""&lt;script&gt;
  (function (w, s) {{
{keeper}    s.async = true;
    s.src = "{b}/capture.js?v={version}";
    s.onload = function () {{
      window.ReplayCapture &amp;&amp; ReplayCapture.start({{
        intake: "{b}",
        app: "APP_ID", token: "CLIENT_TOKEN", rules: null /* RULES */,
        user: null /* the signed-in visitor: {{id, name, email}} */}});
    }};
    document.head.appendChild(s);
  }})(window, document.createElement("script"));
&lt;/script&gt;"""


# the data folder, in the commands the intake's public answers give: a placeholder a shell
# refuses as typed (`replay --data DIR app create`, pasted as is, made a new folder ./DIR
# that the running server does not read - every page was then refused, unknown_app)
DATA_DIR = "<DATA>"


def _dir_said(command: str) -> str:
    """What DIR is, after a public answer's command that has it (`Intake.public_command`)."""
    return f" ({DATA_DIR}: its data folder)" if DATA_DIR in command else ""


def _install_page(base: str, demo_on: bool = False, replay: str = "replay",
                  version: str | None = None) -> str:
    """The install page; `replay`: the command as a person types it on the intake's machine
    (`Intake.public_command`); `version`: the served capture.js's (`CaptureScript.version`;
    by default, of the script as it is on disk now)."""
    if version is None:
        version = CaptureScript(capture_script()).version
    # (not the folder itself: anyone who can reach the server may load this page)
    where = f"<p class=hint><code>{html.escape(DATA_DIR)}</code> in the commands below: put" \
            " this server's data folder in its place (its <code>--data</code>, named in the" \
            " line <code>replay serve</code> printed as it started).</p>" \
        if DATA_DIR in replay else ""
    b, replay = html.escape(base), html.escape(replay)
    demo = _demo_section(b, demo_on, replay)
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Session Replay intake</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}}
pre{{background:#f4f4f4;padding:.8rem;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere}}
.demo{{background:#eef3ff;border:1px solid #c9d7f5;border-radius:8px;padding:0 1rem}}
.button{{display:inline-block;background:#2754c5;color:#fff;text-decoration:none;font-weight:600;
padding:.35rem .9rem;border-radius:6px}}
.hint{{color:#555}}</style></head><body>
<h1>Session Replay intake</h1>
<p>This server stores the sessions of your site's visitors, masked under your privacy rules
before anything reaches disk.</p>
{demo if demo_on else ""}
{where}
<ol>
<li>Create an application for your site (once), on the machine that runs this server:
<pre>{replay} app create my-shop --origin https://shop.example.com</pre>
It prints the application id and its client token.</li>
<li>Add capture to every page, in <code>&lt;head&gt;</code>:
<pre>{_snippet(b, version)}</pre>
It loads without holding the page up and starts once loaded: if this server is down or slow,
your site works as before, without capture (it may miss requests the page makes before it
loads; a plain, blocking <code>&lt;script src&gt;</code> sees them, but holds every page up while
this server is slow - the README shows it).
<code>RULES</code>, in place of <code>null</code>, is what <code>{replay} app rules my-shop
--json</code> prints: the page then masks as this server does, before anything leaves it (as
<code>null</code>, the page masks with the built-in rules, and this server masks again with
yours).</li>
<li>Find the sessions: <code>{replay} sessions</code>, and watch one as it happens:
<code>{replay} play SESSION --follow</code>.</li>
</ol>
<p>Images and fonts: a recording keeps your pages' markup and CSS, not the pictures they
name. Once a visit has been quiet for {INACTIVITY_MS // 60_000} minutes, this server fetches the images and fonts its
pages referenced - from your application's own origins only, without cookies, never an image the
privacy rules mask - so the player shows them (<code>{replay} serve --no-assets</code>: never).</p>
<p>Fewer bytes from a public site: <code>{replay} app dictionary my-shop --on</code> lets this
server make a shared dictionary of the site's public pages (those its front page links to, as
anyone is served them, masked under your rules), which the pages compress their batches
against (on the demo shop, about half the bytes). Off until you turn it on; <code>{replay} app dictionary
my-shop --strings</code> shows every string it holds.</p>
<p>Batches go to <code>POST {b}/v1/events?app=APP_ID</code> with
<code>Authorization: Bearer CLIENT_TOKEN</code>; health: <code>{b}/healthz</code>.</p>
{"" if demo_on else demo}
</body></html>
"""


def app_from_env() -> Starlette:
    """The ASGI app of one `replay serve` worker, configured by `CONFIG_ENV` (JSON)."""
    from ..privacy import ActiveRules
    from ..said import say_on_stderr
    _end_with_parent()
    # each worker says its refusals and arrivals as the command does (a worker process of
    # --workers N had no handler: its lines came bare, without `replay: warning:`)
    say_on_stderr(logging.INFO)
    logging.getLogger(__package__).setLevel(logging.INFO)
    cfg: dict[str, Any] = json.loads(os.environ[CONFIG_ENV])
    rules = ActiveRules(cfg.get("rules"), cfg["data"])   # `mask --activate` reaches it
    limits = Limits(**cfg["limits"]) if cfg.get("limits") else None
    demo = DemoApp(**cfg["demo"]) if cfg.get("demo") else None
    app = create_app(Intake(Path(cfg["data"]), rules, limits=limits,
                            max_pending=cfg.get("max_pending", MAX_PENDING),
                            assets=cfg.get("assets", True),
                            body_timeout_s=cfg.get("body_timeout", BODY_TIMEOUT_S),
                            read_budget_bytes=cfg.get("read_budget", READ_BUDGET_BYTES)), demo)
    tune_gc()
    return app


PR_SET_PDEATHSIG = 1   # prctl(2): the signal a process gets when its parent dies


def _end_with_parent() -> None:
    """A worker of `replay serve --workers N` ends when the process that started it does:
    killed with -9, it left its workers serving on the port as orphans, and a new `replay
    serve` found the port in use (an operator's tryout). Linux's parent-death signal (its
    default action ends the process); elsewhere nothing is asked."""
    import ctypes
    import multiprocessing
    import signal
    parent = multiprocessing.parent_process()
    if parent is None:   # `--workers 1`: the server itself
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):   # not Linux
        return
    prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    if os.getppid() != parent.pid:   # it died before the request was made (while this
        os.kill(os.getpid(), signal.SIGTERM)   # worker started)


def tune_gc() -> None:
    """The collector of a process that keeps live sessions' DOMs (see GC_YOUNG_EVERY)."""
    _, every_young, every_middle = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_EVERY, every_young, every_middle)
    gc.freeze()   # what the worker loaded (modules, rules) is never garbage: not walked again
