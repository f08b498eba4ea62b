"""A value split across text nodes, through the CLI a privacy officer uses: a recording whose
page shows an e-mail address and a phone number in pieces - a template's three text nodes
added after load, a number in three spans, the last piece added later beside pieces already
shown - is imported with the default rules and no byte of the data folder or of any export
(every export format) holds a value or a piece of one that betrays it. Imported as an older pass stored it (the
detectors off), `replay audit` finds each across its nodes, and `replay mask --all` under
the default rules leaves nothing for the next audit to find."""
from __future__ import annotations

import json

from recorder.privacy.preview import html_to_events
from tests.app.test_privacy_audit_found import masked_audited_remasked
from replay_tools.nodes import element_ids
from replay_tools.stored import hits

T0 = 1_700_000_000_000
# (the first pieces of the number are stored as the page showed them before its last piece
# came - `call 415-555-` - and masked from that moment: the stream is masked as it comes)
NEEDLES = {"email": ["jane.doe@example.com", "jane.doe", "example.com"],
           "phone": ["415-555-0100", "555-0100", "0100"]}


def recording() -> list[dict]:
    ev = html_to_events('<!DOCTYPE html><html><head></head><body><p id="who">Signed in as </p>'
                        '<p id="ph">call <span id="a">415-</span><span id="b">555-</span>'
                        '<span id="c"></span></p></body></html>',
                        href="https://shop.example/account", timestamp=T0)
    ids = element_ids(ev[1]["data"]["node"])

    def add(ms: int, parent: int, *texts: tuple[int, str]) -> dict:
        return {"type": 3, "timestamp": T0 + ms, "data": {
            "source": 0, "removes": [], "texts": [], "attributes": [],
            "adds": [{"parentId": parent, "nextId": None,
                      "node": {"type": 3, "id": nid, "textContent": t}} for nid, t in texts]}}
    ev.append(add(500, ids["who"], (901, "jane.doe"), (902, "@"), (903, "example.com")))
    ev.append(add(900, ids["c"], (904, "0100")))
    return ev


def test_split_values_are_stored_and_exported_masked_audited_and_remasked(tmp_path, capsys):
    found = masked_audited_remasked(capsys, tmp_path, recording(), NEEDLES)
    assert sorted((x["kind"], x["where"]) for x in found) == [
        ("email", "text across 3 nodes"), ("phone", "text across 3 nodes")]
    assert not hits({"audit": json.dumps(found).encode()},
                    {"email": ["jane.doe"], "phone": ["555-0100"]})
