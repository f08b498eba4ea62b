"""Issue 15, items 8 and 9: hostile input to `replay import` is refused by name, in one
line, with exit 2, nothing stored - and a decompression bomb costs no memory.

Bombs are imported by a real `replay import` subprocess whose peak memory the kernel
reports (getrusage(RUSAGE_CHILDREN) in a small wrapper process, see `_MEASURE`). Each
bomb expands to about 4 GB (or claims 64 GB); the bound asserted is 300 MB.
"""
from __future__ import annotations

import gzip
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import msgspec
import pytest
import zstandard

from app.cli import main
from recorder.limits import MAX_DOM_DEPTH
from recorder.rrweb_io import read_recordings

REPO = Path(__file__).resolve().parents[2]
T0 = 1_700_000_000_000
MB = 1 << 20
PEAK_LIMIT_MB = 300
SPACES = b" " * (16 * MB)
BOMB_CHUNKS = 255                     # x 16 MB = 4.0 GB (fits a 32-bit zip size field)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(code: int, err: str) -> str:
    assert code == 2, err
    assert "Traceback" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("replay: error: "), err
    return lines[0]


def error_line(code: int, err: str) -> str:
    """Like one_line, for a subprocess: there a skipped segment's warning also reaches
    stderr (logging's last resort) ahead of the error; the error is still one line."""
    assert code == 2, err
    assert "Traceback" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert [ln for ln in lines if ln.startswith("replay: error: ")] == lines[-1:], err
    assert all("skipped" in ln for ln in lines[:-1]), err
    return lines[-1]


# Linux carries a process's peak RSS across fork and exec, so a child of this (large)
# test process would report at least our own peak. A small wrapper process starts the
# import instead and reports its children's peak: the import's own.
_MEASURE = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def import_measured(tmp_path: Path, f: Path) -> tuple[int, str, str, float]:
    """(exit status, stdout, stderr, peak RSS in MB) of `replay import f` in a subprocess."""
    peak_file = tmp_path / "peak.txt"
    proc = subprocess.run([sys.executable, "-c", _MEASURE, str(peak_file), sys.executable,
                           "-m", "app", "--data", str(tmp_path / "data"), "import", str(f)],
                          capture_output=True, text=True, cwd=REPO)
    peak_mb = int(peak_file.read_text()) / 1024                     # Linux reports KB
    # the figures, past capsys (shown with -s)
    os.write(2, f"\n{f.name} ({f.stat().st_size:,} bytes): exit {proc.returncode}, peak"
                f" {peak_mb:.0f} MB\n".encode())
    return proc.returncode, proc.stdout, proc.stderr, peak_mb


def stored(capsys, data: Path) -> list:
    return json.loads(run(capsys, "--data", data, "sessions", "--json")[1])


# --- making hostile files ----------------------------------------------------------------
def deflate_bomb(chunks: int = BOMB_CHUNKS, zlib_header: bool = False) -> bytes:
    """A deflate stream (raw, or zlib's when `zlib_header`) of chunks x 16 MB of spaces,
    built by repeating one fully flushed, self-contained run of blocks: megabytes of output
    per compressed kilobyte. Its trailer does not check out; readers never get that far."""
    co = zlib.compressobj(9, zlib.DEFLATED, 15 if zlib_header else -15)
    blocks = co.compress(SPACES) + co.flush(zlib.Z_FULL_FLUSH)
    header = blocks[:2] if zlib_header else b""
    return header + blocks[len(header):] * chunks + co.flush()


def claim_content_size(frame: bytes, size: int) -> bytes:
    """A zstd frame rewritten to declare `size` bytes of content (8-byte size field)."""
    fhd = frame[4]
    assert fhd & 0xC0 == 0 and not fhd & 0x20 and fhd & 3 == 0   # no size, windowed, no dict
    return frame[:4] + bytes([fhd | 0xC0]) + frame[5:6] + struct.pack("<Q", size) + frame[6:]


def write_zip(path: Path, entries: list[tuple[str, bytes, int, int, int]]) -> None:
    """A zip built by hand, so an entry can hold any deflate stream and any header:
    entries are (name, stored bytes, method, crc32, declared uncompressed size)."""
    out, central = bytearray(), bytearray()
    for name, data, method, crc, size in entries:
        n = name.encode()
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0,
                               crc, len(data), size, len(n), 0, 0, 0, 0, 0, len(out)) + n
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(data),
                           size, len(n), 0) + n + data
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries),
                                 len(central), len(out), 0)
    path.write_bytes(out)


def stored_entry(name: str, data: bytes) -> tuple[str, bytes, int, int, int]:
    return name, data, zipfile.ZIP_STORED, zlib.crc32(data), len(data)


@pytest.fixture
def bundle(tmp_path, capsys, demo_events) -> Path:
    """The demo session exported as a .replay bundle (a fresh data folder for imports)."""
    src = tmp_path / "demo.json"
    src.write_text(json.dumps(demo_events))
    out = tmp_path / "demo.replay"
    assert run(capsys, "--data", tmp_path / "exporter", "export", src, "-o", out)[0] == 0
    return out


def entries_of(bundle: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as z:
        return {n: z.read(n) for n in z.namelist()}


def rebundle(bundle: Path, dest: Path, *, manifest=None, replace=None) -> Path:
    """A copy of `bundle` with its manifest or entries replaced (all stored)."""
    entries = entries_of(bundle)
    if manifest is not None:
        entries["manifest.json"] = json.dumps(manifest).encode()
    entries.update(replace or {})
    write_zip(dest, [stored_entry(n, d) for n, d in entries.items()])
    return dest


# --- item 8: decompression bombs ------------------------------------------------------
def test_15_8_gzip_bomb_is_refused_by_name_in_bounded_memory(tmp_path, capsys):
    f = tmp_path / "bomb.json.gz"
    f.write_bytes(gzip.compress(b"[", 9) + gzip.compress(SPACES, 9) * BOMB_CHUNKS)
    assert f.stat().st_size < 5 * MB
    code, _, err, peak = import_measured(tmp_path, f)
    assert "decompressed_too_large" in error_line(code, err)
    assert peak < PEAK_LIMIT_MB
    assert stored(capsys, tmp_path / "data") == []


def test_15_8_zstd_bomb_is_refused_by_name_in_bounded_memory(tmp_path, capsys):
    c = zstandard.ZstdCompressor(level=19)
    f = tmp_path / "bomb.json.zst"
    f.write_bytes(c.compress(b"[") + c.compress(SPACES) * BOMB_CHUNKS)   # frame after frame
    code, _, err, peak = import_measured(tmp_path, f)
    assert "decompressed_too_large" in error_line(code, err)
    assert peak < PEAK_LIMIT_MB
    assert stored(capsys, tmp_path / "data") == []


def test_15_8_packer_string_bomb_is_refused_by_name(tmp_path, capsys):
    packed = deflate_bomb(chunks=64, zlib_header=True).decode("latin-1")   # 1 GB in one string
    f = tmp_path / "packed.json"
    f.write_text(json.dumps([packed]))
    code, _, err, peak = import_measured(tmp_path, f)
    assert "decompressed_too_large" in error_line(code, err)
    assert peak < PEAK_LIMIT_MB


@pytest.mark.parametrize("header", ["honest", "lying"])
def test_15_8_zip_bomb_segment_is_damage_not_memory(tmp_path, capsys, bundle, header):
    """A segment entry deflating to 4 GB: refused on its zip header when that says so, on
    the bytes it yields when the header lies."""
    bomb = deflate_bomb()
    entries = [stored_entry(n, d) for n, d in entries_of(bundle).items()
               if not n.startswith("segments/")]
    for n in entries_of(bundle):
        if n.startswith("segments/"):
            entries.append((n, bomb, zipfile.ZIP_DEFLATED, 0,
                            BOMB_CHUNKS * len(SPACES) if header == "honest" else 1000))
    f = tmp_path / "zipbomb.replay"
    write_zip(f, entries)
    code, _, err, peak = import_measured(tmp_path, f)
    line = error_line(code, err)
    assert "damaged, nothing to store" in line, line
    assert peak < PEAK_LIMIT_MB
    assert stored(capsys, tmp_path / "data") == []


def test_15_8_manifest_bomb_is_refused(tmp_path, capsys, bundle):
    entries = [stored_entry(n, d) for n, d in entries_of(bundle).items() if n != "manifest.json"]
    entries.append(("manifest.json", deflate_bomb(), zipfile.ZIP_DEFLATED, 0,
                    BOMB_CHUNKS * len(SPACES)))
    f = tmp_path / "manifestbomb.replay"
    write_zip(f, entries)
    code, _, err, peak = import_measured(tmp_path, f)
    assert "manifest.json is 4,278,190,080 bytes" in error_line(code, err)
    assert peak < PEAK_LIMIT_MB
    assert stored(capsys, tmp_path / "data") == []


def test_15_8_segment_claiming_a_64_gb_frame_is_damage(tmp_path, capsys, bundle):
    """The issue's 1.3 KB bundle: a segment whose zstd frame declares 64 GB of content
    (zstd would allocate it: a MemoryError traceback before)."""
    from recorder.format import decode_msgpack
    from recorder.segments import _CRC, _FIXED, LIVE_CODEC, SegmentMeta, decode_segment, \
        encode_segment
    sid = json.loads(entries_of(bundle)["manifest.json"])["session"]["id"]
    ev = {"type": 4, "timestamp": T0, "data": {"href": "http://x/", "width": 1, "height": 1}}
    meta = SegmentMeta(index=0, start_ms=T0, end_ms=T0, record_count=1,
                       has_full_snapshot=False, creation_reason="init")
    blob = encode_segment(sid, meta, [ev], LIVE_CODEC)
    _, _, hlen, plen = _FIXED.unpack_from(blob)
    header = blob[_FIXED.size: _FIXED.size + hlen]
    frame = zstandard.ZstdCompressor(write_content_size=False).compress(
        zstandard.ZstdDecompressor().decompress(blob[_FIXED.size + hlen: -_CRC.size]))
    frame = claim_content_size(frame, 64 << 30)
    body = _FIXED.pack(b"RPSG", 1, hlen, len(frame)) + header + frame
    bomb = body + _CRC.pack(zlib.crc32(body))
    assert decode_msgpack(header)["session"] == sid
    manifest = json.loads(entries_of(bundle)["manifest.json"])
    manifest["segments"] = [{**manifest["segments"][0], "index": 0, "file": "segments/0.seg"}]
    f = tmp_path / "claims64gb.replay"
    write_zip(f, [stored_entry("mimetype", b"application/vnd.session-replay+zip"),
                  stored_entry("manifest.json", json.dumps(manifest).encode()),
                  stored_entry("segments/0.seg", bomb)])
    assert f.stat().st_size < 4096
    code, _, err, peak = import_measured(tmp_path, f)
    line = error_line(code, err)
    assert "payload claims 68,719,476,736 bytes" in line, line
    assert peak < PEAK_LIMIT_MB
    with pytest.raises(ValueError, match="claims 68,719,476,736 bytes"):
        decode_segment(bomb)


def test_15_8_compressed_recordings_still_import(tmp_path, capsys, demo_events):
    raw = json.dumps(demo_events).encode()
    ids = set()
    for name, data in (("demo.json.gz", gzip.compress(raw)),
                       ("demo.json.zst", zstandard.ZstdCompressor(level=19).compress(raw))):
        (tmp_path / name).write_bytes(data)
        code, out, err = run(capsys, "--data", tmp_path / "data", "import", tmp_path / name)
        assert code == 0, err
        ids.add(out.strip())
    assert ids == {demo_events[0]["sessionId"]}


# --- item 9: one line instead of a traceback --------------------------------------------
def test_15_9_json_nested_100000_deep_is_refused_by_name(tmp_path, capsys):
    f = tmp_path / "deep.json"
    f.write_text("[" * 100_000 + "]" * 100_000)
    line = one_line(*run(capsys, "--data", tmp_path / "data", "import", f)[::2])
    assert "nests more than 5,000 levels deep" in line and "nesting_too_deep" in line


def test_15_9_a_huge_timestamp_is_said_by_its_field(tmp_path, capsys):
    """A support engineer's `hugets.json`: an event stamped 1e32 was refused as "event holds
    the integer 100000000000...(33 digits)" - the field is named, its number shortened."""
    events = [{"type": 4, "timestamp": T0, "data": {"href": "http://x/", "width": 800,
                                                     "height": 600}},
              {"type": 3, "timestamp": T0 + 5, "data": {"source": 2, "type": 2, "id": 1,
                                                         "x": 5, "y": 6}},
              {"type": 3, "timestamp": 10 ** 32, "data": {"source": 2, "type": 2, "id": 1,
                                                          "x": 5, "y": 6}}]
    f = tmp_path / "hugets.json"
    f.write_text(json.dumps(events))
    line = one_line(*run(capsys, "--data", tmp_path / "data", "import", f)[::2])
    assert "event #2: its timestamp, 100000000000...(33 digits), is beyond the numbers a" \
        " recording can store (64-bit integers) - a timestamp is epoch milliseconds, 13" \
        " digits today" in line, line
    assert "holds the integer" not in line
    assert stored(capsys, tmp_path / "data") == []


@pytest.mark.parametrize("where", ["payload", "timestamp"])
def test_15_9_integers_beyond_64_bits_are_refused_by_name(tmp_path, capsys, where):
    big = 2 ** 70
    meta = {"type": 4, "timestamp": T0, "data": {"href": "http://x/", "width": 800,
                                                   "height": 600}}
    custom = {"type": 5, "timestamp": big if where == "timestamp" else T0 + 1,
              "data": {"tag": "order", "payload": {"n": big if where == "payload" else 1}}}
    f = tmp_path / "big.json"
    f.write_text(json.dumps([meta, custom]))
    line = one_line(*run(capsys, "--data", tmp_path / "data", "import", f)[::2])
    assert "integer_out_of_range" in line and str(big) in line, line
    # the field named ("event holds the integer ..." said not which), a timestamp explained
    field = "timestamp" if where == "timestamp" else "data.payload.n"
    assert f"event #1: its {field}, {big}, is beyond the numbers a recording can store" \
        " (64-bit integers)" in line, line
    assert ("a timestamp is epoch milliseconds" in line) == (where == "timestamp"), line
    assert stored(capsys, tmp_path / "data") == []
    # 2**64 - 1 and -2**63 are still integers MessagePack keeps
    custom["timestamp"], custom["data"]["payload"] = T0 + 1, {"n": (1 << 64) - 1,
                                                             "m": -(1 << 63)}
    f.write_text(json.dumps([meta, custom]))
    code, _, err = run(capsys, "--data", tmp_path / "data", "import", f)
    assert code == 0, err


@pytest.mark.parametrize("breakage", ["a list", "version text", "segments text",
                                      "session id number", "segment index text",
                                      "no segments"])
def test_15_9_bundle_manifest_of_the_wrong_types_is_one_line(tmp_path, capsys, bundle, breakage):
    m = json.loads(entries_of(bundle)["manifest.json"])
    if breakage == "a list":
        m = [m]
    elif breakage == "version text":
        m["version"] = "1"
    elif breakage == "segments text":
        m["segments"] = "segments/000000.seg"
    elif breakage == "session id number":
        m["session"]["id"] = 5
    elif breakage == "segment index text":
        m["segments"][0]["index"] = "0"
    else:
        del m["segments"]
    f = rebundle(bundle, tmp_path / "broken.replay", manifest=m)
    line = one_line(*run(capsys, "--data", tmp_path / "data", "import", f)[::2])
    assert "broken manifest" in line or "not a readable .replay bundle" in line, line
    assert stored(capsys, tmp_path / "data") == []


@pytest.mark.parametrize("partial", [[], ["--partial"]])
def test_15_9_bundle_whose_segments_are_all_damaged_says_so(tmp_path, capsys, bundle, partial):
    """Exit 2 even with --partial: there is nothing to store, and exit 0 would say there was."""
    damaged = {n: d[:-5] + bytes([d[-5] ^ 0xFF]) + d[-4:]       # one flipped byte each
               for n, d in entries_of(bundle).items() if n.startswith("segments/")}
    f = rebundle(bundle, tmp_path / "damaged.replay", replace=damaged)
    line = one_line(*run(capsys, "--data", tmp_path / "data", "import", *partial, f)[::2])
    said = "its segment is" if len(damaged) == 1 else f"all {len(damaged)} segments are"
    assert f"{said} damaged, nothing to store" in line, line
    assert "checksum mismatch" in line
    assert stored(capsys, tmp_path / "data") == []


def test_15_9_bundle_of_no_segment_says_so(tmp_path, capsys, bundle):
    """An export of a session none of whose segments could be read once wrote a bundle of
    none, which imported with no word and exit 0."""
    m = json.loads(entries_of(bundle)["manifest.json"])
    m["segments"] = []
    f = rebundle(bundle, tmp_path / "empty.replay", manifest=m)
    line = one_line(*run(capsys, "--data", tmp_path / "data", "import", f)[::2])
    assert "holds no segment, nothing to store" in line, line
    assert stored(capsys, tmp_path / "data") == []


def test_15_9_bundle_listing_one_segment_three_times_is_refused(tmp_path, capsys, bundle):
    m = json.loads(entries_of(bundle)["manifest.json"])
    m["segments"] = [m["segments"][0]] * 3
    f = rebundle(bundle, tmp_path / "thrice.replay", manifest=m)
    line = one_line(*run(capsys, "--data", tmp_path / "data", "import", f)[::2])
    assert "lists segment 0 3 times" in line, line
    assert stored(capsys, tmp_path / "data") == []


def test_15_9_bundle_of_segments_of_another_session_is_refused(tmp_path, capsys, bundle):
    m = json.loads(entries_of(bundle)["manifest.json"])
    theirs = m["session"]["id"]
    m["session"]["id"] = "someone-else"
    f = rebundle(bundle, tmp_path / "other.replay", manifest=m)
    line = one_line(*run(capsys, "--data", tmp_path / "data", "import", f)[::2])
    assert "a segment of another session" in line and theirs in line, line
    assert stored(capsys, tmp_path / "data") == []


# --- item 9: deep DOMs and impossible moves ---------------------------------------------
def chain(first_id: int, depth: int) -> dict:
    """`depth` nested divs with a text leaf (built bottom-up: no recursion)."""
    node: dict = {"type": 3, "id": first_id + depth, "textContent": "leaf"}
    for i in range(depth - 1, -1, -1):
        node = {"type": 2, "id": first_id + i, "tagName": "div", "attributes": {},
                "childNodes": [node]}
    return node


def deep_recording(depth: int, extra_levels: int = 0) -> list[dict]:
    """A page `depth` divs deep, then mutations adding `depth`-deep chains under the
    deepest div until the DOM is `extra_levels` chains deeper."""
    html = {"type": 2, "id": 3, "tagName": "html", "attributes": {}, "childNodes": [
        {"type": 2, "id": 4, "tagName": "body", "attributes": {}, "childNodes": [
            chain(10, depth)]}]}
    evs = [{"type": 4, "timestamp": T0, "data": {"href": "http://x/", "width": 800,
                                                  "height": 600}},
           {"type": 2, "timestamp": T0 + 1, "data": {
               "node": {"type": 0, "id": 1, "childNodes": [html]},
               "initialOffset": {"left": 0, "top": 0}}}]
    deepest = 10 + depth - 1
    for k in range(1, extra_levels + 1):
        first = 10 + k * 100_000
        evs.append({"type": 3, "timestamp": T0 + 10 * k, "data": {
            "source": 0, "texts": [], "attributes": [], "removes": [],
            "adds": [{"parentId": deepest, "nextId": None, "node": chain(first, depth)}]}})
        deepest = first + depth - 1
    evs.append({"type": 3, "timestamp": T0 + 1000, "data": {
        "source": 2, "type": 2, "id": deepest, "x": 1, "y": 1}})
    return evs


def write_json(path: Path, value) -> Path:
    path.write_bytes(msgspec.json.encode(value))    # the stdlib's encoder recurses
    return path


def test_15_9_real_deep_doms_import_export_and_render(tmp_path, capsys):
    """1,500 levels in one snapshot (3x what used to fail), then mutations taking the DOM
    to 7,500 levels - deeper than Python's stack allows any recursive walk."""
    depth = 1_500
    f = write_json(tmp_path / "deep.json", deep_recording(depth, extra_levels=4))
    data = tmp_path / "data"
    code, out, err = run(capsys, "--data", data, "import", f)
    assert code == 0, err
    sid = out.strip()
    html = tmp_path / "end.html"
    code, _, err = run(capsys, "--data", data, "snapshot", sid, "--at", "end", "-o", html)
    assert code == 0, err
    assert html.read_text().count("<div") == 5 * depth
    back = tmp_path / "back.json"
    assert run(capsys, "--data", data, "export", sid, "--format", "rrweb", "-o", back)[0] == 0
    (rec,) = read_recordings(back)                   # (less the export's session marker)
    assert msgspec.json.encode(rec.events) == f.read_bytes()


def test_15_9_a_dom_beyond_the_documented_limit_is_refused_by_name(tmp_path, capsys):
    f = write_json(tmp_path / "too-deep.json", deep_recording(MAX_DOM_DEPTH + 10))
    line = one_line(*run(capsys, "--data", tmp_path / "data", "import", f)[::2])
    assert "dom_too_deep" in line and f"{MAX_DOM_DEPTH:,} levels" in line, line


def test_15_9_a_node_moved_under_its_own_child_is_counted_damage(tmp_path, capsys):
    from recorder.mirror import Mirror
    evs = deep_recording(3)
    # node 10 (a div) re-added under its own child 11
    move = {"type": 3, "timestamp": T0 + 5, "data": {
        "source": 0, "texts": [], "attributes": [], "removes": [],
        "adds": [{"parentId": 11, "nextId": None, "node": {
            "type": 2, "id": 10, "tagName": "div", "attributes": {}, "childNodes": []}}]}}
    evs.insert(2, move)
    m = Mirror().apply_all(evs)
    assert m.warnings["node moved under itself"] == 1
    assert [n.id for n in m.ancestors(13)][:3] == [12, 11, 10]    # the tree is as it was
    f = write_json(tmp_path / "move.json", evs)
    code, out, err = run(capsys, "--data", tmp_path / "data", "import", f)
    assert code == 0 and "Traceback" not in err, err


def test_15_8_segment_frame_yielding_more_than_it_may_is_damage(tmp_path):
    """A frame that declares no size but produces past MAX_RAW_BYTES, and one that
    declares a small size and produces more: both damage, neither allocates the lot."""
    from recorder.segments import _CRC, _FIXED, MAX_RAW_BYTES, SegmentDamaged, decode_segment
    from recorder.format import encode_msgpack
    co = zstandard.ZstdCompressor(level=1, write_content_size=False).compressobj()
    frame = b"".join(co.compress(SPACES) for _ in range(MAX_RAW_BYTES // len(SPACES) + 1))
    frame += co.flush()
    header = encode_msgpack({"session": "s", "index": 0, "codec": {"transform": 0}})
    for payload in (frame, claim_content_size(frame, 1000)):
        body = _FIXED.pack(b"RPSG", 1, len(header), len(payload)) + header + payload
        with pytest.raises(SegmentDamaged, match="payload does not decode"):
            decode_segment(body + _CRC.pack(zlib.crc32(body)))


def test_15_8_a_bomb_read_in_place_is_refused_too(tmp_path, capsys):
    f = tmp_path / "bomb.json.gz"
    f.write_bytes(gzip.compress(b"[", 9) + gzip.compress(SPACES, 9) * 64)
    line = one_line(*run(capsys, "--data", tmp_path / "data", "snapshot", f, "--at", "0",
                         "-o", tmp_path / "s.html")[::2])
    assert f"{f}: refused" in line and "decompressed_too_large" in line, line
    assert not (tmp_path / "s.html").exists()
