"""`replay snapshot SESSION|FILE --at MS -o FILE.html`: the safe document of a moment, from a
recording file (read without importing) and from a stored session."""
from __future__ import annotations

import json

import lxml.html
import pytest

from app.cli import main
from replay_tools.generator import HOSTILE_HOST, HOSTILE_MARK, hostile_session
from recorder.store import Store


def test_snapshot_of_a_file_at_a_moment(tmp_path, fixtures_dir, capsys):
    out = tmp_path / "moment.html"
    rc = main(["--data", str(tmp_path / "data"), "snapshot",
               str(fixtures_dir / "rrweb-player-demo.json"), "--at", "50000", "-o", str(out)])
    assert rc == 0
    doc = lxml.html.document_fromstring(out.read_text())
    assert doc.findtext(".//title") == "demoit"
    assert "wrote the document" in capsys.readouterr().err
    # nothing was imported: the file was read as it is
    assert not Store.open(tmp_path / "data").sessions()


def test_snapshot_of_a_stored_session_is_inert(tmp_path, capsys):
    data = tmp_path / "data"
    with Store.open(data) as st:
        sid = st.ingest(hostile_session())[0]
    out = tmp_path / "h.html"
    assert main(["--data", str(data), "snapshot", sid[:8], "--at", "3600", "-o", str(out)]) == 0
    html = out.read_text()
    assert HOSTILE_MARK not in html and HOSTILE_HOST not in html
    assert "<script" not in html.lower()
    # to stdout, default moment = the first frame
    capsys.readouterr()
    assert main(["--data", str(data), "snapshot", sid, "-o", "-"]) == 0
    assert capsys.readouterr().out.startswith("<!DOCTYPE html>")
    assert main(["--data", str(data), "snapshot", sid, "--at", "end", "-o", str(out),
                 "--overwrite"]) == 0
    assert "Hostile page" in out.read_text()


def test_snapshot_errors_say_what_to_do(tmp_path, fixtures_dir, capsys):
    data = str(tmp_path / "data")
    (tmp_path / "data").mkdir()
    assert main(["--data", data, "snapshot", "nosuchsession", "--at", "0"]) == 2
    err = capsys.readouterr().err
    assert "replay sessions" in err
    assert main(["--data", data, "snapshot", str(fixtures_dir / "rrweb-player-demo.json"),
                 "--at", "99999999", "-o", str(tmp_path / "x.html")]) == 2
    err = capsys.readouterr().err
    assert "after the session ends" in err and "81080" in err
    assert not (tmp_path / "x.html").exists()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"not": "events"}))
    assert main(["--data", data, "snapshot", str(bad), "--at", "0"]) == 2


def test_a_moment_is_given_as_the_players_clock_shows_it_or_in_seconds(tmp_path, fixtures_dir,
                                                                     capsys):
    """`--at 0:50` (the player's clock), `50s` and `50000` are the same moment; a moment that
    is none of these is refused in one line naming the forms (exit 2)."""
    import pytest
    rec = str(fixtures_dir / "rrweb-player-demo.json")
    docs = []
    for at in ("50000", "50s", "0:50", "0:50.0"):
        out = tmp_path / f"{at.replace(':', '_')}.html"
        assert main(["--data", str(tmp_path / "data"), "snapshot", rec, "--at", at,
                     "-o", str(out)]) == 0
        docs.append(out.read_text())
    assert len(set(docs)) == 1
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        main(["--data", str(tmp_path / "data"), "snapshot", rec, "--at", "1:75", "-o", "-"])
    err = capsys.readouterr().err.strip().splitlines()
    assert e.value.code == 2 and "'1:75' is not a moment: give milliseconds (62000), seconds" \
        " (62s), the player's clock (1:02), 'end', 'bug' or 'error'" in err[-1]
    # a bare fraction: 62.5 ms was read where 62.5 s was meant (a QA tryout)
    with pytest.raises(SystemExit) as e:
        main(["--data", str(tmp_path / "data"), "snapshot", rec, "--at", "50.5", "-o", "-"])
    err = capsys.readouterr().err.strip().splitlines()
    assert e.value.code == 2 and "'50.5' has a fraction but no unit - say 50.5s for seconds" \
        " or 50.5ms for milliseconds" in err[-1]
    for at in ("50.5s", "50500ms", "50500"):
        assert main(["--data", str(tmp_path / "data"), "snapshot", rec, "--at", at,
                     "-o", str(tmp_path / "frac.html"), "--overwrite"]) == 0


def test_at_error_names_the_sessions_errors_where_e_shows_them(tmp_path, capsys):
    """`--at error` (a support engineer read the error's time off `devtools`, then typed
    `--at 0:58.6` - 'error' was refused): the Nth error where the player's E shows it, with an
    offset if wanted; a number past the session's errors, or a session without any, is one
    line naming what there is."""
    from app.commands._source import ErrorMoment, moment
    from player.qt.session_view import error_moment
    from player.replayer import Replayer
    from recorder.paths import DEMO_SESSION
    from recorder.semantics import Semantics
    from recorder.source import open_recording
    assert [moment(v) for v in ("error", "Error:2", "error-1s", "error:3 + 1:00")] == [
        ErrorMoment(), ErrorMoment(2), ErrorMoment(1, -1000.0), ErrorMoment(3, 60_000.0)]
    data = str(tmp_path / "data")
    with open_recording(str(DEMO_SESSION), tmp_path / "data") as src:
        events = list(src.events())
        duration = Replayer(src).duration_ms
    start = events[0]["timestamp"]
    sem = Semantics()
    for e in events:
        sem.feed(e, e["timestamp"] - start)
    shown = sorted(error_moment(e.t) for e in sem.errors)   # the oracle: the events' errors
    assert len(shown) >= 3

    def snapshot_at(at):
        out = tmp_path / "at.html"
        assert main(["--data", data, "snapshot", str(DEMO_SESSION), "--at", at, "-o", str(out),
                     "--overwrite"]) == 0
        return out.read_text(), capsys.readouterr().err

    for at, ms in (("error", shown[0]), ("error:2", shown[1]), ("error:3-1.5s", shown[2] - 1500)):
        got, _ = snapshot_at(at)
        assert got == snapshot_at(f"{ms}ms")[0], at
    assert main(["--data", data, "snapshot", str(DEMO_SESSION), "--at", f"error:{len(shown) + 1}",
                 "-o", "-"]) == 2
    assert capsys.readouterr().err == (f"replay: error: --at error:{len(shown) + 1}: this session"
                                       f" reported {len(shown)} errors (each time counts, as E"
                                       f" goes through them) - give error:1 to"
                                       f" error:{len(shown)}\n")
    _, err = snapshot_at(f"error:{len(shown)}+1:00")   # past the end: its end, said
    assert f"--at error:{len(shown)}+60s is past the session's end: --at is its end" in err
    quiet = tmp_path / "quiet.json"
    quiet.write_text(json.dumps([e for e in events if e["type"] in (2, 4)]))
    assert main(["--data", data, "snapshot", str(quiet), "--at", "error", "-o", "-"]) == 2
    assert "--at error: this session has no errors" in capsys.readouterr().err
    assert duration > shown[-1]
