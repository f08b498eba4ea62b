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

The payload is compressed in frames of whole events, each about `FRAME_BYTES` or more of
it, one after another in `blob` (each a zstd frame of its own): decompressing a whole
block's 70 kB to take its first 8 events was a fifth of a seek on the real recording.
`frames` says where each frame but the last ends: (events through it, its end in `blob`)
pairs, as uint32; a block of one frame has none.

An open block encodes each event as it is added (`add`), so its payload is ready when it
closes and each event's size is known as it comes.
"""
from __future__ import annotations

from array import array
from typing import Any

import msgspec

from recorder.format import decode_msgpack, encode_msgpack_into, replace_lone_surrogates

from .checkpoint_codec import compress, decompress

Raw = dict[str, Any]
FRAME_BYTES = 32 * 1024   # payload per compressed frame (at least, in whole events)

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
    frames: array | None = None        # where each frame but the last ends (uint32 pairs)
    # while open: the events encoded so far, where each ends, whether one was repaired
    _body: bytearray = msgspec.field(default_factory=bytearray)
    _ends: array = msgspec.field(default_factory=lambda: array("I"))
    _repaired: bool = False

    @classmethod
    def open(cls) -> "Block":
        return cls(array("d"), array("H"), events=[])

    def to_export(self) -> tuple[bytes, bytes, bytes | None, bytes, bytes]:
        """The closed block as player.index_export keeps it."""
        return (self.times.tobytes(), self.weights.tobytes(), self.blob,
                self.ends.tobytes() if self.ends is not None else b"",
                self.frames.tobytes() if self.frames is not None else b"")

    @classmethod
    def from_export(cls, t: tuple[bytes, bytes, bytes | None, bytes, bytes]) -> "Block":
        raw_times, raw_weights, blob, raw_ends, raw_frames = t
        times, weights, ends, frames = array("d"), array("H"), array("I"), array("I")
        times.frombytes(raw_times)   # ValueError: not a whole number of items
        weights.frombytes(raw_weights)
        ends.frombytes(raw_ends)
        frames.frombytes(raw_frames)
        # a seek indexes them by one another's positions: arrays that disagree are damage
        if not len(times) == len(weights) == len(ends) or len(frames) % 2 \
                or (blob is None) != (not times) \
                or (blob is not None and len(frames) and frames[-1] > len(blob)):
            raise ValueError("event block's arrays do not agree")
        return cls(times, weights, blob, ends, frames=frames)

    def add(self, t: float, weight: int, event: Raw) -> int:
        """Append an event to an open block (encoded now: its size is known as it comes);
        its size in bytes. An event whose text holds lone surrogates (as Python's json
        lets into events) is kept with those replaced by U+FFFD (`close` says so)."""
        body = self._body
        start = len(body)
        try:
            encode_msgpack_into(event, body)
        except UnicodeEncodeError:
            del body[start:]
            self._repaired = True
            event = replace_lone_surrogates(event)
            encode_msgpack_into(event, body)
        self._ends.append(len(body))
        self.times.append(t)
        self.weights.append(weight)
        self.events.append(event)
        return len(body) - start

    def close(self, frame_bytes: int = FRAME_BYTES) -> bool:
        """Compress the events (an open block; nothing to do for a closed one). False when
        an event's text held lone surrogates (replaced: `add`), for the caller to count."""
        if self.events is None:
            return True
        if self.events:
            assert len(self._ends) == len(self.events), "events put in without `add`"
            self.blob, self.frames = _compress_frames(bytes(self._body), self._ends,
                                                      frame_bytes)
            self.ends = self._ends
        self.events = None
        self._body = bytearray()
        return not self._repaired

    def decode(self, n: int | None = None) -> list[Raw]:
        """The block's events, or its first n (decoding only those)."""
        if self.events is not None:
            return self.events if n is None else self.events[:n]
        if not self.blob or n == 0:
            return []
        ends = self.ends
        assert ends is not None, "a closed block without its ends"
        k = len(ends) if n is None or n > len(ends) else n
        payload = self.payload(k)
        got = decode_msgpack(array_header(k) + payload[:ends[k - 1]])
        if len(got) != k:
            raise ValueError(f"event block decoded {len(got)} events, not {k}")
        return got

    def payload(self, k: int | None = None) -> bytes:
        """A closed block's decompressed payload: whole, or at least up to the end of its
        event k-1 (only the frames up to it are decompressed)."""
        blob, frames = self.blob, self.frames
        if not blob:
            return b""
        if k is None:
            k = len(self.ends or ())
        if not frames:
            return decompress(blob)
        view = memoryview(blob)
        parts = []
        start = 0
        for j in range(0, len(frames), 2):
            end = frames[j + 1]
            parts.append(decompress(view[start:end]))
            start = end
            if frames[j] >= k:
                break
        else:
            parts.append(decompress(view[start:]))
        return parts[0] if len(parts) == 1 else b"".join(parts)


def _compress_frames(body: bytes, ends: array, frame_bytes: int) -> tuple[bytes, array]:
    """`body` compressed in frames of whole events, each `frame_bytes` or more but the last,
    and where each frame but the last ends (see the module's doc)."""
    view = memoryview(body)
    parts: list[bytes] = []
    frames = array("I")
    start = size = 0
    last = len(ends) - 1
    for i, end in enumerate(ends):
        if end - start >= frame_bytes and i < last:
            part = compress(view[start:end])
            parts.append(part)
            size += len(part)
            frames.append(i + 1)
            frames.append(size)
            start = end
    parts.append(compress(view[start:]))
    return (parts[0] if len(parts) == 1 else b"".join(parts)), frames
