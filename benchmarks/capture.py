"""capture.js against rrweb's recorder, in the same run, on the same pages, in Debian's chromium
(headless, Playwright with executable_path).

CPU, two ways: the main-thread time each recorder adds to the page (Chrome's own
ScriptDuration + TaskDuration counters, minus the same page unrecorded: everything, but noisy
on a busy machine), and the recorder's own JavaScript time from V8's sampling profiler (every
sample with a recorder frame on its stack, native calls it makes included: steadier, but blind
to work the browser does for it outside its frames). The profile is given two ways: each sample
weighed by the time since the previous one (V8's own figure; on a busy machine a sample taken
after the thread was preempted carries the wait too), and each sample counted as one sampling
interval (close to CPU time when other processes share the cores). capture.js's figures include
its whole transport on the main thread: where the page allows a Worker, that is handing each
batch over (a structured clone), and the encoding, gzip and fetch run in the worker's thread,
off the page's main thread (the goal's subject); where it does not, all of it.

Bytes per second: capture.js's are the request bodies it actually POSTs (its whole transport:
batches, compact encoding, gzip) to an intake on the page's server, which decodes each one as
`replay serve` does. rrweb's are what the sender from rrweb's guide posts (the events as JSON,
every 10 s and once more at the end, as capture.js is flushed at the end), and the same JSON
gzipped in one piece (kinder than per-request gzip would be).

rrweb runs with that sender, in a script of its own: the profiled figure is given for rrweb's
recorder alone (the goal) and with the sender; the page's counters cannot tell them apart.

Pages: a stress table (hundreds of cells updated several times a second) and the demo shop
(assets/demo) with a person's mouse moves and clicks on what stays on the page. rrweb runs as
record mode runs it: with its console plugin and our RUM plugin, so both recorders produce
console and RUM events.

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
import threading
from pathlib import Path

from _common import ROOT, Row, print_table

from recorder.intake.wire import Status, WireError, decode_body
from recorder.limits import Limits
from recorder.paths import ASSETS, capture_script
from replay_tools.browser_recorder import PageServer, _QuietHandler
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


SOURCE_URL = "bench-recorder.js"       # the profiler's name for the recorder's frames
SENDER_URL = "bench-rrweb-sender.js"   # ... and for the rrweb guide's sender
RRWEB_PATH = "/rrweb-events"
# rrweb's guide ("save events"): POST the events as JSON every 10 s
RRWEB_SENDER = """if (location.protocol === 'http:') {
  window.__save = function () {
    var from = window.__sent || 0, events = window.__ev.slice(from);
    if (!events.length) return Promise.resolve();
    window.__sent = window.__ev.length;
    return fetch('%s', {method: 'POST', headers: {'Content-Type': 'application/json'},
                        body: JSON.stringify({events: events})});
  };
  setInterval(window.__save, 10 * 1000);
}
//# sourceURL=%s""" % (RRWEB_PATH, SENDER_URL)


def recorder_script(which: str) -> str:
    """The init script for one run; the http pages only (not the first about:blank)."""
    return ("if (location.protocol === 'http:') {\n" + _recorder(which) + "\n}\n//# sourceURL="
            + SOURCE_URL)


class Intake(_QuietHandler):
    """The page's server, with `POST /v1/events` answered as `replay serve` answers it: each
    body is decoded by the intake's own wire code (gzip, compact encoding) and counted."""
    posted: list[tuple[int, int]] = []   # (bytes on the wire, events), per request
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == RRWEB_PATH:   # rrweb's sender: counted as it came
            with self.lock:
                self.posted.append((len(body), len(json.loads(body)["events"])))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            batch = decode_body(body, self.headers.get("Content-Encoding"), Limits())
        except WireError as exc:   # a bug in the sender: say so, loudly
            print(f"the intake refused a batch: {exc}", file=sys.stderr)
            status, out = exc.status, json.dumps(exc.to_json()).encode()
        else:
            with self.lock:
                self.posted.append((len(body), len(batch.events)))
            status, out = Status.ACCEPTED, json.dumps({"accepted": len(batch.events)}).encode()
        self.send_response(int(status))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


def _recorder(which: str) -> str:
    sink = "window.__ev=[];"
    if which == "none":
        return sink
    if which == "capture":   # the whole transport, to the Intake handler above
        return sink + capture_script() + \
            ";\nReplayCapture.start({intake: location.origin, app: 'bench', token: 't'," \
            " rules: {default: 'mask-user-input'}});"
    rum = (ASSETS / "rum-shim" / "rum-plugin.js").read_text()
    return (sink + _umd(RRWEB.read_text()) + _umd(CONSOLE.read_text()) + rum +
            ";\nrrweb.record({emit: function (e) { window.__ev.push(e); }, recordAfter: 'DOMContentLoaded',"
            " maskAllInputs: true, plugins: [rrwebPluginConsoleRecord.getRecordConsolePlugin(),"
            " ReplayRum.getRecordPlugin()]});")


def _metrics(cdp) -> dict:
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


SAMPLING_US = 250


def recorder_time(profile: dict, url: str = SOURCE_URL, *, counted: bool = False) -> float:
    """Seconds of samples with a frame of the script `url` on their stack: by V8's time
    deltas, or (`counted`) as many sampling intervals as there are such samples."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", ())}
    mine: dict[int, bool] = {}

    def is_mine(nid: int) -> bool:
        chain = []
        while nid not in mine:
            chain.append(nid)
            if nodes[nid]["callFrame"]["url"].endswith(url):
                mine[nid] = True
                break
            if nid not in parent:
                mine[nid] = False
                break
            nid = parent[nid]
        for c in chain:
            mine[c] = mine[nid]
        return mine[nid]

    weight = (lambda dt: SAMPLING_US) if counted else (lambda dt: dt)
    return sum(weight(dt) for nid, dt in zip(profile["samples"], profile["timeDeltas"])
               if is_mine(nid)) / 1e6


def run_once(pw, url: str, which: str, seconds: float, act) -> dict:
    """One page load recorded by `which` (none, rrweb, capture) for `seconds` of `act`. The
    snapshot is in the figures (it is sent once per page), the page's own load is not."""
    browser = launch(pw)
    Intake.posted.clear()
    try:
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        ctx.add_init_script(recorder_script(which))
        if which == "rrweb":
            ctx.add_init_script(RRWEB_SENDER)
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Performance.enable")
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": SAMPLING_US})
        page.goto(url)
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        before = _metrics(cdp)
        cdp.send("Profiler.start")
        act(page, seconds)
        if which == "capture":   # what is still queued goes now: its cost is in the figures
            queued = page.evaluate("ReplayCapture.flush().queued")
            page.wait_for_function(f"ReplayCapture.status().acked >= {queued}", polling=50,
                                   timeout=10_000)
        elif which == "rrweb":
            page.evaluate("window.__save()")
        profile = cdp.send("Profiler.stop")["profile"]
        after = _metrics(cdp)
        cpu_s = sum(after[k] - before[k] for k in ("ScriptDuration", "TaskDuration"))
        out = {"cpu_s": cpu_s, "js_s": recorder_time(profile),
               "js_counted_s": recorder_time(profile, counted=True),
               "sender_s": recorder_time(profile, SENDER_URL)}
        with Intake.lock:
            out.update(events=sum(n for _, n in Intake.posted),
                       wire=sum(b for b, _ in Intake.posted), requests=len(Intake.posted))
        if which == "rrweb":
            text = page.evaluate("JSON.stringify(window.__ev)").encode()
            out.update(events=len(json.loads(text)), gzip=len(gzip.compress(text, 6)))
        return out
    finally:
        browser.close()


def idle(page, seconds: float) -> None:
    page.wait_for_timeout(int(seconds * 1000))


def shopper(page, seconds: float) -> None:
    """A person on the shop: mouse moves, clicks on what is there, a scroll."""
    import time

    end = time.monotonic() + seconds
    # what keeps the person on this page (a new page would end rrweb's in-page sink)
    targets = page.locator("button, a[href^='#']").all()[:8]
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
        with PageServer(Path(tmp), Intake) as stress, \
                PageServer(ASSETS / "demo" / "pages", Intake) as shop:
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
        added = {w: max(0.0, med[w]["cpu_s"] - med["none"]["cpu_s"]) / args.seconds * 1000
                 for w in ("rrweb", "capture")}
        js = {w: med[w]["js_s"] / args.seconds * 1000 for w in ("rrweb", "capture")}
        counted = {w: med[w]["js_counted_s"] / args.seconds * 1000 for w in ("rrweb", "capture")}
        rrweb_sent = (med["rrweb"]["js_s"] + med["rrweb"]["sender_s"]) / args.seconds * 1000
        ours = med["capture"]["wire"] / args.seconds
        json_rate, gzip_rate = (med["rrweb"][k] / args.seconds for k in ("wire", "gzip"))
        print_table(f"{name}: {args.seconds:g} s, median of {args.rounds} rounds", [
            Row("added main-thread time (ms/s; rrweb sending)", round(added["capture"], 1),
                round(added["rrweb"], 1), "<= 1/2 of rrweb", added["capture"] <= added["rrweb"] / 2),
            Row("recorder JS, profiled (ms/s)", round(js["capture"], 1), round(js["rrweb"], 1),
                "<= 1/2 of rrweb", js["capture"] <= js["rrweb"] / 2),
            Row("... rrweb with its guide's sender", round(js["capture"], 1), round(rrweb_sent, 1),
                "<= 1/2 of rrweb", js["capture"] <= rrweb_sent / 2),
            Row("recorder JS, samples x interval (ms/s)", round(counted["capture"], 2),
                round(counted["rrweb"], 2), "<= 1/2 of rrweb",
                counted["capture"] <= counted["rrweb"] / 2),
            Row("events", int(med["capture"]["events"]), int(med["rrweb"]["events"])),
            Row("bytes / s: ours posted, rrweb JSON", int(ours), int(json_rate), "<= 1/3 of rrweb",
                ours <= json_rate / 3),
            Row("bytes / s: ours posted, rrweb gzip", int(ours), int(gzip_rate), "<= 1/3 of rrweb",
                ours <= gzip_rate / 3),
            Row("requests", int(med["capture"]["requests"]), int(med["rrweb"]["requests"])),
        ], baseline_name="rrweb")


if __name__ == "__main__":
    sys.exit(main())
