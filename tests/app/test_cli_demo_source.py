"""`demo` as SESSION|FILE opens the demo session that ships with replay, from any folder
(as a pip-installed user has no assets/ path) - unless a file or a stored session is called
that. A file path that does not exist is said to be missing. Real `replay` processes."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from PIL import Image

from recorder.paths import DEMO_SESSION


def replay(*argv, cwd) -> subprocess.CompletedProcess:
    env = dict(os.environ, REPLAY_DATA=str(cwd / "data"))   # no data folder yet
    env.pop("DISPLAY", None)
    return subprocess.run([sys.executable, "-m", "app", *map(str, argv)], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=120)


def test_screenshot_export_snapshot_of_demo_from_any_folder(tmp_path):
    assert not (tmp_path / "assets").exists()
    p = replay("screenshot", "demo", "--at", "4000", "-o", "f.png", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert Image.open(tmp_path / "f.png").size[0] > 0
    p = replay("export", "demo", "--format", "rrweb", "-o", "d.json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    shipped = json.loads(DEMO_SESSION.read_text())
    assert len(json.loads((tmp_path / "d.json").read_text())) >= len(shipped) * 0.9
    p = replay("snapshot", "demo", "--at", "1000", "-o", "s.html", cwd=tmp_path)
    assert p.returncode == 0 and (tmp_path / "s.html").stat().st_size > 0, p.stderr


def test_a_stored_session_or_file_called_demo_wins(tmp_path, demo_events):
    events = [{"type": 5, "timestamp": demo_events[0]["timestamp"],
               "data": {"tag": "replay/session", "payload": {"id": "demo-mine"}}}, *demo_events]
    (tmp_path / "mine.json").write_text(json.dumps(events))
    assert replay("import", "mine.json", cwd=tmp_path).stdout.split() == ["demo-mine"]
    p = replay("export", "demo", "--format", "rrweb", "-o", "out.json", cwd=tmp_path)
    assert p.returncode == 0 and "demo-mine" in p.stderr, p.stderr
    (tmp_path / "demo").write_text(json.dumps(demo_events[:50]))
    p = replay("export", "demo", "--format", "rrweb", "-o", "out2.json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert json.loads((tmp_path / "out2.json").read_text())[-49:] == demo_events[1:50]


def test_a_missing_file_is_said_not_to_exist(tmp_path):
    for spec in ("missing.json", "some/where.replay"):
        p = replay("screenshot", spec, "--at", "0", "-o", "x.png", cwd=tmp_path)
        assert p.returncode == 2 and "Traceback" not in p.stderr
        assert f"{spec}: no such file - check the path" in p.stderr
        assert "data folder" not in p.stderr
