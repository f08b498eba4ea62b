"""How the player talks to the replay runtime: frames, patches and op batches travel as JSON
text parsed in the page (any recorded text arrives as it was), and the page makes animation
frames only while it has something to show or to mark as painted."""
from __future__ import annotations

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
from PySide6.QtTest import QTest

from player.patch import diff_view
from player.qt.replay_widget import ReplayWidget
from player.qt.standalone import dispose
from player.replayer import Replayer

# quotes, backslashes, what ends a script, the JS line separators, a pair of surrogates,
# a control character, and text that looks like JSON
TRICKY = ['say "hi" \\ back\\slash </script><!--',
          "lines\u2028and\u2029paragraphs \U0001F600 \x01 end",
          '{"k": "add", "node": [1, 2]} \\u0041 \\"']


def _events(first: str, later: str) -> list[dict]:
    doc = {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 3, "tagName": "head", "attributes": {}, "childNodes": []},
            {"type": 2, "id": 4, "tagName": "body", "attributes": {}, "childNodes": [
                {"type": 2, "id": 5, "tagName": "p", "attributes": {"title": first},
                 "childNodes": [{"type": 3, "id": 6, "textContent": first}]}]}]}]}
    return [
        {"type": 4, "timestamp": 1000, "data": {"href": "http://x.test/", "width": 600, "height": 400}},
        {"type": 2, "timestamp": 1001, "data": {"node": doc, "initialOffset": {"left": 0, "top": 0}}},
        {"type": 3, "timestamp": 40_000, "data": {"source": 0, "adds": [], "removes": [],
                                                   "texts": [{"id": 6, "value": later}],
                                                   "attributes": [{"id": 5, "attributes": {"title": later}}]}},
    ]


def _open(events: list[dict]) -> ReplayWidget:
    w = ReplayWidget(events)
    w.resize(900, 600)
    w.show()
    w.wait_ready()
    return w


def _shown(w: ReplayWidget) -> list:
    return w.bridge.call_sync("[window.__replay.textOf(6), window.__replay.attrsOf(5).title]")


def test_recorded_text_arrives_intact_in_frames_patches_and_batches(qapp):
    events = _events(TRICKY[0], TRICKY[1])
    r = Replayer(events)
    w = _open(events)
    try:
        b = w.bridge
        b.load_frame(r.frame_at(10))               # a whole frame
        b.wait_painted()
        assert _shown(w) == [TRICKY[0], TRICKY[0]]
        patch = diff_view(r.state_at(10), r.state_at(45_000), 45_000)
        assert patch is not None
        b.apply_patch(patch)                       # a seek that keeps the page
        b.wait_painted()
        assert _shown(w) == [TRICKY[1], TRICKY[1]]
        b.apply_ops([{"t": 50_000, "k": "text", "id": 6, "v": TRICKY[2]},   # a batch
                     {"t": 50_000, "k": "attr", "id": 5, "a": {"title": TRICKY[2]}}])
        b.wait_painted()
        assert _shown(w) == [TRICKY[2], TRICKY[2]]
        assert not b.errors
    finally:
        dispose(w)


def test_a_painted_page_asks_for_no_more_frames_until_there_is_work(qapp):
    w = _open(_events("still", "moved"))
    try:
        b = w.bridge
        w.seek_and_wait(10)
        # marked painted in an animation frame that asked for no next one (the loop that
        # asked for every frame kept the renderer and the compositors busy while idle)
        st = b.call_sync("window.__replay.state()")
        assert st["painted"] == st["applied"] and st["frameAsked"] is False
        rafs = st["stats"]["rafs"]
        w.seek_and_wait(45_000)                    # work: a frame is made and marked
        st = b.call_sync("window.__replay.state()")
        assert st["painted"] == st["applied"] and st["stats"]["rafs"] > rafs
        assert st["frameAsked"] is False
        assert _shown(w) == ["moved", "moved"]
        # frames asked for (the screenshot's wait for a laid-out page) are made
        rafs = b.call_sync("window.__replay.frames(3)")
        for _ in range(500):
            if b.call_sync("window.__replay.state().stats.rafs") >= rafs + 3:
                break
            QTest.qWait(5)
        assert b.call_sync("window.__replay.state().stats.rafs") >= rafs + 3
    finally:
        dispose(w)
