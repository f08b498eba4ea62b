"""`replay demo` — the player on the demo session that ships in assets/demo/ (recorded in a
real browser from the demo pages: console messages, an error, network calls)."""
from __future__ import annotations

import argparse

from recorder.paths import ASSETS

from ..cli import UserError

NAME = "demo"
DEMO = ASSETS / "demo" / "demo-session.json"


def register(subparsers, common) -> None:
    p = subparsers.add_parser(NAME, parents=[common], help="watch the demo session in the player",
                              description=f"Open the player on the demo session ({DEMO.name}).")
    p.add_argument("--quit-after", type=int, default=None, metavar="MS",
                   help="close the player after MS milliseconds, playing meanwhile (smoke tests;"
                        " works without a screen)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not DEMO.is_file():
        raise UserError(f"the demo session is missing ({DEMO}) - reinstall, or record it again"
                        " with `python replay_tools/make_demo.py`")
    from player.qt.standalone import has_screen, open_window, prepare_qt_environment

    if not has_screen() and args.quit_after is None:
        raise UserError("no screen to show the player on (DISPLAY is not set) - run it on a"
                        " desktop, or paint frames with `replay screenshot SESSION|FILE --at MS"
                        " -o FILE.png`")

    from ._source import open_source

    prepare_qt_environment()
    src = open_source(str(DEMO), args.data)
    return open_window(src, "Demo", quit_after_ms=args.quit_after)
