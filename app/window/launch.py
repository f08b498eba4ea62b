"""`replay` with no command: the main window on the data folder, when there is a screen."""
from __future__ import annotations

import argparse

from ..cli import UserError
from ..commands._store import (is_default_data_folder, no_data_folder, refuse_other_folder,
                               say_new_data_folder)


def run(args: argparse.Namespace) -> int:
    from player.qt.standalone import (application, exec_app, has_screen, no_screen,
                                      prepare_qt_environment)

    if args.data.exists() and not args.data.is_dir():
        raise UserError(no_data_folder(args.data))
    # a mistyped --data: a folder of other files became a data folder without a word, and a
    # folder that is not there a new, empty one (a QA engineer's tryout; `replay sessions`
    # refuses both, `replay import` refuses the one and says the other)
    refuse_other_folder(args.data, making=True)
    new = not args.data.exists() and not is_default_data_folder(args.data)
    if not has_screen():
        raise UserError(no_screen("the app", "without one, `replay sessions` lists the stored"
                                  " sessions and `replay screenshot SESSION --at MS -o"
                                  " FILE.png` paints them"))
    prepare_qt_environment()
    app = application()
    from .main_window import MainWindow

    win = MainWindow(args.data)
    if new:
        say_new_data_folder(args.data, "the window shows its sessions")
        win.say(f"Created a new data folder at {args.data.resolve()}: no session is stored"
                " there yet - if you meant another folder, start the app with --data FOLDER")
    win.show()
    try:
        return exec_app(app, close=win.close)
    finally:
        win.shutdown()
