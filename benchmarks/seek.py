"""Seeking in a long session: keyframes (player.replayer.Replayer) against the baseline
measured in the same run, rrweb's own method (all events decoded in memory, a seek replays
from the last full snapshot at or before t, no keyframes).

Targets (DESIGN.md), 1,000,000-event 4-hour session: rebuilt DOM in <= 20 ms at p95, open
to the first frame in <= 2 s, player memory <= 600 MB.

The session is generated (replay_tools.generator) and imported into a store once, cached in
benchmarks/out/ (gitignored). Each side then runs in its own process so its peak RSS is
its own. Figures:
  open      time from opening the stored session to the DOM of its first frame
  indexed   time until the whole session is indexed (ours: by a worker process while
            the player is already usable; baseline: decoding every event)
  seek      p50 / p95 / max over the same random offsets, after indexing
  peak RSS  of the player's process (the index worker is reported apart)

    python benchmarks/seek.py [--events N] [--seeks 200] [--baseline-seeks 200]
    python benchmarks/seek.py --recording benchmarks/out/real-10m.json   # real first
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "benchmarks"))   # after ROOT: benchmarks/player.py is not `player`
OUT = ROOT / "benchmarks" / "out"

from _common import add_recording_arg, prepare_recording  # noqa: E402
from replay_tools.generator import DEFAULT_PROFILE, add_profile_arg  # noqa: E402


def rss_mb() -> float:
    """Peak RSS of this process. VmHWM, not ru_maxrss: on Linux ru_maxrss survives exec, so
    a child would report its parent's peak (e.g. the generator's) as its own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def prepare(n: int, duration_ms: int, profile: str = DEFAULT_PROFILE) -> tuple[Path, str]:
    """A data folder holding the generated session (made once, then reused)."""
    from replay_tools.generator import generate_session
    from recorder.store import Store

    data = OUT / (f"seek-{n}-{duration_ms}" + ("" if profile == DEFAULT_PROFILE else f"-{profile}"))
    marker = data / "bench-session.txt"
    if marker.exists():
        return data, marker.read_text().strip()
    data.mkdir(parents=True, exist_ok=True)
    print(f"generating and importing a {n:,}-event session (once; cached in {data}) ...",
          file=sys.stderr)
    t = time.perf_counter()
    events = list(generate_session(n, duration_ms=duration_ms, seed=7, profile=profile))
    with Store.open(data) as st:
        ids = st.ingest(events)
    if len(ids) != 1:
        raise SystemExit(f"expected one session, the store made {len(ids)}")
    marker.write_text(ids[0])
    print(f"  done in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return data, ids[0]


def offsets(duration: float, k: int) -> list[float]:
    rng = random.Random(2024)
    return [rng.uniform(0, duration) for _ in range(k)]


# --- the two sides (each in its own process) -------------------------------------------------
def run_ours(data: Path, sid: str, seeks: int) -> dict:
    from player.replayer import Replayer
    from recorder.store import Store

    t0 = time.perf_counter()
    st = Store.open(data)
    src = st.session(sid)
    r = Replayer(src)   # "auto": a worker process indexes a long session
    first = r.state_at(r.first_frame_ms)
    t_open = time.perf_counter() - t0
    assert len(first.nodes) > 10, "first frame has no DOM"
    # a seek right away, while the rest is still being indexed (the player's first scrub)
    a = time.perf_counter()
    r.state_at(r.duration_ms / 2)
    t_early = time.perf_counter() - a
    # how late a 10 ms UI timer fires while the index is being built
    lag = []
    while not r.ready:
        a = time.perf_counter()
        time.sleep(0.01)
        lag.append(time.perf_counter() - a - 0.01)
    r.index.finish()
    t_indexed = time.perf_counter() - t0
    worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    ts = offsets(r.duration_ms, seeks)
    lat = []
    nodes = []
    for t in ts:
        a = time.perf_counter()
        m = r.state_at(t)
        lat.append(time.perf_counter() - a)
        nodes.append(len(m.nodes))
    # playback step: 1 s of operations from a random point (sanitized, view-ready)
    ops_lat = []
    for t in ts[:50]:
        a = time.perf_counter()
        r.ops_between(t, t + 1000)
        ops_lat.append(time.perf_counter() - a)
    # what the view loads on a seek (sanitized frame) and the static document
    frame_lat, doc_lat = [], []
    for t in ts[:50]:
        a = time.perf_counter()
        r.frame_at(t)
        frame_lat.append(time.perf_counter() - a)
        a = time.perf_counter()
        r.document_at(t)
        doc_lat.append(time.perf_counter() - a)
    fixed, fixed_frames = {}, {}
    for frac in FRACTIONS:   # the offsets rrweb's Replayer is timed at (--vs-rrweb)
        t = frac * r.duration_ms
        fixed[frac] = _best_of(3, lambda: r.state_at(t))
        fixed_frames[frac] = _best_of(3, lambda: r.frame_at(t))
    return {"open": t_open, "early_seek": t_early, "indexed": t_indexed, "seeks": lat,
            "nodes": nodes, "ops": ops_lat, "frames": frame_lat, "docs": doc_lat,
            "fixed": fixed, "fixed_frames": fixed_frames,
            "rss": rss_mb(), "stats": r.index.stats(), "duration": r.duration_ms,
            "lag": lag or [0.0], "worker_rss": worker_rss,
            "mode": "worker process" if r.runner.proc is not None else "thread"}


FRACTIONS = (0.1, 0.5, 0.9, 1.0)


def _best_of(k: int, fn) -> float:
    """The median of k timed calls, in seconds (a seek to the same offset repeated)."""
    xs = []
    for _ in range(k):
        a = time.perf_counter()
        fn()
        xs.append(time.perf_counter() - a)
    return sorted(xs)[k // 2]


# rrweb's Replayer in a real Chromium (QtWebEngine, JavaScript on, loopback only): the
# session exported as rrweb JSON is fetched, then `pause(t)` (rebuild the DOM at t, which
# rrweb does synchronously) is timed at each offset, and until the rebuilt DOM is painted:
# a task posted from the first animation frame after it runs once that frame is rendered
# (the same marker as ours: the runtime's `paintedAt`). The next-but-one animation frame
# (this benchmark's earlier definition, a whole frame later) is kept beside it. Three
# times per offset, the median kept, going back and forth so no pause continues from the
# one before. `interval`: the page's mean animation-frame interval over a second (the
# cadence both sides wait for).
RRWEB_PAGE = """<!DOCTYPE html><html><body><div id="root"></div>
<script src="rrweb.js"></script><script>
const FRACTIONS = %s;
function frame() { return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))); }
function painted() {
  return new Promise(r => requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => r(performance.now());
    ch.port2.postMessage(0);
  }));
}
async function interval() {   // as ours is measured: a second's time over its frames
  const a = performance.now();
  let n = 0;
  while (performance.now() - a < 1000) { await new Promise(r => requestAnimationFrame(r)); n++; }
  return (performance.now() - a) / n;
}
fetch("events.json").then(r => r.json()).then(async events => {
  const t0 = performance.now();
  const replayer = new rrweb.Replayer(events, {root: document.getElementById("root"),
      mouseTail: false, showWarning: false, triggerFocus: false});
  replayer.pause(0);
  await frame();
  const open = performance.now() - t0;
  const duration = replayer.getMetaData().totalTime;
  const pause = {}, paint = {}, paint2 = {};
  for (const f of FRACTIONS) { pause[f] = []; paint[f] = []; paint2[f] = []; }
  for (let round = 0; round < 3; round++) {
    for (const f of (round %% 2 ? [...FRACTIONS].reverse() : FRACTIONS)) {
      replayer.pause(0);
      await frame();
      const a = performance.now();
      replayer.pause(f * duration);
      const b = performance.now();
      const c = await painted();
      await new Promise(r => requestAnimationFrame(r));   // the next-but-one frame
      pause[f].push(b - a);
      paint[f].push(c - a);
      paint2[f].push(performance.now() - a);
    }
  }
  const every = await interval();
  const med = xs => xs.sort((x, y) => x - y)[1];
  const doc = replayer.iframe.contentDocument;
  // how many events rrweb applies for pause(t) after pause(0): those since the last full
  // snapshot at or before t
  const replayed = {};
  const first = events[0].timestamp;
  for (const f of FRACTIONS) {
    const at = first + f * duration;
    let snap = first;
    for (const e of events) if (e.type === 2 && e.timestamp <= at) snap = e.timestamp;
    replayed[f] = events.filter(e => e.timestamp >= snap && e.timestamp <= at).length;
  }
  window.result = {open, duration, replayed, nodes: doc.getElementsByTagName("*").length,
    interval: every,
    pause: Object.fromEntries(FRACTIONS.map(f => [f, med(pause[f])])),
    paint: Object.fromEntries(FRACTIONS.map(f => [f, med(paint[f])])),
    paint2: Object.fromEntries(FRACTIONS.map(f => [f, med(paint2[f])]))};
}).catch(e => { window.result = {error: String(e && e.stack || e)}; });
</script></body></html>"""


def run_rrweb(data: Path, sid: str, _seeks: int) -> dict:
    """rrweb's own Replayer on the same stored session (see RRWEB_PAGE); figures in s."""
    import shutil
    import tempfile

    from recorder.rrweb_io import write_rrweb_json
    from recorder.store import Store
    from replay_tools.browser_recorder import (NPM_RRWEB_DIR, NPM_RRWEB_UMD, PageServer,
                                              ensure_offscreen_env)

    ensure_offscreen_env()
    from PySide6.QtCore import QEventLoop, QTimer, QUrl
    from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
    from PySide6.QtWebEngineWidgets import QWebEngineView
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])  # noqa: F841
    with tempfile.TemporaryDirectory(prefix="replay-rrweb-bench-") as site:
        site = Path(site)
        with Store.open(data) as st:
            write_rrweb_json(site / "events.json", st.session(sid).events())
        if not (NPM_RRWEB_DIR / NPM_RRWEB_UMD).is_file():
            raise SystemExit("rrweb from npm is missing: npm ci --prefix tests/browser")
        shutil.copy(NPM_RRWEB_DIR / NPM_RRWEB_UMD, site / "rrweb.js")
        (site / "bench.html").write_text(RRWEB_PAGE % json.dumps(list(FRACTIONS)))
        with PageServer(site) as server:
            profile = QWebEngineProfile()   # off the record: nothing cached between runs
            page = QWebEnginePage(profile)
            view = QWebEngineView()   # shown (offscreen): a page with no view paints no frames
            view.setPage(page)
            view.resize(1480, 900)
            view.show()
            page.load(QUrl(server.url("bench.html")))
            box: list = []
            deadline = time.monotonic() + 600
            while not (box and isinstance(box[-1], str) and box[-1]):
                if time.monotonic() > deadline:
                    raise SystemExit("rrweb's Replayer did not finish within 10 minutes")
                loop = QEventLoop()
                QTimer.singleShot(200, loop.quit)
                loop.exec()
                page.runJavaScript("window.result ? JSON.stringify(window.result) : null", 0,
                                   box.append)
            result = json.loads(box[-1])
            view.close()
            view.setPage(None)
            del view, page   # the page before its profile (Qt warns otherwise)
            profile.deleteLater()
    if "error" in result:
        raise SystemExit(f"rrweb's Replayer failed: {result['error']}")
    return {"open": result["open"] / 1000, "nodes": result["nodes"],
            "pause": {float(k): v / 1000 for k, v in result["pause"].items()},
            "paint": {float(k): v / 1000 for k, v in result["paint"].items()},
            "paint2": {float(k): v / 1000 for k, v in result["paint2"].items()},
            "interval": result["interval"] / 1000,
            "replayed": {float(k): v for k, v in result["replayed"].items()},
            "rss": rss_mb()}


def _page_clock(bridge) -> float:
    """The page's clock (epoch ms, the runtime's `now`) minus time.time() in ms, from the
    quickest of a few round trips (off by at most half of it, well under a millisecond)."""
    best = None
    for _ in range(7):
        a = time.time()
        now = bridge.call_sync("window.__replay.state().now")
        b = time.time()
        if best is None or b - a < best[0]:
            best = (b - a, now - (a + b) * 500)
    return best[1]


def run_painted(data: Path, sid: str, _seeks: int) -> dict:
    """Ours painted, the way RRWEB_PAGE times rrweb: in the Qt player (same view size), at
    each offset, from the start (seek to 0 and wait for its paint) to the offset's painted
    frame - a patch of the page shown when most of it stays, else a whole frame; the
    median of three, going back and forth. From the seek's request in Python to the
    runtime's marks on the page's clock: `dom` once the page's DOM is the target's
    (rrweb's pause(t) is that much), `paint` once the frame showing it was rendered (the
    same marker as rrweb's). `polled`: until the benchmark's own polling saw the paint
    (this benchmark's earlier figure; player.py's). Figures in s."""
    from replay_tools.browser_recorder import ensure_offscreen_env

    ensure_offscreen_env()
    import player.qt.webview  # noqa: F401  (our URL schemes, before the QApplication)
    from PySide6.QtWidgets import QApplication

    from player.qt.replay_widget import ReplayWidget
    from player.qt.standalone import dispose
    from player.replayer import Replayer
    from recorder.store import Store

    app = QApplication.instance() or QApplication([])  # noqa: F841
    st = Store.open(data)
    src = st.session(sid)
    r = Replayer(src)
    w = ReplayWidget(src, replayer=r)
    w.resize(1480, 900)
    w.show()
    w.wait_ready(120)
    w.wait_indexed(600)
    r.index.finish()
    from PySide6.QtCore import QEventLoop, QTimer

    def spin(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    b = w.bridge
    got: dict[str, dict[float, list[float]]] = {k: {f: [] for f in FRACTIONS}
                                               for k in ("dom", "paint", "polled")}
    for rnd in range(3):
        for f in (FRACTIONS[::-1] if rnd % 2 else FRACTIONS):
            w.seek_and_wait(0)
            clock = _page_clock(b)
            a = time.perf_counter()
            a_page = time.time() * 1000 + clock
            w.seek_and_wait(int(f * r.duration_ms))
            got["polled"][f].append(time.perf_counter() - a)
            while True:   # the task after the painted frame may come after the poll's answer
                rs = b.call_sync("window.__replay.state()")
                if rs["paintedSeq"] >= rs["applied"]:
                    break
                spin(2)
            got["dom"][f].append((rs["appliedAt"] - a_page) / 1000)
            got["paint"][f].append((rs["paintedAt"] - a_page) / 1000)
    # the page makes frames only when asked: a second's worth and more, counted over one
    rafs0 = b.call_sync("window.__replay.frames(2 * 60)")
    a = time.perf_counter()
    spin(1000)
    every = (time.perf_counter() - a) / max(1, b.call_sync("window.__replay.state().stats.rafs") - rafs0)
    out = {k: {f: sorted(v)[1] for f, v in d.items()} for k, d in got.items()}
    out.update(interval=every, patches=w.controller.patches_sent,
               frames=w.controller.frames_loaded)
    dispose(w)
    st.close()
    return out


def run_baseline(data: Path, sid: str, seeks: int) -> dict:
    """rrweb's Replayer: every event decoded up front; a seek rebuilds from the last full
    snapshot at or before t (plus the Meta before it) by applying everything up to t."""
    from bisect import bisect_right

    from recorder.format import no_gc
    from recorder.mirror import Mirror
    from recorder.store import Store

    t0 = time.perf_counter()
    st = Store.open(data)
    src = st.session(sid)
    with no_gc():   # the same decoding conditions as ours: the comparison is about seeking
        events = list(src.events())
    start = events[0]["timestamp"]
    times = [e["timestamp"] - start for e in events]
    fulls = [i for i, e in enumerate(events) if e["type"] == 2]

    def seek(t: float) -> Mirror:
        k = bisect_right(times, t)
        j = bisect_right(fulls, k - 1) - 1
        i = fulls[j] if j >= 0 else 0
        while i > 0 and events[i - 1]["type"] == 4:   # the Meta just before it
            i -= 1
        m = Mirror()
        with no_gc():
            for e in events[i:k]:
                m.apply(e)
        return m

    first = seek(times[fulls[0]])
    t_open = time.perf_counter() - t0
    assert len(first.nodes) > 10
    duration = times[-1]
    lat = []
    nodes = []
    for t in offsets(duration, seeks):
        a = time.perf_counter()
        m = seek(t)
        lat.append(time.perf_counter() - a)
        nodes.append(len(m.nodes))
    return {"open": t_open, "indexed": t_open, "seeks": lat, "nodes": nodes, "rss": rss_mb(),
            "full_snapshots": len(fulls), "duration": duration}


def child(kind: str, data: str, sid: str, seeks: int) -> int:
    fn = {"ours": run_ours, "baseline": run_baseline, "rrweb": run_rrweb,
          "painted": run_painted}[kind]
    res = fn(Path(data), sid, seeks)
    sys.stdout.write("\n" + json.dumps(res) + "\n")   # the last line (Chromium may print too)
    return 0


def side(kind: str, data: Path, sid: str, seeks: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(data), sid, str(seeks)],
                         capture_output=True, text=True,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if out.returncode:
        raise SystemExit(f"the {kind} side failed:\n{out.stderr}")
    lines = out.stdout.strip().splitlines()
    if not lines:
        raise SystemExit(f"the {kind} side printed nothing:\n{out.stderr[-2000:]}")
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000,
                    help="generated session length (0: only --recording)")
    ap.add_argument("--duration-ms", type=int, default=4 * 3600 * 1000)
    ap.add_argument("--seeks", type=int, default=200)
    ap.add_argument("--baseline-seeks", type=int, default=200)
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    add_profile_arg(ap)
    add_recording_arg(ap)
    ap.add_argument("--vs-rrweb", action="store_true",
                    help="also time rrweb's own Replayer (npm, in QtWebEngine) on the session")
    args = ap.parse_args(argv)
    if args.child:
        kind, data, sid, seeks = args.child
        return child(kind, data, sid, int(seeks))

    if args.recording is not None:
        data, sid = prepare_recording(args.recording)
        report(f"real recording {args.recording.name}", data, sid, args)
    if args.events:
        data, sid = prepare(args.events, args.duration_ms, args.profile)
        report(f"generated, {args.events:,} events", data, sid, args)
    return 0


def report(label: str, data: Path, sid: str, args: argparse.Namespace) -> None:
    """Both sides on one stored session, and the table."""
    print(f"session {sid} ({label})", file=sys.stderr)
    ours = side("ours", data, sid, args.seeks)
    base = side("baseline", data, sid, args.baseline_seeks)
    rr = side("rrweb", data, sid, 0) if args.vs_rrweb else None
    painted = side("painted", data, sid, 0) if args.vs_rrweb else None

    def ms(x: float) -> str:
        return f"{x * 1000:,.1f} ms"

    rows = [
        ("open to first frame", ms(ours["open"]), ms(base["open"]), "<= 2 s"),
        ("whole session indexed", ms(ours["indexed"]), ms(base["indexed"]), ""),
        ("seek p50", ms(pct(ours["seeks"], 50)), ms(pct(base["seeks"], 50)), ""),
        ("seek p95", ms(pct(ours["seeks"], 95)), ms(pct(base["seeks"], 95)), "<= 20 ms"),
        ("seek max", ms(max(ours["seeks"])), ms(max(base["seeks"])), ""),
        ("seeks measured", str(len(ours["seeks"])), str(len(base["seeks"])), ""),
        ("peak RSS", f"{ours['rss']:,.0f} MB", f"{base['rss']:,.0f} MB", "<= 600 MB"),
    ]
    print(f"\nSeek benchmark, {label}: {ours['duration'] / 3.6e6:.2f} h,"
          f" {base['full_snapshots']} full snapshots, {ours['stats']['dom_events']:,} DOM events,"
          f" {ours['stats']['checkpoints']} keyframes"
          f" ({(ours['stats']['checkpoint_bytes'] + ours['stats']['block_bytes']) / 1e6:.1f} MB"
          " compressed)")
    w = max(len(r[0]) for r in rows)
    print(f"{'':{w}}  {'keyframes (ours)':>18}  {'baseline (rrweb)':>18}  goal")
    for name, a, b, goal in rows:
        print(f"{name:{w}}  {a:>18}  {b:>18}  {goal}")
    print(f"\nindexing: {ours['mode']}; a 10 ms UI timer fired late by p95"
          f" {ms(pct(ours['lag'], 95))}, max {ms(max(ours['lag']))} meanwhile;"
          f" the worker's peak RSS <= {ours['worker_rss']:,.0f} MB (it exits when done)")
    print(f"first seek while still indexing (mid-session, from its last full snapshot):"
          f" {ms(ours['early_seek'])}")
    print(f"ops_between for 1 s of playback: p50 {ms(pct(ours['ops'], 50))},"
          f" p95 {ms(pct(ours['ops'], 95))}")
    print(f"frame_at (sanitized frame for the view): p50 {ms(pct(ours['frames'], 50))},"
          f" p95 {ms(pct(ours['frames'], 95))}; document_at: p50 {ms(pct(ours['docs'], 50))},"
          f" p95 {ms(pct(ours['docs'], 95))}")
    print(f"mean DOM size at the sampled moments: {sum(ours['nodes']) / len(ours['nodes']):,.0f}"
          " nodes")

    if rr is not None:
        print(f"\nrrweb's own Replayer (npm, QtWebEngine) on the same session: opened in"
              f" {ms(rr['open'])}, {rr['nodes']:,} elements at the end, peak RSS"
              f" {rr['rss']:,.0f} MB (the Python side; Chromium's own processes not counted)")
        print(f"{'offset':>8}  {'ours state_at':>13}  {'ours DOM':>9}  {'rrweb pause':>11}"
              f"  {'ratio':>5} / {'DOM':>5}  {'ours painted':>12}  {'rrweb painted':>13}"
              f"  {'ratio':>6}  {'rrweb 2 frames':>14}  {'ours polled':>11}  {'ours frame_at':>13}")
        for f in FRACTIONS:
            k = str(f)
            sa, dom, pz = ours["fixed"][k], painted["dom"][k], rr["pause"][k]
            pp, rp = painted["paint"][k], rr["paint"][k]
            print(f"{f:>8.0%}  {ms(sa):>13}  {ms(dom):>9}  {ms(pz):>11}  {pz / sa:>4.0f}x / "
                  f"{pz / dom:>4.1f}x  {ms(pp):>12}  {ms(rp):>13}  {rp / pp:>5.1f}x"
                  f"  {ms(rr['paint2'][k]):>14}  {ms(painted['polled'][k]):>11}"
                  f"  {ms(ours['fixed_frames'][k]):>13}")
        print("goals: rebuilt DOM >= 100x faster at every offset, painted frame >= 10x."
              " Both sides seek from the start to the offset: rrweb's pause(t) after pause(0)"
              " applies every event since the last full snapshot at or before t (from the"
              " start when there is none); ours is a keyframe plus at most a thousand"
              " operations.\n  ratio: rrweb's pause(t) against ours state_at (the rebuilt"
              " DOM as our model in Python, no browser DOM); DOM: against ours 'DOM' - from"
              " the Qt player's seek request until its runtime changed the page's DOM (Python's"
              " patch or frame, the hand-over to Chromium, the runtime's DOM work), which is"
              " what rrweb's pause(t) does.\n  painted, both sides alike: until a task posted"
              " from the first animation frame after the DOM change runs (that frame is"
              " rendered); ours by the runtime's own marks on the page's clock"
              f" ({painted['patches']} patches, {painted['frames']} whole frames).\n  rrweb 2"
              " frames / ours polled: this benchmark's earlier figures (rrweb: until the"
              " next-but-one animation frame, a frame later; ours: until the benchmark's"
              " polling saw the paint).\n  frame_at: the rebuilt DOM sanitized for the view,"
              " the Python part of a whole frame.")
        print(f"animation-frame interval (both sides wait for the next frame): ours"
              f" {ms(painted['interval'])}, rrweb's page {ms(rr['interval'])}")
        pauses = sorted((f, rr["pause"][str(f)] / ours["fixed"][str(f)]) for f in FRACTIONS)
        lo = min(pauses, key=lambda x: x[1])
        print(f"lowest DOM ratio at {lo[0]:.0%}: rrweb replays there"
              f" {rr.get('replayed', {}).get(str(lo[0]), '?')} events since its last full snapshot")


if __name__ == "__main__":
    sys.exit(main())
