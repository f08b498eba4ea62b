"""Retroactive re-masking: rewrite stored sessions under new rules, so tightening the
rules cleans history too.

Each session is read whole, masked in two passes (`masker.mask_session`: the values typed
into masked fields collected over the whole session, then their echoes masked everywhere
in it, before the typing too) and written back with
`Store.replace_session` (atomic: new segment files, one index transaction, old files
removed; the index's facts are re-derived from the masked events). For the local store the
SQLite index is also made to forget: deleted rows are overwritten (`secure_delete`) and the
write-ahead log, which still holds the pages written at import, is checkpointed and
truncated.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from ..bug import restepped
from ..store import LocalStore, Store
from .echoes import Echoes
from .masker import mask_session
from .rules import Rules

log = logging.getLogger(__name__)

# Context key: when (epoch ms) the session was last rewritten under new rules - its events
# then differ from the original recording's, which an import of that recording must say.
REMASKED = "remasked_ms"


@dataclass
class RemaskResult:
    session_id: str
    events_before: int
    events_after: int
    changed: bool
    damaged_segments: list[int] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    set_aside: int = 0   # its damaged segment files `repair` had set aside, erased
    erased: bool = False   # nothing of it left to keep (all damaged, or all dropped): deleted


def remask_session(store: Store, session_id: str, rules: Rules) -> RemaskResult:
    with store.session(session_id) as reader:   # closed: the old files go with the rewrite
        events = list(reader.events())
    masker, masked, context = _remasked(events, reader.info.context, rules)
    changed = context != reader.info.context or len(masked) != len(events) or any(
        a is not b and a != b for a, b in zip(masked, events))
    if reader.damaged:
        # The damaged segments cannot be read, so cannot be masked: rewriting drops them.
        changed = True
    aside = 0
    if changed and masked:
        stamp = {REMASKED: int(time.time() * 1000)}
        context = {**(context or {}), **stamp}

        def again(now: list[dict], now_context: dict | None) -> tuple[list[dict], dict | None]:
            # a live session the intake appended to while it was masked: masked again,
            # whole (its echoes pass over all of it), under its lock - nothing it stored lost
            nonlocal masker, masked, events
            events = now
            masker, masked, ctx = _remasked(now, now_context, rules)
            return masked, {**(ctx or {}), **stamp}
        store.forget_deleted(before=True)
        store.replace_session(reader.id, masked, context=context,
                              read=reader.info.record_count, again=again)
        # what `repair` set aside of it (a damaged segment still decompresses, mostly) holds
        # what the session held before: it goes with the old segment files
        aside = store.erase_set_aside_files(reader.id)
        _keep_assets(store, reader.id, masked, rules)
    elif changed:
        store.delete_session(reader.id)  # nothing of it may be kept
    return RemaskResult(reader.id, len(events), len(masked), changed, list(reader.damaged),
                        dict(masker.stats), aside, erased=changed and not masked)


def rescrub_session(store: LocalStore, session_id: str, finals: Echoes,
                    rules: Rules | None) -> bool:
    """Mask in a stored session the echoes of values typed into masked fields after it was
    stored (`finals`: those values, Echoes.finals): a visit the live intake split after 15
    minutes without activity, the page's coupon shown in the first session and typed into a
    masked field in the next (LiveIntake.compact_idle, with the visit's shared echoes;
    `rules`: its application's); a recording imported again, one of its sessions stored
    already from a copy cut at a split and another typing it (LocalStore._rescrub_same;
    `rules` None: not known - its images go only when no URL of it names them any more).
    As a re-mask rewrites one (`remask_session`): a dictionary that learnt it goes, the
    damaged files `repair` set aside and the images it no longer shows too, the index's old
    pages overwritten. A session that cannot hold a value (`Store.may_hold`, looked at
    without the store's locks: live appends go on) is not read; one the values leave as it
    was is not rewritten. Returns whether it rewrote."""
    if not store.may_hold(session_id, finals):
        return False
    with store.session(session_id) as reader:   # closed: the old files go with the rewrite
        events = list(reader.events())
    scrubbed, context, user, changed = store.scrub_typed(reader.id, events, finals)
    if not changed and not reader.damaged:
        return False
    if not scrubbed:   # (its one damaged segment held everything: nothing of it may stay)
        store.delete_session(reader.id)
        return True

    def again(now: list[dict], now_context: dict | None) -> tuple[list[dict], dict | None]:
        # a late batch stored meanwhile: the events as they are now, masked so
        masked, ctx, _user, _n = store.scrub_typed(reader.id, now, finals)
        return masked, ctx if ctx is not None else now_context
    if reader.damaged:
        log.warning("masking session %s again without its damaged segments %s", reader.id,
                    reader.damaged)
    store.forget_deleted(before=True)
    store.replace_session(reader.id, scrubbed, context=context, user=user,
                          read=reader.info.record_count, again=again)
    store.erase_set_aside_files(reader.id)
    _keep_assets(store, reader.id, scrubbed, rules)
    if not store.forget_deleted(before=False):
        log.warning("session %s: another program reading the index holds its log; the pages"
                    " it held before it was masked again go at a later checkpoint", reader.id)
    log.info("session %s: %d value(s) typed into masked fields later in the visit masked"
             " where it showed them", reader.id, changed)
    return True


def _keep_assets(store: Store, sid: str, masked: list[dict], rules: Rules) -> None:
    """The images and fonts stored for the session (recorder.asset_store) that it no longer
    references as re-masked - an image the new rules mask - go, with their files when no
    other session references them: tightening the rules cleans them too."""
    from ..assets import referenced_urls

    gone = store.keep_assets(sid, referenced_urls(masked, rules))
    if gone:
        log.info("session %s: %d stored image%s or font%s it no longer shows erased", sid,
                 gone, "" if gone == 1 else "s", "" if gone == 1 else "s")


def _remasked(events: list[dict], context: dict | None, rules: Rules
              ) -> tuple[Any, list[dict], dict | None]:
    """(the masker, the events masked in two passes - echoes before the typing too -, the
    context masked, its bug report's steps read again from them)."""
    masker, masked = mask_session(events, rules)
    return masker, masked, restepped(masker.mask_context(context), masked)


def rules_of(store: Store, session_id: str, rules: Rules, own: Mapping[str, Rules] | None
             ) -> Rules:
    """The rules a session is re-masked (or dry-run) under: its application's, when `own`
    (application id -> rules) has them, else `rules`."""
    if not own:
        return rules
    info = store.index.session(session_id)
    app = info.application if info is not None else None
    return own.get(app, rules) if app else rules


def remask_sessions(store: Store, session_ids: Iterable[str] | None, rules: Rules,
                    progress: Callable[[int, int, str], None] | None = None,
                    own: Mapping[str, Rules] | None = None,
                    stop: Callable[[], bool] | None = None) -> list[RemaskResult]:
    """Re-mask the given sessions (None: every stored session) under `rules` - a session of
    an application in `own` (application id -> its rules) under those. `progress(done,
    total, id)` is called before each session; when `stop()` says so there, the others are
    left as they are (each session is rewritten whole or not at all) and the results are
    those of the sessions done."""
    ids = [s.id for s in store.sessions()] if session_ids is None else \
        [store.resolve(s) for s in session_ids]
    ids = list(dict.fromkeys(ids))
    out = []
    store.forget_deleted(before=True)
    for i, sid in enumerate(ids):
        if progress:
            progress(i, len(ids), sid)
        if stop is not None and stop():
            break
        out.append(remask_session(store, sid, rules_of(store, sid, rules, own)))
    if any(r.changed for r in out):
        store.forget_deleted(before=False)
        aside = sum(r.set_aside for r in out)
        if aside:
            log.warning("erased %d damaged segment file%s `replay repair` had set aside in"
                        " unreferenced/: %s what the re-masked sessions held before", aside,
                        "" if aside == 1 else "s", "it held" if aside == 1 else "they held")
        old = store.erase_set_aside_indexes()
        if old:
            log.warning("erased %d damaged index file%s `replay repair` had set aside: %s"
                        " what these sessions held before", old, "" if old == 1 else "s",
                        "it held" if old == 1 else "they held")
    if progress and len(out) == len(ids):
        progress(len(ids), len(ids), "")
    return out
