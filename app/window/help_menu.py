"""The app's Help menu: the keys (the window's menus' and the player's, read from where they
are defined, so the list cannot drift) and About (version, data folder, compiled core)."""
from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenuBar, QMessageBox, QWidget

from player.qt.replay_widget import COPY_LINK_KEYS, PLAYER_KEYS

from ..record import BUG_PANEL_KEYS, MARK_BUG_KEYS, RECORD_KEYS


def key_rows(menus: QMenuBar) -> list[tuple[str, str]]:
    """(keys, what they do): the menus' actions with a shortcut - each named as its menu
    names it, and what it does as its status tip says - then the player's keys."""
    rows = []
    for menu_action in menus.actions():
        menu = menu_action.menu()
        for act in menu.actions() if menu is not None else ():
            seq = act.shortcut()
            if not seq.isEmpty():
                name, tip = act.text().replace("&", "").rstrip("…"), act.statusTip()
                rows.append((seq.toString(QKeySequence.SequenceFormat.NativeText),
                             f"{name}: {tip[:1].lower()}{tip[1:]}" if tip else name))
    seen = set()
    for seq, what, _act in PLAYER_KEYS:
        if what not in seen:   # (two keys zoom in: the first is listed)
            seen.add(what)
            rows.append((f"{seq} (player)", what))
    rows.append((f"{COPY_LINK_KEYS} (player)", "copy a replay:// link to the moment on show"))
    rows += LIST_AND_MOUSE
    return rows


# what no menu action nor player key names: the lists' keys, the timeline's gestures
LIST_AND_MOUSE = [
    ("Enter (sessions list)", "open the selected session"),
    ("Delete (sessions list)", "delete the selected sessions, after asking (Shift+click or"
                               " Ctrl+click selects several, Ctrl+A all those listed)"),
    ("Up/Down, Enter (dev-tools table)", "move through the rows; Enter jumps to the row's"
                                         " moment and shows its details"),
    ("Ctrl+Tab (dev-tools table)", "go to the next dev-tools tab (Left/Right when the tab bar"
                                   " has the focus)"),
    ("Ctrl+C (dev-tools table)", "copy the selected row as its details show it (or"
                                 " right-click > Copy)"),
    (f"{MARK_BUG_KEYS} (Record page, recording)", "mark the moment the bug shows: the stored"
                                                  " session opens on it (the last press wins)"),
    (f"{RECORD_KEYS} (Record page)", "Record, or Stop and store the recording"),
    (f"{BUG_PANEL_KEYS} (Record page)", "show or hide the bug panel (title, notes, steps)"),
    ("Click or drag (timeline)", "go to that moment"),
    ("Shift+drag (timeline)", "select a range for Export to write (Shift+click clears it)"),
]


KEYS_WIDTH = 720   # px: the keys' table, its sentences on a line or two (a message box's
# own width made a column of three-word lines)


def show_keys(parent: QWidget, menus: QMenuBar) -> QMessageBox:
    table = "".join(f"<tr><td style='white-space:nowrap'><b>{escape(k)}</b>&nbsp;&nbsp;</td>"
                    f"<td>{escape(w)}</td></tr>" for k, w in key_rows(menus))
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts",
                      f"<table width={KEYS_WIDTH}>{table}</table>",
                      QMessageBox.StandardButton.Close, parent)
    box.setObjectName("keysHelp")
    box.open()
    return box


def show_about(parent: QWidget, data_dir: Path) -> QMessageBox:
    from recorder import compiled

    from ..cli import installed_version

    names = compiled()
    text = (f"<b>Session Replay {escape(installed_version())}</b><br>Local, privacy-first session replay."
            f"<br><br>Data folder: {escape(str(data_dir))}<br>Compiled core: "
            f"{escape(', '.join(names)) if names else 'none (pure Python)'}<br><br>"
            "`replay --help` lists the commands; the project's README says what each command"
            " and page does.")
    box = QMessageBox(QMessageBox.Icon.Information, "About Session Replay", text,
                      QMessageBox.StandardButton.Close, parent)
    box.setObjectName("aboutBox")
    box.open()
    return box
