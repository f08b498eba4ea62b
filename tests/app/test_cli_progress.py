"""`replay mask --dry-run` and `replay audit` over stored sessions show import's progress bar
in a terminal (a real pty), and nothing of it when stderr is piped."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from rich.cells import cell_len

from terminal import replay_at_a_terminal


def replay_on_tty(*argv) -> tuple[int, str, str]:
    """`replay` with stderr on a pseudo-terminal; (exit code, stdout, what the pty got)."""
    return replay_at_a_terminal(*argv)


@pytest.fixture
def data(tmp_path, demo_events):
    src = tmp_path / "in.json"
    src.write_text(json.dumps(demo_events))
    data = tmp_path / "d"
    assert subprocess.run([sys.executable, "-m", "app", "--data", data, "import", src],
                          capture_output=True).returncode == 0
    rules = tmp_path / "r.toml"
    rules.write_text('default = "mask"\n')
    return data, rules


@pytest.mark.parametrize("argv, said", [(("mask", "--dry-run", "--all"), "looking at"),
                                        (("audit", "--all"), "auditing")])
def test_progress_bar_in_a_terminal_only(data, argv, said):
    folder, rules = data
    argv = (*argv, "--rules", rules) if argv[0] == "mask" else argv
    code, out, tty = replay_on_tty("--data", folder, *argv)
    assert code in (0, 1) and out.strip(), tty   # audit exits 1 when it finds something
    assert said in tty and "%" in tty, tty
    piped = subprocess.run([sys.executable, "-m", "app", "--data", folder, *map(str, argv)],
                           capture_output=True, text=True)
    assert said not in piped.stderr and piped.stdout.split()[:8] == out.split()[:8]


def test_ids_stay_on_stdout_while_the_bar_is_on_the_terminal(tmp_path, demo_events):
    """`sid=$(replay import f.json)` in a terminal: the bar is shown, the id is captured."""
    src = tmp_path / "in.json"
    src.write_text(json.dumps(demo_events))
    code, out, tty = replay_on_tty("--data", tmp_path / "d", "import", src)
    assert code == 0 and len(out.split()) == 1, (out, tty)
    assert out.strip() not in tty


def test_once_a_file_is_read_the_bar_says_the_import_is_finishing(tmp_path, demo_events):
    """The last segments, the privacy pass over what came before a value was typed and the
    index take a quarter to a half of a long import: a bar left at 100%, its clock stopped,
    looked like a hang - a stage of unknown length follows it (its bar pulses, no "%")."""
    from rich.progress import Progress

    from app.commands._progress import _Percent
    from app.commands.import_cmd import _progressed
    from recorder.rrweb_io import EventStream
    src = tmp_path / "in.json"
    src.write_text(json.dumps(demo_events))
    bar = Progress(disable=True)
    task = bar.add_task("importing in.json", total=src.stat().st_size)
    assert sum(1 for _ in _progressed(EventStream(src), bar, task, "in.json")) == len(demo_events)
    reading, finishing = bar.tasks
    assert not reading.visible and reading.completed == reading.total
    assert finishing.visible and finishing.total is None and not finishing.finished
    assert finishing.description.startswith("finishing in.json: ")
    assert _Percent().render(finishing).plain.strip() == ""


def test_on_an_80_column_terminal_the_clock_is_drawn(tmp_path):
    """A stage's long words pushed the elapsed time off an 80-column line, while the longest
    stage ran (an operator's tryout): the words are cut, the clock stays."""
    from rich.console import Console as RichConsole

    from app.commands._progress import progress_bar

    bar = progress_bar()
    bar.add_task("finishing a-recording-with-a-long-name.json: privacy pass, index", total=None)
    narrow = RichConsole(width=80, force_terminal=True, color_system=None,
                         file=open(tmp_path / "out.txt", "w"))
    line = "".join(seg.text for seg in narrow.render(bar.get_renderable()))
    assert "0:00:00" in line and "…" in line, line


def _bar_line(tmp_path, description: str, columns: int) -> str:
    """The line `progress_bar` draws for a stage of these words on a terminal this wide."""
    from rich.console import Console as RichConsole

    from app.commands._progress import progress_bar

    bar = progress_bar()
    bar.add_task(description, total=100, completed=40)
    wide = RichConsole(width=columns, force_terminal=True, color_system=None,
                       file=open(tmp_path / "out.txt", "w"))
    (line,) = "".join(seg.text for seg in wide.render(bar.get_renderable())).splitlines()
    return line


@pytest.mark.parametrize("words", ["reading rrweb-player-demo.json (1 of 3)",
                                   "finishing demo-session.json: privacy pass, index"])
def test_the_words_are_whole_where_the_bar_can_give_up_room_for_them(tmp_path, words):
    """At 100 columns the stage's words were cut at 36 characters (`reading
    rrweb-player-demo.json (1 o…`, `finishing demo-session.json: privac…`) beside a
    40-cell bar: the bar gives up its width first."""
    line = _bar_line(tmp_path, words, 100)
    assert words in line and "40%" in line and "0:00:00" in line, line
    assert cell_len(line.rstrip()) <= 100


def test_words_too_long_for_the_line_keep_their_start_and_end(tmp_path):
    """Only when the bar is at its narrowest do the words give up their middle: the stage
    and the file's name's end (which of several files) stay."""
    words = "finishing a-recording-with-a-very-long-name-from-the-customer-ticket.json: privacy" \
            " pass, index"
    line = _bar_line(tmp_path, words, 100)
    assert cell_len(line.rstrip()) <= 100 and "0:00:00" in line and "40%" in line, line
    head, tail = line[2:].split(" ━")[0].split("…")   # (after the spinner, before the bar)
    assert words.startswith(head) and words.endswith(tail), line
    assert len(head) >= 20 and tail.endswith(".json: privacy pass, index"), line
    assert "━" in line, line   # a bar is still drawn


def test_a_clips_bar_says_the_file_is_being_written_after_its_last_frame(tmp_path):
    """A GIF's encode and flush take a fifth of its export: the bar stood at 100%, its clock
    stopped, "painting" all along (a QA tryout) - a stage of its own follows the frames."""
    from pathlib import Path
    demo = Path(__file__).resolve().parents[2] / "assets" / "demo" / "demo-session.json"
    out = tmp_path / "bug.gif"
    code, _, tty = replay_on_tty("--data", tmp_path / "d", "export", demo, "-o", out,
                                 "--to", "3000", "--size", "160x100")
    assert code == 0 and out.exists(), tty
    assert "painting bug.gif" in tty and "writing bug.gif" in tty, tty
    assert tty.rindex("writing bug.gif") > tty.rindex("painting bug.gif")


def test_without_a_terminal_long_work_says_how_far_it_got_in_plain_lines(tmp_path):
    """Piped into a log (nohup, a CI job), a 43-second export said nothing until it ended (a
    QA tryout): every REPLAY_PROGRESS_EVERY seconds each stage under way says where it is, in
    a line of its own, before the result; 0 turns them off; a refusal stays one line."""
    from pathlib import Path
    demo = Path(__file__).resolve().parents[2] / "assets" / "demo" / "demo-session.json"

    def export(every: str, out: Path, *more: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "app", "--data", str(tmp_path / "d"),
                               "export", str(demo), "-o", str(out), "--size", "160x100",
                               *more], capture_output=True, text=True, timeout=300,
                              env={**os.environ, "REPLAY_PROGRESS_EVERY": every})

    # every 50 ms: painting 40 frames, each grabbed until it settles, takes seconds
    p = export("0.05", tmp_path / "a.gif", "--to", "4000")
    assert p.returncode == 0, p.stderr
    lines = p.stderr.splitlines()
    assert lines[-1].startswith("wrote ") and "a.gif" in lines[-1]
    painting = [ln for ln in lines if ln.startswith("replay: painting a.gif - ")]
    shares = [int(ln.split(" - ")[1].split("%")[0]) for ln in painting if "%" in ln]
    assert len(painting) >= 3 and shares and shares == sorted(shares), p.stderr
    # (the file is masked under the rules in force first, a stage said too when it lasts:
    # a support engineer's tryout waited 55 s in silence for a long bundle's)
    assert all(ln.startswith(("replay: painting a.gif - ", "replay: writing a.gif - ",
                              "replay: masking demo-session.json "))
               for ln in lines[:-1]), p.stderr
    p = export("0", tmp_path / "b.gif", "--to", "1500")   # (0 is not "as often as can be")
    assert p.returncode == 0 and p.stderr.splitlines()[:-1] == [], p.stderr
    for bad in ("soon", "1e10", "-1"):   # (1e10 overflowed the line thread's wait)
        p = export(bad, tmp_path / "c.gif", "--to", "8000")
        assert p.returncode == 2 and p.stderr.splitlines() == [
            f"replay: error: REPLAY_PROGRESS_EVERY={bad} is not a number of seconds from 0 to"
            " 86,400 - give one (0: no progress lines), or unset it"], p.stderr
        assert not (tmp_path / "c.gif").exists()


def test_a_playwright_script_says_how_far_it_got_too(tmp_path, monkeypatch):
    """A 10-minute session's script took 16 s in silence where its bundle took 2: reading
    the session and writing the script are stages like any long command's, each moved on to
    its end. (Asked of the bar itself: the demo's script is written in less than any
    interval of plain lines a test could wait for - on a fast day none was printed.)"""
    from pathlib import Path

    from app.cli import main
    from app.commands import _progress
    bars, made = [], _progress.progress_bar

    def watched():
        bars.append(made())
        return bars[-1]
    monkeypatch.setattr(_progress, "progress_bar", watched)
    demo = Path(__file__).resolve().parents[2] / "assets" / "demo" / "demo-session.json"
    assert main(["--data", str(tmp_path / "d"), "export", str(demo),
                 "-o", str(tmp_path / "repro.py")]) == 0
    assert (tmp_path / "repro.py").read_text().startswith('"""Reproduction of session ')
    stages = {t.description: t for bar in bars for t in bar.tasks}
    assert list(stages) == ["masking demo-session.json under the rules in force",
                            "reading session acme-shop-dem",
                            "writing repro.py"]   # (the file masked under the rules first)
    for t in stages.values():   # (each one's share reached its whole)
        assert t.total and t.completed == t.total, (t.description, t.completed, t.total)


def test_the_app_opens_a_file_without_the_commands_progress_bar(qapp, tmp_path, monkeypatch):
    """A reviewer's find: the app opens files with the commands' `open_source`, whose masking
    of a file went behind a rich progress bar on stderr - in the app's opening thread, where
    it is no use and redirects the process's output while it runs. The app asks for none."""
    from pathlib import Path

    import app.commands._progress as progress
    from app.commands._source import open_source

    demo = Path(__file__).resolve().parents[2] / "assets" / "demo" / "demo-session.json"

    def no_bar(*_a, **_k):
        raise AssertionError("a progress bar was made")
    monkeypatch.setattr(progress, "progress_bar", no_bar)
    src = open_source(str(demo), tmp_path / "data", show_progress=False)
    assert len(list(src.events())) > 100
    src.close()
    with pytest.raises(AssertionError, match="a progress bar was made"):
        open_source(str(demo), tmp_path / "data")
    from app.window.opener import Opening, OpenJob
    opened = OpenJob(tmp_path / "data", [])._open(Opening.of_file(demo))
    assert opened is not None and len(list(opened.source.events())) > 100
    opened.close()
