"""Fixtures of the app's tests: a real X server for the tests of windows where a person sits,
and one headless chromium per module for the tests that drive Debian's chromium."""
from __future__ import annotations

import os
import shutil
import subprocess
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
