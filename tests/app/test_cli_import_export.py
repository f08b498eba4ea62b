"""`replay import`, `replay export`, `replay sessions` through the real CLI entry point."""
from __future__ import annotations

import copy
import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.cli import main
from app.commands.sessions import parse_since
from recorder.source import open_recording

T0 = 1_700_000_000_000


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def with_unknowns(events: list[dict]) -> list[dict]:
    evs = copy.deepcopy(events)
    evs[5]["someFutureField"] = {"a": [1, 2, {"b": None}], "c": 1.5}
    evs.insert(7, {"type": 77, "timestamp": evs[6]["timestamp"], "data": {"new": "kind"}})
    evs.insert(9, {"type": 3, "timestamp": evs[8]["timestamp"],
                   "data": {"source": 99, "unknownSource": True}, "extra": "x"})
    evs.append({"type": 6, "timestamp": evs[-1]["timestamp"] + 1,
                "data": {"plugin": "someone/else@3", "payload": {"k": ["v"]}}})
    return evs


@pytest.mark.parametrize("variant", ["demo", "unknowns"])
def test_import_then_export_rrweb_gives_the_same_events(tmp_path, capsys, demo_events, variant):
    events = demo_events if variant == "demo" else with_unknowns(demo_events)
    src = tmp_path / "in.json"
    src.write_text(json.dumps(events))
    data = tmp_path / "data"
    code, out, _ = run(capsys, "--data", data, "import", src)
    assert code == 0
    (sid,) = out.split()
    dest = tmp_path / "out.json"
    code, _, _ = run(capsys, "export", sid, "--format", "rrweb", "-o", dest, "--data", data)
    assert code == 0
    marker, *exported = json.loads(dest.read_text())
    assert exported == events
    assert marker == {"type": 5, "timestamp": events[0]["timestamp"],
                      "data": {"tag": "replay/session", "payload": {"id": sid}}}


def test_replay_bundle_round_trip(tmp_path, capsys, demo_events):
    src = tmp_path / "in.json"
    src.write_text(json.dumps(demo_events))
    data, other = tmp_path / "data", tmp_path / "other"
    sid = run(capsys, "--data", data, "import", src)[1].strip()
    bundle = tmp_path / "s.replay"
    assert run(capsys, "--data", data, "export", sid[:8], "--format", "replay", "-o", bundle)[0] == 0
    # opens in place, without importing...
    b = open_recording(str(bundle), other)
    assert b.id == sid and list(b.events()) == demo_events and b.info.record_count == 272
    b.close()
    # ...and imports again (same id) into another data folder
    code, out, _ = run(capsys, "--data", other, "import", bundle)
    assert code == 0 and out.split() == [sid]
    dest = tmp_path / "again.json"
    run(capsys, "--data", other, "export", sid, "-o", dest)
    assert json.loads(dest.read_text())[1:] == demo_events


def test_import_is_idempotent_and_prints_ids_of_all_sessions(tmp_path, capsys, demo_events):
    later = copy.deepcopy(demo_events)
    for e in later:
        e["timestamp"] += 2 * 3600 * 1000
        del e["sessionId"]
    src = tmp_path / "two.json"
    src.write_text(json.dumps(demo_events + later))
    data = tmp_path / "d"
    first = run(capsys, "--data", data, "import", src)[1].split()
    second = run(capsys, "--data", data, "import", src)[1].split()
    assert len(first) == 2 and first == second
    rows = json.loads(run(capsys, "--data", data, "sessions", "--json")[1])
    assert sorted(r["id"] for r in rows) == sorted(first)


def test_sessions_filters_and_json(tmp_path, capsys, demo_events):
    data = tmp_path / "d"
    a = tmp_path / "a.json"
    a.write_text(json.dumps(demo_events))
    now = int(time.time() * 1000)
    recent = [{"type": 4, "timestamp": now - 3600_000, "data": {
        "href": "https://shop.example/checkout", "width": 1, "height": 1}},
        {"type": 6, "timestamp": now - 3600_000 + 5, "data": {"plugin": "rrweb/console@1",
         "payload": {"level": "error", "trace": [], "payload": ['"oops"']}}}]
    b = tmp_path / "b.json"
    b.write_text(json.dumps(recent))
    sid_a = run(capsys, "--data", data, "import", a)[1].strip()
    sid_b = run(capsys, "--data", data, "import", b)[1].strip()

    def ids(*flags):
        code, out, _ = run(capsys, "--data", data, "sessions", "--json", *flags)
        assert code == 0
        return [r["id"] for r in json.loads(out)]

    assert ids() == [sid_b, sid_a]
    assert ids("--errors") == [sid_b]
    assert ids("--url", "demoit.app") == [sid_a]
    assert ids("--since", "2h") == [sid_b]
    assert ids("--since", "2018-01-01") == [sid_b, sid_a]
    assert ids("--user", "nobody") == []
    row = json.loads(run(capsys, "--data", data, "sessions", "--json", "--errors")[1])[0]
    assert set(row) >= {"id", "application", "user_id", "user_name", "user_email", "start_ms",
                        "end_ms", "duration_ms", "first_url", "view_count", "error_count",
                        "frustration_count", "record_count", "bytes", "segment_count"}
    assert row["error_count"] == 1
    # rrweb's whole-millisecond timestamps come back as integers, not 1.5e12-style floats
    assert all(type(row[k]) is int for k in ("start_ms", "end_ms", "duration_ms"))
    code, out, _ = run(capsys, "--data", data, "sessions")
    assert code == 0 and sid_a[:8] in out and "demoit.app" in out


def test_since_accepts_iso_and_relative():
    now = 1_800_000_000.0
    assert parse_since("2h", now) == (now - 7200) * 1000
    assert parse_since("7d", now) == (now - 7 * 86400) * 1000
    assert parse_since("2026-11-24T10:00:00+00:00") == 1795514400000
    with pytest.raises(Exception, match="neither an ISO date"):
        parse_since("yesterday-ish")


def test_errors_say_what_and_what_to_do(tmp_path, capsys, demo_events):
    data = tmp_path / "d"
    code, _, err = run(capsys, "--data", data, "import", tmp_path / "missing.json")
    assert code == 2 and "no such file" in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"nope": 1}')
    code, _, err = run(capsys, "--data", data, "import", bad)
    assert code == 2 and "bad.json" in err and "events" in err
    code, _, err = run(capsys, "--data", data, "export", "does-not-exist", "-o", tmp_path / "x.json")
    assert code == 2 and "replay sessions" in err
    huge = copy.deepcopy(demo_events[:3])   # an event over the 8 MB an imported one may hold
    huge.append({"type": 5, "timestamp": huge[-1]["timestamp"], "data": {"tag": "x",
                                                                          "payload": "z" * (8 << 20)}})
    h = tmp_path / "huge.json"
    h.write_text(json.dumps(huge))
    code, out, err = run(capsys, "--data", data, "import", h)
    assert code == 2 and "event_too_large" in err and "nothing stored" in err and out == ""
    assert "8,388,608" in err and "imported event" in err
    assert json.loads(run(capsys, "--data", data, "sessions", "--json")[1]) == []


def test_export_rrweb_to_stdout_and_by_suffix(tmp_path, capsys, demo_events):
    data = tmp_path / "d"
    src = tmp_path / "in.json"
    src.write_text(json.dumps(demo_events))
    sid = run(capsys, "--data", data, "import", src)[1].strip()
    code, out, _ = run(capsys, "--data", data, "export", sid, "-o", "-")
    assert code == 0 and json.loads(out)[1:] == demo_events
    dest = tmp_path / "by-suffix.replay"
    assert run(capsys, "--data", data, "export", sid, "-o", dest)[0] == 0
    assert dest.read_bytes()[:4] == b"PK\x03\x04"


def test_console_entry_point_runs(tmp_path, demo_events):
    src = tmp_path / "in.json"
    src.write_text(json.dumps(demo_events))
    proc = subprocess.run([sys.executable, "-m", "app", "--data", str(tmp_path / "d"), "import",
                           str(src)], capture_output=True, text=True,
                          cwd=Path(__file__).parents[2])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == demo_events[0]["sessionId"]


def test_import_json_says_a_path_that_is_no_file_and_imports_none(tmp_path, capsys, demo_events):
    """A missing path is refused before anything is imported: `--json` printed nothing."""
    good, gone = tmp_path / "good.json", tmp_path / "gone.json"
    good.write_text(json.dumps(demo_events))
    data = tmp_path / "data"
    code, out, err = run(capsys, "--data", data, "import", "--json", good, gone)
    assert code == 2
    said = f"{gone}: no such file - check the path (none of the 2 files was imported)"
    assert json.loads(out) == [{"file": str(good), "sessions": [],
                                "error": "not imported: another file named is missing"},
                               {"file": str(gone), "sessions": [], "error": said}]
    assert err.strip() == f"replay: error: {said}"
    assert not data.exists() or json.loads(run(capsys, "--data", data, "sessions", "--json")[1]) == []


def test_import_json_lists_the_files_refused_too(tmp_path, capsys, demo_events):
    """`--json` gave only the files imported: a script reading it saw a refused file as
    never given. Each file is listed in the order given, a refused one with its error."""
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(demo_events))
    bad.write_text("[{\"type\": 4, ")
    data = tmp_path / "data"
    code, out, err = run(capsys, "--data", data, "import", "--json", bad, good)
    assert code == 2
    (refused, imported) = json.loads(out)
    assert refused["file"] == str(bad) and refused["sessions"] == []
    assert refused["error"].startswith(f"{bad}: not imported - ")
    assert err.strip() == f"replay: error: {refused['error']}"
    assert imported == {"file": str(good), "sessions": imported["sessions"]}
    assert len(imported["sessions"]) == 1


def test_import_says_when_events_are_out_of_time_order(tmp_path, demo_events):
    """A file whose events are not in time order (shuffled, merged badly) is stored - and
    replayed - in its order, where rrweb's player sorts by time: the import says so, once; a
    recorder's file (in order) says nothing."""
    import random
    shuffled = list(demo_events)
    middle = shuffled[10:30]
    random.Random(1).shuffle(middle)
    shuffled[10:30] = middle
    back = sum(1 for k, e in enumerate(shuffled)
               if e["timestamp"] < max(x["timestamp"] for x in shuffled[:k + 1]))
    files = {"ordered": demo_events, "shuffled": shuffled}
    for name, events in files.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(events))
        p = subprocess.run([sys.executable, "-m", "app", "--data", str(tmp_path / name),
                            "import", str(path)], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        said = [ln for ln in p.stderr.splitlines() if "earlier than an event before" in ln]
        assert len(said) == (name == "shuffled"), p.stderr
        if said:
            assert f"{back} events are earlier" in said[0] and "they replay in that order" in said[0]


@pytest.mark.parametrize("shape", ["array", "object"])   # streamed / read whole
def test_a_refused_file_is_not_said_to_be_stored_in_its_order(tmp_path, demo_events, capsys,
                                                              caplog, shape):
    """`replay import ooo.json` of a file disagreeing with the stored session warned "1 event
    is earlier ...: stored in the order it came in" beside "not imported" (a support
    engineer's tryout): nothing was stored, in any order."""
    data = tmp_path / "d"
    events = [dict(e, sessionId="ooo") for e in demo_events[:200]]
    (base := tmp_path / "base.json").write_text(json.dumps(events))
    assert main(["--data", str(data), "import", str(base)]) == 0
    ooo = list(events)
    ooo[150], ooo[160] = ooo[160], ooo[150]
    ooo[120] = dict(ooo[120], timestamp=ooo[120]["timestamp"] + 1)   # disagrees
    (f := tmp_path / "ooo.json").write_text(json.dumps(ooo if shape == "array"
                                                       else {"events": ooo}))
    capsys.readouterr()
    caplog.clear()
    with caplog.at_level(logging.WARNING):   # (a warning in-process: logged, or on stderr)
        code, _, err = run(capsys, "--data", data, "import", f)
    assert code != 0 and "not imported" in err, err
    assert "earlier than an event before" not in err + caplog.text, err + caplog.text
    # stored beside it (--as-new), it is said
    with caplog.at_level(logging.WARNING):
        code, _, err = run(capsys, "--data", data, "import", "--as-new", f)
    assert code == 0 and "stored in the order they came in" in err + caplog.text, err
