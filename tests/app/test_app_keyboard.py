"""The app's window with the keyboard alone, and as a screen reader names it: Tab leaves the
sessions list and a bug's notes, closing a player tab gives the focus back to the list it
was opened from, the list's search box and filters have names. Real widgets, driven by key
events (QTest), offscreen on a real store."""
from __future__ import annotations

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
import pytest
from browser_sessions import fill
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication

from app.window.main_window import MainWindow
from app.window.report_dialog import ReportDialog
from player.qt.replay_widget import ReplayWidget
from recorder.store import Store

TABS_TRIED = 30   # more Tab presses than the sessions page has controls


@pytest.fixture
def window(qtbot, tmp_path):
    data = tmp_path / "data"
    with Store.open(data) as store:
        fill(store)
    w = MainWindow(data, settings=QSettings(str(tmp_path / "settings.ini"),
                                            QSettings.Format.IniFormat), thumbnails=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    yield w
    w.close()


def focused():
    return QApplication.focusWidget()


def name(widget) -> str:
    return QAccessible.queryAccessibleInterface(widget).text(QAccessible.Text.Name)


def test_tab_leaves_the_sessions_list(window, qtbot):
    """Tab went from cell to cell of the list (fourteen columns a session) and at its last
    cell stayed there: the keyboard never got out of the list but by the mouse."""
    table = window.browser.table
    table.setFocus(Qt.FocusReason.TabFocusReason)
    for _ in range(TABS_TRIED):
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
        if focused() is not table:
            break
    assert focused() is not table and focused() is not None
    qtbot.keyClick(focused(), Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert focused() is table   # and Shift+Tab comes back


def test_closing_a_player_tab_gives_the_focus_back_to_the_list(window, qtbot):
    """Ctrl+W on a player tab left the focus on the window's left navigation: the person
    was one Tab press and an arrow away from the list they had opened the session from."""
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.browser.search, "bob")
    qtbot.keyClick(window.browser.search, Qt.Key.Key_Down)
    qtbot.keyClick(window.browser.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.sessions.count() == 2, timeout=30_000)
    player = window.sessions.currentWidget()
    assert isinstance(player, ReplayWidget) and player.hasFocus()
    qtbot.keyClick(player, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.sessions.count() == 1
    assert focused() is window.browser.table
    assert window.browser.current_session() == "bob-browse"   # where they were


def test_tab_leaves_a_bugs_notes(window, qtbot):
    """Tab in the Notes box (record mode, a stored session's bug report) typed a tab
    character: the keyboard never reached Record or Save."""
    record = window.show_page("Record")
    notes = record.notes_edit
    notes.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClicks(notes, "Expected a total")
    qtbot.keyClick(notes, Qt.Key.Key_Tab)
    assert focused() is not notes and "\t" not in notes.toPlainText()
    dialog = ReportDialog("bob-browse", None, window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.notes_edit.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(dialog.notes_edit, Qt.Key.Key_Tab)
    assert focused() is not dialog.notes_edit and dialog.notes_edit.toPlainText() == ""


def test_the_list_and_its_filters_have_names(window):
    """A screen reader said nothing of the search box and the text filters (their words
    are placeholders, not names), the duration boxes or the list itself."""
    b = window.browser
    assert name(b.search) == "Search sessions"
    assert (name(b.user), name(b.url)) == ("User contains", "URL contains")
    assert name(b.min_minutes).startswith("Duration, at least")
    assert name(b.max_minutes).startswith("Duration, at most")
    assert name(b.table) == "Sessions"
    assert name(window.nav) == "Pages"
