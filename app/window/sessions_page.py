"""The Sessions page: the session browser (search box, facets, the table) as its first tab
and one player tab per opened session or file. The filtering itself is app.browser_model;
this is the Qt around it."""
from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import (QAbstractTableModel, QDate, QEvent, QItemSelectionModel, QModelIndex,
                            QObject, QSize, Qt, Signal)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QCheckBox, QComboBox,
                               QDateEdit, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMenu,
                               QProxyStyle, QPushButton, QSpinBox, QStyle, QStyledItemDelegate,
                               QTableView, QTabWidget, QVBoxLayout, QWidget)

from player.links import link_in
from player.qt.plain_text import plain_tip

from ..browser_model import (CAP_CHARS, CAPPED, DAY_MS, GAP_CHARS, HEADERS, ID_SHRUNK_CHARS,
                             LIVE_TIP, MINUTE_MS, SHRUNK_CHARS, STRETCHED, URL_MIN_CHARS, Catalog, Column,
                             Query, Row, cell_text, elide_url, link_status, share_widths,
                             widest_texts)
from ..commands._words import count
from ..thumbnails import SIZE as THUMB_SIZE
from .thumbnails import ThumbnailService

if TYPE_CHECKING:   # (the player's module, QtWebEngine's, is imported when a player opens)
    from player.qt.replay_widget import ReplayWidget

ERROR_COLOUR = QColor(214, 48, 49)
THUMB_SHOWN = (THUMB_SIZE[0] * 3 // 5, THUMB_SIZE[1] * 3 // 5)   # 96x60: a page still recognisable
_NUMERIC = (Column.DURATION, Column.VIEWS, Column.ERRORS, Column.FRUSTRATION)
THUMB_COLUMN = THUMB_SHOWN[0] + 12   # the picture and a little room either side


STALE_NOTE = (" · sessions were stored or changed since this list was read (a live visit, an"
              " import): F5 or View > Refresh lists them")


class DatePreset:
    """The date facet's choices: (label, span back from now in ms, or None)."""
    ANY = ("Any time", None)
    CHOICES = [ANY, ("Last 24 hours", DAY_MS), ("Last 7 days", 7 * DAY_MS),
               ("Last 30 days", 30 * DAY_MS), ("Between…", None)]
    BETWEEN = len(CHOICES) - 1


class SessionTableModel(QAbstractTableModel):
    def __init__(self, thumbnails: ThumbnailService | None, parent: QObject | None = None):
        super().__init__(parent)
        self.rows: list[Row] = []
        self._where: dict[str, int] = {}
        self.thumbnails = thumbnails
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnail_ready)
        self.sort_column = Column.START
        self.descending = True

    def set_rows(self, rows: list[Row]) -> None:
        self.beginResetModel()
        self.rows = Catalog.sort(rows, self.sort_column, self.descending) \
            if (self.sort_column, self.descending) != (Column.START, True) else rows
        self._where = {r.id: i for i, r in enumerate(self.rows)}
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = Column(index.column())
        info = row.info
        if role == Qt.ItemDataRole.DisplayRole:
            return _DISPLAY[col](row)
        if role == Qt.ItemDataRole.DecorationRole and col == Column.THUMBNAIL \
                and self.thumbnails is not None:
            pm = self.thumbnails.pixmap(row.id)
            # an icon, so the table's icon size applies (a pixmap is drawn at its own size)
            return QIcon(pm) if pm is not None else None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col == Column.ERRORS and info.error_count:
            return ERROR_COLOUR
        if role == Qt.ItemDataRole.FontRole and col == Column.ERRORS and info.error_count:
            return error_font(QFont())
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(_tooltip(row, self.thumbnails))
        return None

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self.sort_column = Column(column)
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.set_rows(self.rows)

    def row_of(self, session_id: str) -> int | None:
        return self._where.get(session_id)

    def _thumbnail_ready(self, session_id: str) -> None:
        i = self._where.get(session_id)
        if i is not None:
            ix = self.index(i, Column.THUMBNAIL)
            self.dataChanged.emit(ix, ix, [Qt.ItemDataRole.DecorationRole])


class SortArrowStyle(QProxyStyle):
    """The header's sort arrow as most people read one: up when ascending (oldest, shortest
    first), down when descending. Qt hands the style ascending as SortDown, which Fusion
    paints pointing down: the sessions, newest first, showed an upward arrow. The arrow is
    drawn from the header's own order, as the plain up or down arrow of the style."""

    def drawPrimitive(self, element, option, painter, widget=None) -> None:  # noqa: N802 (Qt)
        if element == QStyle.PrimitiveElement.PE_IndicatorHeaderArrow \
                and isinstance(widget, QHeaderView):
            element = QStyle.PrimitiveElement.PE_IndicatorArrowUp \
                if widget.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder \
                else QStyle.PrimitiveElement.PE_IndicatorArrowDown
        super().drawPrimitive(element, option, painter, widget)


_DISPLAY: dict[Column, Callable[[Row], Any]] = {
    c: (lambda r: None) if c == Column.THUMBNAIL else (lambda r, c=c: cell_text(r, c))
    for c in Column}


def error_font(font: QFont) -> QFont:
    """A session's error count is bold (and red): seen at a glance down the list."""
    bold = QFont(font)
    bold.setBold(True)
    return bold


def text_margin(widget: QWidget) -> int:
    """The room a cell keeps either side of its text (QStyledItemDelegate's)."""
    return widget.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1


class UrlDelegate(QStyledItemDelegate):
    """A first URL cut as a URL reads (`browser_model.elide_url`): its host and the end of
    its path stay (`shop.example/…/checkout`), not the middle of a query string."""

    def initStyleOption(self, option, index) -> None:  # noqa: N802 (Qt)
        super().initStyleOption(option, index)
        room = option.rect.width() - 2 * text_margin(self.parent())
        if option.text and room > 0:
            option.text = elide_url(option.text, room, option.fontMetrics.horizontalAdvance)


class TitleDelegate(QStyledItemDelegate):
    """A bug's title cut at its end, as `replay sessions` cuts it (`bug.title_line`): a
    title reads from its start ("Apply coupon throws TypeError, …"); its middle cut out
    ("Apply coupo…ing happens") kept the words that say least."""

    def initStyleOption(self, option, index) -> None:  # noqa: N802 (Qt)
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideRight


def _tooltip(row: Row, thumbs: ThumbnailService | None) -> str:
    i = row.info
    lines = [f"Session {i.id}"]
    if i.application:
        lines.append(f"Application: {i.application}")
    if i.first_url:
        lines.append(f"First URL: {i.first_url}")
    lines.append(f"{i.record_count:,} events; Enter or double-click to watch")
    if row.live:
        lines.append(LIVE_TIP)
    why = thumbs.failure(i.id) if thumbs is not None else None
    if why:
        lines.append(f"No thumbnail: {why}")
    return "\n".join(lines)


class SessionBrowser(QWidget):
    """Search box, facets and the table. `openRequested(session_id)` when a row is opened
    (Enter, double-click)."""
    openRequested = Signal(str)
    linkRequested = Signal(str)   # Enter on a replay:// link pasted in the search box
    deleteRequested = Signal(list)   # the ids to erase: "Delete…" (context menu, Delete key)
    reportRequested = Signal(str)   # "Bug report…" (context menu): its title and notes
    rowsChanged = Signal(int)

    def __init__(self, catalog: Catalog, thumbnails: ThumbnailService | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.catalog = catalog
        self.last_filter_ms = 0.0   # how long the last filtering took (status bar, benchmark)

        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search sessions: user, bug title, URL, error message, id…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.installEventFilter(self)
        self.search.setAccessibleName("Search sessions")

        self.application = QComboBox(self)
        self.application.setObjectName("applicationFacet")
        self.application.setAccessibleName("Application")
        self.user = QLineEdit(self)
        self.user.setPlaceholderText("User contains")
        self.url = QLineEdit(self)
        self.url.setPlaceholderText("URL contains")
        for w in (self.user, self.url):
            w.setAccessibleName(w.placeholderText())   # (a placeholder is not read as one)
            w.setClearButtonEnabled(True)
            w.setMinimumWidth(120)
        self.has_errors = QCheckBox("Has errors", self)
        self.has_frustration = QCheckBox("Frustrated clicks", self)
        self.has_frustration.setToolTip("Sessions with frustration signals: rage, dead or"
                                        " error clicks")
        self.date = QComboBox(self)
        self.date.setAccessibleName("Started")
        for label, _span in DatePreset.CHOICES:
            self.date.addItem(label)
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addDays(-7), self)
        self.date_to = QDateEdit(today, self)
        for d in (self.date_from, self.date_to):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
            d.setVisible(False)
        self.min_minutes = QSpinBox(self)
        self.max_minutes = QSpinBox(self)
        # the unit is said once, before the boxes: a box's suffix went with its "any" (0),
        # and the row read "Duration any to any" - of what, no one could tell
        for box, tip in ((self.min_minutes, "at least"), (self.max_minutes, "at most")):
            box.setRange(0, 240)
            box.setSpecialValueText("any")
            box.setToolTip(f"Duration: {tip} this many minutes")
            box.setAccessibleName(f"Duration, {tip} (minutes)")
        self.clear = QPushButton("Clear filters", self)
        self.count = QLabel(self)
        self.count.setObjectName("rowCount")

        self.thumbnails = thumbnails
        self.model = SessionTableModel(thumbnails, self)
        self.table = QTableView(self)
        self.table.setObjectName("sessions")
        self.table.setAccessibleName("Sessions")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # several at once (Shift, Ctrl, Ctrl+A) - to erase a customer's sessions, or open them
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Tab leaves the table (arrows move in it): going cell by cell, Tab never got out
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setIconSize(QSize(*THUMB_SHOWN))
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(THUMB_SHOWN[1] + 6)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.START, Qt.SortOrder.DescendingOrder)
        head = self.table.horizontalHeader()
        head.setHighlightSections(False)
        arrows = SortArrowStyle()
        arrows.setParent(head)   # (setStyle does not own it; the header does)
        head.setStyle(arrows)
        # the columns share the width as `_fit_columns` says; the first URL has the rest
        head.setSectionResizeMode(STRETCHED, QHeaderView.ResizeMode.Stretch)
        self._wanted: dict[Column, int] = {}   # each column's width for the catalog listed
        self._whole: dict[Column, int] = {}    # ... and as wide as its widest text (no cap)
        # a long user keeps its start and its end: which domain (`…@example.com`) - what
        # tells the rows apart; a bug's title its start; an id is shown whole as `replay
        # sessions` shows it while there is room, else its start and end (GIVEN_LAST); a
        # URL is cut as a URL
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setItemDelegateForColumn(STRETCHED, UrlDelegate(self.table))
        self.table.setItemDelegateForColumn(Column.TITLE, TitleDelegate(self.table))
        self.table.viewport().installEventFilter(self)
        # what an empty list means, in its middle (a blank white table said nothing)
        self.empty = QLabel(self.table.viewport())
        self.empty.setObjectName("emptyList")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setTextFormat(Qt.TextFormat.RichText)
        self.empty.setContentsMargins(40, 0, 40, 0)
        self.empty.linkActivated.connect(lambda _href: self.clear_filters())
        self.empty.hide()
        self.table.activated.connect(self._activated)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self._listed = ""
        self.stale = False   # more stored since the list was read (STALE_NOTE says so)
        self.table.selectionModel().selectionChanged.connect(self._say_count)
        self.table.installEventFilter(self)
        self.table.verticalScrollBar().valueChanged.connect(self._visible_first)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 10, 12, 6)
        lay.setSpacing(8)
        top = QHBoxLayout()        # what to look for
        top.setSpacing(8)
        top.addWidget(self.search, 2)
        top.addWidget(self.user, 1)
        top.addWidget(self.url, 1)
        top.addWidget(self.application)
        facets = QHBoxLayout()     # which sessions
        facets.setSpacing(8)
        for w in (self.has_errors, self.has_frustration, self.date, self.date_from,
                  self.date_to):
            facets.addWidget(w)
        facets.addSpacing(8)
        duration = QLabel("Duration (min)", self, objectName="durationLabel")
        duration.setBuddy(self.min_minutes)
        facets.addWidget(duration)
        facets.addWidget(self.min_minutes)
        facets.addWidget(QLabel("to", self))
        facets.addWidget(self.max_minutes)
        facets.addStretch(1)
        facets.addWidget(self.clear)
        lay.addLayout(top)
        lay.addLayout(facets)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.count)

        self._fill_applications()
        for sig in (self.search.textChanged, self.user.textChanged, self.url.textChanged,
                    self.has_errors.toggled, self.has_frustration.toggled,
                    self.application.currentIndexChanged, self.date_from.dateChanged,
                    self.date_to.dateChanged, self.min_minutes.valueChanged,
                    self.max_minutes.valueChanged):
            sig.connect(self.refresh)
        self.date.currentIndexChanged.connect(self._date_changed)
        self.clear.clicked.connect(self.clear_filters)
        self._measure_columns()
        self.refresh()

    # --- filtering ------------------------------------------------------------------
    def query(self, now_ms: float | None = None) -> Query:
        now_ms = time.time() * 1000 if now_ms is None else now_ms
        since = until = None
        choice = self.date.currentIndex()
        if choice == DatePreset.BETWEEN:
            since = _local_midnight_ms(self.date_from.date())
            until = _local_midnight_ms(self.date_to.date().addDays(1))
        else:
            span = DatePreset.CHOICES[choice][1]
            since = None if span is None else now_ms - span
        lo, hi = self.min_minutes.value(), self.max_minutes.value()
        return Query(text=self.search.text(),
                     application=self.application.currentData(),
                     user=self.user.text(), url=self.url.text(),
                     has_errors=self.has_errors.isChecked(),
                     has_frustration=self.has_frustration.isChecked(),
                     since_ms=since, until_ms=until,
                     min_duration_ms=lo * MINUTE_MS if lo else None,
                     max_duration_ms=hi * MINUTE_MS if hi else None)

    def refresh(self, *_args) -> None:
        t0 = time.perf_counter()
        current, picked_ids = self.current_session(), self._picked()
        rows = self.catalog.filter(self.query())
        self.model.set_rows(rows)
        if current is not None and (i := self.model.row_of(current)) is not None:
            if not picked_ids or current in picked_ids:
                self.table.selectRow(i)
            else:   # the current row un-picked (Ctrl+click) stays so: Delete must not erase it
                self.table.selectionModel().setCurrentIndex(
                    self.model.index(i, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
        self._select_also(picked_ids)   # the rows picked still listed stay picked
        self.last_filter_ms = (time.perf_counter() - t0) * 1000
        total = len(self.catalog.rows)
        shown = len(rows)
        # (an empty list says why in its middle: `_say_empty`)
        self._listed = (f"{shown:,} of {total:,} sessions" if shown != total
                        else count(total, "session"))
        if self.catalog.unsearched and self.search.text().strip():
            self._listed += " · " + self.catalog.unsearched
        link = link_in(self.search.text())
        if link is not None:   # what Enter does with it: the session it resolves to, whatever
            # the other filters hide (a shortened `8dda0c07_partial` was "not stored here"
            # while Enter opened it)
            self._listed += " · " + link_status(link[0], link[1], self.catalog.linked(link[0]),
                                                listed=bool(rows))
        self._say_empty(shown, total)
        self._say_count()
        self.rowsChanged.emit(shown)
        self._visible_first()

    def _say_empty(self, shown: int, total: int) -> None:
        """In the middle of an empty list, why it is empty and what to do."""
        if shown:
            self.empty.hide()
            return
        muted = self.palette().color(self.palette().ColorRole.PlaceholderText).name()
        self.empty.setText(
            f"<p style='font-size:large'>No sessions stored yet</p><p style='color:{muted}'>"
            "Record one on the Record page, import recordings with File &gt; Import… (Ctrl+I),"
            " or watch a file without storing it with File &gt; Open… (Ctrl+O).</p>"
            if not total else
            "<p style='font-size:large'>No session matches the filters</p>"
            f"<p style='color:{muted}'>{count(total, 'session')} stored -"
            " <a href='#clear'>Clear filters</a></p>")
        self.empty.setGeometry(self.table.viewport().rect())
        self.empty.show()

    def set_catalog(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._fill_applications()
        self._measure_columns()
        self.refresh()

    def clear_filters(self) -> None:
        for w in (self.search, self.user, self.url, self.has_errors, self.has_frustration,
                  self.application, self.date, self.min_minutes, self.max_minutes):
            w.blockSignals(True)
        self.search.clear()
        self.user.clear()
        self.url.clear()
        self.has_errors.setChecked(False)
        self.has_frustration.setChecked(False)
        self.application.setCurrentIndex(0)
        self.date.setCurrentIndex(0)
        self._date_changed(0, refresh=False)
        self.min_minutes.setValue(0)
        self.max_minutes.setValue(0)
        for w in (self.search, self.user, self.url, self.has_errors, self.has_frustration,
                  self.application, self.date, self.min_minutes, self.max_minutes):
            w.blockSignals(False)
        self.refresh()

    def _fill_applications(self) -> None:
        current = self.application.currentData()
        self.application.blockSignals(True)
        self.application.clear()
        self.application.addItem("All applications", None)
        for app in self.catalog.applications:
            self.application.addItem(self.catalog.application_label(app), app)
        i = self.application.findData(current) if current else 0
        self.application.setCurrentIndex(max(i, 0))
        self.application.setEnabled(bool(self.catalog.applications))
        self.application.blockSignals(False)

    def _date_changed(self, index: int, refresh: bool = True) -> None:
        between = index == DatePreset.BETWEEN
        self.date_from.setVisible(between)
        self.date_to.setVisible(between)
        if refresh:
            self.refresh()

    # --- opening and keys -------------------------------------------------------------
    def current_session(self) -> str | None:
        ix = self.table.currentIndex()
        if not ix.isValid() or ix.row() >= len(self.model.rows):
            return None
        return self.model.rows[ix.row()].id

    def _say_count(self, *_args) -> None:
        """How many are listed, and how many of them are picked when several are (what
        Delete would erase), and whether more was stored since the list was read."""
        picked = len(self.table.selectionModel().selectedRows())
        self.count.setText(self._listed + (f" · {picked:,} picked (Delete asks to erase them, Enter"
                                           " opens the current one)" if picked > 1 else "")
                           + (STALE_NOTE if self.stale else ""))

    def set_stale(self, stale: bool) -> None:
        """Another process stored sessions (or more of one) since the list was read."""
        if stale != self.stale:
            self.stale = stale
            self._say_count()

    def _picked(self) -> list[str]:
        """The ids of the rows picked, in the list's order."""
        rows = sorted({ix.row() for ix in self.table.selectionModel().selectedRows()
                       if ix.row() < len(self.model.rows)})
        return [self.model.rows[r].id for r in rows]

    def selected_sessions(self) -> list[str]:
        """The ids of the rows picked, in the list's order (none picked: the current row's)."""
        picked = self._picked()
        if picked:
            return picked
        current = self.current_session()
        return [current] if current is not None else []

    def _select_also(self, session_ids: list[str]) -> None:
        sel = self.table.selectionModel()
        for sid in session_ids:
            i = self.model.row_of(sid)
            if i is not None:
                sel.select(self.model.index(i, 0), QItemSelectionModel.SelectionFlag.Select
                           | QItemSelectionModel.SelectionFlag.Rows)

    def select_session(self, session_id: str) -> bool:
        i = self.model.row_of(session_id)
        if i is None:
            return False
        self.table.selectRow(i)
        self.table.scrollTo(self.model.index(i, Column.START))
        return True

    def _measure_columns(self) -> None:
        """Each column's width for the catalog's sessions, in the table's font: a count, a
        duration or a time as wide as its widest value and its header (with the sort
        arrow); an id, a user or a bug title as its widest text, up to its cap (no title
        stored: as narrow as its header). Measured once per catalog, not per keystroke:
        the columns stay put while a search narrows the list."""
        head = self.table.horizontalHeader()
        plain = QFontMetrics(self.table.font())
        bold = QFontMetrics(error_font(self.table.font()))
        margins = 2 * text_margin(self.table) + plain.averageCharWidth() * GAP_CHARS
        rows = self.catalog.rows
        wanted, whole = {}, {}
        for col in Column:
            header = head.sectionSizeFromContents(col).width()
            texts = widest_texts(rows, col)
            widest = max((m.horizontalAdvance(t) for t in texts
                          for m in ((plain, bold) if col == Column.ERRORS else (plain,))),
                         default=0)
            width = whole[col] = max(header, widest + margins)
            if col == STRETCHED:
                continue
            if col in CAPPED:
                width = min(width, max(header, plain.averageCharWidth() * CAP_CHARS[col]))
            wanted[col] = THUMB_COLUMN if col == Column.THUMBNAIL else width
        self._wanted, self._whole = wanted, whole
        self._fit_columns()

    def _fit_columns(self) -> None:
        """The columns' widths in the table's width now (`browser_model.share_widths`):
        the counts and times whole, the id, user and bug title given up first for the
        first URL, which has the rest."""
        if not self._wanted:
            return
        head = self.table.horizontalHeader()
        chars = QFontMetrics(self.table.font()).averageCharWidth()
        shrunk = {c: max(head.sectionSizeFromContents(c).width(), chars * SHRUNK_CHARS)
                  for c in CAPPED}
        shrunk[Column.ID] = max(head.sectionSizeFromContents(Column.ID).width(),
                                chars * ID_SHRUNK_CHARS)
        widths = share_widths(self.table.viewport().width(), self._wanted, shrunk,
                              chars * URL_MIN_CHARS, self._whole, self._whole[STRETCHED])
        for col, width in widths.items():
            if col != STRETCHED:   # (the header stretches it over what is left)
                head.resizeSection(col, width)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.openRequested.emit(self.model.rows[index.row()].id)

    def _context_menu(self, pos) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        sid = self.model.rows[index.row()].id
        picked = self.selected_sessions()
        if sid not in picked:   # a row outside the selection: the menu is that row's
            self.table.selectRow(index.row())
            picked = [sid]
        menu = QMenu(self.table)
        if len(picked) == 1:
            menu.addAction("Open", lambda: self.openRequested.emit(sid))
            menu.addAction("Bug report…", lambda: self.reportRequested.emit(sid))
            menu.addSeparator()
            menu.addAction("Delete session…", lambda: self.deleteRequested.emit(picked))
        else:
            menu.addAction(f"Open {len(picked):,} sessions",
                           lambda: [self.openRequested.emit(s) for s in picked])
            menu.addSeparator()
            menu.addAction(f"Delete {len(picked):,} sessions…",
                           lambda: self.deleteRequested.emit(picked))
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt)
        """Down or Enter in the search box moves to the table (arrows move, Enter opens), but
        Enter on a replay:// link pasted there opens its session at its moment, and Enter with
        one session found opens it;
        Delete in the table asks to delete the sessions picked; the table's width changed,
        its columns share it again."""
        if obj is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
            self.empty.setGeometry(self.table.viewport().rect())
            return False
        if obj is self.table and event.type() == QEvent.Type.KeyPress and \
                event.key() == Qt.Key.Key_Delete and self.selected_sessions():
            self.deleteRequested.emit(self.selected_sessions())
            return True
        if obj is self.search and event.type() == QEvent.Type.KeyPress and event.key() in (
                Qt.Key.Key_Return, Qt.Key.Key_Enter) and link_in(self.search.text()):
            self.linkRequested.emit(self.search.text().strip())   # (said if not stored)
            return True
        if obj is self.search and event.type() == QEvent.Type.KeyPress and event.key() in (
                Qt.Key.Key_Return, Qt.Key.Key_Enter) and len(self.model.rows) == 1:
            # the one session found: opened (Enter moved to the list, a second Enter opened it
            # - a support engineer's tryout)
            self.table.selectRow(0)
            self.openRequested.emit(self.model.rows[0].id)
            return True
        if obj is self.search and event.type() == QEvent.Type.KeyPress and event.key() in (
                Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.model.rows:
            self.table.setFocus()
            if not self.table.currentIndex().isValid():
                self.table.selectRow(0)
            return True
        return super().eventFilter(obj, event)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _visible_first(self, *_args) -> None:
        """Thumbnails of the rows on screen are painted before rows scrolled past."""
        if self.thumbnails is None:
            return
        top = self.table.rowAt(0)
        if top < 0:
            return
        bottom = self.table.rowAt(self.table.viewport().height() - 1)
        bottom = len(self.model.rows) - 1 if bottom < 0 else bottom
        self.thumbnails.prioritise([r.id for r in self.model.rows[top:bottom + 1]])


def _local_midnight_ms(d: QDate) -> float:
    return datetime(d.year(), d.month(), d.day()).astimezone().timestamp() * 1000


class SessionsPage(QTabWidget):
    """The browser as the first tab (never closed), then one tab per open player.
    `said(line)`: what a close did that the person would not see (the window's status bar)."""

    said = Signal(str)

    def __init__(self, browser: SessionBrowser, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sessionsPage")
        self.browser = browser
        self.setDocumentMode(True)
        self.setTabsClosable(True)
        self.setMovable(True)
        self.addTab(browser, "All sessions")
        self.tabBar().setTabButton(0, self.tabBar().ButtonPosition.RightSide, None)
        self.tabBar().setTabButton(0, self.tabBar().ButtonPosition.LeftSide, None)
        self.tabCloseRequested.connect(self.close_tab)
        self._sources: dict[QWidget, Any] = {}
        self._keys: dict[QWidget, str] = {}
        # players whose tab closed, with their sources, until let go: at once, or once the
        # export they were writing has ended (ExportMenu.when_idle)
        self._closing: dict[ReplayWidget, Any] = {}

    def add_player(self, key: str, title: str, widget: ReplayWidget, source: Any,
                   tooltip: str = "", front: bool = True, is_file: bool = False) -> None:
        """Show a player in a new tab (in front unless `front` is False); `source` is
        closed with the tab. `key` (a session id or a file path) brings an already open one
        to the front instead. A file's tab (`is_file`) carries a file's icon: a bundle
        opened with File > Open and the same session stored here have one title (the
        bug's), and only the icon told them apart at a glance."""
        self._sources[widget] = source
        self._keys[widget] = key
        i = self.addTab(widget, title)
        if is_file:
            self.setTabIcon(i, self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon))
        self.setTabToolTip(i, plain_tip(tooltip or title))
        if front:
            self.setCurrentIndex(i)
            widget.setFocus()

    def retitle(self, widget: QWidget, title: str, tooltip: str) -> bool:
        """A player's tab titled anew; False when its tab is gone."""
        i = self.indexOf(widget)
        if i < 0:
            return False
        self.setTabText(i, title)
        self.setTabToolTip(i, plain_tip(tooltip))
        return True

    def find(self, key: str) -> QWidget | None:
        return next((w for w, k in self._keys.items() if k == key), None)

    def stored_tabs(self) -> dict[str, QWidget]:
        """The tabs on stored sessions (not files), by session id."""
        return {k: w for w, k in self._keys.items() if self._sources[w].origin is None}

    def players(self) -> list[QWidget]:
        return [self.widget(i) for i in range(1, self.count())]

    def showing(self, session_id: str) -> list[ReplayWidget]:
        """The players showing session `session_id`: its stored tab, files' tabs of it."""
        return [w for w in self._keys if w.session_id == session_id]

    def close_tab(self, index: int) -> bool:
        """The tab goes now; its player (and the recording it read) with it - or, when it is
        exporting, once the export has ended: the file is finished, not lost (said)."""
        w = self.widget(index)
        if w is None or w is self.browser:
            return False
        focused = QApplication.focusWidget()
        had_focus = focused is not None and (focused is w or w.isAncestorOf(focused))
        self.removeTab(index)
        self._closing[w] = self._sources.pop(w, None)
        self._keys.pop(w, None)
        exports = w.export_menu
        if not exports.when_idle(lambda: self._let_go(w)):
            self.said.emit(f"Tab closed; {exports.under_way()} is finished first (Cancel in"
                           " its dialog stops it)")
        if had_focus:
            self.focus_current()
        return True

    def _let_go(self, w: ReplayWidget) -> None:
        """A closed tab's player deleted, and its recording closed (once only)."""
        if w not in self._closing:   # (close_all let it go already)
            return
        from player.qt.standalone import dispose

        source = self._closing.pop(w)
        dispose(w)
        if source is not None:
            source.close()

    def focus_current(self) -> None:
        """Focus to the tab on show: the sessions list (its row still picked) or a player.
        Called when the focused tab closes (Ctrl+W): Qt moved the focus on to the window's
        next control, the left navigation, a Tab press away from the page it was on."""
        w = self.currentWidget()
        (self.browser.table if w is self.browser else w).setFocus(
            Qt.FocusReason.OtherFocusReason)

    def close_current(self) -> bool:
        return self.close_tab(self.currentIndex())

    def close_all(self) -> None:
        """Every tab closed, and the players of tabs closed earlier whose export has ended
        let go now (the window's last step: its event loop may not run again)."""
        while self.count() > 1:
            self.close_tab(self.count() - 1)
        for w in [w for w in self._closing if not w.export_menu.busy]:
            self._let_go(w)
