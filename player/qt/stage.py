"""The stage: the web view at the recorded viewport size, scaled to fit and letterboxed, with
the cursor overlay on top.

Scaling uses the view's zoom factor: a view of W×H device pixels at zoom z lays the page out
in a (W/z)×(H/z) CSS viewport, so sizing the view to the recorded aspect and setting
z = W / recorded width reproduces the recorded layout exactly, at any window size.
"""
from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

from recorder.limits import MAX_VIEWPORT_PX

from .overlay import CursorOverlay
from .webview import ReplayPage, ReplayProfile

MIN_ZOOM, MAX_ZOOM = 0.25, 5.0   # Chromium's zoom range
MARGIN = 10


def _side(v: Any) -> int:
    """A recorded viewport side in pixels, 0 when unusable, at most MAX_VIEWPORT_PX."""
    try:
        f = float(v or 0)
    except (TypeError, ValueError):
        return 0
    return int(min(f, MAX_VIEWPORT_PX)) if math.isfinite(f) and f > 0 else 0


class ReplayStage(QWidget):
    def __init__(self, parent: QWidget | None = None, profile: ReplayProfile | None = None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(320, 200)
        self.profile = profile or ReplayProfile()
        self.page = ReplayPage(self.profile, self)
        if profile is None:
            # the profile must outlive its page: as the page's child it is deleted after it
            self.profile.setParent(self.page)
        self.view = QWebEngineView(self)
        self.view.setPage(self.page)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        # the replay is watched, not used: clicks and keys must not reach the page
        self.view.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.overlay = CursorOverlay(self)
        self.recorded = (1024, 768)
        self.scale = 1.0
        self.page.load_shell()

    def set_viewport(self, width: Any, height: Any) -> None:
        """The recorded viewport changed size (Meta or ViewportResize): follow it. Stored
        sessions may predate the import check on sizes: a side over MAX_VIEWPORT_PX is
        clamped (a page laid out 100,000 px wide kills Chromium), a non-number ignored."""
        w, h = _side(width), _side(height)
        if w > 0 and h > 0 and (w, h) != self.recorded:
            self.recorded = (w, h)
            self._layout()

    def page_rect(self) -> QRect:
        return self.view.geometry()

    def _layout(self) -> None:
        rw, rh = self.recorded
        aw = max(1, self.width() - 2 * MARGIN)
        ah = max(1, self.height() - 2 * MARGIN)
        z = min(aw / rw, ah / rh)
        z = max(MIN_ZOOM, min(MAX_ZOOM, z))
        w, h = max(1, round(rw * z)), max(1, round(rh * z))
        rect = QRect((self.width() - w) // 2, (self.height() - h) // 2, w, h)
        self.scale = z
        self.view.setGeometry(rect)
        self.view.setZoomFactor(z)
        self.overlay.setGeometry(rect)
        self.overlay.scale = z
        self.overlay.raise_()
        self.update()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(event)
        self._layout()

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt)
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(24, 26, 31))  # the letterbox
        r = self.view.geometry().adjusted(-1, -1, 1, 1)
        p.setPen(QColor(58, 62, 72))
        p.drawRect(r)
        p.end()
