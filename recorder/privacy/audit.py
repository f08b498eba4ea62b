"""PII audit of stored sessions: what looks like personal data, and where.

Every string of every event (decompressed from the store) is scanned with the pattern
detectors (email, card with Luhn, phone), and input values typed into password / email /
tel / hidden / `cc-*` fields that are stored in clear are reported too (no pattern finds a
password). A finding says the kind, the event index, the time since the session's start,
the node id and where in the event - and a masked excerpt (`j***@e***.com`, `**** 1111`),
never the value itself.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Iterator

from ..format import EventType, IncrementalSource, NodeType
from ..mirror import Mirror
from . import detectors
from .levels import always_masked

_SKIP_ATTRS = frozenset({"style", "_cssText", "d", "points", "viewBox", "transform",
                         "rr_dataURL", "rr_width", "rr_height"})
_MASKED_VALUES = frozenset({"", "***"})


@dataclass
class Finding:
    kind: str            # email | card | phone | sensitive-input
    event_index: int
    offset_ms: float     # since the session's first event
    node_id: int | None
    where: str           # "text", "attribute title", "input value", "console", "page URL"...
    excerpt: str         # masked: never the full value

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SessionAudit:
    session_id: str
    events: int = 0
    findings: list[Finding] = field(default_factory=list)
    damaged_segments: list[int] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.findings

    def counts(self) -> dict[str, int]:
        c: dict[str, int] = {}
        for f in self.findings:
            c[f.kind] = c.get(f.kind, 0) + 1
        return c

    def to_json(self) -> dict[str, Any]:
        return {"session": self.session_id, "events": self.events, "counts": self.counts(),
                "damaged_segments": self.damaged_segments,
                "findings": [f.to_json() for f in self.findings]}


def _node_strings(sn: dict) -> Iterator[tuple[str, int | None, str]]:
    stack = [sn]
    while stack:
        n = stack.pop()
        if not isinstance(n, dict):
            continue
        nid = n.get("id")
        t = n.get("type")
        if t == NodeType.Element:
            for k, v in (n.get("attributes") or {}).items():
                if isinstance(v, str) and k not in _SKIP_ATTRS and not v.startswith("data:"):
                    yield v, nid, f"attribute {k}"
        elif t in (NodeType.Text, NodeType.Comment, NodeType.CDATA) and not n.get("isStyle"):
            tc = n.get("textContent")
            if isinstance(tc, str):
                yield tc, nid, "text"
        kids = n.get("childNodes")
        if kids:
            stack.extend(reversed(kids))


def _any_strings(obj: Any, where: str, depth: int = 0) -> Iterator[tuple[str, int | None, str]]:
    if isinstance(obj, str):
        yield obj, None, where
    elif depth < 64 and isinstance(obj, dict):
        for v in obj.values():
            yield from _any_strings(v, where, depth + 1)
    elif depth < 64 and isinstance(obj, list):
        for v in obj:
            yield from _any_strings(v, where, depth + 1)


def event_strings(e: dict) -> Iterator[tuple[str, int | None, str]]:
    """(string, node id, where) for every piece of text an event carries."""
    t = e.get("type")
    d = e.get("data")
    if not isinstance(d, dict):
        return
    if t == EventType.FullSnapshot:
        yield from _node_strings(d.get("node"))
    elif t == EventType.IncrementalSnapshot:
        src = d.get("source")
        if src == IncrementalSource.Mutation:
            for a in d.get("adds") or ():
                if isinstance(a, dict):
                    yield from _node_strings(a.get("node"))
            for x in d.get("texts") or ():
                if isinstance(x, dict) and isinstance(x.get("value"), str):
                    yield x["value"], x.get("id"), "text change"
            for x in d.get("attributes") or ():
                if isinstance(x, dict) and isinstance(x.get("attributes"), dict):
                    for k, v in x["attributes"].items():
                        if isinstance(v, str) and k not in _SKIP_ATTRS:
                            yield v, x.get("id"), f"attribute {k}"
        elif src == IncrementalSource.Input:
            if isinstance(d.get("text"), str):
                yield d["text"], d.get("id"), "input value"
        elif src == IncrementalSource.Log:
            yield from _any_strings(d.get("payload"), "console")
        elif src == IncrementalSource.CanvasMutation:
            yield from _any_strings(d.get("commands"), "canvas")
    elif t == EventType.Meta:
        if isinstance(d.get("href"), str):
            yield d["href"], None, "page URL"
    elif t == EventType.Plugin:
        plugin = str(d.get("plugin") or "plugin")
        where = {"rrweb/console@1": "console", "replay/rum@1": "rum",
                 "rrweb/network@1": "network"}.get(plugin, plugin)
        p = d.get("payload")
        if where == "rum" and isinstance(p, dict) and isinstance(p.get("type"), str):
            where = f"rum {p['type']}"
        yield from _any_strings(p, where)
    elif t == EventType.Custom:
        yield from _any_strings(d, f"custom event {d.get('tag', '')}".strip())


def audit_events(events: Iterable[dict], kinds: Iterable[str] = detectors.KINDS,
                 session_id: str = "") -> SessionAudit:
    kinds = tuple(kinds)
    result = SessionAudit(session_id)
    mirror = Mirror()  # to know which field an input event typed into
    start = None
    for i, e in enumerate(events):
        result.events += 1
        ts = e.get("timestamp") or 0
        if start is None:
            start = ts
        mirror.apply(e)
        offset = ts - start
        for s, nid, where in event_strings(e):
            for f in detectors.find(s, kinds):
                result.findings.append(Finding(f.kind, i, offset, nid, where,
                                               detectors.excerpt(f.kind, f.value)))
            if where == "input value" and s not in _MASKED_VALUES and set(s) != {"*"}:
                n = mirror.nodes.get(nid)
                if n is not None and always_masked(n.tag, n.attrs):
                    kind = n.attrs.get("type") or n.attrs.get("autocomplete") or n.tag
                    result.findings.append(Finding(
                        "sensitive-input", i, offset, nid, f"input value ({kind} field)",
                        f"{len(s)} characters in clear"))
    return result


def audit_session(reader, kinds: Iterable[str] = detectors.KINDS) -> SessionAudit:
    """Audit a stored session (a SessionReader / RecordingSource)."""
    result = audit_events(reader.events(), kinds, session_id=reader.id)
    result.damaged_segments = list(getattr(reader, "damaged", []) or [])
    return result
