"""The app's page navigation, as rules (app.nav: no Qt)."""
from __future__ import annotations

from app.nav import COMPACT_BELOW, nav_compact, nav_text


def test_a_narrow_window_has_the_strip_unless_chosen_otherwise():
    assert nav_compact(1008) and nav_compact(COMPACT_BELOW - 1)
    assert not nav_compact(1350) and not nav_compact(COMPACT_BELOW)
    assert not nav_compact(1008, chosen=False) and nav_compact(1350, chosen=True)


def test_each_page_has_its_own_character_in_the_strip():
    titles = ["Sessions", "Record", "Privacy", "Settings"]
    signs = [nav_text(t, True) for t in titles]
    assert signs == ["S", "R", "P", "⚙"] and len(set(signs)) == len(signs)
    assert [nav_text(t, False) for t in titles] == titles
