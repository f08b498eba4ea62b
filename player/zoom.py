"""Where the recorded page goes on the player's stage, and at what zoom (no Qt here).

Two modes: *fit* (zoom = None) scales the recorded viewport to the largest size that fits
the stage; a fixed zoom (1.0 = 100 %: one recorded CSS pixel per screen pixel) keeps the
page at that size and, when it is larger than the stage, shows a window onto it that the
person scrolls (`pan`). The page sits at the top of the stage, centred across it: the space
a page does not fill collects below it, not as bands above and below.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

MIN_ZOOM, MAX_ZOOM = 0.25, 5.0    # Chromium's zoom range
# the web view is as large as the zoomed page (its CSS viewport must stay the recorded one):
# beyond this many pixels a side, Chromium's surface fails (and a huge one crashes it)
MAX_VIEW_PX = 8192
# the zoom steps of Chromium's own "+"/"-"
ZOOM_STEPS = (0.25, 0.33, 0.5, 0.67, 0.75, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5,
              3.0, 4.0, 5.0)


@dataclass(frozen=True)
class Placement:
    x: int              # the page's rectangle on the stage (may start left of / above it)
    y: int
    width: int
    height: int
    zoom: float
    max_pan_x: int      # how far the page can be scrolled (0: it fits that way)
    max_pan_y: int
    pan_x: int = 0      # the scroll position actually used (pan clamped to the range)
    pan_y: int = 0


def clamp_zoom(z: float, recorded: tuple[int, int] = (1, 1)) -> float:
    """z within Chromium's range, and small enough that the zoomed page stays within
    MAX_VIEW_PX a side."""
    largest = max(1, recorded[0], recorded[1])
    return max(MIN_ZOOM, min(MAX_ZOOM, MAX_VIEW_PX / largest, z))


def fit_zoom(avail_w: int, avail_h: int, rec_w: int, rec_h: int) -> float:
    """The zoom at which a rec_w × rec_h page just fits avail_w × avail_h."""
    return clamp_zoom(min(max(1, avail_w) / max(1, rec_w), max(1, avail_h) / max(1, rec_h)))


def place(avail_w: int, avail_h: int, recorded: tuple[int, int], zoom: float | None = None,
          pan: tuple[int, int] = (0, 0), margin: int = 0) -> Placement:
    """The page's placement on a stage of avail_w × avail_h, `margin` kept free on every
    side; `zoom` None fits it, a number is that zoom (clamped to Chromium's range)."""
    rw, rh = max(1, recorded[0]), max(1, recorded[1])
    inner_w, inner_h = max(1, avail_w - 2 * margin), max(1, avail_h - 2 * margin)
    z = fit_zoom(inner_w, inner_h, rw, rh) if zoom is None else clamp_zoom(zoom, (rw, rh))
    w, h = max(1, round(rw * z)), max(1, round(rh * z))
    max_x, max_y = max(0, w - inner_w), max(0, h - inner_h)
    px, py = min(max(0, pan[0]), max_x), min(max(0, pan[1]), max_y)
    x = margin + (inner_w - w) // 2 if max_x == 0 else margin - px
    y = margin - py
    return Placement(x, y, w, h, z, max_x, max_y, px, py)


def zoom_in(z: float) -> float:
    """The next zoom step above z."""
    i = bisect.bisect_right(ZOOM_STEPS, z + 1e-6)
    return ZOOM_STEPS[min(i, len(ZOOM_STEPS) - 1)]


def zoom_out(z: float) -> float:
    """The next zoom step below z."""
    i = bisect.bisect_left(ZOOM_STEPS, z - 1e-6)
    return ZOOM_STEPS[max(i - 1, 0)]


def pane_width(total_w: int, stage_h: int, recorded: tuple[int, int], pane_min: int,
               stage_min: int) -> int:
    """How wide the side pane next to the stage should be so the page, fitted, uses the
    stage's height: the stage gets the width the recorded aspect asks for at that height
    (at least `stage_min`), the pane the rest (at least `pane_min`). A tall phone recording
    leaves the pane wide; a wide desktop one gives the stage all it can."""
    rw, rh = max(1, recorded[0]), max(1, recorded[1])
    ideal_stage = max(stage_min, round(rw * max(1, stage_h) / rh))
    return max(pane_min, total_w - ideal_stage)


def pane_below(total_w: int, total_h: int, recorded: tuple[int, int], pane_w: int,
               pane_h: int) -> bool:
    """Whether the page, fitted, shows larger with the side pane below the stage (at least
    `pane_h` tall) than beside it (at least `pane_w` wide): on a tall window (1280x1024) a
    landscape page beside the pane would leave half the stage empty under it."""
    rw, rh = max(1, recorded[0]), max(1, recorded[1])
    beside = fit_zoom(total_w - pane_w, total_h, rw, rh)
    below = fit_zoom(total_w, total_h - pane_h, rw, rh)
    return below > beside


def pane_height(total_w: int, total_h: int, recorded: tuple[int, int], pane_min: int) -> int:
    """`pane_width` for a pane below the stage: the stage gets the height the page, fitted
    to the full width, needs; the pane the rest (at least `pane_min`)."""
    rw, rh = max(1, recorded[0]), max(1, recorded[1])
    return max(pane_min, total_h - round(rh * fit_zoom(total_w, total_h, rw, rh)))
