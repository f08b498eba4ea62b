"""The intake's limits (Datadog's, see DESIGN.md "Sessions and limits").

Every rejection is a `LimitError` carrying a stable `code` (what the HTTP intake answers
as `error`), the `limit` that was exceeded and a message naming it. Checks run before
anything is written, so a rejected payload leaves the store untouched.

Two readings worth stating:
- "attributes in an event" and "attribute depth" are about one recorded thing, not the
  whole page: a full snapshot of an ordinary page holds thousands of DOM attributes and
  nests hundreds of levels deep through `childNodes`. So attributes are counted per node
  (an element's `attributes`, a mutation's attribute map) and, for Custom/Plugin payloads,
  as all the keys of the payload; depth is the JSON nesting depth of the event with each
  serialized DOM node measured from its own level (the DOM tree's structure is exempt).
- Imports of recordings from files are exempt from the payload size (a file is not a
  request) and from lateness; every per-event limit applies to them too.
- Sanity, for live events and imports alike: a timestamp is epoch milliseconds between
  1970 and one day from now (a year-33714 event would be its own session that no calendar
  can show), and a recorded viewport (Meta, ViewportResize) is at most 16,384 px a side
  (the player lays the page out at that size).
"""
from __future__ import annotations

from typing import Any, Sequence

import msgspec

from .format import EventType, IncrementalSource, encode_json

MB = 1024 * 1024
MAX_EVENT_BYTES = 1 * MB              # one event, as JSON
MAX_PAYLOAD_BYTES = 5 * MB            # one live request's events, as JSON
MAX_ATTRIBUTES = 1_000                # attributes of one node / keys of one payload
MAX_DEPTH = 20                        # JSON nesting depth (DOM tree structure exempt)
MAX_LATE_MS = 24 * 3600 * 1000        # a live event older than this is rejected
MAX_SESSION_EVENTS = 10_000_000       # events in one session
MAX_FUTURE_MS = 24 * 3600 * 1000      # an event stamped later than now plus this is refused
MAX_VIEWPORT_PX = 16_384              # a recorded viewport side (Chromium's largest texture)


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    """The limit values in force; defaults are the module constants (tests pass small
    ones, e.g. `Limits(max_session_events=100)`)."""

    max_event_bytes: int = MAX_EVENT_BYTES
    max_payload_bytes: int = MAX_PAYLOAD_BYTES
    max_attributes: int = MAX_ATTRIBUTES
    max_depth: int = MAX_DEPTH
    max_late_ms: int = MAX_LATE_MS
    max_session_events: int = MAX_SESSION_EVENTS
    max_future_ms: int = MAX_FUTURE_MS
    max_viewport_px: int = MAX_VIEWPORT_PX


DEFAULT_LIMITS = Limits()
# For reading a file to play it (nothing is stored, so nothing to protect).
UNLIMITED = Limits(max_event_bytes=1 << 62, max_payload_bytes=1 << 62, max_attributes=1 << 62,
                   max_depth=1 << 30, max_late_ms=1 << 62, max_session_events=1 << 62,
                   max_future_ms=1 << 62, max_viewport_px=1 << 62)


class LimitError(ValueError):
    """A payload over one of the limits. `code` is stable and machine-readable; `limit` the
    value exceeded; `index` the offending event's position in the payload, if one."""

    def __init__(self, code: str, limit: int, message: str, index: int | None = None,
                 http_status: int = 400):
        self.code = code
        self.limit = limit
        self.index = index
        self.http_status = http_status
        where = f"event #{index}: " if index is not None else ""
        super().__init__(f"{where}{message} (limit {code}: {limit})")

    def to_json(self) -> dict[str, Any]:
        return {"error": self.code, "message": str(self), "limit": self.limit}


# --- measuring ----------------------------------------------------------------------
def _depth(v: Any, level: int, cap: int) -> int:
    """Deepest nesting below `v` (which sits at `level`); serialized DOM nodes found in a
    `childNodes` list restart at the level of the list, so the tree's shape is exempt.
    Stops descending once past `cap`."""
    if level > cap:
        return level
    if isinstance(v, dict):
        deepest = level
        for k, x in v.items():
            if isinstance(x, (dict, list)):
                if k == "childNodes" and isinstance(x, list):
                    for child in x:
                        d = _depth(child, level, cap)
                        if d > deepest:
                            deepest = d
                else:
                    d = _depth(x, level + 1, cap)
                    if d > deepest:
                        deepest = d
        return deepest
    if isinstance(v, list):
        deepest = level
        for x in v:
            if isinstance(x, (dict, list)):
                d = _depth(x, level + 1, cap)
                if d > deepest:
                    deepest = d
        return deepest
    return level - 1


def event_depth(event: Any, cap: int = 10_000) -> int:
    """JSON nesting depth: a flat object is 1, an object in an object 2, ..."""
    return _depth(event, 1, cap)


def _count_keys(v: Any) -> int:
    n = 0
    stack = [v]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            n += len(x)
            stack.extend(y for y in x.values() if isinstance(y, (dict, list)))
        elif isinstance(x, list):
            stack.extend(y for y in x if isinstance(y, (dict, list)))
    return n


def _node_max_attributes(node: Any) -> int:
    best = 0
    stack = [node]
    while stack:
        n = stack.pop()
        if not isinstance(n, dict):
            continue
        attrs = n.get("attributes")
        if isinstance(attrs, dict) and len(attrs) > best:
            best = len(attrs)
        kids = n.get("childNodes")
        if isinstance(kids, list):
            stack.extend(kids)
    return best


def event_attribute_count(event: dict) -> int:
    """The largest attribute count of one thing in the event (see module docstring)."""
    t = event.get("type")
    data = event.get("data")
    if not isinstance(data, dict):
        return 0
    if t == EventType.FullSnapshot:
        return _node_max_attributes(data.get("node"))
    if t == EventType.IncrementalSnapshot:
        if data.get("source") == IncrementalSource.Mutation:
            best = 0
            for a in data.get("attributes") or ():
                if isinstance(a, dict) and isinstance(a.get("attributes"), dict):
                    best = max(best, len(a["attributes"]))
            for a in data.get("adds") or ():
                if isinstance(a, dict):
                    best = max(best, _node_max_attributes(a.get("node")))
            return best
        return _count_keys(data)
    if t in (EventType.Custom, EventType.Plugin):
        return _count_keys(data.get("payload"))
    return _count_keys(data)


# --- checking -----------------------------------------------------------------------
def check_event(event: dict, encoded: bytes, index: int | None, limits: Limits) -> None:
    """Per-event limits. `encoded` is the event's JSON (its size on the wire)."""
    if len(encoded) > limits.max_event_bytes:
        raise LimitError("event_too_large", limits.max_event_bytes,
                         f"event is {len(encoded):,} bytes, over the {limits.max_event_bytes:,}"
                         " byte event size limit", index)
    # Cheap pre-checks on the JSON text: nesting deeper than N needs more than N opening
    # brackets, and more than N attributes need more than N colons.
    if encoded.count(b"{") + encoded.count(b"[") > limits.max_depth:
        depth = event_depth(event, cap=limits.max_depth + 1)
        if depth > limits.max_depth:
            raise LimitError("attribute_depth", limits.max_depth,
                             f"event nests {depth}+ levels deep, over the attribute depth"
                             f" limit of {limits.max_depth}", index)
    if encoded.count(b":") > limits.max_attributes:
        count = event_attribute_count(event)
        if count > limits.max_attributes:
            raise LimitError("too_many_attributes", limits.max_attributes,
                             f"event has {count:,} attributes, over the limit of"
                             f" {limits.max_attributes:,} attributes per event", index)


def check_late(event: dict, index: int, now_ms: float, limits: Limits) -> None:
    age = now_ms - event["timestamp"]
    if age > limits.max_late_ms:
        raise LimitError("event_too_late", limits.max_late_ms,
                         f"event arrived {age / 3_600_000:.1f} h after it happened, later than"
                         f" the {limits.max_late_ms // 3_600_000} h limit for live events", index)


def check_timestamp(event: dict, index: int, now_ms: float, limits: Limits) -> None:
    ts = event["timestamp"]
    latest = now_ms + limits.max_future_ms
    if not 0 <= ts <= latest:   # also false for NaN
        raise LimitError("timestamp_out_of_range", limits.max_future_ms,
                         f"event timestamp {ts!r} is not epoch milliseconds between 1970 and"
                         f" {limits.max_future_ms // 3_600_000} h from now", index)


def check_viewport(event: dict, index: int, limits: Limits) -> None:
    """A recorded viewport size (Meta / ViewportResize `width`, `height`) is a number of
    pixels from 0 to `max_viewport_px`."""
    data = event.get("data")
    t = event.get("type")
    if not isinstance(data, dict) or not (
            t == EventType.Meta or (t == EventType.IncrementalSnapshot
                                    and data.get("source") == IncrementalSource.ViewportResize)):
        return
    for side in ("width", "height"):
        v = data.get(side)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) \
                or not 0 <= v <= limits.max_viewport_px:
            raise LimitError("viewport_size", limits.max_viewport_px,
                             f"recorded viewport {side} {v!r} is not a number of pixels from 0"
                             f" to {limits.max_viewport_px:,}", index)


def check_payload(total_bytes: int, limits: Limits) -> None:
    if total_bytes > limits.max_payload_bytes:
        raise LimitError("payload_too_large", limits.max_payload_bytes,
                         f"payload is {total_bytes:,} bytes, over the {limits.max_payload_bytes:,}"
                         " byte payload limit", None, http_status=413)


def check_session_size(count: int, limits: Limits, session_id: str | None = None) -> None:
    if count > limits.max_session_events:
        who = f"session {session_id} " if session_id else "session "
        raise LimitError("session_too_many_events", limits.max_session_events,
                         f"{who}would hold {count:,} events, over the limit of"
                         f" {limits.max_session_events:,} events per session")


def encode_all(events: Sequence[dict]) -> list[bytes]:
    return [encode_json(e) for e in events]
