"""The playback clock: owns the current time and keeps the view in step with it.

Playing, a ~60 fps QTimer advances the clock by speed × elapsed wall time and sends the
Replayer's operations since the last tick to the runtime (holding back while the runtime
is still busy, so batches merge instead of piling up). A seek patches the page shown into
the one at the new time when most of it stays (player.patch), else loads the whole frame —
or, for a short jump forward, just applies the operations in between when that is cheaper. Inside an inactive stretch with skipping on, the clock speeds up so the whole
stretch passes in about SKIP_MS.

A seek to a moment the index has not reached yet (a long session's first minutes open) is
read in a thread (`_read_ahead`): rebuilt from the last full snapshot before it, or indexed
up to it, it took 1.3-4.4 s of the UI thread on a 3-hour session - the window frozen. The
clock shows the moment asked at once, `readingChanged` says it is being read, playback
holds until it is shown, and a seek meanwhile is remembered (the latest) and made next.
"""
from __future__ import annotations

import math
import threading
import time
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from player.frame import POINTER_OPS

from .overlay import RIPPLE_MS, TRAIL_MS, CursorOverlay
from .runtime_bridge import RuntimeBridge
from .session_view import SessionView
from .stage import ReplayStage
from .timeline_widget import SPEEDS

TICK_MS = 16
SKIP_MS = 1500             # an inactive stretch is crossed in about this long
SHORT_JUMP_MS = 15_000     # forward seeks up to this long may replay ops instead of reloading
MAX_JUMP_OPS = 400         # ... if they are fewer than this many DOM operations
_VIEW_KINDS = frozenset({"mouse", "click", "viewport", "meta"})
HOVER_PATH_MS = 5000       # a seek replays this much of the cursor's way for :hover ...
HOVER_PATH_MAX = 60        # ... at most this many positions


class PlaybackController(QObject):
    timeChanged = Signal(int)
    playingChanged = Signal(bool)
    speedChanged = Signal(float)
    skippingChanged = Signal(bool)   # crossing an inactive stretch fast (skip inactivity on)
    # the moment a seek is reading ahead of the index (ms), None once it is shown
    readingChanged = Signal(object)
    _viewRead = Signal(object)   # a read ahead's result, from its thread to the UI thread

    def __init__(self, replayer: Any, sv: SessionView, stage: ReplayStage,
                 bridge: RuntimeBridge, parent: QObject | None = None):
        super().__init__(parent)
        self.r = replayer
        self.sv = sv
        self.stage = stage
        self.overlay: CursorOverlay = stage.overlay
        self.bridge = bridge
        self.duration = int(replayer.duration_ms or sv.duration_ms)
        self.time = 0
        self.sent = -1            # the view shows the recording as of this time (-1: nothing)
        self.playing = False
        self.speed = 1.0
        self.skip_inactive = True
        self.frames_loaded = 0
        self.patches_sent = 0
        self.batches_sent = 0
        self._wanted_seek: int | None = None
        self._wanted_force = False   # ... asked to load a whole frame (while reading ahead)
        self.reading: int | None = None   # the moment being read ahead of the index, if any
        self._viewRead.connect(self._on_view_read)
        self.skipping = False
        self._last_tick = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        bridge.applied.connect(self._on_applied)
        # open on the first frame with something to show (a Meta may come a little earlier)
        self.first_frame = int(replayer.first_frame_ms)
        self.time = self.first_frame
        if bridge.is_ready:
            # (with itself as the context: a player closed before the call drops it)
            QTimer.singleShot(0, self, lambda: self.seek(self.time))
        else:
            bridge.ready.connect(lambda: self.seek(self.time, force_frame=True))

    # --- transport ---------------------------------------------------------------------------
    def play(self) -> None:
        if self.playing:
            return
        if self.time >= self.duration:
            self.seek(0)
        self.playing = True
        self._last_tick = time.monotonic()
        self._timer.start()
        self.playingChanged.emit(True)

    def pause(self) -> None:
        if not self.playing:
            return
        self.playing = False
        self._timer.stop()
        self._catch_up()
        if self.skipping:
            self.skipping = False
            self.skippingChanged.emit(False)
        self.playingChanged.emit(False)

    def _catch_up(self) -> None:
        """Send what a busy runtime was not sent yet, so the view shows exactly `time`."""
        if self.reading is None and self.bridge.is_ready and 0 <= self.sent < self.time:
            self._send_ops(self.r.ops_between(self.sent, self.time))
            self.sent = self.time

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def set_speed(self, speed: float) -> None:
        self.speed = float(speed)
        self.speedChanged.emit(self.speed)

    def faster(self) -> None:
        i = SPEEDS.index(self.speed) if self.speed in SPEEDS else 1
        self.set_speed(SPEEDS[min(len(SPEEDS) - 1, i + 1)])

    def slower(self) -> None:
        i = SPEEDS.index(self.speed) if self.speed in SPEEDS else 1
        self.set_speed(SPEEDS[max(0, i - 1)])

    def set_skip_inactive(self, on: bool) -> None:
        self.skip_inactive = bool(on)

    def step(self, delta_ms: int) -> None:
        self.seek(self.time + delta_ms)

    def next_event(self) -> None:
        t = self.sv.next_event(self.time)
        if t is not None:
            self.seek(t)

    def previous_event(self) -> None:
        t = self.sv.previous_event(self.time)
        if t is not None:
            self.seek(t)

    # --- clock ---------------------------------------------------------------------------------
    def rate_at(self, t: int) -> float:
        """Recorded ms per wall ms at `t` (the speed, or faster inside an inactive stretch)."""
        if self.skip_inactive:
            span = self.sv.inactive_at(t)
            if span is not None:
                return max(self.speed, (span[1] - span[0]) / SKIP_MS)
        return self.speed

    def _tick(self) -> None:
        now = time.monotonic()
        elapsed = (now - self._last_tick) * 1000.0
        self._last_tick = now
        if self.reading is not None:
            return   # the clock holds until the moment read ahead is shown
        rate = self.rate_at(self.time)
        skipping = rate > self.speed
        if skipping != self.skipping:
            self.skipping = skipping
            self.skippingChanged.emit(skipping)
        t = min(self.duration, int(self.time + elapsed * rate))
        self._advance(t)
        if t >= self.duration:
            self.pause()

    def _advance(self, t: int) -> None:
        """Move the clock forward to t, sending the view what changed (unless it is busy)."""
        self.time = t
        if self.bridge.pending <= 1 and self.sent >= 0 and t > self.sent:
            self._send_ops(self.r.ops_between(self.sent, t))
            self.sent = t
        self.overlay.set_time(t)
        self.timeChanged.emit(t)

    def _send_ops(self, ops: list[dict]) -> None:
        if not ops:
            return
        page_ops = []
        path = []
        for op in ops:
            k = op.get("k")
            if k in POINTER_OPS and op.get("x") is not None and op.get("y") is not None:
                path.append([op["x"], op["y"]])
            if k == "viewport":
                self.stage.set_viewport(op.get("w"), op.get("h"))
            elif k == "full":
                f = op.get("frame") or {}
                self.stage.set_viewport(f.get("width"), f.get("height"))
            if k not in _VIEW_KINDS:
                page_ops.append(op)
        self.overlay.feed(ops)
        if path:   # the page shows :hover under the cursor (the runtime's emulation)
            page_ops.append({"t": ops[-1]["t"], "k": "pointer", "path": path[-HOVER_PATH_MAX:]})
        if page_ops:
            self.bridge.apply_ops(page_ops)
            self.batches_sent += 1

    # --- seeking ---------------------------------------------------------------------------
    def seek(self, t: int, force_frame: bool = False) -> None:
        t = min(max(0, math.ceil(t)), self.duration)   # a fraction of a ms: what happened in it
        if not self.bridge.is_ready:
            self.time = t
            return
        if self.reading is not None:
            # a moment is being read ahead of the index: this one is made once it is shown
            self._wanted_seek = t
            self._wanted_force = self._wanted_force or force_frame
            self.time = t
            self.timeChanged.emit(t)
            return
        if self.bridge.pending > 0 and not force_frame:
            # the view is still busy with the last seek (dragging): remember only the latest
            self._wanted_seek = t
            self.time = t
            self.timeChanged.emit(t)
            return
        self._wanted_seek = None
        ops = None
        if not force_frame and self.sent >= 0 and self.sent < t <= self.sent + SHORT_JUMP_MS \
                and not self.r.reads_ahead(t, continuing_from=self.sent):
            # None when the jump is more than MAX_JUMP_OPS DOM operations or a page load
            # (the cursor's moves on top are the overlay's, not counted)
            ops = self.r.ops_between(self.sent, t, MAX_JUMP_OPS)
        if ops is not None:
            self._send_ops(ops)
        elif force_frame or t != self.sent:
            # before the first snapshot there is no page: show the first one instead. The
            # page shown stays when most of it is the same (a patch), else a whole frame.
            shown = None if force_frame or self.sent < 0 else self.sent
            at = max(t, self.first_frame)
            if self.r.reads_ahead(at):
                self._read_ahead(t, at, shown)
                return
            self._show_view(t, *self.r.view_at(at, shown))
            return
        self._shown(t if ops is not None else max(t, self.first_frame), t)

    def _show_view(self, t: int, kind: str, frame: dict) -> None:
        """The view the replayer made for `t` sent to the page: a patch or a whole frame."""
        self.stage.set_viewport(frame.get("width"), frame.get("height"))
        path = self.hover_path(t)
        if path:
            frame["pointer"] = path
        if kind == "patch":
            self.bridge.apply_patch(frame)
            self.patches_sent += 1
        else:
            self.bridge.load_frame(frame)
            self.frames_loaded += 1
        # (before the first snapshot there is no page: the first one is shown)
        self._shown(max(t, self.first_frame), t)

    def _shown(self, sent: int, t: int) -> None:
        """The view now shows the recording as of `sent`; the clock is at `t`."""
        self.sent = sent
        self.time = t
        self._reset_overlay(t)
        if self._last_tick:
            self._last_tick = time.monotonic()
        self.timeChanged.emit(t)

    def _read_ahead(self, t: int, at: int, shown: int | None) -> None:
        """`seek`'s view of `at`, read in a thread (`Replayer.reads_ahead`), then shown by
        `_on_view_read` on the UI thread; the clock shows `t` meanwhile."""
        self.reading = t
        self.time = t
        self.timeChanged.emit(t)
        self.readingChanged.emit(t)
        r, done = self.r, self._viewRead

        def read() -> None:
            try:
                result: Any = r.view_at(at, shown)
            except Exception as exc:  # noqa: BLE001 - raised on the UI thread, as it was
                result = exc
            try:
                done.emit((r, t, result))
            except RuntimeError:   # its player was deleted meanwhile: nobody to show it
                pass

        threading.Thread(target=read, name="replay-read-ahead", daemon=True).start()

    def _on_view_read(self, read: tuple[Any, int, Any]) -> None:
        r, t, result = read
        self.reading = None
        self.readingChanged.emit(None)
        wanted, force = self._wanted_seek, self._wanted_force
        self._wanted_seek, self._wanted_force = None, False
        if r is not self.r:   # a live session's replayer replaced meanwhile: read again
            self.seek(t if wanted is None else wanted, force_frame=True)
            return
        if isinstance(result, Exception):
            if r.index.closed:   # its player closed while it was read
                return
            raise result
        self._show_view(t, *result)
        if wanted is not None:
            self.seek(wanted, force_frame=force)

    def wait_read(self, timeout_s: float = 30.0) -> None:
        """Until a moment read ahead of the index is shown (tests, benchmarks)."""
        from PySide6.QtCore import QCoreApplication, QEventLoop
        deadline = time.monotonic() + timeout_s
        while self.reading is not None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the moment was not read within {timeout_s:.0f} s")
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)

    def _reset_overlay(self, t: int) -> None:
        self.overlay.reset(t, self.sv.mouse_at(t), self.sv.clicks_between(t - RIPPLE_MS, t),
                           self.sv.mouse_trail(t - TRAIL_MS, t))

    def pointer_to_shown(self) -> None:
        """The session view came in after the moment on show was painted (a long
        recording's rows, read in a thread): its cursor, trail and ripples put on it, and
        the page's :hover path. Paused, the moment is painted again as a player opened on
        the rows paints it; playing, only these (a whole frame reloaded mid-playback, the
        page went blank and back)."""
        if not self.bridge.is_ready or self.reading is not None:
            return   # (a moment read ahead is painted with them when it comes)
        if not self.playing:
            self.seek(self.time, force_frame=True)
            return
        t = self.time
        self._reset_overlay(t)
        path = self.hover_path(t)
        if path:
            self.bridge.apply_ops([{"t": t, "k": "pointer", "path": path}])

    def hover_path(self, t: int) -> list[list[float]]:
        """The cursor's last recorded positions up to `t`, for the runtime's :hover
        emulation: the way the cursor came matters (a menu it opened stays open while it
        moves into it), so a seek hands over the path, not only the end point."""
        path = [[x, y] for _mt, x, y in self.sv.mouse_trail(t - HOVER_PATH_MS, t)]
        pos = self.sv.mouse_at(t)
        if pos is not None and (not path or path[-1] != [pos[0], pos[1]]):
            path.append([pos[0], pos[1]])
        return path[-HOVER_PATH_MAX:]

    def _on_applied(self, _seq: int) -> None:
        if self._wanted_seek is not None and self.bridge.pending == 0:
            self.seek(self._wanted_seek)
