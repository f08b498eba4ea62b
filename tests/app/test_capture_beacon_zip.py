"""A visit's last events go by sendBeacon compressed: capture.js deflates the beacon's body on
the page's thread (never against the intake's shared dictionary, even when its worker uses one:
a beacon refused for a dictionary removed meanwhile would be lost) and says so in the URL
(`&encoding=deflate`: sendBeacon sets no header), and `replay serve` stores them. In Debian's
chromium, against a real `replay serve`: one visit hidden with no dictionary yet, one navigated
away from once the application has a dictionary."""
from __future__ import annotations

import json
import time

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from recorder.intake.dictionary import MIN_SESSIONS  # noqa: E402
from replay_tools.chromium import chromium_path  # noqa: E402
from replay_tools.intake import post_batch, replay_cli  # noqa: E402
from tests.app.capture_site import capture_site  # noqa: E402
from tests.app.capture_site import FIRST_SENT  # noqa: E402
from tests.app.test_capture_big_changes import HIDDEN, _stored  # noqa: E402
from tests.app.test_serve_dictionary import compact_body, page as dictionary_page  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

# each beacon's URL and its body's first bytes (a zlib header: CMF, FLG, DICTID) are written to
# localStorage as it goes, for the next page to read; a click on #bye is the visit's last event
PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>Acme</title>
<script>
  var RealBlob = window.Blob, head = null;
  window.Blob = function (parts, opts) {
    head = parts && parts[0] instanceof Uint8Array ? Array.from(parts[0].subarray(0, 6)) : null;
    return new RealBlob(parts, opts);
  };
  window.Blob.prototype = RealBlob.prototype;
  var realBeacon = navigator.sendBeacon.bind(navigator);
  navigator.sendBeacon = function (url, body) {
    var sent = JSON.parse(localStorage.getItem("beacons") || "[]");
    sent.push({url: url, head: head, size: body.size});
    localStorage.setItem("beacons", JSON.stringify(sent));
    return realBeacon(url, body);
  };
</script>
<script src="capture.js"></script>
<script>ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s",
                            rules: {"default": "allow", "detectors": []}%(extra)s});</script>
</head><body><nav class="topbar"><a href="#new">New in</a> <a href="#office">Office</a></nav>
<section class="grid"><div class="card">Desk lamp, brass</div><div class="card">Stoneware mug</div>
<div class="card">Linen throw, oat</div><div class="card">Walnut tray</div></section>
<button id="bye">leave</button><p id="out"></p><a id="next" href="next.html">next</a>
<script>
  document.getElementById("bye").onclick = function () {
    var h = "<h2>Goodbye, " + location.hash.slice(1) + "</h2>";
    for (var i = 0; i < 40; i++) h += "<p class='line'>recommended for you: item " + i + "</p>";
    document.getElementById("out").innerHTML = h;
  };
</script></body></html>"""
NEXT = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>
<body><script>window.beacons = JSON.parse(localStorage.getItem("beacons") || "[]");</script></body></html>"""


def _site_pages(cs, extra: str = "") -> str:
    (cs.root / "index.html").write_text(PAGE % {"intake": cs.intake.url, "app": cs.app,
                                                "token": cs.token, "extra": extra})
    (cs.root / "next.html").write_text(NEXT)
    return cs.pages.url("index.html")


def test_a_hidden_pages_last_events_go_compressed_without_a_dictionary(tmp_path, chromium):
    with capture_site(tmp_path, "acme") as cs:
        url = _site_pages(cs)
        ctx = chromium.new_context()
        try:
            page = ctx.new_page()
            page.goto(url + "#visitor-a")
            page.wait_for_function(FIRST_SENT, polling=100, timeout=20_000)
            page.click("#bye")   # queued: a quiet page's events wait for a later flush
            queued = page.evaluate("ReplayCapture.status()")
            page.evaluate(HIDDEN)
            status = page.evaluate("ReplayCapture.status()")
            sent = page.evaluate("JSON.parse(localStorage.getItem('beacons'))")
            # stored before the browser goes (closed at once, it may drop a beacon not yet sent)
            text = _stored(cs.intake, status["session_id"], "Goodbye, visitor-a", "item 39")
        finally:
            ctx.close()
        assert queued["beacons"] == 0 and queued["dictionary"] is None
        assert status["beacons"] == status["beacons_zipped"] == len(sent) == 1, status
        assert all("&encoding=deflate" in s["url"] for s in sent)
        head = sent[0]["head"]
        assert head[0] == 0x78 and not head[1] & 0x20   # a zlib stream, no preset dictionary
        assert status["beacon_bytes"] == sent[0]["size"] < status["beacon_chars"] / 2, status
        assert "Goodbye, visitor-a" in text and "item 39" in text
        assert "bad_encoding" not in cs.intake.log()


def test_a_left_pages_last_events_go_compressed_but_not_against_the_shared_dictionary(
        tmp_path, chromium):
    with capture_site(tmp_path, "acme") as cs:
        url = _site_pages(cs)
        # earlier visitors' sessions (posted, not visited: cheaper), then the dictionary
        t0 = int(time.time() * 1000) - 60_000
        origin = cs.pages.base_url.rstrip("/")
        for k in range(MIN_SESSIONS):   # sessions that visited the site's front page: made of it
            status, answer = post_batch(cs.intake.url, cs.app, cs.token, None, origin=origin,
                                        raw=compact_body(f"visit-{k}", dictionary_page(
                                            f"Hello, visitor {k}", t0 + k, origin + "/")))
            assert status == 202, answer
        replay_cli(cs.intake.data, "app", "dictionary", "acme", "--on")
        built = replay_cli(cs.intake.data, "app", "dictionary", "acme", "--rebuild")
        assert built.returncode == 0 and "shared dictionary" in built.stdout, built.stdout

        ctx = chromium.new_context()
        try:
            page = ctx.new_page()
            page.goto(url + "#visitor-b")
            page.wait_for_function(FIRST_SENT, polling=100, timeout=20_000)
            dict_id = page.wait_for_function("ReplayCapture.status().dictionary", polling=100,
                                             timeout=20_000).json_value()
            sid = page.evaluate("ReplayCapture.status().session_id")
            page.click("#bye")
            page.click("#next")   # pagehide: the beacon
            page.wait_for_function("window.beacons", timeout=10_000)
            sent = page.evaluate("window.beacons")
            text = _stored(cs.intake, sid, "Goodbye, visitor-b", "item 39")   # (as above)
        finally:
            ctx.close()
        assert len(sent) == 1 and "&encoding=deflate" in sent[0]["url"], sent
        head = sent[0]["head"]
        assert dict_id   # the worker compresses its requests against one...
        assert head[0] == 0x78 and not head[1] & 0x20, head   # ... the beacon not (no FDICT)
        assert "Goodbye, visitor-b" in text and "item 39" in text
        log = cs.intake.log()
        assert "unknown_dictionary" not in log and "bad_encoding" not in log
        assert json.loads(replay_cli(cs.intake.data, "sessions", "--json").stdout)
