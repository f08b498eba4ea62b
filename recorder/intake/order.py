"""A page's batches stored in the order they were made, whatever order they arrive in.

A page's batches can reach the intake out of order: at a visit's end capture.js hands the
browser several beacons at once (the batch in flight and the rest of its queue), and the
browser sends them over connections of their own, answered in any order. A mutation batch
stored before the one it follows loses what the masker cannot place (adds under a parent it
never saw are dropped: it cannot tell whether that parent is hidden), and its events would
play before those they follow.

The batch's id, and the `after` it may name, say the order (wire.py's batch-id rules; this
is rule 6):
1. A batch that names `after` (a batch id) follows that batch of the same application and
   session: capture.js's first batch of a page names the last batch the visit's previous page
   numbered (a beacon of the page left may still be on its way while the next page's
   snapshot arrives: stored after it, its changes would play on the new page's DOM, masked by
   that DOM's rules). Else a `batch_id` of the form `<page>.<n>` - `n` a decimal counter
   without leading zeros - follows `<page>.<n-1>` (capture.js: a random page id and a
   counter from 0). Any other batch follows nothing, nor does one without a `batch_id`.
2. A batch that follows another is held - its request waits, nothing of it is stored or
   written anywhere (an unmasked batch never waits on disk) - until the one before it is
   stored (the index remembers its id: any worker process may have stored it), then stored
   as any batch is.
3. The wait is bounded: after `HOLD_S` the batch is stored anyway (the one before may never
   come: refused, split after a 413 under new ids, lost with its page) - unless the one
   before is in this worker's hands, held or being stored: then it waits for it, so a burst
   of batches after a gap (beacons sent together, their deadlines together) is stored in
   their order, not in the order their time ran out. A sender that numbers its batches this
   way and skips numbers waits that long once per gap; the log says so at most once a
   minute.
4. At most `MAX_HELD` requests wait at once in a worker; one more is stored at once - a
   sender cannot make the intake hold more than that, whatever ids it sends (each holds a
   decoded batch in memory, beside the `MAX_PENDING` being read and stored).
5. A wait that ran out is remembered (the one before's id, the last `MAX_NEVER` of them in a
   worker): the same batch sent again (refused after its wait - a 409 for a text the intake
   lost, a 5xx - or its answer lost), or another naming the same one before, waits
   `GRACE_S`, not `HOLD_S` again, for what did not come: the page sends the two again
   together, and the one before may still be on its way (or stored by another worker). One
   that does arrive here is no longer remembered so, and is waited for as rule 3 says.
Nothing is answered 202 before it is stored, so a held batch is acknowledged no earlier than
before: a worker killed while holding one answers nothing (a fetch is sent again; a beacon,
which hears no answer, is lost as a beacon to a stopped intake is).
"""
from __future__ import annotations

import asyncio
import enum
import logging
import re
import time
from collections import Counter, OrderedDict
from typing import Callable

from ..index import BatchKey

log = logging.getLogger(__name__)

HOLD_S = 5.0      # how long a batch waits for the one before it (rule 3)
# how often the index is asked meanwhile (another worker may store it): at first soon (the one
# before is mostly a moment behind), then less and less often - 64 batches held for nothing
# (a sender skipping numbers) ask a few hundred times a second, not thousands
POLL_S, POLL_MAX_S = 0.02, 0.25
MAX_HELD = 16     # requests one worker holds at once (rule 4): a visit's end sends a few
MAX_NEVER = 1024  # ids waited for in vain a worker remembers (rule 5)
GRACE_S = 1.0     # ... and how long a batch waits for one of them (rule 5)
SAY_EVERY_S = 60.0   # the log's line about batches that waited for nothing, at most this often

_NUMBERED = re.compile(r"(.+)\.(0|[1-9][0-9]{0,17})")


def previous(batch_id: str | None, after: str | None = None) -> str | None:
    """The id of the batch `batch_id` follows (rule 1: `after`, if the batch names it), or
    None."""
    if after is not None:
        return after
    m = _NUMBERED.fullmatch(batch_id or "")
    if m is None or m.group(2) == "0":
        return None
    return f"{m.group(1)}.{int(m.group(2)) - 1}"


class Waited(enum.Enum):
    """How a batch's wait for the one before it ended."""
    FOLLOWS_NOTHING = "follows nothing"   # rule 1: no wait
    FOUND = "found"                       # the one before it is stored
    GAVE_UP = "gave up"                   # HOLD_S passed without it (rule 3)
    FULL = "full"                         # MAX_HELD were waiting already (rule 4)


class PageOrder:
    """Holds each batch until the one before it on its page is stored (the module's rules).
    `stored(key)`: whether the index remembers that batch, or no longer needs to (its
    session was deleted since: `Store.batch_settled`) - blocking (SQLite), so it is asked
    from a thread, never on the event loop."""

    def __init__(self, stored: Callable[[BatchKey], bool], *, hold_s: float = HOLD_S,
                 grace_s: float = GRACE_S, poll_s: float = POLL_S, most: int = MAX_HELD,
                 clock: Callable[[], float] = time.monotonic):
        self.stored = stored
        self.hold_s = hold_s
        self.grace_s = grace_s   # rule 5
        self.poll_s = poll_s   # the first wait between two asks; each next one twice as long
        self.most = most
        self.clock = clock
        self.held = 0   # requests waiting now
        self.here: Counter[BatchKey] = Counter()   # batches held or being stored here (rule 3)
        self.gave_up = 0   # batches that waited for nothing since the log last said so
        self.never: OrderedDict[BatchKey, None] = OrderedDict()   # waited for in vain (rule 5)
        self.said_at: float | None = None

    def arrived(self, key: BatchKey) -> None:
        """Batch `key` is in this worker's hands until `done(key)`: held, then stored."""
        self.here[key] += 1
        self.never.pop(key, None)   # it came after all (rule 5)

    def done(self, key: BatchKey) -> None:
        self.here[key] -= 1
        if self.here[key] <= 0:
            del self.here[key]

    async def wait(self, key: BatchKey, after: str | None = None) -> Waited:
        """Return once the batch `key` (naming `after`, if it does) may be stored (rules 2
        to 4)."""
        before = previous(key.batch_id, after)
        if before is None:
            return Waited.FOLLOWS_NOTHING
        if self.held >= self.most:
            return Waited.FULL
        want = BatchKey(key.application, key.client_session, before)
        hold = min(self.grace_s, self.hold_s) if want in self.never else self.hold_s
        self.held += 1
        try:
            until = self.clock() + hold
            poll = self.poll_s
            while True:
                if await asyncio.to_thread(self.stored, want):
                    return Waited.FOUND
                now = self.clock()
                # (the one before in hand here: waited for, up to a second HOLD_S - two
                # batches naming each other as `after` must not hold each other for ever)
                if now >= until and (want not in self.here or now >= until + self.hold_s):
                    self._gave_up(key, want, now)
                    return Waited.GAVE_UP
                await asyncio.sleep(poll if now >= until else min(poll, until - now))
                poll = min(poll * 2, POLL_MAX_S)
        finally:
            self.held -= 1

    def _gave_up(self, key: BatchKey, want: BatchKey, now: float) -> None:
        """`want` remembered as never come (rule 5). Said in the log at once, then at most
        once a minute with how many since (a sender skipping numbers never floods it); ids as
        `repr`, never a line of the sender's."""
        self.never[want] = None
        self.never.move_to_end(want)
        if len(self.never) > MAX_NEVER:
            self.never.popitem(last=False)
        before = want.batch_id
        self.gave_up += 1
        if self.said_at is not None and now - self.said_at < SAY_EVERY_S:
            return
        log.info("%d batch%s waited %g s for the one before %s, which never came: stored after"
                 " what came before (the last: batch %r of session %r, waiting for %r)",
                 self.gave_up, "" if self.gave_up == 1 else "es", self.hold_s,
                 "it" if self.gave_up == 1 else "them", key.batch_id[:64],
                 key.client_session, before[:64])
        self.said_at, self.gave_up = now, 0
