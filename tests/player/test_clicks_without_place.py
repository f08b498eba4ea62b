"""A click no pointer made (Enter on a button, a form submitted with Enter, a script's
`el.click()`) happened nowhere: rrweb's recorder records it at 0, 0 (capture.js without x/y),
and the player drew the cursor jumping to the page's corner with a ripple there. One reading
(recorder.semantics.interaction_place) for the player's ops, the timeline's mouse path and the
Actions list."""
from __future__ import annotations

import pytest

from player.replayer import Replayer
from recorder.semantics import interaction_place, read
from recorder.source import ListSource

T0 = 1_700_000_000_000


def _el(i, tag, kids=()):
    return {"type": 2, "id": i, "tagName": tag, "attributes": {}, "childNodes": list(kids)}


def _events(click_x, click_y, kind=2):
    doc = {"type": 0, "id": 1, "childNodes": [
        _el(2, "html", [_el(3, "head"), _el(4, "body", [_el(5, "button")])])]}
    return [
        {"type": 4, "timestamp": T0, "data": {"href": "https://shop.test/", "width": 800,
                                              "height": 600}},
        {"type": 2, "timestamp": T0 + 1, "data": {"node": doc,
                                                  "initialOffset": {"top": 0, "left": 0}}},
        {"type": 3, "timestamp": T0 + 100,
         "data": {"source": 1, "positions": [{"x": 300, "y": 200, "id": 5, "timeOffset": 0}]}},
        {"type": 3, "timestamp": T0 + 500,
         "data": {"source": 2, "type": kind, "id": 5, "x": click_x, "y": click_y}},
        {"type": 3, "timestamp": T0 + 900,
         "data": {"source": 1, "positions": [{"x": 310, "y": 210, "id": 5, "timeOffset": 0}]}},
    ]


@pytest.mark.parametrize("data,place", [
    ({"source": 2, "type": 2, "id": 5, "x": 0, "y": 0}, None),                    # a key's click
    ({"source": 2, "type": 2, "id": 5, "x": 0, "y": 0, "pointerType": 0}, None),  # rrweb carries it over
    ({"source": 2, "type": 2, "id": 5}, None),                                   # capture.js's
    ({"source": 2, "type": 2, "id": 5, "x": 0, "y": 7}, (0, 7)),                 # the left edge
    ({"source": 2, "type": 1, "id": 5, "x": 0, "y": 0}, (0, 0)),                 # a press is a pointer's
    ({"source": 2, "type": 5, "id": 5}, None),                                   # focus
])
def test_where_an_interaction_happened(data, place):
    assert interaction_place(data) == place


def test_the_cursor_stays_where_the_mouse_was_and_no_ripple_is_placed():
    r = Replayer(ListSource(_events(0, 0)))
    ops = r.ops_between(0, 1000)
    assert [(o["x"], o["y"]) for o in ops if o["k"] == "mouse"] == [(300, 200), (310, 210)]
    [click] = [o for o in ops if o["k"] == "click"]
    assert "x" not in click and click["id"] == 5          # still a click, of the button
    tl = r.timeline
    assert tl.mouse_at(500) == (305, 205)                 # on its way, not in the corner
    assert (0, 0) not in [(x, y) for _, x, y in tl.mouse_trail(0, 1000)]
    [action] = read(_events(0, 0), origin=T0).clicks
    assert (action.x, action.y) == (None, None)


def test_a_click_somewhere_moves_the_cursor_there_and_ripples():
    r = Replayer(ListSource(_events(40, 50)))
    ops = r.ops_between(0, 1000)
    assert [(o["x"], o["y"]) for o in ops if o["k"] == "mouse"] == [(300, 200), (40, 50),
                                                                     (310, 210)]
    [click] = [o for o in ops if o["k"] == "click"]
    assert (click["x"], click["y"]) == (40, 50)
    assert r.timeline.mouse_at(500) == (40, 50)
