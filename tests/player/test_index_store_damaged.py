"""A kept index (derived data) that decodes but whose parts are damaged is dropped and
built again from the segments, never served half: damage found at take-over (a block's
arrays that do not agree) or at a seek (a checkpoint whose node table is cut or of the
wrong shape, a block that does not decompress). The session plays as if nothing had been
kept, and the next open builds a good one. Real store, through `Replayer`."""
from __future__ import annotations

import contextlib
import json
from pathlib import Path

import msgspec
import pytest

from player.checkpoint_codec import compress, decompress
from player.index_export import decode_export, encode_export
from player.index_store import KEYFRAMES, params
from player.keyframes import DEFAULT_INTERVAL, KeyframeIndex
from player.replayer import Replayer
from recorder import derived
from recorder.format import decode_msgpack, encode_msgpack
from recorder.source import ListSource
from recorder.store import Store
from replay_tools.generator import generate_session


def _key(m):
    return json.dumps([m.to_serialized(), m.window_scroll, m.width, m.height,
                       {n.id: (n.value, n.checked, n.scroll) for n in m.nodes.values()}],
                      sort_keys=True)


def _damaged(ex, how: str):
    blobs, blocks = list(ex.cp_blob), list(ex.blocks)
    if how in ("cut stream", "short table", "newer version"):
        cp = decode_msgpack(decompress(blobs[-1]))
        strings, stream, rare = cp[10]
        if how == "cut stream":
            cp[10] = [strings, stream[:-2], rare]
        elif how == "short table":
            cp[10] = [strings, stream]
        else:
            cp[0] += 1
        blobs[-1] = compress(encode_msgpack(cp))
    elif how == "checkpoint cut":   # its MessagePack cut short
        blobs[-1] = compress(decompress(blobs[-1])[:-3])
    elif how == "timeline of another shape":   # valid MessagePack: refused when taken over
        return msgspec.structs.replace(ex, tb=msgspec.Raw(encode_msgpack([1, 2, 3])))
    elif how == "checkpoint times":   # out of order: a seek would take the wrong one
        return msgspec.structs.replace(ex, cp_t=list(reversed(ex.cp_t)))
    elif how == "features":   # one time more than features
        return msgspec.structs.replace(ex, features_t=[*ex.features_t, 1.0],
                                       features=list(ex.features))
    elif how == "frames":   # a uint32 array one byte short
        t = list(blocks[-1])
        t[1] = t[1][:-1]
        blocks[-1] = tuple(t)
    elif how == "ends":     # as long as a whole array, one item short
        t = list(blocks[-1])
        t[3] = t[3][:-4]
        blocks[-1] = tuple(t)
    elif how == "block bytes":
        t = list(blocks[-1])
        t[2] = b"\x00" * len(t[2])
        blocks[-1] = tuple(t)
    return msgspec.structs.replace(ex, cp_blob=blobs, blocks=blocks)


def _stored_with_damaged_index(root: Path, events: list[dict], how: str) -> tuple[str, Path]:
    """A session of `events` stored in `root` with its keyframe index kept, damaged `how`:
    (its id, the kept file)."""
    with Store.open(root) as st:
        (sid,) = st.ingest(events)
        with st.session(sid) as reader:
            ix = KeyframeIndex(reader)
            ix.finish()
            ex = decode_export(ix.export())
        with st.session(sid) as reader:
            assert st.keep_derived(reader, KEYFRAMES, params(DEFAULT_INTERVAL),
                                   encode_export(_damaged(ex, how)))
        return sid, derived.path_of(st.root, sid, KEYFRAMES)


@pytest.mark.parametrize("how", ["cut stream", "short table", "newer version", "checkpoint cut",
                                 "timeline of another shape", "checkpoint times", "features",
                                 "frames", "ends", "block bytes"])
def test_a_damaged_kept_index_is_dropped_and_built_again(tmp_path, how):
    events = list(generate_session(2000, duration_ms=60_000, seed=7))
    truth = KeyframeIndex(ListSource(events))
    truth.finish()
    sid, kept = _stored_with_damaged_index(tmp_path / "data", events, how)
    with Store.open(tmp_path / "data") as st:
        assert kept.exists()
        r = Replayer(st.session(sid), mode="lazy")
        try:
            end = truth.duration_ms
            for t in (end, end / 2, 0.0):   # each seek, the first one into the damage
                assert _key(r.state_at(t)) == _key(truth.state_at(t))
            m, rest = r.index.dom_events_between(end / 3, end)
            assert _key(m) == _key(truth.state_at(end / 3))
            assert len(list(rest)) > 0
            assert not kept.exists()   # dropped: the next open builds a good one
        finally:
            r.close()


def test_after_a_damaged_one_a_worker_keeps_a_good_index(tmp_path):
    """Opened as the app does (a worker process for the rest): the seek that finds the
    damage drops it, a worker indexes the session again and keeps its index, and the next
    open takes that one over."""
    import time

    events = list(generate_session(2000, duration_ms=60_000, seed=7))
    sid, kept = _stored_with_damaged_index(tmp_path / "data", events, "cut stream")
    with Store.open(tmp_path / "data") as st:
        r = Replayer(st.session(sid), mode="process")
        try:
            assert r.ready and r.runner.proc is None   # taken over: nothing started
            end = r.duration_ms
            r.state_at(end)
            assert r.runner.proc is not None   # found damaged: a worker builds it again
            deadline = time.monotonic() + 120
            while not r.ready and time.monotonic() < deadline:
                time.sleep(0.02)
            assert r.ready and r.runner.proc.wait(30) == 0
            good = _key(r.state_at(end))
        finally:
            r.close()
        assert kept.exists()
        again = Replayer(st.session(sid), mode="process")
        try:
            assert again.ready and again.runner.proc is None
            assert _key(again.state_at(end)) == good
        finally:
            again.close()


def _stored_with_damaged_semantics(root: Path, events: list[dict], *, every: bool = False,
                                   short: bool = False) -> tuple[str, Path]:
    """A session stored with its kept index whole but for its timeline's clicks, which
    decode as MessagePack but not as clicks (left encoded when taken over: found when they
    are first read) - the first chunk of them, or `every` chunk, each as many as it held.
    `short`: good clicks instead, their last chunk one click short of the click times."""
    from player.timeline import _WIRE, _Wire

    with Store.open(root) as st:
        (sid,) = st.ingest(events)
        with st.session(sid) as reader:
            ix = KeyframeIndex(reader)
            ix.finish()
            assert ix.timeline.to_dict()["clicks"]
            ex = decode_export(ix.export())
        w = _WIRE.decode(ex.tb)
        chunks = w.sem_lists["clicks"]
        if short:
            bad = chunks[:-1] + [encode_msgpack(decode_msgpack(chunks[-1])[:-1])]
        else:
            bad = [encode_msgpack([[1, 2, 3]] * len(decode_msgpack(c)))
                   for c in chunks[:None if every else 1]] + ([] if every else chunks[1:])
        lists = dict(w.sem_lists, clicks=bad)
        tb = msgspec.msgpack.encode(_Wire(arrays=w.arrays, sem=w.sem, sem_lists=lists,
                                          plain=w.plain))
        with st.session(sid) as reader:
            assert st.keep_derived(reader, KEYFRAMES, params(DEFAULT_INTERVAL),
                                   encode_export(msgspec.structs.replace(
                                       ex, tb=msgspec.Raw(tb))))
        return sid, derived.path_of(st.root, sid, KEYFRAMES)


@contextlib.contextmanager
def _damaged_and_truth(root: Path, mode: str, **damage):
    """A generated session stored with damaged kept semantics (`_stored_with_damaged_semantics`
    with `damage`), opened from the store in `mode`, beside the same events replayed eagerly
    (the truth): (player, truth, the kept index's path); both closed after."""
    events = list(generate_session(2000, duration_ms=60_000, seed=7))
    truth = Replayer(ListSource(events), mode="eager")
    sid, kept = _stored_with_damaged_semantics(root, events, **damage)
    with Store.open(root) as st:
        r = Replayer(st.session(sid), mode=mode)
        try:
            yield r, truth, kept
        finally:
            r.close()
            truth.close()


@pytest.mark.parametrize("first", ["timeline", "playback"])
def test_kept_semantics_that_do_not_decode_are_dropped_and_built_again(tmp_path, first):
    # left encoded when taken over, they failed where first read - the player's row thread
    # (its pane "Reading..." for good) or playback's clicks - and every open failed again
    with _damaged_and_truth(tmp_path / "data", "lazy") as (r, truth, kept):
        assert r.ready and kept.exists()   # taken over
        end = truth.duration_ms
        if first == "playback":
            assert r.ops_between(0, end) == truth.ops_between(0, end)
        assert r.timeline.to_dict() == truth.timeline.to_dict()
        assert r.ops_between(end / 3, end) == truth.ops_between(end / 3, end)
        assert not kept.exists()   # dropped: the next open builds a good one


def test_a_timeline_read_from_a_dropped_kept_index_lets_its_export_go(tmp_path):
    # its columns were views of the kept index's decompressed export: a player's session
    # view holding the timeline kept that whole buffer (~115 MB on a 1M-event session)
    # after the index was dropped and built again
    import gc
    from types import FrameType

    events = list(generate_session(2000, duration_ms=60_000, seed=7))
    sid, kept = _stored_with_damaged_index(tmp_path / "data", events, "cut stream")
    with Store.open(tmp_path / "data") as st:
        r = Replayer(st.session(sid), mode="lazy")
        try:
            tl = r.timeline   # as the player's rows read it, before any seek
            before = tl.to_dict()
            buf = tl._times.obj
            assert isinstance(tl._times, memoryview)

            def holders(of) -> list:   # what holds it but this test's frames (any CPython)
                return [o for o in gc.get_referrers(of) if not isinstance(o, FrameType)]
            assert holders(buf)   # (the views' buffers, seen)
            r.state_at(r.duration_ms)   # the damage found: dropped, built again
            assert not kept.exists()
            gc.collect()
            assert holders(buf) == []
            assert tl.to_dict() == before
        finally:
            r.close()


def test_playback_finding_damaged_clicks_never_builds_the_index_on_its_thread(tmp_path):
    # the drop reset the index; playback's clicks then built it up to the range's end on
    # the caller's (the UI) thread, holding its lock - tens of seconds near the end of a
    # 1M-event session. Now the range is worked out again ahead of the index (its start
    # alone read here, as an open's first frame), the rest left to the worker
    import threading

    from player.keyframe_build import FIRST_STEP

    with _damaged_and_truth(tmp_path / "data", "process", every=True) as (r, truth, kept):
        assert r.ready and kept.exists()   # taken over
        here, steps = threading.current_thread(), []
        advance = r.index.advance

        def counted(*a, **k):   # the real advance, its caller's thread noted
            if threading.current_thread() is here:
                steps.append(a or tuple(k.values()))
            return advance(*a, **k)

        r.index.advance = counted
        end = truth.duration_ms
        t0 = end * 0.9
        r.state_at(t0)   # (from the kept index: the DOM part is whole)
        r.view_at(t0)
        ops, want = r.ops_between(t0, end), truth.ops_between(t0, end)
        # (read ahead of the index, the cursor's moves come from the events themselves,
        # sampled otherwise than the index's: its clicks and the page's changes agree)
        assert [o for o in ops if o["k"] != "mouse"] == [o for o in want if o["k"] != "mouse"]
        assert any(o["k"] == "click" for o in ops)
        assert not kept.exists()   # dropped, built again by the worker
        assert steps and all(s == (FIRST_STEP,) for s in steps), steps


def test_a_kept_index_whose_clicks_are_fewer_than_their_times_is_dropped_and_built_again(
        tmp_path):
    # the clicks' chunks (encoded, read alone by playback: TimelineBuilder.clicks_in) held
    # fewer than the click times listed: playback played fewer clicks, silently, and the
    # kept index was never dropped
    with _damaged_and_truth(tmp_path / "data", "lazy", short=True) as (r, truth, kept):
        assert not kept.exists()   # dropped as it was taken over: its parts disagree
        end = truth.duration_ms
        ops = r.ops_between(0, end)
        assert [o for o in ops if o["k"] == "click"] == \
            [o for o in truth.ops_between(0, end) if o["k"] == "click"]
        assert r.timeline.to_dict() == truth.timeline.to_dict()


def test_a_closed_player_finding_its_kept_index_damaged_indexes_nothing_more(tmp_path):
    # its row thread, reading the timeline after the player closed, found the damage: the
    # kept index was dropped and a worker process started after the close, and the rest
    # indexed on that thread (`finish`) - for a player no one reads any more
    events = list(generate_session(2000, duration_ms=60_000, seed=7))
    sid, kept = _stored_with_damaged_semantics(tmp_path / "data", events)
    with Store.open(tmp_path / "data") as st:
        r = Replayer(st.session(sid), mode="process")
        try:
            assert r.ready and kept.exists()   # taken over
            r.close()
            with pytest.raises(RuntimeError, match="closed"):
                r.timeline   # as the closed player's row thread reads it
            assert not kept.exists()   # dropped: the next open builds a good one
            assert r.runner.proc is None and r.index.finisher is None   # nothing started
            assert r.index.events_seen == 0 and not r.index.done   # nothing indexed
            r.runner.start_background()   # a stopped runner starts nothing
            assert r.runner.start_worker(r.source) is False
            assert r.index.finisher is None and r.runner.proc is None
        finally:
            r.close()


def test_a_damaged_kept_index_found_by_two_readers_at_once_is_built_again_for_both(
        tmp_path, monkeypatch):
    # the row thread making the timeline from the kept index and playback reading its
    # clicks both found the damage: playback dropped it first, and the row thread's drop
    # (nothing left to drop) raised - the pane said the rows failed, the index rebuilt fine
    import threading

    import player.timeline as tl

    with _damaged_and_truth(tmp_path / "data", "process") as (r, truth, kept):
        inside, go = threading.Event(), threading.Event()
        real = tl.TimelineBuilder.complete

        def complete(self):   # the real one, the rows' first held until playback dropped it
            if threading.current_thread() is rows_thread and not inside.is_set():
                inside.set()
                assert go.wait(60)
            return real(self)

        monkeypatch.setattr(tl.TimelineBuilder, "complete", complete)
        got: list = []

        def read_rows() -> None:
            try:
                got.append(r.timeline.to_dict())
            except Exception as exc:  # noqa: BLE001 - what the pane would say
                got.append(exc)

        rows_thread = threading.Thread(target=read_rows, name="rows")
        try:
            assert r.ready and kept.exists()   # taken over
            rows_thread.start()
            assert inside.wait(60)
            ct = list(r.index._tb.click_t)
            r.ops_between(ct[-1] - 1, ct[-1])   # playback's clicks: the damage found, dropped
            assert not kept.exists()
            go.set()
            rows_thread.join(120)
            assert got == [truth.timeline.to_dict()]
        finally:
            go.set()
