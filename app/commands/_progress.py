"""A rich progress bar on stderr for long commands (silent when stderr is not a terminal,
so piped output and tests stay clean). What a command prints on stdout meanwhile goes
above the bar only when stdout is that terminal too: piped, it stays on stdout (rich
would otherwise send it to the bar's stream, stderr - and `$(replay import f)` gets nothing)."""
from __future__ import annotations

import os
import sys
from typing import Iterable, Iterator

from rich.console import Console as RichConsole
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TaskID, \
    TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Column
from rich.text import Text


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


DESCRIPTION_MAX = 36   # characters of a stage's words a bar line keeps (80 columns hold it all)


def progress_bar() -> Progress:
    console = Console(stderr=True)
    # a long description is cut (…) before the clocks are: on an 80-column terminal they
    # were not drawn at all while the longest stage ran
    return Progress(SpinnerColumn(),
                    TextColumn("{task.description}", table_column=Column(
                        no_wrap=True, overflow="ellipsis", max_width=DESCRIPTION_MAX)),
                    BarColumn(),
                    _Percent(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=console, transient=True,
                    disable=not console.is_terminal, redirect_stdout=sys.stdout.isatty())


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


def event_total(store, ids: list[str]) -> int:
    """The events of these stored sessions: the total of a bar `advancing` moves."""
    counts = {s.id: s.record_count for s in store.sessions()}
    return sum(counts.get(sid, 0) for sid in ids)
