"""Qt models for the dev-tools tabs: rows that know their time.

`TimedRowsModel` holds rows (dicts with a "t" offset in ms) sorted by time; `set_time(t)`
dims rows still in the future and marks the current row (the last one at or before t), only
signalling the rows whose look changed; `grow(rows)` takes a live session's longer rows,
only the changed and new ones going in and out (`growth`). `RowsFilter` is the proxy the
views sit on: a text search over every column plus an optional per-tab predicate (level,
type, status).
"""
from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import (QAbstractTableModel, QModelIndex, QPersistentModelIndex,
                            QSortFilterProxyModel, Qt)
from PySide6.QtGui import QBrush, QColor, QFont

from recorder.moments import moment_text

from ..plain_text import plain_tip
from .growth import Growth, growth

ROW_ROLE = Qt.ItemDataRole.UserRole + 1     # the row dict
TIME_ROLE = Qt.ItemDataRole.UserRole + 2    # its time offset (ms)
SORT_ROLE = Qt.ItemDataRole.UserRole + 3    # a sortable raw value

FUTURE = QColor(110, 116, 128)
CURRENT_BG = QColor(38, 79, 120)
_FUTURE_BRUSH = QBrush(FUTURE)
_CURRENT_BRUSH = QBrush(CURRENT_BG)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
# a row's texts no column shows that a search finds: an error's stack, and the console
# line that reported a failed request (`semantics` rule 5), both in the row's details
_DETAIL_TEXTS = ("stack", "logged")


@functools.cache
def _future_font() -> QFont:
    """Italic, for rows after now (made once a QGuiApplication exists: a QFont needs one)."""
    f = QFont()
    f.setItalic(True)
    return f


_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleDescriptionRole)
# what the colours say, in words (a screen reader hears no grey nor highlight)
PLAYED_NOW, STILL_TO_COME = "at the player's moment", "after the player's moment"
_ROLES = frozenset({_DISPLAY, _FOREGROUND, _BACKGROUND, _FONT, _ALIGN, _TOOLTIP, _ACCESSIBLE,
                    int(ROW_ROLE), int(TIME_ROLE), int(SORT_ROLE)})
LEVEL_COLOURS = {"error": QColor(255, 110, 110), "warn": QColor(240, 190, 80),
                 "warning": QColor(240, 190, 80), "info": QColor(120, 180, 255),
                 "debug": QColor(160, 160, 175)}


@dataclass
class Column:
    title: str
    key: str | Callable[[dict], Any]
    fmt: Callable[[Any], str] | None = None
    width: int | None = None
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    colour: Callable[[dict], QColor | None] | None = None
    tooltip: Callable[[dict], str] | None = None
    stretch: bool = False       # takes the width the other columns leave
    min_chars: int = 0          # a stretching column keeps room for this many characters
    drop: int = 0               # 0: always shown; else, when the table is too narrow, columns
    #                             are hidden highest `drop` first (their value is in the details)

    def raw(self, row: dict) -> Any:
        return self.key(row) if callable(self.key) else row.get(self.key)

    def text(self, row: dict) -> str:
        v = self.raw(row)
        if self.fmt is not None:
            return self.fmt(v)
        return "" if v is None else str(v)


def columns_to_hide(widths: list[int], drops: list[int], available: int) -> set[int]:
    """Which columns to hide so the rest fit in `available` pixels: those with the highest
    `drop` first (0: never hidden). `widths` are the fixed widths, and a stretching column's
    minimum."""
    hidden: set[int] = set()
    order = sorted((i for i, d in enumerate(drops) if d), key=lambda i: -drops[i])
    for i in order:
        if sum(w for j, w in enumerate(widths) if j not in hidden) <= available:
            break
        hidden.add(i)
    return hidden


def search_text(columns: list[Column], row: dict) -> str:
    """What a search box matches in a row, lower-case: every column's shown text, the whole
    value where a column shortens it (a URL's host), and the texts only its details show (an
    error's stack, the console line that reported it). Made once per row (`TimedRowsModel.
    search_text`): formatting every column of every row again on each keystroke (a URL split,
    a time formatted) cost 0.5-3 s a keystroke on the 4-hour session's 32,000 requests."""
    parts = []
    for c in columns:
        parts.append(c.text(row))
        v = c.raw(row)
        if isinstance(v, str):
            parts.append(v)
    parts += [str(row.get(k) or "") for k in _DETAIL_TEXTS]
    # NUL between the parts: a search (one line of text) never matches across two of them
    return "\0".join(parts).lower()


def time_column() -> Column:
    return Column("Time", "t", lambda v: moment_text(v or 0), 64,
                  Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class TimedRowsModel(QAbstractTableModel):
    def __init__(self, columns: list[Column], rows: list[dict] | None = None, parent=None,
                 timed: bool = True):
        super().__init__(parent)
        self.columns = columns
        self.timed = timed
        self.rows: list[dict] = []
        self._times: list[int] = []
        self._texts: list[str | None] = []   # each row's search_text, made when first asked
        self.now = 0
        self.played = 0            # rows[:played] are at or before now
        # a row picked at the current row's moment (two errors at 0:09.3, the first clicked):
        # the current one then, so one row shows as where the clock is, not two
        self.preferred: int | None = None
        if rows:
            self.set_rows(rows)

    def set_rows(self, rows: list[dict]) -> None:
        self.beginResetModel()
        self.rows = self.ordered(rows)
        self._texts = [None] * len(self.rows)
        self._times = [int(r.get("t", 0)) for r in self.rows] if self.timed else []
        self.played = bisect.bisect_right(self._times, self.now) if self.timed else len(self.rows)
        self.preferred = None
        self.endResetModel()

    def ordered(self, rows: list[dict]) -> list[dict]:
        """`rows` in the order this model shows them (by time when timed)."""
        return sorted(rows, key=lambda r: r.get("t", 0)) if self.timed else list(rows)

    def append_rows(self, rows: list[dict]) -> None:
        """Add rows after the last one (`rows` in `ordered` order, none earlier than the
        rows held): a view and its filter only look at the new rows, so a long list can be
        filled a chunk at a time without blocking the UI."""
        self._put(len(self.rows), rows)

    def grow(self, rows: list[dict]) -> Growth:
        """`rows` (these rows grown: a live session's longer ones) in place of these, as
        inserts and removals of the rows that changed or are new (`growth`): the rows that
        stayed keep their search texts and, in a filter over this model, are not filtered
        again - a reset filtered them all and made every search text again."""
        new = self.ordered(rows)
        g = growth(self.rows, new)
        for first, last in g.changed:   # a row changed in place: out, and in as it is now
            self._take(first, last)
            self._put(first, new[first:last + 1])
        if g.taken:
            self._take(g.new_len, g.old_len - 1)
        self._put(g.old_len, new[g.old_len:])
        return g

    def _put(self, at: int, rows: list[dict]) -> None:
        """Insert `rows` before row `at` (in `ordered` order there)."""
        if not rows:
            return
        self.beginInsertRows(QModelIndex(), at, at + len(rows) - 1)
        self.rows[at:at] = rows
        self._texts[at:at] = [None] * len(rows)
        if self.timed:
            self._times[at:at] = [int(r.get("t", 0)) for r in rows]
        self._count_played()
        self.endInsertRows()

    def _take(self, first: int, last: int) -> None:
        """Remove rows `first` to `last`."""
        self.beginRemoveRows(QModelIndex(), first, last)
        del self.rows[first:last + 1], self._texts[first:last + 1]
        if self.timed:
            del self._times[first:last + 1]
        self._count_played()
        self.endRemoveRows()

    def _count_played(self) -> None:
        self.played = bisect.bisect_right(self._times, self.now) if self.timed else \
            len(self.rows)

    def search_text(self, row: int) -> str:
        """Row `row`'s lower-case text a search matches (`search_text`), made once."""
        text = self._texts[row]
        if text is None:
            text = self._texts[row] = search_text(self.columns, self.rows[row])
        return text

    # --- time ------------------------------------------------------------------------------
    def set_time(self, t: int) -> None:
        """Rows after `t` are dimmed; the last row at or before `t` is the current one."""
        self.now = t
        if not self.timed:
            return
        played = bisect.bisect_right(self._times, t)
        if played == self.played:
            return
        lo, hi = sorted((self.played, played))
        self.played = played
        # rows whose dimming changed, plus the old and new current rows (a preferred one too,
        # let go once the clock has left its moment)
        first, last = max(0, lo - 1), min(len(self.rows) - 1, hi)
        if self.preferred is not None:
            first = min(first, self.preferred)
            if self.current_row() != self.preferred:
                self.preferred = None
        if first <= last:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1),
                                  [Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole,
                                   Qt.ItemDataRole.FontRole])

    def time_of(self, row: int) -> int:
        """The time (ms) the clock reaches row `row` at."""
        return self._times[row] if self.timed else 0

    def current_row(self) -> int:
        """Index of the last row at or before now - or the row `prefer`red at its moment -
        or -1 (always, for rows of no time: the Session tab's last fact was the "current"
        row, and the tab opened scrolled to it)."""
        if not self.timed:
            return -1
        last, p = self.played - 1, self.preferred
        if p is not None and 0 <= p < last and self._times[p] == self._times[last]:
            return p
        return last

    def prefer(self, row: int | None) -> None:
        """Row `row` (picked) is the current one while the clock is at its moment."""
        was, self.preferred = self.current_row(), row
        now = self.current_row()
        for r in {was, now} - {-1}:
            self.dataChanged.emit(self.index(r, 0), self.index(r, len(self.columns) - 1),
                                  [Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.AccessibleDescriptionRole])

    # --- Qt model API ----------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # asked for every visible cell and role at each repaint (a seek: ~550 calls)
        if role not in _ROLES or not index.isValid():
            return None
        r = index.row()
        row = self.rows[r]
        col = self.columns[index.column()]
        if role == _DISPLAY:
            return col.text(row)
        if role == _FOREGROUND:
            if self.timed and r >= self.played:
                return _FUTURE_BRUSH
            c = col.colour(row) if col.colour else None
            return QBrush(c) if c is not None else None
        if role == _BACKGROUND:
            return _CURRENT_BRUSH if self.timed and r == self.current_row() else None
        if role == _FONT:
            return _future_font() if self.timed and r >= self.played else None
        if role == _ALIGN:
            return int(col.align)
        if role == _ACCESSIBLE:
            if not self.timed or r < self.played - 1 and r != self.current_row():
                return None
            return PLAYED_NOW if r == self.current_row() else \
                None if r < self.played else STILL_TO_COME
        if role == _TOOLTIP:
            return plain_tip(col.tooltip(row) if col.tooltip else (col.text(row) or None))
        if role == ROW_ROLE:
            return row
        if role == TIME_ROLE:
            return int(row.get("t", 0))
        v = col.raw(row)   # SORT_ROLE
        return v if isinstance(v, (int, float)) else ("" if v is None else str(v))


class RowsFilter(QSortFilterProxyModel):
    """Text search over all columns + an optional predicate set by the tab."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        # What a row shows changes with the time (dimmed after it), never whether it
        # passes: a dynamic filter asked filterAcceptsRow again for every row a seek
        # dimmed or lit (a million-event session: 30,000 rows, 80 ms per seek on the UI
        # thread). Rows added later are filtered all the same; `_change` re-filters.
        self.setDynamicSortFilter(False)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._needle = ""
        self.predicate: Callable[[dict], bool] | None = None

    def set_text(self, text: str) -> None:
        self._change(lambda: setattr(self, "_needle", text.strip().lower()))

    def set_predicate(self, predicate: Callable[[dict], bool] | None) -> None:
        self._change(lambda: setattr(self, "predicate", predicate))

    def _change(self, update: Callable[[], None]) -> None:
        """Filter again, telling the views once (`layoutChanged`) that the rows changed.
        Qt's filter change removes and inserts the rows that stop or start passing range
        by range: a keystroke in the 4-hour session's Network tab sent thousands of such
        signals to the table, its header and the row count (~110 ms of the UI thread)."""
        update()
        self.invalidate()

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:  # noqa: N802
        model: TimedRowsModel = self.sourceModel()  # type: ignore[assignment]
        row = model.rows[source_row]
        if self.predicate is not None and not self.predicate(row):
            return False
        return not self._needle or self._needle in model.search_text(source_row)
