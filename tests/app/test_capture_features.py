"""capture.js's selection, canvas (opt-in), font and adopted-stylesheet recording, in a real
browser (QtWebEngine, page JavaScript on): the events are rrweb's (sources 14, 9, 10, 15, and
8/13 with a styleId for constructed sheets); the stored session rebuilds to the live DOM and
the player paints each moment as the live page looked (tests/player/test_fidelity_live.py's
comparison); what is masked is never read (a masked canvas, text behind a selection)."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
import lxml.html
import pytest
from PySide6.QtWidgets import QApplication

from player.qt.standalone import FramePainter
from player.replayer import Replayer
from recorder.format import IncrementalSource
from recorder.privacy import parse_rules
from recorder.privacy.masker import masker_factory
from recorder.source import open_recording
from recorder.store import Store
from replay_tools.browser_recorder import CaptureDom, Click, Eval, PageServer, Type, Wait, WaitFor, record_page
from replay_tools.stored import stored_bytes
from tests.app.test_capture_js import _sources
from tests.player.test_fidelity_live import assert_replay_looks_live
from tests.player.test_rebuild_live_dom import _moment

PAGES = Path(__file__).resolve().parents[1] / "browser" / "pages"
PNG = b"\x89PNG\r\n\x1a\n"

S = IncrementalSource
SELECTION, CANVAS, FONT = S.Selection, S.CanvasMutation, S.Font
SHEET_RULE, STYLE_DECL, ADOPTED = S.StyleSheetRule, S.StyleDeclaration, S.AdoptedStyleSheet


@pytest.fixture(scope="module")
def server():
    with PageServer(PAGES) as srv:
        yield srv


def _node(events, live, element_id: str) -> int:
    return live.find(lambda n: n.get("attrs", {}).get("id") == element_id)[0]["id"]


def _snapshot_node(events, node_id: int) -> dict:
    stack = [events[1]["data"]["node"]]
    while stack:
        n = stack.pop()
        if n.get("id") == node_id:
            return n
        stack.extend(n.get("childNodes", ()))
    raise KeyError(node_id)


FEATURE_STEPS = [
    CaptureDom("start"),
    Eval("select('a', 4, 'a', 28)"), Wait(300), CaptureDom("selected"),
    Eval("getSelection().removeAllRanges()"), Wait(300),
    Click("#draw"), Wait(700), CaptureDom("drawn"),
    Eval("editSheets()"), Wait(200), CaptureDom("edited"),
    Eval("replaceSheets()"), Wait(300), CaptureDom("replaced"),
    Eval("loadFonts()"), WaitFor("body[data-font=loaded]", visible=False), Wait(300),
    CaptureDom("fonts"),
]
RULES = {"default": "allow"}


@pytest.fixture(scope="module")
def features(qapp, server):
    return record_page(server.url("fidelity/features.html"), FEATURE_STEPS, recorder="capture",
                       record_options={"rules": RULES, "recordCanvas": True, "canvasFps": 4})


def test_the_features_page_looks_as_the_user_saw_it(features, tmp_path):
    r = Replayer(features.events)
    assert not r.warnings, r.warnings
    assert_replay_looks_live(features, tmp_path)


def test_selection_is_sent_as_node_ids_and_offsets(features):
    events = features.events
    a = _text_of(features.snapshot("start"), "a")
    sel = _sources(events, SELECTION)
    assert {"source": SELECTION, "ranges": [
        {"start": a, "startOffset": 4, "end": a, "endOffset": 28}]} in sel
    assert sel[-1]["ranges"] == []   # cleared
    r = Replayer(events)
    moment = r.state_at(_moment(events, features.snapshot("selected")))
    assert moment.selection == [{"start": a, "startOffset": 4, "end": a, "endOffset": 28}]


def _text_of(live, element_id: str) -> int:
    return live.find(lambda n: n.get("attrs", {}).get("id") == element_id)[0]["children"][0]["id"]


def test_masked_text_is_selected_by_offsets_and_a_masked_canvas_is_never_read(qapp, server):
    rec = record_page(server.url("fidelity/features.html"), [
        Eval("addMasked()"), Wait(100), Eval("select('m', 0, 'm', 11)"), Wait(300),
        Eval("select('h-inner', 0, 'h-inner', 6)"), Wait(300),
        Eval("drawSecret()"), Wait(700), CaptureDom("masked")],
        recorder="capture", record_options={"rules": RULES, "recordCanvas": True})
    events, live = rec.events, rec.snapshot("masked")
    m, secret = _text_of(live, "m"), _node(events, live, "secret")
    # in masked text the offsets are the same (masking keeps each character's place)
    assert {"source": SELECTION, "ranges": [
        {"start": m, "startOffset": 0, "end": m, "endOffset": 11}]} in _sources(events, SELECTION)
    # a range in a hidden element's text is not sent (those nodes are not in the recording)
    assert _sources(events, SELECTION)[-1] == {"source": SELECTION, "ranges": []}
    assert "Masked words" not in json.dumps(events) and "Hidden words" not in json.dumps(events)
    # the canvas under `mask`: no bitmap when it was added, no drawing sent
    added = [a["node"] for d in _sources(events, 0) for a in d["adds"] if a["node"]["id"] == secret]
    assert added and "rr_dataURL" not in added[0]["attributes"]
    assert not [d for d in _sources(events, CANVAS) if d["id"] == secret]


def test_no_fonts_are_sent_from_a_page_hidden_whole(qapp, server):
    rec = record_page(server.url("fidelity/features.html"), [
        Eval("loadFonts()"), WaitFor("body[data-font=loaded]", visible=False), Wait(300)],
        recorder="capture", record_options={"rules": {"default": "hidden"}, "recordCanvas": True})
    assert not _sources(rec.events, FONT) and not _sources(rec.events, CANVAS)
    assert not _sources(rec.events, ADOPTED)   # a hidden <html>: nothing they could style


def test_canvas_bitmaps_as_rrweb_samples_them(features):
    events = features.events
    c = _node(events, features.snapshot("start"), "c")
    first = _snapshot_node(events, c)["attributes"]["rr_dataURL"]
    assert base64.b64decode(first.split(",", 1)[1]).startswith(PNG)
    drawn = [d for d in _sources(events, CANVAS) if d["id"] == c]
    assert drawn, "a click's drawing is sampled"
    cmds = drawn[-1]["commands"]
    assert drawn[-1]["type"] == 0 and cmds[0] == {"property": "clearRect", "args": [0, 0, 300, 120]}
    bitmap = cmds[1]["args"][0]
    assert cmds[1]["property"] == "drawImage" and bitmap["rr_type"] == "ImageBitmap"
    blob = bitmap["args"][0]
    assert blob["rr_type"] == "Blob" and blob["type"] == "image/png"
    assert base64.b64decode(blob["data"][0]["base64"]).startswith(PNG)


def test_canvas_is_not_recorded_unless_asked(qapp, server):
    rec = record_page(server.url("fidelity/features.html"), [Click("#draw"), Wait(700)],
                      recorder="capture", record_options={"rules": RULES})
    assert not _sources(rec.events, CANVAS)
    assert "rr_dataURL" not in json.dumps(rec.events[1])


def test_adopted_sheets_and_their_edits_travel_by_style_id(features):
    events = features.events
    live = features.snapshot("start")
    doc_id = events[1]["data"]["node"]["id"]
    card = _node(events, live, "card")
    adopted = _sources(events, ADOPTED)
    # after the FullSnapshot, in rrweb's format: the document's sheet, the shadow root's
    first_doc = next(d for d in adopted if d["id"] == doc_id)
    first_card = next(d for d in adopted if d["id"] == card)
    assert first_doc["styles"][0]["rules"][0]["rule"].startswith("h1 {")
    assert first_doc["styleIds"] == [first_doc["styles"][0]["styleId"]]
    card_style = first_card["styleIds"][0]
    assert first_card["styles"][0]["rules"][0] == {
        "rule": ".card { border: 4px solid rgb(0, 120, 255); padding: 8px; width: 360px; }", "index": 0}
    doc_style = first_doc["styleIds"][0]
    rules = _sources(events, SHEET_RULE)
    assert {"source": SHEET_RULE, "styleId": doc_style,
            "adds": [{"rule": "h1 { color: rgb(200, 0, 0); }", "index": 1}]} in rules
    assert {"source": SHEET_RULE, "styleId": doc_style,
            "adds": [{"rule": "#note { font-weight: bold; }", "index": [2, 1]}]} in rules
    assert any(d.get("styleId") == card_style and "replaceSync" in d for d in rules)
    assert {"source": SHEET_RULE, "styleId": doc_style, "removes": [{"index": 0}]} in rules
    assert {"source": STYLE_DECL, "styleId": card_style, "index": [0],
            "set": {"property": "background", "value": "rgb(255, 250, 200)", "priority": ""}} in \
        _sources(events, STYLE_DECL)
    # the document re-adopts (a new sheet's rules come along), a later card shares a sheet
    readopt = [d for d in adopted if d["id"] == doc_id][1]
    assert readopt["styleIds"][0] == doc_style and len(readopt["styles"]) == 1
    # sheets pushed onto the lists (no assignment): the lists are sent again
    pushed = [d for d in adopted if d["id"] in (doc_id, card) and len(d["styleIds"]) > 1
              and any("letter-spacing" in r["rule"] or "outline" in r["rule"]
                      for st in d.get("styles", ()) for r in st["rules"])]
    assert sorted(d["id"] for d in pushed) == sorted([doc_id, card])
    card2 = _node(events, features.snapshot("replaced"), "card2")
    assert {"source": ADOPTED, "id": card2, "styleIds": [card_style]} in adopted


def test_fonts_as_rrweb_collects_them(features):
    events = features.events
    fonts = {d["family"]: d for d in _sources(events, FONT)}
    assert fonts["ReplayMono"]["buffer"] is True
    ttf = (PAGES / "fidelity" / "replay-mono.ttf").read_bytes()
    assert bytes(json.loads(fonts["ReplayMono"]["fontSource"])) == ttf
    by_url = fonts["ReplayMonoUrl"]
    assert by_url["buffer"] is False and by_url["descriptors"] == {"style": "normal"}
    page = features.snapshot("start").url
    assert by_url["fontSource"] == "url(%s/replay-mono.ttf)" % page.rsplit("/", 1)[0]   # absolute


@pytest.mark.parametrize("page", ["selection", "canvas", "fonts", "shadow"])
def test_rrwebs_fidelity_pages_look_live_when_capture_js_records_them(qapp, server, tmp_path, page):
    """The pages rrweb's recorder passes in test_fidelity_live, recorded by capture.js."""
    steps = {
        "selection": [Eval("select('a', 4, 'a', 28)"), Wait(300), CaptureDom("words"),
                      Eval("select('a', 20, 'b', 11)"), Wait(300), CaptureDom("across")],
        "canvas": [CaptureDom("first"), Click("#draw"), Wait(700), CaptureDom("second")],
        "fonts": [CaptureDom("fallback"), Eval("loadFont()"),
                  WaitFor("body[data-font=loaded]", visible=False), Wait(300), CaptureDom("web-font")],
        "shadow": [CaptureDom("start"), Click("#bump"), Wait(300), CaptureDom("bumped")],
    }[page]
    rec = record_page(server.url(f"fidelity/{page}.html"), steps, recorder="capture",
                      record_options={"rules": RULES, "recordCanvas": True})
    assert not Replayer(rec.events).warnings
    assert_replay_looks_live(rec, tmp_path)


DIALOG_STEPS = [
    CaptureDom("start"),
    Eval("openModal()"), Wait(300), CaptureDom("modal"),
    Eval("closeModal()"), Wait(300), CaptureDom("closed"),
    Eval("openNote()"), Wait(300), CaptureDom("note"),
]


def test_a_dialog_shown_with_show_modal_replays_modal(qapp, server, tmp_path):
    """showModal() puts a dialog in the top layer, centred over its ::backdrop: capture.js
    records how it was opened (rrweb's rr_open_mode), and the player opens it the same way -
    not as a dialog merely `open` in the page's flow. A non-modal dialog stays in the flow."""
    rec = record_page(server.url("fidelity/dialog.html"), DIALOG_STEPS,
                      recorder="capture", record_options={"rules": RULES})
    confirm = _node(rec.events, rec.snapshot("modal"), "confirm")
    opened = [a["attributes"] for e in rec.events if e["type"] == 3 and e["data"].get("source") == 0
              for a in e["data"]["attributes"] if a["id"] == confirm]
    assert opened[0] == {"open": "", "rr_open_mode": "modal"}
    assert opened[1] == {"open": None, "rr_open_mode": None}
    _assert_dialogs_replay_modal(rec, tmp_path)


def test_a_modal_dialog_recorded_by_rrweb_replays_modal(qapp, server, tmp_path):
    """rrweb's recorder (record mode) marks it alike, and sends only `open` when it closes."""
    rec = record_page(server.url("fidelity/dialog.html"), DIALOG_STEPS)
    _assert_dialogs_replay_modal(rec, tmp_path)


def _assert_dialogs_replay_modal(rec, tmp_path):
    live = rec.snapshot("modal")
    painter = FramePainter(rec.events, cursor=False)
    try:
        modal = {}
        for label in ("start", "modal", "closed", "note", "modal"):   # forwards, then back
            painter.frame(_moment(rec.events, rec.snapshot(label)))
            modal[label] = painter.widget.bridge.call_sync(
                "[document.getElementById('confirm').matches(':modal'),"
                " document.getElementById('note').matches(':modal')]")
            assert modal[label] == [label == "modal", False], label
    finally:
        painter.close()
    assert_replay_looks_live(rec, tmp_path)
    # the safe document (no script) places it as a modal dialog is placed
    doc = Replayer(rec.events).document_at(_moment(rec.events, live))
    assert 'id="confirm"' in doc and "data-replay-modal" in doc


SELECT_STEPS = [
    CaptureDom("start"),
    Eval("choose('toppings', ['ham', 'onion', 'tomato'])"), Wait(300), CaptureDom("chosen"),
    Eval("choose('toppings', ['onion'])"), Wait(300), CaptureDom("one"),
    Eval("choose('toppings', ['cheese', 'olives', 'onion'])"), Wait(300), CaptureDom("added"),
]


def test_a_select_multiple_replays_every_selected_option(qapp, server, tmp_path):
    """A <select multiple>'s value is its first selected option only: capture.js sends it
    (rrweb's Input) and then the other selected options as changes of their `selected` (as
    rrweb's snapshot gives them); the rebuilt DOM, the safe document and the player show
    every option the person chose, as the live page had them. (Before: the first only.)"""
    rec = record_page(server.url("fidelity/select-multiple.html"), SELECT_STEPS,
                      recorder="capture", record_options={"rules": RULES})
    _assert_selected_as_live(rec)
    assert_replay_looks_live(rec, tmp_path)


def test_a_select_multiple_recorded_by_rrweb_replays_every_selected_option(qapp, server, tmp_path):
    """rrweb's recorder gives every selected option in its snapshot (`selected`), those the
    page's script chose before it too; after it, only the select's value. Record mode's
    bridge sends the options' state after it, as capture.js does. (Before: the first only.)"""
    rec = record_page(server.url("fidelity/select-multiple.html"), SELECT_STEPS)
    _assert_selected_as_live(rec)
    assert_replay_looks_live(rec, tmp_path)


@pytest.mark.parametrize("recorder", ["capture", "rrweb"])
def test_a_select_multiples_options_are_not_recorded_when_masked(qapp, server, recorder):
    """capture.js under mask-user-input, rrweb's recorder with selects masked: no option's
    state, in the snapshot or after it."""
    options = {"rules": {"default": "mask-user-input"}} if recorder == "capture" else \
        {"maskInputOptions": {"password": True, "select": True}}
    rec = record_page(server.url("fidelity/select-multiple.html"), SELECT_STEPS[:3],
                      recorder=recorder, record_options=options)
    assert "selected" not in json.dumps(rec.events)


def _assert_selected_as_live(rec):
    """At each moment the options selected live are those selected in the rebuilt DOM (its
    `selected` attributes), in the safe document and in the player's view."""
    events, r = rec.events, Replayer(rec.events)
    painter = FramePainter(events, cursor=False)
    try:
        for live in rec.dom_snapshots:
            t = _moment(events, live)
            want = [n["id"] for n in live.find(lambda n: n.get("tag") == "option" and n["selected"])]
            m = r.state_at(t)
            assert [n["id"] for n in live.find(lambda n: n.get("tag") == "option")
                    if "selected" in m.get(n["id"]).attrs] == want, live.label
            doc = lxml.html.document_fromstring(r.document_at(t))
            assert [int(o.get("data-rr-id")) for o in doc.iter("option")
                    if "selected" in o.attrib] == want, live.label
            painter.frame(t)
            shown = painter.widget.bridge.call_sync(
                "[].filter.call(document.querySelectorAll('option'), function (o) {"
                " return o.selected; }).map(function (o) { return o.__rid; })")
            assert shown == want, live.label
    finally:
        painter.close()


FILE_STEPS = [
    CaptureDom("start"),
    Eval("choose('passport', ['passport-scan.pdf'])"), Wait(300), CaptureDom("chosen"),
]
FILE_NAME = "passport-scan.pdf"


@pytest.mark.parametrize("recorder", ["capture", "rrweb"])
def test_a_chosen_file_replays_its_name_not_no_file_chosen(qapp, server, tmp_path, recorder):
    """A file input's recorded value is the chosen file's name ("C:\\fakepath\\NAME"; in clear
    here, under `allow` / rrweb's defaults): the player shows that name where the page did,
    not "No file chosen" (a file input's value cannot be set: it is given an empty file of
    that name)."""
    rec = record_page(server.url("fidelity/file.html"), FILE_STEPS, recorder=recorder,
                      record_options={"rules": RULES} if recorder == "capture" else None)
    assert "C:\\\\fakepath\\\\" + FILE_NAME in json.dumps(rec.events)
    assert _chosen_files(rec.events, _moment(rec.events, rec.snapshot("chosen"))) == [FILE_NAME]
    assert_replay_looks_live(rec, tmp_path)


@pytest.mark.parametrize("recorder", ["capture", "rrweb"])
def test_a_chosen_files_name_is_masked_under_mask_user_input(qapp, server, tmp_path, recorder):
    """At the default level the name is user input: masked as any input value, in the page
    (capture.js) or by the recorder's pass (rrweb's recording) - no stored byte holds it.
    The player still shows that a file was chosen, by its masked name."""
    rules = parse_rules('default = "mask-user-input"')
    rec = record_page(server.url("fidelity/file.html"), FILE_STEPS, recorder=recorder,
                      record_options={"rules": rules.to_json()} if recorder == "capture" else None)
    data = tmp_path / "data"
    store = Store.open(data)
    try:
        [sid] = store.ingest(rec.events, masker_factory=masker_factory(rules))
    finally:
        store.close()
    blobs = stored_bytes(data)
    assert any(k.endswith("(decompressed)") for k in blobs)
    assert not [k for k, v in blobs.items() if b"passport-scan" in v]
    events = list(open_recording(sid, data).events())
    assert _chosen_files(events, events[-1]["timestamp"] - events[0]["timestamp"]) == ["***"]


def _chosen_files(events, t) -> list[str]:
    """The names of the files the player's view shows chosen in #passport at `t`."""
    painter = FramePainter(events, cursor=False)
    try:
        painter.frame(t)
        return painter.widget.bridge.call_sync(
            "[].map.call(document.getElementById('passport').files, function (f) { return f.name; })")
    finally:
        painter.close()


DIALOG_FOCUS_STEPS = [
    CaptureDom("start"),
    Click("#delete"), Wait(400), CaptureDom("clicked"),
    Click("#cancel"), Wait(300), Type("#delete", "\n"), Wait(400), CaptureDom("keyed"),
    Eval("closeAll()"), Click("#rename-open"), Wait(400), CaptureDom("rename"),
]


@pytest.mark.parametrize("recorder", ["capture", "rrweb"])
def test_the_focus_showmodal_gives_shows_as_live_and_the_page_takes_none(qapp, server, tmp_path,
                                                                          recorder):
    """showModal() focuses the dialog's first control: a text field shows the browser's
    focus ring, a button only when the dialog was opened from the keyboard (Chromium's
    :focus-visible; a focus given by a click's handler is the pointer's). The replayed page
    shows it so without holding the focus itself: in a page without the keyboard focus
    Chromium shows no ring on the control focused in it (the text field's ring was missing,
    97.7% of the pixels), and the player keeps the keys."""
    rec = record_page(server.url("fidelity/dialog-focus.html"), DIALOG_FOCUS_STEPS, recorder=recorder,
                      record_options={"rules": RULES} if recorder == "capture" else None)
    events, r = rec.events, Replayer(rec.events)
    for label, want, ring in (("clicked", "cancel", False), ("keyed", "cancel", True),
                              ("rename", "name", True)):
        live = rec.snapshot(label)
        m = r.state_at(_moment(events, live))
        assert (m.focus, m.focus_visible) == (_node(events, live, want), ring), label
    assert_replay_looks_live(rec, tmp_path)
    painter = FramePainter(events, cursor=False)
    try:
        painter.widget.setFocus()
        for live in rec.dom_snapshots:
            painter.frame(_moment(events, live))
            assert painter.widget.bridge.call_sync(
                "!document.activeElement || document.activeElement === document.body"), live.label
            held = QApplication.focusWidget()
            assert held is None or not painter.widget.stage.view.isAncestorOf(held), live.label
    finally:
        painter.close()
