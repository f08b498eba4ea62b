"""Throughput of the authoritative privacy pass (recorder.privacy.SessionMasker).

Target (DESIGN.md): recorder intake with privacy rules on >= 30,000 events/s on one core.

One generated session (replay_tools.generator, default 1,000,000 events over 4 h) is streamed
three times in chunks; only the pass itself is timed, never the generator:
  1. floor      - plain mirror apply (Mirror.apply), no privacy at all
  2. no rules   - SessionMasker with the built-in default (mask-user-input, detectors on)
  3. 20 rules   - SessionMasker with 20 CSS selector rules + query-parameter scrubbing

    python benchmarks/privacy.py [--events N] [--chunk C]
"""
from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from replay_tools.generator import generate_session  # noqa: E402
from recorder.mirror import Mirror  # noqa: E402
from recorder.privacy import SessionMasker, parse_rules  # noqa: E402

TWENTY_RULES = """
version = 1
default = "mask-user-input"
detectors = ["email", "card", "phone"]
scrub_query_params = ["token", "session", "email"]

[[rule]]
selector = ".user-name"
level = "mask"
[[rule]]
selector = ".avatar"
level = "hidden"
[[rule]]
selector = "#f-email"
level = "hidden"
[[rule]]
selector = "#f-phone"
level = "mask"
[[rule]]
selector = "form.profile textarea"
level = "hidden"
[[rule]]
selector = "table.orders td.num"
level = "mask"
[[rule]]
selector = "table.orders tr > td:first-child"
level = "mask"
[[rule]]
selector = ".kpi-value"
level = "mask"
[[rule]]
selector = "header .user-menu"
level = "mask"
[[rule]]
selector = ".badge:not(.badge-paid)"
level = "allow"
[[rule]]
selector = "nav a"
level = "allow"
[[rule]]
selector = "[data-private]"
level = "hidden"
[[rule]]
selector = "input[type=search]"
level = "allow"
[[rule]]
selector = "select"
level = "mask"
[[rule]]
selector = "a[href^='mailto:']"
level = "mask"
[[rule]]
selector = ".toasts"
level = "mask"
[[rule]]
selector = "section.settings label"
level = "mask"
[[rule]]
selector = "h1 + p"
level = "mask"
[[rule]]
selector = "main .card .help"
level = "mask"
[[rule]]
selector = "button.primary"
level = "allow"
"""


def run(label: str, make_consumer, n: int, chunk: int, seed: int) -> tuple[str, float, float]:
    consume = make_consumer()
    gen = generate_session(n, seed=seed)
    busy = 0.0
    done = 0
    gc.collect()
    while done < n:
        batch = []
        for e in gen:
            batch.append(e)
            if len(batch) >= chunk:
                break
        if not batch:
            break
        t0 = time.perf_counter()
        consume(batch)
        busy += time.perf_counter() - t0
        done += len(batch)
        print(f"\r  {label}: {done:,}/{n:,} events", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return label, done / busy, busy


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--chunk", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    rules = parse_rules(TWENTY_RULES, where="benchmark rules")
    assert len(rules.rules) == 20

    def floor():
        m = Mirror()
        return lambda batch: [m.apply(e) for e in batch]

    def plain():
        return SessionMasker().mask

    maskers = []

    def ruled():
        maskers.append(SessionMasker(rules))
        return maskers[-1].mask

    rows = [run("mirror apply only (floor)", floor, a.events, a.chunk, a.seed),
            run("privacy pass, no selector rules", plain, a.events, a.chunk, a.seed),
            run("privacy pass, 20 selector rules", ruled, a.events, a.chunk, a.seed)]
    print(f"\nprivacy pass on a generated {a.events:,}-event session (one core, same run)")
    print(f"{'pass':<34}{'events/s':>12}{'seconds':>10}{'vs floor':>10}")
    for label, rate, secs in rows:
        print(f"{label:<34}{rate:>12,.0f}{secs:>10.1f}{rate / rows[0][1]:>9.2f}x")
    stats = maskers[-1].stats
    print("what the 20 rules did: " + ", ".join(f"{k} {v:,}" for k, v in sorted(stats.items())))
    target = 30_000
    ok = rows[2][1] >= target
    print(f"target: >= {target:,} events/s with rules -> {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
