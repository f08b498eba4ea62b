"""How a session id is shown where space is short (`replay sessions`, the app's Sessions
list): a generated id as its shortest unique prefix, a name a person gave whole (a long
one cut in the middle). What is shown is accepted back by every command
(`Store.resolve`: a unique prefix, PREFIX_TAG, a name's start, a name cut as shown)."""
from __future__ import annotations

import re
from typing import Iterable

from recorder.store import SHOWN_CUT, split_tag

_GENERATED_ID = re.compile(r"[0-9a-fA-F-]{16,}")   # shown as its shortest unique prefix
NAME_MAX = 28        # a longer id a person named is cut in the middle


def is_generated(session_id: str) -> bool:
    """A program's id (hex digits and dashes: a UUID, capture.js's random id), its tag
    (`_new`, `_partial`) aside."""
    return _GENERATED_ID.fullmatch(split_tag(session_id)[0]) is not None


def short_ids(ids: list[str], least: int = 8) -> list[str]:
    """Each id as it is shown. A generated id (hex digits and dashes: a UUID, capture.js's
    random id) as its shortest unique prefix (at least `least` long); an id tagged by import
    (`<id>_partial`, `<id>_new2`) keeps its tag after the shortened base, which
    `Store.resolve` accepts: its bare prefix would also match the untagged original. A name
    a person gave (`checkout-bug-42`) is shown whole - its start alone says less - up to
    `NAME_MAX` characters, a longer one cut in the middle (its start and its end)."""
    if not ids:
        return []
    bases, tags = zip(*(split_tag(i) for i in ids))
    n = _prefix_len(sorted(set(bases)), least, _GENERATED_ID.fullmatch)
    out = []
    for i, b, t in zip(ids, bases, tags):
        if _GENERATED_ID.fullmatch(b):
            out.append(i if len(b) <= n else b[:n] + t)
        elif len(i) <= NAME_MAX:
            out.append(i)
        else:
            head = (NAME_MAX - 1) // 2
            out.append(i[:head] + SHOWN_CUT + i[-(NAME_MAX - 1 - head):])
    return out


def short_id(session_id: str, among: Iterable[str] = ()) -> str:
    """One id shown on its own (a player tab's title, a progress dialog, record mode's
    "Stored as"), as `short_ids` shows it in a list of `among` (the ids listed beside it:
    where two share their first 8 characters, the list shows more, and so does the tab):
    `8dda0c07`, a long name cut in the middle."""
    return short_ids([session_id, *among])[0]


def _prefix_len(ids: list[str], least: int = 8, shortened=lambda _i: True) -> int:
    """Shortest prefix length (at least `least`) at which each id `shortened` says is shown
    shortened is told apart from every other id (`ids` sorted, each once): two names a
    person gave that share a long start (`ph-session-123.win-A` and `...win-B`), shown
    whole, no longer lengthen every generated id. An id's nearest ids share the longest
    prefixes with it, and they are its neighbours in sorted order."""
    n = least
    for k, i in enumerate(ids):
        if not shortened(i):
            continue
        for j in (k - 1, k + 1):
            if 0 <= j < len(ids):
                other = ids[j]
                common = next((c for c, (a, b) in enumerate(zip(i, other)) if a != b),
                              min(len(i), len(other)))
                n = max(n, min(common + 1, len(i)))
    return n
