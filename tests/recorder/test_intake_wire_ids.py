"""A batch's session id is checked before anything is stored: one that holds personal data
is refused without being said back (the 400's message is the data's only way back, through
every proxy log between the page and the intake); one not usable as a file name is named."""
from __future__ import annotations

import json

import pytest

from recorder.intake.wire import Status, WireError, decode_request
from recorder.limits import DEFAULT_LIMITS

EVENTS = [{"type": 4, "timestamp": 1_700_000_000_000,
           "data": {"href": "https://shop.example/", "width": 800, "height": 600}}]


def refusal(session_id: str) -> WireError:
    body = json.dumps({"session_id": session_id, "events": EVENTS}).encode()
    with pytest.raises(WireError) as info:
        decode_request(body, None, DEFAULT_LIMITS)
    assert info.value.status == Status.BAD_REQUEST
    return info.value


@pytest.mark.parametrize("sid, kind", [
    # not usable as file names either: the 400 said "session_id 'jane.doe@example.com' is
    # not usable as a file name", the id whole, before it looked for personal data
    ("jane.doe@example.com", "email"),
    ("visit for jane.doe@example.com", "email"),
    ("card 4111 1111 1111 1111", "card"),
])
def test_a_session_id_holding_personal_data_is_refused_without_saying_it(sid, kind):
    err = refusal(sid)
    said = json.dumps(err.to_json())
    assert f"personal data ({kind})" in said, said
    assert "jane" not in said and "example.com" not in said and "4111" not in said, said


def test_an_id_not_usable_as_a_file_name_is_named_with_the_alphabet():
    err = refusal("a/b")
    assert err.to_json()["message"].startswith("session_id 'a/b' is not usable as a file name")


@pytest.mark.parametrize("sid", ["sess_6823729715771545", "v-4111111111111111"])
def test_a_random_numeric_id_is_no_card_to_the_intake(sid):
    """A prefix and 16 random digits passes a card's Luhn check one time in twenty: the
    intake refused such visits whole (a review). An SSN's groups joined still count."""
    body = json.dumps({"session_id": sid, "events": EVENTS}).encode()
    batch = decode_request(body, None, DEFAULT_LIMITS)[0]
    assert batch.session_id == sid
    assert "ssn" in json.dumps(refusal("cust-078-05-1120").to_json())
