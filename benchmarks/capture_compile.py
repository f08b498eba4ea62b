"""How much of capture.js's (and its RUM plugin's) main-thread time after load is V8 compiling
its functions, on `benchmarks/capture.py`'s demo shop (same pages, same person, same Debian
chromium, same intake): a figure the machine's other work hardly moves, where capture.py's
after-load figures on the shop (a few ms in 6 s) swing by half from run to run.

V8 compiles a function when it is first called (lazily; the script's first compile only
pre-parses it): a function first called after load - the first mouse move, click or DOM
change of the visit - is parsed and compiled in that event's handler, and the profiler counts
that time to the recorder (it is on the recorder's frames). Chromium runs with V8's
`--log-function-events`, which logs each parse and compile with its duration; the figures
are their sums for the two scripts, before and after a marker evaluated 300 ms after `load`,
with the functions compiled after it (parse + bytecode; Sparkplug's baseline compiles of
functions called often, shown apart, come in any case). The durations are wall time (a
compile the machine's other work preempted counts its wait): beside them, the source
characters parsed after the marker, which only the code and the visit's events decide.

    python benchmarks/capture_compile.py [--rounds 2] [--seconds 6] [--before REF] [--raw]

The visit ends as capture.py's does (`ReplayCapture.flush()`, then `status()` until the
intake answered): `S.status` and the public `flush` among the functions are the harness's.

`--raw`: the scripts unminified (their frames' names readable, their sizes not the served
ones). The log has no script URLs (they are init scripts): a script is told by the functions
it logs (capture.js's `R.onMove`, the plugin's `targetName`).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import capture as bench   # (it makes the project importable: _common)

from recorder.paths import ASSETS
from replay_tools.chromium import chromium_path

MARK = "markAfterLoad"
SIGNATURES = {"R.onMove": "capture.js", "Privacy.levelOf": "capture.js", "targetName": "RUM plugin"}
# a lazy compile: the function's parse (its inner functions' pre-parse and V8's "full-parse"
# are within it) and its bytecode; the script's own compile: its parse, then the same
LAZY = ("parse-function", "interpreter")
AT_LOAD = LAZY + ("parse-script",)


def run_once(pw, url: str, which: str, seconds: float, before: str | None, logdir: Path) -> None:
    browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=[
        "--no-sandbox", "--disable-gpu",
        f"--js-flags=--log-function-events --logfile={logdir}/%p.log"])
    try:
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        for script in bench.init_scripts(which, before):
            ctx.add_init_script(script)
        page = ctx.new_page()
        page.goto(f"{url}?{bench.UNRECORDED}")
        page.wait_for_load_state("load")
        page.goto(url)
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        page.evaluate(f"(function {MARK}() {{ return 1; }})()")
        bench.shopper(page, seconds)
        bench._send_the_rest(page, which)
    finally:
        browser.close()


def read_logs(logdir: Path) -> dict:
    """{script: {"load": ms, "after": ms, "baseline": ms (after the marker), "chars": the
    source characters parsed after it, "functions":
    {name: ms}}} of the renderer whose log has the recorder's scripts (the page opened first,
    unrecorded, is compiled there too: its compile of the scripts is in `load`)."""
    out: dict = {}
    for path in logdir.glob("*.log"):
        rows = [line.split(",") for line in path.read_text(errors="replace").splitlines()
                if line.startswith("function,")]
        scripts = {r[2]: SIGNATURES[r[7]] for r in rows if len(r) > 7 and r[7] in SIGNATURES}
        mark = next((float(r[6]) for r in rows if len(r) > 7 and r[7] == MARK), None)
        if not scripts or mark is None:
            continue
        for r in rows:
            script = scripts.get(r[2])
            if script is None:
                continue
            kind, ms, at = r[1], float(r[5]), float(r[6])
            fig = out.setdefault(script, {"load": 0.0, "after": 0.0, "baseline": 0.0, "chars": 0,
                                          "functions": defaultdict(float)})
            if kind == "baseline":
                fig["baseline"] += ms if at >= mark else 0.0
            elif at < mark:
                fig["load"] += ms if kind in AT_LOAD else 0.0
            elif kind in LAZY:
                fig["after"] += ms
                if kind == "parse-function":   # its source's size: a figure load cannot move
                    fig["chars"] += int(r[4]) - int(r[3])
                fig["functions"][r[7] if len(r) > 7 and r[7] else f"@{r[3]}"] += ms
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--before", metavar="REF", default=None)
    ap.add_argument("--raw", action="store_true", help="the scripts unminified")
    ap.add_argument("--top", type=int, default=12, help="functions listed per script")
    args = ap.parse_args()
    if args.raw:
        bench.rjsmin.jsmin = lambda s: s
    from playwright.sync_api import sync_playwright

    whos = [bench.CAPTURE] + ([bench.BEFORE] if args.before else [])
    figures: dict = {w: defaultdict(list) for w in whos}
    functions: dict = {w: defaultdict(lambda: defaultdict(float)) for w in whos}
    with sync_playwright() as pw, bench.PageServer(ASSETS / "demo" / "pages", bench.Intake) as shop:
        for _ in range(args.rounds):
            for who in whos:
                with tempfile.TemporaryDirectory() as tmp:
                    run_once(pw, shop.url("index.html"), who, args.seconds, args.before, Path(tmp))
                    for script, fig in read_logs(Path(tmp)).items():
                        for k in ("load", "after", "baseline", "chars"):
                            figures[who][(script, k)].append(fig[k])
                        for name, ms in fig["functions"].items():
                            functions[who][script][name] += ms / args.rounds
    for who in whos:
        label = "now" if who == bench.CAPTURE else f"at {args.before}"
        print(f"== capture.js {label}: V8 parse + compile (ms), median of {args.rounds} rounds")
        for script in ("capture.js", "RUM plugin"):
            med = {k: statistics.median(figures[who][(script, k)] or [0.0])
                   for k in ("load", "after", "baseline", "chars")}
            print(f"  {script:11} by the marker: {med['load']:6.2f}   after it, compiled lazily: "
                  f"{med['after']:5.2f} ({med['after'] / args.seconds:.3f} ms/s)   baseline: "
                  f"{med['baseline']:5.2f}   source parsed after it: {int(med['chars']):,} chars")
            for name, ms in sorted(functions[who][script].items(), key=lambda kv: -kv[1])[:args.top]:
                print(f"      {ms:6.3f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
