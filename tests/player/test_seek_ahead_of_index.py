"""A seek (or playback) beyond what the indexer has reached does not wait for it: it starts
from the last full snapshot before that moment, reading only the segments it needs."""
from __future__ import annotations

import functools

from player.replayer import Replayer, naive_state_at
from recorder.source import ListSource
from replay_tools.generator import generate_session


def _key(m):
    return (m.to_serialized(), m.window_scroll, m.width, m.height,
            {n.id: (n.value, n.checked, n.scroll, n.sheet) for n in m.nodes.values()})


@functools.cache   # (made once for the module's tests: none changes them)
def _events():
    events = list(generate_session(40_000, duration_ms=60 * 60 * 1000, seed=11))
    fulls = [i for i, e in enumerate(events) if e["type"] == 2]
    assert len(fulls) >= 3, "the workload needs several page loads"
    return events, fulls


def test_seek_ahead_of_the_index_equals_the_full_rebuild():
    events, fulls = _events()
    start = events[0]["timestamp"]
    moments = [events[fulls[-1]]["timestamp"] - start + 61_000,
               events[fulls[1]]["timestamp"] - start + 5_000,
               events[-1]["timestamp"] - start]
    for t in moments:
        r = Replayer(ListSource(events, segment_size=1000), mode="lazy")
        got = r.state_at(t)
        assert _key(got) == _key(naive_state_at(events, t))
        # it did not index its way there
        assert r.index.events_seen < len(events) / 2


def test_a_moment_just_before_a_full_snapshot_in_its_own_segment():
    """Its segment holds a full snapshot, after the moment: it is rebuilt from the one
    before (a blank page was shown: the segment's events applied on nothing)."""
    events, fulls = _events()
    start = events[0]["timestamp"]
    source = ListSource(events, segment_size=1000)
    firsts = {s.index: s.start_ms for s in source.segments}
    moments = [events[i]["timestamp"] - start - 1 for i in fulls[1:]
               if firsts[i // 1000] < events[i]["timestamp"] - 1]   # (within its segment)
    assert moments, "the workload needs a full snapshot inside a segment"
    for t in moments:
        r = Replayer(ListSource(events, segment_size=1000), mode="lazy")
        assert r.reads_ahead(t)
        got = r.state_at(t)
        assert got.nodes and _key(got) == _key(naive_state_at(events, t))


def test_playback_ahead_of_the_index_gives_the_same_ops():
    events, fulls = _events()
    start = events[0]["timestamp"]
    t0 = events[fulls[-1]]["timestamp"] - start + 30_000
    indexed = Replayer(ListSource(events, segment_size=1000), mode="eager")
    ahead = Replayer(ListSource(events, segment_size=1000), mode="lazy")
    steps = [t0 + 250 * i for i in range(0, 41)]
    dom = lambda ops: [o for o in ops if o["k"] not in ("mouse", "click")]  # noqa: E731
    got_all, want_all = [], []
    for a, b in zip(steps, steps[1:]):
        got, want = ahead.ops_between(a, b), indexed.ops_between(a, b)
        assert dom(got) == dom(want)
        got_all += got
        want_all += want
    assert dom(want_all)   # something happened in those 10 s
    clicks = lambda ops: [(o["t"], o["id"]) for o in ops if o["k"] == "click"]  # noqa: E731
    assert clicks(got_all) == clicks(want_all)
    assert ahead.index.events_seen < len(events) / 2


def test_partial_timeline_while_indexing_grows_into_the_full_one():
    events, _ = _events()
    r = Replayer(ListSource(events, segment_size=1000), mode="lazy")
    early = r.timeline_now()
    assert early.duration == r.duration_ms == events[-1]["timestamp"] - events[0]["timestamp"]
    assert 0 < early.event_count < len(events)
    r.index.ensure(r.duration_ms / 2)
    mid = r.timeline_now()
    assert early.event_count < mid.event_count < len(events)
    full = r.timeline
    assert r.ready and full.event_count == len(events)
    # what was known early is a prefix of the final lists
    n = len(mid.logs)
    assert [x.t for x in mid.logs] == [x.t for x in full.logs][:n]
    assert len(full.markers) > len(early.markers)


def test_a_closed_index_reads_nothing_ahead():
    """A reviewer's: a seek read ahead in a thread went on indexing for seconds after its
    window closed. Closed, the index stops: ahead by its last full snapshot, or by indexing."""
    import pytest

    events, fulls = _events()
    start = events[0]["timestamp"]
    for t in (events[fulls[-1]]["timestamp"] - start + 61_000,   # from a snapshot ahead
              events[fulls[1]]["timestamp"] - start - 1_000):    # by indexing up to it
        r = Replayer(ListSource(events, segment_size=1000), mode="lazy")
        assert r.reads_ahead(t)
        r.close()
        with pytest.raises(RuntimeError, match="closed"):
            r.state_at(t)
