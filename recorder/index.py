"""The session index: SQLite in WAL mode, beside the segment files.

Tables: sessions (one row per session, the facts the session browser filters on),
segments (where each segment file is and what it covers), views, errors, users, and
`pending` - the write-ahead intent that makes crash cleanup safe: a writer records the
files it is about to create before creating them, and the same transaction that adds the
index rows deletes its intent. A crash in between leaves an intent whose process is gone;
the next open deletes those files (see LocalStore._recover). `batches` remembers the live
batches accepted under a client-chosen batch id (intake/wire.py), written by the transaction
that adds the batch's segments, so a retried batch is recognised after any crash. `retired`
is the same idea the other way round: the transaction that stops referencing files (a replace, a delete) lists
them there, so files a crash kept from being deleted are deleted by the next open - they
are the only other files recovery ever deletes. `dictionary_sessions` names the sessions a
trained dictionary learnt from (its samples are their events): erasing one of them erases
the dictionary too (LocalStore.delete_session). A dictionary with no row there (trained
before the table, or registered again by `repair`) may hold any session's text.

A damaged database file (`file is not a database`, `database disk image is malformed`)
raises `IndexDamaged` from whichever call meets it; `replay repair` sets the file aside
and rebuilds the index from the segment files.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

import msgspec

from .facts import MAX_WORDS, SessionFacts
from .semantics import ActionCounts
from .segments import SegmentMeta
from .sessions import CONTINUED_DIGITS

SCHEMA_VERSION = 6   # 2: per-tab counts on sessions, error type and group on errors;
                     # 3: the digest of a live batch's events;
                     # 4: a session's last segment's view and latest view's URL on its row;
                     # 5: its actions counted both ways (semantics.ActionCounts);
                     # 6: its words a search looks in (facts.search_words)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    application TEXT,
    user_id TEXT, user_name TEXT, user_email TEXT,
    start_ms REAL NOT NULL, end_ms REAL NOT NULL, duration_ms REAL NOT NULL,
    first_url TEXT,
    view_count INTEGER NOT NULL, error_count INTEGER NOT NULL,
    frustration_count INTEGER NOT NULL, record_count INTEGER NOT NULL,
    bytes INTEGER NOT NULL, segment_count INTEGER NOT NULL,
    digest TEXT, context TEXT, live INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL,
    error_group_count INTEGER NOT NULL DEFAULT 0, resource_count INTEGER NOT NULL DEFAULT 0,
    action_count INTEGER NOT NULL DEFAULT 0,
    last_view TEXT, last_url TEXT,
    rum_action_count INTEGER, rum_frustration_count INTEGER,
    click_action_count INTEGER, click_frustration_count INTEGER
);
CREATE INDEX IF NOT EXISTS sessions_start ON sessions(start_ms);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);
CREATE TABLE IF NOT EXISTS segments (
    session_id TEXT NOT NULL, idx INTEGER NOT NULL, file TEXT NOT NULL,
    start_ms REAL NOT NULL, end_ms REAL NOT NULL, record_count INTEGER NOT NULL,
    has_full_snapshot INTEGER NOT NULL, creation_reason TEXT NOT NULL, view_id TEXT,
    bytes INTEGER NOT NULL, raw_bytes INTEGER NOT NULL,
    PRIMARY KEY (session_id, idx)
);
CREATE TABLE IF NOT EXISTS views (
    session_id TEXT NOT NULL, view_id TEXT NOT NULL, start_ms REAL NOT NULL, url TEXT,
    PRIMARY KEY (session_id, view_id)
);
CREATE INDEX IF NOT EXISTS views_url ON views(url);
CREATE TABLE IF NOT EXISTS errors (
    session_id TEXT NOT NULL, ts REAL NOT NULL, kind TEXT NOT NULL, message TEXT,
    type TEXT, fingerprint TEXT
);
CREATE INDEX IF NOT EXISTS errors_session ON errors(session_id);
CREATE TABLE IF NOT EXISTS words (
    session_id TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (session_id, text)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS unsearched (
    session_id TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, name TEXT, email TEXT,
    first_seen_ms REAL, last_seen_ms REAL
);
CREATE TABLE IF NOT EXISTS pending (
    token TEXT PRIMARY KEY, pid INTEGER NOT NULL, created_ms INTEGER NOT NULL,
    files TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS retired (
    file TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS dictionaries (
    id INTEGER PRIMARY KEY, file TEXT NOT NULL, created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS dictionary_sessions (
    dict_id INTEGER NOT NULL, session_id TEXT NOT NULL, PRIMARY KEY (dict_id, session_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deleted (
    id TEXT PRIMARY KEY, start_ms REAL NOT NULL, deleted_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batches (
    application TEXT NOT NULL, client_session TEXT NOT NULL, batch_id TEXT NOT NULL,
    accepted INTEGER NOT NULL, created_ms INTEGER NOT NULL,
    PRIMARY KEY (application, client_session, batch_id)
) WITHOUT ROWID;
"""


# What SQLite says about a file that is not (or no longer) a sound database.
# the tables of a session's facts besides its segments, keyed by session_id (what erasing it
# and dropping an empty row both delete)
FACT_TABLES = ("views", "errors", "words", "unsearched")
_DAMAGE_MESSAGES = ("file is not a database", "database disk image is malformed")


def _literal(text: str) -> str:
    """`text` in a LIKE pattern (with ESCAPE '\\') as itself: its `%` and `_` are not
    wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class IndexDamaged(Exception):
    """The index file is not a sound SQLite database. The segment files are untouched;
    `LocalStore.repair` rebuilds the index from them."""

    def __init__(self, path: Path, detail: str):
        self.path = path
        super().__init__(f"the index {path} is damaged ({detail})")


def _check_damage(path: Path, exc: sqlite3.DatabaseError) -> None:
    """Raise IndexDamaged for an error that means the file is damaged (not e.g. locked)."""
    text = str(exc)
    if any(m in text for m in _DAMAGE_MESSAGES):
        raise IndexDamaged(path, text) from exc


def _drop_dictionaries(db, dictionaries: list[int]) -> list[str]:
    """Inside a transaction: the dictionaries' rows go, their files are listed in `retired`."""
    files: list[str] = []
    for dict_id in dictionaries:
        files += [f for (f,) in db.execute("SELECT file FROM dictionaries WHERE id=?",
                                           (dict_id,))]
        db.execute("DELETE FROM dictionaries WHERE id=?", (dict_id,))
        db.execute("DELETE FROM dictionary_sessions WHERE dict_id=?", (dict_id,))
    db.executemany("INSERT OR IGNORE INTO retired VALUES (?)", [(f,) for f in files])
    return files


class SessionInfo(msgspec.Struct, kw_only=True):
    id: str
    application: str | None
    user_id: str | None
    user_name: str | None
    user_email: str | None
    start_ms: int | float   # epoch ms; whole numbers come back as int (rrweb's are)
    end_ms: int | float
    duration_ms: int | float
    first_url: str | None
    view_count: int
    error_count: int         # errors (one when RUM and the console both report it, or a
                             # failed request and the console line about it: semantics)
    error_group_count: int = 0   # distinct (type, normalised message, top frame)
    frustration_count: int
    resource_count: int = 0  # network requests
    action_count: int = 0    # RUM actions, else recorded clicks
    record_count: int
    bytes: int
    segment_count: int
    context: dict[str, Any] | None = None

    @property
    def who(self) -> str | None:
        """The session's owner as lists name them: their email, else name, else id."""
        return self.user_email or self.user_name or self.user_id


class OpenSessionInfo(SessionInfo, kw_only=True):
    """A session's row with what an append continues from, carried in the row so that a
    live append reads one row: the view of its last segment (`last_view`, for segments
    that begin without one) and the URL of its latest view (`last_url`: a Meta repeating
    it is no new view), and its actions counted both ways (`actions`: None for a row
    written before they were kept - its appends add up what each showed, as they did)."""
    last_view: str | None = None
    last_url: str | None = None
    actions: ActionCounts | None = None


class BatchKey(msgspec.Struct, frozen=True):
    """A live batch as its sender names it: unique per application and client session."""
    application: str | None
    client_session: str
    batch_id: str


class AcceptedBatch(msgspec.Struct, frozen=True):
    """What is remembered of a live batch: its event count and the digest of its events
    (`ingest.batch_digest`: keyed, before masking); None for one stored before digests were
    kept, which is then told apart by its count only."""
    key: BatchKey
    events: int
    digest: str | None = None


class AsRead(msgspec.Struct, frozen=True):
    """A stored session as an import found it when it decided what to write: its segment
    files in order (None: it had no row). An import holds no session lock, so a live append,
    another import or a deletion in another process may commit in between; the import's
    commit checks this in its own transaction and raises SessionChanged if it differs (any
    append or rewrite names new files)."""
    files: tuple[str, ...] | None


class SessionChanged(ValueError):
    """An import's session was changed by another writer after the import read it (the
    import's transaction is rolled back: nothing of it is stored)."""

    def __init__(self, session_id: str):
        super().__init__(f"session {session_id} was changed by another writer (a live"
                         " recording, another import or a deletion) while this import read"
                         " it; nothing was stored - import the file again")
        self.session_id = session_id


class SessionRow(msgspec.Struct, kw_only=True):
    """Everything written for one session in one transaction."""

    info: SessionInfo
    digest: str | None
    live: bool
    segments: list[SegmentMeta]
    facts: SessionFacts | None = None   # views/errors/users rows; None keeps existing ones
    append: bool = False                # segments/views/errors add to the existing ones
    batches: list[AcceptedBatch] = []   # live batches its segments' headers name
    last_url: str | None = None         # an append adding no view: the session's, carried
    actions: ActionCounts | None = None   # the whole session's, both ways (None: not known)
    as_read: AsRead | None = None       # an import's: checked before anything is written


_INFO_COLS = ("id, application, user_id, user_name, user_email, start_ms, end_ms, duration_ms,"
              " first_url, view_count, error_count, frustration_count, record_count, bytes,"
              " segment_count, context, error_group_count, resource_count, action_count")


def _as_read(db: sqlite3.Connection, sid: str) -> AsRead:
    if db.execute("SELECT 1 FROM sessions WHERE id=?", (sid,)).fetchone() is None:
        return AsRead(None)
    return AsRead(tuple(f for (f,) in db.execute(
        "SELECT file FROM segments WHERE session_id=? ORDER BY idx", (sid,))))


def _ms(v: float) -> int | float:
    # SQLite REAL keeps fractional timestamps some recorders write; show whole ones as ints
    return int(v) if isinstance(v, float) and v.is_integer() else v


def _info(row: Sequence, kind: type[SessionInfo] = SessionInfo, **more: Any) -> SessionInfo:
    (sid, app, uid, uname, uemail, start, end, dur, url, views, errors, frus, recs, nbytes,
     nseg, ctx, groups, resources, actions) = row
    return kind(id=sid, application=app, user_id=uid, user_name=uname, user_email=uemail,
                start_ms=_ms(start), end_ms=_ms(end), duration_ms=_ms(dur), first_url=url,
                view_count=views, error_count=errors, error_group_count=groups,
                frustration_count=frus, resource_count=resources, action_count=actions,
                record_count=recs, bytes=nbytes, segment_count=nseg,
                context=json.loads(ctx) if ctx else None, **more)


_SEGMENTS_SQL = ("SELECT idx, file, start_ms, end_ms, record_count, has_full_snapshot,"
                 " creation_reason, view_id, bytes, raw_bytes FROM segments WHERE session_id=?"
                 " ORDER BY idx")


# a row's actions counted both ways (schema 5), in ActionCounts' order
_ACTION_COLS = ("rum_action_count", "rum_frustration_count", "click_action_count",
                "click_frustration_count")
_OPEN_COLS = f"{_INFO_COLS}, last_view, last_url, {', '.join(_ACTION_COLS)}"


def _open_info(row: Sequence) -> OpenSessionInfo:
    counts = row[-4:]
    return _info(row[:-6], OpenSessionInfo,   # type: ignore[return-value]
                 last_view=row[-6], last_url=row[-5],
                 actions=None if None in counts else ActionCounts(*counts))


# an append's row: everything but what an append keeps (application, user, context)
_APPEND_SQL = ("UPDATE sessions SET start_ms=?, end_ms=?, duration_ms=?, first_url=?,"
               " view_count=?, error_count=?, frustration_count=?, record_count=?, bytes=?,"
               " segment_count=?, error_group_count=?, resource_count=?, action_count=?,"
               " digest=?, live=?, created_ms=?, last_view=?, last_url=?, "
               + ", ".join(f"{c}=?" for c in _ACTION_COLS) + " WHERE id=?")

# the sessions begun under a client's session id: `<id>` and its continuations
# `<id>.<timestamp>` (sessions.continued_id: 13 digits) - a range on the primary key, not
# LIKE: the live intake asks on every batch, and LIKE would read every session - then,
# within it, that form alone: `a.b` or `a.7` is another client's session, not a
# continuation of `a`'s (its batches went on in it)
_CLIENT_WHERE = ("(id=? OR (id>? AND id<? AND length(id)=? AND substr(id, ?) NOT GLOB"
                 " '*[^0-9]*'))")


def _client_args(client_id: str) -> tuple[str, str, str, int, int]:
    return (client_id, client_id + ".", client_id + "/", len(client_id) + 1 + CONTINUED_DIGITS,
            len(client_id) + 2)


# what a session's row carries of its other tables (SCHEMA_VERSION 4), from those tables
_LAST_VIEW_SQL = ("(SELECT view_id FROM segments WHERE session_id=sessions.id"
                  " ORDER BY idx DESC LIMIT 1)")
_LAST_URL_SQL = ("(SELECT url FROM views WHERE session_id=sessions.id"
                 " ORDER BY start_ms DESC LIMIT 1)")


def _seg(row: Sequence) -> SegmentMeta:
    idx, file, start, end, recs, full, reason, view, nbytes, raw = row
    return SegmentMeta(index=idx, start_ms=start, end_ms=end, record_count=recs,
                       has_full_snapshot=bool(full), creation_reason=reason, view_id=view,
                       bytes=nbytes, raw_bytes=raw, file=file)


class Index:
    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.RLock()
        self._group = threading.Condition(threading.Lock())   # commit_appends
        self._queue: list[_Waiting] = []
        self._leading = False
        self.db = sqlite3.connect(str(path), timeout=30, check_same_thread=False,
                                  isolation_level=None)
        # SQLite's lower() folds ASCII alone: `--user Émile` found no `Émile Zola`
        self.db.create_function("fold", 1, _fold, deterministic=True)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA busy_timeout=30000")
            with self._lock:
                self.db.executescript(_SCHEMA)
                # written only when it changes: opening (a damaged file too) writes nothing
                version = self.db.execute("PRAGMA user_version").fetchone()[0]
                if version != SCHEMA_VERSION:
                    self._add_columns()
                    if version < 6:   # sessions stored without their words: `replay repair`
                        # reads them again (Store._rebuild), a rewrite writes them
                        self.db.execute("INSERT OR IGNORE INTO unsearched SELECT id FROM"
                                        " sessions")
                    # rows written before version 4 gain what they carry (none if new)
                    self.db.execute(f"UPDATE sessions SET last_view={_LAST_VIEW_SQL},"
                                    f" last_url={_LAST_URL_SQL}")
                    self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            self.db.close()
            _check_damage(path, exc)
            raise

    # columns added since version 1: an older index gains them on open; their counts stay 0
    # until `replay repair` rebuilds the index or the session is rewritten
    _ADDED = {"sessions": ("error_group_count INTEGER NOT NULL DEFAULT 0",
                           "resource_count INTEGER NOT NULL DEFAULT 0",
                           "action_count INTEGER NOT NULL DEFAULT 0",
                           "last_view TEXT", "last_url TEXT",
                           # NULL for the rows before: not known (see OpenSessionInfo)
                           *(f"{c} INTEGER" for c in _ACTION_COLS)),
              "errors": ("type TEXT", "fingerprint TEXT"),
              "batches": ("digest TEXT",)}

    def _add_columns(self) -> None:
        for table, cols in self._ADDED.items():
            have = {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
            for col in cols:
                if col.split()[0] not in have:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {col}")

    def data_version(self) -> int:
        """A number that differs from the one read before when another connection (another
        process: `replay serve`, `replay mask`, an import) committed a change to the index
        meanwhile (SQLite's `PRAGMA data_version`; this connection's own commits leave it)."""
        with self._lock:
            return self.db.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        self.db.close()

    def check(self) -> str | None:
        """None if SQLite finds the file sound (`quick_check`), else what it found."""
        try:
            found = [r[0] for r in self._all("PRAGMA quick_check")]
        except IndexDamaged as exc:
            return str(exc.__cause__)
        return None if found == ["ok"] else "; ".join(found[:3])

    # --- transactions ---------------------------------------------------------------
    def _tx(self):
        return _Tx(self)

    # --- writes ----------------------------------------------------------------------
    def add_pending(self, token: str, files: Iterable[str], *, fsync: bool = True) -> None:
        """Record a writer's intent. `fsync=False` (live appends) commits it without waiting
        for the disk: it survives the writer's crash (it is in the WAL), and after a power
        loss a lost intent only means that files of a whole, unanswered batch are adopted
        by the next open instead of deleted. The commit that follows is synchronous and
        carries it to disk anyway; a live batch waits for one sync of the index, not two.
        One statement, its own transaction (SQLite's autocommit)."""
        row = (token, os.getpid(), int(time.time() * 1000), json.dumps(list(files)))
        with self._lock:
            try:
                if not fsync:
                    self.db.execute("PRAGMA synchronous=NORMAL")
                try:
                    self.db.execute("INSERT INTO pending VALUES (?, ?, ?, ?)", row)
                finally:
                    if not fsync:
                        self.db.execute("PRAGMA synchronous=FULL")
            except sqlite3.DatabaseError as exc:
                _check_damage(self.path, exc)
                raise

    def set_pending(self, token: str, files: Iterable[str]) -> None:
        """Replace a writer's intent with a longer list (a streaming import names each
        segment file just before creating it)."""
        with self._tx() as db:
            db.execute("UPDATE pending SET files=? WHERE token=?", (json.dumps(list(files)), token))

    def set_context(self, sid: str, context: dict[str, Any] | None) -> None:
        with self._tx() as db:
            db.execute("UPDATE sessions SET context=? WHERE id=?",
                       (json.dumps(context) if context else None, sid))

    def drop_pending(self, token: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM pending WHERE token=?", (token,))

    def pending(self) -> list[tuple[str, int, int, list[str]]]:
        rows = self._all("SELECT token, pid, created_ms, files FROM pending")
        return [(t, p, c, json.loads(f)) for t, p, c, f in rows]

    def pending_files(self) -> set[str]:
        """Every file a writer under way names (`pending`): its own, not a lost one."""
        return {f for _, _, _, fs in self.pending() for f in fs}

    def retired(self) -> list[str]:
        """Files a committed transaction stopped referencing, not yet known to be deleted.
        A name that is not text is a scribbled table SQLite read without a word (a file
        damaged where its pages still parse): IndexDamaged, as a malformed file is - the
        store's start-up joined the data folder's path with it."""
        files = [r[0] for r in self._all("SELECT file FROM retired")]
        if any(type(f) is not str for f in files):
            said = "its list of files to delete holds names that are not text"
            raise IndexDamaged(self.path, said) from sqlite3.DatabaseError(said)
        return files

    def drop_retired(self, files: Iterable[str]) -> None:
        with self._tx() as db:
            db.executemany("DELETE FROM retired WHERE file=?", [(f,) for f in files])

    def commit(self, token: str | None, rows: Sequence[SessionRow], *,
               replace: Iterable[str] = (),
               expected: dict[str, set[str]] | None = None,
               batch: AcceptedBatch | None = None) -> list[str]:
        """Write session rows (and drop the writer's intent) in one transaction; `batch`
        (a live batch's key, event count and digest) is remembered in it. Sessions in
        `replace` lose their old segment rows first; an `append` row adds segments to its
        existing session. Returns the files no longer referenced (to delete afterwards), and
        lists them in `retired` so a crash before that deletion does not keep them."""
        with self._tx() as db:
            return self._write_rows(db, token, rows, replace, expected, batch)

    def commit_appends(self, token: str, rows: Sequence[SessionRow],
                       batch: AcceptedBatch | None = None) -> None:
        """`commit` for live appends (rows that only add segments: nothing to retire),
        grouped: appends that arrive while another thread's transaction is being made
        durable wait for it, then the first of them commits them all in one transaction -
        one sync of the index for many batches. Each caller returns only once its own rows
        are durable, or raises what failed them."""
        me = _Waiting(token, rows, batch)
        with self._group:
            self._queue.append(me)
            while not me.done and self._leading:
                self._group.wait()
            if me.done:
                if me.error is not None:
                    raise me.error
                return
            self._leading = True
            group, self._queue = self._queue, []
        try:
            self._commit_group(group)
        finally:
            with self._group:
                self._leading = False
                for w in group:
                    w.done = True
                self._group.notify_all()
        if me.error is not None:
            raise me.error

    def _commit_group(self, group: list["_Waiting"]) -> None:
        try:
            with self._tx() as db:
                for w in group:
                    self._write_rows(db, w.token, w.rows, (), None, w.batch)
            return
        except Exception as exc:
            if len(group) == 1:
                group[0].error = exc
                return
        for w in group:   # one bad append must not fail the others: each on its own
            try:
                self.commit(w.token, w.rows, batch=w.batch)
            except Exception as exc:
                w.error = exc

    def _write_rows(self, db: sqlite3.Connection, token: str | None,
                    rows: Sequence[SessionRow], replace: Iterable[str],
                    expected: dict[str, set[str]] | None,
                    batch: AcceptedBatch | None) -> list[str]:
        stale: list[str] = []
        now = int(time.time() * 1000)
        for r in rows:
            if r.as_read is not None and r.as_read != _as_read(db, r.info.id):
                raise SessionChanged(r.info.id)
        for sid in replace:
            stale += [f for (f,) in db.execute(
                "SELECT file FROM segments WHERE session_id=?", (sid,))]
            db.execute("DELETE FROM segments WHERE session_id=?", (sid,))
        if stale:
            db.executemany("INSERT OR IGNORE INTO retired VALUES (?)", [(f,) for f in stale])
        if expected is not None:   # adopt(): see there
            rows = [r for r in rows if expected.get(r.info.id, set()) == {
                f for (f,) in db.execute("SELECT file FROM segments WHERE session_id=?",
                                         (r.info.id,))}]
            db.executemany("DELETE FROM segments WHERE session_id=?",
                           [(r.info.id,) for r in rows])
            stale = [r.info.id for r in rows]
        for r in rows:
            i = r.info
            ctx = json.dumps(i.context) if i.context else None
            # last_view: of the row's last segment (an append adds after the others; a
            # whole write lists them all); last_url: see below
            last_view = r.segments[-1].view_id if r.segments else None
            counts = msgspec.structs.astuple(r.actions) if r.actions is not None else (None,) * 4
            # an append changes the row in place (its application and context stay, and
            # its user - unless it had none, and this append names one): one page of the
            # table (and the start index if it moved), where a replace also rewrites the
            # id's and the user's index entries; a row gone meanwhile is written whole
            if r.append and i.user_id:
                db.execute("UPDATE sessions SET user_id=?, user_name=?, user_email=? WHERE id=?"
                           " AND user_id IS NULL", (i.user_id, i.user_name, i.user_email, i.id))
            if not (r.append and db.execute(_APPEND_SQL, (
                    i.start_ms, i.end_ms, i.duration_ms, i.first_url, i.view_count,
                    i.error_count, i.frustration_count, i.record_count, i.bytes,
                    i.segment_count, i.error_group_count, i.resource_count, i.action_count,
                    r.digest, int(r.live), now, last_view, r.last_url, *counts,
                    i.id)).rowcount == 1):
                db.execute(
                    f"INSERT OR REPLACE INTO sessions ({_INFO_COLS}, digest, live, created_ms,"
                    f" last_view, last_url, {', '.join(_ACTION_COLS)}) VALUES"
                    f" ({','.join('?' * 28)})",
                    (i.id, i.application, i.user_id, i.user_name, i.user_email, i.start_ms,
                     i.end_ms, i.duration_ms, i.first_url, i.view_count, i.error_count,
                     i.frustration_count, i.record_count, i.bytes, i.segment_count, ctx,
                     i.error_group_count, i.resource_count, i.action_count,
                     r.digest, int(r.live), now, last_view, r.last_url, *counts))
            db.executemany(
                "INSERT INTO segments VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [(i.id, s.index, s.file, s.start_ms, s.end_ms, s.record_count,
                  int(s.has_full_snapshot), s.creation_reason, s.view_id, s.bytes,
                  s.raw_bytes) for s in r.segments])
            f = r.facts
            if f is not None:
                if not r.append:
                    for table in FACT_TABLES:
                        db.execute(f"DELETE FROM {table} WHERE session_id=?", (i.id,))
                if f.words:   # (an append's up to the session's MAX_WORDS)
                    room = MAX_WORDS - (db.execute("SELECT count(*) FROM words WHERE"
                                                   " session_id=?", (i.id,)).fetchone()[0]
                                        if r.append else 0)
                    db.executemany("INSERT OR IGNORE INTO words VALUES (?,?)",
                                   [(i.id, w) for w in f.words[:max(0, room)]])
                if f.views:
                    db.executemany("INSERT OR IGNORE INTO views VALUES (?,?,?,?)",
                                   [(i.id, v.view_id, v.start_ms, v.url) for v in f.views])
                if f.errors:
                    db.executemany("INSERT INTO errors VALUES (?,?,?,?,?,?)",
                                   [(i.id, e.ts, e.kind, e.message, e.type, e.fingerprint)
                                    for e in f.errors])
            if f is not None and (not r.append or f.views or f.errors):
                # counted from the rows, so appends (repeated RUM views) stay exact
                db.execute("UPDATE sessions SET view_count=(SELECT count(*) FROM views"
                           " WHERE session_id=?1), error_count=(SELECT count(*) FROM errors"
                           " WHERE session_id=?1), error_group_count=(SELECT count(DISTINCT"
                           f" fingerprint) FROM errors WHERE session_id=?1), last_url="
                           f"{_LAST_URL_SQL} WHERE id=?1", (i.id,))
            elif not r.append:   # its views kept as they are
                db.execute(f"UPDATE sessions SET last_url={_LAST_URL_SQL} WHERE id=?", (i.id,))
            # (an append that adds no view or error: the row carries the session's counts
            # and last_url)
            if i.user_id:
                db.execute(
                    "INSERT INTO users VALUES (?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
                    " name=coalesce(excluded.name, name), email=coalesce(excluded.email, email),"
                    " first_seen_ms=min(first_seen_ms, excluded.first_seen_ms),"
                    " last_seen_ms=max(last_seen_ms, excluded.last_seen_ms)",
                    (i.user_id, i.user_name, i.user_email, i.start_ms, i.end_ms))
            if r.batches:   # a rebuild from segment files (see segments.BATCH)
                db.executemany("INSERT OR IGNORE INTO batches VALUES (?,?,?,?,?,?)",
                               [_batch_row(b, now) for b in r.batches])
        if batch is not None:
            db.execute("INSERT INTO batches VALUES (?,?,?,?,?,?)", _batch_row(batch, now))
        if token is not None:
            db.execute("DELETE FROM pending WHERE token=?", (token,))
        return stale

    def adopt(self, rows: Sequence[SessionRow], expected: dict[str, set[str]]) -> list[str]:
        """Rows rebuilt from segment files (repair), in one transaction. A session's row is
        written only if its segment files in the index are still `expected[id]` (what the
        rebuild saw), so a writer that changed it meanwhile wins. Unlike `commit`, the rows
        it replaces retire no file: the rebuild chose which files to keep. Returns the ids
        written."""
        return self.commit(None, rows, expected=expected)

    def delete_session(self, sid: str, dictionaries: Iterable[int] = ()) -> list[str]:
        """Every row of a session, and its user's if no other session has that user, and
        the `dictionaries` that hold its text (no segment of another session may use them);
        their files are listed in `retired` (returned: to delete). A session an application
        sent is remembered as deleted - its id and start only (`deleted_since`)."""
        dictionaries = list(dictionaries)
        with self._tx() as db:
            files = [f for (f,) in db.execute("SELECT file FROM segments WHERE session_id=?", (sid,))]
            files += _drop_dictionaries(db, dictionaries)
            db.executemany("INSERT OR IGNORE INTO retired VALUES (?)", [(f,) for f in files])
            db.execute("INSERT OR REPLACE INTO deleted SELECT id, start_ms, ? FROM sessions"
                       " WHERE id=? AND application IS NOT NULL",
                       (int(time.time() * 1000), sid))
            user = db.execute("SELECT user_id FROM sessions WHERE id=?", (sid,)).fetchone()
            for table in ("segments", *FACT_TABLES):
                db.execute(f"DELETE FROM {table} WHERE session_id=?", (sid,))
            db.execute("DELETE FROM sessions WHERE id=?", (sid,))
            db.execute("DELETE FROM batches WHERE client_session=?", (sid,))
            if user and user[0] is not None:
                db.execute("DELETE FROM users WHERE id=?1 AND NOT EXISTS (SELECT 1 FROM"
                           " sessions WHERE user_id=?1)", (user[0],))
        return files

    def extend_live(self, sid: str, last_ms: float) -> None:
        """A live session went on until `last_ms` with nothing stored (a batch masked away
        whole): its end (and duration) say so; nothing else of it changes."""
        with self._tx() as db:
            db.execute("UPDATE sessions SET end_ms=?1, duration_ms=?1 - start_ms"
                       " WHERE id=?2 AND live=1 AND end_ms < ?1", (last_ms, sid))

    def drop_empty_session(self, sid: str) -> bool:
        """Forget a session row with no segment (nothing stored under it): not an erasure -
        no file goes, nothing is remembered as deleted, its batch ids stay (`delete_session`
        does all three). Whether there was such a row."""
        with self._tx() as db:
            if db.execute("SELECT 1 FROM segments WHERE session_id=? LIMIT 1", (sid,)).fetchone():
                return False
            for table in FACT_TABLES:
                db.execute(f"DELETE FROM {table} WHERE session_id=?", (sid,))
            return db.execute("DELETE FROM sessions WHERE id=?", (sid,)).rowcount > 0

    def add_dictionary(self, dict_id: int, file: str, session_ids: Iterable[str] = ()) -> None:
        """A dictionary's file and, in the same transaction, the sessions it was trained on
        (none: `repair` registering a file it found, whose sessions nobody knows)."""
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO dictionaries VALUES (?,?,?)",
                       (dict_id, file, int(time.time() * 1000)))
            db.executemany("INSERT OR IGNORE INTO dictionary_sessions VALUES (?,?)",
                           [(dict_id, sid) for sid in session_ids])

    def drop_dictionaries(self, dictionaries: Iterable[int]) -> list[str]:
        """Forget these dictionaries (no segment may use them); their files are listed in
        `retired` (returned: to delete)."""
        with self._tx() as db:
            return _drop_dictionaries(db, list(dictionaries))

    def dictionaries_holding(self, sid: str) -> dict[int, str]:
        """id -> file of the dictionaries that may hold text of session `sid`: those trained
        on it, and those whose sessions are not known."""
        return dict(self._all(
            "SELECT id, file FROM dictionaries d WHERE EXISTS (SELECT 1 FROM dictionary_sessions"
            " WHERE dict_id=d.id AND session_id=?1) OR NOT EXISTS (SELECT 1 FROM"
            " dictionary_sessions WHERE dict_id=d.id)", (sid,)))

    # --- reads -----------------------------------------------------------------------
    def _all(self, sql: str, args: Sequence = ()) -> list:
        with self._lock:
            try:
                return self.db.execute(sql, args).fetchall()
            except sqlite3.DatabaseError as exc:
                _check_damage(self.path, exc)
                raise

    def snapshot(self, sid: str) -> tuple[SessionInfo, list[SegmentMeta]] | None:
        """A session's row and its segments as of one moment (one read transaction), so a
        replace committing in between cannot pair one version's row with another's files."""
        with self._lock:
            try:
                self.db.execute("BEGIN")
                try:
                    rows = self.db.execute(f"SELECT {_INFO_COLS} FROM sessions WHERE id=?",
                                           (sid,)).fetchall()
                    segs = self.db.execute(_SEGMENTS_SQL, (sid,)).fetchall()
                finally:
                    self.db.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                _check_damage(self.path, exc)
                raise
        return (_info(rows[0]), [_seg(r) for r in segs]) if rows else None

    def session(self, sid: str) -> SessionInfo | None:
        rows = self._all(f"SELECT {_INFO_COLS} FROM sessions WHERE id=?", (sid,))
        return _info(rows[0]) if rows else None

    def digest(self, sid: str) -> str | None:
        rows = self._all("SELECT digest FROM sessions WHERE id=?", (sid,))
        return rows[0][0] if rows else None

    def has(self, sid: str) -> bool:
        """Whether a session of that very id is stored."""
        return bool(self._all("SELECT 1 FROM sessions WHERE id=?", (sid,)))

    def ids_beginning(self, prefix: str) -> list[str]:
        """Every id starting with `prefix`, in any (ASCII) case, in id order (what
        `Store.resolve` reads among: store.ids_named decides)."""
        return [r[0] for r in self._all(
            "SELECT id FROM sessions WHERE id LIKE ? ESCAPE '\\' ORDER BY id",
            (_literal(prefix) + "%",))]

    def open_session(self, client_id: str) -> OpenSessionInfo | None:
        """The newest of `sessions_for_client`, with what an append continues from."""
        rows = self._all(f"SELECT {_OPEN_COLS} FROM sessions WHERE"
                         f" {_CLIENT_WHERE} ORDER BY start_ms DESC LIMIT 1",
                         _client_args(client_id))
        return _open_info(rows[0]) if rows else None

    def deleted_since(self, client_id: str) -> float | None:
        """The start of the newest session begun under a client's session id (`<id>` or a
        continuation) that was deleted (`delete_session`), None if none was."""
        rows = self._all(f"SELECT max(start_ms) FROM deleted WHERE {_CLIENT_WHERE}",
                         _client_args(client_id))
        return rows[0][0] if rows else None

    def appendable(self, sid: str) -> OpenSessionInfo | None:
        """A session's row with what an append continues from (an import that extends it)."""
        rows = self._all(f"SELECT {_OPEN_COLS} FROM sessions WHERE id=?", (sid,))
        return _open_info(rows[0]) if rows else None

    def sessions_for_client(self, client_id: str) -> list[SessionInfo]:
        """Sessions begun under a client's session id: `<id>` and its continuations
        `<id>.<timestamp>` (newest first)."""
        return [_info(r) for r in self._all(
            f"SELECT {_INFO_COLS} FROM sessions WHERE {_CLIENT_WHERE} ORDER BY start_ms DESC",
            _client_args(client_id))]

    def batch_accepted(self, key: BatchKey) -> AcceptedBatch | None:
        """What a live batch was accepted with, None if it never was."""
        rows = self._all("SELECT accepted, digest FROM batches WHERE application=? AND"
                         " client_session=? AND batch_id=?",
                         (key.application or "", key.client_session, key.batch_id))
        return AcceptedBatch(key, rows[0][0], rows[0][1]) if rows else None

    def live_ids(self) -> set[str]:
        """The sessions the live intake may still append to (not compacted yet)."""
        return {r[0] for r in self._all("SELECT id FROM sessions WHERE live=1")}

    def live_sessions_before(self, end_ms: float) -> list[str]:
        """Live (not yet compacted) sessions whose last event is older than `end_ms`."""
        return [r[0] for r in self._all("SELECT id FROM sessions WHERE live=1 AND end_ms < ?"
                                        " ORDER BY end_ms", (end_ms,))]

    def segments(self, sid: str) -> list[SegmentMeta]:
        return [_seg(r) for r in self._all(_SEGMENTS_SQL, (sid,))]

    def segment_files(self) -> dict[str, str]:
        """file -> session id, for every segment row."""
        return dict(self._all("SELECT file, session_id FROM segments"))

    def live(self, sid: str) -> bool:
        return bool(self._all("SELECT 1 FROM sessions WHERE id=? AND live=1", (sid,)))

    def files(self) -> set[str]:
        return {r[0] for r in self._all("SELECT file FROM segments")} | \
            {r[0] for r in self._all("SELECT file FROM dictionaries")}

    def dictionaries(self) -> dict[int, str]:
        return dict(self._all("SELECT id, file FROM dictionaries"))

    def sessions(self, *, user: str | None = None, url: str | None = None,
                 has_errors: bool | None = None, since_ms: float | None = None,
                 application: str | None = None, limit: int | None = None) -> list[SessionInfo]:
        """The sessions that match, newest first (at most `limit`)."""
        where, args = _session_filter(user, url, has_errors, since_ms, application)
        sql = f"SELECT {_INFO_COLS} FROM sessions" + where + " ORDER BY start_ms DESC, id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [_info(r) for r in self._all(sql, args)]

    def count_sessions(self, *, user: str | None = None, url: str | None = None,
                       has_errors: bool | None = None, since_ms: float | None = None,
                       application: str | None = None) -> int:
        """How many sessions `sessions` with the same filters and no limit would list."""
        where, args = _session_filter(user, url, has_errors, since_ms, application)
        return self._all("SELECT count(*) FROM sessions" + where, args)[0][0]

    def views(self, sid: str) -> list[tuple[str, float, str]]:
        return self._all("SELECT view_id, start_ms, url FROM views WHERE session_id=?"
                         " ORDER BY start_ms", (sid,))

    def errors(self, sid: str) -> list[tuple[float, str, str]]:
        return self._all("SELECT ts, kind, message FROM errors WHERE session_id=? ORDER BY ts",
                         (sid,))

    def browse_texts(self) -> dict[str, tuple[str, str, str]]:
        """Per session: its page URLs, its errors as "type: message" and its words (actions,
        requests, console lines: facts.search_words), each newline-separated - what the app's
        session browser searches beyond the sessions row, in three queries. (A session stored
        by an index before version 6 has no words until `replay repair` reads it again.)"""
        out: dict[str, list[str]] = {}
        for k, sql in enumerate((
                "SELECT session_id, group_concat(url, char(10)) FROM views GROUP BY session_id",
                "SELECT session_id, group_concat(coalesce(type || ': ', '') || coalesce(message,"
                " ''), char(10)) FROM errors GROUP BY session_id",
                "SELECT session_id, group_concat(text, char(10)) FROM words GROUP BY session_id")):
            for sid, text in self._all(sql):
                out.setdefault(sid, ["", "", ""])[k] = text or ""
        return {sid: (urls, errors, words) for sid, (urls, errors, words) in out.items()}

    def unsearched(self) -> set[str]:
        """The sessions stored before the index kept their words (version 6): without them
        until `replay repair` reads them again."""
        return {sid for (sid,) in self._all("SELECT session_id FROM unsearched")}

    def users(self) -> list[tuple]:
        return self._all("SELECT id, name, email, first_seen_ms, last_seen_ms FROM users"
                         " ORDER BY last_seen_ms DESC")


def _fold(text: Any) -> Any:
    """A text in any case, as `replay delete --user` compares it (str.casefold: every
    script's capitals, `ß` as `ss`); SQL's `fold()` on the index's connection."""
    return text.casefold() if isinstance(text, str) else text


def _session_filter(user: str | None, url: str | None, has_errors: bool | None,
                    since_ms: float | None, application: str | None) -> tuple[str, list]:
    """The WHERE clause (with its leading space; empty for no filter) and its arguments of
    `Index.sessions` and `Index.count_sessions`."""
    where: list[str] = []
    args: list = []
    if user:   # the text as typed (any case): `u_77` is not `u-77`, `%` is a percent sign
        like = f"%{_literal(_fold(user))}%"
        where.append("(fold(user_id) LIKE ? ESCAPE '\\' OR fold(user_name) LIKE ? ESCAPE"
                     " '\\' OR fold(user_email) LIKE ? ESCAPE '\\')")
        args += [like, like, like]
    if url:
        like = f"%{_literal(_fold(url))}%"
        where.append("(fold(first_url) LIKE ? ESCAPE '\\' OR id IN (SELECT session_id"
                     " FROM views WHERE fold(url) LIKE ? ESCAPE '\\'))")
        args += [like, like]
    if has_errors is not None:
        where.append("error_count > 0" if has_errors else "error_count = 0")
    if since_ms is not None:
        where.append("end_ms >= ?")
        args.append(since_ms)
    if application:
        where.append("application = ?")
        args.append(application)
    return (" WHERE " + " AND ".join(where) if where else ""), args


def _batch_row(b: AcceptedBatch, now: int) -> tuple:
    k = b.key
    return (k.application or "", k.client_session, k.batch_id, b.events, now, b.digest)


class _Waiting:
    """A thread's appends waiting for a group commit (`Index.commit_appends`)."""

    __slots__ = ("token", "rows", "batch", "done", "error")

    def __init__(self, token: str, rows: Sequence[SessionRow],
                 batch: AcceptedBatch | None):
        self.token = token
        self.rows = rows
        self.batch = batch
        self.done = False
        self.error: BaseException | None = None


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error), serialised within the process."""

    def __init__(self, index: Index):
        self.index = index

    def __enter__(self) -> sqlite3.Connection:
        self.index._lock.acquire()
        try:
            self.index.db.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            self.index._lock.release()
            _check_damage(self.index.path, exc)
            raise
        return self.index.db

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            try:
                self.index.db.execute("ROLLBACK" if exc_type else "COMMIT")
            except sqlite3.DatabaseError as exc2:
                _check_damage(self.index.path, exc2)
                raise
            if isinstance(exc, sqlite3.DatabaseError):
                _check_damage(self.index.path, exc)
        finally:
            self.index._lock.release()
