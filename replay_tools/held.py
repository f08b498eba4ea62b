"""A page server whose API never answers while the test looks: the "Save hangs" bug.

`HeldApi(folder)` serves `folder` on 127.0.0.1 as `PageServer` does, except that a GET or
POST to `/api/...` arrives (`wait_arrived(n)` waits for the n-th) and waits unanswered until
the test is done with it (`release`, set as the server stops; then a `200 {}`, if the page is
still there to take it). Used to record a page whose request is still in flight when
recording stops or the page is left.
"""
from __future__ import annotations

import threading
from pathlib import Path

from recorder.intake.page_server import PageServer, QuietHandler

HOLD_AT_MOST_S = 60   # a request nobody releases is answered then, and the thread ends


class HeldApi(PageServer):
    def __init__(self, root: Path):
        self.release = threading.Event()
        self.arrivals = 0
        self._arrived = threading.Condition()
        held = self

        class Holding(QuietHandler):
            def _hold(self) -> None:
                with held._arrived:
                    held.arrivals += 1
                    held._arrived.notify_all()
                held.release.wait(HOLD_AT_MOST_S)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:   # the page was left: nobody waits for the answer now
                    self.close_connection = True

            def do_POST(self):   # noqa: N802 - http.server's names
                self._hold() if self.path.startswith("/api/") else self.send_error(404)

            def do_GET(self):    # noqa: N802
                self._hold() if self.path.startswith("/api/") else super().do_GET()
        super().__init__(root, handler=Holding)

    def wait_arrived(self, n: int = 1, timeout_s: float = 20.0) -> bool:
        """Whether `n` requests to the API have arrived (waiting up to `timeout_s` for them)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: self.arrivals >= n, timeout_s)

    def __exit__(self, *exc) -> None:
        self.release.set()
        super().__exit__(*exc)
