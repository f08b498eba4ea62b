"""The compact batch encoding (recorder/intake/compact.py): every batch decodes to exactly the
events that were encoded, bad compact data is one clear 400, and the intake stores the same
session whether a sender posted compact or plain events."""
from __future__ import annotations

import copy
import gzip
import json
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from recorder.intake import compact
from recorder.intake.apps import Applications
from recorder.intake.live import LiveIntake
from recorder.intake.wire import Status, WireError, decode_body, decode_request
from recorder.limits import Limits
from recorder.privacy import parse_rules
from recorder.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# ---- events of every shape the encoder meets ---------------------------------------------------
ids = st.integers(min_value=-1, max_value=2**40)
names = st.sampled_from(["class", "id", "style", "href", "data-x", "rr_width", "type", "value"])
values = st.one_of(st.none(), st.text(max_size=8), st.booleans(), st.integers(-5, 5),
                   st.floats(allow_nan=False, allow_infinity=False))
attrs = st.dictionaries(st.one_of(names, st.text(max_size=6)), values, max_size=4)
extras = st.dictionaries(st.sampled_from(["isSVG", "isStyle", "isShadow", "rootId"]),
                         st.one_of(st.booleans(), ids), max_size=2)
# the optional fields a node may carry; nested as snapshots and adds nest them
text_node = st.builds(lambda kind, i, t, x: {"type": kind, "textContent": t, "id": i, **x},
                      st.sampled_from([3, 4, 5]), ids, st.one_of(st.text(max_size=10), st.none()), extras)
doctype = st.builds(lambda i, n: {"type": 1, "name": n, "publicId": "", "systemId": "", "id": i},
                    ids, st.text(max_size=5))
odd_node = st.fixed_dictionaries({"type": st.integers(0, 7)}, optional={
    "id": st.one_of(ids, st.text(max_size=3)), "childNodes": st.just([])})   # a shape it keeps as is


def _element(children):
    return st.builds(lambda tag, i, a, kids, x: {"type": 2, "tagName": tag, "attributes": a,
                                                 "childNodes": kids, "id": i, **x},
                     st.sampled_from(["div", "td", "svg", "span"]), ids, attrs,
                     st.lists(children, max_size=3), extras)


nodes = st.recursive(st.one_of(text_node, doctype, odd_node), _element, max_leaves=12)
document = st.builds(lambda i, kids: {"type": 0, "childNodes": kids, "id": i}, ids,
                     st.lists(nodes, max_size=3))
mutation = st.fixed_dictionaries({
    "source": st.just(0),
    "texts": st.lists(st.fixed_dictionaries({"id": ids, "value": st.one_of(st.text(max_size=6), st.none())}), max_size=4),
    "attributes": st.lists(st.fixed_dictionaries({"id": ids, "attributes": attrs}), max_size=4),
    "removes": st.lists(st.fixed_dictionaries({"parentId": ids, "id": ids},
                                              optional={"isShadow": st.booleans()}), max_size=4),
    "adds": st.lists(st.fixed_dictionaries({"parentId": ids, "nextId": st.one_of(st.none(), ids),
                                            "node": nodes}), max_size=4)})
moves = st.fixed_dictionaries({"source": st.sampled_from([1, 6]), "positions": st.lists(
    st.fixed_dictionaries({"x": st.integers(0, 2000), "y": st.one_of(st.integers(0, 2000), st.floats(0, 9)),
                           "id": ids, "timeOffset": st.integers(-500, 0)}), max_size=5)})
interaction = st.builds(lambda kind, i, xy, pointer: {"source": 2, "type": kind, "id": i, **xy, **pointer},
                        st.integers(0, 10), ids,
                        st.one_of(st.just({}), st.fixed_dictionaries({"x": st.integers(0, 2000),
                                                                      "y": st.one_of(st.integers(0, 2000), st.floats(0, 9))})),
                        st.one_of(st.just({}), st.fixed_dictionaries({"pointerType": st.integers(0, 2)})))
dates = st.one_of(st.integers(1_600_000_000_000, 1_900_000_000_000), st.floats(0, 9))
view_id = st.sampled_from(["v1", "v2"])
rum_payload = st.one_of(
    st.builds(lambda d, r: {"type": "resource", "date": d, "resource": r}, dates, st.one_of(
        st.fixed_dictionaries({"url": st.text(max_size=6), "method": st.sampled_from(["GET", "POST"]),
                               "status_code": st.one_of(st.none(), st.integers(0, 599)),
                               "duration": values, "size": values, "type": st.sampled_from(["css", "fetch"])}),
        st.fixed_dictionaries({"url": st.text(max_size=6)}))),
    st.builds(lambda d, x: {"type": "long_task", "date": d, "long_task": {"duration": x}}, dates, values),
    st.builds(lambda d, n, x, y, f, c: {"type": "action", "date": d, "action": {
        "type": "click", "target": {"name": n, "selector": "a > b"}, "position": {"x": x, "y": y},
        **({"frustration": {"type": f}} if f is not None else {}), **({"click_count": c} if c else {})}},
        dates, st.text(max_size=4), values, values,
        st.one_of(st.none(), st.lists(st.sampled_from(["dead_click", "rage_click"]), max_size=2)),
        st.one_of(st.none(), st.integers(2, 5))),
    st.builds(lambda i, u, r, rest, extra: {"type": "view", "view": {"id": i, "url": u, "referrer": r, **rest}, **extra},
              view_id, st.sampled_from(["http://a/", "http://a/#"]), st.one_of(st.none(), st.just("http://a/")),
              st.dictionaries(st.sampled_from(["loading_time", "cumulative_layout_shift", "id"]), values, max_size=2),
              st.one_of(st.just({}), st.just({"browser": {"name": "Chrome"}}))),
    st.builds(lambda v: {"type": "view", "view": v}, st.dictionaries(st.sampled_from(["url", "id"]), values, max_size=2)),
)
other_data = st.one_of(st.fixed_dictionaries({"source": st.integers(2, 16), "id": ids}), interaction,
                       st.fixed_dictionaries({"plugin": st.just("replay/rum@1"), "payload": rum_payload}),
                       st.fixed_dictionaries({"plugin": st.just("replay/rum@1"), "payload": rum_payload,
                                              "extra": st.just(1)}),
                       st.fixed_dictionaries({"plugin": st.sampled_from(["rrweb/console@1", "my/plugin@3"]),
                                              "payload": st.dictionaries(st.text(max_size=4), values)}),
                       st.fixed_dictionaries({"plugin": st.just("x"), "payload": st.lists(values, max_size=2)}))
timestamps = st.integers(1_600_000_000_000, 1_900_000_000_000)


def _event(kind, data):
    return st.builds(lambda k, d, t: {"type": k, "data": d, "timestamp": t}, kind, data, timestamps)


events = st.lists(st.one_of(
    _event(st.just(2), st.builds(lambda n, x, y: {"node": n, "initialOffset": {"left": x, "top": y}},
                                 document, st.integers(0, 99), st.integers(0, 99))),
    _event(st.just(3), mutation), _event(st.just(3), moves), _event(st.sampled_from([3, 6]), other_data),
    _event(st.just(4), st.fixed_dictionaries({"href": st.text(max_size=8), "width": st.integers(0, 3000)})),
    # capture.js's Meta, with the visitor's media features or not (a list in them: no keyed form)
    _event(st.just(4), st.builds(
        lambda h, w, f: {"href": h, "width": w, "height": w, **({} if f is None else {"mediaFeatures": f})},
        st.text(max_size=8), st.integers(0, 3000), st.one_of(st.none(), st.dictionaries(
            st.sampled_from(["prefers-contrast", "x"]),
            st.one_of(st.text(max_size=4), st.none(), st.lists(st.integers(), max_size=1)), max_size=2)))),
    # shapes it must carry as they are: a float time, an extra key, data that is not an object
    st.fixed_dictionaries({"type": st.just(3), "data": mutation, "timestamp": st.floats(0, 1e13)}),
    st.fixed_dictionaries({"type": st.just(3), "data": moves, "timestamp": timestamps,
                           "sessionId": st.text(max_size=4)}),
    st.fixed_dictionaries({"type": st.integers(0, 7), "data": st.one_of(st.none(), st.lists(st.integers(), max_size=2)),
                           "timestamp": timestamps}),
), max_size=12)


def _wire(events_: list) -> list:
    """As the events travel: JSON (what the sender posts and the intake reads)."""
    return json.loads(json.dumps(events_))


VERSIONS = sorted(compact.VERSIONS.values())


@pytest.mark.parametrize("version", VERSIONS)
@settings(max_examples=150, deadline=None)
@given(evs=events)
def test_compact_decodes_to_exactly_the_events(version, evs):
    evs = _wire(evs)
    packed, strings = compact.encode(copy.deepcopy(evs), version)
    assert compact.decode(_wire(packed), strings, version=version) == evs


def test_compact2_snapshot_in_page_order_carries_no_ids():
    """A snapshot numbered depth first (capture.js's first snapshot of a page) goes without a
    single id - text nodes as bare strings - and the intake numbers the nodes back exactly;
    a mutation's added subtree names only its top node's id."""
    snapshot = {"type": 0, "id": 1, "childNodes": [
        {"type": 1, "name": "html", "publicId": "", "systemId": "", "id": 2},
        {"type": 2, "tagName": "html", "attributes": {"lang": "en"}, "id": 3, "childNodes": [
            {"type": 2, "tagName": "body", "attributes": {}, "id": 4, "childNodes": [
                {"type": 3, "textContent": "hi", "id": 5},
                {"type": 3, "textContent": "body{}", "isStyle": True, "id": 6},
                {"type": 5, "textContent": "c", "id": 7},
                {"type": 2, "tagName": "svg", "attributes": {}, "childNodes": [], "id": 8, "isSVG": True}]}]}]}
    added = {"type": 2, "tagName": "p", "attributes": {}, "id": 40, "childNodes": [
        {"type": 3, "textContent": "new", "id": 41}]}
    evs = [{"type": 2, "data": {"node": snapshot, "initialOffset": {"left": 0, "top": 0}}, "timestamp": 5},
           {"type": 3, "data": {"source": 0, "texts": [], "attributes": [], "removes": [],
                                "adds": [{"parentId": 4, "nextId": None, "node": added}]}, "timestamp": 6}]
    packed, strings = compact.encode(copy.deepcopy(evs), 2)

    def n(name):   # a name of the fixed table
        return -1 - compact.NAMES.index(name)
    assert packed[0][2][0] == [0, [[1, {"name": "html", "publicId": "", "systemId": ""}],
                                   [2, n("html"), [n("lang"), "en"], [[2, n("body"), [], [
                                       "hi", [3, "body{}", {"isStyle": True}], [5, "c"],
                                       [2, n("svg"), [], [], {"isSVG": True}]]]]]]]
    assert packed[1][2][4] == [4, None, [compact.GIVEN_ID, 40 - 4, [2, n("p"), [], ["new"]]]]
    assert strings == [] and compact.decode(_wire(packed), strings, version=2) == evs


@settings(max_examples=50, deadline=None)
@given(st.lists(_event(st.just(3), mutation).filter(
    lambda e: all("isShadow" not in r for r in e["data"]["removes"])), min_size=1, max_size=5))
def test_every_known_shape_goes_compact(evs):
    packed, _ = compact.encode(_wire(evs))
    assert all(isinstance(e, list) for e in packed)   # nothing fell back to the plain form


def _demo_events() -> list[dict]:
    """A real rrweb recording, moved to now (the live intake refuses day-old events)."""
    evs = json.loads((FIXTURES / "rrweb-player-demo.json").read_text())
    shift = int(time.time() * 1000) - 60_000 - evs[0]["timestamp"]
    for e in evs:
        e["timestamp"] += shift
        if e["type"] != 4:
            e.pop("sessionId", None)   # the Meta event keeps it: one event in the plain form
    return evs


def _body(evs: list, packed: bool) -> bytes:
    b = {"session_id": "visit-1", "events": evs}
    if packed:
        b["events"], b["strings"] = compact.encode(evs)
        b["encoding"] = compact.ENCODING
    return gzip.compress(json.dumps(b).encode())


def test_a_real_recording_round_trips_and_shrinks():
    evs = _demo_events()
    packed, strings = compact.encode(evs)
    assert compact.decode(_wire(packed), strings) == evs
    assert sum(isinstance(e, list) for e in packed) >= len(evs) // 2
    assert len(_body(evs, True)) < len(_body(evs, False))


def test_the_intake_stores_the_same_session_from_compact_and_plain(tmp_path):
    evs = _demo_events()
    stored = {}
    for packed in (False, True):
        data = tmp_path / ("compact" if packed else "plain")
        data.mkdir()
        apps = Applications(data)
        app, _ = apps.create("shop")
        live = LiveIntake(Store.open(data), parse_rules('default = "mask-user-input"'))
        half = len(evs) // 2   # two requests: the session carries across them
        for part in (evs[:half], evs[half:]):
            batch = decode_body(_body(part, packed), "gzip", Limits())
            assert batch.encoding is None and batch.strings is None
            live.accept(app, batch)
        with Store.open(data) as store, store.session("visit-1") as reader:
            stored[packed] = list(reader.events())
        apps.close()
    # the same events (rrweb writes a node's isSVG before its id, capture.js after: the
    # decoder writes capture.js's order, so only capture.js's batches keep their key order -
    # tests/app/test_capture_chromium.py checks that)
    assert stored[True] == stored[False]
    assert len(stored[True]) == len(evs)


@pytest.mark.parametrize("events_, strings, what", [
    ([[3, 0, [0, [1], [], [], []]]], [], "tuples"),                  # a text id without a value
    ([[3, 0, [0, [], [0, [7, "x"]], [], []]]], ["class"], "outside"),  # a name index past the table
    ([[3, 0, [0, [], [0, [-999, "x"]], [], []]]], [], "fixed table"),  # past the fixed names
    ([[3, 0, [0, ["a", "v"], [], [], []]]], [], "integer"),           # an id that is not a number
    ([[3, 0, [9, []]]], [], "no compact form"),
    ([[2, "soon", {}]], [], "integers"),
    ([[3, 0]], [], "[type, dt, data]"),
    ([[2, 0, [[2, 1, 0, [], [[2, 1, 0, [], "kids"]]], {}]]], ["div"], "children must be a list"),
    ([[3, 0, [0, [], [], [], [5, None, "node?"]]]], [], "a node must be"),
    ([[3, 0, [0, [], [], [], [5, None, [2, 1]]]]], [], "wrong shape"),   # an element cut short
])
def test_bad_compact_data_is_one_clear_400(events_, strings, what):
    _refused(compact.ENCODING, events_, strings, what)


def _refused(encoding: str, events_: list, strings: list, what: str) -> None:
    body = json.dumps({"session_id": "s", "encoding": encoding, "strings": strings,
                       "events": events_}).encode()
    with pytest.raises(WireError) as err:
        decode_body(body, None, Limits())
    assert err.value.status == Status.BAD_REQUEST and err.value.code == "malformed"
    assert what in str(err.value) and "send plain events" in str(err.value)


SNAP = [{"left": 0, "top": 0}]
RUM = compact.RUM_PLUGIN
VIEW1 = {"type": "view", "view": {"id": "v", "url": "http://a/", "referrer": None}}


@pytest.mark.parametrize("events_, what", [
    # nodes without ids
    ([[2, 0, [[0, [[2, -33, [], [], {"id": 4}]]]] + SNAP]], "repeat its own 'id'"),
    ([[2, 0, [[0, [[2, -33, [], [], {}, "more"]]]] + SNAP]], "more than its form"),
    ([[2, 0, [[0, [[2, -33, []]]]] + SNAP]], "an element is [2, tagName"),
    ([[2, 0, [[0, [[3, "a", ["x"]]]]] + SNAP]], "extra keys must be an object"),
    ([[2, 0, [[0, [[1, {"id": 3}]]]] + SNAP]], "repeat its own type or id"),
    ([[2, 0, [[0, [[1, "html"]]]] + SNAP]], "[1, extra keys]"),
    ([[2, 0, [[0, [[]]]] + SNAP]], "a node must be"),
    ([[2, 0, [[0, [7]]] + SNAP]], "a node must be"),
    ([[2, 0, [[0, [["div", [], []]]]] + SNAP]], "type must be an integer"),
    ([[2, 0, [[0, [[-1, 5, [-1, 2, "t"]]]]] + SNAP]], "once"),
    ([[2, 0, [[0, [[-1, 5, {"type": 3, "textContent": "t", "id": 9}]]]] + SNAP]], "not an object"),
    ([[2, 0, [[0, [[-1, "5", "t"]]]] + SNAP]], "an id delta must be an integer"),
    # moves as differences
    ([[3, 0, [1, [1, 2, 3, 4, 5.5, 0, 0, 1]]]], "integers"),
    ([[3, 0, [1, [1, 2, 3]]]], "4-tuples"),
    # interactions
    ([[3, 0, [2, 1, 5, 10]]], "an interaction is"),
    ([[3, 0, [2, 1, 5, 10, 1.5]]], "an interaction is"),
    ([[3, 0, [2, 1, "5"]]], "an interaction is"),
    # plugin events
    ([[6, 0, [-1, "payload"]]], "payload object"),
    ([[6, 0, [7, {}]]], "outside the batch's 0 strings"),
    ([[6, 0, [None, {}]]], "a name must be"),
    ([[6, 0, {"plugin": "x", "payload": {}}, 1]], "[type, dt, data]"),
    # the RUM plugin's payload arrays
    ([[6, 0, ["my/plugin", [1, 0, 5]]]], "must be an object"),
    ([[6, 0, [RUM, [3, {"loading_time": 1}]]]], "none came before it"),
    ([[6, 0, [RUM, VIEW1]], [6, 0, [RUM, [3, {"url": "http://b/"}]]]], "but id, url, referrer"),
    ([[6, 0, [RUM, [3, {"x": 1}, 2]]]], "a RUM view update is"),
    ([[6, 0, [RUM, [0, 5, "http://a/", "GET", 200]]]], "no RUM payload form"),
    ([[6, 0, [RUM, [1, 0.5, 5]]]], "[form, date delta, ...]"),
    ([[6, 0, [RUM, [9, 0, 5]]]], "no RUM payload form"),
    ([[6, 0, [RUM, [2, 0, "Buy", "a", 1, 2, "dead_click"]]]], "no RUM payload form"),
    ([[6, 0, [RUM, []]]], "[form, date delta, ...]"),
])
def test_bad_compact2_data_is_one_clear_400(events_, what):
    _refused(compact.ENCODING_2, events_, [], what)


CONSOLE = compact.CONSOLE_PLUGIN


@pytest.mark.parametrize("events_, what", [
    ([[3, 0, [1, [1, 2, 3, 4, 5.5, 0, 0, 1]]]], "integers"),
    ([[3, 0, [1, [1, 2, 3]]]], "4-tuples"),
    ([[3, 0, [2, 1, 5, 10]]], "an interaction is"),
    ([[3, 0, [2, 1, 5, 10, 1.5]]], "an interaction is"),
    ([[6, 0, [CONSOLE, ["log", []]]]], "[level, trace, payload]"),
    ([[6, 0, ["my/plugin", ["log", [], []]]]], "must be an object"),
])
def test_bad_compact3_data_is_one_clear_400(events_, what):
    _refused(compact.ENCODING_3, events_, [], what)


def _pointer_events() -> list[dict]:
    """A cursor's path to a button, the click on it, focus moving, the path on, a console line."""
    def ev(t, data):
        return {"type": 3, "data": data, "timestamp": t}

    def at(x, y, i, to):
        return {"x": x, "y": y, "id": i, "timeOffset": to}
    return [
        ev(1000, {"source": 1, "positions": [at(100, 200, 40, -480), at(130, 230, 41, -430),
                                             at(160, 260, 41, -377)]}),
        ev(1001, {"source": 2, "type": 1, "id": 41, "x": 160, "y": 260}),
        ev(1002, {"source": 2, "type": 5, "id": 41}),
        ev(1003, {"source": 2, "type": 0, "id": 41, "x": 160, "y": 260}),
        ev(1004, {"source": 2, "type": 2, "id": 41, "x": 160, "y": 260, "pointerType": 0}),
        ev(1500, {"source": 1, "positions": [at(170, 250, 41, -400), at(190, 230, 12, -351)]}),
        {"type": 6, "data": {"plugin": CONSOLE, "payload": {
            "level": "info", "trace": ["f (a.js:1:2)"], "payload": ['"ready"']}}, "timestamp": 1600},
        {"type": 6, "data": {"plugin": CONSOLE, "payload": {
            "level": "info", "payload": ['"keys out of order"'], "trace": []}}, "timestamp": 1601},
    ]


def test_compact3_writes_the_pointer_as_it_moves_on():
    """compact@3: a click where the path ended, on the element it was over, is [2, type, 0,
    0, 0]; a path starts where the last one ended; a sample 50 ms after the one before (the
    sampling, DESIGN.md) is 0; a console line is [level, trace, payload] - and the intake gets
    the same events back, key order included. Fewer bytes than compact@2, gzipped."""
    evs = _pointer_events()
    packed, strings = compact.encode(copy.deepcopy(evs), 3)
    assert packed[0][2] == [1, [100, 200, 40, -480, 30, 30, 1, 0, 30, 30, 0, 3]]
    assert [e[2] for e in packed[1:5]] == [[2, 1, 0, 0, 0], [2, 5, 0], [2, 0, 0, 0, 0], [2, 2, 0, 0, 0, 0]]
    assert packed[5][2] == [1, [10, -10, 0, -400, 20, -20, -29, -1]]
    assert packed[6][2][1] == ["info", ["f (a.js:1:2)"], ['"ready"']]
    assert isinstance(packed[7][2][1], dict)   # other keys, or in another order: as it is
    assert strings == []   # capture.js then sends no "strings" (the intake reads none as empty)
    body = json.dumps({"session_id": "s", "encoding": compact.ENCODING_3, "events": packed}).encode()
    assert json.dumps(decode_body(body, None, Limits()).events) == json.dumps(evs)
    two, _ = compact.encode(copy.deepcopy(evs), 2)
    assert len(gzip.compress(json.dumps(packed).encode())) < len(gzip.compress(json.dumps(two).encode()))


def test_compact1_still_decodes_as_older_capture_js_sent_it():
    """An intake that serves capture.js posting compact@3 still takes compact@1 and @2 batches
    from pages loaded before it was upgraded - the same events either way - and compact@1's
    node forms are not compact@2's (an @1 batch read as @2 is refused, not misread)."""
    evs = _demo_events() + _pointer_events()
    one, strings1 = compact.encode(copy.deepcopy(evs), 1)
    two, strings2 = compact.encode(copy.deepcopy(evs), 2)
    three, strings3 = compact.encode(copy.deepcopy(evs), 3)
    assert two != three
    for encoding, packed, strings in ((compact.ENCODING, one, strings1), (compact.ENCODING_2, two, strings2),
                                      (compact.ENCODING_3, three, strings3)):
        body = json.dumps({"session_id": "s", "encoding": encoding, "strings": strings,
                           "events": packed}).encode()
        assert decode_body(body, None, Limits()).events == evs
    with pytest.raises(compact.CompactError):
        compact.decode(_wire(one), strings1, version=2)


def test_an_unknown_encoding_is_refused_and_plain_batches_still_pass():
    body = json.dumps({"session_id": "s", "encoding": "brotli-dict@9", "events": [{}]}).encode()
    with pytest.raises(WireError) as err:
        decode_body(body, None, Limits())
    assert err.value.code == "unsupported_encoding"
    assert all(f"compact@{v}" in str(err.value) for v in (1, 2, 3, 4))
    plain = [{"type": 3, "data": {"source": 0, "texts": [], "attributes": [], "removes": [], "adds": []},
              "timestamp": 5}]
    batch = decode_body(json.dumps({"session_id": "s", "events": plain}).encode(), None, Limits())
    assert batch.events == plain


def test_deep_nesting_is_refused_not_recursed():
    node: list = [3, 1, "leaf"]
    for _ in range(compact.MAX_DEPTH + 5):
        node = [2, 1, "div", [], [node]]
    with pytest.raises(compact.CompactError, match="deeper"):
        compact.decode([[2, 0, [node, {}]]], [])


def test_common_names_come_from_the_encodings_fixed_table():
    """A page's first batch lists no common tag or attribute name: they are negative indexes
    into compact.NAMES, which capture.js holds too (the same list, in the same order)."""
    import re

    from recorder.paths import ASSETS

    src = (ASSETS / "capture" / "capture.js").read_text(encoding="utf-8")
    listed = re.search(r"var NAMES = (\[.*?\]);", src, re.S)
    assert listed and tuple(json.loads(listed.group(1))) == compact.NAMES
    # compact@4's constants: the same in both
    digits = re.search(r'var VARINT_DIGITS = ("[^"]*"), VARINT_MORE = (\d+);', src)
    assert digits and (json.loads(digits.group(1)), int(digits.group(2))) == (compact.VARINT_DIGITS,
                                                                             compact.VARINT_MORE)
    for name, value in (("FRUSTRATIONS", compact.FRUSTRATIONS), ("META_KEYS", compact.META_KEYS),
                        ("CLICK_RUN", compact.CLICK_RUN)):
        found = re.search(rf"var {name} = ([^;]*);", src)
        assert found and json.loads(found.group(1)) == (list(value) if isinstance(value, tuple) else value)
    forms = re.search(r"var RUM_FORM = (\{[^}]*\});", src)
    assert forms and json.loads(re.sub(r"(\w+):", r'"\1":', forms.group(1))) == {
        "resource": compact.RUM_RESOURCE, "long_task": compact.RUM_LONG_TASK, "action": compact.RUM_ACTION,
        "view": compact.RUM_VIEW, "click_action": compact.RUM_CLICK_ACTION, "keyed": compact.RUM_KEYED}
    required = re.search(r"var BODY_REQUIRED = (\d+);", src)
    assert required and compact.BODY_FIELDS[int(required.group(1)) - 1] == "events"
    event = {"type": 3, "timestamp": 5, "data": {"source": 0, "texts": [], "removes": [],
             "attributes": [{"id": 4, "attributes": {"class": "on", "data-x": "1"}}], "adds": []}}
    packed, strings = compact.encode([event])
    assert strings == ["data-x"] and packed[0][2][2] == [4, [-1 - compact.NAMES.index("class"), "on", 0, "1"]]
    assert compact.decode(packed, strings) == [event]


# ---- compact@4 ----------------------------------------------------------------------------------

def _inter(t: int, kind: int, i: int, x=None, y=None, pointer=None) -> dict:
    d = {"source": 2, "type": kind, "id": i}
    if x is not None:
        d.update(x=x, y=y)
    if pointer is not None:
        d["pointerType"] = pointer
    return {"type": 3, "data": d, "timestamp": t}


def _action(t: int, date, x, y, frustration=None, count=None) -> dict:
    a = {"type": "click", "target": {"name": "Buy", "selector": "button#buy"}, "position": {"x": x, "y": y}}
    if frustration is not None:
        a["frustration"] = {"type": frustration}
    if count is not None:
        a["click_count"] = count
    return {"type": 6, "data": {"plugin": RUM, "payload": {"type": "action", "date": date, "action": a}},
            "timestamp": t}


@st.composite
def _click_block(draw) -> list[dict]:
    """A click as a browser and capture.js record it - mousedown, blur and focus when focus
    moves, mouseup, click - and the ways a run is cut or bent: the RUM plugin's action of the
    click before landing inside it, the mouseup elsewhere, no click, a float position."""
    t = draw(st.integers(1_700_000_000_000, 1_700_000_000_100))
    i, x, y = draw(st.integers(0, 50)), draw(st.integers(0, 900)), draw(st.integers(0, 900))
    if draw(st.booleans()) and draw(st.booleans()):
        x = x + 0.5   # not an integer: no run
    gap = st.integers(0, 3)
    out = [_inter(t, 1, i, x, y)]
    if draw(st.booleans()):
        out.append(_inter(out[-1]["timestamp"] + draw(gap), 6, draw(st.integers(0, 50))))
    if draw(st.booleans()):
        out.append(_inter(out[-1]["timestamp"] + draw(gap), 5, i + draw(st.integers(-2, 2))))
    up = (x, y) if draw(st.integers(0, 4)) else (x + 1, y)
    out.append(_inter(out[-1]["timestamp"] + draw(gap), 0, i, *up))
    if draw(st.booleans()):   # the action of the click before, decided at this one's start
        out.append(_action(out[-1]["timestamp"], t - 900, draw(st.integers(0, 900)), y))
    if draw(st.integers(0, 4)):
        out.append(_inter(out[-1]["timestamp"] + draw(gap), 2, i, x, y, draw(st.integers(0, 2))))
    if draw(st.booleans()):   # its own action, a second later
        out.append(_action(out[-1]["timestamp"] + 1000, out[-1]["timestamp"] - draw(gap), x, y,
                           draw(st.one_of(st.none(), st.just(["dead_click"]),
                                          st.just(["rage_click", "error_click", "dead_click"]),
                                          st.just(["odd_click"]))),
                           draw(st.one_of(st.none(), st.integers(3, 5)))))
    return out


@settings(max_examples=100, deadline=None)
@given(blocks=st.lists(st.one_of(_click_block(), events), max_size=6),
       clicks=st.lists(_click_block(), max_size=4))
def test_compact4_click_runs_and_their_actions_decode_to_exactly_the_events(blocks, clicks):
    evs = _wire([e for b in blocks for e in b])
    packed, strings = compact.encode(copy.deepcopy(evs), 4)
    assert compact.decode(_wire(packed), strings, version=4) == evs
    evs = _wire([e for b in clicks for e in b])   # capture.js's shapes keep their key order too
    packed, strings = compact.encode(copy.deepcopy(evs), 4)
    assert json.dumps(compact.decode(_wire(packed), strings, version=4)) == json.dumps(evs)


def _shop_events() -> list[dict]:
    """A demo-shop visit's events as capture.js records them (a page's start, a path, two
    clicks with focus moving, the RUM plugin's payloads), shortened."""
    view = {"id": "v1", "url": "http://shop/index.html", "referrer": None}
    return _wire([
        {"type": 4, "data": {"href": "http://shop/index.html", "width": 1280, "height": 800}, "timestamp": 1000},
        _rum(1006, dict({"type": "view", "view": dict(view)}, browser={"name": "Chrome", "version": "156"},
                        os={"name": "Linux"}, display={"viewport": {"width": 1280, "height": 800}},
                        user_agent="Mozilla/5.0")),
        _rum(1020, {"type": "view", "view": dict(view, loading_time=179.3, cumulative_layout_shift=0)}),
        {"type": 3, "data": {"source": 1, "positions": [
            {"x": 12, "y": 12, "id": 22, "timeOffset": -190}, {"x": 50, "y": 50, "id": 22, "timeOffset": -140},
            {"x": 967, "y": 32, "id": 42, "timeOffset": 0}]}, "timestamp": 1652},
        _inter(1652, 1, 42, 967, 32), _inter(1653, 5, 42), _inter(1654, 0, 42, 967, 32),
        _inter(1656, 2, 42, 967, 32, 0),
        _action(2656, 1654, 967, 32, ["dead_click"]),
        _rum(2660, {"type": "view", "view": {"id": "v2", "url": "http://shop/index.html#",
                                             "referrer": "http://shop/index.html", "loading_type": "route_change"}}),
        _rum(2700, {"type": "view", "view": {"id": "v2", "url": "http://shop/index.html#",
                                             "referrer": "http://shop/index.html", "cumulative_layout_shift": 0,
                                             "interaction_to_next_paint": 32}}),
        {"type": 3, "data": {"source": 1, "positions": [
            {"x": 900, "y": 100, "id": 42, "timeOffset": -320}, {"x": 1191, "y": 32, "id": 51, "timeOffset": -30}]},
         "timestamp": 2900},
        _inter(2900, 1, 51, 1191, 32), _inter(2900, 6, 42), _inter(2901, 5, 51), _inter(2901, 0, 51, 1191, 32),
        _inter(2902, 2, 51, 1191, 32, 0),
        _rum(2905, {"type": "error", "error": {"message": "boom", "source": "source", "stack": None,
                                               "type": "Error"}}),
    ])


def _rum(t: int, payload: dict) -> dict:
    return {"type": 6, "data": {"plugin": RUM, "payload": payload}, "timestamp": t}


def test_compact4_writes_a_visit_in_fewer_forms_and_bytes():
    """compact@4 on a shop visit: a Meta event as [href, width, height]; a move item at its
    first position's time (its first time slot: the event's time less the last position's);
    a click's run as one item (blur and focus as differences from its id, null when the run
    has none); the RUM plugin's action at the click it came from (which click back, the date
    less its time, no position); a view's start and an error with their keys from the fixed
    table, a view update's fields the same way - the intake gets the very same events (key
    order included), and the batch is smaller gzipped than compact@3's."""
    evs = _shop_events()
    packed, strings = compact.encode(copy.deepcopy(evs), 4)
    assert strings == []   # every key is in the fixed table

    def k(name):
        return -1 - compact.NAMES.index(name)
    assert packed[0] == [4, 1000, ["http://shop/index.html", 1280, 800]]
    assert packed[1][2][1] == [compact.RUM_KEYED, [
        k("type"), "view", k("view"), [k("id"), "v1", k("url"), "http://shop/index.html", k("referrer"), None],
        k("browser"), [k("name"), "Chrome", k("version"), "156"], k("os"), [k("name"), "Linux"],
        k("display"), [k("viewport"), [k("width"), 1280, k("height"), 800]], k("user_agent"), "Mozilla/5.0"]]
    assert packed[2][2][1] == [compact.RUM_VIEW, [k("loading_time"), 179.3, k("cumulative_layout_shift"), 0]]
    # [12, 12, 22, 0, 38, 38, 0, 0, 917, -18, 20, 90]: 12 is "o" (24), 22 "I1" (44: 12 + 32, 1)
    assert packed[3] == [3, 1652 - 190 - 1020, [1, "ooI10I2I200GV1z1E1Q5"]]
    assert compact._varints("ooI10I2I200GV1z1E1Q5") == [12, 12, 22, 0, 38, 38, 0, 0, 917, -18, 20, 90]
    assert packed[4] == [3, 0, [2, compact.CLICK_RUN, 0, 0, 0, [1, 1, 2], None, 0, 0]]
    assert packed[5][2][1] == [compact.RUM_CLICK_ACTION, 0, -2, "Buy", "button#buy", [1]]
    assert packed[6][2][1][0] == compact.RUM_KEYED and packed[7][2][1][0] == compact.RUM_VIEW
    assert packed[9] == [3, 0, [2, compact.CLICK_RUN, 0, 0, 0, [0, 1, 0, 1], -9, 0, 0]]
    assert packed[10][2][1][0] == compact.RUM_KEYED   # an error: its keys from the table
    body = json.dumps({"session_id": "s", "encoding": compact.ENCODING_4, "events": packed}).encode()
    assert json.dumps(decode_body(body, None, Limits()).events) == json.dumps(evs)
    three, strings3 = compact.encode(copy.deepcopy(evs), 3)
    assert len(gzip.compress(json.dumps(packed).encode())) < len(gzip.compress(json.dumps([three, strings3]).encode()))


def test_compact4_still_decodes_the_older_forms_and_real_recordings():
    evs = _demo_events() + _pointer_events() + _shop_events()
    packed, strings = compact.encode(copy.deepcopy(evs), 4)
    body = json.dumps({"session_id": "s", "encoding": compact.ENCODING_4, "strings": strings,
                       "events": packed}).encode()
    assert decode_body(body, None, Limits()).events == evs


# ---- compact@5 ----------------------------------------------------------------------------------

UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"


def test_compact5_leaves_the_browsers_user_agent_to_the_requests_header():
    """A page's first view carries the browser's user agent: compact@5 writes it as null and
    the intake takes it from the User-Agent header of the request (the same events back, key
    order included); another user agent goes as it is; without a header the key is left out
    (not null: the page had one); compact@4 reads a null as a null."""
    evs = _shop_events()
    start = evs[1]["data"]["payload"]
    start["user_agent"] = UA
    other = _rum(2661, {"type": "view", "view": {"id": "v3", "url": "http://shop/", "referrer": None},
                        "user_agent": "Other/1.0"})
    evs = _wire(evs + [other])
    packed, strings = compact.encode(copy.deepcopy(evs), 5, user_agent=UA)
    assert UA not in json.dumps(packed) and "Other/1.0" in json.dumps(packed)
    four, _ = compact.encode(copy.deepcopy(evs), 4, user_agent=UA)
    saved = len(gzip.compress(json.dumps(four).encode())) - len(gzip.compress(json.dumps(packed).encode()))
    assert saved > len(UA) // 2
    body = json.dumps([compact.ENCODING_5, "s", "p.0", packed]).encode()
    assert json.dumps(decode_request(body, None, Limits(), UA)[0].events) == json.dumps(evs)
    headless = decode_request(body, None, Limits())[0].events
    assert "user_agent" not in headless[1]["data"]["payload"]
    assert headless[-1]["data"]["payload"]["user_agent"] == "Other/1.0"
    as_four = json.dumps([compact.ENCODING_4, "s", "p.0", packed]).encode()
    assert decode_request(as_four, None, Limits(), UA)[0].events[1]["data"]["payload"]["user_agent"] is None


V4_VIEW = [6, 0, [RUM, [compact.RUM_KEYED, [-1 - compact.NAMES.index("type"), "view",
                                            -1 - compact.NAMES.index("view"), ["id", "v", "url", "u", "referrer", None]]]]]
CLICK = [3, 0, [2, compact.CLICK_RUN, 5, 10, 10, [0, 0], None, None, 0]]


@pytest.mark.parametrize("events_, what", [
    ([[4, 0, ["http://a/", 1280]]], "[href, width, height]"),
    ([[3, 0, [1, ""]]], "no positions"),
    ([[3, 0, [1, [1, 2, 3, 4]]]], "its numbers as a string"),
    ([[3, 0, [1, "246"]]], "4-tuples"),
    ([[3, 0, [1, "2460!"]]], "not in VARINT_DIGITS"),
    ([[3, 0, [1, "246W"]]], "ends inside a number"),
    ([[3, 0, [1, "246" + "W" * 11]]], "more than 10 digits"),
    ([[3, 0, [2, compact.CLICK_RUN, 5, 10, 10, [0, 0], None, None]]], "a click run is"),
    ([[3, 0, [2, compact.CLICK_RUN, 5, 10, 10, [0, 0.5], None, None, 0]]], "a click run is"),
    ([[3, 0, [2, compact.CLICK_RUN, 5, 10, 10, [0], None, None, 0]]], "has 1 gaps"),
    ([[3, 0, [2, compact.CLICK_RUN, 5, 10, 10, [0, 0, 0], None, None, 0]]], "has 3 gaps"),
    ([[3, 0, [2, compact.CLICK_RUN, 5, 10, 10, [0, 0], "4", None, 0]]], "a click run is"),
    ([[6, 0, [RUM, [compact.RUM_CLICK_ACTION, 0, -2, "Buy", "b"]]]], "the batch has 0 before it"),
    ([CLICK, [6, 0, [RUM, [compact.RUM_CLICK_ACTION, 1, -2, "Buy", "b"]]]], "the batch has 1 before it"),
    ([CLICK, [6, 0, [RUM, [compact.RUM_CLICK_ACTION, -1, -2, "Buy", "b"]]]], "the batch has 1 before it"),
    ([CLICK, [6, 0, [RUM, [compact.RUM_CLICK_ACTION, 0, -2, "Buy", "b", [7]]]]], "frustration codes"),
    ([CLICK, [6, 0, [RUM, [compact.RUM_CLICK_ACTION, 0, 0.5, "Buy", "b"]]]], "a click action at a click is"),
    ([[6, 0, [RUM, [compact.RUM_KEYED, ["type"]]]]], "2-tuples"),
    ([[6, 0, [RUM, [compact.RUM_KEYED, ["type", "view", "type", "view"]]]]], "repeats the key 'type'"),
    ([[6, 0, [RUM, [compact.RUM_KEYED, [9, "view"]]]]], "outside the batch's 0 strings"),
    ([[6, 0, [RUM, [compact.RUM_KEYED, {"type": "view"}]]]], "[5, [name, value, ...]]"),
    ([V4_VIEW, [6, 0, [RUM, [compact.RUM_VIEW, ["url", "x"]]]]], "but id, url, referrer"),
    ([[6, 0, [RUM, [compact.RUM_VIEW, ["cumulative_layout_shift", 0]]]]], "none came before it"),
])
def test_bad_compact4_data_is_one_clear_400(events_, what):
    _refused(compact.ENCODING_4, events_, [], what)


def test_a_bad_compact4_batch_stores_nothing(tmp_path):
    """A compact@4 batch that does not decode is refused whole by the live intake: nothing
    of it is stored, not even its good events before the bad one."""
    apps = Applications(tmp_path)
    app, _ = apps.create("shop")
    live = LiveIntake(Store.open(tmp_path), parse_rules('default = "allow"'))
    packed, _ = compact.encode(_shop_events(), 4)
    packed.append([6, 0, [RUM, [compact.RUM_CLICK_ACTION, 9, 0, "Buy", "b"]]])
    body = json.dumps({"session_id": "bad-4", "encoding": compact.ENCODING_4, "events": packed}).encode()
    with pytest.raises(WireError) as err:
        live.accept(app, decode_body(body, None, Limits()))
    assert err.value.status == Status.BAD_REQUEST and "9 back" in str(err.value)
    with Store.open(tmp_path) as store:
        assert "bad-4" not in [s.session_id for s in store.sessions()]
    apps.close()


def test_compact4_body_may_be_an_array_of_its_fields():
    """A compact@4 body as capture.js posts it, `[encoding, session_id, batch_id, events,
    strings?, user?, context?]` (compact.BODY_FIELDS), is the same batch as the object with
    those keys; an array body of an older encoding, or one cut short, is one clear 400."""
    evs = _shop_events() + [_inter(3000, 2, 7, 1, 2, 0)]
    packed, strings = compact.encode(copy.deepcopy(evs), 4)
    packed.append([3, 1, [0, [], [0, [0, "on"]], [], []]])   # a name from the batch's strings
    strings = strings + ["data-on"]
    user = {"id": "42", "name": None, "email": None}
    as_object = {"session_id": "s", "batch_id": "p.0", "encoding": compact.ENCODING_4,
                 "strings": strings, "events": packed, "user": user, "context": {"plan": "pro"}}
    as_array = [compact.ENCODING_4, "s", "p.0", packed, strings, user, {"plan": "pro"}]
    assert dict(zip(compact.BODY_FIELDS, as_array)) == as_object
    one = decode_body(json.dumps(as_object).encode(), None, Limits())
    two = decode_body(json.dumps(as_array, separators=(",", ":")).encode(), None, Limits())
    assert two == one and two.events[-1]["data"]["attributes"] == [{"id": 0, "attributes": {"data-on": "on"}}]
    short = decode_body(json.dumps([compact.ENCODING_4, "s", None, packed[:3]]).encode(), None, Limits())
    assert short.batch_id is None and short.events == evs[:3] and short.user is None
    # a page's first batch names the batch of the previous page it follows (order.py), last
    first = decode_body(json.dumps(as_array + ["prev.3"]).encode(), None, Limits())
    assert first.after == "prev.3" and first.user == one.user and one.after is None
    assert decode_body(json.dumps(dict(as_object, after="prev.3")).encode(), None,
                       Limits()) == first
    with pytest.raises(WireError) as err:
        decode_body(json.dumps(as_array + ["p" * 65]).encode(), None, Limits())
    assert err.value.status == Status.BAD_REQUEST and "after must be a batch_id" in str(err.value)
    for body, what in ((["compact@3", "s", "p.0", [[3, 0, [2, 1, 0]]]], "compact@4's"),
                       ([compact.ENCODING_4, "s", "p.0"], "not an events batch"),
                       ([None, "s", "p.0", packed], "not an events batch")):
        with pytest.raises(WireError) as err:
            decode_body(json.dumps(body).encode(), None, Limits())
        assert err.value.status == Status.BAD_REQUEST and what in str(err.value), str(err.value)


# ---- compact@6 ----------------------------------------------------------------------------------

DOCTYPE = {"type": 1, "name": "html", "publicId": "", "systemId": "", "id": 2}


def _page_start() -> list[dict]:
    """A page's first batch as capture.js posts it, shortened: its Meta (with the visitor's
    media features), a snapshot with its
    `<!doctype html>`, the RUM plugin's view start and resources (one with its response's
    content type: the keyed form), a final view update with its time spent."""
    view = {"id": "v1", "url": "http://shop/index.html", "referrer": None}
    doc = {"type": 0, "childNodes": [dict(DOCTYPE), {   # numbered in page order (compact@2)
        "type": 2, "tagName": "html", "attributes": {}, "childNodes": [], "id": 3}], "id": 1}
    return _wire([
        {"type": 4, "data": {"href": view["url"], "width": 1280, "height": 800, "mediaFeatures": {
            "prefers-color-scheme": "dark", "prefers-reduced-motion": "no-preference",
            "prefers-contrast": "no-preference"}}, "timestamp": 1796454327254},
        {"type": 2, "data": {"node": doc, "initialOffset": {"left": 0, "top": 0}}, "timestamp": 1796454327261},
        _rum(1796454327261, {"type": "view", "view": dict(view), "display": {"viewport": {
            "width": 1280, "height": 800}}, "date": 1796454327241}),
        *(_rum(1796454327290 + i, {"type": "resource", "date": 1796454327227 + i, "resource": {
            "url": f"http://shop/api/{i}", "method": "GET", "status_code": 404, "duration": 35.5,
            "size": 335, "type": "fetch", "content_type": "text/html;charset=utf-8"}}) for i in range(3)),
        _rum(1796454327300, {"type": "resource", "date": 1796454327227.5, "resource": {
            "url": "http://shop/a", "method": "GET", "status_code": 200, "duration": 1,
            "size": 1, "type": "fetch", "content_type": "text/css"}}),
        _rum(1796454333000, {"type": "view", "view": dict(view, loading_time=84.5, time_spent=5759)}),
    ])


def test_compact6_writes_a_pages_start_in_fewer_bytes():
    """compact@6 on a page's start: its Meta [href, width, height, features] (the features
    keyed, their names from the fixed table), its doctype [1, "html"], a keyed RUM payload's integer
    date the difference from its event's time (a date that is not an integer as it is), the
    RUM plugin's `content_type` and `time_spent` from the fixed table - the intake gets the
    very same events (key order included), and the batch is smaller deflated than
    compact@5's; a compact@5 batch still reads its dates and doctypes as they were."""
    evs = _page_start()
    packed, strings = compact.encode(copy.deepcopy(evs), 6)
    assert strings == []   # content_type, time_spent, the media features: the fixed table's
    assert packed[0][2] == ["http://shop/index.html", 1280, 800, [
        -1 - compact.NAMES.index("prefers-color-scheme"), "dark",
        -1 - compact.NAMES.index("prefers-reduced-motion"), "no-preference",
        -1 - compact.NAMES.index("prefers-contrast"), "no-preference"]]
    assert packed[1][2][0][1][0] == [1, "html"]
    date = -1 - compact.NAMES.index("date")
    dates = [e[2][1][1][e[2][1][1].index(date) + 1] for e in packed
             if e[0] == 6 and e[2][1][0] == compact.RUM_KEYED and date in e[2][1][1]]
    assert dates == [-20, -63, -63, -63, 1796454327227.5]
    assert type(dates[-1]) is float
    body = json.dumps([compact.ENCODING_6, "s", "p.0", packed]).encode()
    assert json.dumps(decode_request(body, None, Limits(), UA)[0].events) == json.dumps(evs)
    five, strings5 = compact.encode(copy.deepcopy(evs), 5)
    assert strings5 == ["content_type", "time_spent"] and five[1][2][0][1][0][0] == 1
    assert isinstance(five[0][2], dict)   # compact@5's Meta form had no media features

    def deflated(events_, strings_):
        return len(zlib.compress(json.dumps([compact.ENCODING_6, "s", "p.0", events_, strings_],
                                            separators=(",", ":")).encode(), 6))
    assert deflated(packed, strings) < deflated(five, strings5) - 80
    # a compact@5 batch's integer date is a date, its doctype [1, {keys}]
    as_five = json.dumps([compact.ENCODING_5, "s", "p.0", five, strings5]).encode()
    assert json.dumps(decode_request(as_five, None, Limits())[0].events) == json.dumps(evs)
    without_doctype = five[:1] + packed[2:]
    read_as_five = decode_request(json.dumps([compact.ENCODING_5, "s", "p.0", without_doctype]).encode(),
                                  None, Limits())[0].events
    assert read_as_five[1]["data"]["payload"]["date"] == -20


@pytest.mark.parametrize("events_, what", [
    ([[2, 0, [[0, [[1, "html", "", "", ""]]]] + SNAP]], "a doctype is [1, name, publicId?, systemId?]"),
    ([[2, 0, [[0, [[1, "html", 4]]]] + SNAP]], "a doctype is [1, name, publicId?, systemId?]"),
    ([[2, 0, [[0, [[1, "html", None]]]] + SNAP]], "a doctype is [1, name, publicId?, systemId?]"),
    ([[4, 0, ["http://a/", 1280, 800, {"prefers-contrast": "more"}]]], "media features are [name, value"),
    ([[4, 0, ["http://a/", 1280, 800, ["prefers-contrast"]]]], "2-tuples"),
    ([[4, 0, ["http://a/", 1280]]], "or [href, width, height, features]"),
])
def test_bad_compact6_data_is_one_clear_400(events_, what):
    _refused(compact.ENCODING_6, events_, [], what)
