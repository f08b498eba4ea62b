"""The recorded mouse, drawn over the page: a cursor, a short fading trail, click ripples.

Positions are in recorded viewport pixels (rrweb's clientX/Y); the stage gives the scale.
The overlay is transparent to the mouse, so it never gets in the way of the view.
"""
from __future__ import annotations

import bisect

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

TRAIL_MS = 450        # how much recorded time the trail covers
RIPPLE_MS = 600       # how long a click ripple lasts
_CLICK_COLOURS = {"click": QColor(80, 160, 255), "dblclick": QColor(160, 110, 255),
                  "contextmenu": QColor(255, 170, 60)}
_RAGE = QColor(255, 84, 84)
RIPPLE_KINDS = frozenset({"click", "dblclick", "contextmenu", "touchend"})


class CursorOverlay(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.scale = 1.0
        self.t = 0
        self._moves: list[tuple[int, float, float]] = []   # (t, x, y), sorted by t
        self._clicks: list[tuple[int, float, float, str]] = []

    # --- feeding -----------------------------------------------------------------------------
    def reset(self, t: int, pos: tuple[float, float] | None = None,
              clicks: list[tuple[int, float, float, str]] | None = None,
              trail: list[tuple[float, float, float]] | None = None) -> None:
        """After a seek: the recorded trail leading to `t`, the position at `t`, and the
        clicks whose ripples are still visible."""
        self._moves = [(mt, float(x), float(y)) for mt, x, y in trail or [] if mt <= t]
        if pos:
            self._moves.append((t, pos[0], pos[1]))
        self._clicks = list(clicks or [])
        self.t = t
        self.update()

    def feed(self, ops: list[dict]) -> None:
        """Take the mouse/click ops of a batch (others are ignored)."""
        for op in ops:
            k = op.get("k")
            if k == "mouse":
                self._moves.append((op["t"], float(op["x"]), float(op["y"])))
            elif k == "click" and op.get("x") is not None and op.get("y") is not None:
                x, y = float(op["x"]), float(op["y"])
                self._moves.append((op["t"], x, y))
                kind = str(op.get("kind") or "click")
                if kind in RIPPLE_KINDS:
                    self._clicks.append((op["t"], x, y, kind))
        self._moves.sort(key=lambda m: m[0])

    def set_time(self, t: int) -> None:
        self.t = t
        # keep the lists short: only what the trail and ripples can still show
        keep = t - max(TRAIL_MS, RIPPLE_MS) - 50
        if len(self._moves) > 2 and self._moves[1][0] < keep:
            i = bisect.bisect_left(self._moves, (keep,))
            self._moves = self._moves[max(0, i - 1):]
        self._clicks = [c for c in self._clicks if c[0] >= keep]
        self.update()

    @property
    def position(self) -> tuple[float, float] | None:
        """The cursor's recorded position now (the last known sample at or before t)."""
        i = bisect.bisect_right(self._moves, (self.t, float("inf"), float("inf")))
        if i == 0:
            return None
        _, x, y = self._moves[i - 1]
        return x, y

    # --- painting ------------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = self.scale
        t = self.t
        # ripples
        for ct, x, y, kind in self._clicks:
            age = t - ct
            if 0 <= age <= RIPPLE_MS:
                f = age / RIPPLE_MS
                colour = QColor(_CLICK_COLOURS.get(kind, _RAGE))
                colour.setAlphaF(0.85 * (1 - f))
                p.setPen(QPen(colour, 3))
                p.setBrush(Qt.BrushStyle.NoBrush)
                r = 6 + 26 * f
                p.drawEllipse(QPointF(x * s, y * s), r, r)
                colour.setAlphaF(0.35 * (1 - f))
                p.setBrush(colour)
                p.setPen(Qt.PenStyle.NoPen)
                p.drawEllipse(QPointF(x * s, y * s), 7, 7)
        # trail: segments fading with age
        pts = [(mt, x * s, y * s) for mt, x, y in self._moves if t - TRAIL_MS <= mt <= t]
        for (t0, x0, y0), (_t1, x1, y1) in zip(pts, pts[1:]):
            f = max(0.0, 1 - (t - t0) / TRAIL_MS)
            c = QColor(255, 90, 120)
            c.setAlphaF(0.7 * f)
            p.setPen(QPen(c, 1 + 3 * f, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            p.drawLine(QPointF(x0, y0), QPointF(x1, y1))
        pos = self.position
        if pos is not None:
            self._draw_cursor(p, pos[0] * s, pos[1] * s)
        p.end()

    @staticmethod
    def _draw_cursor(p: QPainter, x: float, y: float) -> None:
        arrow = QPolygonF([QPointF(0, 0), QPointF(0, 17), QPointF(4.5, 13), QPointF(7.5, 20),
                           QPointF(10.5, 18.8), QPointF(7.6, 12.2), QPointF(13, 12.2)])
        arrow.translate(x, y)
        path = QPainterPath()
        path.addPolygon(arrow)
        path.closeSubpath()
        p.setPen(QPen(QColor(255, 255, 255), 1.4))
        p.setBrush(QColor(20, 20, 24))
        p.drawPath(path)
