"""The compiled core (setup.py's CYTHON_MODULES, `.pxd` types beside `.py` sources): in this
environment, built by `pip install`, every listed module runs compiled - so a benchmark here
never measures pure Python unnoticed - and the compiled modules store exactly what their
Python source stores: the same recordings imported either way give byte-identical segments."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from recorder import PURE_PYTHON_ENV, compiled
from recorder.id_key import ID_KEY_FILE, KEY_BYTES

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "tests" / "fixtures" / "rrweb-player-demo.json"


def _listed() -> list[str]:
    """setup.py's CYTHON_MODULES, read without running setup.py."""
    tree = ast.parse((REPO / "setup.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets] == ["CYTHON_MODULES"]:
            return ast.literal_eval(node.value)
    raise AssertionError("setup.py has no CYTHON_MODULES")


def _env(pure: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != PURE_PYTHON_ENV}
    if pure:
        env[PURE_PYTHON_ENV] = "1"
    return env


def _python(code: str, pure: bool, *args: str) -> str:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, env=_env(pure),
                          check=True, capture_output=True, text=True, timeout=600).stdout


def test_every_listed_module_runs_compiled_unless_pure_python_is_asked_for():
    listed = _listed()
    assert listed and all(Path(REPO, *m.split(".")).with_suffix(".pxd").is_file() for m in listed)
    if os.environ.get(PURE_PYTHON_ENV) == "1":
        assert compiled() == []
    else:
        assert compiled() == sorted(listed), "build the compiled core: pip install -e ."
        import recorder.mirror
        assert not recorder.mirror.__file__.endswith(".py")


def test_the_pure_python_switch_runs_every_module_from_its_source():
    code = ("import importlib, recorder, sys\n"
            "for m in sys.argv[1:]:\n"
            "    print(importlib.import_module(m).__file__)\n"
            "print(recorder.compiled())\n")
    *files, names = _python(code, True, *_listed()).splitlines()
    assert names == "[]" and len(files) == len(_listed())
    assert all(f.endswith(".py") and f.startswith(str(REPO)) for f in files), files


def _segments(data: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted(data.rglob("*.seg"), key=lambda p: p.name[:6])]


def test_the_real_fixture_imports_to_identical_segments_compiled_and_from_source(tmp_path):
    stored = []
    for pure in (False, True):
        data = tmp_path / ("pure" if pure else "compiled")
        data.mkdir()   # one secret for both (the input digest in a header is keyed with it)
        (data / ID_KEY_FILE).write_bytes(b"k" * KEY_BYTES)
        subprocess.run([sys.executable, "-m", "app", "--data", str(data), "import", str(DEMO)],
                       cwd=REPO, env=_env(pure), check=True, capture_output=True, timeout=300)
        stored.append(_segments(data))
    assert stored[0] and stored[0] == stored[1]


# A generated session through the privacy pass with selector rules (the level cache, hidden
# subtrees, sibling selectors): every masked event, the counters and the mirror's checkpoint.
_MASK = """
import hashlib, sys
from recorder.format import encode_json
from recorder.privacy import SessionMasker, parse_rules
from replay_tools.generator import generate_session
rules = parse_rules(sys.argv[1])
events = list(generate_session(6000, duration_ms=600_000, seed=11))
m = SessionMasker(rules)
out = m.mask(events)
h = hashlib.sha256()
for e in out:
    h.update(encode_json(e))
h.update(encode_json(sorted(m.stats.items())))
h.update(m.mirror.dump())
print(len(out), m.stats["hidden elements"], h.hexdigest())
"""

_RULES = """
default = "mask-user-input"
scrub_query_params = ["token"]
[[rule]]
selector = ".user-name, .avatar, #f-email"
level = "hidden"
[[rule]]
selector = "table.orders tr > td:first-child"
level = "hidden"
[[rule]]
selector = "h1 + p, li:nth-child(2n) span, div:empty, .kpi-value"
level = "mask"
[[rule]]
selector = "nav a, .row-new td"
level = "allow"
"""


def test_the_privacy_pass_gives_identical_events_compiled_and_from_source():
    compiled_run = _python(_MASK, False, _RULES).split()
    pure_run = _python(_MASK, True, _RULES).split()
    assert int(compiled_run[0]) > 0 and int(compiled_run[1]) > 0
    assert compiled_run == pure_run
