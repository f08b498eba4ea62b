"""Building the keyframe index (player.keyframes): one streaming pass over the recording
(segment by segment, lazily decoded) applies every DOM-changing event to a working mirror,
feeds every event to the timeline builder, and every `interval` operations (and right
after each full snapshot, and a few more: HEAVY) stores
- a checkpoint: `Mirror.dump()` compressed (player.checkpoint_codec), and
- the DOM-changing events since the previous checkpoint as one block (player.event_block;
  mouse moves, logs and the like are not kept: the timeline holds what is needed of them).
So memory is bounded by the compressed DOM history, never by the decoded recording.

The pass is incremental: `ensure(t)` processes segments only until `t` is covered, so the
first frame of a long session is ready after its first segments.

`IndexBuilding` is KeyframeIndex's building half: it works on the index's own state (set
up by KeyframeIndex.__init__, read by its seeks under the same lock).
"""
from __future__ import annotations

import threading
import warnings
from itertools import islice
from typing import Any

from recorder.format import EventType, IncrementalSource, no_gc
from recorder.media import read_meta
from recorder.mirror import DOM_SOURCES, FOCUS_MOVES, is_page_not_recorded
from recorder.privacy.masking import as_played

from .checkpoint_codec import compress
from .event_block import Block
from .timeline import TimelineBuilder

Raw = dict[str, Any]
_INTERACTION = int(IncrementalSource.MouseInteraction)
DEFAULT_INTERVAL = 1000   # DOM operations between checkpoints
MAX_WEIGHT = 0xFFFF       # an event's weight is kept up to this (a block's "H" array)
# Extra checkpoints, before `interval` operations: right after an event of HEAVY operations
# or more (a page re-rendered: on the real recording a 132-node add, 13 kB, was 0.16 ms of
# a 0.36 ms seek after it), or once MANY_EVENTS events followed the last checkpoint (typing:
# 76 input events after one were half of a 0.16 ms seek) - while such extra checkpoints'
# bytes (compressed) stay within EXTRA_SHARE of the DOM-changing events' own (encoded), so a
# page re-rendered many times a second cannot multiply the index's memory. Chosen on the
# real recording's random seeks: p50 0.42 -> 0.17 ms, for 25% more checkpoint bytes (the
# share is not reached there: 8.0 of 8.8 MB).
# And there are at most EXTRA_COUNT more checkpoints than `interval` and the full snapshots
# alone would place: on the real recording most extra ones take a regular one's place
# (585 checkpoints, 497 without: the bound is not reached), but a generated
# 1,000,000-event session of small pages, where a heavy event comes every few hundred
# operations, got 2,995 for 1,184 - its checkpoints 16.7 -> 39.9 MB, its kept index 48 ->
# 72 MB and the player's peak RSS while taking it over +290 MB. Bound: 1,488, 21 MB. The
# first EXTRA_FREE are not counted (a short recording's index is small whatever it holds).
HEAVY = 32
MANY_EVENTS = 64
EXTRA_SHARE = 0.4
EXTRA_COUNT = 0.2
EXTRA_FREE = 16
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


class IndexBuilding:
    """The streaming pass (see the module's doc); mixed into KeyframeIndex."""

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
                dom = typ == 2 or typ == 4 or (typ == 5 and is_page_not_recorded(e))
                if typ == 4:
                    self._meta_features(t, e.get("data"))
            if dom:
                e = as_played(e)
                m.apply(e)
                self.dom_events += 1
                full = typ == 2 or typ == 5   # (a Custom event here: `starts_page`'s)
                if full:
                    self.full_snapshot_t.append(t)
                w = _weight(e)
                self.event_bytes += block.add(t, min(w, MAX_WEIGHT), e)
                self._since += w
                self.dom_ops += w
                if full or self._since >= self.interval:
                    self._checkpoint(t)
                    block = self.blocks[-1]
                elif self._worth_one_more(w):
                    self._checkpoint(t, extra=True)
                    block = self.blocks[-1]

    def _meta_features(self, t: float, data: Any) -> None:
        """A Meta event's media features, kept when they change (a Meta without them - an
        rrweb recording's - says nothing of them: the last ones stand)."""
        f = read_meta(data)
        if f and (not self.features or self.features[-1] != f):
            self.features_t.append(t)
            self.features.append(f)

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

    def _worth_one_more(self, w: int) -> bool:
        """A checkpoint before `interval` is reached, right after an event of weight `w`:
        a heavy one, or the MANY_EVENTS-th since the last, within the extra checkpoints'
        share of bytes and count (see HEAVY)."""
        if not (w >= HEAVY or len(self.blocks[-1].times) >= MANY_EVENTS):
            return False
        extra = self.extra_bytes + self._last_cp_bytes   # (the next one: about the last's)
        # the checkpoints the interval and full snapshots alone would have placed by now
        # (and the empty one at the start)
        regular = self.dom_ops / self.interval + len(self.full_snapshot_t) + 1
        return (extra < EXTRA_SHARE * self.event_bytes
                and len(self.cp_t) < (1 + EXTRA_COUNT) * regular + EXTRA_FREE)

    def _checkpoint(self, t: float, extra: bool = False) -> None:
        self._close_block()
        blob = compress(self._dump_mirror())
        self._last_cp_bytes = len(blob)
        if extra:
            self.extra_bytes += len(blob)
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
            # (a recording without its page - a Sentry replay's later segments alone - is not
            # damaged: its changes had no page to change, which the import said already)
            said = ("recording holds no page (no full snapshot: its start is missing), so"
                    " its changes to one were skipped: " if not self.full_snapshot_t else
                    "recording is damaged: ")
            warnings.warn(said + ", ".join(
                f"{k} ({v})" for k, v in sorted(self.warnings.items())), stacklevel=3)

    def reaches(self, t: float) -> bool:
        """Whether every event at or before t is indexed (what `ensure(t)` waits for)."""
        return self.done or self.covered >= t

    def ensure(self, t: float) -> None:
        """Index segments until every event at or before t is covered. A closed index
        (its player's) raises RuntimeError instead of going on: a seek read ahead in a
        thread (player.qt.playback) went on indexing for seconds after its window closed."""
        while not self.reaches(t):
            if self.closed:
                raise RuntimeError("closed")
            self.advance()

    def ensure_first(self) -> None:
        """Index until the first full snapshot (the first frame) is in - in small steps,
        so it stops there: the real recording's is its second event, and a whole step of
        4096 events (0.27 s, 61 checkpoints) was indexed before the player could open,
        only to be let go when a worker process takes the index over."""
        while not self.done and not self.full_snapshot_t:
            self.advance(FIRST_STEP)

    def finish(self) -> None:
        """Index everything (waits for a background thread or worker doing it). A closed
        index (`closed`: its player's) not done raises RuntimeError: its reader is gone,
        and the rest of a long recording was indexed on whatever thread asked - a closed
        player's row thread, after its close, finding its kept index damaged."""
        th = self.finisher
        if th is not None and th is not threading.current_thread() and th.is_alive():
            th.join()
        while True:
            if self.closed and not self.done:
                raise RuntimeError("closed")
            if not self.advance():
                break

    @property
    def progress(self) -> float:
        if self.done:
            return 1.0
        part = min(1.0, self._pending_pos / self._pending_len) if self._pending else 0.0
        return max(0.0, self._next_seg - (1 - part if self._pending else 0)) / max(1, len(self.segments))
