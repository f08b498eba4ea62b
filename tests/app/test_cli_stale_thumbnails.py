"""Commands that rewrite stored sessions (`replay mask`, `repair`, `import` appending) remove
the app's cached thumbnails of the versions they replaced: a picture painted before a
re-mask shows what the new rules mask, and must not stay on disk until the app next opens."""
from __future__ import annotations

import json
from pathlib import Path

from app.cli import main as cli
from app.thumbnails import THUMBNAILS_DIR, thumbnail_path
from recorder.privacy.preview import html_to_events
from recorder.store import Store

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
