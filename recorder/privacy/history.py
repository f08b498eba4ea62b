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

import json
import os
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from ..paths import fsync_dir as _fsync_dir
from ..store import _atomic_write   # the store's temp + fsync + rename
from .rules import RULES_FILENAME, Rules, RulesError, parse_rules, parse_rules_file, to_toml

HISTORY_DIR = "rules-history"
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


def revision_file(revision: int) -> str:
    return f"r{revision:04d}.toml"


def active_rules(data_dir: Path | str) -> Rules:
    """The data folder's active rules (the built-in default when it has none)."""
    path = Path(data_dir) / RULES_FILENAME
    return parse_rules_file(path) if path.is_file() else Rules.default()


def _added_removed(what: str, old: tuple[str, ...], new: tuple[str, ...], *,
                   looser_if_added: bool) -> list[tuple[str, bool]]:
    out = [(f"{what} added: {x}", looser_if_added) for x in new if x not in old]
    return out + [(f"{what} removed: {x}", not looser_if_added) for x in old if x not in new]


def _changes(old: Rules, new: Rules) -> list[tuple[str, bool]]:
    """Each change from `old` to `new` as (its line, whether it masks less: a level lowered
    - `Level` orders them, the stricter the greater -, a rule, detector, scrubbed parameter
    or console redaction removed, a network header or the bodies kept)."""
    out: list[tuple[str, bool]] = []
    if old.default_level != new.default_level:
        out.append((f"default level: {old.default_level.label} -> {new.default_level.label}",
                    new.default_level < old.default_level))
    old_rules = {r.selector: r.level for r in old.rules}
    new_rules = {r.selector: r.level for r in new.rules}
    for r in new.rules:
        if r.selector not in old_rules:
            out.append((f"rule added: {r.selector} ({r.level.label})", False))
        elif old_rules[r.selector] != r.level:
            out.append((f"rule changed: {r.selector}: {old_rules[r.selector].label} -> "
                        f"{r.level.label}", r.level < old_rules[r.selector]))
    out += [(f"rule removed: {r.selector} ({r.level.label})", True) for r in old.rules
            if r.selector not in new_rules]
    kept_old = [r.selector for r in old.rules if r.selector in new_rules]
    kept_new = [r.selector for r in new.rules if r.selector in old_rules]
    if kept_old != kept_new:   # (the first matching rule decides: it may be either)
        out.append(("rules reordered", False))
    out += _added_removed("detector", old.detectors, new.detectors, looser_if_added=False)
    out += _added_removed("scrubbed URL parameter", old.scrub_query_params,
                          new.scrub_query_params, looser_if_added=False)
    out += _added_removed("network header kept", old.network_headers, new.network_headers,
                          looser_if_added=True)
    if old.network_bodies != new.network_bodies:
        out.append((f"network bodies: {'kept' if new.network_bodies else 'dropped'}",
                    new.network_bodies))
    out += _added_removed("console redaction", old.console_redact, new.console_redact,
                          looser_if_added=False)
    if old.version != new.version:
        out.append((f"file format version: {old.version} -> {new.version}", False))
    return out


def diff_rules(old: Rules, new: Rules) -> list[str]:
    """What changed from `old` to `new`, one line per change (empty: nothing did).
    Selector rules are compared by selector; a rule moved in the list is a change too
    (the first matching rule's order matters to anyone reading the file)."""
    return [line for line, _ in _changes(old, new)]


def loosened(old: Rules, new: Rules) -> list[str]:
    """The changes from `old` to `new` that mask less (diff_rules' lines): what making
    `new` the rules in force lets into the next recordings in clear."""
    return [line for line, looser in _changes(old, new) if looser]


def save_rules(data_dir: Path | str, rules: Rules, *, who: str, based_on: int | None,
               when: datetime | None = None) -> Change | None:
    """Make `rules` the active rules as the next revision and log the change. `based_on`:
    the revision the editor started from (None: do not check). Returns None when nothing
    differs from the active rules; raises RulesError when the active rules moved on since
    `based_on` or cannot be read."""
    data = Path(data_dir)
    active_path = data / RULES_FILENAME
    current = active_rules(data)
    if based_on is not None and current.revision != based_on:
        raise RulesError(f"{active_path} is at revision {current.revision} now, not the"
                         f" revision {based_on} you started from (someone else saved) - reload"
                         " it and make your change again")
    summary = diff_rules(current, rules)
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


def load_revision(data_dir: Path | str, revision: int) -> Rules:
    """A saved revision's rules, read from its copy in the history folder."""
    return parse_rules_file(Path(data_dir) / HISTORY_DIR / revision_file(revision))
