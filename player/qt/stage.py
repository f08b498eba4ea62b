"""The stage: the web view at the recorded viewport size, scaled to fit (or at a chosen zoom,
scrolled when larger than the stage), with the cursor overlay on top. Where the page goes is
`player.zoom.place`; this widget only applies it.

Scaling uses the view's zoom factor: a view of W×H device pixels at zoom z lays the page out
in a (W/z)×(H/z) CSS viewport, so sizing the view to the recorded aspect and setting
z = W / recorded width reproduces the recorded layout exactly, at any window size.
"""
from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QScrollBar, QWidget

from player.zoom import place, zoom_in, zoom_out
from recorder.limits import MAX_VIEWPORT_PX

from .overlay import CursorOverlay
from .webview import ReplayPage, ReplayProfile

MARGIN = 4
WHEEL_STEP_PX = 60        # one notch of the mouse wheel scrolls a zoomed page this far
WHEEL_NOTCH = 120         # Qt's angle delta of one notch (eighths of a degree)


def _side(v: Any) -> int:
    """A recorded viewport side in pixels, 0 when unusable, at most MAX_VIEWPORT_PX."""
    try:
        f = float(v or 0)
    except (TypeError, ValueError):
        return 0
    return int(min(f, MAX_VIEWPORT_PX)) if math.isfinite(f) and f > 0 else 0


class ReplayStage(QWidget):
    viewportChanged = Signal(int, int)     # the recorded viewport's size
    zoomChanged = Signal(float, bool)      # the zoom shown, and whether it is "fit"

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
        # ... nor focus: the view's NoFocus does not reach the widget Chromium paints in
        # (its focus proxy, StrongFocus, made as the page loads), so Tab went into the
        # replayed page, through each of its links, and keys typed there reached it
        self.view.installEventFilter(self)
        self._unfocusable()
        self.setAccessibleName("Replayed page")
        self.setAccessibleDescription("The recorded page at the player's moment, as the"
                                      " visitor saw it; it is watched, not used: keys stay"
                                      " with the player")
        self.overlay = CursorOverlay(self)
        self.recorded = (1024, 768)
        self.recorded_known = False   # `recorded` is the recording's, not this stand-in
        self.scale = 1.0
        self.zoom: float | None = None     # None: fit to the stage
        self.pan = (0, 0)
        self.hbar = QScrollBar(Qt.Orientation.Horizontal, self)
        self.vbar = QScrollBar(Qt.Orientation.Vertical, self)
        for bar in (self.hbar, self.vbar):
            bar.hide()
            bar.valueChanged.connect(self._scrolled)
        self.page.load_shell()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
        if obj is self.view and event.type() == QEvent.Type.ChildPolished:
            self._unfocusable()
        return super().eventFilter(obj, event)

    def _unfocusable(self) -> None:
        """The web view's own widgets take no focus, by Tab or a click: Chromium makes them
        when the page loads (and again if its renderer is replaced), after this stage."""
        for child in self.view.findChildren(QWidget):
            if child.focusPolicy() != Qt.FocusPolicy.NoFocus:
                child.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    # --- zoom ---------------------------------------------------------------------------------
    def fit(self) -> None:
        self.set_zoom(None)

    def set_zoom(self, zoom: float | None) -> None:
        """A fixed zoom (1.0: the page at its recorded size), or None to fit the stage."""
        self.zoom = zoom
        if zoom is None:   # fitted, nothing is scrolled: a zoom after starts at the top
            self.pan = (0, 0)
        self._layout()

    def zoom_in(self) -> None:
        self.set_zoom(zoom_in(self.scale))

    def zoom_out(self) -> None:
        self.set_zoom(zoom_out(self.scale))

    def _scrolled(self) -> None:
        self.pan = (self.hbar.value(), self.vbar.value())
        self._layout()

    def wheelEvent(self, ev) -> None:  # noqa: N802 (Qt)
        d = ev.angleDelta()
        if self.zoom is None or (not self.hbar.isVisible() and not self.vbar.isVisible()):
            return super().wheelEvent(ev)
        bar = self.hbar if (d.x() and not d.y()) or not self.vbar.isVisible() else self.vbar
        step = d.y() or d.x()
        bar.setValue(bar.value() - int(step / WHEEL_NOTCH * WHEEL_STEP_PX))
        ev.accept()

    def set_viewport(self, width: Any, height: Any) -> None:
        """The recorded viewport changed size (Meta or ViewportResize): follow it. Stored
        sessions may predate the import check on sizes: a side over MAX_VIEWPORT_PX is
        clamped (a page laid out 100,000 px wide kills Chromium), a non-number ignored."""
        w, h = _side(width), _side(height)
        if w > 0 and h > 0 and ((w, h) != self.recorded or not self.recorded_known):
            self.recorded = (w, h)
            self.recorded_known = True
            self._layout()
            self.viewportChanged.emit(w, h)

    def one_to_one_size(self) -> tuple[int, int]:
        """The stage size that holds the recorded viewport at zoom 1 with its margins."""
        return self.recorded[0] + 2 * MARGIN, self.recorded[1] + 2 * MARGIN

    def page_rect(self) -> QRect:
        return self.view.geometry()

    def _layout(self) -> None:
        bar = self.vbar.sizeHint().width()
        aw, ah = self.width(), self.height()
        pl = place(aw, ah, self.recorded, self.zoom, self.pan, MARGIN)
        # a scroll bar takes room from the other side: place again within what is left
        if pl.max_pan_x or pl.max_pan_y:
            pl = place(aw - (bar if pl.max_pan_y else 0), ah - (bar if pl.max_pan_x else 0),
                       self.recorded, self.zoom, self.pan, MARGIN)
        rect = QRect(pl.x, pl.y, pl.width, pl.height)
        self.scale = pl.zoom
        self.view.setGeometry(rect)
        self.view.setZoomFactor(pl.zoom)
        self.overlay.setGeometry(rect)
        self.overlay.scale = pl.zoom
        self.overlay.raise_()
        for sb, top, page, shown in ((self.hbar, pl.max_pan_x, pl.pan_x, pl.max_pan_x > 0),
                                     (self.vbar, pl.max_pan_y, pl.pan_y, pl.max_pan_y > 0)):
            sb.blockSignals(True)
            sb.setRange(0, top)
            sb.setPageStep(max(1, (aw if sb is self.hbar else ah) - 2 * MARGIN))
            sb.setSingleStep(WHEEL_STEP_PX // 3)
            sb.setValue(page)
            sb.blockSignals(False)
            sb.setVisible(shown)
        self.hbar.setGeometry(0, ah - bar, aw - (bar if pl.max_pan_y else 0), bar)
        self.vbar.setGeometry(aw - bar, 0, bar, ah - (bar if pl.max_pan_x else 0))
        self.hbar.raise_()
        self.vbar.raise_()
        self.update()
        self.zoomChanged.emit(pl.zoom, self.zoom is None)

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
