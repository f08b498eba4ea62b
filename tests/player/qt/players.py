"""The demo session in a shown ReplayWidget, for the player's Qt test modules."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from app.commands.demo import DEMO
from player.qt.replay_widget import ReplayWidget
from player.qt.standalone import dispose
from recorder.source import open_recording


@contextmanager
def demo_player(data_dir, size: tuple[int, int], *, indexed: bool = False
                ) -> Iterator[ReplayWidget]:
    """The demo opened from `data_dir`, shown at `size`, its first frame painted (and its
    index built, `indexed`); disposed of after."""
    src = open_recording(str(DEMO), data_dir)
    w = ReplayWidget(src)
    w.resize(*size)
    w.show()
    w.wait_ready()
    if indexed:
        w.wait_indexed()
    try:
        yield w
    finally:
        dispose(w)
        src.close()


def evaluated_in_replay(events: list[dict], script: str, at_ms: int = 0,
                        size: tuple[int, int] = (1200, 700)) -> str:
    """What `script` (JavaScript, in the runtime's world) gives on the replayed page of
    `events` at `at_ms`, in a ReplayWidget shown at `size` (the dev-tools pane beside)."""
    w = ReplayWidget(events)
    try:
        w.resize(*size)
        w.show()
        w.wait_ready()
        w.seek_and_wait(at_ms)
        return w.bridge.call_sync(script)
    finally:
        dispose(w)
