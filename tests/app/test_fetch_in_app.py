"""Session > Fetch Images and Fonts… in the app's window, with real components: a stored
session whose page showed an image from a real HTTP server on 127.0.0.1 and one from another
site; the player open on it shows neither (nothing is ever fetched by the player). The
person is asked first (saying no asks nothing of any server); then the session's own site is
asked - the other site never - and the open player paints the image where the page had it,
without being opened again."""
from __future__ import annotations

import threading
from functools import partial
from http.server import ThreadingHTTPServer

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
import pytest
from PIL import Image
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.window.main_window import MainWindow
from recorder.intake.page_server import QuietHandler
from recorder.store import Store

SID = "visit-with-images"
T0 = 1_767_225_600_000


class LoggingHandler(QuietHandler):
    log: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server)
        type(self).log.append(self.path)
        super().do_GET()


def _server(root, handler):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture
def sites(tmp_path):
    own, other = tmp_path / "own", tmp_path / "other"
    (own / "img").mkdir(parents=True)
    (other / "img").mkdir(parents=True)
    Image.new("RGB", (80, 40), (220, 40, 40)).save(own / "img" / "red.png")
    Image.new("RGB", (30, 30), (40, 40, 220)).save(other / "img" / "blue.png")
    handlers = [type("Own", (LoggingHandler,), {"log": []}),
                type("Other", (LoggingHandler,), {"log": []})]
    servers = [_server(own, handlers[0]), _server(other, handlers[1])]
    yield [f"http://127.0.0.1:{s.server_address[1]}" for s in servers], [h.log for h in handlers]
    for s in servers:
        s.shutdown()
        s.server_close()


def _events(own: str, other: str) -> list[dict]:
    img = {"type": 2, "tagName": "img", "id": 5, "childNodes": [],
           "attributes": {"id": "pic", "src": "/img/red.png", "width": "80", "height": "40"}}
    off = {"type": 2, "tagName": "img", "id": 6, "childNodes": [],
           "attributes": {"id": "off", "src": other + "/img/blue.png", "width": "30",
                          "height": "30"}}
    node = {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "tagName": "html", "attributes": {}, "id": 2, "childNodes": [
            {"type": 2, "tagName": "body", "attributes": {}, "id": 3, "childNodes": [
                {"type": 2, "tagName": "p", "attributes": {}, "id": 4, "childNodes": [img, off]}]}]}]}
    return [{"type": 4, "data": {"href": own + "/shop/page.html", "width": 800, "height": 500},
             "timestamp": T0},
            {"type": 2, "data": {"node": node, "initialOffset": {"left": 0, "top": 0}},
             "timestamp": T0 + 1},
            {"type": 3, "data": {"source": 1, "positions": [{"x": 5, "y": 5, "id": 4,
                                                             "timeOffset": 0}]},
             "timestamp": T0 + 3000}]


def _width(player, element_id: str) -> int:
    return player.bridge.call_sync(f"document.getElementById('{element_id}').naturalWidth")


def test_fetch_asks_first_then_the_open_player_shows_the_sites_image(qtbot, tmp_path, sites):
    (own, other), logs = sites
    data = tmp_path / "data"
    with Store.open(data) as store:
        store.ingest(_events(own, other), session_id=SID)
    w = MainWindow(data, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                   thumbnails=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    try:
        player = w.wait_opened(w.open_session(SID))
        player.wait_ready()
        assert _width(player, "pic") == 0   # not stored: blocked, as any URL

        # asked first: the question names the session; saying no asks nothing of anyone
        asked: list[str] = []

        def answer_no() -> None:   # (the box goes first: an assertion here would hang it)
            box = QApplication.activeModalWidget()
            if box is not None:
                asked.append(box.text() if isinstance(box, QMessageBox) else repr(box))
                box.reject()
        QTimer.singleShot(0, answer_no)
        assert w.fetch_on_show() is None
        assert asked and SID in asked[0]
        assert logs == [[], []]

        job = w.fetch_on_show(ask=False)
        assert job is not None
        qtbot.waitUntil(lambda: job not in w.fetch_jobs, timeout=30_000)
        assert logs[0] == ["/img/red.png"]   # its own site, once
        assert logs[1] == []                  # another site is never asked
        said = w.statusBar().currentMessage()
        assert said.startswith("Fetched 1 image") and "1 not from the session's sites" in said
        # the open player paints it, at its recorded size, without being opened again
        assert w.sessions.find(SID) is player
        qtbot.waitUntil(lambda: _width(player, "pic") == 80, timeout=20_000)
        assert _width(player, "off") == 0
    finally:
        w.close()


def test_a_session_erased_before_its_fetch_is_said_so_and_nothing_is_asked(qapp, tmp_path,
                                                                          sites):
    """Erased between the question and the fetch (a Delete in the list, `replay delete`):
    said as erased - it said the page referenced no image - and no server is asked."""
    from app.window.fetch_job import FetchJob

    (own, other), logs = sites
    data = tmp_path / "data"
    with Store.open(data) as store:
        store.ingest(_events(own, other), session_id=SID)
        store.delete_session(SID)
    job = FetchJob(data, SID)
    job._run()
    assert job.problem == f"nothing was fetched: session {SID} was erased"
    assert job.summary() == job.problem and logs == [[], []]
