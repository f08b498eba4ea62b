"""`replay delete`: a person's sessions erased on request, or sessions past a retention
date, or ones named - and afterwards nothing of them is in any byte of the data folder
(index pages overwritten, its log emptied, segment files, set-aside files, thumbnails)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from recorder.thumbnail_cache import THUMBNAILS_DIR, thumbnail_path
from recorder.store import UNREFERENCED_DIR, Store

from terminal import replay_at_a_terminal

T0 = int(time.time() * 1000) - 3 * 86_400_000
ADA = {"id": "u-ada-7f3", "name": "Ada Quokkasdottir", "email": "ada.quokka@example.org"}
ADAM = {"id": "u-adam-91c", "name": "Adam", "email": "adam@example.org"}


def _session(t: int, tag: str) -> list[dict]:
    return [{"type": 4, "timestamp": t, "data": {"href": f"https://shop.test/{tag}",
                                                  "width": 800, "height": 600}},
            {"type": 2, "timestamp": t + 1, "data": {"initialOffset": {"left": 0, "top": 0},
                                                      "node": {"type": 0, "id": 1, "childNodes": [
                                                          {"type": 2, "id": 2, "tagName": "html",
                                                           "attributes": {}, "childNodes": []}]}}},
            {"type": 5, "timestamp": t + 2, "data": {"tag": "step", "payload": {"i": 1}}}]


def _replay(*args: str, data: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "app", "--data", str(data), *args], env=env,
                          input=stdin, capture_output=True, text=True, timeout=120)


def _all_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


@pytest.fixture
def data(tmp_path) -> tuple[Path, dict[str, str]]:
    """Two sessions of Ada (one 3 days old, one today), one of Adam's (3 days old), each
    with a cached thumbnail; one of Ada's with a damaged file `repair` set aside."""
    root = tmp_path / "data"
    ids = {}
    with Store.open(root) as store:
        ids["ada-old"] = store.ingest(_session(T0, "a1"), user=ADA)[0]
        ids["ada-new"] = store.ingest(_session(int(time.time() * 1000) - 60_000, "a2"),
                                      user=ADA)[0]
        ids["adam"] = store.ingest(_session(T0 + 5000, "m1"), user=ADAM)[0]
        for sid in ids.values():
            pic = thumbnail_path(root, sid, [s.file for s in store.index.segments(sid)])
            pic.parent.mkdir(exist_ok=True)
            pic.write_bytes(b"PNG of " + sid.encode())
        aside = root / UNREFERENCED_DIR / store.index.segments(ids["ada-old"])[0].file
        aside.parent.mkdir(parents=True)
        aside.write_bytes(b"damaged copy of " + ADA["email"].encode())
    return root, ids


def test_a_users_sessions_are_erased_to_the_last_byte(data):
    root, ids = data
    assert ADA["email"].encode() in _all_bytes(root)      # the index holds it, in the clear
    p = _replay("delete", "--user", ADA["email"].upper(), "--yes", data=root)
    assert p.returncode == 0, p.stderr
    assert "erased 2 sessions: 3 files and their index rows, 2 thumbnails" in p.stderr
    with Store.open(root) as store:
        assert [s.id for s in store.sessions()] == [ids["adam"]]
        assert store.session(ids["adam"]).info.user_email == ADAM["email"]
    everything = _all_bytes(root)
    for secret in (ADA["email"], ADA["name"], ADA["id"], ids["ada-old"], ids["ada-new"]):
        assert secret.encode() not in everything, secret
    assert ADAM["email"].encode() in everything           # the other user's session stays
    assert not (root / UNREFERENCED_DIR).exists() or not any((root / UNREFERENCED_DIR).rglob("*.seg"))
    assert len(list((root / THUMBNAILS_DIR).iterdir())) == 1


def test_files_a_folder_refuses_to_delete_never_bring_the_session_back(data):
    """A segment the folder would not let go (read-only, immutable) was logged and forgotten:
    the next `replay` took it for a lost index's file and listed the erased session again.
    It stays listed for deletion: said once, never listed, deleted once the folder allows -
    `repair` does not give it back either."""
    root, ids = data
    if os.geteuid() != 0:
        pytest.skip("needs chattr +i (root)")
    with Store.open(root) as store:
        (folder,) = {(root / s.file).parent for s in store.index.segments(ids["adam"])}
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
        pytest.skip("chattr +i is not allowed here")
    try:
        p = _replay("delete", ids["adam"], "--yes", data=root)
        assert p.returncode == 0, p.stderr
        assert "1 segment file of the erased sessions could not be deleted (the folder" \
            " refused)" in p.stderr, p.stderr
        for argv in (("sessions", "--json"), ("repair",), ("sessions", "--json")):
            p = _replay(*argv, data=root)
            assert ids["adam"] not in p.stdout, (argv, p.stdout)
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    assert ids["adam"] not in _replay("sessions", "--json", data=root).stdout
    assert not folder.exists()
    assert ADAM["email"].encode() not in _all_bytes(root)


def _damage_and_repair(root: Path) -> list[Path]:
    """The index damaged and `replay repair` run: the damaged copy it sets aside."""
    with open(root / "index.sqlite3", "r+b") as f:
        f.write(b"garbage garbage garbage!")
    p = _replay("repair", data=root)
    assert p.returncode == 0 and "set aside as" in p.stdout, p.stderr
    aside = sorted(root.glob("index.sqlite3*.damaged-*"))
    assert aside and ADA["email"].encode() in b"".join(f.read_bytes() for f in aside)
    return aside


def test_an_erasure_reaches_the_damaged_index_repair_set_aside(data):
    """A damaged index `repair` set aside holds every session's rows of its day, Ada's name
    and email among them: erasing her sessions erases it too, and says so."""
    root, ids = data
    _damage_and_repair(root)
    p = _replay("delete", "--user", ADA["email"], "--yes", data=root)
    assert p.returncode == 0, p.stderr
    assert "damaged index file `replay repair` had set aside" in p.stderr, p.stderr
    assert not list(root.glob("index.sqlite3*.damaged-*"))
    everything = _all_bytes(root)
    for secret in (ADA["email"], ADA["name"], ADA["id"]):
        assert secret.encode() not in everything, secret


def test_a_remask_reaches_the_damaged_index_repair_set_aside(data):
    """Re-masked under stricter rules, what the old index held as then masked goes too."""
    root, ids = data
    _damage_and_repair(root)
    rules = root.parent / "strict.toml"
    rules.write_text('version = 1\nscrub_query_params = ["promo"]\n')
    with Store.open(root) as store:   # a URL the stricter rules scrub
        sid = store.ingest(_session(T0 + 9000, "cart?promo=PROMOSECRET77"))[0]
    _damage_and_repair(root)
    assert b"PROMOSECRET77" in b"".join(f.read_bytes() for f in root.glob("index.sqlite3*.damaged-*"))
    p = _replay("mask", sid, "--rules", str(rules), data=root)
    assert p.returncode == 0, p.stderr
    assert "damaged index files `replay repair` had set aside" in p.stderr, p.stderr
    assert not list(root.glob("index.sqlite3*.damaged-*"))
    assert b"PROMOSECRET77" not in _all_bytes(root)


def test_user_matches_whole_values_only(data):
    root, ids = data
    p = _replay("delete", "--user", "ada", "--yes", data=root)   # a part of "Adam", "Ada ..."
    # what it does find is said: the sessions whose user contains the text
    assert p.returncode == 0 and p.stderr == (
        "no sessions match - nothing erased; 3 sessions have a user containing 'ada'"
        " (replay sessions --user ada); --user matches a whole id, name or email\n")
    p = _replay("delete", "--user", "Ada Q", "--before", "2d", "--yes", data=root)
    assert p.returncode == 0 and p.stderr == (   # the other conditions still apply
        "no sessions match - nothing erased; 1 session has a user containing 'Ada Q'"
        " (replay sessions --user 'Ada Q'); --user matches a whole id, name or email\n")
    p = _replay("delete", "--user", "grace", "--yes", data=root)
    assert p.returncode == 0 and p.stderr == "no sessions match - nothing erased\n"
    p = _replay("delete", "--user", "Adam", "--yes", data=root)
    assert p.returncode == 0 and "erased 1 session" in p.stderr
    with Store.open(root) as store:
        assert sorted(s.id for s in store.sessions()) == sorted([ids["ada-old"], ids["ada-new"]])


def test_retention_by_date_and_the_dry_run(data):
    root, ids = data
    p = _replay("delete", "--before", "2d", "--dry-run", data=root)
    assert p.returncode == 0, p.stderr
    assert sorted(ln.split("\t")[0] for ln in p.stdout.splitlines()) == \
        sorted([ids["ada-old"], ids["adam"]])
    assert "would erase 2 sessions (--dry-run: nothing erased)" in p.stderr
    with Store.open(root) as store:
        assert len(store.sessions()) == 3
    p = _replay("delete", "--before", "2d", "--user", ADA["id"], "--yes", data=root)
    assert p.returncode == 0 and "erased 1 session" in p.stderr
    with Store.open(root) as store:
        assert sorted(s.id for s in store.sessions()) == sorted([ids["ada-new"], ids["adam"]])


def test_nothing_is_erased_without_a_yes_and_bad_input_is_one_line(data):
    root, ids = data
    before = _all_bytes(root)
    for args, says in ((["delete"], "name the sessions to delete, or give --user or --before"),
                       (["delete", ids["adam"]], "add --yes to erase this session"),
                       (["delete", "--user", ADA["email"]], "add --yes to erase these 2 sessions"),
                       (["delete", "nosuch", "--yes"], "no session 'nosuch'"),
                       (["delete", "--before", "last tuesday"], "neither an ISO date")):
        p = _replay(*args, data=root, stdin="")   # not a terminal: nobody to ask
        assert p.returncode == 2, (args, p.stderr)
        err = [ln for ln in p.stderr.splitlines() if ln.startswith("replay")]
        assert len(err) == 1 and says in err[0], (args, p.stderr)
        assert "Traceback" not in p.stderr
    assert _all_bytes(root) == before


def _replay_at_a_terminal(*args: str, data: Path, answer: bytes) -> tuple[int, str]:
    """`replay` with a person at its prompt, given `answer` once the prompt shows; (exit
    code, what the terminal showed)."""
    code, _, shown = replay_at_a_terminal("--data", data, *args, answer=answer, columns=200)
    return code, shown


@pytest.mark.parametrize("args, answer, asked", [
    (["{adam}"], b"\x04", "Erase this session and everything stored of it? [y/N]"),  # Ctrl+D
    (["{adam}", "{ada-old}"], b"n\n",
     "Erase these 2 sessions and everything stored of them? [y/N]"),
    (["--user", ADA["email"]], b"\n", f"Erase these 2 sessions of {ADA['email']} and"
                                       " everything stored of them? [y/N]")],
    ids=["one-ctrl-d", "two-no", "a-users-enter"])
def test_at_the_prompt_no_and_end_of_input_erase_nothing_and_are_no_error(data, args, answer,
                                                                            asked):
    """Ctrl+D at the prompt was an EOFError traceback (exit 1), a "no" was `replay: error:
    nothing erased` (exit 2): a person who declines made no mistake. It is said in a plain
    line, exit 0, as when nothing matches. The question says what it erases in good grammar."""
    root, ids = data
    before = _all_bytes(root)
    code, shown = _replay_at_a_terminal("delete", *(a.format(**ids) for a in args), data=root,
                                        answer=answer)
    assert code == 0, shown
    assert asked in shown and "Traceback" not in shown and "error" not in shown, shown
    assert shown.rstrip().splitlines()[-1].endswith("nothing erased"), shown
    assert _all_bytes(root) == before


def test_with_json_the_prompt_shows_what_it_asks_about_and_stdout_always_answers(data):
    """`delete --json` at a terminal asked about sessions it never listed (the list was left
    out for the JSON's sake); declined, or matching nothing, it printed nothing on stdout."""
    root, ids = data
    code, shown = _replay_at_a_terminal("delete", "--json", ids["adam"], data=root,
                                        answer=b"n\n")
    assert code == 0 and shown.index(ids["adam"]) < shown.index("[y/N]"), shown
    p = _replay("delete", "--json", "--user", "nobody@example.com", data=root)
    assert p.returncode == 0 and p.stdout == "[]\n", (p.stdout, p.stderr)
    # no terminal to ask at: one line says to add --yes (no list before it)
    p = _replay("delete", "--json", ids["adam"], data=root, stdin="")
    assert p.returncode == 2 and len(p.stderr.splitlines()) == 1 and "--yes" in p.stderr, \
        p.stderr
    # a dry run lists its rows as the erasure does (a script read ids there, objects here)
    dry = json.loads(_replay("delete", "--json", "--dry-run", ids["adam"], data=root).stdout)
    (listed,) = [row for row in json.loads(_replay("sessions", "--json", data=root).stdout)
                 if row["id"] == ids["adam"]]
    assert dry == [{"session": ids["adam"], "segment_files": listed["segment_count"]}]
    erased = json.loads(_replay("delete", "--json", "--yes", ids["adam"], data=root).stdout)
    assert [{k: row[k] for k in dry[0]} for row in erased] == dry


def test_at_the_prompt_yes_erases(data):
    root, ids = data
    code, shown = _replay_at_a_terminal("delete", ids["adam"], data=root, answer=b"y\n")
    assert code == 0 and "erased 1 session" in shown, shown
    with Store.open(root) as store:
        assert ids["adam"] not in [s.id for s in store.sessions()]


def test_a_named_session_is_erased_and_a_live_one_goes_on_as_a_new_session(tmp_path):
    root = tmp_path / "data"
    now = int(time.time() * 1000)
    with Store.open(root) as store:
        store.ingest(_session(now - 5000, "live"), live=True, session_id="tab-1", now_ms=now)
        sid = store.sessions()[0].id
    p = _replay("delete", sid[:6], "--yes", data=root)
    assert p.returncode == 0 and "erased 1 session" in p.stderr, p.stderr
    with Store.open(root) as store:   # the visitor's next batch: no old event comes back
        later = [{"type": 5, "timestamp": now - 100, "data": {"tag": "step", "payload": {"i": 2}}}]
        store.ingest(later, live=True, session_id="tab-1", now_ms=now)
        (info,) = store.sessions()
        with store.session(info.id) as r:
            assert [e["data"]["payload"]["i"] for e in r.events() if e["type"] == 5] == [2]


def test_an_open_store_keeps_no_page_of_an_erased_session(tmp_path):
    """The app and `replay serve` keep the index open for hours: its write-ahead log holds
    every page written since its last checkpoint, the erased rows among them, until
    delete_session empties it."""
    root = tmp_path / "data"
    with Store.open(root) as store:
        sid = store.ingest(_session(T0, "a1"), user=ADA)[0]
        store.ingest(_session(T0 + 9000, "m1"), user=ADAM)
        assert ADA["email"].encode() in _all_bytes(root)
        erased = store.delete_session(sid)
        assert erased.scrubbed and erased.segment_files == 1
        assert ADA["email"].encode() not in _all_bytes(root)   # the store still open
        assert ADAM["email"].encode() in _all_bytes(root)


def test_delete_erases_a_trained_dictionary_that_learnt_the_session(tmp_path):
    """A zstd dictionary trained on stored sessions holds fragments of their text: erasing
    Ada's session erases it, and the session that used it still plays as before."""
    data = tmp_path / "data"

    def noted(k: int, who: str) -> list[dict]:
        t = T0 + k * 3_600_000
        return _session(t, f"p{k}") + [
            {"type": 5, "timestamp": t + 3 + i, "data": {"tag": "note",
                                                          "payload": {"text": f"{who} #{i}"}}}
            for i in range(240)]
    with Store.open(data, max_segment_records=60) as store:
        (ada,) = store.ingest(noted(0, ADA["name"]), user=ADA)
        (other,) = store.ingest(noted(1, "Grace Hopper-Quill"))
        dict_id = store.train_dictionary(size=8 * 1024)
        store.compact(other)
        kept = list(store.session(other).events())
    assert ADA["name"].encode() in (data / "dicts" / f"{dict_id}.zdict").read_bytes()
    p = _replay("delete", "--user", ADA["email"], "--yes", data=data)
    assert p.returncode == 0, p.stderr
    assert "1 trained compression dictionary that learnt from them" in p.stderr, p.stderr
    assert ADA["name"].encode() not in _all_bytes(data)
    with Store.open(data) as store:
        assert [s.id for s in store.sessions()] == [other]
        assert list(store.session(other).events()) == kept


def test_a_segment_file_deleted_by_hand_is_not_counted_as_erased(tmp_path):
    """`erased 1 session: 2 files` when one of its two had been deleted by hand (a
    newcomer's): the count is of the files there were."""
    root = tmp_path / "data"
    events = _session(T0, "a1") + [{"type": 5, "timestamp": T0 + 10 + k, "data": {
        "tag": "step", "payload": {"i": k}}} for k in range(30)]
    with Store.open(root, max_segment_records=10) as store:
        (sid,) = store.ingest(events)
        files = [s.file for s in store.index.segments(sid)]
    assert len(files) >= 2, files
    (root / files[0]).unlink()
    dry = json.loads(_replay("delete", "--json", "--dry-run", sid, data=root).stdout)
    assert dry == [{"session": sid, "segment_files": len(files) - 1}]   # (as the erasure)
    erased = json.loads(_replay("delete", "--json", "--yes", sid, data=root).stdout)
    assert erased[0]["segment_files"] == len(files) - 1
    assert not (root / files[1]).exists() and sid not in _replay("sessions", "--json",
                                                                 data=root).stdout
