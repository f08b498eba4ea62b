"""Issue 15 item 9: every walk over a recorded DOM is iterative, so a tree deeper than
Python's stack (and deeper than any one event may bring: mutations stack them up) is
rebuilt, serialized, rendered and scrubbed whole."""
from __future__ import annotations

import sys

from recorder.limits import LimitError, Limits, check_event, dom_depth, event_depth
from recorder.format import encode_json, replace_lone_surrogates
from recorder.mirror import Mirror
from recorder.privacy.preview import render_node

DEPTH = 20_000          # several times Python's (raised) recursion limit
T0 = 1_700_000_000_000


def chain(depth: int, leaf: str = "leaf") -> dict:
    node: dict = {"type": 3, "id": depth + 10, "textContent": leaf}
    for i in range(depth - 1, -1, -1):
        node = {"type": 2, "id": i + 10, "tagName": "div", "attributes": {"class": "c"},
                "childNodes": [node]}
    return {"type": 0, "id": 1, "childNodes": [node]}


def test_15_9_deep_trees_are_walked_without_recursion():
    assert sys.getrecursionlimit() < DEPTH
    doc = chain(DEPTH, leaf="leaf \ud800")
    m = Mirror()
    m.apply({"type": 2, "timestamp": T0, "data": {"node": doc}})
    assert len(m) == DEPTH + 2
    a, b = m.to_serialized(), doc          # (== on them would recurse)
    while True:
        assert {k: v for k, v in a.items() if k != "childNodes"} == \
            {k: v for k, v in b.items() if k != "childNodes"}
        assert len(a.get("childNodes", ())) == len(b.get("childNodes", ()))
        if not b.get("childNodes"):
            break
        a, b = a["childNodes"][0], b["childNodes"][0]
    assert len(list(m.ancestors(DEPTH + 10))) == DEPTH + 1
    html = render_node(doc)
    assert html.count("<div") == html.count("</div>") == DEPTH
    leaf = replace_lone_surrogates(doc)
    while leaf.get("childNodes"):
        leaf = leaf["childNodes"][0]
    assert leaf["textContent"] == "leaf \ufffd"
    assert dom_depth({"data": {"node": doc}}, cap=2 * DEPTH) == DEPTH + 2
    assert dom_depth({"data": {"node": doc}}, cap=100) == 101          # stops past the cap
    # event, data, node, attributes: the DOM's structure is exempt
    assert event_depth({"data": {"node": doc}}) == 4


def test_15_9_dom_depth_limit_is_named():
    ev = {"type": 2, "timestamp": T0, "data": {"node": chain(50)}}
    check_event(ev, encode_json(ev), 0, Limits(max_dom_depth=60))
    try:
        check_event(ev, encode_json(ev), 0, Limits(max_dom_depth=40))
    except LimitError as exc:
        assert exc.code == "dom_too_deep" and exc.limit == 40
    else:
        raise AssertionError("a DOM over the limit passed")
