"""Build a stored session's keyframe index in its own process and write it to stdout
(`KeyframeIndex.export()`); the player loads it when done (`KeyframeIndex.load_export`).

    python -m player.index_worker DATA_DIR SESSION_ID INTERVAL

A separate process uses the machine's other core and shares no GIL with the player's UI,
which meanwhile shows the first frame and seeks from full snapshots.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import IO, NamedTuple


class Worker(NamedTuple):
    proc: subprocess.Popen
    errors: IO[bytes]    # its stderr: a temporary file, so no pipe needs draining meanwhile

    def result(self) -> tuple[int, bytes, str]:
        """(exit code, the export, what it said on stderr) once it ends. The export is read
        in one piece: `communicate` would keep its chunks on the Popen (as much again as
        the export, 40 MB for a million events, for as long as the player holds it)."""
        out = self.proc.stdout.read()
        self.proc.stdout.close()
        code = self.proc.wait()
        self.errors.seek(0)
        err = self.errors.read().decode(errors="replace")
        self.errors.close()
        return code, out, err


def spawn(root: Path, session_id: str, interval: int) -> Worker | None:
    """Start a worker indexing a stored session (its export on stdout); None if no
    process can be started."""
    repo = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = repo + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    errors = tempfile.TemporaryFile()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "player.index_worker", str(root), str(session_id), str(interval)],
            stdout=subprocess.PIPE, stderr=errors, stdin=subprocess.DEVNULL, env=env)
    except OSError:
        errors.close()
        return None
    return Worker(proc, errors)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m player.index_worker DATA_DIR SESSION_ID INTERVAL", file=sys.stderr)
        return 2
    from player.keyframes import KeyframeIndex
    from recorder.store import Store

    root, sid, interval = Path(argv[0]), argv[1], int(argv[2])
    with Store.open(root) as store:
        src = store.session(sid)
        ix = KeyframeIndex(src, interval=interval)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # counted in the index; the player reports them
            ix.finish()
        blob = ix.export()
    sys.stdout.buffer.write(blob)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
