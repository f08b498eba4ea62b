"""From a batch of raw events to sessions ready to store - the pure part of ingest.

validate -> limits -> split into sessions -> mask -> derive the index facts.

Nothing here touches the disk, so a payload rejected at any step (a `LimitError`, an
`InvalidEvent`) leaves the store exactly as it was. `LocalStore.ingest` writes what this
returns.
"""
from __future__ import annotations

import enum
import hashlib
import logging
import os
from collections import Counter
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, NamedTuple, Protocol, \
    Sequence

import msgspec

from .facts import SessionFacts, derive_facts
from .format import KNOWN_TYPES, PAGE_NOT_RECORDED, SYNTHETIC, SYNTHETIC_SPLIT, SYNTHETIC_USER, \
    EventType, InvalidEvent, encode_json, invalid_events, type_shown
from .jsonscan import JsonFacts
from .rrweb_io import SENTRY_OPTIONS_LEAD_MS, is_sentry_options
from .limits import DEFAULT_LIMITS, Limits, check_event, check_late, check_payload, \
    check_session_size, check_timestamp, check_viewport
from .semantics import User, filed_user, user_from
from .sessions import INACTIVITY_MS, MAX_SESSION_MS, carried_ids, content_digests, \
    continued_id, content_hashed_id, derive_session_id, id_as_stored_in_events, \
    id_before_every_event, split_sessions, with_id_as_stored

if TYPE_CHECKING:   # (privacy imports the recorder's modules)
    from .mirror import Mirror
    from .privacy.echoes import Echoes

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]   # (done, total) in work units


class Masker(Protocol):
    """Stateful per session (it follows the DOM): the privacy helper's SessionMasker."""

    # the values typed into its masked fields (privacy/echoes.py): `mask` masks their echoes
    # from the typing on; a value typed in a batch (`echoes.added` moved) may have been
    # echoed before it, in that batch or (a stream) in what was masked before
    echoes: Echoes
    # the page as the events masked so far left it (unmasked, in memory only): a live
    # session split off a visit begins with it when its recorder took no new snapshot
    mirror: Mirror
    # the user the session belongs to (`semantics.merged_user`): kept where the events name
    # it, and no one else there - given first when the session is filed under one (`--user`)
    owner: User | None

    def mask(self, events: list[dict], encoded: Sequence[bytes] | None = None,
             facts: Sequence[JsonFacts | None] | None = None) -> list[dict]:
        """`encoded`, when given: each event's JSON (the live intake's, as received);
        `facts`: with it, what the limits' scan of each text found (`limits.check_event`;
        None where it did not run), so the masker does not scan the text again."""
        ...

    def mask_context(self, context: dict | None) -> dict | None:
        """The session's context (stored in the index beside the events) as it may be
        stored."""
        ...


class GoesOn(NamedTuple):
    """A new live session split off a visit (after 15 minutes without activity, or at 4
    hours): the page goes on, so its masker is the visit's - the values typed into masked
    fields (their echoes stay masked) and, when its events begin without a snapshot
    (`needs_page`: rrweb's recorder takes none), the DOM its snapshot is built from."""
    session: "OpenSession"   # the visit's session stored before this batch
    needs_page: bool


MaskerFor = Callable[[str, "OpenSession | None", "GoesOn | None"], Masker]
"""Live intake: the masker of session `id`, carrying its state across requests; the
second argument is the stored session it appends to (None: a new session); the third, for
a new session of a visit stored before, what it goes on from (asked in the sessions'
order: a batch's second new session goes on from its first)."""


class OpenSession(Protocol):
    """What ingest needs to know about a session already in the store (live appends)."""

    id: str
    application: str | None
    start_ms: float
    end_ms: float
    record_count: int
    view_count: int
    last_view: str | None    # the view of its last segment
    last_url: str | None     # the URL of its latest view
    user_id: str | None      # the user it is filed under (the first batch's, `--user`...)
    user_name: str | None
    user_email: str | None



class PreparedSession:
    __slots__ = ("id", "events", "sizes", "digest", "facts", "append_to", "encoded", "scans",
                 "original", "ids_merged", "typed", "legacy_digest", "legacy_id", "last_ms")

    def __init__(self, id: str, events: list[dict], sizes: list[int] | None, digest: str,
                 facts: SessionFacts, append_to: OpenSession | None,
                 encoded: Sequence[bytes] | None = None,
                 scans: Sequence[JsonFacts | None] | None = None):
        self.id = id
        self.events = events
        self.sizes = sizes
        self.digest = digest
        self.facts = facts
        self.append_to = append_to
        self.encoded = encoded   # each event's JSON as received (live), for the masker
        self.scans = scans       # ... and what the limits' scan of it found (check_event)
        # the session's id as the recording gives it, when that is not usable as a file name
        # and `id` is made of it (sessions.clean_id)
        self.original: str | None = None
        # the different `sessionId`s its events carry when more than one (none named it:
        # sessions.carried_ids), else 0
        self.ids_merged = 0
        # the values typed into its masked fields (None: none): a stored session it is
        # compared with is compared with their echoes masked too (LocalStore._place)
        self.typed: Echoes | None = None
        # its digest as stored before digests were keyed (sessions.ContentDigest), and its id
        # as stored before an id was made of its events' shape (content_hashed_id): what a
        # re-import compares with a session stored then, never written
        self.legacy_digest: str | None = None
        self.legacy_id: str | None = None
        # its latest event's time as it came, before masking (a live batch masked away whole
        # still says the visit went on until then: LocalStore.ingest)
        self.last_ms: float | None = None


class TimeOrder:
    """An import's events earlier than one before them. A recorder emits in time order; a
    file merged or shuffled does not, and its events are stored - and replayed - in the
    order they came in (the file's), where rrweb's player sorts them by time: said, not
    changed (the order is what a stored session's id and a re-import's match are made of).
    The Sentry SDK's `options` event a little before the events it follows is its habit,
    not disorder (`rrweb_io.is_sentry_options`), and is not counted."""

    def __init__(self) -> None:
        self.latest = float("-inf")
        self.back = 0            # events earlier than one before them
        self.most = 0.0          # ... by how much at most, ms

    def see(self, t: float, e: dict | None = None) -> None:
        """`e`: the event stamped `t`, when the Sentry SDK's habit may explain it."""
        if t < self.latest:
            if e is not None and self.latest - t <= SENTRY_OPTIONS_LEAD_MS \
                    and is_sentry_options(e):
                return   # stamped a few ms before the snapshot it follows: the SDK's way
            self.back += 1
            if self.latest - t > self.most:
                self.most = self.latest - t
        else:
            self.latest = t

    def see_all(self, events: Iterable[dict]) -> None:
        """`see` each event's timestamp, in order (one call for a run in time order)."""
        latest = self.latest
        for e in events:
            t = e["timestamp"]
            if t < latest:
                self.latest = latest
                self.see(t, e)
            else:
                latest = t
        self.latest = latest

    def check(self) -> None:
        """A warning when some were."""
        if self.back:
            many = self.back > 1
            # (in the order they came in: a file's, or a recording browser's - record mode)
            log.warning("%s earlier than an event before %s (by up to %s ms): stored in the"
                        " order %s came in, %s in that order (rrweb's player sorts by time)",
                        f"{self.back:,} events are" if many else "1 event is",
                        "them" if many else "it", f"{self.most:,.0f}",
                        "they" if many else "it", "they replay" if many else "it replays")


class KnownTypes:
    """An import's events of a type rrweb defines, beside those of a type it does not
    (kept as they are: format.UnknownEvent, a newer recorder's). A file of only the latter
    is not an rrweb recording, and is refused; a few among rrweb's are said."""

    def __init__(self) -> None:
        self.known = 0
        self.unknown: Counter = Counter()

    def count(self, events: Iterable[dict]) -> None:
        for e in events:
            t = e.get("type")
            if type(t) is int and t in KNOWN_TYPES:
                self.known += 1
            else:
                self.unknown[t] += 1

    def check(self, warn: bool = True) -> None:
        """InvalidEvent when no event is of an rrweb type; a warning when some are not
        (`warn`)."""
        if not self.unknown:
            return
        n = sum(self.unknown.values())
        kinds = ", ".join(dict.fromkeys(type_shown(t) for t, _ in self.unknown.most_common(3)))
        if not self.known:
            raise InvalidEvent(f"{_none_of(n)} of a type rrweb defines"
                               f" ({min(KNOWN_TYPES)}-{max(KNOWN_TYPES)};"
                               f" found type {kinds})"
                               " - is it an rrweb recording?")
        if warn:
            log.warning("kept %d event%s of a type rrweb does not define (type %s) as %s",
                        n, "" if n == 1 else "s", kinds, "it is" if n == 1 else "they are")


def _none_of(n: int) -> str:
    """"none of its N events is", said of one event as one."""
    return "its only event is not" if n == 1 else f"none of its {n:,} events is"


def no_event_of(n: int, first: Exception) -> InvalidEvent:
    """A recording none of whose `n` values is an rrweb event (`first`: what the first is)."""
    return InvalidEvent(f"{_none_of(n)} an rrweb event ({first})")


def validate(events: Sequence[Any], *, strict: bool) -> tuple[list[dict], Sequence[int]]:
    """Keep well-formed events, with each one's position in `events` (what a later error
    names it by: the file's event #7 stays #7 when #3 was skipped). Strict (live intake):
    the first bad one rejects the payload. Otherwise (imports) a bad event is skipped with a
    warning naming it - unless none is valid: then the recording is refused in one error
    naming the first problem. The events are checked in one conversion
    (`invalid_events`): one at a time cost the live intake a tenth of its CPU."""
    invalid = invalid_events(events)
    where: Sequence[int] = range(len(events))
    if not invalid:
        out = list(events)
    elif strict:
        raise invalid[min(invalid)]
    else:
        where = [k for k in range(len(events)) if k not in invalid]
        out = [events[k] for k in where]
        bad = [invalid[k] for k in sorted(invalid)]
        if not out:
            raise no_event_of(len(bad), bad[0])
        for exc in bad[:5]:
            log.warning("skipping invalid event: %s", exc)
        if len(bad) > 5:
            log.warning("skipped %d invalid events in all", len(bad))
    if not strict:   # live batches of a newer recorder's types are its own business
        types = KnownTypes()
        types.count(out)
        types.check()
    return out, where


def prepare(events: Sequence[Any], *, application: str | None = None,
            user: dict | None = None, live: bool = False, now_ms: float | None = None,
            masker_factory: Callable[[], Masker] | None = None,
            masker_for: MaskerFor | None = None,
            limits: Limits = DEFAULT_LIMITS, session_id: str | None = None,
            open_session: Callable[[str], OpenSession | None] = lambda sid: None,
            strict: bool | None = None, progress: Progress | None = None,
            progress_total: int | None = None,
            max_session_ms: int = MAX_SESSION_MS,
            inactivity_ms: int = INACTIVITY_MS,
            encoded: Sequence[bytes] | None = None,
            id_key: Callable[[], bytes] | None = None,
            order: "TimeOrder | None" = None) -> list[PreparedSession]:
    """Check and cut `events` into sessions. Raises LimitError / InvalidEvent before
    anything is decided; the caller writes the result.

    `session_id`: live - the client's session id (appended to while it is open; events
    after a limit start `<id>.<first timestamp>`); import - the id to give the first
    session (a `.replay` bundle keeps its id). `masker_for`, if given, is asked for each
    session's masker instead of `masker_factory` (live: state kept between requests).
    An append's facts start from the open session's `last_url`, so they are what the whole
    session's would be (a Meta repeating its latest view's URL is no new view).
    `encoded` (strict only: every event is kept): each event's JSON as received, measured
    against the limits instead of encoding the event again. `id_key`: the data folder's
    secret a session id holding personal data is hashed with (`sessions.stored_id`).
    `order`: given, it counts the events out of time order and the caller says it
    (`TimeOrder.check`) once they are stored - a file refused stores nothing in any order."""
    n_in = len(events)
    total = progress_total or n_in
    strict = live if strict is None else strict
    if encoded is not None and not strict:
        raise ValueError("encoded events are for strict ingest (each event kept)")
    good, where = validate(events, strict=strict)
    if progress:
        progress(n_in // 4, total)

    sizes: list[int] = []
    scans: list[JsonFacts | None] = []   # the limits' scan of each JSON, for the masker
    payload = 1 + max(len(good) - 1, 0)      # brackets and commas of the JSON array
    now = now_ms if now_ms is not None else _now_ms()
    said_here = order is None
    order = TimeOrder() if order is None else order
    for i, e in enumerate(good):
        enc = encoded[i] if encoded is not None else encode_json(e)
        k = where[i]   # (as the input numbers it)
        scans.append(check_event(e, enc, k, limits))
        check_timestamp(e, k, now, limits)
        check_viewport(e, k, limits)
        sizes.append(len(enc))
        payload += len(enc)
        if live:
            check_late(e, k, now, limits)
        order.see(e["timestamp"], e)
    if live:
        check_payload(payload, limits)
    elif said_here:   # (a live batch's late events go to their place: see check_late)
        order.check()
    if progress:
        progress(n_in // 2, total)

    existing = open_session(session_id) if (live and session_id) else None
    cont = (existing.start_ms, existing.end_ms) if existing else None
    ranges = split_sessions(good, max_session_ms=max_session_ms, inactivity_ms=inactivity_ms,
                            continue_from=cont)

    out: list[PreparedSession] = []
    used: set[str] = set()
    restart = _Restarter(good)
    for k, (a, b) in enumerate(ranges):
        evs = good[a:b]
        if not evs:
            continue
        ev_sizes = sizes[a:b]
        if k > 0 and not live:
            evs = restart.playable(a, evs)
            if len(evs) != b - a:
                ev_sizes = [len(encode_json(e)) for e in evs[:len(evs) - (b - a)]] + ev_sizes
        append_to = existing if (existing is not None and k == 0) else None
        if live and append_to is None:
            # a live session begins as an import does: with rrweb's events (a batch of a
            # newer recorder's types alone would store what no import or player reads)
            types = KnownTypes()
            types.count(evs)
            types.check(warn=False)
        original = legacy_id = None
        merged = 0
        if append_to is not None:
            sid = append_to.id
        else:
            hint = session_id if k == 0 or not session_id \
                else continued_id(session_id, evs[0]["timestamp"])
            sid, original = derive_session_id(evs, application=application, hint=hint,
                                              key=id_key, live=live)
            if original is None:   # a hashed id: the name it had before (compared only)
                legacy_id = content_hashed_id(evs, application)
                ids = carried_ids(evs)   # (several, and none named it: said on import)
                merged = ids if ids > 1 else 0
            else:   # its `sessionId`, which not every event carries: the hash it had before
                legacy_id = id_before_every_event(evs, application, hint=hint)
        if original == sid:
            original = None
        base, n = sid, 2
        while sid in used:                       # one recording id over several sessions
            sid, n = f"{base}-{n}", n + 1
        used.add(sid)
        before = append_to.record_count if append_to else 0
        check_session_size(before + len(evs), limits, sid)
        # (a live append keeps the digest of the session's start: its own is not needed)
        digest, legacy = content_digests(evs, id_key() if id_key is not None else b"") \
            if append_to is None else ("", None)
        whole = encoded is not None and len(evs) == b - a
        out.append(PreparedSession(sid, evs, ev_sizes, digest, None,  # type: ignore[arg-type]
                                   append_to, encoded[a:b] if whole else None,
                                   scans[a:b] if whole else None))
        out[-1].original = original
        out[-1].ids_merged = merged
        out[-1].legacy_digest, out[-1].legacy_id = legacy, legacy_id
        if live:
            out[-1].last_ms = max(e["timestamp"] for e in evs)

    # Masking runs after every check, on sessions that will be written; the digest above
    # is of the input, so re-importing the same file is recognised whatever the rules.
    done = n_in // 2
    before: Masker | None = None
    # each session masked, with its masker and how many values its echoes knew at its end
    masked_by: list[tuple[PreparedSession, Masker, int]] = []
    for p in out:
        if masker_for is not None:
            goes_on = GoesOn(existing, _needs_snapshot(p.events)) \
                if (p.append_to is None and existing is not None) else None
            masker = masker_for(p.id, p.append_to, goes_on)
            if goes_on is not None and goes_on.needs_page:
                # (an import's split was given its snapshot above, from the events before)
                made = split_snapshot(masker.mirror, p.events[0]["timestamp"])
                if made:
                    p.events, p.sizes, p.encoded, p.scans = made + p.events, None, None, None
        elif masker_factory is not None:
            masker = masker_factory()
            if before is not None:
                # a session split off the recording goes on from the one before it: a value
                # typed into a masked field there is still masked where this one echoes it
                masker.echoes = before.echoes
        else:
            masker = None
        before = masker
        if masker is not None:
            if masker.owner is None:   # the owner it is filed under: a stored session's
                masker.owner = filed_user(p.append_to) or (user_from(user) if user else None)
            # live: every event kept, so the JSON received is each one's, in order
            typed = masker.echoes.added
            masked = masker.mask(p.events) if p.encoded is None else \
                masker.mask(p.events, p.encoded, p.scans)
            if masker.echoes.added != typed:
                # typed into a masked field here: its echoes before the typing go too, as
                # mask_session's second pass does (a live session's earlier requests are
                # stored already: compaction masks theirs, LiveIntake.compact_idle)
                masked = masker.echoes.finals().scrub_all(masked)[0]
            if masker.echoes:
                p.typed = masker.echoes.finals()
            if len(masked) != len(p.events):
                p.sizes = None
            p.events = masked
            masked_by.append((p, masker, masker.echoes.added))
        shown = id_as_stored_in_events(p.original)
        if shown is not None:   # whatever the rules, as its name is a hash of it
            p.events = with_id_as_stored(p.events, p.original, shown)
            if len(shown.encode()) != len(p.original.encode()):
                p.sizes = None
        p.facts = _facts_of(p, user)
        done += len(p.events) // 4
        if progress:
            progress(done, total)
    for p, masker, known in masked_by:
        if masker.echoes.added != known:
            # a session split off after it (they share what was typed) had a value typed
            # into a masked field that this one showed before: its echoes here go too, as
            # the second pass within a session masks those before the typing
            finals = masker.echoes.finals()
            p.events, n = finals.scrub_all(p.events)
            p.typed = finals
            if n:
                p.sizes = None
                p.facts = _facts_of(p, user)
    return out


def _facts_of(p: PreparedSession, user: dict | None) -> SessionFacts:
    """A prepared session's facts (an append's counted on from the stored session's)."""
    if p.append_to is None:
        return derive_facts(p.events, user)
    return derive_facts(p.events, user, first_view=p.append_to.view_count + 1,
                        last_url=p.append_to.last_url)


class Outcome(enum.Enum):
    """What importing a recording does to the stored session with its id."""
    NEW = "new"              # no such session: stored as it is
    SAME = "same"            # the same events: nothing stored
    EXTENDS = "extends"      # every stored event and more after them: the rest appended
    DISAGREES = "disagrees"  # would lose or change stored events: refused


class Reconciled(msgspec.Struct, frozen=True):
    outcome: Outcome
    append: list[dict] = []   # EXTENDS: the incoming events not stored yet, in their order
    # DISAGREES: what differs, for the person to read; SAME: what the stored session holds
    # besides, when it holds more (an earlier, shorter export of it)
    reason: str = ""
    # DISAGREES: nothing in common - maybe another part of the session, recorded apart
    # (which a person joins by importing the parts together: the caller's words say how)
    apart: bool = False


class ImportConflict(ValueError):
    """An import that would shorten or change a stored session (nothing was written).
    `damaged`: how many of the stored session's segments could not be read, so were not
    compared - said; `apart` (`Reconciled.apart`) then stands no more: nothing in common
    may be only what was compared (a reviewer's find), so no advice to erase the session."""

    def __init__(self, session_id: str, reason: str, *, apart: bool = False,
                 damaged: int = 0):
        if damaged:
            reason += (f" ({damaged} of the stored session's segments are damaged and were"
                       " not compared)")
        super().__init__(f"session {session_id} is stored already and this recording"
                         f" disagrees with it: {reason}")
        self.session_id = session_id
        self.reason = reason
        self.apart = apart and not damaged


class BatchReused(ValueError):
    """A live batch id sent again with other events (nothing was written): the sender
    gave two batches one id."""

    def __init__(self, batch_id: str, session_id: str, accepted: int, now: int):
        what = f"now sent with {now}" if now != accepted else "now sent with other events"
        super().__init__(f"batch {batch_id!r} of session {session_id} was accepted with"
                         f" {accepted} events and is {what} - give each batch its"
                         " own batch_id, and reuse it only to retry that same batch")


class SessionDeleted(ValueError):
    """A live batch for a client's session whose recording was deleted while the visit went
    on (nothing was written): appended under its id, the rest of the visit would be a
    session without the snapshot it was deleted with. The sender starts a new session."""

    def __init__(self, session_id: str):
        super().__init__(f"session {session_id} was deleted on this server - its visit is no"
                         " longer recorded under that id; start a new session (capture.js"
                         " does, with a new snapshot)")
        self.session_id = session_id


_canonical = msgspec.msgpack.Encoder(order="sorted")


def reconcile(stored: Sequence[dict], incoming: Sequence[dict]) -> Reconciled:
    """The one rule for importing a recording whose session is stored already (both
    masked with the same rules). Events are matched by timestamp and content, as a
    multiset, so an export that overlaps what is stored merges whatever its order:

    1. the same events, or only stored ones (an earlier,
       shorter export: `reason` says how many more)     -> SAME (store nothing)
    2. every stored event, plus events none earlier than
       the stored session's last one                    -> EXTENDS (append those)
    3. anything else - stored events missing and new ones,
       or new ones inside the stored time span          -> DISAGREES (refuse)

    A session only ever grows: segments are appended, never rewritten, by an import."""
    r = Reconciler()
    for e in stored:
        r.stored(e)
    for e in incoming:
        r.incoming(e)
    return r.result()


def _events(n: int, what: str) -> str:
    """"1 stored event is", "3 stored events are"."""
    return f"{n:,} {what} is" if n == 1 else f"{n:,} {what}s are"


def _named_user(e: dict) -> str:
    """Who an identify event names, as the person gave it (id, else email, else name)."""
    payload = e.get("data", {}).get("payload")
    if not isinstance(payload, dict):
        return "?"
    return str(payload.get("id") or payload.get("email") or payload.get("name") or "?")


class Reconciler:
    """`reconcile` fed an event at a time, so a streaming import can decide while it reads.
    Fed side by side (a stored event, an incoming one...), events in the same order cancel
    at once and memory stays small whatever the sessions' length. Incoming events without a
    stored match so far go to `spool` (a list, or anything with `append` and iteration,
    e.g. a file - a streaming import's spool); the extra ones are picked from it at the end.
    Keys are digests of the canonical MessagePack (16 bytes an event, not the event)."""

    def __init__(self, spool: Any = None):
        self.diff: Counter = Counter()      # stored minus incoming, per key
        self.spooled: Counter = Counter()   # incoming per key, in the spool
        self.spool = spool if spool is not None else []
        self.n_stored = 0
        self.n_incoming = 0
        self.last = float("-inf")           # the stored session's last timestamp
        # `import --user`'s identify events (semantics.user_event) by key: who each names,
        # so a disagreement that is only about the user can say so
        self.users: dict[bytes, str] = {}

    def stored(self, e: dict) -> None:
        key = _key(e)
        self.n_stored += 1
        if e["timestamp"] > self.last:
            self.last = e["timestamp"]
        if e.get(SYNTHETIC) == SYNTHETIC_USER:
            self.users[key] = _named_user(e)
        self._count(key, 1)

    def incoming(self, e: dict, size: int | None = None) -> None:
        key = _key(e)
        self.n_incoming += 1
        if e.get(SYNTHETIC) == SYNTHETIC_USER:
            self.users[key] = _named_user(e)
        if self.diff.get(key, 0) <= 0:     # no stored match yet: maybe extra
            self.spool.append((key, e, size))
            self.spooled[key] += 1
        self._count(key, -1)

    def _count(self, key: bytes, d: int) -> None:
        n = self.diff[key] + d
        if n:
            self.diff[key] = n
        else:
            del self.diff[key]

    def result(self, listed: bool = True) -> Reconciled:
        """The decision. For EXTENDS the extra events are `extras()`, read from the spool:
        of each key, its last occurrences (the first ones matched); `listed`: also in
        `append` (a streaming import reads them from the spool instead)."""
        missing = sum(n for n in self.diff.values() if n > 0)
        extra_n = -sum(n for n in self.diff.values() if n < 0)
        if missing and all(k in self.users for k in self.diff):
            return Reconciled(Outcome.DISAGREES, reason=self._users_differ())
        if missing:
            if not extra_n:   # every event of it is stored: nothing to lose, nothing to add
                n = self.n_incoming
                held = "this event" if n == 1 else f"these {n:,} events"
                return Reconciled(Outcome.SAME, reason=f"the stored session holds {held} and"
                                  f" {missing:,} more")
            if missing == self.n_stored and extra_n == self.n_incoming:
                # nothing in common: a part of the session recorded apart (a support
                # engineer's tryout: a Datadog session's RUM file, given after its replay)
                return Reconciled(Outcome.DISAGREES, reason=f"it holds none of the"
                                  f" {self.n_stored:,} stored events, and none of its"
                                  f" {extra_n:,} is stored - another part of the session"
                                  " recorded apart (a Datadog RUM file, apart from the replay"
                                  " segments), or another recording with the same id.",
                                  apart=True)
            return Reconciled(Outcome.DISAGREES, reason=f"{_events(missing, 'stored event')}"
                              f" not in it and {extra_n:,} of its events"
                              f" {'is' if extra_n == 1 else 'are'} not stored (different"
                              " events at the same times, or another recording with the same"
                              " id)")
        if not extra_n:
            return Reconciled(Outcome.SAME)
        inside = sum(1 for e, _ in self.extras() if e["timestamp"] < self.last)
        if inside:
            return Reconciled(Outcome.DISAGREES, reason=f"{inside:,} of its events"
                              f" {'falls' if inside == 1 else 'fall'} inside the stored"
                              f" session's time span but {'is' if inside == 1 else 'are'} not"
                              " stored")
        return Reconciled(Outcome.EXTENDS,
                          append=[e for e, _ in self.extras()] if listed else [])

    def _users_differ(self) -> str:
        """The reason when the events agree but for `--user`'s identify events."""
        stored = sorted({self.users[k] for k, n in self.diff.items() if n > 0})
        given = sorted({self.users[k] for k, n in self.diff.items() if n < 0})
        if stored and given:
            return (f"it is stored with user {', '.join(stored)} and this import names"
                    f" {', '.join(given)}")
        return (f"it is stored with user {', '.join(stored)} (given with --user) and this"
                f" import names none: add --user {stored[0]} to match it")

    def after_second_pass(self, stored: Iterable[dict], second: Callable[[dict], dict],
                          spool: Any = None) -> "Reconciler":
        """The comparison again, with `second` (the privacy pass's second one: echoes of a
        value typed after them) run over the events that disagreed on both sides - the
        stored ones, which `stored` (the stored session's events, read again) gives, and
        the incoming extra ones: one side may have been masked before it could run (stored
        before the typing was known, or compared before it came). Events that agreed agree
        after it too. `spool`: the new comparison's (as the constructor's)."""
        missing = Counter({k: n for k, n in self.diff.items() if n > 0})
        again = Reconciler(spool)
        for e in stored:
            k = _key(e)
            if missing.get(k, 0) > 0:
                missing[k] -= 1
                again.stored(second(e))
        for e, size in self.extras():
            again.incoming(second(e), size)
        again.last = max(again.last, self.last)
        again.n_stored, again.n_incoming = self.n_stored, self.n_incoming
        again.users.update(self.users)
        return again

    def extras(self) -> Iterator[tuple[dict, int | None]]:
        """The extra incoming events as (event, JSON size given), in their order."""
        diff = self.diff
        skip = {k: n + diff[k] for k, n in self.spooled.items() if diff.get(k, 0) < 0}
        for key, e, size in self.spool:
            left = skip.get(key)
            if left is None:
                continue
            if left > 0:
                skip[key] = left - 1
                continue
            yield e, size


def _key(e: dict) -> bytes:
    return hashlib.blake2b(_canonical.encode(e), digest_size=16).digest()


BATCH_KEY_ENV = "REPLAY_BATCH_KEY"   # hex; set by `replay serve` for its workers


def batch_key() -> bytes:
    """This server's key for batch digests: made once per `replay serve` (its workers inherit
    it through the environment) and never written anywhere."""
    raw = os.environ.get(BATCH_KEY_ENV)
    try:
        key = bytes.fromhex(raw) if raw else b""
    except ValueError:
        key = b""
    if len(key) != 32:
        key = os.urandom(32)
        os.environ[BATCH_KEY_ENV] = key.hex()
    return key


def batch_digest(events: Sequence[Any]) -> str:
    """The digest a live batch id is remembered with, "KEYID:MAC": of the events as decoded,
    keys in order, so a retry matches however its JSON was laid out (compact@1 or plain).
    It is taken before masking (a retry is not masked again), so it is keyed with a key that
    lives only in the running server: what is on disk cannot be used to check a guess at a
    masked value. After a restart the key differs and a stored digest is not comparable:
    the batch is then told apart by its event count only (`store._same_batch`)."""
    key = batch_key()
    key_id = hashlib.blake2b(key, digest_size=4, person=b"batch-key-id").hexdigest()
    mac = hashlib.blake2b(_canonical.encode(events), digest_size=16, key=key).hexdigest()
    return f"{key_id}:{mac}"


def same_batch_digest(stored: str | None, now: str) -> bool:
    """Whether a retry's digest agrees with the stored one, as far as can be told: a digest
    from before digests were kept, or made under another server's key, cannot say no."""
    if stored is None or stored.partition(":")[0] != now.partition(":")[0]:
        return True
    return stored == now


def _needs_snapshot(evs: list[dict]) -> bool:
    """No FullSnapshot (or the Meta before one) ahead of the first incremental event."""
    for e in evs:
        t = e.get("type")
        if t == 2 or t == 4:
            return False
        if t == 3:
            return True
    return True




class _Restarter:
    """A session cut out of a longer recording (after 15 idle minutes, or at 4 h) may
    begin with incremental events and no snapshot, which no player can show. It gets a
    Meta + FullSnapshot built with the one mirror DOM from everything before the cut
    (`split_snapshot`). Being part of the new session, they go through its masker like any
    recorded event."""

    def __init__(self, events: list[dict]):
        self.events = events
        self.mirror = None
        self.applied = 0

    def playable(self, start: int, evs: list[dict]) -> list[dict]:
        if not _needs_snapshot(evs):
            return evs
        from .mirror import Mirror
        if self.mirror is None:
            self.mirror = Mirror()
        self.mirror.apply_all(self.events[self.applied:start])
        self.applied = start
        return split_snapshot(self.mirror, evs[0]["timestamp"]) + evs


def split_snapshot(m: "Mirror", ts: float) -> list[dict]:
    """The page `m` holds as a Meta + FullSnapshot stamped `ts` and marked
    `"replay:synthetic": "session-split"`: what a session split off a recording or a live
    visit (15 minutes without activity, 4 hours) begins with when its recorder took no new
    snapshot. [] when `m` holds no page; a page that was not recorded begins it as it began
    (PAGE_NOT_RECORDED: its changes are left alone there too, not made to its notice)."""
    if not m.has_snapshot:
        return []
    meta = {"type": int(EventType.Meta), "timestamp": ts, SYNTHETIC: SYNTHETIC_SPLIT,
            "data": {"href": m.href, "width": m.width, "height": m.height}}
    if m.not_recorded is not None:
        return [meta, {"type": int(EventType.Custom), "timestamp": ts, SYNTHETIC: SYNTHETIC_SPLIT,
                       "data": {"tag": PAGE_NOT_RECORDED, "payload": m.not_recorded}}]
    node = m.to_serialized()
    if node is None:
        return []
    sx, sy = m.window_scroll
    return [meta, {"type": int(EventType.FullSnapshot), "timestamp": ts, SYNTHETIC: SYNTHETIC_SPLIT,
                   "data": {"node": node, "initialOffset": {"left": sx, "top": sy}}}]


def _now_ms() -> float:
    import time
    return time.time() * 1000
