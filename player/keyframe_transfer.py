"""Handing a keyframe index over: a worker process builds it (player.index_worker) and
writes `export()`; the player takes it over with `load_export` / `take_export` (the
layout: player.index_export; each block's: player.event_block's Block.to_export).

`IndexTransfer` is KeyframeIndex's transfer part: it works on the index's own state."""
from __future__ import annotations

from collections import Counter

import msgspec

from recorder.format import no_gc
from recorder.mirror import Mirror

from .event_block import Block
from .index_export import NIL, IndexExport, decode_export, encode_export
from .timeline import TimelineBuilder


class IndexTransfer:
    """export / load_export / take_export of a finished index; mixed into KeyframeIndex."""

    def export(self) -> bytes:
        """The finished index as bytes (see `load_export`)."""
        assert self.done
        return encode_export(IndexExport(
            start_ms=self.start_ms, t_last=self.t_last, events_seen=self.events_seen,
            dom_events=self.dom_events, cp_t=self.cp_t, cp_blob=self.cp_blob,
            blocks=[b.to_export() for b in self.blocks],
            full_snapshot_t=self.full_snapshot_t, seg_first_event=self.seg_first_event,
            warnings=dict(self.warnings), checkpoint_bytes=self.checkpoint_bytes,
            block_bytes=self.block_bytes,
            tb=msgspec.Raw(self._tb.to_bytes()) if self._tb is not None else NIL,
            features_t=self.features_t, features=self.features))

    def load_export(self, blob: bytes) -> None:
        """Take over an index a worker built for the same source (replaces any progress
        made here meanwhile)."""
        with no_gc():
            d = decode_export(blob)
        self.take_export(d)

    def take_export(self, d: IndexExport) -> None:
        """`load_export` of an export decoded already (`decode_export`): its compressed
        bytes need not be held while it is taken over. An export whose parts do not agree
        raises (player.index_store.UNUSABLE: ValueError mostly) before anything of the
        index changed."""
        if not (len(d.cp_t) == len(d.cp_blob) == len(d.blocks) >= 1):
            raise ValueError("index export: checkpoints and blocks do not pair up")
        # a seek looks its checkpoint up by time (bisect): the first is the empty page's,
        # before any event, and the others follow in order - else it takes the wrong one
        if d.cp_t[0] >= 0 or any(a > b for a, b in zip(d.cp_t, d.cp_t[1:])):
            raise ValueError("index export: checkpoint times out of order")
        if len(d.features_t) != len(d.features):   # each frame reads them by time
            raise ValueError("index export: media features and their times do not pair up")
        with self._cache_lock:
            self._seg_cache = []   # make room first: the index serves everything from now on
        with no_gc():
            blocks = [Block.from_export(t) for t in d.blocks]
            # its columns read in place (the export's buffer kept: player.index_export's
            # IndexExportView), and its semantics (a 1M-event session's 95,000 console
            # lines, requests and clicks: 53 MB decoded, 0.1 s) and the timeline made of
            # them wait for the first reader of `timeline` (the player's rows, read in a
            # thread after the first frame): the player opened that much later, on that
            # much more memory
            tb = TimelineBuilder.from_bytes(d.tb, in_place=True) if d.has_timeline() else None
        with self.lock:
            self.start_ms, self.t_last = d.start_ms, d.t_last
            self.events_seen, self.dom_events = d.events_seen, d.dom_events
            self.cp_t, self.cp_blob, self.blocks = d.cp_t, d.cp_blob, blocks
            self.full_snapshot_t, self.seg_first_event = d.full_snapshot_t, d.seg_first_event
            self.features_t, self.features = d.features_t, d.features
            self.warnings = Counter(d.warnings)
            self.checkpoint_bytes, self.block_bytes = d.checkpoint_bytes, d.block_bytes
            self._tb = tb
            self._pending = None
            self._resume = None
            self._next_seg = len(self.segments)
            self.mirror = Mirror()   # the working state is the worker's now
            self.done = True
            self.covered = float("inf")
            self._seg_cache = []
            self._timeline = None   # made when first read (KeyframeIndex.timeline)

    def release_pending(self) -> None:
        """Drop the segment the indexer is in the middle of (read again from where it
        stopped if indexing goes on here): a worker process is building the index
        meanwhile. Only its events taken so far were built."""
        with self.lock:
            if self._pending is not None:
                self._resume = self._next_seg - 1
                self._pending = None
