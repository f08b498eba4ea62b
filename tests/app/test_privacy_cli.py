"""`replay import` with rules, `replay mask`, `replay audit`: the commands a privacy officer
runs, end to end on real files and a real data folder."""
from __future__ import annotations

import json
from dataclasses import replace

from app.cli import main as cli
from recorder.privacy import parse_rules
from recorder.privacy.history import read_history
from recorder.privacy.preview import html_to_events
from recorder.store import Store

PAGE = """<!DOCTYPE html><html><body><p class="bio">Ada Lovelace, ada@example.com</p>
<input type="text" value="typed by Ada"></body></html>"""


def run(capsys, *argv):
    rc = cli([str(a) for a in argv])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def write_recording(tmp_path):
    p = tmp_path / "rec.json"
    p.write_text(json.dumps(html_to_events(PAGE, timestamp=1_700_000_000_000)))
    return p


def stored_text(data):
    store = Store.open(data)
    try:
        return json.dumps([list(store.session(s.id).events()) for s in store.sessions()])
    finally:
        store.close()


def test_import_applies_the_data_folders_active_rules(tmp_path, capsys):
    rec = write_recording(tmp_path)
    data = tmp_path / "data"
    rc, out, _ = run(capsys, "--data", data, "import", rec)        # built-in default
    assert rc == 0
    text = stored_text(data)
    assert "Ada Lovelace" in text and "typed by Ada" not in text and "ada@example.com" not in text

    data2 = tmp_path / "data2"
    data2.mkdir()
    (data2 / "rules.toml").write_text('default = "mask"\n[[rule]]\nselector = ".bio"\nlevel = "hidden"\n')
    run(capsys, "--data", data2, "import", rec)
    text = stored_text(data2)
    # the hidden paragraph keeps its box (its class), nothing of its content
    assert "Ada" not in text and '"class": "bio"' in text


def test_rules_other_than_the_active_ones_are_said_never_silent(tmp_path, capsys):
    """`import --rules FILE` where a privacy officer activated rules: allowed (a stricter
    file, a test), but said - what the active rules mask and the file does not is stored in
    clear. The active rules themselves, given as a file, are not worth a warning."""
    rec = write_recording(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    active = 'version = 1\n[[rule]]\nselector = ".bio"\nlevel = "hidden"\n'
    (data / "rules.toml").write_text(active)
    loose = tmp_path / "loose.toml"
    loose.write_text('version = 1\ndefault = "allow"\ndetectors = []\n')
    rc, _, err = run(capsys, "--data", data, "import", rec, "--rules", loose)
    assert rc == 0 and "not the data folder's active rules" in err and str(loose) in err, err
    same = tmp_path / "same.toml"
    same.write_text(active)
    other = tmp_path / "other"
    other.mkdir()
    (other / "rules.toml").write_text(active)
    rc, _, err = run(capsys, "--data", other, "import", rec, "--rules", same)
    assert rc == 0 and "active rules" not in err, err
    rc, _, err = run(capsys, "--data", tmp_path / "fresh", "import", rec, "--rules", loose)
    # none activated: nothing to depart from (a note says what the next import masks with)
    assert rc == 0 and "not the data folder's active rules" not in err and "warning" not in err, err


def test_bad_rules_are_a_clear_error_and_nothing_is_stored(tmp_path, capsys):
    rec = write_recording(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text('default = "mask"\n\n[[rule]]\nselector = "p:hover"\nlevel = "mask"\n')
    data = tmp_path / "data"
    rc, out, err = run(capsys, "--data", data, "import", "--rules", bad, rec)
    assert rc == 2 and out == ""
    assert "line 4: rule[1].selector" in err and ":hover is not supported" in err   # its line
    assert not data.exists() or not list(data.rglob("*.seg"))


def test_mask_then_audit(tmp_path, capsys):
    rec = write_recording(tmp_path)
    data = tmp_path / "data"
    allow = tmp_path / "allow.toml"
    allow.write_text('default = "allow"\ndetectors = []\n')
    strict = tmp_path / "strict.toml"
    strict.write_text('default = "mask"\n')
    sid = run(capsys, "--data", data, "import", "--rules", allow, rec)[1].strip()

    rc, out, _ = run(capsys, "--data", data, "audit", "--json", "--all")
    assert rc == 1
    (report,) = json.loads(out)
    assert report["session"] == sid and report["counts"] == {"email": 1}
    assert report["findings"][0]["excerpt"] == "a***@e***.com" and "ada@example.com" not in out
    rc, out, _ = run(capsys, "--data", data, "audit", "--all")   # as the Audit tab says it
    assert rc == 1 and out.rstrip().endswith("1 session audited: 1 finding, in 1 session."), out

    assert run(capsys, "--data", data, "mask", "--rules", strict)[0] == 2       # what to mask?
    rc, _, err = run(capsys, "--data", data, "mask", "--rules", strict, "nope")
    assert rc == 2 and "no session 'nope'" in err
    rc, out, _ = run(capsys, "--data", data, "mask", "--rules", strict, "--all", "--activate")
    assert rc == 0 and out.startswith(f"{sid}\tre-masked")
    # active, as a logged revision of the data folder's rules
    assert parse_rules((data / "rules.toml").read_text()) == replace(
        parse_rules(strict.read_text()), revision=1)
    (change,), _ = read_history(data)
    assert change.summary == ("default level: mask-user-input -> mask",)
    assert "Ada" not in stored_text(data)
    rc, out, _ = run(capsys, "--data", data, "audit", sid[:8])
    # it says what it looked for, and calls nothing "clean" beyond that
    assert rc == 0 and "audited: nothing found." in out and "clean" not in out
    words = " ".join(out.split())
    assert "looked for: email, card, phone, iban, ssn" in words
    assert "none of: email, card, phone, iban, ssn, credential, sensitive-input" in words
    # piped (as here), a sentence is one line: rich cut them at 80 columns, mid-phrase
    lines = out.splitlines()
    assert lines[0].startswith("looked for: ") and lines[0].endswith("not searched"), lines[:3]
    assert all(ln == ln.rstrip() for ln in lines), lines


def test_outputs_of_a_file_follow_the_active_rules(tmp_path, capsys):
    """--rules, else the data folder's rules.toml, else the default; --unmasked says so."""
    rec = write_recording(tmp_path)
    data = tmp_path / "data"
    out = tmp_path / "out.json"
    rc, _, err = run(capsys, "--data", data, "export", rec, "-o", out)     # built-in default
    assert rc == 0 and "typed by Ada" not in out.read_text() and "ada@example.com" not in out.read_text()
    assert "Ada Lovelace" in out.read_text() and "unmasked" not in err

    data.mkdir()
    (data / "rules.toml").write_text('default = "mask"\n')                 # the folder's
    run(capsys, "--data", data, "export", rec, "-o", out, "--overwrite")
    assert "Ada" not in out.read_text()
    allow = tmp_path / "allow.toml"
    allow.write_text('default = "allow"\ndetectors = []\n')
    run(capsys, "--data", data, "export", rec, "-o", out, "--rules", allow, "--overwrite")  # given wins
    assert "Ada Lovelace" in out.read_text() and "typed by Ada" in out.read_text()

    rc, _, err = run(capsys, "--data", data, "snapshot", rec, "-o", tmp_path / "s.html", "--unmasked")
    assert rc == 0 and "ada@example.com" in (tmp_path / "s.html").read_text()
    assert err.count("\n") == 2 and "--unmasked: the output is unmasked" in err

    rc, _, err = run(capsys, "--data", data, "export", rec, "--unmasked", "--rules", allow)
    assert rc == 2 and "contradict" in err
    rc, _, err = run(capsys, "--data", data, "export", rec, "--rules", tmp_path / "none.toml")
    assert rc == 2 and "none.toml not found" in err and "Traceback" not in err


def test_stored_sessions_are_shown_as_stored_and_given_rules_tighten_them(tmp_path, capsys):
    rec = write_recording(tmp_path)
    data = tmp_path / "data"
    sid = run(capsys, "--data", data, "import", rec)[1].strip()
    out = tmp_path / "out.json"
    run(capsys, "--data", data, "export", sid, "-o", out)
    assert "Ada Lovelace" in out.read_text()                      # as stored (default rules)
    strict = tmp_path / "strict.toml"
    strict.write_text('default = "mask"\n')
    run(capsys, "--data", data, "export", sid, "-o", out, "--rules", strict, "--overwrite")
    assert "Ada" not in out.read_text()
    rc, _, err = run(capsys, "--data", data, "export", sid, "-o", out, "--unmasked", "--overwrite")
    assert rc == 0 and "is a stored session, shown as stored" in err
    assert "typed by Ada" not in out.read_text()                  # masked when it was stored


def test_mask_of_a_file_and_dry_run(tmp_path, capsys):
    rec = write_recording(tmp_path)
    data = tmp_path / "data"
    strict = tmp_path / "strict.toml"
    strict.write_text('default = "mask"\n')
    before = rec.read_bytes()

    rc, out, _ = run(capsys, "--data", data, "mask", "--rules", strict, rec, "--dry-run")
    assert rc == 0 and rec.read_bytes() == before and set(tmp_path.iterdir()) == {rec, strict}
    assert "would change 1 of 2 events" in out and "default level mask: " in out
    assert "Ada" not in out

    rc, _, err = run(capsys, "--data", data, "mask", "--rules", strict, rec)
    assert rc == 2 and "-o rec-masked.json" in err
    masked = tmp_path / "rec-masked.json"
    rc, out, _ = run(capsys, "--data", data, "mask", "--rules", strict, rec, "-o", masked)
    assert rc == 0 and "Ada" not in masked.read_text() and rec.read_bytes() == before
    rc, out, _ = run(capsys, "--data", data, "audit", masked, rec)
    words = "".join(out.split())   # rich wraps long paths
    assert rc == 1 and f"{masked}(" in words and "1email" in words   # the raw file has it
    # without --rules, a file's copy is masked under the rules in force (and says so)
    data.mkdir()
    (data / "rules.toml").write_text('default = "mask"\n')
    in_force = tmp_path / "in-force.json"
    rc, out, err = run(capsys, "--data", data, "mask", rec, "-o", in_force)
    assert rc == 0 and f"under the active rules, {data / 'rules.toml'}" in err
    assert "under the rules in force" in out
    assert in_force.read_text() == masked.read_text()
    (data / "rules.toml").unlink()
    data.rmdir()

    sid = run(capsys, "--data", data, "import", "--rules", tmp_path / "strict.toml", rec)[1].strip()
    rc, _, err = run(capsys, "--data", data, "mask", "--rules", strict, rec, sid, "-o", masked)
    assert rc == 2 and "not both" in err
    rc, _, err = run(capsys, "--data", data, "mask", "--rules", strict, "--activate")
    assert rc == 2 and "no session named" in err and "not both" not in err
    rc, _, err = run(capsys, "--data", data, "mask", "--rules", strict, sid, "-o", masked)
    assert rc == 2 and "-o is for a recording file" in err
    # a dry run over stored sessions changes nothing either
    text = stored_text(data)
    allow = tmp_path / "allow.toml"
    allow.write_text('default = "allow"\n')
    rc, out, _ = run(capsys, "--data", data, "mask", "--rules", allow, "--all", "--dry-run")
    assert rc == 0 and out.startswith(f"{sid}\twould change 0 of 2 events") and stored_text(data) == text


def test_activate_refuses_before_re_masking_when_the_active_rules_are_broken(tmp_path, capsys):
    rec = write_recording(tmp_path)
    data = tmp_path / "data"
    run(capsys, "--data", data, "import", rec)
    before = stored_text(data)
    (data / "rules.toml").write_text("default = [\n")
    strict = tmp_path / "strict.toml"
    strict.write_text('default = "mask"\n')
    rc, out, err = run(capsys, "--data", data, "mask", "--rules", strict, "--all", "--activate")
    assert rc == 2 and out == "" and "rules.toml, line 1: not valid TOML" in err
    assert stored_text(data) == before and (data / "rules.toml").read_text() == "default = [\n"


def test_audit_does_not_pass_a_session_it_could_not_read_whole(tmp_path, capsys):
    # a gate on `replay audit` must not pass a session whose damaged segment was never read
    rec = write_recording(tmp_path)
    data = tmp_path / "data"
    strict = tmp_path / "strict.toml"
    strict.write_text('default = "mask"\n')
    sid = run(capsys, "--data", data, "import", "--rules", strict, rec)[1].strip()
    rc, out, _ = run(capsys, "--data", data, "audit", sid[:8])
    assert rc == 0 and "audited: nothing found." in out
    (seg,) = [p for p in (data / "segments").rglob("*") if p.is_file()]
    blob = bytearray(seg.read_bytes())
    blob[-5] ^= 0xFF       # inside the payload: its checksum no longer holds
    seg.write_bytes(bytes(blob))
    rc, out, _ = run(capsys, "--data", data, "audit", sid[:8])
    words = " ".join(out.split())
    assert rc == 1 and "audited: nothing found." in words and "not audited whole" in words, out
    rc, out, _ = run(capsys, "--data", data, "audit", "--json", sid[:8])
    assert rc == 1 and json.loads(out)[0]["damaged_segments"] == [0]


def test_without_rules_mask_looks_at_and_re_masks_under_the_rules_in_force(tmp_path, capsys):
    """A privacy officer checking history against the rules in force: `mask --dry-run --all`
    needs no --rules (the active file, else the defaults, said on stderr), and neither does
    the re-mask (it asked for a file: with the built-in rules in force there was none to give,
    so sessions stored before a new detector could not be masked by it)."""
    rec = write_recording(tmp_path)
    data = tmp_path / "data"
    allow = tmp_path / "allow.toml"
    allow.write_text('default = "allow"\n')
    sid = run(capsys, "--data", data, "import", "--rules", allow, rec)[1].strip()
    text = stored_text(data)
    rc, out, err = run(capsys, "--data", data, "mask", "--dry-run", "--all")
    assert rc == 0 and stored_text(data) == text
    assert "replay: note: a dry run under the built-in default rules (no rules.toml in" in err
    assert out.startswith(f"{sid}\twould change 1 of 2 events")   # the defaults mask the input
    (data / "rules.toml").write_text('default = "mask"\n')
    rc, out, err = run(capsys, "--data", data, "mask", "--dry-run", "--all")
    assert rc == 0 and f"a dry run under the active rules, {data / 'rules.toml'}" in err
    assert "default level mask: " in out and "Ada" not in out
    rc, _, err = run(capsys, "--data", data, "mask", "--all", "--activate")
    assert rc == 2 and err.startswith("replay: error: --activate makes a rules file the active")
    assert stored_text(data) == text
    rc, out, err = run(capsys, "--data", data, "mask", "--all")
    assert rc == 0 and f"re-masking under the active rules, {data / 'rules.toml'}" in err
    assert out.startswith(f"{sid}\tre-masked\t") and "Ada" in text and "Ada" not in stored_text(data)
    assert "--activate" not in err   # these are the rules in force: nothing to make active
    rc, out, _ = run(capsys, "--data", data, "mask", "--dry-run", "--all")
    assert rc == 0 and out.startswith(f"{sid}\twould change 0 of ")


def test_a_missing_rules_file_says_what_to_do_once(tmp_path, capsys):
    rec = write_recording(tmp_path)
    missing = tmp_path / "nope.toml"
    for argv, then in ((["import", "--rules", missing, rec], "then import again"),
                       (["mask", "--rules", missing, "--all"], "then run mask again"),
                       (["export", rec, "--rules", missing, "-o", tmp_path / "x.har"],
                        "or give another with --rules")):
        rc, out, err = run(capsys, "--data", tmp_path / "data", *argv)
        assert (rc, out) == (2, "")
        assert err == f"replay: error: rules file {missing} not found - check the path, {then}\n"
    bad = tmp_path / "bad.toml"
    bad.write_text('default = "mask"\n[[rule]]\nselector = "p"\nlevel = mask\n')
    rc, _, err = run(capsys, "--data", tmp_path / "data", "import", "--rules", bad, rec)
    assert rc == 2 and err == (f"replay: error: {bad}, line 4: not valid TOML: Invalid value"
                               " (column 9) - fix the rules file, then import again\n")


def test_mask_of_what_is_no_recording_or_session_is_one_line(tmp_path, capsys):
    """The note naming the rules in force came before the error of a name that is no stored
    session, or of a file that is no recording: two lines where every command says one."""
    rec = write_recording(tmp_path)
    data = tmp_path / "data"
    run(capsys, "--data", data, "import", rec)
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    for argv, said in ((["mask", str(tmp_path / "gone.json")], "gone.json: no such file"),
                       (["mask", "nosuch"], "no session 'nosuch'"),
                       (["mask", "--dry-run", "nosuch"], "no session 'nosuch'"),
                       (["mask", text, "-o", tmp_path / "m.json"], "this is a text file")):
        rc, out, err = run(capsys, "--data", data, *argv)
        assert (rc, out) == (2, "") and err.count("\n") == 1, err
        assert err.startswith("replay: error: ") and said in err
    assert not (tmp_path / "m.json").exists()
    rc, _, err = run(capsys, "--data", data, "mask", rec, "-o", tmp_path / "m.json")
    assert rc == 0 and err.startswith("replay: note: masking the copy under the built-in")


def test_mask_says_how_many_events_the_rules_dropped(tmp_path, capsys):
    """`re-masked 410 events` did not say that 6 had gone (a hidden subtree's events)."""
    import re
    from pathlib import Path
    demo = Path(__file__).resolve().parents[2] / "assets" / "demo" / "demo-session.json"
    data = tmp_path / "data"
    assert run(capsys, "--data", data, "import", demo)[0] == 0
    (before,) = json.loads(run(capsys, "--data", data, "sessions", "--json")[1])
    hide = tmp_path / "hide.toml"
    hide.write_text('default = "mask"\n[[rule]]\nselector = "#grid"\nlevel = "hidden"\n')
    rc, out, _ = run(capsys, "--data", data, "mask", "--rules", hide, "--all")
    m = re.fullmatch(r"acme-shop-demo\tre-masked\t(\d+) events \(of (\d+): (\d+) dropped by"
                     r" the rules\)\n", out)
    assert rc == 0 and m, out
    (after,) = json.loads(run(capsys, "--data", data, "sessions", "--json")[1])
    kept, of, dropped = map(int, m.groups())
    assert (of, kept) == (before["record_count"], after["record_count"])
    assert dropped == of - kept > 0


def test_audit_names_the_user_a_session_keeps_and_does_not_say_none_of_email(tmp_path, capsys):
    """`import --user-email` keeps the owner's email (by design: `delete --user` finds it);
    the audit must not say "none of: email" about a store that holds it."""
    rec = write_recording(tmp_path)
    data = tmp_path / "data"
    rc, out, _ = run(capsys, "--data", data, "import", rec, "--user", "u-42", "--user-name",
                     "Ada Lovelace", "--user-email", "ada@example.com")
    sid = out.strip()
    with Store.open(data) as store:
        assert store.session(sid).info.user_email == "ada@example.com"
    rc, out, _ = run(capsys, "--data", data, "audit", "--all")
    words = " ".join(out.split())
    assert rc == 0   # kept by design: not a finding, the gate passes
    assert "a session's user (its id, name, email: whom it belongs to) is kept by design" \
        " and named per session, not searched" in words
    assert "none of: email, card, phone, iban, ssn, credential, sensitive-input in its events or context; its" \
        " user's id, name and email are recorded as its owner, by design (`replay delete" \
        " --user` erases the user's sessions)" in words
    assert "in every stored string" not in words and "ada@example.com" not in out
    rc, out, _ = run(capsys, "--data", data, "audit", "--all", "--json")
    (report,) = json.loads(out)
    assert report["owner"] == ["id", "name", "email"] and report["counts"] == {}
    assert "ada@example.com" not in out and "Ada Lovelace" not in out
    # once the user's sessions are erased, nothing of them is left to name
    assert run(capsys, "--data", data, "delete", "--user", "ada@example.com", "--yes")[0] == 0
    assert json.loads(run(capsys, "--data", data, "audit", "--all", "--json")[1]) == []


def test_rules_are_activated_before_any_session_is_stored(tmp_path, capsys):
    """A privacy officer's first step comes before the first import: `mask --activate --all`
    on a data folder that does not exist yet makes it (its owner's alone) and activates the
    rules, re-masking nothing; the first import is masked by them."""
    data = tmp_path / "new" / "data"
    rules = tmp_path / "strict.toml"
    rules.write_text('version = 1\n[[rule]]\nselector = ".bio"\nlevel = "hidden"\n')
    rc, out, err = run(capsys, "--data", data, "mask", "--rules", rules, "--activate", "--all")
    assert rc == 0 and "nothing re-masked" in err and "revision 1" in out, (out, err)
    assert (data / "rules.toml").is_file() and (data.stat().st_mode & 0o077) == 0
    rc, _, _ = run(capsys, "--data", data, "import", write_recording(tmp_path))
    assert rc == 0 and "Ada Lovelace" not in stored_text(data)


def test_re_masking_says_the_next_recordings_still_follow_the_rules_in_force(tmp_path, capsys):
    """A privacy officer re-masked history under stricter rules without --activate, took
    them for the store's, and the next import stored what they mask in clear, silently (a
    privacy officer's tryout): the re-mask now says which rules new recordings follow and
    how to change that; with --activate, or under the rules in force already, it does not."""
    data = tmp_path / "data"
    rec = write_recording(tmp_path)
    run(capsys, "--data", data, "import", rec)
    strict = tmp_path / "strict.toml"
    strict.write_text('default = "mask"\n')
    rc, _, err = run(capsys, "--data", data, "mask", "--rules", strict, "--all")
    words = " ".join(err.split())
    assert rc == 0 and "new recordings (import, the intake) are still masked under the" \
        " built-in rules" in words and "--activate" in words
    rc, _, err = run(capsys, "--data", data, "mask", "--rules", strict, "--all", "--activate")
    assert rc == 0 and "still masked" not in err and "mask less" not in err
    rc, _, err = run(capsys, "--data", data, "mask", "--rules", strict, "--all")
    assert rc == 0 and "still masked" not in err   # the rules in force now


def test_activating_looser_rules_says_what_they_let_through(tmp_path, capsys):
    """`mask --activate` of rules that mask less (default allow, no detectors) only said
    "active rules: ... (revision 2)" (a privacy officer's tryout): it warns, naming each
    loosening, as `import --rules` of a looser file does; a stricter change says nothing."""
    data = tmp_path / "data"
    strict, loose = tmp_path / "strict.toml", tmp_path / "loose.toml"
    strict.write_text('default = "mask"\n[[rule]]\nselector = ".bio"\nlevel = "hidden"\n')
    loose.write_text('default = "allow"\ndetectors = []\n')
    rc, _, err = run(capsys, "--data", data, "mask", "--rules", strict, "--activate", "--all")
    assert rc == 0 and "mask less" not in err, err
    # a warning after the change was too late: it asks first (no terminal: --yes)
    rc, out, err = run(capsys, "--data", data, "mask", "--rules", loose, "--activate", "--all")
    assert rc == 2 and err.strip() == (
        f"replay: error: {loose} masks less than the rules in force (default level: mask ->"
        " allow; rule removed: .bio (hidden); detector removed: email; detector removed: card;"
        " detector removed: phone; detector removed: iban; detector removed: ssn): add --yes to"
        " make it the active rules anyway"), err
    assert 'default = "mask"' in (data / "rules.toml").read_text()
    from terminal import replay_at_a_terminal
    code, out, shown = replay_at_a_terminal("--data", data, "mask", "--rules", loose,
                                            "--activate", "--all", answer=b"\n")
    assert code == 0 and "Make it the active rules? [y/N]" in shown and "nothing changed" \
        in shown and 'default = "mask"' in (data / "rules.toml").read_text(), shown
    rc, out, err = run(capsys, "--data", data, "mask", "--rules", loose, "--activate", "--all",
                       "--yes")
    words = " ".join(err.split())
    assert rc == 0 and "revision 2" in out
    assert "warning: the rules in force mask less than before: default level: mask -> allow;" \
        " rule removed: .bio (hidden); detector removed: email" in words
    assert "stored in clear from the next recording on" in words


def test_importing_with_a_rules_file_into_a_folder_without_rules_says_what_comes_next(tmp_path, capsys):
    """`import --rules FILE` into a data folder with no active rules masked with the file and
    said nothing: the next import without --rules masked with the built-in default (a privacy
    officer took the file for the folder's). A note says so, and how to make it the rules in
    force; the built-in rules themselves, or a folder with rules of its own, say no such thing."""
    data = tmp_path / "data"
    strict = tmp_path / "strict.toml"
    strict.write_text('default = "mask"\n')
    rec = write_recording(tmp_path)
    rc, _, err = run(capsys, "--data", data, "import", rec, "--rules", strict)
    assert rc == 0
    assert f"note: masked with {strict}; {data} has no active rules, so an import without" \
        f" --rules masks with the built-in default - `replay mask --rules {strict} --activate" \
        " --all` makes this file the rules in force" in " ".join(err.split()), err
    builtin = tmp_path / "builtin.toml"
    builtin.write_text('default = "mask-user-input"\n')
    rc, _, err = run(capsys, "--data", tmp_path / "data2", "import", rec, "--rules", builtin)
    assert rc == 0 and "no active rules" not in err


def test_a_dry_run_of_looser_rules_says_activating_them_asks_first(tmp_path, capsys):
    """A privacy officer's `mask --dry-run --rules loose.toml` said what would change, and the
    `--activate` after it was refused for want of --yes with no word before: the dry run says
    that the rules mask less than those in force, and that activating them asks first."""
    data = tmp_path / "data"
    loose = tmp_path / "loose.toml"
    loose.write_text('default = "allow"\n')
    assert run(capsys, "--data", data, "import", write_recording(tmp_path))[0] == 0
    rc, out, err = run(capsys, "--data", data, "mask", "--rules", loose, "--dry-run", "--all")
    assert rc == 0 and "would change" in out
    words = " ".join(err.split())
    assert f"note: {loose} masks less than the rules in force (default level: mask-user-input ->" \
        " allow): making it the active rules (--activate) asks first - without a terminal, add" \
        " --yes" in words, words
    same = tmp_path / "same.toml"
    same.write_text('default = "mask-user-input"\n')
    rc, out, err = run(capsys, "--data", data, "mask", "--rules", same, "--dry-run", "--all")
    assert rc == 0 and "asks first" not in err


def test_removing_an_allow_rule_is_not_called_masking_less(tmp_path, capsys):
    """Active rules with `header` at allow; the same without it was refused "masks less than
    the rules in force (rule removed: header (allow))" and, with --yes, warned so: what the
    rule let through falls back to the default. The other way, adding it, is asked about;
    a `mask-user-input` rule removed is asked about as masking differently, not less."""
    data = tmp_path / "data"
    a, b, c = tmp_path / "a.toml", tmp_path / "b.toml", tmp_path / "c.toml"
    b.write_text('default = "mask"\n')
    a.write_text(b.read_text() + '[[rule]]\nselector = "header"\nlevel = "allow"\n')
    c.write_text(b.read_text() + '[[rule]]\nselector = "form"\nlevel = "mask-user-input"\n')
    assert run(capsys, "--data", data, "mask", "--rules", a, "--activate", "--all",
               "--yes")[0] == 0
    rc, out, err = run(capsys, "--data", data, "mask", "--rules", b, "--activate", "--all")
    assert rc == 0 and "revision 2" in out and "less" not in err and "warning" not in err, err
    rc, _, err = run(capsys, "--data", data, "mask", "--rules", a, "--activate", "--all")
    assert rc == 2 and err.strip() == (
        f"replay: error: {a} masks less than the rules in force (rule added: header (allow)):"
        " add --yes to make it the active rules anyway"), err
    assert run(capsys, "--data", data, "mask", "--rules", c, "--activate", "--all")[0] == 2
    assert run(capsys, "--data", data, "mask", "--rules", c, "--activate", "--all",
               "--yes")[0] == 0
    rc, out, err = run(capsys, "--data", data, "mask", "--rules", b, "--activate", "--all")
    assert rc == 2 and err.strip() == (
        f"replay: error: {b} masks differently from the rules in force (rule removed: form"
        " (mask-user-input) (masks more in some places, less in others)): add --yes to make it"
        " the active rules anyway"), err
    rc, out, err = run(capsys, "--data", data, "mask", "--rules", b, "--activate", "--all",
                       "--yes")
    words = " ".join(err.split())
    assert rc == 0 and "warning: the rules in force mask differently from before: rule" \
        " removed: form (mask-user-input)" in words and "less than" not in words, words


def test_a_masked_copy_is_a_bundle_or_rrweb_json(tmp_path, capsys):
    """`mask FILE -o out.txt` wrote rrweb JSON into a .txt file (a privacy officer's
    tryout); as export does, a suffix it does not write is refused, nothing written."""
    rec = write_recording(tmp_path)
    rc, _, err = run(capsys, "--data", tmp_path / "data", "mask", rec, "-o", tmp_path / "out.txt")
    assert rc == 2 and "not .txt" in err and "out.replay or out.json" in err
    assert not (tmp_path / "out.txt").exists()


def _decompressed(seg_file) -> bytes:
    """A segment file's payload as far as zstd reads it, its checksum not asked: what
    anyone holding a damaged file can read of it."""
    import io

    import zstandard

    from recorder.segments import _FIXED

    blob = seg_file.read_bytes()
    _, _, hlen, plen = _FIXED.unpack_from(blob)
    reader = zstandard.ZstdDecompressor().stream_reader(
        io.BytesIO(blob[_FIXED.size + hlen:_FIXED.size + hlen + plen]))
    out = b""
    try:
        while chunk := reader.read(64):
            out += chunk
    except zstandard.ZstdError:
        pass
    return out


def test_re_masking_erases_what_repair_set_aside_of_the_session(tmp_path, capsys, caplog):
    """A session stored under rules that kept a credential, one of its segment files damaged
    since (one flipped byte: its checksum fails, its text still decompresses) and set aside in
    unreferenced/ by `replay repair`. `replay mask --all` re-masked the session - and left
    that file, the old text in it, for good: the damaged index copy `repair` sets aside went
    with a re-mask, the damaged segments it sets aside only with `replay delete`. They go with
    the re-mask too, and it says so."""
    t0 = 1_700_000_000_000
    first = html_to_events(PAGE, href="https://shop.example/a", timestamp=t0)
    second = html_to_events("<p>next</p>", href="https://shop.example/b?token=s3cr3tTOKEN",
                            timestamp=t0 + 5000)
    rec = tmp_path / "two-pages.json"
    rec.write_text(json.dumps(first + second))
    data, allow = tmp_path / "data", tmp_path / "allow.toml"
    allow.write_text('default = "allow"\nkeep_query_params = ["token"]\n')
    rc, out, err = run(capsys, "--data", data, "import", "--rules", allow, rec)
    assert rc == 0, err
    segs = sorted(p for p in (data / "segments").rglob("*.seg"))
    assert len(segs) == 2 and b"s3cr3tTOKEN" in _decompressed(segs[1])
    blob = bytearray(segs[1].read_bytes())
    blob[-3] ^= 0xFF
    segs[1].write_bytes(bytes(blob))
    rc, out, err = run(capsys, "--data", data, "repair")
    (aside,) = (data / "unreferenced").rglob("*.seg")
    assert b"s3cr3tTOKEN" in _decompressed(aside)   # the premise: readable, if damaged

    rc, out, err = run(capsys, "--data", data, "mask", "--all")
    assert rc == 0 and "re-masked" in out, err
    # (said on stderr in the command's words: recorder.said)
    assert "erased 1 damaged segment file `replay repair` had set aside" in caplog.text
    assert not [p for p in (data / "unreferenced").rglob("*") if p.is_file()]
    left = [p for p in data.rglob("*") if p.is_file() and (
        b"s3cr3tTOKEN" in p.read_bytes() or
        (p.suffix == ".seg" and b"s3cr3tTOKEN" in _decompressed(p)))]
    assert left == []


def test_audit_help_names_every_default_detector(capsys):
    """`audit --help` said "e-mail addresses, card numbers and phone numbers", written by hand:
    the IBAN and SSN detectors it runs by default were not there. It is made from the
    detector table now."""
    import pytest

    with pytest.raises(SystemExit) as done:
        cli(["audit", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert done.value.code == 0
    assert "e-mail addresses, payment card numbers, phone numbers, bank account numbers (IBANs)" \
           " and US Social Security numbers (patterns," in said, said


def test_a_session_nothing_of_which_can_be_kept_is_said_to_be_erased(tmp_path, capsys):
    """`replay mask --all` over a session whose only segment is damaged said "re-masked 0
    events, damaged segments dropped: [0]" - and the session was gone from `replay
    sessions` (a privacy officer's tryout): it says that the session was erased, and why."""
    rec = write_recording(tmp_path)
    data = tmp_path / "data"
    strict = tmp_path / "strict.toml"
    strict.write_text('default = "mask"\n')
    sid = run(capsys, "--data", data, "import", "--rules", strict, rec)[1].strip()
    (seg,) = [p for p in (data / "segments").rglob("*") if p.is_file()]
    blob = bytearray(seg.read_bytes())
    blob[-5] ^= 0xFF       # inside the payload: its checksum no longer holds
    seg.write_bytes(bytes(blob))
    rc, out, _ = run(capsys, "--data", data, "mask", "--rules", strict, "--all")
    assert rc == 0 and out.split("\t")[1:] == [
        "erased", "nothing of it was left to keep: every segment it held is damaged\n"], out
    assert sid[:8] in out.split("\t")[0]
    rc, out, _ = run(capsys, "--data", data, "sessions", "--json")
    assert rc == 0 and json.loads(out) == []


def test_activating_rules_names_the_applications_that_keep_their_own(tmp_path, capsys):
    """A privacy officer made stricter rules active and took them for the rules every site's
    next recordings follow; an application with rules of its own kept storing what they mask
    in clear (a privacy officer's tryout). Activation names such applications, and how to
    have one follow the active rules; with none, it says nothing of them."""
    data = tmp_path / "data"
    strict = tmp_path / "strict.toml"
    strict.write_text('default = "mask"\n')
    rc, _, err = run(capsys, "--data", data, "mask", "--rules", strict, "--activate", "--all")
    assert rc == 0 and "own" not in err, err
    own = tmp_path / "own.toml"
    own.write_text('default = "allow"\n')
    for argv in (("app", "create", "shop", "--origin", "https://a.test"),
                 ("app", "create", "blog", "--origin", "https://b.test"),
                 ("app", "rules", "shop", "--rules", own, "--yes")):
        assert run(capsys, "--data", data, *argv)[0] == 0
    rc, out, err = run(capsys, "--data", data, "mask", "--rules", strict, "--activate", "--all")
    words = " ".join(err.split())
    assert rc == 0 and "application shop has rules of its own: the intake masks its next" \
        " recordings under those, not the active rules" in words, err
    assert "blog" not in err and "replay app rules NAME --clear" in words


def test_a_folder_with_no_session_says_so_on_a_dry_run_and_a_re_mask(tmp_path, capsys):
    """`mask --all --dry-run` of a data folder holding no session printed nothing at all, and
    `mask --all` said only "what is stored was re-masked under r.toml" (a privacy officer's
    tryout): each says there is nothing stored, and nothing else happens."""
    data = tmp_path / "data"
    rules = tmp_path / "r.toml"
    rules.write_text('[[rule]]\nselector = ".bio"\nlevel = "mask"\n')
    assert run(capsys, "--data", data, "app", "create", "shop")[0] == 0
    rc, out, err = run(capsys, "--data", data, "mask", "--rules", rules, "--all", "--dry-run")
    assert (rc, out) == (0, "") and err == f"no session is stored in {data} yet: nothing to look at\n"
    rc, out, err = run(capsys, "--data", data, "mask", "--rules", rules, "--all", "--yes")
    assert (rc, out) == (0, "") and err == f"no session is stored in {data} yet: nothing re-masked\n"
    assert not (data / "rules.toml").exists()


def test_audit_looks_for_the_url_parameters_the_rules_in_force_add(tmp_path, capsys):
    """A privacy officer's tryout: the folder's rules scrub `otp=` (built in since), a session
    holding `?otp=...` in clear (recorded before those rules) audited "nothing found". The parameters
    the rules in force add - the folder's, and each application's own - are looked for too,
    and said among what was looked for."""
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(html_to_events(
        "<p>signed in</p>", href="https://shop.example/cb?ticket=ZQX424242&x=1")))
    data = tmp_path / "data"
    code, out, _ = run(capsys, "--data", str(data), "audit", str(f))
    assert code == 0 and "ticket" not in out, out   # the built-in rules do not scrub it
    data.mkdir()
    (data / "rules.toml").write_text('version = 1\nscrub_query_params = ["ticket", "pin"]\n')
    code, out, _ = run(capsys, "--data", str(data), "audit", str(f))
    assert code == 1 and "ticket=***" in out and "ZQX" not in out, out
    assert "those the rules in force add - pin=, ticket=" in " ".join(out.split()), out
