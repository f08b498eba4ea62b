"""Handing a bug over (issue 14): `replay export --format har|gif|webp|mp4|playwright` and bug
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

from player.qt.standalone import dispose
from recorder.moments import Unit, moment_text

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "assets" / "demo" / "demo-session.json"


def _demo_moments() -> tuple[int, int, int, str]:
    """When, in ms after the demo's first event: its rage clicks on "Apply coupon" start (to
    100 ms: a clip's frames fall on it), it ends, the checkout page opens; and that page's URL."""
    events = json.loads(DEMO.read_text())
    t0 = events[0]["timestamp"]
    rage = next(e["data"]["payload"].get("date", e["timestamp"]) for e in events
                if e["type"] == 6 and "rage_click" in e["data"]["payload"].get("action", {})
                .get("frustration", {}).get("type", []))
    checkout = next(e for e in events if e["type"] == 4 and "checkout" in e["data"]["href"])
    return (round((rage - t0) / 100) * 100, events[-1]["timestamp"] - t0,
            checkout["timestamp"] - t0, checkout["data"]["href"])


RAGE_MS, DURATION_MS, CHECKOUT_MS, CHECKOUT_URL = _demo_moments()


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
    rows = w.devtools.network.model.rows
    origin = w.replayer.start_ms
    dispose(w)
    entries = doc["log"]["entries"]
    assert len(rows) == len(entries) == 25
    for row, e in zip(rows, entries):
        started = dt.datetime.fromisoformat(e["startedDateTime"]).timestamp() * 1000 - origin
        # the tab holds a request begun before the session (its document's) at its start
        assert abs(started - row["t"]) <= 1 or (row["t"] == 0 and started < 0)
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


def test_har_without_a_range_holds_a_request_still_running_at_the_sessions_end(tmp_path):
    """rrweb's network plugin reports a request that started after the session's last event
    (still running when recording stopped): no range asked, it is one of the HAR's entries
    too - the export cut at the last event's time and wrote one of two requests."""
    events = json.loads(DEMO.read_text())
    last = events[-1]["timestamp"]
    events.append({"type": 6, "timestamp": last, "data": {"plugin": "rrweb/network@1",
                   "payload": {"requests": [
                       {"name": "https://shop.example/api/cart", "method": "POST",
                        "status": 200, "initiatorType": "fetch", "startTime": last,
                        "endTime": last + 40},
                       {"name": "https://shop.example/api/late", "method": "POST",
                        "status": 200, "initiatorType": "xmlhttprequest",
                        "startTime": last + 60, "endTime": last + 90}]}}})
    rec = tmp_path / "rec.json"
    rec.write_text(json.dumps(events))
    out = tmp_path / "s.har"
    p = _replay("export", str(rec), "-o", str(out), data=tmp_path / "d")
    assert p.returncode == 0, p.stderr
    urls = [e["request"]["url"] for e in json.loads(out.read_text())["log"]["entries"]]
    assert urls[-2:] == ["https://shop.example/api/cart", "https://shop.example/api/late"], urls


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
    at = RAGE_MS + 200
    p = _replay("screenshot", str(DEMO), "--at", str(at), "-o", str(shot), data=data)
    assert p.returncode == 0, p.stderr
    ref = Image.open(shot).convert("RGB")
    out = tmp_path / f"clip.{fmt}"
    p = _replay("export", str(DEMO), "-o", str(out), "--from", str(at - 1200), "--to", str(at + 800),
                "--fps", "5", "--size", f"{ref.width}x{ref.height}", data=data)
    assert p.returncode == 0, p.stderr
    frames, durations = _frames(out)
    # 2 s at 5 frames a second: 11 moments painted (at - 1.2 s, at - 1.0 s, ... at + 0.8 s),
    # each shown 200 ms;
    # a moment identical to the one before is the same frame shown longer
    assert sum(durations) == 11 * 200
    assert all(d % 200 == 0 for d in durations)
    # ... said so: the moments shown longer named, not left to guess from "11 painted"
    kept = 11 - len(frames)
    painted = f"11 moments painted, {kept} as the one before: that frame shown longer" if kept \
        else "11 painted"
    assert f"wrote {len(frames)} frames ({painted}, 2.2 s, {ref.width}x{ref.height})" in p.stderr
    assert 1 < len(frames) <= 11
    assert all(f.size == ref.size for f in frames)
    assert all(_diff(a, b) > 0 for a, b in zip(frames, frames[1:])), "repeated frame"
    # the frame on show at `at` (the 7th moment: 6 x 200 ms after the start)
    elapsed, k = 0, 0
    while elapsed + durations[k] <= 6 * 200:
        elapsed += durations[k]
        k += 1
    # (lossless WebP: the same pixels but for anti-aliasing; GIF: 256 colours a frame)
    near, first = _diff(frames[k], ref), _diff(frames[0], ref)
    assert near < (1.0 if fmt == "webp" else 6.0), (near, first, durations)
    assert first > near, (near, first, durations)   # and it is not just any frame


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
                "--notes", "Expected 10% off.\nChromium 120, Linux", "--at", str(RAGE_MS), data=data)
    assert p.returncode == 0, p.stderr
    with zipfile.ZipFile(bug) as z:
        report = json.loads(z.read("manifest.json"))["session"]["context"]["bug"]
    assert report["title"] == "Apply coupon does nothing" and report["at_ms"] == RAGE_MS
    kinds = [s["kind"] for s in report["steps"]]
    assert kinds[0] == "navigate" and "click" in kinds and "type" in kinds
    # the default rules mask typed text: the steps say so and never hold it
    assert not any(s.get("text") == "Jane Doe" for s in report["steps"])
    assert any(s["masked"] for s in report["steps"])

    shown = _replay("play", str(bug), "--quit-after", "1", data=data)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"Bug: Apply coupon does nothing\nAt: {moment_text(RAGE_MS)}\nNotes:\n"
                                   "  Expected 10% off.\n  Chromium 120, Linux\nSteps:\n  1. Open ")
    assert 'Click "Apply coupon"' in shown.stdout
    # the errors the page reported are among the steps, as `devtools --tab steps` says them
    # (a QA's tryout: play printed the steps alone, the step that broke the page not told)
    said = _replay("devtools", str(bug), "--tab", "steps", data=data).stdout
    errors = [ln.strip() for ln in said.splitlines() if ln.strip().startswith("✖")]
    assert errors and all(f"  {e}\n" in shown.stdout for e in errors), shown.stdout
    # it opens on the bug (--quit-after counts from the first frame shown)
    assert f"opened at {RAGE_MS} ms" in shown.stderr, shown.stderr

    p = _replay("import", str(bug), data=data)
    assert p.returncode == 0, p.stderr
    sid = p.stdout.split()[0]
    again = tmp_path / "again.replay"
    p = _replay("export", sid, "-o", str(again), data=data)   # the stored copy kept it
    assert p.returncode == 0, p.stderr
    with zipfile.ZipFile(again) as z:
        kept = json.loads(z.read("manifest.json"))["session"]["context"]["bug"]
    assert kept == report
    p = _replay("play", sid, "--quit-after", "1", data=data)
    assert p.stdout == shown.stdout
    # followed (as a live session is): the same steps and errors (it printed no error)
    p = _replay("play", sid, "--follow", "--quit-after", "1", data=data)
    assert p.stdout == shown.stdout, p.stdout
    # rrweb JSON has no place for the report: said, never silently dropped (a QA's tryout)
    p = _replay("export", sid, "-o", str(tmp_path / "s.json"), data=data)
    assert p.returncode == 0 and "bug report (title, notes, moment, steps) is not in rrweb" \
        " JSON - `-o FILE.replay` keeps it" in p.stderr, p.stderr


def test_a_bug_bundle_of_a_session_stored_already_adds_its_report_and_never_replaces_one(tmp_path):
    """The support engineer had the session (from the intake, an earlier import) when QA's
    bug bundle of it arrives: nothing new to store, but the report must not be dropped. A
    second, different report of the same session does not replace the first."""
    data = tmp_path / "data"
    p = _replay("import", str(DEMO), data=data)
    assert p.returncode == 0, p.stderr
    (sid,) = p.stdout.split()
    first, second = tmp_path / "first.replay", tmp_path / "second.replay"
    for out, title in ((first, "Coupon dead"), (second, "Checkout slow")):
        p = _replay("export", sid, "-o", str(out), "--title", title, "--at", str(RAGE_MS),
                    data=data)
        assert p.returncode == 0, p.stderr
    (before,) = json.loads(_replay("sessions", "--json", data=data).stdout)
    exported = _replay("export", sid, "--format", "rrweb", "-o", "-", data=data).stdout

    p = _replay("import", str(first), data=data)
    assert p.returncode == 0 and p.stdout.split() == [sid], p.stderr
    # one line, not "already stored, nothing new" and then "added" (a support engineer's finding)
    assert f'{first}: session {sid} already stored; its bug report "Coupon dead" added' \
        in p.stderr and "nothing new" not in p.stderr, p.stderr
    shown = _replay("play", sid, "--quit-after", "1", data=data)
    assert shown.stdout.startswith(f"Bug: Coupon dead\nAt: {moment_text(RAGE_MS)}\n"), shown.stdout
    (after,) = json.loads(_replay("sessions", "--json", data=data).stdout)
    # the events untouched (the session was written again to keep the report in its first
    # segment: its size may move)
    report = ("context", "bytes", "title")   # the title: the report's, which it adds
    assert {k: v for k, v in after.items() if k not in report} == \
        {k: v for k, v in before.items() if k not in report}
    assert (before["title"], after["title"]) == (None, "Coupon dead")
    assert _replay("export", sid, "--format", "rrweb", "-o", "-", data=data).stdout == exported

    p = _replay("import", str(second), data=data)
    assert p.returncode == 0 and p.stdout.split() == [sid], p.stderr
    assert f"{second}: session {sid} already stored, nothing new; it keeps its own bug report" \
        f' "Coupon dead" - second.replay\'s differs, `replay play {second}` shows it' in p.stderr
    assert _replay("play", sid, "--quit-after", "1", data=data).stdout == shown.stdout
    p = _replay("import", str(first), data=data)   # the same report again: nothing new, said
    assert f'session {sid} and its bug report "Coupon dead" already stored, nothing new' \
        in p.stderr and "added" not in p.stderr, p.stderr
    # kept where a rebuild of the index finds it again: the session's first segment
    (data / "index.sqlite3").unlink()
    assert _replay("play", sid, "--quit-after", "1", data=data).stdout == shown.stdout


def _bundle_bytes(path: Path) -> bytes:
    """Every byte a bundle holds: the zip itself and each entry inflated."""
    with zipfile.ZipFile(path) as z:
        return path.read_bytes() + b"".join(z.read(n) for n in z.namelist())


def test_bug_report_typed_at_export_is_masked_unless_asked(tmp_path):
    """The title and notes a person types at export pass the rules in force like any context:
    an address or a card number in them never reaches the bundle (found by a new user:
    `play` showed them masked while the manifest held them in clear)."""
    data = tmp_path / "data"
    secret_mail, secret_card = "quokka.secret@zebra-mail.test", "4111 1111 1111 1111"
    notes = f"Expected 10% off; user {secret_mail}, paid with {secret_card}"
    bug = tmp_path / "bug.replay"
    p = _replay("export", str(DEMO), "-o", str(bug), "--title", f"Coupon for {secret_mail}",
                "--notes", notes, data=data)
    assert p.returncode == 0, p.stderr
    blob = _bundle_bytes(bug)
    for secret in (secret_mail, secret_card, secret_card.replace(" ", "")):
        assert secret.encode() not in blob
        assert secret not in p.stderr + p.stdout
    with zipfile.ZipFile(bug) as z:
        report = json.loads(z.read("manifest.json"))["session"]["context"]["bug"]
    assert report["notes"].startswith("Expected 10% off; user ")   # the rest of the text stays
    # the stored session: the same, whoever exports it again
    p = _replay("import", str(bug), data=data)
    assert p.returncode == 0, p.stderr
    assert not any(secret_mail.encode() in f.read_bytes() for f in data.rglob("*") if f.is_file())
    # asked for in so many words, it is kept
    raw = tmp_path / "raw.replay"
    p = _replay("export", str(DEMO), "-o", str(raw), "--notes", notes, "--unmasked", data=data)
    assert p.returncode == 0, p.stderr
    with zipfile.ZipFile(raw) as z:
        assert json.loads(z.read("manifest.json"))["session"]["context"]["bug"]["notes"] == notes


def test_session_tab_shows_the_bug(tmp_path, qtbot):
    from player.qt.replay_widget import ReplayWidget
    from recorder.bundle import open_bundle

    bug = tmp_path / "bug.replay"
    p = _replay("export", str(DEMO), "-o", str(bug), "--title", "Coupon dead", "--at", "end",
                data=tmp_path / "data")
    assert p.returncode == 0, p.stderr
    w = ReplayWidget(open_bundle(bug))
    facts = [(r["k"], r["v"]) for r in w.devtools.session.model.rows]
    dispose(w)
    assert facts[0] == ("Bug", "Coupon dead")
    assert facts[1] == ("Bug at", moment_text(DURATION_MS))
    assert facts[2][0] == "Steps" and facts[2][1].startswith("1. Open http://")


def test_at_bug_and_the_players_picture_of_a_bug_show_its_moment_and_steps(tmp_path, qtbot):
    """A QA's bundle is looked at by its bug: `--at bug` (`bug-2s`) is the report's moment in
    snapshot, screenshot and export; the whole player's picture opens on the Steps tab, the
    step done last in bold and in view, the steps still to come greyed (as the player
    shows them while it plays); a recording without a report says it has none."""
    from player.qt.standalone import FramePainter
    from player.qt.session_view import error_moment
    from player.qt.steps_pane import ERROR_ROW_ROLE, LATER_COLOR
    from recorder.bug import shown_report
    from recorder.bundle import open_bundle
    from recorder.steps import steps

    data, bug = tmp_path / "data", tmp_path / "bug.replay"
    p = _replay("export", str(DEMO), "-o", str(bug), "--title", "Checkout hangs", "--at",
                str(CHECKOUT_MS + 3000), data=data)
    assert p.returncode == 0, p.stderr
    html = {}
    for at in ("bug", str(CHECKOUT_MS + 3000), "bug-2s", str(CHECKOUT_MS + 1000)):
        out = tmp_path / f"{at}.html"
        assert _replay("snapshot", str(bug), "--at", at, "-o", str(out), data=data).returncode == 0
        html[at] = out.read_bytes()
    assert html["bug"] == html[str(CHECKOUT_MS + 3000)]
    assert html["bug-2s"] == html[str(CHECKOUT_MS + 1000)]
    p = _replay("screenshot", str(bug), "--at", "bug", "--player", "-o",
                str(tmp_path / "bug.png"), data=data)
    assert p.returncode == 0 and f"frame at {moment_text(CHECKOUT_MS + 3000, Unit.MS)} to" in p.stderr, p.stderr
    for argv, said in ((["screenshot", str(DEMO), "--at", "bug", "-o", "x.png"],
                        "--at bug: this recording carries no bug report"),
                       (["export", str(DEMO), "--from", "bug-5s", "-o", "x.gif"],
                        "--from bug: this recording carries no bug report"),
                       (["screenshot", str(DEMO), "--at", "1s", "--tab", "steps", "-o",
                         "x.png"], "--tab steps: this recording carries no bug report")):
        p = _replay(*argv[:-1], str(tmp_path / argv[-1]), data=data)
        lines = p.stderr.strip().splitlines()
        assert p.returncode == 2 and len(lines) == 1 and said in lines[0], p.stderr
        assert not (tmp_path / argv[-1]).exists()

    src = open_bundle(bug)
    report = shown_report(src.info.context, lambda: steps(src.events()))
    painter = FramePainter(src, whole_player=True, report=report)
    try:
        painter.frame(CHECKOUT_MS + 3000)
        w = painter.widget
        steps = w.steps_pane
        assert w.devtools.currentWidget() is steps
        done = [i for i, s in enumerate(report.steps) if s.t <= CHECKOUT_MS + 3000]
        assert done and len(done) < len(report.steps)   # the moment is mid-list
        assert steps.current == done[-1]
        items = steps._items   # the steps' rows (the errors the page reported among them apart)
        rows = [steps.list.item(i) for i in range(steps.list.count())]
        assert len(rows) > len(items) and [r for r in rows if r in items] == items
        assert [it.font().bold() for it in items] == [i == done[-1] for i in range(len(items))]
        assert [it.foreground().color() == LATER_COLOR for it in items] == \
            [i > done[-1] for i in range(len(items))]
        shown = steps.list.viewport().rect()
        assert shown.contains(steps.list.visualItemRect(items[done[-1]]))
        assert not shown.intersects(steps.list.visualItemRect(items[0]))   # scrolled to it
        painter.frame(0)   # back to the start: nothing done yet, everything to come
        assert steps.current == -1 and all(it.foreground().color() == LATER_COLOR
                                           for it in items)
        # an error's row among them, clicked: the error shown as E shows it - the Errors tab,
        # its row picked
        error = next(r for r in rows if r not in items and r.data(ERROR_ROW_ROLE) is not None)
        assert any(r.text().startswith("⚑ The bug shows here") for r in rows)   # its row too
        steps.list.itemClicked.emit(error)
        assert w.devtools.currentWidget() is w.devtools.errors
        assert w.controller.time == error_moment(error.data(ERROR_ROW_ROLE))
    finally:
        painter.close()


def _shown_ms(path: Path) -> int:
    """How long a clip plays: a GIF's frame durations, a video's frames at its rate."""
    if path.suffix == ".gif":
        return sum(_frames(path)[1])
    import av
    with av.open(str(path)) as c:
        (stream,) = c.streams.video
        return int(sum(1 for _ in c.decode(stream)) * 1000 / stream.average_rate)


@pytest.mark.parametrize("fmt", ["mp4"])   # which frames: the same for every format
def test_a_whole_session_clip_skips_the_quiet_stretches_unless_told(tmp_path, fmt):
    from player.qt.session_view import INACTIVITY_MS
    from player.replayer import Replayer
    from recorder.source import open_recording

    events = json.loads(DEMO.read_text())
    t0 = events[0]["timestamp"]
    for e in events:   # the visitor pauses 30 s after the first 20 s
        if e["timestamp"] - t0 > 20_000:
            e["timestamp"] += 30_000
    rec = tmp_path / "paused.json"
    rec.write_text(json.dumps(events))
    r = Replayer(open_recording(str(rec), tmp_path))
    quiet = [(p.start, p.end) for p in r.timeline.inactivity(INACTIVITY_MS)]
    assert quiet and max(b - a for a, b in quiet) >= 30_000
    totals = {}
    SPEED = 8   # a frame every 4 s of recording: the 30 s pause spans several
    for flag in ([], ["--no-skip"]):
        out = tmp_path / f"whole{len(flag)}.{fmt}"
        p = _replay("export", str(rec), "-o", str(out), "--fps", "2", "--speed", str(SPEED),
                    "--size", "160x100", *flag, data=tmp_path / "data")
        assert p.returncode == 0, p.stderr
        totals[bool(flag)] = _shown_ms(out)
    step = SPEED * 500   # ms of recording per frame
    assert totals[True] == (int(r.duration_ms) // step + 1) * 500
    skipped = sum(b - a for a, b in quiet)
    assert totals[False] == pytest.approx(totals[True] - skipped / step * 500, abs=2 * 500)


def test_a_bug_moment_past_what_decodes_opens_at_the_end_with_a_note(tmp_path):
    """A damaged segment cut the session short of its bug's moment: play still opens (at the
    end of what decodes) and says why, instead of refusing an --at nobody typed."""
    data = tmp_path / "data"
    bug = tmp_path / "bug.replay"
    assert _replay("export", str(DEMO), "-o", str(bug), "--title", "Coupon dead", "--at",
                   str(RAGE_MS), data=data).returncode == 0
    p = _replay("import", str(bug), data=data)
    assert p.returncode == 0, p.stderr
    segs = sorted((data / "segments").rglob("*.seg"))
    assert len(segs) >= 2
    blob = bytearray(segs[-1].read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    segs[-1].write_bytes(bytes(blob))
    shown = _replay("play", p.stdout.split()[0], "--quit-after", "500", data=data)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Bug: Coupon dead\n")
    assert f"the bug's moment ({moment_text(RAGE_MS)}) is past what decodes of the session" \
        in shown.stderr


@pytest.mark.parametrize("user_id,kept", [("u-42", "u-42"), ("ada@example.com", None)])
def test_a_bundle_leaves_the_sessions_owner_in_the_data_folder(tmp_path, user_id, kept):
    """The person a session belongs to is kept in the data folder by design (search, `delete
    --user`); a bundle handed to others carries neither their name nor their email, and an id
    that is an email goes masked. Imported elsewhere, the session has no owner's name (nor
    an owner, when its id went masked)."""
    data = tmp_path / "data"
    p = _replay("import", str(DEMO), "--user", user_id, "--user-name", "Ada Lovelace",
                "--user-email", "ada@example.com", data=data)
    assert p.returncode == 0, p.stderr
    sid = p.stdout.split()[0]
    listed = _replay("sessions", "--json", data=data)
    assert "Ada Lovelace" in listed.stdout   # the premise: the folder keeps its owner
    out = tmp_path / "bug.replay"
    p = _replay("export", sid, "-o", str(out), "--title", "Coupon dead", data=data)
    assert p.returncode == 0, p.stderr
    whole = out.read_bytes() + b"".join(zipfile.ZipFile(out).read(n) for n in zipfile.ZipFile(out).namelist())
    for personal in (b"Ada Lovelace", b"ada@example.com", b"Lovelace"):
        assert personal not in whole
    manifest = json.loads(zipfile.ZipFile(out).read("manifest.json"))["session"]
    assert manifest["user_name"] is None and manifest["user_email"] is None
    assert manifest["user_id"] == kept if kept else "@" not in manifest["user_id"]
    elsewhere = tmp_path / "elsewhere"
    assert _replay("import", str(out), data=elsewhere).returncode == 0
    again = json.loads(_replay("sessions", "--json", data=elsewhere).stdout)
    assert [s.get("user_name") for s in again] == [None]
    # an id carried masked names nobody: it was the user "xxxx…" of every such bundle
    assert [s.get("user_id") for s in again] == [kept]


def test_play_refuses_bad_input_before_printing_the_bug_report(tmp_path):
    """The bug report is printed as the player opens - not ahead of a one-line refusal."""
    data = tmp_path / "data"
    bug = tmp_path / "bug.replay"
    assert _replay("export", str(DEMO), "-o", str(bug), "--title", "Coupon dead", "--at",
                   str(RAGE_MS), data=data).returncode == 0
    p = _replay("play", str(bug), "--at", str(DURATION_MS + 60_000), data=data)
    assert p.returncode == 2 and p.stdout == "", p.stdout
    assert len(p.stderr.strip().splitlines()) == 1 and "--at" in p.stderr
    shown = _replay("play", str(bug), "--quit-after", "300", data=data)
    assert shown.returncode == 0 and shown.stdout.startswith("Bug: Coupon dead\n"), shown.stdout


def test_masking_again_reaches_the_bug_reports_steps_and_keeps_the_session(tmp_path):
    """Stricter rules over a bug bundle (`replay mask --rules`) or a stored session (`mask
    --all`): the steps' click names are the page's text and are masked as the events are -
    they stayed as exported ("Add to cart" in the manifest and the index under `default =
    "mask"`). `mask FILE -o x.json` leads with the session's marker, as `export` does:
    imported, it is the same session, not a copy beside it."""
    data = tmp_path / "data"
    strict = tmp_path / "strict.toml"
    strict.write_text('version = 1\ndefault = "mask"\n')
    bug = tmp_path / "bug.replay"
    assert _replay("export", str(DEMO), "-o", str(bug), "--title", "Cart", data=data).returncode == 0
    with zipfile.ZipFile(bug) as z:
        before = json.loads(z.read("manifest.json"))["session"]["context"]["bug"]
    assert 'Add to cart' in json.dumps(before["steps"])               # the premise
    masked = tmp_path / "masked.replay"
    p = _replay("mask", "--rules", str(strict), str(bug), "-o", str(masked), data=data)
    assert p.returncode == 0, p.stderr
    with zipfile.ZipFile(masked) as z:
        after = json.loads(z.read("manifest.json"))["session"]["context"]["bug"]
    assert after["title"] == "Cart" and len(after["steps"]) == len(before["steps"])
    assert "Add to cart" not in json.dumps(after["steps"]), after["steps"][:3]
    assert _replay("import", str(bug), data=data).returncode == 0
    p = _replay("mask", "--rules", str(strict), "--all", data=data)
    assert p.returncode == 0, p.stderr
    listed = _replay("sessions", "--json", data=data).stdout
    assert "Add to cart" not in listed and '"Cart"' in listed
    as_json = tmp_path / "masked.json"
    assert _replay("mask", str(DEMO), "-o", str(as_json), data=data).returncode == 0
    other = tmp_path / "other"
    first = _replay("import", str(DEMO), data=other).stdout.split()[0]
    assert _replay("import", str(as_json), data=other).stdout.split()[0] == first
    assert len(json.loads(_replay("sessions", "--json", data=other).stdout)) == 1


def test_a_masked_title_or_notes_is_said_by_kind_never_by_value(tmp_path):
    """`--notes "... ada@example.com, card 4111 ..."` turned both into x's in silence: one
    note says which of what was typed the rules masked and the kinds the detectors found -
    not the values; nothing is said where nothing was masked, or with --unmasked."""
    data, out = tmp_path / "d", tmp_path / "bug.replay"
    p = _replay("export", str(DEMO), "-o", str(out), "--title", "Coupon fails", "--notes",
                "Refund ada@example.com, card 4111 1111 1111 1111", data=data)
    assert p.returncode == 0, p.stderr
    assert p.stderr.splitlines()[:-1] == [
        "replay: note: --notes: the privacy rules masked the e-mail addresses and payment card"
        " numbers in it (x's in the file) - `--unmasked` keeps them"], p.stderr
    script = tmp_path / "repro.py"
    p = _replay("export", str(DEMO), "-o", str(script), "--title", "Mail ada@example.com",
                "--notes", "call +44 20 7946 0958", data=data)
    assert p.returncode == 0, p.stderr
    assert p.stderr.splitlines()[:-1] == [
        "replay: note: --title and --notes: the privacy rules masked the e-mail addresses and"
        " phone numbers in them (x's in the file) - `--unmasked` keeps them"], p.stderr
    assert "ada@" not in p.stderr and "7946" not in p.stderr
    for more in ([], ["--unmasked"]):
        args = ["--notes", "Expected 10% off"] if not more else \
            ["--notes", "Refund ada@example.com", *more]
        p = _replay("export", str(DEMO), "-o", str(out), "--overwrite", *args, data=data)
        assert p.returncode == 0 and not any("privacy rules masked" in ln
                                             for ln in p.stderr.splitlines()), p.stderr


def test_a_clip_of_a_recording_without_a_page_says_it_is_blank(tmp_path):
    """A recording with no full snapshot exported as a clip: a blank GIF was written without
    a word, where `screenshot` and `snapshot` say nothing is on screen (a newcomer's tryout)."""
    from recorder.format import EventType
    events = [e for e in json.loads(DEMO.read_text()) if e["type"] != EventType.FullSnapshot]
    recording = tmp_path / "no-page.json"
    recording.write_text(json.dumps(events))
    out = tmp_path / "blank.gif"
    p = _replay("export", str(recording), "--to", "500", "-o", str(out), data=tmp_path / "d")
    assert p.returncode == 0 and out.is_file(), p.stderr
    assert "replay: warning: nothing is on screen: the recording holds no page" in p.stderr
    # one frame of every moment: said as a page that did not change ("1 frame (6 painted"
    # read as a failure - a QA tryout)
    assert "wrote 1 frame (the page unchanged over the 6 moments painted, 0.6 s," in p.stderr
    p = _replay("export", str(DEMO), "--to", "500", "-o", str(tmp_path / "demo.gif"),
                data=tmp_path / "d")
    assert p.returncode == 0 and "nothing is on screen" not in p.stderr, p.stderr
    # a range that ends before the first page is as blank (the demo's comes at 11 ms)
    p = _replay("export", str(DEMO), "--to", "5", "-o", str(tmp_path / "early.gif"),
                data=tmp_path / "d")
    assert p.returncode == 0 and "replay: warning: nothing is on screen before 0:00.011, the" \
        " first page: early.gif ends before it" in p.stderr, p.stderr
