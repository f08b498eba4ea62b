"""The package installs: a wheel built from the checkout holds every shipped module and asset,
and, installed non-editable into a fresh virtualenv, paints the demo from outside the checkout.

The fresh venv gets the wheel itself (`pip install --no-deps`); the third-party dependencies
(PySide6 alone is ~600 MB) are borrowed from the test venv through a plain path in a `.pth`
file. A plain path line does not run that venv's own `.pth` files, so the editable install's
finder (which maps `recorder`, `player`, `app` to the checkout) is not loaded: every module of
ours comes from the wheel, as `test_every_module_comes_from_the_wheel` checks.

The wheel is built from this checkout as `pip wheel .` builds it: its compiled core is the
modules the editable install compiled beside their sources, when they are newer than their C
and setup.py (setup.py's BuildExt), and compiled afresh otherwise.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHIPPED = ("recorder", "player", "app")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out),
                    str(REPO)], check=True, capture_output=True, text=True)
    (whl,) = out.glob("session_replay-*.whl")
    return whl


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed non-editable; returns its bin folder."""
    root = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(root)   # this venv's pip installs into it
    bin_dir = root / "bin"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(bin_dir / "python"), "install",
                    "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, text=True)
    site = subprocess.run([str(bin_dir / "python"), "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    (Path(site) / "zz_borrowed_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return bin_dir


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def test_wheel_holds_every_module_and_asset_and_no_harness(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for pkg in SHIPPED:
        for py in (REPO / pkg).rglob("*.py"):
            rel = py.relative_to(REPO).as_posix()
            assert rel in names, f"{rel} is not in the wheel (add its package to pyproject.toml)"
    for asset in ("replay_assets/runtime/replay-runtime.js", "replay_assets/demo/demo-session.json",
                  "replay_assets/demo/pages/index.html", "replay_assets/rum-shim/rum-plugin.js",
                  # record mode records with these (rrweb vendored, with its licence)
                  "replay_assets/browser-recorder/bridge.js",
                  "replay_assets/browser-recorder/shadow-keeper.js",
                  "replay_assets/vendor/rrweb/rrweb.umd.min.js",
                  "replay_assets/vendor/rrweb/rrweb-plugin-console-record.umd.min.js",
                  "replay_assets/vendor/rrweb/LICENSE"):
        assert asset in names
    assert not any(n.startswith(("replay_tools/", "tests/", "benchmarks/")) for n in names)


def test_pyav_is_only_an_extra_of_the_wheel(wheel):
    """MP4/WebM clips need PyAV, whose wheels bundle a GPL FFmpeg (libx264): it is asked for
    only by the `video` extra (and the tests'), never installed with the package itself."""
    with zipfile.ZipFile(wheel) as z:
        meta = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA")))
    needs = [ln.split(":", 1)[1].strip() for ln in meta.decode().splitlines()
             if ln.startswith("Requires-Dist:")]
    av = [n for n in needs if n.split(";")[0].strip().startswith("av")]
    assert av and all("extra ==" in n for n in av), av
    assert any('extra == "video"' in n for n in av), av


def test_every_module_comes_from_the_wheel(installed, tmp_path):
    code = ("import recorder, player, app, replay_assets, sys;"
            "print('\\n'.join(m.__file__ for m in (recorder, player, app, replay_assets)))")
    out = subprocess.run([str(installed / "python"), "-c", code], cwd=tmp_path, env=_env(),
                         check=True, capture_output=True, text=True).stdout.split()
    for f in out:
        assert str(REPO) not in f and "site-packages" in f, f


def test_the_wheel_runs_the_compiled_core(installed, tmp_path):
    """The wheel holds each compiled module beside its source, and it runs compiled."""
    from recorder import compiled
    listed = compiled()   # this checkout's build (test_compiled_core: all of setup.py's list)
    code = "import recorder; print(' '.join(recorder.compiled()))"
    out = subprocess.run([str(installed / "python"), "-c", code], cwd=tmp_path, env=_env(),
                         check=True, capture_output=True, text=True).stdout.split()
    assert listed and out == listed


def test_installed_replay_paints_the_demo_from_outside_the_checkout(installed, tmp_path):
    replay = str(installed / "replay")
    demo = subprocess.run([str(installed / "python"), "-c",
                           "from recorder.paths import ASSETS; print(ASSETS / 'demo' / 'demo-session.json')"],
                          cwd=tmp_path, env=_env(), check=True, capture_output=True, text=True).stdout.strip()
    assert str(REPO) not in demo and Path(demo).is_file()
    help_ = subprocess.run([replay, "demo", "--help"], cwd=tmp_path, env=_env(),
                           capture_output=True, text=True)
    assert help_.returncode == 0 and "demo" in help_.stdout
    png = tmp_path / "frame.png"
    shot = subprocess.run([replay, "--data", str(tmp_path / "data"), "screenshot", demo,
                           "--at", "40000", "-o", str(png)], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=180)
    assert shot.returncode == 0, shot.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def _imported_modules(py: Path) -> set[str]:
    """The top-level names of every module `py` imports (absolute imports)."""
    import ast
    names: set[str] = set()
    for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_shipped_code_imports_no_harness():
    """What ships (the packages and replay_assets, the demo shop's server too) must not
    import what does not: from a pip install it would fail with ModuleNotFoundError."""
    harness = {"replay_tools", "benchmarks", "tests"}
    offenders = [f"{py.relative_to(REPO)} imports {sorted(_imported_modules(py) & harness)}"
                 for folder in (*SHIPPED, "assets") for py in (REPO / folder).rglob("*.py")
                 if _imported_modules(py) & harness]
    assert offenders == []


def test_the_installed_demo_shop_serves_from_outside_the_checkout(installed, tmp_path):
    """`python -m replay_assets.demo.server` (README: browse the shop yourself) from the
    wheel: its pages and its API."""
    from urllib.request import urlopen
    shop = subprocess.Popen([str(installed / "python"), "-m", "replay_assets.demo.server",
                             "--port", "0"], cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        first = shop.stdout.readline()   # says where it listens, or ends with a traceback
        assert first.startswith("Acme Shop on http://127.0.0.1:"), shop.communicate()[1]
        base = first.split()[3]
        with urlopen(base + "index.html", timeout=30) as r:
            assert b"Acme Shop" in r.read()
        with urlopen(base + "api/products?q=mug", timeout=30) as r:
            assert [p["name"] for p in json.loads(r.read())] == ["Ceramic Mug", "Travel Mug"]
    finally:
        shop.terminate()
        shop.communicate(timeout=30)
