"""Writing a clip's frames to a file, one frame at a time as they are painted (free of Qt:
the frames are PIL RGB images, all of one size).

- **WebP** (lossless) and **GIF** (256 colours a frame) go through Pillow, which writes an
  animation in one call: their frames are kept until the end (a still moment is one frame
  shown longer, as both encoders would merge it anyway).
- **MP4** (H.264, libx264) and **WebM** (VP9, libvpx-vp9) go through PyAV (`av`, the optional
  extra `video`; its wheel carries FFmpeg's libraries). Each frame is encoded
  and written as it comes - a video holds every painted moment at a constant frame rate, so
  `fps x duration` frames, nothing kept in memory. yuv420p (what every player and tracker
  plays), so width and height must be even (`even_size`); the colours are tagged BT.601
  limited range, the conversion FFmpeg's scaler applies to RGB. An MP4's index goes first
  (`+faststart`), so a browser plays it while it downloads. The container carries one
  neutral title and nothing of the session (the frames are painted from masked data; no
  text of the session is written beside them).

Every writer writes to the path it is given (a temporary name beside the target: the caller
renames it when the clip is whole) and opens it at once, so an unwritable path fails before
any frame is painted.
"""
from __future__ import annotations

import enum
from fractions import Fraction
from pathlib import Path

import msgspec

from recorder.moments import Unit, moment_text


class ClipFormat(str, enum.Enum):
    WEBP = "webp"
    GIF = "gif"
    MP4 = "mp4"
    WEBM = "webm"


VIDEO_FORMATS = frozenset({ClipFormat.MP4, ClipFormat.WEBM})
# the video extra's one requirement (pyproject.toml), named itself: this project is installed
# from its checkout (`pip install .[video]` there), and `session-replay[video]` would ask the
# package index for whatever bears that name
INSTALL_VIDEO = "pip install 'av>=12'"
TITLE = "Session Replay clip"   # the only metadata a video carries


# An animation (GIF, WebP) keeps every frame until its one encode at the end and stores each
# whole: past this many frames (30 s at the default 10 a second) the export asks first - the
# demo's whole 68 s as a GIF took 49 s to paint and weighed 9 MB, where a video of it is ~0.5
# MB (a support engineer's tryout).
LONG_ANIMATION_FRAMES = 300


def long_clip_question(fmt: ClipFormat, frames: int, span_ms: float) -> str | None:
    """What to ask before painting an animation of `frames` frames covering `span_ms` of the
    session (None: a short one, or a video, which is written frame by frame and stays
    small)."""
    if fmt in VIDEO_FORMATS or frames <= LONG_ANIMATION_FRAMES:
        return None
    length = moment_text(span_ms, Unit.SECOND)   # as the timeline says it (1:09 of 68.8 s)
    return (f"This {fmt.value.upper()} would hold {frames} frames ({length} of the session):"
            " painting it takes a while and the file will be large. An animation"
            " suits a few seconds - select a range on the timeline (Shift+drag) for a short"
            " clip, or export a video (MP4, WebM) of the whole session.")


class VideoCodec(msgspec.Struct, frozen=True):
    container: str                  # FFmpeg's muxer
    codec: str                      # FFmpeg's encoder
    options: dict[str, str]         # the encoder's
    container_options: dict[str, str] = {}


PIX_FMT = "yuv420p"
# x264: crf 23 is its default quality. Preset, on the demo's first 300 frames (800x500, CPU
# ms a frame / bytes a second of clip): ultrafast 4.3 / 20.3 kB, superfast 5.6 / 12.0 kB,
# veryfast 6.3 / 6.8 kB, faster 9.2 / 6.9 kB, medium 11.0 / 7.5 kB - "veryfast" is the
# smallest file and costs little beside painting (~40 ms a frame). VP9: crf 32 with no
# bitrate cap ("b": "0") is libvpx's constant quality; deadline "realtime", cpu-used 8:
# 7.1 ms / 10.5 kB, where "good" (cpu-used 5) takes 52 ms a frame for 7.5 kB; row-mt
# spreads a frame over the cores.
CODECS = {
    ClipFormat.MP4: VideoCodec("mp4", "libx264", {"crf": "23", "preset": "veryfast"},
                               {"movflags": "+faststart"}),
    ClipFormat.WEBM: VideoCodec("webm", "libvpx-vp9", {"crf": "32", "b": "0",
                                                       "deadline": "realtime",
                                                       "cpu-used": "8", "row-mt": "1"}),
}


def frame_duration_ms(fps: int) -> int:
    return int(round(1000 / fps))


def video_missing() -> str | None:
    """Why MP4/WebM cannot be written here (PyAV is not installed), or None."""
    try:
        import av  # noqa: F401
    except ImportError as exc:
        return f"MP4 and WebM clips need PyAV, which is not installed ({exc.msg})"
    return None


def even_size(size: tuple[int, int]) -> tuple[int, int]:
    """`size` rounded down to even sides (yuv420p halves the colour planes)."""
    return size[0] - size[0] % 2, size[1] - size[1] % 2


def odd_side(size: tuple[int, int]) -> bool:
    return even_size(size) != size


class _Animation:
    """WebP or GIF through Pillow: frames are gathered, the file is written at the end."""

    def __init__(self, fmt: ClipFormat, path: Path, size: tuple[int, int], fps: int):
        self.fmt, self.frame_ms = fmt, frame_duration_ms(fps)
        self.file = path.open("wb")
        self.frames: list = []
        self.durations: list[int] = []

    def add(self, image) -> None:
        if self.frames and image.tobytes() == self.frames[-1].tobytes():
            self.durations[-1] += self.frame_ms   # a still moment: one frame shown longer
        else:
            self.frames.append(image)
            self.durations.append(self.frame_ms)

    def finish(self) -> list[int]:
        """Write the file; the ms each written frame shows."""
        first, rest = self.frames[0], self.frames[1:]
        with self.file:
            if self.fmt is ClipFormat.WEBP:
                first.save(self.file, "WEBP", save_all=True, append_images=rest,
                           duration=self.durations, loop=0, lossless=True, quality=50, method=0)
            else:
                first.save(self.file, "GIF", save_all=True, append_images=rest,
                           duration=self.durations, loop=0, optimize=False, disposal=1)
        return self.durations

    def abort(self) -> None:
        self.file.close()


class _Video:
    """MP4 or WebM through PyAV: each frame is encoded and written as it comes."""

    def __init__(self, fmt: ClipFormat, path: Path, size: tuple[int, int], fps: int):
        import av
        from av.video.reformatter import ColorRange, Colorspace

        if odd_side(size):
            raise ValueError(f"{size[0]}x{size[1]} has an odd side: {PIX_FMT} video needs"
                             " even ones")
        self.frame_ms, self.count = frame_duration_ms(fps), 0
        self.to_frame = av.VideoFrame.from_image
        spec = CODECS[fmt]
        path.open("wb").close()   # an unwritable path fails here, as a Python OSError
        self.container = av.open(str(path), mode="w", format=spec.container,
                                 options=dict(spec.container_options))
        try:
            self.container.metadata["title"] = TITLE
            self.stream = self.container.add_stream(spec.codec, rate=fps,
                                                    options=dict(spec.options))
            self.stream.width, self.stream.height = size
            self.stream.pix_fmt = PIX_FMT
            self.stream.time_base = Fraction(1, fps)
            cc = self.stream.codec_context
            cc.colorspace = Colorspace.ITU601
            cc.color_range = ColorRange.MPEG
        except BaseException:
            self.container.close()
            raise

    def add(self, image) -> None:
        frame = self.to_frame(image)
        frame.pts = self.count
        self.count += 1
        self.container.mux(self.stream.encode(frame))

    def finish(self) -> list[int]:
        self.container.mux(self.stream.encode(None))   # what the encoder still holds
        self.container.close()
        return [self.frame_ms] * self.count

    def abort(self) -> None:
        self.container.close()


def open_writer(fmt: ClipFormat, path: Path, size: tuple[int, int], *,
                fps: int) -> _Animation | _Video:
    """A writer of `fmt` clips of `size` frames to `path`: `add(image)` each frame, then
    `finish()` (or `abort()` on failure - the caller removes the file)."""
    return (_Video if fmt in VIDEO_FORMATS else _Animation)(fmt, path, size, fps)
