"""Keyframes: checkpoints of the rebuilt DOM, so any moment is one checkpoint plus at most a
few thousand operations away — a seek costs the same at minute 1 and at hour 4, backwards
as forwards.

One streaming pass over the recording (segment by segment, lazily decoded) applies every
DOM-changing event to a working mirror, feeds every event to the timeline builder, and
every `interval` operations (and right after each full snapshot) stores
- a checkpoint: `Mirror.dump()` compressed with zstd level 1, and
- the DOM-changing events since the previous checkpoint as one compressed MessagePack block
  (mouse moves, logs and the like are not kept: the timeline holds what is needed of them).
So memory is bounded by the compressed DOM history, never by the decoded recording.

The pass is incremental: `ensure(t)` processes segments only until `t` is covered, so the
first frame of a long session is ready after its first segments; the rest is indexed by a
worker process or a background thread (player.index_worker; a worker's index comes back
through `export`/`load_export`, player.index_export) while the player already shows the
session. A seek beyond what is indexed so far starts from the last full snapshot before it
(`quick_between`), as rrweb does, instead of waiting.

Kept by the store, not here: a stored session's index, once a worker has built it, is
handed to the store as derived data of exactly the segments it was built from
(player.index_store, recorder.derived), and the next open takes it over with `take_export`
instead of building it. It holds DOM text, so the store owns it: it goes whenever the
session's segments change (a re-mask, an append, compaction, a repair) or the session is
erased, and is never served for another version of the session, interval, export format
or build of this code.
"""
from __future__ import annotations

import threading
import warnings
from bisect import bisect_right
from collections import Counter
from itertools import islice
from typing import Any, Iterator

import msgspec

from recorder.format import EventType, IncrementalSource, no_gc
from recorder.media import NONE as NO_FEATURES, Features, read_meta
from recorder.mirror import DOM_SOURCES, FOCUS_MOVES, Mirror
from recorder.privacy.masking import as_played

from .checkpoint_codec import compress, decompress
from .event_block import Block
from .index_export import NIL, IndexExport, decode_export, encode_export
from .timeline import Timeline, TimelineBuilder

Raw = dict[str, Any]
_INTERACTION = int(IncrementalSource.MouseInteraction)
DEFAULT_INTERVAL = 1000   # DOM operations between checkpoints
MAX_WEIGHT = 0xFFFF       # an event's weight is kept up to this (a block's "H" array)
FIRST_STEP = 64           # events indexed at a time until the first full snapshot is in


def _weight(e: Raw) -> int:
    """Cost of applying an event, in operations (a mutation batch counts its items)."""
    if e.get("type") == EventType.IncrementalSnapshot:
        d = e["data"]
        if d.get("source") == IncrementalSource.Mutation:
            return max(1, len(d.get("adds") or ()) + len(d.get("removes") or ())
                       + len(d.get("texts") or ()) + len(d.get("attributes") or ()))
        return 1
    if e.get("type") == EventType.FullSnapshot:
        return 0  # a checkpoint follows it anyway
    return 1


class KeyframeIndex:
    def __init__(self, source: Any, *, interval: int = DEFAULT_INTERVAL, timeline: bool = True):
        self.src = source
        self.interval = max(1, interval)
        self.segments = list(source.segments)
        self.start_ms: float | None = None
        self.lock = threading.RLock()
        self.warnings: Counter[str] = Counter()
        self.mirror = Mirror()          # the working mirror of the pass (never handed out)
        self.cp_t: list[float] = [-1.0]
        self.cp_blob: list[bytes] = [compress(Mirror().dump())]
        self.blocks: list[Block] = [Block.open()]
        self.full_snapshot_t: list[float] = []
        # the visitor's recorded media features (recorder.media), from each Meta event that
        # changed them on: the mirror keeps none of it, and every frame's CSS depends on it
        self.features_t: list[float] = []
        self.features: list[Features] = []
        self.seg_first_event: list[int] = []
        self.events_seen = 0
        self.dom_events = 0
        self.t_last = 0.0
        self.covered = -1.0             # every event with time <= covered has been indexed
        self.done = False
        self._since = 0
        self._next_seg = 0
        # the segment being indexed: its events as they are decoded (`iter_segment`), how
        # many were taken and how many it holds
        self._pending: Iterator[Raw] | None = None
        self._pending_pos = 0
        self._pending_len = 0
        self._resume: int | None = None          # segment to read again to go on
        self._tb: TimelineBuilder | None = None
        self._want_timeline = timeline
        self._timeline: Timeline | None = None
        # a thread finishing this index elsewhere (player.index_worker): `finish` waits for it
        self.finisher: threading.Thread | None = None
        self._seg_cache: list[tuple[int, list[Raw]]] = []
        self._cache_lock = threading.Lock()
        self.checkpoint_bytes = len(self.cp_blob[0])
        self.block_bytes = 0

    # --- building ------------------------------------------------------------------------
    def _read(self, i: int) -> list[Raw]:
        return self.src.read_segment(i)

    def _open_pending(self, i: int, skip: int = 0) -> None:
        """Start indexing segment i (after its first `skip` events): decoded as taken, so
        the first frame costs the events up to it, not the whole segment's."""
        self._pending = islice(self.src.iter_segment(i), skip, None)
        self._pending_pos = skip
        self._pending_len = max(1, self.segments[i].record_count)

    def advance(self, budget: int = 4096) -> bool:
        """Index up to `budget` more events (a segment is decoded as its events are
        reached). False once everything is indexed. The small step keeps the lock short,
        so a seek never waits long for a background indexer."""
        with self.lock, no_gc():
            if self.done:
                return False
            if self._pending is None and self._resume is not None:
                # the segment was let go while a worker indexes: read it again, go on
                self._open_pending(self._resume, self._pending_pos)
                self._resume = None
            if self._pending is None:
                if self._next_seg >= len(self.segments):
                    self._finish()
                    return False
                self._open_pending(self._next_seg)
                self._next_seg += 1
                self.seg_first_event.append(self.events_seen)
            chunk = list(islice(self._pending, max(1, budget)))
            self._feed(chunk)
            self._pending_pos += len(chunk)
            if len(chunk) < max(1, budget):   # the segment is used up
                self._pending = None
                if self._next_seg >= len(self.segments):
                    self._finish()
            if not self.done:
                self.covered = self.t_last - 1e-9 if self.events_seen else -1.0
            return not self.done

    def _feed(self, events: list[Raw]) -> None:
        m = self.mirror
        tb = self._tb
        block = self.blocks[-1]
        for e in events:
            if not isinstance(e, dict):
                self.warnings["event is not an object"] += 1
                continue
            ts = e.get("timestamp")
            if not isinstance(ts, (int, float)) or isinstance(ts, bool):
                self.warnings["event without timestamp"] += 1
                continue
            if self.start_ms is None:
                # the session's start: its first event's time - or, when the segments before
                # this one gave none (damaged, skipped), the first segment's start, so every
                # moment stays where the index, a bug report and a link put it
                self.start_ms = ts if self._next_seg <= 1 else min(ts, self.segments[0].start_ms)
                if self._want_timeline:
                    tb = self._tb = TimelineBuilder(self.start_ms)
            t = ts - self.start_ms
            if t < self.t_last:
                t = self.t_last   # out-of-order timestamps: keep time monotonic
            self.t_last = t
            self.events_seen += 1
            if tb is not None:
                tb.feed(e, t, m)
            typ = e.get("type")
            if typ == 3:
                data = e.get("data")
                if type(data) is dict:   # mirror.changes_dom, inlined: this loop is hot
                    src = data.get("source")
                    dom = src in DOM_SOURCES or (src == _INTERACTION
                                                 and data.get("type") in FOCUS_MOVES)
                else:
                    dom = False
            else:
                dom = typ == 2 or typ == 4   # full snapshot, meta
                if typ == 4:
                    self._meta_features(t, e.get("data"))
            if dom:
                e = as_played(e)
                m.apply(e)
                self.dom_events += 1
                block.times.append(t)
                block.events.append(e)
                full = e.get("type") == EventType.FullSnapshot
                if full:
                    self.full_snapshot_t.append(t)
                w = _weight(e)
                block.weights.append(min(w, MAX_WEIGHT))
                self._since += w
                if full or self._since >= self.interval:
                    self._checkpoint(t)
                    block = self.blocks[-1]

    def _meta_features(self, t: float, data: Any) -> None:
        """A Meta event's media features, kept when they change (a Meta without them - an
        rrweb recording's - says nothing of them: the last ones stand)."""
        f = read_meta(data)
        if f and (not self.features or self.features[-1] != f):
            self.features_t.append(t)
            self.features.append(f)

    def features_at(self, t: float) -> Features:
        """The visitor's recorded media features at t, as far as the index has read (a
        moment ahead of it gets the last ones read: a visitor's preference rarely changes;
        one before the first Meta, the first ones); NONE when the recording has none."""
        if not self.features:
            return NO_FEATURES
        return self.features[max(0, bisect_right(self.features_t, t) - 1)]

    def _close_block(self) -> None:
        b = self.blocks[-1]
        if b.events is not None:
            if not b.close():
                self.warnings["text with invalid characters (replaced)"] += 1
            self.block_bytes += len(b.blob or b"")

    def _dump_mirror(self) -> bytes:
        try:
            return self.mirror.dump()
        except UnicodeEncodeError:
            self.warnings["text with invalid characters (replaced)"] += 1
            self.mirror.replace_lone_surrogates()
            return self.mirror.dump()

    def _checkpoint(self, t: float) -> None:
        self._close_block()
        blob = compress(self._dump_mirror())
        self.checkpoint_bytes += len(blob)
        self.cp_t.append(t)
        self.cp_blob.append(blob)
        self.blocks.append(Block.open())
        self._since = 0

    def _finish(self) -> None:
        self._close_block()   # the last block too: compact, and exportable
        self.done = True
        self._seg_cache = []   # the index serves everything from now on
        self.covered = float("inf")
        self.warnings.update(self.mirror.warnings)
        self.mirror.warnings.clear()
        if self.start_ms is None:
            self.start_ms = self.segments[0].start_ms if self.segments else 0
        if self._want_timeline:
            tb = self._tb or TimelineBuilder(self.start_ms)
            self._timeline = tb.build(self.duration_ms, final=True)
        if self.warnings:
            warnings.warn("recording is damaged: " + ", ".join(
                f"{k} ({v})" for k, v in sorted(self.warnings.items())), stacklevel=3)

    def ensure(self, t: float) -> None:
        """Index segments until every event at or before t is covered."""
        while not self.done and self.covered < t:
            self.advance()

    def ensure_first(self) -> None:
        """Index until the first full snapshot (the first frame) is in - in small steps,
        so it stops there: the real recording's is its second event, and a whole step of
        4096 events (0.27 s, 61 checkpoints) was indexed before the player could open,
        only to be let go when a worker process takes the index over."""
        while not self.done and not self.full_snapshot_t:
            self.advance(FIRST_STEP)

    def finish(self) -> None:
        """Index everything (waits for a background thread or worker doing it)."""
        th = self.finisher
        if th is not None and th is not threading.current_thread() and th.is_alive():
            th.join()
        while self.advance():
            pass

    @property
    def progress(self) -> float:
        if self.done:
            return 1.0
        part = min(1.0, self._pending_pos / self._pending_len) if self._pending else 0.0
        return max(0.0, self._next_seg - (1 - part if self._pending else 0)) / max(1, len(self.segments))

    # --- reading -------------------------------------------------------------------------
    @property
    def end_offset(self) -> float:
        if self.done:
            return self.t_last
        end = max((s.end_ms for s in self.segments), default=0)
        return max(self.t_last, end - (self.start_ms or 0))

    @property
    def duration_ms(self) -> float:
        return self.end_offset

    @property
    def timeline(self) -> Timeline:
        self.finish()
        assert self._timeline is not None, "index built without a timeline"
        return self._timeline

    # --- transfer: the index built by a worker process ------------------------------------
    def export(self) -> bytes:
        """The finished index as bytes (see `load_export`)."""
        assert self.done
        return encode_export(IndexExport(
            start_ms=self.start_ms, t_last=self.t_last, events_seen=self.events_seen,
            dom_events=self.dom_events, cp_t=self.cp_t, cp_blob=self.cp_blob,
            blocks=[b.to_export() for b in self.blocks],
            full_snapshot_t=self.full_snapshot_t, seg_first_event=self.seg_first_event,
            warnings=dict(self.warnings), checkpoint_bytes=self.checkpoint_bytes,
            block_bytes=self.block_bytes,
            tb=msgspec.Raw(self._tb.to_bytes()) if self._tb is not None else NIL,
            features_t=self.features_t, features=self.features))

    def load_export(self, blob: bytes) -> None:
        """Take over an index a worker built for the same source (replaces any progress
        made here meanwhile)."""
        with no_gc():
            d = decode_export(blob)
        self.take_export(d)

    def take_export(self, d: IndexExport) -> None:
        """`load_export` of an export decoded already (`decode_export`): its compressed
        bytes need not be held while it is taken over."""
        with self._cache_lock:
            self._seg_cache = []   # make room first: the index serves everything from now on
        with no_gc():
            blocks = [Block.from_export(t) for t in d.blocks]
            tb = TimelineBuilder.from_bytes(d.tb) if d.has_timeline() else None
        with self.lock:
            self.start_ms, self.t_last = d.start_ms, d.t_last
            self.events_seen, self.dom_events = d.events_seen, d.dom_events
            self.cp_t, self.cp_blob, self.blocks = d.cp_t, d.cp_blob, blocks
            self.full_snapshot_t, self.seg_first_event = d.full_snapshot_t, d.seg_first_event
            self.features_t, self.features = d.features_t, d.features
            self.warnings = Counter(d.warnings)
            self.checkpoint_bytes, self.block_bytes = d.checkpoint_bytes, d.block_bytes
            self._tb = tb
            self._pending = None
            self._resume = None
            self._next_seg = len(self.segments)
            self.mirror = Mirror()   # the working state is the worker's now
            self.done = True
            self.covered = float("inf")
            self._seg_cache = []
            if self._want_timeline:
                self._timeline = (tb or TimelineBuilder(self.start_ms or 0)).build(
                    self.duration_ms, final=True)

    def release_pending(self) -> None:
        """Drop the segment the indexer is in the middle of (read again from where it
        stopped if indexing goes on here): a worker process is building the index
        meanwhile. Only its events taken so far were built."""
        with self.lock:
            if self._pending is not None:
                self._resume = self._next_seg - 1
                self._pending = None

    def timeline_now(self) -> Timeline:
        """The timeline of what is indexed so far (complete once `done`); for showing
        markers and rows while a long session is still being indexed."""
        if self.done:
            return self.timeline
        with self.lock:
            tb = self._tb.snapshot() if self._tb is not None else None
            duration = self.duration_ms
        return (tb or TimelineBuilder(self.start_ms or 0)).build(duration)

    def _locate(self, t: float) -> tuple[bytes, Block]:
        self.ensure(t)
        i = bisect_right(self.cp_t, t) - 1
        return self.cp_blob[i], self.blocks[i]

    def state_at(self, t: float) -> Mirror:
        """A private copy of the DOM at t (every event with time <= t applied)."""
        if not self.done and t > self.covered and self.quick_start(t) is not None:
            m, _ = self.quick_between(t, t)
            return m
        with self.lock:
            blob, block = self._locate(t)
            n = bisect_right(block.times, t)
            events = block.decode(n)   # an open block keeps growing: a copy of what is ours
        with no_gc():
            m = Mirror.load(decompress(blob))
            for e in events:
                m.apply(e)
        return m

    def dom_events_between(self, t0: float, t1: float, *, with_state: bool = True
                           ) -> tuple[Mirror | None, Iterator[tuple[float, Raw]]]:
        """The DOM at t0 (unless `with_state` is False) and the DOM-changing events with
        t0 < time <= t1, as (time, event) pairs."""
        with self.lock:
            self.ensure(t1)
            i = bisect_right(self.cp_t, t0) - 1
            j = bisect_right(self.cp_t, t1) - 1
            blob = self.cp_blob[i]
            snap = [(b.times, b.decode() if b.events is None else list(b.events))
                    for b in self.blocks[i: j + 1]]
        times0, ev0 = snap[0]
        k = bisect_right(times0, t0)
        m = None
        if with_state:
            with no_gc():
                m = Mirror.load(decompress(blob))
                for e in ev0[:k]:
                    m.apply(e)

        def rest() -> Iterator[tuple[float, Raw]]:
            for bi, (times, evs) in enumerate(snap):
                for x in range(k if bi == 0 else 0, len(evs)):
                    if times[x] > t1:
                        return
                    yield times[x], evs[x]

        return m, rest()

    def weight_between(self, t0: float, t1: float) -> int | None:
        """The cost in operations (`_weight`) of the DOM-changing events with
        t0 < time <= t1, from the blocks' weights alone (nothing decoded); None while the
        index has not reached t1 (it never waits)."""
        with self.lock:
            if not self.done and t1 > self.covered:
                return None
            i = bisect_right(self.cp_t, t0) - 1
            j = bisect_right(self.cp_t, t1) - 1
            return sum(sum(b.weights[bisect_right(b.times, t0): bisect_right(b.times, t1)])
                       for b in self.blocks[i: j + 1])

    # --- ahead of the index: rrweb's way, from the last full snapshot ------------------------
    def _segment_events(self, i: int) -> list[Raw]:
        """A segment's valid events (the last one is cached: playback reads it often)."""
        with self._cache_lock:
            for k, evs in self._seg_cache:
                if k == i:
                    return evs
        evs = [as_played(e) for e in self._read(i) if isinstance(e, dict)
               and isinstance(e.get("timestamp"), (int, float))
               and not isinstance(e.get("timestamp"), bool)]
        with self._cache_lock:
            self._seg_cache = [] if self.done else [(i, evs)]   # one decoded segment at most
        return evs

    def _segment_of(self, t: float) -> int:
        at = (self.start_ms or 0) + t
        starts = [s.start_ms for s in self.segments]
        return max(0, bisect_right(starts, at) - 1)

    def quick_start(self, t: float) -> int | None:
        """For a moment the indexer has not reached: the segment holding the last full
        snapshot before it, if starting there is cheaper than waiting for the indexer."""
        if self.done or self.start_ms is None or not self.segments:
            return None
        s_t = self._segment_of(t)
        if s_t < self._next_seg:
            return None   # being indexed now: the indexer is there soon
        at = self.start_ms + t
        for k in range(s_t, self._next_seg - 1, -1):
            seg = self.segments[k]
            if seg.has_full_snapshot and seg.start_ms <= at:
                return k
        return None

    def quick_between(self, t0: float, t1: float, *, with_state: bool = True
                      ) -> tuple[Mirror | None, Iterator[tuple[float, Raw]]]:
        """Like `dom_events_between` (state at t0, then *every* event in (t0, t1], pointer
        events included) for a range the index has not reached, without waiting for it:
        from the last full snapshot at or before t0, reading only the segments needed."""
        k = self.quick_start(t0)
        s1 = self._segment_of(t1)
        start = self.start_ms or 0
        # no full snapshot ahead of the index before t0: the caller takes t0 from the index
        m = Mirror() if with_state and k is not None else None
        if m is not None:
            with no_gc():
                evs = self._segment_events(k)
                # from the last full snapshot at or before t0 (and the Meta just before it)
                j = 0
                for x, e in enumerate(evs):
                    if e["timestamp"] - start > t0:
                        break
                    if e.get("type") == EventType.FullSnapshot:
                        j = x
                while j > 0 and evs[j - 1].get("type") == EventType.Meta:
                    j -= 1
                for s in range(k, self._segment_of(t0) + 1):
                    for e in (evs[j:] if s == k else self._segment_events(s)):
                        if e["timestamp"] - start > t0:
                            break
                        m.apply(e)

        def rest() -> Iterator[tuple[float, Raw]]:
            for s in range(self._segment_of(t0), s1 + 1):
                for e in self._segment_events(s):
                    t = e["timestamp"] - start
                    if t <= t0:
                        continue
                    if t > t1:
                        return
                    yield t, e

        return m, rest()

    def event(self, index: int) -> Raw | None:
        """The recording's event number `index` (read from its segment)."""
        with self.lock:
            self.finish() if index >= self.events_seen else None
            s = bisect_right(self.seg_first_event, index) - 1
            if s < 0:
                return None
            first = self.seg_first_event[s]
        evs = [e for e in self._read(s) if isinstance(e, dict)
               and isinstance(e.get("timestamp"), (int, float))
               and not isinstance(e.get("timestamp"), bool)]
        k = index - first
        return evs[k] if 0 <= k < len(evs) else None

    def stats(self) -> Raw:
        return {"events": self.events_seen, "dom_events": self.dom_events,
                "checkpoints": len(self.cp_t) - 1, "checkpoint_bytes": self.checkpoint_bytes,
                "block_bytes": self.block_bytes, "full_snapshots": len(self.full_snapshot_t)}
