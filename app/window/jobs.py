"""What the window's long jobs share (File > Import, File > Open): the work in a thread of
its own, so the window never freezes, and a progress dialog with Cancel following it (the
player's, player/qt/progress.py, which its exports show too)."""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from player.qt.progress import JobDialog, modal_progress

__all__ = ["JobDialog", "ThreadJob", "job_dialog", "modal_progress"]


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


def job_dialog(job: ThreadJob, parent: QWidget, title: str, label: str) -> JobDialog:
    """A window-modal busy dialog for `job` (shown after progress.SHOW_AFTER_MS); Cancel
    cancels it. The caller connects the job's progress to it, and the job's end to its `end`."""
    dlg = modal_progress(parent, label)
    dlg.setWindowTitle(title)
    dlg.canceled.connect(job.cancel)
    return dlg
