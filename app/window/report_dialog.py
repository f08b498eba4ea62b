"""The bug report of a stored session, edited: its title and notes (a QA who forgot them
before pressing Stop, or a support engineer noting what they found), and - asked from a
player - the moment on show as the bug's, where the session opens from then on (a moment it
has already is kept unless the box is ticked). The steps stay as they are. Thin: `recorder.bug.edit_report` does the work, in a thread (`SaveReportJob`:
it rewrites the session, seconds for a long one)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QPlainTextEdit, QWidget)

from recorder.bug import BugReport, edit_report
from recorder.moments import moment_text
from recorder.privacy.detectors import KINDS, what_they_find
from recorder.store import Store

from .jobs import ThreadJob

def masked_note(detectors: Sequence[str] = KINDS) -> str:
    """What Save does to the title and notes, said before it: masked as an import masks, by
    the data folder's rules' `detectors` - a match's characters become x's - and the
    credentials they scrub (`token=***`). Written by hand, the list left out the IBAN and
    SSN detectors."""
    said = "Saved masked by the data folder's privacy rules, as an import masks: in the title" \
        " and notes, "
    scrubbed = "the credentials they scrub read ***, as in token=***"
    if not detectors:
        return said + scrubbed + "; no detector is on."
    return said + f"{what_they_find(detectors)} become x's, and {scrubbed}."


class ReportDialog(QDialog):
    """`at_ms`: the moment on show in the session's player (None: asked from the list),
    offered as the bug's moment - ticked when the report has none yet. `about`: a line said
    first, when which report this is is not plain (a file's tab edits its stored session's).
    `detectors`: the data folder's rules' (what Save masks, said)."""

    def __init__(self, session_id: str, report: BugReport | None, parent: QWidget | None = None,
                 at_ms: float | None = None, about: str = "", detectors: Sequence[str] = KINDS):
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
        note = QLabel(masked_note(detectors), self, objectName="maskedNote", wordWrap=True)
        # a hint, in the muted colour the app's hints share (disabled, it read as greyed out
        # and was hard to read: a QA's tryout)
        note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.at_ms = at_ms
        self.moment_box: QCheckBox | None = None
        moment: QWidget | None = None
        had = report.at_ms if report is not None else None
        if at_ms is not None and had is not None and moment_text(had) == moment_text(at_ms):
            # (an unticked "the bug is at 0:58.6 (now at 0:58.6)" read as a question)
            moment = QLabel(f"{moment_text(had)}, the moment on show: the session opens there",
                            self, objectName="bugMomentKept")
        elif at_ms is not None:
            self.moment_box = moment = QCheckBox(
                f"The bug is at {moment_text(at_ms)}, the moment on show: the session opens"
                " there" if had is None else
                f"Move the bug to {moment_text(at_ms)}, the moment on show (it is at"
                f" {moment_text(had)}): the session opens there", self)
            self.moment_box.setObjectName("bugMoment")
            self.moment_box.setChecked(had is None)
        if about:   # which report this is, when that is not plain (a file's tab)
            form.addRow(QLabel(about, self, objectName="aboutReport", wordWrap=True))
        form.addRow("Title", self.title_edit)
        form.addRow("Notes", self.notes_edit)
        if moment is not None:
            form.addRow("Moment", moment)
        form.addRow(note)
        form.addRow(buttons)
        self.resize(560, 280)

    def title(self) -> str:
        return self.title_edit.text()

    def notes(self) -> str:
        return self.notes_edit.toPlainText()

    def moment(self) -> float | None:
        """The bug's moment to store (None: the report's own is kept)."""
        return self.at_ms if self.moment_box is not None and self.moment_box.isChecked() \
            else None


class SaveReportJob(ThreadJob):
    """Store a session's bug report title and notes (`edit_report`) in a thread, on a store
    of its own. Emits `saved(report)` (as stored, masked) or `failed(line)`, then
    `finished(job)`. Not cancellable: the person asked to save."""
    saved = Signal(object)
    failed = Signal(str)
    finished = Signal(object)

    thread_name = "replay-report"

    def __init__(self, data_dir: Path, session_id: str, title: str, notes: str,
                 masker_factory: Callable[[], Any], at_ms: float | None = None):
        super().__init__()
        self.data_dir = Path(data_dir)
        self.session_id = session_id
        self.title, self.notes = title, notes
        self.at_ms = at_ms   # the bug's moment (None: kept)
        self.masker_factory = masker_factory

    def _run(self) -> None:
        try:
            with Store.open(self.data_dir) as store:
                report = edit_report(store, self.session_id, title=self.title,
                                     notes=self.notes, masker_factory=self.masker_factory,
                                     at_ms=self.at_ms)
        except KeyError:
            self.failed.emit(f"the bug report was not saved: session {self.session_id} is no"
                             " longer in the data folder")
        except Exception as exc:  # noqa: BLE001 - said in the window, never a crash
            self.failed.emit(" ".join(f"the bug report was not saved: {exc}".split()))
        else:
            self.saved.emit(report)
        self.finished.emit(self)
