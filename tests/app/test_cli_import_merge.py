"""`replay import` of a session that is stored already, and of damaged files, through the
real CLI: it never shortens or replaces what is stored; a refusal is one line, exit 2, and
nothing written; `--as-new` and `--partial` store beside it; exports come back as the same
session."""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
import zstandard

from app.cli import main
from recorder.store import LocalStore


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def refused(code: int, err: str) -> str:
    """The one line of a refusal."""
    assert code == 2 and "Traceback" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("replay: error: "), err
    return lines[0]


def stored(capsys, data: Path) -> dict[str, int]:
    code, out, _ = run(capsys, "--data", data, "sessions", "--json")
    assert code == 0
    return {s["id"]: s["record_count"] for s in json.loads(out)}


def segment_files(data: Path) -> dict[str, bytes]:
    return {p.relative_to(data).as_posix(): p.read_bytes() for p in data.rglob("*.seg")}


@pytest.fixture
def demo_file(tmp_path, demo_events) -> Path:
    f = tmp_path / "demo.json"
    f.write_text(json.dumps(demo_events))
    return f


@pytest.fixture
def data(tmp_path, capsys, demo_file) -> Path:
    d = tmp_path / "data"
    assert run(capsys, "--data", d, "import", demo_file)[0] == 0
    return d


def test_a_shorter_copy_is_stored_already_and_the_stored_session_kept(tmp_path, capsys, data,
                                                                        demo_events):
    """An earlier export of the session, its first 200 events: every one is stored."""
    (sid,) = stored(capsys, data)
    files = segment_files(data)
    short = tmp_path / "first200.json"
    short.write_text(json.dumps(demo_events[:200]))
    code, out, err = run(capsys, "--data", data, "import", short)
    assert code == 0 and out.split() == [sid], err
    assert err.strip() == f"replay: note: {short}: {sid}: already stored, nothing new (the"\
        " stored session holds these 200 events and 72 more)"
    assert stored(capsys, data) == {sid: 272} and segment_files(data) == files
    # asked for, it is stored beside, once
    for _ in range(2):
        code, out, _ = run(capsys, "--data", data, "import", "--as-new", short)
        assert code == 0 and out.split() == [f"{sid}_new"]
    assert stored(capsys, data) == {sid: 272, f"{sid}_new": 200}


def test_a_longer_copy_appends_what_is_missing(tmp_path, capsys, demo_events):
    data = tmp_path / "d"
    short = tmp_path / "first200.json"
    short.write_text(json.dumps(demo_events[:200]))
    full = tmp_path / "all.json"
    full.write_text(json.dumps(demo_events))
    (sid,) = run(capsys, "--data", data, "import", short)[1].split()
    files = segment_files(data)
    code, out, _ = run(capsys, "--data", data, "import", full)
    assert code == 0 and out.split() == [sid]
    assert stored(capsys, data) == {sid: 272}
    assert all(segment_files(data)[f] == b for f, b in files.items()), "appended, not rewritten"
    dest = tmp_path / "out.json"
    assert run(capsys, "--data", data, "export", sid, "-o", dest)[0] == 0
    assert json.loads(dest.read_text())[1:] == demo_events


def multi_segment_bundle(tmp_path, capsys, demo_events) -> tuple[Path, str]:
    src = tmp_path / "src"
    with LocalStore(src, max_segment_records=50) as store:
        (sid,) = store.ingest(demo_events)
    bundle = tmp_path / "s.replay"
    assert run(capsys, "--data", src, "export", sid, "-o", bundle)[0] == 0
    return bundle, sid


def test_a_bundle_with_a_bad_checksum_stores_nothing_unless_partial(tmp_path, capsys,
                                                                      demo_events):
    bundle, sid = multi_segment_bundle(tmp_path, capsys, demo_events)
    blob = bytearray(bundle.read_bytes())
    at = blob.find(b"segments/000002.seg") + 300     # inside that segment's bytes
    blob[at] ^= 0xFF
    bad = tmp_path / "bad.replay"
    bad.write_bytes(bytes(blob))
    data = tmp_path / "d"
    line = refused(*run(capsys, "--data", data, "import", bad)[::2])
    # one hint, one wording for a damaged and a cut-off bundle (the grammar of one segment)
    assert line.startswith(f"replay: error: {bad}: not imported - 1 of its 6 segments is"
                           " damaged (segment 2: ")
    assert line.endswith("; get an intact copy, or add --partial to store what decodes as a new session (SESSION_partial)")
    # as a person sees it: one line, not the reader's warning about the segment as well
    proc = subprocess.run([sys.executable, "-m", "app", "--data", str(data), "import", str(bad)],
                          capture_output=True, text=True, cwd=Path(__file__).parents[2],
                          stdin=subprocess.DEVNULL, timeout=120)
    assert refused(proc.returncode, proc.stderr) == line
    assert stored(capsys, data) == {} and segment_files(data) == {}

    code, out, err = run(capsys, "--data", data, "import", "--partial", bad)
    assert code == 0 and out.split() == [f"{sid}_partial"]
    (line,) = err.splitlines()
    assert line.startswith("replay: warning: ") and line.endswith(
        f"; stored what decodes as a new session, {sid}_partial, marked partial")
    assert stored(capsys, data) == {f"{sid}_partial": 222}
    code, table, _ = run(capsys, "--data", data, "sessions")
    assert "222 partial" in table
    # the intact copy still imports as the session itself
    code, out, _ = run(capsys, "--data", data, "import", bundle)
    assert code == 0 and out.split() == [sid]
    assert stored(capsys, data) == {sid: 272, f"{sid}_partial": 222}
    # the damaged copy of a stored session: refused again, or the same partial session
    files = segment_files(data)
    line = refused(*run(capsys, "--data", data, "import", bad)[::2])
    assert "1 of its 6 segments is damaged" in line
    assert run(capsys, "--data", data, "import", "--partial", bad)[1].split() == \
        [f"{sid}_partial"]
    assert stored(capsys, data) == {sid: 272, f"{sid}_partial": 222}
    assert segment_files(data) == files


def test_a_bundle_into_a_folder_that_holds_more_is_stored_already(tmp_path, capsys,
                                                                 demo_events):
    bundle, sid = multi_segment_bundle(tmp_path, capsys, demo_events)
    data = tmp_path / "d"
    longer = tmp_path / "longer.json"
    extra = [dict(demo_events[-1], timestamp=demo_events[-1]["timestamp"] + 1000 * i)
             for i in range(1, 4)]
    longer.write_text(json.dumps(demo_events + extra))
    assert run(capsys, "--data", data, "import", longer)[1].split() == [sid]
    code, out, err = run(capsys, "--data", data, "import", bundle)
    assert code == 0 and out.split() == [sid], err
    assert f"{sid}: already stored, nothing new (the stored session holds these 272 events" \
        " and 3 more)" in err
    assert stored(capsys, data) == {sid: 275}


def test_a_cut_off_bundle_stores_nothing_unless_partial(tmp_path, capsys, caplog, demo_events):
    bundle, sid = multi_segment_bundle(tmp_path, capsys, demo_events)
    cut = tmp_path / "cut.replay"
    cut.write_bytes(bundle.read_bytes()[: bundle.stat().st_size * 2 // 3])
    data = tmp_path / "d"
    line = refused(*run(capsys, "--data", data, "import", cut)[::2])
    assert "cut short" in line and line.endswith(", or add --partial to store what decodes as a new session (SESSION_partial)")
    assert stored(capsys, data) == {} and segment_files(data) == {}
    # its manifest and zip directory are lost; the whole segments before the cut are not
    code, out, err = run(capsys, "--data", data, "import", "--partial", cut)
    assert code == 0 and out.split() == [f"{sid}_partial"], err
    # (what went with the manifest is said: a QA tryout's bug report went without a word)
    assert err == f"replay: warning: {cut}: the bundle is cut off or damaged (4 whole segments" \
        " read; its manifest is lost, and with it the session's details and any bug report);" \
        f" stored what decodes as a new session, {sid}_partial, marked partial\n"
    assert stored(capsys, data) == {f"{sid}_partial": 200}
    dest = tmp_path / "partial.json"
    assert run(capsys, "--data", data, "export", f"{sid}_partial", "-o", dest)[0] == 0
    assert json.loads(dest.read_text())[1:] == demo_events[:200]
    # read in place as well: `export --partial` read no bundle (nor did play, devtools...)
    read = tmp_path / "read.json"
    line = refused(*run(capsys, "--data", data, "export", cut, "-o", read)[::2])
    assert "cut short" in line and line.endswith(", or add --partial to read what decodes")
    code, _, err = run(capsys, "--data", data, "export", "--partial", cut, "-o", read)
    assert code == 0, err
    (warned,) = [m for m in caplog.messages if m.startswith(f"{cut}: the bundle is cut off")]
    assert warned.startswith(f"{cut}: the bundle is cut off or damaged (4 whole segments read;")
    assert warned.endswith("any bug report) - read up to there")
    assert json.loads(read.read_text())[1:] == demo_events[:200]
    # nothing whole at all: still one clear line, and no --partial offered to who gave it
    stub = tmp_path / "stub.replay"
    stub.write_bytes(bundle.read_bytes()[:100])
    for argv in (["import", "--partial", stub], ["export", "--partial", stub, "-o", read, "--overwrite"]):
        line = refused(*run(capsys, "--data", data, *argv)[::2])
        assert line.endswith("no segment before the damage could be read"), line


@pytest.mark.parametrize("compress", [gzip.compress, zstandard.ZstdCompressor().compress],
                         ids=["gzip", "zstd"])
def test_a_cut_off_compressed_file_stores_nothing_unless_partial(tmp_path, capsys, data,
                                                                 demo_events, compress):
    (sid,) = stored(capsys, data)
    files = segment_files(data)
    events = demo_events * 4       # big enough that a cut zstd stream decodes in part
    blob = compress(json.dumps(events).encode())
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(blob[: len(blob) * 9 // 10])
    line = refused(*run(capsys, "--data", data, "import", cut)[::2])
    assert "stream is cut off" in line and "--partial" in line
    assert stored(capsys, data) == {sid: 272} and segment_files(data) == files

    code, out, err = run(capsys, "--data", data, "import", "--partial", cut)
    (pid,) = out.split()
    assert code == 0 and pid == f"{sid}_partial" and "cut off" in err
    code, out, _ = run(capsys, "--data", data, "sessions", "--json")
    rows = {s["id"]: s for s in json.loads(out)}
    assert rows[sid]["record_count"] == 272 and segment_files(data).items() >= files.items()
    assert "cut off" in rows[pid]["context"]["partial"]
    assert 0 < rows[pid]["record_count"] < len(events)
    # the same cut file again: nothing new - once said it stored a new session
    files = segment_files(data)
    code, out, err = run(capsys, "--data", data, "import", "--partial", cut)
    assert code == 0 and out.split() == [pid], err
    assert f"what decodes is stored already, as {pid} (marked partial): nothing new" in err
    assert "stored what decodes as a new session" not in err
    assert segment_files(data) == files


def test_an_rrweb_export_imports_back_as_the_same_session(tmp_path, capsys, demo_events):
    # no rrweb `sessionId` on the events: the id is a hash of the first events' shape (types,
    # times, sources), which the stricter rules below leave as it was
    events = [{k: v for k, v in e.items() if k != "sessionId"} for e in demo_events]
    src = tmp_path / "in.json"
    src.write_text(json.dumps(events))
    data = tmp_path / "d"
    data.mkdir()
    (data / "rules.toml").write_text('default = "mask"\n')
    (sid,) = run(capsys, "--data", data, "import", src)[1].split()
    exported = tmp_path / "export.json"
    assert run(capsys, "--data", data, "export", sid, "-o", exported)[0] == 0
    code, out, _ = run(capsys, "--data", data, "import", exported)
    assert code == 0 and out.split() == [sid]
    assert stored(capsys, data) == {sid: 272}
    # the id travels in the marker; without it the masked export is still the same session:
    # its events' shape is the recording's, whatever the rules said
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(json.loads(exported.read_text())[1:]))
    other = tmp_path / "other"
    assert run(capsys, "--data", other, "import", bare)[1].split() == [sid]


def test_rules_for_a_stored_session_point_to_mask(tmp_path, capsys, data, demo_file):
    (sid,) = stored(capsys, data)
    rules = tmp_path / "strict.toml"
    rules.write_text('default = "mask"\n')
    code, out, err = run(capsys, "--data", data, "import", "--rules", rules, demo_file)
    line = refused(code, err)
    assert f"session {sid} is stored already" in line
    assert f"replay mask --rules {rules} {sid}" in line
    assert stored(capsys, data) == {sid: 272}


def test_demo_names_the_bundled_demo_unless_a_file_is_called_that(tmp_path, capsys,
                                                                      monkeypatch, demo_file):
    d = tmp_path / "data"
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "--data", d, "import", "demo")
    assert code == 0, err
    assert stored(capsys, d) and out.split()[0] == "acme-shop-demo"
    # audit and mask read it in place, as they read any file
    code, out, err = run(capsys, "--data", d, "audit", "demo")
    assert code == 0 and "demo (acme-shop-demo)" in out, err
    (tmp_path / "rules.toml").write_text('version = 1\ndefault = "mask"\n')
    code, out, err = run(capsys, "--data", d, "mask", "demo", "--rules", tmp_path / "rules.toml",
                         "--dry-run")
    assert code == 0 and "would change" in out, err
    # a file called `demo` in the current folder is that file (here: not a recording)
    (tmp_path / "demo").write_text("not a recording")
    code, _, err = run(capsys, "--data", tmp_path / "other", "import", "demo")
    assert "demo" in refused(code, err)


def test_a_bundle_cut_within_its_first_segment_is_not_told_to_add_partial(tmp_path, capsys,
                                                                          demo_events):
    """A QA engineer's tryout: a bundle cut 2,000 bytes in was told "or add --partial", which
    then said no segment before the damage could be read (so did play, devtools...). Where
    nothing decodes, the refusal offers no --partial; nothing is stored."""
    bundle, _sid = multi_segment_bundle(tmp_path, capsys, demo_events)
    cut = tmp_path / "cut.replay"
    cut.write_bytes(bundle.read_bytes()[:2000])
    data = tmp_path / "d"
    for argv in (["import", cut], ["export", cut, "-o", tmp_path / "x.json"]):
        line = refused(*run(capsys, "--data", data, *argv)[::2])
        assert "cut short" in line and "--partial" not in line, line
    assert stored(capsys, data) == {} and segment_files(data) == {}
