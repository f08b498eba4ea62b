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

from app.commands.demo import DEMO
from player.qt.replay_widget import ReplayWidget
from player.qt.standalone import dispose
from recorder.source import open_recording

SIZE = (1440, 860)   # the player in the app's window at its default size
TABS_TRIED = 40      # Tab presses: more than the player's controls, fewer than a page's links


@pytest.fixture(scope="module")
def player(qapp, tmp_path_factory):
    src = open_recording(str(DEMO), tmp_path_factory.mktemp("data"))
    w = ReplayWidget(src)
    w.resize(*SIZE)
    w.show()
    w.wait_ready()
    w.wait_indexed()
    yield w
    dispose(w)
    src.close()


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
