"""Where capture.js's bytes and its after-load JavaScript time go, on the pages of
`benchmarks/capture.py` (same pages, same person, same Debian chromium, same intake).

Bytes: every request body capture.js posts is kept and taken apart by what it carries - the
stylesheet texts, the rest of the full snapshot, mutations, mouse moves, interactions,
scrolls, each RUM payload type, console - with, per category, its compact JSON's size, the
size of that part alone gzipped (request by request) and its marginal cost: how much smaller
each gzipped request would be without it (the honest figure: gzip shares its dictionary).
The same for rrweb's sender (its requests gzipped, as capture.py's middle figure).

CPU: the V8 sampling profile after the load (the `--seconds` of the person; of nothing on the
stress page), each sample with a recorder or RUM frame on its stack counted once, by the
function where it was (its leaf, native calls under a recorder frame included) and by the
recorder's entry frame (the outermost recorder frame: a handler, a timer, an observer).

    python benchmarks/capture_breakdown.py [--pages stress,shop,shop-next] [--seconds 6] [--rounds 1]
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import threading
import zlib
from collections import Counter, defaultdict

import capture as bench
from _common import ROOT  # noqa: F401  (makes the project importable)

from recorder.format import RUM_PLUGIN
from recorder.intake import compact

GZIP_LEVEL = bench.GZIP_LEVEL
VERBOSE = False
SOURCES = {0: "mutation", 1: "mousemove", 2: "interaction", 3: "scroll", 4: "resize",
           5: "input", 6: "touchmove", 7: "media", 8: "stylesheet rule", 14: "selection"}
TYPES = {0: "dom loaded", 1: "load", 4: "meta", 5: "custom"}
RUM_FORMS = {compact.RUM_RESOURCE: "resource", compact.RUM_LONG_TASK: "long_task",
             compact.RUM_ACTION: "action", compact.RUM_VIEW: "view",
             compact.RUM_CLICK_ACTION: "action"}
TYPE_KEY = -1 - compact.NAMES.index("type")   # a keyed RUM payload's "type" (compact@4)
STYLESHEET = "stylesheet text (_cssText)"
ENVELOPE = "envelope (ids, strings)"


class Keeper(bench.Intake):
    """The benchmark's intake, keeping each body as it came (and the rrweb sender's)."""
    bodies: list[tuple[str, bytes, str | None]] = []   # (who, body, Content-Encoding)
    keep_lock = threading.Lock()

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        with self.keep_lock:
            self.bodies.append(("rrweb" if self.path == bench.RRWEB_PATH else "capture", body,
                                self.headers.get("Content-Encoding")))
        self.rfile = _Replay(body)
        super().do_POST()


class _Replay:
    def __init__(self, data: bytes):
        self.data = data

    def read(self, n: int) -> bytes:
        out, self.data = self.data[:n], self.data[n:]
        return out

    def close(self) -> None:
        self.data = b""


def category(e) -> str:
    """What a (compact or plain) event carries."""
    if isinstance(e, list):
        kind, data = e[0], e[2]
        if kind == 2:
            return "full snapshot (without stylesheet texts)"
        if kind == 4:
            return TYPES[4]
        if kind == 6 and isinstance(data, list):   # compact@2's [plugin name, payload]
            name = data[0] if isinstance(data[0], str) else compact.NAMES[-1 - data[0]] \
                if data[0] < 0 else f"#{data[0]}"
            data = {"plugin": name, "payload": data[1]}
        elif isinstance(data, list):
            return SOURCES.get(data[0], f"incremental {data[0]}")
        e = {"type": kind, "data": data}
    kind, data = e.get("type"), e.get("data") or {}
    if kind == 2:
        return "full snapshot (without stylesheet texts)"
    if kind == 3:
        return SOURCES.get(data.get("source"), f"incremental {data.get('source')}")
    if kind == 6:
        if data.get("plugin") == RUM_PLUGIN:
            payload = data.get("payload")
            if isinstance(payload, list) and payload and payload[0] == compact.RUM_KEYED:
                flat = payload[1]   # compact@4: [name, value, ...]
                return "rum " + str(next((flat[i + 1] for i in range(0, len(flat) - 1, 2)
                                          if flat[i] in (TYPE_KEY, "type")), "?"))
            if isinstance(payload, list):   # compact@2's RUM forms
                return "rum " + RUM_FORMS.get(payload[0] if payload else None, "?")
            return "rum " + str((payload or {}).get("type"))
        return "plugin " + str(data.get("plugin"))
    return TYPES.get(kind, f"type {kind}")


def css_slots(events, strings, version: int = 1) -> list[tuple[list, int]]:
    """The places of the stylesheet texts in compact events: (list, index); `version`: 1 for
    compact@1's node forms (with ids), 2 for compact@2's (without)."""
    css = {i for i, s in enumerate(strings or ()) if s == "_cssText"} | {"_cssText"}
    if "_cssText" in compact.NAMES:
        css.add(-1 - compact.NAMES.index("_cssText"))
    slots = []

    skip = 0 if version >= 2 else 1   # compact@1 writes each node's id after its type

    def node(n):
        if not isinstance(n, list) or not n:
            return
        if version >= 2 and n[0] == compact.GIVEN_ID and len(n) == 3:
            node(n[2])
        elif n[0] == 2 and len(n) >= 4 + skip:
            attrs = n[2 + skip]
            for i in range(0, len(attrs) - 1, 2):
                if attrs[i] in css:
                    slots.append((attrs, i + 1))
            for c in n[3 + skip]:
                node(c)
        elif n[0] == 0 and len(n) >= 2 + skip:
            for c in n[1 + skip]:
                node(c)
        elif (n[0] == 3 and len(n) >= 2 + skip and isinstance(n[1 + skip], (str, dict))
              and len(json.dumps(n[1 + skip])) > 1024):
            slots.append((n, 1 + skip))   # a long <style> text
    for e in events:
        if isinstance(e, list) and e[0] == 2:
            node(e[2][0])
        elif isinstance(e, list) and e[0] == 3 and isinstance(e[2], list) and e[2] and e[2][0] == 0:
            adds = e[2][4]
            for i in range(2, len(adds), 3):
                node(adds[i])
    return slots


def gz(obj) -> int:
    return len(gzip.compress(json.dumps(obj, separators=(",", ":")).encode(), GZIP_LEVEL))


def breakdown(bodies) -> dict:
    """category -> [json chars, alone gzipped, marginal gzipped]; plus totals."""
    out = defaultdict(lambda: [0, 0, 0])
    total = {"requests": 0, "wire": 0, "gzip_whole": 0}
    for body, enc in bodies:
        raw = zlib.decompress(body) if enc == "deflate" else gzip.decompress(body) if enc == "gzip" else body
        doc = json.loads(raw)
        array = isinstance(doc, list)   # compact@4's body as an array: measured as sent
        if array:
            doc = dict(zip(compact.BODY_FIELDS, doc))

        def gz_body(d, array=array):
            return gz([d[k] for k in compact.BODY_FIELDS if k in d] if array else d)
        total["requests"] += 1
        print(f"   request: {len(body)} B ({enc or 'plain'}), {len(doc['events'])} events:",
              dict(Counter(category(e) for e in doc["events"])))
        if VERBOSE:
            print("   envelope:", json.dumps({k: v for k, v in doc.items() if k != "events"})[:600])
            for e in doc["events"]:
                if not category(e).startswith("full"):
                    print("     ", json.dumps(e)[:300])
        total["wire"] += len(body) if enc in ("gzip", "deflate") else len(gzip.compress(body, GZIP_LEVEL))
        whole = gz_body(doc)
        total["gzip_whole"] += whole
        events = doc["events"]
        slots = css_slots(events, doc.get("strings"), compact.VERSIONS[doc["encoding"]]) \
            if doc.get("encoding") else []
        plain_css = []
        if not doc.get("encoding"):   # rrweb's: the _cssText values of its snapshots
            def walk(v):
                if isinstance(v, dict):
                    for k, x in v.items():
                        if k == "_cssText" and isinstance(x, str):
                            plain_css.append((v, k))
                        else:
                            walk(x)
                elif isinstance(v, list):
                    for x in v:
                        walk(x)
            for e in events:
                if isinstance(e, dict) and e.get("type") in (2, 3):
                    walk(e.get("data"))
        places = slots + plain_css
        texts = [p[0][p[1]] for p in places]
        out[STYLESHEET][0] += len(json.dumps(texts, separators=(",", ":")))
        out[STYLESHEET][1] += gz(texts) if texts else 0
        for (where, k) in places:
            where[k] = ""
        without_css = gz_body(doc)
        out[STYLESHEET][2] += whole - without_css
        for (where, k), t in zip(places, texts):
            where[k] = t
        by = defaultdict(list)
        for e in events:
            by[category(e)].append(e)
        for cat, evs in by.items():
            if cat.startswith("full snapshot"):
                for (where, k) in places:
                    where[k] = ""
            out[cat][0] += len(json.dumps(evs, separators=(",", ":")))
            out[cat][1] += gz(evs)
            rest = dict(doc, events=[e for e in events if category(e) != cat])
            out[cat][2] += (without_css if cat.startswith("full snapshot") else whole) - gz_body(rest)
            if cat.startswith("full snapshot"):
                for (where, k), t in zip(places, texts):
                    where[k] = t
        env = {k: v for k, v in doc.items() if k != "events"}
        env_sent = [v for k, v in env.items()] if array else env
        out[ENVELOPE][0] += len(json.dumps(env_sent, separators=(",", ":")))
        out[ENVELOPE][1] += gz(env_sent)
        out[ENVELOPE][2] += whole - gz([events] if array else {"events": events})
    return {"categories": dict(out), "total": total}


def profile_breakdown(profile: dict, urls=bench.RECORDER_URLS) -> tuple[Counter, Counter, int]:
    """(leaf function -> samples, entry frame -> samples, samples) of the samples with a
    frame of `urls` on their stack."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", ())}

    def name(n):
        f = n["callFrame"]
        url = f["url"].rsplit("/", 1)[-1]
        return f"{f['functionName'] or '(anonymous)'} {url}:{f['lineNumber'] + 1}" if url else \
            f"{f['functionName'] or '(anonymous)'} (native)"
    leaf, entry, count = Counter(), Counter(), 0
    for nid in profile["samples"]:
        chain, x = [], nid
        while x is not None:
            chain.append(nodes[x])
            x = parent.get(x)
        mine = [n for n in chain if n["callFrame"]["url"].endswith(urls)]
        if not mine:
            continue
        count += 1
        leaf[name(chain[0])] += 1
        entry[name(mine[-1])] += 1
    return leaf, entry, count


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--pages", default="shop,shop-next")
    ap.add_argument("--rrweb", action="store_true", help="rrweb's bytes too")
    ap.add_argument("--verbose", action="store_true", help="each request's events")
    args = ap.parse_args()
    global VERBOSE
    VERBOSE = args.verbose
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    if not pages or any(p not in bench.PAGES for p in pages):
        print(f"capture_breakdown.py: --pages takes {','.join(bench.PAGES)}, not {args.pages!r}",
              file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    profiles: list[dict] = []
    real_profile = bench._profile

    def keeping(cdp):
        out = real_profile(_Keeping(cdp, profiles))
        return out
    bench._profile = keeping
    with sync_playwright() as pw, bench.served_pages(Keeper) as chosen:
        for page in pages:
            _name, url, act, previous = chosen[page]
            # an earlier visitor, as capture.py has (the intake holds the site's public texts)
            bench.run_once(pw, url, "capture", 1.0, bench.idle, None, previous)
            for who in (["capture", "rrweb"] if args.rrweb else ["capture"]):
                leaf, entry, samples = Counter(), Counter(), 0
                kept = []
                for _ in range(args.rounds):
                    Keeper.bodies.clear()
                    profiles.clear()
                    done = bench.run_once(pw, url, who, args.seconds, act, None, previous)
                    # the previous page's bodies were cleared with Intake.posted? no: keep
                    # only what came after the measured navigation (see _Keeping)
                    kept += [(b, enc) for w, b, enc in Keeper.bodies[-done["requests"]:]
                             if w == who] if done["requests"] else []
                    after = profiles[-1]   # the second _profile: after load
                    lf, en, n = profile_breakdown(after)
                    leaf.update(lf)
                    entry.update(en)
                    samples += n
                report(page, who, breakdown(kept), args.seconds * args.rounds,
                       leaf, entry, samples)
    return 0


class _Keeping:
    """A CDP session whose Profiler.stop's profile is kept."""

    def __init__(self, cdp, into: list):
        self.cdp, self.into = cdp, into

    def send(self, method, params=None):
        out = self.cdp.send(method, params) if params is not None else self.cdp.send(method)
        if method == "Profiler.stop":
            self.into.append(out["profile"])
        return out


def report(page, who, b, secs, leaf, entry, samples) -> None:
    t = b["total"]
    print(f"\n== {page}, {who}: {t['requests']} requests, {t['wire']} B gzipped on the wire"
          f" ({t['wire'] / secs:.0f} B/s over {secs:g} s)")
    print(f"{'category':48} {'json':>8} {'alone gz':>9} {'marginal gz':>12}")
    for cat, (j, alone, marg) in sorted(b["categories"].items(), key=lambda kv: -kv[1][2]):
        print(f"{cat:48} {j:8d} {alone:9d} {marg:12d}")
    if who == "capture":
        print(f"-- after-load profile: {samples} samples with a recorder/RUM frame"
              f" ({samples * bench.SAMPLING_US / 1000 / secs:.2f} ms/s)")
        print("   by leaf:")
        for k, v in leaf.most_common(14):
            print(f"   {v:5d}  {k}")
        print("   by entry frame:")
        for k, v in entry.most_common(14):
            print(f"   {v:5d}  {k}")


if __name__ == "__main__":
    sys.exit(main())
