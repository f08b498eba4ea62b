"""A window's status bar saying what an action did: one line, short enough to be read whole
(a status bar cuts what does not fit, and a line of 250 characters lost its end at the app's
default width), for SAID_MS - and, while it is shown, the bar's tooltip holds the line whole
and the rest of what there is to say (a link copied, what to do with it)."""
from __future__ import annotations

from PySide6.QtWidgets import QStatusBar

from .plain_text import plain_tip

SAID_MS = 10_000   # how long a status-bar line stays


class StatusLine:
    """`say(line, more)` in `bar`; its tooltip goes once the bar says something else."""

    def __init__(self, bar: QStatusBar):
        self.bar = bar
        self._said = ""
        self._tip: str | None = ""
        bar.messageChanged.connect(self._changed)

    def say(self, line: str, more: str = "", ms: int = SAID_MS) -> None:
        self._said = line
        self._tip = plain_tip(f"{line}\n{more}" if more else line)
        self.bar.showMessage(line, ms)
        # (the same line again changes no message, so no messageChanged: a Copy link at
        # 0:12.0 in a second tab kept the first tab's link in the tooltip)
        self.bar.setToolTip(self._tip)

    def _changed(self, message: str) -> None:
        self.bar.setToolTip(self._tip if message and message == self._said else "")
