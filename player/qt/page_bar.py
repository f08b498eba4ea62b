"""The bar above the replayed page: the page's URL at the current moment, the recorded
viewport's size, the zoom controls (fit, 100 %, -, +) and "copy link to this moment".

It shows what it is told (`set_url`, `set_viewport`, `set_zoom`) and emits what the person
asked for; the ReplayWidget wires it to the stage and the clock.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QFocusEvent, QResizeEvent
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QStyle, QStyleOptionFrame,
                               QToolButton, QWidget)

from ..fit_text import elide_url
from .plain_text import plain_tip

NO_URL = "no page URL recorded"
URL_MIN_CHARS = 20      # the URL box never shows fewer characters than this
URL_TIP = "The page's URL at this moment of the recording (click it to select it whole)"
URL_PADDING_PX = 3      # QLineEdit's own horizontal padding inside its frame, each side


class UrlField(QLineEdit):
    """A read-only URL that fits its box as the app's lists cut one (fit_text.elide_url:
    "shop.example/…/checkout"): the host says which site, the end which page - what a
    support engineer reads the bar for. Clicked into, it holds the whole URL (to select and
    copy); its tooltip says it whole too."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setReadOnly(True)
        # clicked into only: a window's activation giving it focus would show it whole
        self.setFocusPolicy(Qt.ClickFocus)
        self.full = ""   # the URL, whole
        self.setToolTip(URL_TIP)

    def set_url(self, url: str) -> None:
        if url == self.full:
            return
        self.full = url
        self.setToolTip(plain_tip(f"{url}\n{URL_TIP}") if url else URL_TIP)
        self._show()

    def _show(self) -> None:
        if self.hasFocus():
            text = self.full
        else:
            # the room the style leaves for text (a style sheet's padding and border in it:
            # the frame's own rectangle cut the URL's last letter)
            opt = QStyleOptionFrame()
            self.initStyleOption(opt)
            box = self.style().subElementRect(QStyle.SubElement.SE_LineEditContents, opt, self)
            m = self.textMargins()
            room = box.width() - m.left() - m.right() - 2 * URL_PADDING_PX
            # cut as the lists cut a URL: its host (which site), then its path's end (which page)
            text = elide_url(self.full, max(room, 0), self.fontMetrics().horizontalAdvance)
        if text != self.text():
            self.setText(text)
        self.setCursorPosition(0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._show()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self._show()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self._show()


class PageBar(QWidget):
    fitRequested = Signal()
    actualSizeRequested = Signal()
    zoomInRequested = Signal()
    zoomOutRequested = Signal()

    def __init__(self, copy_link: QAction, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pageBar")
        # read-only, not a label: the URL can be selected and copied
        self.url = UrlField(self)
        self.url.setObjectName("pageUrl")
        self.url.setAccessibleName("Page URL")
        self.url.setPlaceholderText(NO_URL)
        self.url.setMinimumWidth(self.url.fontMetrics().averageCharWidth() * URL_MIN_CHARS)
        self.viewport = QLabel(self)
        self.viewport.setObjectName("viewportSize")
        self.viewport.setToolTip("The recorded viewport (browser window) size, in CSS pixels")
        self.fit_button = self._button("Fit", "Fit the page to the player (F)", self.fitRequested)
        self.fit_button.setCheckable(True)
        self.actual_button = self._button("100%", "The page at its recorded size, 1:1 (Ctrl+0)",
                                          self.actualSizeRequested)
        self.actual_button.setCheckable(True)
        self.out_button = self._button("−", "Zoom out (Ctrl+-)", self.zoomOutRequested)
        self.out_button.setAccessibleName("Zoom out")   # (a sign: "minus" says nothing)
        self.zoom_label = QLabel(self)
        self.zoom_label.setObjectName("zoomLabel")
        self.zoom_label.setToolTip("Zoom of the page")
        self.zoom_label.setFixedWidth(self.zoom_label.fontMetrics().horizontalAdvance("500 %") + 8)
        self.in_button = self._button("+", "Zoom in (Ctrl++)", self.zoomInRequested)
        self.in_button.setAccessibleName("Zoom in")
        self.link_button = QToolButton(self)
        self.link_button.setObjectName("copyLink")
        self.link_button.setDefaultAction(copy_link)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.setSpacing(4)
        lay.addWidget(self.url, 1)
        lay.addSpacing(6)
        lay.addWidget(self.viewport)
        lay.addSpacing(6)
        for w in (self.fit_button, self.actual_button, self.out_button, self.zoom_label,
                  self.in_button):
            lay.addWidget(w)
        lay.addSpacing(6)
        lay.addWidget(self.link_button)

    def _button(self, text: str, tip: str, signal) -> QToolButton:
        b = QToolButton(self)
        b.setText(text)
        b.setToolTip(tip)
        b.clicked.connect(signal)
        return b

    def set_url(self, url: str) -> None:
        self.url.set_url(url)

    def set_viewport(self, width: int, height: int) -> None:
        self.viewport.setText(f"{width} × {height}")

    def set_zoom(self, zoom: float, fit: bool) -> None:
        self.zoom_label.setText(f"{zoom * 100:.0f} %")
        self.fit_button.setChecked(fit)
        self.actual_button.setChecked(not fit and abs(zoom - 1.0) < 1e-6)
