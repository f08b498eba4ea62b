"""The app's session browser on a data folder of many sessions: does filtering as you type
keep the window responsive?

The main window is opened offscreen on N sessions (replay_tools.store_filler: a few real
imported sessions, the rest copies of their index rows). Then a person's session is played
to it: a name typed letter by letter into the search box and erased, a URL typed into the
URL facet, the check boxes toggled, an application and a date range picked, a duration
entered. Each step is timed from the key press to the table repainted (the event loop idle
again): that is how long the window is frozen by it.

Figures:
  open            from nothing to the window shown with every row loaded
  stall           per step: p50 / p95 / longest (the figure that matters: goal <= 100 ms)
  filter only     the in-memory filtering alone, longest step
Baseline, same run, same steps: the naive way, a full re-query of the SQLite index per
change (Index.sessions with the facets it knows, the page URLs and error messages read
again for the search box), behind the same widgets.

    python benchmarks/app_browser.py [--sessions 10000]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Row, percentile, print_table, run_main  # noqa: E402

GOAL_MS = 100.0


def steps(window):
    """The interactions, as (label, action) pairs; each action is one event or change."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    b = window.browser
    out = []
    for ch in "ada lovelace":
        out.append((f"type {ch!r}", lambda ch=ch: QTest.keyClick(b.search, ch)))
    for _ in range(len("ada lovelace")):
        out.append(("backspace", lambda: QTest.keyClick(b.search, Qt.Key.Key_Backspace)))
    for ch in "checkout":
        out.append((f"URL {ch!r}", lambda ch=ch: QTest.keyClick(b.url, ch)))
    out.append(("has errors", lambda: b.has_errors.toggle()))
    out.append(("frustrated clicks", lambda: b.has_frustration.toggle()))
    out.append(("has errors off", lambda: b.has_errors.toggle()))
    out.append(("application", lambda: b.application.setCurrentIndex(1)))
    out.append(("last 7 days", lambda: b.date.setCurrentIndex(2)))
    out.append(("at least 5 min", lambda: b.min_minutes.setValue(5)))
    out.append(("clear filters", b.clear_filters))
    for ch in "e":
        out.append((f"type {ch!r}", lambda ch=ch: QTest.keyClick(b.search, ch)))
    out.append(("sort by duration", lambda: b.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)))
    return out


def settle(app) -> None:
    """Until the event loop has nothing left to do (paints included)."""
    app.processEvents()
    app.sendPostedEvents()
    app.processEvents()


def play(app, window) -> tuple[list[float], list[float], list[str]]:
    """(stall per step, filtering time per step) in ms, and the steps' labels."""
    window.browser.clear_filters()
    settle(app)
    stalls, filters, labels = [], [], []
    for label, act in steps(window):
        labels.append(label)
        t0 = time.perf_counter()
        act()
        settle(app)
        window.browser.table.viewport().repaint()   # offscreen: make sure the rows are painted
        stalls.append((time.perf_counter() - t0) * 1000)
        filters.append(window.browser.last_filter_ms)
    return stalls, filters, labels


class NaiveCatalog:
    """The baseline: the whole query again, from SQLite, on every change."""

    def __init__(self, store, catalog):
        self.store = store
        self.rows = catalog.rows
        self.applications = catalog.applications

    def filter(self, q):
        from app.browser_model import Catalog, make_row

        infos = self.store.sessions(user=q.user or None, url=q.url or None,
                                    has_errors=True if q.has_errors else None,
                                    application=q.application)
        texts = self.store.index.browse_texts()
        rows = [make_row(i, texts.get(i.id, ("", ""))) for i in infos]
        rest = type(q)(text=q.text, has_frustration=q.has_frustration, since_ms=q.since_ms,
                       until_ms=q.until_ms, min_duration_ms=q.min_duration_ms,
                       max_duration_ms=q.max_duration_ms)
        return Catalog(rows).filter(rest)


def measure(n: int, data: Path | None = None) -> dict:
    """Fill a data folder with `n` sessions, open the window offscreen, play the steps with
    the browser and with the naive baseline. Returns the figures (ms)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from player.qt.standalone import application, prepare_qt_environment
    prepare_qt_environment(offscreen=True)
    app = application()
    from PySide6.QtCore import QSettings

    from app.window.main_window import MainWindow
    from replay_tools.store_filler import fill_store

    tmp = tempfile.TemporaryDirectory(prefix="replay-bench-")
    data = data or Path(tmp.name) / "data"
    t0 = time.perf_counter()
    stored = fill_store(data, n)
    fill_s = time.perf_counter() - t0
    settings = QSettings(str(Path(tmp.name) / "settings.ini"), QSettings.Format.IniFormat)
    t0 = time.perf_counter()
    window = MainWindow(data, settings=settings, thumbnails=False)
    window.show()
    settle(app)
    open_ms = (time.perf_counter() - t0) * 1000
    ours, ours_filter, labels = play(app, window)
    fast = window.browser.catalog
    window.browser.catalog = NaiveCatalog(window.store, fast)
    naive, naive_filter, _ = play(app, window)
    window.browser.catalog = fast
    rows_seen = len(window.browser.model.rows)
    window.close()
    tmp.cleanup()
    return {"sessions": stored, "fill_s": fill_s, "open_ms": open_ms, "stalls": ours,
            "filters": ours_filter, "naive": naive, "naive_filters": naive_filter,
            "steps": len(ours), "labels": labels, "rows_after": rows_seen}


def main(argv: list[str] | None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=10_000)
    args = ap.parse_args(argv)
    r = measure(args.sessions)
    s, b = r["stalls"], r["naive"]
    print(f"{r['sessions']:,} sessions written in {r['fill_s']:.1f} s; {r['steps']} steps",
          file=sys.stderr)
    longest = max(s)
    worst = sorted(zip(s, r["labels"]), reverse=True)[:3]
    print("slowest steps: " + ", ".join(f"{label} {ms:.0f} ms" for ms, label in worst),
          file=sys.stderr)
    print_table(f"Session browser on {r['sessions']:,} sessions (offscreen)", [
        Row("window open, every row loaded (ms)", r["open_ms"]),
        Row("stall per step p50 (ms)", percentile(s, 50), percentile(b, 50)),
        Row("stall per step p95 (ms)", percentile(s, 95), percentile(b, 95)),
        Row("longest stall (ms)", longest, max(b), f"<= {GOAL_MS:.0f} ms", longest <= GOAL_MS),
        Row("filtering alone, longest (ms)", max(r["filters"]), max(r["naive_filters"])),
    ], baseline_name="naive re-query")
    return 0


if __name__ == "__main__":
    run_main(main)
