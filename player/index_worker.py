"""Finishing a keyframe index away from the UI thread, once the first frame is in: in a
worker process (another core, no GIL shared with the player's UI) when the source is a
stored session the worker can open itself, else in a daemon thread. The player meanwhile
shows the first frame and seeks from full snapshots.

    runner = IndexRunner(index)
    runner.start_worker(source) or runner.start_background()
    runner.stop()

The worker process is this module's program: it builds the index and writes it to stdout
(`KeyframeIndex.export`); the player takes it over with `KeyframeIndex.load_export`. It
hands the same bytes to the store too (player.index_store), so the next open of the same
version of the session takes them over at once.

    python -m player.index_worker DATA_DIR SESSION_ID INTERVAL
"""
from __future__ import annotations

import atexit
import os
import subprocess
import sys
import tempfile
import threading
import warnings
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple

from recorder.format import no_gc

from .index_export import decode_export

if TYPE_CHECKING:  # pragma: no cover
    from .keyframes import KeyframeIndex

# Index workers still running; killed when the player exits (their work dies with it).
_WORKERS: set[subprocess.Popen] = set()


@atexit.register
def _kill_workers() -> None:
    for p in list(_WORKERS):
        if p.poll() is None:
            p.kill()


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


class IndexRunner:
    """Runs one index's remaining work in a worker process or a daemon thread (at most one
    of them, once); the index's `finish` waits for it."""

    def __init__(self, index: "KeyframeIndex"):
        self.index = index
        self.proc: subprocess.Popen | None = None   # the worker process, if one was started
        self._stop = False
        # a start and `stop` one at a time: a start that `stop` did not see is never made
        # (a kept index found damaged on a closed player's row thread started a worker
        # process after its close, `Replayer._index_again`)
        self._starting = threading.Lock()

    def _started(self) -> bool:
        return self.index.finisher is not None or self.index.done

    def _run_here(self) -> None:
        while not self._stop and self.index.advance():
            pass

    def _start(self, run, name: str) -> None:
        th = threading.Thread(target=run, name=name, daemon=True)
        self.index.finisher = th
        th.start()

    def start_background(self) -> None:
        """Index the rest in a daemon thread (segment by segment, so a seek waits at most
        one segment for the lock); nothing once stopped."""
        with self._starting:
            if not self._stop and not self._started():
                self._start(self._run_here, "replay-keyframes")

    def start_worker(self, source: object) -> bool:
        """Index in a separate process when `source` is a stored session the worker can
        open itself; False if not possible (then nothing was started) - or stopped."""
        with self._starting:
            return self._start_worker(source)

    def _start_worker(self, source: object) -> bool:
        from recorder.store import SessionReader   # here: playing a file needs no store

        if self._stop or not isinstance(source, SessionReader) or not source.id \
                or self._started():
            return False
        ix = self.index
        worker = spawn(source.store.root, source.id, ix.interval)
        if worker is None:
            return False
        self.proc = proc = worker.proc
        _WORKERS.add(proc)
        ix.release_pending()

        def run() -> None:
            code, out, err = worker.result()
            _WORKERS.discard(proc)
            if self._stop:
                return
            if code == 0 and out:
                try:
                    with no_gc():
                        export = decode_export(out)
                    # the compressed export (45 MB for a million events) is let go before
                    # the index is taken over: it was held through the player's RSS peak
                    out = b""
                    ix.take_export(export)
                    return
                except Exception as exc:  # noqa: BLE001 - fall back to indexing here
                    err = repr(exc)
            warnings.warn("the index worker failed (%s); indexing in this process"
                          % (err.strip().splitlines() or ["?"])[-1])
            self._run_here()

        self._start(run, "replay-keyframes-worker")
        return True

    def stop(self) -> None:
        """Stop indexing (a worker process is killed) and wait for the thread to end."""
        with self._starting:
            self._stop = True
            proc, finisher = self.proc, self.index.finisher
        if proc is not None and proc.poll() is None:
            proc.kill()
        if finisher is not None:
            finisher.join()


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m player.index_worker DATA_DIR SESSION_ID INTERVAL", file=sys.stderr)
        return 2
    from player.index_store import keep_index
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
        # kept by the store for the next open of this version (player.index_store), keyed
        # by the segments this reader read - written to disk while the player reads it
        keeper = threading.Thread(target=keep_index, args=(src, ix.interval, blob),
                                  name="keep-index")
        keeper.start()
        sys.stdout.buffer.write(blob)
        sys.stdout.buffer.flush()
        keeper.join()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
