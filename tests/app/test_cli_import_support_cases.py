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
