"""Erasure reaches trained dictionaries: a zstd dictionary trained on stored sessions keeps
fragments of their text, so erasing a session it learnt from erases the dictionary too -
the other sessions that used it are rewritten without it first (same events), and the
dictionary's file goes in the transaction that erases the session."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from recorder.store import LocalStore, Store

T0 = 1_700_000_000_000
DAY = 86_400_000


def secret(k: int) -> str:
    return f"Quixotic-Zebra-{k}-Lovelace-{k * 7919}"


def session(k: int, n: int = 240) -> list[dict]:
    """A page view whose notes repeat the session's own secret (the dictionary learns it)."""
    t = T0 + k * DAY
    return [{"type": 4, "timestamp": t, "data": {"href": f"https://s.example/{k}",
                                                   "width": 800, "height": 600}},
            {"type": 2, "timestamp": t + 1, "data": {"node": {"type": 0, "childNodes": [],
                                                              "id": 1},
                                                     "initialOffset": {"left": 0, "top": 0}}}] + \
        [{"type": 5, "timestamp": t + 2 + i * 50,
          "data": {"tag": "note", "payload": {"text": f"{secret(k)} said hello #{i}"}}}
         for i in range(n)]


def _bytes_of(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def _trained(data: Path) -> tuple[list[str], int]:
    """Four sessions, a dictionary trained on all of them, and every session rewritten
    with it (compacted)."""
    with Store.open(data, max_segment_records=60) as store:
        ids = [store.ingest(session(k))[0] for k in range(4)]
        dict_id = store.train_dictionary(size=8 * 1024)
        for sid in ids:
            store.compact(sid)
    return ids, dict_id


def test_erasing_a_session_erases_the_dictionary_that_learnt_it(tmp_path):
    data = tmp_path / "data"
    ids, dict_id = _trained(data)
    zdict = data / "dicts" / f"{dict_id}.zdict"
    victim = 1
    assert secret(victim).encode() in zdict.read_bytes()   # the dictionary holds its text
    with Store.open(data) as store:
        before = {sid: list(store.session(sid).events()) for sid in ids}
        erased = store.delete_session(ids[victim])
        assert secret(victim).encode() not in _bytes_of(data)   # in no byte of the folder
        assert erased.dictionaries == 1
        assert store.index.dictionaries() == {}
    assert not zdict.exists()
    with Store.open(data) as store:   # a fresh process: the others decode as they did
        for k, sid in enumerate(ids):
            if k != victim:
                assert list(store.session(sid).events()) == before[sid]
        # new writes no longer use the erased dictionary
        (new,) = store.ingest(session(9))
        store.compact(new)
    with Store.open(data) as store:
        assert list(store.session(new).events()) == session(9)


def test_a_dictionary_that_did_not_learn_the_session_stays(tmp_path):
    data = tmp_path / "data"
    with Store.open(data, max_segment_records=60) as store:
        ids = [store.ingest(session(k))[0] for k in range(4)]
        dict_id = store.train_dictionary(ids[:3], size=8 * 1024)
        for sid in ids:
            store.compact(sid)
        assert store.delete_session(ids[3]).dictionaries == 0
        assert list(store.index.dictionaries()) == [dict_id]
        assert list(store.session(ids[0]).events()) == session(0)


def test_a_dictionary_whose_sessions_are_unknown_goes_with_any_erasure(tmp_path):
    """`repair` registers a dictionary file it finds without knowing what it learnt (the
    index was rebuilt): it may hold any session's text."""
    data = tmp_path / "data"
    with Store.open(data, max_segment_records=60) as store:
        ids = [store.ingest(session(k))[0] for k in range(4)]
        store.train_dictionary(ids[:3], size=8 * 1024)
        for sid in ids:
            store.compact(sid)
    for f in data.glob("index.sqlite3*"):
        f.unlink()
    with LocalStore.open_for_repair(data) as store:
        assert store.repair().dictionaries == 1
    with Store.open(data) as store:
        assert store.delete_session(ids[3]).dictionaries == 1
        assert store.index.dictionaries() == {}
        assert list(store.session(ids[0]).events()) == session(0)
    assert not list((data / "dicts").glob("*.zdict"))


_DIES = textwrap.dedent("""
    import os, sys
    from recorder.index import Index
    from recorder.store import LocalStore, Store
    def die(self, *a, **k):
        os._exit(17)   # the others are rewritten; the erasing transaction never commits
    Index.delete_session = die
    Store.open(sys.argv[1]).delete_session(sys.argv[2])
""")


def test_an_erasure_interrupted_before_its_transaction_loses_nothing(tmp_path):
    data = tmp_path / "data"
    ids, dict_id = _trained(data)
    with Store.open(data) as store:
        before = {sid: list(store.session(sid).events()) for sid in ids}
    proc = subprocess.run([sys.executable, "-c", _DIES, str(data), ids[1]],
                          capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert proc.returncode == 17, proc.stderr
    with Store.open(data) as store:   # every session whole, the victim too; then erased
        assert {sid: list(store.session(sid).events()) for sid in ids} == before
        assert store.delete_session(ids[1]).dictionaries == 1
    assert secret(1).encode() not in _bytes_of(data)


def _typed_page(k: int) -> list[dict]:
    """A page whose text nodes, added one by one, carry the session's secret."""
    from recorder.privacy.preview import html_to_events
    events = html_to_events(f'<!DOCTYPE html><html><body><p>hello {k}</p></body></html>',
                            timestamp=T0 + k * DAY)
    t = events[-1]["timestamp"]
    return events + [{"type": 3, "timestamp": t + 1 + i * 50, "data": {
        "source": 0, "texts": [], "attributes": [], "removes": [],
        "adds": [{"parentId": 1, "nextId": None,
                  "node": {"type": 3, "textContent": f"{secret(k)} #{i}", "id": 1000 + i}}]}}
        for i in range(240)]


def test_re_masking_a_session_erases_the_dictionary_that_learnt_its_old_version(tmp_path):
    """`replay mask` under rules that mask the text: the old text must not outlive the
    rewrite inside a dictionary trained on it."""
    from recorder.privacy import load_rules
    from recorder.privacy.remask import remask_sessions
    data = tmp_path / "data"
    strict = tmp_path / "strict.toml"
    strict.write_text('default = "mask"\n')
    with Store.open(data, max_segment_records=60) as store:
        ids = [store.ingest(_typed_page(k))[0] for k in range(3)]
        dict_id = store.train_dictionary(size=8 * 1024)
        for sid in ids:
            store.compact(sid)
        assert secret(0).encode() in (data / "dicts" / f"{dict_id}.zdict").read_bytes()
        others = {sid: list(store.session(sid).events()) for sid in ids[1:]}
        (result,) = remask_sessions(store, [ids[0]], load_rules(strict, data))
        assert result.changed
        assert secret(0).encode() not in _bytes_of(data)
        assert store.index.dictionaries() == {}
    with Store.open(data) as store:
        assert {sid: list(store.session(sid).events()) for sid in ids[1:]} == others
        assert secret(0) not in repr(list(store.session(ids[0]).events()))
