"""The DOM-changing events between two keyframes, as the index keeps them (`Block`).

A seek applies the first n events of one block to a checkpoint, n often a few or none (a
moment just after a checkpoint): decoding the whole block to take n of its events cost more
than the rest of the seek on the real recording (0.44 of 0.76 ms at 10% of it). So a closed
block keeps where each event ends, and `decode(n)` decodes only those n.

Layout of a closed block (`blob` once decompressed), MessagePack throughout:

| bytes                  | what                                                      |
|------------------------|-----------------------------------------------------------|
| `ends[0]`              | event 0, as `encode_msgpack(event)`                       |
| `ends[i-1]..ends[i]`   | event i                                                   |

`ends` holds each event's end as uint32 (a block's payload stays well under 4 GB: it is
`interval` operations). The first n events are then `[event 0, ..., event n-1]` decoded at
once: a MessagePack array header for n followed by the bytes up to `ends[n-1]` (an array's
items are encoded exactly as each value on its own). Checked: `close` asks that the ends
add up to the payload, and `decode` that the array decoded has n items.
"""
from __future__ import annotations

from array import array
from typing import Any

import msgspec

from recorder.format import decode_msgpack, encode_msgpack_into, replace_lone_surrogates

from .checkpoint_codec import compress, decompress

Raw = dict[str, Any]

# MessagePack's array headers (the spec's "fixarray", "array 16", "array 32")
FIXARRAY, FIXARRAY_MAX = 0x90, 15
ARRAY16, ARRAY32 = b"\xdc", b"\xdd"


def array_header(n: int) -> bytes:
    """MessagePack's header of an array of n items."""
    if n <= FIXARRAY_MAX:
        return bytes((FIXARRAY | n,))
    if n < 1 << 16:
        return ARRAY16 + n.to_bytes(2, "big")
    return ARRAY32 + n.to_bytes(4, "big")


class Block(msgspec.Struct):
    """DOM-changing events after one checkpoint, until the next: `events` while the block is
    open (the index still adds to it), `blob` and `ends` once closed."""
    times: array                       # each event's time (ms from the session's start)
    weights: array                     # each event's `_weight`, at most MAX_WEIGHT
    blob: bytes | None = None          # zstd of the events' MessagePack, one after another
    ends: array | None = None          # where each event ends in that (uint32 "I")
    events: list | None = None         # while still open

    @classmethod
    def open(cls) -> "Block":
        return cls(array("d"), array("H"), events=[])

    def close(self) -> bool:
        """Compress the events (an open block; nothing to do for a closed one). False when
        an event's text held lone surrogates (as Python's json lets into events): those
        are replaced by U+FFFD, and the caller counts the repair."""
        events = self.events
        if events is None:
            return True
        clean = True
        if events:
            try:
                body, ends = _encode_each(events)
            except UnicodeEncodeError:
                clean = False
                body, ends = _encode_each(replace_lone_surrogates(events))
            self.blob, self.ends = compress(body), ends
        self.events = None
        return clean

    def decode(self, n: int | None = None) -> list[Raw]:
        """The block's events, or its first n (decoding only those)."""
        if self.events is not None:
            return self.events if n is None else self.events[:n]
        if not self.blob or n == 0:
            return []
        ends = self.ends
        assert ends is not None, "a closed block without its ends"
        k = len(ends) if n is None or n > len(ends) else n
        payload = decompress(self.blob)
        got = decode_msgpack(array_header(k) + payload[:ends[k - 1]])
        if len(got) != k:
            raise ValueError(f"event block decoded {len(got)} events, not {k}")
        return got


def _encode_each(events: list[Raw]) -> tuple[bytes, array]:
    body, ends = bytearray(), array("I")
    for e in events:
        encode_msgpack_into(e, body)
        ends.append(len(body))
    return bytes(body), ends
