"""The privacy workspace's Given to pages tab: a privacy officer reads every string an
application's pages are given to compress against (its shared dictionary) and stops it."""
from __future__ import annotations

import time

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
import pytest
from PySide6.QtCore import Qt

from app.privacy_workspace import PrivacyWorkspace
from app.privacy_workspace.given_tab import ALLOW, STOP
from app.privacy_workspace.model import GIVEN
from player.qt.standalone import dispose
from recorder.intake import dictionary as shared
from recorder.intake.apps import Applications
from recorder.intake.dictionary import MIN_VISITORS, Dictionaries
from recorder.intake.live import LiveIntake
from recorder.intake.wire import Batch
from recorder.privacy import parse_rules
from recorder.privacy.preview import html_to_events
from recorder.store import Store

ALLOW_ALL = 'default = "allow"\ndetectors = []\n'


def page(greeting: str, t: int) -> list[dict]:
    return html_to_events(f"""<html><body><nav class="nav"><a href="/new">New in</a></nav>
<p>{greeting}</p><div class="card">Desk lamp</div></body></html>""",
                          href="https://shop.example/", timestamp=t)


@pytest.fixture
def data(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "rules.toml").write_text(ALLOW_ALL)
    apps = Applications(data)
    app, _ = apps.create("shop")
    apps.create("blog")
    apps.close()
    live = LiveIntake(Store.open(data), parse_rules(ALLOW_ALL))
    t0 = int(time.time() * 1000) - 60_000
    for k in range(MIN_VISITORS):
        live.accept(app, Batch(session_id=f"visit-{k}", events=page(f"Hello, visitor {k}", t0 + k)))
    assert Dictionaries(data).rebuild(live.store, app.id, parse_rules(ALLOW_ALL)) is not None
    live.store.close()
    return data, app.id


def test_the_officer_reads_what_pages_are_given_and_stops_it(qtbot, data):
    folder, app_id = data
    w = PrivacyWorkspace(folder)
    try:
        w.resize(1440, 900)
        w.show()
        w.show_tab(GIVEN)
        tab = w.given_tab
        rows = {tab.table.item(i, 0).text(): tab.table.item(i, 1).text()
                for i in range(tab.table.rowCount())}
        assert rows["blog"].startswith("none yet") and "given to its pages" in rows["shop"]
        tab.table.selectRow([g.app_name for g in tab.given].index("shop"))
        text = tab.strings.toPlainText()
        assert '"Desk lamp"' in text and "Hello, visitor" not in text
        assert tab.toggle.text() == STOP
        w.grab().save(str(folder.parent / "given-tab.png"))
        qtbot.mouseClick(tab.toggle, Qt.MouseButton.LeftButton)
        assert not list((folder / shared.FOLDER / app_id).glob("*.bin"))
        assert tab.toggle.text() == ALLOW and tab.strings.toPlainText() == ""
        assert tab.table.item([g.app_name for g in tab.given].index("shop"), 1).text() == "off"
        qtbot.mouseClick(tab.toggle, Qt.MouseButton.LeftButton)
        assert Dictionaries(folder).enabled(app_id)
    finally:
        dispose(w)
