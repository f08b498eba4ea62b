"""replay_tools.calibration: what it says of a recording is exactly what is in it."""
from __future__ import annotations

import gzip

import pytest

from recorder.format import CONSOLE_PLUGIN, encode_json
from replay_tools.calibration import (describe, distance, gap, kind_of, sizes,
                                      total_variation)

T0 = 1_700_000_000_000


def _snapshot() -> dict:
    body = {"type": 2, "tagName": "body", "attributes": {}, "childNodes": [
        {"type": 2, "tagName": "p", "attributes": {"class": "x"}, "childNodes": [
            {"type": 3, "textContent": "hi", "id": 5}], "id": 4}], "id": 3}
    html = {"type": 2, "tagName": "html", "attributes": {}, "childNodes": [body], "id": 2}
    return {"node": {"type": 0, "childNodes": [html], "id": 1}, "initialOffset": {"left": 0, "top": 0}}


def _mutation(adds=(), removes=(), texts=(), attributes=()) -> dict:
    return {"source": 0, "adds": list(adds), "removes": list(removes), "texts": list(texts),
            "attributes": list(attributes)}


def hand_made() -> list[dict]:
    """8 events over 4 s: 3 mutations with known adds/removes/texts/attribute changes."""
    m1 = _mutation(adds=[{"parentId": 3, "nextId": None, "node": {"type": 2, "tagName": "em", "attributes": {},
                                                                   "childNodes": [], "id": 6}},
                         {"parentId": 6, "nextId": None, "node": {"type": 3, "textContent": "new", "id": 7}}],
                   texts=[{"id": 5, "value": "hello"}],
                   attributes=[{"id": 4, "attributes": {"class": "a", "title": None}}])
    m2 = _mutation(removes=[{"parentId": 3, "id": 6}], texts=[{"id": 5, "value": "ab"}, {"id": 5, "value": "abcd"}])
    m3 = _mutation(attributes=[{"id": 4, "attributes": {"style": {"width": "10%"}}}])
    move = {"source": 1, "positions": [{"x": 1, "y": 2, "id": 4, "timeOffset": 0}]}
    log = {"plugin": CONSOLE_PLUGIN, "payload": {"level": "log", "trace": [], "payload": ['"hi"']}}
    return [
        {"type": 4, "data": {"href": "https://example.test/", "width": 800, "height": 600}, "timestamp": T0},
        {"type": 2, "data": _snapshot(), "timestamp": T0 + 10},
        {"type": 3, "data": m1, "timestamp": T0 + 1000},
        {"type": 3, "data": move, "timestamp": T0 + 1500},
        {"type": 3, "data": m2, "timestamp": T0 + 2000},
        {"type": 3, "data": move, "timestamp": T0 + 2500},
        {"type": 6, "data": log, "timestamp": T0 + 3000},
        {"type": 3, "data": m3, "timestamp": T0 + 4000},
    ]


def test_kinds_counts_and_shares_are_what_the_recording_holds():
    events = hand_made()
    d = describe(events)
    assert d.events == 8
    assert d.bytes == len(encode_json(events))          # the JSON array, byte for byte
    assert {k: v.events for k, v in d.kinds.items()} == {
        "Meta": 1, "FullSnapshot": 1, "Mutation": 3, "MouseMove": 2, f"Plugin {CONSOLE_PLUGIN}": 1}
    assert d.kinds["Mutation"].event_share == pytest.approx(3 / 8)
    mutation_json = [len(encode_json(e)) for e in events if kind_of(e) == "Mutation"]
    assert d.kinds["Mutation"].bytes == sum(mutation_json) + 3   # one separator each
    assert d.kinds["Mutation"].size.mean == pytest.approx(sum(mutation_json) / 3)
    assert d.kinds["Mutation"].size.p50 == sorted(mutation_json)[1]
    assert sum(k.byte_share for k in d.kinds.values()) == pytest.approx(1.0)
    assert sum(k.event_share for k in d.kinds.values()) == pytest.approx(1.0)
    # the kinds are listed by their bytes, most first
    listed = [k.bytes for k in d.kinds.values()]
    assert listed == sorted(listed, reverse=True) and next(iter(d.kinds)) == "Mutation"


def test_mutation_shape_counts_every_change():
    m = describe(hand_made(), compress=False).mutation
    assert m.events == 3
    assert m.adds.mean == pytest.approx(2 / 3)
    assert m.removes.mean == pytest.approx(1 / 3)
    assert m.texts.mean == pytest.approx(1.0) and m.texts.p50 == 1
    assert m.attributes.mean == pytest.approx(1.0)     # 2 + 0 + 1 attribute changes
    assert m.added_text_share == pytest.approx(0.5)
    assert m.text_value.mean == pytest.approx((5 + 2 + 4) / 3)
    # "a" and the style diff's JSON ({"width":"10%"}); a removal (None) has no value
    assert m.attribute_value.mean == pytest.approx((1 + len('{"width":"10%"}')) / 2)


def test_time_density_per_span_and_per_second():
    d = describe(hand_made(), compress=False)
    assert d.duration_s == 4.0
    assert d.events_per_s == 2.0
    # one-second windows hold 2, 2, 2, 1, 1 events
    assert d.per_second.mean == pytest.approx(8 / 5)
    assert d.per_second.p50 == 2


def test_compressibility_is_gzip_6_of_the_array_and_per_kind_alone():
    events = hand_made()
    d = describe(events)
    assert d.gzip_ratio == pytest.approx(d.bytes / len(gzip.compress(encode_json(events), 6, mtime=0)))
    assert d.stored_ratio > 0 and d.stored_vs_gzip == pytest.approx(d.stored_ratio / d.gzip_ratio)
    # a hundred more identical mouse moves compress that kind far better, and leave the
    # other kinds' figures alone: each kind is measured on its own events
    more = events + [dict(events[3], timestamp=T0 + 4000) for _ in range(100)]
    d2 = describe(more)
    assert d2.kinds["MouseMove"].gzip_ratio > 5 * d.kinds["MouseMove"].gzip_ratio
    assert d2.kinds["MouseMove"].stored_ratio > 5 * d.kinds["MouseMove"].stored_ratio
    for kind in ("Mutation", "FullSnapshot", "Meta"):
        assert d2.kinds[kind].gzip_ratio == d.kinds[kind].gzip_ratio
        assert d2.kinds[kind].stored_ratio == d.kinds[kind].stored_ratio


def test_an_empty_recording_describes_as_nothing():
    d = describe([])
    assert d.events == 0 and d.kinds == {} and d.events_per_s == 0.0
    assert d.gzip_ratio is None and d.mutation.events == 0


def test_sizes_and_gaps():
    s = sizes([1, 2, 3, 4, 100])
    assert (s.mean, s.p50) == (22.0, 3.0)
    assert s.p95 == pytest.approx(80.8)       # numpy's linear interpolation
    assert gap(2.0, 1.0) == 0.5 and gap(3.0, 3.0) == 0.0 and gap(0.0, 5.0) == 1.0
    assert gap(None, None) == 0.0 and gap(None, 1.0) == 1.0
    assert total_variation({"a": 0.5, "b": 0.5}, {"a": 1.0}) == pytest.approx(0.5)
    assert total_variation({"a": 1.0}, {"b": 1.0}) == 1.0


def test_distance_is_zero_to_itself_and_grows_with_the_difference():
    events = hand_made()
    d = describe(events)
    same = distance(d, describe(events))
    assert same.score == 0.0 and same.closeness == 1.0
    assert set(same.errors) >= {"event mix (TV)", "byte mix (TV)", "adds per mutation", "events/s",
                                "gzip -6 ratio", "stored ratio", "stored ratio per kind"}
    # the same events twice as fast: only the time density figures move
    fast = [dict(e, timestamp=T0 + (e["timestamp"] - T0) // 2) for e in events]
    df = distance(d, describe(fast))
    assert df.errors["events/s"] == pytest.approx(0.5)
    assert df.errors["event mix (TV)"] == 0.0 and df.errors["byte mix (TV)"] == 0.0
    assert df.errors["stored ratio"] < 0.01     # the timestamps differ a little less
    assert 0.0 < df.score < 0.1
    # without its mutations the recording is much further away
    no_mut = [e for e in events if kind_of(e) != "Mutation"]
    dn = distance(d, describe(no_mut))
    assert dn.errors["event mix (TV)"] == pytest.approx(3 / 8)
    assert dn.errors["adds per mutation"] == 1.0
    assert dn.score > df.score
