"""Saving the data folder's active rules with a revision and a change log.

    DATA/rules.toml                  the active rules (`revision = N`)
    DATA/rules-history/r0003.toml    every saved revision, as written
    DATA/rules-history/log.jsonl     one line per save: who, when, what changed

`save_rules` is the only writer of the active rules that keeps history (the privacy
workspace calls it). It refuses to overwrite a revision it was not based on, so two officers
editing at once cannot silently undo each other. A save writes the revision's copy and the
log line before the active file: a crash in between leaves history ahead of the active rules,
never an active revision with no record. A change summary names selectors, levels, detectors
and parameter names - rules, never recorded values.
"""
from __future__ import annotations

import enum
import json
import os
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from ..paths import RULES_HISTORY_DIR as HISTORY_DIR
from ..paths import fsync_dir as _fsync_dir
from ..store import _atomic_write   # the store's temp + fsync + rename
from .levels import Level
from .rules import (RULES_FILENAME, Rules, RulesError, load_rules, parse_rules,
                    parse_rules_file, to_toml)
from .selectors import members

LOG_NAME = "log.jsonl"


@dataclass(frozen=True)
class Change:
    """One save of the active rules."""
    revision: int
    who: str
    when: str                    # ISO 8601, UTC
    summary: tuple[str, ...]     # what changed, one line per change
    file: str                    # the revision's copy, relative to the history folder

    def to_json(self) -> dict:
        return {**asdict(self), "summary": list(self.summary)}


def who_saves() -> str:
    """Who a change of the rules is logged as: the account the process runs as (its real user
    id) - not `$USER` or `$LOGNAME`, which anyone sets as they like (a privacy officer's
    tryout: `USER=mallory replay app rules ...` was logged as mallory's)."""
    try:
        import pwd
    except ImportError:   # Windows: no user ids - the logged-on account's name
        import getpass
        return getpass.getuser()
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:   # an account with no name (a container's)
        return f"uid {uid}"


def revision_file(revision: int) -> str:
    return f"r{revision:04d}.toml"


def active_rules(data_dir: Path | str) -> Rules:
    """The data folder's active rules (`load_rules`: its newest saved revision when the file
    is gone, the built-in default when it has none)."""
    return load_rules(None, data_dir)


class Effect(enum.Enum):
    """What one change of the rules does to what is masked."""
    MORE = "more"
    LESS = "less"
    DIFFERENTLY = "differently"   # more in some places, less in others: a question too
    NEITHER = "neither"           # a list reordered, the file format's version

    @property
    def than(self) -> str:
        """As a sentence compares two rules: "masks less than the rules in force"."""
        return f"{self.value} {'from' if self is Effect.DIFFERENTLY else 'than'}"


# A selector rule's level is one explicit claim on the elements it matches (levels.py:
# the strictest claim on an element decides; an element with none inherits its parent's
# level, the default at the top; beneath a hidden element nothing counts). Without the
# claim, an element falls to its other claims or to what it inherits - a level the rules
# file does not tell, as the page's own markup may claim any level around it. So a claim
# at the loosest level can only have loosened (its removal masks more, its addition less),
# one at `mask` or `hidden` only tightened (nothing stricter than `mask` is inherited but
# `hidden`, beneath which the claim never counted), and one at `mask-user-input` may have
# done either.
_CLAIM_REMOVED = {Level.ALLOW: Effect.MORE, Level.MASK_USER_INPUT: Effect.DIFFERENTLY,
                  Level.MASK: Effect.LESS, Level.HIDDEN: Effect.LESS}
_OPPOSITE = {Effect.MORE: Effect.LESS, Effect.LESS: Effect.MORE,
             Effect.DIFFERENTLY: Effect.DIFFERENTLY, Effect.NEITHER: Effect.NEITHER}
_SAID = {Effect.DIFFERENTLY: " (masks more in some places, less in others)"}


def _added_removed(what: str, old: tuple[str, ...], new: tuple[str, ...], *,
                   looser_if_added: bool) -> list[tuple[str, Effect]]:
    added, removed = (Effect.LESS, Effect.MORE) if looser_if_added else (Effect.MORE, Effect.LESS)
    out = [(f"{what} added: {x}", added) for x in new if x not in old]
    return out + [(f"{what} removed: {x}", removed) for x in old if x not in new]


def _rule_effect(old: Rules, new: Rules, effect: Effect) -> Effect:
    """`effect`, of a selector rule's change - or none under a `hidden` default kept: no
    selector rule counts there (everything is beneath it)."""
    if old.default_level == new.default_level == Level.HIDDEN:
        return Effect.NEITHER
    return effect


def _changes(old: Rules, new: Rules) -> list[tuple[str, Effect]]:
    """Each change from `old` to `new` as (its line, what it does to what is masked): a
    level lowered - `Level` orders them, the stricter the greater - masks less; a selector
    rule removed or added, by its level (`_CLAIM_REMOVED`: removing an `allow` rule masks
    more); a detector, scrubbed parameter or console redaction removed, a network header or
    the bodies kept, less."""
    out: list[tuple[str, Effect]] = []
    if old.default_level != new.default_level:
        out.append((f"default level: {old.default_level.label} -> {new.default_level.label}",
                    Effect.LESS if new.default_level < old.default_level else Effect.MORE))
    old_rules = {r.selector: r.level for r in old.rules}
    new_rules = {r.selector: r.level for r in new.rules}
    # a rule whose selector list was edited (`#out, #contact` -> `#out, #contact, #b`) is
    # one rule changed, by the members it gained and lost - not one removed and one added
    # (a privacy officer's tryout: a selector added to a `mask` rule was "rule removed", and
    # refused as masking less)
    edited = _edited_lists([r for r in old.rules if r.selector not in new_rules],
                           [r for r in new.rules if r.selector not in old_rules])
    before_at, now_at = _members_at(old), _members_at(new)
    for r in new.rules:
        if r.selector in edited:
            was = edited[r.selector]
            before, after = set(members(was.selector)), set(members(r.selector))
            gained = [m for m in members(r.selector) if m not in before]
            lost = [m for m in members(was.selector) if m not in after]
            # (a member another rule of the level held before - two rules merged - is no
            # claim gained; one a new rule of the level holds now, none lost)
            moved = [m for m in gained if m in before_at[r.level]] + \
                [m for m in lost if m in now_at[r.level]]
            gained = [m for m in gained if m not in before_at[r.level]]
            lost = [m for m in lost if m not in now_at[r.level]]
            effects = {_OPPOSITE[_CLAIM_REMOVED[r.level]]} if gained else set()
            effects |= {_CLAIM_REMOVED[r.level]} if lost else set()
            said = "; ".join(x for x in (f"{', '.join(gained)} added" if gained else "",
                                         f"{', '.join(lost)} removed" if lost else "",
                                         f"{', '.join(moved)} moved from or to another rule"
                                         if moved else "") if x)
            out.append((f"rule changed: {was.selector} -> {r.selector} ({r.level.label}):"
                        f" {said or 'the same selectors, written otherwise'}",
                        _rule_effect(old, new, _together(effects))))
        elif r.selector not in old_rules and set(members(r.selector)) <= before_at[r.level]:
            out.append((f"rule split off: {r.selector} ({r.level.label}) from another",
                        Effect.NEITHER))   # (its members claimed at its level before)
        elif r.selector not in old_rules:
            out.append((f"rule added: {r.selector} ({r.level.label})", _rule_effect(
                old, new, _OPPOSITE[_CLAIM_REMOVED[r.level]])))
        elif old_rules[r.selector] != r.level:   # the one claim, made looser or stricter
            was = old_rules[r.selector]
            out.append((f"rule changed: {r.selector}: {was.label} -> {r.level.label}",
                        _rule_effect(old, new, Effect.LESS if r.level < was else Effect.MORE)))
    paired = {id(r) for r in edited.values()}
    for r in old.rules:
        if r.selector in new_rules or id(r) in paired:
            continue
        if set(members(r.selector)) <= now_at[r.level]:   # its members in another rule now
            out.append((f"rule merged: {r.selector} ({r.level.label}) into another",
                        Effect.NEITHER))
        else:
            out.append((f"rule removed: {r.selector} ({r.level.label})",
                        _rule_effect(old, new, _CLAIM_REMOVED[r.level])))
    kept_old = [r.selector for r in old.rules if r.selector in new_rules]
    kept_new = [r.selector for r in new.rules if r.selector in old_rules]
    if kept_old != kept_new:   # (the strictest claim decides, whatever the order)
        out.append(("rules reordered", Effect.NEITHER))
    out += _added_removed("detector", old.detectors, new.detectors, looser_if_added=False)
    out += _added_removed("scrubbed URL parameter", old.scrub_query_params,
                          new.scrub_query_params, looser_if_added=False)
    out += _added_removed("network header kept", old.network_headers, new.network_headers,
                          looser_if_added=True)
    if old.network_bodies != new.network_bodies:
        out.append((f"network bodies: {'kept' if new.network_bodies else 'dropped'}",
                    Effect.LESS if new.network_bodies else Effect.MORE))
    out += _added_removed("console redaction", old.console_redact, new.console_redact,
                          looser_if_added=False)
    if old.version != new.version:
        out.append((f"file format version: {old.version} -> {new.version}", Effect.NEITHER))
    return out


def _edited_lists(removed: list, added: list) -> dict:
    """Added selector rules that are removed ones edited: the same level, a member in
    common - added selector -> the removed rule it replaces (each paired once)."""
    out: dict = {}
    left = list(removed)
    for a in added:
        mine = set(members(a.selector))
        was = next((r for r in left if r.level == a.level
                    and mine & set(members(r.selector))), None)
        if was is not None:
            out[a.selector] = was
            left.remove(was)
    return out


def _members_at(rules: Rules) -> dict:
    """Level -> the selector members its rules claim."""
    out: dict = {level: set() for level in Level}
    for r in rules.rules:
        out[r.level].update(members(r.selector))
    return out


def _together(effects: set[Effect]) -> Effect:
    """What changes of these effects do together."""
    if len(effects) == 1:
        return next(iter(effects))
    return Effect.DIFFERENTLY if effects else Effect.NEITHER


def app_rules_change(was: Rules | None, now: Rules | None, folder: Rules) -> list[str]:
    """What a change of an application's own rules (`was` -> `now`, None: it has none, the
    intake's apply) does, for the application's history: whose rules mask its batches, then
    `diff_rules` of what they were masked with before and after - the data folder's rules
    standing for the intake's (a `replay serve --rules FILE` running is not known here)."""
    return [whose_rules(was is not None, now is not None),
            *diff_rules(folder if was is None else was, folder if now is None else now)]


def whose_rules(had_own: bool, has_own: bool) -> str:
    """`app_rules_change`'s first line: whose rules mask the application's batches now."""
    if not had_own:
        return "its own rules set, in place of the intake's (changes against the data folder's)"
    if not has_own:
        return "its own rules dropped: the intake's apply (changes against the data folder's)"
    return "its own rules replaced"


def diff_rules(old: Rules, new: Rules) -> list[str]:
    """What changed from `old` to `new`, one line per change (empty: nothing did).
    Selector rules are compared by selector; a rule moved in the list is a change too
    (the first matching rule's order matters to anyone reading the file)."""
    return [line for line, _ in _changes(old, new)]


def loosened(old: Rules, new: Rules) -> list[str]:
    """The changes from `old` to `new` that mask less, or may (diff_rules' lines; one that
    masks more in places and less in others says so): what making `new` the rules in force
    may let into the next recordings in clear - asked about before, warned of after."""
    return [line + _SAID.get(effect, "") for line, effect in _changes(old, new)
            if effect in (Effect.LESS, Effect.DIFFERENTLY)]


def looser(old: Rules, new: Rules) -> Effect | None:
    """How `new` masks beside `old` where it may let something through: LESS when a change
    masks less and none masks more, DIFFERENTLY when changes only may, or when others mask
    more (a default raised to `mask` beside an `allow` rule added: "less" told a privacy
    officer the stricter file was the looser), None when none may (`loosened`'s lines say
    which) - never LESS of rules that mask no less anywhere."""
    effects = {effect for _, effect in _changes(old, new)}
    if Effect.LESS in effects and Effect.MORE not in effects:
        return Effect.LESS
    return Effect.DIFFERENTLY if effects & {Effect.LESS, Effect.DIFFERENTLY} else None


def save_rules(data_dir: Path | str, rules: Rules, *, who: str, based_on: int | None,
               when: datetime | None = None) -> Change | None:
    """Make `rules` the active rules as the next revision and log the change. `based_on`:
    the revision the editor started from (None: do not check). Returns None when nothing
    differs from the active rules; raises RulesError when the active rules moved on since
    `based_on` or cannot be read."""
    data = Path(data_dir)
    active_path = data / RULES_FILENAME
    # deleted beside its history (its newest revision stands for it): saved, they mend it
    broken = not active_path.is_file() and (data / HISTORY_DIR / LOG_NAME).is_file()
    try:
        current = active_rules(data)
    except RulesError:
        # broken by hand: the newest saved revision is what it stands for (the workspace
        # shows it, to save again - it offered revision 1 over a history of two)
        current, broken = newest_revision(data), True
        if current is None:
            raise
    if based_on is not None and current.revision != based_on:
        raise RulesError(f"{active_path} is at revision {current.revision} now, not the"
                         f" revision {based_on} you started from (someone else saved) - reload"
                         " it and make your change again")
    summary = diff_rules(current, rules)
    if broken:   # (saved as they are, they mend the file)
        summary = summary or [f"{RULES_FILENAME} written again (it was missing or could not be"
                              " read)"]
    if not summary:
        return None
    saved = replace(rules, revision=current.revision + 1, source=str(active_path))
    text = to_toml(saved)
    if parse_rules(text, where="rules to save") != saved:   # the writer must round-trip
        raise RulesError("the rules would not read back as written - not saved")
    hist = data / HISTORY_DIR
    hist.mkdir(parents=True, exist_ok=True)
    if active_path.is_file() and not (hist / revision_file(current.revision)).exists():
        # written by hand or by `mask --activate`: keep what it was before replacing it
        _atomic_write(hist / revision_file(current.revision), active_path.read_bytes())
    stamp = (when or datetime.now(timezone.utc)).astimezone(timezone.utc)
    change = Change(saved.revision, who, stamp.isoformat(timespec="seconds"), tuple(summary),
                    revision_file(saved.revision))
    _atomic_write(hist / change.file, text.encode("utf-8"))
    with open(hist / LOG_NAME, "a", encoding="utf-8") as f:
        f.write(json.dumps(change.to_json(), ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())
    _fsync_dir(hist)
    _atomic_write(active_path, text.encode("utf-8"))
    _fsync_dir(data)
    return change


def read_history(data_dir: Path | str) -> tuple[list[Change], int]:
    """The change log, oldest first, and how many lines could not be read (a torn last
    line after a crash, a hand edit): counted, never raised."""
    path = Path(data_dir) / HISTORY_DIR / LOG_NAME
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return [], 0
    out, bad = [], 0
    for line in lines:
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            out.append(Change(int(d["revision"]), str(d["who"]), str(d["when"]),
                              tuple(str(x) for x in d["summary"]), str(d["file"])))
        except (ValueError, KeyError, TypeError):
            bad += 1
    return out, bad


def iso_utc(ms: int) -> str:
    """A moment (ms after the epoch) as the histories keep it: ISO 8601, UTC, to the second
    ("" for 0: not known)."""
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="seconds") \
        if ms else ""


def when_shown(iso: str) -> str:
    """A history's ISO moment as its lists show it, UTC: `2026-12-07 07:22:41`."""
    return iso.replace("T", " ").replace("+00:00", "")


@dataclass(frozen=True)
class Logged:
    """One change of the rules a data folder keeps: its own (`read_history`) or one of an
    application's own (`Applications.rules_history`)."""
    whose: str                   # "data folder", or "application NAME"
    revision: int
    when: str                    # ISO 8601, UTC, to the second
    who: str
    summary: tuple[str, ...]


def every_change(data_dir: Path | str) -> tuple[list[Logged], int]:
    """Every change of the rules a data folder keeps, the data folder's and each
    application's, newest first - one history for a privacy officer to read (an application's
    were not in the privacy workspace's: a tryout audited the folder's alone) - and how many
    lines of the folder's log could not be read. The applications file is read only when it
    is there (looking makes none)."""
    from ..paths import APPS_FILE
    changes, bad = read_history(data_dir)
    out = [Logged("data folder", c.revision, c.when, c.who, c.summary) for c in changes]
    if (Path(data_dir) / APPS_FILE).is_file():
        from ..intake.apps import AppError, Applications
        try:
            apps = Applications(data_dir)
        except AppError as exc:   # said where the changes would be (last), not left out
            out.append(Logged("applications", 0, "", "", (str(exc),)))
        else:
            try:
                for app in apps.list():
                    for c in apps.rules_history(app.id)[1]:
                        out.append(Logged(f"application {app.name}", c.revision,
                                          iso_utc(c.at_ms), c.who, c.summary))
            finally:
                apps.close()
    # (each history is listed oldest first: within a second, the later listed is the newer)
    order = sorted(range(len(out)), key=lambda i: (out[i].when, i), reverse=True)
    return [out[i] for i in order], bad


def newest_revision(data_dir: Path | str) -> Rules | None:
    """The data folder's newest saved revision of its rules that reads, or None - what
    stands for its rules file when that is broken by hand or deleted (a running intake's
    rules, the privacy workspace's form and its next save)."""
    for change in sorted(read_history(data_dir)[0], key=lambda c: -c.revision):
        try:
            return load_revision(data_dir, change.revision)
        except RulesError:
            continue
    return None


def load_revision(data_dir: Path | str, revision: int) -> Rules:
    """A saved revision's rules, read from its copy in the history folder."""
    return parse_rules_file(Path(data_dir) / HISTORY_DIR / revision_file(revision))
