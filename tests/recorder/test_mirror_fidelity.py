"""Mirror state the replay needs to look like the live page (issue 11): CSSOM edits at any
depth, CSS-in-JS sheets, focus — and all of it carried by checkpoints."""
from recorder.format import UNRECORDED_NODE
from recorder.mirror import MAX_RULE_NESTING, Mirror


def _doc(style_attrs=None, style_text=None):
    style_kids = [] if style_text is None else [{"type": 3, "id": 6, "textContent": style_text}]
    return {"type": 2, "timestamp": 1, "data": {"node": {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 3, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 5, "tagName": "style", "attributes": style_attrs or {},
             "childNodes": style_kids},
            {"type": 2, "id": 7, "tagName": "input", "attributes": {}, "childNodes": []},
            {"type": 2, "id": 8, "tagName": "input", "attributes": {}, "childNodes": []}]}]}}}


def _rule(**data):
    return {"type": 3, "timestamp": 2, "data": {"source": 8, "id": 5, **data}}


def _decl(index, **data):
    return {"type": 3, "timestamp": 2, "data": {"source": 13, "id": 5, "index": index, **data}}


def test_a_css_in_js_sheet_keeps_its_inlined_rules_when_edited():
    """styled-components: an empty <style> whose rules arrive as _cssText; the first
    insertRule must add to them, not start from the (empty) text."""
    m = Mirror().apply_all([_doc({"_cssText": ".a { color: red; }.b { color: blue; }"}),
                            _rule(adds=[{"rule": ".c { color: green; }", "index": 1}])])
    assert m.nodes[5].sheet == [".a { color: red; }", ".c { color: green; }", ".b { color: blue; }"]
    assert not m.warnings


def test_rule_edits_apply_at_any_depth():
    css = "@supports (display: grid) { @media screen { .a { color: red; } } } .z { top: 0; }"
    m = Mirror().apply_all([_doc(style_text=css),
                            _rule(adds=[{"rule": ".b { color: blue; }", "index": [0, 0, 1]}]),
                            _rule(removes=[{"index": [0, 0, 0]}]),
                            _decl([0, 0, 0], set={"property": "margin", "value": "2px",
                                                  "priority": "important"})])
    assert not m.warnings, m.warnings
    assert [" ".join(r.split()) for r in m.nodes[5].sheet] == [
        "@supports (display: grid) { @media screen { .b { color: blue; margin: 2px !important; } } }",
        ".z { top: 0; }"]
    # a whole top-level rule by path [i] and by plain index
    m.apply(_rule(removes=[{"index": [1]}]))
    m.apply(_rule(adds=[{"rule": ".y { left: 0; }", "index": 0}]))
    assert m.nodes[5].sheet[0] == ".y { left: 0; }" and len(m.nodes[5].sheet) == 2


def test_bad_rule_paths_are_counted_never_raised():
    m = Mirror().apply_all([_doc(style_text=".a { color: red; }")])
    before = list(m.nodes[5].sheet or [".a { color: red; }"])
    m.apply_all([
        _rule(adds=[{"rule": ".b {}", "index": [5, 0]}]),            # no rule 5
        _rule(adds=[{"rule": ".b {}", "index": [0, 0, 0]}]),         # .a has no nested rules
        _rule(removes=[{"index": ["x"]}]),
        _rule(adds=[{"rule": ".b {}", "index": [0] * (MAX_RULE_NESTING + 1)}]),
        _decl([3], set={"property": "color", "value": "blue"}),
        _decl("nope", set={"property": "color", "value": "blue"}),
    ])
    assert m.nodes[5].sheet == before
    assert sum(m.warnings.values()) == 6


def test_focus_moves_blurs_and_survives_a_checkpoint():
    focus = lambda kind, nid: {"type": 3, "timestamp": 3, "data": {"source": 2, "type": kind, "id": nid}}  # noqa: E731
    m = Mirror().apply_all([_doc(), focus(5, 7)])
    assert m.focus == 7
    m.apply(focus(6, 8))          # the blur of another element leaves the focus alone
    assert m.focus == 7
    assert Mirror.load(m.dump()).focus == 7
    m.apply_all([focus(5, 8), focus(6, 8)])
    assert m.focus is None
    m.apply(focus(5, 404))
    assert m.focus is None and m.warnings["focus on unknown node"] == 1
    # rrweb's id for a field it does not record (under a blocked element): the focus left
    # the recorded page, and the recording is not damaged
    m.apply(focus(5, 7))
    m.apply(focus(5, UNRECORDED_NODE))
    assert m.focus is None and m.warnings["focus on unknown node"] == 1
    m.apply_all([focus(5, 7), _doc()])   # a new full snapshot: nothing is focused
    assert m.focus is None


def test_font_faces_are_kept_replaced_and_dropped_on_a_new_page():
    font = lambda fam, src, buf=False, **d: {"type": 3, "timestamp": 4, "data": {  # noqa: E731
        "source": 10, "family": fam, "fontSource": src, "buffer": buf, "descriptors": d}}
    m = Mirror().apply_all([{"type": 4, "timestamp": 0, "data": {"href": "https://a/", "width": 9, "height": 9}},
                            _doc(), font("A", "[0, 1, 0, 0]", True), font("B", "url(x.woff2)"),
                            font("A", "[0, 1, 0, 1]", True), font("A", "url(bold.woff2)", weight="700"),
                            font(None, "x")])
    assert [(f["family"], f["fontSource"]) for f in m.fonts] == [
        ("B", "url(x.woff2)"), ("A", "[0, 1, 0, 1]"), ("A", "url(bold.woff2)")]
    assert m.warnings["font without family or source"] == 1
    assert Mirror.load(m.dump()).fonts == m.fonts
    m.apply({"type": 4, "timestamp": 5, "data": {"href": "https://a/", "width": 9, "height": 9}})
    assert len(m.fonts) == 3          # the same page (a new snapshot of it) keeps them
    m.apply({"type": 4, "timestamp": 6, "data": {"href": "https://a/next", "width": 9, "height": 9}})
    assert m.fonts == []


def _canvas_doc():
    return {"type": 2, "timestamp": 1, "data": {"node": {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 3, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 9, "tagName": "canvas", "attributes": {"width": "100", "height": "50"},
             "childNodes": []}]}]}}}


def _draw(*cmds, nid=9, ctx=0):
    return {"type": 3, "timestamp": 5, "data": {"source": 9, "id": nid, "type": ctx,
                                                "commands": [dict(c) for c in cmds]}}


def test_canvas_history_is_kept_and_compacted_by_a_full_canvas_paint():
    fill = {"property": "fillStyle", "args": ["red"], "setter": True}
    m = Mirror().apply_all([_canvas_doc(), _draw(fill, {"property": "fillRect", "args": [1, 1, 5, 5]},
                                                 {"property": "translate", "args": [2, 2]})])
    assert [c["property"] for c in m.canvas[9]] == ["fillStyle", "fillRect", "translate"]
    # a clear of the whole canvas hides what was drawn: only the context state stays
    assert m.apply_canvas(_draw({"property": "clearRect", "args": [0, 0, 100, 50]},
                                {"property": "arc", "args": [5, 5, 2, 0, 6]})["data"]) is True
    assert [c["property"] for c in m.canvas[9]] == ["fillStyle", "translate", "clearRect", "arc"]
    assert Mirror.load(m.dump()).canvas == m.canvas
    # a smaller paint, WebGL, an unknown canvas: nothing compacted, the rest counted
    m.apply_all([_draw({"property": "fillRect", "args": [0, 0, 99, 50]}), _draw(fill, ctx=1),
                 _draw(fill, nid=404)])
    assert len(m.canvas[9]) == 5
    assert m.warnings["webgl canvas commands not replayed"] == 1
    assert m.warnings["canvas commands on unknown node"] == 1
    # resizing a canvas clears it
    m.apply({"type": 3, "timestamp": 6, "data": {"source": 0, "attributes": [
        {"id": 9, "attributes": {"width": "200"}}]}})
    assert 9 not in m.canvas


def test_a_whole_canvas_image_put_hides_what_was_drawn_before():
    img = {"rr_type": "ImageData", "args": [{"rr_type": "Uint8ClampedArray", "args": [[0] * 8]}, 100, 50]}
    m = Mirror().apply_all([_canvas_doc(), _draw({"property": "fillRect", "args": [1, 1, 5, 5]}),
                            _draw({"property": "putImageData", "args": [img, 0, 0]})])
    assert [c["property"] for c in m.canvas[9]] == ["putImageData"]
    m.apply(_draw({"property": "putImageData", "args": [img, 10, 0]}))   # shifted: not all of it
    assert len(m.canvas[9]) == 2


def test_a_focus_a_pointers_click_gives_shows_no_ring_a_keys_click_does():
    """Chromium's :focus-visible for a focus a click's handler gives (showModal() focusing
    the dialog's first button): none after a pointer's click, as after a press; after Enter
    or Space (a click at no place: rrweb's 0, 0) a ring. A Tab long after a click shows one."""
    button = lambda i: {"type": 2, "id": i, "tagName": "button", "attributes": {}, "childNodes": []}  # noqa: E731
    doc = {"type": 2, "timestamp": 1, "data": {"node": {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 3, "tagName": "html", "attributes": {}, "childNodes": [
            button(7), button(8), button(9)]}]}}}
    ev = lambda t, **data: {"type": 3, "timestamp": t, "data": {"source": 2, **data}}  # noqa: E731
    m = Mirror().apply_all([doc, ev(10, type=1, id=7, x=5, y=5), ev(10, type=5, id=7),
                            ev(40, type=0, id=7, x=5, y=5), ev(41, type=2, id=7, x=5, y=5, pointerType=0)])
    assert (m.focus, m.focus_visible) == (7, False)
    m.apply(ev(42, type=5, id=8))              # the click's handler
    assert (m.focus, m.focus_visible) == (8, False)
    m.apply_all([ev(1000, type=2, id=8, x=0, y=0, pointerType=0), ev(1001, type=5, id=9)])
    assert (m.focus, m.focus_visible) == (9, True)
    m.apply(ev(2000, type=2, id=9, x=5, y=5, pointerType=0))
    later = Mirror.load(m.dump())              # a checkpoint between the click and its focus
    later.apply(ev(2001, type=5, id=8))
    assert (later.focus, later.focus_visible) == (8, False)
    m.apply(ev(5000, type=5, id=7))            # a Tab
    assert (m.focus, m.focus_visible) == (7, True)
