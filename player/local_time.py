"""When something happened, as the person at the screen reads it: local time (no Qt).

The sessions list (the app's Start column, `replay sessions`), the player's Session tab, the
Privacy page's session box and `replay app list` all say when; a support engineer matches a
customer's "around 3pm" against each of them, so they are converted here only and cannot
drift into different zones.
"""
from __future__ import annotations

import datetime as _dt

MINUTES = "%Y-%m-%d %H:%M"
SECONDS_AND_ZONE = "%Y-%m-%d %H:%M:%S %Z"
UTC_BESIDE = " (%H:%M:%S UTC)"


def local_time(ms: float) -> _dt.datetime | None:
    """`ms` after the epoch in the local zone (aware), or None for a value no calendar holds
    (an import from before timestamps were checked): one bad row must not fail a whole
    listing or the Session tab."""
    try:
        return _dt.datetime.fromtimestamp(ms / 1000, _dt.timezone.utc).astimezone()
    except (ValueError, OverflowError, OSError):
        return None


def _unreadable(ms: float) -> str:
    return f"? ({ms:g} ms)"


def when_text(ms: float) -> str:
    """Local date and time to the minute (a list's column); an unreadable value as-is."""
    local = local_time(ms)
    return local.strftime(MINUTES) if local is not None else _unreadable(ms)


def started_text(ms: float) -> str:
    """Local date and time to the second, with the zone; UTC beside it where local time is
    not UTC (what a log or another zone's colleague counts in)."""
    local = local_time(ms)
    if local is None:
        return _unreadable(ms)
    text = local.strftime(SECONDS_AND_ZONE)
    return text if local.utcoffset() == _dt.timedelta(0) else \
        text + local.astimezone(_dt.timezone.utc).strftime(UTC_BESIDE)
