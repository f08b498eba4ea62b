"""What a support engineer replaying a session saw wrong, in Debian's chromium against a real
`replay serve`, each visit's replay painted by `replay screenshot`:

- a visitor in dark mode (Playwright's `color_scheme="dark"` emulation) was replayed light:
  the page's `@media (prefers-color-scheme: dark)` rules - in a `<style>`, a `<link media>`'d
  sheet, a rule the page inserted later through the CSSOM - and its `<meta name=color-scheme>`
  followed the machine replaying. capture.js now records the visitor's answers in the Meta
  event (recorder.media), and the replay gives them;
- a checked box and a selected option under masking were replayed as a believable unticked
  box and the first option, nothing saying they were masked. capture.js marks them
  (`rr_masked_choice`), and the replay draws them hatched, titled "Masked", with no state.

One browser, one intake for the module (each test's visit in a context of its own)."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from PIL import Image  # noqa: E402

from player.document import MASKED_DARK as MARK_DARK, MASKED_LIGHT as MARK_LIGHT  # noqa: E402
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
        (cs.root / "choices.html").write_text(CHOICES_PAGE % {"name": "choices", **keys})
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
        page.wait_for_function("(s => s && s.idle && s.acked === s.queued)(ReplayCapture.status())",
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
    # what the visitor chose, and only that: a no-preference goes unsent (a Meta per page)
    assert meta["data"]["mediaFeatures"] == {"prefers-color-scheme": "dark"}
    img = _screenshot(site, sid, tmp_path, "dark")
    for part, (xy, want) in DARK_AT.items():
        assert _near(img.getpixel(xy), want), (part, img.getpixel(xy))
    canvas = img.getpixel(CANVAS_AT)
    assert max(canvas) < 64, canvas   # the dark scheme's canvas, not white


# --- masked choice controls -----------------------------------------------------------------
# Under the default rules (mask-user-input) a checkbox's, a radio's and a select's state is
# masked; the allowed box (markup) keeps its state and no mark.
CHOICES_PAGE = HEAD + """<style>input,select{position:absolute;margin:0}
#box{left:10px;top:10px;width:40px;height:40px} #radio{left:70px;top:10px;width:40px;height:40px}
#pick{left:10px;top:70px;width:180px;height:40px;font-size:20px} #ok{left:130px;top:10px;
width:40px;height:40px}</style></head>
<body><input type="checkbox" id="box" checked><input type="radio" id="radio" name="r" checked>
<select id="pick"><option>Standard</option><option selected>EXPRESS-OVERNIGHT</option></select>
<input type="checkbox" id="ok" data-replay-privacy="allow" checked></body></html>"""
CHOICES = ("box", "radio", "pick")
RECTS = {"box": (10, 10, 50, 50), "radio": (70, 10, 110, 50), "pick": (10, 70, 190, 110)}


def test_masked_choices_are_marked_and_never_show_a_state(chromium, site, tmp_path):
    sid = _visit(chromium, site, "choices.html",
                 "document.getElementById('box').click(); document.getElementById('box').click();"
                 " document.getElementById('pick').selectedIndex = 1;"
                 " document.getElementById('pick').dispatchEvent(new Event('change')); 0")
    stored = json.dumps(stored_events(site.intake.data, sid, 1))
    assert "EXPRESS-OVERNIGHT" in stored   # the option's text is the page's, not the choice
    snap = tmp_path / "choices.html"
    done = replay_cli(site.intake.data, "snapshot", sid, "--at", "end", "-o", snap)
    assert done.returncode == 0, done.stderr
    from lxml import html as lhtml
    doc = lhtml.fromstring(snap.read_text())
    for name in CHOICES:
        el = doc.get_element_by_id(name)
        assert el.get("data-replay-masked") is not None and el.get("title") == "Masked", name
        assert el.get("checked") is None
    assert not any(o.get("selected") is not None for o in doc.get_element_by_id("pick"))
    ok = doc.get_element_by_id("ok")
    assert ok.get("data-replay-masked") is None and ok.get("checked") is not None
    img = _screenshot(site, sid, tmp_path, "choices")
    for name in CHOICES:   # hatched: both of the mark's greys inside, no tick, no option text
        box = img.crop(RECTS[name])
        colours = {c for _n, c in box.getcolors(box.width * box.height)}
        assert any(_near(c, MARK_LIGHT, 8) for c in colours), (name, sorted(colours)[:8])
        assert any(_near(c, MARK_DARK, 8) for c in colours), (name, sorted(colours)[:8])
        dark = sum(n for n, c in box.getcolors(box.width * box.height) if max(c) < 90)
        assert dark < 0.12 * box.width * box.height, (name, dark)   # its border only

