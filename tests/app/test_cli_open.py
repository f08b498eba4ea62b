"""`replay play --at`, `replay open replay://SESSION?t=MS` and `replay register-url-handler`,
through real `replay` processes (the player runs offscreen for --quit-after MS)."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from app.commands.demo import DEMO


def _replay(*args: str, tmp_path, env: dict | None = None) -> subprocess.CompletedProcess:
    e = dict(os.environ, REPLAY_DATA=str(tmp_path / "data"), **(env or {}))
    e.pop("DISPLAY", None)
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True,
                          text=True, env=e, timeout=180)


def _opened(stderr: str) -> tuple[int, int, int]:
    """(opened at, played to, duration); played to is where it opened when it says it stayed
    paused there (it said "played to" the moment it opened at)."""
    m = re.search(r"^opened at (-?\d+) ms, played to (\d+) ms of (\d+) ms$", stderr, re.M)
    if m:
        assert m[1] != m[2], stderr   # nothing played is said as such
        return int(m[1]), int(m[2]), int(m[3])
    m = re.search(r"^opened at (-?\d+) ms of (\d+) ms, paused there$", stderr, re.M)
    assert m, stderr[-2000:]
    return int(m[1]), int(m[1]), int(m[2])


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """The demo session imported into a data folder: (folder's parent, session id)."""
    tmp = tmp_path_factory.mktemp("open")
    p = _replay("import", str(DEMO), tmp_path=tmp)
    assert p.returncode == 0, p.stderr
    return tmp, p.stdout.split()[0]


def test_play_at_opens_at_that_moment(stored):
    tmp, sid = stored
    p = _replay("play", sid, "--at", "30000", "--quit-after", "600", tmp_path=tmp)
    assert p.returncode == 0, p.stderr
    opened, played, duration = _opened(p.stderr)
    assert opened == 30000 and played == 30000 < duration   # shown there, paused
    assert f"opened at 30000 ms of {duration} ms, paused there\n" in p.stderr


def test_play_at_outside_the_session_is_one_line(stored):
    tmp, sid = stored
    p = _replay("play", sid, "--at", "999999", "--quit-after", "600", tmp_path=tmp)
    assert p.returncode == 2 and "outside the session" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr


def test_a_link_past_the_session_names_the_links_moment_not_an_option(stored):
    tmp, sid = stored
    link = f"replay://{sid[:8]}?t=999999"
    p = _replay("open", link, "--quit-after", "600", tmp_path=tmp)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert p.stderr.startswith(f"replay: error: t=999999 in '{link}' is outside the session:")
    assert "--at" not in p.stderr and "'end'" not in p.stderr


def test_open_a_link_opens_the_session_at_its_moment(stored):
    tmp, sid = stored
    p = _replay("open", f"replay://{sid[:8]}?t=41000", "--quit-after", "600", tmp_path=tmp)
    assert p.returncode == 0, p.stderr
    opened, _played, _duration = _opened(p.stderr)
    assert opened == 41000


@pytest.mark.parametrize("link,said", [
    ("https://example.com/?t=1", "is not a replay:// link"),
    # a link handed over without its session: where to get it (a support engineer's tryout)
    ("replay://nosuchsession?t=10", "session nosuchsession is not in"),
    ("replay://nosuchsession?t=10", "import the .replay bundle it came with"),
    # ... into the folder the link was opened in (the hint dropped --data: a developer
    # imported into the default folder)
    ("replay://nosuchsession?t=10", "`replay --data {data} import FILE.replay`"),
    # a recording's file: what opens it (a support engineer's tryout: "not a replay:// link")
    ("{tmp}/s.json", "{tmp}/s.json is a file, not a link - `replay play {tmp}/s.json` opens"),
    # ... but a folder is none, nor an unknown user's home (it was a traceback)
    ("{tmp}", "is not a replay:// link"), ("~nosuchuser/x", "is not a replay:// link"),
])
def test_a_bad_link_is_one_line(stored, link, said):
    tmp, _sid = stored
    (tmp / "s.json").write_text("[]")
    p = _replay("open", link.format(tmp=tmp), "--quit-after", "100", tmp_path=tmp)
    said = said.format(data=tmp / "data", tmp=tmp)
    assert p.returncode == 2 and said in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_demo_starts_playing(tmp_path):
    """`play` opens paused (above); the demo plays as it opens."""
    p = _replay("demo", "--quit-after", "1500", tmp_path=tmp_path)
    assert p.returncode == 0, p.stderr
    opened, played, _ = _opened(p.stderr)
    assert played > opened


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a freedesktop.org handler")
def test_register_url_handler_installs_a_desktop_file(tmp_path):
    share, config = tmp_path / "share", tmp_path / "config"
    config.mkdir()
    (config / "mimeapps.list").write_text(
        "[Added Associations]\ntext/html=firefox.desktop;\n\n[Default Applications]\n"
        "x-scheme-handler/replay=old.desktop\ntext/plain=gedit.desktop\n")
    env = {"XDG_DATA_HOME": str(share), "XDG_CONFIG_HOME": str(config),
           "PATH": os.path.dirname(sys.executable)}   # no xdg-mime: our own mimeapps edit
    p = _replay("register-url-handler", tmp_path=tmp_path, env=env)
    assert p.returncode == 0, p.stderr
    entry = (share / "applications" / "replay-url-handler.desktop").read_text()
    assert "MimeType=x-scheme-handler/replay;" in entry
    exec_line = next(ln for ln in entry.splitlines() if ln.startswith("Exec="))
    assert exec_line.endswith(f"-m app --data {tmp_path / 'data'} open %u")
    lists = (config / "mimeapps.list").read_text()
    assert "x-scheme-handler/replay=replay-url-handler.desktop" in lists
    assert "old.desktop" not in lists                      # replaced, not duplicated
    assert "text/html=firefox.desktop;" in lists and "text/plain=gedit.desktop" in lists


def test_a_link_whose_prefix_names_several_sessions_says_so(tmp_path):
    """`replay open replay://96?t=1`, where two stored sessions begin with `96`: it said the
    session was not in the folder - "import the .replay bundle it came with" (a support
    engineer's tryout) - where `play 96` names both. The link's words are `play`'s."""
    import json

    from recorder.store import Store
    events = json.loads(DEMO.read_text())
    with Store.open(tmp_path / "data") as store:
        for sid in ("ab12-first", "ab12-second"):
            store.ingest_outcomes(events, session_id=sid)
    p = _replay("open", "replay://ab12?t=1000", "--quit-after", "100", tmp_path=tmp_path)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "matches 2 sessions" in p.stderr and "ab12-first" in p.stderr, p.stderr
    assert "bundle" not in p.stderr
