"""A rich progress bar on stderr for long commands (silent when stderr is not a terminal,
so piped output and tests stay clean)."""
from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn, \
    TimeRemainingColumn


def progress_bar() -> Progress:
    console = Console(stderr=True)
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=console, transient=True,
                    disable=not console.is_terminal)
