"""The Qt player against real QtWebEngine, offscreen: what the runtime builds in the page
must be what the Replayer says the recording looked like, playback must keep it so, and a
hostile recording must neither run a script nor reach the network."""
from __future__ import annotations

import http.server
import threading

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
import pytest
from PySide6.QtCore import Qt

from player.qt.devtools.models import FUTURE
from player.qt.devtools.pane import READING, TAB_NAMES, ReadingPane
from player.qt.replay_widget import ReplayWidget
from player.qt.standalone import dispose, grab_stable
from player.replayer import Replayer
from replay_tools.generator import generate_session

NODE_TAGS_WITHOUT_CONTENT = ("style", "template", "script", "noscript")


# --- helpers ----------------------------------------------------------------------------
def expected_tree(frame: dict) -> list:
    """The frame's sanitized tree from <html> down, in the runtime's describe() shape."""
    tree = frame["tree"]
    html = next(c for c in tree["childNodes"] if c.get("type") == 2)

    def norm(sn: dict) -> list:
        if sn["type"] == 2:
            attrs = {k: v for k, v in (sn.get("attributes") or {}).items()
                     if not k.startswith(("_", "rr_"))}
            return [sn["id"], sn["tagName"].lower(), attrs,
                    [norm(c) for c in sn.get("childNodes") or []]]
        if sn["type"] == 3:
            return [sn["id"], "#text", None, sn.get("textContent") or ""]
        return [sn["id"], "#comment", None, sn.get("textContent") or ""]

    return norm(html)


def rendered_tree(widget: ReplayWidget) -> list:
    """What the runtime built, read back from the page's isolated world."""
    def norm(d: list) -> list:
        if d[1] in ("#text", "#comment"):
            return [d[0], d[1], None, d[3]]
        kids = [norm(k) for k in d[3] if k[0] is not None]   # our own nodes have no id
        return [d[0], d[1].lower(), d[2], kids]

    return norm(widget.bridge.call_sync("window.__replay.describe()"))


def assert_matches_state(widget: ReplayWidget, t: int) -> None:
    """The rendered DOM against Replayer.state_at(t): same nodes, same text."""
    m = widget.replayer.state_at(t)
    body = m.element_by_tag("body")
    assert body is not None
    ids = set(widget.bridge.call_sync("window.__replay.ids()"))
    # the content of style/script elements is not shown as nodes (CSS text, blanked code)
    hidden = {n.id for n in m.walk(body.id) if n.tag in NODE_TAGS_WITHOUT_CONTENT}
    expected = {n.id for n in m.walk(body.id) if n.parent not in hidden}
    missing = expected - ids
    assert not missing, f"nodes of state_at({t}) not in the page: {sorted(missing)[:10]}"
    texts = widget.bridge.call_sync(
        "(function(){var out={};window.__replay.ids().forEach(function(i){"
        "var t=window.__replay.textOf(i);if(t!==null)out[i]=t;});return out;})()")
    for nid in expected:
        n = m.nodes[nid]
        if n.type == 3:
            assert texts[str(nid)] == n.text, f"text of node {nid} at {t} ms"


def colours(img, step: int = 7) -> int:
    return len({img.pixel(x, y) for x in range(0, img.width(), step)
                for y in range(0, img.height(), step)})


@pytest.fixture(scope="module")
def demo_widget(qapp, demo_events):
    w = ReplayWidget(demo_events)
    w.resize(1400, 820)
    w.show()
    w.wait_ready()
    yield w
    dispose(w)


@pytest.fixture(scope="module")
def generated_events():
    return list(generate_session(2500, duration_ms=6 * 60 * 1000, seed=7))


@pytest.fixture(scope="module")
def generated_widget(qapp, generated_events):
    w = ReplayWidget(generated_events)
    w.resize(1400, 820)
    w.show()
    w.wait_ready()
    yield w
    dispose(w)


# --- seeking ----------------------------------------------------------------------------
def test_seeks_build_the_recorded_dom_and_paint_it(demo_widget):
    w = demo_widget
    r = w.replayer
    shots = {}
    for t in (1800, 30_000, 50_000, 12_000, int(r.duration_ms)):
        w.seek_and_wait(t)
        assert w.controller.time == t
        assert rendered_tree(w) == expected_tree(r.frame_at(t)), f"DOM differs at {t} ms"
        assert_matches_state(w, t)
        assert w.bridge.call_sync("document.title") == "demoit"
        shots[t] = grab_stable(w.stage, w.bridge)
        assert colours(shots[t]) > 20, f"the frame at {t} ms looks blank"
    # node 416 is the demo's "Time N" counter: it ticks between 1.8 s and 50 s, and the
    # painted pixels change exactly there
    assert r.state_at(1800).text_of(416) != r.state_at(50_000).text_of(416)
    w.seek_and_wait(50_000)
    rect = w.bridge.call_sync(
        "(function(){var b=document.evaluate('//section/div[1]',document,null,9,null)"
        ".singleNodeValue.getBoundingClientRect();return [b.left,b.top,b.width,b.height];})()")
    z = w.stage.scale
    page = w.stage.page_rect()
    box = (int(page.x() + rect[0] * z), int(page.y() + rect[1] * z),
           max(1, int(rect[2] * z)), max(1, int(rect[3] * z)))
    a = shots[1800].copy(*box)
    b = shots[50_000].copy(*box)
    assert a != b, "the counter changed in the recording but not on screen"


def test_play_at_4x_keeps_the_page_equal_to_state_at(demo_widget):
    w = demo_widget
    c = w.controller
    c.set_skip_inactive(False)
    w.seek_and_wait(1000)
    loaded = c.frames_loaded
    c.set_speed(4.0)
    c.play()
    w.bridge.wait_idle()
    from PySide6.QtTest import QTest
    QTest.qWait(1600)
    c.pause()
    c.set_speed(1.0)
    c.set_skip_inactive(True)
    t = c.time
    assert 1000 + 4 * 1400 <= t <= 1000 + 4 * 2600, f"4x for 1.6 s ended at {t} ms"
    assert c.frames_loaded == loaded, "playback reloaded frames instead of applying ops"
    assert c.batches_sent > 0
    w.bridge.wait_painted()
    assert rendered_tree(w) == expected_tree(w.replayer.frame_at(t))
    assert_matches_state(w, t)


def test_skip_inactivity_crosses_a_quiet_stretch_quickly(demo_widget):
    w = demo_widget
    quiet = max(w.session.inactive, key=lambda p: p[1] - p[0])
    assert quiet[1] - quiet[0] > 10_000
    w.seek_and_wait(quiet[0] + 100)
    w.controller.set_skip_inactive(True)
    w.controller.play()
    from PySide6.QtTest import QTest
    QTest.qWait(300)
    assert w.timeline.skip_note.isVisible()     # the person sees why time flies
    QTest.qWait(1900)
    w.controller.pause()
    assert w.controller.time >= quiet[1], "skipping took longer than ~2 s"
    assert not w.timeline.skip_note.isVisible()


def test_recorded_viewport_is_scaled_to_fit(demo_widget):
    w = demo_widget
    assert w.stage.recorded == (1166, 705)
    vp = w.bridge.call_sync("[window.innerWidth, window.innerHeight]")
    assert abs(vp[0] - 1166) <= 2 and abs(vp[1] - 705) <= 2
    page = w.stage.page_rect()
    assert page.width() <= w.stage.width() and page.height() <= w.stage.height()
    assert abs(page.width() / page.height() - 1166 / 705) < 0.01  # letterboxed, not stretched


# --- dev-tools and keyboard -----------------------------------------------------------------
def test_clicking_a_console_row_seeks_there(generated_widget, qtbot):
    w = generated_widget
    tab = w.devtools.console
    w.devtools.setCurrentWidget(tab)
    rows = tab.model.rows
    assert len(rows) >= 3
    target = rows[len(rows) // 2]
    pidx = tab.proxy.mapFromSource(tab.model.index(len(rows) // 2, 2))
    tab.table.scrollTo(pidx)
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=tab.table.visualRect(pidx).center())
    assert w.controller.time == target["t"]
    w.bridge.wait_idle()
    if w.controller._wanted_seek is not None:
        w.seek_and_wait(w.controller._wanted_seek)
    w.bridge.wait_painted()
    assert rendered_tree(w) == expected_tree(w.replayer.frame_at(target["t"]))
    # the clicked row shows its stack; later rows are dimmed, earlier ones are not
    assert tab.detail.isVisible() and target["message"][:20] in tab.detail.toPlainText()
    later = tab.model.index(len(rows) - 1, 2)
    earlier = tab.model.index(0, 2)
    assert tab.model.data(later, Qt.ItemDataRole.ForegroundRole).color() == FUTURE
    assert tab.model.data(earlier, Qt.ItemDataRole.ForegroundRole) is None or \
        tab.model.data(earlier, Qt.ItemDataRole.ForegroundRole).color() != FUTURE


def test_keyboard_drives_the_player(generated_widget, qtbot):
    w = generated_widget
    c = w.controller
    w.setFocus()
    w.seek_and_wait(60_000)
    qtbot.keyClick(w, Qt.Key.Key_Right)
    assert c.time == 65_000
    qtbot.keyClick(w, Qt.Key.Key_Left)
    qtbot.keyClick(w, Qt.Key.Key_Left)
    assert c.time == 55_000
    qtbot.keyClick(w, Qt.Key.Key_Up)
    assert c.speed == 2.0
    qtbot.keyClick(w, Qt.Key.Key_Down)
    qtbot.keyClick(w, Qt.Key.Key_Down)
    assert c.speed == 0.5
    c.set_speed(1.0)
    nxt = w.session.next_event(c.time)
    qtbot.keyClick(w, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert c.time == nxt
    qtbot.keyClick(w, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert c.time < nxt
    err = w.session.next_error(c.time)
    if err is not None:
        qtbot.keyClick(w, Qt.Key.Key_E)
        assert c.time == err
    qtbot.keyClick(w, Qt.Key.Key_End)
    assert c.time == c.duration
    qtbot.keyClick(w, Qt.Key.Key_Home)
    assert c.time == 0
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert c.playing
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert not c.playing
    w.bridge.wait_idle()


# --- a hostile recording ------------------------------------------------------------------------
class _CountingServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        self.hits: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()

            def log_message(self, *a):
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture()
def server():
    s = _CountingServer()
    th = threading.Thread(target=s.serve_forever, daemon=True)
    th.start()
    yield s
    s.shutdown()
    s.server_close()


def _hostile(url: str) -> list[dict]:
    t0 = 1_700_000_000_000
    E = lambda i, tag, attrs=None, kids=None: {"type": 2, "id": i, "tagName": tag,  # noqa: E731
                                               "attributes": attrs or {}, "childNodes": kids or []}
    T = lambda i, text: {"type": 3, "id": i, "textContent": text}  # noqa: E731
    doc = {"type": 0, "id": 1, "childNodes": [
        {"type": 1, "id": 2, "name": "html", "publicId": "", "systemId": ""},
        E(3, "html", {}, [
            E(4, "head", {}, [E(5, "title", {}, [T(6, "Hostile page")]),
                              E(7, "script", {}, [T(8, "document.title='pwned-inline'")])]),
            E(9, "body", {"onload": "document.title='pwned-onload'"}, [
                E(10, "h1", {}, [T(11, "Hello")]),
                E(12, "img", {"src": url + "/remote.png",
                              "onerror": "document.title='pwned-onerror'", "width": "40"}),
                E(13, "a", {"href": "javascript:document.title='pwned-href'"}, [T(14, "link")]),
            ])])]}
    return [
        {"type": 4, "timestamp": t0, "data": {"href": url + "/page", "width": 800, "height": 600}},
        {"type": 2, "timestamp": t0 + 1, "data": {"node": doc, "initialOffset": {"left": 0, "top": 0}}},
        {"type": 3, "timestamp": t0 + 500, "data": {"source": 0, "texts": [], "attributes": [],
                                                    "removes": [], "adds": [
            {"parentId": 9, "nextId": None, "node": E(15, "script", {"src": url + "/evil.js"}, [])},
            {"parentId": 9, "nextId": None, "node": E(16, "img", {
                "src": url + "/later.png", "onload": "document.title='pwned-later'"})}]}},
        {"type": 3, "timestamp": t0 + 1000, "data": {"source": 4, "width": 400, "height": 700}},
    ]


def test_hostile_recording_runs_no_script_and_reaches_no_network(qapp, server):
    url = f"http://127.0.0.1:{server.server_address[1]}"
    w = ReplayWidget(_hostile(url))
    try:
        w.resize(1000, 700)
        w.show()
        w.wait_ready()
        w.seek_and_wait(0)
        w.seek_and_wait(600)    # the added script and image arrive through a mutation
        grab_stable(w.stage, w.bridge)
        guard = w.stage.profile.guard
        # the sanitizer turned every remote URL into an inert replay-blocked: one
        srcs = w.bridge.call_sync("[].map.call(document.images, function(i){return i.getAttribute('src')})")
        assert len(srcs) == 2 and all(s.startswith("replay-blocked:") for s in srcs), srcs
        assert "pwned" not in w.bridge.call_sync("document.documentElement.outerHTML")
        assert w.bridge.call_sync("document.title") == "Hostile page"
        # defence in depth: a tree that bypasses the sanitizer still cannot fetch or run
        raw = {"tree": {"type": 0, "id": 1, "childNodes": [
            {"type": 2, "id": 3, "tagName": "html", "attributes": {}, "childNodes": [
                {"type": 2, "id": 9, "tagName": "body", "attributes": {"onload": "document.title='pwned-raw'"},
                 "childNodes": [
                     {"type": 2, "id": 12, "tagName": "img", "attributes": {
                         "src": url + "/raw.png", "onerror": "document.title='pwned-raw'"}, "childNodes": []},
                     {"type": 2, "id": 20, "tagName": "script", "attributes": {}, "childNodes": [
                         {"type": 3, "id": 21, "textContent": "document.title='pwned-raw-script'"}]}]}]}]},
               "width": 800, "height": 600, "scroll": {"window": [0, 0], "nodes": {}}, "inputs": {}}
        w.bridge.load_frame(raw)
        w.bridge.wait_painted()
        grab_stable(w.stage, w.bridge)
        assert url + "/raw.png" in guard.blocked
        # even a script element put in the page by hand does not run: JS is off in the page
        w.bridge.call_sync("(function(){var s=document.createElement('script');"
                           "s.textContent='document.title=\"pwned-direct\"';"
                           "document.body.appendChild(s);return 1;})()")
        grab_stable(w.stage, w.bridge)
        title = w.bridge.call_sync("document.title")
        assert "pwned" not in title
        assert server.hits == [], f"the replay reached the network: {server.hits}"
    finally:
        dispose(w)


def test_the_view_follows_a_viewport_resize(qapp, server):
    url = f"http://127.0.0.1:{server.server_address[1]}"
    w = ReplayWidget(_hostile(url))
    try:
        w.resize(1000, 700)
        w.show()
        w.wait_ready()
        w.seek_and_wait(100)
        assert w.stage.recorded == (800, 600)
        assert w.bridge.call_sync("document.title") == "Hostile page"
        w.seek_and_wait(1000)
        assert w.stage.recorded == (400, 700)
        grab_stable(w.stage, w.bridge)
        vp = w.bridge.call_sync("[window.innerWidth, window.innerHeight]")
        assert abs(vp[0] - 400) <= 2 and abs(vp[1] - 700) <= 2
        page = w.stage.page_rect()
        assert abs(page.width() / page.height() - 400 / 700) < 0.02
    finally:
        dispose(w)


def test_a_session_still_being_indexed_shows_its_first_frame_then_fills_in(qapp, qtbot, generated_events):
    from recorder.source import ListSource
    src = ListSource(generated_events, segment_size=500)
    r = Replayer(src, mode="lazy")    # indexed only as far as asked
    assert not r.ready
    w = ReplayWidget(src, replayer=r)
    try:
        w.resize(1200, 760)
        w.show()
        w.wait_ready()
        assert w.controller.time == r.first_frame_ms
        w.seek_and_wait(int(r.first_frame_ms))
        assert w.bridge.call_sync("window.__replay.state().nodes") > 10   # first frame shown
        # the panes not yet: their tabs say the recording is being read (no tables made)
        assert isinstance(w.devtools, ReadingPane)
        assert [w.devtools.tabText(i) for i in range(w.devtools.count())] == list(TAB_NAMES)
        assert all(w.devtools.widget(i).text() == READING for i in range(w.devtools.count()))
        r.index.finish()
        qtbot.waitUntil(lambda: not isinstance(w.devtools, ReadingPane)
                        and w.devtools.console.model.rowCount() > 0, timeout=5000)
        assert w.session.markers and w.timeline.bar.sv is w.session
        assert w.controller.sv is w.session
        # the real pane's labels carry counts ("Console 97"), wider than the reading pane's:
        # the split makes room for them again, so no tab hides behind the scroll buttons
        bar = w.devtools.tabBar()
        qtbot.waitUntil(lambda: all(bar.rect().contains(bar.tabRect(i))
                                    for i in range(bar.count())), timeout=5000)
        assert any(ch.isdigit() for ch in bar.tabText(0))
    finally:
        dispose(w)


def test_a_stored_long_recording_opens_reading_and_paints_its_first_frame(qapp, tmp_path):
    # as the app opens a long stored session: the index is left to a worker process after
    # the first full snapshot - only the events up to it were decoded here - and the pane
    # says the recording is being read until the index is in
    from recorder.store import Store
    with Store.open(tmp_path / "data") as st:
        sid = st.ingest(list(generate_session(6_000, duration_ms=20 * 60 * 1000, seed=5)))[0]
        src = st.session(sid)
        r = Replayer(src, mode="process")
        assert not r.ready
        assert r.index.events_seen < src.segments[0].record_count
        w = ReplayWidget(src, replayer=r)
        try:
            assert isinstance(w.devtools, ReadingPane)
            w.resize(1200, 760)
            w.show()
            w.wait_ready()
            first = int(r.first_frame_ms)
            w.seek_and_wait(first)
            assert rendered_tree(w) == expected_tree(r.frame_at(first))
            w.wait_indexed(timeout_s=120)
            assert not isinstance(w.devtools, ReadingPane)
            assert w.devtools.console.model.rowCount() == len(w.session.console) > 0
        finally:
            dispose(w)
            r.close()


def test_the_pane_is_made_and_placed_in_two_steps_with_the_event_loop_between(qapp, qtbot,
                                                                          generated_events,
                                                                          monkeypatch):
    # a timer that comes due while the pane is made (a repaint, playback's tick, the
    # benchmark's heartbeat) has its turn before the pane is placed: a zero-delay
    # singleShot step (a posted event) went first, and the two steps made one stall
    from PySide6.QtCore import Qt, QTimer

    from player.qt.session_view import build_session_view
    from recorder.source import ListSource
    r = Replayer(ListSource(generated_events, segment_size=500), mode="lazy")
    w = ReplayWidget(generated_events, replayer=r)
    log: list[str] = []
    beat = QTimer()
    beat.setTimerType(Qt.TimerType.PreciseTimer)
    beat.setInterval(5)    # making the pane takes longer: it comes due meanwhile
    beat.timeout.connect(lambda: log.append("beat"))
    show_rows, place_rows = w._show_rows, w._place_rows
    monkeypatch.setattr(w, "_show_rows", lambda: (show_rows(), log.append("made")))
    monkeypatch.setattr(w, "_place_rows", lambda: (place_rows(), log.append("placed")))
    try:
        r.index.finish()
        sv = build_session_view(r, None)
        beat.start()
        QTimer.singleShot(1, lambda: w.set_session(sv))   # from a timer, as _check_index
        qtbot.waitUntil(lambda: "placed" in log, timeout=10000)
        made, placed = log.index("made"), log.index("placed")
        assert "beat" in log[made:placed]
        assert w.devtools.sv is sv
    finally:
        beat.stop()
        dispose(w)


def test_adopted_stylesheets_apply_to_the_page(qapp):
    t0 = 1_700_000_000_000
    doc = {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 3, "tagName": "head", "attributes": {}, "childNodes": []},
            {"type": 2, "id": 4, "tagName": "body", "attributes": {}, "childNodes": [
                {"type": 2, "id": 5, "tagName": "p", "attributes": {"class": "x"},
                 "childNodes": [{"type": 3, "id": 6, "textContent": "styled"}]}]}]}]}
    events = [
        {"type": 4, "timestamp": t0, "data": {"href": "https://a.example/", "width": 600, "height": 400}},
        {"type": 2, "timestamp": t0, "data": {"node": doc, "initialOffset": {"left": 0, "top": 0}}},
        {"type": 3, "timestamp": t0 + 100, "data": {"source": 15, "id": 1, "styleIds": [1], "styles": [
            {"styleId": 1, "rules": [{"rule": ".x { color: rgb(255, 0, 0); }"}]}]}},
        {"type": 3, "timestamp": t0 + 200, "data": {"source": 8, "styleId": 1, "adds": [
            {"rule": ".x { font-weight: 700; }", "index": 1}]}},
    ]
    w = ReplayWidget(events)
    try:
        w.resize(900, 600)
        w.show()
        w.wait_ready()
        style = "(function(){var s=getComputedStyle(document.querySelector('.x'));return [s.color, s.fontWeight];})()"
        w.seek_and_wait(50)
        assert w.bridge.call_sync(style) == ["rgb(0, 0, 0)", "400"]
        w.seek_and_wait(150)                         # a frame that holds the adopted sheet
        assert w.bridge.call_sync(style)[0] == "rgb(255, 0, 0)"
        w.controller.play()                          # and an op that edits it
        from PySide6.QtTest import QTest
        QTest.qWait(300)
        w.controller.pause()
        w.bridge.wait_painted()
        assert w.bridge.call_sync(style) == ["rgb(255, 0, 0)", "700"]
    finally:
        dispose(w)


def test_assets_stored_in_the_recording_are_served_by_our_scheme(qapp):
    import io

    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (24, 12), (200, 30, 30)).save(buf, "PNG")
    t0 = 1_700_000_000_000
    doc = {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 3, "tagName": "body", "attributes": {}, "childNodes": [
                {"type": 2, "id": 4, "tagName": "img", "attributes": {"src": "replay-asset:/a/logo.png"},
                 "childNodes": []},
                {"type": 2, "id": 5, "tagName": "img", "attributes": {"src": "replay-asset:/a/missing.png"},
                 "childNodes": []}]}]}]}
    events = [{"type": 4, "timestamp": t0, "data": {"href": "https://a.example/", "width": 600, "height": 400}},
              {"type": 2, "timestamp": t0, "data": {"node": doc, "initialOffset": {"left": 0, "top": 0}}}]
    served = []
    w = ReplayWidget(events, assets=lambda key: served.append(key) or (
        (buf.getvalue(), "image/png") if key == "logo.png" else None))
    try:
        w.resize(900, 600)
        w.show()
        w.wait_ready()
        w.seek_and_wait(0)
        sizes = "[].map.call(document.images, function(i){return [i.complete, i.naturalWidth]})"
        import time as _t
        deadline = _t.monotonic() + 5
        while _t.monotonic() < deadline and w.bridge.call_sync(sizes) != [[True, 24], [True, 0]]:
            grab_stable(w.stage, w.bridge, 0.3)
        assert w.bridge.call_sync(sizes) == [[True, 24], [True, 0]]
        assert sorted(served) == ["logo.png", "missing.png"]
        assert w.stage.profile.guard.blocked == []
    finally:
        dispose(w)


def test_the_console_follows_a_seek_in_the_next_step(generated_widget):
    # its table's repaint is not added to the seek's own work in one event-loop step
    w = generated_widget
    tab = w.devtools.console
    w.devtools.setCurrentWidget(tab)
    w.seek_and_wait(0)
    times = [r["t"] for r in tab.model.rows]
    target = times[len(times) // 2]
    w.controller.seek(target)
    assert tab.model.now != target
    w.bridge.wait_painted()
    assert tab.model.now == target
    assert tab.model.current_row() == max(i for i, t in enumerate(times) if t <= target)


def test_a_first_grab_tells_a_view_still_blank_from_a_painted_one(qapp):
    # Qt's first render of a fresh view can be the white it shows before Chromium's frame
    # arrives; grab_stable waits past a grab of one colour when the page holds elements
    from PySide6.QtGui import QColor, QImage
    from player.qt.standalone import _one_colour
    img = QImage(40, 30, QImage.Format.Format_ARGB32)
    img.fill(QColor("white"))
    assert _one_colour(img)
    img.setPixelColor(39, 29, QColor(250, 250, 250))
    assert not _one_colour(img)
    assert _one_colour(QImage())


def _styled_page(css: str, body: list[dict], change: dict) -> list[dict]:
    """A 400x300 page styled by `css`, with `body`'s nodes (ids above 6), and one mutation
    (`change`'s items) 500 ms later."""
    t0 = 1_700_000_000_000
    doc = {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 3, "tagName": "head", "attributes": {}, "childNodes": [
                {"type": 2, "id": 4, "tagName": "style", "attributes": {}, "childNodes": [
                    {"type": 3, "id": 5, "textContent": css}]}]},
            {"type": 2, "id": 6, "tagName": "body", "attributes": {}, "childNodes": body}]}]}
    return [{"type": 4, "timestamp": t0, "data": {"href": "https://a.example/", "width": 400, "height": 300}},
            {"type": 2, "timestamp": t0, "data": {"node": doc, "initialOffset": {"left": 0, "top": 0}}},
            {"type": 3, "timestamp": t0 + 500, "data": {"source": 0, "texts": [], "attributes": [],
                                                        "removes": [], "adds": [], **change}}]


def _animated(css: str) -> list[dict]:
    return _styled_page(css, [
        {"type": 2, "id": 7, "tagName": "div", "attributes": {"class": "s"}, "childNodes": []},
        {"type": 2, "id": 8, "tagName": "p", "attributes": {}, "childNodes": [
            {"type": 3, "id": 9, "textContent": "Loading"}]}],
        {"texts": [{"id": 9, "value": "Still loading"}]})


@pytest.mark.parametrize("endless", [True, False])
def test_a_spinner_that_never_stops_costs_a_grab_a_few_frames_long_not_the_timeout(qapp, endless):
    # a loading shimmer never paints the same picture twice: waiting for two equal grabs took
    # grab_stable's whole timeout at every frame of a clip; a finite animation still settles
    from player.qt.standalone import ENDLESS_SETTLE_SPINS
    spin = ("@keyframes spin { to { transform: rotate(360deg); } }"
            ".s { width: 80px; height: 80px; background: linear-gradient(90deg, red, blue);"
            " animation: spin %s linear %s; }") % (("1s", "infinite") if endless else ("0.2s", "1"))
    w = ReplayWidget(_animated(spin))
    try:
        w.resize(900, 600)
        w.show()
        w.wait_ready()
        w.seek_and_wait(0)
        grab_stable(w.stage, w.bridge)
        w.seek_and_wait(500)   # a change, then the grab that counts
        grabs = []
        real = w.stage.grab
        w.stage.grab = lambda *a: grabs.append(1) or real(*a)
        img = grab_stable(w.stage, w.bridge, timeout_s=20)
        assert not img.isNull()
        assert w.bridge.call_sync("document.body.textContent").strip() == "Still loading"
        if endless:
            assert len(grabs) <= ENDLESS_SETTLE_SPINS + 1
            assert w.bridge.settled is None
        else:     # a 0.2 s turn ends: two equal grabs, the picture kept as settled
            assert w.bridge.settled is not None
    finally:
        dispose(w)


def test_a_grab_waits_for_the_frame_of_its_seek_however_late_chromium_hands_it_over(qapp):
    # the runtime marks a batch painted in the page's animation frame; Chromium rasters it
    # and hands the frame to Qt later - here 200-500 ms later (blurred shadows to raster):
    # two equal grabs 60 ms apart were both the frame before, and a clip kept that one (a
    # video's frame showed the shop where the WebP had the checkout, on a loaded machine)
    from player.qt.standalone import MARK_COLOURS
    shadows = [{"type": 2, "id": 100 + k, "tagName": "i", "attributes": {}, "childNodes": []}
               for k in range(200)]
    css = (".slow { background: rgb(0, 0, 255); } i { display: none; }"
           ".slow i { display: block; position: absolute; left: 40px; top: 40px; width: 300px;"
           " height: 200px; box-shadow: 0 0 200px 20px rgba(255, 255, 0, 0.01); }")
    events = _styled_page(css, shadows,
                          {"attributes": [{"id": 6, "attributes": {"class": "slow"}}]})
    w = ReplayWidget(events)
    try:
        w.resize(900, 600)
        w.show()
        w.wait_ready()
        for t, corner in ((0, (255, 255, 255)), (500, (0, 0, 255)), (0, (255, 255, 255)),
                          (500, (0, 0, 255))):
            w.seek_and_wait(t)
            img = grab_stable(w.stage, w.bridge)
            r = w.stage.page_rect()
            far = img.pixelColor(r.right() - 5, r.bottom() - 5)   # where no shadow reaches
            assert (far.red(), far.green(), far.blue()) == corner, t
            near = img.pixelColor(r.left() + 4, r.top() + 4)      # the paint mark's place
            assert (near.red(), near.green(), near.blue()) not in MARK_COLOURS
        assert w.bridge.call_sync("document.getElementsByTagName('replay-paint-mark')"
                                  ".length") == 0
    finally:
        dispose(w)
