"""Ctrl+C stops a window as it stops every command: a real `replay demo` and the desktop
app on an X server (Xvfb), SIGINT sent to the process group as a terminal sends it, exit
130 without a traceback. Qt's event loop runs in C++: without a handler of ours, Python's
never ran and the window went on."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

STARTED_S = 120     # at most, for the window's browser side to start (a loaded machine)
STOPPED_S = 60      # at most, for the window to end after Ctrl+C (it takes about a second)


def _web_engine_started(pid: int) -> bool:
    """Whether `pid` has started QtWebEngine's browser process (its window is then made and
    shown within moments)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"QtWebEngineProcess" in cmd:
            return True
    return False


@pytest.mark.parametrize("argv", [["demo"], [], ["record"]], ids=["demo", "desktop-app", "record"])
def test_ctrl_c_stops_a_window_with_130(x_display, tmp_path, argv):
    env = dict(os.environ, DISPLAY=x_display, REPLAY_DATA=str(tmp_path / "data"))
    env.pop("QT_QPA_PLATFORM", None)   # the real xcb platform, as on a desktop
    (tmp_path / "data").mkdir()
    # its own process group, as a terminal's foreground job, with SIGINT's default (a shell
    # starts a background job with it ignored)
    proc = subprocess.Popen([sys.executable, "-m", "app", *argv], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + STARTED_S
        while not _web_engine_started(proc.pid):
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "the window did not start"
            time.sleep(0.2)
        time.sleep(3)   # the window shown, its event loop running
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        os.killpg(proc.pid, signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=STOPPED_S)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running {STOPPED_S} s after Ctrl+C") from None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err, err[-2000:]
