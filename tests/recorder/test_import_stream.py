"""Issue 12 item 4: the streaming import (`rrweb_io.EventStream` into
`LocalStore.import_stream`) stores what the whole-file import stores, decides re-imports the
same way, and keeps all-or-nothing: an input that breaks part way stores nothing."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from recorder.id_key import ID_KEY_FILE, id_key
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from recorder.ingest import ImportConflict, Outcome
from recorder.privacy import masker_factory
from recorder.rrweb_io import DamagedRecording, EventStream, NotStreamable, read_recordings, \
    session_marker
from recorder import store as store_mod
from recorder.sessions import ContentDigest
from recorder.store import Store
from replay_tools.generator import generate_session

T0 = 1_700_000_000_000
MASK = masker_factory(None)


@pytest.fixture(scope="module")
def events() -> list[dict]:
    # several views, so several segments: a cut after the first ones must remove them
    return list(generate_session(3_000, duration_ms=20 * 60 * 1000, seed=7))


def write(path: Path, events: list[dict], how: str = "json") -> Path:
    text = json.dumps(events, separators=(",", ":")).encode()
    if how == "ndjson":
        text = b"\n".join(json.dumps(e).encode() for e in events) + b"\n"
    elif how == "gzip":
        text = gzip.compress(text)
    elif how == "zstd":
        text = zstandard.ZstdCompressor().compress(text)
    path.write_bytes(text)
    return path


def state(root: Path) -> tuple:
    """Everything a reader can see of a store, and every file in it."""
    files = sorted(str(p.relative_to(root)) for p in (root / "segments").rglob("*")
                   if p.is_file()) if (root / "segments").exists() else []
    with Store.open(root) as s:
        sessions = [(i.id, i.record_count, i.segment_count) for i in s.sessions()]
        events = {i.id: list(s.session(i.id).events()) for i in s.sessions()}
        pending = s.index.pending()
    return files, sessions, events, pending


def streamed(root: Path, path: Path, **kw):
    with Store.open(root, max_segment_records=kw.pop("max_segment_records", 50_000)) as s:
        stream = EventStream(path, chunk_size=kw.pop("chunk_size", 1 << 16))
        it = iter(stream)
        first = next(it)
        return s.import_stream(_chain(first, it), session_id=stream.session_hint,
                               masker_factory=MASK, **kw)


def _chain(first, rest):
    yield first
    yield from rest


def whole(root: Path, path: Path, **kw):
    rec = read_recordings(path)[0]
    with Store.open(root) as s:
        return s.ingest_outcomes(rec.events, session_id=rec.session_hint, masker_factory=MASK,
                                 **kw)


def same_secret(a: Path, b: Path) -> None:
    """Data folders `a` and `b` with one secret (id_key): a recording that gives no id gets
    the same hashed id in both, as it does in one."""
    for d in (a, b):
        d.mkdir(parents=True, exist_ok=True)
    (b / ID_KEY_FILE).write_bytes(id_key(a))


@pytest.mark.parametrize("how", ["json", "ndjson", "gzip", "zstd"])
def test_streamed_import_stores_what_the_whole_file_import_stores(tmp_path, events, how):
    f = write(tmp_path / f"rec.{how}", events, how)
    a, b = tmp_path / "a", tmp_path / "b"
    same_secret(a, b)   # a hashed id is keyed with the folder's secret
    got = streamed(a, f)
    want = whole(b, f)
    assert [(r.id, r.outcome, r.added) for r in got] == [(r.id, r.outcome, r.added) for r in want]
    sa, sb = Store.open(a), Store.open(b)
    try:
        ia, ib = sa.index.session(got[0].id), sb.index.session(got[0].id)
        assert ia == ib
        assert sa.index.digest(ia.id) == sb.index.digest(ib.id)
        assert list(sa.session(ia.id).events()) == list(sb.session(ib.id).events())
        assert ia.segment_count > 2
    finally:
        sa.close()
        sb.close()


@pytest.mark.parametrize("records", [7, 100, 2_999])
def test_streamed_segments_are_cut_and_named_as_the_whole_import_cuts_them(tmp_path, events,
                                                                          records):
    """The stream writes a segment where the planner cuts, the session's facts read a
    segment's run at a time: each segment's events, bounds and view are those of the whole
    import's, with the segments cut every few events (many cuts in one batch), and the index
    rows the same."""
    f = write(tmp_path / "rec.json", events)
    a, b = tmp_path / "a", tmp_path / "b"
    same_secret(a, b)
    got = streamed(a, f, max_segment_records=records)
    rec = read_recordings(f)[0]
    with Store.open(b, max_segment_records=records) as s:
        want = s.ingest_outcomes(rec.events, session_id=rec.session_hint, masker_factory=MASK)
    assert [(r.id, r.added) for r in got] == [(r.id, r.added) for r in want]
    with Store.open(a) as sa, Store.open(b) as sb:
        sid = got[0].id
        assert sa.index.session(sid) == sb.index.session(sid)
        assert sa.index.views(sid) == sb.index.views(sid)
        assert sa.index.errors(sid) == sb.index.errors(sid)
        segs_a, segs_b = sa.index.segments(sid), sb.index.segments(sid)
        assert len(segs_a) > 2 and len({m.view_id for m in segs_a}) > 1
        assert [(m.index, m.start_ms, m.end_ms, m.record_count, m.creation_reason, m.view_id,
                 m.has_full_snapshot) for m in segs_a] == \
            [(m.index, m.start_ms, m.end_ms, m.record_count, m.creation_reason, m.view_id,
              m.has_full_snapshot) for m in segs_b]
        assert list(sa.session(sid).events()) == list(sb.session(sid).events())


@pytest.mark.parametrize("n", [0, 1, ContentDigest.RUN, ContentDigest.RUN + 1, 2 * ContentDigest.RUN + 5])
def test_digest_of_batches_is_the_digest_of_one_event_at_a_time(events, n):
    evs = (events * (1 + n // len(events)))[:n]
    one = ContentDigest()
    for e in evs:
        one.add(e)
    batched = ContentDigest()
    for k in range(0, n, 1000):   # runs and batches cut at other places
        batched.extend(evs[k:k + 1000])
    assert batched.hexdigest() == one.hexdigest()
    assert (ContentDigest().hexdigest() == one.hexdigest()) == (n == 0)


def test_export_marker_names_the_session(tmp_path, events):
    f = write(tmp_path / "x.json", [session_marker("exported-1", T0)] + events)
    assert [r.id for r in streamed(tmp_path / "d", f)] == ["exported-1"]


def test_reimport_same_longer_and_shorter_decided_as_whole_import(tmp_path, events):
    data = tmp_path / "d"
    half = write(tmp_path / "half.json", events[:1500])
    full = write(tmp_path / "full.json", events)
    [r] = streamed(data, half)
    assert r.outcome is Outcome.NEW
    assert [x.outcome for x in streamed(data, half)] == [Outcome.SAME]
    with Store.open(data) as s:
        first = list(s.session(r.id).events())
    [r2] = streamed(data, full)
    assert (r2.id, r2.outcome) == (r.id, Outcome.EXTENDS)
    # the appended session holds what importing the longer file whole holds: what was
    # appended as it is there, what was stored as it was (an import never rewrites it: a
    # value typed later whose echo it holds - "[cache] the supplier tickets" - was masked
    # in it as far as the values typed by then tell, the rest of the echo is in the whole's)
    [w] = whole(tmp_path / "w", full)
    with Store.open(data) as s, Store.open(tmp_path / "w") as t:
        got, want = list(s.session(r.id).events()), list(t.session(w.id).events())
    assert got[:len(first)] == first and got[len(first):] == want[len(first):]
    assert [(e["type"], e["timestamp"]) for e in got] == \
        [(e["type"], e["timestamp"]) for e in want]
    before = state(data)
    [x] = streamed(data, half)   # the earlier, shorter file: every event of it is stored
    assert (x.id, x.outcome, x.added) == (r.id, Outcome.SAME, 0)
    # (counted as stored: after the privacy rules, which leave some of these out)
    kept = len(first)
    assert x.note == f"the stored session holds these {kept:,} events and {len(got) - kept:,} more"
    assert state(data) == before
    assert [x.outcome for x in streamed(data, full)] == [Outcome.SAME]


@pytest.mark.parametrize("how", ["json", "gzip", "zstd"])
def test_cut_off_file_stores_nothing(tmp_path, events, how, monkeypatch):
    data = tmp_path / "d"
    other = list(generate_session(200, seed=99))
    streamed(data, write(tmp_path / "other.json", other))   # something stored before
    before = state(data)
    blob = write(tmp_path / f"rec.{how}", events, how).read_bytes()
    cut = tmp_path / f"cut.{how}"
    cut.write_bytes(blob[: len(blob) * 3 // 4])
    written: list[str] = []
    real_write = store_mod._PendingWrite.write

    def write_and_note(self, rel, blob):   # the real write, noted
        real_write(self, rel, blob)
        written.append(rel)
    monkeypatch.setattr(store_mod._PendingWrite, "write", write_and_note)
    monkeypatch.setattr(store_mod, "STREAM_BATCH", 100)   # a small file, many steps
    with pytest.raises(DamagedRecording):
        streamed(data, cut, chunk_size=4096, max_segment_records=250)
    assert written, "segments are written as they fill, before the damage is met"
    assert not any((data / rel).exists() for rel in written)
    assert state(data) == before


def test_json_cut_mid_array_stores_nothing_and_partial_reads_what_came_before(tmp_path, events):
    text = json.dumps(events).encode()
    cut = tmp_path / "cut.json"
    cut.write_bytes(text[: len(text) // 2])
    with pytest.raises(DamagedRecording, match="breaks off after"):
        list(EventStream(cut))
    s = EventStream(cut, partial=True)
    got = list(s)
    assert got == events[: len(got)] and 0 < len(got) < len(events)
    assert "breaks off" in s.damaged


@pytest.mark.parametrize("chunk_size", [1 << 20, 4096], ids=["one-chunk", "many-chunks"])
def test_an_array_followed_by_other_data_is_refused_and_partial_keeps_every_event(
        tmp_path, events, chunk_size):
    """Something after the array's `]` (two arrays back to back, a stray line): refused, and
    with `--partial` every event of the array is the recording - a file read in one chunk lost
    them all ("nothing before that decoded": the events of the chunk that held the `]` were
    dropped with the damage)."""
    events = [dict(e, sessionId="s1") for e in events]   # (not ending with its timestamp:
    f = tmp_path / "tail.json"                           # no cut is guessed, as in rrweb's demo)
    f.write_text(json.dumps(events) + "\nGARBAGE")
    with pytest.raises(DamagedRecording, match="followed by other data"):
        list(EventStream(f, chunk_size=chunk_size))
    s = EventStream(f, partial=True, chunk_size=chunk_size)
    assert list(s) == events
    assert "followed by other data" in s.damaged


@settings(max_examples=25, deadline=None)
@given(size=st.integers(min_value=1, max_value=3000), seed=st.integers(0, 10_000))
def test_chunk_boundaries_never_change_the_events(tmp_path_factory, size, seed):
    """Wherever the chunks fall (inside strings, escapes, numbers, between elements), the
    array splits into the same events."""
    evs = [{"type": 3, "timestamp": T0 + i, "data": {"source": 5, "text": f'a"b\\\\c}},{{[{seed}]',
                                                     "n": -1.5e-3 * i, "ok": i % 2 == 0,
                                                     "none": None}}
           for i in range(40)]
    f = tmp_path_factory.mktemp("c") / "x.json"
    f.write_text(json.dumps(evs, indent=seed % 3 or None))
    assert list(EventStream(f, chunk_size=size)) == evs


def test_envelopes_and_several_windows_are_not_streamed(tmp_path, events):
    env = tmp_path / "env.json"
    env.write_text(json.dumps({"events": events[:10]}))
    with pytest.raises(NotStreamable):
        list(EventStream(env))
    wins = tmp_path / "wins.json"
    wins.write_text(json.dumps([dict(e, windowId="w1") for e in events[:5]]
                               + [dict(e, windowId="w2") for e in events[5:10]]))
    with pytest.raises(NotStreamable):
        list(EventStream(wins))


def test_as_new_and_partial_place_sessions_as_the_whole_import_does(tmp_path, events):
    data = tmp_path / "d"
    full = write(tmp_path / "full.json", events)
    other = [dict(e) for e in events]
    other[-1] = dict(other[-1], timestamp=other[-1]["timestamp"] - 1)   # differs inside
    changed = write(tmp_path / "changed.json", other)
    [r] = streamed(data, full)
    with pytest.raises(ImportConflict):
        streamed(data, changed)
    [n] = streamed(data, changed, as_new=True)
    assert (n.id, n.outcome) == (f"{r.id}_new", Outcome.NEW)
    assert [x.outcome for x in streamed(data, changed, as_new=True)] == [Outcome.SAME]
    [p] = streamed(data, full, partial="the file was cut off")
    assert (p.id, p.outcome) == (f"{r.id}_partial", Outcome.NEW)
    with Store.open(data) as s:
        assert s.index.session(p.id).context == {"partial": "the file was cut off"}
        assert list(s.session(p.id).events()) == list(s.session(r.id).events())
