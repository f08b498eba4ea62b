"""The privacy pass's output on a recording, as one digest: a check that an optimisation of
the masker (or of the mirror and levels it runs on) changed nothing it writes.

Masks every event of the recording as `replay import` does (`SessionMasker.mask_event` with
each event's JSON, one masker for the session), then prints the sha256 of the JSON of the
masked events, the masker's stats and the mirror's warnings, and the CPU seconds of the pass
(`time.process_time`, the least of --repeat runs, the cyclic GC off as in an import).
Run it before and after a change: the digest and the counters must not move.

    python benchmarks/mask_digest.py --recording benchmarks/out/real-10m.json
    REPLAY_PURE_PYTHON=1 python benchmarks/mask_digest.py   # the uncompiled modules
"""
from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

from _common import ROOT

DEFAULT_RECORDING = ROOT / "benchmarks" / "out" / "real-10m.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recording", type=Path, default=DEFAULT_RECORDING)
    ap.add_argument("--repeat", type=int, default=1, help="runs of the pass (the least counts)")
    args = ap.parse_args()

    from recorder import compiled
    from recorder.format import encode_json, no_gc
    from recorder.privacy import load_rules, masker_factory
    from recorder.rrweb_io import EventStream

    events = list(EventStream(args.recording))
    encs = [encode_json(e) for e in events]
    factory = masker_factory(load_rules(None, None))
    best = float("inf")
    with no_gc():
        for _ in range(args.repeat):
            m = factory()
            t0 = time.process_time()
            masked = [r for e, enc in zip(events, encs)
                      if (r := m.mask_event(e, enc)) is not None]
            best = min(best, time.process_time() - t0)
    digest = hashlib.sha256()
    for r in masked:
        digest.update(encode_json(r))
        digest.update(b"\n")
    print(f"compiled: {', '.join(compiled()) or 'none'}")
    print(f"events: {len(events)} in, {len(masked)} out")
    print(f"sha256: {digest.hexdigest()}")
    for k, v in sorted(m.stats.items()):
        print(f"stat {k}: {v}")
    for k, v in sorted(m.mirror.warnings.items()):
        print(f"mirror warning {k}: {v}")
    print(f"mask CPU s: {best:.3f}")


if __name__ == "__main__":
    main()
