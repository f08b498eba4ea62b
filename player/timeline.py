"""The timeline index: everything the player's scrubber and dev-tools pane need, with the
time of each item as an offset in ms after the session's first event.

Built in one streaming pass (`TimelineBuilder.feed` per event, in order, with the mirror as
it is at that event so a click can be named after the element it hit), then frozen into a
`Timeline`. Big per-event data (event times, mouse positions, activity times) lives in
`array` columns so a 1,000,000-event session stays small.

What is "activity" follows rrweb's skip-inactivity rule: mouse moves and interactions,
scroll, viewport resize, input, touch, media, drag, selection. DOM mutations alone (a
ticking clock, a poll) are not activity.
"""
from __future__ import annotations

import json
from array import array
from bisect import bisect_left, bisect_right
from typing import Any

import msgspec
import msgspec.structs

from recorder.format import (CONSOLE_PLUGIN, NETWORK_PLUGIN, RUM_PLUGIN, USER_INTERACTION_SOURCES,
                             EventType, IncrementalSource, MouseInteractions, NodeType)
from recorder.mirror import Mirror

Raw = dict[str, Any]
DEFAULT_INACTIVITY_MS = 10_000

_ACTIVITY = frozenset(int(s) for s in USER_INTERACTION_SOURCES)
_POSITION_SOURCES = frozenset({int(IncrementalSource.MouseMove), int(IncrementalSource.TouchMove),
                               int(IncrementalSource.Drag)})
_CLICK_KINDS = {int(v): v.name.lower() for v in MouseInteractions}
_CLICKS = frozenset({int(MouseInteractions.Click), int(MouseInteractions.DblClick),
                     int(MouseInteractions.ContextMenu), int(MouseInteractions.TouchEnd)})


class Marker(msgspec.Struct, frozen=True, gc=False):
    t: float
    kind: str        # click | rage_click | dead_click | error_click | error | console_error |
    #                  navigation | view | custom
    label: str = ""


class Click(msgspec.Struct, frozen=True, gc=False):
    t: float
    x: float | None
    y: float | None
    kind: str        # click | dblclick | contextmenu | touchend
    id: int | None = None
    target: str = ""


class LogEntry(msgspec.Struct, frozen=True, gc=False):
    t: float
    level: str
    message: str
    trace: list[str] = []
    source: str = "console"   # console plugin | rrweb's legacy Log source ("log")


class ErrorEntry(msgspec.Struct, frozen=True, gc=False):
    t: float
    message: str
    source: str = ""          # rum error.source, or "console"
    stack: str = ""
    type: str = ""


class ErrorGroup(msgspec.Struct, frozen=True, gc=False):
    message: str
    count: int
    first_t: float
    last_t: float


class Resource(msgspec.Struct, frozen=True, gc=False):
    t: float                  # start of the request
    url: str
    method: str = "GET"
    status: int | None = None
    duration: float | None = None   # ms
    size: int | None = None
    type: str = ""            # fetch, xhr, image, css, document...
    source: str = "rum"       # rum | network


class Action(msgspec.Struct, frozen=True, gc=False):
    t: float
    type: str                 # click, tap, scroll, custom...
    target: str = ""
    frustrations: list[str] = []
    id: int | None = None


class View(msgspec.Struct):
    t: float
    url: str
    name: str = ""
    end_t: float | None = None
    vitals: dict[str, float] = {}
    loading_time: float | None = None


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

    def __init__(self, b: "TimelineBuilder", duration: float, actions: list | None = None):
        self.duration = duration
        self._times = b.times
        self._kinds = b.kinds
        self._mt, self._mx, self._my = b.mouse_t, b.mouse_x, b.mouse_y
        self._activity = b.activity
        self.clicks: list[Click] = b.clicks
        self.logs: list[LogEntry] = _sorted(b.logs)
        self.errors: list[ErrorEntry] = _sorted(b.errors)
        self.resources: list[Resource] = _sorted(b.resources)
        self.actions: list[Action] = _sorted(list(b.actions if actions is None else actions))
        self.views: list[View] = _sorted(b.views)
        self.custom: list[tuple[float, str, Any]] = b.custom
        self.navigations: list[tuple[float, str]] = b.navigations
        self.facts: dict[str, Any] = b.facts()
        self.markers: list[Marker] = _sorted(b.markers)
        self._periods: dict[float, list[Period]] = {}
        self._click_t = [c.t for c in self.clicks]

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
        """Errors grouped by message, most frequent first."""
        groups: dict[str, list] = {}
        for e in self.errors:
            g = groups.get(e.message)
            if g is None:
                groups[e.message] = [1, e.t, e.t]
            else:
                g[0] += 1
                g[2] = e.t
        out = [ErrorGroup(m, c, f, l) for m, (c, f, l) in groups.items()]
        out.sort(key=lambda g: (-g.count, g.first_t))
        return out

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
            "facts": self.facts,
        }


def _sorted(items: list) -> list:
    items.sort(key=lambda x: x.t)  # stable: same-time items keep recording order
    return items


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _arg_text(a: Any) -> str:
    """Console plugin args are JSON-encoded strings; show strings unquoted."""
    if isinstance(a, str):
        try:
            v = json.loads(a)
        except ValueError:
            return a
        return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    return json.dumps(a, ensure_ascii=False) if a is not None else ""


class TimelineBuilder:
    """Streaming builder: `feed(event, t, mirror)` for every event in order, then `build`."""

    def __init__(self, start_ms: float):
        self.start_ms = start_ms
        self.times = array("d")
        self.kinds = array("H")   # type * 32 + (source + 1)
        self.mouse_t, self.mouse_x, self.mouse_y = array("d"), array("f"), array("f")
        self.activity = array("d")
        self.clicks: list[Click] = []
        self.click_t = array("d")
        self.logs: list[LogEntry] = []
        self.errors: list[ErrorEntry] = []
        self.resources: list[Resource] = []
        self.actions: list[Action] = []
        self.views: list[View] = []
        self.markers: list[Marker] = []
        self.custom: list[tuple[float, str, Any]] = []
        self.navigations: list[tuple[float, str]] = []
        self._urls: list[str] = []
        self._viewports: list[tuple[float, float]] = []
        self._facts: dict[str, Any] = {}
        self._click_actions: list[Action] = []   # from recorded clicks, if RUM has none
        self._view_by_id: dict[str, View] = {}
        self._rum_actions = 0

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
                self._interaction(data, t, mirror)
            elif src == IncrementalSource.Log:
                self._log(data, t, "log")
            elif src == IncrementalSource.ViewportResize:
                self._viewport(data.get("width"), data.get("height"))
            return
        self.kinds.append((typ if type(typ) is int and 0 <= typ < 2000 else 2047) * 32)
        if not isinstance(data, dict):
            return
        if typ == 3:
            return
        elif typ == EventType.Meta:
            href = data.get("href")
            if isinstance(href, str) and href and (not self._urls or self._urls[-1] != href):
                self._urls.append(href)
                self.navigations.append((t, href))
                self.markers.append(Marker(t, "navigation", href))
            self._viewport(data.get("width"), data.get("height"))
            for k in ("userAgent", "user_agent"):
                if isinstance(data.get(k), str):
                    self._facts["user_agent"] = data[k]
        elif typ == EventType.Custom:
            tag = data.get("tag")
            tag = tag if isinstance(tag, str) else ""
            self.custom.append((t, tag, data.get("payload")))
            self.markers.append(Marker(t, "custom", tag))
            p = data.get("payload")
            if isinstance(p, dict):
                for k in ("userAgent", "user_agent", "browser", "os", "device"):
                    if isinstance(p.get(k), str):
                        self._facts[_snake(k)] = p[k]
        elif typ == EventType.Plugin:
            name = data.get("plugin")
            payload = data.get("payload")
            if name == CONSOLE_PLUGIN and isinstance(payload, dict):
                self._log(payload, t, "console")
            elif name == RUM_PLUGIN and isinstance(payload, dict):
                self._rum(payload, t)
            elif name == NETWORK_PLUGIN and isinstance(payload, dict):
                self._network(payload, t)

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

    def _interaction(self, data: Raw, t: float, mirror: Mirror | None) -> None:
        kind = data.get("type")
        x, y = _num(data.get("x")), _num(data.get("y"))
        if x is not None and y is not None:
            self._mouse(t, x, y)
        if kind not in _CLICKS:
            return
        nid = data.get("id") if isinstance(data.get("id"), int) else None
        target = target_name(mirror, nid) if mirror is not None and nid is not None else ""
        c = Click(t, x, y, _CLICK_KINDS.get(kind, "click"), nid, target)
        self.clicks.append(c)
        self.click_t.append(t)
        self.markers.append(Marker(t, "click", target))
        self._click_actions.append(Action(t, c.kind, target, [], nid))

    def _log(self, p: Raw, t: float, source: str) -> None:
        level = p.get("level") if isinstance(p.get("level"), str) else "log"
        args = p.get("payload") if isinstance(p.get("payload"), list) else []
        msg = " ".join(_arg_text(a) for a in args)
        trace = [s for s in (p.get("trace") or []) if isinstance(s, str)]
        self.logs.append(LogEntry(t, level, msg, trace, source))
        if level in ("error", "assert"):
            self.errors.append(ErrorEntry(t, msg, "console", "\n".join(trace), "console"))
            self.markers.append(Marker(t, "console_error", msg[:200]))

    def _rum(self, p: Raw, t: float) -> None:
        kind = p.get("type")
        # RUM dates are epoch ms; prefer them to the event's time when present
        date = _num(p.get("date"))
        at = max(0.0, date - self.start_ms) if date and date > 1e11 else t
        if kind == "error":
            err = p.get("error") if isinstance(p.get("error"), dict) else {}
            msg = str(err.get("message") or "")
            self.errors.append(ErrorEntry(at, msg, str(err.get("source") or ""),
                                          str(err.get("stack") or ""), str(err.get("type") or "")))
            self.markers.append(Marker(at, "error", msg[:200]))
        elif kind == "resource":
            r = p.get("resource") if isinstance(p.get("resource"), dict) else {}
            dur = _num(r.get("duration"))
            if dur is not None and dur > 1e5:   # Datadog durations are in ns
                dur = dur / 1e6
            self.resources.append(Resource(
                at, str(r.get("url") or ""), str(r.get("method") or "GET"),
                int(r["status_code"]) if _num(r.get("status_code")) is not None else None,
                dur, int(r["size"]) if _num(r.get("size")) is not None else None,
                str(r.get("type") or ""), "rum"))
        elif kind == "action":
            a = p.get("action") if isinstance(p.get("action"), dict) else {}
            fr = a.get("frustration") if isinstance(a.get("frustration"), dict) else {}
            ftypes = fr.get("type") or []
            ftypes = [ftypes] if isinstance(ftypes, str) else [f for f in ftypes if isinstance(f, str)]
            tgt = a.get("target") if isinstance(a.get("target"), dict) else {}
            name = str(tgt.get("name") or a.get("name") or "")
            self.actions.append(Action(at, str(a.get("type") or "custom"), name, ftypes))
            self._rum_actions += 1
            for f in ftypes:
                self.markers.append(Marker(at, f, name))
        elif kind == "view":
            v = p.get("view") if isinstance(p.get("view"), dict) else {}
            vid = str(v.get("id") or "")
            url = str(v.get("url") or "")
            vitals = {}
            for k in ("largest_contentful_paint", "cumulative_layout_shift",
                      "interaction_to_next_paint", "first_contentful_paint",
                      "first_input_delay", "loading_time", "time_spent"):
                n = _num(v.get(k))
                if n is not None:
                    vitals[k] = n
            old = self._view_by_id.get(vid) if vid else None
            if old is not None:   # RUM re-sends a view as it updates: keep the latest figures
                old.vitals.update(vitals)
                if url:
                    old.url = url
            else:
                view = View(at, url, str(v.get("name") or ""), None, vitals)
                self.views.append(view)
                if vid:
                    self._view_by_id[vid] = view
                self.markers.append(Marker(at, "view", url))
                if url and (not self._urls or self._urls[-1] != url):
                    self._urls.append(url)
        elif kind == "long_task":
            pass
        for k, fk in (("device", "device"), ("os", "os"), ("browser", "browser")):
            if isinstance(p.get(k), dict):
                self._facts[fk] = p[k]
        usr = p.get("usr")
        if isinstance(usr, dict):
            self._facts["user"] = usr

    def _network(self, p: Raw, t: float) -> None:
        reqs = p.get("requests")
        if not isinstance(reqs, list):
            reqs = [p] if "url" in p else []
        for r in reqs:
            if not isinstance(r, dict) or not isinstance(r.get("url", r.get("name")), str):
                continue
            start = _num(r.get("startTime"))
            end = _num(r.get("endTime"))
            at = t
            if start is not None and start > 1e11:   # epoch ms (rrweb's plugin)
                at = max(0.0, start - self.start_ms)
            dur = _num(r.get("duration"))
            if dur is None and start is not None and end is not None:
                dur = end - start
            status = _num(r.get("status", r.get("responseStatus")))
            size = _num(r.get("transferSize", r.get("encodedBodySize")))
            self.resources.append(Resource(
                at, r.get("url") if isinstance(r.get("url"), str) else r.get("name"),
                str(r.get("method") or "GET"), int(status) if status is not None else None,
                dur, int(size) if size is not None else None,
                str(r.get("initiatorType") or r.get("type") or ""), "network"))

    def facts(self) -> dict[str, Any]:
        f = dict(self._facts)
        f["urls"] = list(dict.fromkeys(self._urls))
        f["viewports"] = [list(v) for v in self._viewports]
        if self._viewports:
            f["viewport"] = list(self._viewports[0])
        return f

    def snapshot(self) -> "TimelineBuilder":
        """A copy of what is built so far (to show a partial timeline while indexing)."""
        c = TimelineBuilder.__new__(TimelineBuilder)
        for k, v in self.__dict__.items():
            if isinstance(v, (array, list, dict)):
                v = v[:] if not isinstance(v, dict) else dict(v)
            setattr(c, k, v)
        c.views = [msgspec.structs.replace(v, vitals=dict(v.vitals)) for v in self.views]
        c._view_by_id = {}
        return c

    # --- transfer (the index may be built in a worker process) -----------------------------
    _ARRAYS = ("times", "kinds", "mouse_t", "mouse_x", "mouse_y", "activity", "click_t")
    _TYPED = {"clicks": list[Click], "logs": list[LogEntry], "errors": list[ErrorEntry],
              "resources": list[Resource], "actions": list[Action], "views": list[View],
              "markers": list[Marker], "_click_actions": list[Action]}
    _PLAIN = ("start_ms", "custom", "navigations", "_urls", "_viewports", "_facts", "_rum_actions")

    def to_bytes(self) -> bytes:
        d: dict[str, Any] = {k: [getattr(self, k).typecode, getattr(self, k).tobytes()]
                             for k in self._ARRAYS}
        d.update({k: msgspec.msgpack.encode(getattr(self, k)) for k in self._TYPED})
        d.update({k: getattr(self, k) for k in self._PLAIN})
        return msgspec.msgpack.encode(d)

    @classmethod
    def from_bytes(cls, blob: bytes) -> "TimelineBuilder":
        d = msgspec.msgpack.decode(blob)
        b = cls.__new__(cls)
        for k in cls._ARRAYS:
            code, raw = d[k]
            a = array(code)
            a.frombytes(raw)
            setattr(b, k, a)
        for k, typ in cls._TYPED.items():
            setattr(b, k, msgspec.msgpack.decode(d[k], type=typ))
        for k in cls._PLAIN:
            setattr(b, k, d[k])
        b.custom = [tuple(x) for x in b.custom]
        b.navigations = [tuple(x) for x in b.navigations]
        b._viewports = [tuple(x) for x in b._viewports]
        b._view_by_id = {}
        return b

    def build(self, duration: float, *, final: bool = False) -> Timeline:
        """The frozen timeline. Built from a copy unless `final` (nothing more will be fed:
        the timeline may share the builder's columns, no second copy in memory)."""
        return (self if final else self.snapshot())._build(duration)

    def _build(self, duration: float) -> Timeline:
        # views end where the next one starts
        views = sorted(self.views, key=lambda v: v.t)
        for a, b in zip(views, views[1:]):
            if a.end_t is None:
                a.end_t = b.t
        if views and views[-1].end_t is None:
            views[-1].end_t = duration
        # RUM actions are the actions; recorded clicks stand in when there are none
        actions = self.actions if self._rum_actions else self.actions + self._click_actions
        return Timeline(self, duration, actions)


def _snake(k: str) -> str:
    return "user_agent" if k in ("userAgent", "user_agent") else k


def target_name(m: Mirror, nid: int) -> str:
    """A person-readable name for the clicked element: aria-label, text, alt/title/value,
    id, else its tag — looking up to a few ancestors (a click on an icon inside a button
    names the button)."""
    n = m.nodes.get(nid)
    hops = 0
    while n is not None and hops < 4:
        if n.type == NodeType.Element:
            a = n.attrs
            for k in ("aria-label", "title", "alt"):
                v = a.get(k)
                if isinstance(v, str) and v.strip():
                    return v.strip()[:80]
            text = " ".join(_short_text(m, n.id).split())
            if text:
                return text[:80]
            if n.tag == "input" and isinstance(a.get("value"), str) and a["value"].strip() and \
                    str(a.get("type", "")).lower() in ("submit", "button", "reset"):
                return a["value"].strip()[:80]
            if isinstance(a.get("id"), str) and a["id"]:
                return f"{n.tag}#{a['id']}"
        if n.parent is None:
            break
        n = m.nodes.get(n.parent)
        hops += 1
    n = m.nodes.get(nid)
    return n.tag if n is not None and n.tag else ""


def _short_text(m: Mirror, nid: int, limit: int = 120, max_nodes: int = 400) -> str:
    """The start of the text beneath a node, without walking a whole page."""
    parts: list[str] = []
    size = 0
    for i, x in enumerate(m.walk(nid)):
        if i >= max_nodes or size >= limit:
            break
        if x.type == NodeType.Element and x.tag in ("script", "style", "noscript", "template"):
            continue
        if x.type == NodeType.Text and x.text:
            parts.append(x.text)
            size += len(x.text)
    return "".join(parts)[:limit]
