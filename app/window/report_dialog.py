"""The bug report of a stored session, edited: its title and notes (a QA who forgot them
before pressing Stop, or a developer adding what they found). The moment and the steps stay
as they are. Thin: `recorder.bug.edit_report` does the work, in a thread (`SaveReportJob`:
it rewrites the session, seconds for a long one)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QWidget)

from recorder.bug import BugReport, edit_report
from recorder.store import Store

from .jobs import ThreadJob

MASKED_NOTE = ("Saved masked by the data folder's privacy rules, as an import masks: e-mail"
               " addresses, card and phone numbers in the title or notes become x's.")


class ReportDialog(QDialog):
    def __init__(self, session_id: str, report: BugReport | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reportDialog")
        self.setWindowTitle(f"Bug report of session {session_id}")
        self.title_edit = QLineEdit(report.title if report else "", self,
                                    placeholderText="What goes wrong, in one line")
        self.notes_edit = QPlainTextEdit(report.notes if report else "", self)
        self.notes_edit.setPlaceholderText("Expected, actual, environment…")
        self.notes_edit.setTabChangesFocus(True)   # Tab reaches Save (record mode's notes too)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        note = QLabel(MASKED_NOTE, self, objectName="maskedNote", wordWrap=True)
        note.setEnabled(False)   # dimmed: a hint
        form.addRow("Title", self.title_edit)
        form.addRow("Notes", self.notes_edit)
        form.addRow(note)
        form.addRow(buttons)
        self.resize(560, 280)

    def title(self) -> str:
        return self.title_edit.text()

    def notes(self) -> str:
        return self.notes_edit.toPlainText()


class SaveReportJob(ThreadJob):
    """Store a session's bug report title and notes (`edit_report`) in a thread, on a store
    of its own. Emits `saved(report)` (as stored, masked) or `failed(line)`, then
    `finished(job)`. Not cancellable: the person asked to save."""
    saved = Signal(object)
    failed = Signal(str)
    finished = Signal(object)

    thread_name = "replay-report"

    def __init__(self, data_dir: Path, session_id: str, title: str, notes: str,
                 masker_factory: Callable[[], Any]):
        super().__init__()
        self.data_dir = Path(data_dir)
        self.session_id = session_id
        self.title, self.notes = title, notes
        self.masker_factory = masker_factory

    def _run(self) -> None:
        try:
            with Store.open(self.data_dir) as store:
                report = edit_report(store, self.session_id, title=self.title,
                                     notes=self.notes, masker_factory=self.masker_factory)
        except KeyError:
            self.failed.emit(f"the bug report was not saved: session {self.session_id} is no"
                             " longer in the data folder")
        except Exception as exc:  # noqa: BLE001 - said in the window, never a crash
            self.failed.emit(" ".join(f"the bug report was not saved: {exc}".split()))
        else:
            self.saved.emit(report)
        self.finished.emit(self)
