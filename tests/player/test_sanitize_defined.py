"""`:defined` in a selector reads as any element in the replay (no page script defines the
page's custom elements there, and `x-card:not(:defined){visibility:hidden}` hid every card),
and never in a declaration's value - minified too (tests/player/qt/test_qt_custom_elements.py
shows the card in QtWebEngine)."""
from __future__ import annotations

import pytest

from player.sanitize import sanitize_css


@pytest.mark.parametrize("css, want", [
    ("x-card:not(:defined){visibility:hidden}", "x-card:not(:is(*)){visibility:hidden}"),
    ("x-card:defined > p{color:red}", "x-card:is(*) > p{color:red}"),
    ("@media screen{x-a:not( :defined){display:none}}",
     "@media screen{x-a:not( :is(*)){display:none}}"),
    ("a{grid-area:defined;content:x}", "a{grid-area:defined;content:x}"),   # a value
    ("a{grid-area: defined}", "a{grid-area: defined}"),
    ("a{x:defined !important}", "a{x:defined !important}"),
    (".a{animation:defined 1s infinite}", ".a{animation:defined 1s infinite}"),   # minified
    ("a{font-family:defined,serif;color:red}", "a{font-family:defined,serif;color:red}"),
    ("x-card::defined{}", "x-card::defined{}"),   # not a pseudo-class
])
def test_defined_is_any_element_in_a_selector_only(css, want):
    assert sanitize_css(css) == want
