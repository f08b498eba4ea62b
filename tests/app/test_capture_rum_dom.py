"""While capture.js records, the RUM plugin learns of DOM changes from capture.js's own
MutationObserver (ReplayRum.recorderWatchesDom) instead of a second observer of its own: a
click whose only effect is a DOM change is still not a dead click, a click on plain text
still is; neither is a single-page app's route change, nor a change the recorder took early
(before a console line or a CSS rule it records after it). In QtWebEngine and in Debian's
chromium."""
from __future__ import annotations

import pytest

from recorder.semantics import Semantics
from replay_tools.browser_recorder import Click, PageServer, Type, Wait, record_page
from replay_tools.chromium import QUEUED, chromium_path, record_page_chromium
from tests.app.test_capture_intake import PAGES

RUM_DECIDES_MS = 1200   # the plugin reports a click once a rage click is ruled out (1 s)
STEPS = [Wait(300), Click("#edit"), Wait(RUM_DECIDES_MS), Click("#title"), Wait(RUM_DECIDES_MS)]
ACTIVE = [Wait(300), Click("#route"), Wait(RUM_DECIDES_MS), Click("#logged"), Wait(RUM_DECIDES_MS),
          Click("#styled"), Wait(RUM_DECIDES_MS), Click("#heading"), Wait(RUM_DECIDES_MS),
          Type("#q", "lamps\n"), Wait(RUM_DECIDES_MS)]


@pytest.fixture(scope="module")
def server():
    with PageServer(PAGES) as srv:
        yield srv


def _qt(url: str, steps=STEPS):
    return record_page(url, steps, recorder="capture")


def _chromium(url: str, steps=STEPS):
    return record_page_chromium(url, steps)


ENGINES = [pytest.param(_qt, id="qtwebengine"),
           pytest.param(_chromium, id="chromium", marks=pytest.mark.skipif(
               chromium_path() is None, reason="Debian's chromium is not installed"))]


def _clicks(rec) -> dict[str, list[str]]:
    s = Semantics(origin=rec.events[0]["timestamp"])
    for e in rec.events:
        s.feed(e)
    return {a.target: a.frustrations for a in s.actions}


@pytest.mark.parametrize("engine", ENGINES)
def test_dom_changes_reach_the_rum_plugin_through_capture_js(qapp, server, engine):
    clicks = _clicks(engine(server.url("dynamic.html")))
    assert "dead_click" not in clicks["Edit status"], clicks   # its text and class changed
    assert clicks["Dynamic page"] == ["dead_click"], clicks    # the heading: nothing happened


@pytest.mark.parametrize("engine", ENGINES)
def test_a_route_change_and_changes_taken_early_are_not_dead_clicks(qapp, server, engine):
    """Found by a new user: every single-page app navigation was a DEAD click (the plugin
    decided the click before counting the route change), and so was a click that changed the
    page and then logged a line or added a CSS rule (capture.js took the change for the line
    or rule before its observer told the plugin)."""
    rec = engine(server.url("rum-activity.html"), ACTIVE)
    clicks = _clicks(rec)
    for name in ("Next step", "Save and log", "Restyle", "Search"):
        assert clicks[name] == [], clicks
    assert clicks["Clicks that do something"] == ["dead_click"], clicks   # the control
    # Enter submitted the form: the browser's click on its button was made at no place - not
    # a click at the page's corner (the player drew the cursor and a ripple there)
    mouse_clicks = [e["data"] for e in rec.events if e["type"] == 3 and e["data"]["source"] == 2
                    and e["data"]["type"] == 2]
    assert len(mouse_clicks) == 5 and all("x" in d for d in mouse_clicks[:4]), mouse_clicks
    assert "x" not in mouse_clicks[4] and "pointerType" not in mouse_clicks[4], mouse_clicks
    search = [e["data"]["payload"]["action"] for e in rec.events if e["type"] == 6
              and e["data"]["plugin"] == "replay/rum@1" and e["data"]["payload"].get("type") == "action"
              and e["data"]["payload"]["action"]["target"]["name"] == "Search"]
    assert len(search) == 1 and "position" not in search[0], search


@pytest.mark.parametrize("recorder", ["rrweb", "capture"])
def test_a_click_that_changes_a_shadow_root_is_not_dead(qapp, server, recorder):
    """A button inside a component's shadow root that changes only text there, whether the
    root was attached by script or by the parser (declarative): not a dead click - with
    rrweb, as record mode records, the RUM plugin's own observer watches shadow roots too (it
    watched the document alone: a QA's tryout); one that changes nothing still is. Each is
    named by the button clicked, not by its host (`my-widget` named both widgets' clicks)."""
    rec = record_page(server.url("shadow-click.html"), [
        Wait(300), Click("#scripted >>> #btn"), Wait(RUM_DECIDES_MS),
        Click("#declarative >>> #d-btn"), Wait(RUM_DECIDES_MS),
        Click("#inert >>> #btn"), Wait(RUM_DECIDES_MS)], recorder=recorder)
    clicks = _clicks(rec)
    assert "dead_click" not in clicks["Shadow button"], clicks
    assert "dead_click" not in clicks["Card button"], clicks
    assert clicks["Inert button"] == ["dead_click"], clicks


COUNT_WALKS = """(() => {
  const qsa = Document.prototype.querySelectorAll;
  window.__walks = 0;
  Document.prototype.querySelectorAll = function (sel) {
    if (sel === '*') window.__walks++;
    return qsa.apply(this, arguments);
  };
})();"""
LOADING = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script src="capture.js"></script>
<script>ReplayCapture.start({intake: "http://127.0.0.1:9", app: "a", token: "t", worker: false,
                             fetch: () => new Promise(() => {})});</script>
</head><body><p>%s</p></body></html>"""


@pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed")
def test_with_capture_js_watching_the_dom_the_plugin_walks_no_element_for_shadow_roots(chromium, tmp_path):
    """The plugin looks for the shadow roots already in the page (its own observer's) a task
    after the document is parsed: capture.js, watching the DOM for it from DOMContentLoaded
    on, has started by then - the plugin walked every element of each recorded page for an
    observer it dropped next."""
    from recorder.paths import capture_script
    (tmp_path / "capture.js").write_text(capture_script())
    (tmp_path / "a.html").write_text(LOADING % "a")
    with PageServer(tmp_path) as site:
        ctx = chromium.new_context()
        try:
            ctx.add_init_script(COUNT_WALKS)
            page = ctx.new_page()
            page.goto(site.url("a.html"))
            page.wait_for_function(QUEUED)
            page.wait_for_timeout(100)
            assert page.evaluate("window.__walks") == 0
        finally:
            ctx.close()
