"""A bug report beside the replay: its title, its moment and notes, then the steps that led
there (recorder.steps), each a row that shows its moment when clicked.

One widget for both places steps are shown: record mode lists a recording's steps in it as
they happen, and the player puts one as the first tab of its dev-tools pane for a session
that carries a bug report (recorder.bug) - the developer who opens a handed-over bug sees
what the QA saw when pressing Stop.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QVBoxLayout, QWidget)

from recorder.bug import BugReport, RowKind, StepRow, step_rows
from recorder.moments import moment_text
from recorder.steps import Step, StepKind

from .devtools.models import LEVEL_COLOURS

STEP_ROLE = int(Qt.ItemDataRole.UserRole) + 1   # a step item's time (ms)
BUG_ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 2   # the row saying where the bug shows (ms)
ERROR_ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 3   # an error's row among the steps (ms)
BUG_ROW_COLOR = QColor("#c62828")   # as record mode's Record button: the bug, not a step
ERROR_ROW_COLOR = LEVEL_COLOURS["error"]   # the Console tab's errors' red
STEPS_TAB = "steps"   # the tab's name where dev-tools tabs are named (screenshot --tab)
BUG_MOMENT_LINK = "#bug-moment"
LINK_COLOR = "#8ab4f8"   # readable on the player's dark pane and on a light window alike
LATER_COLOR = QColor("#888888")   # a step the replay has not reached yet (as a later row)


class StepsPane(QWidget):
    seekRequested = Signal(int)   # ms after the session's first event
    errorRequested = Signal(int)   # an error's row clicked: where it shows (ms)

    def __init__(self, parent: QWidget | None = None, *, empty_hint: str = "",
                 seeks: bool = True):
        """`empty_hint`: what the list says while it has no step; `seeks`: a row clicked
        goes to its moment (a player's list; record mode's, while recording, has none)."""
        super().__init__(parent)
        self.setObjectName("stepsPane")
        self.empty_hint = empty_hint
        self.seeks = seeks
        self.at_ms: float | None = None
        self.count = 0   # steps shown
        self._times: list[float] = []   # each step's moment, in order
        self._items: list[QListWidgetItem] = []   # each step's row (a bug row is none)
        # the last step at or before the replay's moment (set_time; -1: before the first),
        # None while the list was never told the time
        self.current: int | None = None
        # what the list shows, kept to show again with the session's errors (`show_errors`)
        self._steps: list[Step] = []
        self._bug_at: float | None = None
        self._errors: list[tuple[float, str]] = []
        self._error_items: list[QListWidgetItem] = []
        self.summary = QLabel(self, wordWrap=True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setContentsMargins(6, 6, 6, 6)
        self.summary.linkActivated.connect(self._link)
        self.summary.hide()
        self.label = QLabel(self)
        bold = self.label.font()
        bold.setBold(True)
        self.label.setFont(bold)
        # as the other dev-tools tabs: a filter over the steps' text (what was clicked,
        # typed, where), the steps it leaves out hidden, not gone (their numbers stay)
        self.search = QLineEdit(self)
        self.search.setObjectName("filter-steps")
        self.search.setPlaceholderText("Filter steps")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.matches = QLabel(self)   # "2 of 30" while a filter hides some
        self.matches.setObjectName("rowCount")
        self.none_match = QLabel(self)
        self.none_match.setObjectName("noStepMatches")
        self.none_match.setStyleSheet("color: #888888")
        self.none_match.setContentsMargins(6, 0, 6, 0)
        self.none_match.hide()
        head = QHBoxLayout()
        head.setContentsMargins(6, 0, 6, 0)
        head.addWidget(self.label)
        head.addWidget(self.search, 1)
        head.addWidget(self.matches)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        # by pixel: per item, scrolling to a step right after the bold font changed its
        # height went nowhere (the per-item ranges were stale)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.itemActivated.connect(self._seek_to)
        self.list.itemClicked.connect(self._seek_to)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.summary)
        lay.addLayout(head)
        lay.addWidget(self.none_match)
        lay.addWidget(self.list, 1)
        self.show_steps([])

    @property
    def tab_label(self) -> str:
        return f"Steps {self.count}" if self.count else "Steps"

    def show_report(self, report: BugReport | None) -> None:
        """The report's title, moment (a link to it) and notes above the steps; the steps
        are the report's own - `show_steps` for others."""
        self.at_ms = report.at_ms if report is not None else None
        parts = []
        if report is not None and report.title:
            parts.append(f"<b>{escape(report.title)}</b>")
        if self.at_ms is not None:
            parts.append(f'<a href="{BUG_MOMENT_LINK}" style="color: {LINK_COLOR}">Bug at'
                         f' {moment_text(self.at_ms)}</a> — click to see it')
        if report is not None and report.notes:
            parts.append(escape(report.notes).replace("\n", "<br>"))
        self.summary.setText("<br>".join(parts))
        self.summary.setVisible(bool(parts))
        if report is not None:   # the bug's row among them, as record mode and `devtools
            # --tab steps` show it (the player's list went from an error to the next step)
            self.show_steps(report.steps, follow=False, bug_at=self.at_ms)

    def show_steps(self, found: list[Step], *, follow: bool = True,
                   bug_at: float | None = None,
                   errors: list[tuple[float, str]] | None = None) -> None:
        """The steps, numbered, each with its selector; `follow`: scrolled to the last (a
        list growing as a recording goes on), else to the first. `bug_at`: a row saying the
        bug shows there (ms), among the steps at its moment - record mode's mark, as
        `BugReport.lines` marks it among a report's steps. `errors`: the errors the page
        reported, (moment, line) each, shown among the steps (None: those shown before)."""
        if errors is not None:
            self._errors = list(errors)
        self.count = len(found)
        self.list.clear()
        self._steps, self._bug_at = list(found), bug_at
        self._times = [s.t for s in found]
        self._items = []
        self._error_items = []
        self.current = None
        if not found and bug_at is None and not self._errors:
            if self.empty_hint:
                hint = QListWidgetItem(self.empty_hint)
                hint.setForeground(QColor("#888888"))
                self.list.addItem(hint)
            self._filter("")
            return
        for row in step_rows(found, self._errors, bug_at):
            if row.kind is RowKind.BUG:
                self._bug_row(row.t)
                continue
            if row.kind is not RowKind.STEP:
                self._error_row(row)
                continue
            s = row.step
            line = f"{row.number}. {row.text}"
            if s.selector and s.kind is not StepKind.NAVIGATE:
                line += f"\n     {s.selector}"
            item = QListWidgetItem(line)
            item.setData(STEP_ROLE, s.t)
            item.setToolTip(f"at {moment_text(s.t)}" + (" — click to see this moment"
                                                          if self.seeks else ""))
            self.list.addItem(item)
            self._items.append(item)
        self._filter(self.search.text())
        if follow:
            self.list.scrollToBottom()

    def show_errors(self, errors: list[tuple[float, str]]) -> None:
        """The session's errors among the steps (SessionView.error_lines: where each shows,
        its first line), each where it came - what a developer reads a handed-over bug's
        steps for: which step made it fail. The list is shown again, scrolled as it was."""
        if errors == self._errors:
            return
        at = self.list.verticalScrollBar().value()
        shown = self.current
        self.show_steps(self._steps, follow=False, bug_at=self._bug_at, errors=errors)
        if shown is not None:
            self.current = None
            self.set_time(self._times[shown] if 0 <= shown < len(self._times) else -1)
        self.list.verticalScrollBar().setValue(at)

    def _error_row(self, row: StepRow) -> None:
        """An error's row (or the others' between two steps, RowKind.MORE_ERRORS), in red
        whether it is still to come or not: the rows a developer scans the list for."""
        item = QListWidgetItem(row.line())
        item.setData(ERROR_ROW_ROLE, row.t)
        item.setForeground(ERROR_ROW_COLOR)
        item.setToolTip(f"{'an error' if row.kind is RowKind.ERROR else 'errors'} the page"
                        f" reported from {moment_text(row.t)}" +
                        (" — click to see it, and its details in the Errors tab"
                         if self.seeks else ""))
        self.list.addItem(item)
        self._error_items.append(item)

    def _bug_row(self, at: float) -> None:
        item = QListWidgetItem(f"⚑ The bug shows here — {moment_text(at)}")
        item.setData(BUG_ROW_ROLE, at)
        item.setForeground(BUG_ROW_COLOR)
        font = item.font()
        font.setBold(True)
        item.setFont(font)
        self.list.addItem(item)

    def _filter(self, text: str) -> None:
        """Only the steps whose text holds `text` (case ignored) shown; beside the box, how
        many of them (as the other tabs' counts), a line when none."""
        needle = text.strip().casefold()
        shown = 0
        for item in self._items:   # (a bug row stays: where the bug is among those shown)
            hide = bool(needle) and needle not in item.text().casefold()
            item.setHidden(hide)
            shown += not hide
        errors_shown = 0
        for item in self._error_items:   # (an error's words find it too; not counted)
            hide = bool(needle) and needle not in item.text().casefold()
            item.setHidden(hide)
            errors_shown += not hide
        total = len(self._times)
        self.label.setText(f"Steps ({total})" if total else "Steps")
        self.matches.setText(f"{shown} of {total}")
        self.matches.setVisible(shown != total)
        self.none_match.setText(f"None of the {total} steps matches the filter.")
        self.none_match.setVisible(bool(total) and not shown and not errors_shown)
        self.search.setVisible(bool(total))

    def set_time(self, t: float) -> None:
        """The steps as of the replay's moment `t`: the last one done in bold (kept in
        the middle of the view), those still to come greyed - as the dev-tools rows follow the clock. A list
        never told the time (record mode's) shows every step alike."""
        current = bisect_right(self._times, t) - 1
        if current == self.current:
            return
        self.current = current
        for i, item in enumerate(self._items):
            font = item.font()
            font.setBold(i == current)
            item.setFont(font)
            item.setData(Qt.ItemDataRole.ForegroundRole, LATER_COLOR if i > current else None)
        self._current_in_view()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(event)   # (the list has its new size: the layout went first)
        self._current_in_view()   # a shorter pane (the window, the player trimmed) keeps it

    def _current_in_view(self) -> None:
        if self.current is not None and 0 <= self.current < len(self._items):
            self.list.scrollToItem(self._items[self.current],
                                   QAbstractItemView.ScrollHint.PositionAtCenter)
            self._whole_top_row()

    def _whole_top_row(self) -> None:
        """The list's top row whole: centred by pixel, the current step left the row above
        cut in half at the top, in every player and screenshot (a QA engineer's tryout). The
        list moves down to that row's start - unless that would cut the current step at the
        bottom (the list's last rows: there its last row is whole instead)."""
        bar, lst = self.list.verticalScrollBar(), self.list
        top = lst.itemAt(lst.viewport().width() // 2, 0)
        if top is None or self.current is None:
            return
        cut = lst.visualItemRect(top).top() - lst.spacing()
        if cut < 0 and lst.visualItemRect(self._items[self.current]).bottom() - cut \
                <= lst.viewport().height():
            bar.setValue(max(0, bar.value() + cut))

    def _seek_to(self, item: QListWidgetItem) -> None:
        error_at = item.data(ERROR_ROW_ROLE)
        if error_at is not None:
            self.errorRequested.emit(math.ceil(error_at))
            return
        t = item.data(STEP_ROLE)
        if t is None:
            t = item.data(BUG_ROW_ROLE)
        if t is not None:
            self.seekRequested.emit(math.ceil(t))

    def _link(self, href: str) -> None:
        if href == BUG_MOMENT_LINK and self.at_ms is not None:
            self.seekRequested.emit(math.ceil(self.at_ms))
