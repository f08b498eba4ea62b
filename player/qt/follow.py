"""`--follow`, and a live session opened in the app: a QTimer polls a LiveTail
(player/follow.py) and, when the session grew, gives the player the longer recording. The
timeline grows; the view stays at the live edge unless the person scrubbed back (then it
stays where they are). Once the session may grow no more (`LiveTail.live`: the intake
compacted it, gone quiet), the read that saw it is the last: nothing more can come, and a
poll a second for the player's life read nothing. While no intake serves the folder
(stopped, restarting) it is followed on, said (`servingChanged`): ended there, the tab said
"the session is whole" of a visitor still on the page, and never followed it again.

What arrived is read, and the session indexed again with it, in a thread (one read at a
time): that is the whole session's work each time, 0.4 s for 20,000 events, and done on
the UI thread it froze the window once a second for as long. Only the swap - the new
index and session view handed to the player - is the UI thread's: the thread's end is a
signal queued to it (`_landed`), nothing looks at the thread in the meantime."""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from ..follow import LiveTail
from .session_view import build_session_view

POLL_MS = 1000
EDGE_MS = 1500     # this close to the end counts as watching live


class LiveFollow(QObject):
    grew = Signal(int)   # events that arrived
    ended = Signal()     # following is over: the session is whole (or could not be read)
    servingChanged = Signal(bool)   # an intake serves the folder again (True), or none does
    _landed = Signal()   # (from the reading thread: its read is done - queued to the UI's)

    def __init__(self, widget, tail: LiveTail, interval_ms: int = POLL_MS, *,
                 to_edge: bool = True):
        super().__init__(widget)
        self.widget = widget
        self.tail = tail
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll)
        if tail.live:
            self.timer.start()
        else:   # no longer live when opened (compacted since the host asked): what was read
            # is all of it - said once the host has heard of this follow
            QTimer.singleShot(0, self, self.ended.emit)
        self._reading: threading.Thread | None = None
        self._read: tuple | None = None   # (events that arrived, replayer, session view)
        self.failed: Exception | None = None   # a read that failed ends the following
        self._app_name = widget.application_name   # (read here, on the UI thread)
        self._serving = tail.serving   # as last said (`servingChanged`)
        self._landed.connect(self._land, Qt.ConnectionType.QueuedConnection)
        if to_edge:   # open at the live edge
            widget.bridge.when_ready(self._to_edge, self)

    def stop(self) -> None:
        """No more reads (the player closes): a read under way is waited for, so no thread
        of ours is left reading when the player - or the program - is gone."""
        self.timer.stop()
        if self._reading is not None:
            self._reading.join()
        self._read = None

    def _to_edge(self) -> None:
        c = self.widget.controller
        c.seek(c.duration)

    def poll(self) -> None:
        """Read what arrived since the last read, in a thread (not while one is on)."""
        if self._reading is not None and self._reading.is_alive():
            return
        self._reading = threading.Thread(target=self._read_more, name="replay-follow",
                                         daemon=True)
        self._reading.start()

    def _read_more(self) -> None:
        """(In the reading thread.) The session with what arrived, indexed whole."""
        try:
            n = self.tail.poll()
            if n:
                new = self.tail.replayer()
                self._read = (n, new, build_session_view(new, self.tail.info, self._app_name))
        except Exception as exc:  # noqa: BLE001 - erased or unreadable meanwhile
            self.failed = exc
        self._landed.emit()

    @property
    def following(self) -> bool:
        """Whether more may still be read (the timer is on)."""
        return self.timer.isActive()

    def serving_text(self) -> str:
        """What a status bar says as an intake stops or starts serving the folder
        (`servingChanged`)."""
        return ("live again: an intake serves it" if self._serving else
                "no intake serves its data folder now - nothing arrives until `replay serve`"
                " runs again, and it is followed then")

    def ended_text(self) -> str:
        """Why following ended, as a status bar says it (once `ended`)."""
        if self.failed is not None:
            return f"no longer followed - it could not be read again ({self.failed})"
        return "no longer live - the session is whole"

    def _land(self) -> None:
        over = self.timer.isActive() and (self.failed is not None or not self.tail.live)
        if over:   # the session shown stays as it is
            self.timer.stop()
        read, self._read = self._read, None
        if read is not None:
            n, new, sv = read
            self._swap(new, sv)
            self.grew.emit(n)
        if over:   # (after the last growth: a host updating its title sees the whole session)
            self.ended.emit()
        elif self.tail.serving != self._serving:
            self._serving = self.tail.serving
            self.servingChanged.emit(self._serving)

    def _swap(self, new, sv) -> None:
        w, c = self.widget, self.widget.controller
        at_edge = c.time >= c.duration - EDGE_MS
        old = w.replayer
        w.replayer = c.r = new
        w.set_session(sv)
        if at_edge:
            c.seek(c.duration)
        old.close()
