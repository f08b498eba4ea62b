"""The session store: an interface, and its first backend - a local data folder.

    DATA/
      index.sqlite3            the SQLite (WAL) index: sessions, segments, views, errors, users
      segments/ab/<session>/   one file per segment: 000000-<writer>.seg, 000001-<writer>.seg...
      dicts/<id>.zdict         trained zstd dictionaries (optional)
      derived/ab/<session>/    what a reader derived from a session and handed back (the
                               player's keyframe index): recorder.derived, dropped whenever
                               the session's segments change or it goes

Writing is crash-safe in this order: (1) the writer records in the index which files it
is about to create (`pending`), (2) writes each file to a temp name, fsyncs and renames
it, fsyncs the folder, (3) in one transaction adds the session/segment rows, drops its
`pending` record and lists the files the rows no longer use (`retired`), (4) deletes
those. A crash before (3) leaves no index row pointing at a missing file; the next `open`
finds the dead writer's pending record and deletes its files; a crash before (4) leaves
`retired`, which the next `open` finishes. Those are the only files ever deleted. A
streaming import writes each file sealed first (`recorder.sealed`: it may hold an echo of a
value typed later in the recording, masked by its second pass) and in clear as it commits;
its sealed files are named in its intent, and deleted with it.

The index is a cache of what the segment files say: each header names its session and
place, and the first segment of a session's write keeps its application, user and
context. A segment file the index does not know (index deleted, emptied, its WAL lost) is
given back to the index on `open`, with facts derived from its events as ingest derives
them; `repair` does the same for a damaged index and for every session. A file no
session uses any more is set aside in `unreferenced/`, never deleted. A segment file
damaged later (torn, bit flips) is caught by its checksum when read, logged and skipped -
never served.

Readers pin the files of the version they opened (`_Pinned`), so an export racing a
`replay mask` of the same session reads the old version or the new one, whole.

The `Store` interface is what the rest of the program uses, so a later backend can put
segments in S3-compatible object storage and the index in PostgreSQL.
"""
from __future__ import annotations

import abc
import contextlib
import hashlib
import io
import itertools
import logging
import os
import re
import sqlite3
import shutil
import struct
import sys
import tempfile
import threading
import time
import uuid
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

import msgspec
import zstandard

from .facts import FactsReader, SessionFacts, derive_facts, view_at
from .format import SYNTHETIC, SYNTHETIC_USER, EventType, InvalidEvent, decode_msgpack, \
    encode_msgpack, invalid_events
from .ingest import BatchReused, ImportConflict, KnownTypes, Masker, MaskerFor, Outcome, \
    PreparedSession, Progress, Reconciler, SessionDeleted, batch_digest, prepare, reconcile, \
    same_batch_digest, TimeOrder, no_event_of
from .index import AcceptedBatch, AsRead, BatchKey, Index, IndexDamaged, OpenSessionInfo, \
    SessionChanged, SessionInfo, SessionRow
from .jsonscan import JsonFacts
from .limits import DEFAULT_LIMITS, Limits, check_session_size, checked_events
from .paths import INDEX_FILE, SEGMENTS_DIR, fsync_dir as _fsync_dir, make_data_folder, \
    typed_journal_path, write_durably
from .sealed import SEALED_SUFFIX, Seal
from .bug import CONTEXT_KEY as BUG_KEY, without_steps
from . import derived as _derived
from .id_key import id_key
from .rrweb_io import NotStreamable
from .said import count
from .semantics import user_from
from .segments import COMPACT_CODEC, LIVE, LIVE_CODEC, MAX_SEGMENT_BYTES, MAX_SEGMENT_RECORDS, \
    BATCH, DECODE_ERRORS, SESSION_INFO, SUFFIX, Codec, SegmentDamaged, SegmentMeta, \
    SegmentPlanner, decode_segment, describe, encode_segment, iter_segment, meta_from_header, \
    payload_strings, plan_segments, read_header, segment_payload, with_session_info
from .sessions import INACTIVITY_MS, MAX_SESSION_MS, ContentDigest, clean_id, content_digest, \
    continued_id, content_hashed_id, derive_session_id, hashed_session_id, \
    every_event_carries_id, id_as_stored_in_events, is_safe_id, old_clean_id, stored_id, \
    personal_data_in, unkeyed_stored_id, visit_of
from .source import RecordingSource, info_from, optional_str

if TYPE_CHECKING:   # (privacy imports the store's modules)
    from .privacy.echoes import Echoes

# a new session's own context by its span (first, last timestamp): Store.ingest_outcomes
ContextOf = Callable[[float, float], "dict | None"]

log = logging.getLogger(__name__)

PARTIAL = "partial"   # context key of a session imported from a damaged input (--partial)
AS_NEW = "new"        # id tag of a session imported beside a different stored one (--as-new)
_TAGGED = re.compile(rf"(.+)(_(?:{PARTIAL}|{AS_NEW})\d*)")   # <id>_partial, <id>_new2...


SHOWN_CUT = "…"   # where a long name is cut as it is shown (app.ids.short_ids): resolved back
TYPED_CUT = "..."   # ... and that cut as a person types it
SAID_IDS = 5      # the ids an ambiguous prefix's message names


def split_tag(session_id: str) -> tuple[str, str]:
    """(base id, import tag) - `("abc", "_new2")` for `abc_new2`, `(id, "")` untagged."""
    m = _TAGGED.fullmatch(session_id)
    return (m.group(1), m.group(2)) if m else (session_id, "")

DAMAGED_INDEX_MARK = ".damaged-"   # index.sqlite3.damaged-TIME: one `repair` set aside
DICTS_DIR = "dicts"
UNREFERENCED_DIR = "unreferenced"   # segment files no session uses: set aside, not deleted
TMP_SUFFIX = ".tmp"                 # a segment file being written (renamed when complete)
STALE_PENDING_MS = 3600 * 1000   # a pending write this old is dead whatever its pid says
LOCKS_DIR = "locks"                 # live-writer lock files (see LocalStore.session_lock)
LOCK_STRIPES = 64                   # sessions share this many lock files
SERVING_PREFIX, SERVING_SUFFIX = "serving-", ".lock"   # each live intake's (Serving)
STALE_SERVING_TMP_S = 60   # a Serving's file not named this long after its making: left

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one intake process only
    fcntl = None  # type: ignore[assignment]


class Serving:
    """Held by each live intake on a data folder for as long as it may append (each worker
    of `replay serve` has one: `LiveIntake`): a lock file of its own in DATA/locks/
    (`serving-*.lock`), locked exclusively from before it has its name - so none is ever
    there unlocked while its holder lives - until `close` (or the object's end) removes it;
    the kernel lets the lock go when its process ends, killed too. What `intake_serving`
    asks."""

    def __init__(self, root: Path):
        self._end = None
        if fcntl is None:  # pragma: no cover
            return
        locks = Path(root) / LOCKS_DIR
        locks.mkdir(exist_ok=True)
        name = f"{SERVING_PREFIX}{uuid.uuid4().hex}"
        tmp, path = locks / f"{name}{TMP_SUFFIX}", locks / f"{name}{SERVING_SUFFIX}"
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            os.close(fd)
            raise
        self._end = weakref.finalize(self, _let_go, fd, path)

    def close(self) -> None:
        if self._end is not None:
            self._end()


def _let_go(fd: int, path: Path) -> None:
    path.unlink(missing_ok=True)   # (before the lock goes: no one sees it unlocked)
    os.close(fd)


def intake_serving(root: Path) -> bool:
    """Whether a live intake serves the data folder `root` now (`Serving`): a `serving-*.lock`
    that cannot be locked shared - its holder's is exclusive; two askers' shared locks never
    stand in each other's way (one lock file for all, asked exclusively, told two askers at
    once that someone served). One a dead intake left is removed on the way. Without one, no
    session there grows: a session the index still counts live (not compacted) is not shown
    as live - `replay sessions` showed ● "replay serve may still be storing it" long after
    the intake stopped (a support engineer's tryout)."""
    if fcntl is None:  # pragma: no cover
        return True
    try:
        names = [p for p in (Path(root) / LOCKS_DIR).iterdir()
                 if p.name.startswith(SERVING_PREFIX)
                 and p.name.endswith((SERVING_SUFFIX, TMP_SUFFIX))]
    except OSError:   # never served
        return False
    for path in names:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:   # (its holder closed meanwhile)
            continue
        except OSError:   # not ours to read: said serving, as the index says
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True   # (a `.tmp` locked too: an intake naming its file)
        else:   # its holder died without its `close` (or, a `.tmp` a while old, before
            # naming it - a young one may be between its making and its lock): gone
            with contextlib.suppress(OSError):
                if path.name.endswith(SERVING_SUFFIX) or \
                        time.time() - path.stat().st_mtime > STALE_SERVING_TMP_S:
                    path.unlink()
        finally:
            os.close(fd)
    return False


class Store(abc.ABC):
    """Sessions as sequences of immutable segments, with an index to find them."""

    @staticmethod
    def open(data_dir: Path | str, **options: Any) -> "Store":
        """The store in `data_dir` (created if needed). Options: see LocalStore."""
        return LocalStore(Path(data_dir), **options)

    def ingest(self, events: Sequence[dict], **options: Any) -> list[str]:
        """Validate, check limits, split into sessions, mask, and store atomically. Returns
        the ids of the sessions the events went to, in order. See `ingest_outcomes`."""
        return [r.id for r in self.ingest_outcomes(events, **options)]

    @abc.abstractmethod
    def ingest_outcomes(self, events: Sequence[dict], *, application: str | None = None,
                        user: dict | None = None, context: dict | None = None,
                        live: bool = False, now_ms: float | None = None,
                        masker_factory: Callable[[], Masker] | None = None,
                        progress: Progress | None = None, session_id: str | None = None,
                        limits: Limits | None = None, strict: bool | None = None,
                        as_new: bool = False, partial: str | None = None,
                        masker_for: MaskerFor | None = None,
                        batch: BatchKey | None = None,
                        encoded: Sequence[bytes] | None = None,
                        context_of: ContextOf | None = None) -> list["Stored"]: ...

    @abc.abstractmethod
    def sessions(self, user: str | None = None, url: str | None = None,
                 has_errors: bool | None = None, since_ms: float | None = None,
                 **filters: Any) -> list[SessionInfo]: ...

    @abc.abstractmethod
    def session(self, session_id: str) -> "SessionReader": ...

    @abc.abstractmethod
    def replace_session(self, session_id: str, events: Sequence[dict] | None, *,
                        context: dict | None = None, user: dict | None = None) -> None: ...

    @abc.abstractmethod
    def add_context(self, session_id: str, context: dict, *,
                    masker_factory: Callable[[], Masker] | None = None) -> "ContextMerge": ...

    @abc.abstractmethod
    def delete_session(self, session_id: str) -> "Erased": ...

    @abc.abstractmethod
    def resolve(self, session_id_or_prefix: str) -> str: ...

    def forget_deleted(self, *, before: bool) -> bool:
        """Make what a rewrite deletes unrecoverable from the store's own files: called with
        `before=True` ahead of a privacy rewrite (re-masking) and `before=False` after it.
        A store that keeps no old copies has nothing to do. Returns False if what was
        deleted may still be in the store's files (another program holds them open)."""
        return True

    def erase_set_aside_indexes(self) -> int:
        """Remove the old copies of the index the store kept aside (a damaged one `repair`
        replaced): erasing a session or re-masking must reach what they hold. Returns how
        many files went; a store that keeps none has nothing to do."""
        return 0

    def erase_set_aside_files(self, session_id: str) -> int:
        """Remove the files of a session the store set aside (damaged segment files `repair`
        moved out of the way): erasing or re-masking the session must reach what they hold.
        Returns how many went; a store that keeps none has nothing to do."""
        return 0

    def keep_assets(self, session_id: str, urls: Iterable[str]) -> int:
        """Of the images and fonts stored for the session, keep only those `urls` name - the
        rest go, with their files when no other session references them (a re-mask whose
        rules now mask an image). Returns how many URLs went; a store that keeps no images
        has nothing to do."""
        return 0

    @abc.abstractmethod
    def compact(self, session_id: str, codec: Codec | None = None) -> None: ...

    def derived(self, reader: "SessionReader", name: str, params: str) -> bytes | None:
        """The blob named `name` a reader of this very version of the session kept with
        `params` (`keep_derived`), None if there is none (see recorder.derived). A store
        that keeps none has none."""
        return None

    def keep_derived(self, reader: "SessionReader", name: str, params: str,
                     blob: bytes) -> bool:
        """Keep `blob`, derived from `reader`'s session as `reader` read it, for the next
        reader of the same version; False if it was not kept (a store that keeps none)."""
        return False

    def drop_derived(self, session_ids: Iterable[str]) -> None:
        """Remove the derived data of these sessions (a store that keeps none has none)."""

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _user_of(info: SessionInfo) -> dict | None:
    """The user a session's row lists, as `_write` takes one (None: none)."""
    user = {"id": info.user_id, "name": info.user_name, "email": info.user_email}
    return {k: v for k, v in user.items() if v is not None} or None


def originals_first(ids: list[str]) -> list[str]:
    """The sessions an untagged prefix names, of those it matches (`ids`): `replay sessions`
    shows an import's copy as PREFIX_new, so a prefix without the tag names the original
    when the others are its tagged copies (`_new`, `_partial`)."""
    if len(ids) < 2:
        return ids
    plain = [i for i in ids if not split_tag(i)[1]]
    if len(plain) == 1 and all(split_tag(i)[0] == plain[0] for i in ids if i != plain[0]):
        return plain
    return ids


def _kept_apart(stored: dict | None, context: dict) -> list[str]:
    """The entries of `context` a stored session's context holds otherwise: kept as stored
    (`add_context`), and what makes an import's bug report another (`other_report`). (A report
    imported before steps were left out has them: compared without.)"""
    held = without_steps(stored) or {}
    return [k for k in context if k in held and held[k] != context[k]]


def _cut_parts(spec: str) -> list[str] | None:
    """The pieces of a long name as it is shown cut (`start…end`, typed `start...end`), in
    order: the start, the end, and between them what a second cut left of the middle (an id
    shown cut and then cut again by a narrower table or a window: `start…mid…`); None: no
    cut."""
    if SHOWN_CUT not in spec and TYPED_CUT not in spec:
        return None
    return spec.replace(TYPED_CUT, SHOWN_CUT).split(SHOWN_CUT)   # (both in one: `a…b...`)


def _holds_in_order(name: str, pieces: list[str]) -> bool:
    """Whether `name` is `pieces[0]`, then each middle piece in order, then `pieces[-1]`
    (anything, or nothing, where a cut was)."""
    head, *middle, tail = pieces
    if not name.startswith(head) or not name.endswith(tail) or \
            len(name) < len(head) + len(tail):
        return False
    at, end = len(head), len(name) - len(tail)
    for piece in middle:
        found = name.find(piece, at, end)
        if found < 0:
            return False
        at = found + len(piece)
    return True


def id_test(spec: str) -> Callable[[str], bool] | None:
    """Whether an id is one `spec` names in a form `Store.resolve` takes besides a prefix
    of it (any case): a shortened tagged id as `replay sessions` shows it (`8dda0c07_partial`
    for `8dda0c07-b950-..._partial`), or a long name cut as it is shown (`start…end`, typed
    `start...end`, or cut again: `start…mid…end`). None when `spec` is in neither form (only
    a prefix of an id names it)."""
    low = spec.strip().lower()
    pieces = _cut_parts(low)
    base, tag = split_tag(low)
    if not (pieces and pieces[0]) and not tag:
        return None

    def named(session_id: str) -> bool:
        i = session_id.lower()
        if pieces and pieces[0] and _holds_in_order(i, pieces):
            return True
        return bool(tag) and i.startswith(base) and i.endswith(tag) and split_tag(i)[1] == tag
    return named


def ids_named(spec: str, ids: Iterable[str],
              stored_ids: Callable[[str], list[str]] | None = None,
              stored: Callable[[str], bool] | None = None) -> list[str]:
    """The ids of `ids` that `spec` names - how `Store.resolve` reads it (among the ids
    `id_stem` finds) and the app's list a pasted link's session: that very id, else those it
    begins (any case), else those it names cut or tagged (`id_test`, any case), else the one
    a recording's own id was stored as (`stored_ids`: the ids it may have been rewritten to,
    `LocalStore.stored_ids`, the first `stored` - by default, one of `ids`); an untagged
    spec names the original, not its copies (`originals_first`). More than one: ambiguous
    (`AmbiguousId`)."""
    spec = str(spec).strip()
    ids = list(ids)
    if not spec:
        return []
    if spec in ids:
        return [spec]
    low = spec.lower()
    found = [i for i in ids if i.lower().startswith(low)]
    if not found and (test := id_test(spec)) is not None:
        found = [i for i in ids if test(i)]
    if not found and stored_ids is not None:
        stored = stored or set(ids).__contains__
        found = [i for i in stored_ids(spec) if stored(i)][:1]
    return found if split_tag(low)[1] else originals_first(found)


def id_stem(spec: str) -> str:
    """What every id `ids_named` may find for `spec` begins with, in any case (its start
    before a cut or a tag; ASCII, as SQL's LIKE reads case): the ids `Store.resolve` reads."""
    spec = str(spec).strip()
    head = (_cut_parts(spec) or [""])[0]
    stem = spec[:min(len(head) or len(spec), len(split_tag(spec.lower())[0]))]
    return next((stem[:n] for n, c in enumerate(stem) if not c.isascii()), stem)


class AmbiguousId(KeyError):
    """`Store.resolve`: `spec` names several stored sessions, `ids` (all of them) - more of
    the id would tell which; importing would not help."""

    def __init__(self, spec: str, ids: list[str]):
        self.spec, self.ids = spec, ids
        more = f" and {len(ids) - SAID_IDS:,} more" if len(ids) > SAID_IDS else ""
        super().__init__(f"{spec!r} matches {len(ids):,} sessions"
                         f" ({', '.join(ids[:SAID_IDS])}{more}); give one of them whole")


class Stored(msgspec.Struct, frozen=True):
    """Where an imported session went and what happened to it."""
    id: str
    outcome: Outcome
    added: int        # events written
    # the session's id as the recording gives it, when that is not usable as a file name
    # and `id` was made of it (sessions.clean_id: `a b c` -> `a_b_c-<hash>`)
    original: str | None = None
    # SAME of an earlier, shorter copy: what the stored session holds besides
    # (`Reconciled.reason`)
    note: str = ""
    # the different `sessionId`s the recording's events carried, when more than one (stored
    # as one session, named by a hash of its shape: `sessions.carried_ids`), else 0
    ids_merged: int = 0


class ContextMerge(msgspec.Struct, frozen=True):
    """What `Store.add_context` did: the entries it added, the ones the session holds with
    another value (kept as stored)."""
    added: list[str]
    kept: list[str]
    index_only: bool = False   # added to the index alone (see add_context)


class _Pinned:
    """One segment file held open from the moment a reader took its snapshot of the index:
    a replace that deletes the file afterwards cannot take it away (POSIX keeps an unlinked
    file's data while a descriptor is open), so a reader sees one version of a session.
    Beyond `PIN_FDS` files a reader keeps the bytes instead (a session with that many
    segments is a live one, of small segments)."""

    __slots__ = ("file", "data")

    def __init__(self, path: Path, keep_bytes: bool):
        self.file: io.FileIO | None = None
        self.data: bytes | None = None
        if keep_bytes:
            self.data = path.read_bytes()
        else:
            self.file = io.FileIO(path, "r")

    def read(self) -> bytes:
        if self.file is None:
            return self.data or b""
        fd = self.file.fileno()
        size = os.fstat(fd).st_size
        if _HAS_PREAD:
            return os.pread(fd, size, 0)   # no shared file position: threads may read at once
        with _pread_lock:  # pragma: no cover - Windows
            os.lseek(fd, 0, os.SEEK_SET)
            return self.file.read(size) or b""

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


_HAS_PREAD = not sys.platform.startswith("win")
_pread_lock = threading.Lock()
PIN_FDS = 256           # segment files one reader holds open; the rest are read up front
SNAPSHOT_TRIES = 5      # a session replaced while a reader pins its files: take it again


class SessionReader(RecordingSource):
    """A stored session, read segment by segment (checksums verified). Its segments are the
    ones the index listed when it was opened, pinned (see `_Pinned`): a replace or a mask
    committing meanwhile does not show through, half-way or at all."""

    def __init__(self, store: "LocalStore", info: SessionInfo, segments: list[SegmentMeta],
                 pinned: list["_Pinned | OSError"] | None = None):
        super().__init__()
        self.store = store
        self.id = info.id
        self.info = info
        self.segments = segments
        self.damage_reasons: dict[int, str] = {}
        self._pinned = pinned
        self._assets = None

    @property
    def assets(self):
        """The data folder's stored images and fonts (recorder.asset_store), which the player
        shows in place of the page's URLs."""
        if self._assets is None:
            from .asset_store import FolderAssets
            self._assets = FolderAssets(self.store.root, self.id)   # its own references only
        return self._assets

    @property
    def as_read(self) -> AsRead:
        """The session as this reader found it (an import's commit checks it still is)."""
        return AsRead(tuple(s.file for s in self.segments))

    def _bytes(self, i: int) -> bytes:
        pin = self._pinned[i] if self._pinned is not None else None
        if isinstance(pin, OSError):
            raise pin
        if pin is None:
            return (self.store.root / self.segments[i].file).read_bytes()
        return pin.read()

    def _load(self, i: int) -> list[dict]:
        meta = self.segments[i]
        try:
            header, events = decode_segment(self._bytes(i), self.store.load_dictionary)
            if header.get("session") != self.id or header.get("index") != meta.index:
                raise SegmentDamaged("file belongs to another segment")
            return events
        except (OSError, SegmentDamaged) as exc:
            self._skipped(i, exc)
            return []

    def iter_segment(self, i: int) -> Iterator[dict]:
        if not 0 <= i < len(self.segments):
            raise IndexError(f"segment {i} out of range (0..{len(self.segments) - 1})")
        meta = self.segments[i]
        try:
            header, events = iter_segment(self._bytes(i), self.store.load_dictionary)
            if header.get("session") != self.id or header.get("index") != meta.index:
                raise SegmentDamaged("file belongs to another segment")
        except (OSError, SegmentDamaged) as exc:
            self._skipped(i, exc)
            return iter(())
        return self._checked(i, events)

    def _checked(self, i: int, events: Iterator[dict]) -> Iterator[dict]:
        try:
            yield from events
        except DECODE_ERRORS as exc:
            self._skipped(i, SegmentDamaged(f"payload does not decode: {exc}"))

    def _skipped(self, i: int, exc: Exception) -> None:
        if i not in self.damaged:   # said once: a player reads a segment many times
            meta = self.segments[i]
            self.damaged.append(i)
            gone = isinstance(exc, FileNotFoundError)
            if gone:
                self.missing.append(i)
            # (a file gone was said as Python's `[Errno 2] ... PosixPath(...)`)
            why = "its file is missing - `replay repair` says what is lost" if gone else \
                (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)
            self.damage_reasons[i] = why
            log.warning("session %s: segment %d (%s) skipped: %s", self.id, meta.index,
                        meta.file, why)

    def raw_segment(self, i: int) -> bytes:
        """The segment file's bytes as stored (bundles copy them verbatim)."""
        return self._bytes(i)

    def load_dictionary(self, dict_id: int) -> Any:
        return self.store.load_dictionary(dict_id)

    def close(self) -> None:
        for pin in self._pinned or ():
            if isinstance(pin, _Pinned):
                pin.close()
        self._pinned = None


def _pin(root: Path, segments: list[SegmentMeta]) -> tuple[list["_Pinned | OSError"], bool]:
    """Open every segment file of a snapshot; (pins, whether a file had gone)."""
    pins: list[_Pinned | OSError] = []
    gone = False
    for k, meta in enumerate(segments):
        try:
            pins.append(_Pinned(root / meta.file, keep_bytes=k >= PIN_FDS))
        except OSError as exc:   # kept: reading that segment reports it, as before
            gone = gone or isinstance(exc, FileNotFoundError)
            pins.append(exc)
    return pins, gone


class LocalStore(Store):
    """The data-folder backend. Options: `limits` (Limits), `compact_codec` (imports and
    compaction), `live_codec` (live intake), `max_segment_records`/`max_segment_bytes`
    (how big a compacted segment may grow)."""

    def __init__(self, root: Path, *, limits: Limits = DEFAULT_LIMITS,
                 compact_codec: Codec = COMPACT_CODEC, live_codec: Codec = LIVE_CODEC,
                 max_segment_records: int = MAX_SEGMENT_RECORDS,
                 max_segment_bytes: int = MAX_SEGMENT_BYTES, say_recovered: bool = True):
        self.root = Path(root)
        self._say_recovered = say_recovered   # what opening rebuilt, as a warning
        self._id_key: bytes | None = None
        try:
            make_data_folder(self.root)
        except OSError as exc:
            raise OSError(f"cannot create the data folder {self.root}: {exc.strerror}") from None
        self.limits = limits
        self.compact_codec = compact_codec
        self.live_codec = live_codec
        self.max_segment_records = max_segment_records
        self.max_segment_bytes = max_segment_bytes
        self.index = Index(self.root / INDEX_FILE)
        self._write_lock = threading.RLock()
        self._dicts: dict[int, zstandard.ZstdCompressionDict] = {}
        self.recovered = RepairReport()   # what opening rebuilt (see _recover)
        self._recover()

    def close(self) -> None:
        self.index.close()

    # --- reading ---------------------------------------------------------------------
    def sessions(self, user: str | None = None, url: str | None = None,
                 has_errors: bool | None = None, since_ms: float | None = None,
                 **filters: Any) -> list[SessionInfo]:
        return self.index.sessions(user=user, url=url, has_errors=has_errors,
                                   since_ms=since_ms, **filters)

    def resolve(self, session_id_or_prefix: str) -> str:
        """The full id of a session given its id, a unique prefix of it, the id as listed
        (`8dda0c07_partial`, a long name cut `start…end`) or the id its recording gave it
        (`stored_as`) - as `ids_named` reads it. KeyError if none; AmbiguousId (a KeyError)
        if several."""
        spec = str(session_id_or_prefix).strip()
        if spec and self.index.has(spec):   # (an exact id names itself: ids_named's first rule)
            return spec
        ids = ids_named(spec, self.index.ids_beginning(id_stem(spec)) if spec else [],
                        self.stored_ids, self.index.has)
        if not ids:
            raise KeyError(f"no session {spec!r} in {self.root}")
        if len(ids) > 1:
            raise AmbiguousId(spec, ids)
        return ids[0]

    def session(self, session_id: str) -> SessionReader:
        sid = self.resolve(session_id)
        for attempt in range(SNAPSHOT_TRIES):
            snap = self.index.snapshot(sid)
            if snap is None:  # deleted meanwhile
                raise KeyError(f"no session {session_id!r} in {self.root}")
            info, segments = snap
            pins, gone = _pin(self.root, segments)
            if not gone or attempt == SNAPSHOT_TRIES - 1:
                return SessionReader(self, info, segments, pins)
            # a replace committed after our snapshot and deleted its old files: take the
            # new version whole rather than the part of the old one still there
            for pin in pins:
                if isinstance(pin, _Pinned):
                    pin.close()
        raise AssertionError("unreachable")  # pragma: no cover

    def load_dictionary(self, dict_id: int) -> zstandard.ZstdCompressionDict | None:
        d = self._dicts.get(dict_id)
        if d is None:
            path = self.root / DICTS_DIR / f"{dict_id}.zdict"
            try:
                d = zstandard.ZstdCompressionDict(path.read_bytes())
            except OSError:
                return None
            self._dicts[dict_id] = d
        return d

    # --- derived data (recorder.derived) ------------------------------------------------
    def derived(self, reader: SessionReader, name: str, params: str) -> bytes | None:
        key = _derived.key_of(reader.id, reader.segments, name, params)
        return _derived.read(_derived.path_of(self.root, reader.id, name), key)

    def keep_derived(self, reader: SessionReader, name: str, params: str,
                     blob: bytes) -> bool:
        """Kept only from a reader that read every segment (a damaged one was left out of
        what it derived) of the version the index lists now - checked again once the file
        is on disk, so a rewrite committing meanwhile (whose drop may have come before
        the file) never leaves it behind."""
        if type(reader) is not SessionReader or reader.store is not self or reader.damaged:
            return False
        # under the session's lock, which an erasure and a rewrite hold while they drop it:
        # a writer killed between its write and its check cannot leave an erased session's
        # blob behind
        with self.session_lock(reader.id):
            if not self._lists(reader):
                return False
            path = _derived.path_of(self.root, reader.id, name)
            try:
                _derived.write(path, _derived.key_of(reader.id, reader.segments, name, params),
                               blob)
            except OSError as exc:   # a full or read-only disk: built again next time
                log.info("derived data of session %s not kept: %s", reader.id,
                         exc.strerror or type(exc).__name__)
                return False
            if not self._lists(reader):
                _derived.remove(path)
                return False
            return True

    def _lists(self, reader: SessionReader) -> bool:
        """Whether the index lists the session with exactly the reader's segments."""
        return _derived.same_segments(self.index.segments(reader.id), reader.segments) and \
            self.index.session(reader.id) is not None

    def drop_derived(self, session_ids: Iterable[str]) -> None:
        """The derived data of sessions whose segments change or go (recorder.derived): called
        before the change and again after it (and for a blob a reader found it cannot use)."""
        for sid in session_ids:
            _derived.drop(self.root, sid)

    # --- ingest -----------------------------------------------------------------------
    def ingest_outcomes(self, events: Sequence[dict], *, application: str | None = None,
                        user: dict | None = None, context: dict | None = None,
                        live: bool = False, now_ms: float | None = None,
                        masker_factory: Callable[[], Masker] | None = None,
                        progress: Progress | None = None, session_id: str | None = None,
                        limits: Limits | None = None, strict: bool | None = None,
                        as_new: bool = False, partial: str | None = None,
                        masker_for: MaskerFor | None = None,
                        batch: BatchKey | None = None,
                        encoded: Sequence[bytes] | None = None,
                        context_of: ContextOf | None = None) -> list[Stored]:
        """`ingest`, saying what happened to each session. Raises LimitError /
        InvalidEvent / ImportConflict with nothing stored. `context_of(start, end)`: each
        new session's context by its span (first and last timestamps), in place of
        `context` (a recording split into several sessions: recorder.bug.parts_reports).

        An import never shortens or changes a stored session (`ingest.reconcile` decides):
        the same content stores nothing, a recording that extends it appends the rest,
        one that disagrees raises ImportConflict - unless `as_new`, which stores it beside
        as `<id>_new` (`_new2`...). `partial` (why the input is damaged) stores what
        decoded as a new session `<id>_partial`, marked with that reason in its context.

        A live batch (`masker_for`: its session's masker, kept between requests) holds its
        session's lock (`session_lock`) from finding the open session to committing, so
        writers in other threads and processes append after it, never beside it; batches
        of other sessions go on meanwhile (their fsyncs overlap). A live batch named by
        its sender (`batch`) is remembered in the transaction that stores it: sent again,
        it stores nothing (`Outcome.SAME`), or raises BatchReused if its event count
        differs. `encoded`: see `ingest.prepare`."""
        total = 2 * len(events) or 1
        context = _context_to_store(context, masker_factory, partial=partial)
        held = self.session_lock(session_id) if (live and session_id) else self._write_lock
        with held:
            named = AcceptedBatch(batch, len(events), batch_digest(events)) \
                if batch is not None else None
            if batch is not None:
                accepted = self.index.batch_accepted(batch)
                if accepted is not None:
                    if not _same_batch(accepted, named):
                        raise BatchReused(batch.batch_id, batch.client_session,
                                          accepted.events, len(events))
                    found = self._open_session(batch.client_session)
                    return [Stored(found.id if found else batch.client_session,
                                   Outcome.SAME, 0)]
            if live and session_id:
                self._refuse_deleted(session_id)
            order = TimeOrder()   # said once stored (a refused file stores in no order)
            prepared = prepare(
                events, application=application, user=user, live=live, now_ms=now_ms,
                masker_factory=masker_factory, masker_for=masker_for,
                limits=(limits or self.limits) if live else (limits or self.limits).for_import(),
                session_id=session_id, open_session=self._open_session, strict=strict,
                progress=progress, progress_total=total, encoded=encoded, id_key=self.id_key,
                order=None if live else order)
            todo: list[PreparedSession] = []
            out: list[Stored] = []
            same: list[tuple[str, Any]] = []   # stored already, values typed: _rescrub_same
            as_read: dict[str, AsRead] = {}
            for p in prepared:
                if live and not p.events:
                    # every event masked away (mutations under a hidden element, adds whose
                    # parent the masker never saw): nothing is written - a segment of none
                    # would give the session the span of no events (start 0, so the next
                    # batch split off as a session of its own without a snapshot) - but the
                    # visit went on until its last event: the session's end says so, or a
                    # hidden widget updating for 15 minutes alone would end it (the next
                    # visible change split off, with no snapshot to play)
                    if p.append_to is not None:
                        if p.last_ms is not None:
                            self.index.extend_live(p.id, p.last_ms)
                        out.append(Stored(p.id, Outcome.EXTENDS, 0))
                    continue
                if p.append_to is not None:     # live intake continues its open session
                    todo.append(p)
                    out.append(Stored(p.id, Outcome.EXTENDS, len(p.events)))
                    continue
                sid, q, outcome, found, note = self._place(
                    p, user, as_new=as_new, partial=bool(partial),
                    report=context if context_of is None else None)
                if q is not None:
                    todo.append(q)
                    as_read[q.id] = found
                out.append(Stored(sid, outcome, 0 if q is None else len(q.events),
                                  p.original, note, p.ids_merged))
                if outcome is Outcome.SAME and p.typed:
                    same.append((sid, p.typed))
            if context_of is not None:
                from .bug import time_span   # (bug reads the events' meaning: imported here)
            per = None if context_of is None else {
                q.id: _context_to_store(context_of(*time_span(q.events)), masker_factory,
                                        partial=partial) for q in todo}
            self._write(todo, application=application, user=user, context=context, live=live,
                        progress=progress, total=total,
                        batch=named, as_read=as_read, contexts=per)
            if todo and not live:
                order.check()
            self._rescrub_same(same)
        if progress:
            progress(total, total)
        return out

    def import_stream(self, events: Iterable[Any], *, application: str | None = None,
                      user: dict | None = None, context: dict | None = None,
                      session_id: str | None = None,
                      masker_factory: Callable[[], Masker] | None = None,
                      as_new: bool = False, partial: str | None = None,
                      limits: Limits | None = None) -> list[Stored]:
        """`ingest_outcomes` for an import read as a stream (`rrweb_io.EventStream`): the same
        checks, sessions, ids, masking, facts and reconcile, an event at a time, so memory
        does not grow with the input. Segments are written as they fill under one pending
        intent and become visible in one index transaction once the whole input has been
        read; anything raised on the way (damage, a limit, a conflict, a kill) leaves the
        store as it was. Raises NotStreamable (nothing written) for what only the whole
        events can decide: a session split off without a snapshot of its own, events whose
        legacy `sessionId` changes after the first ones, or is first carried after them."""
        limits = (limits or self.limits).for_import()
        context = _context_to_store(context, masker_factory, partial=partial)
        opts = dict(application=application, user=user, context=context, hint=session_id,
                    masker_factory=masker_factory, as_new=as_new, partial=bool(partial))
        now = time.time() * 1000
        with self._write_lock:
            # sealed: written before every value typed into a masked field is known
            w = _PendingWrite(self, sealed=masker_factory is not None)
            try:
                done: list[tuple[Stored, SessionRow | None]] = []
                finished: list[_StreamSession] = []   # done's, in order
                used: set[str] = set()
                sess: _StreamSession | None = None
                start_ms = last_ms = 0.0
                bad: list[InvalidEvent] = []   # the first few, named in warnings
                n_bad = good = 0
                types = KnownTypes()
                order = TimeOrder()
                i = 0
                for batch in _batches(events, STREAM_BATCH):
                    # each step over a batch, not each event through every step: the
                    # phases keep their locality (as the whole-list ingest does)
                    # (converted, not decoded from `encode_json(e)`: an event read from
                    # MessagePack may hold what JSON cannot say, e.g. bytes)
                    invalid = invalid_events(batch, i)
                    if invalid:
                        n_bad += len(invalid)
                        bad.extend([invalid[k] for k in sorted(invalid)][:5 - len(bad)])
                        valid = [(i + k, e) for k, e in enumerate(batch) if k not in invalid]
                    else:
                        valid = list(enumerate(batch, i))
                    i += len(batch)
                    checked = checked_events(valid, now, limits)
                    good += len(checked)
                    evs = [e for e, _, _ in checked]
                    types.count(evs)
                    order.see_all(evs)
                    run = 0   # the first of `checked` not added to a session yet
                    for j, e in enumerate(evs):
                        ts = e["timestamp"]
                        if sess is None or ts - last_ms > INACTIVITY_MS or \
                                ts - start_ms > MAX_SESSION_MS:
                            if sess is not None:
                                sess.add_all(checked[run:j])
                                run = j
                                done.append(sess.finish())
                                finished.append(sess)
                            sess = _StreamSession(self, w, len(done), used, limits, **opts,
                                                  goes_on_from=sess)
                            start_ms = last_ms = ts
                        elif ts > last_ms:
                            last_ms = ts
                    if sess is not None:
                        sess.add_all(checked[run:])
                        sess.drain()
                if bad and not good:
                    raise no_event_of(n_bad, bad[0])
                for exc in bad:   # as ingest.validate says it
                    log.warning("skipping invalid event: %s", exc)
                if n_bad > 5:
                    log.warning("skipped %d invalid events in all", n_bad)
                types.check()
                if sess is not None:
                    done.append(sess.finish())
                    finished.append(sess)
                done = [s.scrub_later(d) for s, d in zip(finished, done)]
                rows = [row for _, row in done if row is not None]
                stale = w.commit(rows, replace=[r.info.id for r in rows if not r.append])
            except BaseException:
                w.abort()
                raise
            if rows:   # said of what was stored: a file refused stores nothing in any order
                order.check()
            self._retire(stale)
            self._rescrub_same([t for s in finished if (t := s.typed_in_import())])
        return [stored for stored, _ in done]

    def _rescrub_same(self, same: list[tuple[str, Any]]) -> None:
        """Sessions an import found stored already (SAME: stored from a copy of the
        recording cut at a split, before the rest was imported) while another session of it
        typed values into masked fields: masked again with them (`privacy.remask.
        rescrub_session`: only one that may hold one is read, rewritten if it changed). An
        import writes nothing of theirs, so a value one showed stayed in clear. After the
        commit: what was imported is stored whatever happens here; a session that cannot be
        masked again is said in the log, the others still are. Their images are kept by
        what they still name (the rules they were stored under are not known here)."""
        if not same:
            return
        from .privacy.remask import rescrub_session   # (remask reads and rewrites a store)
        for sid, finals in same:
            try:
                rescrub_session(self, sid, finals, None)
            except (KeyError, ValueError, OSError) as exc:   # deleted meanwhile, unreadable
                log.warning("could not mask session %s again with the values this import"
                            " typed into masked fields: %s", sid, type(exc).__name__)

    def _place(self, p: PreparedSession, user: dict | None, *, as_new: bool,
               partial: bool, report: dict | None = None
               ) -> tuple[str, PreparedSession | None, Outcome, AsRead, str]:
        """Which session an imported one goes to, what to write there (None: nothing), the
        stored session as it was read (the commit checks it is still so), and what the
        stored session holds besides (an earlier, shorter copy of it: `Reconciled.reason`).
        `report`: the import's context as stored - with `as_new`, a stored session of the
        same events holding another bug report is no copy of it (`other_report`)."""
        before = self._stored_before(p.original, p.id, as_new=as_new, partial=partial,
                                     legacy_id=p.legacy_id)

        def other(sid: str) -> bool:
            return as_new and self.other_report(sid, report)
        for sid in before:
            if self._same_input(sid, p.digest, p.legacy_digest) and not other(sid):
                return sid, None, Outcome.SAME, AsRead(None), ""
        if partial:
            ids = (f"{p.id}_{PARTIAL}{n if n > 1 else ''}" for n in itertools.count(1))
        elif as_new:
            ids = itertools.chain([p.id], (f"{p.id}_{AS_NEW}{n if n > 1 else ''}"
                                           for n in itertools.count(1)))
        else:
            ids = iter([p.id])
        for sid in ids:
            if self.index.session(sid) is None:
                p.id = sid
                return sid, p, Outcome.NEW, AsRead(None), ""
            if self._same_input(sid, p.digest, p.legacy_digest) and not other(sid):
                return sid, None, Outcome.SAME, AsRead(None), ""
            with self.session(sid) as stored:   # an exact id resolves to itself
                had = list(stored.events())
            if p.typed:   # as p.events are: stored before this pass, its echoes were not
                had = p.typed.scrub_all(had)[0]
            r = reconcile(had, p.events)
            # (a shorter copy asked to be kept apart, --as-new / --partial, is: as before)
            if r.outcome is Outcome.SAME and not (r.reason and (partial or as_new)) and \
                    not other(sid):
                return sid, None, r.outcome, AsRead(None), r.reason
            if partial or as_new:
                continue       # a new session is asked for: never add to an existing one
            if r.outcome is Outcome.EXTENDS:
                info = self.index.appendable(sid)
                if info is None:   # deleted since it was read: stored as a new one
                    p.id = sid
                    return sid, p, Outcome.NEW, AsRead(None), ""
                facts = derive_facts(r.append, user, first_view=info.view_count + 1,
                                     last_url=info.last_url)
                return sid, PreparedSession(sid, r.append, None, p.digest, facts, info), \
                    r.outcome, stored.as_read, ""
            raise ImportConflict(sid, r.reason, apart=r.apart, damaged=len(stored.damaged))
        raise AssertionError("unreachable: the id candidates never run out")

    def other_report(self, sid: str, context: dict | None) -> bool:
        """Whether stored session `sid` holds a bug report other than the one `context` (an
        import's, as stored: `_context_to_store`) carries - compared as `add_context` does,
        which keeps the stored one. `--as-new` stores such a bundle as a copy (`<id>_new`),
        so a second report on the same recording is kept whole, not dropped."""
        if not context or BUG_KEY not in context:
            return False
        info = self.index.session(sid)
        return BUG_KEY in _kept_apart(info.context if info is not None else None, context)

    def _same_input(self, sid: str, digest: str, legacy: str | None) -> bool:
        """Whether stored session `sid` was stored from the same input: its digest is this
        one's (keyed), or, stored before digests were keyed, the unkeyed `legacy` one."""
        stored = self.index.digest(sid)
        return stored is not None and stored in (digest, legacy)

    def _stored_before(self, original: str | None, sid: str, *, as_new: bool,
                       partial: bool, legacy_id: str | None = None) -> list[str]:
        """The stored sessions a recording whose id `original` was rewritten to `sid` may
        have been stored as before rewritten ids ended with a hash (`a b c` was `a_b_c`,
        `sessions.old_clean_id`; and their `--as-new`/`--partial` copies), or one whose
        recording gives no id as before hashed ids were keyed (`legacy_id`): compared by
        input digest only, so a re-import of the same file stores it no second time."""
        olds: list[str | None] = []
        if original is not None:
            new = clean_id(original)
            # (and one holding personal data, stored as an unkeyed hash of it before it was
            # keyed)
            olds += [old_clean_id(original) + (sid[len(new):] if sid.startswith(new) else ""),
                     unkeyed_stored_id(original)]
        olds.append(legacy_id)
        found = []
        for old in olds:
            if old is None or old == sid:
                continue
            if partial:
                names: Iterator[str] = (f"{old}_{PARTIAL}{n if n > 1 else ''}"
                                        for n in itertools.count(1))
            else:
                names = itertools.chain([old], (f"{old}_{AS_NEW}{n if n > 1 else ''}"
                                                for n in itertools.count(1)))
            for name in names:
                if self.index.session(name) is None:
                    break
                found.append(name)
        return found

    def stored_as(self, recorded_id: str) -> str | None:
        """The id of the session a recording's own id names, if it is stored: that id, or
        the one it was rewritten to (`stored_ids`), so the id a customer, a ticket, a file or
        an erasure request gives finds it. Never a prefix."""
        return next((m for m in self.stored_ids(recorded_id) if self.index.has(m)), None)

    def stored_ids(self, recorded_id: str) -> list[str]:
        """The ids a recording's own id may be stored as, stored or not: itself, and the
        one it is rewritten to if it is (`a b c` as `a_b_c-<hash>`; one holding personal
        data - an e-mail, a card number, `cust-078-05-1120` - as a keyed hash of it,
        `session-<hash>`)."""
        if is_safe_id(recorded_id) and not personal_data_in(recorded_id):
            return [recorded_id]
        made = [recorded_id, stored_id(recorded_id, self._existing_key)]
        if (unkeyed := unkeyed_stored_id(recorded_id)) is not None:
            made.append(unkeyed)   # (stored before ids were keyed)
        return made

    def _existing_key(self) -> bytes:
        """The folder's secret when it has one (a lookup never makes it: no import made a
        hashed id then, and the process's own key finds nothing stored)."""
        from .id_key import process_key, read_id_key
        return self._id_key or read_id_key(self.root) or process_key()

    def id_key(self) -> bytes:
        """The data folder's secret a session id holding personal data and each recording's
        input digest are hashed with (`id_key`): made by the first import into the folder."""
        if self._id_key is None:
            self._id_key = id_key(self.root)
        return self._id_key

    @contextlib.contextmanager
    def session_lock(self, session_id: str) -> Iterator[None]:
        """Exclusive across processes (and threads: each holder opens its own file) for a
        client's session and its continuations `<id>.<timestamp>`: a live append reads the
        open session, numbers its segments and commits under it; compaction reads and
        rewrites under it. Sessions share `LOCK_STRIPES` files by a hash of their visit's id
        (`visit_of`: a continuation hashes like the id it continues)."""
        if fcntl is None:  # pragma: no cover
            yield
            return
        key = visit_of(clean_id(session_id)).encode()
        stripe = int.from_bytes(hashlib.blake2b(key, digest_size=4).digest(), "big") \
            % LOCK_STRIPES
        path = self.root / LOCKS_DIR / f"{stripe:02d}.lock"
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except FileNotFoundError:   # the first lock of this data folder
            path.parent.mkdir(exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)   # released by the kernel if the holder dies
            yield
        finally:
            os.close(fd)

    def events_since(self, session_id: str, seen: int) -> tuple[SessionInfo, list[dict]]:
        """The session's row and its events after the first `seen` (a live session's
        follower, a masker catching up with what another process appended). Counted in
        events, so a compaction that renumbers the segments in between changes nothing;
        whole segments before `seen` are not decoded."""
        with self.session(session_id) as reader:
            events: list[dict] = []
            before = 0
            for i, meta in enumerate(reader.segments):
                if before + meta.record_count > seen:
                    evs = reader.read_segment(i)
                    events += evs[max(seen - before, 0):]
                before += meta.record_count
            return reader.info, events

    def may_grow(self, session_id: str) -> bool:
        """Whether the session may still grow: stored by `replay serve` and not compacted yet
        (its visitor may be on the page now) - whether an intake serves the folder now or
        not (one restarted goes on with it: a follower stops only at the compaction)."""
        return self.index.live(self.resolve(session_id))

    def serving(self) -> bool:
        """Whether a live intake serves this data folder now (`intake_serving`)."""
        return intake_serving(self.root)

    def is_live(self, session_id: str) -> bool:
        """Whether the live intake may be appending to the session now: it `may_grow`, and
        an intake serves this folder (a session shown ● in the lists, a tab)."""
        return self.may_grow(session_id) and self.serving()

    def live_ids(self) -> set[str]:
        """The sessions `is_live` says are (none while no intake serves the folder)."""
        return self.index.live_ids() if self.serving() else set()

    def _open_session(self, client_id: str) -> OpenSessionInfo | None:
        """The newest session started under a client's session id (it may have been
        continued as `<id>.<timestamp>` after a limit)."""
        return self.index.open_session(clean_id(client_id))

    def replace_session(self, session_id: str, events: Sequence[dict] | None, *,
                        context: dict | None = None, read: int | None = None,
                        again: Callable[[list[dict], dict | None],
                                        tuple[list[dict], dict | None]] | None = None,
                        user: dict | None = None) -> None:
        """Rewrite a session atomically (re-masking): new segment files, then one index
        transaction switches to them; facts re-derived; id, application, user and import
        digest kept, the context unless a (re-masked) `context` is given and the user unless
        a (masked) `user` is. `events`
        None: its own events, read under its lock (a new context only) - what a live
        append stored meanwhile is kept, where events read before the lock lost it.
        `events` made from the session as it held `read` events (a re-mask, too long to
        run under the lock): if a live append stored more since, `again(its events now, its
        context now)` gives the (events, context) to store instead, under the lock."""
        sid = self.resolve(session_id)
        with self._write_lock:
            # a dictionary that learnt the old version keeps fragments of what the new one
            # masks: no session (this one included) uses it any more, then it goes - each
            # step atomic, every session decodes between them
            dicts = self.index.dictionaries_holding(sid)
            for dict_id in dicts:
                self._stop_using_dictionary(dict_id)
            if dicts:
                self._retire(self.index.drop_dictionaries(dicts))
                for dict_id in dicts:
                    self._dicts.pop(dict_id, None)
            with self.session_lock(sid):
                info = self.index.session(sid)
                grew = again is not None and read is not None and info is not None and \
                    info.record_count != read
                if events is None or grew:
                    with self.session(sid) as reader:
                        events = list(reader.events())
                    if grew:
                        events, context = again(events, info.context)
                # a live session stays live: still followed, compacted once quiet
                self._rewrite(sid, list(events), self.compact_codec, context,
                              live=self.index.live(sid), user=user)

    def add_context(self, session_id: str, context: dict, *,
                    masker_factory: Callable[[], Masker] | None = None) -> "ContextMerge":
        """Give a stored session the entries of `context` it does not have (a bundle's bug
        report imported onto a session stored already), masked by `masker_factory`'s rules as
        an import masks a context. An entry the session has is kept as it is, never replaced:
        what differs is named in the result. The context is kept where `repair` finds it
        again, the session's first segment: the session is rewritten with the same events
        (as `replace_session` does) - unless segments of it are damaged, which a rewrite
        would drop: then only the index holds the entry (`index_only`)."""
        sid = self.resolve(session_id)
        context = _context_to_store(context, masker_factory) or {}
        with self._write_lock, self.session_lock(sid):
            info = self.index.session(sid)
            if info is None:
                raise KeyError(f"no session {session_id!r} in {self.root}")
            stored = info.context or {}
            merge = ContextMerge(added=[k for k in context if k not in stored],
                                 kept=_kept_apart(stored, context))
            if not merge.added:
                return merge
            merged = {**stored, **{k: context[k] for k in merge.added}}
            with self.session(sid) as reader:
                events = list(reader.events())
                damaged = bool(reader.damaged)
            if damaged:
                self.index.set_context(sid, merged)
                return ContextMerge(merge.added, merge.kept, index_only=True)
            self._rewrite(sid, events, self.compact_codec, merged, live=self.index.live(sid))
        return merge

    def compact(self, session_id: str, codec: Codec | None = None, *,
                only_idle_before: float | None = None, typed: Echoes | None = None) -> bool:
        """Rewrite a finished session's (many small, live) segments into few large ones.
        With `only_idle_before` (epoch ms), only a live session with no event since then
        (checked under the lock: another process may have just appended). `typed`: values
        typed into its masked fields (the live intake's, memory only), whose echoes in
        requests stored before the typing go now - the index's pages that held them are
        overwritten too (`forget_deleted`). Returns whether it rewrote."""
        sid = self.resolve(session_id)
        # no live append, from this process or another, may slip in between read and rewrite
        with self._write_lock, self.session_lock(sid):
            if only_idle_before is not None:
                info = self.index.session(sid)
                if info is None or not self.index.live(sid) or info.end_ms >= only_idle_before:
                    return False
            with self.session(sid) as reader:
                events = list(reader.events())
            if not events and not reader.segments:
                # a row with nothing under it: a live batch masked away whole, as stored
                # before such a batch wrote nothing (its row's span began in 1970); it goes,
                # as no erasure (its client's next batch is not refused as deleted)
                self.index.drop_empty_session(sid)
                log.info("session %s held no events (a batch all of whose events the privacy"
                         " rules dropped): removed from the list", sid)
                return False
            if reader.damaged:
                log.warning("compacting session %s without its damaged segments %s",
                            reader.id, reader.damaged)
            scrubbed, context, user = 0, None, None
            if typed is not None:
                events, context, user, scrubbed = self.scrub_typed(sid, events, typed.finals())
            if scrubbed:
                self.forget_deleted(before=True)
            self._rewrite(reader.id, events, codec or self.compact_codec, context, user=user)
            if scrubbed and not self.forget_deleted(before=False):
                log.warning("session %s: another program reading the index holds its log; the"
                            " pages it held before compaction go at a later checkpoint", sid)
            return True

    def may_hold(self, session_id: str, finals: Echoes) -> bool:
        """Whether stored session `session_id` may hold a value of `finals` (values typed into
        masked fields, `Echoes.finals`) where the privacy pass would mask it: its context or
        its user, else a segment whose payload holds a value's needle and a string where one
        stands (as the streaming import's second pass looks: no event is built); a damaged
        segment may (it cannot be read; a rewrite drops it). Read without the store's locks
        (nothing is written); False for a session not stored (any more) or still live."""
        sid = self.resolve(session_id)
        info = self.index.session(sid)
        if info is None or self.index.live(sid):
            return False
        if info.context and finals.scrub_strings(info.context) != info.context:
            return True
        user = _user_of(info)
        if user and finals.scrub_strings(user) != user:
            return True
        for meta in self.index.segments(sid):
            try:
                payload = segment_payload((self.root / meta.file).read_bytes(),
                                          self.load_dictionary)
            except (OSError, ValueError):   # damaged, or rewritten under us: to be read
                return True
            if finals.may_be_in(payload) and finals.changes_any(payload_strings(payload)):
                return True
        return False

    def scrub_typed(self, session_id: str, events: list[dict], finals: Echoes
                    ) -> tuple[list[dict], dict | None, dict | None, int]:
        """A stored session's `events`, its context and its user with `finals`' echoes
        masked: (events, the context if it changed else None, the user if it changed else
        None, how many of them changed). The user is masked only where its events named it
        (an `identify`), never one given with the session (`--user`, a batch's `user`)."""
        events, scrubbed = finals.scrub_all(events)
        context = user = None
        info = self.index.session(self.resolve(session_id))
        if info is not None and info.context:   # a batch's context held a value
            masked = finals.scrub_strings(info.context)   # typed after it came
            if masked != info.context:
                context, scrubbed = masked, scrubbed + 1
        listed = _user_of(info) if info is not None else None
        if listed and (masked := finals.scrub_strings(listed)) != listed:
            named = derive_facts(events).user or {}   # (masked events name it masked)
            if all(named.get(k) == masked[k] for k in masked):   # the events' user, not given
                user, scrubbed = masked, scrubbed + 1
        return events, context, user, scrubbed

    def compact_idle(self, now_ms: float | None = None, idle_ms: int = INACTIVITY_MS, *,
                     typed: Callable[[str], Echoes | None] | None = None) -> list[str]:
        """Compact every live session that has ended (no event for `idle_ms`); the intake
        calls this now and then, with `typed`: a session's values typed into masked fields
        (see compact). Returns the ids compacted."""
        now = time.time() * 1000 if now_ms is None else now_ms
        done = []
        for sid in self.index.live_sessions_before(now - idle_ms):
            try:
                if self.compact(sid, only_idle_before=now - idle_ms,
                                typed=typed(sid) if typed is not None else None):
                    done.append(sid)
            except (KeyError, ValueError) as exc:  # deleted meanwhile / nothing readable
                log.warning("could not compact session %s: %s", sid, exc)
        return done

    def _rewrite(self, sid: str, events: list[dict], codec: Codec,
                 context: dict | None = None, *, live: bool = False,
                 user: dict | None = None) -> None:
        """`user`: a masked one in place of the listed one (None: kept)."""
        info = self.index.session(sid)
        if info is None:
            raise KeyError(f"no session {sid!r} in {self.root}")
        if not events:
            raise ValueError(f"refusing to replace session {sid} with no events;"
                             " delete it instead")
        check_session_size(len(events), self.limits, sid)
        user = user if user is not None else _user_of(info)
        p = PreparedSession(sid, events, None,
                            self.index.digest(sid) or content_digest(events, self.id_key()),
                            derive_facts(events, user), None)
        self._write([p], application=info.application, user=user,
                    context=info.context if context is None else context, live=live, codec=codec)

    def _refuse_deleted(self, client_id: str) -> None:
        """A live batch for a client's session whose newest part was deleted (while the
        visit went on) raises SessionDeleted: appended, the rest of the visit would be a
        session without a snapshot under the deleted one's id."""
        if self.client_deleted(client_id):
            raise SessionDeleted(client_id)

    def client_deleted(self, client_id: str) -> bool:
        """Whether the newest part of a client's session was deleted (`_refuse_deleted`)."""
        gone = self.index.deleted_since(clean_id(client_id))
        if gone is None:
            return False
        found = self._open_session(client_id)
        return found is None or found.start_ms <= gone

    def batch_settled(self, key: BatchKey) -> bool:
        """Whether a batch that follows batch `key` (intake/order.py) need wait no longer
        for it: it was stored, or its session was deleted since - the one following is refused
        then (SessionDeleted), and waited 5 s for a batch the deletion forgot, logged as
        stored after it gave up (a newcomer's tryout)."""
        return self.index.batch_accepted(key) is not None or \
            self.client_deleted(key.client_session)

    def delete_session(self, session_id: str) -> "Erased":
        """Erase a session: its index rows (its user's too, if no other session has that
        user), its segment files, the damaged files of it `repair` set aside, and the index
        pages that held its rows (see forget_deleted). Under its session lock, so a live
        append commits before (and is erased) or after (and is refused: SessionDeleted - a
        session an application sent is remembered as deleted, by its id and start)."""
        sid = self.resolve(session_id)
        with self._write_lock:
            # a dictionary trained on it holds fragments of its text: no other session may
            # use it when it goes (see _stop_using_dictionary), in the same transaction
            dicts = self.index.dictionaries_holding(sid)
            for dict_id in dicts:
                self._stop_using_dictionary(dict_id, but=sid)
            with self.session_lock(sid):
                self.forget_deleted(before=True)
                self.drop_derived([sid])
                files = self.index.delete_session(sid, dicts)
                self.drop_derived([sid])
                # what the live intake noted typed in its visit (sealed), with its last
                # session: the visit's others go on masking with it
                visit = visit_of(sid)
                if not self.index.sessions_for_client(visit):
                    typed_journal_path(self.root, visit).unlink(missing_ok=True)
                for dict_id in dicts:
                    self._dicts.pop(dict_id, None)
                # its segment files there were (one deleted by hand was counted as erased)
                present = self.files_present(f for f in files
                                             if f.startswith(f"{SEGMENTS_DIR}/"))
                left = self._retire(files)
            set_aside = self.erase_set_aside_files(sid)
            cleared = self.forget_deleted(before=False)
            old_indexes = self.erase_set_aside_indexes()
            assets = self._forget_assets(sid)
        return Erased(sid, present, set_aside, cleared, len(dicts),
                      old_indexes, len(left), assets.files, assets.urls)

    def files_present(self, files: Iterable[str]) -> int:
        """How many of `files` (relative to the data folder) are there: what erasing them
        removes (`delete_session`, `replay delete --dry-run`)."""
        return sum(1 for f in files if (self.root / f).exists())

    def keep_assets(self, session_id: str, urls: Iterable[str]) -> int:
        from .asset_store import AssetStore
        store = AssetStore.existing(self.root)
        if store is None:
            return 0
        try:
            return store.keep_only(session_id, urls).urls
        finally:
            store.close()

    def _forget_assets(self, sid: str):
        """The images and fonts stored for an erased session (recorder.asset_store) that no
        other session references go with it - and those of sessions erased before by a
        program that stopped before it got there."""
        from .asset_store import AssetStore, Forgotten
        store = AssetStore.existing(self.root)
        if store is None:
            return Forgotten()
        try:
            gone = store.forget_session(sid)
            rest = store.prune(lambda: [r[0] for r in self.index._all("SELECT id FROM sessions")])
        finally:
            store.close()
        return Forgotten(gone.urls + rest.urls, gone.files + rest.files,
                         gone.bytes + rest.bytes)

    def erase_set_aside_files(self, session_id: str) -> int:
        """The files of a session `repair` set aside in `unreferenced/` (a damaged segment
        file often still decompresses: one flipped byte fails its checksum, not its text) go:
        they hold what the session held when they were written - an erasure (`delete_session`)
        or a re-mask (`remask.remask_session`) must reach them too. Returns how many."""
        aside = self.root / UNREFERENCED_DIR / _PendingWrite.session_dir(session_id)
        set_aside = [p for p in aside.rglob("*") if p.is_file()] if aside.is_dir() else []
        if set_aside:
            shutil.rmtree(aside)
            _remove_empty_dirs(aside.parent, self.root / UNREFERENCED_DIR)
        return len(set_aside)

    def set_aside_indexes(self) -> list[Path]:
        """The damaged index files `repair` set aside (with their logs)."""
        return sorted(p for p in self.root.glob(f"{INDEX_FILE}*{DAMAGED_INDEX_MARK}*")
                      if p.is_file())

    def erase_set_aside_indexes(self) -> int:
        """The damaged index copies `repair` set aside hold rows of every session of their
        day - users' names and emails, URLs, error messages as then masked: they go (they
        are derived from the segments, and the index that replaced them was rebuilt)."""
        gone = self.set_aside_indexes()
        for p in gone:
            p.unlink(missing_ok=True)
        return len(gone)

    def forget_deleted(self, *, before: bool) -> bool:
        """SQLite keeps deleted rows in free pages and the write-ahead log keeps the pages
        written before: before a rewrite, deleted rows are overwritten (`secure_delete`);
        after it, the log is checkpointed and truncated - unless another program reading the
        index holds it (then False: the log keeps old pages until a later checkpoint)."""
        try:
            if before:
                self.index.db.execute("PRAGMA secure_delete=ON")
                return True
            busy, _, _ = self.index.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            return busy == 0
        except sqlite3.Error as exc:  # an index we cannot tune is still correct, less clean
            log.warning("could not scrub deleted rows from the index: %s", type(exc).__name__)
            return False

    # --- dictionaries ----------------------------------------------------------------
    def _stop_using_dictionary(self, dict_id: int, *, but: str | None = None) -> None:
        """Rewrite every session (except `but`, about to be erased) that has a segment
        compressed with the dictionary `dict_id` without any dictionary (the same events;
        each rewrite is atomic, as a compaction's, and like one leaves out a segment that no
        longer decodes), so the dictionary can go. Interrupted, nothing is lost: the
        dictionary stays until a transaction drops it."""
        if self.compact_codec.dict_id == dict_id:   # new segments stop using it too
            self.compact_codec = msgspec.structs.replace(self.compact_codec, dict_id=0)
        plain = msgspec.structs.replace(self.compact_codec, dict_id=0)
        users: set[str] = set()
        for file, sid in self.index.segment_files().items():
            if sid == but or sid in users:
                continue
            try:
                header = read_header((self.root / file).read_bytes())
            except (OSError, SegmentDamaged):
                continue
            if (header.get("codec") or {}).get("dict_id") == dict_id:
                users.add(sid)
        for sid in sorted(users):
            with self.session_lock(sid):
                with self.session(sid) as reader:
                    events = list(reader.events())
                if not events:   # nothing of it decodes: nothing to keep from the dictionary
                    continue
                if reader.damaged:
                    log.warning("rewriting session %s without its damaged segments %s",
                                reader.id, reader.damaged)
                self._rewrite(reader.id, events, plain, live=self.index.live(sid))

    def train_dictionary(self, session_ids: Iterable[str] | None = None, *,
                         size: int = 112 * 1024, use: bool = True) -> int:
        """Train a zstd dictionary on stored sessions (chunks of their events), keep it in
        the data folder and, with `use`, compress compacted segments with it from now on.
        Returns its id (segment headers reference it). The index records which sessions it
        learnt from: erasing any of them erases the dictionary (`delete_session`)."""
        ids = list(session_ids) if session_ids is not None else \
            [s.id for s in self.sessions()][:200]
        from .format import encode_msgpack
        samples: list[bytes] = []
        learnt: list[str] = []   # the sessions it learns from, kept with it in the index
        for sid in ids:
            with self.session(sid) as reader:
                evs = list(reader.events())
            learnt.append(reader.id)
            samples += [encode_msgpack(evs[i: i + 16]) for i in range(0, len(evs), 16)]
        if not samples:
            raise ValueError("no stored events to train a dictionary on")
        try:
            d = zstandard.train_dictionary(size, samples)
        except zstandard.ZstdError as exc:
            raise ValueError(f"cannot train a {size:,} byte dictionary on {len(samples)} samples"
                             f" ({exc}); store more sessions first or ask for a smaller one")
        dict_id = d.dict_id()
        rel = f"{DICTS_DIR}/{dict_id}.zdict"
        (self.root / DICTS_DIR).mkdir(exist_ok=True)
        _atomic_write(self.root / rel, d.as_bytes())
        self.index.add_dictionary(dict_id, rel, learnt)
        self._dicts[dict_id] = d
        if use:
            self.compact_codec = Codec(level=self.compact_codec.level,
                                       window_log=self.compact_codec.window_log,
                                       dict_id=dict_id, threads=self.compact_codec.threads)
        return dict_id

    # --- writing ------------------------------------------------------------------------
    def _write(self, todo: list[PreparedSession], *, application: str | None,
               user: dict | None, context: dict | None, live: bool,
               codec: Codec | None = None, progress: Progress | None = None,
               total: int = 0, batch: AcceptedBatch | None = None,
               as_read: dict[str, AsRead] | None = None,
               contexts: dict[str, dict | None] | None = None) -> None:
        """Write `todo`'s segments, then commit their rows in one transaction; `as_read`:
        an import's sessions as it found them (AsRead), checked in that transaction;
        `contexts`: each session's own context (by id), in place of `context`."""
        if not todo:
            if batch is not None:   # nothing of it is kept (all masked away): still seen
                self.index.commit(None, [], batch=batch)
            return
        codec = codec or (self.live_codec if live else self.compact_codec)
        zdict = None
        if codec.dict_id:
            zdict = self.load_dictionary(codec.dict_id)
            if zdict is None:
                raise FileNotFoundError(f"compression dictionary {codec.dict_id} is missing"
                                        f" from {self.root / DICTS_DIR}")
        jobs: list[tuple[PreparedSession, SegmentMeta, int, int]] = []
        token = _PendingWrite.new_token()
        for p in todo:
            first = p.append_to.segment_count if p.append_to else 0
            prev_view = p.append_to.last_view if p.append_to else None
            cuts = plan_segments(p.events, p.sizes, max_records=self.max_segment_records,
                                 max_bytes=self.max_segment_bytes)
            for k, (a, b, reason) in enumerate(cuts):
                if p.append_to is not None and k == 0:
                    reason = LIVE
                meta = describe(p.events[a:b], first + k, reason,
                                view_at(p.facts, a) or prev_view)
                meta.file = _PendingWrite.file_name(p.id, first + k, token)
                jobs.append((p, meta, a, b))
        # the first segment of a session written whole keeps what only the index knows
        # a context is masked with the echoes of what was typed in its session's events too
        # (the live intake's client-given context may hold it: masked in the same batch)
        given = contexts
        contexts = {}
        for p in todo:
            c = context if given is None else given.get(p.id)
            contexts[p.id] = c if p.typed is None else p.typed.scrub_strings(c)
        infos = {p.id: {"application": application, "user": p.facts.user,
                        "context": contexts[p.id], "digest": p.digest, "live": live}
                 for p in todo if p.append_to is None}
        # a live append that names the session's first user (capture.js's setUser after the
        # first batch): its segment keeps them too, so `repair` finds the owner (and `delete
        # --user` the session) before compaction writes them into the first segment
        for p in todo:
            if p.append_to is not None and p.facts.user:
                row = self.index.session(p.id)
                if row is None or not (row.user_id or row.user_name or row.user_email):
                    infos[p.id] = {"user": p.facts.user}
        # a live batch is appended whole or not at all: its intent need not wait for the disk
        w = _PendingWrite(self, [m.file for _, m, _, _ in jobs], token=token,
                          fsync=not all(p.append_to for p in todo))
        try:
            done = total // 2
            named = [batch.key.application, batch.key.client_session, batch.key.batch_id,
                     batch.events, batch.digest] if batch is not None else None
            for (p, meta, a, b), blob in zip(jobs, self._encode_all(jobs, codec, zdict, infos,
                                                                    named)):
                w.write(meta.file, blob)
                if progress:
                    done += (b - a)
                    progress(min(done, total - 1), total)
            rows = [self._row(p, [m for q, m, _, _ in jobs if q is p], application=application,
                              user=user, context=contexts[p.id], live=live) for p in todo]
            for r in rows:
                r.as_read = (as_read or {}).get(r.info.id)
            stale = w.commit(rows, replace=[p.id for p in todo if p.append_to is None],
                             batch=batch)
        except BaseException:
            w.abort()
            raise
        self._retire(stale)

    def _encode_all(self, jobs, codec: Codec, zdict, infos: dict[str, dict],
                    batch: list | None = None) -> Iterator[bytes]:
        """Segment files in job order (the first names the live `batch`, if any). Slow
        (high-level) compression runs on a few threads: zstd releases the GIL, so an
        import uses every core."""
        first = jobs[0][1] if jobs else None

        def encode(job) -> bytes:
            p, meta, a, b = job
            return encode_segment(p.id, meta, p.events[a:b], codec, zdict,
                                  session_info=infos.get(p.id) if a == 0 else None,
                                  batch=batch if meta is first else None)
        if len(jobs) < 2 or codec.level < 10:   # (a live batch: one fast segment)
            return map(encode, jobs)
        workers = min(os.cpu_count() or 1, 4)
        if workers < 2:
            return map(encode, jobs)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="segment-zstd")
        results = pool.map(encode, jobs)
        pool.shutdown(wait=False)
        return results

    def _row(self, p: PreparedSession, segs: list[SegmentMeta], *, application, user, context,
             live) -> SessionRow:
        f = p.facts
        nbytes = sum(s.bytes for s in segs)
        if p.append_to is not None:
            old = p.append_to
            named = {"id": old.user_id, "name": old.user_name, "email": old.user_email}
            if old.user_id is None and f.user and f.user.get("id") is not None:
                named = f.user   # its user first named now (`--user`, a later live batch)
            # the whole session's actions, both ways (semantics.ActionCounts); a row from
            # before they were kept adds up what each part showed, as it did
            actions = None if old.actions is None else old.actions + f.actions
            action_count, frustration_count = actions.shown if actions is not None else (
                old.action_count + f.action_count, old.frustration_count + f.frustration_count)
            info = SessionInfo(
                id=old.id, application=old.application,
                user_id=optional_str(named.get("id")), user_name=optional_str(named.get("name")),
                user_email=optional_str(named.get("email")),
                start_ms=min(old.start_ms, f.start_ms), end_ms=max(old.end_ms, f.end_ms),
                duration_ms=max(old.end_ms, f.end_ms) - min(old.start_ms, f.start_ms),
                first_url=old.first_url or f.first_url, view_count=old.view_count,
                error_count=old.error_count,
                frustration_count=frustration_count,
                resource_count=old.resource_count + f.resource_count,
                action_count=action_count,
                record_count=old.record_count + f.record_count, bytes=old.bytes + nbytes,
                segment_count=old.segment_count + len(segs), context=old.context,
                error_group_count=old.error_group_count)
            # an import that extends a session keeps the digest of its whole input, so
            # importing that file again is recognised at once; it stays what it was, live
            # or not (an import's append made a 2018 recording "live" for good: listed with
            # the live mark, "`replay serve` may still be storing it")
            return SessionRow(info=info, digest=None if live else p.digest,
                              live=live or self.index.live(old.id),
                              segments=segs, facts=f, append=True, last_url=old.last_url,
                              actions=actions)
        info = info_from(p.id, f, application=application, user=f.user, context=context,
                         nbytes=nbytes, segment_count=len(segs))
        return SessionRow(info=info, digest=p.digest, live=live, segments=segs, facts=f,
                          actions=f.actions)

    def _retire(self, files: list[str]) -> list[str]:
        """Delete files a committed transaction listed in `retired`, then forget them - all
        but those that could not be deleted (returned): they stay listed, so the next open
        deletes them (`_recover`) instead of taking them for a lost index's files and giving
        their session back. An erased session whose folder refused a delete came back."""
        if not files:
            return []
        left = self._remove_files(files)
        kept = set(left)
        self.index.drop_retired([f for f in files if f not in kept])
        return left

    def _remove_files(self, files: Iterable[str]) -> list[str]:
        """Delete segment files (and their temp files); the ones that could not be."""
        parents, left = set(), []
        for rel in files:
            path = self.root / rel
            if not all([_unlink(p) for p in _with_temp(path)]):
                left.append(rel)
            parents.add(path.parent)
        for d in parents:
            _remove_empty_dirs(d, self.root / SEGMENTS_DIR)
        return left

    # --- crash recovery and repair ----------------------------------------------------
    def _recover(self) -> None:
        """Undo writes that died before their index transaction, finish deletions a crash
        interrupted after one, and give back to the index every segment file it does not
        know (a lost, emptied or rolled-back index): segment headers say whose they are.
        Only files a dead writer left unfinished, and files a committed transaction
        retired, are ever deleted."""
        now = time.time() * 1000
        protected: set[str] = set()
        for token, pid, created, files in self.index.pending():
            if _pid_alive(pid) and now - created < STALE_PENDING_MS:
                protected.update(files)
                continue
            # (the files it named that were written: a sealed one's name is its segment's too)
            written = {f.removesuffix(SEALED_SUFFIX) for f in files
                       if any(p.exists() for p in _with_temp(self.root / f))}
            if written:
                log.warning("cleaning up an interrupted write (%s)",
                            count(len(written), "segment file"))
            self._remove_files(files)
            self.index.drop_pending(token)
        self._retire(self.index.retired())
        finished, unfinished, sealed = self._scan()
        # a sealed file no living writer names: its key died with the import that wrote it
        # (its intent, which names it, went with a lost index)
        dead = [f for f in sealed if f not in protected]
        if dead:   # (one a writer that began since named first is its: look again)
            living = self.index.pending_files()
            dead = [f for f in dead if f not in living]
        if dead:
            self._remove_files(dead)
            log.warning("removed %s from %s", count(len(dead), "sealed file"),
                        self.root / SEGMENTS_DIR)
        if not finished and not unfinished:
            return
        # (a file listed as retired is known: a delete it refused, never a lost index's file)
        known = set(self.index.segment_files()) | protected | set(self.index.retired())
        torn = [f for f in unfinished if f not in known]
        unknown = [f for f in finished if f not in known]
        if torn or unknown:
            # a file written after we listed `known` belongs to a writer that registered
            # it in `pending` first - look again
            known = set(self.index.segment_files()) | set(self.index.retired()) | \
                self.index.pending_files()
            torn = [f for f in torn if f not in known]
            unknown = [f for f in unknown if f not in known]
        for rel in torn:    # a temp file never renamed: its writer died before finishing it
            _unlink(self.root / (rel + TMP_SUFFIX))
        if torn:
            log.warning("removed %s from %s", count(len(torn), "unfinished segment file"),
                        self.root / SEGMENTS_DIR)
        if unknown:
            self.recovered = self._rebuild(unknown)
            # (files a rewrite retired meanwhile: nothing to say; `repair` reports it itself)
            if self.recovered.changed and self._say_recovered:
                log.warning("%s", self.recovered.summary())

    def repair(self, progress: Progress | None = None) -> "RepairReport":
        """Check every segment file against the index and rebuild from the files the
        sessions whose rows disagree with them (or are missing). What `open` already
        rebuilt is included in the report."""
        with self._write_lock:
            writing = self.index.pending_files()  # not ours
            writing |= set(self.index.retired())   # erased: to delete, never to give back
            on_disk = set(self._scan()[0])
            # asked before the rebuild, which leaves a session's rows without its files that
            # are gone (they were said as none missing)
            gone = {f: sid for f, sid in self.index.segment_files().items()
                    if f not in on_disk and f not in writing}
            report = self._rebuild([f for f in on_disk if f not in writing], progress,
                                   everything=True)
            report.merge(self.recovered)
            report.dictionaries = self._register_dictionaries()
            # derived data of sessions the index no longer has (an erasure that stopped
            # half-way, an index rebuilt without them) goes too
            listed = self.index.segment_files()
            known = set(listed.values())
            self.drop_derived(s for s in _derived.sessions_with(self.root) if s not in known)
            on_disk = set(self._scan()[0])
            gone.update((f, sid) for f, sid in listed.items() if f not in on_disk)
            # ... and gone still: another process (`replay serve`) may have committed a file
            # the scan passed before it was there
            writing |= self.index.pending_files()
            gone = {f: sid for f, sid in gone.items()
                    if f not in writing and not (self.root / f).exists()}
            report.missing_files = dict(sorted(gone.items()))
            report.missing = sorted(set(gone.values()))
            return report

    @classmethod
    def open_for_repair(cls, root: Path | str, **options: Any) -> "LocalStore":
        """The store in `root` even when its index is damaged: a damaged index file (and
        its WAL) is set aside as `index.sqlite3.damaged-TIME`, kept until a session is
        erased or sessions re-masked (`erase_set_aside_indexes`), and a new one is rebuilt
        from the segment files. `moved_index` says where it went."""
        root = Path(root)
        path = root / INDEX_FILE
        problem = None
        if path.exists():
            try:
                index = Index(path)
            except IndexDamaged as exc:
                problem = str(exc.__cause__)
            else:
                problem = index.check()
                index.close()
        moved = None
        if problem:
            stamp = base = time.strftime("%Y%m%d-%H%M%S")
            n = 1   # a second repair within the second keeps the first one's copy
            while path.with_name(f"{INDEX_FILE}{DAMAGED_INDEX_MARK}{stamp}").exists():
                n += 1
                stamp = f"{base}-{n}"
            for suffix in ("", "-wal", "-shm"):
                old = path.with_name(INDEX_FILE + suffix)
                if old.exists():
                    os.replace(old, old.with_name(f"{old.name}{DAMAGED_INDEX_MARK}{stamp}"))
            moved = f"{INDEX_FILE}{DAMAGED_INDEX_MARK}{stamp}"
        # (what it set aside and rebuilt is said once, by the report: not as warnings too)
        store = cls(root, say_recovered=False, **options)
        store.recovered.moved_index = moved
        store.recovered.index_damage = problem
        return store

    def _scan(self) -> tuple[list[str], list[str], list[str]]:
        """(finished segment files, files a writer has not renamed yet - as the name they
        will have, sealed files - `recorder.sealed`), relative to the data folder."""
        finished: list[str] = []
        unfinished: list[str] = []
        sealed: list[str] = []
        for dirpath, _dirs, names in os.walk(self.root / SEGMENTS_DIR):
            for name in names:
                rel = Path(dirpath, name).relative_to(self.root).as_posix()
                if rel.endswith(SUFFIX + TMP_SUFFIX):
                    unfinished.append(rel[:-len(TMP_SUFFIX)])
                elif rel.endswith(SUFFIX):
                    finished.append(rel)
                elif rel.endswith(SUFFIX + SEALED_SUFFIX):
                    sealed.append(rel)
        return sorted(finished), sorted(unfinished), sorted(sealed)

    def _found(self, rel: str) -> "_Found | None":
        """What a segment file's header says, or None if it cannot be trusted."""
        path = self.root / rel
        try:
            blob = path.read_bytes()
            st = os.stat(path)
            header = read_header(blob)
            found = _Found(rel=rel, session=header["session"], index=header["index"],
                           token=_writer_token(rel), mtime_ns=st.st_mtime_ns, size=len(blob),
                           header=header)
        except (OSError, SegmentDamaged, KeyError):
            return None
        if type(found.session) is not str or type(found.index) is not int:
            return None
        return found

    def _rebuild(self, candidates: list[str], progress: Progress | None = None, *,
                 everything: bool = False) -> "RepairReport":
        """Give the sessions of these segment files their index rows back, derived from
        their events the way ingest derives them. With `everything`, sessions whose rows
        already match their files are left as they are."""
        report = RepairReport()
        by_session: dict[str, list[_Found]] = {}
        unreadable: list[str] = []
        for rel in candidates:
            found = self._found(rel)
            if found is None:
                unreadable.append(rel)
            else:
                by_session.setdefault(found.session, []).append(found)
        in_index = self.index.segment_files()
        files_of: dict[str, set[str]] = {}
        for rel, sid in in_index.items():
            files_of.setdefault(sid, set()).add(rel)
        names = {f.rel for fs in by_session.values() for f in fs}
        for sid, fs in by_session.items():
            for rel in files_of.get(sid, set()) - names:   # the files the index knows
                found = self._found(rel)
                if found is not None and found.session == sid:
                    fs.append(found)
        total = sum(f.size for fs in by_session.values() for f in fs) or 1
        done = 0
        # (an index of before version 6: its sessions' words are read again too)
        unsearched = self.index.unsearched() if everything else set()
        for sid in sorted(by_session):
            chain, rest = _choose(by_session[sid])
            expected = files_of.get(sid, set())
            if everything and {f.rel for f in chain} == expected and not rest \
                    and sid not in unsearched:
                report.unchanged += 1
            else:
                row, bad = self._rebuilt_row(sid, chain)
                rest += bad
                if row is None:
                    report.unreadable_sessions.append(sid)
                else:
                    self.drop_derived([sid])
                    if self.index.adopt([row], {sid: expected}):
                        report.rebuilt.append(sid)
                        report.set_aside += self._set_aside([f.rel for f in rest])
                    self.drop_derived([sid])
            done += sum(f.size for f in by_session[sid])
            if progress:
                progress(done, total)
        # a session none of whose files can be trusted: said; its rows and files stay as
        # they are (as a session's whose files are gone: nothing to rebuild it from)
        for rel in unreadable:
            sid = in_index.get(rel)
            if sid is not None and sid not in by_session and \
                    sid not in report.unreadable_sessions:
                report.unreadable_sessions.append(sid)
        moved = self._set_aside(unreadable)   # (one a rewrite deleted meanwhile is not)
        self.drop_derived({sid for rel in moved if (sid := in_index.get(rel)) is not None})
        report.set_aside += moved
        report.damaged.update({rel: in_index.get(rel) for rel in moved})
        return report

    def _rebuilt_row(self, sid: str, chain: list["_Found"]) -> tuple[SessionRow | None,
                                                                     list["_Found"]]:
        """The index row of a session made of `chain`'s files (None if none decodes), and
        the files that did not decode. The events are read a segment at a time into the
        facts and the digest, never held whole: a lost index's rebuild of a 400,000-event
        session peaked at 705 MB (the 1,000,000-event one's events alone are 1.7 GB)."""
        old = self.index.session(sid)
        if old is not None:   # the index still knows what the events do not say
            application, context = old.application, old.context
            user = {k: v for k, v in (("id", old.user_id), ("name", old.user_name),
                                      ("email", old.user_email)) if v is not None} or None
            digest, live = self.index.digest(sid), self.index.live(sid)
        else:                 # what the first segment of the session's first write kept
            kept = _session_info(chain[0].header) if chain[0].index == 0 else {}
            application, user, context = kept.get("application"), kept.get("user"), \
                kept.get("context")
            if user is None:  # a user named by a later live batch (see _write's infos)
                user = next((u for u in (_session_info(f.header).get("user")
                                         for f in reversed(chain)) if u), None)
            one_write = len({f.token for f in chain}) == 1
            digest = kept.get("digest") if one_write else None
            # live: its first write was the intake's, or a later one was (a live batch
            # begins its segment); an import's appends leave it as it was
            live = bool(kept.get("live")) or any(_batch(f.header) is not None for f in chain)
        facts = FactsReader(user)
        digester = ContentDigest() if not digest else None
        segs: list[SegmentMeta] = []
        bad: list[_Found] = []
        batches: list[AcceptedBatch] = []
        for f in chain:
            try:
                header, evs = decode_segment((self.root / f.rel).read_bytes(),
                                             self.load_dictionary)
            except (OSError, SegmentDamaged):
                bad.append(f)
                continue
            segs.append(meta_from_header(header, file=f.rel, size=f.size))
            for e in evs:
                facts.feed(e)
            if digester is not None:
                digester.extend(evs)
            del evs
            named = _batch(header)
            if named is not None:
                batches.append(named)
        if not facts.count:
            return None, bad
        p = PreparedSession(sid, [], None, digest or digester.hexdigest(), facts.facts(), None)
        row = self._row(p, segs, application=application, user=user, context=context,
                        live=live)
        row.batches = batches
        return row, bad

    def _set_aside(self, files: list[str]) -> list[str]:
        """Move segment files no session uses any more into `unreferenced/` (same relative
        path): kept for a person to look at, never served, deleted only with the session they
        belonged to (`delete_session`)."""
        referenced = set(self.index.segment_files()) | \
            self.index.pending_files()
        moved = []
        for rel in files:
            if rel in referenced:
                continue
            dest = self.root / UNREFERENCED_DIR / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(self.root / rel, dest)
            except FileNotFoundError:
                continue
            moved.append(rel)
            _remove_empty_dirs((self.root / rel).parent, self.root / SEGMENTS_DIR)
        return moved

    def _register_dictionaries(self) -> int:
        """Put trained dictionaries found in the data folder back in the index."""
        known = self.index.dictionaries()
        added = 0
        for path in sorted((self.root / DICTS_DIR).glob("*.zdict")):
            try:
                dict_id = int(path.stem)
            except ValueError:
                continue
            if dict_id not in known:
                self.index.add_dictionary(dict_id, f"{DICTS_DIR}/{path.name}")
                added += 1
        return added


STREAM_HEAD = 64     # events a streamed session's id is derived from (sessions.derive_session_id)
STREAM_BATCH = 8192  # events a streaming import takes through each step at a time


def _context_to_store(context: dict | None, masker_factory: Callable[[], Masker] | None, *,
                      partial: str | None = None) -> dict | None:
    """A session's context as the store keeps it (an ingest, a streamed import, a context
    added to a stored session): `partial`, why a damaged input's session is incomplete,
    added; a bug report's steps left out (`bug.without_steps`: they are read from the events
    as stored, where shown); masked by `masker_factory`'s rules, as the index is stored data
    too."""
    if partial:
        context = {**(context or {}), PARTIAL: partial}
    context = without_steps(context)
    if context and masker_factory is not None:
        context = masker_factory().mask_context(context)
    return context


def _batches(items: Iterable[Any], n: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(itertools.islice(it, n)):
        yield batch


class _StreamSession:
    """One session of a streaming import (`LocalStore.import_stream`): its first events are
    held until its id is known; then every event is masked, hashed (the input digest),
    read for facts, and either written a segment at a time (a new session) or matched
    against the stored session of its id (`Reconciler`, extra events spooled to a
    temporary file). `finish` decides as `_place` does and returns what to commit."""

    def __init__(self, store: "LocalStore", w: _PendingWrite, k: int, used: set[str],
                 limits: Limits, *, application, user, context, hint, masker_factory,
                 as_new: bool, partial: bool, goes_on_from: "_StreamSession | None" = None):
        self.store, self.w, self.k, self.used, self.limits = store, w, k, used, limits
        self.application, self.user, self.context, self.hint = application, user, context, hint
        self.as_new, self.partial = as_new, partial
        self.masker = masker_factory() if masker_factory is not None else None
        if self.masker is not None and user:   # the owner it is filed under (`import --user`)
            self.masker.owner = user_from(user)
        if self.masker is not None and goes_on_from is not None and \
                goes_on_from.masker is not None:
            # split off the recording (`goes_on_from`, the session before it): a value typed
            # into a masked field there is still masked where this one echoes it
            self.masker.echoes = goes_on_from.masker.echoes
        if goes_on_from is not None:
            goes_on_from.masker = None   # decided: what it typed lives on in its `later`
        # once written: the values typed into masked fields (shared with the sessions split
        # off after it) and how many were known then, how its row is made, its context as
        # written - what `scrub_later` needs
        self.later: tuple[Any, int, Callable[[SessionFacts, dict | None], SessionRow],
                          dict | None] | None = None
        self.first_info: dict | None = None   # the first segment's header, once written
        # found stored already (SAME): the values typed into masked fields (shared with the
        # sessions of the recording before and after it) and the stored session - what
        # `typed_in_import` needs
        self.same_as: tuple[Any, str] | None = None
        # values typed into masked fields so far (echoes.added), and the segments written
        # up to the batch of the last of them (0: none): their echoes before the typing are
        # masked when the session is decided (_scrub_written), with every value known, as a
        # session read whole is (mask_session)
        self.typed_count = self.masker.echoes.added if self.masker is not None else 0
        self.rescrub = 0
        self.digest = ContentDigest(store.id_key())
        # (event, its JSON, that JSON's facts): measured by the limits, read again by the
        # masker without another pass over the text
        self.head: list[tuple[dict, bytes, JsonFacts | None]] | None = []
        self.batch: list[tuple[dict, bytes, JsonFacts | None]] = []
        self.count = 0
        self.legacy_id: Any = None      # the `sessionId` its events carry, if the id is it
        self.hashed_before: str | None = None   # ... the id it had when all had to carry it
        self.watch_ids = False          # no `sessionId` in its start: one later is no stream
        self.id_shown: str | None = None   # that field as stored, if it holds personal data
        self.id = ""
        self.original: str | None = None   # the id as recorded, if `id` is it rewritten
        self.target: str | None = None  # where the events are written (None: compared only)
        self.others: list[str] = []     # stored candidates compared by digest only
        self.stored_iter: Iterator[dict] = iter(())
        self.reader: SessionReader | None = None
        self.rec: Reconciler | None = None
        self.facts = FactsReader(user)
        self.planner = SegmentPlanner(store.max_segment_records, store.max_segment_bytes)
        self.seg: list[dict] = []
        self.segs: list[SegmentMeta] = []
        self.files: list[str] = []
        self.first: tuple[SegmentMeta, bytes] | None = None   # written last (session_info)
        self.seg_start = 0              # the current segment's first event in the session
        self.seg_reason = ""
        # a session split off a recording must open with a snapshot (or its Meta); one that
        # does not gets one built from the events before it (ingest._Restarter) - read whole
        self.check_snapshot = k > 0

    # --- reading ------------------------------------------------------------------------
    def add(self, e: dict, encoded: bytes, facts: JsonFacts | None = None) -> None:
        self.count += 1
        check_session_size(self.count, self.limits, self.id or None)
        if self.check_snapshot:
            t = e.get("type")
            if t == EventType.FullSnapshot or t == EventType.Meta:
                self.check_snapshot = False
            elif t == EventType.IncrementalSnapshot:
                raise NotStreamable("a session split off the recording needs a snapshot")
        if self.head is not None:
            self.head.append((e, encoded, facts))
            if len(self.head) == STREAM_HEAD:
                self._place()
            return
        self.batch.append((e, encoded, facts))

    def add_all(self, run: list[tuple[dict, bytes, JsonFacts | None]]) -> None:
        """`add` each of `run`: once the session's id is known and its snapshot seen, a run
        within its events limit in one step (else one at a time, where each says what it
        refuses)."""
        if self.head is not None or self.check_snapshot or \
                self.count + len(run) > self.limits.max_session_events:
            for x in run:
                self.add(*x)
            return
        self.count += len(run)
        self.batch.extend(run)

    def drain(self) -> None:
        """Mask, hash, read and write (or compare) the events added since the last drain."""
        if self.batch:
            batch, self.batch = self.batch, []
            self._take(batch)

    def _place(self) -> None:
        """The session's id, and where its events go (as LocalStore._place decides)."""
        head, self.head = self.head or [], None
        evs = [e for e, _, _ in head]
        hint = None if not self.hint else \
            self.hint if self.k == 0 else continued_id(self.hint, evs[0]["timestamp"])
        sid, original = derive_session_id(evs, application=self.application, hint=hint,
                                          key=self.store.id_key)
        if hint is None and original is not None:
            self.legacy_id = original
            # the id it was stored under when every event had to carry it (a hash), should
            # an event not carry it: compared by digest (`_without_id`)
            self.hashed_before = hashed_session_id(evs, self.application)
            self.id_shown = id_as_stored_in_events(original)
        # no event of its start carries a `sessionId`: one that comes later decides whole
        self.watch_ids = hint is None and original is None and \
            not any("sessionId" in e for e in evs)
        self.original = original if original != sid else None
        base, k = sid, 2
        while sid in self.used:                  # one recording id over several sessions
            sid, k = f"{base}-{k}", k + 1
        self.used.add(sid)
        self.id = sid
        index = self.store.index
        if self.partial:
            cands = (f"{sid}_{PARTIAL}{n if n > 1 else ''}" for n in itertools.count(1))
        elif self.as_new:
            cands = itertools.chain([sid], (f"{sid}_{AS_NEW}{n if n > 1 else ''}"
                                            for n in itertools.count(1)))
        else:
            cands = iter([sid])
        for cand in cands:
            if index.session(cand) is None:
                self.target = cand
                break
            self.others.append(cand)
        legacy = content_hashed_id(evs, self.application) if original is None else None
        self.others += self.store._stored_before(self.original, sid, as_new=self.as_new,
                                                 partial=self.partial, legacy_id=legacy)
        # (legacy_id: the recording's own id - only whether an event lacks it is asked)
        if self.legacy_id is not None and not every_event_carries_id(evs):
            self._without_id()
        if not self.partial and self.others and self.others[0] == sid:
            self.others.pop(0)          # compared event by event, not by digest only
            try:
                self.reader = self.store.session(sid)
            except KeyError:            # deleted since it was listed
                raise SessionChanged(sid) from None
            self.stored_iter = iter(self.reader.events())
            self.rec = Reconciler(spool=_FileSpool() if self.target is None else _Counted())
        if not self.others and self.rec is None and self.hashed_before is None:
            # no stored session is compared by digest, now or later (`_without_id` adds one
            # only while `hashed_before` is set): the unkeyed digest is never asked for
            self.digest.without_legacy()
        self._take(head)

    def _without_id(self) -> None:
        """An event of the recording does not carry its `sessionId`: the session it was
        stored as before such events were left out of the choice (`hashed_before`) is
        compared by digest too, so the same file again stores nothing (once)."""
        if self.hashed_before is not None:
            self.others += self.store._stored_before(None, self.id, as_new=self.as_new,
                                                     partial=self.partial,
                                                     legacy_id=self.hashed_before)
            self.hashed_before = None

    def _take(self, batch: list[tuple[dict, bytes, JsonFacts | None]]) -> None:
        legacy = self.legacy_id
        if legacy is not None:
            for e, _, _ in batch:
                if "sessionId" not in e:   # (an event added without it: the id stands)
                    if e.get(SYNTHETIC) != SYNTHETIC_USER:
                        self._without_id()
                elif e["sessionId"] != legacy:
                    raise NotStreamable("the events' sessionId changes part way")
        elif self.watch_ids and any("sessionId" in e for e, _, _ in batch):
            raise NotStreamable("a sessionId first carried part way")
        self.digest.extend(e for e, _, _ in batch)
        if self.masker is not None:
            one = self.masker.mask_event
            sized = [(m, len(enc)) for e, enc, facts in batch
                     if (m := one(e, enc, facts)) is not None]
            typed = self.masker.echoes.added != self.typed_count   # into a masked field
            self.typed_count = self.masker.echoes.added
        else:
            typed = False
            sized = [(e, len(enc)) for e, enc, _ in batch]
        if self.id_shown is not None:   # whatever the rules, as the session's name is a hash
            shown = self.id_shown
            sized = [(({**m, "sessionId": shown} if m.get("sessionId") == legacy else m), size)
                     for m, size in sized]
        if self.rec is not None:
            stored, rec = self.stored_iter, self.rec
            for m, size in sized:
                s = next(stored, None)
                if s is not None:
                    rec.stored(s)
                rec.incoming(m, size)
        if self.target is not None:
            self._write_events(sized)
            if typed:   # this batch too: a value typed part way through it is known whole
                self.rescrub = len(self.segs) + (1 if self.seg else 0)

    # --- writing ------------------------------------------------------------------------
    def _write_events(self, sized: list[tuple[dict, int]]) -> None:
        """Each event (and its JSON's size) into the segment filling, the segment written
        where the planner cuts; the session's facts read a segment's run at a time
        (`FactsReader.feed_all`), each run before the segment it ends is written (its view
        is read off the facts: `_flush`)."""
        facts, planner = self.facts, self.planner
        cut = planner.cut_before
        seg = self.seg
        fed = 0   # the first of `sized` the facts have not read yet
        for j, (m, size) in enumerate(sized):
            if cut(m, size) and seg:
                facts.feed_all([x for x, _ in sized[fed:j]])
                fed = j
                self._flush(facts)
                seg = self.seg
            if not seg:
                self.seg_start = facts.count + j - fed   # as fed one at a time
                self.seg_reason = planner.reason
            seg.append(m)
        facts.feed_all([x for x, _ in sized[fed:]])

    def _flush(self, facts: FactsReader, first_index: int = 0, prev_view: str | None = None,
               live_first: bool = False) -> None:
        evs, self.seg = self.seg, []
        index = first_index + len(self.segs)
        reason = LIVE if live_first and not self.segs else self.seg_reason
        view = view_at(facts, self.seg_start) or prev_view
        meta = describe(evs, index, reason, view)
        store = self.store
        if not self.segs and not live_first:   # its header waits for the session's digest
            blob = encode_segment(self.target, meta, evs, store.compact_codec,
                                  self._zdict())
            self.first = (meta, blob)
        else:
            meta.file = self.w.add(self.target, index)
            self.w.write(meta.file, encode_segment(self.target, meta, evs, store.compact_codec,
                                                   self._zdict()))
            self.files.append(meta.file)
        self.segs.append(meta)

    def _scrub_written(self) -> bool:
        """The second pass of a session in which a value was typed into a masked field
        (a page that showed a saved coupon, then had it typed in): its echoes in what was
        written before the typing go too, with every value known, as they do in a session
        read whole (`masker.mask_session`), before anything is committed. Only segments
        written up to the last such value's batch can hold one (the later ones were masked
        knowing them all); a payload without any of the values' needles (searched in C,
        before an event is built) cannot, nor one none of whose strings holds a value where
        it stands (`segments.payload_strings`: "lamp" is a needle of "lampshade", no echo of
        a search for it); the others are read back and written again if they changed.
        Building every event again took a third of the import's time on the real recording
        (a coupon code the shop shows, then typed into a masked field); then the segments a
        short value's needle was in (two of 21 on the real recording, neither holding one)
        took 12%. Whether any segment changed."""
        assert self.masker is not None
        return bool(self._scrub_segments(self.masker.echoes.finals(), self.rescrub))

    def _scrub_segments(self, echoes: Any, upto: int) -> list[int]:
        """`_scrub_written`'s pass over the first `upto` segments with `echoes`' finals: the
        session's first one as held (its header is added when the session is decided) or,
        once written, read back and written again with its header. The indexes of those
        that changed."""
        assert self.target is not None
        store, changed = self.store, []
        for i, meta in enumerate(self.segs[:upto]):   # one at a time, as written
            held = i == 0 and self.first is not None
            blob = self.first[1] if held else self.w.read(meta.file)
            payload = segment_payload(blob, store.load_dictionary)
            if not echoes.may_be_in(payload) or \
                    not echoes.changes_any(payload_strings(payload)):
                continue
            events, n = echoes.scrub_all(decode_segment(blob, store.load_dictionary)[1])
            if not n:
                continue
            changed.append(i)
            blob = encode_segment(self.target, meta, events, store.compact_codec, self._zdict())
            if held:
                self.first = (meta, blob)
            elif i == 0 and self.first_info is not None:
                self._write_headed(meta, blob)
            else:
                self.w.write(meta.file, blob)
        return changed

    def _zdict(self):
        codec = self.store.compact_codec
        if not codec.dict_id:
            return None
        z = self.store.load_dictionary(codec.dict_id)
        if z is None:
            raise FileNotFoundError(f"compression dictionary {codec.dict_id} is missing")
        return z

    def _write_first(self, digest: str, user: dict | None, context: dict | None) -> None:
        """The first segment, with the session's header (its blob no longer held)."""
        if self.first is None:
            return
        meta, blob = self.first
        meta.file = self.w.add(self.target, meta.index)
        self.files.append(meta.file)
        self.first = None
        self.first_info = {"application": self.application, "user": user, "context": context,
                           "digest": digest, "live": False}
        self._write_headed(meta, blob)

    def _write_headed(self, meta: SegmentMeta, blob: bytes) -> None:
        """The session's first segment file, `blob` with the session's header."""
        assert self.first_info is not None
        blob = with_session_info(blob, self.first_info)
        meta.bytes = len(blob)
        self.w.write(meta.file, blob)

    # --- deciding -----------------------------------------------------------------------
    def finish(self) -> tuple[Stored, SessionRow | None]:
        self.drain()
        if self.check_snapshot:
            raise NotStreamable("a session split off the recording needs a snapshot")
        if self.head is not None:
            self._place()
        digest = self.digest.hexdigest()
        try:
            return self._decide(digest, self.digest.legacy_hexdigest())
        finally:
            if self.reader is not None:
                self.reader.close()
            self._settle()

    def _settle(self) -> None:
        """A decided session keeps, until the import ends, only what `scrub_later` needs:
        its segments' metas, its first segment's header, its row - not the events it
        compared (a temporary file each), the stored session's reader, nor every message
        its facts read, nor the digest's last run of events as they came (an import of many
        sessions held them all)."""
        self.rec = None
        self.reader = None
        self.stored_iter = iter(())
        self.head, self.batch, self.seg = None, [], []
        self.facts = None
        self.digest = None
        self.planner = None

    def _decide(self, digest: str, legacy: str | None) -> tuple[Stored, SessionRow | None]:
        def same_input(sid: str, digest: str, legacy: str | None) -> bool:
            # (with --as-new, one holding another bug report is no copy: as _place decides)
            return self.store._same_input(sid, digest, legacy) and not self._other(sid)
        for cand in self.others:                     # --as-new / --partial copies
            if same_input(cand, digest, legacy):
                return self._same(cand)
        r = None
        if self.rec is not None:
            if same_input(self.id, digest, legacy):
                return self._same(self.id)
            for s in self.stored_iter:
                self.rec.stored(s)
            r = self.rec.result(listed=False)
            if r.outcome is Outcome.SAME and not (r.reason and self.as_new) and \
                    not self._other(self.id):
                return self._same(self.id, r.reason)
            if r.outcome is Outcome.DISAGREES and self.masker is not None and \
                    self.masker.echoes:
                # compared as masked in one pass: the stored session may have its echoes of
                # a value typed after them masked by the second pass (or not, stored before
                # it ran): what disagreed is compared again after it, as _place compares
                with self.store.session(self.id) as again:
                    self.rec = self.rec.after_second_pass(
                        again.events(), self.masker.echoes.finals().scrub_event,
                        _FileSpool() if self.target is None else _Counted())
                r = self.rec.result(listed=False)
                if r.outcome is Outcome.SAME and not (r.reason and self.as_new) and \
                        not self._other(self.id):
                    return self._same(self.id, r.reason)
        if self.target is not None:                  # a new session
            if self.seg:
                self._flush(self.facts)
            finals = None
            if self.rescrub:
                self._scrub_written()
                finals = self.masker.echoes.finals()   # the facts too: a URL, an error
            elif self.masker is not None and self.masker.echoes:
                finals = self.masker.echoes.finals()   # for the context
            return self._new(digest, finals)
        assert r is not None and self.reader is not None
        if r.outcome is Outcome.EXTENDS:
            return self._append(digest)
        raise ImportConflict(self.id, r.reason, apart=r.apart,
                             damaged=len(self.reader.damaged))

    def _new(self, digest: str, finals: Any) -> tuple[Stored, SessionRow]:
        """A new session's row, its first segment written with its header. `finals`: the
        values typed into its masked fields (all of them; None: none) - their echoes go from
        its facts and its context as from its events (a bug report's description may hold
        the coupon the person typed)."""
        facts = self.facts.facts(finals.scrub if finals is not None else None)
        context = finals.scrub_strings(self.context) if finals is not None else self.context
        self._write_first(digest, facts.user, context)

        def row_of(facts: SessionFacts, context: dict | None) -> SessionRow:
            p = PreparedSession(self.target, [], None, digest, facts, None)
            row = self.store._row(p, self.segs, application=self.application, user=self.user,
                                  context=context, live=False)
            row.as_read = AsRead(None)           # no such session when _place looked
            return row
        self._later(row_of, context, lambda: FactsReader(self.user))
        return Stored(self.target, Outcome.NEW, facts.record_count, self.original), \
            row_of(facts, context)

    def _later(self, row_of: Callable[[SessionFacts, dict | None], SessionRow],
               context: dict | None, reader: Callable[[], FactsReader]) -> None:
        """What `scrub_later` needs of a session written here: how many values typed into
        masked fields were known (shared with the sessions split off after it), how its row
        is made, its context as written, and a reader of the facts of what it wrote."""
        if self.masker is not None:
            self.later = (self.masker.echoes, self.masker.echoes.added, row_of, context,
                          reader)

    def scrub_later(self, done: tuple[Stored, SessionRow | None]
                    ) -> tuple[Stored, SessionRow | None]:
        """`finish`'s result again once the sessions split off after this one are read too:
        they share its typed values, and one typed into a masked field there (after the
        split) may have been shown here before it - written in clear, as nobody knew it
        then. Its echoes go as `_scrub_written` masks those before the typing within a
        session: every segment read back and written again if it changed, the facts (a
        URL, an error's text) made again - before anything is committed."""
        stored, row = done
        if row is None or self.later is None:
            return done
        echoes, known, row_of, context, reader = self.later
        if echoes.added == known:
            return done
        finals = echoes.finals()
        scrubbed = finals.scrub_strings(context)
        changed = self._scrub_segments(finals, len(self.segs))
        facts = row.facts
        if changed:   # made again from what is written, as an import reading it whole would:
            r = reader()   # an error's message masked before it was cut, its group
            for meta in self.segs:   # normalised after (a value's digits made <n>)
                for e in decode_segment(self.w.read(meta.file),
                                        self.store.load_dictionary)[1]:
                    r.feed(e)
            facts = r.facts()
        header = self.first_info   # the first segment's: its context, the user it names
        if header is not None and (header["context"] is not scrubbed
                                   or header["user"] != facts.user):
            self.first_info = {**header, "context": scrubbed, "user": facts.user}
            meta = self.segs[0]
            self._write_headed(meta, self.w.read(meta.file))
        if not changed and scrubbed is context:
            return done
        return stored, row_of(facts, scrubbed)

    def _other(self, sid: str) -> bool:
        """--as-new, and stored session `sid` holds another bug report than this import's."""
        return self.as_new and self.store.other_report(sid, self.context)

    def _same(self, sid: str, note: str = "") -> tuple[Stored, None]:
        self.w.discard(self.files)
        if self.masker is not None:
            self.same_as = (self.masker.echoes, sid)
        return Stored(sid, Outcome.SAME, 0, self.original, note), None

    def typed_in_import(self) -> tuple[str, Any] | None:
        """Found stored already, and the import's sessions (this one, one before it or one
        split off after it) typed values into masked fields: (the stored session, the
        values' finals) - stored from a copy cut at a split, it may show one in clear
        (`LocalStore._rescrub_same`)."""
        if self.same_as is None:
            return None
        echoes, sid = self.same_as
        return (sid, echoes.finals()) if echoes.added else None

    def _append(self, digest: str) -> tuple[Stored, SessionRow]:
        """The extra events after the stored session's, as `_place`'s EXTENDS appends them."""
        assert self.rec is not None and self.reader is not None
        info = self.store.index.appendable(self.id)
        if info is None:                        # deleted meanwhile (changed: the commit sees)
            raise SessionChanged(self.id)
        self.target = self.id
        prev_view = info.last_view
        facts = FactsReader(self.user, first_view=info.view_count + 1, last_url=info.last_url)
        self.planner = SegmentPlanner(self.store.max_segment_records,
                                      self.store.max_segment_bytes)
        # masked in one pass as they came (so they could be compared): the second pass, with
        # every value typed into a masked field known, before they are written
        echoes = self.masker.echoes.finals() if self.masker is not None else None
        for e, size in self.rec.extras():
            if echoes:
                e = echoes.scrub_event(e)
            if self.planner.cut_before(e, size) and self.seg:
                self._flush(facts, info.segment_count, prev_view, live_first=True)
            if not self.seg:
                self.seg_start = facts.count
                self.seg_reason = self.planner.reason
            self.seg.append(e)
            facts.feed(e)
        if self.seg:
            self._flush(facts, info.segment_count, prev_view, live_first=True)
        f = facts.facts()
        as_read = self.reader.as_read

        def row_of(f: SessionFacts, context: dict | None) -> SessionRow:
            p = PreparedSession(self.id, [], None, digest, f, info)
            row = self.store._row(p, self.segs, application=self.application, user=self.user,
                                  context=context, live=False)
            row.as_read = as_read
            return row
        self._later(row_of, self.context, lambda: FactsReader(
            self.user, first_view=info.view_count + 1, last_url=info.last_url))
        return Stored(self.id, Outcome.EXTENDS, f.record_count, self.original), \
            row_of(f, self.context)


class Erased(msgspec.Struct, frozen=True):
    """What `LocalStore.delete_session` removed."""

    session_id: str
    segment_files: int      # its segment files
    set_aside: int          # its damaged files `repair` had set aside in unreferenced/
    scrubbed: bool          # the index's log was emptied too (False: another program held it)
    dictionaries: int = 0   # trained dictionaries that held its text
    old_indexes: int = 0    # damaged index copies `repair` had set aside (they held its rows)
    left: int = 0           # its files the folder refused to delete: deleted at the next open
    asset_files: int = 0    # stored images and fonts no remaining session references
    asset_urls: int = 0     # ... and the URLs they were stored under


class _Counted:
    """A spool that keeps nothing (--as-new compares, and writes as it reads)."""

    def append(self, item) -> None:
        pass

    def __iter__(self):
        return iter(())


class _FileSpool:
    """Incoming events without a stored match yet, in an unlinked temporary file, read back
    once the decision is made. Masked in one pass only: echoes of a value typed after them
    may be in them, as in the masker's memory - so each is sealed (`recorder.sealed`, a key
    of this spool's, in memory only): unlinked, the file goes with the process, and what its
    blocks held is noise."""

    _LEN = struct.Struct("<I")

    def __init__(self) -> None:
        self.f = tempfile.TemporaryFile()
        self.seal = Seal()

    def append(self, item: tuple[bytes, dict, int | None]) -> None:
        blob = self.seal.seal(encode_msgpack(list(item)))
        self.f.write(self._LEN.pack(len(blob)) + blob)

    def __iter__(self) -> Iterator[tuple[bytes, dict, int | None]]:
        self.f.flush()
        self.f.seek(0)
        read, opened = self.f.read, self.seal.open
        while head := read(self._LEN.size):
            key, e, size = decode_msgpack(opened(read(self._LEN.unpack(head)[0])))
            yield key, e, size
        self.f.seek(0, os.SEEK_END)


class _PendingWrite:
    """One writer's segment files from intent to commit (see the module docstring): every
    file is listed in `pending` before it is created, written to a temp name, fsynced and
    renamed; `commit` adds the index rows and drops the intent in one transaction; `abort`
    (or, after a crash, the next open) removes the files. `_write` names all its files up
    front; a streaming import `add`s each one just before writing it."""

    def __init__(self, store: "LocalStore", files: Iterable[str] = (), *,
                 token: str | None = None, fsync: bool = True, sealed: bool = False):
        self.store = store
        self.token = token or self.new_token()
        self.files = list(files)
        self.dirs: set[Path] = set()
        # sealed (a streaming import's, `recorder.sealed`): each file is written sealed
        # beside its name, read back opened, and written in clear by `unseal` as the commit
        # begins - the files written so far that are still sealed, in order
        self.seal = Seal() if sealed else None
        self.sealed: dict[str, None] = {}
        self.committed = False
        store.index.add_pending(self.token, self.files, fsync=fsync)

    @staticmethod
    def new_token() -> str:
        return uuid.uuid4().hex[:12]

    @staticmethod
    def session_dir(sid: str) -> str:
        """The folder of a session's segment files (relative to the data folder)."""
        return f"{SEGMENTS_DIR}/{sid[:2]}/{sid}"

    @staticmethod
    def file_name(sid: str, index: int, token: str) -> str:
        return f"{_PendingWrite.session_dir(sid)}/{index:06d}-{token}{SUFFIX}"

    def add(self, sid: str, index: int) -> str:
        """Name one more file in the intent (committed before the file exists)."""
        rel = self.file_name(sid, index, self.token)
        self.files.append(rel)
        if self.seal is not None:   # its sealed twin too: a dead writer's are deleted alike
            self.files.append(rel + SEALED_SUFFIX)
        self.store.index.set_pending(self.token, self.files)
        return rel

    def write(self, rel: str, blob: bytes) -> None:
        """`blob` as the file `rel`, whole and synced - or, sealed, beside it: not synced nor
        written under a temp name (a sealed file is read back by this writer only, and one
        a crash tore is deleted with the writer's intent)."""
        if self.seal is not None:
            self._into_folder(self.store.root / (rel + SEALED_SUFFIX), self.seal.seal(blob),
                              Path.write_bytes)
            self.sealed[rel] = None
        else:
            self._into_folder(self.store.root / rel, blob, _atomic_write)

    def _into_folder(self, path: Path, data: bytes, how: Callable[[Path, bytes], Any]) -> None:
        self.dirs.add(path.parent)
        try:
            how(path, data)
        except FileNotFoundError:   # the session's first segment: its folder is new
            path.parent.mkdir(parents=True, exist_ok=True)
            how(path, data)

    def read(self, rel: str) -> bytes:
        """A file this writer wrote, as it was given to `write`."""
        if rel in self.sealed:
            assert self.seal is not None
            return self.seal.open((self.store.root / (rel + SEALED_SUFFIX)).read_bytes())
        return (self.store.root / rel).read_bytes()

    def unseal(self) -> None:
        """Every file still sealed written in clear (durably, as `write` writes one unsealed),
        its sealed twin deleted."""
        for rel in list(self.sealed):
            _atomic_write(self.store.root / rel, self.read(rel))
            _unlink(self.store.root / (rel + SEALED_SUFFIX))
            del self.sealed[rel]

    def discard(self, files: Iterable[str]) -> None:
        """Remove files that will not be committed (they stay named in the intent)."""
        files = list(files)
        gone = [rel for rel in files if rel in self.sealed]
        self.store._remove_files(files + [rel + SEALED_SUFFIX for rel in gone])
        for rel in gone:
            del self.sealed[rel]
        self.dirs = {d for d in self.dirs if d.is_dir()}   # emptied folders go with them

    def commit(self, rows: list[SessionRow], replace: list[str],
               batch: AcceptedBatch | None = None) -> list[str]:
        """Every write of segment rows (an import, an append, a rewrite) comes through here:
        the sessions' derived data goes before and after it (recorder.derived)."""
        self.unseal()
        for d in self.dirs:
            _fsync_dir(d)
        changed = [r.info.id for r in rows]
        self.store.drop_derived(changed)
        try:
            if replace or not all(r.append for r in rows):
                stale = self.store.index.commit(self.token, rows, replace=replace, batch=batch)
            else:   # live appends of other sessions share one sync of the index
                self.store.index.commit_appends(self.token, rows, batch)
                stale = []
            self.committed = True
            return stale
        finally:
            self.store.drop_derived(changed)

    def abort(self) -> None:
        """Remove what was written - unless the index has it already: an abort raised after
        the commit (a Ctrl+C as it returned) deleted a committed session's files."""
        if self.committed:
            return
        self.store._remove_files(self.files)
        try:
            self.store.index.drop_pending(self.token)
        except Exception:  # pragma: no cover - the next open cleans up
            pass


class _Found(msgspec.Struct, kw_only=True):
    """A segment file as its header describes it."""

    rel: str
    session: str
    index: int
    token: str          # the writer that wrote it (one per import, append or rewrite)
    mtime_ns: int
    size: int
    header: dict


def _writer_token(rel: str) -> str:
    # segment files are named <index:06d>-<writer token>.seg
    stem = rel.rsplit("/", 1)[-1][:-len(SUFFIX)]
    return stem.split("-", 1)[1] if "-" in stem else stem


def _choose(files: list[_Found]) -> tuple[list[_Found], list[_Found]]:
    """The files that make a session's current version, and the rest. Every write of a
    whole session (import, mask, compaction) starts again at segment 0 under a new writer
    token; a live append continues where the session ended. So: the newest write with the
    lowest first segment, then the appends written after it, each continuing the last."""
    groups: dict[str, list[_Found]] = {}
    for f in files:
        groups.setdefault(f.token, []).append(f)
    for g in groups.values():
        g.sort(key=lambda f: f.index)

    def written(g: list[_Found]) -> int:
        return max(f.mtime_ns for f in g)

    lowest = min(g[0].index for g in groups.values())
    base = max((g for g in groups.values() if g[0].index == lowest), key=written)
    chain = list(base)
    while True:
        after = [g for g in groups.values() if g[0].index == chain[-1].index + 1
                 and written(g) >= written(chain)]
        if not after:
            break
        chain += max(after, key=written)
    used = {f.rel for f in chain}
    return chain, [f for f in files if f.rel not in used]


def _session_info(header: dict) -> dict[str, Any]:
    """The session facts a first segment kept (see segments.encode_segment), type-checked:
    a header is read from disk."""
    kept = header.get(SESSION_INFO)
    if not isinstance(kept, dict):
        return {}
    out: dict[str, Any] = {}
    for key, types in (("application", str), ("user", dict), ("context", dict),
                       ("digest", str), ("live", bool)):
        if isinstance(kept.get(key), types):
            out[key] = kept[key]
    return out


def _batch(header: dict) -> AcceptedBatch | None:
    """The live batch a segment begins (see segments.BATCH), type-checked; a header
    written before digests were kept has no fifth item."""
    named = header.get(BATCH)
    if not (isinstance(named, list) and len(named) in (4, 5) and isinstance(named[3], int)
            and all(isinstance(x, str) for x in named[1:3])
            and isinstance(named[0], (str, type(None)))):
        return None
    digest = named[4] if len(named) == 5 and isinstance(named[4], str) else None
    return AcceptedBatch(BatchKey(named[0], named[1], named[2]), named[3], digest)


def _same_batch(stored: AcceptedBatch, now: AcceptedBatch) -> bool:
    """A retry of the stored batch: the same events (only their count, for a batch
    remembered before digests were kept or under another server's key)."""
    return stored.events == now.events and (
        now.digest is None or same_batch_digest(stored.digest, now.digest))


class RepairReport(msgspec.Struct, kw_only=True):
    """What a rebuild did: sessions given their rows back, files set aside in
    `unreferenced/`, and what it could not bring back."""

    rebuilt: list[str] = msgspec.field(default_factory=list)
    unchanged: int = 0
    set_aside: list[str] = msgspec.field(default_factory=list)
    # of those, the files that did not decode: the session the index had them in, if any
    # (it was rebuilt without their events)
    damaged: dict[str, str | None] = msgspec.field(default_factory=dict)
    unreadable_sessions: list[str] = msgspec.field(default_factory=list)
    missing: list[str] = msgspec.field(default_factory=list)
    # of those, each segment file found gone (deleted by hand, a disk's loss): its session
    missing_files: dict[str, str] = msgspec.field(default_factory=dict)
    dictionaries: int = 0
    moved_index: str | None = None
    index_damage: str | None = None   # what was wrong with the index moved aside

    def merge(self, other: "RepairReport") -> None:
        """Fold in what opening the store rebuilt (those sessions were then found right)."""
        self.unchanged -= sum(1 for sid in other.rebuilt if sid not in self.rebuilt)
        self.rebuilt = other.rebuilt + [s for s in self.rebuilt if s not in other.rebuilt]
        self.set_aside = other.set_aside + self.set_aside
        self.damaged = {**other.damaged, **self.damaged}
        self.unreadable_sessions = other.unreadable_sessions + self.unreadable_sessions
        self.moved_index = self.moved_index or other.moved_index
        self.index_damage = self.index_damage or other.index_damage

    @property
    def changed(self) -> bool:
        return bool(self.rebuilt or self.set_aside or self.unreadable_sessions)

    def summary(self) -> str:
        parts = [f"rebuilt the index rows of {count(len(self.rebuilt), 'session')} from their"
                 " segment files"]
        unused = len(self.set_aside) - len(self.damaged)
        if unused:
            parts.append(f"set aside {count(unused, 'segment file')} no session uses"
                         f" in {UNREFERENCED_DIR}/")
        if self.damaged:
            parts.append(f"set aside {count(len(self.damaged), 'damaged segment file')} in"
                         f" {UNREFERENCED_DIR}/ (the events in them are lost)")
        if self.unreadable_sessions:
            n = len(self.unreadable_sessions)
            parts.append(f"{count(n, 'session')} {'has' if n == 1 else 'have'} no readable"
                         " segment")
        return "; ".join(parts)


# --- file helpers ---------------------------------------------------------------------
def _atomic_write(path: Path, blob: bytes) -> None:
    write_durably(path, blob, _with_temp(path)[1])


def _with_temp(path: Path) -> tuple[Path, Path]:
    """A file and the temp name it is written under."""
    return path, path.with_name(path.name + TMP_SUFFIX)


def _unlink(p: Path) -> bool:
    """Delete `p`; False if it is still there (said as a warning)."""
    try:
        p.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:  # a read-only or immutable folder, a file in use (Windows)
        log.warning("could not delete %s: %s", p, exc.strerror or type(exc).__name__)
        return False
    return True



def _remove_empty_dirs(d: Path, stop: Path) -> None:
    while d != stop and stop in d.parents:
        try:
            d.rmdir()
        except OSError:
            return
        d = d.parent


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform.startswith("win"):  # pragma: no cover - os.kill would terminate it
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
