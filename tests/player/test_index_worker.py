"""The keyframe index built in a worker process (another core, no GIL shared with the UI)
is the same index the player would build itself."""
from __future__ import annotations

import json
import warnings
import time


from player.replayer import Replayer
from replay_tools.generator import generate_session
from recorder.store import Store


def _key(m):
    return json.dumps([m.to_serialized(), m.window_scroll, m.width, m.height,
                       {n.id: (n.value, n.checked, n.scroll, n.sheet) for n in m.nodes.values()}],
                      sort_keys=True)


def test_worker_index_equals_the_in_process_index(tmp_path):
    events = list(generate_session(12_000, duration_ms=40 * 60 * 1000, seed=5))
    with Store.open(tmp_path / "data") as st:
        sid = st.ingest(events)[0]
        src = st.session(sid)
        here = Replayer(src, mode="eager", keyframe_interval=300)
        with warnings.catch_warnings():
            warnings.simplefilter("error")   # the worker's index is loaded, not redone here
            there = Replayer(st.session(sid), mode="process", keyframe_interval=300)
            deadline = time.monotonic() + 120
            while not there.ready and time.monotonic() < deadline:
                time.sleep(0.05)
        assert there.ready and there.runner.proc.returncode == 0
        assert there.index.stats() == here.index.stats()
        for t in [0, 1234, here.duration_ms / 3, here.duration_ms / 2, here.duration_ms]:
            assert _key(there.state_at(t)) == _key(here.state_at(t))
        a, b = there.timeline.to_dict(), here.timeline.to_dict()
        assert a == b   # (ints may come back as floats: equal values)
        assert there.timeline.mouse_at(here.duration_ms / 2) == here.timeline.mouse_at(here.duration_ms / 2)
        assert there.ops_between(1000, 60_000) == here.ops_between(1000, 60_000)


def test_letting_go_of_the_current_segment_loses_nothing(tmp_path):
    events = list(generate_session(8_000, duration_ms=20 * 60 * 1000, seed=9))
    with Store.open(tmp_path / "data") as st:
        sid = st.ingest(events)[0]
        ref = Replayer(st.session(sid), mode="eager", keyframe_interval=200)
        r = Replayer(st.session(sid), mode="lazy", keyframe_interval=200)
        r.index.release_pending()     # as when a worker takes over
        r.index.finish()              # ... and then fails: indexing goes on here
        assert r.index.stats() == ref.index.stats()
        assert r.timeline.event_count == len(events)
        t = ref.duration_ms * 0.7
        assert _key(r.state_at(t)) == _key(ref.state_at(t))


def test_the_compressed_export_is_let_go_before_the_index_is_taken_over(tmp_path, monkeypatch):
    """The worker's export arrives compressed (45 MB for a million events) and is read into
    the index's own structures: the player's RSS peaks there, so the compressed bytes are
    held by nothing any more while the index is taken over."""
    import sys

    from player import index_worker
    from player.keyframes import KeyframeIndex

    blobs: list[bytes] = []
    holders: list[int] = []
    result, take = index_worker.Worker.result, KeyframeIndex.take_export

    def kept_result(self):
        code, out, err = result(self)
        blobs.append(out)
        return code, out, err

    def counted_take(self, export):
        holders.append(sys.getrefcount(blobs[0]) - 2)   # less `blobs` and the call's own
        return take(self, export)

    monkeypatch.setattr(index_worker.Worker, "result", kept_result)
    monkeypatch.setattr(KeyframeIndex, "take_export", counted_take)
    events = list(generate_session(3000, duration_ms=10 * 60 * 1000, seed=5))
    with Store.open(tmp_path / "data") as st:
        sid = st.ingest(events)[0]
        r = Replayer(st.session(sid), mode="process", keyframe_interval=300)
        deadline = time.monotonic() + 120
        while not r.ready and time.monotonic() < deadline:
            time.sleep(0.05)
        assert r.ready and r.runner.proc.returncode == 0
        assert len(blobs[0]) > 0 and holders == [0]
        r.close()


def test_opening_indexes_no_further_than_the_first_frame():
    # what the player indexes before it opens is let go when a worker takes over: a
    # whole step of a long segment (4,096 events of the real recording) was done for nothing
    from player.keyframes import FIRST_STEP
    from recorder.source import ListSource

    events = list(generate_session(6_000, duration_ms=10 * 60 * 1000, seed=4))
    first = next(i for i, e in enumerate(events) if e["type"] == 2)
    r = Replayer(ListSource(events, segment_size=5_000), mode="lazy")
    assert r.index.full_snapshot_t
    assert first < r.index.events_seen <= first + FIRST_STEP < 5_000
