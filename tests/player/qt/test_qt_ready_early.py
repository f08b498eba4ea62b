"""A long recording's player is made while its page loads (the first frame is read in the
background with the event loop going on), so the page can be ready before anyone connects
to `ready`: `replay play LONG --quit-after MS` then said "never opened: no frame shown
within 120 s" (exit 1) on the 1,000,000- and 400,000-event sessions, and `--follow` would not
have moved to the live edge. `RuntimeBridge.when_ready` runs what waits for it either way."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import player.qt.webview  # noqa: F401  (schemes before the QApplication)

ROOT = Path(__file__).resolve().parents[3]


def test_when_ready_runs_once_whether_the_view_is_ready_before_or_after(qapp, qtbot):
    from player.qt.stage import ReplayStage
    from player.qt.runtime_bridge import RuntimeBridge

    stage = ReplayStage()
    qtbot.addWidget(stage)
    bridge = RuntimeBridge(stage.page)
    before = []
    if not bridge.is_ready:
        bridge.when_ready(lambda: before.append(1))
    bridge.wait_ready(30)
    qtbot.waitUntil(lambda: bridge.is_ready)
    after = []
    bridge.when_ready(lambda: after.append(1))
    assert after == []                     # in the event loop's next step, not in the call
    qtbot.waitUntil(lambda: after == [1], timeout=5000)
    stage.page.runtimeReady.emit()         # (a reload) does not call it again
    qtbot.wait(10)
    assert after == [1] and before in ([], [1])


# (run in a process of its own: open_window runs the application's whole event loop, and its
# end - the window closed, QCoreApplication::exit - emits aboutToQuit, on which QtWebEngine
# tears itself down; in a test worker still holding dozens of modules' web views and pages
# that crashed (Segmentation fault in libQt6WebEngineCore under QCoreApplication::exit, seen
# with gdb after ten app modules and tests/player/qt in one process) - a quit is a process's
# last act, as in `replay play`, never one test's)
READY_FIRST = """
import json, os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
import player.qt.webview  # (schemes before the QApplication)
import player.qt.replay_widget as replay_widget
import player.qt.standalone as standalone
from replay_tools.generator import generate_session

made = []

class ReadyFirst(replay_widget.ReplayWidget):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bridge.wait_ready(30)     # the event loop ran while the recording was read
        made.append(self.bridge.is_ready)

replay_widget.ReplayWidget = ReadyFirst
standalone.QUIT_AFTER_CAP_MS = 15_000   # a failure, soon
events = list(generate_session(300, duration_ms=60_000, seed=3))
code = standalone.open_window(events, "early", quit_after_ms=200)
print(json.dumps({"code": code, "made": made}))
"""


def test_a_player_whose_page_was_ready_before_the_window_connected_opens():
    """As a long recording's: the widget is made, and its page ready, before open_window
    connects to it."""
    proc = subprocess.run([sys.executable, "-c", READY_FIRST], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    said = proc.stderr
    assert out["made"] == [True]
    assert out["code"] == 0 and "never opened" not in said and "opened at" in said, said
