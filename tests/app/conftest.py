"""Fixtures of the app's tests: a real X server for the tests of windows where a person sits,
and one headless chromium per module for the tests that drive Debian's chromium."""
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


@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium (Playwright, the system binary), launched once for the module:
    each test opens its pages in a browser context of its own (no storage shared)."""
    from playwright.sync_api import sync_playwright

    from replay_tools.chromium import launch

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            yield browser
        finally:
            browser.close()
