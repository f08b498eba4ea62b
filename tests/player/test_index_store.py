"""The keyframe index kept in the store (player.index_store): a stored session's worker
index is kept, and the next open of the same version takes it over - a late moment is
served from a checkpoint at once, with no worker started. A stale or undecodable one is
never used; a followed live session and a session shown under extra rules neither use nor
keep one. Real store, real worker process."""
from __future__ import annotations

import json
import time

from player.follow import LiveTail
from player.index_store import KEYFRAMES, keep_index, params, stored_index
from player.keyframes import DEFAULT_INTERVAL, KeyframeIndex
from player.replayer import Replayer
from recorder import derived
from recorder.privacy.rules import load_rules
from recorder.source import ListSource, masked_source
from recorder.store import Store
from replay_tools.generator import generate_session


def _key(m):
    return json.dumps([m.to_serialized(), m.window_scroll, m.width, m.height,
                       {n.id: (n.value, n.checked, n.scroll, n.sheet) for n in m.nodes.values()}],
                      sort_keys=True)


def _events(n=4_000, seed=7, **kw):
    return list(generate_session(n, duration_ms=15 * 60 * 1000, seed=seed, **kw))


def _indexed_by_worker(st, sid) -> Replayer:
    r = Replayer(st.session(sid), mode="process")
    assert r.runner.proc is not None   # nothing kept yet: a worker builds it
    deadline = time.monotonic() + 120
    while not r.ready and time.monotonic() < deadline:
        time.sleep(0.02)
    assert r.ready and r.runner.proc.returncode == 0
    return r


def _kept_file(st, sid):
    return derived.path_of(st.root, sid, KEYFRAMES)


def _export_of(events) -> bytes:
    ix = KeyframeIndex(ListSource(events))
    ix.finish()
    return ix.export()


def test_the_second_open_seeks_late_with_the_index_complete(tmp_path):
    with Store.open(tmp_path / "data") as st:
        (sid,) = st.ingest(_events())
        first = _indexed_by_worker(st, sid)
        assert _kept_file(st, sid).is_file()
        second = Replayer(st.session(sid), mode="process")
        # taken over from the store: complete before any seek, no worker, no thread
        assert second.ready and second.index.covered == float("inf")
        assert second.runner.proc is None and second.index.finisher is None
        t = 0.9 * first.duration_ms
        assert _key(second.state_at(t)) == _key(first.state_at(t))
        assert second.index.stats() == first.index.stats()
        assert second.timeline.to_dict() == first.timeline.to_dict()
        assert second.ops_between(t, t + 30_000) == first.ops_between(t, t + 30_000)
        first.close()
        second.close()


def test_a_kept_index_of_a_replaced_version_is_not_used(tmp_path):
    events = _events()
    with Store.open(tmp_path / "data") as st:
        (sid,) = st.ingest(events)
        _indexed_by_worker(st, sid).close()
        st.replace_session(sid, events[: len(events) // 2])   # a re-mask, say
        r = Replayer(st.session(sid), mode="lazy")
        assert not r.ready
        r.index.finish()
        assert r.index.events_seen == len(events) // 2


def test_a_kept_index_of_other_params_or_that_does_not_decode_is_not_used(tmp_path):
    events = _events()
    with Store.open(tmp_path / "data") as st:
        (sid,) = st.ingest(events)
        with st.session(sid) as reader:   # another interval's index
            assert keep_index(reader, 500, _export_of(events))
        r = Replayer(st.session(sid), mode="lazy")
        assert not r.ready and r.index.events_seen < len(events)
        with st.session(sid) as reader:   # built by other code (another release)
            other_code = params(DEFAULT_INTERVAL).replace("code=", "code=0")
            assert st.keep_derived(reader, KEYFRAMES, other_code, _export_of(events))
        r = Replayer(st.session(sid), mode="lazy")
        assert not r.ready and r.index.events_seen < len(events)
        with st.session(sid) as reader:   # whole (its checksum holds) but no index of ours
            assert st.keep_derived(reader, KEYFRAMES, params(DEFAULT_INTERVAL),
                                   b"\x28\xb5\x2f\xfd not an export")
            assert stored_index(reader, DEFAULT_INTERVAL) is None
        assert not _kept_file(st, sid).exists()
        with st.session(sid) as reader:   # ... found by the player: built after all
            assert st.keep_derived(reader, KEYFRAMES, params(DEFAULT_INTERVAL), b"\0" * 64)
        r = Replayer(st.session(sid), mode="eager")
        assert r.ready and r.index.events_seen == len(events)
        assert not _kept_file(st, sid).exists()


def test_a_followed_live_session_and_extra_rules_neither_use_nor_keep_one(tmp_path):
    t0 = int(time.time() * 1000) - 20 * 60 * 1000
    events = _events(1_500, start_ms=t0)
    with Store.open(tmp_path / "data") as st:
        (sid,) = st.ingest(events, live=True, session_id="tail")
        # a kept index that is plainly not this session's (a shorter recording's), planted
        # under its key: whoever uses it shows 300 events
        with st.session(sid) as reader:
            assert keep_index(reader, DEFAULT_INTERVAL, _export_of(events[:300]))
        planted = _kept_file(st, sid).read_bytes()
        plain = Replayer(st.session(sid), mode="lazy")
        assert plain.ready and plain.index.events_seen == 300   # a plain open takes it
        follow = LiveTail(st, sid).replayer()
        assert follow.index.events_seen == len(events)
        with st.session(sid) as reader:
            masked = masked_source(reader, load_rules(None, st.root))
        shown = Replayer(masked, mode="eager")
        assert shown.index.events_seen == len(list(masked.events())) > 300
        assert _kept_file(st, sid).read_bytes() == planted   # neither wrote one
        later = dict(events[-1], timestamp=events[-1]["timestamp"] + 1)
        st.ingest([later], live=True, session_id="tail")
        assert not _kept_file(st, sid).exists()   # the session grew: it went


def _stored_bytes(export) -> bytes:
    """Everything a kept index holds, decompressed: checkpoints, event blocks, timeline."""
    from player.checkpoint_codec import decompress
    from player.event_block import Block

    return b"".join([*(decompress(c) for c in export.cp_blob),
                     *(Block.from_export(b).payload() for b in export.blocks),
                     bytes(export.tb)])


def _build_and_keep(st, sid) -> None:
    """What the worker does (a page this short is indexed before a worker would start)."""
    with st.session(sid) as reader:
        ix = KeyframeIndex(reader)
        ix.finish()
        assert keep_index(reader, ix.interval, ix.export())


def test_a_remask_leaves_nothing_of_what_it_masks_in_a_kept_index(tmp_path):
    from recorder.privacy import parse_rules
    from recorder.privacy.remask import remask_session
    from recorder.privacy.preview import html_to_events

    events = html_to_events('<html><head></head><body><p class="customer">Ada Lovelace</p>'
                            '<p>Order 4711</p></body></html>', href="https://shop.example/",
                            timestamp=1_767_225_600_000)
    with Store.open(tmp_path / "data") as st:
        (sid,) = st.ingest(events)
        _build_and_keep(st, sid)
        with st.session(sid) as reader:
            assert b"Ada Lovelace" in _stored_bytes(stored_index(reader, DEFAULT_INTERVAL))
        rules = parse_rules('default = "mask-user-input"\n[[rule]]\nselector = ".customer"\n'
                            'level = "mask"\n')
        assert remask_session(st, sid, rules).changed
        assert not _kept_file(st, sid).exists()
        _build_and_keep(st, sid)   # built again, from the re-masked segments
        with st.session(sid) as reader:
            held = _stored_bytes(stored_index(reader, DEFAULT_INTERVAL))
        assert b"Order 4711" in held and b"Ada" not in held and b"Lovelace" not in held


def test_a_kept_index_of_the_export_before_block_frames_is_built_again(tmp_path):
    """Export version 2 (a block without its frames: player.event_block) kept even under
    this version's key does not decode as this one: dropped, and the index built anew."""
    import msgspec

    from player.checkpoint_codec import compress, decompress

    events = _events()
    old = msgspec.msgpack.decode(decompress(_export_of(events)))
    old["blocks"] = [b[:4] for b in old["blocks"]]
    with Store.open(tmp_path / "data") as st:
        (sid,) = st.ingest(events)
        with st.session(sid) as reader:
            assert st.keep_derived(reader, KEYFRAMES, params(DEFAULT_INTERVAL),
                                   compress(msgspec.msgpack.encode(old)))
            assert stored_index(reader, DEFAULT_INTERVAL) is None
        assert not _kept_file(st, sid).exists()
        r = Replayer(st.session(sid), mode="eager")
        assert r.ready and r.index.events_seen == len(events)
