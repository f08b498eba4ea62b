"""`replay` with no command on a real X server (Xvfb): the main window comes up where a
person sits (the xcb platform, not offscreen) and stays up."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest


def test_replay_opens_the_main_window(x_display, tmp_path):
    if shutil.which("xwininfo") is None:
        pytest.skip("xwininfo not installed (apt-get install x11-utils)")
    env = dict(os.environ, DISPLAY=x_display, XDG_CONFIG_HOME=str(tmp_path / "config"))
    env.pop("QT_QPA_PLATFORM", None)
    data = tmp_path / "data"
    proc = subprocess.Popen([sys.executable, "-m", "app", "--data", str(data)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # the whole title, quoted as xwininfo prints it: the app's name once, at its end (Qt
        # adds the display name to a title that does not end with it)
        title = f'"{data} — Session Replay"'
        deadline = time.monotonic() + 60
        found = False
        while time.monotonic() < deadline and proc.poll() is None and not found:
            tree = subprocess.run(["xwininfo", "-root", "-tree"], env=env, capture_output=True,
                                  text=True).stdout
            found = title in tree
            time.sleep(0.3)
        assert found, f"no window titled {title!r}; exit {proc.poll()}"
        time.sleep(1.0)
        assert proc.poll() is None      # still up with its window shown
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=30)
    assert "Traceback" not in err, err[-2000:]
    assert (data / "index.sqlite3").is_file()   # the window opened the data folder
