"""The session store: an interface, and its first backend - a local data folder.

    DATA/
      index.sqlite3            the SQLite (WAL) index: sessions, segments, views, errors, users
      segments/ab/<session>/   one file per segment: 000000-<writer>.seg, 000001-<writer>.seg...
      dicts/<id>.zdict         trained zstd dictionaries (optional)

Writing is crash-safe in this order: (1) the writer records in the index which files it
is about to create (`pending`), (2) writes each file to a temp name, fsyncs and renames
it, fsyncs the folder, (3) in one transaction adds the session/segment rows and drops its
`pending` record. A crash before (3) leaves no index row pointing at a missing file; the
next `open` finds the dead writer's pending record and deletes its files (and any other
segment file the index does not know). A segment file damaged later (torn, bit flips) is
caught by its checksum when read, logged and skipped - never served.

The `Store` interface is what the rest of the program uses, so a later backend can put
segments in S3-compatible object storage and the index in PostgreSQL.
"""
from __future__ import annotations

import abc
import logging
import os
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import zstandard

from .facts import derive_facts, view_at
from .ingest import Masker, PreparedSession, Progress, prepare
from .index import Index, SessionInfo, SessionRow
from .limits import DEFAULT_LIMITS, Limits, check_session_size
from .segments import COMPACT_CODEC, LIVE, LIVE_CODEC, MAX_SEGMENT_BYTES, MAX_SEGMENT_RECORDS, \
    SUFFIX, Codec, SegmentDamaged, SegmentMeta, decode_segment, describe, encode_segment, \
    plan_segments
from .sessions import INACTIVITY_MS, clean_id, content_digest
from .source import RecordingSource, info_from

log = logging.getLogger(__name__)

INDEX_FILE = "index.sqlite3"
SEGMENTS_DIR = "segments"
DICTS_DIR = "dicts"
STALE_PENDING_MS = 3600 * 1000   # a pending write this old is dead whatever its pid says


class Store(abc.ABC):
    """Sessions as sequences of immutable segments, with an index to find them."""

    @staticmethod
    def open(data_dir: Path | str, **options: Any) -> "Store":
        """The store in `data_dir` (created if needed). Options: see LocalStore."""
        return LocalStore(Path(data_dir), **options)

    @abc.abstractmethod
    def ingest(self, events: Sequence[dict], *, application: str | None = None,
               user: dict | None = None, context: dict | None = None, live: bool = False,
               now_ms: float | None = None,
               masker_factory: Callable[[], Masker] | None = None,
               progress: Progress | None = None, session_id: str | None = None,
               limits: Limits | None = None) -> list[str]: ...

    @abc.abstractmethod
    def sessions(self, user: str | None = None, url: str | None = None,
                 has_errors: bool | None = None, since_ms: float | None = None,
                 **filters: Any) -> list[SessionInfo]: ...

    @abc.abstractmethod
    def session(self, session_id: str) -> "SessionReader": ...

    @abc.abstractmethod
    def replace_session(self, session_id: str, events: Sequence[dict]) -> None: ...

    @abc.abstractmethod
    def delete_session(self, session_id: str) -> None: ...

    @abc.abstractmethod
    def compact(self, session_id: str, codec: Codec | None = None) -> None: ...

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SessionReader(RecordingSource):
    """A stored session, read segment by segment (checksums verified)."""

    def __init__(self, store: "LocalStore", info: SessionInfo, segments: list[SegmentMeta]):
        super().__init__()
        self.store = store
        self.id = info.id
        self.info = info
        self.segments = segments
        self.damage_reasons: dict[int, str] = {}

    def _load(self, i: int) -> list[dict]:
        meta = self.segments[i]
        try:
            blob = (self.store.root / meta.file).read_bytes()
            header, events = decode_segment(blob, self.store.load_dictionary)
            if header.get("session") != self.id or header.get("index") != meta.index:
                raise SegmentDamaged("file belongs to another segment")
            return events
        except (OSError, SegmentDamaged) as exc:
            if i not in self.damaged:   # said once: a player reads a segment many times
                self.damaged.append(i)
                self.damage_reasons[i] = str(exc)
                log.warning("session %s: segment %d (%s) skipped: %s", self.id, meta.index,
                            meta.file, exc)
            return []

    def raw_segment(self, i: int) -> bytes:
        """The segment file's bytes as stored (bundles copy them verbatim)."""
        return (self.store.root / self.segments[i].file).read_bytes()


class LocalStore(Store):
    """The data-folder backend. Options: `limits` (Limits), `compact_codec` (imports and
    compaction), `live_codec` (live intake), `max_segment_records`/`max_segment_bytes`
    (how big a compacted segment may grow)."""

    def __init__(self, root: Path, *, limits: Limits = DEFAULT_LIMITS,
                 compact_codec: Codec = COMPACT_CODEC, live_codec: Codec = LIVE_CODEC,
                 max_segment_records: int = MAX_SEGMENT_RECORDS,
                 max_segment_bytes: int = MAX_SEGMENT_BYTES):
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
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
        """The full id of a session given its id or a unique prefix (KeyError otherwise)."""
        spec = str(session_id_or_prefix).strip()
        ids = self.index.resolve(spec) if spec else []
        if not ids:
            raise KeyError(f"no session {spec!r} in {self.root}")
        if len(ids) > 1:
            raise KeyError(f"{spec!r} matches several sessions ({', '.join(ids[:5])}...);"
                           " give more of the id")
        return ids[0]

    def session(self, session_id: str) -> SessionReader:
        sid = self.resolve(session_id)
        info = self.index.session(sid)
        if info is None:  # deleted meanwhile
            raise KeyError(f"no session {session_id!r} in {self.root}")
        return SessionReader(self, info, self.index.segments(sid))

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

    # --- ingest -----------------------------------------------------------------------
    def ingest(self, events: Sequence[dict], *, application: str | None = None,
               user: dict | None = None, context: dict | None = None, live: bool = False,
               now_ms: float | None = None,
               masker_factory: Callable[[], Masker] | None = None,
               progress: Progress | None = None, session_id: str | None = None,
               limits: Limits | None = None, strict: bool | None = None) -> list[str]:
        """Validate, check limits, split into sessions, mask, and store atomically. Returns
        the ids of the sessions the events went to, in order. Raises LimitError /
        InvalidEvent with nothing stored. Importing the same recording again is a no-op
        (same id, same content); a longer recording with the same start replaces it."""
        total = 2 * len(events) or 1
        with self._write_lock:
            prepared = prepare(
                events, application=application, user=user, live=live, now_ms=now_ms,
                masker_factory=masker_factory, limits=limits or self.limits,
                session_id=session_id, open_session=self._open_session, strict=strict,
                progress=progress, progress_total=total)
            todo = [p for p in prepared
                    if p.append_to is not None or self.index.digest(p.id) != p.digest]
            self._write(todo, application=application, user=user, context=context, live=live,
                        progress=progress, total=total)
        if progress:
            progress(total, total)
        return [p.id for p in prepared]

    def _open_session(self, client_id: str) -> SessionInfo | None:
        """The newest session started under a client's session id (it may have been
        continued as `<id>.<timestamp>` after a limit)."""
        rows = self.index.sessions_for_client(clean_id(client_id))
        return rows[0] if rows else None

    def replace_session(self, session_id: str, events: Sequence[dict]) -> None:
        """Rewrite a session atomically (re-masking): new segment files, then one index
        transaction switches to them; facts re-derived; id, application, user, context
        and import digest kept."""
        sid = self.resolve(session_id)
        with self._write_lock:
            self._rewrite(sid, list(events), self.compact_codec)

    def compact(self, session_id: str, codec: Codec | None = None) -> None:
        """Rewrite a finished session's (many small, live) segments into few large ones."""
        with self._write_lock:   # no live append may slip in between read and rewrite
            reader = self.session(session_id)
            events = list(reader.events())
            if reader.damaged:
                log.warning("compacting session %s without its damaged segments %s",
                            reader.id, reader.damaged)
            self._rewrite(reader.id, events, codec or self.compact_codec)

    def compact_idle(self, now_ms: float | None = None,
                     idle_ms: int = INACTIVITY_MS) -> list[str]:
        """Compact every live session that has ended (no event for `idle_ms`); the intake
        calls this now and then. Returns the ids compacted."""
        now = time.time() * 1000 if now_ms is None else now_ms
        done = []
        for sid in self.index.live_sessions_before(now - idle_ms):
            try:
                self.compact(sid)
                done.append(sid)
            except (KeyError, ValueError) as exc:  # deleted meanwhile / nothing readable
                log.warning("could not compact session %s: %s", sid, exc)
        return done

    def _rewrite(self, sid: str, events: list[dict], codec: Codec) -> None:
        info = self.index.session(sid)
        if info is None:
            raise KeyError(f"no session {sid!r} in {self.root}")
        if not events:
            raise ValueError(f"refusing to replace session {sid} with no events;"
                             " delete it instead")
        check_session_size(len(events), self.limits, sid)
        user = {"id": info.user_id, "name": info.user_name, "email": info.user_email}
        user = {k: v for k, v in user.items() if v is not None} or None
        p = PreparedSession(sid, events, None, self.index.digest(sid) or content_digest(events),
                            derive_facts(events, user), None)
        self._write([p], application=info.application, user=user, context=info.context,
                    live=False, codec=codec)

    def delete_session(self, session_id: str) -> None:
        sid = self.resolve(session_id)
        with self._write_lock:
            files = self.index.delete_session(sid)
            self._remove_files(files)

    # --- dictionaries ----------------------------------------------------------------
    def train_dictionary(self, session_ids: Iterable[str] | None = None, *,
                         size: int = 112 * 1024, use: bool = True) -> int:
        """Train a zstd dictionary on stored sessions (chunks of their events), keep it in
        the data folder and, with `use`, compress compacted segments with it from now on.
        Returns its id (segment headers reference it)."""
        ids = list(session_ids) if session_ids is not None else \
            [s.id for s in self.sessions()][:200]
        from .format import encode_msgpack
        samples: list[bytes] = []
        for sid in ids:
            evs = list(self.session(sid).events())
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
        self.index.add_dictionary(dict_id, rel)
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
               total: int = 0) -> None:
        if not todo:
            return
        codec = codec or (self.live_codec if live else self.compact_codec)
        zdict = None
        if codec.dict_id:
            zdict = self.load_dictionary(codec.dict_id)
            if zdict is None:
                raise FileNotFoundError(f"compression dictionary {codec.dict_id} is missing"
                                        f" from {self.root / DICTS_DIR}")
        token = uuid.uuid4().hex[:12]
        jobs: list[tuple[PreparedSession, SegmentMeta, int, int]] = []
        for p in todo:
            first = p.append_to.segment_count if p.append_to else 0
            prev_view = self._last_view(p.append_to.id) if p.append_to else None
            cuts = plan_segments(p.events, p.sizes, max_records=self.max_segment_records,
                                 max_bytes=self.max_segment_bytes)
            for k, (a, b, reason) in enumerate(cuts):
                if p.append_to is not None and k == 0:
                    reason = LIVE
                meta = describe(p.events[a:b], first + k, reason,
                                view_at(p.facts, a) or prev_view)
                meta.file = f"{SEGMENTS_DIR}/{p.id[:2]}/{p.id}/{first + k:06d}-{token}{SUFFIX}"
                jobs.append((p, meta, a, b))
        files = [m.file for _, m, _, _ in jobs]
        self.index.add_pending(token, files)
        try:
            dirs = set()
            done = total // 2
            for (p, meta, a, b), blob in zip(jobs, self._encode_all(jobs, codec, zdict)):
                path = self.root / meta.file
                if path.parent not in dirs:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    dirs.add(path.parent)
                _atomic_write(path, blob)
                if progress:
                    done += (b - a)
                    progress(min(done, total - 1), total)
            for d in dirs:
                _fsync_dir(d)
            rows = [self._row(p, [m for q, m, _, _ in jobs if q is p], application=application,
                              user=user, context=context, live=live) for p in todo]
            replace = [p.id for p in todo if p.append_to is None]
            stale = self.index.commit(token, rows, replace=replace)
        except BaseException:
            self._remove_files(files)
            try:
                self.index.drop_pending(token)
            except Exception:  # pragma: no cover - the next open cleans up
                pass
            raise
        self._remove_files(stale)

    def _encode_all(self, jobs, codec: Codec, zdict) -> Iterator[bytes]:
        """Segment files in job order. Slow (high-level) compression runs on a few threads:
        zstd releases the GIL, so an import uses every core."""
        def encode(job) -> bytes:
            p, meta, a, b = job
            return encode_segment(p.id, meta, p.events[a:b], codec, zdict)
        workers = min(os.cpu_count() or 1, 4)
        if len(jobs) < 2 or workers < 2 or codec.level < 10:
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
            info = SessionInfo(
                id=old.id, application=old.application, user_id=old.user_id,
                user_name=old.user_name, user_email=old.user_email,
                start_ms=min(old.start_ms, f.start_ms), end_ms=max(old.end_ms, f.end_ms),
                duration_ms=max(old.end_ms, f.end_ms) - min(old.start_ms, f.start_ms),
                first_url=old.first_url or f.first_url, view_count=old.view_count,
                error_count=old.error_count,
                frustration_count=old.frustration_count + f.frustration_count,
                record_count=old.record_count + f.record_count, bytes=old.bytes + nbytes,
                segment_count=old.segment_count + len(segs), context=old.context)
            return SessionRow(info=info, digest=None, live=True, segments=segs, facts=f,
                              append=True)
        info = info_from(p.id, f, application=application, user=f.user, context=context,
                         nbytes=nbytes, segment_count=len(segs))
        return SessionRow(info=info, digest=p.digest, live=live, segments=segs, facts=f)

    def _last_view(self, sid: str) -> str | None:
        segs = self.index.segments(sid)
        return segs[-1].view_id if segs else None

    def _remove_files(self, files: Iterable[str]) -> None:
        parents = set()
        for rel in files:
            path = self.root / rel
            for p in (path, path.with_name(path.name + ".tmp")):
                try:
                    p.unlink()
                except FileNotFoundError:
                    pass
                except OSError as exc:  # pragma: no cover - e.g. Windows file in use
                    log.warning("could not delete %s: %s", p, exc)
            parents.add(path.parent)
        for d in parents:
            _remove_empty_dirs(d, self.root / SEGMENTS_DIR)

    # --- crash recovery ---------------------------------------------------------------
    def _recover(self) -> None:
        """Undo writes that died before their index transaction, and delete segment files
        the index does not reference (never a live writer's)."""
        now = time.time() * 1000
        protected: set[str] = set()
        for token, pid, created, files in self.index.pending():
            if _pid_alive(pid) and now - created < STALE_PENDING_MS:
                protected.update(files)
                continue
            log.warning("cleaning up an interrupted write (%d segment files)", len(files))
            self._remove_files(files)
            self.index.drop_pending(token)
        seg_root = self.root / SEGMENTS_DIR
        if not seg_root.is_dir():
            return
        known = self.index.files() | protected
        orphans = []
        for dirpath, _dirs, names in os.walk(seg_root):
            for name in names:
                rel = Path(dirpath, name).relative_to(self.root).as_posix()
                base = rel[:-4] if rel.endswith(".tmp") else rel
                if base not in known:
                    orphans.append(base)
        if orphans:
            # a file written after we listed `known` belongs to a writer that registered
            # it in `pending` first - look again before deleting
            known = self.index.files() | {f for _, _, _, fs in self.index.pending() for f in fs}
            orphans = [o for o in orphans if o not in known]
        if orphans:
            log.warning("removing %d orphan segment file(s) from %s", len(orphans), seg_root)
            self._remove_files(orphans)


# --- file helpers ---------------------------------------------------------------------
def _atomic_write(path: Path, blob: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _fsync_dir(d: Path) -> None:
    if sys.platform.startswith("win"):  # pragma: no cover - no directory fsync there
        return
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
