"""How close is the generator to a real recording? The figures side by side.

Describes the real recording (`replay_tools.calibration.describe`: event mix, sizes,
mutation shape, time density, gzip -6 and stored ratios, per kind), then a generated
session of the same length and span with the default profile and with each calibrated
profile (`replay_tools.generator.PROFILES`), and prints every figure with its error
against the real one (0 = the same, 1 = nothing alike) and each profile's closeness
(1 - the mean error).

    python benchmarks/calibrate.py --recording benchmarks/out/real-10m.json
    python benchmarks/calibrate.py --recording FILE --seed 3 --json out.json
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _common import Timer, load_recording, run_main

import msgspec

from replay_tools.calibration import Closeness, Description, describe, distance, figures
from replay_tools.generator import DEFAULT_PROFILE, PROFILES, generate_session


def _fmt(x: float | None) -> str:
    if x is None:
        return "—"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def _print(columns: list[tuple[str, Description, Closeness | None]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 180)
    table = Table(title="The real recording and the generator, figure by figure (error: 0 same .. 1 unlike)")
    table.add_column("figure")
    for name, _, _ in columns:
        table.add_column(name, justify="right")
    ref = columns[0][1]
    names = ["event mix (TV)", "byte mix (TV)"] + list(figures(ref)) + ["stored ratio per kind"]
    values = [figures(d) for _, d, _ in columns]
    for fig in names:
        row = [fig]
        for (_, _, c), v in zip(columns, values):
            shown = _fmt(v[fig]) if fig in v else ""
            if c is not None and fig in c.errors:
                shown += f" ({c.errors[fig]:.2f})"
            row.append(shown)
        table.add_row(*row)
    table.add_row("[b]closeness (1 - mean error)[/]", "1.00",
                  *[f"[b]{c.closeness:.2f}[/]" for _, _, c in columns[1:] if c is not None])
    console.print(table)

    kinds = Table(title="Per kind: share of events / of bytes, mean bytes, stored ratio (raw/stored)")
    kinds.add_column("kind")
    for name, _, _ in columns:
        kinds.add_column(name, justify="right")
    for kind in dict.fromkeys(k for _, d, _ in columns for k in d.kinds):
        row = [kind]
        for _, d, _ in columns:
            k = d.kinds.get(kind)
            row.append("" if k is None else
                       f"{100 * k.event_share:.1f}% / {100 * k.byte_share:.1f}%  "
                       f"{_fmt(k.size.mean)} B  {_fmt(k.stored_ratio)}x")
        kinds.add_row(*row)
    console.print(kinds)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--recording", type=Path, required=True, metavar="FILE",
                    help="the real recording (rrweb JSON, NDJSON, PostHog/Sentry export)")
    ap.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    ap.add_argument("--json", type=Path, default=None, metavar="FILE",
                    help="also write every description and distance as JSON")
    args = ap.parse_args(argv)
    if not args.recording.is_file():
        ap.error(f"{args.recording} is not a file: record one with benchmarks/record_real.py")
    with Timer() as t:
        real_events = load_recording(args.recording)
        real = describe(real_events)
    n = len(real_events)
    span = real_events[-1]["timestamp"] - real_events[0]["timestamp"] if n else 0
    del real_events
    print(f"real: {args.recording} — {n:,} events over {span / 6e4:.1f} min (described in {t.s:.1f} s)")
    columns: list[tuple[str, Description, Closeness | None]] = [("real", real, None)]
    for profile in [DEFAULT_PROFILE] + [p for p in PROFILES if p != DEFAULT_PROFILE]:
        events = list(generate_session(n, span, seed=args.seed, profile=profile))
        d = describe(events)
        del events
        columns.append((f"generator ({profile})", d, distance(real, d)))
    _print(columns)
    for name, _, c in columns[1:]:
        print(f"{name}: closeness {c.closeness:.2f}")
    if args.json is not None:
        args.json.write_bytes(msgspec.json.format(msgspec.json.encode(
            {name: {"description": d, "distance": c} for name, d, c in columns})))
    return 0


if __name__ == "__main__":
    run_main(main)
