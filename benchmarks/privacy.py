"""Throughput of the authoritative privacy pass (recorder.privacy.SessionMasker).

Target (DESIGN.md): recorder intake with privacy rules on >= 30,000 events/s on one core.

One generated session (replay_tools.generator, default 1,000,000 events over 4 h) is streamed
three times in chunks; only the pass itself is timed, never the generator:
  1. floor      - plain mirror apply (Mirror.apply), no privacy at all
  2. no rules   - SessionMasker with the built-in default (mask-user-input, detectors on)
  3. 20 rules   - SessionMasker with 20 CSS selector rules + query-parameter scrubbing

With `--recording FILE` the same three passes run on a real recording first, and then
the whole `replay import` of that file (a subprocess, default rules, a fresh data folder):
events/s of its CPU time (user + system) and its peak RSS.

    python benchmarks/privacy.py [--events N] [--chunk C] [--recording FILE]
"""
from __future__ import annotations

import argparse
import copy
import gc
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "benchmarks"))   # after ROOT: benchmarks/player.py is not `player`

from _common import add_recording_arg, load_recording  # noqa: E402

from replay_tools.generator import add_profile_arg, generate_session  # noqa: E402
from recorder.mirror import Mirror  # noqa: E402
from recorder.privacy import SessionMasker, parse_rules  # noqa: E402

TWENTY_RULES = """
version = 1
default = "mask-user-input"
detectors = ["email", "card", "phone"]
scrub_query_params = ["token", "session", "email"]

[[rule]]
selector = ".user-name"
level = "mask"
[[rule]]
selector = ".avatar"
level = "hidden"
[[rule]]
selector = "#f-email"
level = "hidden"
[[rule]]
selector = "#f-phone"
level = "mask"
[[rule]]
selector = "form.profile textarea"
level = "hidden"
[[rule]]
selector = "table.orders td.num"
level = "mask"
[[rule]]
selector = "table.orders tr > td:first-child"
level = "mask"
[[rule]]
selector = ".kpi-value"
level = "mask"
[[rule]]
selector = "header .user-menu"
level = "mask"
[[rule]]
selector = ".badge:not(.badge-paid)"
level = "allow"
[[rule]]
selector = "nav a"
level = "allow"
[[rule]]
selector = "[data-private]"
level = "hidden"
[[rule]]
selector = "input[type=search]"
level = "allow"
[[rule]]
selector = "select"
level = "mask"
[[rule]]
selector = "a[href^='mailto:']"
level = "mask"
[[rule]]
selector = ".toasts"
level = "mask"
[[rule]]
selector = "section.settings label"
level = "mask"
[[rule]]
selector = "h1 + p"
level = "mask"
[[rule]]
selector = "main .card .help"
level = "mask"
[[rule]]
selector = "button.primary"
level = "allow"
"""


def run(label: str, make_consumer, n: int, chunk: int, events) -> tuple[str, float, float]:
    """Feed `events` (an iterable) to the consumer in chunks; only the consumer's CPU time
    (time.process_time: the machine may be shared) counts."""
    consume = make_consumer()
    gen = iter(events)
    busy = 0.0
    done = 0
    gc.collect()
    while done < n:
        batch = []
        for e in gen:
            batch.append(e)
            if len(batch) >= chunk:
                break
        if not batch:
            break
        t0 = time.process_time()
        consume(batch)
        busy += time.process_time() - t0
        done += len(batch)
        print(f"\r  {label}: {done:,}/{n:,} events", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return label, done / busy, busy


_IMPORT = """
import sys
from app.cli import main
rc = main(sys.argv[1:])
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print(int(line.split()[1]) / 1024, file=sys.stderr)
sys.exit(rc)
"""


def import_file(path: Path) -> tuple[int, float, float]:
    """`replay import FILE` into a fresh data folder, in a subprocess: (events stored, CPU
    seconds, peak RSS MB) of that process alone (its own VmHWM: ru_maxrss of a child
    would start from this process's, which holds the recording)."""
    import json
    import resource
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="replay-privacy-bench-") as data:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run([sys.executable, "-c", _IMPORT, "--data", data, "import", str(path)],
                              check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              cwd=ROOT, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run([sys.executable, "-m", "app", "--data", data, "sessions", "--json"],
                             check=True, capture_output=True, cwd=ROOT, text=True).stdout
    n = sum(s["record_count"] for s in json.loads(out))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return n, cpu, float(done.stderr.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000,
                    help="generated session length (0: only the recording)")
    ap.add_argument("--chunk", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=0)
    add_profile_arg(ap)
    add_recording_arg(ap)
    a = ap.parse_args(argv)
    rules = parse_rules(TWENTY_RULES, where="benchmark rules")
    assert len(rules.rules) == 20

    def floor():
        m = Mirror()
        return lambda batch: [m.apply(e) for e in batch]

    def plain():
        return SessionMasker().mask

    maskers = []

    def ruled():
        maskers.append(SessionMasker(rules))
        return maskers[-1].mask

    target = 30_000
    workloads = []
    if a.recording is not None:
        real = load_recording(a.recording)
        workloads.append((f"the real recording {a.recording.name} ({len(real):,} events)",
                          len(real), lambda: copy.deepcopy(real)))
    if a.events:
        workloads.append((f"a generated {a.events:,}-event session", a.events,
                          lambda: generate_session(a.events, seed=a.seed, profile=a.profile)))
    for what, n, events in workloads:
        rows = [run("mirror apply only (floor)", floor, n, a.chunk, events()),
                run("privacy pass, default rules", plain, n, a.chunk, events()),
                run("privacy pass, 20 selector rules", ruled, n, a.chunk, events())]
        print(f"\nprivacy pass on {what} (CPU time, one core, same run)")
        print(f"{'pass':<34}{'events/s':>12}{'CPU s':>10}{'vs floor':>10}")
        for label, rate, secs in rows:
            print(f"{label:<34}{rate:>12,.0f}{secs:>10.1f}{rate / rows[0][1]:>9.2f}x")
        stats = maskers[-1].stats
        print("what the 20 rules did: " + ", ".join(f"{k} {v:,}" for k, v in sorted(stats.items())))
        print(f"target: >= {target:,} events/s with the default rules -> "
              f"{'met' if rows[1][1] >= target else 'NOT met'}")
    if a.recording is not None:
        n, cpu, rss = import_file(a.recording)
        print(f"\n`replay import {a.recording.name}` (default rules; read + decode + privacy +"
              f" store): {n:,} events in {cpu:.1f} CPU s = {n / cpu:,.0f} events/s"
              f" (target >= {target:,}: {'met' if n / cpu >= target else 'NOT met'});"
              f" peak RSS {rss:,.0f} MB (target <= 300: {'met' if rss <= 300 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
