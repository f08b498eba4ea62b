"""A value typed into a masked field in a batch one worker of `replay serve --workers 2` took
is masked where the page shows it again in a batch the other worker takes (a privacy
officer's tryout: "Aurelio Tintenfisch", typed, then greeted and logged in the next batch,
was stored in clear in 3 sessions of 6 - the other worker's masker, resumed from the stored
events, held the value masked). Two LiveIntake objects on one data folder stand for the two
worker processes, as in test_intake_live; every byte of the data folder is searched, the
workers' shared journal (recorder.intake.typed_journal) among them."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from recorder.intake.apps import Applications
from recorder.intake.live import LiveIntake
from recorder.intake.typed_journal import JOURNAL_DIR, TypedJournal
from recorder.intake.wire import Batch
from recorder.privacy import parse_rules
from recorder.privacy.echoes import Echoes
from recorder.privacy.preview import html_to_events
from recorder.sealed import Seal
from recorder.store import Store
from replay_tools.stored import hits, stored_bytes
from tests.recorder.test_privacy_echoes import DEFAULT, ID, PAGE, T0, console, text, typed

NAME = "Aurelio Tintenfisch"


def _shifted(events: list[dict], quiet_min: int = 0) -> list[dict]:
    """The events moved to now (less `quiet_min` minutes): live batches are refused when
    older than 24 hours."""
    shift = int(time.time() * 1000) - quiet_min * 60_000 - 60_000 - T0
    for e in events:
        e["timestamp"] += shift
    return events


def _workers(data: Path, n: int = 2) -> list[LiveIntake]:
    return [LiveIntake(Store.open(data), parse_rules(DEFAULT)) for _ in range(n)]


def _app(data: Path):
    apps = Applications(data)
    app, _ = apps.create("portal")
    return apps, app


def _stored_text(data: Path, sid: str) -> str:
    with Store.open(data) as store, store.session(sid) as reader:
        return json.dumps(list(reader.events()))


def _typing(value: str, ms: int) -> list[dict]:
    return [typed("coupon", value[:n], ms=ms + n) for n in range(4, len(value) + 1)]


def test_an_echo_in_the_other_workers_batch_is_masked(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    apps, app = _app(data)
    a, b = _workers(data)
    first = _shifted(html_to_events(PAGE, href="https://portal.example/profile", timestamp=T0)
                     + _typing(NAME, ms=100))
    second = _shifted([text(f"Hello {NAME}", ms=300), console(f"saving {NAME}", ms=301)])
    assert a.accept(app, Batch(session_id="visit-1", events=first)) == ["visit-1"]
    assert b.accept(app, Batch(session_id="visit-1", events=second)) == ["visit-1"]
    got = _stored_text(data, "visit-1")
    assert "Hello ***" in got and "saving ***" in got
    assert hits(stored_bytes(data), {"typed": [NAME, "Tintenfisch"]}) == []
    assert list((data / JOURNAL_DIR).iterdir())   # what b read it from: sealed, as searched
    for w in (a, b):
        w.store.close()
    apps.close()


def test_keystrokes_on_both_workers_fade_as_on_one(tmp_path):
    """Typed across the two workers' batches, the field's earlier keystrokes fade as they do
    on one worker (the journal is replayed at their times, each as its field's keystroke):
    the page's own word "Aure" - a keystroke on the way, faded - stays, the value typed to
    the end goes."""
    data = tmp_path / "data"
    data.mkdir()
    apps, app = _app(data)
    a, b = _workers(data)
    keys = _typing(NAME, ms=100)
    first = _shifted(html_to_events(PAGE, href="https://portal.example/profile", timestamp=T0)
                     + keys[:3])
    second = _shifted(keys[3:] + [text(f"Aure met {NAME}", ms=30_000)])
    a.accept(app, Batch(session_id="visit-1", events=first))
    b.accept(app, Batch(session_id="visit-1", events=second))
    got = _stored_text(data, "visit-1")
    assert "Aure met ***" in got

    # the same on one worker: what the two stored is what one stores
    one = tmp_path / "one"
    one.mkdir()
    apps1, app1 = _app(one)
    (w,) = _workers(one, 1)
    first = _shifted(html_to_events(PAGE, href="https://portal.example/profile", timestamp=T0)
                     + _typing(NAME, ms=100)[:3])
    w.accept(app1, Batch(session_id="visit-1", events=first))
    w.accept(app1, Batch(session_id="visit-1", events=_shifted(
        _typing(NAME, ms=100)[3:] + [text(f"Aure met {NAME}", ms=30_000)])))
    assert "Aure met ***" in _stored_text(one, "visit-1")
    for x in (a, b, w):
        x.store.close()
    apps.close()
    apps1.close()


def test_compaction_by_the_other_worker_masks_an_echo_from_before_the_typing(tmp_path):
    """The page greeted the name (batch 1, worker b) before it was typed (batch 2, worker a);
    b compacts the quiet session and rewrites it without the name, from the journal."""
    data = tmp_path / "data"
    data.mkdir()
    apps, app = _app(data)
    a, b = _workers(data)
    first = _shifted(html_to_events(PAGE, href="https://portal.example/profile", timestamp=T0)
                     + [text(f"Welcome back {NAME}", ms=50)], quiet_min=40)
    second = _shifted(_typing(NAME, ms=100), quiet_min=40)
    b.accept(app, Batch(session_id="visit-1", events=first))
    a.accept(app, Batch(session_id="visit-1", events=second))
    assert hits(stored_bytes(data), {"typed": [NAME]})   # the premise: stored before the typing
    assert b.compact_idle() == ["visit-1"]
    assert hits(stored_bytes(data), {"typed": [NAME, "Tintenfisch"]}) == []
    assert "Welcome back ***" in _stored_text(data, "visit-1")
    for w in (a, b):
        w.store.close()
    apps.close()


def test_a_journal_sealed_by_another_server_is_noise_and_cleared_at_start(tmp_path):
    gone = TypedJournal(tmp_path, Seal())        # a server that stopped: its key died with it
    gone.append("visit-1", [["t", NAME, ID["coupon"], T0]])
    raw = (tmp_path / JOURNAL_DIR / "visit-1.log").read_bytes()
    assert NAME.encode() not in raw and b"Tintenfisch" not in raw
    assert gone.read("visit-1")[0] == [["t", NAME, ID["coupon"], T0]]
    assert TypedJournal(tmp_path, Seal()).read("visit-1")[0] == []   # another key: nothing
    TypedJournal.clear(tmp_path)
    assert not (tmp_path / JOURNAL_DIR).exists()


def test_deleting_a_session_deletes_its_visits_journal(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    apps, app = _app(data)
    (a,) = _workers(data, 1)
    a.accept(app, Batch(session_id="visit-1", events=_shifted(
        html_to_events(PAGE, href="https://portal.example/profile", timestamp=T0)
        + _typing(NAME, ms=100))))
    journal = data / JOURNAL_DIR / "visit-1.log"
    assert journal.exists()
    a.store.delete_session("visit-1")
    assert not journal.exists()
    a.store.close()
    apps.close()


# --- the review's cases: every way a masker is handed out reads what the others noted -----
M = 60_000


def test_a_batch_masked_away_whole_still_tells_the_other_worker_what_was_typed(tmp_path):
    """A hidden field's keystrokes alone: nothing stored (the store's count did not move, so
    the other worker's masker counted as up to date), the value noted all the same."""
    from tests.recorder.test_privacy_echoes import STRICT
    data = tmp_path / "data"
    data.mkdir()
    apps, app = _app(data)
    a, b = [LiveIntake(Store.open(data), parse_rules(STRICT)) for _ in range(2)]
    a.accept(app, Batch(session_id="v", events=_shifted(
        html_to_events(PAGE, href="https://portal.example/", timestamp=T0))))
    b.accept(app, Batch(session_id="v", events=_shifted(_typing(NAME, ms=100))))
    a.accept(app, Batch(session_id="v", events=_shifted([console(f"hello {NAME}", ms=30_000)])))
    assert hits(stored_bytes(data), {"typed": [NAME]}) == []
    for w in (a, b):
        w.store.close()
    apps.close()


# client ids with dots, digits after one too, are one visit with their continuations (a
# reviewer's find: `visit.7`'s continuation read another journal, `visit.log`, deleted with
# the client's first session, and the name typed reached disk)
@pytest.mark.parametrize("sid", ["visit-1", "visit.7", "v-2.7.8"])
def test_the_visits_next_session_on_the_other_worker_masks_what_was_typed_before(tmp_path, sid):
    """20 minutes later the visit goes on as a new session, with a page of its own, on the
    worker that never saw the typing."""
    data = tmp_path / "data"
    data.mkdir()
    apps, app = _app(data)
    a, b = _workers(data)
    a.accept(app, Batch(session_id=sid, events=_shifted(
        html_to_events(PAGE, href="https://portal.example/profile", timestamp=T0)
        + _typing(NAME, ms=100), quiet_min=30)))
    (later,) = b.accept(app, Batch(session_id=sid, events=_shifted(
        html_to_events(PAGE, href="https://portal.example/home", timestamp=T0 + 20 * M)
        + [console(f"welcome back {NAME}", ms=20 * M + 50)], quiet_min=30)))
    assert later != sid   # (the premise: a new session of the visit)
    assert hits(stored_bytes(data), {"typed": [NAME, "Tintenfisch"]}) == []
    for w in (a, b):
        w.store.close()
    apps.close()


# client ids with dots, digits after one too, are one visit with their continuations (a
# reviewer's find: `visit.7`'s continuation read another journal, `visit.log`, deleted with
# the client's first session, and the name typed reached disk)
@pytest.mark.parametrize("sid", ["visit-1", "visit.7", "v-2.7.8"])
def test_an_earlier_session_deleted_leaves_the_visits_journal_to_the_rest(tmp_path, sid):
    other = "Zebulon Quack"
    data = tmp_path / "data"
    data.mkdir()
    apps, app = _app(data)
    a, b = _workers(data)
    a.accept(app, Batch(session_id=sid, events=_shifted(
        html_to_events(PAGE, href="https://portal.example/profile", timestamp=T0)
        + _typing(NAME, ms=100), quiet_min=40)))
    a.accept(app, Batch(session_id=sid, events=_shifted(
        html_to_events(PAGE, href="https://portal.example/home", timestamp=T0 + 20 * M)
        + [console("hi", ms=20 * M + 50)], quiet_min=40)))
    a.store.delete_session(sid)        # the visit's earlier session, erased
    assert (data / JOURNAL_DIR / f"{sid}.log").exists()   # (its later one goes on)
    b.accept(app, Batch(session_id=sid, events=_shifted(_typing(other, ms=21 * M),
                                                             quiet_min=40)))
    a.accept(app, Batch(session_id=sid, events=_shifted(
        [console(f"hello {other}", ms=22 * M)], quiet_min=40)))
    assert hits(stored_bytes(data), {"typed": [other]}) == []
    for w in (a, b):
        w.store.close()
    apps.close()


def test_an_earlier_session_compacted_is_masked_again_with_what_the_other_worker_saw(tmp_path):
    """Shown, then typed 16 minutes later - in the visit's next session, which the other
    worker took: compacting that one masks the earlier one again, whichever worker does."""
    from tests.recorder.test_import_echoes_before_typing import (SECRET, SPLIT_MS,
                                                                 _now_shifted, _visit,
                                                                 shown_then_away_then_typed)
    data, apps, app, (a, b) = _visit(tmp_path, workers=2)
    events = _now_shifted(shown_then_away_then_typed(), 2 * SPLIT_MS + M)
    cut = next(i for i, e in enumerate(events)
               if e["timestamp"] - events[0]["timestamp"] > SPLIT_MS)
    a.accept(app, Batch(session_id="s1", events=events[:cut]))
    a.compact_idle()
    b.accept(app, Batch(session_id="s1", events=events[cut:]))
    assert hits(stored_bytes(data), {"typed": [SECRET]})   # the premise: the first holds it
    a.compact_idle()   # (the worker that never saw the typing compacts the later session)
    b.compact_idle()
    assert hits(stored_bytes(data), {"typed": [SECRET]}) == []
    for w in (a, b):
        w.store.close()
    apps.close()


def test_a_masker_made_again_from_storage_fades_keystrokes_as_before(tmp_path):
    """Its DOM let go (memory, a failed batch): made again, the echoes it kept were resumed
    again and counted their pages twice - a keystroke on the way ("Aureli") stayed a value,
    masking the page's own "Aureli"."""
    data = tmp_path / "data"
    data.mkdir()
    apps, app = _app(data)
    (a,) = _workers(data, 1)
    keys = _typing(NAME, ms=100)
    a.accept(app, Batch(session_id="v", events=_shifted(
        html_to_events(PAGE, href="https://portal.example/", timestamp=T0) + keys[:3])))
    a.maskers(app).close("v")
    a.accept(app, Batch(session_id="v", events=_shifted(
        _typing(NAME, ms=100)[3:] + [text("Aureli met", ms=30_000)])))
    assert "Aureli met" in _stored_text(data, "v")
    a.store.close()
    apps.close()


def test_a_journal_made_again_or_cut_short_is_read_whole_from_its_start(tmp_path):
    """A second reviewer's: a file deleted and made again took its inode back, and a place
    read in the old one started the read mid-record - nothing read, for good; and a record
    cut short at the end (a worker killed mid-write) swallowed every record after it."""
    journal = TypedJournal(tmp_path, Seal())
    echoes = Echoes()
    journal.append("v", [["p", "first"]])
    journal.catch_up("v", echoes)
    assert echoes.journal_pos is not None
    path = tmp_path / JOURNAL_DIR / "v.log"
    for _ in range(5):   # made again, as often as it takes an inode to come back
        path.unlink()
        journal.append("v", [["p", "again"]])
        entries, _pos = journal.read("v", echoes.journal_pos)
        assert entries == [["p", "again"]]
    with open(path, "ab") as f:   # cut short: a length, and half a record
        f.write((500).to_bytes(4, "big") + b"x" * 100)
    journal.append("v", [["p", "after the cut"]])
    assert journal.read("v")[0] == [["p", "again"], ["p", "after the cut"]]
    # a record this worker wrote first (the file new) is not read back as another's
    own, other = Echoes(), TypedJournal(tmp_path / "other", Seal())
    (tmp_path / "other").mkdir()
    other.append("w", [["p", "mine"]], own)
    assert other.read("w", own.journal_pos)[0] == [] and other.read("w")[0] == [["p", "mine"]]


def test_appending_reads_only_what_lies_past_the_place_read_to(tmp_path, monkeypatch):
    """Every batch with typing appended to its visit's journal, and read the whole journal
    again first (to cut a record a killed worker left short): a long visit's batches grew
    slower with each. Past the place its masker read to, only the file's id and what
    another worker added since are read; a record cut short there is still cut off."""
    import builtins

    from recorder.intake import typed_journal

    journal, echoes = TypedJournal(tmp_path, Seal()), Echoes()
    for i in range(300):
        journal.catch_up("v", echoes)
        journal.append("v", [["p", f"value {i}" * 20]], echoes)
    size = (tmp_path / JOURNAL_DIR / "v.log").stat().st_size
    read: list[int] = []

    def counting_open(*args, **kwargs):
        f = builtins.open(*args, **kwargs)
        real = f.read

        def counted(*a):
            got = real(*a)
            read.append(len(got))
            return got
        f.read = counted
        return f
    monkeypatch.setattr(typed_journal, "open", counting_open, raising=False)
    journal.catch_up("v", echoes)
    journal.append("v", [["p", "one more"]], echoes)
    assert size > 50_000 and sum(read) < 1_000, (size, read)
    other = TypedJournal(tmp_path, journal._seal)   # another worker's record, then a cut one
    other.append("v", [["p", "the other's"]])
    with open(tmp_path / JOURNAL_DIR / "v.log", "ab") as f:
        f.write((500).to_bytes(4, "big") + b"x" * 100)
    read.clear()
    journal.append("v", [["p", "after the cut"]], echoes)
    assert sum(read) < 1_000, read
    assert journal.read("v")[0][-3:] == [["p", "one more"], ["p", "the other's"],
                                          ["p", "after the cut"]]


def test_a_place_read_in_a_file_made_again_since_cuts_nothing_of_the_new_one(tmp_path):
    """A reviewer's: the place a worker's masker read to is a place in the file of
    that id only - the visit's journal deleted and made again by the other worker, longer
    than that place, is read from its start to find a record cut short, and nothing of the
    other worker's records is cut away."""
    seal = Seal()
    mine, other, echoes = TypedJournal(tmp_path, seal), TypedJournal(tmp_path, seal), Echoes()
    mine.append("v", [["p", "mine"]], echoes)
    assert echoes.journal_pos is not None
    (tmp_path / JOURNAL_DIR / "v.log").unlink()
    for i in range(5):   # made again, its records past the place read in the old one
        other.append("v", [["p", f"the other's {i}" * 10]])
    mine.append("v", [["p", "mine again"]], echoes)
    assert [e[1] for e in mine.read("v")[0]] == [f"the other's {i}" * 10 for i in range(5)] + [
        "mine again"]
