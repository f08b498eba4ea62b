"""player.keyframe_build: besides every `interval` operations and each full snapshot, a
checkpoint comes right after a heavy event (a page re-rendered) or many events, within a
share of the events' bytes - and the index still equals a naive replay at every moment."""
from __future__ import annotations

from player.keyframe_build import EXTRA_COUNT, EXTRA_FREE, EXTRA_SHARE, HEAVY, MANY_EVENTS
from player.keyframes import KeyframeIndex
from player.replayer import naive_state_at
from recorder.source import ListSource

START = 1_700_000_000_000


def _recording(heavy_at: list[int], n: int = 400, static: int = 0) -> list[dict]:
    """A page (with `static` more paragraphs), then n events: a text change each, or (at
    the positions in `heavy_at`) a list of HEAVY + 8 items replacing the last one."""
    body = {"type": 2, "id": 4, "tagName": "body", "attributes": {}, "childNodes": [
        {"type": 3, "id": 5, "textContent": "0"}] + [
        {"type": 2, "id": 100_000 + k, "tagName": "p", "attributes": {"title": f"p{k}" * 20},
         "childNodes": []} for k in range(static)]}
    snap = {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 3, "tagName": "html", "attributes": {}, "childNodes": [body]}]}
    events = [{"type": 4, "timestamp": START, "data": {"href": "https://x.test/", "width": 800,
                                                         "height": 600}},
              {"type": 2, "timestamp": START + 1, "data": {"node": snap}}]
    next_id, last_list = 100, None
    for i in range(n):
        t = START + 10 + 10 * i
        if i in heavy_at:
            ul = next_id
            items = [{"parentId": ul, "nextId": None, "node": {
                "type": 2, "id": ul + 1 + k, "tagName": "li", "attributes": {"class": f"r{i}"},
                "childNodes": []}} for k in range(HEAVY + 8)]
            adds = [{"parentId": 4, "nextId": None, "node": {
                "type": 2, "id": ul, "tagName": "ul", "attributes": {}, "childNodes": []}}]
            data = {"source": 0, "texts": [], "attributes": [], "adds": adds + items,
                    "removes": [{"parentId": 4, "id": last_list}] if last_list else []}
            next_id += HEAVY + 10
            last_list = ul
        else:
            data = {"source": 0, "texts": [{"id": 5, "value": f"text {i} " + "x" * 200}],
                    "attributes": [], "removes": [], "adds": []}
        events.append({"type": 3, "timestamp": t, "data": data})
    return events


def _key(m) -> list:
    return [m.to_serialized(), sorted(m.nodes)]


def test_a_checkpoint_follows_a_heavy_event_and_seeks_still_equal_a_replay():
    events = _recording(heavy_at=[150, 300])
    ix = KeyframeIndex(ListSource(events), timeline=False)
    ix.finish()
    heavy_t = [e["timestamp"] - START for e in (events[152], events[302])]
    assert all(t in ix.cp_t for t in heavy_t)   # right after each heavy event
    assert 0 < ix.extra_bytes <= EXTRA_SHARE * ix.event_bytes
    for e in events[::7] + events[150:156] + events[300:306]:
        t = e["timestamp"] - START
        assert _key(ix.state_at(t)) == _key(naive_state_at(events, t))


def test_extra_checkpoints_stay_within_their_share():
    """A big page partly re-rendered at every other event: far fewer extra checkpoints than
    heavy events, their bytes within the share of the events'."""
    events = _recording(heavy_at=list(range(0, 400, 2)), static=2000)
    ix = KeyframeIndex(ListSource(events), timeline=False)
    ix.finish()
    assert ix.extra_bytes <= EXTRA_SHARE * ix.event_bytes
    assert 1 < len(ix.cp_t) < 200
    t = events[-1]["timestamp"] - START
    assert _key(ix.state_at(t)) == _key(naive_state_at(events, t))


def test_a_checkpoint_follows_many_events():
    events = _recording(heavy_at=[], n=MANY_EVENTS * 3)
    ix = KeyframeIndex(ListSource(events), timeline=False)
    ix.finish()
    # no block holds more than MANY_EVENTS events (each text change is small)
    assert max(len(b.times) for b in ix.blocks) <= MANY_EVENTS
    assert len(ix.cp_t) >= 4
    for e in events[::5]:
        t = e["timestamp"] - START
        assert _key(ix.state_at(t)) == _key(naive_state_at(events, t))


def test_extra_checkpoints_stay_within_their_count():
    """A small page re-rendered at every other event (its checkpoints cheap, so the share
    of bytes allows one after each): at most EXTRA_COUNT more checkpoints than the
    interval and the full snapshot place - a long session's index (its memory, the kept
    file, the take-over) grows by that much at most."""
    events = _recording(heavy_at=list(range(0, 4000, 2)), n=4000)
    ix = KeyframeIndex(ListSource(events), timeline=False, interval=250)
    ix.finish()
    regular = ix.dom_ops / ix.interval + len(ix.full_snapshot_t) + 1
    assert regular + EXTRA_FREE < len(ix.cp_t) <= (1 + EXTRA_COUNT) * regular + EXTRA_FREE + 1
    assert ix.extra_bytes < EXTRA_SHARE * ix.event_bytes / 4   # the count bound it, not bytes
    for e in events[::97]:
        t = e["timestamp"] - START
        assert _key(ix.state_at(t)) == _key(naive_state_at(events, t))
