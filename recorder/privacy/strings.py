"""Every string an event stores, wherever it is: the one walk that both the masker's
detector pass and `replay audit` use, so what audit searches is exactly what the masker
cleaned.

"Every string" means dict values and list items at any depth, dict keys too (custom-event
payloads and attribute maps are keyed by page data), fields the format knows and fields it
does not (kept for lossless round trips). Two kinds of strings are left alone because no
detector can read them and masking would only break them: numbers are not strings, and
base64 `data:` URLs (images, fonts) are encoded bytes, not text.

The walk is iterative (recorded DOMs nest deeper than Python's recursion limit) and
copy-on-write: when nothing changes, the very input object comes back; otherwise only the
containers on the way to a change are copied, the input is never modified.

`place()` names where a string sits ("attribute style", "stylesheet text", "CSS rule",
"custom event checkout key", "unknown field data.extra"...) for audit reports; it is only
computed for findings, so the masker never pays for it.
"""
from __future__ import annotations

from enum import Enum
from typing import Any, Callable

import msgspec

from .. import format as fmt
from ..format import CONSOLE_PLUGIN, NETWORK_PLUGIN, RUM_PLUGIN, EventType, IncrementalSource
from ..semantics import is_owner_field

# Where a string sits: the link of its container - (parent link, key in parent, parent) -
# from which place() rebuilds the path; None for the root.
Link = tuple | None
# visit(string, is_key, key, container, container's link) -> the string to store
Visit = Callable[[str, bool, Any, Any, Link], str]

_DATA_URL = "data:"
_BASE64 = ";base64,"


def _encoded(s: str) -> bool:
    """A base64 data: URL - bytes, not text (an inline SVG `data:` URL is text: walked)."""
    return s.startswith(_DATA_URL) and _BASE64 in s[:200]


def _always(_s: str) -> bool:
    return True


def map_strings(obj: Any, visit: Visit, min_len: int = 0,
                wanted: Callable[[str], Any] | None = None) -> Any:
    """`obj` with `visit` applied to every string in it, keys included; the same object back
    when nothing changed. Strings shorter than `min_len`, or for which `wanted` (a cheap C
    check, e.g. a compiled pattern's `search`) is falsy, are passed over unvisited. A key that
    `visit` changes into one already present gets a `~N` suffix, so no value is lost."""
    if type(obj) is str:  # a bare string (a plugin payload may be one)
        if _encoded(obj) or len(obj) < min_len or (wanted is not None and not wanted(obj)):
            return obj
        return visit(obj, False, None, None, None)
    if type(obj) is not dict and type(obj) is not list:
        return obj
    if wanted is None:
        wanted = _always
    values: list[tuple[Any, Link, Any, str]] = []   # (container, link, key, new value)
    keys: list[tuple[Any, Link, str, str]] = []     # (dict, link, old key, new key)
    stack: list[tuple[Any, Link]] = [(obj, None)]
    pop, push = stack.pop, stack.append
    while stack:
        c, link = pop()
        if type(c) is dict:
            for k, v in c.items():
                if type(k) is str and len(k) >= min_len and wanted(k):
                    nk = visit(k, True, k, c, link)
                    if nk != k:
                        keys.append((c, link, k, nk))
                tv = type(v)
                if tv is str:
                    if len(v) >= min_len and wanted(v) and not _encoded(v):
                        nv = visit(v, False, k, c, link)
                        if nv != v:
                            values.append((c, link, k, nv))
                elif (tv is dict or tv is list) and v:
                    push((v, (link, k, c)))
        else:
            for k, v in enumerate(c):
                tv = type(v)
                if tv is str:
                    if len(v) >= min_len and wanted(v) and not _encoded(v):
                        nv = visit(v, False, k, c, link)
                        if nv != v:
                            values.append((c, link, k, nv))
                elif (tv is dict or tv is list) and v:
                    push((v, (link, k, c)))
    if not values and not keys:
        return obj
    copies: dict[int, Any] = {}
    root = [obj]

    def own(c: Any, link: Link) -> Any:
        """The writable copy of container `c`, copying its ancestors as needed."""
        start = c
        chain = []
        while id(c) not in copies:
            chain.append((c, link))
            if link is None:
                break
            c, link = link[2], link[0]
        for c, link in reversed(chain):
            cp = dict(c) if type(c) is dict else list(c)
            copies[id(c)] = cp
            if link is None:
                root[0] = cp
            else:
                copies[id(link[2])][link[1]] = cp
        return copies[id(start)]

    for c, link, k, nv in values:
        cp = copies.get(id(c))
        (cp if cp is not None else own(c, link))[k] = nv
    renames: dict[int, tuple[dict, dict[str, str]]] = {}
    for c, link, k, nk in keys:
        cp = copies.get(id(c))
        cp = cp if cp is not None else own(c, link)
        renames.setdefault(id(cp), (cp, {}))[1][k] = nk
    for cp, ren in renames.values():
        items = list(cp.items())
        cp.clear()
        for k, v in items:
            nk = ren.get(k, k)
            if nk in cp:
                n = 2
                while f"{nk}~{n}" in cp:
                    n += 1
                nk = f"{nk}~{n}"
            cp[nk] = v
    return root[0]


# --- naming places (audit) ---------------------------------------------------------------
def _fields(struct: type) -> frozenset[str]:
    return frozenset(f.encode_name for f in msgspec.structs.fields(struct))


_TOP = frozenset({"type", "data", "timestamp", "delay"})
_TYPES = frozenset(int(t) for t in EventType)
_NODE = _fields(fmt.SerializedNode)
_DATA: dict[int, frozenset[str]] = {
    int(EventType.FullSnapshot): _fields(fmt.FullSnapshotData),
    int(EventType.Meta): _fields(fmt.MetaData),
    int(EventType.Custom): _fields(fmt.CustomData),
    int(EventType.Plugin): _fields(fmt.PluginData),
}
_SOURCE_DATA: dict[int, frozenset[str]] = {
    s.__struct_config__.tag: _fields(s) | {"source"} for s in fmt.IncrementalData.__args__}
_MUTATION_ITEMS = {"texts": _fields(fmt.TextMutation), "attributes": _fields(fmt.AttributeMutation),
                   "removes": _fields(fmt.RemovedNode), "adds": _fields(fmt.AddedNode)}
_SOURCE_PLACES = {
    int(IncrementalSource.StyleSheetRule): "CSS rule",
    int(IncrementalSource.AdoptedStyleSheet): "CSS rule",
    int(IncrementalSource.StyleDeclaration): "style declaration",
    int(IncrementalSource.Font): "font",
    int(IncrementalSource.CanvasMutation): "canvas",
    int(IncrementalSource.Log): "console",
    int(IncrementalSource.CustomElement): "custom element",
}
_PLUGIN_PLACES = {CONSOLE_PLUGIN: "console", RUM_PLUGIN: "rum", NETWORK_PLUGIN: "network"}


def path_of(key: Any, container: Any, link: Link) -> list[tuple[Any, Any]]:
    """(key, container) pairs from the root down to the string."""
    path = [(key, container)]
    while link is not None:
        link, k, parent = link
        path.append((k, parent))
    path.reverse()
    return path


def _dotted(keys: list) -> str:
    return ".".join(str(k) for k in keys if not isinstance(k, int))


def _node_place(path: list[tuple[Any, Any]], i: int, is_key: bool) -> str:
    """The place of a string inside the serialized node `path[i][1]` (and its children)."""
    while True:
        k, node = path[i]
        if k not in _NODE:
            return "unknown field node." + _dotted([p[0] for p in path[i:]])
        if k == "childNodes" and i + 2 < len(path):
            i += 2  # childNodes, index -> the child node
            continue
        if k == "attributes":
            if i + 1 >= len(path):
                return "attribute name" if is_key else "attributes"
            name = path[i + 1][0]
            return "attribute name" if is_key and i + 2 == len(path) else f"attribute {name}"
        if k == "textContent":
            return "stylesheet text" if node.get("isStyle") else "text"
        return f"node {k}"


def place(event: Any, is_key: bool, key: Any, container: Any, link: Link) -> tuple[int | None, str]:
    """(node id, where) of a string `map_strings` visited in `event`: the nearest node id on
    its path, and a name for the place. Names never quote the string itself (a key's own
    name is not repeated: "attribute name", "... key")."""
    path = path_of(key, container, link)
    nid = None
    for _, c in reversed(path):
        if type(c) is dict and type(c.get("id")) is int:
            nid = c["id"]
            break
    return nid, _where(event, path, is_key)


class Kind(Enum):
    """What a string of an event is, for echo masking, the detector pass and the audit
    (`kind_of`)."""
    TEXT = "text"   # the page's text: an echo anywhere in it is masked
    NAME = "name"   # a name of the format, a plugin or the markup: never an echo
    CSS = "css"     # CSS: an echo only where it holds data (`echoes.CSS_DATA`)
    OWNER = "owner"   # where the recording names its user (`semantics.is_owner_field`):
                      # the session's owner there is kept by design (masker, audit)


# where a key is the page's own data (a custom event's payload, a field the format does not
# know), not a name the format, a plugin or the markup gives (`_where`'s places)
_PAGE_KEY_PLACES = ("custom event", "unknown field", "unknown event type", "unknown source")
# a RUM payload's fields whose keys are the page's own data too (`_plugin_data_key`; capture.js:
# RUM_PAGE_DATA): Datadog's custom attributes and feature flags
RUM_PAGE_DATA = frozenset({"context", "feature_flags"})
_CSS_VALUES = frozenset({"stylesheet text", "attribute style", "attribute _cssText", "CSS rule",
                         "style declaration"})
# a node's tag name and its doctype's names ("html": a doctype without it is quirks mode)
_NODE_NAMES = frozenset({"node tagName", "node name", "node publicId", "node systemId"})
# Attributes whose value is a name, not text (capture.js: NAME_ATTRS): HTML's enumerated
# kinds, whose values a page takes from the language, never from what was typed. An id, a
# class, a name or a `for` is free-form: a page may build one from a value ("tag-" + what
# was typed), so an echo there is masked, whatever it costs the page's styling.
NAME_ATTRS = frozenset({"type", "role", "rel", "lang", "dir", "autocomplete", "inputmode"})
# Fields of a plugin's payload whose value names a kind (a RUM event's `type`, an error's
# `source`, a request's `method`, a console line's `level`) and the plugin's own name, and
# the words of those kinds (capture.js: KIND_FIELDS, KIND_VALUES): only such a field holding
# such a word is a name - a RUM error's `type` is the thrown object's name, which a page may
# have made of anything (`Promise.reject(await res.json())`).
KIND_FIELDS = frozenset({"type", "level", "source", "method", "loading_type",
                         "navigation_type", "kind", "plugin"})
KIND_VALUES = frozenset({
    # RUM (assets/rum-shim/rum-plugin.js): events, actions, frustrations, error sources,
    # resource types, view loading and navigation types, device types
    "view", "action", "resource", "error", "long_task", "click", "rage_click", "dead_click",
    "error_click", "source", "network", "console", "fetch", "xhr", "document", "css", "js",
    "image", "font", "media", "other", "initial_load", "route_change", "bf_cache", "navigate",
    "reload", "back_forward", "prerender", "desktop", "mobile", "tablet",
    # the errors a browser throws, and the RUM plugin's own
    "Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError",
    "URIError", "AggregateError", "DOMException", "AbortError", "TimeoutError",
    "SecurityError", "NotAllowedError", "HTTPError", "NetworkError", "UnhandledRejection",
    # console levels (rrweb's console plugin)
    "log", "info", "warn", "debug", "assert", "trace", "dir", "dirxml", "table", "count",
    "countReset", "group", "groupCollapsed", "groupEnd", "time", "timeEnd", "timeLog",
    # request methods
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS",
    # the plugins
    CONSOLE_PLUGIN, RUM_PLUGIN, NETWORK_PLUGIN})


def is_owner_place(event: Any, is_key: bool, key: Any, container: Any, link: Link) -> bool:
    """Whether a string `map_strings` visited in `event` is where the recording names its
    user (`Kind.OWNER`), without the rest of `kind_of`'s reading of its place."""
    return not is_key and is_owner_field(event, [k for k, _ in path_of(key, container, link)])


def kind_of(event: Any, is_key: bool, key: Any, container: Any, link: Link) -> Kind:
    """What a string `map_strings` visited in `event` is. A name: a dict key other than the
    page's own data (a custom event's payload, a field the format does not know) - an
    event's, a node's or a mutation's field, an attribute's name, a plugin's field -, a
    node's tag name and a doctype's names, the value of an enumerated attribute
    (`NAME_ATTRS`: a type, a role) and a plugin's kind field holding a kind's word
    (`KIND_FIELDS`, `KIND_VALUES`). CSS: a stylesheet's text, a rule, a style attribute or
    declaration - a page writes data into CSS as a quoted string or a URL, and its words are
    the language's ("position", "screen", "text-align"). Echo masking
    (`echoes.Echoes.scrub_event`) masks no name and only CSS's data: a search for
    "data" or "position" made every later event's `data` and every mouse path's `positions`
    `***`, one for "table" every table's tag, one for "screen" every `@media screen`, one
    for "error" every RUM error's type."""
    if is_owner_place(event, is_key, key, container, link):
        return Kind.OWNER
    path = path_of(key, container, link)
    where = _where(event, path, is_key)
    if is_key:
        return Kind.TEXT if where.startswith(_PAGE_KEY_PLACES) or _plugin_data_key(event, path) \
            else Kind.NAME
    if where in _CSS_VALUES:
        return Kind.CSS
    if where in _NODE_NAMES or (where.startswith("attribute ") and
                                   where[len("attribute "):] in NAME_ATTRS):
        return Kind.NAME
    if isinstance(event, dict) and event.get("type") == EventType.Plugin:
        field = next((k for k, _ in reversed(path) if type(k) is str), None)
        if field in KIND_FIELDS and container[key] in KIND_VALUES:
            return Kind.NAME
    return Kind.TEXT


def _plugin_data_key(e: Any, path: list[tuple[Any, Any]]) -> bool:
    """Whether a key in a plugin's payload is the page's own data, not a name the plugin
    gives: every key of a plugin the format does not know, and a RUM payload's keys under
    `RUM_PAGE_DATA` (Datadog's custom attributes, feature flags: `{"<what was searched>":
    true}`)."""
    d = e.get("data") if isinstance(e, dict) and e.get("type") == EventType.Plugin else None
    keys = [k for k, _ in path]
    if not isinstance(d, dict) or len(keys) < 3 or keys[:2] != ["data", "payload"]:
        return False
    plugin = d.get("plugin")
    if plugin not in _PLUGIN_PLACES:
        return True
    return plugin == RUM_PLUGIN and any(k in RUM_PAGE_DATA for k in keys[2:-1])


def _where(e: Any, path: list[tuple[Any, Any]], is_key: bool) -> str:
    keys = [k for k, _ in path]
    suffix = " key" if is_key else ""
    if not isinstance(e, dict) or not keys:
        return "event"
    if keys[0] != "data" or len(keys) == 1:
        return ("unknown field " + _dotted(keys) if keys[0] not in _TOP else "event") + (
            " (its name)" if is_key else "")
    t = e.get("type")
    d = e.get("data")
    if t not in _TYPES:
        return f"unknown event type {t}"
    if not isinstance(d, dict):
        return "field " + _dotted(keys) + suffix
    src = d.get("source") if t == EventType.IncrementalSnapshot else None
    if src is not None and src not in _SOURCE_DATA:
        return f"unknown source {src}"
    known = _SOURCE_DATA.get(src) if src is not None else _DATA.get(t)
    if known is not None and keys[1] not in known:
        return "unknown field " + _dotted(keys) + (" (its name)" if is_key and len(keys) == 2
                                                   else "")
    if t == EventType.FullSnapshot and keys[1] == "node":
        return _node_place(path, 2, is_key) if len(path) > 2 else "node"
    if t == EventType.Meta:
        return "page URL" if keys[1] == "href" else f"meta {keys[1]}"
    if t == EventType.Custom:
        return f"custom event {d.get('tag', '')}".rstrip() + suffix
    if t == EventType.Plugin:
        plugin = d.get("plugin")
        where = _PLUGIN_PLACES.get(plugin, str(plugin or "plugin"))
        p = d.get("payload")
        if where == "rum" and isinstance(p, dict) and isinstance(p.get("type"), str):
            where = f"rum {p['type']}"
        return where + suffix
    if src == IncrementalSource.Mutation and len(keys) > 3 and keys[1] in _MUTATION_ITEMS:
        item_field = keys[3]
        if item_field not in _MUTATION_ITEMS[keys[1]]:
            return "unknown field " + _dotted(keys)
        if keys[1] == "adds" and item_field == "node":
            return _node_place(path, 4, is_key) if len(path) > 4 else "node"
        if keys[1] == "texts":
            return "text change"
        if keys[1] == "attributes" and item_field == "attributes" and len(keys) > 4:
            return "attribute name" if is_key and len(keys) == 5 else f"attribute {keys[4]}"
        return "mutation " + _dotted(keys[1:])
    if src == IncrementalSource.Input and keys[1] == "text":
        return "input value"
    if src in _SOURCE_PLACES:
        return _SOURCE_PLACES[src] + suffix
    return "field " + _dotted(keys) + suffix
