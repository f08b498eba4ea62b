"""A stored session's steps, read once and kept beside it (recorder.kept_steps): the same steps
served from the store as read from the events; nothing kept for a recording that is no
stored session read as stored; another version's or damaged ones read again. Real SQLite
and files."""
from __future__ import annotations

import json

from recorder import derived, kept_steps
from recorder.kept_steps import STEPS, steps_of
from recorder.privacy.preview import html_to_events
from recorder.source import open_recording
from recorder.steps import steps
from recorder.store import Store
from tests.recorder.test_steps import T0, click, el, full, page, text, typed


def _events():
    search = el("input", type="search", id="q", placeholder="Search")
    go = el("button", text("Go"), id="go")
    events = full(page(search, go)) + [click(search, 100), typed(search, "lamp", 200),
                                       click(go, 300)]
    return json.loads(json.dumps(events))   # (as a file holds them: the enums as numbers)


def _reads(source) -> tuple[list, int]:
    """steps_of(source), and how many times it read the events."""
    read = []

    def events():
        read.append(1)
        return source.events()
    return steps_of(source, events), len(read)


def test_a_stored_sessions_steps_are_read_once_then_served_as_read(tmp_path):
    with Store.open(tmp_path / "data") as store:
        (sid,) = store.ingest(_events())
        with store.session(sid) as r:
            first, reads = _reads(r)
        assert reads == 1 and [s.kind.value for s in first] == ["navigate", "click", "type",
                                                                "click"]
        with store.session(sid) as r:
            again, reads = _reads(r)
            assert reads == 0 and again == first == steps(r.events())
        assert (store.root / derived.DERIVED_DIR).is_dir()


def test_nothing_is_kept_for_a_recording_file(tmp_path):
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(html_to_events("<button id=go>Go</button>", timestamp=T0)))
    with open_recording(str(f), tmp_path / "data") as src:
        assert _reads(src)[1] == 1 and _reads(src)[1] == 1
    assert not (tmp_path / "data" / derived.DERIVED_DIR).exists()


def test_steps_of_other_code_or_damaged_are_read_again(tmp_path, monkeypatch):
    with Store.open(tmp_path / "data") as store:
        (sid,) = store.ingest(_events())
        with store.session(sid) as r:
            first, _ = _reads(r)
        # other code (another release, a fix to how a step is named): never served
        monkeypatch.setattr(kept_steps, "FORMAT", kept_steps.FORMAT + 1)
        with store.session(sid) as r:
            assert _reads(r) == (first, 1)
        monkeypatch.undo()
        # whole (its checksum holds) yet not steps: dropped, read again, kept again
        with store.session(sid) as r:
            assert store.keep_derived(r, STEPS, kept_steps.params(), b"\x93\x01\x02\x03")
        with store.session(sid) as r:
            assert _reads(r) == (first, 1)
        with store.session(sid) as r:
            assert _reads(r) == (first, 0)


def test_steps_kept_by_other_code_are_not_served(tmp_path, monkeypatch):
    """The key holds a fingerprint of the files the steps are read by (a reviewer: the test
    above changed the format alone): one of them changed - a fix to how a step is named, in
    any module READ_BY lists - and the kept steps are read again."""
    import importlib
    import sys

    (tmp_path / "naming_fix.py").write_text("VERSION = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("naming_fix")
    monkeypatch.setattr(kept_steps, "READ_BY", (*kept_steps.READ_BY, "naming_fix"))
    with Store.open(tmp_path / "data") as store:
        (sid,) = store.ingest(_events())
        with store.session(sid) as r:
            first, reads = _reads(r)
        with store.session(sid) as r:
            assert _reads(r) == (first, 0)
        (tmp_path / "naming_fix.py").write_text("VERSION = 2\n")
        derived.code_fingerprint.cache_clear()
        with store.session(sid) as r:
            assert _reads(r) == (first, 1)
    sys.modules.pop("naming_fix", None)
    derived.code_fingerprint.cache_clear()


def test_a_session_shown_under_other_rules_keeps_no_steps(tmp_path):
    """A stored session shown under rules given for the occasion (`--rules`: a MemorySource)
    is read for its steps each time, and nothing is kept of it."""
    from recorder.privacy import parse_rules
    from recorder.source import masked_source
    with Store.open(tmp_path / "data") as store:
        (sid,) = store.ingest(_events())
        with store.session(sid) as r:
            shown = masked_source(r, parse_rules('default = "mask"\n'))
        assert _reads(shown)[1] == 1 and _reads(shown)[1] == 1
        with store.session(sid) as r:
            assert store.derived(r, STEPS, kept_steps.params()) is None
