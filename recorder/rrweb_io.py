"""Reading rrweb recordings in the shapes tools export them, and writing rrweb JSON.

Read:
- a JSON array of rrweb events (rrweb's own `events` array, rrweb-player's demo);
- an array of arrays: Sentry's replay recording segments (each a list of events);
- rrweb packer strings in either array (`@rrweb/packer`: each event JSON, with a `"v":
  "v1"` marker added, zlib-deflated and stored as a binary/latin-1 string); the marker is
  the packer's envelope and is dropped on unpacking;
- an object with an `events`, `snapshots` or `recording` array (Sentry's segments may be
  nested there), also one level down under `data`; a `user` (Sentry, also under `replay`),
  `person` / `distinct_id` (PostHog) or `usr` (Datadog) beside it is the session's user;
- PostHog's export files: `{"version": "2022-12-02", "data": {"person", "snapshotsByWindowId":
  {window: [events]}}}` and `{"version": "2023-04-28", "data": {"id", "person", "snapshots":
  [event + "windowId"]}}` - each browser window is its own recording (its own DOM);
- NDJSON: one event per line, or PostHog's blob lines: `[windowId, event]` (session recording
  v2) or `{"window_id", "data": [events]}` (v1);
- PostHog's `$snapshot` capture events (`$snapshot_data` / `$snapshot_items`), each session's
  window its own recording; in every shape, an event posthog-js compressed (`cv: "2024-10"`)
  is unpacked (`posthog_uncompressed`);
- Sentry's replay_recording payloads: `{"segment_id": N}`, a new line, then the segment's
  events as JSON or zlib-deflated JSON, one or more after another (put in segment order);
- any of the above gzip- or zstd-compressed (measured as a stream first, against a cap on
  what it may expand to: `limits.decompressed_cap`; a bomb is refused as
  `decompressed_too_large` before any of it is kept).

Datadog's browser Session Replay - segments (JSON, or deflated as its SDK uploads them), the
SDK's replay requests (multipart bodies a proxy kept) and its RUM events (NDJSON), one or
many in a file - is read as rrweb events by `datadog` (one recording per Datadog session); a
mobile segment (wireframes, no DOM) is refused as `NotARecording`.

A damaged input - a gzip/zstd stream or a JSON array cut off - is refused
(`DamagedRecording`), unless the caller asks for `partial`: then the events that decoded
whole come back, with `damaged` saying what was lost.

Write: a JSON array of the events exactly as stored (every field kept), which rrweb's
player loads as it is, led by one Custom event tagged `replay/session` that carries the
session id (rrweb's Replayer ignores Custom events it has no handler for), so the export
imports back as the same session; reading strips it again.
"""
from __future__ import annotations

import gzip
import io
import itertools
import json
import os
import re
import zlib
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import msgspec
import zstandard

from . import datadog
from .format import MAX_NESTING, NestingTooDeep, decode_json, encode_json
from .limits import READ_CHUNK, LimitError, decompressed_cap, expanded_size, inflate_zlib
from .paths import durable_file
from .semantics import user_from

PACKER_MARK = "v1"
_CHUNK = 1 << 16                 # bytes fed to a decompressor at a time
SESSION_TAG = "replay/session"   # the Custom event (type 5) an export starts with
_CUSTOM = 5


class ParsedRecording(msgspec.Struct, kw_only=True):
    events: list[Any]                 # raw events (validated later, by ingest)
    session_hint: str | None = None   # an id the file gives the recording
    user: dict | None = None
    window_id: str | None = None
    shape: str = "rrweb"              # which shape was recognised (for messages)
    damaged: str | None = None        # a partial read: what was cut off or lost
    warnings: dict | None = None      # what a conversion could not carry over, by kind


class UnreadableRecording(ValueError):
    """A file that holds no rrweb recording in any shape we know."""


class DamagedRecording(UnreadableRecording):
    """A recording cut off or corrupted part way (only read with `partial`)."""


class NothingInIt(UnreadableRecording):
    """A file that ends before anything of it decodes - empty, or cut short before its first
    event: nothing in it to fix or salvage; the message says to get the file again."""


GET_IT_AGAIN = "copy or export it again"


def nothing_decoded(damage: str) -> NothingInIt:
    """A recording damaged before anything of it decodes: nothing to store, even with
    `partial` (a DamagedRecording would offer it: "add --partial", then "nothing decoded")."""
    said = f"{damage} (nothing before that decoded)" if damage.endswith(_BEFORE_FIRST) \
        else f"{damage}, and nothing before that decoded"
    return NothingInIt(f"{said}: the file was cut short or damaged - {GET_IT_AGAIN}")


_BEFORE_FIRST = "before its first whole event"


def array_not_json(n: int) -> str:
    """What a JSON array is said to be that is not cut but holds, after `n` whole events,
    something no JSON reader takes (a NaN, a comment, a stray character)."""
    where = _BEFORE_FIRST if not n else f"after {n:,} whole event{'s' * (n != 1)}"
    return ("the JSON array holds something that is not JSON (a NaN, a comment, a stray"
            f" character) {where}")


def array_breaks_off(n: int, rest: bytes = b"") -> str:
    """What a JSON array cut after `n` whole events is said to be - `array_not_json` when
    what follows them (`rest`) still ends the array: not cut, malformed."""
    if rest.rstrip().endswith(b"]"):
        return array_not_json(n)
    if not n:
        return f"the JSON array breaks off {_BEFORE_FIRST}"
    return f"the JSON array breaks off after {n:,} whole event{'s' * (n != 1)}"


class NotARecording(UnreadableRecording):
    """A file of another kind altogether - a web page, an image, a PDF (`what_file`):
    nothing to fix in it; the recording is another file."""


def no_event_before(damage: str, n: int) -> NotARecording:
    """A JSON array damaged after `n` whole values none of which is an rrweb event: not a
    recording cut short (`--partial` would keep nothing of it), another file."""
    which = "it is not" if n == 1 else "neither is" if n == 2 else "none of them is"
    return NotARecording(f"{damage}, and {which} an rrweb event (an object with a type and a"
                         f" timestamp): not a session recording ({_READS})")


SEGMENT_FILE = "a segment file of a data folder"
TEXT_FILE = "a text file (not JSON)"
# bytes no text holds (NUL, and the control characters but white space and ESC) that are no
# kind `_OTHER_FILES` knows: a recording is text, or gzip, zstd or zip - "fix the file" said of
# them was no help (a support engineer's tryout)
BINARY_FILE = "binary data (not JSON text, gzip, zstd or a zip)"
_BINARY = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
HAR_FILE = "a HAR network log"
MP4_FILE = "an MP4 video"
ISO_IMAGE_FILE = "an AVIF or HEIC image"
WEBM_FILE = "a WebM video"
SCRIPT_FILE = "a Python script"
SQLITE_FILE = "an SQLite database"
# the starts of files people pick by mistake, by what they are (checked on the first bytes,
# ASCII case ignored, after white space and a byte order mark)
_OTHER_FILES = (
    (b"<!doctype html", "an HTML page"), (b"<html", "an HTML page"), (b"<head", "an HTML page"),
    (b"<?xml", "an XML document"), (b"<svg", "an SVG image"),
    (b"\x89png", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"gif8", "a GIF image"),
    (b"riff", "a RIFF file (WebP, WAV, AVI)"), (b"%pdf", "a PDF document"),
    (b"rpsg", SEGMENT_FILE),   # (segments.MAGIC: what a data folder's segments/ holds)
    # (`replay export --format playwright`'s script opens with its docstring; no JSON does)
    (b'"""', SCRIPT_FILE), (b"#!", "a script"),
    (b"sqlite format 3\x00", SQLITE_FILE),   # (a data folder's index.sqlite3, say)
)   # (a zip is read as a .replay bundle: bundle.is_bundle, which says what is wrong with it)
# told on the bytes as they are (not lower-cased, as a start above is)
_MP4_BOX = b"ftyp"   # an MP4's (a MOV's, an AVIF's...) first box, after its 4-byte size
# the brands of that box that are pictures, not videos
_IMAGE_BRANDS = frozenset({b"avif", b"avis", b"heic", b"heix", b"mif1", b"msf1"})
_EBML = b"\x1a\x45\xdf\xa3"   # Matroska's, WebM's first bytes
_READS = "rrweb JSON, a PostHog or Sentry export, or a .replay bundle"
# what to do instead, for the kinds where there is more to say than what replay reads
_INSTEAD = {
    SEGMENT_FILE: "open the data folder with --data, or import the .replay bundle `replay"
                  " export` writes",
    # (what a HAR lacks, not how to make one: the person holds one already)
    HAR_FILE: "a HAR holds a page's network requests only - no page, clicks or scrolling to"
              " replay; use the recording itself: " + _READS,
    # (`replay export`'s video and script, handed over instead of the bundle)
    MP4_FILE: "a video holds a session's pictures only - no page, console or requests to"
              " replay; use the recording itself: " + _READS,
    SQLITE_FILE: "a data folder's index.sqlite3 is read with its folder: --data FOLDER; a"
                 " session is handed over as the .replay bundle `replay export` writes",
    SCRIPT_FILE: "a Playwright script (`replay export --format playwright`) replays a"
                 " session's steps in a browser: run it with python; to replay the session,"
                 " use the recording itself: " + _READS,
}
_INSTEAD[WEBM_FILE] = _INSTEAD[MP4_FILE]
_TEXT_HEAD = 4096   # bytes of a file looked at to tell text
# JavaScript holding the events' JSON (rrweb-player's own demo keeps them in `events.js`:
# `const events = [...]`): the wrapper before the array or object, after any comments
_JS_WRAPPER = re.compile(
    rb"(?:\s*(?://[^\n]*|/\*.*?\*/))*\s*"
    rb"((?:export\s+)?(?:const|let|var)\s+[A-Za-z_$][\w$]*\s*=|(?:window|globalThis|self)"
    rb"\.[A-Za-z_$][\w$]*\s*=|module\.exports\s*=|export\s+default)\s*([\[{])", re.S)


def js_wrapper(data: bytes) -> tuple[str, str] | None:
    """The JavaScript a file wraps JSON in (`const events =`) and the JSON's first bracket,
    None if it starts otherwise."""
    m = _JS_WRAPPER.match(data[:_TEXT_HEAD].lstrip(b"\xef\xbb\xbf"))
    return None if m is None else (" ".join(m.group(1).decode("ascii").split()),
                                   m.group(2).decode("ascii"))


def what_file(data: bytes) -> str | None:
    """What a file that is not JSON is, by its first bytes ("an HTML page"); None: unknown."""
    if data[4:8] == _MP4_BOX:
        return ISO_IMAGE_FILE if data[8:12] in _IMAGE_BRANDS else MP4_FILE
    if data[:4] == _EBML:
        return WEBM_FILE
    head = data[:64].lstrip(b"\xef\xbb\xbf").lstrip().lower()
    found = next((what for start, what in _OTHER_FILES if head.startswith(start)), None)
    if found is None and data[:2] not in (b"\xff\xfe", b"\xfe\xff") \
            and _BINARY.search(data, 0, _TEXT_HEAD) is not None:   # (UTF-16 text: not this)
        return BINARY_FILE
    return found or (TEXT_FILE if _is_text(data) else None)


# a TOML or INI file's first line, a section's name in brackets (`[[rule]]`, `[core]`, `[remote
# "origin"]`): no JSON array starts with a bare word other than true, false and null
_SECTION = re.compile(rb'\[\[?[ \t]*([A-Za-z_][\w.\-]*)(?:[ \t]+"[^"\n]*")?[ \t]*\]\]?[ \t]*'
                      rb'(?:[#;][^\n]*)?\r?(?:\n|$)')


# a line that starts as a number does and is one (NDJSON of numbers, JSON cut after one); a
# line that only starts with digits is text (a hosts file: "127.0.0.1  localhost")
_JSON_NUMBER_LINE = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[ \t]*(?:,|\r?\n|$)")


def _is_text(data: bytes) -> bool:
    """Text that is no JSON nor NDJSON broken part way (those start as a value does): a
    README, notes, Markdown, a rules file (TOML) or a settings file (INI) - UTF-8 with no
    control characters but white space."""
    head = data[:_TEXT_HEAD].lstrip(b"\xef\xbb\xbf").lstrip()
    section = _SECTION.match(head)
    if section is not None and section.group(1) not in (b"true", b"false", b"null"):
        pass   # (a section's bracket: no JSON - the rest decides whether it is text)
    elif not head or head[:1] in b'[{"' or head[:4] in (b"true", b"fals", b"null") \
            or head[:1] in b"-0123456789" and _JSON_NUMBER_LINE.match(head):
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:   # cut in a character at the end of the head: text
        if exc.start < len(head) - 3:
            return False
        text = head[:exc.start].decode("utf-8")
    return all(c.isprintable() or c in "\t\r\n\f" for c in text)


def not_a_recording(what: str) -> NotARecording:
    """The refusal of a file of another kind (`what_file`), with what to do instead."""
    instead = _INSTEAD.get(what, _READS)
    return NotARecording(f"this is {what}, not a session recording ({instead})")


def js_not_json(wrapper: str, bracket: str) -> NotARecording:
    """The refusal of JavaScript holding the events' JSON (`js_wrapper`): it was "a text
    file (not JSON)", with no word of the one edit that makes it a recording."""
    value = "[...]" if bracket == "[" else "{...}"
    return NotARecording(f"this is JavaScript (`{wrapper} {value}`), not JSON - remove"
                         f" `{wrapper}` before the {value} (and a `;` after it): what is left"
                         " is the recording's JSON")


# --- packer ----------------------------------------------------------------------------
def unpack_event(raw: Any) -> Any:
    """rrweb packer's `unpack`: plain JSON, or zlib-deflated JSON in a latin-1 string; an
    event PostHog compressed (`cv`) is uncompressed (`posthog_uncompressed`). A string that
    is neither comes back as it is (an invalid event, which validation names)."""
    if isinstance(raw, dict):
        if raw.get("type") == _CUSTOM:
            return _sentry_ms(raw)
        return posthog_uncompressed(raw) if "cv" in raw else raw
    if not isinstance(raw, str):
        return raw
    try:
        e = decode_json(raw)
        if isinstance(e, dict) and e.get("timestamp"):
            return e
    except msgspec.DecodeError:
        pass
    try:
        e = decode_json(_unpack_zlib(raw.encode("latin-1")))
    except (UnicodeEncodeError, zlib.error, msgspec.DecodeError):
        # kept as it is: an invalid event, skipped with a warning naming it as 42 or null
        # is (format.validate_event says what it is), not the whole file refused
        return raw
    if isinstance(e, dict) and e.get("v") == PACKER_MARK:
        e.pop("v")
        return e
    raise UnreadableRecording(f"packed with an rrweb packer version we do not know"
                              f" ({e.get('v') if isinstance(e, dict) else '?'!r})")


def _unpack_zlib(packed: bytes) -> bytes:
    """zlib.decompress, refusing a string that expands past `decompressed_cap` (inflated a
    chunk at a time: a bomb costs no memory); zlib.error when corrupt or cut off."""
    cap = decompressed_cap(len(packed))
    out, _, problem = inflate_zlib(packed, 0, cap, "a packer string",
                                   f"a {len(packed):,} byte packer string expands to more than"
                                   f" {cap:,} bytes")
    if problem is not None:
        raise zlib.error(problem)
    return out


# --- Sentry's custom events stamped in seconds ---------------------------------------------
# The Sentry SDK stamps its performanceSpan events in seconds (their start, as the payload's
# `startTimestamp`), and its breadcrumbs too before it changed them to ms; Sentry's player
# reads them so. Taken as ms, a replay with one request would start in 1970.
_SENTRY_TAGS = frozenset({"performanceSpan", "breadcrumb", "options"})
_SECONDS_BEFORE = 1e11     # an epoch time below this is seconds (as ms: before March 1973)


# The Sentry SDK's `options` event (its settings: sample rates, masking) is stamped when the
# SDK adds it, a few ms before the full snapshot it is added after: the SDK's habit in every
# replay, not a recording out of order (`ingest.TimeOrder` does not count it).
SENTRY_OPTIONS_LEAD_MS = 1000   # how much earlier than the events before it it may be


def is_sentry_options(e: Any) -> bool:
    """Whether `e` is the Sentry SDK's `options` custom event."""
    if not isinstance(e, dict) or e.get("type") != _CUSTOM:
        return False
    data = e.get("data")
    return isinstance(data, dict) and data.get("tag") == "options" \
        and isinstance(data.get("payload"), dict)


def _sentry_ms(e: dict) -> dict:
    t, data = e.get("timestamp"), e.get("data")
    if isinstance(t, (int, float)) and not isinstance(t, bool) and 1e8 < t < _SECONDS_BEFORE \
            and isinstance(data, dict) and data.get("tag") in _SENTRY_TAGS:
        ms = round(t * 1000, 3)
        return {**e, "timestamp": int(ms) if ms == int(ms) else ms}
    return e


# --- PostHog's compressed events ------------------------------------------------------
# posthog-js (since late 2024) sends a full snapshot's `data`, and a mutation's (or a style
# sheet rule's) `texts` / `attributes` / `removes` / `adds`, as JSON gzipped into a latin-1
# string, and marks the event `cv: "2024-10"`; the rest of the event stays as it was, so
# its type and time can be read without unpacking it. PostHog's player unpacks a field by
# its magic bytes (gzip, or zstd where PostHog's server re-packed it). Its blob files and
# API hold events so; its player's export holds them unpacked (some keeping the `cv` key).
POSTHOG_CV = "2024-10"
_CV_FIELDS = ("texts", "attributes", "removes", "adds")


def posthog_uncompressed(e: dict) -> dict:
    """`e` with the fields PostHog compressed unpacked and its `cv` marker dropped; `e`
    itself when nothing in it is packed. UnreadableRecording when a packed field does not
    unpack, or the marker names a scheme we do not know."""
    data = e.get("data")
    if isinstance(data, str):
        packed = [None]
    elif isinstance(data, dict):
        packed = [k for k in _CV_FIELDS if isinstance(data.get(k), str)]
    else:
        packed = []
    if not packed:   # an event the player already unpacked, marker kept: as it is
        return e
    at = f"the event at timestamp {e.get('timestamp')!r}"
    if e.get("cv") != POSTHOG_CV:
        raise UnreadableRecording(
            f"{at} is packed with PostHog's compression 'cv: {e.get('cv')}', which this"
            f" version does not know (it reads 'cv: {POSTHOG_CV}'); export the recording from"
            " PostHog's player (its export holds the events unpacked) and import that")
    try:
        if packed == [None]:
            unpacked: Any = _posthog_field(data)
        else:
            unpacked = {**data, **{k: _posthog_field(data[k]) for k in packed}}
    except (UnicodeEncodeError, OSError, EOFError, zlib.error, zstandard.ZstdError,
            msgspec.DecodeError) as exc:
        raise UnreadableRecording(f"{at} is PostHog-compressed (cv {POSTHOG_CV}) but its data"
                                  f" does not decompress ({exc}); the file is damaged - export"
                                  " it from PostHog again") from None
    out = {k: v for k, v in e.items() if k != "cv"}
    out["data"] = unpacked
    return out


def _posthog_field(text: str) -> Any:
    """A field PostHog packed: gzip or zstd in a latin-1 string, read as a compressed file
    is (`_decompress`: a bomb refused first, damage said)."""
    packed = text.encode("latin-1")
    if packed[:2] != _GZIP_MAGIC and packed[:4] != _ZSTD_MAGIC:
        raise OSError("neither gzip nor zstd")
    raw, broken = _decompress(packed)
    if broken:
        raise OSError(broken)
    return decode_json(raw)


def pack_event(event: dict) -> str:
    """rrweb packer's `pack` (for round-trip tests and exports to packer users)."""
    return zlib.compress(encode_json({**event, "v": PACKER_MARK})).decode("latin-1")


# --- reading ---------------------------------------------------------------------------
def read_recordings(path: Path | str, *, partial: bool = False) -> list[ParsedRecording]:
    return _reading(Path(path), lambda data: parse_recordings(data, partial=partial))


def _reading(path: Path, parse: Callable[[bytes], Any]) -> Any:
    """`parse` of the file's bytes; a file that cannot be read, or is no recording, said
    with its name."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableRecording(f"cannot read {path}: {exc.strerror}") from None
    try:
        return parse(data)
    except UnreadableRecording as exc:
        raise type(exc)(f"{path}: {exc}") from None


def parse_recordings(data: bytes, *, partial: bool = False) -> list[ParsedRecording]:
    top, cut = _top(data, partial)
    recs = _from_value(top)
    recs = [r for r in (_take_session_marker(r) for r in recs) if r.events]
    if not recs:
        raise nothing_decoded(cut) if cut else UnreadableRecording("no rrweb events found")
    for r in recs:
        r.damaged = cut
    return recs


class DatadogFiles:
    """Several files of Datadog uploads given together (a proxy keeps one per request: a
    visit's replay segments and RUM batches), read as one: each Datadog session once,
    whichever files its segments and events came in. Named in messages by its first file."""

    def __init__(self, paths: list[Path]):
        self.paths = paths
        self.name = f"{paths[0].name} and {len(paths) - 1:,} more Datadog file" \
            + "s" * (len(paths) > 2)

    def __str__(self) -> str:
        return f"{self.paths[0]} (and {len(self.paths) - 1:,} more Datadog file" \
            + "s" * (len(self.paths) > 2) + ")"

    def read(self, *, partial: bool = False) -> list[ParsedRecording]:
        values: list = []
        cut = None
        for p in self.paths:
            got, broken = _reading(p, lambda data: _datadog_values(data, partial))
            values.extend(got)
            cut = cut or (f"{p.name}: {broken}" if broken else None)
        recs = _datadog(values)
        for r in recs:
            r.damaged = cut
        return recs


DATADOG_PEEK = 1 << 16   # bytes read of each end of a file to tell Datadog's uploads


def datadog_files(paths: Iterable[Path]) -> list[Path]:
    """Which of `paths` hold Datadog uploads, told from their first and last bytes: an upload
    (`datadog.is_upload`), a segment's JSON (its records first, its metadata last) or RUM
    events (NDJSON with the SDK's `_dd` and `session`, the SDK's telemetry too). Unreadable
    files are not."""
    out = []
    for p in paths:
        try:
            with open(p, "rb") as fh:
                head = fh.read(DATADOG_PEEK)
                fh.seek(max(0, fh.seek(0, os.SEEK_END) - DATADOG_PEEK))
                tail = fh.read(DATADOG_PEEK)
        except OSError:
            continue
        start = head.lstrip()[:1]
        segment = b'"records"' in head[:200] and (b'"index_in_view"' in tail
                                                 or b'"has_full_snapshot"' in tail)
        # (the SDK's telemetry and vitals come in batches of their own: the same requests)
        # (telemetry sent before the SDK knows the session has none)
        rum = start == b"{" and b'"_dd"' in head and (
            b'"session"' in head and re.search(rb'"type"\s*:\s*"(view|action|error|resource'
                                              rb'|long_task|vital|telemetry)"', head)
            or re.search(rb'"type"\s*:\s*"telemetry"', head))
        if datadog.is_upload(head) or segment or rum:
            out.append(p)
    return out


def read_together(paths: Iterable[Path]) -> list[Path]:
    """The files of `paths` read as one recording (`DatadogFiles`, in the first one's place):
    two or more holding Datadog uploads - a proxy keeps a request a file, and a session's
    segments and RUM events come in many. [] when there are none to read together."""
    paths = list(paths)
    found = datadog_files(paths) if len(paths) > 1 else []
    return found if len(found) > 1 else []


def _datadog_values(data: bytes, partial: bool) -> tuple[list, str | None]:
    """The Datadog values (segments, RUM events) a file holds, and what was cut off."""
    top, cut = _top(data, partial)
    if isinstance(top, list) and len(top) == 2 and top[0] in ("__datadog__", "__ndjson__"):
        top = top[1]
    values = top if isinstance(top, list) else [top]
    if not values or not all(datadog.is_datadog(v) for v in values):
        raise UnreadableRecording("holds something besides Datadog segments and RUM events")
    return values, cut


def _uploaded(values: list) -> list:
    """What Datadog uploads held, refused when it is not Datadog's: a multipart form with
    no `segment` part, a zlib stream of something else."""
    if not values:
        raise UnreadableRecording("a multipart form without a Datadog replay segment (no part"
                                  " named \"segment\"): nothing to replay")
    if not all(datadog.is_datadog(v) for v in values):
        raise UnreadableRecording("a zlib stream or multipart form that holds something besides"
                                  " Datadog segments and RUM events")
    return values


def _top(data: bytes, partial: bool) -> tuple[Any, str | None]:
    """What a file holds, decompressed and decoded - Datadog's uploads as `["__datadog__",
    values]`, Sentry's payloads as their segments, NDJSON as `["__ndjson__", lines]`, else
    the JSON value - and what was cut off (refused unless `partial`)."""
    data, cut = _decompress(data)
    if not data.strip():
        raise nothing_decoded(cut) if cut else NothingInIt(
            f"the file is empty: its export or copy did not finish - {GET_IT_AGAIN}")
    if cut and not partial:
        raise DamagedRecording(cut)
    if datadog.is_upload(data):   # what Datadog's SDK uploads (a proxy's copies)
        try:
            return ["__datadog__", _uploaded(datadog.upload_values(data, decode_json))], cut
        except datadog.Damaged as exc:
            if not exc.values:
                raise nothing_decoded(str(exc)) from None
            if not partial:
                raise DamagedRecording(str(exc)) from None
            return ["__datadog__", _uploaded(exc.values)], cut or str(exc)
    if _SENTRY_HEADER.match(data):
        segments, broken = _sentry_payloads(data)
        if broken and not partial:
            raise DamagedRecording(broken)
        return segments, cut or broken
    return _decoded(data, cut, partial)


# --- Sentry's replay_recording payloads ---------------------------------------------------
# What the Sentry SDK sends of a segment (an envelope's replay_recording item): a header line
# `{"segment_id": N}`, then the segment's events as a JSON array - zlib-deflated when the
# SDK compresses (its default), plain JSON when not. A file may hold several one after another.
_SENTRY_HEADER = re.compile(rb'\s*\{\s*"segment_id"\s*:\s*(\d{1,9})\s*\}[ \t\r]*\n')


def _sentry_payloads(data: bytes) -> tuple[list[list], str | None]:
    """The segments' events (a list each, in segment_id order), and what is wrong if the
    file breaks off or goes wrong part way (then the segments whole before that)."""
    segments: list[tuple[int, list]] = []
    i, broken = 0, None
    while data[i:].strip():
        m = _SENTRY_HEADER.match(data, i)
        if m is None:
            broken = (f"after {len(segments)} Sentry replay segment"
                      f"{'s' * (len(segments) != 1)} the file holds something else")
            break
        seg, i = int(m.group(1)), m.end()
        if data[i:i + 1] == b"x":   # zlib
            cap = decompressed_cap(len(data) - i)
            body, i, broken = inflate_zlib(data, i, cap, f"segment {seg}",
                                           f"Sentry replay segment {seg} expands to more than"
                                           f" {cap:,} bytes")
        else:
            try:
                end = _value_end(data, i)
            except _Damage as exc:
                end, broken = None, f"segment {seg} breaks off ({exc})"
            if end is None:
                broken = broken or f"segment {seg} is cut off (the file was truncated)"
            body, i = data[i:end or i], end or i
        if broken:
            break
        try:
            events = decode_json(body)
        except msgspec.DecodeError as exc:
            broken = f"segment {seg} is not JSON ({exc})"
            break
        if not isinstance(events, list):
            raise UnreadableRecording(f"Sentry replay segment {seg} holds no array of events")
        segments.append((seg, events))
    segments.sort(key=lambda s: s[0])   # stable: a segment sent twice keeps its order
    return [evs for _, evs in segments], broken


def _decoded(data: bytes, cut: str | None, partial: bool) -> tuple[Any, str | None]:
    """The JSON value of a whole file (NDJSON as `["__ndjson__", lines]`), and what was cut
    off (an array that breaks off: its whole elements, with `partial`)."""
    try:
        top = decode_json(data)
    except NestingTooDeep:
        raise LimitError("nesting_too_deep", MAX_NESTING, "the JSON nests more than"
                         f" {MAX_NESTING:,} levels deep") from None
    except msgspec.ValidationError as exc:   # whole JSON, with a number nothing can hold
        raise UnreadableRecording(out_of_range(exc)) from None
    except msgspec.DecodeError as exc:
        if (wrapper := js_wrapper(data)) is not None:
            raise js_not_json(*wrapper) from None
        other = what_file(data)
        if other is not None:
            raise not_a_recording(other) from None
        try:
            top = _ndjson(data, exc)
        except UnreadableRecording:
            salvaged = _salvage_array(data)
            if salvaged is None:
                raise
            n = len(salvaged)
            broken = array_breaks_off(n, data)
            if not n:
                raise nothing_decoded(cut or broken) from None
            if not _holds_an_event(salvaged):
                raise no_event_before(cut or broken, n) from None
            if not partial:
                raise DamagedRecording(cut or broken) from None
            cut = cut or broken
            top = salvaged
    return top, cut


def _decompress(data: bytes) -> tuple[bytes, str | None]:
    """The decompressed bytes, and what is wrong if the stream is cut off or corrupt
    (then the bytes are what decoded before that point). A bomb is refused first."""
    _refuse_bomb(data)
    if data[:2] == _GZIP_MAGIC:
        return _inflate(data)
    if data[:4] == _ZSTD_MAGIC:
        d = zstandard.ZstdDecompressor().decompressobj()
        out: list[bytes] = []
        for i in range(0, len(data), _CHUNK):
            try:
                out.append(d.decompress(data[i: i + _CHUNK]))
            except zstandard.ZstdError as exc:
                return b"".join(out), f"the zstd stream is corrupt ({exc})"
            if d.eof:
                break
        return b"".join(out), \
            None if d.eof else "the zstd stream is cut off (the file was truncated)"
    return data, None


def _refuse_bomb(data: bytes) -> None:
    """LimitError if compressed `data` expands past `decompressed_cap`: measured as a
    stream, a chunk at a time, kept nowhere, so a few MB that expand to gigabytes cost no
    memory (sizes a frame declares are never trusted). Damage ends the measuring: what
    decoded before it stayed under the cap, and `_decompress` says what is wrong."""
    if data[:2] == _GZIP_MAGIC:
        def stream():
            return gzip.GzipFile(fileobj=io.BytesIO(data))
    elif data[:4] == _ZSTD_MAGIC:
        def stream():
            return zstandard.ZstdDecompressor().stream_reader(data, read_across_frames=True)
    else:
        return
    cap = decompressed_cap(len(data))
    try:
        size = expanded_size(stream, cap)
    except (OSError, EOFError, zlib.error, zstandard.ZstdError):
        return
    if size is None:
        raise LimitError("decompressed_too_large", cap,
                         f"the {len(data):,} byte compressed file expands to more than"
                         f" {cap:,} bytes: a decompression bomb, or a recording too large to"
                         " read compressed (decompress it and give the plain file)")


def _inflate(data: bytes) -> tuple[bytes, str | None]:
    """gzip members one after another, as `gzip.decompress` reads them. Fed in chunks, so
    a corrupt stream still gives what decoded before the damage."""
    out: list[bytes] = []
    while data:
        d = zlib.decompressobj(wbits=31)
        for i in range(0, len(data), _CHUNK):
            chunk = data[i: i + _CHUNK]
            before = d.copy()
            try:
                out.append(d.decompress(chunk))
            except zlib.error as exc:
                for k in range(len(chunk)):   # again, a byte at a time, up to the damage
                    try:
                        out.append(before.decompress(chunk[k: k + 1]))
                    except zlib.error:
                        break
                return b"".join(out), f"the gzip stream is corrupt ({exc})"
            if d.eof:
                break
        if not d.eof:
            return b"".join(out), "the gzip stream is cut off (the file was truncated)"
        data = d.unused_data + data[i + _CHUNK:]
        data = data.lstrip(b"\0")
    return b"".join(out), None


def _salvage_array(data: bytes) -> list | None:
    """The whole elements at the head of a JSON array cut off part way (None when `data`
    does not start as an array of objects)."""
    text = data.decode("utf-8", "replace")
    i = text.find("[")
    if i < 0 or text[:i].strip():
        return None
    dec = json.JSONDecoder(parse_constant=_not_json)   # (Python reads NaN; JSON has none)
    out: list = []
    i += 1
    while True:
        while i < len(text) and text[i] in " \t\r\n,":
            i += 1
        try:
            v, i = dec.raw_decode(text, i)
        except (ValueError, RecursionError):   # (a JSONDecodeError is one)
            return out if out or text[i:i + 1] == "{" else None
        out.append(v)


def _not_json(constant: str) -> Any:
    """NaN, Infinity, -Infinity: Python's JSON reader takes them, no JSON writer writes them
    (msgspec refuses them: the salvage stops where the reading did)."""
    raise ValueError(f"{constant} is not JSON")


# --- the session id an export carries ------------------------------------------------
def session_marker(session_id: str, timestamp: float) -> dict:
    return {"type": _CUSTOM, "timestamp": timestamp,
            "data": {"tag": SESSION_TAG, "payload": {"id": session_id}}}


def with_session_marker(session_id: str, events: Iterable[dict]) -> Iterator[dict]:
    """`events` led by the marker carrying `session_id` (stamped at the first event)."""
    it = iter(events)
    first = next(it, None)
    if first is None:
        return
    yield session_marker(session_id, first["timestamp"])
    yield first
    yield from it


def _marker_id(e: Any) -> str | None:
    """The session id of an export's leading marker event, if `e` is one."""
    data = e.get("data") if isinstance(e, dict) and e.get("type") == _CUSTOM else None
    if isinstance(data, dict) and data.get("tag") == SESSION_TAG:
        sid = (data.get("payload") or {}).get("id") if isinstance(data.get("payload"), dict) \
            else None
        if isinstance(sid, str) and sid:
            return sid
    return None


def _take_session_marker(rec: ParsedRecording) -> ParsedRecording:
    """Strip an export's leading marker, keeping its id as the recording's."""
    sid = _marker_id(rec.events[0]) if rec.events else None
    if sid is not None:
        rec.events = rec.events[1:]
        rec.session_hint = rec.session_hint or sid
    return rec


def _ndjson(data: bytes, first_error: Exception) -> list:
    lines = [ln for ln in data.splitlines() if ln.strip()]
    if len(lines) < 2:
        # msgspec says "invalid character (byte 0)": the place, not the character
        raise UnreadableRecording("not JSON: " + _AT_BYTE.sub(r"at byte \1", str(first_error)))
    out = []
    for n, ln in enumerate(lines, 1):
        try:
            out.append(decode_json(ln))
        except msgspec.DecodeError as exc:
            raise UnreadableRecording(f"neither JSON nor NDJSON (line {n}: {exc})") from None
    return ["__ndjson__", out]


def _is_event(v: Any) -> bool:
    return isinstance(v, dict) and "timestamp" in v and "type" in v


def _holds_an_event(values: list) -> bool:
    """Whether an array's whole values hold an rrweb event, read as the array is (packed
    strings, PostHog's `$snapshot` events, Sentry's segments): what `--partial` would keep."""
    try:
        return any(_is_event(e) for rec in _from_value(values) for e in rec.events)
    except (UnreadableRecording, ValueError, TypeError, KeyError):
        return True   # (said as it was: damaged part way, `--partial` then says what it found)


def _from_value(top: Any) -> list[ParsedRecording]:
    while True:   # an object's `data`, one level down at a time (not recursion)
        if isinstance(top, list) and len(top) == 2 and top[0] == "__datadog__":
            return _datadog(top[1])
        if isinstance(top, list) and len(top) == 2 and top[0] == "__ndjson__":
            lines = top[1]
            if lines and all(datadog.is_datadog(x) for x in lines):
                return _datadog(lines)
            if lines and all(_is_snapshot_event(x) for x in lines):
                return _posthog_snapshot_events(lines)
            if any(_is_blob_line(x) or _is_pair_line(x) for x in lines):
                return _by_window(_blob_events(lines), shape="posthog-blob")
            return [ParsedRecording(events=_events(lines), shape="ndjson")]
        if isinstance(top, list):
            if top and all(datadog.is_datadog(x) for x in top):
                return _datadog(top)
            if top and all(isinstance(x, list) for x in top):
                return [ParsedRecording(events=[e for seg in top for e in _events(seg)],
                                        shape="sentry-segments")]
            if top and all(_is_snapshot_event(x) for x in top):
                return _posthog_snapshot_events(top)
            return _split_windows(_events(top), shape="rrweb")
        if isinstance(top, dict):
            log = top.get("log")
            if isinstance(log, dict) and "entries" in log and "version" in log:
                raise not_a_recording(HAR_FILE)
            if _is_event(top):
                return [ParsedRecording(events=[top], shape="rrweb-event")]
            if datadog.is_datadog(top):
                return _datadog([top])
            data = top.get("data")
            if isinstance(data, dict) and ("snapshotsByWindowId" in data or "snapshots" in data):
                return _posthog(data)
            batch = top.get("batch")
            if isinstance(batch, list) and batch and all(_is_snapshot_event(x) for x in batch):
                return _posthog_snapshot_events(batch)
            for key in ("events", "snapshots", "recording"):
                if isinstance(top.get(key), list):
                    hint = top.get("session_id") or top.get("sessionId") or top.get("id")
                    items = top[key]
                    if items and all(isinstance(x, list) for x in items):   # Sentry's segments
                        items = [e for seg in items for e in seg]
                    recs = _split_windows(_events(items), shape=f"object.{key}")
                    if isinstance(hint, str) and len(recs) == 1:
                        recs[0].session_hint = hint
                    user = _file_user(top)
                    for r in recs:
                        r.user = user
                    return recs
            if isinstance(data, (dict, list)):
                top = data
                continue
        raise UnreadableRecording("expected a JSON array of rrweb events or an object with an"
                                  " 'events' or 'snapshots' array")


def _blob_events(lines: list) -> Iterator[tuple[Any, Any]]:
    """(window, event) of each of PostHog's blob lines: `[windowId, event]` (session
    recording v2), `{"window_id", "data": [events]}` (v1), or an event with its `windowId`
    - PostHog's player reads the three, mixed."""
    for n, x in enumerate(lines, 1):
        if _is_pair_line(x):
            yield x[0], unpack_event(x[1])
        elif _is_blob_line(x):
            for e in _events(x["data"]):
                yield x.get("window_id"), e
        elif _is_event(x):
            yield x.get("windowId"), unpack_event(x)
        else:
            raise UnreadableRecording(f"line {n} is neither an event nor one of PostHog's blob"
                                      " lines ([windowId, event] or {\"window_id\", \"data\"})")


def _datadog(values: list) -> list[ParsedRecording]:
    """Datadog's browser Session Replay segments and RUM events, one recording per session
    (`datadog.sessions`); a mobile segment is refused."""
    if any(datadog.is_segment(v) and datadog.is_mobile(v) for v in values):
        raise NotARecording("this is a Datadog mobile Session Replay segment (an app's screens as"
                            " wireframes, not a web page's DOM): replay plays web pages only")
    recs = [ParsedRecording(events=s.events, session_hint=s.session_id, user=s.user,
                            shape="datadog", warnings=dict(s.warnings) or None)
            for s in datadog.sessions(values)]
    if not recs and any(datadog.is_segment(v) for v in values):
        raise UnreadableRecording("its Datadog segments hold no view from its start: each"
                                  " view's first segment (its full snapshot) is missing, and"
                                  " nothing after it can be shown without it")
    return recs


def _events(v: Any) -> list:
    if not isinstance(v, list):
        raise UnreadableRecording("expected an array of events")
    return [unpack_event(x) for x in v]


def _posthog(data: dict) -> list[ParsedRecording]:
    user = _posthog_user(data.get("person"))
    hint = data.get("id") if isinstance(data.get("id"), str) else None
    if isinstance(data.get("snapshotsByWindowId"), dict):
        pairs = [(w, e) for w, evs in data["snapshotsByWindowId"].items() for e in _events(evs)]
        recs = _by_window(pairs, shape="posthog-2022")
    else:
        recs = _split_windows(_events(data.get("snapshots") or []), shape="posthog-2023")
    for i, r in enumerate(recs):
        r.user = user
        if hint:
            r.session_hint = hint if len(recs) == 1 else f"{hint}.{r.window_id or i}"
    return recs


def _is_snapshot_event(x: Any) -> bool:
    return isinstance(x, dict) and x.get("event") == "$snapshot" \
        and isinstance(x.get("properties"), dict)


def _posthog_snapshot_events(items: list) -> list[ParsedRecording]:
    """PostHog's `$snapshot` events, as posthog-js captures them (`$snapshot_data`: the
    rrweb events of one window, `$session_id`, `$window_id`) and its capture service passes
    them on (`$snapshot_items`): a recording for each session's window."""
    groups: dict[tuple, list] = {}
    user = None
    for x in items:
        p = x["properties"]
        evs = p.get("$snapshot_items", p.get("$snapshot_data"))
        if isinstance(evs, dict):   # older posthog-js: one event a $snapshot
            evs = [evs]
        if not isinstance(evs, list):
            raise UnreadableRecording("a PostHog $snapshot event holds no $snapshot_data or"
                                      " $snapshot_items list of events")
        if any(isinstance(e, dict) and "chunk_id" in e for e in evs):
            raise UnreadableRecording("these are PostHog $snapshot events in its chunked form"
                                      " (before 2023), which replay does not read; export the"
                                      " recording from PostHog's player and import that")
        key = (p.get("$session_id"), p.get("$window_id"))
        groups.setdefault(key, []).extend(unpack_event(e) for e in evs)
        user = user or _file_user({"distinct_id": x.get("distinct_id") or p.get("distinct_id")})
    windows: dict[Any, int] = {}
    for sid, _ in groups:
        windows[sid] = windows.get(sid, 0) + 1
    recs = []
    for (sid, w), evs in groups.items():
        hint = None
        if isinstance(sid, str) and sid:
            hint = sid if windows[sid] == 1 else f"{sid}.{w}"
        recs.append(ParsedRecording(events=evs, session_hint=hint, user=user,
                                    window_id=str(w) if w is not None else None,
                                    shape="posthog-snapshot-events"))
    return recs


def _posthog_user(person: Any) -> dict | None:
    u = user_from(person)
    return u.as_dict() if u is not None else None


def _file_user(top: dict) -> dict | None:
    """The user an export states beside its events: Sentry's `user` (also under
    `replay`), PostHog's `person` or `distinct_id`, Datadog's `usr` (see semantics.user_from)."""
    replay = top.get("replay") if isinstance(top.get("replay"), dict) else {}
    for obj in (top.get("user"), replay.get("user"), top.get("person"), top.get("usr"),
                {"distinct_id": top["distinct_id"]} if top.get("distinct_id") else None):
        u = user_from(obj)
        if u is not None:
            return u.as_dict()
    return None


def _split_windows(events: list, shape: str) -> list[ParsedRecording]:
    """Events tagged with a `windowId` (PostHog) come from several windows, each its own
    DOM; untagged arrays are one recording."""
    wins = {e.get("windowId") for e in events if isinstance(e, dict)}
    if len(wins) <= 1:
        w = next(iter(wins), None)
        return [ParsedRecording(events=events, shape=shape,
                                window_id=w if isinstance(w, str) else None)]
    return _by_window(_windows_of(events), shape=shape)


def _windows_of(events: list) -> Iterator[tuple[Any, Any]]:
    """(window, event) of events tagged with their `windowId`; an entry that is no event
    (a string that does not unpack, a number: skipped later, naming it) goes with the
    window of the event before it, so it is said in that window's recording."""
    w = None
    for e in events:
        if isinstance(e, dict):
            w = e.get("windowId")
        yield w, e


def _by_window(pairs: Iterable[tuple[Any, Any]], shape: str) -> list[ParsedRecording]:
    groups: dict[Any, list] = {}
    for w, e in pairs:
        groups.setdefault(w, []).append(e)
    return [ParsedRecording(events=evs, window_id=str(w) if w is not None else None, shape=shape)
            for w, evs in groups.items()]


# --- writing ---------------------------------------------------------------------------
def write_rrweb_json(path: Path | str, events: Iterable[dict], *,
                     session_id: str | None = None) -> int:
    """Write a JSON array of the events (streamed; atomically replaces `path`), led by
    the `session_id` marker when given. Returns the number of events written (the marker
    not counted)."""
    path = Path(path)
    if session_id is not None:
        events = with_session_marker(session_id, events)
    n = 0
    with durable_file(path, path.with_name(path.name + ".tmp")) as f:
        f.write(b"[")
        for e in events:
            if n:
                f.write(b",")
            f.write(encode_json(e))
            n += 1
        f.write(b"]")
    return n - 1 if session_id is not None and n else n


# --- streaming ---------------------------------------------------------------------------
# `replay import` reads the shapes most recordings come in a chunk at a time, so its memory
# does not grow with the file: a JSON array of events (rrweb; Sentry's array of segments;
# packer strings), NDJSON (one event per line, or PostHog's blob lines of one window), any
# of them gzip- or zstd-compressed. An object envelope (PostHog's and Sentry's export
# objects, `{"events": [...]}`), events from several windows (each its own recording, read
# side by side) and anything odd are read whole, as above: `NotStreamable` says so before
# anything is decided.

class NotStreamable(Exception):
    """A recording whose shape is read whole (`read_recordings`), not as a stream."""


_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_WS = re.compile(rb"[\s,]*")
# where an rrweb event (as JSON.stringify writes it) most likely ends, at the array's depth:
# its `timestamp` key last. Only a guess: every cut is verified by decoding (see _Elements)
_EVENT_END = re.compile(rb'"timestamp"\s*:\s*-?\d[\d.eE+-]*\s*}\s*[,\]]')
_GUESSES = 4                    # cut guesses tried per chunk before splitting one by one
_TRAILING = re.compile(r"trailing characters \(byte (\d+)\)")
_AT_BYTE = re.compile(r"\(byte (\d+)\)")
_TOKEN_MAX = 64          # bytes a number or literal cut at a chunk's end may already hold
_raw_decoder = msgspec.json.Decoder(msgspec.Raw)


class _Damage(Exception):
    """The input ends or breaks before the recording does (the message says how)."""


class _Malformed(_Damage):
    """A JSON value that is not JSON (not one cut short): the decoder's words."""


class EventStream:
    """The events of a recording file, read a chunk at a time: iterate it once. `done` and
    `total` are bytes of the file (for a progress bar); `session_hint` is the id an export's
    marker gives (known once the first event is read). Damage (a cut-off or corrupt stream,
    an array that breaks off) raises DamagedRecording - with `partial`, the events before it
    are the recording and `damaged` says what was lost. Raises NotStreamable (before the
    first event, or on meeting a second window) for shapes read whole."""

    def __init__(self, path: Path | str, *, partial: bool = False, chunk_size: int = READ_CHUNK):
        self.path = Path(path)
        self.partial = partial
        self.chunk_size = chunk_size   # bytes read from the file at a time
        try:
            self.total = self.path.stat().st_size
        except OSError as exc:
            raise UnreadableRecording(f"cannot read {self.path}: {exc.strerror}") from None
        self.done = 0
        self.session_hint: str | None = None
        self.shape = "rrweb"
        self.damaged: str | None = None
        self.count = 0            # elements (events, segments or lines) read whole
        self.an_event = False     # whether one of the events read so far is an rrweb event
        self._line_pairs = False  # NDJSON of PostHog's [windowId, event] lines

    def __iter__(self) -> Iterator[Any]:
        try:
            yield from self._events()
        except _Damage as exc:
            if not self.count:
                raise NothingInIt(f"{self.path}: {nothing_decoded(str(exc))}") from None
            if not self.an_event:
                raise NotARecording(f"{self.path}: {no_event_before(str(exc), self.count)}") \
                    from None
            if not self.partial:
                raise DamagedRecording(f"{self.path}: {exc}") from None
            self.damaged = str(exc)
        except NestingTooDeep:
            raise LimitError("nesting_too_deep", MAX_NESTING, "the JSON nests more than"
                             f" {MAX_NESTING:,} levels deep") from None
        except UnreadableRecording as exc:
            raise type(exc)(f"{self.path}: {exc}") from None
        if not self.count:
            raise UnreadableRecording(f"{self.path}: no rrweb events found")

    # --- bytes --------------------------------------------------------------------------
    def _chunks(self) -> Iterator[bytes]:
        """The file's bytes, decompressed, a chunk at a time."""
        with open(self.path, "rb") as f:
            head = f.read(self.chunk_size)
            self.done = len(head)
            if head[:2] == _GZIP_MAGIC:
                yield from self._inflate(head, f, _Gunzip, zlib.error, "gzip")
            elif head[:4] == _ZSTD_MAGIC:
                yield from self._inflate(head, f, _Unzstd, zstandard.ZstdError, "zstd")
            else:
                chunk = head
                while chunk:
                    yield chunk
                    chunk = f.read(self.chunk_size)
                    self.done += len(chunk)

    def _inflate(self, head: bytes, f, new, error, name: str) -> Iterator[bytes]:
        """Decompressed chunks of gzip members / zstd frames one after another, refusing
        more than `decompressed_cap`; no step yields more than a chunk or so, so a bomb
        costs that much memory whatever it expands to."""
        cap = decompressed_cap(self.total)
        d, n, data = new(self.chunk_size), 0, head
        while True:
            try:
                for out in d.feed(data):
                    n += len(out)
                    if n > cap:
                        raise LimitError("decompressed_too_large", cap,
                                         f"the {self.total:,} byte compressed file expands to"
                                         f" more than {cap:,} bytes: a decompression bomb, or"
                                         " a recording too large to read compressed"
                                         " (decompress it and give the plain file)")
                    yield out
            except error as exc:
                raise _Damage(f"the {name} stream is corrupt ({exc})") from None
            if d.eof:   # the next member / frame, if any
                data = d.unused_data.lstrip(b"\0")
                if data:
                    d = new(self.chunk_size)
                    continue
            data = f.read(self.chunk_size)
            self.done += len(data)
            if not data:
                if not d.eof:
                    raise _Damage(f"the {name} stream is cut off (the file was truncated)")
                return


    # --- values -------------------------------------------------------------------------
    def _events(self) -> Iterator[Any]:
        chunks = self._chunks()
        buf = b""
        for chunk in chunks:
            buf = (buf + chunk).lstrip()
            if buf.startswith(b"\xef\xbb\xbf"):
                buf = buf[3:].lstrip()
            if buf:
                break
        if _SENTRY_HEADER.match(buf):
            raise NotStreamable("Sentry replay_recording payloads")
        if buf[:1] == b"[" and what_file(buf) == TEXT_FILE:   # a `[section]` of TOML, INI
            raise not_a_recording(TEXT_FILE)
        if buf[:1] == b"[" and _pair_head(buf):   # PostHog's [windowId, event] lines
            self._line_pairs = True
            values = self._lines(buf, chunks)
        elif buf[:1] == b"[":
            values = self._array(buf[1:], chunks)
        elif buf[:1] == b"{":
            values = self._lines(buf, chunks)
        else:
            raise NotStreamable("not a JSON array or NDJSON")
        yield from self._recording(values)

    def _array(self, buf: bytes, chunks: Iterator[bytes]) -> Iterator[list]:
        elements = _Elements()
        yield from elements.feed(buf)
        for chunk in chunks:
            yield from elements.feed(chunk)
        yield from elements.end()

    def _lines(self, buf: bytes, chunks: Iterator[bytes]) -> Iterator[list]:
        """NDJSON: a value per line, a chunk's lines at a time; the first line must be an
        event or a PostHog blob line."""
        line_no = 0
        first = True
        tail = b""
        for chunk in itertools.chain([buf], chunks):
            tail += chunk
            cut = tail.rfind(b"\n")
            if cut < 0:
                continue
            lines, tail = tail[:cut].split(b"\n"), tail[cut + 1:]
            if first:
                _first_line_whole(lines)
            values = list(_decode_lines(lines, line_no))
            if first and values:
                if not (_is_event(values[0]) or _is_blob_line(values[0])
                        or _is_pair_line(values[0])):
                    raise NotStreamable("the first line is not an event")
                first = False
            yield values
            line_no += len(lines)
        if tail.strip():
            if first:   # one line, no newline: a whole JSON value, read whole
                raise NotStreamable("one JSON value")
            yield list(_decode_lines([tail], line_no, last=True))

    def _recording(self, batches: Iterator[list]) -> Iterator[Any]:
        """Events out of the values (in lists, as they were decoded together), in the order
        `_from_value` reads them; one window. An export's leading marker is taken off, its
        id kept (as `_take_session_marker`)."""
        mode = None
        window: list = []
        first = True
        for v in itertools.chain.from_iterable(batches):
            pair = self._line_pairs and _is_pair_line(v)
            if mode is None and _is_snapshot_event(v):
                raise NotStreamable("PostHog's $snapshot events")
            if mode is None:
                mode = "posthog-blob" if pair or _is_blob_line(v) else \
                    "sentry-segments" if isinstance(v, list) else "rrweb"
                self.shape = mode
            if mode == "sentry-segments":
                if not isinstance(v, list):
                    raise NotStreamable("segments mixed with events")
                evs = _events(v)
            elif mode == "posthog-blob" and pair:
                _one_window(window, v[0])
                evs = [unpack_event(v[1])]
            elif mode == "posthog-blob":
                if not _is_blob_line(v):
                    raise NotStreamable("blob lines mixed with events")
                _one_window(window, v.get("window_id"))
                evs = _events(v["data"])
            else:
                evs = [unpack_event(v)]
            self.count += 1
            for e in evs:
                if mode != "posthog-blob" and isinstance(e, dict):   # (see _windows_of)
                    _one_window(window, e.get("windowId"))
                if not self.an_event and _is_event(e):
                    self.an_event = True
                if first:
                    first = False
                    sid = _marker_id(e)
                    if sid is not None:
                        self.session_hint = sid
                        continue
                yield e


class _Gunzip:
    """One gzip member, its output in pieces of at most `out` bytes."""

    def __init__(self, out: int):
        self.d = zlib.decompressobj(wbits=31)
        self.out = out

    def feed(self, data: bytes) -> Iterator[bytes]:
        d = self.d
        while data and not d.eof:
            piece = d.decompress(data, self.out)
            data = d.unconsumed_tail
            if piece:
                yield piece

    @property
    def eof(self) -> bool:
        return self.d.eof

    @property
    def unused_data(self) -> bytes:
        return self.d.unused_data


class _Unzstd:
    """One zstd frame, fed a little input at a time: zstd has no output bound per call, and
    a few bytes of a run-length block expand to 128 KB (ZSTD_STEP bytes: a few MB at most)."""

    STEP = 256

    def __init__(self, out: int):
        self.d = zstandard.ZstdDecompressor().decompressobj()
        self.unused_data = b""   # input after the frame's end

    def feed(self, data: bytes) -> Iterator[bytes]:
        d, step = self.d, self.STEP
        for i in range(0, len(data), step):
            piece = d.decompress(data[i: i + step])
            if piece:
                yield piece
            if d.eof:
                self.unused_data = d.unused_data + data[i + step:]
                return

    @property
    def eof(self) -> bool:
        return self.d.eof


def _one_window(seen: list, w: Any) -> None:
    if not seen:
        seen.append(w)
    elif seen[0] != w:
        raise NotStreamable("events of several windows")


def _is_blob_line(v: Any) -> bool:
    return isinstance(v, dict) and "data" in v and "window_id" in v


def _is_pair_line(v: Any) -> bool:
    """A line of PostHog's session recording v2 blobs: `[windowId, event]` (an NDJSON line;
    never an element of a JSON array, where a list is a Sentry segment)."""
    return isinstance(v, list) and len(v) == 2 and _is_window_id(v[0]) and _is_event(v[1])


def _is_window_id(w: Any) -> bool:
    """A window id (a UUID, or the number PostHog's player numbers windows with), not a
    packer string or a JSON text."""
    if isinstance(w, bool):
        return False
    if isinstance(w, int):
        return True
    return isinstance(w, str) and 0 < len(w) <= 200 and w[0] not in "{[" \
        and w[:2] not in _ZLIB_HEADS and w.isprintable()


_ZLIB_HEADS = {"x\x01", "x^", "x\x9c", "x\xda"}   # how a packer string starts
_PAIR_HEAD = re.compile(rb'\[\s*("(?:[^"\\]|\\.){1,200}"|\d{1,20})\s*,\s*\{')


def _pair_head(buf: bytes) -> bool:
    """Whether a text starting with `[` starts as PostHog's `[windowId, {event...` lines
    (a JSON array of events starts with `{`, of segments with `[`, of packer strings with
    one)."""
    m = _PAIR_HEAD.match(buf)
    if m is None:
        return False
    try:
        return _is_window_id(decode_json(m.group(1)))
    except msgspec.DecodeError:
        return False


def _first_line_whole(lines: list[bytes]) -> None:
    """NotStreamable when the first line of a text starting with `{` is no JSON value of its
    own: one JSON object written over several lines (a PostHog export or a Sentry envelope
    pretty-printed, `jq .` of one), read whole - not NDJSON broken in line 1."""
    head = next((ln for ln in lines if ln.strip()), None)
    if head is None:
        return
    try:
        decode_json(head)
    except msgspec.DecodeError:
        raise NotStreamable("one JSON value over several lines") from None


def _decode_lines(lines: list[bytes], before: int, last: bool = False) -> Iterator[Any]:
    lines = [ln for ln in lines if ln.strip()]
    try:
        yield from decode_json(b"[" + b",".join(lines) + b"]")
        return
    except msgspec.DecodeError:
        pass
    for n, ln in enumerate(lines, before + 1):   # say which line
        try:
            yield decode_json(ln)
        except msgspec.DecodeError as exc:
            if last:
                raise _Damage(f"the NDJSON breaks off in line {n}") from None
            raise UnreadableRecording(f"neither JSON nor NDJSON (line {n}: {exc})") from None


class _Elements:
    """The elements of a JSON array fed in chunks (after its `[`), decoded in batches (lists,
    as they are yielded). A cut between elements is guessed (`_EVENT_END`) and verified by
    decoding the batch before it as a list; when no guess holds, elements are split one at
    a time with the decoder itself (`msgspec` names where a value ends: "trailing
    characters")."""

    def __init__(self) -> None:
        self.buf = b""
        self.closed = False
        self.count = 0

    def feed(self, chunk: bytes) -> Iterator[list]:
        if self.closed:
            if chunk.strip():
                raise _Damage("the JSON array is followed by other data")
            return
        self.buf += chunk
        yield from self._take()

    def end(self) -> Iterator[list]:
        if not self.closed:
            yield from self._take()
        if not self.closed:
            raise _Damage(array_breaks_off(self.count, self.buf))

    def _take(self) -> Iterator[list]:
        buf = self.buf
        start = _WS.match(buf).end()
        guessed = self._guess(buf, start)
        if guessed is not None:
            cut, batch = guessed
            self.count += len(batch)
            yield batch
            start = _WS.match(buf, cut).end()
        ends: list[tuple[int, int]] = []
        i = start
        while i < len(buf):
            if buf[i] == 0x5D:   # ]
                self.closed = True
                if buf[i + 1:].strip():   # the whole events before it first (as below)
                    yield from self._whole(buf, ends)
                    raise _Damage("the JSON array is followed by other data")
                break
            try:
                end = _value_end(buf, i)
            except _Malformed:   # the whole events before it first (--partial keeps them)
                yield from self._whole(buf, ends)
                raise _Damage(array_not_json(self.count)) from None
            if end is None:
                break
            ends.append((i, end))
            i = _WS.match(buf, end).end()
        yield from self._whole(buf, ends)
        self.buf = buf[i:]

    def _whole(self, buf: bytes, ends: list[tuple[int, int]]) -> Iterator[list]:
        """The events at `ends` of `buf` (each decoded whole already), as one batch."""
        if ends:
            try:
                batch = decode_json(b"[" + b",".join(buf[a:b] for a, b in ends) + b"]")
            except msgspec.ValidationError as exc:
                raise UnreadableRecording(out_of_range(exc, self.count)) from None
            except msgspec.DecodeError:   # pragma: no cover - _value_end decoded them
                raise _Damage(array_breaks_off(self.count))
            self.count += len(batch)
            yield batch

    def _guess(self, buf: bytes, start: int) -> tuple[int, list] | None:
        """The end of the last element before most of the buffer, and the elements before
        it, if a guess holds (decoded once: the decoding is the check)."""
        tail_from = max(start, len(buf) - (256 << 10))
        found = [m.end() for m in _EVENT_END.finditer(buf, tail_from)]
        for end in reversed(found[-_GUESSES:]):
            cut = buf.rindex(b"}", 0, end) + 1
            if cut <= start:
                break
            try:
                return cut, decode_json(b"[" + buf[start:cut] + b"]")
            except msgspec.DecodeError:
                continue
        return None


def out_of_range(exc: msgspec.ValidationError, before: int = 0) -> str:
    """What a whole JSON file's decoding refused: a number no float or 64-bit integer holds
    (`1e400` is valid JSON), in which event (`before`: the events decoded ahead of it)."""
    m = re.search(r"\$\[(\d+)\]", str(exc))
    where = f"event #{before + int(m.group(1))}" if m else "an event"
    return (f"{where} holds a number out of range (valid JSON, but larger than any number a"
            " recorder writes)")


def _value_end(buf: bytes, i: int) -> int | None:
    """Where the JSON value at `buf[i]` ends (None: not whole yet); _Damage if malformed."""
    try:
        _raw_decoder.decode(memoryview(buf)[i:])
        return len(buf)
    except RecursionError:
        raise NestingTooDeep() from None
    except msgspec.DecodeError as exc:
        m = _TRAILING.search(str(exc))
        if m:
            return i + int(m.group(1)) - 1
        at = _AT_BYTE.search(str(exc))
        # cut in a number or literal ("-", "tru"), the decoder calls it invalid: wait for more
        if "truncated" in str(exc) or (at and i + int(at.group(1)) >= len(buf) - _TOKEN_MAX):
            return None
        raise _Malformed(str(exc)) from None
