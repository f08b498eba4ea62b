"""The steps a person took in a recording - navigations, clicks, typing - each with a robust
selector for what it acted on and that element's visible name. Record mode lists them beside
a bug recording; a Playwright export will replay them.

What events mean is `semantics.py`'s: the navigations are its views, the clicks its recorded
clicks (a rage burst is one step, as it is one action there). This module adds what a step
needs beyond that: the element, found in the one mirror DOM at the moment of the event, named
(`target_name`) and given a selector (`robust_selector`), and typed text (Input events), shown
only where the privacy rules left it in clear (`masking.is_masked_value`).

Selectors, most robust first (Playwright's selector syntax, so an export can use them as they
are; a candidate is used only when it matches exactly one element of the page at that moment):
1. `#id`;
2. a test id: `[data-testid="..."]` (and data-test-id, data-test, data-cy, data-qa);
3. a form field's `name`: `input[name="email"]`;
4. role and accessible name: `role=button[name="Pay now"]`;
5. text: `text="Add to cart"`;
6. otherwise a CSS path from the nearest ancestor with an id, `:nth-of-type` only where
   siblings share the tag.
A name or a text (4, 5) is looked for within the nearest ancestor with a unique id when there
is one (`#product-8 >> role=button[name="Add to cart"]`): a name is shared by many elements
in the page as the site shows it at another moment (the other cards' buttons, which said
"Added ✓" when recorded, or all of them before a search narrowed the list), the ancestor's id
is not.
A name or text the privacy pass masked, wholly (`xxxx`) or in part (`Code *** · 10% off`, an
address the detectors masked: `Signed in as xxxxxxxxxxxx`), says nothing and is never used.
An element inside a (same-origin) frame is chosen among its frame's document, and its selector
is the frame's own, then FRAME_SEP, then the element's within it (`#payment |> role=button
[name="Pay"]`): a page's locator does not reach into frames (Playwright's `frame_locator` does).
"""
from __future__ import annotations

import enum
import re
from typing import Any, Callable, Iterable, Iterator

import msgspec
import msgspec.structs

from .format import EventType, IncrementalSource, NodeType
from .mirror import Mirror, Node, changes_dom
from .page_css import LaidOutApart
from .semantics import (BROWSER_ERROR_PAGE, CLICK_CHAIN_MS, Action, Semantics, View,
                        click_actions, error_line)
# The privacy pass's names (masker, masking, detectors) are imported where they are used:
# every command that reads a bug report (`replay sessions`, `replay app`: the report's Step
# type) started by loading the whole privacy pass, a fifth of its start.

Raw = dict[str, Any]

TEST_ID_ATTRS = ("data-testid", "data-test-id", "data-test", "data-cy", "data-qa")
FIELD_TAGS = frozenset({"input", "select", "textarea"})
ACTIONABLE_TAGS = frozenset({"a", "button", "input", "select", "textarea", "label", "summary",
                             "option"})
NAME_HOPS = 4            # ancestors looked at for a name or an actionable element
NAME_CHARS = 80          # a name is cut to this
TEXT_SELECTOR_CHARS = 60  # longer text makes a brittle selector
FRAME_SEP = " |> "        # a frame's selector, then the element's inside it
_MASKED_TEXT = re.compile(r"[x*\s]+")   # what the privacy pass leaves of masked text
# What a browser's innerText sets apart from the text beside it: the elements its default
# stylesheet makes blocks (a line break where one begins or ends), table cells and rows, and a
# line break - one space each in a name read on one line; and a control's box (a button,
# select or textarea: inline-block), whose text never runs into its neighbours' on screen (a
# price, then an "Add to cart" button beside it). An inline element's text runs on.
APART_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main",
    "menu", "nav", "ol", "optgroup", "option", "p", "pre", "section", "summary", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    "button", "select", "textarea"})
# Elements whose text innerText leaves out (the default stylesheet never shows them): a click
# on a browser's error page was named after its <title> and its <style>'s CSS ("127.0.0.1
# /* Copyright 2017 The Chromium Authors...", a QA's tryout). Not an SVG <title>: it is the
# accessible name of the icon it is in (a close button's "Close dialog").
UNSHOWN_TAGS = frozenset({"head", "title", "script", "style", "noscript", "template"})
# The page itself: a click on its background is named by its tag - its text is the whole
# page's ("Buggy Shop About page Name Email Age Password Sign up Welcome!...")
PAGE_TAGS = frozenset({"html", "body"})
# a page that did not load: its document request is looked for this near its error page
ASKED_WITHIN_MS = 5000
CLOCK_SKEW_MS = 1000     # a page's start read off another clock than the step before it
_CSS_IDENT = re.compile(r"-?[A-Za-z_][A-Za-z0-9_-]*")
_INPUT_ROLES = {"button": "button", "submit": "button", "reset": "button", "image": "button",
                "checkbox": "checkbox", "radio": "radio", "range": "slider",
                "search": "searchbox", "number": "spinbutton"}
_TAG_ROLES = {"button": "button", "textarea": "textbox", "summary": "button", "option": "option",
              "h1": "heading", "h2": "heading", "h3": "heading", "h4": "heading",
              "h5": "heading", "h6": "heading", "nav": "navigation", "main": "main",
              "dialog": "dialog"}
_CLICK_STEPS = {"click": "click", "contextmenu": "right_click", "touchend": "tap"}


class StepKind(str, enum.Enum):
    NAVIGATE = "navigate"
    CLICK = "click"
    DBLCLICK = "dblclick"
    RIGHT_CLICK = "right_click"
    TAP = "tap"
    TYPE = "type"
    CHECK = "check"
    UNCHECK = "uncheck"
    SELECT = "select"


class Step(msgspec.Struct, frozen=True):
    t: float                     # ms after the recording's first event
    kind: StepKind
    name: str = ""               # the visible name of the element acted on
    selector: str = ""
    text: str | None = None      # typed text / chosen value; None when masked
    masked: bool = False
    url: str = ""                # navigate
    # navigate: the page did not load (the browser showed its error page); `url` is then the
    # address asked for, where the recording holds it (its document request), else the
    # browser's error page's
    not_loaded: bool = False
    id: int | None = None        # the recorded node
    frustrations: list[str] = []
    count: int = 1               # clicks (a rage burst's many: replayed as many)
    # typed into or chosen in: the field's kind - an input's type ("email", "date"...; "text"
    # where it has none), else its tag ("textarea", "select") - and its `min` attribute, if
    # any: what a value given in place of a masked one must be to be accepted
    field: str = ""
    field_min: str | None = None
    # navigate: Back (-1, -2 for two pages at once) or Forward (1...) through the tab's
    # history, as the visitor pressed it (`history_moves`); 0: a page opened
    history: int = 0

    @property
    def unknown_address(self) -> bool:
        """A page that did not load whose address the recording does not hold (`url` is the
        browser's error page's): no script can open it, no person can be told it."""
        return (self.kind is StepKind.NAVIGATE and self.not_loaded
                and self.url.startswith(BROWSER_ERROR_PAGE))

    def describe(self) -> str:
        """One line for a person: what was done, to what."""
        what = f'"{self.name}"' if self.name else "an element"
        if self.kind is StepKind.NAVIGATE:
            if self.not_loaded:
                if self.unknown_address:
                    return "Open a page that did not load (the browser showed its error page)"
                return f"Open {self.url} - it did not load (the browser showed its error page)"
            if self.history:
                pages = f" {abs(self.history)} pages" if abs(self.history) > 1 else ""
                return f"{'Back' if self.history < 0 else 'Forward'}{pages} to {self.url}"
            return f"Open {self.url}"
        if self.kind is StepKind.TYPE and self.text == "":   # typed, then all deleted
            return f"Clear {what}"
        if self.kind in (StepKind.TYPE, StepKind.SELECT):
            verb = "Type" if self.kind is StepKind.TYPE else "Select"
            value = "(masked)" if self.masked else f'"{self.text}"'
            return f"{verb} {value} in {what}"
        verb = {StepKind.CLICK: "Click", StepKind.DBLCLICK: "Double-click",
                StepKind.RIGHT_CLICK: "Right-click", StepKind.TAP: "Tap",
                StepKind.CHECK: "Check", StepKind.UNCHECK: "Uncheck"}[self.kind]
        signals = "".join(f"  [{f.replace('_click', '').upper()}]" for f in self.frustrations)
        times = f" ×{self.count}" if self.count > 1 else ""
        return f"{verb} {what}{times}{signals}"


# --- the page as names and selectors read it ----------------------------------------------
class PageWalk:
    """What a step's name and selector read off the whole page, read once: a document's
    elements in document order (`_elements`), their ids, its labels' texts, and which
    elements the page's CSS sets apart (`LaidOutApart`). Valid while the page stays as it
    is: one per name or selector asked, or one a StepsBuilder keeps until an event may change
    the page (`_renames`). A selector walked the page four times or so, a field's name once
    more (a 300,000-event session's steps: most of their time)."""

    def __init__(self, m: Mirror) -> None:
        self.m = m
        self.css = LaidOutApart(m)
        self._elements: dict[int | None, list[Node]] = {}
        self._ids: dict[int | None, dict[str, list[Node]]] = {}
        self._labels: dict[int | None, dict[str, str]] = {}

    def elements(self, doc: int | None = None) -> list[Node]:
        """The elements of the document `doc` (None: the page's), in document order."""
        got = self._elements.get(doc)
        if got is None:
            got = self._elements[doc] = list(_elements(self.m, doc))
        return got

    def ids(self, doc: int | None = None) -> dict[str, list[Node]]:
        """The document's elements by id."""
        got = self._ids.get(doc)
        if got is None:
            got = self._ids[doc] = {}
            for n in self.elements(doc):
                v = n.attrs.get("id")
                if isinstance(v, str) and v:
                    got.setdefault(v, []).append(n)
        return got

    def labels(self, doc: int | None = None) -> dict[str, str]:
        """`<label for=ID>` texts by ID, in the document."""
        got = self._labels.get(doc)
        if got is None:
            got = self._labels[doc] = {
                n.attrs["for"]: _said(_short_text(self.m, n.id)) for n in self.elements(doc)
                if n.tag == "label" and isinstance(n.attrs.get("for"), str)}
        return got


# --- names --------------------------------------------------------------------------------
def target_name(m: Mirror, nid: int) -> str:
    """A person-readable name for the clicked element, read as the RUM plugin names its
    action (rum-plugin.js `targetName`, the privacy pass's NAMING_TAGS): the first of the
    element and its ancestors (NAME_HOPS) with an aria-label, title or alt, or that names
    what it holds - a link, a button, a label, a summary, an option: its text (a click on an
    icon inside a button names the button) -, or a submit button's value; else the element's
    own text (not the page's: `html`, `body` - PAGE_TAGS); else its id or the nearest
    ancestor's (`div#search-toggle`); else its tag. An
    ancestor that is only a container (a header, a card) never lends its text: a click on a
    header's bare icon was named after the whole header ("Acme Shop New in Living Office
    Cart 2"), where the Actions tab said "path"."""
    from .privacy.masker import NAMING_ATTRS, NAMING_TAGS   # (see the imports)
    own: str | None = None    # the element's own text, read once
    first_id = ""             # the id of the element or its nearest ancestor with one
    css = LaidOutApart(m)     # the page's sheets, read once for every text read here
    n, hops = m.nodes.get(nid), 0
    while n is not None and hops < NAME_HOPS:
        if n.type == NodeType.Element:
            a = n.attrs
            for k in NAMING_ATTRS:
                v = a.get(k)
                if isinstance(v, str) and v.strip():
                    return v.strip()[:NAME_CHARS]
            if n.tag in NAMING_TAGS:
                text = " ".join(_short_text(m, n.id, spaced=True, css=css).split())
                if text:
                    return text[:NAME_CHARS]
                if n.id == nid:
                    own = text
            if n.tag == "input" and isinstance(a.get("value"), str) and a["value"].strip() and \
                    str(a.get("type", "")).lower() in ("submit", "button", "reset"):
                return a["value"].strip()[:NAME_CHARS]
            if not first_id and isinstance(a.get("id"), str) and a["id"]:
                first_id = f"{n.tag}#{a['id']}"
        if n.parent is None:
            break
        n = m.nodes.get(n.parent)
        hops += 1
    n = m.nodes.get(nid)
    if own is None and (n is None or n.tag not in PAGE_TAGS):
        own = " ".join(_short_text(m, nid, spaced=True, css=css).split())
    if own:
        return own[:NAME_CHARS]
    if first_id:
        return first_id
    return n.tag if n is not None and n.tag else ""


def _short_text(m: Mirror, nid: int, limit: int = 120, max_nodes: int = 400,
                spaced: bool = False, css: LaidOutApart | None = None) -> str:
    """The start of the text beneath a node, without walking a whole page. `spaced`: texts
    apart where the page shows them apart, as a browser's innerText does - across a block's
    edge (a card's title, rating and price rows: "Desk Lamp ★ 4.6 $39.00 Add to cart", not
    "Desk Lamp★ 4.6$39.00Add to cart"), a line break or a control's box - and run on across
    an inline element's ("Cart (<span>1</span>)" is "Cart (1)") - for a name a person reads;
    a selector's name is the text as an accessible name joins it. Blocks are the tags that
    are (APART_TAGS) and what the page's CSS lays out so (a flex row's items: LaidOutApart;
    `css`, one a caller reads several texts of the same page with)."""
    parts: list[str] = []
    size = 0
    prev: Node | None = None     # the last text read
    apart = False                # an element that sets texts apart begun since it
    css = (css or LaidOutApart(m)) if spaced else None
    unseen: set[int] = set()     # elements whose text a page never shows, and all beneath
    for i, x in enumerate(m.walk(nid)):
        if i >= max_nodes or size >= limit:
            break
        if x.parent in unseen:
            unseen.add(x.id)
            continue
        if x.type == NodeType.Element:
            if x.tag in UNSHOWN_TAGS and not x.svg:
                unseen.add(x.id)
                continue
            apart = apart or (css is not None and _sets_apart(x, css))
        elif x.type == NodeType.Text and x.text:
            if css is not None and prev is not None and (apart or _ends_apart(m, prev, x, css)):
                parts.append(" ")
            prev, apart = x, False
            parts.append(x.text)
            size += len(x.text)
    return "".join(parts)[:limit]


def _sets_apart(n: Node, css: LaidOutApart) -> bool:
    """Whether the element `n` sets the texts at its edges apart: a block by its tag, or as
    the page's CSS lays it out."""
    return n.tag in APART_TAGS or css.apart(n)


def _ends_apart(m: Mirror, prev: Node, x: Node, css: LaidOutApart) -> bool:
    """Whether an element that sets texts apart (`_sets_apart`) ends between the text `prev`
    and the text `x` after it: one holding `prev` but not `x`. (One beginning between them
    is seen on the way to `x`: the walk is in document order.)"""
    holding_x = {a.id for a in m.ancestors(x.id)}
    for a in m.ancestors(prev.id):
        if a.id in holding_x:
            return False
        if a.type == NodeType.Element and _sets_apart(a, css):
            return True
    return False


def step_name(m: Mirror, nid: int, walk: PageWalk | None = None) -> str:
    """What a step names: the acted-on element's accessible name (a field's label, a
    button's text), else `target_name`. `walk`: the page read already (PageWalk)."""
    el = actionable(m, nid)
    if el is None:
        return target_name(m, nid)
    name = accessible_name(m, el, spaced=True, walk=walk)
    if name or el.tag not in FIELD_TAGS:
        return name or target_name(m, nid)
    # a field without a label: its name or id (its ancestors' text would name something else),
    # else what it is ("Check checkbox", not "Check input")
    return next((v for v in (el.attrs.get("name"), el.attrs.get("id")) if _said(v)),
                role(el) or el.tag or "")


def holds_masked(s: str) -> bool:
    """Whether a text the recording shows holds what the privacy pass masked: wholly
    (`xxxx`), in part by the rules (`Code *** · 10% off`) or by the detectors (`Signed in as
    xxxxxxxxxxxxxxxx`, `detectors.masked_in`). The page run again shows the real text there:
    it is no name to look an element up by, nor a state to wait for."""
    from .privacy import detectors
    from .privacy.masking import MASK
    return bool(_MASKED_TEXT.fullmatch(s)) or MASK in s or detectors.masked_in(s)


def _said(s: Any) -> str:
    """A name as a selector may use it: stripped, spaces collapsed; "" if empty or masked,
    wholly or in part."""
    if not isinstance(s, str):
        return ""
    s = " ".join(s.split())
    return "" if not s or holds_masked(s) else s


def _own_text(m: Mirror, n: Node) -> str:
    """The text of the node's own text children (not its descendants')."""
    return _said("".join(c.text or "" for c in (m.nodes.get(i) for i in n.children)
                         if c is not None and c.type == NodeType.Text))


def role(n: Node) -> str:
    """The element's ARIA role: explicit, else implicit for the common tags."""
    explicit = n.attrs.get("role")
    if isinstance(explicit, str) and explicit.split():
        return explicit.split()[0].lower()
    tag = n.tag or ""
    if tag == "a":
        return "link" if "href" in n.attrs else ""
    if tag == "input":
        t = str(n.attrs.get("type") or "text").lower()
        return _INPUT_ROLES.get(t, "" if t in ("hidden", "password", "file", "color") else "textbox")
    if tag == "select":
        return "listbox" if "multiple" in n.attrs else "combobox"
    if tag == "img":
        return "img" if _said(n.attrs.get("alt")) else ""
    return _TAG_ROLES.get(tag, "")


def accessible_name(m: Mirror, n: Node, labels: dict[str, str] | None = None,
                    spaced: bool = False, walk: PageWalk | None = None) -> str:
    """The element's accessible name, as far as the recorded DOM says it: aria-label,
    aria-labelledby, a form field's <label>, its own text, alt/title/placeholder/value.
    `spaced`: its elements' texts apart (`_short_text`), for a person to read. `labels`:
    its document's (else the page's); `walk`: the page read already (PageWalk)."""
    a = n.attrs
    name = _said(a.get("aria-label"))
    if name:
        return name[:NAME_CHARS]
    ref = a.get("aria-labelledby")
    if isinstance(ref, str):
        walk = walk if walk is not None else PageWalk(m)
        by_id = walk.ids()
        name = _said(" ".join(_short_text(m, by_id[i][0].id) for i in ref.split()
                              if len(by_id.get(i, ())) == 1))
        if name:
            return name[:NAME_CHARS]
    if n.tag in PAGE_TAGS:   # (not named from what it holds: the whole page's text)
        return ""
    if n.tag in FIELD_TAGS:
        if labels is None:
            walk = walk if walk is not None else PageWalk(m)
            labels = walk.labels()
        own = labels.get(a.get("id")) if isinstance(a.get("id"), str) else None
        wrapping = next((_said(_short_text(m, p.id)) for p in m.ancestors(n.id)
                         if p.tag == "label"), "")
        for v in (own, wrapping, a.get("title"), a.get("placeholder")):
            if _said(v):
                return _said(v)[:NAME_CHARS]
        if str(a.get("type", "")).lower() in ("submit", "button", "reset"):
            return _said(a.get("value"))[:NAME_CHARS]
        return ""
    css = walk.css if walk is not None and spaced else None
    text = _said(_short_text(m, n.id, spaced=spaced, css=css))
    if text:
        return text[:NAME_CHARS]
    return (_said(a.get("alt")) or _said(a.get("title")))[:NAME_CHARS]


def _elements(m: Mirror, doc: int | None = None) -> Iterator[Node]:
    """The elements of the document `doc` (default: the page's), in document order - not
    those of the frames in it, which a selector of this document does not reach."""
    start = m.root if doc is None else doc
    nodes = m.nodes
    stack = [start] if start is not None else []
    while stack:
        n = nodes.get(stack.pop())
        if n is None or (n.type == NodeType.Document and n.id != start):
            continue
        if n.type == NodeType.Element:
            yield n
        stack.extend(reversed(n.children))


def _frame_document(m: Mirror, el: Node) -> Node | None:
    """The frame's document `el` is in (its parent is the frame element); None in the page's."""
    doc = next((p for p in m.ancestors(el.id) if p.type == NodeType.Document), None)
    return doc if doc is not None and doc.id != m.root and doc.parent in m.nodes else None


# --- text fields ------------------------------------------------------------------------
# The <input> types a person types text in: a double- or triple-click there selects a word,
# a line or all of it (no rage click: `semantics` rule 2). A type a browser does not know
# is text to it (INPUT_TYPES: those it knows). rum-plugin.js decides the same in the page.
TEXT_INPUT_TYPES = frozenset({"text", "search", "email", "url", "tel", "password", "number"})
# ... whose value is what was typed, whole at every keystroke (a number field reports "" for
# a value typed half way): one emptied is a step of its own (StepsBuilder._input)
WHOLE_AS_TYPED = TEXT_INPUT_TYPES - {"number"}
INPUT_TYPES = TEXT_INPUT_TYPES | {"checkbox", "radio", "button", "submit", "reset", "image",
                                  "file", "color", "range", "hidden", "date", "time",
                                  "datetime-local", "month", "week"}


def in_text_field(m: Mirror, nid: int) -> bool:
    """Whether the clicked node `nid` is in an editable text field: an <input> of a text
    kind, a <textarea>, or an element a contenteditable makes editable (the nearest one
    with the attribute decides: `contenteditable="false"` inside an editable one is not)."""
    n = m.nodes.get(nid)
    if n is not None and n.type != NodeType.Element:
        n = m.nodes.get(n.parent) if n.parent is not None else None
    if n is None or n.type != NodeType.Element:
        return False
    if n.tag == "input":
        kind = str(n.attrs.get("type") or "text").strip().lower()
        return kind in TEXT_INPUT_TYPES or kind not in INPUT_TYPES
    if n.tag == "textarea":
        return True
    for x in (n, *m.ancestors(n.id)):
        if x.type == NodeType.Element and "contenteditable" in x.attrs:
            return str(x.attrs["contenteditable"]).strip().lower() != "false"
    return False


# --- selectors ----------------------------------------------------------------------------
def actionable(m: Mirror, nid: int) -> Node | None:
    """The element a click on node `nid` acted on: the nearest actionable element at or above
    it (a click on the icon inside a button is the button's), else the element itself."""
    n = m.nodes.get(nid)
    if n is not None and n.type != NodeType.Element:
        n = m.nodes.get(n.parent) if n.parent is not None else None
    if n is None:
        return None
    hop: Node | None = n
    for _ in range(NAME_HOPS + 1):
        if hop is None or hop.type != NodeType.Element:
            break
        if hop.tag in ACTIONABLE_TAGS or "role" in hop.attrs or "tabindex" in hop.attrs:
            return hop
        hop = m.nodes.get(hop.parent) if hop.parent is not None else None
    return n


def _quote(v: str) -> str:
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _id_selector(v: str) -> str:
    return f"#{v}" if _CSS_IDENT.fullmatch(v) else f"[id={_quote(v)}]"


def robust_selector(m: Mirror, nid: int, walk: PageWalk | None = None) -> str:
    """The most robust selector (see the module's list) matching node `nid`'s actionable
    element alone in the mirror's page as it is now; "" if the node is not there. `walk`:
    the page read already (PageWalk)."""
    el = actionable(m, nid)
    if el is None:
        return ""
    return _framed(m, el, _selector_in, robust_selector, walk or PageWalk(m))


def css_selector(m: Mirror, nid: int, walk: PageWalk | None = None) -> str:
    """A CSS path to element `nid` (`_css_path`; in a frame, the frame element's path, then
    FRAME_SEP, then the element's) made of ids, tags and places alone - never a name or a
    text: what the privacy pass writes for a hidden element's placeholder, reading the page
    before it is masked. "" when it is not there."""
    el = m.nodes.get(nid)
    if el is None or el.type != NodeType.Element:
        return ""
    return _framed(m, el, _css_path, css_selector, walk or PageWalk(m))


def _framed(m: Mirror, el: Node, inner: Callable[[Mirror, Node, int | None, PageWalk], str],
            frame: Callable[[Mirror, int, PageWalk], str], walk: PageWalk) -> str:
    """`inner`'s selector of `el` among its document's elements - in a (same-origin) frame,
    after the frame element's own (`frame`'s) and FRAME_SEP; "" when either is none."""
    doc = _frame_document(m, el)
    if doc is None:
        return inner(m, el, None, walk)
    outer = frame(m, doc.parent, walk) if doc.parent is not None else ""
    part = inner(m, el, doc.id, walk)
    return f"{outer}{FRAME_SEP}{part}" if outer and part else ""


def frame_prefix(m: Mirror, nid: int) -> str:
    """What a selector of node `nid` within its document is prefixed with: "" in the page's,
    its frame's selector and FRAME_SEP in a frame's."""
    n = m.nodes.get(nid)
    doc = _frame_document(m, n) if n is not None else None
    if doc is None:
        return ""
    frame = robust_selector(m, doc.parent)
    return f"{frame}{FRAME_SEP}" if frame else ""


def _selector_in(m: Mirror, el: Node, doc: int | None, walk: PageWalk) -> str:
    """`robust_selector` of `el` among the elements of the document `doc` (None: the page's)."""
    a = el.attrs
    elements = walk.elements(doc)

    def unique(pred) -> bool:
        return sum(1 for x in elements if pred(x)) == 1

    v = a.get("id")
    if isinstance(v, str) and _said(v) == v and unique(lambda x: x.attrs.get("id") == v):
        return _id_selector(v)
    for attr in TEST_ID_ATTRS:
        v = a.get(attr)
        if isinstance(v, str) and _said(v) and unique(lambda x: x.attrs.get(attr) == v):
            return f"[{attr}={_quote(v)}]"
    v = a.get("name")
    if el.tag in FIELD_TAGS and isinstance(v, str) and _said(v) and \
            unique(lambda x: x.tag == el.tag and x.attrs.get("name") == v):
        return f"{el.tag}[name={_quote(v)}]"
    anchor = _id_anchor(m, el, doc, walk)
    scope = f"{_id_selector(anchor.attrs['id'])} >> " if anchor is not None else ""
    within = [x for x in m.walk(anchor.id) if x.type == NodeType.Element] \
        if anchor is not None else elements

    def alone(pred) -> bool:
        return sum(1 for x in within if pred(x)) == 1

    r = role(el)
    if r:
        labels = walk.labels(doc)
        name = accessible_name(m, el, labels, walk=walk)
        if name and alone(lambda x: role(x) == r and
                          accessible_name(m, x, labels, walk=walk) == name):
            return f"{scope}role={r}[name={_quote(name)}]"
    text = _own_text(m, el)
    if text and len(text) <= TEXT_SELECTOR_CHARS and alone(lambda x: _own_text(m, x) == text):
        return f"{scope}text={_quote(text)}"
    return _css_path(m, el, doc, walk)


def _id_anchor(m: Mirror, el: Node, doc: int | None, walk: PageWalk) -> Node | None:
    """The nearest ancestor of `el` with an id no other element has (not html or body)."""
    ids = None
    for p in m.ancestors(el.id):
        if p.type != NodeType.Element or p.tag in ("html", "body"):
            return None
        v = p.attrs.get("id")
        if isinstance(v, str) and _said(v) == v:
            ids = ids if ids is not None else walk.ids(doc)
            if len(ids.get(v, ())) == 1:
                return p
    return None


def _css_path(m: Mirror, el: Node, doc: int | None, walk: PageWalk) -> str:
    """`#anchor > div:nth-of-type(2) > span` from the nearest ancestor with a unique id."""
    ids = walk.ids(doc)
    parts: list[str] = []
    n: Node | None = el
    while n is not None and n.type == NodeType.Element:
        v = n.attrs.get("id")
        if isinstance(v, str) and _said(v) == v and len(ids.get(v, ())) == 1:
            parts.append(_id_selector(v))
            break
        parent = m.nodes.get(n.parent) if n.parent is not None else None
        part = n.tag or "*"
        if parent is not None:
            same = [c for c in (m.nodes.get(i) for i in parent.children)
                    if c is not None and c.type == NodeType.Element and c.tag == n.tag]
            if len(same) > 1:
                part += f":nth-of-type({same.index(n) + 1})"
        parts.append(part)
        n = parent
    return " > ".join(reversed(parts))


# --- the steps ----------------------------------------------------------------------------
class StepsBuilder:
    """Steps, read event by event (`feed`), so record mode lists them while recording."""

    def __init__(self) -> None:
        self.mirror = Mirror()
        self.sem: Semantics | None = None
        self._clicks_seen = 0
        self._inputs: list[Step] = []
        self._typing: int | None = None   # the node the last input step is typing into
        self._clicked_in = False   # ... and a click on it came since its last value
        self._pos: dict[tuple[float, int | None], int] = {}   # (t, node) -> its event's place
        # each node's step name and selector as the page is now (`_named`), until an event
        # may change them (`_renames`): a person typing a word asked for its field's name
        # and selector at each keystroke, each a walk of the page (a 300,000-event session's
        # steps took 34 CPU-s, nine of ten inputs with the page unchanged since the last)
        self._names: dict[int, str] = {}
        self._selectors: dict[int, str] = {}
        self._walk = PageWalk(self.mirror)   # ... and the page as they read it

    def _name(self, nid: Any) -> str:
        return self._once(self._names, step_name, nid)

    def _selector(self, nid: Any) -> str:
        return self._once(self._selectors, robust_selector, nid)

    def _once(self, memo: dict[int, str], read: Callable[[Mirror, Any, PageWalk], str],
              nid: Any) -> str:
        """`read` of node `nid`, once while the page stays as it is (`memo`: its reads)."""
        if type(nid) is not int:
            return read(self.mirror, nid, self._walk)
        got = memo.get(nid)
        if got is None:
            got = memo[nid] = read(self.mirror, nid, self._walk)
        return got

    def feed(self, e: Raw) -> None:
        if not isinstance(e, dict):
            return
        ts = e.get("timestamp")
        if self.sem is None:
            if not isinstance(ts, (int, float)) or isinstance(ts, bool):
                return
            self.sem = Semantics(origin=float(ts))
        sem = self.sem
        data = e.get("data")
        sem.feed(e, None, self._name, lambda nid: in_text_field(self.mirror, nid))
        if len(sem.clicks) > self._clicks_seen:
            c = sem.clicks[-1]
            sel = self._selector(c.id) if c.id is not None else ""
            sem.clicks[-1] = msgspec.structs.replace(c, selector=sel)
            self._clicks_seen = len(sem.clicks)
            self._pos.setdefault((c.t, c.id), sem.fed - 1)
            if c.id != self._typing:
                self._typing = None
            else:   # clicked into the field typed into: the typing goes on only if its next
                self._clicked_in = True   # value extends the last (a caret moved), see _input
        if e.get("type") == EventType.Meta:
            self._typing = None
        elif e.get("type") == EventType.IncrementalSnapshot and isinstance(data, dict) \
                and data.get("source") == IncrementalSource.Input:
            t = float(ts) - sem.origin if isinstance(ts, (int, float)) else 0.0
            self._input(data, t)
            self._pos.setdefault((t, data.get("id")), sem.fed - 1)
        if _renames(e):
            self._names.clear()
            self._selectors.clear()
            self._walk = PageWalk(self.mirror)
        self.mirror.apply(e)

    def error_lines(self) -> list[tuple[float, str]]:
        """The errors read so far, each (its moment, its line): what the steps list shows
        among the steps while a recording goes on."""
        return [] if self.sem is None else [(e.t, error_line(e.message))
                                            for e in self.sem.errors]

    def _input(self, data: Raw, t: float) -> None:
        nid = data.get("id")
        n = self.mirror.nodes.get(nid) if isinstance(nid, int) else None
        if n is None or n.type != NodeType.Element or data.get("userTriggered") is False:
            return   # (a value the page's script set - it empties a field, formats a number -
            # is no step a person took: rrweb's userTriggered, capture.js's too)
        name = self._name(nid)
        checked = data.get("isChecked")
        kind_of = str(n.attrs.get("type") or "").lower()
        if n.tag == "input" and kind_of in ("checkbox", "radio"):
            if kind_of == "radio" and not checked:
                return      # the browser unchecks the group's other radios: not a step
            kind = StepKind.CHECK if checked else StepKind.UNCHECK
            self._typing = None
            self._inputs.append(Step(t, kind, name, self._selector(nid), id=nid))
            return
        text = data.get("text")
        text = text if isinstance(text, str) else ""
        from .privacy.masking import is_masked_value
        hidden = is_masked_value(text)
        kind = StepKind.SELECT if n.tag == "select" else StepKind.TYPE
        least = n.attrs.get("min")
        step = Step(t, kind, name, self._selector(nid),
                    None if hidden else text, hidden, id=nid,
                    field=(kind_of or "text") if n.tag == "input" else (n.tag or ""),
                    field_min=least if isinstance(least, str) and least.strip() else None)
        last = self._inputs[-1] if self._inputs else None
        # A step of its own rather than the typing's last value:
        # - a text field emptied after a value was typed, or typed into again once emptied,
        #   each at its time ("Clear" at the first keystroke's time left out what was typed:
        #   the search it ran, the Playwright script's fill - a support engineer's tryout);
        #   not a number or date field, which reports "" for a value typed half way;
        # - after a click into the field, a value that does not type on from the last (its
        #   text replaced: the clear was shown as a mere click).
        textual = n.tag == "textarea" or \
            (n.tag == "input" and (kind_of or "text") in WHOLE_AS_TYPED)
        emptied = textual and last is not None and (text == "") != (last.text == "")
        again = emptied or (self._clicked_in and last is not None and not hidden
                            and not last.masked and not text.startswith(last.text or ""))
        self._clicked_in = False
        if self._typing == nid and last is not None and last.kind is kind and not again:
            self._inputs[-1] = msgspec.structs.replace(step, t=last.t)  # one step, last value
        else:
            self._inputs.append(step)
        self._typing = nid

    def steps(self) -> list[Step]:
        """Every step so far, in time order (a navigation before what happened on its page
        at the same millisecond, after the steps recorded before it on the page it left)."""
        if self.sem is None:
            return []
        views = self.sem.views
        navs = [(self._navigation(v, move), v.index)
                for v, move in zip(views, history_moves(views))]
        boxes = {(s.id, s.t) for s in self._inputs if s.kind in (StepKind.CHECK, StepKind.UNCHECK)}
        # a click that checks a box is one step, the check
        acts = [s for s in click_steps(self.sem.clicks)
                if not (s.kind is StepKind.CLICK and (s.id, s.t) in boxes)] + self._inputs
        out = navs + [(s, self._pos.get((s.t, s.id), -1)) for s in acts]
        out.sort(key=lambda x: (x[0].t, x[0].kind is not StepKind.NAVIGATE))
        # a page load is the doing of the steps recorded before it: it comes after them, even
        # where its time says a little before (a RUM view's start is read off the new page's
        # clock, which may be a few ms behind the one the click was recorded on)
        for i in range(1, len(out)):
            j = i
            while j > 0 and out[j - 1][0].kind is StepKind.NAVIGATE and \
                    out[j][0].kind is not StepKind.NAVIGATE and 0 <= out[j][1] < out[j - 1][1] \
                    and out[j][0].t - out[j - 1][0].t <= CLOCK_SKEW_MS:
                out[j - 1], out[j] = out[j], out[j - 1]
                j -= 1
        return [s for s, _ in out]


    def _navigation(self, v: View, move: int) -> Step:
        """A page opened (`move`: through the tab's history). One the browser could not load
        shows its error page (`chrome-error://chromewebdata/`), which no script can open: the
        address asked for is its document request's, the nearest in time that got no
        answer - the Playwright script went to the error page and failed at step 1 (a QA's
        tryout)."""
        if not v.url.startswith(BROWSER_ERROR_PAGE):
            return Step(v.t, StepKind.NAVIGATE, url=v.url, history=move)
        asked = [r for r in self.sem.resources
                 if r.type == "document" and r.status is None and not r.pending
                 and not r.url.startswith(BROWSER_ERROR_PAGE)
                 and abs(r.t - v.t) <= ASKED_WITHIN_MS]
        url = min(asked, key=lambda r: abs(r.t - v.t)).url if asked else v.url
        return Step(v.t, StepKind.NAVIGATE, url=url, history=move, not_loaded=True)


# Incremental sources whose events change no step's name or selector: a field's value and
# checked state (Input: a name is read from the markup, never from what was typed - a
# <select multiple>'s options' `selected` attributes, which it sets, no name reads either),
# scroll offsets, the focus (a press, a focus or a blur), the selection, a canvas's drawing,
# a media element's state and the fonts loaded (none of them markup or CSS: a canvas
# animating under the page cleared what was read at every frame - a reviewer's). Every
# other event that changes the page may rename an element.
_KEEPS_NAMES = frozenset({int(IncrementalSource.Input), int(IncrementalSource.Scroll),
                          int(IncrementalSource.MouseInteraction),
                          int(IncrementalSource.Selection),
                          int(IncrementalSource.CanvasMutation),
                          int(IncrementalSource.MediaInteraction),
                          int(IncrementalSource.Font)})


def _renames(e: Raw) -> bool:
    """Whether applying event `e` may change an element's step name or selector."""
    if not changes_dom(e):
        return False
    data = e.get("data")
    return not (e.get("type") == EventType.IncrementalSnapshot and isinstance(data, dict)
                and data.get("source") in _KEEPS_NAMES)


def history_moves(views: list[View]) -> list[int]:
    """For each view, how far through the tab's history the visitor moved to reach it: -1
    Back, 1 Forward, -2 Back two pages at once (a long press on Back)...; 0 for a page opened
    (a new entry: the ones ahead of it are gone). Read off a history kept as the views come:
    a view reached with Back or Forward (`View.back_forward`) moved to the nearest entry of
    its address, Back where both are as near (A, B, A: from B, Back); one whose address is
    in no entry (the visit came back to the site, the entry was before the recording) is
    taken as opened: a page no step opened is never gone back to."""
    entries: list[str] = []
    at = -1
    out = []
    for v in views:
        move = 0
        if v.back_forward:
            near = sorted((abs(i - at), i > at, i) for i, url in enumerate(entries)
                          if url == v.url and i != at)
            if near:
                move = near[0][2] - at
        if move:
            at += move
        else:
            del entries[at + 1:]
            entries.append(v.url)
            at = len(entries) - 1
        out.append(move)
    return out


def click_steps(clicks: list[Action]) -> list[Step]:
    """The recorded clicks as steps. rrweb records a double-click as click, click, dblclick on
    one element: one step, a double-click on the element as it was at its first click (that
    click may rename it: "Add to cart" becomes "Adding…"). A dblclick without two clicks on
    its element within `CLICK_CHAIN_MS` before it repeats the click before it (browsers send
    one after a single click too): no step of its own. A rage burst is one step
    (`semantics.click_actions`), the dblclicks the browser reported within it too."""
    single = [c for c in clicks if c.type != "dblclick"]
    out = [Step(a.t, StepKind(_CLICK_STEPS[a.type]), a.target, a.selector, id=a.id,
                frustrations=list(a.frustrations), count=a.count)
           for a in click_actions(single) if a.type in _CLICK_STEPS]
    for d in clicks:
        if d.type != "dblclick" or d.id is None:
            continue
        before = [c.t for c in single
                  if c.type == "click" and c.id == d.id and 0 <= d.t - c.t <= CLICK_CHAIN_MS]
        if len(before) < 2:
            continue
        pair = [i for i, s in enumerate(out) if s.kind is StepKind.CLICK and s.id == d.id
                and not s.frustrations and s.t in before[-2:]]
        if len(pair) == 2:   # else the clicks are a rage burst's, one step already
            out[pair[0]] = msgspec.structs.replace(out[pair[0]], kind=StepKind.DBLCLICK)
            del out[pair[1]]
    return out


def steps(events: Iterable[Raw]) -> list[Step]:
    """The steps of a whole recording."""
    b = StepsBuilder()
    for e in events:
        b.feed(e)
    return b.steps()
