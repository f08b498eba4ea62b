"""`python -m app.record` and `python -m app.privacy_workspace` started where they cannot
do what is asked: with no screen they hung silently (a window no one sees, left running)
where `replay` says "no screen" and exits 2; the workspace's `--file` that is not there
exited 0 with the error painted into the PNG, and a `--data` folder that is not there showed
an empty store. Each now says so in one line and exits 2. Real processes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
HANG_S = 60   # a hang fails the test this soon


def module(name: str, *args, tmp_path: Path, screen: bool = False
           ) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    if screen:   # painted offscreen, as --screenshot does
        env.update(QT_QPA_PLATFORM="offscreen", QTWEBENGINE_DISABLE_SANDBOX="1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", name, *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=HANG_S, cwd=tmp_path)


def one_line(proc: subprocess.CompletedProcess, prog: str) -> str:
    assert proc.returncode == 2 and proc.stdout == "", proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"{prog}: error: "), proc.stderr
    return lines[0]


@pytest.mark.parametrize("name, args", [
    ("app.record", ()),
    ("app.record", ("https://example.com",)),
    ("app.privacy_workspace", ("--data", ".")),
])
def test_no_screen_is_said_in_one_line_not_a_silent_hang(tmp_path, name, args):
    line = one_line(module(name, *args, tmp_path=tmp_path), f"python -m {name}")
    assert "no screen" in line and "DISPLAY is not set, nor WAYLAND_DISPLAY" in line


def test_replay_record_is_record_mode_and_says_no_screen_as_its_own(tmp_path):
    """`replay record` is record mode from the command line (the CLI never said how to record,
    a QA's tryout); with no screen, one line - `replay: error:`, as every command's (it was
    `replay record: error:`)."""
    line = one_line(module("app", "record", "https://example.com", tmp_path=tmp_path), "replay")
    assert "no screen" in line
    helped = module("app", "--help", tmp_path=tmp_path)
    assert "record a bug in a browser of its own" in helped.stdout


def test_a_missing_file_to_paint_is_an_error_and_no_picture(tmp_path):
    png = tmp_path / "x.png"
    line = one_line(module("app.privacy_workspace", "--file", "nonexist.json",
                           "--screenshot", png, tmp_path=tmp_path, screen=True),
                    "python -m app.privacy_workspace")
    assert line.endswith("nonexist.json: no such file - check the path")
    assert not png.exists()


def test_a_file_that_cannot_be_previewed_is_an_error_and_no_picture(tmp_path):
    bad, png = tmp_path / "bad.json", tmp_path / "x.png"
    bad.write_text('{"nope": 1')
    data = tmp_path / "data"
    data.mkdir()
    line = one_line(module("app.privacy_workspace", "--data", data, "--file", bad,
                           "--screenshot", png, tmp_path=tmp_path, screen=True),
                    "python -m app.privacy_workspace")
    assert "cannot preview bad.json: not JSON" in line
    assert not png.exists()


@pytest.mark.parametrize("screenshot", [False, True])
def test_a_data_folder_that_is_not_there_is_said_not_shown_empty(tmp_path, screenshot):
    missing, png = tmp_path / "nonexistent" / "folder", tmp_path / "x.png"
    line = one_line(module("app.privacy_workspace", "--data", missing,
                           *(("--screenshot", png) if screenshot else ()),
                           tmp_path=tmp_path, screen=screenshot),
                    "python -m app.privacy_workspace")
    assert f"there is no data folder at {missing}" in line
    assert not png.exists() and not missing.exists()
