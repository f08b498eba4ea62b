"""capture.js's canvas pictures of WebGL and WebGL 2 canvases (recordCanvas), and selection,
canvas pictures and fonts inside a same-origin iframe, sent from Debian's chromium (Playwright)
to a real `replay serve`: the stored session's picture of a canvas at a moment decodes to the
colours the page showed then; a canvas at `mask` is never read (no picture, no pixel bytes, the
page's own toDataURL never called, its context keeps the page's attributes); the frame's
selection names its nodes' ids; and our player paints the pictures where the page had them.
A frame inherits its iframe's level in its later changes too (text added to a masked frame)."""
from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from urllib.parse import quote

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from PIL import Image  # noqa: E402

from player.replayer import Replayer  # noqa: E402
from recorder.format import IncrementalSource  # noqa: E402
from replay_tools.browser_recorder import PageServer  # noqa: E402
from replay_tools.chromium import chromium_path  # noqa: E402
from replay_tools.intake import IntakeServer  # noqa: E402
from tests.app.capture_site import SENT_ALL  # noqa: E402
from replay_tools.intake import stored_events  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

PAGES = Path(__file__).resolve().parents[1] / "browser" / "pages"
RULES = {"default": "allow", "detectors": []}
RULES_TOML = 'version = 1\ndefault = "allow"\ndetectors = []\n'
VIEWPORT = {"width": 900, "height": 500}
CANVAS_FPS = 4
SAMPLED_MS = 1000   # four sampling beats: the last drawing is in the recording
# WebGL without a GPU: SwiftShader, asked for (chromium no longer falls back to it by itself)
GL_ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]

RED, BLUE, GREEN, YELLOW = [220, 40, 40], [40, 60, 220], [30, 180, 60], [240, 200, 20]
CYAN, PURPLE, ORANGE, TEAL = [0, 200, 200], [120, 40, 160], [250, 140, 0], [20, 120, 120]
MAGENTA = [255, 0, 255]   # the masked canvas's colour: in no picture stored

S = IncrementalSource
CANVAS, SELECTION, FONT, MUTATION = S.CanvasMutation, S.Selection, S.Font, S.Mutation

FRAME = "document.getElementById('frame').contentWindow"
# where each canvas is in the top page's viewport: [x, y, width, height]
RECTS = """() => {
  var f = document.getElementById('frame'), fr = f.getBoundingClientRect(), out = {};
  ['gl', 'gl2', 'secret'].forEach(id => { var r = document.getElementById(id).getBoundingClientRect();
                                          out[id] = [r.x, r.y, r.width, r.height]; });
  ['f2d', 'fgl'].forEach(id => { var r = f.contentDocument.getElementById(id).getBoundingClientRect();
                                 out[id] = [fr.x + r.x, fr.y + r.y, r.width, r.height]; });
  return out;
}"""


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=GL_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def visit(tmp_path_factory, browser):
    """One visit: WebGL canvases drawn twice (the second time by a draw call alone), a masked
    one drawn, then inside the frame a 2D and a WebGL canvas drawn, text selected and a font
    added. What the page showed at two moments, and the session as `replay serve` stored it."""
    tmp = tmp_path_factory.mktemp("webgl-frames")
    rules = tmp / "rules.toml"
    rules.write_text(RULES_TOML)
    with PageServer(PAGES) as site, IntakeServer(tmp / "data", rules=rules) as srv:
        app_id, token = srv.create_app("pages", origins=[site.base_url.rstrip("/")])
        cfg = {"intake": srv.url, "app": app_id, "token": token, "rules": RULES, "flushMs": 100000,
               "recordCanvas": True, "canvasFps": CANVAS_FPS}
        ctx = browser.new_context(viewport=VIEWPORT)
        try:
            page = ctx.new_page()
            page.goto(site.url("canvas-gl/index.html") + "#" + quote(json.dumps(cfg)))
            # the frame's document is in the recording (capture.js attached it)
            page.wait_for_function("ReplayCapture.record.mirror.getId("
                                   "%s.document.getElementById('words')) > 0" % FRAME)
            first = page.evaluate("""() => {
                paint(gl, 'webgl', %s, %s); paint(gl2, 'webgl2', %s, %s, {instanced: true});
                paint(secret, 'webgl', %s, %s);
                return {gl: shown(gl), gl2: shown(gl2), secret: shown(secret),
                        kept: [gl, gl2, secret].map(c => contexts.get(c).getContextAttributes().preserveDrawingBuffer)};
            }""" % (RED, BLUE, GREEN, YELLOW, MAGENTA, MAGENTA))
            page.wait_for_timeout(SAMPLED_MS)
            first["t"] = page.evaluate("Date.now()")
            second = page.evaluate("""() => {
                paint(gl, 'webgl', null, %s, {clear: false});   // drawArrays alone
                paint(gl2, 'webgl2', null, %s, {clear: false, instanced: true});
                var f = %s;
                f.draw2d(%s); f.paint(f.document.getElementById('fgl'), 'webgl', %s, %s);
                f.select(6, 11);
                return {gl: shown(gl), gl2: shown(gl2), f2d: f.shown(f.document.getElementById('f2d')),
                        fgl: f.shown(f.document.getElementById('fgl'))};
            }""" % (CYAN, PURPLE, FRAME, ORANGE, TEAL, RED))
            page.evaluate("%s.loadFont()" % FRAME)
            page.frame_locator("#frame").locator("body[data-font=loaded]").wait_for(state="attached")
            page.wait_for_timeout(SAMPLED_MS)
            second["t"] = page.evaluate("Date.now()")
            rects = page.evaluate(RECTS)
            secret_read = page.evaluate("!!window.__secretRead")
            page.mouse.move(600, 400, steps=3)   # an event after the last moment
            status = page.wait_for_function(SENT_ALL, polling=100, timeout=20_000).json_value()
            sid = page.evaluate("ReplayCapture.status().session_id")
            page.evaluate("ReplayCapture.stop()")
        finally:
            ctx.close()
        assert status["failed"] == 0 and not status["errors"], status
        stored = stored_events(srv.data, sid, status["acked"])
    return {"events": stored, "first": first, "second": second, "rects": rects,
            "secret_read": secret_read}


def _sources(events: list[dict], source: int) -> list[dict]:
    return [e["data"] for e in events if e["type"] == 3 and e["data"].get("source") == source]


def _nodes(events: list[dict]):
    """Every serialized node of the session: the full snapshot's and the mutations' adds."""
    stack = [e["data"]["node"] for e in events if e["type"] == 2]
    stack += [a["node"] for d in _sources(events, MUTATION) for a in d.get("adds") or ()]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.get("childNodes") or ())


def _id(events: list[dict], element_id: str) -> int:
    return next(n["id"] for n in _nodes(events) if (n.get("attributes") or {}).get("id") == element_id)


def _at(events: list[dict], page_ms: int) -> float:
    return page_ms - events[0]["timestamp"]


def _png(data_b64: str) -> Image.Image:
    raw = base64.b64decode(data_b64)
    assert raw.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(raw)).convert("RGBA")


def _halves(img: Image.Image) -> list[list[int]]:
    """The colours at the middle of each half, as the page's `shown` reads them."""
    y = img.height >> 1
    return [list(img.getpixel((x, y))) for x in (img.width >> 2, (img.width * 3) >> 2)]


def _picture(r: Replayer, at_ms: float, node_id: int) -> Image.Image:
    """The canvas's stored picture at that moment: the last drawImage of its history."""
    history = r.state_at(at_ms).canvas[node_id]
    image = [c for c in history if c["property"] == "drawImage"][-1]["args"][0]
    assert image["rr_type"] == "ImageBitmap"
    return _png(image["args"][0]["data"][0]["base64"])


def _every_png(events: list[dict]) -> list[Image.Image]:
    out = []
    for d in _sources(events, CANVAS):
        for c in d["commands"]:
            if c["property"] == "drawImage":
                out.append(_png(c["args"][0]["args"][0]["data"][0]["base64"]))
    for n in _nodes(events):
        url = (n.get("attributes") or {}).get("rr_dataURL")
        if url:
            out.append(_png(url.split(",", 1)[1]))
    return out


def test_a_webgl_canvas_picture_is_stored_as_the_page_showed_it(visit):
    events, first, second = visit["events"], visit["first"], visit["second"]
    # the premise: the page showed two colours, and the second drawing (a draw call alone)
    # changed the right half only
    assert first["gl"] == [RED + [255], BLUE + [255]] and second["gl"] == [RED + [255], CYAN + [255]]
    assert first["gl2"] == [GREEN + [255], YELLOW + [255]] and second["gl2"] == [GREEN + [255], PURPLE + [255]]
    r = Replayer(events)
    assert not r.warnings, r.warnings
    for name in ("gl", "gl2"):
        node = _id(events, name)
        for moment in (first, second):
            assert _halves(_picture(r, _at(events, moment["t"]), node)) == moment[name], (name, moment)
    # rrweb's sampling format: the picture drawn over the whole canvas, as 2D commands
    drawn = [d for d in _sources(events, CANVAS) if d["id"] == _id(events, "gl")]
    assert drawn[-1]["type"] == 0
    assert drawn[-1]["commands"][0] == {"property": "clearRect", "args": [0, 0, 120, 80]}


def test_a_masked_webgl_canvas_is_never_read(visit):
    events = visit["events"]
    secret, gl = _id(events, "secret"), _id(events, "gl")
    # its unmasked twin, drawn the same way, is recorded; it is not
    assert [d for d in _sources(events, CANVAS) if d["id"] == gl]
    assert not [d for d in _sources(events, CANVAS) if d["id"] == secret]
    assert not [n for n in _nodes(events) if n["id"] == secret and "rr_dataURL" in n["attributes"]]
    assert visit["first"]["secret"] == [MAGENTA + [255]] * 2        # the page did draw it
    pictures = _every_png(events)
    assert pictures and not any((*MAGENTA, 255) in {c for _n, c in img.getcolors(img.width * img.height)}
                                for img in pictures)
    assert visit["secret_read"] is False          # its toDataURL never called
    # its context keeps the page's attributes; the recorded ones preserve their buffer
    assert visit["first"]["kept"] == [True, True, False]


def test_a_canvas_in_the_frame_is_sampled_with_the_frames_node_ids(visit):
    events, second = visit["events"], visit["second"]
    assert second["f2d"] == [ORANGE + [255]] * 2 and second["fgl"] == [TEAL + [255], RED + [255]]
    r = Replayer(events)
    at = _at(events, second["t"])
    for name in ("f2d", "fgl"):
        assert _halves(_picture(r, at, _id(events, name))) == second[name], name


def test_a_selection_in_the_frame_names_the_frames_nodes(visit):
    events = visit["events"]
    words = next(n for n in _nodes(events) if (n.get("attributes") or {}).get("id") == "words")
    text = words["childNodes"][0]
    assert text["textContent"] == "Frame words to select here"
    want = {"start": text["id"], "startOffset": 6, "end": text["id"], "endOffset": 11}
    assert {"source": SELECTION, "ranges": [want]} in _sources(events, SELECTION)
    r = Replayer(events)
    assert r.state_at(_at(events, visit["second"]["t"])).selection == [want]


def test_a_font_added_in_the_frame_is_recorded(visit):
    fonts = {d["family"]: d for d in _sources(visit["events"], FONT)}
    face = fonts["FrameMono"]
    assert face["buffer"] is False and face["fontSource"].startswith("url(http")
    assert face["fontSource"].endswith("/fidelity/replay-mono.ttf)")


def _colour(img, x: float, y: float) -> list[int]:
    c = img.pixelColor(int(x), int(y))
    return [c.red(), c.green(), c.blue()]


def _close(a: list[int], b: list[int], tol: int = 3) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b))


def test_our_player_paints_the_pictures_where_the_page_had_them(visit, qapp):
    from player.qt.standalone import FramePainter

    events, rects = visit["events"], visit["rects"]
    painter = FramePainter(events, cursor=False)
    try:
        shots = {key: painter.frame(_at(events, visit[key]["t"])) for key in ("first", "second")}
        selected = painter.widget.bridge.call_sync(
            "String(document.querySelector('iframe').contentDocument.getSelection())")
    finally:
        painter.close()
    for key, names in (("first", ("gl", "gl2")), ("second", ("gl", "gl2", "f2d", "fgl"))):
        for name in names:
            x, y, w, h = rects[name]
            got = [_colour(shots[key], x + w * f, y + h / 2) for f in (0.25, 0.75)]
            want = [c[:3] for c in visit[key][name]]
            assert all(_close(g, c) for g, c in zip(got, want)), (key, name, got, want)
    x, y, w, h = rects["secret"]   # the masked canvas: blank, as the page's background
    assert _close(_colour(shots["second"], x + w / 2, y + h / 2), [255, 255, 255])
    assert selected == "words"     # the frame's own selection


def test_text_a_masked_frame_gets_later_is_masked_too(browser):
    """The frame's snapshot was masked under its iframe's `mask`; a text changed and a
    paragraph added after it were sent as the rules' default (`allow`) gave them."""
    from recorder.paths import capture_script

    with PageServer(PAGES) as site:
        page = browser.new_page()
        try:
            page.goto(site.url("masked-frame.html"))
            page.wait_for_function("%s.document.getElementById('f2d')" % FRAME)
            page.add_script_tag(content=capture_script())
            page.evaluate("window.__ev = []; window.__stop = ReplayCapture.record({emit: e => __ev.push(e),"
                          " rules: %s}); null" % json.dumps(RULES))
            page.evaluate("""() => {
                var d = %s.document, p = d.createElement('p');
                p.textContent = 'Added later words';
                d.body.appendChild(p);
                d.getElementById('words').firstChild.data = 'Changed later words';
            }""" % FRAME)
            page.wait_for_timeout(300)
            page.evaluate("__stop()")
            events = page.evaluate("__ev")
        finally:
            page.close()
    sent = json.dumps(events)
    assert "The page's own words" in sent                  # the premise: the page is `allow`
    texts = [t["value"] for d in _sources(events, MUTATION) for t in d.get("texts") or ()]
    added = [n.get("textContent") for n in _nodes(events) if n.get("type") == 3]
    assert "xxxxxxx xxxxx xxxxx" in texts and "xxxxx xxxxx xxxxx" in added
    for words in ("Frame words", "Added later", "Changed later"):
        assert words not in sent


# the middle of each half of the page's WebGL canvases, in a replayed document `d` (rrweb's
# Replayer draws the pictures into its own canvases, with a 2D context); and what the frame
# holds there: whether its iframe has an address to load, its words, the font's mark
HALVES = """function (d) {
  var f = d.getElementById('frame'), fd = f && f.contentDocument;
  var words = fd && fd.getElementById('words');
  return {canvases: [d.getElementById('gl'), d.getElementById('gl2')]
    .map(c => { var copy = d.createElement('canvas'), y = c.height >> 1;
                copy.width = c.width; copy.height = c.height;
                var x = copy.getContext('2d', {willReadFrequently: true});
                x.drawImage(c, 0, 0);
                return [c.width >> 2, (c.width * 3) >> 2].map(i => Array.from(x.getImageData(i, y, 1, 1).data)); }),
    frame: {src: f ? f.hasAttribute('src') : null, words: words ? words.textContent : null,
            font: fd && fd.body ? fd.body.getAttribute('data-font') : null}};
}"""


def test_rrwebs_replayer_shows_the_pictures_too(visit, browser):
    """Without a warning: the frame's document is added once it loaded, not its blank one
    first (removed then for the loaded one: a mutation rrweb's Replayer fails on). The frame
    shows the recorded document: its iframe keeps no address (as rrweb's recorder keeps it),
    so the Replayer never loads the site's page in its place (the site is gone by then)."""
    from tests.app.test_capture_chromium import _play_in_rrweb

    second = visit["second"]
    want = {"canvases": [second[name] for name in ("gl", "gl2")],
            "frame": {"src": False, "words": "Frame words to select here", "font": "loaded"}}
    out = _play_in_rrweb(browser, visit["events"], probe=HALVES, options={"UNSAFE_replayCanvas": True},
                         until=want)
    assert out["probe"] == want
    sandbox = "allow-scripts and allow-same-origin for its sandbox attribute"
    assert [w for w in out["warnings"] if sandbox not in w] == []
