"""The safe HTML document of a moment: a frame (`player.frame.build_frame`, already
sanitized) turned into markup with lxml.

It renders like the page did — inlined stylesheets as <style>, hidden elements as sized
placeholders, input values, checked boxes and selected options written into the markup,
scroll positions as `data-replay-scroll` (and, for the window, a small CSS shift so the
static file opens at the recorded scroll) — and it cannot act: the tree is sanitized, and a
Content-Security-Policy forbidding scripts and every fetch but `data:`/`replay-asset:` is put
first in <head> as a second line of defence for when the file is opened in a browser.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import lxml.html
from lxml import etree

Raw = dict[str, Any]

CSP = ("default-src 'none'; img-src data: replay-asset:; style-src 'unsafe-inline' data: "
       "replay-asset:; font-src data: replay-asset:; media-src data: replay-asset:; "
       "form-action 'none'; base-uri 'none'; frame-src 'none'; object-src 'none'; "
       "script-src 'none'")
# A hidden element's placeholder (it keeps its box, nothing of its content): neutral grey
# with the word "Hidden", drawn by CSS so no text enters the DOM. An empty inline element
# has no box, so inline tags become inline-block, standing where their text stood (at the
# text's bottom, not on the baseline, so the line keeps its height). Shown by the safe document and, through
# the runtime bridge, by the live replay view.
_HIDDEN_LABEL = quote(
    "<svg xmlns='http://www.w3.org/2000/svg'><text x='50%' y='50%' text-anchor='middle'"
    " dominant-baseline='central' font-family='sans-serif' font-size='12' fill='#6b6b6b'>"
    "Hidden</text></svg>", safe="/:=' ")
_INLINE = ("a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd",
           "label", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time",
           "u", "var")
PLAYER_CSS = ("[data-replay-hidden]:empty{background:#e4e4e4 url(\"data:image/svg+xml,"
              + _HIDDEN_LABEL + "\") center/100% 100% no-repeat!important;"
              "box-shadow:inset 0 0 0 1px #c4c4c4!important;color:transparent!important}"
              + ",".join(f"{t}[data-replay-hidden]:empty" for t in _INLINE)
              + "{display:inline-block!important;vertical-align:text-bottom}"
              "template,noscript{display:none!important}")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(s: Any) -> str:
    s = s if isinstance(s, str) else ("" if s is None else str(s))
    return _XML_BAD.sub("", s)


def render_document(frame: Raw, *, static_scroll: bool = True) -> str:
    """HTML text of a frame. `static_scroll` shifts the body by the window scroll with CSS
    (there is no script to scroll a static file)."""
    tree = frame.get("tree")
    inputs = frame.get("inputs") or {}
    scroll = frame.get("scroll") or {}
    media = frame.get("media") or {}
    doctype = None
    html_node = None
    if tree and tree.get("type") == 0:
        for c in tree.get("childNodes") or ():
            if c.get("type") == 1 and doctype is None:
                doctype = f"<!DOCTYPE {c.get('name') or 'html'}>"
            elif c.get("type") == 2 and html_node is None:
                html_node = c
    elif tree and tree.get("type") == 2:
        html_node = tree
    if html_node is not None and html_node.get("tagName") != "html":
        html_node = {"type": 2, "id": None, "tagName": "html", "attributes": {},
                     "childNodes": [html_node]}
    root = _build(html_node) if html_node is not None else lxml.html.Element("html")
    _apply_state(root, inputs, scroll.get("nodes") or {}, media)

    head = root.find("head")
    if head is None:
        head = lxml.html.Element("head")
        root.insert(0, head)
    body = root.find("body")
    if body is None:
        body = etree.SubElement(root, "body")
    # our own markup goes first in <head>, before anything recorded
    meta_charset = lxml.html.Element("meta", charset="utf-8")
    meta_csp = lxml.html.Element("meta", {"http-equiv": "Content-Security-Policy", "content": CSP})
    style = lxml.html.Element("style", {"data-replay": "player"})
    style.text = PLAYER_CSS
    head.insert(0, style)
    head.insert(0, meta_csp)
    head.insert(0, meta_charset)
    meta_csp.tail = head.text
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
    html = lxml.html.tostring(root, encoding="unicode", method="html")
    return (doctype + "\n" if doctype else "") + html


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


def _build(top: Raw) -> etree._Element:
    """lxml tree of a sanitized element node (iterative; text goes to .text/.tail)."""
    root = _make(top.get("tagName") or "div", top.get("attributes") or {}, top.get("id"))
    stack: list[tuple[Raw, etree._Element]] = [(c, root) for c in reversed(top.get("childNodes") or ())]
    while stack:
        node, parent = stack.pop()
        t = node.get("type")
        if t == 2:
            el = _make(node.get("tagName") or "div", node.get("attributes") or {}, node.get("id"))
            parent.append(el)
            kids = node.get("childNodes") or ()
            if node.get("isShadowHost") and any(c.get("isShadow") for c in kids):
                # a shadow root, declaratively: no script needed to attach it
                shadow = etree.SubElement(el, "template", {"shadowrootmode": "open"})
                light = [c for c in kids if not c.get("isShadow")]
                for c in reversed(light):
                    stack.append((c, el))
                for c in reversed([c for c in kids if c.get("isShadow")]):
                    stack.append((c, shadow))
                continue
            for c in reversed(kids):
                stack.append((c, el))
        elif t in (3, 4):
            text = _x(node.get("textContent"))
            if len(parent):   # children are appended in order: text follows the last one
                last = parent[-1]
                last.tail = (last.tail or "") + text
            else:
                parent.text = (parent.text or "") + text
        elif t == 5:
            parent.append(etree.Comment(_x(node.get("textContent")).replace("--", "- -").rstrip("-")))
        # nested documents (iframe content) are not part of the static document
    return root


def _apply_state(root: etree._Element, inputs: Raw, scrolls: Raw, media: Raw) -> None:
    if not (inputs or scrolls or media):
        return
    by_id = {el.get("data-rr-id"): el for el in root.iter() if isinstance(el.tag, str)}
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
            elif tag == "select":
                for opt in el.iter("option"):
                    ov = opt.get("value")
                    if ov is None:
                        ov = (opt.text or "").strip()
                    if ov == v:
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
