"""What the player's panes show about a recording, as plain rows (no Qt here).

One pass over the raw events collects console messages, errors, network resources, actions,
views with their web vitals, session facts, mouse samples and timeline markers, with times
as offsets (ms after the first event) so every row can seek the player. RUM payloads follow
Datadog's field names (`recorder.facts.rum_field` reads them nested or dotted).
"""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from recorder.facts import rum_field
from recorder.format import (CONSOLE_PLUGIN, NETWORK_PLUGIN, RUM_PLUGIN, EventType,
                             IncrementalSource, MouseInteractions)

INACTIVITY_MS = 10_000       # a gap between user interactions longer than this is shaded
DENSITY_BUCKETS = 240

# Sources that mean a person did something (rrweb-player's notion of user interaction).
_USER_SOURCES = frozenset({IncrementalSource.MouseMove, IncrementalSource.MouseInteraction,
                           IncrementalSource.Scroll, IncrementalSource.ViewportResize,
                           IncrementalSource.Input, IncrementalSource.TouchMove,
                           IncrementalSource.MediaInteraction, IncrementalSource.Drag,
                           IncrementalSource.Selection})
_CLICK_KINDS = {MouseInteractions.Click: "click", MouseInteractions.DblClick: "dblclick",
                MouseInteractions.ContextMenu: "contextmenu",
                MouseInteractions.TouchStart: "touch"}


@dataclass(frozen=True)
class Marker:
    t: int
    kind: str        # click | rage_click | dead_click | error_click | error | navigation
    label: str


@dataclass
class SessionView:
    start_ms: int = 0
    end_ms: int = 0
    console: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)       # grouped: one row per distinct error
    errors_all: list[dict] = field(default_factory=list)   # every occurrence (timeline markers)
    network: list[dict] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)
    views: list[dict] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    inactive: list[tuple[int, int]] = field(default_factory=list)
    density: list[int] = field(default_factory=list)
    moves: list[tuple[int, float, float]] = field(default_factory=list)
    clicks: list[tuple[int, float, float, str]] = field(default_factory=list)
    event_times: list[int] = field(default_factory=list)   # Shift+arrows stops
    viewports: list[tuple[int, int, int]] = field(default_factory=list)  # (t, w, h)

    @property
    def duration_ms(self) -> int:
        return max(0, self.end_ms - self.start_ms)

    # --- queries the player needs ---------------------------------------------------------
    def mouse_at(self, t: int) -> tuple[float, float] | None:
        i = bisect.bisect_right(self.moves, (t, float("inf"), float("inf")))
        return (self.moves[i - 1][1], self.moves[i - 1][2]) if i else None

    def clicks_between(self, t0: int, t1: int) -> list[tuple[int, float, float, str]]:
        return [c for c in self.clicks if t0 < c[0] <= t1]

    def viewport_at(self, t: int) -> tuple[int, int] | None:
        found = None
        for vt, w, h in self.viewports:
            if vt > t:
                break
            found = (w, h)
        return found or ((self.viewports[0][1], self.viewports[0][2]) if self.viewports else None)

    def inactive_at(self, t: int) -> tuple[int, int] | None:
        for a, b in self.inactive:
            if a <= t < b:
                return a, b
            if a > t:
                break
        return None

    def next_event(self, t: int) -> int | None:
        i = bisect.bisect_right(self.event_times, t)
        return self.event_times[i] if i < len(self.event_times) else None

    def previous_event(self, t: int) -> int | None:
        i = bisect.bisect_left(self.event_times, t)
        return self.event_times[i - 1] if i > 0 else None

    def next_error(self, t: int) -> int | None:
        times = sorted(m.t for m in self.markers if m.kind in ("error", "error_click"))
        i = bisect.bisect_right(times, t)
        return times[i] if i < len(times) else None


def _arg_text(a: Any) -> str:
    # the console plugin stores each argument JSON-encoded
    if isinstance(a, str):
        try:
            v = json.loads(a)
        except ValueError:
            return a
        return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    return json.dumps(a, ensure_ascii=False) if not isinstance(a, str) else a


def _console_row(t: int, p: dict) -> dict:
    args = p.get("payload")
    msg = " ".join(_arg_text(a) for a in args) if isinstance(args, list) else _arg_text(args)
    trace = p.get("trace")
    return {"t": t, "level": str(p.get("level") or "log"), "message": msg[:5000],
            "stack": [str(x) for x in trace] if isinstance(trace, list) else []}


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


_UA_BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
                ("QtWebEngine/", "QtWebEngine"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
_UA_OS = [("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iOS"),
          ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux")]


def parse_user_agent(ua: str) -> tuple[str, str, str]:
    """(browser with major version, OS, device type) from a user-agent string."""
    browser = next((name + (" " + m.group(1) if (m := re.search(re.escape(key) + r"(\d+)", ua)) else "")
                    for key, name in _UA_BROWSERS if key in ua), "")
    os_name = next((name for key, name in _UA_OS if key in ua), "")
    device = "mobile" if ("Mobile" in ua or "iPhone" in ua) else "tablet" if "iPad" in ua else "desktop"
    return browser, os_name, device


def build_session_view(events: Iterable[dict], info: Any = None) -> SessionView:
    """Collect every row and marker from raw events (in time order)."""
    sv = SessionView()
    evs = list(events)
    if not evs:
        return sv
    t0 = int(evs[0]["timestamp"])
    sv.start_ms = t0
    sv.end_ms = int(max(e["timestamp"] for e in evs))
    urls: list[str] = []
    user_agent = ""
    user: dict = {}
    device: dict = {}
    activity: list[int] = []
    all_times: list[int] = []
    open_view: dict[str, dict] = {}
    for e in evs:
        t = int(e["timestamp"]) - t0
        all_times.append(t)
        et = e.get("type")
        d = e.get("data")
        if not isinstance(d, dict):
            continue
        if et == EventType.Meta:
            href = str(d.get("href") or "")
            if href and (not urls or urls[-1] != href):
                urls.append(href)
                if t > 0:
                    sv.markers.append(Marker(t, "navigation", href))
            if d.get("width") and d.get("height"):
                sv.viewports.append((t, int(d["width"]), int(d["height"])))
        elif et == EventType.IncrementalSnapshot:
            src = d.get("source")
            if src in _USER_SOURCES:
                activity.append(t)
            if src == IncrementalSource.MouseMove or src == IncrementalSource.TouchMove \
                    or src == IncrementalSource.Drag:
                for p in d.get("positions") or ():
                    if isinstance(p, dict) and _num(p.get("x")) is not None:
                        off = _num(p.get("timeOffset")) or 0
                        sv.moves.append((int(t + off), float(p["x"]), float(p.get("y") or 0)))
            elif src == IncrementalSource.MouseInteraction:
                x, y = _num(d.get("x")), _num(d.get("y"))
                if x is not None and y is not None:
                    sv.moves.append((t, x, y))
                    kind = _CLICK_KINDS.get(d.get("type"))
                    if kind:
                        sv.clicks.append((t, x, y, kind))
            elif src == IncrementalSource.ViewportResize:
                if d.get("width") and d.get("height"):
                    sv.viewports.append((t, int(d["width"]), int(d["height"])))
            elif src == IncrementalSource.Log:
                sv.console.append(_console_row(t, d))
        elif et == EventType.Plugin:
            plugin = d.get("plugin")
            p = d.get("payload")
            if not isinstance(p, dict):
                continue
            if plugin == CONSOLE_PLUGIN:
                sv.console.append(_console_row(t, p))
            elif plugin == RUM_PLUGIN:
                when = _num(p.get("date"))
                tt = int(when - t0) if when is not None and when <= e["timestamp"] else t
                tt = max(0, tt)
                for k in ("id", "name", "email"):
                    v = rum_field(p, f"usr.{k}")
                    if v is not None:
                        user.setdefault(k, str(v))
                for k in ("device.type", "os.name", "browser.name"):
                    v = rum_field(p, k)
                    if v:
                        device.setdefault(k, str(v))
                ua = rum_field(p, "view.user_agent") or p.get("user_agent")
                if isinstance(ua, str):
                    user_agent = user_agent or ua
                _rum_row(sv, p, tt, open_view)
            elif plugin == NETWORK_PLUGIN:
                for r in p.get("requests") or []:
                    if isinstance(r, dict):
                        start = _num(r.get("startTime"))
                        sv.network.append({
                            "t": max(0, int(start - t0)) if start and start > 1e12 else t,
                            "method": str(r.get("method") or "GET"), "url": str(r.get("name") or r.get("url") or ""),
                            "status": r.get("status"), "type": str(r.get("initiatorType") or "other"),
                            "size": _num(r.get("transferSize") or r.get("encodedBodySize")),
                            "duration": _num(r.get("duration"))})
    for v in open_view.values():
        sv.views.append(v)
    sv.views.sort(key=lambda r: r["t"])
    for r in (sv.console, sv.network, sv.actions):
        r.sort(key=lambda row: row["t"])
    sv.moves.sort()
    sv.clicks.sort()
    _group_errors(sv)
    _inactivity(sv, activity)
    _density(sv, all_times)
    for r in sv.actions:
        f = r.get("frustration") or []
        kind = next((k for k in ("rage_click", "error_click", "dead_click") if k in f), "click")
        sv.markers.append(Marker(r["t"], kind, f"{r['type']} on {r['name']}" if r["name"] else r["type"]))
    if not sv.actions:  # no RUM: the recorded clicks are the markers
        sv.markers.extend(Marker(c[0], "click", c[3]) for c in sv.clicks)
    for r in sv.errors_all:
        sv.markers.append(Marker(r["t"], "error", r["message"][:120]))
    sv.markers.sort(key=lambda m: m.t)
    sv.event_times = sorted({m.t for m in sv.markers} | {c[0] for c in sv.clicks}
                            | {r["t"] for r in sv.console} | {r["t"] for r in sv.network})
    _facts(sv, info, urls, user, device, user_agent)
    return sv


def _rum_row(sv: SessionView, p: dict, t: int, open_view: dict) -> None:
    kind = p.get("type")
    if kind == "resource":
        sv.network.append({
            "t": t, "method": str(rum_field(p, "resource.method") or "GET"),
            "url": str(rum_field(p, "resource.url") or ""),
            "status": rum_field(p, "resource.status_code"),
            "type": str(rum_field(p, "resource.type") or "other"),
            "size": _num(rum_field(p, "resource.size")),
            "duration": _num(rum_field(p, "resource.duration"))})
    elif kind == "error":
        stack = rum_field(p, "error.stack")
        sv.errors.append({"t": t, "message": str(rum_field(p, "error.message") or "Error"),
                          "type": str(rum_field(p, "error.type") or "Error"),
                          "source": str(rum_field(p, "error.source") or ""),
                          "stack": str(stack) if stack else ""})
    elif kind == "action":
        f = rum_field(p, "action.frustration.type")
        f = [f] if isinstance(f, str) else [x for x in f or [] if isinstance(x, str)]
        sv.actions.append({"t": t, "type": str(rum_field(p, "action.type") or "click"),
                           "name": str(rum_field(p, "action.target.name") or ""),
                           "selector": str(rum_field(p, "action.target.selector") or ""),
                           "frustration": f,
                           "count": rum_field(p, "action.click_count") or 1})
    elif kind == "view":
        vid = str(rum_field(p, "view.id") or len(open_view))
        row = open_view.setdefault(vid, {"t": t, "id": vid, "url": "", "loading_time": None,
                                         "lcp": None, "cls": None, "inp": None})
        row["url"] = str(rum_field(p, "view.url") or row["url"])
        for key, name in (("loading_time", "view.loading_time"),
                          ("lcp", "view.largest_contentful_paint"),
                          ("cls", "view.cumulative_layout_shift"),
                          ("inp", "view.interaction_to_next_paint")):
            v = _num(rum_field(p, name))
            if v is not None:
                row[key] = v


def _group_errors(sv: SessionView) -> None:
    """Errors tab: one row per distinct (type, message), at its first occurrence, with a count."""
    sv.errors_all = list(sv.errors)
    # console errors without a matching RUM error still count as errors
    rum_msgs = {e["message"] for e in sv.errors}
    for c in sv.console:
        if c["level"] == "error" and c["message"] not in rum_msgs:
            sv.errors_all.append({"t": c["t"], "message": c["message"], "type": "console",
                                  "source": "console", "stack": "\n".join(c["stack"])})
    sv.errors_all.sort(key=lambda r: r["t"])
    grouped: dict[tuple[str, str], dict] = {}
    for e in sv.errors_all:
        key = (e["type"], e["message"])
        if key in grouped:
            grouped[key]["count"] += 1
        else:
            grouped[key] = dict(e, count=1)
    sv.errors = sorted(grouped.values(), key=lambda r: r["t"])


def _inactivity(sv: SessionView, activity: list[int]) -> None:
    pts = sorted(set([0] + activity + [sv.duration_ms]))
    for a, b in zip(pts, pts[1:]):
        if b - a > INACTIVITY_MS:
            sv.inactive.append((a + 500, b - 500))  # keep a beat on each side visible


def _density(sv: SessionView, times: list[int]) -> None:
    n = DENSITY_BUCKETS
    dur = max(1, sv.duration_ms)
    buckets = [0] * n
    for t in times:
        buckets[min(n - 1, t * n // dur)] += 1
    sv.density = buckets


def _facts(sv: SessionView, info: Any, urls: list[str], user: dict, device: dict, ua: str) -> None:
    def g(name: str) -> Any:
        return getattr(info, name, None) if info is not None else None

    browser, os_name, dev = parse_user_agent(ua) if ua else ("", "", "")
    uname = g("user_name") or user.get("name")
    uid = g("user_id") or user.get("id")
    email = g("user_email") or user.get("email")
    vp = sv.viewports[0] if sv.viewports else None
    rows = [
        ("User", " · ".join(str(x) for x in (uname, email, uid and f"id {uid}") if x) or "anonymous"),
        ("Session", str(g("id") or "—")),
        ("Application", str(g("application") or "—")),
        ("Device", device.get("device.type") or dev or "—"),
        ("Browser", device.get("browser.name") or browser or "—"),
        ("OS", device.get("os.name") or os_name or "—"),
        ("Viewport", f"{vp[1]} × {vp[2]}" if vp else "—"),
        ("Started", _iso(sv.start_ms)),
        ("Duration", fmt_ms(sv.duration_ms)),
        ("Views", str(len(sv.views) or len(urls))),
        ("Console messages", str(len(sv.console))),
        ("Errors", str(sum(e["count"] for e in sv.errors))),
        ("Network requests", str(len(sv.network))),
        ("Actions", str(len(sv.actions) or len(sv.clicks))),
        ("Frustration signals", str(sum(1 for a in sv.actions if a["frustration"]))),
    ]
    for i, u in enumerate(urls or [v["url"] for v in sv.views]):
        rows.append(("URL" if i == 0 else "", u))
    sv.facts = rows


def _iso(ms: int) -> str:
    import datetime as _dt
    return _dt.datetime.fromtimestamp(ms / 1000, _dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def fmt_ms(ms: float, precise: bool = False) -> str:
    """12:03 / 1:02:03 (or 12:03.4 when precise)."""
    ms = max(0, int(ms))
    s, rem = divmod(ms, 1000)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    base = f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
    return base + (f".{rem // 100}" if precise else "")
