"""capture.js's detectors (Debian's chromium) mask what the recorder's do, in page text and in
an attribute: each number kind's pattern runs only over a text holding that kind's hint
(capture.js's KIND_HINT), and no shape of a match is passed over for it - the French phone's
pairs, a card's URL-encoded groups, an SSN glued to its label - while an SVG icon's path (its
numbers pass the shared number hint) builds none of the patterns."""
from __future__ import annotations

import html
import json

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from recorder.privacy.detectors import mask  # noqa: E402
from tests.recorder.test_privacy_detectors import NEXT_LINE  # noqa: E402
from replay_tools.chromium import chromium_path, launch  # noqa: E402
from recorder.paths import capture_script  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

TEXTS = [
    "write to jane.doe@example.com today", "pay 4111 1111 1111 1111 now", "5555555555554444",
    "amex 3782-822463-10005", "call +1 415 555 0100", "(415) 555-0100",
    "415.555.0100 or 020 7946 0958", "01 23 45 67 89", "01.23.45.67.89", "tel 0%2023%2045%2067%2089",
    "4111 1111 1111 1112", "ts 1700000000000 id 1234567890123456", "+49 30 83251",
    "x%28415%29+555-0100", "/u/%2B1+415+555+0100", "c 4111%201111%201111%201111",
    "SSN:078-05-1120", "ssn078-05-1120", "iban de89 3704 0044 0532 0130 00",
    "charging cc4111111111111111", "card_5500005555555559", "ORD-4111111111111111",
    "acc4111111111111111 Japan4111111111111111",
    "DE89-3704-0044-0532-0130-00", "2024-01-15 10:20:30.123 v1.2.3 192.168.100.200",
    "M1152 896q0-106-75-181t-181-75-181 75-75 181", "M3 4h2l2.4 10.2a2 2 0 0 0 2 1.6h7.3",
    # odd spaces read as spaces, invisible characters as nothing (detectors._plain)
    "pay 4111\u00a01111\u00a01111\u00a01111 now", "4111\u20091111\u20091111\u20091111",
    "call +1\u202f415\u202f555\u202f0100", "write to jane\u200b@example.com or ja\u00adne@exa\u2060mple.com",
    "id\ufeff4111111111111111", "iban DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000",
    "call 415\u2011555\u20110100", "ssn 078\u201105\u20111120", "4111\u30001111\u30001111\u30001111",
    "jane\u200e@example.com", "4111\u200a1111\u20021111\u20621111", "Prix\u00a0: 12\u00a0\u20ac",
    "call 415\u2066-\u2069555-0100", "call +1 415-555 010\u061c0",
    # HTML's white space between a number's groups read as the one space it shows (_plain)
    "Card 4111\n    1111\n    1111\n    1111", "call 415\t555\n  0100", "4111  1111  1111  1111",
    "iban DE89\n 3704 0044\u00a0\n0532 0130 00", "x\u200b 4111 \u200b\n 1111 1111 1111",
    "Items 12345\n  6789", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10",
    # ... and as JSON escapes it (a console argument is JSON text)
    "\"Card:\\n4111111111111111\"", "\"Mail:\\njane@example.com\"", "\"c 4111\\n1111\\n1111\\n1111\"",
    "\"Tel:\\t020 7946 0958\"", "C:\\new\\test 12345678",
    # a line read apart and the lines read as shown: each finds what the other may not
    *(text for text, _ in NEXT_LINE), "CORP\\nancy.smith@example.com",
    "DE89 3704 0044 0532 0130 00.x@y.co",   # (an IBAN and an address that overlap: the address)
]
SVG_PATH = "M3 4h2l2.4 10.2a2 2 0 0 0 2 1.6h7.3a2 2 0 0 0 1.9-1.4L21 8H6.2"


def _recorded(browser, body: str) -> tuple[int, dict]:
    """(RegExps the page built while capture.js recorded it, its full snapshot's node), in a
    page of its own (capture.js builds its detectors' patterns once per page, at the first
    text that may hold a match)."""
    page = browser.new_page()
    try:
        page.set_content(f"<!doctype html><html><body>{body}</body></html>")
        page.evaluate("""() => { window.__built = 0; const R = window.RegExp;
            window.RegExp = new Proxy(R, {construct(t, a) { window.__built++; return new t(...a); }}); }""")
        page.add_script_tag(content=capture_script())
        return page.evaluate("""() => { const out = []; window.__built = 0;
            const stop = ReplayCapture.record({emit: e => out.push(e), rules: {default: 'allow'}, plugins: []});
            stop(); return [window.__built, out.find(e => e.type === 2).data.node]; }""")
    finally:
        page.close()


def _find(node: dict, tag: str) -> list[dict]:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        if n.get("tagName") == tag:
            out.append(n)
        stack.extend(reversed(n.get("childNodes") or []))
    return out


def test_capture_js_masks_numbers_as_the_recorder_and_builds_no_pattern_for_an_icon():
    from playwright.sync_api import sync_playwright
    icon = f'<svg viewBox="0 0 24 24"><path d="{SVG_PATH}"/></svg>'
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            none, _ = _recorded(browser, "<p>Cart</p>")
            icon_built, icon_node = _recorded(browser, icon)
            phone_built, _ = _recorded(browser, "<p>call 020 7946 0958</p>")
            _, node = _recorded(browser, icon + "".join(f"<p>{html.escape(t)}</p>" for t in TEXTS))
        finally:
            browser.close()
    assert phone_built > none       # (what is counted: a text that may hold a phone builds them)
    assert icon_built == none       # an icon's path builds none of the number patterns
    assert [p["attributes"]["d"] for p in _find(icon_node, "path")] == [SVG_PATH]
    texts = [p["childNodes"][0]["textContent"] for p in _find(node, "p")]
    assert texts == [mask(t) for t in TEXTS], json.dumps(list(zip(TEXTS, texts)), indent=1)
