"""What the privacy workspace shows, without Qt: the two sides of the live preview.

A stored session was masked when it was stored (the store never holds raw data), so its
honest "before" is what is stored, and its "after" is what `replay mask` would store under
the edited rules (the rules applied on top). A recording file opened in the workspace may
hold anything its recorder saw: its "before" is what the data folder's active rules would
store today, or - only when the officer asks to see it - the file as recorded. Both sides
are rebuilt by the one mirror DOM and sanitized into the player's frame (`build_frame`), so
the preview shows exactly what the replay view would. Nothing here writes anything.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from player.frame import build_frame
from recorder.privacy.masking import as_played
from recorder.format import EventType, NodeType
from recorder.intake.dictionary import Shown
from recorder.mirror import Mirror
from recorder.privacy import DETECTORS
from recorder.privacy.audit import BUILT_IN, NOTHING_FOUND
from recorder.privacy.preview import masked_differently, masked_events
from recorder.privacy.rules import Rules

from ..ids import is_generated, short_ids

Raw = dict[str, Any]
MARK = "data-replay-differs"   # on elements whose masking differs between the two sides (not
# sanitize.MASKED, the player's mark of a masked choice: the outline took those in too)
OUTLINE = "#d6336c"           # what is masked differently, and what is wrong, in this colour
# Drawn by the preview's player CSS (the runtime keeps it across frames).
OUTLINE_CSS = (f"[{MARK}]{{outline:2px solid {OUTLINE}!important;outline-offset:1px!important}}"
               # an emptied element (hidden, no recorded size) stays big enough to see
               f"[{MARK}]:empty{{min-width:4em;min-height:1.3em}}")


# A session or file is previewed from its first PREVIEW_EVENTS events, read no further:
# a page's masking shows within its first minutes, and the 4-hour, 1,000,000-event session
# read whole froze the window for 16.7 s and took 1.8 GB (then masked twice in the
# background for the preview at its end).
PREVIEW_EVENTS = 20_000
MASKED_KEPT = 2   # the rules of both sides: the active ones (or the stored), and the form's


@dataclass
class Subject:
    """What is previewed: a stored session's events, or a recording file's events as
    recorded (held in memory only) - its first PREVIEW_EVENTS (`read_subject`)."""
    label: str
    events: list[Raw]
    stored: bool
    cut: bool = False          # the session or file holds more events than these
    total: int | None = None   # how many it holds, when known (a stored session's count)
    # a stored session of an application with rules of its own (`replay app rules`): its name
    # - Apply and the dry run follow those for it, not the rules edited here
    own_rules_of: str = ""
    # its events masked under each of the last MASKED_KEPT rules (`masked`): the preview
    # masks the events whole, and moving the moment masks nothing again
    masked_under: dict[Rules, list[Raw]] = field(default_factory=dict, repr=False,
                                                 compare=False)

    @property
    def duration_ms(self) -> float:
        ts = [e.get("timestamp") or 0 for e in self.events]
        return float(max(ts) - min(ts)) if ts else 0.0


def read_subject(label: str, events: Iterable[Raw], *, stored: bool,
                 total: int | None = None) -> Subject:
    """A Subject of the first PREVIEW_EVENTS of `events` (an iterator read no further than
    one event past them); `total`: how many the session holds, if known."""
    limit = PREVIEW_EVENTS
    head = list(itertools.islice(events, limit + 1))
    cut = len(head) > limit
    return Subject(label, head[:limit], stored, cut=cut, total=total if cut else None)


def cut_note(subject: Subject) -> str:
    """What the preview says of a subject cut to its first events ("" when read whole)."""
    if not subject.cut:
        return ""
    of = f" of {subject.total:,}" if subject.total else ""
    return (f" Previewing its first {len(subject.events):,} events{of}: the moment slider"
            " spans them (`replay mask --dry-run` checks the whole session).")


@dataclass
class Side:
    frame: Raw
    title: str
    shows: str = ""   # what it is, as the preview's note says it ("what is stored")


@dataclass
class Preview:
    before: Side
    after: Side
    changed: set[int] = field(default_factory=set)   # element ids outlined on both sides


# The workspace's tabs, in their order.
PREVIEW, DRY_RUN, AUDIT, HISTORY, GIVEN = TABS = ("Preview", "Dry run", "Audit", "History",
                                                  "Given to pages")


def rules_title(revision: int, *, default_why: str | None, edited: bool) -> str:
    """The page's title: which rules the form started from - a revision of the rules file,
    or, `default_why` said (no rules file, one that cannot be read), the built-in default,
    as the Settings page says it ("revision 0" read as a revision saved)."""
    shown = (f"revision {revision}" if default_why is None
             else f"the built-in default, {default_why}")
    return f"Privacy rules — {shown}" + (" (edited)" if edited else "")


# What an audit looks for, by the names its findings have in the Audit table's Kind column
AUDIT_KINDS = (*DETECTORS, *BUILT_IN)
AUDIT_SCOPE = f"Looks for: {', '.join(AUDIT_KINDS)}."   # (the whole sentence: on request)


def audit_note(found: bool, owner: Iterable[str]) -> str:
    """What the Audit table says in a session's own row, short enough for its column:
    `NOTHING_FOUND` when the audit found nothing in it, and what of its user the session
    keeps as its owner, by design ("" for neither). `replay audit`'s whole sentence - what
    was looked for, how to erase the user's sessions - is the cell's tooltip."""
    owner = list(owner)
    said = [] if found else [NOTHING_FOUND]
    if owner:
        said.append(f"owner kept: {', '.join(owner)} (by design)")
    return "; ".join(said)


def shown_ids(ids: list[str]) -> dict[str, str]:
    """Each of the stored sessions' `ids` as the Dry run and Audit tables show it: a
    generated id as the Sessions list shows it (its shortest unique prefix, which every
    command takes: whole UUIDs made the session column so wide the claims went behind a
    scroll bar), a name a person gave whole (cut, "acme-shop-dem" read as another name).
    The whole id is each cell's tooltip."""
    return {i: shown if is_generated(i) else i for i, shown in zip(ids, short_ids(ids))}


def tab_named(name: str) -> str:
    """The tab called `name`, in any case ("audit": "Audit"); ValueError naming the tabs
    when there is none."""
    for tab in TABS:
        if tab.casefold() == name.strip().casefold():
            return tab
    raise ValueError(f"no tab {name!r}: choose {', '.join(TABS[:-1])} or {TABS[-1]}")


def _until(events: Iterable[Raw], until: float | None) -> list[Raw]:
    """The events up to `until` (epoch ms; None: all)."""
    out: list[Raw] = []
    for e in events:
        if until is not None and (e.get("timestamp") or 0) > until:
            break
        out.append(e)
    return out


def masked(subject: Subject, rules: Rules) -> list[Raw]:
    """The subject's events as `rules` would store them - a file's as `import` would, a
    stored session's as `replay mask` would: all of them through the one masking path
    (`preview.masked_events`), cut at the moment afterwards. Masking only the events up to
    the moment missed a value typed after it, whose echoes before it the store masks (a
    name shown in an image's alt, then typed into a masked field: shown on both sides)."""
    key = replace(rules, revision=0)   # (what masks: `Rules.same_as`)
    kept = subject.masked_under
    if key not in kept:
        while len(kept) >= MASKED_KEPT:
            del kept[next(iter(kept))]
        kept[key] = masked_events(subject.events, rules)
    return kept[key]


def _state(events: list[Raw]) -> Mirror:
    """The page at the events' end, as the player builds it (a box change's size alone:
    keyframes.played)."""
    return Mirror().apply_all(as_played(e) for e in events)


def _mark(frame: Raw, ids: set[int]) -> Raw:
    """Put MARK on the frame's elements with these ids (the frame is ours: built here)."""
    stack = [frame.get("tree")]
    while stack:
        n = stack.pop()
        if not isinstance(n, dict):
            continue
        if n.get("type") == NodeType.Element and n.get("id") in ids:
            n["attributes"] = {**(n.get("attributes") or {}), MARK: ""}
        stack.extend(n.get("childNodes") or ())
    return frame


def has_page(events: Iterable[Raw]) -> bool:
    return any(e.get("type") == EventType.FullSnapshot for e in events)


def build_preview(subject: Subject, rules: Rules, at_ms: float | None, *,
                  active: Rules | None = None, unmasked: bool = False) -> Preview:
    """The two sides at `at_ms` after the subject's first event. `active`: the data
    folder's rules, the "before" of a file; `unmasked` shows a file as recorded instead."""
    first = subject.events[0].get("timestamp") or 0 if subject.events else 0
    until = None if at_ms is None else first + at_ms
    if subject.stored:
        before_events, title, shows = subject.events, "Stored now", "what is stored"
    elif unmasked:
        before_events, title, shows = subject.events, "As recorded (unmasked)", \
            "the file as it is, never saved"
    else:   # what `import` would store under the data folder's rules
        before_events = masked(subject, active if active is not None else Rules.default())
        title, shows = "Under the active rules", "what `import` stores today"
    # a stored session: the rules on top of what is stored (what `mask` would store);
    # a file: the rules on the recording (what `import` would store)
    after_events = masked(subject, rules)
    before = _state(_until(before_events, until))
    after = _state(_until(after_events, until))
    changed = masked_differently(before, after)
    t = float(at_ms or 0)
    return Preview(Side(_mark(build_frame(before, t), changed), title, shows),
                   Side(_mark(build_frame(after, t), changed), "With these rules",
                        "what `mask` would store" if subject.stored
                        else "what `import` would store"),
                   changed)


def stacked_sides(width: int, height: int, recorded: tuple[int, int], chrome: int) -> bool:
    """Whether the preview's two sides show larger one above the other than side by side,
    in `width` x `height` with `chrome` pixels of each side's title and URL above its page
    (a wide, short area: side by side; a narrow, tall one, as on a 1280x1024 screen: stacked)."""
    rw, rh = max(1, recorded[0]), max(1, recorded[1])
    beside = min(width / 2 / rw, (height - chrome) / rh)
    stacked = min(width / rw, (height / 2 - chrome) / rh)
    return stacked > beside


@dataclass(frozen=True)
class Given:
    """What one application's pages are given to compress against (the Given to pages tab)."""
    app_name: str
    app_id: str
    shown: Shown
    strings: tuple[str, ...]   # what the dictionary holds, sorted (none when not given)
    site: bool                 # whether it has a site to ask (dictionary.has_site)


def given_to_pages(data_dir: Path) -> list[Given]:
    """Each application of the data folder with its shared dictionary (intake/dictionary.py),
    as `replay app dictionary` says it; [] without applications. Reads only."""
    from recorder.intake.apps import APPS_FILE, Applications
    from recorder.intake.dictionary import Dictionaries, has_site, held_strings
    if not (data_dir / APPS_FILE).is_file():
        return []
    apps = Applications(data_dir)
    try:
        listed = apps.list()
    finally:
        apps.close()
    shared, out = Dictionaries(data_dir), []
    for app in listed:
        shown = shared.shown(app.id)
        held = tuple(sorted(held_strings(shown.data))) if shown.data is not None else ()
        out.append(Given(app.name, app.id, shown, held, has_site(app)))
    return out
