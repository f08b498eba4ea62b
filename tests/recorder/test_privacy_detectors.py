"""The detectors' cheap hints never hide a match: whatever the slow patterns accept, the hint
that lets `find` skip them is present."""
from __future__ import annotations

from hypothesis import example, given, settings, strategies as st

from recorder.privacy import detectors as d

PIECES = st.sampled_from(["4111", "1111", "0958", "7946", "20", "+44", "+1", "(0)", "(020)",
                          "0", "5", "555", " ", "-", ".", "(", ")", "/", ":", "a", "x9",
                          "@", "%40", "ada", "example.com", ".org", "\n", "px", "#", "+"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(PIECES, max_size=24).map("".join))
@example("(020) 794 6095")       # the widest gaps a phone allows: ") " and " ("
@example("+44 (20) 794 6095")
@example("a.lovelace%40example.com")
def test_hints_are_necessary_conditions(text):
    emails = [m for m in d._EMAIL.finditer(text)]
    numbers = [m.group() for m in d._CARD.finditer(text) if d._card_ok(m.group())] + \
              [m.group() for m in d._PHONE.finditer(text) if d._phone_ok(m.group())]
    if emails:
        assert d._EMAIL_HINT.search(text)
    if numbers:
        assert d._NUMBER_HINT.search(text)


def test_stylesheets_skip_the_slow_patterns_but_not_what_they_hide():
    css = "@media (min-width: 600px) { .a { margin: 0 0 12px; color: #123456 } }"
    assert not d._EMAIL_HINT.search(css) and not d._NUMBER_HINT.search(css)
    assert list(d.find(css)) == []
    hidden = css + ' .b::after { content: "ada@example.com +44 20 7946 0958" }'
    assert [f.kind for f in d.find(hidden)] == ["email", "phone"]
