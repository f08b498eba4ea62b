"""Segments: the unit of storage. One segment is an immutable, independently decodable
zstd frame of MessagePack-encoded events, wrapped in a small self-describing file:

    offset  size  field
    0       4     magic b"RPSG"
    4       1     format version (1)
    5       3     reserved (zero)
    8       4     header length H (u32, little endian)
    12      8     payload length P (u64, little endian)
    20      H     header: MessagePack map (segment metadata + codec)
    20+H    P     payload: one zstd frame (with zstd's own content checksum)
    20+H+P  4     CRC32 of every byte before it

A torn write (short file) fails the length check, a flipped bit fails the CRC (and the zstd
frame checksum behind it); either way `decode_segment` raises `SegmentDamaged` and the
reader skips that segment instead of serving garbage.

The header's codec map says how to read the payload: `transform` bits pick the layout
(0: a plain list of events; 1/2/3: the first, delta layout; 4: the column layout, which
every segment is written in now) and `dict_id` a trained zstd dictionary kept in the data
folder. Readers keep decoding every layout, so older files stay readable.

The codec is configurable because layout, level and segment size are the levers of the
storage goal: small live segments are cheap to write (zstd 3), compacted ones are written
once and read many times (zstd 9: on the column layout higher levels buy ~2% for several
times the time).
"""
from __future__ import annotations

import struct
import threading
from collections import Counter
from itertools import accumulate, pairwise, permutations
import zlib
from typing import Any, Callable, Sequence

import msgspec
import zstandard

from .format import EventType, decode_msgpack, encode_msgpack

MAGIC = b"RPSG"
VERSION = 1
_FIXED = struct.Struct("<4sB3xIQ")  # magic, version, header len, payload len
_CRC = struct.Struct("<I")
SUFFIX = ".seg"

# Datadog's segment creation reasons, plus ours for imports/compaction.
INIT = "init"
VIEW_CHANGE = "view_change"
RECORDS_LIMIT = "segment_records_limit"
BYTES_LIMIT = "segment_bytes_limit"
LIVE = "live"

# Compacted segments: big enough to compress well, small enough that opening a session
# decodes one quickly (first frame) and a seek touches one segment.
MAX_SEGMENT_RECORDS = 50_000
MAX_SEGMENT_BYTES = 24 * 1024 * 1024  # of raw event JSON


# Header key of the session facts not derivable from events (see `encode_segment`).
SESSION_INFO = "session_info"


class SegmentDamaged(ValueError):
    """A segment file that is truncated, corrupted or otherwise not decodable."""


class SegmentMeta(msgspec.Struct, kw_only=True):
    """What the index knows about one segment (and what its file header repeats)."""

    index: int
    start_ms: float
    end_ms: float
    record_count: int
    has_full_snapshot: bool
    creation_reason: str
    view_id: str | None = None
    bytes: int = 0          # size of the segment file
    raw_bytes: int = 0      # size of the MessagePack payload before compression
    file: str = ""          # path relative to the data folder ("" for in-memory sources)


# Payload layouts (what zstd is given; readers get the same events back in every case).
COLUMNS = "columns"   # events grouped by kind into columns (`_pack_columns`)
DELTAS = "deltas"     # the first layout: events with delta timestamps and pointer columns
PLAIN = "plain"       # the events as they are
LAYOUTS = (COLUMNS, DELTAS, PLAIN)


class Codec(msgspec.Struct, frozen=True, kw_only=True):
    """How a segment payload is laid out and compressed. `layout` is one of LAYOUTS;
    `window_log` > 0 enables zstd's long-distance matching with that window
    (2**window_log bytes); `dict_id` names a trained dictionary (0 = none); `threads`
    uses zstd's worker threads (output stays a single frame)."""

    level: int = 9
    window_log: int = 0
    dict_id: int = 0
    threads: int = 0
    layout: str = COLUMNS

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ValueError(f"unknown segment layout {self.layout!r}; use one of {LAYOUTS}")


# Measured on generated sessions (benchmarks/storage.py): the column layout at zstd 9 is
# smaller than the delta layout at zstd 19 + long-distance matching, and several times
# faster to write; levels above 9 cost far more time than they save bytes.
LIVE_CODEC = Codec(level=3, window_log=0, layout=COLUMNS)
COMPACT_CODEC = Codec(level=9, window_log=0, layout=COLUMNS)

# Largest window a reader accepts (zstd's default cap is 2**27 = 128 MB).
_MAX_WINDOW = 1 << 31
# The most one payload may decompress to: four times the largest segment the store cuts
# (MessagePack can outgrow the JSON it is measured by: a float is 9 bytes however short
# its text). A frame that claims more (1 KB can claim 64 GB, and zstd would allocate it)
# or produces more is damage, refused before the memory is spent.
MAX_RAW_BYTES = 4 * MAX_SEGMENT_BYTES
# The most a segment file may be: a payload zstd could not shrink, plus its header.
MAX_FILE_BYTES = MAX_RAW_BYTES + (1 << 20)

DictLoader = Callable[[int], "zstandard.ZstdCompressionDict | None"]

_compressors: dict[tuple, zstandard.ZstdCompressor] = {}


def _compressor(codec: Codec, zdict: zstandard.ZstdCompressionDict | None):
    # one compressor per thread: a ZstdCompressor must not be shared by concurrent calls
    key = (codec, id(zdict) if zdict is not None else 0, threading.get_ident())
    c = _compressors.get(key)
    if c is None:
        if codec.window_log:
            params = zstandard.ZstdCompressionParameters.from_level(
                codec.level, enable_ldm=True, window_log=codec.window_log,
                write_checksum=1, write_content_size=1, threads=codec.threads)
        else:
            params = zstandard.ZstdCompressionParameters.from_level(
                codec.level, write_checksum=1, write_content_size=1, threads=codec.threads)
        c = zstandard.ZstdCompressor(compression_params=params, dict_data=zdict)
        if len(_compressors) > 32:
            _compressors.clear()
        _compressors[key] = c
    return c


def encode_segment(session_id: str, meta: SegmentMeta, events: Sequence[dict], codec: Codec,
                   zdict: zstandard.ZstdCompressionDict | None = None, *,
                   session_info: dict[str, Any] | None = None) -> bytes:
    """Serialise one segment file. `meta.raw_bytes` and `meta.bytes` are filled in.
    `session_info` (the first segment of a write) keeps what the index knows about the
    session beyond its events - application, user, context - so `replay repair` can bring
    it back when the index is lost."""
    transform, raw = _payload(events, codec.layout)
    payload = _compressor(codec, zdict).compress(raw)
    meta.raw_bytes = len(raw)
    header = encode_msgpack({
        "session": session_id,
        "index": meta.index,
        "view_id": meta.view_id,
        "start_ms": meta.start_ms,
        "end_ms": meta.end_ms,
        "record_count": meta.record_count,
        "has_full_snapshot": meta.has_full_snapshot,
        "creation_reason": meta.creation_reason,
        "raw_bytes": len(raw),
        "codec": {"level": codec.level, "window_log": codec.window_log,
                  "dict_id": codec.dict_id if zdict is not None else 0,
                  "transform": transform},
        **({SESSION_INFO: session_info} if session_info is not None else {}),
    })
    body = _FIXED.pack(MAGIC, VERSION, len(header), len(payload)) + header + payload
    blob = body + _CRC.pack(zlib.crc32(body))
    meta.bytes = len(blob)
    return blob


def _payload(events: Sequence[dict], layout: str) -> tuple[int, bytes]:
    """(header transform bits, uncompressed payload) of events in a layout."""
    if layout == COLUMNS:
        return T_COLUMNS, encode_msgpack(_pack_columns(events))
    if layout == DELTAS:
        transform = T_POSITIONS | (T_TIMESTAMPS if _timestamps_ok(events) else 0)
        return transform, encode_msgpack(_pack_events(events, transform))
    return 0, encode_msgpack(events)


def payload_bytes(events: Sequence[dict], codec: Codec = COMPACT_CODEC) -> bytes:
    """The uncompressed payload a codec would write for these events: what a zstd
    dictionary for that codec should be trained on."""
    return _payload(events, codec.layout)[1]


def read_header(blob: bytes) -> dict[str, Any]:
    """Verify the file's framing and checksum and return its header map."""
    header, _ = _split(blob)
    return header


def _split(blob: bytes) -> tuple[dict[str, Any], memoryview]:
    if len(blob) < _FIXED.size + _CRC.size:
        raise SegmentDamaged(f"truncated: {len(blob)} bytes")
    magic, version, hlen, plen = _FIXED.unpack_from(blob)
    if magic != MAGIC:
        raise SegmentDamaged("not a segment (bad magic)")
    if version != VERSION:
        raise SegmentDamaged(f"unsupported segment version {version}")
    expected = _FIXED.size + hlen + plen + _CRC.size
    if len(blob) != expected:
        raise SegmentDamaged(f"truncated or padded: {len(blob)} bytes, header says {expected}")
    (crc,) = _CRC.unpack_from(blob, expected - _CRC.size)
    view = memoryview(blob)
    if zlib.crc32(view[: expected - _CRC.size]) != crc:
        raise SegmentDamaged("checksum mismatch")
    try:
        header = decode_msgpack(view[_FIXED.size: _FIXED.size + hlen])
    except msgspec.DecodeError as exc:  # pragma: no cover - CRC makes this near impossible
        raise SegmentDamaged(f"bad header: {exc}") from None
    if not isinstance(header, dict):
        raise SegmentDamaged("bad header")
    return header, view[_FIXED.size + hlen: _FIXED.size + hlen + plen]


def decode_segment(blob: bytes, load_dict: DictLoader | None = None) -> tuple[dict, list[dict]]:
    """(header, events) of a segment file; raises SegmentDamaged if it cannot be trusted."""
    header, payload = _split(blob)
    dict_id = (header.get("codec") or {}).get("dict_id") or 0
    zdict = None
    if dict_id:
        zdict = load_dict(dict_id) if load_dict else None
        if zdict is None:
            raise SegmentDamaged(f"needs compression dictionary {dict_id}, which is missing")
    transform = (header.get("codec") or {}).get("transform") or 0
    if type(transform) is not int or transform not in _TRANSFORMS:
        raise SegmentDamaged(f"unknown payload transform {transform!r} (written by a newer"
                             " version?)")
    try:
        claimed = zstandard.frame_content_size(payload)
    except zstandard.ZstdError as exc:
        raise SegmentDamaged(f"payload is not a zstd frame: {exc}") from None
    if claimed > MAX_RAW_BYTES:
        raise SegmentDamaged(f"payload claims {claimed:,} bytes, over the {MAX_RAW_BYTES:,} a"
                             " segment may hold")
    try:
        d = zstandard.ZstdDecompressor(dict_data=zdict, max_window_size=_MAX_WINDOW)
        # a claimed size is checked by zstd against what the frame produces; an unclaimed
        # one is bounded by max_output_size (zstd fails a frame that would need more)
        raw = d.decompress(payload, max_output_size=MAX_RAW_BYTES)
        if transform == T_COLUMNS:
            events = _unpack_columns(decode_msgpack(raw))
        else:
            events = _unpacker.decode(raw) if transform else decode_msgpack(raw)
    except (zstandard.ZstdError, msgspec.DecodeError, ValueError, TypeError, KeyError,
            IndexError, StopIteration) as exc:
        raise SegmentDamaged(f"payload does not decode: {exc}") from None
    if not isinstance(events, list):
        raise SegmentDamaged("payload is not a list of events")
    if transform & T_TIMESTAMPS:
        _unpack_timestamps(events)
    return header, events


# --- the delta layout (transform bits 1 and 2; written before the column layout) -------
# Two reversible rewrites that make rrweb events far more compressible, applied to the
# MessagePack payload only (readers get the original events back, field for field):
# - integer timestamps become the difference from the previous integer timestamp
#   (floats stay as they are, and do not move the reference);
# - pointer positions (MouseMove/TouchMove/Drag `positions`) whose items are exactly
#   {x, y, id, timeOffset} with integer values become one MessagePack extension value
#   holding the four columns, delta-encoded. An extension type never occurs in decoded
#   JSON, so it cannot be mistaken for recorded data.
T_POSITIONS = 1     # header "transform" bits
T_TIMESTAMPS = 2
T_COLUMNS = 4       # the column layout (below); never combined with the other bits
_TRANSFORMS = (0, T_POSITIONS, T_TIMESTAMPS, T_POSITIONS | T_TIMESTAMPS, T_COLUMNS)
_EXT_POSITIONS = 1
_POS_KEYS = ("x", "y", "id", "timeOffset")
_POINTER_SOURCES = (1, 6, 12)
_BIG = 1 << 60   # deltas of values inside this range always fit MessagePack's int64


def _pack_positions(pos: list) -> msgspec.msgpack.Ext | None:
    cols: list[int] = []
    for k in _POS_KEYS:
        prev = 0
        for p in pos:
            v = p[k]
            cols.append(v - prev)
            prev = v
    return msgspec.msgpack.Ext(_EXT_POSITIONS, encode_msgpack(cols))


def _positions_ok(pos: Any) -> bool:
    if not isinstance(pos, list) or not pos:
        return False
    for p in pos:
        if type(p) is not dict or tuple(p) != _POS_KEYS:
            return False
        for v in p.values():
            if type(v) is not int or not -_BIG < v < _BIG:
                return False
    return True


def _timestamps_ok(events: Sequence[dict]) -> bool:
    return all(-_BIG < e["timestamp"] < _BIG for e in events
               if type(e.get("timestamp")) is int)


def _pack_events(events: Sequence[dict], transform: int) -> list:
    out = []
    prev = 0
    deltas = bool(transform & T_TIMESTAMPS)
    for e in events:
        ts = e.get("timestamp")
        if deltas and type(ts) is int:
            e2 = dict(e)
            e2["timestamp"] = ts - prev
            prev = ts
        else:
            e2 = e
        if e.get("type") == 3:
            d = e.get("data")
            if type(d) is dict and d.get("source") in _POINTER_SOURCES \
                    and _positions_ok(d.get("positions")):
                d2 = dict(d)
                d2["positions"] = _pack_positions(d["positions"])
                if e2 is e:
                    e2 = dict(e)
                e2["data"] = d2
        out.append(e2)
    return out


def _ext_hook(code: int, data: memoryview) -> Any:
    if code != _EXT_POSITIONS:
        raise ValueError(f"unknown extension {code}")
    cols = decode_msgpack(data)
    n = len(cols) // 4
    if n * 4 != len(cols) or not n:
        raise ValueError("bad positions column")
    return [{"x": x, "y": y, "id": i, "timeOffset": t} for x, y, i, t in zip(
        accumulate(cols[:n]), accumulate(cols[n:2 * n]), accumulate(cols[2 * n:3 * n]),
        accumulate(cols[3 * n:]))]


_unpacker = msgspec.msgpack.Decoder(ext_hook=_ext_hook)


def _unpack_timestamps(events: list) -> None:
    prev = 0
    for e in events:
        if type(e) is dict:
            ts = e.get("timestamp")
            if type(ts) is int:
                prev += ts
                e["timestamp"] = prev


# --- the column layout (header transform bit T_COLUMNS) --------------------------------
# The payload is one MessagePack map instead of a list of events:
#   kinds  one small int per event: 0 = kept whole in `raw`, k > 0 = table[k]
#   table  k -> [event type, data keys, mode(, event key order)]; an event of kind k
#          was exactly {"type": type, "data": {key: value...}, "timestamp": int}, or
#          those three keys in the order given
#   dt     the int timestamps of the non-raw events, each as the difference from the last
#   cols   k -> mode 0: one list per data key (struct of arrays: similar values side by
#          side); mode 1 (pointer moves, data exactly {source, positions} with integer
#          {x, y, id, timeOffset} points): source, then the points as integer columns
#          n (points per event), x and y delta-coded along the kind, id, timeOffset
# Events of any other shape (extra keys, float or bool or huge timestamps, a non-int type,
# data not a str-keyed map) stay whole in `raw`; pointer moves with missing/float/bool
# fields go to plain mode-0 columns. Decoding gives equal dicts with the same key order
# and value types: byte-identical MessagePack. Grouping by kind puts look-alike data together, which is what zstd needs:
# a fast level on this layout beats level 19 + long-distance matching on plain events.
_COLUMNS_VERSION = 1
_EVENT_KEYS = ("type", "data", "timestamp")
# rrweb writes {type, data, timestamp}; other tools order the same three keys otherwise
_KEY_ORDERS = {order: list(order) for order in permutations(_EVENT_KEYS)}
_POINTER_KEYS = ("source", "positions")
_FIELDS = 0     # table mode: data values in `cols`
_POINTER = 1    # table mode: `source` and the positions' columns in `cols`


def _pointer_ok(pos: Any) -> bool:
    if type(pos) is not list:
        return False
    for p in pos:
        if type(p) is not dict or tuple(p) != _POS_KEYS:
            return False
        x, y, i, t = p.values()
        if not (type(x) is int and type(y) is int and type(i) is int and type(t) is int
                and -_BIG < x < _BIG and -_BIG < y < _BIG and -_BIG < i < _BIG
                and -_BIG < t < _BIG):
            return False
    return True


def _pack_columns(events: Sequence[dict]) -> dict:
    table: list[Any] = [None]
    lookup: dict[tuple, int] = {}
    cols: list[Any] = [None]
    kinds: list[int] = []
    dts: list[int] = []
    raw: list[Any] = []
    last: dict[int, tuple[int, int]] = {}   # pointer kind -> its last (x, y)
    prev = 0
    for e in events:
        order = tuple(e) if type(e) is dict else None
        if order != _EVENT_KEYS and order not in _KEY_ORDERS:
            kinds.append(0)
            raw.append(e)
            continue
        t, d, ts = e["type"], e["data"], e["timestamp"]
        if type(t) is not int or type(ts) is not int or type(d) is not dict \
                or not -_BIG < ts < _BIG:
            kinds.append(0)
            raw.append(e)
            continue
        keys = tuple(d)
        src = d.get("source")
        pointer = (t == 3 and keys == _POINTER_KEYS and src in _POINTER_SOURCES
                   and type(src) is int and _pointer_ok(d["positions"]))
        key = (t, keys, pointer, src if type(src) is int else None, order)
        k = lookup.get(key)
        if k is None:
            if not all(type(name) is str for name in keys):
                kinds.append(0)
                raw.append(e)
                continue
            k = lookup[key] = len(table)
            table.append([t, list(keys), _POINTER if pointer else _FIELDS]
                         + ([] if order == _EVENT_KEYS else [_KEY_ORDERS[order]]))
            cols.append([[] for _ in range(6 if pointer else len(keys))])
        kinds.append(k)
        dts.append(ts - prev)
        prev = ts
        if pointer:
            srcs, pn, px, py, pid, pt = cols[k]
            srcs.append(src)
            pos = d["positions"]
            pn.append(len(pos))
            lx, ly = last.get(k, (0, 0))
            for p in pos:
                x, y, i, to = p.values()
                px.append(x - lx)
                py.append(y - ly)
                lx, ly = x, y
                pid.append(i)
                pt.append(to)
            last[k] = lx, ly
        else:
            for column, v in zip(cols[k], d.values()):
                column.append(v)
    return {"v": _COLUMNS_VERSION, "table": table, "kinds": kinds, "dt": dts, "raw": raw,
            "cols": cols}


def _unpack_pointer(keys: list, columns: list, n: int) -> list[dict]:
    srcs, pn, px, py, pid, pt = columns
    if len(keys) != 2 or len(srcs) != n or len(pn) != n \
            or any(type(m) is not int or m < 0 for m in pn) \
            or not len(px) == len(py) == len(pid) == len(pt) == sum(pn):
        raise ValueError("pointer column lengths disagree")
    points = [{"x": x, "y": y, "id": i, "timeOffset": t}
              for x, y, i, t in zip(accumulate(px), accumulate(py), pid, pt)]
    s, p = keys
    return [{s: src, p: points[a:b]}
            for src, (a, b) in zip(srcs, pairwise(accumulate(pn, initial=0)))]


def _unpack_columns(c: Any) -> list:
    """Events from a column map; ValueError if the map is not one `_pack_columns` wrote."""
    if type(c) is not dict or c.get("v") != _COLUMNS_VERSION:
        raise ValueError("unknown column layout version")
    table, kinds, dts, raw, cols = c["table"], c["kinds"], c["dt"], c["raw"], c["cols"]
    if not (type(table) is list and len(cols) == len(table) and type(kinds) is list):
        raise ValueError("bad column table")
    counts = Counter(kinds)
    if not all(type(k) is int and 0 <= k < len(table) for k in counts):
        raise ValueError("bad event kind")
    if counts[0] != len(raw) or len(kinds) - len(raw) != len(dts):
        raise ValueError("column lengths disagree")
    types: list[Any] = [None]
    orders: dict[int, list] = {}
    datas: list[Any] = [iter(raw)]
    for k in range(1, len(table)):
        t, keys, mode, *order = table[k]
        if order:
            if len(order) != 1 or tuple(order[0]) not in _KEY_ORDERS:
                raise ValueError("bad event key order")
            orders[k] = order[0]
        columns = cols[k]
        n = counts[k]
        if mode == _POINTER:
            data = _unpack_pointer(keys, columns, n)
        elif mode == _FIELDS:
            if len(columns) != len(keys) or any(len(col) != n for col in columns):
                raise ValueError("bad column")
            data = [dict(zip(keys, row)) for row in zip(*columns)] if keys else \
                [{} for _ in range(n)]
        else:
            raise ValueError(f"unknown column mode {mode!r}")
        types.append(t)
        datas.append(iter(data))
    if raw or orders:   # the rare case: whole events in between, keys in another order
        out: list[Any] = []
        ts = accumulate(dts)
        for k in kinds:
            if k == 0:
                out.append(next(datas[0]))
                continue
            e = {"type": types[k], "data": next(datas[k]), "timestamp": next(ts)}
            order = orders.get(k)
            out.append({name: e[name] for name in order} if order else e)
        return out
    return [{"type": types[k], "data": next(datas[k]), "timestamp": t}
            for k, t in zip(kinds, accumulate(dts))]


def meta_from_header(header: dict, *, file: str = "", size: int = 0) -> SegmentMeta:
    return SegmentMeta(
        index=header["index"], start_ms=header["start_ms"], end_ms=header["end_ms"],
        record_count=header["record_count"], has_full_snapshot=header["has_full_snapshot"],
        creation_reason=header["creation_reason"], view_id=header.get("view_id"),
        bytes=size, raw_bytes=header.get("raw_bytes", 0), file=file)


# --- planning: where a session's events are cut into segments --------------------------
def _starts_view(events: Sequence[dict], i: int) -> bool:
    """A Meta event (navigation / checkout), or a FullSnapshot not right after its Meta,
    opens a new view: the natural place to begin a new segment."""
    t = events[i].get("type")
    if t == EventType.Meta:
        return True
    if t == EventType.FullSnapshot:
        return i == 0 or events[i - 1].get("type") != EventType.Meta
    return False


def plan_segments(events: Sequence[dict], sizes: Sequence[int] | None = None, *,
                  max_records: int = MAX_SEGMENT_RECORDS,
                  max_bytes: int = MAX_SEGMENT_BYTES) -> list[tuple[int, int, str]]:
    """Cut a session into (start, stop, creation_reason) ranges: a new segment at each
    view change, and whenever one grows past `max_records` events or `max_bytes` of event
    JSON (`sizes[i]`, when known)."""
    cuts: list[tuple[int, int, str]] = []
    start, reason, acc = 0, INIT, 0
    n = len(events)
    for i in range(n):
        size = sizes[i] if sizes is not None else 0
        if i > start:
            why = None
            if _starts_view(events, i):
                why = VIEW_CHANGE
            elif i - start >= max_records:
                why = RECORDS_LIMIT
            elif sizes is not None and acc + size > max_bytes:
                why = BYTES_LIMIT
            if why:
                cuts.append((start, i, reason))
                start, reason, acc = i, why, 0
        acc += size
    if n:
        cuts.append((start, n, reason))
    return cuts


def describe(events: Sequence[dict], index: int, reason: str, view_id: str | None) -> SegmentMeta:
    ts = [e["timestamp"] for e in events]
    return SegmentMeta(
        index=index, start_ms=min(ts), end_ms=max(ts), record_count=len(events),
        has_full_snapshot=any(e.get("type") == EventType.FullSnapshot for e in events),
        creation_reason=reason, view_id=view_id)

