"""Shared dictionaries: what an application's pages have in common, given to capture.js so it
compresses each request body against it (RFC 1950's preset dictionary).

A page's first batch is mostly its snapshot, and every visitor's snapshot of the same page is
nearly the same bytes: the markup's structure, its class names, its static text. Compressed on
its own, each body starts from an empty window; compressed against what earlier visitors'
pages held, the snapshot becomes a few hundred bytes of references (about a third of the bytes
on the demo shop). HTTP's Compression Dictionary Transport does the same for responses; this is
the request side, in zlib's own format, so no new decoder is needed:

    GET  /v1/dictionary?app=APP_ID&token=T  200 the dictionary's bytes, or 204 (none yet)
    POST /v1/events  Content-Encoding: deflate, the body a zlib stream whose header has FDICT
                     set and the dictionary's Adler-32 (DICTID) - decoded with that
                     dictionary (`Dictionaries.lookup`); an id the intake no longer has is
                     409 unknown_dictionary, and capture.js sends the batch again without

What a dictionary may hold - the client token is public, so anyone can fetch it:

  1. It is made from the application's stored sessions (what the privacy pass let through,
     never a request's body as sent), masked again with the rules the application's batches
     are masked with now (a rule added since masks what older sessions still hold), then
     re-encoded as capture.js encodes them (compact.encode).
  2. A string (a text, an attribute value, a URL, an object's key) is in it only when at
     least MIN_VISITORS visitors' pages held it: sessions are counted by their user when
     the site identified one (one person's ten visits are one visitor), else one each. A
     name typed into a form, an order number, a greeting with someone's name: held by one
     visitor, never in it. Other strings are written empty, keys they are not the same for.
  3. Numbers of MAX_NUMBER or more (times, large ids) are written 0; strings longer than
     MAX_STRING_CHARS (stylesheets: capture.js names them by digest) are written empty.
  4. A change of what is stored changes what a dictionary may hold: deleting or re-masking
     any session of the application removes all its dictionaries (`forget_application`,
     called by the store); the next fetch builds one from what remains.
  5. `replay app dictionary NAME` shows what the current one holds, `--off` stops them
     for the application (and removes them), `--on` allows them again.

Files: DATA/shared-dictionaries/APP_ID/ holds `XXXXXXXX.bin` (the dictionary whose Adler-32 is
that hex, write-once) for the last KEEP built (a page keeps the one it fetched for its life),
`current` (the newest's hex id, the digest of the rules it was masked with, the application's
sessions then), `off` (the application's dictionaries stopped) and `forgotten` (changed by each
removal: a build that read the store meanwhile drops what it made).
Several intake workers share the folder: a build is whole-file-or-nothing (durable_file) and
`current` is replaced atomically; two workers building at once only build the same thing twice.
"""
from __future__ import annotations

import contextlib
import enum
import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ..format import EventType
from ..paths import fsync_dir, write_durably
from ..privacy import Rules
from ..privacy.masker import mask_session
from . import compact

log = logging.getLogger(__name__)

FOLDER = "shared-dictionaries"
MIN_VISITORS = 5           # a string seen by fewer visitors' pages is not in a dictionary (2.)
MAX_BYTES = 24_576         # deflate's window is 32 KB: the body must still reach its start
MAX_STRING_CHARS = 1_000   # (3.) a longer string is a stylesheet or a document: not structure
MAX_NUMBER = 100_000       # (3.) times since the epoch, large ids
SAMPLE_SESSIONS = 40       # the application's latest sessions a build reads
PAGE_EVENTS = 80           # a page's first events read: its snapshot and what follows it
SESSION_EVENTS = 2_000     # a long session is read no further than this
KEEP = 8                   # dictionaries kept per application (the newest)
REBUILD_S = 3600.0         # a dictionary older than this is rebuilt at the next fetch
CURRENT, OFF, FORGOTTEN, SUFFIX = "current", "off", "forgotten", ".bin"


def dictionary_id(data: bytes) -> int:
    """The dictionary's id: its Adler-32, which a zlib stream's header names (DICTID)."""
    return zlib.adler32(data) & 0xFFFFFFFF


@dataclass(frozen=True)
class Visit:
    """A session's events, for a build: `visitor` says whose (a user id, else the session's)."""
    visitor: str
    events: Sequence[dict]


@dataclass(frozen=True)
class Built:
    data: bytes
    sessions: int
    visitors: int
    strings: int    # distinct strings it holds

    @property
    def id(self) -> int:
        return dictionary_id(self.data)


def _pages(events: Sequence[dict]) -> list[list[dict]]:
    """Each page of a session (from a Meta event) as capture.js's first batches carry it: its
    first PAGE_EVENTS events."""
    pages: list[list[dict]] = []
    for e in events:
        if not isinstance(e, dict):
            continue
        if e.get("type") == EventType.Meta:
            pages.append([])
        if pages and len(pages[-1]) < PAGE_EVENTS:
            pages[-1].append(e)
    return pages


def _href(page: list[dict]) -> str:
    data = page[0].get("data")
    href = data.get("href") if isinstance(data, dict) else None
    return href if isinstance(href, str) else ""


def _body(events: list[dict]) -> list:
    """A page's events as capture.js's body array would hold them (compact.BODY_FIELDS), its
    session and batch ids empty (they are never the same twice)."""
    out, strings = compact.encode(events, 6)
    return [compact.ENCODING_6, "", "", out, strings]


def _strings(x: Any, into: set) -> None:
    if isinstance(x, str):
        into.add(x)
    elif isinstance(x, list):
        for v in x:
            _strings(v, into)
    elif isinstance(x, dict):
        for k, v in x.items():
            into.add(k)
            _strings(v, into)


def _kept(x: Any, common: set) -> Any:
    """`x` with what is not common to MIN_VISITORS visitors written empty (2., 3.)."""
    if isinstance(x, str):
        return x if x in common and len(x) <= MAX_STRING_CHARS else ""
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, (int, float)):
        return x if abs(x) < MAX_NUMBER else 0
    if isinstance(x, list):
        return [_kept(v, common) for v in x]
    if isinstance(x, dict):
        return {k: _kept(v, common) for k, v in x.items() if k in common}
    return None


def _json(x: Any) -> bytes:
    # as JSON.stringify writes it: no spaces, non-ASCII as is (a lone surrogate, which a page's
    # text may hold and UTF-8 cannot, as "?": a dictionary need not be exact, only close)
    return json.dumps(x, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "replace")


def build(visits: Iterable[Visit], min_visitors: int = MIN_VISITORS,
          max_bytes: int = MAX_BYTES) -> Built | None:
    """A dictionary from these visits (the latest last), or None when fewer than
    `min_visitors` visitors are among them. Each page address's skeleton (its latest body
    with what is not common written empty) once; the pages most visitors saw last (nearest to what is
    compressed: cheaper to reach), the least seen dropped when over `max_bytes`."""
    bodies: list[tuple[str, list, str]] = []   # (visitor, a page's body, its address), oldest first
    holders: dict[str, set[str]] = {}     # string -> visitors whose pages held it
    sessions = 0
    for visit in visits:
        sessions += 1
        for page in _pages(visit.events):
            body = _body(page)
            seen: set = set()
            _strings(body, seen)
            for s in seen:
                holders.setdefault(s, set()).add(visit.visitor)
            bodies.append((visit.visitor, body, _href(page)))
    visitors = {v for v, _, _ in bodies}
    if len(visitors) < min_visitors:
        return None
    common = {s for s, who in holders.items() if len(who) >= min_visitors}
    # one skeleton per page address (the latest visit's: the page as it is now), and how
    # many visitors saw that page; an address held by few visitors is "" (one skeleton)
    shapes: dict[str, tuple[bytes, set[str]]] = {}
    for visitor, body, href in reversed(bodies):
        key = href if href in common else ""
        if key not in shapes:
            shapes[key] = (_json(_kept(body, common)), set())
        shapes[key][1].add(visitor)
    chosen: list[bytes] = []
    size = 0
    for shape, who in sorted(shapes.values(), key=lambda sw: -len(sw[1])):   # stable: latest first
        if size + len(shape) > max_bytes:
            if chosen:
                continue
            # the most visited page alone is over the budget (a shop's grid of products):
            # its start, the snapshot's head, is what every body of it begins with
            shape = shape[:max_bytes]
        chosen.append(shape)
        size += len(shape)
    if not chosen:
        return None
    data = b"".join(reversed(chosen))   # the most seen last
    return Built(data, sessions, len(visitors), len(held_strings(data)))


def held_strings(data: bytes) -> set[str]:
    """The strings a dictionary holds (its skeletons one after the other, the last perhaps cut
    short: every whole JSON string in it), "" left out: what `replay app dictionary --strings`
    shows."""
    held = {json.loads(m) for m in _JSON_STRING.findall(data.decode("utf-8", "replace"))}
    held.discard("")
    return held


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def visits_of(store, app_id: str, rules: Rules, limit: int = SAMPLE_SESSIONS) -> list[Visit]:
    """The application's latest stored sessions (at most `limit`), oldest first, each read to
    its pages' first events and masked with `rules` (1.)."""
    out: list[Visit] = []
    for info in store.sessions(application=app_id, limit=limit):
        events: list[dict] = []
        with contextlib.suppress(Exception), store.session(info.id) as reader:
            n = 0
            for i, e in enumerate(reader.events()):
                if i >= SESSION_EVENTS:
                    break
                if isinstance(e, dict) and e.get("type") == EventType.Meta:
                    n = 0
                if n < PAGE_EVENTS:
                    events.append(e)
                n += 1
        if events:
            events = mask_session(events, rules)[1]
            out.append(Visit(info.user_id or f"session:{info.id}", events))
    out.sort(key=lambda v: v.events[0].get("timestamp", 0) if v.events else 0)
    return out


@dataclass(frozen=True)
class DictionaryInfo:
    id: str          # its Adler-32 in hex
    built_ms: float  # epoch ms


class State(enum.Enum):
    """What an application's pages are given now (`Dictionaries.shown`), as said to a person."""
    OFF = "off: its pages compress each batch on their own"
    NONE = "none yet: built when its pages fetch it and enough visitors' sessions are stored"
    STALE = "not given: built under other rules, built again at its pages' next fetch"
    GIVEN = "given to its pages"


@dataclass(frozen=True)
class Shown:
    state: State
    info: DictionaryInfo | None = None
    data: bytes | None = None      # GIVEN: the dictionary's bytes


class Dictionaries:
    """The shared dictionaries of a data folder's applications (the files above)."""

    def __init__(self, data_dir: Path | str):
        self.root = Path(data_dir) / FOLDER
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, int], bytes] = {}
        self._building: set[str] = set()

    def _dir(self, app_id: str) -> Path:
        return self.root / app_id

    def enabled(self, app_id: str) -> bool:
        return not (self._dir(app_id) / OFF).exists()

    def _state(self, app_id: str) -> tuple[dict, float] | None:
        """What `current` says ({"id": hex or None, "rules": digest}) and when it was
        written; None: no build tried (or its dictionaries forgotten)."""
        path = self._dir(app_id) / CURRENT
        try:
            return json.loads(path.read_bytes()), path.stat().st_mtime
        except (OSError, ValueError):
            return None

    def info(self, app_id: str) -> DictionaryInfo | None:
        """The current dictionary's id and when it was built (None: there is none)."""
        state = self._state(app_id)
        if state is None or not _is_hex(state[0].get("id")):
            return None
        return DictionaryInfo(state[0]["id"], state[1] * 1000)

    def shown(self, app_id: str, rules: Rules) -> Shown:
        """What the application's pages are given now, for `replay app dictionary` and the
        privacy workspace."""
        if not self.enabled(app_id):
            return Shown(State.OFF)
        data, info = self.current(app_id, rules), self.info(app_id)
        if data is not None:
            return Shown(State.GIVEN, info, data)
        return Shown(State.STALE if info is not None else State.NONE, info)

    def current(self, app_id: str, rules: Rules) -> bytes | None:
        """The application's newest dictionary, or None (none built yet, stopped, or built
        under other rules than `rules`: what it holds may be masked now)."""
        state = self._state(app_id)
        if state is None or not self.enabled(app_id) or state[0].get("rules") != _digest(rules):
            return None
        hex_id = state[0].get("id")
        return self.lookup(app_id, int(hex_id, 16)) if _is_hex(hex_id) else None

    def lookup(self, app_id: str, dict_id: int) -> bytes | None:
        """The dictionary of that id, if the application still has it (a POST's DICTID)."""
        key = (app_id, dict_id)
        with self._lock:
            data = self._cache.get(key)
        if data is not None:
            if (self._dir(app_id) / f"{dict_id:08x}{SUFFIX}").exists():
                return data
            with self._lock:   # forgotten (a deletion): another worker removed it
                self._cache.pop(key, None)
            return None
        try:
            data = (self._dir(app_id) / f"{dict_id:08x}{SUFFIX}").read_bytes()
        except OSError:
            return None
        if dictionary_id(data) != dict_id:   # damaged on disk: never decode with it
            return None
        with self._lock:
            self._cache[key] = data
        return data

    def stale(self, app_id: str, rules: Rules, sessions: Callable[[], int],
              now: float | None = None) -> bool:
        """Whether a fetch should start a build: none tried yet, the rules changed since, the
        last found too few visitors and sessions were stored since (`sessions()`: how many
        the application has now), or the last is older than REBUILD_S."""
        if not self.enabled(app_id):
            return False
        state = self._state(app_id)
        if state is None or state[0].get("rules") != _digest(rules):
            return True
        if not state[0].get("id"):
            return sessions() != state[0].get("sessions")
        return (now or time.time()) - state[1] >= REBUILD_S

    def rebuild(self, store, app_id: str, rules: Rules) -> Built | None:
        """Build the application's dictionary from its stored sessions, masked with `rules`
        (the application's now), and make it current (None: too few visitors yet, or the
        application's are stopped)."""
        if not self.enabled(app_id):
            return None
        d = self._dir(app_id)
        d.mkdir(parents=True, exist_ok=True)   # (before: a removal meanwhile marks it)
        forgotten = self._forgotten(d)
        sessions = store.index.count_sessions(application=app_id)
        built = build(visits_of(store, app_id, rules))
        name = f"{built.id:08x}" if built is not None else None
        if built is not None and not (d / f"{name}{SUFFIX}").exists():
            write_durably(d / f"{name}{SUFFIX}", built.data, d / f".{name}.{os.getpid()}.tmp")
        # (None: tried - the next try when the application has other sessions)
        write_durably(d / CURRENT, _json({"id": name, "rules": _digest(rules),
                                          "sessions": sessions}),
                      d / f".{CURRENT}.{os.getpid()}.tmp")
        if self._forgotten(d) != forgotten:
            # a session was deleted or rewritten while this build read the store (4.): what
            # it wrote may hold what went - removed (a forget after this one removes it too)
            self.forget(app_id)
            return None
        if built is None:
            return None
        fsync_dir(d)
        self._prune(d)
        log.info("shared dictionary %s of application %s: %d bytes, from %d sessions of %d"
                 " visitors", name, app_id, len(built.data), built.sessions, built.visitors)
        return built

    def rebuild_soon(self, store, app_id: str, rules: Rules) -> None:
        """`rebuild` in a thread of its own, once at a time per application (a fetch is
        answered with what there is meanwhile)."""
        with self._lock:
            if app_id in self._building:
                return
            self._building.add(app_id)

        def run() -> None:
            try:
                self.rebuild(store, app_id, rules)
            except Exception:   # a build is an optimisation: say it, never break the intake
                log.exception("shared dictionary of application %s: the build failed", app_id)
            finally:
                with self._lock:
                    self._building.discard(app_id)
        threading.Thread(target=run, name=f"dictionary-{app_id}", daemon=True).start()

    @staticmethod
    def _forgotten(d: Path) -> str | None:
        with contextlib.suppress(OSError):
            return (d / FORGOTTEN).read_text()
        return None

    def _prune(self, d: Path) -> None:
        kept = sorted(d.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[KEEP:]:
            old.unlink(missing_ok=True)

    def forget(self, app_id: str) -> int:
        """Remove the application's dictionaries (a session of it deleted or re-masked: 4.);
        how many there were."""
        d = self._dir(app_id)
        if d.is_dir():   # a build running meanwhile sees it and drops what it made (rebuild)
            (d / FORGOTTEN).write_text(os.urandom(8).hex())
        gone = 0
        for p in list(d.glob(f"*{SUFFIX}")) + [d / CURRENT]:
            if p.exists():
                p.unlink(missing_ok=True)
                gone += p.suffix == SUFFIX
        with self._lock:
            for key in [k for k in self._cache if k[0] == app_id]:
                del self._cache[key]
        return gone

    def set_enabled(self, app_id: str, on: bool) -> None:
        d = self._dir(app_id)
        if on:
            (d / OFF).unlink(missing_ok=True)
            return
        d.mkdir(parents=True, exist_ok=True)
        (d / OFF).touch()
        self.forget(app_id)

    def remove_application(self, app_id: str) -> None:
        shutil.rmtree(self._dir(app_id), ignore_errors=True)


def _is_hex(s: Any) -> bool:
    return isinstance(s, str) and len(s) == 8 and all(c in "0123456789abcdef" for c in s)


def _digest(rules: Rules) -> str:
    return hashlib.sha256(_json(rules.to_json())).hexdigest()[:32]


def forget_application(data_dir: Path | str, app_id: str | None) -> int:
    """The store's call when a session of `app_id` is deleted or rewritten (4.)."""
    if not app_id:
        return 0
    return Dictionaries(data_dir).forget(app_id)
