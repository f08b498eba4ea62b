"""A page capture.js could not send (its snapshot refused by the intake, over the 1 MB event
limit) plays as a notice saying so, from its moment to the visitor's next page: the keyframe
index, a seek ahead of it and playback's ops all agree with the plain replay."""
from __future__ import annotations

import json

from player.replayer import Replayer, naive_state_at
from recorder.format import PAGE_NOT_RECORDED
from recorder.paths import ASSETS
from recorder.source import ListSource

WHY = "event #1: event is 1,540,015 bytes, over the 1,048,576 byte size limit of an event"


def _events():
    """The demo, its second page (the checkout) said not recorded, as capture.js sends it."""
    events = json.loads((ASSETS / "demo" / "demo-session.json").read_text())
    second = [i for i, e in enumerate(events) if e["type"] == 2][1]
    events[second] = {"type": 5, "timestamp": events[second]["timestamp"],
                      "data": {"tag": PAGE_NOT_RECORDED, "payload": {"why": WHY}}}
    return events, (events[second]["timestamp"] - events[0]["timestamp"])


def test_a_page_not_recorded_plays_as_a_notice_wherever_it_is_looked_at():
    events, at = _events()
    end = events[-1]["timestamp"] - events[0]["timestamp"]
    for mode in ("eager", "lazy"):
        r = Replayer(ListSource(events, segment_size=40), mode=mode)
        for t in (at - 1, at, at + 5_000, end):
            got, want = r.state_at(t), naive_state_at(events, t)
            assert got.to_serialized() == want.to_serialized(), (mode, t)
            assert (got.not_recorded is not None) == (t >= at), (mode, t)
        assert not naive_state_at(events, end).warnings
    r = Replayer(ListSource(events, segment_size=40), mode="eager")
    r.index.finish()
    assert at in r.index.full_snapshot_t   # a page shown anew: a checkpoint, a seek's limit
    ops = r.ops_between(at - 1_000, end)
    full = [o for o in ops if o["k"] == "full"]
    assert len(full) == 1 and full[0]["t"] == at and "This page was not recorded" in json.dumps(full[0])
    after = {o["k"] for o in ops if o["t"] > at}
    assert after <= {"mouse", "click", "viewport", "meta", "focus"}, after   # no change of its page


def test_the_cursor_goes_on_over_a_page_not_recorded_ahead_of_the_index_too():
    """Played ahead of the indexer (its events read straight from the segments), the
    cursor's moves and clicks on the notice were dropped with that page's changes (a
    reviewer's find): they go on, as the indexed playback draws them."""
    from player.frame import OpsBuilder
    events, at = _events()
    start = events[0]["timestamp"]
    i = next(k for k, e in enumerate(events)
             if e["type"] == 5 and e["data"]["tag"] == PAGE_NOT_RECORDED)
    m = naive_state_at(events, at)
    shown = m.to_serialized()
    b = OpsBuilder(m, pointer=True)   # as playback ahead of the index builds them
    ops: list = []
    for e in events[i + 1:]:
        b.apply(e, e["timestamp"] - start, ops)
    kinds = [o["k"] for o in ops]
    assert kinds.count("mouse") > 10 and "click" in kinds
    assert set(kinds) <= {"mouse", "click", "viewport", "meta"}, set(kinds)
    assert m.to_serialized() == shown and not m.warnings


def test_the_masker_keeps_no_change_of_a_page_not_recorded_in_memory_or_resumed():
    """The privacy pass left the Custom event out of its own page: a masker that held the
    session in memory masked the page's changes against the last page and split a session
    off with them applied there, where one resumed from storage read the notice (a
    reviewer's find). Both read it now, and neither keeps a change it has no page for."""
    from recorder.ingest import split_snapshot
    from recorder.privacy import Rules, SessionMasker
    events, at = _events()
    start = events[0]["timestamp"]
    i = next(k for k, e in enumerate(events)
             if e["type"] == 5 and e["data"]["tag"] == PAGE_NOT_RECORDED)
    live = SessionMasker(Rules.default())
    kept = [m for m in live.mask(events) if m is not None]
    later = [e for e in events[i + 1:] if e["type"] == 3 and e["data"].get("source") == 0]
    assert later and not any(m["type"] == 3 and m["data"].get("source") == 0 and
                             m["timestamp"] > start + at for m in kept)
    assert live.stats["changes of a page not recorded dropped"] == len(later)
    resumed = SessionMasker(Rules.default()).resume(kept)
    for m in (live, resumed):
        assert m.mirror.not_recorded == {"why": WHY}
        assert [e["type"] for e in split_snapshot(m.mirror, start + at + 1)] == [4, 5]


def test_a_step_on_a_page_not_recorded_names_no_element_of_the_notice():
    """Steps and the Playwright script resolved the clicks there against the notice's own
    nodes (ids 1-8): a step named "This page was not recorded", `locator('h1')` (a
    reviewer's find). They name no element, as a click where nothing was recorded."""
    from recorder.playwright_export import playwright_script
    from recorder.steps import steps
    events, at = _events()
    i = next(k for k, e in enumerate(events)
             if e["type"] == 5 and e["data"]["tag"] == PAGE_NOT_RECORDED)
    t = events[i]["timestamp"] + 50   # a click and typing on that page's nodes 5 and 8
    events[i + 1:i + 1] = [   # (ids the notice has too: its title, its text)
        {"type": 3, "timestamp": t, "data": {"source": 2, "type": 2, "id": 5, "x": 10, "y": 10}},
        {"type": 3, "timestamp": t + 1, "data": {"source": 5, "id": 8, "text": "x"}}]
    after = [s for s in steps(events) if s.t > at]
    assert after and not any("not recorded" in s.describe() for s in after)
    assert all(s.selector == "" for s in after if s.kind.value != "navigate")
    script = playwright_script(events, session_id="s")
    assert "This page was not recorded" not in script and "locator('h1')" not in script


def test_what_that_page_names_finds_nothing_of_the_notice():
    """The notice's nodes had the ids 1-8 that page's own events use: a value typed into its
    field 7 was read as typed into the notice's paragraph and kept in clear under `allow`, a
    canvas drawing on 5 kept (a reviewer's find). The notice's ids are none a recorder
    gives: the privacy pass knows nothing those events name, and keeps none of it."""
    from recorder.mirror import NOTICE_IDS
    from recorder.privacy import SessionMasker, parse_rules
    events, at = _events()
    i = next(k for k, e in enumerate(events)
             if e["type"] == 5 and e["data"]["tag"] == PAGE_NOT_RECORDED)
    t = events[i]["timestamp"]
    named = [{"type": 3, "timestamp": t + 1, "data": {"source": 5, "id": 7, "text": "hunter2"}},
             {"type": 3, "timestamp": t + 2, "data": {"source": 9, "id": 5, "type": 0,
                                                      "commands": [{"property": "fillText",
                                                                    "args": ["Ada", 1, 1]}]}}]
    for rules in ('default = "allow"\ndetectors = []', ""):
        m = SessionMasker(parse_rules(rules))
        kept = [x for x in m.mask(events[:i + 1] + named) if x is not None]
        assert "hunter2" not in json.dumps(kept) and "Ada" not in json.dumps(kept), rules
    assert min(m.mirror.nodes) > NOTICE_IDS   # (the notice's own)
