"""The one mirror DOM: applying snapshots and every mutation kind, damaged input, checkpoints."""
from recorder.mirror import Mirror, apply_style_diff, parse_style, split_css_rules


def el(id, tag, children=(), **attrs):
    return {"type": 2, "id": id, "tagName": tag, "attributes": attrs, "childNodes": list(children)}


def text(id, value):
    return {"type": 3, "id": id, "textContent": value}


def snapshot():
    doc = {"type": 0, "id": 1, "childNodes": [
        {"type": 1, "id": 2, "name": "html", "publicId": "", "systemId": ""},
        el(3, "html", [el(4, "head", [el(5, "style", [{"type": 3, "id": 6, "isStyle": True,
                                                        "textContent": "a{color:red}b{x:y}"}])]),
                       el(7, "body", [el(8, "ul", [el(9, "li", [text(10, "one")]),
                                                   el(11, "li", [text(12, "two")])]),
                                      el(13, "input", type="text", value="")])])]}
    return {"type": 2, "timestamp": 1, "data": {"node": doc, "initialOffset": {"left": 0, "top": 40}}}


def mutation(**kw):
    data = {"source": 0, "texts": [], "attributes": [], "removes": [], "adds": []}
    data.update(kw)
    return {"type": 3, "timestamp": 2, "data": data}


def children_tags(m, id):
    return [m.nodes[c].tag or m.nodes[c].text for c in m.nodes[id].children]


def test_full_snapshot_builds_table_with_parents():
    m = Mirror()
    m.apply(snapshot())
    assert len(m) == 13
    assert m.nodes[10].parent == 9 and m.nodes[9].parent == 8
    assert [a.id for a in m.ancestors(10)] == [9, 8, 7, 3, 1]
    assert m.window_scroll == (0, 40)
    assert m.text_of(8) == "onetwo"


def test_adds_respect_next_id_and_arrive_in_any_order():
    m = Mirror().apply_all([snapshot(), mutation(adds=[
        # child listed before its parent, and a sibling inserted before an existing node
        {"parentId": 20, "nextId": None, "node": text(21, "zero")},
        {"parentId": 8, "nextId": 9, "node": el(20, "li")},
        {"parentId": 8, "nextId": None, "node": el(22, "li", [text(23, "three")])},
    ])])
    assert m.nodes[8].children == [20, 9, 11, 22]
    assert m.text_of(8) == "zeroonetwothree"
    assert not m.warnings


def test_legacy_previous_id_and_minus_one():
    m = Mirror().apply_all([snapshot(), mutation(adds=[
        {"parentId": 8, "previousId": 9, "nextId": -1, "node": el(30, "li")},
    ])])
    assert m.nodes[8].children == [9, 30, 11]
    assert not m.warnings


def test_remove_drops_whole_subtree_and_move_keeps_one_copy():
    m = Mirror().apply_all([snapshot(), mutation(removes=[{"parentId": 8, "id": 9}])])
    assert 9 not in m.nodes and 10 not in m.nodes and m.nodes[8].children == [11]
    # a node re-added with the same id is a move
    m.apply(mutation(adds=[{"parentId": 7, "nextId": None, "node": el(11, "li", [text(12, "two")])}]))
    assert m.nodes[8].children == [] and m.nodes[7].children[-1] == 11 and m.nodes[11].parent == 7


def test_text_attribute_and_style_object_changes():
    m = Mirror().apply_all([snapshot(), mutation(
        texts=[{"id": 10, "value": "uno"}],
        attributes=[{"id": 8, "attributes": {"class": "big", "style": "color: red; margin: 0"}},
                    {"id": 8, "attributes": {"style": {"color": "blue", "margin": False,
                                                       "width": ["5px", "important"]}}},
                    {"id": 13, "attributes": {"type": None}}])])
    assert m.nodes[10].text == "uno"
    assert m.nodes[8].attrs["class"] == "big"
    assert parse_style(m.nodes[8].attrs["style"]) == {"color": ("blue", ""), "width": ("5px", "important")}
    assert "type" not in m.nodes[13].attrs


def test_input_scroll_viewport_media_selection():
    m = Mirror().apply_all([
        {"type": 4, "timestamp": 0, "data": {"href": "https://x.test/", "width": 800, "height": 600}},
        snapshot(),
        {"type": 3, "timestamp": 3, "data": {"source": 5, "id": 13, "text": "hello", "isChecked": False}},
        {"type": 3, "timestamp": 4, "data": {"source": 3, "id": 8, "x": 0, "y": 120}},
        {"type": 3, "timestamp": 4, "data": {"source": 3, "id": 1, "x": 0, "y": 300}},
        {"type": 3, "timestamp": 5, "data": {"source": 4, "width": 1024, "height": 700}},
        {"type": 3, "timestamp": 6, "data": {"source": 7, "id": 13, "type": 1, "currentTime": 2.5}},
        {"type": 3, "timestamp": 7, "data": {"source": 14, "ranges": [
            {"start": 10, "startOffset": 0, "end": 10, "endOffset": 2}]}},
    ])
    assert m.nodes[13].value == "hello" and m.nodes[13].checked is False
    assert m.nodes[8].scroll == (0, 120) and m.window_scroll == (0, 300)
    assert (m.width, m.height, m.href) == (1024, 700, "https://x.test/")
    assert m.nodes[13].media == {"paused": True, "currentTime": 2.5}
    assert m.selection[0]["end"] == 10


def test_stylesheet_rule_inserts_and_deletes():
    m = Mirror().apply_all([snapshot(), {"type": 3, "timestamp": 3, "data": {
        "source": 8, "id": 5, "adds": [{"rule": "i{font:x}", "index": 1}], "removes": [{"index": 0}]}}])
    assert m.nodes[5].sheet == ["i{font:x}", "b{x:y}"]
    m.apply({"type": 3, "timestamp": 4, "data": {"source": 13, "id": 5, "index": [1],
                                                   "set": {"property": "x", "value": "z"}}})
    assert m.nodes[5].sheet[1].startswith("b{") and "x: z;" in m.nodes[5].sheet[1]


def test_damaged_recording_is_counted_never_raised():
    m = Mirror().apply_all([
        mutation(adds=[{"parentId": 99, "node": el(50, "p")}]),  # before any snapshot
        snapshot(),
        mutation(removes=[{"parentId": 8, "id": 404}], texts=[{"id": 405, "value": "x"}],
                 attributes=[{"id": 406, "attributes": {"a": "b"}}],
                 adds=[{"parentId": 8, "nextId": 999, "node": el(51, "li")},
                       {"parentId": 8, "node": {"type": 2, "tagName": "b"}}]),
        {"type": 3, "timestamp": 9, "data": {"source": 5, "id": 777, "text": "x"}},
        {"type": 2, "timestamp": 9, "data": {}},
        {"type": 3, "timestamp": 9, "data": "garbage"},
    ])
    w = m.warnings
    assert w["add with unknown parent"] == 1 and w["remove of unknown node"] == 1
    assert w["text change on unknown node"] == 1 and w["attribute change on unknown node"] == 1
    assert w["add with unknown sibling"] == 1 and w["node without id"] == 1
    assert w["input on unknown node"] == 1 and w["snapshot without node"] == 1
    assert 51 in m.nodes  # placed at the end when its sibling never arrived


def test_duplicate_ids_in_snapshot_are_skipped():
    snap = snapshot()
    snap["data"]["node"]["childNodes"][1]["childNodes"][1]["childNodes"].append(el(9, "p"))
    m = Mirror().apply_all([snap])
    assert m.warnings["duplicate node id"] == 1 and m.nodes[9].tag == "li"


def test_checkpoint_round_trip(demo_events):
    m = Mirror().apply_all(demo_events[:150])
    m.nodes[next(iter(m.nodes))].value = "typed"
    restored = Mirror.load(m.dump())
    assert restored.to_serialized() == m.to_serialized()
    assert {i: n.value for i, n in restored.nodes.items()} == {i: n.value for i, n in m.nodes.items()}
    # continuing from the checkpoint equals continuing the original
    restored.apply_all(demo_events[150:])
    m.apply_all(demo_events[150:])
    assert restored.to_serialized() == m.to_serialized()


def test_fixture_applies_cleanly(demo_events):
    m = Mirror().apply_all(demo_events)
    assert not m.warnings
    title = m.element_by_tag("title")
    assert m.text_of(title.id) == "demoit"


def test_css_helpers():
    assert split_css_rules('@import "a;b.css"; a{b:c} @media x { d{e:f} } /* } */ g{}') == [
        '@import "a;b.css";', "a{b:c}", "@media x { d{e:f} }", "/* } */ g{}"]
    assert apply_style_diff("a: url(x;y); b: c", {"b": False}) == "a: url(x;y);"


def test_bad_selection_ranges_and_adopted_sheets_are_counted_never_kept():
    m = Mirror().apply_all([snapshot(),
        {"type": 3, "timestamp": 3, "data": {"source": 14, "ranges": [
            {"start": 10, "startOffset": 1, "end": 12, "endOffset": 2, "text": "leak?"},
            {"start": 999, "startOffset": 0, "end": 10, "endOffset": 1},
            {"start": 10, "startOffset": -1, "end": 10, "endOffset": 1},
            {"start": True, "startOffset": 0, "end": 10, "endOffset": 1}, "x"]}},
        {"type": 3, "timestamp": 4, "data": {"source": 15, "id": 1, "styleIds": [1, "2", None],
                                             "styles": [{"styleId": 1, "rules": [
                                                 {"rule": "h1 { color: red; }", "index": 0},
                                                 {"rule": None}, "x"]},
                                                 {"styleId": "2", "rules": []}]}},
        {"type": 3, "timestamp": 5, "data": {"source": 15, "id": 404, "styleIds": [1]}},
        {"type": 3, "timestamp": 6, "data": {"source": 15, "id": 8, "styleIds": "1"}},
    ])
    # the well-formed range is kept, as its four fields only
    assert m.selection == [{"start": 10, "startOffset": 1, "end": 12, "endOffset": 2}]
    assert m.warnings["selection of unknown node"] == 1
    assert m.warnings["malformed selection range"] == 3
    assert m.adopted == {1: ["h1 { color: red; }"]} and m.adopted_by == {1: [1]}
    assert m.warnings["adopted sheet without styleId"] == 1
    assert m.warnings["adopted sheets on unknown node"] == 1
    assert m.warnings["adopted sheets without styleIds"] == 1
    m.apply({"type": 3, "timestamp": 7, "data": {"source": 14, "ranges": None}})
    assert m.warnings["selection without ranges"] == 1 and m.selection   # unchanged
    m.apply({"type": 3, "timestamp": 8, "data": {"source": 14, "ranges": []}})
    assert m.selection == []


def test_a_page_not_recorded_shows_a_notice_and_leaves_its_changes_alone():
    """capture.js says a page snapshot the intake refused (over its 1 MB event limit) as a
    Custom event: the page shown is a notice saying so, with the intake's words; that page's
    changes - ids of a page no one has - are left alone, not counted as damage nor made to the
    last page's nodes of the same ids, until the next snapshot; a checkpoint and a session
    split keep it so."""
    from recorder.format import PAGE_NOT_RECORDED
    from recorder.ingest import split_snapshot
    why = "event #1: event is 1,540,015 bytes, over the 1,048,576 byte size limit of an event"
    said = {"type": 5, "timestamp": 3, "data": {"tag": PAGE_NOT_RECORDED, "payload": {"why": why}}}
    m = Mirror().apply_all([snapshot(), {"type": 4, "timestamp": 3, "data": {"href": "https://s.test/2"}},
                            said])
    assert m.not_recorded == {"why": why} and m.has_snapshot
    body = m.element_by_tag("body")
    assert body.attrs["data-replay-notice"] == "page-not-recorded"
    assert m.text_of(m.root).startswith("This page was not recorded") and why in m.text_of(m.root)
    shown = m.to_serialized()
    page_two = [mutation(texts=[{"id": 10, "value": "ONE"}], attributes=[{"id": 8, "attributes": {"x": "1"}}],
                         removes=[{"parentId": 8, "id": 11}], adds=[{"parentId": 99, "nextId": None, "node": text(40, "z")}]),
                {"type": 3, "timestamp": 4, "data": {"source": 5, "id": 13, "text": "typed"}},
                {"type": 3, "timestamp": 4, "data": {"source": 2, "type": 5, "id": 77}}]
    m.apply_all(page_two)
    assert m.to_serialized() == shown and not m.warnings
    restored = Mirror.load(m.dump())
    assert restored.not_recorded == {"why": why} and restored.to_serialized() == shown
    assert restored.apply_all(page_two).to_serialized() == shown and not restored.warnings
    split = split_snapshot(m, 5)
    assert [e["type"] for e in split] == [4, 5] and split[1]["data"]["payload"] == {"why": why}
    assert Mirror().apply_all(split + page_two).to_serialized() == shown
    # the next page is recorded again: its snapshot and changes as ever
    m.apply_all([snapshot(), mutation(texts=[{"id": 10, "value": "ONE"}])])
    assert m.not_recorded is None and m.text_of(9) == "ONE" and not m.warnings
    # what is kept of the event: its words, at most 300 characters, repaired to be stored
    odd = {"type": 5, "timestamp": 9, "data": {"tag": PAGE_NOT_RECORDED, "payload": {
        "why": "\ud800 " + "w" * 1000, "junk": ["x"] * 1000}}}
    m.apply(odd)
    assert list(m.not_recorded) == ["why"] and len(m.not_recorded["why"]) == 300
    m.replace_lone_surrogates()
    assert Mirror.load(m.dump()).not_recorded["why"].startswith("\ufffd w")
    # before: the same changes made to the last page's nodes (ids 10, 8, 11, 13 are there)
    old = Mirror().apply_all([snapshot(), {"type": 4, "timestamp": 3, "data": {"href": "https://s.test/2"}}]
                             + page_two)
    assert old.text_of(9) == "ONE" and old.warnings
