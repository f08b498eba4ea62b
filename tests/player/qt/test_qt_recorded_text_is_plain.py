"""Recorded strings (a console message, an error, a marker's label, a URL, a bug's title) are
shown in Qt's widgets as written. A tooltip, a QLabel or a QMessageBox reads text that looks
like a tag as HTML: a recording's `<img src=...>` then loaded a file of this machine into the
player (a UNC path on Windows: a connection to the sender's server) and `<h1>` painted the
sender's words over it."""
from __future__ import annotations

import json

import player.qt.webview  # noqa: F401  (schemes before the QApplication)
import pytest
from PySide6.QtCore import QPoint
from PySide6.QtCore import QEvent, QPointF
from PySide6.QtGui import QAction, QColor, QImage, QMouseEvent, QTextDocument, Qt
from PySide6.QtWidgets import QApplication, QLabel, QToolTip

from player.qt.devtools.pane import DevToolsPane
from player.qt.page_bar import PageBar
from player.qt.session_view import Marker, SessionView, build_session_view
from player.qt.timeline_widget import TimelineBar
from player.replayer import Replayer

S = 1_700_000_000_000
IMAGE_SIZE = (900, 700)


@pytest.fixture
def probe_image(tmp_path) -> str:
    """A local image as big as a screen: a tooltip that loads it is that big."""
    img = QImage(*IMAGE_SIZE, QImage.Format.Format_RGB32)
    img.fill(QColor("red"))
    path = tmp_path / "probe.png"
    assert img.save(str(path))
    return str(path)


def _hostile(path: str) -> str:
    return f'<img src="{path}"><h1>Session expired: call +1 555 0100</h1>'


def _shown(text: str | None) -> str:
    """What a tooltip or an auto-format label shows of `text`, as Qt decides it."""
    doc = QTextDocument()
    if Qt.mightBeRichText(text or ""):
        doc.setHtml(text)
    else:
        doc.setPlainText(text or "")
    return doc.toPlainText().replace("\xa0", " ")


def _tip_label(qtbot) -> QLabel:
    labels = []

    def shown():
        labels[:] = [w for w in QApplication.allWidgets()
                     if w.metaObject().className() == "QTipLabel" and w.text()]
        return bool(labels)
    qtbot.waitUntil(shown)
    return labels[0]


def _session_with_console(message: str):
    return build_session_view(Replayer([
        {"type": 4, "timestamp": S, "data": {"href": "http://shop.test/", "width": 800, "height": 600}},
        {"type": 2, "timestamp": S, "data": {"initialOffset": {"left": 0, "top": 0}, "node": {
            "type": 0, "id": 1, "childNodes": [{"type": 2, "id": 2, "tagName": "html", "attributes": {},
                                                "childNodes": [{"type": 2, "id": 3, "tagName": "body",
                                                                "attributes": {}, "childNodes": []}]}]}}},
        {"type": 6, "timestamp": S + 100, "data": {"plugin": "rrweb/console@1", "payload": {
            "level": "log", "trace": [], "payload": [json.dumps(message)]}}}]))


def test_a_console_message_in_a_tooltip_loads_no_file_and_shows_as_written(qtbot, probe_image):
    message = _hostile(probe_image)
    pane = DevToolsPane(_session_with_console(message))
    qtbot.addWidget(pane)
    model = pane.console.model
    tips = [model.data(model.index(0, c), Qt.ItemDataRole.ToolTipRole)
            for c in range(model.columnCount())]
    tip = next(t for t in tips if t and "probe.png" in t)
    assert _shown(tip) == message
    # the real tooltip: had it read the message as HTML, it would hold the image
    QToolTip.showText(QPoint(10, 10), tip)
    label = _tip_label(qtbot)
    try:
        size = label.sizeHint()
        assert size.width() < IMAGE_SIZE[0] and size.height() < IMAGE_SIZE[1] / 2, size
    finally:
        QToolTip.hideText()


def test_a_markers_label_on_the_timeline_shows_as_written(qtbot, probe_image, monkeypatch):
    label = _hostile(probe_image)
    bar = TimelineBar(SessionView(start_ms=0, end_ms=100_000, markers=[Marker(50_000, "error", label)]))
    qtbot.addWidget(bar)
    bar.resize(600, 54)
    bar.show()
    shown = []
    monkeypatch.setattr(QToolTip, "showText", lambda pos, text, *a: shown.append(text))
    at = QPointF(bar.x_of(50_000), 30)
    bar.mouseMoveEvent(QMouseEvent(QEvent.Type.MouseMove, at, bar.mapToGlobal(at),
                                   Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                                   Qt.KeyboardModifier.NoModifier))
    assert shown, "no tooltip over the marker"
    assert label in _shown(shown[-1])


def test_a_recorded_url_in_the_page_bars_tooltip_shows_as_written(qtbot, probe_image):
    bar = PageBar(QAction("Copy link"))
    qtbot.addWidget(bar)
    url = "http://shop.test/" + _hostile(probe_image)
    bar.set_url(url)
    assert _shown(bar.url.toolTip()).startswith(url + "\n")
