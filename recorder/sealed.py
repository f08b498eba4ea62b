"""Bytes an import writes before it may write them in clear, sealed with a key that never
leaves memory.

A streaming import writes each segment as it fills (its memory stays flat), before it has
read the whole recording: a value typed into a masked field near the end may be shown by the
page near the start (a saved coupon, an email in a greeting). Its echoes there are masked by
the import's second pass (`store._StreamSession._scrub_written`), before anything is
committed. Until then those segments hold the value in clear - and a segment written in clear
would leave it on the disk: in the file itself if the import is killed before the second pass
(until the next command deletes it), and in the blocks the file had before the second pass
replaced it, whatever happens. So every segment of such an import is written sealed, opened
by the second pass, and written in clear only once the pass has masked it, just before the
commit (`store._PendingWrite.unseal`). What a killed import leaves is noise without the key,
which died with it.

    sealed file = nonce (16 random bytes) | data XOR SHAKE-256(key | nonce)

SHAKE-256 used as a stream cipher: a fresh random nonce for every write (a segment the second
pass writes again gets another), a 32-byte key from `secrets`, made per import and held only
in this object. Confidentiality is all it is for: nothing here is authenticated, and nothing
needs to be - a sealed file is read back only by the process that wrote it, and one left by a
dead import is deleted unread. The live intake's workers share one key, given in their
environment by `replay serve` (recorder.intake.typed_journal): a record sealed with another
(an earlier server's) opens as noise, which its MessagePack decoding refuses; `serve` deletes
those as it starts.
"""
from __future__ import annotations

import hashlib
import secrets

SEALED_SUFFIX = ".sealed"   # the file's name: its segment's, and this
KEY_BYTES = 32
NONCE_BYTES = 16


def _xor(data: bytes, stream: bytes) -> bytes:
    n = len(data)
    return (int.from_bytes(data, "little") ^ int.from_bytes(stream, "little")).to_bytes(n, "little")


class Seal:
    """One import's key, and the two operations on it."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes | None = None) -> None:
        """A new key, or `key` (a key several processes share, made where they were started
        and held in memory only: the live intake's workers, recorder.intake.typed_journal)."""
        self._key = secrets.token_bytes(KEY_BYTES) if key is None else key

    def _stream(self, nonce: bytes, n: int) -> bytes:
        return hashlib.shake_256(self._key + nonce).digest(n) if n else b""

    def seal(self, data: bytes) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + _xor(data, self._stream(nonce, len(data)))

    def open(self, sealed: bytes) -> bytes:
        """`seal`'s data back; ValueError for what is too short to be a sealed file."""
        if len(sealed) < NONCE_BYTES:
            raise ValueError("a sealed file shorter than its nonce")
        nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
        return _xor(body, self._stream(nonce, len(body)))

    def __repr__(self) -> str:   # (the key is never shown: a log, a traceback's locals)
        return "Seal(<key in memory>)"
