"""Record long real sessions with rrweb's own recorder (from npm) in a real browser, for
the benchmarks' `--recording FILE`.

The recording browser is replay_tools.browser_recorder (QtWebEngine, JavaScript on, rrweb's
recorder and console plugin, our RUM shim). It plays, in turns, until `--minutes` have
passed:
- a stress page (`benchmarks/real_pages/stress.html`): a 40x12 table whose cells change
  ~180 at a time five times a second, a live-search list rebuilt on every key, an SVG
  chart redrawn twice a second; the script types searches into it;
- the demo shop (`assets/demo/pages`, served by assets/demo/server.py) visited the way
  the bundled demo session is (replay_tools.make_demo's scripted visit);
- a long article (`real_pages/article.html`), read by scrolling down it, then the next.
Every input is a real mouse or key event. The pages are seeded, so the same script makes
the same DOM changes; only their timing follows the clock.

    python benchmarks/record_real.py --minutes 10       # benchmarks/out/real-10m.json
    python benchmarks/record_real.py --minutes 1 -o /tmp/r.json
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from _common import ROOT, run_main

from replay_tools.browser_recorder import (BrowserRecorder, Click, Hover, PageServer, Scroll,
                                          Type, Wait, ensure_offscreen_env)

ensure_offscreen_env()  # before Qt is imported (BrowserRecorder imports it lazily)

sys.path.insert(0, str(ROOT / "assets" / "demo"))
from server import demo_server  # noqa: E402

from replay_tools.make_demo import visit  # noqa: E402

# rrweb's recorder masks what the demo's own capture.js masks on these pages
RECORD_OPTIONS = {
    "maskInputOptions": {"password": True},
    "maskInputSelector": 'input[type=email], input[type=tel], input[autocomplete^="cc-"]',
}

PAGES = Path(__file__).resolve().parent / "real_pages"
OUT = Path(__file__).resolve().parent / "out"
KEY_MS = 120
SEARCHES = ("ACQU", "ZO", "RA-1", "LO", "-2", "TI", "QUNI", "BE")


def stress_steps(round_: int) -> list:
    """About 50 s on the board: watch it, type searches into the live list, scroll."""
    steps: list = [Wait(2000)]
    for r, c in ((5, 4), (12, 9), (20, 2), (33, 11), (8, 7), (27, 5)):   # reading the board
        steps += [Hover(f"#board tbody tr:nth-child({r}) td:nth-child({c})", 700), Wait(600)]
    for k in range(3):
        word = SEARCHES[(round_ * 3 + k) % len(SEARCHES)]
        steps += [Click("#q"), Type("#q", word, KEY_MS, clear=True), Wait(2500),
                  Hover("#count", 400), Wait(3000),
                  Scroll(None, 300 * (k + 1)), Wait(2500), Scroll(None, 0),
                  Hover("#chart", 500), Wait(2000)]
    steps += [Type("#q", "\b", KEY_MS, clear=True), Wait(3000)]
    return steps


def article_steps() -> list:
    """About 30 s reading: scroll down in small steps, pause, hover a heading."""
    steps: list = [Wait(1500)]
    for y in range(0, 6000, 250):
        steps += [Scroll(None, y), Wait(900)]
    steps += [Hover("h2:nth-of-type(3)", 400), Scroll(None, 0), Wait(800)]
    return steps


def record(minutes: float, out: Path) -> dict:
    started = time.monotonic()
    deadline = started + minutes * 60

    def note(what: str) -> None:
        print(f"[{time.monotonic() - started:6.1f} s] {what}", flush=True)

    with demo_server() as shop, PageServer(PAGES) as pages, \
            BrowserRecorder(record_options=RECORD_OPTIONS, timeout_s=60) as browser:
        round_ = 0
        while True:
            note(f"round {round_ + 1}: stress page")
            browser.open(pages.url("stress.html"))
            browser.run(stress_steps(round_))
            if time.monotonic() > deadline:
                break
            note("demo shop")
            browser.open(shop.url("index.html"))
            for _name, steps in visit():
                browser.run(steps)
            if time.monotonic() > deadline:
                break
            note("article")
            browser.open(pages.url(f"article.html?n={round_ + 1}"))
            browser.run(article_steps())
            browser.run([Click("#next")])
            browser.run(article_steps()[:12])
            round_ += 1
            if time.monotonic() > deadline:
                break
        recording = browser.finish()
    events = recording.events
    data = json.dumps(events, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    kinds = Counter(e["type"] if e["type"] != 3 else f"3.{e['data'].get('source')}"
                    for e in events)
    return {"file": str(out), "events": len(events), "bytes": len(data),
            "duration_s": round((events[-1]["timestamp"] - events[0]["timestamp"]) / 1000, 1),
            "kinds": dict(sorted(kinds.items(), key=lambda kv: -kv[1]))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0,
                    help="how long to record (default 10; the last turn finishes first)")
    ap.add_argument("-o", "--output", type=Path, default=None,
                    help="where to write the rrweb JSON (default benchmarks/out/real-Nm.json)")
    args = ap.parse_args(argv)
    out = args.output or OUT / f"real-{args.minutes:g}m.json"
    facts = record(args.minutes, out)
    print(json.dumps(facts, indent=1))
    return 0


if __name__ == "__main__":
    run_main(main)
