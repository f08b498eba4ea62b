"""`replay screenshot SESSION|FILE --at MS -o FILE.png` — one frame as the player paints it
(the recorded page rebuilt at MS ms after the session's first event, at the recorded
viewport's size 1:1, with the cursor unless --no-cursor), rendered offscreen: it runs on a
server without a screen."""
from __future__ import annotations

import argparse
import sys

from player.qt.standalone import PLAYER_MIN_HEIGHT, PLAYER_SIZE

from recorder.bundle import info_without_owner

from recorder.moments import Unit, moment_text

from ..cli import UserError, say_note, say_warning
from ._source import (ErrorMoment, add_overwrite_argument, add_source_arguments, bug_moment,
                      bug_report, check_output, error_moments, moment, open_source, output_path,
                      resolve_moment)

NAME = "screenshot"
# What the painting view accepts: below this the player's own controls do not fit; above it
# Chromium's offscreen surface fails (a 99999-pixel side prints pages of GPU errors).
MIN_SIZE = (320, 240)
MAX_SIZE = (7680, 4320)


def register(subparsers, common) -> None:
    p = subparsers.add_parser(NAME, parents=[common], help="paint one frame of a session to PNG",
                              description="Paint a moment of a session (id or unique prefix) or"
                                          " recording file offscreen and write it as PNG.")
    add_source_arguments(p)
    p.add_argument("--at", type=moment, required=True, metavar="T",
                   help="after the session's first event: milliseconds, 62s, or 1:02 as the"
                        " player's clock shows it ('end' for the last moment; 'bug', 'bug-2s'"
                        " for a bug handed over; 'error', 'error:2', 'error-1s' for the"
                        " session's errors, where E shows them)")
    p.add_argument("-o", "--output", type=output_path, required=True, metavar="FILE.png",
                   help="where to write the PNG")
    add_overwrite_argument(p)
    p.add_argument("--size", default=None, type=frame_size, metavar="WxH",
                   help="exactly this size, the page scaled to fit it (centred on white, as a"
                        " clip's frames; default: the"
                        " page at the recorded viewport's size, 1:1; with --player"
                        f" {PLAYER_SIZE[0]} wide and as high as the page needs beside the"
                        f" dev-tools pane, at least {PLAYER_MIN_HEIGHT};"
                        f" {MIN_SIZE[0]}x{MIN_SIZE[1]} to {MAX_SIZE[0]}x{MAX_SIZE[1]})")
    p.add_argument("--no-cursor", dest="cursor", action="store_false",
                   help="leave out the recorded cursor, its trail and click ripples")
    p.add_argument("--player", action="store_true",
                   help="the whole player (timeline, dev-tools pane), not only the page")
    p.add_argument("--tab", type=devtools_tab, default=None, metavar="NAME",
                   help="with the whole player (implies --player): the dev-tools tab shown -"
                        " console (the default), errors, network, actions, performance or"
                        " session; steps for a bug handed over (its default)")
    p.set_defaults(func=run)


def devtools_tab(text: str) -> str:
    """argparse type of `--tab`: a dev-tools tab's name, any case."""
    from player.qt.devtools.pane import TAB_NAMES
    from player.qt.steps_pane import STEPS_TAB

    names = [n.lower() for n in TAB_NAMES] + [STEPS_TAB]
    if text.strip().lower() not in names:
        raise argparse.ArgumentTypeError(f"{text!r} is not a dev-tools tab - give one of"
                                         f" {', '.join(names)}")
    return text.strip().lower()


def frame_size(text: str) -> tuple[int, int]:
    """argparse type of `--size`: WIDTHxHEIGHT within MIN_SIZE..MAX_SIZE."""
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT - e.g. 1280x800") from None
    if not (MIN_SIZE[0] <= w <= MAX_SIZE[0] and MIN_SIZE[1] <= h <= MAX_SIZE[1]):
        raise argparse.ArgumentTypeError(
            f"{text} is outside {MIN_SIZE[0]}x{MIN_SIZE[1]}..{MAX_SIZE[0]}x{MAX_SIZE[1]}")
    return w, h


def run(args: argparse.Namespace) -> int:
    check_output(args.output, "frame.png", args.session, args.overwrite)
    if args.output.suffix.lower() != ".png":
        raise UserError(f"{args.output} does not end in .png - screenshots are written as PNG")
    from player.qt.standalone import prepare_qt_environment, screenshot

    prepare_qt_environment(offscreen=True)
    src = open_source(args.session, args.data, args.session_number,
                      rules=args.rules, unmasked=args.unmasked, partial=args.partial)
    if src.info is not None and not args.unmasked:
        # a picture is handed over: the session's owner stays in the data folder, its id
        # alone shown (as a bundle carries it) - the Session tab named them in full
        src.info = info_without_owner(src.info)
    elif src.info is not None and (src.info.user_name or src.info.user_email) and \
            (args.player or args.tab is not None):
        say_note("--unmasked: the Session tab names the session's owner in full"
                 " (their name and email, kept in the data folder)")
    try:
        from player.replayer import Replayer

        from player.qt.steps_pane import STEPS_TAB

        whole = args.player or args.tab is not None
        # a bug handed over shows its Steps tab first, as the player opens it
        report = bug_report(src) if whole else None
        if args.tab == STEPS_TAB and report is None:
            raise UserError("--tab steps: this recording carries no bug report - give another"
                            " tab, or a bundle from `replay record` or `export --title`")
        r = Replayer(src)
        at = resolve_moment(args.at, r.duration_ms, src.unread_said(), bug_ms=bug_moment(src),
                            errors=lambda: error_moments(r))
        # (`--at error:N` at that error's own moment: its row picked, not another's there)
        error = args.at.number if isinstance(args.at, ErrorMoment) and not args.at.offset_ms \
            else None
        size = screenshot(src, at, args.output, size=args.size, whole_player=whole,
                          cursor=args.cursor, replayer=r, tab=args.tab, report=report,
                          error=error)
        first = r.first_frame_ms
        if first > at:   # (as `snapshot` says it) the player shows the first page there is
            say_warning(f"nothing is on screen at {moment_text(at, Unit.MS)} (the first frame is at"
                        f" {moment_text(first, Unit.MS)}); the picture shows that first frame")
            at = first   # the moment painted, as the last line says it
    except TimeoutError as exc:
        raise UserError(f"the player did not finish painting: {exc} - try again, or a smaller --size") from None
    except ValueError as exc:   # a --size the whole player does not fit in
        raise UserError(f"{exc} - give a larger --size, or leave out --player") from None
    finally:
        src.close()
    print(f"wrote {size[0]}x{size[1]} frame at {moment_text(at, Unit.MS)} to {args.output}", file=sys.stderr)
    return 0
