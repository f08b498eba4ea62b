"""Four processes appending live batches to one data folder at once - to one session and
to sessions of their own - never collide, lose or duplicate an event, and keep each
writer's events in order (the store's per-session lock, `LocalStore.session_lock`)."""
from __future__ import annotations

import multiprocessing
import time

from recorder.store import Store

WRITERS = 4
BATCHES = 12
PER_BATCH = 20


def _snapshot(ts: int) -> list[dict]:
    return [{"type": 4, "timestamp": ts, "data": {"href": "http://shop.test/", "width": 800,
                                                   "height": 600}},
            {"type": 2, "timestamp": ts, "data": {"initialOffset": {"left": 0, "top": 0}, "node": {
                "type": 0, "id": 1, "childNodes": [{"type": 2, "id": 2, "tagName": "html",
                                                     "attributes": {}, "childNodes": []}]}}}]


def _writer(root: str, w: int, t0: int, start) -> None:
    store = Store.open(root)
    start.wait()
    for b in range(BATCHES):
        batch = [{"type": 5, "timestamp": t0 + b * 100 + i,
                  "data": {"tag": "w", "payload": {"w": w, "b": b, "i": i}}}
                 for i in range(PER_BATCH)]
        store.ingest(batch, live=True, session_id="shared", now_ms=t0 + 60_000)
        store.ingest(batch, live=True, session_id=f"own-{w}", now_ms=t0 + 60_000)
    store.close()


def test_four_processes_append_without_collision(tmp_path):
    t0 = int(time.time() * 1000) - 60_000
    root = str(tmp_path / "data")
    with Store.open(root) as store:
        store.ingest(_snapshot(t0 - 10), live=True, session_id="shared", now_ms=t0)
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_writer, args=(root, w, t0, start)) for w in range(WRITERS)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with Store.open(root) as store:
        with store.session("shared") as reader:
            events = list(reader.events())
            segs = [s.index for s in reader.segments]
            assert not reader.damaged
        assert segs == list(range(len(segs)))
        marks = [tuple(e["data"]["payload"].values()) for e in events if e["type"] == 5]
        assert len(marks) == len(set(marks)) == WRITERS * BATCHES * PER_BATCH
        for w in range(WRITERS):   # each writer's events in the order it sent them
            mine = [m[1:] for m in marks if m[0] == w]
            assert mine == sorted(mine)
        info = store.index.session("shared")
        assert info.record_count == len(events) == 2 + WRITERS * BATCHES * PER_BATCH
        assert info.segment_count == len(segs)
        for w in range(WRITERS):
            with store.session(f"own-{w}") as reader:
                own = [e["data"]["payload"] for e in reader.events()]
            assert [(p["b"], p["i"]) for p in own] == \
                [(b, i) for b in range(BATCHES) for i in range(PER_BATCH)]
