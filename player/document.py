"""The safe HTML document of a moment: a frame (`player.frame.build_frame`, already
sanitized) turned into markup with lxml.

It renders like the page did — inlined stylesheets as <style>, hidden elements as sized
placeholders, input values, checked boxes and selected options written into the markup,
scroll positions as `data-replay-scroll` (and, for the window, a small CSS shift so the
static file opens at the recorded scroll), the focused element marked `data-replay-focus`
— and it cannot act: the tree is sanitized, and a
Content-Security-Policy forbidding scripts and every fetch but `data:`/`replay-asset:` is the
first child of <head> as a second line of defence for when the file is opened in a browser.

The markup is written by our own serializer (`to_html`), not lxml's: lxml knows nothing of
HTML's foreign content, where an SVG or MathML `<style>` is parsed as markup, so a browser
could re-read our text as elements. `stable_tree` first reshapes the tree into one a browser
parses back into itself — <head> first with the CSP first in it, namespaces as the parser
assigns them, no content a raw-text or void element cannot hold, no foreign element HTML
would break out of — and the serializer keeps the one invariant that makes the rest safe
even where HTML's content-model repairs move nodes (tables, `<p>`): the only `<` in the
file that can open markup are our own tags.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import lxml.html
from lxml import etree

from recorder.format import NodeType

from .sanitize import ATTR_NAME_OK, HIDDEN_UNSIZED, MASKED, inert_css_text

_DOCUMENT = int(NodeType.Document)
_DOCTYPE = int(NodeType.DocumentType)
_ELEMENT = int(NodeType.Element)
_TEXT = int(NodeType.Text)
_CDATA = int(NodeType.CDATA)
_COMMENT = int(NodeType.Comment)

Raw = dict[str, Any]

CSP = ("default-src 'none'; img-src data: replay-asset:; style-src 'unsafe-inline' data: "
       "replay-asset:; font-src data: replay-asset:; media-src data: replay-asset:; "
       "form-action 'none'; base-uri 'none'; frame-src 'none'; object-src 'none'; "
       "script-src 'none'")
# A hidden element's placeholder (it keeps its box, nothing of its content): neutral grey
# with the word "Hidden", drawn by CSS so no text enters the DOM. An empty inline element
# has no box, so inline tags become inline-block, standing where their text stood (at the
# text's bottom, not on the baseline, so the line keeps its height). Shown by the safe document and, through
# the runtime bridge, by the live replay view. A placeholder is never smaller than
# HIDDEN_MIN_PX (HIDDEN_MIN_INLINE for an inline one) when its height was not recorded or was
# 0 (`sanitize.HIDDEN_UNSIZED`): an element the page filled by script after it was recorded
# had no height then (its box is taken when the snapshot is; what is added beneath it later is
# never recorded), and showed nothing at all where content was.
_HIDDEN_LABEL = quote(
    "<svg xmlns='http://www.w3.org/2000/svg'><text x='50%' y='50%' text-anchor='middle'"
    " dominant-baseline='central' font-family='sans-serif' font-size='12' fill='#6b6b6b'>"
    "Hidden</text></svg>", safe="/:=' ")
_INLINE = ("a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd",
           "label", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time",
           "u", "var")
HIDDEN_MIN_PX = 24
HIDDEN_MIN_INLINE = ("1em", "3em")   # height, width
# A checkbox, radio or select whose state is masked (sanitize.MASKED): hatched in the hidden
# placeholder's greys, with no tick and no option text - an unticked box or the first option
# would be a state the visitor never chose. Drawn without the platform's look, which would
# leave it no size: at least a checkbox's own (MASKED_MIN_PX).
MASKED_LIGHT, MASKED_DARK, MASKED_BORDER = (0xE4, 0xE4, 0xE4), (0xC4, 0xC4, 0xC4), "#8a8a8a"
MASKED_MIN_PX = 13
_MASKED_LOOK = ("appearance:none!important;-webkit-appearance:none!important;"
                "background:repeating-linear-gradient(45deg,rgb{0} 0 3px,rgb{1} 3px 6px)!important;"
                "border:1px solid {2}!important;color:transparent!important;text-shadow:none!important;"
                "opacity:1!important;min-width:{3}px;min-height:{3}px;box-sizing:border-box"
                ).format(MASKED_LIGHT, MASKED_DARK, MASKED_BORDER, MASKED_MIN_PX)
PLAYER_CSS = ("[data-replay-hidden]:empty{background:#e4e4e4 url(\"data:image/svg+xml,"
              + _HIDDEN_LABEL + "\") center/100% 100% no-repeat!important;"
              "box-shadow:inset 0 0 0 1px #c4c4c4!important;color:transparent!important}"
              + ",".join(f"{t}[data-replay-hidden]:empty" for t in _INLINE)
              + "{display:inline-block!important;vertical-align:text-bottom}"
              f"[data-replay-hidden={HIDDEN_UNSIZED}]:empty{{min-height:{HIDDEN_MIN_PX}px!important;"
              f"min-width:{HIDDEN_MIN_PX}px!important}}"
              + ",".join(f"{t}[data-replay-hidden={HIDDEN_UNSIZED}]:empty" for t in _INLINE)
              + f"{{min-height:{HIDDEN_MIN_INLINE[0]}!important;"
              f"min-width:{HIDDEN_MIN_INLINE[1]}!important}}"
              "template,noscript{display:none!important}"
              # a dialog shown with showModal(): the player opens it so; where it is not
              # modal (the safe document has no script), it is placed as a modal one is
              "dialog[data-replay-modal][open]:not(:modal){position:fixed;inset:0;"
              "max-width:calc(100% - 6px - 2em);max-height:calc(100% - 6px - 2em);overflow:auto;"
              "z-index:2147483647;box-shadow:0 0 0 100vmax rgba(0,0,0,.1)}"
              # a popover the page showed: the player shows it (showPopover()); without a
              # script it is placed where the browser's own rules put it, over the page
              "[popover][data-replay-popover]:not(:popover-open){display:block;"
              "z-index:2147483647}"
              f"input[{MASKED}],select[{MASKED}]{{{_MASKED_LOOK}}}"
              f"input[type=radio i][{MASKED}]{{border-radius:50%!important}}")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(s: Any) -> str:
    s = s if isinstance(s, str) else ("" if s is None else str(s))
    return _XML_BAD.sub("", s)


def render_document(frame: Raw, *, static_scroll: bool = True, _depth: int = 0) -> str:
    """HTML text of a frame. `static_scroll` shifts the body by the window scroll with CSS
    (there is no script to scroll a static file)."""
    doctype, root = _document(frame, static_scroll, _depth)
    return (doctype + "\n" if doctype else "") + to_html(stable_tree(root))


def stable_document(frame: Raw, *, static_scroll: bool = True) -> "Elem":
    """The tree `render_document` writes, as a browser must parse it back (for tests)."""
    return stable_tree(_document(frame, static_scroll)[1])


def _document(frame: Raw, static_scroll: bool, depth: int = 0) -> tuple[str | None, etree._Element]:
    """(doctype, lxml tree) of a frame."""
    tree = frame.get("tree")
    inputs = frame.get("inputs") or {}
    scroll = frame.get("scroll") or {}
    media = frame.get("media") or {}
    doctype = None
    html_node = None
    if tree and tree.get("type") == _DOCUMENT:
        for c in tree.get("childNodes") or ():
            if c.get("type") == _DOCTYPE and doctype is None:
                doctype = f"<!DOCTYPE {c.get('name') or 'html'}>"
            elif c.get("type") == _ELEMENT and html_node is None:
                html_node = c
    elif tree and tree.get("type") == _ELEMENT:
        html_node = tree
    if html_node is not None and html_node.get("tagName") != "html":
        html_node = {"type": _ELEMENT, "id": None, "tagName": "html", "attributes": {},
                     "childNodes": [html_node]}
    frames: list[tuple[etree._Element, Raw]] = []
    root = (_build(html_node, frames, frame.get("adopted") or {}) if html_node is not None
            else lxml.html.Element("html"))
    _apply_state(root, inputs, scroll.get("nodes") or {}, media, frame.get("focus"),
                 bool(frame.get("focus_visible")))
    for iframe, doc in frames:
        # a same-origin frame's recorded document: the same safe document (its own CSP
        # first), shown by the sandboxed iframe as its srcdoc - nothing is loaded
        if depth < MAX_FRAME_DEPTH:
            sub = {"tree": doc, "inputs": inputs, "media": media,
                   "scroll": {"window": (scroll.get("nodes") or {}).get(str(doc.get("id"))) or [0, 0],
                              "nodes": scroll.get("nodes") or {}},
                   "adopted": frame.get("adopted") or {}}
            iframe.set("srcdoc", render_document(sub, static_scroll=static_scroll, _depth=depth + 1))

    head = root.find("head")
    if head is None:
        head = lxml.html.Element("head")
    root.insert(0, head)   # first, whatever the recording put before it (see stable_tree)
    body = root.find("body")
    if body is None:
        body = etree.SubElement(root, "body")
    # our own markup goes first in <head>, before anything recorded
    meta_charset = lxml.html.Element("meta", charset="utf-8")
    meta_csp = lxml.html.Element("meta", {"http-equiv": "Content-Security-Policy", "content": CSP})
    style = lxml.html.Element("style", {"data-replay": "player"})
    style.text = PLAYER_CSS
    head.insert(0, style)
    # an icon of our own, so a browser does not ask the file's server for /favicon.ico
    head.insert(0, lxml.html.Element("link", rel="icon", href="data:image/x-icon,"))
    head.insert(0, meta_charset)
    head.insert(0, meta_csp)   # the very first: a browser applies it to all that follows
    meta_charset.tail = head.text
    head.text = None
    adopted = frame.get("adopted") or {}
    if adopted and tree is not None:
        doc_css = adopted.get(str(tree.get("id")))
        if doc_css:
            s = etree.SubElement(head, "style", {"data-replay-adopted": ""})
            s.text = _x(doc_css)
    win = scroll.get("window") or [0, 0]
    x, y = (_num(win[0]), _num(win[1])) if len(win) == 2 else (0, 0)
    if x or y:
        root.set("data-replay-scroll", f"{x:g},{y:g}")
        if static_scroll:
            s = etree.SubElement(head, "style", {"data-replay": "scroll"})
            s.text = f"body{{position:relative!important;left:{-x:g}px;top:{-y:g}px}}"
    w, h = _num(frame.get("width")), _num(frame.get("height"))
    if w and h:
        root.set("data-replay-viewport", f"{w:g}x{h:g}")
    return doctype, root


def _num(v: Any) -> float:
    try:
        return float(v or 0)
    except (TypeError, ValueError):
        return 0.0


def _make(tag: str, attrs: dict, nid: Any) -> etree._Element:
    try:
        el = lxml.html.Element(tag)
    except ValueError:
        el = lxml.html.Element("div")
    for k, v in attrs.items():
        if k == "_cssText":
            el.text = _x(v)
            continue
        try:
            el.set(k, _x(v))
        except ValueError:
            pass  # a name lxml will not write: nothing a page needs to look right
    if nid is not None:
        el.set("data-rr-id", str(nid))
    return el


# iframes inside iframes get their documents this deep; deeper ones stay empty
MAX_FRAME_DEPTH = 4


def _build(top: Raw, frames: list | None = None, adopted: Raw | None = None) -> etree._Element:
    """lxml tree of a sanitized element node (iterative; text goes to .text/.tail).
    `frames` collects (iframe element, its recorded document node) pairs; `adopted` is the
    frame's adopted CSS by host id (a shadow root's goes last inside it)."""
    root = _make(top.get("tagName") or "div", top.get("attributes") or {}, top.get("id"))
    stack: list[tuple[Raw, etree._Element]] = [(c, root) for c in reversed(top.get("childNodes") or ())]
    shadow_css: list[tuple[etree._Element, str]] = []
    while stack:
        node, parent = stack.pop()
        t = node.get("type")
        if t == _ELEMENT:
            el = _make(node.get("tagName") or "div", node.get("attributes") or {}, node.get("id"))
            parent.append(el)
            kids = node.get("childNodes") or ()
            if node.get("isShadowHost") and any(c.get("isShadow") for c in kids):
                # a shadow root, declaratively: no script needed to attach it
                shadow = etree.SubElement(el, "template", {"shadowrootmode": "open"})
                css = (adopted or {}).get(str(node.get("id")))
                if css:
                    shadow_css.append((shadow, css))
                light = [c for c in kids if not c.get("isShadow")]
                for c in reversed(light):
                    stack.append((c, el))
                for c in reversed([c for c in kids if c.get("isShadow")]):
                    stack.append((c, shadow))
                continue
            for c in reversed(kids):
                stack.append((c, el))
        elif t == _TEXT or t == _CDATA:
            text = _x(node.get("textContent"))
            if len(parent):   # children are appended in order: text follows the last one
                last = parent[-1]
                last.tail = (last.tail or "") + text
            else:
                parent.text = (parent.text or "") + text
        elif t == _COMMENT:
            parent.append(etree.Comment(_x(node.get("textContent")).replace("--", "- -").rstrip("-")))
        elif t == _DOCUMENT and parent.tag == "iframe" and frames is not None:
            frames.append((parent, node))   # rendered by _document as the frame's srcdoc
    for shadow, css in shadow_css:   # adopted sheets come after the root's own: last in it
        etree.SubElement(shadow, "style", {"data-replay-adopted": ""}).text = _x(css)
    return root


def _apply_state(root: etree._Element, inputs: Raw, scrolls: Raw, media: Raw,
                 focus: Any = None, focus_visible: bool = False) -> None:
    if not (inputs or scrolls or media or focus is not None):
        return
    by_id = {el.get("data-rr-id"): el for el in root.iter() if isinstance(el.tag, str)}
    if focus is not None and str(focus) in by_id:
        # a static file has no focus: the focused element says so ("visible": with a ring)
        by_id[str(focus)].set("data-replay-focus", "visible" if focus_visible else "")
    for nid, st in inputs.items():
        el = by_id.get(str(nid))
        if el is None:
            continue
        tag = el.tag
        if "c" in st and st["c"] is not None:
            if st["c"]:
                el.set("checked", "")
            elif "checked" in el.attrib:
                del el.attrib["checked"]
        if "v" in st:
            v = _x(st["v"])
            if tag == "textarea":
                for c in list(el):
                    el.remove(c)
                el.text = v
            elif tag == "select":   # the first option of that value, as the value setter
                found = False       # picks (masked, every option's value reads `***` alike)
                for opt in el.iter("option"):
                    ov = opt.get("value")
                    if ov is None:
                        ov = (opt.text or "").strip()
                    if ov == v and not found:
                        found = True
                        opt.set("selected", "")
                    elif "selected" in opt.attrib:
                        del opt.attrib["selected"]
            elif tag == "input" and (el.get("type") or "").lower() not in ("checkbox", "radio"):
                el.set("value", v)
            elif tag == "option":
                pass
            else:
                el.set("value", v)
    for nid, pos in scrolls.items():
        el = by_id.get(str(nid))
        if el is not None and isinstance(pos, (list, tuple)) and len(pos) == 2:
            el.set("data-replay-scroll", f"{_num(pos[0]):g},{_num(pos[1]):g}")
    for nid, st in media.items():
        el = by_id.get(str(nid))
        if el is None:
            continue
        if st.get("paused") is not None:
            el.set("data-replay-paused", "true" if st["paused"] else "false")
        if st.get("currentTime") is not None:
            el.set("data-replay-time", f"{_num(st['currentTime']):g}")


# --- a tree a browser parses back into itself, and its serializer -------------------------
HTML, SVG, MATH = "html", "svg", "math"
VOID = frozenset({"area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr",
                  "img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr"})
RAW_TEXT = frozenset({"style", "script", "xmp", "iframe", "noembed", "noframes", "noscript",
                      "plaintext"})
RCDATA = frozenset({"title", "textarea"})
# What a parser keeps inside <head>; anything else would close it (and was never rendered).
_HEAD_TAGS = frozenset({"meta", "link", "style", "title", "template"})
# Start tags that break out of SVG/MathML to HTML (HTML spec, "parsing in foreign content").
_BREAKOUT = frozenset({"b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl",
                       "dt", "em", "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i",
                       "img", "li", "listing", "menu", "meta", "nobr", "ol", "p", "pre", "ruby",
                       "s", "small", "span", "strong", "strike", "sub", "sup", "table", "tt", "u",
                       "ul", "var"})
_SVG_HTML_POINTS = frozenset({"foreignobject", "desc", "title"})
_MATH_TEXT_POINTS = frozenset({"mi", "mo", "mn", "ms", "mtext"})
# Tags a parser only honours at the top (merges or ignores elsewhere); image is read as img.
_RENAME = {"html": "div", "head": "div", "body": "div", "frameset": "div", "frame": "div",
           "image": "img", "plaintext": "pre"}
_NEWLINE_EATERS = frozenset({"pre", "textarea", "listing"})
_TAG = re.compile(r"^[a-z][a-z0-9_.\-]*\Z")
_HTML_SPACE = " \t\n\f\r"   # HTML's whitespace (not U+00A0, which str.strip() takes too)


class Elem:
    """An element of the stable tree: namespace (HTML/SVG/MATH), lowercase tag, attributes
    in order, children (Elem, str text, RawText, CommentText)."""
    __slots__ = ("ns", "tag", "attrs", "kids")

    def __init__(self, ns: str, tag: str, attrs: list[tuple[str, str]]):
        self.ns, self.tag, self.attrs, self.kids = ns, tag, attrs, []


class RawText(str):
    """The content of a raw-text element (<style>), written as is."""


class CommentText(str):
    """A comment's data (no `<`, `>` or CR: nothing in it can end it or open markup)."""


class _End(str):
    pass


def _child_ns(parent: Elem, tag: str) -> tuple[str, bool]:
    """(namespace the HTML parser gives a child start tag, whether it breaks out to HTML)."""
    p = parent.tag
    html_rules = (parent.ns == HTML
                  or (parent.ns == SVG and p in _SVG_HTML_POINTS)
                  or (parent.ns == MATH and p in _MATH_TEXT_POINTS
                      and tag not in ("mglyph", "malignmark"))
                  or (parent.ns == MATH and p == "annotation-xml"
                      and (tag == "svg" or dict(parent.attrs).get("encoding", "").lower()
                           in ("text/html", "application/xhtml+xml"))))
    if html_rules:
        return (SVG if tag == "svg" else MATH if tag == "math" else HTML), False
    return parent.ns, tag in _BREAKOUT


def _attrs(el: etree._Element) -> list[tuple[str, str]]:
    seen: set[str] = set()
    out = []
    for k, v in el.attrib.items():
        low = k.lower()
        if low in seen or not ATTR_NAME_OK.match(k):
            continue   # a parser keeps the first of a repeated name
        seen.add(low)
        out.append((k, _x(v)))
    return out


def _children(el: etree._Element) -> list:
    out: list = [el.text] if el.text else []
    for c in el:
        out.append(c)
        if c.tail:
            out.append(c.tail)
    return out


def stable_tree(root: etree._Element) -> Elem:
    """The lxml document reshaped so that an HTML parser reads its serialization back into
    the same tree: <html> holds <head> (first, as `_document` put it) and <body> only —
    anything else recorded at the top goes into the body; <head> keeps only what a parser
    keeps there (the rest was never rendered); namespaces are the ones the parser assigns;
    void, raw-text and RCDATA elements hold only what they can (a <style>'s text made inert
    by `inert_css_text`, the other raw-text elements nothing); foreign elements HTML would
    break out of are dropped (SVG/MathML does not render them); comments lose `<` and `>`."""
    head, body = root.find("head"), root.find("body")
    top = Elem(HTML, "html", _attrs(root))
    h, b = Elem(HTML, "head", _attrs(head)), Elem(HTML, "body", _attrs(body))
    top.kids = [h, b]
    outside = _children(root)
    cut = outside.index(body)
    body_items = ([x for x in outside[:cut] if x is not head] + _children(body)
                  + outside[cut + 1:])
    head_items = [x for x in _children(head)
                  if (isinstance(x, str) and not x.strip(_HTML_SPACE))
                  or (not isinstance(x, str) and (x.tag is etree.Comment or x.tag in _HEAD_TAGS))]
    # (item, parent, the innermost table whose rows/cells we are in, or None)
    stack: list[tuple[Any, Elem, Elem | None]] = [(x, b, None) for x in reversed(body_items)]
    stack += [(x, h, None) for x in reversed(head_items)]
    owner: dict[int, Elem] = {}   # id(table) -> the element holding it (foster parent)
    while stack:
        x, parent, table = stack.pop()
        in_table = parent.ns == HTML and parent.tag in _TABLE_CONTEXT
        if isinstance(x, str):
            if in_table and x.strip(_HTML_SPACE):
                _foster(owner[id(table)], table, x)   # text in a table goes before it
            else:
                _add_text(parent, x)
            continue
        if x.tag is etree.Comment:
            data = re.sub(r"\r\n?", "\n", _x(x.text))   # a parser reads CR as LF there
            parent.kids.append(CommentText(data.replace("<", "&lt;").replace(">", "&gt;")))
            continue
        if not isinstance(x.tag, str):
            continue   # processing instructions, entities: nothing a page needs
        tag = x.tag.lower()
        if not _TAG.match(tag):
            tag = "div"
        fostered = False
        if in_table:
            placed = _table_place(parent, tag)
            if placed is None:
                continue   # inside <colgroup>: only columns
            if placed is _FOSTER:
                parent, fostered = owner[id(table)], True
            else:
                parent = placed
        ns, breakout = _child_ns(parent, tag)
        attrs = _attrs(x)
        if breakout or (ns != HTML and tag == "font"
                        and any(k.lower() in ("color", "face", "size") for k, _ in attrs)):
            continue
        if ns == HTML:
            tag = _RENAME.get(tag, tag)
            if tag in _TABLE_PARTS and parent.tag not in _TABLE_PARTS[tag]:
                tag = "div"   # a row or cell outside its table: a parser would drop the tag
        el = Elem(ns, tag, attrs)
        if fostered:
            _foster(parent, table, el)
        else:
            parent.kids.append(el)
        if ns == HTML and (tag in VOID or tag in RAW_TEXT or tag in RCDATA):
            text = "".join(t for t in _children(x) if isinstance(t, str))
            if tag == "style" and text:
                el.kids.append(RawText(inert_css_text(re.sub(r"\r\n?", "\n", text))))
            elif tag in RCDATA:
                _add_text(el, text)
            continue
        if ns == HTML and tag == "table":
            owner[id(el)] = parent
            table = el
        elif not (ns == HTML and tag in _TABLE_CONTEXT):
            table = None
        stack += [(c, el, table) for c in reversed(_children(x))]
    return top


# Table structure (HTML "in table" modes): what each table element may hold; a row or cell
# straight in a table gets the section a parser implies; anything else is moved in front of
# the table ("foster parenting") — which is also what decides its namespace.
_TABLE_CONTEXT = frozenset({"table", "tbody", "thead", "tfoot", "tr", "colgroup"})
_TABLE_HOLDS = {
    "table": {"caption", "colgroup", "thead", "tbody", "tfoot", "template", "style", "script"},
    "tbody": {"tr", "template", "style", "script"},
    "tr": {"td", "th", "template", "style", "script"},
    "colgroup": {"col", "template"},
}
_TABLE_HOLDS["thead"] = _TABLE_HOLDS["tfoot"] = _TABLE_HOLDS["tbody"]
_TABLE_IMPLIES = {("table", "tr"): ("tbody",), ("table", "td"): ("tbody", "tr"),
                  ("table", "th"): ("tbody", "tr"), ("table", "col"): ("colgroup",),
                  ("tbody", "td"): ("tr",), ("tbody", "th"): ("tr",), ("thead", "td"): ("tr",),
                  ("thead", "th"): ("tr",), ("tfoot", "td"): ("tr",), ("tfoot", "th"): ("tr",)}
_TABLE_PARTS = {"caption": {"table"}, "colgroup": {"table"}, "thead": {"table"},
                "tbody": {"table"}, "tfoot": {"table"}, "tr": {"tbody", "thead", "tfoot"},
                "td": {"tr"}, "th": {"tr"}, "col": {"colgroup"}}
_FOSTER = object()


def _table_place(parent: Elem, tag: str) -> "Elem | object | None":
    """Where a child element of a table element goes: the parent, a section/row the parser
    implies (created here), _FOSTER (in front of the table), or None (dropped)."""
    if tag in _TABLE_HOLDS[parent.tag]:
        return parent
    implied = _TABLE_IMPLIES.get((parent.tag, tag))
    if implied:
        for t in implied:
            el = Elem(HTML, t, [])
            parent.kids.append(el)
            parent = el
        return parent
    return None if parent.tag == "colgroup" else _FOSTER


def _foster(holder: Elem, table: Elem, item: "Elem | str") -> None:
    kids = holder.kids
    i = next(i for i in range(len(kids) - 1, -1, -1) if kids[i] is table)
    if isinstance(item, str) and i and type(kids[i - 1]) is str:
        kids[i - 1] += item
    else:
        kids.insert(i, item)


def _add_text(parent: Elem, text: str) -> None:
    if not text:
        return
    kids = parent.kids
    if kids and type(kids[-1]) is str:   # a parser makes one text node of adjacent text
        kids[-1] += text
    else:
        kids.append(text)


_TEXT_ESC = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\xa0": "&nbsp;",
                           "\r": "&#13;"})
_ATTR_ESC = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\xa0": "&nbsp;",
                           "\r": "&#13;", '"': "&quot;"})


def _attr_value(v: str) -> str:
    """Quoted attribute value; single quotes when that spares escaping (CSS with strings)."""
    if '"' in v and "'" not in v:
        return "'" + v.translate(_TEXT_ESC) + "'"
    return '"' + v.translate(_ATTR_ESC) + '"'


def to_html(top: Elem) -> str:
    """HTML text of a stable tree (iterative: recorded pages nest deep). Text and attribute
    values are escaped, `<` included, so only our tags can open markup."""
    out: list[str] = []
    stack: list[Any] = [top]
    while stack:
        x = stack.pop()
        if isinstance(x, Elem):
            out.append("<" + x.tag + "".join(f" {k}={_attr_value(v)}" for k, v in x.attrs) + ">")
            if x.ns == HTML and x.tag in VOID:
                continue
            stack.append(_End(x.tag))
            first = x.kids[0] if x.kids else None
            if x.ns == HTML and x.tag in _NEWLINE_EATERS and type(first) is str \
                    and first.startswith("\n"):
                out.append("\n")   # the parser drops one leading newline here
            stack.extend(reversed(x.kids))
        elif isinstance(x, _End):
            out.append(f"</{x}>")
        elif isinstance(x, RawText):
            out.append(x)
        elif isinstance(x, CommentText):
            out.append(f"<!--{x}-->")
        else:
            out.append(x.translate(_TEXT_ESC))
    return "".join(out)
