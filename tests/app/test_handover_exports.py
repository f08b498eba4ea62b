"""Handing a bug over (issue 14): `replay export --format har|gif|webp|playwright` and bug
bundles, through the real `replay` command, checked against what the player shows."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import player.qt.webview  # noqa: F401  (schemes before the QApplication)
import pytest
from PIL import Image, ImageChops, ImageSequence, ImageStat

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "assets" / "demo" / "demo-session.json"


def _replay(*args: str, data: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, REPLAY_DATA=str(data))
    env.pop("DISPLAY", None)   # painted offscreen, as on a server
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True,
                          text=True, env=env, timeout=300, cwd=ROOT)


# --- HAR ------------------------------------------------------------------------------------
# HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/): required fields and their types
_NUM = (int, float)
_HAR_FIELDS = {
    "log": {"version": str, "creator": dict, "entries": list},
    "creator": {"name": str, "version": str},
    "page": {"startedDateTime": str, "id": str, "title": str, "pageTimings": dict},
    "entry": {"startedDateTime": str, "time": _NUM, "request": dict, "response": dict,
              "cache": dict, "timings": dict},
    "request": {"method": str, "url": str, "httpVersion": str, "cookies": list, "headers": list,
                "queryString": list, "headersSize": int, "bodySize": int},
    "response": {"status": int, "statusText": str, "httpVersion": str, "cookies": list,
                 "headers": list, "content": dict, "redirectURL": str, "headersSize": int,
                 "bodySize": int},
    "content": {"size": int, "mimeType": str},
    "timings": {"send": _NUM, "wait": _NUM, "receive": _NUM},
}


def _check(obj: dict, kind: str) -> None:
    for name, typ in _HAR_FIELDS[kind].items():
        assert name in obj, f"{kind} lacks {name}"
        assert isinstance(obj[name], typ) and not isinstance(obj[name], bool), f"{kind}.{name}"


def validate_har(doc: dict) -> None:
    """Every required HAR 1.2 field, with its type; ISO 8601 dates; times add up."""
    log = doc["log"]
    _check(log, "log")
    assert log["version"] == "1.2"
    _check(log["creator"], "creator")
    ids = set()
    for p in log.get("pages", []):
        _check(p, "page")
        dt.datetime.fromisoformat(p["startedDateTime"])
        ids.add(p["id"])
    for e in log["entries"]:
        _check(e, "entry")
        assert dt.datetime.fromisoformat(e["startedDateTime"]).tzinfo is not None
        _check(e["request"], "request")
        _check(e["response"], "response")
        _check(e["response"]["content"], "content")
        _check(e["timings"], "timings")
        phases = [v for k, v in e["timings"].items() if k != "ssl" and v != -1]
        assert all(v >= 0 for v in phases)
        assert abs(sum(phases) - e["time"]) < 1e-6
        for q in e["request"]["queryString"]:
            assert set(q) >= {"name", "value"}
        if "pageref" in e:
            assert e["pageref"] in ids


def test_har_is_har_1_2_and_matches_the_network_tab_row_for_row(tmp_path, qtbot):
    out = tmp_path / "s.har"
    p = _replay("export", str(DEMO), "-o", str(out), data=tmp_path / "data")
    assert p.returncode == 0, p.stderr
    doc = json.loads(out.read_text())
    validate_har(doc)

    # the Network tab of a player on the same file under the same (default) rules
    from player.qt.replay_widget import ReplayWidget
    from recorder.privacy import load_rules
    from recorder.source import masked_source, open_recording

    src = masked_source(open_recording(str(DEMO), tmp_path / "data"),
                        load_rules(None, tmp_path / "data"))
    w = ReplayWidget(src)
    qtbot.addWidget(w)
    rows = w.devtools.network.model.rows
    entries = doc["log"]["entries"]
    assert len(rows) == len(entries) == 25
    origin = w.replayer.start_ms
    for row, e in zip(rows, entries):
        started = dt.datetime.fromisoformat(e["startedDateTime"]).timestamp() * 1000 - origin
        assert abs(started - row["t"]) <= 1
        assert (e["request"]["method"], e["request"]["url"]) == (row["method"], row["url"])
        assert e["response"]["status"] == (row["status"] or 0)
        assert e["_resourceType"] == row["type"]
        if row["duration"] is not None:
            assert e["time"] == pytest.approx(row["duration"])
        if row["size"] is not None:
            assert e["response"]["bodySize"] == row["size"]
    statuses = {e["response"]["status"] for e in entries}
    assert {200, 404, 500} <= statuses
    # a range keeps the requests started in it
    p = _replay("export", str(DEMO), "-f", "har", "--from", "40000", "--to", "45000", "-o", "-",
                data=tmp_path / "data")
    part = json.loads(p.stdout)["log"]["entries"]
    assert part and len(part) == sum(1 for r in rows if 40000 <= r["t"] <= 45000)


def test_har_carries_no_value_the_rules_scrub(tmp_path):
    events = json.loads(DEMO.read_text())
    secret = "tok-8d7f6e5d4c3b"
    events.append({"type": 6, "timestamp": events[-1]["timestamp"], "data": {
        "plugin": "replay/rum@1", "payload": {"type": "resource", "resource": {
            "url": f"http://127.0.0.1:35437/api/me?token={secret}&x=1", "method": "GET",
            "status_code": 200, "duration": 5, "type": "fetch"}}}})
    rec = tmp_path / "rec.json"
    rec.write_text(json.dumps(events))
    rules = tmp_path / "rules.toml"
    rules.write_text('version = 1\ndefault = "mask-user-input"\nscrub_query_params = ["token"]\n')
    out = tmp_path / "s.har"
    p = _replay("export", str(rec), "--rules", str(rules), "-o", str(out), data=tmp_path / "d")
    assert p.returncode == 0, p.stderr
    text = out.read_text()
    assert secret not in text
    last = json.loads(text)["log"]["entries"][-1]
    assert "/api/me?" in last["request"]["url"]
    assert {q["name"] for q in last["request"]["queryString"]} == {"token", "x"}


# --- clips ----------------------------------------------------------------------------------
def _frames(path: Path) -> tuple[list[Image.Image], list[int]]:
    im = Image.open(path)
    frames, durations = [], []
    for f in ImageSequence.Iterator(im):
        frames.append(f.convert("RGB"))
        durations.append(f.info["duration"])
    return frames, durations


def _diff(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


@pytest.mark.parametrize("fmt", ["webp", "gif"])
def test_clip_has_its_frames_size_and_duration_and_paints_what_screenshot_paints(tmp_path, fmt):
    data = tmp_path / "data"
    shot = tmp_path / "at.png"
    # the rage clicks on "Apply coupon": ripples and a moving cursor
    p = _replay("screenshot", str(DEMO), "--at", "58200", "-o", str(shot), data=data)
    assert p.returncode == 0, p.stderr
    ref = Image.open(shot).convert("RGB")
    out = tmp_path / f"clip.{fmt}"
    p = _replay("export", str(DEMO), "-o", str(out), "--from", "57000", "--to", "59000",
                "--fps", "5", "--size", f"{ref.width}x{ref.height}", data=data)
    assert p.returncode == 0, p.stderr
    frames, durations = _frames(out)
    # 2 s at 5 frames a second: 11 moments painted (57.0, 57.2, ... 59.0 s), each shown 200 ms;
    # a moment identical to the one before is the same frame shown longer
    assert sum(durations) == 11 * 200
    assert all(d % 200 == 0 for d in durations)
    assert f"wrote {len(frames)} frames (11 painted, 2.2 s, {ref.width}x{ref.height})" in p.stderr
    assert 1 < len(frames) <= 11
    assert all(f.size == ref.size for f in frames)
    assert all(_diff(a, b) > 0 for a, b in zip(frames, frames[1:])), "repeated frame"
    # the frame on show at 58.2 s (the 7th moment: 6 x 200 ms after the start)
    elapsed, k = 0, 0
    while elapsed + durations[k] <= 6 * 200:
        elapsed += durations[k]
        k += 1
    assert _diff(frames[k], ref) < (0.5 if fmt == "webp" else 6.0)
    assert _diff(frames[0], ref) > _diff(frames[k], ref)   # and it is not just any frame


def test_clip_speed_and_bad_ranges(tmp_path):
    data = tmp_path / "data"
    out = tmp_path / "fast.webp"
    p = _replay("export", str(DEMO), "-o", str(out), "--from", "56000", "--to", "60000",
                "--fps", "5", "--speed", "4", "--size", "320x200", data=data)
    assert p.returncode == 0, p.stderr
    frames, durations = _frames(out)
    assert sum(durations) == 6 * 200          # 4 s of recording at 4x: 56, 56.8, ... 60 s
    assert frames[0].size == (320, 200)
    for args, says in ((["--from", "9000", "--to", "1000"], "before --from"),
                       (["--to", "999999"], "outside the session"),
                       (["--fps", "0"], "outside 1..50")):
        p = _replay("export", str(DEMO), "-o", str(tmp_path / "x.gif"), *args, data=data)
        assert p.returncode == 2 and says in p.stderr, p.stderr
        assert "Traceback" not in p.stderr
    assert not (tmp_path / "x.gif").exists()
    p = _replay("export", str(DEMO), "-o", str(tmp_path / "x.har"), "--speed", "2", data=data)
    assert p.returncode == 2 and "--speed is for" in p.stderr


# --- bug bundles ----------------------------------------------------------------------------
def test_bug_bundle_title_notes_steps_survive_export_and_import(tmp_path):
    data = tmp_path / "data"
    bug = tmp_path / "bug.replay"
    p = _replay("export", str(DEMO), "-o", str(bug), "--title", "Apply coupon does nothing",
                "--notes", "Expected 10% off.\nChromium 120, Linux", "--at", "58000", data=data)
    assert p.returncode == 0, p.stderr
    with zipfile.ZipFile(bug) as z:
        report = json.loads(z.read("manifest.json"))["session"]["context"]["bug"]
    assert report["title"] == "Apply coupon does nothing" and report["at_ms"] == 58000
    kinds = [s["kind"] for s in report["steps"]]
    assert kinds[0] == "navigate" and "click" in kinds and "type" in kinds
    # the default rules mask typed text: the steps say so and never hold it
    assert not any(s.get("text") == "Jane Doe" for s in report["steps"])
    assert any(s["masked"] for s in report["steps"])

    shown = _replay("play", str(bug), "--quit-after", "300", data=data)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Bug: Apply coupon does nothing\nAt: 58.0 s\nNotes:\n"
                                   "  Expected 10% off.\n  Chromium 120, Linux\nSteps:\n  1. Open ")
    assert 'Click "Apply coupon"' in shown.stdout
    assert "opened at 58000 ms" in shown.stderr        # it opens on the bug

    p = _replay("import", str(bug), data=data)
    assert p.returncode == 0, p.stderr
    sid = p.stdout.split()[0]
    again = tmp_path / "again.replay"
    p = _replay("export", sid, "-o", str(again), data=data)   # the stored copy kept it
    assert p.returncode == 0, p.stderr
    with zipfile.ZipFile(again) as z:
        kept = json.loads(z.read("manifest.json"))["session"]["context"]["bug"]
    assert kept == report
    p = _replay("play", sid, "--quit-after", "300", data=data)
    assert p.stdout == shown.stdout


def test_session_tab_shows_the_bug(tmp_path, qtbot):
    from player.qt.replay_widget import ReplayWidget
    from recorder.bundle import open_bundle

    bug = tmp_path / "bug.replay"
    p = _replay("export", str(DEMO), "-o", str(bug), "--title", "Coupon dead", "--at", "end",
                data=tmp_path / "data")
    assert p.returncode == 0, p.stderr
    w = ReplayWidget(open_bundle(bug))
    qtbot.addWidget(w)
    facts = [(r["k"], r["v"]) for r in w.devtools.session.model.rows]
    assert facts[0] == ("Bug", "Coupon dead")
    assert facts[1] == ("Bug at", "1:05.9")
    assert facts[2][0] == "Steps" and facts[2][1].startswith("1. Open http://")
