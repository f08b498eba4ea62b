"""A real page in QtWebEngine, recorded by rrweb's own recorder (npm), posting its events
in gzipped batches to a real `replay serve`: the stored session is the recording, it
rebuilds the live DOM at every captured moment, and `replay sessions` lists it with its
user and URL."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from player.replayer import Replayer
from recorder.source import open_recording
from replay_tools.browser_recorder import CaptureDom, Click, PageServer, Scroll, WaitFor, record_page
from replay_tools.intake import IntakeServer, replay_cli

PAGES = Path(__file__).resolve().parents[1] / "browser" / "pages"
# the page's own text as recorded: the test compares the rebuild with the live DOM
ALLOW = 'version = 1\ndefault = "allow"\ndetectors = []\n'


@pytest.fixture(scope="module")
def pages():
    with PageServer(PAGES) as site:
        yield site


def test_page_recorded_live_into_the_intake_rebuilds_like_the_live_dom(qapp, pages, tmp_path):
    from tests.player.test_rebuild_live_dom import assert_rebuild_matches

    rules = tmp_path / "allow.toml"
    rules.write_text(ALLOW)
    srv = IntakeServer(tmp_path / "data", workers=2, rules=rules)
    origin = pages.base_url.rstrip("/")
    app_id, token = srv.create_app("pages", origins=[origin])
    with srv:
        rec = record_page(pages.url("dynamic.html"), [
            CaptureDom("loaded"),
            Click("#add"), Click("#remove"), Click("#edit"), CaptureDom("edited"),
            Click("#toggle"), Click("#restyle"), CaptureDom("styled"),
            Click("#load"), WaitFor("#item-16"), Scroll("#feed", 90), CaptureDom("scrolled"),
        ], intake={"url": srv.url, "app": app_id, "token": token, "session_id": "live-page",
                   "user": {"id": "tester-7", "email": "qa@example.com"}, "batch_ms": 100})
    st = rec.intake_status
    assert st["failed"] == 0 and st["acked"] == len(rec.events), st
    assert st["requests"] > 3            # it arrived in several batches

    proc = replay_cli(srv.data, "sessions", "--json", "--user", "tester-7")
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(proc.stdout)
    assert row["id"] == "live-page" and row["first_url"] == pages.url("dynamic.html")
    assert row["record_count"] == len(rec.events)

    src = open_recording("live-page", srv.data)
    stored = list(src.events())
    assert [(e["type"], e["timestamp"]) for e in stored] == \
        [(e["type"], e["timestamp"]) for e in rec.events]
    r = Replayer(src)
    try:
        for label in ("loaded", "edited", "styled", "scrolled"):
            assert_rebuild_matches(r, stored, rec.snapshot(label))
    finally:
        r.close()
