"""The masker's shortcuts for a live page's hot path skip `mask_attr` / `mask_text_node`
when `masking.attrs_as_recorded` / `text_as_recorded` say they would change nothing. These
properties hold the shortcuts to that promise, so a rule added to the masking functions
later cannot be skipped by them unnoticed."""
from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from recorder.privacy.levels import Level
from recorder.privacy.masking import (BOX_ATTRS, SENSITIVE_ATTRS, URL_ATTRS, attrs_as_recorded,
                                      make_url_scrubber, mask_attr, mask_text_node,
                                      text_as_recorded)

TAGS = st.sampled_from(["div", "td", "span", "a", "img", "source", "video", "iframe", "input",
                        "textarea", "select", "option", "style", "param", "canvas", None])
NAMES = st.sampled_from(sorted({"class", "style", "value", "checked", "selected", "href", "src",
                                "srcset", "title", "data-x", "rr_dataURL", "srcdoc", "poster",
                                "_cssText", "data-replay-privacy", "type", "autocomplete",
                                *SENSITIVE_ATTRS, *URL_ATTRS, *BOX_ATTRS}))
VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30),
                   st.sampled_from(["https://x.test/?token=abc", "password", "cc-number",
                                    "555-123-4567", "a@b.test"]),
                   st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2))
LEVELS = st.sampled_from(list(Level))
SCRUBBER = make_url_scrubber(("token",))
SCRUB = st.sampled_from([None, SCRUBBER])
NODE_ATTRS = st.dictionaries(st.sampled_from(["type", "autocomplete", "width", "height"]),
                             st.sampled_from(["password", "email", "text", "cc-exp", "10"]),
                             max_size=3)


@settings(max_examples=1000, deadline=None)
@given(TAGS, NAMES, VALUES, LEVELS, NODE_ATTRS, SCRUB)
@example("input", "value", "secret", Level.MASK_USER_INPUT, {}, None)
@example("input", "checked", "checked", Level.MASK_USER_INPUT, {}, None)
@example("option", "selected", "selected", Level.MASK_USER_INPUT, {}, None)
@example("input", "value", "secret", Level.ALLOW, {"type": "password"}, None)
@example("a", "href", "https://x.test/?token=abc", Level.ALLOW, {}, SCRUBBER)
def test_attrs_as_recorded_means_mask_attr_keeps_every_attribute(tag, name, value, level,
                                                                 node_attrs, scrub):
    if attrs_as_recorded(tag, level, scrub):
        assert mask_attr(tag, name, value, level, node_attrs, scrub) is value


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=30), LEVELS, TAGS, NODE_ATTRS, st.booleans(), SCRUB)
@example("typed text", Level.MASK_USER_INPUT, "textarea", {}, False, None)
@example("b{background:url(a.png?token=abc)}", Level.ALLOW, "style", {}, True, SCRUBBER)
def test_text_as_recorded_means_mask_text_node_keeps_the_text(text, level, parent_tag,
                                                              parent_attrs, is_style, scrub):
    if text_as_recorded(level, parent_tag, scrub):
        assert mask_text_node(text, level, parent_tag, parent_attrs, is_style, scrub) is text


def test_the_shortcuts_are_taken_where_a_live_page_spends_its_time():
    # a table cell's class swap and its new text, at the default level, no URL scrubbing
    assert attrs_as_recorded("td", Level.MASK_USER_INPUT, None)
    assert text_as_recorded(Level.MASK_USER_INPUT, "td", None)
    # and not where masking has work to do
    assert not attrs_as_recorded("input", Level.ALLOW, None)
    assert not attrs_as_recorded("td", Level.MASK, None)
    assert not text_as_recorded(Level.MASK, "td", None)
    assert not text_as_recorded(Level.ALLOW, "textarea", None)
    assert not attrs_as_recorded("a", Level.ALLOW, SCRUBBER)


# --- the detector pass told by the event's JSON as it came (masker._later_passes) ------------
# strings of what the detectors look for, and of what a sender's JSON could hide it behind
DETECTABLE = st.one_of(
    st.text(alphabet="0123456789 .()-+@%4ax\\\"/\n", max_size=24),
    st.sampled_from(["ada@example.com", "ada%40example.com", "4111 1111 1111 1111",
                     "+44 20 7946 0958", "(555) 123-4567", "555-123-4567", "1796117406467"]))
DATA = st.recursive(
    st.none() | st.integers(-10**12, 10**13) | DETECTABLE,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(DETECTABLE, kids, max_size=3),
    max_leaves=12)


def _sent(event, how):
    """The event's JSON as a sender may write it: compact, spaced, every non-ASCII
    character (or every character) escaped."""
    import json
    if how == "compact":
        return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
    if how == "spaced":
        return json.dumps(event).encode()
    if how == "ascii":
        return json.dumps(event, ensure_ascii=True).encode()
    return (f'{{"type": {event["type"]}, "data": {escaped_json(event["data"])},'
            f' "timestamp": {event["timestamp"]}}}').encode()


def escaped_json(v) -> str:
    """`v`'s JSON with every character of its strings as "\\u" and 4 hex digits."""
    import json
    if isinstance(v, str):
        return '"' + "".join(f"\\u{ord(c):04x}" for c in v) + '"'
    if isinstance(v, dict):
        return "{" + ", ".join(f"{escaped_json(k)}: {escaped_json(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(map(escaped_json, v)) + "]"
    return json.dumps(v)


@settings(max_examples=500, deadline=None)
@given(DATA, st.integers(0, 2**53), st.sampled_from(["compact", "spaced", "ascii", "escaped"]))
@example({"email": "ada@example.com"}, 1796117406467, "escaped")
@example(["1234", "56789"], 1796117406467, "compact")
def test_the_detector_pass_reads_a_received_event_as_strictly_as_its_own_encoding(
        data, ts, how):
    """An event the structural pass keeps as it came is told by the facts of the JSON it
    came as (`jsonscan`, compiled or not); whenever they say no string holds a hint, the
    detectors change none of its strings - and the masker keeps it as it is."""
    from recorder.jsonscan import scan_json
    from recorder.privacy import Rules, SessionMasker
    from recorder.privacy.detectors import KINDS, mask
    from recorder.privacy.strings import map_strings
    event = {"type": 5, "data": {"tag": "t", "payload": data}, "timestamp": ts}
    sent = _sent(event, how)
    facts = scan_json(sent, always=True)
    assert facts is not None
    if not facts.string_hint:
        assert map_strings(event, lambda s, *_: mask(s, KINDS)) is event
    # told by the sent JSON or by its own encoding, the masker decides alike
    assert SessionMasker(Rules.default()).mask_event(event, sent) == \
        SessionMasker(Rules.default()).mask_event(event)


def test_an_email_spelled_with_escapes_by_the_sender_is_masked_live(tmp_path):
    """`\\u0040` in a sender's JSON is an `@` once decoded: the intake masks that e-mail."""
    from recorder.intake.apps import Applications
    from recorder.intake.live import LiveIntake
    from recorder.intake.wire import decode_request
    from recorder.privacy import Rules
    from recorder.store import Store
    store = Store.open(tmp_path / "d")
    app, _ = Applications(tmp_path / "d").create("shop")
    t = 1_700_000_000_000
    body = ('{"session_id": "s1", "events": ['
            '{"type": 4, "data": {"href": "https://shop.test/", "width": 800, "height": 600},'
            f' "timestamp": {t}}},'
            '{"type": 5, "data": {"tag": "note", "payload": {"who": "ada\\u0040example.com"}},'
            f' "timestamp": {t + 1}}}]}}').encode()
    batch, encoded, _texts = decode_request(body, None, store.limits)
    assert encoded is not None and b"\\u0040" in encoded[1]
    (sid,) = LiveIntake(store, Rules.default()).accept(app, batch, now_ms=t + 10, encoded=encoded)
    with store.session(sid) as s:
        stored = list(s.events())
    assert stored[1]["data"]["payload"]["who"] == "x" * len("ada@example.com")
    store.close()
