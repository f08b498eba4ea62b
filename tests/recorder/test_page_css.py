"""recorder/page_css.py: the `display` a rule sets, as step names read what the page lays out
apart (tests/recorder/test_steps.py holds the names themselves)."""
from __future__ import annotations

import pytest

from recorder.page_css import display_of


@pytest.mark.parametrize("declarations, display", [
    ("display:flex", "flex"),
    ("color: red; DISPLAY: Grid !important", "grid"),
    ("display: block; display: inline", "inline"),              # the last one counts
    # the two-value syntax, as its one-keyword twin (it read "inline flex" as inline)
    ("display: inline flex", "inline-flex"),
    ("display: block flex", "flex"),
    ("display: block flow", "block"),
    ("display: block list-item", "list-item"),
    # a nested rule's display is its own (CSS nesting: the row stayed no flex container)
    ("display: flex; & > .x { display: block }", "flex"),
    ("& .x { display: grid } color: red", None),
    ("x-display: flex; --display: grid", None),
])
def test_the_display_a_rule_sets(declarations, display):
    assert display_of(declarations) == display
