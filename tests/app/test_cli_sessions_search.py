"""`replay sessions` shows each session's bug title (the app's Bug column) and, with
`--search TEXT`, lists what the app's search box would: the same test (`Catalog.filter`) on
the same row text. Real `replay` process."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.browser_model import Catalog, Query
from recorder.store import Store

TITLE = "Checkout total off by Coupon"


def replay(*argv) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="160")
    return subprocess.run([sys.executable, "-m", "app", *map(str, argv)], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def data(tmp_path_factory, demo_events) -> Path:
    """The demo session with a bug report (exported as a bundle with --title, imported back
    onto it), and a shorter copy of it without one (`<id>_new`), where three clicks on one
    element within a second are a rage click."""
    tmp = tmp_path_factory.mktemp("sessions-search")
    data = tmp / "d"
    full, short, bug = tmp / "all.json", tmp / "first200.json", tmp / "bug.replay"
    full.write_text(json.dumps(demo_events))
    first = demo_events[:200]
    body = next(e for e in first if e["type"] == 2)["data"]["node"]["childNodes"][-1]["id"]
    rage = [{"type": 3, "timestamp": first[-1]["timestamp"] + 100 * (i + 1),
             "data": {"source": 2, "type": 2, "id": body, "x": 50, "y": 50}} for i in range(3)]
    short.write_text(json.dumps(first + rage))
    assert replay("--data", data, "import", full).returncode == 0
    sid = replay("--data", data, "sessions", "--json")
    (sid,) = [s["id"] for s in json.loads(sid.stdout)]
    p = replay("--data", data, "export", sid, "--title", TITLE, "-o", bug)
    assert p.returncode == 0, p.stderr
    p = replay("--data", data, "import", bug)
    assert p.returncode == 0, p.stderr
    assert replay("--data", data, "import", "--as-new", short).returncode == 0
    return data


def _listed(data: Path, *argv) -> list[dict]:
    p = replay("--data", data, "sessions", "--json", *argv)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_the_bug_title_is_a_column_and_in_json(data):
    rows = _listed(data)
    assert sorted((r["title"] or "") for r in rows) == ["", TITLE]
    assert [r["title"] for r in rows if r["id"].endswith("_new")] == [None]
    p = replay("--data", data, "sessions")
    assert p.returncode == 0, p.stderr
    header = next(ln for ln in p.stdout.splitlines() if ln.lstrip().startswith("id "))
    assert "bug" in header.split()
    titled = [ln for ln in p.stdout.splitlines() if TITLE in ln]
    assert len(titled) == 1 and "_new" not in titled[0], p.stdout


@pytest.mark.parametrize("text", ["checkout coupon", "COUPON", "_new", "coupon _new", "shop",
                                  "no-such-word", "error"])   # (a blank one is refused:
# test_cli_sessions_table's empty filter; the box, blank, lists all)
def test_search_lists_what_the_apps_search_box_shows(data, text):
    """Every word, any case, anywhere in the row's text (the bug title, the id, page URLs,
    errors...): the ids the app's filter lets through, in the same order."""
    with Store.open(data) as store:
        app = [r.id for r in Catalog.load(store).filter(Query(text=text))]
    assert [r["id"] for r in _listed(data, "--search", text)] == app
    if text == "checkout coupon":
        assert len(app) == 1 and not app[0].endswith("_new")
    if text == "coupon _new":
        assert app == []


@pytest.mark.parametrize("argv, query", [
    (["--frustration"], Query(has_frustration=True)),
    (["--min-duration", "1m"], Query(min_duration_ms=60_000)),
    (["--max-duration", "0.5h"], Query(max_duration_ms=1_800_000)),
    (["--max-duration", "60s"], Query(max_duration_ms=60_000)),
    (["--frustration", "--max-duration", "1h", "--search", "_new"],
     Query(text="_new", has_frustration=True, max_duration_ms=3_600_000))])
def test_frustration_and_duration_list_what_the_apps_facets_show(data, argv, query):
    """The Sessions page's "Frustrated clicks" box and Duration range, which the CLI lacked:
    the same test (Catalog.filter) on the same rows. The demo's whole session has the coupon's
    lasts 1:21; its first 200 events, 0:59, have a rage click."""
    with Store.open(data) as store:
        app = [r.id for r in Catalog.load(store).filter(query)]
    listed = [r["id"] for r in _listed(data, *argv)]
    assert listed == app and 0 < len(app), (listed, app)
    assert _listed(data, *argv, "--limit", "1")[0]["id"] == app[0]


@pytest.mark.parametrize("argv, said", [
    (["--min-duration", "5"], "'5' is not a length like 90s, 5m or 1h"),
    (["--max-duration", "soon"], "'soon' is not a length like 90s, 5m or 1h"),
    (["--min-duration", "2m", "--max-duration", "1m"], "--min-duration is longer than"
                                                        " --max-duration")])
def test_a_length_that_cannot_be_is_refused(data, argv, said):
    p = replay("--data", data, "sessions", *argv)
    assert p.returncode == 2 and said in p.stderr and "Traceback" not in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) <= 2, p.stderr


def test_search_finds_a_session_by_its_id_as_listed(data):
    """The list's footer says any command accepts its ids (`8dda0c07_new`), yet `--search
    8dda0c07_new` said "no sessions match": each id as listed finds its session (first,
    the original's prefix lists its copies too, as any word in the id does)."""
    p = replay("--data", data, "sessions")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    rule = next(i for i, ln in enumerate(lines) if set(ln.strip()) == {"─"})
    shown = [ln.split()[0] for ln in lines[rule + 1:rule + 3]]
    full = [r["id"] for r in _listed(data)]
    assert any(s.endswith("_new") and s not in full for s in shown), shown   # shortened
    for s, sid in zip(shown, full):
        assert sid in [r["id"] for r in _listed(data, "--search", s)], s
    tagged = next(s for s in shown if s.endswith("_new"))
    assert [r["id"] for r in _listed(data, "--search", tagged.upper())] == \
        [i for i in full if i.endswith("_new")]


def test_search_narrows_before_the_limit_and_says_when_nothing_matches(data):
    (titled,) = _listed(data, "--search", "coupon")
    assert _listed(data, "--search", "coupon", "--limit", "1") == [titled]
    p = replay("--data", data, "sessions", "--search", "no-such-word")
    assert p.returncode == 0 and p.stdout.strip() == "no sessions match", p.stdout


def test_a_limited_list_says_how_many_match(data):
    """`--limit 1` said "1 session", hiding that more match: the header says "1 of 2"."""
    first = replay("--data", data, "sessions", "--limit", "1").stdout.splitlines()[0]
    assert first == f"1 of 2 sessions (--limit 1) in {data}", first
    assert replay("--data", data, "sessions", "--limit", "2").stdout.splitlines()[0] == \
        f"2 sessions in {data}"
    p = replay("--data", data, "sessions", "--search", "coupon", "--limit", "1")
    assert p.stdout.splitlines()[0] == f"1 session in {data}"   # one matches the search
    with Store.open(data) as store:
        assert store.index.count_sessions() == 2 and store.index.count_sessions(
            url="checkout") == len(store.sessions(url="checkout"))


def test_user_and_url_are_matched_as_typed_and_search_knows_application_names(tmp_path, demo_events):
    """`--user u_77` is not `u-77`'s (`_` and `%` are no wildcards); `--search` finds a
    session by its application's name as well as its id, and the app lists the name."""
    from recorder.intake.apps import Applications

    data = tmp_path / "d"
    rec = tmp_path / "rec.json"
    rec.write_text(json.dumps(demo_events))
    data.mkdir()
    apps = Applications(data)
    try:
        app = apps.create("shopfront-eu", origins=[])
    finally:
        apps.close()
    app_id = app[0].id
    for user in ("u-77", "u%77"):
        p = replay("--data", data, "import", "--as-new", rec, "--user", user, "--app", app_id)
        assert p.returncode == 0, p.stderr
    assert [r["user_id"] for r in _listed(data, "--user", "u_77")] == []
    assert [r["user_id"] for r in _listed(data, "--user", "u%77")] == ["u%77"]
    assert len(_listed(data, "--user", "77")) == 2
    assert _listed(data, "--url", "demoit_app") == []   # the recording's page: demoit.app/e/react
    assert len(_listed(data, "--url", "demoit.app")) == 2
    assert len(_listed(data, "--search", "shopfront-eu")) == 2
    assert len(_listed(data, "--search", app_id)) == 2
    with Store.open(data) as store:
        from recorder.intake.live import application_names
        catalog = Catalog.load(store, application_names(data))
    assert catalog.applications == [app_id]
    assert catalog.application_label(app_id) == "shopfront-eu"
    assert len(catalog.filter(Query(text="shopfront-eu"))) == 2


def test_a_bug_without_a_title_is_listed_by_its_moment(tmp_path):
    """A bundle exported from the app with a bug moment and no title imported with an empty
    Bug column: nothing told it from a plain visit. `replay sessions` and the app's Bug
    column show "(untitled)" and the moment; --json keeps the title as it is (none)."""
    demo = Path(__file__).resolve().parents[2] / "assets" / "demo" / "demo-session.json"
    bug, data = tmp_path / "bug.replay", tmp_path / "d"
    p = replay("--data", tmp_path / "sender", "export", demo, "--at", "58600", "-o", bug)
    assert p.returncode == 0, p.stderr
    assert replay("--data", data, "import", bug).returncode == 0
    p = replay("--data", data, "sessions")
    assert p.returncode == 0, p.stderr
    (row,) = [ln for ln in p.stdout.splitlines() if "acme-shop-demo" in ln]
    assert "(untitled) at 0:58.6" in row, p.stdout
    assert [r["title"] for r in _listed(data)] == [None]
    with Store.open(data) as store:
        assert [r.title for r in Catalog.load(store).rows] == ["(untitled) at 0:58.6"]


def test_search_finds_what_was_clicked_requested_and_logged(tmp_path):
    """A support engineer searched "coupon" for a customer who said the coupon broke: nothing
    (the search looked in ids, users, titles, page URLs and errors only). The actions' names,
    the requests' URLs and the console lines are searched too, as stored (masked), in the CLI
    and the app alike; a session stored before them has them again after `replay repair`."""
    import sqlite3

    demo = Path(__file__).resolve().parents[2] / "assets" / "demo" / "demo-session.json"
    data = tmp_path / "d"
    assert replay("--data", data, "import", demo).returncode == 0
    for text in ("apply coupon", "api/coupons", "order placed acme-10423", "storefront ready"):
        with Store.open(data) as store:
            app = [r.id for r in Catalog.load(store).filter(Query(text=text))]
        assert [r["id"] for r in _listed(data, "--search", text)] == app == ["acme-shop-demo"], text
    assert _listed(data, "--search", "coupon nowhere-at-all") == []
    # an index written before the words (version 5): none, until repair reads the sessions
    # again
    db = sqlite3.connect(data / "index.sqlite3")
    with db:
        db.execute("DELETE FROM words")
        db.execute("PRAGMA user_version=5")
    db.close()
    assert _listed(data, "--search", "apply coupon") == []
    p = replay("--data", data, "sessions", "--search", "apply coupon")
    assert p.returncode == 0 and "1 session stored by an earlier release is searched without" \
        f" what its actions clicked, requested and logged - `replay --data {data} repair`" \
        " reads them again" in p.stderr, p.stderr
    assert replay("--data", data, "repair").returncode == 0
    p = replay("--data", data, "sessions", "--search", "apply coupon")
    assert "earlier release" not in p.stderr, p.stderr
    assert [r["id"] for r in _listed(data, "--search", "apply coupon")] == ["acme-shop-demo"]
    again = replay("--data", data, "repair")   # (once: read again, it is right)
    assert "0 sessions rebuilt from their segment files, 1 already right" in again.stdout + \
        again.stderr, again
    with Store.open(data) as store:
        assert Catalog.load(store).unsearched == ""


def test_the_apps_search_says_when_sessions_of_an_earlier_release_lack_their_words(tmp_path, qapp):
    """The app's search box says it as `replay sessions --search` does, under the list, while
    something is typed in it (an index upgraded from version 5: its sessions have no words)."""
    import sqlite3

    from app.window.sessions_page import SessionBrowser

    demo = Path(__file__).resolve().parents[2] / "assets" / "demo" / "demo-session.json"
    data = tmp_path / "d"
    assert replay("--data", data, "import", demo).returncode == 0
    db = sqlite3.connect(data / "index.sqlite3")
    with db:
        db.execute("DELETE FROM words")
        db.execute("PRAGMA user_version=5")
    db.close()
    with Store.open(data) as store:
        catalog = Catalog.load(store)
    said = (f"1 session stored by an earlier release is searched without what its actions"
            f" clicked, requested and logged - `replay --data {data} repair` reads them again")
    assert catalog.unsearched == said
    browser = SessionBrowser(catalog)
    assert said not in browser.count.text()   # (nothing searched for)
    browser.search.setText("apply coupon")
    browser.refresh()
    assert browser.count.text().endswith(" · " + said), browser.count.text()
    browser.deleteLater()


def test_a_masked_value_is_in_no_word_a_search_finds(tmp_path):
    """A console line holding a value typed later into a masked field: the line is stored
    with the value masked (the echo), and its search word was too - but cut at its 120
    characters first, the value across the cut kept its start in clear, and `--search` found
    the session by it (a reviewer's find). Every word is masked whole, then cut."""
    import sqlite3

    value = "Zanzibar7731Quokka"
    line = "note " + "x" * 91 + f" pasted {value} from clipboard"
    t0 = 1_700_000_000_000
    events = [
        {"type": 4, "timestamp": t0, "data": {"href": "https://shop.test/", "width": 800,
                                               "height": 600}},
        {"type": 2, "timestamp": t0 + 1, "data": {"initialOffset": {"left": 0, "top": 0},
         "node": {"type": 0, "id": 1, "childNodes": [
             {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
                 {"type": 2, "id": 3, "tagName": "body", "attributes": {}, "childNodes": [
                     {"type": 2, "id": 4, "tagName": "input", "attributes": {"id": "note"},
                      "childNodes": []}]}]}]}}},
        {"type": 6, "timestamp": t0 + 100, "data": {"plugin": "rrweb/console@1", "payload": {
            "level": "warn", "payload": [json.dumps(line)], "trace": []}}},
        {"type": 3, "timestamp": t0 + 200, "data": {"source": 5, "id": 4, "text": value,
                                                     "isChecked": False}}]
    rec = tmp_path / "rec.json"
    rec.write_text(json.dumps(events))
    data = tmp_path / "d"
    p = replay("--data", data, "import", rec)
    assert p.returncode == 0, p.stderr
    words = [w for (w,) in sqlite3.connect(data / "index.sqlite3").execute(
        "SELECT text FROM words")]
    assert words and not [w for w in words if any(value[i:i + 4] in w for i in range(len(value) - 3))], words
    assert _listed(data, "--search", "Quok") == [] and len(_listed(data, "--search", "pasted")) == 1
