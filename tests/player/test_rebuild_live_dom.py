"""Recordings made in a real browser by rrweb's own recorder (npm, in QtWebEngine via
replay_tools.browser_recorder): the keyframed rebuild, and the safe document, at each captured
moment equal the live page's DOM captured at that moment."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import lxml.html
import pytest

from replay_tools.browser_recorder import CaptureDom, Click, PageServer, Scroll, Type, WaitFor, record_page
from player.replayer import Replayer
from recorder.mirror import parse_style

PAGES = Path(__file__).resolve().parents[1] / "browser" / "pages"


@pytest.fixture(scope="module")
def server():
    with PageServer(PAGES) as srv:
        yield srv


def _moment(events: list[dict], live) -> float:
    """The offset of the last event emitted when the live DOM was captured."""
    return events[live.event_count - 1]["timestamp"] - events[0]["timestamp"]


def assert_rebuild_matches(r: Replayer, events: list[dict], live) -> None:
    t = _moment(events, live)
    m = r.state_at(t)
    checked = 0

    def check(ln):
        nonlocal checked
        node = m.get(ln["id"])
        assert node is not None, f"{live.label}: live node {ln} missing from the rebuild"
        checked += 1
        if "tag" in ln:
            assert node.tag == ln["tag"]
            if ln["tag"] not in ("style", "script"):
                assert [c["id"] for c in ln["children"]] == node.children, ln["attrs"]
            for k, v in ln["attrs"].items():
                if k in ("value", "checked", "selected"):
                    continue
                if k == "style":
                    assert parse_style(node.attrs.get(k)) == parse_style(v)
                elif k == "src" and ln["tag"] == "iframe":
                    continue   # rrweb records a same-origin frame's document, not its URL
                elif k in ("href", "src"):
                    assert node.attrs.get(k) == urljoin(live.url, v)
                else:
                    assert node.attrs.get(k) == v, (live.label, ln["tag"], k)
            if "value" in ln and ln["tag"] == "select" and (node.value is None or "multiple" in node.attrs):
                # its selected option's value (capture.js records no value of its own; a
                # multiple one's value is in its options alone)
                got = _selected_value(m, node)
                assert got == ln["value"], (live.label, ln["attrs"].get("id"))
            elif "value" in ln:
                got = node.value if node.value is not None else node.attrs.get("value", "")
                assert got == ln["value"], (live.label, ln["attrs"].get("id"))
            if "checked" in ln:
                got = node.checked if node.checked is not None else "checked" in node.attrs
                assert bool(got) == ln["checked"], (live.label, ln["attrs"].get("id"))
            if "scroll" in ln and ln["scroll"] != [0, 0]:
                if ln["tag"] == "html":   # the document's scroll is the window's
                    assert list(m.window_scroll) == ln["scroll"]
                else:
                    assert node.scroll is not None and list(node.scroll) == ln["scroll"]
            if "css" in ln and node.sheet is not None:
                assert [_css(x) for x in node.sheet] == [_css(x) for x in ln["css"]]
            if ln["tag"] not in ("style", "script"):
                for c in ln["children"]:
                    check(c)
        elif ln.get("document"):   # a same-origin iframe's document, with its own scroll
            assert [nodes_id for nodes_id in node.children
                    if m.get(nodes_id) is not None and m.get(nodes_id).tag] == [c["id"] for c in ln["children"]]
            if ln.get("scroll"):
                assert node.scroll is not None and list(node.scroll) == ln["scroll"]
            for c in ln["children"]:
                check(c)
        elif "text" in ln:
            assert node.text == ln["text"]

    check(live.tree)
    assert checked > 20


def _selected_value(m, select) -> str:
    """A rebuilt <select>'s value: its first option with `selected`, else (one shown a row
    at a time) its first option; an option's value is its attribute, else its text."""
    options = [n for n in m.walk(select.id) if n.tag == "option"]
    size = select.attrs.get("size")
    one_row = "multiple" not in select.attrs and (not size or size == "1")
    chosen = [o for o in options if "selected" in o.attrs] or (options[:1] if one_row else [])
    if not chosen:
        return ""
    v = chosen[0].attrs.get("value")
    return v if isinstance(v, str) else " ".join(m.text_of(chosen[0].id).split())


def assert_document_matches(r: Replayer, events: list[dict], live) -> None:
    """The safe document shows the same text, values and state as the live page."""
    t = _moment(events, live)
    doc = lxml.html.document_fromstring(r.document_at(t))
    by_id = {el.get("data-rr-id"): el for el in doc.iter() if isinstance(el.tag, str)}
    assert doc.findtext(".//title") == live.title
    for ln in live.find(lambda n: "tag" in n and n["id"] >= 0):
        el = by_id.get(str(ln["id"]))
        assert el is not None, (live.label, ln["tag"], ln["attrs"])
        if ln["tag"] in ("script", "style", "head", "html", "title", "meta", "link"):
            continue
        want_text = _ws("".join(_texts(ln)))
        assert _ws(_doc_text(el)) == want_text, (live.label, ln["attrs"])
        if ln["tag"] == "input" and "value" in ln and el.get("type") not in ("checkbox", "radio"):
            assert (el.get("value") or "") == ln["value"]
        if ln.get("checked") is not None and ln["tag"] == "input":
            assert ("checked" in el.attrib) == ln["checked"], (live.label, ln["attrs"])
        if ln["tag"] == "textarea" and "value" in ln:
            assert (el.text or "") == ln["value"]
        if ln["tag"] == "select" and ln.get("value"):
            assert [o.get("value") for o in el.iter("option") if "selected" in o.attrib] == [ln["value"]]
        if ln.get("scroll") and ln["scroll"] != [0, 0]:
            assert el.get("data-replay-scroll") == "%g,%g" % tuple(ln["scroll"])
        if "class" in ln["attrs"]:
            assert el.get("class") == ln["attrs"]["class"]


def _doc_text(el) -> str:
    """Text content, except a textarea's: the document writes the typed value there, the
    live DOM keeps it in the property."""
    out = []
    if el.tag != "textarea" and el.text:
        out.append(el.text)
    for c in el:
        if isinstance(c.tag, str):
            out.append(_doc_text(c))
        if c.tail:
            out.append(c.tail)
    return "".join(out)


def _texts(n):
    if "text" in n:
        yield n["text"]
    if n.get("tag") in ("script", "style"):
        return
    for c in n.get("children", ()):
        yield from _texts(c)


def _css(rule: str) -> str:
    """Chromium serializes some selectors in canonical form (odd -> 2n+1)."""
    return _ws(rule).replace("(odd)", "(2n+1)").replace("(even)", "(2n)")


def _ws(s: str) -> str:
    return " ".join(s.split())


def test_dynamic_page_rebuilds_like_the_live_dom(qapp, server):
    rec = record_page(server.url("dynamic.html"), [
        CaptureDom("loaded"),
        Click("#add"), Click("#remove"), Click("#edit"), CaptureDom("edited"),
        Click("#toggle"), Click("#restyle"), CaptureDom("styled"),
        Click("#load"), WaitFor("#item-16"), Scroll("#feed", 90), CaptureDom("scrolled"),
        Click("#toggle"), Click("#add"), CaptureDom("end"),
    ])
    events = rec.events
    # a small interval so the moments fall between keyframes, not only on them
    r = Replayer(events, keyframe_interval=3)
    assert not r.warnings
    assert r.index.stats()["checkpoints"] > 3
    for live in rec.dom_snapshots:
        assert_rebuild_matches(r, events, live)
        assert_document_matches(r, events, live)
    # seeking back to an earlier moment after a later one gives that moment again
    first = rec.snapshot("loaded")
    assert_rebuild_matches(r, events, first)
    scrolled = rec.snapshot("scrolled")
    doc = lxml.html.document_fromstring(r.document_at(_moment(events, scrolled)))
    dyn = doc.get_element_by_id("dynamic-style")
    assert "rgb(230, 240, 255)" in dyn.text_content() and "letter-spacing" in dyn.text_content()
    # the timeline saw the clicks with the buttons' names, and the console
    names = [c.target for c in r.timeline.clicks]
    assert names[:3] == ["Add item", "Remove first", "Edit status"]
    assert any("could not load missing.json" in e.message for e in r.timeline.errors)
    assert any(x.url.endswith("data.json") and x.status == 200 for x in r.timeline.resources)


def test_checkout_form_state_rebuilds_like_the_live_dom(qapp, server):
    rec = record_page(server.url("checkout.html"), [
        Type("#name", "Ada Lovelace"), CaptureDom("name"),
        Type("#country", "Fr"), Click("#express"), Click("#terms"),
        Type("#notes", "Ring twice"), CaptureDom("typed"),
    ])
    events = rec.events
    r = Replayer(events, keyframe_interval=4)
    for live in rec.dom_snapshots:
        assert_rebuild_matches(r, events, live)
        assert_document_matches(r, events, live)
    doc = lxml.html.document_fromstring(r.document_at(_moment(events, rec.snapshot("typed"))))
    assert doc.get_element_by_id("name").get("value") == "Ada Lovelace"
    assert "checked" in doc.get_element_by_id("express").attrib
    assert "checked" not in doc.get_element_by_id("standard").attrib
    assert doc.get_element_by_id("checkout").get("action") == "replay-blocked:"
