"""A real `replay serve` for tests and benchmarks, and a small client for it (not shipped).

    with IntakeServer(data_dir, workers=2) as srv:
        app_id, token = srv.create_app("shop", origins=["http://127.0.0.1:8000"])
        status, body = post_batch(srv.url, app_id, token, {"session_id": "s1", "events": [...]})

The server is a subprocess (`python -m app serve`) on a free loopback port, in its own
process group so `kill9()` takes its workers with it; every wait is bounded.
"""
from __future__ import annotations

import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path
from typing import Any

import zstandard

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def replay_cli(data: Path, *args: Any, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", "--data", str(data), *map(str, args)],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=120)


def stored_events(data: Path, sid: str, at_least: int, timeout_s: float = 20.0) -> list[dict]:
    """The events of session `sid` once the data folder holds at least `at_least` of them (a
    page's last batch may still be on its way, by sendBeacon)."""
    from recorder.source import open_recording

    deadline = time.monotonic() + timeout_s
    while True:
        rows = {r["id"]: r for r in json.loads(replay_cli(data, "sessions", "--json").stdout)}
        if sid in rows and rows[sid]["record_count"] >= at_least:
            with open_recording(sid, data) as src:
                return list(src.events())
        assert time.monotonic() < deadline, rows
        time.sleep(0.2)


PORT_ATTEMPTS = 4


class PortTaken(RuntimeError):
    """The port was another process's by the time the server bound it."""


class IntakeServer:
    """`replay serve` as a subprocess. `extra_env` reaches the workers (for instance
    recorder.intake.app.CONFIG_ENV with small limits, through `module=True`: then the
    workers are started by uvicorn directly, skipping the CLI)."""

    def __init__(self, data: Path, *, workers: int = 1, rules: Path | None = None,
                 port: int | None = None, args: tuple = (), config: dict | None = None,
                 make_folder: bool = True):
        self.data = Path(data)
        self.make_folder = make_folder   # False: the server makes it (--demo) or refuses it
        self.workers = workers
        self.rules = rules
        self.port = port or free_port()
        self._port_chosen = port is None   # (a port taken meanwhile: another is chosen)
        self.args = args
        self.config = config
        self.proc: subprocess.Popen | None = None
        self.stderr_path = self.data.parent / f"serve-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def create_app(self, name: str, origins: list[str] = ()) -> tuple[str, str]:
        args = ["app", "create", name, "--json"]
        for o in origins:
            args += ["--origin", o]
        proc = replay_cli(self.data, *args)
        assert proc.returncode == 0, proc.stderr
        d = json.loads(proc.stdout)
        return d["id"], d["token"]

    def start(self) -> "IntakeServer":
        """Start `replay serve` and wait until it answers. A port this harness chose that
        another process took between the choice and the server's bind (the suite's workers
        each start servers) is chosen again, a few times."""
        for attempt in range(PORT_ATTEMPTS):
            try:
                return self._start()
            except PortTaken:
                if not self._port_chosen or attempt == PORT_ATTEMPTS - 1:
                    raise
                self.port = free_port()
                self.stderr_path = self.data.parent / f"serve-{self.port}.log"
        raise AssertionError("unreachable")

    def _start(self) -> "IntakeServer":
        env = dict(os.environ)
        if self.config is not None:   # uvicorn directly, with this worker configuration
            from recorder.intake.app import CONFIG_ENV
            env[CONFIG_ENV] = json.dumps({"data": str(self.data), **self.config})
            cmd = [sys.executable, "-m", "uvicorn", "recorder.intake.app:app_from_env",
                   "--factory", "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", str(self.workers), "--no-access-log", "--log-level", "warning"]
        else:
            cmd = [sys.executable, "-m", "app", "--data", str(self.data), "serve", "--port",
                   str(self.port), "--workers", str(self.workers), *map(str, self.args)]
            if self.rules:
                cmd += ["--rules", str(self.rules)]
        (self.data if self.make_folder else self.data.parent).mkdir(parents=True, exist_ok=True)
        log = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=log,
                                     start_new_session=True)
        log.close()
        self.wait_healthy()
        return self

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                said = self.log()
                if f"port {self.port} on 127.0.0.1 is in use" in said:
                    raise PortTaken(said)
                raise RuntimeError(f"replay serve exited with {self.proc.returncode}:\n"
                                   + said)
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"replay serve did not answer within {START_TIMEOUT_S:g} s:\n"
                           + self.log())

    def log(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def kill9(self) -> None:
        """SIGKILL the server and its workers (its process group), as a crash would."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(30)
        self.proc = None

    def stop(self) -> None:
        """`replay serve` ended - its workers too: the server's own process may exit before
        them, and a worker still closing its SQLite connection removed the index's `-shm`
        file under a test reading the data folder's every byte."""
        if self.proc is None:
            return
        group = self.proc.pid
        try:
            os.killpg(group, signal.SIGTERM)
            self.proc.wait(30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill9()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)   # (anyone left in the group?)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        self.proc = None

    def __enter__(self) -> "IntakeServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def encode(body: bytes, encoding: str | None) -> bytes:
    if encoding in (None, "identity"):
        return body
    if encoding == "gzip":
        return gzip.compress(body, 6)
    if encoding == "deflate":
        return zlib.compress(body, 6)
    if encoding == "zstd":
        return zstandard.ZstdCompressor(level=3).compress(body)
    raise ValueError(f"no encoder for {encoding!r}")


def post_batch(url: str, app_id: str | None, token: str | None, batch: Any, *,
               encoding: str | None = None, origin: str | None = None, raw: bytes | None = None,
               header_encoding: str | None = None, token_in_query: bool = False,
               timeout: float = 30.0) -> tuple[int, dict]:
    """POST one batch; (status, JSON answer). `raw` sends those bytes as they are;
    `header_encoding` claims a Content-Encoding other than the one used."""
    body = raw if raw is not None else encode(json.dumps(batch).encode(), encoding)
    q = f"?app={app_id}" if app_id is not None else ""
    if token and token_in_query:
        q += f"&token={token}"
    req = urllib.request.Request(url + "/v1/events" + q, data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    if token and not token_in_query:
        req.add_header("Authorization", f"Bearer {token}")
    enc = header_encoding or encoding
    if enc:
        req.add_header("Content-Encoding", enc)
    if origin:
        req.add_header("Origin", origin)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            return e.code, json.loads(text or b"{}")
        except ValueError:
            return e.code, {"raw": text.decode(errors="replace")}
