"""What the index knows about a session, derived from its events in one place.

- views: rrweb Meta events (a page load or navigation), or - when the recording carries
  RUM - the distinct `view.id`s of `replay/rum@1` view events (Datadog sends a view event
  many times as it updates, so views are counted by id, and Meta events are then not
  counted again).
- errors: RUM error events, console plugin messages at level "error", rrweb Log-source
  (legacy console recording) messages at level "error".
- frustration: each `action.frustration.type` signal (rage_click, dead_click,
  error_click) of a RUM action event.
- user: `usr.id/name/email` of RUM events when the caller gave none.

RUM payloads follow Datadog's field names; both nested (`{"action": {"frustration": ...}}`)
and flattened dotted keys (`{"action.frustration.type": ...}`) are read.
"""
from __future__ import annotations

from typing import Any, Sequence

import msgspec

from .format import CONSOLE_PLUGIN, RUM_PLUGIN, EventType, IncrementalSource

_MAX_MESSAGE = 500


class View(msgspec.Struct, array_like=True):
    index: int          # position of the view's first event in the session
    view_id: str
    start_ms: float
    url: str


class ErrorFact(msgspec.Struct, array_like=True):
    index: int
    ts: float
    kind: str           # "rum" | "console" | "log"
    message: str


class SessionFacts(msgspec.Struct, kw_only=True):
    start_ms: float
    end_ms: float
    record_count: int
    first_url: str | None
    views: list[View]
    errors: list[ErrorFact]
    frustration_count: int
    user: dict[str, Any] | None

    @property
    def view_count(self) -> int:
        return len(self.views)

    @property
    def error_count(self) -> int:
        return len(self.errors)


def rum_field(payload: Any, dotted: str) -> Any:
    """`payload["a"]["b"]` or `payload["a.b"]` (Datadog's names, nested or flattened)."""
    if not isinstance(payload, dict):
        return None
    if dotted in payload:
        return payload[dotted]
    cur: Any = payload
    parts = dotted.split(".")
    for i, p in enumerate(parts):
        if not isinstance(cur, dict):
            return None
        if p in cur:
            cur = cur[p]
            continue
        rest = ".".join(parts[i:])
        return cur.get(rest)
    return cur


def _short(v: Any) -> str:
    if isinstance(v, str):
        s = v
    elif isinstance(v, list):
        s = " ".join(_arg_text(x) for x in v)
    else:
        s = "" if v is None else str(v)
    return s[:_MAX_MESSAGE]


def _arg_text(x: Any) -> str:
    # console plugin args are JSON-encoded strings: '"text"' -> text
    if isinstance(x, str) and len(x) >= 2 and x[0] == x[-1] == '"':
        return x[1:-1]
    return x if isinstance(x, str) else str(x)


def _rum(e: dict) -> dict | None:
    data = e.get("data")
    if e.get("type") == EventType.Plugin and isinstance(data, dict) \
            and data.get("plugin") == RUM_PLUGIN and isinstance(data.get("payload"), dict):
        return data["payload"]
    return None


def derive_facts(events: Sequence[dict], user: dict | None = None, *,
                 first_view: int = 1) -> SessionFacts:
    """`first_view` numbers Meta-derived views (`v1`, `v2`, ...) when appending to a
    session that already has some."""
    meta_views: list[View] = []
    rum_views: list[View] = []
    seen_rum: set[str] = set()
    errors: list[ErrorFact] = []
    frustration = 0
    found_user: dict | None = None
    start = end = None
    for i, e in enumerate(events):
        ts = e["timestamp"]
        if start is None or ts < start:
            start = ts
        if end is None or ts > end:
            end = ts
        t = e.get("type")
        data = e.get("data")
        if not isinstance(data, dict):
            continue
        if t == EventType.Meta:
            meta_views.append(View(i, f"v{len(meta_views) + first_view}", ts, str(data.get("href") or "")))
        elif t == EventType.Plugin:
            plugin = data.get("plugin")
            payload = data.get("payload")
            if plugin == RUM_PLUGIN and isinstance(payload, dict):
                kind = payload.get("type")
                if kind == "view":
                    vid = rum_field(payload, "view.id")
                    if vid is not None and str(vid) not in seen_rum:
                        seen_rum.add(str(vid))
                        rum_views.append(View(i, str(vid), ts,
                                              str(rum_field(payload, "view.url") or "")))
                elif kind == "error":
                    errors.append(ErrorFact(i, ts, "rum", _short(rum_field(payload, "error.message"))))
                elif kind == "action":
                    f = rum_field(payload, "action.frustration.type")
                    if isinstance(f, str) and f:
                        frustration += 1
                    elif isinstance(f, list):
                        frustration += sum(1 for x in f if x)
                if found_user is None and user is None:
                    usr = {k: rum_field(payload, f"usr.{k}") for k in ("id", "name", "email")}
                    if any(v is not None for v in usr.values()):
                        found_user = {k: v for k, v in usr.items() if v is not None}
            elif plugin == CONSOLE_PLUGIN and isinstance(payload, dict) \
                    and payload.get("level") == "error":
                errors.append(ErrorFact(i, ts, "console", _short(payload.get("payload"))))
        elif t == EventType.IncrementalSnapshot and data.get("source") == IncrementalSource.Log \
                and data.get("level") == "error":
            errors.append(ErrorFact(i, ts, "log", _short(data.get("payload"))))
    views = rum_views or meta_views
    first_url = views[0].url if views and views[0].url else None
    if first_url is None:
        first_url = next((v.url for v in meta_views + rum_views if v.url), None)
    return SessionFacts(
        start_ms=start if start is not None else 0, end_ms=end if end is not None else 0,
        record_count=len(events), first_url=first_url, views=views, errors=errors,
        frustration_count=frustration, user=user if user is not None else found_user)


def view_at(facts: SessionFacts, index: int) -> str | None:
    """The view in effect at event `index` (None before the first view)."""
    vid = None
    for v in facts.views:
        if v.index > index:
            break
        vid = v.view_id
    return vid
