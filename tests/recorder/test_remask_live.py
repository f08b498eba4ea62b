"""Re-masking a live session (`replay mask`, the Privacy page's Apply) while its visitor is
still on the page: the session's events were read and masked, then the session rewritten
with them - what the intake stored in between (seconds, for a long session's masking) was
gone for good. The rewrite now checks, under the session's lock, that the session holds what
was read, and masks it again whole when more arrived."""
from __future__ import annotations

import json
import time

from recorder.privacy import Level, Rule, Rules
from recorder.privacy import remask as remask_mod
from recorder.privacy.remask import remask_session
from recorder.store import Store
from replay_tools.generator import generate_session


def test_a_live_session_re_masked_keeps_what_arrives_meanwhile(tmp_path, monkeypatch):
    t0 = int(time.time() * 1000) - 10 * 60 * 1000
    events = list(generate_session(600, duration_ms=2 * 60 * 1000, seed=6, start_ms=t0))
    # (rules under which the generator's page text changes: every event re-masked)
    strict = Rules(default_level=Level.MASK, rules=(Rule("body", Level.MASK),))
    with Store.open(tmp_path) as store:
        store.ingest(events[:300], live=True, session_id="still-there")
        real = remask_mod.mask_session
        arrived = []

        def masked_while_the_intake_appends(evs, rules):
            out = real(evs, rules)
            if not arrived:   # the intake, between the read and the write
                store.ingest(events[300:], live=True, session_id="still-there")
                arrived.append(list(store.session("still-there").events()))
            return out
        monkeypatch.setattr(remask_mod, "mask_session", masked_while_the_intake_appends)
        result = remask_session(store, "still-there", strict)
        stored = list(store.session("still-there").events())
    (before,) = arrived
    assert len(before) == len(events) and result.changed
    # the whole session as it stood, the intake's batch too, masked under the new rules
    assert json.dumps(stored) == json.dumps(real(before, strict)[1])
    assert result.events_before == len(events) and result.events_after == len(stored)
