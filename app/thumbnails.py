"""Session thumbnails, as the app paints them (no Qt here): which moment to paint, at what
size. Where each is cached and when it goes: recorder.thumbnail_cache."""
from __future__ import annotations

from typing import Iterable

from recorder.format import EventType, IncrementalSource

SIZE = (160, 100)        # the picture kept (the table shows it at this size)
PAINT_SIZE = (800, 500)  # the player it is painted in, scaled down after
SETTLE_MS = 1500         # a page's first frame is often half-built: wait this long at most
# what a visitor does that changes the page: the frame just before the first one of these
_INTERACTIONS = {IncrementalSource.MouseInteraction, IncrementalSource.Input,
                 IncrementalSource.Scroll}


def first_meaningful_ms(events: Iterable[dict]) -> float | None:
    """Milliseconds after the first event of the frame that shows the page as the visitor
    first saw it: the first full snapshot, plus up to SETTLE_MS for the page to finish
    building, but before the visitor's first click, input or scroll. None without a full
    snapshot (nothing to paint). Reads only as far as it needs."""
    first = snapshot = last = None
    for e in events:
        ts = e.get("timestamp")
        if not isinstance(ts, (int, float)):
            continue
        if first is None:
            first = ts
        if snapshot is None:
            if e.get("type") == EventType.FullSnapshot:
                snapshot = ts
            continue
        if ts > snapshot + SETTLE_MS:
            return snapshot + SETTLE_MS - first
        data = e.get("data")
        if e.get("type") == EventType.IncrementalSnapshot and isinstance(data, dict) \
                and data.get("source") in _INTERACTIONS:
            return max(snapshot, ts - 1) - first
        last = ts
    if snapshot is None:
        return None
    return max(snapshot, last or snapshot) - first
