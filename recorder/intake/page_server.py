"""A static HTTP server for the demo shop and test pages: `root` on 127.0.0.1, in a thread.

Shipped because the demo shop's server (replay_assets/demo/server.py, `python -m
replay_assets.demo.server`) runs on it; the test harnesses (replay_tools) use it too.
"""
from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files, logging nothing and letting the browser cache nothing."""

    def log_message(self, format, *args):  # noqa: A002 - keep test output clean
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


class PageServer:
    """A real HTTP server on 127.0.0.1 (random free port) serving `root`, in a thread.

    `handler` may be a QuietHandler subclass adding routes (the demo's API).
    Use as a context manager; `url(path)` gives an absolute URL."""

    def __init__(self, root: Path, handler: type[SimpleHTTPRequestHandler] = QuietHandler,
                 port: int = 0):
        self.root = Path(root)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(self.root)))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="page-server", daemon=True)

    @property
    def base_url(self) -> str:
        return "http://127.0.0.1:%d/" % self.httpd.server_address[1]

    def url(self, path: str = "") -> str:
        return self.base_url + path.lstrip("/")

    def __enter__(self) -> "PageServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
