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
    cores = _cores()
    return cores + 1 if cores <= 4 else cores


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else (os.cpu_count() or 1)


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
    if config.getoption("numprocesses", None) and config.getoption("assertmode") == "rewrite":
        _keep_rewritten_tests(config)   # (xdist's workers will collect)


def _keep_rewritten_tests(config) -> None:
    """Rewrite the test modules' asserts once, for every worker. Each xdist worker collects
    every test module, and pytest rewrites a module's asserts as it imports it - keeping the
    result beside it only where bytecode may be written, which PYTHONDONTWRITEBYTECODE
    forbids: each of the three workers rewrote all 224 modules again, 14 CPU-s each (16 s
    of a collection that takes 2.5 s with them kept; ~20 s at the start of every run). Here
    the controller rewrites the modules the run collects, on every core, into the files
    pytest's own import reads (`__pycache__`, `*-pytest-<version>.pyc`, checked against the
    source's hash), with pytest's own functions; a pytest whose insides differ is left to do
    it as before (only slower)."""
    try:
        from _pytest.assertion import rewrite
        todo = [str(f) for f in _rewritten_files(config)
                if rewrite._read_pyc(f, _rewritten_pyc(rewrite, f)) is None]
    except Exception:   # noqa: BLE001 - pytest's private functions moved: nothing kept
        return
    if not todo:
        return
    import multiprocessing
    global _REWRITE_CONFIG
    _REWRITE_CONFIG = config   # (the forked processes' own copy)
    try:
        with multiprocessing.get_context("fork").Pool(min(_cores(), len(todo))) as pool:
            pool.map(_keep_rewritten, todo, chunksize=4)
    except Exception:   # noqa: BLE001 - no fork here, say: each worker rewrites them
        return


_REWRITE_CONFIG = None


def _rewritten_files(config) -> list[Path]:
    """The files pytest rewrites among those the run collects: test modules and conftests
    under its arguments (or testpaths)."""
    found: set[Path] = set()
    for arg in config.args or ["tests"]:
        path = Path(config.invocation_params.dir, arg.split("::")[0]).resolve()
        files = path.rglob("*.py") if path.is_dir() else [path]
        found.update(f for f in files if f.name.startswith("test_") or f.name == "conftest.py")
    found.update(Path(REPO, "tests").rglob("conftest.py"))
    return sorted(f for f in found if f.is_file() and ".venv" not in f.parts
                  and "node_modules" not in f.parts)


def _rewritten_pyc(rewrite, path: Path) -> Path:
    """Where pytest keeps test module `path` rewritten (`rewrite`: its module)."""
    return rewrite.get_cache_dir(path) / (path.name[:-3] + rewrite.PYC_TAIL)


def _keep_rewritten(fn: str) -> None:
    """(A module whose rewriting warns - an assert that is always true, a test that cannot
    fail - is left to the workers, so that pytest's warnings summary still names it.)"""
    import warnings
    from _pytest.assertion import rewrite
    path = Path(fn)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        source_hash, code = rewrite._rewrite_test(path, _REWRITE_CONFIG)
    if said:
        return
    pyc = _rewritten_pyc(rewrite, path)
    if not rewrite.try_makedirs(pyc.parent):
        return
    part = pyc.with_name(f"{pyc.name}.{os.getpid()}")
    with open(part, "wb") as out:
        rewrite._write_pyc_fp(out, source_hash, code)
    os.replace(part, pyc)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def demo_events(fixtures_dir) -> list[dict]:
    """rrweb-player's own 2018 demo recording (legacy fields included)."""
    return json.loads((fixtures_dir / "rrweb-player-demo.json").read_text())
