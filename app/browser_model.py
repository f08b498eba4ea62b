"""The session browser's rows and filters, with no Qt: what the main window's table shows
and how the search box and facets narrow it.

The index is read once into memory (`Catalog.load`): 10,000 sessions are a few MB, and
filtering a list in Python (a few ms) keeps typing smooth where a new SQL query per
keystroke would not (see benchmarks/app_browser.py). `Catalog.load` again after an import.

    cat = Catalog.load(store)
    rows = cat.filter(Query(text="checkout", has_errors=True))
    rows = cat.sort(rows, Column.DURATION, descending=True)
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Callable, Iterable, Sequence

from player.links import link_in
from player.local_time import when_text
from recorder.bug import from_context, listed_title
from recorder.index import SessionInfo
from recorder.moments import Unit, moment_text, shown_ms
from recorder.paths import default_data_dir, replay_command
from recorder.said import count
from recorder.store import LocalStore, id_test, ids_named

from player.fit_text import elide_middle, elide_url  # noqa: F401 (cut as the list cuts)
from .ids import short_ids

DAY_MS = 86_400_000
MINUTE_MS = 60_000
LIVE_MARK = "● "   # a live session (its row's duration, its player tab's title)
LIVE_TIP = ("Live: replay serve may still be storing it (no 15 minutes of quiet yet); it"
            " opens at its live edge and grows as it arrives - scrub back and it stays there")


class Column(IntEnum):
    """The table's columns, in order."""
    THUMBNAIL = 0
    START = 1
    ID = 2             # as `replay sessions` shows it (app.ids): copies (`_new`, `_partial`) apart
    DURATION = 3
    USER = 4
    TITLE = 5          # a bug report's title (record mode, `export --title`), else empty
    FIRST_URL = 6
    VIEWS = 7
    ERRORS = 8
    FRUSTRATION = 9


HEADERS = {Column.THUMBNAIL: "", Column.START: "Start", Column.ID: "ID",
           Column.DURATION: "Duration", Column.USER: "User", Column.TITLE: "Bug",
           Column.FIRST_URL: "First URL", Column.VIEWS: "Views", Column.ERRORS: "Errors",
           Column.FRUSTRATION: "Frustration"}


# How the columns share the table's width (`share_widths`): these are always shown whole -
# a count or a time cut short says nothing ("1…" errors) ...
WHOLE = (Column.THUMBNAIL, Column.START, Column.DURATION, Column.VIEWS,
         Column.ERRORS, Column.FRUSTRATION)
# ... these as wide as their longest text up to a cap, given up first when room is short
# (their cells elide in the middle: an email keeps its domain) ...
CAPPED = (Column.USER, Column.TITLE)
# ... these whole (an id as `replay sessions` shows it, app.ids.short_ids) while the first
# URL has its least, given up after the capped ones, down to their shrunk width, elided in
# the middle (the row's tooltip has the whole id): kept whole, a long id made the list
# scroll sideways in a 1024 px window, Errors and Frustration off to the right ...
GIVEN_LAST = (Column.ID,)
# ... and the first URL has the rest: its cells elide as a URL reads (`elide_url`).
STRETCHED = Column.FIRST_URL
# widths in average characters of the table's font (the window side turns them to pixels)
CAP_CHARS = {Column.USER: 26, Column.TITLE: 30}
SHRUNK_CHARS = 10       # a capped column given up for the URL keeps this much
ID_SHRUNK_CHARS = 12    # ... an id, this much ("0190a1b…f0a1b": its start and end)
URL_MIN_CHARS = 32      # the room a first URL is given before capped columns shrink for it
GAP_CHARS = 1           # between two columns' texts, beyond a cell's own margins (a time
                        # right beside an id read as one text)
TEXTS_MEASURED = 20     # a text column's longest texts (by length) measured for its width
URL_NAMED_CHARS = 40    # a first URL in a sentence naming a session (`named`) is cut to this
USER_NAMED_CHARS = 30   # ... and a user (in the middle: an email keeps its domain)


@dataclass(frozen=True)
class Row:
    """One session as the browser shows and filters it."""
    info: SessionInfo
    user: str          # what the User column shows: email, else name, else id
    title: str         # what the Bug column shows (`bug.listed_title`: a report without a
                       # title is "(untitled) at 0:58.6"), "" for a session without one
    haystack: str      # lower-case text the search box matches: id, user, bug title, app,
                       # URLs, errors
    users: str         # lower-case id/name/email, for the user facet
    urls: str          # lower-case page URLs, for the URL facet
    shown_id: str = ""  # the id as the list shows it (app.ids.short_ids over the catalog)
    live: bool = False  # `replay serve` may still be storing it (not compacted yet)

    @property
    def id(self) -> str:
        return self.info.id


@dataclass(frozen=True)
class Query:
    """The search box and the facets. Empty/None means "any"; every given part must hold.
    Times are epoch ms (the date range is [since_ms, until_ms)); durations are ms."""
    text: str = ""
    application: str | None = None
    user: str = ""
    url: str = ""
    has_errors: bool = False
    has_frustration: bool = False   # rage, dead or error clicks (the index counts them together)
    since_ms: float | None = None
    until_ms: float | None = None
    min_duration_ms: float | None = None
    max_duration_ms: float | None = None


def _shown_length(r: "Row") -> float:
    """A session's length as its Duration cell shows it, in ms (NaN where it shows ?)."""
    d = r.info.duration_ms
    return shown_ms(d, Unit.SECOND) if math.isfinite(d) else math.nan


def _sort_keys() -> dict[Column, object]:
    return {Column.THUMBNAIL: lambda r: r.info.start_ms,
            Column.START: lambda r: r.info.start_ms,
            Column.ID: lambda r: r.id,
            Column.DURATION: lambda r: r.info.duration_ms,
            Column.USER: lambda r: r.user.lower(),
            Column.TITLE: lambda r: r.title.lower(),
            Column.FIRST_URL: lambda r: r.info.first_url or "",
            Column.VIEWS: lambda r: r.info.view_count,
            Column.ERRORS: lambda r: r.info.error_count,
            Column.FRUSTRATION: lambda r: r.info.frustration_count}


_SORT_KEYS = _sort_keys()


class Catalog:
    """Every stored session's row, newest first, and the facet values found among them."""

    def __init__(self, rows: Sequence[Row], names: dict[str, str] | None = None, *,
                 stored_ids: Callable[[str], list[str]] | None = None, unsearched: str = ""):
        self.rows = list(rows)
        # what a search says of the sessions a release before the index kept sessions' words
        # stored: found by their rows alone until `replay repair` ("" when none)
        self.unsearched = unsearched
        self.names = names or {}   # application id -> its name
        # the ids a recording's own id may be stored as (LocalStore.stored_ids): a link
        # naming a session by it (`cust-078-05-1120`, stored as `session-<hash>`) finds it
        self.stored_ids = stored_ids
        self.applications = sorted({r.info.application for r in self.rows
                                    if r.info.application})

    @classmethod
    def load(cls, store: LocalStore, names: dict[str, str] | None = None) -> "Catalog":
        """`names`: the applications' names by id (`live.application_names`): searched too."""
        names = names or {}
        texts = store.index.browse_texts()
        live = store.live_ids()
        rows = [make_row(info, texts.get(info.id, NO_TEXTS), names.get(info.application or ""),
                         live=info.id in live)
                for info in store.sessions()]
        shown = short_ids([r.id for r in rows])
        old = len(store.index.unsearched())
        repair = f"{replay_command(store.root, default_data_dir())} repair"
        return cls([replace(r, shown_id=i) for r, i in zip(rows, shown)], names,
                   stored_ids=store.stored_ids,
                   unsearched=unsearched_said(old, repair) if old else "")

    def application_label(self, app_id: str) -> str:
        """How the application of that id is shown: its name, else its id."""
        return self.names.get(app_id, app_id)

    def filter(self, q: Query) -> list[Row]:
        """The rows `q` lets through, in catalog order. Each condition is tested only when
        given, cheapest first."""
        tests = []
        if q.application:
            tests.append(lambda r: r.info.application == q.application)
        if q.has_errors:
            tests.append(lambda r: r.info.error_count > 0)
        if q.has_frustration:
            tests.append(lambda r: r.info.frustration_count > 0)
        if q.since_ms is not None:
            tests.append(lambda r: r.info.end_ms >= q.since_ms)
        if q.until_ms is not None:
            tests.append(lambda r: r.info.start_ms < q.until_ms)
        # a length as the Duration column shows it (whole seconds, rounded up): a 4:59.5
        # session reads 5:00, and is one of "5 minutes or more"
        if q.min_duration_ms is not None:
            tests.append(lambda r: _shown_length(r) >= q.min_duration_ms)
        if q.max_duration_ms is not None:
            tests.append(lambda r: _shown_length(r) <= q.max_duration_ms)
        for attr, value in (("users", q.user), ("urls", q.url)):
            if value.strip():
                needle = value.strip().lower()
                tests.append(lambda r, a=attr, n=needle: n in getattr(r, a))
        link = link_in(q.text)
        if link is not None:   # a replay:// link pasted: the session it names, as it opens
            named = set(self.linked(link[0]))
            tests.append(lambda r: r.id in named)
        else:   # the search box: every word somewhere in the row's text, or a word naming
            # the row's id as listed (`8dda0c07_partial`: the listed id, tag kept, was in
            # no row's text - its full id is `8dda0c07-b950-..._partial`)
            for w in search_words(q.text):
                named = id_test(w)
                tests.append((lambda r, w=w: w in r.haystack) if named is None else
                             (lambda r, w=w, n=named: w in r.haystack or n(r.id)))
        if not tests:
            return list(self.rows)
        return [r for r in self.rows if all(t(r) for t in tests)]

    def linked(self, session: str) -> list[str]:
        """The sessions a link's session names, as `replay open LINK` (and Enter on it in
        the search box) resolves it, `Store.resolve`: that id, else those it begins (the
        original, not its `_new`/`_partial` copies), else those it names as listed
        (`8dda0c07_partial`, a name cut `start…end`), else the one its recording's id was
        stored as. More than one: it is ambiguous (see `link_status`)."""
        return ids_named(session, (r.id for r in self.rows), self.stored_ids)

    @staticmethod
    def sort(rows: Iterable[Row], column: Column, descending: bool = False) -> list[Row]:
        return sorted(rows, key=_SORT_KEYS[column], reverse=descending)


def link_status(session: str, at_ms: float, named: Sequence[str], listed: bool) -> str:
    """What the sessions page says of a replay:// link to `at_ms` of `session` pasted in its
    search box: what Enter does with it. `named`: the sessions the link names
    (`Catalog.linked`, as `Store.resolve` reads it); `listed`: whether the list shows it (a
    filter may hide it: Enter opens it all the same). Several: it is ambiguous, whatever
    form names them (a prefix, `PREFIX_TAG`, a cut name) - each counted, as Enter says it
    (`AmbiguousId`)."""
    said = f"a link to {moment_text(at_ms)} of session {session}: "
    if len(named) == 1:
        return said + "Enter opens it there" + ("" if listed else " (the filters hide its row)")
    if not named:
        return said + ("not stored here - import the .replay bundle that came with it"
                       " (File > Import…)")
    return said + f"it matches {len(named):,} sessions - give more of the id"


def search_words(text: str) -> list[str]:
    """The search box's words, lower-case: each must be in a row's text (a replay:// link
    pasted whole lists its session instead: `Catalog.linked`)."""
    return text.lower().split()


NO_TEXTS = ("", "", "")


def unsearched_said(n: int, repair: str) -> str:
    """What a search says of `n` sessions stored before the index kept their words
    (`Catalog.unsearched`); `repair`: the command that reads them again."""
    return (f"{count(n, 'session')} stored by an earlier release {'is' if n == 1 else 'are'}"
            f" searched without what {'its' if n == 1 else 'their'} actions clicked, requested"
            f" and logged - `{repair}` reads them again")


def make_row(info: SessionInfo, texts: tuple[str, str, str] = NO_TEXTS,
             app_name: str | None = None, live: bool = False) -> Row:
    """`texts`: the session's page URLs, error messages and words (`Index.browse_texts`),
    newline-separated; `app_name`: its application's name (searched as its id is); `live`:
    the intake may still be storing it."""
    urls, errors, words = texts
    who = [v for v in (info.user_email, info.user_name, info.user_id) if v]
    users = "\n".join(who).lower()
    all_urls = "\n".join(u for u in (info.first_url, urls) if u).lower()
    bug = from_context(info.context)
    title = listed_title(bug)
    haystack = "\n".join([info.id.lower(), users, title.lower(),
                          (info.application or "").lower(), (app_name or "").lower(), all_urls,
                          errors.lower(), words.lower()])
    return Row(info=info, user=who[0] if who else "", title=title, haystack=haystack,
               users=users, urls=all_urls, live=live)



def cell_text(row: Row, col: Column) -> str:
    """What the table shows in a cell (the thumbnail column shows a picture, no text)."""
    info = row.info
    if col == Column.THUMBNAIL:
        return ""
    if col == Column.START:
        return when_text(info.start_ms)
    if col == Column.ID:
        return row.shown_id or row.id
    if col == Column.DURATION:   # so far, for a live one (marked as its player tab is)
        return (LIVE_MARK if row.live else "") + moment_text(info.duration_ms, Unit.SECOND)
    if col == Column.USER:
        return row.user or "\u2014"   # (an em dash: nobody known)
    if col == Column.TITLE:
        return row.title
    if col == Column.FIRST_URL:
        return info.first_url or ""
    return str({Column.VIEWS: info.view_count, Column.ERRORS: info.error_count,
                Column.FRUSTRATION: info.frustration_count}[col])


def named(row: Row) -> str:
    """A session named in a sentence as the list shows it, for a person to recognise it
    (the delete question): its id as listed, its user, when it started and its first URL -
    `8dda0c07 of ada@example.com (2026-01-01 09:30, shop.example/checkout)`. A full
    generated id told nobody which session they were about to erase."""
    facts = [cell_text(row, Column.START)]
    if row.info.first_url:
        facts.append(elide_url(row.info.first_url, URL_NAMED_CHARS, len))
    user = elide_middle(row.user, USER_NAMED_CHARS, len)
    who = f" of {user}" if user else ""
    return f"{cell_text(row, Column.ID)}{who} ({', '.join(facts)})"


def widest_texts(rows: Sequence[Row], col: Column) -> list[str]:
    """The texts of `col` among `rows` that may be its widest, to be measured in the
    table's font: a count's or a duration's largest value (the most digits), a start's
    earliest and latest (one fixed format, but a time no calendar holds shows otherwise),
    else the TEXTS_MEASURED longest. A few strings, not one per row: 10,000 sessions are
    measured as fast as ten."""
    if not rows:
        return []
    if col in (Column.VIEWS, Column.ERRORS, Column.FRUSTRATION, Column.DURATION):
        key = {Column.VIEWS: lambda r: r.info.view_count,
               Column.ERRORS: lambda r: r.info.error_count,
               Column.FRUSTRATION: lambda r: r.info.frustration_count,
               Column.DURATION: lambda r: r.info.duration_ms}[col]
        # (a duration no clock holds shows as ?: narrower than any other)
        return [cell_text(max(rows, key=key), col)]
    if col == Column.START:
        return sorted({cell_text(min(rows, key=lambda r: r.info.start_ms), col),
                       cell_text(max(rows, key=lambda r: r.info.start_ms), col)})
    return heapq.nlargest(TEXTS_MEASURED, {cell_text(r, col) for r in rows}, key=len)


def share_widths(room: int, wanted: dict[Column, int], shrunk: dict[Column, int],
                 url_min: int, whole: dict[Column, int] | None = None,
                 url_whole: int = 0) -> dict[Column, int]:
    """Each column's width in a table `room` wide. `wanted`: every column but the first
    URL's, as wide as it would be (a WHOLE one its widest text, a CAPPED one its widest up
    to its cap); `shrunk`: how narrow a CAPPED or GIVEN_LAST column may become. The first
    URL gets the rest; when that is under `url_min`, the capped columns give up room for
    it, each in proportion to what it can give, down to `shrunk`, then the GIVEN_LAST ones. When the first URL has more than its
    widest text needs (`url_whole`), the capped columns cut at their cap take what it
    does not, up to their widest text (`whole`): a user's email shown whole beside a URL
    column with room to spare. The WHOLE ones never shrink: on a table too narrow for
    them, it scrolls sideways. First URLs all shorter than `url_min` need only their
    widest (`url_whole`): the rest of that room is the others' (at 1,024 px the users'
    emails were cut for a URL column half empty)."""
    widths = dict(wanted)
    if 0 < url_whole < url_min:
        url_min = url_whole
    for giving in (CAPPED, GIVEN_LAST):
        short = url_min - (room - sum(widths.values()))
        can_give = {c: max(0, widths[c] - shrunk.get(c, widths[c])) for c in giving
                    if c in widths}
        total = sum(can_give.values())
        if short > 0 and total:
            given = min(short, total)
            for c, most in can_give.items():
                widths[c] -= -(-given * most // total)   # (rounded up: the URL gets its room)
    spare = room - sum(widths.values()) - max(url_whole, url_min)
    for c in CAPPED:   # (in the list's order: the user, the bug's title)
        if spare <= 0 or whole is None or c not in widths:
            break
        more = min(spare, max(0, whole.get(c, 0) - widths[c]))
        widths[c] += more
        spare -= more
    widths[STRETCHED] = max(0, room - sum(widths.values()))
    return widths
