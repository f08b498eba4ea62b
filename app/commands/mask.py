"""`replay mask --rules FILE (SESSION...|--all)` - re-mask stored sessions under new
privacy rules, so tightening the rules cleans history too."""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from recorder.privacy import RULES_FILENAME, RulesError, load_rules
from recorder.privacy.remask import remask_sessions
from recorder.store import Store

from ..cli import UserError
from ._store import open_existing_store
from ._progress import progress_bar
from ._selection import add_session_selection, check_selection, selected_ids

NAME = "mask"


def register(subparsers, common) -> None:
    p = subparsers.add_parser(
        NAME, parents=[common], help="re-mask stored sessions under new privacy rules",
        description="Rewrite stored sessions under a rules file (atomically; the index is"
                    " updated and what the old sessions held is removed from disk).")
    add_session_selection(p)
    p.add_argument("--rules", type=Path, required=True, metavar="FILE",
                   help="privacy rules (TOML)")
    p.add_argument("--activate", action="store_true",
                   help=f"also make FILE the data folder's active rules ({RULES_FILENAME}),"
                        " applied to every later import")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_selection(args, "re-mask")
    path = args.rules
    try:
        rules = load_rules(path, args.data)
    except RulesError as exc:
        raise UserError(f"{exc} (fix the rules file, then run mask again)") from None
    store = open_existing_store(args.data)
    try:
        ids = selected_ids(store, args, "re-mask")
        with progress_bar() as bar:
            task = bar.add_task("re-masking", total=None)

            def progress(done: int, total: int, sid: str) -> None:
                bar.update(task, completed=done, total=total,
                           description=f"re-masking {sid[:13]}" if sid else "re-masked")
            results = remask_sessions(store, ids, rules, progress)
    finally:
        store.close()
    for r in results:
        what = "re-masked" if r.changed else "unchanged"
        extra = f", damaged segments dropped: {r.damaged_segments}" if r.damaged_segments else ""
        print(f"{r.session_id}\t{what}\t{r.events_after} events{extra}")
    if args.activate:
        dest = args.data / RULES_FILENAME
        args.data.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
        print(f"active rules: {dest}")
    return 0
