"""A search box's value across pages: a `<form method=get>` puts what was typed into masked
fields into the next page's URL, and pages echo it ("no results for X"). capture.js keeps the
NAMES of the fields it masks when a GET form is submitted (beside the session id, never a
value); every later page of the session scrubs those URL parameters and masks their values,
read from its own URL and its referrer, wherever it echoes them - the page's text, title,
attributes, console, RUM view and resource URLs.

In Debian's chromium with a real `replay serve` (its default rules), the reviewer's flow:
two plain text inputs typed into under the default rules (mask-user-input), a GET form
submitted to a page that echoes both, then a third page (whose referrer has them). Every byte
of the data folder (segments decompressed) and every export is searched for the values in
every form a URL writes them: absent. A field the page allows (markup `allow`) is kept."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from recorder.paths import capture_script  # noqa: E402
from recorder.privacy.rules import Rules, to_toml  # noqa: E402
from replay_tools.browser_recorder import PageServer  # noqa: E402
from replay_tools.chromium import chromium_path  # noqa: E402
from replay_tools.intake import IntakeServer, replay_cli, stored_events  # noqa: E402
from replay_tools.stored import hits, stored_and_exported, stored_bytes  # noqa: E402
from tests.app.capture_site import SENT_ALL  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

WHO = "Hortensia Blumenkohl"
QUERY = "HIVPOSITIVE treatment options"
TOPIC = "gardening"            # typed into a field the page allows: kept as typed
NEEDLES = {"who": [WHO, "Hortensia+Blumenkohl", "Hortensia%20Blumenkohl", "Blumenkohl"],
           "query": [QUERY, "HIVPOSITIVE+treatment", "HIVPOSITIVE%20treatment", "HIVPOSITIVE"]}

HEAD = """<!doctype html>
<html><head><meta charset="utf-8"><title>%(title)s</title>
<script src="%(intake)s/capture.js"></script>
<script>ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s",
  flushMs: 100, user: {id: "search-user"}, rules: %(rules)s});</script>
</head><body>
"""
SEARCH = """<h2>Order lookup</h2>
<form method="get" action="results.html">
<label>Your name <input id="who" name="who"></label>
<label>Medical question <input id="q" name="q"></label>
<label>Topic <input id="topic" name="topic" data-replay-privacy="allow"></label>
<button id="go" type="submit">Search</button>
</form>
</body></html>
"""
# a POST form whose button sends it with GET; a selector rule allows the topic
SEARCH_FORMMETHOD = SEARCH.replace('method="get"', 'method="post"').replace(
    'data-replay-privacy="allow"', "").replace('type="submit"', 'type="submit" formmethod="get"')
# a form sent by script: form.submit() fires no submit event
SEARCH_SCRIPTED = SEARCH.replace('type="submit"', 'type="button" onclick="this.form.submit()"')
# the form inside a web component's shadow root, rendered after load: its submit event does
# not leave the shadow root
SEARCH_SHADOW = """<h2>Order lookup</h2>
<search-box></search-box>
<script>
customElements.define('search-box', class extends HTMLElement {
  constructor() { super(); this.attachShadow({mode: 'open'}).innerHTML = %s; }
});
</script>
</body></html>
""" % json.dumps(SEARCH.split("<h2>Order lookup</h2>")[1].split("</body>")[0])
# the page echoes the query in its text, title, an attribute, the console and a request
RESULTS = """<h2>Results</h2>
<p id="r"></p>
<a id="next" href="third.html">Next</a>
<script>
const p = new URLSearchParams(location.search);
document.getElementById('r').textContent = 'Hello ' + p.get('who') + ', no results for ' + p.get('q');
document.getElementById('r').setAttribute('title', 'Searched: ' + p.get('q'));
document.title = 'Results for ' + p.get('q');
console.log('searched', p.get('q'), 'about', p.get('topic'));
fetch('api/search?term=' + encodeURIComponent(p.get('q'))).catch(() => {});
</script>
</body></html>
"""
THIRD = """<h2>Third</h2>
<p id="t">A page after the results.</p>
</body></html>
"""
DEFAULT_RULES = {"default": "mask-user-input"}
TOPIC_ALLOWED = {"default": "mask-user-input", "rules": [{"selector": "#topic", "level": "allow"}]}


def _site(root: Path, srv: IntakeServer, app: str, token: str, search: str, rules: dict) -> None:
    root.mkdir()
    for name, title, body in (("search.html", "Search", search), ("results.html", "Results", RESULTS),
                              ("third.html", "Third", THIRD)):
        head = HEAD % {"title": title, "intake": srv.url, "app": app, "token": token,
                       "rules": json.dumps(rules)}
        (root / name).write_text(head + body, encoding="utf-8")


def _sent(page) -> dict:
    return page.wait_for_function(SENT_ALL, polling=100, timeout=20_000).json_value()




def _visit(chromium, tmp_path: Path, search: str = SEARCH, rules: dict = DEFAULT_RULES
           ) -> tuple[IntakeServer, str, list[dict], list[str], dict]:
    """The reviewer's flow; the stored session, what the browser's console showed and what
    capture.js kept in the page's storage on the last page."""
    # the intake's pass with the page's rules (it masks what it takes for typed into a masked
    # field, and that value's echoes): the default ones, or these
    intake_rules = None
    if rules != DEFAULT_RULES:
        intake_rules = tmp_path / "rules.toml"
        intake_rules.write_text(to_toml(Rules.from_json(rules)))
    srv = IntakeServer(tmp_path / "data", rules=intake_rules)
    with PageServer(tmp_path / "site") as site:
        app, token = srv.create_app("search", origins=[site.base_url.rstrip("/")])
        _site(tmp_path / "site", srv, app, token, search, rules)
        with srv:
            ctx = chromium.new_context()
            seen: list[str] = []
            try:
                page = ctx.new_page()
                page.on("console", lambda m: seen.append(m.text))
                page.goto(site.url("search.html"))
                page.wait_for_function("window.ReplayCapture && ReplayCapture.status()")
                page.click("#who")
                page.keyboard.type(WHO, delay=5)
                page.click("#q")
                page.keyboard.type(QUERY, delay=5)
                page.click("#topic")
                page.keyboard.type(TOPIC, delay=5)
                acked = _sent(page)["acked"]
                with page.expect_navigation():
                    page.click("#go")
                page.wait_for_function("document.title.indexOf('Results for') === 0")
                acked += _sent(page)["acked"]
                with page.expect_navigation():
                    page.click("#next")
                page.wait_for_function("window.ReplayCapture && ReplayCapture.status()")
                sid = page.evaluate("ReplayCapture.status().session_id")
                acked += _sent(page)["acked"]
                kept = page.evaluate("JSON.parse(sessionStorage.getItem('replay_capture_session'))")
                page.evaluate("ReplayCapture.stop()")
            finally:
                ctx.close()
            stored = stored_events(srv.data, sid, acked)
    return srv, sid, stored, seen, kept


def _metas(stored: list[dict]) -> list[str]:
    return [e["data"]["href"] for e in stored if e["type"] == 4]


def _views(stored: list[dict]) -> list[dict]:
    return [e["data"]["payload"]["view"] for e in stored
            if e["type"] == 6 and e["data"]["plugin"] == "replay/rum@1"
            and e["data"]["payload"].get("type") == "view"]


def test_a_get_forms_masked_values_are_nowhere_on_the_next_pages(chromium, tmp_path):
    srv, sid, stored, seen, kept = _visit(chromium, tmp_path)
    # the session keeps the masked fields' names, no value
    assert kept["formFields"] == [{"name": "who", "typed": True}, {"name": "q", "typed": True}]
    assert hits({"storage": json.dumps(kept).encode()}, NEEDLES) == []
    # the premise: the page did put the values in its URL and echo them
    assert any(QUERY in line for line in seen), seen
    metas = _metas(stored)
    assert len(metas) == 3, metas
    # the results page's URL: the masked fields scrubbed, the allowed one kept as typed
    assert "who=***" in metas[1] and "q=***" in metas[1] and f"topic={TOPIC}" in metas[1], metas
    views = _views(stored)
    third = [v for v in views if v["url"].endswith("third.html")]
    assert third and all("q=***" in v["referrer"] and "who=***" in v["referrer"] for v in third), views
    text = json.dumps(stored)
    for echo in ("no results for ***", "Results for ***", "Searched: ***", "term=***"):
        assert echo in text, echo
    assert TOPIC in text
    # every stored byte, and every export of the session
    blobs = stored_and_exported(srv.data, sid, tmp_path / "out")
    sessions = replay_cli(srv.data, "sessions", "--json")
    blobs["sessions --json"] = sessions.stdout.encode()
    assert hits(blobs, NEEDLES) == []


@pytest.mark.parametrize("search,rules", [(SEARCH_FORMMETHOD, TOPIC_ALLOWED), (SEARCH_SCRIPTED, DEFAULT_RULES),
                                         (SEARCH_SHADOW, DEFAULT_RULES)],
                         ids=["submitter formmethod=get, topic allowed by a rule", "form.submit()",
                              "a form in a shadow root"])
def test_a_form_sent_with_get_otherwise_is_scrubbed_too(chromium, tmp_path, search, rules):
    srv, sid, stored, seen, kept = _visit(chromium, tmp_path, search, rules)
    metas = _metas(stored)
    assert "who=***" in metas[1] and "q=***" in metas[1] and f"topic={TOPIC}" in metas[1], metas
    assert "no results for ***" in json.dumps(stored)
    assert hits(stored_bytes(srv.data), NEEDLES) == []


LATER = """<!doctype html><html><head><meta charset="utf-8"><title>Later</title></head><body>
<p id="r"></p>
<script>
const p = new URLSearchParams(location.search);
document.getElementById('r').textContent = 'Shown: ' + p.get('filter[name]') + ' / ' + p.get('plain');
</script></body></html>
"""


def test_a_later_page_scrubs_the_kept_names_as_a_url_writes_them(chromium, tmp_path):
    """The names as a form writes them into a URL (`filter[name]` is `filter%5Bname%5D`), in
    the query and the fragment; values decoded as a form encodes them (`+` is a space). A
    value too short to be searched for as an echo (`pin`) is scrubbed from the URL still."""
    (tmp_path / "later.html").write_text(LATER)
    with PageServer(tmp_path) as site:
        ctx = chromium.new_context()
        try:
            page = ctx.new_page()
            page.goto(site.url("later.html"))
            page.evaluate("""() => sessionStorage.setItem('replay_capture_session', JSON.stringify(
                {id: 's1', created: Date.now(), last: Date.now(),
                 formFields: [{name: 'filter[name]', typed: true}, {name: 'filter[pin]', typed: true}]}))""")
            page.goto(site.url("later.html?filter%5Bname%5D=Quintessa+Zoltan&filter%5Bpin%5D=739"
                               "&plain=kept+as+is#filter%5Bname%5D=Quintessa%20Zoltan"))
            page.add_script_tag(content=capture_script())
            events = page.evaluate("""() => new Promise((resolve) => {
                var out = [];
                ReplayCapture.start({intake: 'http://127.0.0.1:9', app: 'a', token: 't', sessionId: 's1',
                                     emit: (e) => out.push(e), fetch: () => new Promise(() => {})});
                setTimeout(() => { ReplayCapture.stop(); resolve(out); }, 300);
            })""")
        finally:
            ctx.close()
    href = next(e["data"]["href"] for e in events if e["type"] == 4)
    assert href.endswith("later.html?filter%5Bname%5D=***&filter%5Bpin%5D=***&plain=kept+as+is"
                         "#filter%5Bname%5D=***"), href
    text = json.dumps(events)
    assert "Shown: *** / kept as is" in text
    assert hits({"events": text.encode()}, {"name": ["Quintessa", "Zoltan", "=739"]}) == []


FRAME_TOP = """<h2>Help centre</h2>
<iframe id="f" src="intro.html" style="width: 600px; height: 300px"></iframe>
</body></html>
"""
FRAME_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>%s</title></head><body>
%s"""


def test_a_form_sent_by_script_inside_a_frame_that_navigated_is_scrubbed_too(chromium, tmp_path):
    """`form.submit()` in a same-origin frame (capture.js runs in the page only), after the
    frame went to another page of its own (a new window realm: its forms' prototype is new):
    the masked fields' names are kept for the session's later pages, as for the page's own
    forms, and nothing typed is stored."""
    srv = IntakeServer(tmp_path / "data")
    root = tmp_path / "site"
    with PageServer(root) as site:
        app, token = srv.create_app("search", origins=[site.base_url.rstrip("/")])
        _site(root, srv, app, token, FRAME_TOP, DEFAULT_RULES)   # search.html: the top page
        (root / "intro.html").write_text(FRAME_PAGE % ("Intro", '<a id="in" href="frame-search.html">Search</a>'))
        (root / "frame-search.html").write_text(FRAME_PAGE % ("Search", SEARCH_SCRIPTED.replace(
            'action="results.html"', 'action="frame-results.html"')))
        (root / "frame-results.html").write_text(FRAME_PAGE % ("Results", RESULTS))
        with srv:
            ctx = chromium.new_context()
            try:
                page = ctx.new_page()
                page.goto(site.url("search.html"))
                page.wait_for_function("window.ReplayCapture && ReplayCapture.status()")
                frame = page.frame_locator("#f")
                frame.locator("#in").click()
                frame.locator("#who").click()
                page.keyboard.type(WHO, delay=5)
                frame.locator("#q").click()
                page.keyboard.type(QUERY, delay=5)
                frame.locator("#go").click()
                page.wait_for_function("(d => d && d.title.indexOf('Results for') === 0)"
                                       "(document.getElementById('f').contentDocument)")
                page.wait_for_function(
                    "ReplayCapture.record.mirror.getId(document.getElementById('f')"
                    ".contentDocument.getElementById('r')) > 0")
                acked = _sent(page)["acked"]
                sid = page.evaluate("ReplayCapture.status().session_id")
                kept = page.evaluate("JSON.parse(sessionStorage.getItem('replay_capture_session'))")
                page.evaluate("ReplayCapture.stop()")
            finally:
                ctx.close()
            stored = stored_events(srv.data, sid, acked)
    assert kept["formFields"] == [{"name": "who", "typed": True}, {"name": "q", "typed": True}]
    assert "no results for ***" in json.dumps(stored)   # the premise: the frame echoed it
    assert hits(stored_bytes(srv.data), NEEDLES) == []
