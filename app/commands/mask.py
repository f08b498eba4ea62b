"""`replay mask [--rules FILE] (SESSION...|--all)` - re-mask stored sessions under new
privacy rules, so tightening the rules cleans history too (without --rules: under the rules in
force - the active file, else the built-in rules; a session of an application with rules of its
own under those - so what is stored follows what new recordings get, a new detector included);
`replay mask [--rules FILE] IN.replay -o OUT.replay` - a masked copy of a recording file (a
`.replay` bundle or rrweb JSON, by the suffix of OUT; without --rules, under the rules in
force). `--dry-run` writes nothing and says, per session, what would change: counts per claim
(rule, markup, default level, always-masked fields, detectors) and per kind (text, attribute,
input...)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from recorder.paths import RULES_HISTORY_DIR, make_data_folder
from recorder.privacy import RULES_FILENAME, RulesError, load_rules
from recorder.privacy.dryrun import UNMATCHED_ASK, dry_run, unmatched, unmatched_members
from recorder.privacy.remask import remask_sessions, rules_of
from recorder.store import INDEX_FILE

from ..cli import UserError, say_note, say_warning
from ._confirm import loosen_confirmed
from recorder.thumbnail_cache import swept_after
from ._words import count
from ._store import open_existing_store, refuse_other_folder
from ._progress import advancing, event_total, progress_bar
from ._selection import (add_session_selection, check_selection, named_files, names_stored,
                         selected_ids)
from ._source import (add_overwrite_argument, check_output, open_raw, output_path, rules_error,
                      say_other_rules, unreadable)

NAME = "mask"
COPY_SUFFIXES = (".replay", ".json")   # a file's masked copy: a bundle, else rrweb JSON


def register(subparsers, common) -> None:
    p = subparsers.add_parser(
        NAME, parents=[common], help="re-mask stored sessions or a recording file under privacy rules",
        description="Rewrite stored sessions under a rules file (atomically; the index is"
                    " updated and what the old sessions held is removed from disk), or write"
                    " a masked copy of a recording file with -o.")
    add_session_selection(p)
    p.add_argument("--rules", type=Path, metavar="FILE",
                   help="privacy rules (TOML); left out: the rules in force - the data"
                        f" folder's active rules ({RULES_FILENAME}, else the built-in defaults;"
                        " an application's own rules for its sessions)")
    p.add_argument("-o", "--output", type=output_path, metavar="OUT",
                   help="for a recording file: where to write the masked copy (.replay: a"
                        " bundle; .json: rrweb JSON)")
    add_overwrite_argument(p)
    p.add_argument("--session-number", type=int, default=0, metavar="N",
                   help="for a file holding several sessions: which one (0-based)")
    p.add_argument("--dry-run", action="store_true",
                   help="change nothing; print what would change per session (counts per rule"
                        " and per kind: text, attribute, input)")
    p.add_argument("--activate", action="store_true",
                   help=f"also make FILE the data folder's active rules ({RULES_FILENAME},"
                        " applied to every later import; saved as a new revision in its"
                        " rules-history/ like a save in the privacy workspace)")
    p.add_argument("--yes", action="store_true",
                   help="with --activate: do not ask before making active rules that mask"
                        " less than the ones in force")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_selection(args, "re-mask")
    files = named_files(args)
    if files and (len(files) > 1 or names_stored(args)):
        raise UserError("give one recording file (with -o OUT), or stored sessions - not both"
                        " and not several files at once")
    if files and not args.dry_run:
        if args.output is None:
            raise UserError(f"say where to write the masked copy of {files[0]} - e.g."
                            f" -o {Path(files[0]).stem}-masked{Path(files[0]).suffix or '.json'}")
        check_output(args.output, "masked.replay", files[0], args.overwrite)
        if str(args.output) == "-":
            raise UserError("the masked copy cannot go to stdout - give -o FILE")
        if args.output.suffix.lower() not in COPY_SUFFIXES:   # (`-o out.txt` wrote JSON there)
            raise UserError(f"mask writes a .replay bundle or rrweb JSON (.json), not"
                            f" {args.output.suffix or 'a file with no suffix'} - name the copy"
                            f" {args.output.with_suffix('.replay').name} or"
                            f" {args.output.with_suffix('.json').name}")
    if args.output is not None and not files:
        raise UserError("-o is for a recording file; stored sessions are re-masked in place")
    if args.activate and (files or args.dry_run):
        raise UserError("--activate goes with re-masking stored sessions, not with a file or"
                        " --dry-run")
    if not files:   # stored sessions: a folder of other things refused before any note, and
        refuse_other_folder(args.data)   # a name that is no session before the one below
        if args.rules is None and not (args.activate and args.all
                                       and not (args.data / INDEX_FILE).is_file()):
            with open_existing_store(args.data) as store:
                selected_ids(store, args, "re-mask")
    path = args.rules
    if path is None and args.activate:
        raise UserError("--activate makes a rules file the active one: give it with --rules FILE")
    under_note = None
    if path is None:   # under the rules in force: say which (of a file, once it is read)
        active = args.data / RULES_FILENAME
        doing = "a dry run" if args.dry_run else "masking the copy" if files else "re-masking"
        under_note = f"{doing} under " + (
            f"the active rules, {active}" if active.is_file() else
            f"the built-in default rules (no {RULES_FILENAME} in {args.data})")
        if not files:
            say_note(under_note)
    try:
        rules = load_rules(path, args.data)
    except RulesError as exc:
        raise rules_error(exc, "then run mask again") from None
    if files:
        return _file(files[0], args, rules, under_note)
    own = _own_rules(args)   # (with --rules: none - the file is for every session)
    if args.dry_run:
        code = _dry_run_stored(args, rules, own)
        if args.rules is not None:
            _say_looser_than_in_force(args, rules)
        return code
    if args.activate:   # an active file that cannot be replaced: say so before any re-mask
        from recorder.privacy.history import active_rules, loosened, looser
        try:
            in_force = active_rules(args.data)
        except RulesError as exc:
            raise UserError(f"{exc} - fix or remove it, then run mask --activate again") from None
        weaker = loosened(in_force, rules)
        if weaker and not args.yes and not loosen_confirmed(
                f"{args.rules} masks", weaker, looser(in_force, rules).than, in_force="the rules in force",
                question="Make it the active rules?", anyway="make it the active rules anyway"):
            print("nothing changed", file=sys.stderr)
            return 0
    if args.activate and args.all and not (args.data / INDEX_FILE).is_file():
        # a privacy officer's first step, before any recording is stored: nothing to re-mask
        print(f"no session is stored in {args.data} yet: nothing re-masked", file=sys.stderr)
        _activate(args.data, rules)
        return 0
    store = open_existing_store(args.data)
    try:
        ids = selected_ids(store, args, "re-mask")
        # the app's cached pictures of the old versions show what the rules now mask: they
        # go, also when a later session fails after some were rewritten
        with progress_bar() as bar, swept_after(args.data, store.index.segment_files):
            task = bar.add_task("re-masking", total=None)

            def progress(done: int, total: int, sid: str) -> None:
                bar.update(task, completed=done, total=total,
                           description=f"re-masking {sid[:13]}" if sid else "re-masked")
            results = remask_sessions(store, ids, rules, progress,
                                      {a: r for a, (_, r) in own.items()})
            labels = {r.session_id: _label(store, r.session_id, own) for r in results}
    finally:
        store.close()
    if not ids:   # (`--all` of a folder with none: it said only "what is stored was re-masked")
        print(f"no session is stored in {args.data} yet: nothing re-masked", file=sys.stderr)
        if args.activate:
            _activate(args.data, rules)
        return 0
    for r in results:
        if r.erased:   # (it was "re-masked 0 events": a privacy officer missed that it went)
            why = "every segment it held is damaged" if not r.events_before else \
                f"the rules drop all {count(r.events_before, 'event')} of it"
            print(f"{labels[r.session_id]}\terased\tnothing of it was left to keep: {why}")
            continue
        what = "re-masked" if r.changed else "unchanged"
        dropped = r.events_before - r.events_after
        extra = f" (of {r.events_before:,}: {dropped:,} dropped by the rules)" if dropped else ""
        if r.damaged_segments:
            extra += f", damaged segments dropped: {r.damaged_segments}"
        print(f"{labels[r.session_id]}\t{what}\t{count(r.events_after, 'event')}{extra}")
    if args.activate:
        _activate(args.data, rules)
    elif args.rules is not None:
        _say_rules_in_force(args, rules)
    return 0


def _own_rules(args: argparse.Namespace) -> dict:
    """Without --rules (the rules in force): the applications with rules of their own, by id,
    as (Application, Rules) - their sessions are looked at and re-masked under those, as the
    intake masked them (said on stderr); with --rules, none."""
    from recorder.intake.apps import AppError
    from recorder.intake.live import stored_apps_rules

    try:
        own = {} if args.rules is not None else stored_apps_rules(args.data)
    except RulesError as exc:
        raise UserError(f"{exc} - set them again with `replay app rules NAME --rules FILE`")\
            from None
    except AppError as exc:
        raise UserError(str(exc)) from None
    if own:
        names = ", ".join(sorted(a.name for a, _ in own.values()))
        say_note(f"sessions of {names} (applications with rules of their own, set by"
                 " `replay app rules`) are " + ("looked at" if args.dry_run else "re-masked")
                 + " under those")
    return own


def _label(store, sid: str, own: dict) -> str:
    """A session as a line names it: its id, and its application's rules when they are used."""
    info = store.index.session(sid) if own else None
    app = own.get(info.application) if info is not None and info.application else None
    return sid if app is None else f"{sid} (application {app[0].name}'s rules)"


def _say_rules_in_force(args: argparse.Namespace, rules) -> None:
    """After a re-mask under other rules than those in force: the next recordings are not
    masked under them (a privacy officer tightened history and took the new rules for the
    store's - the next import stored what they mask in clear, silently)."""
    from recorder.privacy.history import active_rules
    try:
        active = active_rules(args.data)
    except RulesError:
        return   # (said by whatever reads them next)
    if rules.same_as(active):
        return
    active_file = args.data / RULES_FILENAME
    now = f"{active_file} (revision {active.revision})" if active_file.is_file() else \
        "the built-in rules"
    say_note(f"what is stored was re-masked under {args.rules}; new recordings"
             f" (import, the intake) are still masked under {now} - run again with --activate to"
             f" make {args.rules} the rules in force")


def _say_looser_than_in_force(args: argparse.Namespace, rules) -> None:
    """After a dry run of rules that mask less than those in force: that `--activate` will ask
    first (a privacy officer's dry run said nothing of it; the activation then refused without
    --yes)."""
    from recorder.privacy.history import active_rules, loosened, looser
    try:
        in_force = active_rules(args.data)
    except RulesError:
        return   # (said by whatever reads them next)
    weaker = loosened(in_force, rules)
    if weaker:
        say_note(f"{args.rules} masks {looser(in_force, rules).than} the rules in force"
                 f" ({'; '.join(weaker)}): making it the active rules (--activate) asks first"
                 " - without a terminal, add --yes")


def _activate(data: Path, rules) -> None:
    """Make `rules` the data folder's active rules as a new revision, logged in its
    history like a save in the privacy workspace."""
    from recorder.privacy.history import active_rules, loosened, looser, save_rules, who_saves

    make_data_folder(data)
    try:
        before = active_rules(data)
        change = save_rules(data, rules, who=who_saves(), based_on=None)
    except (RulesError, OSError) as exc:
        raise UserError(f"the sessions were re-masked, but the rules were not made active:"
                        f" {exc}") from None
    dest = data / RULES_FILENAME
    print(f"active rules: {dest}" + (f" (revision {change.revision})" if change else
                                     " (unchanged)"))
    weaker = loosened(before, rules)
    if weaker:   # as loud as importing under a looser file is (import_cmd.masker_for)
        say_warning(f"the rules in force mask {looser(before, rules).than} before:"
                    f" {'; '.join(weaker)}"
                    " - what they no longer mask is stored in clear from the next recording on"
                    " (sessions stored before keep theirs); the change is logged in"
                    f" {data / RULES_HISTORY_DIR}")
    _say_own_rules_stay(data)


def _say_own_rules_stay(data: Path) -> None:
    """After rules are made active: the applications with rules of their own, whose next
    recordings the intake masks under those, not the active ones (a privacy officer's tryout
    took "active" for "in force for every site": the next visit of an application with
    looser rules of its own stored what the new ones mask in clear)."""
    from recorder.intake.apps import AppError
    from recorder.intake.live import stored_apps_rules
    try:
        own = stored_apps_rules(data)
    except (AppError, RulesError):
        return   # (said by whatever reads them next)
    names = sorted(a.name for a, _ in own.values())
    if names:
        which = f"application {names[0]} has" if len(names) == 1 else \
            f"applications {', '.join(names)} have"
        its = "its" if len(names) == 1 else "their"
        say_note(f"{which} rules of {its} own: the intake masks {its} next recordings under"
                 " those, not the active rules - `replay app rules NAME --clear` has one follow"
                 " the active rules")


def _print_dry_run(label: str, r) -> None:
    kinds = ", ".join(f"{n:,} {k}" for k, n in sorted(r.by_kind().items())) or "nothing"
    print(f"{label}\twould change {r.events_changed:,} of {count(r.events, 'event')}: {kinds}")
    for claim, per_kind in r.by_claim().items():
        print(f"  {claim}: " + ", ".join(f"{n:,} {k}" for k, n in sorted(per_kind.items())))


def _say_unmatched(runs: list) -> None:
    """Each selector rule that matched nothing in the sessions looked at (`unmatched`)."""
    for said, looked in unmatched(runs):
        where = "the session" if looked == 1 else f"any of the {looked:,} sessions"
        say_warning(f"{said} matched no element in {where} looked at, so it did nothing"
                    f" there - {UNMATCHED_ASK}")
    for said, member, looked in unmatched_members(runs):
        where = "the session" if looked == 1 else f"any of the {looked:,} sessions"
        say_warning(f"{said}: its part {member} matched no element in {where} looked at (the"
                    f" rule's other parts did) - {UNMATCHED_ASK}")


def _dry_run_stored(args: argparse.Namespace, rules, own: dict) -> int:
    """Each session under `rules` - or, with no --rules (the rules in force), a session of an
    application with rules of its own under those, as the intake masked it (`own`)."""
    store = open_existing_store(args.data)
    try:
        ids = selected_ids(store, args, "re-mask")
        own_rules = {a: r for a, (_, r) in own.items()}
        runs = []
        with progress_bar() as bar:
            task = bar.add_task("looking", total=event_total(store, ids))
            for sid in ids:
                bar.update(task, description=f"looking at {sid[:13]}")
                with store.session(sid) as reader:
                    r = dry_run(advancing(reader.events(), bar, task),
                                rules_of(store, sid, rules, own_rules), sid,
                                again=reader.events)
                _print_dry_run(_label(store, sid, own), r)
                runs.append(r)
    finally:
        store.close()
    if not ids:   # (a privacy officer's tryout: `--all --dry-run` printed nothing at all)
        print(f"no session is stored in {args.data} yet: nothing to look at", file=sys.stderr)
    _say_unmatched(runs)
    return 0


def _file(spec: str, args: argparse.Namespace, rules, under_note: str | None) -> int:
    """The masked copy of one recording file (or its dry run); `under_note` says the rules in
    force, once the file is read (a file that is no recording is one line)."""
    from recorder.bundle import write_bundle
    from recorder.rrweb_io import write_rrweb_json
    from recorder.source import masked_source

    src = open_raw(spec, args.data, args.session_number)
    if not src.readable():   # damaged: said so, not "nothing left under the rules"
        src.close()
        raise unreadable(src)
    if under_note is not None:
        say_note(under_note)
    if args.rules is not None and not args.dry_run:   # (as `export --rules` says it)
        say_other_rules(spec, args.data, rules)
    try:
        if args.dry_run:
            r = dry_run(src.events(), rules, src.id)
            _print_dry_run(f"{spec} ({src.id})", r)
            _say_unmatched([r])
            return 0
        try:
            masked = masked_source(src, rules)
        except ValueError as exc:
            raise UserError(f"{exc} - nothing to write") from None
    finally:
        src.close()
    out = args.output
    under = args.rules.name if args.rules is not None else "the rules in force"
    if out.suffix.lower() == ".replay":
        n = write_bundle(out, masked)
        print(f"wrote {spec} masked under {under} ({count(n, 'segment')}) to {out}")
    else:
        # led by the session's marker, as `replay export` writes it: imported, it is the
        # same session (a bug report travels in a .replay bundle only)
        n = write_rrweb_json(out, masked.events(), session_id=masked.id)
        print(f"wrote {spec} masked under {under} ({count(n, 'event')}) to {out}")
    return 0
