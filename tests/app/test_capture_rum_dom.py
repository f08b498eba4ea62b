"""While capture.js records, the RUM plugin learns of DOM changes from capture.js's own
MutationObserver (ReplayRum.recorderWatchesDom) instead of a second observer of its own: a
click whose only effect is a DOM change is still not a dead click, a click on plain text
still is. In QtWebEngine and in Debian's chromium."""
from __future__ import annotations

import pytest

from recorder.semantics import Semantics
from replay_tools.browser_recorder import Click, PageServer, Wait, record_page
from replay_tools.chromium import chromium_path, record_page_chromium
from tests.app.test_capture_intake import PAGES

RUM_DECIDES_MS = 1200   # the plugin reports a click once a rage click is ruled out (1 s)
STEPS = [Wait(300), Click("#edit"), Wait(RUM_DECIDES_MS), Click("#title"), Wait(RUM_DECIDES_MS)]


@pytest.fixture(scope="module")
def server():
    with PageServer(PAGES) as srv:
        yield srv


def _qt(url: str):
    return record_page(url, STEPS, recorder="capture")


def _chromium(url: str):
    return record_page_chromium(url, STEPS)


@pytest.mark.parametrize("engine", [
    pytest.param(_qt, id="qtwebengine"),
    pytest.param(_chromium, id="chromium", marks=pytest.mark.skipif(
        chromium_path() is None, reason="Debian's chromium is not installed"))])
def test_dom_changes_reach_the_rum_plugin_through_capture_js(qapp, server, engine):
    rec = engine(server.url("dynamic.html"))
    s = Semantics(origin=rec.events[0]["timestamp"])
    for e in rec.events:
        s.feed(e)
    clicks = {a.target: a.frustrations for a in s.actions}
    assert "dead_click" not in clicks["Edit status"], clicks   # its text and class changed
    assert clicks["Dynamic page"] == ["dead_click"], clicks    # the heading: nothing happened
