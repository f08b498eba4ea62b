"""The RUM plugin's click action names its element by a short selector (Datadog's form): up to
four elements from the clicked one up, each its tag and its first two classes, stopping at an
element with an id (`tag#id`). Read without an array per element (the click handler runs on
every click of every recorded page): the same selectors. In Debian's chromium."""
from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from replay_tools.chromium import capturing_page, chromium_path  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

PAGE = """<!doctype html><html><body>
<section id="s"><div class="a b c"><p class="x"><span class="only" id="" style="display:block">one</span></p></div></section>
<main><div><ul class="l1 l2 l3"><li><b class="k  k2" style="display:block">deep</b></li></ul></div></main>
<i class="solo" style="display:block">plain</i>
</body></html>"""


def test_a_click_actions_selector_has_four_elements_their_first_two_classes_and_stops_at_an_id(chromium):
    ctx = chromium.new_context()
    try:
        page = capturing_page(ctx, PAGE)
        for sel in (".only", ".k", ".solo"):
            page.click(sel)
            page.wait_for_timeout(100)   # apart: three clicks, not one rage click
            page.mouse.move(0, 0)
        page.wait_for_function("""() => window.__out.filter(e => e.type === 6 && e.data.payload.type === 'action')
                                  .length === 3""", timeout=5000)
        actions = page.evaluate("""() => window.__out.filter(e => e.type === 6 && e.data.payload.type === 'action')
                                   .map(e => e.data.payload.action.target)""")
    finally:
        ctx.close()
    assert [a["selector"] for a in actions] == [
        "section#s > div.a.b > p.x > span.only", "div > ul.l1.l2 > li > b.k.k2", "html > body > i.solo"], actions
