"""Paint the README's screenshots of record mode, offscreen, at the window's default size:
docs/screenshots/record.png (recording: the shop page, the bug's title and notes, the steps
so far, the bug marked among them) and docs/screenshots/record-stored.png (after Stop: the session in the player).

    python docs/make_record_screenshots.py

The shop is tests/browser/pages/bugshop, served on 127.0.0.1; the clicks and keys are real
input events (the test harness's hand), into a throwaway data folder.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from player.qt.standalone import prepare_qt_environment  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SHOP = ROOT / "tests" / "browser" / "pages" / "bugshop"
RULES = 'version = 1\ndefault = "mask-user-input"\n\n[[rule]]\nselector = "#search"\nlevel = "allow"\n'


def main() -> int:
    prepare_qt_environment(offscreen=True)
    from player.qt.standalone import application, grab_stable

    app = application()
    from PySide6.QtWidgets import QMainWindow

    from app.record.__main__ import WINDOW_SIZE
    from app.record.page import RecordPage
    from replay_tools.browser_recorder import BrowserRecorder, PageServer, _spin

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, PageServer(SHOP) as srv:
        data = Path(tmp)
        (data / "rules.toml").write_text(RULES)
        win = QMainWindow()
        win.setWindowTitle("Record a bug — Session Replay")
        page = RecordPage(data, win)
        win.setCentralWidget(page)
        win.resize(*WINDOW_SIZE)
        win.show()
        hand = BrowserRecorder(browser=page.browser, view=page.view, timeout_s=20)
        page.go(srv.url("index.html"))
        _spin(300)
        hand.wait_loaded()
        page.title_edit.setText("Add to cart counts every click twice")
        page.notes_edit.setPlainText("One click on “Add to cart” shows 2 items in the cart."
                                     " Chrome 126, staging.")
        page.record()
        hand.wait_ready()
        hand.click("#search")
        hand.type("#search", "red shoes")
        hand.click("#email")
        hand.type("#email", "ada@example.com")
        hand.click('[data-testid="add-red-shoes"]')
        _spin(400)
        page.mark_bug()   # the cart says 2: ⚑ Mark the bug
        _spin(800)
        win.grab().save(str(OUT / "record.png"), "PNG")
        print(f"wrote {(OUT / 'record.png').relative_to(ROOT)}")

        done: list[str] = []
        page.sessionRecorded.connect(done.append)
        page.stop()
        while not done:
            _spin(20)
        page.player.wait_ready()
        step = next(i for i, s in enumerate(page.steps) if s.name.startswith("+ Add"))
        page.steps_list.setCurrentRow(step)
        page.steps_list.itemClicked.emit(page.steps_list.item(step))
        grab_stable(win, page.player.bridge)
        _spin(500)
        win.grab().save(str(OUT / "record-stored.png"), "PNG")
        print(f"wrote {(OUT / 'record-stored.png').relative_to(ROOT)}")
        page.close_browser()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
