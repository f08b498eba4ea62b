"""CSS selectors matched directly against the mirror DOM's nodes.

Selectors are parsed once by cssselect and compiled into small closures that walk
`recorder.mirror.Node` parent/child links, so the privacy pass never builds an lxml tree
per event. Like a browser's rule index, every compiled selector is filed under the key of
its rightmost compound (#id, .class or tag), so a node is only tested against the rules
that could possibly match it.

Supported: type and universal selectors, #id, .class, [attr], [attr=v] ~= |= ^= $= *= !=,
with the `i` flag (`[title^="jane" i]`) and, without it, the value compared as a browser
compares it on an HTML element: ASCII case-insensitively for the attributes HTML lists
(`[type=password]` matches `type="Password"`), exactly for the others (the `s` flag, which no
browser takes, is refused: capture.js could not apply the rule);
:not(), :is()/:where(), :first-child, :last-child, :only-child, :empty, :root,
:first-of-type, :last-of-type, :nth-child(), :nth-last-child(), and the combinators
descendant, `>`, `+`, `~`. Anything else (pseudo-elements, :hover, ...) is rejected with
a SelectorError naming the selector: a privacy rule that silently matches nothing would be
worse than no rule.

In a quirks-mode document (no doctype: rrweb records its `compatMode` "BackCompat", as
capture.js does) a browser compares #id and .class ASCII case-insensitively (Selectors 4,
"case-sensitivity"; `.pii` matches `class="PII"` there): `compile_selector(text, quirks=True)`
and `SelectorIndex(quirks=True)` do too, so the pass masks what capture.js's
`element.matches()` masks on such a page.
"""
from __future__ import annotations

from typing import Callable

import cssselect
from cssselect import parser as P

from ..format import NodeType
from ..mirror import Node

ELEMENT = int(NodeType.Element)
Nodes = dict[int, Node]
Match = Callable[[Node, Nodes], bool]


class SelectorError(ValueError):
    pass


# HTML's attributes whose values an attribute selector without a flag compares ASCII
# case-insensitively on HTML elements (the HTML standard, "Selectors": case-sensitivity) -
# what `element.matches()` does in capture.js, so the two passes select the same nodes
_ANY_CASE = frozenset("""accept accept-charset align alink axis bgcolor charset checked clear
    codetype color compact declare defer dir direction disabled enctype face frame hreflang
    http-equiv lang language link media method multiple nohref noresize noshade nowrap readonly
    rel rev rules scope scrolling selected shape target text type valign valuetype vlink""".split())
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class CompiledSelector:
    __slots__ = ("text", "match", "key", "attr_names", "structural", "classes", "ids",
                 "uses_empty")

    def __init__(self, text: str, match: Match, key: tuple[str, str | None],
                 attr_names: frozenset[str], structural: bool, classes: frozenset[str] = frozenset(),
                 ids: frozenset[str] = frozenset(), uses_empty: bool = False):
        self.text = text
        self.match = match
        self.key = key                # ("id"|"class"|"tag"|"*", value) of the rightmost compound
        self.attr_names = attr_names  # attributes whose change can change the match
        self.structural = structural  # depends on siblings: adds/removes can change the match
        self.classes = classes        # class names it mentions (other class changes: no effect)
        self.ids = ids
        self.uses_empty = uses_empty  # :empty - text changes can change the match

    def __repr__(self) -> str:  # pragma: no cover
        return f"<CompiledSelector {self.text!r}>"


def fold(v: str) -> str:
    """`v` ASCII-lower-cased: how a quirks-mode document compares ids and classes."""
    return v.translate(_ASCII_LOWER)


def members(text: str) -> tuple[str, ...]:
    """The members of a selector list (`#a, #b`), each written as cssselect writes it (so
    `#a,#b` and `#a, #b` have the same); the text itself when it does not parse."""
    try:
        return tuple(sel.canonical() for sel in cssselect.parse(text)) or (text,)
    except cssselect.SelectorError:
        return (text,)


def compile_selector(text: str, quirks: bool = False) -> list[CompiledSelector]:
    """One compiled selector per member of a selector list (`a, b`); `quirks`: for the
    elements of a quirks-mode document (#id and .class in either case), its key, classes
    and ids folded (`fold`)."""
    try:
        parsed = cssselect.parse(text)
    except cssselect.SelectorError as exc:
        raise SelectorError(f"cannot parse selector {text!r}: {exc}") from None
    if not parsed:
        raise SelectorError(f"empty selector {text!r}")
    out = []
    for sel in parsed:
        if sel.pseudo_element is not None:
            raise SelectorError(f"selector {text!r}: pseudo-elements (::{sel.pseudo_element}) "
                                "select no node")
        c = _Compiler(text, quirks)
        match = c.compile(sel.parsed_tree)
        kind, val = _key(sel.parsed_tree)
        key = (kind, fold(val)) if quirks and kind in ("id", "class") and val else (kind, val)
        out.append(CompiledSelector(text, match, key, frozenset(c.attrs),
                                    c.structural, frozenset(c.classes), frozenset(c.ids),
                                    c.uses_empty))
    return out


def _key(tree) -> tuple[str, str | None]:
    """The most selective simple selector of the rightmost compound."""
    if isinstance(tree, P.CombinedSelector):
        return _key(tree.subselector)
    best: tuple[str, str | None] = ("*", None)
    node = tree
    while node is not None:
        if isinstance(node, P.Hash):
            return ("id", node.id)
        if isinstance(node, P.Class) and best[0] in ("*", "tag"):
            best = ("class", node.class_name)
        elif isinstance(node, P.Element):
            if node.element not in (None, "*") and best[0] == "*":
                best = ("tag", node.element.lower())
            break
        node = getattr(node, "selector", None)
    return best


def _value_test(op: str, want: str) -> Callable[[str], bool] | None:
    """An attribute selector's test of a value (None: an operator we do not know)."""
    return {
        "=": lambda v: v == want,
        "!=": lambda v: v != want,
        "~=": lambda v: want in v.split(),
        "|=": lambda v: v == want or v.startswith(want + "-"),
        "^=": lambda v: bool(want) and v.startswith(want),
        "$=": lambda v: bool(want) and v.endswith(want),
        "*=": lambda v: bool(want) and want in v,
    }.get(op)


def _html_in_svg(n: Node, nodes: Nodes) -> bool:
    """An element recorded as SVG (capture.js and rrweb mark all under <svg>) that is HTML: a
    <foreignObject> is nearer above it than the <svg>."""
    p = nodes.get(n.parent) if n.parent is not None else None
    while p is not None:
        tag = (p.tag or "").lower()
        if tag == "foreignobject":
            return True
        if tag == "svg":
            return False
        p = nodes.get(p.parent) if p.parent is not None else None
    return False


def _classes(n: Node) -> list[str]:
    c = n.attrs.get("class")
    return c.split() if isinstance(c, str) else []


def _folded_classes(n: Node) -> list[str]:
    c = n.attrs.get("class")
    return fold(c).split() if isinstance(c, str) else []


def _folded_id(n: Node) -> str | None:
    i = n.attrs.get("id")
    return fold(i) if isinstance(i, str) else i


def _parent_el(n: Node, nodes: Nodes) -> Node | None:
    if n.parent is None:
        return None
    p = nodes.get(n.parent)
    return p if p is not None and p.type == ELEMENT else None


def _siblings(n: Node, nodes: Nodes) -> list[Node]:
    """Element siblings including n itself, in document order."""
    p = nodes.get(n.parent) if n.parent is not None else None
    if p is None:
        return [n]
    out = []
    for cid in p.children:
        c = nodes.get(cid)
        if c is not None and c.type == ELEMENT:
            out.append(c)
    return out


def _first_el(n: Node, nodes: Nodes, kids_order) -> Node | None:
    p = nodes.get(n.parent) if n.parent is not None else None
    if p is None:
        return n
    for cid in kids_order(p.children):
        c = nodes.get(cid)
        if c is not None and c.type == ELEMENT:
            return c
    return None


def _is_first(n: Node, nodes: Nodes) -> bool:
    return _first_el(n, nodes, iter) is n


def _is_last(n: Node, nodes: Nodes) -> bool:
    return _first_el(n, nodes, reversed) is n


def _previous_els(n: Node, nodes: Nodes):
    """Element siblings before n, nearest first (no list of all siblings is built)."""
    p = nodes.get(n.parent) if n.parent is not None else None
    if p is None:
        return
    kids = p.children
    try:
        i = kids.index(n.id)
    except ValueError:
        return
    while i > 0:
        i -= 1
        c = nodes.get(kids[i])
        if c is not None and c.type == ELEMENT:
            yield c


def _nth(a: int, b: int, pos: int) -> bool:
    """Is 1-based `pos` of the form a*n+b for some n >= 0?"""
    if a == 0:
        return pos == b
    n, r = divmod(pos - b, a)
    return r == 0 and n >= 0


class _Compiler:
    def __init__(self, text: str, quirks: bool = False):
        self.text = text
        self.quirks = quirks
        self.attrs: set[str] = set()
        self.classes: set[str] = set()
        self.ids: set[str] = set()
        self.structural = False
        self.uses_empty = False

    def fail(self, what: str) -> SelectorError:
        return SelectorError(f"selector {self.text!r}: {what} is not supported in privacy rules")

    def compile(self, t) -> Match:
        if isinstance(t, P.Element):
            tag = t.element
            if tag in (None, "*"):
                return lambda n, nodes: n.type == ELEMENT
            tag = tag.lower()
            return lambda n, nodes: n.type == ELEMENT and n.tag == tag
        if isinstance(t, P.Hash):
            sub, ident = self.compile(t.selector), t.id
            self.attrs.add("id")
            if self.quirks:
                ident = fold(ident)
                self.ids.add(ident)
                return lambda n, nodes: _folded_id(n) == ident and sub(n, nodes)
            self.ids.add(ident)
            return lambda n, nodes: n.attrs.get("id") == ident and sub(n, nodes)
        if isinstance(t, P.Class):
            sub, cls = self.compile(t.selector), t.class_name
            self.attrs.add("class")
            if self.quirks:
                cls = fold(cls)
                self.classes.add(cls)
                return lambda n, nodes: cls in _folded_classes(n) and sub(n, nodes)
            self.classes.add(cls)
            return lambda n, nodes: cls in _classes(n) and sub(n, nodes)
        if isinstance(t, P.Attrib):
            return self._attrib(t)
        if isinstance(t, P.Negation):
            sub, neg = self.compile(t.selector), self.compile(t.subselector)
            return lambda n, nodes: sub(n, nodes) and not neg(n, nodes)
        if isinstance(t, (P.Matching, P.SpecificityAdjustment)):
            sub = self.compile(t.selector)
            alts = [self.compile(s) for s in t.selector_list]
            return lambda n, nodes: sub(n, nodes) and any(m(n, nodes) for m in alts)
        if isinstance(t, P.Pseudo):
            return self._pseudo(t)
        if isinstance(t, P.Function):
            return self._function(t)
        if isinstance(t, P.CombinedSelector):
            return self._combined(t)
        raise self.fail(type(t).__name__)

    def _attrib(self, t) -> Match:
        sub = self.compile(t.selector)
        name = t.attrib.lower()
        self.attrs.add(name)
        op = t.operator
        if op == "exists":
            return lambda n, nodes: name in n.attrs and sub(n, nodes)
        want = t.value.value if hasattr(t.value, "value") else str(t.value)
        flag = (t.flag or "").lower() or None
        if flag == "s":   # (CSS Selectors 4; no browser takes it: capture.js could not apply it)
            raise SelectorError(f"selector {self.text!r}: the s flag is not supported by"
                                " browsers - leave it out (a value is compared exactly without"
                                " a flag, but for the attributes HTML compares in either case)")
        if flag not in (None, "i"):
            raise self.fail(f"attribute flag {t.flag}")
        exact = _value_test(op, want)
        if exact is None:
            raise self.fail(f"attribute operator {op}")
        # "i": either case (ASCII); none: as the HTML standard says of `name` - either case
        # on an HTML element for the attributes it lists (an SVG element's exact)
        any_case = flag == "i"
        html_case = flag is None and name in _ANY_CASE
        folded = _value_test(op, want.translate(_ASCII_LOWER)) if any_case or html_case else None

        def m(n: Node, nodes: Nodes) -> bool:
            v = n.attrs.get(name)
            if v is None:
                return op == "!=" and sub(n, nodes)
            v = v if isinstance(v, str) else str(v)
            if folded is not None and (any_case or not n.svg or _html_in_svg(n, nodes)):
                return folded(v.translate(_ASCII_LOWER)) and sub(n, nodes)
            return exact(v) and sub(n, nodes)
        return m

    def _pseudo(self, t) -> Match:
        sub = self.compile(t.selector)
        ident = t.ident.lower()
        if ident == "root":
            return lambda n, nodes: sub(n, nodes) and n.type == ELEMENT and _parent_el(n, nodes) is None
        if ident == "empty":
            self.structural = True
            self.uses_empty = True
            return lambda n, nodes: sub(n, nodes) and not any(
                (c := nodes.get(cid)) is not None and (c.type == ELEMENT or c.text)
                for cid in n.children)
        self.structural = True
        if ident == "first-child":
            return lambda n, nodes: sub(n, nodes) and _is_first(n, nodes)
        if ident == "last-child":
            return lambda n, nodes: sub(n, nodes) and _is_last(n, nodes)
        if ident == "only-child":
            return lambda n, nodes: sub(n, nodes) and _is_first(n, nodes) and _is_last(n, nodes)
        if ident == "first-of-type":
            return lambda n, nodes: sub(n, nodes) and next(
                s for s in _siblings(n, nodes) if s.tag == n.tag) is n
        if ident == "last-of-type":
            return lambda n, nodes: sub(n, nodes) and [
                s for s in _siblings(n, nodes) if s.tag == n.tag][-1] is n
        raise self.fail(f":{ident}")

    def _function(self, t) -> Match:
        sub = self.compile(t.selector)
        name = t.name.lower()
        if name not in ("nth-child", "nth-last-child", "nth-of-type", "nth-last-of-type"):
            raise self.fail(f":{name}()")
        try:
            a, b = P.parse_series(t.arguments)
        except (ValueError, TypeError):
            raise SelectorError(f"selector {self.text!r}: bad argument to :{name}()") from None
        self.structural = True
        of_type = name.endswith("of-type")
        last = "last" in name

        def m(n: Node, nodes: Nodes) -> bool:
            if not sub(n, nodes):
                return False
            sibs = _siblings(n, nodes)
            if of_type:
                sibs = [s for s in sibs if s.tag == n.tag]
            if last:
                sibs = sibs[::-1]
            return _nth(a, b, sibs.index(n) + 1)
        return m

    def _combined(self, t) -> Match:
        left = self.compile(t.selector)
        right = self.compile(t.subselector)
        comb = t.combinator
        if comb == " ":
            def m(n: Node, nodes: Nodes) -> bool:
                if not right(n, nodes):
                    return False
                p = _parent_el(n, nodes)
                while p is not None:
                    if left(p, nodes):
                        return True
                    p = _parent_el(p, nodes)
                return False
            return m
        if comb == ">":
            def m(n: Node, nodes: Nodes) -> bool:
                if not right(n, nodes):
                    return False
                p = _parent_el(n, nodes)
                return p is not None and left(p, nodes)
            return m
        if comb in ("+", "~"):
            self.structural = True
            adjacent = comb == "+"

            def m(n: Node, nodes: Nodes) -> bool:
                if not right(n, nodes):
                    return False
                if adjacent:
                    prev = next(_previous_els(n, nodes), None)
                    return prev is not None and left(prev, nodes)
                return any(left(s, nodes) for s in _previous_els(n, nodes))
            return m
        raise self.fail(f"combinator {comb!r}")


class SelectorIndex:
    """Selectors filed by rightmost key; `matching(node)` yields the payloads of every
    selector that matches the node. `quirks`: of selectors compiled for a quirks-mode
    document (`compile_selector(..., quirks=True)`), a node's id and classes looked up
    folded."""

    def __init__(self, quirks: bool = False) -> None:
        self.quirks = quirks
        self.by_id: dict[str, list] = {}
        self.by_class: dict[str, list] = {}
        self.by_tag: dict[str, list] = {}
        self.universal: list = []
        self.attr_names: set[str] = set()
        self.classes: set[str] = set()
        self.ids: set[str] = set()
        self.structural = False
        self.uses_empty = False
        self.count = 0

    def add(self, sel: CompiledSelector, payload) -> None:
        kind, val = sel.key
        entry = (sel, payload)
        if kind == "id":
            self.by_id.setdefault(val, []).append(entry)
        elif kind == "class":
            self.by_class.setdefault(val, []).append(entry)
        elif kind == "tag":
            self.by_tag.setdefault(val, []).append(entry)
        else:
            self.universal.append(entry)
        self.attr_names |= sel.attr_names
        self.classes |= sel.classes
        self.ids |= sel.ids
        self.structural = self.structural or sel.structural
        self.uses_empty = self.uses_empty or sel.uses_empty
        self.count += 1

    def matching(self, n: Node, nodes: Nodes) -> list:
        found = []
        attrs = n.attrs
        cands = self.by_tag.get(n.tag)
        if cands:
            found.extend(p for s, p in cands if s.match(n, nodes))
        if self.by_id:
            i = attrs.get("id")
            if i is not None and self.quirks:
                i = _folded_id(n)
            if i is not None:
                cands = self.by_id.get(i)
                if cands:
                    found.extend(p for s, p in cands if s.match(n, nodes))
        if self.by_class:
            c = attrs.get("class")
            if isinstance(c, str) and c:
                for cls in (fold(c) if self.quirks else c).split():
                    cands = self.by_class.get(cls)
                    if cands:
                        found.extend(p for s, p in cands if s.match(n, nodes))
        if self.universal:
            found.extend(p for s, p in self.universal if s.match(n, nodes))
        return found
