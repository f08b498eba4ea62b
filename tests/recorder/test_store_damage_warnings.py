"""A damaged segment is reported once per reader, however often a player reads it (the
indexer, seeks and exports each read segments again)."""
from __future__ import annotations

import logging

from recorder.store import Store

T0 = 1_700_000_000_000


def _page(n: int) -> list[dict]:
    evs = [{"type": 4, "timestamp": T0, "data": {"href": "https://x.example/", "width": 800,
                                                   "height": 600}},
           {"type": 2, "timestamp": T0, "data": {"initialOffset": {"left": 0, "top": 0}, "node": {
               "type": 0, "id": 1, "childNodes": [{"type": 2, "id": 2, "tagName": "html",
                                                   "attributes": {}, "childNodes": []}]}}}]
    evs += [{"type": 3, "timestamp": T0 + 100 * i, "data": {"source": 1, "positions": [
        {"x": i, "y": i, "id": 2, "timeOffset": 0}]}} for i in range(1, n)]
    return evs


def test_a_damaged_segment_is_reported_once(tmp_path, caplog):
    with Store.open(tmp_path / "d", max_segment_records=10) as store:
        (sid,) = store.ingest(_page(30))
        r = store.session(sid)
        path = store.root / r.segments[1].file
        blob = bytearray(path.read_bytes())
        blob[len(blob) // 2] ^= 0xFF
        path.write_bytes(bytes(blob))
        with caplog.at_level(logging.WARNING, logger="recorder.store"):
            for _ in range(3):
                assert r.read_segment(1) == []
            list(r.events())
        reports = [rec for rec in caplog.records if "skipped" in rec.getMessage()]
        assert len(reports) == 1 and "segment 1" in reports[0].getMessage()
        assert r.damaged == [1]
        assert len(r.read_segment(0)) == 10
