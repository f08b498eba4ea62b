"""Stylesheets a script changes without touching the markup, recorded by capture.js, in a real
browser (QtWebEngine, page JavaScript on): switched off - `sheet.disabled = true` (a theme
switcher), a <style>'s `disabled` - neither changes an attribute of the page, so capture.js
records the state as `rr_sheet_disabled` and the player gives the element `media="not all"`; a
sheet switched on again, or a <style> whose text is rewritten (a new sheet, on), applies again.
Each moment painted forwards and back looks as the live page did. And a <style> whose text is
rewritten (`textContent =`) seeks back to its old text."""
from __future__ import annotations

from pathlib import Path

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
import lxml.html
import pytest

from player.qt.standalone import FramePainter
from player.replayer import Replayer
from replay_tools.browser_recorder import CaptureDom, Eval, PageServer, Wait, record_page
from tests.player.test_fidelity_live import assert_replay_looks_live
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


def test_sheets_switched_off_by_script_stay_off_in_the_replay(qapp, server, tmp_path):
    rec = record_page(server.url("fidelity/sheets-off.html"), [
        CaptureDom("start"),
        Eval("light()"), Wait(200), CaptureDom("light"),
        Eval("accentOff()"), Wait(200), CaptureDom("plain"),
        Eval("darkAgain()"), Wait(200), CaptureDom("dark-again"),
        Eval("rewrite()"), Wait(200), CaptureDom("rewritten"),
    ], recorder="capture", record_options={"rules": {"default": "allow"}})
    assert not Replayer(rec.events).warnings
    assert_replay_looks_live(rec, tmp_path)
    # the safe document (no script) has them off too
    doc = lxml.html.document_fromstring(
        Replayer(rec.events).document_at(_moment(rec.events, rec.snapshot("plain"))))
    off = {el.get("id") for el in doc.iter("style") if el.get("media") == "not all"}
    assert off == {"dark", "accent"}, off
