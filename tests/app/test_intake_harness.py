"""The test harness's `replay serve` (replay_tools.intake.IntakeServer): a port it chose that
another process took before the server bound it - the suite's workers each start servers -
is chosen again (a CI run failed a test's setup with "port ... is in use")."""
from __future__ import annotations

import socket

import replay_tools.intake as intake


def test_a_chosen_port_taken_meanwhile_is_chosen_again(tmp_path, monkeypatch):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    busy = taken.getsockname()[1]
    chosen = iter([busy])
    real = intake.free_port
    monkeypatch.setattr(intake, "free_port", lambda: next(chosen, None) or real())
    srv = intake.IntakeServer(tmp_path / "data")
    assert srv.port == busy
    try:
        with srv:
            assert srv.port != busy   # started on another, and answering
    finally:
        taken.close()
