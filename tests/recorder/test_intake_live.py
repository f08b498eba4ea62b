"""Live batches through the intake's `LiveIntake` (two of them on one data folder stand for
two worker processes): each session's masker state carries across requests and across
workers, so what is hidden stays hidden and nothing visible is dropped."""
from __future__ import annotations

import hashlib
import json
import time

import pytest

from recorder.intake.apps import Applications
from recorder.intake.live import LiveIntake
from recorder.intake.wire import Batch, User, WireError
from recorder.privacy import parse_rules
from recorder.privacy.preview import html_to_events
from recorder.segments import T_TREES, read_header
from recorder.store import Store

PAGE = """<!DOCTYPE html><html><head></head><body>
<div id="vault"><p id="deep">account 1234</p></div>
<ul id="list"><li id="first">one</li></ul>
</body></html>"""
RULES = 'default = "allow"\ndetectors = []\n[[rule]]\nselector = "#vault"\nlevel = "hidden"\n'


def _ids(events):
    ids, stack = {}, [events[1]["data"]["node"]]
    while stack:
        n = stack.pop()
        if (n.get("attributes") or {}).get("id"):
            ids[n["attributes"]["id"]] = n["id"]
        stack.extend(n.get("childNodes") or ())
    return ids


def _page(ts, href="https://shop.example/"):
    """PAGE as a recorder sends it, every event at `ts`."""
    events = html_to_events(PAGE, href=href)
    for e in events:
        e["timestamp"] = ts
    return events


def _shop_intake(tmp_path):
    """A data folder with application `shop` and a live intake on it (the folder's rules
    RULES): (folder, applications, shop, intake)."""
    data = tmp_path / "data"
    data.mkdir()
    apps = Applications(data)
    app, _token = apps.create("shop")
    return data, apps, app, LiveIntake(Store.open(data), parse_rules(RULES))


def _add(ts, parent, nid, text):
    return {"type": 3, "timestamp": ts, "data": {
        "source": 0, "texts": [], "attributes": [], "removes": [],
        "adds": [{"parentId": parent, "nextId": None, "node": {
            "type": 2, "id": nid, "tagName": "li", "attributes": {}, "childNodes": [
                {"type": 3, "id": nid + 1, "textContent": text}]}}]}}


def test_hidden_stays_hidden_and_visible_chain_survives_alternating_workers(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    apps = Applications(data)
    app, _token = apps.create("shop")
    app = apps.set_rules(app.name, RULES)   # the application's own rules: #vault hidden
    t0 = int(time.time() * 1000) - 30_000
    first = html_to_events(PAGE, href="https://shop.example/")
    for e in first:
        e["timestamp"] = t0
    ids = _ids(first)
    workers = [LiveIntake(Store.open(data), parse_rules('default = "mask"')) for _ in range(2)]
    batches = [first]
    parent = ids["list"]
    for k in range(1, 10):
        nid = 1000 + 10 * k   # each visible item goes under the one the previous batch added
        batches.append([_add(t0 + k, parent, nid, f"visible {k}"),
                        _add(t0 + k, ids["vault"], nid + 5, f"secret {k}")])
        parent = nid
    for k, events in enumerate(batches):
        sid = workers[k % 2].accept(app, Batch(session_id="visit-1", events=events,
                                               user=User(id="u1")))
        assert sid == ["visit-1"]
    with Store.open(data) as store, store.session("visit-1") as reader:
        stored = list(reader.events())
    text = json.dumps(stored)
    assert "secret" not in text and "1234" not in text
    assert all(f"visible {k}" in text for k in range(1, 10))   # no worker dropped a node
    assert '"data-replay-privacy": "hidden"' in text             # the vault, emptied
    apps.close()


def test_a_later_batchs_other_user_is_not_the_sessions_owner_on_any_worker(tmp_path):
    """The session is filed under the first batch's user (ann@); a later batch says another
    user (bob@) and the page identifies bob. The worker that had masked batch 1 kept ann as
    the owner and masked bob's email; the other worker, its masker made again from what is
    stored, took bob for the owner and stored his email in clear. Both mask it now."""
    data = tmp_path / "data"
    data.mkdir()
    apps = Applications(data)
    app, _ = apps.create("shop")
    t0 = int(time.time() * 1000) - 30_000
    first = html_to_events(PAGE, href="https://shop.example/")
    for e in first:
        e["timestamp"] = t0
    workers = [LiveIntake(Store.open(data), parse_rules('detectors = ["email"]')) for _ in range(2)]
    workers[0].accept(app, Batch(session_id="visit-1", events=first,
                                 user=User(id="ann@example.com")))
    who = {"type": 5, "timestamp": t0 + 5, "data": {"tag": "identify", "payload": {
        "id": "bob@example.com", "email": "bob@example.com"}}}
    workers[1].accept(app, Batch(session_id="visit-1", events=[who],
                                 user=User(id="bob@example.com")))
    with Store.open(data) as store:
        assert store.index.session("visit-1").user_id == "ann@example.com"
        with store.session("visit-1") as reader:
            assert "bob@" not in json.dumps(list(reader.events()))
    apps.close()


def test_a_worker_that_missed_batches_catches_up_before_masking(tmp_path):
    """Worker B sees batch 1 and then batch 5: it applies 2-4 (stored by A) first."""
    data = tmp_path / "data"
    data.mkdir()
    apps = Applications(data)
    app, _ = apps.create("shop")
    app = apps.set_rules(app.name, RULES)
    a, b = (LiveIntake(Store.open(data), parse_rules(RULES)) for _ in range(2))
    t0 = int(time.time() * 1000) - 30_000
    first = html_to_events(PAGE, href="https://shop.example/")
    for e in first:
        e["timestamp"] = t0
    ids = _ids(first)
    b.accept(app, Batch(session_id="v", events=first))
    parent = ids["list"]
    for k in range(1, 4):
        a.accept(app, Batch(session_id="v", events=[_add(t0 + k, parent, 100 * k, f"item {k}")]))
        parent = 100 * k
    b.accept(app, Batch(session_id="v", events=[_add(t0 + 9, parent, 900, "item last")]))
    with Store.open(data) as store, store.session("v") as reader:
        assert "item last" in json.dumps(list(reader.events()))
    apps.close()


def test_a_session_is_read_back_from_storage_without_holding_up_other_sessions(tmp_path):
    """A worker resuming a session stored by another (or before a restart) reads and replays
    it outside the intake's lock: a long session's takes seconds, and every other session's
    batch in that worker waited on the lock meanwhile."""
    import threading
    data, apps, app, _a, first, t0 = _shop_page(tmp_path)   # stored by worker A
    b = LiveIntake(Store.open(data), parse_rules(RULES))
    ids = _ids(first)
    read, free = b.store.events_since, []

    def reading(sid, since):
        probe = threading.Thread(target=lambda: free.append(b._lock.acquire(timeout=0)
                                                            and (b._lock.release() or True)))
        probe.start()
        probe.join()
        return read(sid, since)
    b.store.events_since = reading
    b.accept(app, Batch(session_id="v", events=[_add(t0 + 1, ids["list"], 500, "later")]))
    assert free == [True]   # read once, the intake's lock free for other threads meanwhile
    with Store.open(data) as store, store.session("v") as reader:
        assert "later" in json.dumps(list(reader.events()))
    apps.close()


def test_quiet_sessions_are_compacted_and_a_busy_one_is_not(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    apps = Applications(data)
    app, _ = apps.create("shop")
    live = LiveIntake(Store.open(data), parse_rules(RULES))
    now = int(time.time() * 1000)
    for sid, t0 in (("quiet", now - 40 * 60_000), ("busy", now - 60_000)):
        first = html_to_events(PAGE, href="https://shop.example/")
        for e in first:
            e["timestamp"] = t0
        live.accept(app, Batch(session_id=sid, events=first))
        for k in range(5):
            live.accept(app, Batch(session_id=sid, events=[
                _add(t0 + 1000 * (k + 1), _ids(first)["list"], 500 + 10 * k, f"item {k}")]))
    store = live.store
    with store.session("quiet") as r:
        before = list(r.events())
        assert len(r.segments) == 6
        # live segments are cheap to write (the events as they are), compaction packs them
        assert read_header(r.raw_segment(0))["codec"]["transform"] == 0
    assert live.compact_idle() == ["quiet"]
    with store.session("quiet") as r:
        assert len(r.segments) == 1 and list(r.events()) == before
        assert read_header(r.raw_segment(0))["codec"]["transform"] & T_TREES
    with store.session("busy") as r:
        assert len(r.segments) == 6
    assert not store.index.live("quiet") and store.index.live("busy")
    apps.close()


def test_a_batch_sent_again_under_its_batch_id_is_stored_once_by_any_worker(tmp_path):
    """The retry lands on the other worker, and after both were closed (a restart): each
    time the same count is answered and nothing more is stored. Another batch id, and a
    batch without one, are stored; the same id with other events is refused."""
    data = tmp_path / "data"
    data.mkdir()
    apps = Applications(data)
    app, _ = apps.create("shop")
    a, b = (LiveIntake(Store.open(data), parse_rules(RULES)) for _ in range(2))
    t0 = int(time.time() * 1000) - 30_000
    first = html_to_events(PAGE, href="https://shop.example/")
    for e in first:
        e["timestamp"] = t0
    ids = _ids(first)
    a.accept(app, Batch(session_id="v", batch_id="p1.0", events=first))
    again = [_add(t0 + 1, ids["list"], 500, "once")]
    assert a.accept(app, Batch(session_id="v", batch_id="p1.1", events=again)) == ["v"]
    assert b.accept(app, Batch(session_id="v", batch_id="p1.1", events=again)) == ["v"]
    a.store.close()
    b.store.close()
    c = LiveIntake(Store.open(data), parse_rules(RULES))
    assert c.accept(app, Batch(session_id="v", batch_id="p1.1", events=again)) == ["v"]
    c.accept(app, Batch(session_id="v", batch_id="p1.2", events=[_add(t0 + 2, 500, 510, "two")]))
    c.accept(app, Batch(session_id="v", events=[_add(t0 + 3, 510, 520, "no id")]))
    with pytest.raises(WireError) as err:
        c.accept(app, Batch(session_id="v", batch_id="p1.2", events=again + again))
    assert err.value.status == 409 and err.value.code == "batch_id_reused"
    with c.store.session("v") as reader:
        text = json.dumps(list(reader.events()))
        assert reader.info.record_count == len(first) + 3
    assert text.count("once") == 1 and text.count('"two"') == 1 and "no id" in text
    # another application's session of that name keeps its own batch ids
    other, _ = apps.create("blog")
    with pytest.raises(WireError) as err:   # (and may not write into shop's session)
        c.accept(other, Batch(session_id="v", batch_id="p1.1", events=again))
    assert err.value.code == "session_conflict"
    c.store.close()
    apps.close()


def _shop_page(tmp_path, session_id: str = "v", batch_id: str | None = "a",
               ago_ms: int = 30_000):
    """A data folder with the shop app and a live session (`session_id`) holding its page
    (sent as `batch_id`), loaded `ago_ms` ago."""
    data = tmp_path / "data"
    data.mkdir()
    apps = Applications(data)
    app, _ = apps.create("shop")
    live = LiveIntake(Store.open(data), parse_rules(RULES))
    t0 = int(time.time() * 1000) - ago_ms
    first = html_to_events(PAGE, href="https://shop.example/")
    for e in first:
        e["timestamp"] = t0
    live.accept(app, Batch(session_id=session_id, batch_id=batch_id, events=first))
    return data, apps, app, live, first, t0


def test_batch_ids_come_back_with_an_index_rebuilt_from_the_segment_files(tmp_path):
    """The index is a cache of the segment files: a live segment's header names the batch
    it begins, so after the index is lost (and rebuilt on open) a retry still stores
    nothing."""
    data, apps, app, live, first, t0 = _shop_page(tmp_path)
    second = [_add(t0 + 1, _ids(first)["list"], 500, "once")]
    live.accept(app, Batch(session_id="v", batch_id="b", events=second))
    live.store.close()
    for f in data.glob("index.sqlite3*"):
        f.unlink()
    again = LiveIntake(Store.open(data), parse_rules(RULES))
    assert again.store.recovered.rebuilt == ["v"]
    assert again.accept(app, Batch(session_id="v", batch_id="b", events=second)) == ["v"]
    with again.store.session("v") as reader:
        assert json.dumps(list(reader.events())).count("once") == 1
    again.store.close()
    apps.close()


def _two_batches(tmp_path):
    """A live session "v" of the shop app: its page as batch "a", two added nodes as "b";
    returns what the tests need to send "b" again, changed or not."""
    data, apps, app, live, first, t0 = _shop_page(tmp_path)
    parent = _ids(first)["list"]
    second = [_add(t0 + 1, parent, 500, "kept"), _add(t0 + 2, parent, 510, "kept too")]
    live.accept(app, Batch(session_id="v", batch_id="b", events=second))
    other = [second[0], _add(t0 + 2, parent, 510, "never stored")]
    return data, apps, app, live, first, second, other


def test_a_batch_id_sent_again_with_other_events_of_the_same_count_is_refused(tmp_path):
    """The batch's events, not only their number, say it is a retry - also once the index
    was rebuilt from the segment files; an id remembered before digests were kept (no
    digest) is still told apart by its count."""
    data, apps, app, live, _, second, other = _two_batches(tmp_path)
    with pytest.raises(WireError) as err:
        live.accept(app, Batch(session_id="v", batch_id="b", events=other))
    assert err.value.status == 409 and err.value.code == "batch_id_reused"
    live.store.close()
    for f in data.glob("index.sqlite3*"):
        f.unlink()
    again = LiveIntake(Store.open(data), parse_rules(RULES))
    assert again.store.recovered.rebuilt == ["v"]
    with pytest.raises(WireError) as err:
        again.accept(app, Batch(session_id="v", batch_id="b", events=other))
    assert err.value.code == "batch_id_reused"
    assert again.accept(app, Batch(session_id="v", batch_id="b", events=second)) == ["v"]
    # as an index written before digests were kept remembers it: the count decides
    again.store.index.db.execute("UPDATE batches SET digest=NULL WHERE batch_id='b'")
    assert again.accept(app, Batch(session_id="v", batch_id="b", events=other)) == ["v"]
    with again.store.session("v") as reader:
        text = json.dumps(list(reader.events()))
    assert text.count("kept") == 2 and "never stored" not in text
    again.store.close()
    apps.close()


def test_a_batch_digest_on_disk_cannot_check_a_guess_and_another_servers_is_count_only(
        tmp_path, monkeypatch):
    """The digest is taken before masking, so it is keyed with a key held only by the
    running server: no byte on disk is a plain hash of the unmasked events, and after a
    restart (another key) a retry is told apart by its count, as an old id is."""
    from recorder.ingest import BATCH_KEY_ENV, _canonical, batch_digest

    monkeypatch.setenv(BATCH_KEY_ENV, "11" * 32)
    data, apps, app, live, first, second, other = _two_batches(tmp_path)
    live.store.close()
    plain = [hashlib.blake2b(_canonical.encode(evs), digest_size=16).hexdigest()
             for evs in (first, second)]
    on_disk = b"".join(f.read_bytes() for f in data.rglob("*") if f.is_file())
    for h in plain:
        assert h.encode() not in on_disk and bytes.fromhex(h) not in on_disk
    assert batch_digest(second).split(":")[1].encode() in on_disk   # the keyed one is kept
    # another server's key: the same-count retry with other events cannot be told apart
    monkeypatch.setenv(BATCH_KEY_ENV, "22" * 32)
    again = LiveIntake(Store.open(data), parse_rules(RULES))
    assert again.accept(app, Batch(session_id="v", batch_id="b", events=other)) == ["v"]
    with again.store.session("v") as reader:
        text = json.dumps(list(reader.events()))
    assert text.count("kept") == 2 and "never stored" not in text
    again.store.close()
    apps.close()


def test_a_live_session_begins_with_rrweb_events_then_takes_a_newer_recorders_too(tmp_path):
    """A new session of no type rrweb defines was stored, listed, and exported as a file
    that `replay import` refuses; a session that began with rrweb's events keeps taking a
    newer recorder's (as an import keeps them)."""
    from recorder.format import InvalidEvent
    t = int(time.time() * 1000)
    newer = {"type": 99, "timestamp": t, "data": {"x": 1}}
    with Store.open(tmp_path / "d") as store:
        with pytest.raises(InvalidEvent, match="its only event is not of a type rrweb defines"):
            store.ingest([newer], live=True, session_id="s1", now_ms=t)
        assert store.sessions() == []
        page = html_to_events(PAGE, href="https://shop.example/", timestamp=t)
        (sid,) = store.ingest(page, live=True, session_id="s1", now_ms=t)
        assert store.ingest([dict(newer, timestamp=t + 5)], live=True, session_id="s1",
                            now_ms=t) == [sid]
        assert [e["type"] for e in store.session(sid).events()] == [4, 2, 99]


def test_a_live_session_gains_the_user_a_later_batch_names_first_and_keeps_it(tmp_path):
    """`ReplayCapture.setUser` called after the first batch went: the session stayed
    anonymous in the index (its user searched for in vain); the first user named stays."""
    t = int(time.time() * 1000)
    page = html_to_events(PAGE, href="https://shop.example/", timestamp=t)
    more = [{"type": 5, "timestamp": t + 10, "data": {"tag": "t", "payload": {}}}]
    ada = {"id": "u-1", "name": "Ada", "email": "ada@example.com"}
    with Store.open(tmp_path / "d") as store:
        (sid,) = store.ingest(page, live=True, session_id="s1", now_ms=t)
        assert store.sessions()[0].user_id is None
        store.ingest(more, live=True, session_id="s1", now_ms=t, user=ada)
        store.ingest([dict(more[0], timestamp=t + 50)], live=True, session_id="s1", now_ms=t,
                     user={"id": "u-2"})
        (row,) = store.sessions()
        assert (row.user_id, row.user_name, row.user_email) == ("u-1", "Ada", "ada@example.com")
        assert [s.id for s in store.sessions(user="u-1")] == [sid]


def _visit_text(live: LiveIntake, app, data, sid: str, t0: int) -> str:
    events = html_to_events(PAGE, href="https://shop.example/")
    for e in events:
        e["timestamp"] = t0
    live.accept(app, Batch(session_id=sid, events=events))
    with Store.open(data) as store, store.session(sid) as reader:
        return json.dumps(list(reader.events()))


def test_rules_activated_in_the_data_folder_reach_a_running_intake(tmp_path, caplog):
    """`replay mask --rules F --activate` while `replay serve` runs: the next batches of
    applications without rules of their own are masked by the new rules, not by those the
    worker read at its start (a privacy officer's stricter rules were ignored until a
    restart, `replay app rules` saying they applied). A broken file keeps the last rules."""
    from recorder.privacy import ActiveRules
    data = tmp_path / "data"
    data.mkdir()
    apps = Applications(data)
    app, _token = apps.create("shop")
    live = LiveIntake(Store.open(data), ActiveRules(None, data))   # as a worker starts
    t0 = int(time.time() * 1000) - 30_000

    def visit(sid: str) -> str:
        return _visit_text(live, app, data, sid, t0)

    assert "account 1234" in visit("before")          # the default: page text kept
    rules = data / "rules.toml"
    tmp = data / "rules.toml.new"                      # as --activate writes it: replaced whole
    tmp.write_text('version = 1\ndefault = "mask"\n')
    tmp.replace(rules)
    assert "account" not in visit("after")             # masked, no restart
    tmp.write_text('version = 1\ndefault = "sometimes"\n')   # a hand edit gone wrong
    tmp.replace(rules)
    assert "account" not in visit("broken")            # the rules read last stay
    assert any("sometimes" in r.getMessage() for r in caplog.records)
    apps.close()


def test_a_user_named_after_the_first_batch_survives_an_index_rebuild(tmp_path):
    """capture.js's setUser after the session's first batch: the user was in the index only
    until compaction (~15 min after the last event) - an index rebuilt meanwhile lost them,
    and `replay delete --user` could no longer find the session (an operator's tryout)."""
    data, apps, app, live, first, t0 = _shop_page(tmp_path, "visit", None)
    ids = _ids(first)
    ada = User(id="u-77", name="Ada Byron", email="ada@example.com")
    live.accept(app, Batch(session_id="visit", events=[_add(t0 + 5, ids["list"], 900, "two")],
                           user=ada))
    live.accept(app, Batch(session_id="visit", events=[_add(t0 + 9, 900, 910, "three")],
                           user=ada))
    live.store.close()
    for f in data.glob("index.sqlite3*"):
        f.unlink()                                  # lost: rebuilt from the segments
    with Store.open(data) as store:
        (info,) = store.sessions(user="ada@example.com")
        assert (info.id, info.user_id, info.user_name) == ("visit", "u-77", "Ada Byron")
    apps.close()


def test_a_batch_masked_away_whole_leaves_its_session_as_it_was(tmp_path):
    """A batch of mutations under a hidden element only (a hidden widget updating) keeps
    none of its events: the session's start, views and segments stay as they were (its end
    moves to the batch's time), and the
    next batch is appended to it (a segment of no events gave it the span of no events -
    start 0 - so the next batch began a session of its own, with no snapshot to play)."""
    _data, apps, app, live, first, t0 = _shop_page(tmp_path, batch_id="p.0")   # #vault hidden
    ids = _ids(first)
    before = live.store.index.open_session("v")
    hidden = Batch(session_id="v", batch_id="p.1",
                   events=[_add(t0 + 1000, ids["vault"], 700, "secret 1")])
    assert live.accept(app, hidden) == ["v"]
    after = live.store.index.open_session("v")
    assert (after.start_ms, after.segment_count, after.record_count, after.last_view) == (
        before.start_ms, before.segment_count, before.record_count, before.last_view)
    assert after.end_ms == t0 + 1000   # (the visit went on: a hidden widget updated)
    assert live.accept(app, hidden) == ["v"]   # sent again: remembered, nothing to store
    assert live.accept(app, Batch(session_id="v", batch_id="p.2", events=[
        _add(t0 + 2000, ids["list"], 800, "visible 2")])) == ["v"]
    with live.store.session("v") as reader:
        stored = list(reader.events())
    assert [e["timestamp"] - t0 for e in stored] == [0, 0, 2000]
    assert "visible 2" in json.dumps(stored) and "secret" not in json.dumps(stored)
    assert [s.id for s in live.store.index.sessions_for_client("v")] == ["v"]
    apps.close()


def test_a_hidden_widget_updating_alone_keeps_its_session_going(tmp_path):
    """Twenty minutes of batches masked away whole (a hidden ticker, nobody at the page): the
    session went on meanwhile - its end says so - and the next visible change is appended to
    it, not split off as a session of its own after 15 minutes "without activity" (with no
    snapshot to play: the masker of a new part has no page)."""
    _data, apps, app, live, first, t0 = _shop_page(tmp_path, batch_id="p.0",
                                                   ago_ms=40 * 60_000)
    store = live.store
    ids = _ids(first)
    for k in range(1, 21):   # a minute apart, each masked away whole
        live.accept(app, Batch(session_id="v", batch_id=f"p.{k}", events=[
            _add(t0 + 30_000 + k * 60_000, ids["vault"], 1000 + 10 * k, f"tick {k}")]))
    assert live.accept(app, Batch(session_id="v", batch_id="p.21", events=[
        _add(t0 + 30_000 + 21 * 60_000, ids["list"], 2000, "visible")])) == ["v"]
    row = store.index.open_session("v")
    assert row.end_ms - row.start_ms == 30_000 + 21 * 60_000
    with store.session("v") as reader:
        assert "visible" in json.dumps(list(reader.events()))
    apps.close()


def test_compaction_removes_a_row_an_earlier_intake_stored_with_no_events(tmp_path):
    """Before a batch masked away whole wrote nothing, it could leave a session row with no
    segment and the span of no events (listed as begun in 1970, and refused by compaction
    with a warning at every pass): the next compaction removes that row, and re-derives the
    span of the session beside it."""
    from recorder.facts import derive_facts
    from recorder.ingest import PreparedSession
    _data, apps, app, live, first, t0 = _shop_page(tmp_path)
    store = live.store
    later = time.time() * 1000 + 3_600_000   # the session went quiet
    # what the earlier intake wrote for a split-off batch it masked away whole
    store._write([PreparedSession(f"v.{t0 + 1}", [], None, "", derive_facts([], None), None)],
                 application=app.id, user=None, context=None, live=True)
    empty = store.index.session(f"v.{t0 + 1}")
    assert empty is not None and empty.start_ms == 0 and empty.segment_count == 0
    assert live.compact_idle(later) == ["v"]
    assert [s.id for s in store.index.sessions_for_client("v")] == ["v"]
    assert live.compact_idle(later) == []   # nothing left to refuse at the next pass
    # no erasure: the visit's next batch is stored, not refused as of a deleted session
    assert store.index.deleted_since("v") is None
    assert live.accept(app, Batch(session_id="v", batch_id="b", events=[
        _add(t0 + 1000, _ids(first)["list"], 900, "later")])) == ["v"]
    apps.close()


@pytest.mark.parametrize("sid", ["t-4111111111111111", "visit_4111111111111111"])
def test_a_visit_whose_random_id_reads_as_a_card_number_keeps_every_batch(tmp_path, sid):
    """The intake takes an id of a prefix and random digits that reads, joined, as a card
    number (about one in twenty do); the store hashed it as an import does one holding
    personal data, so the visit's next batches found no session: a new page was refused
    (503, for ever) and a batch of changes was answered 202 and stored nowhere. Each batch
    now goes where the one before went - a page 30 s later, another after 17 quiet minutes
    (the visit's next session), and a change on it."""
    data, apps, app, live = _shop_intake(tmp_path)
    t0 = int(time.time() * 1000) - 3_600_000

    first = _page(t0)
    later = t0 + 30_000 + 17 * 60_000
    sent = [first, _page(t0 + 30_000), _page(later), [_add(later + 5, _ids(first)["list"], 900,
                                                        "added after")]]
    stored_in = [live.accept(app, Batch(session_id=sid, events=events)) for events in sent]
    assert stored_in[:2] == [[sid], [sid]], stored_in
    (second,) = stored_in[2]
    assert second.startswith(sid + ".") and stored_in[3] == [second]
    with Store.open(data) as s:
        counts = {i.id: i.record_count for i in s.sessions()}
        added = json.dumps(list(s.session(second).events()))
    assert counts == {sid: 2 * len(first), second: len(first) + 1}, counts
    assert "added after" in added
    live.store.close()
    apps.close()


def test_a_page_with_another_copy_of_the_rules_is_said_once_naming_where_the_rules_are(
        tmp_path, caplog):
    """A batch names the digest of the rules the page masked with (capture.js sends it, from
    `replay app rules NAME --json`): another than the rules its application's batches are
    masked with now is said once per application and rules - not again for another copy,
    nor per digest a page makes up - with where the rules in force are printed from."""
    import logging

    from recorder.privacy import Rules
    data = tmp_path / "data"
    data.mkdir()
    apps = Applications(data)
    shop, _ = apps.create("shop")
    blog, _ = apps.create("blog")
    shop = apps.set_rules(shop.name, RULES)
    intake = LiveIntake(Store.open(data), Rules.default())
    events = html_to_events(PAGE, href="https://shop.example/",
                            timestamp=int(time.time() * 1000) - 30_000)
    own = parse_rules(RULES).digest

    def send(app, digest, sid):
        intake.accept(app, Batch(session_id=sid, events=events, rules=digest))
    with caplog.at_level(logging.WARNING, logger="recorder.intake.live"):
        send(shop, own, "s-1")                       # the copy in force: nothing said
        assert not caplog.records
        for k, digest in enumerate((Rules.default().digest, "made-up-1", "made-up-2")):
            send(shop, digest, f"s-{k + 2}")
        send(blog, own, "b-1")
        send(blog, Rules.default().digest, "b-2")    # the intake's: in force for blog
        said = [r.getMessage() for r in caplog.records]
    assert len(said) == 2, said
    assert said[0].startswith("application shop: a page masks with rules other than those its"
                              " batches are masked with now (its own rules)") and \
        said[0].endswith("give the page's snippet the rules `replay app rules shop --json`"
                         " prints"), said
    assert said[1].startswith("application blog: ") and "(the intake's)" in said[1], said
    apps.close()


@pytest.mark.parametrize("how", ["broken by hand", "deleted"])
def test_the_newest_activated_revision_stays_in_force_when_the_file_goes_wrong(
        tmp_path, caplog, how):
    """Revision 2 (`mask --activate`: page text masked) was saved while the intake had no
    batch, so it never read it; the file was then broken by hand, or deleted. The intake
    kept revision 1, read at its start - or, the file deleted, went over to the built-in
    rules with nothing said - and stored the page text in clear (a privacy officer's
    tryout). Revision 2 is in force, and the log names it."""
    from recorder.privacy import ActiveRules
    from recorder.privacy.history import save_rules
    data = tmp_path / "data"
    data.mkdir()
    apps = Applications(data)
    app, _token = apps.create("shop")
    save_rules(data, parse_rules('default = "allow"\ndetectors = []'), who="t", based_on=None)
    live = LiveIntake(Store.open(data), ActiveRules(None, data))   # reads revision 1
    t0 = int(time.time() * 1000) - 30_000
    assert "account 1234" in _visit_text(live, app, data, "before", t0)
    save_rules(data, parse_rules('default = "mask"\ndetectors = []'), who="t", based_on=1)
    rules = data / "rules.toml"
    if how == "deleted":
        rules.unlink()
    else:
        rules.write_text(rules.read_text() + '\n[[rule]]\nselector = "#x"\nlevel = "sometimes"\n')
    assert "account" not in _visit_text(live, app, data, "after", t0)
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "revision, 2, is in force" in said
    live.store.close()
    # a worker starting while the file is missing takes revision 2 too
    if how == "deleted":
        started = LiveIntake(Store.open(data), ActiveRules(None, data))
        assert "account" not in _visit_text(started, app, data, "started", t0)
        started.store.close()
    apps.close()


def test_a_client_id_with_a_dot_is_its_own_visit_not_another_clients_continuation(tmp_path):
    """Continuations are `<id>.<timestamp>`; a client's own id may hold a dot. Client `shop`
    began, then client `shop.b`: `shop`'s next batch went on in `shop.b` (the newest session
    "under" `shop`), another visitor's session - and the two shared a journal of values
    typed. Each batch goes to its own client's session; a real continuation still follows."""
    from recorder.sessions import continued_id, visit_of
    data, apps, app, intake = _shop_intake(tmp_path)
    t0 = int(time.time() * 1000) - 3_600_000
    pages = {}
    for k, sid in enumerate(("shop", "shop.b", "shop.7")):
        pages[sid] = _page(t0 + 1000 * k, f"https://shop.example/{k}")
        assert intake.accept(app, Batch(session_id=sid, events=pages[sid])) == [sid]
    list_id = _ids(pages["shop"])["list"]
    assert intake.accept(app, Batch(session_id="shop", events=[
        _add(t0 + 2000, list_id, 500, "shop's own item")])) == ["shop"]
    # past 15 minutes without activity: `shop`'s next page is a continuation of `shop`
    later = _page(t0 + 20 * 60_000, "https://shop.example/later")
    (cont,) = intake.accept(app, Batch(session_id="shop", events=later))
    assert cont == continued_id("shop", t0 + 20 * 60_000)
    assert intake.accept(app, Batch(session_id="shop", events=[
        _add(t0 + 20 * 60_000 + 5, _ids(later)["list"], 600, "after the break")])) == [cont]
    with Store.open(data) as store:
        for other in ("shop.b", "shop.7"):
            with store.session(other) as reader:
                assert "shop's own item" not in json.dumps(list(reader.events()))
        with store.session("shop") as reader:
            assert "shop's own item" in json.dumps(list(reader.events()))
        assert [i.id for i in store.index.sessions_for_client("shop")] == [cont, "shop"]
        assert [i.id for i in store.index.sessions_for_client("shop.b")] == ["shop.b"]
        assert [i.id for i in store.index.sessions_for_client("shop.7")] == ["shop.7"]
    # one visit for a client's session and its continuations, whatever its id holds - its
    # journal of typed values, its lock: decided once, the same twice over
    ts = str(t0 + 20 * 60_000)
    for client in ("shop", "shop.b", "order.7", "v-2.7.8"):
        assert visit_of(client) == visit_of(f"{client}.{ts}") == visit_of(visit_of(client)) \
            == client
    intake.store.close()
    apps.close()


def test_the_longest_client_id_taken_keeps_its_visit_through_a_continuation(tmp_path):
    """A client id of 120 characters: its continuation's timestamp was cut to fit 128, no
    longer read as its own, and the visit's next batch was refused for good (a reviewer's
    find). The intake takes ids of at most MAX_SESSION_ID bytes - the continuation whole."""
    from recorder.intake.wire import MAX_SESSION_ID, decode_request
    from recorder.limits import DEFAULT_LIMITS
    from recorder.sessions import visit_of

    data, apps, app, intake = _shop_intake(tmp_path)
    t0 = int(time.time() * 1000) - 3_600_000
    sid = "v" * MAX_SESSION_ID
    assert intake.accept(app, Batch(session_id=sid, events=_page(t0))) == [sid]
    later = _page(t0 + 20 * 60_000, "https://shop.example/later")
    (cont,) = intake.accept(app, Batch(session_id=sid, events=later))
    assert visit_of(cont) == sid and len(cont) <= 128
    assert intake.accept(app, Batch(session_id=sid, events=[
        _add(t0 + 20 * 60_000 + 5, _ids(later)["list"], 600, "then")])) == [cont]
    body = json.dumps({"session_id": "v" * (MAX_SESSION_ID + 1), "events": _page(t0)}).encode()
    with pytest.raises(WireError) as refused:
        decode_request(body, None, DEFAULT_LIMITS)
    assert refused.value.code == "malformed" and refused.value.limit == MAX_SESSION_ID
    intake.store.close()
    apps.close()
