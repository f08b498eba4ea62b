"""A bug's steps are what the person did: a value the page's own script set (it empties a
field after using it, tidies a number) is no step. Both recorders say which changes no person
made (`userTriggered: false`: rrweb's recorder with `userTriggeredOnInput`, as record mode
runs it, and capture.js), recorded in a real browser (QtWebEngine, page JavaScript on) with
real key and mouse events."""
from __future__ import annotations

from pathlib import Path

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
import pytest

from recorder.format import IncrementalSource
from recorder.privacy.inpage import rrweb_options
from recorder.steps import steps
from replay_tools.browser_recorder import Click, PageServer, Type, Wait, record_page

PAGES = Path(__file__).resolve().parents[1] / "browser" / "pages"
ALLOW = "version = 1\ndefault = \"allow\"\n"
STEPS = [Type("#coupon", "SPRING10", delay_ms=20), Click("#apply"), Wait(200),
         Type("#qty", "3 mugs", delay_ms=20), Click("#coupon"), Wait(300)]


@pytest.fixture(scope="module")
def server():
    with PageServer(PAGES) as srv:
        yield srv


@pytest.mark.parametrize("recorder", ["rrweb", "capture"])
def test_a_value_the_page_set_is_marked_and_is_no_step(qapp, server, recorder):
    from recorder.privacy import parse_rules
    options = {"rules": {"default": "allow"}} if recorder == "capture" else \
        rrweb_options(parse_rules(ALLOW))
    rec = record_page(server.url("script-clears.html"), STEPS, record_options=options,
                      recorder=recorder)
    inputs = [e["data"] for e in rec.events
              if e["type"] == 3 and e["data"].get("source") == IncrementalSource.Input]
    by_script = [d for d in inputs if d.get("userTriggered") is False]
    # the coupon emptied by Apply, the quantity tidied to "3"
    assert {d["text"] for d in by_script} >= {"", "3"}, inputs
    assert all(d.get("userTriggered") is not False for d in inputs if d["text"] == "SPRING10")
    said = [s.describe() for s in steps(rec.events)]
    assert 'Type "SPRING10" in "Coupon"' in said and 'Click "Apply"' in said, said
    assert 'Type "3 mugs" in "Quantity"' in said, said
    assert not any(s.startswith(("Clear", 'Type "3" ')) for s in said), said
