"""The compiled check that lets a mutation event skip msgspec's conversion
(recorder.schema_check): every event it passes converts into format.KnownEvent, so the
validation's verdicts are the ones msgspec gives; and it passes a real page's mutations."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import msgspec
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from recorder import schema_check
from recorder.format import KnownEvent, decode_json, invalid_events

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _source_module():
    """schema_check run from its source, beside the (maybe compiled) module imported above."""
    spec = importlib.util.spec_from_file_location(
        "recorder.schema_check_source", Path(schema_check.__file__).with_name("schema_check.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SOURCE = _source_module()


def _converts(raw) -> bool:
    try:
        msgspec.convert(raw, KnownEvent)
        return True
    except msgspec.ValidationError:
        return False


# values of every type a field may wrongly hold, and the right ones
ANY = st.one_of(st.none(), st.booleans(), st.integers(-2**65, 2**65), st.floats(), st.text(max_size=3),
                st.just([]), st.just({}), st.just({"a": 1}), st.just([{"id": 1}]))


def mostly(right, wrong=ANY):
    """`right` nine times in ten, else `wrong`: one wrong field in an otherwise right event
    is what the check must catch."""
    return st.sampled_from([True] * 9 + [False]).flatmap(lambda ok: right if ok else wrong)


INT = mostly(st.integers(-2**65, 2**65))
KEY = st.sampled_from(["id", "parentId", "nextId", "previousId", "node", "value", "attributes",
                       "type", "textContent", "tagName", "childNodes", "isSVG", "isShadow",
                       "rootId", "name", "extra"]) | st.integers(0, 2)
NODE = st.recursive(
    st.fixed_dictionaries({"type": mostly(st.sampled_from([2, 3, 5]), st.just(7) | ANY),
                           "id": INT},
                          optional={"textContent": mostly(st.text(max_size=3)),
                                    "tagName": mostly(st.sampled_from(["div", "span"])),
                                    "attributes": mostly(st.dictionaries(
                                        mostly(st.text(max_size=2), st.integers(0, 2)),
                                        mostly(st.text(max_size=2) | st.integers() | st.none()),
                                        max_size=2)),
                                    "isSVG": mostly(st.booleans()),
                                    "rootId": INT}),
    lambda kids: st.fixed_dictionaries({"type": st.just(2), "id": INT,
                                        "childNodes": mostly(st.lists(kids, max_size=3))}),
    max_leaves=6)
ITEM = st.dictionaries(KEY, INT | NODE, max_size=4)
TEXT = st.fixed_dictionaries({"id": INT, "value": mostly(st.text(max_size=3) | st.none())})
ATTR = st.fixed_dictionaries({"id": INT, "attributes": mostly(st.dictionaries(
    mostly(st.text(max_size=2), st.integers(0, 2)), ANY, max_size=2))})
REMOVE = st.fixed_dictionaries({"parentId": INT, "id": INT},
                               optional={"isShadow": mostly(st.booleans())})
ADD = st.fixed_dictionaries({"parentId": INT, "node": NODE},
                            optional={"nextId": mostly(st.integers() | st.none()),
                                      "previousId": mostly(st.integers() | st.none())})
DATA = st.fixed_dictionaries(
    {"source": mostly(st.just(0))},
    optional={"texts": mostly(st.lists(mostly(TEXT, ITEM), max_size=3)),
              "attributes": mostly(st.lists(mostly(ATTR, ITEM), max_size=3)),
              "removes": mostly(st.lists(mostly(REMOVE, ITEM), max_size=3)),
              "adds": mostly(st.lists(mostly(ADD, ITEM), max_size=3)),
              "isAttachIframe": mostly(st.booleans() | st.none())})
EVENT = st.fixed_dictionaries({"type": mostly(st.just(3)), "data": mostly(DATA),
                               "timestamp": mostly(st.integers(0, 2**45) | st.floats())})


@settings(max_examples=1000, deadline=None)
@given(EVENT)
@example({"type": 3, "timestamp": 1, "data": {"source": 0, "removes": [{"parentId": 1, "id": True}]}})
@example({"type": 3, "timestamp": 1, "data": {"source": 0, "texts": [{"id": 1}]}})
@example({"type": 3, "timestamp": 1, "data": {"source": 0, "adds": [
    {"parentId": 1, "nextId": None, "node": {"type": 9, "id": 2}}]}})
@example({"type": 3, "timestamp": 1, "data": {"source": 0, "attributes": [
    {"id": 1, "attributes": {0: "x"}}]}})
@example({"type": 3, "timestamp": 1, "data": {"source": 0, "adds": None}})
def test_an_event_the_check_passes_is_one_msgspec_converts(raw):
    fits = SOURCE._fits(raw)
    if fits:
        assert _converts(raw), raw
    if schema_check.COMPILED:
        assert schema_check.fits_mutation(raw) == fits
    else:
        assert not schema_check.fits_mutation(raw)


def test_a_tree_deeper_than_the_walk_is_left_to_msgspec():
    node = {"type": 3, "textContent": "x", "id": 1}
    for i in range(SOURCE.MAX_WALK_DEPTH + 2):
        node = {"type": 2, "tagName": "div", "attributes": {}, "childNodes": [node], "id": i + 2}
    raw = {"type": 3, "timestamp": 1, "data": {"source": 0, "adds": [
        {"parentId": 1, "nextId": None, "node": node}]}}
    assert not SOURCE._fits(raw) and _converts(raw)


def test_a_real_page_s_mutations_skip_the_conversion_and_bad_ones_are_still_named():
    events = decode_json((FIXTURES / "rrweb-player-demo.json").read_bytes())
    mutations = [e for e in events if e["type"] == 3 and e["data"].get("source") == 0]
    assert mutations and all(SOURCE._fits(e) for e in mutations)
    broken = {**mutations[0], "data": {**mutations[0]["data"], "removes": [{"id": 1}]}}
    bad = invalid_events([*events[:3], broken], 10)
    assert list(bad) == [3] and "event #13" in str(bad[3]) and "parentId" in str(bad[3])


@pytest.mark.parametrize("raw", [
    {"type": 2, "timestamp": 1, "data": {"node": {"type": 0, "id": 1}, "initialOffset": {}}},
    {"type": 3, "timestamp": 1, "data": {"source": 1, "positions": []}},
    {"type": 3, "timestamp": True, "data": {"source": 0}},
    {"type": 3.0, "timestamp": 1, "data": {"source": 0}}])
def test_other_events_are_left_to_msgspec(raw):
    assert not SOURCE._fits(raw)


def test_the_check_reads_its_fields_off_format_py():
    """The Structs' fields are read off format.py at import; the attribute values it lets
    through are format.AttrValue's."""
    import typing
    from recorder.format import AttrValue, RemovedNode
    assert typing.get_args(AttrValue) == (str, int, float, bool, type(None), dict)
    fields, required = SOURCE._shape(RemovedNode)
    assert set(fields) == {"parentId", "id", "isShadow"} and required == 2
