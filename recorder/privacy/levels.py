"""THE privacy precedence: which level applies to a node. Everything that decides a node's
level lives here (like Datadog's privacy.ts), so the recorder's pass, the preview and -
later - the capture script cannot disagree.

Precedence, from strongest:
1. Beneath a `hidden` element nothing is recorded, whatever the descendants say.
2. A node's own explicit level: markup (`data-replay-privacy="LEVEL"`, class
   `replay-privacy-LEVEL`, Datadog's `data-dd-privacy` / `dd-privacy-LEVEL`, rrweb's
   `rr-block` = hidden and `rr-mask` = mask) and the rules file's selector rules. When
   several explicit claims meet on one node the strictest wins, so neither a page author
   nor a broad selector can loosen what the other tightened on that node.
3. Otherwise the parent's level (inherited); at the top, the rules file's default.
4. What the level masks of a node's text depends on whether the text is user input: text
   inside editable content - an element whose `contenteditable` is present and not
   "false", inherited by its descendants until one says `contenteditable="false"` (the
   nearest claim wins; an iframe's document does not inherit it: `in_editable`) - is what
   a person typed, as a field's value is. At `mask-user-input` and stricter it is masked
   as an input value is (`***`, not page text's `x`es) and learnt as a typed value, so its
   echoes elsewhere are masked too (echoes.py); at `allow` it is kept. However rrweb's
   recorder (PostHog, Sentry) records the typing - as text changes and added nodes under
   the editable element - or capture.js (as input events), the outcome is the same. Levels
   1-3 decide the level first: an editable region beneath a hidden element is not recorded,
   an explicit `allow` inside one keeps its text.

Independently of levels, password, email, tel, hidden and `autocomplete="cc-*"` inputs have
their values masked at every level (see `always_masked`), and rrweb's `rr-ignore` class
means the element's input events are not recorded at all.

A selector rule matches an element as a browser's `element.matches()` does in capture.js - in
a quirks-mode document (`compatMode` QUIRKS_MODE), #id and .class in either case
(`PrivacyLevels.quirks`).
"""
from __future__ import annotations

import enum
import re
from typing import TYPE_CHECKING

from ..format import QUIRKS_MODE, NodeType
from ..mirror import Mirror, Node, field
from .selectors import SelectorIndex, compile_selector, fold

if TYPE_CHECKING:  # pragma: no cover
    from .rules import Rules

ELEMENT = int(NodeType.Element)
DOCUMENT = int(NodeType.Document)


# an attribute selector on class or id, as a rule's selector text holds it (`[class~=x]`,
# `[ID^=pay]`: HTML attribute names in any case)
READS_CLASS = re.compile(r"\[\s*(?:[\w*-]*\|)?class\s*[\]~|^$*=]", re.I)
READS_ID = re.compile(r"\[\s*(?:[\w*-]*\|)?id\s*[\]~|^$*=]", re.I)


class Level(enum.IntEnum):
    """Ordered by strictness, so `max()` picks the stricter of two levels."""
    ALLOW = 0
    MASK_USER_INPUT = 1
    MASK = 2
    HIDDEN = 3

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def parse(cls, name: str) -> "Level":
        try:
            return _BY_NAME[name.strip().lower()]
        except (KeyError, AttributeError):
            raise ValueError(f"unknown privacy level {name!r} (use one of "
                             f"{', '.join(_BY_NAME)})") from None


# The levels the hot paths compare with, as module constants: in Python 3.11 a member read
# from the class (`Level.MASK`) goes through the enum metaclass's `__getattr__` hook, ten
# times a global's cost - compiled, more than the rest of `masking.text_as_recorded`, which
# a live page's every added text calls.
MASK_USER_INPUT_LEVEL = Level.MASK_USER_INPUT
MASK_LEVEL = Level.MASK
HIDDEN_LEVEL = Level.HIDDEN
_LABELS = {Level.ALLOW: "allow", Level.MASK_USER_INPUT: "mask-user-input",
           Level.MASK: "mask", Level.HIDDEN: "hidden"}
_BY_NAME = {v: k for k, v in _LABELS.items()}

# Markup attributes carrying a level; they are markers, never masked themselves.
LEVEL_ATTRS = ("data-replay-privacy", "data-dd-privacy")
_CLASS_LEVELS = {"rr-block": Level.HIDDEN, "rr-mask": Level.MASK}
for _prefix in ("replay-privacy-", "dd-privacy-"):
    for _name, _lvl in _BY_NAME.items():
        _CLASS_LEVELS[_prefix + _name] = _lvl
IGNORE_CLASS = "rr-ignore"
MARKER_CLASSES = frozenset(_CLASS_LEVELS) | {IGNORE_CLASS}
# The attribute that makes an element's content user input (precedence, item 4).
EDITABLE_ATTR = "contenteditable"
# Attributes whose change can change a node's level or input classification.
PRIVACY_ATTRS = frozenset({"class", EDITABLE_ATTR, *LEVEL_ATTRS})

ALWAYS_MASKED_TYPES = frozenset({"password", "email", "tel", "hidden"})
FORM_TAGS = frozenset({"input", "textarea", "select", "option"})
BUTTON_TYPES = frozenset({"button", "submit", "reset", "image"})


def markup_level(attrs: dict) -> Level | None:
    """The level the element's own markup asks for, if any (strictest of its markers)."""
    found: Level | None = None
    for a in LEVEL_ATTRS:
        v = attrs.get(a)
        if v is not None:
            try:
                lvl = Level.parse(str(v))
            except ValueError:
                lvl = Level.MASK  # a marker we cannot read: assume the page wanted privacy
            found = lvl if found is None else max(found, lvl)
    cls = attrs.get("class")
    if isinstance(cls, str) and ("privacy" in cls or "rr-" in cls):
        for token in cls.split():
            lvl = _CLASS_LEVELS.get(token)
            if lvl is not None:
                found = lvl if found is None else max(found, lvl)
    return found


def editable_claim(attrs: dict) -> bool | None:
    """The element's own `contenteditable` claim: True (present and not "false": "",
    "true", "plaintext-only", any other value), False ("false"), None (absent: its parent's
    editability, inherited)."""
    v = attrs.get(EDITABLE_ATTR)
    if v is None:
        return None
    return not (isinstance(v, str) and v.strip().lower() == "false")


def is_ignored(attrs: dict) -> bool:
    """rrweb's `rr-ignore`: the element's input events are not recorded."""
    cls = attrs.get("class")
    return isinstance(cls, str) and IGNORE_CLASS in cls.split()


def always_masked(tag: str | None, attrs: dict) -> bool:
    """Inputs whose value is masked at every level, even `allow`."""
    if tag not in ("input", "textarea", "select"):
        return False
    ac = attrs.get("autocomplete")
    if isinstance(ac, str) and "cc-" in ac.lower():
        return True
    if tag == "input":
        t = attrs.get("type")
        return isinstance(t, str) and t.lower() in ALWAYS_MASKED_TYPES
    return False


def note_type_changes(nodes: dict, attributes, was: set) -> None:
    """Before a mutation's attribute changes apply: each input masked at every level whose
    type (or autocomplete) changes goes into `was` - a "show password" button makes the
    field a text field, which stays as masked (the recorder's pass and the audit alike)."""
    for a in attributes:
        at = field(a, "attributes")
        if isinstance(at, dict) and ("type" in at or "autocomplete" in at):
            n = nodes.get(field(a, "id"))
            if n is not None and always_masked(n.tag, n.attrs):
                was.add(n.id)


def input_type(tag: str | None, attrs: dict) -> str:
    if tag != "input":
        return tag or ""
    t = attrs.get("type")
    return t.lower() if isinstance(t, str) else "text"


def value_masked(level: Level, tag: str | None, attrs: dict) -> bool:
    """Is this form control's value masked at `level`? Button-like inputs carry a label,
    not user input, so only `mask` and stricter hide them."""
    if always_masked(tag, attrs):
        return True
    if tag == "input" and input_type(tag, attrs) in BUTTON_TYPES:
        return level >= MASK_LEVEL
    return level >= MASK_USER_INPUT_LEVEL


class PrivacyLevels:
    """Computes (and caches on `Node.mark`, with `Node.mark_gen`) the level of mirror nodes
    under one rules set.

    The cache is keyed by a generation number; `invalidate()` is called when an attribute
    the rules look at changes, or - only if some selector depends on siblings - when nodes
    are added or removed. New nodes (adds, moves, snapshots) are new Node objects and have
    no cached level, so ordinary mutations never invalidate anything."""

    def __init__(self, rules: "Rules", mirror: Mirror):
        self.mirror = mirror
        self.rules = rules
        self.default = rules.default_level
        self.index = SelectorIndex()
        for rule in rules.rules:
            for sel in compile_selector(rule.selector):
                self.index.add(sel, rule.level)
        self.watched_attrs = frozenset(PRIVACY_ATTRS | self.index.attr_names)
        # a rule reading the class or id attribute as a value (`[class*=card]`, `[id^=pay]`):
        # any change of it may change a match - not only one of a class or id a rule names
        # (`.card`, `#pay`), which is all `classes` and `ids` know (a reviewer's find: a
        # paragraph given class="card-number" kept the level it had, its text in clear)
        self.reads_class = any(READS_CLASS.search(r.selector) for r in rules.rules)
        self.reads_id = any(READS_ID.search(r.selector) for r in rules.rules)
        self.classes = frozenset(MARKER_CLASSES | self.index.classes)
        # a class in `a ^ b` below is a substring of the old or the new value: searched in
        # C first, so a live page's class swaps (`up` <-> `down`) cost no sets
        self._class_hint = re.compile("|".join(map(re.escape, sorted(self.classes)))).search \
            if self.classes else None
        self.ids = frozenset(self.index.ids)
        self.structural = self.index.structural
        self.uses_empty = self.index.uses_empty
        # whether a quirks-mode document was met (`level_of` walks through every new
        # document's node before any element of it): from then on an element's document is
        # looked for, and one of a quirks-mode document matches `quirks_index` (#id and .class
        # in either case), its class and id changes compared folded
        self.quirks = False
        self.quirks_index: SelectorIndex | None = None
        self.gen = 0
        # whether an element with a `contenteditable` attribute was ever met by `level_of`
        # (every element a pass masks text under is): until then no text is in editable
        # content, and `in_editable` walks nothing
        self.editables = False

    def invalidate(self) -> None:
        """Forget every cached level."""
        self.gen += 1

    def invalidate_subtree(self, nid: int) -> None:
        """Forget the cached levels of a node and everything beneath it (all a change of
        its attributes can affect when no selector looks at siblings).

        Valid marks are closed upwards - `level_of` marks a node's whole chain up to an
        already valid ancestor - so a node without a valid mark has none beneath it, and
        the walk stops there: its cost is what was looked up since the last change."""
        nodes = self.mirror.nodes
        gen = self.gen
        n = nodes.get(nid)
        if n is None or n.mark_gen != gen:
            return
        stack = [n]
        while stack:
            x = stack.pop()
            x.mark, x.mark_gen = None, -1
            for c in x.children:
                y = nodes.get(c)
                if y is not None and y.mark_gen == gen:
                    stack.append(y)

    def changes_level(self, n: Node, new_attrs: dict) -> bool:
        """Can this attribute change alter any level? Only markers, and what the rules'
        selectors mention: a class swap between classes no rule names changes nothing."""
        if self.quirks and ("class" in new_attrs or "id" in new_attrs) \
                and self.in_quirks_document(n):   # (a standards page beside one: exact)
            return self._changes_level_folded(n, new_attrs)
        for k, v in new_attrs.items():
            if k == "class":
                if self.reads_class:
                    return True
                old = n.attrs.get("class")
                hint = self._class_hint
                if hint is None or not ((isinstance(old, str) and hint(old))
                                        or (isinstance(v, str) and hint(v))):
                    continue
                a = set(old.split()) if isinstance(old, str) else set()
                b = set(v.split()) if isinstance(v, str) else set()
                if not self.classes.isdisjoint(a ^ b):
                    return True
            elif k == "id":
                if self.reads_id or n.attrs.get("id") in self.ids or v in self.ids:
                    return True
            elif k in self.watched_attrs:
                return True
        return False

    def _changes_level_folded(self, n: Node, new_attrs: dict) -> bool:
        """`changes_level` of an element of a quirks-mode document: a class or id a rule or
        a marker names, in either case, given or taken (a change of case alone changes no
        match there - and does on a standards page, which the exact test serves)."""
        for k, v in new_attrs.items():
            if (k == "class" and self.reads_class) or (k == "id" and self.reads_id):
                return True
            if k == "class" or k == "id":
                old = n.attrs.get(k)
                a = set(fold(old).split()) if isinstance(old, str) else set()
                b = set(fold(v).split()) if isinstance(v, str) else set()
                changed = a ^ b
                if changed:
                    for c in (self.classes if k == "class" else self.ids):
                        if fold(c) in changed:
                            return True
            elif k in self.watched_attrs:
                return True
        return False

    def in_quirks_document(self, n: Node) -> bool:
        """Whether `n` is in a quirks-mode document (its nearest document's `compatMode`)."""
        if not self.quirks:
            return False
        nodes = self.mirror.nodes
        x: Node | None = n
        while x is not None and x.type != DOCUMENT:
            x = nodes.get(x.parent) if x.parent is not None else None
        return x is not None and _quirks_mode(x)

    def explicit(self, n: Node) -> Level | None:
        lvl = markup_level(n.attrs) if n.attrs else None
        if self.index.count:
            index = self.index
            if self.quirks and self.in_quirks_document(n):
                index = self.quirks_index
            for r in index.matching(n, self.mirror.nodes):
                lvl = r if lvl is None else max(lvl, r)
        return lvl

    def _met_quirks(self) -> None:
        """A quirks-mode document is in the page: its elements' rules, compiled folded."""
        self.quirks = True
        index = SelectorIndex(quirks=True)
        for rule in self.rules.rules:
            for sel in compile_selector(rule.selector, quirks=True):
                index.add(sel, rule.level)
        self.quirks_index = index   # (no element of it has a level yet: walked through it)

    def level_of(self, n: Node) -> Level:
        """The node's effective level. For a text node: its parent's. `HIDDEN` on an element
        means "record a placeholder"; on anything beneath a hidden element see
        `beneath_hidden`."""
        gen = self.gen
        if n.mark_gen == gen:
            return n.mark
        nodes = self.mirror.nodes
        chain = []
        x: Node | None = n
        base = self.default
        while x is not None:
            if x.mark_gen == gen:
                base = x.mark
                break
            chain.append(x)
            x = nodes.get(x.parent) if x.parent is not None else None
        for x in reversed(chain):
            if x.type == ELEMENT:
                if base != HIDDEN_LEVEL:
                    e = self.explicit(x)
                    if e is not None:
                        base = e
                    if not self.editables and EDITABLE_ATTR in x.attrs:
                        self.editables = True
            elif x.type == DOCUMENT and not self.quirks and _quirks_mode(x):
                self._met_quirks()
            x.mark, x.mark_gen = base, gen
        return base

    def in_editable(self, n: Node) -> bool:
        """Whether `n` (an element, or a text node: its parent's) is in editable content
        (precedence, item 4): the nearest of it and its ancestors with a `contenteditable`
        claim says so; none within its document: not. Call it after `level_of` of `n` (the
        pass always has: it learns there whether the page has such an element at all)."""
        if not self.editables:
            return False
        nodes = self.mirror.nodes
        x: Node | None = n if n.type == ELEMENT else \
            nodes.get(n.parent) if n.parent is not None else None
        while x is not None and x.type == ELEMENT:
            if x.attrs:
                claim = editable_claim(x.attrs)
                if claim is not None:
                    return claim
            x = nodes.get(x.parent) if x.parent is not None else None
        return False

    def decided_by(self, n: Node) -> str:
        """Which claim gave the node its level, in words (`mask --dry-run` counts changes per
        claim). Follows `level_of`: from the top down, each explicit claim replaces the
        inherited level, until a hidden one, beneath which nothing counts."""
        nodes = self.mirror.nodes
        x: Node | None = n if n.type == ELEMENT else nodes.get(n.parent) \
            if n.parent is not None else None
        chain = []
        while x is not None:
            chain.append(x)
            x = nodes.get(x.parent) if x.parent is not None else None
        deciding = None
        for x in reversed(chain):
            if x.type == ELEMENT:
                e = self.explicit(x)
                if e is not None:
                    deciding = (x, e)
                    if e == Level.HIDDEN:
                        break
        if deciding is None:
            return f"default level {self.default.label}"
        x, lvl = deciding
        if markup_level(x.attrs) == lvl:
            for a in LEVEL_ATTRS:
                if a in x.attrs:
                    return f'markup {a}="{x.attrs[a]}" -> {lvl.label}'
            cls = str(x.attrs.get("class") or "").split()
            return f'markup class "{next((c for c in cls if _CLASS_LEVELS.get(c) == lvl), "")}"' \
                f" -> {lvl.label}"
        for rule in self.rules.rules:   # the strictest matching rule is the one that counts
            if rule.level == lvl and any(sel.match(x, nodes) for sel in compile_selector(
                    rule.selector, quirks=self.in_quirks_document(x))):
                return rule.said
        return f"explicit level {lvl.label}"  # pragma: no cover - one of the above matched

    def beneath_hidden(self, n: Node) -> bool:
        """True when an ancestor element is hidden: the node is not recorded at all."""
        if n.parent is None:
            return False
        p = self.mirror.nodes.get(n.parent)
        if p is None or (p.type != ELEMENT and p.parent is None):
            return False  # the top document is never hidden; an iframe's document may be
        if p.mark_gen == self.gen:   # `level_of`'s cache, read here first: this runs for
            return p.mark == HIDDEN_LEVEL  # every remove
        return self.level_of(p) == HIDDEN_LEVEL  # inherited: hidden or beneath hidden

    def recorded(self, n: Node) -> bool:
        """Whether the node exists in the masked recording (as itself or a placeholder)."""
        return not self.beneath_hidden(n)


def _quirks_mode(doc: Node) -> bool:
    """Whether a document node is in quirks mode (its recorded `compatMode`)."""
    return doc.extra is not None and doc.extra.get("compatMode") == QUIRKS_MODE
