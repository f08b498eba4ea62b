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
visitor sent, and only pages anyone can find:

  0. It is off until someone turns it on for the application (`replay app dictionary NAME
     --on`): saying that its site's pages are public, and that the intake asks them from
     outside whatever the site trusts (a host inside the site's network would be served
     what the public is not).
  1. It is made of the application's pages **as anyone is served them**: the intake asks each
     address for its HTML as it asks for a session's images (asset_fetch: a GET with no
     cookies and no credentials, from the application's own origins only - never a
     wildcard's - redirects too), keeps a text/html answer, and writes it as capture.js would
     send that page (html_to_events, URLs made absolute, masked with the application's rules,
     compact.encode). A page behind a login answers a login page or a refusal.
  2. Which addresses: those its stored sessions' pages (their views, the latest
     SAMPLE_SESSIONS sessions) went to that at least MIN_SESSIONS sessions visited, without
     their query and fragment, **and that the site's front page links to** (each origin's
     `/` and the pages its links name: what anyone finds without being given a link - never
     a password-reset, invitation or shared-document link, which answers anyone who has it;
     forged sessions cannot choose what is asked either). None with credentials, a path
     holding personal data the detectors find or what masking left of it, or a path segment
     holding something shaped like a secret (SECRET_SEGMENT). The most visited first, at most MAX_PAGES.
  3. `replay serve --no-assets` (nothing fetched from the sites) makes none. It is made at
     the first fetch after it is turned on, again every REBUILD_S or when the application's
     rules change (the one there is stays given meanwhile: it holds public pages), and tried
     again no sooner than RETRY_S after a try that made none (RETRY_FEW_S when it asked the
     site nothing: no page visited often enough yet); the try's reason is kept (Why).
  4. `replay app dictionary NAME` shows what the current one holds, which pages it was made
     of and why an address asked is not in it; `--off` stops them for the application (and
     removes them); the privacy workspace's Given to pages tab shows the same.

Files: DATA/shared-dictionaries/APP_ID/ holds `XXXXXXXX.bin` (the dictionary whose Adler-32 is
that hex) for the last KEEP made (a page keeps the one it fetched while it is open),
`current` (the newest's hex id, the digest of the rules it was masked with, the pages it was
made of, the addresses that failed and why) and `on` (dictionaries turned on for it).
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

import lxml.html
from lxml import etree

from ..asset_fetch import REASONS, Failure, Limits, fetch_one, origin_of
from ..assets import absolute_url
from ..paths import DATA_FOLDER_MODE, fsync_dir, write_durably
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
# a page's HTML: only MAX_BYTES of its skeleton is kept, so a longer page is only parsing time
PAGE_LIMITS = Limits(max_asset_bytes=512 * 1024, timeout_s=10.0, deadline_s=20.0)
SAMPLE_SESSIONS = 200      # the application's latest sessions whose addresses are counted
KEEP = 8                   # dictionaries kept per application (the newest)
REBUILD_S = 3600.0         # a dictionary older than this is rebuilt at the next fetch
RETRY_S = 600.0            # a build whose pages all failed is tried again no sooner
RETRY_FEW_S = 60.0         # ... one that found no page visited often enough (asked no site)
URL_ATTRS = ("href", "src", "action", "poster")   # made absolute, as capture.js sends them
CURRENT, ON, SUFFIX = "current", "on", ".bin"
NOT_A_PAGE = "not_a_page"   # asset_fetch.REASONS' word for an answer that is no HTML page
# a path segment shaped like a secret (2.): a reset token, an invitation, a share link - such an
# address is never asked
# (anywhere in the segment - `<uuid>.html`, `doc-<hex>.pdf` -: a UUID, a hex run, a JWT, or a
# word of 16+ letters and digits mixed, where a slug's words - `2024-05-spring-launch` - are short)
SECRET_SEGMENT = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?<![0-9a-z])[0-9a-f]{16,}"
    r"|eyJ[\w-]+\.[\w-]+|(?<![0-9a-z])(?=[0-9a-z]*\d)(?=[0-9a-z]*[a-z])[0-9a-z]{16,}",
    re.IGNORECASE)


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
    """A dictionary made: its bytes, and the pages it was made of."""
    data: bytes
    pages: tuple[str, ...]   # the addresses it was made of, the most visited first

    @property
    def id(self) -> int:
        return dictionary_id(self.data)


def address(url: str, base: str | None = None) -> str | None:
    """A page's address as a dictionary asks for it (2.): absolute http(s) (`base`: the page a
    link is on), no credentials, no query, no fragment; None for one whose path holds what
    the detectors find or what masking left of it (an e-mail in a profile's path: the
    address is in the dictionary the public token reads), or a segment shaped like a secret."""
    url = absolute_url(url, base)
    if url is None:
        return None
    parts = urlsplit(url)
    path = unquote(parts.path)
    if in_id(path) or masked_in(path) or any(SECRET_SEGMENT.search(seg) for seg in path.split("/")):
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


def build(pages: Iterable[Page], rules: Rules, max_bytes: int = MAX_BYTES,
          failed: dict[str, str] | None = None) -> Built | None:
    """A dictionary of these pages (the most visited first), or None without any: their
    skeletons, the most visited last (nearest to what is compressed: cheaper to reach), the
    least visited dropped when over `max_bytes` - the most visited alone over it gives its
    start (the snapshot's head, what every body of that page begins with). A page that is no
    document is noted in `failed` ("not_a_page")."""
    chosen: list[tuple[str, bytes]] = []
    size = 0
    for page in pages:
        try:
            shape = skeleton(page, rules)
        except (etree.ParserError, ValueError):   # an empty answer, no document in it
            if failed is not None:
                failed[page.url] = NOT_A_PAGE
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


def fetch_pages(urls: Iterable[str], allow: Callable[[str], bool],
                stop: Callable[[], bool] | None = None) -> tuple[list[Page], dict[str, str]]:
    """The pages at these addresses as anyone is served them (1.), and why the others are
    not among them (address -> the fetch's reason, asset_fetch.REASONS)."""
    pages, failed = [], {}
    for url in urls:
        if stop is not None and stop():
            break
        try:
            got = fetch_one(url, PAGE_LIMITS, allow, stop=stop, page=True)
        except Failure as exc:
            failed[url] = exc.reason
            continue
        pages.append(Page(url, got.data))
    return pages, failed


def linked(page: Page, allow: Callable[[str], bool]) -> set[str]:
    """The page's own address and those its links (`<a>`, `<area>`) name on allowed origins,
    as addresses (2.)."""
    found = {a for a in [address(page.url)] if a is not None}
    try:
        doc = lxml.html.document_fromstring(page.html)
    except (etree.ParserError, ValueError):
        return found
    for el in doc.iter("a", "area"):
        a = address(el.get("href") or "", page.url)
        if a is not None and allow(a):
            found.add(a)
    return found


def public_addresses(origins: Iterable[str], allow: Callable[[str], bool],
                     stop: Callable[[], bool] | None = None
                     ) -> tuple[set[str], list[Page], dict[str, str]]:
    """What anyone finds on the site without being given a link (2.): each origin's front
    page and the addresses it links to; with the front pages fetched (a dictionary may be
    made of them too) and why any did not answer."""
    pages, failed = fetch_pages([o.rstrip("/") + "/" for o in origins], allow, stop)
    found: set[str] = set()
    for page in pages:
        found |= linked(page, allow)
    return found, pages, failed


def make(often: list[str], origins: Iterable[str], allow: Callable[[str], bool],
         rules: Rules, failed: dict[str, str] | None = None,
         stop: Callable[[], bool] | None = None) -> Built | None:
    """A dictionary of the site's public pages (1., 2.): `often`, the addresses its sessions
    visited often enough (`addresses`; none: nothing is asked of the site); `origins`, the
    site's (none a wildcard), `allow` saying a URL is on one; what did not answer a page noted
    in `failed`."""
    failed = {} if failed is None else failed
    if not often:
        return None
    public, fronts, failed_fronts = public_addresses(origins, allow, stop)
    failed.update(failed_fronts)
    urls = [a for a in often if a in public]
    have = {p.url: p for p in fronts}
    pages, failed_pages = fetch_pages([u for u in urls if u not in have], allow, stop)
    failed.update(failed_pages)
    got = {p.url: p for p in pages} | have
    return build([got[u] for u in urls if u in got], rules, failed=failed)


def has_site(app: Application) -> bool:
    """Whether a build may ask the application's site for pages (3.): it has origins, none
    of them a wildcard (its pages could be any server's - of a domain: an internal host)."""
    return bool(app.origins) and not any("*" in o for o in app.origins)


class Why(enum.Enum):
    """Why a try made no dictionary (said in the log and by `replay app dictionary`)."""
    NO_SITE = ("the application takes batches from any origin, or names none: a dictionary"
               " needs its own site's")
    FEW_VISITS = f"no page of its site was visited by {MIN_SESSIONS} stored sessions yet"
    NO_PAGE = "no page visited that often answered a page its front page links to"
    BROKE = "the build failed (see the intake's log)"


@dataclass(frozen=True)
class DictionaryInfo:
    """What the application's last try noted."""
    id: str | None           # the dictionary given: its Adler-32 in hex (None: none made)
    built_ms: float          # epoch ms of the last try
    made_ms: float | None    # epoch ms the dictionary given was made
    why: Why | None          # why the last try made none
    pages: tuple[str, ...]   # the addresses it was made of
    failed: dict[str, str]   # the addresses asked and not in it -> why (asset_fetch.REASONS)


class State(enum.Enum):
    """What an application's pages are given now (`Dictionaries.shown`): (label, sentence)."""
    OFF = ("off", "off: its pages compress each batch on their own (`--on` turns it on for a"
                  " public site)")
    NONE = ("none yet", "none yet: made when its pages ask for it, of the pages of its site"
                        f" that its front page links to and {MIN_SESSIONS} stored sessions"
                        " visited")
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
    info: DictionaryInfo | None = None   # the last try (its failed addresses even when NONE)
    data: bytes | None = None            # GIVEN: the dictionary's bytes


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
        """Whether the application's pages may be given one (0.: off until turned on)."""
        return (self._dir(app_id) / ON).exists()

    def _state(self, app_id: str) -> tuple[dict, float] | None:
        """What `current` says ({"id": hex or None, "rules": digest, "pages", "failed"}) and
        when it was written; None: no try yet (or since it was turned on)."""
        path = self._dir(app_id) / CURRENT
        try:
            state = json.loads(path.read_bytes())
            return (state, path.stat().st_mtime) if isinstance(state, dict) else None
        except (OSError, ValueError):
            return None

    @staticmethod
    def _info(state: tuple[dict, float] | None) -> DictionaryInfo | None:
        if state is None:
            return None
        pages, failed = state[0].get("pages"), state[0].get("failed")
        hex_id = state[0].get("id")
        made, why = state[0].get("made_ms"), state[0].get("why")
        return DictionaryInfo(hex_id if _is_hex(hex_id) else None, state[1] * 1000,
                              made if isinstance(made, (int, float)) else None,
                              Why[why] if isinstance(why, str) and why in Why.__members__ else None,
                              tuple(p for p in pages if isinstance(p, str))
                              if isinstance(pages, list) else (),
                              {k: v for k, v in failed.items() if isinstance(v, str)}
                              if isinstance(failed, dict) else {})

    def shown(self, app_id: str) -> Shown:
        """What the application's pages are given now and what the last try found, for
        `replay app dictionary` and the privacy workspace (`current` read once)."""
        if not self.enabled(app_id):
            return Shown(State.OFF)
        info = self._info(self._state(app_id))
        data = self.lookup(app_id, int(info.id, 16)) if info is not None and info.id else None
        return Shown(State.GIVEN if data is not None else State.NONE, info, data)

    def current(self, app_id: str) -> bytes | None:
        """The application's newest dictionary, or None (none made yet, or off)."""
        return self.shown(app_id).data

    def lookup(self, app_id: str, dict_id: int) -> bytes | None:
        """The dictionary of that id, if the application still has it (a POST's DICTID)."""
        key = (app_id, dict_id)
        path = self._dir(app_id) / _file(dict_id)
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

    def stale(self, app_id: str, rules: Rules, now: float | None = None) -> bool:
        """Whether a fetch should start a build (3.) - `given`'s second half."""
        return self.given(app_id, rules, now)[1]

    def given(self, app_id: str, rules: Rules, now: float | None = None
              ) -> tuple[bytes | None, bool]:
        """What a page's fetch is answered (the dictionary given, or None) and whether it
        should start a build (3.): on, and no try yet, the application's rules changed since
        (the one there is stays given meanwhile), the last made none RETRY_S ago, or its
        dictionary is gone from disk or older than REBUILD_S - `current` read once."""
        if not self.enabled(app_id):
            return None, False
        state = self._state(app_id)
        hex_id = state[0].get("id") if state is not None else None
        data = self.lookup(app_id, int(hex_id, 16)) if _is_hex(hex_id) else None
        if state is None or state[0].get("rules") != _digest(rules):
            return data, True
        age = (now or time.time()) - state[1]
        if not _is_hex(hex_id):   # (a try that asked the site nothing is cheap to try again)
            return None, age >= (RETRY_FEW_S if state[0].get("why") == Why.FEW_VISITS.name
                                 else RETRY_S)
        return data, age >= REBUILD_S or data is None

    def rebuild(self, store, app: Application, rules: Rules,
                stop: Callable[[], bool] | None = None) -> Built | None:
        """Make the application's dictionary of its site's pages (1.-3.) and make it current;
        None: none made (off, no site to ask, no public address visited often enough, none
        answered a page) - the one there was, masked with the same rules, stays given. The try
        is noted whatever happens (a failing build is not tried again at every page load).
        `stop()`: the intake closing."""
        if not self.enabled(app.id):
            return None
        d = self._dir(app.id)
        d.mkdir(mode=DATA_FOLDER_MODE, parents=True, exist_ok=True)
        before = self._state(app.id)
        pages: tuple[str, ...] = ()
        failed: dict[str, str] = {}
        built, why = None, Why.BROKE
        try:
            built, why = self._make(store, app, rules, failed, stop)
        finally:
            name = _file(built.id)[:-len(SUFFIX)] if built is not None else None
            if built is not None:
                pages = built.pages
                path = d / _file(built.id)
                if not path.exists() or path.read_bytes() != built.data:
                    write_durably(path, built.data, d / f".{name}.{os.getpid()}.tmp")
                else:
                    os.utime(path)   # the newest again (`_prune` keeps the newest)
            elif before is not None and before[0].get("rules") == _digest(rules) \
                    and _is_hex(before[0].get("id")) \
                    and self.lookup(app.id, int(before[0]["id"], 16)) is not None:
                # the site did not answer this time: what it answered before stays given
                name, pages = before[0]["id"], tuple(before[0].get("pages") or ())
            write_durably(d / CURRENT, _json({"id": name, "rules": _digest(rules),
                                              "pages": list(pages), "failed": failed,
                                              "why": why.name if built is None else None,
                                              "made_ms": time.time() * 1000 if built is not None
                                              else (before[0].get("made_ms") if before is not None
                                                    and name is not None else None)}),
                          d / f".{CURRENT}.{os.getpid()}.tmp")
            fsync_dir(d)
        if not self.enabled(app.id):   # turned off while it was made: it goes again
            self.forget(app.id)
            return None
        if built is None:
            log.info("shared dictionary of application %s: none made - %s%s (`replay app"
                     " dictionary %s` says more)", app.name, why.value,
                     "".join(f"; {url}: {REASONS.get(r, r)}" for url, r in list(failed.items())[:3]),
                     app.name)
            return None
        self._prune(app.id, keep=name)
        log.info("shared dictionary %s of application %s: %s bytes, of %d page%s", name,
                 app.name, f"{len(built.data):,}", len(built.pages),
                 "" if len(built.pages) == 1 else "s")
        return built

    def _make(self, store, app: Application, rules: Rules, failed: dict[str, str],
              stop: Callable[[], bool] | None) -> tuple[Built | None, Why]:
        if not has_site(app):
            return None, Why.NO_SITE

        def allow(url: str) -> bool:
            try:
                return app.allows_origin(origin_of(url))
            except ValueError:
                return False
        visited = [[info.first_url or ""] + [v[2] or "" for v in store.index.views(info.id)]
                   for info in store.sessions(application=app.id, limit=SAMPLE_SESSIONS)]
        often = addresses(visited, allow)
        if not often:
            return None, Why.FEW_VISITS
        return make(often, app.origins, allow, rules, failed, stop), Why.NO_PAGE

    def rebuild_soon(self, store, app: Application, rules: Rules,
                     stop: Callable[[], bool] | None = None) -> None:
        """`rebuild` in a thread of its own, once at a time per application in this process
        (a fetch is answered with what there is meanwhile)."""
        with self._lock:
            if app.id in self._building:
                return
            self._building.add(app.id)

        def run() -> None:
            try:
                self.rebuild(store, app, rules, stop)
            except Exception:   # a build is an optimisation: say it, never break the intake
                log.exception("shared dictionary of application %s: the build failed", app.name)
            finally:
                with self._lock:
                    self._building.discard(app.id)
        threading.Thread(target=run, name=f"dictionary-{app.id}", daemon=True).start()

    def _prune(self, app_id: str, keep: str) -> None:
        def mtime(p: Path) -> float:
            with contextlib.suppress(OSError):
                return p.stat().st_mtime
            return 0.0
        kept = sorted(self._dir(app_id).glob(f"*{SUFFIX}"), key=mtime, reverse=True)
        for old in kept[KEEP:]:
            if old.stem != keep and _is_hex(old.stem):
                old.unlink(missing_ok=True)
                with self._lock:
                    self._cache.pop((app_id, int(old.stem, 16)), None)

    def forget(self, app_id: str) -> None:
        """Remove the application's dictionaries and what its last try noted."""
        d = self._dir(app_id)
        for p in list(d.glob(f"*{SUFFIX}")) + [d / CURRENT]:
            p.unlink(missing_ok=True)
        with self._lock:
            for key in [k for k in self._cache if k[0] == app_id]:
                del self._cache[key]

    def set_enabled(self, app_id: str, on: bool) -> None:
        """Turn the application's dictionaries on (made at its pages' next fetch) or off
        (removed)."""
        d = self._dir(app_id)
        if on:
            d.mkdir(mode=DATA_FOLDER_MODE, parents=True, exist_ok=True)
            (d / ON).touch()
            (d / CURRENT).unlink(missing_ok=True)   # tried at the next fetch, not RETRY_S on
            return
        (d / ON).unlink(missing_ok=True)
        self.forget(app_id)


def _file(dict_id: int) -> str:
    """A dictionary's file name: its Adler-32 in hex (`_is_hex`)."""
    return f"{dict_id:08x}{SUFFIX}"


def _is_hex(s: Any) -> bool:
    return isinstance(s, str) and len(s) == 8 and all(c in "0123456789abcdef" for c in s)


def _digest(rules: Rules) -> str:
    return hashlib.sha256(_json(rules.to_json())).hexdigest()[:32]
