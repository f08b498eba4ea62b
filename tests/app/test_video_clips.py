"""Video clips (`replay export -o bug.mp4|bug.webm`): H.264 and VP9 through PyAV, from the frames
the GIF/WebP path paints, decoded back with PyAV and compared with that path and with
`replay screenshot` - through the real `replay` command."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import av
import pytest
from PIL import Image, ImageChops, ImageSequence, ImageStat

from player.clip_encode import INSTALL_VIDEO, TITLE

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "assets" / "demo" / "demo-session.json"
FPS = 5
STEP_MS = 1000 // FPS
# yuv420p keeps one colour sample for every 2x2 pixels, so the coloured, anti-aliased edges of
# text and 1-px borders bleed into their neighbours, and crf 23 quantises what is left; over a
# whole 1280x800 page frame that comes to a mean absolute difference under 1 of 255 (measured:
# 0.64-0.67 for H.264, 0.66-0.88 for VP9, against the lossless WebP frames and the screenshot).
# LOSSY leaves room for an encoder build's rounding; the first and last frames of the range
# (two pages) differ by more than 5 times it.
LOSSY = 1.5
# Masked paint: on the pixels where the masked and unmasked screenshots differ plainly (the
# typed name), the video's frame must be nearer the masked one by this factor at least
# (measured: mean difference 1.9 (H.264) / 2.7 (VP9) from the masked, 138-139 from the unmasked).
NEARER = 10.0
PLAINLY = 64   # a pixel differs plainly, not by anti-aliasing, beyond this grey level


def _demo_moments() -> tuple[int, list[str]]:
    """When the checkout page opens (ms after the first event), and the values entered on it
    (the default rules mask typed text; the name is typed in the clip's range)."""
    events = json.loads(DEMO.read_text())
    t0 = events[0]["timestamp"]
    checkout = next(e["timestamp"] - t0 for e in events
                    if e["type"] == 4 and "checkout" in e["data"]["href"])
    typed = {e["data"]["text"] for e in events if e["type"] == 3 and e["data"].get("source") == 5
             and e["timestamp"] - t0 > checkout and "*" not in e["data"]["text"]}
    # each field's whole value (not the keystrokes before it), long enough not to turn up by
    # chance in compressed bytes
    return checkout, [t for t in typed if len(t) >= 8 and not any(
        o != t and o.startswith(t) for o in typed)]


CHECKOUT_MS, TYPED = _demo_moments()
FROM_MS = CHECKOUT_MS // 1000 * 1000          # the shop's page, then the checkout page ...
TO_MS = FROM_MS + 3400                        # ... with the name typed (masked) in it
FRAMES = (TO_MS - FROM_MS) // STEP_MS + 1     # every moment from FROM_MS to TO_MS: 18


def _replay(*args: str, data: Path, python: list[str] | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, REPLAY_DATA=str(data))
    env.pop("DISPLAY", None)   # painted offscreen, as on a server
    return subprocess.run([*(python or [sys.executable, "-m", "app"]), *args],
                          capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)


def _diff(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def _error_lines(p: subprocess.CompletedProcess) -> list[str]:
    """What replay said on stderr (Chromium's own log lines left out)."""
    return [ln for ln in p.stderr.splitlines() if ln.startswith("replay:")]


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict:
    """The same range exported as WebP (lossless), MP4 and WebM, and screenshots of its last
    moment, masked (the default rules) and unmasked."""
    tmp = tmp_path_factory.mktemp("clips")
    data = tmp / "data"
    made = {}
    for name, extra in (("masked", []), ("unmasked", ["--unmasked"])):
        made[name] = tmp / f"{name}.png"
        p = _replay("screenshot", str(DEMO), "--at", str(TO_MS), "-o", str(made[name]), *extra,
                    data=data)
        assert p.returncode == 0, p.stderr
    w, h = Image.open(made["masked"]).size
    for fmt in ("webp", "mp4", "webm"):
        made[fmt] = tmp / f"clip.{fmt}"
        p = _replay("export", str(DEMO), "-o", str(made[fmt]), "--from", str(FROM_MS), "--to",
                    str(TO_MS), "--fps", str(FPS), "--size", f"{w}x{h}", data=data)
        assert p.returncode == 0, p.stderr
        made[f"{fmt} said"] = p.stderr
    return made


def _webp_moments(path: Path) -> list[Image.Image]:
    """The WebP's frames, one per moment painted (a still moment is one frame shown longer)."""
    out = []
    for f in ImageSequence.Iterator(Image.open(path)):
        out += [f.convert("RGB")] * (f.info["duration"] // STEP_MS)
    return out


@pytest.mark.parametrize("fmt,codec", [("mp4", "h264"), ("webm", "vp9")])
def test_a_video_holds_every_moment_at_a_constant_rate_and_paints_what_the_webp_paints(
        clips, fmt, codec):
    ref = Image.open(clips["masked"]).convert("RGB")
    with av.open(str(clips[fmt])) as c:
        (stream,) = c.streams.video
        assert stream.codec_context.name == codec
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.width, stream.height) == ref.size
        assert stream.average_rate == FPS
        decoded = list(c.decode(stream))
    # every moment painted is a frame (a video does not merge still ones), FPS a second
    assert len(decoded) == FRAMES == 18
    assert [f.pts * f.time_base for f in decoded] == [Fraction(k, FPS) for k in range(FRAMES)]
    assert f"wrote {FRAMES} frames ({FRAMES} painted, {FRAMES / FPS:.1f} s," in clips[f"{fmt} said"]
    frames = [f.to_image() for f in decoded]
    webp = _webp_moments(clips["webp"])
    assert len(webp) == FRAMES
    # first and last: the shop's page, then the checkout page - each as the WebP paints it
    # (give or take yuv420p's colour), and not the other
    for k in (0, -1):
        assert _diff(frames[k], webp[k]) < LOSSY, k
        assert _diff(frames[k], webp[-1 - k]) > 5 * LOSSY, k
    assert max(_diff(a, b) for a, b in zip(frames, webp)) < LOSSY


def test_a_video_is_the_masked_paint_and_carries_no_session_text(clips):
    masked = Image.open(clips["masked"]).convert("RGB")
    unmasked = Image.open(clips["unmasked"]).convert("RGB")
    # the pixels of the typed name, masked or not (where the two screenshots differ plainly)
    where = ImageChops.difference(masked, unmasked).convert("L").point(
        lambda v: 255 if v > PLAINLY else 0)
    assert where.getbbox() is not None, "the demo's typed name is not masked by the default rules"
    assert "Jane Doe" in TYPED and "SPRING10" in TYPED
    for fmt in ("mp4", "webm"):
        blob = clips[fmt].read_bytes()
        for text in TYPED:
            assert text.encode() not in blob, (fmt, text)
        with av.open(str(clips[fmt])) as c:
            tags = {k.lower(): v for k, v in c.metadata.items()}
            (stream,) = c.streams.video
            last = list(c.decode(stream))[-1].to_image()
        # one neutral title; the rest are the container's own (brands, FFmpeg's version)
        assert tags.pop("title") == TITLE
        assert set(tags) <= {"major_brand", "minor_version", "compatible_brands", "encoder"}
        assert tags.get("encoder", "Lavf").startswith("Lavf")
        assert _diff(last, masked) < LOSSY
        near, far = (sum(ImageStat.Stat(ImageChops.difference(last, s), where).mean) / 3
                     for s in (masked, unmasked))
        assert near * NEARER < far, (fmt, near, far)


def test_an_mp4_has_its_index_first_so_it_plays_while_downloading(clips):
    blob = clips["mp4"].read_bytes()
    assert blob[4:8] == b"ftyp"
    assert blob.index(b"moov") < blob.index(b"mdat")


def test_bad_video_exports_say_one_line_and_write_nothing(tmp_path):
    data = tmp_path / "data"
    cases = [
        (["-o", str(tmp_path / "odd.mp4"), "--size", "641x400"],
         "--size 641x400 has an odd side: mp4 video needs even width and height - e.g. 640x400"),
        (["-o", str(tmp_path / "nowhere" / "x.webm")], "does not exist"),
        (["-o", "/proc/clip.mp4", "--to", "1000"], "/proc/clip.mp4 cannot be written: the folder /proc refuses new files"),
        (["-o", str(tmp_path / "bug.avi")], "export does not write .avi files"),
        (["-o", str(tmp_path / "x.webm"), "--title", "t"], "--title is for --format replay"),
        # an empty title wrote a bundle "with its bug report" holding none (a QA tryout)
        (["-o", str(tmp_path / "bug.replay"), "--title", " "],
         "--title is empty - give the bug's title, or leave --title out"),
    ]
    for args, says in cases:
        p = _replay("export", str(DEMO), *args, data=data)
        assert p.returncode == 2, (args, p.stderr)
        assert len(_error_lines(p)) == 1 and says in _error_lines(p)[0], (args, p.stderr)
        assert "Traceback" not in p.stderr
    assert list(tmp_path.iterdir()) == []
    assert not list(Path("/proc").glob("clip.mp4*"))


def test_without_pyav_a_video_export_says_how_to_install_it(tmp_path):
    """PyAV made unimportable (as when the `video` extra is not installed)."""
    out = tmp_path / "bug.mp4"
    no_av = [sys.executable, "-c", "import sys; sys.modules['av'] = None;"
             " from app.cli import main; sys.exit(main(sys.argv[1:]))"]
    for fmt in ("mp4", "webm"):
        p = _replay("export", str(DEMO), "-o", str(out.with_suffix(f".{fmt}")), data=tmp_path,
                    python=no_av)
        assert p.returncode == 2, p.stderr
        assert p.stderr.splitlines() == [
            "replay: error: MP4 and WebM clips need PyAV, which is not installed (import of av"
            f" halted; None in sys.modules) - install it with `{INSTALL_VIDEO}`, or export a"
            " .gif or .webp clip"]
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    # GIF and WebP do not need it
    p = _replay("export", str(DEMO), "-o", str(tmp_path / "ok.gif"), "--to", "400", "--size",
                "80x50", data=tmp_path / "data", python=no_av)
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_export_leaves_no_file(tmp_path, sig):
    """Ctrl+C (or a SIGTERM) while frames are painted: neither the clip nor its temporary file
    remains, and the command stops with 130 (as every replay command does on Ctrl+C)."""
    out = tmp_path / "bug.mp4"
    env = dict(os.environ, REPLAY_DATA=str(tmp_path / "data"))
    env.pop("DISPLAY", None)
    proc = subprocess.Popen([sys.executable, "-m", "app", "export", str(DEMO), "-o", str(out)],
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    tmp = out.with_name(out.name + ".tmp")
    try:
        while not tmp.exists():      # the encoder's file is opened before the first frame
            assert proc.poll() is None, proc.stderr.read()
            try:
                proc.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                pass
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "replay: error" not in err, err
    assert list(tmp_path.iterdir()) == []


# A real `replay export` whose one step waits (after touching MARK) until the test creates GO:
# the test's signal then reaches the process at that step, not wherever it happens to be.
# "set-up": before the recording is opened, the export's first step; "flush": before the
# writer's last step (the GIF/WebP encode, the video encoder's flush and the MP4's index);
# "flushed": after it, the file whole but not yet renamed.
_PAUSED = r"""
import sys, time
from pathlib import Path
mark, go, where = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]

def pause():
    mark.touch()
    while not go.exists():
        time.sleep(0.02)

def before(f):
    def paused(*a, **k):
        pause()
        return f(*a, **k)
    return paused

def after(f):
    def paused(*a, **k):
        r = f(*a, **k)
        pause()
        return r
    return paused

import app.commands.export as export
from player import clip_encode
if where == "set-up":
    export.open_source = before(export.open_source)
else:
    for writer in (clip_encode._Animation, clip_encode._Video):
        writer.finish = (before if where == "flush" else after)(writer.finish)
from app.cli import main
sys.exit(main(sys.argv[4:]))
"""


@pytest.mark.parametrize("where, sig, fmt", [
    ("set-up", signal.SIGTERM, "mp4"), ("set-up", signal.SIGINT, "gif"),
    ("flush", signal.SIGINT, "mp4"), ("flush", signal.SIGTERM, "gif"),
    ("flushed", signal.SIGTERM, "webm"), ("flushed", signal.SIGINT, "webp")])
def test_an_export_interrupted_before_or_after_its_frames_leaves_no_file(tmp_path, where, sig,
                                                                          fmt):
    """Ctrl+C or SIGTERM at any moment from the export's start to the rename of FILE.tmp - not
    only between two frames - stops it with 130 and leaves neither file."""
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / f"bug.{fmt}"
    mark, go = tmp_path / "mark", tmp_path / "go"
    env = dict(os.environ, REPLAY_DATA=str(tmp_path / "data"))
    env.pop("DISPLAY", None)
    proc = subprocess.Popen([sys.executable, "-c", _PAUSED, str(mark), str(go), where,
                             "export", str(DEMO), "-o", str(out), "--to", "400", "--size",
                             "80x50"], stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        while not mark.exists():
            assert proc.poll() is None, proc.stderr.read()
            try:
                proc.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                pass
        proc.send_signal(sig)
        time.sleep(0.2)    # the signal is delivered while the step still waits
        go.touch()
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "replay: error" not in err, err
    assert list(folder.iterdir()) == []
