"""The Playwright script of a session whose bug is an unhandled promise rejection, recorded by
capture.js: the RUM plugin reports it as "Unhandled promise rejection: <message>" with the
error's type beside it, and the script checked for "TypeError: Unhandled promise rejection:
..." among what the page threw ("TypeError: ...") - "not reproduced" of a bug that did
reproduce (a support engineer's tryout); a rejection with a string, "UnhandledRejection: ...",
which the page throws as ": ..." (a reviewer's). Recorded in Debian's chromium with a real `replay
serve`; the exported script run against the same page in the same browser."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from replay_tools.chromium import chromium_path  # noqa: E402
from replay_tools.intake import replay_cli  # noqa: E402
from tests.app.capture_site import SENT_ALL, capture_site, events_when, opened  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Checkout</title>
<script src="capture.js"></script>
<script>ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s", flushMs: 100});</script>
</head><body>
<h2>Checkout</h2>
<button id="pay">Pay</button>
<p id="status">Ready</p>
<script>
// after capture.js's own listener (its RUM part's, added as capture.js loads, above): the
// test stops recording once the rejection was reported - it comes in a task of its own after
// the click
window.addEventListener('unhandledrejection', () => { window.__rejected = true; });
document.getElementById('pay').addEventListener('click', () => {
  document.getElementById('status').textContent = 'Processing...';
  %(rejection)s;   // nobody catches it
});
</script>
</body></html>
"""
# (the rejection, what the script checks for) - an Error; a reason that is none, which the RUM
# plugin types UnhandledRejection and the browser reports with no name (": declined")
REJECTIONS = [("Promise.resolve({}).then(answer => answer.order.id)",
               "TypeError: Cannot read properties of undefined (reading 'id')"),
              ("Promise.reject('card declined by the bank')", ": card declined by the bank")]


@pytest.mark.parametrize("rejection,error", REJECTIONS, ids=["an Error", "a string"])
def test_a_scripts_check_of_an_unhandled_rejection_is_what_the_page_throws(chromium, tmp_path,
                                                                           rejection, error):
    with capture_site(tmp_path, "shop") as site:
        (site.root / "checkout.html").write_text(PAGE.replace("%(rejection)s", rejection) % {
            "intake": site.intake.url, "app": site.app, "token": site.token})
        ctx = chromium.new_context()
        try:
            page, sid = opened(ctx, site.pages.url("checkout.html"))
            page.click("#pay")
            page.wait_for_function("window.__rejected === true")
            # sent before the stop: a batch still in flight then holds the rest back, and
            # closing the browser at once lost it (the rejection never stored: once in 2,700)
            page.wait_for_function(SENT_ALL, polling=100, timeout=20_000)
            page.evaluate("ReplayCapture.stop()")
        finally:
            ctx.close()
        events = events_when(site.intake.data, sid, lambda evs: "Unhandled promise rejection" in str(evs))
        assert f"Unhandled promise rejection: {error.partition(': ')[2]}" in str(events)   # the premise
        script = tmp_path / "repro.py"
        proc = replay_cli(site.intake.data, "export", sid, "--format", "playwright", "-o", script)
        assert proc.returncode == 0, proc.stderr
        assert f"expected = {error!r}" in script.read_text()
        run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=180,
                             env=dict(os.environ, REPLAY_CHROMIUM=str(chromium_path())))
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip() == f"reproduced: {error}"
