"""The page's own CSS, as a recording holds it, and what it lays out apart.

A style or link element's stylesheet is its CSSOM-edited rules (`Node.sheet`), else the
`_cssText` rrweb inlines, else - a style element - its text children (`style_text`): what the
player rebuilds (player/frame.py) and what a step's name reads here.

`LaidOutApart` answers which elements the page's CSS lays out as blocks, where a browser's
innerText sets texts apart: an element whose `display` is a block-level one, and each item of
a flex or grid container - a checkout's `<div class="sumrow"><span>Subtotal</span><span>
$51.50</span></div>` reads "Subtotal $51.50" to a person, as innerText reads it, and was
named "Subtotal$51.50" by the tags alone (a QA tryout). It reads each rule's `display` and the
`style` attribute's, with no cascade: rules under any media query count, and a later rule
that makes such an element inline again is not weighed - a name reads a space too many then.
"""
from __future__ import annotations

import functools
import re
from typing import Any

from .format import NodeType
from .mirror import Mirror, Node, _block, split_css_rules


def tag_name(tag: Any) -> str:
    """The local name a recorded tag stands for: lowercase, namespace prefix dropped. The
    runtime builds SVG with createElementNS, where `svg:script` *is* an SVG script element,
    so every rule reading tags must see `script` there."""
    return _local_name(tag if isinstance(tag, str) else str(tag or ""))


@functools.lru_cache(maxsize=4096)   # a page has a few dozen tags, asked for on every node
def _local_name(tag: str) -> str:
    return tag.strip().lower().rsplit(":", 1)[-1]


def sheet_css(n: Node) -> str | None:
    """The CSS a style/link element applies, if it is not simply its text children."""
    if n.sheet is not None:
        return "\n".join(r for r in n.sheet if isinstance(r, str))
    v = n.attrs.get("_cssText")
    if isinstance(v, str) and tag_name(n.tag) in ("style", "link"):
        return v
    return None


def style_text(m: Mirror, n: Node) -> str:
    """A style's CSS: its sheet if edited, else its *child* text (the HTML rule: only
    direct text children count)."""
    css = sheet_css(n)
    if css is not None:
        return css
    nodes = m.nodes
    return "".join(nodes[c].text or "" for c in n.children
                   if c in nodes and nodes[c].type == NodeType.Text)


# `display` values innerText reads as a block's edge (CSS Display 3: the block-level outer
# displays, a table's rows and cells) and those whose items are laid out as blocks
BLOCK_DISPLAYS = frozenset({"block", "flex", "grid", "list-item", "table", "flow-root",
                            "table-row", "table-cell", "table-caption"})
CONTAINER_DISPLAYS = frozenset({"flex", "inline-flex", "grid", "inline-grid"})
_DISPLAY = re.compile(r"(?:^|[;{\s])display\s*:\s*([a-z -]+?)\s*(?:!important\s*)?(?:;|$)",
                      re.IGNORECASE)
# grouping rules whose rules apply to the page (the others hold keyframes, fonts, pages)
_GROUPING = ("@media", "@supports", "@layer", "@container", "@document")


def display_of(declarations: str) -> str | None:
    """The `display` a declaration block sets (its last; not a nested rule's), lowercase, as
    one keyword (the two-value syntax read as its one-keyword twin: `inline flex` is
    `inline-flex`, `block flex` is `flex`), or None."""
    found = _DISPLAY.findall(_outermost(declarations))
    if not found:
        return None
    words = found[-1].lower().split()
    if len(words) < 2:
        return words[0] if words else None
    if "list-item" in words:
        return "list-item"
    inner = next((w for w in words if w not in ("inline", "block")), "flow")
    if "inline" in words:
        return "inline" if inner == "flow" else f"inline-{inner}"
    return "block" if inner == "flow" else inner


def _outermost(body: str) -> str:
    """A declaration block without the rules nested in it (CSS nesting: `.row { display:
    flex; & > .x { display: block } }` is a flex row), each nested one a `;`."""
    out, depth = [], 0
    for ch in body:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
            if depth == 0:
                out.append(";")
        elif depth == 0:
            out.append(ch)
    return "".join(out)


class LaidOutApart:
    """Which elements of `m` the page's CSS sets apart (see the module's docstring), asked
    per element and remembered. The page's sheets are read at the first question a `style`
    attribute does not answer (a name that meets only block tags reads none)."""

    def __init__(self, m: Mirror) -> None:
        self.m = m
        self._indexes: tuple | None = None   # (blocks, containers): see `_rules`
        self._known: dict[int, bool] = {}

    def _rules(self) -> tuple:
        """The selectors of the elements the sheets lay out as blocks, and of those whose
        items are (SelectorIndex each), read once."""
        if self._indexes is None:
            from .privacy.selectors import SelectorIndex
            blocks, containers = SelectorIndex(), SelectorIndex()
            for n in self.m.nodes.values():
                if n.type == NodeType.Element and tag_name(n.tag) in ("style", "link"):
                    css = style_text(self.m, n)
                    for sel, display in _display_rules(css) if css else ():
                        if display in BLOCK_DISPLAYS:
                            blocks.add(sel, True)
                        if display in CONTAINER_DISPLAYS:
                            containers.add(sel, True)
            self._indexes = (blocks, containers)
        return self._indexes

    def apart(self, n: Node) -> bool:
        """Whether the element `n` is laid out as a block by the page's CSS."""
        got = self._known.get(n.id)
        if got is None:
            got = self._known[n.id] = self._block(n) or self._item(n)
        return got

    def _block(self, n: Node) -> bool:
        if _styled(n, BLOCK_DISPLAYS):
            return True
        blocks = self._rules()[0]
        return bool(blocks.count and blocks.matching(n, self.m.nodes))

    def _item(self, n: Node) -> bool:
        p = self.m.nodes.get(n.parent) if n.parent is not None else None
        if p is None or p.type != NodeType.Element:
            return False
        if _styled(p, CONTAINER_DISPLAYS):
            return True
        containers = self._rules()[1]
        return bool(containers.count and containers.matching(p, self.m.nodes))


def _styled(n: Node, displays: frozenset) -> bool:
    """Whether the element's own `style` attribute sets one of `displays`."""
    style = n.attrs.get("style")
    return isinstance(style, str) and display_of(style) in displays


@functools.lru_cache(maxsize=64)   # a page's sheets are the same strings at every step
def _display_rules(css: str) -> tuple:
    """(compiled selector, display) of each rule of a stylesheet that sets `display`, those
    in grouping rules (@media...) too; a selector the matcher does not take (`:hover`, a
    pseudo-element) is left out alone, not its whole list."""
    from .privacy.selectors import SelectorError, compile_selector
    out = []
    todo = [css]
    while todo:
        for rule in split_css_rules(todo.pop()):
            block = _block(rule)
            if block is None:
                continue
            prelude, body = block[0].strip(), block[1]
            if prelude.startswith("@"):
                if prelude.lower().startswith(_GROUPING):
                    todo.append(body)
                continue
            display = display_of(body)
            if display not in BLOCK_DISPLAYS and display not in CONTAINER_DISPLAYS:
                continue
            for part in prelude.split(","):
                try:
                    out += [(sel, display) for sel in compile_selector(part.strip())]
                except (SelectorError, ValueError, TypeError):
                    continue
    return tuple(out)
