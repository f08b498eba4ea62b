"""The player's side of stored assets (recorder.assets, recorder.asset_store): which stored
image or font a URL of the recorded page stands for - never a fetch.

`UrlResolver(lookup)` is the sanitizer's asset resolver (`player.sanitize.AssetResolver`): a
URL as the page wrote it - absolute, or relative to the page - becomes `replay-asset:/a/KEY`
when the lookup holds a copy of it, else None (the sanitizer blocks it, as before). It is
bound to a base URL (`for_base`) the way the recorded page's URLs were read: the document's
(`<base href>`, else the page's URL) for attributes, `<style>` text, inline styles, adopted
sheets and font faces; a `<link>`'s own URL for its inlined sheet (`recorder.assets`).
Resolvers are hashable by (lookup, its generation when the resolver was made, base), so the
sanitizer's memos keep working - and a resolver made after the lookup reloaded (assets
fetched since) is another key: nothing sanitized before is served for it.

`resolver_for(source)` is the one a recording source's assets give (None without any);
`inline_assets(text, lookup)` writes each `replay-asset:` URL of a safe document as a `data:`
URL, so the document shows them where there is no player to serve them (`replay snapshot`).
"""
from __future__ import annotations

import base64
import re
import threading
from typing import Any

from recorder.assets import AssetLookup, absolute_url, document_base, fragment_of, \
    servable_type, sheet_base
from recorder.mirror import Mirror, Node
from recorder.source import RecordingSource

ASSET_PREFIX = "replay-asset:/a/"
KEY = re.compile(r"^[0-9a-f]{64}\Z")   # a stored asset's key: the SHA-256 of its bytes


class UrlResolver:
    """See the module's docstring. `UrlResolver(lookup)` has no base: only absolute URLs
    resolve until it is bound to one (`for_base`, `page_resolver`)."""

    __slots__ = ("lookup", "generation", "base", "_bound", "_lock")

    def __init__(self, lookup: AssetLookup, base: str = "", _bound: dict | None = None,
                 _lock: threading.Lock | None = None):
        self.lookup = lookup
        self.generation = lookup.generation
        self.base = base or ""
        self._bound = {} if _bound is None else _bound   # base -> resolver, shared
        self._lock = _lock or threading.Lock()

    def __call__(self, url: Any) -> str | None:
        absolute = absolute_url(url, self.base)
        if absolute is None:
            return None
        key = self.lookup.find(absolute)
        if key is None or not KEY.match(key):
            return None
        return ASSET_PREFIX + key + fragment_of(url)

    def for_base(self, base: str) -> "UrlResolver":
        """This resolver's lookup read against `base` (the same object for the same base)."""
        base = base or ""
        if base == self.base:
            return self
        with self._lock:
            r = self._bound.get(base)
            if r is None:
                if len(self._bound) > 256:   # a session of many pages: keep the latest
                    self._bound.clear()
                r = self._bound[base] = UrlResolver(self.lookup, base, self._bound, self._lock)
                r.generation = self.generation   # (the lookup may have reloaded since)
            return r

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, UrlResolver) and other.lookup is self.lookup \
            and other.generation == self.generation and other.base == self.base

    def __hash__(self) -> int:
        return hash((id(self.lookup), self.generation, self.base))

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<UrlResolver base={self.base!r}>"


def page_resolver(m: Mirror, asset: Any) -> Any:
    """`asset` read against the recorded document's base (its `<base href>`, else its URL)
    when it is a UrlResolver; any other resolver (or None) as it is."""
    if isinstance(asset, UrlResolver):
        return asset.for_base(document_base(m))
    return asset


def sheet_resolver(n: Node, asset: Any) -> Any:
    """`asset` (bound to the document's base) read against the base of the stylesheet
    element `n`: a `<link>`'s own URL, else the document's."""
    if isinstance(asset, UrlResolver):
        return asset.for_base(sheet_base(n, asset.base))
    return asset


def resolver_for(source: RecordingSource) -> UrlResolver | None:
    """The resolver of a recording source's stored assets (`source.assets`), None without."""
    lookup = source.assets
    return UrlResolver(lookup) if lookup is not None else None


def scheme_resolver(lookup: AssetLookup | None):
    """What the web view's `replay-asset:` handler asks (player.qt.webview): KEY -> (bytes,
    content type), only for a key of the lookup, only as an image or font type."""
    if lookup is None:
        return None

    def serve(key: str) -> tuple[bytes, str] | None:
        if not KEY.match(key or ""):
            return None
        got = lookup.read(key)
        if got is None:
            return None
        data, mime = got
        mime = servable_type(mime)
        return (data, mime) if mime is not None else None
    return serve


_ASSET_URL = re.compile(r"replay-asset:/a/([0-9a-f]{64})")


def inline_assets(text: str, lookup: AssetLookup | None) -> tuple[str, int]:
    """`text` (a safe document) with each `replay-asset:/a/KEY` written as a `data:` URL of
    the stored bytes, and how many were; a key the lookup cannot serve stays (blocked, as a
    URL not stored is). Base64 and the content type hold no quote, space or parenthesis, so
    the URL stays one token where it stood (an attribute, a CSS string, a srcset)."""
    if lookup is None or "replay-asset:/a/" not in text:
        return text, 0
    serve = scheme_resolver(lookup)
    cache: dict[str, str | None] = {}
    n = 0

    def rep(m: re.Match) -> str:
        nonlocal n
        key = m.group(1)
        if key not in cache:
            got = serve(key)
            cache[key] = None if got is None else \
                f"data:{got[1]};base64,{base64.b64encode(got[0]).decode('ascii')}"
        if cache[key] is None:
            return m.group(0)
        n += 1
        return cache[key]
    return _ASSET_URL.sub(rep, text), n
