"""The mirror's checkpoint layout (version 2: a node table of shared strings and a varint
stream, with rare nodes kept as rows): every node round-trips exactly, whatever it holds,
and a version 1 checkpoint (a row per node) still loads."""
from recorder.format import decode_msgpack, encode_msgpack
from recorder.mirror import CHECKPOINT_VERSION, Mirror, Node, _dump_nodes, _load_nodes


def state(n: Node) -> list:
    return n._dump() + [n.mark, n.mark_gen]


def same(a: Mirror, b: Mirror) -> None:
    assert list(a.nodes) == list(b.nodes)   # the table's order too
    assert [state(n) for n in a.nodes.values()] == [state(n) for n in b.nodes.values()]
    assert (a.root, a.href, a.width, a.height, a.window_scroll, a.selection, a.focus,
            a.fonts, a.canvas, a.adopted, a.adopted_by, a.has_snapshot, a.focus_visible,
            a._pointer_down, a._pointer_click_at) == \
        (b.root, b.href, b.width, b.height, b.window_scroll, b.selection, b.focus,
         b.fonts, b.canvas, b.adopted, b.adopted_by, b.has_snapshot, b.focus_visible,
         b._pointer_down, b._pointer_click_at)


def page() -> Mirror:
    doc = {"type": 0, "id": 1, "childNodes": [
        {"type": 1, "id": 2, "name": "html", "publicId": "", "systemId": ""},
        {"type": 2, "id": 3, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 4, "tagName": "body", "attributes": {"class": "a b"}, "childNodes": [
                {"type": 2, "id": 5, "tagName": "p", "attributes": {"class": "a b", "id": "x"},
                 "childNodes": [{"type": 3, "id": 6, "textContent": "\n  "},
                                {"type": 3, "id": 7, "textContent": "\n  "},
                                {"type": 3, "id": 8, "textContent": "é \U0001f600"}]},
                {"type": 2, "id": 300000, "tagName": "svg", "isSVG": True, "attributes": {},
                 "childNodes": []},
                {"type": 2, "id": 10, "tagName": "style", "attributes": {}, "childNodes": [
                    {"type": 3, "id": 11, "isStyle": True, "textContent": "a{b:c}"}]},
                {"type": 2, "id": 12, "tagName": "input", "attributes": {"value": ""},
                 "childNodes": []},
                {"type": 2, "id": 13, "tagName": "div", "attributes": {"rr_scrollLeft": 5},
                 "childNodes": []},
                {"type": 3, "id": 14, "textContent": "shadow", "isShadow": True},
            ]}]}]}
    m = Mirror()
    m.apply({"type": 4, "timestamp": 0, "data": {"href": "https://x.test/", "width": 800,
                                                 "height": 600}})
    m.apply({"type": 2, "timestamp": 1, "data": {"node": doc, "initialOffset": {"top": 7}}})
    return m


def test_round_trip_of_plain_and_rare_nodes():
    m = page()
    m.nodes[12].value = "typed"            # a live input value: rare
    m.nodes[300000].scroll = (0, 30)       # scrolled: rare
    m.nodes[4].mark, m.nodes[4].mark_gen = "cached", 3   # a pass's cache is not kept
    # damaged input the mirror keeps as it came: odd ids and children
    m.nodes[-5] = Node(-5, 2, "b", {}, None, 10)
    m.nodes[10].children.append(-5)
    m.nodes[2 ** 40] = Node(2 ** 40, 3, None, None, "big", None)
    m.nodes[21] = Node(21, 2, "i", {"k": None}, None, None)   # a null attribute value
    m.nodes[22] = Node(22, 3, None, None, None, 4)            # a text node without text
    blob = m.dump()
    assert decode_msgpack(blob)[0] == CHECKPOINT_VERSION == 2
    back = Mirror.load(blob)
    m.nodes[4].mark, m.nodes[4].mark_gen = None, -1
    same(back, m)
    assert back.window_scroll == (0, 7) and type(back.nodes[300000].scroll) is tuple
    # loaded nodes share each string: "a b" (two class values) is one object
    assert back.nodes[4].attrs["class"] is back.nodes[5].attrs["class"]
    # and they are whole nodes the mirror goes on with
    back.apply({"type": 3, "timestamp": 2, "data": {"source": 0, "texts": [], "removes": [],
               "attributes": [{"id": 5, "attributes": {"class": "c"}}],
               "adds": [{"parentId": 5, "nextId": None,
                         "node": {"type": 3, "id": 40, "textContent": "new"}}]}})
    assert back.nodes[5].attrs == {"class": "c", "id": "x"} and back.nodes[5].children[-1] == 40
    assert back.nodes[4].attrs["class"] == "a b"


def test_which_nodes_are_rows():
    m = page()
    m.nodes[12].value = "typed"
    strings, stream, rare = _dump_nodes(m.nodes)
    # the input with a value, the number attribute, the shadow text (an unmodelled field)
    assert sorted(r[0] for r in rare) == [12, 13, 14]
    assert len(strings) == len(set(strings))
    assert list(_load_nodes(strings, stream, rare)) == list(m.nodes)


def test_empty_mirror_round_trips():
    same(Mirror.load(Mirror().dump()), Mirror())


def test_version_1_checkpoint_still_loads():
    """A checkpoint of the layout before the node table (an index kept from an older
    build) loads as it always did."""
    m = page()
    m.nodes[12].value = "typed"
    m.focus, m.fonts = 12, [{"family": "f"}]
    v1 = encode_msgpack([
        1, m.root, m.href, m.width, m.height, list(m.window_scroll), m.selection, {}, {},
        m.has_snapshot, [n._dump() for n in m.nodes.values()], m.focus, m.fonts, {},
        m.focus_visible, m._pointer_down, m._pointer_click_at])
    same(Mirror.load(v1), m)


def test_loaded_nodes_are_out_of_the_cyclic_gc_and_stay_whole():
    """Compiled, a loaded node and its children list are not tracked by the cyclic GC
    (nothing of theirs forms a cycle); what they hold lives on through collections."""
    import gc

    from recorder import mirror

    m = page()
    back = Mirror.load(m.dump())
    plain = back.nodes[5]
    if mirror._COMPILED:
        assert not gc.is_tracked(plain) and not gc.is_tracked(plain.children)
    plain.media = {"state": ["playing"]}   # a container set later: still kept alive
    gc.collect()
    assert plain.media == {"state": ["playing"]} and plain.children == [6, 7, 8]
    same(Mirror.load(back.dump()), back)


def test_a_damaged_node_table_raises_instead_of_reading_past_it():
    """(a kept index whose checkpoint does not decode is dropped and built again:
    player.index_store takes ValueError for that)"""
    import pytest

    strings, stream, rare = _dump_nodes(page().nodes)
    with pytest.raises(ValueError):
        _load_nodes(strings, stream[:-3], rare)          # cut short
    with pytest.raises(ValueError):
        _load_nodes(strings, stream[:-1] + b"\x80", rare)   # a varint that never ends
    with pytest.raises(ValueError):
        _load_nodes(strings[:2], stream, rare)           # strings it refers to missing
    with pytest.raises(ValueError):
        _load_nodes(strings, stream, [])                 # rows it refers to missing


def test_a_node_table_of_the_wrong_shape_raises_value_error():
    """The node field of a version 2 checkpoint is read as [strings, stream, rare]: one
    shorter (the compiled loader indexed it without a bounds check: a crash), longer or not
    a list at all raises ValueError, compiled and pure alike; so does a version 1 row of the
    wrong length, and a checkpoint of a version this code does not write."""
    import pytest

    top = decode_msgpack(page().dump())
    strings, stream, rare = top[10]
    for rows in ([], [strings], [strings, stream], [strings, stream, rare, 1], "x", None, {}):
        bad = list(top)
        bad[10] = rows
        with pytest.raises(ValueError):
            Mirror.load(encode_msgpack(bad))
    for version in (CHECKPOINT_VERSION + 1, 0, "2", None, 2.0, True):
        bad = list(top)
        bad[0] = version
        with pytest.raises(ValueError):
            Mirror.load(encode_msgpack(bad))
    v1 = list(top)
    v1[0], v1[10] = 1, [[], [5]]   # rows of a version 1 checkpoint, cut
    with pytest.raises(ValueError):
        Mirror.load(encode_msgpack(v1))
