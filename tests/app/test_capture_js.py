"""capture.js, our recorder, in a real browser (QtWebEngine, page JavaScript on): the stored
events rebuild to the live DOM at every captured moment, as rrweb's recordings do
(tests/player/test_rebuild_live_dom.py holds the comparison), and they mean what rrweb's mean."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from player.replayer import Replayer
import tests.player.test_rebuild_live_dom as CHECKS   # the live-DOM comparison rrweb's recordings pass
from recorder.intake.page_server import QuietHandler
from replay_tools.browser_recorder import (BrowserRecorder, CaptureDom, Click, Eval, PageServer,
                                           Scroll, Type, Wait, WaitFor, record_page)

TESTS = Path(__file__).resolve().parents[1]
PAGES = TESTS / "browser" / "pages"


@pytest.fixture(scope="module")
def server():
    with PageServer(PAGES) as srv:
        yield srv


def _sources(events, source):
    return [e["data"] for e in events if e["type"] == 3 and e["data"]["source"] == source]


def test_dynamic_page_rebuilds_like_the_live_dom(qapp, server):
    rec = record_page(server.url("dynamic.html"), [
        CaptureDom("loaded"),
        Click("#add"), Click("#remove"), Click("#edit"), CaptureDom("edited"),
        Click("#toggle"), Click("#restyle"), CaptureDom("styled"),
        Click("#load"), WaitFor("#item-16"), Scroll("#feed", 90), CaptureDom("scrolled"),
        Click("#toggle"), Click("#add"), CaptureDom("end"),
    ], recorder="capture")
    events = rec.events
    assert [e["type"] for e in events[:2]] == [4, 2]
    r = Replayer(events, keyframe_interval=3)
    assert not r.warnings, r.warnings
    for live in rec.dom_snapshots:
        CHECKS.assert_rebuild_matches(r, events, live)
        CHECKS.assert_document_matches(r, events, live)
    # what happened, in rrweb's vocabulary
    assert _sources(events, 8), "the inserted CSS rule travels as a StyleSheetRule event"
    assert any(d["y"] == 90 for d in _sources(events, 3))
    clicks = [d for d in _sources(events, 2) if d["type"] == 2]
    assert len(clicks) >= 8 and all(d["id"] > 0 and "x" in d for d in clicks)
    moves = _sources(events, 1)
    assert moves and all(p["timeOffset"] <= 0 for d in moves for p in d["positions"])
    names = [c.target for c in r.timeline.clicks]
    assert names[:3] == ["Add item", "Remove first", "Edit status"]


class _LateStyle(QuietHandler):
    """The test pages, late-style.css held back LATE_CSS_S: the recorder starts first."""

    def do_GET(self):  # noqa: N802 (http.server)
        if self.path.split("?")[0].endswith("/late-style.css"):
            time.sleep(LATE_CSS_S)
        try:
            super().do_GET()
        except (BrokenPipeError, ConnectionResetError):
            pass   # the browser let a request go (the page closed first)


LATE_CSS_S = 1.5


@pytest.mark.parametrize("page", ["late-style.html", "late-style-preload.html"])
def test_a_stylesheet_that_loads_after_the_snapshot_follows_it(qapp, page):
    """The install snippet sits in <head> above the page's stylesheet: capture.js recorded
    the <link> before its sheet loaded, never sent the CSS, and the page replayed unstyled
    (a site owner's tryout, 7 page views of 50). The sheet's text follows the snapshot as the
    link's `_cssText`, as rrweb's recorder sends it, and the replay is styled - a link
    preloaded and made a stylesheet by its onload too."""
    with PageServer(PAGES, handler=_LateStyle) as site:
        rec = record_page(site.url(page), [
            WaitFor("link[rel=stylesheet]", visible=False), Wait(500),   # (the sheet: loaded)
            CaptureDom("styled"),
        ], recorder="capture")
    events = rec.events
    (snap,) = [e for e in events if e["type"] == 2]
    link = _find_tag(snap["data"]["node"], "link", "stylesheet" if page == "late-style.html"
                     else "preload")
    assert "_cssText" not in link["attributes"], "the sheet was there at the snapshot"
    later = [a["attributes"]["_cssText"] for e in events if e["type"] == 3
             and e["data"]["source"] == 0 for a in e["data"]["attributes"]
             if a["id"] == link["id"] and "_cssText" in a["attributes"]]
    assert len(later) == 1 and ".banner" in later[0] and "rgb(0, 128, 0)" in later[0]
    r = Replayer(events)
    assert not r.warnings, r.warnings
    assert "rgb(0, 128, 0)" in r.document_at(r.duration_ms)   # the sheet, inlined
    CHECKS.assert_rebuild_matches(r, events, rec.dom_snapshots[-1])


def _find_tag(sn: dict, tag: str, rel: str | None = None) -> dict:
    stack = [sn]
    while stack:
        n = stack.pop()
        if n.get("tagName") == tag and (rel is None or n["attributes"].get("rel") == rel):
            return n
        stack.extend(n.get("childNodes") or ())
    raise AssertionError(f"no <{tag}> in the snapshot")


def test_checkout_form_state_rebuilds_like_the_live_dom(qapp, server):
    rec = record_page(server.url("checkout.html"), [
        Type("#name", "Ada Lovelace"), CaptureDom("name"),
        Type("#country", "Fr"), Click("#express"), Click("#terms"),
        Type("#notes", "Ring twice"), Type("#email", "ada@example.com"), CaptureDom("typed"),
    ], recorder="capture")
    events = rec.events
    r = Replayer(events, keyframe_interval=4)
    for live in rec.dom_snapshots:
        CHECKS.assert_rebuild_matches(r, events, live)
        CHECKS.assert_document_matches(r, events, live)
    inputs = _sources(events, 5)
    assert any(d.get("isChecked") is True for d in inputs)      # the express radio
    assert any(d.get("isChecked") is False for d in inputs)     # ... and standard going off
    assert {"text": "Ada Lovelace"} in [{"text": d["text"]} for d in inputs]
    # an e-mail field is masked at every level: its value never left the page
    assert "ada@example.com" not in repr(events)


def test_batched_mutations_and_nested_css_rules(qapp, server):
    """Many mutations in one frame (insertBefore chains: each add's nextId exists when it is
    applied; a move; a node added and removed unseen), a rule inserted inside an @media."""
    rec = record_page(server.url("dynamic.html"), [
        Eval("""(function(){
          var feed = document.getElementById('feed'), first = feed.firstElementChild;
          for (var i = 0; i < 30; i++) {
            var li = document.createElement('li'); li.textContent = 'batch ' + i;
            feed.insertBefore(li, i % 2 ? first : feed.firstChild);
          }
          var moved = feed.lastElementChild; feed.insertBefore(moved, feed.firstChild);
          var gone = document.createElement('b'); feed.appendChild(gone); gone.remove();
          var st = document.getElementById('dynamic-style').sheet;
          st.insertRule('@media (min-width: 10px) { #title { color: red; } }', 0);
          st.cssRules[0].insertRule('#status { color: blue; }', 1);
          document.getElementById('title').setAttribute('data-x', 'y');
          return feed.children.length; })()"""),
        CaptureDom("batched"),
    ], recorder="capture")
    events = rec.events
    r = Replayer(events, keyframe_interval=2)
    assert not r.warnings, r.warnings
    live = rec.snapshot("batched")
    CHECKS.assert_rebuild_matches(r, events, live)
    muts = _sources(events, 0)
    assert max(len(d["adds"]) for d in muts) >= 30
    nested = [d for d in _sources(events, 8) if isinstance(d.get("adds", [{}])[0].get("index"), list)]
    assert nested and nested[0]["adds"][0]["index"] == [0, 1]


def _frame_html(live) -> dict:
    """The live <html> of the page's iframe (its document is recorded beneath the iframe)."""
    frame = live.find(lambda n: n.get("tag") == "iframe")[0]
    return frame["children"][0]["children"][0]


def test_shadow_dom_iframe_and_css_in_js_rebuild(qapp, server):
    rec = record_page(server.url("widgets.html"), [
        WaitFor("#frame"),
        CaptureDom("loaded", settle_ms=600),
        Click("#theme"), Click("#shadow-add"), Click("#late-shadow"),
        Scroll(None, 400), CaptureDom("changed"),
        # a web component added after load, changed inside its shadow root later
        Click("#component"), Click("#component-tick"), CaptureDom("component"),
    ], recorder="capture")
    events = rec.events
    r = Replayer(events, keyframe_interval=3)
    assert not r.warnings, r.warnings
    css = rec.snapshot("changed").find(
        lambda n: n.get("attrs", {}).get("id") == "css-in-js")[0]["css"]
    for live in rec.dom_snapshots:
        CHECKS.assert_rebuild_matches(r, events, live)
        # the frame's document, node by node
        frame_html = _frame_html(live)
        m = r.state_at(CHECKS._moment(events, live))
        texts = [n["text"] for n in live.find(lambda n: "text" in n and n["text"].strip())]
        assert "Inside the frame" in texts
        for ln in [frame_html] + [n for n in live.find(lambda n: "tag" in n)]:
            node = m.get(ln["id"])
            assert node is not None and node.tag == ln["tag"]
    end = rec.snapshot("changed")
    m = r.state_at(CHECKS._moment(events, end))
    host = end.find(lambda n: n.get("attrs", {}).get("id") == "late-host")[0]
    assert [m.get(c).tag for c in m.get(host["id"]).children] == ["span"]
    assert list(m.window_scroll) == [0, 400]
    style_id = end.find(lambda n: n.get("attrs", {}).get("id") == "css-in-js")[0]["id"]
    snap_style = _find_node(events[1]["data"]["node"], style_id)
    assert snap_style["attributes"]["_cssText"].startswith(".card { border: 1px solid")
    assert [d["adds"][0]["rule"] for d in _sources(events, 8) if d["id"] == style_id] == [
        css[1]]
    decl = [d for d in _sources(events, 13) if d["id"] == style_id]
    assert decl == [{"source": 13, "id": style_id, "index": [0],
                     "set": {"property": "outline-color", "value": "rgb(255, 0, 0)", "priority": ""}}]
    assert "outline-color: rgb(255, 0, 0)" in css[0]


def _find_node(sn: dict, node_id: int) -> dict:
    stack = [sn]
    while stack:
        n = stack.pop()
        if n.get("id") == node_id:
            return n
        stack.extend(n.get("childNodes", ()))
    raise KeyError(node_id)


def test_viewport_resize_and_typing_in_a_frame(qapp, server):
    with BrowserRecorder(recorder="capture") as b:
        b.open(server.url("widgets.html"))
        b.run([WaitFor("#frame"), Wait(300)])
        b.view.resize(900, 600)
        b.run([Wait(300), Eval("""(function(){var d=document.getElementById('frame').contentDocument;
                 var i=d.getElementById('frame-input'); i.value='typed in frame';
                 i.dispatchEvent(new Event('input', {bubbles: true}));
                 d.getElementById('frame-add').click(); return 1;})()"""),
               CaptureDom("end")])
        rec = b.finish()
    events = rec.events
    assert {"source": 4, "width": 900, "height": 600} in _sources(events, 4)
    r = Replayer(events)
    live = rec.snapshot("end")
    m = r.state_at(CHECKS._moment(events, live))
    assert (m.width, m.height) == (900, 600)
    frame_html = _frame_html(live)
    inp = [n for n in _walk(frame_html) if n.get("attrs", {}).get("id") == "frame-input"]
    assert m.get(inp[0]["id"]).value == "typed in frame"
    added = [n for n in _walk(frame_html) if n.get("tag") == "b"]
    assert added and m.get(added[0]["children"][0]["id"]).text == "added in frame"


def _walk(tree: dict):
    stack = [tree]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.get("children", ()))
