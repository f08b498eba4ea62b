"""Reading rrweb recordings in the shapes tools export them, and writing rrweb JSON.

Read:
- a JSON array of rrweb events (rrweb's own `events` array, rrweb-player's demo);
- an array of arrays: Sentry's replay recording segments (each a list of events);
- rrweb packer strings in either array (`@rrweb/packer`: each event JSON, with a `"v":
  "v1"` marker added, zlib-deflated and stored as a binary/latin-1 string); the marker is
  the packer's envelope and is dropped on unpacking;
- an object with an `events`, `snapshots` or `recording` array (Sentry's segments may be
  nested there), also one level down under `data`; a `user` (Sentry, also under `replay`),
  `person` / `distinct_id` (PostHog) or `usr` (Datadog) beside it is the session's user;
- PostHog's export files: `{"version": "2022-12-02", "data": {"person", "snapshotsByWindowId":
  {window: [events]}}}` and `{"version": "2023-04-28", "data": {"id", "person", "snapshots":
  [event + "windowId"]}}` - each browser window is its own recording (its own DOM);
- NDJSON: one event per line, or PostHog's blob lines `{"window_id", "data": [events]}`;
- any of the above gzip- or zstd-compressed.

Write: a JSON array of the events exactly as stored (every field kept), which rrweb's
player loads as it is.
"""
from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import Any, Iterable

import msgspec
import zstandard

from .format import decode_json, encode_json
from .semantics import user_from

PACKER_MARK = "v1"


class ParsedRecording(msgspec.Struct, kw_only=True):
    events: list[Any]                 # raw events (validated later, by ingest)
    session_hint: str | None = None   # an id the file gives the recording
    user: dict | None = None
    window_id: str | None = None
    shape: str = "rrweb"              # which shape was recognised (for messages)


class UnreadableRecording(ValueError):
    """A file that holds no rrweb recording in any shape we know."""


# --- packer ----------------------------------------------------------------------------
def unpack_event(raw: Any) -> Any:
    """rrweb packer's `unpack`: plain JSON, or zlib-deflated JSON in a latin-1 string."""
    if not isinstance(raw, str):
        return raw
    try:
        e = decode_json(raw)
        if isinstance(e, dict) and e.get("timestamp"):
            return e
    except msgspec.DecodeError:
        pass
    try:
        e = decode_json(zlib.decompress(raw.encode("latin-1")))
    except (UnicodeEncodeError, zlib.error, msgspec.DecodeError):
        raise UnreadableRecording("a string in the events array is neither JSON nor an rrweb"
                                  " packer string") from None
    if isinstance(e, dict) and e.get("v") == PACKER_MARK:
        e.pop("v")
        return e
    raise UnreadableRecording(f"packed with an rrweb packer version we do not know"
                              f" ({e.get('v') if isinstance(e, dict) else '?'!r})")


def pack_event(event: dict) -> str:
    """rrweb packer's `pack` (for round-trip tests and exports to packer users)."""
    return zlib.compress(encode_json({**event, "v": PACKER_MARK})).decode("latin-1")


# --- reading ---------------------------------------------------------------------------
def read_recordings(path: Path | str) -> list[ParsedRecording]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableRecording(f"cannot read {path}: {exc.strerror}") from None
    try:
        return parse_recordings(data)
    except UnreadableRecording as exc:
        raise UnreadableRecording(f"{path}: {exc}") from None


def parse_recordings(data: bytes) -> list[ParsedRecording]:
    data = _decompress(data)
    if not data.strip():
        raise UnreadableRecording("the file is empty")
    try:
        top = decode_json(data)
    except msgspec.DecodeError as exc:
        top = _ndjson(data, exc)
    recs = _from_value(top)
    recs = [r for r in recs if r.events]
    if not recs:
        raise UnreadableRecording("no rrweb events found")
    return recs


def _decompress(data: bytes) -> bytes:
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:4] == b"\x28\xb5\x2f\xfd":
        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return data


def _ndjson(data: bytes, first_error: Exception) -> list:
    lines = [ln for ln in data.splitlines() if ln.strip()]
    if len(lines) < 2:
        raise UnreadableRecording(f"not JSON: {first_error}")
    out = []
    for n, ln in enumerate(lines, 1):
        try:
            out.append(decode_json(ln))
        except msgspec.DecodeError as exc:
            raise UnreadableRecording(f"neither JSON nor NDJSON (line {n}: {exc})") from None
    return ["__ndjson__", out]


def _is_event(v: Any) -> bool:
    return isinstance(v, dict) and "timestamp" in v and "type" in v


def _from_value(top: Any) -> list[ParsedRecording]:
    if isinstance(top, list) and len(top) == 2 and top[0] == "__ndjson__":
        lines = top[1]
        if all(isinstance(x, dict) and "data" in x and "window_id" in x for x in lines):
            return _by_window([(x.get("window_id"), e) for x in lines
                               for e in _events(x["data"])], shape="posthog-blob")
        return [ParsedRecording(events=_events(lines), shape="ndjson")]
    if isinstance(top, list):
        if top and all(isinstance(x, list) for x in top):
            return [ParsedRecording(events=[e for seg in top for e in _events(seg)],
                                    shape="sentry-segments")]
        return _split_windows(_events(top), shape="rrweb")
    if isinstance(top, dict):
        if _is_event(top):
            return [ParsedRecording(events=[top], shape="rrweb-event")]
        data = top.get("data")
        if isinstance(data, dict) and ("snapshotsByWindowId" in data or "snapshots" in data):
            return _posthog(data)
        for key in ("events", "snapshots", "recording"):
            if isinstance(top.get(key), list):
                hint = top.get("session_id") or top.get("sessionId") or top.get("id")
                items = top[key]
                if items and all(isinstance(x, list) for x in items):   # Sentry's segments
                    items = [e for seg in items for e in seg]
                recs = _split_windows(_events(items), shape=f"object.{key}")
                if isinstance(hint, str) and len(recs) == 1:
                    recs[0].session_hint = hint
                user = _file_user(top)
                for r in recs:
                    r.user = user
                return recs
        if isinstance(data, (dict, list)):
            return _from_value(data)
    raise UnreadableRecording("expected a JSON array of rrweb events or an object with an"
                              " 'events' or 'snapshots' array")


def _events(v: Any) -> list:
    if not isinstance(v, list):
        raise UnreadableRecording("expected an array of events")
    return [unpack_event(x) for x in v]


def _posthog(data: dict) -> list[ParsedRecording]:
    user = _posthog_user(data.get("person"))
    hint = data.get("id") if isinstance(data.get("id"), str) else None
    if isinstance(data.get("snapshotsByWindowId"), dict):
        pairs = [(w, e) for w, evs in data["snapshotsByWindowId"].items() for e in _events(evs)]
        recs = _by_window(pairs, shape="posthog-2022")
    else:
        recs = _split_windows(_events(data.get("snapshots") or []), shape="posthog-2023")
    for i, r in enumerate(recs):
        r.user = user
        if hint:
            r.session_hint = hint if len(recs) == 1 else f"{hint}.{r.window_id or i}"
    return recs


def _posthog_user(person: Any) -> dict | None:
    u = user_from(person)
    return u.as_dict() if u is not None else None


def _file_user(top: dict) -> dict | None:
    """The user an export states beside its events: Sentry's `user` (also under
    `replay`), PostHog's `person` or `distinct_id`, Datadog's `usr` (see semantics.user_from)."""
    replay = top.get("replay") if isinstance(top.get("replay"), dict) else {}
    for obj in (top.get("user"), replay.get("user"), top.get("person"), top.get("usr"),
                {"distinct_id": top["distinct_id"]} if top.get("distinct_id") else None):
        u = user_from(obj)
        if u is not None:
            return u.as_dict()
    return None


def _split_windows(events: list, shape: str) -> list[ParsedRecording]:
    """Events tagged with a `windowId` (PostHog) come from several windows, each its own
    DOM; untagged arrays are one recording."""
    wins = {e.get("windowId") for e in events if isinstance(e, dict)}
    if len(wins) <= 1:
        w = next(iter(wins), None)
        return [ParsedRecording(events=events, shape=shape,
                                window_id=w if isinstance(w, str) else None)]
    return _by_window([(e.get("windowId") if isinstance(e, dict) else None, e) for e in events],
                      shape=shape)


def _by_window(pairs: Iterable[tuple[Any, Any]], shape: str) -> list[ParsedRecording]:
    groups: dict[Any, list] = {}
    for w, e in pairs:
        groups.setdefault(w, []).append(e)
    return [ParsedRecording(events=evs, window_id=str(w) if w is not None else None, shape=shape)
            for w, evs in groups.items()]


# --- writing ---------------------------------------------------------------------------
def write_rrweb_json(path: Path | str, events: Iterable[dict]) -> int:
    """Write a JSON array of the events (streamed; atomically replaces `path`).
    Returns the number of events written."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    try:
        with open(tmp, "wb") as f:
            f.write(b"[")
            for e in events:
                if n:
                    f.write(b",")
                f.write(encode_json(e))
                n += 1
            f.write(b"]")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return n
