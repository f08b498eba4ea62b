"""Nothing acknowledged is lost, nothing retried is stored twice: a client streams batches
while `replay serve` (2 workers) is killed with SIGKILL at random moments and restarted. The
client sends each batch, under its batch_id, until it is answered 202 - and throws away the
202 of every 5th batch once, as if the connection had died after the server answered.
Afterwards every batch is stored exactly once, whole and in order."""
from __future__ import annotations

import http.client
import random
import threading
import time

from recorder.store import Store
from replay_tools.intake import IntakeServer, post_batch

KILLS = 3
PER_BATCH = 40
LOSE_EVERY = 5   # the client forgets the first 202 of these batches and sends them again


def test_kill_9_at_random_moments_loses_no_acknowledged_event_and_stores_no_retry_twice(
        tmp_path):
    rng = random.Random(1234)
    srv = IntakeServer(tmp_path / "data", workers=2)
    shop = srv.create_app("shop")
    t0 = int(time.time() * 1000) - 120_000
    acked: list[int] = []
    tries = 0
    lost = 0            # 202s thrown away: batches stored, then sent again
    stop = threading.Event()

    def client() -> None:
        nonlocal tries, lost
        b = 0
        while not stop.is_set():
            batch = {"session_id": "crash", "batch_id": f"page1.{b}", "events": [
                {"type": 5, "timestamp": t0 + b * PER_BATCH + i,
                 "data": {"tag": "n", "payload": {"b": b, "i": i}}} for i in range(PER_BATCH)]}
            if b == 0:
                batch["events"].insert(0, {"type": 4, "timestamp": t0, "data": {
                    "href": "https://shop.test/", "width": 800, "height": 600}})
            forget = b % LOSE_EVERY == 0
            while not stop.is_set():    # the same batch, same id, until it is answered
                tries += 1
                try:
                    status, body = post_batch(srv.url, *shop, batch, encoding="gzip",
                                              timeout=10)
                except (OSError, http.client.HTTPException):   # the server died under this
                    status = None   # request (even half way through its answer), or restarts
                if status == 202 and forget:
                    forget = False
                    lost += 1
                    continue
                if status == 202:
                    assert body == {"accepted": len(batch["events"])}
                    acked.append(b)
                    break
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
    assert len(acked) > 10 and tries > len(acked) + lost and lost >= 2   # requests did die

    with Store.open(srv.data) as store:
        with store.session("crash") as reader:
            events = list(reader.events())
            assert not reader.damaged
    stored = [(e["data"]["payload"]["b"], e["data"]["payload"]["i"])
              for e in events if e["type"] == 5]
    assert len(stored) == len(set(stored))                   # nothing twice
    assert stored == sorted(stored)                          # in order
    batches = sorted({b for b, _ in stored})
    assert acked == list(range(len(acked)))                  # (the client's own order)
    assert batches[:len(acked)] == acked                     # every 202 is there
    assert len(batches) <= len(acked) + 1                    # (the last one may be, unanswered)
    for b in batches:                                        # and no batch in part
        assert sum(1 for x, _ in stored if x == b) == PER_BATCH
