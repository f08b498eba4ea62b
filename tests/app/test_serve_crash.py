"""Nothing acknowledged is lost: a client streams batches while `replay serve` (2 workers)
is killed with SIGKILL at random moments and restarted. Afterwards every event that was
answered 202 is stored exactly once and in order, and every batch is whole or absent."""
from __future__ import annotations

import http.client
import random
import threading
import time

from recorder.store import Store
from replay_tools.intake import IntakeServer, post_batch

KILLS = 3
PER_BATCH = 40


def test_kill_9_at_random_moments_loses_no_acknowledged_event(tmp_path):
    rng = random.Random(1234)
    srv = IntakeServer(tmp_path / "data", workers=2)
    shop = srv.create_app("shop")
    t0 = int(time.time() * 1000) - 120_000
    acked: list[int] = []
    tried: list[int] = []
    stop = threading.Event()

    def client() -> None:
        b = 0
        while not stop.is_set():
            batch = {"session_id": "crash", "events": [
                {"type": 5, "timestamp": t0 + b * PER_BATCH + i,
                 "data": {"tag": "n", "payload": {"b": b, "i": i}}} for i in range(PER_BATCH)]}
            if b == 0:
                batch["events"].insert(0, {"type": 4, "timestamp": t0, "data": {
                    "href": "https://shop.test/", "width": 800, "height": 600}})
            tried.append(b)
            try:
                status, _ = post_batch(srv.url, *shop, batch, encoding="gzip", timeout=10)
            except (OSError, http.client.HTTPException):   # the server died under this
                status = None        # request (even half way through its answer), or is restarting
            if status == 202:
                acked.append(b)
            else:
                time.sleep(0.05)
            b += 1

    srv.start()
    th = threading.Thread(target=client)
    th.start()
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.3, 1.5))
            srv.kill9()
            srv.start()
        before = len(acked)
        deadline = time.monotonic() + 30
        while len(acked) < before + 5 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        th.join(60)
        srv.stop()
    assert len(acked) > 10 and len(tried) > len(acked)   # requests did die mid-way

    with Store.open(srv.data) as store:
        with store.session("crash") as reader:
            events = list(reader.events())
            assert not reader.damaged
    stored = [(e["data"]["payload"]["b"], e["data"]["payload"]["i"])
              for e in events if e["type"] == 5]
    assert len(stored) == len(set(stored))                   # nothing twice
    assert stored == sorted(stored)                          # in order
    batches = {b for b, _ in stored}
    assert set(acked) <= batches                             # every 202 is there
    for b in batches:                                        # and no batch in part
        assert sum(1 for x, _ in stored if x == b) == PER_BATCH
