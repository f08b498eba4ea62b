"""The keyframe index kept in the store: a stored session's index, built once by a worker
process (player.index_worker), is handed to the store as derived data of exactly the
segments it was built from (recorder.derived); the next time the session is opened the
player takes it over (`KeyframeIndex.take_export`) instead of building it again, so a link
to a late moment of a long session shows it from a checkpoint at once.

Only a stored session read as stored (`SessionReader`) has one: a file, a bundle, a session
shown under extra rules (`source.masked_source`: a MemorySource) or a live session followed
as it grows (`player.follow`: a MemorySource too) neither uses nor keeps one. The store
drops it whenever the session's segments change (see recorder.derived), and its key holds
this module's `params`: EXPORT_VERSION and the interval, so an index of another format or
interval is never taken for this one.
"""
from __future__ import annotations

import logging
from typing import Any

import msgspec
import zstandard

from .index_export import IndexExport, decode_export

log = logging.getLogger(__name__)

KEYFRAMES = "keyframes"   # the derived blob's name in the store
# Bump when what an export holds changes meaning without its layout failing to decode (the
# IndexExport fields, a checkpoint's Mirror.dump, a block's event layout, the timeline's
# to_bytes): kept indexes of the old format are then never served.
EXPORT_VERSION = 1
_UNREADABLE = (msgspec.DecodeError, msgspec.ValidationError, zstandard.ZstdError, ValueError)


def params(interval: int) -> str:
    return f"export={EXPORT_VERSION};interval={interval}"


def _stored_reader(source: Any) -> bool:
    from recorder.store import SessionReader   # here: playing a file needs no store

    return type(source) is SessionReader and bool(source.id)


def kept_index(source: Any, interval: int) -> bytes | None:
    """The index the store keeps for `source`'s session as read (whole: its length and
    checksum hold), not decoded yet; None if there is none."""
    if not _stored_reader(source):
        return None
    return source.store.derived(source, KEYFRAMES, params(interval))


def decode_kept(source: Any, blob: bytes) -> IndexExport | None:
    """`kept_index`'s blob decoded; None (and the blob dropped) if it is not an export of
    this format after all."""
    try:
        return decode_export(blob)
    except _UNREADABLE as exc:   # whole (its checksum held) but not an export of ours
        log.info("the kept index of session %s does not decode (%s): built again",
                 source.id, type(exc).__name__)
        source.store.drop_derived([source.id])
        return None


def stored_index(source: Any, interval: int) -> IndexExport | None:
    """The index the store keeps for `source`'s session as read (decoded), or None."""
    blob = kept_index(source, interval)
    return None if blob is None else decode_kept(source, blob)


def keep_index(source: Any, interval: int, blob: bytes) -> bool:
    """Hand `blob` (`KeyframeIndex.export` of an index built from `source` alone) to the
    store; False if it was not kept."""
    if not _stored_reader(source):
        return False
    return source.store.keep_derived(source, KEYFRAMES, params(interval), blob)
