"""The demo shop's server: "Acme Shop" pages and a small JSON API on 127.0.0.1.

A real HTTP server (ThreadingHTTPServer) so the demo recording holds real network calls:
most answer 200, the coupon lookup 404s, the shipping quote 500s and the recommendations
are slow on purpose — the things a support engineer looks for in a replay.

    python assets/demo/server.py [--port 8000]     # browse the shop yourself
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

HERE = Path(__file__).resolve().parent
PAGES = HERE / "pages"
sys.path.insert(0, str(HERE.parent.parent))  # run as a script from a checkout

from replay_tools.browser_recorder import PageServer  # noqa: E402

PRODUCTS = [
    {"id": 1, "name": "Desk Lamp", "price": 39.0, "kind": "lamp", "color": "#f4b942", "rating": 4.6},
    {"id": 2, "name": "Ceramic Mug", "price": 12.5, "kind": "mug", "color": "#4f86c6", "rating": 4.8},
    {"id": 3, "name": "Lounge Chair", "price": 249.0, "kind": "chair", "color": "#d96c4f", "rating": 4.3},
    {"id": 4, "name": "Fiddle Leaf Plant", "price": 34.0, "kind": "plant", "color": "#5aa469", "rating": 4.1},
    {"id": 5, "name": "Dot Notebook", "price": 9.9, "kind": "notebook", "color": "#8e6fc1", "rating": 4.7},
    {"id": 6, "name": "Studio Headphones", "price": 129.0, "kind": "headphones", "color": "#2f3e56", "rating": 4.5},
    {"id": 7, "name": "Travel Backpack", "price": 79.0, "kind": "backpack", "color": "#c7923e", "rating": 4.4},
    {"id": 8, "name": "Travel Mug", "price": 18.0, "kind": "mug", "color": "#3aa6a0", "rating": 4.2},
]
SLOW_MS = 1800


class DemoHandler(SimpleHTTPRequestHandler):
    cart_lock = threading.Lock()
    cart: dict[int, int] = {}
    orders = [10422]

    def log_message(self, format, *args):  # noqa: A002 - quiet while recording
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def _json(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page navigated away before the (slow) answer: normal in a visit

    def _body(self) -> dict:
        n = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(n) or b"{}")
        except ValueError:
            return {}

    def _cart_view(self) -> dict:
        items = [{**p, "qty": self.cart[p["id"]]} for p in PRODUCTS if self.cart.get(p["id"])]
        return {"items": items, "count": sum(i["qty"] for i in items),
                "total": round(sum(i["qty"] * i["price"] for i in items), 2)}

    def do_GET(self):  # noqa: N802 - http.server's naming
        url = urlsplit(self.path)
        q = parse_qs(url.query)
        if url.path == "/api/products":
            time.sleep(0.06)
            term = (q.get("q") or [""])[0].strip().lower()
            return self._json(200, [p for p in PRODUCTS if term in p["name"].lower()])
        if url.path == "/api/recommendations":
            time.sleep(SLOW_MS / 1000)  # the slow call of the session
            return self._json(200, [PRODUCTS[5], PRODUCTS[6], PRODUCTS[3]])
        if url.path == "/api/cart":
            with self.cart_lock:
                return self._json(200, self._cart_view())
        if url.path.startswith("/api/coupons/"):
            time.sleep(0.04)
            return self._json(404, {"error": "coupon_not_found",
                                    "message": "No coupon named %s" % url.path.rsplit("/", 1)[1]})
        if url.path == "/api/shipping-quote":
            time.sleep(0.12)
            return self._json(500, {"error": "upstream_timeout",
                                    "message": "The carrier's quote service did not answer"})
        if url.path.startswith("/api/"):
            return self._json(404, {"error": "not_found"})
        return super().do_GET()

    def do_POST(self):  # noqa: N802
        url = urlsplit(self.path)
        body = self._body()
        if url.path == "/api/cart":
            time.sleep(0.08)
            pid, qty = int(body.get("id", 0)), int(body.get("qty", 1))
            if not any(p["id"] == pid for p in PRODUCTS):
                return self._json(400, {"error": "unknown_product"})
            with self.cart_lock:
                self.cart[pid] = max(0, self.cart.get(pid, 0) + qty)
                return self._json(200, self._cart_view())
        if url.path == "/api/orders":
            time.sleep(0.25)
            with self.cart_lock:
                self.orders[0] += 1
                self.cart.clear()
                return self._json(201, {"order_id": "ACME-%d" % self.orders[0]})
        return self._json(404, {"error": "not_found"})


def demo_server(port: int = 0) -> PageServer:
    """The shop on 127.0.0.1 (a free port unless given), with a fresh cart."""
    DemoHandler.cart = {}
    return PageServer(PAGES, DemoHandler, port=port)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8000)
    args = ap.parse_args(argv)
    with demo_server(args.port) as srv:
        print(f"Acme Shop on {srv.base_url} — Ctrl+C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())
