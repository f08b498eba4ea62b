"""A recording's own session id that is not usable as a file name (`a b c`, `a/b/c`,
`../../etc/evil`): `replay import` stored each made safe without a word, so `a b c` and
`a/b/c` were both `a_b_c` and the second recording was refused as disagreeing with the
first. A rewritten id now ends with a short hash of the original, the import says so in a
note, and a safe id is stored as it is."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from app.cli import main
from recorder import sessions as sessions_mod
from recorder.ingest import Outcome
from recorder.sessions import clean_id, content_hashed_id, hashed_session_id, old_clean_id
from recorder.store import LocalStore, Store
from replay_tools.generator import generate_session


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def events() -> list[dict]:
    return list(generate_session(50, duration_ms=5000, seed=1))


def recording(tmp_path: Path, events: list[dict], sid: str, name: str, shift: int = 0) -> Path:
    """The events as a recording whose every event carries rrweb's legacy `sessionId`."""
    f = tmp_path / f"{name}.json"
    f.write_text(json.dumps([dict(e, sessionId=sid, timestamp=e["timestamp"] + shift)
                             for e in events]))
    return f


def stored(capsys, data: Path) -> dict[str, int]:
    code, out, _ = run(capsys, "--data", data, "sessions", "--json")
    assert code == 0
    return {s["id"]: s["record_count"] for s in json.loads(out)}


def test_ids_that_read_alike_once_made_safe_stay_apart_and_the_import_says_so(
        tmp_path, capsys, events):
    data = tmp_path / "d"
    data.mkdir()   # (a new folder's import says it made it)
    files = {"a b c": recording(tmp_path, events, "a b c", "spaces"),
             "../../etc/evil": recording(tmp_path, events, "../../etc/evil", "evil", 1000),
             "a/b/c": recording(tmp_path, events, "a/b/c", "slashes", 2000)}
    ids = {}
    for original, f in files.items():
        code, out, err = run(capsys, "--data", data, "import", f)
        assert code == 0, err
        (sid,) = out.split()
        ids[original] = sid
        # one note: the id the recording gives, and the one to look it up by here
        notes = [ln for ln in err.splitlines() if ln.strip()]
        assert notes == [f"replay: note: {f}: session id {original!r} is not usable as a file"
                         f" name, stored as {sid}"], err
    assert len(set(ids.values())) == 3
    # --json says it too: the id the ticket names beside the one to look up here
    code, out, _ = run(capsys, "--data", tmp_path / "d2", "import", "--json", *files.values())
    assert code == 0
    assert [r["recorded_ids"] for r in json.loads(out)] == [{sid: original}
                                                           for original, sid in ids.items()]
    assert ids["a b c"].startswith("a_b_c-") and ids["a/b/c"].startswith("a_b_c-")
    assert ids["../../etc/evil"].startswith("_.._etc_evil-")
    assert stored(capsys, data) == dict.fromkeys(ids.values(), len(events))
    # every file of the store is inside its data folder
    for p in data.rglob("*"):
        assert p.resolve().is_relative_to(data.resolve())

    # the same file again stores nothing, under the same id
    code, out, err = run(capsys, "--data", data, "import", files["a b c"])
    assert code == 0 and out.split() == [ids["a b c"]], err
    assert f"{ids['a b c']}: already stored, nothing new" in err
    assert stored(capsys, data) == dict.fromkeys(ids.values(), len(events))

    # the id the customer gives finds the session - one that looks like a path too (it was
    # "a/b/c: no such file"), in the commands that take a session or a file
    for given in ("a b c", "a/b/c"):
        out_file = tmp_path / "out.json"
        code, _, err = run(capsys, "--data", data, "export", given, "-o", out_file, "--overwrite")
        assert code == 0, err
        exported = json.loads(out_file.read_text())
        assert exported[0]["data"]["payload"]["id"] == ids[given]   # the export's marker
        assert len(exported) == len(events) + 1
        code, out, err = run(capsys, "--data", data, "audit", given)
        assert code in (0, 1) and ids[given] in out, err
    # a path to no file, and a folder, are said to be that, not a session no one stored
    for name, said in ((str(tmp_path / "gone" / "x.json"), "no such file - check the path"),
                       (str(tmp_path), "is a folder")):
        code, _, err = run(capsys, "--data", data, "audit", name)
        assert code == 2 and said in err and "no session" not in err, err


def test_a_safe_id_is_stored_as_it_is_without_a_note(tmp_path, capsys, events):
    f = recording(tmp_path, events, "Sitzung-Größe_1.2", "safe")
    (tmp_path / "d").mkdir()   # (a new folder's import says it made it)
    code, out, err = run(capsys, "--data", tmp_path / "d", "import", f)
    assert code == 0 and out.split() == ["Sitzung-Größe_1.2"], err
    assert "note" not in err


def test_a_hinted_id_read_whole_and_its_later_sessions_stay_apart(tmp_path, events):
    """The store's own path (a recording read whole, its id given as PostHog's/Sentry's
    are): `a b c` and `a/b/c` are two sessions, and so are a recording's later sessions
    (past 15 minutes without activity) under its id."""
    later = [dict(e, timestamp=e["timestamp"] + 3600_000) for e in events]
    with Store.open(tmp_path / "d") as store:
        first = store.ingest_outcomes(events + later, session_id="a b c")
        second = store.ingest_outcomes(events + later, session_id="a/b/c")
        again = store.ingest_outcomes(events + later, session_id="a b c")
        ids = [r.id for r in first + second]
        assert len(set(ids)) == 4 and all(r.outcome is Outcome.NEW for r in first + second)
        assert [r.original for r in first] == ["a b c", f"a b c.{int(later[0]['timestamp'])}"]
        assert [(r.id, r.outcome) for r in again] == [(r.id, Outcome.SAME) for r in first]
        assert store.resolve("a/b/c") == second[0].id
        # a safe hint: stored as it is, nothing said
        (safe,) = store.ingest_outcomes(events, session_id="abc.1")
        assert (safe.id, safe.original) == ("abc.1", None)


@pytest.mark.parametrize("streamed", [True, False])
def test_a_recording_stored_before_ids_got_their_hash_is_not_stored_again(
        tmp_path, capsys, events, monkeypatch, streamed):
    """A store written before: `a b c` was stored as `a_b_c`. Importing the same file again
    finds it (by its input digest) instead of storing it a second time."""
    data = tmp_path / "d"
    with monkeypatch.context() as m:   # the old naming (sessions.derive_session_id names them)
        m.setattr(sessions_mod, "clean_id", old_clean_id)
        with Store.open(data) as store:
            (old,) = store.ingest([dict(e, sessionId="a b c") for e in events])
    assert old == "a_b_c"
    if streamed:
        code, out, err = run(capsys, "--data", data, "import",
                             recording(tmp_path, events, "a b c", "again"))
        assert code == 0 and out.split() == ["a_b_c"], err
        assert "a_b_c: already stored, nothing new" in err
    else:
        with Store.open(data) as store:
            (r,) = store.ingest_outcomes([dict(e, sessionId="a b c") for e in events])
        assert (r.id, r.outcome) == ("a_b_c", Outcome.SAME)
    assert list(stored(capsys, data)) == ["a_b_c"]
    # another recording that was refused then is stored now
    with Store.open(data) as store:
        (other,) = store.ingest_outcomes([dict(e, timestamp=e["timestamp"] + 1000)
                                          for e in events], session_id="a/b/c")
    assert other.outcome is Outcome.NEW and other.id == clean_id("a/b/c") != "a_b_c"


@pytest.mark.parametrize("streamed", [True, False])
def test_a_recording_stored_before_ids_were_made_of_its_shape_is_not_stored_again(
        tmp_path, capsys, events, monkeypatch, streamed):
    """A store written before: a recording that gives no id was named by a hash of its first
    events whole, its input digest unkeyed. Importing the same file again finds it (that
    name and digest are compared, never written) instead of storing it twice."""
    data = tmp_path / "d"
    with monkeypatch.context() as m:   # the old naming, the old digest
        m.setattr(sessions_mod, "hashed_session_id", content_hashed_id)
        m.setattr(LocalStore, "id_key", lambda self: b"")
        with Store.open(data) as store:
            (old,) = store.ingest(copy.deepcopy(events))
    assert old == content_hashed_id(events) != hashed_session_id(events)
    f = tmp_path / "again.json"
    f.write_text(json.dumps(events))
    if streamed:
        code, out, err = run(capsys, "--data", data, "import", f)
        assert code == 0 and out.split() == [old], err
        assert f"{old}: already stored, nothing new" in err
    else:
        with Store.open(data) as store:
            (r,) = store.ingest_outcomes(copy.deepcopy(events))
        assert (r.id, r.outcome) == (old, Outcome.SAME)
    assert list(stored(capsys, data)) == [old]


def test_a_hashed_id_says_nothing_of_what_the_events_say(events):
    """The id of a recording that gives none is made of its events' types, times and
    sources: the same recording with every text, value and attribute said otherwise (a
    guess put back where the rules masked) has the same id, so a masked session's id cannot
    check a guess."""
    def guessed(v):
        if isinstance(v, str):
            return "a guess"
        if isinstance(v, list):
            return [guessed(x) for x in v]
        if isinstance(v, dict):
            return {k: guessed(x) if k not in ("type", "timestamp", "source") else x
                    for k, x in v.items()}
        return v
    other = guessed(copy.deepcopy(events))
    assert other != events
    assert hashed_session_id(other) == hashed_session_id(events)
    assert content_hashed_id(other) != content_hashed_id(events)   # (the old name: it did)


def test_a_session_id_that_is_no_text_is_no_id(tmp_path, capsys, events):
    """rrweb's legacy `sessionId` written as an object on every event (a tool's own record of
    the session): a TypeError traceback from the set the ids were gathered in. It is no id:
    the session is stored under one made from its events, as a recording with none is."""
    f = tmp_path / "object-id.json"
    f.write_text(json.dumps([dict(e, sessionId={"id": 7}) for e in events]))
    code, out, err = run(capsys, "--data", tmp_path / "data", "import", f)
    assert code == 0, err
    (sid,) = out.split()
    assert sid == run(capsys, "--data", tmp_path / "again", "import", f)[1].strip()
    assert len(sid) == 36 and sid.count("-") == 4     # hashed from the events: no id given


@pytest.mark.parametrize("sid", ["中" * 86, "é" * 130 + "x"], ids=["cjk", "accents"])
def test_an_id_too_long_for_a_file_name_in_bytes_is_rewritten(tmp_path, capsys, events, sid):
    """86 characters of another script are 258 bytes, longer than a file name may be: the
    import failed ("File name too long - check the path and its permissions") and left an
    empty folder behind. Such an id is rewritten as an unsafe one is."""
    f = recording(tmp_path, events, sid, "long")
    data = tmp_path / "data"
    code, out, err = run(capsys, "--data", data, "import", f)
    assert code == 0, err
    (stored,) = out.split()
    assert stored == clean_id(sid) != sid and len(stored.encode()) <= 255
    assert stored.endswith("-" + clean_id(sid).rsplit("-", 1)[1])
    assert {p.name for p in (data / "segments").iterdir()} == {stored[:2]}
    assert run(capsys, "--data", data, "import", f)[0] == 0   # known again: not stored twice
    with Store.open(data) as s:
        assert [i.id for i in s.sessions()] == [stored]
    # an id as long in characters but within a name's bytes stays as it is
    assert clean_id("中" * 85) == "中" * 85
