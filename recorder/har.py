"""A recording's network requests as a HAR 1.2 file (`replay export --format har`).

The requests are `semantics.py`'s resources - the rows of the player's Network tab, in the
same order (by start time, same-time requests in recording order) - so a developer's HAR
viewer lists what the support engineer saw. Nothing is read from raw payloads here.

What a recording does not hold is said, not invented:
- headers, cookies and bodies are not recorded today: empty lists, sizes -1 (HAR's "unknown");
- the duration is one `wait` phase (the recording has no DNS/connect/send phases): `send`
  and `receive` are 0, as HAR requires them;
- a request without a status (cut off, blocked) is status 0, as browsers write it;
- an unknown MIME type is "x-unknown" (Chromium's word).
Each entry keeps the recorded type in `_resourceType` and who reported it in `_source`
(HAR's custom fields start with "_").

The times come from the recording after the privacy rules were applied at open, so URLs
carry only what the rules left (scrubbed query parameters stay scrubbed).
"""
from __future__ import annotations

import datetime as _dt
from http import HTTPStatus
from typing import Any, Iterable
from urllib.parse import parse_qsl, urlsplit

from .semantics import Resource, Semantics, View

HAR_VERSION = "1.2"
CREATOR = {"name": "session-replay", "version": "0.1.0"}
UNKNOWN = -1                  # HAR: "-1 if the info is not available"
UNKNOWN_MIME = "x-unknown"
NOT_RECORDED = "headers, cookies, bodies and timing phases are not recorded"
# the recorded resource type -> the MIME type it implies (only where it is unambiguous)
_MIME = {"css": "text/css", "js": "application/javascript", "document": "text/html",
         "image": "image/*", "font": "font/*", "media": "video/*"}


def iso(epoch_ms: float) -> str:
    """HAR's date format: ISO 8601 with milliseconds and a UTC offset."""
    d = _dt.datetime.fromtimestamp(epoch_ms / 1000, _dt.timezone.utc)
    return d.isoformat(timespec="milliseconds")


def _status_text(status: int | None) -> str:
    if not status:
        return ""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _page_of(views: list[View], t: float) -> View | None:
    """The view a request started in: the last one started at or before it."""
    page = None
    for v in views:
        if v.t <= t:
            page = v
        else:
            break
    return page


def _entry(r: Resource, origin: float, page: View | None) -> dict[str, Any]:
    wait = float(r.duration) if r.duration is not None and r.duration >= 0 else 0.0
    size = r.size if r.size is not None and r.size >= 0 else UNKNOWN
    entry: dict[str, Any] = {
        "startedDateTime": iso(origin + r.t),
        "time": wait,
        "request": {"method": r.method, "url": r.url, "httpVersion": "", "cookies": [],
                    "headers": [], "queryString": [{"name": k, "value": v} for k, v in
                                                   parse_qsl(urlsplit(r.url).query,
                                                             keep_blank_values=True)],
                    "headersSize": UNKNOWN, "bodySize": UNKNOWN},
        "response": {"status": r.status or 0, "statusText": _status_text(r.status),
                     "httpVersion": "", "cookies": [], "headers": [],
                     "content": {"size": max(size, 0),
                                 "mimeType": _MIME.get(r.type, UNKNOWN_MIME)},
                     "redirectURL": "", "headersSize": UNKNOWN, "bodySize": size},
        "cache": {},
        "timings": {"blocked": UNKNOWN, "dns": UNKNOWN, "connect": UNKNOWN, "send": 0.0,
                    "wait": wait, "receive": 0.0, "ssl": UNKNOWN},
        "_resourceType": r.type or "other",
        "_source": r.source,
    }
    if r.duration is None:
        entry["comment"] = "duration not recorded"
    if page is not None:
        entry["pageref"] = page.view_id
    return entry


def har(events: Iterable[dict], *, origin: float | None = None,
        start_ms: float | None = None, end_ms: float | None = None) -> dict[str, Any]:
    """The HAR document of a recording's events. `origin`: the epoch ms times are counted
    from (default: the first event's timestamp, as the player counts). `start_ms`/`end_ms`
    (after the origin): keep only requests started in that range."""
    sem: Semantics | None = None
    for e in events:   # streamed: a 4-hour session is never held whole
        if not isinstance(e, dict):
            continue
        if sem is None:
            ts = e.get("timestamp")
            first = float(ts) if isinstance(ts, (int, float)) and not isinstance(ts, bool) else 0.0
            sem = Semantics(origin=first if origin is None else origin)
        sem.feed(e)
    sem = sem or Semantics(origin=origin or 0.0)
    origin = sem.origin
    views = sorted(sem.views, key=lambda v: v.t)
    resources = sorted(sem.resources, key=lambda r: r.t)   # stable: the Network tab's order
    lo = float("-inf") if start_ms is None else start_ms
    hi = float("inf") if end_ms is None else end_ms
    entries = [_entry(r, origin, _page_of(views, r.t)) for r in resources if lo <= r.t <= hi]
    pages = [{"startedDateTime": iso(origin + v.t), "id": v.view_id, "title": v.url,
              "pageTimings": _page_timings(v)} for v in views]
    return {"log": {"version": HAR_VERSION, "creator": dict(CREATOR), "pages": pages,
                    "entries": entries, "comment": NOT_RECORDED}}


def _page_timings(v: View) -> dict[str, float]:
    load = v.vitals.get("loading_time")
    return {"onContentLoad": UNKNOWN, "onLoad": load if load is not None else UNKNOWN}
