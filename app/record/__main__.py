"""`python -m app.record [--data DIR] [URL]` (`replay record`) - record mode in a window of its
own; the desktop app hosts the same page as its Record page."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from recorder.paths import default_data_dir

from . import MARK_BUG_KEYS

WINDOW_SIZE = (1280, 800)   # on a screen with room for it (else see window_size)


def main(argv: list[str] | None = None, prog: str = "python -m app.record",
         said_by: str | None = None) -> int:
    """Record mode; `said_by`: the program its errors are said in the name of (`replay` for
    `replay record`, as every command's; `prog` by default)."""
    said_by = said_by or prog
    ap = argparse.ArgumentParser(
        prog=prog,
        description="Record mode in a window of its own: browse to a bug, Record, reproduce it"
                    f" (Mark the bug, {MARK_BUG_KEYS}, when it shows), Stop - the session is"
                    " stored in the data folder and opens in the player on the bug.")
    ap.add_argument("--data", type=Path, default=default_data_dir(), metavar="DIR",
                    help="data folder (default: %(default)s)")
    ap.add_argument("url", nargs="?", help="page to open")
    args = ap.parse_args(argv)

    from player.qt.standalone import (application, exec_app, has_screen, no_screen,
                                      prepare_qt_environment)

    from ..cli import UserError, say_error, say_note
    from ..commands._store import is_default_data_folder, no_data_folder, refuse_other_folder
    from .page import not_an_address, page_address
    if args.url and page_address(args.url) is None:   # (said first: nothing is made of it)
        say_error(not_an_address(args.url), said_by)
        return 2
    if args.data.exists() and not args.data.is_dir():   # said now, not after a recording
        say_error(no_data_folder(args.data), said_by)
        return 2
    try:   # a folder of other files: a recording stored there scattered replay's files among
        refuse_other_folder(args.data, making=True)   # them (a QA engineer's tryout)
    except UserError as exc:
        say_error(str(exc), said_by)
        return 2
    if not args.data.exists() and not is_default_data_folder(args.data):
        say_note(f"there is no data folder at {args.data.resolve()} yet: the first recording"
                 " stored makes it (if you meant another folder, give it with --data)")
    if not has_screen():   # a window no one sees, left running, would look like a hang
        say_error(no_screen("the recorder", "without one, a site's visitors are recorded by"
                            " capture.js and `replay serve`"), said_by)
        return 2
    prepare_qt_environment()
    app = application()
    win, page = record_window(args.data)
    if args.url:
        page.go(args.url)
    win.show()
    code = exec_app(app, close=win.close)
    page.close_browser()
    return code


def record_window(data: Path):
    """The window and its record page, sized to fit the screen (a fixed 1280x800 put the
    Record button off a 1024x700 screen). A recording under way is stored before it closes."""
    from PySide6.QtWidgets import QMainWindow

    from player.qt.standalone import window_size

    from .page import RecordPage

    class Window(QMainWindow):
        def closeEvent(self, event):  # noqa: N802 (Qt)
            if page.store_before_closing(self.close):
                event.ignore()
                return
            super().closeEvent(event)

    win = Window()
    win.setWindowTitle("Record a bug — Session Replay")
    page = RecordPage(data, win)
    win.setCentralWidget(page)
    win.resize(*window_size(WINDOW_SIZE))
    return win, page


if __name__ == "__main__":
    sys.exit(main())
