"""The intake's limits (Datadog's, see DESIGN.md "Sessions and limits").

Every rejection is a `LimitError` carrying a stable `code` (what the HTTP intake answers
as `error`), the `limit` that was exceeded and a message naming it. Checks run before
anything is written, so a rejected payload leaves the store untouched.

Two readings worth stating:
- "attributes in an event" and "attribute depth" are about one recorded thing, not the
  whole page: a full snapshot of an ordinary page holds thousands of DOM attributes and
  nests hundreds of levels deep through `childNodes`. So attributes are counted per node
  (an element's `attributes`, a mutation's attribute map) and, for Custom/Plugin payloads,
  as all the keys of the payload; depth is the JSON nesting depth of the event with each
  serialized DOM node measured from its own level (the DOM tree's structure is exempt).
- Imports of recordings from files are exempt from the payload size (a file is not a
  request) and from lateness, and an imported event may be bigger: a real page's full
  snapshot with its stylesheets inlined (fonts as data: URLs, a CSS framework) passes 1 MB
  often enough that a support engineer could not open a customer's rrweb recording at all.
  The 1 MB bound protects the intake from what anyone on the Internet may send; a file is
  one a person chose, so its events are held only to MAX_IMPORTED_EVENT_BYTES, which
  keeps an import within its 300 MB (an 8 MB snapshot of 86,000 nodes peaked at 156 MB).
  Every other per-event limit applies to imports too.
- Sanity, for live events and imports alike: a timestamp is epoch milliseconds between
  1970 and one day from now (a year-33714 event would be its own session that no calendar
  can show), and a recorded viewport (Meta, ViewportResize) is at most 16,384 px a side
  (the player lays the page out at that size).
- DOM depth: the tree's structure is exempt from the attribute depth, but not unbounded.
  Real pages nest a few hundred levels (rich editors, generated layouts, ~1,000 in the
  wild); every tree walk here is iterative, so the bound is set by the codecs (two
  JSON/MessagePack levels per DOM level, see `format.MAX_NESTING`): a serialized subtree
  deeper than MAX_DOM_DEPTH is refused by name, never a RecursionError.
- Integers: the store keeps MessagePack, whose integers are 64 bits; a JSON integer
  outside -2**63 .. 2**64-1 is refused by name (`integer_out_of_range`).
- Decompression: a compressed file or bundle may not expand without bound (a few MB of
  gzip/zstd/zip can claim or hold gigabytes). Decoding streams with a cap and names the
  limit when it is passed; see `decompressed_cap` and the byte limits below. The seed's
  own bound (10 M events x 1 MB) is terabytes, no use as a memory cap, so the cap is set
  from what real recordings do: rrweb JSON compresses 7-13x (gzip -9, zstd -19 --long),
  so MAX_EXPANSION allows ten times that; a floor lets small files expand freely up to
  DECOMPRESSED_FLOOR, and MAX_DECOMPRESSED_BYTES bounds any one file.
"""
from __future__ import annotations

from typing import IO, Any, Callable, Iterable, Sequence

import zlib

import msgspec
import msgspec.structs

from .format import MAX_NESTING, EventType, IncrementalSource, encode_json
from .jsonscan import JsonFacts, scan_json

MB = 1024 * 1024
MAX_EVENT_BYTES = 1 * MB              # one event, as JSON (the live intake's)
MAX_IMPORTED_EVENT_BYTES = 8 * MB     # one event of an imported file, as JSON (see above)
MAX_PAYLOAD_BYTES = 5 * MB            # one live request's events, as JSON
MAX_ATTRIBUTES = 1_000                # attributes of one node / keys of one payload
MAX_DEPTH = 20                        # JSON nesting depth (DOM tree structure exempt)
MAX_LATE_MS = 24 * 3600 * 1000        # a live event older than this is rejected
MAX_SESSION_EVENTS = 10_000_000       # events in one session
MAX_FUTURE_MS = 24 * 3600 * 1000      # an event stamped later than now plus this is refused
MAX_VIEWPORT_PX = 16_384              # a recorded viewport side (Chromium's largest texture)
MAX_DOM_DEPTH = 2_000                 # DOM levels in one serialized subtree
assert 2 * MAX_DOM_DEPTH + 2 * MAX_DEPTH < MAX_NESTING   # a refused event still decodes

INT_MIN, INT_MAX = -(1 << 63), (1 << 64) - 1   # what MessagePack stores

# Decompression (see the module docstring): a compressed input may expand to
# min(MAX_DECOMPRESSED_BYTES, max(DECOMPRESSED_FLOOR, MAX_EXPANSION x its size)).
MAX_EXPANSION = 100
DECOMPRESSED_FLOOR = 16 * MB
MAX_DECOMPRESSED_BYTES = 1024 * MB
MAX_MANIFEST_BYTES = 32 * MB          # a bundle's manifest.json (~100k segments)
MAX_DICTIONARY_BYTES = 16 * MB        # a zstd dictionary (the store trains 112 KB ones)
READ_CHUNK = 1 * MB


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    """The limit values in force; defaults are the module constants (tests pass small
    ones, e.g. `Limits(max_session_events=100)`)."""

    max_event_bytes: int = MAX_EVENT_BYTES
    max_imported_event_bytes: int = MAX_IMPORTED_EVENT_BYTES
    imported: bool = False    # held to what an import is (`for_import`)
    max_payload_bytes: int = MAX_PAYLOAD_BYTES
    max_attributes: int = MAX_ATTRIBUTES
    max_depth: int = MAX_DEPTH
    max_late_ms: int = MAX_LATE_MS
    max_session_events: int = MAX_SESSION_EVENTS
    max_future_ms: int = MAX_FUTURE_MS
    max_viewport_px: int = MAX_VIEWPORT_PX
    max_dom_depth: int = MAX_DOM_DEPTH

    def for_import(self) -> "Limits":
        """The limits an import of a file is held to (see the module docstring)."""
        return msgspec.structs.replace(self, max_event_bytes=self.max_imported_event_bytes,
                                       imported=True)


DEFAULT_LIMITS = Limits()
# For reading a file to play it (nothing is stored, so nothing to protect).
UNLIMITED = Limits(max_event_bytes=1 << 62, max_imported_event_bytes=1 << 62, max_payload_bytes=1 << 62, max_attributes=1 << 62,
                   max_depth=1 << 30, max_late_ms=1 << 62, max_session_events=1 << 62,
                   max_future_ms=1 << 62, max_viewport_px=1 << 62,
                   max_dom_depth=1 << 30)


# the limits about one event's own size or shape: its batch is fine without it (the intake's
# 400 names it, and capture.js sends the rest again) - not the limits of time, which a
# visitor's clock set wrong breaks for every event alike
ONE_EVENT_CODES = frozenset({"event_too_large", "dom_too_deep", "attribute_depth",
                             "integer_out_of_range", "too_many_attributes", "viewport_size"})


class LimitError(ValueError):
    """A payload over one of the limits. `code` is stable and machine-readable; `limit` the
    value exceeded; `index` the offending event's position in the payload, if one."""

    def __init__(self, code: str, limit: int, message: str, index: int | None = None,
                 http_status: int = 400):
        self.code = code
        self.limit = limit
        self.index = index
        self.http_status = http_status
        where = f"event #{index}: " if index is not None else ""
        super().__init__(f"{where}{message} (limit {code}: {limit})")

    def to_json(self) -> dict[str, Any]:
        return {"error": self.code, "message": str(self), "limit": self.limit}


# --- measuring ----------------------------------------------------------------------
def _depths(v: Any, cap: int) -> tuple[int, int]:
    """(JSON nesting depth with the DOM tree's structure exempt, deepest DOM nesting).
    Serialized nodes in a `childNodes` list sit at the level of the list's owner, one DOM
    level down. Iterative (DOMs nest deeper than Python's stack); stops descending a
    branch once past `cap` in either measure."""
    deepest = dom = 0
    stack: list[tuple[Any, int, int]] = [(v, 1, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        x, level, d = pop()
        if level > deepest:
            deepest = level
        if d > dom:
            dom = d
        if level > cap or d > cap:
            continue
        # exact types first (what JSON decodes to), isinstance only for the rare rest:
        # this walk runs over nearly every event of an import
        if type(x) is dict or (type(x) is not list and isinstance(x, dict)):
            for k, y in x.items():
                ty = type(y)
                if ty is str or ty is int or y is None:
                    continue
                if ty is list and k == "childNodes" or (
                        k == "childNodes" and ty is not dict and isinstance(y, list)):
                    for c in y:
                        if type(c) is dict or type(c) is list or isinstance(c, (dict, list)):
                            push((c, level, d + 1))
                elif ty is dict or ty is list or isinstance(y, (dict, list)):
                    push((y, level + 1, d))
        else:
            down = level + 1
            for y in x:
                ty = type(y)
                if ty is dict:
                    # a list's items are mostly small maps of scalars (a mutation's removes,
                    # adds, attribute changes): walked here, not pushed and popped - the
                    # same accounting as the dict branch above, one level down
                    if down > deepest:
                        deepest = down
                    if down > cap:
                        continue
                    for k, z in y.items():
                        tz = type(z)
                        if tz is str or tz is int or z is None:
                            continue
                        if tz is list and k == "childNodes" or (
                                k == "childNodes" and tz is not dict and isinstance(z, list)):
                            for c in z:
                                if type(c) is dict or type(c) is list or \
                                        isinstance(c, (dict, list)):
                                    push((c, down, d + 1))
                        elif tz is dict or tz is list or isinstance(z, (dict, list)):
                            push((z, down + 1, d))
                elif ty is list or (ty is not str and ty is not int
                                    and isinstance(y, (dict, list))):
                    push((y, down, d))
    return deepest, dom


def event_depth(event: Any, cap: int = 10_000) -> int:
    """JSON nesting depth: a flat object is 1, an object in an object 2, ..."""
    return _depths(event, cap)[0] if isinstance(event, (dict, list)) else 0


def dom_depth(event: Any, cap: int = 10_000) -> int:
    """How many DOM levels the event's serialized nodes nest (a lone node is 1)."""
    return _depths(event, cap)[1] if isinstance(event, (dict, list)) else 0


def out_of_range_at(v: Any) -> tuple[str, int] | None:
    """The first integer of `v` (in the JSON text's order) no 64-bit integer holds, with
    where it is (`timestamp`, `data.payload.n`, `data.adds[2].node.id`), None if none. Each
    value carries a link to its parent's place, the path is written for the one found only
    (a path string per value cost a DOM's depth in every node of a deep snapshot)."""
    stack: list[tuple[Any, Any]] = [(v, None)]
    while stack:
        x, where = stack.pop()
        if type(x) is int:
            if not INT_MIN <= x <= INT_MAX:
                return _path(where), x
        elif isinstance(x, dict):
            stack.extend((y, (where, k)) for k, y in reversed(list(x.items())))
        elif isinstance(x, list):
            stack.extend((y, (where, i)) for i, y in reversed(list(enumerate(x))))
    return None


PATH_SAID_CHARS = 120   # a path in a message, at most (a key may be any length)


def _path(where: Any) -> str:
    parts: list[str] = []
    while where is not None:
        where, k = where
        parts.append(f"[{k}]" if type(k) is int else f".{k}")
    path = "".join(reversed(parts)).removeprefix(".")
    return path if len(path) <= PATH_SAID_CHARS else path[:PATH_SAID_CHARS] + "…"


def _big_integer_said(path: str, big: int) -> str:
    """An integer beyond 64 bits, said by where it is in the event: a support engineer
    reading "event holds the integer 1000...(33 digits)" could not tell which field."""
    said = (f"its {path or 'value'}, {_short(big)}, is beyond the numbers a recording can"
            " store (64-bit integers)")
    if path == "timestamp":   # the one field every event has, and what a person can check
        said += " - a timestamp is epoch milliseconds, 13 digits today"
    return said


def _count_keys(v: Any) -> int:
    n = 0
    stack = [v]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            n += len(x)
            stack.extend(y for y in x.values() if isinstance(y, (dict, list)))
        elif isinstance(x, list):
            stack.extend(y for y in x if isinstance(y, (dict, list)))
    return n


def _node_max_attributes(node: Any) -> int:
    best = 0
    stack = [node]
    while stack:
        n = stack.pop()
        if not isinstance(n, dict):
            continue
        attrs = n.get("attributes")
        if isinstance(attrs, dict) and len(attrs) > best:
            best = len(attrs)
        kids = n.get("childNodes")
        if isinstance(kids, list):
            stack.extend(kids)
    return best


def event_attribute_count(event: dict) -> int:
    """The largest attribute count of one thing in the event (see module docstring)."""
    t = event.get("type")
    data = event.get("data")
    if not isinstance(data, dict):
        return 0
    if t == EventType.FullSnapshot:
        return _node_max_attributes(data.get("node"))
    if t == EventType.IncrementalSnapshot:
        if data.get("source") == IncrementalSource.Mutation:
            best = 0
            for a in data.get("attributes") or ():
                if isinstance(a, dict) and isinstance(a.get("attributes"), dict):
                    best = max(best, len(a["attributes"]))
            for a in data.get("adds") or ():
                if isinstance(a, dict):
                    best = max(best, _node_max_attributes(a.get("node")))
            return best
        return _count_keys(data)
    if t in (EventType.Custom, EventType.Plugin):
        return _count_keys(data.get("payload"))
    return _count_keys(data)


# --- checking -----------------------------------------------------------------------
def facts_pass(facts: JsonFacts, limits: Limits) -> bool:
    """Whether an event's JSON facts (`jsonscan.scan_json` of a text within the size limit)
    pass every per-event test `check_event` makes of them - nesting, a 64-bit integer's
    digits, attributes: then nothing of the event is walked. The one statement of those
    tests, for `check_event` and a streaming import's `checked_events` alike: a per-event
    limit added to `check_event` goes here too, or no streamed event meets it."""
    return facts.depth <= min(limits.max_depth, limits.max_dom_depth) and \
        not facts.long_number and facts.colons <= limits.max_attributes


def check_event(event: dict, encoded: bytes, index: int | None, limits: Limits
                ) -> JsonFacts | None:
    """Per-event limits. `encoded` is the event's JSON (its size on the wire). Returns what
    the one pass over that text found (`jsonscan.scan_json`, None where it did not run),
    for the privacy pass to read instead of passing over the text again."""
    if len(encoded) > limits.max_event_bytes:
        raise LimitError("event_too_large", limits.max_event_bytes,
                         f"event is {len(encoded):,} bytes, over the {limits.max_event_bytes:,}"
                         " byte size limit of " + ("an imported event" if limits.imported
                                                   else "an event"), index)
    # Cheap pre-checks on the JSON text: nesting deeper than N needs more than N opening
    # brackets (or N nested ones), and more than N attributes need more than N colons.
    # Told by one compiled pass (jsonscan) where there is one, else by bytes methods.
    facts = scan_json(encoded)
    if facts is not None and facts_pass(facts, limits):
        return facts
    if facts is None:
        deep = encoded.count(b"{") + encoded.count(b"[") > limits.max_depth and \
            not nests_at_most(encoded, min(limits.max_depth, limits.max_dom_depth))
        # a 64-bit integer has at most 20 digits (a regex costs ten times more)
        long_number = _NINETEEN in encoded.translate(_DIGITS_ONLY)
        keys = encoded.count(b":")
    else:
        deep = facts.depth > min(limits.max_depth, limits.max_dom_depth)
        long_number = facts.long_number   # among the numbers, not the strings
        keys = facts.colons               # outside strings
    if deep:
        depth, dom = _depths(event, cap=max(limits.max_depth, limits.max_dom_depth) + 1)
        if dom > limits.max_dom_depth:
            raise LimitError("dom_too_deep", limits.max_dom_depth,
                             f"event holds a DOM {dom:,}+ levels deep, over the limit of"
                             f" {limits.max_dom_depth:,} levels", index)
        if depth > limits.max_depth:
            raise LimitError("attribute_depth", limits.max_depth,
                             f"event nests {depth}+ levels deep, over the attribute depth"
                             f" limit of {limits.max_depth}", index)
    # only events with a run of digits as long as a 64-bit integer's are walked
    if long_number:
        found = out_of_range_at(event)
        if found is not None:
            raise LimitError("integer_out_of_range", 64, _big_integer_said(*found), index)
    if keys > limits.max_attributes:
        count = event_attribute_count(event)
        if count > limits.max_attributes:
            raise LimitError("too_many_attributes", limits.max_attributes,
                             f"event has {count:,} attributes, over the limit of"
                             f" {limits.max_attributes:,} attributes per event", index)
    return facts


# JSON text -> its brackets as `(` and `)` and its quotes, everything else deleted
_BRACKETS = bytes(40 if i in b"[{" else 41 if i in b"]}" else i for i in range(256))
_NOT_BRACKETS = bytes(i for i in range(256) if i not in b'[]{}"')


def nests_at_most(encoded: bytes, n: int) -> bool:
    """True when the JSON text `encoded` nests at most `n` brackets deep - then neither its
    attribute depth nor its DOM depth (`_depths`, which only ever count fewer levels) is
    over `n`. Told in C, without decoding: the text is cut down to its brackets and quotes,
    and rounds of deleting empty pairs `()` empty it within `n` rounds exactly when it
    nests at most `n` deep. Only brackets outside strings may count, so the answer is True
    only when no string holds one: a string without brackets leaves `""` (deleted), and
    the first string that holds one leaves a quote behind. An escaped quote (`\\"`) could
    pair quotes otherwise: such a text is not told here (False: the walk decides)."""
    if b'\\"' in encoded:
        return False
    b = encoded.translate(_BRACKETS, _NOT_BRACKETS).replace(b'""', b"")
    if b'"' in b:
        return False
    for _ in range(n):
        if not b:
            return True
        b = b.replace(b"()", b"")
    return not b


_DIGITS_ONLY = bytes(48 if 48 <= i <= 57 else 120 for i in range(256))   # digit -> "0"
_NINETEEN = b"0" * 19


def _short(n: int) -> str:
    text = str(n)
    return text if len(text) <= 30 else f"{text[:12]}...({len(text)} digits)"


def check_late(event: dict, index: int, now_ms: float, limits: Limits) -> None:
    age = now_ms - event["timestamp"]
    if age > limits.max_late_ms:
        raise LimitError("event_too_late", limits.max_late_ms,
                         f"event arrived {age / 3_600_000:.1f} h after it happened, later than"
                         f" the {limits.max_late_ms // 3_600_000} h limit for live events", index)


def check_timestamp(event: dict, index: int, now_ms: float, limits: Limits) -> None:
    ts = event["timestamp"]
    latest = now_ms + limits.max_future_ms
    if not 0 <= ts <= latest:   # also false for NaN
        raise LimitError("timestamp_out_of_range", limits.max_future_ms,
                         f"event timestamp {ts!r} is not epoch milliseconds between 1970 and"
                         f" {limits.max_future_ms // 3_600_000} h from now", index)


_META = int(EventType.Meta)
_INCREMENTAL = int(EventType.IncrementalSnapshot)
_VIEWPORT_RESIZE = int(IncrementalSource.ViewportResize)


def check_viewport(event: dict, index: int, limits: Limits) -> None:
    """A recorded viewport size (Meta / ViewportResize `width`, `height`) is a number of
    pixels from 0 to `max_viewport_px`."""
    t = event.get("type")
    if t != _INCREMENTAL and t != _META:   # most events: one comparison of plain ints each
        return
    data = event.get("data")
    if not isinstance(data, dict) or (t != _META and data.get("source") != _VIEWPORT_RESIZE):
        return
    for side in ("width", "height"):
        v = data.get(side)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) \
                or not 0 <= v <= limits.max_viewport_px:
            raise LimitError("viewport_size", limits.max_viewport_px,
                             f"recorded viewport {side} {v!r} is not a number of pixels from 0"
                             f" to {limits.max_viewport_px:,}", index)


def check_payload(total_bytes: int, limits: Limits) -> None:
    if total_bytes > limits.max_payload_bytes:
        raise LimitError("payload_too_large", limits.max_payload_bytes,
                         f"payload is {total_bytes:,} bytes, over the {limits.max_payload_bytes:,}"
                         " byte payload limit", None, http_status=413)


def checked_events(events: Iterable[tuple[int, dict]], now_ms: float, limits: Limits
                   ) -> list[tuple[dict, bytes, JsonFacts | None]]:
    """A streaming import's checks of each (index, event): `check_event` on its JSON, then
    `check_timestamp` and `check_viewport`, the first limit passed raised as each says it -
    (event, its JSON, `check_event`'s facts) of each, without a call per event for the
    checks most events pass by one comparison."""
    out = []
    append = out.append
    latest = now_ms + limits.max_future_ms
    inc, meta = _INCREMENTAL, _META
    max_bytes = limits.max_event_bytes
    for k, e in events:
        enc = encode_json(e)
        # check_event's own tests of the text's facts: an event none of them stops is
        # passed with them, the others are checked (and refused) as check_event says
        facts = scan_json(enc) if len(enc) <= max_bytes else None
        if facts is None or not facts_pass(facts, limits):
            facts = check_event(e, enc, k, limits)
        if not 0 <= e["timestamp"] <= latest:   # (check_timestamp's test: also NaN)
            check_timestamp(e, k, now_ms, limits)
        t = e.get("type")
        if t == inc or t == meta:   # (check_viewport's first test)
            check_viewport(e, k, limits)
        append((e, enc, facts))
    return out


def check_session_size(count: int, limits: Limits, session_id: str | None = None) -> None:
    if count > limits.max_session_events:
        who = f"session {session_id} " if session_id else "session "
        raise LimitError("session_too_many_events", limits.max_session_events,
                         f"{who}would hold {count:,} events, over the limit of"
                         f" {limits.max_session_events:,} events per session")


def encode_all(events: Sequence[dict]) -> list[bytes]:
    return [encode_json(e) for e in events]


# --- decompression ------------------------------------------------------------------
def decompressed_cap(compressed_bytes: int) -> int:
    """How many bytes a compressed input of this size may expand to."""
    return min(MAX_DECOMPRESSED_BYTES, max(DECOMPRESSED_FLOOR, MAX_EXPANSION * compressed_bytes))


ZLIB_FEED = 1 << 16   # compressed bytes handed to an inflater at a time


def inflate_zlib(data: bytes, start: int, cap: int, what: str, over: str
                 ) -> tuple[bytes, int, str | None]:
    """The zlib stream at `data[start:]` (one of several, one after another, as Sentry and
    Datadog upload segments): (what it holds, where in `data` it ends, what is wrong with it -
    corrupt or cut off, said of `what` - or None). Fed `ZLIB_FEED` bytes at a time and
    inflated `READ_CHUNK` at a time, so the rest of `data` is never copied (many streams read
    in linear time) and a bomb costs a chunk of memory; past `cap` bytes out it is refused
    (LimitError, its message `over`)."""
    d, out, n, i = zlib.decompressobj(), [], 0, start
    view = memoryview(data)
    try:
        while i < len(data) and not d.eof:
            buf = view[i:i + ZLIB_FEED]
            i += len(buf)
            while True:
                piece = d.decompress(buf, READ_CHUNK)
                n += len(piece)
                if n > cap:
                    raise LimitError("decompressed_too_large", cap, over)
                out.append(piece)
                buf = d.unconsumed_tail
                if d.eof or not buf and len(piece) < READ_CHUNK:
                    break
    except zlib.error as exc:
        return b"", len(data), f"{what}'s zlib stream is corrupt ({exc})"
    if not d.eof:
        return b"", len(data), f"{what}'s zlib stream is cut off (the file was truncated)"
    return b"".join(out), i - len(d.unused_data), None


def expanded_size(open_stream: Callable[[], IO[bytes]], cap: int) -> int | None:
    """How many bytes a decompressing stream yields, or None once past `cap`; read in
    bounded chunks and dropped, so a bomb costs one chunk of memory whatever it holds."""
    with open_stream() as stream:
        n = 0
        while chunk := stream.read(READ_CHUNK):
            n += len(chunk)
            if n > cap:
                return None
    return n


def read_capped(open_stream: Callable[[], IO[bytes]], cap: int) -> bytearray | None:
    """All of a decompressing stream, or None if it yields more than `cap` bytes: measured
    first (`expanded_size`), then read again and kept, never trusting what it declares."""
    if expanded_size(open_stream, cap) is None:
        return None
    out = bytearray()
    with open_stream() as stream:
        while chunk := stream.read(min(READ_CHUNK, cap + 1 - len(out))):
            out += chunk
            if len(out) > cap:
                return None
    return out
