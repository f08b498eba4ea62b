"""The dev-tools pane: Console, Errors, Network, Actions, Performance and Session tabs.

Each tab is a table over a `TimedRowsModel` through a `RowsFilter`; rows follow playback
(later rows dimmed, the current one highlighted and scrolled into view), a click on a row
seeks the player there and shows the row's details (stack, request) underneath.
"""
from __future__ import annotations

import math
import re
import time
from typing import Callable
from urllib.parse import urlsplit

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QGuiApplication, QKeySequence, QPainter
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QComboBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QSplitter,
                               QStackedWidget, QStyledItemDelegate, QStyleOptionViewItem,
                               QTableView, QTabWidget, QVBoxLayout, QWidget)

from recorder.moments import moment_text

from ...devtools_text import (LONG_TASK_SAID, VITAL_TEXT, console_details, duration_text,
                              error_details, failed, long_tasks_text, longest_task,
                              network_details, size_text, status_of, status_text, view_details)
from ..session_view import SessionView, error_moment
from .models import (LEVEL_COLOURS, ROW_ROLE, TIME_ROLE, Column, RowsFilter, TimedRowsModel,
                     columns_to_hide, time_column)

EMPTY_MARGIN = 24   # around what an empty tab says
SELECT_A_ROW = "Select a row to see its details"
FILTERED_OUT = "The row these details were of is hidden by the filter - select a row to see its details"
# the keys that take a tab's filter box to its rows (`RowsTab.to_rows`)
TO_THE_ROWS = frozenset({Qt.Key.Key_Down, Qt.Key.Key_PageDown, Qt.Key.Key_Return,
                         Qt.Key.Key_Enter})
KEYPAD = Qt.KeyboardModifier.KeypadModifier


def notice(text: str, parent: QWidget) -> QLabel:
    """What a tab says in place of rows (none recorded, all filtered out, still reading)."""
    label = QLabel(text, parent)
    label.setObjectName("emptyTab")
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setMargin(EMPTY_MARGIN)
    return label
GOOD, NEEDS, POOR = QColor(80, 200, 120), QColor(240, 180, 60), QColor(255, 95, 95)
# Google's web-vitals thresholds: (good up to, needs improvement up to)
THRESHOLDS = {"lcp": (2500.0, 4000.0), "cls": (0.1, 0.25), "inp": (200.0, 500.0),
              "long_task": (200.0, 500.0)}   # a view's longest: as long as a slow interaction
RESOURCE_COLOURS = {"document": QColor(90, 150, 255), "css": QColor(170, 120, 255),
                    "js": QColor(240, 200, 80), "image": QColor(90, 200, 140),
                    "font": QColor(240, 130, 200), "fetch": QColor(80, 200, 220),
                    "xhr": QColor(80, 200, 220)}


def rating(metric: str, value: float | None) -> str | None:
    """'good' | 'needs-improvement' | 'poor' for LCP/CLS/INP (ms, unitless, ms) and a view's
    longest task (ms)."""
    if value is None or metric not in THRESHOLDS:
        return None
    good, needs = THRESHOLDS[metric]
    return "good" if value <= good else "needs-improvement" if value <= needs else "poor"


_RATING_COLOURS = {"good": GOOD, "needs-improvement": NEEDS, "poor": POOR}


def _status_colour(row: dict) -> QColor | None:
    return POOR if failed(row) or row.get("pending") else None


def waterfall_span(rows: list[dict]) -> tuple[float, float]:
    """The time span every request's bar is drawn on: the first start to the last end."""
    if not rows:
        return 0.0, 1.0
    lo = min(r["t"] for r in rows)
    hi = max(r["t"] + (r.get("duration") or 0) for r in rows)
    return float(lo), float(max(hi, lo + 1))


class WaterfallDelegate(QStyledItemDelegate):
    """Paints each request as a bar from its start to its end, on the span of all requests."""

    def __init__(self, model: TimedRowsModel, parent=None):
        super().__init__(parent)
        self.model = model
        # the span is made again only when the rows change: made per painted cell, it read
        # every request for each one (the 4-hour session's 32,000: ~25 ms a cell, 0.8-1.4 s
        # a seek with the Network tab on show)
        self._span: tuple[float, float] | None = None
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(self._rows_changed)

    def _rows_changed(self, *_args) -> None:
        self._span = None

    def span(self) -> tuple[float, float]:
        if self._span is None:
            self._span = waterfall_span(self.model.rows)
        return self._span

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().paint(painter, option, index)
        row = index.data(ROW_ROLE)
        if not row:
            return
        lo, hi = self.span()
        r = option.rect.adjusted(4, 5, -4, -5)
        x0 = r.left() + (row["t"] - lo) / (hi - lo) * r.width()
        w = max(2.0, (row.get("duration") or 0) / (hi - lo) * r.width())
        colour = QColor(RESOURCE_COLOURS.get(row.get("type", ""), QColor(150, 150, 160)))
        if index.row() >= self.model.played:
            colour.setAlpha(90)
        if failed(row) or row.get("pending"):
            colour = QColor(POOR)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(QRectF(x0, r.top(), w, r.height()), 2, 2)
        # the playhead
        if lo <= self.model.now <= hi:
            xp = r.left() + (self.model.now - lo) / (hi - lo) * r.width()
            painter.setPen(QColor(255, 255, 255, 120))
            painter.drawLine(int(xp), option.rect.top(), int(xp), option.rect.bottom())
        painter.restore()


BADGES = {"rage_click": ("RAGE", QColor(255, 72, 72)), "error_click": ("ERROR", QColor(255, 150, 50)),
          "dead_click": ("DEAD", QColor(150, 155, 168))}


class BadgeDelegate(QStyledItemDelegate):
    """Frustration signals as coloured pills (rage red, error orange, dead grey)."""

    def __init__(self, model: TimedRowsModel, parent=None):
        super().__init__(parent)
        self.model = model

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        opt.widget.style().drawControl(opt.widget.style().ControlElement.CE_ItemViewItem, opt,
                                       painter, opt.widget)
        row = index.data(ROW_ROLE) or {}
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        f = painter.font()
        f.setPointSizeF(max(6.0, f.pointSizeF() * 0.82))
        f.setBold(True)
        painter.setFont(f)
        fm = painter.fontMetrics()
        x = option.rect.left() + 6
        future = index.row() >= self.model.played
        for kind in row.get("frustration") or []:
            label, colour = BADGES.get(kind, (kind.upper(), QColor(150, 150, 160)))
            w = fm.horizontalAdvance(label) + 12
            r = QRectF(x, option.rect.center().y() - 8, w, 16)
            c = QColor(colour)
            c.setAlpha(80 if future else 255)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(c)
            painter.drawRoundedRect(r, 8, 8)
            painter.setPen(QColor(20, 20, 24, 140 if future else 255))
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter, label)
            x += w + 4
        painter.restore()


class RowsTab(QWidget):
    """A searchable, time-following table with an optional details box under it."""

    seekRequested = Signal(int)

    def __init__(self, columns: list[Column], rows: list[dict], *,
                 details: Callable[[dict], str] | None = None, timed: bool = True,
                 placeholder: str = "Filter", empty: str = "", gradual: bool = False,
                 moment: Callable[[float], int] = math.ceil, parent=None):
        """`empty`: what the tab would show, said when the recording has none of it.
        `gradual`: the rows are added by `fill_step` calls (a chunk at a time), not now.
        `moment`: where a row's time is shown (a fraction of a ms rounds up: the row is
        reached there, not dimmed; an error's moment includes what its task changed)."""
        super().__init__(parent)
        self.moment = moment
        self.model = TimedRowsModel(columns, None if gradual else rows, self, timed=timed)
        self.pending: list[dict] = self.model.ordered(rows) if gradual else []
        self._next = 0                      # pending[:_next] are in the model
        self.proxy = RowsFilter(self)
        self.proxy.setSourceModel(self.model)
        self.details_fn = details
        self._detailed: dict | None = None   # the row whose details are shown
        self.playhead_column: int | None = None
        self.filters: dict[str, QComboBox] = {}
        self._preds: dict[str, list] = {}   # filter name -> its choices' predicates
        self.follow = True

        self.search = QLineEdit(self)
        self.search.setPlaceholderText(placeholder)
        self.search.setAccessibleName(placeholder)   # (a placeholder is not read as its name)
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_text)
        self.search.textChanged.connect(self._details_follow_filter)
        # Down or Enter in the filter goes to the rows, as in the Sessions list's search (it
        # fell through to the player's Down: the speed went to 0.5x, silently)
        self.search.installEventFilter(self)
        self.bar = QHBoxLayout()
        self.bar.setContentsMargins(6, 6, 6, 4)
        self.bar.addWidget(self.search, 1)
        self.count = QLabel(self)
        self.count.setObjectName("rowCount")
        self.bar.addWidget(self.count)

        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Tab leaves the table, to the next control (Ctrl+Tab: the next tab); cell by cell,
        # it never got out of a table's rows
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        hh = self.table.horizontalHeader()
        hh.setHighlightSections(False)
        stretch = [i for i, c in enumerate(columns) if c.stretch]
        hh.setStretchLastSection(not stretch)
        for i, c in enumerate(columns):
            if c.stretch:
                hh.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch)
            elif c.width:
                self.table.setColumnWidth(i, c.width)
        self.table.clicked.connect(self._clicked)
        # Enter on a row does what a click does (as the Steps tab's): the keyboard's way to
        # a row's moment and its details
        self.table.activated.connect(self._clicked)
        # Ctrl+C (or a right-click's Copy) copies the row picked as its details show it, for
        # a ticket: Qt's own copied the one cell that was current (a console line's "info")
        self.copy_action = QAction("Copy", self.table)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.copy_action.triggered.connect(self.copy_row)
        self.table.addAction(self.copy_action)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.table.installEventFilter(self)   # (the view takes Ctrl+C before any shortcut)
        # an empty table says what would appear there, or that the filter hides every row
        self.empty_text = empty
        self.empty = notice("", self)
        self.body = QStackedWidget(self)
        self.body.addWidget(self.table)
        self.body.addWidget(self.empty)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(self.bar)
        if details is not None:
            self.detail = QPlainTextEdit(self)
            self.detail.setReadOnly(True)
            self.detail.setObjectName("details")
            self.detail.setPlaceholderText(SELECT_A_ROW)
            split = QSplitter(Qt.Orientation.Vertical, self)
            split.addWidget(self.body)
            split.addWidget(self.detail)
            split.setStretchFactor(0, 3)
            split.setStretchFactor(1, 2)
            self.detail.hide()
            lay.addWidget(split, 1)
        else:
            self.detail = None
            lay.addWidget(self.body, 1)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        self._update_count()

    def fill_step(self, budget: int) -> int:
        """Move up to `budget` pending rows into the table; how many were moved."""
        chunk = self.pending[self._next:self._next + budget]
        self._next += len(chunk)
        if self._next >= len(self.pending):
            self.pending, self._next = [], 0
        first = self.model.rowCount()
        self.model.append_rows(chunk)
        # their search texts too, a chunk a step: made on the first keystroke instead, the
        # 4-hour session's Network tab froze for 0.5 s
        for i in range(first, first + len(chunk)):
            self.model.search_text(i)
        return len(chunk)

    def add_filter(self, name: str, choices: list[tuple[str, Callable[[dict], bool] | None]]) -> QComboBox:
        """A combo box of (label, predicate) narrowing the rows (e.g. level, type, status)."""
        box = QComboBox(self)
        box.setObjectName(f"filter-{name}")
        for label, _ in choices:
            box.addItem(label)
        self.filters[name] = box
        self._preds[name] = [p for _, p in choices]
        box.currentIndexChanged.connect(self._apply_filters)
        self.bar.insertWidget(self.bar.count() - 1, box)
        return box

    def set_filter_choices(self, name: str,
                           choices: list[tuple[str, Callable[[dict], bool] | None]]) -> None:
        """The filter `name`'s choices made again (a live session's new levels or types),
        the one picked kept by its label. A label names what its choice passes, so the rows
        are filtered again only when the one picked is gone (a live session's new choices
        filtered every row a second time each time it grew)."""
        box = self.filters[name]
        picked = box.currentText()
        box.blockSignals(True)
        box.clear()
        for label, _ in choices:
            box.addItem(label)
        self._preds[name] = [p for _, p in choices]
        box.setCurrentIndex(max(0, box.findText(picked)))
        box.blockSignals(False)
        if box.currentText() != picked:
            self._apply_filters()

    def replace_rows(self, rows: list[dict]) -> None:
        """The tab's rows grown to `rows` (a live session grew): only the rows changed or
        new go in (`TimedRowsModel.grow`: the others are neither filtered nor searched
        again); the filter typed and the ones picked stay, and so does the row picked - found
        again by its moment and its first columns when it changed - with its details."""
        picked = self.table.selectionModel().selectedRows()
        was = self.proxy.mapToSource(picked[0]).data(ROW_ROLE) if picked else None
        detailed = self.detail is not None and not self.detail.isHidden()
        self.pending, self._next = [], 0
        self.model.grow(rows)
        if was is None or self.table.selectionModel().hasSelection():   # (it did not change)
            return
        key = self._key(was)
        i = next((i for i, r in enumerate(self.model.rows) if self._key(r) == key), None)
        pidx = self.proxy.mapFromSource(self.model.index(i, 0)) if i is not None else None
        if pidx is None or not pidx.isValid():
            return
        self.table.selectRow(pidx.row())
        if detailed:
            self._show_details(self.model.rows[i])

    def _key(self, row: dict) -> tuple:
        """What tells a row from the others across a replace: its moment and the text of
        the columns after the time (a count or a duration further right may change)."""
        return row.get("t"), tuple(c.text(row) for c in self.model.columns[1:KEY_COLUMNS])

    def _apply_filters(self) -> None:
        active = [self._preds[n][b.currentIndex()] for n, b in self.filters.items()
                  if self._preds[n][b.currentIndex()] is not None]
        self.proxy.set_predicate((lambda row: all(p(row) for p in active)) if active else None)
        self._update_count()
        self._details_follow_filter()

    def _details_follow_filter(self, *_args) -> None:
        """The details of a row the filter now hides go with it (they stayed, under the rows
        left, as if one of them: a support engineer's tryout)."""
        row = self._detailed
        if self.detail is None or self.detail.isHidden() or row is None:
            return
        at = next((i for i, r in enumerate(self.model.rows) if r == row), None)
        if at is not None and self.proxy.mapFromSource(self.model.index(at, 0)).isValid():
            return
        self._detailed = None
        self.detail.setPlainText("")
        self.detail.setPlaceholderText(FILTERED_OUT)

    def _update_count(self, *args) -> None:
        n, total = self.proxy.rowCount(), self.model.rowCount()
        self.count.setText(f"{n}" if n == total else f"{n} of {total}")
        if n == 0:
            self.empty.setText(READING if self.pending else self.empty_text if total == 0 else
                               f"None of the {total} rows matches the filter.")
        self.body.setCurrentWidget(self.empty if n == 0 else self.table)

    def fit_columns(self) -> None:
        """Hide the columns that `drop` first until the others fit the table's width, so a
        stretching column (a URL) keeps its `min_chars` instead of being squeezed away."""
        cols = self.model.columns
        if not any(c.drop for c in cols):
            return
        avg = self.table.fontMetrics().averageCharWidth()
        widths = [c.min_chars * avg + 12 if c.stretch else (c.width or 0) for c in cols]
        # the tab's width, not the viewport's: the table is laid out after this tab
        room = self.width() - self.table.verticalScrollBar().sizeHint().width() - 2
        hidden = columns_to_hide(widths, [c.drop for c in cols], room)
        for i in range(len(cols)):
            if self.table.isColumnHidden(i) != (i in hidden):
                self.table.setColumnHidden(i, i in hidden)

    def resizeEvent(self, ev) -> None:  # noqa: N802 (Qt)
        """The columns fit the new width, and a tab made shorter keeps the clock's row in
        view: a screenshot's player, trimmed to the page's height after the clock reached
        the bug, showed the Network tab down to row 17, the bug's failed request below."""
        super().resizeEvent(ev)
        self.fit_columns()
        self._current_in_view()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt)
        if obj is self.table and event.type() == QEvent.Type.KeyPress and \
                event.matches(QKeySequence.StandardKey.Copy):
            self.copy_row()
            return True
        if obj is self.search and event.type() in (QEvent.Type.ShortcutOverride,
                                                   QEvent.Type.KeyPress) \
                and event.key() in TO_THE_ROWS and not event.modifiers() & ~KEYPAD:
            if event.type() == QEvent.Type.ShortcutOverride:
                event.accept()   # the key is the filter's, not the player's shortcut
                return False
            self.to_rows()
            return True
        return super().eventFilter(obj, event)

    def to_rows(self) -> None:
        """Focus to the rows, on the one picked, else the playhead's, else the first."""
        if self.proxy.rowCount() == 0:
            return
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if not self.table.currentIndex().isValid():
            picked = self.table.selectionModel().selectedRows()
            cur = self.model.current_row()
            at_clock = self.proxy.mapFromSource(self.model.index(cur, 0)) if cur >= 0 else None
            ix = picked[0] if picked else at_clock if at_clock is not None and \
                at_clock.isValid() else self.proxy.index(0, 0)
            self.table.setCurrentIndex(ix)

    def row_text(self, row: dict) -> str:
        """A row as Copy puts it on the clipboard: what its details show (a console line's
        stack, an error's reports, a request's facts), else its columns, tab-separated."""
        if self.details_fn is not None:
            return self.details_fn(row)
        return "\t".join(c.text(row) for c in self.model.columns)

    def copy_row(self) -> None:
        """The row picked (else the current one) on the clipboard."""
        picked = self.table.selectionModel().selectedRows()
        index = picked[0] if picked else self.table.currentIndex()
        row = index.data(ROW_ROLE) if index.isValid() else None
        if row is not None:
            QGuiApplication.clipboard().setText(self.row_text(row))

    def _show_details(self, row: dict) -> None:
        if self.detail is not None:
            self._detailed = row
            self.detail.setPlaceholderText(SELECT_A_ROW)
            self.detail.setPlainText(self.details_fn(row))
            self.detail.show()

    def _clicked(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if row is not None:
            self._show_details(row)
            self.model.prefer(self.proxy.mapToSource(index).row())
        if self.model.timed:
            self.seekRequested.emit(self.moment(index.data(TIME_ROLE)))

    def pick(self, row: dict) -> bool:
        """The row equal to `row` selected, in view, its details shown - no seek; False when
        it is not in the table (still to be filled, or filtered out). (Equal, not the same
        dict: a live session's grown rows keep the table's own where they did not change.)"""
        at = next((i for i, r in enumerate(self.model.rows) if r == row), None)
        pidx = self.proxy.mapFromSource(self.model.index(at, 0)) if at is not None else None
        if pidx is None or not pidx.isValid():
            return False
        self.table.selectionModel().select(
            pidx, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(pidx, QAbstractItemView.ScrollHint.EnsureVisible)
        self._show_details(row)
        self.model.prefer(at)
        return True

    def set_time(self, t: int) -> None:
        before = self.model.current_row()
        self.model.set_time(t)     # signals the rows whose look changed; Qt repaints those
        cur = self.model.current_row()
        if cur != before:   # a row picked earlier is no longer where the clock is: one row
            picked = self.table.selectionModel().selectedRows()   # shows as current, not two
            row = self.proxy.mapToSource(picked[0]).row() if picked else cur
            if row != cur and (cur < 0 or self.model.time_of(row) != self.model.time_of(cur)):
                self.table.clearSelection()   # (a row at the current one's moment stays)
        if cur != before and self.isVisible():
            self._current_in_view()
        if self.playhead_column is not None and self.isVisible():
            # the waterfall's playhead line moves continuously: repaint that column only
            x = self.table.columnViewportPosition(self.playhead_column)
            self.table.viewport().update(x, 0, self.table.columnWidth(self.playhead_column),
                                         self.table.viewport().height())


    def _current_in_view(self) -> None:
        cur = self.model.current_row()
        if self.follow and cur >= 0:
            pidx = self.proxy.mapFromSource(self.model.index(cur, 0))
            if pidx.isValid():
                self.table.scrollTo(pidx, QAbstractItemView.ScrollHint.EnsureVisible)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt)
        """A tab shown after the clock moved (another tab on top) scrolls to the row the
        clock is at: it scrolled only while shown and when the row changed."""
        super().showEvent(event)
        self._current_in_view()


def short_url(url: str | None, origin: str | None) -> str:
    """What a person scans for in a narrow column: the path and query. The scheme and host
    are shown only when they differ from the page's own (a third-party call stands out)."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.netloc:
        return url
    here = f"{parts.scheme}://{parts.netloc}"
    rest = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return rest if here == origin else here + rest


def _origin(urls) -> str | None:
    for u in urls:
        try:
            p = urlsplit(u or "")
        except ValueError:
            continue
        if p.netloc:
            return f"{p.scheme}://{p.netloc}"
    return None


def _level_colour(row: dict) -> QColor | None:
    return LEVEL_COLOURS.get(row.get("level", ""))


def _vital(metric: str, drop: int = 0) -> Column:
    fmt = VITAL_TEXT[metric]
    return Column(metric.upper(), metric, lambda v: "—" if v is None else fmt(v), 64, drop=drop,
                  colour=lambda r, m=metric: _RATING_COLOURS.get(rating(m, r.get(m))),
                  tooltip=lambda r, m=metric: f"{m.upper()}: {rating(m, r.get(m)) or 'not measured'}")


MIN_WIDTH = 360    # the pane's narrowest (its tab bar scrolls below `labels_width`)
LABELS_MARGIN = 12   # px between the last tab label and the pane's edge
GROWN_DIGITS = 4     # a live session's tab counts, as `labels_width` keeps room for them
_COUNT = re.compile(r" ([\d,]+)$")   # a tab label's count ("Console 1,204")
URL_CHARS = 30     # a request's URL column keeps room for this many characters
MESSAGE_CHARS = 30  # and an error's message
VIEW_CHARS = 16    # and a page view's path (beside its vitals and long tasks)
# what each tab would show, said when the recording has none of it
EMPTY = {
    "console": "No console messages were recorded.\n\nThe page's console.log, info, warn and"
               " error calls appear here, with their stack.",
    "errors": "No errors were recorded.\n\nUncaught exceptions, unhandled promise rejections,"
              " failed requests and console.error calls appear here, grouped.",
    "network": "No network requests were recorded.\n\nThe page's fetch and XHR calls and the"
               " files it loaded appear here (recorded by the RUM or network plugin).",
    "actions": "No actions were recorded.\n\nClicks and taps appear here, named after what was"
               " clicked, with rage, dead and error clicks marked.",
    "performance": "No page views were recorded.\n\nEach page view's loading time, web vitals"
                   " (LCP, CLS, INP) and long tasks appear here (recorded by the RUM plugin).",
    "session": "Nothing is known about this session's user, device or browser.",
}
READING = "Reading the recording…"
# Rows a gradual pane adds per step (one step of the UI's event loop): a few ms of
# filtering and layout each, so a long session's tens of thousands of rows never block it.
FILL_ROWS = 2000
# ... FILL_CHUNK at a time, and no more once a step has taken FILL_MS: 2,000 rows were
# 10-40 ms on the 1M-event session's panes, and 90-200 ms on a machine busy elsewhere
# (network rows: each URL shortened and its search text made) - the UI's longest stalls
# while the rows came in. (A step shorter than FILL_CHUNK rows is never cut short.)
FILL_CHUNK = 200
FILL_MS = 20


# the tabs, in order (DevToolsPane's, and ReadingPane's while the recording is read)
TAB_NAMES = ("Console", "Errors", "Network", "Actions", "Performance", "Session")


KEY_COLUMNS = 3   # a row is told from the others across a replace by its first columns


def _level_choices(sv: SessionView) -> list[tuple[str, Callable[[dict], bool] | None]]:
    levels = sorted({r["level"] for r in sv.console})
    return [("All levels", None)] + [(lv, (lambda r, lv=lv: r["level"] == lv)) for lv in levels]


def _type_choices(sv: SessionView) -> list[tuple[str, Callable[[dict], bool] | None]]:
    types = sorted({r["type"] for r in sv.network})
    return [("All types", None)] + [(ty, (lambda r, ty=ty: r["type"] == ty)) for ty in types]


def _fact_rows(sv: SessionView) -> list[dict]:
    return [{"k": k, "v": v} for k, v in sv.facts]


def _labels(sv: SessionView) -> list[str]:
    """The tabs' labels, TAB_NAMES with their counts ("Console 13")."""
    counts = (len(sv.console), sum(e["count"] for e in sv.errors), len(sv.network),
              len(sv.actions), len(sv.views), None)
    return [f"{name} {count}" if count else name for name, count in zip(TAB_NAMES, counts)]


class PaneTabs(QTabWidget):
    """What the player's pane is to the player, whatever it shows: tabs whose labels all
    show (`labels_width`), following the clock (`set_time`), asking for seeks."""

    seekRequested = Signal(int)
    filled = Signal()    # a gradual fill added its last rows

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setDocumentMode(True)
        # every label whole when the pane has the room (`labels_width`, which the player's
        # split gives it); narrower, on a small screen, the bar scrolls: no tab out of reach
        self.tabBar().setUsesScrollButtons(True)
        self.tabBar().setElideMode(Qt.TextElideMode.ElideNone)
        # no base line of the style's own (a white one, drawn only right of the last tab:
        # the pane below the page had a border from 465 px on); the player's style sheet
        # draws the pane's edges
        self.tabBar().setDrawBase(False)
        self.setMinimumWidth(MIN_WIDTH)

    def labels_width(self, counts_grow: bool = False) -> int:
        """How wide the pane must be to show every tab label whole (a clipped "Sess" is a
        tab nobody finds), the last one clear of the pane's edge. `counts_grow`: the counts
        in the labels grow as a live session arrives - room for GROWN_DIGITS digits each, or
        the pane widened and the page shrank with every few console lines."""
        bar = self.tabBar()
        width = bar.sizeHint().width() + LABELS_MARGIN
        if counts_grow:
            digit = bar.fontMetrics().horizontalAdvance("0")
            for i in range(bar.count()):
                shown = _COUNT.search(bar.tabText(i))
                digits = len(shown.group(1)) if shown else 0
                width += digit * max(0, GROWN_DIGITS - digits) + \
                    (bar.fontMetrics().horizontalAdvance(" ") if not shown else 0)
        return max(MIN_WIDTH, width)

    @property
    def filling(self) -> bool:
        """Whether rows are still to come (a gradual fill)."""
        return False

    def set_time(self, t: int) -> None:
        """The rows follow the clock (none here)."""


class ReadingPane(PaneTabs):
    """The pane while a long recording is read: its tabs, each saying READING - a label
    each, where the dev-tools pane's six tables cost the UI thread 60-80 ms to make and
    50 ms more to put in place (the real recording, on opening: the longest step of it),
    to be replaced by the filled pane when indexing ends anyway."""

    def __init__(self, parent=None):
        super().__init__(parent)
        for name in TAB_NAMES:
            self.addTab(notice(READING, self), name)

    def failed(self, why: str) -> None:
        """The recording's rows could not be read: each tab says so (not READING forever)."""
        for i in range(self.count()):
            label = self.widget(i)
            if isinstance(label, QLabel):
                label.setText(f"The recording's rows could not be read: {why}")


class DevToolsPane(PaneTabs):
    def __init__(self, sv: SessionView, parent=None, *, gradual: bool = False):
        """`gradual`: the tables are filled FILL_ROWS rows per event-loop step (the tab on
        show first) instead of now; `filling` says whether rows are still to come, `filled`
        is emitted after the last."""
        super().__init__(parent)
        self.sv = sv
        empty = EMPTY.get
        t = time_column
        self.console = RowsTab([t(), Column("Level", "level", None, 60, colour=_level_colour),
                                Column("Message", "message", colour=_level_colour)],
                               sv.console, details=console_details, placeholder="Filter messages",
                               empty=empty("console"), gradual=gradual)
        self.console.add_filter("level", _level_choices(sv))

        # the message keeps room for MESSAGE_CHARS characters (it was squeezed to a dozen in
        # the app's pane: a support engineer's tryout); narrower, the last-seen time and then
        # the type give way, both in the error's details
        self.errors = RowsTab([t(), Column("Type", "type", None, 120, colour=lambda r: POOR, drop=1),
                               Column("Message", "message", stretch=True, min_chars=MESSAGE_CHARS),
                               Column("Count", "count", None, 56,
                                      Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                               Column("Last seen", "last_t", lambda v: moment_text(v or 0), 72,
                                      Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                                      drop=2)],
                              sv.errors, details=error_details, placeholder="Filter errors",
                              empty=empty("errors"), gradual=gradual, moment=error_moment)

        origin = _origin([v.get("url") for v in sv.views] + [r.get("url") for r in sv.network])
        shorten = (lambda u: short_url(u, origin))
        full_url = (lambda r: r.get("url") or "")
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        # the URL keeps room for URL_CHARS characters; narrower, the waterfall, type and
        # size give way (in that order, last first) and stay in the request's details. The
        # method stays: POST or GET is what a support engineer reads first (it went at the
        # default window size)
        self.network = RowsTab([t(), Column("Method", "method", None, 58),
                                Column("URL", "url", shorten, 240, stretch=True, tooltip=full_url,
                                       min_chars=URL_CHARS),
                                Column("Status", status_of, status_text, 52,
                                       colour=_status_colour),
                                Column("Type", "type", None, 60, drop=3),
                                Column("Size", "size", size_text, 64, right, drop=4),
                                Column("Duration", "duration", duration_text, 70, right),
                                Column("Waterfall", lambda r: None, lambda v: "", 120, drop=2)],
                               sv.network, details=network_details, placeholder="Filter URLs",
                               empty=empty("network"), gradual=gradual)
        self.network.table.setItemDelegateForColumn(7, WaterfallDelegate(self.network.model, self.network.table))
        self.network.table.horizontalHeader().setSectionResizeMode(7, QHeaderView.ResizeMode.Fixed)
        self.network.playhead_column = 7
        self.network.add_filter("type", _type_choices(sv))
        self.network.add_filter("status", [
            ("Any status", None),
            ("2xx/3xx", lambda r: bool(r.get("status")) and int(r["status"]) < 400),
            ("4xx", lambda r: bool(r.get("status")) and 400 <= int(r["status"]) < 500),
            ("5xx", lambda r: bool(r.get("status")) and int(r["status"]) >= 500),
            ("Failed", failed),
            ("Pending", lambda r: bool(r.get("pending")))])

        badge = {"rage_click": "RAGE", "dead_click": "DEAD", "error_click": "ERROR"}
        self.actions = RowsTab([t(), Column("Action", "type", None, 70),
                                Column("Target", lambda r: r["name"] or r.get("selector") or "", None,
                                       200, stretch=True),
                                Column("Frustration", "frustration",
                                       lambda v: "  ".join(badge.get(x, x) for x in v or []), 150,
                                       colour=lambda r: POOR if r.get("frustration") else None)],
                               sv.actions,
                               placeholder="Filter actions", empty=empty("actions"), gradual=gradual)
        self.actions.table.setItemDelegateForColumn(3, BadgeDelegate(self.actions.model, self.actions.table))
        self.actions.add_filter("frustration", [("All actions", None),
                                                ("Frustrated", lambda r: bool(r.get("frustration")))])

        # the view keeps room for VIEW_CHARS characters; narrower, CLS, the loading time and
        # LCP give way (in that order), all in the view's details
        self.performance = RowsTab([t(), Column("View", "url", shorten, 200, stretch=True,
                                           tooltip=full_url, min_chars=VIEW_CHARS),
                                    Column("Loading", "loading_time", lambda v: duration_text(v) or "—", 72,
                                           drop=2),
                                    _vital("lcp", drop=1), _vital("cls", drop=3), _vital("inp"),
                                    Column("Long tasks", long_tasks_text, None, 130,
                                           colour=lambda r: _RATING_COLOURS.get(
                                               rating("long_task", longest_task(r))),
                                           tooltip=lambda r: f"Long tasks: {LONG_TASK_SAID} for"
                                           " 50 ms or more - select the view for each")],
                                   sv.views, details=view_details, placeholder="Filter views",
                                   empty=empty("performance"), gradual=gradual)
        self.session = RowsTab([Column("", "k", None, 160), Column("", "v")],
                               _fact_rows(sv), timed=False,
                               placeholder="Filter facts", empty=empty("session"), gradual=gradual)
        self.session.table.horizontalHeader().hide()

        self.tabs = {}
        for name, tab, label in zip(TAB_NAMES, self._tables(), _labels(sv)):
            self.addTab(tab, label)
            tab.table.setAccessibleName(name)
            self.tabs[name.lower()] = tab
            tab.seekRequested.connect(self.seekRequested)
        self.currentChanged.connect(lambda _i: self.set_time(self._now))
        self._now = 0
        self._filler = QTimer(self)
        self._filler.setInterval(0)
        self._filler.timeout.connect(self._fill)
        if gradual:
            self._filler.start()

    def _tables(self) -> tuple["RowsTab", ...]:
        """The six tables, in TAB_NAMES' order."""
        return (self.console, self.errors, self.network, self.actions, self.performance,
                self.session)

    def update_session(self, sv: SessionView) -> None:
        """The rows of a longer `sv` (a live session that grew) put in place of these: the
        tab on show, what was typed in and picked stay (a pane built anew every second of
        following lost them, and cost the UI thread 60-80 ms each time), and only the rows
        new or changed are filtered, their search texts made (`RowsTab.replace_rows`). The
        caller then moves the pane to the clock (`set_time`), as after any change of time."""
        self.sv = sv
        self._filler.stop()
        rows = (sv.console, sv.errors, sv.network, sv.actions, sv.views, _fact_rows(sv))
        for tab, tab_rows, label in zip(self._tables(), rows, _labels(sv)):
            tab.replace_rows(tab_rows)
            self.setTabText(self.indexOf(tab), label)
        self.console.set_filter_choices("level", _level_choices(sv))
        self.network.set_filter_choices("type", _type_choices(sv))

    @property
    def filling(self) -> bool:
        return self._filler.isActive()

    def _fill(self) -> None:
        """One step of a gradual fill: FILL_ROWS more rows, the tab on show first."""
        tabs = [self.currentWidget()] + [t for t in self.tabs.values() if t is not self.currentWidget()]
        budget = FILL_ROWS
        until = time.perf_counter() + FILL_MS / 1000
        for tab in tabs:
            while isinstance(tab, RowsTab) and tab.pending:
                budget -= tab.fill_step(min(budget, FILL_CHUNK))
                if budget <= 0 or (FILL_ROWS - budget >= FILL_CHUNK
                                   and time.perf_counter() >= until):
                    return
        self._filler.stop()
        self.set_time(self._now)
        self.filled.emit()

    def show_error(self, t: int, which: int = 0) -> None:
        """The Errors tab, the row of the error shown at `t` (SessionView.error_rows; `which`
        of those shown there) picked and its details open: where E went (it stayed on the
        tab on show, and a support engineer looked for the error there)."""
        focus = QApplication.focusWidget()
        inside = focus is not None and self.isAncestorOf(focus)
        self.setCurrentWidget(self.errors)
        if inside and not self.errors.isAncestorOf(focus):
            # the tab the focus was on is hidden: Qt gave it to the Errors filter, whose box
            # then took the next E as a letter (a QA's tryout) - the rows take it, as a click
            # on one does, and leave the player's keys to it
            self.errors.table.setFocus()
        rows = self.sv.error_rows.get(t)
        if rows:
            self.errors.pick(rows[min(which, len(rows) - 1)])

    def set_time(self, t: int) -> None:
        """Only the tab on show follows every tick; the others catch up when shown."""
        self._now = t
        tab = self.currentWidget()
        if isinstance(tab, RowsTab):
            tab.set_time(t)
