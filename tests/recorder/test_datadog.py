"""recorder/datadog.py: Datadog's browser Session Replay read as rrweb events, without a
browser. The Change format's tables and insertion points are checked on small hand-made
records against the rrweb tree they must give (the oracle: our own mirror applying the
converted events); the shapes a person holds (segment JSON, deflated, multipart, NDJSON)
and bad input through `rrweb_io`. Real recordings from Datadog's SDK are in
tests/app/test_import_datadog.py."""
from __future__ import annotations

import json
import zlib

import pytest
from hypothesis import given, settings, strategies as st

from recorder import datadog
from recorder.limits import LimitError
from recorder.mirror import Mirror
from recorder.rrweb_io import DamagedRecording, NotARecording, UnreadableRecording, \
    parse_recordings

T0 = 1_700_000_000_000


def segment(records, *, index=0, view="v1", session="s1", start=T0):
    return {"application": {"id": "app"}, "session": {"id": session}, "view": {"id": view},
            "start": start, "end": start + 1000, "index_in_view": index,
            "has_full_snapshot": index == 0, "records_count": len(records),
            "creation_reason": "init", "source": "browser", "records": records}


# <html><head></head><body><p id="a">hi</p><ul><li>one</li></ul></body></html>, strings
# interned by role as the SDK does (ids 0.. in the order added, whatever the role)
SNAPSHOT = [
    [11, [1, "#document", "HTML", "HEAD", "BODY", "P", "#text", "UL", "LI"],
         [4, "hi", "one"], [2, "id"], [3, "a"]],
    [1, [None, 0], [1, 1], [1, 2], [0, 3], [1, 4, [10, 11]], [1, 5, 8], [-2, 6], [1, 7],
     [1, 5, 9]],
]
# ids: 0 document, 1 html, 2 head, 3 body (after head: 0), 4 p (child of body),
# 5 its text, 6 ul inserted before p (-2: next sibling is id 4), 7 li, 8 its text


def full(changes=SNAPSHOT, t=T0):
    return [{"type": 4, "timestamp": t, "data": {"href": "https://x.test/", "width": 800,
                                                  "height": 600}},
            {"type": 6, "timestamp": t, "data": {"has_focus": True}},
            {"type": 2, "format": 1, "timestamp": t, "data": changes}]


def mirror_of(events) -> Mirror:
    m = Mirror()
    for e in events:
        m.apply(e)
    return m


def body(m: Mirror) -> list:
    def walk(n):
        if n.type == 3:
            return n.text
        return [n.tag, n.attrs, [walk(m.get(c)) for c in n.children]]
    b = next(n for n in m.nodes.values() if n.tag == "body")
    return walk(b)


def test_a_change_snapshot_places_each_node_by_its_insertion_point():
    (s,) = datadog.sessions([segment(full())])
    assert [e["type"] for e in s.events] == [4, 2]   # Focus dropped
    m = mirror_of(s.events)
    assert not m.warnings, m.warnings
    assert body(m) == ["body", {}, [["ul", {}, [["li", {}, ["one"]]]],
                                    ["p", {"id": "a"}, ["hi"]]]]


def test_changes_add_remove_retext_and_reattribute_as_one_mutation():
    change = {"type": 12, "timestamp": T0 + 10, "data": [
        [11, [4, "two", "bye"], [3, "b"]],   # strings 12, 13, 14
        # a new li (id 9) appended to the ul (id 6: 9 - 3), its text (id 10, in the li: 1),
        # a text (id 11) appended to the p (id 4: 11 - 7) whose text (id 5) goes
        [1, [3, 7, [10, 14]], [1, 5, 12], [7, 5, 13]],
        [2, 5],
        [3, [4, [10, 14]]],
        [4, [8, "ONE"]],
    ]}
    (s,) = datadog.sessions([segment(full() + [change])])
    assert [e["type"] for e in s.events] == [4, 2, 3]
    m = mirror_of(s.events)
    assert not m.warnings, m.warnings
    assert body(m) == ["body", {}, [["ul", {}, [["li", {}, ["ONE"]], ["li", {"id": "b"}, ["two"]]]],
                                    ["p", {"id": "b"}, ["bye"]]]]


def test_a_views_later_segment_continues_its_string_and_node_tables():
    first = segment(full())
    later = segment([{"type": 12, "timestamp": T0 + 50, "data": [[4, [5, 9]]]}], index=1,
                    start=T0 + 50)   # string 9 ("hi"'s neighbour "one") from segment 0
    (s,) = datadog.sessions([later, first, first])   # any order; a copy counts once
    m = mirror_of(s.events)
    assert body(m)[2][1] == ["p", {"id": "a"}, ["one"]]


def test_a_missing_first_segment_is_counted_not_raised():
    later = segment([{"type": 4, "timestamp": T0 + 50, "data": {"href": "https://x.test/"}},
                     {"type": 12, "timestamp": T0 + 50, "data": [[4, [5, 1]]]},
                     {"type": 3, "timestamp": T0 + 60, "data": {"source": 3, "id": 0, "x": 0,
                                                                 "y": 9}}], index=1)
    rum = {"type": "error", "date": T0 + 55, "session": {"id": "s1"}, "error": {"message": "x"}}
    (s,) = datadog.sessions([later, rum])   # what is left: the RUM events
    assert [e["type"] for e in s.events] == [6]
    assert s.warnings[datadog.ORPHANED] == 3   # the Meta, the change, the scroll
    assert datadog.sessions([later]) == []
    with pytest.raises(UnreadableRecording, match="first segment"):
        parse_recordings(json.dumps(later).encode())


def test_bad_references_are_warnings():
    bad = full([[11, [1, "#document", "DIV"]], [1, [None, 0], [5, 1], [2, 77, [3, 4]]],
                [4, [99, "x"]]])
    (s,) = datadog.sessions([segment(bad)])
    w = s.warnings
    assert w["node placed by a node that is not there"] == 1
    assert w["reference to a string not in the table"] >= 1
    assert w["change to a node that is not there"] == 1


def test_sizes_styles_scroll_and_fields_become_what_rrweb_reads():
    changes = [
        [11, [1, "#document", "HTML", "BODY", "STYLE", "DIV", "INPUT", "#text"],
             [2, "data-dd-privacy", "type"], [3, "hidden", "checkbox"], [6, "p{color:red}"],
             [5, "typed"]],
        [1, [None, 0], [1, 1], [1, 2], [1, 3], [0, 4, [7, 9]], [0, 5, [8, 10]], [0, 5]],
        [5, [4, 120.5, 40]], [7, [11]], [8, [3, 0]], [12, [6, 12]], [13, [0, 5]],
        [6, [0, 0, 30], [4, 0, 12]],
    ]
    (s,) = datadog.sessions([segment(full(changes))])
    snap = next(e for e in s.events if e["type"] == 2)["data"]
    assert snap["initialOffset"] == {"left": 0, "top": 30}
    nodes = {}
    stack = [snap["node"]]
    while stack:
        n = stack.pop()
        nodes[n["id"]] = n
        stack.extend(n.get("childNodes", ()))
    assert nodes[3]["attributes"]["_cssText"] == "p{color:red}"
    assert nodes[4]["attributes"] == {"data-dd-privacy": "hidden", "rr_width": "120.5px",
                                      "rr_height": "40px", "rr_scrollLeft": 0, "rr_scrollTop": 12}
    assert nodes[5]["attributes"]["checked"] is True and nodes[6]["attributes"]["value"] == "typed"
    later = {"type": 12, "timestamp": T0 + 5, "data": [[12, [6, "more"]], [13, [1, 5]],
                                                         [6, [4, 0, 40]], [5, [4, 10, 10]]]}
    (s,) = datadog.sessions([segment(full(changes) + [later])])
    tail = [e["data"] for e in s.events if e["timestamp"] == T0 + 5]
    assert {"source": 0, "texts": [], "removes": [], "adds": [],
            "attributes": [{"id": 4, "attributes": {"rr_width": "10px", "rr_height": "10px"}}]} in tail
    assert {"source": 5, "id": 6, "text": "more"} in tail
    assert {"source": 5, "id": 5, "isChecked": False} in tail
    assert {"source": 3, "id": 4, "x": 0, "y": 40} in tail


def test_rum_events_become_the_rum_plugins_with_the_user():
    rum = {"type": "error", "date": T0 + 5, "session": {"id": "s1"}, "_dd": {"x": 1},
           "application": {"id": "app"}, "usr": {"id": "u1", "name": "Ada", "secret": "no"},
           "error": {"message": "boom", "source": "source"}}
    (s,) = datadog.sessions([segment(full()), rum])
    e = s.events[-1]
    assert e["data"]["plugin"] == "replay/rum@1"
    assert set(e["data"]["payload"]) == {"type", "date", "usr", "error"}
    assert s.user == {"id": "u1", "name": "Ada"}


def test_the_sdks_own_telemetry_without_a_session_is_datadogs_and_left_out(tmp_path):
    """The SDK's telemetry of itself (its configuration, its start's metrics) comes before
    it knows the session, in a batch of its own when the page hides early: that request
    file was refused as holding "something besides Datadog segments and RUM events", and
    the whole import of the visit with it (one run in ten of the real-SDK visit test)."""
    from recorder.rrweb_io import DatadogFiles, datadog_files

    telemetry = [{"type": "telemetry", "date": T0, "service": "browser-rum-sdk",
                  "source": "browser", "_dd": {"format_version": 2},
                  "telemetry": {"type": "configuration", "configuration": {
                      "session_replay_sample_rate": 100}}},
                 {"type": "telemetry", "date": T0, "_dd": {"format_version": 2},
                  "telemetry": {"type": "log", "message": "Session manager init metrics"}}]
    (s,) = datadog.sessions([segment(full()), *telemetry])
    assert not s.warnings and all(e["type"] != 6 or "telemetry" not in json.dumps(e)
                                  for e in s.events)
    seg, tel = tmp_path / "0000-replay.json", tmp_path / "0001-rum.ndjson"
    seg.write_text(json.dumps({"records": segment(full())["records"],
                               **{k: v for k, v in segment(full()).items() if k != "records"}}))
    tel.write_text("\n".join(json.dumps(t) for t in telemetry) + "\n")
    assert datadog_files([seg, tel]) == [seg, tel]
    (read,) = DatadogFiles([seg, tel]).read()
    assert len(read.events) == len(s.events)


def test_the_user_is_read_as_every_vendors_is():
    """`usr` as `semantics.user_from` reads a user from any vendor: an id the site set as a
    number is still the id, a value masked before it left the page says nothing."""
    rum = {"type": "view", "date": T0 + 5, "session": {"id": "s1"},
           "usr": {"id": 42, "name": "***", "email": "ada@example.com"}}
    (s,) = datadog.sessions([segment(full()), rum])
    assert s.user == {"id": "42", "email": "ada@example.com"}


def deflated(seg: dict) -> bytes:
    return zlib.compress(json.dumps(seg).encode())


def multipart(seg: dict, boundary="----WebKitFormBoundaryAbc123") -> bytes:
    meta = {k: v for k, v in seg.items() if k != "records"}
    return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"segment\"; filename=\"x\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + deflated(seg) + \
        (f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"event\"; filename=\"blob\"\r\n"
         f"Content-Type: application/json\r\n\r\n{json.dumps(meta)}\r\n--{boundary}--\r\n").encode()


@pytest.mark.parametrize("shape", ["json", "deflated", "multipart", "ndjson", "array",
                                   "deflated twice", "multipart twice"])
def test_every_shape_a_person_holds_reads_as_one_session(shape):
    a = segment(full())
    b = segment([{"type": 12, "timestamp": T0 + 50, "data": [[4, [5, 9]]]}], index=1,
                start=T0 + 50)
    data = {"json": json.dumps(a).encode(), "deflated": deflated(a), "multipart": multipart(a),
            "ndjson": (json.dumps(a) + "\n" + json.dumps(b) + "\n").encode(),
            "array": json.dumps([a, b]).encode(),
            "deflated twice": deflated(a) + deflated(b),
            "multipart twice": multipart(a) + multipart(b, "----X")}[shape]
    (rec,) = parse_recordings(data)
    assert rec.shape == "datadog" and rec.session_hint == "s1"
    assert [e["type"] for e in rec.events][:2] == [4, 2]


def test_a_cut_off_upload_is_damaged_and_partial_keeps_what_decoded():
    data = deflated(segment(full())) + deflated(segment([], index=1))[:-6]
    with pytest.raises(DamagedRecording, match="cut off"):
        parse_recordings(data)
    (rec,) = parse_recordings(data, partial=True)
    assert rec.damaged and [e["type"] for e in rec.events] == [4, 2]


def test_a_mobile_segment_is_refused_saying_so():
    seg = segment([{"type": 10, "timestamp": T0, "data": {"wireframes": []}}])
    seg["source"] = "android"
    with pytest.raises(NotARecording, match="mobile"):
        parse_recordings(deflated(seg))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 60) | st.floats(allow_nan=False) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(changes=st.lists(st.lists(json_values, min_size=1, max_size=5).map(
    lambda ch: [ch[0] if isinstance(ch[0], int) else 1] + ch[1:]), max_size=6))
def test_any_change_record_is_read_without_raising(changes):
    """Bad input is counted in warnings, never raised (the mirror's rule)."""
    later = {"type": 12, "timestamp": T0 + 1, "data": changes}
    snap = {"type": 2, "format": 1, "timestamp": T0, "data": changes}
    for records in ([*full(), later], [snap, later]):
        for s in datadog.sessions([segment(records)]):
            mirror_of(s.events)


def test_values_of_the_wrong_kind_are_counted_not_raised():
    rum = {"type": "error", "date": True, "session": {"id": "s1"}, "error": {"message": "x"}}
    (s,) = datadog.sessions([segment(full()), [1, 2], None, "x", rum])
    assert s.warnings["value that is neither a segment nor a RUM event"] == 3
    assert s.warnings["RUM event without a date"] == 1   # (True is no time)
    assert [e["type"] for e in s.events] == [4, 2]


def test_a_record_type_the_file_made_up_is_not_said_back():
    """A warning line shows the warnings' names: a record's `type` is the file's text, and
    may be anything - what was typed in a page included."""
    (s,) = datadog.sessions([segment(full() + [{"type": "Ada Lovelace", "timestamp": T0}])])
    assert dict(s.warnings) == {"record of an unknown type": 1}


def test_numbers_past_a_float_are_no_size_or_scroll():
    huge = 10 ** 400
    changes = SNAPSHOT + [[5, [4, huge, -huge]], [6, [3, huge, 1e308]]]
    (s,) = datadog.sessions([segment(full(changes))])
    p = next(e for e in s.events if e["type"] == 2)["data"]["node"]["childNodes"][0]
    body = p["childNodes"][1]
    assert body["attributes"] == {"rr_scrollLeft": 0, "rr_scrollTop": 0}
    assert body["childNodes"][1]["attributes"] == {"id": "a", "rr_width": "0px",
                                                   "rr_height": "0px"}


def test_a_view_nested_past_the_limit_is_refused_by_name_not_by_a_crash():
    """The Change format's adds are flat JSON (the JSON reader's nesting limit does not see
    them): the tree they build is measured as it grows."""
    deep = [SNAPSHOT[0], [1, [None, 0], [1, 1], [1, 2]] + [[1, 3]] * 5000]
    with pytest.raises(LimitError, match="nests more than 2,000 levels"):
        datadog.sessions([segment(full(deep))])


def test_a_long_run_of_siblings_is_read_in_linear_time():
    """Each node placed after the one before (insertion point 0) is found without searching
    its parent's children: 100,000 list items, not 5,000,000,000 comparisons."""
    # a document, its html, body (string 4), ul (7), then li (8) after li
    items = [SNAPSHOT[0], [1, [None, 0], [1, 1], [1, 4], [1, 7], [1, 8]] + [[0, 8]] * 100_000]
    (s,) = datadog.sessions([segment(full(items))])
    html = next(e for e in s.events if e["type"] == 2)["data"]["node"]["childNodes"][0]
    ul = html["childNodes"][0]["childNodes"][0]
    assert len(ul["childNodes"]) == 100_001


@settings(max_examples=300, deadline=None)
@given(records=st.lists(st.fixed_dictionaries(
    {"type": st.sampled_from([2, 3, 4, 12, 99]), "timestamp": st.just(T0),
     "data": json_values}), max_size=6), adds=json_values, removes=json_values)
def test_any_v1_record_is_read_without_raising(records, adds, removes):
    """V1 snapshots and mutations of any shape (ids of any type, lists where objects go)."""
    v1 = {"type": 2, "timestamp": T0, "data": {"node": {"type": 0, "id": 1, "childNodes": [
        {"type": 11, "id": adds, "childNodes": removes, "adoptedStyleSheets": adds}]}}}
    mutation = {"type": 3, "timestamp": T0, "data": {"source": 0, "adds": adds,
                                                     "removes": removes}}
    datadog.sessions([segment([v1, mutation, *records])])
