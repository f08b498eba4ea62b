"""Seeking ahead of the keyframe index while it is still being built: rrweb's way, from the
last full snapshot before the moment, reading only the segments needed - instead of
waiting for the indexer.

`AheadOfIndex` is KeyframeIndex's part for that: it works on the index's own state."""
from __future__ import annotations

from bisect import bisect_right
from typing import Any, Iterator

from recorder.format import EventType, no_gc
from recorder.mirror import Mirror
from recorder.privacy.masking import as_played

Raw = dict[str, Any]


class AheadOfIndex:
    """quick_start / quick_between; mixed into KeyframeIndex."""

    def _segment_events(self, i: int) -> list[Raw]:
        """A segment's valid events (the last one is cached: playback reads it often)."""
        with self._cache_lock:
            for k, evs in self._seg_cache:
                if k == i:
                    return evs
        # (taken one at a time, here: a segment built whole in compiled code held the GIL
        # for 0.22 s of 33,000 events - a read ahead in a thread stalled the UI as long)
        evs = [as_played(e) for e in self.src.iter_segment(i) if isinstance(e, dict)
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
            # (the moment's own segment may start before its full snapshot: a moment between
            # the two was rebuilt on nothing, a blank page, before)
            if seg.has_full_snapshot and seg.start_ms <= at and (
                    k < s_t or self._first_full_snapshot(k) <= at):
                return k
        return None

    def _first_full_snapshot(self, i: int) -> float:
        """When segment i's first full snapshot is (its events read once)."""
        if i not in self._first_full:
            self._first_full[i] = next((e["timestamp"] for e in self._segment_events(i)
                                        if e.get("type") == EventType.FullSnapshot), None)
        at = self._first_full[i]
        return float("inf") if at is None else at

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
                    if self.closed:   # (its player closed: a read ahead in a thread stops)
                        raise RuntimeError("closed")
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
