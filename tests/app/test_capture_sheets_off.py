"""Stylesheets a script changes without touching the markup, recorded by capture.js, in a real
browser (QtWebEngine, page JavaScript on): a <style> whose text is rewritten (`textContent =`)
seeks back to its old text."""
from __future__ import annotations

from pathlib import Path

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
import pytest

from player.qt.standalone import FramePainter
from replay_tools.browser_recorder import CaptureDom, Eval, PageServer, Wait, record_page
from tests.player.test_rebuild_live_dom import _moment

PAGES = Path(__file__).resolve().parents[1] / "browser" / "pages"
REWRITE = ("document.getElementById('dark').textContent ="
           " 'body { background: rgb(0, 40, 90); color: rgb(255, 255, 255); }'")


@pytest.fixture(scope="module")
def server():
    with PageServer(PAGES) as srv:
        yield srv


def test_a_style_rewritten_by_script_seeks_back_to_its_old_text(qapp, server):
    """Played forwards, the rewrite replaces the <style>'s text node in the view; a seek
    back (a patch of the view) must put the old text back, not leave the later one."""
    rec = record_page(server.url("fidelity/sheets-off.html"), [
        CaptureDom("start"), Eval(REWRITE), Wait(200), CaptureDom("rewritten")],
        recorder="capture", record_options={"rules": {"default": "allow"}})
    painter = FramePainter(rec.events, cursor=False)
    try:
        seen = []
        for label in ("start", "rewritten", "start", "rewritten"):
            painter.frame(_moment(rec.events, rec.snapshot(label)))
            seen.append(painter.widget.bridge.call_sync(
                "getComputedStyle(document.body).backgroundColor"))
    finally:
        painter.close()
    assert seen == ["rgb(17, 17, 17)", "rgb(0, 40, 90)"] * 2, seen
