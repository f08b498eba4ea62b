"""`python -m app.privacy_workspace --data DIR [--file REC] [--screenshot OUT.png]`: the
workspace in a window of its own (the desktop app hosts it as a page); `--screenshot`
paints it at the default size and exits."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_SIZE = (1440, 900)   # the main window's default size


def main(argv: list[str] | None = None) -> int:
    from recorder.paths import default_data_dir

    p = argparse.ArgumentParser(prog="python -m app.privacy_workspace")
    p.add_argument("--data", type=Path, default=None, help="the data folder")
    p.add_argument("--file", type=Path, default=None, help="preview this recording file")
    p.add_argument("--tab", default="Preview", help="the tab to show first")
    p.add_argument("--screenshot", type=Path, default=None, metavar="OUT.png")
    args = p.parse_args(argv)
    from player.qt.standalone import application, prepare_qt_environment

    prepare_qt_environment(offscreen=args.screenshot is not None)
    app = application()
    from .widget import PrivacyWorkspace

    w = PrivacyWorkspace(args.data or default_data_dir())
    w.setWindowTitle("Privacy rules - replay")
    w.resize(*DEFAULT_SIZE)
    if args.file is not None:
        w.open_file(args.file)
    for i in range(w.tabs.count()):
        if w.tabs.tabText(i) == args.tab:
            w.tabs.setCurrentIndex(i)
    w.show()
    if args.screenshot is not None:
        from player.qt.standalone import dispose, grab_stable
        w.wait_shown()
        ok = grab_stable(w, w.right.bridge).save(str(args.screenshot), "PNG")
        dispose(w)
        return 0 if ok else 1
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
