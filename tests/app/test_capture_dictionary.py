"""capture.js's own deflate and the intake's preset dictionary (issue 13), in Debian's chromium.
CompressionStream takes no dictionary, so capture.js has its own deflate (zlibDeflate): here its
output, made in a real page, is read back by Python's zlib - with and without a dictionary - and
stays within reach of zlib's level 6 on real batch text. The worker's transport fetches the
application's dictionary from a real HTTP intake written here (GET /v1/dictionary), posts FDICT
zlib streams the intake reads with that dictionary, and when the intake no longer has it (409
unknown_dictionary) sends the same batch again without it, as it sends the page's next ones."""
from __future__ import annotations

import base64
import json
import random
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from recorder.intake.page_server import QuietHandler  # noqa: E402
from recorder.paths import capture_script  # noqa: E402
from replay_tools.browser_recorder import PageServer  # noqa: E402
from replay_tools.chromium import chromium_path  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

TESTS = Path(__file__).resolve().parents[1]
PAGES = TESTS / "browser" / "pages"
DEMO = TESTS / "fixtures" / "rrweb-player-demo.json"

FDICT = 0x20
LEVEL = 6               # zlib's default level, whose matching capture.js's deflate follows
SIZE_MARGIN = 1.08      # capture.js's output on batch text: at most this times zlib's
WINDOW = 32768          # a dictionary's bytes a deflate window holds

# every case through ReplayCapture.deflate in one evaluate: {data: base64 | text: a string the
# page encodes as UTF-8 (as the worker does a body), dict: base64 | null} -> the output, base64
DEFLATE_ALL = """(cases) => {
  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const b64 = (u8) => { let s = ""; for (let i = 0; i < u8.length; i += 8192) s += String.fromCharCode.apply(null, u8.subarray(i, i + 8192)); return btoa(s); };
  return cases.map((c) => b64(ReplayCapture.deflate(c.text !== undefined ? new TextEncoder().encode(c.text) : bytes(c.data),
                                                    c.dict === null ? null : bytes(c.dict))));
}"""
# the demo recording's events as compact batches (as the sender posts them): the first with
# the page's snapshot, then three of mutations and moves (the last one a quiet moment's)
BATCH_TEXTS = """(events) => [[0, 2], [2, 140], [140, 260], [260, events.length]].map(([a, b], i) => {
  const c = ReplayCapture.compactBatch(events.slice(a, b));
  return JSON.stringify([6, "0f3c9a2e-5b1d-4e7a-9c8b-2d6f1a0e4b37", "a1b2c3d4e5f60718." + i, c.events, c.strings]);
})"""


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _inflated(out: bytes, zdict: bytes | None) -> bytes:
    d = zlib.decompressobj(zdict=zdict) if zdict is not None else zlib.decompressobj()
    back = d.decompress(out)
    assert d.eof and not d.unused_data   # one whole stream, nothing after it
    return back


def _zlib_size(data: bytes, zdict: bytes | None) -> int:
    c = zlib.compressobj(LEVEL, zdict=zdict) if zdict is not None else zlib.compressobj(LEVEL)
    return len(c.compress(data) + c.flush())


def test_our_deflate_is_read_by_zlib_with_and_without_a_dictionary(chromium):
    rnd = random.Random(13)
    noise = bytes(rnd.getrandbits(8) for _ in range(40000))
    json_text = json.dumps([{"id": i, "tag": "div", "class": f"row r{i % 7}", "text": f"Item {i * 7919 % 1000}"}
                            for i in range(2500)]).encode()
    assert len(json_text) > 100_000
    non_ascii = "Zoë's café – 東京 naïve ✓ 😀 " * 300
    page = chromium.new_page()
    try:
        page.add_script_tag(content=capture_script())
        batches = [t.encode() for t in page.evaluate(BATCH_TEXTS, json.loads(DEMO.read_text()))]
        shared = batches[1][-WINDOW:]   # an earlier batch of the site: much in common with the next
        cases = [(b"", None), (b"a", None), (bytes(range(256)), None), (b"\x00" * 70000, None),
                 (b"z" * 300 + b"y" * 5, None), (noise, None), (json_text, None),
                 (b"", shared), (b"a", shared), (bytes(range(256)) * 3, bytes(range(256))),
                 (noise, noise[:20000]), (json_text, json_text[:WINDOW]), (json_text, json_text[-50000:]),
                 (b"\xff" * 1000, b"\xff")]
        cases += [(b, None) for b in batches] + [(batches[3], shared), (batches[2], batches[0][:WINDOW])]
        given = [{"data": _b64(d), "dict": None if z is None else _b64(z)} for d, z in cases]
        given.append({"text": non_ascii, "dict": None})
        given.append({"text": non_ascii, "dict": _b64(non_ascii.encode()[:3000])})
        cases += [(non_ascii.encode(), None), (non_ascii.encode(), non_ascii.encode()[:3000])]
        outs = [base64.b64decode(o) for o in page.evaluate(DEFLATE_ALL, given)]
    finally:
        page.close()
    for (data, zdict), out in zip(cases, outs):
        cmf, flg = out[0], out[1]
        assert cmf == 0x78 and (cmf * 256 + flg) % 31 == 0   # deflate, 32 KB window; FCHECK
        assert bool(flg & FDICT) == (zdict is not None)
        if zdict is not None:
            assert out[2:6] == zlib.adler32(zdict).to_bytes(4, "big")   # DICTID
        assert out[-4:] == zlib.adler32(data).to_bytes(4, "big")
        assert _inflated(out, zdict) == data, (len(data), zdict is not None)
    # on real batch text, as small as zlib's level 6 makes it (or nearly)
    for (data, zdict), out in zip(cases, outs):
        if data in batches or data == json_text:
            assert len(out) <= _zlib_size(data, zdict) * SIZE_MARGIN, (len(data), len(out), _zlib_size(data, zdict))
    with_dict = outs[len(cases) - 4]   # a quiet moment's batch, an earlier one as the dictionary
    assert len(with_dict) < len(outs[cases.index((batches[3], None))]) * 0.8   # the dictionary pays


# ---- the worker's transport against an intake of our own ---------------------------------
APP, TOKEN = "app-dict", "tok-dict"
# the application's dictionary: text its batches have much of (the page's own markup)
DICTIONARY = (PAGES / "installed.html").read_bytes() * 3
PARAGRAPH = "(function (word) { var p = document.createElement('p'); p.className = 'long';" \
            " p.textContent = Array.from({length: 150}, function (_, i) { return word + ' ' + i; }).join(', ');" \
            " document.body.appendChild(p); return 1; })(%s)"
SENT_ALL = "(s => s && s.idle && s.acked === s.queued)(ReplayCapture.flush())"
WAIT_S = 20


class _Intake(BaseHTTPRequestHandler):
    """`replay serve`'s side of the dictionary protocol: GET /v1/dictionary answers the
    dictionary's bytes; each POST /v1/events is read as the intake reads it (a zlib stream with
    FDICT decoded with the dictionary its DICTID names) and kept; `refuse` FDICT posts are
    answered 409 unknown_dictionary (the intake lost it). CORS as for a page of another origin."""
    posts: list[dict] = []
    refuse = 0
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def _cors(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST")
        self.send_header("Access-Control-Allow-Headers", "Authorization, Content-Type, Content-Encoding")

    def _answer(self, status: int, body: bytes, kind: str = "application/json", **headers):
        self.send_response(status)
        self._cors()
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        self.wfile.write(body)

    def do_OPTIONS(self):  # noqa: N802 (http.server)
        self._answer(204, b"")

    def do_GET(self):  # noqa: N802
        url = urlsplit(self.path)
        if url.path == "/capture.js":
            self._answer(200, capture_script().encode(), "text/javascript")
        elif url.path == "/v1/dictionary" and parse_qs(url.query) == {"app": [APP], "token": [TOKEN]}:
            self._answer(200, DICTIONARY, "application/octet-stream", ETag='"d1"', Cache_Control="no-cache")
        else:
            self._answer(404, b"{}")

    def do_POST(self):  # noqa: N802
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        post = {"dict": None, "zipped": self.headers.get("Content-Encoding") == "deflate"}
        if post["zipped"] and raw[1] & FDICT:
            post["dict"] = int.from_bytes(raw[2:6], "big")
            text = _inflated(raw, DICTIONARY if post["dict"] == zlib.adler32(DICTIONARY) else b"")
        else:
            text = _inflated(raw, None) if post["zipped"] else raw
        post["body"] = json.loads(text)
        with self.lock:
            refused = post["dict"] is not None and _Intake.refuse > 0
            _Intake.refuse -= refused
            post["status"] = 409 if refused else 202
            _Intake.posts.append(post)
        if refused:
            self._answer(409, json.dumps({"error": "unknown_dictionary", "message": "gone"}).encode())
        else:
            self._answer(202, b'{"accepted": 1}')


@pytest.fixture()
def dict_intake():
    _Intake.posts, _Intake.refuse = [], 0
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Intake)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


def _until(page, cond, what: str):
    deadline = time.monotonic() + WAIT_S
    while not (value := cond()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        page.wait_for_timeout(50)
    return value


def _posted_since(n: int) -> list[dict]:
    with _Intake.lock:
        return list(_Intake.posts[n:])


def _sent(page, word: str) -> tuple[list[dict], dict]:
    """A paragraph of `word`s added, everything sent: the posts it took, the status after."""
    before = len(_Intake.posts)
    page.evaluate(PARAGRAPH % json.dumps(word))
    _until(page, lambda: page.evaluate(SENT_ALL), f"{word!r} sent")
    return _posted_since(before), page.evaluate("ReplayCapture.status()")


def test_the_worker_compresses_with_the_intakes_dictionary_until_the_intake_forgets_it(
        chromium, dict_intake):
    cfg = {"intake": dict_intake, "app": APP, "token": TOKEN, "flushMs": 100,
           "rules": {"default": "mask-user-input"}}
    with PageServer(PAGES, QuietHandler) as site:   # the page from another origin than the intake's
        ctx = chromium.new_context()
        try:
            page = ctx.new_page()
            page.goto(site.url("installed.html") + "#" + quote(json.dumps(cfg)))
            page.wait_for_function("window.ReplayCapture && ReplayCapture.status()")
            want = f"{zlib.adler32(DICTIONARY):08x}"
            _until(page, lambda: page.evaluate("ReplayCapture.status().dictionary") == want,
                   "the worker to have the dictionary")
            used, st_used = _sent(page, "alpha")
            _Intake.refuse = 1
            dropped, st_dropped = _sent(page, "beta")
            after, st_after = _sent(page, "gamma")
        finally:
            ctx.close()
    # with the dictionary: FDICT streams naming it, which the intake reads with it
    assert used and all(p["zipped"] and p["dict"] == zlib.adler32(DICTIONARY) for p in used), used
    assert "alpha 149" in json.dumps([p["body"] for p in used])
    assert st_used["transport"] == "worker" and st_used["dictionary"] == want and not st_used["errors"]
    # the intake forgot it: the refused batch went again at once, without it (CompressionStream)
    first, again = dropped[0], dropped[1]
    assert first["status"] == 409 and first["dict"] is not None
    assert again["status"] == 202 and again["zipped"] and again["dict"] is None
    assert again["body"][2] == first["body"][2] and again["body"] == first["body"]   # the same batch
    assert "beta 149" in json.dumps(again["body"])
    assert st_dropped["dictionary"] is None and st_dropped["failed"] == 0, st_dropped
    # ... and the page's next batches go without it too
    assert after and all(p["dict"] is None and p["status"] == 202 for p in after), after
    assert "gamma 149" in json.dumps([p["body"] for p in after])
    assert st_after["failed"] == 0 and st_after["acked"] == st_after["queued"]
