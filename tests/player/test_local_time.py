"""player/local_time: the one conversion of a moment to local time for display (that the
list and the Session tab read one time: tests/app/test_started_time_agrees.py)."""
from __future__ import annotations

import math

import pytest

from player.local_time import local_time, started_text, when_text

NO_CALENDAR = 1e20      # ms: past the year 9999, which no datetime holds


@pytest.mark.parametrize("ms", [NO_CALENDAR, -NO_CALENDAR, math.nan])
def test_a_value_no_calendar_holds_is_shown_as_it_is(ms):
    """The sessions list showed such a start as-is, while the Session tab, the Privacy
    page's session box and `replay app list` converted it on their own and raised: one
    imported session from before timestamps were checked broke them. Now all say it."""
    assert local_time(ms) is None
    assert when_text(ms) == started_text(ms) == f"? ({ms:g} ms)"
