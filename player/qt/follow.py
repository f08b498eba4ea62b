"""`--follow`: a QTimer polls a LiveTail (player/follow.py) and, when the session grew,
gives the player the longer recording. The timeline grows; the view stays at the live
edge unless the person scrubbed back (then it stays where they are)."""
from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from ..follow import LiveTail
from .session_view import build_session_view

POLL_MS = 1000
EDGE_MS = 1500     # this close to the end counts as watching live


class LiveFollow(QObject):
    grew = Signal(int)   # events that arrived

    def __init__(self, widget, tail: LiveTail, interval_ms: int = POLL_MS, *,
                 to_edge: bool = True):
        super().__init__(widget)
        self.widget = widget
        self.tail = tail
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll)
        self.timer.start()
        if to_edge:   # open at the live edge
            widget.bridge.when_ready(self._to_edge, self)

    def _to_edge(self) -> None:
        c = self.widget.controller
        c.seek(c.duration)

    def poll(self) -> int:
        n = self.tail.poll()
        if n:
            self._swap()
            self.grew.emit(n)
        return n

    def _swap(self) -> None:
        w, c = self.widget, self.widget.controller
        at_edge = c.time >= c.duration - EDGE_MS
        old, new = w.replayer, self.tail.replayer()
        w.replayer = c.r = new
        w.set_session(build_session_view(new, self.tail.info))
        if at_edge:
            c.seek(c.duration)
        old.close()
