"""Segments: the unit of storage. One segment is an immutable, independently decodable
zstd frame of MessagePack-encoded raw events, wrapped in a small self-describing file:

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

The codec is configurable because segment size and level are the levers of the storage
goal: small live segments are cheap to write (level 3), compacted ones are written once
and read many times (level 19 with long-distance matching; optionally a trained
dictionary kept in the data folder and referenced by its id in the header).
"""
from __future__ import annotations

import struct
import threading
from itertools import accumulate
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


class Codec(msgspec.Struct, frozen=True, kw_only=True):
    """How a segment payload is compressed. `window_log` > 0 enables zstd's long-distance
    matching with that window (2**window_log bytes); `dict_id` names a trained dictionary
    (0 = none); `threads` uses zstd's worker threads (output stays a single frame);
    `transform` stores timestamps and pointer positions as deltas (see `_pack_events`),
    worth ~30% on mouse-heavy sessions, at ~10 us per event."""

    level: int = 19
    window_log: int = 27
    dict_id: int = 0
    threads: int = 0
    transform: bool = True


LIVE_CODEC = Codec(level=3, window_log=0, transform=False)
COMPACT_CODEC = Codec(level=19, window_log=27)

# Largest window a reader accepts (zstd's default cap is 2**27 = 128 MB).
_MAX_WINDOW = 1 << 31

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
                   zdict: zstandard.ZstdCompressionDict | None = None) -> bytes:
    """Serialise one segment file. `meta.raw_bytes` and `meta.bytes` are filled in."""
    transform = 0
    if codec.transform:
        transform = T_POSITIONS | (T_TIMESTAMPS if _timestamps_ok(events) else 0)
    raw = encode_msgpack(_pack_events(events, transform) if transform else events)
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
    })
    body = _FIXED.pack(MAGIC, VERSION, len(header), len(payload)) + header + payload
    blob = body + _CRC.pack(zlib.crc32(body))
    meta.bytes = len(blob)
    return blob


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
    if transform & ~(T_POSITIONS | T_TIMESTAMPS):
        raise SegmentDamaged(f"unknown payload transform {transform} (written by a newer"
                             " version?)")
    try:
        d = zstandard.ZstdDecompressor(dict_data=zdict, max_window_size=_MAX_WINDOW)
        raw = d.decompress(payload)
        events = _unpacker.decode(raw) if transform else decode_msgpack(raw)
    except (zstandard.ZstdError, msgspec.DecodeError, ValueError) as exc:
        raise SegmentDamaged(f"payload does not decode: {exc}") from None
    if not isinstance(events, list):
        raise SegmentDamaged("payload is not a list of events")
    if transform & T_TIMESTAMPS:
        _unpack_timestamps(events)
    return header, events


# --- the payload transform -----------------------------------------------------------
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

