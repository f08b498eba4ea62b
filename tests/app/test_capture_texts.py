"""capture.js sends a long text (a stylesheet it inlines on every page of a visit) whole once
per session, and by its digest on the pages after it, once the intake answered 202 for it; a
real `replay serve --demo` puts the text back before storing. In Debian's chromium: the
stored visit has the whole stylesheet on both pages and plays in rrweb's own Replayer; an
intake that no longer has the text (here: a new data folder behind the same address) refuses
the batch, and capture.js sends it again with the text whole, losing nothing. The site's
`<link>` stylesheet is public (any visitor can fetch it): the intake keeps it for the
application, so a new visitor's first page names it too."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from replay_tools.chromium import chromium_path  # noqa: E402
from replay_tools.intake import IntakeServer, free_port, stored_events  # noqa: E402
from tests.app.test_capture_chromium import _play_in_rrweb  # noqa: E402
from tests.app.capture_site import SENT_ALL  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")



def _visit(page, url: str) -> dict:
    """Open a page of the demo shop (its capture.js installed by the intake) and wait until
    everything it recorded was answered 202."""
    page.goto(url)
    page.wait_for_function("window.ReplayCapture && ReplayCapture.status()")
    page.wait_for_function("document.querySelector('link[rel=stylesheet]').sheet !== null")
    page.mouse.move(200, 200, steps=4)
    return page.wait_for_function(SENT_ALL, polling=100, timeout=20_000).json_value()


def _stylesheets(events: list[dict]) -> list[str]:
    out, stack = [], [e["data"]["node"] for e in events if e["type"] == 2]
    while stack:
        n = stack.pop()
        if n.get("tagName") == "link" and "_cssText" in n.get("attributes", {}):
            out.append(n["attributes"]["_cssText"])
        stack.extend(n.get("childNodes") or ())
    return out




def test_the_next_page_names_the_stylesheet_and_the_intake_stores_it_whole(tmp_path, chromium):
    with IntakeServer(tmp_path / "data", args=("--demo",)) as srv:
        ctx = chromium.new_context()
        try:
            page = ctx.new_page()
            first = _visit(page, srv.url + "/demo/")
            assert first["texts_named"] == 0 and first["failed"] == 0
            second = _visit(page, srv.url + "/demo/checkout.html")
            sid = page.evaluate("ReplayCapture.status().session_id")
        finally:
            ctx.close()
        assert second["texts_named"] == 1 and second["failed"] == 0 and not second["errors"], second
        stored = stored_events(srv.data, sid, first["acked"] + second["acked"])
    sheets = _stylesheets(stored)
    assert len(sheets) == 2 and sheets[0] == sheets[1] and ".card" in sheets[0]
    played = _play_in_rrweb(chromium, stored, probe="function (d) { return d.styleSheets.length; }")
    assert played["warnings"] == [] and "Pay" in played["text"] and played["probe"] >= 1


def test_an_intake_without_the_text_gets_it_whole_again(tmp_path, chromium):
    port = free_port()
    ctx = chromium.new_context()
    try:
        page = ctx.new_page()
        with IntakeServer(tmp_path / "before", port=port, args=("--demo",)):
            _visit(page, f"http://127.0.0.1:{port}/demo/")
        # the same address, a new data folder: the session and its texts are unknown there
        with IntakeServer(tmp_path / "after", port=port, args=("--demo",)) as srv:
            second = _visit(page, srv.url + "/demo/checkout.html")
            sid = page.evaluate("ReplayCapture.status().session_id")
            stored = stored_events(srv.data, sid, second["acked"])
    finally:
        ctx.close()
    assert second["failed"] == 0 and second["texts_named"] == 0, second
    assert any("409" in e and "unknown_text" in e for e in second["errors"]), second["errors"]
    sheets = _stylesheets(stored)
    assert len(sheets) == 1 and ".card" in sheets[0]


# the demo page's own ReplayCapture.start(...), given more options
WITH_OPTIONS = """(function (extra) {
  var real;
  Object.defineProperty(window, "ReplayCapture", {configurable: true, get: function () { return real; },
    set: function (v) {
      var start = v.start;
      v.start = function (cfg) { return start(Object.assign({}, cfg, extra)); };
      real = v;
    }});
})(%s);"""


def _visitors(chromium, url: str, options: list[dict]) -> list[dict]:
    """One visit of `url` per browser (a new session each, nothing shared but the site),
    capture started with the demo's options and `options[i]`."""
    visits = []
    for extra in options:
        ctx = chromium.new_context()
        try:
            ctx.add_init_script(WITH_OPTIONS % json.dumps(extra))
            page = ctx.new_page()
            visits.append(_visit(page, url))
            visits[-1]["sid"] = page.evaluate("ReplayCapture.status().session_id")
        finally:
            ctx.close()
    return visits


def test_a_new_visitor_names_the_sites_stylesheet_from_its_first_page(tmp_path, chromium):
    with IntakeServer(tmp_path / "data", args=("--demo",)) as srv:
        first, second = _visitors(chromium, srv.url + "/demo/", [{}, {}])
        stored = stored_events(srv.data, second["sid"], second["acked"])
    assert first["sid"] != second["sid"]
    # the first page ever guessed: the intake had never seen the stylesheet (409), so it went whole
    assert first["texts_named"] == 0 and first["failed"] == 0, first
    assert any("409" in e and "unknown_text" in e for e in first["errors"]), first["errors"]
    assert second["texts_named"] == 1 and second["failed"] == 0 and not second["errors"], second
    sheets = _stylesheets(stored)
    assert len(sheets) == 1 and ".card" in sheets[0]
    played = _play_in_rrweb(chromium, stored, probe="function (d) { return d.styleSheets.length; }")
    assert played["warnings"] == [] and played["probe"] >= 1


def test_a_site_can_keep_its_stylesheets_to_each_session(tmp_path, chromium):
    """start({publicTexts: false}): the stylesheet is never offered to the application's
    other sessions - that page does not guess, and the next visitor's guess is refused."""
    with IntakeServer(tmp_path / "data", args=("--demo",)) as srv:
        private, public = _visitors(chromium, srv.url + "/demo/", [{"publicTexts": False}, {}])
        stored = stored_events(srv.data, public["sid"], public["acked"])
    assert private["texts_named"] == 0 and not private["errors"], private
    assert public["texts_named"] == 0 and public["failed"] == 0, public
    assert any("409" in e and "unknown_text" in e for e in public["errors"]), public["errors"]
    assert len(_stylesheets(stored)) == 1
