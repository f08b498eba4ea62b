"""Issue 12 item 4 through real `replay import` processes: the streaming import writes
segments as it reads, yet a file cut off part way, or the process killed -9 part way,
leaves the store exactly as it was - and the same file imports whole afterwards."""
from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from recorder.store import Store
from replay_tools.generator import generate_session

REPO = Path(__file__).parents[2]
T0 = 1_700_000_000_000
PIECE_MS = 5 * 60 * 1000
KILL_WAIT_S = 300        # at most this long for the import to write its first segment file
# The big file: page loads of generated events. 8 x 2,000 still leaves the import seconds of
# work after its first segment file (8 x 5,000 took 35 s of CPU per import: what is typed is
# looked for in every later string).
BIG_PIECES, BIG_PIECE_EVENTS = 8, 2_000


def replay(data: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", "--data", str(data), *map(str, args)],
                          capture_output=True, text=True, cwd=REPO)


def pieces(n: int, per: int) -> list[dict]:
    """`n` page loads one after another (each a Meta and FullSnapshot: a new view, so a
    new segment), `per` events each."""
    out: list[dict] = []
    for k in range(n):
        out += generate_session(per, duration_ms=PIECE_MS - 1000, seed=k,
                                start_ms=T0 + k * PIECE_MS)
    return out


def state(root: Path) -> tuple:
    files = sorted(str(p.relative_to(root)) for p in (root / "segments").rglob("*")
                   if p.is_file()) if (root / "segments").exists() else []
    with Store.open(root) as s:   # opening runs the dead-writer cleanup
        sessions = [(i.id, i.record_count, i.segment_count) for i in s.sessions()]
        events = {i.id: list(s.session(i.id).events()) for i in s.sessions()}
        pending = s.index.pending()
    files_after = sorted(str(p.relative_to(root)) for p in (root / "segments").rglob("*")
                         if p.is_file()) if (root / "segments").exists() else []
    return files_after, sessions, events, pending, files


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    f = tmp_path_factory.mktemp("big") / "big.json"
    f.write_text(json.dumps(pieces(BIG_PIECES, BIG_PIECE_EVENTS), separators=(",", ":")))
    return f


@pytest.fixture()
def data(tmp_path) -> Path:
    d = tmp_path / "data"
    small = tmp_path / "small.json"
    small.write_text(json.dumps(list(generate_session(300, seed=99))))
    assert replay(d, "import", small).returncode == 0
    return d


def test_killed_part_way_the_store_is_as_before_and_the_file_imports_after(data, big,
                                                                          tmp_path):
    before = state(data)
    known = set(before[0])
    p = subprocess.Popen([sys.executable, "-m", "app", "--data", str(data), "import", str(big)],
                         cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + KILL_WAIT_S
    new_files: list[str] = []
    while time.monotonic() < deadline and p.poll() is None and not new_files:
        new_files = [str(f) for f in (data / "segments").rglob("*.seg*")
                     if str(f.relative_to(data)) not in known]
        time.sleep(0.02)
    assert new_files and p.poll() is None, "the import wrote no segment before it ended"
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    after = state(data)
    assert after[:4] == before[:4]          # the same sessions, events, files; no intent left
    assert after[3] == []
    r = replay(data, "import", big)
    assert r.returncode == 0, r.stderr
    [sid] = r.stdout.split()
    fresh = tmp_path / "fresh"
    assert replay(fresh, "import", big).stdout.split() == [sid]
    with Store.open(data) as s, Store.open(fresh) as t:
        assert list(s.session(sid).events()) == list(t.session(sid).events())
        assert len(s.sessions()) == len(before[1]) + 1


@pytest.mark.parametrize("how", ["json", "gzip"])
def test_cut_off_file_is_refused_in_one_line_and_stores_nothing(data, big, tmp_path, how):
    blob = big.read_bytes() if how == "json" else gzip.compress(big.read_bytes(), 1)
    cut = tmp_path / f"cut.{how}"
    cut.write_bytes(blob[: len(blob) * 2 // 3])
    before = state(data)
    r = replay(data, "import", cut)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr
    assert ("breaks off" if how == "json" else "cut off") in lines[0]
    assert "--partial" in lines[0]
    assert state(data)[:4] == before[:4]
    r = replay(data, "import", "--partial", cut)   # what decoded, as a partial session
    assert r.returncode == 0, r.stderr
    [sid] = r.stdout.split()
    assert sid.endswith("_partial")
    with Store.open(data) as s:
        n = s.index.session(sid).record_count
    assert 0 < n < BIG_PIECES * BIG_PIECE_EVENTS


@pytest.mark.parametrize("shape", ["posthog", "sentry-envelope", "ndjson-first-line-bad"])
def test_a_json_object_written_over_several_lines_imports_whole(tmp_path, demo_events, shape):
    """A PostHog export or a Sentry envelope pretty-printed (`jq .` of one) starts with `{` on
    a line of its own: it is one JSON value, read whole - it was refused as NDJSON broken in
    line 1 ("Input data was truncated"). NDJSON whose first line is broken is still refused,
    in one line, naming the file."""
    events = demo_events[:60]
    if shape == "posthog":
        value = {"version": "2023-04-28", "data": {
            "id": "0188-pretty", "person": {"distinct_ids": ["cust-4821"]},
            "snapshots": [{**e, "windowId": "w1"} for e in events]}}
        text = json.dumps(value, indent=2)
    elif shape == "sentry-envelope":
        text = json.dumps({"id": "0188-sentry", "user": {"id": "cust-4821"},
                           "recording": [events[:20], events[20:]]}, indent=2)
    else:
        text = '{"type": 4,\n' + "\n".join(json.dumps(e) for e in events)
    f = tmp_path / "export.json"
    f.write_text(text)
    d = tmp_path / "data"
    r = replay(d, "import", f)
    if shape == "ndjson-first-line-bad":
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert r.stderr.count("\n") == 1 and str(f) in r.stderr
        assert not (d / "segments").exists() or not any((d / "segments").rglob("*.seg"))
        return
    assert r.returncode == 0, r.stderr
    with Store.open(d) as s:
        (info,) = s.sessions()
        assert info.user_id == "cust-4821"
        assert len(list(s.session(info.id).events())) == len(events)


_STOPPED = r"""
import sys, time
from pathlib import Path
mark = Path(sys.argv[1])
from app.commands import import_cmd
one = import_cmd._import_one

def second_waits(store, f, *a, **k):
    if str(f).endswith("second.json"):   # Ctrl+C comes while it is read
        mark.touch()
        while True:
            time.sleep(0.02)
    return one(store, f, *a, **k)

import_cmd._import_one = second_waits
from app.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("json_out", [False, True])
def test_ctrl_c_during_an_import_says_what_was_stored(tmp_path, json_out):
    """`replay import` stopped by Ctrl+C ended at the progress bar's ^C, no line said (a
    support engineer's tryout): it says the import stopped, that nothing of the file being
    read was stored, and that the files before it went as said - exit 130; said, a file
    refused before it, and --json's rows (a reviewer's find: neither was)."""
    data, mark = tmp_path / "data", tmp_path / "mark"
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    refused = tmp_path / "notes.txt"
    refused.write_text("not a recording\n")
    for f, seed in ((first, 1), (second, 2)):
        f.write_text(json.dumps(list(generate_session(300, duration_ms=20_000, seed=seed))))
    # Ctrl+C as a terminal delivers it (see test_cli_stale_thumbnails: SIGINT's default back)
    proc = subprocess.Popen([sys.executable, "-c", _STOPPED, str(mark), "--data", str(data),
                             "import", *(["--json"] if json_out else []), str(first),
                             str(refused), str(second)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        while not mark.exists():
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert err.rstrip().splitlines()[-1] == (
        "replay: import stopped (Ctrl+C) - nothing of the file being read was stored; 2 files"
        " before it were dealt with as said above"), err
    assert "Traceback" not in err and f"{refused}: not imported" in err
    with Store.open(data) as store:
        stored = [s.id for s in store.sessions()]
    if json_out:
        rows = json.loads(out)
        assert [r["file"] for r in rows] == [str(first), str(refused)]
        assert rows[0]["sessions"] == stored and "error" in rows[1]
    else:
        assert out.split() == stored and len(stored) == 1   # the first file's session id
