"""The intake wire protocol: from request bytes to a checked batch, or a `WireError`.

    POST /v1/events?app=APP_ID          Authorization: Bearer TOKEN  (or &token= for sendBeacon)
    Content-Encoding: gzip | deflate | zstd   (optional; a deflate body may be compressed
                                             against the application's shared dictionary:
                                             intake/dictionary.py, 409 unknown_dictionary)
    or &encoding=deflate in the URL            (sendBeacon's way: it sets no header; decoded
                                             as Content-Encoding: deflate is, dictionary too;
                                             `request_encoding`)
    {"session_id": "...", "batch_id"?: "...", "view_id"?: "...", "after"?: "...",
     "user"?: {"id","name","email"}, "context"?: {...}, "events": [...]}
    or, a compact@4 (or later) batch, its fields as an array (compact.BODY_FIELDS):
    ["compact@6", session_id, batch_id, events, strings?, user?, context?, after?, rules?]
    (`rules`: the digest of the rules the page masked with, as `replay app rules NAME --json`
    gave them to capture.js - the intake says in its log when they are not the ones it masks
    the application's batches with: a page's copy gone stale)

The session is stored under `session_id` as sent: 1 to 114 bytes (UTF-8) usable as a file name
(letters, digits, '-', '_', '.', not first; `sessions.clean_id` leaves it as it is), else 400.

`context` and `user` are held to what an event is (DESIGN.md's limits), else 400 and nothing
stored: `context` nests at most 20 levels (`attribute_depth`), holds 64-bit integers only
(`integer_out_of_range`) and is at most 64 KB as JSON (`context_too_large`); each of `user`'s
id, name and email is at most 1 KB (`user_too_large`). A body nested thousands of levels
anywhere (an unknown field too) is `attribute_depth`, never a 503.

Retries store nothing twice - the batch id:
1. `batch_id` is a string of 1 to 64 characters the sender picks, unique within its
   `session_id` (capture.js: a random page id and a counter). It is a body field, not a
   header, because sendBeacon cannot set headers.
2. A sender that gets no answer (timeout, 5xx, 429, a dropped connection) sends the same
   batch again - the same events, the same batch_id.
3. The intake remembers each accepted batch id per application and session in the index
   transaction that stores the batch's segments: after any crash a batch id is either
   remembered together with its events, or neither is. The batch's first segment names
   it in its header too, so an index rebuilt from the segment files knows it as well.
4. A batch id seen before with the same events (the digest of the decoded events, so a
   compact retry matches) is answered 202 with the same `accepted` count, storing
   nothing; the same id with other events is 409 `batch_id_reused`. The digest is keyed
   with a key that lives only in the running server (nothing on disk can check a guess at
   a masked value): a batch id remembered before digests were kept, or by a server
   started earlier, is compared by its event count only.
5. Without `batch_id` every request is stored: a retried batch is stored twice.
6. A `batch_id` `<page>.<n>` follows `<page>.<n-1>`, and a batch naming `after` follows that
   batch (capture.js: a page's first batch names the last batch of the visit's previous page):
   the intake stores it after that one, holding it a few seconds at most (order.py says how).

Every refusal is a `WireError` with the HTTP status, a stable `code` (the JSON `error`), a
message saying what to do, and the `limit` when one was exceeded. Decompression stops at
the body limit, so a small compressed body cannot expand into a large one.
"""
from __future__ import annotations

import enum
import zlib
from functools import partial
from typing import Any, Callable

import msgspec
import zstandard

from ..limits import ONE_EVENT_CODES, LimitError, Limits, out_of_range_at
from ..sessions import CONTINUED_DIGITS, MAX_ID, clean_id, personal_data_in
from . import compact

ENVELOPE_BYTES = 64 * 1024   # room for session_id, user and context beside the events' limit
# RFC 1950's header: CMF's low nibble (CM) is the method (zlib.DEFLATED), CMF*256+FLG a multiple
# of 31 (FCHECK), FLG's FDICT bit says a 4-byte DICTID follows the two bytes
ZLIB_CM, ZLIB_FCHECK, ZLIB_FDICT, ZLIB_DICT_HEADER = 0x0F, 31, 0x20, 6
UNKNOWN_DICTIONARY = "unknown_dictionary"   # a body against a shared dictionary it no longer has
# zstd input fed per step: one piece may expand ~32,000x (zstd's repeated-byte blocks:
# 1 KB of input made 32 MB), so a bomb holds at most the cap plus one piece's output
ZSTD_PIECE = 1024


class Status(enum.IntEnum):
    ACCEPTED = 202
    NO_CONTENT = 204
    NOT_MODIFIED = 304
    BAD_REQUEST = 400
    UNAUTHORIZED = 401
    FORBIDDEN = 403
    NOT_FOUND = 404
    METHOD_NOT_ALLOWED = 405
    REQUEST_TIMEOUT = 408
    CONFLICT = 409
    GONE = 410
    PAYLOAD_TOO_LARGE = 413
    UNSUPPORTED_MEDIA_TYPE = 415
    TOO_MANY_REQUESTS = 429
    HEADERS_TOO_LARGE = 431
    UNAVAILABLE = 503


class WireError(Exception):
    """A refusal: `status`, `code` and `message` (and `limit`) are the sender's answer;
    `operator` is what the intake's log adds for its operator, never sent (the sender may be
    anyone), and `app_id` the application it concerns (its refusals are then said once a
    minute per application: one site's does not hide another's)."""

    def __init__(self, status: Status, code: str, message: str, limit: int | None = None, *,
                 operator: str | None = None, app_id: str | None = None,
                 event: int | None = None):
        self.status = status
        self.code = code
        self.limit = limit
        self.operator = operator
        self.app_id = app_id
        # the batch's event (its position in `events`) that alone broke a limit: the sender
        # may send the batch again without it (capture.js does) - the rest is not lost
        self.event = event
        super().__init__(message)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.code, "message": str(self)}
        if self.limit is not None:
            out["limit"] = self.limit
        if self.event is not None:
            out["event"] = self.event
        return out

    @classmethod
    def from_limit(cls, exc: LimitError) -> "WireError":
        return cls(Status(exc.http_status), exc.code, str(exc), exc.limit,
                   event=exc.index if exc.code in ONE_EVENT_CODES else None)


class User(msgspec.Struct, forbid_unknown_fields=False):
    id: str | None = None
    name: str | None = None
    email: str | None = None


class Batch(msgspec.Struct, kw_only=True):
    session_id: str
    events: list[Any]
    batch_id: str | None = None
    view_id: str | None = None
    user: User | None = None
    context: dict[str, Any] | None = None
    encoding: str | None = None        # "compact@6" (or @5 ... @1): capture.js's compact form (compact.py)
    strings: list[str] | None = None   # the compact form's interned names
    after: str | None = None           # the batch of the visit's previous page it follows (order.py)
    rules: str | None = None           # the digest of the rules the page masked with (Rules.digest)

    def user_dict(self) -> dict | None:
        if self.user is None:
            return None
        return {k: v for k, v in msgspec.structs.asdict(self.user).items() if v} or None


class _ArrayBatch(msgspec.Struct, array_like=True):
    """A compact@4 batch's body as an array (compact.BODY_FIELDS: the same order)."""
    encoding: str
    session_id: str
    batch_id: str | None
    events: list[Any]
    strings: list[str] | None = None
    user: User | None = None
    context: dict[str, Any] | None = None
    after: str | None = None
    rules: str | None = None

    def batch(self) -> Batch:
        return Batch(session_id=self.session_id, events=self.events, batch_id=self.batch_id,
                     user=self.user, context=self.context, encoding=self.encoding,
                     strings=self.strings, after=self.after, rules=self.rules)


class _Wire(msgspec.Struct):
    """The events of a batch as the bytes they were sent as (`msgspec.Raw`: no copy)."""
    events: list[msgspec.Raw]


SAID_CHARS = 64          # what a refusal quotes of a value the sender chose, at most
MAX_USER_FIELD = 1024    # bytes (UTF-8) of a user's id, name or email
MAX_CONTEXT_BYTES = 64 * 1024   # a batch's context, as JSON


def said(value: str) -> str:
    """A value the sender chose, as a refusal quotes it: cut to SAID_CHARS (a refusal is
    logged and shown in a console; a megabyte of header came back whole)."""
    return repr(value[:SAID_CHARS]) + ("..." if len(value) > SAID_CHARS else "")


_BATCH = msgspec.json.Decoder(Batch)
_ARRAY_BATCH = msgspec.json.Decoder(_ArrayBatch)
_WIRE = msgspec.json.Decoder(_Wire)
# a visit's later sessions are `<id>.<13 digits>` (sessions.continued_id), and a stored id is
# at most MAX_ID: an id longer than this had its continuations' timestamps cut short - no
# longer read as its own, every later batch of the visit was refused (a reviewer's find)
MAX_SESSION_ID = MAX_ID - 1 - CONTINUED_DIGITS
MAX_BATCH_ID = 64


def max_body_bytes(limits: Limits) -> int:
    return limits.max_payload_bytes + ENVELOPE_BYTES


def too_large(limits: Limits, size: str) -> WireError:
    return WireError(Status.PAYLOAD_TOO_LARGE, "payload_too_large",
                     f"the request body is {size}, over the {limits.max_payload_bytes:,} byte"
                     " payload limit - send the events in smaller batches",
                     limits.max_payload_bytes)


def _inflate(body: bytes, wbits: int, cap: int, name: str, zdict: bytes | None = None) -> bytes:
    d = zlib.decompressobj(wbits, zdict=zdict) if zdict is not None else zlib.decompressobj(wbits)
    try:
        out = d.decompress(body, cap + 1)
    except zlib.error as exc:
        raise _bad_encoding(name, str(exc)) from None
    if len(out) > cap:
        raise OverflowError
    if not d.eof:
        raise _bad_encoding(name, "the compressed data ends early (cut off?)")
    return out


def _unzstd(body: bytes, cap: int) -> bytes:
    d = zstandard.ZstdDecompressor().decompressobj()
    out = bytearray()
    try:
        # fed in small pieces, so what one piece expands to is bounded before we measure
        for i in range(0, len(body), ZSTD_PIECE):
            out += d.decompress(body[i:i + ZSTD_PIECE])
            if len(out) > cap:
                raise OverflowError
    except zstandard.ZstdError as exc:
        raise _bad_encoding("zstd", str(exc)) from None
    if not d.eof:
        raise _bad_encoding("zstd", "the compressed data ends early (cut off?)")
    return bytes(out)


def _bad_encoding(name: str, detail: str) -> WireError:
    return WireError(Status.BAD_REQUEST, "bad_encoding",
                     f"the body is not valid {name} data ({detail}) - send it whole, or"
                     " uncompressed")


def preset_dictionary_id(body: bytes) -> int | None:
    """The DICTID of a zlib stream whose header says it was compressed against a preset
    dictionary (RFC 1950: FDICT, capture.js's shared dictionary - intake/dictionary.py),
    else None."""
    if len(body) < ZLIB_DICT_HEADER or body[0] & ZLIB_CM != zlib.DEFLATED \
            or (body[0] << 8 | body[1]) % ZLIB_FCHECK or not body[1] & ZLIB_FDICT:
        return None
    return int.from_bytes(body[2:ZLIB_DICT_HEADER], "big")


def _with_dictionary(body: bytes, cap: int, zdict: bytes) -> bytes:
    return _inflate(body, zlib.MAX_WBITS, cap, "deflate", zdict)


def _deflate(body: bytes, cap: int) -> bytes:
    # HTTP's "deflate" is zlib-wrapped (what CompressionStream("deflate") makes); some
    # clients send raw deflate: accept both
    try:
        return _inflate(body, zlib.MAX_WBITS, cap, "deflate")
    except WireError:
        return _inflate(body, -zlib.MAX_WBITS, cap, "deflate")


_DECODERS = {
    "identity": lambda body, cap: body,
    "gzip": lambda body, cap: _inflate(body, zlib.MAX_WBITS | 16, cap, "gzip"),
    "x-gzip": lambda body, cap: _inflate(body, zlib.MAX_WBITS | 16, cap, "gzip"),
    "deflate": _deflate,
    "zstd": _unzstd,
}


QUERY_ENCODINGS = ("deflate",)   # what `&encoding=` may say: what capture.js's beacons send


def request_encoding(header: str | None, query: str | None) -> str | None:
    """The encoding a request's body is in: its Content-Encoding header, or the URL's
    `encoding` parameter - sendBeacon cannot set a header, and pagehide cannot wait for the
    browser's async CompressionStream, so capture.js compresses a beacon's body itself and
    says so in the URL. Only `deflate` there (zlib, a shared dictionary's FDICT stream too);
    both given and different is a sender's mistake, refused rather than guessed at."""
    if query is None:
        return header
    name = query.strip().lower()
    if name not in QUERY_ENCODINGS:
        raise WireError(Status.UNSUPPORTED_MEDIA_TYPE, "unsupported_encoding",
                        f"encoding={query[:40]!r} in the URL is not supported - send"
                        f" {' or '.join(QUERY_ENCODINGS)}, or no encoding parameter")
    given = (header or "").strip().lower()
    if given and given != name:
        raise WireError(Status.BAD_REQUEST, "conflicting_encoding",
                        f"the URL says encoding={name} but Content-Encoding says"
                        f" {header[:40]!r} - say the body's encoding once")
    return name


def decode_body(body: bytes, encoding: str | None, limits: Limits) -> Batch:
    """The batch in a request body (the texts a compact one names by digest left as
    placeholders: see decode_request). Raises WireError."""
    return decode_request(body, encoding, limits)[0]


def decode_request(body: bytes, encoding: str | None, limits: Limits,
                   user_agent: str | None = None,
                   dictionary: Callable[[int], bytes | None] | None = None,
                   ) -> tuple[Batch, list[bytes] | None, compact.Texts | None]:
    """The batch in a request body; each of its events' JSON as it was sent - what the
    limits measure, and what validation decodes straight into the event Structs
    (`LiveIntake.accept(encoded=)`), None for a compact batch, whose events are rebuilt;
    and the long texts a compact batch declares and names (`expand`), None when it has
    none. `user_agent`: the request's User-Agent header (a compact@5 or later batch leaves the
    browser's to it). `dictionary`: the application's shared dictionary of an id (None: it
    has none of that id), for a deflate body compressed against one. Raises WireError."""
    name = (encoding or "identity").strip().lower() or "identity"
    decoder = _DECODERS.get(name)
    if decoder is None:
        raise WireError(Status.UNSUPPORTED_MEDIA_TYPE, "unsupported_encoding",
                        f"Content-Encoding {said(encoding or '')} is not supported - send gzip, deflate,"
                        " zstd or no encoding")
    cap = max_body_bytes(limits)
    dict_id = preset_dictionary_id(body) if name == "deflate" else None
    if dict_id is not None:
        shared = dictionary(dict_id) if dictionary is not None else None
        if shared is None:
            raise WireError(Status.CONFLICT, UNKNOWN_DICTIONARY,
                            f"the body was compressed against dictionary {dict_id:08x}, which"
                            " this intake does not have (any more) - send it again without")
        decoder = partial(_with_dictionary, zdict=shared)
    try:
        raw = decoder(body, cap)
    except OverflowError:
        raise too_large(limits, f"over {cap:,} bytes once decompressed") from None
    if len(raw) > cap:
        raise too_large(limits, f"{len(raw):,} bytes")
    if not raw.strip():   # (msgspec says "Input data was truncated")
        raise WireError(Status.BAD_REQUEST, "malformed", 'the body is empty - send'
                        ' {"session_id": "...", "events": [...]}')
    array = raw[:1] == b"["   # compact@4's body as an array (JSON.stringify writes no space first)
    try:
        batch = _ARRAY_BATCH.decode(raw).batch() if array else _BATCH.decode(raw)
    except RecursionError:   # thousands of levels (anywhere: context, an unknown field...)
        raise too_deep(limits, "the body") from None
    except msgspec.ValidationError as exc:
        raise WireError(Status.BAD_REQUEST, "malformed",
                        f"the body is not an events batch ({exc}) - send"
                        ' {"session_id": "...", "events": [...]}') from None
    except msgspec.DecodeError as exc:
        raise WireError(Status.BAD_REQUEST, "malformed",
                        f"the body is not valid JSON ({exc})") from None
    if array and compact.VERSIONS.get(batch.encoding or "", 0) < compact.ARRAY_BODY_VERSION:
        raise WireError(Status.BAD_REQUEST, "malformed",
                        f"a batch as an array is compact@{compact.ARRAY_BODY_VERSION}'s, not"
                        f" {str(batch.encoding)[:40]!r}'s - send"
                        ' {"session_id": "...", "events": [...]}')
    sid = batch.session_id.strip()
    # bytes, not characters: the id is a folder's name, and a file system's names are 255
    # bytes (86 3-byte letters were "File name too long": a 503, retried for ever)
    if not sid or len(sid.encode("utf-8", "surrogatepass")) > MAX_SESSION_ID:
        raise WireError(Status.BAD_REQUEST, "malformed",
                        f"session_id must be 1 to {MAX_SESSION_ID} bytes (UTF-8)",
                        MAX_SESSION_ID)
    personal = personal_data_in(batch.session_id, live=True)
    if personal:
        # an import stores such an id under a hash of it (sessions.stored_id); a live visit's
        # batches would each look for a session under the id as sent and find none: its first
        # batch stored, every later one refused with a 503, retried for ever. Said without
        # the id: the message is personal data's only way back (asked first: the
        # file-name refusal quotes the id, `ssn:078-05-1120`)
        raise WireError(Status.BAD_REQUEST, "malformed",
                        f"session_id holds personal data ({', '.join(personal)}) - send a"
                        " random id that names no one (capture.js makes one)")
    # (after the personal data check: an e-mail is not usable either, and is not said back)
    if clean_id(batch.session_id) != batch.session_id:
        # stored under a made-safe name, "a/b" would be "a_b"'s session
        raise WireError(Status.BAD_REQUEST, "malformed",
                        f"session_id {batch.session_id[:40]!r} is not usable as a file name -"
                        " use letters, digits, '-', '_' and '.' (not first), no spaces")
    if batch.after is not None and not 0 < len(batch.after) <= MAX_BATCH_ID:
        raise WireError(Status.BAD_REQUEST, "malformed",
                        f"after must be a batch_id: 1 to {MAX_BATCH_ID} characters")
    if batch.batch_id is not None and not 0 < len(batch.batch_id) <= MAX_BATCH_ID:
        raise WireError(Status.BAD_REQUEST, "malformed",
                        f"batch_id must be 1 to {MAX_BATCH_ID} characters")
    if not batch.events:
        raise WireError(Status.BAD_REQUEST, "malformed", "the batch has no events")
    check_envelope(batch, limits)
    if batch.encoding is not None:   # compact: the events are rebuilt, not what was sent
        batch, texts = expand(batch, user_agent)
        return batch, None, texts
    return batch, [bytes(e) for e in _WIRE.decode(raw).events], None


def expand(batch: Batch, user_agent: str | None = None) -> tuple[Batch, compact.Texts | None]:
    """A compact batch as the plain batch it stands for (DESIGN.md's events), and the long
    texts it declares and names by digest (None: none), which the live intake resolves
    from the session's earlier batches (`LiveIntake.accept(texts=)`); plain as is.
    `user_agent`: the User-Agent header of the request that carried it (compact@5)."""
    if batch.encoding is None:
        return batch, None
    version = compact.VERSIONS.get(batch.encoding)
    if version is None:
        raise WireError(Status.BAD_REQUEST, "unsupported_encoding",
                        f"the batch encoding {batch.encoding[:40]!r} is unknown - send"
                        f" {' or '.join(map(repr, compact.VERSIONS))} or plain events"
                        " (no \"encoding\")")
    texts = compact.Texts()
    try:
        batch.events = compact.decode(batch.events, batch.strings, texts, version, user_agent)
    except compact.CompactError as exc:
        raise WireError(Status.BAD_REQUEST, "malformed",
                        f"the compact events do not decode ({exc}) - send plain events") from None
    batch.encoding = batch.strings = None
    return batch, texts if texts.declared or texts.refs else None


def too_deep(limits: Limits, what: str) -> WireError:
    return WireError(Status.BAD_REQUEST, "attribute_depth",
                     f"{what} nests more than {limits.max_depth} levels deep, over the"
                     f" attribute depth limit of {limits.max_depth} - send flatter data",
                     limits.max_depth)


def _deeper_than(v: Any, cap: int) -> bool:
    """Whether `v` nests more than `cap` levels (itself: 1). Iterative, stops at cap + 1."""
    stack: list[tuple[Any, int]] = [(v, 1)]
    while stack:
        x, level = stack.pop()
        if level > cap:
            return True
        if isinstance(x, dict):
            stack.extend((y, level + 1) for y in x.values())
        elif isinstance(x, list):
            stack.extend((y, level + 1) for y in x)
    return False


def check_envelope(batch: Batch, limits: Limits) -> None:
    """`context` and `user` held to what an event is (the module's docstring): each went
    into the index whole, and a 3,000-level context, stored, broke `replay sessions --json`'s
    readers; an integer beyond 64 bits was a 503 (MessagePack's OverflowError), retried for
    ever. Raises WireError."""
    if batch.user is not None:
        for name in ("id", "name", "email"):
            value = getattr(batch.user, name)
            if value is not None and len(value.encode("utf-8", "surrogatepass")) > MAX_USER_FIELD:
                raise WireError(Status.BAD_REQUEST, "user_too_large",
                                f"user.{name} is over {MAX_USER_FIELD:,} bytes - send an id, a"
                                " name and an email, not a document", MAX_USER_FIELD)
    context = batch.context
    if context is None:
        return
    if _deeper_than(context, limits.max_depth):
        raise too_deep(limits, "context")
    found = out_of_range_at(context)
    if found is not None:
        path, big = found
        raise WireError(Status.BAD_REQUEST, "integer_out_of_range",
                        f"context.{path}, {str(big)[:30]}, is beyond the numbers a recording can"
                        " store (64-bit integers) - send it as a string", 64)
    size = len(msgspec.json.encode(context))
    if size > MAX_CONTEXT_BYTES:
        raise WireError(Status.BAD_REQUEST, "context_too_large",
                        f"context is {size:,} bytes as JSON, over the {MAX_CONTEXT_BYTES:,}"
                        " byte limit - send less", MAX_CONTEXT_BYTES)


def refusal_cors(origin: str | None) -> dict[str, str]:
    """What a refusal says to the page's browser: the page's origin reflected (never with
    credentials), so the page reads the refusal - its status and error - instead of a
    network error it would send again. The application's origins decide what is stored,
    not what a refusal may say (app.py answers every refusal so)."""
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin else {}
