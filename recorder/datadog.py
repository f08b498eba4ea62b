"""Datadog's browser Session Replay, read as rrweb events (pure: no I/O, no Qt).

What Datadog's browser SDK (`@datadog/browser-rum`) sends, and what a person may hold of it:

| shape | what it is |
|---|---|
| segment JSON | `{"records": [...], "session": {"id"}, "view": {"id"}, "start", "end", "index_in_view", "has_full_snapshot", "source": "browser", ...}`: one view's records for a few seconds |
| segment, deflated | the same as the SDK uploads it (a zlib stream, `78 9c ...`): the `segment` part of its request |
| replay request | the whole `multipart/form-data` body the SDK POSTs to `/api/v2/replay` (a proxy's copy): a `segment` part and an `event` part (the metadata, repeated inside the segment) |
| RUM events | the NDJSON body the SDK POSTs to `/api/v2/rum`: views, actions, errors, resources, long tasks, each with `session.id` and `date` |

A file may hold several of these (NDJSON lines, a JSON array, deflated segments or request
bodies one after another); `rrweb_io` finds them and hands the values here.

Records (`RecordType`): Meta (4), FullSnapshot (2), IncrementalSnapshot (3) are rrweb's own
types and sources - mouse moves, interactions, scroll, input, media, stylesheet rules have
rrweb's fields. Two full snapshot formats exist:
1. **V1** (`format` absent or 0; SDKs up to v6): rrweb's serialized node tree, as is.
2. **Change** (`format` 1; v7 on), and the Change record (12) that carries a view's later DOM
   changes in the same language: a list of `[ChangeType, ...items]`. Strings go into one
   table (`AddString`, `AddRoleAnnotatedStrings`: ids from 0 in the order added, whatever
   their role) and are named by index; nodes get ids from 0 in the order added, each placed
   by an insertion point relative to its own id (see `_place`); a stylesheet is added
   (`AddStyleSheet`) and attached to a `<style>`/`<link>` (its `_cssText` in rrweb) or to a
   document or shadow root (adopted) by its id - which is the SDK's id of the sheet object,
   not the add's place in order: a sheet sent again (a shadow root adopting the document's
   sheet, a `<style>` moved) keeps the id it had, so a record's k-th add is the sheet of
   the k-th id its attaches name (`_sheet_ids`). A full snapshot starts every table afresh.
   `ChangeDecoder` keeps the view's tree and turns each record into rrweb's: a FullSnapshot
   with the tree, or a Mutation (removes, adds one node at a time in order, texts,
   attributes) followed by the Scroll, Input and MediaInteraction events of the same moment.
Focus (6), ViewEnd (7), VisualViewport (8) and Frustration (9) records have no rrweb
counterpart and are dropped (frustration signals come from the RUM actions, or are found
again from the clicks). Mobile segments (wireframes, no DOM) are refused by the caller.

RUM events become `replay/rum@1` plugin events (the RUM plugin speaks Datadog's field
names; `semantics` reads Datadog's nanosecond durations), stripped of the SDK's envelope
(`_dd`, `application`, `session`, `connectivity`, `display`...). The session's user is the
RUM events' `usr`. A session with RUM events and no replay among the values is left out
when another has a replay (`_replayed`).

Bad input is counted in `warnings` (a reference to a string or node that is not there, a
segment whose view started in a segment not given: its records are left out, as they name
nodes of a DOM that is not there), never raised.
"""
from __future__ import annotations

import enum
import heapq
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Iterable

from .format import RUM_PLUGIN, EventType, IncrementalSource, MediaInteractions, NodeType
from .limits import MAX_DOM_DEPTH, LimitError, decompressed_cap, inflate_zlib
from .semantics import user_from

# rrweb's numbers, as the format writes them (plain ints: the events are JSON)
FULL_SNAPSHOT, INCREMENTAL = EventType.FullSnapshot.value, EventType.IncrementalSnapshot.value
META, PLUGIN = EventType.Meta.value, EventType.Plugin.value
MUTATION, SCROLL = IncrementalSource.Mutation.value, IncrementalSource.Scroll.value
INPUT, MEDIA = IncrementalSource.Input.value, IncrementalSource.MediaInteraction.value
ADOPTED = IncrementalSource.AdoptedStyleSheet.value
TEXT_NODE, ELEMENT_NODE = NodeType.Text.value, NodeType.Element.value
DOCTYPE_NODE, CDATA_NODE = NodeType.DocumentType.value, NodeType.CDATA.value
DOCUMENT_NODE = NodeType.Document.value
PLAY = MediaInteractions.Play.value   # Datadog's playback states are rrweb's Play and Pause
PAUSE = MediaInteractions.Pause.value


class RecordType(enum.IntEnum):
    FULL_SNAPSHOT = 2
    INCREMENTAL_SNAPSHOT = 3
    META = 4
    FOCUS = 6
    VIEW_END = 7
    VISUAL_VIEWPORT = 8
    FRUSTRATION = 9
    CHANGE = 12


class SnapshotFormat(enum.IntEnum):
    V1 = 0
    CHANGE = 1


class ChangeType(enum.IntEnum):
    ADD_STRING = 0
    ADD_NODE = 1
    REMOVE_NODE = 2
    ATTRIBUTE = 3
    TEXT = 4
    SIZE = 5
    SCROLL_POSITION = 6
    ADD_STYLE_SHEET = 7
    ATTACHED_STYLE_SHEETS = 8
    MEDIA_PLAYBACK_STATE = 9
    VISUAL_VIEWPORT = 10
    ADD_ROLE_ANNOTATED_STRINGS = 11
    INPUT_VALUE = 12
    INPUT_SELECTION = 13
    CLEAR_STRINGS = 14
    IMAGE_CONTENT = 15


class Selection(enum.IntEnum):
    SELECTED = 0
    DESELECTED = 1
    INDETERMINATE = 2


RUM_TYPES = frozenset({"view", "action", "error", "resource", "long_task"})
# what a RUM event keeps: its meaning; the SDK's envelope (_dd, application, session,
# connectivity, display, ddtags, service, source, tab, privacy, context) stays behind
RUM_KEEP = ("type", "date", "view", "action", "error", "resource", "long_task", "usr",
            "device", "os", "browser")
SEGMENT_KEYS = frozenset({"application", "session", "view", "records_count",
                          "has_full_snapshot", "creation_reason", "index_in_view"})
MOBILE_SOURCES = frozenset({"android", "ios", "flutter", "react-native",
                            "kotlin-multiplatform", "unity"})
V1_FRAGMENT = 11          # a V1 DocumentFragment node (a shadow root), not rrweb's
SVG_PREFIX = "svg>"      # a node name Datadog gives an SVG element: "svg>circle"
SHADOW_ROOT, FRAGMENT, DOCUMENT = "#shadow-root", "#document-fragment", "#document"
TEXT, DOCTYPE, CDATA = "#text", "#doctype", "#cdata-section"
MAX_PX = 1 << 53   # a size or offset past this is no page's (and past a float's integers)


def is_segment(v: Any) -> bool:
    """A Datadog Session Replay segment (browser or mobile)."""
    return isinstance(v, dict) and isinstance(v.get("records"), list) \
        and any(k in v for k in SEGMENT_KEYS)


def is_mobile(segment: dict) -> bool:
    types = {r.get("type") for r in segment["records"] if isinstance(r, dict)}
    return segment.get("source") in MOBILE_SOURCES or bool(types & {10, 11})


def is_rum_event(v: Any) -> bool:
    """A Datadog RUM event as the browser SDK sends it (`/api/v2/rum`). (Its `date` may
    still be wrong: `sessions` counts it.)"""
    return isinstance(v, dict) and isinstance(v.get("type"), str) \
        and v["type"] in RUM_TYPES | {"vital"} \
        and "date" in v and isinstance(v.get("session"), dict)


def is_telemetry(v: Any) -> bool:
    """The SDK's telemetry of itself (its configuration, its start's metrics: nothing of the
    visit), sent with the RUM events - before it knows the session, with none."""
    return isinstance(v, dict) and v.get("type") == "telemetry" \
        and isinstance(v.get("_dd"), dict) and "date" in v


def is_datadog(v: Any) -> bool:
    return is_segment(v) or is_rum_event(v) or is_telemetry(v)


@dataclass
class Session:
    """One Datadog session read as rrweb events, in time order."""
    session_id: str | None
    events: list[dict]
    user: dict | None = None
    warnings: Counter = field(default_factory=Counter)


def sessions(values: Iterable[Any]) -> list[Session]:
    """Segments and RUM events (any order, any mix of sessions) as one `Session` each.
    A session's views go in the order they started, each view's segments by their index in
    it (a segment sent twice counts once); its RUM events are merged in by time."""
    segs: dict[str | None, dict[tuple, dict]] = {}
    rum: dict[str | None, list[dict]] = {}
    wrong: Counter = Counter()   # what is none of them: said with every session
    for v in values:
        if not is_datadog(v):
            wrong["value that is neither a segment nor a RUM event"] += 1
            continue
        if is_telemetry(v):   # (never carried: the SDK's, not the visitor's)
            continue
        sid = _sid(v)
        segs.setdefault(sid, {})
        rum.setdefault(sid, [])
        if is_segment(v):
            key = (_str(v.get("view"), "id"), _int(v.get("index_in_view")), _int(v.get("start")))
            segs[sid].setdefault(key, v)
        elif not _time(v["date"]):
            wrong["RUM event without a date"] += 1
        elif v["type"] in RUM_TYPES:
            rum[sid].append(v)
    out = []
    for sid in segs:
        s = Session(sid, [], warnings=Counter(wrong))
        views: dict[str | None, list[dict]] = {}
        for key in sorted(segs[sid], key=lambda k: (k[2], k[1])):
            views.setdefault(key[0], []).append(segs[sid][key])
        replay: list[dict] = []
        for view, its in sorted(views.items(), key=lambda kv: _int(kv[1][0].get("start"))):
            decoder = ChangeDecoder()
            for seg in sorted(its, key=lambda g: _int(g.get("index_in_view"))):
                replay.extend(segment_events(seg, decoder))
            s.warnings.update(decoder.take_warnings())
        events = sorted((rum_event(e) for e in rum[sid]), key=lambda e: e["timestamp"])
        s.user = next((u for u in (_user(e.get("usr")) for e in rum[sid]) if u), None)
        s.events = list(heapq.merge(replay, events, key=lambda e: e["timestamp"]))
        if s.events:
            out.append(s)
    return _replayed(out)


OTHERS = "RUM event of another session, one with no replay here (left out)"


def _replayed(found: list[Session]) -> list[Session]:
    """The sessions with a replay, when any has one: a proxy's log holds every visitor's RUM
    batches and the replays of the few a site records, and another session's RUM events
    are no recording to open (and another person's data) - left out, counted with each
    session kept. Files of RUM events alone are kept whole: those are what was given."""
    kept = [s for s in found if any(e["type"] != PLUGIN for e in s.events)]
    if not kept:
        return found
    left = sum(len(s.events) for s in found
               if not any(e["type"] != PLUGIN for e in s.events))
    for s in kept:
        if left:
            s.warnings[OTHERS] += left
    return kept


def _int(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def _time(v: Any) -> bool:
    """`v` is a time (epoch ms): a number, not a bool."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _sid(v: dict) -> str | None:
    return _str(v.get("session"), "id")


def _str(obj: Any, key: str) -> str | None:
    x = obj.get(key) if isinstance(obj, dict) else None
    return x if isinstance(x, str) and x else None


def _user(usr: Any) -> dict | None:
    """The RUM events' `usr` read as every vendor's user is (`semantics.user_from`): a
    number id as text, a value masked at the source ("***") as nothing."""
    u = user_from(usr)
    return u.as_dict() if u is not None else None


def rum_event(e: dict) -> dict:
    """A Datadog RUM event as a `replay/rum@1` plugin event at its `date`."""
    payload = {k: e[k] for k in RUM_KEEP if k in e}
    return {"type": PLUGIN, "timestamp": e["date"],
            "data": {"plugin": RUM_PLUGIN, "payload": payload}}


# --- what the SDK uploads ---------------------------------------------------------------
ZLIB_HEADS = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")   # zlib's first two bytes
_FORM_PART = re.compile(rb'Content-Disposition:\s*form-data;\s*name="([^"]*)"', re.I)


class Damaged(ValueError):
    """Datadog uploads cut off or corrupt part way; `values` holds what decoded before."""

    def __init__(self, message: str, values: list):
        super().__init__(message)
        self.values = values


def is_upload(data: bytes) -> bool:
    """Bytes as Datadog's SDK uploads them: a deflated segment, or a replay request's
    multipart body (a proxy's copy). Several may follow one another."""
    head = data[:2]
    if head in ZLIB_HEADS:
        return True
    first = data[:200]
    return first.startswith(b"--") and bool(_FORM_PART.search(first))


def upload_values(data: bytes, decode) -> list:
    """The JSON values in Datadog uploads one after another (`is_upload`): each deflated
    segment inflated, each multipart body's `segment` part (its `event` part repeats the
    segment's own metadata). `decode` reads a JSON text. Refused past `decompressed_cap` of
    the whole; `Damaged` when one breaks off, with the values before it."""
    cap = decompressed_cap(len(data))
    values: list = []
    budget = [cap]
    i = 0
    while i < len(data):
        if data[i:i + 2] in ZLIB_HEADS:
            text, i, broken = _inflate_one(data, i, budget, len(values))
        elif data.startswith(b"--", i):
            text, i, broken = _form_segment(data, i, budget, len(values))
        elif not data[i:].strip():
            break
        else:
            raise Damaged(f"after {len(values)} Datadog segment{'s' * (len(values) != 1)}"
                          " the file holds something else", values)
        if broken:
            raise Damaged(broken, values)
        if text is not None:
            try:
                values.append(decode(text))
            except ValueError as exc:
                raise Damaged(f"Datadog segment {len(values) + 1} is not JSON ({exc})",
                              values) from None
    return values


def _inflate_one(data: bytes, i: int, budget: list, n: int) -> tuple[bytes | None, int, str | None]:
    """The zlib stream at `data[i:]`, within what is left of the file's `budget`: (what it
    holds, where it ends, what is wrong)."""
    text, end, broken = inflate_zlib(data, i, budget[0], f"Datadog segment {n + 1}",
                                     f"Datadog segment {n + 1} expands past the limit")
    budget[0] -= len(text)
    return (None if broken else text), end, broken


def _form_segment(data: bytes, i: int, budget: list, n: int) -> tuple[bytes | None, int, str | None]:
    """The `segment` part of the multipart body at `data[i:]` (the delimiter is its first
    line): (its content inflated, where the body ends, what is wrong)."""
    eol = data.find(b"\r\n", i)
    if eol < 0:
        return None, len(data), "a multipart body is cut off (the file was truncated)"
    delim = data[i:eol]
    end = data.find(b"\r\n" + delim + b"--", eol)
    if end < 0:
        return None, len(data), "a multipart body is cut off (the file was truncated)"
    after = end + 2 + len(delim) + 2
    segment = None
    for part in data[eol + 2:end].split(b"\r\n" + delim + b"\r\n"):
        head, sep, body = part.partition(b"\r\n\r\n")
        m = _FORM_PART.search(head)
        if sep and m and m.group(1) == b"segment":
            segment = body
    while data[after:after + 2] == b"\r\n":
        after += 2
    if segment is None:
        return None, after, None   # another form (not a replay segment): nothing of ours
    if segment[:2] in ZLIB_HEADS:
        text, _end, broken = _inflate_one(segment, 0, budget, n)
        return text, after, broken
    return segment, after, None


# --- records ----------------------------------------------------------------------------
# records with no rrweb counterpart (see the module's header)
NOT_REPLAYED = frozenset({RecordType.FOCUS, RecordType.VIEW_END, RecordType.VISUAL_VIEWPORT,
                          RecordType.FRUSTRATION})
ORPHANED = "record of a view whose first segment is missing (not shown)"


def segment_events(seg: dict, decoder: "ChangeDecoder") -> list[dict]:
    """A browser segment's records as rrweb events. `decoder` holds its view's Change
    tables and tree (the view's earlier segments were read through it first); what is
    wrong is counted in its `warnings`.

    A view's records before its full snapshot are left out (counted): its first segment
    is missing, and they name nodes of a DOM that is not there - played, they would change
    or scroll the page of the view before (a new page numbers its nodes afresh). Its Meta
    waits for the full snapshot it comes with."""
    out: list[dict] = []
    for r in seg["records"]:
        if not isinstance(r, dict) or not _time(r.get("timestamp")):
            decoder.warnings["record without a timestamp"] += 1
            continue
        t, data, kind = r["timestamp"], r.get("data"), r.get("type")
        if kind == RecordType.FULL_SNAPSHOT:
            if r.get("format") == SnapshotFormat.CHANGE and isinstance(data, list):
                snap = decoder.full_snapshot(data, t)
            elif isinstance(data, dict) and isinstance(data.get("node"), dict):
                decoder.forget()   # a V1 view: rrweb's events but for its shadow roots
                decoder.live = True
                data = {**data, "node": decoder.v1_node(data["node"])}
                snap = [{"type": FULL_SNAPSHOT, "timestamp": t, "data": data}]
                snap.extend({"type": INCREMENTAL, "timestamp": t, "data": d}
                            for d in decoder.take_adopted())
            else:
                decoder.warnings["full snapshot of an unknown format"] += 1
                decoder.live = False
                snap = []
            if snap:
                out.extend(decoder.take_meta())
                out.extend(snap)
        elif kind in NOT_REPLAYED:
            pass
        elif not decoder.live:
            if kind == RecordType.META and isinstance(data, dict):
                decoder.hold_meta({"type": META, "timestamp": t, "data": data})
            else:
                decoder.warnings[ORPHANED] += 1
        elif kind == RecordType.META and isinstance(data, dict):
            out.append({"type": META, "timestamp": t, "data": data})
        elif kind == RecordType.INCREMENTAL_SNAPSHOT and isinstance(data, dict):
            if data.get("source") == MUTATION:   # (V1's: the Change format has records of its own)
                # a shadow root may come first in a mutation (a host added with one)
                data = decoder.v1_mutation(data)
            out.append({"type": INCREMENTAL, "timestamp": t, "data": data})
            out.extend({"type": INCREMENTAL, "timestamp": t, "data": d}
                       for d in decoder.take_adopted())
        elif kind == RecordType.CHANGE and isinstance(data, list):
            out.extend(decoder.change(data, t))
        else:   # (a number only: the file's text is not said back in a warning)
            decoder.warnings[f"record of type {kind}" if type(kind) is int
                             else "record of an unknown type"] += 1
    return out


class _Node:
    __slots__ = ("id", "name", "tag", "element", "parent", "children", "attrs", "text",
                 "shadow", "depth")

    def __init__(self, nid: int, name: str, parent: "_Node | None"):
        self.id, self.name, self.parent = nid, name, parent
        self.depth = parent.depth + 1 if parent is not None else 0
        self.element = not name.startswith("#")
        # rrweb's tagName: HTML's lower-case, SVG's as written ("linearGradient")
        self.tag = name[len(SVG_PREFIX):] if name.startswith(SVG_PREFIX) else name.lower()
        self.children: list[_Node] = []
        self.attrs: dict[str, Any] = {}
        self.text: str | None = None
        self.shadow = False    # a child of a shadow root (rrweb: isShadow)


class ChangeDecoder:
    """A view's string, node and stylesheet tables, and its tree, kept across its Change
    records (see the module's header)."""

    def __init__(self) -> None:
        self.forget()
        self.warnings: Counter = Counter()
        self.meta: dict | None = None   # a Meta before the full snapshot it comes with

    def forget(self) -> None:
        self.strings: list[str] = []
        self.nodes: dict[int, _Node] = {}
        self.next_id = 0
        self.sheets: dict[int, list[str]] = {}   # a stylesheet's id -> its rules
        self.sheet_ids: deque[int] = deque()   # the ids this record's adds are for, in order
        self.next_sheet = 0              # the id an add goes under when the record's do not say
        self.adoptions: list[dict] = []  # V1: adopted sheets read, not yet sent (`take_adopted`)
        self.fragments: dict[int, int] = {}   # V1: a shadow root's id -> its host's
        self.live = False   # a full snapshot was read: changes have a tree to apply to

    # -- V1 ------------------------------------------------------------------------------
    # V1 nodes are rrweb's but for a shadow root: Datadog writes it as a DocumentFragment
    # node (type 11, `isShadowRoot`) under its host, where rrweb lists its children among
    # the host's, marked `isShadow` (the host `isShadowHost`); and for constructed sheets:
    # a document's or shadow root's `adoptedStyleSheets` (`[{cssRules, media, disabled}]`)
    # are rrweb's AdoptedStyleSheet events after the snapshot or mutation (`take_adopted`)
    def v1_node(self, node: dict) -> dict:
        if node.get("type") == DOCUMENT_NODE and "adoptedStyleSheets" in node:
            self._v1_adopt(node.get("id"), node["adoptedStyleSheets"])
            node = {k: v for k, v in node.items() if k != "adoptedStyleSheets"}
        kids = node.get("childNodes")
        if not isinstance(kids, list) or not any(_fragment(k) for k in kids) \
                and not any(isinstance(k, dict) and k.get("childNodes") for k in kids):
            return node
        out, flat = dict(node), []
        for k in kids:
            if _fragment(k):
                if _id(k.get("id")) is not None:
                    self.fragments[k["id"]] = node.get("id")
                self._v1_adopt(node.get("id"), k.get("adoptedStyleSheets"))
                out["isShadowHost"] = True
                flat.extend({**self.v1_node(c), "isShadow": True}
                            for c in _list(k.get("childNodes")) if isinstance(c, dict))
            else:
                flat.append(self.v1_node(k) if isinstance(k, dict) else k)
        out["childNodes"] = flat
        return out

    def v1_mutation(self, data: dict) -> dict:
        """A V1 mutation with its shadow roots' children placed under their hosts."""
        hosts = self.fragments
        if not isinstance(data.get("adds", []), list) or not isinstance(data.get("removes", []),
                                                                        list):
            return data   # not rrweb's: the import's check of events says so
        adds = []
        for a in data.get("adds") or ():
            node = a.get("node") if isinstance(a, dict) else None
            if not isinstance(node, dict):
                adds.append(a)
                continue
            parent = _id(a.get("parentId"))
            if _fragment(node):   # a shadow root attached: its children go to the host
                if _id(node.get("id")) is not None:
                    hosts[node["id"]] = parent
                self._v1_adopt(parent, node.get("adoptedStyleSheets"))
                adds.extend({"parentId": parent, "nextId": None,
                             "node": {**self.v1_node(c), "isShadow": True}}
                            for c in _list(node.get("childNodes")) if isinstance(c, dict))
            elif parent in hosts:
                adds.append({**a, "parentId": hosts[parent],
                             "node": {**self.v1_node(node), "isShadow": True}})
            else:
                adds.append({**a, "node": self.v1_node(node)})
        removes = [{**r, "parentId": hosts[r["parentId"]]}
                   if isinstance(r, dict) and _id(r.get("parentId")) in hosts else r
                   for r in data.get("removes") or ()]
        return {**data, "adds": adds, "removes": removes}

    def _v1_adopt(self, host: Any, sheets: Any) -> None:
        """A root's adopted sheets (V1), for `take_adopted`: each a new styleId (V1 names
        no sheet, so one adopted by two roots is sent twice)."""
        if not isinstance(sheets, list) or not sheets:
            return
        ids = []
        for sheet in sheets:
            if not isinstance(sheet, dict):
                self.warnings["stylesheet of an unknown form"] += 1
                continue
            rules = sheet.get("cssRules")
            media = sheet.get("media")
            self.sheets[self.next_sheet] = _sheet_rules(
                [r for r in rules if isinstance(r, str)] if isinstance(rules, list) else [],
                [m for m in media if isinstance(m, str)] if isinstance(media, list) else [],
                sheet.get("disabled") is True)
            ids.append(self.next_sheet)
            self.next_sheet += 1
        self.adoptions.append(_adopted(host, ids, self.sheets))

    def take_adopted(self) -> list[dict]:
        """The AdoptedStyleSheet data of the V1 nodes read since last asked."""
        out, self.adoptions = self.adoptions, []
        return out

    def hold_meta(self, event: dict) -> None:
        if self.meta is not None:   # its full snapshot never came
            self.warnings[ORPHANED] += 1
        self.meta = event

    def take_meta(self) -> list[dict]:
        out, self.meta = [self.meta] if self.meta is not None else [], None
        return out

    def take_warnings(self) -> Counter:
        """What went wrong in the view (read whole: a Meta still held is left out)."""
        if self.take_meta():
            self.warnings[ORPHANED] += 1
        w, self.warnings = self.warnings, Counter()
        return w

    # -- strings --------------------------------------------------------------------------
    def _s(self, v: Any) -> str:
        """A StringOrStringReference: a literal, a role-annotated literal, or an index."""
        if type(v) is int:   # the common case first (a bool is not a reference)
            if 0 <= v < len(self.strings):
                return self.strings[v]
            self.warnings["reference to a string not in the table"] += 1
            return ""
        if isinstance(v, str):
            return v
        if isinstance(v, dict) and isinstance(v.get("string"), str):
            return v["string"]
        self.warnings["string of an unknown form"] += 1
        return ""

    def _add_strings(self, items: list, annotated: bool) -> None:
        for it in items:
            if annotated:   # [role, string, string...]
                if isinstance(it, list):
                    self.strings.extend(x for x in it[1:] if isinstance(x, str))
            elif isinstance(it, str):
                self.strings.append(it)

    # -- records --------------------------------------------------------------------------
    def full_snapshot(self, changes: list, t: float) -> list[dict]:
        self.forget()
        self.live = True
        later = self._apply(changes, snapshot=True)
        roots = [n for n in self.nodes.values() if n.parent is None and n.name == DOCUMENT]
        if not roots:
            self.warnings["full snapshot without a document"] += 1
            self.live = False
            return []
        doc = roots[0]
        scroll = doc.attrs.pop("rr_scroll", (0, 0))
        out = [{"type": FULL_SNAPSHOT, "timestamp": t,
                "data": {"node": self._serialize(doc, deep=True),
                         "initialOffset": {"left": scroll[0], "top": scroll[1]}}}]
        return out + [{"type": INCREMENTAL, "timestamp": t, "data": d} for d in later]

    def change(self, changes: list, t: float) -> list[dict]:
        """A Change record of a view whose full snapshot was read (`segment_events` leaves
        out, counted, those before it)."""
        self.mutation = {"source": MUTATION, "texts": [], "attributes": [],
                         "removes": [], "adds": []}
        later = self._apply(changes, snapshot=False)
        out = []
        m = self.mutation
        if m["texts"] or m["attributes"] or m["removes"] or m["adds"]:
            out.append({"type": INCREMENTAL, "timestamp": t, "data": m})
        return out + [{"type": INCREMENTAL, "timestamp": t, "data": d} for d in later]

    def _apply(self, changes: list, snapshot: bool) -> list[dict]:
        """Apply each change to the tree; a non-snapshot record also fills `self.mutation`.
        Returns the incremental data that follows (scrolls, inputs, media, adopted sheets)."""
        self.snapshot, self.added, later = snapshot, {}, []
        self.gone: set[int] = set()   # ids removed by this record, with their subtrees
        # Datadog writes a run's groups in a fixed order, its adds just before its removes;
        # the page removed first (no add is placed by a node removed), so a remove group goes
        # before the add group it follows: an add's next sibling is then never a node about
        # to go
        changes = list(changes)
        for i in range(len(changes) - 1):
            if _is(changes[i], ChangeType.ADD_NODE) and _is(changes[i + 1], ChangeType.REMOVE_NODE):
                changes[i], changes[i + 1] = changes[i + 1], changes[i]
        self.sheet_ids = deque(_sheet_ids(changes))
        for ch in changes:
            if not isinstance(ch, list) or not ch or not isinstance(ch[0], int):
                self.warnings["change of an unknown form"] += 1
                continue
            try:
                kind = ChangeType(ch[0])
            except ValueError:
                self.warnings[f"change of type {ch[0]}"] += 1
                continue
            handler = _HANDLERS.get(kind)
            if handler is None:
                self.warnings[f"{kind.name.lower()} change (not shown)"] += 1
                continue
            for item in ch[1:]:
                handler(self, item, later)
            if kind is ChangeType.CLEAR_STRINGS:
                self.strings = []
        return later

    # -- nodes ----------------------------------------------------------------------------
    def _place(self, point: Any, nid: int) -> tuple[_Node | None, _Node | None]:
        """(parent, next sibling) of a new node `nid` from its insertion point: null - the
        root; N > 0 - last child of node nid-N; 0 - right after node nid-1; -N - right
        before node nid-N."""
        if point is None:
            return None, None
        if not isinstance(point, int) or isinstance(point, bool):
            raise KeyError(point)
        if point > 0:
            return self.nodes[nid - point], None
        ref = self.nodes[nid - 1 if point == 0 else nid + point]
        if ref.parent is None:
            raise KeyError(point)
        sibs = ref.parent.children
        if point == 0:
            if sibs[-1] is ref:   # a run of siblings in order: no search (a long list's
                return ref.parent, None   # nodes would cost its length each)
            i = sibs.index(ref) + 1
            return ref.parent, sibs[i] if i < len(sibs) else None
        return ref.parent, ref

    def _add_node(self, item: Any, later: list) -> None:
        nid = self.next_id
        self.next_id += 1
        if not isinstance(item, list) or len(item) < 2:
            self.warnings["node of an unknown form"] += 1
            return
        try:
            parent, nxt = self._place(item[0], nid)
        except (KeyError, ValueError):
            self.warnings["node placed by a node that is not there"] += 1
            return
        name = self._s(item[1])
        node = _Node(nid, name, parent)
        if node.depth > MAX_DOM_DEPTH:   # refused by name, as an rrweb file's would be
            raise LimitError("dom_too_deep", MAX_DOM_DEPTH,
                             f"a Datadog view's DOM nests more than {MAX_DOM_DEPTH:,} levels"
                             " deep")
        if name == TEXT:
            node.text = self._s(item[2]) if len(item) > 2 else ""
        elif name == DOCTYPE:
            node.attrs = {k: self._s(v) for k, v in zip(("name", "publicId", "systemId"),
                                                        item[2:5])}
        elif node.element:
            for pair in item[2:]:
                if isinstance(pair, list) and len(pair) == 2:
                    node.attrs[self._s(pair[0])] = self._s(pair[1])
        self.nodes[nid] = node
        if parent is not None:
            kids = parent.children
            kids.insert(kids.index(nxt) if nxt is not None else len(kids), node)
            node.shadow = parent.name == SHADOW_ROOT
        if self.snapshot or parent is None:
            return
        host = self._host(parent)
        if name in (SHADOW_ROOT, FRAGMENT) or host is None:
            self.added[nid] = None   # a root of children, no rrweb node of its own
            return
        ser = self._serialize(node, deep=False)
        self.added[nid] = ser
        nxt_out = self._next_out(node)
        self.mutation["adds"].append({"parentId": host.id, "nextId": nxt_out, "node": ser})

    def _host(self, parent: _Node) -> _Node | None:
        """The node rrweb puts `parent`'s children under: a shadow root's host (its
        children are the host's, marked isShadow), a fragment's parent."""
        while parent is not None and parent.name in (SHADOW_ROOT, FRAGMENT):
            parent = parent.parent
        return parent

    def _next_out(self, node: _Node) -> int | None:
        """The rrweb next sibling of `node`: the next one under the same host that has an
        rrweb node."""
        sibs = node.parent.children
        if sibs[-1] is node:   # appended (the common case: no search)
            return None
        for s in sibs[sibs.index(node) + 1:]:
            if s.name not in (SHADOW_ROOT, FRAGMENT):
                return s.id
        return None

    def _remove_node(self, item: Any, later: list) -> None:
        node = self.nodes.get(item) if isinstance(item, int) else None
        if node is None:
            # the SDK removes a node and then one it held (taken out before it went): gone
            # with the first already
            if type(item) is not int or item not in self.gone:
                self.warnings["removal of a node that is not there"] += 1
            return
        parent = node.parent
        if parent is not None:
            parent.children.remove(node)
            host = self._host(parent)
            if host is not None and node.name not in (SHADOW_ROOT, FRAGMENT):
                self.mutation["removes"].append({"parentId": host.id, "id": node.id})
            elif host is not None:   # a shadow root: its children go, one by one
                for c in node.children:
                    self.mutation["removes"].append({"parentId": host.id, "id": c.id})
        stack = [node]
        while stack:
            n = stack.pop()
            self.nodes.pop(n.id, None)
            self.gone.add(n.id)
            stack.extend(n.children)

    def _attribute(self, item: Any, later: list) -> None:
        node = self._node(item)
        if node is None:
            return
        changed: dict[str, Any] = {}
        for a in item[1:]:
            if isinstance(a, list) and len(a) == 2:
                changed[self._s(a[0])] = self._s(a[1])
            elif isinstance(a, list) and len(a) == 1:
                changed[self._s(a[0])] = None
        for k, v in changed.items():
            if v is None:
                node.attrs.pop(k, None)
            else:
                node.attrs[k] = v
        self._set(node, changed)

    def _text(self, item: Any, later: list) -> None:
        node = self._node(item)
        if node is None:
            return
        node.text = self._s(item[1]) if len(item) > 1 else ""
        if node.id in self.added:
            if self.added[node.id] is not None:
                self.added[node.id]["textContent"] = node.text
        elif not self.snapshot:
            self.mutation["texts"].append({"id": node.id, "value": node.text})

    def _size(self, item: Any, later: list) -> None:
        node = self._node(item, 3)
        if node is not None:
            self._set_attrs(node, {"rr_width": f"{_num(item[1])}px",
                                   "rr_height": f"{_num(item[2])}px"})

    def _scroll(self, item: Any, later: list) -> None:
        node = self._node(item, 3)
        if node is None:
            return
        x, y = _num(item[1]), _num(item[2])
        if node.name == DOCUMENT and self.snapshot:
            node.attrs["rr_scroll"] = (x, y)
        elif self.snapshot or node.id in self.added:
            self._set_attrs(node, {"rr_scrollLeft": x, "rr_scrollTop": y}, quiet=True)
        else:
            later.append({"source": SCROLL, "id": node.id, "x": x, "y": y})

    def _add_sheet(self, item: Any, later: list) -> None:
        """A stylesheet's rules (`[rules]`, `[rules, media]` or `[rules, media, disabled]`;
        rules one string or one per rule), under the id the record's attaches give it."""
        if self.sheet_ids:
            sid = self.sheet_ids.popleft()
        else:
            sid = self.next_sheet
        self.next_sheet = max(self.next_sheet, sid + 1)
        parts = item if isinstance(item, list) else [item]
        rules = parts[0] if parts else ""
        rules = [self._s(r) for r in rules] if isinstance(rules, list) else [self._s(rules)]
        media = parts[1] if len(parts) > 1 and isinstance(parts[1], list) else []
        self.sheets[sid] = _sheet_rules(rules, [self._s(m) for m in media],
                                        len(parts) > 2 and parts[2] is True)

    def _attach_sheets(self, item: Any, later: list) -> None:
        node = self._node(item)
        if node is None:
            return
        ids = []
        for sid in item[1:]:
            if type(sid) is int and sid in self.sheets:
                ids.append(sid)
            else:
                self.warnings["stylesheet that is not in the table"] += 1
        if node.element:   # <style> or <link>: at most one sheet
            self._set_attrs(node, {"_cssText": "".join(r for i in ids for r in self.sheets[i])})
            return
        host = self._host(node) if node.name != DOCUMENT else node
        if host is None:
            return
        later.append(_adopted(host.id, ids, self.sheets))

    def _media(self, item: Any, later: list) -> None:
        node = self._node(item)
        if node is None or len(item) < 2 or item[1] not in (PLAY, PAUSE):
            return
        if self.snapshot or node.id in self.added:
            self._set_attrs(node, {"rr_mediaState": "played" if item[1] == PLAY else "paused"},
                            quiet=True)
        else:
            later.append({"source": MEDIA, "id": node.id, "type": item[1]})

    def _input_value(self, item: Any, later: list) -> None:
        node = self._node(item)
        if node is None:
            return
        value = self._s(item[1]) if len(item) > 1 else ""
        if self.snapshot or node.id in self.added:
            self._set_attrs(node, {"value": value}, quiet=True)
        else:
            node.attrs["value"] = value
            later.append({"source": INPUT, "id": node.id, "text": value})

    def _input_selection(self, item: Any, later: list) -> None:
        if not isinstance(item, list) or not item or item[0] not in tuple(Selection):
            self.warnings["selection of an unknown form"] += 1
            return
        on = item[0] == Selection.SELECTED
        for nid in item[1:]:
            node = self.nodes.get(nid) if isinstance(nid, int) else None
            if node is None:
                self.warnings["selection of a node that is not there"] += 1
                continue
            if node.tag == "option":
                self._select_option(node, on, later)
                continue
            if self.snapshot or node.id in self.added:
                if on:
                    self._set_attrs(node, {"checked": True}, quiet=True)
                else:
                    node.attrs.pop("checked", None)
            else:
                later.append({"source": INPUT, "id": node.id, "isChecked": on})

    def _select_option(self, option: _Node, on: bool, later: list) -> None:
        """An option's selection: in a snapshot, its `selected`; later, the select's value
        (rrweb's Input on a select)."""
        if self.snapshot or option.id in self.added:
            if on:
                self._set_attrs(option, {"selected": True}, quiet=True)
            else:
                option.attrs.pop("selected", None)
            return
        select = option.parent
        while select is not None and select.tag != "select":
            select = select.parent
        if select is None or not on:
            return
        value = option.attrs.get("value")
        if value is None:
            value = "".join(c.text or "" for c in option.children if c.name == TEXT)
        later.append({"source": INPUT, "id": select.id, "text": value})

    # -- helpers --------------------------------------------------------------------------
    def _node(self, item: Any, need: int = 1) -> _Node | None:
        if not isinstance(item, list) or len(item) < need or not isinstance(item[0], int):
            self.warnings["change of an unknown form"] += 1
            return None
        node = self.nodes.get(item[0])
        if node is None:
            self.warnings["change to a node that is not there"] += 1
        return node

    def _set_attrs(self, node: _Node, attrs: dict, quiet: bool = False) -> None:
        """Attributes rrweb reads (`_cssText`, `rr_width`...) set on a node: in the tree,
        in its add when added by this record, else as an attribute mutation (`quiet`: not
        for state rrweb gives by events of its own)."""
        node.attrs.update(attrs)
        self._set(node, attrs, quiet)

    def _set(self, node: _Node, attrs: dict, quiet: bool = False) -> None:
        if self.snapshot:
            return
        if node.id in self.added:
            ser = self.added[node.id]
            if ser is not None:
                a = ser.setdefault("attributes", {})
                for k, v in attrs.items():
                    if v is None:
                        a.pop(k, None)
                    else:
                        a[k] = v
        elif not quiet:
            self.mutation["attributes"].append({"id": node.id, "attributes": dict(attrs)})

    def _serialize(self, node: _Node, deep: bool) -> dict:
        """`node` as rrweb serializes it (with its subtree when `deep`). Iterative: a page
        (or a file) may nest deeper than Python's stack; the import's limits refuse a DOM
        too deep by name."""
        root = self._one(node)
        stack = [(node, root)] if deep else []
        while stack:
            n, out = stack.pop()
            if "childNodes" in out:
                kids = _flat(n.children)
                out["childNodes"] = [self._one(c) for c in kids]
                stack.extend(zip(kids, out["childNodes"]))
        return root

    def _one(self, node: _Node) -> dict:
        """`node` as rrweb serializes it, without its children."""
        if node.name == TEXT:
            out: dict = {"type": TEXT_NODE, "id": node.id, "textContent": node.text or ""}
            if node.parent is not None and node.parent.tag == "style":
                out["isStyle"] = True
        elif node.name == DOCTYPE:
            out = {"type": DOCTYPE_NODE, "id": node.id, **node.attrs}
        elif node.name == CDATA:
            out = {"type": CDATA_NODE, "id": node.id, "textContent": ""}
        elif node.name == DOCUMENT:
            out = {"type": DOCUMENT_NODE, "id": node.id, "childNodes": []}
        else:
            out = {"type": ELEMENT_NODE, "id": node.id, "tagName": node.tag,
                   "attributes": {k: v for k, v in node.attrs.items()}, "childNodes": []}
            if node.name.startswith(SVG_PREFIX):
                out["isSVG"] = True
            if any(c.name == SHADOW_ROOT for c in node.children):
                out["isShadowHost"] = True
        if node.shadow:
            out["isShadow"] = True
        return out


def _id(v: Any) -> int | None:
    """A V1 node id (a number), else None."""
    return v if type(v) is int else None


def _list(v: Any) -> list:
    return v if isinstance(v, list) else []


def _fragment(node: Any) -> bool:
    return isinstance(node, dict) and node.get("type") == V1_FRAGMENT


def _flat(children: list[_Node]) -> list[_Node]:
    """Children as rrweb lists them: a shadow root's (or fragment's) children in its place
    (iterative: bad input may nest fragments deep)."""
    out: list[_Node] = []
    stack = [iter(children)]
    while stack:
        c = next(stack[-1], None)
        if c is None:
            stack.pop()
        elif c.name in (SHADOW_ROOT, FRAGMENT):
            stack.append(iter(c.children))
        else:
            out.append(c)
    return out


def _sheet_rules(rules: list[str], media: list[str], disabled: bool) -> list[str]:
    """A stylesheet's rules as they apply: inside its media query, none when disabled."""
    if disabled:
        return []
    if media:
        query = ", ".join(media)
        return [f"@media {query} {{{r}}}" for r in rules]
    return rules


def _adopted(host: Any, ids: list[int], sheets: dict[int, list[str]]) -> dict:
    """rrweb's AdoptedStyleSheet data: the root's sheets, each rule a `rule` of its own
    (rrweb's player inserts them one by one: a string of two rules is refused)."""
    return {"source": ADOPTED, "id": host, "styleIds": ids,
            "styles": [{"styleId": i, "rules": [{"rule": r} for r in sheets[i]]}
                       for i in dict.fromkeys(ids)]}


def _sheet_ids(changes: list) -> list[int]:
    """The stylesheet ids a record's AddStyleSheet items are for, in order: the SDK adds a
    sheet right before it attaches it (a `<style>`'s one, a root's adopted ones in order),
    so the k-th add is the k-th id attached. Empty when the counts differ (not the SDK's
    way): then the adds take ids in order, as the format's description has it."""
    adds = sum(len(ch) - 1 for ch in changes if _is(ch, ChangeType.ADD_STYLE_SHEET))
    if not adds:
        return []
    ids = [sid for ch in changes if _is(ch, ChangeType.ATTACHED_STYLE_SHEETS)
           for item in ch[1:] if isinstance(item, list) for sid in item[1:]]
    if len(ids) != adds or not all(type(i) is int for i in ids):
        return []
    return ids


def _is(ch: Any, *kinds: ChangeType) -> bool:
    return isinstance(ch, list) and bool(ch) and ch[0] in kinds


def _num(v: Any) -> float | int:
    """A size or scroll offset in pixels (0 when it is none, or past what a float holds)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not -MAX_PX <= v <= MAX_PX:
        return 0
    return int(v) if float(v).is_integer() else round(float(v), 2)


_HANDLERS = {
    ChangeType.ADD_STRING: lambda d, item, later: d._add_strings([item], annotated=False),
    ChangeType.ADD_ROLE_ANNOTATED_STRINGS:
        lambda d, item, later: d._add_strings([item], annotated=True),
    ChangeType.ADD_NODE: ChangeDecoder._add_node,
    ChangeType.REMOVE_NODE: ChangeDecoder._remove_node,
    ChangeType.ATTRIBUTE: ChangeDecoder._attribute,
    ChangeType.TEXT: ChangeDecoder._text,
    ChangeType.SIZE: ChangeDecoder._size,
    ChangeType.SCROLL_POSITION: ChangeDecoder._scroll,
    ChangeType.ADD_STYLE_SHEET: ChangeDecoder._add_sheet,
    ChangeType.ATTACHED_STYLE_SHEETS: ChangeDecoder._attach_sheets,
    ChangeType.MEDIA_PLAYBACK_STATE: ChangeDecoder._media,
    ChangeType.INPUT_VALUE: ChangeDecoder._input_value,
    ChangeType.INPUT_SELECTION: ChangeDecoder._input_selection,
    ChangeType.CLEAR_STRINGS: lambda d, item, later: None,   # (the table emptied after)
    ChangeType.VISUAL_VIEWPORT: lambda d, item, later: None,  # pinch zoom: not replayed
}
