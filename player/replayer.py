"""`Replayer`: a recording you can ask about any moment — no Qt here.

    r = Replayer(source_or_events)       # a RecordingSource (store session, bundle, file) or
                                         # a list of raw rrweb events
    r.state_at(ms)      -> Mirror        # the rebuilt DOM (a private copy)
    r.document_at(ms)   -> str           # the safe HTML document of that moment
    r.frame_at(ms)      -> dict          # what the web view loads to show that moment
    r.view_at(ms, shown)-> (kind, dict)  # ... or the patch from the moment it shows (seeks)
    r.ops_between(a, b) -> list[dict]    # what changes in the view from a to b (playback)
    r.timeline          -> Timeline      # markers, inactivity, logs, errors, network, ...
                                         # (waits for the index; r.timeline_now() does not)
    r.first_frame_ms, r.ready, r.progress, r.warnings, r.event(i)

Offsets are milliseconds after the recording's first event. Everything shown passes
through the sanitizer, so no recorded script runs and nothing is fetched.

Opening costs only the first frame: the keyframe index (player.keyframes) is built in a
worker process or a background thread (player.index_worker) for long recordings ("auto"
mode), and a seek or playback beyond what it has reached starts from the last full
snapshot before that moment instead of waiting. A stored session opened before has its
index already: the store keeps the one its worker built (player.index_store).
"""
from __future__ import annotations

from bisect import bisect_right
from typing import Any, Iterable

from recorder.format import no_gc
from recorder.media import Features
from recorder.mirror import Mirror
from recorder.source import ListSource, RecordingSource

from .assets import UrlResolver, inline_assets, resolver_for
from .document import render_document
from .frame import POINTER_OPS, OpsBuilder, build_frame
from .index_store import UNUSABLE, drop_kept, keep_index, stored_index
from .index_worker import IndexRunner
from recorder.privacy.masking import as_played

from .keyframes import DEFAULT_INTERVAL, KeyframeIndex
from .patch import diff_view
from .sanitize import AssetResolver
from .timeline import Timeline

Raw = dict[str, Any]
# Above this many records the index is finished by a worker process (or a background
# thread) after the first frame, so a long session opens at once.
BACKGROUND_ABOVE = 50_000
# ...or above this many bytes of stored events: a real page's records are heavy (a live
# table's mutations: 38,000 of them took 3 s to index, 6 MB in segments).
BACKGROUND_ABOVE_BYTES = 4 * 1024 * 1024
MODES = ("auto", "eager", "background", "process", "lazy")


class Replayer:
    def __init__(self, source: Any, *, keyframe_interval: int = DEFAULT_INTERVAL,
                 mode: str = "auto", asset: AssetResolver = None):
        """`mode`: how the rest of the recording is indexed once the first frame is in —
        "eager" now, "background" in a thread, "process" in a worker process (stored
        sessions; else a thread), "lazy" only as far as asked (seeks index on demand),
        "auto" = eager for small recordings, a worker process above BACKGROUND_ABOVE
        records or BACKGROUND_ABOVE_BYTES. `asset`: how the page's image and font URLs
        become stored copies; by default the source's stored assets (`source.assets`:
        player.assets.resolver_for), none for a list of events."""
        if not isinstance(source, RecordingSource):
            source = ListSource(list(source))
        self.source = source
        self.asset = asset if asset is not None else resolver_for(source)
        if mode not in MODES:
            raise ValueError(f"unknown index mode {mode!r}")
        self.index = KeyframeIndex(source, interval=keyframe_interval)
        self.runner = IndexRunner(self.index)
        # a stored session opened before: the index its worker built then, kept by the store
        # for exactly this version of it (player.index_store) - taken over, nothing built.
        # Here, not in a thread while the first frame is read: the player then opens on a
        # complete index (its timeline and panes at once), so a link to a late moment
        # paints as soon as it opens: 0.5 s against 5.2 s taken over in a thread, on a
        # 200,000-event session (benchmarks/player.py --reopen-only, a loaded 2-core
        # machine); its first frame comes 0.15-0.23 s later than a first open's
        kept = stored_index(source, self.index.interval)
        if kept is not None:
            try:
                self.index.take_export(kept)
            except UNUSABLE as exc:   # its parts do not agree: nothing taken, built again
                drop_kept(source, exc)
            else:
                # a damaged part a seek finds later: dropped too, and indexed as `mode` says
                self.index.kept_for = source
                self.index.on_rebuild = lambda: self._index_again(requested)
                requested, mode = mode, "kept"
            del kept
        # what was decoded for the first frame (the events up to it: the segment's are
        # built as taken) is let go when a worker takes the index over, before the
        # collector walks it (a pass holding the GIL while the UI thread waits)
        with no_gc():
            self.index.ensure_first()
            if mode == "auto":
                mode = "process" if self.is_long else "eager"
            if mode == "process":
                mode = "process" if self.runner.start_worker(source) else "background"
        if mode == "background":
            self.runner.start_background()
        elif mode == "eager":
            self.index.finish()
        self._cursor: tuple[float, Mirror] | None = None   # playback continues from here

    def _index_again(self, mode: str) -> None:
        """The kept index taken over was damaged and dropped (player.keyframes'
        `_drop_kept`): the rest is indexed as a first open's would be (but at once: its
        first frame was shown) - a worker process unless "lazy" asked for none."""
        if mode == "lazy" or self.index.closed:   # (closed: its reader is gone)
            return
        # its start and first frame (a few dozen events), as an open's: seeks and playback
        # meanwhile read ahead of it (`quick_between`) - without its start nothing can, and
        # every one of them built the index up to its moment on the caller's (UI) thread
        # (each of its steps with the collector off, not the time between)
        self.index.ensure_first()
        if mode == "eager" or not self.runner.start_worker(self.source):
            self.runner.start_background()

    def keep_index(self) -> bool:
        """Hand the index built here, whole, to the store for the session's next reader
        (player.index_store), as a worker process does with the one it builds: `replay
        devtools` builds its own in its process, and each run built it again (6-10 s on a
        300,000-event session; 0.7 s once kept - a support engineer's tryout). False when
        nothing was kept: not whole, taken over from the store, not a stored session."""
        ix = self.index
        if not ix.done or ix.kept_for is not None:
            return False
        return keep_index(self.source, ix.interval, ix.export())

    @property
    def is_long(self) -> bool:
        """A long recording (above BACKGROUND_ABOVE records or BACKGROUND_ABOVE_BYTES of
        stored events): its index is finished away from the caller ("auto" mode), and
        what a player reads of it whole (its panes' rows) is worth a thread too."""
        segs = self.index.segments
        return sum(s.record_count for s in segs) > BACKGROUND_ABOVE \
            or sum(s.raw_bytes for s in segs) > BACKGROUND_ABOVE_BYTES

    @property
    def rows_at_once(self) -> bool:
        """Whether a player reads this recording's rows (its session view) as it opens: a
        short recording indexed whole. A long one's - even indexed whole at once, taken
        over from the store - are read in a thread after its first frame (player.qt's
        ReplayWidget; the app's opener leaves them to it)."""
        return self.ready and not self.is_long

    # --- times -------------------------------------------------------------------------
    @property
    def start_ms(self) -> float:
        return self.index.start_ms or 0

    @property
    def end_ms(self) -> float:
        return self.start_ms + self.index.end_offset

    @property
    def duration_ms(self) -> float:
        return self.index.end_offset

    @property
    def ready(self) -> bool:
        """True once the whole recording is indexed (timeline complete)."""
        return self.index.done

    @property
    def progress(self) -> float:
        return self.index.progress

    @property
    def warnings(self):
        """Counted problems of a damaged recording (skipped operations), so far."""
        ix = self.index
        return ix.warnings if ix.done else ix.warnings + ix.mirror.warnings

    def close(self) -> None:
        """Nothing more is indexed: the worker or thread indexing is stopped, and a kept
        index found damaged from now on (its player's row thread reading the timeline) is
        not built again - `finish` raises instead (player.keyframe_build)."""
        self.index.closed = True
        self.runner.stop()

    def reload_assets(self) -> bool:
        """The source's stored images and fonts read again (fetched since it was opened:
        Session > Fetch Images and Fonts); frames and operations built after this show
        them. False when the source has no stored assets to read (a list of events; an
        `asset` given by the caller stays)."""
        lookup = self.source.assets
        if lookup is None or not isinstance(self.asset, UrlResolver) \
                or self.asset.lookup is not lookup:
            return False
        lookup.reload()
        self.asset = resolver_for(self.source)
        return True

    @property
    def first_frame_ms(self) -> float:
        """Offset of the first full snapshot (before it there is no page to show)."""
        fs = self.index.full_snapshot_t
        return fs[0] if fs else 0.0

    # --- moments -----------------------------------------------------------------------
    def state_at(self, offset_ms: float) -> Mirror:
        return self.index.state_at(offset_ms)

    def reads_ahead(self, offset_ms: float, continuing_from: float | None = None) -> bool:
        """Whether showing `offset_ms` reads ahead of the index still being built: from
        the last full snapshot before it (`quick_between`), or indexing up to it on the
        caller's thread - seconds on a long session whose full snapshots are far apart
        (4.4 s at 90% of a 3-hour, 300,000-event session with four of them), which a
        player does off its UI thread (player.qt.playback). `continuing_from`: the
        operations from there (`ops_between`), which read only the events between when
        the moment last built is that one (playback, a short jump)."""
        return not self.index.reaches(offset_ms) and not (
            continuing_from is not None and self._continues(continuing_from))

    def features_at(self, offset_ms: float) -> Features:
        """The visitor's recorded media features at that moment (recorder.media), which
        every frame, patch and op of it follows."""
        return self.index.features_at(offset_ms)

    def frame_at(self, offset_ms: float) -> Raw:
        m = self.state_at(offset_ms)
        return build_frame(m, offset_ms, self.asset, self.features_at(offset_ms))

    def view_at(self, offset_ms: float, shown_ms: float | None = None) -> tuple[str, Raw]:
        """What a view showing `shown_ms` (None: nothing, or not known) needs to show
        `offset_ms`: ("patch", patch) when most of its page stays (player.patch), else
        ("frame", frame). Either way playback continues from `offset_ms` without a seek."""
        cur = self._cursor
        m = self.state_at(offset_ms)
        features = self.features_at(offset_ms)
        patch = None
        if shown_ms is not None and cur is not None and cur[0] == shown_ms \
                and self.features_at(shown_ms) == features:
            patch = diff_view(cur[1], m, offset_ms, self.asset, features=features)
        self._cursor = (offset_ms, m)
        if patch is not None:
            return "patch", patch
        return "frame", build_frame(m, offset_ms, self.asset, features)

    def document_at(self, offset_ms: float, *, static_scroll: bool = True) -> str:
        """The safe document of that moment; the stored images and fonts it shows are in it
        as data: URLs (player.assets.inline_assets)."""
        doc = render_document(self.frame_at(offset_ms), static_scroll=static_scroll)
        return inline_assets(doc, self.source.assets)[0]

    def ops_between(self, t0_ms: float, t1_ms: float, limit: int | None = None
                    ) -> list[Raw] | None:
        """Sanitized view operations for everything with t0 < t <= t1, in order. Calls
        that continue where the previous one stopped (playback) do not re-seek.
        `limit`: None instead of more DOM operations than this or a whole page (a full
        snapshot; the cursor's moves and clicks from the timeline, added after, are not
        counted) - a seek's short jump, which shows the moment another way then: before
        building any when the index weighs the range's events above it or holds a full
        snapshot in it (the view shown can still be patched, `view_at`), else as soon as
        they are built. A busy page's 15 s are 30,000 operations, 0.3-0.9 s of the UI
        thread, all to be thrown away."""
        if t1_ms <= t0_ms:
            return []
        ix = self.index
        if limit is not None:
            w = ix.weight_between(t0_ms, t1_ms)
            fs = ix.full_snapshot_t
            if w is not None and (w > limit or bisect_right(fs, t1_ms) > bisect_right(fs, t0_ms)):
                return None
        cur = self._cursor
        cont = self._continues(t0_ms)
        ahead = not ix.reaches(t1_ms) and ix.quick_start(t1_ms) is not None
        if ahead:
            # the indexer has not got there yet: read the segments directly (all events,
            # so pointer ops come from them too) instead of waiting
            m, events = ix.quick_between(t0_ms, t1_ms, with_state=not cont)
        elif cont:
            m, events = None, self._events_after(t0_ms, t1_ms)
        else:
            m, events = ix.dom_events_between(t0_ms, t1_ms)
        if m is None:
            m = cur[1] if cont else self.state_at(t0_ms)
        ops: list[Raw] = []
        b = OpsBuilder(m, self.asset, pointer=ahead, features=self.features_at(t0_ms))
        n_dom = 0   # DOM operations built so far (what `limit` counts)
        for t, e in events:
            k = len(ops)
            b.apply(e, t, ops)
            if limit is not None and len(ops) > k:
                n_dom += sum(o["k"] not in POINTER_OPS for o in ops[k:])
                if n_dom > limit or ops[-1]["k"] == "full":
                    self._cursor = None   # its mirror stopped part-way
                    return None
        self._cursor = (t1_ms, m)
        if not ahead:
            pointer = self._pointer_ops(t0_ms, t1_ms)
            if pointer is None:
                # a kept index's clicks did not decode: dropped, and its rebuild started -
                # the range worked out again, ahead of the index now (never building it
                # here: up to t1 on this thread, tens of seconds near a long session's end)
                self._cursor = None
                return self.ops_between(t0_ms, t1_ms, limit)
            ops.extend(pointer)
        for o in ops:   # a move's timeOffset may reach back before t0
            if o["t"] <= t0_ms:
                o["t"] = min(t1_ms, t0_ms + 0.001)
        ops.sort(key=lambda o: o["t"])   # stable: DOM ops keep their order
        return ops

    def _continues(self, t0: float) -> bool:
        """Whether the moment last built (playback's, or a short jump's) is t0: the
        operations from there read only the events after it."""
        cur = self._cursor
        return cur is not None and cur[0] == t0

    def _events_after(self, t0: float, t1: float) -> Iterable[tuple[float, Raw]]:
        return self.index.dom_events_between(t0, t1, with_state=False)[1]

    def _pointer_ops(self, t0: float, t1: float) -> list[Raw] | None:
        """The cursor's moves and clicks in (t0, t1] from the index; None when a kept
        index's clicks did not decode (dropped and built again: the index is not there)."""
        try:
            return self._pointer_ops_now(t0, t1)
        except UNUSABLE as exc:
            if not self.index._drop_kept(exc):
                raise
        return None

    def _pointer_ops_now(self, t0: float, t1: float) -> list[Raw]:
        ix = self.index
        with ix.lock:
            ix.ensure(t1)
            tb = ix._tb
            if tb is None:
                return []
            mt = tb.mouse_t
            ops = [{"t": mt[i], "k": "mouse", "x": tb.mouse_x[i], "y": tb.mouse_y[i]}
                   for i in range(bisect_right(mt, t0), bisect_right(mt, t1))]
            ct = tb.click_t
            # (an index taken over: its clicks may still be encoded - read from there)
            for c in tb.clicks_in(bisect_right(ct, t0), bisect_right(ct, t1)):
                op = {"t": c.t, "k": "click", "kind": c.type, "id": c.id}
                if c.x is not None:
                    op["x"], op["y"] = c.x, c.y
                ops.append(op)
        return ops

    # --- the index ---------------------------------------------------------------------
    @property
    def timeline(self) -> Timeline:
        """The full timeline index (waits for indexing to finish)."""
        return self.index.timeline

    def timeline_now(self) -> Timeline:
        """What the timeline holds so far, without waiting (the full one once `ready`):
        a player can show it at once and refresh it while `progress` < 1."""
        return self.index.timeline_now()

    def event(self, index: int) -> Raw | None:
        return self.index.event(index)


def naive_state_at(events: Iterable[Raw], offset_ms: float) -> Mirror:
    """Reference rebuild: apply every event from the start up to the offset (no keyframes).
    Used by tests to check keyframed seeks, and as the simplest definition of the DOM at t."""
    m = Mirror()
    start = None
    last = 0.0
    for e in events:
        ts = e.get("timestamp") if isinstance(e, dict) else None
        if not isinstance(ts, (int, float)) or isinstance(ts, bool):
            continue
        if start is None:
            start = ts
        t = max(last, ts - start)
        last = t
        if t > offset_ms:
            break
        m.apply(as_played(e))
    return m
