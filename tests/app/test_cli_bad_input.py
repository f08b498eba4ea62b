"""Every command, every kind of bad input: exit status 2, one line on stderr that names the
problem and says what to do, no traceback - and nothing created or changed in the data folder.

One table: (case id, the command's arguments, words the line must contain). Each row runs the
real `replay` in a subprocess (a traceback would show on its stderr) against a data folder
holding one imported session, and compares the folder before and after: every segment file's
bytes, and every row of the index.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import sqlite3
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
import zstandard

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "rrweb-player-demo.json"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, Path | str]:
    """Input files of every bad kind, a data folder with the fixture imported, and its
    session's id (`sid`)."""
    d = tmp_path_factory.mktemp("bad")
    raw = FIXTURE.read_bytes()
    files = {
        "good": FIXTURE,
        "cut_gz": d / "cut.json.gz", "cut_zst": d / "cut.json.zst", "ints": d / "ints.json",
        "text": d / "notes.txt", "folder": d / "folder", "cut_bundle": d / "cut.replay",
        "bad_rules": d / "bad.toml", "data": d / "data", "newdir": d / "never-created",
        "bundle": d / "full.replay", "no_zip": d / "noise.replay", "huge_number": d / "huge.json",
        "html": d / "checkout.json", "png": d / "shot.json", "empty_bundle": d / "empty.replay",
        "list_type": d / "list-type.json", "object_source": d / "object-source.json",
        "dd_cut_zlib": d / "dd-cut.segment", "dd_cut_form": d / "dd-cut.multipart",
        "dd_no_segment": d / "dd-form.multipart", "dd_other_zlib": d / "other.deflated",
        "dd_deep": d / "dd-deep.json", "dd_later": d / "dd-later.json",
        "cut_first": d / "cut-first.json", "gz_head": d / "head.json.gz",
        "crc_bundle": d / "crc.replay", "mp4": d / "bug.mp4", "webm": d / "bug.webm",
        "script": d / "repro.py", "hosts": d / "hosts", "sqlite": d / "index.sqlite3",
        "binary": d / "blob.bin",
    }
    _datadog_files(files)
    # a list or an object where rrweb writes a number (a type, a source): a TypeError
    # traceback from the set of types every reader looks them up in
    files["list_type"].write_text('[{"type": [4], "timestamp": 1700000000000, "data": {}}]')
    files["object_source"].write_text('[{"type": 3, "timestamp": 1700000000000,'
                                      ' "data": {"source": {"id": 1}}}]')
    files["empty_bundle"].write_bytes(b"")   # a copy that never got its bytes
    # files picked by mistake: a saved web page and an image, named .json
    files["html"].write_text("<!DOCTYPE html>\n<html><head><title>Checkout</title></head>\n"
                             "<body><p>Pay</p></body></html>\n")
    files["png"].write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    # text whose first line starts with digits (it said "fix the file": nothing to fix), and
    # a data folder's index (a real SQLite database)
    files["hosts"].write_text("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n")
    con = sqlite3.connect(files["sqlite"])
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    files["cut_gz"].write_bytes(gzip.compress(raw)[:5000])
    # cut before a first whole event: nothing to store, even with --partial
    files["cut_first"].write_bytes(raw[:raw.index(b"}")])
    files["gz_head"].write_bytes(gzip.compress(raw)[:10])
    files["cut_zst"].write_bytes(zstandard.ZstdCompressor().compress(raw)[:5000])
    files["ints"].write_text("[1, 2, 3]")
    # valid JSON whose last event holds a number no float holds (it said "breaks off")
    events = json.loads(raw)
    files["huge_number"].write_text(json.dumps(events)[:-1] + ', {"type": 3, "timestamp": 1e400,'
                                    ' "data": {"source": 1, "positions": []}}]')
    files["text"].write_text("these are my notes, not a recording\n")
    files["folder"].mkdir()
    files["bad_rules"].write_text('version = 1\ndefault = "sometimes"\n')
    _replay(["--data", str(files["data"]), "import", str(FIXTURE)], check=True)
    files["sid"] = _sid(files["data"])
    _replay(["--data", str(files["data"]), "export", files["sid"], "-o",
             str(files["bundle"])], check=True)
    files["cut_bundle"].write_bytes(files["bundle"].read_bytes()[:-300])
    _flip_first_segment(files["bundle"], files["crc_bundle"])
    # `replay export`'s video and script, handed over in place of the bundle (a video's
    # first bytes: its size, then its box, or EBML's)
    files["mp4"].write_bytes(b"\x00\x00\x00\x20ftypisom" + bytes(200))
    files["webm"].write_bytes(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81" + bytes(200))
    # random bytes: "JSON is malformed: invalid character (fix the file...)" was no help
    files["binary"].write_bytes(bytes((i * 37 + 11) % 256 for i in range(1000)))
    _replay(["--data", str(files["data"]), "export", files["sid"], "-o",
             str(files["script"])], check=True)
    files["no_zip"].write_bytes(bytes(range(256)) * 8)   # named .replay, no zip at all
    return files


def _datadog_files(files: dict) -> None:
    """Datadog uploads gone wrong: a deflated segment cut off, a replay request's multipart
    body cut off, a form with no `segment` part, a zlib stream of something else (rrweb
    JSON deflated), a view's DOM nested past the limit (the Change format's adds are flat
    JSON: only the tree they build is deep), and a view's later segment alone."""
    t0 = 1_700_000_000_000

    def segment(records, index=0):
        return {"session": {"id": "dd"}, "view": {"id": "v"}, "start": t0,
                "index_in_view": index, "records": records}
    meta = {"type": 4, "timestamp": t0, "data": {"href": "https://x.test/", "width": 800,
                                                 "height": 600}}
    tree = [[11, [1, "#document", "HTML", "BODY", "DIV"]], [1, [None, 0], [1, 1], [1, 2]]]
    snap = {"type": 2, "format": 1, "timestamp": t0, "data": tree}
    deflated = zlib.compress(json.dumps(segment([meta, snap])).encode())

    def form(name: str, body: bytes) -> bytes:
        return (f'--B\r\nContent-Disposition: form-data; name="{name}"; filename="x"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n").encode() + body + b"\r\n--B--\r\n"
    files["dd_cut_zlib"].write_bytes(deflated[:-8])
    files["dd_cut_form"].write_bytes(form("segment", deflated)[:-20])
    files["dd_no_segment"].write_bytes(form("event", b'{"view": {"id": "v"}}'))
    files["dd_other_zlib"].write_bytes(zlib.compress(FIXTURE.read_bytes()))
    deep = [tree[0], tree[1] + [[1, 3]] * 3000]
    files["dd_deep"].write_text(json.dumps(segment([meta, {**snap, "data": deep}])))
    files["dd_later"].write_text(json.dumps(segment(
        [{"type": 12, "timestamp": t0 + 5, "data": [[3, [3, ["id", "x"]]]]}], index=1)))


def _replay(argv: list[str], check: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", COLUMNS="200")
    p = subprocess.run([sys.executable, "-m", "app", *argv], capture_output=True, text=True,
                       env=env, timeout=120, stdin=subprocess.DEVNULL)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def _sid(data: Path) -> str:
    out = _replay(["--data", str(data), "sessions", "--json"], check=True).stdout
    return json.loads(out)[0]["id"]


def _flip_first_segment(bundle: Path, out: Path) -> None:
    """A copy of `bundle` with two bytes in the middle of its first segment's zip entry
    flipped: the entry fails its CRC when read (a tryout's bundle crashed `play`)."""
    data = bytearray(bundle.read_bytes())
    with zipfile.ZipFile(bundle) as z:
        info = next(i for i in z.infolist() if i.filename.startswith("segments/"))
    # the entry's bytes follow its local header: 30 bytes, then its name and extra field
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    at = info.header_offset + 30 + name_len + extra_len + info.compress_size // 2
    data[at] ^= 0xFF
    data[at + 1] ^= 0xFF
    out.write_bytes(bytes(data))


def _state(data: Path) -> tuple:
    """What is stored: every segment file's bytes and every index row."""
    if not data.exists():
        return ("absent",)
    segs = sorted((p.relative_to(data).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest())
                  for p in (data / "segments").rglob("*") if p.is_file())
    con = sqlite3.connect(data / "index.sqlite3")
    try:
        rows = list(con.iterdump())
    finally:
        con.close()
    other = sorted(p.name for p in data.iterdir()
                   if p.name not in ("segments", "index.sqlite3", "index.sqlite3-wal",
                                     "index.sqlite3-shm"))
    return segs, rows, other


# (case, argv with {placeholders}, words the one line must contain - lower case)
CASES = [
    ("import a cut-off .json.gz", ["import", "{cut_gz}"], ["cut.json.gz", "cut off"]),
    ("import a cut-off .json.zst", ["import", "{cut_zst}"], ["cut.json.zst", "cut off"]),
    ("import a JSON array cut before its first event", ["import", "{cut_first}"],
     ["cut-first.json", "breaks off", "nothing before that decoded"]),
    ("import a gzip file cut in its header", ["import", "{gz_head}"],
     ["head.json.gz", "cut off", "nothing before that decoded"]),
    ("import a JSON array of numbers", ["import", "{ints}"], ["ints.json", "rrweb event"]),
    ("snapshot a JSON array of numbers", ["snapshot", "{ints}", "-o", "-"],
     ["ints.json", "rrweb event"]),
    ("audit a JSON array of numbers", ["audit", "{ints}"], ["ints.json", "rrweb event"]),
    ("import a text file", ["import", "{text}"], ["notes.txt", "not json"]),
    ("import a hosts file", ["import", "{hosts}"], ["hosts", "a text file", "not a session"]),
    ("import an SQLite database", ["import", "{sqlite}"],
     ["index.sqlite3", "an sqlite database", "--data"]),
    ("devtools an e-mail address", ["devtools", "grace@example.com"],
     ["no session 'grace@example.com'", "replay sessions --user grace@example.com"]),
    ("import an event whose type is a list", ["import", "{list_type}"],
     ["list-type.json", "'type' is a list, not a number", "event #0"]),
    ("audit an event whose source is an object", ["audit", "{object_source}"],
     ["object-source.json", "'data.source' is an object, not a number"]),
    ("export an event whose type is a list", ["export", "{list_type}", "-o", "-"],
     ["list-type.json", "'type' is a list"]),
    ("import a web page named .json", ["import", "{html}"],
     ["checkout.json", "an html page, not a session recording", "posthog"]),
    ("import an image named .json", ["import", "{png}"], ["shot.json", "a png image"]),
    ("screenshot a web page named .json", ["screenshot", "{html}", "--at", "0", "-o",
                                           "{folder}/x.png"], ["checkout.json", "an html page"]),
    ("import a number out of range", ["import", "{huge_number}"],
     ["huge.json", "number out of range", "event #"]),
    ("import a folder", ["import", "{folder}"], ["is a folder"]),
    # (its only segment cut: nothing decodes - "add --partial" was said with --partial too)
    ("import a cut-off Datadog segment", ["import", "{dd_cut_zlib}"],
     ["dd-cut.segment", "cut off", "nothing before that decoded"]),
    ("import a cut-off Datadog request", ["import", "{dd_cut_form}"],
     ["dd-cut.multipart", "cut off", "nothing before that decoded"]),
    ("import a form without a Datadog segment", ["import", "{dd_no_segment}"],
     ["dd-form.multipart", 'no part named "segment"']),
    ("import a zlib stream of something else", ["import", "{dd_other_zlib}"],
     ["other.deflated", "besides datadog segments"]),
    ("import a Datadog view nested too deep", ["import", "{dd_deep}"],
     ["dd-deep.json", "nests more than 2,000 levels", "nothing stored"]),
    ("import a Datadog view's later segment alone", ["import", "{dd_later}"],
     ["dd-later.json", "first segment (its full snapshot) is missing"]),
    ("play an empty .replay", ["play", "{empty_bundle}", "--quit-after", "10"],
     ["empty.replay is empty (0 bytes)", "export it again"]),
    ("import a missing file", ["import", "{folder}/nope.json"], ["no such file"]),
    ("import a cut-off bundle", ["import", "{cut_bundle}"], ["cut.replay", "--partial"]),
    ("import a .replay that is no zip", ["import", "{no_zip}"],
     ["noise.replay", "not a .replay bundle"]),
    ("import a bundle whose one segment fails its CRC", ["import", "{crc_bundle}"],
     ["crc.replay", "its segment is damaged", "export it again"]),
    ("play a bundle whose one segment fails its CRC", ["play", "{crc_bundle}",
                                                        "--quit-after", "10"],
     ["nothing of", "crc.replay", "damaged", "export it again"]),
    ("screenshot a bundle whose one segment fails its CRC",
     ["screenshot", "{crc_bundle}", "--at", "0", "-o", "{folder}/x.png"],
     ["crc.replay", "damaged", "export it again"]),
    ("export a bundle whose one segment fails its CRC",
     ["export", "{crc_bundle}", "-o", "{folder}/x.har"], ["crc.replay", "damaged"]),
    ("import an MP4 video", ["import", "{mp4}"], ["bug.mp4", "an mp4 video", "pictures only"]),
    ("import random bytes", ["import", "{binary}"],
     ["blob.bin", "binary data (not json text, gzip, zstd or a zip), not a session recording"]),
    ("play a WebM video", ["play", "{webm}", "--quit-after", "10"],
     ["bug.webm", "a webm video", "pictures only"]),
    ("import a Playwright script", ["import", "{script}"],
     ["repro.py", "a python script", "run it with python"]),
    ("import with a bad rules file", ["import", "{good}", "--rules", "{bad_rules}"],
     ["bad.toml", "default"]),
    ("import --user-email without --user", ["import", "{good}", "--user-email", "a@b.test"],
     ["--user-email", "--user"]),
    ("screenshot into a missing folder", ["screenshot", "{good}", "--at", "0", "-o",
                                          "{folder}/missing/x.png"], ["does not exist"]),
    ("screenshot huge size", ["screenshot", "{good}", "--at", "0", "--size", "99999x99999",
                              "-o", "{folder}/x.png"], ["--size", "99999x99999"]),
    ("screenshot tiny size", ["screenshot", "{good}", "--at", "0", "--size", "10x10",
                              "-o", "{folder}/x.png"], ["--size", "10x10"]),
    ("screenshot size not WxH", ["screenshot", "{good}", "--at", "0", "--size", "big",
                                 "-o", "{folder}/x.png"], ["--size", "widthxheight"]),
    ("screenshot not png", ["screenshot", "{good}", "--at", "0", "-o", "{folder}/x.jpg"],
     [".png"]),
    ("snapshot before the session", ["snapshot", "{good}", "--at", "-5", "-o", "-"],
     ["outside the session"]),
    ("snapshot after the session", ["snapshot", "{good}", "--at", "99999999", "-o", "-"],
     ["outside the session"]),
    ("snapshot --at not a number", ["snapshot", "{good}", "--at", "soon", "-o", "-"],
     ["--at", "milliseconds"]),
    ("snapshot an empty name", ["snapshot", "", "-o", "-"], ["empty"]),
    ("snapshot into a folder", ["snapshot", "{good}", "-o", "{folder}"], ["is a folder"]),
    ("snapshot --session-number beyond the file", ["snapshot", "{good}", "--session-number",
                                                    "5", "-o", "-"], ["session 5", "--session-number"]),
    ("--session-number negative", ["snapshot", "{good}", "--session-number", "-1", "-o", "-"],
     ["--session-number"]),
    ("--session-number on a stored session", ["snapshot", "{sid}", "--session-number", "1",
                                              "-o", "-"], ["--session-number"]),
    ("export an unknown session", ["export", "ffffffff", "-o", "{folder}/x.json"],
     ["ffffffff", "replay sessions"]),
    ("devtools an unknown session", ["devtools", "ffffffff"], ["ffffffff", "replay sessions"]),
    ("devtools a tab the pane does not have", ["devtools", "{good}", "--tab", "storage"],
     ["--tab", "storage", "errors"]),
    ("export into a missing folder", ["export", "{sid}", "-o", "{folder}/missing/x.json"],
     ["does not exist"]),
    ("export a format that does not exist", ["export", "{sid}", "--format", "avi"],
     ["--format", "avi"]),
    ("export --to after the session", ["export", "{sid}", "-o", "{folder}/x.har", "--to",
                                       "99999999"], ["--to 99999999", "after the session ends"]),
    ("export --from before the session", ["export", "{sid}", "-o", "{folder}/x.har", "--from",
                                          "-5"], ["--from -5", "before the session starts"]),
    ("play a missing file", ["play", "{folder}/nope.json"], ["no such file"]),
    ("sessions --limit -1", ["sessions", "--limit", "-1"], ["--limit"]),
    ("sessions --limit 0", ["sessions", "--limit", "0"], ["--limit"]),
    ("sessions --since garbage", ["sessions", "--since", "yesterdayish"], ["--since"]),
    ("sessions in a data folder that does not exist", ["--data", "{newdir}", "sessions"],
     ["no data folder"]),
    ("a session in a data folder that does not exist", ["--data", "{newdir}", "snapshot",
                                                        "abc123", "-o", "-"], ["no data folder"]),
    ("audit with nothing named", ["audit"], ["--all"]),
    ("audit an unknown detector", ["audit", "--all", "--detectors", "passport"], ["passport"]),
    ("mask with a bad rules file", ["mask", "--rules", "{bad_rules}", "--all"], ["bad.toml"]),
    ("mask an unknown session", ["mask", "--rules", "{bad_rules}", "ffffffff"], ["bad.toml"]),
    # said in words, not as Python's "[Errno 21] Is a directory: ..." (a newcomer's tryout)
    ("mask with a folder for rules", ["mask", "--rules", "{folder}", "--all", "--dry-run"],
     ["is a folder, not a rules file"]),
    ("delete an empty user", ["delete", "--user", "", "--dry-run"], ["--user is empty"]),
    ("an origin of another scheme", ["app", "create", "shop", "--origin", "ftp://shop.test"],
     ["http:// or https://, not ftp://"]),
    ("an origin with a path", ["app", "create", "shop", "--origin", "https://shop.test/cart"],
     ["is not scheme://host[:port]"]),
    ("an unknown command", ["fly"], ["fly"]),
    # said by the command, whose --help lists what it takes (it said `replay --help`), with
    # the prefix every error has (it was `replay audit: error:`, `replay app create: error:`)
    ("an option the command does not take", ["audit", "--all", "--unmasked"],
     ["replay: error: unrecognized arguments: --unmasked", "`replay audit --help`"]),
    ("a command's required option left out", ["screenshot", "{good}", "-o", "{folder}/x.png"],
     ["replay: error: the following arguments are required: --at",
      "`replay screenshot --help`"]),
    ("an action's argument left out", ["app", "create"],
     ["replay: error: the following arguments are required: name",
      "`replay app create --help`"]),
]


@pytest.mark.parametrize("case,argv,words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_one_clear_line_and_changes_nothing(world, case, argv, words):
    data = world["data"]
    fill = {k: str(v) for k, v in world.items()}
    argv = [a.format(**fill) for a in argv]
    if "--data" not in argv:
        argv = ["--data", str(data), *argv]
    target = Path(argv[argv.index("--data") + 1])
    before = _state(target)
    p = _replay(argv)
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr
    assert len(lines) == 1, p.stderr
    line = lines[0].lower()
    assert line.startswith("replay") and "error:" in line, line
    for w in words:
        assert w.lower() in line, (w, line)
    assert _state(target) == before, "the data folder changed"
    assert not (world["folder"] / "missing").exists()


@pytest.mark.parametrize("name", ["no_zip", "cut_first", "gz_head", "dd_cut_zlib"])
def test_a_file_that_holds_nothing_to_salvage_is_not_offered_partial(world, name):
    """`--partial` salvages what a damaged or cut-off file still holds; a file that is no
    zip at all holds nothing of a bundle, nor one cut before its first whole event (or in
    its compressed stream's header) anything of a recording: suggesting it ("breaks off
    after 0 whole events ... add --partial") led to a second failure."""
    p = _replay(["--data", str(world["data"]), "import", str(world[name])])
    assert p.returncode == 2 and "--partial" not in p.stderr, p.stderr


def test_a_damaged_applications_file_is_one_line_and_no_worker_starts(tmp_path):
    """`DATA/apps.sqlite3` that is not a database: a traceback from `replay app`, and with
    `serve --workers 2` workers failing on start again and again (an operator's tryout)."""
    import socket
    data = tmp_path / "data"
    data.mkdir()
    (data / "apps.sqlite3").write_bytes(b"garbage, not a database\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for argv in (["app", "list"], ["app", "create", "shop"], ["app", "rules", "shop"],
                 ["serve", "--port", str(port), "--workers", "2"]):
        p = _replay(["--data", str(data), *argv])
        lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
        assert p.returncode == 2 and len(lines) == 1, (argv, p.stderr)
        assert "apps.sqlite3 cannot be read" in lines[0] and "Traceback" not in p.stderr
    assert (data / "apps.sqlite3").read_bytes() == b"garbage, not a database\n"


def test_app_rules_says_what_is_wrong_with_the_file_in_one_line(tmp_path):
    """Not UTF-8: a traceback; a folder: "no such file"; a UTF-8 byte-order mark (as some
    editors save): "not valid TOML" at column 1 (an operator's tryout). The same for `mask`."""
    data = tmp_path / "data"
    assert _replay(["--data", str(data), "app", "create", "shop"]).returncode == 0
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'version = 1\ndefault = "mask"\n# caf\xe9\n')
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b'\xef\xbb\xbfversion = 1\ndefault = "mask"\n')
    for path, said in ((latin, "save it as utf-8"), (tmp_path, "is a folder")):
        p = _replay(["--data", str(data), "app", "rules", "shop", "--rules", str(path)])
        lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
        assert p.returncode == 2 and len(lines) == 1 and said in lines[0].lower(), p.stderr
    p = _replay(["--data", str(data), "app", "rules", "shop", "--rules", str(bom)])
    assert p.returncode == 0, p.stderr
    p = _replay(["--data", str(data), "mask", "--rules", str(bom), "--dry-run", str(FIXTURE)])
    assert p.returncode == 0 and "default level mask" in p.stdout + p.stderr, p.stderr


def test_python_m_app_cli_says_a_user_error_in_one_line_too(tmp_path):
    """`python -m app.cli` runs cli.py as `__main__`: the commands raise `app.cli.UserError`,
    another class than `__main__.UserError`, so main let it through as a traceback."""
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    p = subprocess.run([sys.executable, "-m", "app.cli", "--data", str(tmp_path / "d"), "import",
                        str(bad)], capture_output=True, text=True, env=env, timeout=120,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr and p.stderr.count("\n") == 1, p.stderr
    assert not (tmp_path / "d").exists() or not list((tmp_path / "d").rglob("*.seg"))


# Ctrl+C while `replay` is still loading: raised, as the terminal would, as the module
# named is imported (the entry point's own `try` has begun by then; `app.cli` and the
# commands' modules are imported inside it)
CTRL_C_WHILE_LOADING = """
import sys, importlib.abc
class CtrlC(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == %r:
            raise KeyboardInterrupt
sys.meta_path.insert(0, CtrlC())
sys.argv = ["replay", "--data", %r, "sessions"]
from app.entry import main
sys.exit(main())
"""


@pytest.mark.parametrize("module", ["recorder.index", "recorder.store"])
def test_ctrl_c_while_replay_is_loading_is_quiet(tmp_path, module):
    """Ctrl+C in the first fifth of a second of any command (`replay serve` started on the
    wrong port, stopped at once) printed a KeyboardInterrupt traceback from the import under
    way: it ends with 130 and says nothing, as Ctrl+C later does. `recorder.index` is
    imported by `app.cli` itself, `recorder.store` by the commands' modules."""
    p = subprocess.run([sys.executable, "-c", CTRL_C_WHILE_LOADING % (module, str(tmp_path))],
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert p.returncode == 130, p.stderr
    assert p.stderr == "", p.stderr
