"""LiveTail: a live session read as it grows - only what is new, in order, whatever the
store did in between (a compaction renumbers the segments, the events stay)."""
from __future__ import annotations

import time

from player.follow import LiveTail
from recorder.store import Store
from replay_tools.generator import generate_session


def test_tail_reads_only_what_is_new_across_appends_and_compaction(tmp_path):
    t0 = int(time.time() * 1000) - 10 * 60 * 1000
    events = list(generate_session(1500, duration_ms=4 * 60 * 1000, seed=5, start_ms=t0))
    with Store.open(tmp_path) as store:
        (sid,) = store.ingest(events[:500], live=True, session_id="tail")
        tail = LiveTail(store, "tail")
        assert len(tail.events) == 500 and tail.poll() == 0
        store.ingest(events[500:900], live=True, session_id="tail")
        store.ingest(events[900:1000], live=True, session_id="tail")
        assert tail.poll() == 500
        store.compact(sid)                    # fewer, larger segments; same events
        assert tail.poll() == 0
        store.ingest(events[1000:], live=True, session_id="tail")
        assert tail.poll() == 500
        with store.session(sid) as reader:
            assert tail.events == list(reader.events())
        r = tail.replayer()
        try:
            assert r.duration_ms == events[-1]["timestamp"] - events[0]["timestamp"]
        finally:
            r.close()
