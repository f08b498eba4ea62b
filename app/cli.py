"""`replay` — the command line. Each command lives in its own module under
`app/commands/` exposing `NAME` and `register(subparsers, common)`; this file only wires them
up (`COMMANDS`), so commands can be added without touching one another. Only the module of
the command run is imported: the others' imports (the store, the privacy rules, Qt's
wrappers) cost `replay sessions` a third of its start: 0.29 CPU-s, 0.20 alone."""
from __future__ import annotations

import argparse
import functools
import importlib
import os
import re
import sqlite3
import sys
import warnings
from pathlib import Path

from recorder.index import IndexDamaged
from recorder.paths import default_data_dir
from recorder.said import PROGRAM, said_line

from . import commands as _commands
from .entry import INTERRUPTED   # the exit status of a command stopped by Ctrl+C

DISTRIBUTION = "session-replay"   # the package name in pyproject.toml
PROG = PROGRAM                    # the command, as every line it says begins

# Every command: the name typed -> its module under app/commands/ (whose NAME it is), in the
# order --help lists them. tests/app/test_cli_commands.py checks it against the folder.
COMMANDS = {"demo": "demo", "play": "play", "open": "open_cmd",
            "register-url-handler": "url_handler", "record": "record", "import": "import_cmd",
            "sessions": "sessions", "devtools": "devtools", "export": "export",
            "assets": "assets_cmd", "snapshot": "snapshot", "screenshot": "screenshot",
            "mask": "mask", "audit": "audit", "delete": "delete", "repair": "repair",
            "serve": "serve", "app": "app_cmd"}


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage mistake said in one line (what, and where to read more)
    instead of the usage block followed by the error - in the program's name (`said_by`:
    `replay: error:` for every command, its subcommands' mistakes too; the `--help` named is
    the command's own, which lists what it takes)."""

    def __init__(self, *args, said_by: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.said_by = said_by or self.prog

    def add_subparsers(self, **kwargs):
        kwargs.setdefault("parser_class", functools.partial(type(self), said_by=self.said_by))
        return super().add_subparsers(**kwargs)

    def error(self, message: str):
        self.exit(2, error_line(f"{message} - see `{self.prog} --help`", self.said_by) + "\n")




def _common() -> argparse.ArgumentParser:
    common = OneLineParser(add_help=False)
    common.add_argument("--data", type=Path, default=argparse.SUPPRESS,
                        help="data folder (default: %s)" % default_data_dir())
    return common


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or - `command` one of COMMANDS - of that one alone (what
    `_main` runs: its --help, its mistakes and its arguments are the same either way)."""
    parser = OneLineParser(
        prog=PROG, description="Local, privacy-first session replay. With no command:"
                                    " the desktop app (sessions, player, settings).")
    parser.add_argument("--data", type=Path, default=None,
                        help="data folder (default: %s)" % default_data_dir())
    parser.add_argument("--version", action=_VersionAction, nargs=0,
                        help="show the version and which modules run compiled, and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = _common()
    for name in [command] if command in COMMANDS else COMMANDS:
        importlib.import_module(f"{_commands.__name__}.{COMMANDS[name]}").register(sub, common)
    # which parser a mistake is said by (its --help lists what the command takes): the
    # deepest one the arguments reached
    parser.set_defaults(command_parser=parser)
    _parsers_know_themselves(sub)
    return parser


def _parsers_know_themselves(sub) -> None:
    for p in sub.choices.values():
        p.set_defaults(command_parser=p)
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                _parsers_know_themselves(action)


class _VersionAction(argparse.Action):
    """`--version`: the version, then the compiled core's modules that run compiled here
    (imported only when asked: every other command starts without them)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from recorder import compiled
        names = compiled()
        print(f"{parser.prog} {installed_version()}\ncompiled core: "
              f"{', '.join(names) if names else 'none (pure Python)'}")
        parser.exit()


def installed_version() -> str:
    """The installed package's version (its metadata: one source, pyproject.toml)."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:   # run from a checkout that was never installed
        return "(not installed)"


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:   # (while the commands load too: no traceback)
        return INTERRUPTED


def command_named(argv: list[str]) -> str | None:
    """The command `argv` runs, read as the top level reads it - `--data DIR` (or
    `--data=DIR`) may come first - or None where anything else comes first (`--help`,
    `--version`, an abbreviated option, no command: the desktop app) or it names no command:
    then every command is loaded, and argparse says what it says of them all."""
    words = iter(argv)
    for word in words:
        if word == "--data":
            next(words, None)
        elif not word.startswith("--data="):
            return word if word in COMMANDS else None
    return None


# the options that take a moment (`_source.moment`): one before the start is "-5s"
MOMENT_OPTIONS = ("--at", "--from", "--to")
_NEGATIVE_MOMENT = re.compile(r"-[0-9.:]")


def joined_moments(argv: list[str]) -> list[str]:
    """`--at -5s` as `--at=-5s`: argparse reads a word that starts with '-' and is not a
    plain number as an option, and said "--at: expected one argument" where the moment's own
    check names the session's range (a QA tryout)."""
    out: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--":
            out += [word, *words]
            break
        nxt = next(words, None) if word in MOMENT_OPTIONS else None
        if nxt is not None and _NEGATIVE_MOMENT.match(nxt):
            out.append(f"{word}={nxt}")
        else:
            out += [word] if nxt is None else [word, nxt]
    return out


def _main(argv: list[str] | None) -> int:
    argv = joined_moments(sys.argv[1:] if argv is None else [str(a) for a in argv])
    parser = build_parser(command_named(argv))
    args, extra = parser.parse_known_args(argv)
    if extra:   # said by the command's own parser: its --help lists what it takes
        args.command_parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.data is None:
        args.data = default_data_dir()
    _say_warnings()
    if not getattr(args, "func", None):   # no command: the desktop app
        from .window.launch import run as run_app
        args.func = run_app
    try:
        return int(args.func(args) or 0)
    except UserError as exc:  # a problem the person can fix: say what and how, no traceback
        say_error(str(exc))
        return 2
    except sqlite3.Error as exc:   # the index cannot be written: a full disk, a read-only folder
        from .commands._store import storage_problem
        said = storage_problem(exc, args.data)
        if said is None:
            raise
        say_error(said)
        return 2
    except IndexDamaged as exc:   # the segment files are fine: the index can be rebuilt
        say_error(f"{exc} - run `{PROG} --data {args.data} repair` to rebuild it from the"
                  " segment files (nothing has been changed)")
        return 2
    except BrokenPipeError:  # piped into a reader that stopped early (| head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush
        return 0
    except OSError as exc:   # a file we could not read or write (a folder, no such path...)
        from .commands._store import storage_problem
        said = storage_problem(exc, args.data)
        if said is not None:
            say_error(said)
            return 2
        # an output is written as FILE.tmp, then renamed: the person named FILE
        where = f"{str(exc.filename).removesuffix('.tmp')}: " if exc.filename else ""
        say_error(f"{where}{exc.strerror or exc} - check the path and its permissions")
        return 2


def _say_warnings() -> None:
    """The recorder's and the player's warnings (an invalid event skipped, an unknown type
    kept, a recording the player found damaged) on stderr in the commands' own words,
    instead of logging's bare last-resort line or Python's `file:line: UserWarning:` with
    the source line under it."""
    from recorder.said import say_on_stderr

    say_on_stderr()
    warnings.showwarning = _show_warning


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(said_line("warning", str(message)), file=file or sys.stderr)


def error_line(text: str, by: str = PROG) -> str:
    """A mistake in one line, as every command (and the app's modules run alone, `by`)
    says one: `replay: error: ...` (`said.said_line`)."""
    return said_line("error", text, by)


def say_error(text: str, by: str = PROG) -> None:
    """A mistake said on stderr in one line (`error_line`)."""
    print(error_line(text, by), file=sys.stderr)


def say_warning(text: str) -> None:
    """Something the person should know went wrong or is risky, the command going on:
    `replay: warning: ...` on stderr."""
    print(said_line("warning", text), file=sys.stderr)


def say_note(text: str) -> None:
    """What the command decided for the person, or what they may have missed:
    `replay: note: ...` on stderr."""
    print(said_line("note", text), file=sys.stderr)


class UserError(Exception):
    """Raised by commands for problems the person can fix (bad file, unknown session...)."""


if __name__ == "__main__":  # pragma: no cover
    # `python -m app.cli` runs this file as `__main__`, a second copy of the module: the
    # commands raise `app.cli.UserError`, which this copy's `except UserError` would miss
    from app.cli import main as cli_main
    sys.exit(cli_main())
