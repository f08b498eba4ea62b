"""Cutting a stream of events into sessions, and naming them.

A session lasts at most 4 hours and ends after 15 minutes without activity; an event
after either limit starts a new session. Every event counts as activity here: what we
cut is a recording, and a recording that keeps producing events (a live table ticking
while the user reads) is still the same visit until the 4 h cap.

Event order is never changed. rrweb's own player sorts by timestamp on load, and
recorders emit (nearly) sorted streams, so keeping the original order keeps import ->
export exact while playing identically. Small backwards steps in time (a mouse-move batch
stamped with its first position) stay in the current session.
"""
from __future__ import annotations

import hashlib
import re
from typing import Callable, Iterable, Sequence

from .format import SYNTHETIC, SYNTHETIC_USER, encode_msgpack

MAX_SESSION_MS = 4 * 3600 * 1000
INACTIVITY_MS = 15 * 60 * 1000


def split_sessions(events: Sequence[dict], *, max_session_ms: int = MAX_SESSION_MS,
                   inactivity_ms: int = INACTIVITY_MS,
                   continue_from: tuple[float, float] | None = None) -> list[tuple[int, int]]:
    """[start, stop) index ranges of the sessions in `events`. With `continue_from` =
    (start_ms, last_ms) of an open session (live intake), the first range is the part that
    continues that session, and may be empty."""
    ranges: list[tuple[int, int]] = []
    if not events:
        return ranges
    if continue_from is not None:
        start_ms, last_ms = continue_from
    else:
        start_ms = last_ms = events[0]["timestamp"]
    begin = 0
    for i, e in enumerate(events):
        ts = e["timestamp"]
        if ts - last_ms > inactivity_ms or ts - start_ms > max_session_ms:
            if i > begin or continue_from is not None:
                ranges.append((begin, i))
            begin, start_ms, last_ms = i, ts, ts
            continue_from = None
        elif ts > last_ms:
            last_ms = ts
    ranges.append((begin, len(events)))
    return ranges


def content_digest(events: Sequence[dict], key: bytes = b"") -> str:
    """A digest of a session's full content (detects re-import of the same recording),
    keyed with the data folder's secret (see `ContentDigest`)."""
    d = ContentDigest(key, legacy=False)   # (the unkeyed one is only ever compared)
    d.extend(events)
    return d.hexdigest()


def content_digests(events: Sequence[dict], key: bytes = b"") -> tuple[str, str | None]:
    """`content_digest`, and the unkeyed one a session stored before digests were keyed
    has (None when `key` is empty: the same); see `ContentDigest`."""
    d = ContentDigest(key)
    d.extend(events)
    return d.hexdigest(), d.legacy_hexdigest()


class ContentDigest:
    """`content_digest` an event at a time: events are hashed in runs of `RUN` (MessagePack
    arrays), so a streamed session gets the digest of the same session read whole.

    The events hashed are the recording as it came in, before the privacy rules (a file
    imported again is known whatever the rules), so the digest is keyed with the data
    folder's secret (`key`, `id_key`): an unkeyed one would let whoever holds the masked
    events put a guess back where they say `***`, hash, and compare. `legacy_hexdigest`
    is the unkeyed one sessions were stored with before, only ever compared with stored
    digests (a re-import of a file stored then is still known), never written."""

    RUN = 4096

    def __init__(self, key: bytes = b"", legacy: bool = True) -> None:
        self._h = hashlib.blake2b(digest_size=16, key=key)
        self._legacy = hashlib.blake2b(digest_size=16) if key and legacy else None
        self._run: list[dict] = []
        self._empty = self._h.digest()   # (of no event: `without_legacy` checks it)

    def without_legacy(self) -> None:
        """No stored session will be compared with `legacy_hexdigest` (None from now on),
        so its hash is not kept: before any event was added (else ValueError)."""
        if self._run or self._h.digest() != self._empty:
            raise ValueError("events were added: the legacy digest is part made")
        self._legacy = None

    def _update(self, run: list[dict]) -> None:
        b = encode_msgpack(run)
        self._h.update(b)
        if self._legacy is not None:
            self._legacy.update(b)

    def add(self, e: dict) -> None:
        self._run.append(e)
        if len(self._run) == self.RUN:
            self._update(self._run)
            self._run = []

    def extend(self, events: Iterable[dict]) -> None:
        """`add` each of `events` (the same runs, without a call per event)."""
        run = self._run
        run.extend(events)
        while len(run) >= self.RUN:
            self._update(run[:self.RUN])
            del run[:self.RUN]

    def _hex(self, h) -> str:
        h = h.copy()
        if self._run:
            h.update(encode_msgpack(self._run))
        return h.hexdigest()

    def hexdigest(self) -> str:
        return self._hex(self._h)

    def legacy_hexdigest(self) -> str | None:
        return self._hex(self._legacy) if self._legacy is not None else None


def recorded_session_id(events: Sequence[dict], *, hint: str | None = None) -> str | None:
    """The id a recording gives its session, as it gives it (`derive_session_id` makes it
    safe): `hint` (PostHog's/Sentry's id, a bundle's), else rrweb's legacy `sessionId` key
    when the events that carry one all carry the same (an event added to the recording
    without it - a custom event, a newer recorder's - does not make it another session);
    None when it gives none, or they disagree (its id is a hash)."""
    if hint:
        return hint
    carried = _carried(events)
    # (a `sessionId` that is no text - an object, a list, null - is no id: none is used)
    if not carried or not all(isinstance(sid, str) for sid in carried):
        return None
    first = carried[0]
    return first if first and all(sid == first for sid in carried) else None


def carried_ids(events: Sequence[dict]) -> int:
    """How many different rrweb `sessionId`s the recording's events carry (text ones): more
    than one, and `recorded_session_id` uses none - the events are one session, named by a
    hash of their shape, which an import says."""
    return len({sid for sid in _carried(events) if isinstance(sid, str) and sid})


def _carried(events: Sequence[dict]) -> list:
    """The `sessionId` of each of the recording's events that carries one, as it is."""
    return [e["sessionId"] for e in _recorded(events) if "sessionId" in e]


def _recorded(events: Sequence[dict]) -> Iterable[dict]:
    """The events the recording made: a split's snapshot is ours, not the recording's; nor
    is `--user`'s identify event."""
    yield from (e for e in events[:2] if SYNTHETIC not in e)
    yield from (e for e in events[2:] if e.get(SYNTHETIC) != SYNTHETIC_USER)


def id_before_every_event(events: Sequence[dict], application: str | None = None, *,
                          hint: str | None = None) -> str | None:
    """The id a recording whose `sessionId` some of its events do not carry was stored
    under before those were left out of the choice (a hash: `hashed_session_id`), when
    that differs from its id now: compared by digest only (an import finds it again),
    never written. None for any other recording."""
    if hint or recorded_session_id(events) is None or every_event_carries_id(events):
        return None
    return hashed_session_id(events, application)


def every_event_carries_id(events: Sequence[dict]) -> bool:
    """Whether each event the recording made carries rrweb's legacy `sessionId` key."""
    return all("sessionId" in e for e in _recorded(events))


def derive_session_id(events: Sequence[dict], *, application: str | None = None,
                      hint: str | None = None, key: Callable[[], bytes] | None = None,
                      live: bool = False) -> tuple[str, str | None]:
    """A session's id, derived deterministically so importing the same file twice finds
    the same session instead of duplicating it - and the id the recording gives it as it
    gives it (None: it gives none). Both importers (ingest.prepare, the streamed
    `_StreamSession`) ask here.

    Choice: the recording's own id when it carries one consistently (rrweb's legacy
    `sessionId` key, the same on every event that has it, PostHog's/Sentry's ids passed as
    `hint`; made safe by
    `clean_id`), else a hash of the application and the shape of the session's first events
    (`hashed_session_id`: their types, times and sources identify a recording; hashing all
    of them would make a longer copy of the same recording a different session). `key`: the
    data folder's secret an id holding personal data is hashed with (`stored_id`); `live`:
    a live visit's id, which the intake took (`stored_id`)."""
    own = recorded_session_id(events, hint=hint)
    return (stored_id(own, key, live=live) if own is not None else
            hashed_session_id(events, application)), own


def personal_data_in(recorded_id: str, *, live: bool = False) -> list[str]:
    """What personal data a recording's own session id holds, by the detectors' kinds
    (a tool that keys sessions by the visitor's email; `cust-078-05-1120`, whose `-` the
    detectors read in text as a dashed order ref's): [] for an ordinary id. `live`: a live
    visit's, which is refused, not hashed (`detectors.in_id`)."""
    from .privacy.detectors import in_id

    return in_id(recorded_id, live=live)


def id_as_stored_in_events(recorded_id: str | None) -> str | None:
    """What the events' own `sessionId` field (rrweb's legacy key, the recording's id) is
    stored as when that id holds personal data: with it masked (`detectors.mask_id`,
    `cust-xxxxxxxxxxx`), whatever the rules, as the session's name is a hash of it - the
    detector pass reads the field as text, where a dashed `cust-078-05-1120` is an order
    ref's shape and stays. None: the field is stored as it is."""
    if recorded_id is None:
        return None
    from .privacy.detectors import mask_id

    shown = mask_id(recorded_id)   # (masked where `personal_data_in` finds anything: one scan)
    return None if shown == recorded_id else shown


def with_id_as_stored(events: list, recorded_id: str, shown: str) -> list:
    """`events` with each `sessionId` that is `recorded_id` replaced by `shown` (new dicts:
    the recording's own events are what its digest was made of)."""
    return [{**e, "sessionId": shown} if isinstance(e, dict) and e.get("sessionId") == recorded_id
            else e for e in events]


def stored_id(recorded_id: str, key: Callable[[], bytes] | None = None, *,
              live: bool = False) -> str:
    """The id a recording's own id is stored as: made safe (`clean_id`), or, when it holds
    personal data, a hash of it keyed with the data folder's secret (`key()`, asked only
    then; None: this process's own, `id_key.process_key`) - ids are file names, index keys
    and what exports and messages name, and no rule masks them, so personal data never
    becomes one; an unkeyed hash of an email would say whose session it is to anyone who
    hashes a list of emails. The detectors run whatever the rules say (a hashed id loses
    nothing a replay shows). `live`: a live visit's id, which the intake took - it refuses
    one holding personal data (`personal_data_in(..., live=True)`) and keeps the rest as they
    are, so every batch of the visit finds its session by it (a `t-4111111111111111`, a random
    number that reads as a card's, was hashed here: the next batches found no session)."""
    if personal_data_in(recorded_id, live=live):
        from .id_key import process_key
        return _personal_id(recorded_id, key() if key is not None else process_key())
    return clean_id(recorded_id)


def unkeyed_stored_id(recorded_id: str) -> str | None:
    """The name a recording's own id holding personal data was stored as before it was
    keyed (a hash of it alone), so an import finds such a session again; None for another
    id. Only ever compared with stored names, never written."""
    return _personal_id(recorded_id, b"") if personal_data_in(recorded_id) else None


def _personal_id(recorded_id: str, key: bytes) -> str:
    h = hashlib.blake2b(recorded_id.encode("utf-8", "surrogatepass"), digest_size=10, key=key)
    return f"session-{h.hexdigest()}"


def hashed_session_id(events: Sequence[dict], application: str | None = None) -> str:
    """The id of a session whose recording gives it none (see derive_session_id): a hash of
    the application and the shape of its first events - each one's type, time and source -
    and nothing they say. No text, attribute or value goes in, so the id of a masked session
    is no way to check a guess of what the rules masked (hash the guess in, compare); it is
    the same in every data folder, whatever the rules, so a file and a bundle made of it
    elsewhere are one session. (Two recordings are told apart by their times, to the ms.)"""
    h = hashlib.blake2b(digest_size=16, person=b"replay-shape-id")
    h.update((application or "").encode())
    # who imported it (`--user`'s identify event) does not make it another recording
    h.update(encode_msgpack([_shape(e) for e in events[:64]
                             if e.get(SYNTHETIC) != SYNTHETIC_USER]))
    d = h.hexdigest()
    return f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:32]}"


def _shape(e: dict) -> list:
    data = e.get("data")
    source = data.get("source") if isinstance(data, dict) else None
    return [e.get("type"), e.get("timestamp"), source if isinstance(source, int) else None]


def content_hashed_id(events: Sequence[dict], application: str | None = None) -> str:
    """The name a session whose recording gives no id was stored as before ids were made of
    its events' shape (`hashed_session_id`): a hash of its first events whole, as recorded.
    Only ever compared with stored names (an import finds such a session again), never
    written: it would let whoever holds the masked events check a guess of a masked value."""
    h = hashlib.blake2b(digest_size=16)
    h.update((application or "").encode())
    h.update(encode_msgpack([e for e in events[:64] if e.get(SYNTHETIC) != SYNTHETIC_USER]))
    d = h.hexdigest()
    return f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:32]}"


# A live session's later sessions (past a limit) are `<client id>.<first timestamp>`, the
# timestamp in epoch ms: 13 digits (from 2001 to 2286). A client's own id may hold dots, and
# digits after one (`a.b`, `order.7`, `v-2.7.8`): none of those is a continuation of another
# client's session, nor of its visit - only a dot and 13 digits at the end is (a client id
# that itself ends so is taken for one: the one form left ambiguous).
CONTINUED_DIGITS = 13
_CONTINUED = re.compile(rf"(.+)\.[0-9]{{{CONTINUED_DIGITS}}}")


def visit_of(session_id: str) -> str:
    """The visit a stored live session belongs to: the client's session id, before a
    continuation's `.<timestamp>` (`continued_id`). Of a client's id, the id itself."""
    m = _CONTINUED.fullmatch(session_id)
    return m.group(1) if m else session_id


def continued_id(sid: str, start_ms: float) -> str:
    """The id, as recorded, of a recording's later session (past a limit,
    `split_sessions`) from the recording's own id `sid`: `<id>.<its first timestamp>`, which
    `clean_id` makes safe - cut to 128 characters when `sid` is safe (as such ids were
    always stored), else rewritten as a whole."""
    whole = f"{sid}.{int(start_ms)}"
    return whole[:MAX_ID] if is_safe_id(sid) else whole


MAX_ID = 128   # characters of a session id (a live client's: 14 bytes fewer, wire.MAX_SESSION_ID)
REWRITTEN_HASH = 10   # hex digits of the original id a rewritten one ends with

# what a session id may keep: letters and digits (any script: `\w` is str.isalnum() and
# "_"), "-", "_", "."
_UNSAFE = re.compile(r"[^\w.\-]")
# a safe id: of those, 1 to MAX_ID, not "." first (not hidden, not "." or "..")
_SAFE = re.compile(rf"[\w\-][\w.\-]{{0,{MAX_ID - 1}}}")


# bytes of a file name on the common file systems (NAME_MAX): a session's folder is its id.
# An id of MAX_ID characters in another script can be more (128 CJK characters: 384 bytes)
NAME_BYTES = 255


def _fits(sid: str) -> bool:
    return sid.isascii() or len(sid.encode("utf-8", "surrogatepass")) <= NAME_BYTES


def is_safe_id(sid: str) -> bool:
    """Whether `sid` is usable as a file name as it is (`clean_id` keeps it)."""
    return _SAFE.fullmatch(sid) is not None and _fits(sid)


def clean_id(sid: str) -> str:
    """Session ids become file names: a safe id is kept as it is (the live intake takes
    only those); any other is rewritten to the safe alphabet and ends with a short hash of
    itself, `a b c` -> `a_b_c-<hash>`, so two ids that read alike once rewritten (`a/b/c`)
    never become one session. (A live batch asks three times: one pass in C, not a loop
    over the characters.)"""
    if is_safe_id(sid):
        return sid
    h = hashlib.blake2b(sid.encode("utf-8", "surrogatepass"),
                        digest_size=REWRITTEN_HASH // 2).hexdigest()
    base = _UNSAFE.sub("_", sid.strip()).lstrip(".")[:MAX_ID - REWRITTEN_HASH - 1]
    while not _fits(base + "-" + h):   # a long id in another script: cut to fit as a name
        base = base[:len(base) * 2 // 3]
    return f"{base or 'session'}-{h}"


def old_clean_id(sid: str) -> str:
    """What `clean_id` made of an id before rewritten ids ended with a hash (`a b c` and
    `a/b/c` were both `a_b_c`): an import finds a recording stored so before by it (and its
    input digest), and stores it no second time."""
    out = _UNSAFE.sub("_", sid.strip())[:MAX_ID]
    return out.lstrip(".") or "session"
