"""How a dev-tools tab's rows became a live session's longer ones (player/qt/devtools/growth:
no Qt, no QApplication): what a growth leaves alone, and the work left for the table's filter
and search - the rows changed or new, not all of them."""
from __future__ import annotations

from player.qt.devtools.growth import growth


def _rows(n: int, start: int = 0) -> list[dict]:
    return [{"t": i * 10, "message": f"line {i}"} for i in range(start, start + n)]


def test_rows_added_after_the_last_are_the_only_work():
    old = _rows(1000)
    new = [dict(r) for r in old] + _rows(30, start=1000)   # read again: equal, not the same
    g = growth(old, new)
    assert g.changed == [] and g.added == 30 and g.taken == 0 and g.work == 30


def test_a_row_changed_in_place_is_work_the_rows_around_it_are_not():
    """An error seen again (its count and last moment), a view whose vitals came in."""
    old = _rows(500) + [{"t": 9000, "type": "TypeError", "count": 1, "last_t": 9000}]
    new = [dict(r) for r in old] + _rows(2, start=1000)
    new[3] = dict(new[3], message="line 3 (again)")
    new[4] = dict(new[4], message="line 4 (again)")
    new[500] = dict(new[500], count=2, last_t=9900)
    g = growth(old, new)
    assert g.changed == [(3, 4), (500, 500)] and g.added == 2 and g.work == 5


def test_a_row_arriving_before_others_makes_the_rows_after_it_work():
    old = _rows(100)
    late = {"t": 505, "message": "a request reported late"}
    new = old[:51] + [late] + old[51:]
    g = growth(old, new)
    assert g.changed == [(51, 99)] and g.added == 1 and g.work == 50


def test_fewer_rows_take_the_rest_away():
    old = _rows(10)
    g = growth(old, old[:7])
    assert g.changed == [] and g.taken == 3 and g.added == 0 and g.work == 0
