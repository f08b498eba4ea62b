"""Serialized nodes (rrweb's), as tests look them up."""
from __future__ import annotations


def element_ids(node: dict) -> dict[str, int]:
    """The node ids of a serialized tree's elements, by their `id` attribute."""
    out, stack = {}, [node]
    while stack:
        n = stack.pop()
        attrs = n.get("attributes") or {}
        if attrs.get("id"):
            out[attrs["id"]] = n["id"]
        stack.extend(n.get("childNodes") or ())
    return out
