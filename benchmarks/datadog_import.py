"""Datadog Session Replay import on a real Datadog recording, beside the same session as
rrweb JSON, in the same run.

The recording is made by Datadog's own browser SDK from npm (v7: its Change format) in
Debian's chromium (replay_tools/datadog_sdk.py), on the stress page of the real-recording
benchmarks (`real_pages/stress.html`: a 40x12 table updating ~180 cells five times a second,
a live-search list, a chart), watched and typed into for `--seconds`; its uploads are kept
one file per request in `benchmarks/out/datadog-stress/` (git-ignored; `--recording DIR`
reads such a folder again instead of recording).

Figures (CPU seconds of this process, best of `--repeat`):
- reading: the uploads read and converted into rrweb's events (`rrweb_io.DatadogFiles`),
  beside reading the same events as an rrweb JSON file (`read_recordings`): what the
  conversion costs over a format that needs none;
- `replay import`: the whole import of the Datadog files (the CLI's own `import_files`,
  default rules) beside the import of that rrweb JSON file, in events per CPU-second.

    python benchmarks/datadog_import.py [--seconds 60] [--repeat 3] [--recording DIR]
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from _common import ROOT, Row, cpu, print_table, run_main

OUT = ROOT / "benchmarks" / "out" / "datadog-stress"
STRESS = ROOT / "benchmarks" / "real_pages" / "stress.html"
SEARCHES = ("ACQU", "ZO", "RA-1", "LO")


def record(seconds: float, out: Path) -> list[Path]:
    """The stress page recorded by Datadog's SDK for `seconds`; its uploads, a file each."""
    from replay_tools import datadog_sdk as dd

    if not dd.available("7"):
        raise SystemExit("Datadog's SDK is not installed: npm ci --prefix tests/browser")
    with dd.DatadogPage(STRESS.read_text(), version="7", privacy="mask-user-input",
                        viewport=(1280, 800)) as page:
        start, k = time.monotonic(), 0
        end = start + seconds
        while time.monotonic() < end:
            p = page.page
            p.mouse.move(200 + (k * 97) % 800, 150 + (k * 61) % 500, steps=6)
            if k % 5 == 0:
                p.click("#q")
                p.keyboard.press("Control+A")
                p.keyboard.type(SEARCHES[k // 5 % len(SEARCHES)], delay=120)
            p.wait_for_timeout(1000)
            k += 1
            print(f"\rrecording the stress page with Datadog's SDK: {time.monotonic() - start:.0f}"
                  f" of {seconds:g} s", end="", flush=True)
        print()
        uploads = page.finish()
    if out.exists():
        shutil.rmtree(out)
    return dd.write_uploads(out, uploads)


def imported(files: list[Path]) -> int:
    """`replay import` of `files` into a new data folder (the CLI's code, default rules)."""
    from app.cli import main

    with tempfile.TemporaryDirectory() as d:
        code = main(["--data", d, "import", *map(str, files)])
        if code != 0:
            raise SystemExit(f"the import failed ({code})")
    return code


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--recording", type=Path, default=None,
                    help="a folder of Datadog uploads (one request a file) to read again")
    args = ap.parse_args(argv)
    from recorder.rrweb_io import DatadogFiles, read_recordings, write_rrweb_json

    files = sorted(p for p in args.recording.iterdir() if p.is_file()) if args.recording \
        else record(args.seconds, OUT)
    size = sum(f.stat().st_size for f in files)
    dd_s, recs = cpu(lambda: DatadogFiles(files).read(), args.repeat)
    (rec,) = recs
    n = len(rec.events)
    with tempfile.TemporaryDirectory() as d:
        as_rrweb = Path(d) / "same.json"
        write_rrweb_json(as_rrweb, rec.events)
        rr_s, _ = cpu(lambda: read_recordings(as_rrweb), args.repeat)
        dd_import, _ = cpu(lambda: imported(files), args.repeat)
        rr_import, _ = cpu(lambda: imported([as_rrweb]), args.repeat)
        json_bytes = as_rrweb.stat().st_size
    print_table(f"Datadog import: {len(files)} uploads ({size:,} bytes; as rrweb JSON"
                f" {json_bytes:,}), {n:,} events, best of {args.repeat}", [
        Row("reading: events per CPU-second (Datadog uploads / rrweb JSON)", int(n / dd_s),
            int(n / rr_s)),
        Row("reading: CPU ms", round(dd_s * 1000, 1), round(rr_s * 1000, 1)),
        Row("replay import: events per CPU-second", int(n / dd_import), int(n / rr_import)),
        Row("replay import: CPU s", round(dd_import, 2), round(rr_import, 2)),
    ], baseline_name="same events as rrweb JSON")
    return 0


if __name__ == "__main__":
    run_main(main)
