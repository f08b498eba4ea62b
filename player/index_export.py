"""What an index worker hands the player: a finished keyframe index as one blob
(`KeyframeIndex.export` writes it, `KeyframeIndex.load_export` takes it over), the
`IndexExport` Struct as compressed MessagePack."""
from __future__ import annotations

import msgspec

from .checkpoint_codec import compress, decompress

NIL_BYTE = msgspec.msgpack.encode(None)   # MessagePack's nil
NIL = msgspec.Raw(NIL_BYTE)


class IndexExport(msgspec.Struct, frozen=True):
    """A finished index: its times, checkpoints, compressed event blocks, counters and
    timeline."""
    start_ms: float | None
    t_last: float
    events_seen: int
    dom_events: int
    cp_t: list[float]
    cp_blob: list[bytes]
    # (times as float64 bytes, weights as uint16 bytes, the block's blob, where each of its
    # events ends as uint32 bytes, where its frames end as uint32 bytes: player.event_block,
    # Block.to_export)
    blocks: list[tuple[bytes, bytes, bytes | None, bytes, bytes]]
    full_snapshot_t: list[float]
    seg_first_event: list[int]
    warnings: dict[str, int]
    checkpoint_bytes: int
    block_bytes: int
    # TimelineBuilder.to_bytes nested as is (decoded as a view: read in place), or nil
    tb: msgspec.Raw = NIL
    # the visitor's recorded media features from each time they changed (recorder.media)
    features_t: list[float] = []
    features: list[tuple[tuple[str, str], ...]] = []

    def has_timeline(self) -> bool:
        return memoryview(self.tb) != NIL_BYTE


class IndexExportView(IndexExport, frozen=True):
    """An `IndexExport` as decoded (`decode_export`): its checkpoints and its blocks'
    parts are views of the decompressed export, not copies - the index taking it over
    keeps its checkpoints and each block's events as such (its four arrays are copied:
    event_block.Block.from_export), and its timeline's columns (player.keyframe_transfer),
    holding that one buffer. Copied, a 1M-event session's 36 MB of checkpoints and blocks
    (and the timeline's 52 MB of columns) were made while the 115 MB they are copied from
    was held: the player's RSS peak as it opened. (The two fields are declared again for
    their type: decoded as memoryview, not bytes.)"""
    cp_blob: list[memoryview]
    blocks: list[tuple[memoryview, memoryview, memoryview | None, memoryview, memoryview]]


def encode_export(export: IndexExport) -> bytes:
    return compress(msgspec.msgpack.encode(export))


def decode_export(blob: bytes) -> IndexExportView:
    raw = decompress(blob)
    return msgspec.msgpack.decode(raw, type=IndexExportView)
