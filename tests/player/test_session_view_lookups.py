"""The session view's per-seek and per-tick lookups (clicks for the ripples, the inactive
stretch the clock is in) give what a walk along the lists gives, and look at a handful of
items, not at every one of a long session's (no Qt here)."""
from __future__ import annotations

import random

import pytest

from player.qt.session_view import SessionView, parse_user_agent


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


# Real user agents (each browser's published form): the Session tab's one reading of them
USER_AGENTS = [
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0"
     " Safari/537.36", ("Chrome 156", "Linux", "desktop")),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
     " Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91", ("Edge 120", "Windows", "desktop")),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0",
     ("Firefox 125", "macOS", "desktop")),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like"
     " Gecko) Version/17.4 Mobile/15E148 Safari/604.1", ("Safari 17", "iOS", "mobile")),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like"
     " Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1", ("Chrome 124", "iOS", "mobile")),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like"
     " Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15", ("Firefox 125", "iOS", "mobile")),
    ("Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
     " Version/17.4 Mobile/15E148 Safari/604.1", ("Safari 17", "iOS", "tablet")),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
     " Chrome/124.0.6367.82 Mobile Safari/537.36", ("Chrome 124", "Android", "mobile")),
    ("Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko)"
     " Chrome/124.0.6367.82 Safari/537.36", ("Chrome 124", "Android", "tablet")),
    ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko)"
     " SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
     ("Samsung Internet 24", "Android", "mobile")),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
     " QtWebEngine/6.8.0 Chrome/122.0.0.0 Safari/537.36", ("QtWebEngine 6 (Chromium 122)", "Linux", "desktop")),
]


@pytest.mark.parametrize("ua,expected", USER_AGENTS, ids=[" ".join(e) for _, e in USER_AGENTS])
def test_the_session_tab_reads_browser_os_and_device_from_the_user_agent(ua, expected):
    """capture.js sends the user agent alone (the intake reads it from the request's header):
    the Session tab names the browser, OS and device from it, iOS's Chrome and Firefox and
    Android tablets included (a new user's tryout found them read as Other and mobile)."""
    assert parse_user_agent(ua) == expected


def test_errors_at_one_moment_are_listed_among_the_steps_as_the_page_reported_them():
    """Two errors the page logged at 0:01.5, "price fetch failed: 404" then "caught price
    failed 404": the Steps list showed them the other way round (sorted by their words),
    the Console tab in the page's order (a support engineer's tryout)."""
    sv = SessionView(start_ms=0, end_ms=5000)
    sv.errors_all = [{"t": 1461, "message": "price fetch failed: 404"},
                     {"t": 1461, "message": "caught price failed 404"},
                     {"t": 900, "message": "earlier"}]
    assert [line for _, line in sv.error_lines()] == [
        "earlier", "price fetch failed: 404", "caught price failed 404"]
