"""An application's own rules keep their history in the applications file, as the data
folder's rules keep theirs in rules-history/: each change a revision - when, who, what changed
(the rules, never a recorded value) and the rules it set - so a privacy officer can tell who
loosened an application's masking, and give an older revision back."""
from __future__ import annotations

import sqlite3
import threading

import pytest

from recorder.intake.apps import BEFORE_HISTORY, Applications
from recorder.paths import APPS_FILE
from recorder.privacy import parse_rules
from recorder.privacy.history import app_rules_change

STRICT = 'default = "mask"\n[[rule]]\nselector = ".card"\nlevel = "hidden"\n'
LOOSE = 'default = "allow"\n'


def test_each_change_is_a_revision_with_who_what_and_the_rules_it_set(tmp_path):
    apps = Applications(tmp_path)
    apps.create("shop")
    seen = []

    def summary(was):
        seen.append(was)
        return [f"from {was!r}"]
    apps.set_rules("shop", STRICT, who="ann", summary=summary)
    apps.set_rules("shop", STRICT, who="bob", summary=summary)   # in force already: no revision
    apps.set_rules("shop", LOOSE, who="bob", summary=summary)
    apps.set_rules("shop", None, who="cy", summary=summary)
    apps.set_rules("shop", None, who="cy", summary=summary)      # none already: no revision
    app, changes = apps.rules_history("shop")
    assert app.rules is None
    assert [(c.revision, c.who, c.rules, c.summary) for c in changes] == [
        (1, "ann", STRICT, ("from None",)), (2, "bob", LOOSE, (f"from {STRICT!r}",)),
        (3, "cy", None, (f"from {LOOSE!r}",))]
    assert seen == [None, STRICT, LOOSE]   # asked only of a change made
    assert changes[0].at_ms <= changes[1].at_ms <= changes[2].at_ms
    apps.create("blog")   # another application's history is its own
    assert apps.rules_history("blog")[1] == []
    apps.close()


def test_rules_set_before_the_history_was_kept_are_its_first_revision(tmp_path):
    """An applications file made before the history table: the table is added, and the rules
    an application had then are kept as revision 1 by its first change (so they can be
    given back), said as such."""
    db = sqlite3.connect(tmp_path / APPS_FILE)
    db.execute("CREATE TABLE applications (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
               " token_sha256 TEXT NOT NULL, origins TEXT NOT NULL, rules TEXT,"
               " created_ms INTEGER NOT NULL, revoked_ms INTEGER)")
    db.execute("INSERT INTO applications VALUES ('app_1', 'shop', 'x', '[]', ?, 1, NULL)",
               (STRICT,))
    db.commit()
    db.close()
    apps = Applications(tmp_path)
    assert apps.rules_history("shop")[1] == []
    apps.set_rules("shop", LOOSE, who="ann", summary=lambda was: ["loosened"])
    changes = apps.rules_history("shop")[1]
    assert [(c.revision, c.who, c.rules, c.summary) for c in changes] == [
        (1, "", STRICT, (BEFORE_HISTORY,)), (2, "ann", LOOSE, ("loosened",))]
    assert changes[0].at_ms == 0 < changes[1].at_ms   # when is not known
    apps.close()


def test_a_file_from_before_the_history_is_read_without_being_written(tmp_path):
    """Opening an applications file made before the history table added it - a write: a
    read-only copy was then "cannot be read ... restore it from a backup" (a reviewer's
    find). It is read as it is; the table comes with the first change."""
    import subprocess
    db = sqlite3.connect(tmp_path / APPS_FILE)
    db.execute("PRAGMA journal_mode=WAL")   # (as every applications file is)
    db.execute("CREATE TABLE applications (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
               " token_sha256 TEXT NOT NULL, origins TEXT NOT NULL, rules TEXT,"
               " created_ms INTEGER NOT NULL, revoked_ms INTEGER)")
    db.execute("INSERT INTO applications VALUES ('app_1', 'shop', 'x', '[]', NULL, 1, NULL)")
    db.commit()
    db.close()
    before = (tmp_path / APPS_FILE).read_bytes()
    # immutable (root passes permission bits): any write of it fails
    if subprocess.run(["chattr", "+i", str(tmp_path / APPS_FILE)]).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        apps = Applications(tmp_path)
        assert [a.name for a in apps.list()] == ["shop"] and apps.rules_history("shop")[1] == []
        apps.close()
    finally:
        subprocess.run(["chattr", "-i", str(tmp_path / APPS_FILE)], check=True)
    assert (tmp_path / APPS_FILE).read_bytes() == before


def test_changes_from_two_writers_at_once_are_numbered_once_each_from_what_they_replaced(tmp_path):
    """Two processes' changes (two connections here) never share a revision, and each
    change's summary is of the rules it really replaced."""
    Applications(tmp_path).create("shop")
    texts = [f'default = "mask"\n[[rule]]\nselector = ".w{w}-{i}"\nlevel = "hidden"\n'
             for w in range(2) for i in range(15)]

    def writer(mine):
        apps = Applications(tmp_path)
        for text in mine:
            apps.set_rules("shop", text, who=text, summary=lambda was: [str(was)])
        apps.close()
    threads = [threading.Thread(target=writer, args=(texts[w * 15:(w + 1) * 15],))
               for w in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    changes = Applications(tmp_path).rules_history("shop")[1]
    assert [c.revision for c in changes] == list(range(1, 31))
    assert sorted(c.rules for c in changes) == sorted(texts)
    assert [c.summary for c in changes] == [(str(was),) for was in
                                            [None] + [c.rules for c in changes[:-1]]]


def test_the_summary_says_whose_rules_apply_and_what_changed_against_them():
    folder = parse_rules('default = "mask-user-input"\n', where="folder")
    strict, loose = parse_rules(STRICT, where="a"), parse_rules(LOOSE, where="b")
    assert app_rules_change(None, strict, folder) == [
        "its own rules set, in place of the intake's (changes against the data folder's)",
        "default level: mask-user-input -> mask", "rule added: .card (hidden)"]
    assert app_rules_change(strict, loose, folder) == [
        "its own rules replaced", "default level: mask -> allow", "rule removed: .card (hidden)"]
    assert app_rules_change(loose, None, folder) == [
        "its own rules dropped: the intake's apply (changes against the data folder's)",
        "default level: allow -> mask-user-input"]


def test_every_change_of_a_folder_and_its_applications_is_one_history_newest_first(tmp_path):
    from datetime import datetime, timezone

    from recorder.privacy.history import every_change, save_rules
    assert every_change(tmp_path) == ([], 0)
    assert not (tmp_path / APPS_FILE).exists()   # looking makes no applications file
    save_rules(tmp_path, parse_rules(STRICT), who="ann", based_on=None,
               when=datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    apps = Applications(tmp_path)
    apps.create("shop")
    apps.set_rules("shop", LOOSE, who="bob", summary=lambda was: ["loosened"])
    apps.set_rules("shop", STRICT, who="cy", summary=lambda was: ["tightened"])  # same second
    apps.close()
    changes, bad = every_change(tmp_path)
    assert bad == 0 and [(c.whose, c.revision, c.who) for c in changes] == [
        ("application shop", 2, "cy"), ("application shop", 1, "bob"), ("data folder", 1, "ann")]
    changes = changes[1:]
    assert changes[1].when == "2020-01-02T03:04:05+00:00" and changes[0].summary == ("loosened",)
    assert changes[0].when > changes[1].when and changes[0].when.endswith("+00:00")
    (tmp_path / APPS_FILE).write_bytes(b"not a database at all" * 100)
    for suffix in ("-wal", "-shm"):
        (tmp_path / (APPS_FILE + suffix)).unlink(missing_ok=True)
    changes, _ = every_change(tmp_path)   # a damaged file is said where its changes would be
    assert [c.whose for c in changes] == ["data folder", "applications"]
    assert "cannot be read" in changes[1].summary[0]
