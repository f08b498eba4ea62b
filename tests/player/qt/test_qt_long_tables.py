"""The dev-tools tables of a long session (tens of thousands of rows): what a keystroke in a
search box and a seek cost is bounded by the rows, not by rows x cells painted or rows x
columns formatted again. Counted, not timed: the work a keystroke or a paint does."""
from __future__ import annotations

import player.qt.webview  # noqa: F401  (schemes before the QApplication)
import pytest

import player.qt.devtools.pane as pane_mod
from player.qt.devtools.models import Column, RowsFilter, TimedRowsModel, search_text
from player.qt.devtools.pane import DevToolsPane
from player.qt.session_view import SessionView

N = 3000


def _request(i: int) -> dict:
    status = 503 if i % 97 == 0 else 200
    return {"t": i * 100, "method": "GET" if i % 3 else "POST",
            "url": f"https://shop.test/api/item/{i}?page={i % 7}" if i % 5 else
                   f"https://cdn.other.test/asset-{i}.js",
            "status": status, "type": "fetch" if i % 5 else "js", "size": 1000 + i,
            "duration": 20 + i % 400, "source": "rum"}


@pytest.fixture
def long_session() -> SessionView:
    return SessionView(start_ms=0, end_ms=N * 100 + 1000,
                       console=[{"t": i * 100, "level": "error" if i % 11 == 0 else "log",
                                 "message": f"message {i} about order {i % 50}",
                                 "stack": [f"at checkout{i % 13} (app.js:1:2)"]}
                                for i in range(N)],
                       network=[_request(i) for i in range(N)])


def _pane(qtbot, sv: SessionView, tab: str, *, gradual: bool = False) -> DevToolsPane:
    pane = DevToolsPane(sv, gradual=gradual)
    qtbot.addWidget(pane)
    pane.resize(900, 600)   # wide enough for the waterfall column
    pane.show()
    pane.setCurrentWidget(pane.tabs[tab])
    qtbot.waitUntil(lambda: not pane.filling, timeout=20000)
    return pane


def test_each_rows_search_text_is_made_once_not_per_keystroke(qtbot, long_session, monkeypatch):
    """Typing a word into the Network tab's filter: every row's cells were formatted again
    for each key (a URL split, a time, a size; 0.5-3 s a key on the 4-hour session's 32,000
    requests). Now each row's text is made once, and a key only looks in it."""
    made = []
    real = search_text
    monkeypatch.setattr("player.qt.devtools.models.search_text",
                        lambda cols, row: made.append(row["t"]) or real(cols, row))
    net = _pane(qtbot, long_session, "network").network
    for text in ("a", "ap", "api", "api/", "api/item/1", "api/item/"):
        net.search.setText(text)
        want = [r for r in long_session.network if text in real(net.model.columns, r)]
        assert net.proxy.rowCount() == len(want), text
    assert sorted(made) == sorted(r["t"] for r in long_session.network)   # once per row
    # what it finds is what the columns show, the whole URL and the details' texts
    net.search.setText("CDN.OTHER")
    assert net.proxy.rowCount() == sum(1 for r in long_session.network if "cdn.other" in r["url"])
    net.search.setText("shop.test/api/item/12?")   # the host, which the URL column leaves out
    assert net.proxy.rowCount() == 1
    console = _pane(qtbot, long_session, "console").console
    console.search.setText("checkout12 ")   # in the stack only (shown in the details)
    console.search.setText("checkout12")
    assert console.proxy.rowCount() == sum(1 for i in range(N) if i % 13 == 12)


def test_a_search_text_never_spans_two_columns(qapp):
    cols = [Column("Method", "method"), Column("URL", "url")]
    text = search_text(cols, {"method": "GET", "url": "/api"})
    assert "get" in text and "/api" in text and "get/api" not in text and "get /api" not in text


def test_a_gradual_fill_makes_the_search_texts_a_chunk_at_a_time(qtbot, long_session,
                                                                  monkeypatch):
    """A long session's tables fill a chunk per event-loop step: their rows' search texts
    are made in those steps too, so the first keystroke does not make all of them at once."""
    monkeypatch.setattr(pane_mod, "FILL_ROWS", 500)
    pane = _pane(qtbot, long_session, "network", gradual=True)
    for tab in pane.tabs.values():
        assert None not in tab.model._texts
    made = []
    monkeypatch.setattr("player.qt.devtools.models.search_text",
                        lambda cols, row: made.append(row) or "")
    pane.network.search.setText("api")
    assert made == [] and pane.network.proxy.rowCount() > 0


def test_a_filter_change_tells_the_views_once(qtbot, long_session):
    """A keystroke that hides rows all over the table: Qt's filter change removed them range
    by range, thousands of signals to the table, its header and the row count; now the views
    hear one layout change, and the rows that pass are the same."""
    net = _pane(qtbot, long_session, "network").network
    heard = {"removed": 0, "inserted": 0, "layout": 0}
    net.proxy.rowsRemoved.connect(lambda *a: heard.__setitem__("removed", heard["removed"] + 1))
    net.proxy.rowsInserted.connect(lambda *a: heard.__setitem__("inserted", heard["inserted"] + 1))
    net.proxy.layoutChanged.connect(lambda *a: heard.__setitem__("layout", heard["layout"] + 1))
    net.search.setText("1")      # every other row or so, scattered
    net.filters["status"].setCurrentIndex(net.filters["status"].findText("5xx"))
    net.search.setText("")
    assert heard == {"removed": 0, "inserted": 0, "layout": 3}
    assert net.proxy.rowCount() == sum(1 for r in long_session.network if r["status"] >= 500)
    assert net.count.text() == f"{net.proxy.rowCount()} of {N}"


def test_the_waterfall_reads_the_requests_span_once_per_change_of_rows(qtbot, long_session,
                                                                       monkeypatch):
    """Each painted waterfall cell read every request for the span the bars are drawn on
    (a seek with the Network tab on show: 0.8-1.4 s on the 4-hour session). The span is
    read again only when the rows change."""
    spans = []
    real = pane_mod.waterfall_span
    monkeypatch.setattr(pane_mod, "waterfall_span", lambda rows: spans.append(len(rows))
                        or real(rows))
    pane = _pane(qtbot, long_session, "network")
    net = pane.network
    assert not net.table.isColumnHidden(7)
    for k in range(5):   # seeks, each repainting the waterfall column
        pane.set_time(k * N * 20)
        net.table.grab()
    assert spans == [N]
    more = [dict(_request(N + 5), t=N * 100 + 500, duration=9000)]
    net.model.append_rows(more)
    net.table.grab()
    assert spans == [N, N + 1]
    delegate = net.table.itemDelegateForColumn(7)
    assert delegate.span() == (0.0, float(N * 100 + 500 + 9000))
    net.model.set_rows(long_session.network[:10])
    assert delegate.span() == real(long_session.network[:10])


def test_a_filter_on_a_model_of_its_own(qapp):
    """RowsFilter over a TimedRowsModel filled by appends: rows added after a search are
    searched too."""
    model = TimedRowsModel([Column("Message", "message")])
    proxy = RowsFilter()
    proxy.setSourceModel(model)
    proxy.set_text("needle")
    model.append_rows([{"t": 1, "message": "hay"}, {"t": 2, "message": "a NEEDLE"}])
    assert proxy.rowCount() == 1
    proxy.set_text("")
    assert proxy.rowCount() == 2


def test_a_live_session_that_grew_filters_and_searches_only_its_new_rows(qtbot, long_session,
                                                                          monkeypatch):
    """Each second a followed session grew, the pane took its rows whole: every row of every
    tab filtered again - twice in the Console and Network tabs (the rows, then their level
    and type choices made again) - and every search text made again for the search typed.
    Now a growth filters the rows new or changed (an error seen again) once, and makes
    their search texts alone; the rows shown are the same as the whole session's."""
    from PySide6.QtCore import QModelIndex

    filtered, made = [], []
    accepts = RowsFilter.filterAcceptsRow
    real = search_text
    monkeypatch.setattr(RowsFilter, "filterAcceptsRow",
                        lambda self, row, parent: filtered.append(row) or accepts(self, row,
                                                                                  parent))
    monkeypatch.setattr("player.qt.devtools.models.search_text",
                        lambda cols, row: made.append(row["t"]) or real(cols, row))
    error = {"t": 500, "type": "TypeError", "message": "x is undefined", "count": 1,
             "last_t": 500, "reports": []}
    old = N - 100
    first = SessionView(start_ms=0, end_ms=old * 100, console=long_session.console[:old],
                        network=long_session.network[:old], errors=[error])
    pane = _pane(qtbot, first, "network")
    pane.network.search.setText("api/item/1")
    pane.console.search.setText("order 7")
    pane.console.filters["level"].setCurrentIndex(
        pane.console.filters["level"].findText("log"))
    filtered.clear()
    made.clear()

    again = dict(error, count=2, last_t=N * 100 - 50)          # seen again
    other = dict(error, t=N * 100 - 20, message="y is null")    # a new one
    pane.update_session(SessionView(start_ms=0, end_ms=N * 100, console=long_session.console,
                                    network=long_session.network, errors=[again, other]))
    assert len(filtered) == 100 + 100 + 2   # console, network, errors: new or changed, once
    assert sorted(made) == sorted(                # searched: the new rows passing the level
        [r["t"] for r in long_session.network[old:]] +
        [r["t"] for r in long_session.console[old:] if r["level"] == "log"])
    net, console, errors = pane.network, pane.console, pane.errors
    assert net.proxy.rowCount() == sum(
        1 for r in long_session.network if "api/item/1" in real(net.model.columns, r))
    assert console.proxy.rowCount() == sum(
        1 for r in long_session.console if r["level"] == "log" and "order 7" in
        real(console.model.columns, r))
    assert errors.model.rows == [again, other] and errors.proxy.rowCount() == 2
    assert errors.proxy.index(0, 3, QModelIndex()).data() == "2"
