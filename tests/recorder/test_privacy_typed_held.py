"""What a person types or a field holds is masked under the default rules wherever it is
stored, whichever recorder made the file:

1. text typed into a `contenteditable` element as rrweb's recorder (PostHog, Sentry) records
   it - text changes and added nodes under the editable element, not input events - is
   masked as an input value is (`***`), in the snapshot and after, and learnt as typed, so
   the page's echoes of it go too;
2. a value a masked field holds that was never typed - its initial `value` attribute, a
   hidden input's, one a script sets through the attribute (a password's too) - is learnt
   as typed values are, so where the page repeats it is masked;
3. the live intake's batch `context` is masked with the session's typed values, as its
   events are.

Checked as the privacy officer would: the recording imported (or sent live) under the
built-in default rules, then every byte of the data folder (segments decompressed, the
SQLite index and its journal) searched for the planted values."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from recorder.intake.apps import Applications
from recorder.intake.live import LiveIntake
from recorder.intake.wire import Batch
from recorder.privacy import masker_factory, parse_rules
from recorder.privacy.masker import SessionMasker, mask_session
from recorder.privacy.preview import html_to_events
from recorder.privacy.rules import Rules
from recorder.store import Store
from replay_tools.stored import hits, stored_bytes
from tests.app.test_privacy_leaks import ids_by_html_id

T0 = 1_700_000_000_000
CONSOLE = "rrweb/console@1"


def mutation(ms: int, texts=(), adds=(), attributes=()) -> dict:
    return {"type": 3, "timestamp": T0 + ms, "data": {
        "source": 0, "texts": list(texts), "attributes": list(attributes), "removes": [],
        "adds": list(adds)}}


def console(msg: str, ms: int) -> dict:
    return {"type": 6, "timestamp": T0 + ms, "data": {"plugin": CONSOLE, "payload": {
        "level": "log", "payload": [json.dumps(msg)], "trace": []}}}


def typed(nid: int, text: str, ms: int) -> dict:
    return {"type": 3, "timestamp": T0 + ms, "data": {"source": 5, "id": nid, "text": text,
                                                       "isChecked": False}}


def imported(root: Path, events: list[dict], rules: Rules | None = None) -> dict[str, bytes]:
    """The recording imported under `rules` (None: the built-in default), and every byte
    the data folder then holds."""
    with Store.open(root) as s:
        s.ingest(events, masker_factory=masker_factory(rules))
    return stored_bytes(root)


def stored_json(root: Path) -> str:
    with Store.open(root) as s:
        return json.dumps([list(s.session(i.id).events()) for i in s.sessions()])


# --- 1. contenteditable, as rrweb's recorder records it ----------------------------------
EDITOR = """<!DOCTYPE html><html><head></head><body>
<h1>Write a review</h1>
<div id="editor" contenteditable="true"><p id="p1">Velvet Marmot sings</p></div>
<div id="bare" contenteditable><span id="chip" contenteditable="false">Product chip label</span><i id="inner">Lapis Cormorant</i></div>
<div id="off" contenteditable="false"><b id="offb">Plain page words</b></div>
<p id="preview">Preview here</p>
</body></html>"""
CE_SECRETS = {
    "snapshot text": ["Velvet Marmot sings", "Velvet Marmot"],
    "bare attribute": ["Lapis Cormorant"],
    "typed (text change)": ["Zanzibar Quillfeather"],
    "typed (new paragraph)": ["Ochre Pelican Fandango"],
}


def editor_session() -> list[dict]:
    events = html_to_events(EDITOR, href="https://shop.example/review", timestamp=T0)
    ids = ids_by_html_id(events)
    p1_text, preview_text = ids["p1"] + 1, ids["preview"] + 1
    events += [
        # typing changes the paragraph's text node (rrweb: a character-data mutation)
        mutation(10, texts=[{"id": p1_text, "value": "Zanzibar"}]),
        mutation(11, texts=[{"id": p1_text, "value": "Zanzibar Quill"}]),
        mutation(12, texts=[{"id": p1_text, "value": "Zanzibar Quillfeather"}]),
        # Enter: a new paragraph, then typing in it
        mutation(20, adds=[{"parentId": ids["editor"], "nextId": None, "node": {
            "type": 2, "id": 900, "tagName": "p", "attributes": {}, "childNodes": [
                {"type": 3, "id": 901, "textContent": "Ochre Pelican Fandango"}]}}]),
        # the page echoes what was typed: its preview, a console line
        mutation(30, texts=[{"id": preview_text, "value": "You wrote: Zanzibar Quillfeather"}]),
        console("draft saved: Ochre Pelican Fandango / Lapis Cormorant", 31),
    ]
    return events


def test_contenteditable_text_recorded_as_rrweb_records_it_is_masked_and_its_echoes_too(tmp_path):
    blobs = imported(tmp_path / "data", editor_session())
    assert hits(blobs, CE_SECRETS) == []
    text = stored_json(tmp_path / "data")
    # page text stays: outside the editor, and inside it where contenteditable="false" says
    # the content is not editable
    for kept in ("Write a review", "Product chip label", "Plain page words", "You wrote: ***"):
        assert kept in text, kept


def test_contenteditable_text_is_kept_under_allow():
    rules = parse_rules('default = "allow"\ndetectors = []')
    text = json.dumps(SessionMasker(rules).mask(editor_session()))
    assert "Zanzibar Quillfeather" in text and "Velvet Marmot sings" in text


def test_contenteditable_text_under_mask_is_masked_as_an_input_value():
    rules = parse_rules('default = "mask"\ndetectors = []')
    out = SessionMasker(rules).mask(editor_session())
    text = json.dumps(out)
    assert "Zanzibar" not in text and "Velvet" not in text and "Ochre" not in text
    assert '"textContent": "***"' in text   # as a masked field's value, not x-ed page text


def test_contenteditable_added_later_makes_later_typing_input():
    """An element made editable by a script (its attribute changed): its text changes from
    then on are input."""
    events = html_to_events(EDITOR, href="https://shop.example/review", timestamp=T0)
    ids = ids_by_html_id(events)
    events += [mutation(5, attributes=[{"id": ids["preview"], "attributes": {
                   "contenteditable": "plaintext-only"}}]),
               mutation(6, texts=[{"id": ids["preview"] + 1, "value": "Cobalt Wagtail Overture"}]),
               console("saved Cobalt Wagtail Overture", 7)]
    text = json.dumps(mask_session(events)[1])
    assert "Cobalt" not in text


def test_an_element_turned_back_to_not_editable_shows_page_text_again():
    events = html_to_events(EDITOR, href="https://shop.example/review", timestamp=T0)
    ids = ids_by_html_id(events)
    events += [mutation(5, attributes=[{"id": ids["editor"], "attributes": {
                   "contenteditable": "false"}}]),
               mutation(6, texts=[{"id": ids["p1"] + 1, "value": "Published review text"}])]
    text = json.dumps(SessionMasker(Rules.default()).mask(events))
    assert "Published review text" in text


# --- 2. values a masked field holds without being typed ----------------------------------
FORM = """<!DOCTYPE html><html><head></head><body>
<form>
<input id="name" type="text" value="Prefill Obsidian-Heron">
<input id="csrf" type="hidden" value="csrf-9f3Kq7Ultramarine">
<input id="promo" type="text">
<input id="pw" type="password">
<input id="go" type="submit" value="Pay now please">
<input id="agree" type="checkbox" value="newsletter-consent">
</form>
<p id="out">Nothing yet</p><p id="out2">Nothing</p>
</body></html>"""
HELD = {
    "initial value": ["Prefill Obsidian-Heron", "Obsidian-Heron"],
    "hidden value": ["csrf-9f3Kq7Ultramarine", "9f3Kq7Ultramarine"],
    "script-set value": ["PROMO-Saffron77"],
    "password set after typing": ["Tr0ub4dor9!x", "9!x"],
}


def held_session() -> list[dict]:
    events = html_to_events(FORM, href="https://shop.example/account", timestamp=T0)
    ids = ids_by_html_id(events)
    out, out2 = ids["out"] + 1, ids["out2"] + 1
    events += [
        mutation(5, texts=[{"id": out, "value": "Hello Prefill Obsidian-Heron"}]),
        console("posting with token csrf-9f3Kq7Ultramarine", 6),
        # a script fills the promo field through its value attribute, then shows it
        mutation(10, attributes=[{"id": ids["promo"], "attributes": {"value": "PROMO-Saffron77"}}]),
        mutation(11, texts=[{"id": out2, "value": "Applied PROMO-Saffron77"}]),
    ]
    # the password typed key by key, then a script appends to it through the attribute
    pw = "Tr0ub4dor"
    for n in range(1, len(pw) + 1):
        events.append(typed(ids["pw"], pw[:n], 20 + n))
    events += [
        mutation(40, attributes=[{"id": ids["pw"], "attributes": {"value": pw + "9!x"}}]),
        mutation(41, texts=[{"id": out, "value": f"Your new password is {pw}9!x"}]),
        console("clicked: Pay now please / newsletter-consent", 50),
    ]
    return events


def test_values_fields_hold_without_typing_are_masked_where_the_page_repeats_them(tmp_path):
    blobs = imported(tmp_path / "data", held_session())
    assert hits(blobs, HELD) == []
    text = stored_json(tmp_path / "data")
    assert "Your new password is ***" in text and "Applied ***" in text
    # a button's label and a checkbox's value are the page's own strings: not learnt
    assert "clicked: Pay now please / newsletter-consent" in text


def test_an_echo_of_a_held_value_shown_before_the_field_is_masked_by_the_import(tmp_path):
    """The page shows the prefilled value in a snapshot before the field appears (added
    later): the import's second pass masks it there too."""
    events = html_to_events(FORM.replace('<input id="name" type="text" value="Prefill Obsidian-Heron">', ""),
                            href="https://shop.example/account", timestamp=T0)
    ids = ids_by_html_id(events)
    events += [mutation(3, texts=[{"id": ids["out"] + 1, "value": "Welcome Prefill Obsidian-Heron"}]),
               mutation(8, adds=[{"parentId": ids["out2"], "nextId": None, "node": {
                   "type": 2, "id": 950, "tagName": "input",
                   "attributes": {"type": "text", "value": "Prefill Obsidian-Heron"},
                   "childNodes": []}}])]
    blobs = imported(tmp_path / "data", events)
    assert hits(blobs, {"initial value": HELD["initial value"]}) == []


@pytest.mark.parametrize("later", [False, True], ids=["in-the-snapshot", "added-later"])
def test_a_value_a_field_beneath_a_hidden_element_holds_is_masked_where_the_page_shows_it(
        tmp_path, later):
    """Nothing beneath a hidden element is recorded - and its fields' values were not
    learnt either, so the page's "Hello <prefilled name>" stayed in clear while a visible
    field's was masked (a review; capture.js learnt them)."""
    hidden = '<div class="replay-privacy-hidden"><input id="name" type="text"' \
             ' value="Prefill Obsidian-Heron"><textarea>Marrow Quillfeather</textarea></div>'
    html = f"""<!DOCTYPE html><html><head></head><body><div id="box">{'' if later else hidden}</div>
<p id="out">Nothing yet</p></body></html>"""
    events = html_to_events(html, href="https://shop.example/", timestamp=T0)
    ids = ids_by_html_id(events)
    if later:   # the form comes in as an added subtree, under a hidden parent
        events.append(mutation(2, adds=[{"parentId": ids["box"], "nextId": None, "node": {
            "type": 2, "id": 900, "tagName": "div",
            "attributes": {"class": "replay-privacy-hidden"}, "childNodes": [
                {"type": 2, "id": 901, "tagName": "input",
                 "attributes": {"type": "text", "value": "Prefill Obsidian-Heron"},
                 "childNodes": []},
                {"type": 2, "id": 902, "tagName": "textarea", "attributes": {}, "childNodes": [
                    {"type": 3, "id": 903, "textContent": "Marrow Quillfeather"}]}]}}]))
    events.append(mutation(5, texts=[{"id": ids["out"] + 1, "value":
                                      "Hello Prefill Obsidian-Heron, Marrow Quillfeather"}]))
    blobs = imported(tmp_path / "data", events)
    assert hits(blobs, {"held": ["Obsidian-Heron"], "text": ["Quillfeather"]}) == []
    assert "Hello ***, ***" in stored_json(tmp_path / "data")


def test_held_values_are_not_learnt_where_the_field_is_not_masked():
    rules = parse_rules('default = "allow"\ndetectors = []')
    text = json.dumps(mask_session(held_session(), rules)[1])
    assert "Hello Prefill Obsidian-Heron" in text and "Applied PROMO-Saffron77" in text
    # ... but a password and a hidden input are masked at every level, so their values are
    assert "csrf-9f3Kq7Ultramarine" not in text and "9!x" not in text


# --- 3. the live intake's context --------------------------------------------------------
PASSWORD = "Wombat-Crescendo-88"
LOGIN = """<!DOCTYPE html><html><head></head><body>
<input id="pw" type="password"><p id="msg">Sign in</p></body></html>"""


def _login_events(t0: int) -> tuple[list[dict], dict[str, int]]:
    events = html_to_events(LOGIN, href="https://shop.example/login", timestamp=t0)
    return events, ids_by_html_id(events)


def _intake(tmp_path) -> tuple[Path, Applications, object, LiveIntake]:
    data = tmp_path / "data"
    data.mkdir()
    apps = Applications(data)
    app, _token = apps.create("shop")
    return data, apps, app, LiveIntake(Store.open(data), Rules.default())


def test_the_intake_masks_a_batch_context_holding_what_was_typed_in_that_batch(tmp_path):
    data, apps, app, intake = _intake(tmp_path)
    t0 = int(time.time() * 1000) - 30_000
    events, ids = _login_events(t0)
    for n in range(1, len(PASSWORD) + 1):
        events.append({"type": 3, "timestamp": t0 + n, "data": {
            "source": 5, "id": ids["pw"], "text": PASSWORD[:n], "isChecked": False}})
    intake.accept(app, Batch(session_id="visit-ctx", events=events,
                             context={"last_form": {"password": PASSWORD},
                                      f"note {PASSWORD}": "kept key"}))
    apps.close()
    blobs = stored_bytes(data)
    assert hits(blobs, {"password": [PASSWORD, "Wombat-Crescendo"]}) == []
    with Store.open(data) as s:
        ctx = s.index.session("visit-ctx").context
    assert ctx["last_form"] == {"password": "***"} and "note ***" in ctx


def test_a_context_holding_what_is_typed_in_a_later_batch_is_masked_at_compaction(tmp_path):
    data, apps, app, intake = _intake(tmp_path)
    t0 = int(time.time() * 1000) - 3_600_000
    events, ids = _login_events(t0)
    intake.accept(app, Batch(session_id="visit-late", events=events,
                             context={"saved": f"remembered {PASSWORD}"}))
    intake.accept(app, Batch(session_id="visit-late", events=[
        {"type": 3, "timestamp": t0 + 100, "data": {
            "source": 5, "id": ids["pw"], "text": PASSWORD, "isChecked": False}}]))
    assert intake.compact_idle() == ["visit-late"]
    apps.close()
    blobs = stored_bytes(data)
    assert hits(blobs, {"password": [PASSWORD, "Wombat-Crescendo"]}) == []



def test_a_dry_run_names_the_level_not_the_echo_for_editable_text():
    """`mask --dry-run` from `allow` to the default: the editor's text is masked by its level
    (input now), not counted as an echo of a typed value."""
    from recorder.privacy.dryrun import ECHOES, Kind, dry_run
    stored = SessionMasker(parse_rules('default = "allow"\ndetectors = []')).mask(editor_session())
    report = dry_run(stored, parse_rules("detectors = []"))
    texts = {claim: n for (claim, kind), n in report.changes.items() if kind == Kind.TEXT}
    # the editor's six texts (two in the snapshot, three keystrokes, a new paragraph) by the
    # level; the preview repeating what was typed, an echo
    assert texts == {"default level mask-user-input": 6, ECHOES: 1}
