"""Storage benchmark: stored bytes and store throughput, on a real recording and a generated session.

With `--recording FILE` (rrweb JSON, NDJSON, PostHog/Sentry export; benchmarks/record_real.py
makes long ones) every table below is printed for that recording first, then for the
generated session; each is followed by the ratio per event kind (each kind's events alone
through the compact codec, beside gzip -6 of the same events).

Issue [A] "Must show": for a generated 1,000,000-event, 4-hour session, print raw rrweb
JSON bytes, stored bytes (through the real `recorder.store` API), their ratio, and the
baselines measured in the same run on the same JSON - gzip -6 of the whole file and
zlib per event as rrweb's packer does (`JSON.stringify({...event, v: "v1"})` deflated,
counted as binary, the baseline's best case) - plus write and read throughput (events/s,
MB/s of raw JSON) beside gzip's own (JSON encode + gzip -6 / gunzip + JSON decode).
Goals (DESIGN.md): stored <= 1/15 of raw JSON and >= 1.5x smaller than gzip -6.

Then (unless --no-levers) the levers, each measured with the store's own segment codec
(`recorder.segments.encode_segment` / `decode_segment`: framing, checksum, layout, zstd)
on the same session cut the way the store cuts it (`recorder.segments.plan_segments`):
the payload layout (plain events; the earlier delta and column layouts; the tree layout
the store writes now), zstd level, long-distance matching, segment size, and a trained dictionary
for small live segments (trained on a *different* generated session, so it is not fitted
to the data it compresses). Every lever's output is decoded again and compared with the
input, so a figure is never the size of something that cannot be read back.

    python benchmarks/storage.py                    # 1,000,000 events over 4 h
    python benchmarks/storage.py --events 100000    # smaller, faster
    python benchmarks/storage.py --no-levers        # only the Must-show figures
    python benchmarks/storage.py --recording benchmarks/out/real-10m.json --events 200000
                                                    # a real recording first (record_real.py)
"""
from __future__ import annotations

import argparse
import gc
import shutil
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any, Sequence

from _common import (Row, Timer, add_recording_arg, fmt_bytes, load_recording, peak_rss_mb,
                     print_table, progress, run_main)

import msgspec
import zstandard

from recorder.format import EventType, IncrementalSource, encode_msgpack
from replay_tools.generator import add_profile_arg, generate_session
from recorder.segments import (COLUMNS, COMPACT_CODEC, DELTAS, LIVE_CODEC, MAX_SEGMENT_BYTES,
                               MAX_SEGMENT_RECORDS, PLAIN, Codec, decode_segment, describe,
                               TREES, encode_segment, payload_bytes, plan_segments)
from recorder.store import Store

FOUR_HOURS = 4 * 3600 * 1000
GOAL_RAW_RATIO = 15.0
GOAL_VS_GZIP = 1.5
EVENT_NAMES = {t.value: t.name for t in EventType}
SOURCE_NAMES = {s.value: s.name for s in IncrementalSource}


# --- measuring one lever -----------------------------------------------------------------
class Lever(msgspec.Struct):
    name: str
    stored: int = 0
    compress_s: float = 0.0
    read_s: float = 0.0
    segments: int = 0
    note: str = ""


def measure_lever(name: str, events: list[dict], cuts: Sequence[tuple[int, int]], codec: Codec, *,
                  zdict: zstandard.ZstdCompressionDict | None = None, note: str = "") -> Lever:
    """Whole segment files through the store's own `encode_segment` / `decode_segment`
    (framing, checksum, payload layout, zstd), one per cut."""
    lever = Lever(name, segments=len(cuts), note=note)
    if zdict is not None:
        codec = Codec(level=codec.level, window_log=codec.window_log, layout=codec.layout,
                      dict_id=zdict.dict_id(), threads=codec.threads)

    def encode(evs: list[dict], i: int) -> bytes:
        return encode_segment("bench", describe(evs, i, "init", None), evs, codec, zdict)

    def decode(blob: bytes) -> list[dict]:
        return decode_segment(blob, lambda _id: zdict)[1]
    blobs = []
    with progress(f"lever: {name}", len(events)) as advance:
        for i, (a, b) in enumerate(cuts):
            t0 = time.perf_counter()
            blob = encode(events[a:b], i)
            lever.compress_s += time.perf_counter() - t0
            lever.stored += len(blob)
            blobs.append(blob)
            advance(b - a)
    for (a, b), blob in zip(cuts, blobs):
        t0 = time.perf_counter()
        back = decode(blob)
        lever.read_s += time.perf_counter() - t0
        if back != events[a:b] or encode_msgpack(back) != encode_msgpack(events[a:b]):
            raise AssertionError(f"lever {name!r} does not round-trip segment {a}:{b}")
    return lever


def fixed_cuts(n: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(n, a + size)) for a in range(0, n, size)]


# --- the benchmark -------------------------------------------------------------------------
def baselines(events: list[dict]) -> dict[str, Any]:
    """Raw JSON size, gzip -6 of the whole file, zlib per event (rrweb packer), and the
    gzip baseline's write/read speed."""
    enc = msgspec.json.Encoder()
    sizes: list[int] = []
    gz = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: a gzip stream, like `gzip -6`
    parts: list[bytes] = []
    packed = 0
    t_json = Timer()
    t_gzip = Timer()
    t_pack = Timer()
    with progress("raw JSON, gzip -6, rrweb packer", len(events)) as advance:
        for i, e in enumerate(events):
            with t_json:
                b = enc.encode(e)
            sizes.append(len(b))
            with t_gzip:
                parts.append(gz.compress((b"[" if i == 0 else b",") + b))
            with t_pack:  # rrweb's packer: zlib(JSON.stringify({...event, v: "v1"}))
                packed += len(zlib.compress(enc.encode({**e, "v": "v1"}), 6))
            if (i + 1) % 10_000 == 0:
                advance(10_000)
        with t_gzip:
            parts.append(gz.compress(b"]" if events else b"[]"))
            parts.append(gz.flush())
    gzipped = b"".join(parts)
    raw = sum(sizes) + len(sizes) + 1 if sizes else 2
    t_read = Timer()
    with t_read:  # the gzip baseline's read: gunzip + JSON decode into events
        back = msgspec.json.decode(zlib.decompress(gzipped, 31))
    assert len(back) == len(events)
    del back
    return {"raw": raw, "sizes": sizes, "gzip": len(gzipped), "packer": packed,
            "gzip_write_s": t_json.s + t_gzip.s, "gzip_read_s": t_read.s,
            "packer_s": t_pack.s}


def store_roundtrip(events: list[dict], data_dir: Path, **options: Any) -> dict[str, Any]:
    """Ingest through the real store (an import: validate, limits, split, facts, segments,
    index, fsync) and read every event back. `options` go to Store.open (e.g. a codec)."""
    store = Store.open(data_dir, **options)
    try:
        with progress("store.ingest", len(events)) as advance:
            last = [0]

            def on_progress(done: int, total: int) -> None:
                k = int(done * len(events) / max(total, 1))
                advance(max(0, k - last[0]))
                last[0] = max(last[0], k)

            t_write = Timer()
            with t_write:
                ids = store.ingest(events, progress=on_progress)
        if len(ids) != 1:
            raise SystemExit(f"expected one session, the store made {len(ids)}: {ids}")
        reader = store.session(ids[0])
        t_read = Timer()
        count = 0
        with t_read:
            for _ in reader.events():
                count += 1
        mismatched = sum(1 for a, b in zip(reader.events(), events) if a != b)
        seg_bytes = sum(p.stat().st_size for p in (data_dir / "segments").rglob("*") if p.is_file())
        index_bytes = sum(p.stat().st_size for p in data_dir.glob("index.sqlite3*"))
        return {"id": ids[0], "write_s": t_write.s, "read_s": t_read.s, "count": count,
                "mismatched": mismatched, "stored": seg_bytes, "index": index_bytes,
                "segments": len(reader.segments), "damaged": list(reader.damaged),
                "codec": store.compact_codec}
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000,
                    help="generated session length (default 1,000,000; 0: no generated session)")
    ap.add_argument("--duration-ms", type=int, default=FOUR_HOURS, help="session span (default 4 h)")
    ap.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    add_profile_arg(ap)
    add_recording_arg(ap)
    ap.add_argument("--data", type=Path, default=None,
                    help="an empty data folder for the store, kept afterwards "
                         "(default: a temporary one, removed after)")
    ap.add_argument("--no-levers", action="store_true", help="skip the codec experiments")
    args = ap.parse_args(argv)
    n = args.events
    if n < 0 or (n == 0 and args.recording is None):
        ap.error("--events must be at least 1 (or 0 with --recording)")
    if args.data is not None and args.data.exists() and any(args.data.iterdir()):
        ap.error(f"{args.data} is not empty: the benchmark needs an empty data folder "
                 "(importing the same session twice stores nothing new)")
    if args.recording is not None:
        t_load = Timer()
        gc.disable()
        try:
            with t_load:
                real = load_recording(args.recording)
        finally:
            gc.enable()
        gc.collect()
        print(f"real recording: {args.recording} — {len(real):,} events over "
              f"{(real[-1]['timestamp'] - real[0]['timestamp']) / 6e4:.1f} min "
              f"(read in {t_load.s:.1f} s)")
        measure(f"real recording {args.recording.name}", real, args,
                None if args.data is None else args.data / "real")
        del real
        gc.collect()
    if n:
        print(f"\nsession: {n:,} generated events over {args.duration_ms / 3.6e6:.2f} h (seed {args.seed}, profile {args.profile})")
        t_gen = Timer()
        gc.disable()  # a million acyclic dicts: the cyclic collector would only rescan them
        try:
            with progress("generate", n) as advance, t_gen:
                events = []
                for e in generate_session(n, args.duration_ms, seed=args.seed, profile=args.profile):
                    events.append(e)
                    if len(events) % 10_000 == 0:
                        advance(10_000)
        finally:
            gc.enable()
        gc.collect()  # the store and the baselines are measured with the collector on, as in a real import
        print(f"generated in {t_gen.s:.1f} s ({n / t_gen.s:,.0f} events/s); RSS peak {peak_rss_mb():,.0f} MB")
        measure(f"generated {n:,} events", events, args,
                None if args.data is None else args.data / "generated")
    return 0


def measure(label: str, events: list[dict], args: argparse.Namespace, data_dir: Path | None) -> None:
    """The Must-show table (and the per-kind ratios, and the levers) for one session."""
    n = len(events)
    base = baselines(events)
    raw, gz = base["raw"], base["gzip"]
    raw_mb = raw / 1e6

    tmp = None
    if data_dir is None:
        tmp = tempfile.mkdtemp(prefix="replay-storage-bench-")
        data_dir = Path(tmp)
    try:
        st = store_roundtrip(events, data_dir)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    stored = st["stored"]
    ratio = raw / stored
    vs_gzip = gz / stored
    codec = st["codec"]

    rows = [
        Row("raw rrweb JSON", fmt_bytes(raw)),
        Row("stored bytes (segment files)", fmt_bytes(stored), fmt_bytes(gz),
            f"<= raw/15 = {fmt_bytes(raw / GOAL_RAW_RATIO)}", stored <= raw / GOAL_RAW_RATIO),
        Row("  + SQLite index", fmt_bytes(st["index"])),
        Row("raw / stored", f"{ratio:.2f}x", f"{raw / gz:.2f}x (gzip -6)", ">= 15x", ratio >= GOAL_RAW_RATIO),
        Row("gzip -6 / stored", f"{vs_gzip:.2f}x", "1.00x", ">= 1.5x", vs_gzip >= GOAL_VS_GZIP),
        Row("zlib per event (rrweb packer)", "", fmt_bytes(base["packer"]) + f" ({raw / base['packer']:.1f}x)"),
        Row("write events/s", f"{n / st['write_s']:,.0f}", f"{n / base['gzip_write_s']:,.0f} (JSON+gzip)"),
        Row("write MB/s of raw JSON", f"{raw_mb / st['write_s']:.1f}", f"{raw_mb / base['gzip_write_s']:.1f}"),
        Row("read events/s", f"{n / st['read_s']:,.0f}", f"{n / base['gzip_read_s']:,.0f} (gunzip+JSON)"),
        Row("read MB/s of raw JSON", f"{raw_mb / st['read_s']:.1f}", f"{raw_mb / base['gzip_read_s']:.1f}"),
        Row("segments", st["segments"]),
        Row("events read back / equal", f"{st['count']:,} / {st['count'] - st['mismatched']:,}", None,
            "all", st["count"] == n and st["mismatched"] == 0 and not st["damaged"]),
        Row("peak RSS (MB)", f"{peak_rss_mb():,.0f}"),
    ]
    print_table(f"Storage, {label}: store codec: layout {codec.layout}, zstd {codec.level}"
                f"{', window_log ' + str(codec.window_log) if codec.window_log else ''}"
                f"{', dict ' + str(codec.dict_id) if codec.dict_id else ''}",
                rows, baseline_name="baseline (same run)")
    by_kind(events, base)
    if not args.no_levers:
        run_levers(events, base, args)


def _kind(e: Any) -> str:
    t = e.get("type") if isinstance(e, dict) else None
    if t == 3:
        src = (e.get("data") or {}).get("source")
        return f"incremental: {SOURCE_NAMES.get(src, src)}"
    if t == 6:
        return f"plugin: {(e.get('data') or {}).get('plugin')}"
    return EVENT_NAMES.get(t, str(t))


def by_kind(events: list[dict], base: dict[str, Any]) -> None:
    """Each kind of event alone through the compact codec (segments of at most the store's
    record count), against gzip -6 of the same events' JSON: where the bytes are."""
    groups: dict[str, list[int]] = {}
    for i, e in enumerate(events):
        groups.setdefault(_kind(e), []).append(i)
    rows = []
    for kind, idx in sorted(groups.items(), key=lambda kv: -sum(base["sizes"][i] for i in kv[1])):
        evs = [events[i] for i in idx]
        raw = sum(base["sizes"][i] + 1 for i in idx)
        stored = sum(len(encode_segment("bench", describe(evs[a:b], 0, "init", None), evs[a:b],
                                        COMPACT_CODEC))
                     for a, b in fixed_cuts(len(evs), MAX_SEGMENT_RECORDS))
        gz = len(zlib.compress(b"[" + b",".join(msgspec.json.encode(e) for e in evs) + b"]", 6))
        rows.append(Row(f"{kind} ({len(evs):,} events)",
                        f"{fmt_bytes(stored)}  {raw / stored:.1f}x",
                        f"{fmt_bytes(gz)}  {raw / gz:.1f}x",
                        f"raw {fmt_bytes(raw)} ({100 * raw / base['raw']:.0f}%)",
                        None))
    print_table("Per event kind (each kind alone): stored, raw/stored | gzip -6, raw/gzip", rows,
                baseline_name="gzip -6 (same run)")


def run_levers(events: list[dict], base: dict[str, Any], args: argparse.Namespace) -> None:
    raw, gz, n = base["raw"], base["gzip"], len(events)
    store_cuts = [(a, b) for a, b, _ in plan_segments(events, base["sizes"],
                                                       max_records=MAX_SEGMENT_RECORDS,
                                                       max_bytes=MAX_SEGMENT_BYTES)]
    whole = [(0, n)]
    live = fixed_cuts(n, 1000)
    levers: list[Lever] = []

    def add(*a: Any, **kw: Any) -> None:
        levers.append(measure_lever(*a, **kw))

    add("plain events, zstd 3 (= live codec)", events, store_cuts,
        Codec(level=3, layout=PLAIN))
    add("delta layout, zstd 3", events, store_cuts, Codec(level=3, layout=DELTAS))
    add("delta layout, zstd 19 + LDM (the former compact codec)", events, store_cuts,
        Codec(level=19, window_log=27, layout=DELTAS))
    add("column layout, zstd 9 (the former compact codec)", events, store_cuts,
        Codec(level=9, layout=COLUMNS))
    for level in (3, 6, 9, 12):
        add(f"tree layout, zstd {level}" + (" (= compact codec)" if Codec(level=level) == COMPACT_CODEC
                                            else ""), events, store_cuts, Codec(level=level))
    add("tree layout, zstd 19 + LDM", events, store_cuts, Codec(level=19, window_log=27))
    add("tree layout, zstd 9, one segment", events, whole, COMPACT_CODEC, note="segment-size lever")
    # live intake: small segments (1,000 events), where a trained dictionary matters; live
    # segments are written plain (cheap for the intake) and packed into trees once quiet
    LIVE_TREES = Codec(level=3, layout=TREES)
    other = list(generate_session(min(n, 200_000), args.duration_ms, seed=args.seed + 1,
                                  profile=args.profile))
    with progress("train dictionaries (on another session)", None):
        plain_dict = zstandard.train_dictionary(
            112 * 1024, [encode_msgpack(other[i:i + 64]) for i in range(0, len(other), 64)])
        column_dict = zstandard.train_dictionary(
            112 * 1024, [payload_bytes(other[i:i + 64], LIVE_TREES) for i in range(0, len(other), 64)])
    del other
    add("live: plain events, zstd 3 (= live codec)", events, live, LIVE_CODEC)
    add("live: plain events, zstd 3 + dictionary", events, live, Codec(level=3, layout=PLAIN),
        zdict=plain_dict, note="dictionary trained on another session")
    add("live: tree layout, zstd 3 (the former live codec)", events, live, LIVE_TREES)
    add("live: tree layout, zstd 3 + dictionary", events, live, LIVE_TREES, zdict=column_dict,
        note="dictionary trained on tree payloads")

    # where the store's write time goes: the same ingest with a fast codec
    tmp = tempfile.mkdtemp(prefix="replay-storage-bench-")
    try:
        fast = store_roundtrip(events, Path(tmp), compact_codec=LIVE_CODEC)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = [Row("store.ingest, compact_codec = live codec (plain events, zstd 3)",
                f"{fmt_bytes(fast['stored'])}  {raw / fast['stored']:.1f}x  {gz / fast['stored']:.2f}x gz",
                f"{raw / 1e6 / fast['write_s']:.0f} / {n / fast['read_s']:,.0f}",
                f"{fast['segments']} seg; whole ingest: {n / fast['write_s']:,.0f} events/s written",
                raw / fast["stored"] >= GOAL_RAW_RATIO and gz / fast["stored"] >= GOAL_VS_GZIP)]
    for lv in levers:
        r = raw / lv.stored
        g = gz / lv.stored
        rows.append(Row(lv.name, f"{fmt_bytes(lv.stored)}  {r:.1f}x  {g:.2f}x gz",
                        f"{raw / 1e6 / lv.compress_s:.0f} / {n / lv.read_s:,.0f}",
                        f"{lv.segments} seg" + (f"; {lv.note}" if lv.note else ""),
                        r >= GOAL_RAW_RATIO and g >= GOAL_VS_GZIP))
    print_table("Levers (same session; every output decoded and compared)", rows,
                baseline_name="write MB/s / read ev/s")
    print("columns: stored bytes, raw/stored, gzip-6/stored | write MB/s of raw JSON (layout + "
          "MessagePack + zstd + framing), decode events/s (checksum + zstd + MessagePack + layout) | "
          "segments | both goals met")


if __name__ == "__main__":
    run_main(main)
