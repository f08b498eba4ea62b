"""`replay sessions [--json] [--user U] [--url S] [--errors] [--since T]` - the index."""
from __future__ import annotations

import argparse
import json
import math
import re
import time
from datetime import datetime, timezone

import msgspec
from rich import box
from rich.console import Console
from rich.table import Table

from recorder.store import PARTIAL

from ..cli import UserError
from ._store import open_existing_store

NAME = "sessions"
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def register(subparsers, common) -> None:
    p = subparsers.add_parser(NAME, parents=[common], help="list stored sessions",
                              description="List the sessions in the data folder, newest first.")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.add_argument("--user", metavar="U", help="user id, name or email contains U")
    p.add_argument("--url", metavar="S", help="a page URL of the session contains S")
    p.add_argument("--errors", action="store_true", help="only sessions with errors")
    p.add_argument("--since", metavar="T", type=parse_since,
                   help="active since T: an ISO date/time (2026-11-24, 2026-11-24T09:30) or"
                        " a span back from now (30m, 2h, 7d, 1w)")
    p.add_argument("--app", dest="application", metavar="APP_ID", help="only this application")
    p.add_argument("--limit", type=positive_int, metavar="N", help="at most N sessions")
    p.set_defaults(func=run)


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return n


def parse_since(text: str, now: float | None = None) -> float:
    """Epoch milliseconds for `--since`: ISO date/time (local time unless it says
    otherwise) or a relative span like 2h / 7d."""
    t = text.strip()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)", t, re.IGNORECASE)
    if m:
        now = time.time() if now is None else now
        return (now - float(m.group(1)) * _UNITS[m.group(2).lower()]) * 1000
    try:
        dt = datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither an ISO date (2026-11-24, 2026-11-24T09:30) nor a span"
            " like 30m, 2h, 7d") from None
    if dt.tzinfo is None:
        dt = dt.astimezone()  # naive: local time
    return dt.timestamp() * 1000


def run(args: argparse.Namespace) -> int:
    store = open_existing_store(args.data)
    try:
        rows = store.sessions(user=args.user, url=args.url,
                              has_errors=True if args.errors else None, since_ms=args.since,
                              application=args.application, limit=args.limit)
    finally:
        store.close()
    if args.json:
        print(json.dumps(msgspec.to_builtins(rows), indent=1))
        return 0
    console = Console()
    if not console.is_terminal:  # piped: no terminal width to fit, keep rows whole
        console = Console(width=200)
    if not rows:
        console.print("no sessions" + (" match" if any(
            (args.user, args.url, args.errors, args.since, args.application)) else
            f" in {args.data} - add some with `replay import FILE`"))
        return 0
    table = Table(title=f"{len(rows)} session(s) in {args.data}", box=box.SIMPLE_HEAD,
                  pad_edge=False,
                  caption="ids shortened to a unique prefix (any command accepts one);"
                          " --json for full rows")
    width = _prefix_len([s.id for s in rows])
    for col, just in (("id", "left"), ("start", "left"), ("duration", "right"),
                      ("user", "left"), ("first URL", "left"), ("views", "right"),
                      ("errors", "right"), ("frustr.", "right"), ("events", "right"),
                      ("size", "right")):
        flexible = col in ("first URL", "user")
        table.add_column(col, justify=just, no_wrap=True, overflow="ellipsis",
                         min_width=width if col == "id" else None,
                         max_width=(24 if col == "user" else 32) if flexible else None)
    for s in rows:
        table.add_row(
            s.id[:width], _when(s.start_ms), _duration(s.duration_ms),
            s.user_email or s.user_name or s.user_id or "", s.first_url or "",
            str(s.view_count), f"[red]{s.error_count}[/]" if s.error_count else "0",
            str(s.frustration_count), _events(s), _size(s.bytes))
    console.print(table)
    return 0


def _events(s) -> str:
    """The event count; a session stored from a damaged file (`import --partial`) says so."""
    n = f"{s.record_count:,}"
    return f"[yellow]{n} partial[/]" if (s.context or {}).get(PARTIAL) else n


def _prefix_len(ids: list[str], least: int = 8) -> int:
    """Shortest prefix length (at least `least`) that tells these ids apart."""
    n = least
    while n < max(map(len, ids)) and len({i[:n] for i in ids}) < len(set(ids)):
        n += 1
    return n


def _when(ms: float) -> str:
    """Local date and time; a stored value no calendar holds (an import from before
    timestamps were checked) shows as-is instead of failing the whole listing."""
    try:
        return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).astimezone() \
            .strftime("%Y-%m-%d %H:%M")
    except (ValueError, OverflowError, OSError):
        return f"? ({ms:g} ms)"


def _duration(ms: float) -> str:
    if not math.isfinite(ms) or ms < 0:
        return "?"
    s = int(ms // 1000)
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return ""  # pragma: no cover
