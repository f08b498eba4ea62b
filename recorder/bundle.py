"""`.replay` bundles: one session in one portable file.

A bundle is a zip archive (readable with any zip tool, self-describing):

    mimetype              "application/vnd.session-replay+zip" (first entry, uncompressed)
    manifest.json         {"format": "session-replay-bundle", "version": 1, "session": {...},
                           "segments": [{index, start_ms, ..., "file": "segments/000000.seg"}],
                           "dictionaries": [ids], "created_ms": ...}
    segments/NNNNNN.seg   the segment files as the store keeps them (checksummed); the first's
                          header names no owner, nor the input digest (`_segment_handed`)
    dicts/<id>.zdict      compression dictionaries the segments need, if any
    assets/<sha256>       the stored images and fonts the session's page references
                          (recorder.assets, recorder.asset_store), listed in the manifest's
                          "assets": [{url, sha256, mime, bytes, file}] - so the person it is
                          handed to sees them too; a bundle written before has none (its
                          readers ignore the list: the format's version is unchanged)

Entries are stored, not deflated: segments are zstd already. `replay import X.replay`
stores it again (same session id); `open_recording` reads it in place.

A bundle is untrusted input: the manifest is decoded into typed Structs (a field of the
wrong type is a BadBundle, not a TypeError later); a segment listed twice, or a segment
file of another session, refuses the bundle; every entry is read as a stream with a cap
checked against both its zip header and the bytes it actually yields (a few KB of
deflate can hold gigabytes), so a zip or manifest bomb costs no memory.
"""
from __future__ import annotations

import json
import logging
import os
import struct
import time
import zipfile
import zlib
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import msgspec
import zstandard

from .format import said_invalid
from .index import SessionInfo
from .privacy import detectors
from .said import count
from .limits import MAX_DICTIONARY_BYTES, MAX_MANIFEST_BYTES, read_capped
from .segments import COMPACT_CODEC, MAX_FILE_BYTES, SESSION_INFO, SegmentDamaged, SegmentMeta, \
    decode_segment, encode_segment, read_header, with_session_info
from .semantics import with_user_id_only
from .source import RecordingSource

log = logging.getLogger(__name__)

FORMAT = "session-replay-bundle"
VERSION = 1
MIMETYPE = "application/vnd.session-replay+zip"
SUFFIX = ".replay"


class BadBundle(ValueError):
    """A .replay file that cannot be read (not a bundle, newer version, broken manifest)."""


class DamagedBundle(BadBundle):
    """A bundle whose zip directory or manifest is unreadable - cut off, most often
    (`salvage` reads what it still holds)."""


class _Envelope(msgspec.Struct):
    """What any version's manifest says first: which format, which version."""
    format: Any = None
    version: Any = 0


class BundledAsset(msgspec.Struct, kw_only=True):
    """An image or font a bundle carries: the page's URL, the entry holding its bytes."""
    url: str
    sha256: str
    mime: str
    bytes: int
    file: str


class Manifest(msgspec.Struct, kw_only=True):
    format: str
    version: int
    session: SessionInfo
    segments: list[SegmentMeta]
    dictionaries: list[int] = []
    created_ms: int | float | None = None
    assets: list[BundledAsset] = []




class _EntryTooLarge(Exception):
    pass


def _read_entry(z: zipfile.ZipFile, name: str, cap: int) -> bytes | bytearray:
    """One zip entry, refused (`_EntryTooLarge`) when its header or its actual bytes pass
    `cap`; KeyError if absent, zipfile.BadZipFile/EOFError if damaged."""
    info = z.getinfo(name)
    if info.file_size > cap:
        raise _EntryTooLarge(f"{name} is {info.file_size:,} bytes, over the {cap:,} allowed")
    data = read_capped(lambda: z.open(info), cap)
    if data is None:
        raise _EntryTooLarge(f"{name} expands past the {cap:,} bytes allowed")
    return data


def _handed_id(user_id: str | None) -> str | None:
    """The person a session belongs to (its user's id, name and email: `import --user...`,
    the intake's `user`) is kept in the data folder by design - for search and `replay delete
    --user` - and stays there: a bundle is handed to others. It carries the user's id alone,
    masked as text is (an email or a phone number used as an id), in its manifest and in the
    first segment's header (which `repair` rebuilds the index from)."""
    return detectors.mask(user_id) if user_id else None


def handed_event(e: Any) -> Any:
    """An event as what is handed over carries it: what it says of the session's user - the
    identify event `import --user` adds, PostHog's, a RUM event's `usr` - the user's id alone
    (see `_handed_id`; semantics.with_user_id_only knows where a recording says it). One
    stored before `import --user` gave the id alone may name the user and their email too,
    and every RUM event of a site that called `setUser` does."""
    return with_user_id_only(e, _handed_id)


def without_owner(info: dict[str, Any]) -> dict[str, Any]:
    """A session's index row as a bundle carries it (see `_handed_id`)."""
    return dict(info, user_id=_handed_id(info.get("user_id")), user_name=None, user_email=None)


def info_without_owner(info: SessionInfo) -> SessionInfo:
    """A session's SessionInfo as what is handed over shows it (a picture of the player's
    Session tab: see `_handed_id`)."""
    return msgspec.structs.replace(info, user_id=_handed_id(info.user_id), user_name=None,
                                   user_email=None)


def _segment_handed(blob: bytes) -> bytes:
    """A segment file as a bundle carries it: its header's session info names no owner (see
    `_handed_id`), nor the digest of the recording as it came in. That digest (the store's
    input digest: `sessions.content_digest` of the events before the privacy pass, which
    recognises a file imported again whatever the rules) is a hash of what the rules masked:
    with the bundle's masked events, a guess at a masked value (an email typed into a login
    form) is confirmed by hashing the events with it put back. It stays in the data folder;
    an import of the bundle digests the events it holds."""
    kept = read_header(blob).get(SESSION_INFO)
    if not kept or (not kept.get("user") and "digest" not in kept):
        return blob
    handed = {k: v for k, v in kept.items() if k != "digest"}
    if kept.get("user"):
        handed["user"] = {"id": _handed_id(kept["user"].get("id")), "name": None, "email": None}
    return with_session_info(blob, handed)


def write_bundle(path: Path | str, source: RecordingSource, *,
                 context: dict[str, Any] | None = None,
                 check: Callable[[], None] | None = None) -> int:
    """Write `source` (a stored session or any RecordingSource) as a bundle, atomically.
    Damaged segments are left out (with a warning). `context`: the session context the
    manifest carries instead of the source's (a bug report added on export, recorder.bug).
    `check`: called before each segment and before the file is put in place; what it raises (a person's Cancel) stops the
    writing, and nothing is written. Returns the number of segments."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    metas: list[dict] = []
    dict_ids: set[int] = set()
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:
            z.writestr("mimetype", MIMETYPE)
            for i, meta in enumerate(source.segments):
                if check is not None:
                    check()
                blob = _segment_blob(source, i, meta)
                if blob is None:
                    continue
                blob = _segment_handed(blob)
                header = read_header(blob)
                did = (header.get("codec") or {}).get("dict_id") or 0
                if did:
                    dict_ids.add(did)
                name = f"segments/{meta.index:06d}.seg"
                z.writestr(name, blob)
                m = msgspec.to_builtins(meta)
                m.update(file=name, bytes=len(blob))
                metas.append(m)
            for did in sorted(dict_ids):
                d = source.store.load_dictionary(did)  # type: ignore[attr-defined]
                z.writestr(f"dicts/{did}.zdict", d.as_bytes())
            carried = _write_assets(z, source, check)
            info = without_owner(msgspec.to_builtins(source.info))
            info["bytes"] = sum(m["bytes"] for m in metas)
            info["segment_count"] = len(metas)
            if context is not None:
                info["context"] = context
            manifest = {"format": FORMAT, "version": VERSION, "session": info,
                        "segments": metas, "dictionaries": sorted(dict_ids),
                        "created_ms": int(time.time() * 1000)}
            if carried:
                manifest["assets"] = carried
            # deflated: a bug report's steps in it were most of a long session's bundle
            # (6 of 9.9 MB, a support engineer's tryout); the segments are compressed already
            z.writestr("manifest.json", json.dumps(manifest, indent=1),
                       compress_type=zipfile.ZIP_DEFLATED)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        if check is not None:   # (the last segment's copying may have been the long wait)
            check()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(metas)


def _write_assets(z: zipfile.ZipFile, source: RecordingSource,
                  check: Callable[[], None] | None) -> list[dict]:
    """The stored images and fonts the session's page references (`recorder.assets`: the
    URLs of its events as the bundle carries them, so as they were masked), written as
    `assets/<sha256>` entries; their manifest entries."""
    lookup = source.assets
    if lookup is None or lookup.empty():
        return []
    from .assets import referenced_urls, servable_type
    out: list[dict] = []
    written: set[str] = set()
    for url in referenced_urls(source.events()):
        key = lookup.find(url)
        got = lookup.read(key) if key is not None else None
        mime = servable_type(got[1]) if got is not None else None
        if mime is None:
            continue
        if check is not None:
            check()
        name = f"assets/{key}"
        if key not in written:
            z.writestr(name, got[0])
            written.add(key)
        out.append({"url": url, "sha256": key, "mime": mime, "bytes": len(got[0]),
                    "file": name})
    return out


class BundleAssets:
    """The images and fonts a bundle carries (`recorder.assets.AssetLookup`); an entry is
    served only whole (its bytes hash to its name) and as an image or font. It reads the
    file on its own (the bundle's reader may be closed: a file masked at open is read whole
    first), from any thread."""

    def __init__(self, path: Path, carried: list[BundledAsset]):
        import threading
        self.path = path
        self.by_url = {a.url: a.sha256 for a in carried}
        self.entries = {a.sha256: a for a in carried}
        self._lock = threading.Lock()

    generation = 0   # what a bundle carries never changes

    def empty(self) -> bool:
        return not self.by_url

    def reload(self) -> None:
        """(A bundle's assets are read once: nothing is ever added to them.)"""

    def find(self, url: str) -> str | None:
        return self.by_url.get(url)

    def read(self, key: str) -> tuple[bytes, str] | None:
        import hashlib
        from .assets import servable_type
        entry = self.entries.get(key)
        mime = servable_type(entry.mime) if entry is not None else None
        if mime is None:
            return None
        try:
            with self._lock, zipfile.ZipFile(self.path) as z:
                # one carried image or font: no larger than a fetch keeps (the same cap)
                from . import asset_fetch
                data = bytes(_read_entry(z, entry.file, asset_fetch.MAX_ASSET_BYTES))
        except (KeyError, OSError, EOFError, zipfile.BadZipFile, _EntryTooLarge, ValueError,
                NotImplementedError):
            return None
        if hashlib.sha256(data).hexdigest() != key:
            log.warning("%s: %s is damaged (its bytes are not the ones carried): not shown",
                        self.path, entry.file)
            return None
        return data, mime


def _segment_blob(source: RecordingSource, i: int, meta: SegmentMeta) -> bytes | None:
    try:
        blob = source.raw_segment(i)
        if blob is not None:
            header, stored = decode_segment(blob, source.load_dictionary)
            handed = [handed_event(e) for e in stored]
            if all(h is e for h, e in zip(handed, stored)):
                return blob
            # the user's name in an identify event stored before user_event left it out
            blob = encode_segment(source.id, msgspec.structs.replace(meta), handed,
                                  COMPACT_CODEC)
            info = header.get(SESSION_INFO)
            return with_session_info(blob, info) if info else blob
    except (OSError, SegmentDamaged) as exc:
        log.warning("session %s: segment %d left out of the bundle: %s", source.id,
                    meta.index, exc)
        return None
    events = [handed_event(e) for e in source.read_segment(i)]
    if not events and i in source.damaged:
        return None
    m = msgspec.structs.replace(meta)
    return encode_segment(source.id, m, events, COMPACT_CODEC)


def _empty(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except OSError:
        return False


def _starts_as_zip(path: Path | str) -> bool:
    """Whether the file begins as a zip file does (a local file header): a bundle cut short
    or damaged further on, which `--partial` can salvage, does."""
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"PK\x03\x04"
    except OSError:
        return False


ZIP_ARCHIVE = "is a zip archive, not a .replay bundle - unzip it and import the recording inside"


def _has_mimetype(z: zipfile.ZipFile) -> bool:
    """Whether a zip holds a bundle's first entry (`mimetype`): a bundle that lost its
    manifest is a damaged bundle; a zip without it is some other archive."""
    return "mimetype" in z.namelist()


def _first_entry_is_mimetype(path: Path | str) -> bool:
    """Whether a zip whose directory is unreadable (cut short) starts with a bundle's first
    entry, `mimetype` (`write_bundle` writes it first, stored): then it is a bundle,
    damaged; else an archive of something else."""
    try:
        with open(path, "rb") as f:
            head = f.read(_LOCAL.size + 64)
    except OSError:
        return True
    if len(head) < _LOCAL.size:
        return True   # too short to tell: a bundle cut very short, say
    nlen = _LOCAL.unpack_from(head)[9]
    return head[_LOCAL.size:_LOCAL.size + nlen] == b"mimetype"


def is_bundle(path: Path | str) -> bool:
    """Whether to read `path` as a bundle: a zip file (no rrweb shape is one), or a file
    named `.replay` that is not JSON. A damaged bundle is still one, so that opening it
    says what is wrong with it (BadBundle) rather than that it is not JSON."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError:
        return False
    if head[:2] == b"PK":
        return True
    return Path(path).suffix.lower() == ".replay" and head.lstrip()[:1] not in (b"[", b"{")


class BundleSource(RecordingSource):
    """A bundle read in place (no import)."""

    def __init__(self, path: Path | str):
        super().__init__()
        self.path = Path(path)
        self.origin = str(self.path)
        self._zip: zipfile.ZipFile | None = None
        try:
            self._zip = zipfile.ZipFile(self.path)
            text = _read_entry(self._zip, "manifest.json", MAX_MANIFEST_BYTES)
            envelope = msgspec.json.decode(text, type=_Envelope)
        except _EntryTooLarge as exc:
            raise BadBundle(f"{self.path}: refused, {exc} - not a bundle replay wrote (a zip"
                            " bomb?)") from None
        except msgspec.ValidationError as exc:    # JSON, but not an object
            raise BadBundle(f"{self.path}: broken manifest"
                            f" ({said_invalid(exc, 'the manifest')}) - export it again") from None
        except (OSError, EOFError, zipfile.BadZipFile, KeyError, ValueError,
                NotImplementedError) as exc:
            if _empty(self.path):   # a copy or a download that never got its bytes
                raise BadBundle(f"{self.path} is empty (0 bytes): the export or its copy did"
                                " not finish - copy or export it again") from None
            if not _starts_as_zip(self.path):   # nothing of a bundle to salvage in it
                raise BadBundle(f"{self.path}: not a .replay bundle (not a zip file, nor"
                                " rrweb JSON) - give a .replay file exported by replay") from None
            other = _has_mimetype(self._zip) is False if isinstance(exc, KeyError) else \
                not _first_entry_is_mimetype(self.path)
            if self._zip is not None:
                self._zip.close()
            if other and isinstance(exc, KeyError):
                # a whole zip without a bundle's entries: an archive picked by mistake
                raise BadBundle(f"{self.path} {ZIP_ARCHIVE}") from None
            if other:   # ... and cut short: unzipping it fails as well
                raise BadBundle(f"{self.path} is a zip archive, not a .replay bundle, and it is"
                                " damaged or cut short - get a whole copy, unzip it and import"
                                " the recording inside") from None
            # (Python's words - "File is not a zip file" - say nothing to the person)
            why = f" ({exc.strerror})" if isinstance(exc, OSError) and exc.strerror else ""
            raise DamagedBundle(f"{self.path}: not a readable .replay bundle, damaged or cut"
                                f" short{why} - copy or export it again") from None
        if envelope.format != FORMAT:
            raise BadBundle(f"{self.path}: not a session-replay bundle (a zip file of"
                            " something else) - give a .replay file exported by replay")
        if type(envelope.version) is not int:
            raise BadBundle(f"{self.path}: broken manifest (version {envelope.version!r} is"
                            " not a number) - export it again")
        if envelope.version > VERSION:
            raise BadBundle(f"{self.path} is a version {envelope.version} bundle; this"
                            f" program reads up to version {VERSION} - update it")
        try:
            manifest = msgspec.json.decode(text, type=Manifest)
        except msgspec.ValidationError as exc:
            raise BadBundle(f"{self.path}: broken manifest"
                            f" ({said_invalid(exc, 'the manifest')}) - export it again") from None
        self.manifest = manifest
        self.info = manifest.session
        self.segments = manifest.segments
        for what, values in (("segment", [m.index for m in self.segments]),
                             ("segment file", [m.file for m in self.segments])):
            value, n = Counter(values).most_common(1)[0] if values else (None, 1)
            if n > 1:
                raise BadBundle(f"{self.path}: refused, the manifest lists {what} {value!r}"
                                f" {n} times - export it again")
        self.id = self.info.id
        self._dicts: dict[int, zstandard.ZstdCompressionDict] = {}
        self.damage_reasons: dict[int, str] = {}
        self.assets = BundleAssets(self.path, manifest.assets) if manifest.assets else None

    def load_dictionary(self, dict_id: int):
        if dict_id not in self._dicts:
            try:
                self._dicts[dict_id] = zstandard.ZstdCompressionDict(bytes(_read_entry(
                    self._zip, f"dicts/{dict_id}.zdict", MAX_DICTIONARY_BYTES)))
            except (KeyError, EOFError, zipfile.BadZipFile, _EntryTooLarge):
                return None
        return self._dicts[dict_id]

    def _load(self, i: int) -> list[dict]:
        meta = self.segments[i]
        try:
            blob = self.raw_segment(i)
            header, events = decode_segment(blob, self.load_dictionary)
            if header.get("session") != self.id:
                raise BadBundle(f"{self.path}: refused, segment {meta.index} is a segment of"
                                f" another session ({header.get('session')!r}, not {self.id})")
            if header.get("index") != meta.index:
                raise SegmentDamaged("file belongs to another segment")
            return events
        except (KeyError, OSError, EOFError, zipfile.BadZipFile, SegmentDamaged,
                NotImplementedError) as exc:
            if i not in self.damaged:
                self.damaged.append(i)
                self.damage_reasons[i] = str(exc)
            log.warning("%s: segment %d skipped: %s", self.path, meta.index, exc)
            return []

    def raw_segment(self, i: int) -> bytes:
        """Segment i's file as the bundle carries it; SegmentDamaged when its zip entry is
        missing, too large, cut short or fails its CRC (a damaged bundle is said to be one,
        not a zipfile traceback: a tryout's bundle with two bytes flipped crashed `play`)."""
        try:
            return bytes(_read_entry(self._zip, self.segments[i].file, MAX_FILE_BYTES))
        except _EntryTooLarge as exc:
            raise SegmentDamaged(str(exc)) from None
        except KeyError:
            raise SegmentDamaged(f"{self.segments[i].file} is not in the bundle") from None
        except (EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError,
                RuntimeError) as exc:   # (the last two: a method or flag the entry cannot have)
            raise SegmentDamaged(f"{self.segments[i].file} is damaged ({exc})") from None

    @property
    def store(self):  # lets write_bundle copy dictionaries from a bundle too
        return self

    def close(self) -> None:
        self._zip.close()


def open_bundle(path: Path | str) -> BundleSource:
    return BundleSource(path)


# A zip entry's local header (the fields a stored, non-streamed entry needs); zipfile
# writes sizes and CRC here for seekable files, which bundles always are.
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_MAGIC = b"PK\x03\x04"


class Salvaged(msgspec.Struct):
    session_id: str | None    # from the segments' own headers
    events: list[dict]
    segments: int             # segments read whole

    def said(self) -> str:
        """What was read, and what is lost with the manifest (a QA tryout: a cut bundle's
        bug report went without a word)."""
        return (f"the bundle is cut off or damaged ({count(self.segments, 'whole segment')}"
                " read; its manifest is lost, and with it the session's details and any bug"
                " report)")


def salvage_or_refuse(path: Path | str, exc: DamagedBundle) -> Salvaged:
    """`salvage`, or `exc` (the bundle's damage) said again when nothing before the damage
    could be read."""
    got = salvage(path)
    if not got.events:
        raise DamagedBundle(f"{exc}; no segment before the damage could be read") from None
    return got


def salvageable(path: Path | str) -> bool:
    """Whether `salvage` reads anything of a damaged bundle: only then is `--partial` worth
    offering (a QA engineer's tryout: a bundle cut within its first segment was told to add
    --partial, which then said nothing could be read)."""
    return bool(salvage(path).events)


def salvage(path: Path | str) -> Salvaged:
    """What a cut-off bundle still holds. Its manifest and zip directory come last and are
    lost; each segment before the cut is still a zip entry with its own header and CRC,
    and a segment file checks itself, so the entries are read in file order until the
    first that is incomplete or fails a check."""
    data = Path(path).read_bytes()
    pos, sid, events, n = 0, None, [], 0
    while pos + _LOCAL.size <= len(data):
        magic, _v, flags, method, _t, _d, crc, csize, _u, nlen, xlen = \
            _LOCAL.unpack_from(data, pos)
        start = pos + _LOCAL.size + nlen + xlen
        if magic != _LOCAL_MAGIC or method != zipfile.ZIP_STORED or flags & 0x08 \
                or start + csize > len(data):
            break
        name = data[pos + _LOCAL.size: pos + _LOCAL.size + nlen].decode("utf-8", "replace")
        blob = data[start: start + csize]
        pos = start + csize
        if not name.startswith("segments/"):
            continue
        try:
            if zlib.crc32(blob) != crc:
                raise SegmentDamaged("bad CRC-32")
            header, evs = decode_segment(blob)
        except SegmentDamaged as exc:
            log.warning("%s: %s left out: %s", path, name, exc)
            break
        if sid is not None and header.get("session") != sid:
            break
        sid = header.get("session")
        events += evs
        n += 1
    return Salvaged(sid if isinstance(sid, str) else None, events, n)
