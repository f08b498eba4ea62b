"""A session's start reads the same in the sessions list (`replay sessions`, the app's
Start column) and the player's Session tab: local time, its zone said."""
from __future__ import annotations

import time

import pytest

from player.local_time import when_text

T = 1_764_860_520_000   # 2025-12-04 15:02:00 UTC


@pytest.fixture
def berlin(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _started(t: int) -> str:
    """The Session tab's Started row of a session that began at `t`."""
    from player.qt.session_view import build_session_view
    from player.replayer import Replayer
    from recorder.source import ListSource

    events = [{"type": 4, "data": {"href": "https://shop.example/", "width": 800,
                                   "height": 600}, "timestamp": t},
              {"type": 2, "data": {"node": {"type": 0, "id": 1, "childNodes": []},
                                   "initialOffset": {"left": 0, "top": 0}}, "timestamp": t}]
    sv = build_session_view(Replayer(ListSource(events), mode="eager"), None)
    return dict(sv.facts)["Started"]


def test_the_session_tab_says_the_start_in_the_lists_local_time(berlin):
    """The list said 16:02 (local), the Session tab 15:02:00 UTC: a support engineer in
    Berlin matching a customer's "around 4pm" read two times for one session."""
    assert when_text(T) == "2025-12-04 16:02"
    assert _started(T) == "2025-12-04 16:02:00 CET (15:02:00 UTC)"


def test_in_utc_it_is_said_once(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        assert _started(T) == "2025-12-04 15:02:00 UTC"
    finally:
        monkeypatch.undo()
        time.tzset()
