"""The timeline index: everything the player's scrubber and dev-tools pane need, with the
time of each item as an offset in ms after the session's first event.

Built in one streaming pass (`TimelineBuilder.feed` per event, in order, with the mirror as
it is at that event so a click can be named after the element it hit), then frozen into a
`Timeline`. Big per-event data (event times, mouse positions, activity times) lives in
`array` columns so a 1,000,000-event session stays small.

What events *mean* (console messages, errors, requests, actions, views, the user) is read
by `recorder.semantics`, the same reader the index uses, so the panes and `replay
sessions` agree; this module adds what only a player needs: the cursor, clicks to ripple,
activity and inactivity, viewports and markers.

What is "activity" follows rrweb's skip-inactivity rule: mouse moves and interactions,
scroll, viewport resize, input, touch, media, drag, selection. DOM mutations alone (a
ticking clock, a poll) are not activity.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from functools import partial
import threading
import typing
from typing import Any

import msgspec
import msgspec.structs

from recorder.format import USER_INTERACTION_SOURCES, EventType, IncrementalSource
from recorder.mirror import Mirror
from recorder.semantics import (ERROR_LINE_CHARS, Action, ConsoleMessage, ErrorEvent, ErrorGroup,
                                LongTask, Resource, Semantics, View, error_groups,
                                interaction_place, start_order)
from recorder.steps import in_text_field, target_name

Raw = dict[str, Any]
DEFAULT_INACTIVITY_MS = 10_000

# the semantics' items, under the names the player has used
LogEntry = ConsoleMessage
ErrorEntry = ErrorEvent
__all__ = ["Action", "Click", "ErrorEntry", "ErrorGroup", "EventRef", "LogEntry", "LongTask",
           "Marker", "Period", "Resource", "Timeline", "TimelineBuilder", "View"]

# The semantics' list fields, sent by an index worker in chunks of SEM_CHUNK items
# (`TimelineBuilder.to_bytes`): ~5 ms to decode each.
SEM_CHUNK = 2000
_SEM_LISTS = tuple(f.name for f in msgspec.structs.fields(Semantics)
                   if typing.get_origin(f.type) is list)
_SEM_DECODERS = {f.name: msgspec.msgpack.Decoder(f.type) for f in msgspec.structs.fields(Semantics)
                 if f.name in _SEM_LISTS}



class _Wire(msgspec.Struct):
    """A TimelineBuilder as an index worker sends it (`to_bytes`). The binary parts decode
    as views of the message (memoryview), so loading one copies each only once."""
    arrays: dict[str, tuple[str, memoryview]]
    sem: memoryview
    sem_lists: dict[str, list[memoryview]]
    plain: dict[str, Any]


_WIRE = msgspec.msgpack.Decoder(_Wire)

_ACTIVITY = frozenset(int(s) for s in USER_INTERACTION_SOURCES)
_POSITION_SOURCES = frozenset({int(IncrementalSource.MouseMove), int(IncrementalSource.TouchMove),
                               int(IncrementalSource.Drag)})


class Marker(msgspec.Struct, frozen=True, gc=False):
    t: float
    kind: str        # click | rage_click | dead_click | error_click | error | navigation |
    #                  view | custom
    label: str = ""


class Click(msgspec.Struct, frozen=True, gc=False):
    t: float
    x: float | None
    y: float | None
    kind: str        # click | dblclick | contextmenu | touchend
    id: int | None = None
    target: str = ""


class Period(msgspec.Struct, frozen=True, gc=False):
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


class EventRef(msgspec.Struct, frozen=True, gc=False):
    index: int                # position of the event in the recording
    t: float
    type: int
    source: int | None = None


class Timeline:
    """Frozen index of a recording. Lists are sorted by time (`t`)."""

    def __init__(self, b: "TimelineBuilder", duration: float):
        sem = b.sem
        self.duration = duration
        self._times = b.times
        self._kinds = b.kinds
        self._mt, self._mx, self._my = b.mouse_t, b.mouse_x, b.mouse_y
        self._activity = b.activity
        self.clicks: list[Click] = [Click(c.t, c.x, c.y, c.type, c.id, c.target) for c in sem.clicks]
        self.logs: list[LogEntry] = _sorted(list(sem.console))
        self.errors: list[ErrorEntry] = _sorted(list(sem.errors))
        self.resources: list[Resource] = sorted(sem.resources, key=start_order)
        self.actions: list[Action] = _sorted(list(sem.actions))
        self.views: list[View] = _ended(_sorted(list(sem.views)), duration)
        self.long_tasks: list[LongTask] = _sorted(list(sem.long_tasks))
        self.custom: list[tuple[float, str, Any]] = b.custom
        self.navigations: list[tuple[float, str]] = [(v.t, v.url) for v in sem.pages]
        self.facts: dict[str, Any] = b.facts()
        self.markers: list[Marker] = _sorted(_markers(self, sem))
        self._periods: dict[float, list[Period]] = {}
        self._click_t = [c.t for c in self.clicks]

    _COLUMNS = ("_times", "_kinds", "_mt", "_mx", "_my", "_activity")

    def own_columns(self) -> None:
        """Its columns copied out of the buffer they are views of (a taken-over index's,
        `TimelineBuilder.from_bytes(..., in_place=True)`) into arrays of their own - that
        buffer, the whole decompressed export (~115 MB on a 1M-event session), is no
        longer held by this timeline once the index it came from is dropped."""
        for name in self._COLUMNS:
            v = getattr(self, name)
            if isinstance(v, memoryview):
                a = array(v.format)
                a.frombytes(v.cast("B"))
                setattr(self, name, a)

    # --- events ----------------------------------------------------------------------
    @property
    def event_count(self) -> int:
        return len(self._times)

    def event_at_or_after(self, t: float) -> EventRef | None:
        i = bisect_left(self._times, t)
        return self._ref(i) if i < len(self._times) else None

    def event_before(self, t: float) -> EventRef | None:
        i = bisect_left(self._times, t) - 1
        return self._ref(i) if i >= 0 else None

    def _ref(self, i: int) -> EventRef:
        k = self._kinds[i]
        return EventRef(i, self._times[i], k // 32, (k % 32 - 1) if k % 32 else None)

    # --- mouse ---------------------------------------------------------------------------
    def mouse_at(self, t: float) -> tuple[float, float] | None:
        """Cursor position at t, interpolated between the recorded positions around it."""
        mt = self._mt
        i = bisect_right(mt, t)
        if i == 0:
            return None
        if i >= len(mt):
            return (self._mx[-1], self._my[-1])
        t0, t1 = mt[i - 1], mt[i]
        x0, y0 = self._mx[i - 1], self._my[i - 1]
        if t1 <= t0 or t1 - t0 > 1000:   # a long pause: the cursor stood still
            return (x0, y0)
        f = (t - t0) / (t1 - t0)
        return (x0 + (self._mx[i] - x0) * f, y0 + (self._my[i] - y0) * f)

    def mouse_trail(self, t0: float, t1: float) -> list[tuple[float, float, float]]:
        a, b = bisect_left(self._mt, t0), bisect_right(self._mt, t1)
        return [(self._mt[i], self._mx[i], self._my[i]) for i in range(a, b)]

    def last_click_before(self, t: float) -> Click | None:
        i = bisect_right(self._click_t, t)
        return self.clicks[i - 1] if i else None

    # --- inactivity --------------------------------------------------------------------
    def inactivity(self, threshold_ms: float = DEFAULT_INACTIVITY_MS) -> list[Period]:
        """Stretches of at least `threshold_ms` without user interaction (start->first
        activity and last activity->end count too)."""
        got = self._periods.get(threshold_ms)
        if got is not None:
            return got
        out = []
        prev = 0.0
        for t in self._activity:
            if t - prev >= threshold_ms:
                out.append(Period(prev, t))
            prev = t
        if self.duration - prev >= threshold_ms:
            out.append(Period(prev, self.duration))
        self._periods[threshold_ms] = out
        return out

    def next_activity(self, t: float) -> float | None:
        """Time of the first user interaction after t (for skip-inactivity)."""
        i = bisect_right(self._activity, t)
        return self._activity[i] if i < len(self._activity) else None

    # --- lists ---------------------------------------------------------------------------
    def error_groups(self) -> list[ErrorGroup]:
        """Errors grouped by (type, normalised message, top frame), most frequent first."""
        return error_groups(self.errors)

    def markers_between(self, t0: float, t1: float) -> list[Marker]:
        ts = [m.t for m in self.markers]
        return self.markers[bisect_left(ts, t0): bisect_right(ts, t1)]

    def to_dict(self) -> Raw:
        """JSON-able summary (lists, facts, inactivity at the default threshold)."""
        return {
            "duration": self.duration, "events": self.event_count,
            "markers": msgspec.to_builtins(self.markers),
            "inactivity": msgspec.to_builtins(self.inactivity()),
            "clicks": msgspec.to_builtins(self.clicks),
            "logs": msgspec.to_builtins(self.logs), "errors": msgspec.to_builtins(self.errors),
            "error_groups": msgspec.to_builtins(self.error_groups()),
            "resources": msgspec.to_builtins(self.resources),
            "actions": msgspec.to_builtins(self.actions), "views": msgspec.to_builtins(self.views),
            "long_tasks": msgspec.to_builtins(self.long_tasks),
            "facts": self.facts,
        }


def _sorted(items: list) -> list:
    items.sort(key=lambda x: x.t)  # stable: same-time items keep recording order
    return items


def _ended(views: list[View], duration: float) -> list[View]:
    """Each view ends where the next one starts (the last at the end)."""
    ends = [v.t for v in views[1:]] + [duration]
    return [v if v.end_t is not None else msgspec.structs.replace(v, end_t=end)
            for v, end in zip(views, ends)]


def _markers(tl: "Timeline", sem: Semantics) -> list[Marker]:
    out = [Marker(c.t, "click", c.target) for c in tl.clicks]
    out += [Marker(a.t, f, a.target) for a in tl.actions for f in a.frustrations]
    out += [Marker(e.t, "error", e.message[:ERROR_LINE_CHARS]) for e in tl.errors]
    out += [Marker(v.t, "navigation", v.url) for v in sem.pages]
    out += [Marker(v.t, "view", v.url) for v in sem.rum_views]
    out += [Marker(t, "custom", tag) for t, tag, _ in tl.custom]
    return out


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _typecode(column: Any) -> str:
    """An array's typecode, or a typed view's format (`from_bytes(..., in_place=True)`)."""
    return column.typecode if isinstance(column, array) else column.format


# (TimelineBuilder.complete: rare and short; taken inside an index's locks - its timeline's,
# its own in timeline_now's snapshot - never the other way round)
_COMPLETING = threading.Lock()


def _array_len(chunk: Any) -> int:
    """The item count of a MessagePack array (a semantics chunk), from its header."""
    b = memoryview(chunk).cast("B")
    if 0x90 <= b[0] <= 0x9f:
        return b[0] & 0x0f
    if b[0] == 0xdc:
        return int.from_bytes(b[1:3], "big")
    if b[0] == 0xdd:
        return int.from_bytes(b[1:5], "big")
    raise ValueError("a semantics chunk that is not an array")


def _decode_sem(head: Any, lists: dict[str, list[Any]]) -> Semantics:
    """`TimelineBuilder.to_bytes`'s semantics: the Struct without its long lists, then each
    list from its chunks, their texts shared (`_share_texts`)."""
    sem = msgspec.msgpack.decode(head, type=Semantics)
    for f, chunks in lists.items():
        dec = _SEM_DECODERS[f]
        setattr(sem, f, [x for c in chunks for x in dec.decode(c)])
    _share_texts(sem)
    return sem


def _text_fields(item: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A semantics item type's text fields: (those holding a str or None, those holding a
    list of str)."""
    one, many = [], []
    for f in msgspec.structs.fields(item):
        args = typing.get_args(f.type)
        if f.type is str or (args and str in args and set(args) <= {str, type(None)}
                             and typing.get_origin(f.type) is not list):
            one.append(f.name)
        elif typing.get_origin(f.type) is list and args == (str,):
            many.append(f.name)
    return tuple(one), tuple(many)


# each semantics list's item type's text fields (the lists of Structs)
_SEM_TEXTS = {f.name: _text_fields(typing.get_args(f.type)[0])
              for f in msgspec.structs.fields(Semantics) if f.name in _SEM_LISTS
              and isinstance(typing.get_args(f.type)[0], type)
              and issubclass(typing.get_args(f.type)[0], msgspec.Struct)}


def _share_texts(sem: Semantics) -> None:
    """One str object for each text the decoded items repeat - a level, a type, a method,
    a clicked element's name, a stack: each item decoded had its own copy of each. 53 ->
    37 MB for a 1M-event session's 95,000 items, in 0.06 s (the items stay equal)."""
    seen: dict[str, str] = {}
    get, put = seen.setdefault, msgspec.structs.force_setattr
    for f, (one, many) in _SEM_TEXTS.items():
        for x in getattr(sem, f):
            for name in one:
                v = getattr(x, name)
                if v:
                    s = get(v, v)
                    if s is not v:
                        put(x, name, s)
            for name in many:
                v = getattr(x, name)
                if v:
                    v[:] = [get(s, s) for s in v]


class TimelineBuilder:
    """Streaming builder: `feed(event, t, mirror)` for every event in order, then `build`."""

    def __init__(self, start_ms: float):
        self.start_ms = start_ms
        self.times = array("d")
        self.kinds = array("H")   # type * 32 + (source + 1)
        self.mouse_t, self.mouse_x, self.mouse_y = array("d"), array("f"), array("f")
        self.activity = array("d")
        self.click_t = array("d")   # times of sem.clicks (playback's ripples, while indexing)
        self.sem = Semantics(origin=start_ms)
        # a taken-over builder's semantics still encoded (`from_bytes(..., in_place=True)`)
        self._sem_wire: tuple[Any, dict[str, list[Any]]] | None = None
        self.custom: list[tuple[float, str, Any]] = []
        self._viewports: list[tuple[float, float]] = []

    def feed(self, e: Raw, t: float, mirror: Mirror | None) -> None:
        typ = e.get("type")
        data = e.get("data")
        self.times.append(t)
        if typ == 3 and type(data) is dict:
            src = data.get("source")
            ok = type(src) is int and 0 <= src < 31
            self.kinds.append(96 + src + 1 if ok else 96)
            if src in _ACTIVITY:
                self.activity.append(t)
            if src in _POSITION_SOURCES:   # the most frequent events: kept tight
                mt, mx, my = self.mouse_t, self.mouse_x, self.mouse_y
                last = mt[-1] if mt else 0.0
                for p in data.get("positions") or ():
                    try:
                        x = float(p["x"])
                        y = float(p["y"])
                        pt = t + float(p.get("timeOffset") or 0)
                    except (TypeError, KeyError, ValueError, AttributeError):
                        continue
                    if pt < last:
                        pt = last   # keep the column sorted (timeOffsets overlap events)
                    last = pt
                    mt.append(pt)
                    mx.append(x)
                    my.append(y)
            elif src == IncrementalSource.MouseInteraction:
                place = interaction_place(data)
                if place is not None:
                    self._mouse(t, *place)
            elif src == IncrementalSource.ViewportResize:
                self._viewport(data.get("width"), data.get("height"))
            if src == IncrementalSource.MouseInteraction:
                clicks = len(self.sem.clicks)
                if mirror is not None:   # what was clicked: its name, a text field or not
                    self.sem.feed(e, t, partial(target_name, mirror),
                                  partial(in_text_field, mirror))
                else:
                    self.sem.feed(e, t)
                if len(self.sem.clicks) > clicks:
                    self.click_t.append(self.sem.clicks[-1].t)
            else:
                self.sem.feed(e, t)   # every event: the semantics count positions too
            return
        self.kinds.append((typ if type(typ) is int and 0 <= typ < 2000 else 2047) * 32)
        if not isinstance(data, dict):
            self.sem.feed(e, t)
            return
        if typ == EventType.Meta:
            self._viewport(data.get("width"), data.get("height"))
        elif typ == EventType.Custom:
            tag = data.get("tag")
            self.custom.append((t, tag if isinstance(tag, str) else "", data.get("payload")))
        self.sem.feed(e, t)

    # --- pieces ------------------------------------------------------------------------
    def _mouse(self, t: float, x: float, y: float) -> None:
        mt = self.mouse_t
        if mt and t < mt[-1]:
            t = mt[-1]  # keep the column sorted (timeOffsets overlap across events)
        mt.append(t)
        self.mouse_x.append(x)
        self.mouse_y.append(y)

    def _viewport(self, w: Any, h: Any) -> None:
        w, h = _num(w), _num(h)
        if w and h and (not self._viewports or self._viewports[-1] != (w, h)):
            self._viewports.append((w, h))

    def facts(self) -> dict[str, Any]:
        sem = self.sem
        f: dict[str, Any] = dict(sem.context)
        if sem.user is not None:
            f["user"] = sem.user.as_dict()
        f["urls"] = list(sem.urls)
        f["viewports"] = [list(v) for v in self._viewports]
        if self._viewports:
            f["viewport"] = list(self._viewports[0])
        return f

    def snapshot(self) -> "TimelineBuilder":
        """A copy of what is built so far (to show a partial timeline while indexing)."""
        self.complete()   # (a taken-over one's semantics, still encoded: `sem` None)
        c = TimelineBuilder.__new__(TimelineBuilder)
        for k, v in self.__dict__.items():
            if isinstance(v, (array, list)):
                v = v[:]
            setattr(c, k, v)
        c.sem = self.sem.copy()
        return c

    # --- transfer (the index may be built in a worker process) -----------------------------
    _ARRAYS = ("times", "kinds", "mouse_t", "mouse_x", "mouse_y", "activity", "click_t")
    _PLAIN = ("start_ms", "custom", "_viewports")

    def to_bytes(self) -> bytes:
        sem = self.complete().sem
        lists = {f: getattr(sem, f) for f in _SEM_LISTS}
        return msgspec.msgpack.encode(_Wire(
            arrays={k: (_typecode(getattr(self, k)), getattr(self, k).tobytes())
                    for k in self._ARRAYS},
            sem=msgspec.msgpack.encode(msgspec.structs.replace(sem, **{f: [] for f in lists})),
            # the long lists apart, in chunks: decoding each is one short C call holding the
            # GIL, so loading a million-event index never blocks the player's UI for long
            sem_lists={f: [msgspec.msgpack.encode(v[i:i + SEM_CHUNK])
                           for i in range(0, len(v), SEM_CHUNK)] for f, v in lists.items()},
            plain={k: getattr(self, k) for k in self._PLAIN}))

    @classmethod
    def from_bytes(cls, blob: Any, *, in_place: bool = False) -> "TimelineBuilder":
        """From `to_bytes` (bytes, or any buffer: read in place, never copied whole).
        `in_place`: for a finished timeline (nothing more is fed) - its columns are typed
        views of `blob` (which they keep), not arrays copied out of it, and its semantics
        (`sem`: tens of thousands of items on a long session) stay encoded in it until
        `complete()`."""
        d = _WIRE.decode(blob)
        b = cls.__new__(cls)
        for k in cls._ARRAYS:
            code, raw = d.arrays[k]
            if in_place:
                if code != _ARRAY_CODES[k]:   # (a view reads any: `array` refuses others)
                    raise ValueError(f"timeline column {k} of type {code!r}")
                a = raw.cast(code)   # TypeError: not a whole number of items
            else:
                a = array(code)
                a.frombytes(raw)
            setattr(b, k, a)
        if in_place:
            b.sem = None
            b._sem_wire = (d.sem, d.sem_lists)
            clicks = sum(_array_len(c) for c in d.sem_lists.get("clicks") or [])
        else:
            b.sem = _decode_sem(d.sem, d.sem_lists)
            b._sem_wire = None
            clicks = len(b.sem.clicks)
        if clicks != len(b.click_t):
            # (one click_t a click: a kept index whose clicks' chunks say otherwise is
            # damaged - read as it was, playback's clicks came out fewer or shifted)
            raise ValueError(f"{clicks} clicks for {len(b.click_t)} click times")
        for k in cls._PLAIN:
            setattr(b, k, d.plain[k])
        b.custom = [tuple(x) for x in b.custom]
        b._viewports = [tuple(x) for x in b._viewports]
        return b

    def complete(self) -> "TimelineBuilder":
        """Decode the semantics `from_bytes(..., in_place=True)` left encoded (nothing to do
        otherwise); the builder. Any thread may ask: one decodes, the others wait for it."""
        if self.sem is None:
            with _COMPLETING:
                if self.sem is None:
                    head, lists = self._sem_wire
                    self.sem = _decode_sem(head, lists)
                    self._sem_wire = None   # (after `sem`: `clicks_in` reads them so)
        return self

    def clicks_in(self, i: int, j: int) -> list[Action]:
        """`sem.clicks[i:j]` - while the semantics are still encoded (`from_bytes(...,
        in_place=True)`), from the chunks holding them alone: playback's first ops come
        before a long session's 95,000 items are decoded (0.1-0.3 s), never waiting."""
        wire = self._sem_wire
        if wire is None:
            return self.sem.clicks[i:j]
        if i >= j:
            return []
        dec = _SEM_DECODERS["clicks"]
        got: list[Action] = []
        at = 0   # the first chunk's first item's position among the clicks
        for c in wire[1].get("clicks") or []:
            # (each chunk's own count, from its header: not this module's SEM_CHUNK, which
            # the writer - another process, another version - may not have shared)
            n = _array_len(c)
            if at + n > i:
                got.extend(dec.decode(c)[max(0, i - at): j - at])
            at += n
            if at >= j:
                break
        ct = self.click_t
        if len(got) != max(0, min(j, len(ct)) - i) or any(
                c.t != ct[i + k] for k, c in enumerate(got)):
            # chunks holding fewer clicks than click_t lists (`from_bytes` counts them all),
            # or others than its times say: damaged - never fewer or other clicks played
            # silently (UNUSABLE: the caller drops the kept index and builds it again)
            raise ValueError(f"clicks {i}-{j} of a kept index do not match their times")
        return got

    def build(self, duration: float, *, final: bool = False) -> Timeline:
        """The frozen timeline. Built from a copy unless `final` (nothing more will be fed:
        the timeline may share the builder's columns, no second copy in memory)."""
        self.complete()
        return Timeline(self if final else self.snapshot(), duration)


# each column's typecode (a taken-over one read in place is checked against it)
_ARRAY_CODES = {k: getattr(TimelineBuilder(0), k).typecode for k in TimelineBuilder._ARRAYS}
