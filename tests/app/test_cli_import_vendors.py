"""`replay import` of recordings in the shapes PostHog, Sentry and Datadog write them
(tests/fixtures, see its README): the right sessions, users and pages, no event skipped -
or, for a shape replay does not read, one line, exit 2 and nothing stored."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main

EXPORT_ID = "0190a1b2-5e55-7000-8000-00000000cafe"
WIN_A = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
WIN_B = "0190a1b2-c3d4-7e5f-8a9b-6c7d8e9f0a1b"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def sessions(capsys, data: Path) -> dict[str, dict]:
    code, out, _ = run(capsys, "--data", data, "sessions", "--json")
    assert code == 0
    return {s["id"]: s for s in json.loads(out)}


def test_posthog_export_with_compressed_events(capsys, tmp_path, fixtures_dir):
    data = tmp_path / "d"
    code, out, err = run(capsys, "--data", data, "import", fixtures_dir / "posthog-export-cv.json")
    assert code == 0, err
    assert "skipping" not in err and "start is missing" not in err, err
    assert out.split() == [f"{EXPORT_ID}.{WIN_A}", f"{EXPORT_ID}.{WIN_B}"]
    got = sessions(capsys, data)
    a, b = got[f"{EXPORT_ID}.{WIN_A}"], got[f"{EXPORT_ID}.{WIN_B}"]
    assert (a["user_id"], a["user_name"], a["user_email"]) == \
        ("user-42", "Ada Lovelace", "ada@example.com")
    assert a["first_url"] == "https://shop.example/checkout" and a["record_count"] == 7
    assert b["first_url"] == "https://shop.example/help" and b["start_ms"] - a["start_ms"] == 500
    assert a["duration_ms"] == 3000 and a["error_count"] == 1


def test_posthog_blob_lines(capsys, tmp_path, fixtures_dir):
    data = tmp_path / "d"
    code, out, err = run(capsys, "--data", data, "import", fixtures_dir / "posthog-blob-v2.jsonl")
    assert code == 0, err
    assert "skipping" not in err, err
    got = sessions(capsys, data)
    assert sorted(s["first_url"] for s in got.values()) == \
        ["https://shop.example/checkout", "https://shop.example/help"]
    assert all(s["record_count"] == 7 for s in got.values())


def test_sentry_replay_recording_payloads(capsys, tmp_path, fixtures_dir):
    data = tmp_path / "d"
    code, out, err = run(capsys, "--data", data, "import",
                         fixtures_dir / "sentry-replay-segments.bin")
    assert code == 0, err
    (s,) = sessions(capsys, data).values()
    assert s["first_url"] == "https://shop.example/checkout" and s["record_count"] == 10
    assert s["resource_count"] == 1   # the performanceSpan: POST /api/pay, answered 500
    # its event stamped in seconds, as the SDK stamps it, is in the recording's time
    assert (s["start_ms"], s["duration_ms"]) == (1718000000000, 3000)
    assert "earlier than an event before" not in err


def test_datadog_browser_segment_imports_mobile_is_one_line_exit_2_nothing_stored(
        capsys, tmp_path, fixtures_dir):
    seg = json.loads((fixtures_dir / "datadog-segment.json").read_text())
    f = tmp_path / "segment.json"
    f.write_text(json.dumps(seg))
    data = tmp_path / "d"
    code, out, err = run(capsys, "--data", data, "import", f)
    assert code == 0, err
    (s,) = sessions(capsys, data).values()
    assert s["first_url"] == "https://shop.example/checkout"
    seg["source"] = "android"
    f.write_text(json.dumps(seg))
    data = tmp_path / "d2"
    code, out, err = run(capsys, "--data", data, "import", f)
    assert code == 2 and out == ""
    words = "this is a Datadog mobile Session Replay segment"
    assert err.count("\n") == 1 and words in err and "Traceback" not in err, err
    assert not list(data.rglob("*.seg")) if data.exists() else True
