"""Which images and fonts of which stored sessions a person's fetch asks for, and from where:
the one reading of "a session's own sites", shared by `replay assets fetch` and the app's
Session > Fetch Images and Fonts (the intake's background fetch asks its application's
origins only: recorder.intake.app).

A session's URLs are the ones its page referenced as the rules it was masked under leave
them (`recorder.assets.referenced_urls`: never a masked image, nothing of an element at
`mask` or `hidden`). They are asked only of the session's own sites - the origins of its
pages (the Meta events' URLs as recorded) and of its application (`replay app origins`,
a wildcard's left out: any server of a domain is not one site) - and of the origins the
person named (`--origin`, a CDN). The URL lists are what visitors' browsers sent and could
name any server (127.0.0.1, a cloud's metadata address, the office network): what falls
outside is counted as refused, never asked.

    plan = plan_fetch(store, data_dir, ids, rules, own, given=("https://cdn.example",))
    fetch_assets(assets, plan.asked, allow=plan.allows, ...)     # recorder.asset_fetch
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping

from .asset_fetch import origin_of
from .assets import absolute_url, referenced_urls
from .format import EventType


@dataclass
class FetchPlan:
    """`wanted`: session id -> every image or font URL its page referenced; `asked`: the
    ones of them from the session's own sites (what is fetched); `sites`: session id -> the
    origins it may be fetched from; `refused`: the URLs of no session's sites."""
    wanted: dict[str, list[str]] = field(default_factory=dict)
    asked: dict[str, list[str]] = field(default_factory=dict)
    sites: dict[str, set[str]] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)

    allowed: set[str] = field(default_factory=set)   # every planned session's sites

    def allows(self, url: str) -> bool:
        """Whether `url`'s origin is one of any planned session's sites (a redirect's
        target is asked this too)."""
        try:
            return origin_of(url) in self.allowed
        except ValueError:
            return False

    def referenced(self) -> int:
        return len({u for urls in self.wanted.values() for u in urls})

    def to_ask(self) -> int:
        return len({u for urls in self.asked.values() for u in urls})


def session_urls(store, sid: str, rules, own) -> tuple[list[str], set[str]]:
    """The image and font URLs a stored session's page referenced, as the rules it was
    masked under leave them, and the origins of its pages (their URLs as recorded)."""
    from .privacy.remask import rules_of

    pages: set[str] = set()

    def noting_pages(events: Iterable) -> Iterator:
        for e in events:
            if isinstance(e, dict) and e.get("type") == int(EventType.Meta):
                data = e.get("data")
                href = absolute_url(data.get("href"), None) if isinstance(data, dict) else None
                if href is not None:
                    pages.add(origin_of(href))
            yield e
    with store.session(sid) as reader:
        urls = list(referenced_urls(noting_pages(reader.events()),
                                    rules_of(store, sid, rules, own)))
    return urls, pages


def app_origins(data_dir: Path, app_id: str | None) -> set[str]:
    """The origins of a session's application (`replay app origins`), a wildcard's left out
    (`*`, `https://*.example.com`)."""
    from .intake.apps import APPS_FILE, Applications

    if not app_id or not (Path(data_dir) / APPS_FILE).is_file():
        return set()
    apps = Applications(data_dir)
    try:
        app = apps.find(app_id)
    finally:
        apps.close()
    out = set()
    for o in app.origins if app is not None else ():
        if "*" not in o:
            try:
                out.add(origin_of(o))
            except ValueError:
                continue
    return out


def plan_fetch(store, data_dir: Path, ids: Iterable[str], rules, own: Mapping,
               given: Iterable[str] = (),
               each: Callable[[str], None] | None = None) -> FetchPlan:
    """The plan of a fetch for the stored sessions `ids` (a session erased meanwhile is left
    out): `rules` the folder's, `own` application id -> its rules (what masked its
    sessions), `given` origins the person added. `each(sid)` after each session is read
    (a progress bar). Raises what reading the applications raises (AppError)."""
    plan = FetchPlan()
    extra = set(given)
    apps: dict[str | None, set[str]] = {}   # application id -> its origins (read once each)
    for sid in ids:
        try:
            plan.wanted[sid], pages = session_urls(store, sid, rules, own)
        except KeyError:   # erased meanwhile (`replay delete`)
            continue
        info = store.index.session(sid)
        app = info.application if info is not None else None
        if app not in apps:
            apps[app] = app_origins(data_dir, app)
        plan.sites[sid] = pages | extra | apps[app]
        if each is not None:
            each(sid)
    for sid, urls in plan.wanted.items():
        mine = plan.sites[sid]
        plan.asked[sid] = [u for u in urls if origin_of(u) in mine]
    plan.allowed = set().union(*plan.sites.values()) if plan.sites else set()
    asked = {u for urls in plan.asked.values() for u in urls}
    plan.refused = {u for sid, urls in plan.wanted.items() for u in urls
                    if origin_of(u) not in plan.sites[sid]} - asked
    return plan


def forget_erased(store, assets, plan: FetchPlan) -> None:
    """What was fetched for a session erased while it was (`replay delete`, the app's
    Delete): its references go, nothing of it is kept."""
    for sid in plan.wanted:
        if store.index.session(sid) is None:
            assets.forget_session(sid)
