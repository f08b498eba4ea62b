"""The values typed into masked fields of each live visit, shared by `replay serve`'s workers,
sealed with a key that lives only in the running server.

A worker masks a batch with the session's masker, which knows the values typed into its
masked fields (privacy.echoes): a page that shows one again - "Hello Aurelio", a console line,
a URL - has it masked. The events store those values masked, so a worker that did not see the
typing - the session's next batch taken by the other worker of `--workers 2` - resumed the
masker from what is stored (`SessionMasker.resume`) without them, and stored their echoes in
clear (a privacy officer's tryout: 3 sessions of 6). So what a worker's pass notes
(`Echoes.journal`: each value typed, with its field and time, and each masked choice) is
appended here, under the session's lock, and a worker catching a session up reads what it has
not applied yet: scheduled as its keystrokes at their times while the stored events are
replayed (`Echoes.schedule`, as record mode's browser gives them), so each field's values fade
as they did on the worker that saw them.

Nothing here is a masked value in clear on the disk: each record is sealed
(recorder.sealed.Seal) with a key derived from the server's batch key, made once per `replay
serve` and handed to its workers in their environment only (`ingest.batch_key`). A file
left by a server that stopped is noise: `replay serve` deletes the folder as it starts, and
each file goes once its visit has been quiet for `KEEP_S`.

Layout: `DATA/typed/<visit>.log` (the visit: the client's session id, which every session of
the visit - `<id>`, `<id>.<timestamp>` - and its lock share): the file's id, then records one
after another:

| bytes      | what                                                              |
|------------|-------------------------------------------------------------------|
| 16         | the file's id, random: a place read in another file is no place   |
|            | in this one (a file deleted and made again: its inode came back)  |
| 4          | a sealed record's length n (big-endian)                           |
| n          | Seal.seal(MessagePack of the record's entries)                    |

An entry is `["t", text, field, at]` (a value typed: `Echoes.add`'s arguments) or `["p",
value]` (a masked choice: `Echoes.add_param`'s). A record cut short at the end (a worker
killed mid-write) is left out when read; one that does not open (another key) ends the read.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path
from typing import Iterator, Sequence

import msgspec

from ..ingest import batch_key
from ..paths import TYPED_DIR, typed_journal_path
from ..privacy.echoes import Echoes, Typed
from ..sealed import Seal

JOURNAL_DIR = TYPED_DIR
KEEP_S = 24 * 3600   # a visit's file goes once quiet this long (late events: 24 h at most)
LENGTH = 4
FILE_ID = 16
TYPED, PARAM = "t", "p"   # an entry's kind

Entry = list   # [TYPED, text, field, at] | [PARAM, value]


def _server_seal() -> Seal:
    key = hashlib.blake2b(batch_key(), digest_size=32, person=b"typed-journal").digest()
    return Seal(key)


class TypedJournal:
    """The journals of one data folder's live visits (one per worker process, all alike)."""

    def __init__(self, root: Path, seal: Seal | None = None):
        self.folder = Path(root) / JOURNAL_DIR
        self._seal = seal if seal is not None else _server_seal()
        self._encode = msgspec.msgpack.Encoder()

    def _path(self, visit: str) -> Path:
        # (a client's id is cleaned to a file name's characters by the store: clean_id)
        return typed_journal_path(self.folder.parent, visit)

    def append(self, visit: str, entries: Sequence[Entry], echoes: Echoes | None = None) -> None:
        """`entries` as one record (the caller holds the visit's session lock); `echoes`,
        which noted them and had read the journal to its end, read past them too. A record
        cut short at the end (a worker killed mid-write, a full disk) is cut off first: left,
        its length swallowed the records after it. Only what lies past the place `echoes`
        read to is read for that (a record starts there): a long visit's every batch read its
        whole journal again."""
        if not entries:
            return
        sealed = self._seal.seal(self._encode.encode(list(entries)))
        self.folder.mkdir(exist_ok=True, mode=0o700)
        path = self._path(visit)
        with open(path, "a+b") as f:
            f.seek(0)
            file_id = f.read(FILE_ID)
            if len(file_id) < FILE_ID:   # new (or cut in its id): a file of its own
                f.truncate(0)
                file_id = os.urandom(FILE_ID)
                f.write(file_id)
            else:
                read = echoes.journal_pos if echoes is not None else None
                start = read[1] if read is not None and read[0] == file_id else FILE_ID
                f.seek(start)
                rest = f.read()
                end = start + _whole_end(rest)
                if end < start + len(rest):
                    f.truncate(end)
            f.seek(0, os.SEEK_END)
            before = f.tell()
            f.write(len(sealed).to_bytes(LENGTH, "big") + sealed)
            f.flush()
            os.fsync(f.fileno())   # as durable as the batch it came with
        if echoes is not None and (echoes.journal_pos == (file_id, before)
                                   or echoes.journal_pos is None and before == FILE_ID):
            echoes.journal_pos = (file_id, before + LENGTH + len(sealed))

    def read(self, visit: str, pos: tuple[bytes, int] | None = None
             ) -> tuple[list[Entry], tuple[bytes, int] | None]:
        """The visit's entries after `pos` (a place `read` gave: the file, by its id, and an
        offset in it - a file made again since, deleted with a session of the visit or gone
        quiet, is read from its start), and the place after them."""
        try:
            with open(self._path(visit), "rb") as f:
                file_id = f.read(FILE_ID)
                if len(file_id) < FILE_ID:
                    return [], None
                start = pos[1] if pos is not None and pos[0] == file_id else FILE_ID
                f.seek(start)
                data = f.read()
        except FileNotFoundError:
            return [], None
        out: list[Entry] = []
        at = 0   # (a record cut short at the end - a worker killed mid-write - is not read)
        for body, end in _records(data):
            try:
                entries = msgspec.msgpack.decode(self._seal.open(body))
            except (ValueError, msgspec.DecodeError):
                break   # not ours (another server's key): nothing after it is either
            if isinstance(entries, list):
                out.extend(e for e in entries if isinstance(e, list) and e)
            at = end
        return out, (file_id, start + at)

    def catch_up(self, visit: str, echoes: Echoes) -> None:
        """Schedule on `echoes` what the visit's journal holds that they have not read
        (`Echoes.journal_pos`): each value typed as its field's keystroke at its time, noted
        as the caller's pass reaches it (`SessionMasker.resume`'s or `mask`'s); each choice
        now."""
        entries, echoes.journal_pos = self.read(visit, echoes.journal_pos)
        if not entries:
            return
        typed = []
        for e in entries:
            if e[0] == TYPED and len(e) == 4 and isinstance(e[1], str):
                if isinstance(e[3], (int, float)) and not isinstance(e[3], bool):
                    typed.append(Typed(e[1], e[2], e[3]))
                else:   # (a value given whole, with no time)
                    echoes.add(e[1], e[2])
            elif e[0] == PARAM and len(e) == 2:
                echoes.add_param(e[1])
        if typed:
            echoes.schedule(typed)

    def forget_quiet(self, now: float | None = None) -> None:
        """Delete the journals of visits quiet for KEEP_S."""
        now = time.time() if now is None else now
        try:
            files = list(self.folder.iterdir())
        except FileNotFoundError:
            return
        for p in files:
            try:
                if now - p.stat().st_mtime > KEEP_S:
                    p.unlink()
            except FileNotFoundError:
                pass

    @staticmethod
    def clear(root: Path) -> None:
        """What an earlier server left (sealed with a key that died with it): `replay serve`
        deletes it as it starts, before its workers."""
        shutil.rmtree(Path(root) / JOURNAL_DIR, ignore_errors=True)


def _records(data: bytes) -> Iterator[tuple[bytes, int]]:
    """Each whole record of `data` (read from where a record starts): (its sealed body,
    where it ends)."""
    at = 0
    while at + LENGTH <= len(data):
        n = int.from_bytes(data[at:at + LENGTH], "big")
        if at + LENGTH + n > len(data):
            return
        at += LENGTH + n
        yield data[at - n:at], at


def _whole_end(data: bytes) -> int:
    """Where the last whole record of these bytes ends (read from where a record starts)."""
    return max((end for _body, end in _records(data)), default=0)
