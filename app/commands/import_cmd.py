"""`replay import FILE...` - store rrweb recordings (any shape rrweb_io reads, Datadog's
uploads among them: several files of those are read together, `_grouped`) and `.replay`
bundles; prints the id of every session stored.

An import never loses what is stored (`recorder.ingest.reconcile` decides): the same
session again stores nothing, a longer copy appends what is missing, a copy that
disagrees is refused unless `--as-new`; a damaged file stores nothing unless `--partial`."""
from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Iterator, Literal

import msgspec

from player.local_time import when_text
from recorder.bug import CONTEXT_KEY, from_context, title_line
from recorder.bundle import BadBundle, DamagedBundle, is_bundle, open_bundle, salvage_or_refuse, \
    salvageable
from recorder.format import InvalidEvent, no_gc
from recorder.index import SessionChanged
from recorder.ingest import ImportConflict, Outcome
from recorder.limits import LimitError
from recorder.paths import DEMO_SESSION, platform_data_dir
from recorder.rrweb_io import DamagedRecording, DatadogFiles, EventStream, NotARecording, \
    NothingInIt, NotStreamable, UnreadableRecording, read_recordings, read_together
from recorder.said import heard, said_line
from recorder.privacy.remask import REMASKED
from recorder.privacy.detectors import mask_id
from recorder.privacy.masker import BEFORE_SNAPSHOT
from recorder.semantics import User, filed_user, user_event
from recorder.sessions import personal_data_in
from recorder.store import Store, Stored

from ..cli import INTERRUPTED, PROG, UserError, say_error, say_note, say_warning
from recorder.thumbnail_cache import swept_after
from ._progress import first_stage, next_stage, progress_bar
from ._source import DEMO, not_a_regular_file, rules_error
from ._store import no_data_folder, refuse_other_folder, say_new_data_folder
from ._words import Advice, count

NAME = "import"


def register(subparsers, common) -> None:
    p = subparsers.add_parser(
        NAME, parents=[common], help="import rrweb JSON recordings or .replay bundles",
        description="Import recordings into the data folder: rrweb JSON (an array of events,"
                    " PostHog/Sentry exports, rrweb packer strings, NDJSON; gzip/zstd ok),"
                    " .replay bundles, or Datadog browser Session Replay uploads (segments,"
                    " the SDK's replay requests and RUM batches: the files of one import are"
                    " read together). Prints the id of each session stored. A stored session"
                    " is never shortened or replaced: the same recording again stores nothing,"
                    " a longer copy appends what is missing, one that disagrees is refused.")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE",
                   help="rrweb JSON (array, NDJSON, gzip/zstd), a .replay bundle, a PostHog or Sentry"
                        " export, Datadog Session Replay uploads; `demo`: the bundled demo"
                        " session")
    p.add_argument("--rules", type=Path, metavar="FILE",
                   help="privacy rules (TOML) to apply before anything is stored"
                        " (default: the data folder's active rules)")
    p.add_argument("--app", dest="application", metavar="APP_ID",
                   help="file the sessions under this application")
    p.add_argument("--as-new", action="store_true",
                   help="store a recording that disagrees with the stored session of the same"
                        " id as a new session beside it (SESSION_new)")
    p.add_argument("--partial", action="store_true",
                   help="from a damaged file (cut off, bad checksum) store what decodes, as a"
                        " new session marked partial (SESSION_partial)")
    p.add_argument("--json", action="store_true",
                   help='print {"file": ..., "sessions": [ids]} per file as JSON (and'
                        ' "bug_reports": {id: {"outcome", "title"}} for a bug bundle)')
    p.add_argument("--user", dest="user_id", metavar="ID",
                   help="the user of these recordings (`sessions --user` finds them by id,"
                        " name or email); it is kept in the recording, so exports carry it")
    p.add_argument("--user-name", metavar="NAME", help="the user's name (with --user)")
    p.add_argument("--user-email", metavar="EMAIL", help="the user's email (with --user)")
    p.set_defaults(func=run)


def _given_user(args: argparse.Namespace) -> User | None:
    if (args.user_name or args.user_email) and not args.user_id:
        raise UserError("--user-name and --user-email describe the user given with --user ID;"
                        " add --user")
    if not args.user_id:
        return None
    return User(args.user_id, args.user_name or None, args.user_email or None)


def prepare(args: argparse.Namespace) -> Callable | None:
    """What an import needs besides the files, checked (UserError otherwise): the
    `--user` given (as `args.given_user`) and the masker factory (see masker_for)."""
    args.given_user = _given_user(args)
    return masker_for(args)


def _with_user(events: list, user: dict | None, given: User | None) -> tuple[list, dict | None]:
    """`--user` wins over the user a file names. It is also added to the recording as an
    `identify` custom event (recorder.semantics.user_event) at its last moment - not first,
    so the session keeps the id the same file gets without --user - and so an rrweb export
    of the session carries its user to the next import."""
    if given is None:
        return events, user
    times = [e["timestamp"] for e in events if isinstance(e, dict)
             and isinstance(e.get("timestamp"), (int, float)) and not isinstance(e["timestamp"], bool)]
    if times:
        events = list(events) + [user_event(given, max(times))]
    return events, given.as_dict()


def masker_for(args: argparse.Namespace) -> Callable | None:
    """The masker factory import applies: `--rules FILE`, else the data folder's active
    rules (DATA/rules.toml), else the built-in default (mask-user-input). Nothing is ever
    stored unmasked."""
    from recorder.privacy import Rules, RulesError, load_rules, masker_factory
    try:
        rules = load_rules(args.rules, args.data)
        active = load_rules(None, args.data) if args.rules is not None else rules
    except RulesError as exc:
        raise rules_error(exc, "then import again") from None
    if not rules.same_as(active) and active.source != Rules.default().source:
        # a privacy officer's active rules are the store's; another file is allowed (a
        # stricter one, a test), never silently
        say_warning(f"masking with {args.rules}, not the data folder's active rules"
                    f" (revision {active.revision}): what they mask and this file does not is"
                    " stored in clear - `replay mask --dry-run --all` shows what the active rules"
                    " would change")
    # no rules in force: the next import without --rules masks under the built-in ones (a
    # privacy officer took the file for the folder's from then on) - said once something is
    # stored under the file (`say_rules_not_in_force`)
    args.rules_not_in_force = args.rules is not None and \
        active.source == Rules.default().source and not rules.same_as(active)
    return masker_factory(rules)


def say_rules_not_in_force(args: argparse.Namespace, results: list[dict]) -> None:
    """After an import that stored sessions or events under `--rules FILE` in a data folder
    without active rules (`masker_for`): what the next import masks with, and how to make
    FILE the rules in force."""
    stored = any(r.outcome in (Outcome.NEW, Outcome.EXTENDS) for res in results for r in res["stored"])
    if args.rules_not_in_force and stored:
        say_note(f"masked with {args.rules}; {args.data} has no active rules, so an import"
                 " without --rules masks with the built-in default - `replay mask --rules"
                 f" {args.rules} --activate --all` makes this file the rules in force")


def run(args: argparse.Namespace) -> int:
    args.given_user = _given_user(args)
    # `demo`, when no file is called that: the bundled demo session, as elsewhere
    args.files = [DEMO_SESSION if str(f) == DEMO and not f.exists() else f for f in args.files]
    for f in args.files:   # checked before any is imported: nothing is
        kinds = "recording files (rrweb JSON or .replay)"
        problem = None if f.is_file() else f"{f} is a folder - give {kinds}" if f.is_dir() \
            else not_a_regular_file(f, kinds) if f.exists() else \
            f"{f}: no such file - check the path"
        if problem is not None:
            if len(args.files) > 1:   # the others were not imported either: say so
                problem += f" (none of the {len(args.files)} files was imported)"
            if args.json:   # the contract holds for a refusal up front too
                print(json.dumps([{"file": str(g), "sessions": [], "error": problem if g == f
                                   else "not imported: another file named is missing"}
                                  for g in args.files], indent=1))
            raise UserError(problem)
    if args.data.exists() and not args.data.is_dir():
        raise UserError(no_data_folder(args.data))
    # a folder of other things (a mistyped --data: a project's, Downloads) is not made one
    refuse_other_folder(args.data, making=True)
    masker_factory = masker_for(args)
    new_folder = not args.data.exists()
    store = Store.open(args.data)
    rows: list[dict] = []   # --json: each file as it went, in the order given
    ended: list[str] = []   # the files done with (stored or refused), as they end
    refused: list[str] = []   # ... the refusals among them (said at the end)

    def on_file(r: dict) -> None:
        ended.append(r["file"])
        if args.json:
            rows.append(_json_row(r))
        else:
            _print_ids(r)

    def on_fail(f: str, msg: str) -> None:
        ended.append(f)
        refused.append(msg)
        rows.append({"file": f, "sessions": [], "error": msg})
    try:
        # a stored session appended to (or given a bundle's report) is a new version: its
        # old picture goes, also when a later file fails in a way that stops the import
        with progress_bar() as bar, swept_after(args.data, store.index.segment_files):
            results, failures = import_files(store, args.files, args, masker_factory, bar,
                                             on_file=on_file, on_fail=on_fail)
    except KeyboardInterrupt:   # (it ended at the bar's ^C, unsaid: a support engineer's tryout)
        # what came of the files before it, as the end of an import says it: their refusals,
        # --json's rows (their ids are printed as each is stored)
        for msg in refused:
            say_error(msg)
        if args.json:
            print(json.dumps(rows, indent=1))
        print(f"{PROG}: import stopped (Ctrl+C) - nothing of the file being read was stored"
              + (f"; {count(len(ended), 'file')} before it"
                 f" {'was' if len(ended) == 1 else 'were'} dealt with as said above"
                 if ended else ""), file=sys.stderr)
        return INTERRUPTED
    finally:
        store.close()
    # (a mistyped --data or REPLAY_DATA, say - not the platform's own folder, made on a first
    # import; one that stored nothing is said by its error, in one line; --json's answer is
    # its output)
    if new_folder and not args.json and args.data.resolve() != platform_data_dir().resolve() \
            and any(res["stored"] for res in results):
        say_new_data_folder(args.data, "the sessions imported are there")
    if args.json:   # the contract: {"file", "sessions", "error"?} per file
        print(json.dumps(rows, indent=1))
    elif len(args.files) > 1:   # what came of them all, in one line (as the app's status bar)
        say_note(import_summary(results, failures))
    say_rules_not_in_force(args, results)
    if failures:
        for msg in failures[:-1]:
            say_error(msg)
        raise UserError(failures[-1])
    return 0


def _json_row(result: dict) -> dict:
    """A file as --json says it: {"file", "sessions"}, and "recorded_ids" ({stored id: the
    id as recorded}) when an id was not usable as a file name (the stderr note's facts)."""
    row = {k: result[k] for k in ("file", "sessions")}
    if result["recorded_ids"]:
        row["recorded_ids"] = result["recorded_ids"]
    if result["reports"]:   # a bug bundle: what became of its report (see HandedReport)
        row["bug_reports"] = {sid: {"outcome": r.outcome, "title": r.title}
                              for sid, r in result["reports"].items()}
    return row


def _print_ids(result: dict) -> None:
    for sid in result["sessions"]:
        print(sid, flush=True)


# how an import says a note or a warning about a file as it goes: (level, line) - "note" or
# "warning", and the line; `replay import` prints them, the app's window collects them
Say = Callable[[str, str], None]


def on_stderr(level: str, line: str) -> None:
    """`replay import`'s way: `replay: LEVEL: line` on stderr."""
    print(said_line(level, line), file=sys.stderr)


FIX_THE_FILE = "fix the file, then import it again"
# what a person can do about a limit an imported file passed, where there is more to say
LIMIT_ADVICE = {
    "event_too_large": "an event that big is nearly always media inlined as a data: URL - an"
                       " image, a font, a video; remove or shrink it, then import the file again",
}


def import_files(store: Store, files, args: argparse.Namespace, masker_factory, bar,
                 on_file: Callable[[dict], None] | None = None,
                 on_fail: Callable[[str, str], None] | None = None,
                 say: Say = on_stderr, copyable: list[Path] | None = None,
                 advice: Advice | None = None) -> tuple[list[dict], list[str]]:
    """Import `files` one by one (what `replay import` and the app's File > Import do).
    `args` is the `import` command's namespace after `prepare`; `bar` takes rich Progress
    calls (add_task/update/remove_task). Returns `{"file", "files", "sessions", "stored",
    "dropped", "reports"}` per file imported (`files`: how many it stands for, Datadog's
    uploads being read together as one; `stored`: what happened to each session, a
    Stored; `dropped`: what the privacy rules left out, by kind; `reports`: a bug bundle's
    report, by session, a HandedReport) and one message per file refused;
    `on_file` hears of each import as it completes, `on_fail` of each file refused (its
    name and the message); `say` is told the notes and warnings about the files as they
    go (`replay import` prints them on stderr; the app's window says them itself);
    `copyable` is given the paths of the files kept out for differing from a stored
    session - refused as disagreeing with it, or a bug bundle whose report it did not take
    (`HandedReport.kept_out`): what `--as-new` would store beside it, the paths each file
    stands for (a `DatadogFiles` group's own), each once; `advice`: the words that say what
    a person can do about a file refused or kept out (a terminal's, `TERMINAL`, unless
    given)."""
    advice = advice or TERMINAL
    results: list[dict] = []
    failures: list[str] = []
    files = _grouped(list(files))
    for i, f in enumerate(files, 1):
        refused = len(failures)
        warned: list[str] = []
        try:   # (several files: which of how many; what the rules dropped, said once at the end)
            # and what the reader and the store warn of, said with the file's name (an
            # invalid event skipped: in which of the files?)
            with heard() if len(files) > 1 else contextlib.nullcontext(warned) as warned:
                done, dropped, reports = _import_one(
                    store, f, args, masker_factory, bar, say, advice,
                    of=(i, len(files)) if len(files) > 1 else None)
        except LimitError as exc:
            failures.append(f"{f}: rejected, nothing stored from it - {exc}"
                            f" ({LIMIT_ADVICE.get(exc.code, FIX_THE_FILE)})")
        except ImportConflict as exc:
            failures.append(f"{f}: not imported - {exc}" + (f" {advice.apart}" if exc.apart
                                                             else "")
                            + (_remasked(store, exc.session_id, advice)
                               or f"; {advice.keep_both}")
                            + _remask_hint(args, exc.session_id))
            _offer_again(copyable, f)
        except _StoredAlready as exc:
            failures.append(str(exc))
        except SessionChanged as exc:
            failures.append(f"{f}: not imported - {exc}")
        except DamagedRecording as exc:
            failures.append(f"{f}: not imported - {str(exc).removeprefix(f'{f}: ')}; get"
                            f" an intact copy, or {advice.partial}")
        except (UnreadableRecording, BadBundle, InvalidEvent) as exc:
            # the reader's message may already name the file ("F: ...", "F is ...")
            msg = str(exc).removeprefix(f"{f}: ")
            if msg.startswith(f"{f} "):
                msg = "it" + msg[len(str(f)):]
            # these say what to do
            if not isinstance(exc, (BadBundle, NotARecording, NothingInIt)):
                msg += f" ({FIX_THE_FILE})"
            failures.append(f"{f}: not imported - {msg}")
        else:
            results.append({"file": str(f), "files": len(f.paths) if isinstance(f, DatadogFiles)
                            else 1, "sessions": list(dict.fromkeys(r.id for r in done)),
                            "recorded_ids": {r.id: mask_id(r.original)
                                             for r in done if r.original},
                            "stored": done, "dropped": dict(dropped), "reports": reports})
            if any(h.kept_out for h in reports.values()):
                _offer_again(copyable, f)
            if on_file is not None:
                on_file(results[-1])
        finally:
            for line in warned:
                say("warning", f"{f}: {line}")
        if len(failures) > refused and on_fail is not None:
            on_fail(str(f), failures[-1])
    return results, failures


def _offer_again(copyable: list[Path] | None, f) -> None:
    """`f`'s paths added to `copyable` (see import_files), those not in it already."""
    if copyable is not None:
        copyable += [p for p in (f.paths if isinstance(f, DatadogFiles) else [Path(f)])
                     if p not in copyable]


def _grouped(files: list) -> list:
    """The files to import, those read together (`rrweb_io.read_together`: Datadog
    uploads) as one `DatadogFiles` in the first one's place."""
    dd = read_together(f for f in files if isinstance(f, Path))
    if not dd:
        return files
    group, grouped = DatadogFiles(dd), set(dd)   # (a proxy's log: thousands of files)
    return [group if f is dd[0] else f for f in files if f is dd[0] or f not in grouped]


def _shown_in_a_terminal(f) -> str:
    return f"`replay play {f}` shows it"


TERMINAL = Advice(
    partial="add --partial to store what decodes as a new session (SESSION_partial)",
    keep_both="to keep both, import it as a new session with --as-new",
    # a stored session is never rewritten by an import (`ingest.reconcile`): its parts are
    # read together
    apart="If it is such a part: a session's parts are joined when imported in one command"
          " (`replay import PART... PART`) - erase the stored session first (`replay delete"
          " SESSION`), then import every part at once",
    shows=_shown_in_a_terminal)


class _StoredAlready(Exception):
    """`--rules` given for a recording that is stored already (the rules did not apply)."""


def _remasked(store: Store, sid: str, advice: Advice) -> str:
    """Why a stored session disagrees with its own original recording, if it was re-masked
    (`replay mask`) since: what `--as-new` is then for."""
    with store.session(sid) as stored:
        when = (stored.info.context or {}).get(REMASKED)
    if not isinstance(when, (int, float)):
        return ""
    return (f"; the stored session was re-masked on {when_text(when)}, so its events no longer"
            f" match the original recording; {advice.keep_both}")


def _remask_hint(args, sid: str) -> str:
    """How to bring `--rules` to the stored session - when they would hide more there than
    the data folder's rules: re-masking never shows what is stored masked (the hint ran
    `replay mask` of looser rules to "unchanged")."""
    if args.rules is None:
        return ""
    from recorder.privacy import load_rules
    from recorder.privacy.history import active_rules, loosened
    try:
        given, folder = load_rules(args.rules, args.data), active_rules(args.data)
    except Exception:  # noqa: BLE001 - read before the import; a hint is no place to fail
        return ""
    if not loosened(given, folder):   # nothing the folder's mask that these do not
        return ("; re-masking cannot show what it stores masked, and these rules mask"
                " nothing more than the data folder's")
    return f"; to re-mask the stored one with these rules: replay mask --rules {args.rules} {sid}"


def _import_one(store: Store, f: Path, args, masker_factory, bar, say: Say, advice: Advice,
                of: tuple[int, int] | None = None
                ) -> tuple[list[Stored], Counter[str], dict[str, HandedReport]]:
    """One file of an import; `of`: its place among several (the bar says it; what the rules
    dropped is then said once, for all, by the caller)."""
    task = bar.add_task(f"reading {f.name}" + (f" ({of[0]:,} of {of[1]:,})" if of else ""),
                        total=None)
    maskers: list = []

    def counted():   # the maskers of this file, for what their rules dropped
        maskers.append(masker_factory())
        return maskers[-1]
    try:
        with no_gc():   # a recording decodes into millions of acyclic dicts
            done, reports = _import_file(store, f, args, counted if masker_factory else None,
                                         bar, task, say, advice)
    finally:
        for t in list(bar.task_ids):   # the file's: reading, then finishing (next_stage)
            bar.remove_task(t)
    dropped: Counter[str] = Counter()
    if any(r.outcome is not Outcome.SAME for r in done):
        for m in maskers:
            dropped.update({k: n for k, n in m.stats.items() if DROPPED in k})
        _say_start_missing(f, maskers, say)
    if dropped and of is None:
        say("note", f"{f}: the privacy rules dropped {_dropped_kinds(dropped)} ("
                    + (f"under {args.rules}, given with --rules)" if args.rules is not None else
                       f"the rules in force: {_rules_source(args)}; the app's Privacy page"
                       " edits them)"))
    return done, dropped, reports


def _say_start_missing(f: Path, maskers: list, say: Say) -> None:
    """A warning for a recording whose page changes come before any full snapshot: its
    start is missing (a Sentry replay without its first segment), so the player has no page
    to show until a snapshot comes, if one does - and the changes to it are lost."""
    for m in maskers:
        n = m.stats[BEFORE_SNAPSHOT]
        if not n:
            continue
        then = "from its first snapshot on" if m.mirror.has_snapshot else \
            "no page at all (it holds no snapshot)"
        say("warning", f"{f}: the recording's start is missing - {n:,} page change"
                       f"{'s' * (n != 1)} and interaction{'s' * (n != 1)} before any full"
                       f" snapshot (a Sentry replay's first segment?); the player shows {then}."
                       " Import the whole recording if you have it")
        return


def _rules_source(args) -> str:
    """Where the rules an import masked with come from (load_rules decides; the note is
    printed once, so reading the small file again costs nothing that matters)."""
    from recorder.privacy import Rules, load_rules
    source = load_rules(args.rules, args.data).source
    return "the built-in rules (no rules file)" if source == Rules.default().source else source


def _dropped_kinds(dropped: Counter[str]) -> str:
    """What the privacy rules left out of what was stored, counted by kind (the masker's
    own counters; never a value)."""
    return ", ".join(f"{n:,} {k.replace(DROPPED, '').replace('  ', ' ').strip()}"
                     for k, n in dropped.most_common())


def status_line(results: list[dict], failures: list[str]) -> str:
    """`import_summary` as the app's status bar shows it: a sentence of its own."""
    line = import_summary(results, failures)
    return line[:1].upper() + line[1:]


def import_summary(results: list[dict], failures: list[str]) -> str:
    """One line on what an import did, as `replay: note: ` goes on with it (lower case
    first, as every note): sessions stored new, events appended to stored ones, bug
    bundles' reports added to sessions stored already, files stored already (nothing new),
    an id stored rewritten, what the privacy rules dropped, files refused."""
    done = [r for res in results for r in res["stored"]]
    new = {r.id for r in done if r.outcome is Outcome.NEW}
    extended = {r.id for r in done if r.outcome is Outcome.EXTENDS}
    appended = sum(r.added for r in done if r.outcome is Outcome.EXTENDS)
    same = {r.id for r in done if r.outcome is Outcome.SAME} - new - extended
    reports: dict[str, HandedReport] = {}
    for res in results:   # a session's report added by one file, the same again by the next
        for sid, rep in res["reports"].items():
            if sid not in reports or _RANK[rep.outcome] > _RANK[reports[sid].outcome]:
                reports[sid] = rep
    added = {sid for sid, rep in reports.items() if rep.outcome == "added"}
    dropped: Counter[str] = Counter()
    for res in results:
        dropped.update(res["dropped"])
    parts = []
    if new:
        parts.append(f"{count(len(new), 'new session')} stored")
    if extended:
        parts.append(f"{count(appended, 'event')} appended to"
                     f" {count(len(extended), 'stored session')}")
    parts += _reports_said(same, extended, reports)
    # a bug bundle of a session stored already brought its report: something was imported
    files = sum(res["files"] for res in results)   # (Datadog's: several read as one)
    head = f"imported {count(files, 'file')}: " if new or extended else \
        "" if added else "nothing imported: " if results else "nothing imported"
    line = head + "; ".join(parts)
    renamed = {sid: was for res in results for sid, was in res["recorded_ids"].items()}
    if renamed:   # the id a ticket names is not the one to look up here (as the CLI's note)
        sid, was = next(iter(renamed.items()))
        line += f"; recorded id {_shown_id(was)} stored as {sid}" + (
            f" (and {count(len(renamed) - 1, 'other')})" if len(renamed) > 1 else "")
    if dropped:
        line += f"; the privacy rules dropped {_dropped_kinds(dropped)}"
    if failures:
        line += f"; {count(len(failures), 'file')} not imported"
    return line


def _reports_said(same: set[str], extended: set[str], reports: dict[str, HandedReport]
                  ) -> list[str]:
    """What became of bug bundles' reports, for `import_summary`, and the sessions stored
    already as they were (`same`): "nothing new" is said only of those that gained nothing,
    a report neither (the support engineer read "Nothing imported" of a bundle whose report
    had just been added). One session is named, with its report's title; several counted."""
    def one(sids: set[str]) -> tuple[str, str] | None:   # (its id, its report's title)
        if len(sids) != 1:
            return None
        (sid,) = sids
        return sid, _shown_title(reports[sid].title) if sid in reports else ""

    def having(outcome: str, sids: set[str]) -> set[str]:
        return {sid for sid in sids if sid in reports and reports[sid].outcome == outcome}
    parts = []
    if named := one(onto := having("added", same)):
        parts.append(f"session {named[0]} already stored; its bug report{named[1]} added")
    elif onto:
        parts.append(f"{count(len(onto), 'session')} already stored; their bug reports added")
    if named := one(onto := having("added", extended)):
        parts.append(f"bug report{named[1]} added to {named[0]}")
    elif onto:
        parts.append(f"{count(len(onto), 'bug report')} added to them")
    rest = same - having("added", same)
    kept = having("kept", rest | extended)
    if (named := one(rest)) and named[0] in having("same", rest):
        parts.append(f"session {named[0]} and its bug report{named[1]} already stored,"
                     " nothing new")
    elif named and kept == rest:
        parts.append(f"session {named[0]} already stored, nothing new; it keeps its own bug"
                     f" report{named[1]}, the bundle's differs")
        kept = set()
    elif rest:
        parts.append(f"{count(len(rest), 'session')} already stored, nothing new")
    if kept:
        parts.append(f"{count(len(kept), 'bug report')} not added: the stored"
                     + (" session keeps its own" if len(kept) == 1 else " sessions keep their own"))
    return parts


class HandedReport(msgspec.Struct, frozen=True):
    """What became of a bug bundle's report on import, for one session: stored with it as a
    `new` session; `added` to the session stored already; the `same` report stored already;
    or `kept` out, the stored session holding another (never replaced). `title`: the title
    of the report the session holds now, as stored (masked by the rules)."""
    outcome: Literal["new", "added", "same", "kept"]
    title: str

    @property
    def kept_out(self) -> bool:
        """The bundle's report is not stored: `--as-new` would store it beside
        (`Advice.keep_both`)."""
        return self.outcome == "kept"


def _shown_title(title: str) -> str:
    """A bug report's title in a one-line note, after the words it follows: ` "Checkout total
    wrong"`, on one line, a long one cut; nothing for a report without one."""
    shown = title_line(title, SHOWN_TITLE)
    return f' "{shown}"' if shown else ""


SHOWN_TITLE = 60   # characters of a bug report's title a note shows
# what one import says of a session's report that several of its files carried: what changed
_RANK = {"same": 0, "kept": 1, "new": 2, "added": 3}


def _import_file(store: Store, f: Path, args, masker_factory, bar, task, say: Say,
                 advice: Advice) -> tuple[list[Stored], dict[str, HandedReport]]:
    """`f` stored; what happened to each of its sessions, and to its bug report if it is a
    bug bundle."""
    ids: list[Stored] = []
    handed: dict | None = None   # a bundle's context: its bug report
    carried = False              # a bundle whose images and fonts come with it
    if isinstance(f, DatadogFiles):   # read whole: small files, one session across them
        recs = _read_whole(f, f.read(partial=args.partial), args, say)
    elif is_bundle(f):
        try:
            src = open_bundle(f)
        except DamagedBundle as exc:
            if not args.partial:   # (--partial offered where it reads something)
                raise DamagedBundle(f"{exc}, or {advice.partial}" if salvageable(f)
                                    else str(exc)) from None
            recs = [_salvaged(f, exc, args)]
        else:
            handed = src.info.context
            try:
                streamed = _stream(store, f, args, masker_factory,
                                   lambda partial: _bundle_events(src, args, partial, bar, task),
                                   say, reported=from_context(handed) is not None)
            except BaseException:
                src.close()
                raise
            if streamed is not None:
                src.close()
                _carry_assets(store, f, streamed, args, say)
                return streamed, _carry_context(store, f, handed, streamed, masker_factory,
                                                say, advice)
            recs = _bundle(src, args)   # read whole (closes it)
            carried = True
    else:
        streamed = _stream(store, f, args, masker_factory,
                           lambda partial: _file_events(f, args, partial, bar, task), say)
        if streamed is not None:
            return streamed, {}
        recs = _read_whole(f, read_recordings(f, partial=args.partial), args, say)
    first_stage(bar, task, description=f"importing {f.name}")
    for events, hint, user, app, ctx, damaged in recs:
        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
        for r in store.ingest_outcomes(events, application=app, user=user, context=ctx,
                                       session_id=hint, masker_factory=masker_factory,
                                       progress=progress, as_new=args.as_new,
                                       partial=damaged):
            _stored(f, args, r, damaged, ids, say, reported=from_context(ctx) is not None)
    if carried:
        _carry_assets(store, f, ids, args, say)
    return ids, _carry_context(store, f, handed, ids, masker_factory, say, advice)


def _carry_assets(store: Store, f: Path, done: list[Stored], args, say: Say) -> None:
    """The images and fonts a bundle carries (recorder.bundle), stored as its sessions' -
    those the sessions reference as stored, so nothing of what the import's rules mask (the
    sender's may have masked less): the player shows them as the sender saw them."""
    from recorder.asset_store import AssetStore
    from recorder.assets import referenced_urls
    from recorder.privacy import RulesError, load_rules

    ids = list(dict.fromkeys(r.id for r in done))
    if not ids:
        return
    try:
        src = open_bundle(f)
    except BadBundle:
        return
    try:
        lookup = src.assets
        if lookup is None:
            return
        try:
            rules = load_rules(args.rules, args.data)
        except RulesError:   # (said by the import already)
            return
        from recorder import asset_fetch
        cap = asset_fetch.MAX_SESSION_BYTES   # what a fetch stores for one session, at most
        assets = AssetStore(store.root)
        n = over = 0
        try:
            for sid in ids:
                with store.session(sid) as reader:
                    urls = referenced_urls(reader.events(), rules)
                spent = 0
                for url in urls:
                    key = lookup.find(url)
                    got = lookup.read(key) if key is not None else None
                    if got is None:
                        continue
                    if spent + len(got[0]) > cap:
                        over += 1
                        continue
                    spent += len(got[0])
                    assets.put(url, got[0], got[1], 200, [sid])
                    n += 1
        finally:
            assets.close()
        if n:
            say("note", f"{f}: stored the {count(n, 'image or font', 'images and fonts')} it"
                        " carries")
        if over:
            say("warning", f"{f}: {count(over, 'image or font', 'images and fonts')} it carries"
                           f" not stored - over a session's cap of"
                           f" {asset_fetch.human_bytes(cap)} (what `replay assets fetch` stores"
                           " for one session at most)")
    finally:
        src.close()


def _read_whole(f, recordings: list, args, say: Say) -> list[tuple]:
    """The recordings of `f` read whole, as `_import_file` stores them: (events, session
    hint, user, application, context, damage) each; what a conversion could not carry said."""
    recs = []
    for r in recordings:
        _say_not_carried(f, r, say)
        events, user = _with_user(r.events, r.user, args.given_user)
        recs.append((events, r.session_hint, user, args.application, None, r.damaged))
    return recs


def _say_not_carried(f, r, say: Say) -> None:
    """What a conversion (Datadog's records into rrweb's) could not carry over, said once."""
    if r.warnings:
        said = ", ".join(f"{n:,} {what}" for what, n in sorted(r.warnings.items()))
        say("warning", f"{f}: not all of the recording could be read: {said}")


def _carry_context(store: Store, f: Path, context: dict | None, done: list[Stored],
                   masker_factory, say: Say, advice: Advice) -> dict[str, HandedReport]:
    """A bundle's context (its bug report) given to the session it was stored already as:
    what the hand-over says must not be lost because the recipient had the recording. What
    became of the report is said in one line with the session's own outcome (`_stored` left
    "already stored, nothing new" to it: the report may be new). Returns it by session."""
    if from_context(context) is None:
        return {}   # only the report travels: the other entries are about the sender's copy
    reports: dict[str, HandedReport] = {}
    for r in done:
        if r.id in reports:
            continue
        merge = None if r.outcome is Outcome.NEW else store.add_context(
            r.id, {CONTEXT_KEY: context[CONTEXT_KEY]}, masker_factory=masker_factory)
        outcome = "new" if merge is None else "added" if merge.added else \
            "kept" if CONTEXT_KEY in merge.kept else "same"
        info = store.index.session(r.id)   # the title as stored: masked (the file's may not be)
        held = from_context(info.context if info is not None else None)
        reports[r.id] = HandedReport(outcome, held.title if held is not None else "")
        line = _report_line(f, r, reports[r.id], advice)
        if line is not None:
            say("note", line + (
                " (in the index only: segments of the session are damaged, so `replay repair`"
                " would not find it again)" if merge is not None and merge.index_only else ""))
    return reports


def _report_line(f: Path, r: Stored, report: HandedReport, advice: Advice) -> str | None:
    """What became of a bug bundle's report on `r`, said with what became of the session
    where that is "already stored" (one line, not "nothing new" and then "added")."""
    title = _shown_title(report.title)
    keep = f"; {advice.keep_both}" if report.kept_out else ""
    shows_it = advice.shows(f)
    if r.outcome is Outcome.SAME:
        return f"{f}: " + {
            "added": f"session {r.id} already stored; its bug report{title} added",
            "same": f"session {r.id} and its bug report{title} already stored, nothing new",
            "kept": f"session {r.id} already stored, nothing new; it keeps its own bug"
                    f" report{title} - {f.name}'s differs, {shows_it}",
        }[report.outcome] + keep
    # (new: said by its id on stdout; appended to: `_stored` said how many events)
    line = {"added": f"{r.id}: added {f.name}'s bug report{title} to the stored session",
            "kept": f"{r.id}: kept the stored session's bug report{title}; {f.name}'s"
                    f" differs - {shows_it}"}.get(report.outcome)
    return None if line is None else line + keep


DROPPED = "dropped"   # a masker counter of things left out (SessionMasker.stats keys)
PROGRESS_EVERY = 2_000   # events between progress bar updates


def _stream(store: Store, f: Path, args, masker_factory, read, say: Say,
            reported: bool = False) -> list[Stored] | None:
    """Import a recording read as a stream, so memory stays flat whatever its size; None
    when it cannot be (nothing was stored then: the caller reads it whole). `read(partial)`
    gives its events and what `import_stream` needs besides. A damaged input with --partial
    is read twice: the first reading finds the damage, the second stores what comes before
    it (a file) or the segments that decode (a bundle), as a partial session. `reported`:
    a bug bundle, whose report's outcome `_carry_context` says (see `_stored`)."""
    damaged: str | None = None
    while True:
        try:
            events, opts = read(damaged is not None)
            stored = store.import_stream(events, masker_factory=masker_factory,
                                         as_new=args.as_new, partial=damaged, **opts)
        except NotStreamable:
            return None
        except DamagedRecording as exc:
            if not args.partial or damaged is not None:
                raise
            damaged = str(exc).removeprefix(f"{f}: ")
            continue
        break
    done: list[Stored] = []
    for r in stored:
        _stored(f, args, r, damaged, done, say, reported)
    return done


def _stored(f: Path, args, r: Stored, damaged: str | None, done: list[Stored], say: Say,
            reported: bool = False) -> None:
    """One stored outcome of `f`: said (`say`) if it matters (rules that could not apply,
    nothing new, events appended, a partial session), and added to `done`. `reported`: `f`
    is a bug bundle - whether a session stored already gained nothing is not known before
    its report is given to it (`_carry_context` says it then)."""
    if r.outcome is Outcome.SAME and args.rules is not None:
        raise _StoredAlready(
            f"{f}: session {r.id} is stored already, so --rules did not apply to"
            f" it{_remask_hint(args, r.id)}")
    personal = personal_data_in(r.original) if r.original is not None else []
    if personal:   # said, never shown: a message is not masked
        say("note", f"{f}: the recording's session id holds personal data"
                    f" ({', '.join(personal)}): stored as {r.id}")
    elif r.original is not None:
        # not silent: the id a customer or a ticket names is not the one to look up here
        say("note", f"{f}: session id {_shown_id(r.original)} is not usable as a file name,"
                    f" stored as {r.id}")
    if r.ids_merged and r.outcome is not Outcome.SAME:   # (not silent: two sessions, it may be)
        say("note", f"{f}: its events carry {r.ids_merged} different session ids (rrweb's"
                    f" sessionId): stored as one session, {r.id}, named by its events - to"
                    " keep them apart, give each its own file")
    if damaged and r.outcome is Outcome.SAME:   # this cut-off file, imported before
        say("note", f"{f}: {damaged}; what decodes is stored already, as {r.id} (marked"
                    " partial): nothing new")
    elif damaged:
        say("warning", f"{f}: {damaged}; stored what decodes as a new session, {r.id},"
                       " marked partial")
    elif r.outcome is Outcome.SAME and not reported:
        # (an earlier, shorter export: what the stored session holds besides)
        say("note", f"{f}: {r.id}: already stored, nothing new"
                    + (f" ({r.note})" if r.note else ""))
    elif r.outcome is Outcome.EXTENDS:
        say("note", f"{f}: {r.id}: already stored, appended {count(r.added, 'event')}")
    done.append(r)


def _shown_id(sid: str) -> str:
    """A recording's session id in a one-line note: quoted, what would break the line
    escaped, a long one cut."""
    return repr(sid if len(sid) <= SHOWN_ID else sid[:SHOWN_ID] + "…")


SHOWN_ID = 80   # characters of a recording's own id a note shows


def _file_events(f: Path, args, partial: bool, bar, task) -> tuple[Iterator, dict]:
    """An rrweb file's events as a stream (the bar counts bytes of the file)."""
    stream = EventStream(f, partial=partial)
    first_stage(bar, task, description=f"importing {f.name}", completed=0, total=stream.total)
    events = _progressed(stream, bar, task, f.name)
    first = next(events, None)   # the export's marker, if any, names the session
    if first is not None:
        events = itertools.chain([first], events)
    given = args.given_user
    return _given_user_last(events, given), dict(
        application=args.application, session_id=stream.session_hint,
        user=given.as_dict() if given is not None else None)


def _bundle_events(src, args, partial: bool, bar, task) -> tuple[Iterator, dict]:
    """A bundle's events a segment at a time (the bar counts its segments); its damage is
    known once every segment was read, and refused then (see _bundle)."""
    first_stage(bar, task, description=f"importing {src.path.name}", completed=0,
                total=len(src.segments))

    def events() -> Iterator[dict]:
        with _quiet_bundle_log():
            for i in range(len(src.segments)):
                yield from src.read_segment(i)
                bar.update(task, completed=i + 1)
        next_stage(bar, task, FINISHING.format(src.path.name))
        _check_bundle(src)
        damaged = _damage(src)
        if damaged and not partial:
            raise DamagedRecording(damaged)
    user = _bundle_user(src, args)
    return events(), dict(application=args.application or src.info.application, user=user,
                          context=src.info.context, session_id=src.id)


# once every event was read: the last segments, the privacy pass over what was written
# before a value was typed, the index (a quarter to a half of a long import's time)
FINISHING = "finishing {}: privacy pass, index"


def _progressed(stream: EventStream, bar, task, name: str) -> Iterator:
    """The stream's events, moving the bar by bytes of the file read; then the stage after."""
    for n, e in enumerate(stream, 1):
        if n % PROGRESS_EVERY == 0:
            bar.update(task, completed=stream.done)
        yield e
    bar.update(task, completed=stream.done)
    next_stage(bar, task, FINISHING.format(name))


def _given_user_last(events: Iterable, given: User | None) -> Iterator:
    """The events, then `--user`'s identify event at their last moment (see _with_user)."""
    last = None
    for e in events:
        if given is not None and isinstance(e, dict):
            ts = e.get("timestamp")
            if isinstance(ts, (int, float)) and not isinstance(ts, bool) and \
                    (last is None or ts > last):
                last = ts
        yield e
    if given is not None and last is not None:
        yield user_event(given, last)


@contextlib.contextmanager
def _quiet_bundle_log():
    """The import says in one line what in a bundle is damaged; the reader's own
    per-segment warnings would repeat it."""
    logger = logging.getLogger("recorder.bundle")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _bundle_user(src, args) -> dict | None:
    """Whom a bundle's session is filed under: `--user`, else its manifest's user - whose id
    a bundle carries masked when it is an email or a phone number (`bundle._handed_id`):
    such an id names nobody (`semantics.user_from`), as in an rrweb export. Two people's
    sessions were both filed under the user `xxxxxxxxxxxxxxxx` (a privacy officer's tryout)."""
    if args.given_user is not None:
        return args.given_user.as_dict()
    u = filed_user(src.info)
    return u.as_dict() if u is not None else None


def _bundle(src, args) -> list[tuple]:
    try:
        with _quiet_bundle_log():
            events = list(src.events())
        _check_bundle(src)
        user = _bundle_user(src, args)
        damaged = _damage(src)
        if damaged and not args.partial:
            raise DamagedRecording(damaged)
        return [(events, src.id, user,
                 args.application or src.info.application, src.info.context, damaged)]
    finally:
        src.close()


def _check_bundle(src) -> None:
    """BadBundle when no segment of a bundle decodes (even with --partial), or it has none."""
    if not src.segments:
        raise BadBundle(f"{src.path}: it holds no segment, nothing to store - export the"
                        " session again")
    if len(src.damaged) == len(src.segments):
        first = src.damaged[0]
        n = len(src.segments)
        raise BadBundle(f"{src.path}: {'its segment is' if n == 1 else f'all {n} segments are'}"
                        " damaged, nothing"
                        f" to store (segment {src.segments[first].index}:"
                        f" {src.damage_reasons.get(first, 'unreadable')}) - export it again")


def _salvaged(f: Path, exc: DamagedBundle, args) -> tuple:
    """A cut-off bundle's whole segments (its manifest, with the user, is lost)."""
    with _quiet_bundle_log():
        got = salvage_or_refuse(f, exc)
    return (got.events, got.session_id, None, args.application, None, got.said())


def _damage(src) -> str | None:
    """What is wrong with a bundle whose events were read, if anything."""
    if not src.damaged:
        return None
    first = src.damaged[0]
    return (f"{len(src.damaged)} of its {len(src.segments)} segments"
            f" {'is' if len(src.damaged) == 1 else 'are'} damaged (segment"
            f" {src.segments[first].index}: {src.damage_reasons.get(first, 'unreadable')})")
