"""Live appends commit in groups (`Index.commit_appends`): appends that arrive while one
transaction is being made durable are committed together by the first of them, each caller
returning only once its own rows are in - and one bad append in a group fails alone."""
from __future__ import annotations

import sqlite3
import threading
import time

from recorder.index import AcceptedBatch, BatchKey, Index, SessionInfo, SessionRow
from recorder.segments import SegmentMeta


def _info(sid: str, segments: int) -> SessionInfo:
    return SessionInfo(id=sid, application="app", user_id=None, user_name=None,
                       user_email=None, start_ms=0, end_ms=segments, duration_ms=segments,
                       first_url=None, view_count=0, error_count=0, frustration_count=0,
                       record_count=segments, bytes=segments, segment_count=segments)


def _row(sid: str, idx: int, *, append: bool = True) -> SessionRow:
    seg = SegmentMeta(index=idx, start_ms=idx, end_ms=idx, record_count=1,
                      has_full_snapshot=False, creation_reason="live", file=f"{sid}/{idx}.seg")
    return SessionRow(info=_info(sid, idx + 1), digest=None, live=True, segments=[seg],
                      append=append)


def test_appends_queued_behind_a_commit_go_in_together_and_a_bad_one_fails_alone(tmp_path):
    index = Index(tmp_path / "index.sqlite3")
    for sid in "abc":
        index.commit(None, [_row(sid, 0, append=False)])
    transactions = []
    real_tx = index._tx
    index._tx = lambda: (transactions.append(1), real_tx())[1]   # counts, changes nothing
    errors: dict[str, BaseException] = {}

    def append(sid: str, idx: int) -> None:
        try:
            index.commit_appends(f"tok-{sid}", [_row(sid, idx)],
                                 AcceptedBatch(BatchKey("app", sid, f"{sid}{idx}"), 1))
        except BaseException as exc:   # noqa: BLE001 - the test reads it
            errors[sid] = exc

    with index._lock:   # the first append's transaction waits here: it leads...
        first = threading.Thread(target=append, args=("a", 1))
        first.start()
        while not index._leading:
            time.sleep(0.01)
        later = [threading.Thread(target=append, args=("b", 0)),    # (b's segment 0 exists)
                 threading.Thread(target=append, args=("c", 1))]
        for th in later:
            th.start()
        while len(index._queue) < 2:   # ...and the other two queue behind it
            time.sleep(0.01)
    for th in [first, *later]:
        th.join(30)
    # a alone, then b and c in one transaction, which b's duplicate segment undid: each again
    assert len(transactions) == 4
    assert isinstance(errors.pop("b"), sqlite3.IntegrityError) and not errors
    assert [s.index for s in index.segments("a")] == [0, 1]
    assert [s.index for s in index.segments("b")] == [0]
    assert [s.index for s in index.segments("c")] == [0, 1]
    assert index.batch_accepted(BatchKey("app", "c", "c1")).events == 1
    assert index.batch_accepted(BatchKey("app", "b", "b0")) is None
    index.close()


def test_many_threads_appending_all_land(tmp_path):
    index = Index(tmp_path / "index.sqlite3")
    sids = [f"s{k}" for k in range(8)]
    for sid in sids:
        index.commit(None, [_row(sid, 0, append=False)])

    def run(sid: str) -> None:
        for idx in range(1, 21):
            index.commit_appends(f"tok-{sid}-{idx}", [_row(sid, idx)])

    ths = [threading.Thread(target=run, args=(sid,)) for sid in sids]
    for th in ths:
        th.start()
    for th in ths:
        th.join(60)
    for sid in sids:
        assert [s.index for s in index.segments(sid)] == list(range(21))
        assert index.session(sid).segment_count == 21
    assert not index._queue and not index._leading
    index.close()
