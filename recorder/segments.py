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
(0: a plain list of events; 1/2/3: the first, delta layout; 4: the column layout; 4|8: the
tree layout, which every segment is written in now - the column layout with mutations and
snapshots' node trees in columns too) and `dict_id` a trained zstd dictionary kept in the
data folder. Readers keep decoding every layout, so older files stay readable.

The codec is configurable because layout, level and segment size are the levers of the
storage goal: small live segments are cheap to write (zstd 3), compacted ones are written
once and read many times (zstd 9: on the column layout higher levels buy ~2% for several
times the time).
"""
from __future__ import annotations

import struct
import threading
from collections import Counter
from itertools import accumulate, islice, permutations
import zlib
from typing import Any, Callable, Iterator, Sequence

import msgspec
import zstandard

from .format import EventType, IncrementalSource, decode_msgpack, encode_msgpack

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
# Header key of the live batch a segment begins: [application, client session, batch id,
# event count, digest of its events (absent in older files)], so a rebuilt index still
# knows the batch was accepted, and with which events (intake/wire.py).
BATCH = "batch"


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
TREES = "trees"       # the column layout, with mutations and snapshots' node trees in columns too
COLUMNS = "columns"   # events grouped by kind into columns (`_pack_columns`)
DELTAS = "deltas"     # the first layout: events with delta timestamps and pointer columns
PLAIN = "plain"       # the events as they are
LAYOUTS = (TREES, COLUMNS, DELTAS, PLAIN)


class Codec(msgspec.Struct, frozen=True, kw_only=True):
    """How a segment payload is laid out and compressed. `layout` is one of LAYOUTS;
    `window_log` > 0 enables zstd's long-distance matching with that window
    (2**window_log bytes); `dict_id` names a trained dictionary (0 = none); `threads`
    uses zstd's worker threads (output stays a single frame)."""

    level: int = 9
    window_log: int = 0
    dict_id: int = 0
    threads: int = 0
    layout: str = TREES

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ValueError(f"unknown segment layout {self.layout!r}; use one of {LAYOUTS}")


# Measured on generated sessions (benchmarks/storage.py): the column layout at zstd 9 is
# smaller than the delta layout at zstd 19 + long-distance matching, and several times
# faster to write; levels above 9 cost far more time than they save bytes.
# On real recordings (rrweb in Chromium, benchmarks/record_real.py) mutations are nearly all
# the bytes; the tree layout puts their ids, texts and added nodes in columns too.
# Live segments are the events as they are (PLAIN), zstd 3: on the real 10-minute recording
# in batches of 100 that is 3x cheaper to write than the tree layout (6.5 vs 21 us an event,
# a seventh of the intake's whole budget) for 1.8x the bytes, and a live session is rewritten
# in the tree layout by compaction once it ends.
LIVE_CODEC = Codec(level=3, window_log=0, layout=PLAIN)
COMPACT_CODEC = Codec(level=9, window_log=0, layout=TREES)

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
                   session_info: dict[str, Any] | None = None,
                   batch: list | None = None) -> bytes:
    """Serialise one segment file. `meta.raw_bytes` and `meta.bytes` are filled in.
    `session_info` (the first segment of a write) keeps what the index knows about the
    session beyond its events - application, user, context - so `replay repair` can bring
    it back when the index is lost; `batch` (the first segment of a named live batch) does
    the same for its batch id."""
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
        **({BATCH: batch} if batch is not None else {}),
    })
    body = _FIXED.pack(MAGIC, VERSION, len(header), len(payload)) + header + payload
    blob = body + _CRC.pack(zlib.crc32(body))
    meta.bytes = len(blob)
    return blob


def _payload(events: Sequence[dict], layout: str) -> tuple[int, bytes]:
    """(header transform bits, uncompressed payload) of events in a layout."""
    if layout == TREES:
        return T_COLUMNS | T_TREES, encode_msgpack(_pack_columns(events, trees=True))
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


# what a payload that passed its checksums can still fail with, decoded
DECODE_ERRORS = (zstandard.ZstdError, msgspec.DecodeError, ValueError, TypeError, KeyError,
                 IndexError, StopIteration)


def decode_segment(blob: bytes, load_dict: DictLoader | None = None) -> tuple[dict, list[dict]]:
    """(header, events) of a segment file; raises SegmentDamaged if it cannot be trusted."""
    header, events = iter_segment(blob, load_dict)
    try:
        return header, list(events)
    except DECODE_ERRORS as exc:
        raise SegmentDamaged(f"payload does not decode: {exc}") from None


def segment_payload(blob: bytes, load_dict: DictLoader | None = None) -> bytes:
    """A segment file's payload, decompressed: MessagePack, in which every string the events
    hold is its UTF-8 bytes (what a search for text a segment may hold can read without
    building the events); SegmentDamaged as `decode_segment`."""
    header, payload = _split(blob)
    return _decompressed(header, payload, load_dict)


def payload_strings(payload: bytes) -> list[str]:
    """Every string a segment's payload (`segment_payload`) holds, dict keys included, without
    building its events: each string an event of it holds is one of them, whole (every layout
    stores strings as they are - interned, in columns, never cut or joined), except the
    format's own field names that a layout's reader puts back (`type`, `data`, a mutation
    item's `id`...). Read generically: extension values (pointer columns: numbers only) are
    passed over. SegmentDamaged when it does not decode."""
    try:
        root = decode_msgpack(payload)
    except DECODE_ERRORS as exc:
        raise SegmentDamaged(f"payload does not decode: {exc}") from None
    if type(root) is str:
        return [root]
    out: list[str] = []
    add = out.append
    stack = [root] if type(root) is list or type(root) is dict else []
    pop, push = stack.pop, stack.append
    while stack:
        c = pop()
        if type(c) is dict:
            for k in c:
                if type(k) is str:
                    add(k)
            c = c.values()
        for v in c:
            t = type(v)
            if t is str:
                add(v)
            elif t is list or t is dict:
                push(v)
    return out


def _decompressed(header: dict, payload: memoryview, load_dict: DictLoader | None) -> bytes:
    dict_id = (header.get("codec") or {}).get("dict_id") or 0
    zdict = None
    if dict_id:
        zdict = load_dict(dict_id) if load_dict else None
        if zdict is None:
            raise SegmentDamaged(f"needs compression dictionary {dict_id}, which is missing")
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
        return d.decompress(payload, max_output_size=MAX_RAW_BYTES)
    except DECODE_ERRORS as exc:
        raise SegmentDamaged(f"payload does not decode: {exc}") from None


def iter_segment(blob: bytes, load_dict: DictLoader | None = None) -> tuple[dict, Iterator[dict]]:
    """(header, events one at a time) of a segment file: the framing, the checksums and
    the payload's columns are read now (SegmentDamaged if they cannot be trusted), each
    event is built as it is taken - so a reader that needs the first few events of a
    segment does not hold the GIL for building its thousands (the real recording's first
    segment: 0.4-0.6 s of compiled code). The iterator raises one of `DECODE_ERRORS`
    where the columns disagree with their table (`decode_segment` says SegmentDamaged)."""
    header, payload = _split(blob)
    transform = (header.get("codec") or {}).get("transform") or 0
    if type(transform) is not int or transform not in _TRANSFORMS:
        raise SegmentDamaged(f"unknown payload transform {transform!r} (written by a newer"
                             " version?)")
    raw = _decompressed(header, payload, load_dict)
    try:
        if transform & T_COLUMNS:
            return header, _iter_columns(decode_msgpack(raw), trees=bool(transform & T_TREES))
        events = _unpacker.decode(raw) if transform else decode_msgpack(raw)
    except DECODE_ERRORS as exc:
        raise SegmentDamaged(f"payload does not decode: {exc}") from None
    if not isinstance(events, list):
        raise SegmentDamaged("payload is not a list of events")
    if transform & T_TIMESTAMPS:
        _unpack_timestamps(events)
    return header, iter(events)


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
T_TREES = 8         # with T_COLUMNS: mutations and snapshot trees in columns too (below)
_TRANSFORMS = (0, T_POSITIONS, T_TIMESTAMPS, T_POSITIONS | T_TIMESTAMPS, T_COLUMNS,
               T_COLUMNS | T_TREES)
_EXT_POSITIONS = 1
_POS_KEYS = ("x", "y", "id", "timeOffset")
# the enums as plain ints: compared with an event's own ints in the compiled loops
_INCREMENTAL = int(EventType.IncrementalSnapshot)
_FULL_SNAPSHOT = int(EventType.FullSnapshot)
_MUTATION_SOURCE = int(IncrementalSource.Mutation)
_POINTER_SOURCES = (int(IncrementalSource.MouseMove), int(IncrementalSource.TouchMove),
                    int(IncrementalSource.Drag))
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
        if e.get("type") == _INCREMENTAL:
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
_MUTATION = 2   # table mode (tree layout): a mutation, in the `trees` streams
_SNAPSHOT = 3   # table mode (tree layout): a full snapshot, in the `trees` streams


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


def _all_str(keys: tuple) -> bool:
    for k in keys:
        if type(k) is not str:
            return False
    return True


def _pack_columns(events: Sequence[dict], trees: bool = False) -> dict:
    table: list[Any] = [None]
    tr = _Trees() if trees else None
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
        pointer = (t == _INCREMENTAL and keys == _POINTER_KEYS and src in _POINTER_SOURCES
                   and type(src) is int and _pointer_ok(d["positions"]))
        mode = _POINTER if pointer else _FIELDS
        if tr is not None and not pointer:
            mode = tr.add(t, keys, d)   # _MUTATION/_SNAPSHOT when it took the data, else _FIELDS
        key = (t, keys, mode, src if type(src) is int else None, order)
        k = lookup.get(key)
        if k is None:
            if not _all_str(keys):
                if mode != _FIELDS:
                    tr.undo()
                kinds.append(0)
                raw.append(e)
                continue
            k = lookup[key] = len(table)
            table.append([t, list(keys), mode]
                         + ([] if order == _EVENT_KEYS else [_KEY_ORDERS[order]]))
            cols.append([[] for _ in range(6 if pointer else 0 if mode != _FIELDS else len(keys))])
        kinds.append(k)
        dts.append(ts - prev)
        prev = ts
        if mode == _MUTATION or mode == _SNAPSHOT:
            continue
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
    out = {"v": _COLUMNS_VERSION, "table": table, "kinds": kinds, "dt": dts, "raw": raw,
           "cols": cols}
    if tr is not None:
        out["trees"] = tr.streams
    return out


def _unpack_pointer(keys: list, columns: list, n: int) -> Iterator[dict]:
    srcs, pn, px, py, pid, pt = columns
    if len(keys) != 2 or len(srcs) != n or len(pn) != n \
            or any(type(m) is not int or m < 0 for m in pn) \
            or not len(px) == len(py) == len(pid) == len(pt) == sum(pn):
        raise ValueError("pointer column lengths disagree")
    return _pointer_events(keys, srcs, pn, zip(accumulate(px), accumulate(py), pid, pt))


def _pointer_events(keys: list, srcs: list, pn: list, points: Iterator) -> Iterator[dict]:
    s, p = keys
    for src, m in zip(srcs, pn):
        yield {s: src, p: [{"x": x, "y": y, "id": i, "timeOffset": t}
                           for x, y, i, t in islice(points, m)]}


def _unpack_columns(c: Any, trees: bool = False) -> list:
    """Events from a column map; ValueError if the map is not one `_pack_columns` wrote."""
    return list(_iter_columns(c, trees))


def _iter_columns(c: Any, trees: bool = False) -> Iterator[dict]:
    """`_unpack_columns` an event at a time: the table is checked now, each event built
    when taken (the last one taken checks that every stream was read to its end)."""
    if type(c) is not dict or c.get("v") != _COLUMNS_VERSION:
        raise ValueError("unknown column layout version")
    rt = _TreeReader(c["trees"]) if trees else None
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
        elif rt is not None and (mode == _MUTATION or mode == _SNAPSHOT):
            data = rt.events(mode, keys, n)
        elif mode == _FIELDS:
            if len(columns) != len(keys) or any(len(col) != n for col in columns):
                raise ValueError("bad column")
            data = _field_events(keys, columns, n)
        else:
            raise ValueError(f"unknown column mode {mode!r}")
        types.append(t)
        datas.append(iter(data))
    return _columns_events(kinds, dts, types, datas, orders, bool(raw), rt)


def _field_events(keys: list, columns: list, n: int) -> Iterator[dict]:
    if not keys:
        return ({} for _ in range(n))
    return (dict(zip(keys, row)) for row in zip(*columns))


def _columns_events(kinds: list, dts: list, types: list, datas: list, orders: dict,
                    has_raw: bool, rt: "_TreeReader | None") -> Iterator[dict]:
    try:
        if has_raw or orders:   # the rare case: whole events in between, keys in another order
            ts = accumulate(dts)
            for k in kinds:
                if k == 0:
                    yield next(datas[0])
                    continue
                e = {"type": types[k], "data": next(datas[k]), "timestamp": next(ts)}
                order = orders.get(k)
                yield {name: e[name] for name in order} if order else e
        else:
            for k, t in zip(kinds, accumulate(dts)):
                yield {"type": types[k], "data": next(datas[k]), "timestamp": t}
    except StopIteration:   # inside a generator it would turn into a RuntimeError
        raise ValueError("columns end before their events") from None
    if rt is not None:
        rt.finished()


# --- the tree layout (header transform bits T_COLUMNS | T_TREES) -----------------------
# The column map gains `trees`: one list of streams shared by the whole segment, in which
# mutations (data {source, texts, attributes, removes, adds} in any order, each item of
# rrweb's exact shape) and full snapshots (data {node, initialOffset}) are laid out by
# field, in event order:
#   mutations  per list key: the item count, then per item its ids delta-coded against
#              the previous id of that stream, text values, attribute names interned in
#              `strs` and their values, added nodes as node columns
#   nodes      pre-order: shape (the node's key order, interned in `shapes`), id
#              delta-coded (added and snapshot nodes are numbered in order: mostly +1),
#              tag names and attribute names interned, attribute values, text, children
#              count; any other key's value in `other`
# Anything else (an id that is not an int, an item with other keys, attributes not a
# str-keyed map...) leaves the event to the plain columns (`_FIELDS`): its streams are
# rolled back. Decoding gives equal dicts with the same key order and value types.
_TREE_STREAMS = (
    "strs", "shapes", "src", "off",                 # interned strings, node shapes, sources, initialOffset
    "tn", "tid", "tval",                            # texts: count, id, value
    "an", "aid", "ak", "aname", "aval",             # attributes: count, id, names per item, name, value
    "rn", "rpid", "rid",                            # removes: count, parentId, id
    "dn", "dpid", "dnext",                          # adds: count, parentId, nextId
    "nshape", "nid", "ntag", "nk", "nname", "nval", "ntext", "nkids", "nother",   # nodes
)
(_S_STRS, _S_SHAPES, _S_SRC, _S_OFF, _S_TN, _S_TID, _S_TVAL, _S_AN, _S_AID, _S_AK, _S_ANAME,
 _S_AVAL, _S_RN, _S_RPID, _S_RID, _S_DN, _S_DPID, _S_DNEXT, _S_NSHAPE, _S_NID, _S_NTAG,
 _S_NK, _S_NNAME, _S_NVAL, _S_NTEXT, _S_NKIDS, _S_NOTHER) = range(len(_TREE_STREAMS))
_MUTATION_LISTS = ("texts", "attributes", "removes", "adds")
_MUTATION_KEYS = frozenset(("source",) + _MUTATION_LISTS)
_SNAPSHOT_KEYS = ("node", "initialOffset")
_TEXT_ITEM = ("id", "value")
_ATTR_ITEM = ("id", "attributes")
_REMOVE_ITEM = ("parentId", "id")
_ADD_ITEM = ("parentId", "nextId", "node")
# node keys with a stream of their own; every other key's value goes to `other`
_NODE_ID, _NODE_TAG, _NODE_ATTRS, _NODE_TEXT, _NODE_KIDS = (
    "id", "tagName", "attributes", "textContent", "childNodes")
_TEXT_SHAPE = ("type", "textContent", "id")   # written as the generic walk would write it
# the values of an item or node of these shapes are read into a list this long (compiled
# without bounds checks: `_item_values`, `_as_shape` write one per key of the shape)
_LONGEST_SHAPE = max(map(len, (_TEXT_ITEM, _ATTR_ITEM, _REMOVE_ITEM, _ADD_ITEM, _TEXT_SHAPE)))


class _Refused(Exception):
    """An event the tree streams cannot hold exactly (it goes to the plain columns)."""


def _as_shape(item: dict, shape: tuple, out: list) -> bool:
    """Whether `item`'s keys are `shape`, in that order - then its values are in `out`
    (`_item_values` refuses an item of another shape; a tree's node may be of any)."""
    if len(item) != len(shape):
        return False
    pos = 0
    for key, x in item.items():
        if key != shape[pos]:
            return False
        out[pos] = x
        pos += 1
    return True


def _item_values(item: dict, shape: tuple, out: list) -> None:
    """A mutation item's values into `out`, in order, when its keys are `shape` in that
    order (the streams hold the values in the shape's order and the reader puts the keys
    back in it); else _Refused. Read off the dict as it is: no tuple of its keys or
    view of its values is built per item, as `tuple(item) == shape` would."""
    if not _as_shape(item, shape, out):
        raise _Refused


class _Trees:
    """The writer of the `trees` streams (see above)."""

    def __init__(self) -> None:
        self.streams: list[list] = [[] for _ in _TREE_STREAMS]
        self._strs: dict[str, int] = {}
        self._shapes: dict[tuple, int] = {}
        self._text_shape = -1   # _TEXT_SHAPE's place in `_shapes`, once it has one
        self._last = [0] * len(_TREE_STREAMS)   # per delta-coded stream: its last value
        self._mark: tuple | None = None

    def _str(self, v: Any) -> int:
        if type(v) is not str:
            raise _Refused
        i = self._strs.get(v)
        if i is None:
            i = self._strs[v] = len(self._strs)
            self.streams[_S_STRS].append(v)
        return i

    def add(self, t: Any, keys: tuple, d: dict) -> int:
        """Put one event's data in the streams: _MUTATION or _SNAPSHOT, or _FIELDS (and the
        streams as they were) when they cannot hold it exactly."""
        if t == _INCREMENTAL:
            if d.get("source") != _MUTATION_SOURCE or not _MUTATION_KEYS.issuperset(keys):
                return _FIELDS
            mode = _MUTATION
        elif t == _FULL_SNAPSHOT and keys == _SNAPSHOT_KEYS:
            mode = _SNAPSHOT
        else:
            return _FIELDS
        st = self.streams
        self._mark = ([len(x) for x in st], self._last[:])
        try:
            if mode == _MUTATION:
                self._mutation(keys, d)
            else:
                self._nodes([d["node"]])
                st[_S_OFF].append(d["initialOffset"])
        except _Refused:
            self.undo()
            return _FIELDS
        return mode

    def undo(self) -> None:
        """Take the last `add` back (interned strings and shapes may stay: unused is harmless)."""
        lengths, last = self._mark
        for x, n in zip(self.streams, lengths):
            if x is not self.streams[_S_STRS] and x is not self.streams[_S_SHAPES]:
                del x[n:]
        self._last = last

    def _mutation(self, keys: tuple, d: dict) -> None:
        # the hot loop of a real recording's storage: deltas and checks written inline.
        # `items` and `item` are the list and the item once checked: segments.pxd types
        # them for the compiled build (list and dict operations in C)
        st, last, big = self.streams, self._last, _BIG
        lo = -big
        got = [None] * _LONGEST_SHAPE   # each item's values, in its shape's order
        for k in keys:
            v = d[k]
            if k == "source":
                st[_S_SRC].append(v)
                continue
            if type(v) is not list:
                raise _Refused
            items = v
            if k == "texts":
                st[_S_TN].append(len(items))
                ids, vals, prev, shape = st[_S_TID], st[_S_TVAL], last[_S_TID], _TEXT_ITEM
                for it in items:
                    if type(it) is not dict:
                        raise _Refused
                    item = it
                    _item_values(item, shape, got)
                    i, val = got[0], got[1]
                    if type(i) is not int or not lo < i < big:
                        raise _Refused
                    ids.append(i - prev)
                    prev = i
                    vals.append(val)
                last[_S_TID] = prev
            elif k == "attributes":
                st[_S_AN].append(len(items))
                ids, ak, aname, aval, prev = st[_S_AID], st[_S_AK], st[_S_ANAME], st[_S_AVAL], \
                    last[_S_AID]
                strs, shape = self._strs, _ATTR_ITEM
                for it in items:
                    if type(it) is not dict:
                        raise _Refused
                    item = it
                    _item_values(item, shape, got)
                    i, at = got[0], got[1]
                    if type(i) is not int or not lo < i < big or type(at) is not dict:
                        raise _Refused
                    ids.append(i - prev)
                    prev = i
                    attrs = at
                    ak.append(len(attrs))
                    for name, val in attrs.items():
                        j = strs.get(name)
                        aname.append(j if j is not None else self._str(name))
                        aval.append(val)
                last[_S_AID] = prev
            elif k == "removes":
                st[_S_RN].append(len(items))
                pids, ids, pp, pi, shape = st[_S_RPID], st[_S_RID], last[_S_RPID], \
                    last[_S_RID], _REMOVE_ITEM
                for it in items:
                    if type(it) is not dict:
                        raise _Refused
                    item = it
                    _item_values(item, shape, got)
                    p, i = got[0], got[1]
                    if type(p) is not int or type(i) is not int \
                            or not lo < p < big or not lo < i < big:
                        raise _Refused
                    pids.append(p - pp)
                    ids.append(i - pi)
                    pp, pi = p, i
                last[_S_RPID], last[_S_RID] = pp, pi
            else:
                st[_S_DN].append(len(items))
                pids, nexts, prev, shape = st[_S_DPID], st[_S_DNEXT], last[_S_DPID], _ADD_ITEM
                roots = []
                for it in items:
                    if type(it) is not dict:
                        raise _Refused
                    item = it
                    _item_values(item, shape, got)
                    p, nxt, node = got[0], got[1], got[2]
                    if type(p) is not int or not lo < p < big:
                        raise _Refused
                    pids.append(p - prev)
                    prev = p
                    nexts.append(nxt)
                    roots.append(node)
                last[_S_DPID] = prev
                # the node streams are apart from the item streams: all the added trees
                # in one walk write what one walk per item would, in the same order
                self._nodes(roots)

    def _nodes(self, roots: list) -> None:
        """Serialized trees `roots`, each in pre-order, one after the other (`node` and
        `attrs` typed as `item` in _mutation)."""
        st, big, last = self.streams, _BIG, self._last
        shape_s, nid, ntag, nk, nname, nval = (st[_S_NSHAPE], st[_S_NID], st[_S_NTAG], st[_S_NK],
                                              st[_S_NNAME], st[_S_NVAL])
        ntext, nkids, nother = st[_S_NTEXT], st[_S_NKIDS], st[_S_NOTHER]
        shapes, strs, text_shape = self._shapes, self._strs, _TEXT_SHAPE
        prev = last[_S_NID]
        stack = roots[::-1]
        got = [None] * _LONGEST_SHAPE
        while stack:
            n = stack.pop()
            if type(n) is not dict:
                raise _Refused
            node = n
            # rrweb's text node, most of a live page's adds: its keys read off the dict in
            # place (no tuple of them, no view of its values), its shape's number kept
            if _as_shape(node, text_shape, got):
                t, text, i = got[0], got[1], got[2]
                if type(i) is not int or not -big < i < big:
                    raise _Refused
                if self._text_shape < 0:
                    sh = shapes.get(text_shape)
                    if sh is None:
                        sh = shapes[text_shape] = len(shapes)
                        st[_S_SHAPES].append(list(text_shape))
                    self._text_shape = sh
                shape_s.append(self._text_shape)
                nother.append(t)
                ntext.append(text)
                nid.append(i - prev)
                prev = i
                continue
            keys = tuple(node)
            sh = shapes.get(keys)
            if sh is None:
                if not _all_str(keys):
                    raise _Refused
                sh = shapes[keys] = len(shapes)
                st[_S_SHAPES].append(list(keys))
            shape_s.append(sh)
            kids = None
            for k, v in node.items():
                if k == _NODE_ID:
                    if type(v) is not int or not -big < v < big:
                        raise _Refused
                    nid.append(v - prev)
                    prev = v
                elif k == _NODE_TEXT:
                    ntext.append(v)
                elif k == _NODE_TAG:
                    j = strs.get(v) if type(v) is str else None
                    ntag.append(j if j is not None else self._str(v))
                elif k == _NODE_ATTRS:
                    if type(v) is not dict:
                        raise _Refused
                    attrs = v
                    nk.append(len(attrs))
                    for name, val in attrs.items():
                        j = strs.get(name)
                        nname.append(j if j is not None else self._str(name))
                        nval.append(val)
                elif k == _NODE_KIDS:
                    if type(v) is not list:
                        raise _Refused
                    nkids.append(len(v))
                    kids = v
                else:
                    nother.append(v)
            if kids:
                stack.extend(reversed(kids))
        last[_S_NID] = prev


class _TreeReader:
    """Reads the `trees` streams back, in the order `_Trees` wrote them."""

    def __init__(self, streams: Any) -> None:
        if type(streams) is not list or len(streams) != len(_TREE_STREAMS) \
                or any(type(x) is not list for x in streams):
            raise ValueError("bad tree streams")
        self.strs = streams[_S_STRS]
        self.shapes = [tuple(x) for x in streams[_S_SHAPES]]
        self.it = [iter(x) for x in streams]
        # the delta-coded streams, read as running sums (kept across kinds)
        self.sums = {s: accumulate(self.it[s])
                     for s in (_S_TID, _S_AID, _S_RPID, _S_RID, _S_DPID, _S_NID)}

    def events(self, mode: int, keys: list, n: int) -> Iterator[dict]:
        """The data of one kind's `n` events, one at a time: kinds share the streams in
        event order, so the caller takes them in that order."""
        if mode == _SNAPSHOT and tuple(keys) != _SNAPSHOT_KEYS \
                or mode == _MUTATION and not _MUTATION_KEYS.issuperset(keys):
            raise ValueError("bad tree event keys")
        return self._events(mode, tuple(keys), n)

    def _events(self, mode: int, keys: tuple, n: int) -> Iterator[dict]:
        it, sums, strs = self.it, self.sums, self.strs
        try:
            for _ in range(n):
                if mode == _SNAPSHOT:
                    node = self._node()
                    yield {"node": node, "initialOffset": next(it[_S_OFF])}
                    continue
                d: dict = {}
                for k in keys:
                    if k == "source":
                        d[k] = next(it[_S_SRC])
                    elif k == "texts":
                        tid, tval = sums[_S_TID], it[_S_TVAL]
                        d[k] = [{"id": next(tid), "value": next(tval)}
                                for _ in range(next(it[_S_TN]))]
                    elif k == _NODE_ATTRS:
                        aid, ak, aname, aval = sums[_S_AID], it[_S_AK], it[_S_ANAME], it[_S_AVAL]
                        d[k] = [{"id": next(aid), "attributes": {
                                    strs[next(aname)]: next(aval) for _ in range(next(ak))}}
                                for _ in range(next(it[_S_AN]))]
                    elif k == "removes":
                        rpid, rid = sums[_S_RPID], sums[_S_RID]
                        d[k] = [{"parentId": next(rpid), "id": next(rid)}
                                for _ in range(next(it[_S_RN]))]
                    else:
                        dpid, dnext = sums[_S_DPID], it[_S_DNEXT]
                        d[k] = [{"parentId": next(dpid), "nextId": next(dnext),
                                 "node": self._node()} for _ in range(next(it[_S_DN]))]
                yield d
        except StopIteration:   # inside a generator it would turn into a RuntimeError
            raise ValueError("tree streams end before their events") from None

    def _node(self) -> dict:
        it, strs, shapes = self.it, self.strs, self.shapes
        nshape, nid, ntag, nk, nname, nval, ntext, nkids, nother = (
            it[_S_NSHAPE], self.sums[_S_NID], it[_S_NTAG], it[_S_NK], it[_S_NNAME],
            it[_S_NVAL], it[_S_NTEXT], it[_S_NKIDS], it[_S_NOTHER])
        root: dict = {}
        # (list to fill, children still to read) - pre-order, as written
        pending: list[tuple[list, int]] = []
        first = True
        while first or pending:
            if first:
                target = None
                first = False
            else:
                target, left = pending[-1]
                if left == 0:
                    pending.pop()
                    continue
                pending[-1] = (target, left - 1)
            n: dict = {}
            kids = None
            for k in shapes[next(nshape)]:
                if k == _NODE_ID:
                    n[k] = next(nid)
                elif k == _NODE_TAG:
                    n[k] = strs[next(ntag)]
                elif k == _NODE_ATTRS:
                    n[k] = {strs[next(nname)]: next(nval) for _ in range(next(nk))}
                elif k == _NODE_TEXT:
                    n[k] = next(ntext)
                elif k == _NODE_KIDS:
                    kids = n[k] = []
                    count = next(nkids)
                else:
                    n[k] = next(nother)
            if target is None:
                root = n
            else:
                target.append(n)
            if kids is not None and count:
                pending.append((kids, count))
        return root

    def finished(self) -> None:
        """Every stream read to its end (a stream with items left over is damage)."""
        for x in self.it[_S_SRC:]:
            if next(x, _END) is not _END:
                raise ValueError("tree streams longer than their events")


_END = object()



def meta_from_header(header: dict, *, file: str = "", size: int = 0) -> SegmentMeta:
    return SegmentMeta(
        index=header["index"], start_ms=header["start_ms"], end_ms=header["end_ms"],
        record_count=header["record_count"], has_full_snapshot=header["has_full_snapshot"],
        creation_reason=header["creation_reason"], view_id=header.get("view_id"),
        bytes=size, raw_bytes=header.get("raw_bytes", 0), file=file)


# --- planning: where a session's events are cut into segments --------------------------
class SegmentPlanner:
    """Where segments are cut, an event at a time (`plan_segments`, and a streaming import
    that writes each segment as it fills): a new segment at each view change - a Meta event
    (navigation / checkout), or a FullSnapshot not right after its Meta - and whenever one
    grows past `max_records` events or `max_bytes` of event JSON (`size`, when known)."""

    def __init__(self, max_records: int = MAX_SEGMENT_RECORDS,
                 max_bytes: int = MAX_SEGMENT_BYTES):
        self.max_records = max_records
        self.max_bytes = max_bytes
        self.count = 0          # events in the current segment
        self.acc = 0            # their JSON bytes
        self.reason = INIT      # why the current segment began
        self._prev: Any = None  # the type of the event before

    def cut_before(self, e: dict, size: int | None) -> str | None:
        """The reason `e` begins a new segment (then `reason` is it), or None."""
        t = e.get("type")
        why = None
        if self.count:
            if t == EventType.Meta or (t == EventType.FullSnapshot and
                                       self._prev != EventType.Meta):
                why = VIEW_CHANGE
            elif self.count >= self.max_records:
                why = RECORDS_LIMIT
            elif size is not None and self.acc + size > self.max_bytes:
                why = BYTES_LIMIT
            if why:
                self.count, self.acc, self.reason = 0, 0, why
        self.count += 1
        self.acc += size or 0
        self._prev = t
        return why


def plan_segments(events: Sequence[dict], sizes: Sequence[int] | None = None, *,
                  max_records: int = MAX_SEGMENT_RECORDS,
                  max_bytes: int = MAX_SEGMENT_BYTES) -> list[tuple[int, int, str]]:
    """Cut a session into (start, stop, creation_reason) ranges (see SegmentPlanner)."""
    cuts: list[tuple[int, int, str]] = []
    planner = SegmentPlanner(max_records, max_bytes)
    start, reason = 0, INIT
    for i, e in enumerate(events):
        why = planner.cut_before(e, sizes[i] if sizes is not None else None)
        if why:
            cuts.append((start, i, reason))
            start, reason = i, why
    if events:
        cuts.append((start, len(events), reason))
    return cuts


def with_session_info(blob: bytes, session_info: dict[str, Any]) -> bytes:
    """A segment file with `session_info` added to its header (see `encode_segment`): a
    streaming import knows the session's digest and user only once it has read it all,
    after its first segment was encoded."""
    header, payload = _split(blob)
    header = encode_msgpack({**header, SESSION_INFO: session_info})
    body = _FIXED.pack(MAGIC, VERSION, len(header), len(payload)) + header + payload
    return body + _CRC.pack(zlib.crc32(body))


def describe(events: Sequence[dict], index: int, reason: str, view_id: str | None) -> SegmentMeta:
    ts = [e["timestamp"] for e in events]
    return SegmentMeta(
        index=index, start_ms=min(ts), end_ms=max(ts), record_count=len(events),
        has_full_snapshot=any(e.get("type") == EventType.FullSnapshot for e in events),
        creation_reason=reason, view_id=view_id)

