"""`replay serve` stopped by Ctrl+C (SIGINT to its process group, as a terminal sends it):
one line says so, and the exit status is 130 as README's says for Ctrl+C - uvicorn stopped
quietly and `replay serve` exited 0."""
from __future__ import annotations

import os
import signal

import pytest

from replay_tools.intake import IntakeServer

STOPPED_S = 60   # at most, for the server to stop (about a second)


def _stopped_by(srv: IntakeServer, send, sig: int, code: int) -> None:
    """`send(pid, sig)` to the started server: it stops with `code`, its last line saying so."""
    try:
        send(srv.proc.pid, sig)
        got = srv.proc.wait(STOPPED_S)
        said = srv.log()
    finally:
        srv.stop()
    assert got == code, said
    assert said.splitlines()[-1] == "replay: intake stopped", said
    assert "Traceback" not in said, said


@pytest.mark.parametrize("workers, started_ignoring", [(1, False), (2, False), (1, True), (2, True)])
def test_ctrl_c_stops_the_intake_saying_so_with_130(tmp_path, workers, started_ignoring):
    """`started_ignoring`: started by a shell's background job, which ignores SIGINT in its
    children - the server still stopped on it, but exited 0 (CI's run did so)."""
    srv = IntakeServer(tmp_path / "data", workers=workers)
    srv.create_app("shop")
    before = signal.signal(signal.SIGINT, signal.SIG_IGN) if started_ignoring else None
    try:
        srv.start()
    finally:
        if started_ignoring:
            signal.signal(signal.SIGINT, before)
    _stopped_by(srv, os.killpg, signal.SIGINT, 130)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("to_group", [False, True], ids=["process", "group"])
def test_sigterm_stops_the_intake_saying_so_with_0(tmp_path, workers, to_group):
    """SIGTERM (a service manager's stop, to the process or its whole group) stops the
    intake as Ctrl+C does, with 0: one worker was killed by it silently (143, uvicorn raised
    it again once stopped), where two said they stopped (an operator's tryout)."""
    srv = IntakeServer(tmp_path / "data", workers=workers)
    srv.create_app("shop")
    srv.start()
    _stopped_by(srv, os.killpg if to_group else os.kill, signal.SIGTERM, 0)
