"""How the commands say a number of things: thousands separated, the noun singular for one
(the recorder's own lines say them the same way: one `count`, in recorder.said)."""
from __future__ import annotations

from recorder.said import count

__all__ = ["count"]
