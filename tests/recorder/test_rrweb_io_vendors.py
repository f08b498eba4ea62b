"""Recordings in the shapes PostHog, Sentry and Datadog really write them (tests/fixtures:
small synthetic recordings of a made-up page, in each vendor's shape - see its README)."""
from __future__ import annotations

import gzip
import json
import zlib

import pytest

from recorder.rrweb_io import EventStream, NotARecording, NotStreamable, UnreadableRecording, \
    parse_recordings, read_recordings

WIN_A = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
WIN_B = "0190a1b2-c3d4-7e5f-8a9b-6c7d8e9f0a1b"


def _text(node) -> str:
    """Every text in a serialized node, in order."""
    if node.get("type") == 3:
        return node.get("textContent", "")
    return "".join(_text(c) for c in node.get("childNodes", []))


def _check_window_a(events: list) -> None:
    """Window A of the fixtures, decompressed: its snapshot a DOM, its mutation lists."""
    assert [e["type"] for e in events] == [4, 2, 3, 3, 3, 6, 3]
    assert not any("cv" in e for e in events)            # the compression marker is gone
    snap = events[1]["data"]
    assert isinstance(snap, dict) and "Checkout" in _text(snap["node"])
    mutation = events[2]["data"]
    assert mutation["source"] == 0
    assert mutation["texts"] == [{"id": 10, "value": "Your cart: 3 items (updated)"}]
    assert mutation["removes"] == [] and mutation["adds"][0]["node"]["tagName"] == "b"
    assert mutation["attributes"] == [{"id": 7, "attributes": {"style": "color:green"}}]


def test_posthog_export_with_compressed_events(fixtures_dir):
    """posthog-js (since 2024-10) gzips a full snapshot's `data` and a mutation's lists into
    latin-1 strings, marked `cv: "2024-10"`; they were skipped as invalid events, so the
    windows lost their page."""
    recs = read_recordings(fixtures_dir / "posthog-export-cv.json")
    assert [r.window_id for r in recs] == [WIN_A, WIN_B]
    _check_window_a([{k: v for k, v in e.items() if k != "windowId"} for e in recs[0].events])
    assert "Help" in _text(recs[1].events[1]["data"]["node"])
    assert recs[0].user == {"id": "user-42", "name": "Ada Lovelace", "email": "ada@example.com"}
    assert recs[0].session_hint == f"0190a1b2-5e55-7000-8000-00000000cafe.{WIN_A}"


def test_posthog_blob_v1_lines_with_compressed_events(fixtures_dir):
    lines = (fixtures_dir / "posthog-blob-v2.jsonl").read_text().splitlines()
    pairs = [json.loads(ln) for ln in lines if WIN_A in ln]
    blob = "\n".join(json.dumps({"window_id": w, "data": [e]}) for w, e in pairs)
    (rec,) = parse_recordings(blob.encode())
    _check_window_a(rec.events)


def test_posthog_zstd_compressed_field_is_read_too():
    """PostHog's player reads a `cv` field by its magic bytes: gzip, or zstd."""
    import zstandard
    data = {"node": {"type": 0, "id": 1, "childNodes": []}, "initialOffset": {"top": 0, "left": 0}}
    packed = zstandard.ZstdCompressor().compress(json.dumps(data).encode()).decode("latin-1")
    (rec,) = parse_recordings(json.dumps([
        {"type": 4, "timestamp": 1,
         "data": {"href": "https://x.example/", "width": 10, "height": 10}},
        {"type": 2, "timestamp": 2, "cv": "2024-10", "data": packed}]).encode())
    assert rec.events[1] == {"type": 2, "timestamp": 2, "data": data}


@pytest.mark.parametrize("event, words", [
    ({"type": 2, "timestamp": 2, "cv": "2031-01", "data": "\x1f\x8b..."},
     "PostHog's compression 'cv: 2031-01', which this version does not know"),
    ({"type": 2, "timestamp": 2, "cv": "2024-10", "data": "\x1f\x8bnot gzip at all"},
     "the event at timestamp 2 is PostHog-compressed (cv 2024-10) but its data does not"),
    ({"type": 3, "timestamp": 2, "cv": "2024-10",
      "data": {"source": 0, "texts": gzip.compress(b"[{").decode("latin-1"), "adds": "[]"}},
     "the event at timestamp 2 is PostHog-compressed (cv 2024-10) but its data does not"),
])
def test_posthog_compressed_events_that_cannot_be_read_are_one_line(event, words):
    with pytest.raises(UnreadableRecording) as info:
        parse_recordings(json.dumps([event]).encode())
    assert words in str(info.value) and "\n" not in str(info.value)


def test_posthog_blob_v2_lines_are_window_and_event_pairs(fixtures_dir, tmp_path):
    """PostHog's session recording v2 blobs: one `[windowId, event]` pair a line (what its
    API's blob_v2 snapshots give). Read as a JSON array followed by other data, refused."""
    recs = read_recordings(fixtures_dir / "posthog-blob-v2.jsonl")
    assert [r.window_id for r in recs] == [WIN_A, WIN_B]
    assert all(r.shape == "posthog-blob" for r in recs)
    _check_window_a(recs[0].events)
    export = read_recordings(fixtures_dir / "posthog-export-cv.json")
    for blob, exp in zip(recs, export):   # the same events as the export's, windowId aside
        assert blob.events == [{k: v for k, v in e.items() if k != "windowId"}
                               for e in exp.events]
    # one window: streamed, a line at a time
    one = tmp_path / "one.jsonl"
    lines = (fixtures_dir / "posthog-blob-v2.jsonl").read_bytes().splitlines(keepends=True)
    one.write_bytes(b"".join(ln for ln in lines if WIN_A.encode() in ln))
    stream = EventStream(one, chunk_size=512)
    events = list(stream)
    _check_window_a(events)
    assert stream.shape == "posthog-blob"
    # two windows: said before anything is decided, then read whole
    with pytest.raises(NotStreamable):
        list(EventStream(fixtures_dir / "posthog-blob-v2.jsonl", chunk_size=512))

def test_a_json_array_of_packer_strings_is_no_blob(demo_events):
    """A window id is told from a packer string (and a two-event array stays events)."""
    from recorder.rrweb_io import pack_event
    two = [pack_event(demo_events[0]), demo_events[1]]
    (rec,) = parse_recordings((json.dumps(two) + "\n").encode())
    assert rec.events == demo_events[:2]



def test_sentry_replay_recording_payloads(fixtures_dir):
    """What the Sentry SDK sends as a replay_recording item: a `{"segment_id": N}` line, then
    the segment's events, zlib-deflated (compression on) or as JSON. A file of them was
    refused ('neither JSON nor NDJSON')."""
    (rec,) = read_recordings(fixtures_dir / "sentry-replay-segments.bin")
    assert rec.shape == "sentry-segments"
    assert [e["type"] for e in rec.events] == [4, 2, 5, 3, 5, 3, 5, 3, 6, 3]
    tags = [e["data"]["tag"] for e in rec.events if e["type"] == 5]
    assert tags == ["options", "performanceSpan", "breadcrumb"]
    assert "Checkout" in _text(rec.events[1]["data"]["node"])


def test_sentry_payloads_are_put_in_segment_order(fixtures_dir):
    raw = (fixtures_dir / "sentry-replay-segments.bin").read_bytes()
    second = raw.index(b'{"segment_id":1}')
    (inorder,) = parse_recordings(raw)
    (swapped,) = parse_recordings(raw[second:] + raw[:second])
    assert swapped.events == inorder.events


def test_a_sentry_payload_cut_off_is_damaged(fixtures_dir):
    from recorder.rrweb_io import DamagedRecording
    raw = (fixtures_dir / "sentry-replay-segments.bin").read_bytes()
    second = raw.index(b'{"segment_id":1}')
    with pytest.raises(DamagedRecording):
        parse_recordings(raw[:second - 20])
    (rec,) = parse_recordings(raw[:-30], partial=True)   # segment 1 breaks off
    assert [e["type"] for e in rec.events] == [4, 2, 5] and rec.damaged


def test_a_zlib_payload_that_expands_too_far_is_refused():
    from recorder.limits import LimitError
    bomb = b'{"segment_id":0}\n' + zlib.compress(b"[" + b" " * (400 << 20) + b"]", 9)
    with pytest.raises(LimitError):
        parse_recordings(bomb)


def test_a_datadog_browser_segment_reads_as_rrweb_a_mobile_one_is_refused(fixtures_dir):
    """A browser segment's records are rrweb's events once Datadog's own (6 Focus, 7 ViewEnd,
    9 Frustration) are left out (recorder/datadog.py; tests/recorder/test_datadog.py); a
    mobile segment holds wireframes (10/11), no DOM: refused in one line saying so."""
    (rec,) = read_recordings(fixtures_dir / "datadog-segment.json")
    assert rec.shape == "datadog" and rec.session_hint == "c0ffee00-0000-4000-8000-000000000001"
    assert [e["type"] for e in rec.events] == [4, 2, 3]
    mobile = json.loads((fixtures_dir / "datadog-segment.json").read_text())
    mobile["source"] = "android"
    mobile["records"] = [{"type": 10, "timestamp": 1, "data": {"wireframes": []}}]
    with pytest.raises(NotARecording, match="mobile") as info:
        parse_recordings(json.dumps(mobile).encode())
    assert "\n" not in str(info.value)


def _snapshot_events(fixtures_dir, key="$snapshot_data") -> list[dict]:
    """The blob's events as posthog-js captures them: `$snapshot` events, a few rrweb events
    of one window each, with the session and window ids."""
    pairs = [json.loads(ln) for ln in
             (fixtures_dir / "posthog-blob-v2.jsonl").read_text().splitlines()]
    return [{"event": "$snapshot", "distinct_id": "user-42",
             "properties": {"$session_id": "0190-sess", "$window_id": w, key: [e],
                            "$snapshot_bytes": 100}} for w, e in pairs]


@pytest.mark.parametrize("key", ["$snapshot_data", "$snapshot_items"])
def test_posthog_snapshot_events(fixtures_dir, key):
    """PostHog's `$snapshot` capture events (a request body posthog-js sent, or events as its
    capture service passes them on) were refused as holding no rrweb event."""
    items = _snapshot_events(fixtures_dir, key)
    for data in (json.dumps(items), "\n".join(json.dumps(x) for x in items),
                 json.dumps({"api_key": "phc_x", "batch": items})):
        recs = parse_recordings(data.encode())
        assert [r.window_id for r in recs] == [WIN_A, WIN_B]
        _check_window_a(recs[0].events)
        assert recs[0].session_hint == f"0190-sess.{WIN_A}"
        assert recs[0].user == {"id": "user-42"}


def test_posthog_snapshot_events_are_read_whole_not_streamed(fixtures_dir, tmp_path):
    f = tmp_path / "snap.json"
    f.write_text(json.dumps(_snapshot_events(fixtures_dir)))
    with pytest.raises(NotStreamable):
        list(EventStream(f))


def test_posthog_chunked_snapshot_events_are_one_line():
    chunked = [{"event": "$snapshot", "properties": {"$session_id": "s", "$window_id": "w",
                "$snapshot_data": {"chunk_id": "c1", "chunk_index": 0, "chunk_count": 2,
                                   "data": "H4sI..."}}}]
    with pytest.raises(UnreadableRecording, match="chunked form"):
        parse_recordings(json.dumps(chunked).encode())


def test_sentry_custom_events_stamped_in_seconds_are_put_in_ms(fixtures_dir):
    """The Sentry SDK stamps its performanceSpan events (and, before 7.x's change, its
    breadcrumbs) in seconds, as their payloads are; Sentry's player reads them so. Taken as
    ms, a replay with one request started in 1970 and lasted 54 years."""
    (rec,) = read_recordings(fixtures_dir / "sentry-replay-segments.bin")
    times = [e["timestamp"] for e in rec.events]
    assert min(times) == 1718000000000 and max(times) == 1718000003000
    (span,) = [e for e in rec.events if e["type"] == 5 and e["data"]["tag"] == "performanceSpan"]
    assert span["timestamp"] == 1718000001200
    assert span["data"]["payload"]["startTimestamp"] == 1718000001.2   # the payload as sent
    old_crumb = {"type": 5, "timestamp": 1718000002.5,
                 "data": {"tag": "breadcrumb", "payload": {"timestamp": 1718000002.5,
                                                           "category": "ui.click"}}}
    (rec,) = parse_recordings(json.dumps([rec.events[0], old_crumb]).encode())
    assert rec.events[1]["timestamp"] == 1718000002500
    other = {"type": 5, "timestamp": 1000, "data": {"tag": "mine", "payload": {}}}
    (rec,) = parse_recordings(json.dumps([other]).encode())
    assert rec.events == [other]    # only Sentry's own custom events are Sentry's seconds
