"""The one pass over an event's JSON (recorder.jsonscan) in place of the byte prefilters:
each fact it answers bounds what the limits' and the detectors' walks would find, in the
compact JSON we encode and in the JSON a sender may write (spaced, escaped); the compiled
loop answers what its Python source answers; and the masker and the limits, told by it,
still mask and refuse what they did."""
from __future__ import annotations

import importlib.util
import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from recorder import jsonscan, limits as L
from recorder.format import encode_json
from recorder.privacy import detectors as d
from recorder.privacy.masker import SessionMasker
from recorder.privacy.strings import map_strings
from tests.recorder.test_privacy_masking_shortcuts import escaped_json

# strings of what the detectors look for and of what JSON escapes or could mistake for
# structure; numbers up to past 64 bits
TEXT = st.one_of(
    st.text(alphabet='0123456789 .()-+@%4aBbx\\"/\n{}[]:,é\u0663', max_size=24),
    st.sampled_from(["ada@example.com", "ada%40example.com", "4111 1111 1111 1111",
                     "+44 20 7946 0958", "(555) 123-4567", "1796117406467", "101.25",
                     # the spaces and plus a URL encodes, between a number's digits
                     "c=4111%201111%201111%201111", "phone=%2B14155550100", "x%201-555-0100",
                     "4111+1111+1111+1111", "%2b1%20415%20555%200100",
                     "tel=%28415%29+555-0100"]))
VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False,
                                                                        allow_infinity=False)
    | TEXT,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(TEXT, kids, max_size=3),
    max_leaves=12)


def _texts(value) -> list[bytes]:
    """The value as we encode it and as a sender may: spaced, ASCII-escaped, each
    character of its strings escaped."""
    return [encode_json(value), json.dumps(value).encode(),
            json.dumps(value, ensure_ascii=True).encode(), escaped_json(value).encode()]


def _depth(v) -> int:
    if isinstance(v, dict):
        return 1 + max(map(_depth, v.values()), default=0)
    if isinstance(v, list):
        return 1 + max(map(_depth, v), default=0)
    return 0


def _keys(v) -> int:
    if isinstance(v, dict):
        return len(v) + sum(map(_keys, v.values()))
    if isinstance(v, list):
        return sum(map(_keys, v))
    return 0


def _source_module():
    """jsonscan run from its source, beside the (maybe compiled) module imported above."""
    spec = importlib.util.spec_from_file_location(
        "jsonscan_source", jsonscan.__file__.rsplit("jsonscan", 1)[0] + "jsonscan.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SOURCE = _source_module()


@settings(max_examples=1500, deadline=None)
@given(VALUE)
@example({"]}": {"k": "[{"}, "n": 2**64})
@example({"who": "ada@example.com"})
@example(["1234", "56789"])
@example({"\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661": 1})   # Unicode digits: \d
def test_each_fact_bounds_what_the_walks_find(value):
    found: list[str] = []

    def visit(s, *_place):
        found.extend(f.kind for f in d.find(s, d.KINDS))
        return s
    map_strings(value, visit)
    out_of_range = L.out_of_range_at(value) is not None
    walked = L._depths(value, 10_000) if isinstance(value, (dict, list)) else (0, 0)
    for text in _texts(value):
        f = SOURCE._scan(text)
        assert f.depth == _depth(value) and f.depth >= max(walked)
        assert f.colons == _keys(value) >= (L.event_attribute_count(value)
                                             if isinstance(value, dict) else 0)
        assert f.long_number or not out_of_range
        assert f.string_hint or not found, found
        # no escapes: every string is in the text as it is
        assert f.escapes or all(json.dumps(s, ensure_ascii=False)[1:-1] == s
                                for s in _strings(value))
        if jsonscan.COMPILED:
            c = jsonscan.scan_json(text)
            assert (c.depth, c.colons, c.long_number, c.string_hint, c.escapes) == (
                f.depth, f.colons, f.long_number, f.string_hint, f.escapes)


def _strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from _strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from _strings(x)


@pytest.mark.parametrize("text", [b'{"a":"b', b'{"a":1}}', b'[[1]', b'"\\', b'{"a":"\\"}'])
def test_a_text_that_is_not_well_formed_is_left_to_the_callers_checks(text):
    assert SOURCE._scan(text) is None
    if jsonscan.COMPILED:
        assert jsonscan.scan_json(text) is None


def test_numbers_are_no_detector_hint_and_strings_no_long_integer():
    """A timestamp, node ids, coordinates: numbers a detector never reads; a string of 19
    digits is no integer to walk for."""
    ev = {"type": 3, "timestamp": 1796117406467,
          "data": {"source": 0, "adds": [{"parentId": 123456789012, "nextId": None,
                                          "node": {"type": 3, "textContent": "12345678", "id": 5}}],
                   "texts": [{"id": 7, "value": "x"}]}}
    f = SOURCE._scan(encode_json(ev))
    assert (f.depth, f.string_hint, f.long_number, f.escapes) == (5, False, False, False)
    g = SOURCE._scan(encode_json({**ev, "data": {"text": "call 1234567890123456789"}}))
    assert g.string_hint and not g.long_number


def test_a_kept_event_with_an_email_is_masked_when_read_from_its_own_json():
    """The masker's shortcut for an event kept as it came decides from the event's JSON:
    a string holding an e-mail is still masked, one without is the caller's object."""
    m = SessionMasker()
    plain = {"type": 5, "data": {"tag": "note", "payload": {"n": 1796117406467}},
             "timestamp": 1796117406467}
    assert m.mask_event(plain, encode_json(plain)) is plain
    for sent in (encode_json, lambda e: json.dumps(e, ensure_ascii=True).encode()):
        ev = {"type": 5, "data": {"tag": "note", "payload": {"who": "é ada@example.com"}},
              "timestamp": 1796117406467}
        out = m.mask_event(ev, sent(ev))
        assert "@" not in encode_json(out).decode()


def test_an_echo_is_found_in_a_kept_event_s_own_json_and_behind_its_escapes():
    """After a value typed into a masked field, an event echoing it is masked whether its
    JSON spells the value as it is or behind escapes (then it is encoded again)."""
    m = SessionMasker()
    m.echoes.add("Hunter2Secret")
    for payload, sent in (("said Hunter2Secret", encode_json(
            {"type": 5, "data": {"tag": "n", "payload": "said Hunter2Secret"}, "timestamp": 1})),
                          ("said Hunter2Secret", b'{"type": 5, "data": {"tag": "n", "payload":'
                                                 b' "said Hunter\\u0032Secret"}, "timestamp": 1}')):
        ev = {"type": 5, "data": {"tag": "n", "payload": payload}, "timestamp": 1}
        out = m.mask_event(ev, sent)
        assert "Hunter2Secret" not in encode_json(out).decode()


def test_the_facts_the_limits_found_serve_the_masker_as_its_own_pass_would():
    """The import hands the masker the facts check_event found: the demo recording, with a
    value typed into a masked field echoed on the page and an e-mail in a custom event,
    masks the same either way."""
    from pathlib import Path
    from recorder.format import decode_json
    demo = Path(__file__).resolve().parents[1] / "fixtures" / "rrweb-player-demo.json"
    events = decode_json(demo.read_bytes())
    t = events[-1]["timestamp"]
    events += [{"type": 5, "data": {"tag": "n", "payload": {"who": "ada@example.com"}},
                "timestamp": t + 1}]
    own, handed = SessionMasker(), SessionMasker()
    own.echoes.add("Hunter2Secret")
    handed.echoes.add("Hunter2Secret")
    events += [{"type": 5, "data": {"tag": "n", "payload": "said Hunter2Secret"},
                "timestamp": t + 2}]
    for i, e in enumerate(events):
        enc = encode_json(e)
        facts = L.check_event(e, enc, i, L.DEFAULT_LIMITS)
        assert (facts is not None) == jsonscan.COMPILED
        assert encode_json(own.mask_event(e, enc)) == encode_json(handed.mask_event(e, enc, facts))
    assert own.stats == handed.stats
    assert own.stats["events with detected personal data masked"] >= 1
    assert own.stats["events with typed values echoed masked"] >= 1


# needles as echoes.Echoes makes them: lower-case runs of letters and digits, and the
# written forms of short values (percent-encoded, `+` for a space, JSON-escaped); texts
# that hold them in other cases, cut at either end, beside pairs that start no needle
NEEDLE = st.one_of(st.text(alphabet="abc1%2+ \\é", min_size=1, max_size=6),
                   st.sampled_from(["ra%2d1", "42+e", "42 e", "abc", "a"]))


@settings(max_examples=1500, deadline=None)
@given(st.lists(NEEDLE.map(lambda s: s.lower().encode()), min_size=1, max_size=8),
       st.text(alphabet="aAbBcC12%+ \\éxyz", max_size=40))
@example([b"acqu", b"ra%2d1", b"plea"], "Please, RA%2D1")
@example([b"ab", b"abc"], "xab")        # a needle at the very end, one running past it
def test_needles_are_found_in_one_pass_where_a_pass_per_needle_finds_them(needles, text):
    raw = text.encode()
    expected = any(n in raw.lower() for n in needles)
    for module in (jsonscan, SOURCE):
        found = module.Needles(tuple(needles))
        assert found.in_text(raw) is expected
        if all(len(n) >= 2 for n in needles):   # what the one pass tells (in_text's choice)
            assert found._scan(raw) is expected     # lower-cased as it reads


@settings(max_examples=1500, deadline=None)
@given(st.lists(NEEDLE.map(lambda s: s.lower().encode()), min_size=1, max_size=8),
       st.text(alphabet="aAbBcC12%+ \\éxyz", max_size=40))
@example([b"ab", b"abc", b"ab"], "xABC")   # a needle given twice: both places
@example([b"abc", b"bcd"], "abcd")         # overlapping needles both count
def test_needles_found_names_every_needle_a_pass_per_needle_finds(needles, text):
    raw = text.encode()
    expected = [k for k, n in enumerate(needles) if n in raw.lower()]
    for module in (jsonscan, SOURCE):
        found = module.Needles(tuple(needles))
        assert found.found(raw) == expected
        if all(len(n) >= 2 for n in needles):   # the one pass itself
            assert found._found(raw) == expected


def test_needles_share_a_pair_and_more_pairs_than_the_table_tells_apart_still_match():
    shared = jsonscan.Needles((b"abx", b"aby", b"abz"))
    assert shared.in_text(b'{"t":"ABZ"}') and not shared.in_text(b'{"t":"ab"}')
    many = [bytes((97 + i // 26, 97 + i % 26, 48)) for i in range(26 * 26)]  # 676 pairs
    wide = jsonscan.Needles(tuple(many))
    assert wide.in_text(b'"' + many[-1].upper() + b'"') and not wide.in_text(b'"zz1"')
