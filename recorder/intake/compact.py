"""The compact batch encodings (`"encoding": "compact@6"`; `"compact@5"` to `"compact@1"`
before it): what capture.js posts, turned back into DESIGN.md's event model
(rrweb's events) before anything else reads the batch.

The same events, fewer bytes: keys go, ids and timestamps become small deltas, tag and
attribute names are interned once per batch. Plain rrweb batches stay valid (other senders),
and a compact batch decodes to exactly the events that were encoded, so what is stored does
not depend on the encoding. A departure from DESIGN.md's wire protocol (which names plain
events): the batch's `encoding` says which form it is; an intake keeps decoding every form it
ever served (compact@1 below, then the changes of compact@2 to compact@6 after it), since a
page keeps the capture.js it loaded while the intake is upgraded; an unknown encoding is refused
(`unsupported_encoding`), a form that does not decode is a 400 `malformed` naming what is
wrong, with nothing stored.

    {"session_id": ..., "encoding": "compact@1", "strings": [names...], "events": [E...]}

An E that is an object is an event as it is. An E that is an array is `[type, dt, data]`:
the timestamp is the previous event's plus `dt` (the first: 0 plus `dt`). Within one event,
every node id is written as the difference from the id written before it (starting from 0),
in the order below; `nextId: null` stays null. `data` is the event's object, except:

    type 2 (FullSnapshot)         [node, initialOffset]
    type 3, source 0 (Mutation)   [0, texts, attributes, removes, adds]
        texts       [id, value, id, value, ...]
        attributes  [id, [name, value, name, value, ...], id, [...], ...]
        removes     [parentId, id, ...]
        adds        [parentId, nextId, node, ...]
    type 3, source 1/6 (moves)    [source, [x, y, id, timeOffset, ...]]

A node (serialized, children nested) is an object as it is, or an array; `extra` (optional,
last) holds the node's other keys (isSVG, isStyle, rootId...):

    element  [2, id, tagName, [name, value, ...], [child nodes], extra?]
    document [0, id, [child nodes], extra?]
    text, cdata, comment  [3|4|5, id, textContent, extra?]
    any other type        [type, id, extra]

A tag or attribute name is a string, an index into the batch's `strings`, or a negative
integer -k: NAMES[k - 1], a table of common HTML and SVG names fixed by the encoding (so a
page's first batch does not list them; capture.js has the same table). The table is only ever
appended to: the capture.js an intake serves uses no index past its own table.

Long texts sent once per session (`_cssText`, a stylesheet inlined on every page of a visit): an
attribute value or a text node's `textContent` may be an object instead of the string,

    {"text": STRING, "id": DIGEST}   the value is STRING; later batches of the session may
                                     name it by DIGEST
    {"ref": DIGEST}                  the value is the STRING of that DIGEST, sent in an
                                     earlier batch of the same session

    {"text": STRING, "id": DIGEST, "public": true}
                                     the same, for a stylesheet capture.js read from a
                                     `<link rel=stylesheet>` with an http(s) URL (a resource
                                     any visitor of the site can fetch): the intake may keep it
                                     for the whole application, so a `{"ref"}` of any of its
                                     sessions may name it (`public` is never false)

DIGEST is `text_digest(STRING)`: "sha256:" and the first 32 hex digits of SHA-256 of its UTF-8
bytes; a public text whose DIGEST is not that of its STRING is refused (it would be put in
other sessions). `decode` puts each STRING in place and lists what the batch names (`Texts`); a
`{"ref"}` is left for the intake to resolve (`Texts.resolve`) from the session's earlier
batches (or the application's public texts) before anything reads the events, so what is stored is the same as if the text had
been sent again (an unknown DIGEST refuses the batch: the sender sends it whole).

compact@2 (what capture.js posted before compact@3; compact@1 stays accepted as it was, for
the capture.js pages already loaded when an intake is upgraded) is compact@1 with these changes:

* A node's id is left out when it is the next id: the id decoded before it (in the event's
  running order above: parent, next, then the node, then its children) plus one. A full
  snapshot's nodes are numbered in that order (depth first, a parent before its children),
  so a snapshot carries no ids at all; the intake numbers them exactly as the page did. A node
  whose id is not the next one (the top of most mutation adds, a node moved back in) is
  wrapped: `[-1, id delta, node]` (-1 is no node type). The node forms, without ids:

      element  [2, tagName, [name, value, ...], [child nodes], extra?]
      document [0, [child nodes], extra?]
      text     STRING            (type 3, a string textContent, no extra keys)
      text, cdata, comment  [3|4|5, textContent, extra?]
      any other type        [type, extra]

  An object node is still a node as it is (its id its own: the running id is not moved).
  `extra` never repeats a key the form has (id, type...): such a batch is refused.
* Mouse and touch moves: `[source, [x, y, id, timeOffset, dx, dy, id, dt, ...]]` - after the
  first position, x, y and timeOffset are the differences from the position before (ids are
  deltas as before); every number an integer.
* Interactions (type 3, source 2): `[2, type, id]`, `[2, type, id, x, y]` or
  `[2, type, id, x, y, pointerType]` (integers; the keys capture.js writes, in its order).
* Plugin events (type 6): `[plugin name, payload]`, the name a name as above (the fixed table
  holds capture.js's plugins' names), the payload an object as it is - or, for the RUM
  plugin's (replay/rum@1, assets/rum-shim/rum-plugin.js) payloads, an array, its `date` the
  difference from the event's timestamp:

      [0, date, url, method, status_code, duration, size, type]   a resource
      [1, date, duration]                                         a long task
      [2, date, name, selector, x, y, frustration types?, click_count?]   a click action
      [3, {fields}]   a view update of the view of the batch's last view payload: its id, url
                      and referrer, then `fields` (the update's other keys, in order)

compact@3 (what capture.js posted before compact@4; compact@1 and @2 stay accepted) is compact@2
with these changes, which the intake undoes before anything reads the batch (the same events again):

* The pointer runs through the batch. Mouse and touch moves and interactions share a cursor
  (x, y: 0, 0 at the batch's start) and a pointer id (0 at the start): a move event's first x
  and y are the differences from the cursor, its first id the difference from the pointer id;
  an interaction's id is the difference from the pointer id, and its x, y (when it has them)
  the differences from the cursor. After each of them the cursor is at its last position and
  the pointer id is its last id. (A click is where the path before it ended, on the element
  the path was over: [2, 1, 0, 0, 0].) An event that goes as an object moves neither.
* A move's timeOffset after the first is the difference from the one before less
  MOVE_GAP_MS (capture.js samples the path every 50 ms, DESIGN.md: a sample on time is 0).
* The console plugin's (rrweb/console@1) payload `{level, trace, payload}`, those keys in
  that order, is `[level, trace, payload]`.

compact@4 (what capture.js posted before compact@5) is compact@3 with these
changes, which the intake undoes before anything reads the batch (the same events again):

* The body may be an array of the batch's fields, without their keys: `[encoding,
  session_id, batch_id, events, strings?, user?, context?, after?]` (BODY_FIELDS; batch_id may be
  null, the fields after `events` left out when empty). Only a compact@4 (or later) batch may.

* A Meta event's data `{href, width, height}`, those keys in that order, is
  `[href, width, height]` (META_KEYS).
* A move item's time is its first position's: the time before it plus the item's dt is the
  event's timestamp plus the first position's timeOffset; the first position's time slot holds
  the event's timestamp less the last position's time (0 when the path was sent at its last
  sample); the positions after the first as compact@3 writes them. A move has a position. Its
  numbers are one string, `[source, "..."]`: each zigzagged (0, -1, 1, -2... as 0, 1, 2, 3...)
  and written in base 32, least significant digit first, a digit being a character of
  VARINT_DIGITS: its index, plus VARINT_MORE when more digits of the number follow (14 is "s",
  -17 is "x1"; at most VARINT_MAX_DIGITS digits).
* A click's run of interactions is one item. capture.js records a click as mousedown (x, y),
  blur (of the element that had focus) and focus when focus moves, mouseup (x, y), click (x, y,
  pointerType); the events in that order, one after the other in the batch, the mousedown,
  mouseup and click with the same id, x and y, with the keys capture.js writes, integers all, are

      [2, CLICK_RUN, id, x, y, [gaps], blur, focus, pointerType]

  id, x and y as compact@3's interaction's (from the pointer id and the cursor); `gaps` the ms
  from each event of the run to the next; blur and focus those events' ids as differences from
  the run's id, null when the run has no such event; pointerType null when the run ends at the
  mouseup (the click came after another event: the RUM plugin decides the click before at this
  one's start). The item's time is the mousedown's, the run's last event's is the time after it;
  after it the cursor is at x, y and the pointer id is id.
* The batch's clicks are its events (in any form, objects too) that are interactions of type
  Click with x and y, at an integer time, in order. The RUM plugin's payloads have these forms
  more (and a view update's fields are keyed):

      [3, [name, value, ...]]   a view update as in compact@2, its fields keyed
      [4, back, date, name, selector, frustration codes?, click_count?]
                                a click action at a click of the batch: its position is the
                                x, y of the batch's click `back` clicks before the last one
                                decoded before it (0: that one), its date that click's time plus
                                `date`; the codes index FRUSTRATIONS
      [5, [name, value, ...]]   any other RUM payload (a view's start, an error), keyed

  Keyed: an object as a flat list of its keys, each a name (as a tag or attribute name: the
  fixed table, which holds the RUM plugin's keys, or the batch's strings), and their values, a
  value that is a list being an object written the same way (an object with a list anywhere in
  it has no keyed form). A key written twice is refused.

compact@5 (what capture.js posted before compact@6; compact@1 to @4 stay accepted) is compact@4
with one change, which the intake undoes before anything reads the batch:

* A keyed RUM payload's `user_agent` written as null is the browser's user agent: the
  User-Agent header of the request that carried the batch (`decode(user_agent=)`), which the
  browser sends with every request - as Datadog's intake reads it instead of the SDK sending it.
  capture.js writes null where the value is its own `navigator.userAgent`; decoded without a
  header, the key is left out (a null would say the page had none).

compact@6 (what capture.js posts now; compact@1 to @5 stay accepted) is compact@5 with these
changes, which the intake undoes before anything reads the batch (the bytes a page's first
batch and each later one spent on them, measured on the demo shop: benchmarks/capture.py):

* A document type node `{type: 1, name, publicId, systemId, id}` (those keys in that order,
  strings all) is `[1, name, publicId, systemId]` without its trailing empty strings: a
  page's `<!doctype html>` is `[1, "html"]` (DOCTYPE_FORM_VERSION).
* A keyed RUM payload's (RUM_KEYED) `date` that is an integer is the difference from its
  event's timestamp (a resource's, a view's start: a few milliseconds before it, where the
  absolute date was thirteen digits); a `date` that is not an integer is as it is.
* A Meta event's data `{href, width, height, mediaFeatures}`, those keys in that order (capture.js
  records the visitor's media preferences in each page's Meta), is `[href, width, height,
  features]`, `features` the mediaFeatures object keyed as a RUM payload is (META_FEATURES).
* The fixed table (NAMES) has the RUM plugin's keys it lacked appended (`content_type`,
  `time_spent`), and the media features capture.js records: a page's batches list none of them.

`encode` is the reference encoder (capture.js has its own, `compactBatch`); `decode` is what
the intake runs. Bad compact data raises `CompactError`, never anything else.
"""
from __future__ import annotations

import hashlib
from typing import Any, Callable

from ..format import CONSOLE_PLUGIN, RUM_PLUGIN, EventType, IncrementalSource, MouseInteractions, \
    NodeType

ENCODING = "compact@1"     # what older capture.js posts (the reference encoder's default)
ENCODING_2 = "compact@2"   # what capture.js posted before compact@3
ENCODING_3 = "compact@3"   # what capture.js posted before compact@4
ENCODING_4 = "compact@4"   # what capture.js posted before compact@5
ENCODING_5 = "compact@5"   # what capture.js posted before compact@6
ENCODING_6 = "compact@6"   # what capture.js posts now
VERSIONS = {ENCODING: 1, ENCODING_2: 2, ENCODING_3: 3, ENCODING_4: 4, ENCODING_5: 5,
            ENCODING_6: 6}   # the batch's "encoding" -> the decoder's version
# compact@4: the body may be an array of the batch's fields, in this order (trailing ones left
# out when absent): the envelope's keys are not written (wire.py reads it)
BODY_FIELDS = ("encoding", "session_id", "batch_id", "events", "strings", "user", "context",
               "after",   # (after: wire.py's batch-id rule 6, optional in any array body)
               "rules")   # (the digest of the page's rules: wire.py, optional in any)
ARRAY_BODY_VERSION = 4
# compact@5: a keyed RUM payload's user agent written as null is the request's User-Agent header
USER_AGENT_VERSION, UA_KEY = 5, "user_agent"
# compact@6: a doctype as [1, name, publicId, systemId] (trailing "" left out); a keyed RUM
# payload's integer date as the difference from its event's timestamp; a Meta with its media
# features as an array; names appended to the fixed table
DOCTYPE_FORM_VERSION = KEYED_DATE_VERSION = META_FEATURES_VERSION = TABLE_6_VERSION = 6
DOCTYPE_KEYS = ("type", "name", "publicId", "systemId", "id")   # capture.js's order
DATE_KEY = "date"
# the event model's numbers (format.py's enums), as plain ints for the decoder's comparisons
FULL_SNAPSHOT, INCREMENTAL, META, PLUGIN = (int(t) for t in (EventType.FullSnapshot,
                                                            EventType.IncrementalSnapshot,
                                                            EventType.Meta, EventType.Plugin))
MUTATION, MOUSE_MOVE, INTERACTION, TOUCH_MOVE = (int(s) for s in (
    IncrementalSource.Mutation, IncrementalSource.MouseMove,
    IncrementalSource.MouseInteraction, IncrementalSource.TouchMove))
ELEMENT, DOCUMENT, TEXT = int(NodeType.Element), int(NodeType.Document), int(NodeType.Text)
DOCTYPE = int(NodeType.DocumentType)
TEXT_LIKE = (TEXT, int(NodeType.CDATA), int(NodeType.Comment))
GIVEN_ID = -1   # compact@2: [GIVEN_ID, id delta, node] - a node whose id is not the next one
INTERACTION_KEYS = ("source", "type", "id", "x", "y", "pointerType")   # capture.js's order
INTERACTION_LENGTHS = (3, 5, 6)   # [source, type, id] [.., x, y] [.., pointerType]
CONSOLE_KEYS = ("level", "trace", "payload")   # compact@3's [level, trace, payload]
MOVE_GAP_MS = 50   # compact@3: a move's time after the first is written less this (the sampling)
# compact@4: a move's numbers as one string, each number zigzagged (0, -1, 1, -2... as 0, 1, 2,
# 3...) and written in base 32, least significant digit first: a digit's index in VARINT_DIGITS,
# VARINT_MORE and up when more digits of the number follow
VARINT_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
VARINT_MORE = 32
VARINT_MAX_DIGITS = 10   # 50 bits: beyond what a page's ids, pixels and milliseconds need
_VARINT_INDEX = {c: i for i, c in enumerate(VARINT_DIGITS)}
RUM_RESOURCE, RUM_LONG_TASK, RUM_ACTION, RUM_VIEW = 0, 1, 2, 3   # compact@2's RUM forms
RUM_CLICK_ACTION, RUM_KEYED = 4, 5   # compact@4's RUM forms
RESOURCE_KEYS = ("url", "method", "status_code", "duration", "size", "type")
VIEW_KEYS = ("id", "url", "referrer")   # what a view update repeats of its view
META_KEYS = ("href", "width", "height")   # compact@4: a Meta event's data as [href, width, height]
# compact@6: ... and [href, width, height, features] with its visitor's media features (keyed)
META_FEATURES = "mediaFeatures"   # recorder.format.MetaData's field
CLICK_RUN = -1   # compact@4: an interaction "type" that is a click's run of interactions
CLICK_RUN_LENGTH = 9   # [2, CLICK_RUN, id, x, y, gaps, blur, focus, pointerType]
MOUSE_DOWN, MOUSE_UP, CLICK, FOCUS, BLUR = (int(m) for m in (
    MouseInteractions.MouseDown, MouseInteractions.MouseUp, MouseInteractions.Click,
    MouseInteractions.Focus, MouseInteractions.Blur))
FRUSTRATIONS = ("rage_click", "dead_click", "error_click")   # compact@4: a click action's codes
MAX_DEPTH = 800   # deeper than any page; past it, the batch is refused, not recursed into


# the names of the encoding's fixed table (above); append only
NAMES = (
    "html", "head", "meta", "charset", "name", "content", "title", "link", "rel", "href",
    "_cssText", "script", "src", "body", "header", "class", "a", "aria-label", "svg", "viewBox",
    "aria-hidden", "rect", "width", "height", "rx", "fill", "path", "d", "stroke", "stroke-width",
    "stroke-linecap", "stroke-linejoin", "div", "circle", "cx", "cy", "r", "input", "id", "type",
    "placeholder", "autocomplete", "nav", "button", "span", "section", "h1", "h2", "h3", "h4",
    "p", "small", "footer", "main", "ul", "ol", "li", "img", "alt", "style", "form", "label",
    "for", "value", "select", "option", "textarea", "table", "thead", "tbody", "tr", "td", "th",
    "strong", "em", "b", "i", "br", "hr", "article", "aside", "iframe", "video", "audio",
    "source", "canvas", "g", "line", "polyline", "polygon", "use", "xmlns", "role", "tabindex",
    "target", "method", "action", "disabled", "checked", "selected", "hidden", "lang", "dir",
    "srcset", "sizes", "loading", "noscript", "template", "picture", "time", "datetime", "code",
    "pre", "blockquote", "aria-expanded", "aria-controls", "aria-live", "data-testid",
    "rr_scrollLeft", "rr_scrollTop", "min", "max", "step", "required", "colspan", "rowspan",
    "replay/rum@1", "rrweb/console@1",
    # compact@4: the RUM plugin's keys (its keyed payloads, RUM_KEYED and view updates)
    "view", "url", "referrer", "browser", "version", "os", "device", "display", "viewport",
    "screen", "user_agent", "loading_time", "largest_contentful_paint", "cumulative_layout_shift",
    "interaction_to_next_paint", "loading_type", "error", "message", "stack", "resource",
    "status_code", "engine", "date", "duration", "size", "long_task", "click_count",
    "frustration", "selector", "position",
    # compact@6: the RUM plugin's keys compact@4's table lacked, the media features in a Meta
    "content_type", "time_spent", "prefers-color-scheme", "prefers-reduced-motion",
    "prefers-contrast",
)
_NAME_INDEX = {n: -1 - i for i, n in enumerate(NAMES)}
# how many names the encoder of compact@5 and before had (a decoder reads every index of the table)
NAMES_BEFORE_6 = NAMES.index("content_type")


class CompactError(ValueError):
    """The compact data does not decode (what is wrong, for the sender's error message)."""


DIGEST_PREFIX = "sha256:"
DIGEST_HEX = 32


def text_digest(text: str) -> str:
    """The name of a long text in a session's batches (capture.js computes the same with
    crypto.subtle: SHA-256 of the UTF-8 bytes; a lone surrogate, which the page's encoder
    replaces, gives another name - the text is then sent whole)."""
    return DIGEST_PREFIX + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:DIGEST_HEX]


class Texts:
    """The long texts of one compact batch: those it declares (`{"text", "id"}`, digest ->
    text) and the places that name one sent before (`{"ref"}`), which `resolve` fills."""
    __slots__ = ("declared", "public", "refs")

    def __init__(self) -> None:
        self.declared: dict[str, str] = {}
        self.public: dict[str, str] = {}   # those of `declared` marked public (digests checked)
        self.refs: list[tuple[Any, Any, str]] = []   # (dict or list, key or index, digest)

    def value(self, v: Any, into: Any, key: Any) -> Any:
        """A text value as decoded: the string of a `{"text"}`, a placeholder for a `{"ref"}`
        (noted with where it goes), any other value as it is."""
        if not isinstance(v, dict):
            return v
        public = len(v) == 3 and v.get("public") is True
        if (len(v) == 2 or public) and type(v.get("text")) is str and _is_digest(v.get("id")):
            self.declared[v["id"]] = v["text"]
            if public:
                if text_digest(v["text"]) != v["id"]:
                    raise CompactError(f"the public text {v['id']} is not the text of that digest")
                self.public[v["id"]] = v["text"]
            return v["text"]
        if len(v) == 1 and _is_digest(v.get("ref")):
            self.refs.append((into, key, v["ref"]))
            return v
        raise CompactError("a text value must be a string, {text, id}, {text, id, public: true}"
                           f" or {{ref}}, not {str(v)[:40]}")

    def resolve(self, known: Callable[[str], str | None]) -> list[str]:
        """Put each referenced text in place: from this batch's own declarations, else
        `known(digest)`. The digests nobody knows (their places keep the placeholder)."""
        missing = []
        for into, key, digest in self.refs:
            text = self.declared.get(digest)
            if text is None:
                text = known(digest)
            if text is None:
                missing.append(digest)
            else:
                into[key] = text
        return missing


TEXT_MIN_CHARS = 1024   # shorter texts are always sent whole (capture.js: TEXT_REF_MIN_CHARS)
CSS_TEXT = "_cssText"


def collect_texts(event: Any, into: dict[str, str]) -> None:
    """digest -> text of the long texts (inlined stylesheets, text nodes) of an event in
    DESIGN.md's model: what a later batch of its session may name by digest."""
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        return
    data, stack = event["data"], []
    if event.get("type") == FULL_SNAPSHOT:
        stack.append(data.get("node"))
    elif event.get("type") == INCREMENTAL and data.get("source") == MUTATION:
        stack += [a.get("node") for a in data.get("adds") or () if isinstance(a, dict)]
        stack += [a for a in data.get("attributes") or () if isinstance(a, dict)]   # {id, attributes}
    while stack:
        n = stack.pop()
        if not isinstance(n, dict):
            continue
        attrs = n.get("attributes")
        for text in ((attrs or {}).get(CSS_TEXT) if isinstance(attrs, dict) else None,
                     n.get("textContent")):
            if type(text) is str and len(text) >= TEXT_MIN_CHARS:
                into[text_digest(text)] = text
        kids = n.get("childNodes")
        if isinstance(kids, list):
            stack += kids


def _is_digest(v: Any) -> bool:
    return (type(v) is str and len(v) == len(DIGEST_PREFIX) + DIGEST_HEX
            and v.startswith(DIGEST_PREFIX))


# ---- decode ------------------------------------------------------------------------------------

class _Ids:
    """The running id of one event: each written id is the difference from the last one."""
    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last = 0

    def __call__(self, delta: Any) -> int:
        if type(delta) is not int:
            raise CompactError(f"an id delta must be an integer, not {delta!r:.40}")
        self.last += delta
        return self.last


def _name(strings: list[str], k: Any) -> str:
    if type(k) is int:
        if k < 0:
            if -k > len(NAMES):
                raise CompactError(f"name index {k} is outside the fixed table's {len(NAMES)} names")
            return NAMES[-k - 1]
        if k >= len(strings):
            raise CompactError(f"string index {k} is outside the batch's {len(strings)} strings")
        return strings[k]
    if type(k) is not str:
        raise CompactError(f"a name must be a string or a string index, not {k!r:.40}")
    return k


def _list(x: Any, what: str) -> list:
    if not isinstance(x, list):
        raise CompactError(f"{what} must be a list, not {x!r:.40}")
    return x


def _attrs(strings: list[str], flat: list, texts: Texts) -> dict[str, Any]:
    if len(_list(flat, "an attribute list")) % 2:
        raise CompactError("an attribute list has a name without a value")
    out: dict[str, Any] = {}
    for i in range(0, len(flat), 2):
        k = _name(strings, flat[i])
        out[k] = texts.value(flat[i + 1], out, k)
    return out


def _extra(node: dict, extra: Any) -> dict:
    if not isinstance(extra, dict):
        raise CompactError("a node's extra keys must be an object")
    for k, v in extra.items():
        node.setdefault(k, v)
    return node


def _node(c: Any, ids: _Ids, strings: list[str], texts: Texts, depth: int = 0) -> Any:
    if isinstance(c, dict):
        return c
    if not isinstance(c, list):
        raise CompactError(f"a node must be an object or a list, not {c!r:.40}")
    if depth > MAX_DEPTH:
        raise CompactError(f"nodes are nested deeper than {MAX_DEPTH}")
    kind = c[0]
    if kind == ELEMENT and type(kind) is int:
        node = {"type": ELEMENT, "tagName": _name(strings, c[2]),
                "attributes": _attrs(strings, c[3], texts),
                "childNodes": [], "id": ids(c[1])}   # the id before its children's
        node["childNodes"] = [_node(k, ids, strings, texts, depth + 1) for k in _list(c[4], "children")]
        return _extra(node, c[5]) if len(c) > 5 else node
    if kind == DOCUMENT and type(kind) is int:
        node = {"type": DOCUMENT, "childNodes": [], "id": ids(c[1])}
        node["childNodes"] = [_node(k, ids, strings, texts, depth + 1) for k in _list(c[2], "children")]
        return _extra(node, c[3]) if len(c) > 3 else node
    if kind in TEXT_LIKE and type(kind) is int:
        node = {"type": kind, "textContent": None, "id": ids(c[1])}
        node["textContent"] = texts.value(c[2], node, "textContent")
        return _extra(node, c[3]) if len(c) > 3 else node
    if type(kind) is not int:
        raise CompactError(f"a node's type must be an integer, not {kind!r:.40}")
    node = _extra({"type": kind}, c[2])
    node["id"] = ids(c[1])   # last, as capture.js and rrweb write a doctype
    return node


def _extra2(node: dict, c: list, at: int, fixed: tuple[str, ...]) -> dict:
    """compact@2: the node's extra keys, the optional item `at` of its form (strict)."""
    if len(c) > at + 1:
        raise CompactError(f"a type {node['type']} node has {len(c)} items, more than its form")
    if len(c) == at + 1:
        extra = c[at]
        if not isinstance(extra, dict):
            raise CompactError("a node's extra keys must be an object")
        clash = next((k for k in extra if k in fixed), None)
        if clash is not None:
            raise CompactError(f"a node's extra keys repeat its own {clash!r}")
        node.update(extra)
    return node


def _node2(c: Any, ids: _Ids, strings: list[str], texts: Texts, depth: int = 0,
           version: int = 2) -> Any:
    """A compact@2 node (see the module's docstring): its id the next one unless wrapped;
    from compact@6 (`version`) a doctype may be [1, name, publicId?, systemId?]."""
    if isinstance(c, dict):
        return c
    if depth > MAX_DEPTH:
        raise CompactError(f"nodes are nested deeper than {MAX_DEPTH}")
    if type(c) is str:
        return {"type": TEXT, "textContent": c, "id": ids(1)}
    if not isinstance(c, list) or not c:
        raise CompactError(f"a node must be a string, an object or a list, not {c!r:.40}")
    kind = c[0]
    if type(kind) is not int:
        raise CompactError(f"a node's type must be an integer, not {kind!r:.40}")
    if kind == GIVEN_ID:
        if len(c) != 3 or (isinstance(c[2], list) and c[2] and c[2][0] == GIVEN_ID):
            raise CompactError("a node with its id given is [-1, id delta, node], once")
        if isinstance(c[2], dict):
            raise CompactError("a node with its id given is a list or a string, not an object")
        ids.last = ids(c[1]) - 1   # the wrapped node takes the next id: the one given
        return _node2(c[2], ids, strings, texts, depth, version)
    if len(c) < 2:
        raise CompactError(f"a type {kind} node is cut short")
    if kind == ELEMENT:
        if len(c) < 4:
            raise CompactError("an element is [2, tagName, attributes, children, extra?]")
        node = {"type": ELEMENT, "tagName": _name(strings, c[1]),
                "attributes": _attrs(strings, c[2], texts), "childNodes": [], "id": ids(1)}
        node["childNodes"] = [_node2(k, ids, strings, texts, depth + 1, version) for k in _list(c[3], "children")]
        return _extra2(node, c, 4, NODE_KEYS[ELEMENT])
    if kind == DOCUMENT:
        node = {"type": DOCUMENT, "childNodes": [], "id": ids(1)}
        node["childNodes"] = [_node2(k, ids, strings, texts, depth + 1, version) for k in _list(c[1], "children")]
        return _extra2(node, c, 2, NODE_KEYS[DOCUMENT])
    if kind in TEXT_LIKE:
        node = {"type": kind, "textContent": None, "id": ids(1)}
        node["textContent"] = texts.value(c[1], node, "textContent")
        return _extra2(node, c, 2, NODE_KEYS[kind])
    if kind == DOCTYPE and version >= DOCTYPE_FORM_VERSION and type(c[1]) is str:
        if len(c) > len(DOCTYPE_KEYS) - 1 or not all(type(v) is str for v in c[1:]):
            raise CompactError("a doctype is [1, name, publicId?, systemId?] of strings")
        node = dict(zip(DOCTYPE_KEYS[1:-1], c[1:] + [""] * (len(DOCTYPE_KEYS) - 1 - len(c))))
        return {"type": DOCTYPE, **node, "id": ids(1)}
    if len(c) != 2 or not isinstance(c[1], dict):
        raise CompactError(f"a type {kind} node is [{kind}, extra keys]")
    if "type" in c[1] or "id" in c[1]:
        raise CompactError("a node's extra keys repeat its own type or id")
    node = {"type": kind, **c[1]}
    node["id"] = ids(1)   # last, as capture.js and rrweb write a doctype
    return node


def _node6(c: Any, ids: _Ids, strings: list[str], texts: Texts, depth: int = 0) -> Any:
    """A compact@6 node: compact@2's, a doctype in its own form."""
    return _node2(c, ids, strings, texts, depth, DOCTYPE_FORM_VERSION)


def _pairs(flat: list, step: int) -> range:
    if len(_list(flat, "a flat list")) % step:
        raise CompactError(f"a list of {step}-tuples has {len(flat)} items")
    return range(0, len(flat), step)


def _mutation(d: list, ids: _Ids, strings: list[str], named: Texts, node=_node) -> dict:
    if len(d) != 5:
        raise CompactError("a mutation is [0, texts, attributes, removes, adds]")
    texts, attrs, removes, adds = d[1], d[2], d[3], d[4]
    out_texts = [{"id": ids(texts[i]), "value": texts[i + 1]} for i in _pairs(texts, 2)]
    out_attrs = []
    for i in _pairs(attrs, 2):
        nid = ids(attrs[i])
        out_attrs.append({"id": nid, "attributes": _attrs(strings, attrs[i + 1], named)})
    out_removes = []
    for i in _pairs(removes, 2):
        parent = ids(removes[i])
        out_removes.append({"parentId": parent, "id": ids(removes[i + 1])})
    out_adds = []
    for i in _pairs(adds, 3):
        parent = ids(adds[i])
        nxt = None if adds[i + 1] is None else ids(adds[i + 1])
        out_adds.append({"parentId": parent, "nextId": nxt,
                         "node": node(adds[i + 2], ids, strings, named)})
    return {"source": MUTATION, "texts": out_texts, "attributes": out_attrs,
            "removes": out_removes, "adds": out_adds}


def _moves(d: list, ids: _Ids) -> dict:
    if len(d) != 2:
        raise CompactError("a move is [source, [x, y, id, timeOffset, ...]]")
    p = d[1]
    return {"source": d[0], "positions": [
        {"x": p[i], "y": p[i + 1], "id": ids(p[i + 2]), "timeOffset": p[i + 3]} for i in _pairs(p, 4)]}


def _moves2(d: list, ids: _Ids) -> dict:
    """compact@2's moves: after the first, x, y and timeOffset as differences."""
    if len(d) != 2:
        raise CompactError("a move is [source, [x, y, id, timeOffset, dx, dy, id, dt, ...]]")
    p, out = d[1], []
    x = y = t = 0
    for i in _pairs(p, 4):
        if not all(type(v) is int for v in p[i:i + 4]):
            raise CompactError(f"a move's numbers must be integers, not {p[i:i + 4]!r:.60}")
        x, y, t = (p[i], p[i + 1], p[i + 3]) if i == 0 else (x + p[i], y + p[i + 1], t + p[i + 3])
        out.append({"x": x, "y": y, "id": ids(p[i + 2]), "timeOffset": t})
    return {"source": d[0], "positions": out}


def _moves3(d: list, batch: _Batch) -> dict:
    """compact@3's moves: compact@2's, the first position from the batch's cursor and pointer
    id, the times after the first less MOVE_GAP_MS."""
    if len(d) != 2:
        raise CompactError("a move is [source, [dx, dy, id, timeOffset, dx, dy, id, dt, ...]]")
    p, out, ids = d[1], [], _Ids()
    ids.last = batch.pointer
    x, y, t = batch.x, batch.y, 0
    for i in _pairs(p, 4):
        if not all(type(v) is int for v in p[i:i + 4]):
            raise CompactError(f"a move's numbers must be integers, not {p[i:i + 4]!r:.60}")
        x, y, t = x + p[i], y + p[i + 1], p[i + 3] if i == 0 else t + p[i + 3] + MOVE_GAP_MS
        out.append({"x": x, "y": y, "id": ids(p[i + 2]), "timeOffset": t})
    batch.x, batch.y, batch.pointer = x, y, ids.last
    return {"source": d[0], "positions": out}


def _interaction3(d: list, batch: _Batch) -> dict:
    """compact@3's interaction: its id from the pointer id, x and y from the cursor."""
    ids = _Ids()
    ids.last = batch.pointer
    out = _interaction(d, ids)
    if "x" in out:
        out["x"] += batch.x
        out["y"] += batch.y
        batch.x, batch.y = out["x"], out["y"]
    batch.pointer = out["id"]
    return out


def _interaction(d: list, ids: _Ids) -> dict:
    if len(d) not in INTERACTION_LENGTHS or not all(type(v) is int for v in d):
        raise CompactError("an interaction is [2, type, id], [2, type, id, x, y] or"
                           f" [2, type, id, x, y, pointerType] of integers, not {d!r:.60}")
    out = dict(zip(INTERACTION_KEYS, d))
    out["id"] = ids(d[2])
    return out


def _run4(kind: int, d: Any, t: int, batch: _Batch) -> list[dict] | None:
    """compact@4's forms whose events' times are not the item's (moves) or that stand for
    several events (a click run): the events, or None for any other item."""
    if kind != INCREMENTAL or not isinstance(d, list) or len(d) < 2 or type(d[0]) is not int:
        return None
    if d[0] in (MOUSE_MOVE, TOUCH_MOVE):
        return [_moves4(d, t, batch)]
    if d[0] == INTERACTION and d[1] == CLICK_RUN and type(d[1]) is int:
        return _click_run(d, t, batch)
    return None


def _moves4(d: list, first: int, batch: _Batch) -> dict:
    """compact@4's moves: compact@3's, except that the item's time is the first position's
    and the first position's time slot holds the event's time less the last position's."""
    if len(d) != 2 or type(d[1]) is not str:
        raise CompactError("a move is [source, its numbers as a string of VARINT_DIGITS]")
    p, out, times, ids = _varints(d[1]), [], [], _Ids()
    steps = _pairs(p, 4)
    if not steps:
        raise CompactError("a compact@4 move has no positions")
    ids.last = batch.pointer
    x, y, at = batch.x, batch.y, first
    for i in steps:
        if not all(type(v) is int for v in p[i:i + 4]):
            raise CompactError(f"a move's numbers must be integers, not {p[i:i + 4]!r:.60}")
        x, y = x + p[i], y + p[i + 1]
        if i:
            at += p[i + 3] + MOVE_GAP_MS
        times.append(at)
        out.append({"x": x, "y": y, "id": ids(p[i + 2]), "timeOffset": 0})
    timestamp = at + p[3]
    for position, at in zip(out, times):
        position["timeOffset"] = at - timestamp
    batch.x, batch.y, batch.pointer = x, y, ids.last
    return {"type": INCREMENTAL, "data": {"source": d[0], "positions": out}, "timestamp": timestamp}


def _varints(text: str) -> list[int]:
    """compact@4: the numbers of a move's string (VARINT_DIGITS)."""
    out, u, n = [], 0, 0
    for ch in text:
        digit = _VARINT_INDEX.get(ch)
        if digit is None:
            raise CompactError(f"a move's string has {ch[:1]!r}, which is not in VARINT_DIGITS")
        if n == VARINT_MAX_DIGITS:
            raise CompactError(f"a move's number has more than {VARINT_MAX_DIGITS} digits")
        u += (digit % VARINT_MORE) * VARINT_MORE ** n
        n += 1
        if digit < VARINT_MORE:
            out.append(u >> 1 if u % 2 == 0 else -(u >> 1) - 1)
            u = n = 0
    if n:
        raise CompactError("a move's string ends inside a number")
    return out


def _varint_text(numbers: list[int]) -> str:
    """compact@4: integers as a move's string (the reference; capture.js: varints)."""
    out = []
    for v in numbers:
        u = 2 * v if v >= 0 else -2 * v - 1
        while u >= VARINT_MORE:
            out.append(VARINT_DIGITS[VARINT_MORE + u % VARINT_MORE])
            u //= VARINT_MORE
        out.append(VARINT_DIGITS[u])
    return "".join(out)


def _click_run(d: list, t: int, batch: _Batch) -> list[dict]:
    """compact@4's click run (see the module's docstring): its 3 to 5 interaction events."""
    if len(d) != CLICK_RUN_LENGTH or not all(type(v) is int for v in d[2:5]) \
            or not isinstance(d[5], list) or not all(type(g) is int for g in d[5]) \
            or not all(v is None or type(v) is int for v in d[6:]):
        raise CompactError("a click run is [2, -1, id, x, y, [gaps], blur, focus, pointerType]"
                           f" of integers (blur, focus, pointerType may be null), not {str(d)[:60]}")
    did, dx, dy, gaps, blur, focus, pointer = d[2:]
    nid, x, y = batch.pointer + did, batch.x + dx, batch.y + dy
    steps = [(MOUSE_DOWN, nid)]
    if blur is not None:
        steps.append((BLUR, nid + blur))
    if focus is not None:
        steps.append((FOCUS, nid + focus))
    steps.append((MOUSE_UP, nid))
    if pointer is not None:
        steps.append((CLICK, nid))
    if len(gaps) != len(steps) - 1:
        raise CompactError(f"a click run of {len(steps)} events has {len(gaps)} gaps")
    out = []
    for i, (kind, target) in enumerate(steps):
        t += gaps[i - 1] if i else 0
        data: dict[str, Any] = {"source": INTERACTION, "type": kind, "id": target}
        if kind not in (BLUR, FOCUS):
            data["x"], data["y"] = x, y
        if kind == CLICK:
            data["pointerType"] = pointer
        out.append({"type": INCREMENTAL, "data": data, "timestamp": t})
    batch.x, batch.y, batch.pointer = x, y, nid
    return out


def _note_click(e: Any, clicks: list) -> None:
    """compact@4: a click (an interaction of type Click with x and y, at an integer time) as
    the batch's clicks, which a RUM click action may name (encoder and decoder alike)."""
    d = e.get("data") if isinstance(e, dict) else None
    if (isinstance(d, dict) and e.get("type") == INCREMENTAL and type(e.get("timestamp")) is int
            and d.get("source") == INTERACTION and d.get("type") == CLICK and "x" in d and "y" in d):
        clicks.append((e["timestamp"], d["x"], d["y"]))


def _unkeyed(flat: Any, strings: list[str], depth: int = 0) -> dict:
    """compact@4: an object from its keyed list [name, value, ...], a value that is a list
    being an object written the same way."""
    if depth > MAX_DEPTH:
        raise CompactError(f"keyed objects are nested deeper than {MAX_DEPTH}")
    out: dict[str, Any] = {}
    for i in _pairs(flat, 2):
        k, v = _name(strings, flat[i]), flat[i + 1]
        if k in out:
            raise CompactError(f"a keyed object repeats the key {k[:40]!r}")
        out[k] = _unkeyed(v, strings, depth + 1) if isinstance(v, list) else v
    return out


class _Batch:
    """What one compact batch's decoder carries from event to event: its version, the last
    RUM view (compact@2), the cursor and the pointer id (compact@3), the batch's strings and
    clicks (compact@4), the request's user agent (compact@5)."""
    __slots__ = ("version", "view", "x", "y", "pointer", "strings", "clicks", "user_agent")

    def __init__(self, version: int, strings: list[str] | None = None,
                 user_agent: str | None = None) -> None:
        self.version = version
        self.user_agent = user_agent
        self.view: dict | None = None
        self.x = self.y = self.pointer = 0
        self.strings = strings or []
        self.clicks: list[tuple[int, Any, Any]] = []   # (timestamp, x, y)


def _plugin(d: list, strings: list[str], t: int, batch: _Batch) -> dict:
    if len(d) != 2 or not isinstance(d[1], (dict, list)):
        raise CompactError(f"a plugin event is [plugin name, payload object], not {str(d)[:40]}")
    name, payload = _name(strings, d[0]), d[1]
    if isinstance(payload, list) and name == CONSOLE_PLUGIN and batch.version >= 3:
        if len(payload) != len(CONSOLE_KEYS):
            raise CompactError("a console payload is [level, trace, payload]")
        payload = dict(zip(CONSOLE_KEYS, payload))
    elif isinstance(payload, list):
        if name != RUM_PLUGIN:
            raise CompactError(f"a payload of plugin {name[:40]!r} must be an object")
        payload = _rum(payload, t, batch)
    elif name == RUM_PLUGIN and payload.get("type") == "view" and isinstance(payload.get("view"), dict):
        batch.view = payload["view"]
    return {"plugin": name, "payload": payload}


def _click_action(p: list, batch: _Batch) -> dict:
    """compact@4's click action at a click of the batch (see the module's docstring)."""
    if not 5 <= len(p) <= 7 or type(p[1]) is not int or type(p[2]) is not int \
            or (len(p) > 5 and not (isinstance(p[5], list)
                                    and all(type(c) is int and 0 <= c < len(FRUSTRATIONS) for c in p[5]))):
        raise CompactError("a click action at a click is [4, clicks back, date delta, name,"
                           f" selector, frustration codes?, click_count?], not {str(p)[:60]}")
    if not 0 <= p[1] < len(batch.clicks):
        raise CompactError(f"a click action names the click {p[1]} back, and the batch has"
                           f" {len(batch.clicks)} before it")
    t, x, y = batch.clicks[-1 - p[1]]
    action: dict[str, Any] = {"type": "click", "target": {"name": p[3], "selector": p[4]},
                              "position": {"x": x, "y": y}}
    if len(p) > 5:
        action["frustration"] = {"type": [FRUSTRATIONS[c] for c in p[5]]}
    if len(p) > 6:
        action["click_count"] = p[6]
    return {"type": "action", "date": t + p[2], "action": action}


def _rum(p: list, t: int, batch: _Batch) -> dict:
    """A RUM payload from its compact@2 array (see the module's docstring)."""
    kind = p[0] if p else None
    if kind == RUM_VIEW and type(kind) is int:
        fields = p[1] if len(p) == 2 else None
        if batch.version >= 4 and isinstance(fields, list):
            fields = _unkeyed(fields, batch.strings)
        if not isinstance(fields, dict) or any(k in fields for k in VIEW_KEYS):
            raise CompactError("a RUM view update is [3, {its fields but id, url, referrer}]"
                               " (compact@4: [3, [name, value, ...]])")
        if batch.view is None:
            raise CompactError("a RUM view update names no view: none came before it in the batch")
        view = {k: batch.view[k] for k in VIEW_KEYS}
        view.update(fields)
        batch.view = view
        return {"type": "view", "view": view}
    if kind == RUM_KEYED and type(kind) is int and batch.version >= 4:
        if len(p) != 2 or not isinstance(p[1], list):
            raise CompactError("a keyed RUM payload is [5, [name, value, ...]]")
        payload = _unkeyed(p[1], batch.strings)
        if batch.version >= KEYED_DATE_VERSION and type(payload.get(DATE_KEY)) is int:
            payload[DATE_KEY] += t   # from the event's timestamp
        if payload.get("type") == "view" and isinstance(payload.get("view"), dict):
            batch.view = payload["view"]
        if batch.version >= USER_AGENT_VERSION and UA_KEY in payload and payload[UA_KEY] is None:
            if batch.user_agent:
                payload[UA_KEY] = batch.user_agent
            else:
                del payload[UA_KEY]
        return payload
    if kind == RUM_CLICK_ACTION and type(kind) is int and batch.version >= 4:
        return _click_action(p, batch)
    if len(p) < 2 or type(kind) is not int or type(p[1]) is not int:
        raise CompactError(f"a RUM payload array is [form, date delta, ...], not {str(p)[:40]}")
    date = t + p[1]
    if kind == RUM_RESOURCE and len(p) == 2 + len(RESOURCE_KEYS):
        return {"type": "resource", "date": date, "resource": dict(zip(RESOURCE_KEYS, p[2:]))}
    if kind == RUM_LONG_TASK and len(p) == 3:
        return {"type": "long_task", "date": date, "long_task": {"duration": p[2]}}
    if kind == RUM_ACTION and 6 <= len(p) <= 8 and (len(p) == 6 or isinstance(p[6], list)):
        action: dict[str, Any] = {"type": "click", "target": {"name": p[2], "selector": p[3]},
                                  "position": {"x": p[4], "y": p[5]}}
        if len(p) > 6:
            action["frustration"] = {"type": p[6]}
        if len(p) > 7:
            action["click_count"] = p[7]
        return {"type": "action", "date": date, "action": action}
    raise CompactError(f"no RUM payload form {str(p)[:40]}")


def _data(kind: int, d: Any, strings: list[str], texts: Texts, version: int, t: int,
          batch: _Batch) -> Any:
    if isinstance(d, dict):
        if kind == PLUGIN and d.get("plugin") == RUM_PLUGIN and isinstance(d.get("payload"), dict):
            _plugin([RUM_PLUGIN, d["payload"]], strings, t, batch)   # a view it may update
        return d
    if not isinstance(d, list):
        raise CompactError(f"event data must be an object or an array, not {d!r:.40}")
    ids = _Ids()
    node = _node if version < 2 else _node2 if version < DOCTYPE_FORM_VERSION else _node6
    source = d[0] if d and type(d[0]) is int else None
    if kind == FULL_SNAPSHOT and len(d) == 2:
        return {"node": node(d[0], ids, strings, texts), "initialOffset": d[1]}
    if version >= 4 and kind == META:
        if version >= META_FEATURES_VERSION and len(d) == len(META_KEYS) + 1:
            if not isinstance(d[-1], list):
                raise CompactError("a Meta event's media features are [name, value, ...]")
            return {**dict(zip(META_KEYS, d)), META_FEATURES: _unkeyed(d[-1], strings)}
        if len(d) != len(META_KEYS):
            raise CompactError("a Meta event's data is [href, width, height]"
                               + (" or [href, width, height, features]" if version >= META_FEATURES_VERSION else ""))
        return dict(zip(META_KEYS, d))
    if kind == INCREMENTAL and source == MUTATION:
        return _mutation(d, ids, strings, texts, node)
    if kind == INCREMENTAL and source in (MOUSE_MOVE, TOUCH_MOVE):
        if version >= 3:
            return _moves3(d, batch)
        return _moves2(d, ids) if version >= 2 else _moves(d, ids)
    if version >= 2 and kind == INCREMENTAL and source == INTERACTION:
        return _interaction3(d, batch) if version >= 3 else _interaction(d, ids)
    if version >= 2 and kind == PLUGIN:
        return _plugin(d, strings, t, batch)
    raise CompactError(f"no compact form for event type {kind!r:.20} with data {str(d)[:40]}")


def decode(events: list, strings: list | None, texts: Texts | None = None,
           version: int = 1, user_agent: str | None = None) -> list[dict]:
    """The batch's events in DESIGN.md's model (`version`: VERSIONS[its encoding]); the long
    texts it declares and names go to `texts` (a batch that names one without `texts` to
    resolve it is refused); `user_agent`: the User-Agent header of the request that carried
    it (compact@5). Raises CompactError."""
    strings = strings or []
    named = texts if texts is not None else Texts()
    if not all(type(s) is str for s in strings):
        raise CompactError("strings must be a list of strings")
    out: list[dict] = []
    t = 0
    batch = _Batch(version, strings, user_agent)
    try:
        for e in events:
            if isinstance(e, dict):
                out.append(e)
                if type(e.get("timestamp")) is int:
                    t = e["timestamp"]
                if version >= 2 and e.get("type") == PLUGIN and isinstance(e.get("data"), dict):
                    _data(PLUGIN, e["data"], strings, named, version, t, batch)   # a RUM view
                if version >= 4:
                    _note_click(e, batch.clicks)
                continue
            if not isinstance(e, list) or len(e) != 3:
                raise CompactError("a compact event is [type, dt, data]")
            kind, dt, d = e
            if type(kind) is not int or type(dt) is not int:
                raise CompactError("a compact event's type and dt must be integers")
            t += dt
            run = _run4(kind, d, t, batch) if version >= 4 else None
            if run is None:
                run = [{"type": kind, "data": _data(kind, d, strings, named, version, t, batch),
                        "timestamp": t}]
            for ev in run:
                out.append(ev)
                if version >= 4:
                    _note_click(ev, batch.clicks)
            t = run[-1]["timestamp"]
    except CompactError:
        raise
    except (IndexError, TypeError, KeyError, AttributeError) as exc:
        raise CompactError(f"compact data of the wrong shape ({type(exc).__name__}: {exc})") from None
    if texts is None and named.refs:
        raise CompactError("the batch names texts sent before ({\"ref\"}), which only the"
                           " live intake resolves")
    return out


# ---- encode (the reference; capture.js has its own) --------------------------------------------

class _Enc:
    def __init__(self, version: int, user_agent: str | None = None) -> None:
        self.version = version
        self.user_agent = user_agent   # the browser's, which the request's header carries (compact@5)
        self.t = 0            # the timestamp of the event being encoded
        self.view: Any = None   # the last RUM view payload's view (compact@2)
        self.strings: list[str] = []
        self.index: dict[str, int] = {}
        self.last = 0
        self.x = self.y = self.pointer = 0   # the cursor and the pointer id (compact@3)
        self.shift = 0   # the item's time less its event's (compact@4 moves: the first position's)
        self.clicks: list[tuple[int, Any, Any]] = []   # the batch's clicks so far (compact@4)

    def name(self, s: str) -> int:
        fixed = _NAME_INDEX.get(s)
        if fixed is not None and (self.version >= TABLE_6_VERSION or -fixed <= NAMES_BEFORE_6):
            return fixed
        i = self.index.get(s)
        if i is None:
            i = self.index[s] = len(self.strings)
            self.strings.append(s)
        return i

    def id(self, v: int) -> int:
        d = v - self.last
        self.last = v
        return d


def _is_int(v: Any) -> bool:
    return type(v) is int


def _keys(d: Any, keys: tuple[str, ...]) -> bool:
    return isinstance(d, dict) and len(d) == len(keys) and all(k in d for k in keys)


NODE_KEYS = {ELEMENT: ("type", "tagName", "attributes", "childNodes", "id"),
             DOCUMENT: ("type", "childNodes", "id")}
NODE_KEYS.update({k: ("type", "textContent", "id") for k in TEXT_LIKE})


def _encodable_node(n: Any) -> bool:
    if not isinstance(n, dict) or not _is_int(n.get("id")) or not _is_int(n.get("type")):
        return False
    kind = n["type"]
    if kind == ELEMENT:
        return (isinstance(n.get("tagName"), str) and isinstance(n.get("attributes"), dict)
                and all(isinstance(k, str) for k in n["attributes"])
                and isinstance(n.get("childNodes"), list))
    if kind == DOCUMENT:
        return isinstance(n.get("childNodes"), list)
    if kind in TEXT_LIKE:
        return "textContent" in n
    return True


def _enc_node(n: Any, enc: _Enc) -> Any:
    if not _encodable_node(n):
        return n
    if enc.version >= 2:
        return _enc_node2(n, enc)
    kind = n["type"]
    fixed = NODE_KEYS.get(kind, ("type", "id"))
    extra = {k: v for k, v in n.items() if k not in fixed}
    nid = enc.id(n["id"])
    if kind == ELEMENT:
        attrs: list = []
        for k, v in n["attributes"].items():
            attrs += [enc.name(k), v]
        out = [ELEMENT, nid, enc.name(n["tagName"]), attrs, [_enc_node(c, enc) for c in n["childNodes"]]]
    elif kind == DOCUMENT:
        out = [DOCUMENT, nid, [_enc_node(c, enc) for c in n["childNodes"]]]
    elif kind in TEXT_LIKE:
        out = [kind, nid, n["textContent"]]
    else:
        return [kind, nid, extra]
    return out + [extra] if extra else out


def _enc_node2(n: dict, enc: _Enc) -> Any:
    """compact@2: the id left out when it is the next one, else the node wrapped."""
    kind = n["type"]
    fixed = NODE_KEYS.get(kind, ("type", "id"))
    extra = {k: v for k, v in n.items() if k not in fixed}
    given = n["id"] != enc.last + 1
    nid = enc.id(n["id"])
    if kind == ELEMENT:
        attrs: list = []
        for k, v in n["attributes"].items():
            attrs += [enc.name(k), v]
        out: Any = [ELEMENT, enc.name(n["tagName"]), attrs, [_enc_node(c, enc) for c in n["childNodes"]]]
    elif kind == DOCUMENT:
        out = [DOCUMENT, [_enc_node(c, enc) for c in n["childNodes"]]]
    elif kind == TEXT and type(n["textContent"]) is str and not extra:
        out = n["textContent"]
    elif kind in TEXT_LIKE:
        out = [kind, n["textContent"]]
    elif kind == DOCTYPE and enc.version >= DOCTYPE_FORM_VERSION and _doctype(n):
        out = [kind, n["name"], n["publicId"], n["systemId"]]
        while out[-1] == "" and len(out) > 2:
            out.pop()
    else:
        out = [kind, extra]
    if extra and kind in NODE_KEYS:
        out.append(extra)
    return [GIVEN_ID, nid, out] if given else out


def _doctype(n: dict) -> bool:
    """compact@6: a doctype node of capture.js's keys, in its order, strings all."""
    return list(n) == list(DOCTYPE_KEYS) and all(type(n[k]) is str for k in DOCTYPE_KEYS[1:-1])


def _enc_mutation(d: dict, enc: _Enc) -> list | None:
    if not _keys(d, ("source", "texts", "attributes", "removes", "adds")):
        return None
    parts = (d["texts"], d["attributes"], d["removes"], d["adds"])
    if not all(isinstance(p, list) for p in parts):
        return None
    if not (all(_keys(x, ("id", "value")) and _is_int(x["id"]) for x in d["texts"])
            and all(_keys(x, ("id", "attributes")) and _is_int(x["id"])
                    and isinstance(x["attributes"], dict)
                    and all(isinstance(k, str) for k in x["attributes"]) for x in d["attributes"])
            and all(_keys(x, ("parentId", "id")) and _is_int(x["parentId"]) and _is_int(x["id"])
                    for x in d["removes"])
            and all(_keys(x, ("parentId", "nextId", "node")) and _is_int(x["parentId"])
                    and (x["nextId"] is None or _is_int(x["nextId"])) for x in d["adds"])):
        return None
    texts: list = []
    for x in d["texts"]:
        texts += [enc.id(x["id"]), x["value"]]
    attrs: list = []
    for x in d["attributes"]:
        flat: list = []
        for k, v in x["attributes"].items():
            flat += [enc.name(k), v]
        attrs += [enc.id(x["id"]), flat]
    removes: list = []
    for x in d["removes"]:
        removes += [enc.id(x["parentId"]), enc.id(x["id"])]
    adds: list = []
    for x in d["adds"]:
        parent = enc.id(x["parentId"])
        nxt = None if x["nextId"] is None else enc.id(x["nextId"])
        adds += [parent, nxt, _enc_node(x["node"], enc)]
    return [MUTATION, texts, attrs, removes, adds]


def _enc_moves(d: dict, enc: _Enc) -> list | None:
    if not _keys(d, ("source", "positions")) or not isinstance(d["positions"], list):
        return None
    if not all(_keys(p, ("x", "y", "id", "timeOffset")) and _is_int(p["id"]) for p in d["positions"]):
        return None
    flat: list = []
    if enc.version >= 3:
        if not all(_is_int(p[k]) for p in d["positions"] for k in ("x", "y", "timeOffset")):
            return None
        if enc.version >= 4 and not d["positions"]:
            return None
        enc.last, x, y = enc.pointer, enc.x, enc.y
        for i, p in enumerate(d["positions"]):
            dt = p["timeOffset"] if i == 0 else p["timeOffset"] - t - MOVE_GAP_MS
            if i == 0 and enc.version >= 4:   # the item at the first position's time
                enc.shift, dt = p["timeOffset"], -d["positions"][-1]["timeOffset"]
            flat += [p["x"] - x, p["y"] - y, enc.id(p["id"]), dt]
            x, y, t = p["x"], p["y"], p["timeOffset"]
        enc.x, enc.y, enc.pointer = x, y, enc.last
        return [d["source"], _varint_text(flat) if enc.version >= 4 else flat]
    if enc.version >= 2:
        if not all(_is_int(p[k]) for p in d["positions"] for k in ("x", "y", "timeOffset")):
            return None
        x = y = t = 0
        for p in d["positions"]:
            flat += [p["x"] - x, p["y"] - y, enc.id(p["id"]), p["timeOffset"] - t]
            x, y, t = p["x"], p["y"], p["timeOffset"]
        return [d["source"], flat]
    for p in d["positions"]:
        flat += [p["x"], p["y"], enc.id(p["id"]), p["timeOffset"]]
    return [d["source"], flat]


def _enc_interaction(d: dict, enc: _Enc) -> list | None:
    keys = list(d)
    if (len(keys) not in INTERACTION_LENGTHS or keys != list(INTERACTION_KEYS[:len(keys)])
            or not all(_is_int(v) for v in d.values())):
        return None
    out = list(d.values())
    if enc.version >= 3:   # the id from the pointer id, x and y from the cursor
        enc.last = enc.pointer
        out[2] = enc.id(d["id"])
        enc.pointer = d["id"]
        if len(out) > 3:
            out[3], out[4] = d["x"] - enc.x, d["y"] - enc.y
            enc.x, enc.y = d["x"], d["y"]
        return out
    out[2] = enc.id(d["id"])
    return out


def _enc_data(kind: int, d: Any, enc: _Enc) -> Any:
    enc.last = enc.shift = 0
    if kind == FULL_SNAPSHOT and _keys(d, ("node", "initialOffset")):
        return [_enc_node(d["node"], enc), d["initialOffset"]]
    if kind == META and enc.version >= 4 and isinstance(d, dict) and list(d) == list(META_KEYS):
        return list(d.values())
    if (kind == META and enc.version >= META_FEATURES_VERSION and isinstance(d, dict)
            and list(d) == [*META_KEYS, META_FEATURES] and isinstance(d[META_FEATURES], dict)
            and _keyable(d[META_FEATURES])):
        return [*(d[k] for k in META_KEYS), _enc_keyed(d[META_FEATURES], enc)]
    if kind == INCREMENTAL and isinstance(d, dict) and _is_int(d.get("source")):
        if d["source"] == MUTATION:
            return _enc_mutation(d, enc)
        if d["source"] in (MOUSE_MOVE, TOUCH_MOVE):
            return _enc_moves(d, enc)
        if d["source"] == INTERACTION and enc.version >= 2:
            return _enc_interaction(d, enc)
    if (kind == PLUGIN and enc.version >= 2 and isinstance(d, dict)
            and list(d) == ["plugin", "payload"] and isinstance(d["plugin"], str)
            and isinstance(d["payload"], dict)):
        payload = d["payload"]
        if d["plugin"] == RUM_PLUGIN:
            payload = _enc_rum(payload, enc)
        elif d["plugin"] == CONSOLE_PLUGIN and enc.version >= 3 and list(payload) == list(CONSOLE_KEYS):
            payload = list(payload.values())
        return [enc.name(d["plugin"]), payload]
    return d if isinstance(d, dict) else None


def _keyable(o: dict) -> bool:
    """compact@4: an object that has a keyed list (no list in it, at any depth)."""
    return all(_keyable(v) if isinstance(v, dict) else not isinstance(v, list) for v in o.values())


def _enc_keyed(o: dict, enc: _Enc) -> list:
    """compact@4: a keyable object as its keyed list [name, value, ...], objects in it the
    same way."""
    flat: list = []
    for k, v in o.items():
        flat += [enc.name(k), _enc_keyed(v, enc) if isinstance(v, dict) else v]
    return flat


def _enc_rum(p: dict, enc: _Enc) -> Any:
    """A RUM payload as its compact array, or as it is (a shape the forms do not have)."""
    out = _enc_rum2(p, enc)
    if enc.version >= 4 and out is p and _keyable(p):
        if (enc.version >= USER_AGENT_VERSION and enc.user_agent is not None
                and p.get(UA_KEY) == enc.user_agent):
            p = dict(p, **{UA_KEY: None})   # the intake reads it from the request's header
        if enc.version >= KEYED_DATE_VERSION and _is_int(p.get(DATE_KEY)):
            p = dict(p, **{DATE_KEY: p[DATE_KEY] - enc.t})   # from the event's timestamp
        return [RUM_KEYED, _enc_keyed(p, enc)]
    return out


def _enc_rum2(p: dict, enc: _Enc) -> Any:
    """A RUM payload as its compact@2 array (compact@4's where it has one), or as it is."""
    kind, t = p.get("type"), enc.t
    view, enc.view = enc.view, p["view"] if kind == "view" and isinstance(p.get("view"), dict) else enc.view
    if kind == "view" and list(p) == ["type", "view"] and view is not None:
        v = p["view"]
        if list(v)[:len(VIEW_KEYS)] == list(VIEW_KEYS) and all(
                k in view and view[k] == v[k] and type(view[k]) is type(v[k]) for k in VIEW_KEYS):
            fields = {k: x for k, x in v.items() if k not in VIEW_KEYS}
            if enc.version >= 4 and _keyable(fields):
                return [RUM_VIEW, _enc_keyed(fields, enc)]
            return [RUM_VIEW, fields]
    if list(p)[:2] != ["type", "date"] or not _is_int(p["date"]) or len(p) != 3:
        return p
    date = p["date"] - t
    r = p.get(kind) if isinstance(kind, str) else None
    if kind == "resource" and isinstance(r, dict) and list(r) == list(RESOURCE_KEYS):
        return [RUM_RESOURCE, date, *r.values()]
    if kind == "long_task" and isinstance(r, dict) and list(r) == ["duration"]:
        return [RUM_LONG_TASK, date, r["duration"]]
    if kind == "action" and isinstance(r, dict) and r.get("type") == "click":
        keys, target, pos = list(r), r.get("target"), r.get("position")
        frustration = r.get("frustration")
        if (keys[:3] == ["type", "target", "position"] and keys[3:] in ([], ["frustration"],
                                                                       ["frustration", "click_count"])
                and isinstance(target, dict) and list(target) == ["name", "selector"]
                and isinstance(pos, dict) and list(pos) == ["x", "y"]
                and ("frustration" not in r or (isinstance(frustration, dict)
                                                and list(frustration) == ["type"]
                                                and isinstance(frustration["type"], list)))):
            at = _enc_click_action(p, enc) if enc.version >= 4 else None
            if at is not None:
                return at
            out = [RUM_ACTION, date, target["name"], target["selector"], pos["x"], pos["y"]]
            if "frustration" in r:
                out.append(frustration["type"])
            if "click_count" in r:
                out.append(r["click_count"])
            return out
    return p


def _enc_click_action(p: dict, enc: _Enc) -> list | None:
    """compact@4: a click action (checked by the caller) at a click of the batch: where its
    position is that click's, its date a difference from the click's time."""
    a = p["action"]
    pos, codes = a["position"], []
    if "frustration" in a:
        if not all(isinstance(f, str) and f in FRUSTRATIONS for f in a["frustration"]["type"]):
            return None
        codes = [FRUSTRATIONS.index(f) for f in a["frustration"]["type"]]
    for back, (t, x, y) in enumerate(reversed(enc.clicks)):
        if x == pos["x"] and y == pos["y"] and type(x) is type(pos["x"]) and type(y) is type(pos["y"]):
            out = [RUM_CLICK_ACTION, back, p["date"] - t, a["target"]["name"], a["target"]["selector"]]
            if "frustration" in a:
                out.append(codes)
            if "click_count" in a:
                out.append(a["click_count"])
            return out
    return None


def _interaction_event(e: Any, kind: int, keys: int) -> bool:
    """compact@4: `e` is an interaction of type `kind` with `keys` keys in capture.js's order,
    integers all, at an integer time (a click run's event)."""
    if not (_keys(e, ("type", "data", "timestamp")) and e["type"] == INCREMENTAL
            and _is_int(e["timestamp"]) and isinstance(e["data"], dict)):
        return False
    d = e["data"]
    return (list(d) == list(INTERACTION_KEYS[:keys]) and d["source"] == INTERACTION
            and d["type"] == kind and all(_is_int(v) for v in d.values()))


def _enc_click_run(events: list, i: int, enc: _Enc) -> tuple[list, int] | None:
    """compact@4: the click run starting at events[i] - (its data, how many events it is) -
    or None where there is none (see the module's docstring)."""
    down = events[i]
    if not _interaction_event(down, MOUSE_DOWN, 5):
        return None
    d = down["data"]
    j, gaps, around = i + 1, [], {BLUR: None, FOCUS: None}
    for kind in (BLUR, FOCUS):
        if j < len(events) and _interaction_event(events[j], kind, 3):
            around[kind] = events[j]["data"]["id"] - d["id"]
            j += 1
    steps = [MOUSE_UP, CLICK]
    pointer = None
    for kind, keys in zip(steps, (5, 6)):
        e = events[j] if j < len(events) else None
        if e is None or not _interaction_event(e, kind, keys) or any(
                e["data"][k] != d[k] for k in ("id", "x", "y")):
            if kind == MOUSE_UP:
                return None
            break
        if kind == CLICK:
            pointer = e["data"]["pointerType"]
        j += 1
    times = [e["timestamp"] for e in events[i:j]]
    gaps = [b - a for a, b in zip(times, times[1:])]
    run = [INTERACTION, CLICK_RUN, d["id"] - enc.pointer, d["x"] - enc.x, d["y"] - enc.y, gaps,
           around[BLUR], around[FOCUS], pointer]
    enc.pointer, enc.x, enc.y = d["id"], d["x"], d["y"]
    return run, j - i


def encode(events: list, version: int = 1, user_agent: str | None = None
           ) -> tuple[list, list[str]]:
    """(compact events, strings) that `decode(..., version=version)` turns back into exactly
    `events` (`version`: 1 for compact@1 ... 6 for compact@6; from compact@5, `user_agent`: the
    browser's, which the request carrying the batch sends - decode with the same)."""
    enc = _Enc(version, user_agent)
    out: list = []
    t = 0
    i = 0
    while i < len(events):
        e = events[i]
        run = _enc_click_run(events, i, enc) if version >= 4 else None
        if run is not None:
            out.append([INCREMENTAL, e["timestamp"] - t, run[0]])
            for ev in events[i:i + run[1]]:
                _note_click(ev, enc.clicks)
            t = events[i + run[1] - 1]["timestamp"]
            i += run[1]
            continue
        i += 1
        ok = (_keys(e, ("type", "data", "timestamp")) and _is_int(e["type"])
              and _is_int(e["timestamp"]))
        if ok:
            enc.t = e["timestamp"]
        data = _enc_data(e["type"], e["data"], enc) if ok else None
        d = e.get("data") if isinstance(e, dict) else None
        if (enc.version >= 2 and (data is None or data is d) and e.get("type") == PLUGIN
                and isinstance(d, dict) and d.get("plugin") == RUM_PLUGIN
                and isinstance(d.get("payload"), dict)):
            p = d["payload"]   # an object as it is: the decoder notes its view too
            if p.get("type") == "view" and isinstance(p.get("view"), dict):
                enc.view = p["view"]
        if version >= 4:
            _note_click(e, enc.clicks)
        if data is None:
            out.append(e)
            if isinstance(e, dict) and _is_int(e.get("timestamp")):
                t = e["timestamp"]
            continue
        out.append([e["type"], e["timestamp"] + enc.shift - t, data])
        t = e["timestamp"]
    return out, enc.strings
