"""The demo shop's server: "Acme Shop" pages and its small JSON API on 127.0.0.1.

A real HTTP server (ThreadingHTTPServer) so the demo recording holds real network calls.
The API's answers (most 200, the coupon lookup 404, the shipping quote 500, slow
recommendations) are recorder/intake/demo.py's, which `replay serve --demo` answers too.

    python -m replay_assets.demo.server [--port 8000]   # browse the shop yourself
    python assets/demo/server.py [--port 8000]          # the same, from a checkout
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

HERE = Path(__file__).resolve().parent
PAGES = HERE / "pages"
sys.path.insert(0, str(HERE.parent.parent))  # run as a script from a checkout

from recorder.intake.demo import Answer, Shop  # noqa: E402
from recorder.intake.page_server import PageServer, QuietHandler  # noqa: E402

API = "/api/"


class DemoHandler(QuietHandler):
    shop = Shop()

    def _answer(self, answer: Answer) -> None:
        time.sleep(answer.delay_s)
        data = json.dumps(answer.body).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page navigated away before the (slow) answer: normal in a visit

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(n) or b"{}")
        except ValueError:
            return {}

    def do_GET(self):  # noqa: N802 - http.server's naming
        url = urlsplit(self.path)
        if url.path.startswith(API):
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            return self._answer(self.shop.get(url.path[len(API):], query))
        return super().do_GET()

    def do_POST(self):  # noqa: N802
        url = urlsplit(self.path)
        body = self._body()
        if url.path.startswith(API):
            return self._answer(self.shop.post(url.path[len(API):], body))
        return self._answer(Answer(404, {"error": "not_found"}))


def demo_server(port: int = 0) -> PageServer:
    """The shop on 127.0.0.1 (a free port unless given), with a fresh cart."""
    DemoHandler.shop = Shop()
    return PageServer(PAGES, DemoHandler, port=port)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8000)
    args = ap.parse_args(argv)
    try:
        srv = demo_server(args.port)   # (it listens once made)
    except OSError as exc:   # (a QA's tryout: a traceback, then a script run against what
        # held the port - another site - said "not reproduced")
        print(f"demo server: cannot listen on 127.0.0.1:{args.port} ({exc.strerror or exc})"
              " - is something else on that port? Give another with --port N, or --port 0"
              " for a free one", file=sys.stderr)
        return 2
    with srv:
        print(f"Acme Shop on {srv.base_url} — Ctrl+C to stop", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())
