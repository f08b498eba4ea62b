"""Opening the data folder for a command that only reads what is stored (sessions, audit,
mask, and a SESSION argument): a folder that does not exist is reported, never created, and
one that holds other things (a mistyped --data) is never made a data folder."""
from __future__ import annotations

import os
from pathlib import Path

from recorder.paths import holds_replay_data
from recorder.store import Store

from ..cli import UserError


def open_existing_store(data: Path) -> Store:
    if not Path(data).is_dir():
        raise UserError(no_data_folder(data, f"import a recording first (`replay --data {data}"
                                             " import FILE`), or give the right --data"))
    refuse_other_folder(data)
    return Store.open(data)


def refuse_other_folder(data: Path, making: bool = False) -> None:
    """Refuses a --data folder that holds other things and nothing `replay` writes (a
    mistyped one, a project's): reading it would make it a data folder (its index
    written there) and say it holds no session; `making` (import), storing there would
    scatter replay's files among them."""
    if Path(data).is_dir() and not holds_replay_data(data):
        instead = "the folder your sessions are in, or a new or empty folder," if making \
            else "the folder your sessions are in"
        raise UserError(f"{data} is not a data folder: it holds other files and nothing replay"
                        f" stores - give {instead} with --data (nothing was written here)")


FULL_BELOW_BYTES = 1 << 20   # a disk with less room than this is full for the index


def storage_problem(exc: BaseException, data: Path) -> str | None:
    """The one line for a data folder the system will not let replay write - its disk full,
    or the folder read-only (a backup mounted so) - from the error SQLite or a write raised;
    None for any other error."""
    import errno
    import shutil

    from recorder.paths import SQLITE_FULL, SQLITE_IO, sqlite_refused_folder, sqlite_says

    try:
        room: int | None = shutil.disk_usage(data).free
    except OSError:
        room = None
    full = (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or \
        sqlite_says(exc, SQLITE_FULL) or (sqlite_says(exc, SQLITE_IO) and room is not None
                                         and room < FULL_BELOW_BYTES)
    if full:
        free = f"{room / 1e6:,.1f} MB free" if room is not None else "no room left"
        return (f"the disk holding the data folder {data} is full ({free}) - what is stored is"
                " as it was; free some space (even erasing a session needs a few MB for the"
                " index's log), then run the command again")
    read_only = (isinstance(exc, OSError) and exc.errno == errno.EROFS) or \
        sqlite_refused_folder(exc, data)
    if read_only:
        return (f"the data folder {data} cannot be written (a read-only disk or mount?) -"
                " replay writes its index even to list or play sessions: copy the folder"
                " somewhere writable and give that with --data")
    return None


def unwritable(data: Path, folders: tuple[str, ...]) -> str | None:
    """What the system says when a file is made in the data folder or one of its `folders`
    (those there: `recorder.outputs.refuses_new_files`) - a folder the process may not
    write, a read-only mount - or None when each takes one. (An empty file fits on a full
    disk: that, and a file made read-only in a writable folder, is said per batch.)"""
    from recorder.outputs import refuses_new_files
    for folder in (Path(data), *(Path(data) / f for f in folders)):
        said = refuses_new_files(folder) if folder.is_dir() else None
        if said is not None:
            return f"{said}: {folder}"
    return None


def no_data_folder(data: Path, then: str = "give the right --data") -> str:
    """The one line for a --data that is no data folder: something else is there (a file:
    what to give instead), or nothing (`then`: what to do)."""
    if Path(data).exists():
        return f"{data} is not a folder - give the data folder with --data"
    return f"there is no data folder at {data} - {then}"


def say_new_data_folder(data: Path, then: str) -> None:
    """A command that makes its data folder when there is none says so (`replay: note:`):
    a mistyped --data (or a `--data DIR` pasted as is) silently made a new, empty folder that
    the other commands - a running `replay serve` - do not read. `then`: what uses it now.
    (`replay import` says it of any folder but the platform's own - a --data or REPLAY_DATA
    mistyped was made without a word - once it stored something there.)"""
    from ..cli import say_note
    say_note(f"created a new data folder at {Path(data).resolve()} - {then}")


def is_default_data_folder(data: Path) -> bool:
    from recorder.paths import default_data_dir
    return Path(data).resolve() == default_data_dir().resolve()
