"""`replay play SESSION|FILE` — the player on one recording, in its own window: the replay
view, the timeline and the dev-tools pane. FILE (a `.replay` bundle or rrweb JSON) is read
without importing it."""
from __future__ import annotations

import argparse

from ..cli import UserError
from ._source import add_source_arguments, open_source

NAME = "play"


def register(subparsers, common) -> None:
    p = subparsers.add_parser(NAME, parents=[common], help="watch a session in the player",
                              description="Open the player on a stored session or a recording"
                                          " file (read, not imported).")
    add_source_arguments(p)
    p.add_argument("--quit-after", type=int, default=None, metavar="MS",
                   help="close the player after MS milliseconds, playing meanwhile (smoke tests;"
                        " works without a screen)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from player.qt.standalone import has_screen, open_window, prepare_qt_environment

    src = open_source(args.session, args.data, args.session_number,  # a bad name is said first
                      rules=args.rules, unmasked=args.unmasked)
    try:
        if not has_screen() and args.quit_after is None:
            raise UserError("no screen to show the player on (DISPLAY is not set) - run it on a"
                            " desktop, or paint frames with `replay screenshot SESSION|FILE"
                            " --at MS -o FILE.png`")
        prepare_qt_environment()
        return open_window(src, str(getattr(src, "id", args.session)),
                           quit_after_ms=args.quit_after)
    finally:
        close = getattr(src, "close", None)
        if close:
            close()
