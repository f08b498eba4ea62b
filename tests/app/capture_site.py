"""A site serving capture.js as the intake serves it, beside a running `replay serve` with an
application for it - for the capture tests that load pages in Debian's chromium."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple

from recorder.paths import capture_script
from replay_tools.browser_recorder import PageServer
from replay_tools.intake import IntakeServer


class CaptureSite(NamedTuple):
    root: Path             # the site's folder: write its pages here
    pages: PageServer
    intake: IntakeServer
    app: str
    token: str


@contextmanager
def capture_site(tmp_path: Path, app_name: str) -> Iterator[CaptureSite]:
    root = tmp_path / "site"
    root.mkdir()
    (root / "capture.js").write_text(capture_script())
    srv = IntakeServer(tmp_path / "data")
    with PageServer(root) as pages:
        app, token = srv.create_app(app_name, origins=[pages.base_url.rstrip("/")])
        with srv:
            yield CaptureSite(root, pages, srv, app, token)
