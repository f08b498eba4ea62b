"""What masking a session under some rules would change, without writing anything
(`replay mask --dry-run`): counts per claim (the default level, a selector rule, page
markup, the always-masked fields, the detectors) and per kind of change (text, attribute,
input, element, other).

The events go through the real pass (`SessionMasker`), one at a time, and each one is
compared with what the pass made of it; the masker's mirror holds the real page, so the
claim behind a change is read from the same precedence (`PrivacyLevels.decided_by`).
Counts only: nothing here keeps or prints a value.
"""
from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from ..format import EventType, IncrementalSource, NodeType
from .levels import ELEMENT, READS_CLASS, READS_ID, Level, always_masked
from ..mirror import walk_nodes as _walk
from .masker import COMMENT, SessionMasker
from .masking import _DROP, mask_attr, mask_text_node
from .rules import Rules
from .selectors import SelectorIndex, compile_selector, fold, members

Raw = dict[str, Any]


class Kind(str, enum.Enum):
    """What a change touches."""
    TEXT = "text"            # a text node's content (or the node, dropped under hidden)
    ATTRIBUTE = "attribute"  # an element's attribute masked or dropped
    INPUT = "input"          # a typed value (an input event masked or dropped)
    ELEMENT = "element"      # an element left out beneath a hidden one
    OTHER = "other"          # console, network, page URL, custom events, canvas drawing


DETECTORS = "detectors and query scrubbing"
ALWAYS = "always masked (password, email, tel, hidden, cc-* fields)"
FREE_TEXT = "console/network rules, detectors and query scrubbing"
ECHOES = "echoes of values typed into masked fields"
# what re-masking rewrites that no claim above counts: an empty element a rule hides gains
# the hidden marker (`data-replay-privacy`) and nothing else - still a rewrite, so counted
MARKED = "markers the rules add (an empty element marked hidden)"


@dataclass
class DryRun:
    session_id: str
    events: int = 0
    events_changed: int = 0
    changes: Counter = field(default_factory=Counter)   # (claim, Kind) -> count
    # each selector rule of the rules looked at (`Rule.said`) -> whether it matched an
    # element of the session: one that matched nothing masked nothing (a misspelt selector)
    rules_matched: dict[str, bool] = field(default_factory=dict)
    # ... and each member of a rule's selector list (`#a, .b`) -> whether it did: a misspelt
    # member beside one that matches hid nothing, and the rule's match said nothing of it
    members_matched: dict[tuple[str, str], bool] = field(default_factory=dict)

    def by_kind(self) -> dict[str, int]:
        out: Counter = Counter()
        for (_, kind), n in self.changes.items():
            out[kind.value] += n
        return dict(out)

    def by_claim(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (claim, kind), n in sorted(self.changes.items(), key=lambda x: (x[0][0], x[0][1].value)):
            out.setdefault(claim, {})[kind.value] = n
        return out


class _Counter:
    def __init__(self, masker: SessionMasker, result: DryRun):
        self.m = masker
        self.r = result

    def add(self, nid: Any, kind: Kind, claim: str | None = None) -> None:
        if claim is None:
            n = self.m.mirror.nodes.get(nid)
            claim = self.m.levels.decided_by(n) if n is not None else FREE_TEXT
        self.r.changes[(claim, kind)] += 1

    def tree(self, raw: Any, masked: Any) -> None:
        """A serialized subtree against its masked form."""
        kept = {n.get("id"): n for n in _walk(masked)}
        for n in _walk(raw):
            mn = kept.get(n.get("id"))
            t = n.get("type")
            if mn is None:
                self.add(n.get("id"), Kind.ELEMENT if t == NodeType.Element else Kind.TEXT)
                continue
            if t == NodeType.Element:
                a, b = n.get("attributes") or {}, mn.get("attributes") or {}
                for k, v in a.items():
                    if b.get(k, _DROP) != v:
                        self.attr(n.get("id"), k, v)
            elif n.get("textContent") != mn.get("textContent"):
                self.text(n.get("id"), n.get("textContent"))

    def attr(self, nid: Any, k: str, v: Any) -> None:
        n = self.m.mirror.nodes.get(nid)
        if n is None:
            return self.add(nid, Kind.ATTRIBUTE)
        lvl = self.m.levels.level_of(n)
        by_level = mask_attr(n.tag, k, v, lvl, n.attrs, None)
        if by_level == v and lvl != Level.HIDDEN and not self.m.levels.beneath_hidden(n):
            if self._echo(v):
                return self.add(nid, Kind.ATTRIBUTE, ECHOES)
            # the level alone keeps it: the detectors or the query scrubbing changed it
            return self.add(nid, Kind.ATTRIBUTE, DETECTORS)
        if k == "value" and always_masked(n.tag, n.attrs):
            return self.add(nid, Kind.ATTRIBUTE, ALWAYS)
        self.add(nid, Kind.ATTRIBUTE)

    def text(self, nid: Any, value: Any) -> None:
        n = self.m.mirror.nodes.get(nid)
        p = self.m.mirror.nodes.get(n.parent) if n is not None and n.parent is not None else None
        levels = self.m.levels
        lvl = levels.level_of(n) if n is not None else None
        if n is not None and isinstance(value, str) and p is not None and \
                mask_text_node(value, lvl, p.tag, p.attrs, n.is_style, None,
                               lvl >= Level.MASK_USER_INPUT and n.type != COMMENT
                               and levels.in_editable(n)) == value:
            return self.add(nid, Kind.TEXT, ECHOES if self._echo(value) else DETECTORS)
        self.add(nid, Kind.TEXT)

    def _echo(self, value: Any) -> bool:
        return isinstance(value, str) and self.m.echoes.scrub(value) != value

    def event(self, e: Raw, m: Raw | None) -> None:
        t, d = e.get("type"), e.get("data")
        md = m.get("data") if isinstance(m, dict) else None
        if not isinstance(d, dict):
            return
        if t == EventType.FullSnapshot:
            self.tree(d.get("node"), (md or {}).get("node"))
            return
        src = d.get("source") if t == EventType.IncrementalSnapshot else None
        if src == IncrementalSource.Mutation:
            md = md or {}
            kept_adds = {(a.get("node") or {}).get("id"): a.get("node")
                         for a in md.get("adds") or () if isinstance(a, dict)}
            for a in d.get("adds") or ():
                node = a.get("node") if isinstance(a, dict) else None
                if isinstance(node, dict):
                    self.tree(node, kept_adds.get(node.get("id")))
            kept_texts = {x.get("id"): x.get("value") for x in md.get("texts") or ()
                          if isinstance(x, dict)}
            for x in d.get("texts") or ():
                if isinstance(x, dict) and kept_texts.get(x.get("id"), _DROP) != x.get("value"):
                    self.text(x.get("id"), x.get("value"))
            kept_attrs: dict = {}
            for x in md.get("attributes") or ():
                if isinstance(x, dict):
                    kept_attrs.setdefault(x.get("id"), {}).update(x.get("attributes") or {})
            for x in d.get("attributes") or ():
                if isinstance(x, dict) and isinstance(x.get("attributes"), dict):
                    b = kept_attrs.get(x.get("id"), {})
                    for k, v in x["attributes"].items():
                        if b.get(k, _DROP) != v:
                            self.attr(x.get("id"), k, v)
            return
        if src == IncrementalSource.Input:
            if md is None or md.get("text") != d.get("text") or \
                    md.get("isChecked") != d.get("isChecked"):
                n = self.m.mirror.nodes.get(d.get("id"))
                if n is not None and always_masked(n.tag, n.attrs):
                    self.add(d.get("id"), Kind.INPUT, ALWAYS)
                else:
                    self.add(d.get("id"), Kind.INPUT)
            return
        named_by, self.m.named_by = self.m.named_by, None
        if m is not e and m != e:
            if src == IncrementalSource.CanvasMutation:
                self.add(d.get("id"), Kind.OTHER)
            elif named_by is not None:   # a click action's name, masked by what was clicked
                self.add(named_by, Kind.OTHER)
            else:
                self.add(None, Kind.OTHER,
                         ECHOES if self.m.echoes.scrub_event(e) is not e else FREE_TEXT)


# what a rule that matched nothing asks (the CLI's and the workspace's): a misspelt selector,
# or one whose every element sits inside a hidden one - never recorded, so never matched (a
# privacy officer's tryout: `#notes` exists on the page, under a hidden section)
UNMATCHED_ASK = ("is its selector spelt as the page's markup is, or is all it names inside a"
                 " hidden element (whose inside is never recorded)?")


def _tally(found: Iterable[dict]) -> tuple[dict, set]:
    """Over dry runs' {key: matched} maps: in how many each key was looked at, and the keys
    matched in any."""
    looked: dict = {}
    hit: set = set()
    for matched_of in found:
        for key, matched in matched_of.items():
            looked[key] = looked.get(key, 0) + 1
            if matched:
                hit.add(key)
    return looked, hit


def unmatched(runs: Iterable[DryRun]) -> list[tuple[str, int]]:
    """The selector rules (`Rule.said`) that matched no element in any of these dry runs
    they were looked at in, each with how many that was (an application's own rules, in its
    sessions alone): each did nothing there - a misspelt selector reads like a rule kept (a
    privacy officer's tryout: `.card-numbr` hid nothing, and no word said so)."""
    looked, hit = _tally(r.rules_matched for r in runs)
    return [(said, n) for said, n in looked.items() if said not in hit]


def unmatched_members(runs: Iterable[DryRun]) -> list[tuple[str, str, int]]:
    """The members of selector lists (`#shadow-host .sh, .emp-nmae`) that matched no element
    in any of these dry runs where their rule matched through another member: (the rule's
    `said`, the member, in how many runs it was looked at) - a misspelt one beside one that
    matches was never warned of (a privacy officer's tryout). A rule that matched nothing at
    all is `unmatched`'s."""
    looked, hit = _tally(r.members_matched for r in runs)
    rule_hit = {said for said, _ in hit}
    return [(said, member, n) for (said, member), n in looked.items()
            if (said, member) not in hit and said in rule_hit]


class _Matches:
    """Which selector rules match an element the session shows: each element, once the pass
    has applied the event that adds it (a snapshot's, a mutation's) or may have made a rule
    match it - an attribute a rule reads changed on it or above it (a descendant combinator),
    a sibling before it changed or went (`+`, `~`, `:first-child`, `:nth-child`), a child went
    or its text did (`:empty`) - against the rules that matched none so far, filed as
    `level_of` files them (a `SelectorIndex`, folded in a quirks-mode document), made again as
    one first matches."""

    def __init__(self, masker: SessionMasker, result: DryRun):
        self.m = masker
        self.result = result
        # (rule, member of its selector list) -> the rule, while that member matched nothing
        self.left = {(r.said, member): r for r in masker.rules.rules
                     for member in members(r.selector)}
        result.rules_matched.update(dict.fromkeys((r.said for r in masker.rules.rules), False))
        in_list = Counter(said for said, _ in self.left)
        result.members_matched.update({k: False for k in self.left if in_list[k[0]] > 1})
        self.index: dict[bool, SelectorIndex] = {}   # quirks -> the rules left, filed
        self.classes: set[str] = set()
        self.ids: set[str] = set()
        self.any_class = self.any_id = False

    def _index(self, quirks: bool) -> SelectorIndex:
        index = self.index.get(quirks)
        if index is None:
            index = self.index[quirks] = SelectorIndex(quirks=quirks)
            compiled: dict[str, list] = {}   # a rule's members, compiled once
            for key, rule in self.left.items():
                sels = compiled.get(rule.said)
                if sels is None:
                    sels = compiled[rule.said] = dict(zip(
                        members(rule.selector), compile_selector(rule.selector, quirks=quirks)))
                index.add(sels[key[1]], key)
            if not quirks:   # what `_may_match` asks of the rules left
                self.classes = {fold(c) for c in index.classes}
                self.ids = {fold(i) for i in index.ids}
                texts = [r.selector for r in self.left.values()]
                negated = any(":not(" in t.lower() for t in texts)   # a class taken away
                self.any_class = negated or any(READS_CLASS.search(t) for t in texts)
                self.any_id = negated or any(READS_ID.search(t) for t in texts)
        return index

    def event(self, e: Raw) -> None:
        if not self.left:
            return
        t, d = e.get("type"), e.get("data")
        if not isinstance(d, dict):
            return
        if t == EventType.FullSnapshot:
            self.seen(n.get("id") for n in _walk(d.get("node")) if n.get("type") == ELEMENT)
        elif t == EventType.IncrementalSnapshot and d.get("source") == IncrementalSource.Mutation:
            index = self._index(False)
            self.seen(n.get("id") for a in d.get("adds") or () if isinstance(a, dict)
                      for n in _walk(a.get("node")) if n.get("type") == ELEMENT)
            self.seen(nid for x in d.get("attributes") or ()
                      if isinstance(x, dict) and self._may_match(x.get("attributes"))
                      for nid in self._around(x.get("id"), index.structural))
            if index.structural or index.uses_empty:   # positions and emptiness changed
                moved = {x.get("parentId") for key in ("adds", "removes")
                         for x in d.get(key) or ()
                         if isinstance(x, dict) and type(x.get("parentId")) is int}
                if index.uses_empty:
                    nodes = self.m.mirror.nodes
                    moved |= {nodes[x["id"]].parent for x in d.get("texts") or ()
                              if isinstance(x, dict) and type(x.get("id")) is int
                              and x["id"] in nodes}
                self.seen(nid for p in moved for nid in self._beneath(p))   # (its children's)

    def _may_match(self, changed: Any) -> bool:
        """Whether an attribute change may make a rule left match: an attribute its selectors
        read - a class or id named by `.x` or `#x` only when given (a live table's class swaps
        cost nothing then), any class or id when a rule reads it as a value (`[class*=x]`) or
        may match where one was taken away (`:not(.x)`)."""
        if not isinstance(changed, dict):
            return False
        index = self._index(False)
        for k, v in changed.items():
            if k not in index.attr_names:
                continue
            if k == "class" and not self.any_class:
                if isinstance(v, str) and any(fold(c) in self.classes for c in v.split()):
                    return True
            elif k == "id" and not self.any_id:
                if isinstance(v, str) and fold(v) in self.ids:
                    return True
            else:
                return True
        return False

    def _around(self, nid: Any, siblings: bool) -> Iterator[Any]:
        """A node and every node beneath it - and, `siblings`, the siblings after it and
        theirs (a rule's `+`, `~` or `:nth-child` may match there once it changed)."""
        yield from self._beneath(nid)
        nodes = self.m.mirror.nodes
        n = nodes.get(nid) if siblings and type(nid) is int else None
        p = nodes.get(n.parent) if n is not None and n.parent is not None else None
        if p is not None:
            kids = p.children
            for sib in kids[kids.index(nid) + 1:] if nid in kids else ():
                yield from self._beneath(sib)

    def _beneath(self, nid: Any) -> Iterator[Any]:
        """A node's id and those of every node beneath it (a rule's descendant combinator may
        match there once its attributes changed)."""
        return (n.id for n in self.m.mirror.walk(nid)) if type(nid) is int else iter(())

    def seen(self, ids: Iterable[Any]) -> None:
        nodes = self.m.mirror.nodes
        levels = self.m.levels
        for nid in ids:
            n = nodes.get(nid) if type(nid) is int else None
            if n is None or n.type != NodeType.Element:
                continue
            hits = self._index(levels.quirks and levels.in_quirks_document(n)).matching(n, nodes)
            if hits:
                for key in hits:
                    self.left.pop(key, None)
                    self.result.rules_matched[key[0]] = True
                    if key in self.result.members_matched:
                        self.result.members_matched[key] = True
                self.index.clear()
                if not self.left:
                    return


def dry_run(events: Iterable[Raw], rules: Rules | None, session_id: str = "", *,
            again: Callable[[], Iterable[Raw]] | None = None) -> DryRun:
    """What `SessionMasker(rules)` would change in these events (a session, in order).

    `again`: the same events once more, from the start (a stored session read again). The
    second pass (echoes of values typed later, in events the first pass kept) then reads
    them from there, only when some value was learnt, instead of every kept event being held
    until the end: the 4-hour, 1,000,000-event session's dry run peaked at 1.67 GB so."""
    masker = SessionMasker(rules)
    result = DryRun(session_id)
    count = _Counter(masker, result)
    matches = _Matches(masker, result)
    unchanged: list[Raw] = []   # kept as they are by the first pass: the second may change them
    kept = bytearray()          # ... with `again`: only whether each one was (1) or not (0)
    for e in events:
        result.events += 1
        m = masker.mask_event(e)
        matches.event(e)
        if m is not e:
            before = sum(result.changes.values())
            count.event(e, m)
            if sum(result.changes.values()) == before and m != e:
                result.changes[(MARKED, Kind.ELEMENT)] += 1   # as `remask` compares events
            result.events_changed += sum(result.changes.values()) > before
            if again is not None:
                kept.append(0)
        elif again is None:
            unchanged.append(e)
        else:
            kept.append(1)
    if masker.echoes:   # `mask_session`'s second pass: echoes from before the typing,
        # of what the fields ended with (`finals`: not a URL parameter's short value, which
        # is masked only after it was chosen - a reviewer's find: counted here, not masked)
        finals = masker.echoes.finals()
        second = unchanged if again is None else \
            (e for e, k in zip(again(), kept) if k)
        for e in second:
            if finals.scrub_event(e) is not e:
                result.changes[(ECHOES, Kind.OTHER)] += 1
                result.events_changed += 1
    return result
