"""The local store: ingest, sessions, index facts, reading, rewriting, crash safety."""
from __future__ import annotations

import copy
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from recorder.format import CONSOLE_PLUGIN, RUM_PLUGIN
from recorder.privacy.echoes import Echoes
from recorder.segments import LIVE, Codec
from recorder.sessions import INACTIVITY_MS, MAX_SESSION_MS, hashed_session_id
from recorder.source import RecordingSource
from recorder.store import LocalStore, Outcome, SessionReader, Store

T0 = 1_700_000_000_000
MIN = 60_000


def meta(t, href="https://shop.example/cart"):
    return {"type": 4, "timestamp": t, "data": {"href": href, "width": 1280, "height": 720}}


def full(t):
    return {"type": 2, "timestamp": t, "data": {"node": {
        "type": 0, "id": 1, "childNodes": [
            {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
                {"type": 2, "id": 3, "tagName": "body", "attributes": {"class": "x"},
                 "childNodes": [{"type": 3, "id": 4, "textContent": "hello"}]}]}]},
        "initialOffset": {"left": 0, "top": 0}}}


def move(t, x=1):
    return {"type": 3, "timestamp": t,
            "data": {"source": 1, "positions": [{"x": x, "y": 2, "id": 3, "timeOffset": 0}]}}


def page(t, n=20, href="https://shop.example/cart"):
    return [meta(t, href), full(t + 1)] + [move(t + 2 + i * 100, i) for i in range(n)]


@pytest.fixture
def store(tmp_path) -> LocalStore:
    s = Store.open(tmp_path / "data")
    yield s
    s.close()


def test_ingest_then_read_gives_the_same_events(store, demo_events):
    ids = store.ingest(copy.deepcopy(demo_events))
    assert len(ids) == 1
    reader = store.session(ids[0])
    assert isinstance(reader, SessionReader) and isinstance(reader, RecordingSource)
    assert list(reader.events()) == demo_events
    info = reader.info
    assert info.record_count == 272 and info.view_count == 1
    assert info.start_ms == demo_events[0]["timestamp"]
    assert info.duration_ms == demo_events[-1]["timestamp"] - demo_events[0]["timestamp"]
    assert info.first_url == demo_events[0]["data"]["href"]
    assert info.bytes == sum(s.bytes for s in reader.segments) > 0
    # the recording's own consistent sessionId is the id
    assert ids[0] == demo_events[0]["sessionId"]


def test_reimport_does_not_duplicate(store, demo_events):
    a = store.ingest(demo_events)
    files = sorted(p.name for p in store.root.rglob("*.seg"))
    b = store.ingest(demo_events)
    assert a == b
    assert len(store.sessions()) == 1
    assert sorted(p.name for p in store.root.rglob("*.seg")) == files  # nothing rewritten


def test_hash_ids_are_deterministic_and_prefixes_resolve(tmp_path):
    evs = page(T0)
    with Store.open(tmp_path / "a") as a, Store.open(tmp_path / "b") as b:
        (ia,) = a.ingest(copy.deepcopy(evs))
        (again,) = a.ingest_outcomes(copy.deepcopy(evs))
        assert (again.id, again.outcome) == (ia, Outcome.SAME)
        (ib,) = b.ingest(evs)
        assert ia == ib == hashed_session_id(evs)
        assert a.session(ia[:6]).id == ia
        with pytest.raises(KeyError):
            a.session("zzzz-not-there")


def test_unknown_types_sources_and_fields_survive(store):
    evs = page(T0, 3)
    evs[2]["futureField"] = {"nested": [1, 2.5, None, True]}
    evs.insert(3, {"type": 42, "timestamp": T0 + 5, "data": {"anything": "goes"}, "x": 1})
    evs.insert(4, {"type": 3, "timestamp": T0 + 6, "data": {"source": 77, "payload": [1]}})
    (sid,) = store.ingest(copy.deepcopy(evs))
    assert list(store.session(sid).events()) == evs


def test_order_is_kept_even_when_timestamps_step_back(store):
    evs = page(T0, 5)
    evs[4]["timestamp"] = evs[2]["timestamp"] - 50   # a late-stamped mouse batch
    (sid,) = store.ingest(copy.deepcopy(evs))
    assert list(store.session(sid).events()) == evs


def test_inactivity_and_max_duration_split_sessions(store):
    first = page(T0)
    after_gap = page(first[-1]["timestamp"] + INACTIVITY_MS + 1)
    just_inside = page(after_gap[-1]["timestamp"] + INACTIVITY_MS)  # exactly 15 min: same
    ids = store.ingest(first + after_gap + just_inside)
    assert len(ids) == 2 and ids[0] != ids[1]
    assert [s.record_count for s in sorted(store.sessions(), key=lambda s: s.start_ms)] == \
        [len(first), len(after_gap) + len(just_inside)]
    # 4 h cap: events every 10 min (never inactive) for 5 h
    long = [meta(T0), full(T0 + 1)] + [move(T0 + 2 + k * 10 * MIN) for k in range(31)]
    ids = store.ingest(long)
    assert len(ids) == 2
    infos = sorted((store.session(i).info for i in ids), key=lambda s: s.start_ms)
    assert infos[0].duration_ms <= MAX_SESSION_MS
    # the 4 h cut fell mid-page: the second session opens with a snapshot made for it
    assert infos[0].record_count + infos[1].record_count == len(long) + 2


def test_one_recording_id_over_two_sessions_gets_distinct_ids(store, demo_events):
    later = copy.deepcopy(demo_events)
    for e in later:
        e["timestamp"] += 3600 * 1000
    ids = store.ingest(copy.deepcopy(demo_events) + later)
    assert ids == [demo_events[0]["sessionId"], demo_events[0]["sessionId"] + "-2"]


def rum(t, payload):
    return {"type": 6, "timestamp": t, "data": {"plugin": RUM_PLUGIN, "payload": payload}}


def test_index_facts_views_errors_frustration_user(store):
    evs = page(T0, 3, href="https://shop.example/home")
    evs += [
        rum(T0 + 10, {"type": "view", "view": {"id": "view-a", "url": "https://shop.example/home"},
                      "usr": {"id": "u1", "name": "Ada", "email": "ada@example.com"}}),
        rum(T0 + 11, {"type": "view", "view": {"id": "view-a", "url": "https://shop.example/home"}}),
        rum(T0 + 12, {"type": "action", "action": {"type": "click",
                                                   "frustration": {"type": ["rage_click", "error_click"]}}}),
        rum(T0 + 13, {"type": "action", "action.frustration.type": ["dead_click"]}),  # flattened
        rum(T0 + 14, {"type": "error", "error": {"message": "TypeError: x is undefined",
                                                 "source": "source"}}),
        rum(T0 + 15, {"type": "view", "view": {"id": "view-b", "url": "https://shop.example/pay"}}),
        {"type": 6, "timestamp": T0 + 16, "data": {"plugin": CONSOLE_PLUGIN, "payload": {
            "level": "error", "trace": [], "payload": ['"boom"']}}},
        {"type": 6, "timestamp": T0 + 17, "data": {"plugin": CONSOLE_PLUGIN, "payload": {
            "level": "warn", "trace": [], "payload": ['"meh"']}}},
        {"type": 3, "timestamp": T0 + 18, "data": {"source": 11, "level": "error",
                                                    "trace": [], "payload": ['"legacy"']}},
    ]
    (sid,) = store.ingest(evs)
    info = store.session(sid).info
    assert info.view_count == 2          # distinct RUM view ids (Meta not counted twice)
    assert info.error_count == 3         # rum + console error + Log source error
    assert info.frustration_count == 3
    assert (info.user_id, info.user_name, info.user_email) == ("u1", "Ada", "ada@example.com")
    assert info.first_url == "https://shop.example/home"
    assert [k for _, k, _ in store.index.errors(sid)] == ["rum", "console", "log"]
    assert store.index.users()[0][:3] == ("u1", "Ada", "ada@example.com")


def test_session_filters(store):
    a = store.ingest(page(T0, href="https://shop.example/cart"), user={"id": "u1", "email": "a@x.io"})
    b_events = page(T0 + 5 * 3600 * 1000, href="https://blog.example/post")
    b_events.append({"type": 3, "timestamp": b_events[-1]["timestamp"] + 1, "data": {
        "source": 11, "level": "error", "trace": [], "payload": ['"x"']}})
    b = store.ingest(b_events, user={"id": "u2", "name": "Bo"})
    ids = lambda rows: [r.id for r in rows]  # noqa: E731
    assert ids(store.sessions()) == b + a                  # newest first
    assert ids(store.sessions(user="A@X")) == a            # email, case-insensitive
    assert ids(store.sessions(user="bo")) == b
    assert ids(store.sessions(url="blog.example")) == b
    assert ids(store.sessions(has_errors=True)) == b
    assert ids(store.sessions(has_errors=False)) == a
    assert ids(store.sessions(since_ms=T0 + 3600 * 1000)) == b


def test_user_and_url_filters_match_any_script_in_any_case(store):
    """SQLite's lower() folds ASCII alone: `--user "Émile Zola"`, typed exactly, found no
    session, while `replay delete --user` (casefold) found it and named that very command
    (a newcomer's). Names and URLs match in any case in every script, `ß` as `ss`."""
    people = [({"id": "Ünal-42", "name": "Ünal Çelik"}, "https://shop.example/größe"),
              ({"id": "u7", "name": "Émile Zola"}, "https://shop.example/ÉTÉ"),
              ({"id": "u8", "name": "Ελένη Παπαδοπούλου"}, "https://blog.example/post")]
    got = {}
    for k, (user, href) in enumerate(people):
        (got[user["name"]],) = store.ingest(page(T0 + k * 3600_000, href=href), user=user)
    ids = lambda **f: {r.id for r in store.sessions(**f)}  # noqa: E731
    for typed, name in (("Émile Zola", "Émile Zola"), ("émile", "Émile Zola"),
                        ("ÉMILE", "Émile Zola"), ("ünal-42", "Ünal Çelik"),
                        ("ÇELIK", "Ünal Çelik"), ("ελένη", "Ελένη Παπαδοπούλου"),
                        ("ΠΑΠΑΔΟΠΟΎΛΟΥ", "Ελένη Παπαδοπούλου")):
        assert ids(user=typed) == {got[name]}, typed
        assert store.index.count_sessions(user=typed) == 1, typed
    assert ids(url="GRÖSSE") == ids(url="größe") == {got["Ünal Çelik"]}
    assert ids(url="été") == {got["Émile Zola"]}
    assert ids(user="Zoë") == set() and ids(user="%") == set()   # (a percent sign as typed)


def test_segment_at_gives_random_access_by_time(tmp_path):
    with Store.open(tmp_path / "d", max_segment_records=10) as store:
        evs = page(T0, 45)
        (sid,) = store.ingest(evs)
        r = store.session(sid)
        assert len(r.segments) == 5
        for e in evs:
            seg = r.read_segment(r.segment_at(e["timestamp"]))
            assert e in seg
        assert r.segment_at(T0 - 10_000) == 0
        assert r.segment_at(T0 + 10**9) == len(r.segments) - 1


def _damage(path: Path, how: str) -> None:
    blob = path.read_bytes()
    if how == "truncate":
        path.write_bytes(blob[: len(blob) // 2])
    else:
        b = bytearray(blob)
        b[len(b) // 2] ^= 0xFF
        path.write_bytes(bytes(b))


@pytest.mark.parametrize("how", ["truncate", "flip"])
def test_damaged_last_segment_is_skipped_and_earlier_data_returned(tmp_path, caplog, how):
    with Store.open(tmp_path / "d", max_segment_records=10) as store:
        evs = page(T0, 28)
        (sid,) = store.ingest(evs)
        r = store.session(sid)
        _damage(store.root / r.segments[-1].file, how)
        with caplog.at_level(logging.WARNING):
            got = list(r.events())
        assert got == evs[: sum(s.record_count for s in r.segments[:-1])]
        assert r.damaged == [len(r.segments) - 1]
        assert "skipped" in caplog.text
        assert r.read_segment(0) == evs[:10]


def test_replace_session_is_atomic_and_keeps_index_right(store):
    (sid,) = store.ingest(page(T0, 10), user={"id": "u9"}, application="shop")
    old_files = {s.file for s in store.session(sid).segments}
    new = page(T0, 4)
    new.append({"type": 6, "timestamp": T0 + 999, "data": {"plugin": CONSOLE_PLUGIN, "payload": {
        "level": "error", "trace": [], "payload": ['"x"']}}})
    store.replace_session(sid, new)
    r = store.session(sid)
    assert list(r.events()) == new
    assert r.info.record_count == len(new) and r.info.error_count == 1
    assert r.info.user_id == "u9" and r.info.application == "shop"
    assert not any((store.root / f).exists() for f in old_files)


def test_delete_session_removes_rows_and_files(store):
    (sid,) = store.ingest(page(T0))
    store.delete_session(sid)
    assert store.sessions() == []
    assert not list(store.root.rglob("*.seg"))
    with pytest.raises(KeyError):
        store.session(sid)


def test_live_appends_then_compact(tmp_path):
    with Store.open(tmp_path / "d") as store:
        evs = page(T0, 60)
        batches = [evs[i: i + 7] for i in range(0, len(evs), 7)]
        for b in batches:
            (sid,) = store.ingest(b, live=True, session_id="client-1", now_ms=T0 + 60_000)
        assert sid == "client-1"
        r = store.session(sid)
        assert len(r.segments) == len(batches)
        assert {s.creation_reason for s in r.segments[1:]} == {LIVE}
        assert r.info.record_count == len(evs)
        assert r.info.view_count == 1
        assert list(r.events()) == evs
        assert store.compact_idle(now_ms=evs[-1]["timestamp"] + 60_000) == []   # still open
        assert store.compact_idle(now_ms=evs[-1]["timestamp"] + INACTIVITY_MS + 1) == [sid]
        assert store.compact_idle(now_ms=evs[-1]["timestamp"] + INACTIVITY_MS + 1) == []
        r2 = store.session(sid)
        assert len(r2.segments) == 1 and list(r2.events()) == evs
        assert r2.info.record_count == len(evs)
        assert len(list(store.root.rglob("*.seg"))) == 1
        # a batch after 15 minutes of silence starts a new session under the client's id
        late = [move(evs[-1]["timestamp"] + INACTIVITY_MS + 5)]
        (sid2,) = store.ingest(late, live=True, session_id="client-1", now_ms=T0 + 3600_000)
        assert sid2.startswith("client-1.") and sid2 != sid


def test_masker_runs_per_session_before_anything_is_stored(store):
    made = []

    class Upper:
        def __init__(self):
            self.echoes = Echoes()    # nothing typed: no second pass
            self.owner = None         # (ingest.Masker: the session's user, none here)
            made.append(self)

        def mask(self, events):
            out = copy.deepcopy(events)
            for e in out:
                if e["type"] == 2:
                    e["data"]["node"]["childNodes"][0]["childNodes"][0]["childNodes"][0][
                        "textContent"] = "xxxxx"
            return out

        def mask_context(self, context):
            return context

    first = page(T0)
    second = page(first[-1]["timestamp"] + INACTIVITY_MS + 1)
    ids = store.ingest(first + second, masker_factory=Upper)
    assert len(made) == 2
    for sid in ids:
        assert b"hello" not in b"".join(p.read_bytes() for p in store.root.rglob("*.seg"))
        texts = [e for e in store.session(sid).events() if e["type"] == 2]
        assert "xxxxx" in repr(texts)


def test_trained_dictionary_is_used_and_travels_in_the_segment_header(tmp_path):
    with Store.open(tmp_path / "d", max_segment_records=20) as store:
        for k in range(4):
            store.ingest(page(T0 + k * 86_400_000, 400, href=f"https://s.example/{k}"))
        dict_id = store.train_dictionary(size=8 * 1024)
        (sid,) = store.ingest(page(T0 + 9 * 86_400_000, 60, href="https://s.example/new"))
        r = store.session(sid)
        assert list(r.events()) == page(T0 + 9 * 86_400_000, 60, href="https://s.example/new")
        assert (store.root / "dicts" / f"{dict_id}.zdict").exists()
    with Store.open(tmp_path / "d") as again:   # a fresh process finds the dictionary
        assert len(list(again.session(sid).events())) == 62


_CRASHER = textwrap.dedent("""
    import os, sys
    from recorder.store import Store
    from recorder.index import Index
    sys.path.insert(0, sys.argv[2])
    from test_store_local import page, T0
    def die(self, *a, **k):
        os._exit(17)            # the process dies after the segment files are durable
    Index.commit = die
    Store.open(sys.argv[1]).ingest(page(T0 + 10**7, 30))
""")


def test_crash_between_files_and_index_leaves_nothing_behind(tmp_path, store):
    (kept,) = store.ingest(page(T0, 5))
    before = sorted(p.relative_to(store.root) for p in store.root.rglob("*.seg"))
    proc = subprocess.run([sys.executable, "-c", _CRASHER, str(store.root),
                           str(Path(__file__).parent)], capture_output=True, text=True,
                          cwd=Path(__file__).parents[2])
    assert proc.returncode == 17, proc.stderr
    # the dead writer left its files and its pending intent; no index row points anywhere new
    assert len(list(store.root.rglob("*.seg"))) > len(before)
    assert [s.id for s in store.sessions()] == [kept]
    with Store.open(store.root) as reopened:      # open cleans up
        assert sorted(p.relative_to(store.root) for p in store.root.rglob("*.seg")) == before
        assert reopened.index.pending() == []
        assert [s.id for s in reopened.sessions()] == [kept]
        assert len(list(reopened.session(kept).events())) == 7


def test_unfinished_and_undecodable_files_are_cleared_from_the_segments_on_open(tmp_path):
    """A torn temp file is removed; a file that is not a segment is moved out of segments/."""
    root = tmp_path / "d"
    with Store.open(root) as s:
        (sid,) = s.ingest(page(T0))
    stray = root / "segments" / "zz" / "ghost" / "000000-abc.seg"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"half a segment")
    (root / "segments" / "zz" / "ghost" / "000001-abc.seg.tmp").write_bytes(b"torn")
    with Store.open(root) as s:
        assert not stray.exists()
        assert not (root / "segments" / "zz").exists()
        assert len(list(s.session(sid).events())) == 22


def test_data_dir_is_created_and_index_is_wal(tmp_path):
    root = tmp_path / "new" / "deeper"
    with Store.open(root) as s:
        assert (root / "index.sqlite3").exists()
        assert s.index.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert os.path.isdir(root)


def test_a_session_cut_without_a_snapshot_gets_one_built_by_the_mirror(store, demo_events):
    from recorder.mirror import Mirror
    evs = copy.deepcopy(demo_events)
    cut = 150
    for e in evs[cut:]:
        e["timestamp"] += INACTIVITY_MS + 1000      # the user left the tab, then came back
    assert evs[cut]["type"] == 3
    ids = store.ingest(copy.deepcopy(evs))
    assert len(ids) == 2
    first, second = (list(store.session(i).events()) for i in ids)
    assert first == evs[:cut]
    made, rest = second[:2], second[2:]
    assert rest == evs[cut:]
    assert [e["type"] for e in made] == [4, 2]
    assert all(e["replay:synthetic"] == "session-split" for e in made)
    assert made[0]["timestamp"] == made[1]["timestamp"] == evs[cut]["timestamp"]
    assert made[0]["data"]["href"] == evs[0]["data"]["href"]
    # the second session alone rebuilds the same page as the whole recording
    alone, whole = Mirror().apply_all(second), Mirror().apply_all(evs)
    assert alone.to_serialized() == whole.to_serialized()
    assert sum(alone.warnings.values()) == sum(whole.warnings.values())
    # and its id is still the recording's own (synthetic events do not break it)
    assert ids[1] == evs[0]["sessionId"] + "-2"


def test_an_index_of_schema_1_gains_the_per_tab_counts(tmp_path):
    import sqlite3

    from recorder.index import SCHEMA_VERSION, Index
    db = sqlite3.connect(tmp_path / "index.sqlite3")
    db.executescript("""
        CREATE TABLE sessions (id TEXT PRIMARY KEY, application TEXT, user_id TEXT, user_name TEXT,
            user_email TEXT, start_ms REAL NOT NULL, end_ms REAL NOT NULL, duration_ms REAL NOT NULL,
            first_url TEXT, view_count INTEGER NOT NULL, error_count INTEGER NOT NULL,
            frustration_count INTEGER NOT NULL, record_count INTEGER NOT NULL, bytes INTEGER NOT NULL,
            segment_count INTEGER NOT NULL, digest TEXT, context TEXT, live INTEGER NOT NULL DEFAULT 0,
            created_ms INTEGER NOT NULL);
        CREATE TABLE errors (session_id TEXT NOT NULL, ts REAL NOT NULL, kind TEXT NOT NULL, message TEXT);
        INSERT INTO sessions VALUES ('old', NULL, 'u1', NULL, NULL, 1, 2, 1, 'https://x.test/', 1, 1,
                                     0, 5, 10, 1, NULL, NULL, 0, 0);
        INSERT INTO errors VALUES ('old', 1.5, 'rum', 'boom');
        PRAGMA user_version=1;""")
    db.close()
    ix = Index(tmp_path / "index.sqlite3")
    try:
        (info,) = ix.sessions(user="u1")
        assert (info.id, info.error_count, info.error_group_count, info.resource_count,
                info.action_count) == ("old", 1, 0, 0, 0)
        assert ix.errors("old") == [(1.5, "rum", "boom")]
        assert ix.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        ix.close()


def test_an_index_of_schema_2_keeps_its_batch_ids_without_digest(tmp_path):
    """Batch ids remembered before digests were kept still answer (count only), and new
    ones are written with their digest."""
    import sqlite3

    from recorder.index import SCHEMA_VERSION, AcceptedBatch, BatchKey, Index
    db = sqlite3.connect(tmp_path / "index.sqlite3")
    db.executescript("""
        CREATE TABLE batches (application TEXT NOT NULL, client_session TEXT NOT NULL,
            batch_id TEXT NOT NULL, accepted INTEGER NOT NULL, created_ms INTEGER NOT NULL,
            PRIMARY KEY (application, client_session, batch_id)) WITHOUT ROWID;
        INSERT INTO batches VALUES ('app_1', 's', 'old', 3, 0);
        PRAGMA user_version=2;""")
    db.close()
    ix = Index(tmp_path / "index.sqlite3")
    try:
        old, new = BatchKey("app_1", "s", "old"), BatchKey("app_1", "s", "new")
        assert ix.batch_accepted(old) == AcceptedBatch(old, 3, None)
        ix.commit(None, [], batch=AcceptedBatch(new, 2, "d1"))
        assert ix.batch_accepted(new) == AcceptedBatch(new, 2, "d1")
        assert ix.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        ix.close()


def test_a_live_append_counts_views_as_the_whole_session_would(tmp_path):
    """A batch that starts with its page's Meta again (a recorder's periodic checkout, a
    resent batch) is no new view: the live index and a rebuild from the segment files (what
    `replay repair` derives from the whole session) agree."""
    def batch(t, href):
        return page(t, 3, href=href)

    with Store.open(tmp_path / "d") as store:
        for k, href in enumerate(["https://shop.example/a", "https://shop.example/a",
                                  "https://shop.example/b", "https://shop.example/b"]):
            (sid,) = store.ingest(batch(T0 + k * 1000, href), live=True, session_id="s1",
                                  now_ms=T0 + 10_000)
        live = store.session(sid).info.view_count
    (tmp_path / "d" / "index.sqlite3").unlink()
    with Store.open(tmp_path / "d") as store:   # rebuilt from the segment files
        rebuilt = store.session("s1").info.view_count
    assert live == rebuilt == 2


@pytest.mark.parametrize("recorded_id", ["jane@example.com", "cust-078-05-1120",
                                         "4111111111111111"])
def test_an_id_holding_personal_data_still_names_its_session(tmp_path, recorded_id):
    """A recording whose own id holds personal data is stored under a keyed hash of it; the
    id an erasure request gives (an e-mail, a customer number holding an SSN, a card number)
    finds it - also one that is a safe file name as it is - and another person's does not."""
    with Store.open(tmp_path / "d") as store:
        (stored,) = store.ingest_outcomes(page(T0), session_id=recorded_id)
        assert stored.id.startswith("session-") and recorded_id not in stored.id
        assert store.resolve(recorded_id) == stored.id
        with pytest.raises(KeyError):
            store.resolve("someone.else@example.com")
