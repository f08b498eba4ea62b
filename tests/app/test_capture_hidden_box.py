"""A hidden element empty when the page was recorded and filled by script later: capture.js
(Debian's chromium, through Playwright) sends its box again as the page grows it, to a real
`replay serve` whose rules hide it too. The stored session has the box changes as
masking.box_change makes them and nothing of what the element holds; at its end the placeholder
has the element's live size (±1 px) and what follows it its live place - in the safe document,
in our player's runtime (QtWebEngine, the changes played as operations) and in rrweb's own
Replayer (npm), which plays them without a warning."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from player.replayer import Replayer  # noqa: E402
from recorder.privacy.masking import box_change  # noqa: E402
from recorder.source import open_recording  # noqa: E402
from replay_tools.browser_recorder import PageServer  # noqa: E402
from replay_tools.chromium import chromium_path  # noqa: E402
from replay_tools.intake import IntakeServer  # noqa: E402
from tests.app.test_capture_chromium import _play_in_rrweb  # noqa: E402
from tests.app.capture_site import SENT_ALL  # noqa: E402
from replay_tools.intake import stored_events  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

PAGES = Path(__file__).resolve().parents[1] / "browser" / "pages"
RULES = {"default": "allow", "detectors": [],
         "rules": [{"selector": "#grid", "level": "hidden"}]}
RULES_TOML = ('version = 1\ndefault = "allow"\ndetectors = []\n'
              '[[rule]]\nselector = "#grid"\nlevel = "hidden"\n')
SECRET = "Zelda"
VIEWPORT = {"width": 1000, "height": 700}
# [x, y, width, height] of the grid, the button and footer below it, in a document `d`
# (rrweb's recorder keeps only a blocked element's class: the grid is found by it)
GEOMETRY = """function (d) {
  function box(sel) { var r = d.querySelector(sel).getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; }
  return {grid: box('.grid'), more: box('#more'), below: box('#below'), width: d.defaultView.innerWidth};
}"""
TWO_FRAMES = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"


@pytest.fixture(scope="module")
def visit(chromium, tmp_path_factory):
    """One visit: the grid filled after load, then grown by a click. The live geometry at the
    end, and the session as `replay serve` stored it."""
    tmp = tmp_path_factory.mktemp("hidden-box")
    rules = tmp / "rules.toml"
    rules.write_text(RULES_TOML)
    with PageServer(PAGES) as site, IntakeServer(tmp / "data", rules=rules) as srv:
        app_id, token = srv.create_app("pages", origins=[site.base_url.rstrip("/")])
        cfg = {"intake": srv.url, "app": app_id, "token": token, "rules": RULES, "flushMs": 100000}
        ctx = chromium.new_context(viewport=VIEWPORT)
        try:
            page = ctx.new_page()
            page.goto(site.url("hidden-grows.html") + "#" + quote(json.dumps(cfg)))
            # the page says when the frame that laid its cards out (and ran its observers) is past
            page.wait_for_selector("body[data-laid-out='4']", state="attached")
            filled = page.evaluate("(%s)(document)" % GEOMETRY)
            page.click("#more")
            page.wait_for_selector("body[data-laid-out='10']", state="attached")
            live = page.evaluate("(%s)(document)" % GEOMETRY)
            # something after the last box: rrweb's pause(total), below, leaves out events at
            # exactly the end (it schedules them, and the pause cancels them)
            page.click("#below")
            status = page.wait_for_function(SENT_ALL, polling=100, timeout=20_000).json_value()
            sid = page.evaluate("ReplayCapture.status().session_id")
            page.evaluate("ReplayCapture.stop()")
        finally:
            ctx.close()
        assert status["failed"] == 0 and not status["errors"], status
        stored = stored_events(srv.data, sid, status["acked"])
    return {"filled": filled, "live": live, "events": stored}


def _box_changes(events: list[dict]) -> list[dict]:
    return [a for e in events if e["type"] == 3 and e["data"].get("source") == 0
            for a in e["data"].get("attributes") or () if "rr_height" in a["attributes"]]


def _near(a: list[float], b: list[float], tol: float = 1.0) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= tol for x, y in zip(a, b))


def assert_like_live(replayed: dict, live: dict, scale: float = 1.0) -> None:
    """The grid's placeholder at the grid's live place and size, the button and footer below
    it at their live places (their own size is the engine's: a button's font differs).
    `scale`: a player scales the recorded viewport to fit (a pixel is then more or less)."""
    for key, n in (("grid", 4), ("more", 2), ("below", 2)):
        want = [v * scale for v in live[key][:n]]
        assert _near(replayed[key][:n], want, tol=max(1.0, scale)), (key, replayed[key], want)


def test_the_stored_session_has_each_new_box_and_nothing_of_the_grid(visit):
    filled, live, events = visit["filled"], visit["live"], visit["events"]
    assert live["grid"][3] > filled["grid"][3] > 100      # the premise: the page grew it twice
    changes = _box_changes(events)
    sizes = [c["attributes"] for c in changes]
    # width and height measured (its markup gives neither), whole px, as masking.box_change
    assert sizes[-2:] == [box_change(round(filled["grid"][2]), round(filled["grid"][3])),
                          box_change(round(live["grid"][2]), round(live["grid"][3]))], sizes
    assert len({c["id"] for c in changes}) == 1
    assert SECRET not in json.dumps(events)


def test_the_rebuild_at_the_end_has_the_placeholder_at_its_live_size(visit, chromium):
    r = Replayer(visit["events"])
    try:
        html = r.document_at(r.duration_ms)
    finally:
        r.close()
    assert SECRET not in html
    ctx = chromium.new_context(viewport=VIEWPORT)
    try:
        page = ctx.new_page()
        page.set_content(html)
        shown = page.evaluate("(%s)(document)" % GEOMETRY)
        hidden = page.evaluate("document.querySelector('.grid').hasAttribute('data-replay-hidden')")
    finally:
        ctx.close()
    assert hidden
    assert_like_live(shown, visit["live"])


def test_rrwebs_replayer_resizes_its_placeholder_too(visit, chromium):
    out = _play_in_rrweb(chromium, visit["events"], probe=GEOMETRY)
    assert out["warnings"] == []
    assert_like_live(out["probe"], visit["live"])


def test_our_player_resizes_the_placeholder_as_it_plays(visit, qapp):
    """Seek to the page as first recorded, then forward to the end: the box changes reach
    the runtime as operations (no new frame is loaded)."""
    from player.qt.replay_widget import ReplayWidget
    from player.qt.standalone import dispose

    events = visit["events"]
    t0 = events[0]["timestamp"]
    snapshot_ms = next(e["timestamp"] for e in events if e["type"] == 2) - t0
    first_box_ms = next(e["timestamp"] for e in events if e["type"] == 3 and e["data"].get("source") == 0
                        and any("rr_height" in a["attributes"] for a in e["data"].get("attributes") or ())) - t0
    assert first_box_ms > snapshot_ms
    w = ReplayWidget(events)
    try:
        w.resize(1400, 900)
        w.show()
        w.wait_ready()
        w.seek_and_wait(snapshot_ms)
        before = json.loads(w.bridge.call_sync("JSON.stringify((%s)(document))" % GEOMETRY))
        loaded = w.controller.frames_loaded
        w.seek_and_wait(int(w.replayer.duration_ms))
        assert w.controller.frames_loaded == loaded, "the box came as a new frame, not as ops"
        after = json.loads(w.bridge.call_sync("JSON.stringify((%s)(document))" % GEOMETRY))
    finally:
        dispose(w)
    scale = after["below"][2] / visit["live"]["below"][2]   # its width is the page's, not the grid's
    assert before["grid"][3] < after["grid"][3]
    assert_like_live(after, visit["live"], scale)


# The watch's life in one page: capture.js alone (ReplayCapture.record), the page's own
# ResizeObserver counting what capture.js asks of it.
LIFE_PAGE = """<!doctype html><html><head><style>body { margin: 0 } i { display: block; height: 50px }</style>
</head><body>
<div id="a" data-replay-privacy="hidden"></div>
<div id="b" data-replay-privacy="hidden" style="width: 100px"></div>
<p>after</p></body></html>"""
COUNTING = """window.__calls = [];
window.ResizeObserver = class extends ResizeObserver {
  observe(el, o) { __calls.push('observe ' + el.id); return super.observe(el, o); }
  unobserve(el) { __calls.push('unobserve ' + el.id); return super.unobserve(el); }
  disconnect() { __calls.push('disconnect'); return super.disconnect(); }
};"""
FILL = "id => { var el = document.getElementById(id); el.innerHTML = '<i>Zelda</i><i>Quixotic</i>'; }"


def test_the_watch_sends_only_new_sizes_and_ends_with_the_element_or_the_capture(chromium):
    from recorder.paths import capture_script

    page = chromium.new_page(viewport=VIEWPORT)
    try:
        page.set_content(LIFE_PAGE)
        page.add_script_tag(content=COUNTING)
        page.add_script_tag(content=capture_script())
        page.evaluate("window.__ev = []; window.__stop = ReplayCapture.record({emit: e => __ev.push(e),"
                      " rules: {default: 'allow', detectors: []}}); null")   # (a function would be called)
        ids = page.evaluate("[ReplayCapture.record.mirror.getId(document.getElementById('a')),"
                            " ReplayCapture.record.mirror.getId(document.getElementById('b'))]")

        def boxes_after(script: str, *arg) -> list[dict]:
            n = page.evaluate("__ev.length")
            page.evaluate(script, *arg)
            page.evaluate(TWO_FRAMES)
            page.evaluate("ReplayCapture.record.flush()")
            return [a for e in page.evaluate("n => __ev.slice(n)", n)
                    if e["type"] == 3 and e["data"]["source"] == 0 for a in e["data"]["attributes"]]

        assert boxes_after("() => null") == []                  # as recorded: nothing to send
        assert boxes_after(FILL, "a") == [{"id": ids[0], "attributes": box_change(VIEWPORT["width"], 100)}]
        # `b`'s width is its markup's: its height alone
        assert boxes_after(FILL, "b") == [{"id": ids[1], "attributes": box_change(None, 100)}]
        assert boxes_after(FILL, "a") == []                     # filled again, the same size
        assert page.evaluate("__calls") == ["observe a", "observe b"]
        assert boxes_after("() => document.getElementById('a').remove()") == []
        assert page.evaluate("__calls")[-1] == "unobserve a"
        page.evaluate("__stop()")
        assert page.evaluate("__calls")[-1] == "disconnect"
        assert boxes_after("() => { document.getElementById('b').innerHTML = '' }") == []
        assert "Zelda" not in json.dumps(page.evaluate("__ev"))
    finally:
        page.close()


def test_record_mode_sends_a_blocked_elements_box_again_too(qapp, chromium):
    """Under rrweb's recorder (record mode's), the recording bridge sends a blocked element's
    box again as capture.js does: the grid, hidden by the same rules, keeps its live size in
    the rebuild and in rrweb's Replayer."""
    from recorder.privacy import SessionMasker, parse_rules
    from recorder.privacy.inpage import rrweb_options
    from replay_tools.browser_recorder import Click, Eval, WaitFor, record_page

    rules = parse_rules(RULES_TOML)
    with PageServer(PAGES) as site:
        rec = record_page(site.url("hidden-grows.html"), [
            WaitFor("body[data-laid-out='4']", visible=False), Click("#more"),
            WaitFor("body[data-laid-out='10']", visible=False),
            Eval("(%s)(document)" % GEOMETRY), Click("#below")],
            record_options=rrweb_options(rules), viewport=(VIEWPORT["width"], VIEWPORT["height"]))
    live = rec.eval_results[-1]
    assert live["grid"][3] > 300                          # the premise: filled, then grown
    events = SessionMasker(rules).mask(rec.events)
    assert _box_changes(events)[-1]["attributes"] == box_change(round(live["grid"][2]),
                                                                round(live["grid"][3]))
    assert SECRET not in json.dumps(events)
    r = Replayer(events)
    try:
        html = r.document_at(r.duration_ms)
    finally:
        r.close()
    ctx = chromium.new_context(viewport={"width": live["width"], "height": VIEWPORT["height"]})
    try:
        page = ctx.new_page()
        page.set_content(html)
        assert_like_live(page.evaluate("(%s)(document)" % GEOMETRY), live)
    finally:
        ctx.close()
    out = _play_in_rrweb(chromium, events, probe=GEOMETRY)
    assert out["warnings"] == []
    assert_like_live(out["probe"], live)
