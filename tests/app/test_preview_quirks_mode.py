"""The privacy preview reads a page's mode as a browser parses it (the recording carries the
browser's own `compatMode`; the preview and the conformance table make theirs from the HTML):
each doctype below, parsed by Debian's chromium, is the oracle."""
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
