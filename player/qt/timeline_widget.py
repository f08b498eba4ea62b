"""The timeline: a custom-painted scrub bar with markers, shaded inactive stretches and an
activity density strip, plus the transport controls around it (play/pause, time, speed,
skip inactivity).

The bar only emits what the person asked for (`seekRequested`); the playback controller owns
time and calls `set_time` back.
"""
from __future__ import annotations

import enum

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap,
                           QPolygonF)
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFrame, QGridLayout, QHBoxLayout, QLabel,
                               QSizePolicy, QToolButton, QToolTip, QWidget)

from recorder.moments import Unit, moment_text

from .plain_text import plain_tip
from .session_view import Marker, SessionView

SPEEDS = [0.5, 1.0, 2.0, 4.0, 8.0, 16.0]

# kind -> (colour, shape)
MARKER_STYLE = {
    "click": (QColor(92, 160, 255), "tick"),
    "dblclick": (QColor(150, 120, 255), "tick"),
    "contextmenu": (QColor(150, 120, 255), "tick"),
    "touch": (QColor(92, 160, 255), "tick"),
    "rage_click": (QColor(255, 72, 72), "triangle"),
    "dead_click": (QColor(170, 174, 186), "diamond"),
    "error_click": (QColor(255, 150, 50), "triangle"),
    "error": (QColor(255, 85, 85), "dot"),
    "navigation": (QColor(190, 120, 255), "flag"),
    "bug": (QColor(250, 230, 60), "flag"),   # the report's moment (⚑ Mark the bug)
}
DEFAULT_STYLE = (QColor(200, 200, 200), "tick")   # a kind not listed above
STAMP = QSize(12, 12)   # room for any marker but the flag, centred
# what the legend says each marker means (every kind the bar draws, in the bar's order)
LEGEND = [
    ("click", "Click"),
    ("navigation", "Navigation: a new page"),
    ("dead_click", "Dead click: nothing happened"),
    ("error_click", "Error click: an error followed"),
    ("rage_click", "Rage click: clicked again and again"),
    ("error", "Error"),
    ("bug", "The bug: the moment its report names"),
]
# what a screen reader says of the painted bar: how to move along it without a mouse
BAR_KEYS = ("Seek with the player's keys: Left and Right 5 s, Shift+Left and Shift+Right the"
            " previous and next event, E the next error, Home and End")
MIN_BAR_WIDTH = 240     # a scrub bar narrower than this is hard to aim at
ACCENT = QColor(88, 166, 255)
TRACK = QColor(60, 64, 74)
SELECTION = QColor(255, 196, 64)      # a selected range (Shift+drag): what Export exports
INACTIVE = QColor(255, 255, 255, 28)
DENSITY = QColor(88, 166, 255, 110)
FROZEN = QColor(255, 150, 50)   # a long task: the page did not respond (the error click's orange)
PLAY_BUTTON = QSize(34, 34)     # the round play/pause button
GLYPH = QSize(14, 14)           # the play / pause symbol drawn on it
GLYPH_COLOUR = QColor(13, 17, 23)   # the stylesheet's #play colour


class Transport(enum.Enum):
    """What the play button shows: the action a click does."""
    PLAY = "play"
    PAUSE = "pause"


def transport_icon(kind: Transport, dpr: float = 2.0) -> QIcon:
    """The play (a triangle) or pause (two bars) symbol, drawn: a text glyph such as
    "❚❚" is wider than the round button in some fonts, and Qt elides it to "…"."""
    pm = QPixmap(GLYPH * dpr)
    pm.setDevicePixelRatio(dpr)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(GLYPH_COLOUR)
    w, h = GLYPH.width(), GLYPH.height()
    if kind == Transport.PAUSE:
        bar = w * 0.3
        p.drawRoundedRect(QRectF(w * 0.12, 1, bar, h - 2), 1, 1)
        p.drawRoundedRect(QRectF(w * 0.88 - bar, 1, bar, h - 2), 1, 1)
    else:   # a triangle pointing right, nudged right so it looks centred in a circle
        p.drawPolygon(QPolygonF([QPointF(w * 0.2, 0.5), QPointF(w - 0.5, h / 2),
                                 QPointF(w * 0.2, h - 0.5)]))
    p.end()
    return QIcon(pm)


class TimelineBar(QWidget):
    """The scrub bar. Click or drag to seek; Shift+drag selects a range (what the Export
    menu exports), a Shift+click clears it."""

    seekRequested = Signal(int)
    selectionChanged = Signal()

    PAD = 8

    def __init__(self, sv: SessionView, parent: QWidget | None = None):
        super().__init__(parent)
        self.sv = sv
        self.t = 0
        self.hover_x: float | None = None
        self.setMouseTracking(True)
        self.setMinimumHeight(54)
        self.setMinimumWidth(MIN_BAR_WIDTH)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)   # its keys are the player's, from anywhere
        self.setAccessibleName("Timeline")
        self.setAccessibleDescription(BAR_KEYS)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._dragging = False
        self._static = None
        self.selection: tuple[int, int] | None = None   # (from, to) ms, from < to
        self._anchor: int | None = None                 # where a Shift+drag started

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(600, 54)

    def set_selection(self, selection: tuple[int, int] | None) -> None:
        if selection is not None:
            lo, hi = sorted(int(min(max(v, 0), self.sv.duration_ms)) for v in selection)
            selection = (lo, hi) if hi > lo else None
        if selection != self.selection:
            self.selection = selection
            self.selectionChanged.emit()
            self.update()

    # --- geometry ----------------------------------------------------------------------------
    def _span(self) -> tuple[float, float]:
        return float(self.PAD), float(max(self.PAD + 1, self.width() - self.PAD))

    def x_of(self, t: float) -> float:
        x0, x1 = self._span()
        d = max(1, self.sv.duration_ms)
        return x0 + (x1 - x0) * min(max(t, 0), d) / d

    def t_of(self, x: float) -> int:
        x0, x1 = self._span()
        f = min(max((x - x0) / (x1 - x0), 0.0), 1.0)
        return int(round(f * self.sv.duration_ms))

    def track_rect(self) -> QRectF:
        x0, x1 = self._span()
        return QRectF(x0, 30, x1 - x0, 8)

    def marker_at(self, x: float, tolerance: float = 4) -> Marker | None:
        best = None
        for m in self.sv.markers:
            dx = abs(self.x_of(m.t) - x)
            if dx <= tolerance and (best is None or dx < abs(self.x_of(best.t) - x)):
                best = m
        return best

    def set_time(self, t: int) -> None:
        if t != self.t:
            moved = round(self.x_of(t)) != round(self.x_of(self.t))
            self.t = t
            if moved:   # repaint only when the playhead moves by a pixel
                self.update()

    # --- input ----------------------------------------------------------------------------------
    def mousePressEvent(self, ev) -> None:  # noqa: N802
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        t = self.t_of(ev.position().x())
        if ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._anchor = t
            self.set_selection(None)
            return
        self._dragging = True
        self.seekRequested.emit(t)

    def mouseMoveEvent(self, ev) -> None:  # noqa: N802
        x = ev.position().x()
        self.hover_x = x
        if self._anchor is not None:
            self.set_selection((self._anchor, self.t_of(x)))
        elif self._dragging:
            self.seekRequested.emit(self.t_of(x))
        m = self.marker_at(x)
        tip = moment_text(self.t_of(x))
        if m is not None:
            tip += f" — {m.kind.replace('_', ' ')}: {m.label}"
        QToolTip.showText(ev.globalPosition().toPoint(), plain_tip(tip), self)
        self.update()

    def mouseReleaseEvent(self, ev) -> None:  # noqa: N802
        self._dragging = False
        self._anchor = None

    def leaveEvent(self, ev) -> None:  # noqa: N802
        self.hover_x = None
        self.update()

    # --- painting -------------------------------------------------------------------------------
    # Density, shading and markers do not change while playing: they are drawn once into a
    # pixmap (per size); each tick only paints the played bar, the playhead and the hover line.
    def resizeEvent(self, ev) -> None:  # noqa: N802
        self._static = None
        super().resizeEvent(ev)

    def set_session(self, sv: SessionView) -> None:
        self.sv = sv
        self._static = None
        self.update()

    def _static_layer(self):
        from PySide6.QtGui import QPixmap
        pm = self._static
        if pm is not None and pm.size() == self.size() * self.devicePixelRatioF():
            return pm
        dpr = self.devicePixelRatioF()
        pm = QPixmap(self.size() * dpr)
        pm.setDevicePixelRatio(dpr)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        sv = self.sv
        track = self.track_rect()
        if sv.density:
            peak = max(sv.density) or 1
            n = len(sv.density)
            w = track.width() / n
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(DENSITY)
            for i, c in enumerate(sv.density):
                if c:
                    h = 3 + 9 * (c / peak) ** 0.5
                    p.drawRect(QRectF(track.left() + i * w, 14 - h, max(1.0, w - 0.5), h))
        # the long tasks: where the page did not respond, a band just under the track
        for a, b in sv.frozen:
            p.fillRect(QRectF(self.x_of(a), track.bottom() + 2, max(2.0, self.x_of(b) - self.x_of(a)), 4),
                       FROZEN)
        for a, b in sv.inactive:
            r = QRectF(self.x_of(a), 16, max(1.0, self.x_of(b) - self.x_of(a)), self.height() - 20)
            p.fillRect(r, INACTIVE)
            p.setPen(QPen(QColor(255, 255, 255, 40), 1, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(r.left(), r.top()), QPointF(r.left(), r.bottom()))
            p.drawLine(QPointF(r.right(), r.top()), QPointF(r.right(), r.bottom()))
        # one marker per pixel column and kind (a long session has thousands of clicks);
        # errors and frustration drawn last so they stay on top
        order = {"click": 0, "dblclick": 0, "contextmenu": 0, "touch": 0, "navigation": 1,
                 "dead_click": 2, "error_click": 3, "rage_click": 4, "error": 5, "bug": 6}
        # Each kind's mark is drawn once into a stamp, then stamped at each pixel column:
        # drawing thousands of antialiased shapes one by one took a third of a second on a
        # million-event session's 50,000 markers (the UI thread, when indexing ends).
        x0, x1 = self._span()
        d = max(1, sv.duration_ms)
        columns: dict[str, set[int]] = {}
        for m in sv.markers:
            columns.setdefault(m.kind, set()).add(round(x0 + (x1 - x0) * min(max(m.t, 0), d) / d))
        y = track.bottom() + 8
        for kind in sorted(columns, key=lambda k: order.get(k, 0)):
            if MARKER_STYLE.get(kind, DEFAULT_STYLE)[1] == "flag":   # few, each with its staff
                for x in sorted(columns[kind]):
                    self._marker(p, Marker(0, kind, ""), float(x), y)
                continue
            stamp = QPixmap(STAMP * dpr)
            stamp.setDevicePixelRatio(dpr)
            stamp.fill(Qt.GlobalColor.transparent)
            sp = QPainter(stamp)
            sp.setRenderHint(QPainter.RenderHint.Antialiasing)
            cx, cy = STAMP.width() / 2, STAMP.height() / 2
            self._marker(sp, Marker(0, kind, ""), cx, cy)
            sp.end()
            for x in sorted(columns[kind]):
                p.drawPixmap(QPointF(x - cx, y - cy), stamp)
        p.end()
        self._static = pm
        return pm

    def paintEvent(self, _ev) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = self.track_rect()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(TRACK)
        p.drawRoundedRect(track, 4, 4)
        played = QRectF(track.left(), track.top(), self.x_of(self.t) - track.left(), track.height())
        p.setBrush(ACCENT)
        p.drawRoundedRect(played, 4, 4)
        p.drawPixmap(0, 0, self._static_layer())
        if self.selection is not None:
            lo, hi = (self.x_of(v) for v in self.selection)
            p.setPen(QPen(SELECTION, 1))
            p.setBrush(QColor(SELECTION.red(), SELECTION.green(), SELECTION.blue(), 70))
            p.drawRect(QRectF(lo, 14, max(1.0, hi - lo), self.height() - 16))
        if self.hover_x is not None:
            p.setPen(QPen(QColor(255, 255, 255, 90), 1))
            p.drawLine(QPointF(self.hover_x, 16), QPointF(self.hover_x, self.height() - 2))
        x = self.x_of(self.t)
        p.setPen(QPen(QColor(20, 22, 26), 2))
        p.setBrush(QColor(255, 255, 255))
        p.drawEllipse(QPointF(x, track.center().y()), 7, 7)
        p.end()

    @staticmethod
    def _marker(p: QPainter, m: Marker, x: float, y: float) -> None:
        colour, shape = MARKER_STYLE.get(m.kind, DEFAULT_STYLE)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        if shape == "tick":
            p.drawRoundedRect(QRectF(x - 1, y - 4, 2.5, 8), 1, 1)
        elif shape == "dot":
            p.drawEllipse(QPointF(x, y), 4, 4)
        elif shape == "triangle":
            p.drawPolygon(QPolygonF([QPointF(x, y - 5), QPointF(x + 5, y + 4), QPointF(x - 5, y + 4)]))
        elif shape == "diamond":
            p.drawPolygon(QPolygonF([QPointF(x, y - 5), QPointF(x + 4, y), QPointF(x, y + 5), QPointF(x - 4, y)]))
        elif shape == "flag":
            p.setPen(QPen(colour, 1.5))
            p.drawLine(QPointF(x, y - 26), QPointF(x, y + 4))
            path = QPainterPath(QPointF(x, y - 26))
            path.lineTo(x + 8, y - 23)
            path.lineTo(x, y - 20)
            path.closeSubpath()
            p.setPen(Qt.PenStyle.NoPen)
            p.drawPath(path)


class MarkerLegend(QFrame):
    """What the timeline's marks mean: each marker drawn as the bar draws it, the shaded
    stretches and the activity strip. A popup under the Legend button."""

    SWATCH = QSize(22, 34)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("legend")
        grid = QGridLayout(self)
        grid.setContentsMargins(12, 10, 12, 10)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        self.entries: list[tuple[str, str]] = []
        for row, (kind, text) in enumerate(LEGEND):
            grid.addWidget(self._swatch(lambda p, k=kind: TimelineBar._marker(
                p, Marker(0, k, ""), self.SWATCH.width() / 2, self.SWATCH.height() - 9)), row, 0)
            grid.addWidget(QLabel(text, self), row, 1)
            self.entries.append((kind, text))
        extra = [("inactive", "Shaded: no user activity (skipped when Skip inactivity is on)",
                  lambda p: p.fillRect(QRectF(2, 6, 18, 24), INACTIVE)),
                 ("frozen", "Orange under the bar: the page did not respond (a long task)",
                  lambda p: p.fillRect(QRectF(2, 24, 18, 3), FROZEN)),
                 ("density", "Strip above the bar: how much happened when",
                  lambda p: [p.fillRect(QRectF(3 + 4 * i, 18 - h, 3, h), DENSITY)
                             for i, h in enumerate((4, 9, 6, 12, 5))])]
        for i, (kind, text, paint) in enumerate(extra, start=len(LEGEND)):
            grid.addWidget(self._swatch(paint), i, 0)
            grid.addWidget(QLabel(text, self), i, 1)
            self.entries.append((kind, text))

    def _swatch(self, paint) -> QLabel:
        pm = QPixmap(self.SWATCH * 2)
        pm.setDevicePixelRatio(2)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        paint(p)
        p.end()
        label = QLabel(self)
        label.setPixmap(pm)
        label.setFixedSize(self.SWATCH)
        return label


def _clock(t: float, duration_ms: float) -> str:
    """The running clock beside the bar: `0:10.9 / 1:09` - the moment to the tenth, as every
    row, step and marker says it (to the second, rounded up, a bug at 0:08.6 read 0:09
    beside it, and the first moments of a session 0:01), the session's length to the
    second."""
    return f"{moment_text(t)} / {moment_text(duration_ms, Unit.SECOND)}"


class TimelineWidget(QWidget):
    """Transport row: play/pause, elapsed/total, the bar, speed, skip-inactivity toggle."""

    playToggled = Signal()
    speedChosen = Signal(float)
    skipToggled = Signal(bool)

    def __init__(self, sv: SessionView, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("timeline")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)   # its stylesheet's colour
        self.sv = sv
        self.play_button = QToolButton(self)
        self.play_button.setObjectName("play")
        self._icons = {k: transport_icon(k) for k in (Transport.PLAY, Transport.PAUSE)}
        self.showing = Transport.PLAY
        self.play_button.setIcon(self._icons[Transport.PLAY])
        self.play_button.setIconSize(GLYPH)
        self.play_button.setToolTip("Play (Space)")
        self.play_button.setAccessibleName("Play")   # (an icon: a screen reader says this)
        self.play_button.setFixedSize(PLAY_BUTTON)
        self.play_button.clicked.connect(self.playToggled)
        self.time_label = QLabel(self)
        self.time_label.setObjectName("timeLabel")
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.time_label.setFont(mono)
        # a fixed width: the text changing length must not re-layout (and repaint) the bar
        longest = _clock(sv.duration_ms, sv.duration_ms).replace("1", "8")
        self.time_label.setFixedWidth(self.time_label.fontMetrics().horizontalAdvance(longest + "00") + 6)
        self.bar = TimelineBar(sv, self)
        self.seekRequested = self.bar.seekRequested
        self.speed_box = QComboBox(self)
        self.speed_box.setObjectName("speed")
        self.speed_box.setToolTip("Playback speed (↑/↓)")
        self.speed_box.setAccessibleName("Playback speed")   # (its text is the speed: "1×")
        for s in SPEEDS:
            self.speed_box.addItem(f"{s:g}×", s)
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_box.currentIndexChanged.connect(lambda i: self.speedChosen.emit(SPEEDS[i]))
        # (» not ⏩: no font of a plain Debian desktop has it - drawn as an empty box)
        self.skip_note = QLabel("» skipping inactivity", self)
        self.skip_note.setObjectName("skipNote")
        self.skip_note.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.skip_note.hide()
        # a seek to a moment a long session's index has not reached, read in a thread
        # (player.qt.playback): the page shown stays the last one until it comes
        self.reading_note = QLabel(self)
        self.reading_note.setObjectName("readingNote")
        self.reading_note.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.reading_note.hide()
        self.skip_box = QCheckBox("Skip inactivity", self)
        self.skip_box.setChecked(True)
        self.skip_box.toggled.connect(self.skipToggled)
        self.legend = MarkerLegend(self)
        self.legend_button = QToolButton(self)
        self.legend_button.setObjectName("legendButton")
        self.legend_button.setText("Legend")
        self.legend_button.setToolTip("What the marks on the timeline mean")
        self.legend_button.clicked.connect(self.show_legend)
        # Tab reaches each control (Space presses it, ↑/↓ step the speed box); a click
        # gives none focus, so the keys stay the player's after a click as before: with no
        # focus at all, Skip inactivity, the Legend and Export had no key to reach them
        for w in (self.play_button, self.speed_box, self.skip_box, self.legend_button):
            w.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 4, 10, 6)
        lay.setSpacing(10)
        lay.addWidget(self.play_button)
        lay.addWidget(self.time_label)
        lay.addWidget(self.bar, 1)
        lay.addWidget(self.skip_note)
        lay.addWidget(self.reading_note)
        lay.addWidget(self.speed_box)
        lay.addWidget(self.skip_box)
        lay.addWidget(self.legend_button)
        self._layout = lay
        self.set_time(0)

    def add_tool(self, button: QWidget) -> None:
        """A host's button in the transport row, before the legend (the Export menu)."""
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self._layout.insertWidget(self._layout.indexOf(self.legend_button), button)
        # Tab goes as the row is drawn: the host's button, then the legend (it came last,
        # after the legend: a support engineer's tryout)
        QWidget.setTabOrder(self.skip_box, button)
        QWidget.setTabOrder(button, self.legend_button)

    def show_legend(self) -> None:
        """The legend, just above its button (the timeline sits at the window's bottom)."""
        self.legend.adjustSize()
        b = self.legend_button
        at = b.mapToGlobal(QPoint(b.width() - self.legend.width(), -self.legend.height() - 4))
        self.legend.move(at)
        self.legend.show()

    def set_session(self, sv: SessionView) -> None:
        self.sv = sv
        longest = _clock(sv.duration_ms, sv.duration_ms).replace("1", "8")
        self.time_label.setFixedWidth(self.time_label.fontMetrics().horizontalAdvance(longest + "00") + 6)
        self.bar.set_session(sv)
        self.set_time(self.bar.t)

    def set_time(self, t: int) -> None:
        self.bar.set_time(t)
        self.time_label.setText(_clock(t, self.sv.duration_ms))

    def set_skipping(self, on: bool) -> None:
        self.skip_note.setVisible(on)

    def set_reading(self, t: int | None) -> None:
        """The moment `t` is being read (None: shown)."""
        if t is not None:
            self.reading_note.setText(f"Reading {moment_text(t)}…")
            self.reading_note.setToolTip(
                "The session is still being indexed: this moment is rebuilt from the last"
                " full snapshot before it. The page shown is the one before until it is.")
        self.reading_note.setVisible(t is not None)

    def set_playing(self, playing: bool) -> None:
        self.showing = Transport.PAUSE if playing else Transport.PLAY
        self.play_button.setIcon(self._icons[self.showing])
        self.play_button.setToolTip("Pause (Space)" if playing else "Play (Space)")
        self.play_button.setAccessibleName("Pause" if playing else "Play")

    def set_speed(self, speed: float) -> None:
        i = SPEEDS.index(speed) if speed in SPEEDS else 1
        if self.speed_box.currentIndex() != i:
            self.speed_box.blockSignals(True)
            self.speed_box.setCurrentIndex(i)
            self.speed_box.blockSignals(False)
