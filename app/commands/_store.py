"""Opening the data folder for a command that only reads what is stored (sessions, audit,
mask, and a SESSION argument): a folder that does not exist is reported, never created."""
from __future__ import annotations

from pathlib import Path

from recorder.store import Store

from ..cli import UserError


def open_existing_store(data: Path) -> Store:
    if not Path(data).is_dir():
        raise UserError(f"there is no data folder at {data} - import a recording first"
                        f" (`replay --data {data} import FILE`), or give the right --data")
    return Store.open(data)
