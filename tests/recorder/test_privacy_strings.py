"""The one walk over every stored string (recorder.privacy.strings), that the masker's
detector pass and `audit` share."""
from __future__ import annotations

import copy

from recorder.privacy import SessionMasker, detectors, masker_factory, parse_rules
from recorder.privacy.audit import audit_events, audit_session
from recorder.privacy.remask import REMASKED, remask_sessions
from recorder.privacy.strings import map_strings
from recorder.store import Store

EMAIL = "ada.lovelace@example.com"
T0 = 1_700_000_000_000
ALLOW = parse_rules('default = "allow"\ndetectors = []')


def mask(s, *_place):
    return detectors.mask(s)


def test_unchanged_objects_come_back_as_they_are_and_inputs_are_never_modified():
    clean = {"type": 3, "data": {"source": 1, "positions": [{"x": 1, "y": 2, "id": 7}]}}
    assert map_strings(clean, mask) is clean
    dirty = {"a": {"b": [1, {"c": f"mail {EMAIL}"}]}, "d": {"e": "kept"}}
    before = copy.deepcopy(dirty)
    out = map_strings(dirty, mask)
    assert dirty == before
    assert out["a"]["b"][1]["c"] == "mail " + "x" * len(EMAIL)
    assert out["d"] is dirty["d"]  # only the way to the change is copied


def test_keys_are_masked_in_place_and_colliding_keys_keep_both_values():
    out = map_strings({"zed": 0, "ann@example.com": 1, "bob@example.org": 2}, mask)
    assert out == {"zed": 0, "xxxxxxxxxxxxxxx": 1, "xxxxxxxxxxxxxxx~2": 2}


def test_deep_nesting_is_walked_without_recursion():
    deep = leaf = {}
    for _ in range(20_000):
        leaf["k"] = {}
        leaf = leaf["k"]
    leaf["v"] = EMAIL
    out = map_strings(deep, mask)
    for _ in range(20_000):
        out = out["k"]
    assert out["v"] == "x" * len(EMAIL)


def test_base64_data_urls_are_bytes_not_text_but_inline_svg_is_text():
    png = "data:image/png;base64,iVBORw0+4420794609580/AAAA+4111111111111111/"
    svg = f"data:image/svg+xml,<svg><text>{EMAIL}</text></svg>"
    out = map_strings({"rr_dataURL": png, "src": svg}, mask)
    assert out["rr_dataURL"] is png and EMAIL not in out["src"]


def test_attribute_names_are_masked_and_audit_names_the_place():
    node = {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 2, "tagName": "div", "childNodes": [],
         "attributes": {EMAIL: "", "class": f"user {EMAIL}"}}]}
    ev = [{"type": 4, "timestamp": T0, "data": {"href": "https://a.example/", "width": 9,
                                                "height": 9}},
          {"type": 2, "timestamp": T0, "data": {"node": node}}]
    got = {(f.where, f.node_id) for f in audit_events(ev).findings}
    assert got == {("attribute name", 2), ("attribute class", 2)}
    masked = SessionMasker().mask(ev)
    assert audit_events(masked).clean
    attrs = masked[1]["data"]["node"]["childNodes"][0]["attributes"]
    assert attrs == {"x" * len(EMAIL): "", "class": "user " + "x" * len(EMAIL)}


def test_remasking_masks_the_stored_context_too(tmp_path):
    ev = [{"type": 4, "timestamp": T0, "data": {"href": "https://a.example/", "width": 9,
                                                "height": 9}}]
    with Store.open(tmp_path / "data") as store:
        (sid,) = store.ingest(ev, context={"account": EMAIL},
                              masker_factory=masker_factory(ALLOW))
        assert store.session(sid).info.context == {"account": EMAIL}
        assert [f.where for f in audit_session(store.session(sid)).findings] == ["session context"]
        (r,) = remask_sessions(store, None, parse_rules('default = "mask-user-input"'))
        assert r.changed
        context = dict(store.session(sid).info.context)
        assert isinstance(context.pop(REMASKED), int)   # when: an import of the original says it
        assert context == {"account": "x" * len(EMAIL)}
        assert audit_session(store.session(sid)).clean


def test_odd_shapes_are_named_and_masked_not_raised_on():
    from replay_tools.generator import hostile_session
    odd = [{"type": 5, "timestamp": T0, "data": [EMAIL]},
           {"type": 3, "timestamp": T0, "data": [EMAIL]},
           {"type": 6, "timestamp": T0, "data": {"plugin": "x/y@1", "payload": EMAIL}},
           {"type": 5, "timestamp": T0, "data": {"tag": "t", "payload": EMAIL}}]
    found = audit_events(hostile_session() + odd).findings
    assert [(f.kind, f.where) for f in found] == [
        ("email", "field data"), ("email", "field data"), ("email", "x/y@1"),
        ("email", "custom event t")]
    assert audit_events(SessionMasker().mask(hostile_session() + odd)).clean
