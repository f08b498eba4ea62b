"""A site serving capture.js as the intake serves it, beside a running `replay serve` with an
application for it - for the capture tests that load pages in Debian's chromium."""
from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

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
def capture_site(tmp_path: Path, app_name: str,
                 server: Callable[[Path], PageServer] = PageServer) -> Iterator[CaptureSite]:
    """`server`: the site's page server over its folder (one with an API of its own)."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "capture.js").write_text(capture_script())
    srv = IntakeServer(tmp_path / "data")
    with server(root) as pages:
        app, token = srv.create_app(app_name, origins=[pages.base_url.rstrip("/")])
        with srv:
            yield CaptureSite(root, pages, srv, app, token)


def events_when(data: Path, sid: str, done: Callable[[list[dict]], bool],
                timeout_s: float = 20.0) -> list[dict]:
    """The session's stored events once `done(events)` (or, at the deadline, as they are): what
    a page sent by beacon as it was left reaches the intake on the browser's own time."""
    from recorder.source import open_recording

    deadline = time.monotonic() + timeout_s
    events: list[dict] = []
    while time.monotonic() < deadline:
        try:
            with open_recording(sid, data) as src:
                events = list(src.events())
        except Exception:   # not stored yet
            events = []
        if done(events):
            break
        time.sleep(0.3)
    return events


# capture.js's first batch (the page's snapshot) stored
FIRST_SENT = "(s => s && s.acked > 0 ? s : null)(ReplayCapture.status())"
# everything the page recorded so far sent and answered (its status then)
SENT_ALL = "(s => s && s.idle && s.acked === s.queued ? s : null)(ReplayCapture.flush())"


def opened(ctx, url: str):
    """A page of the site opened in `ctx` (Playwright's), once capture.js sent its first
    batch: (the page, its session id)."""
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_function(FIRST_SENT, polling=100, timeout=20_000)
    return page, page.evaluate("ReplayCapture.status().session_id")


def echo_digest(value: str, salt: int) -> int:
    """capture.js's digest of an ASCII value (a typed value's, handed to the visit's next page:
    `echoPrefixes`, `echoDigest`), written again as the tests' oracle."""
    m = 0xFFFFFFFF
    h = 0
    for ch in value.lower():
        h = (h * 0x01000193 + ord(ch)) & m
    h = (h ^ salt ^ ((len(value) * 0x9E3779B1) & m)) & m
    h = ((h ^ (h >> 16)) * 0x85EBCA6B) & m
    h = ((h ^ (h >> 13)) * 0xC2B2AE35) & m
    return h ^ (h >> 16)
