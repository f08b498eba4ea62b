"""The Playwright script and what the privacy pass masked: an error message or an address with
a masked part (`***`) is matched with any text there, a page load is awaited after the click
that caused it (even where the new page's clock put its start a few ms before the click), and
a console.error(new Error(...)) is checked as a console message, not as a thrown error."""
from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from recorder.format import CONSOLE_PLUGIN, RUM_PLUGIN
from recorder.playwright_export import playwright_script, stand_in
from recorder.steps import Step, StepKind, steps

CHROMIUM = Path("/usr/bin/chromium")   # Debian's package (.ci/run installs it); never downloaded
S = 1_700_000_000_000
ORIGIN = "http://shop.test"


def _page(t: float, path: str, fields: list[tuple[int, str, dict]]) -> list[dict]:
    """A page's Meta and full snapshot: a form of the given (id, tag, attributes) elements."""
    kids = [{"type": 2, "id": i, "tagName": tag, "attributes": attrs,
             "childNodes": [{"type": 3, "id": i + 100, "textContent": attrs["id"]}]
             if tag == "button" else []} for i, tag, attrs in fields]
    return [{"type": 4, "timestamp": S + t, "data": {"href": ORIGIN + path, "width": 800,
                                                     "height": 600}},
            {"type": 2, "timestamp": S + t, "data": {"initialOffset": {"left": 0, "top": 0},
             "node": {"type": 0, "id": 1, "childNodes": [
                 {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
                     {"type": 2, "id": 3, "tagName": "body", "attributes": {}, "childNodes": [
                         {"type": 2, "id": 4, "tagName": "form", "attributes": {"id": "f"},
                          "childNodes": kids}]}]}]}}}]


def _input(t, nid):   # what was typed, as the privacy pass left it
    return {"type": 3, "timestamp": S + t, "data": {"source": 5, "id": nid, "text": "***",
                                                    "isChecked": False}}


def _click(t, nid):
    return {"type": 3, "timestamp": S + t, "data": {"source": 2, "type": 2, "id": nid,
                                                    "x": 1, "y": 1}}


def _rum_view(t, date, vid, path):
    return {"type": 6, "timestamp": S + t, "data": {"plugin": RUM_PLUGIN, "payload": {
        "type": "view", "date": S + date, "view": {"id": vid, "url": ORIGIN + path}}}}


def _console_error(t, text):
    return {"type": 6, "timestamp": S + t, "data": {"plugin": CONSOLE_PLUGIN, "payload": {
        "level": "error", "trace": ["f (" + ORIGIN + "/index3.html:1:2)"],
        "payload": [json.dumps(text)]}}}


def _session(error: list[dict]) -> list[dict]:
    """A password typed and sent by a GET form (the next page's address holds it, masked);
    there a coupon is typed and applied, then `error`. The next page's RUM view starts 10 ms
    before the click that opened it: its clock is not the one the click was recorded on."""
    return (_page(0, "/index.html", [(5, "input", {"type": "password", "name": "pw", "id": "pw"}),
                                     (6, "button", {"id": "go"})])
            + [_rum_view(1, 0, "a", "/index.html"), _input(1000, 5), _click(2000, 6)]
            + _page(2100, "/index3.html?pw=***", [(5, "input", {"id": "coupon"}),
                                                   (6, "button", {"id": "apply"})])
            + [_rum_view(2101, 1990, "b", "/index3.html?pw=***"), _input(3000, 5),
               _click(4000, 6)] + error)


# capture.js's console plugin: an uncaught error is its bare stack; console.error(err) is the
# error's name and message, then its stack (whose first line says them again)
UNCAUGHT = "TypeError: bad coupon ***\n    at HTMLButtonElement.onclick (index3.html:1:2)"
LOGGED = "Error: quote failed\nError: quote failed\n    at load (index3.html:1:2)"


def _load(text: str, tmp_path: Path):
    pytest.importorskip("playwright")
    script = tmp_path / "repro.py"
    script.write_text(text)
    spec = importlib.util.spec_from_file_location("repro", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class _Page:
    """A page as the script's `wait_for` uses it: the URL (or pattern) it was told to wait for."""
    url: object = None

    def wait_for_url(self, url, timeout, wait_until="load"):
        self.url = url


def _waiting_page(mod) -> _Page:
    mod.BASE_URL = "http://127.0.0.1:8000"
    return _Page()


def test_a_page_load_comes_after_the_click_that_caused_it():
    got = [(s.kind, s.selector or s.url) for s in steps(_session([]))]
    assert got == [(StepKind.NAVIGATE, ORIGIN + "/index.html"), (StepKind.TYPE, "#pw"),
                   (StepKind.CLICK, "#go"), (StepKind.NAVIGATE, ORIGIN + "/index3.html?pw=***"),
                   (StepKind.TYPE, "#coupon"), (StepKind.CLICK, "#apply")]
    lines = [ln.strip() for ln in playwright_script(_session([]), session_id="s").splitlines()]
    click = lines.index("page.locator('#go').click()")
    assert lines[click + 2].startswith(
        "opened_by_step(page, 'http://shop.test/index3.html?pw=***', 3)")


@pytest.mark.parametrize("opens", [True, False], ids=["the-click-opens-it", "it-does-not"])
def test_a_page_loaded_just_after_a_click_is_waited_for_then_opened(tmp_path, capsys, opens):
    """Record mode: "+ Add to cart" clicked, then an address typed into the record bar 1.6 s
    later - the script waited for the click to open that page and failed ("not reproduced")
    though the site was fine. It waits for the page as the click's doing, and where none
    comes opens it, said; where the click opens it, nothing is opened again (a request the
    click sent, a single-page app's state, stays as it was)."""
    events = _page(0, "/index.html", [(6, "button", {"type": "button", "id": "go"})]) \
        + [_click(1000, 6)] + _page(2600, "/coupon.html", [])
    text = playwright_script(events, session_id="s")
    assert "    opened_by_step(page, 'http://shop.test/coupon.html', 2)" in text
    mod = _load(text, tmp_path)
    opened = []

    class Page(_Page):
        def wait_for_url(self, url, timeout, wait_until="load"):
            if not opens:
                raise mod.PlaywrightError("Timeout 10000ms exceeded")
            self.url = url

        def goto(self, url):
            opened.append(url)
    page = Page()
    mod.BASE_URL = "http://127.0.0.1:8000"
    mod.opened_by_step(page, ORIGIN + "/coupon.html", 2)
    said = capsys.readouterr().err
    if opens:
        assert opened == [] and said == ""
    else:
        assert opened == ["http://127.0.0.1:8000/coupon.html"]
        assert "note: step 2 opened no page" in said and "as step 3" in said


def test_masked_parts_of_an_address_or_an_error_match_any_text(tmp_path):
    text = playwright_script(_session([_console_error(4001, UNCAUGHT)]), session_id="s")
    assert "expected = 'TypeError: bad coupon ***'" in text
    assert "recorded_in(expected, m) for m in page_errors" in text
    mod = _load(text, tmp_path)
    assert mod.recorded_in("TypeError: bad coupon ***", "TypeError: bad coupon zebracoupon77")
    assert not mod.recorded_in("TypeError: bad coupon ***", "TypeError: bad voucher zebra")
    assert mod.recorded_in("a.b (1)", "x a.b (1) y") and not mod.recorded_in("a.b", "axb")

    page = _waiting_page(mod)
    mod.wait_for(page, ORIGIN + "/index3.html?pw=***&x=1")
    assert isinstance(page.url, re.Pattern)
    assert page.url.search("http://127.0.0.1:8000/index3.html?pw=s3cret&x=1")
    assert not page.url.search("http://127.0.0.1:8000/index3.html?pw=s3cret&x=2")
    mod.wait_for(page, ORIGIN + "/plain.html?a=1")
    assert page.url == "http://127.0.0.1:8000/plain.html?a=1"   # no pattern where none is needed


def test_what_a_detector_masked_matches_any_text_too(tmp_path):
    """An error naming the card or the address the person typed is recorded with the
    detectors' x's in it ("for xxxx xxxx xxxx xxxx"), not asterisks: the run's real value
    there passes the check (it said "not reproduced" of the very error recorded); a word of
    a few x's ("Box", "xx") is the page's own text still."""
    card = "TypeError: payment failed for xxxx xxxx xxxx xxxx"
    text = playwright_script(_session([_console_error(4001, card)]), session_id="s")
    mod = _load(text, tmp_path)
    assert mod.recorded_in(card, "TypeError: payment failed for 5555 5555 5555 4444")
    assert not mod.recorded_in(card, "TypeError: payment refused for 5555 5555 5555 4444")
    mail = "Signed in as xxxxxxxxxxxxxxx."
    assert mod.recorded_in(mail, "Signed in as ada@example.org.")
    assert mod.recorded_in("Box xx of 3", "Box xx of 3")
    assert not mod.recorded_in("Box xx of 3", "Box 12 of 3")
    assert mod.recorded_in("both: *** and xxxxxxxx", "both: zebra and ada@x.org")

    page = _waiting_page(mod)
    mod.wait_for(page, ORIGIN + "/receipt.html?to=xxxxxxxxxxxxxxx")
    assert page.url.search("http://127.0.0.1:8000/receipt.html?to=ada%40example.org")


def test_a_console_error_of_an_error_object_is_not_a_thrown_error():
    text = playwright_script(_session([_console_error(3500, LOGGED)]), session_id="s")
    ast.parse(text)   # the message's later lines are not in the comment that says it
    check = text[text.index("    # the session hit"):]
    assert "console_errors" in check and "page_errors" not in check
    assert "expected = 'Error: quote failed'" in check
    # the same with the RUM plugin's report of the call beside it (source "console")
    rum = {"type": 6, "timestamp": S + 3500, "data": {"plugin": RUM_PLUGIN, "payload": {
        "type": "error", "date": S + 3500, "error": {"message": "Error: quote failed",
                                                     "source": "console", "type": "Error"}}}}
    check = playwright_script(_session([rum]), session_id="s").split("    # the session hit")[1]
    assert "console_errors" in check and "page_errors" not in check
    typed = "TypeError: no quote\nTypeError: no quote\n    at load (index3.html:1:2)"
    check = playwright_script(_session([_console_error(3500, typed)]),
                              session_id="s").split("    # the session hit")[1]
    assert "console_errors" in check and "expected = 'TypeError: no quote'" in check
    # an uncaught error (capture.js's bare stack, rrweb's "Uncaught ...", a RUM "source"
    # error) is a thrown one, and the last thrown one is the check, not a later console.error
    for thrown in (_console_error(3400, UNCAUGHT),
                   _console_error(3400, "Uncaught TypeError: bad coupon ***")):
        check = playwright_script(_session([thrown, _console_error(3500, LOGGED)]),
                                  session_id="s").split("    # the session hit")[1]
        assert "page_errors" in check and "'TypeError: bad coupon ***'" in check, thrown


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run"
                    " installs it)")
def test_the_script_reproduces_an_error_holding_a_masked_value_in_chromium(tmp_path):
    pytest.importorskip("playwright")
    from recorder.intake.page_server import PageServer

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        '<!DOCTYPE html><html><body><form id="f" action="index3.html" method="get">'
        '<input type="password" name="pw" id="pw"><button id="go">go</button></form></body></html>')
    (site / "index3.html").write_text(
        '<!DOCTYPE html><html><body><form id="f" onsubmit="return false">'
        '<input id="coupon"><button id="apply" type="button" onclick="'
        "throw new TypeError('bad coupon ' + document.getElementById('coupon').value)"
        '">apply</button></form></body></html>')
    script = tmp_path / "repro.py"
    script.write_text(playwright_script(_session([_console_error(4001, UNCAUGHT)]),
                                        session_id="s"))
    with PageServer(site) as srv:
        p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                           env=dict(os.environ, REPLAY_CHROMIUM=str(CHROMIUM),
                                    REPLAY_BASE_URL=srv.base_url, REPLAY_WAIT_MS="5000",
                                    REPLAY_FILL_PW="s3cret", REPLAY_FILL_COUPON="zebracoupon77"),
                           timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "reproduced: TypeError: bad coupon ***"


def _mutation(t, texts):
    return {"type": 3, "timestamp": S + t, "data": {"source": 0, "texts": [
        {"id": i, "value": v} for i, v in texts], "attributes": [], "removes": [], "adds": []}}


def test_text_masked_in_part_is_never_waited_for_nor_a_selector():
    """After signing in the page said 'Signed in as dev@example.org', recorded as the
    detectors mask it ('... xxxxxxxxxxxxxxxxxxxxx'): the script waited 10 s for x's and noted
    the real address as other text. Text masked in part - by the detectors, or a span the
    rules masked ('Hello <span>xxxx</span>!') - is no state to wait for, nor a name to look
    an element up by; the page's own text beside it still is."""
    def node(i, tag, attrs, *kids):
        return {"type": 2, "id": i, "tagName": tag, "attributes": attrs, "childNodes": list(kids)}

    def text(i, value):
        return {"type": 3, "id": i, "textContent": value}

    body = node(3, "body", {},
                node(10, "button", {"id": "login"}, text(11, "Sign in")),
                node(12, "p", {"id": "who"}, text(13, "Signed out")),
                node(14, "p", {"id": "greet"}, text(15, "Hello "),
                     node(16, "span", {}, text(17, "guest")), text(18, "!")),
                node(19, "b", {"id": "count"}, text(20, "0")),
                node(21, "div", {}, node(22, "button", {}, text(23, "Log out xxxxxxxxxxxxxxxxx"))))
    events = [{"type": 4, "timestamp": S, "data": {"href": ORIGIN + "/", "width": 800,
                                                   "height": 600}},
              {"type": 2, "timestamp": S, "data": {"initialOffset": {"left": 0, "top": 0},
               "node": {"type": 0, "id": 1, "childNodes": [
                   node(2, "html", {}, body)]}}},
              _click(1000, 10),
              _mutation(1100, [(13, "Signed in as xxxxxxxxxxxxxxxxxxxxx"), (17, "xxxx"),
                               (20, "2")]),
              _click(2000, 22)]
    text_ = playwright_script(events, session_id="s")
    waits = [ln.strip() for ln in text_.splitlines() if ln.strip().startswith("expect_text(")]
    assert waits == ["expect_text(page, '#count', '2', after_step=2)"], waits
    # the button named by masked text: a CSS path, not role=button[name="Log out xxx..."]
    assert [s.selector for s in steps(events)][1:] == ["#login", "html > body > div > button"]


def _order_session() -> list[dict]:
    """An order form sent by GET: an e-mail, a quantity (at least 2), a day and a ZIP typed
    twice, all masked; the page it opens throws."""
    fields = [(5, "input", {"type": "email", "id": "email", "name": "email", "required": ""}),
              (6, "input", {"type": "number", "id": "qty", "name": "qty", "min": "2"}),
              (7, "input", {"type": "date", "id": "day", "name": "day"}),
              (8, "input", {"id": "zip", "name": "zip", "placeholder": "ZIP"}),
              (9, "button", {"id": "go"})]
    done = "/done.html?email=***&qty=***&day=***&zip=***"
    return (_page(0, "/index.html", fields)
            + [_rum_view(1, 0, "a", "/index.html"), _input(1000, 5), _input(1100, 6),
               _input(1200, 7), _input(1300, 8), _click(1400, 5), _input(1500, 8),
               _click(2000, 9)]
            + _page(2100, done, []) + [_rum_view(2101, 2090, "b", done),
                                       _console_error(2200, "TypeError: order failed\n"
                                                      "    at done.html:1:2")])


def test_a_value_not_given_is_typed_as_a_stand_in_its_field_accepts(tmp_path):
    """With no values given, the script typed `<E_MAIL>` into an <input type=email>: the
    browser would not send the form, and the first run failed at its first step after it.
    Each masked value not given is typed as a stand-in its field accepts (a number's or a
    date's least value where it has one), a text field's placeholder otherwise; --help names
    each value's step and field, so two of one name (a ZIP typed twice) are told apart."""
    text = playwright_script(_order_session(), session_id="s")
    mod = _load(text, tmp_path)
    assert mod.STAND_INS == {"EMAIL": "name@example.com", "QTY": "2", "DAY": "2000-01-01",
                             "ZIP": "<ZIP>", "ZIP_2": "<ZIP_2>"}
    help_ = mod.__doc__
    for line in ("  REPLAY_FILL_EMAIL  step 2: 'email', #email (type=email: stand-in"
                 " 'name@example.com')",
                 "  REPLAY_FILL_QTY    step 3: 'qty', #qty (type=number: stand-in '2')",
                 "  REPLAY_FILL_DAY    step 4: 'day', #day (type=date: stand-in '2000-01-01')",
                 "  REPLAY_FILL_ZIP    step 5: 'ZIP', #zip",
                 "  REPLAY_FILL_ZIP_2  step 7: 'ZIP', #zip"):
        assert line in help_.splitlines(), (line, help_)
    # a `min` the browser cannot read as a value of its field, it ignores: so does the script
    for field, least, typed in (("number", "abc", "1"), ("date", "today", "2000-01-01"),
                                ("time", "09:30", "09:30"), ("url", "x", "https://example.com/")):
        assert stand_in("X", Step(0, StepKind.TYPE, field=field, field_min=least)) == typed


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run"
                    " installs it)")
def test_the_script_runs_through_a_typed_form_without_values_in_chromium(tmp_path):
    pytest.importorskip("playwright")
    from recorder.intake.page_server import PageServer

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        '<!DOCTYPE html><html><body><form id="f" action="done.html" method="get">'
        '<input type="email" name="email" id="email" required>'
        '<input type="number" name="qty" id="qty" min="2" required>'
        '<input type="date" name="day" id="day" required>'
        '<input name="zip" id="zip" placeholder="ZIP"><button id="go">go</button>'
        '</form></body></html>')
    (site / "done.html").write_text(
        "<!DOCTYPE html><html><body><script>throw new TypeError('order failed')</script>"
        "</body></html>")
    script = tmp_path / "repro.py"
    script.write_text(playwright_script(_order_session(), session_id="s"))
    with PageServer(site) as srv:
        p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                           env=dict(os.environ, REPLAY_CHROMIUM=str(CHROMIUM),
                                    REPLAY_BASE_URL=srv.base_url, REPLAY_WAIT_MS="5000"),
                           timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "reproduced: TypeError: order failed"
    assert p.stderr.splitlines()[0] == (
        "note: no value given for EMAIL, QTY, DAY, ZIP, ZIP_2: typing a stand-in for each (one"
        " its field accepts, else <NAME>: --help lists them; masked when recorded: set"
        " REPLAY_FILL_<NAME> or edit FILL_IN)")


def _check_of(text: str):
    """The script's closing check, as a function of the errors the run saw."""
    body = text[text.index("    expected = "):text.index("    return expected")]
    code = "def check(page, page_errors, console_errors):\n" + body + "    return expected\n"
    scope: dict = {"recorded_in": lambda want, seen: want == seen}
    exec(compile(code, "check", "exec"), scope)
    return scope["check"]


class _Waits:
    def wait_for_timeout(self, ms):
        pass


def test_a_run_that_saw_no_error_says_nothing_was_thrown():
    """A developer's tryout against the shop with the bug mended: "the page did not throw
    'TypeError: ...'; it threw: []" - a Python list where a person reads words."""
    for event, thrown in ((_console_error(3400, UNCAUGHT), True),
                          (_console_error(3500, LOGGED), False)):
        check = _check_of(playwright_script(_session([event]), session_id="s"))
        with pytest.raises(AssertionError) as none:
            check(_Waits(), [], [])
        said = str(none.value)
        assert said.endswith("; it threw nothing" if thrown else "; seen: none"), said
        with pytest.raises(AssertionError) as other:
            check(_Waits(), ["RangeError: x"], ["RangeError: x"])
        assert str(other.value).endswith("'RangeError: x'"), other.value
