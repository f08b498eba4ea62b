"""The Playwright script as a command: `python repro.py --help` and what it prints, read by a
person or piped into another command."""
from __future__ import annotations

import os
import subprocess
import sys

from recorder.playwright_export import playwright_script
from tests.recorder.test_playwright_masked import _session


def test_help_piped_into_a_reader_that_stops_early_is_no_traceback(tmp_path):
    """`python repro.py --help | head -3` ended in a BrokenPipeError traceback (head had
    what it wanted and went away): the script says nothing more and exits 0."""
    script = tmp_path / "repro.py"
    script.write_text(playwright_script(_session([]), session_id="s"))
    read, write = os.pipe()
    os.close(read)   # a reader gone before the script writes: every write fails (EPIPE)
    try:
        p = subprocess.run([sys.executable, str(script), "--help"], stdout=write,
                           stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write)
    assert (p.returncode, p.stderr) == (0, "")
    # read whole, it is the docstring
    whole = subprocess.run([sys.executable, str(script), "--help"], capture_output=True,
                           text=True, timeout=60)
    assert whole.returncode == 0 and whole.stdout.startswith("Reproduction of session s ")
