"""The data folder's secret: for naming sessions whose own id holds personal data, and for
the digest it keeps of each recording as it came in (`sessions.ContentDigest`).

A recording keyed by its visitor's email (a tool's `sessionId`, an intake batch's
`session_id`) is stored as `session-` and a hash of that id (`sessions.stored_id`): ids are
file names, index keys and what messages and exports name. A plain hash of an email is no
pseudonym - whoever sees the id (a ticket, a bundle's manifest, a file name) hashes a list of
customers' emails and finds whose session it is - so the hash is keyed with this secret:
32 random bytes in `DATA/id.key`, made by the first import into the folder (its digest is
keyed), readable by its owner only. The same id in the same data folder is named the same (an import again finds the
session); without the key, the name says nothing.

Commands that read a file without storing it (`export FILE`, `snapshot FILE`...) use the data
folder's key if it has one and never make one (nothing is written to the folder for them);
otherwise a key of their own process, so what they write names such a session by a hash
nobody can test a guess against.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from .paths import ID_KEY_FILE, fsync_dir

KEY_BYTES = 32
_PROCESS_KEY = secrets.token_bytes(KEY_BYTES)   # for what no data folder names


def process_key() -> bytes:
    """This process's own key (never written anywhere)."""
    return _PROCESS_KEY


def read_id_key(data_dir: Path) -> bytes | None:
    """The data folder's key, or None if it has none (yet) or it cannot be read whole."""
    try:
        key = (Path(data_dir) / ID_KEY_FILE).read_bytes()
    except OSError:
        return None
    return key if len(key) == KEY_BYTES else None


def id_key(data_dir: Path) -> bytes:
    """The data folder's key, made now if it has none: written whole to a temporary file,
    then linked into place, so two processes making it at once agree on the one that won."""
    key = read_id_key(data_dir)
    if key is not None:
        return key
    path = Path(data_dir) / ID_KEY_FILE
    tmp = path.with_name(f".{ID_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(KEY_BYTES))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)        # never over a key another process made meanwhile
            fsync_dir(Path(data_dir))  # (ids are stored under it from now on)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    key = read_id_key(data_dir)
    if key is None:
        raise OSError(f"cannot read {path} back")
    return key


def file_key(data_dir: Path | None) -> bytes:
    """The key a command reading a file (not storing it) names sessions with: the data
    folder's, if it has one, else this process's own (see the module docstring)."""
    return (read_id_key(data_dir) if data_dir is not None else None) or process_key()
