"""capture.js and `replay serve`'s shared dictionary, end to end in Debian's chromium: real
visits of a page are stored, the application's dictionary is made of that page as the site
serves it (never a visitor's own text: here a greeting the page's script writes from the
address), and the next visitor's capture.js fetches it, compresses against it, and the intake
stores that visit as it stores any other."""
from __future__ import annotations

import json
import re

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from recorder.intake.dictionary import FOLDER, MIN_SESSIONS  # noqa: E402
from replay_tools.chromium import chromium_path  # noqa: E402
from replay_tools.intake import replay_cli  # noqa: E402
from tests.app.capture_site import capture_site  # noqa: E402
from tests.app.test_capture_big_changes import _stored  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

# each visitor's page greets them by a name of their own (set by the page's script)
PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>Acme</title><script src="capture.js"></script>
<script>ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s",
                            rules: {"default": "allow", "detectors": []}});</script>
</head><body><nav class="topbar"><a href="index.html">Home</a> <a href="#new">New in</a></nav>
<p id="hello"></p><section class="grid"><div class="card">Desk lamp, brass</div>
<div class="card">Stoneware mug</div></section>
<script>document.getElementById("hello").textContent = "Hello, " + location.hash.slice(1);</script>
</body></html>"""
SENT = "(s => s && s.acked > 0 ? s : null)(ReplayCapture.status())"


def visit(chromium, url: str) -> tuple[str, str | None]:
    """A new visitor's page, until capture.js sent its snapshot: (session id, the id of the
    dictionary it compressed against, or None)."""
    ctx = chromium.new_context()
    try:
        page = ctx.new_page()
        page.goto(url)
        page.wait_for_function(SENT, polling=100, timeout=20_000)
        status = page.evaluate("ReplayCapture.status()")
        return status["session_id"], status.get("dictionary")
    finally:
        ctx.close()


def test_the_next_visitor_compresses_against_what_earlier_visitors_pages_held(tmp_path, chromium):
    with capture_site(tmp_path, "acme") as cs:
        (cs.root / "index.html").write_text(PAGE % {"intake": cs.intake.url, "app": cs.app,
                                                    "token": cs.token})
        url = cs.pages.url("index.html")
        turned = replay_cli(cs.intake.data, "app", "dictionary", "acme", "--on")
        assert turned.returncode == 0, turned.stderr
        for k in range(MIN_SESSIONS):
            sid, used = visit(chromium, f"{url}#visitor-number-{k}")
            assert used is None   # none yet: no page visited by enough sessions
            assert "visitor-number-%d" % k in _stored(cs.intake, sid, f"visitor-number-{k}")
        built = replay_cli(cs.intake.data, "app", "dictionary", "acme", "--rebuild", "--strings")
        assert built.returncode == 0, built.stderr
        dict_id = re.search(r"shared dictionary ([0-9a-f]{8})", built.stdout).group(1)
        assert '"Desk lamp, brass"' in built.stdout and "visitor-number" not in built.stdout
        assert url in built.stdout   # the page it was made of
        files = list((cs.intake.data / FOLDER / cs.app).glob("*.bin"))
        assert [f.stem for f in files] == [dict_id]
        assert b"visitor-number" not in files[0].read_bytes()   # one visitor's own text

        sid, used = visit(chromium, f"{url}#someone-new")
        assert used == dict_id
        stored = json.loads(_stored(cs.intake, sid, "someone-new"))
        text = json.dumps(stored)
        assert "Hello, someone-new" in text and "Desk lamp, brass" in text
        assert not any(k in cs.intake.log() for k in ("unknown_dictionary", "bad_encoding"))
