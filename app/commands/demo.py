"""`replay demo` — the player on the demo session that ships in assets/demo/ (recorded in a
real browser from the demo pages: console messages, an error, network calls), playing as
it opens."""
from __future__ import annotations

import argparse

from recorder.paths import DEMO_SESSION as DEMO

from ..cli import UserError
from ._source import open_source
from .play import add_quit_after, check_screen, play

NAME = "demo"


def register(subparsers, common) -> None:
    p = subparsers.add_parser(NAME, parents=[common], help="watch the demo session in the player",
                              description=f"Open the player on the demo session ({DEMO.name}).")
    add_quit_after(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not DEMO.is_file():
        raise UserError(f"the demo session is missing ({DEMO}) - reinstall, or record it again"
                        " with `python replay_tools/make_demo.py`")
    check_screen(args.quit_after)
    src = open_source(str(DEMO), args.data)
    return play(src, None, args.quit_after, autoplay=True, title="Demo")
