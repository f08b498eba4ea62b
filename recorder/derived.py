"""Derived data the store keeps beside a session: an opaque blob a reader of the session
built from it and handed back (the player's keyframe index, `player.index_store`), so the
next reader need not build it again.

    DATA/derived/ab/<session>/<name>.bin     one blob per name, at most

Only ever served for exactly what it was built from. Each file starts with a key: a hash of
the session's id, the blob's name, the caller's `params` (its format version, its
settings) and the session's segment list as the reader that built it had it - every
segment's file name (a new writer token for each write of a session, `_PendingWrite`),
size and event count. A rewrite, an append, a repair that sets a file aside: the list
differs, the key differs, the blob is never served (and goes when next asked for). On top
of that the store deletes a session's derived data whenever its stored events change or it
goes (`LocalStore._drop_derived`: every index transaction that writes segment rows, a
deletion, a repair), before and after the change, and a blob is kept only if the index
still lists the reader's segments once it is on disk - so a reader that built it from a
version a re-mask has just replaced cannot leave it behind.

Written whole or not at all (`paths.write_durably`); read whole, checked against its
length and checksum: a cut-off, damaged or stale file is removed and ignored, never half
read, and the caller builds again. (Two players keeping the same session's blob at once
share the temp file: what one renames may be cut off by the other - caught so when read.)

What it holds: whatever the caller derived from the session's events as the store serves
them - and the store serves them masked (masked when they were stored, re-masked by
`replace_session`). A blob is kept only from a reader of the stored session itself (a
`SessionReader`, no other source: a session shown under extra rules is a `MemorySource`)
and only if none of its segments was damaged, so it can hold nothing of a masked value that
the segments do not hold; and a re-mask or an erasure takes it with the old segments.
"""
from __future__ import annotations

import functools
import hashlib
import importlib
import logging
import re
import shutil
import struct
from pathlib import Path
from typing import Any, Sequence

from .format import encode_msgpack
from .paths import fsync_dir, write_durably
from .segments import SegmentMeta

log = logging.getLogger(__name__)

DERIVED_DIR = "derived"
SUFFIX = ".bin"
TMP_SUFFIX = ".tmp"
MAGIC = b"RPDERIV1"
# magic, key, payload length, payload checksum
_HEAD = struct.Struct("<8s16sQ16s")
NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")   # a blob's name is a file name


def _hash(data: bytes | memoryview) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


@functools.cache
def code_fingerprint(modules: tuple[str, ...]) -> str:
    """A hash of the files `modules` were loaded from (a compiled one's library): a blob's
    `params` hold it, so one derived by other code - another release, a fix to how a step
    is named - is never served for what this code derives."""
    h = hashlib.blake2b(digest_size=8)
    for name in modules:
        h.update(name.encode())
        path = getattr(importlib.import_module(name), "__file__", None)
        if path:
            h.update(Path(path).read_bytes())
    return h.hexdigest()


def is_stored_reader(source: Any) -> bool:
    """Whether `source` is a stored session read as stored (a `SessionReader`): the only
    kind the store keeps derived data of - not a file, a bundle, a session shown under other
    rules (a MemorySource)."""
    from .store import SessionReader   # (the store imports this module; and a file needs none)

    return type(source) is SessionReader and bool(source.id)


def key_of(session_id: str, segments: Sequence[SegmentMeta], name: str, params: str) -> bytes:
    """What a blob was built from (see the module docstring)."""
    return _hash(encode_msgpack([session_id, name, params,
                                 [[s.index, s.file, s.bytes, s.record_count]
                                  for s in segments]]))


def same_segments(a: Sequence[SegmentMeta], b: Sequence[SegmentMeta]) -> bool:
    """Whether two segment lists are one version of a session (as `key_of` tells them)."""
    return [(s.index, s.file, s.bytes, s.record_count) for s in a] == \
        [(s.index, s.file, s.bytes, s.record_count) for s in b]


def session_folder(root: Path, session_id: str) -> Path:
    return root / DERIVED_DIR / session_id[:2] / session_id


def path_of(root: Path, session_id: str, name: str) -> Path:
    if not NAME.fullmatch(name):
        raise ValueError(f"not a derived blob's name: {name!r}")
    return session_folder(root, session_id) / (name + SUFFIX)


def read(path: Path, key: bytes) -> bytes | None:
    """The blob at `path` if it is whole and built for `key`; else None (a file that is
    there but cut off, damaged or stale is removed)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.info("derived data %s not read: %s", path.name, exc.strerror or type(exc).__name__)
        return None
    view = memoryview(data)
    why = None
    if len(data) < _HEAD.size:
        why = "cut off"
    else:
        magic, stored_key, n, check = _HEAD.unpack_from(data)
        if magic != MAGIC or n != len(data) - _HEAD.size:
            why = "cut off or not ours"
        elif stored_key != key:
            why = "stale"
        elif _hash(view[_HEAD.size:]) != check:
            why = "damaged"
    if why is not None:
        log.info("derived data %s %s: removed", path.name, why)
        remove(path)
        return None
    return bytes(view[_HEAD.size:])


def write(path: Path, key: bytes, payload: bytes) -> None:
    """`payload` under `key` at `path`, durably, whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    head = _HEAD.pack(MAGIC, key, len(payload), _hash(payload))
    write_durably(path, head + payload, path.with_name(path.name + TMP_SUFFIX))
    fsync_dir(path.parent)


def remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:   # stale: never served anyway (its key); removed when next asked
        log.info("could not remove %s: %s", path, exc.strerror or type(exc).__name__)


def drop(root: Path, session_id: str) -> None:
    """Every derived blob of a session (and one being written: its temp file)."""
    folder = session_folder(root, session_id)
    if not folder.is_dir():
        return
    shutil.rmtree(folder, ignore_errors=True)
    for d in (folder.parent, folder.parent.parent):   # ab/, derived/ once empty
        try:
            d.rmdir()
        except OSError:
            break


def sessions_with(root: Path) -> list[str]:
    """The sessions that have a derived-data folder."""
    base = root / DERIVED_DIR
    if not base.is_dir():
        return []
    return sorted(p.name for sub in base.iterdir() if sub.is_dir()
                  for p in sub.iterdir() if p.is_dir())
