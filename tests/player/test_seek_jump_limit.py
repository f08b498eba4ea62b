"""A short forward seek replays the operations in between only when they are few
(`ops_between(..., limit)`): a busy range is refused from the index's weights before any
operation is built, so the view shown can still be patched, and an operation list that
outgrows the limit anyway is dropped as soon as it does."""
from __future__ import annotations

from player.keyframes import KeyframeIndex, _weight
from player.replayer import Replayer
from recorder.source import ListSource
from recorder.store import Store
from replay_tools.generator import generate_session

S = 1_700_000_000_000


def _el(i, tag, kids=()):
    return {"type": 2, "id": i, "tagName": tag, "attributes": {}, "childNodes": list(kids)}


def _text(i, s):
    return {"type": 3, "id": i, "textContent": s}


def _snapshot(t):
    rows = [_el(10 + k, "p", [_text(100 + k, f"row {k}")]) for k in range(30)]
    doc = {"type": 0, "id": 1, "childNodes": [
        _el(2, "html", [_el(3, "head"), _el(4, "body", [_el(5, "div", rows)])])]}
    return {"type": 2, "data": {"node": doc, "initialOffset": {"left": 0, "top": 0}},
            "timestamp": S + t}


def _texts(t, n):
    """One mutation changing `n` rows' text (weight n)."""
    return {"type": 3, "timestamp": S + t, "data": {
        "source": 0, "adds": [], "removes": [], "attributes": [],
        "texts": [{"id": 100 + k % 30, "value": f"at {t} #{k}"} for k in range(n)]}}


def _session():
    return [{"type": 4, "data": {"href": "https://x.example/", "width": 800, "height": 600},
             "timestamp": S},
            _snapshot(1),
            _texts(1000, 3), _texts(2000, 2),      # 5 operations in (500, 2500]
            _texts(3000, 40), _texts(4000, 40),    # 80 in (2500, 4500]
            _snapshot(6000)]                       # a page loaded again: a whole frame


def test_the_weight_between_two_moments_is_what_applying_them_costs():
    for interval in (1, 3, 1000):   # ranges within one block and across several
        r = Replayer(_session(), mode="eager", keyframe_interval=interval)
        for t0, t1 in [(0, 6000), (500, 2500), (1000, 4000), (2500, 4500), (4000, 4000.5)]:
            _, events = r.index.dom_events_between(t0, t1, with_state=False)
            assert r.index.weight_between(t0, t1) == sum(_weight(e) for _, e in events)


def test_an_exported_index_weighs_the_same():
    here = KeyframeIndex(ListSource(_session()), interval=2)
    here.finish()
    there = KeyframeIndex(ListSource(_session()), interval=2)
    there.load_export(here.export())
    assert [there.weight_between(a, a + 1500) for a in range(0, 6000, 500)] == \
        [here.weight_between(a, a + 1500) for a in range(0, 6000, 500)]


def test_an_index_not_there_yet_is_not_waited_for(tmp_path):
    with Store.open(tmp_path / "data") as st:
        sid = st.ingest(list(generate_session(6_000, duration_ms=20 * 60 * 1000, seed=3)))[0]
        r = Replayer(st.session(sid), mode="lazy")
        reached = r.index.covered
        assert 0 < reached < r.duration_ms
        assert r.index.weight_between(0, reached + 1) is None
        assert r.index.covered == reached   # not indexed further to answer
        assert r.index.weight_between(0, reached) is not None


def test_a_jump_within_the_limit_gets_its_operations():
    a, b = Replayer(_session()), Replayer(_session())
    a.view_at(500)
    b.view_at(500)
    assert a.ops_between(500, 2500, 10) == b.ops_between(500, 2500)
    assert len(b.ops_between(2500, 4500)) == 80


def test_a_busy_jump_is_refused_before_it_is_built_and_the_page_shown_is_patched():
    r = Replayer(_session())
    r.view_at(2500)
    assert r.ops_between(2500, 4500, 10) is None
    # nothing was applied: the view shown at 2500 is still known, so the seek patches it
    kind, _ = r.view_at(4500, 2500)
    assert kind == "patch"


def test_a_jump_over_a_page_load_is_refused_before_it_is_built():
    r = Replayer(_session())
    r.view_at(5000)
    # a full snapshot weighs nothing (a checkpoint follows it) but is a whole page
    assert r.index.weight_between(5000, 6000) == 0
    assert r.ops_between(5000, 6000, 400) is None
    kind, frame = r.view_at(6000, 5000)   # the view shown is still known
    assert kind == "patch"


def test_operations_outgrowing_the_limit_are_dropped_as_they_are_built():
    # ahead of the index nothing is weighed: the operations are counted as they are built
    r = Replayer(ListSource(_session(), segment_size=2), mode="lazy")
    r.view_at(2500)
    assert r.index.weight_between(2500, 4500) is None
    assert r.ops_between(2500, 4500, 10) is None
    # its mirror stopped part-way: what the view shows is no longer known, a frame follows
    kind, frame = r.view_at(4500, 2500)
    assert kind == "frame"
    assert frame == Replayer(_session()).frame_at(4500)


def _moves(t, n):
    """A MouseMove event of `n` positions (n cursor operations, no DOM operation)."""
    return {"type": 3, "timestamp": S + t, "data": {"source": 1, "positions": [
        {"x": 10 + k, "y": 20, "id": 12, "timeOffset": -k} for k in range(n)]}}


def test_the_cursor_moves_of_a_jump_are_not_counted_against_its_limit():
    # the seek takes what ops_between(..., limit) gives: the one check of a jump's size.
    # 5 DOM operations and 60 cursor positions in (500, 2500]: within a limit of 10
    events = _session()[:4] + [_moves(1500, 20), _moves(1600, 20), _moves(1700, 20)]
    events.sort(key=lambda e: e["timestamp"])
    for r in (Replayer(events, mode="eager"),                                  # indexed
              Replayer(ListSource(events, segment_size=2), mode="lazy")):      # ahead of it
        r.view_at(500)
        ops = r.ops_between(500, 2500, 10)
        assert ops is not None
        dom = [o for o in ops if o["k"] not in ("mouse", "click")]
        assert len(dom) == 5 and len(ops) - len(dom) >= 60 > 10
        r.view_at(500)
        assert r.ops_between(500, 2500, 4) is None    # the DOM operations are what counts
