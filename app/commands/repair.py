"""`replay repair [--json]` - rebuild the index from the segment files.

Segment files carry their session, place and events, and the first segment of a session
carries its application, user and context; the index is a cache of what they say. Repair
sets a damaged index file aside (never deletes it), then gives every session whose index
rows are missing or disagree with its files its rows back, derived from its events the
way an import derives them."""
from __future__ import annotations

import argparse
import json
from collections import Counter

import msgspec

from recorder.store import UNREFERENCED_DIR, LocalStore, RepairReport

from ..cli import UserError
from recorder.thumbnail_cache import swept_after
from ._store import no_data_folder
from ._progress import progress_bar
from ._words import count

NAME = "repair"


def register(subparsers, common) -> None:
    p = subparsers.add_parser(
        NAME, parents=[common], help="rebuild the index from the segment files",
        description="Check the index against the segment files and rebuild what is missing"
                    " or wrong from the files. A damaged index file is set aside, not"
                    " deleted; no segment file is deleted.")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.data.is_dir():
        raise UserError(no_data_folder(args.data))
    with progress_bar() as bar:
        task = bar.add_task("checking segment files", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
        store = LocalStore.open_for_repair(args.data)
        try:
            # a session rebuilt without a damaged file is a new version: its old picture
            # goes, also when the repair fails after rebuilding it
            with swept_after(args.data, store.index.segment_files):
                report = store.repair(progress)
        finally:
            store.close()
    if args.json:
        print(json.dumps(msgspec.to_builtins(report), indent=1))
        return 0
    if report.moved_index:
        print("the index was damaged" + (f" ({report.index_damage})" if report.index_damage
                                         else "")
              + f": set aside as {args.data / report.moved_index}")
    print(f"{count(len(report.rebuilt), 'session')} rebuilt from their segment files,"
          f" {report.unchanged:,} already right")
    damaged_of, gone_of = Counter(report.damaged.values()), Counter(report.missing_files.values())
    for sid in report.rebuilt:
        lost, gone = damaged_of[sid], gone_of[sid]
        without = [count(n, what) for n, what in ((lost, "damaged segment file"),
                                                   (gone, "missing segment file")) if n]
        print(f"rebuilt\t{sid}" + (f"\t(without {' and '.join(without)}: the events in"
                                   f" {'it' if lost + gone == 1 else 'them'} are lost)"
                                   if without else ""))
    if report.dictionaries:
        print(f"{count(report.dictionaries, 'compression dictionary', 'compression dictionaries')}"
              " registered again")
    for rel in report.set_aside:
        print(f"set aside\t{UNREFERENCED_DIR}/{rel}\t({_why(report, rel)})")
    for sid in report.unreadable_sessions:
        print(f"unreadable\t{sid}\t(no segment of it decodes: it stays listed and shows"
              f" nothing; `replay delete {sid}` erases it)")
    for sid in report.missing:
        if sid not in report.rebuilt:   # (else said on its `rebuilt` line)
            n = gone_of[sid]
            print(f"missing files\t{sid}\t({count(n, 'segment file')} of it"
                  f" {'is' if n == 1 else 'are'} gone; they cannot be brought back)")
    return 0


def _why(report: RepairReport, rel: str) -> str:
    """Why a segment file was set aside, as the person reading the report needs it."""
    if rel not in report.damaged:
        return "no session uses it"
    sid = report.damaged[rel]
    if sid is None:
        return "damaged: it does not decode, and the index named no session for it"
    return f"damaged: it does not decode; session {sid} was rebuilt without its events"
