"""An import never loses what is stored: the one rule (`ingest.reconcile`) as a table, the
store obeying it (nothing written on a refusal, only the missing events appended), `--as-new`
and `--partial` ids, and a property: no sequence of imports of prefixes, supersets, damaged
and re-exported copies ever reduces the events stored for a session."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from recorder.ingest import ImportConflict, Outcome, reconcile
from recorder.rrweb_io import parse_recordings, with_session_marker
from recorder.store import INDEX_FILE, PARTIAL, LocalStore
from recorder.format import encode_json

T0 = 1_700_000_000_000


def ev(t: int, x: int = 1) -> dict:
    return {"type": 3, "timestamp": T0 + t,
            "data": {"source": 1, "positions": [{"x": x, "y": 2, "id": 3, "timeOffset": 0}]}}


def recording(n: int) -> list[dict]:
    """A playable recording of `n` events (Meta, FullSnapshot, then mouse moves)."""
    head = [{"type": 4, "timestamp": T0, "data": {"href": "https://shop.example/", "width": 800,
                                                  "height": 600}},
            {"type": 2, "timestamp": T0, "data": {"node": {"type": 0, "id": 1, "childNodes": [
                {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": []}]},
                "initialOffset": {"left": 0, "top": 0}}}]
    return head + [ev(10 * i, i) for i in range(1, n - 1)]


A, B, C, D = ev(0, 1), ev(10, 2), ev(20, 3), ev(30, 4)


@pytest.mark.parametrize("stored, incoming, outcome, append, reason", [
    ([A, B, C], [A, B, C], Outcome.SAME, [], ""),
    ([A, B, C], [C, A, B], Outcome.SAME, [], ""),                  # order does not matter
    ([A, B], [A, B, C, D], Outcome.EXTENDS, [C, D], ""),
    ([A, B], [B, C, A], Outcome.EXTENDS, [C], ""),                 # overlapping export
    ([A, A, B], [A, A, B, C], Outcome.EXTENDS, [C], ""),           # duplicates counted
    # an earlier, shorter export: every event of it stored - nothing lost, nothing to add
    ([A, B, C], [A, B], Outcome.SAME, [], "the stored session holds these 2 events and 1 more"),
    ([A, A, B], [A, B], Outcome.SAME, [], "the stored session holds these 2 events and 1 more"),
    ([A, B, C], [B], Outcome.SAME, [], "the stored session holds this event and 2 more"),
    ([A, B, C], [A, ev(10, 9), C], Outcome.DISAGREES, [], "1 stored event is not in it and 1 of its events is not stored"),
    ([A, C], [A, B, C], Outcome.DISAGREES, [], "inside the stored session's time span"),
    # nothing in common: a part of the session recorded apart (a Datadog RUM file)
    ([A, C], [B, D], Outcome.DISAGREES, [], "it holds none of the 2 stored events, and none"
     " of its 2 is stored - another part of the session recorded apart"),
    ([], [A], Outcome.EXTENDS, [A], ""),
])
def test_reconcile_table(stored, incoming, outcome, append, reason):
    r = reconcile(stored, incoming)
    assert r.outcome is outcome
    assert r.append == append
    assert reason in r.reason and bool(r.reason) == bool(reason)


def test_reconcile_matches_content_not_key_order():
    swapped = {"timestamp": A["timestamp"], "data": A["data"], "type": A["type"]}
    assert reconcile([A], [swapped]).outcome is Outcome.SAME
    assert reconcile([A], [dict(A, timestamp=A["timestamp"] + 0.5)]).outcome is Outcome.DISAGREES


# --- the store -------------------------------------------------------------------------
def stored_events(store: LocalStore, sid: str) -> list[dict]:
    return list(store.session(sid).events())


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*.seg"))}


@pytest.fixture()
def store(tmp_path):
    s = LocalStore(tmp_path / "data", max_segment_records=40)
    yield s
    s.close()


# A recording's id is a hash of its first 64 events (sessions.derive_session_id), so copies
# cut after at least that many collide with the stored session.
def test_a_prefix_is_stored_already_and_changes_nothing(store, tmp_path):
    """An earlier, shorter export of a stored session: every event of it is stored."""
    full = recording(120)
    (sid,) = store.ingest(full)
    files = snapshot(store.root)
    (r,) = store.ingest_outcomes(full[:80])
    assert (r.id, r.outcome, r.added) == (sid, Outcome.SAME, 0)
    assert r.note == "the stored session holds these 80 events and 40 more"
    assert stored_events(store, sid) == full and snapshot(store.root) == files


def test_a_longer_copy_appends_only_what_is_missing(store):
    full = recording(120)
    (sid,) = store.ingest(full[:80])
    before = snapshot(store.root)
    (r,) = store.ingest_outcomes(full)
    assert (r.id, r.outcome, r.added) == (sid, Outcome.EXTENDS, 40)
    after = snapshot(store.root)
    assert all(after[f] == blob for f, blob in before.items()), "stored segments untouched"
    assert stored_events(store, sid) == full
    info = store.index.session(sid)
    assert info.record_count == 120 and info.end_ms == full[-1]["timestamp"]
    # the whole file again is recognised by its digest; a shorter copy is stored already
    (r,) = store.ingest_outcomes(full)
    assert r.outcome is Outcome.SAME and r.added == 0
    (r,) = store.ingest_outcomes(full[:100])
    assert r.outcome is Outcome.SAME and r.added == 0 and "100 events and 20 more" in r.note
    assert stored_events(store, sid) == full


def test_an_import_that_extends_a_session_leaves_it_live_or_not_as_it_was(tmp_path):
    """An import's append made a stored recording live for good - listed with the live mark,
    "`replay serve` may still be storing it" (a newcomer's tryout) - and an index rebuilt
    from the segments made every session stored in more than one go live. A session the
    intake is writing stays live whatever an import adds to it."""
    full = recording(120)
    with LocalStore.open(tmp_path / "d") as store:
        (sid,) = store.ingest(full[:80])
        (r,) = store.ingest_outcomes(full)
        assert r.outcome is Outcome.EXTENDS and not store.index.live(sid)
        (visit,) = store.ingest(full[:60], live=True, session_id="visit-1",
                                now_ms=full[59]["timestamp"])
        (r,) = store.ingest_outcomes(full, session_id=visit)
        assert r.outcome is Outcome.EXTENDS and store.index.live(visit)
    for f in (tmp_path / "d").glob(f"{INDEX_FILE}*"):   # the index lost: rebuilt as it opens
        f.unlink()
    with LocalStore.open(tmp_path / "d") as store:
        assert sorted(store.recovered.rebuilt) == sorted([sid, visit])
        assert not store.index.live(sid) and store.index.live(visit)
        assert stored_events(store, sid) == full


def test_an_overlapping_export_merges_by_content_not_order(store):
    full = recording(120)
    (sid,) = store.ingest(full[:80])
    # another tool's export of the longer recording, same-time events in another order
    other = full[:2] + sorted(full[2:], key=lambda e: (e["timestamp"] // 100, -e["timestamp"]))
    (r,) = store.ingest_outcomes(other, session_id=sid)
    assert r.outcome is Outcome.EXTENDS and r.added == 40
    assert sorted(map(encode_json, stored_events(store, sid))) == sorted(map(encode_json, full))


def test_different_events_at_the_same_times_are_refused_unless_as_new(store):
    full = recording(60)
    (sid,) = store.ingest(full)
    other = copy.deepcopy(full)
    other[30]["data"]["positions"][0]["x"] = 999
    with pytest.raises(ImportConflict) as exc:
        store.ingest(other, session_id=sid)
    assert "1 stored event is not in it and 1 of its events is not stored" in exc.value.reason
    (r,) = store.ingest_outcomes(other, session_id=sid, as_new=True)
    assert (r.id, r.outcome) == (f"{sid}_new", Outcome.NEW)
    # the same again finds that copy; a third version gets the next id
    assert store.ingest(other, session_id=sid, as_new=True) == [f"{sid}_new"]
    other[31]["data"]["positions"][0]["x"] = 998
    assert store.ingest(other, session_id=sid, as_new=True) == [f"{sid}_new2"]
    # the same content as the stored one is never copied
    assert store.ingest(full, as_new=True) == [sid]
    assert stored_events(store, sid) == full
    # the id as `replay sessions` shows it still names the original, its copies by their tag
    assert store.resolve(sid[:8]) == sid
    assert store.resolve(f"{sid[:8]}_new2") == f"{sid}_new2"


def test_partial_is_a_new_session_marked_partial(store):
    full = recording(100)
    (sid,) = store.ingest(full)
    (r,) = store.ingest_outcomes(full[:70], partial="the gzip stream is cut off")
    assert (r.id, r.outcome, r.added) == (f"{sid}_partial", Outcome.NEW, 70)
    assert store.index.session(r.id).context == {PARTIAL: "the gzip stream is cut off"}
    assert store.index.session(sid).context is None and stored_events(store, sid) == full
    # a partial import of a session not stored yet leaves its id to the intact copy
    fresh = recording(90)
    for e in fresh:
        e["timestamp"] += 7
    (p,) = store.ingest(fresh[:70], partial="cut")
    (whole,) = store.ingest(fresh)
    assert p == f"{whole}_partial" and len(stored_events(store, whole)) == 90


def test_an_rrweb_export_carries_the_id_and_imports_as_the_same_session(store):
    full = recording(80)
    (sid,) = store.ingest(full)
    blob = b"[" + b",".join(encode_json(e) for e in
                            with_session_marker(sid, stored_events(store, sid))) + b"]"
    (rec,) = parse_recordings(blob)
    assert rec.session_hint == sid and rec.events == full, "marker stripped, events as stored"
    (r,) = store.ingest_outcomes(rec.events, session_id=rec.session_hint)
    assert (r.id, r.outcome) == (sid, Outcome.SAME)


# --- the property ------------------------------------------------------------------------
FULL = recording(90)


def _copy(kind: str, k: int) -> tuple[list[dict], dict]:
    """One import: (events, ingest options)."""
    if kind == "prefix":
        return FULL[:k], {}
    if kind == "superset":
        extra = [ev(10 * (len(FULL) + i), 500 + i) for i in range(k % 7 + 1)]
        return FULL + extra, {}
    if kind == "damaged":          # what a cut-off file decodes to, imported with --partial
        return FULL[:k], {"partial": "cut off"}
    if kind == "changed":          # different events at the same times
        evs = copy.deepcopy(FULL[:k + 2])
        evs[-1]["data"]["positions"][0]["x"] = -1
        return evs, {}
    if kind == "as-new":
        return FULL[:k], {"as_new": True}
    return FULL[k:], {}            # "tail": an export of part of the session


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["prefix", "superset", "damaged", "changed", "as-new",
                                           "tail", "re-export"]),
                          st.integers(min_value=3, max_value=len(FULL) - 3)),
                min_size=1, max_size=6))
def test_no_sequence_of_imports_reduces_what_is_stored(tmp_path_factory, imports):
    root = tmp_path_factory.mktemp("prop")
    counts: dict[str, int] = {}
    with LocalStore(root, max_segment_records=25) as store:
        for kind, k in imports:
            if kind == "re-export" and counts:       # a stored session, exported and back
                sid = sorted(counts)[k % len(counts)]
                events, options = stored_events(store, sid), {}
            else:
                # every other copy claims the same session id, as an export's marker would
                sid = "s1"
                events, options = _copy(kind, k)
            try:
                store.ingest(events, session_id=sid, **options)
            except ImportConflict:
                pass
            now = {s.id: s.record_count for s in store.sessions()}
            if kind == "re-export" and counts:
                assert now == counts, "a re-exported session is the same session"
            for sid, n in counts.items():
                assert now.get(sid, 0) >= n, f"{kind} {k} reduced {sid}"
                assert len(stored_events(store, sid)) == now[sid]
            counts = now


def test_a_stored_session_with_a_damaged_segment_is_not_replaced_by_an_import(store):
    full = recording(120)
    (sid,) = store.ingest(full)
    reader = store.session(sid)
    path = store.root / reader.segments[1].file
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    path.write_bytes(bytes(blob))
    files = snapshot(store.root)
    with pytest.raises(ImportConflict) as exc:
        store.ingest(full + [ev(5000, 7)])
    assert "1 of the stored session's segments are damaged" in exc.value.reason
    assert snapshot(store.root) == files


def _report(title: str, at: int) -> dict:
    from recorder.bug import BugReport, with_report
    return with_report(None, BugReport(title=title, at_ms=T0 + at))


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_as_new_keeps_another_bug_report_of_the_same_events_as_a_copy(store, streamed):
    """A second QA report on a stored session (a bundle of the same events with another
    title and moment): `--as-new` stored nothing and dropped the report, as the events were
    the same (a support engineer's tryout); it is stored beside as `<id>_new`, whole. The
    same report again is stored already; one with no --as-new keeps the stored report."""
    from recorder.bug import from_context

    def imported(context, **opts):
        events = recording(60)
        if streamed:
            return store.import_stream(iter(events), context=context, **opts)
        return store.ingest_outcomes(events, context=context, **opts)
    (first,) = imported(_report("Apply coupon does nothing", 420))
    sid = first.id
    (r,) = imported(_report("Other title", 300))            # (the CLI then keeps the stored)
    assert (r.id, r.outcome) == (sid, Outcome.SAME)
    (r,) = imported(_report("Other title", 300), as_new=True)
    assert (r.id, r.outcome) == (f"{sid}_new", Outcome.NEW)
    held = from_context(store.index.session(f"{sid}_new").context)
    assert (held.title, held.at_ms) == ("Other title", T0 + 300)
    assert from_context(store.index.session(sid).context).title == "Apply coupon does nothing"
    assert stored_events(store, f"{sid}_new") == stored_events(store, sid)
    # each report again finds its own session; a third one gets the next copy
    (r,) = imported(_report("Other title", 300), as_new=True)
    assert (r.id, r.outcome) == (f"{sid}_new", Outcome.SAME)
    (r,) = imported(_report("Apply coupon does nothing", 420), as_new=True)
    assert (r.id, r.outcome) == (sid, Outcome.SAME)
    (r,) = imported(_report("Third", 100), as_new=True)
    assert (r.id, r.outcome) == (f"{sid}_new2", Outcome.NEW)
    # no report in the import: the events are stored already, nothing is copied (found as
    # the original, or - streamed - as the copy its digest is compared with first)
    (r,) = imported(None, as_new=True)
    assert r.outcome is Outcome.SAME and r.id in (sid, f"{sid}_new", f"{sid}_new2")


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_events_out_of_time_order_are_said_only_of_a_file_stored(store, streamed, caplog):
    """"1 event is earlier than an event before it ...: stored in the order it came in" was
    said of a file refused, which stored nothing (a support engineer's tryout); and of one
    stored already. It is said of a file whose events are stored."""
    import logging

    def imported(events, **opts):
        if streamed:
            return store.import_stream(iter(events), **opts)
        return store.ingest_outcomes(events, **opts)

    def order_said() -> bool:
        return any("earlier than an event before" in r.getMessage() for r in caplog.records)
    full = recording(120)
    (sid,) = store.ingest(full)
    shuffled = copy.deepcopy(full)
    shuffled[100], shuffled[110] = shuffled[110], shuffled[100]
    shuffled[50]["data"]["positions"][0]["x"] = 999        # disagrees with the stored one
    with caplog.at_level(logging.WARNING):
        with pytest.raises(ImportConflict):
            imported(shuffled, session_id=sid)
        assert not order_said()
        (r,) = imported(shuffled, session_id=sid, as_new=True)   # stored: said
        assert r.outcome is Outcome.NEW and order_said()
        caplog.clear()
        (r,) = imported(shuffled, session_id=sid, as_new=True)   # stored already: not again
        assert r.outcome is Outcome.SAME and not order_said()


def test_no_advice_to_erase_a_session_compared_in_part():
    """A reviewer's: where stored segments could not be read, nothing in common may be
    only what was compared - the refusal says so, and is not taken for a part recorded
    apart (whose advice is to erase the stored session)."""
    from recorder.ingest import ImportConflict
    r = reconcile([A, C], [B, D])
    assert r.apart and not reconcile([A, B, C], [A, ev(10, 9), C]).apart
    whole = ImportConflict("s1", r.reason, apart=r.apart)
    assert whole.apart and str(whole).endswith(r.reason)
    damaged = ImportConflict("s1", r.reason, apart=r.apart, damaged=2)
    assert not damaged.apart and "another part of the session recorded apart" in str(damaged)
    assert str(damaged).endswith("(2 of the stored session's segments are damaged and were not"
                                 " compared)")
