"""Masking at capture: capture.js in a real browser (QtWebEngine) masks with the recorder's
rules before anything leaves the page.

- The shared conformance table (tests/fixtures/privacy-conformance.json, which the recorder's
  pass also runs: tests/recorder/test_privacy_conformance.py): each document, recorded by
  capture.js under the case's rules, renders exactly as expected, and each control's value
  set by script leaves exactly the expected input event.
- The leak test with capture-time masking ALONE: fake personal data typed with real key
  events into the checkout, the events stored with the recorder's pass switched off, every
  stored byte searched.
"""
from __future__ import annotations

import json
from collections import defaultdict
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

import pytest

from recorder.format import EventType, IncrementalSource, NodeType
from recorder.privacy import parse_rules
from recorder.privacy.preview import render_node
from recorder.store import Store
from replay_tools.browser_recorder import Eval, PageServer, record_page
from replay_tools.stored import stored_bytes
import tests.app.test_privacy_leaks as LEAKS   # the same secrets, typing and needles

TESTS = Path(__file__).resolve().parents[1]
TABLE = json.loads((TESTS / "fixtures" / "privacy-conformance.json").read_text(encoding="utf-8"))["cases"]
CASES = {c["name"]: c for c in TABLE}


class _TableHandler(SimpleHTTPRequestHandler):
    """Serves case N of the table at /case/N; everything else from the pages folder."""

    def log_message(self, format, *args):  # noqa: A002 - quiet tests
        pass

    def do_GET(self):  # noqa: N802 (http.server)
        if self.path.startswith("/case/"):
            body = TABLE[int(self.path.rsplit("/", 1)[1])]["html"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


@pytest.fixture(scope="module")
def server():
    with PageServer(TESTS / "browser" / "pages", handler=_TableHandler) as srv:
        yield srv


def _set_values(inputs: list) -> str:
    """JavaScript setting each control as a script would; each one first to something else,
    so the value (even an unchanged one) is a change capture.js records."""
    return "(function(){var steps=%s; steps.forEach(function(s){" \
        "var el=document.getElementById(s[0]), d=s[1];" \
        "if ('isChecked' in d) { el.checked = !d.isChecked; el.checked = d.isChecked; }" \
        "else { el.value = ''; el.value = d.text; }" \
        "el.dispatchEvent(new Event('input', {bubbles: true}));});" \
        "return steps.length;})()" % json.dumps(inputs)


@pytest.mark.parametrize("name", list(CASES))
def test_capture_masks_the_table_as_the_recorder_does(qapp, server, name):
    case = CASES[name]
    steps = [Eval(_set_values(case["inputs"]))] if "inputs" in case else []
    rec = record_page(server.url(f"case/{TABLE.index(case)}"), steps, recorder="capture",
                      record_options={"rules": case["rules"]})
    full = rec.events[1]
    assert full["type"] == 2
    assert render_node(full["data"]["node"]) == case["expected"]
    if "inputs" not in case:
        return
    ids = {}
    stack = [full["data"]["node"]]
    while stack:
        n = stack.pop()
        if "id" in (n.get("attributes") or {}):
            ids[n["id"]] = n["attributes"]["id"]
        stack.extend(n.get("childNodes") or ())
    last = {}
    for e in rec.events:
        if e["type"] == 3 and e["data"]["source"] == 5:
            d = dict(e["data"])
            el_id = ids[d.pop("id")]
            # (the case's values are set by script: each is marked so, as no person's typing)
            assert d.pop("userTriggered") is False
            last[el_id] = {k: v for k, v in d.items() if k != "source"}
    want = {k: v for k, v in case["expected_inputs"].items() if v is not None}
    assert last == want


# ---- the leak test, capture-time masking alone ------------------------------------------------


@pytest.mark.parametrize("key,rules_text,terms", [
    ("default rules", 'scrub_query_params = ["token", "email"]', False),
    ("strict rules", LEAKS.STRICT_RULES, True),
])
def test_capture_alone_stores_none_of_the_typed_data(qapp, server, tmp_path, key, rules_text, terms):
    rules = parse_rules(rules_text)
    rec = record_page(server.url("checkout.html?token=s3ss10n&email=" + LEAKS.EMAIL),
                      LEAKS.fill_form(terms), recorder="capture",
                      record_options={"rules": rules.to_json()})
    events = rec.events
    assert len(events) > 100
    # the premise: real typing was recorded (as masked input events)
    assert sum(1 for e in events if e["type"] == 3 and e["data"]["source"] == 5) > 20
    data = tmp_path / "data"
    store = Store.open(data)
    try:
        assert store.ingest(events)          # no masker: what capture.js sent is what is kept
    finally:
        store.close()
    blobs = stored_bytes(data)
    blobs["what left the page"] = json.dumps(events).encode()
    assert any(k.endswith("(decompressed)") for k in blobs)
    assert LEAKS.hits(blobs, LEAKS.NEEDLES) == [], key
    seg = b"".join(v for k, v in blobs.items() if k.endswith("(decompressed)"))
    assert b"***" in seg
    if not terms:
        assert b"Card number" in seg   # the page's own text is kept under mask-user-input


@pytest.mark.parametrize("rules", [{"default": "allow", "detectors": []},
                                   {"default": "mask-user-input", "detectors": []}])
def test_capture_keeps_a_password_shown_as_text_masked(qapp, server, rules):
    """A "show password" button makes the password field a text field: what is typed while
    it is shown, and its value set then, stay masked at every level (as rrweb keeps them, and
    as the recorder's pass does: tests/recorder/test_privacy_masker.py)."""
    def typed(text):
        return Eval("(function(){var el=document.getElementById('pw'); el.value=%s;"
                    "el.dispatchEvent(new Event('input', {bubbles: true})); return 1;})()"
                    % json.dumps(text))
    rec = record_page(server.url("case/0"), [
        Eval("(function(){var el=document.createElement('input'); el.id='pw';"
             "el.type='password'; document.body.appendChild(el); return 1;})()"),
        typed("Hx"),
        Eval("document.getElementById('pw').type = 'text'"),
        typed("HxRevealedTail77"),
        Eval("document.getElementById('pw').setAttribute('value', 'HxRevealedTail77')"),
        Eval("document.getElementById('pw').type = 'password'"),
        # "suggest a password and show it": shown and set in one task, before any frame
        Eval("(function(){var el=document.createElement('input'); el.id='pw2';"
             "el.type='password'; document.body.appendChild(el); return 1;})()"),
        Eval("(function(){var el=document.getElementById('pw2'); el.type='text';"
             " el.value='HxRevealedSuggested'; el.dispatchEvent(new Event('input',"
             " {bubbles: true})); return 1;})()"),
    ], recorder="capture", record_options={"rules": rules})
    sent = json.dumps(rec.events)
    assert '"type": "text"' in sent or '"type":"text"' in sent   # the change is recorded
    assert "Revealed" not in sent and "Hx" not in sent


def test_capture_learns_what_a_field_added_after_load_holds(qapp, server):
    """A single-page app renders a prefilled form after load, then greets the visitor by the
    name it holds: capture.js masked the field but sent the greeting in clear - it learnt
    the values of the snapshot's fields only (a review; the recorder's pass learns both, but
    a live intake only ever sees what left the page)."""
    name = "Prefill Obsidian-Heron"
    rec = record_page(server.url("case/0"), [
        Eval("(function(){var f=document.createElement('form');"
             "f.innerHTML='<input id=\"who\" type=\"text\" value=\"%s\">"
             "<div class=\"replay-privacy-hidden\"><input value=\"Hidden Quillfeather\"></div>';"
             "document.body.appendChild(f); return 1;})()" % name),
        Eval("(function(){var p=document.createElement('p');"
             "p.textContent='Welcome back, %s (Hidden Quillfeather)';"
             "document.body.appendChild(p); return 1;})()" % name)],
        recorder="capture", record_options={"rules": {"default": "mask-user-input"}})
    sent = json.dumps(rec.events)
    assert "Welcome back, " in sent
    assert "Obsidian-Heron" not in sent and "Quillfeather" not in sent


def test_capture_masks_text_attributes_a_script_sets_after_load(qapp, server):
    """At `mask`, the attributes that carry page text are masked when a script sets them
    after load too - capture.js's change path asks the same maskAttr as its snapshot: a
    <meta>'s description, an <option>'s value, a <time>'s date, microdata's content - and
    the recorder's pass gives the same for the changes as stored."""
    from recorder.privacy import Rules, SessionMasker
    case = CASES["mask: every attribute that carries text"]
    rec = record_page(server.url(f"case/{TABLE.index(case)}"), [
        Eval("(function(){document.querySelector('meta[name=description]').content="
             "'Later Obsidian-Heron';"
             "var o=document.createElement('option'); o.value='Later Quillfeather';"
             "o.textContent='x'; document.getElementById('who').appendChild(o);"
             "document.querySelector('time').setAttribute('datetime', '1977-07-07');"
             "document.querySelector('[itemprop]').setAttribute('content', 'Later Heron');"
             "return 1;})()")],
        recorder="capture", record_options={"rules": case["rules"]})
    sent = json.dumps(rec.events)
    assert any(e["type"] == 3 and e["data"].get("source") == 0 for e in rec.events), \
        "no change was recorded"
    for word in ("Obsidian", "Quillfeather", "1977", "Heron", "Matilda"):
        assert word not in sent, word
    again = json.dumps(SessionMasker(Rules.from_json(case["rules"])).mask(rec.events))
    for word in ("Obsidian", "Quillfeather", "1977", "Heron", "Matilda"):
        assert word not in again, word


def _set_text(el_id: str, text: str) -> str:
    return f"document.getElementById({json.dumps(el_id)}).textContent = {json.dumps(text)};"


def _batch(js: str) -> Eval:
    """Statements run in the page, then capture.js's changes read at once: one batch."""
    return Eval("(function(){" + js + "ReplayCapture.record.flush(); return 1;})()")


def _markup_on_kept_off(markup: str, values: tuple[str, str], el_id: str, texts: tuple) -> list:
    """Three batches: privacy markup set (`markup` % values[0]) with a text change of `el_id`,
    a text change alone, the markup taken off (% values[1]) with a third."""
    on, off = (markup % v for v in values)
    return [_batch(on + _set_text(el_id, texts[0])), _batch(_set_text(el_id, texts[1])),
            _batch(off + _set_text(el_id, texts[2]))]


def test_capture_masks_each_batch_of_changes_as_the_page_then_is(qapp, server):
    """Changes after load (tests/browser/pages/privacy-changes.html), in batches of their own:
    capture.js keeps elements' levels from batch to batch and reads each changed attribute
    once a batch - what it keeps must follow the page. A script's text in an editable row's
    cells is masked as typed; that row's `contenteditable=false` cell and the other row's
    cells are shown. Privacy markup set in a batch (an attribute, a class) masks that batch's
    text and the next batch's; taken off, the text shows again. A value a script sets in a
    field's `value` attribute is masked where the same batch's text says it again. A class
    set and set back in one batch is no change; one set is."""
    steps = [
        _batch(_set_text("typed", "Typed Marmot") + _set_text("chip", "Chip Heron")
               + _set_text("typed2", "Typed Jackal") + _set_text("plain", "Plain Walrus")
               + _set_text("plain2", "Plain Narwhal")),
        *_markup_on_kept_off(
            "document.getElementById('box').setAttribute('data-replay-privacy', %s);",
            ("'mask'", "'allow'"), "boxText", ("Masked Otter", "Later Lynx", "Open Badger")),
        _batch("document.getElementById('field').setAttribute('value', 'Velvet Quokka');"
               + _set_text("greeting", "Hello, Velvet Quokka")),
        *_markup_on_kept_off("document.getElementById('note').className = %s;", ("'rr-mask'", "''"),
                             "note", ("Classed Ibex", "Still Classed Tapir", "Unclassed Gecko")),
        _batch("var c = document.getElementById('calm'), f = document.getElementById('flash');"
               "c.className = 'flash'; c.className = 'calm'; f.className = 'flash';"),
    ]
    rec = record_page(server.url("privacy-changes.html"), steps, recorder="capture",
                      record_options={"rules": {"default": "mask-user-input"}})
    full = next(e for e in rec.events if e["type"] == EventType.FullSnapshot)
    element, text_of = {}, {}   # page id -> recorded id; recorded text node id -> page id
    stack = [full["data"]["node"]]
    while stack:
        n = stack.pop()
        kids = n.get("childNodes") or ()
        if "id" in (n.get("attributes") or {}):
            element[n["attributes"]["id"]] = n["id"]
            text_of.update((k["id"], n["attributes"]["id"]) for k in kids
                           if k["type"] == NodeType.Text)
        stack.extend(kids)
    texts, classes = defaultdict(list), defaultdict(list)
    for e in rec.events:
        if (e["type"] == EventType.IncrementalSnapshot
                and e["data"]["source"] == IncrementalSource.Mutation):
            for t in e["data"]["texts"]:
                texts[text_of.get(t["id"], t["id"])].append(t["value"])
            for a in e["data"]["attributes"]:
                if "class" in a["attributes"]:
                    classes[a["id"]].append(a["attributes"]["class"])
    for typed in ("typed", "typed2"):
        assert len(texts[typed]) == 1 and texts[typed][0].strip("*") == "", (typed, texts[typed])
    assert texts["chip"] == ["Chip Heron"]
    assert texts["plain"] == ["Plain Walrus"] and texts["plain2"] == ["Plain Narwhal"]
    masked, later, shown = texts["boxText"]
    assert "Otter" not in masked and "Lynx" not in later and len(masked) == len("Masked Otter")
    assert shown == "Open Badger"
    (greeting,) = texts["greeting"]
    assert greeting.startswith("Hello, ") and "Quokka" not in greeting
    classed, still, unclassed = texts["note"]
    assert "Ibex" not in classed and "Tapir" not in still and unclassed == "Unclassed Gecko"
    assert classes == {element["note"]: ["rr-mask", ""], element["flash"]: ["flash"]}
    sent = json.dumps(rec.events)
    for word in ("Marmot", "Jackal", "Otter", "Lynx", "Quokka", "Ibex", "Tapir"):
        assert word not in sent, word


# ---- the rules' console redactions, in the page ------------------------------------------------

def _console_payloads(events: list) -> list:
    return [e["data"]["payload"]["payload"] for e in events
            if e["type"] == EventType.Plugin and e["data"]["plugin"] == "rrweb/console@1"]


_LOG_SECRETS = Eval("(() => { console.log('ref ACCT-99887766 ok', {acct: 'acct-55443322'});"
                    " console.error(new Error('key sk_live_abc123 failed')); return 1; })()")


def test_capture_masks_the_rules_console_redactions_before_they_leave_the_page(qapp, server):
    """`[console] redact` patterns are masked in the page, in console lines and the errors
    logged (a privacy officer's tryout: capture.js sent `ACCT-99887766` in clear and the
    intake masked it - the README promises capture.js masks with the same rules): what it
    sends is what the recorder's pass makes of it, which then changes nothing. A leading
    `(?i)` is a flag, as in Python."""
    from recorder.privacy import mask_events
    rules = parse_rules('[console]\nredact = ["(?i)acct-\\\\d+", "sk_live_\\\\w+"]\n')
    rec = record_page(server.url("checkout.html"), [_LOG_SECRETS], recorder="capture",
                      record_options={"rules": rules.to_json()})
    sent = json.dumps(rec.events)
    assert "99887766" not in sent and "55443322" not in sent and "abc123" not in sent
    logged = _console_payloads(rec.events)
    assert ['"ref *** ok"', '{"acct":"***"}'] in logged, logged
    assert any(p[0].startswith('"Error: key *** failed') for p in logged), logged
    assert _console_payloads(mask_events(rec.events, rules)) == logged


def test_capture_masks_console_text_whole_under_a_pattern_javascript_cannot_read(qapp, server):
    """A redaction JavaScript does not read as Python does (a verbose `(?x)` pattern): what it
    would match cannot be told in the page, so console text leaves it masked whole."""
    rules = parse_rules("[console]\nredact = ['(?x) acct - \\d+  # an account']\n")
    rec = record_page(server.url("checkout.html"), [_LOG_SECRETS], recorder="capture",
                      record_options={"rules": rules.to_json()})
    assert "99887766" not in json.dumps(rec.events)
    logged = _console_payloads(rec.events)
    assert ["***", "***"] in logged and ["***"] in logged, logged   # (each argument's JSON)


# ---- short values and choices, as a URL parameter's whole value ---------------------------------

def test_capture_masks_a_short_value_or_a_choice_where_a_url_parameter_is_it(qapp, server):
    """A privacy officer's tryout: a 3-letter search typed into a masked box, and a masked
    select's choice, reached disk in clear in the page's request URLs (`?term=vxq`,
    `country=DE`) - echoes are looked for from 4 characters, a choice's value not at all (the
    page's own string). capture.js now masks a URL parameter whose whole value is a masked
    field's short value or a masked choice's, in the page: the URLs the console and the RUM
    plugin record. Other values stay (a longer one, another word), and so does the page's
    text ("Results for Ky": what cannot be told from the page's own words)."""
    set_values = Eval(
        "(() => { var set = function (id, v) { var el = document.getElementById(id);"
        " if (v === true) el.checked = true; else el.value = v;"
        " el.dispatchEvent(new Event('input', {bubbles: true})); };"
        " set('city', 'Ky'); set('country', 'de'); set('express', true);"
        " console.log('/api/quote?city=Ky&country=DE&delivery=express&near=Kyiv&ref=ky2');"
        " console.log('Results for Ky');"
        " return fetch('/data.json?city=ky&page=2').then(function () { return 1; }); })()")
    rec = record_page(server.url("checkout.html"), [set_values], recorder="capture",
                      record_options={"rules": {"default": "mask-user-input"}})
    sent = json.dumps(rec.events)
    assert "city=Ky" not in sent and "country=DE" not in sent and "delivery=express" not in sent
    logged = [p[0] for p in _console_payloads(rec.events)]
    assert '"/api/quote?city=***&country=***&delivery=***&near=Kyiv&ref=ky2"' in logged, logged
    assert '"Results for Ky"' in logged, logged
    urls = [e["data"]["payload"]["resource"]["url"] for e in rec.events if e["type"] == 6
            and (e["data"].get("payload") or {}).get("type") == "resource"]
    assert any(u.endswith("/data.json?city=***&page=2") for u in urls), urls


# Python patterns and texts on which JavaScript's own reading of the pattern matches less
# than Python's (a reviewer's finds), beside ones both read alike
_REDACTIONS = [
    ("ACCT-\\d{,8}", ["ref ACCT-99887766 ok", "ACCT- alone"]),
    ("secret=\\w+$", ["secret=abc\n", "secret=abc", "secret=abc\nmore"]),
    ("\\bпароль\\S+", ["мой пароль123 тут", "xпароль1"]),
    ("token .+", ["token a\u2028b\rc\nd"]),
    ("\\d+", ["order ٤٥٦ and 789"]),
    ("(?i)acct-\\d+", ["Acct-1 ACCT-22"]),
    ("\\AID-\\d+\\Z", ["ID-42", "ID-42\n", "x ID-42"]),
    ("[\\w.-]+@corp\\.example", ["mail żółw.x-y@corp.example now"]),
    ("k\\-\\d+\\#", ["k-12# k12#"]),
    ("(?P<p>ab)(?P=p)", ["ababx abx"]),
    ("[]x]+", ["a]]x]b"]),
    ("(?s)<.+?>", ["<a\nb> <c>"]),
    ("(?m)^#.*$", ["#one\n#two\nthree"]),
    # ... and a second reviewer's
    ("(?i)pin:\\s*\\d+", ["PİN: 1234 and pın: 5678", "PIN:9"]),
    ("(?m)^secret: .*?$", ["secret: ab\rcd\nmore"]),
    ("card\\s\\d+", ["card\x85123", "card 4"]),
    ("tok=\\S{6}", ["tok=ab\ufeffcde tok=abcdef"]),
    ("[\\s\\d]+x", ["a \x1c9x"]),
]


def test_capture_reads_a_redaction_as_python_does(qapp, server):
    """The rules' `[console] redact` patterns are Python's: read in the page as Python reads
    them - `{,n}`, `$` before a last line feed, Unicode `\\d`, `\\w`, `\\b`, `\\s`, a `.` that
    stops at a line feed alone, `\\A`/`\\Z`, named groups, an escaped mark, a class's first
    `]` - so the page masks what the intake would (a reviewer's finds: JavaScript's reading
    of `ACCT-\\d{,8}` sent `ACCT-99887766` in clear). What cannot be read so (`(?x)`, an atomic
    group) masks the text whole."""
    import re

    from recorder.privacy.masking import MASK
    from replay_tools.browser_recorder import BrowserRecorder

    with BrowserRecorder(recorder="capture") as b:
        b.open(server.url("checkout.html"))
        b.wait_ready()
        for pattern, texts in _REDACTIONS:
            for text in texts:
                page = b.eval(f"ReplayCapture.redact({json.dumps([pattern])}, {json.dumps(text)})")
                assert page == re.sub(pattern, MASK, text), (pattern, text, page)
        for pattern in ("(?x) a b", "(?>ab)c", "a*+", "(?a)\\b\\d{4}\\b", "secret(?s:.*)",
                        "x(?-i:y)"):
            assert b.eval(f"ReplayCapture.redact({json.dumps([pattern])}, 'abc')") == MASK, pattern



def test_capture_and_the_recorders_pass_mask_the_same_url_parameters(qapp, server):
    """A URL parameter whose whole value is a masked field's short value or a masked choice's:
    capture.js (Echoes.params) and the recorder's pass (echoes.ParamValues) mask the same
    ones - the same expression, white space as Python's str.isspace() says, "+" and each run
    of %XX decoded as a form sends them (a reviewer's finds: each language's \\s, and a
    malformed %XX that made the page give up on the whole value)."""
    from recorder.privacy.echoes import ParamValues
    from replay_tools.browser_recorder import BrowserRecorder

    values = ["tv", "DE", "red shoes", "ä%", "nz", "x", "***", " Ky "]
    texts = ["/api/search?term=tv&q=TV&x=tvs", "https://x/ship?country=DE#tab=tv",
             "q=tv&x=tvs", "\"/api?q=tv\"", "a=1;b=tv", "/s?q=red+shoes&r=red%20shoes",
             "?x=atv&y=x", "{\"u\":\"/a?q=tv\"}", "?c=%C3%A4%", "?c=NZ\x85&d=nz\u3000",
             "?q=%ZZ&r=%74%76", "?k=ky&k2=%20Ky%20", "no parameter tv here", "?=tv&a==tv"]
    ours = ParamValues()
    for v in values:
        ours.add(v)
    with BrowserRecorder(recorder="capture") as b:
        b.open(server.url("checkout.html"))
        b.wait_ready()
        for text in texts:
            page = b.eval(f"ReplayCapture.paramEchoes({json.dumps(values)}, {json.dumps(text)})")
            assert page == ours.scrub(text), (text, page, ours.scrub(text))
