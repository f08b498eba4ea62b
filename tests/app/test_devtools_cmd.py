"""`replay devtools`: the player's dev-tools pane on a terminal, for a support engineer over
SSH or pasting into a ticket (a tryout found no way to get a session's errors, console or
requests as text). Its rows are the pane's own - checked against the rows the player builds
for the same recording, masked by the same rules - and said in the pane's words."""
from __future__ import annotations

import itertools
import json

import pytest

from app.commands.devtools import TABS, rows_of
from player.devtools_text import duration_text, error_details, status_of, status_text, view_details
from player.qt.session_view import build_session_view
from player.replayer import Replayer
from recorder.moments import moment_text
from recorder.paths import DEMO_SESSION
from recorder.privacy import load_rules
from recorder.source import masked_source, open_recording
from tests.app.test_cli_bad_paths import run



@pytest.fixture(scope="module")
def pane(tmp_path_factory):
    """The demo's rows as the player's pane holds them (masked by the default rules, as
    every command shows a recording file), and an empty data folder."""
    data = tmp_path_factory.mktemp("devtools")
    src = masked_source(open_recording(DEMO_SESSION, data), load_rules(None, data))
    r = Replayer(src)
    try:
        sv = build_session_view(r, src.info, src.application_name)
        return data, {tab: rows_of(sv, tab, src) for tab in TABS}
    finally:
        r.close()
        src.close()


@pytest.mark.parametrize("tab", TABS)
def test_json_is_the_panes_rows(capsys, pane, tab):
    data, rows = pane
    assert rows[tab], f"the demo has no {tab}: nothing would be compared"
    code, out, err = run(capsys, "--data", data, "devtools", DEMO_SESSION, "--tab", tab, "--json")
    assert code == 0, err
    assert json.loads(out) == json.loads(json.dumps(rows[tab]))


def test_errors_are_said_as_the_errors_tab_says_them(capsys, pane):
    data, rows = pane
    code, out, err = run(capsys, "--data", data, "devtools", DEMO_SESSION)   # errors: the default
    assert code == 0, err
    head, *rest = out.splitlines()
    assert head.startswith(f"{len(rows['errors'])} errors in session ") and \
        f"{sum(r['count'] for r in rows['errors'])} times in all" in head, head
    said = [ln.strip() for ln in rest if ln.strip()]
    for row in rows["errors"]:   # each group's details, its stack and failed request too
        for line in error_details(row).splitlines():
            assert not line.strip() or line.strip() in said, line


def test_each_row_of_the_other_tabs_is_a_line_at_its_moment(capsys, pane):
    data, rows = pane
    for tab in ("console", "network", "actions"):
        code, out, err = run(capsys, "--data", data, "devtools", DEMO_SESSION, "--tab", tab)
        assert code == 0, err
        lines = out.splitlines()[1:]
        starts = [ln for ln in lines if ln[:8].strip()]   # a row's first line: its moment
        assert len(starts) == len(rows[tab]), (tab, len(starts), len(rows[tab]))
        for line, row in zip(starts, rows[tab]):
            assert line.split()[0] == moment_text(row["t"]), (tab, line)
            if tab == "console":
                assert str(row["message"]).splitlines()[0] in line
            elif tab == "network":
                assert f"{row['method']} {row['url']}" in line
                assert line.split()[1] == (status_text(status_of(row)) or "—"), line
            else:
                assert (row["name"] or row["selector"]) in line
                assert all(f"[{f.split('_')[0].upper()}]" in line for f in row["frustration"])
    # an Error logged (`console.error(err)`) holds its own stack in its message: a frame of
    # the call's stack that it shows already is not printed again under it (a newcomer's)
    out = run(capsys, "--data", data, "devtools", DEMO_SESSION, "--tab", "console")[1]
    logged = [r for r in rows["console"] if "\n" in str(r["message"]) and r.get("stack")]
    assert logged, "the demo logs an Error with its stack"
    for row in logged:
        frame = row["stack"][0]
        assert f"at {frame}" in row["message"]
        first, *after = out[out.index(str(row["message"]).splitlines()[0]):].splitlines()
        block = [first, *itertools.takewhile(lambda ln: not ln[:8].strip(), after)]
        assert "\n".join(block).count(frame) == 1, block


def test_page_views_are_said_with_their_vitals_and_long_tasks(capsys, pane):
    """"The page froze": the RUM plugin records each long task (the page not responding for
    50 ms or more), and nothing showed them (a support engineer's tryout, whose checkout froze
    1.5 s five times while the Performance tab said INP 16 ms, good). Each view says its
    vitals and its long tasks, each at its moment, as the Performance tab's details do."""
    data, rows = pane
    views = rows["performance"]
    tasks = [t for v in views for t in v["long_tasks"]]
    assert tasks, "the demo records a long task: nothing would be said"
    code, out, err = run(capsys, "--data", data, "devtools", DEMO_SESSION, "--tab", "performance")
    assert code == 0, err
    head, *rest = out.splitlines()
    assert head.startswith(f"{len(views)} page views in session "), head
    said = [ln.strip() for ln in rest if ln.strip()]
    for row in views:
        for line in view_details(row).splitlines():
            assert line.strip() in said, line
    for task in tasks:
        assert f"{moment_text(task['t'])}  {duration_text(task['duration'])}" in said


def test_a_session_with_nothing_on_a_tab_says_so(capsys, tmp_path):
    """A recording whose page logged nothing: one line saying so, exit 0."""
    from recorder.privacy.preview import html_to_events
    from recorder.rrweb_io import write_rrweb_json

    f = tmp_path / "quiet.json"
    write_rrweb_json(f, html_to_events("<!doctype html><p>quiet</p>", timestamp=1_700_000_000_000),
                     session_id="quiet-page")
    code, out, err = run(capsys, "--data", tmp_path / "data", "devtools", f, "--tab", "console")
    assert code == 0, err
    assert out.strip() == "no console lines recorded in session quiet-page"


def test_steps_are_said_with_the_errors_the_page_reported_among_them(capsys, pane):
    """A developer reading a QA's steps wants to know which step made the page fail (a
    tryout: the Steps tab listed no error): each error is said after the step it came with,
    the same error again before the next step on its row, counted."""
    data, rows = pane
    steps = [r for r in rows["steps"] if r["kind"] == "step"]
    errors = [r for r in rows["steps"] if r["kind"] == "error"]
    assert steps and errors, "the demo has steps and errors: nothing would be said"
    assert [r["number"] for r in steps] == list(range(1, len(steps) + 1))
    assert [r["t"] for r in rows["steps"]] == sorted(r["t"] for r in rows["steps"])
    moments = pane_error_moments(data)   # as the Errors tab says them
    assert sum(r["count"] for r in errors) == len(moments)
    assert {r["t"] for r in errors} <= set(moments)
    code, out, err = run(capsys, "--data", data, "devtools", DEMO_SESSION, "--tab", "steps")
    assert code == 0, err
    head, *rest = out.splitlines()
    assert head.startswith(f"{len(steps)} steps in session ") and \
        head.endswith(f", {len(moments)} errors reported among them"), head
    said = [ln.strip() for ln in rest if not ln.startswith("       ")]   # (selectors apart)
    assert len(said) == len(rows["steps"])
    for line, row in zip(said, rows["steps"]):
        assert row["text"] in line and moment_text(row["t"]) in line, (line, row)
        assert line.startswith(f"{row['number']}. " if row["kind"] == "step" else "✖ "), line
    again = [r for r in errors if r["count"] > 1]
    assert again and all(f", {r['count']} times)" in out for r in again)


def pane_error_moments(data) -> list[int]:
    src = masked_source(open_recording(DEMO_SESSION, data), load_rules(None, data))
    r = Replayer(src)
    try:
        return [row["t"] for row in build_session_view(r, src.info).errors_all]
    finally:
        r.close()
        src.close()


def test_a_bug_handed_over_says_its_title_notes_and_moment_before_the_tab(capsys, tmp_path):
    """`replay devtools BUG.replay` never said the bug's title or notes - only `play` did (a
    support engineer's tryout): they come first, as `play` says them; --json stays the rows."""
    data, bundle = tmp_path / "data", tmp_path / "bug.replay"
    code, _, err = run(capsys, "--data", data, "export", DEMO_SESSION, "-o", bundle, "--title",
                       "Coupon breaks checkout", "--notes", "Apply coupon\nexpected: a discount",
                       "--at", "error:2")
    assert code == 0, err
    for tab in ("errors", "steps"):
        code, out, err = run(capsys, "--data", data, "devtools", bundle, "--tab", tab)
        assert code == 0, err
        lines = out.splitlines()
        assert lines[:6] == ["Bug: Coupon breaks checkout", "At: 0:58.6", "Notes:",
                             "  Apply coupon", "  expected: a discount", ""], lines[:6]
        assert " in session acme-shop-demo (" in lines[6]
    code, out, _ = run(capsys, "--data", data, "devtools", bundle, "--json")
    assert code == 0 and isinstance(json.loads(out), list)
    code, out, _ = run(capsys, "--data", data, "devtools", DEMO_SESSION)   # no report: as ever
    assert code == 0 and out.startswith("2 errors in session")


def test_the_session_tab_says_who_with_what_browser_and_when(capsys, pane):
    """`--tab session` was refused though the pane has the tab (a support engineer's tryout:
    the user, browser, OS and device are what a ticket asks first): the Session tab's facts,
    a line each, as the pane lists them."""
    data, rows = pane
    code, out, err = run(capsys, "--data", data, "devtools", DEMO_SESSION, "--tab", "session")
    assert code == 0, err
    head, *lines = out.splitlines()
    facts = rows["session"]
    assert head.startswith(f"{sum(1 for r in facts if r['fact'])} facts in session ")
    assert len(lines) == len(facts) and facts[0]["fact"] == "User"
    for line, r in zip(lines, facts):
        assert line.split(None, 1)[0] == r["fact"].split()[0] if r["fact"] else \
            line.strip() == r["value"], (line, r)
        assert line.rstrip().endswith(r["value"]), (line, r)
    assert any(r["fact"] == "Browser" and r["value"] != "—" for r in facts)


def test_a_stored_session_is_indexed_once_for_every_later_run(capsys, tmp_path):
    """A support engineer's tryout: each `replay devtools` of a long stored session built its
    index again (6-10 s a tab on a 300,000-event session; 0.7 s once a screenshot had kept
    one). The first run keeps the index it built, as the player's worker does; the next one
    takes it over and says the same. A recording shown under other rules keeps nothing."""
    from player.index_store import kept_index
    from player.keyframes import DEFAULT_INTERVAL
    from recorder.store import Store

    data = tmp_path / "data"
    code, _, err = run(capsys, "--data", data, "import", DEMO_SESSION)
    assert code == 0, err
    with Store.open(data) as store:
        (sid,) = [s.id for s in store.sessions()]
        assert kept_index(store.session(sid), DEFAULT_INTERVAL) is None
    rules = tmp_path / "strict.toml"
    rules.write_text('default = "mask"\n')
    code, _, err = run(capsys, "--data", data, "devtools", sid, "--rules", rules)
    assert code == 0, err
    with Store.open(data) as store:
        assert kept_index(store.session(sid), DEFAULT_INTERVAL) is None
    code, first, err = run(capsys, "--data", data, "devtools", sid, "--tab", "network", "--json")
    assert code == 0, err
    with Store.open(data) as store:
        assert kept_index(store.session(sid), DEFAULT_INTERVAL) is not None
    code, again, err = run(capsys, "--data", data, "devtools", sid, "--tab", "network", "--json")
    assert code == 0 and again == first and json.loads(first), err


def test_play_names_the_devtools_command_of_the_same_recording_for_all_its_steps():
    """`replay play` prints a long report's steps in part, naming the command that lists them
    all - with the options that chose what it plays (a reviewer's: without them it named
    another session of the file, or its steps under other rules)."""
    import shlex

    from app.cli import build_parser
    from app.commands.play import devtools_steps

    for argv in (["play", "my bug.replay"],
                 ["play", "my bug.replay", "--session-number", "2", "--rules", "r.toml",
                  "--partial"],
                 ["--data", "/srv/replay data", "play", "s-1", "--unmasked"],
                 ["play", "--", "-odd name.json"]):
        played = build_parser().parse_args(argv)
        command = devtools_steps(played)
        words = shlex.split(command)
        assert words[0] == "replay" and "devtools" in words and "--tab" in words, command
        listed = build_parser().parse_args(words[1:])
        assert listed.tab == "steps"
        for key in ("data", "session", "session_number", "rules", "unmasked", "partial"):
            assert getattr(listed, key) == getattr(played, key), (key, command)


@pytest.mark.parametrize("tab", [t for t in TABS if t != "session"])
def test_from_to_lists_what_happened_in_the_range(capsys, pane, tab):
    """A support engineer and a QA's developer each wanted "the logs at that moment": every
    tab printed all its rows (97 console lines, read by eye). --from/--to keep the rows of
    the range, in the moments `export --from/--to` takes; an error group is counted within."""
    data, rows = pane
    times = sorted({r["t"] for r in rows[tab]})
    lo, hi = times[len(times) // 3], times[2 * len(times) // 3]
    code, out, err = run(capsys, "--data", data, "devtools", DEMO_SESSION, "--tab", tab,
                         "--from", f"{lo}", "--to", f"{hi}", "--json")
    assert code == 0, err
    got = json.loads(out)
    if tab != "errors":
        assert got == json.loads(json.dumps([r for r in rows[tab] if lo <= r["t"] <= hi]))
    else:   # (each group by its errors within the range: as many as the pane's in all)
        assert got and sum(r["count"] for r in got) <= sum(r["count"] for r in rows[tab])
        assert all(lo <= r["t"] <= r["last_t"] <= hi for r in got)
    assert 0 < len(got) < len(rows[tab]) or len(times) < 3
    code, out, err = run(capsys, "--data", data, "devtools", DEMO_SESSION, "--tab", tab,
                         "--from", f"{lo}", "--to", f"{hi}")
    assert code == 0 and f"from {moment_text(lo)} to {moment_text(hi)}" in out.splitlines()[0]


def test_from_to_around_the_first_error_and_refused_on_the_session_tab(capsys, pane):
    data, rows = pane
    first = min(r["t"] for r in rows["errors"])
    code, out, err = run(capsys, "--data", data, "devtools", DEMO_SESSION, "--tab", "console",
                         "--from", "error-2s", "--to", "error+1s", "--json")
    assert code == 0, err
    got = json.loads(out)
    assert got and all(first - 2000 <= r["t"] <= first + 1000 for r in got)
    code, _, err = run(capsys, "--data", data, "devtools", DEMO_SESSION, "--tab", "session",
                       "--from", "2s")
    assert code == 2 and "facts have none" in err
    code, _, err = run(capsys, "--data", data, "devtools", DEMO_SESSION, "--from", "9s",
                       "--to", "2s")
    assert code == 2 and "is before --from" in err


def test_a_range_lists_the_page_views_open_during_it(capsys, pane):
    """A support engineer's tryout: `--tab performance --from 12s --to 13s` said "no page
    views recorded" while a page was on show from before 12 s to after 13 s. A page view is
    on show until the next begins: those open during the range are listed, the vitals of
    their whole view."""
    data, rows = pane[0], pane[1]["performance"]
    assert len(rows) == 2 and rows[0]["t"] < 12_000 < 13_000 < rows[1]["t"]
    code, out, _ = run(capsys, "--data", data, "devtools", DEMO_SESSION, "--tab", "performance",
                       "--from", "12s", "--to", "13s", "--json")
    assert code == 0 and json.loads(out) == rows[:1]
    code, out, _ = run(capsys, "--data", data, "devtools", DEMO_SESSION, "--tab", "performance",
                       "--from", "12s", "--json")   # to the end: both
    assert code == 0 and json.loads(out) == rows


@pytest.mark.parametrize("argv, said", [
    (["--from", "end"], "--from 68790 ms (1:08.8) is the session's end: the range is empty"),
    (["--to", "0"], "--to 0 ms (0:00.0) is the session's start: the range is empty"),
    (["--from", "0", "--to", "0"], "--from and --to are the same moment")])
def test_an_empty_range_is_refused_however_it_is_given(capsys, pane, argv, said):
    """A support engineer's tryout: `--from end` answered "no actions recorded from 0:17.1 to
    0:17.1" (exit 0) where `--from 0 --to 0` was refused."""
    code, out, err = run(capsys, "--data", pane[0], "devtools", DEMO_SESSION, *argv)
    assert code == 2 and not out and said in err and err.count("\n") == 1, err


def test_a_har_from_the_sessions_end_is_no_empty_range(capsys, pane, tmp_path):
    """A reviewer's: an empty range refused alike broke `export --format har --from end`,
    whose range runs on past the last event (a request still running at the end is one)."""
    out = tmp_path / "end.har"
    code, _, err = run(capsys, "--data", pane[0], "export", DEMO_SESSION, "--format", "har",
                       "--from", "end", "-o", out)
    assert code == 0 and json.loads(out.read_text())["log"]["version"] == "1.2", err
