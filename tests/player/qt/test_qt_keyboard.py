"""The player with the keyboard alone, and as a screen reader reads it (a support engineer
who cannot use a mouse): Tab goes through the player's controls and never into the replayed
page, the dev-tools rows are walked with the arrows and Enter jumps to a row's moment, a
focused control gets the keys it uses, and the controls drawn as icons or painted have
names. Real widgets, driven by key events (QTest), on the demo session."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication

from player.qt.devtools.models import TIME_ROLE
from tests.player.qt.players import demo_player

SIZE = (1440, 860)   # the player in the app's window at its default size
TABS_TRIED = 40      # Tab presses: more than the player's controls, fewer than a page's links


@pytest.fixture(scope="module")
def player(qapp, tmp_path_factory):
    with demo_player(tmp_path_factory.mktemp("data"), SIZE, indexed=True) as w:
        yield w


@pytest.fixture
def keys(player, qtbot):
    """The player active, at its start, paused at 1x: keys go where focus is."""
    player.activateWindow()
    qtbot.waitUntil(player.isActiveWindow)
    player.controller.pause()
    player.controller.set_speed(1.0)
    player.seek_and_wait(0)
    player.setFocus()
    return player


def focused():
    return QApplication.focusWidget()


def name(widget) -> str:
    """What a screen reader says the widget is (its accessible interface's name)."""
    return QAccessible.queryAccessibleInterface(widget).text(QAccessible.Text.Name)


def tab_through(qtbot, start, presses: int = TABS_TRIED) -> list:
    widgets = []
    for _ in range(presses):
        qtbot.keyClick(focused() or start, Qt.Key.Key_Tab)
        widgets.append(focused())
    return widgets


def test_tab_goes_through_the_controls_never_into_the_replayed_page(keys, qtbot):
    """The web view's own widget took focus by Tab (QWebEngineView's NoFocus does not reach
    it): Tab went on through each link of the replayed page - a page of a hundred links is
    a hundred presses - and keys typed there reached it. The transport row's controls took
    no focus at all: Skip inactivity, the Legend and Export had no key to reach them."""
    seen = tab_through(qtbot, keys)
    assert not [w for w in seen if w is not None and keys.stage.view.isAncestorOf(w)]
    tl = keys.timeline
    for control in (tl.play_button, tl.speed_box, tl.skip_box, tl.legend_button,
                    keys.export_menu.button, keys.page_bar.fit_button,
                    keys.devtools.tabBar()):
        assert control in seen, control
    assert None not in seen   # focus is never lost on the way
    # in the order the row draws them: Skip inactivity, Export, then the Legend
    first = [seen.index(c) for c in (tl.skip_box, keys.export_menu.button, tl.legend_button)]
    assert first == sorted(first), first


def test_arrows_walk_the_rows_and_enter_jumps_to_the_rows_moment(keys, qtbot):
    """Up and Down were the player's speed keys wherever the focus was: in a dev-tools
    table they changed the speed and the rows stayed; Enter on a row did nothing (only a
    click jumped there)."""
    pane = keys.devtools
    pane.setCurrentWidget(pane.tabs["console"])
    tab = pane.tabs["console"]
    tab.table.setFocus(Qt.FocusReason.TabFocusReason)   # (on its first row)
    assert tab.table.currentIndex().row() == 0
    qtbot.keyClick(tab.table, Qt.Key.Key_Down)
    qtbot.keyClick(tab.table, Qt.Key.Key_Down)
    assert keys.controller.speed == 1.0
    row = tab.table.currentIndex()
    assert row.row() == 2
    moment = tab.moment(tab.proxy.index(2, 0).data(TIME_ROLE))
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    assert keys.current_ms() == moment > 0
    assert tab.detail.isVisible() and tab.detail.toPlainText()   # its stack, as a click shows
    qtbot.keyClick(tab.table, Qt.Key.Key_Up)
    assert tab.table.currentIndex().row() == 1 and keys.controller.speed == 1.0
    # Left and Right stay the player's in a table (its rows are picked whole)
    qtbot.keyClick(tab.table, Qt.Key.Key_Right)
    assert keys.current_ms() == moment + 5000


@pytest.mark.parametrize("key", [Qt.Key.Key_Down, Qt.Key.Key_Return])
def test_down_or_enter_in_a_tabs_filter_goes_to_its_rows(keys, qtbot, key):
    """In a dev-tools tab's filter box, Down fell through to the player's speed key (0.5x,
    silently) and Enter did nothing (a support engineer's tryout): both go to the rows, as
    Down in the Sessions list's search does."""
    pane = keys.devtools
    tab = pane.tabs["network"]
    pane.setCurrentWidget(tab)
    moment = tab.proxy.index(3, 0).data(TIME_ROLE)   # the clock at the fourth request
    keys.seek_and_wait(tab.moment(moment))
    tab.table.setCurrentIndex(tab.proxy.index(-1, -1))   # nothing picked
    tab.table.clearSelection()
    tab.search.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(tab.search, key)
    assert keys.controller.speed == 1.0
    assert focused() is tab.table
    assert tab.table.currentIndex().row() == tab.proxy.mapFromSource(
        tab.model.index(tab.model.current_row(), 0)).row() >= 3   # the clock's row
    row = tab.table.currentIndex().row()
    qtbot.keyClick(tab.table, Qt.Key.Key_Down)   # then the rows' own Down
    assert keys.controller.speed == 1.0 and tab.table.currentIndex().row() == row + 1


def test_the_dev_tools_tabs_change_by_keys(keys, qtbot):
    """On the focused tab bar Left and Right seeked 5 s instead of changing the tab; from a
    table, Ctrl+Tab is the next tab (Tab went from cell to cell, and never out)."""
    pane = keys.devtools
    pane.setCurrentIndex(0)
    bar = pane.tabBar()
    bar.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(bar, Qt.Key.Key_Right)
    assert pane.currentIndex() == 1 and keys.current_ms() == 0
    qtbot.keyClick(bar, Qt.Key.Key_Left)
    assert pane.currentIndex() == 0
    table = pane.currentWidget().table
    table.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert focused() is not table   # Tab leaves the table
    table.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(table, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert pane.currentIndex() == 1


def test_space_presses_the_focused_control_elsewhere_plays(keys, qtbot):
    """Space is play/pause from anywhere in the player but a focused button or check box:
    there it presses it, as everywhere else on the desktop."""
    skip = keys.timeline.skip_box
    was = skip.isChecked()
    skip.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(skip, Qt.Key.Key_Space)
    assert skip.isChecked() is not was and not keys.controller.playing
    skip.setChecked(was)
    keys.setFocus()
    qtbot.keyClick(keys, Qt.Key.Key_Space)
    assert keys.controller.playing
    keys.pause()


def test_icons_and_painted_controls_have_names(keys):
    """A screen reader said "button" for the play button (an icon), nothing for the painted
    timeline, the replayed page or a dev-tools table, and "minus" for zoom out."""
    tl, bar = keys.timeline, keys.page_bar
    assert name(tl.play_button) == "Play"
    keys.controller.play()
    assert name(tl.play_button) == "Pause"
    keys.pause()
    assert name(tl.bar) == "Timeline" and "Left and Right" in tl.bar.accessibleDescription()
    assert name(keys.stage) == "Replayed page"
    assert (name(bar.out_button), name(bar.in_button)) == ("Zoom out", "Zoom in")
    assert name(bar.url) == "Page URL"
    for title, tab in keys.devtools.tabs.items():
        assert name(tab.table).lower() == title
        assert name(tab.search) == tab.search.placeholderText()


def test_rows_say_in_words_what_their_colours_say(keys):
    """Rows after the player's moment are grey and italic, the current one highlighted: a
    screen reader heard neither. Each says it as its accessible description."""
    from player.qt.devtools.models import PLAYED_NOW, STILL_TO_COME
    tab = keys.devtools.tabs["console"]
    keys.devtools.setCurrentWidget(tab)   # (the tab shown follows the clock)
    t = tab.proxy.index(3, 0).data(TIME_ROLE)
    keys.seek_and_wait(tab.moment(t))
    said = [tab.proxy.index(r, 0).data(Qt.ItemDataRole.AccessibleDescriptionRole)
            for r in range(tab.proxy.rowCount())]
    now = said.index(PLAYED_NOW)
    assert now >= 3 and said[:now] == [None] * now
    assert said[now + 1:] and set(said[now + 1:]) == {STILL_TO_COME}
