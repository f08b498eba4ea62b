"""`replay serve [--host --port --workers N --rules FILE]` - the live intake (Starlette under
uvicorn). Each worker is its own process; they share the data folder safely (the store
locks a session while it appends). Access logs are off: a sendBeacon URL carries a token."""
from __future__ import annotations

import argparse
import errno
import json
import os
import shlex
import socket
import sys

from ..cli import INTERRUPTED, UserError, say_note
from ._source import rules_error, say_other_rules
from ._store import no_data_folder, refuse_other_folder, say_new_data_folder, unwritable

NAME = "serve"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8484
MAX_WORKERS = 64
KEEP_ALIVE_S = 15   # an idle connection is closed after this (a page sends every 5 s)


def register(subparsers, common) -> None:
    p = subparsers.add_parser(
        NAME, parents=[common], help="receive live sessions over HTTP (the intake)",
        description="Serve the intake: pages send their sessions to POST /v1/events, they are"
                    " masked and stored in the data folder. Create an application first with"
                    " `replay app create NAME`.")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help="address to listen on (default %(default)s; 0.0.0.0 for every"
                        " interface - better behind a reverse proxy)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help="port (default %(default)s)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="worker processes (default 1; about one per core)")
    p.add_argument("--rules", metavar="FILE",
                   help="privacy rules for applications without their own (default: the data"
                        " folder's active rules)")
    p.add_argument("--max-pending", type=int, default=None, metavar="N",
                   help="batches one worker holds at once before answering 429 (default 64;"
                        " a body still arriving is not one)")
    p.add_argument("--body-timeout", type=float, default=None, metavar="S",
                   help="seconds a batch's body may go without a byte arriving (and, past"
                        " them, how long it may arrive slower than 8 KB/s on average), else"
                        " it is refused (408) and its connection closed (default 10)")
    p.add_argument("--header-timeout", type=float, default=None, metavar="S",
                   help="seconds a request's head (its line and headers, at most 64 KB) has to"
                        " arrive whole, else it is refused (408) and its connection closed"
                        " (default 10)")
    p.add_argument("--no-assets", action="store_true",
                   help="never fetch anything: by default, once a session goes quiet, the images"
                        " and fonts its page referenced are fetched from its application's"
                        " origins (and no other) so the player shows them, and the pages its"
                        " sessions visit most are fetched (as anyone is served them) for the"
                        " shared dictionary capture.js compresses against")
    p.add_argument("--demo", action="store_true",
                   help="also serve a demo shop at /demo/ with capture.js installed, sending"
                        " its visits here as application 'demo' (created on first use)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from recorder.intake.app import BODY_TIMEOUT_S, CONFIG_ENV, MAX_PENDING
    from recorder.intake.http import HEAD_TIMEOUT_S
    from recorder.privacy import RulesError, load_rules

    if not 1 <= args.workers <= MAX_WORKERS:
        raise UserError(f"--workers {args.workers}: give 1 to {MAX_WORKERS} worker processes")
    if not 0 < args.port < 65536:
        raise UserError(f"--port {args.port}: give a port from 1 to 65535")
    if args.max_pending is not None and args.max_pending < 1:
        raise UserError(f"--max-pending {args.max_pending}: give 1 or more")
    for option in ("body_timeout", "header_timeout"):
        value = getattr(args, option)
        if value is not None and not 0 < value <= 3600:
            raise UserError(f"--{option.replace('_', '-')} {value:g}: give seconds, more than 0"
                            " and at most 3600")
    if not args.data.is_dir() and (args.data.exists() or not args.demo):
        # a typo in --data would serve an empty folder: no application, every page refused
        # (--demo makes its own application, so it may start on a new folder)
        raise UserError(no_data_folder(args.data, "create an application first (`replay --data"
                                                  f" {shlex.quote(str(args.data))} app create"
                                                  " NAME`)"))
    refuse_other_folder(args.data, making=args.demo)   # (--demo would make it a data folder)
    try:
        given = load_rules(args.rules, args.data)   # a mistake is said before listening
    except RulesError as exc:
        raise rules_error(exc, "then start the intake again") from None
    if args.rules is not None:   # a looser file stores in clear what the folder's rules mask
        say_other_rules("what applications without rules of their own send", args.data, given,
                        lands="is stored")
    _check_port(args.host, args.port)
    from recorder.ingest import batch_key
    from recorder.intake.apps import AppError, Applications
    from recorder.paths import SEGMENTS_DIR, make_data_folder
    if not args.data.is_dir():   # (--demo only) private to its owner, and said, as every
        make_data_folder(args.data)   # command that makes one does
        say_new_data_folder(args.data, "the demo's visits are stored there")
    # once here, before the workers: a damaged index is one line (and `replay repair`), and
    # what a crash left behind is cleaned up by one process rather than by each worker
    from recorder.store import LOCKS_DIR, Store
    # a folder the intake cannot write answered every batch 503 with a traceback in the log
    # (an operator's tryout; the index's open alone passes where its log files exist)
    refused = unwritable(args.data, (SEGMENTS_DIR, LOCKS_DIR))
    if refused is not None:
        raise UserError(f"the data folder {args.data} cannot be written ({refused}) - the intake"
                        " stores what pages send there: let its user write the folder, or give"
                        " another --data")
    Store.open(args.data).close()
    try:   # (a damaged applications file: one line here, not each worker failing on start)
        apps = Applications(args.data)
        try:
            has_apps = any(not a.revoked for a in apps.list())
        finally:
            apps.close()
    except AppError as exc:
        raise UserError(str(exc)) from None
    demo = _demo_app(args.data) if args.demo else None
    if not has_apps and demo is None:   # (a typo'd --data that exists: pages all refused)
        say_note(f"no application in {args.data} takes sessions yet (none, or each"
                 " revoked): every page is refused until one is created (`replay --data"
                 f" {shlex.quote(str(args.data))} app create NAME`, or `app token NAME` for a"
                 " revoked one; the intake takes it without a restart)")
    os.environ[CONFIG_ENV] = json.dumps({
        "data": str(args.data.resolve()),
        "rules": str(os.path.abspath(args.rules)) if args.rules else None,
        "max_pending": args.max_pending or MAX_PENDING,
        "body_timeout": args.body_timeout or BODY_TIMEOUT_S,
        "header_timeout": args.header_timeout or HEAD_TIMEOUT_S,
        "assets": not args.no_assets,
        "demo": demo.to_json() if demo else None})
    batch_key()   # one key for every worker's batch digests, in their environment only
    # (and for their journal of values typed into masked fields: an earlier server's, sealed
    # with a key that died with it, goes - recorder.intake.typed_journal)
    from recorder.intake.typed_journal import TypedJournal
    TypedJournal.clear(args.data)
    import uvicorn
    print(f"replay: intake on {http_address(args.host, args.port)} ({args.workers} worker"
          f"{'s' if args.workers > 1 else ''}, data {args.data}"
          + ("; nothing is fetched from the sites (--no-assets)" if args.no_assets
             else "; images of quiet sessions and pages for shared dictionaries fetched from"
                  " their application's origins")
          + "); Ctrl+C stops it", file=sys.stderr, flush=True)
    if demo:
        print(f"replay: the demo shop is at {http_address(args.host, args.port)}/demo/ (application"
              f" demo)", file=sys.stderr, flush=True)
    # httptools (uvicorn's C parser) with each request's head bounded (recorder/intake/http.py:
    # unbounded, one endless header grew a worker to 900 MB); a page sends a batch every 5 s,
    # so its connection is kept for the next one (uvicorn's default, 5 s, raced it)
    config = uvicorn.Config("recorder.intake.app:app_from_env", factory=True, host=args.host,
                            port=args.port, workers=args.workers, access_log=False,
                            log_level="warning", server_header=False,
                            http="recorder.intake.http:BoundedHttpToolsProtocol",
                            timeout_keep_alive=KEEP_ALIVE_S)
    interrupted = _serve(config)
    print("replay: intake stopped", file=sys.stderr, flush=True)
    return INTERRUPTED if interrupted else 0


def _serve(config) -> bool:
    """Serve until stopped, as `uvicorn.run` does (which answers Ctrl+C and SIGTERM alike,
    returning as if nothing happened: `replay serve` exited 0, silently); whether Ctrl+C
    (SIGINT) stopped it. A server that could not start exits as uvicorn.run does."""
    import signal

    from uvicorn import Server
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess

    if config.workers > 1:
        supervisor = Multiprocess(config, sockets=[config.bind_socket()])
        said_int = supervisor.handle_int   # (its signals are queued, then handled by name)
        got: list[int] = []

        def handle_int() -> None:
            got.append(signal.SIGINT)
            said_int()
        supervisor.handle_int = handle_int
        supervisor.init_processes = _quiet_to_ctrl_c(supervisor.init_processes)
        supervisor.run()
        return bool(got)
    config.load_app()
    server = Server(config=config)
    got: list[int] = []

    def heard(sig, frame) -> None:   # (the signals the server stops on, as they come)
        # as uvicorn's own handler does, but the signal is not raised again once the server
        # has stopped: SIGTERM (systemd's stop) then killed the process before it said it
        # stopped - exit 143, silent, where two workers said so and exited 0
        got.append(sig)
        if server.should_exit and sig == signal.SIGINT:
            server.force_exit = True   # a second Ctrl+C: stop without waiting
        server.should_exit = True
    server.handle_exit = heard   # type: ignore[method-assign]
    try:
        server.run()
    except KeyboardInterrupt:   # (one before the server listened for it)
        return True
    if not server.started:
        sys.exit(STARTUP_FAILURE)   # as uvicorn.run exits
    return signal.SIGINT in got


def _quiet_to_ctrl_c(start):
    """`start` (the workers' spawning) with SIGINT blocked: a process begins with its parent's
    signal mask, so a worker that was still importing when Ctrl+C reached the process group
    no longer prints a KeyboardInterrupt traceback of its own (CI, two workers) - this
    process hears it (pending meanwhile, not lost) and stops the workers with SIGTERM.
    multiprocessing's resource tracker, started with the first worker, unblocks SIGINT as it
    starts itself: it is started first."""
    import signal

    def quietly() -> None:
        if not hasattr(signal, "pthread_sigmask"):   # (Windows: no process groups to reach)
            return start()
        from multiprocessing import resource_tracker
        resource_tracker.ensure_running()
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            start()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    return quietly


def http_address(host: str, port: int) -> str:
    """The server's address as a browser takes it (an IPv6 address in brackets)."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _demo_app(data):
    from recorder.intake.apps import AppError
    from recorder.intake.demo import demo_app
    try:
        return demo_app(data)
    except AppError as exc:
        raise UserError(f"--demo: {exc}") from None


def _check_port(host: str, port: int) -> None:
    """A port already taken, or an address not ours, is one line, before any worker starts."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UserError(f"--host {host}: {exc.strerror} - give an address of this machine")
    family, kind, proto, _, addr = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UserError(f"port {port} on {host} is in use - stop what listens there,"
                                " or pick another with --port") from None
            raise UserError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
