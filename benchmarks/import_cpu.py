"""Import CPU benchmark (issue 12 item 3, issue 10): events per CPU-second of `replay import`
on a real recording with the default privacy rules, and the CPU time of each stage of the
streaming import, measured apart on the same events in one process.

Each figure is CPU time (`time.process_time`, user + system of this process), so it does not
depend on how busy the shared machine is:
- whole: `LocalStore.import_stream` of `rrweb_io.EventStream(FILE)` into a fresh data folder
  (what `replay import FILE` runs, without the interpreter's start-up and the CLI);
- the stages, one after the other over all the events: read (EventStream: the file's bytes
  into events), validate (`format.validate_event`), limits (each event's JSON and
  `limits.check_event` & co.), digest (`sessions.ContentDigest`), mask (`SessionMasker`),
  facts (`facts.FactsReader`), pack (the tree layout's columns and their MessagePack, per
  segment as the store cuts them) and compress (zstd, the compacted segments' codec).
The stages add up to a little more than the whole (each walks the events again).

    python benchmarks/import_cpu.py --recording benchmarks/out/real-10m.json
    python benchmarks/import_cpu.py --repeat 3        # best of 3 per figure
    python benchmarks/import_cpu.py --baseline ../main # beside another checkout's figures

`--baseline DIR` measures the same figures with the recorder of another checkout (a git
worktree of the previous release, say), in a child process run after ours.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, Row, cpu, print_table

GOAL_EVENTS_PER_CPU_S = 30_000
DEFAULT_RECORDING = ROOT / "benchmarks" / "out" / "real-10m.json"


def whole(path: Path) -> int:
    from recorder.privacy import load_rules, masker_factory
    from recorder.rrweb_io import EventStream
    from recorder.store import Store
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "data") as store:
        factory = masker_factory(load_rules(None, None))
        done = store.import_stream(EventStream(path), masker_factory=factory)
        return sum(s.added for s in done)


def stages(path: Path, repeat: int) -> list[tuple[str, float]]:
    from recorder.facts import FactsReader
    from recorder.format import encode_json, encode_msgpack, validate_event
    from recorder.limits import DEFAULT_LIMITS, check_event, check_timestamp, check_viewport
    from recorder.privacy import load_rules, masker_factory
    from recorder.rrweb_io import EventStream
    from recorder.segments import COMPACT_CODEC, _compressor, _pack_columns, plan_segments
    from recorder.sessions import ContentDigest
    out: list[tuple[str, float]] = []
    t, events = cpu(lambda: list(EventStream(path)), repeat)
    out.append(("read", t))
    try:   # as the import validates: each batch at once (a checkout before that: one by one)
        from recorder.format import invalid_events
        from recorder.store import STREAM_BATCH
        t, _ = cpu(lambda: [invalid_events(events[i:i + STREAM_BATCH], i)
                            for i in range(0, len(events), STREAM_BATCH)], repeat)
    except ImportError:
        t, _ = cpu(lambda: [validate_event(e, i) for i, e in enumerate(events)], repeat)
    out.append(("validate", t))
    now = time.time() * 1000

    def limits() -> list[bytes]:
        encs = []
        for i, e in enumerate(events):
            enc = encode_json(e)
            check_event(e, enc, i, DEFAULT_LIMITS)
            check_timestamp(e, i, now, DEFAULT_LIMITS)
            check_viewport(e, i, DEFAULT_LIMITS)
            encs.append(enc)
        return encs
    t, encs = cpu(limits, repeat)
    out.append(("limits", t))

    def digest() -> str:
        d = ContentDigest()
        for e in events:
            d.add(e)
        return d.hexdigest()
    out.append(("digest", cpu(digest, repeat)[0]))
    factory = masker_factory(load_rules(None, None))

    def mask() -> list[dict]:
        m = factory()
        return [r for e, enc in zip(events, encs) if (r := m.mask_event(e, enc)) is not None]
    t, masked = cpu(mask, repeat)
    out.append(("mask", t))

    def facts() -> None:
        r = FactsReader(None)
        for e in masked:
            r.feed(e)
    out.append(("facts", cpu(facts, repeat)[0]))
    cuts = plan_segments(masked, [len(x) for x in encs[:len(masked)]])
    t, payloads = cpu(lambda: [encode_msgpack(_pack_columns(masked[a:b], trees=True))
                               for a, b, _ in cuts], repeat)
    out.append(("pack", t))
    z = _compressor(COMPACT_CODEC, None)
    out.append(("compress", cpu(lambda: [z.compress(p) for p in payloads], repeat)[0]))
    return out


def measure(path: Path, repeat: int, with_stages: bool) -> dict[str, float]:
    """{"events": n, "whole": CPU s, stage name: CPU s...} with the recorder on sys.path."""
    from recorder.format import no_gc
    from recorder.rrweb_io import EventStream
    with no_gc():
        n = sum(1 for _ in EventStream(path))
        t, _ = cpu(lambda: whole(path), repeat)
        out = {"events": n, "whole": t}
        if with_stages:
            out.update(stages(path, repeat))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recording", type=Path, default=DEFAULT_RECORDING)
    ap.add_argument("--repeat", type=int, default=1, help="runs per figure (the least counts)")
    ap.add_argument("--no-stages", action="store_true", help="the whole import only")
    ap.add_argument("--baseline", type=Path, metavar="DIR",
                    help="another checkout, measured the same way after ours")
    ap.add_argument("--tree", type=Path, help=argparse.SUPPRESS)   # the child's checkout
    args = ap.parse_args()
    if args.tree is not None:
        sys.path.insert(0, str(args.tree.resolve()))
        print(json.dumps(measure(args.recording, args.repeat, not args.no_stages)))
        return
    ours = measure(args.recording, args.repeat, not args.no_stages)
    base: dict[str, float] = {}
    if args.baseline is not None:
        child = subprocess.run(
            [sys.executable, __file__, "--tree", str(args.baseline), "--recording",
             str(args.recording), "--repeat", str(args.repeat)]
            + (["--no-stages"] if args.no_stages else []),
            check=True, capture_output=True, text=True)
        base = json.loads(child.stdout.splitlines()[-1])
    n = ours["events"]
    print(f"{args.recording} ({args.recording.stat().st_size / 1e6:,.1f} MB, {n:,} events)")
    rate = n / ours["whole"]
    rows = [Row("import, events per CPU-second", f"{rate:,.0f}",
                f"{n / base['whole']:,.0f}" if base else None,
                f">= {GOAL_EVENTS_PER_CPU_S:,}", rate >= GOAL_EVENTS_PER_CPU_S)]
    rows += [Row("import, CPU s" if k == "whole" else f"  stage {k}, CPU s", f"{v:.3f}",
                 f"{base[k]:.3f}" if k in base else None)
             for k, v in ours.items() if k != "events"]
    print_table("replay import, CPU time (default privacy rules)", rows,
                baseline_name=str(args.baseline) if args.baseline else "baseline")


if __name__ == "__main__":
    main()
