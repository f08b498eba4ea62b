"""How the commands say things: a number of things (thousands separated, the noun singular
for one - the recorder's own lines say them the same way: one `count`, in recorder.said), and
what a person can do about a file an import refused (`Advice`: a terminal's words, or the app's
window's)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, NamedTuple

from recorder.said import count

__all__ = ["Advice", "count"]


class Advice(NamedTuple):
    """What a person can do about a file an import refused or kept out, in the words of where
    they are: a terminal's (`import_cmd.TERMINAL`: `replay import`'s options and commands) or the app's
    window's (its buttons and menus: app.window.importer)."""
    partial: str    # a damaged file: store what decodes (after "get an intact copy, or")
    keep_both: str  # a file differing from a stored session (events or bug report): beside it
    apart: str      # a part of a session recorded apart (`ImportConflict.apart`): joined how
    shows: Callable[[Path], str]   # where a file kept out can be looked at

