"""`replay audit [--json] (SESSION|FILE...|--all)` - look for personal data in stored
sessions and in recording files (a `.replay` bundle, rrweb JSON: read as they are, not
imported, no rules applied - the audit must see what is there).

Prints what it looked for, then, per session, what looks like PII (what the pattern
detectors find - `recorder.privacy.detectors.FINDS`; input values typed into sensitive
fields stored in clear) and where - event, time,
node - with a masked excerpt, never the value; and which of its user's id, name and email it
keeps as its owner (by design, not a finding: `replay delete --user` erases them). A session
with no finding is not called "clean": only the listed kinds were looked for. Exit status 1 when anything was found or a
session could not be read whole (a damaged segment), so it can gate a pipeline."""
from __future__ import annotations

import argparse
import json

from rich import box
from rich.table import Table

from recorder.privacy import DETECTORS
from recorder.privacy.audit import BUILT_IN, audit_session, headline, looked_for, params_added
from recorder.privacy.detectors import what_they_find

from ..cli import UserError
from ._store import open_existing_store
from ._words import count
from ._progress import advancing, event_total, output_console, progress_bar
from ._selection import (add_session_selection, check_selection, named_files, names_stored,
                         selected_ids)
from ._source import open_raw, rules_error

# Besides the pattern detectors: what `audit_events` reports on its own.

NAME = "audit"


def register(subparsers, common) -> None:
    p = subparsers.add_parser(
        NAME, parents=[common], help="scan sessions or recording files for personal data",
        description="Scan stored sessions (decompressed) or recording files (as they are)"
                    f" for what looks like personal data: {what_they_find(DETECTORS)}"
                    " (patterns, in every string of the events and the session"
                    " context), credentials in clear (token=, api_key=... - and the URL"
                    " parameters the rules in force add - in URLs, standing alone or as a JSON"
                    " key; Bearer tokens) and values in clear typed into password, email, tel, hidden or"
                    " cc-* fields - nothing else. The user a session belongs to (its id, name,"
                    " email: kept by design, erased by `replay delete --user`) is named per"
                    " session, not searched."
                    " It does not find a value typed into a masked field that the page"
                    " repeated elsewhere (a URL, the console, page text): the value is stored"
                    " masked, so the audit cannot know it; echo scrubbing masks such echoes"
                    " before they are stored. Exit status 1 when something is found.")
    add_session_selection(p)
    p.add_argument("--json", action="store_true", help="print a JSON array, one entry per session")
    p.add_argument("--detectors", default=",".join(DETECTORS), metavar="LIST",
                   help=f"comma-separated detectors (default: {','.join(DETECTORS)})")
    p.add_argument("--limit", type=int, default=50, metavar="N",
                   help="findings listed per session in the table (default 50; --json lists all)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_selection(args, "audit")
    kinds = [k.strip() for k in args.detectors.split(",") if k.strip()]
    bad = [k for k in kinds if k not in DETECTORS]
    if bad:
        raise UserError(f"unknown detector {bad[0]!r} - use some of {', '.join(DETECTORS)}")
    added = _params_in_force(args)
    files = named_files(args)
    audits: list = []   # (what was audited, SessionAudit)
    for f in files:   # every session the file holds
        k, n = 0, 1
        while k < n:
            src = open_raw(f, args.data, k)
            try:
                n = src.sessions_in_file
                audits.append((f"{f}" + (f" #{k}" if n > 1 else "") + f" ({src.id})",
                               audit_session(src, kinds, added=added)))
            finally:
                src.close()
            k += 1
    if names_stored(args):
        store = open_existing_store(args.data)
        try:
            ids = selected_ids(store, args, "audit")
            with progress_bar() as bar:
                task = bar.add_task("auditing", total=event_total(store, ids))
                for sid in ids:
                    bar.update(task, description=f"auditing {sid[:13]}")
                    with store.session(sid) as reader:
                        audits.append((sid, audit_session(
                            reader, kinds, advancing(reader.events(), bar, task),
                            added=added)))
        finally:
            store.close()
    searched = kinds + list(BUILT_IN)
    if args.json:
        print(json.dumps([{**a.to_json(), "looked_for": searched} for _, a in audits],
                         indent=1))
    else:
        console = output_console(wrap=False)
        console.print(f"looked for: {looked_for(kinds, added)}")
        for label, a in audits:
            console.print(f"[bold]{label}[/]  {count(a.events, 'event')}  {a.summary(searched)}"
                          + (f"  (damaged segments not read: {a.damaged_segments})"
                             if a.damaged_segments else ""))
            if a.findings:
                t = Table(box=box.SIMPLE, show_edge=False)
                for col in ("kind", "event", "time", "node", "where", "excerpt"):
                    t.add_column(col)
                for f in a.findings[: args.limit]:
                    t.add_row(*f.cells())
                console.print(t)
                if len(a.findings) > args.limit:
                    console.print(f"  ... {len(a.findings) - args.limit} more (--json lists all)")
        found = sum(len(a.findings) for _, a in audits)
        console.print(headline(len(audits), found, sum(bool(a.findings) for _, a in audits)))
        unread = [label for label, a in audits if a.damaged_segments]
        if unread:   # what was not read cannot be vouched for: the gate must not pass
            console.print(f"{count(len(unread), 'session')} not audited whole (damaged segments not"
                          f" read: {', '.join(unread)}); `replay repair` says what is damaged")
    return 1 if any(a.findings or a.damaged_segments for _, a in audits) else 0


def _params_in_force(args: argparse.Namespace) -> list[str]:
    """`audit.params_added` of the data folder, or a UserError saying what to fix."""
    from recorder.intake.apps import AppError
    from recorder.privacy import RulesError
    try:
        return params_added(args.data)
    except RulesError as exc:
        raise rules_error(exc, "then audit again") from None
    except AppError as exc:
        raise UserError(str(exc)) from None
