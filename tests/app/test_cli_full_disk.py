"""A data folder the system will not let replay write - its disk full, or a read-only mount
(a backup, an archive) - is one line and exit 2, never a traceback, and what is stored stays
as it was (an operator's tryout: `import` and `delete` ended in SQLite's traceback on a full
disk, every command on a read-only copy). Real tmpfs and bind mounts where the machine lets
this process mount (CI's does: it runs as root); the wording itself is checked everywhere."""
from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.commands._store import storage_problem

DEMO_EVENTS = Path(__file__).resolve().parents[2] / "assets" / "demo" / "demo-session.json"


def test_the_lines_for_a_full_disk_and_a_read_only_folder(tmp_path):
    for exc in (OSError(errno.ENOSPC, "No space left on device"),
                sqlite3.OperationalError("database or disk is full")):
        said = storage_problem(exc, tmp_path)
        assert said.startswith(f"the disk holding the data folder {tmp_path} is full (") and \
            "what is stored is as it was" in said, said
    said = storage_problem(OSError(errno.EROFS, "Read-only file system"), tmp_path)
    assert said.startswith(f"the data folder {tmp_path} cannot be written"), said
    assert storage_problem(OSError(errno.ENOENT, "No such file"), tmp_path) is None
    assert storage_problem(sqlite3.OperationalError("no such table: x"), tmp_path) is None


def _replay(data: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", "--data", str(data), *args],
                          capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))


@pytest.fixture
def mounts(tmp_path):
    made = []

    def mount(*argv: str) -> None:
        p = subprocess.run(["mount", *argv], capture_output=True, text=True)
        if p.returncode != 0:
            pytest.skip(f"this process cannot mount ({p.stderr.strip()})")
        made.append(argv[-1])
    yield mount
    for target in reversed(made):
        subprocess.run(["umount", target], capture_output=True)


def _one_line(p: subprocess.CompletedProcess, *words: str) -> None:
    assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and all(w in lines[0] for w in words), p.stderr


def test_a_full_disk_is_one_line_and_changes_nothing(tmp_path, mounts):
    small = tmp_path / "small"
    small.mkdir()
    mounts("-t", "tmpfs", "-o", "size=3m", "tmpfs", str(small))
    data = small / "data"
    assert _replay(data, "import", str(DEMO_EVENTS)).returncode == 0
    with open(small / "filler", "wb") as f:   # every byte the disk has left
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    stored = sorted((p.name, p.stat().st_size) for p in data.rglob("*.seg"))
    for args in (("import", str(DEMO_EVENTS), "--as-new"), ("delete", "acme-shop-demo", "--yes"),
                 ("sessions",)):
        _one_line(_replay(data, *args), "disk holding the data folder", "is full")
    assert sorted((p.name, p.stat().st_size) for p in data.rglob("*.seg")) == stored
    (small / "filler").unlink()                 # room again: the same erasure works
    assert _replay(data, "delete", "acme-shop-demo", "--yes").returncode == 0


def test_a_read_only_data_folder_is_one_line(tmp_path, mounts):
    src, ro = tmp_path / "data", tmp_path / "ro"
    assert _replay(src, "import", str(DEMO_EVENTS)).returncode == 0
    assert _replay(src, "app", "create", "shop").returncode == 0
    ro.mkdir()
    mounts("--bind", str(src), str(ro))
    mounts("-o", "remount,bind,ro", str(ro))
    for args in (("sessions",), ("export", "acme-shop-demo", "-o", str(tmp_path / "x.json"))):
        _one_line(_replay(ro, *args), "cannot be written", "read-only")
    # the applications file was "cannot be read - restore it from a backup, or move it aside",
    # which would have thrown away every application and token of an intact file
    for args in (("app", "list"), ("app", "create", "blog")):
        p = _replay(ro, *args)
        _one_line(p, f"the data folder {ro} cannot be written", "the file is as it was")
        assert "backup" not in p.stderr and "move it aside" not in p.stderr
    assert "shop" in _replay(src, "app", "list").stdout


def test_the_intake_logs_why_a_batch_was_not_stored():
    """`replay serve` answered 503 "see the intake's log", and the log said only that a batch
    was not stored (an operator's tryout): it names the system's reason, never an event's
    content."""
    from recorder.intake.app import _why_not_stored

    assert _why_not_stored(sqlite3.OperationalError("database or disk is full")) == \
        "the index: database or disk is full"
    assert _why_not_stored(OSError(errno.ENOSPC, "No space left on device")) == \
        "No space left on device - free some space; the pages send the batch again"
    assert _why_not_stored(PermissionError(errno.EACCES, "Permission denied", "/d/segments/s")) \
        == "Permission denied: /d/segments/s - let the intake's user write the data folder and" \
        " what is in it; the pages send the batch again"
    assert _why_not_stored(ValueError("event 3 holds ada@example.com")) == "ValueError"


def test_the_intakes_log_gives_where_a_store_failed_without_its_words():
    """Under the one line, the log gave the traceback the way `log.exception` writes it: the
    exception's message last - which may quote what it was handed (an event's text). The
    frames and the kind stay; its words go."""
    from recorder.intake.app import _where

    def store_it(text: str):
        raise ValueError(f"event 3 holds {text}")
    secret = "ada@example.com"
    try:
        store_it(secret)
    except ValueError as exc:
        where = _where(exc)
    assert "store_it" in where and where.rstrip().endswith("ValueError")
    assert secret not in where
