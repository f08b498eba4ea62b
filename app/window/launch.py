"""`replay` with no command: the main window on the data folder, when there is a screen."""
from __future__ import annotations

import argparse

from ..cli import UserError
from ..commands._store import no_data_folder


def run(args: argparse.Namespace) -> int:
    from player.qt.standalone import (application, exec_app, has_screen, no_screen,
                                      prepare_qt_environment)

    if args.data.exists() and not args.data.is_dir():
        raise UserError(no_data_folder(args.data))
    if not has_screen():
        raise UserError(no_screen("the app", "without one, `replay sessions` lists the stored"
                                  " sessions and `replay screenshot SESSION --at MS -o"
                                  " FILE.png` paints them"))
    prepare_qt_environment()
    app = application()
    from .main_window import MainWindow

    win = MainWindow(args.data)
    win.show()
    try:
        return exec_app(app, close=win.close)
    finally:
        win.shutdown()
