"""A recording's network requests as a HAR 1.2 file (`replay export --format har`).

The requests are `semantics.py`'s resources - the rows of the player's Network tab, in the
same order (by start time, same-time requests in recording order) - so a developer's HAR
viewer lists what the support engineer saw. Nothing is read from raw payloads here.

What a recording does not hold is said, not invented:
- cookies and bodies are not recorded: empty lists, sizes -1 (HAR's "unknown"); headers are
  there where rrweb's network plugin recorded them and the rules kept them (RUM resources,
  capture.js's, carry none);
- the duration is one `wait` phase (the recording has no DNS/connect/send phases): `send`
  and `receive` are 0, as HAR requires them;
- a request without a status (cut off, blocked) is status 0, as browsers write it;
- the response's MIME type is its Content-Type as recorded (`Resource.content_type`: the RUM
  plugin reads it off the response, the network plugin records the header); where only the
  request's type is recorded, the type it implies (a stylesheet's `text/css`), said in the
  content's comment; where nothing says it, "x-unknown" (Chromium's word), said so too.
Each entry keeps the recorded type in `_resourceType` and who reported it in `_source`
(HAR's custom fields start with "_").

The times come from the recording after the privacy rules were applied at open, so URLs
carry only what the rules left (scrubbed query parameters stay scrubbed).
"""
from __future__ import annotations

import bisect
import datetime as _dt
from http import HTTPStatus
from typing import Any, Iterable
from urllib.parse import parse_qsl, urlsplit

from .semantics import PENDING_SAID, Resource, Semantics, View, start_order

HAR_VERSION = "1.2"
CREATOR = {"name": "session-replay", "version": "0.1.0"}
UNKNOWN = -1                  # HAR: "-1 if the info is not available"
UNKNOWN_MIME = "x-unknown"
NOT_RECORDED = ("cookies, bodies and timing phases are not recorded; headers only where the"
                " recorder's network plugin recorded them and the privacy rules kept them")
# the recorded resource type -> the MIME type it implies (only where it is unambiguous)
_MIME = {"css": "text/css", "js": "application/javascript", "document": "text/html",
         "image": "image/*", "font": "font/*", "media": "video/*"}
# what the content's comment says where the response's Content-Type was not recorded
MIME_IMPLIED = "the response's Content-Type was not recorded: implied by the request's type ({})"
MIME_NOT_RECORDED = "the response's Content-Type was not recorded"


def iso(epoch_ms: float) -> str:
    """HAR's date format: ISO 8601 with milliseconds and a UTC offset."""
    d = _dt.datetime.fromtimestamp(epoch_ms / 1000, _dt.timezone.utc)
    return d.isoformat(timespec="milliseconds")


# a request still waiting for its answer when its page was left or the recording stopped
# (status 0: no response)
PENDING_TEXT = f"({PENDING_SAID})"


def _status_text(status: int | None) -> str:
    if not status:
        return ""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _page_url(url: str) -> str:
    return url.split("#", 1)[0]


class _Pages:
    """Which page each request belongs to. A view is reported once its page is under way
    (a RUM view, a Meta event), after the request for its document started: that request -
    the last `document` request for the view's URL started since the previous view and not
    after this one - loads the view's page, and the page begins when it starts. Any other
    request belongs to the page begun last at its start (a request before the first page
    began: to the first page, which the recording starts in)."""

    def __init__(self, views: list[View], resources: list[Resource]):
        self.views = views
        self.loads: dict[int, int] = {}   # a document request's index -> its view's index
        self.starts: list[float] = []
        docs = [i for i, r in enumerate(resources) if r.type == "document"]
        since = float("-inf")
        for n, v in enumerate(views):
            mine = [i for i in docs if since <= resources[i].t <= v.t and i not in self.loads
                    and _page_url(resources[i].url) == _page_url(v.url)]
            if mine:
                self.loads[mine[-1]] = n
            self.starts.append(min(v.t, _start(resources[mine[-1]])) if mine else v.t)
            since = v.t

    def of(self, i: int, r: Resource) -> View | None:
        """The page of request `i` (its index in the requests, by start time)."""
        if not self.views:
            return None
        n = self.loads.get(i)
        if n is None:
            n = max(bisect.bisect_right(self.starts, _start(r)) - 1, 0)
        return self.views[n]


def _start(r: Resource) -> float:
    """When `r` started, as recorded (before the session's start too)."""
    return r.t if r.started is None else r.started


def _pairs(headers: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in headers]


def _content(r: Resource, size: int) -> dict[str, Any]:
    """A response's content: its size, and its MIME type as far as the recording knows it -
    a JSON API's answer read "x-unknown" where the RUM plugin had read "application/json"
    off it; what is not known is said (HAR's `comment`)."""
    out: dict[str, Any] = {"size": max(size, 0)}
    if r.content_type:
        out["mimeType"] = r.content_type
    elif r.type in _MIME:
        out["mimeType"] = _MIME[r.type]
        out["comment"] = MIME_IMPLIED.format(r.type)
    else:
        out["mimeType"] = UNKNOWN_MIME
        out["comment"] = MIME_NOT_RECORDED
    return out


def _entry(r: Resource, origin: float, page: View | None) -> dict[str, Any]:
    wait = float(r.duration) if r.duration is not None and r.duration >= 0 else 0.0
    size = r.size if r.size is not None and r.size >= 0 else UNKNOWN
    entry: dict[str, Any] = {
        "startedDateTime": iso(origin + _start(r)),
        "time": wait,
        "request": {"method": r.method, "url": r.url, "httpVersion": "", "cookies": [],
                    "headers": _pairs(r.request_headers),
                    "queryString": [{"name": k, "value": v} for k, v in
                                                   parse_qsl(urlsplit(r.url).query,
                                                             keep_blank_values=True)],
                    "headersSize": UNKNOWN, "bodySize": UNKNOWN},
        "response": {"status": r.status or 0,
                     "statusText": PENDING_TEXT if r.pending else _status_text(r.status),
                     "httpVersion": "", "cookies": [], "headers": _pairs(r.response_headers),
                     "content": _content(r, size),
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
    (after the origin): keep only requests reported in that range, and the pages open during
    it or named by one of them."""
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
    # in the order they started, as the Network tab lists them (a document request began
    # before its page's recorder, whose own script it loaded)
    resources = sorted(sem.resources, key=start_order)
    lo = float("-inf") if start_ms is None else start_ms
    hi = float("inf") if end_ms is None else end_ms
    paged = _Pages(views, resources)
    entries = [_entry(r, origin, paged.of(i, r)) for i, r in enumerate(resources)
               if lo <= r.t <= hi]
    # a page begins with its load (HAR: "the beginning of the page load"), its document's
    # request when recorded
    # a range's pages: those open during it, and any an entry of it names (a request started
    # before the range on an earlier page and reported in it)
    named = {e["pageref"] for e in entries if "pageref" in e}
    ends = paged.starts[1:] + [float("inf")]
    pages = [{"startedDateTime": iso(origin + start), "id": v.view_id, "title": v.url,
              "pageTimings": _page_timings(v)}
             for v, start, end in zip(views, paged.starts, ends)
             if v.view_id in named or (start <= hi and end > lo)]
    return {"log": {"version": HAR_VERSION, "creator": dict(CREATOR), "pages": pages,
                    "entries": entries, "comment": NOT_RECORDED}}


def _page_timings(v: View) -> dict[str, float]:
    load = v.vitals.get("loading_time")
    return {"onContentLoad": UNKNOWN, "onLoad": load if load is not None else UNKNOWN}
