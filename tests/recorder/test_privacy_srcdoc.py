"""An iframe's `srcdoc` is the framed document's source, recorded again: the framed document
is recorded itself (its nodes masked at their own levels) and the player shows those. Read as
one string, its text is not what the frame shows - a phone split by tags, an `@` written
`&#64;` - and the detectors found nothing in it under `allow`: the source went to disk in
clear. It is masked at every level now, in a snapshot and in a change (capture.js alike:
tests/app/test_capture_srcdoc.py)."""
from __future__ import annotations

from recorder.format import encode_json
from recorder.mirror import walk_nodes
from recorder.privacy import masker_factory
from recorder.privacy.levels import Level
from recorder.privacy.masking import MASK, attrs_as_recorded
from recorder.privacy.preview import html_to_events
from recorder.privacy.rules import parse_rules
from replay_tools.nodes import element_ids

SRCDOC = ('<p>call <span>415</span>-<span>555</span>-<span>0100</span> or '
          'jane&#64;example.com</p>')
VALUES = ("415", "0100", "jane", "example.com")


def _iframe(node: dict) -> dict:
    return next(n for n in walk_nodes(node) if n.get("tagName") == "iframe")


def test_an_iframe_s_srcdoc_is_masked_at_every_level_in_a_snapshot_and_a_change():
    for default in ("allow", "mask-user-input", "mask"):
        ev = html_to_events('<!DOCTYPE html><html><head></head><body><iframe id="f" title="t">'
                            '</iframe></body></html>', href="https://shop.example/", timestamp=1)
        _iframe(ev[1]["data"]["node"])["attributes"]["srcdoc"] = SRCDOC
        fid = element_ids(ev[1]["data"]["node"])["f"]
        ev.append({"type": 3, "timestamp": 2, "data": {
            "source": 0, "adds": [], "removes": [], "texts": [],
            "attributes": [{"id": fid, "attributes": {"srcdoc": SRCDOC.replace("415", "212")}}]}})
        masker = masker_factory(parse_rules(f'version = 1\ndefault = "{default}"\n'))()
        out = [masker.mask_event(e) for e in ev]
        assert _iframe(out[1]["data"]["node"])["attributes"]["srcdoc"] == MASK, default
        assert out[2]["data"]["attributes"][0]["attributes"]["srcdoc"] == MASK, default
        blob = b"".join(encode_json(e) for e in out)
        assert not any(v.encode() in blob for v in VALUES), (default, blob)


def test_the_hot_path_shortcut_does_not_skip_an_iframe_s_attributes():
    assert attrs_as_recorded("div", Level.ALLOW, None)
    assert not attrs_as_recorded("iframe", Level.ALLOW, None)
