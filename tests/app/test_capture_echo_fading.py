"""capture.js's echo scrubbing, keystroke by keystroke (recorder/privacy/echoes.py's rule, in
the page): a value on the way to what a field ends with counts while the typing goes on - the
results a debounced search shows for "checkout" are masked - and for ECHO_FADE_MS after a later
keystroke superseded it; then the page's own words are recorded again ("Checkout" in the next
heading, `checkout.html` in a log). What the field holds stays masked for the whole visit.
Real key events in Debian's chromium; the page's clock (`Date.now`, which capture.js reads)
is moved on rather than waited for."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from replay_tools.chromium import capture_script, capturing_page, chromium_path  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

PAGE = """<!doctype html><html><body>
<input id="search" type="text"><input id="code" type="text">
<p id="out">nothing yet</p><p id="more">-</p>
</body></html>"""
FADE_MS = 10_000   # capture.js's ECHO_FADE_MS


TEXT_CHANGES = "() => window.__out.filter(e => e.type === 3 && e.data.source === 0 && e.data.texts.length).length"


def _show(page, text: str, where: str = "#out") -> None:
    """The page writes `text`; capture.js has recorded it before this returns (its text
    change, not any event: a keystroke's input event recorded meanwhile ended the wait
    before the last change was in, once, on a loaded machine)."""
    n = page.evaluate(TEXT_CHANGES)
    page.evaluate("([w, t]) => { document.querySelector(w).textContent = t; }", [where, text])
    page.wait_for_function(f"n => ({TEXT_CHANGES})() > n", arg=n, timeout=5000)


def _later(page, ms: int) -> None:
    page.evaluate("""ms => { const now = Date.now; Date.now = () => now.call(Date) + ms; }""", ms)


def _recorded_texts(page) -> str:
    return json.dumps(page.evaluate("""() => window.__out.filter(e => e.type === 3 && e.data.source === 0)
                                         .map(e => e.data.texts.map(t => t.value))"""))


def test_a_keystrokes_value_counts_while_typing_then_fades_what_the_field_holds_never(chromium):
    ctx = chromium.new_context()
    try:
        page = capturing_page(ctx, PAGE)
        page.click("#search")
        page.keyboard.type("checkout")
        page.wait_for_timeout(50)
        _show(page, "Results for checkout")            # the debounced search's results
        page.keyboard.type(" help")
        _show(page, "Still results for checkout", "#more")   # within the fade
        _later(page, FADE_MS + 1_000)
        _show(page, "Checkout")                        # the next heading: the page's own word
        _show(page, "Searched: checkout help", "#more")
        _show(page, "/search/checkout-help")           # a slug of it (echoes.py's forms)
        page.click("#code")
        page.keyboard.type("SPRING10X")
        page.keyboard.press("Backspace")               # erased back: the field holds SPRING10
        _later(page, 3 * FADE_MS)
        _show(page, "SPRING10 applied, not SPRING10X, nor SPRING1")
        inputs = page.evaluate("() => window.__out.filter(e => e.type === 3 && e.data.source === 5).length")
        texts = _recorded_texts(page)
    finally:
        ctx.close()
    assert inputs >= len("checkout help"), inputs       # the premise: typed key by key
    for shown in ("Results for ***", "Still results for ***", '"Checkout"', "Searched: ***", "/search/***",
                  "*** applied, not ***, nor SPRING1"):
        assert shown in texts, (shown, texts)
    assert "checkout help" not in texts and "SPRING10" not in texts


def test_a_value_erased_back_to_then_replaced_stays_masked(chromium):
    """"johnsmith1" corrected to "johnsmith", then the field given another name: "johnsmith"
    is a value the field was cleared of - masked for the whole visit."""
    ctx = chromium.new_context()
    try:
        page = capturing_page(ctx, PAGE)
        page.click("#code")
        page.keyboard.type("johnsmith1")
        page.keyboard.press("Backspace")
        page.keyboard.press("Control+A")
        page.keyboard.type("mary")
        _later(page, 3 * FADE_MS)
        _show(page, "Welcome johnsmith")
        texts = _recorded_texts(page)
    finally:
        ctx.close()
    assert "Welcome ***" in texts and "johnsmith" not in texts, texts


def test_a_plugin_payloads_keys_that_are_the_pages_data_lose_an_echo_in_the_page(chromium):
    """As the recorder's pass does (strings._plugin_data_key): a value typed into a field,
    then a key of a RUM payload's custom attributes (`context`) or feature flags, or any key
    of a plugin of the page's own, is masked before it leaves the page; a RUM field's own
    name stays."""
    value = "Vortigaunt-5523"
    ctx = chromium.new_context()
    try:
        page = ctx.new_page()
        page.set_content(PAGE)
        page.add_script_tag(content=capture_script())
        page.evaluate("""() => {
            window.__out = []; window.__emit = {};
            const plugin = name => ({name, options: {},
                                     observer: cb => { window.__emit[name] = cb; return () => {}; }});
            ReplayCapture.record({emit: e => window.__out.push(e),
                                  plugins: [plugin("replay/rum@1"), plugin("acme/thing@1")]});
        }""")
        page.click("#code")
        page.keyboard.type(value)
        page.evaluate("""v => {
            window.__emit["replay/rum@1"]({type: "action", context: {query: v, [v]: true,
                                           nested: {[v]: [1]}}, feature_flags: {[v]: "on"}});
            window.__emit["acme/thing@1"]({k: 1, [v]: [2]});
        }""", value)
        got = page.evaluate("() => window.__out.filter(e => e.type === 6).map(e => e.data)")
    finally:
        ctx.close()
    rum = next(d["payload"] for d in got if d["plugin"] == "replay/rum@1")
    own = next(d["payload"] for d in got if d["plugin"] == "acme/thing@1")
    assert value not in json.dumps(got)
    assert rum["context"] == {"query": "***", "***": True, "nested": {"***": [1]}}, rum
    assert rum["feature_flags"] == {"***": "on"} and own == {"k": 1, "***": [2]}
