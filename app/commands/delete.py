"""`replay delete SESSION... | --user U | --before T [--yes] [--dry-run]` - erase stored
sessions: a person's sessions when they ask (an erasure request), sessions past a retention
period, or ones named.

What is erased (`LocalStore.delete_session`): the session's index rows (its user's row too
when no other session has that user), its segment files, the images and fonts fetched for it
that no other session references (`replay assets`), its damaged files `repair` set
aside, the index pages that held its rows (overwritten; the index's log emptied), the damaged
index copies `repair` set aside (they hold every session's rows of their day), and the app's
cached thumbnails of it. Files the person exported elsewhere are theirs to delete.

Nothing is erased without a yes: `--yes`, or an answer at the terminal; `--dry-run` lists
what would go. `--user` matches a user id, name or email exactly (letter case aside), never
a part of one: `--user ada` does not erase Adam's sessions.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys

from player.local_time import when_text
from recorder.index import SessionInfo
from recorder.moments import Unit, moment_text

from ..cli import UserError, say_note, say_warning
from recorder.thumbnail_cache import session_thumbnails
from ._store import open_existing_store
from ._words import count
from .sessions import parse_since

NAME = "delete"
NOTHING_ERASED = "nothing erased"   # said when nothing goes: no match, a dry run, a "no"


def register(subparsers, common) -> None:
    p = subparsers.add_parser(
        NAME, parents=[common], help="erase stored sessions (by id, user or age)",
        description="Erase stored sessions and everything stored of them: their events, index"
                    " rows, their user's row when no other session has that user, and their"
                    " thumbnails. Asks first (or --yes).")
    p.add_argument("sessions", nargs="*", metavar="SESSION",
                   help="session ids (or unique prefixes)")
    p.add_argument("--user", metavar="U",
                   help="every session of this user: id, name or email, matched exactly")
    p.add_argument("--before", metavar="T", type=parse_since,
                   help="sessions that ended before T: an ISO date (2026-11-01) or a span"
                        " back from now (90d)")
    p.add_argument("--yes", action="store_true", help="do not ask")
    p.add_argument("--dry-run", action="store_true", help="list what would be erased, erase"
                                                          " nothing")
    p.add_argument("--json", action="store_true",
                   help="print what was erased (or would be) as JSON")
    p.set_defaults(func=run)


def _selected(store, args: argparse.Namespace, whole: bool = True) -> list[SessionInfo]:
    if args.user is not None and not args.user.strip():
        raise UserError("--user is empty - give the user's id, name or e-mail")
    if not (args.sessions or args.user or args.before is not None):
        raise UserError("name the sessions to delete, or give --user or --before")
    if args.sessions:
        try:
            ids = list(dict.fromkeys(store.resolve(s) for s in args.sessions))
        except KeyError as exc:
            raise UserError(f"{exc.args[0]} - see `replay sessions` for the ids") from None
        rows = [store.index.session(i) for i in ids]
    else:
        rows = store.sessions()
    wanted = (args.user or "").casefold()
    return [s for s in rows if s is not None and _user_is(s, wanted, whole)
            and (args.before is None or s.end_ms < args.before)]


def _user_is(s: SessionInfo, wanted: str, whole: bool) -> bool:
    """Whether the session's user id, name or email is `wanted` (casefolded; "" for any),
    or with `whole=False` contains it."""
    values = [(v or "").casefold() for v in (s.user_id, s.user_name, s.user_email)]
    return not wanted or any(v == wanted if whole else wanted in v for v in values)


def _containing_hint(store, args: argparse.Namespace) -> str:
    """When --user matched no whole value: the sessions whose user contains it (what
    `replay sessions --user` finds), so a person is not told there is nothing of theirs."""
    if not args.user:
        return ""
    near = _selected(store, args, whole=False)
    if not near:
        return ""
    return (f"; {count(len(near), 'session')} {'has' if len(near) == 1 else 'have'} a user"
            f" containing {args.user!r} (replay sessions --user {shlex.quote(args.user)});"
            " --user matches a whole id, name or email")


def _line(s: SessionInfo) -> str:
    who = s.who or "no user"
    return f"{s.id}\t{when_text(s.start_ms)}\t{moment_text(s.duration_ms, Unit.SECOND)}\t{who}\t" \
           f"{count(s.record_count, 'event')}"


def _confirmed(rows: list[SessionInfo], user: str | None) -> bool:
    """Whether the person at the terminal answers yes. Anything else - "n", Enter, the end
    of input (Ctrl+D) - is a no: a choice, not a mistake. Without a terminal there is nobody
    to ask: a UserError saying to add --yes."""
    one = len(rows) == 1
    what = ("this session" if one else f"these {count(len(rows), 'session')}") + \
        (f" of {user}" if user else "")
    if not sys.stdin.isatty():
        raise UserError(f"add --yes to erase {what} (--dry-run lists them, erasing"
                        " nothing)")
    # on stderr, with the list it asks about: stdout may be a file (--json > erased.json)
    print(f"Erase {what} and everything stored of {'it' if one else 'them'}? [y/N] ",
          end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline()
    if not answer:   # the end of input: the terminal's line still ends with the question
        print(file=sys.stderr)
    return answer.strip().lower() in ("y", "yes")


def _erased_json(args: argparse.Namespace, erased: list) -> None:
    """With --json, what was erased on stdout - `[]` when nothing was (a script reads an
    answer either way)."""
    if args.json:
        print(json.dumps(erased, indent=1))


def run(args: argparse.Namespace) -> int:
    store = open_existing_store(args.data)
    try:
        rows = _selected(store, args)
        if not rows:
            print(f"no sessions match - {NOTHING_ERASED}" + _containing_hint(store, args),
                  file=sys.stderr)
            _erased_json(args, [])
            return 0
        asked = not args.dry_run and not args.yes
        # (asked at a terminal, the question comes with what it is about; --json without
        # one is refused in one line)
        if not args.json or asked and sys.stdin.isatty():
            for s in rows:
                print(_line(s), file=sys.stdout if args.dry_run else sys.stderr)
        if args.dry_run:
            if args.json:   # as an erasure lists them (a script read ids, then objects)
                print(json.dumps([{"session": s.id, "segment_files": store.files_present(
                    seg.file for seg in store.index.segments(s.id))} for s in rows], indent=1))
            else:
                print(f"would erase {count(len(rows), 'session')} (--dry-run: {NOTHING_ERASED})",
                      file=sys.stderr)
            return 0
        if asked and not _confirmed(rows, args.user):
            print(NOTHING_ERASED, file=sys.stderr)
            _erased_json(args, [])
            return 0
        erased, pictures, scrubbed = [], 0, True
        for s in rows:
            e = store.delete_session(s.id)
            for p in session_thumbnails(args.data, s.id):
                p.unlink(missing_ok=True)
                pictures += 1
            erased.append(e)
            scrubbed = scrubbed and e.scrubbed
    finally:
        store.close()
    _erased_json(args, [{"session": e.session_id, "segment_files": e.segment_files,
                         "set_aside_files": e.set_aside, "dictionaries": e.dictionaries,
                         "damaged_index_files": e.old_indexes, "files_left": e.left,
                         "asset_files": e.asset_files}
                        for e in erased])
    files = sum(e.segment_files + e.set_aside for e in erased)
    dicts = sum(e.dictionaries for e in erased)
    old_indexes = sum(e.old_indexes for e in erased)
    assets = sum(e.asset_files for e in erased)
    print(f"erased {count(len(erased), 'session')}: {count(files, 'file')} and their index"
          f" rows" + (f", {count(pictures, 'thumbnail')}" if pictures else "")
          + (f", {count(assets, 'stored image or font', 'stored images and fonts')} no other"
             " session references" if assets else "")
          + (f", {count(old_indexes, 'damaged index file')} `replay repair` had set aside"
             " (they held these sessions' rows too)" if old_indexes else "")
          + (f", {count(dicts, 'trained compression dictionary', 'trained compression dictionaries')}"
             " that learnt from them (the other sessions that used one were rewritten without"
             " it)" if dicts else ""), file=sys.stderr)
    left = sum(e.left for e in erased)
    if left:   # (each file was named above, as the store warned)
        say_warning(f"{count(left, 'segment file')} of the erased sessions could not"
                    " be deleted (the folder refused): they are no longer listed and are deleted"
                    " the next time replay opens the data folder - fix its permissions, then run"
                    " `replay sessions`")
    if not scrubbed:
        say_note("another program (replay serve, the app) has the data folder"
                 " open, so the index's log may keep pages of the erased rows until it closes")
    return 0
