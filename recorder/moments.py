"""A moment in a session (ms after its first event) as a person reads it, said in one place:
every list, pane, note and command shows it through `moment_text`, so the same click reads
the same text wherever it is shown.

The rule: a moment is rounded UP to the unit shown. Typed back (`--at 0:11.0`, a seek), the
text shown lands at or after what happened - never before it, where the page does not show
it yet: a click at 10,948 ms reads 0:11.0, not 0:10.9 (which opened 48 ms before the click).
Rounded up at every unit, a coarser text is the finer one rounded up again (10,948 ms:
0:10.948, 0:11.0, 0:11), so two places never contradict each other.

    moment_text(10_948)              "0:11.0"    a row, a step, a marker, a bug report's
                                                 lines, a note on stderr, the player's
                                                 running clock
    moment_text(10_948, Unit.MS)     "0:10.948"  where ms matter: an audit's finding, the
                                                 privacy preview, an `--at` range
    moment_text(68_790, Unit.SECOND) "1:09"      a session's length (a list of sessions,
                                                 beside the player's running clock)
"""
from __future__ import annotations

import enum
import math

UNKNOWN = "?"   # a moment no clock holds (NaN, infinite: a length the store cannot hold)


class Unit(enum.IntEnum):
    """How finely a moment is shown: its last digit, in ms."""
    SECOND = 1000   # m:ss
    TENTH = 100     # m:ss.f
    MS = 1          # m:ss.fff


_DIGITS = {Unit.SECOND: 0, Unit.TENTH: 1, Unit.MS: 3}   # after the seconds' point
_MINUTE_S = 60
_HOUR_S = 60 * _MINUTE_S


def whole_ms(ms: float) -> int:
    """A moment as a whole number of ms, rounded up as it is shown (stored so: a bug
    report's `at_ms` is 58000, not 58000.0)."""
    return math.ceil(ms)


def shown_ms(ms: float, unit: Unit) -> int:
    """`ms` (finite) as `moment_text` shows it to `unit`, in ms: what a filter on what is
    shown compares (a 4:59.5 session reads 5:00, and is one of "5 minutes or more")."""
    return -(-max(0, whole_ms(ms)) // unit) * unit


def moment_text(ms: float, unit: Unit = Unit.TENTH) -> str:
    """`ms` after the session's start as m:ss (h:mm:ss past an hour) to `unit`, rounded up;
    before the start reads as the start, NaN or infinite as UNKNOWN."""
    if not math.isfinite(ms):
        return UNKNOWN
    seconds, part = divmod(shown_ms(ms, unit), Unit.SECOND)
    hours, seconds = divmod(seconds, _HOUR_S)
    minutes, seconds = divmod(seconds, _MINUTE_S)
    clock = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
    digits = _DIGITS[unit]
    return f"{clock}.{part // unit:0{digits}d}" if digits else clock
