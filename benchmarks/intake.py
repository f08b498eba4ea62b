"""Throughput and latency of the live intake: a real `replay serve` on loopback, fed by
several concurrent client processes, for 1 and 2 workers.

Payloads are a real recording (`--recording FILE`, for instance the 10-minute one of
benchmarks/record_real.py; else the demo session: rrweb's recorder in Chromium, see
README), replayed as many live sessions: each client sends one session after another,
re-stamped to now, in gzipped batches of `--batch` events, each with its batch_id as
capture.js sends them, one request at a time, and waits for each 202. Bodies are prepared
before the clock starts, so the clients spend their time waiting on the server. Default
privacy rules (mask-user-input, detectors on).

Baseline, same run: the same batches decoded and stored by `LiveIntake.accept` in this
process, with the same masker state carried per session - no HTTP, one thread - in events
per CPU-second of this process (wall time on a shared machine says more about the others).

Target (DESIGN.md): intake with the default rules >= 30,000 events/s on one core - read
against "events per server CPU-second" (the CPU time of the server's processes, from
/proc), which a machine shared with other work does not distort as much as wall time.

    python benchmarks/intake.py [--recording FILE] [--seconds 5] [--clients 4] [--batch 100]
                                [--events-per-client N]

How much of a recording a run gets through depends on the speed, and real recordings are
not the same all along (the 10-minute one starts with its heaviest page): to compare two
versions, `--events-per-client N` sends exactly the first N events of the recording from
each client (no time limit), so both do the same work.
"""
from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import Row, add_recording_arg, load_recording, percentile, print_table, \
    run_main  # noqa: E402

from recorder.paths import ASSETS  # noqa: E402

RECORDING = ASSETS / "demo" / "demo-session.json"
GOAL_PER_CORE = 30_000


def sessions_of(events: list[dict], batch: int, t0: int, prefix: str, count: int,
                max_events: int | None = None):
    """`count` copies of the recording as live sessions, each as (raw bytes, gzipped
    bodies with their event counts); at most `max_events` events in all (the last session
    cut short): a long recording is not prepared further than a run can send."""
    first = events[0]["timestamp"]
    span = events[-1]["timestamp"] - first + 1000
    out = []
    left = max_events if max_events is not None else count * len(events)
    for k in range(count):
        if left <= 0:
            break
        shift = t0 + k * span - first
        bodies = []
        for i in range(0, min(len(events), left), batch):
            part = [dict(e, timestamp=e["timestamp"] + shift) for e in events[i:i + batch]]
            raw = json.dumps({"session_id": f"{prefix}-{k}", "batch_id": f"b{i}",
                              "events": part}).encode()
            bodies.append((len(raw), gzip.compress(raw, 6), len(part)))
        left -= len(events)
        out.append(bodies)
    return out


def client(url: str, app_id: str, token: str, bodies: list, seconds: float, start_at: float,
           results) -> None:
    import http.client
    from urllib.parse import urlsplit
    host = urlsplit(url)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
               "Content-Encoding": "gzip"}
    while time.time() < start_at:
        time.sleep(0.005)
    deadline = start_at + seconds
    events = raw_bytes = 0
    lat: list[float] = []
    errors = 0
    for session in bodies:
        for raw_len, body, n in session:
            t = time.perf_counter()
            conn.request("POST", f"/v1/events?app={app_id}", body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            lat.append((time.perf_counter() - t) * 1000)
            if r.status == 202:
                events += n
                raw_bytes += raw_len
            else:
                errors += 1
            if time.time() > deadline:   # (a long real session is not sent to its end)
                break
        if time.time() > deadline:
            break
    results.put((events, raw_bytes, time.time() - start_at, lat, errors))


def group_cpu_s(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the processes of a process group: the
    server's own work, whatever else the machine is doing (Linux /proc; 0 elsewhere)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:           # pgrp
            total += int(fields[11]) + int(fields[12])   # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def run_server(workers: int, args, events: list[dict]) -> dict:
    from replay_tools.intake import IntakeServer
    with tempfile.TemporaryDirectory(prefix="intake-bench-") as tmp:
        srv = IntakeServer(Path(tmp) / "data", workers=workers)
        app_id, token = srv.create_app("bench")
        srv.start()
        try:
            ctx = multiprocessing.get_context("fork")
            results = ctx.Queue()
            t0 = int(time.time() * 1000) - 3_600_000
            seconds = float("inf") if args.events_per_client else args.seconds
            # enough sessions for the time given; unused ones are never sent
            per_client = max(2, int(args.seconds * 40_000 / len(events) / args.clients) + 2)
            most = args.events_per_client or int(args.seconds * args.most / args.clients)
            bodies = [sessions_of(events, args.batch, t0, f"w{workers}-c{c}", per_client, most)
                      for c in range(args.clients)]
            start_at = time.time() + 1.0
            procs = [ctx.Process(target=client, args=(srv.url, app_id, token, bodies[c],
                                                      seconds, start_at, results))
                     for c in range(args.clients)]
            for p in procs:
                p.start()
            cpu0 = group_cpu_s(srv.proc.pid)
            got = [results.get(timeout=min(seconds, 600) * 10 + 60) for _ in procs]
            cpu = group_cpu_s(srv.proc.pid) - cpu0
            for p in procs:
                p.join()
        finally:
            srv.stop()
    elapsed = max(g[2] for g in got)
    lat = [x for g in got for x in g[3]]
    return {"events_s": sum(g[0] for g in got) / elapsed,
            "events_cpu_s": sum(g[0] for g in got) / cpu if cpu > 0 else None,
            "mb_s": sum(g[1] for g in got) / elapsed / 1e6,
            "p50": percentile(lat, 50), "p99": percentile(lat, 99),
            "errors": sum(g[4] for g in got), "requests": len(lat)}


def baseline(args, events: list[dict]) -> float:
    """Events per CPU-second of LiveIntake.accept in-process, same batches, same masker
    carry."""
    from recorder.intake.app import tune_gc
    from recorder.intake.apps import Applications
    from recorder.intake.live import LiveIntake
    from recorder.intake.wire import decode_request
    from recorder.privacy import Rules
    from recorder.store import Store
    with tempfile.TemporaryDirectory(prefix="intake-base-") as tmp:
        data = Path(tmp)
        apps = Applications(data)
        app, _ = apps.create("bench")
        store = Store.open(data)
        live = LiveIntake(store, Rules.default())
        t0 = int(time.time() * 1000) - 3_600_000
        todo = sessions_of(events, args.batch, t0, "base",
                           max(2, int(args.seconds * 40_000 / len(events))),
                           int(args.seconds * args.most))
        tune_gc()   # as a worker does (what is loaded so far is never garbage)
        n = 0
        start = time.perf_counter()
        cpu0 = time.process_time()
        for session in todo:
            for _raw_len, body, count in session:
                batch, encoded, texts = decode_request(gzip.decompress(body), None,
                                                       store.limits)
                live.accept(app, batch, encoded=encoded, texts=texts)
                n += count
                if time.perf_counter() - start > args.seconds:
                    break
            if time.perf_counter() - start > args.seconds:
                break
        cpu = time.process_time() - cpu0
        store.close()
        apps.close()
    return n / cpu


def main(argv: list[str] | None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="sending time per run")
    ap.add_argument("--events-per-client", type=int, default=0, metavar="N",
                    help="send exactly this many events from each client instead (the same"
                         " work whatever the speed)")
    ap.add_argument("--clients", type=int, default=4, help="concurrent client processes")
    ap.add_argument("--batch", type=int, default=100, help="events per request")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--payload", choices=["recording", "generated"], default="recording",
                    help="the demo recording (real), or a generated 3,000-event visit")
    ap.add_argument("--most", type=int, default=60_000, metavar="N",
                    help="events/s no run can exceed: bodies are prepared for that many"
                         " (default %(default)s)")
    add_recording_arg(ap)
    args = ap.parse_args(argv)
    if args.recording is not None:
        events = load_recording(args.recording)
        what = args.recording.name
    elif args.payload == "recording":
        events = json.loads(RECORDING.read_text())
        what = RECORDING.name
    else:
        from replay_tools.generator import generate_session
        events = list(generate_session(3000, duration_ms=5 * 60 * 1000, seed=1))
        what = "replay_tools.generator visit"
    size = len(json.dumps(events))
    print(f"payload: {what}, {len(events)} events, {size:,} bytes"
          f" of JSON; {args.clients} clients, {args.batch} events per request,"
          f" {args.seconds:g} s per run; {os.cpu_count()} cores", file=sys.stderr)
    base = baseline(args, events)
    rows = [Row("in-process LiveIntake.accept: events per CPU-second", None, base, "", None)]
    for w in args.workers:
        r = run_server(w, args, events)
        per_cpu = r["events_cpu_s"]
        rows += [
            Row(f"{w} worker(s): events/s", r["events_s"]),
            Row(f"{w} worker(s): events per server CPU-second", per_cpu, base,
                f">= {GOAL_PER_CORE:,}/core", per_cpu is not None and per_cpu >= GOAL_PER_CORE),
            Row(f"{w} worker(s): MB/s of rrweb JSON", r["mb_s"]),
            Row(f"{w} worker(s): 202 latency p50 / p99 ms",
                f"{r['p50']:.1f} / {r['p99']:.1f}"),
            Row(f"{w} worker(s): requests (errors)", f"{r['requests']:,} ({r['errors']})"),
        ]
    print_table("Live intake through replay serve (loopback)", rows,
                baseline_name="baseline: in-process")
    return 0


if __name__ == "__main__":
    run_main(main)
