"""recorder.sealed, and the store's handling of sealed files: what a streaming import writes
before it knows every value typed into a masked field (the kill -9 test is in
test_import_echoes_before_typing.py)."""
from __future__ import annotations

import logging

from hypothesis import given, strategies as st

from recorder.privacy import masker_factory, parse_rules
from recorder.sealed import NONCE_BYTES, SEALED_SUFFIX, Seal
from recorder.store import Store, _FileSpool
from replay_tools.generator import generate_session


@given(st.binary(max_size=4096))
def test_what_is_sealed_opens_as_it_was(data):
    seal = Seal()
    assert seal.open(seal.seal(data)) == data


def test_a_sealed_file_holds_nothing_of_its_data_and_is_new_each_time():
    seal = Seal()
    data = b"coupon=QuokkaCoupon99;" * 200
    one, two = seal.seal(data), seal.seal(data)
    assert len(one) == len(data) + NONCE_BYTES
    assert one != two                                   # a fresh nonce for every write
    assert b"Quokka" not in one and b"Quokka" not in two
    assert Seal().open(one) != data                     # another import's key opens nothing
    assert "key in memory" in repr(seal) and seal.seal(b"") != b""


def test_too_short_to_be_sealed_is_refused():
    try:
        Seal().open(b"short")
    except ValueError as exc:
        assert "shorter than its nonce" in str(exc)
    else:
        raise AssertionError("opened")


def _files(root):
    return sorted(str(f.relative_to(root)) for f in (root / "segments").rglob("*") if f.is_file())


def test_an_import_commits_segments_in_clear_and_leaves_no_sealed_file(tmp_path):
    """Every segment sealed as written, written in clear at the commit; a second import of
    the same recording (found stored: nothing of it kept) leaves nothing of its own either."""
    events = list(generate_session(3000, seed=5))
    root = tmp_path / "data"
    masker = masker_factory(parse_rules('detectors = []'))
    with Store.open(root, max_segment_records=500) as s:
        [first] = s.import_stream(iter(events), masker_factory=masker)
        stored = _files(root)
        assert len(stored) >= 6 and not [f for f in stored if f.endswith(SEALED_SUFFIX)]
        assert list(s.session(first.id).events())            # it reads back
        s.import_stream(iter(events), masker_factory=masker)
        assert _files(root) == stored


def test_a_sealed_file_no_writer_names_is_deleted_when_the_folder_is_opened(tmp_path, caplog):
    """An import killed after its intent was lost with the index (a data folder's index
    deleted or rebuilt): its sealed files are noise nobody can open - deleted, and said."""
    root = tmp_path / "data"
    with Store.open(root) as s:
        s.import_stream(iter(generate_session(200, seed=3)),
                        masker_factory=masker_factory(parse_rules('detectors = []')))
    kept = _files(root)
    stray = root / "segments" / "ab" / "abcdef" / f"000001-0123456789ab.seg{SEALED_SUFFIX}"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(Seal().seal(b"whatever"))
    with caplog.at_level(logging.WARNING), Store.open(root) as s:
        assert len(s.sessions()) == 1
    assert not stray.exists() and _files(root) == kept
    assert "removed 1 sealed file" in caplog.text


def test_the_events_an_import_compares_are_sealed_in_their_temporary_file():
    """What an import holds while it compares a recording with a stored session (masked in one
    pass: an echo of a value typed later may be in it) is sealed in its temporary file."""
    spool = _FileSpool()
    items = [(b"k%d" % i, {"type": 3, "text": f"coupon QuokkaCoupon99 #{i}"}, i) for i in range(3)]
    for item in items:
        spool.append(item)
    spool.f.flush()
    spool.f.seek(0)
    assert b"Quokka" not in spool.f.read()
    assert [tuple(x) for x in spool] == [tuple(x) for x in items]
