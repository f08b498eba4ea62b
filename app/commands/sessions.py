"""`replay sessions [--json] [--search TEXT] [--user U] [--url S] [--errors] [--frustration]
[--min-duration D] [--max-duration D] [--since T]` - the index, with each session's bug title;
`--search`, `--frustration` and the durations narrow it as the app's search box and facets do
(`browser_model.Catalog.filter`, the same tests on the same rows)."""
from __future__ import annotations

import argparse
import json
import math
import re
import textwrap
import time
from datetime import datetime

import msgspec
from rich import box
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from player.local_time import when_text
from recorder.bug import from_context
from recorder.moments import Unit, moment_text
from recorder.store import PARTIAL, SHOWN_CUT, split_tag

from ..browser_model import (LIVE_MARK, NO_TEXTS, Catalog, Query, elide_middle, elide_url,
                             make_row, unsearched_said)
from ..ids import is_generated, short_ids
from ..cli import UserError, say_note
from ._progress import output_console
from ._store import open_existing_store
from ._words import count

NAME = "sessions"
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def register(subparsers, common) -> None:
    p = subparsers.add_parser(NAME, parents=[common], help="list stored sessions",
                              description="List the sessions in the data folder, newest first.")
    p.add_argument("--json", action="store_true", help="print a JSON array (each session's"
                                                       " row, its bug \"title\" or null, and"
                                                       " \"live\": whether `replay serve` may"
                                                       " still be storing it)")
    p.add_argument("--search", metavar="TEXT", default=None, type=_words,
                   help="as the app's search box: every word of TEXT (any case) is in the"
                        " session's id, user, bug title, application, page URLs or errors,"
                        " or is its id as this list shows it (8dda0c07_partial)")
    p.add_argument("--user", metavar="U", type=_words,
                   help="user id, name or email contains U")
    p.add_argument("--url", metavar="S", type=_words,
                   help="a page URL of the session contains S")
    p.add_argument("--errors", action="store_true", help="only sessions with errors")
    p.add_argument("--frustration", action="store_true",
                   help="only sessions with frustrated clicks (rage, dead or error clicks), as"
                        " the app's \"Frustrated clicks\" box")
    p.add_argument("--min-duration", metavar="D", type=parse_span,
                   help="only sessions at least D long as their Duration shows it (90s, 5m,"
                        " 1h)")
    p.add_argument("--max-duration", metavar="D", type=parse_span,
                   help="only sessions at most D long (90s, 5m, 1h)")
    p.add_argument("--since", metavar="T", type=parse_since,
                   help="active since T: an ISO date/time (2026-11-24, 2026-11-24T09:30) or"
                        " a span back from now (30m, 2h, 7d, 1w)")
    p.add_argument("--app", dest="application", metavar="APP",
                   help="only this application (its name or id)")
    p.add_argument("--limit", type=positive_int, metavar="N", help="at most N sessions")
    p.set_defaults(func=run)


def _words(text: str) -> str:
    """argparse type of a filter's text: not empty (`--user ""` - a shell variable left unset
    - listed every session without a word, a support engineer's tryout)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty text matches every session - give what to"
                                         " look for, or leave the option out to list them all")
    return text


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return n


_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)", re.IGNORECASE)


def parse_span(text: str) -> float:
    """argparse type of a length (`--min-duration 5m`): milliseconds, from a number and its
    unit as `--since` reads a span back (90s, 5m, 1.5h)."""
    m = _SPAN.fullmatch(text.strip())
    if m is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a length like 90s, 5m or 1h (a"
                                         " number and its unit: s, m, h, d or w)")
    return float(m.group(1)) * _UNITS[m.group(2).lower()] * 1000


def parse_since(text: str, now: float | None = None) -> float:
    """Epoch milliseconds for `--since`: ISO date/time (local time unless it says
    otherwise) or a relative span like 2h / 7d."""
    t = text.strip()
    m = _SPAN.fullmatch(t)
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


def _own_title(context: dict | None) -> str | None:
    """A session's bug report's own title, None without one."""
    report = from_context(context)
    return report.title or None if report is not None else None


def run(args: argparse.Namespace) -> int:
    from recorder.intake.apps import AppError
    from recorder.intake.live import application_id, application_names
    asked = args.application
    try:
        if args.application:
            args.application = application_id(args.data, args.application)
            apps = application_names(args.data)
        names = application_names(args.data) if args.search else {}
    except AppError as exc:
        raise UserError(str(exc)) from None
    if None not in (args.min_duration, args.max_duration) and \
            args.min_duration > args.max_duration:
        raise UserError("--min-duration is longer than --max-duration: no session can be both"
                        " - give the shorter length to --min-duration")
    store = open_existing_store(args.data)
    # what the index cannot answer is tested on the rows, as the app's list tests them
    # (Catalog.filter), before --limit cuts them
    narrowed = Query(text=args.search or "", has_frustration=args.frustration,
                     min_duration_ms=args.min_duration, max_duration_ms=args.max_duration)
    narrowing = narrowed != Query()
    try:
        filters = dict(user=args.user, url=args.url,
                       has_errors=True if args.errors else None, since_ms=args.since,
                       application=args.application)
        infos = store.sessions(**filters, limit=None if narrowing else args.limit)
        # "5 sessions" under --limit 5 hid that 300 match: the header says "5 of 300"
        matching = len(infos) if narrowing or args.limit is None or len(infos) < args.limit \
            else store.index.count_sessions(**filters)
        # an --app that is no application (and no label a session was imported with, `import
        # --app`) is a mistake to say, not "no sessions match"
        if asked and not infos and args.application not in apps \
                and not store.sessions(application=args.application, limit=1):
            raise UserError(f"no application has the name or id {asked!r} - `replay app list`"
                            " shows them")
        # the app's rows: the bug title, and (to search) the page URLs and errors
        texts = store.index.browse_texts() if args.search else {}
        # sessions an older release stored: searched without their words until repaired
        unsearched = len(store.index.unsearched()) if args.search else 0
        # those `replay serve` may still be storing, marked as the app marks them
        live = store.live_ids()
    finally:
        store.close()
    if unsearched:
        say_note(unsearched_said(unsearched, f"replay --data {args.data} repair"))
    rows = Catalog([make_row(info, texts.get(info.id, NO_TEXTS), names.get(info.application or ""),
                             live=info.id in live)
                    for info in infos],
                   stored_ids=store.stored_ids).filter(narrowed)
    if narrowing:
        matching = len(rows)
    rows = rows[:args.limit]
    if args.json:
        # (the report's own title: a listed "(untitled) at 0:58.6" is none)
        print(json.dumps([{**msgspec.to_builtins(r.info), "title": _own_title(r.info.context),
                           "live": r.live} for r in rows], indent=1))
        return 0
    console = output_console()
    if not rows:
        console.print("no sessions" + (" match" if any(
            (args.user, args.url, args.errors, args.since, args.application, narrowing)) else
            f" in {args.data} - add some with `replay import FILE`"))
        return 0
    titles = [r.title for r in rows]
    lives = [r.live for r in rows]
    rows = [r.info for r in rows]
    ids = short_ids([s.id for s in rows])
    cells = {
        "id": ids, "start": [when_text(s.start_ms) for s in rows],
        # so far, for a live one (marked as the app's list marks it)
        "duration": [(LIVE_MARK if on else "") + moment_text(s.duration_ms, Unit.SECOND)
                     for s, on in zip(rows, lives)],
        "user": [s.who or "" for s in rows],
        "bug": titles,
        "first URL": [elide_url(s.first_url or "", math.inf, cell_len) for s in rows],
        "views": [str(s.view_count) for s in rows],
        "errors": [f"{s.error_count:,}" for s in rows],
        "frustr.": [f"{s.frustration_count:,}" for s in rows],
        "events": [_events(s) for s in rows],
        "size": [_size(s.bytes) for s in rows]}
    shown, sized = _fit(cells, console.width)
    # as the app's list cuts them (the same rules, in terminal cells): a URL's host and its
    # path's end, a user's start and end
    cells["first URL"] = [elide_url(s.first_url or "", sized["first URL"], cell_len) for s in rows]
    cells["user"] = [elide_middle(u, sized["user"], cell_len) for u in cells["user"]]
    dropped = [c for c, _ in _COLUMNS if c not in shown and any(cells[c])]
    said = []
    if any(lives):
        said.append(f"{LIVE_MARK.strip()} live: `replay serve` may still be storing it - `replay"
                    " play SESSION --follow` watches it grow")
    if any(is_generated(s.id) for s in rows):
        said.append("ids shortened to a unique prefix (any command accepts one)")
        if any(i != s.id and split_tag(s.id)[1] for i, s in zip(ids, rows)):
            said[-1] = ("ids shortened to a unique prefix, tag kept (PREFIX_TAG): any command"
                        " takes them")
    if any(SHOWN_CUT in i for i in ids):
        said.append(f"a long name is cut in the middle ({SHOWN_CUT}): give it as shown, or its"
                    " start")
    if dropped:
        said.append("not shown at this width: " + ", ".join(dropped))
    caption = footer_lines(said, "--json for full rows", console.width)
    widths = {c: sized[c] if c in sized else _width(c, cells[c]) for c in shown}
    widths["id"] = min(widths["id"], console.width)   # (folded, when the terminal is narrower)
    # title and footer as plain lines: a table caption is cut, not wrapped, at its width
    shown_of = count(len(rows), "session") if matching == len(rows) else \
        f"{len(rows):,} of {matching:,} sessions (--limit {args.limit})"
    console.print(f"{shown_of} in {args.data}", highlight=False, markup=False)
    # the rows a chunk at a time, each chunk a table of the same fixed widths (no cell
    # measured by rich): 8,000 sessions printed nothing for 5.6 s, then all at once
    for first in range(0, len(rows), TABLE_CHUNK):
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False,
                      show_header=first == 0)
        for col, just in _COLUMNS:
            if col in shown:
                table.add_column(col, justify=just, no_wrap=col != "id",
                                 overflow="fold" if col == "id" else "ellipsis",
                                 width=widths[col], min_width=widths[col])
        for i in range(first, min(first + TABLE_CHUNK, len(rows))):
            s = rows[i]
            styled = {"errors": "red" if s.error_count else None,
                      "events": "yellow" if (s.context or {}).get(PARTIAL) else None}
            table.add_row(*(Text(cells[c][i], style=styled.get(c) or "")
                            for c, _ in _COLUMNS if c in shown))
        console.print(table)
    # (lines that fit already: rich wrapping them again would break them anywhere)
    console.print("\n".join(caption), style="dim", highlight=False, markup=False,
                  soft_wrap=True)
    return 0


FOOTER_INDENT = "  "   # a note's lines after its first, so that none reads as a new note


def footer_lines(notes: list[str], last: str, width: int) -> list[str]:
    """The notes under the table in `width` cells: a note a line (one sentence run into the
    next read as "...PREFIX_TAG); not / shown at"), a note too long for the width wrapped at
    its words and its later lines indented (rich cut `... PREFIX or` / `PREFIX_TAG)` as if a
    new note began there); `last` ends the last note's line when it fits, else has its own."""
    lines: list[str] = []
    for note in notes:
        lines += textwrap.wrap(note, width, subsequent_indent=FOOTER_INDENT,
                               break_on_hyphens=False) or [note]
    if lines and cell_len(f"{lines[-1]}; {last}") <= width:
        lines[-1] = f"{lines[-1]}; {last}"
    else:
        lines.append(last)
    return lines


# Columns left to right. The table fits the width by giving up the least useful first:
# 1. the first URL is shortened (down to _URL_MIN), then a bug title (down to _TITLE_MIN)
#    and a user (down to _USER_MIN, cut in the middle as the app's list cuts it: an email
#    keeps its domain) - a search by user dropped the user for a whole title;
# 2. then whole columns go, in _DROP order, down to the id alone: an id is never cut (one cut
#    again names no session: a support engineer copies it into the next command), nor its
#    header; an id wider than the whole terminal is folded onto a second line, not cut.
# A bug title (the app's Bug column) longer than _TITLE_MAX is cut (…); --json has it whole.
_COLUMNS = (("id", "left"), ("start", "left"), ("duration", "right"), ("user", "left"),
            ("bug", "left"), ("first URL", "left"), ("views", "right"), ("errors", "right"),
            ("frustr.", "right"), ("events", "right"), ("size", "right"))
_DROP = ("views", "size", "frustr.", "first URL", "user", "bug", "events", "duration", "errors",
         "start")
_URL_MIN, _URL_MAX = 16, 48
TABLE_CHUNK = 200    # rows printed per table: the first appear at once on a large folder
_TITLE_MIN, _TITLE_MAX = 16, 32
_USER_MIN = 16
_GAP = 3             # cells between columns (SIMPLE_HEAD: a pad, the blank divider, a pad)


def _width(col: str, values: list[str]) -> int:
    widest = max([cell_len(col), *map(cell_len, values)])
    return min(widest, _TITLE_MAX) if col == "bug" else widest


def _fit(cells: dict[str, list[str]], width: int) -> tuple[list[str], dict[str, int]]:
    """The columns to show within `width`, and the widths of those that shrink to fit (the
    first URL, the bug title, the user). A column empty in every row (no user was
    identified) is not shown at all."""
    shown = [c for c, _ in _COLUMNS if any(cells[c])]
    full = {"first URL": min(_width("first URL", cells["first URL"]), _URL_MAX),
            "bug": _width("bug", cells["bug"]), "user": _width("user", cells["user"])}
    least = {"first URL": min(full["first URL"], _URL_MIN), "bug": min(full["bug"], _TITLE_MIN),
             "user": min(full["user"], _USER_MIN)}

    def need(cols: list[str], sized: dict[str, int]) -> int:
        return sum(sized[c] if c in sized else _width(c, cells[c]) for c in cols) + \
            _GAP * (len(cols) - 1)
    for col in (None, *_DROP):
        if col in shown:
            shown.remove(col)
        if need(shown, least) <= width:
            break
    # what is left goes to the user, then the title (whole up to its cap), then the URL
    sized = dict(least)
    for col in ("user", "bug", "first URL"):
        if col in shown:
            sized[col] = max(least[col], min(full[col], width - need(shown, {**sized, col: 0})))
    return shown, sized


def _events(s) -> str:
    """The event count; a session stored from a damaged file (`import --partial`) says so."""
    n = f"{s.record_count:,}"
    return f"{n} partial" if (s.context or {}).get(PARTIAL) else n


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return ""  # pragma: no cover
