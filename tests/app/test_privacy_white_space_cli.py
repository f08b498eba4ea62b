"""A number whose groups HTML's white space parts - a template's line break and indentation
in one text node, a tab in a custom event's text, a line break in an attribute - through the CLI a
privacy officer uses: imported with the default rules, no byte of the data folder or of any
export holds it or a piece of it; imported as an older pass stored it (the detectors took
one space between two groups, nothing else), `replay audit` finds each and `replay mask
--all` leaves nothing for the next audit to find."""
from __future__ import annotations

from recorder.privacy.preview import html_to_events
from tests.app.test_privacy_audit_found import masked_audited_remasked
from replay_tools.nodes import element_ids

T0 = 1_700_000_000_000
CARD = "4539\n      1488\n      0343\n      6400"       # (Luhn-valid)
PHONE = "call 020\t7946\t0958"
SSN = "ssn 078 05\n  1120"
NEEDLES = {"card": [CARD, "4539\n      1488", "0343\n      6400"],
           "phone": ["020\t7946", "7946\t0958"],
           "ssn": ["078 05\n  1120", "05\n  1120"]}


def recording() -> list[dict]:
    ev = html_to_events('<!DOCTYPE html><html><head></head><body>'
                        f'<p id="card">Card {CARD}</p><p id="ssn" title="{SSN}">Who</p>'
                        '<p id="later"></p></body></html>',
                        href="https://shop.example/account", timestamp=T0)
    ids = element_ids(ev[1]["data"]["node"])
    ev.append({"type": 3, "timestamp": T0 + 500, "data": {
        "source": 0, "removes": [], "texts": [], "attributes": [],
        "adds": [{"parentId": ids["later"], "nextId": None,
                  "node": {"type": 3, "id": 901, "textContent": f"Paid with\n  {CARD}"}}]}})
    ev.append({"type": 5, "timestamp": T0 + 700, "data": {"tag": "support-note",
                                                          "payload": {"text": PHONE}}})
    return ev


def test_white_space_between_a_number_s_groups_hides_it_from_no_recorder_audit_or_mask(
        tmp_path, capsys):
    found = masked_audited_remasked(capsys, tmp_path, recording(), NEEDLES)
    assert {x["kind"] for x in found} == set(NEEDLES), found
