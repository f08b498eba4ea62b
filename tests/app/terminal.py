"""`replay` run as a person runs it at a terminal: stderr (and stdin, to answer a prompt) on
a pseudo-terminal, so it draws its progress bars and asks its questions."""
from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

PROMPT = b"[y/N]"     # a question's end, answered with `answer` once shown
WAIT_S = 120          # at most, for the whole run (a prompt never shown - asked on stdout,
                      # say - or a child that hangs: the test fails, it does not hang)


def replay_at_a_terminal(*argv, answer: bytes | None = None,
                         columns: int = 100) -> tuple[int, str, str]:
    """(exit code, stdout, what the terminal showed - stderr, and the prompt's answer
    echoed). Without `answer` stdin is empty (not a terminal)."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": str(columns)}
    proc = subprocess.Popen([sys.executable, "-m", "app", *map(str, argv)], env=env,
                            stdout=subprocess.PIPE, stderr=slave,
                            stdin=slave if answer is not None else subprocess.DEVNULL)
    os.close(slave)
    shown, answered = b"", answer is None
    deadline = time.monotonic() + WAIT_S   # (a child that hangs fails the test, not hangs it)
    while time.monotonic() < deadline:
        if not select.select([master], [], [], 1)[0]:
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:   # the child closed its end
            break
        if not chunk:
            break
        shown += chunk
        if not answered and PROMPT in shown:
            os.write(master, answer)
            answered = True
    else:
        proc.kill()
    out = proc.stdout.read().decode()
    code = proc.wait(timeout=120)
    os.close(master)
    return code, out, shown.decode(errors="replace").replace("\r\n", "\n")
