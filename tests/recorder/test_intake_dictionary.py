"""Shared dictionaries (recorder/intake/dictionary.py): made of the application's pages as
anyone is served them - a real HTTP server on 127.0.0.1 stands for the site - never of what a
visitor sent; a body compressed against one decodes to the same batch."""
from __future__ import annotations

import json
import time
import zlib
from contextlib import contextmanager

import pytest

from recorder.intake import compact, dictionary as shared
from recorder.intake.apps import Applications
from recorder.intake.dictionary import (MIN_SESSIONS, Dictionaries, Page, address, addresses, build,
                                        held_strings)
from recorder.intake.live import LiveIntake
from recorder.intake.wire import Batch, WireError, decode_request, preset_dictionary_id
from recorder.limits import Limits
from recorder.privacy import parse_rules
from recorder.privacy.preview import html_to_events
from recorder.store import Store
from replay_tools.browser_recorder import PageServer

ALLOW = parse_rules('default = "allow"\ndetectors = []\n')
HTML = """<!DOCTYPE html><html><head><title>Acme Shop</title>
<link rel="stylesheet" href="style.css"></head><body>
<header class="topbar"><nav class="nav"><a href="index.html">Home</a><a href="new.html">New in</a>
<a href="#top">Top</a></nav></header>
<p class="hello"></p>
<section class="grid"><div class="card">Desk lamp</div><div class="card">Mug</div></section>
</body></html>"""


def visited(greeting: str, url: str, t: int = 1_700_000_000_000) -> list[dict]:
    """A visitor's page as stored: the site's page with their own greeting in it."""
    return html_to_events(HTML.replace('<p class="hello"></p>', f'<p class="hello">{greeting}</p>'),
                          href=url, timestamp=t)


def zipped(data: bytes, zdict: bytes | None = None) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY,
                         **({"zdict": zdict} if zdict else {}))
    return c.compress(data) + c.flush()


def test_addresses_are_those_enough_sessions_visited_without_query_on_the_sites_origins():
    site = "https://shop.example"
    secrets = [f"{site}/reset/9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c",           # a reset token
               f"{site}/invite/3f2a1b0c-9d8e-4f6a-b5b4-c3d2e1f0a9b8",       # an invitation
               f"{site}/s/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc",        # a JWT
               f"{site}/share/Xk29fQp7Lm3Zt8Rw5Yv1",                         # a share link
               f"{site}/invite/3f2a9b8c-7d6e-4f4a-8b2c-1d0e9f8a7b6c.html",  # ... with an extension
               f"{site}/docs/report-a94a8fe5ccb19ba61c4c.pdf",              # ... inside a name
               "https://bob:hunter2@shop.example/a",                         # credentials
               f"{site}/users/jane.doe%40example.com",                       # an e-mail
               f"{site}/users/xxxxxxxxxxxxxxxx"]                             # what masking left
    sessions = [[f"{site}/index.html?coupon=JANE{k}#top", f"{site}/index.html",
                 f"{site}/orders/{k}", *secrets] for k in range(MIN_SESSIONS)]
    sessions += [[f"{site}/help.html"]] * (MIN_SESSIONS - 1) + [["https://elsewhere.example/x"]] * 9
    allowed = addresses(sessions, lambda url: url.startswith(site + "/"))
    # each session counts once per address; a one-off address (a person's order) is not
    # asked, nor one shaped like a secret or holding one, however often
    assert allowed == [f"{site}/index.html"]
    # the most visited first (closest to what is compressed)
    assert addresses(sessions + [[f"{site}/help.html"]] * 2, lambda url: url.startswith(site)) \
        == [f"{site}/help.html", f"{site}/index.html"]
    for ordinary in ("/about/team-2024", "/blog/2024-05-spring-collection-launch",
                     "/photos/IMG20240501.jpg"):   # an ordinary page's name is no secret
        assert address(ordinary, "https://shop.example/") == "https://shop.example" + ordinary


def test_a_page_is_skeletoned_as_capture_js_sends_it_absolute_and_masked():
    page = Page("https://shop.example/index.html", HTML.encode())
    built = build([page], ALLOW)
    held = held_strings(built.data)
    assert {"Desk lamp", "topbar", "https://shop.example/new.html", "#top",
            "https://shop.example/style.css"} <= held
    stricter = parse_rules('default = "allow"\ndetectors = []\n[[rule]]\nselector = ".grid"\n'
                           'level = "mask"\n')
    assert "Desk lamp" not in held_strings(build([page], stricter).data)
    # over the budget: the most visited page's start
    cut = build([page], ALLOW, max_bytes=len(built.data) // 2)
    assert cut.data == built.data[:len(built.data) // 2] and "Mug" not in held_strings(cut.data)
    assert build([], ALLOW) is None


def test_a_new_visitors_body_against_it_is_smaller_and_decodes_through_the_wire():
    url = "https://shop.example/index.html"
    built = build([Page(url, HTML.encode())], ALLOW)
    events, strings = compact.encode(visited("Hello, someone new", url), 6)   # as capture.js posts
    body = json.dumps([compact.ENCODING_6, "new-visit", "b.0", events, strings],
                      separators=(",", ":")).encode()
    plain, against = zipped(body), zipped(body, built.data)
    assert len(against) < len(plain) * 0.6
    assert preset_dictionary_id(against) == built.id and preset_dictionary_id(plain) is None
    batch, _, _ = decode_request(against, "deflate", Limits(),
                                 dictionary=lambda i: built.data if i == built.id else None)
    assert batch.session_id == "new-visit" and len(batch.events) == 2
    with pytest.raises(WireError) as refused:   # a dictionary the intake does not have
        decode_request(against, "deflate", Limits(), dictionary=lambda i: None)
    assert refused.value.status == 409 and refused.value.code == "unknown_dictionary"
    # one that has the id but not the bytes (a collision, a damaged file): a clear refusal
    with pytest.raises(WireError) as bad:
        decode_request(against, "deflate", Limits(), dictionary=lambda i: b"other bytes")
    assert bad.value.status == 400
    with pytest.raises(WireError) as cut:   # cut off mid-body: refused, nothing decoded
        decode_request(against[:len(against) // 2], "deflate", Limits(),
                       dictionary=lambda i: built.data if i == built.id else None)
    assert cut.value.code == "bad_encoding" and "cut off" in str(cut.value)


def test_a_page_that_is_no_document_is_left_out():
    empty, good = Page("https://shop.example/empty", b""), Page("https://shop.example/", HTML.encode())
    assert build([empty], ALLOW) is None
    assert build([empty, good], ALLOW).pages == ("https://shop.example/",)


@contextmanager
def empty_site(tmp_path):
    """A site on 127.0.0.1 (index.html public) and a data folder whose application is that
    site, its dictionary turned on: (data, app, pages)."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text(HTML)
    data = tmp_path / "data"
    data.mkdir()
    with PageServer(root) as pages:
        apps = Applications(data)
        app, _ = apps.create("shop", [pages.base_url.rstrip("/")])
        apps.close()
        Dictionaries(data).set_enabled(app.id, True)
        yield data, app, pages


@pytest.fixture
def site(tmp_path):
    """`empty_site` (no orders page for anyone not logged in) with MIN_SESSIONS visits of it
    stored - each visitor's own greeting in their page, and an order page each."""
    with empty_site(tmp_path) as (data, app, pages):
        live = LiveIntake(Store.open(data), ALLOW)
        t0 = int(time.time() * 1000) - 60_000
        for k in range(MIN_SESSIONS):
            live.accept(app, Batch(session_id=f"visit-{k}", events=visited(
                f"Hello, visitor {k}", pages.url("index.html") + f"?ref=mail-{k}", t0 + k)))
            live.accept(app, Batch(session_id=f"visit-{k}", events=visited(
                "Your orders", pages.url("orders.html"), t0 + 10 + k)))
        live.store.close()
        yield data, app, pages


def test_built_of_the_sites_page_as_anyone_is_served_it_never_of_a_visitors(site):
    data, app, pages = site
    dicts = Dictionaries(data)
    with Store.open(data) as store:
        assert dicts.stale(app.id, ALLOW)
        built = dicts.rebuild(store, app, ALLOW)
    assert built.pages == (pages.url("index.html"),)
    assert dicts.current(app.id) == built.data and dicts.lookup(app.id, built.id) == built.data
    info = dicts.shown(app.id).info
    # orders.html, visited by every session, is not linked from the front page: never asked
    # (asked, it would be in `failed`: it answers 404)
    assert info.pages == built.pages and info.failed == {}
    assert b"Desk lamp" in built.data
    assert b"Hello, visitor" not in built.data and b"Your orders" not in built.data
    assert b"mail-" not in built.data   # the query the visits carried
    assert not dicts.stale(app.id, ALLOW)
    # other rules: made again at the next fetch, the one there is given meanwhile
    stricter = parse_rules('default = "mask"\n')
    assert dicts.stale(app.id, stricter) and dicts.current(app.id) == built.data


def test_off_until_turned_on_and_a_damaged_file_is_made_again(site):
    data, app, pages = site
    dicts = Dictionaries(data)
    apps = Applications(data)
    try:
        with Store.open(data) as store:
            other = apps.create("blog", [pages.base_url.rstrip("/")])[0]   # never turned on
            assert not dicts.stale(other.id, ALLOW) and dicts.rebuild(store, other, ALLOW) is None
            built = dicts.rebuild(store, app, ALLOW)
            path = data / shared.FOLDER / app.id / f"{built.id:08x}.bin"
            path.write_bytes(built.data[:-1] + b"!")
            assert Dictionaries(data).lookup(app.id, built.id) is None   # not its Adler-32
            assert dicts.stale(app.id, ALLOW)                            # so: made again
            assert dicts.rebuild(store, app, ALLOW).data == path.read_bytes() == built.data
            dicts.set_enabled(app.id, False)
            assert not path.exists() and dicts.current(app.id) is None
            assert dicts.rebuild(store, app, ALLOW) is None and not dicts.stale(app.id, ALLOW)
            dicts.set_enabled(app.id, True)
            anyone = apps.change_origins(app.id, ["*"], [])   # any origin: no one site to ask
            assert dicts.rebuild(store, anyone, ALLOW) is None and dicts.current(app.id) is None
    finally:
        apps.close()


def test_a_try_that_made_none_is_not_made_again_at_every_page_load_nor_loses_the_last(site):
    data, app, pages = site
    dicts = Dictionaries(data)
    with Store.open(data) as store:
        built = dicts.rebuild(store, app, ALLOW)
        (pages.root / "index.html").unlink()   # the site answers no page now
        # the hourly try finds none: the one there was stays given
        again = dicts.rebuild(store, app, ALLOW)
        assert again is None and dicts.current(app.id) == built.data
        dicts.set_enabled(app.id, False)
        dicts.set_enabled(app.id, True)
        assert dicts.rebuild(store, app, ALLOW) is None and dicts.current(app.id) is None
    later = time.time() + shared.RETRY_S
    assert not dicts.stale(app.id, ALLOW)            # tried just now: not at the next page load
    assert dicts.stale(app.id, ALLOW, now=later)     # a while later


def test_a_try_before_enough_visits_asks_the_site_nothing_and_is_tried_again_soon(tmp_path):
    with empty_site(tmp_path) as (data, app, _pages):
        dicts = Dictionaries(data)
        with Store.open(data) as store:
            assert dicts.rebuild(store, app, ALLOW) is None   # no session yet
        info = dicts.shown(app.id).info
        assert info.why is shared.Why.FEW_VISITS and info.failed == {}
        assert not dicts.stale(app.id, ALLOW)
        assert dicts.stale(app.id, ALLOW, now=time.time() + shared.RETRY_FEW_S)
        assert not dicts.stale(app.id, ALLOW, now=time.time() + shared.RETRY_FEW_S / 2)
