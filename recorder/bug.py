"""A bug report travelling with a recording: its title, notes, the moment the bug shows and
the steps that led there. Record mode stores it in the session's context (its moment:
`recorded_moment`); `replay export
--format replay --title --notes --at` writes it into a bundle's manifest (the session's
context), `replay import` keeps it, and `replay play` / the player's Session tab show it.

It lives in the context under `CONTEXT_KEY`, as plain JSON, so the index, bundles and the
privacy pass over contexts (`SessionMasker.mask_context`) handle it like any context.
A context entry of the wrong shape is read as far as it makes sense and never raised.
"""
from __future__ import annotations

import bisect
import enum
import math
from typing import Any, Callable, Iterable, Iterator, Sequence

import msgspec
import msgspec.structs

from .moments import moment_text, whole_ms
from .said import count
from .semantics import read
from .steps import Step, steps

UNTITLED = "(untitled)"     # stands for the title of a report that has none
LATEST_MOMENT_MS = 2 ** 53   # a moment past this (285,000 years in) is no moment: left out
CONTEXT_KEY = "bug"          # the session context's entry (record mode writes the same)
# rrweb's format has no place for it: said wherever a session with a report is written so
NO_REPORT_IN_RRWEB = "the bug report (title, notes, moment, steps) is not in rrweb JSON"


class BugReport(msgspec.Struct, kw_only=True, omit_defaults=True):
    title: str = ""
    notes: str = ""
    at_ms: int | None = None    # the moment of the bug, whole ms after the first event
    steps: list[Step] = []

    def __post_init__(self) -> None:
        # `--at 62.5s` is 62500.0 ms: stored whole, as every moment is shown (moments)
        if self.at_ms is not None:
            self.at_ms = whole_ms(self.at_ms)

    @property
    def empty(self) -> bool:
        return not (self.title or self.notes or self.at_ms is not None or self.steps)

    def lines(self, with_steps: bool = True, at_note: str = "",
              errors: Sequence[tuple[float, str]] = (), most_rows: int | None = None,
              all_rows_in: str = "", selectors: bool = False) -> list[str]:
        """The report as a person reads it (`replay play` prints these; a Playwright script
        opens with them, without the steps it lists itself); `at_note`: said after the bug's
        moment (a script of a range that does not reach it); `errors`: the errors the page
        reported, (moment, line), said among the steps as the Steps tab says them;
        `most_rows`: at most so many of those rows, the ones leading to the bug (`near_bug`),
        the others counted, and `all_rows_in` said of where they all are; `selectors`: each
        step's under it, as `devtools --tab steps` says them."""
        out = [f"Bug: {self.title or UNTITLED}"]
        if self.at_ms is not None:
            out.append(f"At: {moment_text(self.at_ms)}" + (f" - {at_note}" if at_note else ""))
        if self.notes:
            out += ["Notes:"] + [f"  {ln}" for ln in self.notes.splitlines()]
        if self.steps and with_steps:   # each at its moment, the bug's among them: the
            out.append("Steps:")      # steps after it are not how it came about
            rows = step_rows(self.steps, errors, self.at_ms)
            shown, before, after = near_bug(rows, most_rows)
            where = f" ({all_rows_in})" if all_rows_in else ""
            if before:
                out.append(f"  … {count(before, 'earlier row')} not shown{where}")
            for r in shown:
                out += r.said(r.step.selector if selectors and r.step is not None else None)
            if after:
                out.append(f"  … {count(after, 'later row')} not shown{where}")
        return out


class RowKind(str, enum.Enum):
    STEP = "step"
    ERROR = "error"                # an error the page reported, among the steps
    MORE_ERRORS = "more errors"    # the other errors between two rows past ERRORS_LISTED
    BUG = "bug"                    # where the bug shows (a report's moment)


# distinct errors listed between two steps (or a step and the bug's row); the others there are
# one row - a page failing in many ways at once does not bury its steps
ERRORS_LISTED = 5


class StepRow(msgspec.Struct, frozen=True):
    """One row of the steps as a person reads them (`step_rows`)."""
    kind: RowKind
    t: float          # ms after the session's first event
    text: str = ""    # a step's description; an error's line
    number: int = 0   # a step's, from 1
    count: int = 0    # an error's times since the row before it; a MORE_ERRORS row's errors
    step: Step | None = None

    def line(self) -> str:
        """The row as text: `replay devtools --tab steps`, a report's lines; the Steps tab
        says an error's and the bug's rows so too."""
        at = moment_text(self.t)
        if self.kind is RowKind.STEP:
            return f"{self.number}. {self.text}  ({at})"
        if self.kind is RowKind.BUG:
            return f"-- the bug, at {at} --"
        if self.kind is RowKind.MORE_ERRORS:
            return f"✖ … and {self.count} more error{'s' * (self.count > 1)} from {at}"
        return f"✖ {self.text}  ({at}{f', {self.count} times' if self.count > 1 else ''})"

    def said(self, selector: str | None = None) -> list[str]:
        """The row as a list of rows says it (`replay devtools --tab steps`, `replay play`):
        indented, a step's `selector` on a line of its own under it."""
        return [f"  {self.line()}", *([f"       {selector}"] if selector else [])]

    def to_json(self) -> dict[str, Any]:
        """What `replay devtools --tab steps --json` says of the row: `t` in whole ms, and
        what its kind has (a step's number, text and selector; an error's text and count)."""
        out: dict[str, Any] = {"t": whole_ms(self.t), "kind": self.kind.value}
        if self.kind is RowKind.STEP:
            out.update(number=self.number, text=self.text)
            if self.step is not None and self.step.selector:
                out["selector"] = self.step.selector
        elif self.kind is RowKind.ERROR:
            out.update(text=self.text, count=self.count)
        elif self.kind is RowKind.MORE_ERRORS:
            out["count"] = self.count
        return out

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> "StepRow":
        """The row `to_json` said (without its step: its selector is the dict's)."""
        return cls(RowKind(row["kind"]), row["t"], row.get("text", ""), row.get("number", 0),
                   row.get("count", 0))


# at one moment: the step first (what it did raised the error), the bug's row after both
_ROW_ORDER = {RowKind.STEP: 0, RowKind.ERROR: 1, RowKind.BUG: 2}


def step_rows(found: Sequence[Step], errors: Iterable[tuple[float, str]] = (),
              bug_at: float | None = None) -> list[StepRow]:
    """The steps numbered, each error (its moment, its line) among them at its moment, and
    the bug's row after what came at or before its moment. Between two of those rows (steps,
    the bug's) the same line again is counted on its row, not listed again (a page reporting
    one failure in a loop), and past ERRORS_LISTED distinct lines the others are one row."""
    rows = [StepRow(RowKind.STEP, s.t, s.describe(), i, step=s) for i, s in enumerate(found, 1)]
    rows += [StepRow(RowKind.ERROR, t, line, count=1) for t, line in errors]
    if bug_at is not None:
        rows.append(StepRow(RowKind.BUG, bug_at))
    rows.sort(key=lambda r: (r.t, _ROW_ORDER[r.kind]))
    out: list[StepRow] = []
    listed: dict[str, int] = {}   # an error's line -> its row, since the last step or bug row
    more: int | None = None       # ... the row of the others
    for r in rows:
        if r.kind is not RowKind.ERROR:
            listed.clear()
            more = None
        elif (at := listed.get(r.text)) is not None or len(listed) >= ERRORS_LISTED and \
                (at := more) is not None:
            out[at] = msgspec.structs.replace(out[at], count=out[at].count + 1)
            continue
        elif len(listed) >= ERRORS_LISTED:
            more = len(out)
            r = StepRow(RowKind.MORE_ERRORS, r.t, count=1)
        else:
            listed[r.text] = len(out)
        out.append(r)
    return out


def title_line(title: str, most: int) -> str:
    """A bug report's title on one line (its white space collapsed), cut to `most`
    characters with "…" - a tab's title, a note's words."""
    line = " ".join(title.split())
    return line if len(line) <= most else line[:most - 1].rstrip() + "…"


def listed_title(report: BugReport | None) -> str:
    """What a list of sessions shows of one's bug report where its title goes (the app's Bug
    column, `replay sessions`): the title, else "(untitled)" with the bug's moment, if any
    (`(untitled) at 0:58.6`) - a bundle with a moment and no title listed nothing, as if the
    session were no bug's. "" for a session with no report."""
    if report is None:
        return ""
    if report.title:
        return report.title
    return UNTITLED + (f" at {moment_text(report.at_ms)}" if report.at_ms is not None else "")


def from_context(context: dict[str, Any] | None) -> BugReport | None:
    """The bug report a session's context holds, or None."""
    raw = (context or {}).get(CONTEXT_KEY)
    if not isinstance(raw, dict):
        return None
    at = raw.get("at_ms")
    if isinstance(at, (int, float)) and not isinstance(at, bool) and \
            not 0 <= at <= LATEST_MOMENT_MS:   # (1e308 made a 309-digit int no store writes)
        raw = {k: v for k, v in raw.items() if k != "at_ms"}
    elif isinstance(at, float):
        raw = {**raw, "at_ms": whole_ms(at)}   # stored as 58000.0 before
    try:
        report = msgspec.convert(raw, BugReport)
    except msgspec.ValidationError:   # a hand-edited or foreign context: keep what reads
        report = BugReport(title=raw["title"] if isinstance(raw.get("title"), str) else "",
                           notes=raw["notes"] if isinstance(raw.get("notes"), str) else "")
    return None if report.empty else report


def shown_report(context: dict[str, Any] | None, read_steps: Callable[[], list[Step]]
                 ) -> BugReport | None:
    """The bug report a player shows beside a recording: its context's, with the steps it
    carries - or, where it carries none (record mode stores the title and notes; the steps
    are the events'), the recording's steps, `read_steps()` (recorder.kept_steps.steps_of: a
    stored session's are read once). None for a recording that is no bug."""
    report = from_context(context)
    if report is None or report.steps:
        return report
    return msgspec.structs.replace(report, steps=read_steps())


def edit_report(store: Any, session_id: str, *, title: str, notes: str,
                masker_factory: Callable[[], Any], at_ms: float | None = None) -> BugReport:
    """Give a stored session the bug report's `title` and `notes` (its steps kept; a
    session with none gains one), masked as an import masks a context - the rules'
    detectors over what was typed. `at_ms`: the bug's moment (ms after the first event),
    where the session opens from then on; None keeps the one it has. The session is
    rewritten with the same events (with what a live append stored meanwhile), so the
    report stays where `repair` finds it. Returns the report as stored."""
    sid = store.resolve(session_id)
    info = store.index.session(sid)
    context = info.context if info is not None else None
    old = from_context(context) or BugReport()
    report = msgspec.structs.replace(old, title=title.strip(), notes=notes.strip(),
                                     at_ms=old.at_ms if at_ms is None else at_ms)
    masked = masker_factory().mask_context(with_report(context, report))
    # its events read under its lock: a live session's visitor may still be on the page
    store.replace_session(sid, None, context=masked)
    return from_context(masked) or BugReport()


# the rows after the bug's that `near_bug` keeps: what the person did next, briefly
ROWS_AFTER_BUG = 3


def near_bug(rows: list["StepRow"], most: int | None) -> tuple[list["StepRow"], int, int]:
    """At most `most` of the rows (None: all), those leading to the bug's row and a few after
    it (ROWS_AFTER_BUG) - the last ones without a bug's row - and how many were left out
    before and after them (a long session's report printed 16,969 lines: a support
    engineer's tryout)."""
    if most is None or len(rows) <= most:
        return rows, 0, 0
    bug = next((i for i, r in enumerate(rows) if r.kind is RowKind.BUG), len(rows) - 1)
    end = min(len(rows), bug + 1 + ROWS_AFTER_BUG)
    start = max(0, end - most)
    end = min(len(rows), start + most)
    return rows[start:end], start, len(rows) - end


def masked_parts(written: BugReport, stored: BugReport | None) -> list[str]:
    """Which of a report's title and notes the privacy pass changed when it stored them
    (the words the person wrote that named what was typed into a masked field, or personal
    data a detector finds): each one said by name, in that order."""
    if stored is None:
        return []
    return [name for name in ("title", "notes")
            if getattr(written, name) != getattr(stored, name)]


def with_report(context: dict[str, Any] | None, report: BugReport) -> dict[str, Any]:
    """`context` with `report` as its bug entry (other entries kept)."""
    return {**(context or {}), CONTEXT_KEY: msgspec.to_builtins(report)}


def report_for(found: list[Step], context: dict[str, Any] | None, *, title: str | None = None,
               notes: str | None = None, at_ms: float | None = None) -> BugReport:
    """The report a bundle carries: what the context says (record mode's title and notes),
    overridden by what is given, with the recording's steps, `found` (masked values stay
    masked: the steps are read from the events as the privacy rules left them)."""
    old = from_context(context) or BugReport()
    return BugReport(title=old.title if title is None else title.strip(),
                     notes=old.notes if notes is None else notes.strip(),
                     at_ms=old.at_ms if at_ms is None else at_ms, steps=found)


def without_steps(context: dict[str, Any] | None) -> dict[str, Any] | None:
    """`context` as an import stores it: a bug report's steps left out (its title, notes and
    moment kept). They were read from the events as the sender's copy held them - a bundle
    exported `--unmasked`, or masked under looser rules, names in them the value typed into
    a masked field and the masked text a click was named by - while the events are masked
    anew as they are stored. Wherever a report is shown or handed over, its steps are read
    from the stored events (`shown_report`, `report_for`), as a record-mode report's are."""
    raw = (context or {}).get(CONTEXT_KEY)
    if not isinstance(raw, dict) or "steps" not in raw:
        return context
    return {**(context or {}), CONTEXT_KEY: {k: v for k, v in raw.items() if k != "steps"}}


def restepped(context: dict[str, Any] | None, events: Iterable[dict],
              watch: Callable[[Iterable[dict]], Iterable[dict]] = iter) -> dict[str, Any] | None:
    """`context` for `events` masked anew (`replay mask`, a re-masked session): a bug
    report's steps read again from them - its click names are the page's text, which
    stricter rules mask in the events and the steps kept as they were. `watch`: the events
    go through it when they are read (a progress bar's)."""
    raw = (context or {}).get(CONTEXT_KEY)
    if not isinstance(raw, dict) or not raw.get("steps"):
        return context
    # a report of another shape reads as its title and notes (`from_context`): its steps,
    # unreadable, are read again from the events all the same, never kept as they were
    report = from_context(context) or BugReport()
    return with_report(context, BugReport(title=report.title, notes=report.notes,
                                          at_ms=report.at_ms, steps=steps(watch(events))))


class MomentFrom(str, enum.Enum):
    """Where the bug's moment of a recording made in record mode comes from."""
    MARK = "mark"          # ⚑ Mark the bug, pressed while recording (its last press)
    LAST_ERROR = "error"   # nothing marked: the last error the recording holds
    STOP = "stop"          # nothing marked, no error: the moment Stop was pressed


class RecordedMoment(msgspec.Struct, frozen=True):
    at_ms: int             # ms after the session's first event (a bug report's `at_ms`)
    source: MomentFrom


def time_span(events: Iterable[dict]) -> tuple[float, float] | None:
    """The earliest and latest timestamps of `events` - the session's start (its moment 0,
    as the store and the player count moments) and its end; None without a timestamp."""
    stamps = list(_stamps(events))
    return (min(stamps), max(stamps)) if stamps else None


def _stamps(events: Iterable[dict]) -> Iterator[float]:
    """The events' timestamps (those that are numbers)."""
    return (t for e in events if isinstance(e, dict)
            and isinstance(t := e.get("timestamp"), (int, float)) and not isinstance(t, bool))


def recorded_moment(events: Sequence[dict], *, marked: float | None,
                    stopped: float | None) -> RecordedMoment | None:
    """The bug's moment of a recording made in record mode, where the session opens: the
    moment marked while recording (`marked`), else the last error the recording holds - an
    uncaught error, a console.error, a failed request, as recorder.semantics decides what an
    error is - else the moment Stop was pressed (`stopped`; None: the recording's end).
    `marked` and `stopped` are epoch ms on the machine's clock, which the page stamps its
    events by; the moment is within the session (a press after its last event is its end).
    None for events without a timestamp."""
    span = time_span(events)
    if span is None:
        return None
    start, end = span
    last = math.floor(end - start)   # (whole ms, rounded up, may not pass the end)

    def within(ms: float) -> int:
        return min(whole_ms(max(0.0, ms)), last)

    if marked is not None:
        return RecordedMoment(within(marked - start), MomentFrom.MARK)
    errors = read(events, origin=start).errors
    if errors:
        return RecordedMoment(within(max(e.t for e in errors)), MomentFrom.LAST_ERROR)
    return RecordedMoment(within((end if stopped is None else stopped) - start), MomentFrom.STOP)


def parts_reports(report: BugReport, events: Sequence[dict]
                  ) -> Callable[[float, float], dict[str, Any] | None]:
    """The context of each session a recording made in one go is stored as (record mode: a
    reproduction that crossed a session limit - 15 minutes without activity, 4 hours - is
    stored as several sessions; `Store.ingest_outcomes(context_of=...)`), given the span
    (first and last timestamps) of one of them: the report's title and notes on each, its
    moment (`at_ms`, after the recording's first event) on the one it falls in, counted from
    that session's start - a moment in the quiet stretch after a session's last event is
    that session's end. None for a session with nothing to report."""
    stamps = sorted(_stamps(events))
    moment = stamps[0] + report.at_ms if (stamps and report.at_ms is not None) else None

    def of(start: float, end: float) -> dict[str, Any] | None:
        at = None
        if moment is not None and start <= moment:
            i = bisect.bisect_right(stamps, end)
            if i == len(stamps) or moment < stamps[i]:   # before the next session starts
                at = min(whole_ms(moment - start), math.floor(end - start))
        part = BugReport(title=report.title, notes=report.notes, at_ms=at)
        return None if part.empty else with_report(None, part)
    return of
