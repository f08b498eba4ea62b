"""Rules files (validation with line/key, JSON form, where the rules in force come from),
CSS selectors matched on the mirror DOM (lxml's own cssselect as the oracle), detectors."""
from __future__ import annotations

import lxml.html
import pytest

from recorder.mirror import Mirror
from recorder.privacy import Level, Rules, RulesError, load_rules, parse_rules
from recorder.privacy.detectors import excerpt, find, luhn_ok, mask
from recorder.privacy.rules import DEFAULT_SCRUB_PARAMS
from recorder.privacy.preview import html_to_events
from recorder.privacy.selectors import SelectorError, SelectorIndex, compile_selector

FULL = """version = 1
default = "mask"
detectors = ["email"]
scrub_query_params = ["token", "sid"]

[[rule]]
selector = ".public"
level = "allow"

[[rule]]
selector = "#card"
level = "hidden"

[network]
headers = ["Content-Type"]
bodies = true

[console]
redact = ["secret-\\\\d+"]
"""


def test_full_rules_file_parses_and_round_trips_through_json():
    r = parse_rules(FULL, where="r.toml")
    assert r.default_level == Level.MASK
    assert [(x.selector, x.level, x.line) for x in r.rules] == [
        (".public", Level.ALLOW, 6), ("#card", Level.HIDDEN, 10)]
    assert r.detectors == ("email",) and r.scrub_query_params == DEFAULT_SCRUB_PARAMS + ("sid",)
    assert r.network_headers == ("content-type",) and r.network_bodies is True
    assert r.console_redact == ("secret-\\d+",)
    j = r.to_json()
    assert j["default"] == "mask" and j["rules"][1] == {"selector": "#card", "level": "hidden"}
    assert Rules.from_json(j) == r


def test_built_in_default():
    r = Rules.default()
    assert r.default_level == Level.MASK_USER_INPUT and r.rules == ()
    assert set(r.detectors) == {"email", "card", "phone", "iban", "ssn"}
    assert parse_rules("") == r  # an empty file means the defaults


@pytest.mark.parametrize("text, message", [
    ('default = "masked"', r"line 1: default: unknown privacy level 'masked'"),
    ('version = 9', r"line 1: version: rules version 9 is newer"),
    ('defualt = "mask"', r"line 1: defualt: unknown key"),
    # a key's error names the key's own line; a missing key, its table's header
    ('\n\n[[rule]]\nselector = "a:hover"\nlevel = "mask"', r"line 4: rule\[1\]\.selector: .*:hover is not supported"),
    ('version = 1\n\n[[rule]]\n# the shop\'s bio\n  "selector" = "p:hover"\nlevel = "mask"',
     r"line 5: rule\[1\]\.selector: .*:hover is not supported"),
    ('[[rule]]\nselector = "a"\nlevel = "mask"\n[[rule]]\nselector = "p"\nlevel = "masked"',
     r"line 6: rule\[2\]\.level: unknown privacy level 'masked'"),
    ('[[rule]]\nselector = "a"\nlevel = "mask"\n\n[[rule]]\nlevel = "mask"\nselector = ""',
     r"line 7: rule\[2\]\.selector: missing or empty"),
    ('[network]\nheaders = []\n\nbodies = "yes"', r"line 4: network\.bodies: must be true or false"),
    ('detectors = []\n[network]\nbodies = true\n[console]\n\nredact = ["(unclosed"]',
     r"line 6: console\.redact: bad regular expression"),
    ('[network]\nbodies = true\ncolour = 1', r"line 3: network\.colour: unknown key"),
    ('[[rule]]\nselector = "a"\nlevel = "mask"\n[[rule]]\nselector = "p"\n', r"line 4: rule\[2\]\.level: missing"),
    ('[[rule]]\nselector = "a"\nlevel = "mask"\ncolour = "red"', r"line 4: rule\[1\]\.colour: unknown key"),
    ('detectors = ["passport"]', r"detectors: unknown detector 'passport'"),
    ('[console]\nredact = ["(unclosed"]', r"console.redact: bad regular expression"),
    # the pattern as the file holds it (its backslashes were doubled, as repr writes them)
    ("[console]\nredact = ['CUST-(\\d+']", r"bad regular expression 'CUST-\(\\d\+': "),
    ('default = ', r"^rules.toml, line 1: not valid TOML: Invalid value \(at the end of the file\)$"),
    ('version = 1\n\n[[rule]]\nlevel = mask\n',
     r"^rules.toml, line 4: not valid TOML: Invalid value \(column 9\)$"),
    ('[[rule]]\nselector = "div >"\nlevel = "mask"', r"rule\[1\]\.selector: cannot parse selector"),
    ('[[rule]]\nselector = ["h1", "h2"]\nlevel = "mask"',   # not "missing or empty"
     r'line 2: rule\[1\]\.selector: one string, not a list - several selectors go in it separated by commas, "h1, .name"'),
])
def test_errors_name_the_line_and_key(text, message):
    with pytest.raises(RulesError, match=message):
        parse_rules(text, where="rules.toml")


@pytest.mark.parametrize("pattern", ["(?i)", "\\\\b", "a*", "(token|)", "^", "(?=sk_)"])
def test_a_redaction_that_matches_empty_text_is_refused(pattern):
    """`redact = ["(?i)"]` put *** between every character of every console line and URL
    (`H***u***n***t***e***r***2`): the secrets stayed readable, keys were renamed, and the
    audit found nothing to say. A pattern that can match zero characters is refused."""
    text = f'[console]\nredact = ["{pattern}"]'
    with pytest.raises(RulesError, match=r"line 2: console\.redact: .* matches empty text"):
        parse_rules(text, where="rules.toml")
    parse_rules(f'[console]\nredact = ["{pattern}x"]')   # one character more: fine


def test_where_the_rules_come_from(tmp_path):
    data = tmp_path / "data"
    assert load_rules(None, data) == Rules.default()          # nothing: built-in
    data.mkdir()
    (data / "rules.toml").write_text('default = "mask"')
    assert load_rules(None, data).default_level == Level.MASK    # the data folder's active rules
    f = tmp_path / "other.toml"
    f.write_text('default = "allow"')
    assert load_rules(f, data).default_level == Level.ALLOW      # an explicit file wins
    with pytest.raises(RulesError, match="not found"):
        load_rules(tmp_path / "missing.toml", data)


# --- selectors: our matcher against lxml's cssselect on the same document -------------------
DOC = """<html><body>
<div id="main" class="card wide" data-kind="x-large">
  <p class="lead">a</p><p>b <span class="n">1</span></p><p lang="en-GB">c</p>
  <ul><li>1</li><li class="sel">2</li><li>3</li><li>4</li></ul>
  <a href="https://x.example/path?q=1">x</a><a href="mailto:a@b.c" title="hi there">m</a>
</div>
<section><p class="lead">z</p><div><span></span></div><input type="checkbox"><input type="text"></section>
</body></html>"""

SELECTORS = [
    "p", "*", ".lead", "#main", "div.card.wide", "#main > p", "#main p", "section .lead",
    "p + p", "p ~ ul", "li:first-child", "li:last-child", "li:nth-child(2n)", "li:nth-child(odd)",
    "li:nth-last-child(1)", "p:first-of-type", "span:empty", "span:only-child",
    "li:not(.sel)", "[title]", "a[href^='mailto:']", "a[href$='1']", "a[href*='example']",
    "[title~=there]", "[lang|=en]", "[data-kind=x-large]", "div:not(#main) span",
    "input[type=checkbox], input[type=text]", ":is(section, #main) > p.lead", "html:root",
    # the i and s flags (lxml's cssselect folds ASCII case for i, as a browser does)
    "[title^='HI' i]", "a[href*='EXAMPLE' i]", "[data-kind='X-LARGE' i]", "[title~=THERE i]",
    "[lang|=EN i]",
]


@pytest.mark.parametrize("selector", SELECTORS)
def test_selector_matches_like_lxml(selector):
    doc = lxml.html.document_fromstring(DOC)
    events = html_to_events(DOC)
    mirror = Mirror().apply_all(events)
    # html_to_node numbers elements in document order, like lxml's iter()
    our_elements = [n for n in mirror.walk() if n.type == 2]
    lxml_elements = [e for e in doc.iter() if isinstance(e.tag, str)]
    assert [n.tag for n in our_elements] == [e.tag for e in lxml_elements]
    want = {lxml_elements.index(e) for e in doc.cssselect(selector)}
    index = SelectorIndex()
    for sel in compile_selector(selector):
        index.add(sel, True)
    got = {i for i, n in enumerate(our_elements) if index.matching(n, mirror.nodes)}
    assert got == want and want


def _matched(html: str, selector: str) -> list[str]:
    mirror = Mirror().apply_all(html_to_events(html))
    index = SelectorIndex()
    for sel in compile_selector(selector):
        index.add(sel, True)
    return [n.attrs.get("id") for n in mirror.walk() if n.type == 2 and n.attrs.get("id")
            and index.matching(n, mirror.nodes)]


def test_attribute_values_compared_with_the_case_a_browser_uses():
    """Without a flag a value is compared exactly, except for the attributes HTML lists as
    case-insensitive on HTML elements (`type`, `lang`, `dir`...): `[type=password]` selects
    `type="Password"` in a browser, so it must here (capture.js asks `element.matches()`) -
    not on an SVG element, but on HTML inside one's foreignObject. (lxml's cssselect knows no such list;
    tests/app/test_capture_privacy.py checks the same table against Chromium.)"""
    html = ('<html><body><input id="pw" type="Password"><p id="en" lang="EN">a</p>'
            '<p id="kind" data-kind="Secret">b</p>'
            '<svg><a id="svg-a" type="Password"></a><foreignObject><div id="fo" lang="EN">c'
            '</div></foreignObject></svg></body></html>')
    assert _matched(html, "[type=password]") == ["pw"]
    assert _matched(html, "[type=Password]") == ["pw", "svg-a"]
    # HTML inside an SVG's foreignObject is HTML (recorded under <svg>, it is marked svg)
    assert _matched(html, "[lang|=en]") == ["en", "fo"]
    assert _matched(html, "[data-kind=secret]") == []
    assert _matched(html, "[data-kind=secret i]") == ["kind"]
    assert _matched(html, "[type=PASSWORD i]") == ["pw", "svg-a"]


@pytest.mark.parametrize("selector", ["a::before", "a:hover", "p:contains(x)", "a >",
                                      "[title='x' s]"])   # (s: no browser takes it)
def test_unsupported_selectors_are_refused(selector):
    with pytest.raises(SelectorError):
        compile_selector(selector)


# --- detectors -------------------------------------------------------------------------------
@pytest.mark.parametrize("text, kinds", [
    ("write to jane.doe@example.com today", ["email"]),
    ("pay 4111 1111 1111 1111 now", ["card"]),
    ("5555555555554444", ["card"]),
    ("amex 3782-822463-10005", ["card"]),
    ("call +1 415 555 0100", ["phone"]),
    ("(415) 555-0100", ["phone"]),
    ("415.555.0100 or 020 7946 0958", ["phone", "phone"]),
    ("01 23 45 67 89", ["phone"]),
    ("4111 1111 1111 1112", []),                        # fails the Luhn check
    ("ts 1700000000000 id 1234567890123456", []),      # timestamps and ids, not cards/phones
    ("req 88a55925-9067-4611-a518-ae166eb97f56", []),  # a UUID whose digits pass Luhn
    ("4111 1111-1111 1111", []),                        # mixed separators: not a card layout
    ("+49 30 83251", ["phone"]),
    ("M1152 896q0-106-75-181t-181-75-181 75-75 181", []),  # SVG path data
    ("2024-01-15 10:20:30.123 v1.2.3 192.168.100.200", []),
    ("width: 1166px; height: 705px", []),
    ("img/logo@2x.png, icons@3x.WEBP, font@2x.woff2", []),   # high-density files' names
    ("avatars/jane@example.com.png", ["email"]),        # an address before the extension
    ("ref DE891120DE89DE890000", []),   # passes mod 97; a German account number is digits
])
def test_detectors(text, kinds):
    assert [f.kind for f in find(text)] == kinds


def test_an_address_named_in_a_file_is_found_without_its_extension():
    (f,) = find("avatars/jane@example.com.png")
    assert f.value == "jane@example.com" and mask("avatars/jane@example.com.png") == \
        "avatars/xxxxxxxxxxxxxxxx.png"


def test_detector_masking_and_excerpts_never_show_the_value():
    assert mask("mail jane@example.com, card 4111-1111-1111-1111.") == \
        "mail xxxxxxxxxxxxxxxx, card xxxxxxxxxxxxxxxxxxx."
    assert excerpt("email", "jane.doe@example.com") == "j***@e***.com"
    assert excerpt("card", "4111 1111 1111 1111") == "**** 1111"
    assert excerpt("phone", "+1 415 555 0100") == "***-**00"
    assert luhn_ok("79927398713") and not luhn_ok("79927398710")
