"""A stored session whose first segment is damaged keeps its clock: moments are measured from
the session's start (where the index, a bug report's moment and a replay:// link put them),
not from the first event that still decodes - which moved every moment by the damaged
segment's length and cut the session short."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

from player.replayer import Replayer
from recorder.format import EventType
from recorder.privacy import masker_factory
from recorder.rrweb_io import EventStream
from recorder.store import Store

DEMO = Path(__file__).resolve().parents[2] / "assets" / "demo" / "demo-session.json"


def test_a_damaged_first_segment_moves_no_moment(tmp_path):
    events = json.loads(DEMO.read_text())
    t0 = events[0]["timestamp"]
    with Store.open(tmp_path / "data") as store:
        (done,) = store.import_stream(EventStream(DEMO), masker_factory=masker_factory())
        sid = done.id
        with store.session(sid) as src:
            whole = Replayer(src)
            whole.index.ensure(float("inf"))
            full_duration = whole.duration_ms
            segs = list(src.segments)
        assert len(segs) >= 2
        first = sorted((tmp_path / "data" / "segments").rglob("000000-*.seg"))[0]
        blob = bytearray(first.read_bytes())
        blob[len(blob) // 2] ^= 0xFF
        first.write_bytes(bytes(blob))
        with store.session(sid) as src, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = Replayer(src)
            r.index.ensure(float("inf"))
            assert src.damaged == [0]
            assert r.duration_ms == full_duration
            # the second segment's first page, at its own moment
            second_snapshot = next(e["timestamp"] for e in events if e["type"] == EventType.FullSnapshot
                                   and e["timestamp"] >= segs[1].start_ms)
            assert r.index.full_snapshot_t[0] == second_snapshot - t0
            assert r.start_ms == t0
