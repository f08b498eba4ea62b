"""order.py: which batch a batch id follows, and the hold - asked of a real index, the one
before stored by another thread as a second worker would."""
from __future__ import annotations

import asyncio
import logging
import re
import threading
import time

import pytest

from recorder.index import BatchKey
from recorder.intake.apps import Applications
from recorder.intake.live import LiveIntake
from recorder.intake.order import PageOrder, Waited, previous
from recorder.intake.wire import Batch, WireError
from recorder.privacy import parse_rules
from recorder.privacy.preview import html_to_events
from recorder.store import Store


@pytest.mark.parametrize("batch_id, before", [
    ("pg.1", "pg.0"), ("pg.10", "pg.9"), ("a.b.7", "a.b.6"), ("x.100000", "x.99999"),
    ("pg.0", None), ("pg.01", None), ("pg.-1", None), ("pg.", None), (".3", None),
    ("pg", None), ("pg.1x", None), ("b7", None), (None, None)])
def test_a_batch_follows_the_one_its_counter_names(batch_id, before):
    assert previous(batch_id) == before
    # a batch naming the one it follows (a page's first: the previous page's last) follows it
    assert previous(batch_id, after="prev.7") == "prev.7"


@pytest.fixture
def intake(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    apps = Applications(data)
    app, _ = apps.create("shop")
    live = LiveIntake(Store.open(data), parse_rules('default = "allow"'))
    first = html_to_events("<html><body><p>hi</p></body></html>", href="https://shop.example/")
    for e in first:
        e["timestamp"] = int(time.time() * 1000) - 1000
    yield app, live, first
    live.store.close()
    apps.close()


def _order(live: LiveIntake, **kw) -> PageOrder:
    return PageOrder(live.store.batch_settled, **kw)   # (as the intake asks)


def test_a_batch_waits_for_the_one_before_it_stored_meanwhile(intake):
    app, live, first = intake
    order = _order(live, hold_s=60)
    stored = threading.Event()

    def other_worker():
        time.sleep(0.2)
        live.accept(app, Batch(session_id="v", batch_id="pg.0", events=first))
        stored.set()

    other = threading.Thread(target=other_worker)
    other.start()
    got = asyncio.run(order.wait(BatchKey(app.id, "v", "pg.1")))
    other.join()
    assert got is Waited.FOUND and stored.is_set() and order.held == 0
    # stored already: no wait; another session's or application's pg.0 is not this one's
    assert asyncio.run(order.wait(BatchKey(app.id, "v", "pg.1"))) is Waited.FOUND
    short = _order(live, hold_s=0.1)
    assert asyncio.run(short.wait(BatchKey(app.id, "w", "pg.1"))) is Waited.GAVE_UP
    assert asyncio.run(short.wait(BatchKey("other", "v", "pg.1"))) is Waited.GAVE_UP
    assert asyncio.run(short.wait(BatchKey(app.id, "v", "pg.0"))) is Waited.FOLLOWS_NOTHING


def test_a_batch_of_a_session_deleted_meanwhile_waits_for_nothing(intake, caplog):
    """The session deleted (`replay delete`) as its visit goes on: the index forgets its
    batches, so the next batch waited its whole hold for the one before - then was refused
    (410) and the log said it was stored after it gave up (a newcomer's tryout)."""
    app, live, first = intake
    (sid,) = live.accept(app, Batch(session_id="v", batch_id="pg.0", events=first))
    live.store.delete_session(sid)
    order = _order(live, hold_s=0.5)
    with caplog.at_level(logging.INFO, logger="recorder.intake.order"):
        assert asyncio.run(order.wait(BatchKey(app.id, "v", "pg.1"))) is Waited.FOUND
    with pytest.raises(WireError) as refused:   # (at once: 410)
        live.accept(app, Batch(session_id="v", batch_id="pg.1", events=first[1:]))
    assert refused.value.code == "session_deleted"
    assert "never came" not in caplog.text


def test_no_more_than_the_bound_wait_at_once(intake, caplog):
    app, live, _first = intake
    order = _order(live, hold_s=0.5, most=2)

    async def three():
        keys = [BatchKey(app.id, "v", f"p{k}.5") for k in range(3)]
        waits = [asyncio.ensure_future(order.wait(k)) for k in keys[:2]]
        await asyncio.sleep(0)   # the first two are held
        assert order.held == 2
        third = await order.wait(keys[2])   # stored at once
        return [third] + list(await asyncio.gather(*waits))

    with caplog.at_level("INFO", logger="recorder.intake.order"):
        got = asyncio.run(three())
    assert got == [Waited.FULL, Waited.GAVE_UP, Waited.GAVE_UP] and order.held == 0
    said = [r.getMessage() for r in caplog.records]   # the first at once, then once a minute
    assert len(said) == 1 and said[0].startswith("1 batch waited 0.5 s for the one before it")
    assert re.search(r"\(the last: batch 'p(\d)\.5' of session 'v', waiting for 'p\1\.4'\)$",
                     said[0]), said
    # a batch held for nothing asks the index less and less often (every 20 ms, 25 times)
    asked = []
    counting = PageOrder(lambda key: asked.append(key) is not None, hold_s=0.5)
    assert asyncio.run(counting.wait(BatchKey(app.id, "v", "q.3"))) is Waited.GAVE_UP
    assert 1 <= len(asked) <= 10, len(asked)


def test_a_burst_after_a_gap_is_stored_in_its_order(intake):
    """p.4, p.5 and p.6 arrive (in the reverse order) while p.3 never comes: their times run
    out together, and each still waits for the one before it while that one is in this
    worker's hands - stored p.4, p.5, p.6, not in the order they arrived."""
    app, _live, _first = intake
    done: set[BatchKey] = set()
    order = PageOrder(lambda key: key in done, hold_s=0.3)
    stored: list[str] = []

    async def one(n: int, delay: float):
        key = BatchKey(app.id, "v", f"p.{n}")
        await asyncio.sleep(delay)
        order.arrived(key)
        try:
            await order.wait(key)
            await asyncio.sleep(0.01)   # stored (the index remembers it once done)
            stored.append(key.batch_id)
            done.add(key)
        finally:
            order.done(key)

    async def burst():
        await asyncio.gather(one(6, 0), one(5, 0.002), one(4, 0.004))

    asyncio.run(burst())
    assert stored == ["p.4", "p.5", "p.6"] and not order.here


def test_a_batch_sent_again_after_its_wait_ran_out_waits_only_a_grace(intake):
    """Rule 5: p.5 waited in vain for p.4 and was refused after (a 409 for a text the intake
    no longer had): sent again, it waits GRACE_S, not HOLD_S again; p.4 arriving here after
    all is waited for as rule 3 says, and once stored anywhere it is found. (The clock moves
    a second each time it is read: how long each wait was is how often it asked.)"""
    app, _live, _first = intake
    done: set[BatchKey] = set()
    asked: list[BatchKey] = []
    ticks = iter(range(10**6))

    def stored(key: BatchKey) -> bool:
        asked.append(key)
        return key in done

    order = PageOrder(stored, hold_s=8, grace_s=2, poll_s=0.001, clock=lambda: next(ticks))
    key, before = BatchKey(app.id, "v", "p.5"), BatchKey(app.id, "v", "p.4")
    assert asyncio.run(order.wait(key)) is Waited.GAVE_UP
    first = len(asked)
    assert first >= 8 and set(asked) == {before}
    asked.clear()
    assert asyncio.run(order.wait(key)) is Waited.GAVE_UP
    assert 1 <= len(asked) <= 3 < first
    # another worker stored p.4 meanwhile: found
    done.add(before)
    assert asyncio.run(order.wait(key)) is Waited.FOUND
    # p.4 sent again and in this worker's hands: no longer "never came" - waited for as
    # long as it takes (no time runs out here), and found once stored
    done.discard(before)
    order.arrived(before)
    assert before not in order.never
    order.hold_s = 10**9

    async def stored_meanwhile():
        waiting = asyncio.ensure_future(order.wait(key))
        await asyncio.sleep(0.05)
        done.add(before)
        order.done(before)
        return await waiting

    assert asyncio.run(stored_meanwhile()) is Waited.FOUND
