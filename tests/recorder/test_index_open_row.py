"""A live append reads one session row: the view of the session's last segment and the URL
of its latest view are carried in the row (`OpenSessionInfo`), not looked up in the segments
and views tables on every batch - and what the row carries is what those tables say, after
live appends, imports that extend, a rebuild from the segment files and an upgrade from an
index of schema 3. And the session id a batch names is cleaned in one pass."""
from __future__ import annotations

import sqlite3

from recorder.format import CONSOLE_PLUGIN
from recorder.index import SCHEMA_VERSION, BatchKey, Index
from recorder.store import Store

T0 = 1_700_000_000_000
LATEST = ("SELECT (SELECT view_id FROM segments WHERE session_id=? ORDER BY idx DESC LIMIT 1),"
          " (SELECT url FROM views WHERE session_id=? ORDER BY start_ms DESC LIMIT 1)")


def meta(t, href):
    return {"type": 4, "timestamp": t, "data": {"href": href, "width": 1280, "height": 720}}


def full(t):
    return {"type": 2, "timestamp": t, "data": {"node": {
        "type": 0, "id": 1, "childNodes": [
            {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
                {"type": 2, "id": 3, "tagName": "body", "attributes": {},
                 "childNodes": [{"type": 3, "id": 4, "textContent": "hello"}]}]}]},
        "initialOffset": {"left": 0, "top": 0}}}


def moves(t, n=3):
    return [{"type": 3, "timestamp": t + i * 10,
             "data": {"source": 1, "positions": [{"x": i, "y": 2, "id": 3, "timeOffset": 0}]}}
            for i in range(n)]


def error(t, message):
    return {"type": 6, "timestamp": t, "data": {"plugin": CONSOLE_PLUGIN, "payload": {
        "level": "error", "trace": [], "payload": [f'"{message}"']}}}


# a visit as live batches: new pages, pages shown again, batches of moves only, errors
BATCHES = [
    [meta(T0, "https://shop.example/a"), full(T0 + 1)] + moves(T0 + 2),
    moves(T0 + 1000),
    [meta(T0 + 2000, "https://shop.example/a"), full(T0 + 2001)],   # the same page again
    [error(T0 + 2500, "boom")] + moves(T0 + 2600),
    moves(T0 + 3000),                                                # no view, no error
    [meta(T0 + 4000, "https://shop.example/b"), full(T0 + 4001), error(T0 + 4002, "bang")],
    moves(T0 + 5000),
]


def carried(store, sid):
    row = store.index.open_session(sid)
    return (row.last_view, row.last_url, row.view_count, row.error_count,
            row.error_group_count)


def from_tables(store, sid):
    last_view, last_url = store.index.db.execute(LATEST, (sid, sid)).fetchone()
    counts = store.index.db.execute(
        "SELECT (SELECT count(*) FROM views WHERE session_id=?1), (SELECT count(*) FROM errors"
        " WHERE session_id=?1), (SELECT count(DISTINCT fingerprint) FROM errors WHERE"
        " session_id=?1)", (sid,)).fetchone()
    return (last_view, last_url, *counts)


def test_what_the_row_carries_is_what_the_tables_say_after_every_live_append(tmp_path):
    with Store.open(tmp_path / "d") as store:
        for k, batch in enumerate(BATCHES):
            (sid,) = store.ingest(batch, live=True, session_id="s1", now_ms=T0 + 10_000)
            assert carried(store, sid) == from_tables(store, sid), f"after batch {k}"
        last_view, last_url, views, errors, groups = carried(store, sid)
        assert last_url == "https://shop.example/b" and last_view is not None
        assert (views, errors, groups) == (2, 2, 2)
    (tmp_path / "d" / "index.sqlite3").unlink()
    with Store.open(tmp_path / "d") as store:    # rebuilt from the segment files
        assert carried(store, "s1") == (last_view, last_url, views, errors, groups)


def test_a_live_append_reads_neither_segments_nor_views(tmp_path):
    """The statements of a steady live append (its session open, no new view): three reads
    (the batch id, whether the visit's session was deleted - a key range of a table empty
    but for deletions -, the open session's row), the intent, and one transaction that adds
    the segment and the batch id and updates the row."""
    with Store.open(tmp_path / "d") as store:
        for k, batch in enumerate(BATCHES[:2]):
            store.ingest(batch, live=True, session_id="s1", now_ms=T0 + 10_000,
                         batch=BatchKey("app", "s1", f"b{k}"))
        seen: list[str] = []
        store.index.db.set_trace_callback(seen.append)
        store.ingest(BATCHES[4], live=True, session_id="s1", now_ms=T0 + 10_000,
                     batch=BatchKey("app", "s1", "b4"))
        store.index.db.set_trace_callback(None)
    reads = [s for s in seen if s.startswith("SELECT")]
    assert len(reads) == 3 and not any("FROM segments" in s or "FROM views" in s for s in reads)
    assert sum("FROM deleted" in s for s in reads) == 1
    assert len(seen) <= 12, seen
    # the row is changed in place, not replaced (which rewrites its index entries too)
    assert any(s.startswith("UPDATE sessions SET start_ms=") for s in seen)
    assert not any("INTO sessions" in s for s in seen)


def test_an_import_that_extends_a_live_session_continues_from_its_row(tmp_path):
    """`replay import` of a recording that extends a stored session appends the rest, with
    the view counted as the whole session's would be (the row's last URL)."""
    events = [e for b in BATCHES[:3] for e in b]
    more = events + [meta(T0 + 4000, "https://shop.example/a")] + moves(T0 + 4001)
    with Store.open(tmp_path / "d") as store:
        (sid,) = store.ingest(events, session_id="s2")
        before = carried(store, sid)
        (again,) = store.ingest(more, session_id="s2")
        assert again == sid
        assert carried(store, sid) == from_tables(store, sid)
        assert carried(store, sid)[2] == before[2] == 1   # the same page: no new view


def test_an_index_of_schema_3_gains_what_its_rows_carry(tmp_path):
    """An index written before the rows carried them: opening it fills them in from its
    tables, and the next live append continues from them."""
    with Store.open(tmp_path / "d") as store:
        for batch in BATCHES[:3]:
            store.ingest(batch, live=True, session_id="s1", now_ms=T0 + 10_000)
        expected = from_tables(store, "s1")
    db = sqlite3.connect(tmp_path / "d" / "index.sqlite3")
    db.execute("UPDATE sessions SET last_view=NULL, last_url=NULL")   # as version 3 had none
    db.execute("PRAGMA user_version=3")
    db.commit()
    db.close()
    ix = Index(tmp_path / "d" / "index.sqlite3")
    try:
        assert ix.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        row = ix.open_session("s1")
        assert (row.last_view, row.last_url) == expected[:2] != (None, None)
    finally:
        ix.close()
    with Store.open(tmp_path / "d") as store:
        store.ingest([meta(T0 + 3000, "https://shop.example/a")] + moves(T0 + 3001),
                     live=True, session_id="s1", now_ms=T0 + 10_000)
        assert carried(store, "s1") == from_tables(store, "s1")
        assert carried(store, "s1")[2] == 1   # the page shown again is no new view


def test_a_session_id_keeps_letters_and_digits_of_any_script_and_nothing_unsafe():
    """`clean_id` (asked three times per live batch) keeps exactly what `str.isalnum()`
    calls a letter or digit, and "-", "_", "."; anything else becomes "_", and the id made
    so ends with a hash of the original."""
    from recorder.sessions import clean_id
    for i in range(0x110000):
        c = chr(i)
        kept = clean_id(f"a{c}a") == f"a{c}a"
        assert kept == (c.isalnum() or c in "-_."), hex(i)
    assert clean_id("Sitzung-Größe_1.2") == "Sitzung-Größe_1.2"
    assert clean_id("x" * 128) == "x" * 128
    # any other id is rewritten, and ends with a hash of itself: ids that read alike once
    # rewritten stay apart
    made = {sid: clean_id(sid) for sid in ("  ../../etc/passwd ", "../../etc/passwd", "a b",
                                           "a/b", "...", "", ".a", "x" * 200, "x" * 201)}
    assert len(set(made.values())) == len(made)
    assert made["a b"].startswith("a_b-") and made["..."].startswith("session-")
    assert made["../../etc/passwd"].startswith("_.._etc_passwd-")
    for sid in made.values():
        assert clean_id(sid) == sid and 0 < len(sid) <= 128


def _seg(idx, view):
    from recorder.segments import SegmentMeta
    return SegmentMeta(index=idx, start_ms=idx, end_ms=idx, record_count=1,
                       has_full_snapshot=False, creation_reason="live", view_id=view,
                       file=f"s/{idx}.seg")


def _row(idx, *, append, context=None, user_id=None):
    from recorder.index import SessionInfo, SessionRow
    info = SessionInfo(id="s", application="app", user_id=user_id, user_name=None,
                       user_email=None, start_ms=0, end_ms=idx, duration_ms=idx,
                       first_url=None, view_count=0, error_count=0, frustration_count=0,
                       record_count=idx + 1, bytes=idx + 1, segment_count=idx + 1,
                       context=context)
    return SessionRow(info=info, digest=None, live=True, segments=[_seg(idx, f"v{idx}")],
                      append=append, last_url="https://shop.example/a")


def test_an_append_changes_the_row_in_place_and_writes_it_whole_if_it_is_gone(tmp_path):
    """An append updates what it changes (what another writer set meanwhile - the context
    `replay` adds - stays); a row deleted meanwhile is written whole again, as a replace
    always did."""
    ix = Index(tmp_path / "index.sqlite3")
    try:
        ix.commit(None, [_row(0, append=False, user_id="u1")])
        ix.set_context("s", {"ticket": "T-1"})           # another writer, between two appends
        ix.commit_appends("tok1", [_row(1, append=True)])
        row = ix.open_session("s")
        assert (row.segment_count, row.record_count, row.end_ms) == (2, 2, 1)
        assert (row.context, row.user_id, row.last_view) == ({"ticket": "T-1"}, "u1", "v1")
        assert [s.index for s in ix.segments("s")] == [0, 1]
        ix.db.execute("DELETE FROM sessions WHERE id='s'")
        ix.commit_appends("tok2", [_row(2, append=True, context={"k": 1})])
        row = ix.open_session("s")
        assert (row.segment_count, row.context, row.last_view) == (3, {"k": 1}, "v2")
    finally:
        ix.close()


def click(t, node=3):
    return {"type": 3, "timestamp": t, "data": {"source": 2, "type": 2, "id": node, "x": 5, "y": 5}}


def rum_action(t, name, frustrations=()):
    from recorder.format import RUM_PLUGIN
    return {"type": 6, "timestamp": t, "data": {"plugin": RUM_PLUGIN, "payload": {
        "type": "action", "action": {"type": "click", "target": {"name": name},
                                     "frustration": {"type": list(frustrations)}}}}}


# capture.js's way: a batch's clicks, their RUM actions in the next batch (the plugin decides
# a click's frustration once its activity settled)
ACTION_BATCHES = [
    [meta(T0, "https://shop.example/a"), full(T0 + 1), click(T0 + 100)],
    [rum_action(T0 + 100, "Pay", ["dead_click"]), click(T0 + 900)],
    [rum_action(T0 + 900, "Pay", ["dead_click", "error_click"])] + moves(T0 + 1000),
]


def test_live_batches_count_actions_as_the_whole_session_does(tmp_path):
    """A batch's clicks stand in for actions until the RUM actions made of them come in the
    next batch; adding what each batch showed counted them twice (2 clicks, 2 actions: 4 in
    the list where the player shows 2). The row keeps both counts, and shows one."""
    from recorder.facts import derive_facts

    whole = derive_facts([e for b in ACTION_BATCHES for e in b])
    assert (whole.action_count, whole.frustration_count) == (2, 3)
    with Store.open(tmp_path / "d") as store:
        for batch in ACTION_BATCHES:
            (sid,) = store.ingest(batch, live=True, session_id="s1", now_ms=T0 + 10_000)
        row = store.index.open_session(sid)
        assert (row.action_count, row.frustration_count) == (2, 3)
        assert row.actions.shown == (2, 3) and row.actions.clicks == 2
    (tmp_path / "d" / "index.sqlite3").unlink()
    with Store.open(tmp_path / "d") as store:    # rebuilt from the segment files: the same
        row = store.index.open_session("s1")
        assert (row.action_count, row.frustration_count, row.actions) == (2, 3, whole.actions)


def test_a_row_from_before_the_counts_were_kept_adds_up_as_it_did(tmp_path):
    """An index of schema 4 has no split: its next appends add up what each showed (the
    row's counts were made so), and a rebuild or compaction counts the whole again."""
    with Store.open(tmp_path / "d") as store:
        store.ingest(ACTION_BATCHES[0], live=True, session_id="s1", now_ms=T0 + 10_000)
    db = sqlite3.connect(tmp_path / "d" / "index.sqlite3")
    db.execute("UPDATE sessions SET rum_action_count=NULL, rum_frustration_count=NULL,"
               " click_action_count=NULL, click_frustration_count=NULL")
    db.execute("PRAGMA user_version=4")
    db.commit()
    db.close()
    with Store.open(tmp_path / "d") as store:
        assert store.index.open_session("s1").actions is None
        store.ingest(ACTION_BATCHES[1], live=True, session_id="s1", now_ms=T0 + 10_000)
        row = store.index.open_session("s1")
        assert (row.action_count, row.frustration_count, row.actions) == (2, 1, None)
