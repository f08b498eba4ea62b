"""The synthetic session generator: exact, deterministic, valid, realistic, streaming."""
from __future__ import annotations

import hashlib
import itertools
import json
import tracemalloc
from collections import Counter
from pathlib import Path

import msgspec
import pytest

from recorder.format import (CONSOLE_PLUGIN, RUM_PLUGIN, EventType, IncrementalSource,
                             UnknownEvent, encode_json, validate_event)
from replay_tools.generator import (HOSTILE_HOST, HOSTILE_INERT, HOSTILE_MARK, generate_session,
                                hostile_session, main)
from recorder.mirror import Mirror
from recorder.sessions import split_sessions
from replay_tools.calibration import Description, describe, distance

START = 1_700_000_000_000
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HALF_HOUR = 30 * 60 * 1000


@pytest.fixture(scope="module")
def session50k() -> list[dict]:
    return list(generate_session(50_000, HALF_HOUR, seed=7))


def _plugin(e: dict) -> tuple[str, dict] | None:
    if e["type"] == EventType.Plugin:
        return e["data"]["plugin"], e["data"]["payload"]
    return None


def test_same_seed_same_events_other_seed_other_events():
    a = [encode_json(e) for e in generate_session(3000, 600_000, seed=1)]
    b = [encode_json(e) for e in generate_session(3000, 600_000, seed=1)]
    c = [encode_json(e) for e in generate_session(3000, 600_000, seed=2)]
    assert a == b
    assert a != c


@pytest.mark.parametrize("n", [0, 1, 2, 7, 333, 5000])
def test_exact_count_and_time_span(n):
    events = list(generate_session(n, 3_600_000, seed=3, start_ms=START))
    assert len(events) == n
    if n:
        ts = [e["timestamp"] for e in events]
        assert ts[0] == START
        if n > 1:
            assert ts[-1] == START + 3_600_000
        assert all(x <= y for x, y in zip(ts, ts[1:]))
        assert events[0]["type"] == EventType.Meta
    if n >= 2:
        assert events[1]["type"] == EventType.FullSnapshot


def test_every_mutation_applies_cleanly_and_every_event_validates(session50k):
    mirror = Mirror()
    for i, e in enumerate(session50k):
        mirror.apply(e)
        assert not isinstance(validate_event(e, i), UnknownEvent)
    assert sum(mirror.warnings.values()) == 0, dict(mirror.warnings)
    assert mirror.has_snapshot and len(mirror.nodes) > 50
    assert mirror.element_by_tag("title") is not None


def test_long_dense_session_stays_valid():
    """Many route changes, re-renders and id reuse across page loads."""
    mirror = Mirror()
    loads = Counter()
    for e in generate_session(120_000, 4 * 3600 * 1000, seed=11):
        mirror.apply(e)
        p = _plugin(e)
        if p and p[0] == RUM_PLUGIN and p[1]["type"] == "view":
            loads[p[1]["view"]["loading_type"]] += 1
        loads["meta"] += e["type"] == EventType.Meta
    assert sum(mirror.warnings.values()) == 0, dict(mirror.warnings)
    assert loads["route_change"] >= 1 and loads["initial_load"] >= 1
    assert loads["route_change"] + loads["initial_load"] >= 4
    assert loads["meta"] == loads["initial_load"]  # a full load is Meta + FullSnapshot


def test_event_mix_looks_like_a_real_app(session50k):
    kinds = Counter()
    levels = Counter()
    rum = Counter()
    frustrations = Counter()
    for e in session50k:
        t = e["type"]
        if t == EventType.IncrementalSnapshot:
            kinds[IncrementalSource(e["data"]["source"]).name] += 1
        else:
            kinds[EventType(t).name] += 1
        p = _plugin(e)
        if p and p[0] == CONSOLE_PLUGIN:
            levels[p[1]["level"]] += 1
            assert all(isinstance(json.loads(arg), object) for arg in p[1]["payload"])
            assert p[1]["trace"]
        elif p and p[0] == RUM_PLUGIN:
            payload = p[1]
            rum[payload["type"]] += 1
            body = payload[payload["type"]]
            if payload["type"] == "resource":
                assert {"url", "method", "status_code", "duration", "size", "type"} <= body.keys()
            elif payload["type"] == "error":
                assert {"message", "source", "stack"} <= body.keys()
            elif payload["type"] == "action":
                assert body["type"] == "click"
                for f in body.get("frustration", {}).get("type", []):
                    frustrations[f] += 1
            elif payload["type"] == "view":
                assert {"largest_contentful_paint", "cumulative_layout_shift",
                        "interaction_to_next_paint"} <= body.keys()
    n = len(session50k)
    # mouse moves are the most frequent event, as in real recordings
    assert kinds.most_common(1)[0][0] == "MouseMove"
    assert kinds["MouseMove"] > 0.2 * n
    for source in ("Mutation", "MouseInteraction", "Scroll", "Input", "MediaInteraction",
                   "StyleSheetRule", "Selection"):
        assert kinds[source] > 0, source
    assert kinds["Mutation"] > 0.05 * n
    assert {"log", "info", "warn", "error"} <= levels.keys()
    assert {"view", "resource", "error", "action"} <= rum.keys()
    assert {"rage_click", "dead_click", "error_click"} <= frustrations.keys()


def test_mouse_moves_are_batched_with_time_offsets(session50k):
    moves = [e["data"]["positions"] for e in session50k
             if e["type"] == EventType.IncrementalSnapshot and e["data"]["source"] == IncrementalSource.MouseMove]
    assert max(len(p) for p in moves) > 3
    for positions in moves[:2000]:
        offsets = [p["timeOffset"] for p in positions]
        assert all(o <= 0 for o in offsets) and offsets == sorted(offsets)
        assert offsets[-1] == 0


def test_quiet_stretches_but_one_session(session50k):
    ts = [e["timestamp"] for e in session50k]
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    assert sum(g >= 10_000 for g in gaps) >= 1
    assert max(gaps) < 15 * 60 * 1000
    assert split_sessions(session50k) == [(0, len(session50k))]


def test_four_hour_session_is_one_session_with_many_quiet_stretches():
    ts = [e["timestamp"] for e in generate_session(40_000, 4 * 3600 * 1000, seed=5)]
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    assert sum(g >= 10_000 for g in gaps) >= 10
    assert max(gaps) < 15 * 60 * 1000
    assert split_sessions([{"timestamp": t} for t in ts]) == [(0, len(ts))]


def test_passwords_are_recorded_masked_like_rrweb_default(session50k):
    mirror = Mirror()
    checked = 0
    for e in session50k:
        if e["type"] == EventType.IncrementalSnapshot and e["data"]["source"] == IncrementalSource.Input:
            node = mirror.get(e["data"]["id"])
            assert node is not None
            if node.attrs.get("type") == "password":
                assert set(e["data"]["text"]) <= {"*"}
                checked += 1
        mirror.apply(e)
    assert checked > 0


def test_it_streams_rather_than_building_a_list():
    gen = generate_session(20_000, 4 * 3600 * 1000, seed=9)
    assert iter(gen) is gen
    tracemalloc.start()
    try:
        for _ in itertools.islice(gen, 2000):  # warm up: the first page, caches
            pass
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        count = 2000
        for _ in gen:
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    # the 18,000 events held in a list take ~31 MB as objects; streamed, ~0.2 MB at a time
    assert peak - base < 5 * 1024 * 1024


def test_hostile_session_is_valid_and_hostile():
    events = hostile_session(start_ms=START)
    mirror = Mirror()
    for i, e in enumerate(events):
        assert not isinstance(validate_event(e, i), UnknownEvent)
        mirror.apply(e)
    assert sum(mirror.warnings.values()) == 0, dict(mirror.warnings)
    tags = Counter(n.tag for n in mirror.nodes.values() if n.tag)
    for tag in ("script", "iframe", "base", "meta", "form", "object", "embed", "use"):
        assert tags[tag] >= 1, tag
    attrs = [(k, str(v)) for n in mirror.nodes.values() for k, v in n.attrs.items()]
    assert any(k.lower().startswith("on") for k, _ in attrs)
    assert any(k.lower() == "onclick" and k != "onclick" for k, _ in attrs)  # case tricks
    assert any("javascript:" in v.lower().replace("\t", "") for _, v in attrs)
    assert any(k == "srcdoc" for k, _ in attrs)
    assert any(k == "http-equiv" and v.lower() == "refresh" for k, v in attrs)
    blob = encode_json(events).decode()
    assert HOSTILE_MARK in blob and HOSTILE_HOST in blob and HOSTILE_INERT in blob
    # hostile content also arrives later, through mutations and a CSSOM edit
    later = encode_json(events[2:]).decode()
    assert "javascript:" in later and "srcdoc" in later and HOSTILE_HOST in later


def test_command_line_writes_rrweb_json(tmp_path):
    out = tmp_path / "s.json"
    assert main(["--events", "500", "--seed", "4", "-o", str(out)]) == 0
    events = json.loads(out.read_text())
    assert len(events) == 500
    assert events == json.loads(encode_json(list(generate_session(500, 60_000, seed=4))))
    hostile = tmp_path / "h.json"
    assert main(["--hostile", "-o", str(hostile)]) == 0
    assert json.loads(hostile.read_text()) == json.loads(encode_json(hostile_session()))


# --- the "real" profile: calibrated on benchmarks/record_real.py's recording ----------------------
ROUND_MS = 170_000   # one turn of board, shop and articles


@pytest.fixture(scope="module")
def real9k() -> list[dict]:
    return list(generate_session(9000, ROUND_MS, seed=3, profile="real"))


def test_default_profile_output_is_unchanged():
    """Many tests and benchmarks expect the default workload exactly: a profile is an
    addition, never a change to it (this digest was taken before profiles existed)."""
    digest = hashlib.sha1(b"".join(encode_json(e) for e in generate_session(3000, 600_000, seed=1)))
    assert digest.hexdigest() == "ffe7153470a09d298974903c6073eb7542ad3b96"
    assert [encode_json(e) for e in generate_session(500, 60_000, seed=4, profile="default")] == \
        [encode_json(e) for e in generate_session(500, 60_000, seed=4)]


def test_real_profile_same_seed_same_events_other_seed_other_events():
    a = [encode_json(e) for e in generate_session(3000, 60_000, seed=1, profile="real")]
    b = [encode_json(e) for e in generate_session(3000, 60_000, seed=1, profile="real")]
    c = [encode_json(e) for e in generate_session(3000, 60_000, seed=2, profile="real")]
    assert a == b
    assert a != c


@pytest.mark.parametrize("n", [0, 1, 2, 7, 333, 5000])
def test_real_profile_exact_count_and_time_span(n):
    events = list(generate_session(n, 600_000, seed=3, start_ms=START, profile="real"))
    assert len(events) == n
    if n:
        ts = [e["timestamp"] for e in events]
        assert ts[0] == START
        if n > 1:
            assert ts[-1] == START + 600_000
        assert all(x <= y for x, y in zip(ts, ts[1:]))
    # a page load as the browser records it: DomContentLoaded, Meta, FullSnapshot
    assert [e["type"] for e in events[:3]] == [EventType.DomContentLoaded, EventType.Meta,
                                               EventType.FullSnapshot][:n]


def test_real_profile_plays_with_zero_mirror_warnings(real9k):
    mirror = Mirror()
    loads = Counter()
    for i, e in enumerate(real9k):
        mirror.apply(e)
        assert not isinstance(validate_event(e, i), UnknownEvent)
        if e["type"] == EventType.Meta:
            loads[e["data"]["href"].rsplit("/", 1)[1].split("?")[0]] += 1
    assert sum(mirror.warnings.values()) == 0, dict(mirror.warnings)
    # the round's pages, each a full load: the board, the shop and its checkout, two articles
    assert loads == {"stress.html": 1, "index.html": 1, "checkout.html": 1, "article.html": 2}
    assert split_sessions(real9k) == [(0, len(real9k))]


def test_long_real_profile_session_stays_valid():
    """Several rounds: ids restart at every load, rows move, result lists are rebuilt."""
    mirror = Mirror()
    metas = 0
    for e in generate_session(10_000, 3 * ROUND_MS, seed=8, profile="real"):
        mirror.apply(e)
        metas += e["type"] == EventType.Meta
    assert sum(mirror.warnings.values()) == 0, dict(mirror.warnings)
    assert metas == 3 * 5


def test_real_profile_is_close_to_the_real_recording_and_the_default_is_not(real9k):
    """The figures of the real recording (tests/fixtures/real-10m-description.json, made by
    replay_tools.calibration.describe) against one round of the profile."""
    ref = msgspec.json.decode((FIXTURES / "real-10m-description.json").read_bytes(), type=Description)
    real = distance(ref, describe(real9k))
    assert real.closeness >= 0.95, real.errors
    for figure in ("event mix (TV)", "byte mix (TV)", "mutation bytes, p50", "adds per mutation",
                   "removes per mutation", "attribute changes per mutation", "gzip -6 ratio",
                   "stored ratio"):
        assert real.errors[figure] <= 0.15, (figure, real.errors[figure])
    no_ratios = msgspec.structs.replace(ref, gzip_ratio=None, stored_ratio=None, stored_vs_gzip=None)
    default = distance(no_ratios, describe(list(generate_session(9000, ROUND_MS, seed=3)), compress=False))
    assert default.closeness <= 0.7, default.errors


def test_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="unknown profile 'fake'"):
        next(generate_session(10, 1000, profile="fake"))


def test_command_line_takes_a_profile(tmp_path):
    out = tmp_path / "r.json"
    assert main(["--events", "400", "--seed", "4", "--profile", "real", "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == json.loads(encode_json(
        list(generate_session(400, 60_000, seed=4, profile="real"))))
