"""Texts cut to fit a room - the one rule for each kind, whatever measures it (a table's
font in pixels, a terminal's cells, characters): a URL (`elide_url`: its host, then its
path's end) and any other text (`elide_middle`: its start and its end). Light: the
commands' progress bar uses it at start-up."""
from __future__ import annotations

import re
from typing import Callable


def elide_url(url: str, room: float, width: Callable[[str], float],
              ellipsis: str = "\u2026") -> str:
    """A URL as it fits in `room`, cut as a URL is read - the one rule of the app's list
    (`width`: a text's pixels in the table's font) and `replay sessions` (its terminal
    cells). What stays is its host - which site - then the end of its path - which page: a
    fragment after the path is its end too (a single-page app's route, `#ReactHooks.js`).
    Never with https:// (most are, and it tells no two rows apart: browsers' address bars
    leave it out too); another scheme (http://, file://) is shown when there is room. Then,
    as room runs short: its query cut (`shop.example/invoices?…`); its host and the last
    segments of its path that fit (`shop.example/…/checkout`), then the path's last
    characters (`demoit.app/…eactHooks.js`); its start, cut at the end."""
    url = url[len(_SECURE):] if url.startswith(_SECURE) else url
    if width(url) <= room:
        return url
    bare = _SCHEME.sub("", url, count=1)
    if width(bare) <= room:
        return bare
    host_end = min([i for i in map(bare.find, "/?#") if i >= 0], default=len(bare))
    host, rest = bare[:host_end], bare[host_end:]
    before, hash_mark, fragment = rest.partition("#")
    path, query_mark, _ = before.partition("?")
    end = hash_mark + fragment
    # the query said (?…), then not
    tails = list(dict.fromkeys([path + (query_mark and "?" + ellipsis) + end, path + end]))
    head = host + "/" + ellipsis

    def fits(text: str) -> bool:
        return width(text) <= room

    if fits(host + tails[0]):
        return host + tails[0]
    # whole segments, the query's mark kept, then not; then the end's last characters;
    # else the start. Each a run of texts shortening as more is cut: the first that fits
    # is looked for by halves (one by one, a long URL took seconds to paint)
    for t in tails:
        cuts = [i for i, ch in enumerate(t) if ch == "/" and i > 0]
        got = _first_fit(len(cuts), lambda k: head + t[cuts[k]:], fits)
        if got is not None:
            return got
    t = tails[-1]
    return _first_fit(len(t) - 2, lambda k: head + t[k + 1:], fits) \
        or _first_fit(len(bare) - 1, lambda k: bare[:len(bare) - 1 - k] + ellipsis, fits) \
        or ellipsis


def elide_middle(text: str, room: float, width: Callable[[str], float],
                 ellipsis: str = "\u2026") -> str:
    """`text` in at most `room` (`width` measures a text: terminal cells, characters): whole,
    or its start and its end around `ellipsis` - which of several files, an e-mail's domain,
    both stay."""
    if width(text) <= room:
        return text
    if width(ellipsis) > room:
        return ""
    left = room - width(ellipsis)
    head = _start_within(text, left - left // 2, width)
    tail = _start_within(text[::-1], left // 2, width)[::-1]
    return head + ellipsis + tail


def _start_within(text: str, room: float, width: Callable[[str], float]) -> str:
    """The longest start of `text` within `room`."""
    used = 0.0
    for k, ch in enumerate(text):
        used += width(ch)
        if used > room:
            return text[:k]
    return text


def _first_fit(n: int, text: Callable[[int], str], fits: Callable[[str], bool]) -> str | None:
    """The first of `text(0)`..`text(n - 1)` that `fits`, the texts shortening as k grows
    (so once one fits, every later one does): found by halving; None when none does."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if fits(text(mid)):
            hi = mid
        else:
            lo = mid + 1
    return text(lo) if lo < n else None


_SECURE = "https://"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
