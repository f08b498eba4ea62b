"""A rich progress bar on stderr for long commands (silent when stderr is not a terminal,
so piped output and tests stay clean). What a command prints on stdout meanwhile goes
above the bar only when stdout is that terminal too: piped, it stays on stdout (rich
would otherwise send it to the bar's stream, stderr - and `$(replay import f)` gets nothing)."""
from __future__ import annotations

import sys
from typing import Iterable, Iterator

from rich.console import Console as RichConsole
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn, \
    TimeRemainingColumn


class Console(RichConsole):
    """rich's Console, except that output piped into a reader that stopped early (`| head`)
    ends the command as any other write does: BrokenPipeError, which `cli.main` takes for
    success (rich itself exits with status 1 then - for `audit`, "findings")."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def progress_bar() -> Progress:
    console = Console(stderr=True)
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=console, transient=True,
                    disable=not console.is_terminal, redirect_stdout=sys.stdout.isatty())


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
