"""LiveTail: a live session read as it grows - only what is new, in order, whatever the
store did in between (a compaction renumbers the segments, the events stay)."""
from __future__ import annotations

import os
import threading
import time

from player.follow import LiveTail
from recorder.store import Serving, Store, intake_serving
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


def test_the_tail_says_when_nothing_more_can_come(tmp_path):
    """The live intake compacts a session gone quiet (a quarter of an hour without an event;
    an event after that starts a session of its own): the read that sees it no longer live
    holds the last events, and says so - a follower polled once a second for as long as the
    player stayed open, reading nothing."""
    from recorder.sessions import INACTIVITY_MS

    t0 = int(time.time() * 1000) - 60 * 60 * 1000   # a visit an hour ago, 4 minutes long
    events = list(generate_session(600, duration_ms=4 * 60 * 1000, seed=7, start_ms=t0))
    serving = Serving(tmp_path)   # an intake serves the folder
    with Store.open(tmp_path) as store:
        (sid,) = store.ingest(events[:300], live=True, session_id="quiet")
        tail = LiveTail(store, "quiet")
        assert tail.live
        store.ingest(events[300:], live=True, session_id="quiet")
        assert tail.poll() == 300 and tail.live
        assert store.compact_idle(idle_ms=INACTIVITY_MS) == [sid]   # as the intake does
        assert tail.poll() == 0 and not tail.live
        with store.session(sid) as reader:
            assert tail.events == list(reader.events())
        again = LiveTail(store, "quiet")   # (opened after: all of it, not live)
        assert not again.live and again.events == tail.events
    serving.close()


def test_nothing_is_live_while_no_intake_serves_the_folder(tmp_path):
    """A session the intake stored and had not compacted yet when it stopped was shown live
    ("replay serve may still be storing it") for good - nothing could (a support engineer's
    tryout): live while a live intake holds the folder (each worker's `Serving`), in another
    process too, and not once it lets go; its next start counts it live again."""
    import subprocess
    import sys

    t0 = int(time.time() * 1000) - 60 * 1000
    events = list(generate_session(200, duration_ms=30 * 1000, seed=8, start_ms=t0))
    serving = Serving(tmp_path)
    with Store.open(tmp_path) as store:
        (sid,) = store.ingest(events, live=True, session_id="left")
        tail = LiveTail(store, sid)
        assert tail.live and tail.serving and store.live_ids() == {sid}
        serving.close()   # (it may still grow: an intake started again goes on with it)
        assert tail.poll() == 0 and tail.live and not tail.serving
        assert store.live_ids() == set() and not store.is_live(sid) and store.may_grow(sid)
        held = subprocess.Popen([sys.executable, "-c", "import sys, time; from recorder.store"
                                 " import Serving; s = Serving(sys.argv[1]); print(1, flush=True);"
                                 " time.sleep(60)", str(tmp_path)], stdout=subprocess.PIPE)
        try:
            assert held.stdout.readline() == b"1\n"
            assert store.is_live(sid) and store.live_ids() == {sid}
        finally:
            held.kill()   # (SIGKILL: its lock file stays behind, its lock goes)
            held.wait()
        locks = tmp_path / "locks"
        assert [p.name for p in locks.iterdir() if p.name.startswith("serving-")]
        assert not store.is_live(sid)
        assert not [p.name for p in locks.iterdir() if p.name.startswith("serving-")]
    # two asking at once (the app's list, `replay sessions`) never take each other for an
    # intake (a reviewer's find: one lock file asked exclusively said "serving" to a quarter)
    def ask_together(n: int = 300) -> list[bool]:
        said: list[bool] = []
        askers = [threading.Thread(target=lambda: said.extend(
            intake_serving(tmp_path) for _ in range(n))) for _ in range(2)]
        for a in askers:
            a.start()
        for a in askers:
            a.join()
        return said

    for k in range(40):   # lock files dead intakes left, each asked by both
        (tmp_path / "locks" / f"serving-dead{k}.lock").write_bytes(b"")
    old = tmp_path / "locks" / "serving-died-naming.tmp"   # (one that died before naming it)
    old.write_bytes(b"")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    young = tmp_path / "locks" / "serving-being-made.tmp"   # (one between making and lock)
    young.write_bytes(b"")
    assert ask_together() == [False] * 600
    assert [p.name for p in (tmp_path / "locks").iterdir() if p.name.startswith("serving-")] \
        == ["serving-being-made.tmp"]
    young.unlink()
    serving = Serving(tmp_path)
    assert ask_together() == [True] * 600
    serving.close()
    assert ask_together(50) == [False] * 100


def test_one_asset_lookup_per_follow_sees_images_fetched_meanwhile(tmp_path):
    """The view serving `replay-asset:` keys keeps the first source's lookup: every source
    of a follow shares it, and it reads the store again when new events came - an image
    fetched meanwhile is found, and served by that same first lookup."""
    from recorder.asset_store import AssetStore

    t0 = int(time.time() * 1000) - 10 * 60 * 1000
    events = list(generate_session(400, duration_ms=60 * 1000, seed=3, start_ms=t0))
    url = "https://shop.example/logo.png"
    png = (b"\x89PNG\r\n\x1a\n" + b"\0" * 30)
    with Store.open(tmp_path) as store:
        (sid,) = store.ingest(events[:200], live=True, session_id="live")
        tail = LiveTail(store, "live")
        first = tail.source().assets
        assert first.find(url) is None
        with AssetStore(tmp_path) as assets:
            assets.put(url, png, "image/png", 200, [sid])
        store.ingest(events[200:], live=True, session_id="live")
        assert tail.poll() == 200
        later = tail.source().assets
        assert later is first
        key = first.find(url)
        assert key is not None and first.read(key) == (png, "image/png")
