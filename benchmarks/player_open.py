"""Where the player's opening spends the UI thread: a trace of opening one stored session in
the Qt player as benchmarks/player.py opens it (ReplayWidget, resize, show, the first frame
painted), then until its index is in and its panes filled.

Two views of the same run, on the UI thread:
  stalls   a 5 ms heartbeat timer: each gap longer than --min-ms, with the UI thread's own
           CPU time in it and its wait for a core (the kernel's per-thread schedstat); the
           rest of the gap the thread was off-CPU: waiting for the GIL, or for Chromium
  stacks   a sampling thread reads the UI thread's Python stack every 1 ms: per stall, the
           innermost project frames it was seen in (no sample is taken while a thread
           holds the GIL: the longest gap between samples is given, with what the other
           threads were running at its two ends - a holder's place when it let go)
(A Qt application event filter, to name the Qt events of each stall, crashed PySide 6.11
inside QtWebEngine's request jobs: not used.) The player's application is made first,
QtWebEngine started with it (player.qt.standalone.application), as the app does.

    python benchmarks/player_open.py --recording FILE [--min-ms 30] [--size 1480x900]
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
# as benchmarks/player.py: the project's packages first, not this folder's scripts
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

BEAT_MS = 5
SAMPLE_S = 0.001
PROJECT = str(ROOT)


def _load_common():
    import importlib.util
    spec = importlib.util.spec_from_file_location("_bench_common", HERE / "_common.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def schedstat(tid: int) -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for one) of a thread of this process."""
    try:
        f = Path(f"/proc/self/task/{tid}/schedstat").read_text().split()
        return int(f[0]) / 1e9, int(f[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0, 0.0


def where(frame, depth: int = 3) -> str:
    """The innermost `depth` project frames of a stack (file:function:line), innermost first;
    a non-project innermost frame (Qt's Python API, the standard library) is named too."""
    out = []
    f = frame
    first = True
    while f is not None and len(out) < depth:
        fn = f.f_code.co_filename
        if fn.startswith(PROJECT) and "/.venv/" not in fn:
            out.append(f"{Path(fn).relative_to(ROOT)}:{f.f_code.co_name}:{f.f_lineno}")
        elif first:
            out.append(f"[{Path(fn).name}:{f.f_code.co_name}]")
        first = False
        f = f.f_back
    return " < ".join(out)


class Sampler(threading.Thread):
    """Every SAMPLE_S: the UI thread's stack (as `where`) and the other threads' innermost
    project frame, timestamped."""

    def __init__(self, ui_ident: int):
        super().__init__(name="open-trace-sampler", daemon=True)
        self.ui = ui_ident
        self.samples: list[tuple[float, str, str]] = []
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            frames = sys._current_frames()
            ui = frames.get(self.ui)
            others = " | ".join(f"{t.name}: {where(frames[t.ident], 1)}"
                                for t in threading.enumerate()
                                if t.ident in frames and t.ident not in (self.ui, self.ident))
            self.samples.append((time.perf_counter(), where(ui) if ui else "?", others))
            time.sleep(SAMPLE_S)


def main(argv: list[str] | None = None) -> int:
    common = _load_common()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_recording_arg(ap)
    ap.add_argument("--min-ms", type=float, default=30.0, help="stalls shown from this long")
    ap.add_argument("--size", default="1480x900")
    args = ap.parse_args(argv)
    if args.recording is None:
        print("player_open.py: --recording FILE is required", file=sys.stderr)
        return 2

    from player.qt.standalone import application, prepare_qt_environment
    prepare_qt_environment(offscreen=True)
    app = application()
    from PySide6.QtCore import Qt, QTimer

    from player.qt.replay_widget import ReplayWidget
    from player.qt.standalone import dispose
    from recorder.store import Store

    data, sid = common.prepare_recording(args.recording)
    store = Store.open(data)
    ui_tid = threading.get_native_id()
    beats: list[tuple[float, float, float]] = []   # (perf_counter, on-CPU s, waited s)
    marks: list[tuple[float, str]] = []

    def beat() -> None:
        beats.append((time.perf_counter(), *schedstat(ui_tid)))

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(BEAT_MS)
    timer.timeout.connect(beat)
    timer.start()
    sampler = Sampler(threading.get_ident())
    sampler.start()
    w_, h_ = (int(x) for x in args.size.split("x"))

    # as benchmarks/player.py: the player's modules imported, the session read once before
    from player.replayer import Replayer
    Replayer(store.session(sid), mode="lazy").close()
    t0 = time.perf_counter()
    beat()
    widget = ReplayWidget(store.session(sid))
    marks.append((time.perf_counter(), "ReplayWidget() returned"))
    widget.resize(w_, h_)
    widget.show()
    marks.append((time.perf_counter(), "shown"))
    widget.wait_ready(120)
    marks.append((time.perf_counter(), "runtime ready"))
    widget.seek_and_wait(int(widget.replayer.first_frame_ms), 120)
    opened = time.perf_counter()
    marks.append((opened, "FIRST FRAME PAINTED"))
    widget.wait_indexed(300)
    marks.append((time.perf_counter(), "indexed, panes filled"))
    beat()
    sampler.stop = True
    sampler.join()
    timer.stop()

    print(f"open to the first painted frame: {opened - t0:.3f} s; the trace until indexed: "
          f"{marks[-1][0] - t0:.3f} s; {len(sampler.samples)} stack samples")
    for t, m in marks:
        print(f"  {1000 * (t - t0):8.1f} ms  {m}")
    print(f"\nstalls of the UI thread over {args.min_ms:g} ms "
          f"(gap between {BEAT_MS} ms beats less one beat):")
    total_over = 0.0
    for (a, cpu_a, wait_a), (b, cpu_b, wait_b) in zip(beats, beats[1:]):
        gap = (b - a) * 1000 - BEAT_MS
        if gap < args.min_ms:
            continue
        total_over += gap
        cpu = (cpu_b - cpu_a) * 1000
        waited = (wait_b - wait_a) * 1000
        phase = "before" if b <= opened else "after"
        print(f"\n  at {1000 * (a - t0):7.1f} ms, {phase} the first frame: {gap:6.1f} ms  "
              f"(UI-thread CPU {cpu:5.1f} ms, waiting for a core {waited:5.1f} ms, "
              f"off-CPU {max(0.0, gap - cpu - waited):5.1f} ms)")
        inside = [s for s in sampler.samples if a <= s[0] <= b]
        around = [s for s in sampler.samples if s[0] < a][-1:] + inside \
            + [s for s in sampler.samples if s[0] > b][:1]
        holes = [(y[0] - x[0], x, y) for x, y in zip(around, around[1:])]
        if holes:
            hole, x, y = max(holes)
            print(f"    {len(inside)} samples; longest without one {hole * 1000:.0f} ms: the"
                  f" other threads before it: {x[2] or '-'}\n      and after it: {y[2] or '-'}")
        for stack, n in Counter(s[1] for s in inside).most_common(6):
            print(f"    {n:4d}  {stack}")
    print(f"\nsum of those stalls: {total_over:.0f} ms")
    dispose(widget)
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
