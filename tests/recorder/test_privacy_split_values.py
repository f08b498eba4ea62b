"""A value split across text nodes or phrasing elements (recorder/privacy/runs.py): masked by
the privacy pass however the page wrote it - one snapshot, nodes added one by one, a text
changed beside neighbours the recording already holds. The oracle is the replay: the masked
stream applied to a fresh mirror (what a player rebuilds) holds no value the detectors find
in any run of its text, and what was not part of a value is left as the page showed it."""
from __future__ import annotations

import pytest

from recorder.mirror import Mirror
from recorder.privacy import Rules, SessionMasker, detectors
from recorder.privacy.preview import html_to_events, render_node
from recorder.privacy.runs import crossing, mask_pieces, run_around, runs_in
from replay_tools.nodes import element_ids

T0 = 1_700_000_000_000


def masker(level: str = "allow") -> SessionMasker:
    return SessionMasker(Rules.from_json({"default": level}))


def page(body: str) -> tuple[list[dict], dict[str, int]]:
    events = html_to_events(f"<!DOCTYPE html><html><head></head><body>{body}</body></html>")
    return events, element_ids(events[1]["data"]["node"])


def mut(ms: int, adds=(), texts=(), removes=()) -> dict:
    return {"type": 3, "timestamp": T0 + ms, "data": {
        "source": 0, "adds": list(adds), "texts": list(texts), "removes": list(removes),
        "attributes": []}}


def text_add(parent: int, nid: int, text: str) -> dict:
    return {"parentId": parent, "nextId": None,
            "node": {"type": 3, "id": nid, "textContent": text}}


def replayed(events: list[dict]) -> Mirror:
    m = Mirror()
    for e in events:
        m.apply(e)
    assert not m.warnings, m.warnings
    return m


def findings_in_runs(m: Mirror) -> list[str]:
    return [f.value for run in runs_in(m.nodes, m.root)
            for f in detectors.find("".join(n.text for n in run))]


def text_of(m: Mirror, nid: int) -> str:
    out, stack = [], [nid]
    while stack:
        n = m.nodes[stack.pop()]
        if n.text is not None and n.type == 3:
            out.append(n.text)
        stack.extend(reversed(n.children))
    return "".join(out)


def test_a_snapshot_masks_values_written_across_phrasing_elements_and_keeps_the_rest():
    events, ids = page('<p id="m">Signed in as <b>jane.doe</b>@example.com.</p>'
                       '<p id="ph">call <span>415</span>-<span>555</span>-<span>0100</span> now</p>'
                       '<p id="two">4111 1111<br>1111 1111</p>'
                       '<div id="words"><span>hello</span> <i>world</i> 12345</div>')
    out = masker().mask(events)
    m = replayed(out)
    assert findings_in_runs(m) == []
    assert text_of(m, ids["m"]) == "Signed in as xxxxxxxxxxxxxxxxxxxx."
    assert text_of(m, ids["ph"]) == "call xxxxxxxxxxxx now"
    # a <br> ends the run (two lines are two numbers' halves, not one); nothing else matched
    assert text_of(m, ids["two"]) == "4111 11111111 1111"
    assert text_of(m, ids["words"]) == "hello world 12345"
    assert render_node(out[1]["data"]["node"]).count("<span>xxx</span>") == 2


def test_detectors_off_leave_a_split_value_as_the_rules_say():
    events, ids = page('<p id="m"><b>jane.doe</b>@example.com</p>')
    out = SessionMasker(Rules.from_json({"default": "allow", "detectors": []})).mask(events)
    assert text_of(replayed(out), ids["m"]) == "jane.doe@example.com"


def test_a_template_adding_three_text_nodes_is_masked_in_the_adds():
    events, ids = page('<p id="who"></p>')
    p = ids["who"]
    events.append(mut(10, adds=[text_add(p, 901, "jane.doe"), text_add(p, 902, "@"),
                               text_add(p, 903, "example.com")]))
    out = masker().mask(events)
    assert [a["node"]["textContent"] for a in out[-1]["data"]["adds"]] == [
        "xxxxxxxx", "x", "xxxxxxxxxxx"]
    assert findings_in_runs(replayed(out)) == []


def test_a_text_change_beside_neighbours_already_recorded_masks_them_with_a_change_each():
    """The first two pieces were recorded in clear (no value yet); the third completes the
    number: the event that adds it also changes the two recorded before it."""
    events, ids = page('<p id="ph">call <span id="a">415-</span><span id="b">555-</span>'
                       '<span id="c"></span></p>')
    events.append(mut(10, adds=[text_add(ids["c"], 950, "0100")]))
    out = masker().mask(events)
    m = replayed(out)
    assert findings_in_runs(m) == []
    assert text_of(m, ids["ph"]) == "call xxxxxxxxxxxx"
    changed = {t["id"]: t["value"] for t in out[-1]["data"]["texts"]}
    assert changed == {ids["a"] + 1: "xxxx", ids["b"] + 1: "xxxx"}   # each span's text node
    # a later change of one piece: the others already masked, it alone changes
    events.append(mut(20, texts=[{"id": 950, "value": "0199"}]))
    out = masker().mask(events)
    assert out[-1]["data"]["texts"] == [{"id": 950, "value": "xxxx"}]
    assert findings_in_runs(replayed(out)) == []


def test_react_server_rendered_texts_with_an_empty_comment_between_them():
    events, ids = page('<p id="m">Write to jane.doe<!-- -->@<!-- -->example.com today</p>')
    m = replayed(masker().mask(events))
    assert text_of(m, ids["m"]) == "Write to xxxxxxxxxxxxxxxxxxxx today"


def test_masked_and_hidden_neighbours_stay_as_their_levels_recorded_them():
    events, ids = page('<p id="m"><b class="rr-mask">jane.doe</b>@example.com</p>'
                       '<p id="h"><b class="rr-block">jane.doe</b>@example.com</p>')
    out = masker().mask(events)
    m = replayed(out)
    # masked text is x'es already; the clear part of the value beside it is masked too
    assert text_of(m, ids["m"]) == "xxxxxxxxxxxxxxxxxxxx"
    # a hidden element's text is not recorded; the page still showed one value
    assert text_of(m, ids["h"]) == "xxxxxxxxxxxx"


def test_a_neighbour_under_a_masking_level_gets_no_needless_change():
    events, ids = page('<p id="ph" class="rr-mask">call <span id="a">415-555-</span>'
                       '<span id="c"></span></p>')
    events.append(mut(10, adds=[text_add(ids["c"], 950, "0100")]))
    out = masker().mask(events)
    assert out[-1]["data"]["texts"] == []
    assert out[-1]["data"]["adds"][0]["node"]["textContent"] == "xxxx"


@pytest.mark.parametrize("value", ["jane.doe@example.com", "4111 1111 1111 1111",
                                   "+1 415 555 0100", "DE89 3704 0044 0532 0130 00"])
@pytest.mark.parametrize("cuts", [(1,), (3, 4), (2, 5, 9), (5, 6, 7, 8)])
def test_any_split_of_a_value_added_piece_by_piece_is_masked_in_the_replay(value, cuts):
    events, ids = page('<p id="p">value: </p>')
    bounds = [0, *(c for c in cuts if c < len(value)), len(value)]
    pieces = [value[a:b] for a, b in zip(bounds, bounds[1:])]
    for i, piece in enumerate(pieces):   # a span each, added one event after the other
        span = {"type": 2, "id": 800 + i, "tagName": "span", "attributes": {},
                "childNodes": [{"type": 3, "id": 900 + i, "textContent": piece}]}
        events.append(mut(10 * (i + 1), adds=[{"parentId": ids["p"], "nextId": None,
                                               "node": span}]))
    out = masker().mask(events)
    m = replayed(out)
    assert findings_in_runs(m) == []
    shown = text_of(m, ids["p"])
    assert shown.startswith("value: ") and value not in shown
    assert shown[len("value: "):] == detectors.mask(value)


def test_crossing_reports_only_matches_across_pieces():
    assert crossing(["mail jane@example.com", " and more"]) is None   # inside one piece
    assert crossing(["jane", "@example.com"]) == [[(0, 4)], [(0, 12)]]
    assert crossing(["x" * 3]) is None
    assert mask_pieces("41 5", "41 5", [(0, 4)]) == "xx x"
    assert mask_pieces("***", "415-", [(0, 4)]) == "***"   # another length: left whole


def test_a_run_read_around_a_node_stops_at_blocks_and_at_its_reach():
    events, ids = page('<div><p>a</p><span>b<i>c</i></span><b id="x">d</b>e<div>f</div></div>')
    m = replayed(events)
    x_text = m.nodes[ids["x"]].children[0]
    assert [n.text for n in run_around(m.nodes, m.nodes[x_text])] == ["b", "c", "d", "e"]
    assert [n.text for n in run_around(m.nodes, m.nodes[x_text], reach=1)] == ["c", "d", "e"]


def test_the_audit_finds_a_split_value_a_recording_stored_in_clear_and_not_one_masked():
    """A recording stored before the pass knew runs (here: masked with detectors off, as an
    older pass left it) holds the value across nodes; the audit names it once, at the node
    where it begins - and finds nothing in the same recording masked now."""
    from recorder.privacy.audit import audit_events
    events, ids = page('<p id="m">Signed in as <b id="b">jane.doe</b>@example.com</p>')
    events.append(mut(10, texts=[{"id": ids["m"] + 1, "value": "Signed in as "}]))
    clear = SessionMasker(Rules.from_json({"default": "allow", "detectors": []})).mask(events)
    found = audit_events(clear).findings
    assert [(f.kind, f.event_index, f.node_id, f.where, f.excerpt) for f in found] == [
        ("email", 1, ids["b"] + 1, "text across 2 nodes", detectors.excerpt(
            "email", "jane.doe@example.com"))]
    assert "jane.doe" not in repr(found)
    assert audit_events(masker().mask(events)).findings == []


def test_capture_js_reads_runs_through_the_same_tags_and_as_far():
    """capture.js keeps runs.py's rules in its own words (INLINE_TAGS, RUN_REACH): the
    conformance table checks their outcome on one page; this, that the lists are one."""
    import re
    from pathlib import Path

    from recorder.privacy import runs
    capture = (Path(__file__).resolve().parents[2] / "assets" / "capture" /
               "capture.js").read_text(encoding="utf-8")
    listed = re.search(r"var INLINE_TAGS = \{(.*?)\};", capture, re.S).group(1)
    assert set(re.findall(r'"?(\w+)"?: 1', listed)) == runs.INLINE_TAGS
    assert int(re.search(r"var RUN_REACH = (\d+);", capture).group(1)) == runs.REACH


def test_a_removal_that_brings_two_texts_together_masks_both():
    """`call 415-555-<br>0100`: two lines, no number - until the <br> goes."""
    events, ids = page('<p id="ph">call 415-555-<br id="br">0100</p><p id="x">4111 1111</p>')
    out = masker().mask(events)
    assert text_of(replayed(out), ids["ph"]) == "call 415-555-0100"
    events.append(mut(10, removes=[{"parentId": ids["ph"], "id": ids["br"]}]))
    out = masker().mask(events)
    m = replayed(out)
    assert findings_in_runs(m) == []
    assert text_of(m, ids["ph"]) == "call xxxxxxxxxxxx"
    assert sorted(t["value"] for t in out[-1]["data"]["texts"]) == ["call xxxxxxxx", "xxxx"]


def test_every_text_entry_of_a_node_is_masked_as_rrweb_sends_one_per_change():
    """rrweb's recorder sends a text entry per change of a node in a batch, each with its
    last value: the second pair undid the first pair's masking (a review)."""
    events, ids = page('<p id="p"><b id="b">x</b><span id="s">y</span></p>')
    b, s = ids["b"] + 1, ids["s"] + 1   # their text nodes
    pair = [{"id": b, "value": "jane.doe"}, {"id": s, "value": "@example.com"}]
    events.append(mut(10, texts=pair + pair))
    out = masker().mask(events)
    assert [t["value"] for t in out[-1]["data"]["texts"]] == ["xxxxxxxx", "xxxxxxxxxxxx"] * 2
    assert findings_in_runs(replayed(out)) == []


def test_a_text_change_of_a_node_added_in_the_same_event_is_masked_too():
    events, ids = page('<p id="p">call </p>')
    events.append(mut(10, adds=[text_add(ids["p"], 901, "415-555-"), text_add(ids["p"], 902, "x")],
                      texts=[{"id": 902, "value": "0100"}]))
    out = masker().mask(events)
    assert out[-1]["data"]["texts"] == [{"id": 902, "value": "xxxx"}]
    assert findings_in_runs(replayed(out)) == []


def test_a_hidden_element_revealed_sends_its_split_value_masked():
    """Its content goes as adds the pass makes itself (the page's event only changed a
    class): those are read for runs too (a review: they went in clear)."""
    rules = Rules.from_json({"default": "allow",
                             "rules": [{"selector": ".collapsed", "level": "hidden"}]})
    events, ids = page('<div id="acct" class="account collapsed"><p>Signed in as'
                       ' <b>jane.doe</b>@example.com</p></div>')
    events.append({"type": 3, "timestamp": T0 + 10, "data": {
        "source": 0, "adds": [], "texts": [], "removes": [],
        "attributes": [{"id": ids["acct"], "attributes": {"class": "account"}}]}})
    out = SessionMasker(rules).mask(events)
    m = replayed(out)
    assert findings_in_runs(m) == [] and text_of(m, ids["acct"]) == \
        "Signed in as xxxxxxxxxxxxxxxxxxxx"


def test_a_text_emptied_between_two_pieces_brings_them_together():
    """`jane.doe@<span> </span>example.com`, the span's space emptied: one address."""
    from recorder.privacy.audit import audit_events
    events, ids = page('<p id="m">jane.doe@<span id="s"> </span>example.com</p>')
    assert text_of(replayed(masker().mask(events)), ids["m"]) == "jane.doe@ example.com"
    events.append(mut(10, texts=[{"id": ids["s"] + 1, "value": ""}]))
    out = masker().mask(events)
    m = replayed(out)
    assert findings_in_runs(m) == [] and text_of(m, ids["m"]) == "x" * 20
    clear = SessionMasker(Rules.from_json({"default": "allow", "detectors": []})).mask(events)
    assert [(f.kind, f.where) for f in audit_events(clear).findings] == [
        ("email", "text across 2 nodes")]


def test_a_removal_reads_the_run_at_its_gap_not_its_whole_container():
    """A chat's thousand spans, the oldest dropped: what the removal may bring together is
    read at the gap (REACH characters each side), not the container whole every time (a
    review measured 4.9 s for 3,000 such changes). Told by what is read, not by time."""
    from recorder.privacy import runs
    spans = "".join(f'<span id="t{i}">token {i} </span>' for i in range(1000))
    events, ids = page(f'<div id="chat">{spans}</div>')
    m = replayed(events)
    gap = runs.gap_of(m.nodes, m.nodes[ids["t500"]])
    m.apply(mut(10, removes=[{"parentId": ids["chat"], "id": ids["t500"]}]))
    (run,) = runs.changed_runs(m.nodes, (), (), [gap])
    assert sum(len(n.text) for n in run) < 3 * runs.REACH
    assert "token 499 token 501" in "".join(n.text for n in run)


def test_a_templates_line_breaks_between_the_pieces_read_as_one_space():
    """`Card⏎    <span>4111</span>⏎    <span>1111</span>…`: the browser shows one space
    between the groups, and so the run is read (a review: both recorders kept it)."""
    events, ids = page('<p id="c">Card\n  <span>4111</span>\n  <span>1111</span>\n'
                       '  <span>1111</span>\n  <span>1111</span></p>'
                       '<p id="n">No <span>4111</span> <span>1111</span>, 2 lines</p>')
    m = replayed(masker().mask(events))
    assert text_of(m, ids["c"]) == "Card\n  xxxx\n  xxxx\n  xxxx\n  xxxx"
    assert text_of(m, ids["n"]) == "No 4111 1111, 2 lines"
    assert crossing(["call ", "415", "\n", "555", "\t", "0100"]) == [
        [], [(0, 3)], [(0, 1)], [(0, 3)], [(0, 1)], [(0, 4)]]
