"""Issue 15 ("Nothing lost"), items 4-7, through real `replay` processes: a lost index
comes back from the segments, a damaged one is one line and `replay repair`, an export
racing a `replay mask` is one whole version, and a bad import cannot poison the store."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.cli import main
from player.qt.standalone import PLAYER_SIZE
from recorder.format import RUM_PLUGIN
from recorder.limits import Limits
from recorder.store import Store

REPO = Path(__file__).parents[2]
T0 = 1_700_000_000_000
YEAR_33714_MS = 1_001_720_000_000_000
PAGES, CLASSES = 24, 6


def replay(data: Path, *args, check: bool = False) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "app", "--data", str(data), *map(str, args)],
                          capture_output=True, text=True, cwd=REPO)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def node(nid: int, tag: str, children=(), **attrs) -> dict:
    return {"type": 2, "id": nid, "tagName": tag, "attributes": attrs,
            "childNodes": list(children)}


def text(nid: int, value: str) -> dict:
    return {"type": 3, "id": nid, "textContent": value}


def recording(pages: int = PAGES, width: int = 1280, height: int = 720,
              user: str | None = None) -> list[dict]:
    """`pages` page views (one segment each), each with paragraphs of classes c1..c6; a
    RUM error event (and the user it names) on the first page."""
    out: list[dict] = []
    for k in range(pages):
        t = T0 + k * 20_000
        paras = [node(10 + c, "p", [text(100 + c, f"page {k} secret {c} text")],
                      **{"class": f"c{c}"}) for c in range(1, CLASSES + 1)]
        out.append({"type": 4, "timestamp": t,
                    "data": {"href": f"https://shop.example/p{k}", "width": width,
                             "height": height}})
        out.append({"type": 2, "timestamp": t + 1, "data": {"node": {
            "type": 0, "id": 1, "childNodes": [node(2, "html", [node(3, "body", paras)])]},
            "initialOffset": {"left": 0, "top": 0}}})
        out += [{"type": 3, "timestamp": t + 2 + i * 50, "data": {
            "source": 1, "positions": [{"x": i, "y": 2 * i, "id": 3, "timeOffset": 0}]}}
            for i in range(40)]
        if k == 0:
            out.append({"type": 6, "timestamp": t + 2000, "data": {
                "plugin": RUM_PLUGIN, "payload": {"type": "error", "error": {"message": "boom"},
                                                  **({"usr": {"id": user}} if user else {})}}})
    return out


def write_json(path: Path, events: list[dict]) -> Path:
    path.write_text(json.dumps(events))
    return path


def rules(path: Path, *masked: str) -> Path:
    path.write_text('default = "allow"\ndetectors = []\n' + "".join(
        f'[[rule]]\nselector = "{sel}"\nlevel = "mask"\n' for sel in masked))
    return path


def imported(tmp_path: Path, data: Path, events: list[dict], *extra) -> str:
    src = write_json(tmp_path / "rec.json", events)
    allow = rules(tmp_path / "allow.toml")
    proc = replay(data, "import", "--rules", allow, *extra, src, check=True)
    return proc.stdout.strip()


def segment_files(data: Path) -> dict[str, bytes]:
    return {p.relative_to(data).as_posix(): p.read_bytes()
            for p in (data / "segments").rglob("*.seg")}


# --- 4. a lost index -------------------------------------------------------------------
@pytest.mark.parametrize("lose", ["index", "index-wal-shm", "emptied"])
def test_15_4_replay_sessions_lists_every_session_again_after_the_index_is_lost(tmp_path, lose):
    data = tmp_path / "d"
    sid = imported(tmp_path, data, recording(4, user="ann@example.com"))
    before = json.loads(replay(data, "sessions", "--json", check=True).stdout)
    files = segment_files(data)
    for suffix in ("", "-wal", "-shm") if lose != "index" else ("",):
        (data / f"index.sqlite3{suffix}").unlink(missing_ok=True)
    if lose == "emptied":
        (data / "index.sqlite3").write_bytes(b"")
    proc = replay(data, "sessions", "--json", check=True)
    assert segment_files(data) == files
    assert json.loads(proc.stdout) == before
    assert before[0]["id"] == sid and before[0]["user_id"] == "ann@example.com"
    assert before[0]["error_count"] == 1 and before[0]["view_count"] == 4
    assert "rebuilt the index rows of 1 session from their segment files" in proc.stderr


# --- 5. a damaged index ----------------------------------------------------------------
def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


def _truncated(path: Path) -> None:
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])


def _scribbled(path: Path) -> None:   # the header page is sound, the tables are not
    blob = bytearray(path.read_bytes())
    for i in range(4096, len(blob), 7):
        blob[i] = 0xA5
    path.write_bytes(bytes(blob))


@pytest.mark.parametrize("damage", [_garbage, _truncated, _scribbled],
                         ids=["garbage", "truncated", "scribbled"])
def test_15_5_a_damaged_index_is_one_line_naming_repair_which_rebuilds_it(tmp_path, damage):
    data = tmp_path / "d"
    for k in range(3):   # a few sessions: an index of several pages
        imported(tmp_path, data, [dict(e, timestamp=e["timestamp"] + k * 10**8)
                                  for e in recording(3, user=f"user{k}")])
    before = json.loads(replay(data, "sessions", "--json", check=True).stdout)
    files = segment_files(data)
    assert not (data / "index.sqlite3-wal").exists()   # checkpointed: all in the file
    damage(data / "index.sqlite3")
    damaged = (data / "index.sqlite3").read_bytes()
    for argv in (["sessions"], ["sessions", "--json"], ["export", before[0]["id"], "-o",
                                                         tmp_path / "x.json"],
                 ["audit", "--all"], ["import", tmp_path / "rec.json"]):
        proc = replay(data, *argv)
        assert proc.returncode == 2, (argv, proc.stderr)
        assert "Traceback" not in proc.stderr
        (line,) = proc.stderr.splitlines()
        assert line.startswith("replay: error: the index ") and " is damaged (" in line
        assert f"replay --data {data} repair" in line
        assert segment_files(data) == files
        assert (data / "index.sqlite3").read_bytes() == damaged   # nothing changed
    proc = replay(data, "repair", check=True)
    # said once, in the report (a warning on stderr said it again, and the rebuild too)
    assert "the index was damaged (" in proc.stdout and "): set aside as" in proc.stdout
    assert "3 sessions rebuilt" in proc.stdout
    assert "set aside" not in proc.stderr and "rebuilt" not in proc.stderr, proc.stderr
    kept = list(data.glob("index.sqlite3.damaged-*"))
    assert [p.read_bytes() for p in kept if p.name.count("-") == 2] == [damaged]
    assert json.loads(replay(data, "sessions", "--json", check=True).stdout) == before
    assert segment_files(data) == files
    again = replay(data, "repair", check=True)
    assert "0 sessions rebuilt from their segment files, 3 already right" in again.stdout


def test_15_5_repair_names_the_session_a_damaged_segment_took_events_from(tmp_path):
    """A segment file that fails its checksum is set aside, and the report says whose it
    was and that its events are lost - not "no session uses it"."""
    data = tmp_path / "d"
    sid = imported(tmp_path, data, recording(4))
    (before,) = json.loads(replay(data, "sessions", "--json", check=True).stdout)
    files = sorted(segment_files(data))
    assert len(files) >= 3
    victim = data / files[1]
    blob = bytearray(victim.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    victim.write_bytes(bytes(blob))
    proc = replay(data, "repair", check=True)
    assert f"rebuilt\t{sid}\t(without 1 damaged segment file: the events in it are lost)" \
        in proc.stdout.splitlines(), proc.stdout
    assert "(s)" not in proc.stdout + proc.stderr   # one or several, said as such
    assert f"set aside\tunreferenced/{files[1]}\t(damaged: it does not decode; session {sid}" \
        " was rebuilt without its events)" in proc.stdout.splitlines(), proc.stdout
    assert "no session uses it" not in proc.stdout
    (after,) = json.loads(replay(data, "sessions", "--json", check=True).stdout)
    assert after["id"] == sid and 0 < after["record_count"] < before["record_count"]
    report = json.loads(replay(data, "repair", "--json", check=True).stdout)
    assert report["rebuilt"] == [] and report["damaged"] == {}   # done: nothing left to say


def test_15_5_repair_names_the_session_a_segment_file_deleted_by_hand_took_events_from(
        tmp_path):
    """A segment file removed by hand: repair said only "rebuilt", and `--json`'s `missing`
    was empty - asked after the rebuild had left the session's rows without the file (a
    newcomer's). The report names it, the session's line says its events are lost."""
    data = tmp_path / "d"
    sid = imported(tmp_path, data, recording(4))
    (before,) = json.loads(replay(data, "sessions", "--json", check=True).stdout)
    files = sorted(segment_files(data))
    (data / files[1]).unlink()
    # before the repair, a reader says what it could not read, in words (it said Python's
    # `[Errno 2] ... PosixPath(...)`, and devtools "no errors" of what it had not read)
    proc = replay(data, "devtools", sid, "--tab", "console", check=True)
    assert proc.stdout.splitlines()[0].endswith("; 1 missing segment file of it could not be"
                                                " read")
    proc = replay(data, "export", sid, "-o", tmp_path / "cut.json", check=True)
    assert f"replay: warning: 1 missing segment file of {sid} was left out" in proc.stderr
    proc = replay(data, "screenshot", sid, "--at", "9:00", "-o", tmp_path / "x.png")
    assert proc.returncode == 2 and "; 1 missing segment file of this recording could not be" \
        " read" in proc.stderr, proc.stderr
    assert f"({files[1]}) skipped: its file is missing - `replay repair` says what is lost" \
        in proc.stderr and "Errno" not in proc.stderr and "Path(" not in proc.stderr
    report = json.loads(replay(data, "repair", "--json", check=True).stdout)
    assert report["rebuilt"] == [sid] and report["missing"] == [sid]
    assert report["missing_files"] == {files[1]: sid}
    (after,) = json.loads(replay(data, "sessions", "--json", check=True).stdout)
    assert 0 < after["record_count"] < before["record_count"]
    (data / files[2]).unlink()   # the words, on another
    proc = replay(data, "repair", check=True)
    assert f"rebuilt\t{sid}\t(without 1 missing segment file: the events in it are lost)" \
        in proc.stdout.splitlines(), proc.stdout
    again = json.loads(replay(data, "repair", "--json", check=True).stdout)
    assert again["missing"] == [] and again["rebuilt"] == []   # done: nothing left to say


def test_15_5_repair_says_which_session_has_no_readable_segment_left(tmp_path):
    """The only segment file of a session damaged: repair counted the others as right and
    said nothing of it, though `audit` sent the person there."""
    data = tmp_path / "d"
    sid = imported(tmp_path, data, recording(1))
    (victim,) = segment_files(data)
    blob = bytearray((data / victim).read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    (data / victim).write_bytes(bytes(blob))
    proc = replay(data, "repair", check=True)
    assert f"unreadable\t{sid}\t(no segment of it decodes: it stays listed and shows nothing;" \
        f" `replay delete {sid}` erases it)" in proc.stdout.splitlines(), proc.stdout
    report = json.loads(replay(data, "repair", "--json", check=True).stdout)
    assert report["unreadable_sessions"] == [sid] and report["unchanged"] == 0
    assert (data / victim).read_bytes() == bytes(blob)   # where it was, as it was
    assert replay(data, "delete", sid, "--yes", check=True).returncode == 0
    assert not (data / victim).exists()


@pytest.mark.parametrize("command", [["export", "-o", "{out}.json"], ["export", "-o", "{out}.replay"],
                                     ["export", "-o", "{out}.har"], ["snapshot", "-o", "{out}.html"]])
def test_15_5_a_session_with_nothing_readable_is_said_not_written_empty(tmp_path, command):
    """Every segment of a session damaged: an export once wrote `[]` (a bundle of no segment,
    a HAR of no request, an empty page) and exited 0. One line, exit 2, no file."""
    data = tmp_path / "d"
    sid = imported(tmp_path, data, recording(1))
    for f in segment_files(data):
        victim = data / f
        blob = bytearray(victim.read_bytes())
        blob[len(blob) // 2] ^= 0xFF
        victim.write_bytes(bytes(blob))
    out = tmp_path / "out"
    proc = replay(data, *[a.format(out=out) for a in command[:1]], sid,
                  *[a.format(out=out) for a in command[1:]])
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"nothing of {sid} can be read" in lines[0], proc.stderr
    assert not list(tmp_path.glob("out.*"))


# --- 6. an export racing a rewrite -----------------------------------------------------
_EXPORTER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from app.cli import main
    data, sid, out, stop = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
    n = 0
    while True:
        last = stop.exists()
        code = main(["--data", data, "export", sid, "--format", "rrweb",
                     "-o", str(out / f"{n:05d}.json")])
        if code:
            sys.exit(code)
        n += 1
        if n == 1:
            (out / "started").touch()
        if last:
            break
""")

_MASKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from app.cli import main
    data, sid, started, rules = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4:]
    while not started.exists():
        time.sleep(0.01)
    for r in rules:
        if main(["--data", data, "mask", "--rules", r, sid]):
            sys.exit(1)
""")


def test_15_6_an_export_during_replay_mask_is_the_old_or_the_new_session_never_a_mix(
        tmp_path, capsys):
    """Each `replay mask` run masks one more class of paragraph on every page, so each
    run stores a new version. Every export taken while they run must be one of them."""
    steps = [rules(tmp_path / f"r{c}.toml", *(f".c{i}" for i in range(1, c + 1)))
             for c in range(1, CLASSES + 1)]
    # the versions, made one after another in a folder of their own
    ref = tmp_path / "ref"
    sid = imported(tmp_path, ref, recording())
    versions = []
    for r in [None, *steps]:
        if r is not None:
            assert main(["--data", str(ref), "mask", "--rules", str(r), sid]) == 0
        out = tmp_path / "v.json"
        assert main(["--data", str(ref), "export", sid, "-o", str(out), "--overwrite"]) == 0
        versions.append(out.read_text())
    capsys.readouterr()
    assert len(set(versions)) == len(versions)
    # the race, between two processes
    data = tmp_path / "d"
    assert imported(tmp_path, data, recording()) == sid
    exports, stop = tmp_path / "exports", tmp_path / "stop"
    exports.mkdir()
    exporter = subprocess.Popen([sys.executable, "-c", _EXPORTER, str(data), sid, str(exports),
                                 str(stop)], cwd=REPO, stderr=subprocess.PIPE, text=True)
    masker = subprocess.run([sys.executable, "-c", _MASKER, str(data), sid,
                             str(exports / "started"), *map(str, steps)], cwd=REPO,
                            capture_output=True, text=True)
    stop.touch()
    _, err = exporter.communicate(timeout=600)
    assert masker.returncode == 0, masker.stderr
    assert exporter.returncode == 0, err
    assert "damaged segment" not in err
    seen = [p.read_text() for p in sorted(exports.glob("*.json"))]
    assert all(s in versions for s in seen)   # each export whole: no mix, no truncation
    assert seen[0] == versions[0] and seen[-1] == versions[-1]


# --- 7. one bad import ----------------------------------------------------------------
@pytest.mark.parametrize("bad, code", [
    ({"timestamp": YEAR_33714_MS}, "timestamp_out_of_range"),
    ({"type": 4, "data": {"href": "https://shop.example/", "width": 100_000, "height": 800}},
     "viewport_size"),
    ({"type": 3, "data": {"source": 4, "width": 1280, "height": -5}}, "viewport_size"),
])
def test_15_7_an_import_with_an_insane_timestamp_or_viewport_is_refused_by_name(
        tmp_path, bad, code):
    data = tmp_path / "d"
    good = imported(tmp_path, data, recording(2))
    events = recording(3)
    events = [dict(e, timestamp=e["timestamp"] + 10**8) for e in events]
    events[50] = {**events[50], **bad}     # a pointer move on the second page
    proc = replay(data, "import", write_json(tmp_path / "bad.json", events))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"limit {code}" in proc.stderr and "nothing stored" in proc.stderr
    assert [s["id"] for s in json.loads(replay(data, "sessions", "--json",
                                               check=True).stdout)] == [good]


def _stored_by_an_older_version(data: Path, events: list[dict], **limits) -> str:
    with Store.open(data, limits=Limits(**limits)) as s:
        (sid,) = s.ingest(events)
    return sid


def test_15_7_sessions_lists_a_store_holding_a_year_33714_timestamp(tmp_path):
    data = tmp_path / "d"
    good = imported(tmp_path, data, recording(2))
    bad = _stored_by_an_older_version(
        data, [{"type": 4, "timestamp": YEAR_33714_MS,
                "data": {"href": "https://x.example/", "width": 800, "height": 600}}],
        max_future_ms=1 << 62)
    table = replay(data, "sessions", check=True)
    assert good[:8] in table.stdout and bad[:8] in table.stdout
    rows = json.loads(replay(data, "sessions", "--json", check=True).stdout)
    assert {r["id"] for r in rows} == {good, bad}


def test_15_7_the_player_survives_a_stored_100000_px_viewport(tmp_path):
    data = tmp_path / "d"
    sid = _stored_by_an_older_version(data, recording(1, width=100_000, height=100_000),
                                      max_viewport_px=1 << 62)
    # the player as a support engineer opens it (a picture of the page alone at one to one
    # is 8,192 px a side, the view's limit: 30 s of painting and grabbing, no other path)
    out = tmp_path / "frame.png"
    proc = replay(data, "screenshot", sid, "--at", "500", "--player", "-o", out)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    png = out.read_bytes()
    assert png.startswith(b"\x89PNG")
    assert int.from_bytes(png[16:20], "big") == PLAYER_SIZE[0]   # IHDR's width


def test_an_export_of_a_damaged_session_counts_what_it_left_out(tmp_path):
    """It said "1 damaged segment(s) ... were left out" where every other line counts (a
    snapshot's warning, worded alike, too)."""
    data = tmp_path / "d"
    sid = imported(tmp_path, data, recording(4))
    victim = data / sorted(segment_files(data))[1]
    blob = bytearray(victim.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    victim.write_bytes(bytes(blob))
    out = tmp_path / "x.json"
    err = replay(data, "export", sid, "-o", str(out), check=True).stderr
    assert f"replay: warning: 1 damaged segment of {sid} was left out" in err, err
