"""The privacy workspace: the rules file as a form, a live preview, dry run, audit, history.

Thin over recorder.privacy (rules, history, dryrun, audit, remask) and model.py (the two
preview sides). The only place in the app that writes the data folder's rules
(`history.save_rules`: a new revision and a change-log line). A recording file opened here
is held in memory only; its unmasked form is shown only while "Show unmasked" is ticked and
is never written or logged.
"""
from __future__ import annotations

import re
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Iterator

from PySide6.QtCore import QFileSystemWatcher, Qt, QTimer, Signal
from PySide6.QtGui import QPalette, QTextCursor, QTextOption
from PySide6.QtWidgets import (
    QAbstractItemView, QBoxLayout, QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox,
    QHBoxLayout,
    QHeaderView, QLabel, QLineEdit, QMessageBox, QPlainTextEdit, QPushButton,
    QSlider, QSplitter, QStackedWidget,
    QTableWidget,
    QTabWidget, QToolButton, QVBoxLayout, QWidget,
)

from player.local_time import when_text
from player.qt.devtools.pane import notice
from player.qt.plain_text import plain_tip
from player.qt.runtime_bridge import RuntimeBridge
from player.qt.stage import ReplayStage
from recorder.moments import Unit, moment_text
from recorder.privacy import DETECTORS, Level, Rule, Rules, RulesError
from recorder.privacy.audit import headline, looked_for, owner_note, params_added
from recorder.privacy.history import (active_rules, every_change, loosened, looser,
                                      newest_revision, save_rules, when_shown, who_saves)
from recorder.privacy.rules import RULES_FILENAME, check_selector

from ..commands._words import count
from .model import (AUDIT, DRY_RUN, GIVEN, HISTORY, OUTLINE, OUTLINE_CSS, PREVIEW, TABS, Preview,
                    AUDIT_KINDS, AUDIT_SCOPE, Subject, audit_note,
                    build_preview, cut_note, has_page, read_subject, rules_title, shown_ids,
                    stacked_sides)
from .given_tab import GivenTab
from .remask_job import RemaskJob
from .tables import fill, table

LEVELS = [lvl.label for lvl in Level]
DEBOUNCE_MS = 250        # the preview follows typing, once the officer pauses
POLL_MS = 30             # how often the GUI looks for the rebuilt preview
OUTLINED = f"QLineEdit {{ border: 2px solid {OUTLINE}; }}"   # a bad selector, a changed URL
SELECTOR_COL, LEVEL_COL = 0, 1
CLAIM_COL = 2            # the Dry run table's claim column
SESSION_CHOICE_CHARS = 20   # the preview's session choice: an id and its user (whole in its list)
SCRUB_LINES = (2, 8)     # the URL-parameter box grows with its wrapped lines, within these (the
                         # built-in list of credential names is 19 long: one line showed its end)
PARAM_SEPARATORS = re.compile(r"[,\s]+")   # commas, spaces or new lines between parameter names
# what the History tab would show, said while no revision is saved (as the player's
# dev-tools tabs say theirs)
NO_REVISIONS = ("No revisions of the rules were saved yet.\n\nEach saved revision appears here"
                " with its number, when and by whom it was saved, and what changed: Save as"
                " revision N on this page saves one, and so does `replay mask --activate`;"
                " each application's own rules (`replay app rules`) are listed here too.")


STAGE_MIN_HEIGHT = 120   # px: each side's page at its smallest (see PreviewPane)


# What the page last saw of the rules file after its own save: nothing - whatever the file's
# state, the next look reads it (a state taken after the write could be another program's)
UNLOOKED = object()


class PreviewPane(QWidget):
    """One side of the preview: a title, the page's URL (as that side would store it) and
    the player's sandboxed stage (the page fitted into it)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)   # the recorded page's title
        self.title.setStyleSheet("font-weight: bold; padding: 2px 4px;")
        self.url = QLineEdit(self)
        self.url.setReadOnly(True)
        self.url.setFrame(False)
        self.url.setToolTip("the page's URL as this side stores it (scrubbed parameters and all)")
        self.stage = ReplayStage(self)
        # stacked (a narrow window), the two sides' minimums add up: at the player's 200 px
        # each the preview needed 490 px, and on first show in a 1008x652 window Qt grew the
        # window to 696 px (past a 1024x700 screen) to hold them
        self.stage.setMinimumHeight(STAGE_MIN_HEIGHT)
        self.bridge = RuntimeBridge(self.stage.page, self, extra_css=OUTLINE_CSS)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.title)
        lay.addWidget(self.url)
        lay.addWidget(self.stage, 1)
        self._frame = None
        self.bridge.ready.connect(self._send)

    def show_frame(self, title: str, frame: dict | None) -> None:
        self.title.setText(title)
        self._frame = frame
        self.url.setText(str((frame or {}).get("href") or ""))
        self.url.setCursorPosition(0)
        if frame is not None:
            self.stage.set_viewport(frame.get("width"), frame.get("height"))
        self._send()

    def _send(self) -> None:
        if self._frame is not None and self.bridge.is_ready:
            self.bridge.load_frame(self._frame)


class _SidesArea(QWidget):
    """The preview's two sides, laid out whichever way shows their pages larger."""

    def __init__(self, left: PreviewPane, right: PreviewPane, parent: QWidget | None = None):
        super().__init__(parent)
        self.panes = (left, right)
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        for pane in self.panes:
            pane.setParent(self)
            self.box.addWidget(pane, 1)
            pane.stage.viewportChanged.connect(lambda *_: self._arrange())
        # As narrow as one side: narrower than both, the sides are stacked (`_arrange`) - the
        # sum of both made the app's window at least 1,160 px wide, on every page. (A minimum
        # set, not a size hint overridden: Qt asks a hint while it tears the widgets down.)
        self.setMinimumWidth(max(p.minimumSizeHint().width() for p in self.panes))

    def stacked(self) -> bool:
        return self.box.direction() == QBoxLayout.Direction.TopToBottom

    def _too_narrow_for_both(self) -> bool:
        return self.width() < sum(p.minimumSizeHint().width() for p in self.panes) + \
            self.box.spacing()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(event)
        self._arrange()

    def _arrange(self) -> None:
        left = self.panes[0]
        chrome = left.title.sizeHint().height() + left.url.sizeHint().height() \
            + 2 * left.layout().spacing()
        want = self._too_narrow_for_both() or \
            stacked_sides(self.width(), self.height(), left.stage.recorded, chrome)
        if want != self.stacked():
            self.box.setDirection(QBoxLayout.Direction.TopToBottom if want
                                  else QBoxLayout.Direction.LeftToRight)


class NameList(QPlainTextEdit):
    """A list of names as wrapped text, as high as its lines (within SCRUB_LINES), Tab
    leaving it as it leaves a line edit."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.textChanged.connect(self._fit)
        self._fit()

    def resizeEvent(self, event) -> None:   # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit()   # a new width wraps the names anew

    def _fit(self) -> None:
        low, high = SCRUB_LINES
        lines = min(high, max(low, int(self.document().size().height())))   # lines, here
        height = (lines * self.fontMetrics().lineSpacing() + self.frameWidth() * 2
                  + int(self.document().documentMargin() * 2) + 2)
        if self.height() != height:
            self.setFixedHeight(height)


class RulesForm(QWidget):
    """The rules file as a form. `changed` on every edit; `rules()` raises RulesError
    naming the first problem (a selector that is not valid)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._base = Rules.default()   # what the form does not show is kept from here
        self.default_level = QComboBox(self)
        self.default_level.addItems(LEVELS)
        self.default_level.setToolTip("the level of everything no rule or markup names")
        self.rules_table = QTableWidget(0, 2, self)
        self.rules_table.setHorizontalHeaderLabels(["CSS selector", "Level"])
        self.rules_table.verticalHeader().setVisible(False)
        self.rules_table.horizontalHeader().setSectionResizeMode(
            SELECTOR_COL, QHeaderView.ResizeMode.Stretch)
        self.rules_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.add_rule_button = QPushButton("Add rule", self)
        self.remove_rule_button = QPushButton("Remove", self)
        self.selector_error = QLabel(self)
        self.selector_error.setWordWrap(True)
        self.selector_error.setStyleSheet(f"color: {OUTLINE};")
        self.scrub = NameList(self)
        self.scrub.setPlaceholderText("none scrubbed - e.g. token, session_id")
        self.scrub.setToolTip("query and fragment parameters whose values are removed from every"
                              " recorded URL (whole name, any case; commas or new lines between); Bearer tokens are"
                              " scrubbed with them while any name is listed")
        self.scrub_label = QLabel(self)
        self.scrub_label.setBuddy(self.scrub)
        self.detectors = {k: QCheckBox(k, self) for k in DETECTORS}
        self.kept = QLabel(self)
        self.kept.setWordWrap(True)
        self.kept.setStyleSheet("color: palette(placeholder-text);")

        rules_box = QGroupBox("Selector rules", self)
        rb = QVBoxLayout(rules_box)
        rb.addWidget(self.rules_table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_rule_button)
        buttons.addWidget(self.remove_rule_button)
        buttons.addStretch(1)
        rb.addLayout(buttons)
        rb.addWidget(self.selector_error)
        det_row = QHBoxLayout()
        for cb in self.detectors.values():
            det_row.addWidget(cb)
        det_row.addStretch(1)
        top = QFormLayout()
        top.addRow("Default level", self.default_level)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(rules_box, 1)
        lay.addWidget(self.scrub_label)
        lay.addWidget(self.scrub)
        bottom = QFormLayout()
        bottom.addRow("Detectors", det_row)
        lay.addLayout(bottom)
        lay.addWidget(self.kept)

        self.default_level.currentIndexChanged.connect(self.changed)
        self.scrub.textChanged.connect(self._scrub_edited)
        for cb in self.detectors.values():
            cb.toggled.connect(self.changed)
        self.add_rule_button.clicked.connect(lambda: self.add_rule("", Level.MASK, focus=True))
        self.remove_rule_button.clicked.connect(self._remove_selected)

    # --- rows ------------------------------------------------------------------------
    def selector_edit(self, row: int) -> QLineEdit:
        return self.rules_table.cellWidget(row, SELECTOR_COL)

    def level_combo(self, row: int) -> QComboBox:
        return self.rules_table.cellWidget(row, LEVEL_COL)

    def add_rule(self, selector: str, level: Level, *, focus: bool = False) -> int:
        t = self.rules_table
        row = t.rowCount()
        t.insertRow(row)
        edit = QLineEdit(selector, t)
        edit.setPlaceholderText("#checkout .card, [data-pii]")
        edit.setFrame(False)
        # its start shown, as a table cell shows text (the cursor put at the end showed a long
        # list's last members: "ary, .salary-display, .iban" - which rule was it?)
        edit.setCursorPosition(0)
        combo = QComboBox(t)
        combo.addItems(LEVELS)
        combo.setCurrentText(level.label)
        t.setCellWidget(row, SELECTOR_COL, edit)
        t.setCellWidget(row, LEVEL_COL, combo)
        edit.textEdited.connect(lambda _t, e=edit: self._validate(e))
        edit.textEdited.connect(self.changed)
        combo.currentIndexChanged.connect(self.changed)
        self._validate(edit)
        if focus:
            edit.setFocus()
            self.changed.emit()
        return row

    def _remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.rules_table.selectedIndexes()}, reverse=True)
        if not rows and self.rules_table.rowCount():
            rows = [self.rules_table.rowCount() - 1]
        for r in rows:
            self.rules_table.removeRow(r)
        self._show_first_error()
        self.changed.emit()

    def _validate(self, edit: QLineEdit) -> str | None:
        problem = check_selector(edit.text())
        edit.setStyleSheet(OUTLINED if problem else "")
        edit.setToolTip(problem or edit.text())   # (a long selector whole)
        self._show_first_error()
        return problem

    def _show_first_error(self) -> None:
        for row in range(self.rules_table.rowCount()):
            problem = check_selector(self.selector_edit(row).text())
            if problem:
                self.selector_error.setText(f"rule {row + 1}: {problem}")
                return
        self.selector_error.setText("")

    # --- URL parameters ------------------------------------------------------------
    def scrub_params(self) -> tuple[str, ...]:
        """The parameter names in the box, in order, each once."""
        names = PARAM_SEPARATORS.split(self.scrub.toPlainText())
        return tuple(dict.fromkeys(n for n in names if n))

    def _count_params(self) -> None:
        n = len(self.scrub_params())
        self.scrub_label.setText(f"Scrub URL parameters ({n})" if n else "Scrub URL parameters")

    def _scrub_edited(self) -> None:
        self._count_params()
        self.changed.emit()

    # --- the whole form ---------------------------------------------------------------
    def set_rules(self, rules: Rules) -> None:
        self._base = rules
        blockers = [self.default_level, self.scrub, *self.detectors.values()]
        for w in blockers:
            w.blockSignals(True)
        self.default_level.setCurrentText(rules.default_level.label)
        self.scrub.setPlainText(", ".join(rules.scrub_query_params))
        self.scrub.moveCursor(QTextCursor.MoveOperation.End)   # typing adds to the list
        self._count_params()
        for k, cb in self.detectors.items():
            cb.setChecked(k in rules.detectors)
        for w in blockers:
            w.blockSignals(False)
        self.rules_table.setRowCount(0)
        for r in rules.rules:
            self.add_rule(r.selector, r.level)
        self._show_first_error()
        self.kept.setText(
            "Page markup (data-replay-privacy, rr-block, rr-mask) applies too, and password,"
            " email, tel and cc-* fields are masked at every level. Kept as in the file:"
            f" network headers allowed ({len(rules.network_headers)}), bodies"
            f" {'kept' if rules.network_bodies else 'dropped'}; console redactions"
            f" ({len(rules.console_redact)}).")

    def rules(self) -> Rules:
        out = []
        for row in range(self.rules_table.rowCount()):
            sel = self.selector_edit(row).text().strip()
            problem = check_selector(sel)
            if problem:
                raise RulesError(f"rule {row + 1}: {problem}")
            out.append(Rule(sel, Level.parse(self.level_combo(row).currentText())))
        scrub = self.scrub_params()
        return replace(self._base, default_level=Level.parse(self.default_level.currentText()),
                       rules=tuple(out), scrub_query_params=scrub,
                       detectors=tuple(k for k, cb in self.detectors.items() if cb.isChecked()))


class StoreWalk:
    """A loop over every stored session's events on the UI thread (the Dry run and Audit
    buttons), that keeps the window alive: a window-modal progress dialog (after
    SHOW_AFTER_MS) counts the events read, the event loop runs every STEP_EVENTS of them
    (paints, the dialog's Cancel), and Cancel stops the walk. Both buttons froze the app
    for 5.5 minutes on 8,002 sessions (one of 989,552 events) with nothing on screen."""

    STEP_EVENTS = 2000

    def __init__(self, parent: QWidget, label: str, total_events: int,
                 controls: Iterable[QWidget] = ()):
        from ..window.jobs import modal_progress
        self.dialog = modal_progress(parent, label, max(1, total_events))
        self.read = 0
        # what would start another walk (or a re-mask) from within this one's event loop,
        # before the dialog shows and blocks the window: off until the end
        self.controls = [(c, c.isEnabled()) for c in controls]
        for c, _ in self.controls:
            c.setEnabled(False)

    @property
    def cancelled(self) -> bool:
        return self.dialog.wasCanceled()

    def events(self, events: Iterable) -> Iterator:
        """`events` as they are, the dialog and the event loop kept going; stops early once
        cancelled."""
        for e in events:
            yield e
            self.read += 1
            if self.read % self.STEP_EVENTS == 0:
                self.step()
                if self.cancelled:
                    return
        self.step()

    def step(self) -> None:
        from PySide6.QtCore import QCoreApplication
        self.dialog.setValue(min(self.read, self.dialog.maximum()))
        QCoreApplication.processEvents()

    def end(self) -> None:
        self.dialog.end()   # (never shown after: its own timer may not have fired yet)
        self.dialog.deleteLater()
        for c, enabled in self.controls:
            c.setEnabled(enabled)


class PrivacyWorkspace(QWidget):
    """The privacy officer's page: edit, preview, dry-run, audit and save the rules of the
    data folder `data_dir`."""

    saved = Signal(int)   # the new revision
    remasked = Signal()   # stored sessions were rewritten (Apply)

    def __init__(self, data_dir: Path | str, parent: QWidget | None = None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.base_revision = 0
        self._default_why: str | None = None    # why the built-in default is shown, if it is
        # the active rules as the page last read or saved them: what the file holding other
        # rules means they were replaced elsewhere (not the page's own write of them)
        self._rules_shown = Rules.default()
        self.subject: Subject | None = None
        self.preview: Preview | None = None
        self._dry_rules: Rules | None = None   # the rules of the last dry run
        # the sessions it looked at, each with its event count: Apply waits for another dry
        # run once they change (a session imported or recorded meanwhile was never looked at)
        self._dry_seen: frozenset[tuple[str, int]] | None = None
        self.remask_job: RemaskJob | None = None   # Apply, while it runs
        self._dry_changed = 0                   # how many stored sessions it would change
        self._dry_sessions = 0                  # of how many
        self._dirty = False                     # the form differs from the saved rules
        self._sessions_stale = True             # the sessions list is read when shown

        # header
        self.title = QLabel(self)
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.save_button = QPushButton("Save", self)
        self.reload_button = QPushButton("Reload", self)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.status, 1)
        head.addWidget(self.reload_button)
        head.addWidget(self.save_button)

        self.form = RulesForm(self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._preview_tab(), PREVIEW)
        self.tabs.addTab(self._dry_run_tab(), DRY_RUN)
        self.tabs.addTab(self._audit_tab(), AUDIT)
        self.tabs.addTab(self._history_tab(), HISTORY)
        self.given_tab = GivenTab(self.data_dir, self)
        self.tabs.addTab(self.given_tab, GIVEN)
        # read when shown: the intake builds and removes dictionaries behind the page's back
        self.tabs.currentChanged.connect(
            lambda i: self.given_tab.refresh() if TABS[i] == GIVEN else None)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.form)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([360, 900])
        self.form.setMinimumWidth(320)
        lay = QVBoxLayout(self)
        lay.addLayout(head)
        lay.addWidget(split, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh_preview)
        # the preview is built in a worker thread; the GUI polls for it
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="privacy-preview")
        self._job: Future | None = None
        self._job_subject: Subject | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._collect)
        worker = self._worker
        self.destroyed.connect(lambda *_: worker.shutdown(wait=False, cancel_futures=True))
        self.form.changed.connect(self._edited)
        self.save_button.clicked.connect(lambda: self.save(confirm=True))
        self.reload_button.clicked.connect(self.reload)
        # the active rules replaced from elsewhere (`replay mask --activate`, another window):
        # the folder's entries change (the file is renamed into place), and so the page knows;
        # the file itself is watched too, for a program writing it in place
        self._rules_seen: tuple[int, int] | None | object = None
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(lambda _path: self.check_rules_file())
        self._watcher.fileChanged.connect(lambda _path: self.check_rules_file())
        self.reload()   # (the rules, then the stored sessions, the newest previewed)

    # --- tabs ---------------------------------------------------------------------------
    def _preview_tab(self) -> QWidget:
        w = QWidget(self)
        self.session_combo = QComboBox(w)
        self.session_combo.setMinimumContentsLength(SESSION_CHOICE_CHARS)
        self.session_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.file_button = QPushButton("File…", w)
        self.unmasked = QCheckBox("Show unmasked", w)
        self.unmasked.setToolTip("a recording file only: show the left side as recorded"
                                 " (never saved, never logged)")
        self.unmasked.setEnabled(False)
        self.moment = QSlider(Qt.Orientation.Horizontal, w)
        self.moment.setRange(0, 0)
        self.moment_label = QLabel("00:00.000", w)
        self.left = PreviewPane(w)
        self.right = PreviewPane(w)
        self.preview_note = QLabel(w)
        self.preview_note.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Session", w))
        bar.addWidget(self.session_combo, 1)
        bar.addWidget(self.file_button)
        bar.addWidget(self.unmasked)
        when = QHBoxLayout()
        when.addWidget(QLabel("Moment", w))
        when.addWidget(self.moment, 1)
        when.addWidget(self.moment_label)
        # the two sides beside each other, or one above the other when that shows them
        # larger (`stacked_sides`, looked at again as the area changes size)
        self.sides = _SidesArea(self.left, self.right, w)
        lay = QVBoxLayout(w)
        lay.addLayout(bar)
        lay.addLayout(when)
        lay.addWidget(self.preview_note)
        lay.addWidget(self.sides, 1)
        self.session_combo.currentIndexChanged.connect(self._session_chosen)
        self.file_button.clicked.connect(self._choose_file)
        self.unmasked.toggled.connect(lambda _on: self.refresh_preview())
        self.moment.valueChanged.connect(self._moment_moved)
        return w

    def _dry_run_tab(self) -> QWidget:
        w = QWidget(self)
        self.dry_run_button = QPushButton("Dry run on stored sessions", w)
        self.apply_button = QPushButton("Apply to stored sessions…", w)
        self.apply_button.setEnabled(False)
        self.dry_run_note = QLabel("What `replay mask --all` would change under the rules in"
                                   " the form. Nothing is written.", w)
        self.dry_run_note.setWordWrap(True)
        # the claim takes the room: what decided a change is what the officer reads
        self.dry_run_table = table(["Session", "Events changed", "Claim (what decided it)",
                                     "Changes"], stretch=CLAIM_COL)
        bar = QHBoxLayout()
        bar.addWidget(self.dry_run_button)
        bar.addWidget(self.apply_button)
        bar.addStretch(1)
        lay = QVBoxLayout(w)
        lay.addLayout(bar)
        lay.addWidget(self.dry_run_note)
        lay.addWidget(self.dry_run_table, 1)
        self.dry_run_button.clicked.connect(self.run_dry_run)
        self.apply_button.clicked.connect(lambda: self.apply_to_stored(confirm=True))
        return w

    def _audit_tab(self) -> QWidget:
        w = QWidget(self)
        self.audit_button = QPushButton("Audit stored sessions", w)
        self.audit_note = QLabel(w)       # the result, in one short line
        self.audit_note.setWordWrap(True)
        # what was looked for: the Kind column's names; the whole sentence (what each is,
        # what an audit cannot know) on hover and behind Details
        whole = f"Looks for {looked_for(DETECTORS)}."
        self.audit_scope = QLabel(AUDIT_SCOPE, w)
        self.audit_scope.setToolTip(plain_tip(whole))
        self.audit_scope.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.audit_details_button = QToolButton(w)
        self.audit_details_button.setText("Details")
        self.audit_details_button.setCheckable(True)
        self.audit_details_button.setAutoRaise(True)
        self.audit_details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.audit_details_button.setArrowType(Qt.ArrowType.RightArrow)
        self.audit_details_button.setToolTip("what an audit looks at, and what it cannot know")
        self.audit_details = QLabel(whole, w)
        self.audit_details.setWordWrap(True)
        self.audit_details.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.audit_details.setVisible(False)
        self.audit_table = table(["Session", "Kind", "Event", "Time", "Node", "Where",
                                   "Excerpt (masked)"])
        bar = QHBoxLayout()
        bar.addWidget(self.audit_button)
        bar.addStretch(1)
        scope = QHBoxLayout()
        scope.addWidget(self.audit_scope)
        scope.addWidget(self.audit_details_button)
        scope.addStretch(1)
        lay = QVBoxLayout(w)
        lay.addLayout(bar)
        lay.addWidget(self.audit_note)
        lay.addLayout(scope)
        lay.addWidget(self.audit_details)
        lay.addWidget(self.audit_table, 1)
        self.audit_button.clicked.connect(self.run_audit)
        self.audit_details_button.toggled.connect(self._show_audit_details)
        return w

    def _own_rules(self) -> dict:
        """The applications with rules of their own (`replay app rules`), by id, as
        (Application, Rules), for the preview's note (the dry run and Apply read them
        themselves, and refuse to run where they cannot be read); none where they cannot."""
        from recorder.intake.apps import AppError
        from recorder.intake.live import stored_apps_rules
        try:
            return stored_apps_rules(self.data_dir)
        except (RulesError, AppError):
            return {}

    def _params_added(self) -> list[str]:
        """The URL parameters the rules in force add (`audit.params_added`), looked for too;
        none where the folder's or an application's rules cannot be read (the Rules tab says
        why)."""
        from recorder.intake.apps import AppError
        try:
            return params_added(self.data_dir)
        except (RulesError, AppError):
            return []

    def _show_audit_details(self, shown: bool) -> None:
        self.audit_details.setVisible(shown)
        self.audit_details_button.setArrowType(Qt.ArrowType.DownArrow if shown
                                               else Qt.ArrowType.RightArrow)

    def _history_tab(self) -> QWidget:
        w = QWidget(self)
        self.history_table = table(["Rules", "Revision", "When (UTC)", "Who", "What changed"])
        self.history_table.setWordWrap(True)
        self.history_empty = notice(NO_REVISIONS, w)
        self.history_empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.history_body = QStackedWidget(w)
        self.history_body.addWidget(self.history_table)
        self.history_body.addWidget(self.history_empty)
        lay = QVBoxLayout(w)
        lay.addWidget(self.history_body, 1)
        return w

    def show_tab(self, name: str) -> None:
        """Bring the tab `name` (one of model.TABS) to the front."""
        self.tabs.setCurrentIndex(TABS.index(name))

    def current_tab(self) -> str:
        return TABS[self.tabs.currentIndex()]

    # --- rules ----------------------------------------------------------------------------
    def reload(self) -> None:
        """Show the data folder's active rules (discarding edits), and the stored sessions
        as they are now (the Reload button)."""
        # the file's state taken before it is read: a write in between is then seen as a
        # change at the next look (taken after, it was counted as read, and never shown)
        seen = self._rules_file_state()
        no_file = not (self.data_dir / RULES_FILENAME).is_file()
        mend = False   # the file broken, the newest revision shown: Save writes it back
        try:
            rules = active_rules(self.data_dir)   # (gone: its newest saved revision)
            self._default_why = f"no {RULES_FILENAME}" if no_file and not rules.revision \
                else None
        except RulesError as exc:
            newest = newest_revision(self.data_dir)
            if newest is not None:   # (the built-in rules, and "Save as revision 1", were shown)
                self._say(f"{exc} - the form shows revision {newest.revision}, the newest"
                          " saved: Save writes it back (with your changes), or fix the file",
                          error=True)
                rules, mend = newest, True
                self._default_why = None
            else:
                self._say(f"{exc} - fix the file; the form shows the built-in default",
                          error=True)
                rules = Rules.default()
                self._default_why = f"{RULES_FILENAME} cannot be read"
        self.base_revision = rules.revision
        self._rules_shown = rules
        self._rules_seen = seen
        self._watch()
        self.form.set_rules(rules)
        self._dirty = mend
        if self._dry_rules is not None and not self._dry_rules.same_as(rules):
            self._dry_rules = None   # a dry run of other rules than these
        self._update_apply()
        self._update_title()
        self._load_history()
        self.sessions_changed()
        self.refresh_preview()

    def _watch(self) -> None:
        """Hear the data folder's entries change (once it is there: a first save makes it),
        and the rules file's content - watched anew each time: a file renamed into place is
        another file than the one watched before."""
        if not self.data_dir.is_dir():
            return
        if not self._watcher.directories():
            self._watcher.addPath(str(self.data_dir))
        path = str(self.data_dir / RULES_FILENAME)
        if path in self._watcher.files():
            self._watcher.removePath(path)
        if Path(path).is_file():
            self._watcher.addPath(path)

    def _rules_file_state(self) -> tuple[int, int] | None:
        try:
            st = (self.data_dir / RULES_FILENAME).stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def check_rules_file(self) -> None:
        """The active rules file changed since the page read it: shown now, unless the form
        holds edits (then said: Reload shows them, Save would be refused as out of date).
        The file holding the rules the page shows is no change: the page's own save (the
        watcher hears that write too), or the same rules written again."""
        state = self._rules_file_state()
        if state == self._rules_seen:
            return
        self._rules_seen = state
        self._watch()
        try:
            active: Rules | None = active_rules(self.data_dir)
        except RulesError:
            active = None
        if active == self._rules_shown:
            if state is None and active is not None and active.revision:   # (said, all the same)
                self._say(f"{RULES_FILENAME} was removed elsewhere: revision {active.revision},"
                          " the newest saved, stays in force (as for the intake and imports)")
            return
        if active is None:   # (reload says why; "revision None" said nothing)
            what, now = "the active rules were replaced", f"{RULES_FILENAME} cannot be read"
        elif state is None:   # (its newest saved revision stands for it, as for the intake)
            what, now = f"{RULES_FILENAME} was removed", \
                f"revision {active.revision}, the newest saved," if active.revision \
                else "the built-in default"
        else:
            what, now = "the active rules were replaced", f"revision {active.revision}"
        if self._dirty:
            self._say(f"{what} elsewhere ({now}): Reload shows them, and drops your edits",
                      error=True)
            return
        self.reload()
        if active is not None:
            self._say(f"{what} elsewhere: {now} shown")

    def showEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().showEvent(event)
        self.check_rules_file()   # changed while another page was on show
        if self._sessions_stale:  # (first shown, or sessions stored while hidden)
            self.sessions_changed()

    def _update_title(self) -> None:
        self.title.setText(rules_title(self.base_revision, default_why=self._default_why,
                                       edited=self._dirty))
        self.save_button.setText(f"Save as revision {self.base_revision + 1}")
        self.save_button.setEnabled(self._dirty)

    def _edited(self) -> None:
        self._dirty = True
        self._dry_rules = None   # that dry run was of other rules
        self._update_apply()
        self._update_title()
        try:
            self.form.rules()
            self._say("")
        except RulesError:
            self._say("the preview shows the last valid rules until the selector is fixed",
                      error=True)
            self.save_button.setEnabled(False)
            return
        self._timer.start()

    def save(self, *, confirm: bool = False) -> bool:
        """Save the form as the next revision (who: the logged-in user). `confirm`: rules
        that mask less than the saved ones are saved only once the person says yes (the
        Save button asks, naming each change, as `replay mask --activate` does)."""
        try:
            rules = self.form.rules()
            in_force = active_rules(self.data_dir) if confirm else rules
            weaker = loosened(in_force, rules)
            how = looser(in_force, rules)
            if weaker and how is not None and QMessageBox.question(
                    self, f"Save rules that mask {how.value}",
                    f"These rules mask {how.than} the ones in force:\n\n" + "\n".join(
                        f"• {w}" for w in weaker) + "\n\nFrom the next recording on, that is"
                    " stored in clear (sessions stored before keep theirs). Save them?"
                    ) != QMessageBox.StandardButton.Yes:
                self._say("not saved")
                return False
            change = save_rules(self.data_dir, rules, who=who_saves(),
                                based_on=self.base_revision)
        except (RulesError, OSError) as exc:
            self._say(f"not saved: {exc}", error=True)
            try:
                newer = active_rules(self.data_dir).revision
            except RulesError:
                newer = self.base_revision
            if newer != self.base_revision:   # "Save as revision N" named one that exists
                self.save_button.setText(f"Revision {newer} is newer: Reload")
                self.save_button.setEnabled(False)
            return False
        if change is None:
            self._say("nothing changed - nothing saved")
        else:
            self._say(f"saved as revision {change.revision} ({RULES_FILENAME})")
            # what was written (save_rules checks it reads back so): a dry run of these
            # rules stays valid, and the watcher's look at the file finds them, not a change
            self._rules_shown = replace(rules, revision=change.revision,
                                        source=str(self.data_dir / RULES_FILENAME))
            self._default_why = None
            self._rules_seen = UNLOOKED
            self._watch()
        self.base_revision = self._rules_shown.revision
        self._dirty = False
        self._update_apply()
        self.form.set_rules(self._rules_shown)
        self._update_title()
        self._load_history()
        if change is not None:
            self.saved.emit(change.revision)
        return True

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {OUTLINE};" if error else "")

    def _load_history(self) -> None:
        changes, bad = every_change(self.data_dir)
        rows = [[c.whose, str(c.revision) if c.revision else "",
                 when_shown(c.when), c.who, "; ".join(c.summary)]
                for c in changes]
        if bad:
            rows.append(["data folder", "?", "", "", f"{count(bad, 'line')} of the log could"
                         " not be read"])
        fill(self.history_table, rows)
        self.history_body.setCurrentWidget(self.history_table if rows else self.history_empty)

    # --- what is previewed --------------------------------------------------------------
    def _store(self):
        from recorder.store import Store
        if not self.data_dir.is_dir():
            return None   # never create a data folder by looking at it
        return Store.open(self.data_dir)

    def sessions_changed(self) -> None:
        """The stored sessions changed (an import, a recording, F5): the list again, the
        session previewed kept when it is still there (a file previewed stays). Hidden (the
        app's other pages on show), the list is read when the page is next shown: the app
        opened the store twice and previewed the newest session before its window showed."""
        if not self.isVisible():
            self._sessions_stale = True
            return
        self._sessions_stale = False
        subject = self.subject
        self._load_sessions(keep=None if subject is None else
                            subject.label if subject.stored else "")
        if subject is not None and not subject.stored:   # the file previewed stays named
            self._name_file(subject.label)

    def _load_sessions(self, keep: str | None = None) -> None:
        """The stored sessions in the box; the newest opened, unless `keep` (a session id
        still listed, or "": what is previewed stays)."""
        self.session_combo.blockSignals(True)   # filling the list opens nothing; the end does
        self.session_combo.clear()
        store = self._store()
        infos = [] if store is None else store.sessions()
        if store is not None:
            store.close()
        self._dry_run_current({(s.id, s.record_count) for s in infos})
        for s in sorted(infos, key=lambda s: s.start_ms, reverse=True):
            when = when_text(s.start_ms)
            url = s.first_url or "(no URL)"
            # the whole id, before the URL: the box cuts a long text at its end
            self.session_combo.addItem(f"{when}  {s.id}  {url}", s.id)
            self.session_combo.setItemData(self.session_combo.count() - 1,
                                           plain_tip(f"session {s.id}\n{url}"),
                                           Qt.ItemDataRole.ToolTipRole)
        if not infos:
            self.session_combo.addItem("no stored sessions - open a recording file", None)
        kept = self.session_combo.findData(keep) if keep else -1
        if kept >= 0:
            self.session_combo.setCurrentIndex(kept)
        self.session_combo.blockSignals(False)
        if infos and kept < 0 and keep != "":
            self.open_session(self.session_combo.itemData(0))

    def _dry_run_current(self, stored: set[tuple[str, int]]) -> None:
        """The last dry run still speaks for the stored sessions, or Apply waits for another:
        its counts (and the Apply's question quoting them) were of fewer sessions."""
        if self._dry_seen is None or self._dry_seen == stored:
            return
        self._dry_seen = self._dry_rules = None
        self.dry_run_note.setText(self.dry_run_note.text() + " The stored sessions changed"
                                  " since: run it again before Apply.")
        self._update_apply()

    def _session_chosen(self, index: int) -> None:
        sid = self.session_combo.itemData(index)
        if sid:
            self.open_session(sid)

    def open_session(self, session_id: str) -> None:
        store = self._store()
        if store is None:
            return
        try:
            with store.session(session_id) as reader:
                subject = read_subject(session_id, reader.events(), stored=True,
                                       total=reader.info.record_count)
                app = self._own_rules().get(reader.info.application or "")
                if app is not None:
                    subject.own_rules_of = app[0].name
        finally:
            store.close()
        self._set_subject(subject)

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Preview a recording file", "",
                                              "Recordings (*.replay *.json);;All files (*)")
        if path:
            self.open_file(Path(path))

    def open_file(self, path: Path) -> str | None:
        """A recording file, read (not imported) into memory: its first session. What went
        wrong (shown in the window too), or None."""
        from recorder.source import open_recording
        try:
            with open_recording(path, self.data_dir) as src:
                subject = read_subject(path.name, src.events(), stored=False)
        except (OSError, ValueError, KeyError, IndexError) as exc:
            said = str(exc).removeprefix(f"{path}: ").removeprefix(f"{path.name}: ")
            problem = f"cannot preview {path.name}: {said}"
            self._say(problem, error=True)
            return problem
        self._name_file(path.name)
        self._set_subject(subject)
        return None

    def _name_file(self, name: str) -> None:
        """The box names the file previewed, first (a stored session's name beside a file's
        unmasked content would say the store holds it)."""
        self.session_combo.blockSignals(True)
        self.session_combo.insertItem(0, f"file: {name}", None)
        self.session_combo.setCurrentIndex(0)
        self.session_combo.blockSignals(False)

    def _set_subject(self, subject: Subject) -> None:
        self.subject = subject
        self.unmasked.blockSignals(True)
        self.unmasked.setChecked(False)   # every new file starts masked
        self.unmasked.blockSignals(False)
        self.unmasked.setEnabled(not subject.stored)
        dur = int(subject.duration_ms)
        self.moment.blockSignals(True)
        self.moment.setRange(0, dur)
        self.moment.setValue(dur)         # the end: every field as it was filled in
        self.moment.blockSignals(False)
        self.moment_label.setText(moment_text(dur, Unit.MS))
        self.refresh_preview()

    def _moment_moved(self, value: int) -> None:
        self.moment_label.setText(moment_text(value, Unit.MS))
        self._timer.start()

    def set_moment(self, ms: int) -> None:
        self.moment.setValue(ms)
        self.refresh_preview()

    # --- the preview --------------------------------------------------------------------
    def refresh_preview(self) -> None:
        """Rebuild both sides under the form's rules, off the GUI thread (masking a long
        session takes a while); a newer request replaces one not yet started."""
        self._timer.stop()
        if self.subject is None:
            self.left.show_frame("", None)
            self.right.show_frame("", None)
            self.preview_note.setText("Choose a stored session, or open a recording file.")
            return
        try:
            rules = self.form.rules()
        except RulesError:
            return   # said in the status line; the last preview stays
        try:
            active = active_rules(self.data_dir)
        except RulesError:
            active = Rules.default()
        if self._job is not None:
            self._job.cancel()
        subject = self.subject
        self._job = self._worker.submit(
            build_preview, subject, rules, self.moment.value(), active=active,
            unmasked=self.unmasked.isChecked() and not subject.stored)
        self._job_subject = subject
        self.preview_note.setText("Updating the preview…")
        self._poll.start()

    def _collect(self) -> None:
        job = self._job
        if job is None or not job.done():
            return
        self._poll.stop()
        self._job = None
        try:
            p = job.result()
        except Exception as exc:  # noqa: BLE001 - a recording the preview cannot rebuild
            # the type only: a message could quote the recording
            self.preview_note.setText(f"cannot preview this recording ({type(exc).__name__})")
            return
        self._show(p, self._job_subject)

    def _show(self, p: Preview, subject: Subject) -> None:
        self.preview = p
        self.left.show_frame(p.before.title, p.before.frame)
        self.right.show_frame(p.after.title, p.after.frame)
        url_changed = p.before.frame.get("href") != p.after.frame.get("href")
        for pane in (self.left, self.right):   # outlined like the page's elements
            pane.url.setStyleSheet(OUTLINED if url_changed else "")
        if not has_page(subject.events):
            note = "This recording has no page snapshot: nothing to show."
        else:   # (the sides by their titles: stacked or beside each other)
            sides = f"{p.before.title}: {p.before.shows}; {p.after.title}: {p.after.shows}"
            note = (f"{count(len(p.changed), 'element')} would be masked differently (outlined)."
                    f" {sides} (rules can only tighten what is stored).") if subject.stored \
                else f"{count(len(p.changed), 'element')} masked differently (outlined). {sides}."
        if subject.own_rules_of:   # (a privacy officer's: the terminal and this page disagreed)
            note += (f" This session is of application {subject.own_rules_of}, which has rules"
                     " of its own (`replay app rules`): the dry run and Apply follow those for"
                     " it, not these.")
        self.preview_note.setText(note + cut_note(subject))

    def wait_shown(self, timeout_s: float = 30.0) -> None:
        """Until the preview is rebuilt and both sides have loaded and painted it (tests,
        screenshots)."""
        from PySide6.QtCore import QCoreApplication, QEventLoop
        deadline = time.monotonic() + timeout_s
        while self._job is not None or self._timer.isActive():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the preview was not rebuilt within {timeout_s:g} s")
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            if self._job is not None and self._job.done():
                self._collect()
        for pane in (self.left, self.right):
            pane.bridge.wait_ready(timeout_s)
            pane.bridge.wait_painted(timeout_s)

    # --- dry run, apply, audit -------------------------------------------------------------
    def _run_buttons(self) -> list[QPushButton]:
        return [self.dry_run_button, self.apply_button, self.audit_button]

    def run_dry_run(self) -> None:
        from recorder.privacy.dryrun import UNMATCHED_ASK, dry_run, unmatched, unmatched_members
        try:
            rules = self.form.rules()
        except RulesError as exc:
            self._say(f"{exc} - fix it before a dry run", error=True)
            return
        from recorder.intake.apps import AppError
        from recorder.intake.live import stored_apps_rules
        try:   # (as Apply, which fails on them: not the folder's rules in their place)
            own = stored_apps_rules(self.data_dir)
        except (RulesError, AppError) as exc:
            self._say(f"{exc} - set them again with `replay app rules NAME --rules FILE`"
                      " before a dry run", error=True)
            return
        store = self._store()
        rows, sessions, changed, stopped, runs = [], 0, 0, False, []
        if store is not None:
            infos = store.sessions()
            ids = shown_ids([i.id for i in infos])
            walk = StoreWalk(self, "Dry run: looking at the stored sessions…",
                             sum(i.record_count for i in infos), self._run_buttons())
            try:
                for info in infos:
                    # a session of an application with rules of its own: under those, as the
                    # intake masked it and Apply re-masks it (`replay mask --all`'s way)
                    app = own.get(info.application) if info.application else None
                    with store.session(info.id) as reader:
                        # (stopped part way: no second pass over what is thrown away)
                        r = dry_run(walk.events(reader.events()),
                                    rules if app is None else app[1], info.id,
                                    again=lambda: () if walk.cancelled else reader.events())
                    if walk.cancelled:   # (that session was not looked at whole)
                        stopped = True
                        break
                    sessions += 1
                    runs.append(r)
                    changed += r.events_changed > 0
                    claims = list(r.by_claim().items()) or [("nothing would change", {})]
                    for k, (claim, per_kind) in enumerate(claims):
                        shown = ids[info.id] if app is None else \
                            f"{ids[info.id]} ({app[0].name}'s rules)"
                        rows.append([(shown, info.id) if k == 0 else "",
                                     f"{r.events_changed} of {r.events}" if k == 0 else "",
                                     claim, ", ".join(f"{n} {kind}" for kind, n in
                                                      sorted(per_kind.items()))])
            finally:
                walk.end()
                store.close()
        fill(self.dry_run_table, rows)
        # a dry run stopped part way saw some sessions only: Apply needs a whole one
        self._dry_rules = rules if changed and not stopped else None
        self._dry_seen = None if self._dry_rules is None else \
            frozenset((i.id, i.record_count) for i in infos)
        self._dry_changed, self._dry_sessions = changed, sessions
        missed = [said for said, _ in unmatched(runs)] + [
            f"{said}: its part {member}" for said, member, _ in unmatched_members(runs)]
        self.dry_run_note.setText(f"{count(sessions, 'stored session')}; {changed} would change."
                                  " Nothing was written." + (
                                      " Stopped (Cancel) before the other sessions: run it"
                                      " again to Apply." if stopped else "") + (
                                      f" Matched no element, so did nothing: {'; '.join(missed)}"
                                      f" - {UNMATCHED_ASK}"
                                      if missed else ""))
        self._update_apply()

    def _update_apply(self) -> None:
        """Apply re-masks under the rules just dry-run, once they are the saved ones."""
        ready = (self._dry_rules is not None and not self._dirty and self.remask_job is None
                 and self._dry_rules.same_as(self._rules_shown))
        self.apply_button.setEnabled(ready)
        self.apply_button.setToolTip(
            "" if ready else "run a dry run, and save the rules it ran with, first")

    def apply_to_stored(self, *, confirm: bool) -> RemaskJob | None:
        """Re-mask every stored session under the rules just dry-run - once they are
        saved (stored sessions must not be masked under rules no file records) - in a
        thread (RemaskJob) behind a progress dialog whose Cancel stops between two
        sessions. None when it did not start (not saved, not confirmed, one running)."""
        tried = self._dry_rules
        if tried is None or self.remask_job is not None:
            return None
        rules = active_rules(self.data_dir)
        if self._dirty or not tried.same_as(rules):
            self._say("save these rules first: stored sessions are re-masked only under the"
                      " saved rules", error=True)
            return None
        if confirm and QMessageBox.question(
                self, "Re-mask stored sessions",
                f"Rewrite every stored session under the saved rules (revision"
                f" {rules.revision})? The dry run found {self._dry_changed} of"
                f" {count(self._dry_sessions, 'stored session')} that would change. What they hold"
                " now that the rules mask is deleted for good.") != QMessageBox.StandardButton.Yes:
            return None
        if not self.data_dir.is_dir():
            return None
        from ..window.jobs import job_dialog
        job = self.remask_job = RemaskJob(self.data_dir, rules)
        dlg = job_dialog(job, self, "Apply", f"Re-masking the stored sessions under revision"
                                             f" {rules.revision}…")
        dlg.setRange(0, max(1, self._dry_sessions))
        job.progress.connect(lambda done, total: (dlg.setMaximum(max(1, total)),
                                                  dlg.setValue(done)))
        job.finished.connect(dlg.end)
        job.finished.connect(self._applied)
        self.apply_button.setEnabled(False)
        self._say(f"re-masking the stored sessions under revision {rules.revision}…")
        job.start()
        return job

    def _applied(self, job: RemaskJob) -> None:
        self.remask_job = None
        self.remasked.emit()   # new versions, new pictures: also after a part of them
        revision = job.rules.revision
        done = (f"re-masked {job.changed} of {count(job.total, 'stored session')} under"
                f" revision {revision}")
        if job.failure is not None:
            self._say(f"stopped after {count(job.done, 'session')} of {job.total:,}:"
                      f" {job.failure}", error=True)
            said = f"Stopped after {count(job.done, 'session')} of {job.total:,}: {job.failure}."
        elif job.stopped:
            self._say(f"stopped (Cancel): {done}; the others are as they were")
            said = (f"Stopped (Cancel): {done}, looked at {job.done:,}; the others still hold"
                    " what these rules mask - Apply again to finish.")
        else:
            self._say(done)
            said = f"Applied: {done}."
        # the table stays: what the dry run counted, and now what was done
        self.dry_run_note.setText(said + " The table shows the dry run before it; a new dry"
                                         " run shows what is left to change.")
        if not job.stopped:
            self._dry_rules = self._dry_seen = None
        elif self._dry_seen is not None:   # what Apply itself rewrote is no change to wait for
            store = self._store()
            if store is not None:
                self._dry_seen = frozenset((i.id, i.record_count) for i in store.sessions())
                store.close()
        self._update_apply()
        self._load_sessions()

    def finish_jobs(self) -> None:
        """The window closes: a re-mask running stops after the session it is rewriting
        (which goes whole)."""
        job = self.remask_job
        if job is not None:
            job.cancel()
            job.wait()

    def run_audit(self) -> None:
        from recorder.privacy.audit import audit_session
        store = self._store()
        added = self._params_added()
        whole = f"Looks for {looked_for(DETECTORS, added)}."   # (the rules may add parameters)
        self.audit_scope.setToolTip(plain_tip(whole))
        self.audit_details.setText(whole)
        rows, audited, found, sessions_found, stopped = [], 0, 0, 0, False
        if store is not None:
            infos = store.sessions()
            ids = shown_ids([i.id for i in infos])
            walk = StoreWalk(self, "Audit: reading the stored sessions…",
                             sum(i.record_count for i in infos), self._run_buttons())
            try:
                for info in infos:
                    with store.session(info.id) as reader:
                        a = audit_session(reader, events=walk.events(reader.events()),
                                          added=added)
                    if walk.cancelled:
                        stopped = True
                        break
                    audited += 1
                    found += len(a.findings)
                    sessions_found += bool(a.findings)
                    if not a.findings or a.owner:   # in short; on hover as `replay audit` says it
                        rows.append([(ids[info.id], info.id), "-", "", "", "", "",
                                     (audit_note(bool(a.findings), a.owner),
                                      owner_note(a.owner) if a.findings else
                                      a.summary(AUDIT_KINDS))])
                    for f in a.findings:
                        rows.append([(ids[info.id], info.id), *f.cells()])
            finally:
                walk.end()
                store.close()
        fill(self.audit_table, rows)
        self.audit_note.setText(headline(audited, found, sessions_found, stopped=stopped,
                                         what="stored session"))
