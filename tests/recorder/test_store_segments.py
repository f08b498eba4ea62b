"""The segment file format: round trip, framing, checksums, cutting sessions into segments."""
from __future__ import annotations

import pytest

from recorder.segments import BYTES_LIMIT, COLUMNS, COMPACT_CODEC, DELTAS, INIT, LIVE_CODEC, \
    PLAIN, RECORDS_LIMIT, T_COLUMNS, T_TREES, TREES, VIEW_CHANGE, Codec, SegmentDamaged, decode_segment, \
    describe, encode_segment, plan_segments, read_header

TREES_QUICK = Codec(level=3, window_log=0, layout=TREES)   # the tree path at a quick level
ALL_LAYOUTS = [Codec(level=3, layout=COLUMNS), Codec(level=3, layout=DELTAS),
               Codec(level=3, layout=PLAIN)]


def _events(n: int, start: int = 1_700_000_000_000) -> list[dict]:
    return [{"type": 3, "timestamp": start + i * 10,
             "data": {"source": 1, "positions": [{"x": i, "y": 2 * i, "id": 1, "timeOffset": 0}]}}
            for i in range(n)]


@pytest.mark.parametrize("codec", [LIVE_CODEC, COMPACT_CODEC, Codec(level=5, window_log=0),
                                   Codec(level=19, window_log=27, layout=DELTAS)])
def test_segment_round_trips_events_and_metadata(codec):
    events = _events(50) + [{"type": 99, "timestamp": 1, "data": {"weird": [1, {"x": None}]},
                             "extra": "kept"}]
    meta = describe(events, 7, VIEW_CHANGE, "v3")
    blob = encode_segment("sess-1", meta, events, codec)
    header, back = decode_segment(blob)
    assert back == events
    assert header["session"] == "sess-1"
    assert header["index"] == 7 and header["view_id"] == "v3"
    assert header["record_count"] == 51 and header["creation_reason"] == VIEW_CHANGE
    assert header["start_ms"] == 1 and header["end_ms"] == events[49]["timestamp"]
    assert meta.bytes == len(blob) and meta.raw_bytes > 0
    assert read_header(blob)["codec"]["level"] == codec.level


@pytest.mark.parametrize("codec", ALL_LAYOUTS, ids=lambda c: c.layout)
def test_every_truncation_is_detected(codec):
    events = _events(20)
    blob = encode_segment("s", describe(events, 0, INIT, None), events, codec)
    for cut in range(0, len(blob), max(1, len(blob) // 40)):
        with pytest.raises(SegmentDamaged):
            decode_segment(blob[:cut])
    with pytest.raises(SegmentDamaged):
        decode_segment(blob + b"\0")


@pytest.mark.parametrize("codec", ALL_LAYOUTS, ids=lambda c: c.layout)
def test_flipped_bits_anywhere_are_detected(codec):
    events = _events(20)
    blob = encode_segment("s", describe(events, 0, INIT, None), events, codec)
    for pos in range(0, len(blob), 7):
        bad = bytearray(blob)
        bad[pos] ^= 0x10
        with pytest.raises(SegmentDamaged):
            decode_segment(bytes(bad))


def test_not_a_segment():
    with pytest.raises(SegmentDamaged, match="magic"):
        decode_segment(b"PK\x03\x04" + b"\0" * 40)


def test_missing_dictionary_is_reported_not_crashed():
    import zstandard
    samples = [repr(_events(5, start=i)).encode() for i in range(200)]
    zdict = zstandard.train_dictionary(4096, samples)
    events = _events(10)
    codec = Codec(level=3, window_log=0, dict_id=zdict.dict_id())
    blob = encode_segment("s", describe(events, 0, INIT, None), events, codec, zdict)
    assert decode_segment(blob, lambda i: zdict if i == zdict.dict_id() else None)[1] == events
    with pytest.raises(SegmentDamaged, match="dictionary"):
        decode_segment(blob, lambda i: None)


def test_plan_cuts_at_views_and_caps():
    meta = {"type": 4, "timestamp": 0, "data": {"href": "https://a/", "width": 1, "height": 1}}
    full = {"type": 2, "timestamp": 0, "data": {"node": {"type": 0, "id": 1, "childNodes": []},
                                                "initialOffset": {"left": 0, "top": 0}}}
    evs = [meta, full] + _events(25) + [meta, full] + _events(3) + [full] + _events(2)
    cuts = plan_segments(evs, max_records=10)
    # every event exactly once, in order
    assert [i for a, b, _ in cuts for i in range(a, b)] == list(range(len(evs)))
    starts = {a: r for a, _, r in cuts}
    assert starts[0] == INIT
    assert starts[27] == VIEW_CHANGE          # Meta begins a view (its snapshot follows it)
    assert 28 not in starts                   # ...not split between Meta and FullSnapshot
    assert starts[32] == VIEW_CHANGE          # a FullSnapshot without Meta (checkout)
    assert RECORDS_LIMIT in starts.values()
    assert all(b - a <= 10 for a, b, _ in cuts)


def test_plan_respects_byte_cap():
    evs = _events(100)
    cuts = plan_segments(evs, [100] * 100, max_bytes=1000)
    assert all(b - a <= 10 for a, b, _ in cuts)
    assert {r for _, _, r in cuts[1:]} == {BYTES_LIMIT}


# --- the payload transform is invisible: any events come back exactly --------------------
from hypothesis import given, settings, strategies as st  # noqa: E402

_num = st.one_of(st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=False), st.booleans())
_pos = st.one_of(
    st.fixed_dictionaries({"x": st.integers(-2**40, 2**40), "y": st.integers(-5000, 5000),
                           "id": st.integers(0, 10**6), "timeOffset": st.integers(-999, 0)}),
    st.dictionaries(st.sampled_from(["x", "y", "id", "timeOffset", "z"]), _num, max_size=5),
)
_event = st.fixed_dictionaries({
    "type": st.sampled_from([3, 3, 3, 2, 6, 77]),
    "timestamp": st.one_of(st.integers(-2**63, 2**63 - 1), st.integers(1_600_000_000_000,
                           1_800_000_000_000), st.floats(allow_nan=False, allow_infinity=False)),
    "data": st.fixed_dictionaries({"source": st.sampled_from([1, 6, 12, 0, 5]),
                                   "positions": st.one_of(st.lists(_pos, max_size=6),
                                                          st.lists(_num, max_size=3))}),
})


@pytest.mark.parametrize("layout", [DELTAS, COLUMNS])
@settings(max_examples=150, deadline=None)
@given(st.lists(_event, min_size=1, max_size=20))
def test_transformed_payload_round_trips_exactly(layout, events):
    codec = Codec(level=1, window_log=0, layout=layout)
    blob = encode_segment("s", describe(events, 0, INIT, None), events, codec)
    back = decode_segment(blob)[1]
    assert back == events
    # same types too (an int stays an int, a float a float, a bool a bool)
    assert [type(e["timestamp"]) for e in back] == [type(e["timestamp"]) for e in events]
    assert repr(back) == repr(events)


# --- the column layout: every event comes back exactly, whatever its shape ---------------
import math  # noqa: E402
import zlib  # noqa: E402
import base64  # noqa: E402

import zstandard  # noqa: E402

from recorder import segments  # noqa: E402
from recorder.format import decode_msgpack, encode_msgpack  # noqa: E402
from replay_tools.generator import generate_session, hostile_session  # noqa: E402


def _round_trip(events: list, codec: Codec = TREES_QUICK) -> list:
    meta = segments.SegmentMeta(index=0, start_ms=0, end_ms=0, record_count=len(events),
                                has_full_snapshot=False, creation_reason=INIT)
    header, back = decode_segment(encode_segment("s", meta, events, codec))
    assert header["codec"]["transform"] == (T_COLUMNS if codec.layout == COLUMNS else
                                            header["codec"]["transform"])
    # byte-identical: same values, same types (int/float/bool), same key order
    assert encode_msgpack(back) == encode_msgpack(events)
    return back


def _columns(events: list) -> dict:
    return decode_msgpack(segments.payload_bytes(events, TREES_QUICK))


@pytest.mark.parametrize("codec", [TREES_QUICK, LIVE_CODEC, COMPACT_CODEC])
def test_columns_round_trip_the_real_2018_fixture(demo_events, codec):
    assert _round_trip(demo_events, codec) == demo_events


def test_columns_round_trip_a_generated_session_through_the_column_path():
    events = list(generate_session(20_000, 20 * 60_000, seed=5))
    _round_trip(events, COMPACT_CODEC)
    c = _columns(events)
    assert c["raw"] == []                         # every generated event went into columns
    pointer = [k for k, entry in enumerate(c["table"]) if entry and entry[2] == 1]
    assert sum(sum(c["cols"][k][1]) for k in pointer) > 10_000   # ...moves as pointer columns
    assert len(c["kinds"]) == len(events)


def test_columns_round_trip_the_hostile_recording():
    events = hostile_session()
    assert _round_trip(events) == events


ODD_EVENTS = [
    {"type": 3, "data": {"source": 1, "positions": [{"x": 1.5, "y": 2, "id": 3, "timeOffset": 0}]}, "timestamp": 10},
    {"type": 3, "data": {"source": 1, "positions": [{"x": 1, "y": 2, "id": 3}]}, "timestamp": 11},
    {"type": 3, "data": {"source": 1, "positions": [{"y": 2, "x": 1, "id": 3, "timeOffset": 0}]}, "timestamp": 11},
    {"type": 3, "data": {"source": 1, "positions": [{"x": True, "y": 2, "id": 3, "timeOffset": 0}]}, "timestamp": 12},
    {"type": 3, "data": {"source": 1, "positions": [{"x": 2**62, "y": 2, "id": 3, "timeOffset": 0}]}, "timestamp": 12},
    {"type": 3, "data": {"source": 1, "positions": [{"x": 4, "y": -5, "id": 6, "timeOffset": -20},
                                                    {"x": 2**59, "y": -2**59, "id": 2**63, "timeOffset": 0}]}, "timestamp": 12},
    {"type": 3, "data": {"source": 1, "positions": [], "extra": 1}, "timestamp": 12},
    {"type": 3, "data": {"source": 1, "positions": []}, "timestamp": 13},
    {"type": 3, "data": {"source": 1.0, "positions": [{"x": 1, "y": 2, "id": 3, "timeOffset": 0}]}, "timestamp": 13},
    {"type": 3, "data": {"source": True, "positions": [{"x": 1, "y": 2, "id": 3, "timeOffset": 0}]}, "timestamp": 13},
    {"type": 3, "data": {"source": 6, "positions": [{"x": 9, "y": 9, "id": 1, "timeOffset": 0}]}, "timestamp": 13},
    {"type": 3, "data": {"source": 12, "positions": "not a list"}, "timestamp": 13},
    {"type": 3, "data": {"source": 99, "whatever": [1, 2]}, "timestamp": 14},
    {"type": 3, "data": {"source": "1"}, "timestamp": 15},
    {"type": 3, "data": {"source": [1]}, "timestamp": 15},
    {"type": 3, "data": {}, "timestamp": 15},
    {"type": 42, "data": {"future": True, "nested": {"a": [1, {"b": None}], "c": -0.0}}, "timestamp": 16},
    {"type": 5, "data": {"tag": "x", "payload": None}, "timestamp": 16.25},
    {"type": 5, "data": {"tag": "x", "payload": None}, "timestamp": True},
    {"type": 5, "data": {"tag": "x", "payload": None}, "timestamp": 2**63 - 1},
    {"type": 5, "data": {"tag": "y", "payload": [math.inf, 1e308]}, "timestamp": -2**63},
    {"data": {"href": "x"}, "type": 4, "timestamp": 17},
    {"type": 4, "data": {"href": "x", "width": 1, "height": 2}, "timestamp": 18, "sessionId": "s"},
    {"type": 6, "data": None, "timestamp": 19},
    {"type": 6, "data": [1, 2], "timestamp": 19},
    {"type": True, "data": {}, "timestamp": 20},
    {"type": 2.0, "data": {}, "timestamp": 20},
    {"type": "3", "data": {"source": 1}, "timestamp": 20},
    {"type": 3, "data": {"source": 2, "type": 2, "id": 1, "x": 1, "y": 2}, "timestamp": 5},
    {"type": 3, "data": {"source": 2, "id": 1, "type": 2, "x": 1.5, "y": 2}, "timestamp": 4},
    {"type": 3, "data": {"source": 1, "positions": [{"x": 4, "y": 5, "id": 6, "timeOffset": -20}]}, "timestamp": -3},
    {"type": 3, "data": {1: "int key"}, "timestamp": 21},
    {"type": 3},
    {},
    [],
    "not an event",
    None,
]


def test_columns_round_trip_odd_events():
    assert _round_trip(ODD_EVENTS) == ODD_EVENTS
    # the regular ones among them still took the column path, order kept around the others
    c = _columns(ODD_EVENTS)
    assert 0 < len(c["raw"]) < len(ODD_EVENTS)
    assert [_round_trip([e] * 3) for e in ODD_EVENTS]


def test_events_with_their_keys_in_another_order_still_take_the_column_path():
    events = [{"timestamp": 100 + i, "type": 3, "data": {"source": 3, "id": 1, "x": 0, "y": i}}
              for i in range(5)] + [{"data": {"tag": "t"}, "timestamp": 200, "type": 5}]
    back = _round_trip(events + _events(3))
    assert [list(e) for e in back] == [list(e) for e in events + _events(3)]
    assert _columns(events)["raw"] == []


def test_columns_beat_the_delta_layout_at_the_same_level():
    events = list(generate_session(5_000, 5 * 60_000, seed=1))
    meta = describe(events, 0, INIT, None)
    columns = encode_segment("s", meta, events, Codec(level=3, layout=COLUMNS))
    deltas = encode_segment("s", meta, events, Codec(level=3, layout=DELTAS))
    assert len(columns) < len(deltas)


def test_unknown_layout_is_refused():
    with pytest.raises(ValueError, match="layout"):
        Codec(layout="zip")


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**64 - 1) | st.floats() | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6)
_coord = st.one_of(st.integers(-3000, 3000), st.integers(-2**63, 2**63 - 1), st.floats(), st.booleans())
_point = st.one_of(
    st.fixed_dictionaries({"x": st.integers(-3000, 3000), "y": st.integers(-3000, 3000),
                           "id": st.integers(0, 10**6), "timeOffset": st.integers(-500, 0)}),
    st.fixed_dictionaries({"x": _coord, "y": _coord, "id": _coord, "timeOffset": _coord}),
    st.dictionaries(st.sampled_from(["x", "y", "id", "timeOffset", "z"]), _coord, max_size=5))
_data = st.one_of(
    st.fixed_dictionaries({"source": st.sampled_from([1, 1, 6, 12, 2, True, 1.0]),
                           "positions": st.lists(_point, max_size=4)}),
    st.fixed_dictionaries({"source": st.sampled_from([0, 2, 3, 5, 99, "2"]), "id": _json,
                           "x": _coord}),
    st.dictionaries(st.text(max_size=4), _json, max_size=3),
    _json)
_stamp = st.one_of(st.integers(1_600_000_000_000, 1_800_000_000_000),
                   st.integers(-2**63, 2**64 - 1), st.floats(), st.booleans())
_any_event = st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from([3, 3, 3, 2, 4, 5, 6, 77, True, 3.0]),
                           "data": _data, "timestamp": _stamp}),
    st.fixed_dictionaries({"type": st.integers(0, 6), "data": _data, "timestamp": _stamp},
                          optional={"sessionId": st.text(max_size=3), "v": _json}),
    st.dictionaries(st.sampled_from(["timestamp", "data", "type", "x"]), _json, max_size=4),
    _json)


@settings(max_examples=300, deadline=None)
@given(st.lists(_any_event, max_size=25))
def test_column_layout_round_trips_any_events_exactly(events):
    _round_trip(events)


# --- damage: a column payload that passes the checksum but does not add up ------------------
def _reframe(blob: bytes, payload: object) -> bytes:
    """The same segment file with another (valid-checksum) payload: what a buggy or
    hostile writer could produce; the reader must refuse it, not serve garbage."""
    header = read_header(blob)
    raw = zstandard.ZstdCompressor(level=1).compress(encode_msgpack(payload))
    hbytes = encode_msgpack(header)
    body = segments._FIXED.pack(segments.MAGIC, segments.VERSION, len(hbytes), len(raw)) \
        + hbytes + raw
    return body + segments._CRC.pack(zlib.crc32(body))


def _tampered(c: dict) -> list[dict]:
    pk = next(k for k, entry in enumerate(c["table"]) if entry and entry[2] == 1)

    def pointer(change) -> list:
        cols = list(c["cols"])
        cols[pk] = change(list(cols[pk]))
        return cols

    def shorter(i):
        return lambda cs: cs[:i] + [cs[i][:-1]] + cs[i + 1:]

    bad = [{**c, "cols": pointer(change)} for change in [
        shorter(0), shorter(1), shorter(2), shorter(5), lambda cs: cs[:5],
        lambda cs: [cs[0], [-1] + cs[1][1:]] + cs[2:]]]
    for key, value in [("v", 2), ("kinds", c["kinds"] + [99]), ("kinds", [-1] + c["kinds"][1:]),
                       ("kinds", c["kinds"] + [1]), ("dt", c["dt"][:-1]), ("raw", [{}]),
                       ("table", c["table"][:-1]), ("table", c["table"] + [[3, [], 7]]),
                       ("table", [None] + [[e[0], e[1], 9] + e[3:] for e in c["table"][1:]]),
                       ("cols", [None] + [[col[:-1] for col in cs] for cs in c["cols"][1:]])]:
        bad.append({**c, key: value})
    bad += [[1, 2], {"v": 1}, "columns",
            {**c, "table": [None] + [entry + [["type", "data", "x"]] for entry in c["table"][1:]]}]
    return bad


def test_inconsistent_columns_are_damage_not_garbage():
    events = _events(6) + [{"type": 5, "data": {"tag": "t", "payload": 1}, "timestamp": 9}] \
        + [{"type": 3, "data": {"source": 1, "positions": [{"x": 1, "y": 2, "id": 3,
                                                            "timeOffset": 0}]}, "timestamp": 10}]
    blob = encode_segment("s", describe(events, 0, INIT, None), events, TREES_QUICK)
    c = _columns(events)
    assert decode_segment(_reframe(blob, c))[1] == events   # the reframing itself is sound
    for payload in _tampered(c):
        with pytest.raises(SegmentDamaged, match="payload does not decode"):
            decode_segment(_reframe(blob, payload))


def test_a_transform_from_a_newer_version_is_refused():
    events = _events(3)
    blob = encode_segment("s", describe(events, 0, INIT, None), events, TREES_QUICK)
    header, payload = segments._split(blob)
    header["codec"]["transform"] = 8
    hbytes = encode_msgpack(header)
    body = segments._FIXED.pack(segments.MAGIC, segments.VERSION, len(hbytes), len(payload)) \
        + hbytes + bytes(payload)
    with pytest.raises(SegmentDamaged, match="newer"):
        decode_segment(body + segments._CRC.pack(zlib.crc32(body)))


# --- files written before the column layout still decode ---------------------------------
# Written by the previous codec (git ec5b83b): its live codec (plain events, zstd 3) and its
# compact codec (delta timestamps + pointer columns, zstd 19 + long-distance matching).
_OLD_PLAIN = (
    "UlBTRwEAAADBAAAAZgEAAAAAAACKp3Nlc3Npb26rb2xkLXNlc3Npb26laW5kZXgDp3ZpZXdfaWSidjGoc3Rh"
    "cnRfbXPPAAABi8/laACmZW5kX21zy0J4vP5WrugArHJlY29yZF9jb3VudA+xaGFzX2Z1bGxfc25hcHNob3TC"
    "r2NyZWF0aW9uX3JlYXNvbqt2aWV3X2NoYW5nZalyYXdfYnl0ZXPNBpGlY29kZWOEpWxldmVsA6p3aW5kb3df"
    "bG9nAKdkaWN0X2lkAKl0cmFuc2Zvcm0AKLUv/WSRBcUKAPIPPjhAkzoX02sCOb0XC9snspda+47eSnJn8CZ4"
    "gzqsknLH0UQICYsL7kluwb6c9kOQ9N37ORTGt2aJDH6KKV7F5EVX6b18ZZAGReNm5lnQVjYqDNpU0LpvyVhX"
    "Hq0Jd+2+VGwS0GumMvmPvA9JCut0PkgqCX+Fmgh/EQuEf8L34I/g4eB/kFHyNzA1+Bd8KMmfIIbBfyBlwV8g"
    "ZOQfIGVgWl6aLwqFwRztk5CkMJE/gPcvkdtV2vRWK+PwicVRb6zlgXPGBYQDoYvlYl/maMtKnlrPFOUZg6Da"
    "bEk7SjZeWS56PGHrvNtGcW33VEExa36u2FF+H7ben2skT6hBupFt1WcZA9BDYZgDEkByEEPQEDAEMxihGszE"
    "3weEpAierwMfM68EuGKB1hUIjQhHj4mMHRFHHosUOxGNHgsZOwm47QfWFMcKwg1WKQcb9MaZyLlVwWKeaCOr"
    "PSkp4I9Fdic="
)
_OLD_DELTAS = (
    "UlBTRwEAAADBAAAAIAEAAAAAAACKp3Nlc3Npb26rb2xkLXNlc3Npb26laW5kZXgDp3ZpZXdfaWSidjGoc3Rh"
    "cnRfbXPPAAABi8/laACmZW5kX21zy0J4vP5WrugArHJlY29yZF9jb3VudA+xaGFzX2Z1bGxfc25hcHNob3TC"
    "r2NyZWF0aW9uX3JlYXNvbqt2aWV3X2NoYW5nZalyYXdfYnl0ZXPNA5alY29kZWOEpWxldmVsE6p3aW5kb3df"
    "bG9nG6dkaWN0X2lkAKl0cmFuc2Zvcm0DKLUv/WSWApUIAOJONy5QWQdwZw4Z65GTpgiIwRvPrF8jvAQTO9KJ"
    "jDJmFsZmti90ErQD25Igt59I/k4BqsiSrgmHglKdOb9c98ddKNlbfYC+kq79//8jPcCUxkKtNql2527X6Uqy"
    "3TZwzYIblQZZ0QhorgEAL83/I/PvwPw3Lv8My/+i8q+g/Ccm/wjJ/yHyb8hA/guoaQ6L/4R/x78ZKxE/nurc"
    "M9dbV14RKqU5jhV4bCTCyn/iPtnO7yl3XSUg7JiUL8b9QIg7mlW385r2ya4uZ2vMz7PDd++YN7oovLZst+gq"
    "uFvta0sWFiBQ49gB6dj/Mhf8jmnrpzFXxAmfhCfhk9BJeBI+CZ2EJ+GTIG8J8SKXRviKe6JBngHUY2S/cMK3"
    "/g=="
)


def _old_events() -> list[dict]:
    evs = [{"type": 4, "data": {"href": "https://shop.example/", "width": 1280, "height": 800},
            "timestamp": 1_700_000_000_000}]
    for i in range(12):
        evs.append({"type": 3, "data": {"source": 1, "positions": [
            {"x": 10 + i, "y": 20 + 2 * i, "id": 7, "timeOffset": -50 + 10 * k} for k in range(3)]},
            "timestamp": 1_700_000_000_100 + 40 * i})
    evs.append({"type": 3, "data": {"source": 2, "type": 2, "id": 7, "x": 22, "y": 44},
                "timestamp": 1_700_000_000_700})
    evs.append({"type": 5, "data": {"tag": "note", "payload": {"n": 1.5, "ok": True}},
                "timestamp": 1_700_000_000_750.5, "sessionId": "legacy"})
    return evs


@pytest.mark.parametrize("lines,transform", [(_OLD_PLAIN, 0), (_OLD_DELTAS, 3)])
def test_segments_written_before_the_column_layout_still_decode(lines, transform):
    blob = base64.b64decode("".join(lines))
    header, back = decode_segment(blob)
    assert header["codec"]["transform"] == transform
    assert header["session"] == "old-session" and header["record_count"] == 15
    assert encode_msgpack(back) == encode_msgpack(_old_events())


# --- in the store: imports are written in columns, a damaged one is skipped ---------------
def test_store_writes_columns_and_skips_a_damaged_column_segment(tmp_path, caplog):
    import logging
    from recorder.store import Store
    events = list(generate_session(3_000, 10 * 60_000, seed=8))
    with Store.open(tmp_path / "data", max_segment_records=1_000) as store:
        (sid,) = store.ingest(events)
        r = store.session(sid)
        files = [store.root / s.file for s in r.segments]
        assert len(files) >= 3
        assert {read_header(f.read_bytes())["codec"]["transform"] for f in files} == {T_COLUMNS | T_TREES}
        assert {read_header(f.read_bytes())["codec"]["level"] for f in files} == {COMPACT_CODEC.level}
        assert list(r.events()) == events
        middle = bytearray(files[1].read_bytes())
        middle[len(middle) // 2] ^= 0x01
        files[1].write_bytes(bytes(middle))
        r = store.session(sid)
        with caplog.at_level(logging.WARNING):
            got = list(r.events())
        first, second = r.segments[0].record_count, r.segments[1].record_count
        assert got == events[:first] + events[first + second:]
        assert r.damaged == [1] and "checksum" in r.damage_reasons[1]


# --- the tree layout: mutations and snapshot trees in columns, exactly -------------------
def test_a_column_layout_segment_written_before_the_tree_layout_still_decodes(fixtures_dir,
                                                                             demo_events):
    blob = (fixtures_dir / "segment-columns-layout.seg").read_bytes()
    header, back = decode_segment(blob)
    assert header["codec"]["transform"] == T_COLUMNS
    assert encode_msgpack(back) == encode_msgpack(demo_events)


def _tree_modes(events: list) -> list:
    c = _columns(events)
    return [entry[2] for entry in c["table"][1:]]


_node_id = st.one_of(st.integers(0, 5_000), st.integers(-2**63, 2**63 - 1), st.floats(),
                     st.booleans(), st.none(), st.text(max_size=2))
_attrs = st.one_of(st.dictionaries(st.sampled_from(["class", "id", "style", "href", "x"]),
                                   st.one_of(st.text(max_size=4), st.none(), _json), max_size=3),
                   _json)
_node = st.recursive(
    st.one_of(
        st.fixed_dictionaries({"type": st.just(3), "textContent": st.text(max_size=6),
                               "id": _node_id}),
        st.fixed_dictionaries({"type": st.just(5), "textContent": st.text(max_size=3),
                               "id": _node_id}, optional={"rootId": st.integers(0, 9)})),
    lambda kids: st.fixed_dictionaries(
        {"type": st.just(2), "tagName": st.sampled_from(["td", "li", "svg", "div"]),
         "attributes": _attrs, "childNodes": st.lists(kids, max_size=3), "id": _node_id},
        optional={"isSVG": st.booleans(), "needBlock": st.booleans()}),
    max_leaves=6) | _json
_mutation = st.fixed_dictionaries(
    {"source": st.sampled_from([0, 0, 0, False, 0.0]),
     "texts": st.lists(st.one_of(
         st.fixed_dictionaries({"id": _node_id, "value": st.one_of(st.text(max_size=6), st.none())}),
         _json), max_size=3),
     "attributes": st.lists(st.one_of(
         st.fixed_dictionaries({"id": _node_id, "attributes": _attrs}), _json), max_size=3),
     "removes": st.lists(st.one_of(
         st.fixed_dictionaries({"parentId": _node_id, "id": _node_id},
                               optional={"isShadow": st.booleans()}), _json), max_size=3),
     "adds": st.lists(st.one_of(
         st.fixed_dictionaries({"parentId": _node_id,
                                "nextId": st.one_of(st.none(), st.integers(0, 5_000), _json),
                                "node": _node}), _json), max_size=3)},
    optional={"isAttachIframe": st.booleans()})
_tree_event = st.one_of(
    st.fixed_dictionaries({"type": st.just(3), "data": _mutation,
                           "timestamp": st.integers(1_600_000_000_000, 1_600_000_100_000)}),
    st.fixed_dictionaries({"type": st.just(2),
                           "data": st.fixed_dictionaries({"node": _node,
                                                          "initialOffset": _json}),
                           "timestamp": st.integers(1_600_000_000_000, 1_600_000_100_000)}),
    _any_event)


@settings(max_examples=300, deadline=None)
@given(st.lists(_tree_event, max_size=12))
def test_tree_layout_round_trips_mutations_and_snapshots_byte_identically(events):
    _round_trip(events, Codec(level=1, layout=TREES))


def test_regular_mutations_and_snapshots_take_the_tree_streams():
    text = {"type": 3, "textContent": "101.25", "id": 900}
    cell = {"type": 2, "tagName": "td", "attributes": {"class": "up"}, "childNodes": [text],
            "id": 899}
    snapshot = {"type": 2, "data": {"node": {"type": 0, "childNodes": [cell], "id": 1},
                                    "initialOffset": {"left": 0, "top": 0}}, "timestamp": 10}
    mutations = [{"type": 3, "timestamp": 20 + i, "data": {
        "source": 0, "texts": [{"id": 900, "value": str(i)}],
        "attributes": [{"id": 899, "attributes": {"class": "down" if i % 2 else "up"}}],
        "removes": [{"parentId": 899, "id": 900 + i}],
        "adds": [{"parentId": 899, "nextId": None,
                  "node": {"type": 3, "textContent": f"{i}.5", "id": 901 + i}}]}}
        for i in range(20)]
    events = [snapshot] + mutations
    assert _round_trip(events, Codec(level=3, layout=TREES)) == events
    assert sorted(_tree_modes(events)) == [segments._MUTATION, segments._SNAPSHOT]
    trees = _columns(events)["trees"]
    ids = trees[segments._TREE_STREAMS.index("nid")]
    assert ids[len(cell) - 1:] == [1] * (len(ids) - len(cell) + 1)  # added ids: +1 each
    # an odd item sends only its own event to the plain columns; the rest stay in trees
    odd = dict(mutations[3], data={**mutations[3]["data"], "removes": [{"id": 1, "parentId": 2}]})
    events2 = events[:4] + [odd] + events[5:]
    assert _round_trip(events2, Codec(level=3, layout=TREES)) == events2
    assert segments._FIELDS in _tree_modes(events2)


def test_tree_streams_that_do_not_add_up_are_damage():
    events = [{"type": 3, "timestamp": 20 + i, "data": {
        "source": 0, "texts": [], "attributes": [], "removes": [],
        "adds": [{"parentId": 1, "nextId": None, "node": {"type": 3, "textContent": "x",
                                                         "id": 5 + i}}]}} for i in range(5)]
    blob = encode_segment("s", describe(events, 0, INIT, None), events, TREES_QUICK)
    c = _columns(events)
    for name, change in (("ntext", lambda s: s[:-1]), ("ntext", lambda s: s + ["extra"]),
                         ("dn", lambda s: [2] + s[1:])):
        bad = dict(c)
        bad["trees"] = list(c["trees"])
        i = segments._TREE_STREAMS.index(name)
        bad["trees"][i] = change(c["trees"][i])
        with pytest.raises(SegmentDamaged):
            decode_segment(_reframe(blob, bad))


@pytest.mark.parametrize("codec", [TREES_QUICK, Codec(level=3, layout=COLUMNS)])
def test_a_segment_read_an_event_at_a_time_builds_only_the_events_taken(codec):
    # the player's index needs a segment's events up to its first full snapshot: taking
    # those must not build the thousands after it (they held the GIL the UI waited for)
    import tracemalloc
    from itertools import islice

    from recorder.segments import iter_segment
    from replay_tools.generator import generate_session
    events = list(generate_session(3000, duration_ms=5 * 60 * 1000, seed=11))
    blob = encode_segment("s", describe(events, 0, INIT, None), events, codec)
    header, it = iter_segment(blob)
    assert header["session"] == "s"
    tracemalloc.start()
    try:
        first = list(islice(it, 10))
        few = tracemalloc.get_traced_memory()[0]
        rest = list(it)
        everything = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert first + rest == events == decode_segment(blob)[1]
    # the events after the first ten were built as they were taken (a list of them made
    # already would cost a pointer each), and the first ten cost a small part of that
    assert everything - few > 100 * len(rest)
    assert few * 20 < everything


# --- payload_strings: every string the events hold, without building them --------------------
# the field names a layout's reader puts back itself (never in the payload)
_READER_NAMES = set(segments._EVENT_KEYS) | set(segments._POS_KEYS) | set(segments._TEXT_ITEM) \
    | set(segments._ATTR_ITEM) | set(segments._REMOVE_ITEM) | set(segments._ADD_ITEM) \
    | set(segments._SNAPSHOT_KEYS)


def _strings_of(x, out: set) -> set:
    if isinstance(x, str):
        out.add(x)
    elif isinstance(x, dict):
        for k, v in x.items():
            _strings_of(k, out)
            _strings_of(v, out)
    elif isinstance(x, list):
        for v in x:
            _strings_of(v, out)
    return out


def _assert_every_string_listed(events: list, codec: Codec) -> None:
    meta = segments.SegmentMeta(index=0, start_ms=0, end_ms=0, record_count=len(events),
                                has_full_snapshot=False, creation_reason=INIT)
    blob = encode_segment("s", meta, events, codec)
    listed = set(segments.payload_strings(segments.segment_payload(blob)))
    missing = _strings_of(decode_segment(blob)[1], set()) - listed
    assert missing <= _READER_NAMES, missing


_LAYOUTS = [Codec(level=1, layout=layout) for layout in (TREES, COLUMNS, DELTAS, PLAIN)]


@pytest.mark.parametrize("codec", _LAYOUTS, ids=lambda c: c.layout)
@settings(max_examples=200, deadline=None)
@given(st.lists(_tree_event, max_size=12))
def test_payload_strings_hold_every_string_of_the_events(codec, events):
    """A streaming import's second pass reads a written segment's strings, not its events,
    to tell whether an echo is there: a string an event holds that the list lacks would be an
    echo left in clear. Every one is listed, whole, in every layout, but the field names the
    readers put back (which echo masking never touches: `strings.kind_of`)."""
    if codec.layout == DELTAS:   # the first layout, kept for reading: events were maps then
        events = [e for e in events if isinstance(e, dict)]
    _assert_every_string_listed(events, codec)


@pytest.mark.parametrize("codec", _LAYOUTS, ids=lambda c: c.layout)
def test_payload_strings_of_real_and_generated_sessions(demo_events, codec):
    _assert_every_string_listed(demo_events, codec)
    _assert_every_string_listed(list(generate_session(2_000, 5 * 60_000, seed=3)), codec)
    with pytest.raises(SegmentDamaged):
        segments.payload_strings(b"\xc1 not msgpack")
