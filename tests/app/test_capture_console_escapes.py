"""A console argument is JSON text (rrweb's console plugin, and capture.js's, record
`JSON.stringify(arg)`): a line break or a tab in it is `\\n` or `\\t` there. Read as a letter,
the `n` glued the value after it to a word - a card number or a phone at the start of a line
stayed in clear, an address was masked with the `n` and the argument no longer decoded. Both
recorders read JSON's escaped white space as white space (detectors._plain, capture.js's
plainText): capture.js in chromium records each line as the recorder's pass masks it, no value
is left, and every argument still decodes to the text logged, the value masked."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from recorder.paths import capture_script  # noqa: E402
from recorder.privacy import load_rules, masker_factory  # noqa: E402
from replay_tools.chromium import chromium_path  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

LINES = ["Card:\n4111111111111111", "Mail:\njane.doe@example.com", "Tel:\n+44 20 7946 0958",
         "Tel:\t020 7946 0958", "Card\n  4111\n  1111\n  1111\n  1111", "ssn\n078-05-1120"]
VALUES = ["4111111111111111", "jane.doe", "example.com", "7946", "0958", "4111", "078-05"]


def _logged(browser) -> list[list[str]]:
    page = browser.new_page()
    try:
        page.set_content("<!doctype html><html><body><p>console</p></body></html>")
        page.add_script_tag(content=capture_script())
        return page.evaluate("""lines => { const out = [];
            const stop = ReplayCapture.record({emit: e => out.push(e), rules: {default: 'allow'}});
            lines.forEach(l => console.log(l)); stop();
            return out.filter(e => e.type === 6 && e.data.plugin === 'rrweb/console@1')
                      .map(e => e.data.payload.payload); }""", LINES)
    finally:
        page.close()


def test_console_lines_are_masked_alike_by_both_recorders_and_still_decode(chromium):
    captured = _logged(chromium)
    masker = masker_factory(load_rules(None, None))()
    ours = []
    for line in LINES:
        e = {"type": 6, "timestamp": 1, "data": {"plugin": "rrweb/console@1", "payload": {
            "level": "log", "payload": [json.dumps(line)], "trace": []}}}
        ours.append(masker.mask_event(e, None)["data"]["payload"]["payload"])
    assert captured == ours, json.dumps(list(zip(captured, ours)), indent=1)
    for line, (arg,) in zip(LINES, captured):
        text = json.loads(arg)
        assert not any(v in text for v in VALUES), text
        # the line's words and white space as logged; only the value's characters are x
        assert len(text) == len(line) and all(
            b == "x" and not a.isspace() for a, b in zip(line, text) if a != b), (line, text)


# A privacy officer's finds: a credential at the start of a logged string (`"token=..."`, the
# argument's JSON quote before it), in brackets or after a comma, and in a logged object's
# member, stayed in clear; a `[console] redact` pattern anchored with `^` or `$` never matched
# a console argument (its quotes were the text's ends). Both recorders mask them alike.
CREDENTIAL_LINES = [
    "token=TOKENAAA111 at start", "Password=UPPERPW777", "(token=PARENTOK1)",
    "cfg,api_key=COMMAKEY2", "key:secret=COLONSEC3", "login password=Hunter2xyzPW",
    {"token": "OBJTOK999", "n": 1}, {"password": 'PW"OBJQ'}, '{"token":"STRINGIFIED4"}',
    "INTERNAL-12345 failure", "failure for CUST-98765", "mytoken=KEPT1 data-token=KEPT2",
    "error code=500",
    # a reviewer's: an escaped quote inside an object logged as JSON text, JSON's white space
    # before the colon, an error's own "code" (kept), half an emoji after a redaction
    '{"password":"pa\\"ssWORDQ9","n":2}', '{"token"\t:"TABTOKEN8"}', {"code": "ECONNREFUSED"},
    "INTERNAL-77 \ud800",
    # a one-time code logged as a number, in an object and in JSON text (stored in clear)
    {"otp": 864209, "n": 3}, '{"OTP": -97531.5e2}',
    '{"otp":\u0663\u0663}',   # (Arabic-Indic digits: no JSON number, left alike by both)
    # white space as Python's str.isspace() says ends a value in both (JavaScript's \s ended
    # it at U+FEFF, and not at U+0085)
    "token=WSA1\x85WSB1 end", "token=WSC1\ufeffWSD1 end",
    # ... an argument cut at its 1,000 characters in the middle of a password (both recorders
    # cut it so; the value's start was left)
    {"note": "n" * 967, "password": "hunter2secretPW"}]
CREDENTIALS = ["TOKENAAA111", "UPPERPW777", "PARENTOK1", "COMMAKEY2", "COLONSEC3", "Hunter2xyz",
               "OBJTOK999", "OBJQ", "STRINGIFIED4", "12345", "98765", "ssWORDQ9", "TABTOKEN8",
               "INTERNAL-77", "hunter2", "864209", "97531", "WSA1", "WSC1", "WSD1"]
REDACT = ["^INTERNAL-\\d+", "CUST-\\d+$"]


def test_credentials_and_anchored_redactions_in_console_lines_are_masked_by_both(chromium):
    from recorder.privacy.rules import Rules, parse_rules
    rules = parse_rules('[console]\nredact = ["^INTERNAL-\\\\d+", "CUST-\\\\d+$"]')
    assert rules.console_redact == tuple(REDACT) and \
        rules.scrub_query_params == Rules.default().scrub_query_params
    page = chromium.new_page()
    try:
        page.set_content("<!doctype html><html><body><p>console</p></body></html>")
        page.add_script_tag(content=capture_script())
        captured = page.evaluate("""([lines, rules]) => { const out = [];
            const stop = ReplayCapture.record({emit: e => out.push(e), rules: rules});
            lines.forEach(l => console.log(l)); stop();
            return out.filter(e => e.type === 6 && e.data.plugin === 'rrweb/console@1')
                      .map(e => e.data.payload.payload); }""", [CREDENTIAL_LINES, rules.to_json()])
    finally:
        page.close()
    masker = masker_factory(rules)()
    ours = []
    for line in CREDENTIAL_LINES:   # as the console plugins record an argument: JSON text,
        arg = json.dumps(line, separators=(",", ":"), ensure_ascii=False)   # cut at 1,000
        arg = arg if len(arg) <= 1000 else arg[:1000] + "..."   # (capture.js's ARG_MAX_CHARS)
        e = {"type": 6, "timestamp": 1, "data": {"plugin": "rrweb/console@1", "payload": {
            "level": "log", "payload": [arg], "trace": []}}}
        ours.append(masker.mask_event(e, None)["data"]["payload"]["payload"])
    assert captured == ours, json.dumps(list(zip(captured, ours)), indent=1)
    said = json.dumps(captured)
    assert not [v for v in CREDENTIALS if v in said], said
    # other names and a status code's own word stay; every argument still decodes
    assert "KEPT1" in said and "KEPT2" in said, said
    texts = [json.loads(arg) for (arg,) in captured[:-1]]   # (the last was cut: no JSON)
    assert captured[-1][0].endswith('"password":"***'), captured[-1]
    assert texts[0] == "token=*** at start" and texts[2] == "(token=***)", texts
    assert texts[6] == {"token": "***", "n": 1} and texts[7] == {"password": "***"}, texts
    assert texts[9] == "*** failure" and texts[10] == "failure for ***", texts
    assert json.loads(texts[13]) == {"password": "***", "n": 2}, texts   # (still its JSON)
    assert texts[15] == {"code": "ECONNREFUSED"} and texts[16] == "*** \ud800", texts
    assert texts[17] == {"otp": "***", "n": 3} and json.loads(texts[18]) == {"OTP": "***"}, texts
    assert texts[19] == '{"otp":\u0663\u0663}', texts
