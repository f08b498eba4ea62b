"""A live session deleted while its visit goes on (`replay delete` during the visit): the
visit's later batches are refused (`SessionDeleted`, nothing stored) instead of starting a
session without a snapshot under the deleted one's id - the sender begins a new session.
Real SQLite and segment files."""
from __future__ import annotations

import pytest

from recorder.ingest import SessionDeleted
from recorder.sessions import MAX_SESSION_MS
from recorder.store import Store
from tests.recorder.test_store_local import T0, full, meta, move


def visit(t: int) -> list[dict]:
    return [meta(t), full(t + 1), move(t + 2)]


def live(store, events, sid, app="app_1"):
    return store.ingest(events, application=app, live=True, session_id=sid,
                        now_ms=events[-1]["timestamp"] + 1_000)


def test_a_deleted_live_sessions_later_batches_are_refused_and_nothing_stored(tmp_path):
    with Store.open(tmp_path / "d") as store:
        (sid,) = live(store, visit(T0), "visit-1")
        live(store, [move(T0 + 1_000)], "visit-1")
        (other,) = live(store, visit(T0), "visit-2")
        store.delete_session(sid)
        files = sorted(p.name for p in store.root.rglob("*.seg*"))
        with pytest.raises(SessionDeleted, match="visit-1 was deleted"):
            live(store, [move(T0 + 2_000)], "visit-1")
        assert [s.id for s in store.sessions()] == [other]
        assert sorted(p.name for p in store.root.rglob("*.seg*")) == files
        # another visit goes on; the same visit under a new id (capture.js's) is stored
        live(store, [move(T0 + 2_000)], "visit-2")
        (new,) = live(store, visit(T0 + 3_000), "visit-1b")
        assert store.session(new).info.record_count == 3
        assert store.session(other).info.record_count == 4
        # an import is the person's own act: the id is free for it
        (imported,) = store.ingest(visit(T0 + 5_000), session_id="visit-1")
        assert imported == "visit-1"


def test_a_deleted_earlier_part_leaves_the_visits_newest_part_open(tmp_path):
    """A visit over 4 hours goes on as `<id>.<timestamp>`; deleting its first part leaves the
    part the visit is in now, which goes on; deleting that part refuses the visit."""
    with Store.open(tmp_path / "d") as store:
        (first,) = live(store, visit(T0), "long")
        later = T0 + MAX_SESSION_MS + 60_000
        (second,) = live(store, visit(later), "long")
        assert second.startswith("long.") and second != first
        store.delete_session(first)
        assert live(store, [move(later + 1_000)], "long") == [second]
        store.delete_session(second)
        with pytest.raises(SessionDeleted):
            live(store, [move(later + 2_000)], "long")


def test_an_imported_session_deleted_leaves_no_trace_of_its_id(tmp_path):
    """Only sessions an application sent are remembered as deleted (id and start only)."""
    import sqlite3
    with Store.open(tmp_path / "d") as store:
        (sid,) = store.ingest(visit(T0), session_id="imported")
        store.delete_session(sid)
        (app_sid,) = live(store, visit(T0), "sent")
        store.delete_session(app_sid)
    db = sqlite3.connect(tmp_path / "d" / "index.sqlite3")
    assert db.execute("SELECT id, start_ms FROM deleted").fetchall() == [("sent", T0)]
