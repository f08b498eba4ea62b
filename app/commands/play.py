"""`replay play SESSION|FILE [--at MS]` — the player on one recording, in its own window: the
replay view, the timeline and the dev-tools pane, opened at MS (else the first frame). FILE
(a `.replay` bundle or rrweb JSON) is read without importing it."""
from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from recorder.moments import moment_text

from ..cli import UserError, say_note
from ._source import (add_source_arguments, bug_report, error_moments, moment, open_source,
                      resolve_moment)

NAME = "play"


def register(subparsers, common) -> None:
    p = subparsers.add_parser(NAME, parents=[common], help="watch a session in the player",
                              description="Open the player on a stored session or a recording"
                                          " file (read, not imported).")
    add_source_arguments(p)
    p.add_argument("--at", type=moment, default=None, metavar="T",
                   help="open at T after the session's first event: ms, 62s or 1:02 as the"
                        " player's clock shows it ('end' for the last moment; a bug handed over"
                        " opens on its moment, 'bug'; 'error', 'error:2' on the session's"
                        " errors)")
    add_quit_after(p)
    p.add_argument("--follow", action="store_true",
                   help="a live session: show new events as they arrive (the view stays at the"
                        " live edge unless you scrub back)")
    p.set_defaults(func=run)


def add_quit_after(p) -> None:
    """`--quit-after MS` (play, demo, open): the smoke test of a whole player."""
    from player.qt.standalone import QUIT_AFTER_CAP_MS

    p.add_argument("--quit-after", type=int, default=None, metavar="MS",
                   help="close the player MS milliseconds after its first frame showed and"
                        " say where it opened and how far it played (if no frame shows within"
                        f" {QUIT_AFTER_CAP_MS // 1000} s, close and say it never opened; smoke"
                        " tests; works without a screen)")


def check_screen(quit_after: int | None) -> None:
    """A window needs a screen; say so (not a player left running invisibly)."""
    from player.qt.standalone import has_screen, no_screen

    if not has_screen() and quit_after is None:
        raise UserError(no_screen("the player", "without one, `replay screenshot SESSION|FILE"
                                  " --at MS -o FILE.png` paints frames (SESSION may be"
                                  " `demo`)"))


# the most events a bug's session is read whole for before its window opens (its steps said
# with their errors); a longer one's are said without (the window's Steps tab has them)
STEPS_ERRORS_MAX_EVENTS = 200_000
# the most rows of a bug's steps printed: those leading to the bug (recorder.bug.near_bug)
STEP_ROWS_PRINTED = 40


def play(src, at, quit_after: int | None, *, autoplay: bool = False,
         title: str | None = None, follow: bool = False, link: str | None = None,
         report=None, steps_command: str | None = None) -> int:
    """The player window on an opened recording at `at` (`--at`: ms or 'end', or None);
    closes `src` when done. `follow`: a stored session, shown as it grows. `link`: the
    replay:// link `at` came from (`replay open`), named if it is outside the session.
    `report`: the bug report the recording carries (recorder.bug.shown_report), the
    player's Steps tab - printed once the window will open (not before a refusal), and its
    moment opened on when no `--at` is given (the end of what decodes, said, when damaged
    segments cut the session short of it); its title the window's, unless `title`.
    `steps_command`: the command that lists every step of it (`devtools_steps`)."""
    from player.qt.standalone import open_window, prepare_qt_environment

    bug_at = report.at_ms if report is not None else None
    if title is None and report is not None and report.title:
        title = f"{report.title} ({src.id})"
    try:
        check_screen(quit_after)
        at_ms = None
        session = None
        replayer = None
        tail = None
        if follow:           # the session as stored so far; the window polls for more
            from player.follow import LiveTail
            tail = LiveTail(src.store, src.id)
            replayer = tail.replayer()
        if at is not None or bug_at is not None:   # before a window opens
            from player.replayer import Replayer
            replayer = replayer or Replayer(src)
        if at is not None:   # the range is said in one line
            at_ms = int(resolve_moment(at, replayer.duration_ms, src.unread_said(), link=link,
                                       bug_ms=bug_at, errors=lambda: error_moments(replayer)))
        elif bug_at is not None:
            at_ms = int(min(bug_at, replayer.duration_ms))
            if at_ms < bug_at and src.damaged:
                say_note(f"the bug's moment ({moment_text(bug_at)}) is past what"
                         f" decodes of the session ({moment_text(replayer.duration_ms)}:"
                         f" {src.unread_said()}); opening at its end")
        if report is not None and report.steps and replayer is not None and \
                (src.info is None or (src.info.record_count or 0) <= STEPS_ERRORS_MAX_EVENTS):
            # the steps with the errors the page reported among them, as the Steps tab and
            # `devtools --tab steps` say them (a QA's tryout: play printed them without, the
            # step that broke the page not told) - read whole first, a bug's session is short;
            # the window is given the rows read (it made them again) - but a session followed
            # (--follow: it printed none, a support engineer's tryout), whose window reads
            # them as the session grows
            from player.qt.session_view import build_session_view
            session = build_session_view(replayer, src.info, src.application_name)
        if report is not None:
            listed = f"`{steps_command}` lists them all" if steps_command else ""
            said = report.lines(errors=session.error_lines() if session is not None else (),
                                most_rows=STEP_ROWS_PRINTED, all_rows_in=listed,
                                selectors=True)
            print("\n".join(said), flush=True)
        prepare_qt_environment()
        return open_window(src, title or str(src.id), quit_after_ms=quit_after, at_ms=at_ms,
                           autoplay=autoplay, replayer=replayer, follow=tail, report=report,
                           session=session if tail is None else None)
    finally:
        src.close()


def devtools_steps(args: argparse.Namespace) -> str:
    """The command listing every step of the recording `args` name, as it was named: its
    data folder, session number, rules and --partial too (a reviewer's: without them it
    listed another session of the file, or its steps under other rules)."""
    from recorder.paths import default_data_dir, replay_command

    default = default_data_dir()
    data = args.data if args.data is not None else default   # (as the CLI reads none given)
    words = [*shlex.split(replay_command(data, default)), "devtools"]
    if args.session_number:
        words += ["--session-number", str(args.session_number)]
    if args.rules is not None:
        words += ["--rules", str(args.rules)]
    if args.unmasked:
        words.append("--unmasked")
    if args.partial:
        words.append("--partial")
    words += ["--tab", "steps"]
    # the recording last: one whose name begins with "-" after "--", so it is no option
    words += ["--", args.session] if args.session.startswith("-") else [args.session]
    return shlex.join(words)


def run(args: argparse.Namespace) -> int:
    if args.follow and args.rules is not None:
        raise UserError("--follow shows a live session as stored (masked by the intake's"
                        " rules) - leave --rules out")
    if args.follow and Path(args.session).is_file():
        raise UserError(f"--follow tails a session stored by `replay serve`; {args.session} is"
                        " a file - leave --follow out")
    src = open_source(args.session, args.data, args.session_number,  # a bad name is said first
                      rules=args.rules, unmasked=args.unmasked, partial=args.partial)
    return play(src, args.at, args.quit_after, follow=args.follow, report=bug_report(src),
                steps_command=devtools_steps(args))

