"""A rich progress bar on stderr for long commands. What a command prints on stdout
meanwhile goes above the bar only when stdout is that terminal too: piped, it stays on
stdout (rich would otherwise send it to the bar's stream, stderr - and `$(replay import f)`
gets nothing).

Where stderr is not a terminal (a log file, nohup, a CI job) no bar is drawn; instead, once
work has gone on for HEARTBEAT_S seconds, and every HEARTBEAT_S seconds after, each stage
under way says how far it got in one plain line (`replay: painting bug.mp4 - 40%, 0:20`). A
command done sooner prints nothing more than its result - a refusal stays one line.
`REPLAY_PROGRESS_EVERY=SECONDS` sets the interval (0: never)."""
from __future__ import annotations

import os
import sys
import threading
from typing import Iterable, Iterator

from rich.cells import cell_len
from rich.console import Console as RichConsole
from rich.measure import Measurement
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TaskID, \
    TimeElapsedColumn, TimeRemainingColumn
from rich.table import Column
from rich.text import Text

from player.fit_text import elide_middle


class Console(RichConsole):
    """rich's Console, except that output piped into a reader that stopped early (`| head`)
    ends the command as any other write does: BrokenPipeError, which `cli.main` takes for
    success (rich itself exits with status 1 then - for `audit`, "findings")."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


PIPED_WIDTH = 120   # piped with no COLUMNS: a width a pager or a log shows whole


def output_console(wrap: bool = True) -> Console:
    """Where a command prints its report: the terminal's width (rich reads COLUMNS); piped,
    COLUMNS if set, else PIPED_WIDTH. `wrap=False`: piped, a sentence stays one line (rich
    cut an audit's at 80 columns, mid-phrase, trailing spaces and all); a table still fits."""
    console = Console()
    if not console.is_terminal:
        columns = os.environ.get("COLUMNS", "")
        console = Console(width=int(columns) if columns.isdigit() else PIPED_WIDTH,
                          soft_wrap=not wrap)
    return console


class _Percent(ProgressColumn):
    """The share done, blank for a stage whose length is not known (no "0%" beside it)."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.percentage:>3.0f}%" if task.total is not None else "    ")


BAR_WIDTH = 40   # cells of the bar where the line has room (rich's own)
BAR_MIN = 10     # the narrowest the bar gets before a stage's words give up their middle
HEARTBEAT_S = 10.0     # seconds between plain progress lines where stderr is not a terminal
HEARTBEAT_ENV = "REPLAY_PROGRESS_EVERY"
HEARTBEAT_MAX_S = 86_400   # a day: Event.wait overflows past ~1e9 s (the line thread died)


class _Words(ProgressColumn):
    """A stage's words, in `width` cells when set (their middle elided: the stage's verb and
    the file name's end - which of several files - both stay)."""

    def __init__(self) -> None:
        super().__init__(table_column=Column(no_wrap=True))
        self.width: int | None = None

    def render(self, task: Task) -> Text:
        words = task.description
        return Text(words if self.width is None else elide_middle(words, self.width,
                                                                     cell_len))


class _Fitted:
    """The bar's lines laid out for the width they are drawn in: the words whole while the
    bar can give up cells for them (down to BAR_MIN), their middle elided only after that -
    at 100 columns a 36-character cap cut `reading rrweb-player-demo.json (1 o…` beside a
    bar of 40."""

    def __init__(self, progress: "_Progress") -> None:
        self.progress = progress

    def __rich_console__(self, console, options):
        p = self.progress
        tasks = [t for t in p.tasks if t.visible]
        if tasks:
            fixed = [c for c in p.columns if c is not p.words and c is not p.bar]
            others = sum(max(Measurement.get(console, options, c(t)).maximum for t in tasks)
                         for c in fixed) + len(p.columns) - 1   # (a cell between columns)
            room = options.max_width - others
            words = max(cell_len(t.description) for t in tasks)
            p.bar.bar_width = max(BAR_MIN, min(BAR_WIDTH, room - words))
            p.words.width = max(1, min(words, room - p.bar.bar_width))
        yield p.make_tasks_table(tasks)


class _Progress(Progress):
    """rich's Progress, laid out by `_Fitted` (`words`, `bar`: its columns that give up
    room), plus the plain lines of a stderr that is not a terminal (`every`: seconds
    between them; None: the bar is drawn, or nothing is said)."""

    def __init__(self, *columns, words: _Words, bar: BarColumn, every: float | None, **kwargs):
        super().__init__(*columns, **kwargs)
        self.words, self.bar = words, bar
        self._every = every
        self._stopping = threading.Event()
        self._beat: threading.Thread | None = None

    def start(self) -> None:
        super().start()
        if self._every is not None and self._beat is None:
            self._beat = threading.Thread(target=self._heartbeat, name="replay-progress",
                                          daemon=True)
            self._beat.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._beat is not None:   # (its last line is out before the command's result)
            self._beat.join()
        super().stop()

    def get_renderables(self):
        yield _Fitted(self)

    def _heartbeat(self) -> None:
        while not self._stopping.wait(self._every):
            lines = [plain_line(t) for t in self.tasks if t.visible and not t.finished]
            if lines and not self._stopping.is_set():
                sys.stderr.write("".join(f"replay: {ln}\n" for ln in lines))
                sys.stderr.flush()


def plain_line(task: Task) -> str:
    """A stage's progress as words: `painting bug.mp4 - 40%, 0:20` (no share when its
    length is not known)."""
    seconds = int(task.elapsed or 0)
    clock = f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60}:{seconds % 60:02d}"
    share = f"{task.percentage:.0f}%, " if task.total else ""
    return f"{task.description} - {share}{clock}"


def heartbeat_every() -> float | None:
    """Seconds between plain progress lines (REPLAY_PROGRESS_EVERY, else HEARTBEAT_S), or
    None for never."""
    from ..cli import UserError

    said = os.environ.get(HEARTBEAT_ENV, "").strip()
    if not said:
        return HEARTBEAT_S
    try:
        every = float(said)
    except ValueError:
        every = -1.0
    if not 0 <= every <= HEARTBEAT_MAX_S:
        raise UserError(f"{HEARTBEAT_ENV}={said} is not a number of seconds from 0 to"
                        f" {HEARTBEAT_MAX_S:,} - give one (0: no progress lines), or unset it")
    return every or None


def progress_bar() -> Progress:
    console = Console(stderr=True)
    # the words give up cells (their middle) only after the bar has, and never the clocks:
    # on an 80-column terminal the clocks were not drawn at all while the longest stage ran
    words, bar = _Words(), BarColumn(bar_width=BAR_WIDTH)
    return _Progress(SpinnerColumn(), words, bar, _Percent(), TimeElapsedColumn(),
                     TimeRemainingColumn(), words=words, bar=bar, console=console,
                     transient=True, disable=not console.is_terminal,
                     redirect_stdout=sys.stdout.isatty(),
                     every=None if console.is_terminal else heartbeat_every())


def first_stage(bar: Progress, task: TaskID, **fields) -> None:
    """`task` shown again as the only one (a file read again: `import --partial`)."""
    for t in list(bar.task_ids):
        if t != task:
            bar.remove_task(t)
    bar.update(task, visible=True, **fields)


def next_stage(bar: Progress, task: TaskID, description: str) -> TaskID:
    """`task` is done and a stage of unknown length follows (its bar pulses, its clock
    runs): a bar left at 100% with its clock stopped looks like a hang."""
    bar.update(task, visible=False)
    return bar.add_task(description, total=None)


PROGRESS_EVERY = 2_000   # events between bar updates (each update costs a lock and a redraw)


def advancing(events: Iterable, bar: Progress, task) -> Iterator:
    """`events` as they are, moving `task` on by one per event (for a bar whose total is
    the sessions' record counts)."""
    n = 0
    for n, e in enumerate(events, 1):
        if n % PROGRESS_EVERY == 0:
            bar.advance(task, PROGRESS_EVERY)
        yield e
    bar.advance(task, n % PROGRESS_EVERY)


def record_total(src) -> int | None:
    """The events of an opened recording, as its facts count them: the total of a bar
    `advancing` moves over it (None: not known)."""
    return src.info.record_count or None if src.info is not None else None


def event_total(store, ids: list[str]) -> int:
    """The events of these stored sessions: the total of a bar `advancing` moves."""
    counts = {s.id: s.record_count for s in store.sessions()}
    return sum(counts.get(sid, 0) for sid in ids)


def index_until(ix, covered_ms: float | None, label: str) -> None:
    """The player's index (`Replayer.index`) advanced, behind a progress bar, until it covers
    `covered_ms` (None: the whole recording) - `replay snapshot` rebuilding a moment, `replay
    devtools` reading every row."""
    with progress_bar() as bar:
        total = max(1, len(ix.segments))
        task = bar.add_task(label, total=total)
        while not ix.done and (covered_ms is None or ix.covered < covered_ms):
            ix.advance()
            bar.update(task, completed=ix.progress * total)
