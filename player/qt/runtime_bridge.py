"""Talks to the replay runtime (assets/runtime/replay-runtime.js) in the page's isolated world.

Frames and op batches travel as JSON inside `runJavaScript` calls, which Qt runs in order;
the bridge counts the calls still in flight so playback can hold back instead of piling up
work, and offers blocking helpers (`call_sync`, `wait_idle`, `wait_painted`) for the CLI
screenshot, tests and benchmarks.
"""
from __future__ import annotations

import json
import time
from typing import Any, Callable

import msgspec
import shiboken6
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QTimer, Signal

from ..document import PLAYER_CSS
from .webview import ENGINE_CSS, ReplayPage


_encoder = msgspec.json.Encoder()


def _js_value(obj: Any) -> str:
    # JSON is a JS expression (U+2028/9 are valid in JS strings now); msgspec writes it
    # compact, in a quarter of json.dumps's time (a whole frame: 0.5 vs 2.2 ms of the UI
    # thread per seek on the real recording)
    return _encoder.encode(obj).decode()


def _js_parsed(obj: Any) -> str:
    """A JS expression making `obj` with JSON.parse from a string: V8 scans a string
    literal and parses JSON faster than it compiles and runs the same data as an object
    literal (frames, patches and op batches are tens to hundreds of kB)."""
    return "JSON.parse(" + _encoder.encode(_encoder.encode(obj).decode()).decode() + ")"


class RuntimeBridge(QObject):
    applied = Signal(int)       # sequence number of a frame/batch the runtime finished applying
    ready = Signal()

    def __init__(self, page: ReplayPage, parent: QObject | None = None, *, extra_css: str = ""):
        """`extra_css`: drawn after the player's CSS in every frame (e.g. the privacy
        preview's outlines of masked elements)."""
        super().__init__(parent)
        self.page = page
        self.extra_css = extra_css
        self.pending = 0
        self.seq = 0            # batches/frames sent
        self.done = 0           # batches/frames the runtime confirmed
        self.errors: list[str] = []
        self.grabs = 0          # screenshots taken of its view (player.qt.standalone.grab_stable)
        self.settled: tuple | None = None   # what grab_stable last saw settle (see there)
        self.unmarked = False   # its page hid grab_stable's paint mark (see there)
        self.mark_misses = 0    # ... how many times
        page.runtimeReady.connect(self._send_player_css)
        page.runtimeReady.connect(self.ready)
        if page.ready:
            self._send_player_css()

    @property
    def is_ready(self) -> bool:
        return self.page.ready

    def when_ready(self, fn: Callable[[], Any], context: QObject | None = None) -> None:
        """Call `fn` once the view is ready - in the event loop's next step when it is
        already (`ready` was emitted before anyone connected to it: a long recording's
        player is made while the page loads, its first frame read in the background with
        the event loop going on, and its page was ready before the window connected)."""
        if self.is_ready:
            QTimer.singleShot(0, context or self, fn)
        else:
            self.ready.connect(fn, Qt.ConnectionType.SingleShotConnection)

    # --- sending -------------------------------------------------------------------------
    def _send(self, code: str, callback: Callable[[Any], None] | None = None) -> int:
        self.seq += 1
        seq = self.seq
        self.pending += 1

        def done(result: Any) -> None:
            if not shiboken6.isValid(self):
                return   # the player was closed before the page answered (opened, then shut)
            self.pending -= 1
            self.done = max(self.done, seq)
            if result is None:
                self.errors.append(f"runtime call {seq} returned nothing (script error?)")
            if callback is not None:
                callback(result)
            self.applied.emit(seq)

        self.page.run_isolated(code, done)
        return seq

    def _send_player_css(self) -> None:
        """The player's CSS (hidden elements' placeholders), before any frame: the one
        definition is the safe document's."""
        css = PLAYER_CSS + self.extra_css
        self.page.run_isolated(f"window.__replay.setPlayerCss({_js_value(css)},"
                               f" {_js_value(ENGINE_CSS)})")

    def load_frame(self, frame: dict, callback: Callable[[Any], None] | None = None) -> int:
        return self._send(f"window.__replay.loadFrame({_js_parsed(frame)})", callback)

    def apply_patch(self, patch: dict, callback: Callable[[Any], None] | None = None) -> int:
        """A seek that keeps the page (player.patch): the same DOM as loading the frame."""
        return self._send(f"window.__replay.patch({_js_parsed(patch)})", callback)

    def apply_ops(self, ops: list[dict], callback: Callable[[Any], None] | None = None) -> int:
        return self._send(f"window.__replay.apply({_js_parsed(ops)})", callback)

    def query(self, expr: str, callback: Callable[[Any], None]) -> None:
        """Evaluate an expression in the runtime's world (not counted as a batch); the result
        travels as JSON (Qt's conversion of nested JS objects is lossy)."""
        self.page.run_isolated(_as_json(expr), lambda r: callback(_from_json(r)))

    # --- waiting (CLI, tests, benchmarks) ------------------------------------------------------
    def call_sync(self, expr: str, timeout_s: float = 10.0) -> Any:
        box: list[Any] = []
        loop = QEventLoop()

        def got(result: Any) -> None:
            box.append(result)
            loop.quit()

        self.page.run_isolated(_as_json(expr), lambda r: got(_from_json(r)))
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        if not box:
            loop.exec()
        if not box:
            raise TimeoutError(f"the replay runtime did not answer within {timeout_s:g} s")
        return box[0]

    def wait_ready(self, timeout_s: float = 20.0) -> None:
        _wait_until(lambda: self.page.ready, timeout_s, "the replay view to load")

    def wait_idle(self, timeout_s: float = 20.0) -> None:
        _wait_until(lambda: self.pending == 0, timeout_s, "the replay runtime to apply its work")

    def wait_painted(self, timeout_s: float = 10.0, poll_ms: int = 4) -> int:
        """Wait until the last applied batch went through an animation frame of the page
        (the runtime's requestAnimationFrame loop marks it), i.e. it was painted. Returns
        the runtime's count of batches applied (it changes with every change of the page)."""
        self.wait_idle(timeout_s)
        deadline = time.monotonic() + timeout_s
        while True:
            st = self.call_sync("(function(s){return [s.applied, s.painted]})(window.__replay.state())",
                                timeout_s)
            if st and st[1] >= st[0]:
                return st[0]
            if time.monotonic() > deadline:
                raise TimeoutError("the replay view did not paint within %g s" % timeout_s)
            _spin(poll_ms)


    def wait_laid_out(self, viewport: tuple[int, int], timeout_s: float = 3.0,
                      poll_ms: int = 4) -> bool:
        """Wait until the page's viewport is `viewport` (CSS px) and two animation frames
        have run since - a frame of the page laid out at that size was made - or until
        `timeout_s` passes (False: the picture is taken as it is). The page makes frames
        only when asked (the runtime's `frames`): each look asks for one."""
        deadline = time.monotonic() + timeout_s
        first = None
        while time.monotonic() < deadline:
            st = self.call_sync("[innerWidth, innerHeight, window.__replay.frames()]",
                                timeout_s)
            if st and abs(st[0] - viewport[0]) <= 1 and abs(st[1] - viewport[1]) <= 1:
                first = st[2] if first is None else first
                if st[2] >= first + 2:
                    return True
            _spin(poll_ms)
        return False


def _as_json(expr: str) -> str:
    return f"(function(){{var v=({expr});return JSON.stringify(v===undefined?null:v);}})()"


def _from_json(result: Any) -> Any:
    return json.loads(result) if isinstance(result, str) else None


def _spin(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _wait_until(cond: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:g} s waiting for {what}")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        if not cond():
            _spin(2)
