"""`replay open replay://SESSION?t=MS` — the player on a stored session at a moment, from a
link copied in the player ("Copy link"); the desktop's URL handler (`replay
register-url-handler`) runs this command when such a link is clicked."""
from __future__ import annotations

import argparse
from pathlib import Path

from player.links import BadLink, parse_moment_link

from ..cli import UserError
from ._source import open_source, stored
from .play import add_quit_after, play

NAME = "open"


def register(subparsers, common) -> None:
    p = subparsers.add_parser(NAME, parents=[common], help="open a replay:// link in the player",
                              description="Open the player on a stored session at the moment a"
                                          " replay://SESSION?t=MS link names.")
    p.add_argument("url", metavar="URL", help="replay://SESSION?t=MS (MS after the session's"
                                              " first event)")
    add_quit_after(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        session, ms = parse_moment_link(args.url)
    except BadLink as exc:
        if _a_file(args.url):   # a recording's file: what play opens
            raise UserError(f"{args.url} is a file, not a link - `replay play {args.url}`"
                            " opens a recording's file (`--at` its moment)") from None
        raise UserError(str(exc)) from None
    if not stored(session, args.data):   # a link handed over without its session
        raise UserError(f"the link's session {session} is not in {args.data} - import the"
                        f" .replay bundle it came with (`replay --data {args.data} import"
                        " FILE.replay`, or ask for one), then open the link again")
    src = open_source(session, args.data)
    return play(src, float(ms), args.quit_after, link=args.url.strip())


def _a_file(given: str) -> bool:
    """Whether `open` was given a file's path (a folder is none; `~nobody/x` and a name too
    long for the system are no path either: a reviewer's finds, a traceback and "File name
    too long")."""
    if "://" in given:
        return False
    try:
        return Path(given).expanduser().is_file()
    except (RuntimeError, OSError, ValueError):
        return False
