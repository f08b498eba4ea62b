"""Re-record the bundled demo session (`assets/demo/demo-session.json`) with capture.js.

What a real site produces: the Acme Shop demo server on 127.0.0.1 with capture.js installed in
its pages (injected at document creation by the offscreen recording browser,
replay_tools/browser_recorder.py `recorder="capture"`), posting its batches to a real
`replay serve` (a subprocess, on a temporary data folder); the stored session is then exported
as rrweb JSON with `replay export`. A scripted ~75 s visit with real mouse and key events:
browse, click the promo code (a dead click), search, add to cart, open the cart, go to
checkout (a second view), fill the form with FAKE data, hit the shipping-quote 500 and the
coupon 404, rage-click the broken "Apply coupon" button, place the order. Checks the session
holds everything the demo is meant to show, and saves screenshots of the live page.

    python replay_tools/make_demo.py [-o assets/demo/demo-session.json] [--shots /tmp/demo-shots]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script from a checkout
HERE = REPO / "assets" / "demo"

from replay_tools.browser_recorder import (BrowserRecorder, Click, Hover, Scroll, Type,  # noqa: E402
                                          Wait, WaitFor, ensure_offscreen_env)
from replay_tools.intake import IntakeServer, replay_cli  # noqa: E402

ensure_offscreen_env()  # before Qt is imported (BrowserRecorder imports it lazily)

sys.path.insert(0, str(HERE))
from server import demo_server  # noqa: E402

OUT = HERE / "demo-session.json"
APP_NAME = "acme-shop"
SESSION_ID = "acme-shop-demo"
# The shop's privacy rules, given to capture.js and to the intake alike: text and the name and
# address typed stay visible so the replay shows typing; passwords, email, tel and card inputs
# are masked at every level, in the browser, so those secrets never leave it.
RULES = 'version = 1\ndefault = "allow"\n'
BATCH_MS = 1000            # capture.js's flush interval (its default is a few seconds)
STORED_WAIT_S = 20         # the last page's final batch goes by sendBeacon, on the browser's time
KEY_MS = 110  # a steady typist


def visit() -> list[tuple[str, list]]:
    """The scripted visit, in phases; a screenshot is saved after each phase."""
    return [
        ("home", [Wait(2200), Hover("#product-3 .art", 500), Wait(700), Hover("#product-4 .name", 400),
                  Wait(500), Scroll(None, 460), Wait(1400), Hover("#reco .item:nth-child(2)", 500),
                  Wait(1200), Scroll(None, 120), Wait(900), Scroll(None, 0), Wait(900),
                  Hover(".hero .pill", 600), Click(".hero .pill"), Wait(1200)]),
        ("search-lamp", [Click("#search"), Type("#search", "lamp", KEY_MS), Wait(1300),
                         Click("#product-1 .add"), Wait(1900)]),
        ("search-mug", [Type("#search", "mug", KEY_MS, clear=True), Wait(1300),
                        Click("#product-2 .add"), Wait(1200), Click("#product-8 .add"), Wait(1500),
                        Type("#search", "\b", KEY_MS, clear=True), Wait(1200)]),
        ("cart", [Click("#open-cart"), Wait(1500), Click('[data-inc="2"]'), Wait(1400),
                  Hover("#cart-lines .line:nth-child(3)", 400), Wait(1200), Hover("#go-checkout", 500),
                  Wait(800)]),
        ("checkout", [Click("#go-checkout"), WaitFor("#full-name"), Wait(1500),
                      Type("#full-name", "Jane Doe", KEY_MS), Wait(400),
                      Type("#email", "jane.doe@example.com", KEY_MS), Wait(300),
                      Type("#phone", "+1 555 0100", KEY_MS), Wait(500),
                      Type("#address", "42 Example Street", KEY_MS), Wait(300),
                      Type("#city", "Springfield", KEY_MS), Wait(400),
                      Type("#country", "U", KEY_MS), Wait(1200), Click("#express"), Wait(600),
                      Type("#notes", "Please leave it with the neighbour", KEY_MS // 2), Wait(800)]),
        ("payment", [Type("#card", "4242 4242 4242 4242", KEY_MS), Wait(300),
                     Type("#expiry", "12 / 29", KEY_MS), Wait(300), Type("#cvc", "123", KEY_MS),
                     Wait(500), Type("#password", "not-a-real-password", KEY_MS // 2), Wait(900),
                     Hover("#summary-lines", 600), Wait(1500)]),
        ("coupon", [Type("#coupon", "SPRING10", KEY_MS), Wait(500), Click("#apply-coupon"),
                    Wait(1600), Click("#apply-coupon", count=5, interval_ms=140), Wait(2200)]),
        ("order", [Click("#terms"), Wait(900), Click("#place-order"), WaitFor("#order-id"),
                   Wait(1500), Hover("#order-id", 500), Wait(2500)]),
    ]


def check(events: list[dict]) -> dict:
    """The demo must show what it promises; say what is missing if a re-record lost it."""
    plugin = [e["data"] for e in events if e["type"] == 6]
    rum = [d["payload"] for d in plugin if d["plugin"] == "replay/rum@1"]
    kinds = Counter(p["type"] for p in rum)
    resources = [p["resource"] for p in rum if p["type"] == "resource"]
    statuses = Counter(r["status_code"] for r in resources if r["type"] in ("fetch", "xhr"))
    frustrations = Counter(t for p in rum if p["type"] == "action"
                           for t in p["action"].get("frustration", {}).get("type", []))
    console = Counter(d["payload"]["level"] for d in plugin if d["plugin"] == "rrweb/console@1")
    views = {p["view"]["url"].rsplit("/", 1)[1] for p in rum if p["type"] == "view"}
    facts = {
        "events": len(events),
        "duration_s": round((events[-1]["timestamp"] - events[0]["timestamp"]) / 1000, 1),
        "views": sorted(views), "rum": dict(kinds), "fetch_statuses": dict(statuses),
        "slowest_fetch_ms": max((r["duration"] for r in resources if r["type"] == "fetch"), default=0),
        "frustrations": dict(frustrations), "console": dict(console),
        "source_errors": sum(1 for p in rum if p["type"] == "error" and p["error"]["source"] == "source"),
    }
    problems = []
    if views != {"index.html", "checkout.html"}:
        problems.append(f"expected two views, got {sorted(views)}")
    for status in (200, 201, 404, 500):
        if not statuses.get(status):
            problems.append(f"no fetch answered {status}")
    if facts["slowest_fetch_ms"] < 1500:
        problems.append("the slow call is missing")
    for kind in ("rage_click", "error_click", "dead_click"):
        if not frustrations.get(kind):
            problems.append(f"no {kind} (got {dict(frustrations)})")
    if not facts["source_errors"]:
        problems.append("no uncaught error")
    for level in ("info", "log", "warn", "error"):
        if not console.get(level):
            problems.append(f"no console.{level}")
    if not 50 <= facts["duration_s"] <= 100:
        problems.append(f"duration {facts['duration_s']} s is outside 50–100 s")
    blob = json.dumps(events)
    for secret in ("4242 4242", "jane.doe@example.com", "555 0100", "not-a-real-password"):
        if secret in blob:
            problems.append(f"a masked value leaked into the recording: {secret!r}")
    if problems:
        raise SystemExit("make_demo: the recording is not a good demo: " + "; ".join(problems))
    return facts


def record(shots: Path, data: Path, rules: Path) -> list[dict]:
    """The visit, sent by capture.js to a live intake on `data`; the events the page emitted."""
    from recorder.privacy import load_rules

    started = time.monotonic()
    with demo_server() as shop:
        srv = IntakeServer(data, rules=rules)
        app_id, token = srv.create_app(APP_NAME, origins=[shop.base_url.rstrip("/")])
        intake = {"url": srv.url, "app": app_id, "token": token, "session_id": SESSION_ID,
                  "batch_ms": BATCH_MS}
        with srv, BrowserRecorder(recorder="capture", intake=intake, timeout_s=30,
                                  record_options={"rules": load_rules(rules).to_json()}) as browser:
            browser.open(shop.url("index.html"))
            for i, (name, steps) in enumerate(visit(), 1):
                print(f"[{time.monotonic() - started:5.1f} s] {name}", flush=True)
                browser.run(steps)
                browser.grab(shots / f"{i:02d}-{name}.png")
            recording = browser.finish()
            if recording.intake_status["failed"]:
                raise SystemExit(f"make_demo: the intake refused batches: {recording.intake_status}")
            wait_stored(data, len(recording.events))
    return recording.events


def wait_stored(data: Path, count: int) -> None:
    """Bounded wait until the stored session holds every event the page emitted."""
    deadline = time.monotonic() + STORED_WAIT_S
    while True:
        proc = replay_cli(data, "sessions", "--json")
        rows = {r["id"]: r for r in json.loads(proc.stdout or "[]")} if proc.returncode == 0 else {}
        stored = rows.get(SESSION_ID, {}).get("record_count", 0)
        if stored >= count:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"make_demo: the intake stored {stored} of the {count} events sent"
                             f" ({proc.stderr.strip()})")
        time.sleep(0.2)


def export(data: Path, rules: Path, out: Path) -> list[dict]:
    """`replay export SESSION --format rrweb`: the stored session as anyone would get it."""
    proc = replay_cli(data, "export", SESSION_ID, "--format", "rrweb", "--rules", rules, "-o", out)
    if proc.returncode != 0:
        raise SystemExit(f"make_demo: export failed: {proc.stderr.strip()}")
    return json.loads(out.read_text(encoding="utf-8"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Re-record the bundled demo session.")
    ap.add_argument("-o", "--output", type=Path, default=OUT)
    ap.add_argument("--shots", type=Path, default=Path("/tmp/demo-shots"),
                    help="where to save screenshots of the live page (default: %(default)s)")
    args = ap.parse_args(argv)
    args.shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="make-demo-") as tmp:
        rules = Path(tmp) / "rules.toml"
        rules.write_text(RULES, encoding="utf-8")
        sent = record(args.shots, Path(tmp) / "data", rules)
        exported = Path(tmp) / "demo-session.json"
        events = export(Path(tmp) / "data", rules, exported)
        facts = check(events)
        if len(events) < len(sent):
            raise SystemExit(f"make_demo: {len(sent)} events sent, {len(events)} exported")
        data = exported.read_text(encoding="utf-8")
    args.output.write_text(data.rstrip("\n") + "\n", encoding="utf-8")
    print(json.dumps(facts, indent=1))
    print(f"wrote {args.output} ({len(data) / 1e6:.2f} MB); screenshots in {args.shots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
