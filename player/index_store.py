"""The keyframe index kept in the store: a stored session's index, built once by a worker
process (player.index_worker), is handed to the store as derived data of exactly the
segments it was built from (recorder.derived); the next time the session is opened the
player takes it over (`KeyframeIndex.take_export`) instead of building it again, so a link
to a late moment of a long session shows it from a checkpoint at once.

Only a stored session read as stored (`SessionReader`) has one: a file, a bundle, a session
shown under extra rules (`source.masked_source`: a MemorySource) or a live session followed
as it grows (`player.follow`: a MemorySource too) neither uses nor keeps one. The store
drops it whenever the session's segments change (see recorder.derived), and its key holds
this module's `params`: the export's format, the interval and a fingerprint of the code
that builds an index, so one of another format, interval or release is never taken for
this one.
"""
from __future__ import annotations

import logging
from typing import Any

import msgspec
import zstandard

from recorder.derived import code_fingerprint, is_stored_reader

from .index_export import IndexExport, decode_export

log = logging.getLogger(__name__)

KEYFRAMES = "keyframes"   # the derived blob's name in the store
# The export's layout (player.index_export): bump when it changes.
EXPORT_VERSION = 3   # 2: each block with its events' ends; 3: and its frames
# The code an index is built by: its checkpoints (the mirror), blocks, timeline (semantics,
# steps) and their encoding. An index built by other code - another release, a fix to how
# an action is named - may decode and still differ from what this code builds: never used.
BUILT_BY = ("player.keyframes", "player.keyframe_build", "player.keyframe_transfer",
            "player.keyframe_ahead", "player.event_block", "player.timeline",
            "player.index_export", "player.checkpoint_codec", "recorder.mirror", "recorder.semantics",
            "recorder.steps", "recorder.format", "recorder.media",
            "recorder.privacy.masking",   # (box_sizes_only: what the index's mirror takes)
            "recorder.privacy.levels",    # (... by the levels masking reads)
            "recorder.segments")          # (iter_segment: the events indexed, as decoded)
_UNREADABLE = (msgspec.DecodeError, msgspec.ValidationError, zstandard.ZstdError, ValueError)
# What a kept index that decoded (its checksum held, its layout ours) raises when its parts
# do not: taken over (`take_export`: a block's arrays of the wrong length) or read by a seek
# (a checkpoint or block that does not decode, or decodes to the wrong shape). The index is
# dropped and built again from the segments (`drop_kept`), never served half.
UNUSABLE = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError,
            zstandard.ZstdError, msgspec.DecodeError)   # (a ValueError too, in this msgspec)


def params(interval: int) -> str:
    """What a kept index is keyed by besides the session's segments (recorder.derived)."""
    return f"export={EXPORT_VERSION};interval={interval};code={code_fingerprint(BUILT_BY)}"


def kept_index(source: Any, interval: int) -> bytes | None:
    """The index the store keeps for `source`'s session as read (whole: its length and
    checksum hold), not decoded yet; None if there is none."""
    if not is_stored_reader(source):
        return None
    return source.store.derived(source, KEYFRAMES, params(interval))


def decode_kept(source: Any, blob: bytes) -> IndexExport | None:
    """`kept_index`'s blob decoded; None (and the blob dropped) if it is not an export of
    this format after all."""
    try:
        return decode_export(blob)
    except _UNREADABLE as exc:   # whole (its checksum held) but not an export of ours
        drop_kept(source, exc)
        return None


def drop_kept(source: Any, exc: BaseException) -> None:
    """Drop `source`'s kept index: decoded, taken over or read, it or a part of it did not
    decode (`exc`)."""
    log.warning("the kept index of session %s is damaged (%s: %s): built again",
                source.id, type(exc).__name__, exc)
    source.store.drop_derived([source.id])


def stored_index(source: Any, interval: int) -> IndexExport | None:
    """The index the store keeps for `source`'s session as read (decoded), or None."""
    blob = kept_index(source, interval)
    return None if blob is None else decode_kept(source, blob)


def keep_index(source: Any, interval: int, blob: bytes) -> bool:
    """Hand `blob` (`KeyframeIndex.export` of an index built from `source` alone) to the
    store; False if it was not kept."""
    if not is_stored_reader(source):
        return False
    return source.store.keep_derived(source, KEYFRAMES, params(interval), blob)
