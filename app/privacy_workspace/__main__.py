"""`python -m app.privacy_workspace --data DIR [--file REC] [--tab TAB] [--screenshot OUT.png]`:
the workspace in a window of its own (the desktop app hosts it as a page); `--screenshot`
paints it at the default size, on the tab asked for, and exits."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .model import AUDIT, DRY_RUN, PREVIEW, tab_named

DEFAULT_SIZE = (1440, 900)   # the main window's default size
PROG = "python -m app.privacy_workspace"


def _tab(text: str) -> str:
    try:
        return tab_named(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parser() -> argparse.ArgumentParser:
    """The command line `python -m app.privacy_workspace` takes (its --help)."""
    from recorder.paths import default_data_dir

    from ..cli import OneLineParser

    p = OneLineParser(prog=PROG, description=(
        "The privacy workspace in a window of its own (the app's Privacy page): edit the data"
        " folder's privacy rules, preview them on a stored session or a recording file, dry"
        " run and apply them to the stored sessions, audit the store, read the rules'"
        " revisions and what the intake gives sites' pages."))
    p.add_argument("--data", type=Path, default=None, metavar="DIR",
                   help="data folder (default: %s)" % default_data_dir())
    p.add_argument("--file", type=Path, default=None, help="preview this recording file")
    p.add_argument("--tab", type=_tab, default=PREVIEW,
                   help="the tab to show first: Preview, Dry run, Audit, History or Given to pages"
                        " (any case)")
    p.add_argument("--screenshot", type=Path, default=None, metavar="OUT.png",
                   help="paint the workspace at %dx%d on that tab (the Dry run and Audit tabs"
                        " run first, reading the store only), write it as PNG and exit: no"
                        " window, no screen needed" % DEFAULT_SIZE)
    return p


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    return parser().parse_args(argv)


def opened(args: argparse.Namespace):
    """The workspace as `args` ask for it, on show (a QApplication is there), and what
    went wrong opening its `--file` (None: nothing, or no file)."""
    from recorder.paths import default_data_dir

    from .widget import PrivacyWorkspace

    w = PrivacyWorkspace(args.data or default_data_dir())
    w.setWindowTitle("Privacy rules - replay")
    w.resize(*DEFAULT_SIZE)
    problem = w.open_file(args.file) if args.file is not None else None
    w.show_tab(args.tab)
    w.show()
    return w, problem


def window(args: argparse.Namespace):
    """The workspace as `args` ask for it, on show (see `opened`)."""
    return opened(args)[0]


def screenshot(w, out: Path) -> str | None:
    """Paint `w` into `out` (PNG); None, or what went wrong in one line. The preview's
    pages are waited for only when the Preview tab is on show: a hidden view never paints.
    The Dry run and Audit tabs are run first (both only read the store): a picture of their
    empty tables says nothing."""
    from PySide6.QtCore import QCoreApplication

    from player.qt.standalone import grab_stable

    tab = w.current_tab()
    if tab == DRY_RUN:
        w.run_dry_run()
    elif tab == AUDIT:
        w.run_audit()
    try:
        if tab == PREVIEW:
            w.wait_shown()
            image = grab_stable(w, w.right.bridge)
        else:
            QCoreApplication.processEvents()   # (the layout of the tab brought forward)
            image = w.grab().toImage()
    except TimeoutError as exc:
        return f"no screenshot: {exc}"
    return None if image.save(str(out), "PNG") else f"cannot write {out} - check the path"


def problem_before_qt(args: argparse.Namespace) -> str | None:
    """What makes the workspace asked for pointless, said before a window opens (one line),
    or None: a data folder or a file given that is not there, no screen for a window."""
    from player.qt.standalone import has_screen, no_screen

    if args.data is not None and not args.data.is_dir():
        # (an empty store shown instead read as "no sessions yet")
        from app.commands._store import no_data_folder
        return no_data_folder(args.data, "check the path, or give the right --data")
    if args.file is not None and args.file.is_dir():
        return f"{args.file} is a folder - give a recording file (rrweb JSON or .replay)"
    if args.file is not None and not args.file.is_file():
        return f"{args.file}: no such file - check the path"
    if args.screenshot is None and not has_screen():
        return no_screen("the workspace", "without one, --screenshot OUT.png paints it, and"
                         " `replay audit` and `replay mask --dry-run` work")
    return None


def main(argv: list[str] | None = None) -> int:
    from ..cli import say_error

    args = parse(argv)
    problem = problem_before_qt(args)
    if problem:
        say_error(problem, PROG)
        return 2
    from player.qt.standalone import application, dispose, exec_app, prepare_qt_environment

    prepare_qt_environment(offscreen=args.screenshot is not None)
    app = application()
    w, problem = opened(args)
    if args.screenshot is None:
        return exec_app(app, close=w.close)
    # a file that cannot be previewed: said, and no picture of the message
    problem = problem or screenshot(w, args.screenshot)
    dispose(w)
    if problem:
        say_error(problem, PROG)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
