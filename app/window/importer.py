"""File > Import…: `replay import`'s own code (app.commands.import_cmd.import_files) in a
worker thread, its progress shown in a dialog, so a long import never freezes the window."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from ..commands._words import Advice, count
from .jobs import JobDialog, ThreadJob, job_dialog


class _SignalBar:
    """The slice of rich's Progress that import_files uses, reported through a Qt signal."""

    def __init__(self, job: "ImportJob"):
        self.job = job
        self._n = 0
        self._total: dict[int, int] = {}   # as rich does: an update without a total keeps it
        self._done: dict[int, int] = {}

    def add_task(self, description: str, total: float | None = None, **_: Any) -> int:
        self._n += 1
        self._total[self._n], self._done[self._n] = int(total or 0), 0
        self.job.progress.emit(description, 0, self._total[self._n])
        return self._n

    @property
    def task_ids(self) -> list[int]:
        return list(self._total)

    def update(self, task: int, *, description: str | None = None,
               completed: float | None = None, total: float | None = None,
               visible: bool | None = None, **_: Any) -> None:
        if total is not None:
            self._total[task] = int(total)
        if completed is not None:
            self._done[task] = int(completed)
        if visible is False:   # a stage ended (`_progress.next_stage`): the next one says itself
            return
        self.job.progress.emit(description or "", self._done.get(task, 0),
                               self._total.get(task, 0))

    def remove_task(self, task: int) -> None:
        self._total.pop(task, None)
        self._done.pop(task, None)


class ImportJob(ThreadJob):
    """Import `files` into the data folder under its active rules. Emits `progress(text,
    done, total)` while it runs and `finished(results, failures, said, copyable)` at the end
    - `said`:
    the notes and warnings `replay import` prints on stderr, as (level, line), "note" or
    "warning" (what the store warned of among the warnings), for the window to say (they
    went to the terminal the app was started from); `cancel()` stops before the next file
    (a file being imported is finished: never half-stored). `as_new`: as `replay import
    --as-new`; `copyable`: the paths of the files kept out for differing from a stored
    session (import_files says which) - the window offers to import them as new copies
    (`AS_NEW_BUTTON`)."""
    progress = Signal(str, int, int)
    finished = Signal(list, list, list, list)
    thread_name = "replay-import"

    def __init__(self, data_dir: Path, files: list[Path], parent: QObject | None = None, *,
                 as_new: bool = False):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.files = [Path(f) for f in files]
        self.as_new = as_new

    def _run(self) -> None:
        from recorder import store as stores
        from recorder.said import heard

        from ..cli import UserError, build_parser
        from ..commands.import_cmd import import_files, prepare

        # the `import` command's options exactly as `replay import FILE...` would have them
        args = build_parser().parse_args(["--data", str(self.data_dir), "import",
                                          *(["--as-new"] if self.as_new else []), "--",
                                          *map(str, self.files)])
        try:
            masker = prepare(args)
            store = stores.Store.open(self.data_dir)
        except (UserError, OSError) as exc:
            self.finished.emit([], [str(exc)], [], [])
            return
        said: list[tuple[str, str]] = []
        copyable: list[Path] = []
        try:
            with heard() as warned:
                todo = (f for f in self.files if not self.cancelled)
                results, failures = import_files(store, todo, args, masker, _SignalBar(self),
                                                 say=lambda level, line: said.append(
                                                     (level, line)), copyable=copyable,
                                                 advice=WINDOW_ADVICE)
        except Exception as exc:  # noqa: BLE001 - said in the window, never a crash
            results, failures = [], [f"the import stopped: {exc}"]
        finally:
            store.close()
        said += [("warning", line) for line in warned]
        self.finished.emit(results, failures, said, copyable)


AS_NEW_BUTTON = "Import as new copies"   # the import's box offers it (MainWindow._imported)


# what a person can do about a file refused or kept out, as the window says it: it has no
# --partial (a terminal does); its --as-new is the import box's button, its `replay play`
# File > Open, its `replay delete` Delete session… in the list
WINDOW_ADVICE = Advice(
    partial="`replay import --partial FILE` in a terminal stores what decodes as a new session",
    keep_both=f"to keep both, choose {AS_NEW_BUTTON} (each is stored beside it, as SESSION_new,"
              " a second as SESSION_new2…)",
    apart="If it is such a part: a session's parts are joined when imported together (File >"
          " Import… of them all at once) - erase the stored session first (Delete session…, in"
          " the list), then import every part at once",
    shows=lambda f: "File > Open shows it")


def progress_dialog(job: ImportJob, parent: QWidget) -> JobDialog:
    """A window-modal progress dialog following `job` (shown after half a second, so a
    small import does not flash one); Cancel stops before the next file."""
    dlg = job_dialog(job, parent, "Import", f"Importing {count(len(job.files), 'file')}…")

    def on_progress(text: str, done: int, total: int) -> None:
        if text:
            dlg.setLabelText(text)
        dlg.setMaximum(max(total, 0))
        if total:
            dlg.setValue(min(done, total))

    job.progress.connect(on_progress)
    job.finished.connect(dlg.end)
    return dlg
