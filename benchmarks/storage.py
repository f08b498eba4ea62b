"""Storage benchmark: stored bytes and store throughput for one generated session.

Issue [A] "Must show": for a generated 1,000,000-event, 4-hour session, print raw rrweb
JSON bytes, stored bytes (through the real `recorder.store` API), their ratio, and the
baselines measured in the same run on the same JSON - gzip -6 of the whole file and
zlib per event as rrweb's packer does (`JSON.stringify({...event, v: "v1"})` deflated,
counted as binary, the baseline's best case) - plus write and read throughput (events/s,
MB/s of raw JSON) beside gzip's own (JSON encode + gzip -6 / gunzip + JSON decode).
Goals (DESIGN.md): stored <= 1/15 of raw JSON and >= 1.5x smaller than gzip -6.

Then (unless --no-levers) the levers, each measured on the same session cut the way the
store cuts it (`recorder.segments.plan_segments`): zstd level, long-distance matching,
segment size, a trained dictionary for small live segments (trained on a *different*
generated session, so it is not fitted to the data it compresses), and a lossless
column layout of the events inside a segment (`columnar_encode`/`columnar_decode`
below: timestamps as deltas, mouse-move positions as delta-coded integer columns, the
other events' data grouped by kind). Every lever's output is decoded again and compared
with the input, so a figure is never the size of something that cannot be read back.

    python benchmarks/storage.py                    # 1,000,000 events over 4 h
    python benchmarks/storage.py --events 100000    # smaller, faster
    python benchmarks/storage.py --no-levers        # only the Must-show figures
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

from _common import Row, Timer, fmt_bytes, peak_rss_mb, print_table, progress, run_main

import msgspec
import zstandard

from recorder.format import decode_msgpack, encode_msgpack
from recorder.generator import generate_session
from recorder.segments import (COMPACT_CODEC, LIVE_CODEC, MAX_SEGMENT_BYTES, MAX_SEGMENT_RECORDS,
                               Codec, decode_segment, describe, encode_segment, plan_segments)
from recorder.store import Store

FOUR_HOURS = 4 * 3600 * 1000
GOAL_RAW_RATIO = 15.0
GOAL_VS_GZIP = 1.5


# --- the column layout (a lever; lossless for any list of raw events) ----------------------
_EVENT_KEYS = ("type", "data", "timestamp")
_MOVE_KEYS = ("source", "positions")
_POS_KEYS = ("x", "y", "id", "timeOffset")
_RAW = 0      # kind table entry 0: an event kept whole (odd shape, float timestamp, ...)
_MOVES = 1    # kind table entry 1: a MouseMove whose positions go to integer columns


def _int(v: Any) -> bool:
    return type(v) is int


def columnar_encode(events: Sequence[dict]) -> bytes:
    """Events -> one MessagePack map of columns. Only events of the exact common shape
    `{"type", "data", "timestamp"}` (int type, int timestamp) are split up; anything else
    is kept whole in `raw`, so decoding gives back equal dicts with the same key order
    and the same int/float types (byte-identical MessagePack/JSON)."""
    table: list[Any] = ["raw", "moves"]
    lookup: dict[tuple, int] = {}
    kinds: list[int] = []
    dts: list[int] = []
    raw: list[dict] = []
    streams: dict[int, list] = {}
    mn: list[int] = []
    mx: list[int] = []
    my: list[int] = []
    mid: list[int] = []
    mt: list[int] = []
    prev = px = py = 0
    for e in events:
        if type(e) is not dict or tuple(e) != _EVENT_KEYS:
            kinds.append(_RAW)
            raw.append(e)
            continue
        t, d, ts = e["type"], e["data"], e["timestamp"]
        if not (_int(t) and _int(ts) and type(d) is dict):
            kinds.append(_RAW)
            raw.append(e)
            continue
        src = d.get("source") if t == 3 else None
        if t == 3 and src == 1 and tuple(d) == _MOVE_KEYS and type(d["positions"]) is list:
            pos = d["positions"]
            if all(type(p) is dict and tuple(p) == _POS_KEYS and _int(p["x"]) and _int(p["y"])
                   and _int(p["id"]) and _int(p["timeOffset"]) for p in pos):
                kinds.append(_MOVES)
                dts.append(ts - prev)
                prev = ts
                mn.append(len(pos))
                for p in pos:
                    x, y = p["x"], p["y"]
                    mx.append(x - px)
                    my.append(y - py)
                    px, py = x, y
                    mid.append(p["id"])
                    mt.append(p["timeOffset"])
                continue
        key = (t, src if _int(src) else None)
        k = lookup.get(key)
        if k is None:
            k = lookup[key] = len(table)
            table.append(list(key))
            streams[k] = []
        kinds.append(k)
        dts.append(ts - prev)
        prev = ts
        streams[k].append(d)
    return encode_msgpack({
        "v": 1, "table": table, "kinds": kinds, "dt": dts, "raw": raw,
        "streams": [streams[k] for k in range(2, len(table))],
        "mn": mn, "mx": mx, "my": my, "mid": mid, "mt": mt,
    })


def columnar_decode(blob: bytes) -> list[dict]:
    c = decode_msgpack(blob)
    if c.get("v") != 1:
        raise ValueError(f"unknown column layout version {c.get('v')!r}")
    table = c["table"]
    types = [None, 3] + [entry[0] for entry in table[2:]]
    streams = [iter(())] * 2 + [iter(s) for s in c["streams"]]
    raw = iter(c["raw"])
    dts = iter(c["dt"])
    mn, mx, my, mid, mt = iter(c["mn"]), c["mx"], c["my"], c["mid"], c["mt"]
    out: list[dict] = []
    append = out.append
    prev = px = py = 0
    j = 0
    for k in c["kinds"]:
        if k == _RAW:
            append(next(raw))
            continue
        prev += next(dts)
        if k == _MOVES:
            n = next(mn)
            pos = []
            for i in range(j, j + n):
                px += mx[i]
                py += my[i]
                pos.append({"x": px, "y": py, "id": mid[i], "timeOffset": mt[i]})
            j += n
            append({"type": 3, "data": {"source": 1, "positions": pos}, "timestamp": prev})
        else:
            append({"type": types[k], "data": next(streams[k]), "timestamp": prev})
    return out


def columnar_self_check() -> int:
    """The column layout must give back byte-identical MessagePack for odd inputs too:
    the real 2018 rrweb fixture (extra `sessionId` keys), the hostile recording, and
    shapes built to fall off the fast paths. Returns how many events were checked."""
    from recorder.generator import hostile_session
    odd: list[Any] = [
        {"type": 3, "data": {"source": 1, "positions": [{"x": 1.5, "y": 2, "id": 3, "timeOffset": 0}]}, "timestamp": 10},
        {"type": 3, "data": {"source": 1, "positions": [{"y": 2, "x": 1, "id": 3, "timeOffset": 0}]}, "timestamp": 11},
        {"type": 3, "data": {"source": 1, "positions": [{"x": True, "y": 2, "id": 3, "timeOffset": 0}]}, "timestamp": 12},
        {"type": 3, "data": {"source": 1, "positions": [], "extra": 1}, "timestamp": 12},
        {"type": 3, "data": {"source": 1, "positions": []}, "timestamp": 13},
        {"type": 3, "data": {"source": 99, "whatever": [1, 2]}, "timestamp": 14},
        {"type": 3, "data": {"source": "1"}, "timestamp": 15},
        {"type": 42, "data": {"future": True}, "timestamp": 16},
        {"type": 5, "data": {"tag": "x", "payload": None}, "timestamp": 16.25},
        {"data": {"href": "x"}, "type": 4, "timestamp": 17},
        {"type": 4, "data": {"href": "x", "width": 1, "height": 2}, "timestamp": 18, "sessionId": "s"},
        {"type": 6, "data": None, "timestamp": 19},
        {"type": True, "data": {}, "timestamp": 20},
        {"type": 3, "data": {"source": 2, "type": 2, "id": 1, "x": 1, "y": 2}, "timestamp": 5},
        {"type": 3, "data": {"source": 1, "positions": [{"x": 4, "y": 5, "id": 6, "timeOffset": -20}]}, "timestamp": -3},
    ]
    sets = [odd, hostile_session(), list(generate_session(3000, 600_000, seed=99))]
    fixture = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures" / "rrweb-player-demo.json"
    if fixture.is_file():
        sets.append(msgspec.json.decode(fixture.read_bytes()))
    checked = 0
    for events in sets:
        back = columnar_decode(columnar_encode(events))
        if encode_msgpack(back) != encode_msgpack(events):
            raise AssertionError("column layout is not lossless")
        checked += len(events)
    return checked


# --- measuring one lever -----------------------------------------------------------------
class Lever(msgspec.Struct):
    name: str
    stored: int = 0
    compress_s: float = 0.0
    read_s: float = 0.0
    segments: int = 0
    note: str = ""


def _zstd(level: int, window_log: int = 0, zdict: zstandard.ZstdCompressionDict | None = None):
    if window_log:
        params = zstandard.ZstdCompressionParameters.from_level(
            level, enable_ldm=True, window_log=window_log, write_checksum=1, write_content_size=1)
    else:
        params = zstandard.ZstdCompressionParameters.from_level(level, write_checksum=1,
                                                                write_content_size=1)
    return zstandard.ZstdCompressor(compression_params=params, dict_data=zdict)


def measure_lever(name: str, events: list[dict], cuts: Sequence[tuple[int, int]], *,
                  codec: Codec | None = None, level: int = 3, window_log: int = 0,
                  zdict: zstandard.ZstdCompressionDict | None = None, note: str = "") -> Lever:
    """With `codec`: whole segment files through the store's own `encode_segment` /
    `decode_segment` (framing, checksum, its payload transform). Without: the column
    layout above, zstd at `level`/`window_log`."""
    lever = Lever(name, segments=len(cuts), note=note)
    if codec is not None:
        if zdict is not None:
            codec = Codec(level=codec.level, window_log=codec.window_log, transform=codec.transform,
                          dict_id=zdict.dict_id(), threads=codec.threads)

        def encode(evs: list[dict], i: int) -> bytes:
            return encode_segment("bench", describe(evs, i, "init", None), evs, codec, zdict)

        def decode(blob: bytes) -> list[dict]:
            return decode_segment(blob, lambda _id: zdict)[1]
    else:
        comp = _zstd(level, window_log, zdict)
        dec = zstandard.ZstdDecompressor(dict_data=zdict, max_window_size=1 << 31)

        def encode(evs: list[dict], i: int) -> bytes:
            return comp.compress(columnar_encode(evs))

        def decode(blob: bytes) -> list[dict]:
            return columnar_decode(dec.decompress(blob))
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
    ap.add_argument("--events", type=int, default=1_000_000, help="session length (default 1,000,000)")
    ap.add_argument("--duration-ms", type=int, default=FOUR_HOURS, help="session span (default 4 h)")
    ap.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    ap.add_argument("--data", type=Path, default=None,
                    help="an empty data folder for the store, kept afterwards "
                         "(default: a temporary one, removed after)")
    ap.add_argument("--no-levers", action="store_true", help="skip the codec experiments")
    args = ap.parse_args(argv)
    n = args.events
    if n < 1:
        ap.error("--events must be at least 1")
    if args.data is not None and args.data.exists() and any(args.data.iterdir()):
        ap.error(f"{args.data} is not empty: the benchmark needs an empty data folder "
                 "(importing the same session twice stores nothing new)")

    print(f"session: {n:,} generated events over {args.duration_ms / 3.6e6:.2f} h (seed {args.seed})")
    t_gen = Timer()
    gc.disable()  # a million acyclic dicts: the cyclic collector would only rescan them
    try:
        with progress("generate", n) as advance, t_gen:
            events = []
            for e in generate_session(n, args.duration_ms, seed=args.seed):
                events.append(e)
                if len(events) % 10_000 == 0:
                    advance(10_000)
    finally:
        gc.enable()
    gc.collect()  # the store and the baselines are measured with the collector on, as in a real import
    print(f"generated in {t_gen.s:.1f} s ({n / t_gen.s:,.0f} events/s); RSS peak {peak_rss_mb():,.0f} MB")

    base = baselines(events)
    raw, gz = base["raw"], base["gzip"]
    raw_mb = raw / 1e6

    tmp = None
    data_dir = args.data
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
    print_table(f"Storage: {n:,} events, store codec level {codec.level}, window_log {codec.window_log}"
                f"{', dict ' + str(codec.dict_id) if codec.dict_id else ''}",
                rows, baseline_name="baseline (same run)")

    if not args.no_levers:
        run_levers(events, base, args)
    return 0


def run_levers(events: list[dict], base: dict[str, Any], args: argparse.Namespace) -> None:
    raw, gz, n = base["raw"], base["gzip"], len(events)
    print(f"column layout: lossless on {columnar_self_check():,} odd/real/hostile events (byte-identical MessagePack)")
    store_cuts = [(a, b) for a, b, _ in plan_segments(events, base["sizes"],
                                                       max_records=MAX_SEGMENT_RECORDS,
                                                       max_bytes=MAX_SEGMENT_BYTES)]
    whole = [(0, n)]
    live = fixed_cuts(n, 1000)
    levers: list[Lever] = []

    def add(*a: Any, **kw: Any) -> None:
        levers.append(measure_lever(*a, **kw))

    add("store codec: zstd 3, no transform (= live codec)", events, store_cuts, codec=LIVE_CODEC)
    add("store codec: zstd 3 + transform", events, store_cuts, codec=Codec(level=3, window_log=0))
    add("store codec: zstd 9 + transform", events, store_cuts, codec=Codec(level=9, window_log=0))
    add("store codec: zstd 19 + LDM + transform, one segment", events, whole, codec=COMPACT_CODEC,
        note="segment-size lever")
    add("columnar layout, zstd 3", events, store_cuts, level=3)
    add("columnar layout, zstd 9", events, store_cuts, level=9)
    add("columnar layout, zstd 19 + LDM", events, store_cuts, level=19, window_log=27)
    # live intake: small segments (1,000 events), where a trained dictionary matters
    other = list(generate_session(min(n, 200_000), args.duration_ms, seed=args.seed + 1))
    samples = [encode_msgpack(other[i:i + 64]) for i in range(0, len(other), 64)]
    with progress("train dictionary (on another session)", None):
        zdict = zstandard.train_dictionary(112 * 1024, samples)
    del other, samples
    add("live: store live codec, 1,000-event segments", events, live, codec=LIVE_CODEC)
    add("live: store live codec + 112 kB dictionary", events, live, codec=LIVE_CODEC, zdict=zdict,
        note="dictionary trained on another session")
    add("live: store zstd 3 + transform + dictionary", events, live, codec=Codec(level=3, window_log=0),
        zdict=zdict)
    add("live: columnar layout, zstd 3 + dictionary", events, live, level=3, zdict=zdict)

    # where the store's write time goes: the same ingest with a fast codec
    tmp = tempfile.mkdtemp(prefix="replay-storage-bench-")
    try:
        fast = store_roundtrip(events, Path(tmp), compact_codec=Codec(level=3, window_log=0))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = [Row("store.ingest, compact_codec = zstd 3 + transform",
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
    print("columns: stored bytes, raw/stored, gzip-6/stored | compression MB/s of raw JSON, "
          "decode events/s (zstd + layout + MessagePack) | segments | both goals met")


if __name__ == "__main__":
    run_main(main)
