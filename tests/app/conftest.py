"""Fixtures of the app's tests: a real X server for the tests of windows where a person sits,
and one headless chromium per module for the tests that drive Debian's chromium."""
from __future__ import annotations

import fcntl
import os
import select
import shutil
import subprocess
import tempfile
import time

import pytest

FIRST_DISPLAY = 90     # the tests' X displays: clear of a desktop's own (:0, :1)
DISPLAYS_TRIED = 100
XVFB_START_S = 10      # at most this long for an Xvfb to accept clients
# one byte per display number, locked by the test process whose Xvfb has that number
CLAIMS = os.path.join(tempfile.gettempdir(), ".replay-tests-x-displays.lock")


@pytest.fixture
def x_display():
    """A display of an Xvfb of this test's own, on the first number from FIRST_DISPLAY up
    that no server holds and no other test process has claimed.

    Test processes run side by side (pytest-xdist workers, or two checkouts' suites), and two
    Xvfb started on one number are not refused cleanly: the second unlinks the first's socket
    file before it fails on the abstract socket, so the first is left half reachable. A number
    is therefore claimed first with a lock on its byte of CLAIMS (the kernel drops it when the
    process ends, so a killed run leaves no claim), and Xvfb writes the number to -displayfd
    once it accepts clients."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb is missing: .ci/run installs it (apt-get install xvfb)")
        pytest.skip("Xvfb not installed (apt-get install xvfb)")
    claims = os.open(CLAIMS, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        for n in range(FIRST_DISPLAY, FIRST_DISPLAY + DISPLAYS_TRIED):
            if _x_server_on(n) or not _claim(claims, n):
                continue
            if _x_server_on(n):   # a server of a process outside the claims started there
                continue
            proc = _start_xvfb(xvfb, n)
            if proc is not None:
                break
        else:
            pytest.fail(f"no free X display from :{FIRST_DISPLAY} to"
                        f" :{FIRST_DISPLAY + DISPLAYS_TRIED - 1}")
        yield f":{n}"
        proc.terminate()
        proc.wait(10)
    finally:
        os.close(claims)   # drops this process's claims


def _x_server_on(n: int) -> bool:
    return os.path.exists(f"/tmp/.X11-unix/X{n}") or os.path.exists(f"/tmp/.X{n}-lock")


def _claim(fd: int, n: int) -> bool:
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, n)
    except OSError:   # another process holds display n
        return False
    return True


def _start_xvfb(xvfb: str, n: int) -> subprocess.Popen | None:
    """Xvfb on display n once it accepts clients, or None when it did not start there."""
    read_end, write_end = os.pipe()
    proc = subprocess.Popen([xvfb, f":{n}", "-displayfd", str(write_end), "-screen", "0",
                             "1600x1000x24", "-nolisten", "tcp"], pass_fds=(write_end,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    # the number and its newline come in two writes: closing the pipe before the newline
    # is written kills Xvfb ("Cannot write display number"), so read up to the newline
    said = b""
    deadline = time.monotonic() + XVFB_START_S
    try:
        while not said.endswith(b"\n"):
            ready, _, _ = select.select([read_end], [], [], max(0, deadline - time.monotonic()))
            chunk = os.read(read_end, 64) if ready else b""
            if not chunk:   # Xvfb exited, or did not start in time
                break
            said += chunk
    finally:
        os.close(read_end)
    if said == f"{n}\n".encode() and proc.poll() is None:
        return proc
    proc.kill()
    proc.wait()
    return None


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
