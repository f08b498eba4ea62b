"""`SESSION... | --all`: how the commands that work on stored sessions (mask, audit) are
told which ones."""
from __future__ import annotations

import argparse

from ..cli import UserError


def add_session_selection(p: argparse.ArgumentParser) -> None:
    p.add_argument("sessions", nargs="*", metavar="SESSION",
                   help="session ids (or unique prefixes)")
    p.add_argument("--all", action="store_true", help="every stored session")


def check_selection(args: argparse.Namespace, verb: str) -> None:
    """Sessions named, or --all: one of the two (checked before any slow work)."""
    if bool(args.sessions) == bool(args.all):
        raise UserError(f"name the sessions to {verb}, or pass --all (not both)")


def selected_ids(store, args: argparse.Namespace, verb: str) -> list[str]:
    """Full ids of the sessions named (or all of them), each once, or a UserError."""
    check_selection(args, verb)
    if args.all:
        return [s.id for s in store.sessions()]
    try:
        return list(dict.fromkeys(store.resolve(s) for s in args.sessions))
    except KeyError as exc:
        raise UserError(f"{exc.args[0]} - see `replay sessions` for the ids") from None
