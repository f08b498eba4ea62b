"""The privacy workspace's read-only tables (Dry run, Audit, History, Given to pages)."""
from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from player.qt.plain_text import plain_tip


def table(headers: list[str], stretch: int = -1) -> QTableWidget:
    """A read-only table of rows, its headers capitalised as the app's other tables have
    them; the column `stretch` (the last one by default) takes the room the others leave."""
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.horizontalHeader().setSectionResizeMode(range(len(headers))[stretch],
                                              QHeaderView.ResizeMode.Stretch)
    fit_columns(t)   # the headers whole before any row (once "m (what decided")
    return t


def fit_columns(t: QTableWidget) -> None:
    """Every column but the one that stretches as wide as its contents; that one takes the
    rest (resized to its contents too, a long audit note made it 1,100 px wide, its header
    off to the right behind a scroll bar; its cells' tooltips say them whole)."""
    head = t.horizontalHeader()
    for j in range(t.columnCount()):
        if head.sectionResizeMode(j) != QHeaderView.ResizeMode.Stretch:
            t.resizeColumnToContents(j)


def fill(t: QTableWidget, rows: list[list[str | tuple[str, str]]]) -> None:
    """The table's rows: a cell is its text (its tooltip too, whole when the column cuts it),
    or (text, tooltip) - a short text whose whole sentence is on hover."""
    t.setRowCount(len(rows))
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            text, tip = v if isinstance(v, tuple) else (v, v)
            item = QTableWidgetItem(text)
            item.setToolTip(plain_tip(tip))
            t.setItem(i, j, item)
    fit_columns(t)
