"""player.event_block: a closed block gives back exactly the events it was given, all of them
or the first n - and decodes only those n (the bytes after them are never read)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from player.checkpoint_codec import compress, decompress
from player.event_block import Block, array_header
from recorder.format import decode_msgpack, encode_msgpack

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**64 - 1) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=12)
_events = st.lists(st.dictionaries(st.text(max_size=8), _json, max_size=5), max_size=40)


def _closed(events: list, frame_bytes: int | None = None) -> Block:
    b = Block.open()
    for i, e in enumerate(events):
        b.add(float(i), 1, e)
    assert b.close() if frame_bytes is None else b.close(frame_bytes)
    return b


@settings(max_examples=150, deadline=None)
@given(_events, st.integers(0, 45))
def test_closed_block_gives_back_all_or_the_first_n(events, n):
    b = _closed(events)
    assert b.events is None
    assert b.decode() == events
    assert b.decode(n) == events[:n]


@settings(max_examples=150, deadline=None)
@given(_events, st.integers(0, 45), st.integers(1, 200))
def test_a_block_in_frames_gives_back_all_or_the_first_n(events, n, frame_bytes):
    b = _closed(events, frame_bytes)
    assert b.decode() == events
    assert b.decode(n) == events[:n]
    back = Block.from_export(b.to_export())   # as a worker hands it over
    assert back.decode() == events and back.decode(n) == events[:n]
    assert back.payload() == b.payload()


def test_the_first_n_events_decompress_only_their_frames():
    events = [{"type": 3, "data": {"n": i, "text": "x" * 100}} for i in range(40)]
    b = _closed(events, 1000)
    frames = b.frames
    assert len(frames) >= 4   # (events through, end) pairs: several frames
    through, end = frames[0], frames[1]
    # every frame after the first broken: the first frame's events still decode
    b.blob = b.blob[:end] + b"\0" * (len(b.blob) - end)
    assert b.decode(through) == events[:through]
    try:
        b.decode(through + 1)
    except Exception:
        pass
    else:
        raise AssertionError("a broken frame decoded")


def test_a_block_of_one_frame_has_no_frame_table():
    """(also a block as an index kept before frames had it: the whole blob one frame)"""
    events = [{"a": i} for i in range(10)]
    b = _closed(events)
    assert not b.frames and b.decode(3) == events[:3]
    assert decompress(b.blob) == b.payload()


@given(st.integers(0, 70_000))
def test_array_header_is_messagepacks(n):
    # an array of n nils: the header, then n bytes 0xc0
    assert len(decode_msgpack(array_header(n) + b"\xc0" * n)) == n


def test_the_first_n_events_are_decoded_without_reading_the_rest():
    events = [{"type": 3, "data": {"n": i, "text": "x" * i}} for i in range(20)]
    b = _closed(events)
    payload = decompress(b.blob)
    cut = b.ends[4]
    # the bytes after the fifth event broken: a whole decode fails, the first five do not
    b.blob = compress(payload[:cut] + b"\xc1" * (len(payload) - cut))
    assert b.decode(5) == events[:5]
    try:
        b.decode()
    except Exception:
        pass
    else:
        raise AssertionError("a broken block decoded whole")


def test_an_open_block_hands_out_a_copy_of_its_first_events():
    b = Block.open()
    for i in (1, 2, 3):
        b.add(float(i), 1, {"a": i})
    first = b.decode(2)
    b.add(4.0, 1, {"a": 4})
    first.append("mine")
    assert b.decode() == [{"a": 1}, {"a": 2}, {"a": 3}, {"a": 4}]


def test_lone_surrogates_are_replaced_and_reported():
    b = Block.open()
    assert b.add(0.0, 1, {"text": "ok"}) == len(encode_msgpack({"text": "ok"}))
    b.add(1.0, 1, {"text": "bad \ud800 one"})
    assert b.close() is False
    assert b.decode() == [{"text": "ok"}, {"text": "bad \ufffd one"}]
    assert b.decode(1) == [{"text": "ok"}]


def test_an_empty_block_decodes_to_nothing():
    b = _closed([])
    assert b.blob is None and b.decode() == [] and b.decode(3) == []
