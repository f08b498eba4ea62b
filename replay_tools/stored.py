"""Every byte a data folder holds, for leak tests: segment files decompressed (with their
trained dictionaries), the SQLite index and its WAL/SHM, anything else - and a search of
them for personal data, in raw and JSON-escaped form."""
from __future__ import annotations

import json
from pathlib import Path

import zstandard

from recorder.segments import SUFFIX, _split, read_header


def stored_bytes(data: Path) -> dict[str, bytes]:
    """Every byte the data folder holds, with segment payloads decompressed."""
    out = {}
    dctx = zstandard.ZstdDecompressor()
    dicts = {p.stem: p.read_bytes() for p in (data / "dicts").glob("*.zdict")} \
        if (data / "dicts").is_dir() else {}
    for f in sorted(p for p in data.rglob("*") if p.is_file()):
        blob = f.read_bytes()
        out[str(f)] = blob
        if f.suffix == SUFFIX:
            header, payload = _split(blob)
            d = header.get("dict")
            if d is not None and str(d) in dicts:
                dec = zstandard.ZstdDecompressor(dict_data=zstandard.ZstdCompressionDict(dicts[str(d)]))
            else:
                dec = dctx
            out[str(f) + " (decompressed)"] = dec.decompressobj().decompress(bytes(payload))
            assert read_header(blob)["session"]  # a real segment, really decoded
    return out


def hits(blobs: dict[str, bytes], needles: dict[str, list[str]]) -> list[str]:
    found = []
    for where, blob in blobs.items():
        low = blob.lower()
        for kind, forms in needles.items():
            for s in forms:
                for enc in {s.encode(), json.dumps(s)[1:-1].encode()}:
                    if enc.lower() in low:
                        found.append(f"{kind} {s!r} in {where}")
    return found


# the formats a privacy test exports a session to, and the name each file gets
EXPORTS = {"rrweb": "json", "har": "har", "playwright": "spec.ts"}


def stored_and_exported(data: Path, sid: str, out: Path) -> dict[str, bytes]:
    """Every byte the data folder holds (`stored_bytes`), and session `sid` exported (by the
    CLI, into folder `out`) in each of EXPORTS - what a privacy test searches for a value."""
    from .intake import replay_cli
    blobs = stored_bytes(data)
    assert any(k.endswith("(decompressed)") for k in blobs)
    out.mkdir(exist_ok=True)
    for fmt, ext in EXPORTS.items():
        path = out / f"session.{ext}"
        proc = replay_cli(data, "export", sid, "--format", fmt, "-o", path)
        assert proc.returncode == 0, proc.stderr
        blobs[f"{fmt} export"] = path.read_bytes()
    return blobs
