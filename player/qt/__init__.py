"""The Qt player: the sandboxed replay view, the timeline and the dev-tools pane.

Importing this package first works around a PySide6 6.12 bug seen on CPython 3.11: every
call of a Qt method returning void drops one reference to `None` (harmless on 3.12+, where
None is immortal). A player painting at 60 fps makes thousands of such calls a second and
the interpreter aborts with "none_dealloc: deallocating None" within seconds (True/False
suffer the same at shutdown). Giving these singletons a reference count they can never run
out of makes them effectively immortal, as they are on 3.12.
"""
from __future__ import annotations

import ctypes
import sys


def keep_none_alive() -> None:
    if sys.version_info >= (3, 12) or hasattr(sys, "gettotalrefcount"):
        return  # immortal None (3.12+), or a debug build whose refcount layout differs
    for singleton in (None, True, False):  # bools are dropped too (seen at shutdown)
        refcnt = ctypes.c_ssize_t.from_address(id(singleton))
        if refcnt.value < (1 << 40):
            refcnt.value += 1 << 48


keep_none_alive()
