"""The player's Export menu: each format from the player, for the whole session or the range
Shift+dragged on the timeline, under the privacy rules the player was opened with."""
from __future__ import annotations

import ast
import json
import sys
import zipfile
from pathlib import Path

import player.qt.webview  # noqa: F401  (schemes before the QApplication)
import pytest
from PIL import Image, ImageSequence
from PySide6.QtCore import QPoint, Qt

from player.qt.replay_widget import ReplayWidget
from player.qt.standalone import dispose
from recorder.privacy import load_rules
from recorder.source import masked_source, open_recording

DEMO = Path(__file__).resolve().parents[3] / "assets" / "demo" / "demo-session.json"


@pytest.fixture
def player_widget(qtbot, tmp_path):
    src = masked_source(open_recording(str(DEMO), tmp_path), load_rules(None, tmp_path))
    w = ReplayWidget(src)
    w.resize(1400, 860)
    w.show()
    w.wait_ready()
    yield w
    dispose(w)


def test_the_menu_offers_every_format_from_the_timeline_row(player_widget):
    menu = player_widget.export_menu
    assert menu.button.isEnabled()
    assert player_widget.timeline.isAncestorOf(menu.button)
    assert list(menu.actions_by_format) == ["replay", "rrweb", "png", "har", "gif", "webp",
                                            "mp4", "webm", "playwright"]
    assert all(a.isEnabled() for a in menu.actions_by_format.values())   # PyAV is installed
    menu._refresh()
    assert not menu.clear_range.isEnabled()          # nothing selected: the whole session


def test_shift_drag_selects_a_range_and_exports_only_it(player_widget, qtbot, tmp_path):
    bar = player_widget.timeline.bar
    x0, x1 = bar.x_of(40_000), bar.x_of(46_000)
    y = int(bar.track_rect().center().y())
    qtbot.mousePress(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     QPoint(int(x0), y))
    qtbot.mouseMove(bar, QPoint(int(x1), y))
    qtbot.mouseRelease(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                       QPoint(int(x1), y))
    lo, hi = bar.selection
    assert abs(lo - 40_000) < 500 and abs(hi - 46_000) < 500
    player_widget.export_menu._refresh()
    assert "selected range" in player_widget.export_menu.actions_by_format["har"].toolTip()

    har = player_widget.export_menu.export("har", tmp_path / "part.har")
    entries = json.loads(har.read_text())["log"]["entries"]
    rows = [r for r in player_widget.devtools.network.model.rows if lo <= r["t"] <= hi]
    assert entries and [e["request"]["url"] for e in entries] == [r["url"] for r in rows]

    script = player_widget.export_menu.export("playwright", tmp_path / "part.py")
    text = script.read_text()
    ast.parse(text)
    steps = [ln for ln in text.splitlines() if ln.strip().startswith("# ") and ". " in ln]
    assert "Open http" in steps[0]           # the page the range's steps happen on, first
    assert any("Country" in s for s in steps) and not any("Add to cart" in s for s in steps)

    # a clip follows the player's Skip inactivity box: unticked, the range at 10 frames a second
    player_widget.timeline.skip_box.setChecked(False)
    clip = player_widget.export_menu.export("webp", tmp_path / "part.webp")
    durations = [(f.load(), f.info["duration"])[1] for f in ImageSequence.Iterator(Image.open(clip))]
    assert sum(durations) == ((hi - lo) // 100 + 1) * 100

    # a Shift+click clears the range: the whole session again
    qtbot.mousePress(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     QPoint(int(x0), y))
    qtbot.mouseRelease(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                       QPoint(int(x0), y))
    assert bar.selection is None


def test_a_bundle_from_the_player_marks_the_moment_on_show(player_widget, qtbot, tmp_path):
    """Without a moment in its report, the moment on show is the bug's - said, with whose it
    is (it was written in silence: a QA clicked a step, exported, and the bundle said "Bug
    at" that step); with one, the report's is written, whatever is on show."""
    player_widget.seek_and_wait(58_000)
    with qtbot.waitSignal(player_widget.export_menu.exported) as said:   # the windows say it
        out = player_widget.export_menu.export("replay", tmp_path / "bug.replay")
    assert said.args == [f"Bug bundle (.replay) of session acme-shop-demo written to {out}; the"
                         " bug at 0:58.0, the moment on show - no bug report was written for it"
                         " (no title, no notes)"]
    with zipfile.ZipFile(out) as z:
        bug = json.loads(z.read("manifest.json"))["session"]["context"]["bug"]
    assert bug["at_ms"] == 58_000
    assert bug["steps"][0]["kind"] == "navigate"
    # the player was opened under the default rules: typed text is masked in the steps too
    assert all(s.get("text") in (None, "") for s in bug["steps"] if s["kind"] == "type")

    handed = ReplayWidget(open_recording(str(out), tmp_path))   # its report has the moment
    try:
        handed.seek(12_000)
        handed.export_menu.moment_help = "Bug Report… (Ctrl+B)"   # as the app's window says
        with qtbot.waitSignal(handed.export_menu.exported) as said:
            again = handed.export_menu.export("replay", tmp_path / "again.replay")
        assert said.args[0].endswith("; the bug at 0:58.0, as its report says - Bug Report…"
                                     " (Ctrl+B) changes it"), said.args
        with zipfile.ZipFile(again) as z:
            assert json.loads(z.read("manifest.json"))["session"]["context"]["bug"][
                "at_ms"] == 58_000
    finally:
        dispose(handed)


def test_a_video_from_the_player_holds_the_range_at_ten_frames_a_second(player_widget, tmp_path):
    import av

    menu = player_widget.export_menu
    menu.bar.set_selection((40_000, 42_000))
    player_widget.timeline.skip_box.setChecked(False)
    out = menu.export("webm", tmp_path / "part.webm")
    with av.open(str(out)) as c:
        (stream,) = c.streams.video
        assert stream.codec_context.name == "vp9"
        assert stream.average_rate == 10 and stream.width % 2 == stream.height % 2 == 0
        assert sum(1 for _ in c.decode(stream)) == 21   # 40.0, 40.1, ... 42.0 s
    assert [p.name for p in tmp_path.iterdir()] == ["part.webm"]


def test_without_pyav_the_video_entries_are_greyed_and_say_how_to_install(player_widget,
                                                                          monkeypatch, qtbot,
                                                                          tmp_path):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from player.clip_encode import INSTALL_VIDEO

    monkeypatch.setitem(sys.modules, "av", None)   # PyAV unimportable, as without the extra
    menu = player_widget.export_menu
    menu._refresh()
    for fmt in ("mp4", "webm"):
        action = menu.actions_by_format[fmt]
        assert not action.isEnabled()
        assert "need PyAV" in action.toolTip() and INSTALL_VIDEO in action.toolTip()
    assert menu.actions_by_format["gif"].isEnabled()
    # and look it: the player's style gave every entry one colour, and its tooltips never showed
    assert menu.toolTipsVisible()
    menu.popup(player_widget.mapToGlobal(QPoint(10, 10)))
    qtbot.waitExposed(menu)
    picture = menu.grab().toImage()
    menu.hide()

    def brightest(fmt: str) -> int:   # of the entry's text, its lightest pixel
        r = menu.actionGeometry(menu.actions_by_format[fmt])
        return max(picture.pixelColor(x, y).lightness()
                   for x in range(r.left(), r.right()) for y in range(r.top(), r.bottom()))
    assert brightest("mp4") < brightest("gif") - 60, (brightest("mp4"), brightest("gif"))
    # asked anyway (not through the greyed entry): it says why and writes nothing
    said = []

    def close_the_warning():
        box = QApplication.activeModalWidget()
        said.append(box.text())
        box.close()

    QTimer.singleShot(0, close_the_warning)
    assert menu.export("mp4", tmp_path / "x.mp4") is None
    assert said and INSTALL_VIDEO in said[0]
    assert list(tmp_path.iterdir()) == []


def _answer_long_clip(player, *, anyway: bool, asked: list | None = None) -> None:
    """Answers the long-clip question once it is up (it is modal: asked from a timer)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    box = player.findChild(QMessageBox, "longClipQuestion")
    if box is None or not box.isVisible():
        QTimer.singleShot(20, lambda: _answer_long_clip(player, anyway=anyway, asked=asked))
        return
    if asked is not None:
        asked.append(box.text())
    if anyway:
        next(b for b in box.buttons() if "anyway" in b.text()).click()
    else:
        box.button(QMessageBox.StandardButton.Cancel).click()


def test_a_long_animation_is_painted_only_once_asked(player_widget, qtbot, tmp_path):
    """A whole-session GIF of the demo took 49 s and weighed 9 MB with no word before (a
    support engineer's tryout): past LONG_ANIMATION_FRAMES the export asks, naming the
    frames and the ways to a light file; Cancel writes nothing. A short range, a
    video, a bundle are not asked about."""
    from PySide6.QtCore import QTimer

    from player.clip_encode import LONG_ANIMATION_FRAMES

    menu = player_widget.export_menu
    assert menu.scope() is None and menu.clip_frames() > LONG_ANIMATION_FRAMES
    asked: list[str] = []
    QTimer.singleShot(0, lambda: _answer_long_clip(player_widget, anyway=False, asked=asked))
    assert menu.export("gif", tmp_path / "whole.gif") is None
    assert len(asked) == 1 and f"{menu.clip_frames()} frames" in asked[0]
    assert "Shift+drag" in asked[0] and "MP4" in asked[0]
    assert list(tmp_path.iterdir()) == []
    menu.bar.set_selection((40_000, 42_000))          # a few seconds: no question
    assert menu.clip_frames() <= LONG_ANIMATION_FRAMES
    assert menu.export("gif", tmp_path / "short.gif") == tmp_path / "short.gif"
    assert len(asked) == 1


def test_the_long_clip_question_is_for_animations_past_the_limit_only():
    from player.clip_encode import LONG_ANIMATION_FRAMES, ClipFormat, long_clip_question

    assert long_clip_question(ClipFormat.GIF, LONG_ANIMATION_FRAMES, 30_000) is None
    q = long_clip_question(ClipFormat.WEBP, 681, 68_100)   # as the timeline says 68.1 s
    assert q is not None and "WEBP would hold 681 frames (1:09 of the session)" in q
    assert long_clip_question(ClipFormat.MP4, 10 * LONG_ANIMATION_FRAMES, 300_000) is None


def test_a_clip_can_be_cancelled_and_a_bundle_says_it_is_whole(player_widget, qtbot, tmp_path):
    """The clip's progress dialog has a Cancel that stops it with nothing written (a long
    clip locked the player until done); a bundle exported with a range selected says it
    holds the whole session (it did, silently: a QA's tryout)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QProgressDialog

    menu = player_widget.export_menu
    menu.bar.set_selection((0, 60_000))
    player_widget.timeline.skip_box.setChecked(False)   # 601 frames: long enough to cancel

    def cancel_once_painting() -> None:
        dialog = player_widget.findChild(QProgressDialog)
        if dialog is not None and dialog.value() > 2:
            dialog.cancel()
        else:
            QTimer.singleShot(20, cancel_once_painting)
    QTimer.singleShot(20, cancel_once_painting)
    QTimer.singleShot(0, lambda: _answer_long_clip(player_widget, anyway=True))
    with qtbot.waitSignal(menu.exported, timeout=120_000) as said:
        assert menu.export("gif", tmp_path / "long.gif") is None
    assert said.args == ["Cancelled: long.gif was not written"]
    assert list(tmp_path.iterdir()) == []
    with qtbot.waitSignal(menu.exported) as said:
        menu.export("replay", tmp_path / "bug.replay")
    assert "the whole session: the range is for clips" in said.args[0]


def test_an_export_is_named_after_the_bugs_title(tmp_path):
    from types import SimpleNamespace

    from player.qt.export_menu import suggested_name

    def src(context):
        return SimpleNamespace(id="8dda0c07", info=SimpleNamespace(context=context))
    assert suggested_name(src({"bug": {"title": "Coupon does nothing!"}})) == "coupon-does-nothing"
    assert suggested_name(src({"bug": {"title": "???"}})) == "8dda0c07"
    assert suggested_name(src(None)) == "8dda0c07"


def test_the_recording_as_rrweb_json_and_a_screenshot_of_the_moment_on_show(player_widget, qtbot,
                                                                          tmp_path):
    """The app's Export offered neither (a QA's tryout): the rrweb JSON is what `replay
    export -o FILE.json` writes, the PNG what `replay screenshot --at` paints at the moment on
    show."""
    from recorder.source import open_recording as read

    player_widget.seek_and_wait(40_000)
    menu = player_widget.export_menu
    with qtbot.waitSignal(menu.exported) as said:
        out = menu.export("rrweb", tmp_path / "s.json")
    assert said.args[0].endswith(f"written to {out}")
    events = json.loads(out.read_text())
    assert events[0]["data"]["tag"] == "replay/session"
    with read(str(out), tmp_path) as again:
        assert len(list(again.events())) == len(list(player_widget.source.events()))
    png = menu.export("png", tmp_path / "moment.png")
    assert Image.open(png).size == tuple(int(v) for v in player_widget.stage.recorded)
    assert "moment on show" in menu.actions_by_format["png"].toolTip()


def _slow_events(src, per_event_s: float) -> None:
    """`src` reads its events `per_event_s` apart, as a 2-hour session's 60,000 take seconds."""
    import time

    read = src.events

    def events():
        for e in read():
            time.sleep(per_event_s)
            yield e
    src.events = events


@pytest.mark.parametrize("fmt", ["replay", "har", "rrweb", "playwright"])
def test_an_export_read_from_every_event_keeps_the_window_going(player_widget, tmp_path, fmt):
    """A bundle, HAR, rrweb JSON or Playwright script of a 2-hour session froze the window
    for 1.5 to 16 s (a support engineer's tryout: no repaint, no progress, no Cancel): it
    was written on the UI thread. It is written in a thread now: the event loop runs
    meanwhile, and the file is the same."""
    from PySide6.QtCore import QTimer

    _slow_events(player_widget.source, 0.002)   # the demo's 416 events: about a second
    ticks = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    out = player_widget.export_menu.export(fmt, tmp_path / f"s{fmt}")
    timer.stop()
    assert out is not None and out.stat().st_size > 0
    assert len(ticks) >= 10   # the window went on while the file was written


def test_a_slow_export_shows_a_busy_dialog_whose_cancel_writes_nothing(player_widget, qtbot,
                                                                       tmp_path):
    """Its dialog shows once the export lasts; Cancel stops the writer at the next event
    read: nothing is written, and the status line says so."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QPushButton

    _slow_events(player_widget.source, 0.02)   # 8 s: long enough to see and cancel
    menu = player_widget.export_menu
    seen = []

    def cancel_once_shown() -> None:
        if menu.dialog is not None and menu.dialog.isVisible():
            seen.append(menu.dialog.labelText())
            menu.dialog.findChild(QPushButton).click()   # its Cancel
        else:
            QTimer.singleShot(20, cancel_once_shown)
    QTimer.singleShot(20, cancel_once_shown)
    with qtbot.waitSignal(menu.exported, timeout=30_000) as said:
        assert menu.export("har", tmp_path / "requests.har") is None
    assert seen == ["Writing requests.har…"]
    assert said.args == ["Cancelled: requests.har was not written"]
    assert list(tmp_path.iterdir()) == []
    assert menu.dialog is None


def test_cancel_while_a_bundle_writes_its_segments_writes_nothing(player_widget, qtbot,
                                                                  tmp_path):
    """A bundle's events are read first (its steps), then its segments copied: Cancel
    pressed during the copying waited for it to end and the bundle was written all the
    same, "written" said. It stops at the next segment now: nothing written, said."""
    import time

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QPushButton

    src = player_widget.source
    raw = src.raw_segment
    copying = []

    def slow_raw(i):   # the copying step, slow as a long session's is
        copying.append(i)
        time.sleep(1.0)
        return raw(i)
    src.raw_segment = slow_raw
    menu = player_widget.export_menu

    def cancel_once_copying() -> None:
        if copying and menu.dialog is not None and menu.dialog.isVisible():
            menu.dialog.findChild(QPushButton).click()   # its Cancel
        else:
            QTimer.singleShot(20, cancel_once_copying)
    QTimer.singleShot(20, cancel_once_copying)
    try:
        with qtbot.waitSignal(menu.exported, timeout=30_000) as said:
            assert menu.export("replay", tmp_path / "bug.replay") is None
    finally:
        src.raw_segment = raw
    assert said.args == ["Cancelled: bug.replay was not written"]
    assert list(tmp_path.iterdir()) == []


def test_every_format_says_a_missing_folder_alike_and_gets_its_suffix(player_widget, tmp_path):
    """A name in a folder that does not exist was a Python error naming a `.tmp` file the
    person never typed for a bundle or a HAR, and made the folder silently for a PNG or a
    video; a name typed without a suffix was written as it was (a QA/support tryout). Every
    format now says it alike - the folder, in words - and writes nothing; a name without the
    format's suffix gets it."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    menu = player_widget.export_menu
    said: list[str] = []

    def close_the_warning():
        box = QApplication.activeModalWidget()
        said.append(box.text())
        box.close()

    for fmt in ("replay", "har", "png", "mp4"):
        QTimer.singleShot(0, close_the_warning)
        assert menu.export(fmt, tmp_path / "nope" / f"x.{fmt}") is None
    assert said == [f"x.{fmt} was not written: the folder {tmp_path / 'nope'} does not exist"
                    " - choose another place" for fmt in ("replay", "har", "png", "mp4")]
    assert list(tmp_path.iterdir()) == []
    out = menu.export("har", tmp_path / "requests")
    assert out == tmp_path / "requests.har" and json.loads(out.read_text())["log"]["entries"]
    assert menu.export("png", tmp_path / "moment.PNG") == tmp_path / "moment.PNG"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["moment.PNG", "requests.har"]


def test_a_suffix_added_to_a_name_typed_asks_before_replacing_a_file(player_widget, tmp_path,
                                                                     monkeypatch):
    """The Save dialog asks before replacing the file typed - `requests` - not the one the
    format's suffix makes of it, `requests.har`, which was replaced without a word (a
    reviewer's): that one is asked here."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

    kept = tmp_path / "requests.har"
    kept.write_text("the HAR of yesterday")
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "requests"), "")))
    asked: list[str] = []

    def answer(button):
        def press():
            box = QApplication.activeModalWidget()
            asked.append(box.text())
            box.button(button).click()
        QTimer.singleShot(0, press)

    menu = player_widget.export_menu
    answer(QMessageBox.StandardButton.No)
    assert menu.export("har") is None
    assert kept.read_text() == "the HAR of yesterday"
    answer(QMessageBox.StandardButton.Yes)
    assert menu.export("har") == kept
    assert json.loads(kept.read_text())["log"]["entries"]
    assert asked == [f"requests.har already exists in {tmp_path}. Replace it?"] * 2


def test_the_export_dialog_opens_in_the_last_folder_exported_to_not_the_working_one(
        player_widget, tmp_path, monkeypatch):
    """A QA engineer's tryout: the Save dialog opened in the folder the app was started in (a
    checkout of the project's sources). It opens in the home folder, then where the last
    export went."""
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog

    from player.qt import export_menu
    monkeypatch.setattr(export_menu._Folder, "last", None)
    offered: list[str] = []
    out = tmp_path / "exports"
    out.mkdir()

    def save(_parent, _title, suggested, _filter):
        offered.append(suggested)
        return str(out / Path(suggested).name), ""
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save))
    menu = player_widget.export_menu
    assert menu.export("har") is not None and menu.export("har") is not None
    assert [str(Path(s).parent) for s in offered] == [str(Path.home()), str(out)], offered
