"""The safe document renders like the page did: inlined stylesheets, hidden-element
placeholders, input values / checked / selected, scroll positions, CSSOM edits — all as
markup, with no script."""
from __future__ import annotations

import lxml.html
import pytest

from player.replayer import Replayer

S = 1_700_000_000_000


def _page():
    el = lambda i, tag, attrs=None, kids=(): {"type": 2, "id": i, "tagName": tag,  # noqa: E731
                                               "attributes": attrs or {}, "childNodes": list(kids)}
    text = lambda i, s: {"type": 3, "id": i, "textContent": s}  # noqa: E731
    doc = {"type": 0, "id": 1, "childNodes": [
        {"type": 1, "id": 2, "name": "html", "publicId": "", "systemId": ""},
        el(3, "html", {"lang": "en"}, [
            el(4, "head", {}, [
                el(5, "link", {"rel": "stylesheet", "href": "https://x.example/a.css",
                               "_cssText": ".a { color: red }"}),
                el(6, "style", {}, [text(7, "p { margin: 0 }")]),
            ]),
            el(8, "body", {}, [
                el(9, "div", {"class": "secret", "rr_width": "120px", "rr_height": "30px"}),
                el(10, "input", {"type": "text", "value": "initial"}),
                el(11, "input", {"type": "checkbox"}),
                el(12, "select", {}, [el(13, "option", {"value": "a", "selected": True}, [text(14, "A")]),
                                      el(15, "option", {"value": "b"}, [text(16, "B")])]),
                el(17, "textarea", {}, []),
                el(18, "div", {"id": "list", "style": "overflow: auto; height: 50px"},
                   [el(19, "p", {}, [text(20, "one")])]),
                el(21, "img", {"src": "https://x.example/i.png",
                               "rr_dataURL": "data:image/png;base64,iVBORw0KGgo="}),
                el(22, "video", {"src": "https://x.example/v.mp4"}),
            ]),
        ])]}
    inc = lambda t, d: {"type": 3, "data": d, "timestamp": S + t}  # noqa: E731
    return [
        {"type": 4, "data": {"href": "https://x.example/", "width": 800, "height": 600}, "timestamp": S},
        {"type": 2, "data": {"node": doc, "initialOffset": {"left": 0, "top": 0}}, "timestamp": S + 1},
        inc(10, {"source": 5, "id": 10, "text": "typed"}),
        inc(20, {"source": 5, "id": 11, "isChecked": True}),
        inc(30, {"source": 5, "id": 12, "text": "b"}),
        inc(40, {"source": 5, "id": 17, "text": "notes <b>here</b>"}),
        inc(50, {"source": 3, "id": 18, "x": 0, "y": 40}),
        inc(60, {"source": 3, "id": 1, "x": 0, "y": 300}),
        inc(70, {"source": 8, "id": 6, "adds": [{"rule": "h1 { color: blue }", "index": 1}]}),
        inc(80, {"source": 0, "adds": [], "removes": [], "texts": [],
                 "attributes": [{"id": 18, "attributes": {"style": {"height": "80px"}}}]}),
        inc(90, {"source": 7, "id": 22, "type": 1, "currentTime": 12.5}),
        inc(100, {"source": 4, "width": 1024, "height": 700}),
    ]


def test_document_renders_state_as_markup():
    r = Replayer(_page())
    html = r.document_at(100)
    doc = lxml.html.document_fromstring(html)
    by = {el.get("data-rr-id"): el for el in doc.iter() if isinstance(el.tag, str)}
    # the inlined sheet of a <link> becomes a <style>; CSSOM edits are in the text
    assert by["5"].tag == "style" and by["5"].text == ".a { color: red }"
    assert by["6"].text_content() == "p { margin: 0 }\nh1 { color: blue }"
    # a hidden element keeps its size, nothing else
    hidden = by["9"]
    assert "width: 120px" in hidden.get("style") and "height: 30px" in hidden.get("style")
    assert "data-replay-hidden" in hidden.attrib and not any(k.startswith("rr_") for k in hidden.attrib)
    # form state
    assert by["10"].get("value") == "typed"
    assert "checked" in by["11"].attrib
    assert "selected" in by["15"].attrib and "selected" not in by["13"].attrib
    assert by["17"].text == "notes <b>here</b>" and len(by["17"]) == 0
    # scroll: per element as data, the window as a CSS shift of the body (no script)
    assert by["18"].get("data-replay-scroll") == "0,40"
    assert by["3"].get("data-replay-scroll") == "0,300"
    assert "top:-300px" in html
    assert "height: 80px" in by["18"].get("style") and "overflow: auto" in by["18"].get("style")
    # a recorded image bitmap is used instead of the remote URL
    assert by["21"].get("src") == "data:image/png;base64,iVBORw0KGgo="
    assert by["22"].get("data-replay-paused") == "true" and by["22"].get("data-replay-time") == "12.5"
    assert by["3"].get("data-replay-viewport") == "1024x700"
    assert not doc.xpath("//script") and "<script" not in html


def test_document_before_and_after_each_change():
    r = Replayer(_page(), keyframe_interval=2)
    before = lxml.html.document_fromstring(r.document_at(5))
    assert before.xpath("//input[@data-rr-id='10']")[0].get("value") == "initial"
    assert "checked" not in before.xpath("//input[@data-rr-id='11']")[0].attrib
    after = lxml.html.document_fromstring(r.document_at(10))
    assert after.xpath("//input[@data-rr-id='10']")[0].get("value") == "typed"
    frame = r.frame_at(55)
    assert frame["scroll"]["nodes"] == {"18": [0, 40]} and frame["scroll"]["window"] == [0, 0]
    assert frame["inputs"]["11"] == {"c": True} and frame["inputs"]["10"] == {"v": "typed"}
    ops = r.ops_between(55, 100)
    assert [o["k"] for o in ops] == ["scroll", "sheet", "attr", "media", "viewport"]
    assert ops[0] == {"t": 60, "k": "scroll", "id": None, "x": 0, "y": 300}
    assert ops[1]["css"] == "p { margin: 0 }\nh1 { color: blue }"
    assert ops[2]["a"] == {"style": "overflow: auto; height: 80px;"}


def test_empty_moments_and_bad_input_do_not_crash():
    r = Replayer(_page())
    assert r.state_at(0).nodes == {}        # before the first full snapshot
    assert "<html" in r.document_at(0)
    assert r.frame_at(0)["tree"] is None
    # (no page at all: not "damaged" - a Sentry replay's later segments alone, a support
    # engineer's tryout - its changes had no page to change)
    with pytest.warns(UserWarning, match=r"recording holds no page \(no full snapshot: its"
                                         r" start is missing\), so its changes to one were"
                                         r" skipped: "):
        r2 = Replayer([{"type": 3, "data": {"source": 0, "adds": [{"parentId": 5, "node": {"id": 9}}]},
                        "timestamp": S}, "junk", {"type": 2, "data": {}, "timestamp": "x"}])
    assert r2.document_at(0).startswith("<html")
    assert r2.warnings


def test_shadow_dom_is_rebuilt_declaratively():
    doc = {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 3, "tagName": "body", "attributes": {}, "childNodes": [
                {"type": 2, "id": 4, "tagName": "my-card", "attributes": {"id": "host"},
                 "isShadowHost": True, "childNodes": [
                     {"type": 2, "id": 5, "tagName": "style", "attributes": {}, "isShadow": True,
                      "childNodes": [{"type": 3, "id": 6, "textContent": "p { color: red }"}]},
                     {"type": 2, "id": 7, "tagName": "p", "attributes": {}, "isShadow": True,
                      "childNodes": [{"type": 2, "id": 8, "tagName": "slot", "attributes": {}, "childNodes": []}]},
                     {"type": 3, "id": 9, "textContent": "light text"}]}]}]}]}
    r = Replayer([{"type": 2, "data": {"node": doc}, "timestamp": S}])
    frame = r.frame_at(0)
    host = frame["tree"]["childNodes"][0]["childNodes"][0]["childNodes"][0]
    assert host["isShadowHost"] is True
    assert [c.get("isShadow", False) for c in host["childNodes"]] == [True, True, False]
    html = r.document_at(0)
    parsed = lxml.html.document_fromstring(html)
    el = parsed.get_element_by_id("host")
    tpl = el[0]
    assert tpl.tag == "template" and tpl.get("shadowrootmode") == "open"
    assert [c.tag for c in tpl] == ["style", "p"] and tpl[1][0].tag == "slot"
    assert tpl.tail == "light text"


def test_media_state_is_the_snapshots_then_what_media_events_changed():
    """rrweb records a media element's state in the snapshot (rr_media* attributes) and its
    changes as media interaction events: a frame carries both, the later winning, and
    leaves out values of the wrong kind (a damaged or hostile recording)."""
    S = 1_700_000_000_000
    audio = {"type": 2, "id": 5, "tagName": "audio", "childNodes": [], "attributes": {
        "rr_mediaState": "played", "rr_mediaCurrentTime": 3, "rr_mediaVolume": "loud",
        "rr_mediaMuted": True, "rr_mediaPlaybackRate": 1.5}}
    doc = {"type": 0, "id": 1, "childNodes": [{"type": 2, "id": 2, "tagName": "html",
           "attributes": {}, "childNodes": [{"type": 2, "id": 3, "tagName": "body",
                                             "attributes": {}, "childNodes": [audio]}]}]}
    r = Replayer([
        {"type": 4, "data": {"href": "https://x.example/", "width": 800, "height": 600}, "timestamp": S},
        {"type": 2, "data": {"node": doc, "initialOffset": {"left": 0, "top": 0}}, "timestamp": S + 1},
        {"type": 3, "data": {"source": 7, "id": 5, "type": 1, "currentTime": 4.5, "muted": "no"},
         "timestamp": S + 10},
    ])
    assert r.frame_at(5)["media"] == {"5": {"currentTime": 3, "playbackRate": 1.5,
                                            "muted": True, "paused": False}}
    assert r.frame_at(10)["media"] == {"5": {"currentTime": 4.5, "playbackRate": 1.5,
                                             "muted": True, "paused": True}}
    assert [(o["k"], o.get("paused")) for o in r.ops_between(5, 10)] == [("media", True)]


def test_a_shadow_roots_own_text_stays_in_it_from_the_snapshot_and_from_a_mutation():
    """A text node directly in a shadow root - `{type, id, textContent, isShadow}`, the space
    between `<b>` and `<button>` - is the shadow root's, not the host's light DOM (where it
    showed nowhere: "Shadow textShadow btn", a QA's tryout); added later, too."""
    doc = {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 3, "tagName": "body", "attributes": {}, "childNodes": [
                {"type": 2, "id": 4, "tagName": "my-widget", "attributes": {"id": "host"},
                 "isShadowHost": True, "childNodes": [
                     {"type": 2, "id": 5, "tagName": "b", "attributes": {}, "isShadow": True,
                      "childNodes": [{"type": 3, "id": 6, "textContent": "Shadow text"}]},
                     {"type": 3, "id": 7, "textContent": " ", "isShadow": True},
                     {"type": 2, "id": 8, "tagName": "button", "attributes": {}, "isShadow": True,
                      "childNodes": [{"type": 3, "id": 9, "textContent": "Shadow btn"}]}]}]}]}]}
    added = {"type": 3, "timestamp": S + 10, "data": {"source": 0, "texts": [], "attributes": [],
             "removes": [], "adds": [{"parentId": 4, "nextId": None, "node": {
                 "type": 3, "id": 10, "textContent": " (added)", "isShadow": True}}]}}
    r = Replayer([{"type": 2, "data": {"node": doc}, "timestamp": S}, added])
    for t, texts in ((0, ["Shadow text", " ", "Shadow btn"]),
                     (10, ["Shadow text", " ", "Shadow btn", " (added)"])):
        tpl = lxml.html.document_fromstring(r.document_at(t)).get_element_by_id("host")[0]
        assert tpl.tag == "template"
        assert [tpl[0].text, tpl[0].tail, tpl[1].text, tpl[1].tail or None][:len(texts)] == texts
        assert not (tpl.tail or "").strip()   # nothing of it left in the light DOM


def test_a_select_given_a_value_several_options_hold_selects_the_first_alone():
    """Masked, every option's value reads `***`, and so does the select's: the document
    marked every option selected - a single-choice <select> with five chosen (a newcomer's).
    The value setter picks the first option of that value, and unselects the others."""
    opts = [{"type": 2, "id": 20 + 2 * k, "tagName": "option",
             "attributes": {"value": "***", **({"selected": True} if k == 3 else {})},
             "childNodes": [{"type": 3, "id": 21 + 2 * k, "textContent": "***"}]}
            for k in range(5)]
    doc = {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 3, "tagName": "body", "attributes": {}, "childNodes": [
                {"type": 2, "id": 4, "tagName": "select", "attributes": {"name": "***"},
                 "childNodes": opts}]}]}]}
    events = [{"type": 4, "data": {"href": "https://x.example/", "width": 800, "height": 600},
               "timestamp": S},
              {"type": 2, "data": {"node": doc, "initialOffset": {"left": 0, "top": 0}},
               "timestamp": S + 1},
              {"type": 3, "data": {"source": 5, "id": 4, "text": "***"}, "timestamp": S + 10}]
    page = lxml.html.document_fromstring(Replayer(events).document_at(10))
    chosen = [o.get("data-rr-id") for o in page.iter("option") if "selected" in o.attrib]
    assert chosen == ["20"]
