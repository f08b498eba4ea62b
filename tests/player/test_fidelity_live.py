"""The replay shows what the user saw (issue 11), judged against the live page itself.

Each test page under tests/browser/pages/fidelity/ is recorded by rrweb's own recorder in a
real browser (replay_tools.browser_recorder); at chosen moments the harness keeps the live
page's screenshot, its DOM and the number of events emitted so far. The player then paints
each moment 1:1 without the cursor — forwards through the moments and back again, in one
player, so every seek direction is covered — and the pictures must agree on ≥ 98 % of
the non-background pixels (replay_tools.pixels); the rebuilt DOM must equal the live one.
"""
from __future__ import annotations

from pathlib import Path

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
import lxml.html
import pytest
from PIL import Image

from player.qt.standalone import FramePainter
from player.replayer import Replayer
from replay_tools.browser_recorder import (CaptureDom, Click, Eval, Hover, PageServer, Scroll, Type,
                                           Wait, WaitFor, record_page)
from replay_tools.pixels import compare, difference_image
from tests.player.test_rebuild_live_dom import _moment, assert_rebuild_matches

PAGES = Path(__file__).resolve().parents[1] / "browser" / "pages"
ENOUGH = 0.98


@pytest.fixture(scope="module")
def server():
    with PageServer(PAGES) as srv:
        yield srv


def _qimage_to_pil(img) -> Image.Image:
    from PySide6.QtCore import QBuffer, QIODevice

    buf = QBuffer()
    buf.open(QIODevice.WriteOnly)
    img.save(buf, "PNG")
    import io
    return Image.open(io.BytesIO(bytes(buf.data())))


def assert_replay_looks_live(rec, tmp_path: Path, *, keyframe_interval: int = 3) -> dict:
    """Paint every captured moment forwards, then backwards; each must look like the live
    page (pixels) and rebuild like it (DOM). Returns {label: fraction} of the last pass."""
    events = rec.events
    r = Replayer(events, keyframe_interval=keyframe_interval)
    painter = FramePainter(events, cursor=False, replayer=r)
    seen: dict[str, float] = {}
    try:
        moments = list(rec.dom_snapshots)
        for live in moments + moments[::-1]:
            assert_rebuild_matches(r, events, live)
            shot = _qimage_to_pil(painter.frame(_moment(events, live)))
            got = compare(live.png, shot)
            if got.fraction < ENOUGH:   # painted again once: the same moment paints the same
                # page, so only a grab taken before Chromium's frame was done differs (a CI
                # run under load matched 88% once, not again alone); a real difference stays
                shot.save(tmp_path / f"{live.label}-replay-first.png")
                shot = _qimage_to_pil(painter.frame(_moment(events, live)))
                got = compare(live.png, shot)
            if got.fraction < ENOUGH:   # keep the evidence
                Image.open(__import__("io").BytesIO(live.png)).save(tmp_path / f"{live.label}-live.png")
                shot.save(tmp_path / f"{live.label}-replay.png")
                difference_image(live.png, shot).save(tmp_path / f"{live.label}-diff.png")
            assert got.fraction >= ENOUGH, (live.label, got, str(tmp_path))
            seen[live.label] = got.fraction
    finally:
        painter.close()
    return seen


def test_focus_shows_as_the_user_saw_it(qapp, server, tmp_path):
    """A loud :focus style and :focus-within on the form; focus moves, leaves, and lands
    on a field below the fold without the replay scrolling to it. A button focused by a
    click shows no :focus-visible ring, focused from the keyboard it does."""
    rec = record_page(server.url("fidelity/focus.html"), [
        CaptureDom("start"),
        Type("#name", "Ada"), CaptureDom("name"),
        Type("#city", "Paris"), CaptureDom("city"),
        Click("#go"), CaptureDom("clicked-button"),
        Type("#city", "\t"), CaptureDom("tabbed-to-button"),
        Eval("document.activeElement.blur()"), CaptureDom("blurred"),
        Type("#far", "x"), Scroll(None, 0), CaptureDom("far-focused-scrolled-back"),
    ])
    r = Replayer(rec.events)
    names = {n["attrs"].get("id"): n["id"] for n in rec.snapshot("start").find(lambda n: "tag" in n)}
    for label, want, ring in (("start", None, False), ("name", "name", True), ("city", "city", True),
                              ("clicked-button", "go", False), ("tabbed-to-button", "go", True),
                              ("blurred", None, False), ("far-focused-scrolled-back", "far", True)):
        m = r.state_at(_moment(rec.events, rec.snapshot(label)))
        assert m.focus == (names[want] if want else None), label
        assert m.focus_visible == ring, label
    assert_replay_looks_live(rec, tmp_path)


def test_css_in_js_and_nested_cssom_edits_show_as_the_user_saw_them(qapp, server, tmp_path):
    """An empty <style> filled only by insertRule/deleteRule (styled-components, emotion),
    and rule edits inside @media and @supports > @media at any depth."""
    rec = record_page(server.url("fidelity/cssom.html"), [
        CaptureDom("start"),
        Eval("cssInJs()"), CaptureDom("css-in-js"),
        Eval("nestedEdits()"), CaptureDom("nested"),
    ])
    r = Replayer(rec.events)
    assert not r.warnings, r.warnings
    assert_replay_looks_live(rec, tmp_path)


def test_hover_menus_open_under_the_recorded_cursor(qapp, server, tmp_path):
    """A CSS-only menu opens on :hover, its item highlights; moving away closes it. (rrweb
    sends cursor positions in batches, so each moment waits for the batch to go out.)"""
    rec = record_page(server.url("fidelity/hover.html"), [
        Hover("#file"), Wait(700), CaptureDom("menu-open"),
        Hover("#save"), Wait(700), CaptureDom("item-hovered"),
        Hover("#away"), Wait(700), CaptureDom("closed"),
    ])
    assert_replay_looks_live(rec, tmp_path)


def test_text_selection_shows_as_the_user_saw_it(qapp, server, tmp_path):
    rec = record_page(server.url("fidelity/selection.html"), [
        Eval("select('a', 4, 'a', 28)"), Wait(300), CaptureDom("words"),
        Eval("select('a', 20, 'b', 11)"), Wait(300), CaptureDom("across"),
        Eval("getSelection().removeAllRanges()"), Wait(300), CaptureDom("none"),
    ])
    assert_replay_looks_live(rec, tmp_path)


def test_shadow_dom_with_slots_and_adopted_sheets_shows_as_the_user_saw_it(qapp, server, tmp_path):
    """A web component: an open shadow root with its own <style>, an adopted sheet, named
    and default slots, changes inside it; the document adopts a sheet too."""
    rec = record_page(server.url("fidelity/shadow.html"), [
        CaptureDom("start"),
        Click("#bump"), Click("#bump"), Hover("#away-from-card"), Wait(600), CaptureDom("bumped"),
    ])
    live = rec.snapshot("bumped")
    assert live.find(lambda n: n.get("shadow")), "the harness must see the shadow root"
    assert_replay_looks_live(rec, tmp_path)


def test_a_web_font_loaded_by_script_is_replayed_from_the_recording(qapp, server, tmp_path):
    rec = record_page(server.url("fidelity/fonts.html"), [
        CaptureDom("fallback"),
        Eval("loadFont()"), WaitFor("body[data-font=loaded]", visible=False), Wait(300),
        CaptureDom("web-font"),
    ], record_options={"collectFonts": True})
    fonts = [e for e in rec.events if e["type"] == 3 and e["data"].get("source") == 10]
    assert fonts and fonts[0]["data"]["buffer"], "rrweb recorded the font's bytes"
    assert_replay_looks_live(rec, tmp_path)


def test_a_canvas_redrawn_on_click_shows_each_drawing(qapp, server, tmp_path):
    """2D drawing commands (rrweb's recordCanvas): shapes, text, image data; redrawn on
    each click over a full-canvas fill."""
    rec = record_page(server.url("fidelity/canvas.html"), [
        CaptureDom("first"),
        Click("#draw"), Wait(300), CaptureDom("second"),
        Click("#draw"), Click("#draw"), Wait(300), CaptureDom("fourth"),
    ], record_options={"recordCanvas": True})
    assert_replay_looks_live(rec, tmp_path)


def test_a_same_origin_iframe_changes_and_scrolls_as_the_user_saw_it(qapp, server, tmp_path):
    """The frame's document is rebuilt inside the iframe (its own layout, styles and
    scroll); changes made inside it apply by node id."""
    rec = record_page(server.url("fidelity/iframe.html"), [
        CaptureDom("start"),
        Click("#change"), Wait(200), CaptureDom("changed"),
        Click("#scroll"), Wait(300), CaptureDom("scrolled"),
    ])
    frame_doc = rec.snapshot("scrolled").find(lambda n: n.get("document"))
    assert frame_doc and frame_doc[0].get("scroll") == [0, 160], "the harness sees the frame"
    assert_replay_looks_live(rec, tmp_path)


def test_framework_shorthand_attributes_are_kept_inert(qapp, server, tmp_path):
    """Vue/Alpine `@click`, `:class`, `x-on:click.outside`: the rebuilt DOM, the live view
    and the safe document keep them as the page had them (they do nothing without the
    framework's script, which never runs)."""
    rec = record_page(server.url("fidelity/alpine.html"), [
        CaptureDom("start"), Click("#more"), Wait(200), CaptureDom("added"),
    ])
    assert_replay_looks_live(rec, tmp_path)
    events = rec.events
    live = rec.snapshot("added")
    shorthand = {n["id"]: n["attrs"] for n in live.find(
        lambda n: any(k[:1] in "@:" or k.startswith("x-on:") for k in n.get("attrs", {})))}
    assert len(shorthand) == 5
    # the live view (the runtime's DOM)
    painter = FramePainter(events, cursor=False)
    try:
        painter.frame(_moment(events, live))
        for nid, attrs in shorthand.items():
            got = painter.widget.bridge.call_sync(f"window.__replay.attrsOf({nid})")
            for k, v in attrs.items():
                if k[:1] in "@:" or k.startswith("x-"):
                    assert got.get(k) == v, (nid, k, got)
    finally:
        painter.close()
    # the safe document, as a browser parses it
    doc = lxml.html.document_fromstring(Replayer(events).document_at(_moment(events, live)))
    by_id = {el.get("data-rr-id"): el for el in doc.iter() if isinstance(el.tag, str)}
    for nid, attrs in shorthand.items():
        for k, v in attrs.items():
            if k[:1] in "@:":
                assert by_id[str(nid)].get(k) == v, (nid, k)


def test_the_safe_document_says_which_element_has_focus(qapp, server):
    rec = record_page(server.url("fidelity/focus.html"), [
        Type("#name", "Ada"), CaptureDom("name"), Click("#go"), CaptureDom("button")])
    r = Replayer(rec.events)
    for label, want, mark in (("name", "name", "visible"), ("button", "go", "")):
        doc = lxml.html.document_fromstring(r.document_at(_moment(rec.events, rec.snapshot(label))))
        marked = [el.get("id") for el in doc.iter() if isinstance(el.tag, str)
                  and el.get("data-replay-focus") is not None]
        assert marked == [want], label
        assert doc.get_element_by_id(want).get("data-replay-focus") == mark


def test_the_safe_document_shows_an_iframe_document_as_its_srcdoc(qapp, server):
    rec = record_page(server.url("fidelity/iframe.html"), [
        Click("#change"), Click("#scroll"), Wait(300), CaptureDom("scrolled")])
    live = rec.snapshot("scrolled")
    html = Replayer(rec.events).document_at(_moment(rec.events, live))
    doc = lxml.html.document_fromstring(html)
    frame = doc.get_element_by_id("f")
    assert frame.get("sandbox") == "allow-same-origin" and frame.get("src") is None
    inner = lxml.html.document_fromstring(frame.get("srcdoc"))
    assert inner.get_element_by_id("status").text_content() == "Changed from the parent page"
    assert len(inner.get_element_by_id("list").findall("li")) == 9
    # the frame's own document keeps the safety of the outer one, and its scroll
    assert inner.find(".//head")[0].get("http-equiv") == "Content-Security-Policy"
    assert inner.getroottree().getroot().get("data-replay-scroll") == "0,160"
    assert "<script" not in frame.get("srcdoc").lower()


def test_the_safe_document_keeps_a_shadow_roots_adopted_sheet_inside_it(qapp, server):
    rec = record_page(server.url("fidelity/shadow.html"), [CaptureDom("start")])
    html = Replayer(rec.events).document_at(_moment(rec.events, rec.snapshot("start")))
    doc = lxml.html.document_fromstring(html)
    card = doc.get_element_by_id("card")
    shadow = card.find("template")
    assert shadow is not None and shadow.get("shadowrootmode") == "open"
    assert shadow[-1].tag == "style" and ".card" in shadow[-1].text   # after the root's own
    head_adopted = doc.find(".//head/style[@data-replay-adopted]")
    assert head_adopted is not None and "h1" in head_adopted.text and ".card" not in head_adopted.text


def test_a_same_origin_iframe_keeps_its_documents_standards_mode(qapp, server, tmp_path):
    """The frame's recorded document has a doctype: it is laid out in standards mode, as live
    (the player's iframe starts as a quirks-mode about:blank, where the first paragraph's top
    margin is dropped and a table does not inherit the body's font size)."""
    rec = record_page(server.url("fidelity/standards-frame.html"), [Wait(500), CaptureDom("start")])
    painter = FramePainter(rec.events, cursor=False)
    try:
        painter.frame(_moment(rec.events, rec.snapshot("start")))
        mode = painter.widget.bridge.call_sync(
            "document.querySelector('iframe').contentDocument.compatMode")
    finally:
        painter.close()
    assert mode == "CSS1Compat"
    assert_replay_looks_live(rec, tmp_path)
