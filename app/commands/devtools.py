"""`replay devtools SESSION|FILE [--tab steps|errors|console|network|actions|performance] [--from T --to T] [--json]`
- the player's dev-tools pane on a terminal: a session's steps (with the errors the page reported
among them), its errors (grouped, with their stacks), its console, its requests, its actions or
its page views with their web vitals and long tasks (where the page froze), as the pane's tabs
list them, to read over SSH or paste into a ticket (a
support engineer's tryout found no way to get them as text). The rows are
the pane's own (player.qt.session_view) and said in its words (player.devtools_text); a
recording file is masked by the rules in force, as every command shows one."""
from __future__ import annotations

import argparse
import json

from typing import Callable, NamedTuple

from recorder.moments import Unit, moment_text

from ..cli import UserError
from ._progress import index_until
from ._source import (add_range_arguments, add_source_arguments, bug_report, error_moments,
                      moment_range, open_source, read_steps)
from ._words import count

NAME = "devtools"


def register(subparsers, common) -> None:
    p = subparsers.add_parser(
        NAME, parents=[common],
        help="print a tab of the dev-tools pane: steps, errors, console, network, actions,"
             " performance or session",
        description="Print a tab of the player's dev-tools pane for a session (id or unique"
                    " prefix) or recording file: its steps (a bug report's, else read from the"
                    " recording) with the errors the page reported among them, its errors"
                    " grouped, with their stacks (the default), its console, its network"
                    " requests, its actions, its page views with their web vitals and long"
                    " tasks (where the page did not respond) - each at its moment on the"
                    " player's clock - or the Session tab's facts: who, browser, OS, device,"
                    " viewport, when.")
    add_source_arguments(p)
    p.add_argument("--tab", choices=list(TABS), default="errors",
                   help="which tab (default: errors)")
    add_range_arguments(p, start_help="only what happened from T on",
                        end_help="... until T (an error's group counted within the range)")
    p.add_argument("--json", action="store_true",
                   help="the tab's rows as JSON, as the pane holds them (`t`: milliseconds"
                        " after the session's first event)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from player.qt.session_view import build_session_view
    from recorder.bug import from_context
    from player.replayer import Replayer

    ranged = args.start is not None or args.end is not None
    if ranged and args.tab == "session":
        raise UserError("--from/--to narrow a tab of moments; the session tab's facts have"
                        " none - leave them out")
    src = open_source(args.session, args.data, args.session_number,
                      rules=args.rules, unmasked=args.unmasked, partial=args.partial)
    try:
        r = Replayer(src, mode="lazy")
        try:
            index_until(r.index, None, "reading")   # the timeline: the whole recording's
            r.keep_index()   # (the next run takes it over)
            sv = build_session_view(r, src.info, src.application_name)
            span = moment_range(src, args.start, args.end, lambda: error_moments(r)) \
                if ranged else None
        finally:
            r.close()
        sid = src.id
        rows = rows_of(sv, args.tab, src) if span is None \
            else rows_between(sv, args.tab, src, span[0], span[1])
        unread = src.unread_said()
        report = from_context(src.info.context) if src.info is not None else None
    finally:
        src.close()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    if report is not None:   # a bug handed over: what the QA wrote first, as `play` says it
        for line in report.lines(with_steps=False):   # (its steps: the Steps tab's; read apart)
            print(line)
        print()
    tab = TABS[args.tab]
    listed, more = tab.tally(rows)
    # (what a segment not read held is not among them: "no errors" said nothing of it)
    unread = f"; {unread} of it could not be read" if unread else ""
    within = "" if span is None else \
        f" from {moment_text(span[0])} to {moment_text(span[1])}"
    # its length as the sessions list, the player and the Session tab's table say it (m:ss,
    # rounded up): "(0:21.2 long)" stood above that table's "Duration 0:22" (a QA's tryout)
    print(f"{count(listed, tab.noun)} in session {sid}{within}"
          f" ({moment_text(sv.duration_ms, Unit.SECOND)} long){more}{unread}" if rows
          else f"no {tab.noun}s recorded in session {sid}{within}{unread}")
    for row in rows:
        print(tab.line(row))
    return 0


def rows_between(sv, tab: str, src, lo: float, hi: float) -> list[dict]:
    """`rows_of` of what happened from `lo` to `hi` ms: the rows at those moments, each
    error group counted within them."""
    from player.qt.session_view import error_rows_between

    if tab == "errors":
        return error_rows_between(sv, lo, hi)
    rows = rows_of(sv, tab, src)
    if tab == "performance":   # a page view is on show until the next one begins: each one
        # open during the range (a support engineer's tryout: the page on show from 0:10.9
        # to 0:14 was "no page views recorded from 0:12 to 0:13")
        ends = [r["t"] for r in rows[1:]] + [float("inf")]
        return [r for r, end in zip(rows, ends) if r["t"] <= hi and end > lo]
    return [r for r in rows if lo <= r["t"] <= hi]


def _step_rows(sv, src) -> list[dict]:
    """The Steps tab's rows: a bug report's steps (the player shows those), else the steps
    read from the recording - the errors among them, the bug's row at its moment."""
    from recorder.bug import step_rows

    report = bug_report(src)
    found = report.steps if report is not None else read_steps(src)
    at = report.at_ms if report is not None else None
    return [r.to_json() for r in step_rows(found, sv.error_lines(), at)]


def _step(row: dict) -> str:
    from recorder.bug import StepRow

    return "\n".join(StepRow.from_json(row).said(row.get("selector")))


def _steps_tally(rows: list[dict]) -> tuple[int, str]:
    from recorder.bug import RowKind

    errors = sum(r.get("count", 0) for r in rows if r["kind"] != RowKind.BUG.value and
                 r["kind"] != RowKind.STEP.value)
    steps = sum(r["kind"] == RowKind.STEP.value for r in rows)
    return steps, (f", {count(errors, 'error')} reported among them" if errors else "")


def rows_of(sv, tab: str, src) -> list[dict]:
    """The rows of the pane's `tab` (one of TABS) in a player.qt.session_view.SessionView
    of the recording `src` (open)."""
    return TABS[tab].rows(sv, src)


def _error(row: dict) -> str:
    from player.devtools_text import error_details

    return "\n" + "\n".join(("  " + ln) if ln else ln for ln in error_details(row).splitlines())


GUTTER = " " * 17   # under a console line's message: its moment and level's width


def _console(row: dict) -> str:
    from player.devtools_text import console_frames

    first, *more = str(row["message"]).splitlines() or [""]
    lines = [f"{moment_text(row['t']):>8}  {row['level']:<5}  {first}"]
    lines += [GUTTER + ln for ln in more]    # (an error's message may hold its stack)
    lines += [f"{GUTTER}at {frame}" for frame in console_frames(row)]
    return "\n".join(lines)


def _request(row: dict) -> str:
    from player.devtools_text import duration_text, size_text, status_of, status_text

    status = status_text(status_of(row)) or "—"
    said = "  ".join(x for x in (row.get("type") or "", duration_text(row.get("duration")),
                                 size_text(row.get("size"))) if x)
    return f"{moment_text(row['t']):>8}  {status:>7}  {row['method']} {row['url']}  {said}"


def _action(row: dict) -> str:
    # as the Actions tab's badges: RAGE, DEAD, ERROR
    badges = "".join(f"  [{f.split('_')[0].upper()}]" for f in row.get("frustration") or ())
    what = row.get("name") or row.get("selector") or "—"
    return f"{moment_text(row['t']):>8}  {row['type']:<6}  {what}{badges}"


def _view(row: dict) -> str:
    from player.devtools_text import view_details

    return "\n" + "\n".join(("  " + ln) if ln else ln for ln in view_details(row).splitlines())


def _rows_tally(rows: list[dict]) -> tuple[int, str]:
    return len(rows), ""


def _errors_tally(rows: list[dict]) -> tuple[int, str]:
    return len(rows), f", {count(sum(r['count'] for r in rows), 'time')} in all"


class Tab(NamedTuple):
    noun: str                                     # what one of its rows is called
    rows: Callable[[object, object], list[dict]]  # its rows in a SessionView of a source
    line: Callable[[dict], str]                   # a row as the terminal shows it
    # how many of its nouns the rows are, and what the first line says after that
    tally: Callable[[list[dict]], tuple[int, str]] = _rows_tally


def _fact(row: dict) -> str:
    return f"  {row['fact']:<20} {row['value']}".rstrip()


TABS = {"steps": Tab("step", _step_rows, _step, _steps_tally),
        "errors": Tab("error", lambda sv, src: sv.errors, _error, _errors_tally),
        "console": Tab("console line", lambda sv, src: sv.console, _console),
        "network": Tab("request", lambda sv, src: sv.network, _request),
        "actions": Tab("action", lambda sv, src: sv.actions, _action),
        "performance": Tab("page view", lambda sv, src: sv.views, _view),
        # who, with what browser, device and viewport: what a ticket asks first
        "session": Tab("fact", lambda sv, src: [{"fact": k, "value": v} for k, v in sv.facts],
                       _fact, lambda rows: (sum(1 for r in rows if r["fact"]), ""))}
