"""The privacy workspace, offscreen with pytest-qt and real QtWebEngine: the preview masks
what a rule targets and not what it does not; selectors are checked as they are typed;
saving and reloading round-trips the rules file and its change log; a recording file is
shown unmasked only on request and never written; dry run, apply and audit on a real store."""
from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
from dataclasses import replace

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (QApplication, QMessageBox, QPushButton, QStyle,
                               QStyleOptionComboBox)

from app.ids import short_id
from app.privacy_workspace import PrivacyWorkspace
from app.cli import main as cli
from app.privacy_workspace.model import MARK, build_preview, read_subject
from app.privacy_workspace.widget import NO_REVISIONS
from recorder.thumbnail_cache import thumbnail_path
from player.frame import build_frame
from player.qt.standalone import dispose
from recorder.privacy import DETECTORS, Level, Rule, Rules, masker_factory, parse_rules
from recorder.mirror import Mirror
from recorder.privacy.history import HISTORY_DIR, read_history
from recorder.privacy.preview import html_to_events
from recorder.store import Store
from replay_tools.privacy_demo import TYPED, account_recording

# what a side's page shows: text of parts of the page, the holder field, and what is outlined
PAGE_STATE = """(function(){
  function t(sel){var e=document.querySelector(sel);return e?e.textContent:null;}
  return {address: t('.address'), who: t('.who'), orders: t('.orders'),
          holder: document.getElementById('holder').value,
          marked: Array.prototype.map.call(document.querySelectorAll('[%s]'),
                    function(e){return e.className||e.id||e.localName;}),
          outline: getComputedStyle(document.querySelector('.address')).outlineStyle};
})()""" % MARK


def store_with(data, rules: Rules | None = None) -> str:
    with Store.open(data) as st:
        return st.ingest(account_recording(), masker_factory=masker_factory(rules or Rules.default()),
                         user={"id": "u1"})[0]


def stored_text(data) -> str:
    with Store.open(data) as st:
        return json.dumps([list(st.session(s.id).events()) for s in st.sessions()])


def every_byte(folder) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.fixture
def workspace(qtbot, tmp_path):
    made = []

    def make(data):
        w = PrivacyWorkspace(data)
        w.resize(1440, 900)
        w.show()
        made.append(w)
        return w
    yield make
    for w in made:
        dispose(w)


def applied(qtbot, w, job) -> None:
    """Apply's re-mask (a thread) done, and what the page does at its end done too."""
    assert job is not None and w.remask_job is job
    qtbot.waitUntil(lambda: w.remask_job is None, timeout=60_000)


def shown(w) -> tuple[dict, dict]:
    w.refresh_preview()
    w.wait_shown()
    return (w.left.bridge.call_sync(PAGE_STATE), w.right.bridge.call_sync(PAGE_STATE))


def type_rule(qtbot, w, selector: str, level: Level) -> int:
    qtbot.mouseClick(w.form.add_rule_button, Qt.MouseButton.LeftButton)
    row = w.form.rules_table.rowCount() - 1
    qtbot.keyClicks(w.form.selector_edit(row), selector)
    w.form.level_combo(row).setCurrentText(level.label)
    return row


def test_preview_masks_what_a_rule_targets_and_not_what_it_does_not(qtbot, tmp_path, workspace):
    data = tmp_path / "data"
    store_with(data)
    w = workspace(data)
    left, right = shown(w)
    assert left == right and left["marked"] == []          # the form holds the active rules
    assert "12 Quay Street" in right["address"]

    type_rule(qtbot, w, ".address", Level.HIDDEN)
    type_rule(qtbot, w, ".who", Level.MASK)
    left, right = shown(w)
    # targeted: the address is gone on the right, the greeting masked; outlined on both sides
    assert right["address"] == "" and "Quay" not in json.dumps(right)
    assert "Ada" not in right["who"] and set(right["who"]) <= {"x", " "}
    assert sorted(right["marked"]) == ["address", "who"] == sorted(left["marked"])
    assert right["outline"] == "solid"
    # not targeted: the orders are as stored; the left side is what is stored
    assert "Analytical engine, brass" in right["orders"] == left["orders"]
    # (the greeting as stored: the name typed into the masked card holder field, its echo
    # on the page before the typing masked too)
    assert "12 Quay Street" in left["address"] and left["who"] == "Signed in as ***"
    assert len(w.preview.changed) == 2
    # a scrubbed URL parameter: the page's URL above each side says it
    assert "invite=s3cr3t-t0k3n" in w.left.url.text() == w.right.url.text()
    qtbot.keyClicks(w.form.scrub, ", invite")   # after the built-in credential names
    shown(w)
    assert "invite=s3cr3t-t0k3n" in w.left.url.text() and "s3cr3t" not in w.right.url.text()
    assert "tab=orders" in w.right.url.text() and w.right.url.styleSheet()


def test_selectors_are_checked_as_they_are_typed(qtbot, tmp_path, workspace):
    data = tmp_path / "data"
    store_with(data)
    w = workspace(data)
    row = type_rule(qtbot, w, "p:hover", Level.MASK)
    edit = w.form.selector_edit(row)
    assert ":hover is not supported" in w.form.selector_error.text()
    assert ":hover is not supported" in edit.toolTip()
    assert not w.save_button.isEnabled()
    assert "until the selector is fixed" in w.status.text()
    for _ in range(len(":hover")):
        qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    assert w.form.selector_error.text() == "" and edit.toolTip() == "p"   # (its text, whole)
    assert w.save_button.isEnabled() and w.status.text() == ""


def test_a_long_selector_shows_its_start_and_says_itself_whole(qtbot, tmp_path, workspace):
    """A selector list longer than its cell showed its end ("ary, .salary-display, .iban"):
    which rule was it? (a privacy officer's tryout). Its start is shown, its tooltip is it."""
    data = tmp_path / "data"
    store_with(data)
    w = workspace(data)
    long = "#profile .salary, .salary-display, .iban, .iban-display, .date-of-birth, .home"
    row = w.form.add_rule(long, Level.MASK)
    edit = w.form.selector_edit(row)
    assert edit.cursorPosition() == 0 and edit.toolTip() == long


def test_saving_and_reloading_round_trips_the_rules_file_and_the_log(qtbot, tmp_path, workspace):
    data = tmp_path / "data"
    store_with(data)
    w = workspace(data)
    # no revision yet: the History tab says what will appear there, not an empty table
    w.show_tab("History")
    assert w.history_body.currentWidget() is w.history_empty and w.history_empty.isVisible()
    assert w.history_empty.text() == NO_REVISIONS
    type_rule(qtbot, w, ".address", Level.HIDDEN)
    type_rule(qtbot, w, "#card, #notes", Level.MASK)
    w.form.default_level.setCurrentText("mask")
    qtbot.keyClicks(w.form.scrub, ", sid")
    w.form.detectors["phone"].setChecked(False)
    edited = w.form.rules()
    assert w.title.text().endswith("(edited)")
    asked = []

    def yes() -> None:   # (the phone detector off masks less: Save asks first)
        box = QApplication.activeModalWidget()
        asked.append(box.text())
        box.button(QMessageBox.StandardButton.Yes).click()
    QTimer.singleShot(0, yes)
    qtbot.mouseClick(w.save_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and "detector removed: phone" in asked[0], asked

    on_disk = parse_rules((data / "rules.toml").read_text())
    assert on_disk == replace(edited, revision=1)
    assert on_disk.rules == (Rule(".address", Level.HIDDEN), Rule("#card, #notes", Level.MASK))
    assert on_disk.scrub_query_params == Rules.default().scrub_query_params + ("sid",)
    assert on_disk.detectors == ("email", "card", "iban", "ssn")
    log, bad = read_history(data)
    assert bad == 0 and len(log) == 1
    assert log[0].revision == 1 and log[0].who == pwd.getpwuid(os.getuid()).pw_name
    assert "rule added: .address (hidden)" in log[0].summary
    assert (data / HISTORY_DIR / "r0001.toml").read_text() == (data / "rules.toml").read_text()
    assert w.history_body.currentWidget() is w.history_table and w.history_table.isVisible()
    assert [w.history_table.item(0, c).text() for c in range(2)] == ["data folder", "1"]
    assert "rule added: .address (hidden)" in w.history_table.item(0, 4).text()
    assert w.title.text() == "Privacy rules — revision 1"

    again = workspace(data)                         # a new workspace reads it back
    assert again.form.rules() == on_disk and again.base_revision == 1
    assert again.history_table.rowCount() == 1
    # an application's own rules changed: in the same history, the newest first (the tab
    # showed the data folder's alone - a privacy officer's audit missed six changes)
    from recorder.intake.apps import Applications
    apps = Applications(data)
    apps.create("shop")
    apps.set_rules("shop", 'default = "allow"\n', who="ann",
                   summary=lambda was: ["its own rules set", "default level: mask -> allow"])
    apps.close()
    third = workspace(data)
    third.show_tab("History")
    rows = [[third.history_table.item(r, c).text() for c in range(5)]
            for r in range(third.history_table.rowCount())]
    assert sorted(r[:2] + [r[3], r[4]] for r in rows) == [
        ["application shop", "1", "ann", "its own rules set; default level: mask -> allow"],
        ["data folder", "1", log[0].who, "; ".join(log[0].summary)]]
    assert rows[0][2] >= rows[1][2] and rows[0][2].endswith(tuple("0123456789"))  # newest first


def test_the_url_parameter_box_shows_the_whole_list_and_takes_new_lines(qtbot, tmp_path, workspace):
    """The built-in list of credential names (19) went into a one-line box that showed only
    its end: the box wraps, shows every name at the workspace's default size, counts them,
    and takes names separated by commas, spaces or new lines."""
    data = tmp_path / "data"
    store_with(data)
    w = workspace(data)
    form = w.form
    defaults = Rules.default().scrub_query_params
    assert form.scrub_params() == defaults and len(defaults) > 15
    assert form.scrub_label.text() == f"Scrub URL parameters ({len(defaults)})"
    box = form.scrub
    assert w.isVisible() and box.width() > 200
    assert box.verticalScrollBar().maximum() == 0   # every wrapped line in view, none hidden
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.keyClicks(box, "invite  ref_code,token")   # a name already there counts once
    assert form.scrub_params() == defaults + ("invite", "ref_code")
    assert form.scrub_label.text() == f"Scrub URL parameters ({len(defaults) + 2})"
    assert w.title.text().endswith("(edited)")
    assert w.form.rules().scrub_query_params == defaults + ("invite", "ref_code")
    box.setPlainText("")
    assert form.scrub_label.text() == "Scrub URL parameters" and form.scrub_params() == ()


def test_a_stale_save_is_refused(qtbot, tmp_path, workspace):
    data = tmp_path / "data"
    store_with(data)
    a, b = workspace(data), workspace(data)
    type_rule(qtbot, a, ".who", Level.MASK)
    type_rule(qtbot, b, ".address", Level.HIDDEN)
    assert a.save()
    before = (data / "rules.toml").read_bytes()
    assert not b.save()
    assert "someone else saved" in b.status.text()
    assert (data / "rules.toml").read_bytes() == before
    # its button no longer offers the revision that now exists (it said "Save as revision 1")
    assert b.save_button.text() == "Revision 1 is newer: Reload" and not b.save_button.isEnabled()
    b.reload()
    assert b.save_button.text() == "Save as revision 2"


def test_a_file_is_shown_unmasked_only_on_request_and_never_written(qtbot, tmp_path, workspace):
    data = tmp_path / "data"
    store_with(data)
    rec = tmp_path / "rec.json"
    rec.write_text(json.dumps(account_recording()))
    w = workspace(data)
    before = every_byte(data)
    w.open_file(rec)
    assert w.unmasked.isEnabled() and not w.unmasked.isChecked()
    left, right = shown(w)
    assert left["holder"] == "***" and right["holder"] == "***"   # the active rules mask input
    w.unmasked.setChecked(True)
    left, right = shown(w)
    assert left["holder"] == TYPED["holder"]                        # asked for: as recorded
    assert right["holder"] == "***"
    assert "holder" in right["marked"] and "card" in right["marked"]
    w.unmasked.setChecked(False)
    assert shown(w)[0]["holder"] == "***"
    # nothing of the file reached the data folder
    assert every_byte(data) == before and TYPED["card"].encode() not in every_byte(data)
    # a stored session has no unmasked form
    w.open_session(w.session_combo.itemData(w.session_combo.count() - 1))
    assert not w.unmasked.isEnabled() and not w.unmasked.isChecked()


NAME = "Margarethe Quellenbrink"
NAMED_PAGE = f"""<!DOCTYPE html><html><body><h1>Your profile</h1>
<img src="https://example.org/p.png" alt="Photo of {NAME}"><p class="who">Signed in as {NAME}</p>
<input type="text" id="holder"></body></html>"""


def typed_later_recording() -> list[dict]:
    """A page that shows a name, then has it typed into a masked field (seconds later)."""
    t0 = 1_700_000_000_000
    events = html_to_events(NAMED_PAGE, href="https://example.org/profile", timestamp=t0)
    field = next(n["id"] for n in walk(events[1]["data"]["node"]) if n.get("tagName") == "input")
    return events + [{"type": 3, "timestamp": t0 + 1000 * i,
                      "data": {"source": 5, "id": field, "text": NAME[:4 * i], "isChecked": False}}
                     for i in range(1, 7)]


def walk(node):
    yield node
    for c in node.get("childNodes") or ():
        yield from walk(c)


def test_a_files_preview_is_what_import_stores_echoes_of_a_later_typing_too(tmp_path):
    """A name typed into a masked field is masked where the page showed it before (an image's
    alt, a line of text) by `import`'s second pass: the preview masked only the events up to
    its moment, in one pass, and showed the name on both sides."""
    rec = tmp_path / "rec.json"
    rec.write_text(json.dumps(typed_later_recording()))
    data = tmp_path / "data"
    assert cli(["--data", str(data), "import", str(rec)]) == 0
    with Store.open(data) as st:
        stored = list(st.session(st.sessions()[0].id).events())
    subject = read_subject("rec.json", iter(json.loads(rec.read_text())), stored=False)
    t0 = subject.events[0]["timestamp"]
    for at_ms in (0, 2500, None):   # before the typing, part way, the end
        kept = [e for e in stored if at_ms is None or e["timestamp"] <= t0 + at_ms]
        want = build_frame(Mirror().apply_all(kept), float(at_ms or 0))
        p = build_preview(subject, Rules.default(), at_ms, active=Rules.default())
        assert p.after.frame == want and p.before.frame == want and not p.changed
        assert NAME not in json.dumps(p.after.frame) and "Photo of ***" in json.dumps(want)
        # the left side on request: the file as recorded, every difference outlined
        raw = build_preview(subject, Rules.default(), at_ms, active=Rules.default(),
                            unmasked=True)
        assert raw.before.title == "As recorded (unmasked)" and raw.after.frame["tree"]
        assert f"Photo of {NAME}" in json.dumps(raw.before.frame)
        assert raw.changed and NAME not in json.dumps(raw.after.frame)


def test_dry_run_then_apply_once_saved(qtbot, tmp_path, workspace):
    data = tmp_path / "data"
    sid = store_with(data)
    w = workspace(data)
    type_rule(qtbot, w, ".address", Level.HIDDEN)
    qtbot.mouseClick(w.dry_run_button, Qt.MouseButton.LeftButton)
    claims = {w.dry_run_table.item(r, 2).text(): w.dry_run_table.item(r, 3).text()
              for r in range(w.dry_run_table.rowCount())}
    assert claims == {'rule ".address" -> hidden': "1 text"}
    assert "1 would change" in w.dry_run_note.text() and "Matched no" not in w.dry_run_note.text()
    type_rule(qtbot, w, ".adress", Level.HIDDEN)   # misspelt: masks nothing, said so
    qtbot.mouseClick(w.dry_run_button, Qt.MouseButton.LeftButton)
    assert w.dry_run_note.text().endswith(
        'Matched no element, so did nothing: rule ".adress" -> hidden - is its selector spelt'
        " as the page's markup is, or is all it names inside a hidden element (whose inside is"
        " never recorded)?")
    assert not w.apply_button.isEnabled()                    # the rules are not saved yet
    assert "Quay" in stored_text(data)                       # a dry run writes nothing
    assert w.apply_to_stored(confirm=False) is None          # not before the rules are saved
    assert "save these rules first" in w.status.text() and "Quay" in stored_text(data)
    assert w.save() and w.apply_button.isEnabled()
    with Store.open(data) as st:   # the app's cached picture of the session, Quay shown
        picture = thumbnail_path(data, sid, [s.file for s in st.index.segments(sid)])
    picture.parent.mkdir()
    picture.write_bytes(b"PNG showing Quay")
    heard = []
    w.remasked.connect(lambda: heard.append(True))   # the sessions page reloads on it
    applied(qtbot, w, w.apply_to_stored(confirm=False))
    assert heard == [True]
    assert "Quay" not in stored_text(data) and "Analytical engine" in stored_text(data)
    assert "re-masked 1 of 1" in w.status.text()
    assert not picture.exists()   # no picture outlives what it showed


def test_apply_asks_with_the_dry_runs_count_and_the_dry_run_tab_says_what_was_done(
        qtbot, tmp_path, workspace):
    """A new user applied, and the Dry run tab still said "1 would change. Nothing was
    written." under a header saying it had been."""
    data = tmp_path / "data"
    with Store.open(data) as st:   # two sessions, a day apart
        for day in range(2):
            st.ingest([dict(e, timestamp=e["timestamp"] + day * 86_400_000)
                       for e in account_recording()],
                      masker_factory=masker_factory(Rules.default()), user={"id": "u1"})
    w = workspace(data)
    type_rule(qtbot, w, ".address", Level.HIDDEN)
    assert w.save()
    w.tabs.setCurrentIndex(w.tabs.indexOf(w.dry_run_button.parentWidget()))
    qtbot.mouseClick(w.dry_run_button, Qt.MouseButton.LeftButton)
    assert "2 would change. Nothing was written." in w.dry_run_note.text()
    asked = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        asked.append(box.text())
        box.button(QMessageBox.StandardButton.Yes).click()
    QTimer.singleShot(0, answer)
    qtbot.mouseClick(w.apply_button, Qt.MouseButton.LeftButton)
    applied(qtbot, w, w.remask_job)
    (question,) = asked
    assert "revision 1" in question and "found 2 of 2 stored sessions that would change" \
        in question
    assert "Quay" not in stored_text(data)
    note = w.dry_run_note.text()
    assert "Nothing was written" not in note and "would change" not in note
    assert note.startswith("Applied: re-masked 2 of 2 stored sessions under revision 1")


def test_audit_lists_findings_with_masked_excerpts(qtbot, tmp_path, workspace):
    data = tmp_path / "data"
    store_with(data, replace(Rules.default(), detectors=()))   # the e-mail address stored
    w = workspace(data)
    qtbot.mouseClick(w.audit_button, Qt.MouseButton.LeftButton)
    rows = [[w.audit_table.item(r, c).text() for c in range(w.audit_table.columnCount())]
            for r in range(w.audit_table.rowCount())]
    kinds = {r[1] for r in rows}
    assert {"email", "phone"} <= kinds
    assert "1 stored session audited" in w.audit_note.text()
    assert "ada.lovelace@example.com" not in json.dumps(rows)   # excerpts are masked


def test_looking_creates_no_data_folder(qtbot, tmp_path, workspace):
    data = tmp_path / "nothing-here"
    w = workspace(data)
    assert "no stored sessions" in w.session_combo.currentText()
    qtbot.mouseClick(w.audit_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(w.dry_run_button, Qt.MouseButton.LeftButton)
    assert "0 stored sessions" in w.audit_note.text() and w.dry_run_table.rowCount() == 0
    assert not data.exists()
    assert w.form.rules() == Rules.default() and w.base_revision == 0


def test_choosing_a_session_shows_that_session(qtbot, tmp_path, workspace):
    """The Moment slider spans the chosen session, however it was chosen (a new user's
    script set the list's index and the slider kept the first session's length)."""
    data = tmp_path / "data"
    full = account_recording()
    short = [dict(e, timestamp=e["timestamp"] + 86_400_000) for e in full[:len(full) // 2]]
    with Store.open(data) as st:
        for events in (full, short):
            st.ingest(events, masker_factory=masker_factory(Rules.default()), user={"id": "u1"})
        spans = {s.id: s.duration_ms for s in st.sessions()}
    assert len(set(spans.values())) == 2
    w = workspace(data)
    for i in reversed(range(w.session_combo.count())):
        w.session_combo.setCurrentIndex(i)
        sid = w.session_combo.itemData(i)
        assert w.subject.label == sid
        assert w.moment.maximum() == int(spans[sid])


def test_sessions_stored_while_it_is_open_are_listed_and_the_one_previewed_stays(
        qtbot, tmp_path, workspace):
    """The list was read once, when the page was built: "no stored sessions" stayed after an
    import or a recording, through F5 and Reload, until the app was started again."""
    data = tmp_path / "data"
    w = workspace(data)
    assert w.session_combo.itemData(0) is None and w.subject is None   # none yet
    first = store_with(data)
    w.reload()                               # the Reload button
    assert w.session_combo.itemData(0) == first and w.subject.label == first
    full = account_recording()
    with Store.open(data) as st:             # another one, newer: F5 (the window calls this)
        (second,) = st.ingest([dict(e, timestamp=e["timestamp"] + 86_400_000) for e in full],
                              masker_factory=masker_factory(Rules.default()), user={"id": "u2"})
    w.sessions_changed()
    assert {w.session_combo.itemData(i) for i in range(w.session_combo.count())} == {first, second}
    assert w.subject.label == first and w.session_combo.currentData() == first   # kept


def test_the_tables_headers_are_whole_before_any_run(qtbot, tmp_path, workspace):
    """The dry run's "claim (what decided it)" read "m (what decided" until a run filled it."""
    w = workspace(tmp_path / "data")
    for t in (w.dry_run_table, w.audit_table):
        h = t.horizontalHeader()
        for i in range(h.count() - 1):   # (the last one stretches)
            assert h.sectionSize(i) >= h.sectionSizeHint(i), (t.horizontalHeaderItem(i).text(),
                                                             h.sectionSize(i))


def test_audit_says_a_clean_session_is_clean(qtbot, tmp_path, workspace):
    data = tmp_path / "data"
    sid = store_with(data)          # the default rules: detectors mask what they find
    w = workspace(data)
    qtbot.mouseClick(w.audit_button, Qt.MouseButton.LeftButton)
    (row,) = [[w.audit_table.item(0, c).text() for c in range(w.audit_table.columnCount())]]
    assert w.audit_table.rowCount() == 1 and row[0] == short_id(sid)   # as the Sessions list
    assert w.audit_table.item(0, 0).toolTip() == sid
    # said in short, whole in its column (the sentence `replay audit` prints was cut off
    # at "its user's …" in the app's window): nothing found, and its user (stored by
    # design) named, so "none of: email" is not read as said of the store
    assert row[-1] == "nothing found; owner kept: id (by design)"
    table = w.audit_table
    w.show_tab("Audit")
    qtbot.waitUntil(table.isVisible)
    cell = table.visualItemRect(table.item(0, table.columnCount() - 1))
    assert table.fontMetrics().horizontalAdvance(row[-1]) <= cell.width()
    # the excerpt column (its header too) is not pushed off to the right behind a scroll
    # bar (a privacy officer's tryout)
    head = table.horizontalHeader()
    assert head.sectionViewportPosition(table.columnCount() - 1) + \
        head.sectionSize(table.columnCount() - 1) <= table.viewport().width()
    # the whole sentence on hover: what was looked for, and how the user's sessions go
    assert table.item(0, table.columnCount() - 1).toolTip() == (
        "none of: email, card, phone, iban, ssn, credential, sensitive-input in its events or"
        " context; its user's id is recorded as its owner, by design (`replay delete --user`"
        " erases the user's sessions)")


def test_session_ids_are_shown_whole(qtbot, tmp_path, workspace):
    """A new user saw "acme-shop-dem" in the Dry run and Audit tables and "acme-sho" in the
    Preview's session box: each shows the whole id, with room for it."""
    sid = "acme-shop-demo-2026-12-02-checkout"
    data = tmp_path / "data"
    with Store.open(data) as st:
        st.ingest(account_recording(), masker_factory=masker_factory(Rules.default()),
                  user={"id": "u1"}, session_id=sid)
    w = workspace(data)
    box = w.session_combo
    opt = QStyleOptionComboBox()
    box.initStyleOption(opt)
    label = box.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                       QStyle.SubControl.SC_ComboBoxEditField, box)
    text = box.currentText()
    assert sid in text
    assert box.fontMetrics().horizontalAdvance(text[:text.index(sid) + len(sid)]) \
        <= label.width()
    type_rule(qtbot, w, ".address", Level.HIDDEN)
    qtbot.mouseClick(w.dry_run_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(w.audit_button, Qt.MouseButton.LeftButton)
    for table in (w.dry_run_table, w.audit_table):
        item = table.item(0, 0)
        assert item.text() == sid and item.toolTip() == sid
        room = table.columnWidth(0) - 2 * table.style().pixelMetric(
            QStyle.PixelMetric.PM_FocusFrameHMargin, None, table)
        assert table.fontMetrics().horizontalAdvance(sid) <= room


def test_the_privacy_preview_puts_its_sides_one_above_the_other_when_that_is_larger():
    from app.privacy_workspace.model import stacked_sides

    desktop = (1280, 800)
    assert not stacked_sides(740, 480, desktop, 44)     # 1280x720: beside is larger
    assert stacked_sides(740, 780, desktop, 44)         # 1280x1024: one above the other
    assert not stacked_sides(740, 780, (390, 844), 44)  # phone pages: always beside


def test_narrower_than_both_sides_the_preview_stacks_them(workspace, tmp_path):
    """The preview is as narrow as one side (the app's window fits a 1024 screen): narrower
    than both side by side, they are stacked whatever the page's shape (a phone page's sides
    stayed beside each other, each cut off)."""
    w = workspace(tmp_path / "data")
    sides = w.sides
    both = sum(p.minimumSizeHint().width() for p in sides.panes) + sides.box.spacing()
    sides.panes[0].stage.set_viewport(390, 844)   # a phone page: beside when there is room
    sides.resize(both + 200, 900)
    sides._arrange()
    assert not sides.stacked()
    sides.resize(both - 40, 900)
    sides._arrange()
    assert sides.stacked()
    assert sides.minimumWidth() < both


def test_tabs_are_named_in_any_case():
    from app.privacy_workspace.model import TABS, tab_named

    assert tab_named("audit") == "Audit" and tab_named(" dry RUN ") == "Dry run"
    assert [tab_named(t.upper()) for t in TABS] == list(TABS)
    with pytest.raises(ValueError, match="no tab 'audits': choose Preview, Dry run, Audit,"
                                         " History or Given to pages"):
        tab_named("audits")


def test_the_help_says_what_the_workspace_is_and_what_each_option_does():
    """A new user's --help had no description, nothing for --screenshot, and no default
    for --data (as `replay --help` names it)."""
    from app.privacy_workspace.__main__ import DEFAULT_SIZE, parser
    from recorder.paths import default_data_dir

    p = parser()
    assert "privacy rules" in p.description and "Privacy page" in p.description
    helps = {a.dest: a.help for a in p._actions}
    assert all(helps.values()), [dest for dest, text in helps.items() if not text]
    assert str(default_data_dir()) in helps["data"]
    assert "PNG" in helps["screenshot"] and "%dx%d" % DEFAULT_SIZE in helps["screenshot"]


def workspace_cli(*args, tmp_path) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "app.privacy_workspace", *map(str, args)],
                          env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)


def test_an_unknown_tab_is_refused_in_one_line(tmp_path):
    out = workspace_cli("--data", tmp_path / "data", "--tab", "audits", tmp_path=tmp_path)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.splitlines() == [
        "python -m app.privacy_workspace: error: argument --tab: no tab 'audits': choose"
        " Preview, Dry run, Audit, History or Given to pages - see `python -m"
        " app.privacy_workspace --help`"]


def test_a_screenshot_of_a_tab_without_pages_does_not_wait_for_them(tmp_path):
    """`--tab audit` was ignored (the case), and `--tab Audit --screenshot` ended after
    30 s with a traceback: the hidden preview's pages never paint."""
    data = tmp_path / "data"
    store_with(data)
    png = tmp_path / "audit.png"
    out = workspace_cli("--data", data, "--tab", "Audit", "--screenshot", png,
                        tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1440, 900)


def test_the_workspace_opens_on_the_tab_asked_for_and_says_a_failed_screenshot(
        qtbot, tmp_path):
    from app.privacy_workspace.__main__ import parse, screenshot, window

    w = window(parse(["--data", str(tmp_path / "data"), "--tab", "HISTORY"]))
    try:
        assert w.current_tab() == "History" and w.tabs.currentWidget().isVisible()
        bad = tmp_path / "no-such-folder" / "x.png"
        assert screenshot(w, bad) == f"cannot write {bad} - check the path"
        assert screenshot(w, tmp_path / "history.png") is None
    finally:
        dispose(w)


@pytest.mark.parametrize("tab", ["dry run", "audit"])
def test_a_screenshot_of_the_dry_run_or_audit_tab_shows_them_run(qtbot, tmp_path, tab):
    """`--screenshot` of these tabs painted their empty tables (nothing runs until a button
    is pressed): a screenshot runs them first - both only read the store."""
    from app.privacy_workspace.__main__ import parse, screenshot, window

    data = tmp_path / "data"
    store_with(data)
    before = sorted((p, p.stat().st_mtime_ns) for p in data.rglob("*") if p.is_file())
    w = window(parse(["--data", str(data), "--tab", tab]))
    try:
        assert screenshot(w, tmp_path / "shot.png") is None
        table = w.dry_run_table if tab == "dry run" else w.audit_table
        assert table.rowCount() > 0
    finally:
        dispose(w)
    assert sorted((p, p.stat().st_mtime_ns) for p in data.rglob("*") if p.is_file()) == before


def test_rules_activated_elsewhere_are_shown_or_said(qtbot, tmp_path, workspace):
    """`replay mask --activate` while the page is open: it showed the old revision, and
    previewed, dry-ran and refused to apply with it (a privacy officer's tryout). Unedited,
    the page shows the new rules; with edits, it says so."""
    from app.cli import main as cli

    data = tmp_path / "data"
    store_with(data)
    w = workspace(data)
    other = tmp_path / "other.toml"
    other.write_text('version = 1\n[[rule]]\nselector = ".who"\nlevel = "hidden"\n')
    assert cli(["--data", str(data), "mask", "--all", "--rules", str(other), "--activate"]) == 0
    qtbot.waitUntil(lambda: w.base_revision == 1, timeout=10_000)
    assert "revision 1" in w.title.text() and "replaced elsewhere" in w.status.text()
    assert [(r.selector, r.level) for r in w.form.rules().rules] == [(".who", Level.HIDDEN)]
    type_rule(qtbot, w, ".address", Level.MASK)      # edits, then another activation
    other.write_text('version = 1\n[[rule]]\nselector = ".who"\nlevel = "mask"\n')
    assert cli(["--data", str(data), "mask", "--all", "--rules", str(other), "--activate",
                "--yes"]) == 0   # (hidden to mask: it masks less, so it asks first)
    qtbot.waitUntil(lambda: "Reload shows them" in w.status.text(), timeout=10_000)
    assert w.base_revision == 1                       # the edits stay until Reload


def test_a_file_previewed_stays_named_when_the_store_changes(qtbot, tmp_path, workspace):
    """A file shown unmasked, then a session stored from elsewhere: the box named that
    session beside the file's unmasked content (a privacy officer's tryout)."""
    data = tmp_path / "data"
    store_with(data)
    rec = tmp_path / "raw.json"
    rec.write_text(json.dumps(account_recording()))
    w = workspace(data)
    w.open_file(rec)
    store_with(data)
    w.sessions_changed()
    assert w.session_combo.currentText() == "file: raw.json" and not w.subject.stored


def test_a_hidden_workspace_reads_no_session_until_it_is_shown(qtbot, tmp_path, monkeypatch):
    """The app builds the Privacy page with its window: it opened the store twice and read
    the newest session whole for its preview before the window showed (the 4-hour session:
    16.7 s, 1.8 GB). Hidden, the page reads nothing; shown, its list and preview are there,
    and sessions stored while it is hidden are listed when it is shown again."""
    data = tmp_path / "data"
    first = store_with(data)
    opened = []
    real_open = Store.open
    monkeypatch.setattr(Store, "open", staticmethod(
        lambda *a, **k: opened.append(a) or real_open(*a, **k)))
    w = PrivacyWorkspace(data)
    try:
        w.sessions_changed()                    # F5 in the app, the page hidden
        assert opened == [] and w.subject is None and w.session_combo.count() == 0
        w.resize(1440, 900)
        w.show()
        assert w.session_combo.itemData(0) == first and w.subject.label == first
        w.hide()
        with real_open(data) as st:
            (second,) = st.ingest([dict(e, timestamp=e["timestamp"] + 86_400_000)
                                   for e in account_recording()],
                                  masker_factory=masker_factory(Rules.default()))
        n = len(opened)
        w.sessions_changed()
        assert len(opened) == n
        w.show()
        assert {w.session_combo.itemData(i) for i in range(w.session_combo.count())} == \
            {first, second}
        assert w.subject.label == first   # the one previewed stays
    finally:
        dispose(w)


def test_a_long_session_is_previewed_from_its_first_events_read_no_further(
        qtbot, tmp_path, workspace, monkeypatch):
    """Previewing a 1,000,000-event session read all of it into memory on the UI thread:
    now its first PREVIEW_EVENTS are read (and one more, to know it goes on), the slider
    spans them, and the note says so. A file is read the same way."""
    import app.privacy_workspace.model as model
    monkeypatch.setattr(model, "PREVIEW_EVENTS", 3)
    data = tmp_path / "data"
    sid = store_with(data)
    with Store.open(data) as st:
        total = st.index.session(sid).record_count
        events = list(st.session(sid).events())
    assert total > 4
    read = []

    def counted():
        for e in events:
            read.append(e)
            yield e
    head = model.read_subject("x", counted(), stored=True, total=total)
    assert len(head.events) == 3 and len(read) == 4 and head.cut and head.total == total
    whole = model.read_subject("x", iter(events[:3]), stored=True, total=3)
    assert not whole.cut and model.cut_note(whole) == ""
    w = workspace(data)
    w.open_session(sid)
    assert len(w.subject.events) == 3 and w.subject.cut
    assert w.moment.maximum() == int(events[2]["timestamp"] - events[0]["timestamp"])
    w.wait_shown()
    assert f"first 3 events of {total:,}" in w.preview_note.text()
    # the sides named by their titles, stacked or beside each other ("Left: ..." was read
    # under the sides one above the other)
    assert "Stored now: what is stored; With these rules: what `mask` would store" \
        in w.preview_note.text() and "Left" not in w.preview_note.text()
    rec = tmp_path / "rec.json"
    rec.write_text(json.dumps(account_recording()))
    assert w.open_file(rec) is None
    assert len(w.subject.events) == 3 and w.subject.cut and w.subject.total is None
    w.wait_shown()
    assert "Under the active rules: what `import` stores today; With these rules: what" \
        " `import` would store" in w.preview_note.text()


def test_dry_run_and_audit_keep_the_window_alive_and_stop_on_cancel(qtbot, tmp_path, workspace,
                                                                   monkeypatch):
    """Dry run and Audit read every stored session on the UI thread: on 8,002 sessions
    each froze the app for 5.5 minutes. The event loop now runs every STEP_EVENTS events
    read (a progress dialog with Cancel, window-modal), and Cancel stops the walk: what was
    read is shown, said to be partial, and a stopped dry run does not enable Apply."""
    import app.privacy_workspace.widget as widget_mod
    monkeypatch.setattr(widget_mod.StoreWalk, "STEP_EVENTS", 2)
    data = tmp_path / "data"
    full = account_recording()
    with Store.open(data) as st:
        for k in range(3):
            st.ingest([dict(e, timestamp=e["timestamp"] + k * 86_400_000) for e in full],
                      masker_factory=masker_factory(Rules.default()), user={"id": f"u{k}"})
    w = workspace(data)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(0)
    try:
        w.run_dry_run()
        during_dry_run = len(ticks)
        w.run_audit()
    finally:
        timer.stop()
    assert during_dry_run > 0 and len(ticks) > during_dry_run   # the event loop ran meanwhile
    assert "3 stored sessions" in w.dry_run_note.text() and "Stopped" not in w.dry_run_note.text()
    assert "3 stored sessions audited" in w.audit_note.text()
    real_step = widget_mod.StoreWalk.step

    def cancel_at_once(self):
        real_step(self)
        self.dialog.cancel()
    monkeypatch.setattr(widget_mod.StoreWalk, "step", cancel_at_once)
    w.form.changed.emit()   # (edited: a dry run would now be of other rules)
    w.run_dry_run()
    assert "Stopped (Cancel)" in w.dry_run_note.text() and not w.apply_button.isEnabled()
    w.run_audit()
    assert "Stopped (Cancel)" in w.audit_note.text()
    assert w.audit_note.text().startswith("0 stored sessions audited")


def test_apply_keeps_the_window_alive_shows_progress_and_stops_on_cancel(qtbot, tmp_path,
                                                                         workspace, monkeypatch):
    """Apply re-masked every stored session on the UI thread with nothing on screen (on
    8,002 sessions, minutes of a frozen window). It runs in a thread now, the event loop
    going and a progress dialog counting sessions; Cancel stops between two sessions - the
    ones done are new versions, the others as they were - and Apply stays ready to finish."""
    import threading

    from app.privacy_workspace import remask_job as job_mod
    from app.window.jobs import JobDialog
    data = tmp_path / "data"
    with Store.open(data) as st:
        for k in range(4):
            st.ingest([dict(e, timestamp=e["timestamp"] + k * 86_400_000)
                       for e in account_recording()],
                      masker_factory=masker_factory(Rules.default()), user={"id": f"u{k}"})
    w = workspace(data)
    type_rule(qtbot, w, ".address", Level.HIDDEN)
    assert w.save()
    w.run_dry_run()
    assert "4 would change" in w.dry_run_note.text()
    # the job's thread waits before its second session until the test lets it go on: the
    # window's event loop is seen running while a re-mask is under way
    gate, reached = threading.Event(), threading.Event()
    real = job_mod.remask_sessions

    def gated(store, ids, rules, progress=None, own=None, stop=None):
        def said(done, total, sid):
            progress(done, total, sid)
            if done == 1:
                reached.set()
                gate.wait(60)
        return real(store, ids, rules, progress=said, own=own, stop=stop)
    monkeypatch.setattr(job_mod, "remask_sessions", gated)
    try:
        job = w.apply_to_stored(confirm=False)
        assert job is not None and not w.apply_button.isEnabled()
        assert w.apply_to_stored(confirm=False) is None          # not twice at once
        qtbot.waitUntil(reached.is_set, timeout=30_000)
        (dialog,) = [d for d in w.findChildren(JobDialog) if not d.ended]
        qtbot.waitUntil(lambda: (dialog.value(), dialog.maximum()) == (1, 4), timeout=5_000)
        ticks = []
        QTimer.singleShot(0, lambda: ticks.append(1))
        qtbot.waitUntil(lambda: bool(ticks), timeout=5_000)     # the UI thread is free meanwhile
        (cancel,) = dialog.findChildren(QPushButton)
        cancel.click()                                          # the person's Cancel
    finally:
        gate.set()
    applied(qtbot, w, job)
    assert dialog.ended and not dialog.isVisible()
    assert (job.done, job.total, job.stopped) == (1, 4, True)
    note = w.dry_run_note.text()
    assert note.startswith("Stopped (Cancel): re-masked 1 of 4 stored sessions") and \
        "Apply again" in note
    with Store.open(data) as st:
        texts = [json.dumps(list(st.session(s.id).events())) for s in st.sessions()]
    assert sum("Quay" not in t for t in texts) == 1    # the one done, whole; three as they were
    assert w.apply_button.isEnabled()                  # to finish the job
    applied(qtbot, w, w.apply_to_stored(confirm=False))
    assert w.dry_run_note.text().startswith("Applied: re-masked 3 of 4")
    assert "Quay" not in stored_text(data)


def test_a_dry_run_under_way_starts_no_other_run_from_its_event_loop(qtbot, tmp_path, workspace,
                                                                     monkeypatch):
    """The walk runs the event loop every STEP_EVENTS events, and its window-modal dialog
    shows only after SHOW_AFTER_MS: a click on Audit (or Dry run again) in that time ran a
    whole audit inside the dry run, which then went on over a store the audit had closed
    under it. The buttons that start a run are off while a walk is under way."""
    import app.privacy_workspace.widget as widget_mod
    monkeypatch.setattr(widget_mod.StoreWalk, "STEP_EVENTS", 2)
    data = tmp_path / "data"
    store_with(data)
    w = workspace(data)
    clicked = []
    real_step = widget_mod.StoreWalk.step

    def impatient(self):
        if not clicked:   # the person clicks while the walk runs the event loop
            clicked.append((w.audit_button.isEnabled(), w.dry_run_button.isEnabled()))
            qtbot.mouseClick(w.audit_button, Qt.MouseButton.LeftButton)
            qtbot.mouseClick(w.dry_run_button, Qt.MouseButton.LeftButton)
            assert w.audit_note.text() == ""          # no audit ran inside the dry run
        real_step(self)
    monkeypatch.setattr(widget_mod.StoreWalk, "step", impatient)
    w.run_dry_run()
    assert clicked == [(False, False)]
    assert "1 stored session" in w.dry_run_note.text() and w.audit_note.text() == ""
    assert w.audit_button.isEnabled() and w.dry_run_button.isEnabled()   # back at the end


def test_saving_rules_that_mask_less_asks_first_naming_each_change(qtbot, tmp_path, workspace):
    """Save wrote rules that let a hidden address into the next recordings in clear without
    a word (`replay mask --activate` asks); it asks, naming the change, and No saves nothing."""
    data = tmp_path / "data"
    store_with(data)
    w = workspace(data)
    type_rule(qtbot, w, ".address", Level.HIDDEN)
    qtbot.mouseClick(w.save_button, Qt.MouseButton.LeftButton)   # stricter: nothing asked
    assert w.status.text() == "saved as revision 1 (rules.toml)"
    w.form.rules_table.selectRow(0)
    qtbot.mouseClick(w.form.remove_rule_button, Qt.MouseButton.LeftButton)
    asked = []

    def answer(button) -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        asked.append(box.text())
        box.button(button).click()
    QTimer.singleShot(0, lambda: answer(QMessageBox.StandardButton.No))
    qtbot.mouseClick(w.save_button, Qt.MouseButton.LeftButton)
    assert "rule removed: .address (hidden)" in asked[0] and "stored in clear" in asked[0]
    assert w.status.text() == "not saved" and ".address" in (data / "rules.toml").read_text()
    QTimer.singleShot(0, lambda: answer(QMessageBox.StandardButton.Yes))
    qtbot.mouseClick(w.save_button, Qt.MouseButton.LeftButton)
    assert w.status.text() == "saved as revision 2 (rules.toml)"
    assert ".address" not in (data / "rules.toml").read_text()


def test_a_session_stored_after_the_dry_run_makes_apply_wait_for_another(
        qtbot, tmp_path, workspace):
    """A dry run of one session, then a recording stored (record mode, an import, the
    intake), then Reload: Apply stayed ready and asked "The dry run found 1 of 1 stored
    sessions that would change" - of two, one never looked at."""
    data = tmp_path / "data"
    store_with(data)
    w = workspace(data)
    type_rule(qtbot, w, ".address", Level.HIDDEN)
    assert w.save()
    qtbot.mouseClick(w.dry_run_button, Qt.MouseButton.LeftButton)
    assert "1 would change" in w.dry_run_note.text() and w.apply_button.isEnabled()
    w.reload()   # nothing stored meanwhile: the dry run stands
    assert w.apply_button.isEnabled()
    with Store.open(data) as st:
        st.ingest([dict(e, timestamp=e["timestamp"] + 86_400_000) for e in account_recording()],
                  masker_factory=masker_factory(Rules.default()), user={"id": "u2"})
    w.reload()
    assert not w.apply_button.isEnabled()
    assert w.dry_run_note.text().endswith("The stored sessions changed since: run it again"
                                          " before Apply."), w.dry_run_note.text()
    assert w.apply_to_stored(confirm=False) is None
    qtbot.mouseClick(w.dry_run_button, Qt.MouseButton.LeftButton)
    assert "2 stored sessions; 2 would change" in w.dry_run_note.text()
    assert w.apply_button.isEnabled()


def test_saving_your_own_rules_keeps_the_dry_run_and_is_not_said_to_come_from_elsewhere(
        qtbot, tmp_path, workspace):
    """A privacy officer added two rules, ran a dry run and pressed Save: the header said
    "the active rules were replaced elsewhere: revision 1 shown" (the page's watcher saw
    its own write of rules.toml and reloaded), and Apply stayed greyed until a second dry
    run. Its own save is its own: the dry run, of exactly these rules, stays and Apply is
    ready. A change from elsewhere is still shown, and still voids the dry run."""
    from app.cli import main as cli

    data = tmp_path / "data"
    store_with(data)
    w = workspace(data)
    type_rule(qtbot, w, ".address", Level.HIDDEN)
    type_rule(qtbot, w, "#notes", Level.MASK)
    qtbot.mouseClick(w.dry_run_button, Qt.MouseButton.LeftButton)
    note = w.dry_run_note.text()
    rows = w.dry_run_table.rowCount()
    assert "1 would change. Nothing was written." in note and rows > 0
    qtbot.mouseClick(w.save_button, Qt.MouseButton.LeftButton)
    qtbot.wait(50)            # the folder's watcher hears the page's own write ...
    w.check_rules_file()      # ... and looks (as it does on it), also where it is slow to
    assert w.status.text() == "saved as revision 1 (rules.toml)"
    assert w.title.text() == "Privacy rules — revision 1"
    assert w.dry_run_note.text() == note and w.dry_run_table.rowCount() == rows
    assert w.apply_button.isEnabled() and w.apply_button.toolTip() == ""
    # the same rules written again from elsewhere (touched, copied back): nothing to say
    rules_file = data / "rules.toml"
    rules_file.write_bytes(rules_file.read_bytes())
    w.check_rules_file()
    assert w.status.text() == "saved as revision 1 (rules.toml)" and w.apply_button.isEnabled()
    # other rules written by hand with the same revision number: shown, the dry run void
    rules_file.write_text(rules_file.read_text().replace('"#notes"', '".orders"'))
    qtbot.waitUntil(lambda: "replaced elsewhere" in w.status.text(), timeout=10_000)
    assert [r.selector for r in w.form.rules().rules] == [".address", ".orders"]
    assert not w.apply_button.isEnabled()
    assert w.apply_to_stored(confirm=False) is None
    # a dry run of the rules in force, then `replay mask --activate` of others elsewhere
    w.run_dry_run()
    assert w.apply_button.isEnabled()
    other = tmp_path / "other.toml"
    other.write_text('version = 1\n[[rule]]\nselector = ".who"\nlevel = "hidden"\n')
    assert cli(["--data", str(data), "mask", "--all", "--rules", str(other), "--activate",
                "--yes"]) == 0   # (two rules gone: it masks less, so it asks first)
    qtbot.waitUntil(lambda: w.base_revision == 2, timeout=10_000)
    assert w.status.text() == "the active rules were replaced elsewhere: revision 2 shown"
    assert not w.apply_button.isEnabled()


def test_the_title_says_the_built_in_default_until_a_revision_is_saved(qtbot, tmp_path,
                                                                      workspace):
    """"revision 0" was the title with no rules.toml, where the Settings page says "The
    built-in default: there is no rules.toml"."""
    data = tmp_path / "data"
    store_with(data)
    w = workspace(data)
    assert w.title.text() == "Privacy rules — the built-in default, no rules.toml"
    type_rule(qtbot, w, ".who", Level.MASK)
    assert w.title.text() == "Privacy rules — the built-in default, no rules.toml (edited)"
    assert w.save_button.text() == "Save as revision 1"
    assert w.save()
    assert w.title.text() == "Privacy rules — revision 1"
    (data / "rules.toml").unlink()   # removed elsewhere: its newest saved revision stands
    qtbot.waitUntil(lambda: "removed" in w.status.text(), timeout=10_000)   # (as the intake's)
    assert w.title.text() == "Privacy rules — revision 1"
    assert w.status.text() == ("rules.toml was removed elsewhere: revision 1, the newest saved,"
                               " stays in force (as for the intake and imports)")
    (data / "rules.toml").write_text("revision = [")   # one that cannot be read: the same
    qtbot.waitUntil(lambda: "not valid TOML" in w.status.text(), timeout=10_000)
    assert "the form shows revision 1, the newest saved: Save writes it back" in \
        w.status.text() and "None" not in w.status.text()
    assert w.save_button.isEnabled() and w.save_button.text() == "Save as revision 2"
    assert w.save()                                   # written back: the file mended
    assert "revision = 2" in (data / "rules.toml").read_text()

    fresh = tmp_path / "fresh"                        # no history: the built-in default
    store_with(fresh)
    (fresh / "rules.toml").write_text("revision = [")
    w2 = workspace(fresh)
    assert w2.title.text() == "Privacy rules — the built-in default, rules.toml cannot be read"
    assert "fix the file" in w2.status.text()


def test_the_workspaces_tables_read_as_the_apps_do(qtbot, tmp_path, workspace):
    """The Dry run tab cut its claim column ("console/network rules, detectors and quer…")
    behind a horizontal scroll bar while whole generated session ids made the session
    column very wide; its headers were lower case ("level", "session", "events changed")
    where the Sessions list and the dev-tools pane capitalise theirs. Ids show as the
    Sessions list shows them (the whole id on hover), and each claim is whole, without
    scrolling, at the page's size in the app's window on a 1280x720 screen as at its own."""
    from app.ids import short_ids
    from app.window.main_window import NAV_WIDTH

    data = tmp_path / "data"
    with Store.open(data) as st:
        for day in range(3):
            st.ingest([dict(e, timestamp=e["timestamp"] + day * 86_400_000)
                       for e in account_recording()],
                      masker_factory=masker_factory(Rules.default()), user={"id": "u1"})
        ids = [s.id for s in st.sessions()]
    w = workspace(data)
    tables = (w.form.rules_table, w.dry_run_table, w.audit_table, w.history_table)
    for t in tables:
        heads = [t.horizontalHeaderItem(i).text() for i in range(t.columnCount())]
        assert all(h[:1].isupper() for h in heads), heads
    type_rule(qtbot, w, ".address", Level.HIDDEN)
    type_rule(qtbot, w, "input, .notes", Level.HIDDEN)   # the always-masked fields' claim
    w.show_tab("Dry run")
    t = w.dry_run_table
    for size in ((1440, 900), (1440 - NAV_WIDTH, 820), (1280 - NAV_WIDTH, 640)):
        w.resize(*size)
        qtbot.mouseClick(w.dry_run_button, Qt.MouseButton.LeftButton)
        claims = [t.item(r, 2).text() for r in range(t.rowCount())]
        assert any(c.startswith("always masked") for c in claims)
        room = t.columnWidth(2) - 2 * t.style().pixelMetric(
            QStyle.PixelMetric.PM_FocusFrameHMargin, None, t)
        assert max(t.fontMetrics().horizontalAdvance(c) for c in claims) <= room, size
        assert t.horizontalScrollBar().maximum() == 0, size
    shown_ids = {t.item(r, 0).text(): t.item(r, 0).toolTip() for r in range(t.rowCount())
                 if t.item(r, 0).text()}
    assert shown_ids == dict(zip(short_ids(ids), ids))


def test_the_audit_says_its_result_in_two_short_lines_and_the_rest_on_request(
        qtbot, tmp_path, workspace):
    """The Audit tab's result was one ~120-word paragraph above the table. At a glance:
    how many sessions were audited and what was found, then what was looked for by the
    Kind column's names; the whole sentence of what an audit looks at (and cannot) on
    hover and behind a Details toggle."""
    from app.privacy_workspace.model import AUDIT_KINDS
    from recorder.privacy.audit import looked_for

    data = tmp_path / "data"
    store_with(data, replace(Rules.default(), detectors=()))   # findings
    with Store.open(data) as st:                               # none, a day later
        st.ingest([dict(e, timestamp=e["timestamp"] + 86_400_000) for e in account_recording()],
                  masker_factory=masker_factory(Rules.default()))
    w = workspace(data)
    w.show_tab("Audit")
    qtbot.mouseClick(w.audit_button, Qt.MouseButton.LeftButton)
    assert w.audit_note.text() == "2 stored sessions audited: 2 findings, in 1 session."
    scope = w.audit_scope.text()
    assert scope == f"Looks for: {', '.join(AUDIT_KINDS)}." and len(scope.split()) < 15
    assert {"email", "credential", "sensitive-input"} <= set(AUDIT_KINDS)
    whole = looked_for(DETECTORS)
    assert whole in w.audit_scope.toolTip().replace("\n", " ")
    assert not w.audit_details.isVisible()
    qtbot.mouseClick(w.audit_details_button, Qt.MouseButton.LeftButton)
    assert w.audit_details.isVisible() and whole in w.audit_details.text()
    qtbot.mouseClick(w.audit_details_button, Qt.MouseButton.LeftButton)
    assert not w.audit_details.isVisible()


def test_rules_written_while_the_page_reads_them_are_shown_at_its_next_look(
        qtbot, tmp_path, workspace, monkeypatch):
    """The page read the rules, then noted the file's state: rules written in between were
    taken as read, and never shown. Noted first, the next look sees the file changed."""
    import app.privacy_workspace.widget as widget_module

    data = tmp_path / "data"
    store_with(data)
    w = workspace(data)
    read = widget_module.active_rules
    later = 'version = 1\nrevision = 7\ndefault = "mask"\n'

    written = []

    def read_then_written(folder):
        rules = read(folder)
        if not written:   # another program, just after the page's read
            (data / "rules.toml").write_text(later)
            written.append(True)
        return rules
    monkeypatch.setattr(widget_module, "active_rules", read_then_written)
    w.reload()
    monkeypatch.setattr(widget_module, "active_rules", read)
    assert "revision 7" not in w.title.text()
    w.check_rules_file()
    assert w.title.text() == "Privacy rules — revision 7", w.title.text()


def test_a_session_of_an_application_with_rules_of_its_own_is_dry_run_and_applied_under_those(
        qtbot, tmp_path, workspace):
    """A privacy officer's tryout: `replay mask --all --dry-run` looked at an application's
    session under its own rules (`replay app rules`) and said 0 would change; the workspace
    said 3 of 34 under the folder's, without a word. Its dry run and Apply follow the
    application's rules too, and the Session column says so."""
    from tests.app.test_app_cmd import replay_cli   # (the CLI as a person runs it)
    fixture = tmp_path.parent / "demo.json"
    fixture.write_text(json.dumps(account_recording()))
    data = tmp_path / "data"
    assert replay_cli(data, "app", "create", "shop").returncode == 0
    app_id = next(a["id"] for a in json.loads(replay_cli(data, "app", "list", "--json").stdout))
    assert replay_cli(data, "import", fixture, "--app", app_id).returncode == 0
    strict = tmp_path / "strict.toml"
    strict.write_text('version = 1\ndefault = "mask"\n')
    assert replay_cli(data, "app", "rules", "shop", "--rules", strict, "--yes").returncode == 0
    said = replay_cli(data, "mask", "--dry-run", "--all").stdout.splitlines()[0]
    w = workspace(data)
    qtbot.mouseClick(w.dry_run_button, Qt.MouseButton.LeftButton)
    first = [w.dry_run_table.item(0, c).text() for c in range(2)]
    assert first[0].endswith("(shop's rules)"), first
    assert first[1] == said.split("would change ")[1].split(" events")[0].split(",")[0], \
        (first, said)
    assert not first[1].startswith("0 of"), first
    # its preview says the rules edited here are not the ones it follows
    w.open_session(json.loads(replay_cli(data, "sessions", "--json").stdout)[0]["id"])
    w.wait_shown()
    assert "This session is of application shop, which has rules of its own" in \
        w.preview_note.text(), w.preview_note.text()
    # Apply re-masks it under them: the CLI's dry run then finds nothing more to change
    assert w.save() and w.apply_button.isEnabled()
    applied(qtbot, w, w.apply_to_stored(confirm=False))
    after = replay_cli(data, "mask", "--dry-run", "--all").stdout.splitlines()[0]
    assert "(application shop's rules)\twould change 0 of " in after, after


def test_a_masked_choice_is_not_outlined_as_masked_differently(qtbot, tmp_path, workspace):
    """A privacy officer's tryout: "1 element would be masked differently (outlined)" beside
    two outlines - the row a rule hid, and a select whose choice the built-in rules mask: the
    workspace's outline took the player's mark of a masked choice for its own."""
    data = tmp_path / "data"
    page = ("<p class=who>Signed in</p><select id=size><option>S</option>"
            "<option selected>M</option></select><input id=agree type=checkbox checked>")
    with Store.open(data) as st:
        st.ingest(html_to_events(page), masker_factory=masker_factory(Rules.default()))
    w = workspace(data)
    w.refresh_preview()
    w.wait_shown()
    marked = """(function(){ return Array.prototype.map.call(document.querySelectorAll('[%s]'),
        function(e){ return e.id || e.className; }); })()""" % MARK
    masked = "document.querySelectorAll('[data-replay-masked]').length"
    assert w.right.bridge.call_sync(masked) == 2   # the choices, masked as stored
    assert w.right.bridge.call_sync(marked) == [] and not w.preview.changed
    type_rule(qtbot, w, ".who", Level.MASK)
    w.refresh_preview()
    w.wait_shown()
    assert w.right.bridge.call_sync(marked) == ["who"] and len(w.preview.changed) == 1
