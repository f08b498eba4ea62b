"""sanitize_css keeps its answers in a bounded LRU: big pages repeat the same sheets in
every frame. The memo must give exactly what sanitizing gives, per asset resolver, and
stay bounded."""
from __future__ import annotations

from player import sanitize
from player.sanitize import _CssMemo, _sanitize_css, sanitize_css

SHEET = ("@import url(https://evil.example/a.css);\n"
         ".a { background: url('https://tracker.example/p.png') }\n"
         ".b { width: expression(alert(1)) } .logo { background: url(https://cdn.example/img/logo.png) }\n"
         "</style><script>alert(1)</script>") * 50


def test_repeated_sheet_is_served_from_the_memo_with_the_same_text():
    first = sanitize_css(SHEET)
    assert first == _sanitize_css(SHEET, None)
    assert "evil.example" not in first and "tracker.example" not in first
    assert "</style" not in first
    again = sanitize_css("".join(list(SHEET)))   # an equal text, another object
    assert again is first


def test_each_asset_resolver_gets_its_own_answer():
    def stored(url: str) -> str | None:
        return "replay-asset:/a/logo" if url.endswith("logo.png") else None

    plain = sanitize_css(SHEET)
    with_assets = sanitize_css(SHEET, stored)
    assert "replay-asset:/a/logo" in with_assets and "replay-asset:" not in plain
    assert sanitize_css(SHEET) == plain


def test_unhashable_resolver_is_not_memoised_but_works():
    class Table(dict):           # a dict-like resolver: unhashable
        __call__ = dict.get
    table = Table({"https://cdn.example/img/logo.png": "replay-asset:/a/x"})
    out = sanitize_css(SHEET, table)
    assert out == _sanitize_css(SHEET, table)
    assert "replay-asset:/a/x" in out


def test_memo_is_bounded_by_entries_and_characters():
    memo = _CssMemo(max_entries=8, max_chars=20_000)
    for i in range(50):
        css = f".c{i} {{ color: red }}" + " " * (i * 100)
        assert memo.get(css, None) == _sanitize_css(css, None)
        assert len(memo.entries) <= 8
        assert memo.chars <= 20_000
        assert memo.chars == sum(len(k[0]) + len(v) for k, v in memo.entries.items())
    huge = ".x{}" * 10_000            # larger than a quarter of the budget: not kept
    memo.get(huge, None)
    assert (huge, None) not in memo.entries


def test_module_memo_has_sane_bounds():
    assert sanitize._css_memo.max_entries >= 64
    assert sanitize._css_memo.max_chars <= 64_000_000


# --- attributes: sanitize_attrs keeps its answers too (a table's cells share a few sets) ---
def test_repeated_attributes_give_what_sanitizing_gives_and_a_fresh_dict_each_time():
    attrs = {"class": "cell up", "onclick": "steal()", "href": "javascript:alert(1)",
             "style": "background: url(https://tracker.example/p.png)"}
    first = sanitize.sanitize_attrs("a", attrs)
    assert first == sanitize._sanitize_attrs("a", attrs, None, True)
    assert "onclick" not in first and "javascript" not in first["href"]
    assert "tracker.example" not in first["style"]
    first["data-replay-link"] = ""              # a caller adds to its copy (element_shape does)
    again = sanitize.sanitize_attrs("a", dict(attrs))
    assert "data-replay-link" not in again and again == sanitize._sanitize_attrs("a", attrs, None, True)


def test_attribute_values_equal_as_keys_but_not_as_markup_stay_apart():
    # True == 1 == 1.0 for a dict key; as attributes they are "", "1" and "1.0"
    assert sanitize.sanitize_attrs("input", {"checked": True}) == {"checked": ""}
    assert sanitize.sanitize_attrs("input", {"checked": 1}) == {"checked": "1"}
    assert sanitize.sanitize_attrs("input", {"checked": 1.0}) == {"checked": "1.0"}
    assert sanitize.sanitize_attrs("input", {"checked": True}) == {"checked": ""}
