"""The recording browser's page width, as numbers (app.record.viewport: no Qt)."""
from __future__ import annotations

import math

import pytest

from app.record.viewport import (DESKTOP_WIDTH, PageWidth, Recorded, default_width, recorded,
                                 zoom_for)


@pytest.mark.parametrize("area, choice", [(534, PageWidth.DESKTOP), (876, PageWidth.DESKTOP),
                                          (1279, PageWidth.DESKTOP), (1280, PageWidth.WINDOW),
                                          (1700, PageWidth.WINDOW)])
def test_a_browser_area_narrower_than_a_desktop_page_records_one_by_default(area, choice):
    assert default_width(area) is choice


@pytest.mark.parametrize("area_w, area_h", [(876, 625), (534, 557), (1280, 800), (1700, 900)])
def test_desktop_records_a_page_1280_wide_whatever_the_area(area_w, area_h):
    size = recorded(PageWidth.DESKTOP, area_w, area_h)
    assert size.width == DESKTOP_WIDTH
    assert size.zoom == pytest.approx(area_w / DESKTOP_WIDTH)
    assert size.height == math.floor(area_h * DESKTOP_WIDTH / area_w)   # as Chromium: down


def test_window_records_the_area_as_it_is():
    assert recorded(PageWidth.WINDOW, 876, 625) == Recorded(876, 625, 1.0)
    assert zoom_for(PageWidth.WINDOW, 500) == 1.0


def test_the_zoom_stays_in_what_the_browser_can_show():
    assert zoom_for(PageWidth.DESKTOP, 100) == 0.25
    assert zoom_for(PageWidth.DESKTOP, 0) == 1.0   # (not laid out yet)


def test_the_size_is_said_with_the_scale_it_is_shown_at():
    assert recorded(PageWidth.DESKTOP, 876, 560).said() == \
        "Viewport 1280 × 818 (shown at 68%)"
    assert recorded(PageWidth.WINDOW, 876, 560).said() == "Viewport 876 × 560"
    # a laptop's bar: short, so the address keeps its room
    assert recorded(PageWidth.DESKTOP, 876, 560).said(short=True) == "1280 × 818 · 68%"
    assert recorded(PageWidth.WINDOW, 876, 560).said(short=True) == "876 × 560"
    assert PageWidth.DESKTOP.label == "Desktop (1280 px)"
