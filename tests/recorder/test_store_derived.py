"""Derived data the store keeps beside a session (recorder.derived: the player's keyframe
index): served only for exactly the segments it was built from, gone from disk whenever
the session's stored events change or the session goes - one test per path that writes a
session's segments - and never half read. Real SQLite and files."""
from __future__ import annotations

import logging

import pytest

from recorder import derived
from recorder.sessions import INACTIVITY_MS
from recorder.store import Store
from tests.recorder.test_store_local import T0, move, page

NAME, PARAMS = "keyframes", "export=1;interval=1000"
BLOB = b"an index of the session " * 50


def keep(store, sid, blob=BLOB, params=PARAMS) -> bool:
    with store.session(sid) as r:
        return store.keep_derived(r, NAME, params, blob)


def served(store, sid, params=PARAMS):
    with store.session(sid) as r:
        return store.derived(r, NAME, params)


def on_disk(store) -> list[str]:
    base = store.root / derived.DERIVED_DIR
    return sorted(p.name for p in base.rglob("*") if p.is_file()) if base.is_dir() else []


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "data") as s:
        yield s


@pytest.fixture
def sid(store):
    (sid,) = store.ingest(page(T0, 30))
    assert keep(store, sid)
    assert on_disk(store) == ["keyframes.bin"]
    return sid


def gone(store, sid) -> None:
    """Nothing of the blob is left: not served, and not on disk (it held the old version)."""
    assert on_disk(store) == []
    assert served(store, sid) is None


# --- round trip, stale, damaged --------------------------------------------------------
def test_the_blob_round_trips_for_the_same_version(store, sid, tmp_path):
    assert served(store, sid) == BLOB
    with Store.open(store.root) as again:      # another process, the same version
        assert served(again, sid) == BLOB
    (other,) = store.ingest(page(T0 + 86_400_000, 5))
    assert served(store, other) is None        # one session's blob is not another's


def test_other_params_are_never_served_the_blob(store, sid):
    assert served(store, sid, params="export=1;interval=500") is None
    assert served(store, sid) is None          # one blob per name: the stale one went
    assert on_disk(store) == []


@pytest.mark.parametrize("damage", ["cut", "flipped", "empty", "foreign"])
def test_a_cut_off_or_damaged_blob_is_ignored_and_removed(store, sid, damage, caplog):
    path = derived.path_of(store.root, sid, NAME)
    data = path.read_bytes()
    path.write_bytes({"cut": data[: len(data) // 2], "empty": b"",
                      "flipped": data[:-5] + bytes([data[-5] ^ 1]) + data[-4:],
                      "foreign": b"not a blob of ours at all, but long enough" * 3}[damage])
    with caplog.at_level(logging.DEBUG):
        assert served(store, sid) is None
    assert not path.exists()
    assert not any(r.exc_info for r in caplog.records)   # said in one line, no traceback


def test_a_reader_of_a_replaced_version_keeps_nothing(store, sid):
    """A player that read the session before a re-mask finishes its index after it: the
    index of the old version (holding what the re-mask masks) never reaches the disk."""
    old = store.session(sid)
    store.replace_session(sid, page(T0, 12))
    assert not store.keep_derived(old, NAME, PARAMS, BLOB)
    old.close()
    gone(store, sid)


def test_a_reader_that_met_a_damaged_segment_keeps_nothing(store, sid):
    with store.session(sid) as r:
        r.damaged.append(0)   # as a segment that failed its checksum leaves it
        assert not store.keep_derived(r, NAME, PARAMS, BLOB)


# --- every path that changes a session's segments drops it -------------------------------
def test_replace_session_drops_it(store, sid):
    store.replace_session(sid, page(T0, 12))
    gone(store, sid)


def test_a_new_context_drops_it(store, sid):
    # (the session is written again with its context in its first segment)
    assert store.add_context(sid, {"ticket": "T-1"}).added == ["ticket"]
    gone(store, sid)


def test_delete_session_drops_it(store, sid):
    store.delete_session(sid)
    assert on_disk(store) == []
    assert not (store.root / derived.DERIVED_DIR).exists()


def test_an_import_that_extends_the_session_drops_it(store):
    (sid,) = store.ingest(page(T0, 30), session_id="rec-1")
    assert keep(store, sid)
    # the same recording again, longer: the rest is appended
    assert store.ingest(page(T0, 40), session_id="rec-1") == [sid]
    assert store.session(sid).info.record_count == 42
    gone(store, sid)


def test_a_streamed_import_that_extends_the_session_drops_it(store):
    (sid,) = store.ingest(page(T0, 30), session_id="rec-1")
    assert keep(store, sid)
    stored = store.import_stream(iter(page(T0, 40)), session_id="rec-1")
    assert [s.id for s in stored] == [sid] and stored[0].added == 10
    gone(store, sid)


def _live(store) -> str:
    (sid,) = store.ingest(page(T0, 20), live=True, session_id="client-1", now_ms=T0 + 60_000)
    store.ingest([move(T0 + 5_000)], live=True, session_id="client-1", now_ms=T0 + 60_000)
    assert keep(store, sid)
    return sid


def test_a_live_append_drops_it(store):
    sid = _live(store)
    store.ingest([move(T0 + 6_000)], live=True, session_id="client-1", now_ms=T0 + 60_000)
    gone(store, sid)


def test_compaction_drops_it(store):
    sid = _live(store)
    assert store.compact_idle(now_ms=T0 + 5_000 + INACTIVITY_MS + 1) == [sid]
    gone(store, sid)


def test_a_rewrite_that_stops_using_a_dictionary_drops_it(tmp_path):
    with Store.open(tmp_path / "d", max_segment_records=20) as store:
        learnt = [store.ingest(page(T0 + k * 86_400_000, 400, href=f"https://s.example/{k}"))[0]
                  for k in range(4)]
        store.train_dictionary(learnt[:1], size=8 * 1024)
        (sid,) = store.ingest(page(T0 + 9 * 86_400_000, 60, href="https://s.example/new"))
        assert keep(store, sid)
        store.delete_session(learnt[0])   # the dictionary goes: sid is written without it
        gone(store, sid)


def test_an_index_rebuilt_on_open_drops_it(store, sid):
    root = store.root
    store.close()
    for suffix in ("", "-wal", "-shm"):
        (root / f"index.sqlite3{suffix}").unlink(missing_ok=True)
    with Store.open(root) as again:   # the lost index is rebuilt from the segment files
        assert again.recovered.rebuilt == [sid]
        gone(again, sid)


def test_repair_drops_it_for_a_session_whose_segment_it_sets_aside(tmp_path):
    with Store.open(tmp_path / "d", max_segment_records=10) as store:
        (sid,) = store.ingest(page(T0, 30))
        assert keep(store, sid)
        seg = store.root / store.session(sid).segments[1].file
        seg.write_bytes(b"torn")
        report = store.repair()
        assert list(report.damaged.values()) == [sid]
        assert on_disk(store) == []


def test_repair_drops_what_a_session_no_longer_stored_left(store, sid):
    folder = derived.session_folder(store.root, sid)
    ghost = derived.session_folder(store.root, "gone-session")
    ghost.parent.mkdir(parents=True, exist_ok=True)
    ghost.mkdir()
    (ghost / "keyframes.bin").write_bytes(b"left by an erasure that stopped half-way")
    store.repair()
    assert not ghost.exists() and (folder / "keyframes.bin").exists()   # its own stays
    assert served(store, sid) == BLOB
