"""Running the player outside the desktop app: a window (`replay play`, `replay demo`) and
one painted frame written to a PNG (`replay screenshot`)."""
from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable


def has_screen() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or sys.platform in ("darwin", "win32")
                or os.environ.get("QT_QPA_PLATFORM", "") not in ("", "offscreen", "minimal"))


def no_screen(window: str, instead: str) -> str:
    """The one line every window says when `has_screen` is False (a window no one sees, left
    running, would look like a hang): what could not be shown, and what works without."""
    return (f"no screen to show {window} on (DISPLAY is not set, nor WAYLAND_DISPLAY) - run it"
            f" on a desktop; {instead}")


def prepare_qt_environment(offscreen: bool = False) -> None:
    """Set what QtWebEngine needs before Qt starts: no screen -> the offscreen platform;
    as root Chromium only runs without its sandbox; no GPU offscreen."""
    headless = offscreen or not has_screen()
    if headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    # Chromium's own chatter (no D-Bus, no GL: "ERROR: Failed to connect to the bus" on a
    # desktop without a system bus) is not for a person, on a screen or not (a --log-level
    # given is kept); and no GPU offscreen
    wanted = (["--log-level=3"] if "--log-level" not in flags else []) + \
        (["--disable-gpu"] if headless else [])
    for flag in wanted:
        if flag not in flags:
            flags = (flags + " " + flag).strip()
    if flags:
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = flags
    os.environ.setdefault("QT_LOGGING_RULES", "qt.webenginecontext.debug=false;qt.rhi.*=false;qt.qpa.*=false")


# What Qt and Chromium say, as expected, when painting with no GPU (no screen, or a desktop
# without Vulkan or a known GPU driver: Qt tries Vulkan, then falls back to OpenGL) and as
# root without Chromium's sandbox (which the person asked for): not news for a person reading
# a command's output, and "Failed to create ..." reads like the command failed. Anything else
# gets through.
QT_NOISE = ("Sandboxing disabled by user", "QRhiGles2: Failed to create",
            "Failed to create RHI for backend", "GPUInfo not initialized",
            "This plugin does not support propagateSizeHints",
            "Failed to load vulkan", "initInstance: No Vulkan library available",
            "Failed to create platform Vulkan instance", "Unable to detect GPU vendor",
            "This plugin does not support createPlatformVulkanInstance",
            "QVulkanInstance: Failed to initialize Vulkan")


def forward_qt_message(mode: Any, context: Any, message: str) -> None:
    """Qt's message handler in our processes: drop QT_NOISE, print the rest as Qt would."""
    if message.startswith(QT_NOISE):
        return
    sys.stderr.write(message + "\n")


# While another thread runs Python (a long session's index taken over from its worker, the
# panes' rows built), the UI thread waits for the GIL each time Qt calls into Python - every
# cell a table paints, every timer - up to the interpreter's switch interval each time: 5 ms
# by default, so a repaint of a hundred callbacks could stand still for half a second. A tenth
# of that bounds the wait (the other thread merely switches more often).
UI_SWITCH_INTERVAL_S = 0.0005
# The product's name: the application's display name, which Qt adds to a window title that
# does not end with it (so every title ends with it)
APP_NAME = "Session Replay"


def application():
    """The QApplication (created once; our URL schemes are registered before it)."""
    from . import webview  # noqa: F401  (registers the schemes: must precede the app)
    from PySide6.QtWidgets import QApplication

    sys.setswitchinterval(UI_SWITCH_INTERVAL_S)
    app = QApplication.instance()
    if app is None:
        from PySide6.QtCore import qInstallMessageHandler
        qInstallMessageHandler(forward_qt_message)
        app = QApplication([sys.argv[0] if sys.argv else "replay"])
        app.setApplicationName(APP_NAME)
        app.setApplicationDisplayName(APP_NAME)
        start_web_engine()
    return app


INTERRUPTED = 130          # the exit status of a window stopped by Ctrl+C (README: 130)
SIGNAL_CHECK_MS = 200      # how often Qt's event loop lets Python run its signal handlers


def exec_app(app, close: Callable[[], object] | None = None) -> int:
    """Run Qt's event loop until the application quits (its windows closed) or Ctrl+C, and
    return INTERRUPTED after a Ctrl+C. With `close` (a window's close), the first Ctrl+C
    closes the window as its close button does - a recording in progress is stored, an
    export finishes, then the loop ends as the window goes - and a second one ends the loop
    at once; without it (`replay play`, `replay demo`) the first one ends the loop and the
    caller closes its windows as on a close. Qt's loop runs in C++, where Python's own
    handler never gets to run (Ctrl+C, or SIGINT sent to the process group as a terminal
    does, left the window running): a handler of ours acts, and a timer hands Python control
    every SIGNAL_CHECK_MS so that it runs. The previous handler is back once the loop has
    ended (a Ctrl+C during the teardown: KeyboardInterrupt, 130 too)."""
    import signal
    import threading

    from PySide6.QtCore import QTimer

    if threading.current_thread() is not threading.main_thread():
        return app.exec()
    asked = []

    def interrupted(signum, frame) -> None:
        asked.append(signum)
        if close is not None and len(asked) == 1:
            print("Ctrl+C: closing the window (a recording under way is stored first);"
                  " Ctrl+C again quits at once", file=sys.stderr, flush=True)
            close()
        else:
            app.exit(INTERRUPTED)

    before = signal.signal(signal.SIGINT, interrupted)
    tick = QTimer()
    tick.timeout.connect(lambda: None)   # Python's turn: a pending signal's handler runs
    tick.start(SIGNAL_CHECK_MS)
    try:
        code = app.exec()
        return INTERRUPTED if asked else code
    finally:
        tick.stop()
        signal.signal(signal.SIGINT, before)


def start_web_engine() -> None:
    """Start QtWebEngine's browser side now, before any window shows: the first profile
    made starts Chromium (its zygote process, which the UI thread waits for: 150-300 ms,
    a tenth of it on a CPU) - when the first recording opened, that was the longest the
    open player's UI stood still. Every window of ours shows web content."""
    from PySide6.QtWebEngineCore import QWebEngineProfile

    QWebEngineProfile.defaultProfile()


def open_window(source: Any, title: str, quit_after_ms: int | None = None, *,
                at_ms: int | None = None, autoplay: bool = False, replayer: Any = None,
                follow: Any = None, report: Any = None, session: Any = None) -> int:
    """Show the player on a recording in its own window, at `at_ms` (else its first frame),
    playing if `autoplay`; returns when it is closed (or, with `quit_after_ms`, that long
    after its first frame showed - at most QUIT_AFTER_CAP_MS waiting for it: a smoke test of
    the whole player). `follow`: a LiveTail (player/follow.py) - the
    window shows the session as it grows, from its live edge unless `at_ms`. `report`: the
    bug report it carries, shown in the pane's Steps tab (`ReplayWidget`); `session`: its
    session view, made already from `replayer` indexed whole."""
    app = application()
    from PySide6.QtWidgets import QMainWindow

    from .replay_widget import ReplayWidget
    from .status_line import StatusLine

    win = QMainWindow()
    win.setWindowTitle(f"{title} — {APP_NAME}")
    if follow is not None and replayer is None:
        replayer = follow.replayer()
    widget = ReplayWidget(source, win, replayer=replayer, report=report, session=session)
    status = StatusLine(win.statusBar())
    widget.export_menu.exported.connect(status.say)
    widget.said.connect(status.say)
    if follow is not None:
        from .follow import LiveFollow
        widget.follow = LiveFollow(widget, follow, to_edge=at_ms is None)
        widget.follow.ended.connect(lambda: win.statusBar().showMessage(
            f"{title}: {widget.follow.ended_text()}"))
        widget.follow.servingChanged.connect(lambda _on: win.statusBar().showMessage(
            f"{title}: {widget.follow.serving_text()}"))
        if not follow.serving:   # (asked to follow a session no intake serves now: said)
            win.statusBar().showMessage(f"{title}: {widget.follow.serving_text()}")
    win.setCentralWidget(widget)
    win.resize(*window_size(WINDOW_SIZE))
    win.show()
    widget.setFocus()
    from PySide6.QtCore import QTimer

    if at_ms is not None:
        widget.seek(at_ms)
    opened = []   # the moment the first frame showed (after the seek to at_ms)
    # (a long recording's page is ready before the window is shown: said "never opened")
    widget.bridge.when_ready(lambda: opened.append(widget.current_ms()), win)
    if autoplay:
        widget.play()
    if quit_after_ms is not None:   # counted from the first frame shown, however long that takes
        widget.bridge.when_ready(lambda: QTimer.singleShot(max(0, quit_after_ms), win.close),
                                 win)
        QTimer.singleShot(QUIT_AFTER_CAP_MS, lambda: opened or win.close())   # ...if ever
    code = exec_app(app)
    if quit_after_ms is not None:  # the smoke test's evidence that the player really played
        c = widget.controller
        if not opened:
            print(f"never opened: no frame shown within {QUIT_AFTER_CAP_MS // 1000} s",
                  file=sys.stderr)
            code = code or 1
        elif int(c.time) == opened[0]:   # nothing played: the player opens paused
            print(f"opened at {opened[0]} ms of {int(c.duration)} ms, paused there",
                  file=sys.stderr)
        else:
            print(f"opened at {opened[0]} ms, played to {int(c.time)} ms"
                  f" of {int(c.duration)} ms", file=sys.stderr)
    dispose(win)
    return code


QUIT_AFTER_CAP_MS = 120_000  # `quit_after_ms` waits this long at most for the first frame
WINDOW_SIZE = (1480, 900)   # the player's window as it opens, on a screen that has room
# What a window manager's frame may add to a window's width and height, both edges: the
# borders (Windows counts 8 px a side) and a title bar (30-40 px on Windows, GNOME, KDE).
# Before the window is shown its frame is not known: a screen has room for a window when
# the window and this much more fit in its free area.
WINDOW_FRAME = (16, 48)


def window_size(preferred: tuple[int, int]) -> tuple[int, int]:
    """`preferred`, made to fit the primary screen's free area (`size_within`); `preferred`
    itself without a screen."""
    from PySide6.QtGui import QGuiApplication

    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return preferred
    free = screen.availableGeometry()
    return size_within(preferred, (free.width(), free.height()))


def size_within(preferred: tuple[int, int], free: tuple[int, int],
                frame: tuple[int, int] = WINDOW_FRAME) -> tuple[int, int]:
    """A window's size (without its frame) on a screen whose free area (the screen less its
    panels and docks) is `free`: `preferred` where the screen has room for it - the window
    and the window manager's `frame` around it fit in that area -, else, a side at a time,
    as large as that area holds with the frame (a 1280x720 or 1366x768 screen shows it
    whole). A 1480x960 screen has room for a 1440x900 window (it was given 1361x883: 92 %
    of the screen, a share that stood in for the frame)."""
    return tuple(max(1, min(want, room - edge))
                 for want, room, edge in zip(preferred, free, frame))


FIRST_RENDER_WAIT_S = 1.0   # a view's first grab waits this long at most for Qt to render it
SETTLE_MS = 60              # two equal grabs this far apart: what the page paints has settled
# whether a CSS transition or animation is running in the replayed page (the DOM is shared
# by the runtime's world)
ANIMATING = "document.getAnimations().some(function (a) { return a.playState === 'running'; })"
# whether an endless one runs (a loading shimmer, a spinner): the page then never paints the
# same picture twice, and waiting for two equal grabs would cost the whole timeout per frame
ENDLESS = ("document.getAnimations().some(function (a) { return a.playState === 'running'"
           " && a.effect && a.effect.getComputedTiming().endTime === Infinity; })")
ENDLESS_SETTLE_SPINS = 3    # under an endless animation, a grab this many SETTLE_MS after the
                            # painted batch: its frame has reached Qt by then
BLANK_PAGE_NODES = 8        # a page with more nodes is seldom one colour: its first grab waits for more
# The paint mark (`_wait_marked`): two squares in the view's top-left corner, in colours a page
# seldom has side by side, shown over the page (a popover, in the top layer: over a modal
# dialog's backdrop too) and taken off again before the grab
MARK_COLOURS = ((1, 254, 3), (254, 1, 252))
MARK_PX = 8                 # each square's side in device pixels (at least: zoom rounds up)
MARK_TOLERANCE = 8          # per channel, for Chromium's rounding of a colour
MARK_ELEMENT = "replay-paint-mark"   # a tag no page uses (styled inline, over any page CSS)
MARK_POLL_MS = 4            # between grabs of the view while the mark is on its way (or off it)
MARK_SEEN_S = 5.0           # the mark not seen by then: the page's CSS hides it (or covers it)
MARK_GONE_S = 30.0          # the mark seen, its taking off is waited for this long at most
MARK_MISSES = 3             # a player stops marking after this many marks never seen
# function (tag, side in CSS px, colour, colour): puts up the mark; true when the page has a
# root for it
MARK_ON = ("(function (tag, side, a, b) {"
           " var root = document.documentElement; if (!root) return false;"
           " var m = window.__replayMark || (window.__replayMark = document.createElement(tag));"
           " m.setAttribute('style', 'all: initial !important; display: block !important;"
           " position: fixed !important; left: 0 !important; top: 0 !important;"
           " width: ' + 2 * side + 'px !important; height: ' + side + 'px !important;"
           " z-index: 2147483647 !important; pointer-events: none !important;"
           " background: linear-gradient(to right, ' + a + ' 50%, ' + b + ' 50%) !important');"
           " m.setAttribute('popover', 'manual'); root.appendChild(m);"
           " if (m.matches(':popover-open')) m.hidePopover();"
           " m.showPopover(); return true; })")   # (the top layer's last: over a modal dialog)
MARK_OFF = "(function (m) { if (m) m.remove(); return true; })(window.__replayMark)"


def grab_stable(widget, bridge, timeout_s: float = 3.0):
    """Grab a widget once what the page paints has settled (two equal grabs in a row).

    The first grab of a view also waits until Qt has rendered it after the page painted: a
    fresh view shows white until Chromium's first frame of the page arrives, which a loaded
    machine delays, and two equal white grabs looked settled (a blank `replay screenshot`,
    seen under load). Later grabs need no such wait - a frame still on its way shows as a
    difference between the two grabs - and cannot have it: Chromium sends a frame only when
    something changed, so a seek to an unchanged picture is never rendered again. A grab
    after a seek that changed nothing in the page (no batch applied since the last grab
    that settled, the same sizes and zoom) is taken at once: nothing can be on its way. A page
    running an endless animation (a shimmer, a spinner) never settles: its grab is the one
    taken ENDLESS_SETTLE_SPINS later, instead of the one at the timeout (3 s a frame of a
    clip, seen on the demo's loading shimmer). Every grab after a change is taken once the
    view shows a frame Chromium made after it (`_wait_marked`), not merely after the page's
    animation frame ran."""
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    def spin(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    applied = bridge.wait_painted(timeout_s)
    view = _view_of(bridge.page)
    # the page as it was when a grab last settled: no batch applied since, the same sizes
    # and zoom, and no CSS transition or animation running in it (a drawer sliding in after
    # a class change moves with no batch): what Chromium shows is that settled picture, so
    # one grab is the answer (the cursor overlay is Qt's, drawn in the grab). A clip's
    # quiet moments, about half its frames, take this way.
    key = (applied, widget.size().toTuple(),
           (view.size().toTuple(), view.zoomFactor()) if view is not None else None)
    if bridge.grabs and key == bridge.settled and not bridge.call_sync(ANIMATING):
        bridge.grabs += 1
        return widget.grab().toImage()
    deadline = time.monotonic() + timeout_s
    # what Qt shows once the page painted is not yet that paint: Chromium rasters it and
    # hands the frame over later (a loaded machine: 100s of ms), and two equal grabs of the
    # frame before looked settled - a clip's frame showed the page before a navigation
    marked = _wait_marked(bridge, view, spin)
    if bridge.grabs == 0 and not marked:
        _wait_rendered(bridge.page, min(FIRST_RENDER_WAIT_S, timeout_s), spin)
        # Qt's first render of a view can be the white it shows before Chromium's frame
        # arrives (a session's thumbnail painted blank, and kept, on a machine at load 7):
        # a page that holds elements is waited for until its view shows more than one colour
        if view is not None and (bridge.call_sync("window.__replay.state().nodes") or 0) \
                > BLANK_PAGE_NODES:
            while _one_colour(view.grab().toImage()) and time.monotonic() < deadline:
                spin(SETTLE_MS)
    bridge.grabs += 1
    endless = bool(bridge.call_sync(ENDLESS))
    last = img = widget.grab().toImage()
    spins = 0
    while time.monotonic() < deadline:
        spin(SETTLE_MS)
        spins += 1
        QCoreApplication.processEvents()
        img = widget.grab().toImage()
        if img == last:
            bridge.settled = key
            return img
        if endless and spins >= ENDLESS_SETTLE_SPINS:
            break           # the animation's next phase, never the same picture twice
        last = img
    bridge.settled = None   # never settled: the next grab waits again
    return img if endless else last


def _wait_marked(bridge, view, spin: Callable[[int], None]) -> bool:
    """Until the view shows a frame Chromium made after everything the page was sent so far:
    a paint mark put up now (MARK_ON) is seen in the view's grab, then, taken off, seen gone
    - every frame from then on holds the page's last change, and no mark. False for a view
    or a page that cannot show the mark (no document root; a page whose CSS hid it for
    MARK_SEEN_S MARK_MISSES times is not asked again - one miss may be a machine too busy
    for MARK_SEEN_S: its grabs wait as they did before the mark)."""
    if view is None or bridge.unmarked:
        return False
    zoom = view.zoomFactor()
    side = math.ceil(MARK_PX / zoom)   # CSS px: at least MARK_PX device pixels
    a, b = ("'rgb(%d, %d, %d)'" % c for c in MARK_COLOURS)
    if not bridge.call_sync(f"{MARK_ON}('{MARK_ELEMENT}', {side}, {a}, {b})"):
        return False
    seen_by = time.monotonic() + MARK_SEEN_S
    try:
        while not _shows_mark(view, side * zoom):
            if time.monotonic() > seen_by:
                bridge.mark_misses += 1
                bridge.unmarked = bridge.mark_misses >= MARK_MISSES
                return False
            spin(MARK_POLL_MS)
    finally:
        bridge.call_sync(MARK_OFF)
    gone_by = time.monotonic() + MARK_GONE_S
    while _shows_mark(view, side * zoom):   # (never a grab with the mark in it)
        if time.monotonic() > gone_by:
            raise TimeoutError(f"the replay view did not paint within {MARK_GONE_S:g} s")
        spin(MARK_POLL_MS)
    return True



def _shows_mark(view, side: float) -> bool:
    """Whether the view's grab shows the paint mark (squares of `side` device-independent
    pixels) in its top-left corner."""
    from PySide6.QtCore import QRect

    corner = math.ceil(2 * side) + 2   # the two squares, not the whole view, each poll
    img = view.grab(QRect(0, 0, corner, corner)).toImage()
    scale = side * img.devicePixelRatio()
    for i, want in enumerate(MARK_COLOURS):
        x, y = int((i + 0.5) * scale), int(0.5 * scale)
        if not img.valid(x, y):
            return False
        got = img.pixelColor(x, y)
        if any(abs(g - w) > MARK_TOLERANCE for g, w in zip((got.red(), got.green(), got.blue()),
                                                           want)):
            return False
    return True


def _view_of(page):
    from PySide6.QtWebEngineWidgets import QWebEngineView

    return QWebEngineView.forPage(page)


def _one_colour(img) -> bool:
    """Whether every pixel of `img` is the colour of its first."""
    from PySide6.QtGui import QImage

    if img.isNull():
        return True
    flat = QImage(img.size(), img.format())
    flat.fill(img.pixel(0, 0))
    return img == flat


def _wait_rendered(page, limit_s: float, spin: Callable[[int], None]) -> None:
    """Until Qt renders the view showing `page` once (or `limit_s` passes)."""
    from PySide6.QtQuickWidgets import QQuickWidget

    view = _view_of(page)
    windows = [w.quickWindow() for w in view.findChildren(QQuickWidget)] if view else []
    rendered: list[bool] = []

    def mark() -> None:
        rendered.append(True)

    for win in windows:
        win.afterRendering.connect(mark)
    try:
        until = time.monotonic() + limit_s
        while windows and not rendered and time.monotonic() < until:
            spin(5)
    finally:
        for win in windows:
            win.afterRendering.disconnect(mark)


PLAYER_SIZE = (1280, 800)
PLAYER_MIN_HEIGHT = 480   # a --player screenshot trimmed to its page is not lower than this


class FramePainter:
    """One offscreen player that paints moments of a recording, seek by seek and in any
    order (a seek backwards or forwards paints what a fresh player would): what `replay
    screenshot` writes, and every frame of a clip (player.qt.clip).

    By default the replay view only: the page at the recorded viewport's size, 1:1 (zoom 1,
    pixel for pixel what the user's browser showed), with the cursor and click ripples
    unless `cursor` is False. `size` instead paints a player of that size, the page scaled
    to fit (the letterbox cropped off). `whole_player` paints the player with its timeline
    and dev-tools pane (default size PLAYER_SIZE), showing the dev-tools tab `tab` (a
    lower-case name of TAB_NAMES, or "steps"; None: the first). `report`: the bug report the
    recording carries (recorder.bug.shown_report), its Steps tab first as the player shows it."""

    def __init__(self, source: Any, *, size: tuple[int, int] | None = None,
                 whole_player: bool = False, cursor: bool = True, replayer: Any = None,
                 tab: str | None = None, report: Any = None):
        application()
        from PySide6.QtCore import Qt

        from .replay_widget import ReplayWidget

        self.whole_player = whole_player
        self.one_to_one = size is None and not whole_player
        self.trim = whole_player and size is None   # the default size: no empty band
        self.widget = w = ReplayWidget(source, replayer=replayer,
                                       report=report if whole_player else None)
        # painted, never shown: a clip exported from a player on a desktop opens no window
        w.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        w.resize(*(size or PLAYER_SIZE))
        if not whole_player:
            w.devtools.hide()
            w.timeline.hide()
            w.page_bar.hide()
        if not cursor:
            w.stage.overlay.hide()
        if self.one_to_one:
            w.stage.set_zoom(1.0)
        w.show()
        w.wait_ready()
        # the session view in before any frame is painted: a long recording's comes from a
        # thread, and a frame painted before it had no cursor, :hover path or ripples -
        # what a screenshot showed depended on which came first
        w.wait_indexed(rows=False)
        if w.session.timeline is None:   # its rows could not be read: said, not silent
            print("replay: the recording's rows could not be read"
                  f" ({w.rows_failed or 'unknown'}): frames are painted without the cursor,"
                  " its :hover path and click ripples", file=sys.stderr, flush=True)
        if whole_player:   # the timeline's markers and the panes' rows, not empty ones
            w.wait_indexed()
            if tab is not None:
                from .steps_pane import STEPS_TAB
                w.devtools.setCurrentWidget(w.steps_pane if tab == STEPS_TAB and w.steps_pane
                                            is not None else w.devtools.tabs[tab])

    def frame(self, at_ms: float, error: int | None = None):
        """The QImage painted at `at_ms` (ms after the first event); `error`: the number of
        the error shown there (`--at error:N`), whose row the Errors tab picks if shown -
        of two errors at one moment, the clock's row was the other's (a support engineer's
        tryout)."""
        w = self.widget
        w.seek_and_wait(int(at_ms))
        if self.one_to_one:
            self._fit()
        elif self.trim:
            self._trim()
        if self.whole_player:   # the pane's rows as of that moment, not as of its last tick
            w.panes_to(int(at_ms))   # (after the trim: the row in view is in view at its size)
            if error is not None and w.devtools.currentWidget() is w.devtools.errors:
                t, which = w.session.error_at(error)
                w.devtools.show_error(t, which)
        target = w if self.whole_player else w.stage
        img = grab_stable(target, w.bridge)
        if not self.whole_player:  # just the recorded viewport, without the letterbox
            img = img.copy(w.stage.page_rect())
        return img

    def _fit(self) -> None:
        """Make the stage big enough to hold the recorded viewport at zoom 1 (a viewport
        under the stage's minimum size sits centred in it and is cropped out after)."""
        from PySide6.QtCore import QCoreApplication

        w, stage = self.widget, self.widget.stage
        want = stage.one_to_one_size()
        resized = False
        for _ in range(3):   # the layout may take a pass or two to hand the stage its size
            dw, dh = max(0, want[0] - stage.width()), max(0, want[1] - stage.height())
            if not dw and not dh:
                break
            w.resize(w.width() + dw, w.height() + dh)
            resized = True
            QCoreApplication.processEvents()
        w.bridge.wait_painted()
        if resized:
            # the page is laid out again at the new size in a later frame of its own: grabbed
            # before that frame arrived (a loaded machine), two equal grabs of the old layout
            # looked settled (a heading 1,000 px wide in a 1,280 px page, seen in CI)
            w.bridge.wait_laid_out(stage.recorded)

    def _trim(self) -> None:
        """The whole player at PLAYER_SIZE's width, as high as the page scaled to the stage's
        width needs: a recorded viewport wider than the stage left an empty band below it
        (a third of the stage for 1280x800 beside the dev-tools pane). Not below
        PLAYER_MIN_HEIGHT (the panes' rows, the timeline); once, on the first frame."""
        from PySide6.QtCore import QCoreApplication

        from .stage import MARGIN

        self.trim = False
        w, stage = self.widget, self.widget.stage
        slack = stage.height() - stage.page_rect().height() - 2 * MARGIN
        height = max(PLAYER_MIN_HEIGHT, w.height() - slack)
        if slack <= 0 or height == w.height():
            return
        w.resize(w.width(), height)
        QCoreApplication.processEvents()
        w.bridge.wait_painted()
        w.bridge.wait_laid_out(stage.recorded)

    def close(self) -> None:
        dispose(self.widget)


def screenshot(source: Any, at_ms: float, out: Path, *, size: tuple[int, int] | None = None,
               whole_player: bool = False, cursor: bool = True,
               replayer: Any = None, tab: str | None = None, report: Any = None,
               error: int | None = None) -> tuple[int, int]:
    """Paint the recording at `at_ms` offscreen (see FramePainter) and write it as PNG;
    returns the image size. `error`: see FramePainter.frame."""
    painter = FramePainter(source, size=size, whole_player=whole_player, cursor=cursor,
                           replayer=replayer, tab=tab, report=report)
    try:
        img = painter.frame(at_ms, error)
        # the panes' and the timeline's minimum: a smaller size came out larger, unsaid
        least = [f"{got} px {side}" for got, want, side in
                 ((img.width(), size[0], "wide"), (img.height(), size[1], "high"))
                 if got > want] if whole_player and size is not None else []
        if least:
            raise ValueError(f"the whole player is at least {' and '.join(least)};"
                             f" --size {size[0]}x{size[1]} is smaller")
        out.parent.mkdir(parents=True, exist_ok=True)
        if size is not None and not whole_player:
            # the page scaled into exactly that size, centred on the background as a clip's
            # frames are: the stage's margins made `--size 640x400` a 627x392 picture
            from .clip import fitted
            fitted(img, size).save(out, "PNG")
            return size
        if not img.save(str(out), "PNG"):
            raise OSError(f"could not write {out}")
        return img.width(), img.height()
    finally:
        painter.close()


def dispose(widget) -> None:
    """Delete a player now (its page before its profile), not at interpreter exit, where
    QtWebEngine objects torn down in random order crash."""
    from PySide6.QtCore import QCoreApplication, QEvent

    from .replay_widget import ReplayWidget, deleting

    with deleting():   # (a player released before: collected after this, with this one)
        widget.close()
        widget.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()
        if isinstance(widget, ReplayWidget):   # its recording let go, collected next step
            widget.released()
