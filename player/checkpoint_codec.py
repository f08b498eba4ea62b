"""How the keyframe index compresses what it keeps (checkpoints, event blocks, the export a
worker hands back): zstd at level 1 — fast, as a seek decompresses on the UI's time.

zstd contexts must not be used by two threads at once (it corrupts memory: the UI thread
seeks while the indexing thread compresses or a worker's index is loaded), so there is one
per thread.
"""
from __future__ import annotations

import threading

import zstandard

LEVEL = 1

_ztls = threading.local()


def compress(data: bytes) -> bytes:
    c = getattr(_ztls, "c", None)
    if c is None:
        c = _ztls.c = zstandard.ZstdCompressor(level=LEVEL)
    return c.compress(data)


def decompress(blob: bytes) -> bytes:
    d = getattr(_ztls, "d", None)
    if d is None:
        d = _ztls.d = zstandard.ZstdDecompressor()
    return d.decompress(blob)
