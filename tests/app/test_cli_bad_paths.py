"""The paths people get wrong - a folder, an empty or cut-off file, an output folder that
does not exist - give one clear line saying what and what to do, exit status 2, no
traceback; and the commands that read one recording take `--at` the same way."""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import UserError, main
from app.commands._source import resolve_moment


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo_file(tmp_path, demo_events) -> Path:
    f = tmp_path / "demo.json"
    f.write_text(json.dumps(demo_events))
    return f


def _one_clear_line(code: int, err: str) -> str:
    assert code == 2
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("replay: error: "), err
    return lines[0]


def test_a_folder_is_named_as_a_folder(tmp_path, capsys):
    folder = tmp_path / "recordings"
    folder.mkdir()
    for cmd in (["import", folder], ["snapshot", folder, "--at", "0"],
                ["export", folder, "-o", tmp_path / "x.json"]):
        line = _one_clear_line(*run(capsys, "--data", tmp_path / "d", *cmd)[::2])
        assert f"{folder} is a folder" in line and "no such file" not in line, line
    # and refused without making a data folder (one was made, then the folder refused)
    assert not (tmp_path / "d").exists()


def test_a_device_or_a_pipe_is_named_as_one(tmp_path, capsys, demo_file):
    """`replay import /dev/null` said "no such file", and devtools on a pipe "no session
    'ff'" (a newcomer's): each is something there, but not a file to read."""
    pipe = tmp_path / "ff"
    os.mkfifo(pipe)
    run(capsys, "--data", tmp_path / "d", "import", demo_file)
    for thing in (Path(os.devnull), pipe):
        for cmd in (["import", thing], ["devtools", thing],
                    ["export", thing, "-o", tmp_path / "x.json"]):
            line = _one_clear_line(*run(capsys, "--data", tmp_path / "d", *cmd)[::2])
            assert f"{thing} is not a file (a device, a pipe or a socket)" in line, line
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("argv", [
    ["sessions"], ["import", "{demo}"], ["repair"], ["app", "list"], ["app", "create", "shop"],
    ["audit", "--all"], ["delete", "--user", "ada"], ["export", "ada-checkout", "-o", "{out}"],
    ["serve", "--port", "1"], [],   # (no command: the desktop app, told before any window)
], ids=lambda a: " ".join(a[:2]) or "app")
def test_a_data_folder_that_is_a_file_is_named_as_one(tmp_path, capsys, demo_file, argv):
    """Every command says the same of a --data that is a file (not that there is no folder,
    nor to import into it, nor a 'File exists' from deep down), and leaves it as it was."""
    data = tmp_path / "sessions.json"
    data.write_text("[]")
    argv = [a.format(demo=demo_file, out=tmp_path / "o.json") for a in argv]
    line = _one_clear_line(*run(capsys, "--data", data, *argv)[::2])
    assert line.endswith(f"{data} is not a folder - give the data folder with --data"), line
    assert data.read_text() == "[]"


@pytest.mark.parametrize("argv", [
    ["sessions"], ["audit", "--all"], ["delete", "--user", "ada", "--yes"],
    ["mask", "--all", "--dry-run"], ["devtools", "ada-checkout"],
    ["export", "ada-checkout", "-o", "{out}"], ["assets", "list", "ada-checkout"],
], ids=lambda a: " ".join(a[:2]))
def test_a_folder_of_other_things_is_not_made_a_data_folder(tmp_path, capsys, argv):
    """A --data mistyped to a folder of other files (a project's, Downloads): a command that
    only reads wrote its index there and said it held no session - `audit --all` that it
    found nothing (a newcomer's tryout). Each says it is no data folder, and writes nothing.
    A data folder holding only an application (`replay app create`) is one."""
    data = tmp_path / "project"
    data.mkdir()
    (data / "notes.txt").write_text("mine")
    argv = [a.format(out=tmp_path / "o.json") for a in argv]
    line = _one_clear_line(*run(capsys, "--data", data, *argv)[::2])
    assert line.startswith(f"replay: error: {data} is not a data folder"), line
    assert sorted(p.name for p in data.iterdir()) == ["notes.txt"]
    assert not (tmp_path / "o.json").exists()
    app_only = tmp_path / "app-only"
    assert run(capsys, "--data", app_only, "app", "create", "shop")[0] == 0
    assert run(capsys, "--data", app_only, "sessions")[0] == 0
    # a new folder a file manager or a disk marked is empty still (a reviewer's)
    marked = tmp_path / "marked"
    marked.mkdir()
    for junk in (".DS_Store", "Thumbs.db"):
        (marked / junk).write_bytes(b"")
    assert run(capsys, "--data", marked, "sessions")[0] == 0


def test_a_data_folder_left_with_its_rules_history_only_is_one(tmp_path, capsys):
    """Rules made active (`mask --activate`), then `rules.toml` removed by hand: what is left,
    the rules' saved revisions, is replay's - it was refused as a folder of other things."""
    rules = tmp_path / "strict.toml"
    rules.write_text('default = "mask"\n')
    history = tmp_path / "history-only"
    assert run(capsys, "--data", history, "mask", "--all", "--rules", rules, "--activate",
               "--yes")[0] == 0
    (history / "rules.toml").unlink()
    assert sorted(p.name for p in history.iterdir()) == ["rules-history"]
    assert run(capsys, "--data", history, "sessions")[0] == 0


def test_what_makes_data_folders_makes_none_of_other_things_and_import_says_it_made_one(
        tmp_path, capsys, demo_file):
    """A newcomer's: `import --data` a folder of other files wrote the index, id key and
    segments among them without a word, and a mistyped new folder was made as silently."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "notes.txt").write_text("mine")
    loose = tmp_path / "loose.toml"
    loose.write_text('default = "allow"\n')
    for argv in (["import", demo_file], ["app", "create", "shop"],
                 ["serve", "--demo", "--port", "1"],   # (each refused before it would listen)
                 ["serve", "--rules", loose, "--port", "1"]):   # (one line: no rules warning)
        line = _one_clear_line(*run(capsys, "--data", project, *argv)[::2])
        assert line.startswith(f"replay: error: {project} is not a data folder"), line
        # (a new folder is a data folder for what makes one; not for serve without --demo)
        assert ("or a new or empty folder" in line) == ("--rules" not in argv), line
    assert sorted(p.name for p in project.iterdir()) == ["notes.txt"]
    typo = tmp_path / "sesions"
    code, out, err = run(capsys, "--data", typo, "import", demo_file)
    assert code == 0 and out.strip(), err
    assert err.strip() == f"replay: note: created a new data folder at {typo.resolve()} - the" \
        " sessions imported are there", err
    code, _, err = run(capsys, "--data", typo, "import", demo_file)   # made: not said again
    assert code == 0 and "created" not in err, err
    # ... a mistyped REPLAY_DATA the same (only the platform's own folder goes unsaid)
    env = dict(os.environ, REPLAY_DATA=str(tmp_path / "from-env"))
    p = subprocess.run([sys.executable, "-m", "app", "import", str(demo_file)], env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stderr.strip() == "replay: note: created a new data folder" \
        f" at {(tmp_path / 'from-env').resolve()} - the sessions imported are there", p.stderr
    # one that stores nothing says its error alone (one line), as before
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2, oops")
    _one_clear_line(*run(capsys, "--data", tmp_path / "new", "import", bad)[::2])


def test_a_folder_of_other_things_still_reads_files_and_the_demo(tmp_path, capsys):
    """What needs no data folder is read all the same: the demo, a file - and a path to
    nothing is said to be one (a reviewer's: both were refused as no data folder)."""
    data = tmp_path / "project"
    data.mkdir()
    (data / "notes.txt").write_text("mine")
    out = tmp_path / "demo.json"
    assert run(capsys, "--data", data, "export", "demo", "-o", out)[0] == 0 and out.is_file()
    line = _one_clear_line(*run(capsys, "--data", data, "export", tmp_path / "none.json",
                                "-o", tmp_path / "o.json")[::2])
    assert "none.json: no such file" in line, line
    line = _one_clear_line(*run(capsys, "--data", data, "export", tmp_path, "-o",
                                tmp_path / "o.json")[::2])
    assert f"{tmp_path} is a folder" in line, line
    assert sorted(p.name for p in data.iterdir()) == ["notes.txt"]


def test_record_mode_refuses_a_data_folder_that_is_a_file_before_anything_is_recorded(tmp_path):
    data = tmp_path / "sessions.json"
    data.write_text("[]")
    p = subprocess.run([sys.executable, "-m", "app.record", "--data", str(data)],
                       capture_output=True, text=True, timeout=120,
                       env={**os.environ, "DISPLAY": ":0"})
    assert p.returncode == 2 and p.stderr.strip() == (
        f"python -m app.record: error: {data} is not a folder - give the data folder with --data")


def test_empty_and_cut_off_files(tmp_path, capsys, caplog, demo_file):
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"  \n")
    cut = tmp_path / "cut.json"
    cut.write_bytes(demo_file.read_bytes()[:5000])
    line = _one_clear_line(*run(capsys, "--data", tmp_path / "d", "import", empty)[::2])
    # (nothing in it to fix: the whole file is another copy)
    assert "empty" in line and "copy or export it again" in line and "fix the file" not in line
    line = _one_clear_line(*run(capsys, "--data", tmp_path / "d", "snapshot", empty)[::2])
    assert "the file is empty" in line and "copy or export it again" in line
    line = _one_clear_line(*run(capsys, "--data", tmp_path / "d", "import", cut)[::2])
    assert line.count(str(cut)) == 1, "the file is named once"
    assert "breaks off after" in line and "--partial" in line, line
    assert not (tmp_path / "d" / "index.sqlite3").exists() or json.loads(
        run(capsys, "--data", tmp_path / "d", "sessions", "--json")[1]) == []
    # a file cut off is still a recording: read (not stored) up to the damage on request -
    # it said "give a session id (or unique prefix), a .replay bundle or an rrweb JSON file"
    line = _one_clear_line(*run(capsys, "--data", tmp_path / "d", "snapshot", cut, "--at",
                                "end", "-o", tmp_path / "cut.html")[::2])
    assert line.endswith("- get an intact copy, or add --partial to read what decodes"), line
    assert "session id" not in line and not (tmp_path / "cut.html").exists()
    rc, _, err = run(capsys, "--data", tmp_path / "d", "snapshot", cut, "--partial", "--at",
                     "end", "-o", tmp_path / "cut.html")
    assert rc == 0 and (tmp_path / "cut.html").is_file(), err
    assert f"{cut}: the JSON array breaks off after" in caplog.text   # (a warning on stderr)


def test_outputs_that_cannot_be_written(tmp_path, capsys, demo_file):
    data = tmp_path / "d"
    missing = tmp_path / "no" / "such" / "folder"
    for cmd, name in ((["export", demo_file, "-o"], "x.json"),
                      (["export", demo_file, "--format", "replay", "-o"], "x.replay"),
                      (["snapshot", demo_file, "--at", "100", "-o"], "x.html")):
        line = _one_clear_line(*run(capsys, "--data", data, *cmd, missing / name)[::2])
        assert f"the folder {missing} does not exist" in line
        # a file where the folder should be is named as one (it "did not exist")
        line = _one_clear_line(*run(capsys, "--data", data, *cmd, demo_file / name)[::2])
        assert f"{demo_file} is a file, not a folder" in line, line
        line = _one_clear_line(*run(capsys, "--data", data, *cmd, tmp_path)[::2])
        assert f"{tmp_path} is a folder" in line and "give a file name" in line
        with pytest.raises(SystemExit) as stop:   # `-o ''`: once ". is a folder"
            main(["--data", str(data), *map(str, cmd), ""])
        (line,) = capsys.readouterr()[1].strip().splitlines()   # argparse's own one line
        assert stop.value.code == 2 and "argument -o/--output: an empty name - give the file" \
            " to write" in line, line
        # a name ending with a slash names a folder: Path dropped the slash, and `-o a.json/`
        # overwrote a.json, `-o out/clips/` wrote a file named `clips` (a newcomer's tryout)
        kept = tmp_path / name
        kept.write_text("kept")
        for slashed in (f"{kept}/", f"{tmp_path / 'clips'}/"):
            with pytest.raises(SystemExit) as stop:
                main(["--data", str(data), *map(str, cmd), slashed])
            (line,) = capsys.readouterr()[1].strip().splitlines()
            assert stop.value.code == 2 and f"argument -o/--output: {slashed} names a folder" \
                in line, line
        assert kept.read_text() == "kept" and not (tmp_path / "clips").exists()
    assert not missing.exists()
    assert not list(tmp_path.glob("*.tmp"))


@pytest.fixture
def closed_folder(tmp_path):
    """A folder that refuses new files - to root too (which passes permission bits): made
    immutable (`chattr +i`) when running as root, read-only otherwise."""
    folder = tmp_path / "closed"
    folder.mkdir()
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
            pytest.skip("chattr +i is not allowed here (no CAP_LINUX_IMMUTABLE)")
        yield folder
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)


def test_an_output_folder_that_refuses_files_is_found_before_any_work(tmp_path, capsys,
                                                                      demo_file, closed_folder):
    """A clip learnt it could not write its folder only after painting every frame, and a
    text export named its FILE.tmp: each output is refused at once, by the name given."""
    data = tmp_path / "d"
    for cmd, name in ((["export", demo_file, "-o"], "x.json"),
                      (["export", demo_file, "--format", "replay", "-o"], "x.replay"),
                      (["export", demo_file, "--to", "1s", "-o"], "x.gif"),
                      (["screenshot", demo_file, "--at", "1s", "-o"], "x.png"),
                      (["snapshot", demo_file, "--at", "100", "-o"], "x.html"),
                      (["mask", demo_file, "-o"], "x.replay")):
        line = _one_clear_line(*run(capsys, "--data", data, *cmd, closed_folder / name)[::2])
        assert line.startswith(f"replay: error: {closed_folder / name} cannot be written: the"
                               f" folder {closed_folder} refuses new files"), line
        assert ".tmp" not in line and ".probe" not in line
    assert not list(closed_folder.iterdir())


def test_outputs_the_probe_must_not_refuse(tmp_path, capsys, demo_file):
    """The folder probe refused what worked before (a review): a file name near the file
    system's limit (the probe's own name was longer) and an output that is there to write
    (/dev/stdout)."""
    long = tmp_path / ("a" * 240 + ".har")   # 244 bytes: FILE.tmp is 248, under 255
    code, _, err = run(capsys, "--data", tmp_path / "d", "export", demo_file, "-o", long)
    assert code == 0 and long.is_file(), err
    code, out, err = run(capsys, "--data", tmp_path / "d", "snapshot", demo_file, "--at", "100",
                         "-o", "/dev/stdout")
    assert code == 0 and "Traceback" not in err, err


def test_an_output_that_is_the_recording_read_is_refused(tmp_path, capsys, demo_file):
    """`-o` naming the file being read (by another path too) would destroy it: refused in
    one line, the file as it was."""
    data = tmp_path / "d"
    before = demo_file.read_bytes()
    other_path = tmp_path / "." / demo_file.name
    for cmd in (["export", demo_file, "-o", demo_file],
                ["export", demo_file, "--format", "rrweb", "-o", other_path],
                ["snapshot", demo_file, "--at", "100", "-o", demo_file],
                ["mask", demo_file, "-o", demo_file]):
        line = _one_clear_line(*run(capsys, "--data", data, *cmd)[::2])
        assert "is the recording being read" in line, line
        assert demo_file.read_bytes() == before
    line = _one_clear_line(*run(capsys, "--data", data, "snapshot", demo_file, "--at", "100",
                                "-o", tmp_path / "moment.png")[::2])
    assert "replay screenshot" in line and not (tmp_path / "moment.png").exists()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_a_write_the_system_refuses_is_an_error_not_a_traceback(tmp_path, capsys, demo_file):
    line = _one_clear_line(*run(capsys, "--data", tmp_path / "d", "snapshot", demo_file,
                                "-o", "/proc/replay-cannot-write-here.html")[::2])
    assert line.startswith("replay: error: /proc/replay-cannot-write-here.html cannot be"
                           " written: the folder /proc refuses new files"), line


def test_a_moment_before_the_start_is_said_as_such_where_it_is_written_as_an_option(
        tmp_path, capsys, demo_file):
    """`--at -5s` was argparse's "--at: expected one argument" (a word starting with '-' is
    an option to it), where `--at=-5s` named the session's range."""
    for argv, flag in ((["snapshot", demo_file, "--at", "-5s", "-o", tmp_path / "s.html"], "--at"),
                       (["screenshot", demo_file, "--at", "-0.5s", "-o", tmp_path / "s.png"], "--at"),
                       (["export", demo_file, "--from", "-2s", "--to", "3s", "-o",
                         tmp_path / "n.har"], "--from")):
        line = _one_clear_line(*run(capsys, "--data", tmp_path / "d", *argv)[::2])
        assert line.startswith(f"replay: error: {flag} -") and \
            "is outside the session: before the session starts - give 0.." in line, line
    assert not any(tmp_path.glob("s.*")) and not (tmp_path / "n.har").exists()
    # a word that is an option stays one: `--at --help` is not a moment
    with pytest.raises(SystemExit) as ended:
        run(capsys, "--data", tmp_path / "d", "snapshot", demo_file, "--at", "--json")
    assert ended.value.code == 2
    assert "argument --at: expected one argument" in capsys.readouterr().err


def test_at_is_read_the_same_way_everywhere():
    assert resolve_moment("end", 81080.0) == 81080.0
    assert resolve_moment(0.0, 81080.0) == 0.0
    with pytest.raises(UserError, match=r"outside the session: before the session starts"
                                        r" - give 0\.\.81080 ms \(0:00\.000 to 1:21\.080\) or 'end'"):
        resolve_moment(-1.0, 81080.0)
    # said on the player's clock too: `--at 1:02` was answered in milliseconds only
    with pytest.raises(UserError, match=r"--at 3720000 ms \(1:02:00\.000\) is outside the"
                                        r" session: after the session ends \(81080 ms\)"):
        resolve_moment(3720000.0, 81080.0)
    # a length that is no whole ms (some recorders write those) ends where it is shown to:
    # the range said is what is taken back (it said "to 0:10.949" and refused 0:10.949)
    with pytest.raises(UserError, match=r"give 0\.\.10949 ms \(0:00\.000 to 0:10\.949\)"):
        resolve_moment(11001.0, 10948.4)
    # ... and the length as the sessions' list shows it, to the second: `--at 1:09` of a
    # 68,790 ms session (listed 1:09) was refused as after its end (a support engineer's
    # tryout) - it is the end; a moment past that is not
    assert resolve_moment(69000.0, 68790.0) == 68790.0
    assert resolve_moment(11000.0, 10948.4) == 10948.4   # (listed 0:11)
    for past in (69001.0, 68999.0):   # (not the length shown: a moment past the end)
        with pytest.raises(UserError, match=r"after the session ends \(68790 ms\)"):
            resolve_moment(past, 68790.0)
    assert resolve_moment(10949.0, 10948.4) == 10948.4


def test_at_bug_is_the_bug_reports_moment_moved_by_an_offset_kept_in_the_session():
    from app.commands._source import BugMoment, moment
    assert moment("bug") == moment(" BUG ") == BugMoment(0.0)
    assert moment("bug-5s") == BugMoment(-5000.0) and moment("bug+1:00") == BugMoment(60000.0)
    assert moment("bug - 250ms") == BugMoment(-250.0)
    for bad in ("bug+", "bug5s", "bug--5s", "bug+end", "bugs"):
        with pytest.raises(argparse.ArgumentTypeError, match="is not a moment"):
            moment(bad)
    assert resolve_moment(BugMoment(), 81080.0, bug_ms=30500.0) == 30500.0
    assert resolve_moment(BugMoment(-2000.0), 81080.0, bug_ms=30500.0) == 28500.0
    # a window around a bug near an end stays in the session (a clip "from 5 s before")
    assert resolve_moment(BugMoment(-5000.0), 81080.0, flag="--from", bug_ms=3000.0) == 0.0
    assert resolve_moment(BugMoment(5000.0), 81080.0, flag="--to", bug_ms=80000.0) == 81080.0
    with pytest.raises(UserError, match=r"^--from bug: this recording carries no bug report"
                                        r" with a moment .* - give a moment: 62s, 1:02 or 'end'$"):
        resolve_moment(BugMoment(-5000.0), 81080.0, flag="--from")

def test_at_end_moved_by_an_offset_is_kept_in_the_session_and_said_when_moved(capsys):
    """A support engineer's tryout: "the last 5 s before they closed the tab" -
    `--from end-5s` - was "not a moment", where `bug-5s` and `error-5s` were taken."""
    from app.commands._source import EndMoment, moment
    assert moment("end") == "end" and moment("END-5s") == EndMoment(-5000.0)
    assert moment("end - 1:00") == EndMoment(-60000.0) and moment("end+1s") == EndMoment(1000.0)
    for bad in ("end-", "end5s", "end--5s", "ends"):
        with pytest.raises(argparse.ArgumentTypeError, match="is not a moment"):
            moment(bad)
    assert resolve_moment(EndMoment(-5000.0), 81080.0, flag="--from") == 76080.0
    assert capsys.readouterr().err == ""
    assert resolve_moment(EndMoment(-90000.0), 81080.0, flag="--from") == 0.0
    assert resolve_moment(EndMoment(1000.0), 81080.0, flag="--to") == 81080.0
    assert capsys.readouterr().err.splitlines() == [
        "replay: note: --from end-90s is 8.9 s before the session's start: --from is its start",
        "replay: note: --to end+1s is 1.0 s past the session's end: --to is its end"]


def test_a_bug_past_what_decodes_is_the_end_said_whatever_its_offset(capsys):
    """`--at bug` was refused past a damaged recording's end while `bug-1ms` was silently
    moved there (a review): both are the end, said once, as `replay play` opens it."""
    from app.commands._source import BugMoment
    for offset in (0.0, -1.0, 1.0):
        assert resolve_moment(BugMoment(offset), 20000.0, "1 damaged segment",
                              bug_ms=30500.0) == 20000.0
        (line,) = capsys.readouterr().err.splitlines()
        assert line == ("replay: note: the bug's moment (0:30.5) is past what decodes of the"
                        " session (0:20.0: 1 damaged segment); --at bug is its end"), line


def test_screenshot_takes_at_end_and_says_whole_milliseconds(tmp_path, fixtures_dir):
    env = dict(os.environ, REPLAY_DATA=str(tmp_path / "data"))
    env.pop("DISPLAY", None)
    out = tmp_path / "end.png"
    p = subprocess.run([sys.executable, "-m", "app", "screenshot",
                        str(fixtures_dir / "rrweb-player-demo.json"), "--at", "end", "-o",
                        str(out), "--size", "640x400"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    # one line: what was written (not Chromium's notes about having no GPU or sandbox)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert re.fullmatch(rf"wrote \d+x\d+ frame at 1:21\.080 to {re.escape(str(out))}", lines[0])
    assert out.stat().st_size > 1000


def test_a_file_with_several_sessions_says_so_and_export_can_pick(tmp_path, capsys, demo_events):
    gap = demo_events[-1]["timestamp"] - demo_events[0]["timestamp"] + 20 * 60 * 1000
    two = tmp_path / "two.json"
    two.write_text(json.dumps(demo_events + [dict(e, timestamp=e["timestamp"] + gap)
                                             for e in demo_events]))
    out = tmp_path / "second.json"
    code, _, err = run(capsys, "--data", tmp_path / "d", "export", two, "--session-number", "1",
                       "-o", out)
    assert code == 0, err
    assert "holds 2 sessions; this is session 1" in err and "--session-number 0..1" in err
    marker, *second = json.loads(out.read_text())
    assert marker["data"]["tag"] == "replay/session"
    assert len(second) == len(demo_events)
    assert second[0]["timestamp"] == demo_events[0]["timestamp"] + gap
    code, _, err = run(capsys, "--data", tmp_path / "d", "snapshot", two, "--at", "100",
                       "--session-number", "5", "-o", tmp_path / "x.html")
    assert code == 2 and "holds 2 sessions, numbered 0 to 1: there is no session 5" in err
    # a bug bundle holds one: any other number is refused, not taken as 0 (a developer's
    # tryout: --session-number 2 of a bundle exported session 0)
    bundle = tmp_path / "bug.replay"
    assert run(capsys, "--data", tmp_path / "d", "export", two, "-o", bundle)[0] == 0
    code, _, err = run(capsys, "--data", tmp_path / "d", "snapshot", bundle,
                       "--session-number", "1", "-o", tmp_path / "y.html")
    assert code == 2 and "a bug bundle, which holds one session: there is no session 1" in err
    assert not (tmp_path / "y.html").exists()


def test_output_piped_into_a_reader_that_stops_early_is_not_an_error(tmp_path, fixtures_dir):
    # `replay export ... -o - | head -c 100`: the reader goes away; no error, no traceback
    p = subprocess.Popen([sys.executable, "-m", "app", "--data", str(tmp_path / "d"), "export",
                          str(fixtures_dir / "rrweb-player-demo.json"), "-o", "-"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.read(100)
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=60) == 0, err
    assert "Traceback" not in err and "error" not in err


@pytest.mark.parametrize("cmd", [["sessions"], ["audit", "--all"]])
def test_a_table_piped_into_a_reader_gone_already_is_not_an_error(tmp_path, fixtures_dir, cmd):
    """rich exits with status 1 on a broken pipe - for `audit`, "findings": the commands'
    tables end as any other write to a reader gone (`| head -1`), with 0."""
    data = tmp_path / "d"
    assert main(["--data", str(data), "import", str(fixtures_dir / "rrweb-player-demo.json")]) == 0
    p = subprocess.Popen([sys.executable, "-m", "app", "--data", str(data), *cmd],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=dict(os.environ, COLUMNS="120"))
    p.stdout.close()   # the reader is gone before the first line
    err = p.stderr.read().decode()
    assert p.wait(timeout=60) == 0, err
    assert "Traceback" not in err and "error" not in err


def test_a_range_error_mentions_damaged_segments():
    with pytest.raises(UserError, match=r"give 0\.\.0 ms \(0:00\.000 to 0:00\.000\) or 'end'; 2 damaged segments"):
        resolve_moment(30000.0, 0.0, unread="2 damaged segments")


def test_a_damaged_bundle_is_called_one(tmp_path, capsys, demo_file):
    data = tmp_path / "d"
    bundle = tmp_path / "s.replay"
    assert run(capsys, "--data", data, "export", demo_file, "-o", bundle)[0] == 0
    cut = tmp_path / "cut.replay"
    cut.write_bytes(bundle.read_bytes()[:3000])       # a transfer cut short
    for cmd in (["import", cut], ["snapshot", cut, "--at", "0"]):
        line = _one_clear_line(*run(capsys, "--data", data, *cmd)[::2])
        assert "not a readable .replay bundle, damaged or cut short" in line, line
        assert "JSON" not in line and "export it again" in line
        assert line.count(str(cut)) == 1
    assert json.loads(run(capsys, "--data", data, "sessions", "--json")[1]) == []
    # an rrweb JSON file that happens to be named .replay is still read as JSON
    named = tmp_path / "events.replay"
    named.write_bytes(demo_file.read_bytes())
    code, out, err = run(capsys, "--data", data, "import", named)
    assert code == 0 and len(out.split()) == 1, err


def test_export_refuses_a_suffix_it_does_not_write(tmp_path, capsys):
    # `-o bug.mp4` once wrote rrweb JSON into a file named .mp4 (it writes a video now)
    code, _, err = run(capsys, "--data", tmp_path / "d", "export", "demo", "-o", tmp_path / "bug.avi")
    assert code == 2 and "does not write .avi" in err and "--format" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "bug.avi").exists()
    code, _, _ = run(capsys, "--data", tmp_path / "d", "export", "demo", "--format", "rrweb",
                     "-o", tmp_path / "events.txt")
    assert code == 0 and (tmp_path / "events.txt").read_text().startswith("[")
    # --format against a suffix another format writes: a GIF went to a ticket as clip.mp4
    for fmt, name in (("gif", "clip.mp4"), ("rrweb", "net.har"), ("playwright", "bug.replay"),
                      ("replay", "bug.json"), ("playwright", "steps.json")):   # (JSON: 2 only)
        code, _, err = run(capsys, "--data", tmp_path / "d", "export", "demo", "--format", fmt,
                           "-o", tmp_path / name)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert f"--format {fmt} contradicts -o" in err and "leave --format out" in err, err
        assert not (tmp_path / name).exists()
    # or against a suffix of another kind: a GIF replaced the screenshot moment.png
    for fmt, name in (("gif", "moment.png"), ("rrweb", "page.html"), ("webp", "notes.txt")):
        (tmp_path / name).write_bytes(b"the person's own file")
        code, _, err = run(capsys, "--data", tmp_path / "d", "export", "demo", "--format", fmt,
                           "-o", tmp_path / name)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert f"--format {fmt} contradicts -o {tmp_path / name} (." in err, err
        assert err.rstrip().endswith(f"name it {Path(name).stem}.{'json' if fmt == 'rrweb' else fmt}")
        assert (tmp_path / name).read_bytes() == b"the person's own file"
    # a suffix of no known kind is the person's own naming
    code, _, err = run(capsys, "--data", tmp_path / "d", "export", "demo", "--format", "har",
                       "-o", tmp_path / "net.bak")
    assert code == 0 and json.loads((tmp_path / "net.bak").read_text())["log"]["entries"], err
    # .json holds HAR as well as rrweb
    code, _, err = run(capsys, "--data", tmp_path / "d", "export", "demo", "--format", "har",
                       "-o", tmp_path / "net.json")
    assert code == 0 and json.loads((tmp_path / "net.json").read_text())["log"]["entries"], err


def test_a_moment_from_the_bug_past_the_session_is_kept_in_and_said(tmp_path, capsys, demo_file):
    """`--at bug+60s` past the session's end was its end, silently, where `--at 99999` is
    refused (a developer's tryout): kept in - a range around the bug near an edge is wanted -
    and said."""
    bug = tmp_path / "bug.replay"
    assert run(capsys, "--data", tmp_path / "d", "export", demo_file, "-o", bug, "--title",
               "T", "--at", "30s")[0] == 0
    code, _, err = run(capsys, "--data", tmp_path / "d", "snapshot", bug, "--at", "bug+1:00",
                       "-o", tmp_path / "s.html", "--overwrite")
    assert code == 0 and "--at bug+60s is" in err and "past the session's end: --at is its" \
        " end" in err
    code, _, err = run(capsys, "--data", tmp_path / "d", "snapshot", bug, "--at", "bug-40s",
                       "-o", tmp_path / "s.html", "--overwrite")
    assert code == 0 and "--at bug-40s is 10.0 s before the session's start" in err
    code, _, err = run(capsys, "--data", tmp_path / "d", "snapshot", bug, "--at", "bug+1s",
                       "-o", tmp_path / "s.html", "--overwrite")
    assert code == 0 and "past" not in err and "before the session" not in err


def test_a_range_that_runs_backwards_says_its_moments_with_their_unit(tmp_path, capsys):
    """`--to 5000 is before --from 10000` gave no unit (a newcomer's), where every other
    moment is said in ms and as the player's clock shows it."""
    line = _one_clear_line(*run(capsys, "--data", tmp_path / "d", "export", "demo", "--from",
                                "10000", "--to", "5000", "-o", tmp_path / "x.gif")[::2])
    assert line.endswith("--to 5000 ms (0:05.0) is before --from 10000 ms (0:10.0) - give a"
                         " range that moves forward"), line
    assert not (tmp_path / "x.gif").exists()


def test_an_empty_range_is_refused_in_one_line(tmp_path, capsys):
    """`--from error --to error` wrote a one-frame clip of 0.1 s without a word (a QA's
    tryout): the same moment twice is refused, as a range that runs backwards is."""
    for start, end in (("error", "error"), ("10000", "10s")):
        line = _one_clear_line(*run(capsys, "--data", tmp_path / "d", "export", "demo", "--from",
                                    start, "--to", end, "-o", tmp_path / "x.gif")[::2])
        assert "--from and --to are the same moment" in line and line.endswith(
            "give a range that moves forward (error-2s to error+2s, say)"), line
        assert not (tmp_path / "x.gif").exists()


@pytest.mark.parametrize("argv", [[], ["record"]], ids=["the app", "record"])
def test_the_app_and_record_mode_make_no_data_folder_of_other_files(tmp_path, capsys, argv):
    """A QA engineer's tryout: `replay record --data` a folder of screenshots stored a session
    among them (its index, key and segments) without a word, and the app wrote its index
    there; both are refused before a window opens, as `replay import` refuses it."""
    shots = tmp_path / "shots"
    shots.mkdir()
    (shots / "bug.png").write_bytes(b"\x89PNG")
    line = _one_clear_line(*run(capsys, "--data", shots, *argv)[::2])
    assert line.startswith(f"replay: error: {shots} is not a data folder"), line
    assert "or a new or empty folder" in line, line
    assert sorted(p.name for p in shots.iterdir()) == ["bug.png"]


def test_an_output_file_that_exists_is_kept_unless_overwrite_is_given(tmp_path, capsys, demo_file,
                                                                    monkeypatch):
    """A second export to the same name replaced a finished bug bundle without a word (a QA
    engineer's tryout): every command that writes a file refuses one that exists - the given
    `-o`, or the name it would choose itself - in one line, exit 2, the file as it was;
    `--overwrite` replaces it."""
    data = tmp_path / "d"
    sid = run(capsys, "--data", data, "import", demo_file)[1].strip()
    for cmd, name in (("export", "bug.replay"), ("export", "requests.har"),
                      ("snapshot", "page.html"), ("screenshot", "frame.png"),
                      ("mask", "masked.json")):
        out = tmp_path / name
        out.write_bytes(b"a finished one")
        code, _, err = run(capsys, "--data", data, cmd, demo_file if cmd == "mask" else sid,
                           "-o", out, *(["--at", "0"] if cmd == "screenshot" else []))
        assert code == 2 and err.strip() == f"replay: error: {out} exists - give another" \
            " name, or add --overwrite to replace it", err
        assert out.read_bytes() == b"a finished one"
    bug = tmp_path / "bug.replay"
    code, _, err = run(capsys, "--data", data, "export", sid, "-o", bug, "--overwrite")
    assert code == 0 and bug.read_bytes().startswith(b"PK"), err   # (a bundle: a zip)
    # the name a command chooses itself (SESSION.json here) is kept as well
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "--data", data, "export", sid)[0] == 0
    chosen = tmp_path / f"{sid}.json"
    before = chosen.read_bytes()
    code, _, err = run(capsys, "--data", data, "export", sid)
    assert code == 2 and f"{sid}.json exists" in err and chosen.read_bytes() == before, err


@pytest.mark.parametrize("url", ["not a url", "two words"])
def test_record_mode_refuses_what_is_no_address(tmp_path, capsys, url):
    """`replay record 'not a url'` opened a window on a blank page, its address bar empty,
    nothing said (a QA engineer's tryout): refused before a window opens or a folder is made.
    (A bare host, `example.com`, is an address: http:// is put before it.)"""
    line = _one_clear_line(*run(capsys, "--data", tmp_path / "d", "record", url)[::2])
    assert line == f"replay: error: {url!r} is not a web address - give one like example.com," \
                   " http://localhost:8000/checkout or file:///path/page.html", line
    assert not (tmp_path / "d").exists()
    from app.record.page import page_address
    assert page_address("example.com").toString() == "http://example.com"
    assert page_address("localhost:8000/x").toString() == "http://localhost:8000/x"
