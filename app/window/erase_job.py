"""Erasing the sessions picked in the list (one, or a selection: a privacy officer's
request to forget a customer, a support engineer's clean-up), as `replay delete` erases
them: in a thread, on a store of its own, session by session, so the window never freezes
and Cancel stops between two sessions - each one erased whole or not at all."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal

from recorder.said import count
from recorder.store import Store

from .jobs import ThreadJob


class EraseJob(ThreadJob):
    """Erase `session_ids` in order. Emits `progress(done, total)` after each, then
    `finished(job)`; `erased` lists the ids gone (a session erased meanwhile by `replay
    delete` counts as gone), `failures` what could not be, one line each (the others go on;
    the window says them once, at the end - a box each stacked hundreds on a read-only
    disk), `unscrubbed` how many left the index's log to be cleared once other programs
    close it."""
    progress = Signal(int, int)
    finished = Signal(object)

    thread_name = "replay-erase"

    def __init__(self, data_dir: Path, session_ids: list[str]):
        super().__init__()
        self.data_dir = Path(data_dir)
        self.session_ids = list(session_ids)
        self.erased: list[str] = []
        self.failures: list[str] = []
        self.unscrubbed = 0

    def _run(self) -> None:
        try:
            with Store.open(self.data_dir) as store:
                for sid in self.session_ids:
                    if self.cancelled:
                        break
                    try:
                        erased = store.delete_session(sid)
                        if not erased.scrubbed:
                            self.unscrubbed += 1
                        if erased.left:   # gone from the index; its files at the next open
                            self.failures.append(
                                f"{count(erased.left, 'file')} of session {sid} could not be"
                                " deleted (the folder refused): they are deleted the next time"
                                " the data folder is opened - check its permissions")
                    except KeyError:   # gone already (a `replay delete` meanwhile)
                        pass
                    except Exception as exc:  # noqa: BLE001 - said in the window, never a crash
                        self.failures.append(" ".join(f"session {sid} was not erased: {exc}"
                                                      .split()))
                        continue
                    self.erased.append(sid)
                    self.progress.emit(len(self.erased), len(self.session_ids))
        except Exception as exc:  # noqa: BLE001 - the store could not be opened
            self.failures.append(" ".join(f"nothing was erased: {exc}".split()))
        self.finished.emit(self)

    def problem(self) -> str | None:
        """The failures in one line (the first, and how many more), or None."""
        if not self.failures:
            return None
        more = len(self.failures) - 1
        return self.failures[0] + (f" (and {more:,} more like it)" if more > 0 else "")

    def summary(self) -> str:
        """What was done, for the status bar."""
        n, asked = len(self.erased), len(self.session_ids)
        if n == 1 and asked == 1:
            said = f"Erased session {self.erased[0]}"
        elif n == asked:
            said = f"Erased {n:,} sessions"
        else:
            said = f"Erased {n:,} of {asked:,} sessions" + (" (stopped)" if self.cancelled
                                                           else "")
        if self.unscrubbed:
            said += (" (the index's log is cleared once other programs using the data folder"
                     " close it)")
        return said
