"""The session view's per-seek and per-tick lookups (clicks for the ripples, the inactive
stretch the clock is in) give what a walk along the lists gives, and look at a handful of
items, not at every one of a long session's (no Qt here)."""
from __future__ import annotations

import random

from player.qt.session_view import SessionView


class Counted(list):
    """A list that counts the items read from it."""

    def __init__(self, items):
        super().__init__(items)
        self.reads = 0

    def __getitem__(self, i):
        self.reads += 1
        return super().__getitem__(i)

    def __iter__(self):
        for item in super().__iter__():
            self.reads += 1
            yield item


def _session(n: int) -> SessionView:
    rng = random.Random(5)
    times = sorted(rng.randrange(0, 10 * n) for _ in range(n))
    sv = SessionView(start_ms=0, end_ms=10 * n)
    sv.clicks = Counted([(t, 1.0, 2.0, "click") for t in times])
    starts = sorted(rng.sample(range(0, 10 * n, 50), n // 10))
    sv.inactive = Counted([(a, a + 20) for a in starts])
    return sv


def test_clicks_and_inactive_stretches_are_found_as_a_walk_finds_them():
    sv = _session(2000)
    clicks, spans = list(sv.clicks), list(sv.inactive)
    rng = random.Random(9)
    for _ in range(300):
        t0 = rng.randrange(-10, 20_010)
        t1 = t0 + rng.choice([0, 1, 300, 5000])
        assert sv.clicks_between(t0, t1) == [c for c in clicks if t0 < c[0] <= t1]
        walk = next(((a, b) for a, b in spans if a <= t0 < b), None)
        assert sv.inactive_at(t0) == walk
    for a, b in spans[:20]:
        assert sv.inactive_at(a) == sv.inactive_at(b - 1) == (a, b)


def test_a_lookup_reads_a_few_items_of_a_long_session():
    sv = _session(100_000)
    sv.clicks.reads = sv.inactive.reads = 0
    sv.clicks_between(500_000, 502_000)
    sv.inactive_at(900_000)
    assert sv.clicks.reads <= 2 * 20 + 1     # two bisections and the slice
    assert sv.inactive.reads <= 20 + 2
