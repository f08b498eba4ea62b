"""Small helpers shared by the benchmark scripts: a timer, peak memory, percentiles, the
results table ("figure | ours | baseline | goal | met?") and a progress bar.

Benchmarks are scripts, not tests: they print figures beside a baseline measured in the
same run, so a reader can judge them on the machine at hand.

    from _common import Timer, Row, print_table, peak_rss_mb, percentile
"""
from __future__ import annotations

import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

# Benchmarks run as `python benchmarks/NAME.py` from a checkout: make the project importable.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class Timer:
    """`with Timer() as t: ...` then `t.s` (seconds, perf_counter). Re-entering adds up, so
    one Timer can time only the interesting part of a loop."""

    def __init__(self) -> None:
        self.s = 0.0
        self._t0 = 0.0

    def __enter__(self) -> "Timer":
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.s += time.perf_counter() - self._t0

    @property
    def ms(self) -> float:
        return self.s * 1000.0


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float:
    """Resident set size right now (Linux /proc; falls back to the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        import os
        return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        return peak_rss_mb()


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) with linear interpolation, like numpy's default."""
    if not values:
        raise ValueError("percentile of no values")
    xs = sorted(values)
    if len(xs) == 1:
        return float(xs[0])
    k = (len(xs) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (k - lo))


def mb(n_bytes: float) -> float:
    return n_bytes / 1e6


def fmt_bytes(n: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:,.2f} {unit}"
    return f"{n:,.0f} B"


def fmt_num(x: Any, digits: int = 1) -> str:
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) >= 1000):
        return f"{int(x):,}"
    return f"{x:,.{digits}f}"


@dataclass
class Row:
    """One line of a results table. `met` is None when there is no goal for the figure."""

    figure: str
    ours: Any
    baseline: Any = None
    goal: str = ""
    met: bool | None = None


def print_table(title: str, rows: Iterable[Row], *, baseline_name: str = "baseline",
                file=None) -> None:
    """Print "figure | ours | baseline | goal | met?" with rich (plain text if rich is
    unavailable or output is not a terminal, so logs stay readable)."""
    rows = list(rows)
    cells = [(r.figure, fmt_num(r.ours), fmt_num(r.baseline), r.goal or "",
              "" if r.met is None else ("yes" if r.met else "NO")) for r in rows]
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # pragma: no cover - rich is a dependency
        Console = None
    if Console is not None:
        table = Table(title=title)
        table.add_column("figure")
        table.add_column("ours", justify="right")
        table.add_column(baseline_name, justify="right")
        table.add_column("goal")
        table.add_column("met?")
        for c in cells:
            met = c[4]
            table.add_row(c[0], c[1], c[2], c[3],
                          f"[green]{met}[/]" if met == "yes" else (f"[red]{met}[/]" if met else ""))
        out = file or sys.stdout
        Console(file=out, width=None if out.isatty() else 160).print(table)
        return
    header = ("figure", "ours", baseline_name, "goal", "met?")  # pragma: no cover
    widths = [max(len(x[i]) for x in cells + [header]) for i in range(5)]
    out = file or sys.stdout
    print(title, file=out)
    for line in [header] + cells:
        print(" | ".join(str(v).ljust(w) for v, w in zip(line, widths)), file=out)


def progress(description: str, total: int | None) -> Any:
    """A rich progress bar context: `with progress("write", n) as advance: advance(k)`."""
    from contextlib import contextmanager

    @contextmanager
    def _bar():
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), TimeRemainingColumn(), transient=True,
                      console=Console(stderr=True), disable=not sys.stderr.isatty()) as bar:
            task = bar.add_task(description, total=total)
            yield lambda k=1: bar.advance(task, k)

    return _bar()


def goal_line(name: str, ok: bool, detail: str) -> str:
    return f"{'PASS' if ok else 'MISS'}  {name}: {detail}"


def cpu(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """(least CPU seconds over `repeat` runs, the last run's result)."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.process_time()
        out = fn()
        best = min(best, time.process_time() - t0)
    return best, out


def run_main(main: Callable[[list[str] | None], int]) -> None:
    """Entry point helper: `if __name__ == "__main__": run_main(main)`."""
    try:
        sys.exit(main(None))
    except KeyboardInterrupt:  # pragma: no cover
        print("interrupted", file=sys.stderr)
        sys.exit(130)


def load_recording(path: Path) -> list[dict]:
    """The events of a real recording (any rrweb JSON, NDJSON, PostHog or Sentry export,
    compressed or not: what `replay import` reads), for a benchmark's `--recording FILE`.
    A file holding several windows gives the longest one (one session, as import stores)."""
    from recorder.rrweb_io import read_recordings

    recs = read_recordings(path)
    return max(recs, key=lambda r: len(r.events)).events


def add_recording_arg(ap: Any) -> None:
    ap.add_argument("--recording", type=Path, default=None, metavar="FILE",
                    help="also measure a real recording (rrweb JSON, NDJSON, PostHog/Sentry "
                         "export; see benchmarks/record_real.py); its figures print first")


def prepare_recording(path: Path) -> tuple[Path, str]:
    """A data folder in benchmarks/out/ holding a real recording imported the way `replay
    import` stores it (made once per file version, then reused): (folder, session id).
    A recording of several sessions gives its longest."""
    import hashlib

    st = path.stat()
    key = hashlib.sha1(f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:10]
    data = ROOT / "benchmarks" / "out" / f"rec-{path.stem}-{key}"
    marker = data / "bench-session.txt"
    if marker.exists():
        return data, marker.read_text().strip()
    from recorder.store import Store

    data.mkdir(parents=True, exist_ok=True)
    print(f"importing {path} (once; cached in {data}) ...", file=sys.stderr)
    events = load_recording(path)
    with Store.open(data) as store:
        ids = store.ingest(events)
        sid = max(ids, key=lambda i: store.session(i).info.record_count)
    marker.write_text(sid)
    return data, sid
