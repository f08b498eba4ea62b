"""Shared dictionaries: what an application's pages have in common, given to capture.js so it
compresses each request body against it (RFC 1950's preset dictionary).

A page's first batch is mostly its snapshot, and every visitor's snapshot of the same page is
nearly the same bytes: the markup's structure, its class names, its static text. Compressed on
its own, each body starts from an empty window; compressed against the page as the site serves
it, the snapshot becomes references (on the demo shop a visit sends about half the bytes).
HTTP's Compression Dictionary Transport does the same for responses; this is the request side,
in zlib's own format, so no new decoder is needed:

    GET  /v1/dictionary?app=APP_ID&token=T  200 the dictionary's bytes, or 204 (none yet)
    POST /v1/events  Content-Encoding: deflate, the body a zlib stream whose header has FDICT
                     set and the dictionary's Adler-32 (DICTID) - decoded with that
                     dictionary (`Dictionaries.lookup`); an id the intake no longer has is
                     409 unknown_dictionary, and capture.js sends the batch again without

What a dictionary holds - the client token is public, so anyone can fetch it - is nothing a
visitor sent:

  1. It is made of the application's pages **as anyone fetches them**: the intake asks each
     address for its HTML as the images' fetch asks (asset_fetch: a GET with no cookies and no
     credentials, from the application's own origins only - never a wildcard's - redirects
     too), keeps a text/html answer, and serializes it as capture.js would send that page
     (html_to_events, URLs made absolute, masked with the application's rules, compact.encode).
     A page behind a login answers a login page or a refusal: its visitors' view is not in it.
  2. Which addresses: those of the application's stored sessions' pages (their views) that at
     least MIN_SESSIONS sessions visited, without their query and fragment (a query may carry
     a token or an e-mail the rules did not scrub; a one-off address is a person's, not the
     site's), none whose path holds personal data the detectors find, the most visited first,
     at most MAX_PAGES.
  3. `replay serve --no-assets` (the intake never contacts the sites) makes none; so does an
     application whose origins are a wildcard or none (there is no site to ask).
  4. `replay app dictionary NAME` shows what the current one holds and which pages it was
     made of, `--off` stops them for the application (and removes them), `--on` allows them
     again; the privacy workspace's Given to pages tab shows the same.

Files: DATA/shared-dictionaries/APP_ID/ holds `XXXXXXXX.bin` (the dictionary whose Adler-32 is
that hex, write-once) for the last KEEP built (a page keeps the one it fetched for its life),
`current` (the newest's hex id, the digest of the rules it was masked with, the pages it was
made of, the application's sessions then) and `off` (the application's dictionaries stopped).
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
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from lxml import etree

from ..asset_fetch import Failure, Limits, fetch_one, origin_of
from ..paths import fsync_dir, write_durably
from ..privacy import Rules
from ..privacy.detectors import in_id, masked_in
from ..privacy.masker import mask_session
from ..privacy.preview import html_to_events
from . import compact
from .apps import Application

log = logging.getLogger(__name__)

FOLDER = "shared-dictionaries"
MIN_SESSIONS = 5           # an address fewer stored sessions visited is not asked for (2.)
MAX_PAGES = 8              # addresses asked for per build (2.)
MAX_BYTES = 24_576         # deflate's window is 32 KB: the body must still reach its start
PAGE_LIMITS = Limits(max_asset_bytes=2 * 1024 * 1024, timeout_s=10.0, deadline_s=20.0)
SAMPLE_SESSIONS = 200      # the application's latest sessions whose addresses are counted
KEEP = 8                   # dictionaries kept per application (the newest)
REBUILD_S = 3600.0         # a dictionary older than this is rebuilt at the next fetch
RETRY_S = 600.0            # a build whose pages all failed is tried again no sooner
URL_ATTRS = ("href", "src", "action", "poster")   # made absolute, as capture.js sends them
CURRENT, OFF, SUFFIX = "current", "off", ".bin"


def dictionary_id(data: bytes) -> int:
    """The dictionary's id: its Adler-32, which a zlib stream's header names (DICTID)."""
    return zlib.adler32(data) & 0xFFFFFFFF


@dataclass(frozen=True)
class Page:
    """A page of the application as the site served it to no one in particular."""
    url: str
    html: bytes


@dataclass(frozen=True)
class Built:
    data: bytes
    pages: tuple[str, ...]   # the addresses it was made of, the most visited first

    @property
    def id(self) -> int:
        return dictionary_id(self.data)


def address(url: str) -> str | None:
    """A page's address as a dictionary asks for it: http(s), no query, no fragment; None for
    one whose path holds what the detectors find, or what masking left of it (an e-mail in a
    profile's path: the address is in the dictionary, which the public token reads) (2.)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    path = unquote(parts.path)
    if in_id(path) or masked_in(path):
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))


def addresses(urls_per_session: Iterable[Iterable[str]], allowed: Callable[[str], bool],
              min_sessions: int = MIN_SESSIONS, most: int = MAX_PAGES) -> list[str]:
    """The addresses at least `min_sessions` sessions visited (each session counted once per
    address), on an allowed origin, the most visited first (2.)."""
    seen: Counter = Counter()
    for urls in urls_per_session:
        seen.update({a for a in map(address, urls) if a is not None})
    return [a for a, n in sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))
            if n >= min_sessions and allowed(a)][:most]


def _absolute(node: dict, base: str) -> None:
    stack = [node]
    while stack:
        n = stack.pop()
        attrs = n.get("attributes")
        if attrs:
            for k in URL_ATTRS:
                v = attrs.get(k)
                if isinstance(v, str) and v and not v.startswith("#"):
                    with contextlib.suppress(ValueError):
                        attrs[k] = urljoin(base, v)
        stack.extend(n.get("childNodes") or ())


def skeleton(page: Page, rules: Rules) -> bytes:
    """The page as capture.js's body array would carry its snapshot (compact.BODY_FIELDS;
    its session and batch ids empty), masked with `rules` (1.)."""
    events = html_to_events(page.html, href=page.url)
    _absolute(events[1]["data"]["node"], page.url)
    events = mask_session(events, rules)[1]
    out, strings = compact.encode(events, compact.VERSIONS[compact.ENCODING_6])
    return _json([compact.ENCODING_6, "", "", out, strings])


def _json(x: Any) -> bytes:
    # as JSON.stringify writes it: no spaces, non-ASCII as is (a lone surrogate, which UTF-8
    # cannot hold, as "?": a dictionary need not be exact, only close)
    return json.dumps(x, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "replace")


def build(pages: Iterable[Page], rules: Rules, max_bytes: int = MAX_BYTES) -> Built | None:
    """A dictionary of these pages (the most visited first), or None without any: their
    skeletons, the most visited last (nearest to what is compressed: cheaper to reach), the
    least visited dropped when over `max_bytes` - the most visited alone over it gives its
    start (the snapshot's head, what every body of that page begins with)."""
    chosen: list[tuple[str, bytes]] = []
    size = 0
    for page in pages:
        try:
            shape = skeleton(page, rules)
        except (etree.ParserError, ValueError):   # an empty answer, no document in it
            continue
        if size + len(shape) > max_bytes:
            if chosen:
                continue
            shape = shape[:max_bytes]
        chosen.append((page.url, shape))
        size += len(shape)
    if not chosen:
        return None
    return Built(b"".join(shape for _, shape in reversed(chosen)),
                 tuple(url for url, _ in chosen))


def held_strings(data: bytes) -> set[str]:
    """The strings a dictionary holds (its skeletons one after the other, the first perhaps cut
    short: every whole JSON string in it), "" left out: what `replay app dictionary --strings`
    shows."""
    held = {json.loads(m) for m in _JSON_STRING.findall(data.decode("utf-8", "replace"))}
    held.discard("")
    return held


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def fetch_pages(urls: Iterable[str], allow: Callable[[str], bool]) -> tuple[list[Page], dict[str, str]]:
    """The pages at these addresses as anyone is served them (1.), and why the others are
    not among them (address -> the fetch's reason)."""
    pages, failed = [], {}
    for url in urls:
        try:
            got = fetch_one(url, PAGE_LIMITS, allow, page=True)
        except Failure as exc:
            failed[url] = exc.reason
            continue
        pages.append(Page(url, got.data))
    return pages, failed


def has_site(app: Application) -> bool:
    """Whether a build may ask the application's site for pages (3.): it has origins, none
    of them a wildcard (its pages could be any server's - of a domain: an internal host)."""
    return bool(app.origins) and not any("*" in o for o in app.origins)


@dataclass(frozen=True)
class DictionaryInfo:
    id: str                  # its Adler-32 in hex
    built_ms: float          # epoch ms
    pages: tuple[str, ...]   # the addresses it was made of
    failed: dict[str, str]   # the addresses asked and not in it -> why (asset_fetch.REASONS)


class State(enum.Enum):
    """What an application's pages are given now (`Dictionaries.shown`): (label, sentence)."""
    OFF = ("off", "off: its pages compress each batch on their own")
    NONE = ("none yet", "none yet: made when its pages ask for it, from the pages of the site"
                        f" that {MIN_SESSIONS} stored sessions visited")
    GIVEN = ("given", "given to its pages")

    @property
    def label(self) -> str:
        return self.value[0]

    @property
    def sentence(self) -> str:
        return self.value[1]


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
        """What `current` says ({"id": hex or None, "rules": digest, "pages", "failed",
        "sessions"}) and when it was written; None: no build tried (or it was removed)."""
        path = self._dir(app_id) / CURRENT
        try:
            state = json.loads(path.read_bytes())
            return (state, path.stat().st_mtime) if isinstance(state, dict) else None
        except (OSError, ValueError):
            return None

    def info(self, app_id: str) -> DictionaryInfo | None:
        """The current dictionary's id, when it was built and of what (None: there is none)."""
        state = self._state(app_id)
        if state is None or not _is_hex(state[0].get("id")):
            return None
        pages = state[0].get("pages")
        return DictionaryInfo(state[0]["id"], state[1] * 1000,
                              tuple(p for p in pages if isinstance(p, str))
                              if isinstance(pages, list) else (), self.failed(app_id))

    def failed(self, app_id: str) -> dict[str, str]:
        """The addresses the last build asked for and did not get a page of -> why."""
        state = self._state(app_id)
        failed = state[0].get("failed") if state is not None else None
        return {k: v for k, v in failed.items() if isinstance(v, str)} \
            if isinstance(failed, dict) else {}

    def shown(self, app_id: str) -> Shown:
        """What the application's pages are given now, for `replay app dictionary` and the
        privacy workspace."""
        if not self.enabled(app_id):
            return Shown(State.OFF)
        data, info = self.current(app_id), self.info(app_id)
        if data is not None:
            return Shown(State.GIVEN, info, data)
        return Shown(State.NONE, info)

    def current(self, app_id: str) -> bytes | None:
        """The application's newest dictionary, or None (none built yet, or stopped)."""
        state = self._state(app_id)
        if state is None or not self.enabled(app_id):
            return None
        hex_id = state[0].get("id")
        return self.lookup(app_id, int(hex_id, 16)) if _is_hex(hex_id) else None

    def lookup(self, app_id: str, dict_id: int) -> bytes | None:
        """The dictionary of that id, if the application still has it (a POST's DICTID)."""
        key = (app_id, dict_id)
        path = self._dir(app_id) / f"{dict_id:08x}{SUFFIX}"
        with self._lock:
            data = self._cache.get(key)
        if data is not None:
            if path.exists():
                return data
            with self._lock:   # removed (`--off`, pruned) by another process
                self._cache.pop(key, None)
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if dictionary_id(data) != dict_id:   # damaged on disk: never decode with it
            return None
        with self._lock:
            self._cache[key] = data
        return data

    def stale(self, app_id: str, rules: Rules, sessions: Callable[[], int],
              now: float | None = None) -> bool:
        """Whether a fetch should start a build: none tried yet, the application's rules
        changed since (the one there is stays given meanwhile: what it holds is public), the
        last made none and sessions were stored since (`sessions()`: how many the application
        has now; RETRY_S after one whose pages failed), or the last is older than REBUILD_S."""
        if not self.enabled(app_id):
            return False
        state = self._state(app_id)
        if state is None or state[0].get("rules") != _digest(rules):
            return True
        age = (now or time.time()) - state[1]
        if not state[0].get("id"):
            # none made: asked no page (no address visited often enough) - again once other
            # sessions are stored; asked and got none - not before RETRY_S (a site whose
            # pages all want a login is not asked at every page load of its visitors)
            return sessions() != state[0].get("sessions") and \
                (not state[0].get("failed") or age >= RETRY_S)
        return age >= REBUILD_S

    def rebuild(self, store, app: Application, rules: Rules) -> Built | None:
        """Make the application's dictionary from its site's pages (1.-3.) and make it
        current; None: none made (stopped, no site to ask, no address visited often enough,
        none of them answered a page)."""
        app_id = app.id
        if not self.enabled(app_id):
            return None
        site = has_site(app)
        sessions = store.index.count_sessions(application=app_id)
        urls: list[str] = []
        failed: dict[str, str] = {}
        built = None
        if site:
            def allow(url: str) -> bool:
                try:
                    return app.allows_origin(origin_of(url))
                except ValueError:
                    return False
            visited = ([info.first_url or ""] + [v[2] or "" for v in store.index.views(info.id)]
                       for info in store.sessions(application=app_id, limit=SAMPLE_SESSIONS))
            urls = addresses(visited, allow)
            pages, failed = fetch_pages(urls, allow)
            built = build(pages, rules)
        d = self._dir(app_id)
        d.mkdir(parents=True, exist_ok=True)
        name = f"{built.id:08x}" if built is not None else None
        path = d / f"{name}{SUFFIX}"
        if built is not None and (not path.exists() or path.read_bytes() != built.data):
            write_durably(path, built.data, d / f".{name}.{os.getpid()}.tmp")
        elif built is not None:
            os.utime(path)   # the newest again (`_prune` keeps the newest)
        # (None: tried - the next try when the application has other sessions)
        write_durably(d / CURRENT, _json({"id": name, "rules": _digest(rules),
                                          "pages": list(built.pages) if built else [],
                                          "failed": failed, "sessions": sessions}),
                      d / f".{CURRENT}.{os.getpid()}.tmp")
        fsync_dir(d)
        if built is None:
            log.info("shared dictionary of application %s: none made (%s)", app_id,
                     "its origins are a wildcard or none" if not site else
                     f"{len(urls)} addresses visited by {MIN_SESSIONS} sessions or more,"
                     f" {len(failed)} of them not a page")
            return None
        self._prune(d, keep=name)
        log.info("shared dictionary %s of application %s: %d bytes, from %d pages", name,
                 app_id, len(built.data), len(built.pages))
        return built

    def rebuild_soon(self, store, app: Application, rules: Rules) -> None:
        """`rebuild` in a thread of its own, once at a time per application in this process
        (a fetch is answered with what there is meanwhile)."""
        app_id = app.id
        with self._lock:
            if app_id in self._building:
                return
            self._building.add(app_id)

        def run() -> None:
            try:
                self.rebuild(store, app, rules)
            except Exception:   # a build is an optimisation: say it, never break the intake
                log.exception("shared dictionary of application %s: the build failed", app_id)
            finally:
                with self._lock:
                    self._building.discard(app_id)
        threading.Thread(target=run, name=f"dictionary-{app_id}", daemon=True).start()

    def _prune(self, d: Path, keep: str) -> None:
        def mtime(p: Path) -> float:
            with contextlib.suppress(OSError):
                return p.stat().st_mtime
            return 0.0
        kept = sorted(d.glob(f"*{SUFFIX}"), key=mtime, reverse=True)
        for old in kept[KEEP:]:
            if old.stem != keep:
                old.unlink(missing_ok=True)

    def forget(self, app_id: str) -> int:
        """Remove the application's dictionaries; how many there were."""
        d = self._dir(app_id)
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


def _is_hex(s: Any) -> bool:
    return isinstance(s, str) and len(s) == 8 and all(c in "0123456789abcdef" for c in s)


def _digest(rules: Rules) -> str:
    return hashlib.sha256(_json(rules.to_json())).hexdigest()[:32]
