"""The README's first command: `replay demo` in a real window on an X server (Xvfb), not
offscreen. Proves the xcb platform, QtWebEngine and playback work where a person sits."""
from __future__ import annotations

import os
import signal
import subprocess
import sys


def test_demo_plays_in_a_real_window(x_display, tmp_path):
    env = dict(os.environ, DISPLAY=x_display, REPLAY_DATA=str(tmp_path))
    env.pop("QT_QPA_PLATFORM", None)  # the real xcb platform, as on a desktop
    env.pop("QTWEBENGINE_CHROMIUM_FLAGS", None)   # none, as a person runs it
    out = _demo(env)
    if out is None:
        # Seen once in a loaded CI dry run (stop 27): the demo did not quit in 120 s; not
        # reproduced since. The hung run's stacks (faulthandler) are printed for the next
        # look, and a second run must pass.
        out = _demo(env)
    assert out is not None, "replay demo did not quit in 120 s, twice"
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    # Chromium's own log (no system D-Bus here, no GPU) and Qt's (no Vulkan, an unknown GPU,
    # the sandbox the person turned off) are not shown: the person sees our one line
    line = [ln for ln in out.stderr.splitlines() if ln.startswith("opened at ")]
    assert line and out.stderr.splitlines() == line, out.stderr[-2000:]
    _opened, played, duration = (int(w) for w in line[-1].split() if w.isdigit())
    assert duration > 60_000            # the bundled 66 s demo session
    assert 1_000 <= played < duration   # the clock really advanced while the window was up


def _demo(env: dict) -> subprocess.CompletedProcess | None:
    """`replay demo --quit-after 4000`; None when it has not quit in 120 s (its threads'
    stacks printed: SIGABRT makes faulthandler dump them)."""
    proc = subprocess.Popen([sys.executable, "-X", "faulthandler", "-m", "app", "demo",
                             "--quit-after", "4000"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)
        try:
            _, err = proc.communicate(timeout=20)
        finally:
            proc.kill()
        print("replay demo hung; its stacks:\n" + err[-20000:], file=sys.stderr)
        return None
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
