"""Import memory benchmark (issue 12 item 4): peak RSS of a `replay import` process, on a
real recording and on a generated 1,000,000-event file, beside the whole-file import of the
same file measured in the same run.

Each figure is one child process, measured with `os.wait4` (the child's own ru_maxrss):
- ours: `replay --data TMP import FILE` - the streaming import (rrweb_io.EventStream into
  LocalStore.import_stream);
- baseline: the same command's whole-file path (`rrweb_io.read_recordings` then
  `Store.ingest_outcomes`, what every import did before and what shapes that cannot be
  streamed still do), in a child that runs just that.
Also events/s (input events over the child's CPU time, user + system, so the figure does not
depend on how busy the shared machine is) for both.
Goal (DESIGN.md): peak RSS <= 300 MB whatever the file's size; import speed no worse.

    python benchmarks/import_memory.py --recording benchmarks/out/real-10m.json
    python benchmarks/import_memory.py --events 1000000      # generated into benchmarks/out/
    python benchmarks/import_memory.py --no-baseline         # ours only (the baseline needs GBs)
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, Row, add_recording_arg, print_table, run_main

GOAL_PEAK_MB = 300
OUT = ROOT / "benchmarks" / "out"

# the whole-file import, as `replay import` did it before streaming (and still does for
# shapes it cannot stream): read every event, then ingest them
_WHOLE = """
import sys
from recorder.format import no_gc
from recorder.privacy import load_rules, masker_factory
from recorder.rrweb_io import read_recordings
from recorder.store import Store
data, path = sys.argv[1], sys.argv[2]
factory = masker_factory(load_rules(None, data))
with no_gc(), Store.open(data) as store:
    for r in read_recordings(path):
        store.ingest_outcomes(r.events, user=r.user, session_id=r.session_hint,
                              masker_factory=factory)
"""


def measure(argv: list[str]) -> tuple[float, float, int]:
    """(peak RSS MB, CPU seconds, exit code) of one child process."""
    p = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode() if p.stderr else ""
    if p.returncode:
        print(f"  {' '.join(argv[-2:])}: exit {p.returncode}: {err.strip()[-300:]}",
              file=sys.stderr)
    peak = ru.ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else ru.ru_maxrss / 1024
    return peak, ru.ru_utime + ru.ru_stime, p.returncode


def replay_exe() -> list[str]:
    return [sys.executable, "-m", "app"]


def count_events(path: Path) -> int:
    from recorder.rrweb_io import EventStream, NotStreamable, read_recordings
    try:
        return sum(1 for _ in EventStream(path))
    except NotStreamable:
        return sum(len(r.events) for r in read_recordings(path))


def bench_file(name: str, path: Path, baseline: bool) -> None:
    n = count_events(path)
    print(f"{name}: {path} ({path.stat().st_size / 1e6:,.1f} MB, {n:,} events)", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        ours = measure([*replay_exe(), "--data", f"{tmp}/stream", "import", str(path)])
        base = measure([sys.executable, "-c", _WHOLE, f"{tmp}/whole", str(path)]) \
            if baseline else None
    rows.append(Row("peak RSS of the import (MB)", round(ours[0]),
                    round(base[0]) if base else None, f"<= {GOAL_PEAK_MB}",
                    ours[0] <= GOAL_PEAK_MB and not ours[2]))
    rows.append(Row("events/s (per CPU second)", round(n / ours[1]),
                    round(n / base[1]) if base else None, "no worse",
                    None if base is None else n / ours[1] >= 0.9 * n / base[1]))
    rows.append(Row("CPU seconds", round(ours[1], 1), round(base[1], 1) if base else None))
    print_table(f"replay import - {name}", rows, baseline_name="whole file")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_recording_arg(ap)
    ap.add_argument("--events", type=int, default=1_000_000,
                    help="events of the generated file (0: none)")
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip the whole-file import (it needs gigabytes on large files)")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    if args.recording is not None:
        bench_file("real recording", args.recording, not args.no_baseline)
    if args.events:
        gen = OUT / f"gen-{args.events}.json"
        if not gen.exists():
            print(f"generating {gen} ...", flush=True)
            subprocess.run([sys.executable, "-m", "replay_tools.generator", "--events",
                            str(args.events), "-o", str(gen)], cwd=ROOT, check=True)
        bench_file(f"generated, {args.events:,} events", gen, not args.no_baseline)
    return 0


if __name__ == "__main__":
    run_main(main)
