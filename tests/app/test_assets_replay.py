"""Images by URL, end to end with real components: a page served by a real HTTP server on
127.0.0.1 (PNGs made with Pillow), recorded by capture.js in a real browser, imported, its
images fetched by `replay assets fetch`, painted by `replay screenshot` (QtWebEngine, in a
process of its own): every kind of reference - a plain src with no size, a srcset, a
<picture> source, a video poster, a <style>'s url() and a linked sheet's url() relative to
the sheet, all under a <base href> - shows the image's pixels where the live page had them.
A masked image is never asked for. A .replay bundle carries them into an empty data folder;
`replay snapshot` writes them into the document."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from recorder.intake.page_server import QuietHandler
from replay_tools.browser_recorder import CaptureDom, WaitFor, record_page

# colour -> (path under the site, size): each reference kind its own colour
COLOURS = {
    "plain": ((220, 40, 40), "site/img/plain.png", (150, 50)),        # <img src>, no size given
    "srcset": ((30, 60, 220), "site/img/set-1x.png", (120, 40)),      # <img srcset> only
    "srcset2x": ((30, 60, 220), "site/img/set-2x.png", (240, 80)),
    "picture": ((200, 40, 200), "site/img/wide.png", (160, 60)),      # <picture><source srcset>
    "fallback": ((128, 128, 128), "site/img/fallback.png", (160, 60)),
    "style": ((40, 170, 60), "site/img/green.png", (20, 20)),         # <style> url(), base
    "sheet": ((240, 200, 20), "css/img/yellow.png", (20, 20)),        # linked sheet's url()
    "poster": ((20, 20, 110), "site/img/poster.png", (160, 90)),      # <video poster>
    "secret": ((250, 120, 0), "site/img/secret.png", (20, 20)),       # masked: never fetched
    "secret2": ((0, 200, 200), "site/img/secret2.png", (60, 30)),
}
SHOWN = ("plain", "srcset", "picture", "style", "sheet")

PAGE = """<!doctype html><html><head><meta charset="utf-8"><base href="/site/">
<title>shop</title>
<link rel="stylesheet" href="/css/deep/site.css">
<style>body{margin:8px;font:14px sans-serif} .inline{width:120px;height:40px;
background:url(img/green.png)}</style></head><body>
<p><img id="plain" src="img/plain.png" alt="plain"></p>
<p><img id="set" srcset="img/set-1x.png 1x, img/set-2x.png 2x" width="120" height="40" alt="set"></p>
<p><picture><source srcset="img/wide.png"><img id="pic" src="img/fallback.png" alt="pic"></picture></p>
<div class="inline"></div><div class="sheet"></div>
<video poster="img/poster.png" width="160" height="90"></video>
<div class="rr-mask" style="width:60px;height:30px;background:url(img/secret.png)"></div>
<img class="rr-mask" src="img/secret2.png" width="60" height="30" alt="">
<p id="end">end</p>
</body></html>"""
SHEET = ".sheet{width:120px;height:40px;margin-top:4px;background:url(../img/yellow.png)}"


class LoggingHandler(QuietHandler):
    """Serves the site and logs each path asked for."""
    log: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server)
        type(self).log.append(self.path)
        super().do_GET()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    for colour, rel, size in COLOURS.values():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", size, colour).save(root / rel)
    (root / "pages").mkdir()
    (root / "pages" / "shop.html").write_text(PAGE)
    (root / "css" / "deep").mkdir(parents=True)
    (root / "css" / "deep" / "site.css").write_text(SHEET)
    handler = type("Handler", (LoggingHandler,), {"log": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", handler
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def recorded(qapp, site, tmp_path_factory):
    """The page recorded by capture.js (default rules), imported into a data folder."""
    base, handler = site
    rec = record_page(base + "pages/shop.html", [WaitFor("#end"), CaptureDom("loaded", 600)],
                      recorder="capture", record_options={"rules": {}}, viewport=(800, 600))
    tmp = tmp_path_factory.mktemp("assets")
    events = tmp / "events.json"
    events.write_text(json.dumps(rec.events))
    data = tmp / "data"
    p = _replay("import", str(events), data=data)
    assert p.returncode == 0, p.stderr
    sid = p.stdout.split()[0]
    live = rec.snapshot("loaded")
    at = rec.events[live.event_count - 1]["timestamp"] - rec.events[0]["timestamp"]
    (tmp / "live.png").write_bytes(live.png)
    return {"data": data, "sid": sid, "at": int(at), "tmp": tmp, "live": tmp / "live.png"}


def _replay(*args: str, data: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QTWEBENGINE_DISABLE_SANDBOX="1")
    env.pop("DISPLAY", None)
    return subprocess.run([sys.executable, "-m", "app", "--data", str(data), *args],
                          capture_output=True, text=True, env=env, timeout=180)


def _where(img: Image.Image, colour: tuple[int, int, int], tol: int = 10) -> Image.Image:
    """The pixels of `img` (RGB) within `tol` of `colour` in every channel: 255 there, 0
    elsewhere (PIL's own loops: a Python loop over the pixels took seconds a picture)."""
    bands = [band.point([255 if abs(v - c) <= tol else 0 for v in range(256)])
             for band, c in zip(img.split(), colour)]
    return ImageChops.darker(ImageChops.darker(bands[0], bands[1]), bands[2])


def _count(mask: Image.Image) -> int:
    return mask.histogram()[255]


def assert_shows_images_as_live(live_png: Path, replay_png: Path) -> None:
    live, replay = (Image.open(p).convert("RGB") for p in (live_png, replay_png))
    assert live.size == replay.size
    for name in SHOWN:
        colour = COLOURS[name][0]
        want, got = _where(live, colour), _where(replay, colour)
        assert _count(want) > 300, f"the live page shows no {name} image"
        overlap = _count(ImageChops.darker(want, got)) / _count(want)
        assert overlap > 0.85, f"{name}: {overlap:.0%} of the live page's pixels of it replayed"
    # the poster: the player's video has its controls drawn over it (scripts are off in the
    # replay, and Chromium then shows them), a dark gradient - its navy is darkened, not gone
    box = _box(_where(live, COLOURS["poster"][0]))
    px = replay.load()
    navy = sum(1 for x in range(box[0], box[2]) for y in range(box[1], box[3])
               if px[x, y][2] > 2 * max(px[x, y][:2]) + 5)
    assert navy > 0.6 * (box[2] - box[0]) * (box[3] - box[1]), "the poster is not shown"
    for name in ("secret", "secret2"):   # masked: never shown
        assert not _count(_where(replay, COLOURS[name][0])), f"masked {name} shown"
    # ... the masked <img> is the privacy table's same-size grey placeholder (its data: SVG
    # kept whole, spaces and all), not a broken image
    assert _count(_where(replay, (192, 192, 192), tol=2)) >= 0.9 * 60 * 30


def _box(mask: Image.Image) -> tuple[int, int, int, int]:
    """The box around a mask's pixels (left, top, right, bottom; the last two past them)."""
    assert _count(mask) > 300
    return mask.getbbox()


def test_fetched_images_show_where_the_live_page_had_them(recorded, site):
    _base, handler = site
    data, sid, tmp = recorded["data"], recorded["sid"], recorded["tmp"]
    handler.log.clear()   # what the recording browser asked for is not the fetch's
    p = _replay("assets", "fetch", sid, data=data)
    assert p.returncode == 0, p.stdout + p.stderr
    # one line: what came, of the 8 the page referenced (srcset's 2x and the picture's
    # fallback too), for one session
    assert p.stdout.strip().startswith("fetched 8 images (") and \
        p.stdout.strip().endswith("for 1 session"), p.stdout
    asked = set(handler.log)
    assert {"/site/img/plain.png", "/site/img/set-2x.png", "/site/img/wide.png",
            "/site/img/green.png", "/css/img/yellow.png", "/site/img/poster.png"} <= asked
    # the privacy pass masked these: never asked for, never stored
    assert not any("secret" in a for a in asked), asked
    listed = _replay("assets", "list", sid, "--json", data=data)
    stored = json.loads(listed.stdout)[sid]
    assert len(stored) == 8 and all(a["mime"] == "image/png" for a in stored)
    assert not any("secret" in a["url"] for a in stored)

    out = tmp / "replay.png"
    p = _replay("screenshot", sid, "--at", str(recorded["at"]), "--no-cursor", "-o", str(out),
                data=data)
    assert p.returncode == 0, p.stderr
    assert_shows_images_as_live(recorded["live"], out)

    # the safe document holds them: nothing to fetch where it is opened
    doc = tmp / "doc.html"
    p = _replay("snapshot", sid, "--at", str(recorded["at"]), "-o", str(doc), data=data)
    assert p.returncode == 0, p.stderr
    html = doc.read_text()
    assert "data:image/png;base64," in html and "replay-asset:/a/" not in html
    assert "in it as data: URLs" in p.stderr


def test_a_bundle_carries_them_into_an_empty_data_folder(recorded, site, tmp_path):
    data, sid = recorded["data"], recorded["sid"]
    if not (data / "assets.sqlite3").exists():
        assert _replay("assets", "fetch", sid, data=data).returncode == 0
    bundle = tmp_path / "bug.replay"
    p = _replay("export", sid, "--format", "replay", "-o", str(bundle), data=data)
    assert p.returncode == 0, p.stderr
    _base, handler = site
    handler.log.clear()
    other = tmp_path / "elsewhere"   # the developer's machine: nothing fetched there
    p = _replay("import", str(bundle), data=other)
    assert p.returncode == 0, p.stderr
    assert "stored the 8 images and fonts it carries" in p.stderr
    out = tmp_path / "imported.png"
    p = _replay("screenshot", sid, "--at", str(recorded["at"]), "--no-cursor", "-o", str(out),
                data=other)
    assert p.returncode == 0, p.stderr
    assert_shows_images_as_live(recorded["live"], out)
    # played in place, without importing it, the same
    out2 = tmp_path / "in-place.png"
    p = _replay("screenshot", str(bundle), "--at", str(recorded["at"]), "--no-cursor", "-o",
                str(out2), data=tmp_path / "third")
    assert p.returncode == 0, p.stderr
    assert_shows_images_as_live(recorded["live"], out2)
    assert handler.log == []   # none of it reached the site
