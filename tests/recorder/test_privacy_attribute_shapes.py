"""Attribute values of a shape no browser gives - an object or a list anywhere but `style`
(rrweb's style diff), a number where text is masked - go through the privacy pass like any
value: a security review set a password field's `value` to `{"PWOBJ": "..."}` through a
mutation and it was stored in clear (every dict was taken for a style diff), and the audit
said nothing. Checked as the privacy officer would: every stored byte, then the audit of a
session stored before the pass knew better."""
from __future__ import annotations

import json

from recorder.privacy import masker_factory, parse_rules
from recorder.privacy.audit import SENSITIVE_INPUTS, audit_events
from recorder.privacy.preview import html_to_events
from tests.app.test_privacy_leaks import ids_by_html_id
from recorder.store import Store
from replay_tools.stored import hits, stored_bytes

PAGE = """<!DOCTYPE html><html><head></head><body>
<input id="pw" type="password">
<a id="link" data-replay-privacy="mask" href="/orders/1" title="Your orders">orders</a>
<p id="card" data-replay-privacy="mask" data-card="x">card</p>
</body></html>"""
T0 = 1_700_000_000_000
ID = ids_by_html_id(html_to_events(PAGE))
SECRETS = ["PWOBJVAL", "PWLISTVAL", "HREFOBJVAL", "TITLEOBJVAL", "SNAPOBJVAL", "STYLEOBJVAL",
           "4111111111111111"]


def attrs(nid: int, values: dict, ms: int) -> dict:
    return {"type": 3, "timestamp": T0 + ms, "data": {
        "source": 0, "texts": [], "removes": [], "adds": [],
        "attributes": [{"id": nid, "attributes": values}]}}


def recording() -> list[dict]:
    events = html_to_events(PAGE, href="https://shop.example/", timestamp=T0)
    # a snapshot's attribute of that shape, beside the mutations'
    snap = json.dumps(events[1]).replace('"Your orders"', '{"x": "SNAPOBJVAL"}')
    events[1] = json.loads(snap)
    return events + [
        attrs(ID["pw"], {"value": {"PWOBJ": "PWOBJVAL"}}, 10),
        attrs(ID["pw"], {"value": ["PWLISTVAL"]}, 11),
        attrs(ID["link"], {"href": {"u": "HREFOBJVAL"}, "title": {"t": "TITLEOBJVAL"}}, 12),
        attrs(ID["card"], {"data-card": 4111111111111111}, 13),
        attrs(ID["card"], {"style": {"color": "red"}}, 14),   # a style diff stays one
        # ... its values text, [text, priority] or false: not an object holding a URL
        attrs(ID["card"], {"style": {"background": {"v": "url(/avatars/STYLEOBJVAL.png)"},
                                     "border": ["1px", {"x": "STYLEOBJVAL"}]}}, 15),
    ]


def test_values_no_browser_gives_are_masked_or_dropped_before_they_are_stored(tmp_path):
    root = tmp_path / "data"
    with Store.open(root) as s:
        (sid,) = s.ingest(recording(), masker_factory=masker_factory(
            parse_rules('detectors = []')))   # no pattern finds these: the levels must
        stored = list(s.session(sid).events())
    assert hits(stored_bytes(root), {"secret": SECRETS}) == []
    changes = [a["attributes"] for e in stored if e["type"] == 3
               for a in e["data"]["attributes"]]
    assert {"style": {"color": "red"}} in changes
    assert {"style": {"border": ["1px"]}} in changes
    assert {"data-card": "***"} in changes


def test_the_audit_reports_a_stored_value_of_that_shape_in_a_masked_field():
    events = recording()
    for change, said in ((events[2], "an object in clear"), (events[3], "a list in clear")):
        found = audit_events(events[:2] + [change]).findings
        assert [(f.kind, f.where, f.excerpt) for f in found] == [
            (SENSITIVE_INPUTS, "value attribute (password field)", said)]
