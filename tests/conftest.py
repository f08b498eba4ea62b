"""Test configuration shared by every package's tests.

Qt needs no screen here: offscreen platform, and QtWebEngine (Chromium) runs as root only
without its sandbox. These are set before anything imports Qt.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu --no-sandbox")

import pytest

REPO = Path(__file__).resolve().parent.parent
# Every file the tests read is in the repository (tests/fixtures/README.md says where each
# came from and under which licence).
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto` (the README's command): on a small machine a worker per core and one more.
    The suite waits on browsers far more than it computes - Chromium's frames, a page's
    timers, an SDK's flush, an intake's answer: two workers on 2 cores kept them 58% busy
    (940 CPU-s in 808 s), three ran it in 656-715 s against 823; four, later, no faster than
    three (790 s against 786, 2,714 tests: the cores were busy then). xdist's own setting,
    PYTEST_XDIST_AUTO_NUM_WORKERS, still wins."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS", "").isdigit():
        return int(os.environ["PYTEST_XDIST_AUTO_NUM_WORKERS"])
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else (os.cpu_count() or 1)
    return cores + 1 if cores <= 4 else cores


def pytest_configure(config) -> None:
    """Compile the project's modules once, before the workers start. The tests start some
    700 `replay` processes (and serve workers, thumbnail processes); where
    PYTHONDONTWRITEBYTECODE is set (it is on these machines) an editable install never keeps
    its bytecode, and each of those processes compiled ~50 modules from source again: 0.5 s
    of CPU for `replay sessions` against 0.24 s with the bytecode kept. py_compile writes the
    files whatever that variable says, and imports read them; they go where Python keeps them
    (`__pycache__`, ignored by git), so an installed wheel - which pip compiles as it installs
    - is no different."""
    if hasattr(config, "workerinput"):   # an xdist worker: the controller did it
        return
    import compileall
    for package in ("recorder", "player", "app"):
        compileall.compile_dir(REPO / package, quiet=2)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def demo_events(fixtures_dir) -> list[dict]:
    """rrweb-player's own 2018 demo recording (legacy fields included)."""
    return json.loads((fixtures_dir / "rrweb-player-demo.json").read_text())
