"""The one mirror DOM: a node table keyed by rrweb node id.

This is the single implementation of "apply this event to the recorded DOM". The privacy
pass (recorder) runs it before anything is stored and the player's rebuild runs it to
show any moment, so the two can never disagree about what a recording means.

It is deliberately not an lxml tree: applying a million events must be cheap, and a
checkpoint (`dump`/`load`) must be a compact bytes blob. Damaged recordings (missing
parents, unknown ids, duplicate ids) never raise: the offending operation is skipped and
counted in `warnings`.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterable, Iterator

from .format import (PAGE_NOT_RECORDED, UNRECORDED_NODE, EventType, IncrementalSource,
                     MediaInteractions, MouseInteractions, NodeType,
                     decode_msgpack, encode_msgpack, replace_lone_surrogates)
from .semantics import interaction_place

try:   # compiled, `_load_nodes` takes its nodes out of the cyclic GC's care (see there)
    import cython
    _COMPILED = cython.compiled
except ImportError:   # no Cython: pure Python
    _COMPILED = False

Raw = dict[str, Any]

_ELEMENT = int(NodeType.Element)
# `in` compares by ==: a node type in bad input may be unhashable
_TEXTLIKE = tuple(int(t) for t in (NodeType.Text, NodeType.Comment, NodeType.CDATA))
_DOCTYPE = int(NodeType.DocumentType)
_DOCUMENT = int(NodeType.Document)
_INC = int(EventType.IncrementalSnapshot)

# Serialized-node keys the mirror models itself; anything else is kept in `extra`.
_MODELLED_KEYS = frozenset(
    {"type", "id", "tagName", "attributes", "childNodes", "isSVG", "textContent", "isStyle",
     "name", "publicId", "systemId"}
)
# A serialized node with more keys than these may carry some the mirror does not model (kept
# in `extra`): a text node has three (type, id, textContent), an element four (and its
# children), a document three (type, id, children). A shadow root's text node - `{type, id,
# textContent, isShadow}` - lost its flag when text was held to the element's count, and
# replayed outside its shadow root; a quirks-mode document its `compatMode` so.
_TEXT_KEYS = 3
_ELEMENT_KEYS = 4


class Node:
    """One recorded node. `attrs` holds element attributes (or a doctype's name/publicId/
    systemId); `text` a text/comment/CDATA node's content. The state fields are what
    incremental events change that is not an attribute: an input's value and checked
    state, scroll offsets, media state, and a stylesheet's rules once edited by CSSOM."""

    __slots__ = ("id", "type", "tag", "attrs", "text", "parent", "children", "svg",
                 "is_style", "value", "checked", "scroll", "media", "sheet", "extra", "mark",
                 "mark_gen")

    def __init__(self, id: int, type: int, tag: str | None = None, attrs: dict | None = None,
                 text: str | None = None, parent: int | None = None, svg: bool = False,
                 is_style: bool = False):
        self.id = id
        self.type = type
        self.tag = tag
        self.attrs = attrs if attrs is not None else {}
        self.text = text
        self.parent = parent
        self.children: list[int] = []
        self.svg = svg
        self.is_style = is_style
        self.value: Any = None      # live input value (Input events), None = attribute's
        self.checked: bool | None = None
        self.scroll: tuple[float, float] | None = None
        self.media: dict | None = None
        self.sheet: list[str] | None = None   # CSS rules after StyleSheetRule edits
        self.extra: dict | None = None        # serialized-node fields we do not model
        self.mark: Any = None                 # a pass's cache (the privacy level) ...
        self.mark_gen = -1                    # ... valid while this is the pass's generation

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        what = self.tag if self.type == NodeType.Element else repr((self.text or "")[:20])
        return f"<Node {self.id} {what}>"

    # checkpoint form: a flat list, msgpack-friendly
    def _dump(self) -> list:
        return [self.id, self.type, self.tag, self.attrs, self.text, self.parent, self.children,
                self.svg, self.is_style, self.value, self.checked,
                list(self.scroll) if self.scroll else None, self.media, self.sheet, self.extra]


def _node_of(row: list) -> Node:
    """The node a checkpoint row (`Node._dump`) holds (compiled: a C function, its class's
    allocation and fields direct - Mirror.load makes one per node of the page)."""
    n = Node.__new__(Node)
    (n.id, n.type, n.tag, n.attrs, n.text, n.parent, n.children, n.svg, n.is_style,
     n.value, n.checked, scroll, n.media, n.sheet, n.extra) = row
    n.scroll = tuple(scroll) if scroll else None
    n.mark = None
    n.mark_gen = -1
    return n


class Mirror:
    def __init__(self) -> None:
        self.nodes: dict[int, Node] = {}
        self.root: int | None = None
        self.href: str = ""
        self.width: float = 0
        self.height: float = 0
        self.window_scroll: tuple[float, float] = (0, 0)
        self.selection: list | None = None
        self.focus: int | None = None               # the focused node's id (Focus/Blur)
        self.focus_visible = False                  # ... and whether it shows a focus ring
        self._pointer_down = False                  # a press not yet followed by a focus
        self._pointer_click_at: float | None = None  # a pointer's click not yet followed by one
        self.fonts: list[dict] = []                 # font faces the page loaded (Font events)
        self.canvas: dict[int, list[dict]] = {}     # 2D canvas id -> drawing commands since
                                                    # the snapshot's bitmap (compacted)
        self.adopted: dict[int, list[str]] = {}     # styleId -> rules (adopted sheets)
        self.adopted_by: dict[int, list[int]] = {}  # host node id -> styleIds
        self.warnings: Counter[str] = Counter()
        self.has_snapshot = False
        # a page whose snapshot was not recorded (PAGE_NOT_RECORDED's payload) until the next
        # snapshot: a notice is shown, and that page's changes are left alone
        self.not_recorded: dict | None = None

    # --- queries -------------------------------------------------------------------
    def get(self, id: int) -> Node | None:
        return self.nodes.get(id)

    def ancestors(self, id: int) -> Iterator[Node]:
        """The node's parent, grandparent, ... up to the document."""
        nodes = self.nodes
        n = nodes.get(id)
        while n is not None and n.parent is not None:
            n = nodes.get(n.parent)
            if n is not None:
                yield n

    def walk(self, id: int | None = None) -> Iterator[Node]:
        """Pre-order traversal from `id` (default: the document)."""
        start = self.root if id is None else id
        if start is None or start not in self.nodes:
            return
        nodes = self.nodes
        stack = [start]
        while stack:
            n = nodes.get(stack.pop())
            if n is None:
                continue
            yield n
            stack.extend(reversed(n.children))

    def element_by_tag(self, tag: str) -> Node | None:
        for n in self.walk():
            if n.type == NodeType.Element and n.tag == tag:
                return n
        return None

    def text_of(self, id: int) -> str:
        """Concatenated text beneath a node (like textContent)."""
        return "".join(n.text or "" for n in self.walk(id) if n.type == NodeType.Text)

    def __len__(self) -> int:
        return len(self.nodes)

    # --- applying events -------------------------------------------------------------
    def apply(self, event: Raw) -> None:
        """Apply one raw rrweb event. Events that do not change the DOM are ignored."""
        t = event.get("type")
        data = event.get("data")
        if not isinstance(data, dict):
            return
        if t == _INC:
            if self.not_recorded is not None:   # a change of a page no one has
                return
            src = data.get("source")
            if src == _INTERACTION:   # how the focus shows depends on when it came
                self.apply_interaction(data, event.get("timestamp"))
                return
            handler = _INCREMENTAL.get(src)
            if handler is not None:
                handler(self, data)
        elif t == EventType.FullSnapshot:
            self.apply_full_snapshot(data)
        elif t == EventType.Custom:
            if data.get("tag") == PAGE_NOT_RECORDED:
                self.apply_page_not_recorded(data.get("payload"))
        elif t == EventType.Meta:
            href = data.get("href", self.href) or self.href
            if href != self.href:
                self.fonts = []   # a new page: the last one's font faces went with it
            self.href = href
            self.width = data.get("width", self.width) or self.width
            self.height = data.get("height", self.height) or self.height

    def apply_all(self, events: Iterable[Raw]) -> "Mirror":
        for e in events:
            self.apply(e)
        return self

    def apply_page_not_recorded(self, payload: Any) -> None:
        """A page whose snapshot the recorder could not send (capture.js, when the intake
        refused it: over its 1 MB event limit, say): shown as a notice saying so, and its
        changes left alone until the next snapshot - they were read as damage ("focus on
        unknown node"), or changed the last page's nodes of the same ids."""
        why = payload.get("why") if isinstance(payload, dict) else None
        why = why[:NOTICE_WHY_CHARS] if isinstance(why, str) else ""
        self.apply_full_snapshot({"node": notice_page(why)})
        # what is kept (in every checkpoint until the next snapshot): the words shown, no more
        self.not_recorded = {"why": why}

    def apply_full_snapshot(self, data: Raw) -> None:
        node = data.get("node")
        if not isinstance(node, dict):
            self.warnings["snapshot without node"] += 1
            return
        self.not_recorded = None
        self.nodes = {}
        self.adopted = {}
        self.adopted_by = {}
        self.selection = None
        self.focus = None
        self.focus_visible = self._pointer_down = False
        self._pointer_click_at = None
        self.canvas = {}
        self.root = None
        root = self._build(node, None)
        self.root = root.id if root is not None else None
        off = data.get("initialOffset") or {}
        self.window_scroll = (off.get("left", 0) or 0, off.get("top", 0) or 0)
        self.has_snapshot = True

    def _build(self, sn: Raw, parent: int | None) -> Node | None:
        """Insert a serialized subtree under `parent` (not linked into the parent's child
        list; callers do that). Iterative: real pages nest deeper than Python's stack."""
        nodes = self.nodes
        top: Node | None = None
        stack: list[tuple[Raw, int | None]] = [(sn, parent)]
        pop, push = stack.pop, stack.append
        while stack:
            s, p = pop()
            nid = s.get("id")
            if type(nid) is not int:
                if not isinstance(nid, int) or isinstance(nid, bool):
                    self.warnings["node without id"] += 1
                    continue
            if nid in nodes:
                self.warnings["duplicate node id"] += 1
                continue
            ntype = s.get("type")
            if ntype == _ELEMENT:
                attrs = s.get("attributes")
                tag = s.get("tagName")
                n = Node(nid, ntype, str(tag or "div").lower(),
                         dict(attrs) if type(attrs) is dict or isinstance(attrs, dict) else {},
                         None, p, bool(s.get("isSVG")))
            elif ntype in _TEXTLIKE:
                tc = s.get("textContent")
                n = Node(nid, ntype, None, None, tc if type(tc) is str or isinstance(tc, str)
                         else "", p, False, bool(s.get("isStyle")))
            elif ntype == _DOCTYPE:
                n = Node(nid, ntype, None, {"name": s.get("name", "html"),
                                            "publicId": s.get("publicId", ""),
                                            "systemId": s.get("systemId", "")}, None, p)
            elif ntype == _DOCUMENT:
                n = Node(nid, ntype, None, None, None, p)
            else:
                self.warnings["unknown node type"] += 1
                continue
            if len(s) > (_ELEMENT_KEYS if ntype == _ELEMENT else _TEXT_KEYS):
                extra = {k: v for k, v in s.items() if k not in _MODELLED_KEYS}
                if extra:
                    n.extra = extra
            nodes[nid] = n
            if top is None:
                top = n
            elif p is not None:
                pn = nodes.get(p)
                if pn is not None:
                    pn.children.append(nid)
            kids = s.get("childNodes")
            if kids:
                for child in reversed(kids):
                    if type(child) is dict or isinstance(child, dict):
                        push((child, nid))
        return top

    def _detach(self, nid: int) -> None:
        """Remove a node and its subtree from the table and from its parent's children."""
        n = self.nodes.get(nid)
        if n is not None:
            self._unlink(n)

    def _unlink(self, n: Node) -> None:
        """`_detach` of a node at hand (a remove looks it up once). Its own id object, not
        the event's equal one, is what the parent's children hold: found by identity."""
        nodes = self.nodes
        nid = n.id
        if n.parent is not None:
            pn = nodes.get(n.parent)
            if pn is not None:
                try:
                    pn.children.remove(nid)
                except ValueError:
                    pass
        if not n.children:  # the usual remove on a live page: one text node or a leaf
            del nodes[nid]
            if nid == self.root:
                self.root = None
            return
        stack = [nid]
        while stack:
            x = nodes.pop(stack.pop(), None)
            if x is not None:
                stack.extend(x.children)
        if nid == self.root:
            self.root = None

    def apply_mutation(self, data: Raw) -> None:
        nodes = self.nodes
        warn = self.warnings
        for r in data.get("removes") or ():
            n = nodes.get(field(r, "id"))
            if n is not None:
                self._unlink(n)
            else:
                warn["remove of unknown node"] += 1
        adds = data.get("adds") or ()
        if adds:
            self._apply_adds(adds)
        for t in data.get("texts") or ():
            n = nodes.get(field(t, "id"))
            if n is None:
                warn["text change on unknown node"] += 1
                continue
            v = field(t, "value")
            n.text = v if isinstance(v, str) else ""
            if n.parent is not None:  # editing a <style>'s text resets its CSSOM edits
                pn = nodes.get(n.parent)
                if pn is not None and pn.sheet is not None:
                    pn.sheet = None
        for a in data.get("attributes") or ():
            n = nodes.get(field(a, "id"))
            if n is None:
                warn["attribute change on unknown node"] += 1
                continue
            attrs = field(a, "attributes")
            if not isinstance(attrs, dict):
                continue
            for k, v in attrs.items():
                if v is None:
                    n.attrs.pop(k, None)
                elif k == "style" and isinstance(v, dict):
                    n.attrs["style"] = apply_style_diff(n.attrs.get("style"), v)
                else:
                    n.attrs[k] = v
                if k == "value":
                    n.value = None  # the attribute now speaks for the value
                elif k == "checked":
                    n.checked = None
                elif k in ("width", "height", "rr_dataURL") and n.tag == "canvas":
                    self.canvas.pop(n.id, None)   # resized or re-snapshotted: drawn afresh

    def _apply_adds(self, adds: Iterable[Raw]) -> None:
        nodes = self.nodes
        # rrweb emits adds children-first in places; retry until nothing more can be
        # placed, then count what is left as orphans (its parent never arrived). The first
        # round also drops malformed items; written for the usual add (a known parent, no
        # sibling or a known one), it is the only round of nearly every mutation.
        pending: Iterable[Raw] = adds
        first = True
        while pending:
            left = []
            tried = 0
            for a in pending:
                if first and (type(a) is not dict or type(a.get("node")) is not dict) and (
                        not isinstance(a, dict) or not isinstance(a.get("node"), dict)):
                    continue
                tried += 1
                pid = field(a, "parentId")
                nxt = field(a, "nextId")
                if nxt is not None:
                    nxt = _sibling(nxt)
                prev = field(a, "previousId")
                if prev is not None:
                    prev = _sibling(prev)
                if pid not in nodes or (nxt is not None and nxt not in nodes) or (
                        prev is not None and nxt is None and prev not in nodes):
                    left.append(a)
                    continue
                self._insert(field(a, "node"), pid, nxt, prev)
            first = False
            if left and len(left) == tried:
                # last resort: ignore a sibling that never arrived, keep the parent
                progressed = False
                for a in left:
                    if a.get("parentId") in nodes:
                        self.warnings["add with unknown sibling"] += 1
                        self._insert(a["node"], a["parentId"], None, None)
                        progressed = True
                if not progressed:
                    self.warnings["add with unknown parent"] += len(left)
                    return
                left = [a for a in left if a.get("parentId") not in nodes]
            pending = left

    def _insert(self, sn: Raw, pid: int, nxt: int | None, prev: int | None) -> None:
        nid = sn.get("id")
        if nid in self.nodes:
            # the same id added again is a move: rrweb re-serializes a moved node; a move
            # under itself or its own descendant cannot happen in a real DOM
            under_itself = nid == pid
            if not under_itself:   # a loop, not any(): compiled, _insert holds no closure
                for a in self.ancestors(pid):
                    if a.id == nid:
                        under_itself = True
                        break
            if under_itself:
                self.warnings["node moved under itself"] += 1
                return
            self._detach(nid)
        parent = self.nodes[pid]
        ntype = sn.get("type")
        if ntype in _TEXTLIKE and type(nid) is int and "childNodes" not in sn:
            # a text node, most adds of a live page: what `_build` makes of it, directly
            tc = sn.get("textContent")
            n = Node(nid, ntype, None, None, tc if type(tc) is str or isinstance(tc, str)
                     else "", pid, False, bool(sn.get("isStyle")))
            if len(sn) > _TEXT_KEYS:   # a shadow root's text: `isShadow` beside the three
                extra = {k: v for k, v in sn.items() if k not in _MODELLED_KEYS}
                if extra:
                    n.extra = extra
            self.nodes[nid] = n
        else:
            n = self._build(sn, pid)
            if n is None:
                return
        kids = parent.children
        if nxt is not None and nxt in self.nodes:
            try:
                kids.insert(kids.index(nxt), n.id)
                return
            except ValueError:
                self.warnings["next sibling not a child"] += 1
        elif prev is not None and prev in self.nodes:
            try:
                kids.insert(kids.index(prev) + 1, n.id)
                return
            except ValueError:
                self.warnings["previous sibling not a child"] += 1
        kids.append(n.id)

    def apply_input(self, data: Raw) -> None:
        n = self.nodes.get(data.get("id"))
        if n is None:
            self.warnings["input on unknown node"] += 1
            return
        if "text" in data:
            n.value = data.get("text")
            if n.tag == "select" and "multiple" in n.attrs:
                self._select_only(n, n.value)
        if data.get("isChecked") is not None:
            n.checked = bool(data["isChecked"])

    def _select_only(self, select: Node, value: Any) -> None:
        """A <select multiple> given a value: its selected options are its `selected`
        attributes (as rrweb's snapshot gives them; a recorder sends the others selected
        after the value, capture.js as changes of that attribute), and the value leaves the
        first option of that value selected alone, as the value setter does."""
        found = False
        for o in self.walk(select.id):
            if o.type != NodeType.Element or o.tag != "option":
                continue
            v = o.attrs.get("value")
            if not isinstance(v, str):
                v = " ".join(self.text_of(o.id).split())
            if not found and v == value:
                found = True
                o.attrs["selected"] = True
            else:
                o.attrs.pop("selected", None)

    def apply_scroll(self, data: Raw) -> None:
        nid = data.get("id")
        pos = (data.get("x", 0) or 0, data.get("y", 0) or 0)
        n = self.nodes.get(nid)
        if n is None:
            self.warnings["scroll on unknown node"] += 1
            return
        if self.scrolls_window(n):
            self.window_scroll = pos
        else:
            n.scroll = pos   # an element, or an iframe's document (its own window)

    def scrolls_window(self, n: Node) -> bool:
        """A scroll of this node is the window's: the top document, or its html/body."""
        if n.type == NodeType.Document:
            return n.id == self.root
        return n.tag in ("html", "body") and n.id in self._top_ids()

    def _top_ids(self) -> tuple:
        r = self.nodes.get(self.root) if self.root is not None else None
        if r is None:
            return ()
        return tuple(r.children)

    def apply_viewport(self, data: Raw) -> None:
        self.width = data.get("width", self.width)
        self.height = data.get("height", self.height)

    def apply_media(self, data: Raw) -> None:
        n = self.nodes.get(data.get("id"))
        if n is None:
            self.warnings["media event on unknown node"] += 1
            return
        m = dict(n.media or {})
        kind = data.get("type")
        if kind == MediaInteractions.Play:
            m["paused"] = False
        elif kind == MediaInteractions.Pause:
            m["paused"] = True
        for k in ("currentTime", "volume", "muted", "playbackRate", "loop"):
            if data.get(k) is not None:
                m[k] = data[k]
        n.media = m

    def _sheet_of(self, data: Raw) -> list[str] | None:
        if data.get("styleId") is not None and data.get("id") is None:
            return self.adopted.setdefault(data["styleId"], [])
        n = self.nodes.get(data.get("id"))
        if n is None:
            self.warnings["stylesheet edit on unknown node"] += 1
            return None
        if n.sheet is None:
            # rrweb inlines a sheet as `_cssText` when the element's text is not its CSS: a
            # <link>'s, and a <style> filled only by insertRule (CSS-in-JS) - its rules
            # are that text, not the (empty) text children
            css = n.attrs.get("_cssText")
            if not isinstance(css, str):
                css = self.text_of(n.id) if n.tag != "link" else ""
            n.sheet = split_css_rules(css)
        return n.sheet

    def apply_stylesheet_rule(self, data: Raw) -> None:
        sheet = self._sheet_of(data)
        if sheet is None:
            return
        for key in ("replace", "replaceSync"):
            if isinstance(data.get(key), str):
                sheet[:] = split_css_rules(data[key])
        # rrweb's replayer applies the inserts before the deletes; an index is a position
        # in the sheet, or a path of positions into nested rules (@media, @supports, ...)
        for a in data.get("adds") or ():
            rule = a.get("rule") if isinstance(a, dict) else None
            if isinstance(rule, str):
                self._edit_rules(sheet, a.get("index"), _insert_rule(rule))
        for r in data.get("removes") or ():
            if isinstance(r, dict):
                self._edit_rules(sheet, r.get("index"), _delete_rule)

    def apply_style_declaration(self, data: Raw) -> None:
        sheet = self._sheet_of(data)
        if sheet is None:
            return
        diff: dict[str, Any] = {}
        s = data.get("set")
        if isinstance(s, dict) and s.get("property"):
            diff[s["property"]] = [s.get("value") or "", s.get("priority") or ""]
        rm = data.get("remove")
        if isinstance(rm, dict) and rm.get("property"):
            diff[rm["property"]] = False
        self._edit_rules(sheet, data.get("index"), _declare(diff), exact=True)

    def _edit_rules(self, sheet: list[str], index: Any, edit: Any, exact: bool = False) -> bool:
        """Apply `edit(rules, i)` at `index` (a position, or a path of positions through
        nested grouping rules); rules above it are re-serialized around the edited list.
        A path that does not lead anywhere, or an edit that finds no rule there, is
        counted, not raised. `exact`: the index is required (declarations edit an existing
        rule)."""
        path = [index] if isinstance(index, int) and not isinstance(index, bool) else index
        if index is None and not exact:
            path = [None]        # no index: insertRule's default (the end)
        if not isinstance(path, list) or not path or len(path) > MAX_RULE_NESTING or not all(
                (isinstance(i, int) and not isinstance(i, bool)) or i is None for i in path):
            self.warnings["stylesheet edit with a bad index"] += 1
            return False
        lists = [sheet]
        for i in path[:-1]:       # down to the list the last position is in
            rules = lists[-1]
            if i is None or not 0 <= i < len(rules) or _block(rules[i]) is None:
                self.warnings["nested stylesheet edit outside the sheet"] += 1
                return False
            lists.append(split_css_rules(_block(rules[i])[1]))
        if not edit(lists[-1], path[-1]):
            self.warnings["style declaration edit not applied"] += 1
            return False
        for depth in range(len(path) - 2, -1, -1):   # back up, rebuilding each group
            rules, i = lists[depth], path[depth]
            prelude, _ = _block(rules[i])
            rules[i] = prelude.strip() + " { " + " ".join(lists[depth + 1]) + " }"
        return True

    def apply_interaction(self, data: Raw, at: float | None = None) -> None:
        """Focus and Blur move the focus (`:focus` styles, focus rings); the other mouse
        interactions change nothing in the DOM. Whether the focus shows as `:focus-visible`
        follows Chromium's rule: a text field always does, anything else only when the
        focus did not come from a press of the mouse or a finger (MouseDown/TouchStart
        just before it) - nor from the handler of its click (a focus within
        CLICK_HANDLER_MS after a pointer's Click, `at` the event's timestamp: the button
        showModal() focuses in a dialog opened by a click shows no ring; opened from the
        keyboard, whose click has no place, it does)."""
        kind = data.get("type")
        nid = data.get("id")
        if kind in POINTER_PRESSES:
            self._pointer_down = True
        elif kind == MouseInteractions.Click:
            if interaction_place(data) is not None:   # (not Enter or Space on a button)
                self._pointer_click_at = at
        elif kind == MouseInteractions.Focus:
            n = self.nodes.get(nid)
            clicked = self._pointer_click_at
            by_pointer = self._pointer_down or (
                clicked is not None and at is not None and 0 <= at - clicked <= CLICK_HANDLER_MS)
            if n is not None:
                self.focus = nid
                self.focus_visible = not by_pointer or _is_text_entry(n)
            else:   # it left what is recorded (rrweb's UNRECORDED_NODE: no damage)
                self.focus = None
                self.focus_visible = False
                if nid != UNRECORDED_NODE:
                    self.warnings["focus on unknown node"] += 1
            self._pointer_down = False
            self._pointer_click_at = None
        elif kind == MouseInteractions.Blur and nid == self.focus:
            self.focus = None
            self.focus_visible = False

    def apply_font(self, data: Raw) -> None:
        """A font face the page constructed (rrweb's `collectFonts`): kept as recorded,
        {family, fontSource, buffer, descriptors}; the same face again replaces it."""
        family, src = data.get("family"), data.get("fontSource")
        if not isinstance(family, str) or not isinstance(src, str):
            self.warnings["font without family or source"] += 1
            return
        desc = data.get("descriptors")
        face = {"family": family, "fontSource": src, "buffer": bool(data.get("buffer")),
                "descriptors": desc if isinstance(desc, dict) else {}}
        self.fonts = [f for f in self.fonts
                      if (f["family"], f["descriptors"]) != (family, face["descriptors"])]
        self.fonts.append(face)

    def apply_canvas(self, data: Raw) -> bool:
        """2D drawing commands (rrweb's recordCanvas): appended to the canvas's history,
        so any moment can redraw it. A command painting over the whole canvas
        (clearRect/fillRect from the origin at least its size) makes what was drawn before
        invisible: the history is compacted to the context state set before it. WebGL
        contexts are recorded as commands too, but only their bitmaps are shown.
        Returns True when the history was rewritten, not only appended to."""
        n = self.nodes.get(data.get("id"))
        if n is None or n.tag != "canvas":
            self.warnings["canvas commands on unknown node"] += 1
            return False
        if data.get("type", CANVAS_2D) != CANVAS_2D:
            self.warnings["webgl canvas commands not replayed"] += 1
            return False
        cmds = data.get("commands")
        if not isinstance(cmds, list):
            cmds = [data] if "property" in data else []
        history = self.canvas.setdefault(n.id, [])
        rewritten = False
        size = (_num_attr(n.attrs.get("width"), 300), _num_attr(n.attrs.get("height"), 150))
        for c in cmds:
            if not isinstance(c, dict) or not isinstance(c.get("property"), str):
                self.warnings["canvas command without property"] += 1
                continue
            cmd = {"property": c["property"], "args": c.get("args") if isinstance(c.get("args"), list) else []}
            if c.get("setter"):
                cmd["setter"] = True
            if _covers(cmd, size) and history:
                history[:] = [h for h in history if h.get("setter") or h["property"] in CANVAS_STATE]
                rewritten = True
            history.append(cmd)
        if len(history) > MAX_CANVAS_COMMANDS:
            self.warnings["canvas history over its limit (oldest drawing dropped)"] += 1
            del history[: len(history) - MAX_CANVAS_COMMANDS]
            rewritten = True
        return rewritten

    def apply_selection(self, data: Raw) -> None:
        """The selected ranges, {start, startOffset, end, endOffset} by node id (an empty
        list: nothing selected). A range that is not of that shape, or names a node the
        recording does not have, is left out and counted."""
        ranges = data.get("ranges")
        if not isinstance(ranges, list):
            self.warnings["selection without ranges"] += 1
            return
        kept = []
        for r in ranges:
            if not (isinstance(r, dict) and all(_count(r.get(k)) for k in _RANGE_KEYS)):
                self.warnings["malformed selection range"] += 1
            elif r["start"] not in self.nodes or r["end"] not in self.nodes:
                self.warnings["selection of unknown node"] += 1
            else:
                kept.append({k: r[k] for k in _RANGE_KEYS})
        self.selection = kept

    def apply_adopted(self, data: Raw) -> None:
        """Constructed sheets adopted by a document or a shadow host: new sheets' rules by
        styleId, then the host's list of styleIds (rrweb's AdoptedStyleSheet event)."""
        for s in data.get("styles") or ():
            if not (isinstance(s, dict) and _count(s.get("styleId"))):
                self.warnings["adopted sheet without styleId"] += 1
                continue
            rules = s.get("rules") if isinstance(s.get("rules"), list) else []
            self.adopted[s["styleId"]] = [r["rule"] for r in rules
                                          if isinstance(r, dict) and isinstance(r.get("rule"), str)]
        host, ids = data.get("id"), data.get("styleIds")
        if host not in self.nodes or isinstance(host, bool):
            self.warnings["adopted sheets on unknown node"] += 1
        elif not isinstance(ids, list):
            self.warnings["adopted sheets without styleIds"] += 1
        else:
            self.adopted_by[host] = [i for i in ids if _count(i)]

    # --- checkpoints -------------------------------------------------------------------
    def dump(self) -> bytes:
        """A compact checkpoint of the whole state (MessagePack; the nodes as a node table,
        `_dump_nodes`)."""
        return encode_msgpack([
            CHECKPOINT_VERSION, self.root, self.href, self.width, self.height,
            list(self.window_scroll), self.selection,
            {str(k): v for k, v in self.adopted.items()},
            {str(k): v for k, v in self.adopted_by.items()}, self.has_snapshot,
            _dump_nodes(self.nodes), self.focus, self.fonts,
            {str(k): v for k, v in self.canvas.items()}, self.focus_visible, self._pointer_down,
            self._pointer_click_at, self.not_recorded,
        ])

    def replace_lone_surrogates(self) -> None:
        """Repair every text the state holds so `dump` can encode it (lone surrogates, as
        Python's json lets into events, become U+FFFD)."""
        fix = replace_lone_surrogates
        for n in self.nodes.values():
            n.text, n.attrs, n.value = fix(n.text), fix(n.attrs), fix(n.value)
            n.extra, n.sheet = fix(n.extra), fix(n.sheet)
        self.href, self.selection = fix(self.href), fix(self.selection)
        self.adopted, self.not_recorded = fix(self.adopted), fix(self.not_recorded)

    @classmethod
    def load(cls, blob: bytes) -> "Mirror":
        (version, root, href, width, height, scroll, selection, adopted, adopted_by,
         has_snapshot, rows, *later) = decode_msgpack(blob)
        # a layout this code does not write is not guessed at (a later one may hold its
        # nodes otherwise); ValueError: a kept index holding one is dropped and built again
        if type(version) is not int or not 1 <= version <= CHECKPOINT_VERSION:
            raise ValueError(f"checkpoint version {version!r} is not one this code reads")
        # compiled without bounds checks, an index into a list is not checked: every list
        # indexed here is unpacked or its length checked first (a damaged checkpoint raises
        # ValueError, compiled and pure alike, instead of reading past the list)
        if version >= 2 and (type(rows) is not list or len(rows) != 3):
            raise ValueError("checkpoint node table is not [strings, stream, rare]")
        m = cls()
        if later:   # fields added after version 1, in order
            m.focus = later[0]
        if len(later) > 1:
            m.fonts = later[1]
        if len(later) > 2:
            m.canvas = {int(k): v for k, v in later[2].items()}
        if len(later) > 4:
            m.focus_visible, m._pointer_down = later[3], later[4]
        if len(later) > 5:
            m._pointer_click_at = later[5]
        if len(later) > 6:
            m.not_recorded = later[6]
        m.root, m.href, m.width, m.height = root, href, width, height
        m.window_scroll = tuple(scroll)
        m.selection = selection
        m.adopted = {int(k): v for k, v in adopted.items()}
        m.adopted_by = {int(k): v for k, v in adopted_by.items()}
        m.has_snapshot = has_snapshot
        if version >= 2:
            strings, stream, rare = rows
            m.nodes = _load_nodes(strings, stream, rare)
        else:   # version 1: a row per node (`Node._dump`; `_node_of` unpacks it, checked)
            nodes = m.nodes
            for row in rows:
                n = _node_of(row)
                nodes[n.id] = n
        return m

    def copy(self) -> "Mirror":
        return Mirror.load(self.dump())

    def to_serialized(self, id: int | None = None) -> Raw | None:
        """The subtree as an rrweb serialized node (current state, attributes as now)."""
        start = self.root if id is None else id
        n = self.nodes.get(start) if start is not None else None
        if n is None:
            return None
        nodes = self.nodes

        def ser(x: Node) -> Raw:
            d: Raw = {"type": x.type, "id": x.id}
            if x.type == NodeType.Element:
                d["tagName"] = x.tag
                d["attributes"] = dict(x.attrs)
                if x.svg:
                    d["isSVG"] = True
            elif x.type == NodeType.DocumentType:
                d.update(x.attrs)
            elif x.type != NodeType.Document:
                d["textContent"] = x.text
                if x.is_style:
                    d["isStyle"] = True
            if x.extra:
                for k, v in x.extra.items():
                    d.setdefault(k, v)
            return d

        # iterative: real pages nest deeper than Python's stack
        top = ser(n)
        stack = [(n, top)]
        while stack:
            x, d = stack.pop()
            if x.type in (NodeType.Element, NodeType.Document):
                kids = d["childNodes"] = []
                for c in x.children:
                    cn = nodes.get(c)
                    if cn is not None:
                        cd = ser(cn)
                        kids.append(cd)
                        stack.append((cn, cd))
        return top


# --- the checkpoint's node table ----------------------------------------------------------
# Version 1 of a checkpoint held a row per node (`Node._dump`): decoding it built a list per
# node, then the node from it, and each node's own copy of every string - the tag, each
# attribute's name and value, the text - most of which repeat across the page ("div",
# "class", the same class names, whitespace text). Loading a 1,339-node page so took
# 0.5 ms, more than anything else in a seek. Version 2 holds the nodes as
#   strings  every distinct string of the plain nodes, once (a node refers to it by number,
#            and the loaded nodes share it: strings are immutable)
#   stream   unsigned LEB128 varints, node after node, in the table's order:
#              id + 1, type, tag, text, parent, flags, n_attrs, (name, value) * n_attrs,
#              n_children, (child id) * n_children
#            (tag/text: a string's number + 1, 0 for None; parent: its id + 1, 0 for None;
#            flags: 1 isSVG, 2 isStyle), or 0, k: the node is rare[k]
#   rare     `Node._dump` rows of the nodes that are not plain (`_plain`): a live input
#            value, a scroll, media state, CSSOM-edited rules, unmodelled fields, an
#            attribute that is not a string, a negative id (damaged input) - so any node
#            round-trips.
# Loading reads the stream in C (compiled) straight into the nodes.
CHECKPOINT_VERSION = 2
_ID_MAX = 0x7FFFFFFF   # ids, types and children beyond this are rare (damaged input)
# The stream's values: an id, type or child (at most _ID_MAX), an id or parent + 1, a count
# or a string's or rare row's number (of lists in memory, far below 2 ** 31). Each fits in
# VARINT_BYTES bytes of 7 bits; the reader takes no more (a longer one is damage, and its
# shifts stay within 64 bits compiled), and the writer's buffer is that many per value.
VARINT_BYTES = 5
_VARINT_MAX = (1 << (7 * VARINT_BYTES)) - 1     # the largest value one carries
_VARINT_LAST_SHIFT = 7 * (VARINT_BYTES - 1)     # the shift of a varint's last byte
assert _ID_MAX + 1 <= _VARINT_MAX


def _fits(v: Any) -> bool:
    """An int the stream holds (not a bool, not negative, not huge): at most _ID_MAX, so
    it and it + 1 (an id or a parent) are a varint of at most VARINT_BYTES."""
    return type(v) is int and 0 <= v <= _ID_MAX


def _plain(n: Node) -> bool:
    """The node fits the stream (see above); else it goes in `rare`."""
    if not (_fits(n.id) and _fits(n.type) and (n.parent is None or _fits(n.parent))):
        return False
    if (n.value is not None or n.checked is not None or n.scroll is not None
            or n.media is not None or n.sheet is not None or n.extra is not None):
        return False
    if not ((n.tag is None or type(n.tag) is str) and (n.text is None or type(n.text) is str)):
        return False
    if not ((n.svg is True or n.svg is False) and (n.is_style is True or n.is_style is False)):
        return False
    if type(n.attrs) is not dict or type(n.children) is not list:
        return False
    for k, v in n.attrs.items():
        if type(k) is not str or type(v) is not str:
            return False
    for c in n.children:
        if not _fits(c):
            return False
    return True


def _string_no(x: Any, index: dict, strings: list) -> int:
    """x's number + 1 in `strings` (added if new), 0 for None."""
    if x is None:
        return 0
    k = index.get(x)
    if k is None:
        strings.append(x)
        k = index[x] = len(strings)
    return k


def _varints(values: list) -> bytes:
    """Unsigned LEB128 of each value (each 0 to _VARINT_MAX: VARINT_BYTES at most, the
    buffer's bound per value), one after another."""
    buf = bytearray(VARINT_BYTES * len(values))
    j = 0
    for x in values:
        if not 0 <= x <= _VARINT_MAX:   # (compiled, the buffer is written unchecked)
            raise ValueError(f"checkpoint stream value {x} out of range")
        v = x
        while v >= 0x80:
            buf[j] = (v & 0x7F) | 0x80
            v >>= 7
            j += 1
        buf[j] = v
        j += 1
    return bytes(buf[:j])


class _Varints:
    """Reads `_varints`'s bytes back, value after value."""

    def __init__(self, data: bytes):
        self.data = data
        self.p = data     # a pointer to the bytes, compiled
        self.i = 0
        self.end = len(data)

    def more(self) -> bool:
        return self.i < self.end

    def next(self) -> int:
        p = self.p
        i = self.i
        if i >= self.end:
            raise ValueError("checkpoint node stream cut short")
        b = p[i]
        v = b & 0x7F
        shift = 7
        while b & 0x80:
            i += 1
            if i >= self.end or shift > _VARINT_LAST_SHIFT:
                raise ValueError("checkpoint node stream damaged")
            b = p[i]
            low = b & 0x7F   # compiled: unsigned 64 bits before it is shifted (an int's
            v |= low << shift   # shift past 31 bits was undefined: sign-extended ids)
            shift += 7
        self.i = i + 1
        return v


def _string_at(strings: list, k: int) -> Any:
    """`_string_no`'s number k back (None for 0); ValueError past the table (damaged)."""
    if k == 0:
        return None
    if k > len(strings):
        raise ValueError("checkpoint string number out of range")
    return strings[k - 1]


def _dump_nodes(nodes: dict) -> list:
    """The nodes as [strings, stream, rare] (see above)."""
    index: dict = {}
    strings: list = []
    out: list = []
    rare: list = []
    for n in nodes.values():
        if not _plain(n):
            out.append(0)
            out.append(len(rare))
            rare.append(n._dump())
            continue
        out.append(n.id + 1)
        out.append(n.type)
        out.append(_string_no(n.tag, index, strings))
        out.append(_string_no(n.text, index, strings))
        out.append(0 if n.parent is None else n.parent + 1)
        out.append((1 if n.svg else 0) | (2 if n.is_style else 0))
        attrs = n.attrs
        out.append(len(attrs))
        for k, v in attrs.items():
            out.append(_string_no(k, index, strings))
            out.append(_string_no(v, index, strings))
        kids = n.children
        out.append(len(kids))
        out.extend(kids)
    return [strings, _varints(out), rare]


# the ints a node table holds most (ids, parents, children), made once - by the first load,
# not at every command's start (2 MB): each was a new int object at every load of a node
# table, three or so a node (a seek to the real recording's 1,339-node page: 278 -> 240 µs)
_SMALL_IDS = 1 << 16
_IDS: list = []


def _id_of(k: int) -> Any:
    return _IDS[k] if k < _SMALL_IDS else k


def _load_nodes(strings: list, stream: bytes, rare: list) -> dict:
    """`_dump_nodes`'s table back as the mirror's nodes (id -> Node, in the same order)."""
    r = _Varints(stream)
    nodes: dict = {}
    if not _IDS:
        _IDS.extend(range(_SMALL_IDS))
    while r.more():
        k = r.next()
        if k == 0:
            k = r.next()
            if k >= len(rare):
                raise ValueError("checkpoint rare row out of range")
            n = _node_of(rare[k])
            nodes[n.id] = n
            continue
        n = Node.__new__(Node)
        n.id = _id_of(k - 1)
        n.type = r.next()
        n.tag = _string_at(strings, r.next())
        n.text = _string_at(strings, r.next())
        k = r.next()
        n.parent = _id_of(k - 1) if k else None
        k = r.next()
        n.svg = (k & 1) != 0
        n.is_style = (k & 2) != 0
        attrs = {}
        for j in range(r.next()):
            k = r.next()
            attrs[_string_at(strings, k)] = _string_at(strings, r.next())
        n.attrs = attrs
        kids = []
        for j in range(r.next()):
            kids.append(_id_of(r.next()))
        n.children = kids
        n.mark_gen = -1
        if not _COMPILED:   # (compiled, a new Node's fields are None already)
            n.value = n.checked = n.scroll = n.media = n.sheet = n.extra = None
            n.mark = None
        else:
            # not tracked by the cyclic GC: a node and its children (ids) are never part
            # of a cycle, and each tracked one made the collection that follows a seek
            # longer - a whole page's worth (a third of a seek to the 1,339-node page)
            _gc_untrack(n)      # noqa: F821 (mirror.pxd: PyObject_GC_UnTrack)
            _gc_untrack(kids)   # noqa: F821
        nodes[n.id] = n
    return nodes


NOTICE_WHY_CHARS = 300   # of a page not recorded's reason, shown (capture.js sends no more)
_NOTICE_STYLE = ("margin: 0; padding: 64px 48px; font: 20px/1.5 sans-serif; color: #333;"
                 " background: #f4f4f4; min-height: 100vh; box-sizing: border-box")


# the notice's node ids: none a recorder gives (its page's own ids, from 1, would find the
# notice's nodes - a field typed into there read as the notice's paragraph, its value kept
# in clear under `allow`: a reviewer's find), so whatever that page's events name is unknown
NOTICE_IDS = 1 << 40


def notice_page(why: str) -> Raw:
    """The page shown for one that was not recorded (`apply_page_not_recorded`), as a
    serialized document: what happened, and `why` (the intake's words), if said."""
    def element(nid: int, tag: str, kids: list, **attrs: str) -> Raw:
        return {"type": int(NodeType.Element), "id": NOTICE_IDS + nid, "tagName": tag,
                "attributes": attrs, "childNodes": kids}

    def text(nid: int, content: str) -> Raw:
        return {"type": int(NodeType.Text), "id": NOTICE_IDS + nid, "textContent": content}
    said = "The recorder could not send this page's snapshot" + \
        (f" - the intake refused it: {why}" if why else "") + \
        ". Nothing of this page can be shown; the replay goes on at the visitor's next page."
    return {"type": int(NodeType.Document), "id": NOTICE_IDS + 1, "childNodes": [
        element(2, "html", [element(3, "head", []), element(4, "body", [
            element(5, "h1", [text(6, "This page was not recorded")],
                    style="font-size: 32px; font-weight: 600; margin: 0 0 16px"),
            element(7, "p", [text(8, said)])],
            style=_NOTICE_STYLE, **{"data-replay-notice": "page-not-recorded"})])]}


# Canvas: rrweb's CanvasContext 2D; context methods that change state, not pixels (kept
# when a full-canvas paint makes earlier drawing invisible); a history cap per canvas.
CANVAS_2D = 0
CANVAS_STATE = frozenset({"save", "restore", "translate", "rotate", "scale", "transform",
                          "setTransform", "resetTransform", "setLineDash"})
MAX_CANVAS_COMMANDS = 5_000


def _num_attr(v: Any, default: float) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return default


def _covers(cmd: Raw, size: tuple[float, float]) -> bool:
    """A clearRect/fillRect from the origin over at least the whole canvas, or a
    putImageData of a whole-canvas image there (pixels replaced, whatever was drawn)."""
    if cmd.get("setter"):
        return False
    a = cmd["args"]
    if cmd["property"] == "putImageData" and len(a) == 3 and isinstance(a[0], dict):
        dims = (a[0].get("args") or [None, 0, 0])[1:3]
        a = [a[1], a[2], *dims] if len(dims) == 2 else []
    elif cmd["property"] not in ("clearRect", "fillRect"):
        return False
    return (len(a) == 4 and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in a)
            and a[0] <= 0 and a[1] <= 0 and a[0] + a[2] >= size[0] and a[1] + a[3] >= size[1])


# CSSOM edit paths deeper than this are refused (no real sheet nests grouping rules so deep).
MAX_RULE_NESTING = 32


def _block(rule: str) -> tuple[str, str] | None:
    """A rule with a block -> (its prelude as written, the text inside its braces)."""
    brace, end = rule.find("{"), rule.rfind("}")
    if brace < 0 or end < brace:
        return None
    return rule[:brace], rule[brace + 1:end]


def _insert_rule(rule: str):
    def edit(rules: list[str], i: int | None) -> bool:
        if isinstance(i, int) and 0 <= i <= len(rules):
            rules.insert(i, rule)
        else:
            rules.append(rule)
        return True
    return edit


def _delete_rule(rules: list[str], i: int | None) -> bool:
    if isinstance(i, int) and 0 <= i < len(rules):
        del rules[i]
    return True


def _declare(diff: dict[str, Any]):
    """An edit of one rule's declarations (CSSStyleDeclaration set/removeProperty)."""
    def edit(rules: list[str], i: int | None) -> bool:
        if not isinstance(i, int) or not 0 <= i < len(rules):
            return False
        b = _block(rules[i])
        if b is None:
            return False
        rules[i] = b[0] + "{ " + apply_style_diff(b[1], diff) + " }"
        return True
    return edit


# input types that take typed text: focused, they always show a focus ring (:focus-visible)
_TEXT_INPUTS = frozenset({"", "text", "search", "email", "url", "tel", "password", "number",
                          "date", "datetime-local", "month", "week", "time"})


def _is_text_entry(n: Node) -> bool:
    if n.tag == "textarea":
        return True
    if n.tag == "input":
        t = n.attrs.get("type")
        return (t.lower() if isinstance(t, str) else "") in _TEXT_INPUTS
    ce = n.attrs.get("contenteditable")
    return isinstance(ce, str) and ce.lower() in ("", "true", "plaintext-only")


_RANGE_KEYS = ("start", "startOffset", "end", "endOffset")


def _count(v: Any) -> bool:
    """A non-negative int (an id, an offset): not a bool, not a float."""
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def field(item: Any, key: str) -> Any:
    """`item.get(key)` of an event's item (a mutation's add, remove, text or attribute
    change, a serialized node) - None when the item is not a dict (damaged input, skipped by
    the caller). Compiled, an exact dict is read with one C call instead of a method call."""
    if type(item) is dict:
        d = item
        return d.get(key)
    return item.get(key) if isinstance(item, dict) else None


def walk_nodes(sn: Any) -> Iterator[dict]:
    """A serialized node and every node beneath it (items that are not dicts left out)."""
    stack = [sn]
    while stack:
        n = stack.pop()
        if isinstance(n, dict):
            yield n
            stack.extend(n.get("childNodes") or ())


def _sibling(v: Any) -> int | None:
    # legacy rrweb writes -1 (and sometimes null) for "no sibling"
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None


_INCREMENTAL = {
    IncrementalSource.Mutation: Mirror.apply_mutation,
    IncrementalSource.Input: Mirror.apply_input,
    IncrementalSource.Scroll: Mirror.apply_scroll,
    IncrementalSource.ViewportResize: Mirror.apply_viewport,
    IncrementalSource.MediaInteraction: Mirror.apply_media,
    IncrementalSource.StyleSheetRule: Mirror.apply_stylesheet_rule,
    IncrementalSource.StyleDeclaration: Mirror.apply_style_declaration,
    IncrementalSource.Selection: Mirror.apply_selection,
    IncrementalSource.AdoptedStyleSheet: Mirror.apply_adopted,
    IncrementalSource.Font: Mirror.apply_font,
    IncrementalSource.CanvasMutation: Mirror.apply_canvas,
}
_INCREMENTAL = {int(k): v for k, v in _INCREMENTAL.items()}

# Sources whose every event changes the mirror's state; everything else (mouse, logs, ...)
# does not, except the mouse interactions that move the focus or decide how it shows
# (`is_focus_move`; `apply` gives them the event's time, so they are not in the table).
DOM_SOURCES = frozenset(_INCREMENTAL)
POINTER_PRESSES = frozenset({int(MouseInteractions.MouseDown), int(MouseInteractions.TouchStart)})
FOCUS_MOVES = frozenset({int(MouseInteractions.Focus), int(MouseInteractions.Blur),
                         int(MouseInteractions.Click)}) | POINTER_PRESSES
_INTERACTION = int(IncrementalSource.MouseInteraction)
# A focus given by a click's handler (showModal(), a menu focusing its first item) comes in
# the click's task, or a frame or two after it (a framework's render), within this even on a
# busy machine; a person's own next focus after a click (a Tab) comes later.
CLICK_HANDLER_MS = 250


def is_focus_move(data: Raw) -> bool:
    """An incremental event's data is a Focus, a Blur, a press or a click (it changes the
    mirror's focus or how the next one shows)."""
    return data.get("source") == _INTERACTION and data.get("type") in FOCUS_MOVES


def changes_dom(event: Raw) -> bool:
    t = event.get("type")
    if t == EventType.IncrementalSnapshot:
        d = event.get("data")
        return isinstance(d, dict) and (d.get("source") in DOM_SOURCES or is_focus_move(d))
    return t in (EventType.FullSnapshot, EventType.Meta) or is_page_not_recorded(event)


def is_page_not_recorded(event: Raw) -> bool:
    """The Custom event said in place of a page snapshot not recorded (PAGE_NOT_RECORDED)."""
    if event.get("type") != EventType.Custom:
        return False
    d = event.get("data")
    return isinstance(d, dict) and d.get("tag") == PAGE_NOT_RECORDED


def starts_page(event: Raw) -> bool:
    """A full snapshot, or a page not recorded said in its place: the page shown is made
    anew (what came before it has no say)."""
    return event.get("type") == EventType.FullSnapshot or is_page_not_recorded(event)


# --- CSS helpers ----------------------------------------------------------------------
_DECL_SPLIT = re.compile(r";(?![^(]*\))")


def parse_style(style: str | None) -> dict[str, tuple[str, str]]:
    """Inline style text -> {property: (value, priority)}, in order."""
    out: dict[str, tuple[str, str]] = {}
    if not style:
        return out
    for decl in _DECL_SPLIT.split(style):
        prop, sep, val = decl.partition(":")
        if not sep:
            continue
        prop = prop.strip()
        val = val.strip()
        prio = ""
        if val.lower().endswith("!important"):
            val, prio = val[: -len("!important")].strip(), "important"
        if prop:
            out[prop] = (val, prio)
    return out


def format_style(decls: dict[str, tuple[str, str]]) -> str:
    return " ".join(f"{p}: {v}{' !important' if pr else ''};" for p, (v, pr) in decls.items())


def apply_style_diff(style: str | None, diff: dict[str, Any]) -> str:
    """rrweb sends style attribute changes as {prop: value | [value, priority] | false}."""
    decls = parse_style(style)
    for prop, v in diff.items():
        if v is False or v is None:
            decls.pop(prop, None)
        elif isinstance(v, list):
            decls[prop] = (str(v[0]) if v else "", str(v[1]) if len(v) > 1 and v[1] else "")
        else:
            decls[prop] = (str(v), "")
    return format_style(decls)


def split_css_rules(css: str) -> list[str]:
    """Split a stylesheet into its top-level rules (by brace depth, skipping strings and
    comments), so CSSOM insertRule/deleteRule indices can be applied to it."""
    rules: list[str] = []
    depth = 0
    start = 0
    i = 0
    n = len(css)
    quote = ""
    while i < n:
        c = css[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "/" and css.startswith("/*", i):
            end = css.find("*/", i + 2)
            i = n if end < 0 else end + 1
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth <= 0:
                depth = 0
                rule = css[start: i + 1].strip()
                if rule:
                    rules.append(rule)
                start = i + 1
        elif c == ";" and depth == 0:  # @import/@charset statements
            rule = css[start: i + 1].strip()
            if rule:
                rules.append(rule)
            start = i + 1
        i += 1
    tail = css[start:].strip()
    if tail:
        rules.append(tail)
    return rules
