"""Clips: an animated WebP or GIF of a time range, painted offscreen by the player itself
(`standalone.FramePainter`: the page as recorded, with the cursor and click ripples), one
seek per frame - so each frame is exactly what `replay screenshot` paints at that moment.

Frame times (`clip_times`): from `start` to `end`, the recording advancing `speed * 1000 /
fps` ms per frame; with `skip_inactive`, times inside the quiet stretches the timeline
shades are left out (as the player's *Skip inactivity* crosses them). Each frame shows for
`1000 / fps` ms. Frames are scaled to fit the chosen size, centred on a white canvas.
WebP is written lossless (a frame compares pixel for pixel); GIF has 256 colours a frame.
MP4 is not written: it needs an H.264 encoder. The well-kept one on PyPI is PyAV (`av`,
wheels carrying FFmpeg's libraries, tens of MB); it is not among DESIGN.md's dependencies,
so MP4 waits for that decision.
"""
from __future__ import annotations

import enum
from pathlib import Path
from typing import Any, Callable

import msgspec

MIN_FPS, MAX_FPS = 1, 50            # GIF counts frame durations in 10 ms: at most 50 a second
DEFAULT_FPS = 10
DEFAULT_WIDTH = 800                 # a clip's default width (height follows the page)
MAX_FRAMES = 3000                   # 5 min at 10 fps: a longer clip is refused, not swapped
BACKGROUND = (255, 255, 255)


class ClipFormat(str, enum.Enum):
    WEBP = "webp"
    GIF = "gif"


class Clip(msgspec.Struct, frozen=True):
    times: list[int]          # the recording time of every frame painted
    durations: list[int]      # ms each written frame shows (a still moment is one frame)
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


def frame_duration_ms(fps: int) -> int:
    return int(round(1000 / fps))


def fit(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """`size` scaled to fit `box`, keeping its aspect."""
    w, h = size
    s = min(box[0] / w, box[1] / h)
    return max(1, int(round(w * s))), max(1, int(round(h * s)))


def default_size(viewport: tuple[float, float]) -> tuple[int, int]:
    w, h = viewport
    return fit((int(w), int(h)), (min(DEFAULT_WIDTH, int(w)), 10 ** 6))


def _pil(qimage, size: tuple[int, int]):
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


def render_clip(source: Any, out: Path, fmt: ClipFormat, *, start_ms: float, end_ms: float,
                fps: int = DEFAULT_FPS, speed: float = 1.0, size: tuple[int, int] | None = None,
                skip_inactive: bool = True, replayer: Any = None,
                progress: Callable[[int, int], None] | None = None) -> "Clip":
    """Write the clip (atomically) and say what it holds."""
    from .standalone import FramePainter

    painter = FramePainter(source, replayer=replayer)   # the page 1:1, as screenshot paints it
    try:
        w = painter.widget
        w.wait_indexed()
        vp = w.stage.recorded
        size = size or default_size(vp)
        times = clip_times(start_ms, end_ms, fps=fps, speed=speed,
                           inactive=w.session.inactive if skip_inactive else [])
        if len(times) > MAX_FRAMES:
            raise ValueError(f"{len(times)} frames is more than the {MAX_FRAMES} a clip may"
                             " hold")
        dur = frame_duration_ms(fps)
        frames, durations = [], []
        for i, t in enumerate(times):
            img = _pil(painter.frame(t), size)
            if frames and img.tobytes() == frames[-1].tobytes():
                durations[-1] += dur    # a still moment is one frame shown longer (as
            else:                       # both encoders would merge it anyway)
                frames.append(img)
                durations.append(dur)
            if progress is not None:
                progress(i + 1, len(times))
    finally:
        painter.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    try:
        if fmt is ClipFormat.WEBP:
            frames[0].save(tmp, "WEBP", save_all=True, append_images=frames[1:],
                           duration=durations, loop=0, lossless=True, quality=50, method=0)
        else:
            frames[0].save(tmp, "GIF", save_all=True, append_images=frames[1:],
                           duration=durations, loop=0, optimize=False, disposal=1)
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Clip(times, durations, size)
