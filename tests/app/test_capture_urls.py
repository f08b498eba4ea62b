"""Relative URLs, recorded by capture.js, made absolute as rrweb's recorder makes them: a
replayer's document has another address (rrweb's Replayer builds the page in an about:blank
frame), so a relative image address shows nothing there, and the player finds the images a
recording stores by absolute URL. Every candidate of a srcset (an <img>'s, a <picture>
<source>'s), a video's poster, the url()s of a stylesheet against the sheet's own address (a
linked sheet's, a <style>'s, a rule a script inserts, an inline style), in the snapshot and in
later changes.

In Debian's chromium: the recorded URLs are the ones the live page resolved, and rrweb's own
Replayer, playing the recording, loads the same images the live page showed."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from replay_tools.browser_recorder import CaptureDom, Eval, PageServer, Wait  # noqa: E402
from replay_tools.chromium import chromium_path, record_page_chromium  # noqa: E402
from tests.app.test_capture_chromium import _play_in_rrweb  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>URLs</title>
<link rel="stylesheet" href="css/site.css">
<style>.bg { width: 40px; height: 20px; background-image: url(img/bg.svg); }</style></head><body>
<img id="plain" src="img/a.svg" width="40" height="20">
<img id="set" src="img/a.svg" srcset="img/a.svg 1x, img/b.svg 2x" width="40" height="20">
<picture><source id="src" media="(min-width: 1px)" srcset="img/wide.svg"><img id="pic" src="img/a.svg" width="40" height="20"></picture>
<video id="vid" width="80" height="40" poster="img/poster.svg"></video>
<div id="bg" class="bg"></div><div id="sheet" class="sheet"></div>
<div id="inline" style="width: 40px; height: 20px; background-image: url('img/c.svg')"></div>
<div id="later"></div>
<img id="tok" srcset="img/a.svg?token=s3cr3t-77 1x" width="40" height="20">
<div style="background-image: url(img/c.svg?signature=s3cr3t-78)"></div>
</body></html>"""
SHEET = ".sheet { width: 40px; height: 20px; background-image: url(../img/d.svg); }\n"
LATER = """(function () {
  var img = document.createElement('img');
  img.id = 'added'; img.width = 40; img.height = 20;
  img.srcset = 'img/f.svg 1x, img/g.svg 2x';   // (images not shown before: a cached one may be chosen)
  document.getElementById('later').appendChild(img);
  document.getElementById('vid').setAttribute('poster', 'img/a.svg');
  var sheet = document.querySelector('link').sheet;
  sheet.insertRule('.inserted { width: 40px; height: 20px; background-image: url(../img/e.svg); }', 1);
  var d = document.createElement('div'); d.id = 'inserted'; d.className = 'inserted';
  document.getElementById('later').appendChild(d);
})()"""
COLOURS = {"a": "red", "b": "green", "wide": "blue", "poster": "gray", "bg": "olive",
           "c": "teal", "d": "purple", "e": "navy",
           "f": "lime", "g": "maroon"}
# what the page showed: each image's address and whether it loaded; each box's background
SEEN = """function (d) {
    var out = {};
    Array.prototype.forEach.call(d.querySelectorAll('img:not(#tok)'), function (i) {
        out[i.id] = [i.currentSrc, i.complete && i.naturalWidth > 0];
    });
    ['bg', 'sheet', 'inline', 'inserted'].forEach(function (id) {
        var el = d.getElementById(id);
        out[id] = el ? d.defaultView.getComputedStyle(el).backgroundImage : null;
    });
    var v = d.getElementById('vid');
    out.vid = v ? v.poster : null;
    return out;
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("urls")
    (root / "img").mkdir()
    (root / "css").mkdir()
    (root / "page.html").write_text(PAGE)
    (root / "css" / "site.css").write_text(SHEET)
    for name, colour in COLOURS.items():
        (root / "img" / f"{name}.svg").write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
            f'<rect width="40" height="20" fill="{colour}"/></svg>')
    with PageServer(root) as srv:
        yield srv


def test_relative_urls_are_recorded_absolute_and_play_in_rrwebs_replayer(site, chromium):
    rec = record_page_chromium(site.url("page.html"), [
        CaptureDom("loaded"), Eval(LATER), Wait(500), Eval("(%s)(document)" % SEEN),
        CaptureDom("later")], browser=chromium, record_options={"rules": {"default": "allow"}})
    live = rec.eval_results[-1]
    base = site.base_url
    text = json.dumps(rec.events)
    # as the live page resolved them: every srcset candidate, the poster, each sheet's url()
    for stored in ('"srcset": "%simg/a.svg 1x, %simg/b.svg 2x"' % (base, base),
                   '"srcset": "%simg/wide.svg"' % base,
                   '"srcset": "%simg/f.svg 1x, %simg/g.svg 2x"' % (base, base),
                   '"poster": "%simg/poster.svg"' % base, '"poster": "%simg/a.svg"' % base,
                   'url(%simg/bg.svg)' % base,                  # a <style>'s: the page's address
                   'url(\\"%simg/d.svg\\")' % base,              # a linked sheet's: its own
                   'url(%simg/e.svg)' % base,                   # a rule inserted in it
                   "url('%simg/c.svg')" % base):                # an inline style's
        assert stored in text, stored
    assert '"img/' not in text and "(img/" not in text and "../img" not in text
    # the privacy pass sees the absolute URL: its parameters scrubbed as any URL's
    assert "s3cr3t" not in text
    assert '"srcset": "%simg/a.svg?token=*** 1x"' % base in text
    assert "url(%simg/c.svg?signature=***)" % base in text
    assert live["vid"] == base + "img/a.svg" and live["set"] == [base + "img/a.svg", True]
    # rrweb's Replayer shows the same images, from the same addresses
    played = _play_in_rrweb(chromium, rec.events, probe=SEEN, until=live)
    assert played["warnings"] == []
    assert played["probe"] == live
