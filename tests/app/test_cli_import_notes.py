"""What `replay import` says on stderr besides the ids on stdout: a re-import that stores
nothing, a longer copy appended, and what the privacy rules left out (counts by kind, never
a value). Real `replay` processes."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from replay_tools.generator import generate_session


def replay(*argv) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *map(str, argv)],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def recording() -> list[dict]:
    """A generated session: its checkboxes' state is masked by default, so dropped."""
    return list(generate_session(3000, duration_ms=3000 * 15, seed=3))


def test_again_says_nothing_new_longer_says_appended_ids_unchanged(tmp_path, recording):
    data = tmp_path / "d"
    short, full = tmp_path / "short.json", tmp_path / "full.json"
    short.write_text(json.dumps(recording[:2000]))
    full.write_text(json.dumps(recording))
    first = replay("--data", data, "import", short)
    assert first.returncode == 0 and "already stored" not in first.stderr
    (sid,) = first.stdout.split()
    for flags in ((), ("--as-new",)):
        again = replay("--data", data, "import", *flags, short)
        assert again.returncode == 0 and again.stdout.split() == [sid]   # scripts read stdout
        assert f"replay: note: {short}: {sid}: already stored, nothing new" in again.stderr
        assert "privacy rules dropped" not in again.stderr   # nothing was stored
    (before,) = json.loads(replay("--data", data, "sessions", "--json").stdout)
    longer = replay("--data", data, "import", full)
    assert longer.returncode == 0 and longer.stdout.split() == [sid]
    (after,) = json.loads(replay("--data", data, "sessions", "--json").stdout)
    # named with its file, as every note of an import is (several files: which one)
    m = re.search(rf"^replay: note: {re.escape(str(full))}: {sid}: already stored, appended"
                  rf" ([\d,]+) events$", longer.stderr, re.M)
    assert m, longer.stderr
    appended = int(m.group(1).replace(",", ""))
    assert appended > 0 and after["record_count"] - before["record_count"] == appended


def test_import_counts_what_the_privacy_rules_dropped(tmp_path, recording):
    src = tmp_path / "g.json"
    src.write_text(json.dumps(recording))
    proc = replay("--data", tmp_path / "d", "import", src)
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if "privacy rules dropped" in ln]
    assert len(lines) == 1, proc.stderr
    m = re.search(r"dropped ([\d,]+) checkbox/radio inputs", lines[0])
    assert m, lines[0]
    # it says which rules did it, where a person would open them
    assert "the rules in force: the built-in rules (no rules file)" in lines[0]
    (row,) = json.loads(replay("--data", tmp_path / "d", "sessions", "--json").stdout)
    dropped = int(m.group(1).replace(",", ""))
    assert row["record_count"] <= len(recording) - dropped
    # the line counts kinds; no value of the recording is in it
    values = {e["data"]["text"] for e in recording if e.get("type") == 3
              and e["data"].get("source") == 5 and len(e["data"].get("text") or "") > 3}
    assert values and not any(v in lines[0] for v in values)


def test_rules_given_with_the_import_are_named_as_such_and_a_hint_is_only_what_can_work(
        tmp_path, recording):
    """A privacy officer read "(the rules in force: allow.toml; the app's Privacy page edits
    them)" - it does not; and `import --rules allow.toml` of a stored session pointed to
    `replay mask --rules allow.toml`, which can only say "unchanged": what is stored masked
    stays masked."""
    src, data = tmp_path / "g.json", tmp_path / "d"
    src.write_text(json.dumps(recording))
    strict, loose = tmp_path / "strict.toml", tmp_path / "allow.toml"
    strict.write_text('default = "mask"\n')
    loose.write_text('default = "allow"\ndetectors = []\n')
    proc = replay("--data", data, "import", "--rules", strict, src)
    assert proc.returncode == 0, proc.stderr
    (line,) = [ln for ln in proc.stderr.splitlines() if "privacy rules dropped" in ln]
    assert line.endswith(f"(under {strict}, given with --rules)"), line
    proc = replay("--data", data, "import", "--rules", loose, src)
    assert proc.returncode == 2 and "so --rules did not apply to it; re-masking cannot show" \
        " what it stores masked, and these rules mask nothing more" in proc.stderr, proc.stderr
    assert "replay mask" not in proc.stderr
    proc = replay("--data", data, "import", "--rules", strict, src)
    assert proc.returncode == 2 and f"replay mask --rules {strict}" in proc.stderr, proc.stderr


def test_a_refusal_after_re_masking_says_the_stored_session_was_re_masked(tmp_path, recording):
    data = tmp_path / "d"
    full, prefix = tmp_path / "full.json", tmp_path / "prefix.json"
    full.write_text(json.dumps(recording))
    prefix.write_text(json.dumps(recording[:2000]))
    (sid,) = replay("--data", data, "import", full).stdout.split()
    plain = replay("--data", data, "import", prefix)   # before: a plain disagreement
    assert plain.returncode == 2 and "re-masked" not in plain.stderr
    rules = tmp_path / "r.toml"
    rules.write_text('default = "mask"\n')
    assert replay("--data", data, "mask", "--rules", rules, sid).returncode == 0
    proc = replay("--data", data, "import", prefix)
    assert proc.returncode == 2 and proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert "the stored session was re-masked on " in line and "--as-new" in line
    assert "no longer match the original recording" in line
    assert replay("--data", data, "import", "--as-new", prefix).stdout.split() == [f"{sid}_new"]


def test_a_file_of_no_rrweb_type_is_refused_a_few_unknown_ones_are_said(tmp_path, recording):
    """Events of a type rrweb does not define are kept as they are (a newer recorder's), and
    said; a file of nothing else is not an rrweb recording: one line, exit 2, nothing stored."""
    data = tmp_path / "d"
    alien = tmp_path / "alien.json"
    alien.write_text(json.dumps([{"type": 99, "data": {}, "timestamp": 1_700_000_000_000 + k}
                                 for k in range(5)]))
    p = replay("--data", data, "import", alien)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines() == [
        f"replay: error: {alien}: not imported - none of its 5 events is of a type rrweb"
        " defines (0-6; found type 99) - is it an rrweb recording? (fix the file, then import"
        " it again)"]
    assert json.loads(replay("--data", data, "sessions", "--json").stdout) == []

    mixed = tmp_path / "mixed.json"
    events = recording[:200]
    mixed.write_text(json.dumps(events[:100] + [{"type": 99, "data": {"x": 1},
                                                 "timestamp": events[99]["timestamp"]}]
                                + events[100:]))
    p = replay("--data", data, "import", mixed)
    assert p.returncode == 0, p.stderr
    assert "replay: warning: kept 1 event of a type rrweb does not define (type 99) as it is" \
        in p.stderr.splitlines()
    (row,) = json.loads(replay("--data", data, "sessions", "--json").stdout)
    assert row["record_count"] == 201

    # a type the recording made up is said by what it is, never by its value: messages are
    # not masked (the stored event is)
    pii = "note for ada.lovelace@example.com card 4111111111111111"
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps(events[:100] + [{"type": pii, "data": {}, "timestamp":
                                               events[99]["timestamp"]}]))
    p = replay("--data", data, "import", "--as-new", odd)
    assert p.returncode == 0, p.stderr
    assert f"kept 1 event of a type rrweb does not define (type a text of {len(pii)} characters)" \
        in p.stderr and "ada.lovelace" not in p.stderr and "4111" not in p.stderr


def test_the_user_given_on_import_neither_renames_the_session_nor_hides_in_a_refusal(
        tmp_path, recording):
    """`--user` adds an identify event; a short recording's derived id must not depend on
    it (the same file was stored twice), and a second import naming another user, or none,
    is refused naming the users."""
    data = tmp_path / "d"
    short = tmp_path / "short.json"
    short.write_text(json.dumps(recording[:40]))   # the identify event among the 64 hashed
    first = replay("--data", data, "import", "--user", "u-1", short)
    assert first.returncode == 0, first.stderr
    (sid,) = first.stdout.split()
    again = replay("--data", data, "import", "--user", "u-1", short)
    assert again.returncode == 0 and again.stdout.split() == [sid], again.stderr
    other = replay("--data", data, "import", "--user", "u-2", short)
    assert other.returncode == 2 and "Traceback" not in other.stderr
    assert "it is stored with user u-1 and this import names u-2" in other.stderr
    none = replay("--data", data, "import", short)
    assert none.returncode == 2
    assert "it is stored with user u-1 (given with --user) and this import names none: add" \
        " --user u-1 to match it" in none.stderr
    assert [r["id"] for r in json.loads(replay("--data", data, "sessions", "--json").stdout)] \
        == [sid]


def test_a_recording_that_names_its_session_keeps_that_name_when_imported_with_a_user(
        tmp_path, recording):
    """rrweb's legacy `sessionId` on every event names the session - but the identify event
    `--user` adds carries none, so the same file imported with a user was stored again, as
    a second session under a hashed id. Now it is the same session, which gains its user."""
    data = tmp_path / "d"
    named = tmp_path / "named.json"
    named.write_text(json.dumps([dict(e, sessionId="visit-42") for e in recording[:300]]))
    first = replay("--data", data, "import", named)
    assert first.returncode == 0 and first.stdout.split() == ["visit-42"], first.stderr
    again = replay("--data", data, "import", "--user", "u-7", named)
    assert again.returncode == 0 and again.stdout.split() == ["visit-42"], again.stderr
    (row,) = json.loads(replay("--data", data, "sessions", "--json").stdout)
    assert row["id"] == "visit-42" and row["user_id"] == "u-7"


def test_several_files_say_which_of_how_many_and_end_with_one_line_on_all(tmp_path, recording):
    """202 files: the bar named only the current one, the rules' note came 191 times, a file
    stored already was named by its session alone, and nothing said what came of them all
    (an operator's tryout). Each note names its file; one line ends it; the dropped-fields
    note comes once, in it."""
    data = tmp_path / "d"
    a, b, bad = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "bad.json"
    a.write_text(json.dumps(recording[:300]))
    b.write_text(json.dumps(recording[:300]))        # the same recording again
    bad.write_text('{"nope": 1}')
    p = replay("--data", data, "import", a, b, bad)
    assert p.returncode == 2
    assert f"{b}: " in p.stderr and "already stored, nothing new" in p.stderr
    summary = [ln for ln in p.stderr.splitlines() if ln.startswith("replay: note: imported")]
    assert summary == ["replay: note: imported 2 files: 1 new session stored; 1 file not"
                       " imported"], p.stderr
    assert p.stderr.count("the privacy rules dropped") <= 1


def test_what_is_warned_of_one_file_among_several_names_that_file(tmp_path, recording):
    """`replay import a.json b.json c.json` said "skipping invalid event: event #2: ..." with
    no file: which of the three held it? Among several, each warning names its file."""
    data, files = tmp_path / "d", []
    for k in range(3):   # three sessions a day apart, the second with a broken event
        f = tmp_path / f"{'abc'[k]}.json"
        events = [dict(e, timestamp=e["timestamp"] + k * 86_400_000) for e in recording[:50]]
        if k == 1:
            events.insert(5, dict(events[5], timestamp="soon"))
        f.write_text(json.dumps(events))
        files.append(f)
    p = replay("--data", data, "import", *files)
    assert p.returncode == 0, p.stderr
    warned = [ln for ln in p.stderr.splitlines() if ln.startswith("replay: warning:")]
    assert warned == [f"replay: warning: {files[1]}: skipping invalid event: event #5: missing"
                      " or non-numeric 'timestamp'"], p.stderr


def test_events_of_two_session_ids_stored_as_one_say_so(tmp_path, recording):
    """A file whose events carry two rrweb `sessionId`s (a tool's export of two visits) is
    one session named by its events, as the README says - stored without a word, a support
    engineer's tryout found one session of 1:13 and two page loads where two were expected.
    One id throughout, or the same file again, says nothing of it."""
    half = len(recording) // 2
    two = [{**e, "sessionId": "sess-A" if i < half else "sess-B"}
           for i, e in enumerate(recording)]
    path, one = tmp_path / "two.json", tmp_path / "one.json"
    path.write_text(json.dumps(two))
    one.write_text(json.dumps([{**e, "sessionId": "sess-A"} for e in recording]))
    data = tmp_path / "d"
    first = replay("--data", data, "import", path)
    assert first.returncode == 0, first.stderr
    (sid,) = first.stdout.split()
    assert sid not in ("sess-A", "sess-B")
    assert (f"replay: note: {path}: its events carry 2 different session ids (rrweb's"
            f" sessionId): stored as one session, {sid}, named by its events") in first.stderr
    for again in (replay("--data", data, "import", path), replay("--data", data, "import", one)):
        assert again.returncode == 0 and "different session ids" not in again.stderr
