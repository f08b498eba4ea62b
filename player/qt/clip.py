"""Clips: an animated WebP or GIF, or an MP4 or WebM video, of a time range, painted offscreen
by the player itself (`standalone.FramePainter`: the page as recorded, with the cursor and
click ripples), one seek per frame - so each frame is exactly what `replay screenshot` paints
at that moment. One producer (`painted_frames`) paints the frames for every format and hands
each, as it is painted, to the format's writer (`player.clip_encode`).

Frame times (`clip_times`): from `start` to `end`, the recording advancing `speed * 1000 /
fps` ms per frame; with `skip_inactive`, times inside the quiet stretches the timeline
shades are left out (as the player's *Skip inactivity* crosses them). Each frame shows for
`1000 / fps` ms. Frames are scaled to fit the chosen size, centred on a white canvas.
WebP is written lossless (a frame compares pixel for pixel); GIF has 256 colours a frame;
MP4 (H.264) and WebM (VP9) are yuv420p at a constant frame rate, their default size rounded
down to even sides (the page is fitted into it: at most a 1-px white edge).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import msgspec

from ..clip_encode import VIDEO_FORMATS, ClipFormat, even_size, open_writer

MIN_FPS, MAX_FPS = 1, 50            # GIF counts frame durations in 10 ms: at most 50 a second
DEFAULT_FPS = 10
DEFAULT_WIDTH = 800                 # a clip's default width (height follows the page)
MAX_FRAMES = 3000                   # 5 min at 10 fps: a longer clip is refused, not swapped
BACKGROUND = (255, 255, 255)


class Clip(msgspec.Struct, frozen=True):
    times: list[int]          # the recording time of every frame painted
    durations: list[int]      # ms each written frame shows (a GIF/WebP still moment is one frame)
    size: tuple[int, int]


def clip_times(start: float, end: float, *, fps: int, speed: float,
               inactive: list[tuple[int, int]] = ()) -> list[int]:
    """The recording times (ms) of a clip's frames (see the module doc)."""
    step = speed * 1000.0 / fps
    out: list[int] = []
    t = float(start)
    quiet = sorted(inactive)
    while t <= end + 1e-6:
        q = next(((a, b) for a, b in quiet if a < t < b), None)
        if q is not None:
            t = float(q[1])
            continue
        out.append(int(round(t)))
        t += step
    return out


def fit(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """`size` scaled to fit `box`, keeping its aspect."""
    w, h = size
    s = min(box[0] / w, box[1] / h)
    return max(1, int(round(w * s))), max(1, int(round(h * s)))


def default_size(viewport: tuple[float, float], fmt: ClipFormat) -> tuple[int, int]:
    w, h = viewport
    size = fit((int(w), int(h)), (min(DEFAULT_WIDTH, int(w)), 10 ** 6))
    return even_size(size) if fmt in VIDEO_FORMATS else size


def fitted(qimage, size: tuple[int, int]):
    """A QImage as a PIL RGB image, fitted into `size` on the background."""
    from PIL import Image
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    img = qimage.convertToFormat(QImage.Format.Format_RGB888)
    fw, fh = fit((img.width(), img.height()), size)
    if (fw, fh) != (img.width(), img.height()):
        img = img.scaled(fw, fh, Qt.AspectRatioMode.IgnoreAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)
    frame = Image.frombuffer("RGB", (img.width(), img.height()), bytes(img.constBits()),
                             "raw", "RGB", img.bytesPerLine(), 1)
    if (fw, fh) == size:
        return frame.copy()
    canvas = Image.new("RGB", size, BACKGROUND)
    canvas.paste(frame, ((size[0] - fw) // 2, (size[1] - fh) // 2))
    return canvas


def painted_frames(painter: Any, times: list[int], size: tuple[int, int],
                   progress: Callable[[int, int], None] | None = None) -> Iterator:
    """The frames at `times`, each fitted into `size`, as PIL RGB images painted one at a time
    (every format's writer takes them from here)."""
    for i, t in enumerate(times):
        yield fitted(painter.frame(t), size)
        if progress is not None:
            progress(i + 1, len(times))


def render_clip(source: Any, out: Path, fmt: ClipFormat, *, start_ms: float, end_ms: float,
                fps: int = DEFAULT_FPS, speed: float = 1.0, size: tuple[int, int] | None = None,
                skip_inactive: bool = True, replayer: Any = None,
                progress: Callable[[int, int], None] | None = None,
                interrupted: Callable[[], bool] | None = None,
                encoding: Callable[[], None] | None = None) -> "Clip":
    """Write the clip (to a temporary file beside `out`, renamed when whole: a failed or
    interrupted export leaves no file) and say what it holds. `progress(i, n)` follows the
    frames painted; `encoding()` is called when the last is and the writer's encode and
    flush begin (a GIF's take a fifth of the export). `interrupted` is asked after
    each step - the set-up, every frame, the writer's last flush - and, when it says so, the
    clip stops there with KeyboardInterrupt (the caller's Ctrl+C)."""
    from .standalone import FramePainter

    def stop_if_asked() -> None:
        if interrupted is not None and interrupted():
            raise KeyboardInterrupt

    painter = FramePainter(source, replayer=replayer)   # the page 1:1, as screenshot paints it
    try:
        w = painter.widget
        w.wait_indexed()
        stop_if_asked()
        size = size or default_size(w.stage.recorded, fmt)
        times = clip_times(start_ms, end_ms, fps=fps, speed=speed,
                           inactive=w.session.inactive if skip_inactive else [])
        if len(times) > MAX_FRAMES:
            raise ValueError(f"{len(times)} frames is more than the {MAX_FRAMES} a clip may"
                             " hold")
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        try:
            writer = open_writer(fmt, tmp, size, fps=fps)
            try:
                for frame in painted_frames(painter, times, size, progress):
                    writer.add(frame)
                    stop_if_asked()
                if encoding is not None:
                    encoding()
                durations = writer.finish()
            except BaseException:
                writer.abort()
                raise
            stop_if_asked()   # the encode and flush may be long: asked before the rename
            tmp.replace(out)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    finally:
        painter.close()
    return Clip(times, durations, size)
