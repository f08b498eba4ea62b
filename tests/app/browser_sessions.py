"""Small rrweb sessions whose index facts are known (user, app, URLs, errors, frustration),
for the session browser's tests."""
from __future__ import annotations

from pathlib import Path

RUM = "replay/rum@1"
T0 = 1_767_225_600_000   # 2026-01-01 00:00 UTC


def page(text: str, node_base: int = 1) -> dict:
    n = node_base
    return {"type": 0, "id": n, "childNodes": [
        {"type": 2, "tagName": "html", "attributes": {}, "id": n + 1, "childNodes": [
            {"type": 2, "tagName": "body", "attributes": {"style": "background:#e8f0ff"},
             "id": n + 2, "childNodes": [
                 {"type": 2, "tagName": "h1", "attributes": {}, "id": n + 3, "childNodes": [
                     {"type": 3, "textContent": text, "id": n + 4}]}]}]}]}


def session_events(*, start_ms: float, duration_ms: float, urls: list[str],
                   errors: list[str | tuple[str, str]] = (), rage: bool = False,
                   title: str = "Hello") -> list[dict]:
    """A Meta + FullSnapshot per URL, RUM errors (a message, or an error type and a message)
    and optionally a rage click, spread over `duration_ms`."""
    ev: list[dict] = []
    step = duration_ms / (len(urls) + len(errors) + 2)
    t = start_ms
    for u in urls:
        ev.append({"type": 4, "data": {"href": u, "width": 1024, "height": 640}, "timestamp": t})
        ev.append({"type": 2, "data": {"node": page(title), "initialOffset": {"left": 0, "top": 0}},
                   "timestamp": t + 1})
        t += step
    for err in errors:
        kind, msg = err if isinstance(err, tuple) else (None, err)
        error = {"message": msg, "source": "source"} | ({"type": kind} if kind else {})
        ev.append({"type": 6, "data": {"plugin": RUM, "payload": {"type": "error", "error": error}},
                   "timestamp": t})
        t += step
    if rage:
        ev.append({"type": 6, "data": {"plugin": RUM, "payload": {
            "type": "action", "action": {"type": "click", "target": {"name": "Apply"},
                                         "frustration": {"type": ["rage_click"]}}}},
                   "timestamp": t})
    ev.append({"type": 3, "data": {"source": 1, "positions": [{"x": 5, "y": 5, "id": 4,
                                                               "timeOffset": 0}]},
               "timestamp": start_ms + duration_ms})
    return ev


# (session id, application, user, start offset ms, duration ms, urls, errors, rage)
SESSIONS = [
    ("ada-checkout", "shop", {"id": "u1", "email": "ada@example.com"}, 0, 90_000,
     ["https://shop.example/", "https://shop.example/checkout"], ["TypeError: coupon is null"],
     True),
    ("bob-browse", "shop", {"id": "u2", "name": "Bob Stone"}, 3_600_000, 30_000,
     ["https://shop.example/catalog"], [], False),
    ("cy-admin", "admin", {"id": "u3", "email": "cy@example.org"}, 2 * 86_400_000, 15 * 60_000,
     ["https://admin.example/users"], [("RangeError", "quota exceeded")], False),
    ("dee-admin", "admin", None, 10 * 86_400_000, 5_000,
     ["https://admin.example/login"], [], True),
]


def filled_folder(tmp_path: Path) -> Path:
    """A data folder `tmp_path/data` holding the sessions above."""
    from recorder.store import Store

    d = tmp_path / "data"
    with Store.open(d) as store:
        fill(store)
    return d


def fill(store) -> list[str]:
    ids = []
    for sid, app, user, offset, duration, urls, errors, rage in SESSIONS:
        ids += store.ingest(session_events(start_ms=T0 + offset, duration_ms=duration, urls=urls,
                                           errors=errors, rage=rage, title=sid),
                            application=app, user=user, session_id=sid)
    return ids
