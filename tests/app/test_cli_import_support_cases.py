"""What a support engineer met importing customers' recordings (and copies of them edited by
hand): a bad entry is skipped naming it, a file that is no recording says what it is and
what to do, in one line, exit 2, nothing stored; a copy of a stored session is found again.
Small hand-made files from the demo recording, the CLI run in-process."""
from __future__ import annotations

import hashlib
import json
import logging
import zipfile
from pathlib import Path

import pytest

from app.cli import main


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(code: int, err: str) -> str:
    assert code == 2, err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("replay: error: "), err
    return lines[0]


def folder_state(data: Path) -> dict[str, str]:
    """Every file of a data folder and its content's digest (nothing changed: the same)."""
    if not data.exists():
        return {}
    return {str(p.relative_to(data)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(data.rglob("*")) if p.is_file() and "-wal" not in p.name
            and "-shm" not in p.name}


def sessions(capsys, data: Path) -> dict[str, dict]:
    code, out, _ = run(capsys, "--data", data, "sessions", "--json")
    assert code == 0
    return {s["id"]: s for s in json.loads(out)}


DEMO_ID = "8dda0c07-b950-47ec-a5ea-3d25746042bf"


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


# --- 1. a string in the events array ---------------------------------------------------
@pytest.mark.parametrize("shape", ["array", "object"])   # streamed / read whole
def test_a_string_entry_is_skipped_naming_it(capsys, caplog, tmp_path, demo_events, shape):
    events = list(demo_events)
    events.insert(100, "garbage")
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(events if shape == "array" else {"events": events}))
    data = tmp_path / "d"
    with caplog.at_level(logging.WARNING):
        code, out, err = run(capsys, "--data", data, "import", f)
    assert code == 0, err
    said = warnings_of(caplog)
    assert "skipping invalid event: event #100: a string that is neither an event nor an"\
        " rrweb packer string" in said, said
    assert out.split() == [DEMO_ID]
    assert sessions(capsys, data)[DEMO_ID]["record_count"] == len(demo_events)


def test_a_string_entry_is_skipped_when_opened(tmp_path, demo_events):
    """The app's File > Open and `replay play` read the file with the same readers."""
    from recorder.source import open_recording

    events = list(demo_events)
    events.insert(100, "garbage")
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(events))
    src = open_recording(f, tmp_path / "d")
    assert src.id == DEMO_ID and len(list(src.events())) == len(demo_events)


# --- 6. what the schema refuses, in plain words ------------------------------------------
def test_invalid_events_are_said_in_plain_words(capsys, caplog, tmp_path, demo_events):
    events = list(demo_events)
    k = next(i for i, e in enumerate(events) if e["type"] == 3 and e["data"]["source"] == 0)
    events[k] = dict(events[k], data=dict(events[k]["data"], adds="x"))
    events[k + 1:k + 3] = [42, None]
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(events))
    with caplog.at_level(logging.WARNING):
        code, _, err = run(capsys, "--data", tmp_path / "d", "import", f)
    assert code == 0, err
    said = "\n".join(warnings_of(caplog))
    assert f"event #{k}: type 3: data.adds is a string, not a list" in said, said
    assert f"event #{k + 1}: a number, not an event" in said, said
    assert f"event #{k + 2}: null, not an event" in said, said
    for words in ("Expected", "`", "$.", "NoneType", "got int"):
        assert words not in said, said
    # in the file's order (those broken in the envelope were said before the others)
    skipped = [w for w in warnings_of(caplog) if w.startswith("skipping invalid event")]
    assert [w.split(":")[1].strip() for w in skipped] == \
        [f"event #{k}", f"event #{k + 1}", f"event #{k + 2}"], skipped


# --- 7. files that are not recordings say what they are, and what to do -------------------
def _seg(fixtures_dir, tmp_path):
    f = tmp_path / "000000-abc.seg"
    f.write_bytes((fixtures_dir / "segment-columns-layout.seg").read_bytes())
    return f


ODD_FILES = [
    ("README.md", lambda d, t: b"# Checkout bug\n\nSteps: open the cart, pay.\n",
     ["this is a text file", "not a session recording"]),
    ("notes.txt", lambda d, t: "caf\u00e9 notes, one line".encode(), ["this is a text file"]),
    ("000000-abc.seg", lambda d, t: _seg(d, t).read_bytes(),
     ["a segment file of a data folder", "open the data folder with --data",
      "import the .replay bundle `replay export` writes"]),
    ("network.har", lambda d, t: json.dumps({"log": {"version": "1.2", "creator": {"name": "x"},
                                                     "entries": []}}, indent=2).encode(),
     # (it said how to make a HAR - `replay export SESSION -o x.har` - to someone holding one)
     ["a har network log", "network requests only", "use the recording itself",
      "rrweb json", ".replay bundle"]),
    # rrweb-player's own `events.js` (was "a text file (not JSON)": no word of the fix)
    ("events.js", lambda d, t: b"const events = " + (d / "rrweb-player-demo.json").read_bytes()
     + b";\n", ["this is javascript (`const events = [...]`), not json",
                 "remove `const events =` before the [...]",
                 "what is left is the recording's json"]),
    ("recording.js", lambda d, t: b"// from the demo\n/* v2 */\nwindow.replayEvents =\n  {\"a\": 1}",
     ["javascript (`window.replayevents = {...}`)", "remove `window.replayevents =`"]),
    ("empty.json", lambda d, t: b"", ["the file is empty", "copy or export it again"]),
    ("cut.json", lambda d, t: b'[{"type": 4, "timest',
     ["breaks off before its first whole event", "copy or export it again"]),
    # a rules file given to import instead of --rules, a project's settings, a git config:
    # their first `[section]` read as a JSON array cut short ("copy or export it again")
    ("rules.toml", lambda d, t: b'[[rule]]\nselector = "#card"\nlevel = "hidden"\n',
     ["this is a text file (not json), not a session recording"]),
    ("pyproject.toml", lambda d, t: b'[build-system]\nrequires = ["setuptools"]\n',
     ["this is a text file (not json)"]),
    ("config", lambda d, t: b'[remote "origin"]  # a comment\n\turl = git@example.com:x\n',
     ["this is a text file (not json)"]),
]


@pytest.mark.parametrize("name, content, words", ODD_FILES, ids=[c[0] for c in ODD_FILES])
def test_a_file_that_is_no_recording_says_what_it_is(capsys, tmp_path, fixtures_dir, name,
                                                     content, words):
    f = tmp_path / name
    f.write_bytes(content(fixtures_dir, tmp_path))
    data = tmp_path / "d"
    run(capsys, "--data", data, "import", fixtures_dir / "rrweb-player-demo.json")
    before = folder_state(data)
    line = one_error_line(*run(capsys, "--data", data, "import", f)[::2]).lower()
    for w in words:
        assert w in line, line
    for w in ("byte 0", "invalid character", "fix the file", "0 whole events",
              "expected a json array", "x.har", "--partial"):
        assert w not in line, line
    assert line.count(str(f).lower()) == 1
    assert not name.endswith(".js") or "a text file" not in line, line
    assert folder_state(data) == before


def test_values_that_are_no_events_then_damage_offer_no_partial(capsys, tmp_path, fixtures_dir):
    """A newcomer's: `[1, 2, oops` was "breaks off after 2 whole events ... add --partial",
    and --partial then said "none of its 2 events is an rrweb event". No recording to keep
    part of: both say so, and what is stored stays as it was (the streaming import's
    bookkeeping row comes and goes: the sessions and their files are compared)."""
    data = tmp_path / "d"
    run(capsys, "--data", data, "import", fixtures_dir / "rrweb-player-demo.json")
    listed = run(capsys, "--data", data, "sessions", "--json")[1]
    segments = folder_state(data / "segments")
    for content, words in ((b"[1, 2, oops", "2 whole events, and neither is"),
                           (b'[1, "x", {"a": 1}, oops', "3 whole events, and none of them is"),
                           (b'[{"kind": "click"}, oops', "1 whole event, and it is not")):
        f = tmp_path / "numbers.json"
        f.write_bytes(content)
        for partial in ([], ["--partial"]):
            line = one_error_line(*run(capsys, "--data", data, "import", f, *partial)[::2])
            assert f"breaks off after {words} an rrweb event" in line, line
            assert "not a session recording" in line and "--partial" not in line, line
    assert run(capsys, "--data", data, "sessions", "--json")[1] == listed
    assert folder_state(data / "segments") == segments
    # one event among them: a recording damaged part way, as before - as are events in the
    # shapes an array holds them in, read as the whole file is (a reviewer's: PostHog's
    # `$snapshot` events and rrweb packer's strings were refused, the file read whole)
    meta = {"type": 4, "timestamp": 1718000000000, "data": {"href": "x"}}
    for values in ([1, meta],
                   [{"event": "$snapshot", "timestamp": "2024-06-10T06:13:20Z", "properties": {
                       "$snapshot_data": meta, "$session_id": "s1", "$window_id": "w1"}}] * 2,
                   [json.dumps(meta), json.dumps({**meta, "timestamp": meta["timestamp"] + 1})]):
        f.write_text(json.dumps(values)[:-1] + ", oops")
        for argv in (["import", f], ["devtools", f]):   # (devtools: the whole-file reader)
            line = one_error_line(*run(capsys, "--data", data, *argv)[::2])
            assert "breaks off after 2 whole events" in line and "--partial" in line, line
            assert "not a session recording" not in line, line


# --- 3. a zip archive is no damaged bundle ------------------------------------------------
def test_a_zip_archive_holding_a_recording_is_said_as_such(capsys, tmp_path, fixtures_dir):
    archive = tmp_path / "from-customer.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.write(fixtures_dir / "rrweb-player-demo.json", "recording.json")
    cut = tmp_path / "cut.zip"
    cut.write_bytes(archive.read_bytes()[:400])
    data = tmp_path / "d"
    run(capsys, "--data", data, "import", fixtures_dir / "rrweb-player-demo.json")
    before = folder_state(data)
    for f, partial in ((archive, []), (archive, ["--partial"]), (cut, [])):
        line = one_error_line(*run(capsys, "--data", data, "import", f, *partial)[::2])
        assert "is a zip archive, not a .replay bundle" in line, line
        assert "unzip it and import the recording inside" in line, line
        if f is archive:   # no damaged bundle, no --partial to offer
            assert "manifest" not in line and "--partial" not in line \
                and "damaged" not in line, line
        assert line.count(str(f)) == 1, line
    line = one_error_line(*run(capsys, "--data", data, "snapshot", archive, "--at", "0")[::2])
    assert f"{archive} is a zip archive, not a .replay bundle" in line, line
    assert folder_state(data) == before


def test_a_cut_bundle_keeps_its_own_words_without_pythons(capsys, tmp_path, fixtures_dir):
    data = tmp_path / "d"
    bundle = tmp_path / "s.replay"
    assert run(capsys, "--data", data, "export", fixtures_dir / "rrweb-player-demo.json",
               "-o", bundle)[0] == 0
    cut = tmp_path / "cut.replay"
    cut.write_bytes(bundle.read_bytes()[:3000])
    line = one_error_line(*run(capsys, "--data", data, "import", cut)[::2])
    # (cut within its first segment: nothing decodes, so no --partial is offered)
    assert line.endswith("not a readable .replay bundle, damaged or cut short - copy or export"
                         " it again"), line
    assert "zip file" not in line and "zip archive" not in line and "(" not in \
        line.split("not imported - ")[1], line


# --- 5. the Sentry SDK's options event, stamped a few ms early ---------------------------
def _order_warnings(caplog) -> list[str]:
    return [w for w in warnings_of(caplog) if "earlier than an event before" in w]


def test_sentrys_options_event_is_no_disorder_real_disorder_is(capsys, caplog, tmp_path,
                                                              fixtures_dir):
    from recorder.rrweb_io import read_recordings

    with caplog.at_level(logging.WARNING):
        code, _, err = run(capsys, "--data", tmp_path / "d", "import",
                           fixtures_dir / "sentry-replay-segments.bin")
    assert code == 0, err
    assert _order_warnings(caplog) == []
    events = read_recordings(fixtures_dir / "sentry-replay-segments.bin")[0].events
    k = next(i for i, e in enumerate(events) if e["type"] == 5
             and e["data"]["tag"] == "options")
    assert events[k]["timestamp"] < events[k - 1]["timestamp"]   # (the SDK's habit)
    long_before = [dict(e, timestamp=e["timestamp"] - 5000) if i == k else e
                   for i, e in enumerate(events)]
    moved = list(events)
    moved[k + 2] = dict(moved[k + 2], timestamp=moved[k + 1]["timestamp"] - 4)
    for n, evs in enumerate((long_before, moved)):
        f = tmp_path / f"sentry-{n}.json"
        f.write_text(json.dumps(evs))
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            code, _, err = run(capsys, "--data", tmp_path / f"d{n}", "import", f)
        assert code == 0, err
        assert len(_order_warnings(caplog)) == 1, warnings_of(caplog)


# --- 2. an event without the recording's sessionId --------------------------------------
def _with_extra(demo_events, extra_type=99):
    last = demo_events[-1]["timestamp"]
    return list(demo_events) + [{"type": extra_type, "timestamp": last + 10,
                                 "data": {"tag": "support-note", "payload": {}}}]


@pytest.mark.parametrize("shape", ["array", "object"])   # streamed / read whole
@pytest.mark.parametrize("extra_type", [99, 5])
def test_an_event_without_the_session_id_keeps_the_session(capsys, tmp_path, demo_events,
                                                           shape, extra_type):
    """A copy of a customer's file with one extra event (no `sessionId`) is the same
    session: appended to it, then stored already - not a second session beside it."""
    data = tmp_path / "d"
    full = tmp_path / "full.json"
    full.write_text(json.dumps(demo_events))
    assert run(capsys, "--data", data, "import", full)[1].split() == [DEMO_ID]
    copy = tmp_path / "copy.json"
    events = _with_extra(demo_events, extra_type)
    copy.write_text(json.dumps(events if shape == "array" else {"events": events}))
    code, out, err = run(capsys, "--data", data, "import", copy)
    assert code == 0 and out.split() == [DEMO_ID], err
    assert f"{DEMO_ID}: already stored, appended 1 event" in err, err
    code, out, err = run(capsys, "--data", data, "import", copy)
    assert code == 0 and out.split() == [DEMO_ID], err
    assert f"{DEMO_ID}: already stored, nothing new" in err, err
    assert {sid: s["record_count"] for sid, s in sessions(capsys, data).items()} == \
        {DEMO_ID: len(demo_events) + 1}


@pytest.mark.parametrize("shape", ["array", "object"])
def test_the_copy_first_then_the_original(capsys, tmp_path, demo_events, shape):
    data = tmp_path / "d"
    copy = tmp_path / "copy.json"
    events = _with_extra(demo_events)
    copy.write_text(json.dumps(events if shape == "array" else {"events": events}))
    assert run(capsys, "--data", data, "import", copy)[1].split() == [DEMO_ID]
    full = tmp_path / "full.json"
    full.write_text(json.dumps(demo_events))
    code, out, err = run(capsys, "--data", data, "import", full)
    assert code == 0 and out.split() == [DEMO_ID], err
    assert "already stored, nothing new (the stored session holds these 272 events and 1" \
        " more)" in err, err
    assert list(sessions(capsys, data)) == [DEMO_ID]


@pytest.mark.parametrize("shape", ["array", "object"])
def test_a_copy_stored_under_its_old_hashed_id_is_found_again(capsys, tmp_path, demo_events,
                                                              shape):
    """Stored before (its id then a hash: not every event carried the sessionId), the same
    file again is that session, stored already - not a third one under the recorded id."""
    from recorder.sessions import hashed_session_id
    from recorder.store import Store

    data = tmp_path / "d"
    events = _with_extra(demo_events)
    old_id = hashed_session_id(events)
    with Store.open(data) as s:   # as the earlier version stored it
        (r,) = s.ingest_outcomes(events, session_id=old_id)
        assert r.id == old_id
    copy = tmp_path / "copy.json"
    copy.write_text(json.dumps(events if shape == "array" else {"events": events}))
    code, out, err = run(capsys, "--data", data, "import", copy)
    assert code == 0 and out.split() == [old_id], err
    assert list(sessions(capsys, data)) == [old_id]


@pytest.mark.parametrize("shape", ["array", "object"])
def test_a_session_id_that_changes_part_way_is_no_id(capsys, tmp_path, demo_events, shape):
    """As before: events of two ids are no recording's own id (a hash names the session,
    streamed or read whole alike); nor is one only some events carry, the rest another."""
    data = tmp_path / "d"
    events = [dict(e, sessionId="aaa" if i < 136 else "bbb") for i, e in enumerate(demo_events)]
    f = tmp_path / "two.json"
    f.write_text(json.dumps(events if shape == "array" else {"events": events}))
    code, out, err = run(capsys, "--data", data, "import", f)
    assert code == 0, err
    (sid,) = out.split()
    assert sid not in ("aaa", "bbb") and len(sid) == 36
    # a sessionId first carried after the events the streamed id is decided from
    later = [{k: v for k, v in e.items() if k != "sessionId"} if i < 100 else e
             for i, e in enumerate(demo_events)]
    f2 = tmp_path / "later.json"
    f2.write_text(json.dumps(later if shape == "array" else {"events": later}))
    code, out, err = run(capsys, "--data", tmp_path / "d2", "import", f2)
    assert code == 0 and out.split() == [DEMO_ID], err


def test_a_broken_manifest_is_said_in_plain_words(capsys, tmp_path, fixtures_dir):
    data = tmp_path / "d"
    bundle = tmp_path / "s.replay"
    assert run(capsys, "--data", data, "export", fixtures_dir / "rrweb-player-demo.json",
               "-o", bundle)[0] == 0
    broken = tmp_path / "broken.replay"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(broken, "w") as out:
        for info in src.infolist():
            blob = src.read(info)
            if info.filename == "manifest.json":
                manifest = json.loads(blob)
                manifest["session"]["id"] = 5
                blob = json.dumps(manifest).encode()
            out.writestr(info, blob)
    line = one_error_line(*run(capsys, "--data", data, "import", broken)[::2])
    assert "broken manifest (session.id is a number, not a string) - export it again" in line
