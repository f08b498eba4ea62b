"""Which mutation events certainly fit rrweb's schema (format.py), told in one compiled walk.

Validation (`format.invalid_events`) converts every event into format.py's Structs with
msgspec: a Struct is built for every mutation item and every added node, then thrown away
- a tenth of a real recording's import. Mutations are most of a live page's events, and
their schema is small, so `fits_mutation` walks a mutation event's dicts as they are and
says True only when each field has a type the Structs accept (exact types: int not bool,
str, list, dict; unknown keys are ignored, as msgspec ignores them). Anything else - a
field of another type, a key that is not a string, a tree deeper than MAX_WALK_DEPTH, an
event of another kind - is False, and msgspec decides as before. So an event it passes is
one msgspec would pass: never a different verdict, only fewer conversions.

Compiled (see setup.py and schema_check.pxd); as plain Python the walk costs more than the
conversion it saves, so there `fits_mutation` is always False.
"""
from __future__ import annotations

import importlib.machinery

from .format import EventType, IncrementalSource, NodeType

_INCREMENTAL = int(EventType.IncrementalSnapshot)
_MUTATION = int(IncrementalSource.Mutation)
_NODE_TYPES = frozenset(int(t) for t in NodeType)
MAX_WALK_DEPTH = 64     # deeper trees are left to msgspec (its recursion, its verdict)
_ABSENT = object()      # a key not there (None is a value)

# this module runs compiled (an extension module), not from its source
COMPILED = isinstance(__spec__.loader, importlib.machinery.ExtensionFileLoader)


def fits_mutation(raw: object) -> bool:
    """True when `raw` is a Mutation event that format.KnownEvent certainly accepts."""
    if not COMPILED:
        return False
    return _fits(raw)


def _fits(raw: object) -> bool:
    if type(raw) is not dict:
        return False
    event = raw
    t = event.get("type")
    ts = event.get("timestamp")
    data = event.get("data")
    if type(t) is not int or t != _INCREMENTAL or (type(ts) is not int and type(ts) is not float) \
            or type(data) is not dict:
        return False
    d = data
    src = d.get("source")
    if type(src) is not int or src != _MUTATION:
        return False
    for k, v in d.items():
        if type(k) is not str:
            return False
        if k == "texts":
            if not _texts(v):
                return False
        elif k == "attributes":
            if not _attribute_changes(v):
                return False
        elif k == "removes":
            if not _removes(v):
                return False
        elif k == "adds":
            if not _adds(v):
                return False
        elif k == "isAttachIframe":
            if v is not None and v is not True and v is not False:
                return False
    return True


def _texts(v: object) -> bool:
    if type(v) is not list:
        return False
    items = v
    for it in items:
        if type(it) is not dict:
            return False
        item = it
        if len(item) == 2 and type(item.get("id")) is int:
            x = item.get("value", _ABSENT)
            if x is None or type(x) is str:
                continue    # rrweb's text change: these two keys only
        has_id = has_value = False
        for k, x in item.items():
            if type(k) is not str:
                return False
            if k == "id":
                if type(x) is not int:
                    return False
                has_id = True
            elif k == "value":
                if x is not None and type(x) is not str:
                    return False
                has_value = True
        if not (has_id and has_value):
            return False
    return True


def _attribute_changes(v: object) -> bool:
    if type(v) is not list:
        return False
    items = v
    for it in items:
        if type(it) is not dict:
            return False
        item = it
        if len(item) == 2 and type(item.get("id")) is int:
            x = item.get("attributes", _ABSENT)
            if x is not _ABSENT and _attr_map(x):
                continue    # rrweb's attribute change: these two keys only
        has_id = has_attrs = False
        for k, x in item.items():
            if type(k) is not str:
                return False
            if k == "id":
                if type(x) is not int:
                    return False
                has_id = True
            elif k == "attributes":
                if not _attr_map(x):
                    return False
                has_attrs = True
        if not (has_id and has_attrs):
            return False
    return True


def _attr_map(x: object) -> bool:
    """dict[str, AttrValue]: str, int, float, bool, None or a dict as each value."""
    if type(x) is not dict:
        return False
    attrs = x
    for k, a in attrs.items():
        if type(k) is not str:
            return False
        ta = type(a)
        if not (ta is str or a is None or ta is int or ta is bool or ta is float or ta is dict):
            return False
    return True


def _removes(v: object) -> bool:
    if type(v) is not list:
        return False
    items = v
    for it in items:
        if type(it) is not dict:
            return False
        item = it
        if len(item) == 2 and type(item.get("parentId")) is int \
                and type(item.get("id")) is int:
            continue    # rrweb's remove: these two keys only
        has_parent = has_id = False
        for k, x in item.items():
            if type(k) is not str:
                return False
            if k == "id":
                if type(x) is not int:
                    return False
                has_id = True
            elif k == "parentId":
                if type(x) is not int:
                    return False
                has_parent = True
            elif k == "isShadow":
                if x is not None and x is not True and x is not False:
                    return False
        if not (has_parent and has_id):
            return False
    return True


def _adds(v: object) -> bool:
    if type(v) is not list:
        return False
    items = v
    for it in items:
        if type(it) is not dict:
            return False
        item = it
        if len(item) == 3 and type(item.get("parentId")) is int:
            nxt = item.get("nextId", _ABSENT)
            if (nxt is None or type(nxt) is int) and _node(item.get("node"), 0):
                continue    # rrweb's add: these three keys only
        has_parent = has_node = False
        for k, x in item.items():
            if type(k) is not str:
                return False
            if k == "parentId":
                if type(x) is not int:
                    return False
                has_parent = True
            elif k == "nextId" or k == "previousId":
                if x is not None and type(x) is not int:
                    return False
            elif k == "node":
                if not _node(x, 0):
                    return False
                has_node = True
        if not (has_parent and has_node):
            return False
    return True


def _node(x: object, depth: int) -> bool:
    """format.SerializedNode, its children to MAX_WALK_DEPTH levels: the fields rrweb
    writes looked up; a node with any other key is read key by key (`_node_keys`)."""
    if type(x) is not dict or depth > MAX_WALK_DEPTH:
        return False
    node = x
    t = node.get("type")
    if type(t) is not int or t not in _NODE_TYPES or type(node.get("id")) is not int:
        return False
    found = 2
    v = node.get("textContent", _ABSENT)
    if v is not _ABSENT:
        if v is not None and type(v) is not str:
            return False
        found += 1
    v = node.get("tagName", _ABSENT)
    if v is not _ABSENT:
        if v is not None and type(v) is not str:
            return False
        found += 1
    v = node.get("attributes", _ABSENT)
    if v is not _ABSENT:
        if v is not None and not _attr_map(v):
            return False
        found += 1
    v = node.get("childNodes", _ABSENT)
    if v is not _ABSENT:
        if v is not None:
            if type(v) is not list:
                return False
            kids = v
            for c in kids:
                if not _node(c, depth + 1):
                    return False
        found += 1
    if found == len(node):
        return True
    return _node_keys(node, depth)


def _node_keys(node: dict, depth: int) -> bool:
    """`_node` of a node with keys beyond those it looks up: each key read."""
    has_type = has_id = False
    for k, v in node.items():
        if type(k) is not str:
            return False
        if k == "type":
            if type(v) is not int or v not in _NODE_TYPES:
                return False
            has_type = True
        elif k == "id":
            if type(v) is not int:
                return False
            has_id = True
        elif k == "textContent" or k == "tagName" or k == "name" or k == "publicId" \
                or k == "systemId" or k == "compatMode":
            if v is not None and type(v) is not str:
                return False
        elif k == "attributes":
            if v is not None and not _attr_map(v):
                return False
        elif k == "childNodes":
            if v is not None:
                if type(v) is not list:
                    return False
                for c in v:
                    if not _node(c, depth + 1):
                        return False
        elif k == "isSVG" or k == "needBlock" or k == "isStyle":
            if v is not None and v is not True and v is not False:
                return False
        elif k == "rootId":
            if v is not None and type(v) is not int:
                return False
    return has_type and has_id
