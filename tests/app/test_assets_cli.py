"""`replay assets fetch` against a real HTTP server on 127.0.0.1: what a server answers badly
(nothing there, an HTML page, a 5 GB answer, no server at all) is one line each, nothing of
it is stored, and the command says so by its exit status; a session named wrong is refused
before anything is asked. `replay delete` takes the images no remaining session references."""
from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from recorder.privacy.preview import html_to_events

GIB = 1 << 30


def _png(colour, size=(40, 20)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


PNGS = {"/ok.png": _png((200, 0, 0)), "/shared.png": _png((0, 200, 0)),
        "/a.png": _png((0, 0, 200)), "/b.png": _png((200, 200, 0))}


class Site(BaseHTTPRequestHandler):
    log: list[str] = []

    def log_message(self, *a):  # noqa: D102 - quiet
        pass

    def do_GET(self):  # noqa: N802
        type(self).log.append(self.path)
        if self.path in PNGS:
            body = PNGS[self.path]
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/page.png":   # a login page where an image was
            body = b"<!doctype html><title>Sign in</title><form>...</form>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path in ("/huge.png", "/endless.png"):
            # 5 GB said (or not said: the answer just goes on), sent until the client stops
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            if self.path == "/huge.png":
                self.send_header("Content-Length", str(5 * GIB))
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = PNGS["/ok.png"][:8] + bytes(64 * 1024 - 8)
            try:
                for _ in range(5 * GIB // len(chunk)):
                    self.wfile.write(chunk)
                    chunk = bytes(64 * 1024)
            except OSError:   # the client cut it off
                pass
        else:
            self.send_error(404)


@pytest.fixture
def site():
    handler = type("Handler", (Site,), {"log": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()   # nothing listens there now
    return port


def _replay(*args: str, data: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", "--data", str(data), *args],
                          capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, COLUMNS="200"))


def _import(tmp_path: Path, data: Path, name: str, body: str, href: str, t0: int) -> str:
    events = html_to_events(f"<!doctype html><html><head></head><body>{body}</body></html>",
                            href=href, timestamp=t0)
    events.append({"type": 3, "timestamp": t0 + 500, "data": {
        "source": 1, "positions": [{"x": 1, "y": 1, "id": 1, "timeOffset": 0}]}})
    f = tmp_path / f"{name}.json"
    f.write_text(json.dumps(events))
    p = _replay("import", str(f), data=data)
    assert p.returncode == 0, p.stderr
    return p.stdout.split()[0]


def _stored_files(data: Path) -> list[Path]:
    return sorted(p for p in (data / "assets").glob("*/*") if p.is_file()) \
        if (data / "assets").is_dir() else []


def test_bad_answers_are_each_one_line_and_nothing_of_them_is_stored(site, tmp_path):
    base, handler = site
    data = tmp_path / "data"
    down = f"http://127.0.0.1:{_closed_port()}/logo.png"
    sid = _import(tmp_path, data, "shop", "".join(
        f'<img src="{u}">' for u in (f"{base}/ok.png", f"{base}/missing.png", f"{base}/page.png",
                                     f"{base}/huge.png", f"{base}/endless.png", down)),
        href=f"{base}/shop/", t0=1_767_225_600_000)
    t = time.monotonic()
    p = _replay("assets", "fetch", sid, "--max-size", "2MB", "--origin", down, data=data)
    took = time.monotonic() - t
    assert p.returncode == 1, p.stdout + p.stderr   # some could not be fetched: said so
    assert "Traceback" not in p.stdout + p.stderr
    line = p.stdout.strip()
    assert "\n" not in line
    assert line.startswith("fetched 1 image (") and "for 1 session; " in line, line
    for said in ("1 not found (404)", "1 not an image or font", "2 over the size cap",
                 "1 server unreachable"):
        assert said in line, line
    # each URL that was not stored, once, why: the 5 GB were cut off at the cap (2 MB),
    # not read to their end
    lines = [x for x in p.stderr.splitlines() if x.startswith("  not stored: ")]
    assert len(lines) == 5, p.stderr
    assert any("/page.png - not an image or font (text/html)" in x for x in lines), lines
    assert any("/huge.png - over the size cap (5,368,709,120 bytes)" in x for x in lines), lines
    assert any("/endless.png - over the size cap (over 2,097,152 bytes)" in x for x in lines)
    assert any(down in x and "server unreachable" in x for x in lines), lines
    assert took < 60
    # only the image is stored, whole; nothing of the others (no temporary file either)
    files = _stored_files(data)
    assert [f.read_bytes() for f in files] == [PNGS["/ok.png"]]
    listed = json.loads(_replay("assets", "list", sid, "--json", data=data).stdout)[sid]
    assert [a["url"] for a in listed] == [f"{base}/ok.png"]
    # asked again: what is stored is not fetched again, the rest is tried again
    handler.log.clear()
    p = _replay("assets", "fetch", sid, "--json", "--max-size", "2MB", "--origin", down,
                data=data)
    got = json.loads(p.stdout)
    assert p.returncode == 1 and got["fetched"] == 0 and got["stored_already"] == 1
    assert "/ok.png" not in handler.log
    assert {f["reason"] for f in got["failures"]} == {
        "not found (404)", "not an image or font", "over the size cap", "server unreachable"}


def test_a_session_named_wrong_is_refused_before_anything_is_asked(site, tmp_path):
    base, handler = site
    data = tmp_path / "data"
    _import(tmp_path, data, "shop", f'<img src="{base}/ok.png">', href=f"{base}/",
            t0=1_767_225_600_000)
    for args, said in ((["nope"], "nope"), ([], "name the sessions to fetch the images of")):
        p = _replay("assets", "fetch", *args, data=data)
        assert p.returncode == 2, p.stderr
        assert said in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert handler.log == []
    assert not (data / "assets.sqlite3").exists() and _stored_files(data) == []
    p = _replay("assets", "fetch", "--all", data=tmp_path / "nowhere")
    assert p.returncode == 2 and "no data folder" in p.stderr
    assert not (tmp_path / "nowhere").exists()


def test_delete_takes_the_images_no_remaining_session_references(site, tmp_path):
    base, _handler = site
    data = tmp_path / "data"
    a = _import(tmp_path, data, "a", f'<img src="{base}/shared.png"><img src="{base}/a.png">',
                href=f"{base}/a", t0=1_767_225_600_000)
    b = _import(tmp_path, data, "b", f'<img src="/shared.png"><img src="b.png">',
                href=f"{base}/b", t0=1_767_225_700_000)   # relative to the page
    p = _replay("assets", "fetch", "--all", data=data)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.strip().startswith("fetched 3 images") and "for 2 sessions" in p.stdout
    assert len(_stored_files(data)) == 3
    p = _replay("delete", a, "--yes", data=data)
    assert p.returncode == 0, p.stderr
    assert "1 stored image or font no other session references" in p.stderr
    left = [f.read_bytes() for f in _stored_files(data)]
    assert sorted(left) == sorted([PNGS["/shared.png"], PNGS["/b.png"]])
    listed = json.loads(_replay("assets", "--json", data=data).stdout)
    assert [s["session"] for s in listed["sessions"]] == [b] and listed["files"] == 2
    p = _replay("delete", b, "--yes", "--json", data=data)
    assert json.loads(p.stdout)[0]["asset_files"] == 2
    assert _stored_files(data) == []
    import sqlite3
    db = sqlite3.connect(data / "assets.sqlite3")
    assert db.execute("SELECT COUNT(*) FROM assets").fetchone() == (0,)
    assert db.execute("SELECT COUNT(*) FROM refs").fetchone() == (0,)
    db.close()


def test_only_the_sessions_own_sites_are_asked_unless_an_origin_is_given(tmp_path):
    """The URLs are what visitors' browsers sent: a page at site A naming an image at B (here
    another port of 127.0.0.1 - it could be a cloud's metadata address) is not asked of B
    unless --origin names it; the summary says how many were left and what to do."""
    servers = []
    for _ in range(2):
        handler = type("Handler", (Site,), {"log": []})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append((httpd, handler, f"http://127.0.0.1:{httpd.server_address[1]}"))
    try:
        (_ha, site, a), (_hb, other, b) = servers
        data = tmp_path / "data"
        sid = _import(tmp_path, data, "shop", f'<img src="{a}/ok.png"><img src="{b}/a.png">',
                      href=f"{a}/shop/", t0=1_767_225_600_000)
        p = _replay("assets", "fetch", sid, data=data)
        assert p.returncode == 1, p.stdout + p.stderr
        assert other.log == [] and site.log == ["/ok.png"]
        assert p.stdout.strip().startswith("fetched 1 image (") and p.stdout.strip().endswith(
            "; 1 not from the session's sites - give --origin to fetch them"), p.stdout
        p = _replay("assets", "fetch", sid, "--origin", f"{b}/any/path", data=data)
        assert p.returncode == 0, p.stdout + p.stderr
        assert other.log == ["/a.png"]
    finally:
        for httpd, _h, _u in servers:
            httpd.shutdown()
            httpd.server_close()


def test_sizes_and_timeouts_out_of_range_are_one_line_and_no_sessions_is_no_mistake(
        site, tmp_path):
    base, _handler = site
    data = tmp_path / "data"
    (data).mkdir()
    p = _replay("assets", "fetch", "--all", data=data)
    if p.returncode == 2 and "no data folder" in p.stderr:   # an empty folder is no store yet
        sid = _import(tmp_path, data, "x", "<p>x</p>", href=f"{base}/", t0=1_767_225_600_000)
        assert _replay("delete", sid, "--yes", data=data).returncode == 0
        p = _replay("assets", "fetch", "--all", data=data)
    assert p.returncode == 0 and "no sessions" in p.stdout, p.stdout + p.stderr
    for args in (["--max-size", "inf"], ["--max-size", "1e400"], ["--timeout", "0.5"],
                 ["--timeout", "3601"], ["--origin", "ftp://x.example"]):
        p = _replay("assets", "fetch", "--all", *args, data=data)
        assert p.returncode == 2 and "Traceback" not in p.stderr, (args, p.stderr)
        assert len(p.stderr.strip().splitlines()) <= 3, p.stderr   # argparse's usage + line
    p = _replay("assets", "fetch", "--all", "--timeout", "1", data=data)
    assert p.returncode == 0, p.stderr


def test_ctrl_c_stops_a_fetch_at_once_and_asks_nothing_more(tmp_path):
    """Servers that drip a byte at a time: Ctrl+C ends the command promptly with 130, the
    requests not started are never made, the running ones end at their next read."""
    import signal

    class Drip(BaseHTTPRequestHandler):
        log: list[str] = []

        def log_message(self, *a):
            pass

        def do_GET(self):  # noqa: N802
            type(self).log.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            try:
                for i in range(100):   # bounded: 30 s at most
                    self.wfile.write(PNGS["/ok.png"][i:i + 1])
                    self.wfile.flush()
                    time.sleep(0.3)
            except OSError:
                pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        data = tmp_path / "data"
        sid = _import(tmp_path, data, "shop", "".join(f'<img src="{base}/{i}.png">'
                                                      for i in range(12)),
                      href=f"{base}/shop/", t0=1_767_225_600_000)
        # Ctrl+C as a terminal delivers it, to a command with SIGINT's default: a shell runs
        # a background job (a CI run started with `&`) with SIGINT ignored, inherited by every
        # child, and Python then installs no KeyboardInterrupt handler - the fetch, rightly
        # deaf to a signal its starter ignores, ran its 30 s drips to their end
        p = subprocess.Popen([sys.executable, "-m", "app", "--data", str(data), "assets",
                              "fetch", sid], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 30
        while len(Drip.log) < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(Drip.log) == 4   # (4 at a time)
        p.send_signal(signal.SIGINT)
        t = time.monotonic()
        try:
            p.communicate(timeout=20)
        finally:
            p.kill()
        assert p.returncode == 130 and time.monotonic() - t < 5
        assert len(Drip.log) == 4
    finally:
        httpd.shutdown()
        httpd.server_close()
