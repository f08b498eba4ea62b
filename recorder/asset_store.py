"""The asset store: copies of the images and fonts stored sessions reference (recorder.assets),
fetched on request (`replay assets fetch`, `replay serve` once a session goes quiet) or carried
by a `.replay` bundle, so the player shows them without reaching the network.

    DATA/assets.sqlite3          SQLite (WAL): which URL is which file, and who references it
    DATA/assets/ab/<sha256>      the files, content-addressed: named by the SHA-256 of their
                                 bytes (the same picture under two URLs is one file)

Tables: `assets` (url -> sha256, content type, bytes, HTTP status, when fetched) and `refs`
(session id, url): the sessions that reference each stored URL. A URL no session references
is not kept: deleting a session (`LocalStore.delete_session`) forgets its references, and the
rows and files nothing references any more go in the same step; `replay mask` re-masking a
session keeps only what it still references.

Like the applications' file (`apps.sqlite3`) it is not in the session index: the index is a
cache rebuilt from the segment files (`replay repair`), fetched assets are not derived from
anything stored.

Durability, as the session store's: a file is written to a temporary name, fsynced, renamed
and its folder fsynced before the row naming it commits; rows and files change inside one
write transaction (BEGIN IMMEDIATE), so a writer and an eraser in two processes never cross -
an eraser cannot delete a file a writer has just stored again, a reader never finds a row
whose file is not written yet. A crash between a file's rename and its row's commit leaves a
file no row names: `sweep` (run by every erasure) deletes those. A file damaged on disk is
caught by its name - the hash of its bytes - when read, and never served. Erased rows are
overwritten (`secure_delete`) and the log is emptied after an erasure, as the index's are.
"""
from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Iterable, Sequence

import msgspec

from .assets import servable_type
from .paths import DATA_FOLDER_MODE, fsync_dir, write_durably

log = logging.getLogger(__name__)

ASSETS_DB = "assets.sqlite3"
ASSETS_DIR = "assets"
TMP_MARK = ".tmp-"   # a file being written: <sha256>.tmp-<writer>
_CHUNK = 500         # URLs per `IN (...)`: under SQLite's variable limit

_SCHEMA = """
CREATE TABLE IF NOT EXISTS assets (
    url TEXT PRIMARY KEY, sha256 TEXT NOT NULL, mime TEXT NOT NULL, bytes INTEGER NOT NULL,
    status INTEGER NOT NULL, fetched_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS assets_sha ON assets(sha256);
CREATE TABLE IF NOT EXISTS refs (
    session_id TEXT NOT NULL, url TEXT NOT NULL, PRIMARY KEY (session_id, url)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS refs_url ON refs(url);
"""


class StoredAsset(msgspec.Struct, frozen=True):
    url: str
    sha256: str
    mime: str
    bytes: int
    status: int
    fetched_ms: int


class Forgotten(msgspec.Struct, frozen=True):
    """What an erasure took: stored URLs no session references any more, and their files."""
    urls: int = 0
    files: int = 0
    bytes: int = 0


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


def asset_path(root: Path, sha: str) -> Path:
    return Path(root) / ASSETS_DIR / sha[:2] / sha


class AssetStore:
    """The asset store of the data folder `root` (created on first use)."""

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.path = self.root / ASSETS_DB
        self._lock = threading.RLock()
        self.db = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False,
                                  isolation_level=None)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA busy_timeout=30000")
            self.db.execute("PRAGMA secure_delete=ON")   # what an erasure takes is overwritten
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError:
            self.db.close()
            raise

    @classmethod
    def existing(cls, root: Path | str) -> "AssetStore | None":
        """The data folder's asset store, or None when nothing was ever stored there (its
        file is not created to find that out)."""
        return cls(root) if (Path(root) / ASSETS_DB).is_file() else None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "AssetStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- reading -------------------------------------------------------------------------
    def _all(self, sql: str, args: Sequence = ()) -> list:
        with self._lock:
            return self.db.execute(sql, args).fetchall()

    def stored(self, urls: Iterable[str]) -> dict[str, StoredAsset]:
        """The stored assets of these URLs (those stored, by URL)."""
        out: dict[str, StoredAsset] = {}
        for part in _chunks(list(dict.fromkeys(urls))):
            for row in self._all(f"SELECT url, sha256, mime, bytes, status, fetched_ms FROM"
                                 f" assets WHERE url IN ({','.join('?' * len(part))})", part):
                out[row[0]] = StoredAsset(*row)
        return out

    def session_assets(self, session_id: str) -> list[StoredAsset]:
        return [StoredAsset(*r) for r in self._all(
            "SELECT a.url, a.sha256, a.mime, a.bytes, a.status, a.fetched_ms FROM refs r JOIN"
            " assets a ON a.url = r.url WHERE r.session_id = ? ORDER BY a.url", (session_id,))]

    def usage(self) -> list[tuple[str, int, int]]:
        """(session id, stored assets it references, their bytes), every session with any."""
        return [tuple(r) for r in self._all(
            "SELECT r.session_id, COUNT(*), COALESCE(SUM(a.bytes), 0) FROM refs r JOIN assets a"
            " ON a.url = r.url GROUP BY r.session_id ORDER BY r.session_id")]

    def totals(self) -> tuple[int, int]:
        """(files, bytes) stored: each file once, however many URLs name it."""
        row = self._all("SELECT COUNT(*), COALESCE(SUM(b), 0) FROM (SELECT MAX(bytes) AS b"
                        " FROM assets GROUP BY sha256)")[0]
        return int(row[0]), int(row[1])

    def referencing(self) -> set[str]:
        """The ids of the sessions that reference a stored asset."""
        return {r[0] for r in self._all("SELECT DISTINCT session_id FROM refs")}

    def read(self, sha: str) -> bytes | None:
        """A stored file's bytes, or None: not there, or not the bytes its name says (damaged
        on disk - never served, said in the log)."""
        try:
            data = asset_path(self.root, sha).read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != sha:
            log.warning("stored asset %s is damaged (its bytes are not the ones stored): not"
                        " shown; `replay assets fetch` fetches it again", sha[:12])
            return None
        return data

    # --- writing -------------------------------------------------------------------------
    def _tx(self):
        return _Tx(self)

    def put(self, url: str, data: bytes, mime: str, status: int,
            sessions: Iterable[str]) -> StoredAsset:
        """Store `data` fetched from `url` (an image or font: `mime` is checked) as
        referenced by `sessions`. The file is durable before the row that names it."""
        kind = servable_type(mime)
        if kind is None:
            raise ValueError(f"{mime!r} is not an image or font type")
        sha = hashlib.sha256(data).hexdigest()
        asset = StoredAsset(url, sha, kind, len(data), int(status), int(time.time() * 1000))
        with self._tx() as db:
            self._write_file(sha, data)
            old = db.execute("SELECT sha256 FROM assets WHERE url=?", (url,)).fetchone()
            db.execute("INSERT OR REPLACE INTO assets VALUES (?,?,?,?,?,?)",
                       (asset.url, asset.sha256, asset.mime, asset.bytes, asset.status,
                        asset.fetched_ms))
            db.executemany("INSERT OR IGNORE INTO refs VALUES (?, ?)",
                           [(sid, url) for sid in dict.fromkeys(sessions)])
            if old is not None and old[0] != sha:   # fetched again, changed: the old file
                self._drop_unused_files(db, {old[0]})
        return asset

    def reference(self, session_id: str, urls: Iterable[str]) -> int:
        """Note that `session_id` references these stored URLs (URLs not stored are left
        out); how many references are new."""
        urls = list(dict.fromkeys(urls))
        with self._tx() as db:
            before = db.total_changes
            for part in _chunks(urls):
                db.execute(f"INSERT OR IGNORE INTO refs SELECT ?, url FROM assets WHERE url IN"
                           f" ({','.join('?' * len(part))})", (session_id, *part))
            return db.total_changes - before

    def _write_file(self, sha: str, data: bytes) -> None:
        path = asset_path(self.root, sha)
        try:
            if path.stat().st_size == len(data) and self.read(sha) is not None:
                return   # stored already, whole
        except OSError:
            pass
        folder = path.parent
        if not folder.is_dir():
            folder.mkdir(mode=DATA_FOLDER_MODE, parents=True, exist_ok=True)
            fsync_dir(folder.parent)
        write_durably(path, data, folder / f"{sha}{TMP_MARK}{uuid.uuid4().hex[:12]}")
        fsync_dir(folder)

    # --- forgetting ----------------------------------------------------------------------
    def forget_session(self, session_id: str) -> Forgotten:
        """A session goes (erased): its references, and the URLs and files no other session
        references."""
        return self.keep_only(session_id, ())

    def keep_only(self, session_id: str, urls: Iterable[str]) -> Forgotten:
        """`session_id` references only these URLs now (re-masked): its other references go,
        with the URLs and files no other session references."""
        keep = set(urls)
        with self._tx() as db:
            had = [u for (u,) in db.execute("SELECT url FROM refs WHERE session_id=?",
                                            (session_id,))]
            gone = [u for u in had if u not in keep]
            db.executemany("DELETE FROM refs WHERE session_id=? AND url=?",
                           [(session_id, u) for u in gone])
            out = self._drop_unreferenced(db, gone)
        if gone:   # its refs rows are in the log's pages, whether or not a URL row went
            self._scrub_log()
        return out

    def prune(self, sessions: Callable[[], Iterable[str]]) -> Forgotten:
        """Forget the references of every session the store no longer has (`sessions()`: its
        ids - a session erased by a program that stopped before its assets were forgotten),
        then `sweep`. The store is asked after the references are read: a session's index
        row is written before anything references it, so one stored meanwhile is not taken
        for gone."""
        referencing = self.referencing()
        alive = set(sessions())
        total = Forgotten()
        for sid in sorted(referencing - alive):
            f = self.forget_session(sid)
            total = Forgotten(total.urls + f.urls, total.files + f.files, total.bytes + f.bytes)
        swept = self.sweep()
        return Forgotten(total.urls, total.files + swept, total.bytes)

    def sweep(self) -> int:
        """Delete the files no row names (a writer's crash between a file's rename and its
        row's commit; a temporary file it left); how many."""
        folder = self.root / ASSETS_DIR
        if not folder.is_dir():
            return 0
        n = 0
        with self._tx() as db:
            named = {s for (s,) in db.execute("SELECT DISTINCT sha256 FROM assets")}
            for p in folder.glob("*/*"):
                if p.is_file() and (TMP_MARK in p.name or p.name not in named):
                    if _unlink(p):
                        n += 1
        return n

    def _drop_unreferenced(self, db: sqlite3.Connection, urls: Sequence[str]) -> Forgotten:
        """Inside a transaction: of these URLs, the rows no session references go, and the
        files no row names any more."""
        rows: list[tuple[str, str, int]] = []
        for part in _chunks(list(urls)):
            rows += db.execute(
                f"SELECT url, sha256, bytes FROM assets a WHERE url IN"
                f" ({','.join('?' * len(part))}) AND NOT EXISTS (SELECT 1 FROM refs r WHERE"
                f" r.url = a.url)", part).fetchall()
        db.executemany("DELETE FROM assets WHERE url=?", [(u,) for u, _, _ in rows])
        files, size = self._drop_unused_files(db, {s for _, s, _ in rows},
                                              {s: b for _, s, b in rows})
        return Forgotten(len(rows), files, size)

    def _drop_unused_files(self, db: sqlite3.Connection, shas: set[str],
                           sizes: dict[str, int] | None = None) -> tuple[int, int]:
        files = size = 0
        for sha in sorted(shas):
            if db.execute("SELECT 1 FROM assets WHERE sha256=? LIMIT 1", (sha,)).fetchone():
                continue   # another URL names the same bytes
            if _unlink(asset_path(self.root, sha)):
                files += 1
                size += (sizes or {}).get(sha, 0)
        return files, size

    def _scrub_log(self) -> None:
        """The log keeps the pages written before an erasure: checkpointed and emptied (unless
        another program reads the file now; a later checkpoint does it then)."""
        try:
            with self._lock:
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            log.warning("could not scrub erased rows from the asset store's log: %s",
                        type(exc).__name__)


def _unlink(p: Path) -> bool:
    try:
        p.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        log.warning("could not delete %s: %s", p, exc.strerror or type(exc).__name__)
        return False
    return True


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error), serialised within the process."""

    def __init__(self, store: AssetStore):
        self.store = store

    def __enter__(self) -> sqlite3.Connection:
        self.store._lock.acquire()
        try:
            self.store.db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.store._lock.release()
            raise
        return self.store.db

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.store.db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.store._lock.release()


# --- what the player reads ------------------------------------------------------------------
class FolderAssets:
    """The data folder's stored assets as the player asks for them (`recorder.assets.
    AssetLookup`): `find(url)` -> key (the SHA-256), `read(key)` -> (bytes, type).
    `session_id`: only the URLs that session references in the store (`refs`, written with
    the rules it was masked under when it was fetched for) - never a URL another session
    stored, which this session's rules may mask (a stored session's player, snapshot and
    bundle use this); None: every stored URL (a lookup not tied to a session). The table is
    read once, at the first question, and again after `reload()` (a followed live session,
    a fetch from the app: one lookup, shared with the view that serves its keys); safe from
    any thread. A file's bytes are checked against its name once (`read` is asked on the
    player's UI thread, each time the page shows the image: a large font hashed every time
    stalled it), again whenever its size or modification time changes."""

    def __init__(self, root: Path | str, session_id: str | None = None):
        self.root = Path(root)
        self.session_id = session_id
        self.generation = 0   # reloads so far (recorder.assets.AssetLookup)
        self._urls: dict[str, str] | None = None
        self._types: dict[str, str] = {}
        self._checked: dict[str, tuple[int, int]] = {}   # key -> (size, mtime_ns) found whole
        self._lock = threading.Lock()

    def reload(self) -> None:
        """Read the table again at the next question (assets stored since show)."""
        with self._lock:
            self._urls = None
            self.generation += 1

    def _load(self) -> dict[str, str]:
        with self._lock:
            if self._urls is None:
                urls: dict[str, str] = {}
                types: dict[str, str] = {}
                if (self.root / ASSETS_DB).is_file():
                    try:
                        db = sqlite3.connect(str(self.root / ASSETS_DB), timeout=10)
                        try:
                            if self.session_id is None:
                                rows = db.execute("SELECT url, sha256, mime FROM assets")
                            else:
                                rows = db.execute(
                                    "SELECT a.url, a.sha256, a.mime FROM refs r JOIN assets a"
                                    " ON a.url = r.url WHERE r.session_id = ?",
                                    (self.session_id,))
                            for url, sha, mime in rows:
                                urls[url] = sha
                                types[sha] = mime
                        finally:
                            db.close()
                    except sqlite3.Error as exc:   # shown without them, said in the log
                        log.warning("the asset store %s cannot be read (%s): images by URL"
                                    " are not shown", self.root / ASSETS_DB, exc)
                self._types.update(types)   # (a key served before a reload stays servable)
                self._urls = urls
            return self._urls

    def empty(self) -> bool:
        return not self._load()

    def find(self, url: str) -> str | None:
        return self._load().get(url)

    def read(self, key: str) -> tuple[bytes, str] | None:
        mime = self._types.get(key) if self._load() else None
        if mime is None:
            return None
        path = asset_path(self.root, key)
        try:
            with open(path, "rb") as f:
                st = os.fstat(f.fileno())
                data = f.read()
        except OSError:
            return None
        seen = (st.st_size, st.st_mtime_ns)
        if self._checked.get(key) != seen or len(data) != st.st_size:
            if hashlib.sha256(data).hexdigest() != key:
                log.warning("stored asset %s is damaged: not shown", key[:12])
                self._checked.pop(key, None)
                return None
            self._checked[key] = seen
        return data, mime

