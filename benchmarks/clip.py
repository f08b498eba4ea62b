"""Clip export benchmark (hand-over): how long painting a clip's frames takes, per frame,
beside the previous release's way in the same run - every frame waited for until two grabs
60 ms apart agree - where this release takes one grab for a frame whose page did not change
(no batch applied since the last settled grab, no CSS transition running).

Each way paints the same frames (the demo session, or `--recording`, at 10 frames a second
with quiet stretches skipped, as `replay export -o clip.webp` does) in a fresh offscreen
player; wall time (what the person waits), the process's CPU time, and how many frames
differ visibly between the two ways (in more than VISIBLE of their pixels). The old way is
not exact either - a caret blinks, a transition is caught where the clock has it: the demo's
688 frames painted twice the old way differed visibly in 17, the old way against this one in
10 (measured once, with the scripts this one grew from).

Then the frames this release painted are written in every clip format, through the writers
`replay export` uses (`player.clip_encode`): CPU ms per frame (the whole process: x264 and
libvpx encode on threads), wall ms per frame, and bytes per second of clip. The frames are
the size `replay export -o clip.mp4` paints by default (the page, at most 800 px wide, even
sides) for every format, so the figures compare. MP4/WebM need PyAV (`.[video]`); without it
their rows say so.

    python benchmarks/clip.py                  # the demo session, whole
    python benchmarks/clip.py --frames 200     # its first 200 frames
    python benchmarks/clip.py --recording FILE
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import Row, print_table

VISIBLE = 0.01   # a frame differs visibly when more than this share of its pixels differs


def paint(source, frames: int | None, settle_every_frame: bool) -> tuple[float, float, list]:
    """(wall s, CPU s, the frames as PIL images) of painting the clip's frames one way."""
    from player.clip_encode import ClipFormat
    from player.qt.clip import DEFAULT_FPS, clip_times, default_size, fitted
    from player.qt.standalone import FramePainter

    painter = FramePainter(source)
    try:
        w = painter.widget
        w.wait_indexed()
        times = clip_times(0, float(source.info.duration_ms or 0), fps=DEFAULT_FPS,
                           speed=1.0, inactive=w.session.inactive)[:frames]
        size = default_size(w.stage.recorded, ClipFormat.MP4)
        out: list = []
        t0, c0 = time.monotonic(), time.process_time()
        for t in times:
            if settle_every_frame:
                w.bridge.settled = None     # as the previous release: no frame is known settled
            out.append(fitted(painter.frame(t), size))
        return time.monotonic() - t0, time.process_time() - c0, out
    finally:
        painter.close()


def encode(frames: list, fmt, folder: Path) -> tuple[float, float, int]:
    """(wall s, CPU s, file bytes) of writing `frames` as a `fmt` clip."""
    from player.clip_encode import open_writer
    from player.qt.clip import DEFAULT_FPS

    path = folder / f"clip.{fmt.value}"
    t0, c0 = time.monotonic(), time.process_time()
    writer = open_writer(fmt, path, frames[0].size, fps=DEFAULT_FPS)
    for f in frames:
        writer.add(f)
    writer.finish()
    return time.monotonic() - t0, time.process_time() - c0, path.stat().st_size


def encoding_rows(frames: list, folder: Path) -> list[Row]:
    from player.clip_encode import VIDEO_FORMATS, ClipFormat, video_missing
    from player.qt.clip import DEFAULT_FPS

    n, seconds = len(frames), len(frames) / DEFAULT_FPS
    rows = []
    for fmt in ClipFormat:
        if fmt in VIDEO_FORMATS and video_missing():
            rows.append(Row(f"{fmt.value}: not measured", video_missing()))
            continue
        wall, cpu, size = encode(frames, fmt, folder)
        rows += [Row(f"{fmt.value}: CPU ms per frame (encoding)", round(cpu / n * 1000, 1)),
                 Row(f"{fmt.value}: wall ms per frame (encoding)", round(wall / n * 1000, 1)),
                 Row(f"{fmt.value}: bytes per second of clip", round(size / seconds))]
    return rows


def _differs(a, b) -> bool:
    from PIL import ImageChops

    if a.size != b.size:
        return True
    same = ImageChops.difference(a, b).convert("L").histogram()[0]
    return 1 - same / (a.width * a.height) > VISIBLE


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recording", type=Path, help="an rrweb recording (default: the demo)")
    ap.add_argument("--frames", type=int, help="paint only the first N frames")
    args = ap.parse_args()

    from player.qt.clip import DEFAULT_FPS
    from player.qt.standalone import application, prepare_qt_environment
    prepare_qt_environment(offscreen=True)
    app = application()  # noqa: F841 (kept alive while the players paint)
    from recorder.paths import DEMO_SESSION
    from recorder.rrweb_io import EventStream
    from recorder.store import Store

    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "data") as store:
        (done,) = store.import_stream(EventStream(args.recording or DEMO_SESSION))[:1]
        source = store.session(done.id)
        new_wall, new_cpu, new = paint(source, args.frames, settle_every_frame=False)
        old_wall, old_cpu, old = paint(source, args.frames, settle_every_frame=True)
        encoded = encoding_rows(new, Path(tmp))
    n = len(new)
    differ = sum(_differs(a, b) for a, b in zip(new, old))
    print(f"{n} frames of {args.recording or 'the demo session'}")
    print_table("clip export: painting the frames", [
        Row("wall ms per frame", round(new_wall / n * 1000, 1), round(old_wall / n * 1000, 1)),
        Row("CPU ms per frame (this process)", round(new_cpu / n * 1000, 1),
            round(old_cpu / n * 1000, 1)),
        Row(f"frames that differ visibly (> {VISIBLE:.0%} of pixels) between the two ways",
            differ),
    ], baseline_name="every frame settled (previous release)")
    print_table(f"clip export: writing the {n} frames ({new[0].width}x{new[0].height},"
                f" {DEFAULT_FPS} a second)", encoded)


if __name__ == "__main__":
    main()
