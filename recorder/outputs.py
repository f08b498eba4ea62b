"""Whether an export can be written where a person asked: one check for the command line's
`-o` (app.commands._source.check_output) and the app's Export… dialog (player.qt.export_menu),
made before any work - a clip found a folder it could not write to only after painting every
frame, and the app's exports answered a missing folder two ways (a Python error naming a
`.tmp` file the person never typed for a bundle or a HAR; the folder silently made for a PNG
or a video)."""
from __future__ import annotations

import enum
import os
import tempfile
from pathlib import Path
from typing import NamedTuple


class Why(enum.Enum):
    """What is in the way of writing a file (each caller says its own what-to-do)."""
    IS_FOLDER = "is a folder"
    PARENT_IS_FILE = "its folder is a file"
    NO_FOLDER = "its folder does not exist"
    UNWRITABLE = "its folder refuses new files"


class Refusal(NamedTuple):
    why: Why
    said: str    # in words the caller follows with what to do


def refused(out: Path) -> Refusal | None:
    """Why `out` cannot be written as a file ("the folder /x does not exist"); None: it can
    be."""
    if out.is_dir():
        return Refusal(Why.IS_FOLDER, f"{out} is a folder")
    if out.parent.exists() and not out.parent.is_dir():   # "does not exist" named a file
        return Refusal(Why.PARENT_IS_FILE, f"{out.parent} is a file, not a folder")
    if not out.parent.is_dir():
        return Refusal(Why.NO_FOLDER, f"the folder {out.parent} does not exist")
    # Writing makes a file in the folder (FILE.tmp, renamed): try making one now. Permission
    # bits alone cannot tell - root passes them, and a read-only mount or a pseudo file
    # system still refuses. An output that is there and writable (a file, /dev/stdout) is
    # written as it is: no probe.
    if out.exists() and os.access(out, os.W_OK):
        return None
    said = refuses_new_files(out.parent)
    if said is not None:
        return Refusal(Why.UNWRITABLE, f"{out} cannot be written: the folder {out.parent}"
                       f" refuses new files ({said})")
    return None


def refuses_new_files(folder: Path) -> str | None:
    """What the system says when a file is made in `folder` (tried, then removed: root
    passes permission bits, and neither a read-only mount nor an immutable folder shows in
    them), or None when it takes one."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".replay-", suffix=".probe"):
            pass
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


def with_suffix(out: Path, suffix: str) -> Path:
    """`out` ending in `suffix` (".har"), added when the name ends otherwise ("bug" ->
    "bug.har", "bug.v2" -> "bug.v2.har"; "BUG.HAR" stays)."""
    return out if out.name.lower().endswith(suffix.lower()) else out.with_name(out.name + suffix)
