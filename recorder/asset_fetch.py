"""Fetching a recording's images and fonts (recorder.assets) into the asset store - the one
place replay asks the network for anything, and only when a person asked (`replay assets
fetch`) or the intake's operator left it on (`replay serve`, the application's own origins).

What a fetch is allowed to do:
- GET over http(s) only; no cookies, no credentials (a URL with a user or password is not
  fetched), no Referer - nothing of the session goes with the request but its URL;
- redirects followed `MAX_REDIRECTS` times at most, each to http(s), and each to an origin
  the caller allows (`allow`: the intake allows its application's origins only);
- an answer is kept only if it is an image or a font: its Content-Type (image/*, font/*, the
  old font types), or - for application/octet-stream or none - what its first bytes are;
  anything else (an HTML error page, a script) is refused and not stored;
- at most `max_asset_bytes` per file (a longer answer - a Content-Length over it, or bytes
  past it - is cut off there and not stored) and `max_session_bytes` per session;
- `timeout_s` per connection and read, `deadline_s` for a whole file - checked after every
  read, which returns whatever bytes came (a server dripping a byte at a time is cut off at
  the deadline, not after 64 KB came); a redirect's body is never read (closed unread);
- at most `max_urls` URLs asked for one session (`MAX_URLS_PER_SESSION`: a failed URL costs
  no bytes, so the byte cap alone does not bound the requests);
- `workers` requests at a time.

Each failure is counted by its reason (`Failure.reason`, said as `REASONS` words) - never a
traceback: a URL that fails is one count in the summary.
"""
from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Callable, Iterable, Mapping
from urllib.parse import quote, urlsplit, urlunsplit

import msgspec

from .asset_store import AssetStore
from .assets import servable_type, sniffed_type

MAX_ASSET_BYTES = 16 * 1024 * 1024      # one image or font
MAX_SESSION_BYTES = 256 * 1024 * 1024   # everything fetched for one session
TIMEOUT_S = 15.0                        # connecting, and each read
DEADLINE_S = 60.0                       # a whole file
MAX_REDIRECTS = 3
MAX_URLS_PER_SESSION = 5000             # URLs asked for one session (failed ones count too)
WORKERS = 4
MAX_ERRORS = 200                        # failed URLs kept by name in a Report (the first ones)
_READ = 64 * 1024

# why a URL was not stored: reason -> how the summary says it
REASONS = {
    "not_found": "not found (404)",
    "gone": "gone (410)",
    "forbidden": "refused by the server (401/403)",
    "http_error": "answered with an HTTP error",
    "not_an_image": "not an image or font",
    "too_large": "over the size cap",
    "session_cap": "over the session's cap",
    "url_cap": f"over the session's cap of {MAX_URLS_PER_SESSION:,} URLs",
    "timeout": "timed out",
    "unreachable": "server unreachable",
    "tls": "TLS certificate refused",
    "redirects": "too many redirects",
    "off_origin": "outside the application's origins",
    "bad_answer": "a broken answer",
    "not_a_page": "not an HTML page",
}
ASSET_ACCEPT = "image/*,font/*;q=0.9,*/*;q=0.1"
PAGE_ACCEPT, PAGE_TYPES = "text/html", ("text/html", "application/xhtml+xml")


class Limits(msgspec.Struct, frozen=True):
    max_asset_bytes: int = MAX_ASSET_BYTES
    max_session_bytes: int = MAX_SESSION_BYTES
    timeout_s: float = TIMEOUT_S
    deadline_s: float = DEADLINE_S
    max_redirects: int = MAX_REDIRECTS
    workers: int = WORKERS
    max_urls: int = MAX_URLS_PER_SESSION


class Failure(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail or REASONS.get(reason, reason))
        self.reason = reason
        self.detail = detail


class Fetched(msgspec.Struct, frozen=True):
    url: str
    data: bytes
    mime: str
    status: int


def origin_of(url: str) -> str:
    """scheme://host[:port] of an absolute URL (the port only when it is not the default)."""
    p = urlsplit(url)
    host = p.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(p.scheme)
    return f"{p.scheme}://{host}" + (f":{p.port}" if p.port and p.port != default else "")


def _user_agent() -> str:
    try:
        from importlib.metadata import version
        v = version("session-replay")
    except Exception:   # noqa: BLE001 - a checkout that was never installed
        v = "dev"
    return f"session-replay/{v} (replay: images, fonts and public pages of recorded sites)"


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Redirects: counted (`max_redirects`), http(s) only, each target allowed."""

    def __init__(self, limits: Limits, allow: Callable[[str], bool] | None):
        super().__init__()
        self.limits = limits
        self.allow = allow

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        hops = getattr(req, "replay_hops", 0) + 1
        if hops > self.limits.max_redirects:
            raise Failure("redirects", f"more than {self.limits.max_redirects} redirects")
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise Failure("off_origin", "redirected away from http(s)")
        if self.allow is not None and not self.allow(newurl):
            raise Failure("off_origin", f"redirected to {origin_of(newurl)}")
        # urllib reads the redirect's whole body before following it (no cap, no deadline):
        # closed here, it reads nothing
        fp.close()
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            new.replay_hops = hops
        return new


def _opener(limits: Limits, allow: Callable[[str], bool] | None):
    # no cookie processor, no auth handlers: only what build_opener adds by default, our
    # redirect handler in place of its own (HTTP, HTTPS, errors; file: and ftp: URLs never
    # reach it - only http(s) URLs are fetched, and redirects are checked above)
    return urllib.request.build_opener(_Redirects(limits, allow))


def fetch_one(url: str, limits: Limits = Limits(), allow: Callable[[str], bool] | None = None,
              opener=None, stop: Callable[[], bool] | None = None, page: bool = False) -> Fetched:
    """GET one image or font (see the module's docstring), or raise Failure. `stop()` true:
    given up after the next read (Failure "stopped"). `page`: an HTML page instead - the
    shared dictionary's (intake/dictionary.py), asked as anyone may ask it (no cookies, no
    credentials), kept only when its answer says text/html."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise Failure("bad_answer", "not an http(s) URL")
    if allow is not None and not allow(url):
        raise Failure("off_origin", origin_of(url))
    try:
        sent = _as_sent(url)
    except ValueError as exc:   # (a port out of range: one image, not the whole fetch)
        raise Failure("bad_answer", str(exc)) from None
    req = urllib.request.Request(sent, headers={
        "User-Agent": _user_agent(), "Accept": PAGE_ACCEPT if page else ASSET_ACCEPT,
        "Accept-Encoding": "identity"})
    start = time.monotonic()
    try:
        resp = (opener or _opener(limits, allow)).open(req, timeout=limits.timeout_s)
    except Failure:
        raise
    except urllib.error.HTTPError as exc:
        exc.close()
        reason = {404: "not_found", 410: "gone", 401: "forbidden", 403: "forbidden"}.get(
            exc.code, "http_error")
        raise Failure(reason, f"HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        raise _network_failure(exc.reason) from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise _network_failure(exc) from None
    with resp:
        status = resp.status
        declared = resp.headers.get("Content-Type")
        mime = servable_type(declared)
        if page:
            mime = (declared or "").split(";")[0].strip().lower()
            if mime not in PAGE_TYPES:
                raise Failure("not_a_page", mime or "no content type")
        elif declared and mime is None and declared.split(";")[0].strip().lower() not in (
                "application/octet-stream", "binary/octet-stream", ""):
            raise Failure("not_an_image", declared.split(";")[0].strip().lower())
        length = resp.headers.get("Content-Length")
        if length and length.strip().isdigit() and int(length) > limits.max_asset_bytes:
            raise Failure("too_large", f"{int(length):,} bytes")
        buf = bytearray()
        try:
            while True:
                # read1: what has come, up to _READ (read(n) waits for all n bytes, each
                # read under timeout_s - a drip held it far past the deadline)
                chunk = resp.read1(_READ)
                if not chunk:
                    break
                buf += chunk
                if len(buf) > limits.max_asset_bytes:
                    raise Failure("too_large", f"over {limits.max_asset_bytes:,} bytes")
                if time.monotonic() - start > limits.deadline_s:
                    raise Failure("timeout", f"over {limits.deadline_s:g} s")
                if stop is not None and stop():
                    raise Failure("bad_answer", "stopped")
        except Failure:
            raise
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise _network_failure(exc) from None
    data = bytes(buf)
    if mime is None:
        mime = sniffed_type(data)
        if mime is None:
            raise Failure("not_an_image", declared or "no content type")
    if not data:
        raise Failure("bad_answer", "empty")
    return Fetched(url, data, mime, status)


# what a URL's path, query and fragment keep as they are when it is sent (RFC 3986's
# reserved characters, and `%` of what is escaped already); the rest is percent-encoded
_SENT_AS_IS = "/?#[]@!$&'()*+,;=:%~"
# the letters Python's IDNA (2003) maps to others where browsers (UTS 46) keep them: `faß.de`
# would be asked of `fass.de`, another host than the page's
_IDNA_DEVIATIONS = frozenset("\u00df\u03c2\u200c\u200d")


def _as_sent(url: str) -> str:
    """`url` as a browser sends it: a page's `/bilder/größe.png` (kept as the page wrote it,
    the asset's name in the store) as `/bilder/gr%C3%B6%C3%9Fe.png`, a host in another
    script by its IDNA name - urllib sent neither, and every such image failed unasked.
    ValueError: a port out of range, a host the two IDNAs read apart."""
    if url.isascii() and " " not in url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if _IDNA_DEVIATIONS & set(host):
        raise ValueError("a host name browsers and this fetcher would ask apart")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:   # (no name IDNA gives: sent as it is, refused as it was)
        pass
    if ":" in host:   # an IPv6 address, in its brackets again
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port is not None else "")
    if parts.username is not None or parts.password is not None:
        netloc = parts.netloc.rpartition("@")[0] + "@" + netloc
    return urlunsplit((parts.scheme, netloc, quote(parts.path, safe=_SENT_AS_IS),
                       quote(parts.query, safe=_SENT_AS_IS),
                       quote(parts.fragment, safe=_SENT_AS_IS)))


def _network_failure(exc: object) -> Failure:
    if isinstance(exc, Failure):
        return exc
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return Failure("timeout", "no answer in time")
    if isinstance(exc, ssl.SSLError):
        return Failure("tls", str(exc))
    if isinstance(exc, (ConnectionError, socket.gaierror, OSError)):
        return Failure("unreachable", getattr(exc, "strerror", None) or str(exc))
    return Failure("bad_answer", str(exc))


class Report(msgspec.Struct, kw_only=True):
    """What a fetch did: `fetched` files (and their `bytes`) new in the store, `already`
    stored before (now referenced), `failed` by reason, for `sessions` sessions; `refused`:
    URLs not asked for (outside the allowed origins)."""
    sessions: int = 0
    wanted: int = 0
    fetched: int = 0
    fonts: int = 0        # of `fetched`, fonts (the rest are images)
    bytes: int = 0
    already: int = 0
    failed: dict[str, int] = {}
    refused: int = 0
    errors: list[tuple[str, str, str]] = []   # (url, reason, detail), the first MAX_ERRORS
    seconds: float = 0.0

    def failed_lines(self, most: int) -> list[str]:
        """The first `most` URLs not stored, each with why: "URL - not found (404)"."""
        out = []
        for url, reason, detail in self.errors[:most]:
            said = REASONS.get(reason, reason)
            # (`HTTP 404` beside "not found (404)" said it twice)
            out.append(f"{url} - {said}" + (f" ({detail})" if detail and
                                            detail.removeprefix("HTTP ") not in said else ""))
        return out

    def summary(self, refused: str = "") -> str:
        """One line: "fetched 23 images (1.2 MB) for 2 sessions; 3 not found (404), 1 not an
        image or font"."""
        images = self.fetched - self.fonts
        kinds = [_n(images, "image") if images else "", _n(self.fonts, "font") if self.fonts else ""]
        what = " and ".join(k for k in kinds if k)
        line = (f"fetched {what} ({human_bytes(self.bytes)})" if what else "fetched nothing") \
            + f" for {_n(self.sessions, 'session')}"
        more = []
        if self.already:
            more.append(f"{self.already} stored already")
        for reason, n in sorted(self.failed.items(), key=lambda kv: (-kv[1], kv[0])):
            more.append(f"{n} {REASONS.get(reason, reason)}")
        if self.refused:
            more.append(f"{self.refused} " + (refused or
                                              f"{REASONS['off_origin']} (not asked for)"))
        return line + ("; " + ", ".join(more) if more else "")


def _n(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def human_bytes(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def fetch_assets(store: AssetStore, wanted: Mapping[str, Iterable[str]], *,
                 allow: Callable[[str], bool] | None = None, limits: Limits = Limits(),
                 refresh: bool = False,
                 progress: Callable[[int, int, str], None] | None = None,
                 stop: Callable[[], bool] | None = None) -> Report:
    """Fetch the URLs each session references (`wanted`: session id -> absolute URLs) that
    the store does not hold (all of them with `refresh`), store each image or font as
    referenced by the sessions that want it, and reference the ones stored already.
    `allow(url)`: whether a URL's origin may be asked at all (redirects too); `progress(done,
    total, url)` after each URL; `stop()` true: no new request is started."""
    t0 = time.monotonic()
    wanted = {sid: list(dict.fromkeys(urls)) for sid, urls in wanted.items()}
    report = Report(sessions=len(wanted))
    by_url: dict[str, list[str]] = {}
    for sid, urls in wanted.items():
        for u in urls:
            by_url.setdefault(u, []).append(sid)
    report.wanted = len(by_url)
    stored = {} if refresh else store.stored(by_url)
    for sid, urls in wanted.items():   # stored for another session (or before): referenced
        store.reference(sid, [u for u in urls if u in stored])
    report.already = len(stored)
    todo = [u for u in by_url if u not in stored]
    if allow is not None:
        refused = [u for u in todo if not allow(u)]
        report.refused = len(refused)
        todo = [u for u in todo if allow(u)]
    failed: Counter[str] = Counter()
    asked: Counter[str] = Counter()   # URLs asked per session: at most `max_urls`
    capped = []
    for u in list(todo):
        owner = by_url[u][0]
        if asked[owner] >= limits.max_urls:
            capped.append(u)
        else:
            asked[owner] += 1
    if capped:
        left_out = set(capped)
        todo = [u for u in todo if u not in left_out]
        failed["url_cap"] = len(capped)
        report.errors += [(u, "url_cap", "") for u in capped[:MAX_ERRORS]]
    spent: Counter[str] = Counter()   # bytes stored per session
    lock = threading.Lock()
    opener = _opener(limits, allow)
    halted = threading.Event()   # interrupted (Ctrl+C): no new request starts, and the
                                 # running ones end at their next read

    def stopped() -> bool:
        return halted.is_set() or (stop is not None and stop())
    done = 0

    def one(url: str) -> Fetched:
        owner = by_url[url][0]
        with lock:
            if spent[owner] >= limits.max_session_bytes:
                raise Failure("session_cap")
        if stopped():
            raise Failure("bad_answer", "stopped")
        return fetch_one(url, limits, allow, opener, stopped)

    pool = ThreadPoolExecutor(max_workers=max(1, limits.workers), thread_name_prefix="asset-fetch")
    try:
        futures = {pool.submit(one, u): u for u in todo}
        for fut in as_completed(futures):
            url = futures[fut]
            try:
                got = fut.result()
                owner = by_url[url][0]
                with lock:
                    over = spent[owner] + len(got.data) > limits.max_session_bytes
                    if not over:
                        spent[owner] += len(got.data)
                if over:
                    raise Failure("session_cap")
                kept = store.put(url, got.data, got.mime, got.status, by_url[url])
                report.fetched += 1
                report.fonts += not kept.mime.startswith("image/")
                report.bytes += len(got.data)
            except Failure as exc:
                if exc.detail == "stopped":
                    continue
                failed[exc.reason] += 1
                if len(report.errors) < MAX_ERRORS:
                    report.errors.append((url, exc.reason, exc.detail))
            done += 1
            if progress is not None:
                progress(done, len(todo), url)
    except BaseException:   # KeyboardInterrupt: the pending requests are cancelled, not run
        halted.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    report.failed = dict(failed)
    report.seconds = time.monotonic() - t0
    return report
