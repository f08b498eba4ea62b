"""The bug report of a stored session, edited: its title and notes (a QA who forgot them
before pressing Stop, or a developer adding what they found). The moment and the steps stay
as they are. Thin: `recorder.bug.edit_report` does the work."""
from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QPlainTextEdit,
                               QWidget)

from recorder.bug import BugReport


class ReportDialog(QDialog):
    def __init__(self, session_id: str, report: BugReport | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reportDialog")
        self.setWindowTitle(f"Bug report of session {session_id}")
        self.title_edit = QLineEdit(report.title if report else "", self,
                                    placeholderText="What goes wrong, in one line")
        self.notes_edit = QPlainTextEdit(report.notes if report else "", self)
        self.notes_edit.setPlaceholderText("Expected, actual, environment…")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Title", self.title_edit)
        form.addRow("Notes", self.notes_edit)
        form.addRow(buttons)
        self.resize(560, 280)

    def title(self) -> str:
        return self.title_edit.text()

    def notes(self) -> str:
        return self.notes_edit.toPlainText()
