"""A status bar's line and its tooltip (player/qt/status_line.py)."""
from __future__ import annotations

from PySide6.QtWidgets import QStatusBar

from player.qt.status_line import StatusLine


def test_a_line_said_again_gets_its_own_tooltip_and_another_message_clears_it(qapp):
    """Copy link at 0:12.0 in one tab, then at 0:12.0 in another: the same line changed no
    message, and the tooltip kept the first tab's link while the clipboard held the second's."""
    bar = QStatusBar()
    said = StatusLine(bar)
    said.say("Copied the link to 0:12.0", "replay://a?t=12000")
    assert "replay://a?t=12000" in bar.toolTip()
    said.say("Copied the link to 0:12.0", "replay://b?t=12000")
    assert "replay://b?t=12000" in bar.toolTip() and "replay://a" not in bar.toolTip()
    bar.showMessage("something else")
    assert bar.toolTip() == ""
