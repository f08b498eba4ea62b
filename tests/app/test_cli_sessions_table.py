"""`replay sessions` fits the width it is given (COLUMNS, the terminal, or 120 when piped):
the columns that matter stay whole, the least useful go first, headers are never cut, and
a shortened id - tagged ones included - is one any command accepts. Real `replay` process."""
from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# the columns kept down to 60 columns (narrower, they go too: down to the id alone)
KEPT_TO_60 = ("id", "start", "duration", "errors", "events")
HEADERS = ("id", "start", "duration", "user", "first URL", "views", "errors", "frustr.",
           "events", "size")


def replay(*argv, columns: int | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns:
        env["COLUMNS"] = str(columns)
    return subprocess.run([sys.executable, "-m", "app", *map(str, argv)], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def data(tmp_path_factory, demo_events) -> Path:
    """The demo session and, beside it, a shorter copy stored with --as-new (`<id>_new`).
    Every test only reads it (one folder for the module: two imports, not twelve)."""
    tmp = tmp_path_factory.mktemp("sessions-table")
    data = tmp / "d"
    full, short = tmp / "all.json", tmp / "first200.json"
    full.write_text(json.dumps(demo_events))
    short.write_text(json.dumps(demo_events[:200]))
    assert replay("--data", data, "import", full).returncode == 0
    assert replay("--data", data, "import", "--as-new", short).returncode == 0
    return data


def header(out: str) -> list[str]:
    """The header row's column names (two spaces or more between columns)."""
    line = next(ln for ln in out.splitlines() if ln.lstrip().startswith("id "))
    return [h.strip() for h in line.split("  ") if h.strip()]


@pytest.mark.parametrize("columns, absent", [(60, {"views", "size", "frustr.", "first URL"}),
                                              (80, {"views", "size", "frustr."}),
                                              (100, {"views"}),
                                              (160, set())])
def test_table_fits_the_width_dropping_the_least_useful_columns(data, columns, absent):
    """(No user was identified in the demo: its empty column is never shown.)"""
    proc = replay("--data", data, "sessions", columns=columns)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert max(map(len, lines)) <= columns, proc.stdout
    shown = header(proc.stdout)
    assert set(KEPT_TO_60) <= set(shown), shown            # whole names: no `dura…`
    assert set(shown) == set(HEADERS) - absent - {"user"}, shown
    assert all(h in HEADERS for h in shown)
    footer = " ".join(proc.stdout.split())
    assert ("not shown at this width: " in footer) == bool(absent)
    if absent:   # a note of its own, not the end of the ids' sentence wrapped mid-phrase
        assert any(ln.startswith("not shown at this width: ") for ln in lines), proc.stdout
    assert "user" not in footer
    # under the table, each note starts a line; one too long for the width goes on indented
    # (at 80 columns rich wrapped `... PREFIX or` / `PREFIX_TAG)`, `... full` / `rows`, as if
    # new notes began there)
    prefix = data_ids(data)[0][:8]   # the rows' ids start with it
    notes = lines[max(i for i, ln in enumerate(lines) if ln.startswith(prefix)) + 1:]
    starts = ("ids shortened", "a long name", "not shown at this width", "--json")
    assert notes and all(ln.startswith(starts) or ln.startswith("  ") and ln[2] != " "
                         for ln in notes), proc.stdout
    assert notes[0].startswith(starts) and not any(ln.endswith(" ") for ln in notes)
    if columns >= 80:   # each note fits whole on a line of its own
        assert not any(ln.startswith(" ") for ln in notes), proc.stdout
        assert notes[-1].endswith("--json for full rows"), proc.stdout


@functools.cache
def data_ids(data: Path) -> list[str]:
    return sorted(s["id"] for s in json.loads(replay("--data", data, "sessions", "--json").stdout))


def test_piped_without_columns_is_120_wide(data):
    proc = replay("--data", data, "sessions")
    assert proc.returncode == 0 and max(map(len, proc.stdout.splitlines())) <= 120


def test_ids_are_shortened_with_their_tag_and_are_accepted_back(data, tmp_path):
    (full, new) = sorted(s["id"] for s in json.loads(
        replay("--data", data, "sessions", "--json").stdout))
    assert new == f"{full}_new"
    out = replay("--data", data, "sessions", columns=100).stdout
    rows = [ln.split()[0] for ln in out.splitlines() if ln.startswith(full[:8])]
    assert len(rows) == 2 and "…" not in "".join(rows), out
    short_new = next(r for r in rows if r.endswith("_new"))
    assert len(short_new) < len(new) and "PREFIX_TAG" in out
    dest = tmp_path / "x.json"
    proc = replay("--data", data, "export", short_new, "-o", dest)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(dest.read_text())) == 201   # the --as-new copy, with its marker


def test_a_name_a_person_gave_is_shown_whole_or_cut_in_the_middle(tmp_path):
    """A newcomer saw `acme-sho` for `acme-shop-demo`: the start of a name says less than a
    UUID's. A generated id is still its unique prefix; a name is shown whole, a long one with
    its start and its end, and its start is accepted back."""
    demo = Path(__file__).resolve().parents[2] / "assets" / "demo" / "demo-session.json"
    events = json.loads(demo.read_text())
    long_name = "checkout-fails-when-the-coupon-is-applied-twice"
    events[0]["data"]["payload"]["id"] = long_name   # the `replay/session` marker
    named = tmp_path / "named.json"
    named.write_text(json.dumps(events))
    data = tmp_path / "d"
    for f in (demo, named):
        assert replay("--data", data, "import", f).returncode == 0
    out = replay("--data", data, "sessions", columns=160).stdout
    ids = [ln.split()[0] for ln in out.splitlines()[2:] if ln.strip() and "─" not in ln][:2]
    assert sorted(ids) == ["acme-shop-demo", "checkout-fail…-applied-twice"], out
    assert "a long name is cut in the middle (…): give it as shown, or its start" \
        in " ".join(out.split())
    assert "unique prefix" not in out
    dest = tmp_path / "x.json"
    assert replay("--data", data, "export", "checkout-fail", "-o", dest).returncode == 0
    # as shown: two windows of one PostHog recording share their start and differ at the end
    # only (a support engineer could name neither but by the whole id)
    for w in ("win-1", "win-2"):
        windowed = [{**e, "windowId": w} for e in events]
        windowed[0]["data"]["payload"]["id"] = f"{long_name}.{w}"
        (tmp_path / f"{w}.json").write_text(json.dumps(windowed))
        assert replay("--data", data, "import", tmp_path / f"{w}.json").returncode == 0
    out = replay("--data", data, "sessions", columns=160).stdout
    shown = sorted(ln.split()[0] for ln in out.splitlines() if ".win-" in ln)
    assert len(shown) == 2 and all("…" in s for s in shown), out
    for s, w in zip(shown, ("win-1", "win-2")):
        proc = replay("--data", data, "export", s, "-o", tmp_path / "w.json", "--overwrite")
        assert proc.returncode == 0, proc.stderr
        assert json.loads((tmp_path / "w.json").read_text())[0]["data"]["payload"]["id"] \
            == f"{long_name}.{w}"
    # ... typed with three dots, as a keyboard has no "…"
    proc = replay("--data", data, "export", shown[1].replace("…", "..."), "-o", dest,
                  "--overwrite")
    assert proc.returncode == 0, proc.stderr
    proc = replay("--data", data, "export", "checkout-fails-when", "-o", tmp_path / "y.json")
    said = proc.stderr.strip()
    assert proc.returncode == 2 and "matches 3 sessions" in said and "..." not in said, said
    assert "; give one of them whole - list sessions with `replay sessions`" in said, said


@pytest.mark.parametrize("columns", [100, 120])
def test_the_first_url_keeps_its_host_and_its_end_as_the_app_cuts_it(data, columns):
    """A support engineer looks for the site and the page: the scheme goes first, then the
    path's middle - the host and the URL's end stay (the recording's first page: demoit.app's
    /e/react#ReactHooks.js). `demoit.app…eactHooks.js` here and `demoit.app/e/react?…` in
    the app's list were two rules: the text is `browser_model.elide_url`'s, in cells."""
    from rich.cells import cell_len

    from app.browser_model import elide_url

    proc = replay("--data", data, "sessions", columns=columns)
    first = json.loads(replay("--data", data, "sessions", "--json").stdout)[0]["first_url"]
    assert first == "https://demoit.app/e/react#ReactHooks.js", first
    shown = [w for ln in proc.stdout.splitlines() for w in ln.split() if w.startswith("demoit")]
    assert len(shown) == 2 and shown[0] == shown[1], proc.stdout   # the demo and its copy
    assert shown[0].startswith("demoit.app/…") and shown[0].endswith("s.js"), shown
    assert shown[0] in {elide_url(first, room, cell_len) for room in range(12, 40)}, shown
    assert "https://" not in proc.stdout


def test_names_sharing_a_long_start_do_not_lengthen_the_generated_ids():
    """Two names a person gave (PostHog's `<session>.<window>`) alike for 19 characters made
    every UUID in the table 20 characters long, pushing columns out (a new user's tryout)."""
    from app.ids import short_ids
    uuids = ["8dda0c07-b950-47ec-a5ea-3d25746042bf", "ce0610ed-2865-babc-f6e0-269ea9b2f59f"]
    names = ["ph-session-123.win-A", "ph-session-123.win-B"]
    assert short_ids(uuids + names) == ["8dda0c07", "ce0610ed"] + names
    # generated ids alike for longer are told apart, and from a name that starts like one
    alike = ["3f2a9c1b-0000-4000-8000-000000000001", "3f2a9c1b-0000-4000-8000-000000000002"]
    assert short_ids(alike) == alike
    assert short_ids(["3f2a9c1bdd-1111-2222", "3f2a9c1bd-name"]) == ["3f2a9c1bdd", "3f2a9c1bd-name"]
    assert short_ids([uuids[0], uuids[0] + "_new"]) == ["8dda0c07", "8dda0c07_new"]


def test_a_large_folder_is_printed_a_chunk_of_rows_at_a_time(tmp_path, monkeypatch):
    """8,000 sessions: rich measured and laid out every cell before printing anything (5.2 s
    to the first row). The rows go out TABLE_CHUNK at a time, tables of the same fixed
    widths, the header once: the same text as one table, the first rows at once."""
    import io

    from rich.console import Console
    from rich.table import Table

    import app.commands.sessions as sessions_cmd
    from app.cli import main
    from recorder.store import Store
    from replay_tools.generator import generate_session

    data = tmp_path / "d"
    with Store.open(data) as st:
        for k in range(7):
            st.ingest(list(generate_session(40, duration_ms=(k + 1) * 20_000, seed=k,
                                            start_ms=1_760_000_000_000 + k * 3_600_000)),
                      user={"id": f"u{k}", "email": f"user{k}@example.com"})

    def printed(chunk: int) -> tuple[str, list]:
        out, tables = io.StringIO(), []
        console = Console(file=out, width=120, soft_wrap=False)
        real = console.print
        console.print = lambda *a, **k: (tables.extend(x for x in a if isinstance(x, Table)),
                                         real(*a, **k))[1]
        monkeypatch.setattr(sessions_cmd, "output_console", lambda *a, **k: console)
        monkeypatch.setattr(sessions_cmd, "TABLE_CHUNK", chunk)
        assert main(["--data", str(data), "sessions"]) == 0
        return out.getvalue(), tables

    whole, one = printed(1000)
    chunked, tables = printed(3)
    assert len(one) == 1 and [t.row_count for t in tables] == [3, 3, 1]
    assert [t.show_header for t in tables] == [True, False, False]
    assert chunked == whole
    assert sum("@example.com" in ln for ln in whole.splitlines()) == 7


def test_a_live_session_is_marked_as_the_app_marks_it(tmp_path, demo_events):
    """README's flow is `replay sessions`, then `replay play SESSION --follow`: the table
    gave no sign which sessions were live. Marked ● as the app's list marks them (with a
    footer line saying what it means), and "live" in --json."""
    from recorder.store import Serving, Store
    data = tmp_path / "d"
    full = tmp_path / "all.json"
    full.write_text(json.dumps(demo_events))
    assert replay("--data", data, "import", full).returncode == 0
    import time
    shift = int(time.time() * 1000) - demo_events[0]["timestamp"] - 60_000   # a minute ago
    now = [{**e, "timestamp": e["timestamp"] + shift} for e in demo_events[:300]]
    serving = Serving(data)   # `replay serve` runs (Store.is_live)
    with Store.open(data) as store:
        store.ingest(now, live=True, session_id="on-the-page-now")
    proc = replay("--data", data, "sessions", "--json")
    assert proc.returncode == 0, proc.stderr
    live = {s["id"]: s["live"] for s in json.loads(proc.stdout)}
    assert live.pop("on-the-page-now") is True and list(live.values()) == [False], live
    proc = replay("--data", data, "sessions", columns=160)
    assert proc.returncode == 0, proc.stderr
    rows = {ln.split()[0]: ln for ln in proc.stdout.splitlines() if ln.startswith(("on-", "d"))}
    assert "● " in rows["on-the-page-now"], proc.stdout
    assert sum("●" in ln for ln in proc.stdout.splitlines()) == 2, proc.stdout   # row + footer
    assert "● live: `replay serve` may still be storing it - `replay play SESSION --follow`" \
        " watches it grow" in proc.stdout
    serving.close()   # the intake stopped: nothing is storing it (it stayed ● for good)
    proc = replay("--data", data, "sessions", "--json")
    assert not any(s["live"] for s in json.loads(proc.stdout)), proc.stdout


def test_a_user_is_kept_before_a_whole_bug_title_or_a_first_url():
    """`replay sessions --search ada` at 120 columns dropped the user (and the first URL) to
    show a bug title whole, just when a support engineer searched by user: the title and
    the user shrink first (the user cut in the middle, as the app's list cuts it), and the
    first URL goes before the user does."""
    from app.commands.sessions import _fit

    cells = {"id": ["0190a1b2-5e55…b-6c7d8e9f0a1b", "ada-checkout-yday"],
             "start": ["2026-12-04 15:21"] * 2, "duration": ["1:09"] * 2,
             "user": ["margaret.hamilton@customer.example.com", "ada@example.com"],
             "bug": ["Checkout: Apply coupon throws TypeError on submit", ""],
             "first URL": ["shop.example/checkout"] * 2, "views": ["2"] * 2,
             "errors": ["7"] * 2, "frustr.": ["4"] * 2, "events": ["417"] * 2,
             "size": ["17.3 KB"] * 2}
    shown, sized = _fit(cells, 120)
    assert "user" in shown and "bug" in shown and "first URL" not in shown, shown
    assert 16 <= sized["user"] < len(cells["user"][0]) and sized["bug"] >= 16
    shown, sized = _fit(cells, 200)
    assert {"user", "bug", "first URL"} <= set(shown)
    assert sized["user"] == len(cells["user"][0])   # room: whole


@pytest.fixture(scope="module")
def long_ids(tmp_path_factory) -> tuple[Path, list[str], list[str]]:
    """Two sessions named by a long id each (a PostHog `<session>.<window>`, 73 characters,
    shown cut in the middle) and the demo (a UUID, shown as its prefix): (data, ids, the ids
    as a wide terminal shows them)."""
    tmp = tmp_path_factory.mktemp("long-ids")
    demo = Path(__file__).resolve().parents[2] / "assets" / "demo" / "demo-session.json"
    events = json.loads(demo.read_text())
    data = tmp / "d"
    assert replay("--data", data, "import", demo).returncode == 0
    for window in ("6c7d8e9f0a1b", "0c1d2e3f4a5b"):
        named = [dict(e) for e in events]
        named[0] = json.loads(json.dumps(events[0]))
        named[0]["data"]["payload"]["id"] = \
            f"0190a1b2-5e55-7000-8000-00000000cafe.0190a1b2-c3d4-7e5f-8a9b-{window}"
        (tmp / f"{window}.json").write_text(json.dumps(named))
        assert replay("--data", data, "import", tmp / f"{window}.json").returncode == 0
    ids = data_ids(data)
    return data, ids, _rows(replay("--data", data, "sessions", columns=160).stdout, ids)


def _rows(out: str, ids: list[str]) -> list[str]:
    """Each table row's first word, the rows being those whose line starts an id's start."""
    return [ln.split()[0] for ln in out.splitlines() if any(ln.startswith(i[:6]) for i in ids)]


@pytest.mark.parametrize("columns", [36, 50, 64])
def test_a_narrow_terminal_drops_columns_but_never_cuts_an_id(long_ids, columns):
    """At 50 columns a newcomer saw `0190a1b2-5e55…b-6c7d8e…` - the cut id cut again by the
    table - which named no session, and `0:…`, `du…` where the duration was. Columns go
    whole instead, down to the id alone; every id is shown as a wide terminal shows it, and
    each is accepted back."""
    data, ids, wide = long_ids
    assert len(wide) == 3 and sum("…" in i for i in wide) == 2, wide
    proc = replay("--data", data, "sessions", columns=columns)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert max(map(len, lines)) <= columns, proc.stdout
    assert sorted(_rows(proc.stdout, ids)) == sorted(wide), proc.stdout
    shown = header(proc.stdout)
    assert shown[0] == "id" and set(shown) <= set(HEADERS) and "…" not in " ".join(shown)
    assert len(shown) < len(KEPT_TO_60), shown      # (the widest of these widths drops some)
    table = "\n".join(ln for ln in lines if not ln.startswith(("ids ", "a long", "not ", " ")))
    assert table.count("…") == 2, proc.stdout   # the two long ids' own cut, nothing else
    assert "not shown at this width: " in " ".join(proc.stdout.split())
    if columns == 50:   # (the ids are the same at every width: asked back once)
        named = []
        for short in wide:
            out = replay("--data", data, "devtools", short, "--tab", "console")
            assert out.returncode == 0, (short, out.stderr)
            named += [i for i in ids if i in out.stdout]
        assert sorted(named) == ids    # each its own session


def test_an_id_wider_than_the_terminal_is_folded_whole_not_cut(long_ids):
    """Narrower than the id itself, the table folds it onto a second line: the two lines
    together are the id as a wide terminal shows it."""
    data, ids, wide = long_ids
    long_shown = sorted(i for i in wide if "…" in i)
    proc = replay("--data", data, "sessions", columns=20)
    assert proc.returncode == 0 and max(map(len, proc.stdout.splitlines())) <= 20, proc.stdout
    lines = proc.stdout.splitlines()
    starts = [k for k, ln in enumerate(lines) if ln.startswith("0190a1b2")]
    assert sorted(lines[k].strip() + lines[k + 1].strip() for k in starts) == long_shown, \
        proc.stdout
    assert header(proc.stdout) == ["id"]


def test_an_id_cut_twice_still_names_its_session(long_ids):
    """An id copied from somewhere that cut it again (an older table, a narrow window, a chat
    message) keeps its pieces in order: those name the session they fit; too little of them
    names several, and says so."""
    data, ids, _ = long_ids
    full = next(i for i in ids if i.endswith("6c7d8e9f0a1b"))
    for spec in ("0190a1b2-5e55…b-6c7d8e…", "0190a1b2-5e55...8a9b-6c...a1b",
                 "0190A1B2-5E55…B-6C7D8E9F0…", "0190a1b2-5e55…b-6c7d8e..."):   # (both cuts)
        proc = replay("--data", data, "devtools", spec, "--tab", "console")
        assert proc.returncode == 0 and full in proc.stdout, (spec, proc.stderr)
    proc = replay("--data", data, "devtools", "0190a1b2-5e55…b-…", "--tab", "console")
    assert proc.returncode == 2 and "matches 2 sessions" in proc.stderr, proc.stderr
    # pieces out of order, or one the id does not hold, name nothing
    for spec in ("0190a1b2-5e55…6c7d…cafe…", "0190a1b2-5e55…ffff…a1b"):
        proc = replay("--data", data, "devtools", spec, "--tab", "console")
        assert proc.returncode == 2 and "no session" in proc.stderr, (spec, proc.stderr)


@pytest.mark.parametrize("flag", ["--user", "--search", "--url"])
def test_an_empty_filter_is_refused_not_taken_for_every_session(tmp_path, capsys, flag):
    """A support engineer's tryout: `replay sessions --user ""` (a shell variable left unset)
    listed every session without a word."""
    from app.cli import main
    with pytest.raises(SystemExit) as exited:
        main(["--data", str(tmp_path / "d"), "sessions", flag, " "])
    out, err = capsys.readouterr()
    assert exited.value.code == 2 and not out and err.count("\n") == 1, err
    assert f"argument {flag}: an empty text matches every session" in err, err
