"""The built-in demo: the Acme Shop (assets/demo/pages) with capture.js installed, sending to
the intake that serves it (`replay serve --demo`, routes in app.py), and the shop's JSON API.

The API is written once here for both servers that answer it: the intake's `/demo/api/...`
and assets/demo/server.py (the shop alone, which replay_tools/make_demo.py records). Most
calls answer 200, the coupon lookup 404s, the shipping quote 500s and the recommendations
are slow on purpose - what a support engineer looks for in a replay.

The demo application: an application named `demo` created on the first `serve --demo`, its
id and client token kept in `DATA/demo-app.json` so later starts (and every worker) install
the same one in the shop's pages. A client token is public by nature (it ships in the page,
see apps.py), so keeping it in the data folder gives nothing away; any origin may send to
the demo application, since the shop is reached under whatever name the intake has.
"""
from __future__ import annotations

import html
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..paths import ASSETS
from .apps import ANY_ORIGIN, AppError, Applications

PAGES = ASSETS / "demo" / "pages"
DEMO_APP = "demo"
DEMO_FILE = "demo-app.json"
FLUSH_MS = 2000               # the shop's pages send a batch every 2 s (a site's default is longer)
STATUS_EVERY_MS = 1000        # how often the badge reads capture.js's counts

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
SLOW_S = 1.8                  # the recommendations: the slow call of the session
# How long each call takes, as a real backend would (seconds).
DELAYS_S = {"products": 0.06, "coupon": 0.04, "quote": 0.12, "cart": 0.08, "order": 0.25}
FIRST_ORDER = 10423


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    delay_s: float = 0.0


class Shop:
    """The shop's API state (one cart, shared by whoever browses this server) and answers.
    `get`/`post` take the path after `api/`; the caller waits `delay_s`, then answers."""

    def __init__(self):
        self._lock = threading.Lock()
        self.cart: dict[int, int] = {}
        self.next_order = FIRST_ORDER

    def _cart_view(self) -> dict:
        items = [{**p, "qty": self.cart[p["id"]]} for p in PRODUCTS if self.cart.get(p["id"])]
        return {"items": items, "count": sum(i["qty"] for i in items),
                "total": round(sum(i["qty"] * i["price"] for i in items), 2)}

    def get(self, path: str, query: dict[str, str]) -> Answer:
        if path == "products":
            term = query.get("q", "").strip().lower()
            return Answer(200, [p for p in PRODUCTS if term in p["name"].lower()], DELAYS_S["products"])
        if path == "recommendations":
            return Answer(200, [PRODUCTS[5], PRODUCTS[6], PRODUCTS[3]], SLOW_S)
        if path == "cart":
            with self._lock:
                return Answer(200, self._cart_view())
        if path.startswith("coupons/"):
            return Answer(404, {"error": "coupon_not_found",
                                "message": "No coupon named %s" % path.rsplit("/", 1)[1]},
                          DELAYS_S["coupon"])
        if path == "shipping-quote":
            return Answer(500, {"error": "upstream_timeout",
                                "message": "The carrier's quote service did not answer"},
                          DELAYS_S["quote"])
        return Answer(404, {"error": "not_found"})

    def post(self, path: str, body: Any) -> Answer:
        body = body if isinstance(body, dict) else {}
        if path == "cart":
            try:
                pid, qty = int(body.get("id", 0)), int(body.get("qty", 1))
            except (TypeError, ValueError):
                return Answer(400, {"error": "bad_request"})
            if not any(p["id"] == pid for p in PRODUCTS):
                return Answer(400, {"error": "unknown_product"})
            with self._lock:
                self.cart[pid] = max(0, self.cart.get(pid, 0) + qty)
                return Answer(200, self._cart_view(), DELAYS_S["cart"])
        if path == "orders":
            with self._lock:
                order, self.next_order = self.next_order, self.next_order + 1
                self.cart.clear()
            return Answer(201, {"order_id": "ACME-%d" % order}, DELAYS_S["order"])
        return Answer(404, {"error": "not_found"})


# ---- the demo application -----------------------------------------------------------------

@dataclass(frozen=True)
class DemoApp:
    id: str
    token: str

    def to_json(self) -> dict:
        return {"id": self.id, "token": self.token}


def demo_app(data_dir: Path) -> DemoApp:
    """The demo application of this data folder, created on first use. Raises AppError
    (the message says what to do) when it cannot be used."""
    path = Path(data_dir) / DEMO_FILE
    apps = Applications(data_dir)
    try:
        if path.is_file():
            try:
                d = json.loads(path.read_text(encoding="utf-8"))
                demo = DemoApp(str(d["id"]), str(d["token"]))
            except (ValueError, KeyError, TypeError):
                raise AppError(f"{path} is damaged - delete it and `replay app revoke {DEMO_APP}`,"
                               " or serve without --demo") from None
            app = apps.find(demo.id)
            if app is None or not apps.check_token(app, demo.token):
                raise AppError(f"{path} names no application of this data folder - delete it"
                               " to create the demo application again")
            if app.revoked:
                raise AppError(f"the demo application was revoked - serve without --demo, or"
                               f" delete {path} and use another data folder")
            return demo
        if any(a.name == DEMO_APP for a in apps.list()):
            raise AppError(f"an application named {DEMO_APP!r} exists already, not made by --demo"
                           f" (there is no {path}) - serve without --demo, or give another"
                           " data folder with --data")
        app, token = apps.create(DEMO_APP, [ANY_ORIGIN])
        demo = DemoApp(app.id, token)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(demo.to_json()), encoding="utf-8")
        os.replace(tmp, path)
        return demo
    finally:
        apps.close()


# ---- the pages, with capture installed ------------------------------------------------------

def page_names() -> set[str]:
    return {p.name for p in PAGES.iterdir() if p.is_file()}


def install(page: str, base: str, demo: DemoApp) -> str:
    """A shop page with capture installed as a site installs it (DESIGN.md's contract),
    first thing in <head> so the RUM plugin sees the page's own requests, and a badge
    saying what capture.js has sent. The badge is `hidden` to capture: it is this demo's,
    not the shop's, and its counting must not be recorded (nor count as activity)."""
    # the base URL comes from the request's Host: escaped for the attribute and the script
    b, cfg = html.escape(base), json.dumps({"intake": base, "app": demo.id, "token": demo.token,
                                            "flushMs": FLUSH_MS}).replace("<", "\\u003c")
    head = (f'<script src="{b}/capture.js"></script>\n'
            f"<script>window.__replaySession = ReplayCapture.start({cfg});</script>\n")
    # The badge's box lives in a closed shadow root: capture sees only its empty host (hidden,
    # so not even that is looked into), and a replay of the shop shows the shop, not a grey
    # "hidden" box where the badge floated.
    badge = f"""<replay-demo-badge id="replay-demo-badge" data-replay-privacy="hidden"></replay-demo-badge>
<script>(function () {{
  var root = document.getElementById("replay-demo-badge").attachShadow({{mode: "closed"}});
  root.innerHTML = '<div style="position:fixed;left:12px;bottom:12px;z-index:2147483647;font:12px/1.4 system-ui,sans-serif;background:#1d2433;color:#fff;padding:6px 10px;border-radius:6px;box-shadow:0 2px 8px rgba(0,0,0,.25)">'
    + '<b>capture.js</b> &rarr; this intake: <span id="sent">0</span> events sent from this page'
    + ' &middot; session <code id="session" style="color:#9cc3ff"></code> &middot; <a href="{b}/" style="color:#9cc3ff">install it</a></div>';
  var sent = root.getElementById("sent"), sid = root.getElementById("session");
  window.__replayDemoBadge = sent;   // what the tests read
  function show() {{
    var s = window.ReplayCapture && ReplayCapture.status();
    if (!s) return;
    var text = String(s.acked);
    if (sent.textContent !== text) sent.textContent = text;
    if (sid.textContent !== s.session_id) sid.textContent = s.session_id;
  }}
  show(); setInterval(show, {STATUS_EVERY_MS});
}})();</script>
"""
    text = (PAGES / page).read_text(encoding="utf-8")
    charset = '<meta charset="utf-8">'
    at = text.index(charset) + len(charset) if charset in text else text.index("<head>") + len("<head>")
    text = text[:at] + "\n" + head + text[at:]
    end = text.rindex("</body>")
    return text[:end] + badge + text[end:]
