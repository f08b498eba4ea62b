"""How the commands say a number of things: thousands separated, the noun singular for one."""
from __future__ import annotations


def count(n: int, noun: str) -> str:
    """`count(1, "segment")` -> "1 segment", `count(275113, "event")` -> "275,113 events"."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
