"""What the index knows about a session: the semantics (`recorder.semantics`) of its
events, reduced to the rows and counts the index stores and filters on.

The counts are the player's: `error_count` is the Errors tab's occurrences (an error
reported by RUM and echoed on the console is one, and so is a failed request with the
console line reporting it: `semantics` rules 3 and 5), `error_group_count` its rows,
`resource_count` the Network tab's rows, `action_count` the Actions tab's rows,
`frustration_count` their RAGE / DEAD / ERROR badges, `view_count` the views.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import msgspec

from .semantics import ActionCounts, Reporter, Semantics

_MAX_MESSAGE = 500


class View(msgspec.Struct, array_like=True):
    index: int          # position of the view's first event in the session
    view_id: str
    start_ms: float
    url: str


class ErrorFact(msgspec.Struct, array_like=True):
    ts: float
    kind: str           # who reported it: "rum" (also when echoed on the console) | "console" | "log" | "sentry"
    message: str        # `ErrorEvent.said`: a failed request's, then the console line reporting it
    type: str = ""
    fingerprint: str = ""   # the error group (type, normalised message, top frame)


class SessionFacts(msgspec.Struct, kw_only=True):
    start_ms: float
    end_ms: float
    record_count: int
    first_url: str | None
    views: list[View]
    errors: list[ErrorFact]
    frustration_count: int
    user: dict[str, Any] | None
    resource_count: int = 0
    action_count: int = 0
    actions: ActionCounts = ActionCounts()   # both ways (an append's add up: see the Struct)
    # what a search finds beyond the row, its page URLs and errors (`search_words`)
    words: list[str] = []

    @property
    def view_count(self) -> int:
        return len(self.views)

    @property
    def error_count(self) -> int:
        return len(self.errors)

    @property
    def error_group_count(self) -> int:
        return len({e.fingerprint for e in self.errors})


# A session's words a search looks in (the app's search box, `replay sessions --search`): what
# its actions clicked, the URLs it requested (their paths: a query makes each ping another
# URL), its console lines - "coupon" found nothing of a customer's "Apply coupon" clicks, its
# /api/coupons/ requests or its coupon warnings (a support engineer's tryout). Each once, cut
# at WORD_CHARS, at most MAX_WORDS a session (the index keeps no more, appends included: the
# app holds every session's words to filter its list as one types); as stored: masked.
WORD_CHARS = 120
MAX_WORDS = 300


def search_words(sem: Semantics, scrub: Callable[[str], str] | None = None) -> list[str]:
    """`sem`'s words a search looks in, each once, in the order first read; `scrub` (as
    `FactsReader.facts`'s) over each text whole, before it is cut or its white space
    changed - cut first, a masked value across the cut kept its start in clear, and its
    words found the session (a reviewer's find)."""
    seen: dict[str, None] = {}
    for texts in ((a.target for a in sem.rum_actions),
                  (r.url.split("?", 1)[0].split("#", 1)[0] for r in sem.resources),
                  (m.message for m in sem.console)):
        for text in texts:
            if len(seen) >= MAX_WORDS:
                return list(seen)
            if text and isinstance(text, str):
                if scrub is not None:
                    text = scrub(text)
                seen.setdefault(" ".join(text.split())[:WORD_CHARS])
    return list(seen)


def fingerprint_key(fp: tuple[str, str, str]) -> str:
    """An error group as one string (the index's errors.fingerprint column)."""
    return "\x1f".join(fp)


def derive_facts(events: Sequence[dict], user: dict | None = None, *,
                 first_view: int = 1, last_url: str | None = None) -> SessionFacts:
    """`user` (given by the caller: intake, `import --user`, an export's person) wins over
    the one the events carry. `first_view` numbers Meta-derived views (`v1`, `v2`, ...)
    when appending to a session that already has some, and `last_url` is the URL of its
    last view: the facts of an append are those of the whole session's tail."""
    r = FactsReader(user, first_view=first_view, last_url=last_url)
    for e in events:
        r.feed(e)
    return r.facts()


class FactsReader:
    """`derive_facts` an event at a time (a streaming import never holds the session)."""

    def __init__(self, user: dict | None = None, *, first_view: int = 1,
                 last_url: str | None = None):
        self.user = user
        self.sem = Semantics(first_view=first_view, last_url=last_url)
        self.start_ms = float("inf")
        self.end_ms = float("-inf")
        self.count = 0

    def feed(self, e: dict) -> None:
        ts = e["timestamp"]
        if ts < self.start_ms:
            self.start_ms = ts
        if ts > self.end_ms:
            self.end_ms = ts
        self.count += 1
        if isinstance(e, dict):
            self.sem.feed(e)

    def feed_all(self, events: Sequence[dict]) -> None:
        """`feed` each of `events` (a streaming import's segment at a time), the bulk of a
        recording counted without a call each (`Semantics.feed_all`)."""
        start, end = self.start_ms, self.end_ms
        for e in events:
            ts = e["timestamp"]
            if ts < start:
                start = ts
            if ts > end:
                end = ts
        self.start_ms, self.end_ms = start, end
        self.count += len(events)
        self.sem.feed_all(e for e in events if isinstance(e, dict))

    @property
    def views(self) -> list[View]:
        return [View(v.index, v.view_id, v.t, v.url) for v in self.sem.views]

    def facts(self, scrub: Callable[[str], str] | None = None) -> SessionFacts:
        """`scrub`: a privacy pass over the strings read from events fed before it could run
        (a streaming import's echoes of a value typed after them: store._StreamSession),
        on each message whole, before it is cut and grouped. Not over a user given."""
        sem = self.sem
        views = self.views
        errs = sem.errors
        if scrub is not None:
            views = [msgspec.structs.replace(v, url=scrub(v.url)) for v in views]
            errs = [msgspec.structs.replace(e, message=scrub(e.message), type=scrub(e.type),
                                            stack=scrub(e.stack), logged=scrub(e.logged))
                    for e in errs]
        # the message a search looks in: the console line that reported a failed request too
        errors = [ErrorFact(e.t, Reporter.RUM.value if Reporter.RUM.value in e.reported_by
                            else e.reported_by[0], e.said[:_MAX_MESSAGE], e.type,
                            fingerprint_key(e.fingerprint)) for e in errs]
        first_url = views[0].url if views and views[0].url else (sem.urls[0] if sem.urls
                                                                 else None)
        if scrub is not None and first_url is not None:
            first_url = scrub(first_url)
        counts = sem.action_counts()
        actions, frustrations = counts.shown
        found = sem.user.as_dict() if sem.user is not None else None
        if scrub is not None and found is not None:   # the user the events named
            found = {k: scrub(v) if isinstance(v, str) else v for k, v in found.items()}
        words = search_words(sem, scrub)
        return SessionFacts(
            start_ms=self.start_ms if self.count else 0, end_ms=self.end_ms if self.count else 0,
            record_count=self.count, first_url=first_url, views=views, errors=errors,
            frustration_count=frustrations,
            user=self.user if self.user is not None else found,
            resource_count=len(sem.resources), action_count=actions, actions=counts,
            words=words)


def view_at(facts: SessionFacts, index: int) -> str | None:
    """The view in effect at event `index` (None before the first view)."""
    vid = None
    for v in facts.views:
        if v.index > index:
            break
        vid = v.view_id
    return vid
