"""Preview what a rules file records: the masked document for an HTML file (parsed with
lxml) or a stored session's snapshot. The privacy-rules editor shows it beside the real
page; tests use the same serializer to build rrweb snapshots from HTML.

The masked document is produced by the real pass, as an import runs it (`masked_events`:
`masker.mask_session`'s two passes) - a preview can never disagree with what would be
stored. The HTML rendered here is inert (no script, no on* handlers, no javascript: URLs)
but it is a preview, not the player: show it in a view with JavaScript and network off, or
pass the masked nodes through `player.document`.
"""
from __future__ import annotations

import html as _html
import os
import re
from pathlib import Path
from typing import Any, Iterable

import lxml.html
from lxml import etree

from ..format import QUIRKS_MODE, EventType, NodeType
from ..mirror import Mirror
from ..source import RecordingSource
from .masker import mask_session
from .rules import Rules

Raw = dict[str, Any]
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "param", "source", "track", "wbr"})
RAW_TEXT = frozenset({"style", "script"})


# --- HTML -> rrweb serialized nodes ----------------------------------------------------------
# The doctypes a browser parses in quirks mode (the HTML standard, "The initial insertion
# mode": its list's common entries, compared in any case): these public ids, those starting
# so, and HTML 4.01's Transitional and Frameset without a system id
_QUIRKS_PUBLIC_IDS = frozenset({"-//w3o//dtd w3 html strict 3.0//en//",
                                "-/w3c/dtd html 4.0 transitional/en", "html"})
_QUIRKS_PUBLIC_STARTS = ("+//silmaril//", "-//as//dtd html 3.0", "-//advasoft ltd//dtd html 3.0",
                         "-//ietf//dtd html", "-//metrius//", "-//microsoft//dtd internet explorer",
                         "-//netscape comm. corp.//dtd", "-//o'reilly and associates//",
                         "-//softquad", "-//spyglass//", "-//sq//", "-//sun microsystems corp.//",
                         "-//w3c//dtd html 3", "-//w3c//dtd html 4.0 frameset//",
                         "-//w3c//dtd html 4.0 transitional//", "-//w3c//dtd html experimental",
                         "-//w3c//dtd w3 html//", "-//w3o//dtd w3 html 3.0//",
                         "-//webtechs//dtd mozilla html")
_QUIRKS_WITHOUT_SYSTEM_ID = ("-//w3c//dtd html 4.01 frameset//",
                             "-//w3c//dtd html 4.01 transitional//")
_QUIRKS_SYSTEM_ID = "http://www.ibm.com/data/dtd/v11/ibmxhtml1-transitional.dtd"


def _quirks_doctype(name: str, public_id: str, system_id: str) -> bool:
    """Whether a page with this doctype is in quirks mode (see above; a doctype without a
    name - `<!DOCTYPE>` - is too)."""
    pub = public_id.lower()
    return (name.lower() != "html" or pub in _QUIRKS_PUBLIC_IDS
            or pub.startswith(_QUIRKS_PUBLIC_STARTS) or system_id.lower() == _QUIRKS_SYSTEM_ID
            or (not system_id and pub.startswith(_QUIRKS_WITHOUT_SYSTEM_ID)))


# a doctype's words as written (lxml reads `<!DOCTYPE>`, `<!DOCTYPE svg>` and `<!DOCTYPE html
# PUBLIC>` as `<!DOCTYPE html>`, and invents an HTML 4 one where there is none)
_DOCTYPE_WORDS = re.compile(r"<!doctype([^>]*)>")


def _doctype_words(source: str | bytes) -> list[str] | None:
    """The words of the doctype at the start of `source` (lower case); None: it has none."""
    head = source[:1024] if isinstance(source, (str, bytes)) else ""
    text = (head.decode("latin-1") if isinstance(head, bytes) else head).lower()
    m = _DOCTYPE_WORDS.search(text)
    return None if m is None else m.group(1).split()


def _forced_quirks(words: list[str]) -> bool:
    """Whether a doctype's words alone make quirks mode: no name, another name than html, or
    a PUBLIC or SYSTEM keyword with no identifier after it."""
    return not words or words[0] != "html" or words[-1] in ("public", "system")


def html_to_node(source: str | bytes) -> Raw:
    """Serialize an HTML document the way rrweb's snapshot does (ids in document order,
    text nodes included, `<style>` text flagged isStyle)."""
    doc = lxml.html.document_fromstring(source)
    tree = doc.getroottree()
    next_id = iter(range(1, 1 << 30)).__next__
    root: Raw = {"type": int(NodeType.Document), "childNodes": [], "id": next_id()}
    dt = tree.docinfo
    words = _doctype_words(source)
    if dt.doctype and words is not None:  # (not one lxml invented)
        root["childNodes"].append({"type": int(NodeType.DocumentType), "name": dt.root_name or "html",
                                   "publicId": dt.public_id or "", "systemId": dt.system_url or "",
                                   "id": next_id()})
    if words is None or _forced_quirks(words) or _quirks_doctype(
            dt.root_name or "", dt.public_id or "", dt.system_url or ""):
        root["compatMode"] = QUIRKS_MODE   # as a browser parses it, and rrweb records it

    def text(t: str, parent_tag: str) -> Raw:
        d: Raw = {"type": int(NodeType.Text), "textContent": t, "id": next_id()}
        if parent_tag == "style":
            d["isStyle"] = True
        return d

    def element(top) -> Raw | None:
        """The element's serialized subtree; iterative (pages nest deeper than Python's
        stack) and numbering in document order: a node, its text, then each child and
        the text after it."""
        holder: list[Raw] = []
        stack: list[tuple] = [(top, False, holder)]    # (element, in svg, where it goes)
        while stack:
            el, in_svg, into = stack.pop()
            if isinstance(el, tuple):                   # ("tail", text, parent tag)
                into.append(text(el[1], el[2]))
                continue
            if isinstance(el, etree._Comment):
                into.append({"type": int(NodeType.Comment), "textContent": el.text or "",
                             "id": next_id()})
                continue
            if not isinstance(el.tag, str):
                continue  # processing instructions, entities
            tag = el.tag.lower()
            d: Raw = {"type": int(NodeType.Element), "tagName": tag,
                      "attributes": {k: v for k, v in el.attrib.items()}, "childNodes": [],
                      "id": next_id()}
            into.append(d)
            in_svg = in_svg or tag == "svg"
            if in_svg:
                d["isSVG"] = True
            # a void element holds nothing: what libxml2 put in one it does not know as void
            # (wbr, source, track, embed) follows it, as a browser parses it (the preview
            # dropped the text after a <wbr> - "example.com" of an address broken with one)
            kids = into if tag in VOID else d["childNodes"]
            if el.text:
                kids.append(text(el.text, tag))
            for child in reversed(el):
                if child.tail:
                    stack.append((("tail", child.tail, tag), in_svg, kids))
                stack.append((child, in_svg, kids))
        return holder[0] if holder else None

    root["childNodes"].append(element(doc))
    return root


def html_to_events(source: str | bytes, *, href: str = "about:blank", width: int = 1280,
                   height: int = 800, timestamp: int = 0) -> list[Raw]:
    """A minimal recording of a static page: Meta + FullSnapshot."""
    return [
        {"type": int(EventType.Meta), "data": {"href": href, "width": width, "height": height},
         "timestamp": timestamp},
        {"type": int(EventType.FullSnapshot),
         "data": {"node": html_to_node(source), "initialOffset": {"left": 0, "top": 0}},
         "timestamp": timestamp},
    ]


# --- rrweb serialized nodes -> inert HTML ----------------------------------------------------
def _safe_attr(tag: str, k: str, v: Any) -> str | None:
    if not isinstance(v, (str, int, float)) or isinstance(v, bool) and not v:
        return None
    k = str(k)
    if v is True:   # rrweb's boolean attributes (checked, selected): as HTML writes them
        return k
    if k.lower().startswith("on") or k in ("srcdoc", "_cssText") or k.startswith("rr_"):
        return None
    s = str(v)
    if k in ("href", "src", "action", "formaction", "xlink:href") and \
            s.strip().lower().startswith(("javascript:", "vbscript:")):
        return None
    return s


def render_node(sn: Raw, values: dict[int, Any] | None = None) -> str:
    """An rrweb serialized tree as HTML text. Hidden placeholders become grey boxes of their
    recorded size; `values` (node id -> current input value) fills form controls."""
    out: list[str] = []
    values = values or {}

    # iterative (pages nest deeper than Python's stack): a node to render, or a closing
    # tag to write once its children are done
    stack: list[tuple[Any, str] | str] = [(sn, "")]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        s, parent_tag = item
        if not isinstance(s, dict):
            continue
        t = s.get("type")
        if t == NodeType.Document:
            stack.extend((c, "") for c in reversed(s.get("childNodes") or ()))
        elif t == NodeType.DocumentType:
            out.append(f"<!DOCTYPE {s.get('name') or 'html'}>")
        elif t == NodeType.Text or t == NodeType.CDATA:
            tc = s.get("textContent") or ""
            out.append(tc if parent_tag == "style" else _html.escape(tc, quote=False))
        elif t == NodeType.Comment:
            out.append("<!--" + (s.get("textContent") or "").replace("--", "- -") + "-->")
        elif t == NodeType.Element:
            tag = str(s.get("tagName") or "div").lower()
            if tag == "script":
                continue
            attrs = dict(s.get("attributes") or {})
            if s.get("id") in values and tag in ("input", "textarea", "select"):
                attrs["value"] = values[s["id"]]
            if "rr_width" in attrs or "rr_height" in attrs:
                style = "display:inline-block;background:#ccc;"
                if attrs.get("rr_width"):
                    style += f"width:{attrs['rr_width']};"
                if attrs.get("rr_height"):
                    style += f"height:{attrs['rr_height']};"
                attrs["style"] = style
            if tag == "link" and isinstance(attrs.get("_cssText"), str):
                out.append("<style>" + attrs["_cssText"].replace("</", "<\\/") + "</style>")
                continue
            parts = [tag]
            for k, v in attrs.items():
                sv = _safe_attr(tag, k, v)
                if sv is not None:
                    parts.append(f'{k}="{_html.escape(sv, quote=True)}"')
            out.append("<" + " ".join(parts) + ">")
            if tag in VOID:
                continue
            stack.append(f"</{tag}>")
            stack.extend((c, tag) for c in reversed(s.get("childNodes") or ()))
    return "".join(out)


def render_mirror(mirror: Mirror) -> str:
    node = mirror.to_serialized()
    if node is None:
        return ""
    values = {n.id: n.value for n in mirror.nodes.values() if n.value is not None}
    return render_node(node, values)


# --- previews -----------------------------------------------------------------------------
def masked_events(events: Iterable[Raw], rules: Rules | None) -> list[Raw]:
    """The events as a recording file's import (or `replay mask`) would store them under
    `rules`: the session whole, in the masker's two passes (`masker.mask_session`: an echo
    of a value typed into a masked field later - a name shown in an image's alt before it
    was typed - goes too). Every preview masks through here: the masker's one pass alone
    showed such a name the store never holds."""
    return mask_session(events, rules)[1]


def preview_node(snapshot: Raw, rules: Rules | None = None) -> Raw:
    """The masked serialized tree of a full snapshot (an event, its data, or a node)."""
    if snapshot.get("type") == EventType.FullSnapshot and "data" in snapshot:
        node = snapshot["data"]["node"]
    elif "node" in snapshot and "type" not in snapshot:
        node = snapshot["node"]
    else:
        node = snapshot
    ev = {"type": int(EventType.FullSnapshot), "data": {"node": node}, "timestamp": 0}
    return masked_events([ev], rules)[0]["data"]["node"]


def preview_html(source: str | bytes | Path, rules: Rules | None = None) -> str:
    """Masked document of an HTML page under `rules`: its text, its bytes, or its file - a
    Path, or a str with no `<` in it (no page's markup has none: "page.html" was shown as
    a page whose text is "page.html"; a file not there raises FileNotFoundError)."""
    if isinstance(source, str) and "<" not in source:
        source = Path(source)
    if isinstance(source, os.PathLike):
        source = Path(source).read_bytes()
    return render_node(preview_node(html_to_node(source), rules))


def preview_events(events: Iterable[Raw], rules: Rules | None = None,
                   until_ms: float | None = None) -> str:
    """Masked document of a recording as it stood at `until_ms` (epoch ms; default: the
    end): the whole recording goes through the masker (`masked_events`: a value typed after
    `until_ms` masks its echoes before it too), and the masked events up to that moment are
    what is shown - the exact document the store would hold."""
    shown = Mirror()
    for m in masked_events(events, rules):
        if until_ms is not None and (m.get("timestamp") or 0) > until_ms:
            break
        shown.apply(m)
    return render_mirror(shown)


def preview_source(source, rules: Rules | None = None, at_ms: float | None = None) -> str:
    """Masked document of a stored session / recording source (anything with
    `.events()`, or a list of events) `at_ms` milliseconds after its first event
    (None: at its end)."""
    events = source.events() if isinstance(source, RecordingSource) else source
    it = iter(events)
    first = next(it, None)
    if first is None:
        return ""

    def chain():
        yield first
        yield from it
    until = None if at_ms is None else (first.get("timestamp") or 0) + at_ms
    return preview_events(chain(), rules, until)


def masked_differently(before: Mirror, after: Mirror) -> set[int]:
    """Ids of the elements of `after` whose masking differs from `before` (the same page,
    rebuilt from events masked two ways): an attribute or a typed value that differs, a
    text child that differs, or children left out (beneath a hidden element). A changed
    text node is reported as its parent element, a dropped node as its nearest kept
    ancestor - what a preview can outline."""
    out: set[int] = set()
    kept = after.nodes

    def element_of(nid: int | None) -> int | None:
        while nid is not None:
            n = kept.get(nid)
            if n is not None and n.type == NodeType.Element:
                return nid
            n = before.nodes.get(nid)
            nid = n.parent if n is not None else None
        return None

    for nid, b in before.nodes.items():
        a = kept.get(nid)
        if a is None:
            hit = element_of(b.parent)
        elif b.type == NodeType.Element:
            hit = nid if (a.attrs != b.attrs or a.value != b.value or a.checked != b.checked) \
                else None
        else:
            hit = element_of(b.parent) if a.text != b.text else None
        if hit is not None:
            out.add(hit)
    return out
