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
    (0 = none); `threads` uses zstd's worker threads (output stays a single frame)."""

    level: int = 19
    window_log: int = 27
    dict_id: int = 0
    threads: int = 0


LIVE_CODEC = Codec(level=3, window_log=0)
COMPACT_CODEC = Codec(level=19, window_log=27)

# Largest window a reader accepts (zstd's default cap is 2**27 = 128 MB).
_MAX_WINDOW = 1 << 31

DictLoader = Callable[[int], "zstandard.ZstdCompressionDict | None"]

_compressors: dict[tuple, zstandard.ZstdCompressor] = {}


def _compressor(codec: Codec, zdict: zstandard.ZstdCompressionDict | None):
    key = (codec, id(zdict) if zdict is not None else 0)
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
        if len(_compressors) > 16:
            _compressors.clear()
        _compressors[key] = c
    return c


def encode_segment(session_id: str, meta: SegmentMeta, events: Sequence[dict], codec: Codec,
                   zdict: zstandard.ZstdCompressionDict | None = None) -> bytes:
    """Serialise one segment file. `meta.raw_bytes` and `meta.bytes` are filled in."""
    raw = encode_msgpack(events)
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
                  "dict_id": codec.dict_id if zdict is not None else 0},
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
    try:
        d = zstandard.ZstdDecompressor(dict_data=zdict, max_window_size=_MAX_WINDOW)
        raw = d.decompress(payload)
        events = decode_msgpack(raw)
    except (zstandard.ZstdError, msgspec.DecodeError) as exc:
        raise SegmentDamaged(f"payload does not decode: {exc}") from None
    if not isinstance(events, list):
        raise SegmentDamaged("payload is not a list of events")
    return header, events


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

