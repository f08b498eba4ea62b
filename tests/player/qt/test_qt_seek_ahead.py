"""A seek to a moment the index has not reached yet (a long session just opened, its index
still being built) is read in a thread: rebuilt on the UI thread it froze the window for
1.3-4.4 s on a 3-hour session (a support engineer's tryout). The seek returns at once with
the moment being read, the page it then shows is the one the moment loaded whole shows,
playback holds until it is, and seeks meanwhile are made after it - the latest."""
from __future__ import annotations

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
import pytest

from player.qt.replay_widget import ReplayWidget
from player.qt.standalone import dispose
from player.replayer import Replayer
from replay_tools.generator import generate_session

DESCRIBE = "window.__replay.describe()"


@pytest.fixture(scope="module")
def events() -> list[dict]:
    # (more than one step of the indexer: a read ahead that indexes up to 50% leaves 90%
    # ahead still)
    return list(generate_session(12_000, duration_ms=600_000, seed=5))


@pytest.fixture
def lazy_player(qapp, events):
    """A player whose index stays at its first frame ("lazy": indexed only as far as a seek
    asks), as a long session's is while its worker builds the rest."""
    r = Replayer(events, mode="lazy")
    w = ReplayWidget(events, replayer=r)
    w.resize(1200, 700)
    w.show()
    w.wait_ready()
    yield w
    dispose(w)


def test_a_seek_ahead_returns_at_once_and_shows_the_moment_as_loaded_whole(lazy_player):
    w = lazy_player
    c, r = w.controller, w.replayer
    t = int(r.duration_ms * 0.8)
    assert r.reads_ahead(t)
    shown_before = c.sent
    c.seek(t)
    # returned before the moment was rebuilt: the clock is there, the page not yet
    assert c.reading == t and c.time == t and c.sent == shown_before
    assert w.timeline.reading_note.isVisible()
    assert w.timeline.reading_note.text().startswith("Reading ")
    c.wait_read(60)
    w.bridge.wait_idle(30)
    w.bridge.wait_painted(30)
    assert c.reading is None and c.sent == t
    assert not w.timeline.reading_note.isVisible()
    read = w.bridge.call_sync(DESCRIBE)
    r.index.finish()               # the whole index: the same moment loaded whole, at once
    assert not r.reads_ahead(t)
    c.seek(t, force_frame=True)
    assert c.reading is None       # (not read ahead: made in the call)
    w.bridge.wait_idle(30)
    w.bridge.wait_painted(30)
    assert read == w.bridge.call_sync(DESCRIBE)


def test_seeks_meanwhile_are_made_after_it_the_latest_one(lazy_player):
    w = lazy_player
    c, r = w.controller, w.replayer
    first, then, last = (int(r.duration_ms * f) for f in (0.5, 0.7, 0.9))
    c.seek(first)
    assert c.reading == first
    c.seek(then)
    c.seek(last)                   # (dragging: only the latest is kept)
    assert c.time == last and c.reading == first
    seen: list[int] = []
    c.readingChanged.connect(lambda t: seen.append(t))
    w.seek_and_wait(last, 60)      # (waits for each read, as a host's test would)
    c.wait_read(60)
    w.bridge.wait_idle(30)
    assert c.reading is None and c.sent == last and c.time == last
    assert seen == [None, last, None]   # `then` never read: passed over
    read = w.bridge.call_sync(DESCRIBE)
    r.index.finish()
    c.seek(last, force_frame=True)
    w.bridge.wait_idle(30)
    w.bridge.wait_painted(30)
    assert read == w.bridge.call_sync(DESCRIBE)


def test_playback_holds_while_a_moment_is_read(lazy_player, qtbot):
    w = lazy_player
    c, r = w.controller, w.replayer
    t = int(r.duration_ms * 0.6)
    clock: list[tuple[int, object]] = []
    c.timeChanged.connect(lambda ms: clock.append((ms, c.reading)))
    c.seek(t)
    c.play()
    qtbot.waitUntil(lambda: c.reading is None, timeout=60_000)
    qtbot.waitUntil(lambda: c.time > t, timeout=10_000)   # then it plays on from there
    c.pause()
    assert clock and all(ms == t for ms, reading in clock if reading is not None)
    assert c.sent >= t
