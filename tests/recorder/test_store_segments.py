"""The segment file format: round trip, framing, checksums, cutting sessions into segments."""
from __future__ import annotations

import pytest

from recorder.segments import BYTES_LIMIT, COMPACT_CODEC, INIT, LIVE_CODEC, RECORDS_LIMIT, \
    VIEW_CHANGE, Codec, SegmentDamaged, decode_segment, describe, encode_segment, \
    plan_segments, read_header


def _events(n: int, start: int = 1_700_000_000_000) -> list[dict]:
    return [{"type": 3, "timestamp": start + i * 10,
             "data": {"source": 1, "positions": [{"x": i, "y": 2 * i, "id": 1, "timeOffset": 0}]}}
            for i in range(n)]


@pytest.mark.parametrize("codec", [LIVE_CODEC, COMPACT_CODEC, Codec(level=5, window_log=0)])
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


def test_every_truncation_is_detected():
    events = _events(20)
    blob = encode_segment("s", describe(events, 0, INIT, None), events, LIVE_CODEC)
    for cut in range(0, len(blob), max(1, len(blob) // 40)):
        with pytest.raises(SegmentDamaged):
            decode_segment(blob[:cut])
    with pytest.raises(SegmentDamaged):
        decode_segment(blob + b"\0")


def test_flipped_bits_anywhere_are_detected():
    events = _events(20)
    blob = encode_segment("s", describe(events, 0, INIT, None), events, LIVE_CODEC)
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


@settings(max_examples=150, deadline=None)
@given(st.lists(_event, min_size=1, max_size=20))
def test_transformed_payload_round_trips_exactly(events):
    codec = Codec(level=1, window_log=0, transform=True)
    blob = encode_segment("s", describe(events, 0, INIT, None), events, codec)
    back = decode_segment(blob)[1]
    assert back == events
    # same types too (an int stays an int, a float a float, a bool a bool)
    assert [type(e["timestamp"]) for e in back] == [type(e["timestamp"]) for e in events]
    assert repr(back) == repr(events)
