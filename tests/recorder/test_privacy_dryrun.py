"""`mask --dry-run`'s counts: what the real pass would change, per claim (default level, a
selector rule with its line, page markup, always-masked fields, detectors) and per kind."""
from __future__ import annotations

import pytest

from recorder.privacy import parse_rules
from recorder.privacy.masker import mask_session
from recorder.privacy.dryrun import DETECTORS, dry_run
from recorder.privacy.preview import html_to_events

PAGE = """<!DOCTYPE html><html><body>
<h1>Order 42</h1>
<p class="bio" title="Ada">Ada Lovelace</p>
<p>Write to ada@example.com</p>
<div data-replay-privacy="hidden"><b>secret</b> plan</div>
<input id="pw" type="password" value="hunter2">
<input id="q" type="text" value="">
</body></html>"""

RULES = """default = "allow"

[[rule]]
selector = ".bio"
level = "mask"
"""


def _ids_of(snapshot: dict) -> dict:
    """The node id of each element of a serialized page with an id attribute, by that id."""
    return {n["attributes"]["id"]: n["id"] for n in _walk_all(snapshot)
            if (n.get("attributes") or {}).get("id")}


def events():
    ev = html_to_events(PAGE, timestamp=1_700_000_000_000)
    ids = _ids_of(ev[1]["data"]["node"])
    ev += [{"type": 3, "timestamp": 1_700_000_000_100 + i, "data": {"source": 5, "id": ids[k], "text": t}}
           for i, (k, t) in enumerate((("pw", "hunter2x"), ("q", "desk")))]
    return ev


def test_counts_per_claim_and_kind():
    r = dry_run(events(), parse_rules(RULES), "s1")
    assert r.by_claim() == {
        'rule ".bio" (line 3) -> mask': {"attribute": 1, "text": 1},
        DETECTORS: {"text": 1},                                   # the email, page text
        'markup data-replay-privacy="hidden" -> hidden': {"element": 1, "text": 2},
        "always masked (password, email, tel, hidden, cc-* fields)": {"attribute": 1, "input": 1},
    }
    assert r.by_kind() == {"attribute": 2, "text": 4, "element": 1, "input": 1}
    assert r.events == 4 and r.events_changed == 2   # the snapshot and the password input


def test_the_default_level_is_a_claim_too_and_nothing_is_counted_twice():
    r = dry_run(events(), parse_rules('default = "mask-user-input"\ndetectors = []'), "s1")
    assert r.by_claim() == {
        "default level mask-user-input": {"input": 1},          # "desk" typed in a text field
        'markup data-replay-privacy="hidden" -> hidden': {"element": 1, "text": 2},
        "always masked (password, email, tel, hidden, cc-* fields)": {"attribute": 1, "input": 1},
    }


def test_nothing_to_change_counts_nothing():
    ev = html_to_events("<html><body><p>hello</p></body></html>")
    r = dry_run(ev, parse_rules('default = "allow"'), "s1")
    assert r.by_claim() == {} and r.events_changed == 0 and r.events == 2


EMPTY_HIDDEN = '<!DOCTYPE html><html><body><div class="x"></div><p>hi</p></body></html>'


@pytest.mark.parametrize("page,rules", [
    (None, RULES),
    (EMPTY_HIDDEN, 'version = 1\n[[rule]]\nselector = ".x"\nlevel = "hidden"\n'),
    (None, 'version = 1\ndefault = "allow"\ndetectors = []\n'),
    (None, 'version = 1\ndefault = "mask"\n'),
], ids=["rules", "empty-element-hidden", "allow", "mask"])
def test_the_dry_run_says_would_change_exactly_where_re_masking_rewrites(page, rules):
    """The dry run said "0 of 18 - nothing would change" of a session Apply then rewrote (an
    empty element a rule hides gains the hidden marker and nothing else: a privacy officer's
    tryout): per event, it counts a change exactly where the real pass changes the event."""
    ev = events() if page is None else html_to_events(page, timestamp=1_700_000_000_000)
    parsed = parse_rules(rules, where="test")
    _, masked = mask_session(ev, parsed)
    rewritten = sum(1 for a, b in zip(masked, ev) if a != b)
    assert dry_run(ev, parsed).events_changed == rewritten


def test_a_session_re_masked_once_is_masked_for_good():
    """Right after `mask --all`, a dry run under the same rules said "would change 1 of 416
    events: markers the rules add", and a second `mask --all` changed it: an element a rule
    hid, then revealed (its class changed), kept the hidden marker the placeholder carried,
    so the next pass read it as hidden by markup - and dropped what it showed then."""
    ev = html_to_events('<div id="a" class="box secret">shown later</div>', timestamp=1000)
    body = ev[1]["data"]["node"]["childNodes"][-1]["childNodes"][-1]
    ev.append({"type": 3, "timestamp": 2000, "data": {
        "source": 0, "texts": [], "removes": [], "adds": [],
        "attributes": [{"id": body["childNodes"][0]["id"], "attributes": {"class": "box"}}]}})
    rules = parse_rules('[[rule]]\nselector = ".secret"\nlevel = "hidden"\n')
    _, once = mask_session(ev, rules)
    assert "shown later" in str(once[-1])   # revealed: its text is the page's, kept
    assert dry_run(once, rules).events_changed == 0
    assert mask_session(once, rules)[1] == once


def test_each_rule_says_whether_it_matched_an_element_at_any_moment():
    """A selector rule that matches no element masks nothing - a misspelt `.card-numbr`
    reads like a rule kept (a privacy officer's tryout). The dry run tells each rule's
    match, on the elements the session shows at any moment: the snapshot's, those a mutation
    adds, and those an attribute change makes it match."""
    ev = events()
    body = next(n for n in ev[1]["data"]["node"]["childNodes"][1]["childNodes"]
                if n.get("tagName") == "body")
    ev += [{"type": 3, "timestamp": 1_700_000_001_000, "data": {
               "source": 0, "texts": [], "removes": [], "attributes": [],
               "adds": [{"parentId": body["id"], "nextId": None, "node": {
                   "type": 2, "id": 900, "tagName": "aside", "attributes": {}, "childNodes": [
                       {"type": 2, "id": 901, "tagName": "em", "attributes": {}, "childNodes": []}]}}]}},
           {"type": 3, "timestamp": 1_700_000_002_000, "data": {
               "source": 0, "texts": [], "removes": [], "adds": [],
               "attributes": [{"id": 900, "attributes": {"class": "promo"}}]}}]
    rules = parse_rules('default = "allow"\n'
                        + "".join(f'[[rule]]\nselector = "{s}"\nlevel = "mask"\n'
                                  for s in (".bio", ".bio-typo", "aside em", ".promo", "h1 + p",
                                            "table td", ".promo em", ".promo b")))
    r = dry_run(ev, rules, "s1")
    assert {said.split('"')[1]: hit for said, hit in r.rules_matched.items()} == {
        ".bio": True, ".bio-typo": False, "aside em": True, ".promo": True, "h1 + p": True,
        "table td": False, ".promo em": True, ".promo b": False}   # (beneath the class change)
    assert r.rules_matched['rule ".bio-typo" (line 5) -> mask'] is False
    # nothing matched before the events that show it: the snapshot alone
    r = dry_run(ev[:2], rules, "s1")
    assert [said.split('"')[1] for said, hit in r.rules_matched.items() if hit] == [".bio", "h1 + p"]


def test_a_rule_is_said_unmatched_only_when_no_session_it_was_looked_at_in_matched_it():
    from recorder.privacy.dryrun import unmatched
    rules = parse_rules('[[rule]]\nselector = ".bio"\nlevel = "mask"\n'
                        '[[rule]]\nselector = ".nowhere"\nlevel = "hidden"\n')
    other_page = html_to_events("<!DOCTYPE html><html><body><p>hi</p></body></html>",
                                timestamp=1_700_000_000_000)
    own = parse_rules('[[rule]]\nselector = "#nope"\nlevel = "mask"\n')
    runs = [dry_run(other_page, rules, "a"), dry_run(events(), rules, "b"),
            dry_run(events(), own, "c")]
    assert unmatched(runs) == [('rule ".nowhere" (line 4) -> hidden', 2),
                               ('rule "#nope" (line 1) -> mask', 1)]   # (looked at in its own)
    assert unmatched(runs[:1]) == [('rule ".bio" (line 1) -> mask', 1),
                                   ('rule ".nowhere" (line 4) -> hidden', 1)]
    assert unmatched([]) == []


def test_a_misspelt_member_of_a_selector_list_is_said_though_its_rule_matched():
    """`#shadow-host .sh, .emp-nmae`: the first member matched, so the rule "matched" and the
    misspelt `.emp-nmae` beside it hid nothing, unsaid (a privacy officer's tryout). Each
    member of a list is told apart, in every session the rule was looked at in; a rule that
    matched nothing at all is `unmatched`'s alone."""
    from recorder.privacy.dryrun import unmatched, unmatched_members
    rules = parse_rules('[[rule]]\nselector = ".bio, .emp-nmae, h1"\nlevel = "mask"\n'
                        '[[rule]]\nselector = ".gone, .away"\nlevel = "hidden"\n')
    other_page = html_to_events("<!DOCTYPE html><html><body><h2 class=emp-nmae>hi</h2>"
                                "</body></html>", timestamp=1_700_000_000_000)
    said = 'rule ".bio, .emp-nmae, h1" (line 1) -> mask'
    one = dry_run(events(), rules, "a")
    assert one.members_matched == {(said, ".bio"): True, (said, ".emp-nmae"): False,
                                   (said, "h1"): True,
                                   ('rule ".gone, .away" (line 4) -> hidden', ".gone"): False,
                                   ('rule ".gone, .away" (line 4) -> hidden', ".away"): False}
    assert unmatched_members([one]) == [(said, ".emp-nmae", 1)]
    assert unmatched([one]) == [('rule ".gone, .away" (line 4) -> hidden', 1)]
    # matched in another session: said of neither
    assert unmatched_members([one, dry_run(other_page, rules, "b")]) == []


def test_a_rule_a_change_makes_match_is_seen_whatever_changed():
    """The warning must not call a working rule a misspelt one (a reviewer's find: four rules
    that matched were said to match nothing): a class or id read as a value, a class taken
    away under `:not()`, a sibling's change (`+`), a removal (`:first-child`, `:empty`) - each
    rule's match is checked against the pass's own page at the end, the oracle."""
    from recorder.privacy.levels import PrivacyLevels  # noqa: F401  (the masker's, below)
    from recorder.privacy.masker import SessionMasker
    from recorder.privacy.selectors import compile_selector
    page = html_to_events("""<!DOCTYPE html><html><body>
        <ul id="l"><li id="a">one</li><li id="b">two</li><li id="c">three</li></ul>
        <div id="d" class="public">hi</div><p id="e">x</p><span id="f">y</span>
        </body></html>""", timestamp=1_700_000_000_000)
    ids = _ids_of(page[1]["data"]["node"])

    def attrs(i, **a):
        return {"type": 3, "timestamp": 1_700_000_001_000, "data": {
            "source": 0, "texts": [], "removes": [], "adds": [],
            "attributes": [{"id": ids[i], "attributes": a}]}}
    text_of_f = next(n["id"] for n in _walk_all(page[1]["data"]["node"])
                     if n.get("textContent") == "y")
    changes = [attrs("a", **{"class": "sel"}), attrs("e", **{"class": "card-number"}),
               attrs("d", **{"class": None}), attrs("f", id="cardholder"),
               {"type": 3, "timestamp": 1_700_000_002_000, "data": {
                   "source": 0, "texts": [], "attributes": [], "adds": [],
                   "removes": [{"parentId": ids["l"], "id": ids["a"]},
                               {"parentId": ids["f"], "id": text_of_f}]}}]
    selectors = (".sel + li", "[class*=card]", "div:not(.public)", "[id^=card]",
                 "#c:first-child", "#b:first-child", "span:empty", ".never-there")
    rules = parse_rules("".join(f'[[rule]]\nselector = "{s}"\nlevel = "mask"\n' for s in selectors))
    r = dry_run(page + changes, rules, "s1")
    got = {said.split('"')[1]: hit for said, hit in r.rules_matched.items()}
    # the oracle: each rule matched some element of the page at some moment (after each event)
    m = SessionMasker(rules)
    ever = set()
    for e in page + changes:
        m.mask_event(e)
        for s in selectors:
            sels = compile_selector(s)
            if any(n.type == 2 and any(x.match(n, m.mirror.nodes) for x in sels)
                   for n in m.mirror.nodes.values()):
                ever.add(s)
    assert got == {s: s in ever for s in selectors}, (got, ever)
    assert ever == set(selectors) - {".never-there", "#c:first-child"}


def _walk_all(node):
    yield node
    for c in node.get("childNodes") or ():
        yield from _walk_all(c)
