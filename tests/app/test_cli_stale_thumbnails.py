"""Commands that rewrite stored sessions (`replay mask`, `repair`, `import` appending) remove
the app's cached thumbnails of the versions they replaced: a picture painted before a
re-mask shows what the new rules mask, and must not stay on disk until the app next opens."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.cli import main as cli
from recorder.privacy.preview import html_to_events
from recorder.store import Store
from recorder.thumbnail_cache import (ABANDONED_AFTER_S, THUMBNAILS_DIR, frame_path,
                                      thumbnail_path, writing_path)

ROOT = Path(__file__).resolve().parents[2]
T0 = 1_700_000_000_000
SID = "5e55107d-0000-4000-8000-000000000001"
PAGE = '<!DOCTYPE html><html><body><p class="bio">Ada Lovelace</p></body></html>'


def _pages(n: int) -> list[dict]:
    """`n` page views, one segment each."""
    out: list[dict] = []
    for k in range(n):
        out += html_to_events(PAGE.replace("Ada", f"Ada {k}"), timestamp=T0 + k * 60_000)
    return out


def _cache_picture(data: Path, sid: str) -> Path:
    """A cached thumbnail of the session's current version, as the app leaves it."""
    with Store.open(data) as store:
        pic = thumbnail_path(data, sid, [s.file for s in store.index.segments(sid)])
    pic.parent.mkdir(exist_ok=True)
    pic.write_bytes(b"PNG showing Ada Lovelace")
    return pic


def _recording(tmp_path: Path, name: str, events: list[dict]) -> Path:
    """`events` as an rrweb file of the session SID (the marker an rrweb export starts with)."""
    rec = tmp_path / name
    marker = {"type": 5, "timestamp": events[0]["timestamp"],
              "data": {"tag": "replay/session", "payload": {"id": SID}}}
    rec.write_text(json.dumps([marker, *events]))
    return rec


def _import(tmp_path: Path, data: Path, events: list[dict], name: str, capsys,
            *extra) -> str:
    rec = _recording(tmp_path, name, events)
    assert cli(["--data", str(data), "import", str(rec), *map(str, extra)]) == 0
    (sid,) = capsys.readouterr().out.split()
    return sid


def test_mask_removes_the_pictures_of_the_sessions_it_rewrote(tmp_path, capsys):
    data = tmp_path / "data"
    allow = tmp_path / "allow.toml"
    allow.write_text('default = "allow"\ndetectors = []\n')
    sid = _import(tmp_path, data, _pages(1), "rec.json", capsys, "--rules", allow)
    pic = _cache_picture(data, sid)
    strict = tmp_path / "strict.toml"
    strict.write_text('default = "mask"\n')
    assert cli(["--data", str(data), "mask", "--rules", str(strict), "--all", "--activate"]) == 0
    assert f"{sid}\tre-masked" in capsys.readouterr().out
    assert not pic.exists()
    # a session the rules did not change keeps its picture (it is still what it shows)
    kept = _cache_picture(data, sid)
    assert cli(["--data", str(data), "mask", "--rules", str(strict), sid]) == 0
    assert f"{sid}\tunchanged" in capsys.readouterr().out
    assert kept.exists()


def test_an_import_appending_to_a_stored_session_removes_its_old_picture(tmp_path, capsys):
    data = tmp_path / "data"
    events = _pages(3)
    first = events[:len(events) * 2 // 3]
    sid = _import(tmp_path, data, first, "part.json", capsys)
    pic = _cache_picture(data, sid)
    rec = _recording(tmp_path, "whole.json", events)
    assert cli(["--data", str(data), "import", str(rec)]) == 0
    assert f"{sid}: already stored, appended" in capsys.readouterr().err
    assert not pic.exists()


def test_repair_removes_the_picture_of_a_session_it_rebuilt(tmp_path, capsys):
    data = tmp_path / "data"
    sid = _import(tmp_path, data, _pages(3), "rec.json", capsys)
    pic = _cache_picture(data, sid)
    with Store.open(data) as store:
        files = [s.file for s in store.index.segments(sid)]
    assert len(files) >= 2
    victim = data / files[-1]
    blob = bytearray(victim.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    victim.write_bytes(bytes(blob))
    assert cli(["--data", str(data), "repair"]) == 0
    assert f"rebuilt\t{sid}" in capsys.readouterr().out
    assert not pic.exists()
    assert list((data / THUMBNAILS_DIR).iterdir()) == []


def test_a_sweep_leaves_the_painters_work_in_progress_alone(tmp_path, capsys):
    """A command sweeping while the app paints: the painter's temporary files of a current
    version are its work in progress and stay; those of a version that is gone (they could
    only become a stale picture) and those its painter abandoned go."""
    data = tmp_path / "data"
    sid = _import(tmp_path, data, _pages(1), "rec.json", capsys)
    pic = _cache_picture(data, sid)
    painting = [frame_path(pic), writing_path(pic)]
    old = thumbnail_path(data, sid, ["segments/old-version.seg"])
    dead = [frame_path(old), writing_path(old), old]
    for p in painting + dead:
        p.write_bytes(b"PNG showing Ada Lovelace")
    # another session, painted by a painter that died long ago
    other = thumbnail_path(data, "0ther", ["segments/x.seg"])
    long_ago = time.time() - ABANDONED_AFTER_S - 60
    frame_path(other).write_bytes(b"PNG")
    os.utime(frame_path(other), (long_ago, long_ago))
    assert cli(["--data", str(data), "repair"]) == 0
    assert sorted((data / THUMBNAILS_DIR).iterdir()) == sorted([pic, *painting])
    # the painter died painting this one: a later sweep finds its files abandoned
    for p in painting:
        os.utime(p, (long_ago, long_ago))
    assert cli(["--data", str(data), "repair"]) == 0
    assert sorted((data / THUMBNAILS_DIR).iterdir()) == [pic]


def _two_sessions(tmp_path: Path, data: Path, capsys) -> tuple[list[str], list[Path], Path]:
    """Two sessions stored under rules that mask nothing, each with its cached picture, and
    rules that mask their text."""
    allow = tmp_path / "allow.toml"
    allow.write_text('default = "allow"\ndetectors = []\n')
    sids = []
    for k in range(2):
        rec = tmp_path / f"rec{k}.json"
        rec.write_text(json.dumps(_pages(k + 1)))
        assert cli(["--data", str(data), "import", str(rec), "--rules", str(allow),
                    "--as-new"]) == 0
        sids.append(capsys.readouterr().out.split()[-1])
    strict = tmp_path / "strict.toml"
    strict.write_text('default = "mask"\n')
    return sids, [_cache_picture(data, sid) for sid in sids], strict


def _immutable(path: Path, on: bool) -> bool:
    """chattr's immutable flag: even root cannot add a file to the folder."""
    return subprocess.run(["chattr", "+i" if on else "-i", str(path)],
                          capture_output=True).returncode == 0


def test_a_mask_failing_midway_still_removes_the_pictures_of_what_it_rewrote(tmp_path, capsys):
    """The first session is re-masked (committed), the second cannot be written: the command
    fails in one line with exit 2, and the first session's old picture - which shows what
    the rules now mask - is gone all the same; the second, unchanged, keeps its own."""
    data = tmp_path / "data"
    (first, second), (pic1, pic2), strict = _two_sessions(tmp_path, data, capsys)
    with Store.open(data) as store:
        folder = (data / store.index.segments(second)[0].file).parent
    if not _immutable(folder, True):
        pytest.skip("chattr +i is not supported on this filesystem")
    try:
        code = cli(["--data", str(data), "mask", "--rules", str(strict), first, second])
    finally:
        _immutable(folder, False)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("replay: error: ") and "ermitted" in err[0], err
    with Store.open(data) as store:
        assert "Ada" not in json.dumps(list(store.session(first).events()))   # rewritten
    assert not pic1.exists()
    assert pic2.exists()


_INTERRUPTED = r"""
import sys, time
from pathlib import Path
mark, go = Path(sys.argv[1]), Path(sys.argv[2])
from recorder.privacy import remask
rewrite = remask.remask_session
done = []

def second_waits(*a, **k):
    if done:
        mark.touch()
        while not go.exists():
            time.sleep(0.02)
    done.append(rewrite(*a, **k))
    return done[-1]

remask.remask_session = second_waits
from app.cli import main
sys.exit(main(sys.argv[3:]))
"""


def test_a_mask_stopped_by_ctrl_c_midway_removes_the_pictures_of_what_it_rewrote(tmp_path,
                                                                                  capsys):
    """Ctrl+C (a real signal to a real `replay mask`) after the first session was re-masked:
    exit 130, and the first session's old picture is gone."""
    data = tmp_path / "data"
    (first, second), (pic1, pic2), strict = _two_sessions(tmp_path, data, capsys)
    mark, go = tmp_path / "mark", tmp_path / "go"
    # Ctrl+C as a terminal delivers it: a shell runs a background job (CI's, say) with SIGINT
    # ignored, and Python then never installs its KeyboardInterrupt handler - the child gets
    # SIGINT's default back, as a command typed at a terminal has it
    proc = subprocess.Popen([sys.executable, "-c", _INTERRUPTED, str(mark), str(go), "--data",
                             str(data), "mask", "--rules", str(strict), first, second],
                            stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        while not mark.exists():
            assert proc.poll() is None, proc.stderr.read()
            try:
                proc.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                pass
        proc.send_signal(signal.SIGINT)
        for _ in range(30):   # (once seen to hang in a loaded CI run, not here: said, not waited out)
            try:
                _, err = proc.communicate(timeout=2)
                break
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGINT)
        else:
            raise AssertionError("replay mask did not stop on Ctrl+C in 60 s")
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    assert not pic1.exists()
    assert pic2.exists()
