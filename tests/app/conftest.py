"""Fixtures of the app's tests: a real X server for the tests of windows where a person sits."""
from __future__ import annotations

import os
import select
import shutil
import subprocess

import pytest

XVFB_START_S = 10   # at most this long for Xvfb to accept connections


@pytest.fixture
def x_display():
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb is missing: .ci/run installs it (apt-get install xvfb)")
        pytest.skip("Xvfb not installed (apt-get install xvfb)")
    # Xvfb picks a free display itself (its lock files decide, so test processes running
    # side by side never take the same one) and writes its number when it accepts clients
    read_end, write_end = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(write_end), "-screen", "0", "1600x1000x24",
                             "-nolisten", "tcp"], pass_fds=(write_end,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], XVFB_START_S)
        number = os.read(read_end, 64).decode().strip() if ready else ""
    finally:
        os.close(read_end)
    if not number.isdigit():
        code = proc.poll()
        proc.kill()
        proc.wait()
        pytest.fail(f"Xvfb did not start ({'still starting' if code is None else f'exit {code}'})")
    yield f":{number}"
    proc.terminate()
    proc.wait(10)
