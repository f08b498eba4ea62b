"""`SESSION... | --all`: how the commands that work on stored sessions (mask, audit) are
told which ones - and the recording files (a `.replay` bundle, rrweb JSON) they take too."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..cli import UserError
from ._source import names_demo, not_a_file


def add_session_selection(p: argparse.ArgumentParser) -> None:
    p.add_argument("sessions", nargs="*", metavar="SESSION|FILE",
                   help="session ids (or unique prefixes), or recording files (.replay, rrweb"
                        " JSON)")
    p.add_argument("--all", action="store_true", help="every stored session")


def check_selection(args: argparse.Namespace, verb: str) -> None:
    """Sessions named, or --all: one of the two (checked before any slow work)."""
    if args.sessions and args.all:
        raise UserError(f"name the sessions to {verb}, or pass --all - not both")
    if not args.sessions and not args.all:   # (it said "(not both)" to neither given)
        raise UserError(f"no session named - name the sessions to {verb}, or pass --all")


def named_files(args: argparse.Namespace) -> list[str]:
    """The names that are files (each once): read in place, never imported. `demo` is the
    bundled demo session's file, unless something else is called that."""
    return list(dict.fromkeys(s for s in args.sessions
                              if Path(s).is_file() or names_demo(s, args.data)))


def names_stored(args: argparse.Namespace) -> bool:
    """Whether stored sessions are named (or --all): the store must be opened."""
    return args.all or len(named_files(args)) < len(set(args.sessions))


def selected_ids(store, args: argparse.Namespace, verb: str) -> list[str]:
    """Full ids of the stored sessions named (or all of them), each once, or a UserError.
    Names that are files are not among them (see `named_files`)."""
    check_selection(args, verb)
    if args.all:
        return [s.id for s in store.sessions()]
    files = set(named_files(args))
    ids = []
    for name in args.sessions:
        if name in files:
            continue
        try:
            ids.append(store.resolve(name))
        except KeyError as exc:   # a folder, or a path to no file, is not a session's name
            raise not_a_file(name) or \
                UserError(f"{exc.args[0]} - see `replay sessions` for the ids") from None
    return list(dict.fromkeys(ids))
