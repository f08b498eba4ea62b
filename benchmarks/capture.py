"""capture.js against rrweb's recorder, in the same run, on the same pages, in Debian's chromium
(headless, Playwright with executable_path): the main-thread time each recorder adds to the
page (Chrome's own ScriptDuration + TaskDuration counters, minus the same page unrecorded) and
the bytes it produces per second (JSON, and gzipped as the transport sends it).

Pages: a stress table (hundreds of cells updated several times a second) and the demo shop
(assets/demo) with a person's mouse moves and clicks. rrweb runs as record mode runs it: with
its console plugin and our RUM plugin, so both recorders produce console and RUM events.

    python benchmarks/capture.py [--seconds 6] [--rounds 3]

Goal (DESIGN.md): capture.js adds <= half of rrweb's main-thread time and sends <= 1/3 of
its bytes.
"""
from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
from pathlib import Path

from _common import ROOT, Row, print_table

from recorder.paths import ASSETS, capture_script
from replay_tools.browser_recorder import PageServer
from replay_tools.chromium import launch

NPM = ROOT / "tests" / "browser" / "node_modules"
RRWEB = NPM / "rrweb" / "dist" / "rrweb.umd.min.cjs"
CONSOLE = NPM / "@rrweb" / "rrweb-plugin-console-record" / "dist" / "rrweb-plugin-console-record.umd.min.cjs"

STRESS = """<!doctype html><html><head><meta charset="utf-8"><title>stress</title>
<style>td{padding:2px 6px;font:12px monospace} .up{color:green} .down{color:red}</style></head>
<body><table id="t"></table><script>
var t = document.getElementById('t'), cells = [];
for (var r = 0; r < 40; r++) { var tr = t.insertRow();
  for (var c = 0; c < 12; c++) { var td = tr.insertCell(); td.textContent = '0.00'; cells.push(td); } }
setInterval(function () {
  for (var i = 0; i < 300; i++) {
    var td = cells[(Math.random() * cells.length) | 0], v = Math.random() * 100;
    td.textContent = v.toFixed(2); td.className = v > 50 ? 'up' : 'down';
  }
}, 200);
</script></body></html>"""


def _umd(source: str) -> str:
    return ("(function(){var exports=undefined,module=undefined,define=undefined;\n" + source
            + "\n}).call(window);\n")


def recorder_script(which: str) -> str:
    """The init script for one run; the http pages only (not the first about:blank)."""
    return "if (location.protocol === 'http:') {\n" + _recorder(which) + "\n}"


def _recorder(which: str) -> str:
    sink = "window.__ev=[];"
    if which == "none":
        return sink
    if which == "capture":
        return sink + capture_script() + \
            ";\nReplayCapture.record({emit: function (e) { window.__ev.push(e); }," \
            " rules: {default: 'mask-user-input'}});"
    rum = (ASSETS / "rum-shim" / "rum-plugin.js").read_text()
    return (sink + _umd(RRWEB.read_text()) + _umd(CONSOLE.read_text()) + rum +
            ";\nrrweb.record({emit: function (e) { window.__ev.push(e); }, recordAfter: 'DOMContentLoaded',"
            " maskAllInputs: true, plugins: [rrwebPluginConsoleRecord.getRecordConsolePlugin(),"
            " ReplayRum.getRecordPlugin()]});")


def _metrics(cdp) -> dict:
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


def run_once(pw, url: str, which: str, seconds: float, act) -> dict:
    browser = launch(pw)
    try:
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        ctx.add_init_script(recorder_script(which))
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Performance.enable")
        page.goto(url)
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        before = _metrics(cdp)
        act(page, seconds)
        after = _metrics(cdp)
        cpu_s = sum(after[k] - before[k] for k in ("ScriptDuration", "TaskDuration"))
        text = page.evaluate("JSON.stringify(window.__ev)")
        events = json.loads(text)
        # only what was produced during the measured window (the snapshot is counted once)
        return {"cpu_s": cpu_s, "events": len(events), "bytes": len(text.encode()),
                "gzip": len(gzip.compress(text.encode(), 6))}
    finally:
        browser.close()


def idle(page, seconds: float) -> None:
    page.wait_for_timeout(int(seconds * 1000))


def shopper(page, seconds: float) -> None:
    """A person on the shop: mouse moves, clicks on what is there, a scroll."""
    import time

    end = time.monotonic() + seconds
    targets = page.locator("button, a").all()[:8]
    i = 0
    while time.monotonic() < end:
        page.mouse.move(100 + (i * 37) % 900, 100 + (i * 53) % 600, steps=8)
        if targets and i % 3 == 0:
            try:
                targets[i % len(targets)].click(timeout=500, no_wait_after=True)
            except Exception:   # a link that went away: keep moving
                pass
        if i % 5 == 0:
            page.mouse.wheel(0, 200 if i % 10 else -200)
        page.wait_for_timeout(120)
        i += 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        (Path(tmp) / "stress.html").write_text(STRESS)
        with PageServer(Path(tmp)) as stress, PageServer(ASSETS / "demo" / "pages") as shop:
            bench(pw, [("stress table", stress.url("stress.html"), idle),
                       ("demo shop", shop.url("index.html"), shopper)], args)
    return 0


def bench(pw, pages, args) -> None:
    for name, url, act in pages:
        results: dict[str, list[dict]] = {"none": [], "rrweb": [], "capture": []}
        for _ in range(args.rounds):
            for which in results:
                results[which].append(run_once(pw, url, which, args.seconds, act))
        med = {w: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for w, rs in results.items()}
        added = {w: max(0.0, med[w]["cpu_s"] - med["none"]["cpu_s"]) for w in ("rrweb", "capture")}
        rate = {w: med[w]["bytes"] / args.seconds for w in ("rrweb", "capture")}
        zrate = {w: med[w]["gzip"] / args.seconds for w in ("rrweb", "capture")}
        print_table(f"{name}: {args.seconds:g} s, median of {args.rounds} rounds", [
            Row("added main-thread time (ms)", round(added["capture"] * 1000, 1),
                round(added["rrweb"] * 1000, 1), "<= 1/2 of rrweb",
                added["capture"] <= added["rrweb"] / 2),
            Row("events", int(med["capture"]["events"]), int(med["rrweb"]["events"])),
            Row("JSON bytes / s", int(rate["capture"]), int(rate["rrweb"]), "<= 1/3 of rrweb",
                rate["capture"] <= rate["rrweb"] / 3),
            Row("gzip bytes / s", int(zrate["capture"]), int(zrate["rrweb"])),
        ], baseline_name="rrweb")


if __name__ == "__main__":
    sys.exit(main())
