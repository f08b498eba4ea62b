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

import msgspec

from .format import (AddedNode, AttributeMutation, AttrValue, EventType, IncrementalSource,
                     MutationData, NodeType, RemovedNode, SerializedNode, TextMutation)

_INCREMENTAL = int(EventType.IncrementalSnapshot)
_MUTATION = int(IncrementalSource.Mutation)
_NODE_TYPES = frozenset(int(t) for t in NodeType)
MAX_WALK_DEPTH = 64     # deeper trees are left to msgspec (its recursion, its verdict)
_ABSENT = object()      # a key not there (None is a value)

# What a field may hold (format.py's annotations), one code each; `_value_fits` reads them.
(_INT, _OPT_INT, _OPT_STR, _OPT_BOOL, _NODE_TYPE, _ATTRS, _OPT_ATTRS, _NODE, _OPT_NODES,
 _TEXT_LIST, _ATTRIBUTE_LIST, _REMOVE_LIST, _ADD_LIST) = range(13)
# Each Struct's fields, read off format.py: name -> (code, required), and how many are
# required. Keys not named are ignored, as msgspec ignores them. A field of a type not in
# _CODES fails here, at import: the walk never guesses at a type format.py changed.
_CODES = {int: _INT, int | None: _OPT_INT, str | None: _OPT_STR, bool | None: _OPT_BOOL,
          NodeType: _NODE_TYPE, dict[str, AttrValue]: _ATTRS,
          dict[str, AttrValue] | None: _OPT_ATTRS, SerializedNode: _NODE,
          list[SerializedNode] | None: _OPT_NODES, list[TextMutation]: _TEXT_LIST,
          list[AttributeMutation]: _ATTRIBUTE_LIST, list[RemovedNode]: _REMOVE_LIST,
          list[AddedNode]: _ADD_LIST}


def _shape(struct: type) -> tuple:
    fields = {f.encode_name: (_CODES[f.type], f.required) for f in msgspec.structs.fields(struct)}
    return fields, sum(1 for _, required in fields.values() if required)


_MUTATION_SHAPE = _shape(MutationData)
_TEXT_SHAPE = _shape(TextMutation)
_ATTRIBUTE_SHAPE = _shape(AttributeMutation)
_REMOVE_SHAPE = _shape(RemovedNode)
_ADD_SHAPE = _shape(AddedNode)
_NODE_SHAPE = _shape(SerializedNode)

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
    return _fields(d, _MUTATION_SHAPE, 0)


def _fields(item: dict, shape: tuple, depth: int) -> bool:
    """Each key of `item` read against `shape`'s fields, and every required one there."""
    spec, need = shape
    required = 0
    for k, x in item.items():
        if type(k) is not str:
            return False
        field = spec.get(k)
        if field is None:
            continue
        code, req = field
        if not _value_fits(x, code, depth):
            return False
        if req:
            required += 1
    return required == need


def _value_fits(x: object, code: int, depth: int) -> bool:
    """Whether `x` is what a field of kind `code` holds."""
    if code == _INT:
        return type(x) is int
    if code == _OPT_STR:
        return x is None or type(x) is str
    if code == _OPT_INT:
        return x is None or type(x) is int
    if code == _OPT_BOOL:
        return x is None or x is True or x is False
    if code == _NODE_TYPE:
        return type(x) is int and x in _NODE_TYPES
    if code == _ATTRS:
        return _attr_map(x)
    if code == _OPT_ATTRS:
        return x is None or _attr_map(x)
    if code == _NODE:
        return _node(x, depth)
    if code == _OPT_NODES:
        if x is None:
            return True
        if type(x) is not list:
            return False
        kids = x
        for c in kids:
            if not _node(c, depth + 1):
                return False
        return True
    if type(x) is not list:
        return False
    items = x
    for it in items:
        if type(it) is not dict or not _item(it, code):
            return False
    return True


def _item(item: dict, code: int) -> bool:
    """A mutation item of list kind `code`: the keys rrweb writes looked up, and the item's
    length telling there is no other; an item with other keys is read key by key."""
    n = len(item)
    if code == _REMOVE_LIST:
        if n == 2 and type(item.get("parentId")) is int and type(item.get("id")) is int:
            return True
        return _fields(item, _REMOVE_SHAPE, 0)
    if code == _ADD_LIST:
        if n == 3 and type(item.get("parentId")) is int \
                and _value_fits(item.get("nextId", _ABSENT), _OPT_INT, 0):
            return _node(item.get("node"), 0)
        return _fields(item, _ADD_SHAPE, 0)
    if code == _TEXT_LIST:
        if n == 2 and type(item.get("id")) is int \
                and _value_fits(item.get("value", _ABSENT), _OPT_STR, 0):
            return True
        return _fields(item, _TEXT_SHAPE, 0)
    if n == 2 and type(item.get("id")) is int and _attr_map(item.get("attributes", _ABSENT)):
        return True
    return _fields(item, _ATTRIBUTE_SHAPE, 0)


def _attr_map(x: object) -> bool:
    """dict[str, AttrValue]: str, int, float, bool, None or a dict as each value (the
    test holds this to format.AttrValue)."""
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


def _node(x: object, depth: int) -> bool:
    """format.SerializedNode, its children to MAX_WALK_DEPTH levels."""
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
        if not _value_fits(v, _OPT_NODES, depth):
            return False
        found += 1
    return found == len(node) or _fields(node, _NODE_SHAPE, depth)
