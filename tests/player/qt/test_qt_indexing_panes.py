"""A long recording opens before it is indexed: the player shows its first frame at once
and fills the timeline and the dev-tools panes in when indexing ends - also for a
whole-player screenshot, which must not capture the empty panes."""
from __future__ import annotations

import contextlib

import player.qt.webview  # noqa: F401  (schemes before the QApplication)

from player.qt.replay_widget import ReplayWidget
from player.qt.standalone import QT_NOISE, dispose, forward_qt_message
from player.replayer import Replayer
from recorder.source import ListSource
from replay_tools.generator import generate_session


def _builds_noted(monkeypatch) -> list[str]:
    """The names of the threads the player's session views are built in, as they are."""
    import threading

    import player.qt.replay_widget as rw
    built_in: list[str] = []
    real = rw.build_session_view

    def build(*a, **k):
        built_in.append(threading.current_thread().name)
        return real(*a, **k)
    monkeypatch.setattr(rw, "build_session_view", build)
    return built_in


def test_panes_fill_in_when_indexing_ends(qapp, monkeypatch):
    # the session view (hundreds of ms on a long session) is built off the UI thread
    import threading

    built_in = _builds_noted(monkeypatch)
    events = list(generate_session(3000, duration_ms=8 * 60 * 1000, seed=3))
    src = ListSource(events, segment_size=300)
    r = Replayer(src, mode="lazy")             # not indexed yet, as a long session opens
    assert not r.ready
    w = ReplayWidget(src, replayer=r)
    try:
        w.resize(1200, 760)
        w.show()
        assert w.session.console == [] and w.session.markers == []   # nothing to show yet
        r.runner.start_background()
        w.wait_indexed(timeout_s=60)
        assert r.ready
        assert w.session.console and w.session.network and w.session.markers
        assert w.controller.sv is w.session
        assert built_in and threading.main_thread().name not in built_in
        assert w.session.console == [
            {"t": int(x.t), "level": x.level or "log", "message": x.message,
             "stack": list(x.trace)} for x in r.timeline.logs]
    finally:
        dispose(w)


def test_a_long_recording_indexed_whole_at_once_reads_its_rows_off_the_ui_thread(
        qapp, monkeypatch):
    # an index complete as the player opens (a long session's, taken over from the store):
    # its rows were built in the constructor, the UI's longest stall on a million events
    import threading

    import player.replayer as rp
    from player.qt.devtools.pane import DevToolsPane, ReadingPane
    from player.qt.session_view import build_session_view

    built_in = _builds_noted(monkeypatch)
    monkeypatch.setattr(rp, "BACKGROUND_ABOVE", 1000)   # 3,000 records: a long one here
    events = list(generate_session(3000, duration_ms=8 * 60 * 1000, seed=3))
    src = ListSource(events, segment_size=300)
    r = Replayer(src, mode="eager")
    assert r.ready and r.is_long
    w = ReplayWidget(src, replayer=r)
    try:
        w.resize(1200, 760)
        w.show()
        assert isinstance(w.devtools, ReadingPane) and w.session.console == []
        w.wait_indexed(timeout_s=60)
        assert isinstance(w.devtools, DevToolsPane)
        assert built_in and threading.main_thread().name not in built_in
        assert w.controller.sv is w.session
        whole = build_session_view(r)
        assert w.session.console == whole.console and w.session.network == whole.network
        assert w.session.markers == whole.markers and w.session.clicks == whole.clicks
    finally:
        dispose(w)

    # a short one's rows are there as it opens, as before
    monkeypatch.setattr(rp, "BACKGROUND_ABOVE", 50_000)
    r = Replayer(src, mode="eager")
    assert r.ready and not r.is_long
    w = ReplayWidget(src, replayer=r)
    try:
        assert isinstance(w.devtools, DevToolsPane) and w.session.console
    finally:
        dispose(w)


def test_gpu_and_sandbox_chatter_is_dropped_and_real_warnings_kept(capsys):
    for noise in QT_NOISE:
        forward_qt_message(None, None, noise + " (details)")
    forward_qt_message(None, None, "js: Uncaught ReferenceError in the runtime")
    err = capsys.readouterr().err
    assert err == "js: Uncaught ReferenceError in the runtime\n"


def test_an_indexed_player_is_kept_from_the_gc_and_freed_when_closed(qapp, qtbot):
    # a full collection walking a long session's index stalled the UI: once the panes are
    # filled, what the player holds is frozen; frozen cycles are never freed, so closing
    # the player hands them back and they are collected
    import gc
    import weakref

    _no_release_due(qtbot)
    events = list(generate_session(3000, duration_ms=8 * 60 * 1000, seed=3))
    src = ListSource(events, segment_size=300)
    r = Replayer(src, mode="lazy")
    w = ReplayWidget(src, replayer=r)
    w.resize(1200, 760)
    w.show()
    r.runner.start_background()
    w.wait_indexed(timeout_s=60)
    index = weakref.ref(r.index)
    assert gc.get_freeze_count() > 0   # (no closed player's collection due: at once)
    frozen = {id(o) for o in gc.get_objects()}
    assert id(r.index) not in frozen            # gc.get_objects() leaves frozen ones out
    dispose(w)
    del w, r
    qtbot.waitUntil(lambda: gc.collect() is not None and index() is None, timeout=10000)


def test_the_player_process_hands_the_gil_to_the_ui_thread_within_a_millisecond(qapp):
    """While a long session's index is taken over and its rows are built in threads, the UI
    thread waits for the GIL each time Qt calls into Python (each cell painted): the
    player's application keeps that wait to UI_SWITCH_INTERVAL_S, not Python's 5 ms."""
    import sys

    from player.qt.standalone import UI_SWITCH_INTERVAL_S, application

    sys.setswitchinterval(0.005)   # Python's default, whatever ran before
    assert application() is qapp
    assert sys.getswitchinterval() == UI_SWITCH_INTERVAL_S <= 0.001


def test_memory_freed_is_given_back_to_the_system():
    # what a closed player (or opening one) freed stayed in the C allocator's heap: each
    # player closed on a 1M-event session left ~60 MB of RSS behind for the next to add to
    import pytest

    from player.qt.replay_widget import _malloc_trim, give_back

    import os
    import platform

    if _malloc_trim() is None or platform.libc_ver()[0] != "glibc":
        pytest.skip("no malloc_trim here (not glibc)")
    if os.environ.get("LD_PRELOAD"):   # (jemalloc, tcmalloc: not glibc's heap to trim)
        pytest.skip("another allocator may be preloaded")

    def rss_mb() -> int:
        status = open("/proc/self/status").read()
        return int(status.split("VmRSS:")[1].split()[0]) // 1024

    freed = [bytes(4000) for _ in range(20_000)]   # 80 MB, each from malloc (not pymalloc)
    after = bytes(4000)   # allocated after them: the heap cannot shrink from its top
    held = rss_mb()
    del freed
    assert rss_mb() > held - 40   # freed, but kept by the allocator
    give_back()
    assert rss_mb() < held - 60
    del after


def _long_replayer(monkeypatch, events=None):
    """A recording counted long here (its rows read in a thread), its index complete at
    once - as a long session's kept index taken over from the store."""
    import player.replayer as rp
    monkeypatch.setattr(rp, "BACKGROUND_ABOVE", 1000)
    events = events or list(generate_session(3000, duration_ms=8 * 60 * 1000, seed=3))
    src = ListSource(events, segment_size=300)
    r = Replayer(src, mode="eager")
    assert r.ready and r.is_long
    return src, r


def _rows_held(monkeypatch):
    """The row thread's build held until the returned event is set."""
    import threading

    import player.qt.replay_widget as rw
    go = threading.Event()
    real = rw.build_session_view

    def build(*a, **k):
        assert go.wait(60), "the rows were never let go"
        return real(*a, **k)
    monkeypatch.setattr(rw, "build_session_view", build)
    return go


def _unreadable_rows(monkeypatch):
    """A long recording (`_long_replayer`) whose rows cannot be read: (source, replayer)."""
    import player.qt.replay_widget as rw

    def build(*a, **k):
        raise ValueError("the recording's semantics are unreadable")
    monkeypatch.setattr(rw, "build_session_view", build)
    return _long_replayer(monkeypatch)


@contextlib.contextmanager
def _held_rows_player(monkeypatch, src, r, *, overlay: bool = True):
    """The player of `src` (replayer `r`) whose rows are held (`_rows_held`), at the app's
    size (its cursor overlay hidden unless `overlay`), shown, its first frame ready:
    (player, go); the rows let go and the player disposed of after."""
    go = _rows_held(monkeypatch)
    w = ReplayWidget(src, replayer=r)
    try:
        w.resize(1200, 760)
        if not overlay:
            w.stage.overlay.hide()
        w.show()
        w.wait_ready()
        yield w, go
    finally:
        go.set()
        dispose(w)


@contextlib.contextmanager
def _grown_live_session(monkeypatch):
    """A live session's held-rows player (`_held_rows_player`) opened on the first 2,500
    events, and what the session grew to: (events, player, go, its row thread)."""
    events = list(generate_session(3000, duration_ms=8 * 60 * 1000, seed=3))
    src, r = _long_replayer(monkeypatch, events[:2500])
    with _held_rows_player(monkeypatch, src, r) as (w, go):
        yield events, w, go, w._builder


def _follows_swap(w, events):
    """LiveFollow's swap to a newer replayer and its rows, made as the follow makes it:
    the session view it showed."""
    import types

    from player.qt.follow import LiveFollow
    from player.qt.session_view import build_session_view
    newer = Replayer(ListSource(events, segment_size=300), mode="eager")
    sv = build_session_view(newer)
    LiveFollow._swap(types.SimpleNamespace(widget=w), newer, sv)
    return sv


def _no_release_due(qtbot) -> None:
    """No closed player's collection due (an earlier test's player closed and not deleted,
    or deleted less than RELEASE_MS ago): nothing is frozen while one is - what a test of
    the freeze sees would depend on the tests run before it."""
    from PySide6.QtWidgets import QApplication

    import player.qt.replay_widget as rw
    for w in QApplication.allWidgets():
        if isinstance(w, ReplayWidget) and w._closed:
            dispose(w)
    qtbot.waitUntil(lambda: rw._releases_due == 0, timeout=10000)


def test_a_player_disposed_of_while_its_rows_are_read_is_not_frozen_and_is_freed(
        qapp, qtbot, monkeypatch):
    # its collection ran as it was deleted, the row thread still running: that collection's
    # freeze took what the thread held (its Replayer - a cycle -, the index, the rows half
    # made): frozen until the next player closed, and frozen again by that one's
    import gc
    import weakref

    import player.qt.replay_widget as rw

    _no_release_due(qtbot)
    src, r = _long_replayer(monkeypatch)
    go = _rows_held(monkeypatch)
    index = weakref.ref(r.index)
    w = ReplayWidget(src, replayer=r)
    del r   # (the row thread's, from now: it holds the Replayer as a host's thread would)
    try:
        w.show()
        w.wait_ready()
        builder = w._builder
        assert builder is not None and builder.is_alive()
        dispose(w)
        qtbot.wait(50)   # (the event loop's steps after it: whatever is due runs)
        assert rw._releases_due == 1   # its collection waits for the thread
        assert gc.get_freeze_count() == 0
        assert id(index()) in {id(o) for o in gc.get_objects()}   # not frozen
        go.set()
        builder.join(60)
        assert not builder.is_alive()
        # the collection, once the thread ended: the recording freed, what is open frozen
        qtbot.waitUntil(lambda: rw._releases_due == 0, timeout=10000)
        assert index() is None
        assert gc.get_freeze_count() > 0
    finally:
        go.set()


def test_the_frame_on_show_when_the_rows_land_gets_its_cursor_and_hover(qapp, monkeypatch):
    # a long session's first frame came before its rows: without the cursor, the :hover
    # path and the ripples - and stayed so until the next seek
    src, r = _long_replayer(monkeypatch)
    tl = r.timeline
    t = next(int(mt) for mt, _x, _y in tl.mouse_trail(0, r.duration_ms) if mt > 20_000)
    with _held_rows_player(monkeypatch, src, r) as (w, go):
        w.seek_and_wait(t)
        assert w.session.timeline is None and w.stage.overlay._moves == []
        frames = w.controller.frames_loaded
        go.set()
        w.wait_indexed(timeout_s=60)
        w.bridge.wait_idle()
        assert w.controller.frames_loaded == frames + 1   # the frame painted again
        pos = tl.mouse_at(t)
        assert pos is not None and w.stage.overlay._moves[-1][1:] == (pos[0], pos[1])
        assert w.controller.hover_path(t)


def test_the_frame_on_show_when_the_rows_land_gets_its_hover_with_the_cursor_off(
        qapp, monkeypatch):
    # a screenshot without the cursor (FramePainter, cursor=False: the overlay hidden) was
    # not painted again when the rows landed - but its :hover path is part of the page
    src, r = _long_replayer(monkeypatch)
    with _held_rows_player(monkeypatch, src, r, overlay=False) as (w, go):
        w.seek_and_wait(30_000)
        frames = w.controller.frames_loaded
        go.set()
        w.wait_indexed(timeout_s=60, rows=False)
        w.bridge.wait_idle()
        assert w.controller.frames_loaded == frames + 1   # painted again, :hover with it
        assert w.controller.hover_path(30_000)


def test_rows_landing_while_playing_reload_no_frame(qapp, monkeypatch):
    # the moment on show was painted again whole (force_frame) in the middle of playback:
    # the page blank and back. Playing, the cursor and :hover path alone are put on it
    src, r = _long_replayer(monkeypatch)
    with _held_rows_player(monkeypatch, src, r) as (w, go):
        w.seek_and_wait(30_000)
        frames = w.controller.frames_loaded
        c, overlay = w.controller, w.stage.overlay
        # what the overlay was reset to, playing, with the rows in; the pointer ops sent
        # (playback's own ticks feed the overlay moves and paths too: not these)
        resets: list[tuple[int, list]] = []
        sent: list[dict] = []
        reset, apply = c._reset_overlay, w.bridge.apply_ops

        def noted_reset(t):
            reset(t)
            if c.playing and c.sv.timeline is not None:
                resets.append((t, list(overlay._moves)))

        def noted_apply(ops, *a, **k):
            sent.extend(op for op in ops if op.get("k") == "pointer")
            return apply(ops, *a, **k)
        c._reset_overlay, w.bridge.apply_ops = noted_reset, noted_apply
        c.play()
        go.set()
        w.wait_indexed(timeout_s=60, rows=False)
        assert c.playing and w.session.timeline is not None
        assert c.frames_loaded == frames
        # the overlay put on the moment on show when they landed: the cursor where the
        # rows say it is then, and the page's :hover path there sent
        assert len(resets) == 1
        t, moves = resets[0]
        pos = w.session.mouse_at(t)
        assert pos is not None and moves[-1] == (t, pos[0], pos[1])
        path = c.hover_path(t)
        assert path and {"t": t, "k": "pointer", "path": path} in sent


def test_a_screenshot_waits_for_the_rows_of_a_long_recording(qapp, monkeypatch):
    # `replay screenshot` painted before or after the rows landed: the cursor and :hover
    # there or not, by chance
    from player.qt.standalone import FramePainter

    src, r = _long_replayer(monkeypatch)
    go = _rows_held(monkeypatch)
    ready = ReplayWidget.wait_ready

    def wait_ready(self, *a, **k):   # the rows let go once the view is ready, no sooner
        ready(self, *a, **k)
        go.set()
    monkeypatch.setattr(ReplayWidget, "wait_ready", wait_ready)
    painter = FramePainter(src, replayer=r)
    try:
        w = painter.widget
        assert w.session.timeline is not None
        t = next(int(mt) for mt, _x, _y in r.timeline.mouse_trail(0, r.duration_ms)
                 if mt > 20_000)
        painter.frame(t)
        pos = r.timeline.mouse_at(t)
        assert w.stage.overlay._moves[-1][1:] == (pos[0], pos[1])
    finally:
        go.set()
        painter.close()


def test_a_screenshot_whose_rows_could_not_be_read_says_so(qapp, monkeypatch, capsys):
    # it painted without the cursor, :hover path and ripples, and said nothing
    from player.qt.standalone import FramePainter
    src, r = _unreadable_rows(monkeypatch)
    painter = FramePainter(src, replayer=r)
    try:
        assert painter.widget.session.timeline is None
        err = capsys.readouterr().err
        assert "rows could not be read (the recording's semantics are unreadable)" in err
        assert "without the cursor" in err
    finally:
        painter.close()


def test_a_player_closed_while_its_rows_are_read_is_never_frozen(qapp, qtbot, monkeypatch):
    # its row thread, ending after the close, froze everything alive then - the closed
    # player's Replayer, index and rows among it - and nothing ever unfroze it
    import gc

    import player.qt.replay_widget as rw

    _no_release_due(qtbot)
    src, r = _long_replayer(monkeypatch)
    go = _rows_held(monkeypatch)
    w = ReplayWidget(src, replayer=r)
    counted_out = False
    try:
        w.resize(1200, 760)
        w.show()
        w.wait_ready()
        builder = w._builder
        assert builder is not None and builder.is_alive()
        w.close()
        # its collection waits for the thread (due meanwhile, nothing is frozen): counted
        # out here, as if it had run, only the closed check keeps the thread from freezing
        with rw._HOLDING:
            rw._releases_due -= 1
        counted_out = True
        gc.unfreeze()
        assert rw._releases_due == 0 and gc.get_freeze_count() == 0
        go.set()
        builder.join(60)
        assert not builder.is_alive() and gc.get_freeze_count() == 0
    finally:
        if counted_out:   # (its collection, run once the thread ended, counts it out)
            with rw._HOLDING:
                rw._releases_due += 1
        go.set()
        dispose(w)


def _a_first_player(qtbot):
    """With no closed player's collection due, a short session's player shown and ready:
    (its events, the player, a weak reference to its index)."""
    import weakref

    _no_release_due(qtbot)
    events = list(generate_session(300, duration_ms=60 * 1000, seed=4))
    a = ReplayWidget(events)
    a.show()
    a.wait_ready()
    return events, a, weakref.ref(a.replayer.index)


def test_a_player_opened_right_after_a_close_freezes_nothing_until_the_closed_one_is_freed(
        qapp, qtbot, monkeypatch):
    # the next player's freeze, within RELEASE_MS of a close, froze the closed one's
    # garbage cycles with the rest: never freed (the app opens a stored session so, closing
    # the player it replaces first)
    import gc

    events, a, index = _a_first_player(qtbot)
    a.close()
    b = ReplayWidget(events)
    try:
        b.show()
        b.wait_ready()
        assert gc.get_freeze_count() == 0   # a's cycles would be frozen with b's objects
        a.deleteLater()   # (RELEASE_MS after this, its release: nothing else collects)
        del a
        qtbot.waitUntil(lambda: index() is None, timeout=10000)
        qtbot.waitUntil(lambda: gc.get_freeze_count() > 0, timeout=10000)   # b's, frozen
    finally:
        dispose(b)


def test_a_player_opened_after_another_is_disposed_of_is_frozen_as_it_is_made(qapp, qtbot):
    # the app closes one player, then opens the next (a stored session shown again, a tab
    # closed then another opened): the closed one's collection, due RELEASE_MS after it
    # was deleted, kept the next from being frozen, and came in the middle of its opening,
    # walking its objects with the closed one's. Now it is collected in the next step
    import gc

    import player.qt.replay_widget as rw

    events, a, index = _a_first_player(qtbot)
    dispose(a)   # (`a` still held here, as a host's reference: its recording is not)
    assert rw._releases_due == 1   # (its collection: in the next step)
    b = ReplayWidget(events)   # (its first frame read in a thread: the event loop runs)
    try:
        qtbot.waitUntil(lambda: rw._releases_due == 0, timeout=10000)
        assert index() is None
        assert gc.get_freeze_count() > 0
        assert id(b.replayer.index) not in {id(o) for o in gc.get_objects()}   # frozen
    finally:
        dispose(b)


def test_players_closed_in_one_go_share_one_collection(qapp, qtbot):
    # a window's tabs closed (close_all, sessions deleted, the window shut): each player's
    # deletion ran a full collection of its own on the UI thread, each walking all that is
    # alive (every close unfreezes it all) - one is enough for them all
    import gc
    import weakref

    import player.qt.replay_widget as rw

    _no_release_due(qtbot)
    events = list(generate_session(300, duration_ms=60 * 1000, seed=4))
    players = [ReplayWidget(events) for _ in range(3)]
    for p in players:
        p.show()
        p.wait_ready()
    indexes = [weakref.ref(p.replayer.index) for p in players]
    full: list[int] = []

    def counted(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)
    was = gc.isenabled()
    gc.disable()   # (no automatic collection counted: only those run for the players)
    gc.callbacks.append(counted)
    try:
        for p in players:   # as a window's close_all: one dispose after another
            dispose(p)
        qtbot.waitUntil(lambda: rw._releases_due == 0, timeout=10000)
        assert len(full) == 1
        assert all(ix() is None for ix in indexes)   # all three freed by it
        assert gc.get_freeze_count() > 0   # what is open, frozen again
    finally:
        gc.callbacks.remove(counted)
        if was:
            gc.enable()


def test_malloc_trim_is_looked_up_on_linux_only_and_never_fails(monkeypatch):
    # CDLL(None) raises TypeError on Windows: give_back raised in every player's close
    import ctypes
    import sys

    import player.qt.replay_widget as rw

    looked: list = []

    class NoLibC:
        def __init__(self, name):
            looked.append(name)
            raise TypeError("LoadLibrary() argument 1 must be str, not None")

    monkeypatch.setattr(ctypes, "CDLL", NoLibC)
    try:
        for platform in ("win32", "darwin", "linux"):
            monkeypatch.setattr(sys, "platform", platform)
            rw._malloc_trim.cache_clear()
            assert rw._malloc_trim() is None
            rw.give_back()   # nothing to do, nothing raised
        assert looked == [None]   # (looked up on Linux only)
    finally:
        monkeypatch.undo()
        rw._malloc_trim.cache_clear()


def test_rows_that_cannot_be_read_are_said_in_the_pane(qapp, monkeypatch):
    # raised from the poll's timer slot, the error left the pane "Reading..." for good
    from player.qt.devtools.pane import READING, ReadingPane
    src, r = _unreadable_rows(monkeypatch)
    w = ReplayWidget(src, replayer=r)
    try:
        w.resize(1200, 760)
        w.show()
        w.wait_indexed(timeout_s=60)
        assert isinstance(w.devtools, ReadingPane)
        texts = [w.devtools.widget(i).text() for i in range(w.devtools.count())]
        assert texts and all("semantics are unreadable" in t and t != READING for t in texts)
    finally:
        dispose(w)


def test_a_live_session_that_grew_is_not_replaced_by_its_older_rows(qapp, monkeypatch):
    # a live session's newer replayer and rows (LiveFollow's swap) came before the row
    # thread's, which then put the older session back in their place
    with _grown_live_session(monkeypatch) as (events, w, go, builder):
        assert builder is not None and builder.is_alive()
        sv = _follows_swap(w, events)
        go.set()
        builder.join(60)
        w.wait_indexed(timeout_s=60)
        assert w.session is sv and w.controller.sv is sv
        assert w.session.event_times == sv.event_times


def test_older_rows_come_before_a_live_sessions_newer_ones_are_not_held(qapp, monkeypatch):
    # the row thread stored its (older) session view, then LiveFollow's swap landed
    # before the next poll: the poll stopped, that view and its rows were held for good
    with _grown_live_session(monkeypatch) as (events, w, go, builder):
        go.set()
        builder.join(60)   # (no event-loop step since: the poll has not read it)
        assert not builder.is_alive() and w._built is not None
        sv = _follows_swap(w, events)
        assert w._built is None and w._built_for is None
        assert w.session is sv


def test_a_live_sessions_swap_between_the_row_threads_check_and_store_holds_nothing(
        qapp, qtbot, monkeypatch):
    # the row thread checked its replayer was still the player's, then stored its rows in
    # another step: LiveFollow's swap landing between the two (set_session letting go of
    # what was stored, nothing stored yet) left the older session view stored, held for
    # good. The thread is stopped right after its check, and the swap made then
    import threading
    import types

    from player.qt.follow import LiveFollow
    from player.qt.session_view import build_session_view

    asked, swapped = threading.Event(), threading.Event()
    with _grown_live_session(monkeypatch) as (events, w, go, builder), \
            contextlib.ExitStack() as after:
        after.callback(swapped.set)   # (before the rows are let go: the thread may wait on it)
        assert builder is not None and builder.is_alive()

        def replayer(self):   # the row thread's first look is its check
            value = self.__dict__["_replayer"]
            if threading.current_thread() is builder and not asked.is_set():
                asked.set()   # the swap, now - on the UI thread
                assert swapped.wait(60)   # made, or waiting for this step to end
            return value

        def set_replayer(self, value):
            self.__dict__["_replayer"] = value
        # (a wrapper's own attribute is read before its class's property: moved aside)
        w.__dict__["_replayer"] = w.__dict__.pop("replayer")
        monkeypatch.setattr(ReplayWidget, "replayer", property(replayer, set_replayer),
                            raising=False)
        lock = w._built_lock

        class Noted:   # the thread's lock: the UI thread waiting for it is noted
            def __enter__(self):
                if threading.current_thread() is threading.main_thread():
                    swapped.set()   # (the swap waits for the thread's step)
                return lock.__enter__()

            def __exit__(self, *exc):
                return lock.__exit__(*exc)
        w._built_lock = Noted()
        newer = Replayer(ListSource(events, segment_size=300), mode="eager")
        sv = build_session_view(newer)
        go.set()
        qtbot.waitUntil(asked.is_set, timeout=60000)
        LiveFollow._swap(types.SimpleNamespace(widget=w), newer, sv)   # the follow's swap
        swapped.set()
        builder.join(60)
        assert not builder.is_alive()
        assert w._built is None and w._built_for is None   # the older view not held
        assert w.session is sv


def test_a_kept_index_rebuilt_for_the_rows_is_built_with_the_collector_on(
        qapp, tmp_path, monkeypatch):
    # the row thread read the timeline inside no_gc(): semantics found damaged there, the
    # kept index was dropped and the whole rebuild waited for inside it - the cyclic GC
    # off for the process (every thread) all that time. (Asked of the row thread's no_gc
    # itself, not gc.isenabled(): process-wide, any thread's no_gc - a seek's on the UI
    # thread - turns that off for a while)
    import contextlib

    import player.qt.replay_widget as rw
    import player.replayer as rp
    from recorder.store import Store
    from tests.player.test_index_store_damaged import _stored_with_damaged_semantics

    monkeypatch.setattr(rp, "BACKGROUND_ABOVE", 1000)
    events = list(generate_session(2000, duration_ms=60_000, seed=7))
    sid, kept = _stored_with_damaged_semantics(tmp_path / "data", events)
    with Store.open(tmp_path / "data") as st:
        src = st.session(sid)
        r = Replayer(src, mode="background")
        assert r.ready and r.is_long and kept.exists()   # taken over
        off, opened, real_no_gc = [0], [], rw.no_gc   # the row thread's no_gc: open now?

        @contextlib.contextmanager
        def no_gc():   # the real one, counted
            with real_no_gc():
                off[0] += 1
                opened.append(1)
                try:
                    yield
                finally:
                    off[0] -= 1
        monkeypatch.setattr(rw, "no_gc", no_gc)
        on, advance = [], r.index.advance

        def noted(*a, **k):   # the real step, whether the row thread's no_gc was open
            if not r.index.done:   # (a step of the rebuild, not a look once it is done)
                on.append(off[0] == 0)
            return advance(*a, **k)
        r.index.advance = noted
        w = ReplayWidget(src, replayer=r)
        try:
            w.wait_indexed(timeout_s=60)
            # (dropped, and built again by a worker: kept anew)
            assert r.ready and w.session.timeline is not None
            assert on and all(on), on
            assert opened and off == [0]   # (it was open, for the rows)
        finally:
            dispose(w)


def test_a_stored_sessions_assets_are_read_once_on_the_ui_thread(qapp, tmp_path, monkeypatch):
    # read by the opening thread's Replayer and by the web view's resolver at once, a
    # stored session's assets were made twice: Fetch Images and Fonts did not refresh it
    import threading

    import recorder.asset_store as asset_store
    from recorder.store import Store

    made: list[str] = []
    real = asset_store.FolderAssets

    class Counted(real):
        def __init__(self, *a, **k):
            made.append(threading.current_thread().name)
            super().__init__(*a, **k)
    monkeypatch.setattr(asset_store, "FolderAssets", Counted)
    events = list(generate_session(300, duration_ms=60 * 1000, seed=4))
    with Store.open(tmp_path / "data") as st:
        (sid,) = st.ingest(events)
        src = st.session(sid)
        w = ReplayWidget(src)
        try:
            assert made == [threading.main_thread().name]
            assert w.replayer.reload_assets()   # the one the player's page is served from
        finally:
            dispose(w)
            src.close()


def test_a_player_whose_web_view_fails_closes_the_replayer_it_opened(qapp, monkeypatch):
    # read in a thread while the web view is made: when that failed, the thread's Replayer
    # (its index worker on a long session) was left running, nobody's
    import pytest

    import player.qt.replay_widget as rw
    import player.replayer as rp

    closed: list = []

    class Watched(rp.Replayer):
        def close(self):
            closed.append(self)
            super().close()

    def no_bridge(*a, **k):
        raise RuntimeError("no web view here")
    monkeypatch.setattr(rp, "Replayer", Watched)
    monkeypatch.setattr(rw, "RuntimeBridge", no_bridge)
    events = list(generate_session(300, duration_ms=60 * 1000, seed=4))
    with pytest.raises(RuntimeError, match="no web view"):
        ReplayWidget(events)
    assert len(closed) == 1 and isinstance(closed[0], Watched)


def test_a_collection_while_a_player_reads_its_recording_freezes_none_of_it(
        qapp, qtbot, monkeypatch):
    # the closed player's collection ran in the event loop the opening runs while its
    # Replayer is read in a thread, and froze that Replayer half made (an opening that then
    # failed left it frozen until the next close); the player freezes itself once made
    import gc
    import threading

    from PySide6.QtCore import QTimer

    import player.qt.replay_widget as rw
    import player.replayer as rp

    _no_release_due(qtbot)
    inside, go = threading.Event(), threading.Event()
    seen: list[int] = []

    class Held(rp.Replayer):   # the real one, held in the middle of the opening
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            inside.set()
            assert go.wait(60)

    def collection() -> None:   # a closed player's collection, as its timer runs it
        try:
            assert inside.wait(60)
            gc.unfreeze()
            rw._collect_released()
            seen.append(gc.get_freeze_count())
        finally:
            go.set()

    monkeypatch.setattr(rp, "Replayer", Held)
    events = list(generate_session(300, duration_ms=60_000, seed=3))
    QTimer.singleShot(0, collection)
    w = ReplayWidget(ListSource(events))
    try:
        assert seen == [0]   # nothing of the half-made player frozen
        assert rw._opening == 0 and gc.get_freeze_count() > 0   # frozen once made
    finally:
        dispose(w)


def test_the_thumbnail_painter_collects_its_player_before_it_waits_for_the_next(
        qapp, qtbot, tmp_path):
    # the painter process runs no event loop between sessions (it waits on its stdin): the
    # collection its player's release left to the loop's next step waited for the next
    # paint - the recording held till then, and that collection came in the next opening
    import gc

    import player.qt.replay_widget as rw
    from app.window.thumbnail_job import paint
    from recorder.store import Store

    _no_release_due(qtbot)
    with Store.open(tmp_path / "data") as st:
        (sid,) = st.ingest(list(generate_session(300, duration_ms=60_000, seed=3)))
        gc.unfreeze()
        paint(st, sid, tmp_path / "thumb.png")   # as the painter's loop does, no event loop
        assert (tmp_path / "thumb.png").exists()
        assert rw._released == 0 and rw._releases_due == 0   # collected already
        assert gc.get_freeze_count() > 0   # and what is alive frozen again


def test_a_busy_closed_players_collection_keeps_one_retry_pending(qapp, qtbot, monkeypatch):
    # its close's timer, its deletion's and `released` each found the row thread running
    # and armed a retry chain of its own: up to three 1 s timers going round, not one
    from PySide6.QtCore import QTimer

    import player.qt.replay_widget as rw

    _no_release_due(qtbot)
    armed: list[int] = []

    class Noted(QTimer):   # the real timers, their single shots noted
        @staticmethod
        def singleShot(ms, *a):  # noqa: N802 (Qt)
            armed.append(ms)
            return QTimer.singleShot(ms, *a)

    monkeypatch.setattr(rw, "QTimer", Noted)
    busy = [True]
    release = rw.let_go(busy=lambda: busy[0])   # (its own timer: RELEASE_MS from now)
    try:
        assert armed == [rw.RELEASE_MS]
        for _ in range(3):   # its deletion, `released`, ... while the row thread runs
            release()
        assert armed == [rw.RELEASE_MS, rw.RELEASE_MS]   # one retry pending, not three
    finally:
        busy[0] = False
        release()   # the thread ended: collected in the next step
        qtbot.waitUntil(lambda: rw._releases_due == 0, timeout=10000)
