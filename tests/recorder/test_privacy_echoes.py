"""Echo scrubbing in the recorder's pass (recorder/privacy/echoes.py): a value typed into a
masked field is masked wherever the page repeats it later in the session - the threshold,
the URL-encoded and JSON-escaped forms, what counts as typed, live batches, and the
two-pass whole-session mask that `replay mask` re-masks stored sessions with."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recorder.format import CONSOLE_PLUGIN, NETWORK_PLUGIN, RUM_PLUGIN, invalid_events
from recorder.privacy import SessionMaskers, parse_rules
from recorder.privacy.dryrun import ECHOES, Kind, dry_run
from recorder.privacy.echoes import ANYWHERE_LEN, CSS_DATA, FADE_MS, MAX_VALUES, MIN_LEN, Echoes, Typed
from recorder.privacy.masker import SessionMasker, mask_session, masker_factory
from recorder.privacy.preview import html_to_events
from recorder.privacy.remask import remask_session
from recorder.store import Store
from tests.app.test_privacy_leaks import ids_by_html_id

PAGE = """<!DOCTYPE html><html><head></head><body>
<input id="search" type="text"><input id="coupon" type="text">
<input id="color" type="text" data-replay-privacy="allow">
<input id="agree" type="checkbox" value="newsletter-consent">
<select id="city"><option value="Springfield">Springfield</option></select>
<input id="ignored" class="rr-ignore" type="text">
<p id="out">Nothing yet</p>
</body></html>"""
DEFAULT = 'detectors = []'                       # mask-user-input, no detectors
STRICT = 'detectors = []\n[[rule]]\nselector = "#coupon"\nlevel = "hidden"\n'
ALLOW = 'default = "allow"\ndetectors = []'
T0 = 1_700_000_000_000


ID = ids_by_html_id(html_to_events(PAGE))


def typed(field: str, text: str, ms: int = 10) -> dict:
    return {"type": 3, "timestamp": T0 + ms, "data": {"source": 5, "id": ID[field], "text": text,
                                                       "isChecked": False}}


def console(*args: str, ms: int = 20) -> dict:
    return {"type": 6, "timestamp": T0 + ms, "data": {"plugin": CONSOLE_PLUGIN, "payload": {
        "level": "error", "payload": [json.dumps(a) for a in args], "trace": ["at apply (app.js:3:7)"]}}}


def rum(payload: dict, ms: int = 30) -> dict:
    return {"type": 6, "timestamp": T0 + ms, "data": {"plugin": RUM_PLUGIN, "payload": payload}}


def text(value: str, ms: int = 40) -> dict:
    return {"type": 3, "timestamp": T0 + ms, "data": {"source": 0, "texts": [
        {"id": ID["out"] + 1, "value": value}], "attributes": [
        {"id": ID["out"], "attributes": {"title": value}}], "removes": [], "adds": []}}


def session(*events: dict) -> list[dict]:
    return html_to_events(PAGE, href="https://shop.example/", timestamp=T0) + list(events)


def masked(rules: str, *events: dict) -> str:
    return json.dumps(SessionMasker(parse_rules(rules)).mask(session(*events)))


# --- what a value matches ------------------------------------------------------------------
def test_values_shorter_than_the_threshold_are_not_looked_for():
    """A quantity, an initial, "no": in nearly every string of a page - but as a URL
    parameter's whole value (of two characters or more: `test_short_values_and_choices...`)."""
    e = Echoes()
    for v in ("1", "a", "no", "abc", "  ab  "):
        assert not e.add(v)
    assert e.scrub("a 1 no abc table") == "a 1 no abc table"
    assert e.add("x" * MIN_LEN)
    assert e.scrub("see " + "x" * MIN_LEN) == "see ***"


def test_short_values_only_where_they_stand_alone_long_ones_anywhere():
    e = Echoes()
    e.add("shoe")                                # shorter than ANYWHERE_LEN
    assert len("shoe") < ANYWHERE_LEN <= len("quokkacoupon")
    assert e.scrub("Results for shoe.") == "Results for ***."
    assert e.scrub("/api/search/shoe?x=1") == "/api/search/***?x=1"
    assert e.scrub("shoelace, horseshoe, shoe2") == "shoelace, horseshoe, shoe2"
    e.add("QuokkaCoupon")
    assert e.scrub("applyquokkacoupon2") == "apply***2"


def test_case_trimming_and_the_longest_typed_value_win():
    e = Echoes()
    for prefix in ("quok", "quokk", "quokka", "quokka s", "quokka se", "quokka search  "):
        e.add(prefix)                            # typing sends each prefix
    assert e.scrub("Results for QUOKKA SEARCH") == "Results for ***"
    assert e.scrub("searching quokk...") == "searching ***..."


def test_url_encoded_and_json_escaped_forms():
    e = Echoes()
    e.add("Zoë O'Hara/7 & co")
    for s in ("/api/u/Zo%C3%AB%20O'Hara%2F7%20%26%20co",          # encodeURIComponent
              "/api/u/Zo%C3%AB%20O'Hara/7%20&%20co",               # encodeURI
              "?who=Zo%C3%AB+O'Hara%2F7+%26+co",                    # a form's + for spaces
              "?who=zo%c3%ab+o'hara%2f7+%26+co",                    # hex in lower case
              "?who=Zo%C3%AB+O%27Hara%2F7+%26+co"):                 # Python's quote_plus
        assert "Hara" not in e.scrub(s) and "***" in e.scrub(s), s
    e.add("Zebra Quokka 7731")   # a typed phrase a page made a slug of, in a path or a class
    for s in ("/api/zebra-quokka-7731", 'class="tag-Zebra_Quokka_7731"'):
        assert "Quokka" not in e.scrub(s) and "***" in e.scrub(s), s
    e.add('say "hi"\\now')
    arg = json.dumps('said: say "hi"\\now')                       # a console argument
    assert e.scrub(arg) == json.dumps("said: ***")


def test_the_values_kept_are_bounded_oldest_first():
    e = Echoes()
    for i in range(MAX_VALUES + 3):
        e.add(f"value-{i:06}")
    assert len(e) == MAX_VALUES and e.forgotten == 3
    assert e.scrub("value-000000") == "value-000000"
    assert e.scrub(f"value-{MAX_VALUES + 2:06}") == "***"


def test_values_forgotten_between_scrubs_are_no_longer_looked_for():
    e = Echoes()
    for i in range(MAX_VALUES + 3):
        e.add(f"Value-{i:06}")
        e.scrub("a page's text")             # each value's work done as it comes
    assert e.scrub("value-000002 and VALUE-000003") == "value-000002 and ***"
    assert e.scrub(f"at value-{MAX_VALUES + 2:06}!") == "at ***!"


class _Counted(dict):
    """A value's needles, counting how often they are read."""
    reads = 0

    def __getitem__(self, k):
        _Counted.reads += 1
        return super().__getitem__(k)

    def get(self, k, default=None):
        _Counted.reads += 1
        return super().get(k, default)


def test_a_string_is_searched_for_the_values_of_the_field_it_echoes_not_every_value():
    """Typing sends each prefix: 200 fields typed key by key are ~2,000 values. A string
    echoing one field is searched for that field's prefixes, not for all of them (each
    string looked at every value was most of the time of opening a long session)."""
    e = Echoes()
    words = [f"{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}zq{i:04}xy" for i in range(200)]
    for w in words:
        for k in range(1, len(w) + 1):
            e.add(w[:k])
    e.scrub("warm up")
    e._musts = _Counted(e._musts)
    _Counted.reads = 0
    assert e.scrub(f"Results for {words[7]}") == "Results for ***"
    assert 0 < _Counted.reads <= len(words[7])
    assert e.scrub(f"Results for {words[8][:5]}") == "Results for ***"


def test_typing_on_under_the_same_roots_keeps_the_roots_search():
    """A keystroke adds a value; one under roots the session has already (the field's
    longest run grows past a root) leaves the C search of the roots as it was: making it
    again at every keystroke of a long form was most of an import's time."""
    e = Echoes()
    e.add("Prepare board slides")
    assert e.scrub("Prepare board slides!") == "***!"
    search = e._in_json
    for k in range(len("Prepare board slides") + 1, len("Prepare board slides (#963)") + 1):
        e.add("Prepare board slides (#963)"[:k])
        e.scrub("warm up")
    assert e._in_json is search
    assert e.scrub("Prepare board slides (#963) due") == "*** due"


def _naive_scrub(values: list[str], s: str) -> str:
    """What `Echoes._sub` must give: every value's expression, longest first, then every
    value's rest when a mask is there - no roots, no runs, no needles."""
    from recorder.privacy.echoes import MASK, _expression, _longest_first, _rest
    ordered = sorted({v.strip() for v in values if len(v.strip()) >= MIN_LEN},
                     key=_longest_first)
    for v in ordered:
        s = _expression(v).sub(MASK, s)
    if MASK in s:
        for v in ordered:
            rx = _rest(v)
            if rx is not None:
                s = rx.sub(MASK, s)
    return s


_VALUE = st.text(alphabet="abAB12 %+-é/\\\"", min_size=1, max_size=12)


@settings(max_examples=600, deadline=None)
@given(st.lists(_VALUE, min_size=1, max_size=6),
       st.lists(st.one_of(_VALUE, st.sampled_from(["***", " ", "%20", "+", "x", "%2B"])),
                max_size=8), st.data())
def test_the_search_finds_what_every_values_expression_finds(values, pieces, data):
    """The roots, runs and needles only skip values that cannot match: the string comes out
    as every value's expression and rest, run on it in turn, make it."""
    for v in values:     # the string is made of the values' pieces, cased and cut anyhow
        if data.draw(st.booleans()):
            cut = data.draw(st.integers(0, len(v)))
            pieces.append(v[cut:] if data.draw(st.booleans()) else v[:cut])
        else:
            pieces.append(v.upper())
    s = "".join(data.draw(st.permutations(pieces)))
    e = Echoes(rests_alone=True)   # (the second pass's: a rest alone is looked for)
    for v in values:
        e.add(v)
    assert e.scrub(s) == (s if len(s) < MIN_LEN else _naive_scrub(values, s))


@settings(max_examples=400, deadline=None)
@given(st.lists(_VALUE, min_size=1, max_size=6),
       st.lists(st.one_of(_VALUE, st.sampled_from(["***", " ", "\n", "\u212a", "İ", "x"])),
                max_size=8), st.data())
def test_an_events_json_searched_first_skips_only_events_the_walk_leaves(values, pieces, data):
    """`scrub_event` searches the event's JSON in C before walking its strings: it skips
    only events the walk would leave as they are - escapes, a Kelvin sign lower-cased to
    "k", a mask - and each string comes out as every value's expression makes it."""
    for v in values:
        cut = data.draw(st.integers(0, len(v)))
        pieces.append(v[cut:] if data.draw(st.booleans()) else v[:cut].upper())
    s = "".join(data.draw(st.permutations(pieces)))
    e = Echoes(rests_alone=True)   # (the second pass's: a rest alone is looked for)
    for v in values:
        e.add(v)
    ev = text(s)
    raw = json.dumps(ev, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    out = e.scrub_event(ev, raw)
    want = s if len(s) < MIN_LEN else _naive_scrub(values, s)
    assert out["data"]["texts"][0]["value"] == want
    assert (out is ev) == (want == s)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_VALUE, st.just("ab\0ab")), min_size=1, max_size=4),
       st.lists(st.one_of(_VALUE, st.sampled_from(["***", "x", "\0", "b\0a"])), max_size=6),
       st.integers(0, 600), st.data())
def test_changes_any_over_many_strings_answers_as_each_string_would(values, pieces, filler,
                                                                    data):
    """`changes_any` (the second pass's test of a stored segment's strings) searches runs of
    strings joined by NUL at once: its answer is each string's own, whether a value's pieces
    are in one string, split over two neighbours (no echo: a string is scrubbed alone), or in
    none - and when a value holds a NUL itself it is asked string by string."""
    e = Echoes(rests_alone=True)
    for v in values:
        e.add(v)
    made = "".join(data.draw(st.permutations(pieces + [v[:data.draw(st.integers(0, len(v)))]
                                                      for v in values])))
    cut = data.draw(st.integers(0, len(made)))
    strings = [f"filler text {k}" for k in range(filler)]
    at = data.draw(st.one_of(st.integers(0, filler),   # (at the runs' ends too)
                             st.sampled_from([k for k in (0, 255, 256, 511, 512) if k <= filler])))
    strings[at:at] = [made[:cut], made[cut:]] if data.draw(st.booleans()) else [made]
    want = any(e.scrub(x) != x for x in strings)
    assert e.changes_any(strings) == want
    assert e.changes_any(iter(strings)) == want


def test_an_event_with_no_echo_is_the_very_same_object():
    e = Echoes()
    e.add("quokka search")
    ev = console("nothing here", "or here")
    assert e.scrub_event(ev) is ev
    out = e.scrub_event(console("found: quokka search"))
    assert out["data"]["payload"]["payload"] == [json.dumps("found: ***")]


# --- the pass ---------------------------------------------------------------------------
def test_an_echo_is_found_in_the_events_own_json_and_escapes_there_do_not_hide_it():
    """The pass reads the event's JSON as it came when nothing else changed it; a sender may
    escape `/` as `\\/`, which would hide a value written with one: such text is not read."""
    m = SessionMasker(parse_rules(DEFAULT))
    for e in session(typed("search", "a/b/c")):
        m.mask_event(e)
    ev = text("Results for a/b/c here")
    plain = json.dumps(ev, separators=(",", ":")).encode()
    for sent in (plain, plain.replace(b"/", b"\\/")):
        out = m.mask_event(ev, sent)
        assert out["data"]["texts"][0]["value"] == "Results for *** here", sent
        assert out["data"]["attributes"][0]["attributes"]["title"] == "Results for *** here"


@pytest.mark.parametrize("value,shown", [("Иван", "Привет, Иван!"), ("иван", "ПРИВЕТ, ИВАН!"),
                                         ("Ελένη", "Γεια σου Ελένη"), ("Ólöf", "Hi ÓLÖF")])
def test_a_value_of_non_ascii_letters_is_found_in_any_case(value, shown):
    """Without three ASCII letters or digits in a row, a value's needles were its forms made
    lower-case, and an event's text is lower-cased for ASCII only: "Иван" was never found,
    not even as typed. Such a value is looked for in every string."""
    echoes = Echoes()
    echoes.add(value)
    ev = text(shown)
    out = echoes.scrub_event(ev)
    assert value.lower() not in json.dumps(out, ensure_ascii=False).lower()
    assert echoes.may_be_in(json.dumps(ev, ensure_ascii=False).encode())


def test_an_echo_written_while_the_value_was_typed_loses_the_rest_of_it_too():
    """The page wrote the field's value into a string while it was being typed: the part
    typed so far was masked then ("***.quixotic@example.org"); once the whole value is known,
    the second pass (and a later event) masks the rest - in a session read whole, and in an
    import streaming it (the real checkout's RUM view address, sent mid-typing; a handle
    here - an e-mail address the first pass masks whole: `_findings_whole`)."""
    email = "zelda.quixotic-of-hyrule"
    events = session(typed("coupon", "zeld", ms=10), typed("coupon", "zelda", ms=11),
                     rum({"type": "view", "view": {"id": "v1", "url": f"https://s/?e={email}"}},
                         ms=12),
                     typed("coupon", email, ms=13), console(f"sent to {email}", ms=14))
    one = json.dumps(SessionMasker(parse_rules(DEFAULT)).mask(events))
    assert "?e=***.quixotic-of-hyrule" in one            # the premise: masked half, then
    _, both = mask_session(events, parse_rules(DEFAULT))
    out = json.dumps(both)
    assert "quixotic" not in out and "?e=***" in out and "sent to ***" in out


def test_the_rest_of_a_number_shown_while_its_first_digits_were_typed_is_masked():
    """A page that showed a whole member number while its first digits were typed: the first
    pass masked them ("***789012"); the rest holds none of the number's roots - its one run
    is the whole number - so the second pass's search skipped it and the last digits stayed
    in clear. The second pass looks for a mask followed by a rest alone too."""
    number = "77000456789012"
    events = session(typed("coupon", number[:8], ms=10), text(f"Member {number}", ms=11),
                     typed("coupon", number, ms=13))
    one = json.dumps(SessionMasker(parse_rules(DEFAULT)).mask(events))
    assert "Member ***789012" in one                     # the premise: masked half, then
    _, both = mask_session(events, parse_rules(DEFAULT))
    out = json.dumps(both)
    assert "789012" not in out and "Member ***" in out


def test_the_rest_after_the_mask_is_one_expression_linear_in_the_values_length():
    """A value of 1,500 characters typed into a textarea: its rests were one pattern each,
    1.5 M characters compiled (6 s); as a chain of optional groups, on its last MAX_REST
    characters, the expression grows with the value's length no faster than it does."""
    from recorder.privacy.echoes import MAX_REST, _rest, pattern
    short, long_ = "note " + "abcdefghij" * 5, "note " + "abcdefghij" * 150
    assert len(_rest(long_).pattern) <= 8 * len(pattern(long_[-MAX_REST:]))   # 6 a character
    assert _rest(short).fullmatch("***" + short[20:]) and _rest(short).fullmatch("***" + short[4:])
    assert not _rest(short).fullmatch("***" + short[20:-1])   # a rest runs to the value's end


def test_echoes_in_every_place_are_masked_after_the_typing():
    out = masked(DEFAULT, typed("search", "quokka search"), typed("coupon", "QuokkaCoupon"),
                 console("No coupon named QUOKKACOUPON", "quokka search"),
                 rum({"type": "resource", "resource": {
                     "url": "https://shop.example/api/coupons/QUOKKACOUPON?q=quokka+search",
                     "method": "GET", "status_code": 404}}),
                 rum({"type": "error", "error": {"message": "Unknown coupon QUOKKACOUPON",
                                                 "stack": "Error: Unknown coupon QUOKKACOUPON\n  at x"}}),
                 rum({"type": "action", "action": {"type": "click",
                                                   "target": {"name": "Apply quokkacoupon"}}}),
                 {"type": 6, "timestamp": T0 + 50, "data": {"plugin": NETWORK_PLUGIN, "payload": {
                     "requests": [{"url": "/api/search?q=quokka%20search"}]}}},
                 text("Results for quokka search"),
                 {"type": 5, "timestamp": T0 + 60, "data": {"tag": "checkout",
                                                            "payload": {"QuokkaCoupon": 1}}})
    assert "quokka" not in out.lower()
    for echo in ("api/coupons/***?q=***", "No coupon named ***", "Unknown coupon ***",
                 "Apply ***", "Results for ***", "q=***", '"***": 1'):
        assert echo in out, echo


def test_only_values_of_masked_text_fields_are_looked_for():
    """An allowed field's value is page text; a checkbox's and a select's value are the page's
    own strings. Hidden and rr-ignore'd fields are typed into: their values are secrets."""
    out = masked(STRICT, typed("color", "ultramarine"), typed("agree", "newsletter-consent"),
                 typed("city", "Springfield"), typed("coupon", "QuokkaCoupon"),
                 typed("ignored", "ignored secret"),
                 console("ultramarine newsletter-consent Springfield QuokkaCoupon ignored secret"))
    assert "ultramarine newsletter-consent Springfield *** ***" in out
    assert "QuokkaCoupon" not in out and "ignored secret" not in out
    assert "quokka search" in masked(ALLOW, typed("search", "quokka search"),
                                     console("quokka search"))   # allowed: nothing to hide


def test_an_echo_before_the_typing_needs_the_whole_session_pass():
    events = session(console("prefilled: QuokkaCoupon", ms=5), typed("coupon", "QuokkaCoupon"),
                     console("applied QuokkaCoupon", ms=30))
    one = json.dumps(SessionMasker(parse_rules(DEFAULT)).mask(events))
    assert "prefilled: QuokkaCoupon" in one and "applied ***" in one   # in order: after only
    masker, both = mask_session(events, parse_rules(DEFAULT))
    assert "QuokkaCoupon" not in json.dumps(both) and "prefilled: ***" in json.dumps(both)
    assert masker.stats["events with typed values echoed masked (second pass)"] == 1


def test_live_batches_carry_the_values_in_the_sessions_masker():
    maskers = SessionMaskers(parse_rules(DEFAULT))
    first = session(typed("coupon", "QuokkaCoupon"))
    maskers.get("s1").mask(first)
    later = maskers.get("s1").mask([console("No coupon named QUOKKACOUPON", ms=100)])
    assert json.dumps(later).count("No coupon named ***") == 1
    # another session knows nothing of it
    other = maskers.get("s2").mask(session(console("No coupon named QUOKKACOUPON")))
    assert "QUOKKACOUPON" in json.dumps(other)


def test_the_values_are_not_in_the_maskers_stats():
    m = SessionMasker(parse_rules(DEFAULT))
    m.mask(session(typed("coupon", "QuokkaCoupon"), console("QuokkaCoupon")))
    assert m.stats["events with typed values echoed masked"] == 1
    assert "quokka" not in repr(dict(m.stats)).lower()


# --- the values on the way fade ---------------------------------------------------------------
def keystrokes(field: str, value: str, ms: int, step: int = 150) -> list[dict]:
    """`value` typed into `field` a character at a time from `ms` on, `step` ms apart."""
    return [typed(field, value[:i], ms + i * step) for i in range(1, len(value) + 1)]


def test_a_value_on_the_way_counts_while_the_typing_goes_on_then_fades():
    """Typing "checkout help" into the search box: a debounced search for "checkout" fires
    and shows its results while the person types on - masked; the checkout page's heading
    and address a minute later are the page's own words - shown; the phrase itself, wherever
    it shows, stays masked for the whole session."""
    typing = keystrokes("search", "checkout help", 1_000)
    end = typing[-1]["timestamp"] - T0
    out = json.loads(masked(DEFAULT, *typing[:8],                     # "checkout"
                            rum({"type": "resource", "resource": {
                                "url": "https://shop.example/api/search?q=checkout"}},
                                ms=1_000 + 8 * 150 + 300),
                            *typing[8:],
                            text("Results for checkout", ms=end + FADE_MS - 1_000),
                            rum({"type": "view", "view": {
                                "url": "https://shop.example/checkout.html"}}, ms=end + 60_000),
                            text("Checkout", ms=end + 60_000),
                            console("searched for checkout help", ms=end + 3_600_000)))
    shown = json.dumps(out)
    assert "q=***" in shown and "Results for ***" in shown
    assert "https://shop.example/checkout.html" in shown and '"Checkout"' in shown
    assert "checkout help" not in shown and "searched for ***" in shown


def test_what_a_field_ended_with_never_fades_nor_a_value_erased_back_to():
    """Erasing back from "SPRING10X" to "SPRING10": the field's value is the shorter one now,
    and an echo of it an hour later is still masked; so is "SPRING10X" (a value the field
    was cleared of counts), while the keystrokes on the way are gone."""
    typing = [*keystrokes("coupon", "SPRING10X", 1_000), typed("coupon", "SPRING10", 3_000)]
    later = 3_000 + 3_600_000
    out = json.dumps(json.loads(masked(DEFAULT, *typing,
                                       console("SPRING10 SPRING10X SPRING1", ms=later)))[-1])
    assert "*** *** SPRING1" in out


def test_a_value_another_field_holds_does_not_fade():
    """The same word typed on the way in one field and as the value of another."""
    out = json.dumps(json.loads(masked(
        DEFAULT, typed("coupon", "zebra", 500), *keystrokes("search", "zebras", 1_000),
        console("zebra zebr", ms=1_000 + 3_600_000)))[-1])
    assert "*** zebr" in out


def test_fading_follows_the_sessions_time_across_live_batches():
    maskers = SessionMaskers(parse_rules(DEFAULT))
    maskers.get("s1").mask(session(*keystrokes("search", "quokka search", 1_000)))
    soon = maskers.get("s1").mask([console("quokka quokka search", ms=5_000)])
    late = maskers.get("s1").mask([console("quokka quokka search", ms=5_000 + 2 * FADE_MS)])
    assert "*** ***" in json.dumps(soon) and "quokka ***" in json.dumps(late)


def test_values_given_whole_and_the_second_pass_do_not_fade():
    """Record mode's values (typed in the recording browser) have no keystrokes; the second
    pass over what came before the typing looks only for what each field ended with."""
    e = Echoes()
    e.add("quokka", None, T0)
    e.add("quokka search", None, T0 + 1)
    assert e.scrub_event({"timestamp": T0 + 10 * FADE_MS, "data": "quokka"})["data"] == "***"
    events = session(console("quokka and quokka search", ms=5),
                     *keystrokes("search", "quokka search", 1_000))
    masker, both = mask_session(events, parse_rules(DEFAULT))
    assert "quokka and ***" in json.dumps(both)


def test_a_value_erased_back_to_is_the_fields_when_it_moves_on():
    """"johnsmith1", corrected to "johnsmith" (submitted so), then the field given another
    name: "johnsmith" is a value the field was cleared of - masked for the whole session,
    and by the second pass too; the keystrokes that erased further fade."""
    typing = [*keystrokes("coupon", "johnsmith1", 1_000), typed("coupon", "johnsmith", 3_000),
              typed("coupon", "mary", 9_000)]
    later = 9_000 + 3_600_000
    out = json.dumps(json.loads(masked(DEFAULT, *typing,
                                       console("Welcome johnsmith", ms=later)))[-1])
    assert "Welcome ***" in out
    erasing = [*keystrokes("coupon", "johnsmith1", 1_000), typed("coupon", "johnsmith", 3_000),
               typed("coupon", "johnsmit", 3_100), typed("coupon", "johnsmi", 3_150),
               typed("coupon", "johnsm", 3_200)]
    out = json.dumps(json.loads(masked(DEFAULT, *erasing,
                                       console("johnsmith johnsm", ms=later)))[-1])
    assert "johnsmith ***" in out                      # erased on the way: faded
    e = Echoes()
    for k, v in enumerate(["john", "johns", "johnsm", "johnsmi", "johnsmit", "johnsmith",
                           "johnsmith1", "johnsmith"]):
        e.add(v, 5, T0 + k * 100)
    assert e.finals().scrub("Welcome johnsmith") == "Welcome ***"   # held now: a final


def test_a_new_pages_fields_are_new_though_their_node_ids_repeat():
    """rrweb and capture.js number a page's nodes from 1: the next page's search box may have
    the id the password had. What the password field ended with stays masked."""
    first = session(*keystrokes("coupon", "hunter22", 1_000), typed("coupon", "hunter2", 3_000))
    second = html_to_events(PAGE, href="https://shop.example/next", timestamp=T0 + 5_000)
    out = json.loads(json.dumps(SessionMasker(parse_rules(DEFAULT)).mask(
        first + second + keystrokes("coupon", "shoes", 6_000)
        + [console("your password hunter2 was changed", ms=6_000 + 3_600_000)])))
    assert "your password *** was changed" in json.dumps(out[-1])


def test_a_value_typed_again_after_it_faded_is_new_to_the_second_pass():
    """"zebracode", a keystroke of one field, faded; a page then showed it; another field
    ended with it: the second pass must look for it again - `added` moves."""
    e = Echoes()
    for k, v in enumerate(["zebr", "zebra", "zebrac", "zebraco", "zebracod", "zebracode",
                           "zebracode1"]):
        e.add(v, 1, T0 + k * 100)
    e.scrub_event({"timestamp": T0 + 2 * FADE_MS, "data": "x"})
    before = e.added
    for k, v in enumerate(["zebr", "zebra", "zebrac", "zebraco", "zebracod", "zebracode"]):
        e.add(v, 2, T0 + 3 * FADE_MS + k * 100)
    assert e.added == before + 1


def test_values_typed_in_the_recording_browser_are_noted_at_their_time():
    """Record mode: the events hold asterisks, the browser hands each keystroke's value with
    its field and time (`Typed`): noted as typed then - the page's own word before the typing
    stays, a debounced search's echo of a value on the way is masked, the value on the way
    fades after the typing, and what the field ended with is masked for good."""
    value = "checkout help"
    at = [1_000 + i * 150 for i in range(1, len(value) + 1)]
    typing = [Typed(value[:i], ID["search"], T0 + t) for i, t in enumerate(at, 1)]
    end = at[-1] + FADE_MS
    events = session(text("Checkout opens soon", ms=500),
                     *[typed("search", "*" * i, t) for i, t in enumerate(at, 1)],
                     console("searched checkout", ms=at[8] + 10),
                     text("Checkout", ms=end + 5_000), console("checkout help", ms=end + 6_000))
    m = masker_factory(parse_rules(DEFAULT), typing)()
    first = m.mask(events)
    out = m.echoes.finals().scrub_all(first)[0]
    shown = [json.dumps(e) for e in out[-5:]]
    assert "Checkout opens soon" in json.dumps(out[:3])
    assert "searched ***" in shown[-3] and '"Checkout"' in shown[-2] and '\\"***\\"' in shown[-1]


def test_record_modes_values_of_one_millisecond_keep_their_order_and_come_a_little_early():
    """A page that cuts a value as it is typed ("12345", then "1234", one millisecond): the
    field ends with "1234", masked for good - noted in the other order, it faded as a
    keystroke on the way. And a page's own listener may stamp its echo a millisecond before
    the recording browser's clock says the value was typed: noted a little early, it is
    masked."""
    e = Echoes()
    e.schedule([Typed("12345", 5, T0 + 100), Typed("1234", 5, T0 + 100)])
    e.feed(T0 + 100)   # as the masker does at each event
    later = T0 + 100 + 3 * FADE_MS
    e.feed(later)
    assert e.scrub_event({"timestamp": later, "data": "PIN 1234 accepted"})["data"] == \
        "PIN *** accepted"
    e = Echoes()
    e.schedule([Typed("lamps", 5, T0 + 1_000)])
    e.feed(T0 + 999)
    assert e.scrub_event({"timestamp": T0 + 999, "data": "Results for lamps"})["data"] == \
        "Results for ***"


def test_a_value_typed_again_is_not_new_to_the_second_pass():
    """`added` tells a one-pass caller that a batch typed a value whose echoes before it the
    second pass must look for: a value typed again - the field cleared and the same code
    typed key by key minutes later, its keystrokes long faded - is none (a streaming import
    went back over every segment of the real recording for it)."""
    e = Echoes()
    for k, v in enumerate(["spri", "sprin", "spring", "spring1", "spring10"]):
        e.add(v, 7, T0 + k * 100)
    first = e.added
    assert first >= 1
    e.scrub_event({"timestamp": T0 + 500_000, "data": "later"})   # the keystrokes fade
    assert len(e) == 1
    for k, v in enumerate(["spri", "sprin", "spring", "spring1", "spring10"]):
        e.add(v, 7, T0 + 600_000 + k * 100)
    assert e.added == first
    e.add("summer20", 7, T0 + 700_000)                  # a new value: the pass must run
    assert e.added == first + 1


# --- re-masking a stored session: two passes --------------------------------------------------
@pytest.fixture()
def stored_under_allow(tmp_path):
    """A session stored under `allow`: the typed values and their echoes in clear, one echo
    (the page's own "last coupon" hint) from before the typing."""
    store = Store.open(tmp_path / "data")
    (sid,) = store.ingest(session(console("last coupon: QuokkaCoupon", ms=5),
                                  typed("coupon", "QuokkaCoupon", ms=10),
                                  console("No coupon named QUOKKACOUPON", ms=20),
                                  typed("search", "quokka search", ms=25),
                                  text("Results for quokka search", ms=30)),
                          masker_factory=masker_factory(parse_rules(ALLOW)))
    yield store, sid
    store.close()


def _stored(store, sid) -> str:
    return json.dumps(list(store.session(sid).events()))


def test_remask_collects_then_masks_echoes_before_and_after_the_typing(stored_under_allow):
    store, sid = stored_under_allow
    assert _stored(store, sid).count("QuokkaCoupon") == 2          # the premise
    dry = dry_run(store.session(sid).events(), parse_rules(DEFAULT))
    # the console lines (one before the typing: the second pass), the text and its title
    assert dry.by_claim()[ECHOES] == {"other": 2, "text": 1, "attribute": 1}
    result = remask_session(store, sid, parse_rules(DEFAULT))
    assert result.changed
    after = _stored(store, sid)
    assert "quokka" not in after.lower()
    for echo in ("last coupon: ***", "No coupon named ***", "Results for ***"):
        assert echo in after, echo


def test_a_dry_run_read_again_counts_the_same_and_holds_no_event(stored_under_allow):
    """`dry_run(..., again=reader.events)` reads the session a second time for the echoes
    pass instead of holding every event the first pass kept (the 4-hour session's dry run
    peaked at 1.67 GB): the same counts; when the second read starts, no event of the first
    is referenced by the dry run; with no value learnt there is no second read."""
    import sys

    store, sid = stored_under_allow
    held = dry_run(store.session(sid).events(), parse_rules(DEFAULT))
    first = list(store.session(sid).events())
    refs = []

    def again():
        refs.extend(sys.getrefcount(e) for e in first)
        return store.session(sid).events()
    r = dry_run(iter(first), parse_rules(DEFAULT), again=again)
    assert r.by_claim() == held.by_claim() and r.events_changed == held.events_changed
    assert r.events == held.events == len(first) and len(refs) == len(first)
    alone = [sys.getrefcount(e) for e in first]   # held by `first` only (and the count)
    assert refs[:-1] == alone[:-1]   # (the last is still the dry run's loop variable)
    refs.clear()
    kept = dry_run(iter(first), parse_rules(DEFAULT), again=None)   # held, as before
    assert kept.by_claim() == held.by_claim()
    nothing = dry_run(iter(first), parse_rules('version = 1\ndefault = "allow"\n'),
                      again=lambda: refs.append("read") or iter(first))
    assert refs == [] and nothing.events_changed == 0   # no value learnt: no second read


# --- names are not echoes ------------------------------------------------------------------
TABLE_PAGE = """<!DOCTYPE html><html><head></head><body>
<input id="q" type="search">
<table class="data position"><tr class="row"><td class="cell" title="position">Position</td></tr></table>
<p id="said">Nothing yet</p>
</body></html>"""
TABLE_ID = ids_by_html_id(html_to_events(TABLE_PAGE))


def _shape(x):
    """The keys of every dict in `x`, tag names, doctype names and types: what is a name in it."""
    if isinstance(x, dict):
        return {k: (v if k in ("tagName", "type", "name") else _shape(v)) for k, v in x.items()}
    if isinstance(x, list):
        return [_shape(v) for v in x]
    return None


@pytest.mark.parametrize("word", ["data", "position", "table", "class", "attributes", "search",
                                  "html"])
def test_a_search_for_a_word_the_format_or_the_markup_uses_masks_the_pages_text_only(word):
    """A search typed into a masked box (the default masks every input) for "data" made every
    later event's `data` key `***` (the events no longer said anything), "position" every
    mouse path's `positions`, "table" every table's tag, "search" every search box's type. The
    page's own text and a custom event's payload, which are the page's data, still lose it."""
    events = html_to_events(TABLE_PAGE, href="https://shop.example/", timestamp=T0) + [
        {"type": 3, "timestamp": T0 + 10, "data": {"source": 5, "id": TABLE_ID["q"],
                                                    "text": word, "isChecked": False}},
        {"type": 3, "timestamp": T0 + 20, "data": {"source": 1, "positions": [
            {"x": 5, "y": 6, "id": TABLE_ID["q"], "timeOffset": 0}]}},
        {"type": 3, "timestamp": T0 + 30, "data": {"source": 0, "texts": [
            {"id": TABLE_ID["said"] + 1, "value": f"Results for {word}"}], "attributes": [
            {"id": TABLE_ID["said"], "attributes": {"class": word, "title": word}}],
            "removes": [], "adds": [{"parentId": TABLE_ID["said"], "nextId": None, "node": {
                "type": 2, "tagName": word, "attributes": {"class": word, word: "1"},
                "childNodes": [], "id": 900}}]}},
        {"type": 5, "timestamp": T0 + 40, "data": {"tag": "search", "payload": {word: 1}}},
    ]
    for out in (SessionMasker(parse_rules(DEFAULT)).mask(events),   # one pass, as live
                mask_session(events, parse_rules(DEFAULT))[1]):     # both passes, as imports
        assert len(out) == len(events)
        assert _shape(out[:-1]) == _shape(events[:-1])   # every name as it was
        assert invalid_events(out) == {}
        said = json.dumps(out[-2])
        assert f"Results for {word}" not in said and "Results for ***" in said
        assert '"title": "***"' in said
        assert out[-1]["data"]["payload"] == {"***": 1}


def test_capture_js_holds_the_same_names_and_css_data():
    """The names echo masking leaves alone, and where CSS holds data, are one list in each
    implementation: capture.js's must be the recorder's."""
    from pathlib import Path
    import re

    from recorder.privacy.echoes import CSS_DATA
    from recorder.privacy.strings import KIND_FIELDS, KIND_VALUES, NAME_ATTRS, RUM_PAGE_DATA
    capture = (Path(__file__).resolve().parents[2] / "assets" / "capture" / "capture.js").read_text()

    def keys(var: str) -> set[str]:
        listed = re.search(r"var %s = \{([^}]*)\}" % var, capture).group(1)
        return {a or b for a, b in re.findall(r'"([^"]+)": 1|(\w+): 1', listed)}
    assert keys("NAME_ATTRS") == NAME_ATTRS
    assert keys("KIND_FIELDS") == KIND_FIELDS
    assert keys("KIND_VALUES") == KIND_VALUES
    assert keys("RUM_PAGE_DATA") == RUM_PAGE_DATA
    css = re.search(r"var CSS_DATA = /(.*)/gi;", capture).group(1)
    sample = ("""/* don't */ @media screen { a::after { content: "x \\" y"; b: url( /i.png ) } }"""
              """ .c { d: url("/(a)/b.png"); e: 'cut off""")
    # the comment, the string, the url()s (a quoted one whole), the selector, the string cut off
    assert CSS_DATA.findall(sample) == ["/* don't */", '"x \\" y"', "url( /i.png )",
                                        ".c", 'url("/(a)/b.png")', "'cut off"]
    assert re.findall(css.replace(r"[\s\S]", "."), sample, re.I | re.S) == CSS_DATA.findall(sample)


def test_css_is_searched_in_its_strings_urls_and_comments_read_whole():
    """A quoted url() holding a `)` and a comment holding an apostrophe once threw the search
    off (the rest of the URL, and a later string, were not searched)."""
    e = Echoes()
    for i, v in enumerate(("diabetes", "Jane Appleseed", "screen")):
        e.add(v, i, 0)
    assert e.scrub_css('a { b: url("/tags/(all)/diabetes.png") }') == 'a { b: url("/tags/(all)/***.png") }'
    assert e.scrub_css('.h{b:url("/img/Lake_(Tahoe).jpg")} .b::after{content:"Hi Jane Appleseed"}') \
        == '.h{b:url("/img/Lake_(Tahoe).jpg")} .b::after{content:"Hi ***"}'
    assert e.scrub_css("/* don't */ .b::after{content:'Jane Appleseed'} /* diabetes */") \
        == "/* don't */ .b::after{content:'***'} /* *** */"
    assert e.scrub_css("@media screen { .a { b: url(/q/diabetes.png) } } .c::after{content:'Jane Appleseed") \
        == "@media screen { .a { b: url(/q/***.png) } } .c::after{content:'***"
    # class and id selectors are names a class or id attribute loses an echo from too
    assert e.scrub_css(".tag-diabetes, #screen, .screen-reader { display: block }") \
        == ".tag-***, #***, .***-reader { display: block }"


def test_a_kind_field_is_a_name_only_when_it_holds_a_kinds_word():
    """A RUM error's `type` is the thrown object's name: a page that rejects with what its
    server answered ({name: <the name typed>}) puts a typed value there. Only a kind's own
    word ("error", "TypeError") is left as it is."""
    out = masked(DEFAULT, typed("search", "Jane Appleseed"), typed("coupon", "error", ms=12),
                 typed("ignored", "desktop", ms=14),
                 rum({"type": "error", "error": {"message": "Unhandled promise rejection: x",
                                                 "source": "source", "type": "Jane Appleseed"}}),
                 rum({"type": "error", "error": {"message": "an error", "source": "console",
                                                 "type": "error"}}, ms=31),
                 rum({"type": "view", "view": {"name": "desktop view"},
                      "device": {"type": "desktop"}}, ms=32))
    assert "Jane Appleseed" not in out and '"type": "***"' in out
    assert '"type": "error"' in out and '"message": "an ***"' in out
    assert '"device": {"type": "desktop"}' in out and '"name": "*** view"' in out


def test_css_that_ends_in_a_lone_backslash_is_searched_in_linear_time():
    """A string cut off by a lone backslash at the end: every quote before it was read to the
    end again (a 16 KB stylesheet took over a second, a megabyte hours), and its echo was left."""
    import time
    e = Echoes()
    e.add("GIFT-1234-5678", 1, 0)
    assert e.scrub_css('a{content:"GIFT-1234-5678\\\\') == 'a{content:"***\\\\'
    css = '"\\\\' * 200_000 + "\\\\"   # 600 KB of quotes and escaped quotes, then the lone one
    t0 = time.process_time()
    assert len(CSS_DATA.findall(css)) >= 1
    assert time.process_time() - t0 < 5   # quadratic: hours; linear: milliseconds


def test_a_plugin_payloads_keys_that_are_the_pages_data_lose_an_echo_its_field_names_not():
    """A value typed into a masked field that the page then uses as a key - Datadog's custom
    attributes (RUM `context`, nested too), its feature flags, any key of a plugin the format
    does not know - is masked there as in a custom event's payload (they were stored in clear,
    the values beside them masked); a RUM field's own name is the plugin's, never an echo."""
    value = "Vortigaunt-5523"
    got = json.loads(masked(DEFAULT, typed("coupon", value),
                            rum({"type": "action", "context": {"query": value, value: True,
                                                               "nested": {value: [1]}},
                                 "feature_flags": {value: "on"}, "view": {"id": "v1"}}),
                            {"type": 6, "timestamp": T0 + 50, "data": {
                                "plugin": "acme/thing@1", "payload": {"k": 1, value: [2]}}}))
    rum_payload, own = got[-2]["data"]["payload"], got[-1]["data"]["payload"]
    assert value not in json.dumps(got[-2:])
    assert rum_payload["context"] == {"query": "***", "***": True, "nested": {"***": [1]}}
    assert rum_payload["feature_flags"] == {"***": "on"} and rum_payload["view"] == {"id": "v1"}
    assert own == {"k": 1, "***": [2]}
    # a field named as the search: the plugin's name for it stays
    named = json.loads(masked(DEFAULT, typed("coupon", "context"),
                              rum({"type": "action", "context": {"a": 1}})))
    assert named[-1]["data"]["payload"]["context"] == {"a": 1}


def test_what_each_field_ended_with_is_what_a_later_recording_is_given():
    """Record mode keeps, for the page's next recordings, what each field ended with - its last
    value, never a keystroke's on the way (each would be masked everywhere: "Hort" in
    "Hortensia", "Short") - and each value typed with no field known; values too short to be
    looked for are left out."""
    from recorder.privacy.echoes import Typed, ended_with
    typed = [Typed("Hort", 7, 1.0), Typed("Hortensia", 7, 2.0), Typed("SPRING10", None, 3.0),
             Typed("abc", 9, 4.0), Typed("  Blumenkohl ", 8, 5.0), Typed("Hortensia B", 7, 6.0)]
    assert ended_with(typed) == ["SPRING10", "Blumenkohl", "Hortensia B"]
    assert ended_with([]) == []
    # a field not known (a hidden one's, a closed shadow root's): its keystrokes one by one are
    # one value typed on (each kept masked "Blumen und Blumentopf" in later recordings)
    loose = [Typed(v, None, i) for i, v in enumerate(["B", "Bl", "Blum", "Blumenkohl", "test"])]
    assert ended_with(loose) == ["Blumenkohl", "test"]


def test_short_values_and_choices_are_masked_as_a_url_parameters_whole_value():
    """A privacy officer's tryout: a 3-letter search typed into a masked box and a masked
    select's choice reached disk in the page's request URLs (`?term=vxq`, `country=NZ`):
    echoes are looked for from MIN_LEN characters, a choice's value not at all. A masked
    field's value of 2 to MIN_LEN - 1 characters, and a masked choice's (a select's, a
    checked box's), are masked where a URL parameter's whole value is one, decoded as a form
    sends it, any case - in the console's lines and the RUM plugin's URLs alike; not in the
    page's text ("Results for tv"), not inside a longer value; an allowed field's not at all.
    capture.js masks the same (tests/app/test_capture_privacy.py)."""
    url = "/api/search?q=TV&city=springfield&term=tvs&ok=newsletter-consent&c=blue#tab=tv"
    out = json.loads(masked(DEFAULT, typed("search", "tv", 10), typed("city", "Springfield", 11),
                            {**typed("agree", "newsletter-consent", 12),
                             "data": {**typed("agree", "newsletter-consent", 12)["data"],
                                      "isChecked": True}},
                            typed("color", "blue", 13),
                            console(url, "Results for tv", ms=20),
                            rum({"type": "resource", "resource": {"url": "https://shop.example"
                                 + url, "method": "GET"}}, ms=30)))
    said = json.dumps(out)
    want = "/api/search?q=***&city=***&term=tvs&ok=***&c=blue#tab=***"
    assert json.dumps(want)[1:-1] in said and said.count("q=***&city=***") == 2, said
    assert "Results for tv" in said
    # noted as the pass reaches it: a URL sent before the value was typed is not masked
    before = json.loads(masked(DEFAULT, console("/s?q=tv", ms=5), typed("search", "tv", 10)))
    assert "/s?q=tv" in json.dumps(before)
    # an unchecked radio or box names nothing chosen; one value alone is no parameter's
    e = Echoes()
    e.add_param("x")
    e.add_param("***")
    assert not e and e.scrub("?a=x&b=***") == "?a=x&b=***"


def test_the_dry_run_counts_what_the_pass_masks_of_a_url_before_the_value():
    """A reviewer's find: the dry run's second pass looked for every value the pass had noted
    - a URL parameter's short value too, which the pass masks only after it was chosen - and
    counted a change the pass never makes. It looks for what the second pass does
    (`finals`): a URL sent before "tv" was typed is no change of either."""
    events = session(console("/s?q=tv", ms=5), typed("search", "tv", 10))
    rules = parse_rules(DEFAULT)
    _, kept = mask_session(events, rules)
    assert "/s?q=tv" in json.dumps(kept)
    assert dry_run(events, rules).changes.get((ECHOES, Kind.OTHER), 0) == 0


CARD = "4242 4242 4242 4242"   # (Luhn-valid: the card detector's)


@pytest.mark.parametrize("typed_chars", [5, 12, 14, 17, 18])
def test_a_finding_an_echo_masked_part_of_is_masked_whole(typed_chars):
    """A card number's first digits typed into a masked field, then the whole number shown
    by the page: the echo of what was typed masked its start and left "validating card
    ***42" - and the detector pass, after it, found no card number in what was left (a
    support engineer's tryout, in a console line and a RUM error). The finding the echo cut
    into is masked whole with it; one it did not touch is the detector pass's, as ever."""
    events = [typed("search", CARD[:n], ms=10 + n) for n in range(4, typed_chars + 1)]
    events += [console(f"validating card {CARD} for user", ms=100),
               console("other card 5105 1051 0510 5100", ms=110),
               rum({"type": "error", "error": {"message": f"Card {CARD} declined"}}, ms=120),
               text(f"Paid with {CARD}", ms=130)]
    for form in (masked('', *events),   # the default rules: every detector
                 json.dumps(mask_session(session(*events), parse_rules(''))[1])):
        assert "validating card *** for user" in form
        assert "other card xxxx xxxx xxxx xxxx" in form
        assert "Card *** declined" in form and "Paid with ***" in form
        assert "4242" not in form and "***42" not in form and "***2" not in form


def test_a_finding_is_widened_only_over_the_echoes_that_touch_it():
    e = Echoes()
    e.add("Aurelio")
    e.add(CARD[:9])
    assert e.scrub(f"Aurelio paid {CARD} as Aurelio") == "*** paid *** as ***"
    assert e.scrub("Aurelio wrote jane@example.com") == "*** wrote jane@example.com"
    e.add("jane@exa")   # (a prefix of an address: the detector pass finds none left)
    assert e.scrub("Aurelio wrote jane@example.com!") == "*** wrote ***!"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab 4x-", max_size=40),
       st.lists(st.sampled_from(["a", "ab", "b a", "x+", "4 4", r"\*\*\*b", r"\*\*\* ?x",
                                 "-4"]), max_size=6))
def test_where_each_mask_stands_in_the_string_as_it_came(text, patterns):
    """The echo pass's substitutions, one after another (a value's expression, then the
    rests after a mask), noted as spans of the string as it came: masking those spans of it
    gives what the substitutions gave - a mask a later match takes in is one with it."""
    import re

    from recorder.privacy.echoes import _Masks
    from recorder.privacy.masking import MASK
    masks, now = _Masks(), text
    for pattern in patterns:
        now = masks.sub(re.compile(pattern), now)
    out, at = [], 0
    for a, b in masks.spans:
        assert at <= a <= b <= len(text)
        out += [text[at:a], MASK]
        at = b
    assert "".join(out) + text[at:] == now


def test_widening_masks_no_less_than_the_detector_pass_did():
    """A reviewer's: a finding that swallowed its neighbour (an address glued to a phone
    number) masked whole, what was left of the number was too short for the detector pass,
    which had masked it after the old echo's mask. A finding of what the echo left that a
    widened mask would cut into is taken in too."""
    from recorder.privacy import detectors
    e = Echoes()
    e.add("jane.doe@example.com")
    for line in ("Jane Doe 020 7946 0958jane.doe@example.com",
                 "(415) 555-0100jane.doe@example.com"):
        out = detectors.mask(e.scrub(line))
        assert not any(d in out for d in ("7946", "0958", "555", "0100", "jane")), out
    e = Echoes()
    e.add("4111")   # (the same value shown again elsewhere is no reason to leave this one)
    out = detectors.mask(e.scrub("pay 4111 1111 1111 1111 card4111 1111 1111 1111"))
    assert "1111" not in out, out
