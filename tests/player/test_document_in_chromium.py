"""The safe document in a real Chromium (QtWebEngine) with JavaScript *enabled* and every
request recorded: a hostile recording's document runs nothing and fetches nothing, and a
declarative shadow root is attached by the parser alone."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("PySide6.QtWebEngineCore")

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QTimer, QUrl  # noqa: E402
from PySide6.QtWebEngineCore import (QWebEnginePage, QWebEngineProfile,  # noqa: E402
                                     QWebEngineSettings, QWebEngineUrlRequestInterceptor)

from player.replayer import Replayer  # noqa: E402
from recorder.privacy.masking import box_change  # noqa: E402
from replay_tools.generator import HOSTILE_MARK, hostile_session  # noqa: E402


class Recorder(QWebEngineUrlRequestInterceptor):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def interceptRequest(self, info):  # noqa: N802 - Qt's name
        url = info.requestUrl().toString()
        self.urls.append(url)
        if not url.startswith(("data:", "about:")):
            info.block(True)   # recorded, never served


class Page(QWebEnginePage):
    def __init__(self, profile):
        super().__init__(profile)
        self.console: list[str] = []

    def javaScriptConsoleMessage(self, level, message, line, source):  # noqa: N802
        self.console.append(message)


def _wait(signal_owner, timeout_ms=15000):
    loop = QEventLoop()
    ok = []
    signal_owner.loadFinished.connect(lambda r: (ok.append(r), loop.quit()))
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    return ok


def _run_js(page, js, timeout_ms=5000):
    loop = QEventLoop()
    out = []
    page.runJavaScript(js, 0, lambda v: (out.append(v), loop.quit()))
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    return out[0] if out else None


@pytest.fixture
def page(qapp):
    profile = QWebEngineProfile()   # off the record
    rec = Recorder()
    profile.setUrlRequestInterceptor(rec)
    p = Page(profile)
    s = p.settings()
    s.setAttribute(QWebEngineSettings.WebAttribute.JavascriptEnabled, True)   # worst case
    s.setAttribute(QWebEngineSettings.WebAttribute.AutoLoadImages, True)
    s.setAttribute(QWebEngineSettings.WebAttribute.PluginsEnabled, True)
    p.requests = rec
    yield p
    # the page must be gone before its profile
    p.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    profile.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_hostile_document_runs_and_fetches_nothing_in_chromium(page):
    r = Replayer(hostile_session())
    html = r.document_at(r.duration_ms)
    page.setHtml(html, QUrl("http://127.0.0.1:9/recorded-page/"))
    assert _wait(page) == [True]
    QTimer.singleShot(500, lambda: None)   # let late loads (images, refresh) start
    loop = QEventLoop()
    QTimer.singleShot(700, loop.quit)
    loop.exec()
    fetched = [u for u in page.requests.urls if not u.startswith(("data:", "about:"))]
    # nothing the document refers to is requested (not even a blocked one)
    assert fetched == [], fetched
    assert not any("evil.example" in u for u in page.requests.urls)
    assert not any(HOSTILE_MARK in m for m in page.console)
    # nothing set a global, nothing navigated away
    assert page.url().toString().startswith("http://127.0.0.1:9/recorded-page/")
    assert _run_js(page, "document.title") == "Hostile page"
    assert _run_js(page, "document.scripts.length") == 0


def test_declarative_shadow_root_is_attached_without_script(page):
    doc = {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 3, "tagName": "body", "attributes": {}, "childNodes": [
                {"type": 2, "id": 4, "tagName": "my-card", "attributes": {"id": "host"},
                 "isShadowHost": True, "childNodes": [
                     {"type": 2, "id": 5, "tagName": "b", "attributes": {}, "isShadow": True,
                      "childNodes": [{"type": 3, "id": 6, "textContent": "inside the shadow"}]}]}]}]}]}
    r = Replayer([{"type": 2, "data": {"node": doc}, "timestamp": 1_700_000_000_000}])
    page.setHtml(r.document_at(0), QUrl("http://127.0.0.1:9/"))
    assert _wait(page) == [True]
    assert _run_js(page, "document.getElementById('host').shadowRoot.textContent") == "inside the shadow"


# (the element's own markup, its box as recorded, its box change, the moment, the box shown
# there [width, height, the top of what follows])
BOXES = {
    "as-recorded": ({"rr_width": "960px", "rr_height": "41px"}, box_change(960, 90), 1,
                    [960, 41, 41]),
    "after-a-box-change": ({"rr_width": "960px", "rr_height": "41px"}, box_change(960, 90), 2,
                           [960, 90, 90]),
    # its width the markup's (content box: 960 + padding and border), its height measured
    # (capture.js watches that one alone) - it was 112 high, its padding and border added
    "width-in-markup": ({"style": "width:960px", "rr_width": "960px"}, box_change(None, 90), 2,
                        [982, 90, 90]),
    # its height the markup's, set again later by the page (a style change alone: its
    # rr_height stale) - the page's 300 px stands (content box: + padding and border), not 41
    "markup-height-changed": ({"style": "height:41px", "rr_height": "41px", "rr_width": "960px"},
                              {"style": "height:300px"}, 2, [960, 322, 322]),
    # the page clamps it (max-height 30 px): the measured box is its size still
    "page-max-height": ({"style": "max-height:30px", "rr_width": "960px", "rr_height": "41px"},
                        box_change(960, 90), 2, [960, 90, 90]),
}


@pytest.mark.parametrize("case", list(BOXES))
def test_a_hidden_placeholder_has_the_box_the_element_had(page, case):
    """A hidden element's recorded size (rr_width/rr_height, what capture.js and rrweb
    measure: the border box) was given as CSS width and height, to which the page's padding
    and border were added: a 960 x 41 box replayed 982 x 63, and everything below moved
    (an operator's tryout). The placeholder is sized as a border box - after the page grew
    it too (capture.js's box change, masking.box_change): its style diff, merged into the
    style, read as a size the markup gives and the box grew by its padding and border again
    (a tryout's 1000 x 204 ticker replayed 1020 x 224)."""
    markup, change, at, want = BOXES[case]
    t0 = 1_700_000_000_000
    css = (".box{padding:10px;border:1px solid #999;margin:0;display:block}"
           "body{margin:0}p{margin:0}")
    doc = {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 3, "tagName": "head", "attributes": {}, "childNodes": [
                {"type": 2, "id": 4, "tagName": "style", "attributes": {}, "childNodes": [
                    {"type": 3, "id": 5, "textContent": css, "isStyle": True}]}]},
            {"type": 2, "id": 6, "tagName": "body", "attributes": {}, "childNodes": [
                {"type": 2, "id": 7, "tagName": "div",
                 "attributes": {"class": "box", **markup, "data-replay-privacy": "hidden"},
                 "childNodes": []},
                {"type": 2, "id": 8, "tagName": "p", "attributes": {"id": "after"},
                 "childNodes": [{"type": 3, "id": 9, "textContent": "below"}]}]}]}]}
    r = Replayer([{"type": 4, "timestamp": t0, "data": {"href": "https://x.test/",
                                                        "width": 1200, "height": 600}},
                  {"type": 2, "timestamp": t0 + 1,
                   "data": {"node": doc, "initialOffset": {"top": 0, "left": 0}}},
                  {"type": 3, "timestamp": t0 + 2,
                   "data": {"source": 0, "texts": [], "removes": [], "adds": [],
                            "attributes": [{"id": 7, "attributes": change}]}}])
    page.setHtml(r.document_at(at), QUrl("http://127.0.0.1:9/recorded-page/"))
    assert _wait(page) == [True]
    box = _run_js(page, "(function(){var r = document.querySelector('.box')"
                        ".getBoundingClientRect(); return JSON.stringify([r.width, r.height,"
                        " document.getElementById('after').getBoundingClientRect().top])})()")
    assert json.loads(box) == want, box
