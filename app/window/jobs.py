"""What the window's long jobs share (File > Import, File > Open): the work in a thread of
its own, so the window never freezes, and a progress dialog with Cancel following it."""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

SHOW_AFTER_MS = 500      # a short job does not flash a dialog
DIALOG_MIN_WIDTH = 420


class ThreadJob(QObject):
    """`_run()` in a daemon thread named `thread_name`; `cancel()` sets `cancelled`, which
    `_run` looks at where it can stop."""
    thread_name = "replay-job"

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.cancelled = False
        self._thread: threading.Thread | None = None

    def _run(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self.cancelled = True

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout_s: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout_s)


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
    return dlg


def job_dialog(job: ThreadJob, parent: QWidget, title: str, label: str) -> JobDialog:
    """A window-modal busy dialog for `job` (shown after SHOW_AFTER_MS); Cancel cancels it.
    The caller connects the job's progress to it, and the job's end to its `end`."""
    dlg = modal_progress(parent, label)
    dlg.setWindowTitle(title)
    dlg.canceled.connect(job.cancel)
    return dlg
