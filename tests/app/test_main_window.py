"""The app's main window offscreen (pytest-qt), on a real store: the browser's search box
and facets, keyboard navigation, opening files by the menu and by a drop, importing with
progress, thumbnails painted in the background, the Settings page, and `replay` with no
command."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
import pytest
from browser_sessions import T0, filled_folder, session_events
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QApplication, QFileDialog, QLabel, QLineEdit, QMessageBox,
                               QPushButton)

from app.window.main_window import MainWindow
from player.qt.replay_widget import ReplayWidget
from player.qt.session_view import error_moment
from player.qt.steps_pane import BUG_MOMENT_LINK, STEP_ROLE
from recorder.store import Serving, Store


@pytest.fixture
def data(tmp_path):
    return filled_folder(tmp_path)


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, data, settings):
    w = MainWindow(data, settings=settings, thumbnails=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


@pytest.fixture
def recording(tmp_path):
    f = tmp_path / "bug.json"
    f.write_text(json.dumps(session_events(start_ms=T0 + 30 * 86_400_000, duration_ms=20_000,
                                           urls=["https://file.example/form"],
                                           errors=["from the file"], title="From a file")))
    return f


def shown(w: MainWindow) -> list[str]:
    return [r.id for r in w.browser.model.rows]


def test_the_title_ends_with_the_apps_name_once(window, data):
    """Qt adds the application's display name to a title that does not end with it: the
    window read "Session Replay — DIR — Session Replay"."""
    from player.qt.standalone import APP_NAME   # (the display name `application()` sets)
    assert window.windowTitle() == f"{data} — {APP_NAME}"


def test_typing_and_facets_change_the_rows(window, qtbot):
    b = window.browser
    assert shown(window) == ["dee-admin", "cy-admin", "bob-browse", "ada-checkout"]
    qtbot.keyClicks(b.search, "admin")
    assert set(shown(window)) == {"cy-admin", "dee-admin"}
    qtbot.mouseClick(b.has_errors, Qt.MouseButton.LeftButton)
    assert shown(window) == ["cy-admin"]
    assert b.count.text() == "1 of 4 sessions"
    b.search.clear()
    assert set(shown(window)) == {"ada-checkout", "cy-admin"}
    b.application.setCurrentIndex(b.application.findData("shop"))
    assert shown(window) == ["ada-checkout"]
    qtbot.mouseClick(b.has_errors, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(b.has_frustration, Qt.MouseButton.LeftButton)
    assert shown(window) == ["ada-checkout"]
    b.application.setCurrentIndex(0)
    assert set(shown(window)) == {"ada-checkout", "dee-admin"}
    # the Duration boxes' unit shows when they say "any" too (it read "any to any")
    unit = b.findChild(QLabel, "durationLabel")
    assert unit.text() == "Duration (min)" and unit.buddy() is b.min_minutes
    assert (b.min_minutes.text(), b.max_minutes.text()) == ("any", "any")
    b.min_minutes.setValue(1)
    assert b.min_minutes.text() == "1"
    assert shown(window) == ["ada-checkout"]
    qtbot.keyClicks(b.url, "login")
    assert shown(window) == []
    assert b.count.text() == "0 of 4 sessions"
    qtbot.mouseClick(b.clear, Qt.MouseButton.LeftButton)
    assert len(shown(window)) == 4 and b.url.text() == "" and not b.has_frustration.isChecked()


def test_date_and_user_facets(window, qtbot):
    b = window.browser
    qtbot.keyClicks(b.user, "example.com")
    assert shown(window) == ["ada-checkout"]
    b.user.clear()
    b.date.setCurrentIndex(b.date.count() - 1)          # Between…
    assert b.date_from.isVisible() and b.date_to.isVisible()
    b.date_from.setDate(b.date_from.date().fromString("2026-01-02", "yyyy-MM-dd"))
    b.date_to.setDate(b.date_to.date().fromString("2026-01-05", "yyyy-MM-dd"))
    assert shown(window) == ["cy-admin"]


def test_an_empty_list_says_why_in_its_middle_and_clears_its_filters(window, qtbot, tmp_path,
                                                                     settings):
    """A search matching nothing, and a first run, showed a blank white table - the only
    words a small footer ("0 of 4 sessions")."""
    b = window.browser
    assert not b.empty.isVisible()
    qtbot.keyClicks(b.search, "no such thing anywhere")
    assert shown(window) == [] and b.empty.isVisible()
    assert "No session matches the filters" in b.empty.text() and "4 sessions stored" in \
        b.empty.text()
    assert b.empty.geometry() == b.table.viewport().rect()   # centred in the list
    b.empty.linkActivated.emit("#clear")                     # its Clear filters link
    assert len(shown(window)) == 4 and not b.empty.isVisible() and b.search.text() == ""
    first = MainWindow(tmp_path / "nothing-yet", settings=settings, thumbnails=False)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    assert first.browser.empty.isVisible() and "No sessions stored yet" in \
        first.browser.empty.text() and "File &gt; Import" in first.browser.empty.text()
    first.close()


def test_keyboard_find_open_and_close(window, qtbot):
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.browser.search.hasFocus()
    qtbot.keyClicks(window.browser.search, "bob")
    qtbot.keyClick(window.browser.search, Qt.Key.Key_Down)     # into the table
    assert window.browser.table.hasFocus()
    qtbot.keyClick(window.browser.table, Qt.Key.Key_Return)    # Enter opens
    qtbot.waitUntil(lambda: window.sessions.count() == 2, timeout=30_000)
    player = window.sessions.currentWidget()
    assert isinstance(player, ReplayWidget)
    assert player.replayer.source.id == "bob-browse"
    assert window.sessions.tabText(1).startswith("bob-brow")
    # Enter in the search box with one session found opens it (it moved to the list first)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    window.browser.search.clear()
    qtbot.keyClicks(window.browser.search, "bob-browse")
    assert len(shown(window)) == 1
    with qtbot.waitSignal(window.browser.openRequested) as opened:
        qtbot.keyClick(window.browser.search, Qt.Key.Key_Return)
    assert opened.args == ["bob-browse"]
    qtbot.waitUntil(lambda: window.sessions.count() == 2, timeout=30_000)
    # the same session again comes to the front rather than opening twice
    window.sessions.setCurrentIndex(0)
    assert window.open_session("bob-browse") is None     # nothing to read
    assert window.sessions.count() == 2 and window.sessions.currentWidget() is player
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.sessions.count() == 1
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.sessions.count() == 1          # the browser tab stays
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert window.file_dialog is not None and window.file_dialog.isVisible()
    window.file_dialog.reject()


def test_clicking_a_header_sorts_and_keeps_the_filter(window, qtbot):
    from app.browser_model import Column

    window.browser.table.sortByColumn(Column.DURATION, Qt.SortOrder.AscendingOrder)
    assert shown(window) == ["dee-admin", "bob-browse", "ada-checkout", "cy-admin"]
    qtbot.mouseClick(window.browser.has_errors, Qt.MouseButton.LeftButton)
    assert shown(window) == ["ada-checkout", "cy-admin"]
    window.browser.table.sortByColumn(Column.DURATION, Qt.SortOrder.DescendingOrder)
    assert shown(window) == ["cy-admin", "ada-checkout"]


def sort_arrow(header, section: int) -> str:
    """Which way the sort arrow painted on `section` points ("up" or "down"). The pixels
    that change when the indicator is hidden are the arrow's and the label's (it moves
    over): the arrow is the rightmost run of changed columns, and a triangle is widest at
    its base."""
    def grab():
        return header.grab(header.rect()).toImage()
    with_arrow = grab()
    header.setSortIndicatorShown(False)
    without = grab()
    header.setSortIndicatorShown(True)
    x0 = header.sectionViewportPosition(section)
    changed = {(x, y) for x in range(x0, x0 + header.sectionSize(section))
               for y in range(with_arrow.height()) if with_arrow.pixel(x, y) != without.pixel(x, y)}
    x = max(x for x, _ in changed)
    arrow = set()
    while any((x, y) in changed for y in range(with_arrow.height())):
        arrow |= {(x, y) for y in range(with_arrow.height()) if (x, y) in changed}
        x -= 1
    rows = sorted({y for _, y in arrow})
    widths = [sum(yy == y for _, yy in arrow) for y in rows]
    assert len(widths) >= 3 and widths[0] != widths[-1], widths
    return "down" if widths[0] > widths[-1] else "up"


def test_the_sort_arrow_points_the_way_the_rows_go(window, qtbot):
    """Newest first showed an upward arrow, which most people read as ascending (Qt gives
    the style ascending as SortDown, which Fusion paints pointing down)."""
    from app.browser_model import Column

    table = window.browser.table
    header = table.horizontalHeader()
    assert shown(window)[0] == "dee-admin"               # the newest first, as it opens
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert sort_arrow(header, Column.START) == "down"
    x = header.sectionViewportPosition(Column.START) + header.sectionSize(Column.START) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert shown(window)[0] == "ada-checkout"            # the oldest first
    assert sort_arrow(header, Column.START) == "up"


def test_open_a_file_from_the_menu_shows_the_player_and_remembers_it(window, qtbot, recording,
                                                                      settings):
    window.open_action.trigger()
    dlg = window.file_dialog
    assert isinstance(dlg, QFileDialog) and dlg.isVisible()
    dlg.selectFile(str(recording))
    dlg.accept()
    qtbot.waitUntil(lambda: window.sessions.count() == 2, timeout=30_000)
    player = window.sessions.currentWidget()
    assert isinstance(player, ReplayWidget)
    assert window.sessions.tabText(window.sessions.currentIndex()) == "bug.json"
    player.wait_ready()
    assert player.replayer.duration_ms == 20_000
    assert window.recent_files() == [str(recording.resolve())]
    assert [a.statusTip() for a in window.recent_menu.actions()] == [str(recording.resolve())]
    # read, not stored
    assert len(shown(window)) == 4
    # an export from its menu is said in the status bar (it succeeded without a word)
    out = player.export_menu.export("har", recording.parent / "bug.har")
    assert out is not None and str(out) in window.statusBar().currentMessage()


def _drop(target, files) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)


@pytest.mark.parametrize("where", ["search box", "table", "window", "a player's page"])
def test_dropping_a_file_shows_the_player(window, qtbot, recording, where):
    tabs = 1
    if where == "a player's page":   # a web view would navigate to a dropped file
        from PySide6.QtWebEngineWidgets import QWebEngineView
        window.wait_opened(window.open_session("bob-browse")).wait_ready()
        view = window.sessions.currentWidget().findChild(QWebEngineView)
        target = view.focusProxy() or view
        tabs = 2
    else:
        target = {"search box": window.browser.search, "table": window.browser.table.viewport(),
                  "window": window}[where]
    _drop(target, [recording])
    qtbot.waitUntil(lambda: window.sessions.count() == tabs + 1, timeout=30_000)
    player = window.sessions.currentWidget()
    assert isinstance(player, ReplayWidget) and player.replayer.duration_ms == 20_000
    assert window.browser.search.text() == ""      # the path was not pasted


def test_datadog_uploads_dropped_together_open_as_one_session(window, qtbot, tmp_path,
                                                              fixtures_dir, data, capsys):
    """A support engineer dropped a proxy's request files of a customer's Datadog visit on
    the window: each opened alone in a tab of its own - its first segment a page with
    nothing after it, the next a page missing (said as a warning). Dropped together they
    are read as one, as `replay import` reads them: one tab, the whole visit, not stored."""
    import json

    from app.cli import main

    seg = json.loads((fixtures_dir / "datadog-segment.json").read_text())
    first, later = dict(seg, records=seg["records"][:3]), dict(seg, records=seg["records"][3:])
    assert later["records"][0]["type"] == 3   # (a change: the page after the first file)
    later.update(index_in_view=1, has_full_snapshot=False, creation_reason="segment_duration_limit",
                 start=later["records"][0]["timestamp"])
    first.update(end=first["records"][-1]["timestamp"], records_count=3)
    files = []
    for n, part in enumerate((first, later)):   # (as the SDK lays a segment out: records first)
        files.append(tmp_path / f"request-{n}.json")
        files[-1].write_text(json.dumps({"records": part["records"],
                                         **{k: v for k, v in part.items() if k != "records"}}))
    listed = shown(window)
    _drop(window, files)
    qtbot.waitUntil(lambda: window.sessions.count() == 2, timeout=30_000)
    player = window.sessions.currentWidget()
    player.wait_ready()
    assert window.sessions.tabText(1) == "request-0.json +1"
    assert "request-1.json" in window.sessions.tabToolTip(1)
    assert "(read from the files, Datadog uploads, not stored)" in window.sessions.tabToolTip(1)
    # the whole visit: what `replay import` of the same files stores
    assert main(["--data", str(tmp_path / "other"), "import", *map(str, files)]) == 0
    capsys.readouterr()
    assert main(["--data", str(tmp_path / "other"), "sessions", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    # up to the later file's change (Datadog's frustration and view-end records are not
    # carried: rrweb has none)
    assert player.replayer.duration_ms == row["duration_ms"] == \
        later["records"][0]["timestamp"] - first["records"][0]["timestamp"]
    assert len(list(player.source.events())) == row["record_count"]
    assert shown(window) == listed   # read, not stored
    # dropped again: its tab comes to the front (it was read again and let go in silence)
    window.sessions.setCurrentIndex(0)
    window.wait_opened(window.open_paths(files))
    assert window.sessions.count() == 2 and window.sessions.currentWidget() is player


@pytest.mark.parametrize("name, content, why", [
    ("notes.json", b"{ cut off", "not JSON"),
    ("empty.json", b"", "the file is empty"),
    ("notes.txt", b"remember the milk\n", "this is a text file (not JSON)"),
    ("picture.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "this is a PNG image"),
    ("events.js", b'const events = [{"type": 4}];', "this is JavaScript (`const events = [...]`),"
     " not JSON - remove `const events =`"),
], ids=["cut-json", "empty", "text", "png", "js"])
def test_a_file_that_is_no_recording_is_said_and_opens_nothing(window, qtbot, tmp_path, name,
                                                                content, why, demo_events):
    """One line about the file: which, what is wrong with it, what to open instead - it
    said to give a session id, which File > Open has no place for (a support engineer's
    tryout)."""
    bad = tmp_path / name
    bad.write_bytes(content)
    window.wait_opened(window.open_paths([bad]))
    assert window.sessions.count() == 1
    said = window.last_problem
    assert said.startswith(f"cannot open {name}: {why}") and "\n" not in said
    assert "session id" not in said and str(tmp_path) not in said
    if name == "empty.json":   # nothing to open instead: the whole file is another copy
        assert said.endswith("copy or export it again")
    elif name != "events.js":   # (JavaScript: the edit that makes it JSON is said instead)
        assert "a .replay bundle" in said and "rrweb JSON" in said   # what to open instead
    # a file opened next is not said to be that one: the bar no longer shows the problem
    good = tmp_path / "good.json"
    good.write_text(json.dumps(demo_events[:150]))
    assert window.wait_opened(window.open_paths([good])) is not None
    assert window.statusBar().currentMessage() == "", window.statusBar().currentMessage()


def test_a_file_cut_off_part_way_opens_what_decodes_and_says_where_it_breaks_off(
        window, qtbot, tmp_path, demo_events):
    """A customer's file cut in half: "cannot open demo-half.json: the JSON array breaks off
    after 150 whole events - open a recording instead: a .replay bundle or an rrweb JSON
    file" - it is one, and the window had no way to keep what decodes. It opens, up to the
    damage, and says so."""
    cut = tmp_path / "demo-half.json"
    whole = json.dumps(demo_events)
    cut.write_text(whole[:len(whole) // 2])
    player = window.wait_opened(window.open_paths([cut]))
    assert player is not None and window.sessions.count() == 2
    said = window.statusBar().currentMessage()
    assert re.fullmatch(r"demo-half\.json: the JSON array breaks off after \d+ whole events -"
                        r" read up to there", said), said
    assert window.last_problem is None


def test_a_bundle_cut_short_opens_what_decodes_and_says_its_report_is_lost(
        window, qtbot, tmp_path, demo_events):
    """A QA's bundle cut short on its way (the manifest, with the bug report, comes last):
    "not a readable .replay bundle" with no way on. Its whole segments open, and the bar
    says what was lost."""
    from recorder.bundle import write_bundle
    from recorder.source import MemorySource
    bundle = tmp_path / "bug.replay"
    write_bundle(bundle, MemorySource("cut-session", demo_events),
                 context={"bug": {"title": "Coupon does nothing"}})
    cut = tmp_path / "bug-cut.replay"
    cut.write_bytes(bundle.read_bytes()[:-300])
    player = window.wait_opened(window.open_paths([cut]))
    assert isinstance(player, ReplayWidget) and player.replayer.source.id == "cut-session"
    said = window.statusBar().currentMessage()
    assert re.fullmatch(r"bug-cut\.replay: the bundle is cut off or damaged \(\d+ whole segments?"
                        r" read; its manifest is lost, and with it the session's details and any"
                        r" bug report\) - read up to there", said), said


def test_import_from_the_menu_stores_and_lists_the_session(window, qtbot, recording, data):
    window.import_action.trigger()
    window.file_dialog.selectFile(str(recording))
    window.file_dialog.accept()
    assert window.import_job is not None
    qtbot.waitUntil(lambda: window.import_job is None, timeout=30_000)
    # the progress dialog followed the import to its end: the file read, then its last
    # stage, of unknown length (a busy bar, not one stopped at 100%)
    dlg = window.import_progress
    assert dlg.labelText().startswith("finishing bug.json: ")
    assert dlg.maximum() == 0
    # and ended with it: its delayed show has happened or was called off, and it is hidden
    qtbot.waitUntil(lambda: not any(t.isActive() for t in dlg.findChildren(QTimer)),
                    timeout=10_000)
    assert not dlg.isVisible()
    assert window.last_problem is None
    assert len(shown(window)) == 5
    new = window.browser.current_session()
    assert new is not None and new not in {"ada-checkout", "bob-browse", "cy-admin", "dee-admin"}
    with Store.open(data) as store:   # stored for real, with the file's error in the index
        assert store.sessions(url="file.example")[0].error_count == 1


def test_the_status_bar_says_what_an_import_really_did(window, qtbot, tmp_path, demo_events,
                                                      capfd, caplog):
    def imported(events, name: str = "first") -> str:
        f = tmp_path / f"{name}{len(events)}.json"
        f.write_text(json.dumps(events))
        window.import_paths([f])
        qtbot.waitUntil(lambda: window.import_job is None, timeout=30_000)
        return window.statusBar().currentMessage()

    assert imported(demo_events[:200]) == "Imported 1 file: 1 new session stored"
    assert imported(demo_events[:200]) == \
        "Nothing imported: 1 session already stored, nothing new"
    # what `replay import` notes of each file is in the window (the bar's tooltip), not on
    # the terminal the app was started from ("replay: note: …json: … already stored")
    noted = window.statusBar().toolTip().splitlines()[1]
    assert noted.startswith(str(tmp_path / "first200.json")) and noted.endswith(
        ": already stored, nothing new"), noted
    assert "replay:" not in capfd.readouterr().err
    # a longer copy of the same recording: what is new is appended to the stored session
    assert imported(demo_events) == \
        f"Imported 1 file: {len(demo_events) - 200} events appended to 1 stored session"
    assert window.last_problem is None and len(shown(window)) == 5
    # an id not usable as a file name: the one the ticket names, and the one to look up
    ticket = [dict(e, sessionId="ticket 4711/b") for e in demo_events[:200]]
    said = imported(ticket)
    assert said.startswith("Imported 1 file: 1 new session stored;"
                           " recorded id 'ticket 4711/b' stored as ticket_4711_b-"), said
    assert said.split(" stored as ")[1] in shown(window)
    # what the store warns of, with the summary
    shuffled = [dict(e, sessionId="shuffled") for e in demo_events[:200]]
    shuffled[50], shuffled[60] = shuffled[60], shuffled[50]
    caplog.clear()
    assert imported(shuffled, "shuffled").startswith("Imported 1 file: 1 new session stored")
    assert "earlier than an event before" in window.last_problem.split("\n\n")[1]
    assert "earlier than" not in caplog.text and "replay:" not in capfd.readouterr().err


def test_a_refused_import_is_reported_and_stores_nothing(window, qtbot, tmp_path, data):
    bad = tmp_path / "empty.json"
    bad.write_text("[]")
    window.import_paths([bad])
    qtbot.waitUntil(lambda: window.import_job is None, timeout=30_000)
    assert "empty.json" in (window.last_problem or "")
    assert len(shown(window)) == 4


def test_several_files_some_refused_keep_the_summary_and_speak_the_windows_words(
        window, qtbot, tmp_path, demo_events):
    """One file refused among several hid what the others did: the status bar showed the
    first refusal only, and a cut-off file's advice was "add --partial", a flag the window
    has not (a support engineer's tryout). The summary stays first, the box lists each."""
    good = tmp_path / "good.json"
    good.write_text(json.dumps(demo_events[:150]))
    cut = tmp_path / "cut.json"
    cut.write_text(json.dumps(demo_events)[:40_000])
    page = tmp_path / "page.json"
    page.write_text("<!DOCTYPE html>\n<html><body>Checkout</body></html>\n")
    window.import_paths([good, cut, page])
    qtbot.waitUntil(lambda: window.import_job is None, timeout=30_000)
    said = window.statusBar().currentMessage()
    assert said.startswith("Imported 1 file: 1 new session stored") and "2 files not" in said, said
    box = window.last_problem
    assert box.splitlines()[0] == said
    assert "cut.json" in box and "page.json: not imported - this is an HTML page" in box
    assert "--partial FILE` in a terminal" in box and "add --partial" not in box
    # beside a refusal, what was noted of the other files is in the box too (it was said
    # nowhere: "already stored" went with the tooltip of a summary the box replaced)
    window.import_paths([good, page])
    qtbot.waitUntil(lambda: window.import_job is None, timeout=30_000)
    assert any(line.startswith(f"{good}: ") and line.endswith(": already stored, nothing new")
               for line in window.last_problem.splitlines()), window.last_problem
    # what the store warned of names the file it warned of (which of several held it?)
    broken = tmp_path / "broken.json"
    events = [dict(e, sessionId="broken") for e in demo_events[:150]]
    events.insert(9, dict(events[9], timestamp="soon"))
    broken.write_text(json.dumps(events))
    window.import_paths([good, broken])
    qtbot.waitUntil(lambda: window.import_job is None, timeout=30_000)
    assert f"\n{broken}: skipping invalid event: event #9: missing or non-numeric" \
        in window.last_problem, window.last_problem


def test_pages_are_added_before_settings_and_settings_shows_the_rules(window, data):
    (data / "rules.toml").write_text('version = 3\ndefault = "mask"\n')
    assert window.page_titles() == ["Sessions", "Record", "Privacy", "Settings"]
    window.add_page("Extra", QLabel("extra"))
    assert window.page_titles() == ["Sessions", "Record", "Privacy", "Extra", "Settings"]
    page = window.show_page("Settings")
    assert window.pages.currentWidget() is page
    assert str(data) in page.folder.text()
    assert "version 3" in page.rules_source.text()
    assert 'default = "mask"' in page.rules_text.toPlainText()
    assert page.rules_text.isReadOnly()
    assert isinstance(window.show_page("Extra"), QLabel)
    assert window.show_page("Privacy") is window.privacy
    assert window.show_page("Record") is window.record


def test_settings_shows_the_rules_revision_the_privacy_page_saved(window, data):
    """Settings said "(version 1)" - the file format's - of rules at revision 2: it says
    the revision, as `replay mask` and the Privacy page do."""
    privacy = window.show_page("Privacy")
    for param in ("token", "token, email"):
        privacy.form.scrub.setPlainText(param)
        privacy.form.changed.emit()
        assert privacy.save()
    assert privacy.base_revision == 2
    source = window.show_page("Settings").rules_source.text()
    assert source == f"{data / 'rules.toml'} (revision 2)"
    assert "version" not in source


def test_window_size_and_appearance_persist(qtbot, data, settings):
    w = MainWindow(data, settings=settings, thumbnails=False)
    qtbot.addWidget(w)
    w.show()
    w.resize(700, 500)   # inside the offscreen screen (800x600): restoring clamps to it
    w.set_appearance("dark")
    size = (w.width(), w.height())
    assert size[1] == 500
    w.close()
    w2 = MainWindow(data, settings=settings, thumbnails=False)
    qtbot.addWidget(w2)
    assert w2.height() == size[1]   # (the width is clamped to the 800-px offscreen screen)
    assert settings.value("appearance") == "dark"
    w2.set_appearance("system")
    w2.close()


def test_thumbnails_are_painted_in_the_background_and_cached(qtbot, data, settings):
    w = MainWindow(data, settings=settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    t = w.thumbnails
    assert t.pixmap("bob-browse") is None          # not cached yet: queued, window goes on
    qtbot.waitUntil(lambda: t.idle(), timeout=120_000)
    assert t.failure("bob-browse") is None
    files = sorted((data / "thumbnails").glob("*.png"))
    assert files, "no thumbnail was cached"
    pm = t.pixmap("bob-browse")
    assert pm is not None and pm.width() <= 160 and pm.height() <= 100   # thumbnails.SIZE,
    assert max(pm.width() / 160, pm.height() / 100) > 0.98               # filled one way
    img = pm.toImage()
    # the page's light-blue body, not a blank or black frame
    colours = {img.pixelColor(x, y).name() for x in range(0, img.width(), 8)
               for y in range(0, img.height(), 8)}
    assert "#e8f0ff" in colours
    w.close()
    # a second window reads it from the cache, painting nothing
    w2 = MainWindow(data, settings=settings)
    qtbot.addWidget(w2)
    assert w2.thumbnails.pixmap("bob-browse") is not None and w2.thumbnails.idle()
    w2.close()


def test_replay_without_a_command_needs_a_screen(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    out = subprocess.run([sys.executable, "-m", "app", "--data", str(tmp_path / "d")],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("replay: error: no screen to show the app on")
    assert not (tmp_path / "d").exists()




@pytest.fixture(scope="module")
def large_recording(tmp_path_factory):
    """A recording long enough that reading it takes many event-loop turns, and past the
    player's BACKGROUND_ABOVE records, so its timeline is indexed in the background: a page
    and then that many mouse moves. (Moves, not a generated shop visit: what is typed in one
    is looked for again in every later string, so 60,000 of its events took 50 s of CPU
    to read, and these 2.5 s.)"""
    from player.replayer import BACKGROUND_ABOVE

    events = session_events(start_ms=T0, duration_ms=600_000, urls=["https://big.example/"],
                            title="Large")
    moves = BACKGROUND_ABOVE + 10_000
    events[-1:] = [{"type": 3, "timestamp": T0 + 2 + 9 * i, "data": {"source": 1, "positions": [
        {"x": i % 800, "y": i % 600, "id": 4, "timeOffset": 0}]}} for i in range(moves)]
    f = tmp_path_factory.mktemp("large") / "large.json"
    f.write_text(json.dumps(events))
    return f


def test_a_large_file_opens_while_the_window_keeps_running(window, qtbot, large_recording):
    job = window.open_paths([large_recording])
    # open_paths returned at once: the file is read in a worker thread, not here
    assert job is not None and job.running() and window.sessions.count() == 1
    beats: list[bool] = []     # one per heartbeat: whether the worker was still reading
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: beats.append(job.running()))
    heartbeat.start()
    labels: list[str] = []
    job.progress.connect(labels.append)
    player = window.wait_opened(job)
    heartbeat.stop()
    assert isinstance(player, ReplayWidget) and window.sessions.count() == 2
    assert window.sessions.tabText(1) == "large.json"
    # the UI thread's event loop turned all along: a freeze would leave no heartbeat
    assert sum(beats) >= 10, f"{sum(beats)} heartbeats while the file was read"
    assert window.open_progress.labelText().startswith("Reading")
    player.wait_ready()


def test_cancel_opens_nothing_and_says_so(window, qtbot, large_recording):
    job = window.open_paths([large_recording])
    window.open_progress.findChild(QPushButton).click()    # the progress dialog's Cancel
    assert window.wait_opened(job) is None
    assert window.sessions.count() == 1 and window.last_problem is None
    assert window.statusBar().currentMessage() == "Cancelled opening large.json"


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768)])
def test_with_a_player_tab_the_window_fits_a_small_screen(window, qtbot, size):
    player = window.wait_opened(window.open_session("bob-browse"))
    player.wait_ready()
    assert window.minimumSizeHint().width() <= size[0]
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size, timeout=5000)
    # the player, its pane and each dev-tools tab inside the window
    right = player.devtools.mapTo(window, player.devtools.rect().topRight()).x()
    assert right < window.width()
    bar = player.devtools.tabBar()
    assert all(bar.rect().contains(bar.tabRect(i)) for i in range(bar.count()))



@pytest.mark.parametrize("size", [(1024, 700), (1280, 720)])
def test_the_lists_columns_share_the_windows_width(window, qtbot, data, size):
    """At the window's smaller sizes the User column kept 220 px while the first URL and
    the error counts were cut (a support engineer's tryout): counts, durations and times
    are shown whole - headers (with the sort arrow's room) and values - the user as wide
    as its text up to a cap, and the first URL has the rest, cut as a URL reads."""
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QStyleOptionViewItem

    from app.browser_model import (SHRUNK_CHARS, STRETCHED, URL_MIN_CHARS, WHOLE, Column,
                                   cell_text, elide_url)
    from app.window.sessions_page import error_font, text_margin

    with Store.open(data) as store:   # a long session of a user with a long email, many errors
        store.ingest(session_events(
            start_ms=T0 + 20 * 86_400_000, duration_ms=3 * 3_600_000 + 5000,
            urls=["https://app.example.com/accounts/3/billing/invoices?page=2&sort=desc"] * 12,
            errors=[f"e{i}" for i in range(21)], rage=True), application="shop",
            user={"id": "u9", "email": "margaret.hamilton-longname@customer.example.com"},
            session_id="8dda0c07-b950-47ec-a5ea-3d25746042bf")
    window.reload_sessions()
    w, h = size
    window.resize(w, h)
    qtbot.waitUntil(lambda: window.size().toTuple() == (w, h), timeout=5000)
    b = window.browser
    table, head = b.table, b.table.horizontalHeader()
    plain, bold = QFontMetrics(table.font()), QFontMetrics(error_font(table.font()))
    margins = 2 * text_margin(table)
    assert len(b.model.rows) == 5
    for col in WHOLE:
        if col == Column.THUMBNAIL:
            continue
        width = head.sectionSize(col)
        assert width >= head.sectionSizeFromContents(col).width(), col.name
        for row in b.model.rows:
            text = cell_text(row, col)
            fm = bold if col == Column.ERRORS and row.info.error_count else plain
            assert fm.horizontalAdvance(text) + margins <= width, (col.name, text, width)
    assert head.sectionSize(Column.USER) < 220
    others = sum(head.sectionSize(c) for c in Column if c != STRETCHED)
    url_width = head.sectionSize(STRETCHED)
    # the first URL has the rest: its room, or on a 1024 screen what is left of it
    url_min = URL_MIN_CHARS if w >= 1280 else SHRUNK_CHARS
    assert url_width == table.viewport().width() - others >= plain.averageCharWidth() * url_min
    assert table.horizontalScrollBar().maximum() == 0   # nothing off to the side
    # the long URL keeps its host and its page
    ix = b.model.index(b.model.row_of("8dda0c07-b950-47ec-a5ea-3d25746042bf"), STRETCHED)
    option = QStyleOptionViewItem()
    option.initFrom(table)
    option.rect = table.visualRect(ix)
    table.itemDelegateForColumn(STRETCHED).initStyleOption(option, ix)
    assert option.text == elide_url(b.model.rows[ix.row()].info.first_url, url_width - margins,
                                    option.fontMetrics.horizontalAdvance)
    assert option.text.startswith("app.example.")
    assert w < 1280 or (option.text.startswith("app.example.com/") and "invoices" in option.text)
    assert option.fontMetrics.horizontalAdvance(option.text) + margins <= url_width

def test_the_list_shows_each_id_as_replay_sessions_does(window, qtbot, data):
    """A PostHog window's id read `0190a1b2-5e55…b-6c7d8e9f0a1b` in `replay sessions` and
    `0190a1b2…8e9f0a1b` in the app's list (Qt cut it again to fit a capped column): each
    id is the text app.ids.short_ids gives `replay sessions`, whole."""
    from PySide6.QtGui import QFontMetrics

    from app.browser_model import Column
    from app.ids import short_ids
    from app.window.sessions_page import text_margin

    window_id = "0190a1b2-5e55-7000-8000-00000000cafe.0190a1b2-c3d4-7e5f-8a9b-6c7d8e9f0a1b"
    with Store.open(data) as store:
        for sid in (window_id, "8dda0c07-b950-47ec-a5ea-3d25746042bf"):
            store.ingest(session_events(start_ms=T0 + 21 * 86_400_000, duration_ms=4000,
                                        urls=["https://shop.example/help"], errors=[]),
                         session_id=sid)
    window.reload_sessions()
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: window.size().toTuple() == (1280, 720), timeout=5000)
    b = window.browser
    ids = [r.id for r in b.model.rows]
    shown = short_ids(ids)
    assert {"0190a1b2-5e55…b-6c7d8e9f0a1b", "8dda0c07"} <= set(shown)
    room = b.table.horizontalHeader().sectionSize(Column.ID) - 2 * text_margin(b.table)
    fm = QFontMetrics(b.table.font())
    for i, text in enumerate(shown):
        assert b.model.data(b.model.index(i, Column.ID)) == text
        assert fm.horizontalAdvance(text) <= room, text   # (painted whole: not elided)


def test_delete_asks_then_erases_the_session_and_closes_its_tab(window, qtbot, data):
    from PySide6.QtWidgets import QMessageBox
    player = window.wait_opened(window.open_session("bob-browse"))
    assert window.sessions.find("bob-browse") is player
    window.sessions.setCurrentIndex(0)
    b = window.browser
    assert b.select_session("bob-browse")
    b.table.setFocus()
    qtbot.keyClick(b.table, Qt.Key.Key_Delete)            # asks first
    box = window.findChild(QMessageBox, "confirmDelete")
    assert box is not None and "bob-browse" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()  # nothing happens
    assert "bob-browse" in shown(window) and window.sessions.find("bob-browse") is not None
    qtbot.keyClick(b.table, Qt.Key.Key_Delete)
    box = next(x for x in window.findChildren(QMessageBox, "confirmDelete") if x.isVisible())
    next(x for x in box.buttons() if x.text() == "Delete").click()
    assert window.sessions.find("bob-browse") is None   # its tab closed before it goes
    qtbot.waitUntil(lambda: not window.erase_jobs, timeout=60_000)   # (erased in a thread)
    assert "bob-browse" not in shown(window)
    assert "Erased session bob-browse" in window.statusBar().currentMessage()
    with Store.open(data) as store:
        assert "bob-browse" not in [s.id for s in store.sessions()]
        assert len(store.sessions()) == 3


def test_several_sessions_picked_are_erased_at_once_after_one_question(window, qtbot, data):
    """A privacy officer erasing a customer's sessions (or support cleaning up) picked and
    deleted them one by one: the list takes Shift/Ctrl-clicks and Ctrl+A, Delete asks once
    naming each, and erases them all (in a thread), their open tabs closed."""
    from PySide6.QtWidgets import QMessageBox
    window.wait_opened(window.open_session("cy-admin"))
    window.sessions.setCurrentIndex(0)
    b = window.browser
    b.user.setText("@example.")   # ada@example.com and cy@example.org
    assert sorted(shown(window)) == ["ada-checkout", "cy-admin"]
    b.table.setFocus()
    qtbot.keyClick(b.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert sorted(b.selected_sessions()) == ["ada-checkout", "cy-admin"]
    assert b.count.text().startswith("2 of 4 sessions · 2 picked (Delete asks to erase them")
    qtbot.keyClick(b.table, Qt.Key.Key_Delete)
    box = next(x for x in window.findChildren(QMessageBox, "confirmDelete") if x.isVisible())
    assert box.text().startswith("Erase these 2 sessions?")
    assert "ada-checkout of ada@example.com" in box.text() and "cy-admin of cy@example.org" \
        in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert sorted(shown(window)) == ["ada-checkout", "cy-admin"]
    qtbot.keyClick(b.table, Qt.Key.Key_Delete)
    box = next(x for x in window.findChildren(QMessageBox, "confirmDelete") if x.isVisible())
    next(x for x in box.buttons() if x.text() == "Delete").click()
    assert window.sessions.find("cy-admin") is None
    qtbot.waitUntil(lambda: not window.erase_jobs, timeout=60_000)
    assert shown(window) == [] and window.statusBar().currentMessage() == "Erased 2 sessions"
    b.clear_filters()
    assert sorted(shown(window)) == ["bob-browse", "dee-admin"]
    with Store.open(data) as store:
        assert sorted(s.id for s in store.sessions()) == ["bob-browse", "dee-admin"]
    # a row picked with Ctrl+click joins the selection; the context menu speaks of both
    b.select_session("bob-browse")
    rect = b.table.visualRect(b.model.index(b.model.row_of("dee-admin"), 1))
    qtbot.mouseClick(b.table.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ControlModifier, rect.center())
    assert sorted(b.selected_sessions()) == ["bob-browse", "dee-admin"]
    b.refresh()   # a filter typed again keeps what is picked and still listed
    assert sorted(b.selected_sessions()) == ["bob-browse", "dee-admin"]
    # ... and nothing more: a row un-picked with Ctrl+click (the current one) stays un-picked
    # (the list read again on coming back to the window picked it again, for Delete to erase)
    qtbot.mouseClick(b.table.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ControlModifier, rect.center())
    assert b.selected_sessions() == ["bob-browse"] and b.current_session() == "dee-admin"
    b.refresh()
    assert b.selected_sessions() == ["bob-browse"]


def test_the_delete_question_names_sessions_as_the_list_shows_them(window, qtbot, data):
    """It listed full generated ids (`8dda0c07-b950-…`): nobody recognised what they were
    about to erase (a support engineer's tryout). Each is named as the list shows it - its
    short id, user, start and first URL - eight of them, then how many more."""
    from player.local_time import when_text

    uuids = [f"{k:08x}-b950-47ec-a5ea-3d25746042bf" for k in range(10)]
    with Store.open(data) as store:
        for k, sid in enumerate(uuids):
            store.ingest(session_events(start_ms=T0 + (40 + k) * 86_400_000, duration_ms=9000,
                                        urls=[f"https://shop.example/orders/{k}"]),
                         user={"id": f"u{k}", "email": f"buyer{k}@example.com"}, session_id=sid)
    window.reload_sessions()
    b = window.browser
    b.search.setText("buyer")
    assert len(b.model.rows) == 10
    b.table.setFocus()
    qtbot.keyClick(b.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(b.table, Qt.Key.Key_Delete)
    box = next(x for x in window.findChildren(QMessageBox, "confirmDelete") if x.isVisible())
    text = box.text()
    assert text.startswith("Erase these 10 sessions?")
    assert not any(sid in text for sid in uuids)          # no full generated id
    newest = b.model.rows[0]                              # (listed newest first, as there)
    said = (f"{newest.shown_id} of buyer9@example.com ({when_text(newest.info.start_ms)},"
            " shop.example/orders/9)")
    assert f">{said}<" in text
    assert text.count(" of buyer") == 8 and "… and 2 more" in text
    # each on a line of its own: the box is as wide as the longest
    label = box.findChild(QLabel, "qt_msgbox_label")
    assert label.width() >= label.fontMetrics().horizontalAdvance(said)
    box.button(QMessageBox.StandardButton.Cancel).click()

def test_sessions_whose_files_cannot_be_deleted_are_said_once_and_never_come_back(
        window, qtbot, data):
    """Erasing a selection on a disk that refuses some of it opened a box per session (a
    review), and an erased session whose folder refused its files came back at the next open
    (the store took them for a lost index's): what was refused is said once, with how many;
    the sessions are gone from the list, and their files go once the folder allows it."""
    if os.geteuid() != 0:
        pytest.skip("needs chattr +i (root) to make a session's folder refuse deletes")
    folders = [p for p in (data / "segments").glob("*/*") if p.name in ("ada-checkout",
                                                                        "cy-admin")]
    if subprocess.run(["chattr", "+i", *map(str, folders)], capture_output=True).returncode:
        pytest.skip("chattr +i is not allowed here")
    try:
        job = window.delete_sessions(["ada-checkout", "bob-browse", "cy-admin"])
        qtbot.waitUntil(lambda: not window.erase_jobs, timeout=60_000)
        assert job.erased == ["ada-checkout", "bob-browse", "cy-admin"]
        assert len(job.failures) == 2
        assert window.last_problem.startswith("2 files of session ada-checkout could not be"
                                              " deleted (the folder refused)")
        assert window.last_problem.endswith("(and 1 more like it)")
        boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
        assert len(boxes) == 1, [b.text() for b in boxes]
        with Store.open(data) as store:   # opened again while the folder still refuses
            assert sorted(s.id for s in store.sessions()) == ["dee-admin"]
    finally:
        subprocess.run(["chattr", "-i", *map(str, folders)], check=True)
    with Store.open(data) as store:
        assert sorted(s.id for s in store.sessions()) == ["dee-admin"]
    assert not any(f.exists() for f in folders)


def test_a_session_opened_from_the_list_leaves_no_progress_dialog_behind(window, qtbot):
    """Enter on a row opens it as a double-click does; its progress dialog ends with the
    job, even when the job ended before the dialog's delay: a dialog left on show is
    window-modal, and the player's keys (E: the next error) would not reach the player."""
    b = window.browser
    assert b.select_session("cy-admin")
    b.table.setFocus()
    with qtbot.waitSignal(window.playerOpened, timeout=60_000) as opened:
        qtbot.keyClick(b.table, Qt.Key.Key_Return)
    player = opened.args[0]
    qtbot.waitUntil(lambda: not window.open_jobs, timeout=60_000)
    player.wait_ready()
    player.wait_indexed()
    dlg = window.open_progress
    # its delayed show has happened or was called off: nothing can show it later
    qtbot.waitUntil(lambda: not any(t.isActive() for t in dlg.findChildren(QTimer)),
                    timeout=10_000)
    assert not dlg.isVisible()
    assert QApplication.activeModalWidget() is None
    player.setFocus()
    qtbot.keyClick(player, Qt.Key.Key_E)
    # cy-admin: its page at 0, its one error a quarter of its 15 minutes in (shown with what
    # its task changed)
    assert player.controller.time == error_moment(225_000)


def test_settings_names_the_applications_masked_with_rules_of_their_own(window, data):
    """Settings showed only the folder's rules while an application's sessions were masked
    with its own stricter ones (`replay app rules`): it names them."""
    from recorder.intake.apps import Applications

    page = window.show_page("Settings")
    assert page.app_rules.text().startswith("None: every application's sessions")
    apps = Applications(data)
    try:
        apps.create("support-site")
        apps.create("plain")
        apps.set_rules("support-site", 'version = 1\ndefault = "mask"\n[[rule]]\n'
                                       'selector = ".who"\nlevel = "hidden"\n')
    finally:
        apps.close()
    page.reload()
    text = page.app_rules.text()
    assert text.startswith("support-site (default level mask, 1 selector rule)")
    assert "plain" not in text and "replay app rules NAME" in text


def test_coming_back_to_the_app_shows_what_other_processes_stored(window, data, qtbot):
    """Sessions stored by another process while the app is open (`replay serve`, an import
    in a terminal, `replay mask` rewriting one) are listed when the person comes back to the
    window; a new user's tryout saw the old list and thumbnails until View > Refresh. Coming
    back with nothing changed reads nothing."""
    from PySide6.QtWidgets import QWidget
    before = set(shown(window))
    catalog = window.browser.catalog
    assert not window.catch_up() and window.browser.catalog is catalog
    elsewhere = QWidget()   # the person goes to another window...
    qtbot.addWidget(elsewhere)
    elsewhere.show()
    elsewhere.activateWindow()
    qtbot.waitUntil(lambda: not window.isActiveWindow())
    with Store.open(data) as other:   # ... where another process stores a session
        (sid,) = other.ingest(session_events(start_ms=T0 + 40 * 86_400_000, duration_ms=5_000,
                                             urls=["https://elsewhere.example/"]))
    assert sid not in shown(window)
    window.activateWindow()   # ... and comes back
    qtbot.waitUntil(lambda: sid in shown(window))
    assert set(shown(window)) == before | {sid}
    reread = window.browser.catalog
    assert reread is not catalog
    assert not window.catch_up() and window.browser.catalog is reread


def test_the_double_click_that_brings_the_window_back_opens_the_row_it_was_on(window, data,
                                                                               qtbot):
    """A visit arriving while the app was behind: the click that brought it back read the
    list again at once, a new row came in at the top, and the double-click's second click
    landed on the row that slid under the pointer - nothing opened, another session picked
    (a support engineer's tryout). The list is read again once the clicks are done."""
    from PySide6.QtWidgets import QWidget
    table = window.browser.table
    row = shown(window).index("bob-browse")
    where = table.visualRect(window.browser.model.index(row, 2)).center()
    elsewhere = QWidget()
    qtbot.addWidget(elsewhere)
    elsewhere.show()
    elsewhere.activateWindow()
    qtbot.waitUntil(lambda: not window.isActiveWindow())
    with Store.open(data) as other:   # the newest: listed first, the rows move down
        (sid,) = other.ingest(session_events(start_ms=T0 + 40 * 86_400_000, duration_ms=5_000,
                                             urls=["https://elsewhere.example/"]))
    window.catch_up_after_ms = 60_000   # (the clicks come now, however slow the machine)
    import traceback
    orig = window.reload_sessions
    def spy():
        traceback.print_stack(limit=6)
        orig()
    window.reload_sessions = spy
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    print("DBG", shown(window), table.indexAt(where).row())
    window.browser.openRequested.connect(lambda x: print("DBG open", x, shown(window)))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)   # a double-
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)  # click, as Qt
    qtbot.waitUntil(lambda: window.sessions.count() == 2, timeout=30_000)      # gets one
    assert window.sessions.currentWidget().replayer.source.id == "bob-browse"
    assert sid not in shown(window)   # not read under the clicks ...
    assert window.catch_up() and sid in shown(window)   # ... but once they are done


def test_a_bug_handed_over_opens_on_the_bug_with_its_steps(window, qtbot, tmp_path, data):
    """A bundle a QA exported with its report, opened by the developer - as a file (File >
    Open) and imported then opened from the list: the player opens on the bug's moment, its
    first tab the report (title, "Bug at", notes) and the steps, each a seek (a QA's tryout:
    it opened at 0:00 with the report only as rows of the Session tab)."""
    bug = tmp_path / "bug.replay"
    p = subprocess.run([sys.executable, "-m", "app", "--data", str(data), "export", "demo", "-o",
                        str(bug), "--title", "Coupon does nothing", "--notes", "Seen twice",
                        "--at", "30000"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([sys.executable, "-m", "app", "--data", str(data), "import", str(bug)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    sid = p.stdout.split()[0]
    window.reload_sessions()
    for open_it in (lambda: window.open_paths([bug]), lambda: window.open_session(sid)):
        player = window.wait_opened(open_it())
        assert isinstance(player, ReplayWidget)
        player.wait_ready()
        pane, tabs = player.steps_pane, player.devtools
        assert pane is not None and tabs.currentWidget() is pane
        assert pane.count > 3 and tabs.tabText(0) == f"Steps {pane.count}"
        summary = pane.summary.text()
        assert "Coupon does nothing" in summary and "Bug at 0:30.0" in summary and "Seen twice" in summary
        assert player.current_ms() == 30000                  # opened on the bug
        first = pane.list.item(0)
        pane.list.itemClicked.emit(first)
        assert player.current_ms() == min(int(first.data(STEP_ROLE)), player.controller.duration)
        pane.summary.linkActivated.emit(BUG_MOMENT_LINK)
        assert player.current_ms() == 30000


def test_a_bug_handed_over_is_titled_by_the_bug_in_its_tab(window, tmp_path, data):
    """Bundles opened (File > Open) were titled by their file names - QA's are all
    "bug.replay", so the tabs of several bugs could not be told apart (a support engineer's
    finding): a bug's title names its tab, cut when long, whole with the file in the
    tooltip; a bundle without a title keeps its file's name; "&" is shown, not a shortcut."""
    from app.window.main_window import TAB_TITLE
    from recorder.bug import BugReport, with_report
    from recorder.bundle import write_bundle

    long = "Cart & checkout: the total is wrong after the coupon is applied twice"
    bugs = {"titled": tmp_path / "a" / "bug.replay", "untitled": tmp_path / "b" / "bug.replay"}
    with Store.open(data) as store:
        for path, title in zip(bugs.values(), (long, "")):
            path.parent.mkdir()
            write_bundle(path, store.session("bob-browse"),
                         context=with_report(None, BugReport(notes="seen twice", title=title)))
    tabs = window.sessions
    player = window.wait_opened(window.open_paths([bugs["titled"]]))
    i = tabs.indexOf(player)
    shown = tabs.tabText(i).replace("&&", "&")   # (doubled: a single "&" marks a shortcut)
    assert tabs.tabText(i).startswith("Cart && checkout: the total")
    assert len(shown) == TAB_TITLE and shown.endswith("…") and long.startswith(shown[:-1])
    assert tabs.tabToolTip(i).splitlines()[:2] == [long, str(bugs["titled"].resolve())]
    player = window.wait_opened(window.open_paths([bugs["untitled"]]))
    assert tabs.tabText(tabs.indexOf(player)) == "bug.replay"
    assert tabs.tabToolTip(tabs.indexOf(player)).startswith(str(bugs["untitled"].resolve()))



def test_bug_report_on_a_files_tab_offers_its_stored_sessions(window, qtbot, tmp_path, data,
                                                             recording):
    """Ctrl+B on bug.replay's tab said "A file's session has no stored bug report: import it
    first" of a session stored in this data folder under the same id, with a report (a QA's
    tryout). The stored session's report is offered, the dialog saying whose it is (a file
    is never written); a file whose session is not stored keeps the hint."""
    from PySide6.QtWidgets import QLabel

    from recorder.bug import BugReport, with_report
    from recorder.bundle import write_bundle

    path = tmp_path / "bug.replay"
    with Store.open(data) as store:
        write_bundle(path, store.session("bob-browse"),
                     context=with_report(None, BugReport(title="The file's own title")))
        store.add_context("bob-browse", with_report(None, BugReport(title="As stored here")))
    player = window.wait_opened(window.open_paths([path]))
    player.wait_ready()
    player.seek(4000)
    dialog = window.report_on_show()
    assert dialog is not None and dialog.windowTitle() == "Bug report of session bob-browse"
    assert dialog.title() == "As stored here"
    about = dialog.findChild(QLabel, "aboutReport").text()
    assert about.startswith("bug.replay is not stored, but its session is"), about
    assert dialog.moment() == 4000   # the moment on show, the same session's
    dialog.reject()
    # a file of part of a session (its second page on) starts later in it: its moment on
    # show is offered on the stored session's clock (its own 0:01.0 was offered as the
    # session's)
    from recorder.rrweb_io import write_rrweb_json
    with Store.open(data) as store:
        events = list(store.session("ada-checkout").events())
        start = store.index.session("ada-checkout").start_ms
    second = [i for i, e in enumerate(events) if e["type"] == 4][1]
    part = tmp_path / "second-page.json"
    write_rrweb_json(part, events[second:], session_id="ada-checkout")
    later = events[second]["timestamp"] - start
    assert later > 1000
    player = window.wait_opened(window.open_paths([part]))
    player.wait_ready()
    player.seek(1000)
    dialog = window.report_on_show()
    assert dialog.windowTitle() == "Bug report of session ada-checkout"
    assert dialog.moment() == 1000 + later
    dialog.reject()
    # a file not stored here: said in words a person at the window follows (it said "give
    # --title and --notes to `replay export`", and that the file had no report, which it
    # may well carry - a tryout), with the import offered; imported, the report it was asked
    # for opens by itself, at the moment on show (it was left to ask for again), the file's
    # tab still in front
    from PySide6.QtWidgets import QMessageBox

    from app.window.main_window import IMPORT_FOR_REPORT
    from PySide6.QtWidgets import QLabel

    from app.window.report_dialog import ReportDialog
    tab = window.wait_opened(window.open_paths([recording]))
    tab.wait_ready()
    tab.seek(1500)
    assert window.report_on_show() is None
    assert window.last_problem.startswith(f"{recording.name} is not stored here"), \
        window.last_problem
    box = next(b for b in window.findChildren(QMessageBox) if b.isVisible()
               and b.text() == window.last_problem)
    next(b for b in box.buttons() if b.text() == IMPORT_FOR_REPORT).click()
    qtbot.waitUntil(lambda: window.import_job is None, timeout=30_000)
    (dialog,) = [d for d in window.findChildren(ReportDialog) if d.isVisible()]
    assert dialog.windowTitle() == f"Bug report of session {tab.session_id}"
    assert dialog.moment() == 1500
    assert window.sessions.currentWidget() is tab
    assert f"{recording.name}'s session is stored now: this is the stored session's report" \
        in dialog.findChild(QLabel, "aboutReport").text()
    dialog.reject()


def test_import_it_in_a_fresh_folder_opens_the_report_of_a_session_named_by_a_hash(
        qtbot, tmp_path, settings):
    """A file whose session id holds personal data, opened over a folder with nothing
    stored yet: its tab names the session by a hash of the process's own key; "Import it"
    made the folder's key and stored it under another hash - and the "not stored" box came
    back after every import (a reviewer's find). The file's one session is the one stored."""
    from recorder.rrweb_io import write_rrweb_json

    from app.window.main_window import IMPORT_FOR_REPORT
    from app.window.report_dialog import ReportDialog
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    w = MainWindow(fresh, settings=settings, thumbnails=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    f = tmp_path / "bug.json"
    write_rrweb_json(f, session_events(start_ms=T0, duration_ms=20_000,
                                       urls=["https://file.example/form"], title="x"),
                     session_id="cust-078-05-1120")
    tab = w.wait_opened(w.open_paths([f]))
    tab.wait_ready()
    assert w.report_on_show() is None
    box = next(b for b in w.findChildren(QMessageBox) if b.isVisible()
               and b.text() == w.last_problem)
    next(b for b in box.buttons() if b.text() == IMPORT_FOR_REPORT).click()
    qtbot.waitUntil(lambda: w.import_job is None, timeout=30_000)
    (stored,) = [i.id for i in Store.open(fresh).index.sessions()]
    assert stored != tab.session_id   # (the premise: the tab's hash is not the folder's)
    (dialog,) = [d for d in w.findChildren(ReportDialog) if d.isVisible()]
    assert dialog.windowTitle() == f"Bug report of session {stored}"
    dialog.reject()
    w.close()


def test_a_bugs_title_in_its_tabs_tooltip_is_shown_as_written(window, tmp_path, data):
    """A bundle is mailed by anyone: its title, read as HTML by the tab's tooltip, loaded a
    file named by it (`<img src=...>`) and painted the sender's words over the window."""
    from PySide6.QtGui import QTextDocument, Qt
    from recorder.bug import BugReport, with_report
    from recorder.bundle import write_bundle

    title = f'<img src="{tmp_path}/probe.png"><h1>Call +1 555 0100</h1>'
    path = tmp_path / "bug.replay"
    with Store.open(data) as store:
        write_bundle(path, store.session("bob-browse"),
                     context=with_report(None, BugReport(notes="", title=title)))
    tabs = window.sessions
    tip = tabs.tabToolTip(tabs.indexOf(window.wait_opened(window.open_paths([path]))))
    doc = QTextDocument()
    doc.setHtml(tip) if Qt.mightBeRichText(tip) else doc.setPlainText(tip)
    assert doc.toPlainText().replace("\xa0", " ").splitlines()[0] == title

def test_a_files_tab_title_and_tooltip():
    """The words of a file's tab (app.window.main_window.file_tab), without a window."""
    from app.window.main_window import TAB_TITLE, file_tab
    from app.window.opener import Opening

    bug = Opening.of_file("/qa/bug.replay")
    read = "/qa/bug.replay\n(read from the file, not stored)"
    assert file_tab(bug, 1, "s1") == ("bug.replay", read)
    assert file_tab(bug, 1, "s1", "  Coupon\n does nothing ") == (
        "Coupon does nothing", f"Coupon does nothing\n{read}")
    title, tip = file_tab(bug, 1, "s1", "x" * (TAB_TITLE + 1))
    assert title == "x" * (TAB_TITLE - 1) + "…" and tip.startswith("x" * (TAB_TITLE + 1) + "\n")
    # a file of several sessions: which of them, in the title and the tooltip
    title, tip = file_tab(Opening.of_file("/qa/windows.json", 1), 3, "s2")
    assert title == "windows.json · 2 of 3" and tip.endswith("session 2 of the 3 it holds (s2)")
    # Datadog uploads read together: the first file and how many more, the files named
    # in the tooltip up to TIP_FILES
    from app.window.main_window import TIP_FILES
    more = [f"/dd/req-{i}.json" for i in range(1, TIP_FILES + 2)]
    title, tip = file_tab(Opening.of_file("/dd/req-0.json", 0, more).another(1), 2, "s9")
    assert title == f"req-0.json +{TIP_FILES + 1} · 2 of 2"
    lines = tip.splitlines()
    assert lines[:TIP_FILES] == ["/dd/req-0.json", *more[:TIP_FILES - 1]]
    assert lines[TIP_FILES:] == ["(and 2 more)", "(read from the files, Datadog uploads, not stored)",
                                 "session 2 of the 2 they hold (s9)"]


def test_a_stored_sessions_tab_is_titled_by_its_bug_when_it_has_one():
    """A stored session that carries a bug report (imported from a bundle, given one from
    the list) is titled by the bug, as the bundle's tab was - not by a generated id; the
    tooltip names the session and its owner. Without a report: its id and owner."""
    from app.window.main_window import TAB_TITLE, stored_tab

    sid = "8dda0c07-1234-4321-abcd-0123456789ab"
    assert stored_tab(sid, "ada@example.com", "https://shop.example/") == (
        "8dda0c07 · ada@example.com", f"Session {sid}\nhttps://shop.example/")
    # its id as `replay sessions` shows it: `0190a1b2…` named either of a PostHog
    # recording's windows
    window = "0190a1b2-5e55-7000-8000-00000000cafe.0190a1b2-c3d4-7e5f-8a9b-6c7d8e9f0a1b"
    assert stored_tab(window, None, None)[0] == "0190a1b2-5e55…b-6c7d8e9f0a1b"
    title, tip = stored_tab(sid, "ada@example.com", None, "Coupon\n does nothing")
    assert title == "Coupon does nothing"
    assert tip == f"Coupon does nothing\nSession {sid} of ada@example.com"
    assert stored_tab("s1", None, None, "y" * (TAB_TITLE + 5))[0] == "y" * (TAB_TITLE - 1) + "…"
    # among ids sharing their first 8 characters, as the list shows it (its tab said
    # 8dda0c07 where the list said 8dda0c07-b)
    from app.ids import short_ids
    twins = [sid, "8dda0c07-1234-4321-abcd-ffffffffffff"]
    title = stored_tab(sid, None, None, among=twins)[0]
    assert title == short_ids(twins)[0] and len(title) > 8


def test_a_stored_sessions_bug_report_is_edited_from_the_list(window, qtbot, data):
    """A QA who forgot the title before Stop could only give it to an export (a QA's
    tryout): "Bug report…" on a stored session edits its title and notes - stored masked by
    the folder's rules, shown in the list and in its player's Steps tab (reopened)."""
    from PySide6.QtWidgets import QDialogButtonBox, QLabel

    from app.window.report_dialog import ReportDialog
    from recorder.bug import from_context

    from app.browser_model import Column

    head = window.browser.table.horizontalHeader()
    # no title stored: the Bug column as narrow as its header, the URLs get the room
    untitled = head.sectionSize(Column.TITLE)
    assert untitled == head.sectionSizeFromContents(Column.TITLE).width()
    assert window.browser.table.textElideMode() == Qt.TextElideMode.ElideMiddle
    player = window.wait_opened(window.open_session("bob-browse"))
    window.wait_opened(window.open_session("dee-admin"))   # a tab after it
    window.sessions.setCurrentWidget(player)
    assert window.sessions.indexOf(player) == 1
    assert player.steps_pane is None                      # no report yet: no Steps tab
    player.seek(7000)
    assert player.current_ms() == 7000
    dialog = window.ask_report("bob-browse")
    assert isinstance(dialog, ReportDialog) and dialog.title() == ""
    # said before Save: what the folder's rules mask (the IBAN and SSN detectors were left
    # out of a list written by hand), as they mask it
    note = dialog.findChild(QLabel, "maskedNote").text()
    from recorder.privacy.detectors import what_they_find
    assert what_they_find() in note and "IBAN" in note and "become x's" in note, note
    dialog.title_edit.setText("Checkout button does nothing")
    dialog.notes_edit.setPlainText("Seen by ada.lovelace@example.com twice")
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    # saved in a thread (a long session is rewritten: the window froze for seconds)
    assert len(window.report_jobs) == 1
    qtbot.waitUntil(lambda: not window.report_jobs, timeout=30_000)
    assert "Saved the bug report of session bob-browse" in window.statusBar().currentMessage()
    with Store.open(data) as store:
        report = from_context(store.index.session("bob-browse").context)
        assert len(list(store.session("bob-browse").events())) > 0
    assert report.title == "Checkout button does nothing"
    assert report.notes.startswith("Seen by ") and "ada.lovelace" not in report.notes
    qtbot.waitUntil(lambda: window.sessions.find("bob-browse") is not None
                    and window.sessions.find("bob-browse").steps_pane is not None, timeout=30_000)
    assert head.sectionSize(Column.TITLE) > untitled   # a title listed: room for it
    # cut, a title keeps its start as `replay sessions` cuts it ("Apply coupo…ing happens"
    # kept the words that say least); a user keeps its start and its end (its domain)
    from PySide6.QtWidgets import QStyleOptionViewItem
    table = window.browser.table
    row = next(i for i, r in enumerate(window.browser.model.rows) if r.id == "bob-browse")
    for col, mode in ((Column.TITLE, Qt.TextElideMode.ElideRight),
                      (Column.USER, Qt.TextElideMode.ElideMiddle)):
        option = QStyleOptionViewItem()
        option.textElideMode = table.textElideMode()   # (as the view gives its delegates)
        delegate = table.itemDelegateForColumn(col)
        if delegate is not None:
            delegate.initStyleOption(option, table.model().index(row, col))
        assert option.textElideMode == mode, col
    reopened = window.sessions.find("bob-browse")
    assert window.sessions.indexOf(reopened) == 1   # at its place, not after the others
    assert "Checkout button does nothing" in reopened.steps_pane.summary.text()
    assert reopened.current_ms() == 7000                  # where it was, not 0:00


def test_the_status_bar_names_the_data_folder_and_no_timing(window, qtbot, data):
    """It said "Data folder … - filtered in 0 ms" for good, a figure for developers (a QA's
    tryout); the list's own line says how many sessions are listed."""
    assert window.statusBar().currentMessage() == f"Data folder {data}"
    total = len(shown(window))
    qtbot.keyClicks(window.browser.search, "bob")
    qtbot.waitUntil(lambda: len(shown(window)) < total, timeout=5000)
    assert window.statusBar().currentMessage() == f"Data folder {data}"
    assert window.browser.count.text() == f"{len(shown(window))} of {total} sessions"


def test_help_lists_the_keys_where_they_are_defined_and_says_what_runs(window, qtbot, data):
    """There was no Help menu (a QA's tryout): F1 lists the window's keys and the player's,
    read from the menus and the player's own table; About names the version, the data folder
    and the compiled core."""
    from PySide6.QtWidgets import QMessageBox

    from player.qt.replay_widget import PLAYER_KEYS
    from recorder import compiled

    window.show()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    box = window.findChild(QMessageBox, "keysHelp")
    assert box is not None and box.isVisible()
    text = box.text()
    assert "Import" in text and "Find Sessions" in text and "Close Tab" in text
    assert all(what in text for _seq, what, _act in PLAYER_KEYS)
    assert "Shift+drag (timeline)" in text and "Delete (sessions list)" in text
    # each says what it does in plain words: E said "the next error (what its task changed
    # shown); after the last, the first again" (a QA could not make it out); a menu's key,
    # its name alone ("Open", "Refresh"), says what its status tip says
    from app.window.help_menu import key_rows
    rows = dict(key_rows(window.menuBar()))
    assert rows["E (player)"] == ("jump to the next error, the page as the error left it;"
                                  " after the last error, back to the first")
    assert rows["Ctrl+O"] == "Open: watch a .replay or rrweb file without storing it"
    assert rows["F5"].startswith("Refresh: read the sessions list again")
    box.close()
    about = next(a for m in window.menuBar().actions() if m.menu() is not None
                 for a in m.menu().actions() if a.text() == "&About Session Replay")
    about.trigger()
    box = window.findChild(QMessageBox, "aboutBox")
    assert str(data) in box.text() and ", ".join(compiled()) in box.text()


def test_a_session_erased_by_another_program_leaves_the_screen(window, qtbot, data):
    """`replay delete` in a terminal while its tab is open: the erased session played on in
    the app (an operator's tryout, for an erasure request). When the list is read again (F5,
    coming back to the window) its tab closes, and the status bar says why."""
    player = window.wait_opened(window.open_session("bob-browse"))
    assert player is not None
    p = subprocess.run([sys.executable, "-m", "app", "--data", str(data), "delete", "bob-browse",
                        "--yes"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert window.catch_up()                       # what coming back to the window does
    assert window.sessions.find("bob-browse") is None
    assert "bob-browse" not in shown(window)
    assert "erased from the data folder" in window.statusBar().currentMessage()


def test_a_file_holding_several_sessions_opens_each_in_a_tab_of_its_own(window, qtbot, tmp_path,
                                                                       capfd):
    # an export of several windows (sessions 40 minutes apart): the app opened the first
    # alone and said to run `replay play --session-number` for the others (a support
    # engineer's tryout); each now opens behind the first, up to FILE_SESSIONS_OPENED
    from app.window.main_window import FILE_SESSIONS_OPENED
    n = FILE_SESSIONS_OPENED + 1
    events = []
    for k in range(n):
        events += session_events(start_ms=T0 + 30 * 86_400_000 + k * 40 * 60_000,
                                 duration_ms=20_000, urls=[f"https://file.example/w{k}"])
    f = tmp_path / "windows.json"
    f.write_text(json.dumps(events))
    first = window.wait_opened(window.open_paths([f]))
    qtbot.waitUntil(lambda: not window.open_jobs, timeout=120_000)
    assert window.last_problem is None
    assert window.sessions.count() == 1 + FILE_SESSIONS_OPENED
    assert window.sessions.currentWidget() is first      # the first stays in front
    titles = [window.sessions.tabText(i) for i in range(1, window.sessions.count())]
    assert titles == [f"windows.json · {k + 1} of {n}" for k in range(FILE_SESSIONS_OPENED)]
    # each tab plays its own session
    urls = [window.sessions.widget(i).source.info.first_url
            for i in range(1, window.sessions.count())]
    assert urls == [f"https://file.example/w{k}" for k in range(FILE_SESSIONS_OPENED)]
    said = window.statusBar().currentMessage()
    assert f"holds {n} sessions" in said and f"--session-number N` (0 to {n - 1})" in said
    # the command line's note ("this is session 0 - pick another with --session-number")
    # went to the terminal the app was started from, once per tab
    assert "holds" not in capfd.readouterr().err
    # the file opened again: its first tab to the front, nothing read again
    window.sessions.setCurrentIndex(0)
    assert window.open_paths([f]) is None and window.sessions.currentWidget() is first
    assert window.sessions.count() == 1 + FILE_SESSIONS_OPENED


def _live_session_opened(window, data, sid: str, n: int, first: int, seed: int):
    """A live session of `n` events started ten minutes ago, its `first` stored by the
    intake, opened from the list; (its events, its player, ready; the intake's `Serving`,
    while the test plays the intake)."""
    import time

    from replay_tools.generator import generate_session

    t0 = int(time.time() * 1000) - 10 * 60 * 1000
    events = list(generate_session(n, duration_ms=3 * 60 * 1000, seed=seed, start_ms=t0))
    serving = Serving(data)
    with Store.open(data) as store:
        store.ingest(events[:first], live=True, session_id=sid)
    window.reload_sessions()
    player = window.wait_opened(window.open_session(sid))
    player.wait_ready()
    return events, player, serving


def test_a_live_session_opened_from_the_list_grows_as_it_arrives(window, data, qtbot):
    """A support engineer opened the session a customer was reproducing the bug in, live
    from `replay serve`: the app's player showed the first seconds and never more (only
    `replay play --follow` in a terminal followed one). A live session opens at its live
    edge, grows as the intake stores more, and its tab says it is live; a finished one
    does not."""
    events, player, serving = _live_session_opened(window, data, "on-the-page-now", 900, 300,
                                                   seed=5)
    c = player.controller
    first = c.duration
    qtbot.waitUntil(lambda: c.time == first, timeout=10_000)      # at the live edge
    with Store.open(data) as store:
        store.ingest(events[300:], live=True, session_id="on-the-page-now")
    qtbot.waitUntil(lambda: c.duration > first, timeout=15_000)
    assert c.duration == events[-1]["timestamp"] - events[0]["timestamp"]
    assert player.session.duration_ms == c.duration and c.time == c.duration

    from app.window.main_window import LIVE_MARK, LIVE_TIP
    tab = window.sessions.indexOf(player)
    assert window.sessions.tabText(tab).startswith(LIVE_MARK)
    assert LIVE_TIP in window.sessions.tabToolTip(tab)

    # the intake stopped: not live (nothing arrives), still followed; started again: live
    serving.close()
    qtbot.waitUntil(lambda: not window.sessions.tabText(tab).startswith(LIVE_MARK),
                    timeout=10_000)
    assert player.follow.following and "no intake serves" in window.statusBar().currentMessage()
    again = Serving(data)
    qtbot.waitUntil(lambda: window.sessions.tabText(tab).startswith(LIVE_MARK), timeout=10_000)
    again.close()

    # gone quiet, the intake compacts it: the tab stops saying live (it kept the mark for
    # as long as it was open), and the status bar says why nothing more will arrive
    with Store.open(data) as store:
        assert store.compact("on-the-page-now")
    with qtbot.waitSignal(player.follow.ended, timeout=15_000):
        pass
    assert not player.follow.following
    assert not window.sessions.tabText(tab).startswith(LIVE_MARK)
    assert window.sessions.tabText(tab).startswith("on-the-p")
    assert LIVE_TIP not in window.sessions.tabToolTip(tab)
    assert "no longer live - the session is whole" in window.statusBar().currentMessage()
    assert c.duration == events[-1]["timestamp"] - events[0]["timestamp"]   # as it was

    done = window.wait_opened(window.open_session("bob-browse"))   # imported, not live
    assert not window.sessions.tabText(window.sessions.currentIndex()).startswith(LIVE_MARK)
    assert done.follow is None and player.follow is not None


def test_a_link_pasted_in_the_search_box_opens_its_session_at_its_moment(window, qtbot):
    """A support engineer's Copy link, pasted by the developer they sent it to: in the app,
    nothing took it (the search found nothing; only `replay open` in a terminal opened it,
    in a window of its own). Enter in the search box opens its session at its moment, and
    the same link again brings that tab there; a link to a session not stored here says
    what to do."""
    b = window.browser
    b.search.setText("replay://bob-browse?t=4000")
    assert shown(window) == ["bob-browse"]
    assert "a link to 0:04.0 of session bob-browse: Enter opens it there" in b.count.text()
    with qtbot.waitSignal(window.playerOpened, timeout=60_000) as opened:
        qtbot.keyClick(b.search, Qt.Key.Key_Return)
    player = opened.args[0]
    player.wait_ready()
    assert player.session_id == "bob-browse" and player.controller.time == 4000

    # the player's Copy link is said in a line read whole at the window's default width (it
    # was cut: "…(hand over a .replay bundle otherwi"); the link and the rest, its tooltip
    from app.window.main_window import DEFAULT_SIZE
    window.resize(*DEFAULT_SIZE)
    player.copyLink.trigger()
    bar = window.statusBar()
    said = bar.currentMessage()
    assert said.startswith("Copied the link to 0:04.0 - paste it in the app's search box")
    assert bar.fontMetrics().horizontalAdvance(said) < bar.contentsRect().width()
    assert bar.toolTip().splitlines()[:2] == [said, "replay://bob-browse?t=4000"]
    b.search.setFocus()
    bar.showMessage("something else")   # the tooltip goes with its line
    assert bar.toolTip() == ""

    window.sessions.setCurrentIndex(0)
    assert window.open_link("replay://bob-browse?t=2500") is None   # open already: moved
    assert window.sessions.currentWidget() is player and player.controller.time == 2500
    assert window.sessions.count() == 2

    b.search.setText("replay://8dda0c07?t=42000")
    assert b.count.text().endswith("of session 8dda0c07: not stored here - import the .replay"
                                   " bundle that came with it (File > Import…)")
    window.open_link("replay://8dda0c07?t=42000")
    assert window.last_problem.startswith("no session '8dda0c07'")
    assert "import the .replay bundle that came with it (File > Import…)" in window.last_problem


def test_a_link_to_an_id_as_listed_is_said_as_enter_takes_it(qtbot, data, settings):
    """`replay://8dda0c07_partial?t=46000` (the id as the list shows it) pasted in the search
    box listed nothing and said "not stored here - import the .replay bundle", yet Enter
    opened the session at 46000: the list and its line say what Enter does - the session
    it opens, even one the other filters hide; a link naming several says so, not "import"."""
    uuid = "8dda0c07-b950-47ec-a5ea-3d25746042bf"
    with Store.open(data) as store:
        for sid in (uuid, uuid + "_partial", uuid[:9] + "ffff-0000-0000-000000000000"):
            store.ingest(session_events(start_ms=T0, duration_ms=60_000,
                                        urls=["https://shop.example/"]), session_id=sid)
    w = MainWindow(data, settings=settings, thumbnails=False)
    qtbot.addWidget(w)
    b = w.browser
    b.search.setText("replay://8dda0c07_partial?t=46000")
    assert shown(w) == [uuid + "_partial"]
    assert b.count.text().endswith("of session 8dda0c07_partial: Enter opens it there"), \
        b.count.text()
    b.has_errors.setChecked(True)   # a filter that hides it: Enter still opens it
    assert shown(w) == []
    assert b.count.text().endswith("Enter opens it there (the filters hide its row)")
    b.has_errors.setChecked(False)
    b.search.setText("replay://8dda0c07-b_partial?t=46000")
    assert b.count.text().endswith("Enter opens it there")
    assert w.open_link("replay://8dda0c07_partial?t=46000") is not None   # Enter's way
    b.search.setText("replay://8dda0c07?t=0")   # the original, its copy, another
    assert b.count.text().endswith("it matches 3 sessions - give more of the id")
    w.open_link("replay://8dda0c07?t=0")
    assert "matches 3 sessions" in w.last_problem and "import" not in w.last_problem
    w.close()


def test_open_link_offers_the_link_on_the_clipboard(window, qtbot):
    QApplication.clipboard().setText("replay://ada-checkout?t=1500\n")
    dlg = window.ask_link()
    assert dlg.textValue() == "replay://ada-checkout?t=1500"
    box = dlg.findChild(QLineEdit)   # a copied link shows whole (it was cut at 40 characters)
    long_link = "replay://34c4d6785ff122dde31b3fe23ed11780?t=41000"
    assert box.fontMetrics().horizontalAdvance(long_link) < box.width()
    with qtbot.waitSignal(window.playerOpened, timeout=60_000) as opened:
        dlg.accept()
    opened.args[0].wait_ready()
    assert opened.args[0].controller.time == 1500


def test_a_note_written_from_the_player_keeps_the_moment_on_show(window, qtbot, data):
    """A support engineer found the failure at 0:07 in a customer's session and wanted to
    note it: "Bug report…" was only in the list's right-click menu, and kept no moment - the
    session opened at 0:00 again the next day. Session > Bug Report… (Ctrl+B) on the player
    tab offers the moment on show as the bug's; saved, the session opens there."""
    from PySide6.QtWidgets import QCheckBox, QDialogButtonBox

    from app.window.report_dialog import ReportDialog
    from recorder.bug import from_context

    player = window.wait_opened(window.open_session("bob-browse"))
    player.wait_ready()
    player.seek(7000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(ReportDialog)
    assert dialog is not None and dialog.isVisible()
    box = dialog.findChild(QCheckBox, "bugMoment")
    assert box.isChecked() and "0:07.0, the moment on show" in box.text()
    dialog.title_edit.setText("Checkout: the coupon button throws")
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: not window.report_jobs, timeout=30_000)
    with Store.open(data) as store:
        report = from_context(store.index.session("bob-browse").context)
    assert report.title == "Checkout: the coupon button throws" and report.at_ms == 7000

    qtbot.waitUntil(lambda: window.sessions.find("bob-browse") is not None, timeout=30_000)
    window.sessions.close_tab(window.sessions.indexOf(window.sessions.find("bob-browse")))
    later = window.wait_opened(window.open_session("bob-browse"))   # the next day
    later.wait_ready()
    assert later.current_ms() == 7000
    # asked again there: the bug is at the moment on show, said as a fact (an unticked box
    # read "The bug is at 0:07.0, the moment on show (now at 0:07.0)"); elsewhere, a move
    dialog = window.report_on_show()
    assert dialog.findChild(QCheckBox, "bugMoment") is None and dialog.moment() is None
    assert dialog.findChild(QLabel, "bugMomentKept").text() == \
        "0:07.0, the moment on show: the session opens there"
    dialog.reject()
    later.seek(9000)
    dialog = window.report_on_show()
    box = dialog.findChild(QCheckBox, "bugMoment")
    assert not box.isChecked() and box.text() == \
        "Move the bug to 0:09.0, the moment on show (it is at 0:07.0): the session opens there"
    dialog.reject()


def test_bug_report_edits_the_session_on_show_never_a_hidden_pages(window, qtbot, data,
                                                                   tmp_path):
    """After Stop, with the stored recording showing in Record, Ctrl+B said "Pick a session in
    the list first" - or, with a row picked there or a player tab in front, opened THAT
    session's report (a QA's tryout). It edits what is on show: Record's stored recording
    (its moment offered), a player tab's session, else the list's row; on another page,
    nothing (said)."""
    from PySide6.QtWidgets import QCheckBox, QDialogButtonBox

    from app.window.report_dialog import ReportDialog
    from recorder.bug import from_context

    window.browser.select_session("ada-checkout")
    behind = window.wait_opened(window.open_session("bob-browse"))   # a tab in front there
    record = window.show_page("Record")
    record.title_edit.setText("Coupon ignored")
    # Stop hands the page's events to the store: a recording of 20 s, stored and shown
    record._store(session_events(start_ms=T0 + 50 * 86_400_000, duration_ms=20_000,
                                 urls=["https://shop.example/cart"]))
    sid = record.session_id
    assert sid is not None and record.player is not None
    record.player.wait_ready()
    record.player.seek(12_000)
    # a record-mode recording carries its bug's moment (nothing marked, no error: Stop's -
    # handed over without one, the recording's end): a bundle exported now keeps it, said
    out = record.player.export_menu.export("replay", tmp_path / "bug.replay")
    assert record.status.text().endswith(
        f"written to {out}; the bug at 0:20.0, as its report says -"
        " Session > Bug Report… (Ctrl+B) changes it"), record.status.text()
    dialog = window.report_on_show()
    assert isinstance(dialog, ReportDialog) and dialog.windowTitle() == \
        f"Bug report of session {sid}" and dialog.title() == "Coupon ignored"
    move = dialog.findChild(QCheckBox, "bugMoment")
    assert "Move the bug to 0:12.0, the moment on show (it is at 0:20.0)" in move.text()
    assert not move.isChecked()
    move.setChecked(True)
    dialog.notes_edit.setPlainText("Expected 10% off")
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: not window.report_jobs, timeout=30_000)
    with Store.open(data) as store:
        report = from_context(store.index.session(sid).context)
    assert report.notes == "Expected 10% off" and report.at_ms == 12_000
    # Record shows it again, as stored now, where it was - and stays the page on show
    assert window.pages.currentWidget() is record and record.player is not None
    assert record.player.current_ms() == 12_000
    assert record.stack.currentWidget() is record.player
    assert "Expected 10% off" in record.player.steps_pane.summary.text()
    record.player.seek(3000)   # a step clicked: the bundle keeps the report's moment
    record.player.export_menu.export("replay", out)
    assert record.status.text().endswith("the bug at 0:12.0, as its report says - Session >"
                                         " Bug Report… (Ctrl+B) changes it")

    window.show_page("Privacy")   # a page with no session: nothing opens, and why is said
    assert window.report_on_show() is None
    assert window.statusBar().currentMessage().startswith("Bug Report… edits the session on show")
    window.show_page("Sessions")   # the tab in front, then the list's row
    assert window.report_on_show().windowTitle() == "Bug report of session bob-browse"
    window.sessions.setCurrentWidget(window.browser)
    assert window.report_on_show().windowTitle() == "Bug report of session ada-checkout"
    assert behind is not None


def test_a_session_not_compacted_opened_while_no_intake_serves_opens_as_a_stored_one(
        window, data, qtbot):
    """`replay serve` stopped leaves its recent sessions not compacted: opened from the list
    then, one opened at its end and was polled unsaid, as if live (a reviewer's find). It
    opens where a stored one does, says no intake serves it, and is followed - marked live -
    once one does."""
    import time

    from replay_tools.generator import generate_session
    from app.window.main_window import LIVE_MARK

    t0 = int(time.time() * 1000) - 10 * 60 * 1000
    events = list(generate_session(400, duration_ms=2 * 60 * 1000, seed=8, start_ms=t0))
    with Store.open(data) as store:
        store.ingest(events, live=True, session_id="left-over")
    window.reload_sessions()
    player = window.wait_opened(window.open_session("left-over"))
    player.wait_ready()
    tab = window.sessions.indexOf(player)
    assert player.follow is not None and player.controller.time < player.controller.duration
    assert not window.sessions.tabText(tab).startswith(LIVE_MARK)
    assert "no intake serves" in window.statusBar().currentMessage()
    serving = Serving(data)
    qtbot.waitUntil(lambda: window.sessions.tabText(tab).startswith(LIVE_MARK), timeout=10_000)
    serving.close()


@pytest.mark.parametrize("fmt", ["rrweb", "replay"])
def test_an_export_of_a_live_session_holds_what_the_player_shows(window, data, qtbot, tmp_path,
                                                                 fmt):
    """Followed while the customer reproduced the bug, then exported from the player for a
    developer: the file held the session as it was when its tab opened - without the
    reproduction the player was showing. It holds what arrived since, as the player does."""
    from recorder.source import open_recording

    events, player, _serving = _live_session_opened(window, data, "reproducing", 700, 250, seed=6)
    c = player.controller
    first = c.duration
    with Store.open(data) as store:
        store.ingest(events[250:], live=True, session_id="reproducing")
    qtbot.waitUntil(lambda: c.duration > first, timeout=15_000)
    out = player.export_menu.export(fmt, tmp_path / f"handed.{'json' if fmt == 'rrweb' else fmt}")
    with open_recording(str(out), tmp_path) as again:
        got = [e for e in again.events() if e.get("type") != 5 or
               e.get("data", {}).get("tag") != "replay/session"]
    assert len(got) == len(events)


def test_the_list_says_when_more_was_stored_while_the_window_stays_in_front(window, data,
                                                                            qtbot):
    """On the phone with a customer ("please try again now"), a support engineer waited on
    the list for their new session: it came only with F5 or after leaving the window and
    coming back - nothing said so. The list now says when more was stored; F5 lists it."""
    stale = ("sessions were stored or changed since this list was read (a live visit, an import):"
             " F5 or View > Refresh lists them")
    # the window's own catch-up once it came to the front (deferred past a double-click)
    # has run: one after the store below would list the session at once
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.wait(window.catch_up_after_ms + 200)
    with Store.open(data) as store:   # replay serve, in another process
        store.ingest(session_events(start_ms=T0 + 40 * 86_400_000, duration_ms=20_000,
                                    urls=["https://shop.example/checkout"], errors=[]),
                     session_id="trying-again-now")
    qtbot.waitUntil(lambda: window.browser.count.text().endswith(stale),
                    timeout=10_000)   # (the window's own look, every few seconds)
    assert "trying-again-now" not in shown(window)   # not read under the person's eyes
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert shown(window)[0] == "trying-again-now"
    assert not window.browser.count.text().endswith(stale)


def test_the_list_looks_for_more_only_while_a_look_can_learn_something(window, data, qtbot):
    """The list's look for sessions stored meanwhile (a query every few seconds) went on for
    the window's life: with its note up already (it stays until the list is read again), with
    the window behind another (coming back to it reads the list anyway), and after the store
    closed. It looks only while a look can tell something new."""
    from PySide6.QtWidgets import QWidget

    looks = window.changes
    assert window.isActiveWindow() and looks.isActive()
    with Store.open(data) as store:   # replay serve, in another process
        store.ingest(session_events(start_ms=T0 + 41 * 86_400_000, duration_ms=20_000,
                                    urls=["https://shop.example/cart"], errors=[]),
                     session_id="stored-meanwhile")
    assert window.look_for_changes()   # (the timer's look, now): the note goes up...
    assert not looks.isActive()        # ... and stays until F5: nothing more to learn
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert looks.isActive()
    other = QWidget()   # another window in front
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not window.isActiveWindow())
    assert not looks.isActive()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert looks.isActive()
    window.close()
    assert not looks.isActive()


def test_the_report_dialog_says_what_the_folders_rules_mask():
    """Its note was a list written by hand (no IBAN, no SSN; "x's" where masks read ***):
    it says the detectors of the folder's rules, and when none is on."""
    from app.window.report_dialog import masked_note
    from recorder.privacy.detectors import what_they_find

    from recorder.privacy import load_rules, masker_factory

    assert what_they_find(["email", "ssn"]) in masked_note(["email", "ssn"])
    assert "credentials they scrub" in masked_note([]) and "no detector is on" in masked_note([])
    # as Save masks them (edit_report: the masker's context pass)
    masked = masker_factory(load_rules(None, None))().mask_context(
        {"bug": {"notes": "seen by ada@example.com at /cart?token=s3cr3t-value"}})
    notes = masked["bug"]["notes"]
    assert "seen by xxxxxxxxxxxxxxx at" in notes and "become x's" in masked_note()
    assert "token=***" in notes and "token=***" in masked_note()


def test_what_the_recorder_warns_of_while_a_session_opens_is_said_in_the_window(
        window, data, capfd):
    """A session with a damaged segment opened, the part that decodes shown - and the
    store's warning went to the terminal the app was started from, the window saying
    nothing: it is in the status bar now (the tooltip has every one)."""
    with Store.open(data) as store:
        segs = store.session("ada-checkout").segments
    victim = data / segs[-1].file
    blob = bytearray(victim.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    victim.write_bytes(bytes(blob))
    capfd.readouterr()
    player = window.wait_opened(window.open_session("ada-checkout"))
    assert player is not None
    said = window.statusBar().currentMessage()
    assert said.startswith("ada-checkout: ") and "skipped: checksum mismatch" in said, said
    assert "checksum" not in capfd.readouterr().err


def test_a_files_tab_carries_a_files_icon_a_stored_sessions_none(window, recording):
    """A bundle opened with File > Open and the same session stored here are titled alike
    (by the bug): the file's tab has a file's icon, the stored one none (a QA's tryout could
    not tell two tabs "Place order shows 'Something we…" apart)."""
    stored = window.wait_opened(window.open_session("bob-browse"))
    from_file = window.wait_opened(window.open_paths([recording]))
    tabs = window.sessions
    assert tabs.tabIcon(tabs.indexOf(stored)).isNull()
    assert not tabs.tabIcon(tabs.indexOf(from_file)).isNull()


def test_the_window_fits_a_1024_by_700_screen_on_every_page(window):
    """Its narrowest is under 1,024 px whatever page or player is open (the privacy page's
    two preview sides, and a player's page beside its dev-tools pane, held it at 1,160 and
    1,070 px on every page: a support engineer's 1024x700 screen cut off the list's last
    columns); there the navigation is a strip and a player keeps its pane beside the page;
    with the names in full (chosen), narrower than both, it puts its pane below the page."""
    from PySide6.QtCore import Qt

    player = window.wait_opened(window.open_session("bob-browse"))
    player.wait_ready()
    for page in window.page_titles():
        window.show_page(page)
        hint = window.minimumSizeHint()
        assert hint.width() <= 1024 and hint.height() <= 700, (page, hint)
    window.show_page("Sessions")
    window.resize(1024, 700)
    QApplication.processEvents()
    assert window.width() == 1024
    assert player.splitter.orientation() == Qt.Orientation.Horizontal
    window.set_compact_nav(False)
    QApplication.processEvents()
    assert player.splitter.orientation() == Qt.Orientation.Vertical
    window.set_compact_nav(None)
    window.resize(1440, 900)
    QApplication.processEvents()
    assert player.splitter.orientation() == Qt.Orientation.Horizontal


def test_files_kept_out_for_differing_are_offered_as_new_copies(window, qtbot, tmp_path, data,
                                                                demo_events, recording):
    """A second QA report on a stored session, and a recording disagreeing with the stored
    one of its id: the import box told the app's user "import it as a new session with
    --as-new", an option the window has not (a support engineer's tryout). The box offers
    the window's own way, a button, which stores each beside as SESSION_new, SESSION_new2…
    (only those: not the files stored, and no button where none is kept out). (The refused
    file was also said to be "stored in the order it came in".)"""
    from recorder.bug import BugReport, from_context, with_report
    from recorder.bundle import write_bundle

    events = [dict(e, sessionId="coupon") for e in demo_events[:200]]
    with Store.open(data) as store:
        (sid,) = store.ingest(events, context=with_report(None, BugReport(
            title="Apply coupon does nothing", at_ms=events[0]["timestamp"] + 4000)))
        other = tmp_path / "other.replay"
        write_bundle(other, store.session(sid), context=with_report(None, BugReport(
            title="Other title", at_ms=events[0]["timestamp"] + 3000)))
    moved = [dict(e) for e in events]
    moved[150] = dict(moved[150], timestamp=moved[150]["timestamp"] + 1)
    moved[160], moved[170] = moved[170], moved[160]   # out of time order besides
    (moved_file := tmp_path / "moved.json").write_text(json.dumps(moved))
    (empty := tmp_path / "empty.json").write_text("")
    window.import_paths([empty])   # refused, but no copy would store it: no button
    qtbot.waitUntil(lambda: window.import_job is None, timeout=30_000)
    (dlg,) = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert window.last_problem.startswith("Imported nothing") or "not imported" in \
        window.last_problem, window.last_problem
    assert [b.text() for b in dlg.buttons()] == ["OK"]
    dlg.close()
    window.import_paths([other, recording, moved_file])   # (the recording: a new session)
    qtbot.waitUntil(lambda: window.import_job is None, timeout=30_000)
    box = window.last_problem
    assert "--as-new" not in box and "replay play" not in box, box
    assert "choose Import as new copies" in box and "File > Open shows it" in box, box
    assert "as SESSION_new, a second as SESSION_new2" in box, box   # (two copies here)
    assert f"{moved_file}: not imported" in box and f"{other}: session {sid} already" in box
    # nothing of the refused file was stored: no word of the order it would be stored in
    assert "earlier than an event before" not in box, box
    (dlg,) = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    (button,) = [b for b in dlg.buttons() if b.text() == "Import as new copies"]
    button.click()
    assert window.import_job is not None and window.import_job.as_new
    assert window.import_job.files == [other, moved_file]   # only those offered, not the new
    qtbot.waitUntil(lambda: window.import_job is None, timeout=30_000)
    assert f"{sid}_new" in shown(window) and f"{sid}_new2" in shown(window), window.last_problem
    with Store.open(data) as store:
        titles = {from_context(store.index.session(s).context).title if
                  store.index.session(s).context else None for s in (f"{sid}_new", f"{sid}_new2")}
        assert from_context(store.index.session(sid).context).title == "Apply coupon does nothing"
    assert titles == {"Other title", None}


def _datadog_pair(folder, fixtures_dir, moved_ms: int = 0) -> list:
    """A Datadog visit's segment as a proxy keeps it, one request per file (`request-N.json`,
    read together as one: DatadogFiles); `moved_ms` moves a later record (a disagreeing copy)."""
    seg = json.loads((fixtures_dir / "datadog-segment.json").read_text())
    first, later = dict(seg, records=seg["records"][:3]), dict(seg, records=seg["records"][3:])
    later.update(index_in_view=1, has_full_snapshot=False, creation_reason="segment_duration_limit",
                 start=later["records"][0]["timestamp"])
    first.update(end=first["records"][-1]["timestamp"], records_count=3)
    later["records"] = [dict(r) for r in later["records"]]
    later["records"][0]["timestamp"] += moved_ms   # (the change after the first file's page)
    folder.mkdir(exist_ok=True)
    files = []
    for n, part in enumerate((first, later)):
        files.append(folder / f"request-{n}.json")
        files[-1].write_text(json.dumps({"records": part["records"],
                                         **{k: v for k, v in part.items() if k != "records"}}))
    return files


def _import_box(window, qtbot) -> QMessageBox | None:
    qtbot.waitUntil(lambda: window.import_job is None, timeout=30_000)
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    for b in boxes[:-1]:
        b.close()
    return boxes[-1] if boxes else None


def test_datadog_uploads_kept_out_are_imported_again_as_a_copy(window, qtbot, tmp_path,
                                                              fixtures_dir, recording):
    """Datadog's uploads imported together disagreeing with the visit stored from them:
    Import as new copies failed - it was handed the group's name, "request-0.json (and 1
    more Datadog file)", as a file. It imports the group's files again, only those (not
    the file stored beside them), as one copy."""
    window.import_paths(_datadog_pair(tmp_path / "first", fixtures_dir))
    assert _import_box(window, qtbot) is None, window.last_problem   # stored, nothing kept out
    before = set(shown(window))
    files = _datadog_pair(tmp_path / "again", fixtures_dir, moved_ms=1)
    window.import_paths([*files, recording])
    box = _import_box(window, qtbot)
    assert box is not None and "choose Import as new copies" in window.last_problem, \
        window.last_problem
    stored = set(shown(window)) - before
    assert len(stored) == 1   # the recording's session; the visit's copy was kept out
    (button,) = [b for b in box.buttons() if b.text() == "Import as new copies"]
    button.click()
    job = window.import_job
    assert job is not None and job.as_new and job.files == files   # only those offered
    assert _import_box(window, qtbot) is None, window.last_problem   # none refused
    (copy,) = set(shown(window)) - before - stored
    assert copy.endswith("_new"), copy


def test_the_privacy_page_keeps_the_windows_size_on_first_show(window, qtbot):
    """In a 1008 x 652 window (a 1024 x 700 screen's) the Privacy page's preview stacks its
    two sides; each side's page kept the player's 200 px minimum, and the stacked sides'
    490 px made Qt grow the window to 696 px, past the screen. Every page keeps the size."""
    window.resize(1008, 652)
    qtbot.waitUntil(lambda: window.size().toTuple() == (1008, 652), timeout=5000)
    for title in window.page_titles():
        window.show_page(title)
        qtbot.wait(50)
        assert window.size().toTuple() == (1008, 652), title
        assert window.minimumSizeHint().height() <= 652, title
    assert window.privacy.sides.stacked()


def test_a_long_id_shrinks_so_the_counts_stay_in_a_1024_window(window, qtbot, data):
    """Two ids alike up to their last part are listed long ("0190a1b2-5e55…b-6c7d8e9f0a1b");
    kept whole, the ID column made the list scroll sideways in a 1024 x 700 window, Errors
    and Frustration off to the right. It is cut in the middle; its tooltip has it whole."""
    from app.browser_model import Column

    ids = ["0190a1b2-5e55-7c3d-8a9b-6c7d8e9f0a1b", "0190a1b2-5e55-7c3d-8a9b-0c1d2e3f4a5b"]
    with Store.open(data) as store:
        for n, sid in enumerate(ids):
            store.ingest(session_events(
                start_ms=T0 + (21 + n) * 86_400_000, duration_ms=5000,
                urls=["https://app.example.com/accounts/3/billing/invoices?page=2"],
                errors=["e1"], title="The invoice total is wrong on the second page"),
                application="shop", user={"id": "u9", "email": "margaret.hamilton@example.com"},
                session_id=sid)
    window.reload_sessions()
    window.resize(1008, 652)
    qtbot.waitUntil(lambda: window.size().toTuple() == (1008, 652), timeout=5000)
    b = window.browser
    table, head = b.table, b.table.horizontalHeader()
    qtbot.waitUntil(lambda: table.horizontalScrollBar().maximum() == 0, timeout=5000)
    last = head.sectionViewportPosition(Column.FRUSTRATION) + head.sectionSize(Column.FRUSTRATION)
    assert last <= table.viewport().width()
    ix = b.model.index(b.model.row_of(ids[0]), Column.ID)
    assert ids[0] in b.model.data(ix, Qt.ItemDataRole.ToolTipRole)


def test_in_a_1024_window_the_navigation_is_a_strip_and_the_player_keeps_its_pane_beside(
        window, qtbot):
    """At 1008 x 652 (a 1024 x 700 screen's) the 150 px navigation left the player 858 px:
    the dev-tools pane went below the page, shown at 25%. The navigation is a strip of
    characters there (the names in their tooltips), the pane stays beside the page, shown
    at a readable scale; View > Compact Navigation gives the names back."""
    from app.nav import COMPACT_NAV_WIDTH, NAV_WIDTH

    window.resize(1008, 652)
    qtbot.waitUntil(lambda: window.size().toTuple() == (1008, 652), timeout=5000)
    assert window.nav.width() == COMPACT_NAV_WIDTH and window.compact_nav_action.isChecked()
    items = [window.nav.item(i) for i in range(window.nav.count())]
    assert [i.text() for i in items] == ["S", "R", "P", "⚙"]
    assert [i.toolTip() for i in items] == window.page_titles()
    # a screen reader names the pages, not the letters (it said "S", or read out the gear)
    assert [i.data(Qt.ItemDataRole.AccessibleTextRole) for i in items] == window.page_titles()
    player = window.wait_opened(window.open_session("bob-browse"))
    player.wait_ready()
    qtbot.waitUntil(lambda: player.splitter.orientation() == Qt.Orientation.Horizontal,
                    timeout=5000)
    assert player.stage.scale >= 0.4, player.stage.scale
    window.compact_nav_action.trigger()   # the names, whatever the width
    assert window.nav.width() == NAV_WIDTH and items[0].text() == "Sessions"
    assert not window.compact_nav_action.isChecked()
    window.resize(1400, 800)
    qtbot.waitUntil(lambda: window.width() == 1400, timeout=5000)
    window.compact_nav_action.trigger()
    assert window.nav.width() == COMPACT_NAV_WIDTH


def test_the_navigation_and_the_recorded_page_width_chosen_are_kept_for_the_next_run(
        window, qtbot, data, settings):
    """View > Compact Navigation and record mode's page width, once chosen, are what the next
    run opens with (each was back to the window's own choice, by its width, every run); a
    pick of what the width gives anyway is back to automatic."""
    from app.nav import COMPACT_NAV_WIDTH, NAV_WIDTH
    from app.record.viewport import PageWidth

    window.resize(1400, 800)
    qtbot.waitUntil(lambda: window.width() == 1400, timeout=5000)
    assert window.nav.width() == NAV_WIDTH   # by its width: the names
    window.compact_nav_action.trigger()
    box = window.record.width_box
    picked = PageWidth.WINDOW if window.record.page_width() is PageWidth.DESKTOP \
        else PageWidth.DESKTOP   # not the window's own choice
    box.activated.emit(box.findData(picked))   # as a pick in the list does
    window.close()
    again = MainWindow(data, settings=settings, thumbnails=False)
    qtbot.addWidget(again)
    again.resize(1400, 800)
    again.show()
    qtbot.waitExposed(again)
    assert again.nav.width() == COMPACT_NAV_WIDTH and again.compact_nav_action.isChecked()
    assert again.record.page_width() is picked
    # the names picked where the width gives them anyway: back to automatic, next run too
    again.compact_nav_action.trigger()
    assert again.nav.width() == NAV_WIDTH
    again.close()
    third = MainWindow(data, settings=settings, thumbnails=False)
    qtbot.addWidget(third)
    third.resize(1008, 652)   # a strip by its width (test above)
    third.show()
    qtbot.waitUntil(lambda: third.size().toTuple() == (1008, 652), timeout=5000)
    assert third.nav.width() == COMPACT_NAV_WIDTH
    third.close()


def test_a_collection_while_a_recording_is_read_freezes_none_of_it(window, qtbot, monkeypatch):
    # a closed player's collection came while the next was opened and froze its Replayer
    # half made; that opening cancelled (or failed), it stayed frozen - never freed - until
    # the next close
    import gc
    import threading

    import player.qt.replay_widget as rw
    import player.replayer as rp

    qtbot.waitUntil(lambda: rw._releases_due == 0 and rw._released == 0, timeout=10000)
    inside, go = threading.Event(), threading.Event()

    class Held(rp.Replayer):   # the real one, held in the middle of the opening
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            inside.set()
            assert go.wait(60)

    monkeypatch.setattr(rp, "Replayer", Held)
    job = window.open_session("bob-browse")
    try:
        qtbot.waitUntil(inside.is_set, timeout=30000)
        gc.unfreeze()
        rw._collect_released()   # a closed player's collection, as its timer runs it now
        assert gc.get_freeze_count() == 0   # the half-made Replayer with the rest: not frozen
        job.cancel()
    finally:
        go.set()
    assert window.wait_opened(job) is None   # cancelled: nothing opened
    assert rw._opening == 0   # the opening over: the next collection freezes again
    rw._collect_released()
    assert gc.get_freeze_count() > 0
