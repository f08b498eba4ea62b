"""What an asset of a recording is (recorder.assets), read as the player reads the page: the
URLs the sanitizer asks the asset store for are exactly the ones listed, made absolute against
the same base; masked images are never among them. And the intake fetches a quiet session's
images from its application's own origins only (real HTTP servers on 127.0.0.1)."""
from __future__ import annotations

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from player.assets import UrlResolver
from player.frame import build_frame
from player.replayer import Replayer
from recorder.asset_store import AssetStore, FolderAssets
from recorder.assets import absolute_url, css_urls, referenced_urls
from recorder.privacy import parse_rules
from recorder.privacy.preview import html_to_events
from player.sanitize import sanitize_css

PAGE = """<!doctype html><html><head><base href="/static/v2/">
<link rel="icon" href="/favicon.png">
<link rel="stylesheet" href="https://cdn.example/css/app.css" _cssText=".a{background:url(../i/a.png)}@font-face{font-family:F;src:url(&quot;../f/f.woff2&quot;) format(&quot;woff2&quot;)}">
<style>.b{background-image:image-set("b1.png" 1x, url(b2.png) 2x)} @import url(x.css);</style>
</head><body>
<img src="logo.png" srcset="logo.png 1x, logo@2x.png 2x">
<picture><source srcset="hero.webp 1x, hero-2.webp 2x"><img src="hero.jpg"></picture>
<video poster="//media.example/p.jpg"><source src="movie.mp4"></video>
<input type="image" src="go.png"><input type="text" src="not-an-image.png">
<svg><image href="/svg/i.png"></image></svg>
<div style="background:url('c.png')"></div>
<a href="page.html">a link</a><iframe src="frame.html"></iframe><script src="app.js"></script>
<img src="data:image/png;base64,AAAA"><img src="blob:https://shop.example/1">
<img src="track.gif?token=***"><img src="https://u:***@shop.example/p.png">
<div class="avatar" style="background:url(/u/jane.png)"></div>
<img class="avatar" src="/u/jane-face.png">
</body></html>"""
HREF = "https://shop.example/cart/index.html"


def _events(html: str, **kw) -> list[dict]:
    """html_to_events, with `_cssText` as capture.js writes it (the HTML parser lowers it)."""
    events = html_to_events(html, **kw)
    stack = [events[1]["data"]["node"]]
    while stack:
        n = stack.pop()
        a = n.get("attributes") or {}
        if "_csstext" in a:
            a["_cssText"] = a.pop("_csstext")
        stack += n.get("childNodes") or []
    return events
S = "https://shop.example/static/v2/"


def test_every_kind_of_reference_made_absolute_as_the_browser_did():
    found = referenced_urls(_events(PAGE, href=HREF))
    assert list(found) == [
        "https://shop.example/favicon.png",
        "https://cdn.example/i/a.png",                 # against the sheet's own URL
        "https://cdn.example/f/f.woff2",
        S + "b1.png", S + "b2.png",                    # against <base href>
        S + "logo.png", S + "logo@2x.png",
        S + "hero.webp", S + "hero-2.webp", S + "hero.jpg",
        "https://media.example/p.jpg",
        S + "go.png",
        "https://shop.example/svg/i.png",
        S + "c.png",
        "https://shop.example/u/jane.png", "https://shop.example/u/jane-face.png",
    ]
    assert found["https://cdn.example/f/f.woff2"] == "font"
    # a rule that masks .avatar (an image the privacy table says becomes a placeholder):
    # nothing of it is an asset, its inline style's background either
    rules = parse_rules('default = "mask-user-input"\n[[rule]]\nselector = ".avatar"\n'
                        'level = "mask"\n')
    masked = referenced_urls(_events(PAGE, href=HREF), rules)
    assert not any("/u/jane" in u for u in masked) and len(masked) == len(found) - 2


def test_later_changes_are_read_too():
    events = _events('<html><head><link id="l" rel="stylesheet" href="/s/a.css" '
                     '_cssText=""></head><body><div id="d"></div></body></html>',
                     href=HREF, timestamp=1)
    ids = {}
    stack = [events[1]["data"]["node"]]
    while stack:
        n = stack.pop()
        ids[(n.get("attributes") or {}).get("id")] = n.get("id")
        stack += n.get("childNodes") or []
    events += [
        {"type": 3, "timestamp": 2, "data": {"source": 0, "texts": [], "removes": [], "adds": [],
                                             "attributes": [{"id": ids["d"], "attributes": {
                                                 "style": "background:url(m.png)"}}]}},
        {"type": 3, "timestamp": 3, "data": {"source": 8, "id": ids["l"], "adds": [
            {"rule": ".x{background:url(r.png)}", "index": 0}]}},
        {"type": 3, "timestamp": 4, "data": {"source": 15, "id": 1, "styleIds": [1], "styles": [
            {"styleId": 1, "rules": [{"rule": ".y{background:url(/adopted.png)}"}]}]}},
        {"type": 3, "timestamp": 5, "data": {"source": 10, "family": "F", "buffer": False,
                                             "fontSource": 'url("/f.woff")', "descriptors": {}}},
    ]
    assert list(referenced_urls(events)) == [
        "https://shop.example/cart/m.png", "https://shop.example/s/r.png",
        "https://shop.example/adopted.png", "https://shop.example/f.woff"]


CSS = [
    ".a{background:url(a.png)} .b{background:url( 'b c.png' )}",
    '.c{background:\\75 rl(c.png)} .d{background:URL("d.png")}',
    ".e{mask:image-set('e1.png' 1x, \"e2.png\" 2x)} .f{content:'url(no.png)'}",
    "/* url(no.png) */ .g{background:url(g\\).png)} @import url(no.css); .h{x:src(h.png)}",
    ".i{background:url(i.png\r\n)} .j{filter:url(#f)} .k{background:cross-fade('k.png', red)}",
]


@pytest.mark.parametrize("css", CSS)
def test_the_player_asks_for_exactly_the_urls_listed(css):
    asked: list[str] = []

    def resolver(url):   # (a new function each time: the sanitizer's memo cannot answer)
        asked.append(url)
        return None
    sanitize_css(css, resolver)

    def absolute(urls):   # (a fragment, `url(#f)`, is in the page: neither asked nor listed)
        return [x for x in (absolute_url(u, HREF) for u in urls) if x is not None]
    assert absolute(asked) == absolute(css_urls(css)) and asked
    assert not any("no." in u for u in asked)


def _png(colour) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (10, 10), colour).save(buf, "PNG")
    return buf.getvalue()


class _Site(BaseHTTPRequestHandler):
    log: list[str] = []
    redirect_to = ""

    def log_message(self, *a):
        pass

    def do_GET(self):  # noqa: N802
        type(self).log.append(self.path)
        if self.path == "/away.png":
            self.send_response(302)
            self.send_header("Location", type(self).redirect_to)
            self.end_headers()
            return
        body = _png((len(self.path) * 20 % 255, 0, 0))
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _server():
    handler = type("Handler", (_Site,), {"log": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, handler, f"http://127.0.0.1:{httpd.server_address[1]}"


@pytest.fixture
def two_sites():
    a, b = _server(), _server()
    yield a, b
    for httpd, _h, _u in (a, b):
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("assets_on", [True, False])
def test_the_intake_fetches_a_quiet_sessions_images_from_its_own_origins_only(
        tmp_path, two_sites, assets_on):
    from recorder.intake.app import Intake
    from recorder.intake.apps import Applications
    from recorder.intake.wire import Batch
    from recorder.store import INACTIVITY_MS

    (_ha, site, a), (_hb, other, b) = two_sites
    site.redirect_to = f"{b}/redirected.png"
    data = tmp_path / "data"
    data.mkdir()
    apps = Applications(data)
    app, _token = apps.create("shop", [a])
    apps.close()
    intake = Intake(data, parse_rules('default = "mask-user-input"'), assets=assets_on)
    try:
        t0 = int(time.time() * 1000) - 2 * INACTIVITY_MS
        events = html_to_events(
            f'<html><head></head><body><img src="{a}/logo.png"><img src="/rel.png">'
            f'<div style="background:url({b}/tracker.png)"></div><img src="{a}/away.png">'
            f'<img src="{b}/other.png"></body></html>', href=f"{a}/shop/", timestamp=t0)
        intake.live.accept(app, Batch(session_id="visit", events=events))
        assert intake.after_quiet(wait=True) == ["visit"]
        stored = AssetStore.existing(data)
        got = {x.url for x in stored.session_assets("visit")} if stored else set()
        if not assets_on:   # `replay serve --no-assets`: nothing asked of anyone
            assert site.log == [] and other.log == [] and got == set()
            return
        assert got == {f"{a}/logo.png", f"{a}/rel.png"}
        assert sorted(site.log) == ["/away.png", "/logo.png", "/rel.png"]
        assert other.log == []   # neither asked directly, nor by following a redirect
        stored.close()
        # and the player shows them
        with intake.store.session("visit") as reader:
            frame = Replayer(reader).frame_at(0)
        assert str(frame).count("replay-asset:/a/") == 2
    finally:
        intake.close()


def test_a_resolver_reads_urls_as_the_listing_did(tmp_path):
    store = AssetStore(tmp_path)
    store.put("https://shop.example/static/v2/logo.png", _png((1, 2, 3)), "image/png", 200,
              ["s"])
    store.close()
    r = UrlResolver(FolderAssets(tmp_path)).for_base("https://shop.example/static/v2/")
    assert r("logo.png").startswith("replay-asset:/a/")
    assert r(" logo.png#x").endswith("#x")
    assert r("/logo.png") is None and r("javascript:logo.png") is None
    assert absolute_url("logo.png", "") is None
    frame = build_frame(Replayer(html_to_events(
        '<html><head><base href="/static/v2/"></head><body><img src="logo.png">'
        '<iframe src="logo.png"></iframe><a href="logo.png">x</a></body></html>',
        href="https://shop.example/")).state_at(0), 0, UrlResolver(FolderAssets(tmp_path)))
    # an image, yes; a frame or a link to the same URL is no image: blocked
    assert str(frame).count("replay-asset:/a/") == 1


def test_re_masking_erases_the_images_a_session_no_longer_shows(tmp_path):
    from recorder.privacy.remask import remask_session
    from recorder.store import Store

    events = html_to_events('<html><head></head><body><img class="avatar" src="/u/jane.png">'
                            '<img src="/logo.png"></body></html>',
                            href="https://shop.example/", timestamp=1_767_225_600_000)
    with Store.open(tmp_path) as store:
        sid = store.ingest(events)[0]
        assets = AssetStore(tmp_path)
        for path, colour in (("/u/jane.png", (9, 9, 9)), ("/logo.png", (1, 1, 1))):
            assets.put("https://shop.example" + path, _png(colour), "image/png", 200, [sid])
        rules = parse_rules('default = "mask-user-input"\n[[rule]]\nselector = ".avatar"\n'
                            'level = "mask"\n')
        assert remask_session(store, sid, rules).changed
        assert [a.url for a in assets.session_assets(sid)] == ["https://shop.example/logo.png"]
        assert assets.totals()[0] == 1   # the avatar's file went with it
        assets.close()


def test_what_a_crash_left_is_cleaned_up_by_the_next_erasure(tmp_path):
    """A session erased by a program that stopped before its images were forgotten, and a
    file renamed into place whose row never committed: the next erasure takes both."""
    store = AssetStore(tmp_path)
    store.put("https://a.example/1.png", _png((1, 0, 0)), "image/png", 200, ["gone"])
    store.put("https://a.example/2.png", _png((2, 0, 0)), "image/png", 200, ["gone", "kept"])
    orphan = tmp_path / "assets" / "ab" / ("ab" + "0" * 62)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"half")
    (orphan.parent / (orphan.name + ".tmp-1")).write_bytes(b"x")
    out = store.prune(lambda: ["kept"])
    assert out.urls == 1 and out.files == 3   # 1.png, the orphan and the temporary file
    assert [a.url for a in store.session_assets("kept")] == ["https://a.example/2.png"]
    assert store.totals()[0] == 1 and store.referencing() == {"kept"}
    store.close()


def test_a_session_is_shown_only_the_urls_it_references_in_the_store(tmp_path):
    """Two sessions with the same URL: one referenced it (fetched for it); the other had it
    on an element its rules mask (the masker keeps a masked element's inline style, so the
    URL is in its events, but it was never fetched for it). The second session's player,
    snapshot and bundle never show or carry the first one's copy."""
    import json
    import zipfile

    from player.assets import inline_assets
    from recorder.bundle import write_bundle
    from recorder.store import Store

    url = "https://cdn.example/p.png"
    t0 = 1_767_225_600_000
    shown = html_to_events(f'<html><head></head><body><img src="{url}"></body></html>',
                           href="https://shop.example/", timestamp=t0)
    masked = html_to_events(f'<html><head></head><body><div class="avatar" style="width:9px;'
                            f'background:url({url})"></div></body></html>',
                            href="https://shop.example/", timestamp=t0 + 5_000_000)
    with Store.open(tmp_path) as store:
        a = store.ingest(shown)[0]
        b = store.ingest(masked)[0]
        assert a != b
        with AssetStore(tmp_path) as assets:
            assets.put(url, _png((7, 7, 7)), "image/png", 200, [a])
        for sid, n in ((a, 1), (b, 0)):
            with store.session(sid) as reader:
                r = Replayer(reader)
                frame = str(r.frame_at(0))
                assert frame.count("replay-asset:/a/") == n, sid
                text, inlined = inline_assets(frame, reader.assets)
                assert inlined == n and ("data:image/png" in text) == bool(n)
                out = tmp_path / f"{sid}.replay"
                write_bundle(out, reader)
            with zipfile.ZipFile(out) as z:
                carried = json.loads(z.read("manifest.json")).get("assets", [])
                assert [x["url"] for x in carried] == [url] * n
                assert sum(x.startswith("assets/") for x in z.namelist()) == n


class _Drip(BaseHTTPRequestHandler):
    """/drip.png: a PNG one byte every 0.3 s; /redirect: a 302 whose body drips the same way
    (urllib used to read it whole before following)."""
    protocol_version = "HTTP/1.0"

    def log_message(self, *a):
        pass

    def do_GET(self):  # noqa: N802
        body = _png((5, 5, 5)) * 40
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/fast.png")
        else:
            self.send_response(200)
        self.send_header("Content-Type", "image/png")
        if self.path == "/fast.png":
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.end_headers()
        try:
            for i in range(60):   # bounded: at most 18 s
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                time.sleep(0.3)
        except OSError:
            pass


@pytest.fixture
def drip():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Drip)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_deadline_holds_against_a_server_that_drips(drip):
    from recorder.asset_fetch import Failure, Limits, fetch_one

    limits = Limits(timeout_s=5, deadline_s=2)
    t = time.monotonic()
    with pytest.raises(Failure) as got:
        fetch_one(f"{drip}/drip.png", limits)
    assert got.value.reason == "timeout" and time.monotonic() - t < 4
    # a redirect's body is not read: the image it names comes at once
    t = time.monotonic()
    assert fetch_one(f"{drip}/redirect", limits).mime == "image/png"
    assert time.monotonic() - t < 2


def test_urls_per_session_are_capped_and_a_stop_asks_nothing_more(tmp_path, two_sites):
    from recorder.asset_fetch import Limits, fetch_assets

    (_h, site, a), _other = two_sites
    urls = [f"{a}/{i}.png" for i in range(10)]
    with AssetStore(tmp_path) as store:
        report = fetch_assets(store, {"s": urls}, limits=Limits(max_urls=4))
        assert report.fetched == 4 and report.failed == {"url_cap": 6}
        assert len(site.log) == 4 and "over the session's cap of" in report.summary()
        site.log.clear()
        report = fetch_assets(store, {"t": [f"{a}/x{i}.png" for i in range(10)]},
                              stop=lambda: True)
        assert site.log == [] and report.fetched == 0 and not report.failed


def test_the_intake_fetches_nothing_for_an_application_with_a_wildcard_origin(
        tmp_path, two_sites):
    """`https://*.example.com` allows any host of the domain (an internal one too): taken as
    `*` is - nothing fetched; `replay assets fetch` is the person's way."""
    from recorder.intake.app import Intake
    from recorder.intake.apps import Applications
    from recorder.intake.wire import Batch
    from recorder.store import INACTIVITY_MS

    (_ha, site, a), _other = two_sites
    data = tmp_path / "data"
    data.mkdir()
    apps = Applications(data)
    app, _token = apps.create("shop", [a, "https://*.example.com"])
    apps.close()
    intake = Intake(data, parse_rules('default = "mask-user-input"'))
    try:
        t0 = int(time.time() * 1000) - 2 * INACTIVITY_MS
        events = html_to_events(f'<html><head></head><body><img src="{a}/logo.png"></body>'
                                '</html>', href=f"{a}/shop/", timestamp=t0)
        intake.live.accept(app, Batch(session_id="visit", events=events))
        assert intake.after_quiet(wait=True) == ["visit"]
        assert site.log == []
    finally:
        intake.close()


def test_the_install_page_says_the_quiet_time_the_intake_waits(monkeypatch):
    from recorder.intake import app as intake_app
    from recorder.sessions import INACTIVITY_MS

    assert f"quiet for {INACTIVITY_MS // 60_000} minutes" in intake_app._install_page("http://x")
    monkeypatch.setattr(intake_app, "INACTIVITY_MS", 30 * 60_000)
    assert "quiet for 30 minutes" in intake_app._install_page("http://x")


def test_a_query_is_read_as_the_dom_holds_it_not_decoded_again():
    """A recorded attribute is the DOM's value: decoded by the page's HTML parser already.
    Decoded again, `&param=` was `¶m=`, `&region=` `®ion=`, `&notify` `¬ify`."""
    for q in ("?id=3&param=x", "?a=1&region=eu", "?x=1&notify"):
        url = "https://shop.example/i.png" + q
        assert absolute_url(url, None) == url
        events = html_to_events('<html><head></head><body><img id="i"></body></html>',
                                href="https://shop.example/")
        events[1]["data"]["node"]["childNodes"][-1]["childNodes"][-1]["childNodes"][0][
            "attributes"]["src"] = url
        assert list(referenced_urls(events)) == [url]


def test_a_bundles_images_are_stored_up_to_the_fetch_caps(tmp_path, monkeypatch, capsys):
    """A bundle carries N entries: stored no larger, and no more per session, than a fetch
    would store (asset_fetch's caps, the same constants)."""
    from app.cli import main
    from recorder import asset_fetch
    from recorder.bundle import write_bundle
    from recorder.store import Store

    urls = [f"https://shop.example/{i}.png" for i in range(3)]
    events = html_to_events("<html><head></head><body>" + "".join(
        f'<img src="{u}">' for u in urls) + "</body></html>", href="https://shop.example/",
        timestamp=1_767_225_600_000)
    sender = tmp_path / "sender"
    with Store.open(sender) as store:
        sid = store.ingest(events)[0]
        pngs = [_png((i * 60, 1, 1)) for i in range(3)]
        with AssetStore(sender) as assets:
            for u, png in zip(urls, pngs):
                assets.put(u, png, "image/png", 200, [sid])
        with store.session(sid) as reader:
            write_bundle(tmp_path / "bug.replay", reader)
    monkeypatch.setattr(asset_fetch, "MAX_SESSION_BYTES", len(pngs[0]) + len(pngs[1]))
    got = tmp_path / "got"
    assert main(["--data", str(got), "import", str(tmp_path / "bug.replay")]) == 0
    assert "1 image or font it carries not stored - over a session's cap" in \
        capsys.readouterr().err
    with AssetStore(got) as assets:
        assert len(assets.session_assets(sid)) == 2
    monkeypatch.setattr(asset_fetch, "MAX_ASSET_BYTES", 10)   # a file over the fetch's cap
    from recorder.bundle import open_bundle
    b = open_bundle(tmp_path / "bug.replay")
    try:
        assert b.assets.read(b.assets.find(urls[0])) is None
    finally:
        b.close()


def test_an_erased_sessions_references_leave_the_log_too(tmp_path):
    """The erased session's refs rows go from the write-ahead log even when every URL it
    referenced stays (another session references it): no URL row was dropped."""
    sid = "erased-session-7f3a9c"
    store = AssetStore(tmp_path)
    store.put("https://a.example/1.png", _png((1, 0, 0)), "image/png", 200, [sid, "kept"])
    out = store.forget_session(sid)
    assert out.urls == 0
    for name in ("assets.sqlite3", "assets.sqlite3-wal"):
        p = tmp_path / name
        assert not p.exists() or sid.encode() not in p.read_bytes(), name
    store.close()


def test_a_reload_shows_assets_stored_since_and_a_file_is_checked_again_once_it_changes(
        tmp_path):
    """A player open before a fetch: the lookup read again (`reload`) finds what was stored
    since, and a resolver made after it is another memo key (the sanitizer's answer for the
    old one said "blocked"). A file found whole is not hashed again on every read, but one
    changed on disk since is checked again - a damaged one is never served."""
    import os

    from player.assets import UrlResolver
    from player.sanitize import sanitize_attrs
    from recorder.asset_store import FolderAssets, asset_path

    url = "https://shop.example/p.png"
    lookup = FolderAssets(tmp_path, "s1")
    before = UrlResolver(lookup)
    assert "replay-asset" not in sanitize_attrs("img", {"src": url}, asset=before).get("src", "")
    data = _png((9, 9, 9))
    with AssetStore(tmp_path) as assets:
        kept = assets.put(url, data, "image/png", 200, ["s1"])
    assert lookup.find(url) is None   # read once, at the first question
    lookup.reload()
    after = UrlResolver(lookup)
    assert after != before and lookup.find(url) == kept.sha256
    assert sanitize_attrs("img", {"src": url}, asset=after).get("src") == "replay-asset:/a/" + kept.sha256
    assert lookup.read(kept.sha256) == (data, "image/png")
    path = asset_path(tmp_path, kept.sha256)
    damaged = bytes([data[0] ^ 1]) + data[1:]
    path.chmod(0o644)
    path.write_bytes(damaged)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert lookup.read(kept.sha256) is None


def test_a_url_in_another_script_is_sent_percent_encoded_and_stored_as_the_page_wrote_it(
        two_sites, tmp_path):
    """A page's `/bilder/größe.png` failed unasked ("a broken answer ('ascii' codec can't
    encode...)", a newcomer's): it is asked as a browser asks it, percent-encoded, and kept
    under the URL the page wrote. One escaped already is not escaped twice."""
    from recorder.asset_fetch import Failure, Report, fetch_one

    (_httpd, handler, base), _ = two_sites
    for written, sent in ((f"{base}/bilder/größe.png", "/bilder/gr%C3%B6%C3%9Fe.png"),
                          (f"{base}/a b.png?q=ü", "/a%20b.png?q=%C3%BC"),
                          (f"{base}/%C3%A4.png", "/%C3%A4.png")):
        got = fetch_one(written)
        assert got.url == written and got.mime == "image/png"
        assert handler.log[-1] == sent
    # one that cannot be sent is that image's failure, not the whole fetch's (a reviewer's:
    # a port out of range raised past it), and a host the two IDNAs read apart is not asked
    # (`faß.de` would have been asked of `fass.de`, another host)
    for bad in ("http://x.example:99999/ä.png", "http://faß.de/a.png"):
        with pytest.raises(Failure) as got:
            fetch_one(bad)
        assert got.value.reason == "bad_answer", bad
    # and a failure says its reason once: "not found (404)", not "... (HTTP 404)" too
    report = Report()
    report.errors.append((f"{base}/x.png", "not_found", "HTTP 404"))
    report.errors.append((f"{base}/y.png", "http_error", "HTTP 500"))
    assert report.failed_lines(5) == [f"{base}/x.png - not found (404)",
                                      f"{base}/y.png - answered with an HTTP error (HTTP 500)"]
