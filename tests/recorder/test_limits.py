"""Each limit: a violating payload gets the named error (code + limit) and the store is
left exactly as it was (index rows and files)."""
from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import example, given, settings, strategies as st

from recorder import limits as L
from recorder.format import InvalidEvent, encode_json
from recorder.limits import LimitError, Limits, event_attribute_count, event_depth
from recorder.store import LOCKS_DIR, Store

T0 = 1_700_000_000_000


def move(t):
    return {"type": 3, "timestamp": t,
            "data": {"source": 1, "positions": [{"x": 1, "y": 2, "id": 3, "timeOffset": 0}]}}


def snapshot(t, body_attrs=None, depth=3):
    # a DOM `depth` elements deep (the tree's own nesting is not "attribute depth")
    node = {"type": 3, "id": 10_000, "textContent": "leaf"}
    for k in range(depth):
        node = {"type": 2, "id": 100 + k, "tagName": "div", "attributes": {}, "childNodes": [node]}
    body = {"type": 2, "id": 3, "tagName": "body", "attributes": body_attrs or {},
            "childNodes": [node]}
    return {"type": 2, "timestamp": t, "data": {"node": {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [body]}]},
        "initialOffset": {"left": 0, "top": 0}}}


def base(t=T0):
    return [{"type": 4, "timestamp": t, "data": {"href": "https://a.example/", "width": 800,
                                                  "height": 600}}, snapshot(t + 1)]


def state(store) -> tuple:
    """Everything the store holds: every index table's rows and every file's bytes (not the
    empty lock files live writers coordinate through: they hold no data)."""
    db = store.index.db
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'"
                                       " ORDER BY name")]
    rows = {t: sorted(map(repr, db.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}
    files = sorted((str(p.relative_to(store.root)), hashlib.sha256(p.read_bytes()).hexdigest())
                   for p in store.root.rglob("*") if p.is_file() and "index.sqlite3" not in p.name
                   and p.parent.name != LOCKS_DIR)
    return rows, files


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "d")
    s.ingest(base(T0 - 10 * 86_400_000) + [move(T0 - 10 * 86_400_000 + 5)])  # something to keep
    yield s
    s.close()


def rejected(store, events, code, limit, **kw) -> LimitError:
    before = state(store)
    with pytest.raises(LimitError) as info:
        store.ingest(events, **kw)
    err = info.value
    assert err.code == code and err.limit == limit
    assert code in str(err) and f"{limit}" in str(err)
    assert err.to_json() == {"error": code, "message": str(err), "limit": limit}
    assert state(store) == before
    return err


def blob(t, size):
    return {"type": 5, "timestamp": t, "data": {"tag": "blob", "payload": "x" * size}}


def test_event_over_1_mb(store):
    """Live, an event over 1 MB is refused; just under it is fine."""
    err = rejected(store, base() + [blob(T0 + 5, L.MB)], "event_too_large", L.MAX_EVENT_BYTES,
                   live=True, now_ms=T0 + 10)
    assert err.index == 2
    store.ingest(base() + [blob(T0 + 5, L.MB - 100)], live=True, now_ms=T0 + 10)


def test_an_imported_event_may_be_bigger_up_to_its_own_limit(store, tmp_path):
    """A file's events are held to 16 MB (a real page's snapshot with its stylesheets inlined
    passes 1 MB), read whole or as a stream; over that, refused by name, nothing stored."""
    from recorder.rrweb_io import EventStream
    big = base(T0) + [blob(T0 + 5, 2 * L.MB)]
    (stored,) = store.ingest_outcomes(big)
    assert len(list(store.session(stored.id).events())) == 3
    too_big = base(T0 + 3_600_000) + [blob(T0 + 3_600_005, L.MAX_IMPORTED_EVENT_BYTES)]
    err = rejected(store, too_big, "event_too_large", L.MAX_IMPORTED_EVENT_BYTES)
    assert err.index == 2
    f = tmp_path / "too-big.json"
    f.write_bytes(encode_json(too_big))
    before = state(store)
    with pytest.raises(LimitError) as info:
        store.import_stream(EventStream(f))
    assert (info.value.code, info.value.limit) == ("event_too_large", L.MAX_IMPORTED_EVENT_BYTES)
    assert state(store) == before


def test_an_event_refused_is_named_by_its_place_in_the_input_read_whole_or_as_a_stream(
        store, tmp_path):
    """An invalid event skipped before it counts: the error named the file's event #3 as
    #2 when the import read the file whole (as record mode and a bundle's events are)."""
    from recorder.rrweb_io import EventStream
    events = base() + [{"type": 3, "timestamp": "soon", "data": {"source": 1}},
                       {"type": 3, "timestamp": T0 + 5, "data": {"source": 4, "width": 10**9,
                                                                 "height": 600}}]
    err = rejected(store, events, "viewport_size", L.MAX_VIEWPORT_PX)
    assert err.index == 3 and str(err).startswith("event #3: ")
    f = tmp_path / "wide.json"
    f.write_bytes(encode_json(events))
    with pytest.raises(LimitError) as info:
        store.import_stream(EventStream(f))
    assert info.value.index == 3


def test_payload_over_5_mb_when_live(store):
    chunk = "y" * (L.MB - 1000)
    events = base() + [{"type": 5, "timestamp": T0 + 2 + i, "data": {"tag": "c", "payload": chunk}}
                       for i in range(6)]
    err = rejected(store, events, "payload_too_large", L.MAX_PAYLOAD_BYTES, live=True,
                   session_id="s1", now_ms=T0 + 1000)
    assert err.http_status == 413
    # a file import of the same events is not a request: allowed
    store.ingest(events)


def test_more_than_1000_attributes_on_one_element(store):
    attrs = {f"data-a{i}": "v" for i in range(1001)}
    rejected(store, [base()[0], snapshot(T0 + 1, body_attrs=attrs)], "too_many_attributes",
             L.MAX_ATTRIBUTES)
    mutation = {"type": 3, "timestamp": T0 + 9, "data": {"source": 0, "texts": [], "removes": [],
                "adds": [], "attributes": [{"id": 3, "attributes": attrs}]}}
    rejected(store, base() + [mutation], "too_many_attributes", L.MAX_ATTRIBUTES)
    custom = {"type": 5, "timestamp": T0 + 9, "data": {"tag": "t", "payload": attrs}}
    rejected(store, base() + [custom], "too_many_attributes", L.MAX_ATTRIBUTES)


def test_1000_attributes_and_big_pages_are_fine(store):
    attrs = {f"data-a{i}": "v" for i in range(1000)}
    # a page of 3000 elements with 3 attributes each: 9000 attributes in the snapshot event
    wide = snapshot(T0 + 1, body_attrs=attrs)
    body = wide["data"]["node"]["childNodes"][0]["childNodes"][0]
    body["childNodes"] += [{"type": 2, "id": 20_000 + i, "tagName": "td", "childNodes": [],
                            "attributes": {"class": "c", "id": f"i{i}", "title": "t"}}
                           for i in range(3000)]
    assert event_attribute_count(wide) == 1000
    store.ingest([base()[0], wide])


def test_attribute_depth_over_20(store):
    deep = "leaf"
    for _ in range(21):
        deep = {"k": deep}
    ev = {"type": 5, "timestamp": T0 + 3, "data": {"tag": "t", "payload": deep}}
    assert event_depth(ev) > 20
    rejected(store, base() + [ev], "attribute_depth", L.MAX_DEPTH)


def test_a_deep_dom_tree_is_not_attribute_depth(store):
    deep_dom = snapshot(T0 + 1, depth=200)
    assert event_depth(deep_dom) <= 5
    store.ingest([base()[0], deep_dom])


def test_event_more_than_24_h_late_when_live(store):
    now = T0 + 25 * 3600 * 1000
    err = rejected(store, base(), "event_too_late", L.MAX_LATE_MS, live=True, session_id="s",
                   now_ms=now)
    assert err.index == 0
    # the same old recording imported from a file is fine
    store.ingest(base())
    # and 23 h late is still accepted live
    store.ingest(base(now - 23 * 3600 * 1000), live=True, session_id="s2", now_ms=now)


def test_more_events_than_a_session_may_hold(tmp_path):
    with Store.open(tmp_path / "d", limits=Limits(max_session_events=50)) as store:
        events = base() + [move(T0 + 10 + i) for i in range(48)]
        (sid,) = store.ingest(events)                      # exactly 50: fine
        store.delete_session(sid)
        rejected(store, events + [move(T0 + 99)], "session_too_many_events", 50)
        # live: the cap counts what the session already holds
        store.ingest(events[:30], live=True, session_id="c", now_ms=T0 + 1000)
        rejected(store, events[30:] + [move(T0 + 99)], "session_too_many_events", 50,
                 live=True, session_id="c", now_ms=T0 + 1000)
    assert L.MAX_SESSION_EVENTS == 10_000_000


def test_limit_values_are_the_products(store):
    assert (L.MAX_EVENT_BYTES, L.MAX_PAYLOAD_BYTES, L.MAX_ATTRIBUTES, L.MAX_DEPTH,
            L.MAX_LATE_MS) == (1 << 20, 5 << 20, 1000, 20, 86_400_000)


def test_malformed_live_event_rejects_payload_import_skips_it(store, caplog):
    bad = {"type": 2, "timestamp": T0 + 3, "data": {"node": "not a node"}}
    before = state(store)
    with pytest.raises(InvalidEvent, match="event #2"):
        store.ingest(base() + [bad], live=True, session_id="z", now_ms=T0)
    assert state(store) == before
    (sid,) = store.ingest(base() + [bad, move(T0 + 4)])
    assert "skipping invalid event" in caplog.text
    assert store.session(sid).info.record_count == 3


def test_depths_count_every_container_type_the_same(tmp_path):
    """`_depths` takes exact dicts and lists on its fast path; subclasses (a caller's
    OrderedDict, a list subclass) nest just as deep."""
    from collections import OrderedDict
    from recorder.limits import _depths

    class L(list):
        pass
    plain = {"a": [{"b": {"childNodes": [{"childNodes": [{"c": [1, [2, [3]]]}]}]}}]}
    odd = OrderedDict(a=L([OrderedDict(b=OrderedDict(childNodes=L([OrderedDict(
        childNodes=[OrderedDict(c=L([1, L([2, [3]])]))])])))]))
    assert _depths(plain, 100) == _depths(odd, 100) == (7, 3)


# --- the bracket bound on the JSON text (check_event skips the walk when it holds) ----------
# strings made of what could fool a count of the text's brackets: brackets, quotes,
# backslashes; keys include childNodes (the DOM's nesting, counted apart)
_tricky = st.text(alphabet='[]{}"\\ a', max_size=6)
_json = st.recursive(
    st.none() | st.integers(-5, 5) | _tricky,
    lambda kids: st.lists(kids, max_size=4)
    | st.dictionaries(st.sampled_from(["childNodes", "a"]) | _tricky, kids, max_size=4),
    max_leaves=40)


@settings(max_examples=400, deadline=None)
@given(_json, st.integers(0, 12))
@example(["]", [[]], "["], 2)                     # a string's brackets close and reopen
@example(['"', "]", '"', [[]], '"', "[", '"'], 2)  # ... between escaped quotes that pair up
def test_the_bracket_bound_never_passes_a_deeper_event(value, n):
    """`nests_at_most` lets check_event skip its walk: whenever it says yes, the walk would
    have found both depths within `n` - brackets and quotes inside strings included, in
    the compact JSON we encode and the spaced JSON a client may send."""
    for text in (encode_json(value), json.dumps(value).encode()):
        if L.nests_at_most(text, n):
            depth, dom = L._depths(value, 10_000) if isinstance(value, (dict, list)) else (0, 0)
            assert depth <= n and dom <= n


def test_an_event_nested_past_the_limit_with_brackets_in_its_strings_is_refused(store):
    """Strings that close and reopen brackets do not make a deep payload look shallow."""
    deep = "leaf"
    for _ in range(21):
        deep = {"]}": deep, "k": "[{"}
    ev = {"type": 5, "timestamp": T0 + 3, "data": {"tag": "t", "payload": deep}}
    rejected(store, base() + [ev], "attribute_depth", L.MAX_DEPTH)


def test_the_bracket_bound_tells_a_mutation_without_a_walk():
    """The usual event of a live page (a mutation with many items, so more brackets than the
    depth limit) is told within the limit by its text alone."""
    items = [{"parentId": 1, "nextId": None, "node": {"type": 3, "textContent": f"{i}.5",
                                                       "id": 100 + i}} for i in range(30)]
    ev = {"type": 3, "timestamp": T0, "data": {"source": 0, "texts": [], "attributes": [],
                                                 "removes": [], "adds": items}}
    text = encode_json(ev)
    assert text.count(b"{") > L.MAX_DEPTH
    assert L.nests_at_most(text, L.MAX_DEPTH) and not L.nests_at_most(text, 3)


def _custom(t, payload):
    return {"type": 5, "timestamp": t, "data": {"tag": "x", "payload": payload}}


def _nested(n):
    v = "deep"
    for _ in range(n):
        v = {"k": v}
    return v


@pytest.mark.parametrize("bad,code", [
    (lambda t: snapshot(t, body_attrs={f"a{k}": "v" for k in range(L.MAX_ATTRIBUTES + 1)}),
     "too_many_attributes"),
    (lambda t: _custom(t, _nested(L.MAX_DEPTH + 3)), "attribute_depth"),
    (lambda t: _custom(t, {"n": 2 ** 70}), "integer_out_of_range"),
    (lambda t: {**move(t), "timestamp": T0 * 1000}, "timestamp_out_of_range"),
    (lambda t: {"type": 4, "timestamp": t, "data": {"href": "https://a.example/",
                                                    "width": 10 ** 9, "height": 1}},
     "viewport_size"),
], ids=["attributes", "depth", "integer", "timestamp", "viewport"])
@pytest.mark.parametrize("at", [5, 100, 9_000])   # in the session's head, after it, a batch on
def test_a_streamed_import_refuses_each_event_as_the_import_read_whole_does(store, tmp_path,
                                                                             bad, code, at):
    """The stream checks a batch of events at a time (`limits.checked_events`): each limit
    refuses the event read as a stream by the same code, limit, message and place in the
    input as read whole, and nothing is stored."""
    from recorder.rrweb_io import EventStream
    events = base() + [move(T0 + 10 + i) for i in range(at)] + [bad(T0 + 10 + at)] + \
        [move(T0 + 20 + at + i) for i in range(5)]
    whole = rejected(store, events, code, _limit_of(code))
    f = tmp_path / "bad.json"
    f.write_bytes(encode_json(events))
    before = state(store)
    with pytest.raises(LimitError) as info:
        store.import_stream(EventStream(f))
    assert (info.value.code, info.value.limit, info.value.index, str(info.value)) == \
        (whole.code, whole.limit, whole.index, str(whole))
    assert state(store) == before


def _limit_of(code):
    lim = Limits().for_import()
    return {"too_many_attributes": lim.max_attributes, "attribute_depth": lim.max_depth,
            "integer_out_of_range": 64, "timestamp_out_of_range": lim.max_future_ms,
            "viewport_size": lim.max_viewport_px}[code]


@pytest.mark.parametrize("n", [49, 50, 63, 64, 65, 100, 101, 8_300])
def test_a_streamed_session_is_held_to_its_events_limit_at_the_event_that_passes_it(
        tmp_path, n):
    """The stream adds a session's events a run at a time once its head is placed
    (`_StreamSession.add_all`): the limit still refuses at the event that passes it,
    before the session's head is placed, as it is placed, after, and batches on."""
    from recorder.rrweb_io import EventStream
    cap = n - 1
    events = base() + [move(T0 + 10 + i) for i in range(n - 2)]
    f = tmp_path / "many.json"
    f.write_bytes(encode_json(events))
    with Store.open(tmp_path / "d", limits=Limits(max_session_events=cap)) as store:
        with pytest.raises(LimitError) as info:
            store.import_stream(EventStream(f))
        assert (info.value.code, info.value.limit) == ("session_too_many_events", cap)
        assert f"would hold {n:,} events" in str(info.value)
        assert not list((tmp_path / "d").rglob("*.seg"))
    with Store.open(tmp_path / "e", limits=Limits(max_session_events=n)) as store:
        (done,) = store.import_stream(EventStream(f))
        assert done.added == n
