"""The privacy preview parses a page as a browser does - its mode (the recording carries the
browser's own `compatMode`; the preview and the conformance table make theirs from the HTML):
each doctype below), and what follows a void element; Debian's chromium is the oracle."""
from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from recorder.format import QUIRKS_MODE  # noqa: E402
from recorder.privacy.preview import html_to_node  # noqa: E402
from replay_tools.chromium import chromium_path  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

DOCTYPES = [
    "",                                                   # none
    "<!doctype html>",
    "<!DOCTYPE>",                                         # no name
    "<!DOCTYPE html PUBLIC>",                             # a keyword, no identifier
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">',
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN"'
    ' "http://www.w3.org/TR/html4/loose.dtd">',
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">',
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">',
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"'
    ' "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">',
    '<!DOCTYPE html SYSTEM "http://www.ibm.com/data/dtd/v11/ibmxhtml1-transitional.dtd">',
    "<!DOCTYPE svg>",                                     # another name
]


def test_the_preview_reads_each_doctype_as_chromium_does(chromium):
    page = chromium.new_page()
    try:
        for doctype in DOCTYPES:
            html = f"{doctype}<html><head><title>t</title></head><body><p>x</p></body></html>"
            page.set_content(html)
            browser = page.evaluate("document.compatMode")
            ours = html_to_node(html).get("compatMode") or "CSS1Compat"
            assert ours == browser, (doctype, ours, browser)
            assert (browser == QUIRKS_MODE) == (ours == QUIRKS_MODE)
    finally:
        page.close()


def _walk(node: dict, depth: int = 0) -> list[tuple[int, str]]:
    """(depth, tag or text) of `node`'s subtree in document order."""
    out = []
    for c in node.get("childNodes") or []:
        out.append((depth, c["tagName"] if c["type"] == 2 else f"#{c.get('textContent', '')}"))
        out += _walk(c, depth + 1)
    return out


def test_the_preview_puts_what_follows_a_void_element_where_chromium_does(chromium):
    """libxml2 knows no <wbr>, <source>, <track> or <embed> as void: it put what follows one
    inside it, and the preview drew none of it ("alpha@<wbr>example.com" showed "alpha@" - a
    privacy officer's tryout). Debian's chromium's tree is the oracle."""
    body = ("<p>write to alpha@<wbr>example.com today</p>"
            "<video><source src='a.mp4'><track src='t.vtt'>no video, <b>sorry</b></video>"
            "<div><embed src='x.swf'>after embed <i>it</i></div><p>a<br>b<img src=x.png>c</p>")
    page = chromium.new_page()
    try:
        page.set_content(f"<!doctype html><html><head></head><body>{body}</body></html>")
        browser = page.evaluate("""() => { const out = [];
            const walk = (n, d) => { for (const c of n.childNodes) {
                out.push([d, c.nodeType === 1 ? c.tagName.toLowerCase() : '#' + c.data]); walk(c, d + 1); } };
            walk(document.body, 0); return out; }""")
    finally:
        page.close()
    root = html_to_node(f"<!doctype html><html><head></head><body>{body}</body></html>")
    html_el = next(c for c in root["childNodes"] if c.get("tagName") == "html")
    ours_body = next(c for c in html_el["childNodes"] if c.get("tagName") == "body")
    assert _walk(ours_body) == [tuple(x) for x in browser]
