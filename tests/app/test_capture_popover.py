"""Popovers, recorded by capture.js: one opened by its popovertarget button, one shown with
showPopover(), one light-dismissed by a click elsewhere. Nothing of the page's markup changes
when a popover shows, so capture.js records its state as `rr_popover_open` (a dialog's mode is
rrweb's rr_open_mode), and the player shows it with showPopover() - in the top layer, as the
user saw it. In a real browser (QtWebEngine, page JavaScript on): each moment painted forwards
and back looks as the live page did."""
from __future__ import annotations

from pathlib import Path

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
import lxml.html
import pytest

from player.qt.standalone import FramePainter
from player.replayer import Replayer
from replay_tools.browser_recorder import CaptureDom, Click, Eval, PageServer, Wait, record_page
from tests.player.test_fidelity_live import assert_replay_looks_live
from tests.player.test_rebuild_live_dom import _moment

PAGES = Path(__file__).resolve().parents[1] / "browser" / "pages"
STEPS = [
    CaptureDom("start"),
    Click("#open-menu"), Wait(300), CaptureDom("menu"),
    Click("#toast-button"), Wait(300), CaptureDom("toast"),   # the menu light-dismissed
    Eval("hideToast()"), Wait(300), CaptureDom("hidden"),
]
# which popovers the page shows, at each moment
SHOWN = {"start": [False, False], "menu": [True, False], "toast": [False, True], "hidden": [False, False]}


@pytest.fixture(scope="module")
def server():
    with PageServer(PAGES) as srv:
        yield srv


def test_popovers_replay_shown_as_the_user_saw_them(qapp, server, tmp_path):
    rec = record_page(server.url("fidelity/popover.html"), STEPS, recorder="capture",
                      record_options={"rules": {"default": "allow"}})
    ids = {n["attrs"]["id"]: n["id"] for n in rec.snapshot("start").find(
        lambda n: n.get("attrs", {}).get("id") in ("menu", "toast"))}
    marks = [(a["id"], a["attributes"]["rr_popover_open"]) for e in rec.events
             if e["type"] == 3 and e["data"].get("source") == 0
             for a in e["data"]["attributes"] if "rr_popover_open" in a["attributes"]]
    assert marks == [(ids["menu"], True), (ids["menu"], None), (ids["toast"], True),
                     (ids["toast"], None)], marks
    painter = FramePainter(rec.events, cursor=False)
    try:
        for label in ("start", "menu", "toast", "hidden", "toast", "menu", "start"):   # and back
            painter.frame(_moment(rec.events, rec.snapshot(label)))
            shown = painter.widget.bridge.call_sync(
                "['menu', 'toast'].map(function (id) {"
                " return document.getElementById(id).matches(':popover-open'); })")
            assert shown == SHOWN[label], label
    finally:
        painter.close()
    assert_replay_looks_live(rec, tmp_path)
    # the safe document (no script) marks the one shown
    doc = lxml.html.document_fromstring(
        Replayer(rec.events).document_at(_moment(rec.events, rec.snapshot("toast"))))
    assert [el.get("id") for el in doc.iter() if el.get("data-replay-popover") is not None] == ["toast"]
