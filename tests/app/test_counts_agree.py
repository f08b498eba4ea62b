"""One meaning per event: what `replay sessions --json` counts is what the player's tabs
list, for every recording the tests use; and `import --user` makes a session findable."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import player.qt.webview  # noqa: F401  (schemes before the QApplication)

from app.cli import main
from recorder.bundle import open_bundle
from player.qt.devtools.pane import DevToolsPane
from player.qt.session_view import build_session_view
from player.replayer import Replayer
from recorder.format import CONSOLE_PLUGIN, NETWORK_PLUGIN, RUM_PLUGIN, SYNTHETIC, SYNTHETIC_USER
from recorder.source import open_recording
from recorder.store import Store
from replay_tools.generator import generate_session

REPO = Path(__file__).resolve().parents[2]
S = 1_700_000_000_000


def run(capsys, *argv) -> str:
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def shapes() -> list[dict]:
    """A small recording in the shapes other tools write: flattened RUM fields, PostHog's
    network fields, Sentry's spans and console breadcrumbs, an uncaught error echoed."""
    doc = {"type": 0, "id": 1, "childNodes": [{"type": 2, "id": 2, "tagName": "html", "attributes": {},
                                               "childNodes": [{"type": 2, "id": 3, "tagName": "button",
                                                               "attributes": {}, "childNodes": []}]}]}

    def plugin(t, name, payload):
        return {"type": 6, "timestamp": S + t, "data": {"plugin": name, "payload": payload}}

    return [
        {"type": 4, "timestamp": S, "data": {"href": "https://x.test/", "width": 800, "height": 600}},
        {"type": 2, "timestamp": S + 1, "data": {"node": doc, "initialOffset": {"left": 0, "top": 0}}},
        plugin(10, RUM_PLUGIN, {"type": "view", "view.id": "a", "view.url": "https://x.test/"}),
        plugin(20, RUM_PLUGIN, {"type": "action", "action.type": "click", "action.target.name": "Go",
                                "action.frustration.type": ["rage_click"]}),
        plugin(30, RUM_PLUGIN, {"type": "error", "error.message": "x is null", "error.type": "TypeError",
                                "error.source": "source", "error.stack": "TypeError: x\n at f (a.js:1:1)"}),
        plugin(30, CONSOLE_PLUGIN, {"level": "error", "trace": ["f (a.js:1:1)"],
                                    "payload": ['"Uncaught TypeError: x is null"']}),
        plugin(40, NETWORK_PLUGIN, {"requests": [{"name": "https://x.test/api", "responseStatus": 500,
                                                  "startTime": 10.0, "endTime": 30.0, "timestamp": S + 40}]}),
        {"type": 5, "timestamp": S + 50, "data": {"tag": "performanceSpan", "payload": {
            "op": "resource.xhr", "description": "https://x.test/b", "startTimestamp": (S + 45) / 1000,
            "endTimestamp": (S + 55) / 1000, "data": {"statusCode": 200}}}},
        {"type": 5, "timestamp": S + 60, "data": {"tag": "breadcrumb", "payload": {
            "category": "console", "level": "error", "message": "quota exceeded", "timestamp": (S + 60) / 1000}}},
        {"type": 3, "timestamp": S + 70, "data": {"source": 2, "type": 2, "id": 3, "x": 1, "y": 1}},
    ]


def recordings(tmp: Path) -> list[Path]:
    out = [REPO / "assets" / "demo" / "demo-session.json", REPO / "tests" / "fixtures" / "rrweb-player-demo.json"]
    for seed, n in ((3, 3000), (7, 2500)):
        p = tmp / f"generated-{seed}.json"
        p.write_text(json.dumps(list(generate_session(n, duration_ms=6 * 60 * 1000, seed=seed))))
        out.append(p)
    p = tmp / "shapes.json"
    p.write_text(json.dumps(shapes()))
    out.append(p)
    return out


def test_sessions_json_counts_are_the_rows_of_the_tabs(tmp_path, capsys, qtbot):
    data = tmp_path / "data"
    files = recordings(tmp_path)
    run(capsys, "--data", data, "import", *files)
    rows = json.loads(run(capsys, "--data", data, "sessions", "--json"))
    assert len(rows) == len(files)
    seen_echo = False
    for row in rows:
        with open_recording(row["id"], data) as src:
            sv = build_session_view(Replayer(src), src.info)
        pane = DevToolsPane(sv)
        qtbot.addWidget(pane)
        errors = pane.errors.model
        counts = [errors.rows[i]["count"] for i in range(errors.rowCount())]
        where = f"session {row['id']} ({row['first_url']})"
        assert row["error_count"] == sum(counts) == len(sv.errors_all), where
        assert row["error_group_count"] == errors.rowCount(), where
        assert row["resource_count"] == pane.network.model.rowCount(), where
        assert row["action_count"] == pane.actions.model.rowCount(), where
        assert row["frustration_count"] == sum(len(r["frustration"]) for r in pane.actions.model.rows), where
        assert row["view_count"] == pane.performance.model.rowCount(), where
        indexed = Store.open(data)
        try:   # the same views and errors, not only as many
            assert [v[0] for v in indexed.index.views(row["id"])] == [v.view_id for v in sv.timeline.views]
            stored = indexed.index.errors(row["id"])
            # a failed request's message, then the console line that reported it (ErrorEvent.said)
            assert [m[:80] for _, _, m in stored] == [
                (e["message"] + (f"\n{e['logged']}" if e["logged"] else ""))[:80] for e in sv.errors_all]
            assert all(abs(ts - sv.start_ms - e["t"]) < 1 for (ts, _, _), e in zip(stored, sv.errors_all))
        finally:
            indexed.close()
        facts = dict(sv.facts)
        assert facts["Errors"] == str(row["error_count"]) and facts["Actions"] == str(row["action_count"])
        seen_echo |= any(len(r["reported_by"]) > 1 for r in sv.errors_all)
    assert seen_echo   # the merge rule was exercised, and both sides applied it
    by_url = {r["first_url"]: r for r in rows}
    shop = next(r for u, r in by_url.items() if u and u.endswith("/index.html"))
    # the demo: 15 reports, 7 errors (the quote's request and the line the page logged: one)
    assert (shop["error_count"], shop["error_group_count"]) == (7, 2)
    # ... and the line's words still find the session, in its failed request's error
    found = json.loads(run(capsys, "--data", data, "sessions", "--json", "--search", "carrier's quote"))
    assert [r["id"] for r in found] == [shop["id"]]
    x = by_url["https://x.test/"]
    # errors: the RUM error with its echo, the request answered 500, Sentry's breadcrumb
    assert (x["error_count"], x["resource_count"], x["action_count"], x["frustration_count"]) == (3, 2, 1, 1)


def test_import_user_makes_the_session_findable_and_travels_in_exports(tmp_path, capsys):
    data, other = tmp_path / "data", tmp_path / "other"
    demo = REPO / "tests" / "fixtures" / "rrweb-player-demo.json"
    (sid,) = run(capsys, "--data", data, "import", demo, "--user", "u-42", "--user-name",
                 "Ada Lovelace", "--user-email", "ada@example.com").split()
    for who in ("u-42", "lovelace", "ADA@example"):
        assert [r["id"] for r in json.loads(run(capsys, "--data", data, "sessions", "--json", "--user", who))] == [sid]
    assert json.loads(run(capsys, "--data", data, "sessions", "--json", "--user", "grace")) == []
    store = Store.open(data)
    try:
        assert store.index.users()[0][:3] == ("u-42", "Ada Lovelace", "ada@example.com")
    finally:
        store.close()
    # the user's id is in the recording too: an rrweb export re-imported elsewhere keeps it;
    # their name and email stay in this data folder (a bundle carries the id alone, too)
    out, bundle = tmp_path / "out.json", tmp_path / "out.replay"
    run(capsys, "--data", data, "export", sid, "--format", "rrweb", "-o", out)
    run(capsys, "--data", data, "export", sid, "-o", bundle)
    for path in (out, bundle):
        assert b"Lovelace" not in path.read_bytes() and b"ada@" not in path.read_bytes()
    stored = json.dumps(list(open_bundle(bundle).events()))   # its segments, as they are
    assert "u-42" in stored and "Lovelace" not in stored and "ada@" not in stored
    run(capsys, "--data", other, "import", out)
    (row,) = json.loads(run(capsys, "--data", other, "sessions", "--json", "--user", "u-42"))
    assert (row["user_id"], row["user_name"], row["user_email"]) == ("u-42", None, None)


USER_PLACES = {
    # what `import --user-name` stored before it kept the id alone, or an export of then
    "identify": lambda: {"type": 5, SYNTHETIC: SYNTHETIC_USER, "data": {"tag": "identify", "payload": {
        "id": "u-7", "name": "Grace Hopper", "email": "grace@example.com"}}},
    "posthog": lambda: {"type": 5, "data": {"tag": "$identify", "payload": {
        "distinct_id": "u-7", "$set": {"name": "Grace Hopper", "email": "grace@example.com"}}}},
    # every RUM event of a site that called ReplayCapture.setUser / Datadog's setUser
    "rum": lambda: {"type": 6, "data": {"plugin": RUM_PLUGIN, "payload": {
        "type": "view", "view": {"id": "v1", "url": "https://x.test/"},
        "usr": {"id": "u-7", "name": "Grace Hopper", "email": "grace@example.com", "plan": "gold"}}}},
    "rum-flattened": lambda: {"type": 6, "data": {"plugin": RUM_PLUGIN, "payload": {
        "type": "view", "view.id": "v1", "view.url": "https://x.test/", "usr.id": "u-7",
        "usr.name": "Grace Hopper", "usr.email": "grace@example.com"}}},
}


@pytest.mark.parametrize("place", list(USER_PLACES))
def test_a_user_known_by_email_is_the_sessions_owner_and_handed_over_masked(tmp_path, capsys,
                                                                             place):
    """A recording whose user's id is their email (PostHog identifies by email, a site's
    setUser): the session is theirs - found and erased by that email, not "found" by the
    audit - and what is handed over carries the id masked. The detector pass masked the
    email in the events, the session had no owner, and an rrweb export's identify event came
    out empty (a privacy officer's tryout)."""
    data = tmp_path / "data"
    events = json.loads((REPO / "tests" / "fixtures" / "rrweb-player-demo.json").read_text())
    named = json.loads(json.dumps(USER_PLACES[place]()).replace('"u-7"', '"grace.h@example.com"'))
    events.append({**named, "timestamp": events[-1]["timestamp"]})
    src = tmp_path / "export.json"
    src.write_text(json.dumps(events))
    (sid,) = run(capsys, "--data", data, "import", src).split()
    (row,) = json.loads(run(capsys, "--data", data, "sessions", "--json", "--user",
                            "grace.h@example.com"))
    assert (row["id"], row["user_id"]) == (sid, "grace.h@example.com")
    assert "recorded as its owner" in run(capsys, "--data", data, "audit", sid)
    out = tmp_path / "out.json"
    run(capsys, "--data", data, "export", sid, "--format", "rrweb", "-o", out)
    assert "grace" not in out.read_text()
    handed = [e["data"]["payload"] for e in json.loads(out.read_text())
              if e["type"] == 5 and e["data"]["tag"] in ("identify", "$identify")] + \
             [e["data"]["payload"]["usr"] for e in json.loads(out.read_text())
              if e["type"] == 6 and "usr" in e["data"]["payload"]]
    assert handed and all(set(p) == {"id"} and p["id"].strip("x") == "" for p in handed)
    run(capsys, "--data", data, "delete", "--user", "grace.h@example.com", "--yes")
    assert json.loads(run(capsys, "--data", data, "sessions", "--json")) == []


def test_a_session_filed_under_a_given_user_keeps_no_other_persons_email(tmp_path, capsys):
    """`import --user u-7` of a recording that names Ada (by email): the session is u-7's,
    and Ada's email is masked in its events - it stayed in clear, out of reach of `delete
    --user ada@...` (a privacy officer's tryout)."""
    data = tmp_path / "data"
    events = json.loads((REPO / "tests" / "fixtures" / "rrweb-player-demo.json").read_text())
    events.insert(5, {"type": 5, "timestamp": events[5]["timestamp"], "data": {
        "tag": "identify", "payload": {"id": "ada@example.com", "email": "ada@example.com"}}})
    src = tmp_path / "rec.json"
    src.write_text(json.dumps(events))
    (sid,) = run(capsys, "--data", data, "import", src, "--user", "u-7").split()
    with Store.open(data) as store:
        assert store.index.session(sid).user_id == "u-7"
        stored = json.dumps(list(store.session(sid).events()))
    assert "ada@" not in stored and '"u-7"' in stored


@pytest.mark.parametrize("place", list(USER_PLACES))
def test_a_user_named_inside_a_stored_recording_is_handed_over_by_id_alone(tmp_path, capsys, place):
    """A recording that names its user (an identify event, PostHog's, RUM's `usr`) is stored
    as it came; what is handed over - an rrweb export, a bundle's segments, the Session tab
    painted - names the id alone."""
    data = tmp_path / "data"
    events = json.loads((REPO / "tests" / "fixtures" / "rrweb-player-demo.json").read_text())
    events.append({**USER_PLACES[place](), "timestamp": events[-1]["timestamp"]})
    src = tmp_path / "old-export.json"
    src.write_text(json.dumps(events))
    (sid,) = run(capsys, "--data", data, "import", src).split()
    (row,) = json.loads(run(capsys, "--data", data, "sessions", "--json", "--user", "hopper"))
    assert row["id"] == sid                   # kept in this data folder, findable
    out, bundle = tmp_path / "out.json", tmp_path / "out.replay"
    run(capsys, "--data", data, "export", sid, "--format", "rrweb", "-o", out)
    run(capsys, "--data", data, "export", sid, "-o", bundle)
    for text in (out.read_text(), json.dumps(list(open_bundle(bundle).events()))):
        assert '"id": "u-7"' in text.replace('":"', '": "') and "Hopper" not in text
        assert "grace@" not in text and "gold" not in text

