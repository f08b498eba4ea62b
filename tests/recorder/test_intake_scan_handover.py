"""The live intake scans each event's JSON once: the facts the limits' scan found
(`limits.check_event` -> `jsonscan.scan_json`) go on to the masker with the JSON
(`Masker.mask(events, encoded, facts)`), which reads them instead of scanning again - and a
masker told by the JSON as sent masks as it does from its own encoding, compiled or not."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from recorder import PURE_PYTHON_ENV
from recorder.jsonscan import COMPILED, JsonFacts, scan_json
from recorder.privacy import Rules, SessionMasker
from recorder.store import Store

REPO = Path(__file__).parents[2]
T0 = 1_700_000_000_000


def _events() -> list[dict]:
    """A page whose events hold what the echo and detector passes look for: a value typed
    into a masked field and echoed later, an e-mail spelled with an escape by the sender,
    a card number, a phone number, and plain ones."""
    node = {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 3, "tagName": "body", "attributes": {}, "childNodes": [
                {"type": 2, "id": 4, "tagName": "input", "attributes": {"type": "text"},
                 "childNodes": []},
                {"type": 2, "id": 5, "tagName": "p", "attributes": {}, "childNodes": [
                    {"type": 3, "id": 6, "textContent": "hello"}]}]}]}]}
    return [
        {"type": 4, "timestamp": T0, "data": {"href": "https://shop.test/", "width": 800,
                                                "height": 600}},
        {"type": 2, "timestamp": T0 + 1, "data": {"node": node,
                                                    "initialOffset": {"left": 0, "top": 0}}},
        {"type": 3, "timestamp": T0 + 2, "data": {"source": 5, "id": 4,
                                                    "text": "Margaret Hamilton",
                                                    "isChecked": False}},
        {"type": 3, "timestamp": T0 + 3, "data": {"source": 0, "adds": [], "removes": [],
                                                    "attributes": [],
                                                    "texts": [{"id": 6, "value":
                                                               "Hi Margaret Hamilton"}]}},
        {"type": 5, "timestamp": T0 + 4, "data": {"tag": "note", "payload": {
            "who": "ada@example.com", "card": "4111 1111 1111 1111",
            "call": "+44 20 7946 0958"}}},
        {"type": 5, "timestamp": T0 + 5, "data": {"tag": "plain", "payload": {"n": 12}}},
        {"type": 3, "timestamp": T0 + 6, "data": {"source": 1, "positions": [
            {"x": 10, "y": 20, "id": 5, "timeOffset": 0}]}},
    ]


def _sent(events: list[dict]) -> list[bytes]:
    """Each event's JSON as a sender may write it: spaced, the e-mail's `@` escaped."""
    return [json.dumps(e).replace("@", "\\u0040").encode() for e in events]


class _Noting:
    """A Masker (the ingest Protocol) that notes the facts it is handed, then masks as the
    session's masker does."""

    def __init__(self):
        self.masker = SessionMasker(Rules.default())
        self.echoes = self.masker.echoes
        self.owner = None   # (ingest.Masker: the session's user - the live batch's, given)
        self.handed: list[list[JsonFacts | None]] = []

    def mask(self, events, encoded=None, facts=None):
        assert encoded is not None and facts is not None
        self.handed.append(list(facts))
        return self.masker.mask(events, encoded, facts)

    def mask_context(self, context):
        return self.masker.mask_context(context)


def _fields(f: JsonFacts) -> tuple:
    return f.depth, f.colons, f.long_number, f.string_hint, f.escapes


def test_the_limits_scan_is_handed_to_the_masker_with_the_json(tmp_path):
    events, encoded = _events(), _sent(_events())
    noting = _Noting()
    with Store.open(tmp_path / "d") as store:
        (sid,) = store.ingest(events, live=True, session_id="s1", now_ms=T0 + 1000,
                              masker_for=lambda sid, open_session, goes_on: noting, encoded=encoded)
        stored = list(store.session(sid).events())
    (handed,) = noting.handed
    assert len(handed) == len(events)
    if COMPILED:   # the very scan of each text, not one made again
        assert [_fields(f) for f in handed] == [_fields(scan_json(t)) for t in encoded]
    else:          # plain Python: the limits did not scan (bytes methods); the masker does
        assert handed == [None] * len(events)
    # what was stored is what a masker makes of the events from its own encoding
    assert stored == SessionMasker(Rules.default()).mask(events)
    text = json.dumps(stored)
    assert "Margaret" not in text and "ada" not in text and "4111" not in text


_MASK_SENT = """
import hashlib, json, sys
sys.path.insert(0, sys.argv[1])
from test_intake_scan_handover import _events, _sent
from recorder.format import encode_json
from recorder.privacy import Rules, SessionMasker
h = []
for how in ("sent", "own"):
    m = SessionMasker(Rules.default())
    out = m.mask(_events(), _sent(_events())) if how == "sent" else m.mask(_events())
    h.append(hashlib.sha256(b"".join(map(encode_json, out))
                            + encode_json(sorted(m.stats.items()))).hexdigest())
print(*h)
"""


def test_told_by_the_json_as_sent_the_masker_masks_alike_compiled_and_from_source():
    runs = []
    for pure in (False, True):
        env = {k: v for k, v in os.environ.items() if k != PURE_PYTHON_ENV}
        if pure:
            env[PURE_PYTHON_ENV] = "1"
        runs.append(subprocess.run(
            [sys.executable, "-c", _MASK_SENT, str(Path(__file__).parent)], cwd=REPO, env=env,
            check=True, capture_output=True, text=True, timeout=120).stdout.split())
    compiled_run, pure_run = runs
    assert compiled_run == pure_run                 # both builds, one meaning
    assert compiled_run[0] == compiled_run[1]       # the JSON as sent, or its own encoding
