"""`replay serve --demo`: the intake serves the demo shop at /demo/ with capture.js installed
as a site installs it, sending to the same intake as application `demo`. A real server and a
real browser (QtWebEngine, nothing injected: only what the page installs records): a visit
across two pages lands in `replay sessions`, masked in the browser, the page's badge counting
what was sent without being recorded itself. Without --demo, `/` says how to turn it on."""
from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
import pytest

from recorder.intake.demo import DEMO_APP, DEMO_FILE
from recorder.source import open_recording
from replay_tools.browser_recorder import BrowserRecorder, BrowserRecordingError, Wait
from replay_tools.intake import IntakeServer, free_port, replay_cli

def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _open(b: BrowserRecorder, url: str) -> None:
    """Load `url` in the harness's browser with nothing injected, and wait for the
    capture.js the page installs to be running."""
    from PySide6.QtCore import QUrl

    b._loading = True
    b._page.load(QUrl(url))
    _capturing(b)


def _capturing(b: BrowserRecorder) -> None:
    b.wait_loaded()
    b._wait_until(lambda: b.eval("window.ReplayCapture && ReplayCapture.status()"),
                  "the page's capture.js to start")


def _sent_everything(b: BrowserRecorder) -> dict:
    return b._wait_until(lambda: (lambda s: s if s["idle"] and s["acked"] == s["queued"] else None)(
        b.eval("ReplayCapture.flush()")), "capture.js to send everything")


@pytest.fixture()
def demo_intake(tmp_path):
    with IntakeServer(tmp_path / "data", args=("--demo",)) as srv:
        yield srv


def test_the_demo_shop_sends_a_visit_to_this_intake(qapp, demo_intake):
    srv = demo_intake
    status, index = _get(srv.url + "/")
    assert status == 200 and f'href="{srv.url}/demo/"' in index
    with BrowserRecorder(recorder="capture") as b:
        b.browser.disarm()
        _open(b, srv.url + "/demo/")
        b._wait_until(lambda: b.eval("document.querySelectorAll('#grid .card').length"),
                      "the products to load from the demo API")
        sid = b.eval("window.__replaySession")
        b.click("#product-2 .add")
        # (as a person would: seen added before searching - the grid the search redraws
        # holds the button that says so; its "Added" lasts 1.5 s, the cart's count stays)
        b._wait_until(lambda: b.eval("document.getElementById('cart-count').textContent")
                      != "0", "the cart to take the product")
        b.type("#search", "mug")
        try:
            b._wait_until(lambda: b.eval("document.getElementById('result-count').textContent")
                          .startswith("2"), "the search to answer")
        except BrowserRecordingError as exc:   # what the page shows, to tell why
            box, said = b.eval("[document.getElementById('search').value,"
                               " document.getElementById('result-count').textContent]")
            raise AssertionError(f"{exc}\n(the box holds {box!r}, the count says {said!r})")
        first = _sent_everything(b)
        b._wait_until(lambda: b.eval("window.__replayDemoBadge.textContent")
                      == str(first["acked"]), "the badge to count the events sent")
        b.click("#open-cart")
        b.run([Wait(800)])                                          # the drawer slides in
        b.click("#go-checkout")
        b._wait_until(lambda: not b._loading and "checkout" in b._page.url().toString(),
                      "the checkout page")
        _capturing(b)
        b._wait_until(lambda: b.eval("!!document.getElementById('email')"), "the checkout form")
        b.type("#email", "jane.doe@example.com")
        b.type("#full-name", "Jane Doe")
        # the new-user review: a coupon code the page echoes into its request URL and the
        # console ("No coupon named ...") - masked in the browser there too
        b.type("#coupon", "quokkacoupon")
        b.click("#apply-coupon")
        b._wait_until(lambda: b.eval("performance.getEntriesByType('resource').some("
                                     "function (r) { return r.name.indexOf('api/coupons/') >= 0; })"),
                      "the coupon lookup")
        b.run([Wait(300)])                                  # its console line
        assert b.eval("window.__replaySession") == sid      # one session across the visit
        second = _sent_everything(b)
    assert first["failed"] == second["failed"] == 0
    deadline = time.monotonic() + 20     # the first page's last events went by sendBeacon
    while True:
        proc = replay_cli(srv.data, "sessions", "--json")
        assert proc.returncode == 0, proc.stderr
        rows = {r["id"]: r for r in json.loads(proc.stdout)}
        if sid in rows and rows[sid]["record_count"] >= first["acked"] + second["acked"]:
            break
        assert time.monotonic() < deadline, rows
        time.sleep(0.2)
    assert rows[sid]["first_url"] == srv.url + "/demo/"
    stored = list(open_recording(sid, srv.data).events())
    assert sum(1 for e in stored if e["type"] == 2) == 2           # the shop, then checkout
    blob = json.dumps(stored)
    assert "Ceramic Mug" in blob and "Jane Doe" not in blob         # mask-user-input
    assert "jane.doe@example.com" not in blob                       # masked in the browser
    assert "quokka" not in blob.lower() and "api/coupons/***" in blob   # and its echoes
    assert "events sent" not in blob and "install it" not in blob   # the badge: never recorded
    # ... not even as a box: its host is empty (the badge floats in a closed shadow root), so
    # a replay of the shop shows no grey "hidden" bar where it was
    hosts = re.findall(r'"attributes": (\{"id": "replay-demo-badge"[^}]*\})', blob)
    assert hosts and all("rr_width" not in h or '"rr_width": "0px"' in h for h in hosts), hosts
    statuses = {e["data"]["payload"]["resource"]["url"].split("/demo/")[1]:
                e["data"]["payload"]["resource"]["status_code"] for e in stored
                if e["type"] == 6 and e["data"]["payload"].get("type") == "resource"
                and e["data"]["payload"]["resource"].get("type") == "fetch"}
    # the search typed into the masked box, "mug", is masked where the request names it
    # (a URL parameter's whole value: a short typed value, 3 letters) - the page's own text of
    # the results keeps it
    assert statuses["api/cart"] == 200 and statuses["api/products?q=***"] == 200, statuses
    assert "products?q=mug" not in blob


def test_serve_demo_keeps_one_demo_application(tmp_path):
    data = tmp_path / "data"
    with IntakeServer(data, args=("--demo",)):
        pass
    saved = json.loads((data / DEMO_FILE).read_text())
    with IntakeServer(data, args=("--demo",)) as srv:
        _, page = _get(srv.url + "/demo/checkout.html")
        assert saved["token"] in page and saved["id"] in page
    proc = replay_cli(data, "app", "list", "--json")
    assert [a["name"] for a in json.loads(proc.stdout)].count(DEMO_APP) == 1


def test_serve_demo_makes_a_private_data_folder_and_says_so(tmp_path):
    """`serve --demo` made a new folder readable by everyone (0755, where `app create` and
    `import` make it the owner's alone) and said nothing of it (an operator's tryout)."""
    data = tmp_path / "data"
    with IntakeServer(data, args=("--demo",), make_folder=False) as srv:
        assert (data.stat().st_mode & 0o777) == 0o700
        assert f"replay: note: created a new data folder at {data.resolve()} - the demo's" \
               " visits are stored there" in srv.log()
    with IntakeServer(data, args=("--demo",)) as srv:   # (once made, not said again)
        assert "created a new data folder" not in srv.log()


def test_serve_demo_refuses_someone_elses_demo_application(tmp_path):
    data = tmp_path / "data"
    assert replay_cli(data, "app", "create", DEMO_APP).returncode == 0
    proc = replay_cli(data, "serve", "--demo", "--port", free_port())
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert "--demo" in line and "exists already" in line
    assert not (data / DEMO_FILE).exists()


def test_without_demo_the_page_says_how_to_turn_it_on(tmp_path):
    with IntakeServer(tmp_path / "data") as srv:
        status, index = _get(srv.url + "/")
        # not the default data folder: --data said, its path not (anyone may load these)
        hint = "replay --data &lt;DATA&gt; serve --demo"
        assert status == 200 and hint in index and 'href="/demo/' not in index
        assert str(srv.data) not in index
        for path in ("/demo/", "/demo/index.html"):
            status, page = _get(srv.url + path)
            assert status == 404 and hint in page and "capture.js\"" not in page
            assert str(srv.data) not in page
        status, body = _get(srv.url + "/demo/api/products")
        assert status == 404 and json.loads(body)["error"] == "demo_off"
    assert not (tmp_path / "data" / DEMO_FILE).exists()
