"""Long work off the UI thread: `in_background` runs it in a thread while the event loop goes
on, and a long job's progress dialog (the app's Import and Open, the player's exports) is
window-modal with Cancel, shown only when the job lasts, and never after its end. In the
player's package, so that the player's own long jobs show it too (imports point app ->
player)."""
from __future__ import annotations

import threading
from typing import Callable, TypeVar

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QProgressDialog, QWidget

SHOW_AFTER_MS = 500      # a short job does not flash a dialog
DIALOG_MIN_WIDTH = 420
POLL_MS = 5   # how often a nested event loop looks whether its thread is done

T = TypeVar("T")


def in_background(work: Callable[[], T], name: str) -> T:
    """`work()` run in a thread while this (the UI) thread's event loop goes on — the web
    view loads, the window paints — and its result (or its exception) returned here."""
    return begun(work, name)()


def begun(work: Callable[[], T], name: str) -> Callable[[], T]:
    """`work()` started in a thread now; what is returned waits for it as `in_background`
    does (the event loop going on) and hands back its result - so the caller does its own
    part meanwhile (the player makes its web view while the recording is read)."""
    out: list = []

    def run() -> None:
        try:
            out.append((True, work()))
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
            out.append((False, exc))

    th = threading.Thread(target=run, name=name, daemon=True)
    th.start()
    return lambda: _waited(th, out)


def _waited(th: threading.Thread, out: list):
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(POLL_MS)
    poll.timeout.connect(lambda: th.is_alive() or loop.quit())
    poll.start()
    if th.is_alive():
        loop.exec()
    poll.stop()
    th.join()
    ok, value = out[0]
    if not ok:
        raise value
    return value


class JobDialog(QProgressDialog):
    """A progress dialog that never shows once `end()` said its job is over.

    QProgressDialog shows itself from a timer of its own: its minimum duration after it is
    made, or after a setValue(minimum). A job that ends before that timer fires (a short
    recording, while the window is busy building its player) would have its dialog shown
    after the end, window-modal, with nothing left to hide it, and keys to the window
    blocked until Cancel."""

    def __init__(self, *args):
        super().__init__(*args)
        self.ended = False

    def end(self, *_args) -> None:
        """The job is over: hidden now and from then on (close() would say "canceled")."""
        self.ended = True
        self.hide()

    def setVisible(self, visible: bool) -> None:  # noqa: N802 (Qt)
        super().setVisible(visible and not self.ended)


def modal_progress(parent: QWidget, label: str, maximum: int = 0) -> JobDialog:
    """A window-modal progress dialog with Cancel, shown after SHOW_AFTER_MS (`maximum` 0:
    busy, no count), left open until its `end()`."""
    dlg = JobDialog(label, "Cancel", 0, maximum, parent)
    dlg.setWindowModality(Qt.WindowModality.WindowModal)
    dlg.setMinimumDuration(SHOW_AFTER_MS)
    dlg.setMinimumWidth(DIALOG_MIN_WIDTH)
    dlg.setAutoClose(False)
    dlg.setAutoReset(False)
    # the show timer runs from the dialog's making at Qt's own 4 s; setMinimumDuration moves
    # it only for a dialog at its minimum value, and a new one has none (-1): at it now, it
    # shows after SHOW_AFTER_MS (a job that counts sets its value as it goes)
    dlg.setValue(dlg.minimum())
    return dlg
