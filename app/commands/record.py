"""`replay record [URL]` - record mode in a window of its own, as the app's Record page: a
browser of its own to reach the bug in, Record, reproduce it, Stop - the session is stored in
the data folder and opens in the player, its steps beside it."""
from __future__ import annotations

import argparse

from ..record import MARK_BUG_KEYS

NAME = "record"


def register(subparsers, common) -> None:
    p = subparsers.add_parser(
        NAME, parents=[common], help="record a bug in a browser of its own (record mode)",
        description="Record mode in a window of its own (the app's Record page): browse to the"
                    f" bug, Record, reproduce it (Mark the bug, {MARK_BUG_KEYS}, when it shows),"
                    " Stop - the session is stored in the data folder under its privacy rules"
                    " and opens in the player on the bug.")
    p.add_argument("url", nargs="?", metavar="URL", help="the page to open first")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..cli import PROG
    from ..record.__main__ import main

    return main(["--data", str(args.data)] + ([args.url] if args.url else []),
                prog=f"{PROG} {NAME}", said_by=PROG)
