"""The pure logic behind the hand-over exports: HAR entries from semantics' resources, and the
Playwright script's selectors, placeholders and click handling."""
from __future__ import annotations

import ast
import json
from datetime import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest

from recorder.har import har
from recorder.moments import moment_text
from recorder.playwright_export import locator_code, placeholder_name, playwright_script

DEMO = Path(__file__).resolve().parents[2] / "assets" / "demo" / "demo-session.json"


def test_locators_are_playwrights_own():
    assert locator_code("#pay") == "page.locator('#pay')"
    assert locator_code('role=button[name="Say \\"hi\\""]') == \
        "page.get_by_role('button', name='Say \"hi\"', exact=True)"
    assert locator_code('text="Add to cart"') == "page.get_by_text('Add to cart', exact=True)"
    assert locator_code('[data-testid="buy"]') == "page.get_by_test_id('buy')"
    assert locator_code('[data-cy="buy"]') == "page.locator('[data-cy=\"buy\"]')"
    # a name within the card it belongs to
    assert locator_code('#product-8 >> role=button[name="Add to cart"]') == \
        "page.locator('#product-8').get_by_role('button', name='Add to cart', exact=True)"
    assert locator_code('[id="a b"] >> text="x >> y"') == \
        "page.locator('[id=\"a b\"]').get_by_text('x >> y', exact=True)"


def test_placeholders_are_named_after_the_field_and_unique():
    taken: set[str] = set()
    assert placeholder_name("Card number", taken) == "CARD_NUMBER"
    assert placeholder_name("Card number", taken) == "CARD_NUMBER_2"
    assert placeholder_name("3-D code", taken) == "F_3_D_CODE"
    assert placeholder_name("…", taken) == "VALUE"


def test_a_dblclick_rrweb_records_after_one_click_is_one_click():
    events = json.loads(DEMO.read_text())
    text = playwright_script(events, session_id="demo")
    ast.parse(text)
    # the demo's first lone click that the browser also reported as a dblclick (Qt sends one
    # when the previous click was close by; the Ceramic Mug's "Add to cart"): one click, on
    # the button as it was when clicked (its text became "Adding…" after)
    clicks = [(e["timestamp"], e["data"]["type"], e["data"]["id"]) for e in events
              if e["type"] == 3 and e["data"]["source"] == 2 and e["data"]["type"] in (2, 4)]
    at = next(t for i, (t, kind, node) in enumerate(clicks[1:], 1)
              if kind == 4 and clicks[i - 1][1:] == (2, node) and t - clicks[i - 1][0] < 50
              and (i < 2 or clicks[i - 1][0] - clicks[i - 2][0] > 1000))
    line = next(ln for ln in text.splitlines()
                if f"(at {moment_text(at - events[0]['timestamp'])})" in ln)
    nxt = text.splitlines()[text.splitlines().index(line) + 1]
    assert line.strip().startswith("# ") and '. Click "Add to cart"' in line
    assert nxt.strip().endswith(".click()") and ".dblclick()" not in nxt


def test_har_pages_and_network_plugin_requests():
    t0 = 1_700_000_000_000
    events = [
        {"type": 4, "timestamp": t0, "data": {"href": "https://shop.test/a", "width": 800,
                                               "height": 600}},
        {"type": 6, "timestamp": t0 + 100, "data": {"plugin": "rrweb/network@1", "payload": {
            "requests": [{"name": "https://shop.test/api/x?q=1&q=2", "method": "POST",
                          "responseStatus": 201, "startTime": t0 + 50, "endTime": t0 + 80,
                          "transferSize": 12, "initiatorType": "fetch",
                          "requestHeaders": {"content-type": "application/json"},
                          "responseHeaders": {"x-request-id": "r-7", "n": 3}},
                         {"name": "https://shop.test/img.png", "startTime": t0 + 60}]}}},
        {"type": 4, "timestamp": t0 + 1000, "data": {"href": "https://shop.test/b"}},
    ]
    log = har(events)["log"]
    assert [p["title"] for p in log["pages"]] == ["https://shop.test/a", "https://shop.test/b"]
    post, img = log["entries"]
    assert post["startedDateTime"] == "2023-11-14T22:13:20.050+00:00"
    assert (post["request"]["method"], post["response"]["status"], post["time"]) == ("POST", 201, 30)
    assert post["request"]["queryString"] == [{"name": "q", "value": "1"}, {"name": "q", "value": "2"}]
    assert post["response"]["bodySize"] == 12 and post["_source"] == "network"
    assert post["pageref"] == log["pages"][0]["id"]
    # the headers the network plugin recorded (and the rules kept) are in it
    assert post["request"]["headers"] == [{"name": "content-type", "value": "application/json"}]
    assert post["response"]["headers"] == [{"name": "x-request-id", "value": "r-7"}]
    # what was not recorded is said, not made up
    assert img["response"]["status"] == 0 and img["comment"] == "duration not recorded"
    assert img["response"]["bodySize"] == -1 and img["request"]["headers"] == []
    assert har([])["log"]["entries"] == []


def test_a_har_response_s_mime_type_is_what_the_recording_knows_else_said_unknown():
    """A JSON API's responses (sent as application/json) read "x-unknown" in the HAR: the
    RUM plugin's resources now carry the Content-Type it read off the response, the network
    plugin's recorded header says it too; a type only implied by the request's kind, or not
    known at all, is said so in the content's comment (HAR's place for it)."""
    t0 = 1_700_000_000_000

    def rum(dt, resource):
        return {"type": 6, "timestamp": t0 + dt, "data": {"plugin": "replay/rum@1", "payload": {
            "type": "resource", "date": t0 + dt, "resource": resource}}}

    events = [
        {"type": 4, "timestamp": t0, "data": {"href": "https://shop.test/", "width": 800,
                                               "height": 600}},
        rum(10, {"url": "https://shop.test/api/products", "method": "GET", "status_code": 200,
                 "duration": 20, "size": 245, "type": "fetch",
                 "content_type": "application/json; charset=utf-8"}),
        rum(20, {"url": "https://shop.test/app.css", "method": "GET", "status_code": 200,
                 "duration": 5, "size": 90, "type": "css"}),
        rum(30, {"url": "https://shop.test/api/old", "method": "GET", "status_code": 200,
                 "duration": 5, "size": 9, "type": "fetch"}),
        {"type": 6, "timestamp": t0 + 40, "data": {"plugin": "rrweb/network@1", "payload": {
            "requests": [{"name": "https://shop.test/api/cart", "method": "GET",
                          "responseStatus": 200, "startTime": t0 + 35, "endTime": t0 + 40,
                          "initiatorType": "fetch",
                          "responseHeaders": {"Content-Type": "application/json"}}]}}},
    ]
    content = {e["request"]["url"].rsplit("/", 1)[1]: e["response"]["content"]
               for e in har(events)["log"]["entries"]}
    assert content == {
        "products": {"size": 245, "mimeType": "application/json; charset=utf-8"},
        "app.css": {"size": 90, "mimeType": "text/css", "comment": "the response's Content-Type"
                    " was not recorded: implied by the request's type (css)"},
        "old": {"size": 9, "mimeType": "x-unknown",
                "comment": "the response's Content-Type was not recorded"},
        "cart": {"size": 0, "mimeType": "application/json"}}


def test_the_script_waits_replay_wait_ms_for_a_steps_element(tmp_path):
    """REPLAY_WAIT_MS is every step's timeout too: a click on an element the site does not
    have fails after it, not after Playwright's own 30 s."""
    text = playwright_script(json.loads(DEMO.read_text()), session_id="demo")
    assert "page.set_default_timeout(WAIT_MS)" in text
    # the shop's first page, without the shop
    p = _run_script(tmp_path, text, "<!DOCTYPE html><html><body><p>Closed</p></body></html>", 700)
    if p is None:
        return
    assert p.returncode == 1 and p.stdout == "", p.stderr
    last = p.stderr.splitlines()[-1]
    assert last.startswith("not reproduced: step ") and "Timeout 700ms exceeded" in last, last


def test_every_har_entry_names_the_page_it_belongs_to():
    """On the demo: a navigation's document request belongs to the page it loads, whose
    load it begins (the view is reported after); other requests to the page begun last at
    their start - the checkout's stylesheet and script are the checkout's, not the shop's."""
    log = har(json.loads(DEMO.read_text()))["log"]
    shop, checkout = log["pages"]
    assert shop["title"].endswith("/index.html") and checkout["title"].endswith("/checkout.html")
    entries = log["entries"]
    assert all("pageref" in e for e in entries)
    page = {e["request"]["url"].rsplit("/", 1)[1]: [] for e in entries}
    for e in entries:
        page[e["request"]["url"].rsplit("/", 1)[1]].append(e["pageref"])
    assert page["index.html"] == [shop["id"]] and page["checkout.html"] == [checkout["id"]]
    assert page["style.css"] == page["app.js"] == [shop["id"], checkout["id"]]
    for p in (shop, checkout):   # a page begins with its document's request
        (doc,) = [e for e in entries if e["pageref"] == p["id"]
                  and e["_resourceType"] == "document"]
        assert p["startedDateTime"] == doc["startedDateTime"]
        assert all(e["startedDateTime"] >= p["startedDateTime"] for e in entries
                   if e["pageref"] == p["id"])


def test_a_range_lists_the_pages_open_during_it_not_every_page():
    """A HAR of ten seconds of the shop listed the checkout page too, which opened a minute
    later: a range keeps the pages open during it and those its entries name."""
    log = har(json.loads(DEMO.read_text()))["log"]
    shop, checkout = log["pages"]
    start = [e for e in log["entries"] if e["pageref"] == checkout["id"]
             and e["_resourceType"] == "document"][0]
    origin = json.loads(DEMO.read_text())[0]["timestamp"]
    t = datetime.fromisoformat(start["startedDateTime"].replace("Z", "+00:00")).timestamp() * 1000 - origin
    part = har(json.loads(DEMO.read_text()), start_ms=5000, end_ms=t - 2000)["log"]
    assert [p["id"] for p in part["pages"]] == [shop["id"]]
    assert {e["pageref"] for e in part["entries"]} == {shop["id"]}
    after = har(json.loads(DEMO.read_text()), start_ms=t + 5000)["log"]
    assert [p["id"] for p in after["pages"]] == [checkout["id"]]
    across = har(json.loads(DEMO.read_text()), start_ms=t - 2000, end_ms=t + 2000)["log"]
    assert [p["id"] for p in across["pages"]] == [shop["id"], checkout["id"]]


def test_a_request_begun_before_the_recorder_keeps_its_own_start_in_the_har():
    """A page's document request starts before the recorder its page loads: the HAR gave it
    the session's start (the Network tab's clock holds it there) and could list the
    recorder's own script before it; it is listed first, at the time RUM recorded."""
    t0 = 1_700_000_000_000

    def resource(ts, date, url, kind):
        return {"type": 6, "timestamp": ts, "data": {"plugin": "replay/rum@1", "payload": {
            "type": "resource", "date": date, "resource": {
                "url": url, "method": "GET", "status_code": 200, "duration": 20, "type": kind}}}}
    events = [
        {"type": 4, "timestamp": t0, "data": {"href": "https://shop.test/", "width": 800,
                                               "height": 600}},
        resource(t0 + 5, t0 - 180, "https://shop.test/capture.js", "js"),
        resource(t0 + 300, t0 - 280, "https://shop.test/", "document"),
    ]
    log = har(events)["log"]
    doc, script = log["entries"]
    assert doc["request"]["url"] == "https://shop.test/"
    assert doc["startedDateTime"] == "2023-11-14T22:13:19.720+00:00"      # t0 - 280
    assert script["startedDateTime"] == "2023-11-14T22:13:19.820+00:00"   # t0 - 180
    assert log["pages"][0]["startedDateTime"] == doc["startedDateTime"]


CHROMIUM = Path("/usr/bin/chromium")   # Debian's package (.ci/run installs it); never downloaded


def _run_script(tmp_path, text: str, index_html: str, wait_ms: int):
    """The exported script `text` run against a site of one page (`index_html`) with Debian's
    chromium; None where there is no chromium."""
    if not CHROMIUM.exists():
        return None
    pytest.importorskip("playwright")
    from recorder.intake.page_server import PageServer
    script = tmp_path / "repro.py"
    script.write_text(text)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(index_html)
    with PageServer(site) as srv:
        return subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                              env=dict(os.environ, REPLAY_CHROMIUM=str(CHROMIUM),
                                       REPLAY_BASE_URL=srv.base_url,
                                       REPLAY_WAIT_MS=str(wait_ms)), timeout=240)


def test_the_script_says_in_one_line_what_it_lacks_to_run(tmp_path):
    """Without Playwright, with a Chromium that is not there, or a step the site does not let
    happen: one line saying what and what to do, no traceback (2: cannot run here; 1: not
    reproduced)."""
    script = tmp_path / "repro.py"
    script.write_text(playwright_script(json.loads(DEMO.read_text()), session_id="demo"))
    # -I -S: a Python without site-packages, so without Playwright
    p = subprocess.run([sys.executable, "-I", "-S", str(script)], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and "pip install playwright" in p.stderr \
        and "REPLAY_CHROMIUM=" in p.stderr
    pytest.importorskip("playwright")
    env = dict(os.environ, REPLAY_CHROMIUM=str(tmp_path / "no-chromium"))
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                       env=env, timeout=60)
    assert p.returncode == 2
    assert p.stderr == f"REPLAY_CHROMIUM={tmp_path / 'no-chromium'} is not a file: give the path" \
        " of a Chromium or Chrome executable, or unset it to use Playwright's own\n"
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                       env=dict(os.environ, REPLAY_WAIT_MS="2s"), timeout=60)
    assert p.returncode == 2
    assert p.stderr == "REPLAY_WAIT_MS=2s is not a number of milliseconds: give one (the" \
        " default is 10000), or unset it\n"
    if not CHROMIUM.exists():
        return
    import socket
    with socket.socket() as s:   # a port nothing answers on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    env = dict(os.environ, REPLAY_CHROMIUM=str(CHROMIUM),
               REPLAY_BASE_URL=f"http://127.0.0.1:{closed}")
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                       env=env, timeout=120)
    # a site that is not there: it cannot run here (it said "not reproduced", exit 1)
    assert p.returncode == 2 and p.stdout == ""
    # one line: the stand-ins' note is said once the site answers (before "cannot reach", it
    # read as the reason - a QA engineer's tryout)
    assert p.stderr.splitlines() == [
        f"cannot reach http://127.0.0.1:{closed} (net::ERR_CONNECTION_REFUSED) - start it, or"
        " set REPLAY_BASE_URL"], p.stderr


def test_the_script_opens_with_the_bugs_title_and_notes():
    """QA's title and notes travelled with the session but not into the script a developer
    runs: its docstring opens with them (a note with quotes or backslashes cannot break it)."""
    from recorder.bug import BugReport

    bug = BugReport(title="Coupon \"\"\" breaks checkout", at_ms=58_000,
                    notes='Expected 10% off.\nGot a 404 for C:\\path and """.')
    text = playwright_script(json.loads(DEMO.read_text()), session_id="demo", bug=bug)
    doc = ast.get_docstring(ast.parse(text))
    assert doc.startswith('Bug: Coupon """ breaks checkout\nAt: 0:58.0\nNotes:\n'
                          '  Expected 10% off.\n  Got a 404 for C:\\path and """.\n'
                          "The steps up to the bug and 1 s after it, then a check for its error"
                          " (`replay export --to` sets another end)\n\n"
                          "Reproduction of session demo")
    assert "Steps:" not in doc   # the script lists them itself
    odd = playwright_script(json.loads(DEMO.read_text()), session_id="demo",
                            bug=BugReport(title="nul \x00 and a lone \ud800 surrogate"))
    odd.encode("utf-8")   # writable
    assert ast.get_docstring(ast.parse(odd)).startswith("Bug: nul \x00 and a lone \ud800")
    plain = playwright_script(json.loads(DEMO.read_text()), session_id="demo")
    assert ast.get_docstring(ast.parse(plain)).startswith("Reproduction of session demo")
    # a range that leaves the bug out says so (it led with "At: 58.0 s" over steps of 10-20 s)
    for start, end, where in ((10_000, 20_000, "after"), (60_000, None, "before")):
        ranged = playwright_script(json.loads(DEMO.read_text()), session_id="demo", bug=bug,
                                   start_ms=start, end_ms=end)
        doc = ast.get_docstring(ast.parse(ranged)).splitlines()
        span = f"from {moment_text(start)} " + ("to 0:20.0" if end else "on")
        assert doc[1] == f"At: 0:58.0 - {where} the steps of this script ({span}), which do" \
                         " not reach the bug", doc
    # and a range from after the bug runs to the end (it ended 1 s after the bug: no step)
    assert 'Click "Apply coupon" ×5' in ranged and "Place order" in ranged


def test_a_reports_steps_are_read_with_their_moments_and_the_bugs():
    """`replay play bug.replay` listed thirty steps with no time and nothing saying where the
    bug fell (a developer could not tell the eleven after it from those before): each step
    says its moment, and a line marks the bug's among them - or after them all."""
    from recorder.bug import BugReport
    from recorder.steps import Step, StepKind

    steps = [Step(1000, StepKind.CLICK, "Save", "#save"), Step(2000, StepKind.CLICK, "Send", "#send")]
    assert BugReport(title="t", at_ms=1500, steps=steps).lines()[-3:] == [
        '  1. Click "Save"  (0:01.0)', "  -- the bug, at 0:01.5 --", '  2. Click "Send"  (0:02.0)']
    assert BugReport(at_ms=2500, steps=steps).lines()[-1] == "  -- the bug, at 0:02.5 --"
    assert not any("the bug" in ln for ln in BugReport(steps=steps).lines())   # no moment


def test_a_recording_without_an_error_says_its_steps_ran(tmp_path):
    """A session that hit no error (a visual bug): the script's steps are the reproduction,
    and it says so - not "reproduced: None"."""
    t0, url = 1_700_000_000_000, "http://127.0.0.1:1/index.html"
    events = [
        {"type": 4, "timestamp": t0, "data": {"href": url, "width": 800, "height": 600}},
        {"type": 2, "timestamp": t0 + 1, "data": {"initialOffset": {"left": 0, "top": 0}, "node": {
            "type": 0, "id": 1, "childNodes": [
                {"type": 1, "id": 2, "name": "html", "publicId": "", "systemId": ""},
                {"type": 2, "id": 3, "tagName": "html", "attributes": {}, "childNodes": [
                    {"type": 2, "id": 4, "tagName": "body", "attributes": {}, "childNodes": [
                        {"type": 2, "id": 5, "tagName": "button", "attributes": {"id": "go"},
                         "childNodes": [{"type": 3, "id": 6, "textContent": "Go"}]}]}]}]}}},
        {"type": 3, "timestamp": t0 + 500, "data": {"source": 2, "type": 2, "id": 5, "x": 10, "y": 10}},
    ]
    text = playwright_script(events, session_id="visual")
    assert "page.locator('#go').click()" in text
    p = _run_script(tmp_path, text,
                    "<!DOCTYPE html><html><body><button id=go>Go</button></body></html>", 3000)
    if p is None:
        return
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "reproduced: every step ran (the recording holds no error to check)"


def test_a_report_written_on_a_stored_session_keeps_the_moment_it_is_given(tmp_path):
    """A support engineer's note on a customer's session kept no moment: opened again the
    next day (or by the developer it went to) it started at 0:00, not at the failure the
    note was about. `at_ms` sets the bug's moment; left out, the one it has is kept."""
    from recorder.bug import edit_report, from_context
    from recorder.privacy import load_rules, masker_factory
    from recorder.rrweb_io import read_recordings
    from recorder.store import Store

    mask = masker_factory(load_rules(None, None))
    with Store.open(tmp_path) as store:
        sid = store.ingest(read_recordings(DEMO)[0].events, session_id="customer")[0]
        report = edit_report(store, sid, title="Checkout: coupon throws", notes="see console",
                             masker_factory=mask, at_ms=30_100)
        assert report.at_ms == 30_100
        assert from_context(store.index.session(sid).context).at_ms == 30_100
        again = edit_report(store, sid, title="Checkout: coupon throws", notes="and the quote",
                            masker_factory=mask)
        assert again.at_ms == 30_100 and again.notes == "and the quote"


def test_a_report_written_on_a_live_session_keeps_what_arrives_meanwhile(tmp_path):
    """A note written while the customer was still on the page: the session's events were
    read, then the session rewritten with them and the report - what the intake stored
    in between (seconds, for a long session's read) was gone for good; and the session no
    longer counted as live (its tab, opened again after the save, followed it no more)."""
    import time

    from recorder.bug import edit_report, from_context
    from recorder.privacy import load_rules, masker_factory
    from recorder.store import Serving, Store
    from replay_tools.generator import generate_session

    t0 = int(time.time() * 1000) - 10 * 60 * 1000
    events = list(generate_session(600, duration_ms=2 * 60 * 1000, seed=6, start_ms=t0))
    serving = Serving(tmp_path)   # `replay serve` runs (Store.is_live)
    with Store.open(tmp_path) as store:
        store.ingest(events[:300], live=True, session_id="still-there")
        rewrite = store.replace_session

        def appended_meanwhile(*args, **kwargs):   # the intake, between the read and the write
            store.ingest(events[300:], live=True, session_id="still-there")
            return rewrite(*args, **kwargs)
        store.replace_session = appended_meanwhile
        edit_report(store, "still-there", title="Coupon throws", notes="",
                    masker_factory=masker_factory(load_rules(None, None)), at_ms=5000)
        assert len(list(store.session("still-there").events())) == len(events)
        assert from_context(store.index.session("still-there").context).title == "Coupon throws"
        assert store.is_live("still-there")   # still followed, compacted once quiet


def _page(t0: int, url: str, body: list, nav: bool = True) -> list[dict]:
    """A page's Meta and full snapshot (`body`: the body's children, ids from 5 on)."""
    return [
        {"type": 4, "timestamp": t0, "data": {"href": url, "width": 1024, "height": 700}},
        {"type": 2, "timestamp": t0 + 1, "data": {"initialOffset": {"left": 0, "top": 0}, "node": {
            "type": 0, "id": 1, "childNodes": [
                {"type": 1, "id": 2, "name": "html", "publicId": "", "systemId": ""},
                {"type": 2, "id": 3, "tagName": "html", "attributes": {}, "childNodes": [
                    {"type": 2, "id": 4, "tagName": "body", "attributes": {},
                     "childNodes": body}]}]}}},
    ]


def test_an_element_changed_thousands_of_times_between_steps_is_read_once(monkeypatch):
    """A 10-minute session's script took 16-20 s: its app root (1,110 nodes) changed 126,000
    times between two steps and was walked whole for each change. Each element is read once
    per step (the script is the same), the viewport comes from the events (the whole player
    index was built for it), and the caller hears how far it got."""
    import recorder.playwright_export as pe

    t0, url = 1_700_000_000_000, "http://127.0.0.1:1/index.html"
    rows = [{"type": 2, "id": 100 + i, "tagName": "div", "attributes": {}, "childNodes": []}
            for i in range(50)]
    events = _page(t0, url, [
        {"type": 2, "id": 5, "tagName": "button", "attributes": {"id": "go"},
         "childNodes": [{"type": 3, "id": 6, "textContent": "Go"}]},
        {"type": 2, "id": 7, "tagName": "div", "attributes": {"id": "app"},
         "childNodes": [{"type": 3, "id": 8, "textContent": "0"}, *rows]}])
    for i in range(1, 301):   # a counter ticking inside the app root, between two clicks
        events.append({"type": 3, "timestamp": t0 + 100 + i, "data": {
            "source": 0, "texts": [{"id": 8, "value": str(i)}], "attributes": [],
            "removes": [], "adds": []}})
    events += [{"type": 3, "timestamp": t0 + 50, "data": {"source": 2, "type": 2, "id": 5,
                                                          "x": 1, "y": 1}},
               {"type": 3, "timestamp": t0 + 900, "data": {"source": 2, "type": 2, "id": 5,
                                                           "x": 1, "y": 1}}]
    events.sort(key=lambda e: e["timestamp"])
    reads = []
    real = pe._text
    monkeypatch.setattr(pe, "_text", lambda m, nid: reads.append(nid) or real(m, nid))
    said = []
    text = pe.playwright_script(events, session_id="ticking",
                                progress=lambda done, total: said.append((done, total)))
    assert "expect_text(page, '#app', '300', after_step=2)" in text
    assert len(reads) <= 2, len(reads)   # (300 before)
    assert 'VIEWPORT = {"width": 1024, "height": 700}' in text
    assert said[0] == (0, 2 * len(events)) and said[-1] == (2 * len(events),) * 2


def _two_sites() -> list[dict]:
    """A shop on one local port whose "Pay" opens the payment site on another: a button
    there, and an email typed (masked) into it."""
    t0 = 1_700_000_000_000
    shop, pay = "http://127.0.0.1:41809", "http://127.0.0.1:39249"
    go = {"type": 2, "id": 5, "tagName": "button", "attributes": {"id": "go"},
          "childNodes": [{"type": 3, "id": 6, "textContent": "Pay"}]}
    mail = {"type": 2, "id": 5, "tagName": "input",
            "attributes": {"id": "email", "type": "email", "name": "email"}, "childNodes": []}
    return (_page(t0, shop + "/index.html", [go])
            + [{"type": 3, "timestamp": t0 + 500, "data": {"source": 2, "type": 2, "id": 5,
                                                           "x": 1, "y": 1}}]
            + _page(t0 + 5000, pay + "/pay.html?order=7", [mail])
            + [{"type": 3, "timestamp": t0 + 6000, "data": {"source": 5, "id": 5,
                                                            "text": "***", "isChecked": False}}])


def test_the_script_prints_its_help_and_runs_nothing(tmp_path):
    """`python repro.py --help` ran the reproduction: it prints what the script reads (each
    site's variable, the values to fill in) and exits 0 - with no browser, no Playwright
    even; another argument is refused (it takes none)."""
    script = tmp_path / "repro.py"
    script.write_text(playwright_script(_two_sites(), session_id="two"))
    env = dict(os.environ, REPLAY_CHROMIUM=str(tmp_path / "no-chromium"))
    for python in ([sys.executable], [sys.executable, "-I", "-S"]):
        p = subprocess.run([*python, str(script), "--help"], capture_output=True, text=True,
                           env=env, timeout=60)
        assert p.returncode == 0 and p.stderr == "", p.stderr
        assert p.stdout.startswith("Reproduction of session two")
        lines = p.stdout.splitlines()
        assert "  REPLAY_BASE_URL   the site to run against (default: the recorded" \
               " http://127.0.0.1:41809)" in lines
        assert "  REPLAY_BASE_URL_2 the site to run the second one it opens against (default:" \
               " the recorded http://127.0.0.1:39249)" in lines
        assert "  REPLAY_FILL_EMAIL  step 4: 'email', #email (type=email: stand-in" \
               " 'name@example.com')" in lines, p.stdout
        for var in ("REPLAY_WAIT_MS", "REPLAY_CHROMIUM", "REPLAY_HEADED"):
            assert any(ln.startswith(f"  {var}") for ln in lines), var
    p = subprocess.run([sys.executable, str(script), "--base-url", "x"], capture_output=True,
                       text=True, env=env, timeout=60)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr == "usage: python repro.py [--help] - it takes no arguments: the environment" \
        " variables --help lists set what it runs against\n"


def test_every_site_the_session_opens_is_moved_by_its_own_variable(tmp_path, monkeypatch):
    """A session on two local sites kept the second hard-coded: REPLAY_BASE_URL moves the
    first, REPLAY_BASE_URL_2 the second; a failed request is matched on whichever it is, and
    a site that cannot be reached names its variable."""
    pytest.importorskip("playwright")
    import importlib.util

    script = tmp_path / "repro.py"
    script.write_text(playwright_script(_two_sites(), session_id="two"))
    monkeypatch.setenv("REPLAY_BASE_URL", "http://localhost:8000/")
    monkeypatch.setenv("REPLAY_BASE_URL_2", "http://localhost:9000")
    spec = importlib.util.spec_from_file_location("repro_two", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)

    class Page:
        def __init__(self, fail=None):
            self.opened, self.fail = [], fail

        def goto(self, url):
            if self.fail:
                raise mod.PlaywrightError(f"Page.goto: net::ERR_{self.fail} at {url}")
            self.opened.append(url)

        def wait_for_url(self, url, timeout, wait_until="load"):
            self.opened.append(url)
    page = Page()
    mod.goto(page, "http://127.0.0.1:41809/index.html")
    mod.wait_for(page, "http://127.0.0.1:39249/pay.html?order=7")
    mod.goto(page, "http://127.0.0.1:39249")
    mod.goto(page, "http://127.0.0.1:418090/x")   # another port, not the first site's
    assert page.opened == ["http://localhost:8000/index.html", "http://localhost:9000/pay.html?order=7",
                           "http://localhost:9000", "http://127.0.0.1:418090/x"]
    assert mod.site_path("http://localhost:9000/api/pay?x=1") == "/api/pay?x=1"
    assert mod.site_path("http://elsewhere.test/api/quote") == "/api/quote"
    mod.REACHED.clear()   # a run that has not opened the payment site yet
    with pytest.raises(mod.Unreachable) as e:
        mod.goto(Page("CONNECTION_REFUSED"), "http://127.0.0.1:39249/pay.html")
    assert str(e.value) == "cannot reach http://localhost:9000 (net::ERR_CONNECTION_REFUSED) -" \
        " start it, or set REPLAY_BASE_URL_2"
    mod.REACHED.add("http://localhost:9000")   # a site that answered before: its own failure
    with pytest.raises(mod.PlaywrightError):
        mod.goto(Page("CONNECTION_REFUSED"), "http://127.0.0.1:39249/pay.html")
    with pytest.raises(mod.PlaywrightError):   # not a network error: the site's
        mod.goto(Page("ABORTED"), "http://127.0.0.1:41809/index.html")


def test_a_note_names_the_step_the_recorded_text_followed(tmp_path):
    """A demo run's notes read one step off ("#cart-count shows '1', the recording showed
    '0'" on opening the shop): the text waited for is the recording's after the step above
    it (just before the next one) - the cart held one item more from an earlier run. The note
    says which step, and that the recording's text is of after it too."""
    t0, url = 1_700_000_000_000, "http://127.0.0.1:1/index.html"
    events = _page(t0, url, [
        {"type": 2, "id": 5, "tagName": "button", "attributes": {"id": "add"},
         "childNodes": [{"type": 3, "id": 6, "textContent": "Add"}]},
        {"type": 2, "id": 7, "tagName": "span", "attributes": {"id": "count"},
         "childNodes": [{"type": 3, "id": 8, "textContent": "0"}]}])
    click = {"source": 2, "type": 2, "id": 5, "x": 1, "y": 1}
    events += [{"type": 3, "timestamp": t0 + 500, "data": click},
               {"type": 3, "timestamp": t0 + 700, "data": {
                   "source": 0, "texts": [{"id": 8, "value": "1"}], "attributes": [],
                   "removes": [], "adds": []}},
               {"type": 3, "timestamp": t0 + 1500, "data": click}]
    text = playwright_script(events, session_id="count")
    assert "expect_text(page, '#count', '1', after_step=2)" in text
    p = _run_script(tmp_path, text, "<!DOCTYPE html><html><body><button id=add>Add</button>"
                    "<span id=count>2</span></body></html>", 1500)
    if p is None:
        return
    assert p.returncode == 0, p.stderr
    assert p.stderr.splitlines() == ["note: after step 2, #count shows '2'; after that step the"
                                     " recording showed '1'; going on"]
    # waiting longer than a differing site's states are waited for: said once, at the first
    (tmp_path / "again").mkdir()
    again = _run_script(tmp_path / "again", text, "<!DOCTYPE html><html><body><button id=add>"
                        "Add</button><span id=count>2</span></body></html>", 4000)
    assert again.returncode == 0, again.stderr
    assert again.stderr.splitlines()[1:] == ["note: the site's data differs from the"
                                             " recording's: each later page state is waited"
                                             " for 1.5 s, not 4 s"]


def _view(t: int, url: str, vid: str, navigation_type: str | None = None,
          loading_type: str | None = None) -> dict:
    """A RUM view's start as the RUM plugin sends it."""
    view = {"id": vid, "url": url, "referrer": None}
    if loading_type is not None:
        view["loading_type"] = loading_type
    if navigation_type is not None:
        view["navigation_type"] = navigation_type
    return {"type": 6, "timestamp": t, "data": {"plugin": "replay/rum@1",
                                                 "payload": {"type": "view", "view": view}}}


def _click(t: int, nid: int) -> dict:
    return {"type": 3, "timestamp": t, "data": {"source": 2, "type": 2, "id": nid, "x": 1, "y": 1}}


def _back_and_forth() -> tuple[str, str, list[dict]]:
    """A single-page app's inbox: a mail opened (pushState), a star clicked, Back and Forward
    within the app (popstate), a link to another document, Back to the app out of the
    back/forward cache (`bf_cache`, no navigation type: as recorded before the RUM plugin
    said it), and Back again within it."""
    t0 = 1_700_000_000_000
    site = "http://127.0.0.1:1/"
    inbox, mail, other = site + "spa.html?route=inbox", site + "spa.html?route=mail", \
        site + "other.html"
    app = [{"type": 2, "id": 5, "tagName": "button", "attributes": {"id": "open"},
            "childNodes": [{"type": 3, "id": 6, "textContent": "Open"}]},
           {"type": 2, "id": 7, "tagName": "button", "attributes": {"id": "star"},
            "childNodes": [{"type": 3, "id": 8, "textContent": "Star"}]},
           {"type": 2, "id": 9, "tagName": "a",
            "attributes": {"id": "other", "href": "other.html"},
            "childNodes": [{"type": 3, "id": 10, "textContent": "Other"}]}]
    events = (_page(t0, inbox, app)
              + [_view(t0 + 2, inbox, "v1", "navigate"),
                 _click(t0 + 1000, 5), _view(t0 + 1050, mail, "v2", "navigate", "route_change"),
                 _click(t0 + 2000, 7),   # the star: opens nothing
                 _view(t0 + 2500, inbox, "v3", "back_forward", "route_change"),
                 _view(t0 + 4000, mail, "v4", "back_forward", "route_change"),
                 _click(t0 + 5900, 9)]
              + _page(t0 + 6000, other, []) + [_view(t0 + 6002, other, "v5", "navigate")]
              + _page(t0 + 8000, mail, app)
              + [_view(t0 + 8002, mail, "v6", None, "bf_cache"),
                 _view(t0 + 9000, inbox, "v7", "back_forward", "route_change")])
    return inbox, mail, events


def test_back_and_forward_are_the_browsers_not_new_page_loads():
    """A visitor's Back within 2 s of a click was scripted as a page that click opened
    (`wait_for`, "the step before opened it": nothing opens it, and the run timed out), one
    later as a new page load (`goto`); within a single-page app too. Back and Forward are
    `page.go_back()` / `page.go_forward()`, as the visitor pressed them, whatever came before;
    a page opened is still opened (`goto`) or waited for after the click that opened it."""
    from recorder.steps import steps

    inbox, mail, events = _back_and_forth()
    other = "http://127.0.0.1:1/other.html"
    navs = [(s.describe(), s.history) for s in steps(events) if s.kind.value == "navigate"]
    assert navs == [(f"Open {inbox}", 0), (f"Open {mail}", 0), (f"Back to {inbox}", -1),
                    (f"Forward to {mail}", 1), (f"Open {other}", 0), (f"Back to {mail}", -1),
                    (f"Back to {inbox}", -1)]
    text = playwright_script(events, session_id="back-and-forth")
    ast.parse(text)
    body = text[text.index("def reproduce"):text.index("def failed_step")]
    lines = [x.strip() for x in body.splitlines()
             if x.strip().startswith(("goto(", "wait_for(", "opened_by_step(", "page.go_"))]
    assert lines == [f"goto(page, {inbox!r})",
                     f"opened_by_step(page, {mail!r}, 2)  # the step before opened it",
                     'page.go_back(wait_until="commit")', f'wait_for(page, {inbox!r}, until="commit")',
                     'page.go_forward(wait_until="commit")', f'wait_for(page, {mail!r}, until="commit")',
                     f"opened_by_step(page, {other!r}, 7)  # the step before opened it",
                     'page.go_back(wait_until="commit")', f'wait_for(page, {mail!r}, until="commit")',
                     'page.go_back(wait_until="commit")', f'wait_for(page, {inbox!r}, until="commit")']
    # a range from the Forward on: the run opens that page (its inbox behind is no step's),
    # goes back from the other document, and opens the inbox the recording went back to
    part = playwright_script(events, session_id="back-and-forth", start_ms=3000, end_ms=9500)
    body = part[part.index("def reproduce"):part.index("def failed_step")]
    lines = [x.strip().split("  (at ")[0] for x in body.splitlines()
             if x.strip().startswith(("goto(", "page.go_")) or "  (at " in x]
    assert lines == [
        f"# 1. Open {mail}", f"goto(page, {mail!r})", '# 2. Click "Other"', f"# 3. Open {other}",
        f"# 4. Back to {mail}", 'page.go_back(wait_until="commit")', f"# 5. Open {inbox}",
        f"goto(page, {inbox!r})"]
