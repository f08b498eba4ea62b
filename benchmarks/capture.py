"""capture.js against rrweb's recorder, in the same run, on the same pages, in Debian's chromium
(headless, Playwright with executable_path).

Two windows per page load. Loading: from the navigation to 300 ms after `load` (the recorder's
script, its start, the full snapshot, its observers; the page is opened unrecorded first, on
the same origin, so the navigation keeps its renderer and the profile runs across it). After
load: `--seconds` of a person (or of nothing, on the stress page), then what is still queued is
sent. The whole visit is the two together, each recorder with its transport: capture.js's is
in its own frames; rrweb's is the sender from its guide (a script of its own).

CPU, two ways: the main-thread time each recorder adds to the page (Chrome's own TaskDuration
counter, minus the same page unrecorded: everything, but noisy on a busy machine). The counter
sums the time of the renderer main thread's tasks, scripts included - adding ScriptDuration to
it would count every script twice - and not capture.js's Worker thread (a trace of the stress
page: within 10% of the main thread's tasks); it is read in thread time (`timeDomain:
threadTicks`, the thread's CPU time: what the machine's other processes take while the thread
waits for a core is not counted), yet the page's own layout and paint still move by about as
much as a recorder adds between runs. And the recorder's own JavaScript time from V8's sampling
profiler (every sample with a recorder frame on its stack, native calls it makes included:
steadier, but blind to work the browser does for it outside its frames). The profile is given
two ways: each sample weighed by the time since the previous one (V8's own figure; on a busy
machine a sample taken after the thread was preempted carries the wait too), and each sample
counted as one sampling interval (close to CPU time when other processes share the cores; a
synchronous wait of the main thread, for the browser's storage or a Blob URL, counts too: the
page cannot run then). capture.js's figures include its whole transport on the main thread:
where the page allows a Worker, that is making it (once, when the page is idle after load) and
handing each batch over (a structured clone), and the encoding, compression and fetch run in
the worker's thread, off the page's main thread (the goal's subject); where it does not, all of
it.

Bytes per second (the whole visit, its snapshot included: sent once per page): capture.js's are
the request bodies it actually POSTs (its whole transport: batches, compact encoding, deflate) to
an intake on the page's server, which decodes each one as `replay serve` does. rrweb's are what
the sender from rrweb's guide posts (the events as JSON, every 10 s and once more at the end, as
capture.js is flushed at the end); beside them, each of those requests gzipped (as capture.js
compresses each of its own - with deflate, 12 bytes a request less than gzip: what rrweb's
sender would post if it gzipped), and the whole stream
gzipped in one piece (kinder to rrweb than any sender can be: no request starts afresh).

rrweb runs with that sender, in a script of its own: the after-load figures are given for
rrweb's recorder alone (the goal) and with the sender; the page's counters cannot tell them
apart. The sender posts with the page's own fetch (`ReplayRum.pageFetch`), as capture.js does:
through the RUM plugin's fetch wrapper its requests would be RUM resources and its native fetch
time would count as the recorder's.

Like with like: both sides run the same RUM plugin (`assets/rum-shim/rum-plugin.js`, served with
capture.js; record mode runs it beside rrweb), so its time is in both sides' figures. It is a
script of its own here (its frames are named `bench-rum.js`) and a row says how much of each
side's time it is (its handlers' samples, with what each recorder does with its events).
`--before REF` adds capture.js (and its RUM plugin) as they were at git REF, in the same run,
for before/after figures.

The site has had visitors: before a page's rounds, capture.js records MIN_SESSIONS visits of
it outside the figures, so the intake holds what earlier visitors' pages sent it for the whole
application, as a running intake does: the site's public stylesheets (`public` in
recorder/intake/compact.py), and the application's shared dictionary (recorder/intake/
dictionary.py: made, as `replay serve` makes it once turned on for the application, of the
pages those visits' sessions visited that the site's front page links to, fetched as anyone is
served them, and given to capture.js, which compresses each body against it). Each round is still a new browser: a new session, nothing in its storage.

Pages: a stress table (hundreds of cells updated several times a second) and the demo shop
(assets/demo) with a person's mouse moves and clicks on what stays on the page. rrweb runs as
record mode runs it: with its console plugin and our RUM plugin, so both recorders produce
console and RUM events. `shop-next` is the shop as the next page of a visit: its checkout page
is recorded and sent first, outside the figures (both recorders alike), so the figures are
those of a page whose session has sent the site's stylesheet already (capture.js then names
it by digest; rrweb sends it again). `shop` stays the first page of a new session.

    python benchmarks/capture.py [--seconds 6] [--rounds 3] [--before REF] [--pages stress,shop,shop-next]

Goal (DESIGN.md): capture.js adds <= half of rrweb's main-thread time and sends <= 1/3 of
its bytes.
"""
from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import rjsmin

from _common import ROOT, Row, print_table

from recorder.asset_fetch import origin_of
from recorder.format import EventType
from recorder.intake.dictionary import MIN_SESSIONS, addresses, dictionary_id, make
from recorder.privacy import load_rules
from recorder.intake.page_server import QuietHandler
from recorder.intake.wire import Status, WireError, decode_request, request_encoding
from recorder.limits import Limits
from recorder.paths import ASSETS, CAPTURE_PARTS
from replay_tools.browser_recorder import PageServer
from replay_tools.chromium import launch

NPM = ROOT / "tests" / "browser" / "node_modules"
RRWEB_JS = NPM / "rrweb" / "dist" / "rrweb.umd.min.cjs"
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


UNRECORDED = "unrecorded"   # the query of the page each run opens first, with no recorder
SOURCE_URL = "bench-recorder.js"       # the profiler's name for the recorder's frames
RUM_URL = "bench-rum.js"               # ... for the RUM plugin's (the same code on both sides)
SENDER_URL = "bench-rrweb-sender.js"   # ... and for the rrweb guide's sender
RECORDER_URLS = (SOURCE_URL, RUM_URL)  # a recorder's time: its own frames and its RUM plugin's
RRWEB_PATH = "/rrweb-events"
# rrweb's guide ("save events"): POST the events as JSON every 10 s, with the page's own fetch
RRWEB_SENDER = """if (location.protocol === 'http:' && location.search !== '?%s') {
  window.__save = function () {
    var from = window.__sent || 0, events = window.__ev.slice(from);
    if (!events.length) return Promise.resolve();
    window.__sent = window.__ev.length;
    var post = (window.ReplayRum && window.ReplayRum.pageFetch) || fetch;
    return post.call(window, '%s', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                    body: JSON.stringify({events: events})});
  };
  setInterval(window.__save, 10 * 1000);
}
//# sourceURL=%s""" % (UNRECORDED, RRWEB_PATH, SENDER_URL)
RRWEB, CAPTURE, BEFORE, NONE = "rrweb", "capture", "before", "none"


def _http_only(source: str, url: str) -> str:
    """An init script for the recorded http pages only (not the first about:blank, nor the
    page a run opens before the measured one), named `url`."""
    return ("if (location.protocol === 'http:' && location.search !== '?" + UNRECORDED + "') {\n"
            + source + "\n}\n//# sourceURL=" + url)


def _asset(part: Path, ref: str | None) -> str:
    """A part of the capture script as the intake serves it (minified: recorder.paths)."""
    if ref is None:
        return rjsmin.jsmin((ASSETS / part).read_text(encoding="utf-8"))
    return rjsmin.jsmin(subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{ref}:assets/{part.as_posix()}"],
        check=True, capture_output=True, text=True).stdout)


def init_scripts(which: str, before: str | None = None) -> list[str]:
    """The init scripts of one run, in order: the RUM plugin, then the recorder (capture.js
    as the intake serves them, recorder.paths.CAPTURE_PARTS; `before`: as at that git ref)."""
    sink = "window.__ev=[];"
    if which == NONE:
        return [_http_only(sink, SOURCE_URL)]
    rum_part, capture_part = CAPTURE_PARTS
    ref = before if which == BEFORE else None
    rum = _http_only(_asset(rum_part, ref), RUM_URL)
    if which in (CAPTURE, BEFORE):   # the whole transport, to the Intake handler below
        return [rum, _http_only(sink + _asset(capture_part, ref) +
                                ";\nReplayCapture.start({intake: location.origin, app: 'bench',"
                                " token: 't', rules: {default: 'mask-user-input'}});", SOURCE_URL)]
    return [rum, _http_only(
        sink + _umd(RRWEB_JS.read_text()) + _umd(CONSOLE.read_text()) +
        ";\nrrweb.record({emit: function (e) { window.__ev.push(e); }, recordAfter: 'DOMContentLoaded',"
        " maskAllInputs: true, plugins: [rrwebPluginConsoleRecord.getRecordConsolePlugin(),"
        " ReplayRum.getRecordPlugin()]});", SOURCE_URL), RRWEB_SENDER]


class Intake(QuietHandler):
    """The page's server, with `POST /v1/events` answered as `replay serve` answers it: each
    body is decoded by the intake's own wire code (gzip, compact encoding) and counted; the
    long texts a batch names by digest are looked up as LiveIntake looks them up (the
    session's, the application's public ones), an unknown one answered 409 unknown_text (the
    refused request's bytes count: they were sent)."""
    posted: list[tuple[int, int, int]] = []   # (bytes on the wire, events, gzipped), per request
    lock = threading.Lock()
    # the application's shared dictionary (recorder/intake/dictionary.py), built from the
    # earlier visitors' events as `replay serve` builds it from their stored sessions
    dictionary: bytes | None = None
    visits: dict[str, list[str]] | None = None   # while earlier visitors visit: their pages' URLs
    session_texts: dict[str, dict[str, str]] = {}   # session id -> digest -> text
    public_texts: dict[str, str] = {}    # the application's public texts (all runs: one site)
    refused = 0                          # 409 unknown_text answers

    def do_GET(self):
        if not self.path.startswith(DICTIONARY_PATH):
            return super().do_GET()
        data = Intake.dictionary
        self.send_response(200 if data else 204)
        if data:
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == RRWEB_PATH:   # rrweb's sender: counted as it came
            with self.lock:
                self.posted.append((len(body), len(json.loads(body)["events"]),
                                    len(gzip.compress(body, GZIP_LEVEL))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            # a beacon sets no header: `&encoding=` in its URL says it (as `replay serve` reads it)
            encoding = request_encoding(self.headers.get("Content-Encoding"),
                                        parse_qs(urlsplit(self.path).query).get("encoding", [None])[0])
            batch, _encoded, texts = decode_request(
                body, encoding, Limits(), self.headers.get("User-Agent"),
                lambda i: Intake.dictionary if Intake.dictionary and dictionary_id(Intake.dictionary) == i
                else None)
        except WireError as exc:   # a bug in the sender: say so, loudly
            print(f"the intake refused a batch: {exc}", file=sys.stderr)
            status, out = exc.status, json.dumps(exc.to_json()).encode()
        else:
            status, out = Status.ACCEPTED, json.dumps({"accepted": len(batch.events)}).encode()
            with self.lock:
                mine = self.session_texts.setdefault(batch.session_id, {})
                if texts is not None and texts.resolve(lambda d: mine.get(d) or self.public_texts.get(d)):
                    status, out = Status.CONFLICT, json.dumps({"error": "unknown_text"}).encode()
                    Intake.refused += 1
                    self.posted.append((len(body), 0, len(body)))
                else:
                    if texts is not None:
                        mine.update(texts.declared)
                        self.public_texts.update(texts.public)
                    if Intake.visits is not None:
                        Intake.visits.setdefault(batch.session_id, []).extend(
                            e["data"]["href"] for e in batch.events if e.get("type") == META)
                    self.posted.append((len(body), len(batch.events), len(body)))
        self.send_response(int(status))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


def _metrics(cdp) -> dict:
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


SAMPLING_US = 250
GZIP_LEVEL = 6   # CompressionStream's gzip level (zlib's default)
DICTIONARY_PATH = "/v1/dictionary"
META = int(EventType.Meta)
ACK_WAIT_MS = 10_000   # for capture.js's last batches to be answered


def recorder_time(profile: dict, urls: tuple[str, ...] = RECORDER_URLS, *,
                  counted: bool = False) -> float:
    """Seconds of samples with a frame of one of the scripts `urls` on their stack: by V8's
    time deltas, or (`counted`) as many sampling intervals as there are such samples."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", ())}
    mine: dict[int, bool] = {}

    def is_mine(nid: int) -> bool:
        chain = []
        while nid not in mine:
            chain.append(nid)
            if nodes[nid]["callFrame"]["url"].endswith(urls):
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


def _profile(cdp) -> dict:
    """The recorder's share of the profile running since `Profiler.start` (which it stops)."""
    profile = cdp.send("Profiler.stop")["profile"]
    return {"js_s": recorder_time(profile), "js_counted_s": recorder_time(profile, counted=True),
            "rum_counted_s": recorder_time(profile, (RUM_URL,), counted=True),
            "sender_s": recorder_time(profile, (SENDER_URL,)),
            "sender_counted_s": recorder_time(profile, (SENDER_URL,), counted=True)}


def _main_thread_s(before: dict, after: dict) -> float:
    """The main thread's busy time between two readings (its tasks, the scripts within them)."""
    return after["TaskDuration"] - before["TaskDuration"]


def _send_the_rest(page, which: str) -> None:
    """What the recorder still holds goes now (its cost is in the figures): capture.js's
    queue until answered, rrweb's events by its guide's sender."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if which in (CAPTURE, BEFORE):
        # a RUM view update queued after the flush may supersede one counted in `queued`
        # (capture.js drops it from its queue): `superseded` grows by as many as go
        queued, superseded = page.evaluate(
            "(s => [s.queued, s.superseded || 0])(ReplayCapture.flush())")
        try:
            page.wait_for_function(
                f"(s => s.acked + (s.superseded || 0) - {superseded} >= {queued})"
                "(ReplayCapture.status())", polling=50, timeout=ACK_WAIT_MS)
        except PlaywrightTimeout:   # a transport that stalls: said, and its bytes are short
            st = page.evaluate("ReplayCapture.status()")
            print(f"{which}: {queued - st['acked']} of {queued} events not sent after "
                  f"{ACK_WAIT_MS / 1000:g} s ({st['errors'][-1:]})", file=sys.stderr)
    elif which == RRWEB:
        page.evaluate("window.__save()")


def run_once(pw, url: str, which: str, seconds: float, act, before: str | None = None,
             previous: str | None = None) -> dict:
    """One page load recorded by `which` (none, rrweb, capture, before) for `seconds` of
    `act`, in two windows: loading (from the navigation to 300 ms after `load`: the
    recorder's start, its snapshot, the page's own load) and the visit (`act`, then what is
    queued is sent). The page is opened unrecorded first, on the same origin, so the
    navigation stays in its renderer (the profile and the counters go on) and nothing of an
    earlier recording is in the figures. The bytes are the whole visit's (the snapshot's
    included: it is sent once per page). `previous`: a page of the same visit opened (and
    recorded, and sent) before the measured one, outside the figures - the measured page is
    then the next page of a visit, as most pages of a visit are."""
    browser = launch(pw)
    Intake.posted.clear()
    try:
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        for script in init_scripts(which, before):
            ctx.add_init_script(script)
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Performance.enable", {"timeDomain": "threadTicks"})   # (CPU time: above)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": SAMPLING_US})
        page.goto(f"{url}?{UNRECORDED}")
        page.wait_for_load_state("load")
        if previous is not None:
            page.goto(previous)
            page.wait_for_load_state("load")
            page.wait_for_timeout(300)
            _send_the_rest(page, which)
            with Intake.lock:
                Intake.posted.clear()
        m0 = _metrics(cdp)
        cdp.send("Profiler.start")
        page.goto(url)
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        loading = _profile(cdp)
        m1 = _metrics(cdp)
        cdp.send("Profiler.start")
        act(page, seconds)
        _send_the_rest(page, which)
        out = _profile(cdp)
        m2 = _metrics(cdp)
        out["cpu_s"] = _main_thread_s(m1, m2)
        out.update({"load_" + k: v for k, v in loading.items()})
        out["load_cpu_s"] = _main_thread_s(m0, m1)
        with Intake.lock:
            out.update(events=sum(p[1] for p in Intake.posted), wire=sum(p[0] for p in Intake.posted),
                       gzipped=sum(p[2] for p in Intake.posted), requests=len(Intake.posted))
        if which == RRWEB:
            text = page.evaluate("JSON.stringify(window.__ev)").encode()
            out.update(events=len(json.loads(text)), gzip=len(gzip.compress(text, GZIP_LEVEL)))
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


PAGES = ("stress", "shop", "shop-next")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--before", metavar="REF", default=None,
                    help="also run capture.js as it was at this git ref (same run, same pages)")
    ap.add_argument("--pages", default=",".join(PAGES), help="which pages: " + ",".join(PAGES))
    args = ap.parse_args()
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    bad = [p for p in pages if p not in PAGES]
    if bad or not pages:
        print(f"capture.py: --pages takes {','.join(PAGES)}, not {args.pages!r}", file=sys.stderr)
        return 2
    if args.before is not None:
        try:
            for part in CAPTURE_PARTS:
                _asset(part, args.before)
        except subprocess.CalledProcessError:
            print(f"capture.py: --before {args.before!r}: no capture.js at that git ref",
                  file=sys.stderr)
            return 2
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw, served_pages(Intake) as chosen:
        bench(pw, [chosen[p] for p in pages], args)
    return 0


@contextmanager
def served_pages(handler: type[Intake]):
    """PAGES served on loopback, each page's server answering the recorders with `handler`:
    page -> (its name, its URL, the person's acts on it, the page of the visit before it)."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "stress.html").write_text(STRESS)
        with PageServer(Path(tmp), handler) as stress, \
                PageServer(ASSETS / "demo" / "pages", handler) as shop:
            yield {"stress": ("stress table", stress.url("stress.html"), idle, None),
                   "shop": ("demo shop", shop.url("index.html"), shopper, None),
                   # the shop as the second page of a visit, after its checkout page
                   "shop-next": ("demo shop, next page of a visit", shop.url("index.html"),
                                 shopper, shop.url("checkout.html"))}


def _half(ours: float, theirs: float) -> tuple[str, bool]:
    return ("<= 1/2 of rrweb", ours <= theirs / 2)


def bench(pw, pages, args) -> None:
    contenders = [NONE, RRWEB, CAPTURE] + ([BEFORE] if args.before else [])
    secs = args.seconds
    for name, url, act, previous in pages:
        # earlier visitors (see above): the intake's shared dictionary is built from them
        Intake.dictionary, Intake.visits = None, {}
        for _ in range(MIN_SESSIONS):
            run_once(pw, url, CAPTURE, 1.0, idle, None, previous)
        site = origin_of(url)
        allow = lambda u: origin_of(u) == site   # noqa: E731 - the application's one origin
        built = make(addresses(Intake.visits.values(), allow), [site], allow, load_rules(None, None))
        Intake.dictionary, Intake.visits = built.data if built else None, None
        print(f"{name}: the shared dictionary, of the pages {MIN_SESSIONS} earlier visits went to: "
              + (f"{len(built.data):,} bytes, {', '.join(built.pages)}" if built else "none"))
        Intake.refused = 0
        results: dict[str, list[dict]] = {w: [] for w in contenders}
        for _ in range(args.rounds):
            for which in results:   # interleaved: each round's load falls on every contender
                results[which].append(run_once(pw, url, which, secs, act, args.before, previous))
        med = {w: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for w, rs in results.items()}
        recorders = contenders[1:]
        ms = {w: {k: v * 1000 for k, v in m.items() if k.endswith("_s")} for w, m in med.items()}
        added = {w: max(0.0, ms[w]["cpu_s"] - ms[NONE]["cpu_s"]) / secs for w in recorders}
        load_added = {w: max(0.0, ms[w]["load_cpu_s"] - ms[NONE]["load_cpu_s"]) for w in recorders}
        js = {w: ms[w]["js_s"] / secs for w in recorders}
        counted = {w: ms[w]["js_counted_s"] / secs for w in recorders}
        rum = {w: ms[w]["rum_counted_s"] / secs for w in recorders}
        load = {w: ms[w]["load_js_counted_s"] for w in recorders}
        # the whole visit, each side with its transport: capture.js's is in its own frames,
        # rrweb's is its guide's sender (its own script)
        visit = {w: ms[w]["load_js_counted_s"] + ms[w]["js_counted_s"] + ms[w]["load_sender_counted_s"]
                 + ms[w]["sender_counted_s"] for w in recorders}
        rrweb_sent = js[RRWEB] + ms[RRWEB]["sender_s"] / secs
        rrweb_counted_sent = counted[RRWEB] + ms[RRWEB]["sender_counted_s"] / secs
        sent = {w: med[w]["wire"] / secs for w in (CAPTURE, BEFORE) if w in med}
        ours = sent[CAPTURE]
        json_rate, zipped_rate, gzip_rate = (med[RRWEB][k] / secs for k in ("wire", "gzipped", "gzip"))
        print_table(f"{name}: {secs:g} s, median of {args.rounds} rounds", [
            Row("after load: added main-thread time (ms/s; rrweb sending)", round(added[CAPTURE], 1),
                round(added[RRWEB], 1), *_half(added[CAPTURE], added[RRWEB])),
            Row("after load: recorder JS, profiled (ms/s)", round(js[CAPTURE], 1), round(js[RRWEB], 1),
                *_half(js[CAPTURE], js[RRWEB])),
            Row("... rrweb with its guide's sender", round(js[CAPTURE], 1), round(rrweb_sent, 1),
                *_half(js[CAPTURE], rrweb_sent)),
            Row("after load: recorder JS, samples x interval (ms/s)", round(counted[CAPTURE], 2),
                round(counted[RRWEB], 2), *_half(counted[CAPTURE], counted[RRWEB])),
            Row("... rrweb with its guide's sender", round(counted[CAPTURE], 2),
                round(rrweb_counted_sent, 2), *_half(counted[CAPTURE], rrweb_counted_sent)),
            Row("... of which the RUM plugin (same code both sides)", round(rum[CAPTURE], 2),
                round(rum[RRWEB], 2)),
            Row("loading the page: recorder JS, samples x interval (ms)", round(load[CAPTURE], 1),
                round(load[RRWEB], 1), *_half(load[CAPTURE], load[RRWEB])),
            Row("loading the page: added main-thread time (ms)", round(load_added[CAPTURE], 1),
                round(load_added[RRWEB], 1), *_half(load_added[CAPTURE], load_added[RRWEB])),
            Row(f"whole visit (loading + {secs:g} s): recorder JS with its transport, samples"
                " x interval (ms)", round(visit[CAPTURE], 1), round(visit[RRWEB], 1),
                *_half(visit[CAPTURE], visit[RRWEB])),
            Row("events", int(med[CAPTURE]["events"]), int(med[RRWEB]["events"])),
            Row("bytes / s: ours posted, rrweb JSON posted", int(ours), int(json_rate),
                "<= 1/3 of rrweb", ours <= json_rate / 3),
            Row("bytes / s: ours posted, rrweb's requests gzipped (as ours)", int(ours),
                int(zipped_rate), "<= 1/3 of rrweb", ours <= zipped_rate / 3),
            Row("bytes / s: ours posted, rrweb gzipped in one piece", int(ours), int(gzip_rate),
                "<= 1/3 of rrweb", ours <= gzip_rate / 3),
            Row("requests", int(med[CAPTURE]["requests"]), int(med[RRWEB]["requests"])),
        ], baseline_name="rrweb")
        print(f"(texts named by digest the intake did not have, answered 409: {Intake.refused}"
              f" in {args.rounds} rounds of capture.js{' and ' + args.before if args.before else ''})")
        if BEFORE in med:
            print_table(f"{name}: capture.js now and at {args.before}, same run", [
                Row("after load: added main-thread time (ms/s)", round(added[CAPTURE], 1),
                    round(added[BEFORE], 1)),
                Row("after load: recorder JS, profiled (ms/s)", round(js[CAPTURE], 1),
                    round(js[BEFORE], 1)),
                Row("after load: recorder JS, samples x interval (ms/s)", round(counted[CAPTURE], 2),
                    round(counted[BEFORE], 2)),
                Row("... of which the RUM plugin", round(rum[CAPTURE], 2), round(rum[BEFORE], 2)),
                Row("loading the page: recorder JS, samples x interval (ms)",
                    round(load[CAPTURE], 1), round(load[BEFORE], 1)),
                Row("loading the page: added main-thread time (ms)", round(load_added[CAPTURE], 1),
                    round(load_added[BEFORE], 1)),
                Row("whole visit: recorder JS, samples x interval (ms)", round(visit[CAPTURE], 1),
                    round(visit[BEFORE], 1)),
                Row("events", int(med[CAPTURE]["events"]), int(med[BEFORE]["events"])),
                Row("bytes / s posted", int(sent[CAPTURE]), int(sent[BEFORE])),
                Row("requests", int(med[CAPTURE]["requests"]), int(med[BEFORE]["requests"])),
            ], baseline_name=f"at {args.before}")


if __name__ == "__main__":
    sys.exit(main())
