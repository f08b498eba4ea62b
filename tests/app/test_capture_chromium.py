"""capture.js in a second engine: Debian's chromium, headless, driven by Playwright with
executable_path (no browser download). The same pages and steps as in QtWebEngine: the
rebuild equals the live DOM at each captured moment; the recording plays in rrweb's own
Replayer (npm) without a warning and shows the live page's text; and on the same page,
rrweb's recorder's output and ours rebuild the same DOM."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from player.replayer import Replayer  # noqa: E402
import tests.player.test_rebuild_live_dom as CHECKS  # noqa: E402
from replay_tools.browser_recorder import (CaptureDom, Click, Eval, PageServer, Scroll, Type,  # noqa: E402
                                           Wait, WaitFor, record_page)
from replay_tools.chromium import chromium_path, record_page_chromium  # noqa: E402

TESTS = Path(__file__).resolve().parents[1]
PAGES = TESTS / "browser" / "pages"
RRWEB_UMD = TESTS / "browser" / "node_modules" / "rrweb" / "dist" / "rrweb.umd.min.cjs"
RRWEB_CSS = TESTS / "browser" / "node_modules" / "rrweb" / "dist" / "style.css"

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

DYNAMIC_STEPS = [
    CaptureDom("loaded"),
    Click("#add"), Click("#remove"), Click("#edit"), CaptureDom("edited"),
    Click("#toggle"), Click("#restyle"), CaptureDom("styled"),
    Click("#load"), WaitFor("#item-16"), Scroll("#feed", 90), CaptureDom("scrolled"),
]


@pytest.fixture(scope="module")
def server():
    with PageServer(PAGES) as srv:
        yield srv


@pytest.fixture(scope="module")
def dynamic(server, chromium):
    return record_page_chromium(server.url("dynamic.html"), DYNAMIC_STEPS, browser=chromium)


def test_chromium_recording_rebuilds_like_the_live_dom(dynamic):
    events = dynamic.events
    r = Replayer(events, keyframe_interval=3)
    assert not r.warnings, r.warnings
    for live in dynamic.dom_snapshots:
        CHECKS.assert_rebuild_matches(r, events, live)
        CHECKS.assert_document_matches(r, events, live)


def test_chromium_forms_shadow_dom_and_frames(server, chromium):
    rec = record_page_chromium(server.url("checkout.html"), [
        Type("#name", "Ada Lovelace"), Type("#country", "f"), Click("#express"), Click("#terms"),
        CaptureDom("typed"), Click("#pay"), CaptureDom("paid")], browser=chromium)
    r = Replayer(rec.events, keyframe_interval=4)
    for live in rec.dom_snapshots:
        CHECKS.assert_rebuild_matches(r, rec.events, live)
    widgets = record_page_chromium(server.url("widgets.html"), [
        WaitFor("#frame"), CaptureDom("loaded", settle_ms=600),
        Click("#shadow-add"), Click("#late-shadow"), CaptureDom("changed"),
        Click("#component"), Click("#component-tick"), CaptureDom("component")], browser=chromium)
    r = Replayer(widgets.events)
    for live in widgets.dom_snapshots:
        live.tree = _drop_css(live.tree)   # see test_capture_js: CSS-in-JS rule lists
        CHECKS.assert_rebuild_matches(r, widgets.events, live)


def _drop_css(tree):
    stack = [tree]
    while stack:
        n = stack.pop()
        if n.get("attrs", {}).get("id") == "css-in-js":
            n.pop("css", None)
        stack.extend(n.get("children", ()))
    return tree


def _play_in_rrweb(browser, events: list[dict], *, probe: str = "null",
                   options: dict | None = None, settle_ms: int = 300,
                   until: Any = None) -> dict:
    """Play `events` to the end in rrweb's Replayer (npm's build) in a new page (its own
    context) of `browser`; its warnings, and the replayed document's body text and element
    ids, and `probe` (a JavaScript function of the replayed document) run on it. With
    `until`, the probe is read again until it gives that (the Replayer draws canvas images
    and loads font faces asynchronously: on a loaded machine later than `settle_ms`), for
    at most UNTIL_S seconds; the last reading is returned. rrweb's Replayer applies each
    canvas mutation once its images are decoded (`await deserializeArg`), so on a loaded
    machine an earlier picture of a canvas can land after a later one and stay: its race,
    not the recording's - a replay whose probe never gives `until` is played once more, in
    a new page. The first replay is played again as soon as its reading stays the same
    for STILL_S (such a picture never goes: waiting its UNTIL_S cost a run 20 s); the
    second gets the whole UNTIL_S."""
    out = _play_in_rrweb_once(browser, events, probe, options, settle_ms, until, STILL_S)
    if until is not None and out["probe"] != until:
        out = _play_in_rrweb_once(browser, events, probe, options, settle_ms, until, UNTIL_S)
    return out


def _play_in_rrweb_once(browser, events: list[dict], probe: str, options: dict | None,
                        settle_ms: int, until: Any, still_s: float) -> dict:
    page = browser.new_page()
    try:
        warnings: list[str] = []
        page.on("console", lambda m: warnings.append(m.text) if m.type in ("warning", "error") else None)
        page.set_content("<html><head><style>%s</style></head><body><div id=root></div></body></html>"
                         % RRWEB_CSS.read_text())
        page.add_script_tag(content="(function(){var exports=undefined,module=undefined,define=undefined;\n"
                            + RRWEB_UMD.read_text() + "\n}).call(window);")
        read = """() => {
            var d = window.__replayer.iframe.contentDocument;
            var probe;
            try { probe = (%s)(d); } catch (e) { probe = {error: String(e)}; }
            return {text: d.body ? d.body.textContent : '',
                    ids: Array.from(d.querySelectorAll('[id]')).map(e => e.id),
                    probe: probe};
        }""" % probe
        page.evaluate("""([events, options, settle]) => new Promise((resolve) => {
            var r = window.__replayer = new rrweb.Replayer(events, Object.assign({
                root: document.getElementById('root'), showWarning: true, showDebug: false,
                mouseTail: false, triggerFocus: false}, options));
            r.pause(r.getMetaData().totalTime);
            setTimeout(resolve, settle);
        })""", [events, options or {}, settle_ms])
        out = page.evaluate(read)
        deadline = time.monotonic() + UNTIL_S
        still_until = time.monotonic() + still_s   # the reading unchanged till then: given up
        while until is not None and out["probe"] != until and time.monotonic() < deadline \
                and time.monotonic() < still_until:
            page.wait_for_timeout(200)
            before, out = out, page.evaluate(read)
            if out["probe"] != before["probe"]:
                still_until = time.monotonic() + still_s
    finally:
        page.context.close()
    out["warnings"] = warnings
    return out


UNTIL_S = 20
STILL_S = 4


def test_capture_recording_plays_in_rrwebs_replayer(dynamic, chromium):
    out = _play_in_rrweb(chromium, dynamic.events)
    assert out["warnings"] == []
    last = dynamic.dom_snapshots[-1]
    live_ids = [n["attrs"]["id"] for n in last.find(lambda n: "id" in n.get("attrs", {}))]
    assert out["ids"] == live_ids
    item16 = last.find(lambda n: n.get("attrs", {}).get("id") == "item-16")[0]
    assert "Edited at step" in out["text"] and item16["children"][0]["text"] in out["text"]


# What the user saw of capture.js's selection, canvas, font and adopted-sheet events, read
# from a document: the live page's, and the one rrweb's Replayer rebuilt.
FEATURES_PROBE = """function (d) {
    var w = d.defaultView, cs = function (el) { return w.getComputedStyle(el); };
    var h1 = d.querySelector('h1'), note = d.getElementById('note');
    var card = d.getElementById('card').shadowRoot.querySelector('.card');
    var card2 = d.getElementById('card2').shadowRoot.querySelector('.card');
    var all = d.getElementById('c').getContext('2d').getImageData(0, 0, 300, 120).data;
    var at = function (x, y) { var i = (y * 300 + x) * 4; return Array.from(all.slice(i, i + 4)); };
    var px = at(45, 30).concat(at(165, 30));   // the first drawing (cleared), the second
    return {h1: [cs(h1).color, cs(h1).backgroundColor],
            note: [cs(note).color, cs(note).fontWeight, cs(note).textDecorationLine, cs(note).letterSpacing],
            cards: [card, card2].map(function (c) { return [cs(c).borderTopStyle, cs(c).borderTopWidth,
                                                              cs(c).backgroundColor, cs(c).outlineStyle]; }),
            selected: String(d.getSelection()),
            fonts: Array.from(d.fonts).map(function (f) { return f.family; }).sort(),
            canvas: px};
}"""


def test_selection_canvas_fonts_and_adopted_sheets_play_in_rrwebs_replayer(server, chromium):
    """capture.js's sources 14, 9, 10, 15 and its styleId edits, played by rrweb's Replayer
    (canvas with its UNSAFE_replayCanvas): no warning, and the replayed page has the live
    page's adopted styles (document and shadow roots, after insertRule/replaceSync/
    deleteRule/setProperty), selection, font faces and canvas pixels."""
    rec = record_page_chromium(server.url("fidelity/features.html"), [
        Click("#draw"), Eval("editSheets()"), Eval("replaceSheets()"),
        Eval("loadFonts()"), WaitFor("body[data-font=loaded]", visible=False),
        Eval("select('a', 4, 'a', 28)"), Wait(700), CaptureDom("end"),
        Eval("(%s)(document)" % FEATURES_PROBE)],
        record_options={"recordCanvas": True, "canvasFps": 4}, browser=chromium)
    live = rec.eval_results[-1]
    assert live["selected"] == "support engineer needs t" and live["canvas"] == [0, 0, 0, 0, 220, 40, 40, 255]
    assert live["note"][3] == "2px" and [c[3] for c in live["cards"]] == ["solid", "none"]   # pushed
    assert {8, 9, 10, 13, 14, 15} <= {e["data"]["source"] for e in rec.events if e["type"] == 3}
    out = _play_in_rrweb(chromium, rec.events, probe=FEATURES_PROBE, options={"UNSAFE_replayCanvas": True},
                         until=live)
    # Chromium's own note on the sandbox that UNSAFE_replayCanvas asks of the Replayer
    sandbox = "allow-scripts and allow-same-origin for its sandbox attribute"
    assert [w for w in out["warnings"] if sandbox not in w] == []
    assert out["probe"] == live


def _shape(sn: dict, out: list, depth: int = 0) -> list:
    """A serialized tree without ids: (depth, tag, attributes) / (depth, text)."""
    if sn.get("type") == 2:
        # rrweb sends a <style>'s CSS as `_cssText`, capture.js as its text: the same sheet;
        # neither sends a script's code (rrweb: a placeholder, capture.js: nothing)
        attrs = {k: v for k, v in (sn.get("attributes") or {}).items()
                 if not k.startswith("rr_") and k != "_cssText"}
        out.append((depth, sn["tagName"], json.dumps(attrs, sort_keys=True)))
        if sn["tagName"] in ("style", "script"):
            return out
    elif sn.get("type") == 3:
        out.append((depth, "#text", sn.get("textContent", "")))
    for c in sn.get("childNodes") or ():
        _shape(c, out, depth + 1)
    return out


def test_rrweb_and_capture_rebuild_the_same_dom(qapp, server):
    """The same page and steps recorded by rrweb's recorder and by capture.js (both in
    QtWebEngine): the two rebuilds at the end are the same document, node for node."""
    steps = [Click("#add"), Click("#remove"), Click("#edit"), Click("#toggle"),
             Click("#load"), WaitFor("#item-16"), CaptureDom("end")]
    shapes = {}
    for recorder in ("rrweb", "capture"):
        rec = record_page(server.url("dynamic.html"), steps, recorder=recorder)
        r = Replayer(rec.events)
        m = r.state_at(CHECKS._moment(rec.events, rec.snapshot("end")))
        shapes[recorder] = _shape(m.to_serialized(), [])
    assert len(shapes["capture"]) > 50
    assert shapes["capture"] == shapes["rrweb"]


def _rum(t: int, payload: dict) -> dict:
    return {"type": 6, "data": {"plugin": "replay/rum@1", "payload": payload}, "timestamp": t}


VIEW = {"id": "v1", "url": "http://shop/", "referrer": None}
RUM_EVENTS = [
    _rum(1000, {"type": "view", "view": dict(VIEW), "browser": {"name": "Chrome"}}),
    _rum(1001, {"type": "resource", "date": 900, "resource": {
        "url": "http://shop/app.js", "method": "GET", "status_code": 200, "duration": 40.2,
        "size": None, "type": "js"}}),
    _rum(1002, {"type": "long_task", "date": 990, "long_task": {"duration": 53}}),
    _rum(1003, {"type": "action", "date": 1000, "action": {
        "type": "click", "target": {"name": "Buy", "selector": "button#buy"},
        "position": {"x": 10.5, "y": 20}}}),
    _rum(1004, {"type": "action", "date": 1001, "action": {
        "type": "click", "target": {"name": "Buy", "selector": "button#buy"},
        "position": {"x": 10, "y": 20}, "frustration": {"type": ["rage_click", "dead_click"]},
        "click_count": 4}}),
    _rum(1005, {"type": "view", "view": dict(VIEW, loading_time=439.2, cumulative_layout_shift=0)}),
    _rum(1006, {"type": "view", "view": {"id": "v2", "url": "http://shop/#", "referrer": "http://shop/",
                                         "loading_type": "route_change"}}),
    _rum(1007, {"type": "view", "view": {"id": "v2", "url": "http://shop/#", "referrer": "http://shop/",
                                         "interaction_to_next_paint": 88}}),
    # a resource with its response's content type, a triple-click in a text field (no
    # frustration, its count): no compact@2 form, keyed
    _rum(1008, {"type": "resource", "date": 1007, "resource": {
        "url": "http://shop/api/cart", "method": "GET", "status_code": 200, "duration": 12,
        "size": 30, "type": "fetch", "content_type": "application/json"}}),
    _rum(1009, {"type": "action", "date": 1008, "action": {
        "type": "click", "target": {"name": "ZIP", "selector": "input#zip"},
        "position": {"x": 10, "y": 20}, "click_count": 3}}),
    dict(_rum(1010, {"type": "view", "view": dict(VIEW)}), sessionId="x"),
]


def _snapshot(t, public_id, system_id):
    return {"type": 2, "data": {"node": {"type": 0, "childNodes": [
        {"type": 1, "name": "html", "publicId": public_id, "systemId": system_id, "id": 2},
        {"type": 2, "tagName": "html", "attributes": {}, "childNodes": [], "id": 3}], "id": 1},
        "initialOffset": {"left": 0, "top": 0}}, "timestamp": t}


# a page's doctype: <!doctype html>, an XHTML one (its public id), one with a system id only
DOCTYPE_EVENTS = [_snapshot(1000, "", ""), _snapshot(1001, "-//W3C//DTD XHTML 1.0 Strict//EN", ""),
                  _snapshot(1002, "", "about:legacy-compat")]


def _move(t, *points):
    return {"type": 3, "data": {"source": 1, "positions": [
        {"x": x, "y": y, "id": i, "timeOffset": to} for x, y, i, to in points]}, "timestamp": t}


# a path to a button, a click on it (focus moving to it), the path on, a console line
POINTER_EVENTS = [
    _move(1000, (100, 200, 40, -480), (130, 230, 41, -430), (160, 260, 41, -377)),
    {"type": 3, "data": {"source": 2, "type": 1, "id": 41, "x": 160, "y": 260}, "timestamp": 1001},
    {"type": 3, "data": {"source": 2, "type": 5, "id": 41}, "timestamp": 1002},
    {"type": 3, "data": {"source": 2, "type": 2, "id": 41, "x": 160, "y": 260, "pointerType": 0},
     "timestamp": 1003},
    _move(1500, (170, 250, 41, -400), (190, 230, 12, -351)),
    {"type": 6, "data": {"plugin": "rrweb/console@1", "payload": {
        "level": "info", "trace": ["f (a.js:1:2)"], "payload": ['"ready"']}}, "timestamp": 1600},
    # a click's run (compact@4: one item): focus moves from 41 to 12, the RUM plugin's action
    # for it (at the click: its position and time left out), a view update, a second click
    # whose action the RUM plugin decides at the third's mouseup (as it does), and a click
    # its action is not at (a position of its own)
    {"type": 3, "data": {"source": 2, "type": 1, "id": 12, "x": 190, "y": 230}, "timestamp": 1700},
    {"type": 3, "data": {"source": 2, "type": 6, "id": 41}, "timestamp": 1700},
    {"type": 3, "data": {"source": 2, "type": 5, "id": 12}, "timestamp": 1701},
    {"type": 3, "data": {"source": 2, "type": 0, "id": 12, "x": 190, "y": 230}, "timestamp": 1790},
    {"type": 3, "data": {"source": 2, "type": 2, "id": 12, "x": 190, "y": 230, "pointerType": 0},
     "timestamp": 1791},
    _rum(2791, {"type": "action", "date": 1789, "action": {
        "type": "click", "target": {"name": "Buy", "selector": "button#buy"},
        "position": {"x": 190, "y": 230}, "frustration": {"type": ["dead_click"]}}}),
    _rum(2800, {"type": "view", "view": dict(VIEW, interaction_to_next_paint=48)}),
    {"type": 3, "data": {"source": 2, "type": 1, "id": 12, "x": 190, "y": 230}, "timestamp": 3000},
    {"type": 3, "data": {"source": 2, "type": 0, "id": 12, "x": 190, "y": 230}, "timestamp": 3050},
    {"type": 3, "data": {"source": 2, "type": 2, "id": 12, "x": 190, "y": 230, "pointerType": 0},
     "timestamp": 3051},
    {"type": 3, "data": {"source": 2, "type": 1, "id": 12, "x": 190, "y": 230}, "timestamp": 3400},
    {"type": 3, "data": {"source": 2, "type": 0, "id": 12, "x": 190, "y": 230}, "timestamp": 3450},
    _rum(3450, {"type": "action", "date": 3049, "action": {
        "type": "click", "target": {"name": "Buy", "selector": "button#buy"},
        "position": {"x": 190, "y": 230}}}),
    {"type": 3, "data": {"source": 2, "type": 2, "id": 12, "x": 190, "y": 230, "pointerType": 0},
     "timestamp": 3451},
    _rum(4451, {"type": "action", "date": 3449, "action": {
        "type": "click", "target": {"name": "Buy", "selector": "button#buy"},
        "position": {"x": 191, "y": 230}}}),
    # a click no pointer made (Enter on the button): at no place, its action without one
    {"type": 3, "data": {"source": 2, "type": 2, "id": 12}, "timestamp": 5000},
    _rum(6000, {"type": "action", "date": 5000, "action": {
        "type": "click", "target": {"name": "Buy", "selector": "button#buy"}}}),
]


def test_capture_compact_batches_decode_to_exactly_its_events(dynamic, chromium):
    """capture.js's own encoder (what start() posts) on a real recording: the intake's decoder
    gives back the same events, key order included, so the stored session is the one plain
    batches store (tests/recorder/test_intake_compact.py stores both)."""
    from recorder.intake import compact
    from recorder.paths import capture_script

    page = chromium.new_page()
    try:
        page.add_script_tag(content=capture_script())
        packed = page.evaluate("(events) => ReplayCapture.compactBatch(events)", dynamic.events)
        # shapes with a key the compact form does not have go as they are, nothing dropped
        odd = [{"type": 3, "timestamp": 5, "data": {"source": 1, "positions": [
                   {"x": 1, "y": 2, "id": 3, "timeOffset": 0, "pressure": 0.5}]}},
               {"type": 3, "timestamp": 6, "data": {"source": 0, "texts": [
                   {"id": 4, "value": "a", "isShadow": True}], "attributes": [], "removes": [],
                   "adds": []}}]
        odd_packed = page.evaluate("(events) => ReplayCapture.compactBatch(events)", odd)
        rum_packed = page.evaluate("(events) => ReplayCapture.compactBatch(events)", RUM_EVENTS)
        pointer_packed = page.evaluate("(events) => ReplayCapture.compactBatch(events)", POINTER_EVENTS)
        # a page's first view says who is browsing: the browser's own user agent is left to
        # the request's header (compact@5), another one (a page that changed it) goes as it is
        ua = page.evaluate("navigator.userAgent")
        ua_events = [_rum(1000, {"type": "view", "view": dict(VIEW), "display": {"viewport": {
                         "width": 1280, "height": 800}}, "user_agent": ua}),
                     _rum(1001, {"type": "view", "view": dict(VIEW, id="v2"), "user_agent": "Other/1.0"})]
        ua_packed = page.evaluate("(events) => ReplayCapture.compactBatch(events)", ua_events)
        doctype_packed = page.evaluate("(events) => ReplayCapture.compactBatch(events)", DOCTYPE_EVENTS)
    finally:
        page.context.close()
    assert all(isinstance(e, list) for e in packed["events"][:2])   # Meta... and the snapshot
    kinds = {e[2][0] for e in packed["events"] if isinstance(e, list) and e[0] == 3 and isinstance(e[2], list)}
    assert kinds >= {0, 2}   # mutations and interactions went compact
    snapshot = next(e for e in packed["events"] if isinstance(e, list) and e[0] == 2)
    assert '"id"' not in json.dumps(snapshot)   # compact@2: the snapshot's ids are its order
    assert odd_packed["events"] == odd
    version = compact.VERSIONS[compact.ENCODING_6]
    decoded = compact.decode(packed["events"], packed["strings"], version=version, user_agent=ua)
    # compact@6: a doctype as [1, name, publicId?, systemId?], as the reference encoder writes it
    assert [e[2][0][1][0] for e in doctype_packed["events"]] == [
        [1, "html"], [1, "html", "-//W3C//DTD XHTML 1.0 Strict//EN"], [1, "html", "", "about:legacy-compat"]]
    assert (doctype_packed["events"], doctype_packed["strings"]) == compact.encode(
        json.loads(json.dumps(DOCTYPE_EVENTS)), version)
    assert compact.decode(doctype_packed["events"], doctype_packed["strings"], version=version) == DOCTYPE_EVENTS
    # compact@6: the page's Meta with the visitor's media features as [href, width, height, features]
    meta = packed["events"][0]
    assert meta[0] == 4 and isinstance(meta[2], list) and len(meta[2]) == 4 and "mediaFeatures" in dynamic.events[0]["data"]
    assert compact.encode([json.loads(json.dumps(dynamic.events[0]))], version)[0] == [meta]
    # the RUM plugin's payloads as compact arrays (a view update without its view's id, url
    # and referrer, a view's start with its keys from the fixed table), the same events back,
    # key order included
    forms = [e[2][1] for e in rum_packed["events"] if isinstance(e, list)]
    assert [f[0] if isinstance(f, list) else f["type"] for f in forms] == [
        compact.RUM_KEYED, compact.RUM_RESOURCE, compact.RUM_LONG_TASK, compact.RUM_ACTION,
        compact.RUM_ACTION, compact.RUM_VIEW, compact.RUM_KEYED, compact.RUM_VIEW,
        compact.RUM_KEYED, compact.RUM_KEYED]
    assert isinstance(rum_packed["events"][-1], dict)   # a key more: as it is
    rum_decoded = compact.decode(rum_packed["events"], rum_packed["strings"], version=version)
    assert json.dumps(rum_decoded) == json.dumps(RUM_EVENTS)
    # compact@6: a keyed payload's date from its event's time, content_type from the fixed table
    keyed_resource = forms[-2][1]
    assert keyed_resource[keyed_resource.index(-1 - compact.NAMES.index("date")) + 1] == 1007 - 1008
    resource = keyed_resource[keyed_resource.index(-1 - compact.NAMES.index("resource")) + 1]
    assert -1 - compact.NAMES.index("content_type") in resource[::2] and "content_type" not in rum_packed["strings"]
    assert json.dumps(decoded) == json.dumps(dynamic.events)
    # capture.js writes what the reference encoder writes (compact.py: the one description of
    # the forms), and the intake gets the same events back
    for events, packed_ in ((RUM_EVENTS, rum_packed), (POINTER_EVENTS, pointer_packed)):
        reference = compact.encode(json.loads(json.dumps(events)), version)
        assert (packed_["events"], packed_["strings"]) == (reference[0], reference[1])
    # compact@3: the pointer runs through the batch (a click where the path ended is
    # [2, type, 0, 0, 0]); compact@4: a click's run is one item, its action names it
    assert [e[2] for e in pointer_packed["events"][1:4]] == [[2, 1, 0, 0, 0], [2, 5, 0], [2, 2, 0, 0, 0, 0]]
    runs = [e[2] for e in pointer_packed["events"] if isinstance(e, list) and e[2][:2] == [2, compact.CLICK_RUN]]
    assert runs == [[2, compact.CLICK_RUN, 0, 0, 0, [0, 1, 89, 1], 29, 0, 0],
                    [2, compact.CLICK_RUN, 0, 0, 0, [50, 1], None, None, 0],
                    [2, compact.CLICK_RUN, 0, 0, 0, [50], None, None, None]]
    actions = [e[2][1] for e in pointer_packed["events"] if isinstance(e, list) and e[0] == 6
               and e[2][0] == -1 - compact.NAMES.index(compact.RUM_PLUGIN)]
    assert [a[:3] for a in actions if a[0] != compact.RUM_KEYED] == [
        [compact.RUM_CLICK_ACTION, 0, -2], [compact.RUM_CLICK_ACTION, 0, -2],
        [compact.RUM_ACTION, 3449 - 4451, "Buy"]]
    assert json.dumps(compact.decode(pointer_packed["events"], pointer_packed["strings"], version=version)) \
        == json.dumps(POINTER_EVENTS)
    ua_key = -1 - compact.NAMES.index("user_agent")
    keyed = [e[2][1][1] for e in ua_packed["events"]]
    assert [k[k.index(ua_key) + 1] for k in keyed] == [None, "Other/1.0"]
    assert ua not in json.dumps(ua_packed)
    assert json.dumps(compact.decode(ua_packed["events"], ua_packed["strings"], version=version,
                                     user_agent=ua)) == json.dumps(ua_events)
    assert (ua_packed["events"], ua_packed["strings"]) == compact.encode(
        json.loads(json.dumps(ua_events)), version, user_agent=ua)
    plain = len(json.dumps(dynamic.events, separators=(",", ":")))
    assert len(json.dumps(packed, separators=(",", ":"))) < plain * 0.8


def test_a_console_trace_starts_at_the_pages_own_call(chromium):
    """The console plugin's trace (rrweb/console@1) is the stack of the page's call to the
    console, as rrweb's console plugin records it: not capture.js's own wrapper frame, whatever
    the file capture.js came in is called (here an inline script, as a site bundling it would
    serve it under its own name)."""
    from recorder.paths import capture_script

    page = chromium.new_page()
    try:
        page.add_script_tag(content=capture_script())
        page.add_script_tag(content="function checkout() { console.info('ready', 1); }\n"
                                    "function onBuy() { checkout(); }")
        # (record returns its stop function, which evaluate would call)
        page.evaluate("window.__ev = []; ReplayCapture.record({emit: function (e) { __ev.push(e); }}); null")
        page.evaluate("onBuy()")
        lines = page.evaluate("__ev.filter(function (e) { return e.type === 6 &&"
                              " e.data.plugin === 'rrweb/console@1'; }).map(function (e) { return e.data.payload; })")
    finally:
        page.context.close()
    (line,) = lines
    assert line["level"] == "info" and line["payload"] == ['"ready"', "1"]
    assert line["trace"][0].startswith("checkout "), line["trace"]
    assert line["trace"][1].startswith("onBuy "), line["trace"]
    assert not any("[as info]" in f or "stackFrames" in f for f in line["trace"]), line["trace"]
