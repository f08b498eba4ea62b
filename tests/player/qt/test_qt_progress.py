"""A long job's progress dialog (the app's Open and Import, the player's exports): a busy
one shows once its job has lasted SHOW_AFTER_MS, and never after the job's end."""
from __future__ import annotations

import time

from PySide6.QtWidgets import QApplication, QWidget

from player.qt.progress import SHOW_AFTER_MS, modal_progress


def _visible_after(dlg, limit_s: float) -> float | None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit_s:
        QApplication.processEvents()
        if dlg.isVisible():
            return time.monotonic() - t0
        time.sleep(0.01)
    return None


def test_a_busy_dialog_shows_after_half_a_second(qtbot):
    """It showed after 4 s, Qt's own delay: setMinimumDuration restarts the dialog's timer only
    when its value is its minimum, and a busy dialog had no value yet (-1). Opening a long
    recording said nothing for 4 s, and so would an export."""
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    dlg = modal_progress(parent, "Opening a long recording…")
    shown = _visible_after(dlg, 3.0)
    assert shown is not None and shown >= SHOW_AFTER_MS / 1000 - 0.05
    dlg.end()


def test_a_job_that_ends_before_the_delay_shows_nothing(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    dlg = modal_progress(parent, "Opening a short recording…")
    dlg.end()
    assert _visible_after(dlg, SHOW_AFTER_MS / 1000 + 0.5) is None
