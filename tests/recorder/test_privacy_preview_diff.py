"""`masked_differently`: which elements a preview outlines - those whose masking differs
between two passes over the same page, and no others."""
from __future__ import annotations

from dataclasses import replace

from recorder.mirror import Mirror
from recorder.privacy import Level, Rule, Rules, SessionMasker
from recorder.privacy.preview import html_to_events, masked_differently

PAGE = """<!DOCTYPE html><html><body>
<p id="name">Ada Lovelace</p><p id="city">Dublin</p>
<div id="card"><span>4111 1111 1111 1111</span><b>exp 12/29</b></div>
<img id="pic" src="https://cdn.example/ada.png" alt="Ada">
<input id="q" value="search words">
</body></html>"""


def state(events, rules):
    return Mirror().apply_all(SessionMasker(rules).mask(events))


def ids_by_html_id(m: Mirror) -> dict[str, int]:
    return {n.attrs["id"]: n.id for n in m.nodes.values() if "id" in n.attrs}


def test_only_what_a_rule_changes_is_reported():
    events = html_to_events(PAGE)
    base = replace(Rules.default(), detectors=())
    before = state(events, base)
    after = state(events, replace(base, rules=(Rule("#name", Level.MASK),
                                               Rule("#card", Level.HIDDEN),
                                               Rule("#pic", Level.MASK))))
    ids = ids_by_html_id(after)
    assert masked_differently(before, after) == {ids["name"], ids["card"], ids["pic"]}


def test_same_rules_report_nothing():
    events = html_to_events(PAGE)
    assert masked_differently(state(events, None), state(events, None)) == set()


def test_a_typed_value_masked_by_the_level_is_reported():
    events = html_to_events(PAGE)
    before = state(events, replace(Rules.default(), default_level=Level.ALLOW, detectors=()))
    after = state(events, replace(Rules.default(), detectors=()))   # mask-user-input
    ids = ids_by_html_id(after)
    assert masked_differently(before, after) == {ids["q"]}
