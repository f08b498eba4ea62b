"""The timeline index: inactivity by rrweb's rule, mouse position and clicks, markers, and
the dev-tools lists (logs, errors, resources, actions, views, facts)."""
from __future__ import annotations

import json

import pytest

from player.replayer import Replayer
from player.timeline import DEFAULT_INACTIVITY_MS
from replay_tools.generator import generate_session

S = 1_700_000_000_000


def ev(t, type, data):
    return {"type": type, "data": data, "timestamp": S + t}


def snapshot_events():
    doc = {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 3, "tagName": "body", "attributes": {}, "childNodes": [
                {"type": 2, "id": 4, "tagName": "button", "attributes": {"id": "buy"},
                 "childNodes": [{"type": 2, "id": 5, "tagName": "svg", "attributes": {}, "isSVG": True,
                                 "childNodes": []},
                                {"type": 3, "id": 6, "textContent": "  Buy   now "}]},
                {"type": 2, "id": 7, "tagName": "a", "attributes": {"aria-label": "Close dialog"},
                 "childNodes": [{"type": 3, "id": 8, "textContent": "x"}]},
                {"type": 2, "id": 9, "tagName": "div", "attributes": {"id": "empty"}, "childNodes": []},
            ]}]}]}
    return [ev(0, 4, {"href": "https://shop.example/cart", "width": 1000, "height": 700,
                      "userAgent": "Mozilla/5.0 Chrome/120.0"}),
            ev(1, 2, {"node": doc, "initialOffset": {"left": 0, "top": 0}})]


def click(t, nid, x, y, kind=2):
    return ev(t, 3, {"source": 2, "type": kind, "id": nid, "x": x, "y": y})


def test_inactivity_follows_rrwebs_rule():
    events = snapshot_events() + [
        ev(1000, 3, {"source": 1, "positions": [{"x": 1, "y": 1, "id": 3, "timeOffset": 0}]}),
        # mutations alone are not activity
        *[ev(2000 + 3000 * i, 3, {"source": 0, "texts": [{"id": 8, "value": str(i)}],
                                   "attributes": [], "removes": [], "adds": []}) for i in range(10)],
        ev(40_000, 3, {"source": 3, "id": 1, "x": 0, "y": 100}),   # scroll: activity
        ev(45_000, 3, {"source": 5, "id": 9, "text": "a"}),         # input: activity
        ev(70_000, 5, {"tag": "checkout", "payload": {}}),          # custom: not activity
    ]
    tl = Replayer(events).timeline
    assert tl.duration == 70_000
    assert [(p.start, p.end) for p in tl.inactivity()] == [(1000, 40_000), (45_000, 70_000)]
    assert [(p.start, p.end) for p in tl.inactivity(30_000)] == [(1000, 40_000)]
    assert DEFAULT_INACTIVITY_MS == 10_000
    assert tl.next_activity(1000) == 40_000 and tl.next_activity(45_000) is None


def test_mouse_position_is_interpolated_and_clicks_are_named():
    events = snapshot_events() + [
        ev(1000, 3, {"source": 1, "positions": [{"x": 0, "y": 0, "id": 3, "timeOffset": -500},
                                               {"x": 100, "y": 50, "id": 3, "timeOffset": 0}]}),
        click(1200, 5, 100, 50),    # on the icon inside the button: named after the button
        click(3000, 7, 300, 60),    # aria-label wins over text
        click(4000, 9, 10, 10),     # no text: the id
        click(4100, 9, 10, 10, kind=5),   # focus is not a click
    ]
    tl = Replayer(events).timeline
    assert tl.mouse_at(400) is None
    assert tl.mouse_at(500) == (0, 0)
    assert tl.mouse_at(750) == pytest.approx((50, 25))
    assert tl.mouse_at(1000) == (100, 50)
    assert [c.target for c in tl.clicks] == ["Buy now", "Close dialog", "div#empty"]
    assert tl.last_click_before(2999).target == "Buy now"
    assert tl.last_click_before(1199) is None
    assert [m.kind for m in tl.markers if m.kind == "click"] == ["click"] * 3
    assert [a.target for a in tl.actions] == ["Buy now", "Close dialog", "div#empty"]
    ref = tl.event_at_or_after(1100)
    assert ref.t == 1200 and ref.type == 3 and ref.source == 2
    assert Replayer(events).event(ref.index)["data"]["id"] == 5


def test_a_triple_click_in_a_text_field_is_no_rage_click_in_the_player():
    """Without RUM the player's actions are the recorded clicks: a triple-click selecting a
    field's text was a RAGE action and marker. It is one click action (the page's DOM says
    the clicked node is a text field); three on the button are still rage."""
    events = snapshot_events()
    body = events[1]["data"]["node"]["childNodes"][0]["childNodes"][0]
    body["childNodes"].append({"type": 2, "id": 10, "tagName": "input",
                               "attributes": {"id": "zip", "type": "text"}, "childNodes": []})
    events += [click(1000 + dt, 10, 50, 50) for dt in (0, 100, 200)]
    events += [click(3000 + dt, 4, 10, 10) for dt in (0, 100, 200)]
    tl = Replayer(events).timeline
    assert [(a.t, a.frustrations, a.count) for a in tl.actions] == [
        (1000, [], 3), (3000, ["rage_click"], 3)]
    assert [m.t for m in tl.markers if m.kind == "rage_click"] == [3000]
    assert len(tl.clicks) == 6   # each still ripples


def test_logs_errors_resources_views_and_facts():
    rum = lambda t, p: ev(t, 6, {"plugin": "replay/rum@1", "payload": p})  # noqa: E731
    events = snapshot_events() + [
        ev(100, 6, {"plugin": "rrweb/console@1", "payload": {
            "level": "log", "trace": ["app.js:1"], "payload": [json.dumps("hello"), json.dumps({"a": 1})]}}),
        ev(200, 6, {"plugin": "rrweb/console@1", "payload": {
            "level": "error", "trace": ["app.js:9"], "payload": [json.dumps("boom")]}}),
        ev(300, 3, {"source": 11, "level": "warn", "trace": [], "payload": [json.dumps("legacy")]}),
        rum(400, {"type": "view", "date": S + 400, "view": {"id": "v1", "url": "https://shop.example/cart",
                                                             "largest_contentful_paint": 1200}}),
        rum(500, {"type": "error", "date": S + 500, "error": {"message": "boom", "source": "source",
                                                                "stack": "at x"}}),
        rum(600, {"type": "resource", "date": S + 550, "resource": {
            "url": "https://api.example/cart", "method": "POST", "status_code": 500,
            "duration": 120.5, "size": 42, "type": "fetch"}}),
        rum(700, {"type": "action", "date": S + 700, "action": {
            "type": "click", "target": {"name": "Pay"}, "frustration": {"type": ["rage_click", "error_click"]}}}),
        rum(800, {"type": "view", "date": S + 400, "view": {"id": "v1", "url": "https://shop.example/cart",
                                                             "cumulative_layout_shift": 0.1}}),
        ev(900, 6, {"plugin": "rrweb/network@1", "payload": {"requests": [
            {"url": "https://cdn.example/a.js", "method": "GET", "initiatorType": "script",
             "status": 200, "startTime": S + 850, "endTime": S + 870}]}}),
        click(950, 4, 10, 10),
        ev(1000, 4, {"href": "https://shop.example/pay", "width": 1000, "height": 700}),
    ]
    tl = Replayer(events).timeline
    assert [(l.t, l.level, l.message, l.source) for l in tl.logs] == [
        (100, "log", 'hello {"a":1}', "console"), (200, "error", "boom", "console"),
        (300, "warn", "legacy", "log")]
    # the console error and the RUM error 300 ms later say the same thing: one error, with
    # RUM's source and stack, at the time of the first report
    assert [(e.t, e.message, e.source, e.stack, e.reported_by) for e in tl.errors] == [
        (200, "boom", "source", "at x", ["console", "rum"])]
    groups = tl.error_groups()
    assert [(g.type, g.message, g.count, g.first_t, g.last_t) for g in groups] == [("Error", "boom", 1, 200, 200)]
    assert [(r.t, r.url, r.method, r.status, r.duration, r.source) for r in tl.resources] == [
        (550, "https://api.example/cart", "POST", 500, 120.5, "rum"),
        (850, "https://cdn.example/a.js", "GET", 200, 20, "network")]
    # RUM actions are the actions; recorded clicks do not duplicate them
    assert [(a.t, a.target, a.frustrations) for a in tl.actions] == [(700, "Pay", ["rage_click", "error_click"])]
    assert len(tl.views) == 1
    v = tl.views[0]
    assert v.vitals == {"largest_contentful_paint": 1200, "cumulative_layout_shift": 0.1}
    assert v.end_t == tl.duration
    assert (v.view_id, v.index) == ("v1", 5)   # the position of its first event, as the index says
    kinds = [(m.t, m.kind) for m in tl.markers]
    assert (500, "error") not in kinds   # the echo is not a second error
    for want in [(0, "navigation"), (200, "error"), (400, "view"),
                 (700, "rage_click"), (700, "error_click"), (950, "click"), (1000, "navigation")]:
        assert want in kinds
    assert tl.facts["urls"] == ["https://shop.example/cart", "https://shop.example/pay"]
    assert tl.facts["viewport"] == [1000, 700]
    assert tl.facts["user_agent"] == "Mozilla/5.0 Chrome/120.0"
    json.dumps(tl.to_dict())   # the whole index is JSON-able


def test_generated_session_timeline_is_complete_and_ordered():
    events = list(generate_session(6000, duration_ms=20 * 60 * 1000, seed=3))
    r = Replayer(events, keyframe_interval=200)
    tl = r.timeline
    assert not r.warnings
    assert tl.event_count == 6000 and tl.duration == 20 * 60 * 1000
    for lst in (tl.logs, tl.errors, tl.resources, tl.actions, tl.views, tl.markers, tl.clicks):
        assert lst and [x.t for x in lst] == sorted(x.t for x in lst)
    assert tl.inactivity()   # the generator has quiet stretches
    for p in tl.inactivity():
        assert p.end - p.start >= DEFAULT_INACTIVITY_MS
        ref = tl.event_at_or_after(p.start + 1)
        # nothing a person did inside the stretch
        while ref is not None and ref.t < p.end:
            assert ref.source not in (1, 2, 3, 4, 5, 6, 7, 12, 14)
            ref = tl.event_at_or_after(ref.t + 0.5) if ref.index + 1 < tl.event_count else None


def test_the_timeline_sent_by_an_index_worker_comes_back_whole_in_chunks(monkeypatch):
    """`to_bytes` sends the semantics' long lists in SEM_CHUNK-item chunks (each a short
    decode on the player's side); what `from_bytes` rebuilds is the same timeline."""
    import player.timeline as timeline_mod
    from player.keyframes import KeyframeIndex
    from recorder.source import ListSource
    monkeypatch.setattr(timeline_mod, "SEM_CHUNK", 3)
    ix = KeyframeIndex(ListSource(list(generate_session(3000, duration_ms=10 * 60 * 1000, seed=3))))
    ix.finish()
    sem = ix._tb.sem
    assert len(sem.console) > 3 and len(sem.resources) > 3 and len(sem.clicks) > 3
    back = timeline_mod.TimelineBuilder.from_bytes(ix._tb.to_bytes())
    assert back.sem == sem
    assert back.build(ix.duration_ms, final=True).to_dict() == ix.timeline.to_dict()


def test_a_taken_over_index_reads_its_semantics_when_its_timeline_is_first_read(monkeypatch):
    """An index taken over (a worker's, or the store's kept one) leaves its semantics - a
    long session's tens of thousands of console lines, requests and clicks - encoded
    until the timeline is first read: the player's first frame did not wait for them. What
    is read then, and what playback's cursor and clicks come from before it, is what the
    index built here gives."""
    import player.timeline as timeline_mod
    from player.keyframes import KeyframeIndex
    from recorder.source import ListSource

    monkeypatch.setattr(timeline_mod, "SEM_CHUNK", 7)   # clicks in many chunks, as a long one's
    events = list(generate_session(3000, duration_ms=8 * 60 * 1000, seed=3))
    built = Replayer(ListSource(events, segment_size=300), mode="eager")
    blob = built.index.export()

    taken = Replayer(ListSource(events, segment_size=300), mode="lazy")
    taken.index.load_export(blob)
    assert taken.ready and taken.index._tb.sem is None   # not decoded yet
    # read in place: the columns and checkpoints are views of the one decompressed export
    ix = taken.index
    assert isinstance(ix._tb.mouse_t, memoryview) and isinstance(ix.cp_blob[-1], memoryview)
    # ... and every moment is the one a replay of the events from the start gives
    from player.replayer import naive_state_at
    d = built.duration_ms
    for t in (0, d / 7, d / 3, d / 2, d * 0.9, d):
        want = naive_state_at(events, t).to_serialized()
        assert taken.state_at(t).to_serialized() == want == built.state_at(t).to_serialized()
    # playback's ops (the cursor's moves and the clicks among them) before the timeline
    clicks = 0
    for a, b in [(0, d / 3), (d / 3, d / 3 + 20_000), (d / 2, d), (d / 5, d / 5 + 5000)]:
        ops = taken.ops_between(a, b)
        assert ops == built.ops_between(a, b)
        clicks += sum(o["k"] == "click" for o in ops)
    assert clicks > 7 and taken.index._tb.sem is None   # from their chunks alone
    tb = taken.index._tb
    n = len(built.index._tb.sem.clicks)
    for i, j in [(0, n), (3, 9), (6, 8), (7, 14), (n - 1, n), (5, 5)]:
        assert tb.clicks_in(i, j) == built.index._tb.sem.clicks[i:j]
    assert taken.timeline.to_dict() == built.timeline.to_dict()
    assert taken.timeline.event_count == built.timeline.event_count == 3000
    # decoded, each text the items repeat is one object (each had a copy of its own)
    sem, ref = taken.index._tb.sem, built.index._tb.sem
    for f in ("console", "reports", "resources", "clicks", "rum_actions"):
        assert getattr(sem, f) == getattr(ref, f), f
    assert len(sem.clicks) > 20 and len(sem.resources) > 20 and len(sem.console) > 20
    for items, name in [(sem.clicks, "type"), (sem.clicks, "target"),
                        (sem.resources, "method"), (sem.console, "level")]:
        texts = [getattr(x, name) for x in items]
        assert len({id(t) for t in texts}) == len(set(texts)) < len(texts), name
    lines = [line for m in sem.console for line in m.trace]
    assert lines and len({id(t) for t in lines}) == len(set(lines))
    assert taken.timeline.mouse_trail(0, d) == built.timeline.mouse_trail(0, d)
    assert taken.timeline is taken.timeline   # made once

    # and handed on again whole (an index taken over, exported)
    again = KeyframeIndex(ListSource(events, segment_size=300))
    fresh = KeyframeIndex(ListSource(events, segment_size=300))
    fresh.load_export(blob)
    again.load_export(fresh.export())
    assert again.timeline.to_dict() == built.timeline.to_dict()


def test_a_taken_over_timeline_builder_can_be_snapshot(monkeypatch):
    # its semantics still encoded (`sem` None), snapshot() raised AttributeError: a
    # timeline_now() racing the index's take-over
    import player.timeline as timeline_mod
    from recorder.source import ListSource

    events = list(generate_session(600, duration_ms=60 * 1000, seed=5))
    built = Replayer(ListSource(events, segment_size=300), mode="eager")
    tb = built.index._tb
    taken = timeline_mod.TimelineBuilder.from_bytes(tb.to_bytes(), in_place=True)
    assert taken.sem is None
    snap = taken.snapshot()
    d = built.duration_ms
    assert snap.build(d).to_dict() == tb.snapshot().build(d).to_dict()


def test_a_taken_over_column_of_another_type_is_refused():
    # read in place, a column was cast to whatever type the kept index said (a view reads
    # any: `array` refuses most): times read as floats of another size, silently
    import msgspec
    import pytest

    import player.timeline as timeline_mod
    from recorder.source import ListSource

    events = list(generate_session(600, duration_ms=60 * 1000, seed=5))
    tb = Replayer(ListSource(events, segment_size=300), mode="eager").index._tb
    w = timeline_mod._WIRE.decode(tb.to_bytes())
    code, raw = w.arrays["mouse_t"]
    assert code == "d"
    arrays = dict(w.arrays, mouse_t=("q", raw))   # as many 8-byte items: cast would read them
    blob = msgspec.msgpack.encode(timeline_mod._Wire(arrays=arrays, sem=w.sem,
                                                     sem_lists=w.sem_lists, plain=w.plain))
    with pytest.raises(ValueError):
        timeline_mod.TimelineBuilder.from_bytes(blob, in_place=True)
    assert timeline_mod.TimelineBuilder.from_bytes(tb.to_bytes(), in_place=True).mouse_t \
        == tb.mouse_t


def test_clicks_read_from_their_chunks_do_not_depend_on_the_readers_chunk_size(monkeypatch):
    # a kept index written with another SEM_CHUNK (another version, a worker process) had
    # its clicks read from the wrong chunks: playback's ripples at the wrong moments
    import player.timeline as timeline_mod
    from recorder.source import ListSource

    events = list(generate_session(3000, duration_ms=8 * 60 * 1000, seed=3))
    tb = Replayer(ListSource(events, segment_size=300), mode="eager").index._tb
    clicks = tb.sem.clicks
    n = len(clicks)
    assert n > 20
    for written in (7, 16, 5000):   # (16: a chunk past a fixarray's header; 5000: one)
        monkeypatch.setattr(timeline_mod, "SEM_CHUNK", written)
        blob = tb.to_bytes()
        monkeypatch.setattr(timeline_mod, "SEM_CHUNK", 11)   # the reader's, another
        taken = timeline_mod.TimelineBuilder.from_bytes(blob, in_place=True)
        for i, j in [(0, n), (3, 9), (6, 8), (7, 14), (15, 17), (n - 1, n), (5, 5), (0, 1)]:
            assert taken.clicks_in(i, j) == clicks[i:j], (written, i, j)
        assert taken.sem is None


def test_clicks_chunks_that_do_not_match_the_click_times_are_damage(monkeypatch):
    # a kept index's clicks read from their chunks (TimelineBuilder.clicks_in) came out
    # fewer than the click times listed - or others than theirs - silently: damage, raised
    # (player.index_store.UNUSABLE) so that the kept index is dropped and built again
    import msgspec
    import pytest

    import player.timeline as timeline_mod
    from recorder.format import decode_msgpack, encode_msgpack
    from recorder.source import ListSource

    monkeypatch.setattr(timeline_mod, "SEM_CHUNK", 7)   # clicks in many chunks
    events = list(generate_session(3000, duration_ms=8 * 60 * 1000, seed=3))
    tb = Replayer(ListSource(events, segment_size=300), mode="eager").index._tb
    n = len(tb.sem.clicks)
    w = timeline_mod._WIRE.decode(tb.to_bytes())
    chunks = w.sem_lists["clicks"]
    assert len(chunks) > 3

    def with_clicks(clicks: list) -> bytes:
        return msgspec.msgpack.encode(timeline_mod._Wire(
            arrays=w.arrays, sem=w.sem, sem_lists=dict(w.sem_lists, clicks=clicks),
            plain=w.plain))
    # a chunk one click short: refused as it is read, whole or in place
    short = with_clicks(chunks[:-1] + [encode_msgpack(decode_msgpack(chunks[-1])[:-1])])
    for in_place in (True, False):
        with pytest.raises(ValueError, match="clicks"):
            timeline_mod.TimelineBuilder.from_bytes(short, in_place=in_place)
    # as many clicks, in the wrong chunks: each range read from them is checked against
    # the click times it was looked up by
    taken = timeline_mod.TimelineBuilder.from_bytes(with_clicks(chunks[1:] + chunks[:1]),
                                                    in_place=True)
    for i, j in [(0, n), (3, 9), (n - 1, n)]:
        with pytest.raises(ValueError, match="clicks"):
            taken.clicks_in(i, j)
    # (a good one reads them all, and no more than there are)
    good = timeline_mod.TimelineBuilder.from_bytes(with_clicks(chunks), in_place=True)
    assert good.clicks_in(0, n) == tb.sem.clicks and good.clicks_in(n - 2, n + 5) == \
        tb.sem.clicks[n - 2:]
    # ... and a range past the chunks (fewer chunks than the click times reach) raises
    good._sem_wire = (good._sem_wire[0], dict(good._sem_wire[1], clicks=chunks[:-1]))
    with pytest.raises(ValueError, match="clicks"):
        good.clicks_in(n - 1, n)
