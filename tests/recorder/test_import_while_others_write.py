"""An import holds no session lock: while it reads a file, another writer of the same data
folder (a live recording, `replay delete`, another import: here a second `Store` on the
folder, with its own SQLite connection and locks, as another process has) may change the
session the import decided about. The import's commit checks the session is as it read it
(`index.AsRead`); if not it stores nothing and says so (`SessionChanged`), and what the
other writer stored is kept whole: no event twice, no live session overwritten."""
from __future__ import annotations

import time
from typing import Callable, Iterator

import pytest

from recorder.index import SessionChanged
from recorder.store import STREAM_BATCH, Store

T0 = int(time.time() * 1000) - 600_000
N = STREAM_BATCH + 500   # events: a streamed import decides on its first batch, reads on
STORED = 200       # of them stored before the import
LIVE = 10          # appended by the other writer while the import reads


def _recording() -> list[dict]:
    snap = [{"type": 4, "timestamp": T0, "data": {"href": "http://shop.test/", "width": 800,
                                                  "height": 600}},
            {"type": 2, "timestamp": T0, "data": {"initialOffset": {"left": 0, "top": 0},
                                                  "node": {"type": 0, "id": 1, "childNodes": [
                                                      {"type": 2, "id": 2, "tagName": "html",
                                                       "attributes": {}, "childNodes": []}]}}}]
    return snap + [{"type": 5, "timestamp": T0 + 10 * i, "data": {"tag": "step",
                                                                  "payload": {"i": i}}}
                   for i in range(1, N - 1)]


def _interrupted(events: list[dict], after: int, other: Callable[[], None]) -> Iterator[dict]:
    """`events`, with `other` run once `after` of them have been read."""
    for i, e in enumerate(events):
        if i == after:
            other()
        yield e


def _steps(store, sid: str) -> list[int]:
    with store.session(sid) as r:
        return [e["data"]["payload"]["i"] for e in r.events() if e["type"] == 5]


@pytest.fixture
def stores(tmp_path):
    with Store.open(tmp_path / "data") as store, Store.open(tmp_path / "data") as other:
        yield store, other


def _import(store, events, *, streamed: bool, other: Callable[[], None], after: int):
    if streamed:
        return store.import_stream(_interrupted(events, after, other))
    called = []

    def progress(done: int, total: int) -> None:
        # the second half counts segments written: decided, not committed yet
        if done >= total // 2 and not called:
            called.append(other())
    return store.ingest_outcomes(events, progress=progress)


def _stored_first(store) -> str:
    """The recording's first STORED events, imported: the session's id."""
    (done,) = store.import_stream(iter(_recording()[:STORED]))
    return done.id


def _append(other, sid: str, events: list[dict]) -> Callable[[], None]:
    return lambda: other.ingest(events, live=True, session_id=sid,
                                now_ms=events[-1]["timestamp"] + 1000)


@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "whole"])
def test_a_live_append_while_importing_is_kept_and_not_doubled(stores, streamed):
    store, other = stores
    events = _recording()
    sid = _stored_first(store)
    with pytest.raises(SessionChanged, match=f"session {sid} was changed by another writer.*"
                                             "nothing was stored - import the file again"):
        _import(store, events, streamed=streamed, after=STREAM_BATCH + 100,
                other=_append(other, sid, events[STORED:STORED + LIVE]))
    assert _steps(store, sid) == list(range(1, STORED + LIVE - 1))   # each once, in order
    # the import again, now that nothing else writes: it adds the rest
    store.import_stream(iter(events))
    assert _steps(store, sid) == list(range(1, N - 1))


def test_a_session_deleted_while_a_streamed_import_extends_it_stays_deleted(stores):
    store, other = stores
    sid = _stored_first(store)
    with pytest.raises(SessionChanged):
        _import(store, _recording(), streamed=True, after=STREAM_BATCH + 100,
                other=lambda: other.delete_session(sid))
    assert store.index.session(sid) is None


@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "whole"])
def test_a_new_session_begun_live_meanwhile_is_not_overwritten(stores, tmp_path, streamed):
    store, other = stores
    events = _recording()
    with Store.open(tmp_path / "scratch") as scratch:   # the id this recording gets
        sid = _stored_first(scratch)
    with pytest.raises(SessionChanged):
        _import(store, events, streamed=streamed, after=STREAM_BATCH + 100,
                other=_append(other, sid, events[:LIVE]))
    assert _steps(store, sid) == list(range(1, LIVE - 1))


def test_the_cli_says_it_in_one_line_and_exits_2(tmp_path, capsys, monkeypatch):
    """`replay import` of a file whose session another writer appends to meanwhile: one
    line naming the file and what to do, exit 2. (The other writer is real; the test only
    picks its moment: just before the import decides.)"""
    import json

    import recorder.store as store_mod
    from app.cli import main
    events = _recording()
    data = tmp_path / "data"
    with Store.open(data) as store:
        sid = _stored_first(store)
    path = tmp_path / "rec.json"
    path.write_text(json.dumps(events))
    decide = store_mod._StreamSession._decide
    with Store.open(data) as other:
        def meanwhile(self, *digests):
            _append(other, sid, events[STORED:STORED + LIVE])()
            return decide(self, *digests)
        monkeypatch.setattr(store_mod._StreamSession, "_decide", meanwhile)
        assert main(["--data", str(data), "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: not imported - session {sid} was changed by another writer" in err
    assert "Traceback" not in err
    with Store.open(data) as store:
        assert _steps(store, sid) == list(range(1, STORED + LIVE - 1))
