"""What a support engineer replaying a session saw wrong, in Debian's chromium against a real
`replay serve`, each visit's replay painted by `replay screenshot`:

- a visitor in dark mode (Playwright's `color_scheme="dark"` emulation) was replayed light:
  the page's `@media (prefers-color-scheme: dark)` rules - in a `<style>`, a `<link media>`'d
  sheet, a rule the page inserted later through the CSSOM - and its `<meta name=color-scheme>`
  followed the machine replaying. capture.js now records the visitor's answers in the Meta
  event (recorder.media), and the replay gives them.

One browser, one intake for the module (each test's visit in a context of its own)."""
from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from PIL import Image  # noqa: E402

from replay_tools.chromium import chromium_path  # noqa: E402
from replay_tools.intake import replay_cli, stored_events  # noqa: E402
from tests.app.capture_site import capture_site  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

HEAD = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>%(name)s</title><script src="capture.js"></script>
<script>ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s",
  flushMs: 100});</script>"""
# the colours each part of the page takes for a visitor in dark mode (light: the page's own)
DARK_PAGE = HEAD + """<meta name="color-scheme" content="light dark">
<style>div{position:absolute;left:0;width:120px;height:40px}
#box{top:0;background:rgb(250,250,250)} #strip{top:40px} #later{top:80px}
@media (prefers-color-scheme: dark){#box{background:rgb(200,30,40)}}</style>
<link rel="stylesheet" media="(prefers-color-scheme: dark)" href="dark.css">
<style id="cssom"></style></head>
<body><div id="box"></div><div id="strip"></div><div id="later"></div></body></html>"""
DARK_CSS = "#strip{background:rgb(30,160,60)}"
INSERT = ("document.getElementById('cssom').sheet.insertRule("
          "'@media (prefers-color-scheme: dark){#later{background:rgb(40,50,200)}}', 0)")
# [x, y] inside each part, and the colour it has for the dark visitor
DARK_AT = {"box": ((60, 20), (200, 30, 40)), "strip": ((60, 60), (30, 160, 60)),
           "later": ((60, 100), (40, 50, 200))}
CANVAS_AT = (300, 200)   # nothing there but the page's canvas: dark by its color-scheme
VIEWPORT = {"width": 400, "height": 300}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fidelity")
    with capture_site(tmp, "fidelity") as cs:
        keys = {"intake": cs.intake.url, "app": cs.app, "token": cs.token}
        (cs.root / "dark.html").write_text(DARK_PAGE % {"name": "dark", **keys})
        (cs.root / "dark.css").write_text(DARK_CSS)
        yield cs


def _visit(chromium, site, page_name: str, script: str | None = None, **context) -> str:
    """Visit a page (then run `script` in it), every event sent and stored; the session."""
    ctx = chromium.new_context(viewport=VIEWPORT, **context)
    try:
        page = ctx.new_page()
        page.goto(site.pages.url(page_name))
        page.wait_for_function("(s => s && s.acked > 0)(ReplayCapture.status())", polling=100,
                               timeout=20_000)
        if script:
            page.evaluate(script)
        page.wait_for_timeout(300)
        page.evaluate("ReplayCapture.flush(), 0")
        page.wait_for_function("(s => s.idle && s.acked === s.queued)(ReplayCapture.status())",
                               polling=100, timeout=20_000)
        sid = page.evaluate("ReplayCapture.status().session_id")
        queued = page.evaluate("ReplayCapture.status().queued")
    finally:
        ctx.close()
    stored_events(site.intake.data, sid, queued)
    return sid


def _screenshot(site, sid: str, tmp_path, name: str) -> Image.Image:
    shot = tmp_path / f"{name}.png"
    done = replay_cli(site.intake.data, "screenshot", sid, "--at", "end", "-o", shot,
                      "--no-cursor")
    assert done.returncode == 0 and shot.exists(), done.stderr
    return Image.open(shot).convert("RGB")


def _near(c, want, tol=12) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(c, want))


def test_a_dark_mode_visitor_is_replayed_dark(chromium, site, tmp_path):
    sid = _visit(chromium, site, "dark.html", INSERT, color_scheme="dark")
    with_events = stored_events(site.intake.data, sid, 1)
    meta = next(e for e in with_events if e["type"] == 4)
    assert meta["data"]["mediaFeatures"]["prefers-color-scheme"] == "dark"
    img = _screenshot(site, sid, tmp_path, "dark")
    for part, (xy, want) in DARK_AT.items():
        assert _near(img.getpixel(xy), want), (part, img.getpixel(xy))
    canvas = img.getpixel(CANVAS_AT)
    assert max(canvas) < 64, canvas   # the dark scheme's canvas, not white
