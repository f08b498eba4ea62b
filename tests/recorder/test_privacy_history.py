"""Writing rules back (`to_toml`), the one selector check (`check_selector`), and saving the
active rules with a revision and a change log (`history`): on real files in a temp folder."""
from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from recorder.privacy import Level, Rule, Rules, RulesError, parse_rules
from recorder.privacy.detectors import KINDS
from recorder.privacy.history import (HISTORY_DIR, LOG_NAME, Effect, active_rules, diff_rules,
                                      load_revision, loosened, looser, read_history,
                                      save_rules)
from recorder.privacy.rules import check_selector, to_toml

WHEN = datetime(2026, 12, 1, 3, 30, tzinfo=timezone.utc)

# strings a rules file may hold: any text, quotes, backslashes, control characters, DEL
text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
selectors = st.sampled_from(["p", "#card", ".a .b", "div > span", "[data-x='1\"2']",
                             "input[type=email]", "li:nth-child(2n+1)", "a, b", "*"])
regexes = st.sampled_from(["x", "(?i)bearer\\s+\\S+", "\"quoted\"", "tab\\there", "\\d{4}"])


@st.composite
def any_rules(draw) -> Rules:
    return Rules(
        revision=draw(st.integers(0, 10_000)),
        default_level=draw(st.sampled_from(list(Level))),
        rules=tuple(Rule(s, lvl) for s, lvl in draw(st.lists(
            st.tuples(selectors, st.sampled_from(list(Level))), max_size=5))),
        detectors=tuple(draw(st.lists(st.sampled_from(KINDS), unique=True))),
        scrub_query_params=tuple(draw(st.lists(text, max_size=4))),
        network_headers=tuple(h.lower() for h in draw(st.lists(text, max_size=4))),
        network_bodies=draw(st.booleans()),
        console_redact=tuple(draw(st.lists(regexes, max_size=3))),
    )


@settings(max_examples=200, deadline=None)
@given(any_rules())
def test_written_rules_read_back_the_same(rules):
    assert parse_rules(to_toml(rules)) == rules


def test_written_file_says_every_key():
    t = to_toml(Rules.default())
    for key in ("version = 1", "revision = 0", 'default = "mask-user-input"', "detectors = [",
                "scrub_query_params = []", "keep_query_params = []", "[network]", "bodies = false",
                "[console]"):
        assert key in t
    # the built-in parameters are named only to keep them: a rules file adds to them
    t = to_toml(replace(Rules.default(), scrub_query_params=("token", "sid")))
    assert 'scrub_query_params = ["sid"]' in t and '"access_token"' in t.split("keep_query_params")[1]


def test_check_selector_says_why_or_nothing():
    assert check_selector("#checkout .card") is None
    assert ":hover is not supported" in check_selector("p:hover")
    assert "cannot parse" in check_selector("p[")
    assert check_selector("  ") == "missing or empty CSS selector"
    # the parser uses the same check: the message the editor shows is the file's error
    with pytest.raises(RulesError, match=":hover is not supported"):
        parse_rules('[[rule]]\nselector = "p:hover"\nlevel = "mask"\n')


def test_revision_is_validated():
    assert parse_rules("revision = 7").revision == 7
    with pytest.raises(RulesError, match="line 1: revision: must be a whole number"):
        parse_rules("revision = -1")


def test_save_writes_the_next_revision_its_copy_and_a_log_line(tmp_path):
    r1 = replace(Rules.default(), default_level=Level.MASK,
                 rules=(Rule(".address", Level.HIDDEN),),
                 scrub_query_params=Rules.default().scrub_query_params + ("sid",))
    change = save_rules(tmp_path, r1, who="dpo", based_on=0, when=WHEN)
    assert change.revision == 1 and change.who == "dpo" and change.when == "2026-12-01T03:30:00+00:00"
    assert change.summary == ("default level: mask-user-input -> mask",
                              "rule added: .address (hidden)",
                              "scrubbed URL parameter added: sid")
    active = active_rules(tmp_path)
    assert active == replace(r1, revision=1)
    assert load_revision(tmp_path, 1) == active

    r2 = replace(active, rules=(Rule(".address", Level.MASK), Rule(".who", Level.MASK)),
                 detectors=("email",))
    change2 = save_rules(tmp_path, r2, who="dpo2", based_on=1, when=WHEN)
    assert change2.revision == 2
    assert change2.summary == ("rule changed: .address: hidden -> mask",
                               "rule added: .who (mask)", "detector removed: card",
                               "detector removed: phone", "detector removed: iban",
                               "detector removed: ssn")
    log, bad = read_history(tmp_path)
    assert [c.revision for c in log] == [1, 2] and [c.who for c in log] == ["dpo", "dpo2"]
    assert bad == 0
    assert load_revision(tmp_path, 1) == replace(r1, revision=1)   # the old one is kept


def test_nothing_changed_saves_nothing(tmp_path):
    assert save_rules(tmp_path, Rules.default(), who="dpo", based_on=0) is None
    assert not (tmp_path / "rules.toml").exists() and not (tmp_path / HISTORY_DIR).exists()


def test_a_save_based_on_an_old_revision_is_refused_and_changes_nothing(tmp_path):
    save_rules(tmp_path, replace(Rules.default(), default_level=Level.MASK), who="a", based_on=0)
    before = (tmp_path / "rules.toml").read_bytes()
    with pytest.raises(RulesError, match="revision 1 now, not the revision 0 you started from"):
        save_rules(tmp_path, replace(Rules.default(), default_level=Level.HIDDEN), who="b",
                   based_on=0)
    assert (tmp_path / "rules.toml").read_bytes() == before
    assert [c.who for c in read_history(tmp_path)[0]] == ["a"]


def test_a_hand_written_active_file_is_kept_in_history_before_it_is_replaced(tmp_path):
    hand = '# written by hand\ndefault = "mask"\n'
    (tmp_path / "rules.toml").write_text(hand)
    change = save_rules(tmp_path, replace(active_rules(tmp_path), default_level=Level.HIDDEN),
                        who="dpo", based_on=0)
    assert change.revision == 1
    assert (tmp_path / HISTORY_DIR / "r0000.toml").read_text() == hand


def test_unreadable_log_lines_are_counted_not_raised(tmp_path):
    save_rules(tmp_path, replace(Rules.default(), default_level=Level.MASK), who="a", based_on=0)
    with open(tmp_path / HISTORY_DIR / LOG_NAME, "a") as f:
        f.write('{"revision": 2, "who": "torn"')   # a crash mid-line
    log, bad = read_history(tmp_path)
    assert [c.revision for c in log] == [1] and bad == 1


def test_a_log_line_is_json_with_who_when_what(tmp_path):
    save_rules(tmp_path, replace(Rules.default(), scrub_query_params=("token", "sid")),
               who="dpo", based_on=None, when=WHEN)
    line = json.loads((tmp_path / HISTORY_DIR / LOG_NAME).read_text().splitlines()[0])
    assert line == {"revision": 1, "who": "dpo", "when": "2026-12-01T03:30:00+00:00",
                    "summary": ["scrubbed URL parameter added: sid"] + [
                        f"scrubbed URL parameter removed: {p}"
                        for p in Rules.default().scrub_query_params if p != "token"],
                    "file": "r0001.toml"}


def test_diff_names_reordering_and_the_other_sections():
    a = replace(Rules.default(), rules=(Rule("p", Level.MASK), Rule("div", Level.HIDDEN)))
    b = replace(a, rules=(Rule("div", Level.HIDDEN), Rule("p", Level.MASK)),
                network_bodies=True, network_headers=("accept",), console_redact=("x",))
    out = diff_rules(a, b)
    assert "rules reordered" in out and "network bodies: kept" in out
    assert "network header kept removed: content-type" in out
    assert "console redaction added: x" in out
    assert diff_rules(a, a) == []


def test_a_selector_rule_masks_less_or_more_by_its_level_never_falsely_less():
    """Removing an `allow` rule was reported as masking less (and asked about): what it let
    through falls back to a stricter level. A claim at the loosest level only loosens, one at
    `mask` or `hidden` only tightens, one at `mask-user-input` may do either (the page's
    markup around its elements decides): "differently", never "less" of what masks more."""
    base = replace(Rules.default(), rules=(Rule("footer", Level.MASK),))
    allow = replace(base, rules=(Rule("header", Level.ALLOW), *base.rules))
    assert loosened(allow, base) == [] and looser(allow, base) is None     # removed: more
    assert loosened(base, allow) == ["rule added: header (allow)"]            # added: less
    assert looser(base, allow) is Effect.LESS and Effect.LESS.than == "less than"
    hidden = replace(base, rules=(Rule("header", Level.HIDDEN), *base.rules))
    assert loosened(hidden, base) == ["rule removed: header (hidden)"]        # removed: less
    assert loosened(base, hidden) == [] and looser(base, hidden) is None      # added: more
    form = replace(base, rules=(Rule("form", Level.MASK_USER_INPUT), *base.rules))
    for old, new, line in ((form, base, "rule removed: form (mask-user-input)"),
                           (base, form, "rule added: form (mask-user-input)")):
        assert loosened(old, new) == [line + " (masks more in some places, less in others)"]
        assert looser(old, new) is Effect.DIFFERENTLY
    assert Effect.DIFFERENTLY.than == "differently from"
    # a level changed: its direction; a certain loosening makes the whole "less" - unless
    # another change masks more: then "differently" (a newcomer's file, the README's own
    # example, raised the default to `mask` beside `nav a, h1` allowed: it was "less")
    assert looser(replace(base, rules=(Rule("footer", Level.ALLOW),)), base) is None
    assert looser(base, replace(base, rules=(Rule("footer", Level.ALLOW),))) is Effect.LESS
    assert looser(replace(form, rules=(*form.rules, Rule(".bio", Level.HIDDEN))), allow) \
        is Effect.LESS
    stricter = replace(allow, default_level=Level.MASK)
    assert looser(base, stricter) is Effect.DIFFERENTLY
    assert loosened(base, stricter) == ["rule added: header (allow)"]   # what may get through
    assert looser(stricter, base) is Effect.DIFFERENTLY   # (the default lowered: less, too)
    # under a hidden default kept, no selector rule counts
    shut = replace(hidden, default_level=Level.HIDDEN)
    assert loosened(shut, replace(base, default_level=Level.HIDDEN)) == []


def test_a_selector_added_to_a_rules_list_is_that_rule_changed_by_what_it_gained():
    """A privacy officer's tryout: `#out, #contact` -> `#out, #contact, #b` at `mask` was
    "rule removed: #out, #contact (mask)" (and a rule added), refused as masking less."""
    two = replace(Rules.default(), rules=(Rule("#out, #contact", Level.MASK),))
    three = replace(two, rules=(Rule("#out,#contact, #b", Level.MASK),))
    assert diff_rules(two, three) == [
        "rule changed: #out, #contact -> #out,#contact, #b (mask): #b added"]
    assert loosened(two, three) == [] and looser(two, three) is None      # masks more
    assert loosened(three, two) == [
        "rule changed: #out,#contact, #b -> #out, #contact (mask): #b removed"]
    assert looser(three, two) is Effect.LESS
    # a member swapped for another: more here, less there
    swapped = replace(two, rules=(Rule("#out, #b", Level.MASK),))
    assert looser(two, swapped) is Effect.DIFFERENTLY
    assert diff_rules(two, swapped) == [
        "rule changed: #out, #contact -> #out, #b (mask): #b added; #contact removed"]
    # an `allow` list widened lets more through; another level is another rule
    allowed = replace(two, rules=(Rule("#out, #contact", Level.ALLOW),))
    wider = replace(two, rules=(Rule("#out, #contact, nav", Level.ALLOW),))
    assert looser(allowed, wider) is Effect.LESS
    other = replace(two, rules=(Rule("#out, #contact, #b", Level.HIDDEN),))
    assert diff_rules(two, other) == ["rule added: #out, #contact, #b (hidden)",
                                      "rule removed: #out, #contact (mask)"]


def test_credential_parameters_are_scrubbed_unless_the_rules_keep_them():
    """A privacy-first default: `?token=`, `?access_token=`, `?code=` (OAuth) & co. are masked
    with the built-in rules and with any file: its `scrub_query_params` add to them (a file
    that listed its own once replaced them - a privacy officer adding `promo` lost
    `access_token`), its `keep_query_params` takes built-in ones out, by name; capture.js holds
    the same default list."""
    from recorder.privacy.masking import make_url_scrubber
    from recorder.privacy.rules import DEFAULT_SCRUB_PARAMS
    url = "https://app.example/cb?code=4/0Ab&state=x&Access_Token=eyJ.a.b&q=lamps"
    for rules in (Rules.default(), parse_rules('default = "mask"')):
        assert make_url_scrubber(rules.scrub_query_params)(url) == \
            "https://app.example/cb?code=***&state=x&Access_Token=***&q=lamps"
    # an OAuth implicit / OpenID callback carries its tokens in the fragment
    assert make_url_scrubber(Rules.default().scrub_query_params)(
        "https://app.example/cb#id_token=eyJ.x&state=s") == "https://app.example/cb#id_token=***&state=s"
    assert parse_rules("scrub_query_params = []").scrub_query_params == DEFAULT_SCRUB_PARAMS
    promo = parse_rules('scrub_query_params = ["promo", "Token"]')
    assert promo.scrub_query_params == DEFAULT_SCRUB_PARAMS + ("promo",)
    assert make_url_scrubber(promo.scrub_query_params)(url + "&promo=SPRING") == \
        "https://app.example/cb?code=***&state=x&Access_Token=***&q=lamps&promo=***"
    oauth = parse_rules('keep_query_params = ["code"]\nscrub_query_params = ["sid"]')
    assert make_url_scrubber(oauth.scrub_query_params)(url) == \
        "https://app.example/cb?code=4/0Ab&state=x&Access_Token=***&q=lamps"
    assert parse_rules(to_toml(oauth)) == oauth and Rules.from_json(oauth.to_json()) == oauth
    with pytest.raises(RulesError, match="keep_query_params: 'acess_token' is not a built-in"):
        parse_rules('keep_query_params = ["acess_token"]')
    with pytest.raises(RulesError, match="'code' is in scrub_query_params too"):
        parse_rules('keep_query_params = ["code"]\nscrub_query_params = ["code"]')
    none = "keep_query_params = " + json.dumps(list(DEFAULT_SCRUB_PARAMS))
    assert parse_rules(none).scrub_query_params == ()
    capture = (Path(__file__).resolve().parents[2] / "assets" / "capture" / "capture.js").read_text()
    listed = re.search(r"var DEFAULT_SCRUB_PARAMS = \[([^\]]*)\]", capture).group(1)
    assert tuple(re.findall(r'"([^"]+)"', listed)) == DEFAULT_SCRUB_PARAMS


def test_two_rules_merged_or_a_list_written_otherwise_change_no_claim():
    """A reviewer's: merging a `#b` rule into `#out, #contact` read as "#b added" and "rule
    removed: #b" - masks differently, refused without --yes; spaces alone changed read as a
    change of nothing said."""
    two = replace(Rules.default(), rules=(Rule("#out, #contact", Level.MASK), Rule("#b", Level.MASK)))
    merged = replace(two, rules=(Rule("#out, #contact, #b", Level.MASK),))
    assert looser(two, merged) is None and loosened(two, merged) == []
    assert "rule merged: #b (mask) into another" in diff_rules(two, merged)
    spaced = replace(two, rules=(Rule("#out,#contact", Level.MASK), Rule("#b", Level.MASK)))
    assert diff_rules(two, spaced) == ["rule changed: #out, #contact -> #out,#contact (mask):"
                                       " the same selectors, written otherwise"]
    assert looser(two, spaced) is None
    # ... and split in two again (an `allow` one asked as masking less, a reviewer's)
    allow = replace(Rules.default(), rules=(Rule("#a, #b", Level.ALLOW),))
    split = replace(allow, rules=(Rule("#a", Level.ALLOW), Rule("#b", Level.ALLOW)))
    assert looser(allow, split) is None and loosened(allow, split) == []


def test_saving_the_same_rules_over_a_deleted_file_writes_it_back(tmp_path):
    """A reviewer's: the file deleted, `mask --activate` of the same rules saved nothing (the
    newest revision stands for the file) - and the intake's log names that as the mend."""
    rules = parse_rules('default = "mask"\n')
    save_rules(tmp_path, rules, who="t", based_on=None)
    (tmp_path / "rules.toml").unlink()
    change = save_rules(tmp_path, rules, who="t", based_on=1)
    assert change is not None and (tmp_path / "rules.toml").is_file()
    assert active_rules(tmp_path).revision == 2


def test_common_credential_parameters_are_built_in():
    """A privacy officer's tryout: Java's `;jsessionid=` in a path, `api-key=`, GitLab's
    `private_token=`, PHP's `PHPSESSID=` and a one-time password's `otp=` were stored in clear
    under the built-in rules."""
    from recorder.privacy.masking import make_url_scrubber
    scrub = make_url_scrubber(Rules.default().scrub_query_params)
    for url, kept in [("https://app.example/cart;jsessionid=ZQX1", "https://app.example/cart;jsessionid=***"),
                      ("https://api.example/v1?api-key=ZQX2", "https://api.example/v1?api-key=***"),
                      ("https://git.example/api?private_token=ZQX3&page=2", "https://git.example/api?private_token=***&page=2"),
                      ("https://shop.example/?PHPSESSID=ZQX4", "https://shop.example/?PHPSESSID=***"),
                      ("verify otp=ZQX5 now", "verify otp=*** now")]:
        assert scrub(url) == kept, url
