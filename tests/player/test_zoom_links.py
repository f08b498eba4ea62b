"""The player's pure logic behind the page bar, zoom, links and the Network columns: no
QApplication needed."""
from __future__ import annotations

import pytest

from player.links import BadLink, moment_link, parse_moment_link
from player.qt.devtools.models import columns_to_hide
from player.qt.session_view import SessionView, page_urls
from player.zoom import (MAX_VIEW_PX, ZOOM_STEPS, fit_zoom, pane_below, pane_height, pane_width,
                         place, zoom_in, zoom_out)


def test_fit_scales_the_page_into_the_stage_at_the_top():
    p = place(800, 700, (1280, 800), None, margin=4)
    assert p.zoom == pytest.approx(792 / 1280)
    assert p.width == 792 and p.height == round(800 * 792 / 1280)
    assert (p.x, p.y) == (4, 4)                    # top, not centred between two bands
    assert p.max_pan_x == p.max_pan_y == 0
    # a tall phone page is centred across a wide stage
    q = place(1000, 700, (390, 844), None)
    assert q.height == 700 and q.x == (1000 - q.width) // 2


def test_100_percent_is_the_recorded_size_and_scrolls_when_larger():
    p = place(800, 600, (1280, 800), 1.0, pan=(300, 9999))
    assert (p.width, p.height, p.zoom) == (1280, 800, 1.0)
    assert (p.max_pan_x, p.max_pan_y) == (480, 200)
    assert (p.pan_x, p.pan_y) == (300, 200)         # the pan is kept inside the page
    assert (p.x, p.y) == (-300, -200)
    small = place(1600, 1000, (1280, 800), 1.0, pan=(50, 50))
    assert small.max_pan_x == 0 and small.x == 160 and small.pan_x == 0


def test_zoom_steps_and_range():
    assert zoom_in(1.0) == 1.1 and zoom_out(1.0) == 0.9
    assert zoom_in(0.62) == 0.67 and zoom_out(0.62) == 0.5   # from a fitted zoom
    assert zoom_in(ZOOM_STEPS[-1]) == ZOOM_STEPS[-1] and zoom_out(ZOOM_STEPS[0]) == ZOOM_STEPS[0]
    assert place(100, 100, (1280, 800), 99).zoom == 5.0
    assert fit_zoom(10, 10, 16384, 16384) == 0.25
    # the zoomed page (the web view) stays within MAX_VIEW_PX a side: a 16,384 px wide
    # recording is shown at 50 % when 100 % is asked for
    huge = place(800, 600, (16384, 600), 1.0)
    assert huge.zoom == 0.5 and huge.width == MAX_VIEW_PX


def test_the_pane_gets_what_the_fitted_page_does_not_need():
    # a wide desktop page: the pane keeps its minimum, the stage gets the rest
    assert pane_width(1480, 800, (1280, 800), 510, 320) == 510
    # a phone page: the stage is as wide as the page at full height, the pane the rest
    assert pane_width(1480, 800, (390, 844), 510, 320) == 1480 - 370


def test_a_tall_window_puts_the_pane_below_a_landscape_page():
    desktop = (1280, 800)
    # 1280x720 and 1366x768 screens: beside (below, the page would be smaller)
    assert not pane_below(1280, 640, desktop, 460, 300)
    assert not pane_below(1366, 690, desktop, 460, 300)
    # 1280x1024: below, the page at the full width (beside, it would be 820 px wide)
    assert pane_below(1280, 940, desktop, 460, 300)
    assert fit_zoom(1280, 940 - 300, *desktop) > fit_zoom(1280 - 460, 940, *desktop)
    # a phone recording stays beside the pane whatever the window
    assert not pane_below(1280, 1400, (390, 844), 460, 300)
    # below, the stage gets the page's height at the full width, the pane the rest
    assert pane_height(1280, 1200, desktop, 300) == 1200 - 800
    assert pane_height(1280, 940, desktop, 300) == 300      # never below its minimum


def test_a_link_names_the_session_and_moment_and_parses_back():
    link = moment_link("8dda0c07f1e2", 42000.7)
    assert link == "replay://8dda0c07f1e2?t=42000"
    assert parse_moment_link(link) == ("8dda0c07f1e2", 42000)
    assert parse_moment_link("replay://abc") == ("abc", 0)
    assert parse_moment_link("replay:///abc?t=5") == ("abc", 5)


@pytest.mark.parametrize("bad,said", [
    ("http://x/abc?t=1", "is not a replay:// link"),
    ("replay://?t=1", "names no session"),
    ("replay://abc?t=soon", "is not a number"),
    ("replay://abc?t=-5", "before the session starts"),
])
def test_a_bad_link_says_what_is_wrong(bad, said):
    with pytest.raises(BadLink, match=said):
        parse_moment_link(bad)


def test_the_url_at_a_moment_follows_navigations_and_views():
    pages = page_urls([(7.0, "https://a/index"), (29587.0, "https://a/checkout")],
                      [(32.0, "https://a/index"), (29602.0, "https://a/checkout"),
                       (40000.0, "https://a/checkout#pay")])
    assert pages == [(7, "https://a/index"), (29587, "https://a/checkout"),
                     (40000, "https://a/checkout#pay")]
    sv = SessionView(pages=pages)
    assert sv.url_at(0) == "https://a/index"         # the first frame is that page
    assert sv.url_at(29586) == "https://a/index"
    assert sv.url_at(29587) == "https://a/checkout"
    assert sv.url_at(60000) == "https://a/checkout#pay"
    assert SessionView().url_at(10) == ""


def test_narrow_tables_hide_the_columns_that_give_way_first():
    widths, drops = [64, 58, 222, 52, 60, 64, 70, 120], [0, 1, 0, 0, 3, 4, 0, 2]
    assert columns_to_hide(widths, drops, 2000) == set()
    assert columns_to_hide(widths, drops, 600) == {5, 4}          # size, then type
    assert columns_to_hide(widths, drops, 480) == {5, 4, 7}       # then the waterfall
    assert columns_to_hide(widths, drops, 100) == {5, 4, 7, 1}    # never the URL itself
