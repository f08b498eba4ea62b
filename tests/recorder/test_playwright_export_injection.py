"""The Playwright script export (`replay export --format playwright`) is code a developer runs:
nothing a recording holds - an address, a typed text, a field's name, an error's message -
may become code in it. Every recorded string lands in a string literal, a comment that stays
one line, or the docstring that stays one string; the script compiles and importing it runs
nothing of the recording's."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import tokenize
from pathlib import Path

from app.cli import main
from recorder.playwright_export import playwright_script

S = 1_700_000_000_000
MARK = "PWNED"   # what each payload would create (a file, in the script's folder)
RUN = f"__import__('pathlib').Path('{MARK}').touch()"
RUN_DQ = RUN.replace("'", '"')


# the failed request the check at the end names: a quote in its path (the check's message
# was an f-string the path was put into: a reviewer's find)
FAILED_URL = f'http://shop.test/api"+str({RUN_DQ})+"x'


def _el(nid: int, tag: str, attrs: dict, kids: list | None = None) -> dict:
    return {"type": 2, "id": nid, "tagName": tag, "attributes": attrs, "childNodes": kids or []}


def _hostile_session() -> list[dict]:
    """A session whose recorded strings each try to leave their place in the script."""
    def page(t, href):
        return [{"type": 4, "timestamp": S + t, "data": {"href": href, "width": 800, "height": 600}},
                {"type": 2, "timestamp": S + t, "data": {"initialOffset": {"left": 0, "top": 0},
                 "node": {"type": 0, "id": 1, "childNodes": [_el(2, "html", {}, [_el(3, "body", {}, [
                     _el(5, "textarea", {"id": "t"}),
                     _el(6, "input", {"type": "checkbox", "name": f"ok\n    {RUN}  #"}),
                     _el(7, "input", {"type": "password",
                                      "name": f"pw\n}} ; {RUN} ; {{#\r    {RUN}  #"}),
                     _el(8, "button", {"id": "go"}, [{"type": 3, "id": 9, "textContent": "Go"}]),
                 ])])]}}}]
    return (page(0, f"http://shop.test/a\n    {RUN}  #")
            + [{"type": 3, "timestamp": S + 1000, "data": {"source": 5, "id": 5, "isChecked": False,
                                                           "text": f"hi\r    {RUN}  # '''\"\"\""}},
               {"type": 3, "timestamp": S + 1500, "data": {"source": 2, "type": 2, "id": 6,
                                                           "x": 1, "y": 1}},
               {"type": 3, "timestamp": S + 1600, "data": {"source": 5, "id": 6, "text": "on",
                                                           "isChecked": True}},
               {"type": 3, "timestamp": S + 2000, "data": {"source": 5, "id": 7, "text": "***",
                                                           "isChecked": False}},
               {"type": 3, "timestamp": S + 2500, "data": {"source": 2, "type": 2, "id": 8,
                                                           "x": 1, "y": 1}},
               {"type": 6, "timestamp": S + 2600, "data": {"plugin": "replay/rum@1", "payload": {
                   "type": "error", "date": S + 2600,
                   "error": {"message": f"XHR failed\n    {RUN}  #", "source": "network",
                             "type": "HTTPError", "resource": {"url": FAILED_URL,
                                                               "method": "POST",
                                                               "status_code": 500}}}}},
               {"type": 6, "timestamp": S + 2600, "data": {"plugin": "replay/rum@1", "payload": {
                   "type": "resource", "date": S + 2600,
                   "resource": {"url": FAILED_URL, "method": "POST",
                                "status_code": 500, "type": "xhr", "duration": 1}}}}]
            # the docstring names the recorded origin
            + page(3000, f'http://x"""+{RUN_DQ}+"""/b'))


def _assert_recorded_strings_are_not_code(script: str) -> None:
    compile(script, "repro.py", "exec")   # it is a script at all
    for tok in tokenize.generate_tokens(io.StringIO(script).readline):
        if tok.type in (tokenize.NAME, tokenize.OP) and tok.string in ("__import__", "touch"):
            raise AssertionError(f"recorded text became code on line {tok.start[0]}: "
                                 f"{script.splitlines()[tok.start[0] - 1]!r}")


def test_recorded_strings_stay_strings_and_comments():
    script = playwright_script(_hostile_session(), session_id="s")
    _assert_recorded_strings_are_not_code(script)
    assert MARK in script   # the strings are there, inert


def test_the_exported_script_runs_nothing_of_the_recording_when_imported(tmp_path):
    rec = tmp_path / "hostile.json"
    rec.write_text(json.dumps(_hostile_session()))
    out = tmp_path / "repro.py"
    assert main(["--data", str(tmp_path / "data"), "export", str(rec), "--unmasked",
                 "--format", "playwright", "-o", str(out)]) == 0
    script = out.read_text(encoding="utf-8")
    _assert_recorded_strings_are_not_code(script)
    # what a developer does first: run it (here: import it, as a test harness would)
    run = subprocess.run([sys.executable, "-c", "import importlib.util as u; s = u.spec_from_"
                          "file_location('repro', 'repro.py'); u.module_from_spec(s); "
                          "s.loader.exec_module(u.module_from_spec(s))"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert not (tmp_path / MARK).exists(), "importing the script ran the recording's code"
    assert run.returncode == 0, run.stderr
