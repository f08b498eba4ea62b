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


@settings(max_examples=3000, deadline=None)
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


@settings(max_examples=3000, deadline=None)
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
