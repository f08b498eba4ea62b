"""The recording browser's page width (no Qt): a QA on a laptop records a site as its desktop
visitors see it, not in the tablet or phone layout the window's narrow browser area gives.

"Desktop" keeps the page's CSS viewport `DESKTOP_WIDTH` px wide by zooming the view out to
(area width / DESKTOP_WIDTH) - the page's window.innerWidth then reads DESKTOP_WIDTH, and so
does the stored session's viewport; "Window" records the area as it is (zoom 1)."""
from __future__ import annotations

import enum
import math
from typing import NamedTuple

DESKTOP_WIDTH = 1280          # CSS px: wider than the usual desktop breakpoints (992, 1200)
SHORT_BAR_BELOW = 1200        # a record bar narrower than this says the size in short
MIN_ZOOM, MAX_ZOOM = 0.25, 5.0   # QtWebEngine's zoom factor range


class PageWidth(enum.Enum):
    WINDOW = "window"     # the page is as wide as the browser area
    DESKTOP = "desktop"   # the page is DESKTOP_WIDTH wide, shown smaller to fit

    @property
    def label(self) -> str:
        return "Window" if self is PageWidth.WINDOW else f"Desktop ({DESKTOP_WIDTH} px)"


class Recorded(NamedTuple):
    """The page's CSS viewport (what is recorded) and the zoom it is shown at."""
    width: int
    height: int
    zoom: float

    def said(self, short: bool = False) -> str:
        """"Viewport 1280 × 913 (shown at 68%)" (said before Record too: "Recording at" read
        as if it were recording); `short` (a narrow bar's): "1280 × 913 ·
        68%"."""
        zoomed = abs(self.zoom - 1.0) >= 0.005
        if short:
            return f"{self.width} × {self.height}" + \
                (f" · {round(self.zoom * 100)}%" if zoomed else "")
        shown = f" (shown at {round(self.zoom * 100)}%)" if zoomed else ""
        return f"Viewport {self.width} × {self.height}{shown}"


def default_width(area_width: int) -> PageWidth:
    """Desktop when the browser area is narrower than a desktop page, else Window."""
    return PageWidth.DESKTOP if area_width < DESKTOP_WIDTH else PageWidth.WINDOW


def zoom_for(choice: PageWidth, area_width: int) -> float:
    """The view's zoom factor that gives `choice`'s page width in `area_width` px."""
    if choice is PageWidth.WINDOW or area_width <= 0:
        return 1.0
    return min(MAX_ZOOM, max(MIN_ZOOM, area_width / DESKTOP_WIDTH))


def recorded(choice: PageWidth, area_width: int, area_height: int) -> Recorded:
    """What a page in an area of this size records (its innerWidth x innerHeight)."""
    zoom = zoom_for(choice, area_width)
    # Chromium's innerWidth/innerHeight at a zoom: the CSS px the area holds, rounded down
    # (1111.7 reads 1111); the small step keeps 1280.0 less a float's error 1280
    return Recorded(math.floor(area_width / zoom + 1e-6), math.floor(area_height / zoom + 1e-6),
                    zoom)
