"""Reading rrweb recordings in the shapes other tools export; writing rrweb JSON."""
from __future__ import annotations

import copy
import gzip
import json
import re
import zlib

import pytest
import zstandard

from recorder.rrweb_io import SESSION_TAG, DamagedRecording, EventStream, UnreadableRecording, pack_event, \
    parse_recordings, read_recordings, unpack_event, write_rrweb_json
from recorder.source import open_recording


def dumps(v) -> bytes:
    return json.dumps(v).encode()


def test_plain_array(demo_events):
    (rec,) = parse_recordings(dumps(demo_events))
    assert rec.events == demo_events and rec.shape == "rrweb"


def test_packer_strings_are_unpacked(demo_events):
    packed = [pack_event(e) for e in demo_events]
    # the real packer's framing: zlib stream of JSON with "v": "v1", as a latin-1 string
    raw = zlib.decompress(packed[0].encode("latin-1"))
    assert json.loads(raw)["v"] == "v1"
    (rec,) = parse_recordings(dumps(packed))
    assert rec.events == demo_events          # marker dropped, nothing else changed
    # mixed packed and plain, and a plain JSON string (unpack tries JSON first)
    mixed = [packed[0], demo_events[1], json.dumps(demo_events[2])] + packed[3:]
    assert parse_recordings(dumps(mixed))[0].events == demo_events


def test_unknown_packer_version_is_named():
    s = zlib.compress(dumps({"type": 3, "timestamp": 1, "data": {}, "v": "v9"})).decode("latin-1")
    with pytest.raises(UnreadableRecording, match="v9"):
        unpack_event(s)


def test_object_with_events_or_snapshots(demo_events):
    (rec,) = parse_recordings(dumps({"events": demo_events, "session_id": "abc"}))
    assert rec.events == demo_events and rec.session_hint == "abc"
    (rec,) = parse_recordings(dumps({"snapshots": demo_events}))
    assert rec.events == demo_events
    (rec,) = parse_recordings(dumps({"data": {"events": demo_events}}))
    assert rec.events == demo_events


def test_posthog_2023_export_splits_windows_and_reads_person(demo_events):
    a = [{**e, "windowId": "w1"} for e in demo_events[:100]]
    b = [{**e, "windowId": "w2"} for e in demo_events[100:]]
    export = {"version": "2023-04-28", "data": {
        "id": "0188-posthog-session",
        "person": {"distinct_ids": ["user-7"], "properties": {"email": "p@ex.com"}},
        "snapshots": a[:50] + b[:10] + a[50:] + b[10:]}}
    recs = parse_recordings(dumps(export))
    assert [r.window_id for r in recs] == ["w1", "w2"]
    assert recs[0].events == a and recs[1].events == b   # windowId kept: lossless
    assert recs[0].user == {"id": "user-7", "email": "p@ex.com"}
    assert recs[0].session_hint == "0188-posthog-session.w1"


def test_posthog_2022_export(demo_events):
    export = {"version": "2022-12-02", "data": {"person": None,
                                                "snapshotsByWindowId": {"w": demo_events}}}
    (rec,) = parse_recordings(dumps(export))
    assert rec.events == demo_events and rec.window_id == "w" and rec.user is None


def test_sentry_recording_segments(demo_events):
    segments = [demo_events[:10], demo_events[10:200], demo_events[200:]]
    (rec,) = parse_recordings(dumps(segments))
    assert rec.events == demo_events and rec.shape == "sentry-segments"


def test_ndjson_events_and_posthog_blob_lines(demo_events):
    nd = b"\n".join(dumps(e) for e in demo_events) + b"\n"
    assert parse_recordings(nd)[0].events == demo_events
    blob = b"\n".join(dumps({"window_id": "w", "data": demo_events[i: i + 50]})
                      for i in range(0, len(demo_events), 50))
    (rec,) = parse_recordings(blob)
    assert rec.events == demo_events and rec.window_id == "w"


@pytest.mark.parametrize("compress", [gzip.compress, zstandard.ZstdCompressor().compress])
def test_compressed_files(tmp_path, demo_events, compress):
    p = tmp_path / "rec.json.gz"
    p.write_bytes(compress(dumps(demo_events)))
    assert read_recordings(p)[0].events == demo_events


@pytest.mark.parametrize("content, message", [
    (b"not json at all", "not JSON"),
    (b'{"hello": 1}', "expected a JSON array"),
    (b"[]", "no rrweb events"),
])
def test_unreadable_files_say_why(tmp_path, content, message):
    p = tmp_path / "bad.json"
    p.write_bytes(content)
    with pytest.raises(UnreadableRecording, match=message) as info:
        read_recordings(p)
    assert "bad.json" in str(info.value)


def test_a_string_that_does_not_unpack_is_kept_for_validation_to_name(tmp_path, demo_events):
    """Not the whole file refused: the string is an invalid event, skipped with a warning
    naming it as 42 or null are (ingest.validate)."""
    p = tmp_path / "bad.json"
    p.write_text(json.dumps([demo_events[0], "%%%not packed%%%", demo_events[1]]))
    assert read_recordings(p)[0].events == [demo_events[0], "%%%not packed%%%", demo_events[1]]
    assert list(EventStream(p)) == [demo_events[0], "%%%not packed%%%", demo_events[1]]


def test_write_is_a_json_array_of_the_events(tmp_path, demo_events):
    out = tmp_path / "out.json"
    n = write_rrweb_json(out, iter(demo_events))
    assert n == len(demo_events)
    assert json.loads(out.read_text()) == demo_events
    assert not list(tmp_path.glob("*.tmp"))


def test_open_recording_reads_a_file_without_importing(tmp_path, demo_events):
    later = copy.deepcopy(demo_events)
    for e in later:
        e["timestamp"] += 86_400_000
    p = tmp_path / "two.json"
    p.write_bytes(dumps(demo_events + later))
    data = tmp_path / "data"
    src = open_recording(str(p), data)
    assert src.sessions_in_file == 2
    assert list(src.events()) == demo_events
    assert src.info.record_count == 272 and src.segments[0].has_full_snapshot
    assert src.segment_at(demo_events[-1]["timestamp"]) == 0
    second = open_recording(p, data, session=1)
    assert list(second.events()) == later
    assert not (data / "segments").exists()          # nothing was imported
    with pytest.raises(IndexError, match="2 session"):
        open_recording(p, data, session=2)


# --- damaged inputs: refused, or read in part when asked ------------------------------
@pytest.mark.parametrize("compress, what", [
    (gzip.compress, "gzip stream is cut off"),
    (zstandard.ZstdCompressor().compress, "zstd stream is cut off"),
    (lambda b: b, "JSON array breaks off after"),
])
def test_a_cut_off_file_is_refused_unless_partial(demo_events, compress, what):
    events = demo_events * 4          # past one zstd block, so a cut one decodes in part
    blob = compress(dumps(events))
    cut = blob[:len(blob) * 9 // 10]
    with pytest.raises(DamagedRecording, match=what):
        parse_recordings(cut)
    (rec,) = parse_recordings(cut, partial=True)
    assert what in rec.damaged
    n = len(rec.events)
    assert 0 < n < len(events) and rec.events == events[:n], "whole events only"


def test_an_array_that_holds_what_is_not_json_is_not_said_cut_off(tmp_path, demo_events):
    """A NaN timestamp (what JavaScript's JSON.stringify never writes, a hand-made file
    does) was "the JSON array breaks off after 3 whole events" - "cut short", of a whole
    file. Read whole or as a stream, it is said as what it is; a file cut off still breaks
    off."""
    from recorder.rrweb_io import EventStream
    good = dumps(demo_events[:3])
    bad = good[:-1] + b',{"type":3,"timestamp":NaN,"data":{}}' + b"," + dumps(demo_events[3:6])[1:]
    said = "holds something that is not JSON (a NaN, a comment, a stray character) after 3"
    with pytest.raises(DamagedRecording, match=re.escape(said)):
        parse_recordings(bad)
    f = tmp_path / "nan.json"
    f.write_bytes(bad)
    with pytest.raises(DamagedRecording, match=re.escape(said)):
        list(EventStream(f))
    with pytest.raises(DamagedRecording, match="breaks off after 3 whole events"):
        parse_recordings(bad[:-20])


def test_gzip_members_one_after_another_are_one_stream(demo_events):
    half = len(demo_events) // 2
    blob = gzip.compress(b"[" + dumps(demo_events[:half])[1:-1] + b",") + \
        gzip.compress(dumps(demo_events[half:])[1:])
    (rec,) = parse_recordings(blob)
    assert rec.events == demo_events and rec.damaged is None


def test_a_cut_off_stream_with_nothing_decoded_is_unreadable(demo_events):
    blob = zstandard.ZstdCompressor().compress(dumps(demo_events))
    with pytest.raises(UnreadableRecording, match="nothing before that decoded"):
        parse_recordings(blob[:len(blob) // 2], partial=True)


# --- the session id an export carries --------------------------------------------------
def test_export_marker_carries_the_id_and_is_stripped_on_read(tmp_path, demo_events):
    out = tmp_path / "e.json"
    assert write_rrweb_json(out, demo_events, session_id="s-1") == len(demo_events)
    marker, *rest = json.loads(out.read_bytes())
    assert rest == demo_events
    assert marker == {"type": 5, "timestamp": demo_events[0]["timestamp"],
                      "data": {"tag": SESSION_TAG, "payload": {"id": "s-1"}}}
    (rec,) = read_recordings(out)
    assert rec.session_hint == "s-1" and rec.events == demo_events
    # a Custom event of another tag, or later in the recording, is the recording's own
    other = [dict(marker, data={"tag": "mine", "payload": {"id": "x"}})] + demo_events
    (rec,) = parse_recordings(dumps(other))
    assert rec.session_hint is None and rec.events == other
    (rec,) = parse_recordings(dumps(demo_events[:3] + [marker] + demo_events[3:]))
    assert rec.session_hint is None and len(rec.events) == len(demo_events) + 1
    assert write_rrweb_json(tmp_path / "none.json", [], session_id="s-1") == 0


def test_a_gzip_file_with_a_bad_checksum_is_refused_unless_partial(demo_events):
    blob = bytearray(gzip.compress(dumps(demo_events)))
    blob[-8] ^= 0xFF                  # the CRC-32 in the gzip trailer
    with pytest.raises(DamagedRecording, match="gzip stream is corrupt"):
        parse_recordings(bytes(blob))
    (rec,) = parse_recordings(bytes(blob), partial=True)
    assert rec.events == demo_events and "corrupt" in rec.damaged


def test_an_entry_that_is_no_event_goes_with_the_window_before_it(tmp_path, demo_events):
    """In a recording of several windows (PostHog's), a string that does not unpack is
    skipped later within its window's recording - not a recording of its own, which holds
    no event and refused the file."""
    a = [dict(e, windowId="w1") for e in demo_events[:3]]
    b = [dict(e, windowId="w2") for e in demo_events[:3]]
    p = tmp_path / "two.json"
    p.write_text(json.dumps(a[:2] + ["%%%"] + a[2:] + b))
    recs = read_recordings(p)
    assert [(r.window_id, len(r.events)) for r in recs] == [("w1", 4), ("w2", 3)]
    p.write_text(json.dumps(a[:2] + ["%%%"] + a[2:]))   # one window: streamed
    assert list(EventStream(p)) == a[:2] + ["%%%"] + a[2:]
