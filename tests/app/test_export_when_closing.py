"""Closing a player's tab, or the window, while the player is exporting (the export runs in a
thread behind a busy dialog that shows only after half a second: the tab's close button and
Ctrl+W still work until then). The tab went at once - its player deleted under the export
still running, whose end then touched the deleted dialog (a crash) - and the window closed
the store the export was reading. Now the export finishes first: the file is written whole,
said in the status bar, and the tab's player (or the window) goes once it has."""
from __future__ import annotations

import json
import threading

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
import pytest
from browser_sessions import filled_folder
from PySide6.QtCore import QSettings, QTimer

from app.window.main_window import MainWindow

GATE_S = 60   # how long an export waits at most for the test to let it go on (never, passing)


@pytest.fixture
def data(tmp_path):
    return filled_folder(tmp_path)


@pytest.fixture
def window(qtbot, data, tmp_path):
    w = MainWindow(data, settings=QSettings(str(tmp_path / "settings.ini"),
                                            QSettings.Format.IniFormat), thumbnails=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def _held_export(player, monkeypatch) -> threading.Event:
    """The player's recording read by its export only once the returned event is set: the
    export is surely under way (its thread waiting) when the test closes something."""
    go = threading.Event()
    src = player.shown_source()
    read = src.events

    def events():
        go.wait(GATE_S)
        yield from read()
    monkeypatch.setattr(src, "events", events)
    return go


def _during_export(then) -> None:
    """`then()` once the export started next is under way (from its event loop)."""
    QTimer.singleShot(0, then)


def _requests(out) -> int:
    return len(json.loads(out.read_text())["log"]["entries"])


def test_closing_a_tab_while_it_exports_finishes_the_file_then_lets_the_player_go(
        window, qtbot, tmp_path, monkeypatch):
    player = window.wait_opened(window.open_session("ada-checkout"))
    player.wait_ready()
    whole = player.export_menu.export("har", tmp_path / "first.har")   # (nothing closed)
    go = _held_export(player, monkeypatch)
    tabs = window.sessions
    gone = []
    player.destroyed.connect(lambda: gone.append(True))

    def close_tab() -> None:
        try:
            tabs.close_tab(tabs.indexOf(player))
            assert tabs.indexOf(player) == -1 and tabs.find("ada-checkout") is None   # at once
        finally:
            go.set()
    _during_export(close_tab)
    out = player.export_menu.export("har", tmp_path / "bug.har")
    assert out == tmp_path / "bug.har" and _requests(out) == _requests(whole)
    assert not (tmp_path / "bug.har.tmp").exists()
    assert "written to" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: bool(gone), timeout=10_000)   # the player goes once it is written
    assert tabs.count() == 1


def test_closing_the_window_while_a_player_exports_closes_it_once_the_file_is_written(
        window, qtbot, tmp_path, monkeypatch):
    player = window.wait_opened(window.open_session("ada-checkout"))
    player.wait_ready()
    go = _held_export(player, monkeypatch)
    said = []

    def close_window() -> None:
        try:
            window.close()
            said.append(window.statusBar().currentMessage())
            assert window.store is not None   # (the export reads from it still)
        finally:
            go.set()
    _during_export(close_window)
    out = player.export_menu.export("playwright", tmp_path / "steps.py")
    assert out is not None and out.read_text().startswith(('"""', "#", "import", "from"))
    assert not (tmp_path / "steps.py.tmp").exists()
    assert "steps.py" in said[0]   # why the window stays a moment
    qtbot.waitUntil(lambda: window.store is None and not window.isVisible(), timeout=10_000)
