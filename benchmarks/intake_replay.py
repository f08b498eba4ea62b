"""A fixed replay of live batches through `LiveIntake.accept`, in this process: the steady
figure for the live intake's cost per event and per request (run it under valgrind's
callgrind for instruction counts, or with --profile for cProfile), and the digest of the
segment files it stores, to show that a change stores the same bytes.

The batches are the first `--events` events of a recording, cut into requests of `--batch`
events with their batch_id as capture.js sends them, re-stamped to a fixed time, decoded
by `wire.decode_request` as a worker decodes a body (uncompressed: gzip is not ours to
measure). The data folder, the server's batch key and the clock are fixed, so two runs of
the same code store the same bytes. `--prepare` writes the bodies to a file once
(the recording's JSON takes longer to read than the replay runs under callgrind); later
runs read that file.

    python benchmarks/intake_replay.py --prepare --recording benchmarks/out/real-10m.json \\
        --events 3000 --bodies /tmp/bodies.msgpack
    valgrind --tool=callgrind python benchmarks/intake_replay.py --bodies /tmp/bodies.msgpack
    valgrind --tool=callgrind python benchmarks/intake_replay.py --bodies ... --batches 0

Instructions per event: (the run's instructions - those of `--batches 0` with the same
bodies file, which does everything but the replay, its warm-up request included) / events.
Per request and per event apart: two bodies files whose batches differ in size (`--batch
100` and `--batch 500`, the same events) - instructions = events x per-event + requests x
per-request. Each of the SESSIONS sessions is sent the same events, so a run stores
SESSIONS x `--events` events. `--as-import` stores the same events as `replay import` does
(for comparison in CPU time: its bodies are decoded before the clock starts). Wall time
says little on a shared machine; the replay prints its user and system CPU.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import load_recording, run_main  # noqa: E402

T0_MS = 1_700_000_000_000          # the recording's first event, re-stamped
BATCH_KEY = "42" * 32              # the server's batch key (ingest.BATCH_KEY_ENV), fixed
APP_ID = "app_0123456789abcdef"    # the application's id, fixed (it is in the segments)
SESSIONS = 2                       # sessions sent side by side, batch by batch


class Prepared(msgspec.Struct):
    now: int             # the clock the replay runs at
    bodies: list[bytes]  # the request bodies, in order


def bodies_of(events: list[dict], batch: int) -> list[bytes]:
    """The request bodies: the events re-stamped from T0_MS, `batch` a request, sent as
    SESSIONS sessions side by side (a worker holds several open) - each session the same
    events whatever the batch size, so runs with other sizes do the same masking."""
    shift = T0_MS - events[0]["timestamp"]
    out = []
    for i in range(0, len(events), batch):
        part = [dict(e, timestamp=e["timestamp"] + shift) for e in events[i:i + batch]]
        for s in range(SESSIONS):
            out.append(json.dumps({"session_id": f"replay-{s}", "batch_id": f"b{i}",
                                   "events": part}).encode())
    return out


def replay(bodies: list[bytes], now: int, data: Path, profile: Path | None,
           as_import: bool = False, warmup: bytes | None = None) -> tuple[int, float]:
    """Accept every body in a new data folder: (events accepted, CPU seconds). `as_import`:
    import each session's events whole instead (`replay import`'s path), for comparison."""
    from recorder.intake.app import tune_gc
    from recorder.intake.apps import Application
    from recorder.intake.live import LiveIntake
    from recorder.intake.wire import decode_request
    from recorder.privacy import Rules
    from recorder.store import Store
    app = Application(id=APP_ID, name="bench", origins=(), rules=None, created_ms=T0_MS,
                      revoked_ms=None)
    store = Store.open(data)
    live = LiveIntake(store, Rules.default())
    # the first request pays for imports and msgspec's type translation: made once in
    # another folder, in every run (--batches 0 too), so it is no part of the difference
    if warmup:
        with tempfile.TemporaryDirectory(prefix="intake-warmup-") as tmp:
            with Store.open(Path(tmp)) as other:
                batch, encoded, texts = decode_request(warmup, None, other.limits)
                LiveIntake(other, Rules.default()).accept(
                    app, batch, now_ms=now, encoded=encoded, texts=texts)
    tune_gc()
    prof = None
    if profile is not None:
        import cProfile
        prof = cProfile.Profile(time.process_time)   # CPU, not the disk's waits
        prof.enable()
    n = 0
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    if as_import:   # the same events as `replay import` stores them, a session at a time
        from recorder.privacy import masker_factory
        sessions: dict[str, list[dict]] = {}
        for body in bodies:
            batch = decode_request(body, None, store.limits)[0]
            sessions.setdefault(batch.session_id, []).extend(batch.events)
        cpu0 = time.process_time()
        for sid, events in sessions.items():
            store.import_stream(events, masker_factory=masker_factory(Rules.default()),
                                session_id=sid)
            n += len(events)
    else:
        cpu0 = time.process_time()
        for body in bodies:
            batch, encoded, texts = decode_request(body, None, store.limits)
            n += len(batch.events)
            live.accept(app, batch, now_ms=now, encoded=encoded, texts=texts)
    cpu = time.process_time() - cpu0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"replay: {usage.ru_utime - ru0.ru_utime:.3f} s user, {usage.ru_stime - ru0.ru_stime:.3f}"
          " s system CPU", file=sys.stderr)
    if prof is not None:
        prof.disable()
        prof.dump_stats(str(profile))
    store.close()
    return n, cpu


def segments_digest(data: Path) -> tuple[str, int]:
    """One digest over every segment file's bytes, in the order of their session and
    place (the writer's token in the file name left out): (hex, files)."""
    files = sorted(data.glob("segments/*/*/*.seg"),
                   key=lambda p: (p.parent.name, p.name.split("-", 1)[0]))
    h = hashlib.sha256()
    for p in files:
        h.update(p.parent.name.encode() + b"/" + p.name.split("-", 1)[0].encode() + b"\0")
        h.update(p.read_bytes())
    return h.hexdigest(), len(files)


def main(argv: list[str] | None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bodies", type=Path, required=True, metavar="FILE",
                    help="the prepared request bodies (made by --prepare)")
    ap.add_argument("--prepare", action="store_true",
                    help="make FILE from --recording, then stop")
    ap.add_argument("--recording", type=Path, default=None, metavar="FILE")
    ap.add_argument("--events", type=int, default=3000, help="events to prepare")
    ap.add_argument("--batch", type=int, default=100, help="events per request (--prepare)")
    ap.add_argument("--batches", type=int, default=None,
                    help="replay only the first N requests (0: everything but the replay)")
    ap.add_argument("--profile", type=Path, default=None, metavar="OUT",
                    help="write a cProfile of the replay to OUT")
    ap.add_argument("--as-import", action="store_true",
                    help="store the same events as `replay import` does, for comparison")
    ap.add_argument("--keep", type=Path, default=None, metavar="DIR",
                    help="store into DIR (must not exist) and keep it")
    args = ap.parse_args(argv)
    if args.prepare:
        if args.recording is None:
            print("intake_replay: --prepare needs --recording FILE", file=sys.stderr)
            return 2
        events = load_recording(args.recording)[:args.events]
        # the clock: a second after the last event (live events may not be late)
        now = T0_MS + events[-1]["timestamp"] - events[0]["timestamp"] + 1000
        args.bodies.write_bytes(msgspec.msgpack.encode(
            Prepared(now=now, bodies=bodies_of(events, args.batch))))
        return 0
    try:
        prepared = msgspec.msgpack.decode(args.bodies.read_bytes(), type=Prepared)
        bodies = prepared.bodies
    except (OSError, msgspec.DecodeError) as exc:
        print(f"intake_replay: cannot read {args.bodies}: {exc} - make it with --prepare",
              file=sys.stderr)
        return 2
    if args.batches is not None:
        bodies = bodies[:args.batches]
    os.environ["REPLAY_BATCH_KEY"] = BATCH_KEY
    with tempfile.TemporaryDirectory(prefix="intake-replay-") as tmp:
        data = args.keep or Path(tmp) / "data"
        data.mkdir(parents=True)
        n, cpu = replay(bodies, prepared.now, data, args.profile, args.as_import,
                        prepared.bodies[0] if prepared.bodies else None)
        digest, files = segments_digest(data)
    print(f"{len(bodies)} requests, {n} events, {cpu:.3f} CPU-s"
          f" ({n / cpu if cpu else 0:,.0f} events per CPU-s); segments {files} sha256 {digest}")
    return 0


if __name__ == "__main__":
    run_main(main)
