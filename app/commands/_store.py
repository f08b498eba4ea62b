"""Opening the data folder for a command that only reads what is stored (sessions, audit,
mask, and a SESSION argument): a folder that does not exist is reported, never created."""
from __future__ import annotations

from pathlib import Path

from recorder.store import Store

from ..cli import UserError


def open_existing_store(data: Path) -> Store:
    if not Path(data).is_dir():
        raise UserError(no_data_folder(data, f"import a recording first (`replay --data {data}"
                                             " import FILE`), or give the right --data"))
    return Store.open(data)


def no_data_folder(data: Path, then: str = "give the right --data") -> str:
    """The one line for a --data that is no data folder: something else is there (a file:
    what to give instead), or nothing (`then`: what to do)."""
    if Path(data).exists():
        return f"{data} is not a folder - give the data folder with --data"
    return f"there is no data folder at {data} - {then}"
