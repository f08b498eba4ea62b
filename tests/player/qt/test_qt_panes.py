"""The timeline widget and the dev-tools pane on their own (no web view): what they show
and what a click on them asks for."""
from __future__ import annotations

import player.qt.webview  # noqa: F401  (schemes before the QApplication)
import pytest
from PySide6.QtCore import QPoint, Qt

from player.qt.devtools.models import CURRENT_BG, FUTURE, ROW_ROLE
from player.qt.devtools.pane import READING, DevToolsPane, RowsTab, rating
from player.qt.session_view import build_session_view, error_moment
from player.qt.timeline_widget import TimelineBar
from player.replayer import Replayer
from recorder.moments import Unit, moment_text
from replay_tools.generator import generate_session


@pytest.fixture(scope="module")
def session():
    events = list(generate_session(2500, duration_ms=6 * 60 * 1000, seed=7))
    return build_session_view(Replayer(events))


def test_session_view_reads_the_timeline(session):
    assert session.duration_ms > 5 * 60 * 1000
    assert session.console and session.network and session.actions and session.views
    assert all(a["t"] <= b["t"] for a, b in zip(session.console, session.console[1:]))
    kinds = {m.kind for m in session.markers}
    assert "click" in kinds or "rage_click" in kinds
    assert sum(session.density) > 0 and len(session.density) == 240
    # grouped errors add up to every occurrence
    assert sum(e["count"] for e in session.errors) == len(session.errors_all)
    facts = dict(session.facts)
    assert facts["Duration"] == moment_text(session.duration_ms, Unit.SECOND)


def test_the_console_shows_an_unhandled_rejection_as_the_browsers_console_does():
    """The Console tab showed an uncaught error (its console echo) but not an unhandled
    rejection the RUM plugin alone reported - only the Errors tab had it (a site owner's
    tryout). It is a console line as Chrome writes it; an error the console reported is
    not shown twice."""
    from recorder.format import CONSOLE_PLUGIN, RUM_PLUGIN
    t0 = 1_700_000_000_000
    html = {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": []}
    events = [{"type": 4, "timestamp": t0, "data": {"href": "https://x.test/", "width": 800,
                                                    "height": 600}},
              {"type": 2, "timestamp": t0, "data": {"node": {"type": 0, "id": 1, "childNodes":
                                                             [html]},
                                                    "initialOffset": {"left": 0, "top": 0}}},
              {"type": 6, "timestamp": t0 + 100, "data": {"plugin": RUM_PLUGIN, "payload": {
                  "type": "error", "error": {
                      "message": "Unhandled promise rejection: quote failed", "type": "Error",
                      "source": "source", "stack": "Error: quote failed\n    at q (a.js:3:9)"}}}},
              {"type": 6, "timestamp": t0 + 200, "data": {"plugin": RUM_PLUGIN, "payload": {
                  "type": "error", "error": {"message": "x is not defined",
                                             "type": "ReferenceError", "source": "source",
                                             "stack": "ReferenceError: x is not defined"}}}},
              {"type": 6, "timestamp": t0 + 200, "data": {"plugin": CONSOLE_PLUGIN, "payload": {
                  "level": "error", "trace": [], "payload": [
                      '"Uncaught ReferenceError: x is not defined"']}}}]
    sv = build_session_view(Replayer(events))
    assert [(r["t"], r["level"], r["message"], r["stack"]) for r in sv.console] == [   # (ms in)
        (100, "error", "Uncaught (in promise) Error: quote failed", ["q (a.js:3:9)"]),
        (200, "error", "Uncaught ReferenceError: x is not defined", [])]
    assert len(sv.errors_all) == 2


def test_a_live_sessions_pane_keeps_room_for_its_counts_to_grow(qtbot, session):
    """Watching a live session, the pane widened - and the page shrank, 66% to 64% - as
    console lines came in and the tab counts grew a digit (a site owner's tryout); the last
    label touched the pane's edge."""
    pane = DevToolsPane(session)
    qtbot.addWidget(pane)
    bar = pane.tabBar()
    assert pane.labels_width() >= bar.sizeHint().width() + 8   # clear of the edge
    live = pane.labels_width(counts_grow=True)
    for i in range(bar.count()):   # every count four digits long
        name = bar.tabText(i).rsplit(" ", 1)[0] if bar.tabText(i)[-1:].isdigit() else \
            bar.tabText(i)
        bar.setTabText(i, f"{name} 9999")
    assert abs(pane.labels_width(counts_grow=True) - live) <= bar.count()   # (kerning)
    assert pane.labels_width() > live - bar.count()


def test_timeline_click_and_drag_ask_for_the_time_under_the_pointer(qtbot, session):
    bar = TimelineBar(session)
    qtbot.addWidget(bar)
    bar.resize(1016, 54)
    bar.show()
    asked = []
    bar.seekRequested.connect(asked.append)
    x0, x1 = bar._span()
    qtbot.mousePress(bar, Qt.MouseButton.LeftButton, pos=QPoint(int(x0 + (x1 - x0) / 2), 30))
    qtbot.mouseMove(bar, QPoint(int(x0 + (x1 - x0) * 3 / 4), 30))
    qtbot.mouseRelease(bar, Qt.MouseButton.LeftButton, pos=QPoint(int(x0 + (x1 - x0) * 3 / 4), 30))
    d = session.duration_ms
    assert abs(asked[0] - d / 2) <= d / (x1 - x0)
    assert abs(asked[-1] - d * 3 / 4) <= d / (x1 - x0)
    # the marker under the pointer is found for the hover tooltip
    m = session.markers[len(session.markers) // 2]
    assert bar.marker_at(bar.x_of(m.t)).t == pytest.approx(m.t, abs=d / (x1 - x0) * 4)
    # painting with markers, shading and density does not fail
    bar.set_time(d // 3)
    assert not bar.grab().isNull()


@pytest.mark.parametrize("metric,value,expected", [
    ("lcp", 2500, "good"), ("lcp", 2501, "needs-improvement"), ("lcp", 4001, "poor"),
    ("cls", 0.1, "good"), ("cls", 0.2, "needs-improvement"), ("cls", 0.26, "poor"),
    ("inp", 200, "good"), ("inp", 500, "needs-improvement"), ("inp", 501, "poor"),
    ("lcp", None, None),
])
def test_web_vitals_are_rated_with_googles_thresholds(metric, value, expected):
    assert rating(metric, value) == expected


def _shown_pane(qtbot, session, height: int, tab: str) -> DevToolsPane:
    """The dev-tools pane on `session`, 700 px wide and `height` high, tab `tab` in front."""
    pane = DevToolsPane(session)
    qtbot.addWidget(pane)
    pane.resize(700, height)
    pane.show()
    pane.setCurrentWidget(pane.tabs[tab])
    return pane


def test_rows_follow_the_time_and_filters_narrow_them(qtbot, session):
    pane = _shown_pane(qtbot, session, 500, "console")
    console = pane.console
    n = console.model.rowCount()
    mid = console.model.rows[n // 2]["t"]
    pane.set_time(mid)
    cur = console.model.current_row()
    assert console.model.rows[cur]["t"] <= mid
    assert cur == n - 1 or console.model.rows[cur + 1]["t"] > mid
    fg = console.model.data(console.model.index(n - 1, 2), Qt.ItemDataRole.ForegroundRole)
    assert fg.color() == FUTURE
    bg = console.model.data(console.model.index(cur, 2), Qt.ItemDataRole.BackgroundRole)
    assert bg.color() == CURRENT_BG
    # level filter
    levels = {r["level"] for r in console.model.rows}
    level = sorted(levels)[0]
    box = console.filters["level"]
    box.setCurrentIndex(box.findText(level))
    assert console.proxy.rowCount() == sum(1 for r in console.model.rows if r["level"] == level)
    box.setCurrentIndex(0)
    # text filter
    word = console.model.rows[0]["message"].split()[0]
    console.search.setText(word)
    assert 0 < console.proxy.rowCount() <= n
    assert all(word.lower() in console.proxy.index(i, 2).data().lower() or
               word.lower() in str(console.proxy.index(i, 0).data(Qt.ItemDataRole.UserRole + 1)).lower()
               for i in range(console.proxy.rowCount()))
    console.search.clear()
    # network status filter: failed requests only
    net = pane.network
    box = net.filters["status"]
    box.setCurrentIndex(box.findText("Failed"))
    failed = [r for r in net.model.rows if r["status"] == 0 or (r["status"] or 0) >= 400]
    assert net.proxy.rowCount() == len(failed)
    # performance colours follow the ratings
    perf = pane.performance
    pane.setCurrentWidget(perf)
    for i, v in enumerate(perf.model.rows):
        if v.get("lcp") is not None:
            pane.set_time(v["t"] + 1)
            fg = perf.model.data(perf.model.index(i, 3), Qt.ItemDataRole.ForegroundRole)
            assert fg is not None and fg.color().name() in ("#50c878", "#f0b43c", "#ff5f5f")
            break


def test_short_url_keeps_the_path_and_flags_other_hosts():
    from player.qt.devtools.pane import short_url
    here = "https://shop.test"
    assert short_url("https://shop.test/api/cart?id=3", here) == "/api/cart?id=3"
    assert short_url("https://shop.test", here) == "/"
    assert short_url("https://cdn.other.test/x.js", here) == "https://cdn.other.test/x.js"
    assert short_url("data:image/png;base64,AAA", here) == "data:image/png;base64,AAA"
    assert short_url(None, here) == ""


def test_network_rows_show_paths_with_the_full_url_on_hover_and_in_search(qtbot, session):
    pane = DevToolsPane(session)
    qtbot.addWidget(pane)
    net = pane.network
    row = next(r for r in net.model.rows if r["url"].startswith("http"))
    i = net.model.rows.index(row)
    shown = net.model.data(net.model.index(i, 2), Qt.ItemDataRole.DisplayRole)
    assert not shown.startswith("http") and row["url"].endswith(shown)
    assert net.model.data(net.model.index(i, 2), Qt.ItemDataRole.ToolTipRole) == row["url"]
    # the host is not shown for same-origin calls but still finds them
    host = row["url"].split("/")[2]
    net.search.setText(host)
    assert net.proxy.rowCount() == sum(1 for r in net.model.rows if host in r["url"])


def test_errors_tab_has_one_row_per_group_with_first_and_last_seen(qtbot):
    import json
    from pathlib import Path
    demo = Path(__file__).resolve().parents[3] / "assets" / "demo" / "demo-session.json"
    pane = DevToolsPane(build_session_view(Replayer(json.loads(demo.read_text()))))
    qtbot.addWidget(pane)
    model = pane.errors.model
    # 15 reports (RUM errors and their console echoes, the failed quote's request and the
    # line the page logged about it) are 7 errors in 2 groups
    assert [(r["type"], r["count"]) for r in model.rows] == [("HTTPError", 1), ("TypeError", 6)]
    assert pane.tabText(pane.indexOf(pane.errors)) == "Errors 7"
    i = 1
    row = model.rows[i]
    assert row["last_t"] - row["t"] > 1000 and row["reported_by"] == ["console", "rum"]
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    last = model.data(model.index(i, titles.index("Last seen")))
    assert last == moment_text(row["last_t"]) != model.data(model.index(i, 0))
    # its details say where it came from in words (once "source: source")
    pane.resize(900, 500)
    pane.show()
    pane.setCurrentWidget(pane.errors)
    qtbot.waitExposed(pane)
    table = pane.errors.table
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     pos=table.visualRect(table.model().index(i, 0)).center())
    said = pane.errors.detail.toPlainText()
    assert "from the page's code · reported by the console + RUM" in said, said
    assert "source: source" not in said


def test_a_gradual_step_past_its_time_stops_at_a_chunk_and_the_rows_end_the_same(
        qtbot, session, monkeypatch):
    """A step that has taken FILL_MS stops after its chunk (FILL_CHUNK rows), whatever is
    left of FILL_ROWS: 2,000 rows a step were 90-200 ms of a busy machine's UI thread.
    (FILL_MS 0: every step is past its time after its first chunk.)"""
    import player.qt.devtools.pane as pane_mod
    monkeypatch.setattr(pane_mod, "FILL_MS", 0)
    monkeypatch.setattr(pane_mod, "FILL_CHUNK", 7)
    whole = DevToolsPane(session)
    gradual = DevToolsPane(session, gradual=True)
    qtbot.addWidget(whole)
    qtbot.addWidget(gradual)
    total = sum(len(t.pending) for t in gradual.tabs.values() if isinstance(t, RowsTab))
    assert total > 7
    gradual._fill()
    assert sum(t.model.rowCount() for t in gradual.tabs.values()) == 7
    qtbot.waitUntil(lambda: not gradual.filling, timeout=20000)
    for name, tab in whole.tabs.items():
        assert gradual.tabs[name].model.rows == tab.model.rows, name


def test_a_gradual_pane_fills_a_chunk_at_a_time_to_the_same_rows(qtbot, session, monkeypatch):
    """A long session's rows arrive FILL_ROWS per event-loop step (the UI is never blocked
    long), and end up exactly as in a pane filled at once."""
    import player.qt.devtools.pane as pane_mod
    monkeypatch.setattr(pane_mod, "FILL_ROWS", 50)
    whole = DevToolsPane(session)
    gradual = DevToolsPane(session, gradual=True)
    qtbot.addWidget(whole)
    qtbot.addWidget(gradual)
    assert gradual.filling
    assert gradual.console.model.rowCount() == 0   # nothing yet: the constructor is cheap
    assert gradual.network.empty.text() == READING   # rows to come, not "none recorded"
    gradual._fill()
    assert sum(t.model.rowCount() for t in gradual.tabs.values()) == 50
    assert gradual.console.model.rowCount() == min(50, len(session.console))  # on show first
    qtbot.waitUntil(lambda: not gradual.filling, timeout=20000)
    for name, tab in whole.tabs.items():
        assert gradual.tabs[name].model.rows == tab.model.rows, name
        assert gradual.tabs[name].count.text() == tab.count.text(), name
    gradual.set_time(session.duration_ms // 2)
    whole.set_time(session.duration_ms // 2)
    assert gradual.console.model.current_row() == whole.console.model.current_row() >= 0


def test_timeline_marks_each_marker_at_its_time_in_its_colour(qtbot):
    """Markers are stamped once per pixel column and kind: each kind's colour is drawn at
    its marker's column, and nowhere a marker is not."""
    from player.qt.session_view import Marker, SessionView
    from player.qt.timeline_widget import MARKER_STYLE
    kinds = ["click", "error", "rage_click", "dead_click"]
    sv = SessionView(start_ms=0, end_ms=100_000,
                     markers=[Marker(20_000 * (i + 1), k, k) for i, k in enumerate(kinds)]
                     + [Marker(20_000, "click", "again")] * 500)   # one column, drawn once
    bar = TimelineBar(sv)
    qtbot.addWidget(bar)
    bar.resize(600, 54)
    img = bar._static_layer().toImage()
    y = int(bar.track_rect().bottom() + 8)
    for m in sv.markers[:len(kinds)]:
        x = round(bar.x_of(m.t))
        assert img.pixelColor(x, y).rgb() == MARKER_STYLE[m.kind][0].rgb(), m.kind
    empty_x = round(bar.x_of(10_000))
    assert img.pixelColor(empty_x, y).alpha() == 0


def test_the_bug_a_report_names_is_a_marker_of_its_own_on_the_timeline(qtbot, tmp_path):
    """A QA pressed ⚑ Mark the bug: the player opened there, but the only flag on the bar was
    the purple one of a navigation, which the QA read as the bug (a QA's tryout). The
    report's moment is a flag of its own colour, in the legend, its label the report's title."""
    import json
    from pathlib import Path

    from player.qt.timeline_widget import LEGEND, MARKER_STYLE
    from recorder.bug import BugReport, with_report
    from recorder.store import Store
    demo = Path(__file__).resolve().parents[2] / "fixtures" / "rrweb-player-demo.json"
    with Store.open(tmp_path / "data") as store:
        (sid,) = store.ingest(json.loads(demo.read_text()), context=with_report(
            None, BugReport(title="Apply coupon does nothing", at_ms=30_000)))
        reader = store.session(sid)
        sv = build_session_view(Replayer(list(reader.events())), info=reader.info)
    (bug,) = [m for m in sv.markers if m.kind == "bug"]
    assert (bug.t, bug.label) == (30_000, "The bug: Apply coupon does nothing")
    assert 30_000 in sv.event_times   # Shift+Left/Right stops there too
    assert "bug" in dict(LEGEND) and MARKER_STYLE["bug"][0] != MARKER_STYLE["navigation"][0]
    bar = TimelineBar(sv)
    qtbot.addWidget(bar)
    bar.resize(600, 54)
    img = bar._static_layer().toImage()
    x, y = round(bar.x_of(30_000)), int(bar.track_rect().bottom() + 8)
    assert img.pixelColor(x + 2, y - 23).rgb() == MARKER_STYLE["bug"][0].rgb()   # its pennant
    assert not [m for m in build_session_view(Replayer(list(reader.events()))).markers
                if m.kind == "bug"]   # no report, no flag


def test_a_seek_dims_rows_without_filtering_them_again(qtbot, session, monkeypatch):
    """Moving the time changes how rows look (dimmed after it), never whether they pass the
    filter: a seek across the session asks the filter about no row (a dynamic filter asked
    again for every row dimmed or lit, tens of thousands on a long session, on the UI
    thread), while rows added later are still filtered."""
    import player.qt.devtools.pane as pane_mod
    from player.qt.devtools.models import RowsFilter

    asked = []
    accepts = RowsFilter.filterAcceptsRow

    def counting(self, row, parent):
        asked.append(row)
        return accepts(self, row, parent)

    monkeypatch.setattr(RowsFilter, "filterAcceptsRow", counting)
    monkeypatch.setattr(pane_mod, "FILL_ROWS", 10)
    pane = DevToolsPane(session, gradual=True)
    qtbot.addWidget(pane)
    pane.resize(700, 500)
    pane.show()
    console = pane.console
    word = session.console[0]["message"].split()[0].lower()
    console.search.setText(word)          # set while the rows are still coming
    qtbot.waitUntil(lambda: not pane.filling, timeout=20000)
    passing = [r for r in session.console if word in r["message"].lower()
               or word in str(r.get("stack", "")).lower()]
    assert 0 < console.proxy.rowCount() == len(passing) < len(session.console)
    asked.clear()
    pane.set_time(session.duration_ms)
    pane.set_time(0)
    pane.set_time(session.duration_ms // 2)
    qtbot.wait(1)
    assert asked == []
    assert console.proxy.rowCount() == len(passing)
    assert console.model.current_row() >= 0


def test_next_error_lands_on_the_error_not_the_click_before_it():
    """E stopped first at the error click a few ms before each error, where the error's row
    was still ahead (dimmed)."""
    import json
    from pathlib import Path
    demo = Path(__file__).resolve().parents[3] / "assets" / "demo" / "demo-session.json"
    sv = build_session_view(Replayer(json.loads(demo.read_text())))
    errors = sorted({m.t for m in sv.markers if m.kind == "error"})
    clicks = {m.t for m in sv.markers if m.kind == "error_click"} - set(errors)
    assert clicks   # the demo has error clicks just before its errors
    t, landed = -1, []
    while (t := sv.next_error(t)) is not None:
        landed.append(t)
    assert landed == [error_moment(e) for e in errors]


def test_the_failed_quote_is_one_error_its_request_and_console_line_both_in_it(qtbot):
    """The demo's shipping quote answered 500 was two rows of the Errors tab - the request's
    HTTPError and the console.error the page logged about it 1 ms later - and E stopped at
    both (a support engineer's report). One problem: one row, one stop of E, its details
    saying the request and the console line, and a search for the line's words finds it."""
    import json
    from pathlib import Path
    demo = Path(__file__).resolve().parents[3] / "assets" / "demo" / "demo-session.json"
    sv = build_session_view(Replayer(json.loads(demo.read_text())))
    quote = [r for r in sv.errors if "shipping" in r["message"] + r["logged"]]
    assert [(r["type"], r["count"]) for r in quote] == [("HTTPError", 1)]
    (row,) = quote
    assert row["logged"].startswith("shipping quote failed: 500") and "/api/shipping-quote" in row["url"]
    assert len([r for r in sv.errors_all if r["t"] // 1000 == row["t"] // 1000]) == 1
    # E: one stop for it, and the next one is the coupon's error, seconds later
    t = sv.next_error(row["t"] - 1)
    assert t == error_moment(row["t"])
    assert sv.next_error(t) - t > 1000
    pane = DevToolsPane(sv)
    qtbot.addWidget(pane)
    pane.resize(900, 500)
    pane.show()
    pane.setCurrentWidget(pane.errors)
    qtbot.waitExposed(pane)
    table = pane.errors.table
    i = pane.errors.model.rows.index(row)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     pos=table.visualRect(table.model().index(i, 0)).center())
    said = pane.errors.detail.toPlainText()
    assert "the request: " + row["url"] + " · answered 500" in said, said
    assert "logged on the console at " in said and "shipping quote failed: 500" in said, said
    # ... where the page logged it from (the console line's stack), in place of "no stack
    # recorded" (the request's own failure has none: a QA engineer read it as lost)
    assert "\n    at http://127.0.0.1:34285/app.js:166:19" in said and "no stack" not in said, said
    assert "reported by the console + RUM" in said
    pane.errors.search.setText("carrier's quote service")   # the line's words find its row
    assert pane.errors.proxy.rowCount() == 1


def test_an_errors_moment_shows_what_its_task_changed_and_its_row_reached(qtbot):
    """An error is reported as it is thrown (at a fraction of a ms), what its task changed is
    recorded 34 ms later: E and the Errors tab land after both - the page as the person saw
    it, the error's row reached, not dimmed (a QA's tryout: "got 500" where the page said
    "applying...")."""
    T = 1_700_000_000_000
    el = lambda i, tag, kids=(): {"type": 2, "id": i, "tagName": tag, "attributes": {"id": tag},  # noqa: E731
                                  "childNodes": list(kids)}
    doc = {"type": 0, "id": 1, "childNodes": [el(2, "html", [el(3, "body", [
        el(4, "output", [{"type": 3, "id": 5, "textContent": "got 500"}])])])]}
    events = [{"type": 4, "timestamp": T, "data": {"href": "https://x.test/", "width": 800, "height": 600}},
              {"type": 2, "timestamp": T + 1, "data": {"node": doc, "initialOffset": {"left": 0, "top": 0}}},
              {"type": 6, "timestamp": T + 1000, "data": {"plugin": "replay/rum@1", "payload": {
                  "type": "error", "date": T + 1000.4, "error": {
                      "message": "x is null", "type": "TypeError", "source": "source"}}}},
              {"type": 3, "timestamp": T + 1034, "data": {"source": 0, "texts": [
                  {"id": 5, "value": "applying..."}], "attributes": [], "removes": [], "adds": []}},
              {"type": 3, "timestamp": T + 5000, "data": {"source": 1, "positions": [
                  {"x": 1, "y": 1, "id": 3, "timeOffset": 0}]}}]
    r = Replayer(events)
    sv = build_session_view(r)
    t = sv.next_error(0)
    assert "applying..." in r.document_at(t) and "got 500" in r.document_at(1000)
    pane = DevToolsPane(sv)
    qtbot.addWidget(pane)
    asked = []
    pane.errors.seekRequested.connect(asked.append)
    pane.errors._clicked(pane.errors.proxy.index(0, 0))
    assert asked == [t]
    pane.errors.set_time(t)
    assert pane.errors.model.current_row() == 0


def test_a_row_picked_earlier_lets_go_when_the_clock_moves_elsewhere(qtbot, session):
    """After E, two Errors rows looked selected: the one clicked before, and the current one
    (a QA's tryout). A row picked stays picked while the clock is on it, not after."""
    pane = DevToolsPane(session)
    qtbot.addWidget(pane)
    tab = pane.console
    tab.table.selectRow(1)
    first = tab.proxy.mapToSource(tab.proxy.index(1, 0)).row()
    tab.set_time(int(tab.model.rows[first]["t"]))         # its own moment: it stays picked
    assert tab.table.selectionModel().selectedRows()
    tab.set_time(int(tab.model.rows[-1]["t"]) + 1)        # elsewhere: let go
    assert not tab.table.selectionModel().selectedRows()


def test_a_row_picked_at_the_same_moment_as_the_current_one_stays_picked(qtbot):
    """Two rows at one moment: the one clicked stays picked though the later is current."""
    from player.qt.devtools.models import Column
    from player.qt.devtools.pane import RowsTab

    tab = RowsTab([Column("Message", "message")],
                  [{"t": 100, "message": "a"}, {"t": 100, "message": "b"}, {"t": 900, "message": "c"}])
    qtbot.addWidget(tab)
    tab.table.selectRow(0)
    tab.set_time(100)
    assert tab.model.current_row() == 1 and tab.table.selectionModel().selectedRows()
    tab.set_time(950)
    assert not tab.table.selectionModel().selectedRows()


def test_a_row_clicked_at_the_current_ones_moment_is_the_one_row_shown_current(qtbot):
    """Two errors at 0:09.3: the first clicked was selected and the second painted as the
    current one - two rows highlighted, whose details? (a support engineer's tryout). The row
    clicked is the current one while the clock is at its moment; then the last again."""
    from PySide6.QtCore import Qt as _Qt

    from player.qt.devtools.models import Column

    tab = RowsTab([Column("Message", "message")],
                  [{"t": 100, "message": "a"}, {"t": 100, "message": "b"},
                   {"t": 900, "message": "c"}], details=lambda r: r["message"])
    qtbot.addWidget(tab)
    tab.set_time(100)
    assert tab.model.current_row() == 1
    tab._clicked(tab.proxy.index(0, 0))
    assert tab.model.current_row() == 0
    current = [r for r in range(3) if tab.model.index(r, 0).data(_Qt.ItemDataRole.BackgroundRole)]
    assert current == [0]
    tab.set_time(950)
    assert tab.model.current_row() == 2


def test_the_details_of_a_row_the_filter_hides_go_with_it(qtbot):
    """Errors tab: a row's details stayed under the rows a search left, as if theirs."""
    from player.qt.devtools.models import Column
    from player.qt.devtools.pane import FILTERED_OUT

    tab = RowsTab([Column("Message", "message")],
                  [{"t": 100, "message": "HTTPError 500"}, {"t": 200, "message": "TypeError x"}],
                  details=lambda r: "details of " + r["message"])
    qtbot.addWidget(tab)
    tab._clicked(tab.proxy.index(0, 0))
    assert tab.detail.toPlainText() == "details of HTTPError 500"
    tab.search.setText("HTTP")                    # still shown: the details stay
    assert tab.detail.toPlainText() == "details of HTTPError 500"
    tab.search.setText("classList TypeError")    # hidden: they go, and say why
    tab.search.setText("TypeError")
    assert tab.detail.toPlainText() == "" and tab.detail.placeholderText() == FILTERED_OUT
    tab._clicked(tab.proxy.index(0, 0))
    assert tab.detail.toPlainText() == "details of TypeError x"


def test_a_narrow_network_tab_keeps_the_method_and_the_url(qtbot):
    """At the app's default size the Method column went with the waterfall (a support
    engineer's tryout: POST was only in the details). Narrow, the waterfall, type and size
    give way; the method and the URL stay."""
    import json
    from pathlib import Path

    from player.qt.devtools.pane import MIN_WIDTH
    demo = Path(__file__).resolve().parents[3] / "assets" / "demo" / "demo-session.json"
    pane = DevToolsPane(build_session_view(Replayer(json.loads(demo.read_text()))))
    qtbot.addWidget(pane)
    pane.resize(MIN_WIDTH, 500)     # the narrowest the pane gets
    pane.show()
    pane.setCurrentWidget(pane.network)
    qtbot.waitExposed(pane)
    tab = pane.network
    tab.fit_columns()
    titles = [tab.model.headerData(c, Qt.Orientation.Horizontal) for c in range(tab.model.columnCount())]
    hidden = {titles[c] for c in range(len(titles)) if tab.table.isColumnHidden(c)}
    assert "Waterfall" in hidden and not {"Method", "URL", "Status"} & hidden, hidden


def test_a_narrow_errors_tab_keeps_room_for_the_message(qtbot):
    """The message was squeezed to a dozen characters beside the type, count and last-seen
    columns (a support engineer's tryout). Narrow, the last-seen time goes first, then the
    type; the message keeps MESSAGE_CHARS characters."""
    import json
    from pathlib import Path

    from player.qt.devtools.pane import MESSAGE_CHARS, MIN_WIDTH
    demo = Path(__file__).resolve().parents[3] / "assets" / "demo" / "demo-session.json"
    pane = DevToolsPane(build_session_view(Replayer(json.loads(demo.read_text()))))
    qtbot.addWidget(pane)
    pane.setCurrentWidget(pane.errors)
    tab = pane.errors
    titles = [tab.model.headerData(c, Qt.Orientation.Horizontal) for c in range(tab.model.columnCount())]
    message = titles.index("Message")
    avg = tab.table.fontMetrics().averageCharWidth()
    hidden_at = {}
    for width in (MIN_WIDTH, 470, 900):
        pane.resize(width, 500)
        pane.show()
        qtbot.waitExposed(pane)
        tab.fit_columns()
        qtbot.waitUntil(lambda: tab.table.viewport().width() > 0)
        hidden_at[width] = {titles[c] for c in range(len(titles)) if tab.table.isColumnHidden(c)}
        assert tab.table.columnWidth(message) >= MESSAGE_CHARS * avg, (width, hidden_at)
    assert hidden_at[900] == set()
    assert "Last seen" in hidden_at[MIN_WIDTH] and {"Time", "Message", "Count"}.isdisjoint(hidden_at[MIN_WIDTH])
    assert hidden_at[470] <= hidden_at[MIN_WIDTH]


def test_the_steps_follow_the_clock_from_before_the_first(qapp):
    """Before the first step nothing is done yet: every step is greyed - "never told the
    time" (record mode's live list, every step alike) and "before the first" were one state,
    so a player opened at 0:00 showed its steps as done (a review)."""
    from player.qt.steps_pane import LATER_COLOR, StepsPane
    from recorder.steps import Step, StepKind

    pane = StepsPane()
    pane.show_steps([Step(1000, StepKind.CLICK, "Save", "#save"),
                     Step(2000, StepKind.CLICK, "Send", "#send")], follow=False)
    items = [pane.list.item(i) for i in range(pane.list.count())]
    assert not any(it.foreground().color() == LATER_COLOR for it in items)   # untimed
    for t, done in ((0, -1), (1500, 0), (2500, 1), (0, -1)):
        pane.set_time(t)
        assert pane.current == done
        assert [it.foreground().color() == LATER_COLOR for it in items] == [
            i > done for i in range(len(items))], t
        assert [it.font().bold() for it in items] == [i == done for i in range(len(items))]
    pane.deleteLater()


def test_the_steps_are_filtered_by_their_text_as_the_other_tabs_rows(qapp):
    """A support engineer looks for "coupon" in forty steps: a filter box, as the other
    dev-tools tabs have; the steps left out are hidden with their numbers kept, beside the
    box how many match, a line says when none does, and a step added later is filtered too."""
    from player.qt.steps_pane import StepsPane
    from recorder.steps import Step, StepKind

    steps = [Step(1000, StepKind.CLICK, "Apply coupon", "#apply-coupon"),
             Step(2000, StepKind.CLICK, "Send", "#send"),
             Step(3000, StepKind.CLICK, "Remove COUPON", "button.coupon-x")]
    pane = StepsPane()
    pane.show_steps(steps, follow=False)
    assert pane.search.isVisibleTo(pane) and pane.label.text() == "Steps (3)"
    pane.search.setText("coupon")
    shown = [pane.list.item(i).text() for i in range(pane.list.count())
             if not pane.list.item(i).isHidden()]
    assert [s.split(".")[0] for s in shown] == ["1", "3"]   # numbered as in the whole list
    assert pane.matches.text() == "2 of 3" and pane.matches.isVisibleTo(pane)
    assert not pane.none_match.isVisibleTo(pane)
    pane.search.setText("refund")
    assert pane.matches.text() == "0 of 3"
    assert pane.none_match.isVisibleTo(pane) and "None of the 3 steps" in pane.none_match.text()
    pane.search.setText("send")
    pane.show_steps(steps + [Step(4000, StepKind.CLICK, "Send again", "#send")])   # record mode grows
    assert pane.matches.text() == "2 of 4" and pane.label.text() == "Steps (4)"
    pane.search.clear()
    assert not pane.matches.isVisibleTo(pane) and not any(
        pane.list.item(i).isHidden() for i in range(pane.list.count()))
    pane.show_steps([])
    assert pane.label.text() == "Steps" and not pane.search.isVisibleTo(pane)
    pane.deleteLater()


def test_a_reports_steps_show_where_the_bug_shows_among_them(qapp):
    """A bug handed over: its Steps tab went from the error to the next step with no row for
    the bug, which record mode's list and `devtools --tab steps` have (a QA's tryout)."""
    from player.qt.steps_pane import StepsPane
    from recorder.bug import BugReport
    from recorder.steps import Step, StepKind

    steps = [Step(1000, StepKind.CLICK, "Apply coupon", "#apply"),
             Step(3000, StepKind.CLICK, "Send", "#send")]
    pane = StepsPane()
    pane.show_report(BugReport(title="Coupon", at_ms=2000, steps=steps))
    lines = [pane.list.item(i).text() for i in range(pane.list.count())]
    assert [ln.split(" ")[0] for ln in lines] == ["1.", "⚑", "2."], lines
    assert lines[1] == "⚑ The bug shows here — 0:02.0"
    pane.deleteLater()


def test_a_rows_time_typed_back_is_at_or_after_what_happened():
    """The shipping quote failed at 42,566 ms; its row read 0:42.5 and a developer's
    `--at 0:42.5` opened 66 ms before it, the error greyed as still to come: a tenth of a
    second is rounded up, so the moment shown is never before what happened."""
    from app.commands._source import moment

    for ms in (42566, 42500, 58483, 59999, 1, 3_599_901):
        for unit in Unit:
            shown = moment_text(ms, unit)
            assert 0 <= moment(shown) - ms < unit, (ms, shown)   # what `--at` reads it as
    assert [moment_text(42566, u) for u in Unit] == ["0:43", "0:42.6", "0:42.566"]
    assert moment_text(3_599_901) == "1:00:00.0"


def test_a_tab_made_shorter_keeps_the_clocks_row_in_view(qtbot, session):
    """A screenshot's player, trimmed to the page's height after the clock reached the bug,
    showed the Network tab down to row 17 with the bug's failed request below the fold (a
    developer's tryout): a tab made shorter, or shown after the clock moved, scrolls to the
    clock's row."""
    pane = _shown_pane(qtbot, session, 900, "network")
    net = pane.network
    n = net.model.rowCount()
    assert n > 40
    late = net.model.rows[n * 3 // 4]["t"]
    pane.set_time(int(late) + 1)
    cur = net.model.current_row()

    def row_in_view() -> bool:
        rect = net.table.visualRect(net.proxy.mapFromSource(net.model.index(cur, 0)))
        return rect.isValid() and 0 <= rect.top() and rect.bottom() <= net.table.viewport().height()
    pane.resize(700, 300)
    qtbot.waitUntil(row_in_view)
    pane.setCurrentWidget(pane.console)
    net.table.scrollToTop()
    pane.setCurrentWidget(net)   # shown again: the clock's row, not the top
    qtbot.waitUntil(row_in_view)


@pytest.mark.parametrize("tab_name", ["console", "errors", "network", "actions"])
def test_ctrl_c_copies_the_row_picked(qtbot, session, tab_name):
    """A support engineer pasting the failing request or the error into a ticket: Ctrl+C on
    a row copied nothing (only the details box's text could be selected by hand, and the
    Actions tab has none). It copies what the details box shows, else the row's columns;
    a right-click on the row offers Copy too."""
    from PySide6.QtGui import QGuiApplication

    pane = DevToolsPane(session)
    qtbot.addWidget(pane)
    pane.show()
    tab = pane.tabs[tab_name]
    pane.setCurrentWidget(tab)
    tab.table.selectRow(0)
    tab.table.setCurrentIndex(tab.proxy.index(0, 1))
    row = tab.proxy.index(0, 0).data(ROW_ROLE)
    QGuiApplication.clipboard().setText("before")
    qtbot.keyClick(tab.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    want = tab.details_fn(row) if tab.details_fn is not None else \
        "\t".join(c.text(row) for c in tab.model.columns)
    assert QGuiApplication.clipboard().text() == want and want.strip()
    assert [a.text() for a in tab.table.actions()] == ["Copy"]


def test_the_errors_the_page_reported_are_shown_among_the_steps(qapp, qtbot):
    """A developer opening a QA's bug reads its steps for the one that made the page fail (a
    tryout: the Steps tab listed no error): each error among the steps at its moment, in red,
    its repeats before the next step counted on its row; clicking it asks for the error (the
    player shows it as E does); the filter finds an error's words; the clock still counts
    the steps alone."""
    from player.qt.steps_pane import ERROR_ROW_COLOR, LATER_COLOR, StepsPane
    from recorder.steps import Step, StepKind

    pane = StepsPane()
    pane.show_steps([Step(1000, StepKind.CLICK, "Apply coupon", "#apply"),
                     Step(3000, StepKind.CLICK, "Pay", "#pay")], follow=False)
    pane.set_time(1500)
    pane.show_errors([(1100, "Cannot read properties of null"), (1200,
                      "Cannot read properties of null"), (3500, "500 on /api/pay")])
    texts = [pane.list.item(i).text() for i in range(pane.list.count())]
    assert [t.split("\n")[0] for t in texts] == [
        '1. Click "Apply coupon"', "✖ Cannot read properties of null  (0:01.1, 2 times)",
        '2. Click "Pay"', "✖ 500 on /api/pay  (0:03.5)"]
    errors = [pane.list.item(i) for i in (1, 3)]
    assert all(it.foreground().color() == ERROR_ROW_COLOR for it in errors)
    assert pane.current == 0 and pane.list.item(0).font().bold()   # kept through the redraw
    assert pane.list.item(2).foreground().color() == LATER_COLOR
    with qtbot.waitSignal(pane.errorRequested) as asked:
        pane.list.itemClicked.emit(errors[1])
    assert asked.args == [3500]
    pane.search.setText("api/pay")
    shown = [pane.list.item(i).text() for i in range(pane.list.count())
             if not pane.list.item(i).isHidden()]
    assert shown == ["✖ 500 on /api/pay  (0:03.5)"] and pane.matches.text() == "0 of 2"
    assert not pane.none_match.isVisibleTo(pane)   # (an error matches: not "none matches")
    pane.deleteLater()


def test_an_error_in_the_last_moment_is_shown_at_the_end_and_e_goes_on():
    """A reviewer's: an error in the session's last 100 ms is shown past its end; a seek
    stops at the end, and E compared the clock with that moment for good (stuck on one)."""
    from player.qt.session_view import SessionView, error_moment
    from player.timeline import Marker

    sv = SessionView()
    sv.start_ms, sv.end_ms = 1000, 11_000
    sv.markers = [Marker(2_000, "error", "a"), Marker(9_950, "error", "b"),
                  Marker(9_960, "error", "c")]
    assert error_moment(9_950) > sv.duration_ms   # (the premise)
    end = sv.duration_ms
    assert sv.error_at(2) == (end, 0) and sv.error_at(3) == (end, 1)
    assert sv.next_error_number(end, 2) == 3       # the second at the end, then
    assert sv.next_error_number(end, 3) is None    # none after it: E goes back to the first


def test_the_current_step_in_view_leaves_no_row_cut_at_the_top(qapp):
    """The current step is kept centred, by pixel: the row above the list's top was cut in
    half in every player and `screenshot --player` (a QA engineer's tryout). The top row is
    whole at every step, the current one in view; at the list's end the last row is whole."""
    from player.qt.steps_pane import StepsPane
    from recorder.steps import Step, StepKind

    pane = StepsPane()
    pane.resize(420, 333)   # (a height no number of rows fills exactly)
    pane.show()
    pane.show_steps([Step(1000 * (i + 1), StepKind.CLICK, f"Button {i}", f"#b{i}")
                     for i in range(40)], follow=False)
    lst, bar = pane.list, pane.list.verticalScrollBar()
    whole_top = []
    for i in range(40):
        pane.set_time(1000 * (i + 1) + 500)
        qapp.processEvents()
        shown = lst.visualItemRect(lst.item(i))
        assert shown.top() >= 0 and shown.bottom() <= lst.viewport().height(), i
        top = lst.itemAt(lst.viewport().width() // 2, 0)
        whole_top.append(lst.visualItemRect(top).top() >= 0)
        if not whole_top[-1]:   # (only where that would cut the current step: the end)
            assert bar.value() == bar.maximum(), i
    assert all(whole_top[:30]), whole_top
    pane.deleteLater()
