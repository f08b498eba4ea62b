"""Stylesheets pulled in with @import, recorded by capture.js: the player fetches nothing, so
an imported sheet must travel inside the sheet that imports it (rrweb's recorder inlines them
too). Each import is inlined in place, recursively, in a block that keeps its conditions
(media, layer, supports); one capture.js cannot read (another origin's) stays an @import with
an absolute URL; the URLs in an imported sheet are absolute against that sheet's own address.

In a real browser (QtWebEngine, page JavaScript on): the replay looks as the live page did
(pixels) and rebuilds as its DOM; CSSOM edits inside an imported sheet land on the same rule."""
from __future__ import annotations

import json
from pathlib import Path

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
import pytest

from player.qt.standalone import FramePainter
from player.replayer import Replayer
from replay_tools.browser_recorder import CaptureDom, Eval, PageServer, Wait, record_page
from tests.player.test_fidelity_live import assert_replay_looks_live
from tests.player.test_rebuild_live_dom import _moment

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Imports</title>
<link rel="stylesheet" href="css/main.css">
<style>@import url("css/inline.css") screen; .inline { padding: 4px; }</style></head><body>
<header class="bar">a background from a variable an imported sheet defines</header>
<div class="w">a width from an imported variable</div>
<p class="print">red only when printed (an import for print)</p>
<p class="layered">blue: a layered import's stronger rule loses to the page's own</p>
<p class="grid">an import under supports() and a media query</p>
<p class="deep">imported by an imported sheet</p>
<div class="dot">a background image by a URL relative to its own sheet</div>
<p class="edited">edited in the imported sheet by CSSOM</p>
<p class="inline">a &lt;style&gt; element's import</p>
</body></html>"""
# every colour as Chromium serializes it: the live sheets' text compares as text
MAIN = """@layer base, site;
@import url("parts/vars.css");
@import "parts/print.css" print;
@import url(parts/layered.css) layer(base);
@import url("parts/grid.css") supports(display: grid) screen;
@import url("parts/nogrid.css") supports(display: no-such-display);
@import url("%(far)sfar.css");
body { font: 16px sans-serif; background: var(--bg); margin: 8px; }
.bar { background: var(--accent); color: rgb(255, 255, 255); padding: 8px; }
.w { width: calc(100%% - 2 * var(--pad)); background: rgb(255, 221, 0); height: 20px; }
.layered { color: rgb(0, 0, 200); }
"""
PARTS = {
    "vars.css": '@import url("deep/more.css");\n'
                ":root { --bg: rgb(238, 238, 255); --accent: rgb(106, 27, 154); --pad: 100px; }\n"
                ".dot { width: 120px; height: 30px; background: rgb(0, 128, 0) url(img/dot.svg); }\n"
                ".edited { color: rgb(0, 0, 0); }\n",
    "print.css": ".print { background: rgb(255, 0, 0); }\n",
    "layered.css": "p.layered.layered { color: rgb(0, 150, 0); font-weight: bold; }\n",
    "grid.css": ".grid { display: grid; background: rgb(220, 220, 255); }\n",
    "nogrid.css": ".grid { background: rgb(255, 0, 0); }\n",
    "deep/more.css": ".deep { color: rgb(200, 0, 0); border-left: 6px solid rgb(200, 0, 0); }\n",
}
DOT = ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       '<rect width="10" height="10" fill="rgb(0,128,0)"/></svg>')
# the imported sheet that holds .edited: vars.css, the first import (main.css's rule 1)
EDIT = ("(function () { var vars = document.styleSheets[0].cssRules[1].styleSheet;"
        " vars.insertRule('.edited { color: rgb(0, 120, 200); font-weight: bold; }', vars.cssRules.length);"
        " vars.cssRules[1].style.setProperty('--pad', '60px'); })()")


@pytest.fixture
def site(tmp_path):
    """The page and its sheets; another origin's server holds far.css (no CORS: unreadable)."""
    root, far = tmp_path / "site", tmp_path / "far"
    (root / "css" / "parts" / "deep").mkdir(parents=True)
    (root / "css" / "parts" / "img").mkdir()
    far.mkdir()
    (far / "far.css").write_text(".nowhere { color: rgb(1, 2, 3); }\n")
    with PageServer(root) as srv, PageServer(far) as other:
        (root / "page.html").write_text(PAGE)
        (root / "css" / "main.css").write_text(MAIN % {"far": other.base_url})
        (root / "css" / "inline.css").write_text(".inline { background: rgb(255, 200, 150); }\n")
        for name, text in PARTS.items():
            (root / "css" / "parts" / name).write_text(text)
        (root / "css" / "parts" / "img" / "dot.svg").write_text(DOT)
        yield srv, other


def _link_css(events: list[dict]) -> str:
    """The <link>'s text as last sent: in the snapshot, or once it (and its imports) loaded."""
    stack, link = [events[1]["data"]["node"]], None
    while stack and link is None:
        n = stack.pop()
        link = n if n.get("tagName") == "link" else None
        stack.extend(n.get("childNodes", ()))
    css = link["attributes"].get("_cssText")
    for e in events:
        if e["type"] == 3 and e["data"]["source"] == 0:
            for a in e["data"]["attributes"]:
                if a["id"] == link["id"] and "_cssText" in a["attributes"]:
                    css = a["attributes"]["_cssText"]
    return css


def test_imported_sheets_are_inlined_with_their_conditions(qapp, site, tmp_path):
    srv, other = site
    rec = record_page(srv.url("page.html"), [CaptureDom("loaded")], recorder="capture",
                      record_options={"rules": {"default": "allow"}})
    css = _link_css(rec.events)
    # the readable imports are inlined, in order, each as one rule keeping its conditions
    assert "--accent: rgb(106, 27, 154)" in css and ".deep {" in css
    assert "@import" not in css.replace('@import url("%sfar.css")' % other.base_url, "")
    assert "@media all{@media all{.deep" in css   # vars.css, and the sheet it imports
    assert "@media print{.print" in css
    assert "@layer base{p.layered.layered" in css
    assert "@media screen{@supports (display: grid){.grid" in css
    assert "no-such-display" not in css   # (the browser drops an import it does not support)
    # the one another origin holds stays an @import, absolute, where an @import is valid
    assert css.index('@import url("%sfar.css");' % other.base_url) < css.index("@media all{")
    # a URL in an imported sheet is absolute against that sheet's address, not the page's
    assert 'url("%scss/parts/img/dot.svg")' % srv.base_url in css
    # a <style> element's imports are inlined into its text
    style = [e for e in rec.events if "rgb(255, 200, 150)" in json.dumps(e)]
    assert style and "@media screen{.inline { background: rgb(255, 200, 150); }}" in json.dumps(style[-1])
    assert not Replayer(rec.events).warnings
    assert_replay_looks_live(rec, tmp_path)


def test_cssom_edits_inside_an_imported_sheet_land_on_its_rules(qapp, site, tmp_path):
    """A rule inserted into an imported sheet, and a declaration set in it, go by the path of
    the block the import is recorded as - and the replay shows them as the page did."""
    srv, _ = site
    rec = record_page(srv.url("page.html"), [
        CaptureDom("loaded"), Eval(EDIT), Wait(300), CaptureDom("edited")],
        recorder="capture", record_options={"rules": {"default": "allow"}})
    edits = [e["data"] for e in rec.events if e["type"] == 3 and e["data"]["source"] in (8, 13)]
    # main.css's rule 2 as recorded (after @layer and the kept @import; 1 in the page) is
    # vars.css's block
    assert [d["adds"][0]["index"] if "adds" in d else d["index"] for d in edits] == [[2, 4], [2, 1]], edits
    painter = FramePainter(rec.events, cursor=False)
    try:
        painter.frame(_moment(rec.events, rec.snapshot("edited")))
        got = painter.widget.bridge.call_sync(
            "(function () { var e = document.querySelector('.edited'), w = document.querySelector('.w');"
            " return [getComputedStyle(e).color, getComputedStyle(e).fontWeight,"
            " Math.round(w.getBoundingClientRect().width)]; })()")
    finally:
        painter.close()
    live_width = json.loads(json.dumps(rec.snapshot("edited").width)) - 16 - 120
    assert got == ["rgb(0, 120, 200)", "700", live_width]
