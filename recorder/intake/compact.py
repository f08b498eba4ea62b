"""The compact batch encoding (`"encoding": "compact@1"`): what capture.js posts, turned back
into DESIGN.md's event model (rrweb's events) before anything else reads the batch.

The same events, fewer bytes: keys go, ids and timestamps become small deltas, tag and
attribute names are interned once per batch. Plain rrweb batches stay valid (other senders),
and a compact batch decodes to exactly the events that were encoded, so what is stored does
not depend on the encoding.

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

`encode` is the reference encoder (capture.js has its own, `compactBatch`); `decode` is what
the intake runs. Bad compact data raises `CompactError`, never anything else.
"""
from __future__ import annotations

import hashlib
from typing import Any, Callable

ENCODING = "compact@1"
FULL_SNAPSHOT, INCREMENTAL = 2, 3
MUTATION, MOUSE_MOVE, TOUCH_MOVE = 0, 1, 6
ELEMENT, DOCUMENT = 2, 0
TEXT_LIKE = (3, 4, 5)
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
)
_NAME_INDEX = {n: -1 - i for i, n in enumerate(NAMES)}


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


def _pairs(flat: list, step: int) -> range:
    if len(_list(flat, "a flat list")) % step:
        raise CompactError(f"a list of {step}-tuples has {len(flat)} items")
    return range(0, len(flat), step)


def _mutation(d: list, ids: _Ids, strings: list[str], named: Texts) -> dict:
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
                         "node": _node(adds[i + 2], ids, strings, named)})
    return {"source": MUTATION, "texts": out_texts, "attributes": out_attrs,
            "removes": out_removes, "adds": out_adds}


def _moves(d: list, ids: _Ids) -> dict:
    if len(d) != 2:
        raise CompactError("a move is [source, [x, y, id, timeOffset, ...]]")
    p = d[1]
    return {"source": d[0], "positions": [
        {"x": p[i], "y": p[i + 1], "id": ids(p[i + 2]), "timeOffset": p[i + 3]} for i in _pairs(p, 4)]}


def _data(kind: int, d: Any, strings: list[str], texts: Texts) -> Any:
    if isinstance(d, dict):
        return d
    if not isinstance(d, list):
        raise CompactError(f"event data must be an object or an array, not {d!r:.40}")
    ids = _Ids()
    if kind == FULL_SNAPSHOT and len(d) == 2:
        return {"node": _node(d[0], ids, strings, texts), "initialOffset": d[1]}
    if kind == INCREMENTAL and d and d[0] == MUTATION and type(d[0]) is int:
        return _mutation(d, ids, strings, texts)
    if kind == INCREMENTAL and d and d[0] in (MOUSE_MOVE, TOUCH_MOVE) and type(d[0]) is int:
        return _moves(d, ids)
    raise CompactError(f"no compact form for event type {kind!r:.20} with data {str(d)[:40]}")


def decode(events: list, strings: list | None, texts: Texts | None = None) -> list[dict]:
    """The batch's events in DESIGN.md's model; the long texts it declares and names go to
    `texts` (a batch that names one without `texts` to resolve it is refused). Raises
    CompactError."""
    strings = strings or []
    named = texts if texts is not None else Texts()
    if not all(type(s) is str for s in strings):
        raise CompactError("strings must be a list of strings")
    out: list[dict] = []
    t = 0
    try:
        for e in events:
            if isinstance(e, dict):
                out.append(e)
                if type(e.get("timestamp")) is int:
                    t = e["timestamp"]
                continue
            if not isinstance(e, list) or len(e) != 3:
                raise CompactError("a compact event is [type, dt, data]")
            kind, dt, d = e
            if type(kind) is not int or type(dt) is not int:
                raise CompactError("a compact event's type and dt must be integers")
            t += dt
            out.append({"type": kind, "data": _data(kind, d, strings, named), "timestamp": t})
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
    def __init__(self) -> None:
        self.strings: list[str] = []
        self.index: dict[str, int] = {}
        self.last = 0

    def name(self, s: str) -> int:
        fixed = _NAME_INDEX.get(s)
        if fixed is not None:
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
    for p in d["positions"]:
        flat += [p["x"], p["y"], enc.id(p["id"]), p["timeOffset"]]
    return [d["source"], flat]


def _enc_data(kind: int, d: Any, enc: _Enc) -> Any:
    enc.last = 0
    if kind == FULL_SNAPSHOT and _keys(d, ("node", "initialOffset")):
        return [_enc_node(d["node"], enc), d["initialOffset"]]
    if kind == INCREMENTAL and isinstance(d, dict) and _is_int(d.get("source")):
        if d["source"] == MUTATION:
            return _enc_mutation(d, enc)
        if d["source"] in (MOUSE_MOVE, TOUCH_MOVE):
            return _enc_moves(d, enc)
    return d if isinstance(d, dict) else None


def encode(events: list) -> tuple[list, list[str]]:
    """(compact events, strings) that `decode` turns back into exactly `events`."""
    enc = _Enc()
    out: list = []
    t = 0
    for e in events:
        ok = (_keys(e, ("type", "data", "timestamp")) and _is_int(e["type"])
              and _is_int(e["timestamp"]))
        data = _enc_data(e["type"], e["data"], enc) if ok else None
        if data is None:
            out.append(e)
            if isinstance(e, dict) and _is_int(e.get("timestamp")):
                t = e["timestamp"]
            continue
        out.append([e["type"], e["timestamp"] - t, data])
        t = e["timestamp"]
    return out, enc.strings
