"""A long recording's player is made while its page loads (the first frame is read in the
background with the event loop going on), so the page can be ready before anyone connects
to `ready`: `replay play LONG --quit-after MS` then said "never opened: no frame shown
within 120 s" (exit 1) on the 1,000,000- and 400,000-event sessions, and `--follow` would not
have moved to the live edge. `RuntimeBridge.when_ready` runs what waits for it either way."""
from __future__ import annotations

import player.qt.webview  # noqa: F401  (schemes before the QApplication)

import player.qt.replay_widget as replay_widget
from player.qt.standalone import open_window
from replay_tools.generator import generate_session


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


def test_a_player_whose_page_was_ready_before_the_window_connected_opens(qapp, monkeypatch,
                                                                        capsys):
    """As a long recording's: the widget is made, and its page ready, before open_window
    connects to it."""
    made = []

    class ReadyFirst(replay_widget.ReplayWidget):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.bridge.wait_ready(30)     # the event loop ran while the recording was read
            made.append(self)

    monkeypatch.setattr(replay_widget, "ReplayWidget", ReadyFirst)
    monkeypatch.setattr("player.qt.standalone.QUIT_AFTER_CAP_MS", 15_000)   # a failure, soon
    events = list(generate_session(300, duration_ms=60_000, seed=3))
    code = open_window(events, "early", quit_after_ms=200)
    said = capsys.readouterr().err
    assert made and made[0].bridge.is_ready
    assert code == 0 and "never opened" not in said and "opened at" in said, said
