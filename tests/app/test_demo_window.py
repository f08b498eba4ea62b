"""The README's first command: `replay demo` in a real window on an X server (Xvfb), not
offscreen. Proves the xcb platform, QtWebEngine and playback work where a person sits."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest


@pytest.fixture
def x_display():
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb is missing: .ci/run installs it (apt-get install xvfb)")
        pytest.skip("Xvfb not installed (apt-get install xvfb)")
    for n in range(90, 110):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            break
    proc = subprocess.Popen([xvfb, f":{n}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not os.path.exists(f"/tmp/.X11-unix/X{n}"):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"Xvfb :{n} did not start")
        time.sleep(0.05)
    yield f":{n}"
    proc.terminate()
    proc.wait(10)


def test_demo_plays_in_a_real_window(x_display, tmp_path):
    env = dict(os.environ, DISPLAY=x_display, REPLAY_DATA=str(tmp_path))
    env.pop("QT_QPA_PLATFORM", None)  # the real xcb platform, as on a desktop
    out = subprocess.run([sys.executable, "-m", "app", "demo", "--quit-after", "4000"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    line = [ln for ln in out.stderr.splitlines() if ln.startswith("opened at ")]
    assert line, out.stderr[-2000:]
    _opened, played, duration = (int(w) for w in line[-1].split() if w.isdigit())
    assert duration > 60_000            # the bundled 66 s demo session
    assert 1_000 <= played < duration   # the clock really advanced while the window was up
