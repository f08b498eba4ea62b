"""ReplayWidget: the replay view, the timeline and the dev-tools pane, wired to one clock.

Embed it in the desktop app, or open it standalone (`replay play`, `replay demo`). It takes
a RecordingSource (a stored session or a file opened without importing) or a list of raw
rrweb events.

What a host uses: `seek(ms)`, `current_ms()`, `session_id`, `play()`/`pause()`, the
`copyLink` action ("copy link to this moment": `replay://SESSION?t=MS` on the clipboard), and
`export_menu` (the Export button's menu: bundle, HAR, clips, Playwright script).
"""
from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import sys
import threading
from typing import Any, Callable, Iterator

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractSlider,
                               QAbstractSpinBox, QApplication, QComboBox, QSplitter, QTabBar,
                               QVBoxLayout, QWidget)

from player.links import moment_link
from player.zoom import pane_below, pane_height, pane_width
from recorder.bug import BugReport
from recorder.moments import moment_text
from recorder.format import no_gc
from recorder.source import RecordingSource

from .devtools.pane import READING, DevToolsPane, PaneTabs, ReadingPane
from .export_menu import ExportMenu
from .page_bar import NO_URL, PageBar
from .playback import PlaybackController
from .progress import begun
from .runtime_bridge import RuntimeBridge
from .session_view import SessionView, build_session_view, error_moment, reported_at
from .stage import ReplayStage
from .steps_pane import StepsPane
from .style import STYLESHEET
from .timeline_widget import TimelineWidget


# a dev-tools pane below the page (a tall window) is never shorter: its tabs, filter and
# a dozen rows
PANE_BELOW_HEIGHT = 300


# A step of work left for the event loop's next round: by a timer, not `singleShot(0)` -
# that posts an event, and the event loop (glib's) delivers two posted events in a row
# before the timers and input waiting since the first: two 70 ms steps made one 140 ms
# stall. A timer's turn comes after theirs.
NEXT_STEP_MS = 1
# a closed player's objects are collected this much after it is destroyed (its host drops
# what it held of it meanwhile) - or KEPT_RELEASE_MS after its close, for a host keeping it
RELEASE_MS = 1000
KEPT_RELEASE_MS = 30_000


def hold_still(closed: Callable[[], bool] = lambda: False) -> bool:
    """Move every object alive now out of the cyclic GC's reach (`gc.freeze`): an open
    session's index, timeline and dev-tools rows live as long as the player, and a full
    collection walking them (measured on a 1M-event session: 40-110 ms, holding the GIL)
    was the UI's longest stall, mostly in the middle of a seek. A frozen cycle is never
    freed, and a player holds some (its Replayer among them): `let_go` when it closes.
    Nothing is frozen while a closed player's collection is due (`let_go`) - its cycles,
    garbage by then, would be frozen with the rest: that collection freezes what is open
    once it has run - nor for a player closed already (`closed()`: its row thread ending
    after the close froze the closed player whole). Whether it froze."""
    with _HOLDING:
        if _releases_due or closed():
            return False
        gc.freeze()
        return True


def give_back() -> None:
    """Memory freed by now returned to the system (glibc's `malloc_trim`; nothing elsewhere).
    What a player frees - a closed one's index, timeline and rows, an open one's taking
    over of a kept index - stays in the C allocator's heaps otherwise (the index is read in
    a thread: an arena of its own): on a 1,000,000-event session each player closed left
    ~60 MB of the process's RSS behind, on top of which the next one opened. 6-20 ms."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    """glibc's `malloc_trim`, or None: looked up on Linux only (elsewhere `CDLL(None)`
    itself fails - a TypeError on Windows), and any failure of the look-up is None (a
    C library without it: musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim   # (the GIL is let go while it runs)
    except Exception:  # noqa: BLE001 - no trimming is all it costs
        return None


def settle(closed: Callable[[], bool] = lambda: False) -> None:
    """An open player's rows are all in: what it holds is out of the GC's reach from now
    (`hold_still`), and what opening it freed is given back (`give_back`)."""
    hold_still(closed)
    give_back()


def let_go(closed: QWidget | None = None,
           busy: Callable[[], bool] = lambda: False) -> Callable[[], None]:
    """A player closed: everything frozen goes back to the collector now, and RELEASE_MS
    after the `closed` player is destroyed (its host let go of it; KEPT_RELEASE_MS after
    the close for a host keeping it - not on a fixed timer from the close: a player still
    held by then was frozen, garbage once dropped) one full collection frees its cycles
    and what is still open is frozen again - unless another player closed since, whose own
    collection is still due (the collections due are counted: only the last freezes).
    That collection runs in the event loop's next step, one for every player released
    by then (`_collect_soon`: several closed in one go share it).
    While `busy()` (the closed player's row thread still runs) it waits RELEASE_MS more,
    still due: run then, its freeze took what the thread held (its Replayer, in a cycle,
    the index, the rows half made) - frozen, never freed.
    Returned: that collection, to run it sooner (once only) - `ReplayWidget.released`."""
    global _releases_due
    with _HOLDING:
        gc.unfreeze()
        _releases_due += 1
    ran: list[bool] = []
    # a retry armed while busy: one at most (the close's timer, the deletion's and
    # `released` each found the row thread running and armed a chain of their own)
    retrying: list[bool] = []

    def retry() -> None:
        retrying.clear()
        release()

    def release() -> None:
        if ran:
            return
        if busy():
            if not retrying:
                retrying.append(True)
                QTimer.singleShot(RELEASE_MS, retry)
            return
        ran.append(True)
        _collect_soon()
    QTimer.singleShot(RELEASE_MS if closed is None else KEPT_RELEASE_MS, release)
    if closed is not None:
        closed.destroyed.connect(lambda *_: QTimer.singleShot(RELEASE_MS, release))
    return release


_HOLDING = threading.Lock()   # hold_still's freeze, let_go's unfreeze: one at a time
_releases_due = 0   # let_go's collections to come
_released = 0   # ... of which released, their one collection in the next step (UI thread)
_deleting = 0   # players being deleted (`deleting`): the collection waits for the last
_opening = 0   # players being opened (`opening`): the collection freezes nothing meanwhile


@contextlib.contextmanager
def deleting() -> Iterator[None]:
    """Widgets being deleted (player.qt.standalone's `dispose`): a collection released by
    one deleted before waits for the end - `dispose` runs the event loop (its deletions),
    and the collection the previous player's release put in the next step ran there: each
    player of several closed in one go (a window's tabs, sessions deleted, the window shut)
    had a full collection of its own on the UI thread, every one walking all that is alive
    (each close unfreezes it all)."""
    global _deleting
    _deleting += 1
    try:
        yield
    finally:
        _deleting -= 1


@contextlib.contextmanager
def opening() -> Iterator[None]:
    """A player being opened (its Replayer read in a thread: ReplayWidget's own, the app's
    OpenJob): a closed player's collection coming meanwhile (the event loop runs) frees
    but freezes nothing - its freeze took the half-made Replayer and index, and an opening
    that then failed or was cancelled left them frozen (never freed) until the next close.
    The player made freezes itself as it is made (`ReplayWidget.__init__`). Any thread."""
    global _opening
    with _HOLDING:
        _opening += 1
    try:
        yield
    finally:
        with _HOLDING:
            _opening -= 1


def _collect_soon() -> None:
    """A released player's collection: one, in the event loop's next step, for all those
    released meanwhile (`_collect_released`)."""
    global _released
    _released += 1
    if _released == 1:
        QTimer.singleShot(NEXT_STEP_MS, _collect_due)


def collect_released_now() -> None:
    """For a host running no event loop between players (app.window.thumbnail_job's
    painter, waiting on its stdin for the next session): the collection of the players
    released by now, left to the event loop's next step (`_collect_soon`), runs now - it
    waited for the next paint's event loop, the closed player's recording held till then
    and, once run there, its collection walking the next player's opening. Nothing when
    none is released (a row thread still running: its collection waits for it) or within
    a dispose (`deleting`)."""
    if _released and not _deleting:
        _collect_released()


def _collect_due() -> None:
    """`_collect_soon`'s step: the collection, unless it was run already
    (`collect_released_now`)."""
    if _released:
        _collect_released()


def _collect_released() -> None:
    global _releases_due, _released
    if _deleting:   # within a dispose: after it, with those the next ones release
        QTimer.singleShot(NEXT_STEP_MS, _collect_due)
        return
    with _HOLDING:
        _releases_due = max(0, _releases_due - _released)
    _released = 0
    gc.collect()
    hold_still(lambda: _opening > 0)   # (checked under its lock, as `opening` counts)
    give_back()


COPY_LINK_KEYS = "Ctrl+Shift+C"   # Copy link (an action of the player's, in its page bar)
# The player's keys: (keys, what they do - the app's Help lists them, so each says it in
# words a person new to the player reads at once -, the action)
PLAYER_KEYS: tuple[tuple[str, str, Callable[["ReplayWidget"], object]], ...] = (
    ("Space", "play or pause", lambda w: w.controller.toggle()),
    ("Left", "back 5 seconds", lambda w: w.controller.step(-5000)),
    ("Right", "forward 5 seconds", lambda w: w.controller.step(5000)),
    ("Shift+Left", "back to the previous event", lambda w: w.controller.previous_event()),
    ("Shift+Right", "on to the next event", lambda w: w.controller.next_event()),
    ("Up", "play faster", lambda w: w.controller.faster()),
    ("Down", "play slower", lambda w: w.controller.slower()),
    # (the page as the error left it: see session_view.error_moment)
    ("E", "jump to the next error, the page as the error left it; after the last error,"
          " back to the first", lambda w: w.next_error()),
    ("Home", "go to the start", lambda w: w.controller.seek(0)),
    ("End", "go to the end", lambda w: w.controller.seek(w.controller.duration)),
    # the page's zoom, as in a browser; F fits it to the player again
    ("Ctrl++", "zoom in on the page", lambda w: w.stage.zoom_in()),
    ("Ctrl+=", "zoom in on the page", lambda w: w.stage.zoom_in()),
    ("Ctrl+-", "zoom out", lambda w: w.stage.zoom_out()),
    ("Ctrl+0", "show the page at 100% (a recorded pixel per screen pixel)",
     lambda w: w.stage.set_zoom(1.0)),
    ("F", "fit the page to the player", lambda w: w.stage.fit()),
)

# The player's plain keys a focused control of its own uses (the rest stay the player's,
# from anywhere in it): a dev-tools table's rows go up and down, its tab bar goes left and
# right, a combo box steps its choices, Space presses a button. Left and Right stay ±5 s in
# a table (its rows are picked whole: there is no column to move to).
KEYS_OF_FOCUSED: tuple[tuple[type, frozenset[int]], ...] = (
    (QAbstractItemView, frozenset({Qt.Key.Key_Up, Qt.Key.Key_Down})),
    (QTabBar, frozenset({Qt.Key.Key_Left, Qt.Key.Key_Right})),
    (QComboBox, frozenset({Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Space})),
    (QAbstractSpinBox, frozenset({Qt.Key.Key_Up, Qt.Key.Key_Down})),
    (QAbstractSlider, frozenset({Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Left,
                                 Qt.Key.Key_Right})),
    (QAbstractButton, frozenset({Qt.Key.Key_Space})),
)


def focused_uses(widget: QWidget | None, key: int, modifiers: Qt.KeyboardModifier) -> bool:
    """Whether `widget` (the focused one) uses the plain `key` itself (KEYS_OF_FOCUSED):
    the player's shortcut for it then gives way."""
    if widget is None or modifiers & ~Qt.KeyboardModifier.KeypadModifier:
        return False
    return any(isinstance(widget, kind) and key in keys for kind, keys in KEYS_OF_FOCUSED)


class ReplayWidget(QWidget):
    # a line for the host's status bar: what an action of the player did (a link copied),
    # and the rest of it for the bar's tooltip ("" when the line says it all) - the line is
    # kept short enough to be read whole in a window's status bar
    said = Signal(str, str)

    def __init__(self, source: Any, parent: QWidget | None = None, *, replayer: Any = None,
                 title: str | None = None, assets: Any = None,
                 session: SessionView | None = None, report: BugReport | None = None):
        """`assets`: key -> (bytes, mime) | None, serving `replay-asset:/a/KEY` URLs (assets
        stored with the recording; by default the source's, `source.assets`); everything
        else the page asks for is blocked.
        `replayer` and `session` (its session view, when it is indexed whole) may come
        made already, off the UI thread (the app opens recordings that way). `report`: the
        bug report the recording carries (`recorder.bug`, its steps read): shown as the
        pane's first tab, "Steps", its rows and the bug's moment seeking there."""
        super().__init__(parent)
        with opening():   # (a collection meanwhile freezes none of it: frozen once made)
            self._make(source, replayer, title, assets, session, report)
        hold_still()

    def _make(self, source: Any, replayer: Any, title: str | None, assets: Any,
              session: SessionView | None, report: BugReport | None) -> None:
        from player.replayer import Replayer  # the rebuild (no Qt) — imported lazily

        self.setObjectName("replayWidget")
        self.setStyleSheet(STYLESHEET)
        self.source = source
        # the recording's first frame read in a thread from now (on a 1M-event session the
        # index kept by the store: 0.4 s), the web view made meanwhile: Chromium starts and
        # loads the runtime's page while it is read (this thread's event loop goes on)
        # (its stored assets read here first: made lazily by the source, made in both
        # threads at once they were two, the Replayer's not the one the page's images come
        # from - Fetch Images and Fonts then did not refresh the open player)
        stored = source.assets if isinstance(source, RecordingSource) else None
        opened = None if replayer is not None else begun(lambda: Replayer(source), "replay-open")
        try:
            self.stage = ReplayStage(self)
            if assets is None:
                from player.assets import scheme_resolver
                assets = scheme_resolver(stored)
            self.stage.profile.assets.resolver = assets
            self.bridge = RuntimeBridge(self.stage.page, self)
        except BaseException:
            if opened is not None:   # the thread's Replayer is nobody's: its indexing stops
                try:
                    opened().close()
                except Exception:  # noqa: BLE001 - the web view's failure is the one said
                    pass
            raise
        self.replayer = replayer if opened is None else opened()
        self._info = source.info if isinstance(source, RecordingSource) else None
        self._app_name = source.application_name if isinstance(source, RecordingSource) \
            else None
        # only a recording with an id can be linked to (raw events have none)
        self.session_id: str | None = source.id if isinstance(source, RecordingSource) else None
        # a long recording's rows are built off the UI thread even when its index is
        # complete at once (taken over from the store): built here, they were the UI's
        # longest stall on a 1,000,000-event session (0.35 s, and 0.12-0.16 s more for the
        # pane's tables made whole), and put off its first frame as long
        rows_later = session is None and not self.replayer.rows_at_once
        if session is not None:
            self.session = session
        elif not rows_later:
            self.session = build_session_view(self.replayer, self._info, self._app_name)
        else:
            # a long recording is still being indexed in the background (or its rows are
            # read in a thread): show its first frame now, fill the timeline and the panes
            # in when the index is complete and they are read
            start = int(self.replayer.start_ms or 0)
            self.session = SessionView(start_ms=start,
                                       end_ms=start + int(self.replayer.duration_ms or 0))
        self.title = title or (self.session.facts and next(
            (v for k, v in self.session.facts if k == "URL"), None)) or "Session replay"

        self.copyLink = QAction("Copy link", self)
        self.copyLink.setObjectName("copyLinkAction")
        self.copyLink.setShortcut(QKeySequence(COPY_LINK_KEYS))
        self.copyLink.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.copyLink.setEnabled(self.session_id is not None)
        origin = source.origin if isinstance(source, RecordingSource) else None
        self.copyLink.setToolTip(
            "Only a recording with a session id can be linked to" if self.session_id is None
            else "Copy a replay:// link to this moment (Ctrl+Shift+C); pasted in the app's"
                 " search box or `replay open LINK`, it opens here" + (" once this file is imported (`replay import`)" if origin else ""))
        self.copyLink.triggered.connect(self.copy_link)
        self.addAction(self.copyLink)
        self.page_bar = PageBar(self.copyLink, self)
        self.timeline = TimelineWidget(self.session, self)
        # Export: the session, or the range selected on the timeline (any host gets it)
        self.export_menu = ExportMenu(self)
        self.follow = None   # a LiveFollow (player/qt/follow.py): its host follows a live one
        self.timeline.add_tool(self.export_menu.button)
        # a session view made off the UI thread may hold tens of thousands of rows: they
        # fill in a chunk per event-loop step, as when indexing ends; until a long
        # recording is indexed, its tabs only say so
        self.devtools: PaneTabs = ReadingPane(self) if rows_later else \
            DevToolsPane(self.session, self, gradual=session is not None)
        self.controller = PlaybackController(self.replayer, self.session, self.stage,
                                             self.bridge, self)
        self.steps_pane: StepsPane | None = None
        if report is not None:
            self.steps_pane = StepsPane()
            self.steps_pane.show_report(report)
            if self.session.timeline is not None:   # (made already: else set_session's)
                self.steps_pane.show_errors(self.session.error_lines())
            self.steps_pane.label.hide()   # its tab says "Steps N"
            self.steps_pane.seekRequested.connect(self.controller.seek)
            self.steps_pane.errorRequested.connect(self._go_to_error)
            self._add_steps_tab(self.devtools)
            self.devtools.setCurrentIndex(0)

        left = QWidget(self)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.setSpacing(0)
        lv.addWidget(self.page_bar)
        lv.addWidget(self.stage, 1)     # every pixel of height the column has
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.devtools)
        # As narrow as the wider of the two: on a window too narrow for both side by side the
        # pane goes below the page (_split) - the sum of both held the app's window at least
        # 1,070 px wide, wider than a 1024 screen. (A minimum set, not a size hint overridden:
        # Qt asks a hint while it tears the widgets down.)
        self.splitter.setMinimumWidth(max(left.minimumSizeHint().width(),
                                          self.devtools.minimumSizeHint().width()))
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setHandleWidth(1)
        self._split_auto = True     # until the person drags the splitter
        self._side_decided = False  # the pane's side, right or below, is chosen (_split)
        self.splitter.splitterMoved.connect(self._split_by_hand)
        # the timeline spans the player's whole width, under the page and the pane: its
        # markers get all the room there is, and it never sets the page column's width
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.splitter, 1)
        lay.addWidget(self.timeline)

        c = self.controller
        self.timeline.playToggled.connect(c.toggle)
        self.timeline.seekRequested.connect(c.seek)
        self.timeline.speedChosen.connect(c.set_speed)
        self.timeline.skipToggled.connect(c.set_skip_inactive)
        self.devtools.seekRequested.connect(c.seek)
        c.timeChanged.connect(self.timeline.set_time)
        self._pane_timer = QTimer(self)     # the pane follows the clock, next step
        self._pane_timer.setSingleShot(True)
        self._pane_timer.setInterval(0)
        self._pane_timer.timeout.connect(lambda: self.panes_to(self.controller.time))
        c.timeChanged.connect(self._time_moved)
        c.playingChanged.connect(self.timeline.set_playing)
        c.speedChanged.connect(self.timeline.set_speed)
        c.skippingChanged.connect(self.timeline.set_skipping)
        c.readingChanged.connect(self.timeline.set_reading)
        c.timeChanged.connect(self._show_url)
        pb, st = self.page_bar, self.stage
        pb.fitRequested.connect(st.fit)
        pb.actualSizeRequested.connect(lambda: st.set_zoom(1.0))
        pb.zoomInRequested.connect(st.zoom_in)
        pb.zoomOutRequested.connect(st.zoom_out)
        st.zoomChanged.connect(pb.set_zoom)
        st.viewportChanged.connect(pb.set_viewport)
        # a resize in the recording (or a seek across one) refits the page on the pane's
        # side; the first viewport, as the window's size, chooses the side
        st.viewportChanged.connect(lambda *_: self._split(keep_side=self._side_decided))
        pb.set_viewport(*st.recorded)
        pb.set_zoom(st.scale, st.zoom is None)
        if rows_later:
            pb.url.setPlaceholderText(READING)   # the URLs come with the index
        self._show_url(c.time)
        self._shortcuts()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._builder: threading.Thread | None = None
        self._closed = False   # closeEvent: nothing of it is to be frozen from then on
        self._error_shown: int | None = None   # the number of the error E showed last
        self._rows_for: SessionView | None = None   # the pane is rebuilt for it, next step
        self._made: tuple[SessionView, DevToolsPane] | None = None   # ... made, not yet placed
        self._built: SessionView | Exception | None = None
        self._built_for: Any = None   # the replayer `_built` was read from
        # the row thread's check of its replayer and store of `_built`, as one step
        self._built_lock = threading.Lock()
        # why the rows of a long recording could not be read (said in the pane), if so
        self.rows_failed: str | None = None
        self._index_timer: QTimer | None = None   # polls the background index until done
        if rows_later:
            self._index_timer = QTimer(self)
            self._index_timer.setInterval(250)
            self._index_timer.timeout.connect(self._check_index)
            self._index_timer.start()
            self._check_index()   # an index complete already: its rows are read from now

    def _check_index(self) -> None:
        """Polled while indexing: once it is done, the session view (a few hundred ms of
        pure Python on a million events) is built in a thread, so playback does not
        stall; the next poll shows it."""
        if not self.replayer.ready:
            return
        if self._built is None:
            if self._builder is None:
                replayer = self.replayer   # (a live one followed may be replaced meanwhile)

                def build() -> None:
                    try:
                        # the timeline first, the collector on: a kept index found damaged
                        # as it is read is dropped and built again, waited for here - with
                        # the collector off for the whole process as long (no_gc is global)
                        replayer.timeline
                        with no_gc():   # a full collection here holds the GIL: the UI stalls
                            built = build_session_view(replayer, self._info,
                                                       self._app_name)
                            # (checked and stored in one step: a swap between the two -
                            # set_session's - left this older view held for good)
                            with self._built_lock:
                                if self.replayer is not replayer:   # replaced: not shown,
                                    return                          # nor held
                                self._built, self._built_for = built, replayer
                            # ... and so did the first young collection after it, walking
                            # the rows made meanwhile (20-30 ms on a million events): they
                            # live as long as the player
                            hold_still(lambda: self._closed or self.replayer is not replayer)
                    except Exception as exc:  # noqa: BLE001 - shown by the next poll
                        with self._built_lock:
                            if self.replayer is replayer:
                                self._built, self._built_for = exc, replayer
                self._builder = threading.Thread(target=build, name="replay-session-view",
                                                 daemon=True)
                self._builder.start()
            return
        self._index_timer.stop()
        with self._built_lock:   # (both stored together: never one without the other)
            built, built_for = self._built, self._built_for
            self._built = self._built_for = None
        if not isinstance(built, Exception) and built_for is not self.replayer:
            return   # a live session's older replayer's: a newer one is shown already
        if isinstance(built, Exception):
            # said in the pane (raised from a timer's slot, it left the pane "Reading..."
            # for good); a kept index found damaged meanwhile was dropped and built again
            # (player.keyframes), so this is the recording itself
            self.rows_failed = str(built) or type(built).__name__
            if isinstance(self.devtools, ReadingPane):
                self.devtools.failed(self.rows_failed)
            self.page_bar.url.setPlaceholderText(NO_URL)
            return
        self.set_session(built)

    # --- what a host uses -----------------------------------------------------------------------
    def seek(self, ms: int) -> None:
        """Show the moment `ms` milliseconds after the session's first event (clamped to
        the session). Before the view is ready, it opens there."""
        self.controller.seek(int(ms))

    def current_ms(self) -> int:
        return int(self.controller.time)

    def show_stored_assets(self) -> bool:
        """Images and fonts were stored for the session on show since it opened (Session >
        Fetch Images and Fonts): they are read, and the moment on show is painted again
        with them (a whole frame: the page's elements kept their blocked URLs). False when
        this recording has no stored assets to read."""
        if not self.replayer.reload_assets():
            return False
        self.controller.seek(self.controller.time, force_frame=True)
        return True

    def play(self) -> None:
        """Play (now, or as soon as the view is ready)."""
        if self.bridge.is_ready:
            self.controller.play()
        else:
            self.bridge.ready.connect(self.controller.play,
                                      Qt.ConnectionType.SingleShotConnection)

    def pause(self) -> None:
        self.controller.pause()

    def next_error(self) -> None:
        """E: the next error; after the last one the first again, said (the key did
        nothing there, and a person pressing it to go through the errors could not tell
        whether there were more); a session without errors says so."""
        c, sv = self.controller, self.session
        # (by number: two errors at one moment - a failed request and the TypeError it
        # caused - are two presses, the second was never shown)
        number = sv.next_error_number(c.time, self._error_shown)
        if number is not None:
            t, which = sv.error_at(number)
            c.seek(t)
            self._show_error(t, which)
            self._error_shown = number
            # (said each time: the line the last press left stayed - "No error after 0:16.4"
            # under the next error shown, a support engineer's tryout)
            self.said.emit(f"Error {number} of {sv.error_number(t)[1]}, at"
                           f" {moment_text(reported_at(t))}", "")
            return
        first = sv.first_error()
        if first is None:
            self.said.emit("This session has no errors", "")
            return
        was = c.time
        c.seek(first)
        self._show_error(first)
        self._error_shown = 1
        self.said.emit(f"No error after {moment_text(was)} - back to the first one, at"
                       f" {moment_text(reported_at(first))}", "")

    def _go_to_error(self, t: int) -> None:
        """An error's row in the Steps tab clicked (`t`: when it was reported): the error
        shown, as E shows it."""
        shown = error_moment(t)
        self.controller.seek(shown)
        self._show_error(shown)
        # (E goes on from this one: the first error shown at its moment)
        self._error_shown = self.session.error_number(shown)[0]

    def _show_error(self, t: int, which: int = 0) -> None:
        """The pane on the Errors tab, the error at `t` picked (`which` of those shown
        there; not while its rows are read)."""
        if isinstance(self.devtools, DevToolsPane):
            self.devtools.show_error(t, which)

    def shown_source(self) -> RecordingSource:
        """The recording the player shows, as an export writes it: `source`, or for a live
        session followed, the events read so far (`source` is the session as it was stored
        when the player opened - without what the customer did since)."""
        return self.follow.tail.source() if self.follow is not None else self.source

    def link(self) -> str | None:
        """`replay://SESSION?t=MS` for the moment on show (None without a session id)."""
        return moment_link(self.session_id, self.current_ms()) if self.session_id else None

    def copy_link(self) -> None:
        """The moment's link on the clipboard, and said (`said`): copying shows nothing
        else. The line says what to do with it (its ~250 characters were cut in the app's
        status bar); the link and the rest, the tooltip."""
        link = self.link()
        if link is not None:
            QGuiApplication.clipboard().setText(link)
            self.said.emit(f"Copied the link to {moment_text(self.current_ms())} - paste it in"
                           " the app's search box or File > Open Link… where the session is"
                           " stored",
                           f"{link}\nIt opens this moment where the session is stored: pasted"
                           " in the app's search box or File > Open Link… (Ctrl+L), or given"
                           " to `replay open LINK`. Someone without the session needs a"
                           " .replay bundle (Export) first.")

    def _show_url(self, t: int) -> None:
        self.page_bar.set_url(self.session.url_at(t))

    def _time_moved(self, _t: int) -> None:
        """The dev-tools pane follows the clock in the event loop's next step, while
        Chromium applies what the seek sent: its table's repaint costs the UI thread
        15-20 ms (each visible cell's data from Python, its text laid out again), and
        spent right behind a seek's own work it made one 100-170 ms block of the two."""
        if not self._pane_timer.isActive():
            self._pane_timer.start()

    @property
    def application_name(self) -> str | None:
        """What the Session tab calls the session's application (its recording source's)."""
        return self._app_name

    def set_session(self, sv: SessionView) -> None:
        """Show a (complete) session view: timeline markers and the dev-tools rows (the
        tables fill in over the next event-loop steps, so a long session never blocks the UI;
        a pane shown already - a live session that grew - takes the new rows in place)."""
        was_empty = self.session.timeline is None
        if self._index_timer is not None and self._index_timer.isActive():
            # a newer session view than the row thread's to come (a live session followed
            # grew meanwhile): that one is not waited for - nor shown over this one, nor
            # held: stored by the thread before this came, nothing reads it again (an older
            # session view, its rows, held until the player closed). The thread checks its
            # replayer and stores under this lock (the newer replayer is set by now): it
            # stored before, let go of here, or it sees the newer one and stores nothing
            self._index_timer.stop()
            with self._built_lock:
                self._built = self._built_for = None
        self.session = sv
        self.controller.sv = sv
        self.controller.duration = int(self.replayer.duration_ms or sv.duration_ms)
        if was_empty and sv.timeline is not None:
            # the frame on show was painted before the rows: without the cursor, its :hover
            # path (part of the page: a screenshot without the cursor shows it too) and the
            # click ripples
            self.controller.pointer_to_shown()
        self.timeline.set_session(sv)
        if self.steps_pane is not None:   # the errors among a handed-over bug's steps
            self.steps_pane.show_errors(sv.error_lines())
        self.page_bar.url.setPlaceholderText(NO_URL)
        self._show_url(self.controller.time)
        if isinstance(self.devtools, DevToolsPane) and self._rows_for is None:
            # a live session grew: its rows put in place of these, what the person set in
            # the pane kept
            self.devtools.update_session(sv)
            self.panes_to(self.controller.time)
            self._split(keep_side=self._side_decided)   # labels with larger counts: room
            return
        # the new pane in the event loop's next step: the timeline's repaint and the pane's
        # widgets are tens of ms each, not to be spent in one go
        if self._rows_for is None:
            QTimer.singleShot(NEXT_STEP_MS, self, self._show_rows)
        self._rows_for = sv

    def _show_rows(self) -> None:
        """The dev-tools pane for the latest session view (its rows a chunk at a time), in
        two event-loop steps: made here (its six tables), put in place in the next
        (`_place_rows`: polished with the style sheet and laid out); both in one step were
        the UI's longest stall while a long recording's index came in."""
        sv = self._rows_for
        if sv is None:
            return
        # made without a parent, so without the style sheet until placed: made inside the
        # player, it was polished as its tabs were added, and again when put in place
        # (the real recording's: 56-60 -> 23-26 ms of the UI thread to make, 72 -> 57 to place)
        self._made = (sv, DevToolsPane(sv, gradual=True))   # hidden until placed
        QTimer.singleShot(NEXT_STEP_MS, self, self._place_rows)

    def _place_rows(self) -> None:
        (sv, pane), self._made = self._made, None
        if sv is not self._rows_for:   # a newer session view came meanwhile: that one's
            pane.deleteLater()
            self._show_rows()
            return
        self._rows_for = None
        old = self.devtools
        tab = old.currentIndex()
        if self.steps_pane is not None:   # the report's tab moves to the new pane, first
            old.removeTab(old.indexOf(self.steps_pane))
            self._add_steps_tab(pane)
        self.devtools = pane
        self.devtools.setCurrentIndex(tab)
        self.devtools.seekRequested.connect(self.controller.seek)
        # the index, timeline and rows are all in
        self.devtools.filled.connect(lambda: settle(lambda: self._closed))
        self.splitter.replaceWidget(1, self.devtools)
        old.deleteLater()
        self.panes_to(self.controller.time)
        # its labels now carry counts ("Network 113"): wider than the reading pane's, they
        # were cut off behind the bar's scroll buttons until the window was resized (the
        # pane stays on its side: by now the recording may be at a resize)
        self._split(keep_side=self._side_decided)

    def panes_to(self, t: int) -> None:
        """The dev-tools rows, and a bug report's steps, as of `t` ms."""
        self.devtools.set_time(t)
        if self.steps_pane is not None:
            self.steps_pane.set_time(t)

    def _add_steps_tab(self, pane: PaneTabs) -> None:
        pane.insertTab(0, self.steps_pane, self.steps_pane.tab_label)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt)
        """A closed player indexes nothing more: its replayer's indexing (a worker process
        on a long session, seconds to minutes of a core and its memory) is stopped, whoever
        made the replayer - the player was its only reader."""
        super().closeEvent(event)
        if self.follow is not None:   # (its read under way ends first: it makes a replayer)
            self.follow.stop()
        self.controller.pause()   # (no tick reads ahead of a closed index)
        self.replayer.close()
        self._closed = True   # (before let_go: the row thread's freeze asks, under its lock)
        if self._index_timer is not None:   # a closed player starts no row thread
            self._index_timer.stop()
        # its collection waits for a row thread still running (the thread object alone is
        # kept: it lets go of what it ran once it has ended)
        builder = self._builder
        self._release = let_go(self, busy=lambda: builder is not None and builder.is_alive())

    # what `released` lets go of a player deleted: what holds its recording (its Python
    # side; the Qt objects are gone with it)
    _HOLDING_THE_RECORDING = ("replayer", "session", "source", "_info", "follow", "_built",
                              "_built_for", "_made", "_rows_for", "_builder", "controller",
                              "timeline", "devtools", "steps_pane", "stage", "bridge",
                              "page_bar", "export_menu", "splitter", "_keys")

    def released(self) -> None:
        """This player, closed, was deleted (player.qt.standalone's `dispose`): what its
        Python side still held of the recording - its Replayer and index, session view,
        rows, through this wrapper and its children's, alive while the host's reference to
        it is - is let go, and its collection (`let_go`'s) runs in the event loop's next
        step, at the start of the next player's opening (whose first frame is read in a
        thread meanwhile) - shared with every player deleted in this one (a window's tabs
        closed: one full collection, not one each): run RELEASE_MS later, it came in the
        middle of that opening, whose objects were not frozen while it was due (nothing
        is), and walked them all with the closed one's (92 ms of the UI thread, 234-351 ms
        when it also freed the closed one, on a 1M-event session); the next one is frozen
        once it has run.
        Unless its row thread still runs: the collection then waits for its end (`let_go`'s
        busy), its freeze would take what the thread holds."""
        for name in self._HOLDING_THE_RECORDING:
            setattr(self, name, None)
        release = vars(self).get("_release")
        if release is not None:
            release()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(event)
        self._split()   # the person's window: the side is chosen again

    def _split(self, keep_side: bool = False) -> None:
        """Share the width so the fitted page uses the stage's height, the dev-tools pane
        keeping room for its tab labels whole when the window has it
        (`player.zoom.pane_width`) - or, on a tall window where the page shows larger so,
        put the pane below it (`pane_below`, `pane_height`); once the person moves the
        splitter, theirs is kept. `keep_side`: the pane stays on the side it is on, only the
        sizes follow - a recording whose viewport changed (a window resized, a phone turned)
        moved the pane between right and bottom in the middle of playing."""
        # (the page's column is never narrower than its URL bar needs)
        left = max(self.stage.minimumWidth(), self.page_bar.minimumSizeHint().width())
        no_room = self.splitter.width() < left + self.devtools.minimumWidth() + \
            self.splitter.handleWidth()
        if no_room and self.splitter.orientation() == Qt.Orientation.Horizontal:
            # too narrow for both side by side, whoever set the split: below (the splitter's
            # minimum allows that width - beside, one was cut off at the edge)
            self.splitter.setOrientation(Qt.Orientation.Vertical)
            self._split_auto = True
        if not self._split_auto or self.width() < self.devtools.minimumWidth() * 2:
            return
        if self.stage.recorded_known:
            self._side_decided = True
        w, h = self.splitter.width(), self.splitter.height()
        bar_h = self.page_bar.sizeHint().height()
        stage_h = h - bar_h
        handle = self.splitter.handleWidth()

        def pane_w_of(counts_grow: bool) -> int:
            return max(self.devtools.minimumWidth(),
                       min(self.devtools.labels_width(counts_grow=counts_grow), w - left - handle))
        pane_w = pane_w_of(self.follow is not None)
        if w < left + pane_w + handle:   # no room beside the page: below it, whatever the shape
            below = True
        else:
            # the side chosen as for a stored session (the room kept for a live session's
            # growing counts put its pane below, its page smaller between black margins, where
            # the same page stored had it beside: a support engineer's tryout)
            below = self.splitter.orientation() == Qt.Orientation.Vertical if keep_side else \
                pane_below(w, stage_h, self.stage.recorded, pane_w_of(False), PANE_BELOW_HEIGHT)
        if below:
            self.splitter.setOrientation(Qt.Orientation.Vertical)
            pane = pane_height(w, stage_h - handle, self.stage.recorded, PANE_BELOW_HEIGHT)
            self.splitter.setSizes([h - pane - handle, pane])
            return
        self.splitter.setOrientation(Qt.Orientation.Horizontal)
        pane = pane_width(w, stage_h, self.stage.recorded, pane_w, left)
        self.splitter.setSizes([w - pane - handle, pane])

    def _split_by_hand(self, *_args) -> None:
        self._split_auto = False

    def event(self, event: QEvent) -> bool:
        """A key a focused control of the player uses itself goes to it, not to the player's
        shortcut: the arrows moved the speed, not the dev-tools table's rows, and Left and
        Right seeked instead of moving between the dev-tools tabs (Qt asks the focused widget,
        then its parents, whether it overrides a shortcut: this is a parent)."""
        if event.type() == QEvent.Type.ShortcutOverride and focused_uses(
                QApplication.focusWidget(), event.key(), event.modifiers()):
            event.accept()
            return True
        return super().event(event)

    def _shortcuts(self) -> None:
        self._keys = []
        for seq, _what, act in PLAYER_KEYS:
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(lambda act=act: act(self))
            self._keys.append(sc)

    # conveniences for the CLI, tests and benchmarks
    def wait_ready(self, timeout_s: float = 30.0) -> None:
        self.bridge.wait_ready(timeout_s)
        self.controller.wait_read(timeout_s)   # (opened at a moment read ahead of the index)
        self.bridge.wait_idle(timeout_s)

    def wait_indexed(self, timeout_s: float = 120.0, *, rows: bool = True) -> None:
        """Until the recording is indexed and the timeline and panes show it (they fill in
        when indexing ends; a long session is indexed in the background), every row in -
        unless `rows` is False: until the session view is in (the cursor, :hover path and
        ripples a frame is painted with), its pane's rows perhaps still to come."""
        import time

        from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

        deadline = time.monotonic() + timeout_s
        timer = self._index_timer
        while (timer is not None and timer.isActive()) or rows and (
                self._rows_for is not None or self.devtools.filling):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the recording was not indexed within {timeout_s:.0f} s")
            self._check_index()
            loop = QEventLoop()
            QTimer.singleShot(20, loop.quit)
            loop.exec()
        QCoreApplication.processEvents()

    def seek_and_wait(self, t: int, timeout_s: float = 30.0) -> None:
        c = self.controller
        c.seek(t)
        c.wait_read(timeout_s)
        self.bridge.wait_idle(timeout_s)
        if c._wanted_seek is not None:
            c.seek(c._wanted_seek)
            c.wait_read(timeout_s)
            self.bridge.wait_idle(timeout_s)
        self.bridge.wait_painted(timeout_s)
