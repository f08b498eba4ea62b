"""The privacy workspace's Given to pages tab: a privacy officer reads which pages of the site
an application's shared dictionary was made of and every string it holds, and stops it."""
from __future__ import annotations

import time

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
import pytest
from PySide6.QtCore import Qt

from app.privacy_workspace import PrivacyWorkspace
from app.privacy_workspace.given_tab import CHOOSE, STOP, TURN_ON
from app.privacy_workspace.model import GIVEN
from player.qt.standalone import dispose
from recorder.intake import dictionary as shared
from recorder.intake.apps import Applications
from recorder.intake.dictionary import MIN_SESSIONS, Dictionaries
from recorder.intake.live import LiveIntake
from recorder.intake.wire import Batch
from recorder.privacy import parse_rules
from recorder.privacy.preview import html_to_events
from recorder.store import Store
from replay_tools.browser_recorder import PageServer

ALLOW_ALL = 'default = "allow"\ndetectors = []\n'


HTML = """<html><body><nav class="nav"><a href="/index.html">Home</a><a href="/new">New in</a></nav>
<p></p><div class="card">Desk lamp</div></body></html>"""


def page(greeting: str, url: str, t: int) -> list[dict]:
    return html_to_events(HTML.replace("<p></p>", f"<p>{greeting}</p>"), href=url, timestamp=t)


@pytest.fixture
def data(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text(HTML)
    data = tmp_path / "data"
    data.mkdir()
    (data / "rules.toml").write_text(ALLOW_ALL)
    with PageServer(root) as site:
        apps = Applications(data)
        app, _ = apps.create("shop", [site.base_url.rstrip("/")])
        apps.create("blog")
        apps.close()
        Dictionaries(data).set_enabled(app.id, True)
        live = LiveIntake(Store.open(data), parse_rules(ALLOW_ALL))
        t0 = int(time.time() * 1000) - 60_000
        for k in range(MIN_SESSIONS):
            live.accept(app, Batch(session_id=f"visit-{k}", events=page(
                f"Hello, visitor {k}", site.url("index.html"), t0 + k)))
        assert Dictionaries(data).rebuild(live.store, app, parse_rules(ALLOW_ALL)) is not None
        live.store.close()
        yield data, app.id, site.url("index.html")


def test_the_officer_reads_what_pages_are_given_and_stops_it(qtbot, data):
    folder, app_id, url = data
    w = PrivacyWorkspace(folder)
    try:
        w.resize(1440, 900)
        w.show()
        w.show_tab(GIVEN)
        tab = w.given_tab
        rows = {tab.table.item(i, 0).text(): tab.table.item(i, 1).text()
                for i in range(tab.table.rowCount())}
        assert rows["blog"] == "off" and rows["shop"].endswith(", given")
        assert tab.table.item([g.app_name for g in tab.given].index("shop"), 3).text() == url
        tab.table.selectRow([g.app_name for g in tab.given].index("shop"))
        text = tab.strings.toPlainText()
        assert '"Desk lamp"' in text and "Hello, visitor" not in text
        assert tab.toggle.text() == STOP
        qtbot.mouseClick(tab.toggle, Qt.MouseButton.LeftButton)
        assert not list((folder / shared.FOLDER / app_id).glob("*.bin"))
        assert tab.toggle.text() == TURN_ON and tab.strings.toPlainText() == ""
        # (shop chosen still: the empty box does not ask to choose one)
        assert tab.strings.placeholderText() != CHOOSE and "no strings" in \
            tab.strings.placeholderText()
        assert tab.table.item([g.app_name for g in tab.given].index("shop"), 1).text() == "off"
        qtbot.mouseClick(tab.toggle, Qt.MouseButton.LeftButton)
        assert Dictionaries(folder).enabled(app_id)
    finally:
        dispose(w)
