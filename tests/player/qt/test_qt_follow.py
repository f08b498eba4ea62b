"""`--follow` in the real player (QtWebEngine, offscreen): the timeline grows as the live
session is appended to; the view stays at the live edge, unless the person scrubbed back."""
from __future__ import annotations

import time
from contextlib import contextmanager

import player.qt.webview  # noqa: F401  (schemes before the QApplication)

from player.follow import LiveTail
from player.qt.devtools.models import ROW_ROLE
from player.qt.follow import LiveFollow
from player.qt.replay_widget import ReplayWidget
from player.qt.standalone import dispose
from recorder.store import Serving, Store
from replay_tools.generator import generate_session


def _live(n: int, seed: int, minutes: int) -> list[dict]:
    """A live visit's events, started ten minutes ago."""
    t0 = int(time.time() * 1000) - 10 * 60 * 1000
    return list(generate_session(n, duration_ms=minutes * 60 * 1000, seed=seed, start_ms=t0))


@contextmanager
def followed(tmp_path, events: list[dict], first: int, sid: str, slow_build=None,
             serving: Serving | None = None):
    """A store holding the live session's `first` events, a shown player following it, the
    store; `slow_build(build)`: what the tail builds its replayer with instead; `serving`:
    the intake's hold on the folder, the test's to end (else one for the follow's life)."""
    store = Store.open(tmp_path)
    serving = serving or Serving(tmp_path)   # an intake serves the folder (Store.is_live)
    store.ingest(events[:first], live=True, session_id=sid)
    tail = LiveTail(store, sid)
    w = ReplayWidget(None, replayer=tail.replayer())
    if slow_build is not None:
        build = tail.replayer
        tail.replayer = lambda: slow_build(build)
    follow = w.follow = LiveFollow(w, tail, interval_ms=50)
    try:
        w.resize(1200, 760)
        w.show()
        w.wait_ready()
        yield w, tail, store
    finally:
        follow.timer.stop()
        dispose(w)
        store.close()
        serving.close()


def test_timeline_grows_and_the_view_stays_at_the_live_edge(qapp, qtbot, tmp_path):
    events = _live(1200, seed=9, minutes=3)
    with followed(tmp_path, events, 400, "watch") as (w, tail, store):
        c = w.controller
        first = c.duration
        qtbot.waitUntil(lambda: c.time == first, timeout=10_000)   # opened at the edge

        store.ingest(events[400:800], live=True, session_id="watch")
        qtbot.waitUntil(lambda: c.duration > first, timeout=10_000)
        assert c.duration == events[799]["timestamp"] - events[0]["timestamp"]
        assert w.session.duration_ms == c.duration       # the timeline shows the new length
        assert c.time == c.duration                       # still live
        w.bridge.wait_idle(30)
        assert len(tail.events) == 800

        c.seek(1000)                                      # scrub back: stay there
        second = c.duration
        store.ingest(events[800:], live=True, session_id="watch")
        qtbot.waitUntil(lambda: c.duration > second, timeout=10_000)
        assert c.time == 1000
        assert c.duration == events[-1]["timestamp"] - events[0]["timestamp"]


def test_replay_play_follow_shows_what_arrives_while_it_runs(tmp_path):
    """The command itself, offscreen: events stored while the window is open are in the
    timeline it ends with."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    t0 = int(time.time() * 1000) - 10 * 60 * 1000
    events = list(generate_session(800, duration_ms=2 * 60 * 1000, seed=4, start_ms=t0))
    serving = Serving(tmp_path)   # an intake serves the folder (Store.is_live)
    with Store.open(tmp_path) as store:
        store.ingest(events[:300], live=True, session_id="cli-watch")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "--data", str(tmp_path), "play", "cli-watch", "--follow",
         "--quit-after", "8000"], cwd=Path(__file__).parents[3], stderr=subprocess.PIPE,
        text=True)
    time.sleep(3)   # let the window open on the first 300 events (nothing timed is asserted)
    with Store.open(tmp_path) as store:
        store.ingest(events[300:], live=True, session_id="cli-watch")
    _, err = proc.communicate(timeout=120)
    serving.close()
    assert proc.returncode == 0, err
    m = re.search(r"played to (\d+) ms of (\d+) ms", err)
    assert m, err
    assert int(m.group(2)) == events[-1]["timestamp"] - events[0]["timestamp"]


def test_following_keeps_what_the_person_set_in_the_dev_tools_pane(qapp, qtbot, tmp_path):
    """A support engineer following a customer live filtered the console and opened a
    row's details: each time more of the session arrived (once a second), the pane was
    built anew - the filter, the level picked, the row and its details gone, and 60-80 ms
    of the UI thread spent. The pane's rows are replaced in place: what the person set
    stays, the counts follow."""
    events = _live(1200, seed=9, minutes=3)
    with followed(tmp_path, events, 400, "watch") as (w, tail, store):
        w.wait_indexed()
        qtbot.waitUntil(lambda: not w.devtools.filling, timeout=10_000)
        pane = w.devtools
        console = pane.console
        pane.setCurrentWidget(console)
        assert console.model.rowCount() > 0
        first = console.model.rows[0]
        word = first["message"].split()[0]
        console.search.setText(word)
        shown = console.proxy.rowCount()
        console.table.selectRow(0)
        console._clicked(console.proxy.index(0, 2))
        details = console.detail.toPlainText()
        before = (len(console.model.rows), pane.tabText(0))

        store.ingest(events[400:], live=True, session_id="watch")
        qtbot.waitUntil(lambda: len(w.devtools.console.model.rows) > before[0], timeout=15_000)
        assert w.devtools is pane                                 # the same pane, its rows new
        assert console.search.text() == word and console.proxy.rowCount() >= shown
        picked = console.table.selectionModel().selectedRows()
        assert len(picked) == 1 and console.proxy.mapToSource(picked[0]).data(ROW_ROLE) == first
        assert console.detail.isVisible() and console.detail.toPlainText() == details
        assert pane.tabText(0) != before[1]                       # "Console N": N grew
        bar = pane.tabBar()   # and every label, its count larger, still whole
        qtbot.waitUntil(lambda: all(bar.rect().contains(bar.tabRect(i))
                                    for i in range(bar.count())), timeout=5000)


def test_what_arrives_is_read_and_indexed_off_the_ui_thread(qapp, qtbot, tmp_path):
    """Each second of following, the whole session was read and indexed again on the UI
    thread: 0.4 s for 20,000 events - the window froze once a second, the longer the worse.
    The read and the index are a thread's; the UI thread swaps the result in, its event loop
    running meanwhile (a timer of its fires while the build is under way)."""
    import threading

    from PySide6.QtCore import QTimer

    events = _live(800, seed=4, minutes=2)
    building, built_in, ticks = threading.Event(), [], []

    def slow_build(build):   # as a long session's index takes
        built_in.append(threading.current_thread())
        building.set()
        time.sleep(0.6)
        building.clear()
        return build()
    beat = QTimer()
    beat.setInterval(20)
    beat.timeout.connect(lambda: building.is_set() and ticks.append(1))
    with followed(tmp_path, events, 300, "slow", slow_build) as (w, tail, store):
        c = w.controller
        first = c.duration
        built_in.clear()   # (the player's own first build, before the following began)
        beat.start()
        store.ingest(events[300:], live=True, session_id="slow")
        qtbot.waitUntil(lambda: c.duration > first, timeout=15_000)
        beat.stop()
    assert built_in and threading.main_thread() not in built_in
    assert ticks   # the UI thread's timer fired while the session was being built


def test_following_stops_once_the_session_can_grow_no_more(qapp, qtbot, tmp_path):
    """A live session the intake compacted (gone quiet: an event after that starts a session
    of its own) was still read once a second for as long as its player stayed open, nothing
    ever arriving. The read that finds it no longer live is the last, its events shown."""
    from recorder.sessions import INACTIVITY_MS

    events = _live(1200, seed=9, minutes=3)
    with followed(tmp_path, events, 400, "quiet") as (w, tail, store):
        c, follow = w.controller, w.follow
        first = c.duration
        assert follow.timer.isActive()
        store.ingest(events[400:], live=True, session_id="quiet")
        # a quarter of an hour after its last event, as the intake compacts it
        assert store.compact_idle(now_ms=events[-1]["timestamp"] + INACTIVITY_MS + 1) == \
            [tail.id]
        ended = []   # said once, after the last growth was shown (a host retitles on it)
        follow.ended.connect(lambda: ended.append(c.duration))
        qtbot.waitUntil(lambda: not follow.following, timeout=10_000)
        assert c.duration > first and \
            c.duration == events[-1]["timestamp"] - events[0]["timestamp"]
        qtbot.waitUntil(lambda: ended == [c.duration], timeout=5_000)
        with qtbot.waitSignal(follow._landed, timeout=5_000):   # a poll after it (its read
            follow.poll()                                     # landed) says nothing again
        assert ended == [c.duration]


def test_a_live_session_puts_its_pane_on_the_side_a_stored_one_does(qapp, qtbot, tmp_path):
    """The room a live session's pane keeps for its growing counts put the pane below its
    page - shown smaller, between black margins - where the same page stored had it beside
    (a support engineer's tryout: two 1280x800 sessions, two layouts): the side is chosen
    as for a stored session, at every size."""
    from PySide6.QtCore import Qt

    from player.replayer import Replayer
    from recorder.source import ListSource
    events = _live(3_000, seed=7, minutes=2)
    sides = {}
    for live in (False, True):
        store = Store.open(tmp_path / str(live))
        store.ingest(events, live=live, session_id="s")
        tail = LiveTail(store, "s") if live else None
        w = ReplayWidget(None, replayer=tail.replayer() if live else
                         Replayer(ListSource(events), mode="eager"))
        if live:
            w.follow = LiveFollow(w, tail, interval_ms=50)
        try:
            w.show()
            w.wait_ready()
            for size in ((1200, 760), (1280, 800), (1360, 860), (1440, 900)):
                w.resize(*size)
                qtbot.waitUntil(lambda: w.stage.recorded_known)
                qapp.processEvents()
                sides[live, size] = w.splitter.orientation() == Qt.Orientation.Vertical
        finally:
            if live:
                w.follow.timer.stop()
            dispose(w)
            store.close()
    assert {size: below for (live, size), below in sides.items() if live} == \
        {size: below for (live, size), below in sides.items() if not live}, sides


def test_a_follow_goes_on_across_an_intake_restart_and_says_it(qapp, qtbot, tmp_path):
    """`replay serve` stopped and started again while a visit went on: the follow ended -
    "no longer live - the session is whole" - and never picked the session up again, while
    the list marked it live again (a developer's tryout). It is followed on while it may
    grow (not compacted), said not live while no intake serves its folder, and live again
    when one does - what arrived meanwhile shown."""
    events = _live(900, seed=11, minutes=3)
    (tmp_path / "locks").mkdir(parents=True, exist_ok=True)
    first = Serving(tmp_path)
    said = []
    with followed(tmp_path, events, 300, "restarted", serving=first) as (w, tail, store):
        c, follow = w.controller, w.follow
        follow.servingChanged.connect(said.append)
        before = c.duration
        first.close()   # the intake stopped
        qtbot.waitUntil(lambda: said == [False], timeout=10_000)
        assert follow.following and "no intake serves" in follow.serving_text()
        again = Serving(tmp_path)   # ... and started again, storing what the page sent
        store.ingest(events[300:], live=True, session_id="restarted")
        qtbot.waitUntil(lambda: said == [False, True] and c.duration > before, timeout=15_000)
        assert follow.following and c.duration == events[-1]["timestamp"] - events[0]["timestamp"]
        again.close()
