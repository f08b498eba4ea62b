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

from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Iterable, Sequence

from recorder.bug import from_context
from recorder.index import SessionInfo
from recorder.store import LocalStore

from .ids import short_ids

DAY_MS = 86_400_000
MINUTE_MS = 60_000


class Column(IntEnum):
    """The table's columns, in order."""
    THUMBNAIL = 0
    START = 1
    ID = 2             # as `replay sessions` shows it (app.ids): copies (`_new`, `_partial`) apart
    DURATION = 3
    USER = 4
    TITLE = 5          # a bug report's title (record mode, `export --title`), else empty
    FIRST_URL = 6
    PAGES = 7
    ERRORS = 8
    FRUSTRATION = 9


HEADERS = {Column.THUMBNAIL: "", Column.START: "Start", Column.ID: "ID",
           Column.DURATION: "Duration", Column.USER: "User", Column.TITLE: "Bug",
           Column.FIRST_URL: "First URL", Column.PAGES: "Pages", Column.ERRORS: "Errors",
           Column.FRUSTRATION: "Frustration"}


@dataclass(frozen=True)
class Row:
    """One session as the browser shows and filters it."""
    info: SessionInfo
    user: str          # what the User column shows: email, else name, else id
    title: str         # the bug report's title, "" for a session without one
    haystack: str      # lower-case text the search box matches: id, user, bug title, app,
                       # URLs, errors
    users: str         # lower-case id/name/email, for the user facet
    urls: str          # lower-case page URLs, for the URL facet
    shown_id: str = ""  # the id as the list shows it (app.ids.short_ids over the catalog)

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


def _sort_keys() -> dict[Column, object]:
    return {Column.THUMBNAIL: lambda r: r.info.start_ms,
            Column.START: lambda r: r.info.start_ms,
            Column.ID: lambda r: r.id,
            Column.DURATION: lambda r: r.info.duration_ms,
            Column.USER: lambda r: r.user.lower(),
            Column.TITLE: lambda r: r.title.lower(),
            Column.FIRST_URL: lambda r: r.info.first_url or "",
            Column.PAGES: lambda r: r.info.view_count,
            Column.ERRORS: lambda r: r.info.error_count,
            Column.FRUSTRATION: lambda r: r.info.frustration_count}


_SORT_KEYS = _sort_keys()


class Catalog:
    """Every stored session's row, newest first, and the facet values found among them."""

    def __init__(self, rows: Sequence[Row], names: dict[str, str] | None = None):
        self.rows = list(rows)
        self.names = names or {}   # application id -> its name
        self.applications = sorted({r.info.application for r in self.rows
                                    if r.info.application})

    @classmethod
    def load(cls, store: LocalStore, names: dict[str, str] | None = None) -> "Catalog":
        """`names`: the applications' names by id (`live.application_names`): searched too."""
        names = names or {}
        texts = store.index.browse_texts()
        rows = [make_row(info, texts.get(info.id, ("", "")), names.get(info.application or ""))
                for info in store.sessions()]
        shown = short_ids([r.id for r in rows])
        return cls([replace(r, shown_id=i) for r, i in zip(rows, shown)], names)

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
        if q.min_duration_ms is not None:
            tests.append(lambda r: r.info.duration_ms >= q.min_duration_ms)
        if q.max_duration_ms is not None:
            tests.append(lambda r: r.info.duration_ms <= q.max_duration_ms)
        for attr, value in (("users", q.user), ("urls", q.url)):
            if value.strip():
                needle = value.strip().lower()
                tests.append(lambda r, a=attr, n=needle: n in getattr(r, a))
        # the search box: every word somewhere in the row's text
        tests += [lambda r, w=w: w in r.haystack for w in q.text.lower().split()]
        if not tests:
            return list(self.rows)
        return [r for r in self.rows if all(t(r) for t in tests)]

    @staticmethod
    def sort(rows: Iterable[Row], column: Column, descending: bool = False) -> list[Row]:
        return sorted(rows, key=_SORT_KEYS[column], reverse=descending)


def make_row(info: SessionInfo, texts: tuple[str, str] = ("", ""),
             app_name: str | None = None) -> Row:
    """`texts`: the session's page URLs and error messages, newline-separated; `app_name`:
    its application's name (searched as its id is)."""
    urls, errors = texts
    who = [v for v in (info.user_email, info.user_name, info.user_id) if v]
    users = "\n".join(who).lower()
    all_urls = "\n".join(u for u in (info.first_url, urls) if u).lower()
    bug = from_context(info.context)
    title = bug.title if bug is not None else ""
    haystack = "\n".join([info.id.lower(), users, title.lower(),
                          (info.application or "").lower(), (app_name or "").lower(), all_urls,
                          errors.lower()])
    return Row(info=info, user=who[0] if who else "", title=title, haystack=haystack,
               users=users, urls=all_urls)

