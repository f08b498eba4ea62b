"""What the web view needs: a whole frame at a time t, and the operations between two times.

Both are built from the one mirror DOM (`recorder.mirror.Mirror`) and pass through the
sanitizer (`player.sanitize`), so what reaches the view is inert. Shapes (JSON-able):

frame = {"tree": sanitized rrweb node tree (ids kept), "width", "height", "href",
         "scroll": {"window": [x, y], "nodes": {"id": [x, y]}},
         "inputs": {"id": {"v": value, "c": checked}},
         "media": {"id": {"currentTime", "volume", "playbackRate", "muted", "paused"}},
         "adopted": {"hostId": css}, "focus": id | None, "focus_visible": bool,
         "selection": [{"start", "startOffset", "end", "endOffset"}] | None,
         "fonts": [{"family", "src" (CSS, sanitized), "descriptors"}],
         "canvas": {"id": [2D commands {"property", "args", "setter"?}]}, "t": offset}

Ops (see `OpsBuilder`) have "t" (ms after the first event) and "k" (kind).

Conventions the runtime can rely on:
- a `style` element may carry a `_cssText` attribute (rrweb's convention): its whole CSS,
  sanitized; its children are then omitted. A recorded `<link rel=stylesheet>` with an
  inlined sheet arrives as such a `style`. Any later change of a stylesheet's CSS (rule
  edits, text edits of the style's text node) arrives as one {"k": "sheet", "id", "css"}
  op: set the element's whole text to `css`.
- an "add" op's node is the added subtree in its *current* state; `n` is the next sibling
  (already present in the view), None to append. An add of an id that already exists is a
  move. Ops naming an id the view does not have should be ignored.
"""
from __future__ import annotations

import base64
import functools
import json
import re
from typing import Any, Iterable

from recorder.format import EventType, IncrementalSource, MouseInteractions, NodeType
from recorder.media import NONE as NO_FEATURES, Features, read_meta
from recorder.mirror import FOCUS_MOVES, Mirror, Node, starts_page
from recorder.page_css import sheet_css, style_text
from recorder.semantics import interaction_place

from .assets import page_resolver, sheet_resolver
from .sanitize import (AssetResolver, calls_url_function, safe_comment, safe_tag, sanitize_attrs,
                       sanitize_css, sanitize_text, tag_name)

# node types as the serialized tree writes them (CDATA is written as text)
_DOCUMENT = int(NodeType.Document)
_DOCTYPE = int(NodeType.DocumentType)
_ELEMENT = int(NodeType.Element)
_TEXT = int(NodeType.Text)
_COMMENT = int(NodeType.Comment)
# the nodes a text change (a mutation's `texts`) is about
_CHARACTER_DATA = frozenset({NodeType.Text, NodeType.CDATA, NodeType.Comment})

Raw = dict[str, Any]

_CLICK_KINDS = {int(v): v.name.lower() for v in MouseInteractions}
_CLICKS = frozenset({int(MouseInteractions.Click), int(MouseInteractions.DblClick),
                     int(MouseInteractions.ContextMenu), int(MouseInteractions.TouchEnd)})


def element_shape(m: Mirror, n: Node, asset: AssetResolver = None,
                  features: Features = NO_FEATURES) -> tuple[str, dict, bool]:
    """(sanitized tag, sanitized attributes, children-omitted) for an element. `asset` is
    read against the document's base already (`page_resolver`); a linked sheet's `url()`s
    are read against its own URL. `features`: the visitor's recorded media features
    (recorder.media), which the page's CSS and `media` attributes follow."""
    tag = tag_name(n.tag)   # `svg:style` is a style
    css = sheet_css(n) if tag in ("style", "link") else None
    if css is not None:
        attrs = sanitize_attrs("style", {k: v for k, v in n.attrs.items()
                                         if k in ("media", "id", "class", "title", "disabled",
                                                  "rr_sheet_disabled")},
                               asset=asset, features=features)
        if tag == "link":
            attrs["data-replay-link"] = ""
        attrs["_cssText"] = sanitize_css(css, sheet_resolver(n, asset), features)
        return "style", attrs, True
    return safe_tag(n.tag), sanitize_attrs(n.tag or "", n.attrs, svg=n.svg, asset=asset,
                                           keep_css_text=False, features=features), False


def serialize(m: Mirror, id: int | None = None, asset: AssetResolver = None,
              shown: list | None = None, features: Features = NO_FEATURES) -> Raw | None:
    """The sanitized subtree at `id` (default: the document) in rrweb node shape. `shown`
    collects the elements that made it into the tree; `features` as `element_shape`'s."""
    start = m.root if id is None else id
    nodes = m.nodes
    top = nodes.get(start) if start is not None else None
    if top is None:
        return None
    asset = page_resolver(m, asset)
    parent = nodes.get(top.parent) if top.parent is not None else None
    out_top: Raw | None = None
    # iterative: recorded pages nest deeper than Python's recursion limit
    stack: list[tuple[Node, str | None, list | None]] = [(top, parent.tag if parent else None, None)]
    while stack:
        n, ptag, into = stack.pop()
        t = n.type
        if t == NodeType.Element:
            tag, attrs, omit = element_shape(m, n, asset, features)
            d: Raw = {"type": _ELEMENT, "id": n.id, "tagName": tag, "attributes": attrs, "childNodes": []}
            if shown is not None:
                shown.append(n)
            if n.svg:
                d["isSVG"] = True
            _shadow_flags(n, d)
            local = tag_name(n.tag)
            if not omit and local not in ("script", "noscript"):
                kids = d["childNodes"]
                only_text = local == "style"   # a style's content is its text, nothing else
                for c in reversed(n.children):
                    cn = nodes.get(c)
                    if cn is not None and (not only_text or cn.type == NodeType.Text):
                        stack.append((cn, n.tag, kids))
        elif t in (NodeType.Text, NodeType.CDATA):
            d = {"type": _TEXT, "id": n.id,
                 "textContent": sanitize_text(n.text, ptag, asset, features)}
            _shadow_flags(n, d)
        elif t == NodeType.Comment:
            d = {"type": _COMMENT, "id": n.id, "textContent": safe_comment(n.text)}
        elif t == NodeType.DocumentType:
            d = {"type": _DOCTYPE, "id": n.id, "name": _doctype_name(n.attrs.get("name")),
                 "publicId": "", "systemId": ""}
        elif t == NodeType.Document:
            d = {"type": _DOCUMENT, "id": n.id, "childNodes": []}
            if shown is not None and n.id != m.root:
                shown.append(n)   # an iframe's document: its scroll is state
            kids = d["childNodes"]
            for c in reversed(n.children):
                cn = nodes.get(c)
                if cn is not None:
                    stack.append((cn, None, kids))
        else:
            continue
        if into is None:
            out_top = d
        else:
            into.append(d)
    return out_top


def _shadow_flags(n: Node, d: Raw) -> None:
    """rrweb's shadow DOM markers, kept: `isShadowHost` on a host, `isShadow` on the nodes
    directly inside its shadow root."""
    x = n.extra
    if x:
        if x.get("isShadowHost"):
            d["isShadowHost"] = True
        if x.get("isShadow"):
            d["isShadow"] = True


def _doctype_name(v: Any) -> str:
    s = v if isinstance(v, str) else "html"
    return s if s.isalnum() else "html"


# --- frames ----------------------------------------------------------------------------
def input_state(n: Node) -> Raw | None:
    """A form control's live state as the runtime applies it (`v` value, `c` checked)."""
    if n.value is None and n.checked is None:
        return None
    # a <select multiple>'s value is its first selected option: its options' `selected` say
    # them all (Mirror._select_only), and setting the value would leave that one
    value = None if n.tag == "select" and "multiple" in n.attrs else n.value
    st: Raw = {}
    if value is not None:
        st["v"] = value if isinstance(value, str) else str(value)
    if n.checked is not None:
        st["c"] = n.checked
    return st or None


# A media element's state, keyed as rrweb's media interaction events give it, with the
# snapshot attribute rrweb records it in (rr_mediaState, "played" or "paused", gives
# `paused`) and the kind of value it takes. Not `loop`: the view never plays, and the
# property would add a `loop` attribute the recorded DOM may not have.
_MEDIA_STATE = (("currentTime", "rr_mediaCurrentTime", float),
                ("volume", "rr_mediaVolume", float),
                ("playbackRate", "rr_mediaPlaybackRate", float),
                ("muted", "rr_mediaMuted", bool),
                ("paused", None, bool))
_MEDIA_TAGS = frozenset({"audio", "video"})
_MEDIA_ATTRS = frozenset({"rr_mediaState"} | {attr for _key, attr, _kind in _MEDIA_STATE if attr})


def _of_kind(v: Any, kind: type) -> bool:
    if kind is bool:
        return isinstance(v, bool)
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def media_state(n: Node) -> Raw | None:
    """A media element's state as the view applies it (the runtime's `setMedia`): what
    rrweb's snapshot recorded in the element's rr_media* attributes, then what media
    interaction events changed since (`Node.media`). A value of the wrong kind is passed
    over (an earlier one stands)."""
    a = n.attrs   # (the cheap tests first: this is asked of every node shown)
    recorded = n.type == _ELEMENT and not _MEDIA_ATTRS.isdisjoint(a) \
        and tag_name(n.tag) in _MEDIA_TAGS
    if not recorded and not n.media:
        return None
    st: Raw = {}
    if recorded:
        if a.get("rr_mediaState") in ("played", "paused"):
            st["paused"] = a["rr_mediaState"] == "paused"
        for key, attr, kind in _MEDIA_STATE:
            if attr is not None and _of_kind(a.get(attr), kind):
                st[key] = a[attr]
    for key, _attr, kind in _MEDIA_STATE if n.media else ():
        if _of_kind(n.media.get(key), kind):
            st[key] = n.media[key]
    return st or None


class NodeStates:
    """The per-node state of a view (focus, canvas drawing, element scroll, form values,
    media), gathered node by node: a whole frame and a patch (player.patch) say it alike."""

    def __init__(self, m: Mirror):
        self.m = m
        self.focus: int | None = None
        self.canvas: dict[str, list] = {}
        self.scroll: dict[str, list] = {}
        self.inputs: dict[str, Raw] = {}
        self.media: dict[str, Raw] = {}

    def add(self, n: Node) -> None:
        m, key = self.m, str(n.id)
        if n.id == m.focus:
            self.focus = n.id
        if n.id in m.canvas:
            self.canvas[key] = canvas_commands(m.canvas[n.id])
        pos = n.scroll or _attr_scroll(n)
        if pos is not None:
            self.scroll[key] = [pos[0], pos[1]]
        st = input_state(n)
        if st is not None:
            self.inputs[key] = st
        self.add_media(n)

    def add_media(self, n: Node) -> None:
        st = media_state(n)
        if st is not None:
            self.media[str(n.id)] = st


def build_frame(m: Mirror, t: float, asset: AssetResolver = None,
                features: Features = NO_FEATURES) -> Raw:
    """The frame of `m` at `t`; `features`: the visitor's recorded media features at that
    moment (recorder.media; `KeyframeIndex.features_at`)."""
    asset = page_resolver(m, asset)   # the page's relative URLs, as its browser read them
    shown: list[Node] = []
    tree = serialize(m, None, asset, shown, features)
    st = NodeStates(m)
    for n in shown:   # state only for what the view has (not e.g. inside a <style>)
        st.add(n)
    return {
        "tree": tree,
        "width": m.width, "height": m.height, "href": m.href,
        "scroll": {"window": [m.window_scroll[0], m.window_scroll[1]], "nodes": st.scroll},
        "inputs": st.inputs, "media": st.media, "adopted": adopted_css(m, asset, features),
        "focus": st.focus, "focus_visible": m.focus_visible, "selection": m.selection,
        "fonts": font_faces(m.fonts, asset), "canvas": st.canvas, "t": t,
    }


# FontFace descriptors the runtime passes on (strings, as CSS would give them)
_FONT_DESCRIPTORS = ("style", "weight", "stretch", "unicodeRange", "variant",
                     "featureSettings", "display", "ascentOverride", "descentOverride",
                     "lineGapOverride")
_FONT_MAGIC = ((b"wOF2", "font/woff2"), (b"wOFF", "font/woff"), (b"OTTO", "font/otf"))


def font_faces(fonts: list[dict], asset: AssetResolver = None) -> list[Raw]:
    """The recorded font faces as the runtime loads them: `src` is a sanitized CSS font
    source - a face recorded as bytes becomes a data: URL, a URL becomes our asset scheme
    or is blocked (never fetched)."""
    out = []
    for f in fonts:
        src = _font_data_url(f["fontSource"]) if f.get("buffer") else sanitize_css(f["fontSource"], asset)
        if not src:
            continue
        d = f.get("descriptors") or {}
        out.append({"family": f["family"], "src": src,
                    "descriptors": {k: str(d[k]) for k in _FONT_DESCRIPTORS
                                    if isinstance(d.get(k), (str, int, float))}})
    return out


@functools.lru_cache(maxsize=32)
def _font_data_url(byte_list_json: str) -> str:
    """rrweb records a FontFace made from an ArrayBuffer as a JSON list of its bytes."""
    try:
        data = bytes(json.loads(byte_list_json))
    except (ValueError, TypeError):
        return ""
    mime = next((m for magic, m in _FONT_MAGIC if data.startswith(magic)), "font/ttf")
    return f'url("data:{mime};base64,{base64.b64encode(data).decode("ascii")}")'


# What a canvas command's arguments may be besides JSON scalars and lists: rrweb's
# serialized objects that carry their data inline. Anything else (an image by URL, a
# gradient we cannot rebuild) drops the command: never a fetch.
_CANVAS_OBJECTS = frozenset({"ImageData", "Uint8ClampedArray", "ArrayBuffer", "Blob",
                             "ImageBitmap", "HTMLImageElement"})
_CANVAS_PROPERTY = re.compile(r"^[A-Za-z][A-Za-z0-9]*\Z")


def canvas_commands(cmds: list[Raw]) -> list[Raw]:
    """2D canvas commands safe for the runtime: plain method/property names, inline data
    only (an image only as a data:image/ URL), no CSS `url()` in a string (a filter
    could name an external document)."""
    out = []
    for c in cmds:
        if _CANVAS_PROPERTY.match(c.get("property") or "") and _canvas_arg_ok(c.get("args")):
            out.append(c)
    return out


def _canvas_arg_ok(arg: Any) -> bool:
    stack = [arg]
    while stack:
        a = stack.pop()
        if isinstance(a, str):
            if calls_url_function(a):
                return False
        elif isinstance(a, list):
            stack.extend(a)
        elif isinstance(a, dict):
            kind = a.get("rr_type")
            if kind not in _CANVAS_OBJECTS:
                return False
            if kind == "HTMLImageElement" and not str(a.get("src", "")).startswith("data:image/"):
                return False
            stack.extend(v for k, v in a.items() if k != "rr_type")
        elif not (a is None or isinstance(a, (bool, int, float))):
            return False
    return True


def _attr_scroll(n: Node) -> tuple[float, float] | None:
    x, y = n.attrs.get("rr_scrollLeft"), n.attrs.get("rr_scrollTop")
    if x is None and y is None:
        return None
    try:
        return (float(x or 0), float(y or 0))
    except (TypeError, ValueError):
        return None


def adopted_css(m: Mirror, asset: AssetResolver = None,
                features: Features = NO_FEATURES) -> dict[str, str]:
    """Adopted (constructed) stylesheets per host node, as sanitized CSS."""
    asset = page_resolver(m, asset)
    out = {}
    for host, ids in m.adopted_by.items():
        css = "\n".join(r for i in ids for r in m.adopted.get(i, ()))
        out[str(host)] = sanitize_css(css, asset, features)
    return out


# --- operations --------------------------------------------------------------------------
POINTER_OPS = frozenset({"mouse", "click"})   # the cursor's ops (the rest change the page)


class OpsBuilder:
    """Applies events to a mirror and, when asked, describes each change as sanitized ops.

    The mirror does the applying (the one implementation); this class only looks at the
    state just before and just after each event to say what changed in view terms."""

    def __init__(self, mirror: Mirror, asset: AssetResolver = None, pointer: bool = True,
                 features: Features = NO_FEATURES):
        """`pointer`: the cursor's ops (POINTER_OPS) from these events too; False when they
        are the index's DOM events, whose clicks only decide how a focus shows (the
        cursor's ops come from the timeline then). `features`: the visitor's recorded media
        features at the mirror's moment; a Meta event brings the next page's."""
        self.m = mirror
        self._asset = asset
        self.pointer = pointer
        self.features = features

    @property
    def asset(self) -> AssetResolver:
        """The resolver read against the document's base as it is now (a new page, a
        `<base>` added: `player.assets.page_resolver`)."""
        return page_resolver(self.m, self._asset)

    def apply(self, e: Raw, t: float, out: list | None) -> None:
        if out is None:
            self.m.apply(e)
            return
        typ = e.get("type")
        data = e.get("data")
        if not isinstance(data, dict):
            return
        if typ == EventType.IncrementalSnapshot:
            src = data.get("source")
            fn = _OPS.get(src)
            if self.m.not_recorded is not None:   # a page not recorded: the cursor goes on,
                if fn in _POINTER_OPS:            # its page's changes are left alone
                    fn(self, data, t, out)
                return
            kind = data.get("type")
            if src == IncrementalSource.MouseInteraction and kind in FOCUS_MOVES:
                self._focus(e, data, t, out)
                if kind != MouseInteractions.Click or not self.pointer:
                    return
            if fn is not None:
                fn(self, data, t, out)
            else:
                self.m.apply(e)
        elif starts_page(e):   # a snapshot, or the notice of a page not recorded
            self.m.apply(e)
            out.append({"t": t, "k": "full",
                        "frame": build_frame(self.m, t, self.asset, self.features)})
        elif typ == EventType.Meta:
            href = self.m.href
            self.m.apply(e)
            out.append({"t": t, "k": "viewport", "w": self.m.width, "h": self.m.height})
            if self.m.href != href:
                out.append({"t": t, "k": "meta", "href": self.m.href})
            features = read_meta(data)
            if features and features != self.features:
                self.features = features
                if self.m.root is not None:   # the page shown, as the new answers style it
                    out.append({"t": t, "k": "full",
                                "frame": build_frame(self.m, t, self.asset, features)})

    # -- per source -----------------------------------------------------------------------
    def _mutation(self, data: Raw, t: float, out: list) -> None:
        m = self.m
        nodes = m.nodes
        touched_sheets: set[int] = set()
        removed: list[int] = []
        for r in data.get("removes") or ():
            nid = r.get("id") if isinstance(r, dict) else None
            n = nodes.get(nid)
            if n is None:
                continue
            p = nodes.get(n.parent) if n.parent is not None else None
            ptag = tag_name(p.tag) if p is not None else None
            if ptag in ("style", "script", "noscript"):
                if ptag == "style":
                    touched_sheets.add(p.id)
                continue
            removed.append(nid)
        attr_before: dict[int, tuple[str, dict, bool]] = {}
        asset = self.asset
        for a in data.get("attributes") or ():
            nid = a.get("id") if isinstance(a, dict) else None
            n = nodes.get(nid)
            if n is not None and n.type == NodeType.Element and nid not in attr_before:
                attr_before[nid] = element_shape(m, n, asset, self.features)
        m.apply_mutation(data)
        asset = self.asset
        for nid in removed:
            out.append({"t": t, "k": "rm", "id": nid})
        adds = data.get("adds") or ()
        if adds:
            self._adds(adds, t, out, touched_sheets)
        for tx in data.get("texts") or ():
            n = nodes.get(tx.get("id")) if isinstance(tx, dict) else None
            if n is None or n.type not in _CHARACTER_DATA:
                # a text change aimed at an element (a <style>, its parent a <head>) is
                # no text a frame shows; sent, it replaced the element's content unsanitized
                continue
            p = nodes.get(n.parent) if n.parent is not None else None
            ptag = tag_name(p.tag) if p is not None else None
            if ptag == "style":
                touched_sheets.add(p.id)
            elif ptag not in ("script", "noscript"):
                v = safe_comment(n.text) if n.type == NodeType.Comment else sanitize_text(n.text, ptag)
                # (a style's text goes as its sheet: `_emit_sheet`)
                out.append({"t": t, "k": "text", "id": n.id, "v": v})
        for nid, (tag0, before, omit0) in attr_before.items():
            n = nodes.get(nid)
            if n is None:
                continue
            tag1, after, omit1 = element_shape(m, n, asset, self.features)
            if tag1 != tag0 or omit1 != omit0:
                # a link gained/lost its inlined sheet: re-add the element as it is now
                self._emit_add(n, t, out)
                continue
            if after.get("_cssText") != before.get("_cssText"):
                touched_sheets.add(nid)
            diff = {k: v for k, v in after.items() if before.get(k) != v and k != "_cssText"}
            for k in before:
                if k not in after and k != "_cssText":
                    diff[k] = None
            if diff:
                out.append({"t": t, "k": "attr", "id": nid, "a": diff})
            if tag_name(n.tag) in ("input", "textarea", "select") and n.value is None and "value" in diff:
                out.append({"t": t, "k": "input", "id": nid, "v": diff["value"] or ""})
        for sid in touched_sheets:
            self._emit_sheet(sid, t, out)

    def _adds(self, adds: Iterable[Raw], t: float, out: list, touched: set[int]) -> None:
        nodes = self.m.nodes
        added = {a["node"].get("id") for a in adds
                 if isinstance(a, dict) and isinstance(a.get("node"), dict)}
        added = {i for i in added if i in nodes}
        roots: dict[int, list[int]] = {}
        for nid in added:
            n = nodes[nid]
            if any(anc.id in added for anc in self.m.ancestors(nid)):
                continue
            p = nodes.get(n.parent) if n.parent is not None else None
            if p is None:
                continue
            ptag = tag_name(p.tag)
            if ptag in ("style", "script", "noscript"):
                if ptag == "style":
                    touched.add(p.id)
                continue
            roots.setdefault(p.id, []).append(nid)
        for pid, ids in roots.items():
            kids = nodes[pid].children
            pos = {c: i for i, c in enumerate(kids)}
            # right to left, so each op's next sibling is already in the view
            for nid in sorted(ids, key=lambda i: pos.get(i, -1), reverse=True):
                self._emit_add(nodes[nid], t, out, pos.get(nid))

    def _emit_add(self, n: Node, t: float, out: list, idx: int | None = None) -> None:
        nodes = self.m.nodes
        p = nodes.get(n.parent) if n.parent is not None else None
        if p is None:
            return
        kids = p.children
        if idx is None:
            try:
                idx = kids.index(n.id)
            except ValueError:
                return
        nxt = kids[idx + 1] if idx + 1 < len(kids) else None
        shown: list[Node] = []
        node = serialize(self.m, n.id, self.asset, shown, self.features)
        if node is not None:
            out.append({"t": t, "k": "add", "p": p.id, "n": nxt, "node": node})
            for el in shown:   # an added media element's state, as a frame would give it
                st = media_state(el)
                if st is not None:
                    out.append({"t": t, "k": "media", "id": el.id, **st})

    def _emit_sheet(self, sid: int, t: float, out: list) -> None:
        n = self.m.nodes.get(sid)
        if n is None or tag_name(n.tag) not in ("style", "link"):
            return
        out.append({"t": t, "k": "sheet", "id": sid,
                    "css": sanitize_css(style_text(self.m, n), sheet_resolver(n, self.asset),
                                        self.features)})

    def _input(self, data: Raw, t: float, out: list) -> None:
        self.m.apply_input(data)
        n = self.m.nodes.get(data.get("id"))
        if n is None:
            return
        op: Raw = {"t": t, "k": "input", "id": n.id}
        if "text" in data:
            op["v"] = n.value if isinstance(n.value, str) else ("" if n.value is None else str(n.value))
        if data.get("isChecked") is not None:
            op["c"] = bool(n.checked)
        out.append(op)

    def _scroll(self, data: Raw, t: float, out: list) -> None:
        m = self.m
        m.apply_scroll(data)
        n = m.nodes.get(data.get("id"))
        if n is None:
            return
        # the same rule as the mirror: the document or the top html/body scroll the window
        if m.scrolls_window(n):
            out.append({"t": t, "k": "scroll", "id": None, "x": m.window_scroll[0],
                        "y": m.window_scroll[1]})
        elif n.scroll is not None:
            out.append({"t": t, "k": "scroll", "id": n.id, "x": n.scroll[0], "y": n.scroll[1]})

    def _viewport(self, data: Raw, t: float, out: list) -> None:
        self.m.apply_viewport(data)
        out.append({"t": t, "k": "viewport", "w": self.m.width, "h": self.m.height})

    def _media(self, data: Raw, t: float, out: list) -> None:
        self.m.apply_media(data)
        n = self.m.nodes.get(data.get("id"))
        st = media_state(n) if n is not None else None
        if st is not None:
            out.append({"t": t, "k": "media", "id": n.id, **st})

    def _sheet_rule(self, data: Raw, t: float, out: list) -> None:
        src = data.get("source")
        if src == IncrementalSource.StyleDeclaration:
            self.m.apply_style_declaration(data)
        else:
            self.m.apply_stylesheet_rule(data)
        if data.get("id") is not None:
            self._emit_sheet(data["id"], t, out)
        elif data.get("styleId") is not None:
            self._emit_adopted(t, out, {data["styleId"]})

    def _adopted(self, data: Raw, t: float, out: list) -> None:
        self.m.apply_adopted(data)
        self._emit_adopted(t, out, None, data.get("id"))

    def _emit_adopted(self, t: float, out: list, style_ids: set | None, host: Any = None) -> None:
        css = adopted_css(self.m, self.asset, self.features)
        for h, ids in self.m.adopted_by.items():
            if h == host or (style_ids and style_ids & set(ids)):
                out.append({"t": t, "k": "adopted", "id": h, "css": css.get(str(h), "")})

    def _canvas(self, data: Raw, t: float, out: list) -> None:
        m = self.m
        before = len(m.canvas.get(data.get("id"), ()))
        rewritten = m.apply_canvas(data)
        history = m.canvas.get(data.get("id"))
        if history is None:
            return
        # the new commands, or (compacted, or over the cap) the whole history afresh
        fresh = rewritten
        cmds = history if fresh else history[before:]
        out.append({"t": t, "k": "canvas", "id": data["id"], "reset": fresh,
                    "commands": canvas_commands(cmds)})

    def _font(self, data: Raw, t: float, out: list) -> None:
        self.m.apply_font(data)
        out.append({"t": t, "k": "fonts", "fonts": font_faces(self.m.fonts, self.asset)})

    def _selection(self, data: Raw, t: float, out: list) -> None:
        self.m.apply_selection(data)
        out.append({"t": t, "k": "selection", "ranges": self.m.selection})

    def _mouse(self, data: Raw, t: float, out: list) -> None:
        for p in data.get("positions") or ():
            if not isinstance(p, dict):
                continue
            off = p.get("timeOffset") or 0
            out.append({"t": t + off if isinstance(off, (int, float)) else t, "k": "mouse",
                        "x": p.get("x", 0), "y": p.get("y", 0)})

    def _focus(self, e: Raw, data: Raw, t: float, out: list) -> None:
        m = self.m
        before = (m.focus, m.focus_visible)
        m.apply_interaction(data, e.get("timestamp"))
        if (m.focus, m.focus_visible) != before:
            out.append({"t": t, "k": "focus", "id": m.focus, "visible": m.focus_visible})

    def _click(self, data: Raw, t: float, out: list) -> None:
        place = interaction_place(data)
        if place is not None:
            out.append({"t": t, "k": "mouse", "x": place[0], "y": place[1]})
        kind = data.get("type")
        if kind not in _CLICKS:   # the same clicks as the timeline's
            return
        op = {"t": t, "k": "click", "kind": _CLICK_KINDS.get(kind, "click"), "id": data.get("id")}
        if place is not None:
            op["x"], op["y"] = place
        out.append(op)


_OPS = {
    IncrementalSource.Mutation: OpsBuilder._mutation,
    IncrementalSource.Input: OpsBuilder._input,
    IncrementalSource.Scroll: OpsBuilder._scroll,
    IncrementalSource.ViewportResize: OpsBuilder._viewport,
    IncrementalSource.MediaInteraction: OpsBuilder._media,
    IncrementalSource.StyleSheetRule: OpsBuilder._sheet_rule,
    IncrementalSource.StyleDeclaration: OpsBuilder._sheet_rule,
    IncrementalSource.AdoptedStyleSheet: OpsBuilder._adopted,
    IncrementalSource.Selection: OpsBuilder._selection,
    IncrementalSource.Font: OpsBuilder._font,
    IncrementalSource.CanvasMutation: OpsBuilder._canvas,
    IncrementalSource.MouseMove: OpsBuilder._mouse,
    IncrementalSource.TouchMove: OpsBuilder._mouse,
    IncrementalSource.Drag: OpsBuilder._mouse,
    IncrementalSource.MouseInteraction: OpsBuilder._click,
}
_OPS = {int(k): v for k, v in _OPS.items()}
_POINTER_OPS = frozenset({OpsBuilder._mouse, OpsBuilder._click})   # (the mirror untouched)
