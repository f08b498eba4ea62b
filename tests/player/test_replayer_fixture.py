"""The rebuild on rrweb-player's own 2018 demo recording (legacy fields: previousId,
nextId -1, sessionId): no warnings, the page is there, mutations show up over time."""
from __future__ import annotations

import json

import lxml.html

from player.replayer import Replayer, naive_state_at


def test_demo_rebuilds_without_warnings(demo_events):
    r = Replayer(demo_events)
    assert not r.warnings
    assert r.duration_ms == demo_events[-1]["timestamp"] - demo_events[0]["timestamp"]
    m = r.state_at(r.first_frame_ms)
    title = m.element_by_tag("title")
    assert m.text_of(title.id) == "demoit"
    assert 300 < len(m.nodes) < 2000
    assert m.width == 1166 and m.height == 705


def test_demo_changes_over_time_like_a_naive_replay(demo_events):
    r = Replayer(demo_events, keyframe_interval=20)   # small: several checkpoints matter
    assert r.index.stats()["checkpoints"] > 3
    seen = set()
    for t in [r.first_frame_ms, 2000, 20000, 45000, 60000, 75000, r.duration_ms]:
        got = r.state_at(t)
        want = naive_state_at(demo_events, t)
        assert got.to_serialized() == want.to_serialized()
        seen.add(json.dumps(got.to_serialized(), sort_keys=True))
    assert len(seen) > 3   # the mutations are visible: the DOM differs between moments


def test_demo_document_parses_and_keeps_text(demo_events):
    r = Replayer(demo_events)
    html = r.document_at(r.duration_ms)
    doc = lxml.html.document_fromstring(html)
    assert doc.findtext(".//title") == "demoit"
    assert not doc.xpath("//script")
    assert "ReactHooks.js" in doc.text_content()
