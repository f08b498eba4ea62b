"""Paint the README's screenshots of the intake, offscreen, in a 1280 x 800 browser (the
recording harness's default viewport): docs/screenshots/intake.png (the `/` page of
`replay serve --demo`: how to install capture, and the way to the demo shop) and
docs/screenshots/intake-demo.png (the shop at /demo/ with capture.js running: a product
added to the cart, a search, and the badge counting what capture.js has sent).

    python docs/make_intake_screenshots.py

A real `replay serve --demo` on a throwaway data folder; the clicks and keys are real input
events (the test harness's hand).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from replay_tools.browser_recorder import ensure_offscreen_env  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    ensure_offscreen_env()
    from PySide6.QtCore import QUrl

    from replay_tools.browser_recorder import BrowserRecorder
    from replay_tools.intake import IntakeServer

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, \
            IntakeServer(Path(tmp) / "data", args=("--demo",)) as srv, \
            BrowserRecorder(recorder="capture") as b:
        b.browser.disarm()                       # only what the page installs records

        def load(url: str) -> None:
            b._loading = True
            b._page.load(QUrl(url))
            b.wait_loaded()

        load(srv.url + "/")
        (OUT / "intake.png").write_bytes(b.grab_png())   # once painted
        load(srv.url + "/demo/")
        b._wait_until(lambda: b.eval("document.querySelectorAll('#reco .item').length"),
                      "the (slow) recommendations")
        b.click("#product-2 .add")
        b.type("#search", "mug", delay_ms=90)
        b._wait_until(lambda: b.eval("document.getElementById('result-count').textContent")
                      .startswith("2"), "the search to answer")
        b.eval("ReplayCapture.flush()")
        b._wait_until(lambda: (lambda s: s["idle"] and b.eval(
            "window.__replayDemoBadge.textContent") == str(s["acked"]))(
            b.eval("ReplayCapture.status()")), "the badge to count what was sent")
        b.move_mouse(900, 700)                   # the pointer off the cards
        (OUT / "intake-demo.png").write_bytes(b.grab_png())
    print(f"wrote {OUT / 'intake.png'} and {OUT / 'intake-demo.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
