"""Recording sources: one interface over a stored session, a `.replay` bundle, an rrweb
JSON file read without importing it and a list of events in memory (`ListSource`). The
player reads only this interface.

    src = open_recording("3f2a", data_dir)          # a stored session (id or unique prefix)
    src = open_recording("bug.replay", data_dir)    # a bundle
    src = open_recording("events.json", data_dir, session=1)   # 2nd session in the file
    src.segments, src.read_segment(i), src.iter_segment(i), src.events(), src.segment_at(t_ms)
"""
from __future__ import annotations

import bisect
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from .format import EventType
from .index import SessionInfo
from .said import count
from .segments import SegmentDamaged, SegmentMeta, read_header

if TYPE_CHECKING:  # pragma: no cover
    from .facts import SessionFacts
    from .privacy.rules import Rules

log = logging.getLogger(__name__)


class RecordingSource:
    """A session's events, segment by segment. Subclasses set `id`, `info`, `segments` and
    implement `_load(i)`; a segment that cannot be trusted is skipped with a warning,
    returns [] and is listed in `damaged` (its index)."""

    id: str
    info: SessionInfo
    segments: list[SegmentMeta]
    origin: str | None = None   # the file it was read from; None for a stored session
    sessions_in_file: int = 1   # for a file holding several sessions: how many,
    session_number: int = 0     # and which one this is
    # the name of its application (`info.application` is the id) in the data folder it was
    # opened from, when known (app.commands._source.open_source looks it up)
    application_name: str | None = None
    # its stored images and fonts (recorder.assets.AssetLookup): what the player shows for
    # the page's image and font URLs; None: none (each URL stays blocked)
    assets: Any = None

    def __init__(self) -> None:
        self.damaged: list[int] = []   # the segments that could not be read ...
        self.missing: list[int] = []   # ... of them, those whose file is gone
        self._starts: list[float] | None = None

    def unread_said(self) -> str:
        """What of it could not be read, as a reader says it ("1 missing segment file and
        2 damaged segments"); "" for nothing."""
        gone, bad = len(self.missing), len(self.damaged) - len(self.missing)
        return " and ".join(part for n, part in (
            (gone, count(gone, "missing segment file")),
            (bad, count(bad, "damaged segment"))) if n)

    def _load(self, i: int) -> list[dict]:  # pragma: no cover - abstract
        raise NotImplementedError

    def raw_segment(self, i: int) -> bytes | None:
        """Segment i's file as stored, for sources that hold segment files (a stored
        session, a bundle: copied verbatim into bundles); None for events held otherwise."""
        return None

    def load_dictionary(self, dict_id: int) -> Any:
        """The zstd dictionary `dict_id` its segment files were compressed with, if it holds
        it (None: not held)."""
        return None

    def readable(self) -> bool:
        """Whether any of its segments can be read: its file's framing and checksum hold
        (`read_header`), looked at in order up to the first that does - one file, as a rule.
        False when it has no segment, or every one is damaged; True for a source that holds
        its events otherwise (a file read whole)."""
        for i in range(len(self.segments)):
            try:
                blob = self.raw_segment(i)
                if blob is not None:
                    read_header(blob)
            except (OSError, SegmentDamaged):
                continue
            return True
        return False

    def read_segment(self, i: int) -> list[dict]:
        if not 0 <= i < len(self.segments):
            raise IndexError(f"segment {i} out of range (0..{len(self.segments) - 1})")
        return self._load(i)

    def iter_segment(self, i: int) -> Iterator[dict]:
        """`read_segment(i)` an event at a time, for a reader that may stop early (the
        player's index stops at the first full snapshot): a source that can decode its
        events one by one (a stored session) builds only the ones taken. A segment found
        damaged part-way ends there (listed in `damaged`)."""
        return iter(self.read_segment(i))

    def events(self) -> Iterator[dict]:
        for i in range(len(self.segments)):
            yield from self.read_segment(i)

    def segment_at(self, t_ms: float) -> int:
        """The segment holding (epoch) time `t_ms`: the last one starting at or before it
        (the first one for earlier times; the last one for later times)."""
        if not self.segments:
            raise LookupError("recording has no segments")
        if self._starts is None:
            # starts are ascending for any session we write; keep it robust anyway
            best, out = float("-inf"), []
            for s in self.segments:
                best = max(best, s.start_ms)
                out.append(best)
            self._starts = out
        return max(bisect.bisect_right(self._starts, t_ms) - 1, 0)

    @property
    def start_ms(self) -> float:
        return self.info.start_ms

    @property
    def end_ms(self) -> float:
        return self.info.end_ms

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<{type(self).__name__} {self.id} {len(self.segments)} segments>"


class MemorySource(RecordingSource):
    """Events held in memory (a file read without importing), cut into segments the way
    the store would cut them, so a player sees the same shape either way."""

    def __init__(self, session_id: str, events: list[dict], *, application: str | None = None,
                 user: dict | None = None, context: dict | None = None,
                 facts: "SessionFacts | None" = None, sessions_in_file: int = 1,
                 session_number: int = 0, origin: str | None = None):
        super().__init__()
        from .facts import derive_facts, view_at
        from .segments import describe, plan_segments

        self.id = session_id
        self._events = events
        self.sessions_in_file = sessions_in_file
        self.session_number = session_number
        self.origin = origin
        facts = facts or derive_facts(events, user)
        self.facts = facts
        self._cuts = plan_segments(events)
        self.segments = [describe(events[a:b], k, reason, view_at(facts, a))
                         for k, (a, b, reason) in enumerate(self._cuts)]
        self.info = info_from(session_id, facts, application=application, user=facts.user,
                              context=context, nbytes=0, segment_count=len(self.segments))

    def _load(self, i: int) -> list[dict]:
        a, b, _ = self._cuts[i]
        return self._events[a:b]

    def events(self) -> Iterator[dict]:
        return iter(self._events)


class ListSource(RecordingSource):
    """A list of raw events cut into pseudo-segments of `segment_size` events, so the
    player's lazy path serves lists as it serves stores (no facts derived, no session
    info: the cheapest source, for tests and for events handed over in memory)."""

    def __init__(self, events: Iterable[dict], segment_size: int = 5000, id: str = "memory"):
        super().__init__()
        self.id = id
        self.info = None
        self._events = events if isinstance(events, list) else list(events)
        self._size = max(1, segment_size)
        self.segments = []
        ev = self._events
        for i, start in enumerate(range(0, len(ev), self._size)):
            chunk = ev[start: start + self._size]
            ts = [e["timestamp"] for e in chunk if isinstance(e, dict)
                  and isinstance(e.get("timestamp"), (int, float))]
            self.segments.append(SegmentMeta(
                index=i, start_ms=min(ts) if ts else 0, end_ms=max(ts) if ts else 0,
                record_count=len(chunk), creation_reason="import",
                has_full_snapshot=any(isinstance(e, dict)
                                      and e.get("type") == EventType.FullSnapshot for e in chunk)))

    def _load(self, i: int) -> list[dict]:
        return self._events[i * self._size: (i + 1) * self._size]

    def events(self) -> Iterator[dict]:
        return iter(self._events)


def masked_source(src: RecordingSource, rules: "Rules",
                  watch: Callable[[Iterable[dict]], Iterable[dict]] = iter) -> MemorySource:
    """A recording file as `rules` let it be shown or written: every event through a fresh
    `SessionMasker`, in order, in two passes (`mask_session`; files are read whole anyway).
    A stored session, masked when it was stored, comes through here only when rules are
    given for the occasion: masking masked events again can only tighten them. `watch`: each
    read of the whole recording goes through it (a progress bar's: the masking, then the
    steps of a bug report it holds - a long one's take as long as its import)."""
    from .privacy.masker import mask_session

    masker, events = mask_session(watch(src.events()), rules)
    if not events:
        raise ValueError(f"{src.origin or src.id}: nothing of this recording is left under the"
                         f" privacy rules ({rules.source or 'rules file'})")
    info = src.info
    user = {k: v for k, v in (("id", info.user_id), ("name", info.user_name),
                              ("email", info.user_email)) if v is not None}
    from .bug import restepped
    out = MemorySource(src.id, events, application=info.application, user=user or None,
                       context=restepped(masker.mask_context(info.context), events, watch),
                       sessions_in_file=src.sessions_in_file,
                       session_number=src.session_number, origin=src.origin)
    out.damaged = list(src.damaged)
    out.assets = src.assets   # (a URL the rules masked is no longer asked for)
    return out


def info_from(sid: str, facts: "SessionFacts", *, application: str | None, user: dict | None,
              context: dict | None, nbytes: int, segment_count: int) -> SessionInfo:
    user = user or {}
    return SessionInfo(
        id=sid, application=application,
        user_id=optional_str(user.get("id")), user_name=optional_str(user.get("name")),
        user_email=optional_str(user.get("email")),
        start_ms=facts.start_ms, end_ms=facts.end_ms,
        duration_ms=facts.end_ms - facts.start_ms, first_url=facts.first_url,
        view_count=facts.view_count, error_count=facts.error_count,
        error_group_count=facts.error_group_count, frustration_count=facts.frustration_count,
        resource_count=facts.resource_count, action_count=facts.action_count,
        record_count=facts.record_count,
        bytes=nbytes, segment_count=segment_count, context=context or None)


def optional_str(v) -> str | None:
    return None if v is None else str(v)


def open_recording(spec: str | Path, data_dir: Path, *, session: int = 0,
                   store=None, more: Sequence[Path] = (), partial: bool = False
                   ) -> RecordingSource:
    """A stored session id (or unique prefix), or a path to a `.replay` bundle or an rrweb
    JSON file (read, not imported). A file holding several sessions opens its `session`-th
    (0-based); the source's `sessions_in_file` says how many there are. `more`: the other
    files of Datadog uploads `spec` is one of, read together with it (`open_file`).
    `partial`: a file cut off or corrupted part way is read up to the damage (warned of)."""
    path = Path(spec)
    from .asset_store import FolderAssets
    if more:
        from .id_key import file_key
        key = file_key(data_dir)
        src = open_file(path, session=session, id_key=lambda: key, more=more)
        src.assets = FolderAssets(data_dir, src.id)
        return src
    if path.is_file():
        from .bundle import is_bundle, open_bundle
        if is_bundle(path):
            if session:   # a bundle holds one session (it was taken as session 0, silently)
                raise IndexError(f"{path} is a bug bundle, which holds one session: there is"
                                 f" no session {session} - leave --session-number out")
            bundle = open_bundle(path) if not partial else _bundle_or_salvaged(path)
            if isinstance(bundle, MemorySource):   # salvaged: its images, if fetched once imported
                bundle.assets = FolderAssets(data_dir, bundle.id)
                return bundle
            # the images it carries, then the data folder's (fetched for it once imported)
            from .assets import ChainedAssets
            bundle.assets = ChainedAssets(bundle.assets, FolderAssets(data_dir, bundle.id))
            return bundle
        from .id_key import file_key
        key = file_key(data_dir)   # read once: each session of the file asks for it
        src = open_file(path, session=session, id_key=lambda: key, partial=partial)
        src.assets = FolderAssets(data_dir, src.id)   # (none, unless fetched for it once imported)
        return src
    from .store import Store
    st = store or Store.open(Path(data_dir))
    try:
        return st.session(str(spec))
    except KeyError:
        if path.is_dir():
            raise IsADirectoryError(f"{spec} is a folder, not a recording file") from None
        if any(ch in str(spec) for ch in "/\\") or str(spec).endswith((".json", ".replay")):
            raise FileNotFoundError(f"no such file: {spec}") from None
        raise


def _bundle_or_salvaged(path: Path) -> "RecordingSource":
    """A bundle, or (`--partial`) the whole segments of a cut-off one, read up to the damage
    (warned of): what `replay import --partial` stores of it."""
    from .bundle import DamagedBundle, open_bundle, salvage_or_refuse
    try:
        return open_bundle(path)
    except DamagedBundle as exc:
        got = salvage_or_refuse(path, exc)
    log.warning("%s: %s - read up to there", path, got.said())
    return MemorySource(got.session_id or path.stem, got.events, origin=str(path))


def open_file(path: Path, *, session: int = 0,
              id_key: Callable[[], bytes] | None = None,
              more: Sequence[Path] = (), partial: bool = False) -> MemorySource:
    """An rrweb JSON file (any shape rrweb_io reads) as a source, without importing it.
    `id_key`: the secret a session id holding personal data is hashed with (`open_recording`
    gives the data folder's, if it has one: `id_key.file_key`). `more`: other files of
    Datadog uploads, read with `path` as one (`rrweb_io.DatadogFiles`: a proxy keeps a
    request a file, a visit's segments and RUM events come in many). `partial`: a file cut
    off or corrupted part way is read up to the damage, which is warned of."""
    from .ingest import prepare
    from .limits import UNLIMITED
    from .rrweb_io import DatadogFiles, read_recordings

    group = DatadogFiles([Path(path), *map(Path, more)]) if more else None
    sessions: list[tuple] = []
    recs = group.read(partial=partial) if group is not None else \
        read_recordings(path, partial=partial)
    damaged = next((r.damaged for r in recs if r.damaged), None)
    if damaged:   # (said once: every recording of the file was cut at the same place)
        log.warning("%s: %s - read up to there", path, damaged)
    for rec in recs:
        for p in prepare(rec.events, application=None, user=rec.user,
                         session_id=rec.session_hint, live=False, limits=UNLIMITED,
                         id_key=id_key):
            sessions.append((p, rec))
    name = group or path   # (in messages)
    if not sessions:
        raise ValueError(f"{name}: no events")
    if not 0 <= session < len(sessions):
        n = len(sessions)   # (numbered from 0: said, a person counts from 1)
        raise IndexError(f"{name} holds one session: there is no session {session} - leave"
                         " --session-number out" if n == 1 else
                         f"{name} holds {n} sessions, numbered 0 to {n - 1}: there is no"
                         f" session {session} - give --session-number one of those")
    p, rec = sessions[session]
    return MemorySource(p.id, p.events, user=rec.user, facts=p.facts,
                        sessions_in_file=len(sessions), session_number=session,
                        origin=str(path))

