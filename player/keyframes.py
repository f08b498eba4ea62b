"""Keyframes: checkpoints of the rebuilt DOM, so any moment is one checkpoint plus at most a
few thousand operations away — a seek costs the same at minute 1 and at hour 4, backwards
as forwards.

Built by one streaming pass over the recording (player.keyframe_build): a checkpoint of
the DOM every `interval` operations (and right after each full snapshot) and the
DOM-changing events between checkpoints as compact blocks (player.event_block), so memory
is bounded by the compressed DOM history. The pass is incremental: the first frame of a
long session is ready after its first segments; the rest is indexed by a worker process or
a background thread (player.index_worker; a worker's index comes back through
`export`/`load_export`: player.keyframe_transfer, player.index_export) while the player
already shows the session. A seek beyond what is indexed so far starts from the last full
snapshot before it (`quick_between`: player.keyframe_ahead), as rrweb does, instead of
waiting.

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
from bisect import bisect_right
from collections import Counter
from typing import Any, Callable, Iterator

from recorder.format import no_gc
from recorder.media import NONE as NO_FEATURES, Features
from recorder.mirror import Mirror

from .checkpoint_codec import compress, decompress
from .event_block import Block
from .index_store import UNUSABLE, drop_kept
from .keyframe_ahead import AheadOfIndex
from .keyframe_build import DEFAULT_INTERVAL, FIRST_STEP, MAX_WEIGHT, IndexBuilding, _weight
from .keyframe_transfer import IndexTransfer
from .timeline import Timeline, TimelineBuilder

__all__ = ["DEFAULT_INTERVAL", "FIRST_STEP", "MAX_WEIGHT", "KeyframeIndex", "_weight"]

Raw = dict[str, Any]


class KeyframeIndex(IndexBuilding, IndexTransfer, AheadOfIndex):
    """A recording's keyframe index: built by `IndexBuilding` (player.keyframe_build),
    handed over from a worker by `IndexTransfer` (player.keyframe_transfer), read ahead of
    itself by `AheadOfIndex` (player.keyframe_ahead); the seeks are here."""

    def __init__(self, source: Any, *, interval: int = DEFAULT_INTERVAL, timeline: bool = True):
        self.src = source
        self.interval = max(1, interval)
        self._want_timeline = timeline
        self.lock = threading.RLock()
        self._cache_lock = threading.Lock()
        self._timeline_lock = threading.Lock()   # a taken-over index's timeline being made
        # its player closed (`Replayer.close`): never indexed further by `finish`
        self.closed = False
        self._drops = 0   # kept indexes dropped (`_drop_kept`), counted under `lock`
        self._reset()

    def _reset(self) -> None:
        """Every part of the index as before anything was indexed. The source, the interval
        and the locks stay: a thread waiting on `lock` while a damaged kept index is dropped
        (`_drop_kept`, under it) finds the index started again, never half of it."""
        self.segments = list(self.src.segments)
        self.start_ms: float | None = None
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
        self.extra_bytes = 0            # of the checkpoints after heavy events (keyframe_build)
        self._last_cp_bytes = 0         # of the last checkpoint
        self.event_bytes = 0            # of the DOM-changing events, encoded (uncompressed)
        self.dom_ops = 0                # ... and their operations (`_weight`)
        self._next_seg = 0
        # the segment being indexed: its events as they are decoded (`iter_segment`), how
        # many were taken and how many it holds
        self._pending: Iterator[Raw] | None = None
        self._pending_pos = 0
        self._pending_len = 0
        self._resume: int | None = None          # segment to read again to go on
        self._tb: TimelineBuilder | None = None
        self._timeline: Timeline | None = None
        # a thread finishing this index elsewhere (player.index_worker): `finish` waits for it
        self.finisher: threading.Thread | None = None
        self._seg_cache: list[tuple[int, list[Raw]]] = []
        # segment -> the time of its first full snapshot (keyframe_ahead's `quick_start`)
        self._first_full: dict[int, float | None] = {}
        self.checkpoint_bytes = len(self.cp_blob[0])
        self.block_bytes = 0
        # taken over from the store (player.index_store): the session it is kept for, and
        # what to call once it turned out damaged and was dropped (`_drop_kept`)
        self.kept_for: Any = None
        self.on_rebuild: Callable[[], None] | None = None

    def _drop_kept(self, exc: BaseException) -> bool:
        """A seek found part of the index taken over from the store damaged (`exc`): the
        kept index is dropped and this one starts again from the segments, as a first
        open's (`on_rebuild` to go on indexing). False if it was not a kept index."""
        with self.lock:
            source = self.kept_for
            if source is None or not self.done:
                return False
            drop_kept(source, exc)
            self._drops += 1
            on_rebuild = self.on_rebuild
            if self._timeline is not None:
                # its readers (a player's session view) keep it: not the export with it
                self._timeline.own_columns()
            with self._cache_lock:
                self._reset()
        if on_rebuild is not None:
            on_rebuild()
        return True
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
        if self._timeline is None and self._want_timeline:
            # an index taken over (`take_export`): its timeline is made when first read -
            # not under `lock`, which the player's seeks take meanwhile (0.1-0.15 s of it
            # on a 1M-event session)
            try:
                with self._timeline_lock:
                    # what it is made of taken together (a seek dropping a damaged kept
                    # index meanwhile resets them all, `_drop_kept`) ...
                    with self.lock:
                        tb, t_last, done = self._tb, self.t_last, self.done
                        start = self.start_ms
                        drops = self._drops
                    if self._timeline is None and done:
                        with no_gc():   # (done: the index's duration is its t_last)
                            timeline = (tb or TimelineBuilder(start or 0)).build(
                                t_last, final=True)
                        with self.lock:   # ... and kept only if it is still this index's
                            if self._tb is tb and self.done and self._timeline is None:
                                self._timeline = timeline
            except UNUSABLE as exc:
                # its semantics did not decode: a kept index damaged, dropped and built
                # again (as a damaged part a seek finds), its timeline with it
                if not self._drop_kept(exc):
                    # ... or dropped by another reader finding it too (playback's clicks
                    # while the row thread made this): built again all the same
                    with self.lock:
                        if self._drops == drops:
                            raise
            if self._timeline is None:   # dropped meanwhile: the one built again
                return self.timeline
        assert self._timeline is not None, "index built without a timeline"
        return self._timeline
    def features_at(self, t: float) -> Features:
        """The visitor's recorded media features at t, as far as the index has read (a
        moment ahead of it gets the last ones read: a visitor's preference rarely changes;
        one before the first Meta, the first ones); NONE when the recording has none."""
        if not self.features:
            return NO_FEATURES
        return self.features[max(0, bisect_right(self.features_t, t) - 1)]
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
        try:
            return self._state_at(t)
        except UNUSABLE as exc:
            if not self._drop_kept(exc):
                raise
        return self._state_at(t)

    def _state_at(self, t: float) -> Mirror:
        if not self.reaches(t) and self.quick_start(t) is not None:
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
        try:
            return self._dom_events_between(t0, t1, with_state)
        except UNUSABLE as exc:
            if not self._drop_kept(exc):
                raise
        return self._dom_events_between(t0, t1, with_state)

    def _dom_events_between(self, t0: float, t1: float, with_state: bool
                            ) -> tuple[Mirror | None, Iterator[tuple[float, Raw]]]:
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
            if not self.reaches(t1):
                return None
            i = bisect_right(self.cp_t, t0) - 1
            j = bisect_right(self.cp_t, t1) - 1
            return sum(sum(b.weights[bisect_right(b.times, t0): bisect_right(b.times, t1)])
                       for b in self.blocks[i: j + 1])
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
