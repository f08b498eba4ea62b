"""`replay app create|list|origins|revoke|token|rules|dictionary` - the applications allowed to
send live sessions, with their client tokens (shown once; only a hash is stored), origins, rules
and shared dictionaries."""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from player.local_time import when_text
from recorder.paths import make_data_folder
from recorder.said import count

from ..cli import UserError, say_note, say_warning
from ._confirm import loosen_confirmed
from ._store import (is_default_data_folder, no_data_folder, refuse_other_folder,
                     say_new_data_folder)

NAME = "app"
_NAME_HELP = "the application's name (or its id)"   # of one that exists


def register(subparsers, common) -> None:
    p = subparsers.add_parser(NAME, parents=[common], help="applications that send live sessions",
                              description="Manage the applications (sites) allowed to send"
                                          " sessions to `replay serve`.")
    # no ACTION: said by `no_action` (argparse's "required: ACTION" named none, and a person
    # after the desktop app did not learn it is `replay` alone)
    sub = p.add_subparsers(dest="app_command", metavar="ACTION")
    p.set_defaults(func=no_action)
    c = sub.add_parser("create", parents=[common], help="a new application and its client token",
                       description="Create an application: prints its id and client token (the"
                                   " token only now) for `ReplayCapture.start` on its pages.")
    c.add_argument("name", metavar="NAME",
                   help="the new application's name (1-64 letters, digits, . _ -)")
    c.add_argument("--origin", action="append", default=[], metavar="URL",
                   help="an origin its pages are served from (repeat; * for any). Without one,"
                        " only requests that send no Origin (not browsers) are accepted")
    c.add_argument("--json", action="store_true", help='print {"id": ..., "token": ...}')
    c.set_defaults(func=create)
    ls = sub.add_parser("list", parents=[common], help="the applications (never their tokens)",
                        description="List the applications: name, id, state, origins, rules.")
    ls.add_argument("--json", action="store_true", help="print them as a JSON list")
    ls.set_defaults(func=list_apps)
    o = sub.add_parser("origins", parents=[common],
                       help="add or remove the origins of an application",
                       description="Change the origins (scheme://host[:port]) whose pages may send"
                                   " to an application, then print its origins. Without --add or"
                                   " --remove, only prints them.")
    o.add_argument("name", metavar="NAME", help=_NAME_HELP)
    o.add_argument("--add", action="append", default=[], metavar="URL",
                   help="an origin to allow (repeat; * for any)")
    o.add_argument("--remove", action="append", default=[], metavar="URL",
                   help="an origin to refuse from now on (repeat)")
    o.set_defaults(func=origins)
    r = sub.add_parser("revoke", parents=[common], help="refuse an application's token from now on",
                       description="Revoke an application's client token: the intake refuses its"
                                   " batches from now on (what it stored stays). That token"
                                   " never works again; `replay app token NAME` gives the"
                                   " application a new one.")
    r.add_argument("name", metavar="NAME", help=_NAME_HELP)
    r.set_defaults(func=revoke)
    t = sub.add_parser("token", parents=[common],
                       help="a new client token for an application (the old one stops working)",
                       description="Give an application a new client token, printed only now: its"
                                   " old token is refused from now on (a leaked token, a"
                                   " revoked application put back to work). Its id, origins,"
                                   " rules and sessions stay; put the new token in the site's"
                                   " snippet.")
    t.add_argument("name", metavar="NAME", help=_NAME_HELP)
    t.add_argument("--json", action="store_true", help='print {"id": ..., "token": ...}')
    t.set_defaults(func=new_token)
    ru = sub.add_parser("rules", parents=[common],
                        help="the privacy rules of one application (the intake masks with them)",
                        description="Give an application its own privacy rules (--rules FILE): the"
                                    " intake masks its next batches with them instead of the"
                                    " data folder's. Without --rules, print the rules its"
                                    " batches are masked with now; --json prints them as"
                                    " capture.js takes them (`ReplayCapture.start({rules:"
                                    " ...})`, so the page masks as the intake does); --clear"
                                    " drops its own rules (the intake's apply again).")
    ru.add_argument("name", metavar="NAME", help=_NAME_HELP)
    how = ru.add_mutually_exclusive_group()
    how.add_argument("--rules", default=None, metavar="FILE",
                     help="a rules file (TOML), as for `replay import --rules`")
    how.add_argument("--clear", action="store_true",
                     help="drop the application's own rules: its next batches are masked with"
                          " the intake's (`serve --rules`, else the data folder's)")
    how.add_argument("--history", action="store_true",
                     help="every change of its own rules: revision, when, who, what changed")
    how.add_argument("--revision", type=int, metavar="N",
                     help="print the rules revision N of its history set (to restore them:"
                          " save the output and give it to --rules)")
    ru.add_argument("--json", action="store_true",
                    help="print the rules in force as JSON for capture.js's `rules` option;"
                         " with --history, the changes as a JSON list")
    ru.add_argument("--yes", action="store_true",
                    help="do not ask before rules that mask less than the ones its batches"
                         " are masked with now take effect")
    ru.set_defaults(func=set_rules)
    di = sub.add_parser("dictionary", parents=[common],
                        help="the shared dictionary capture.js compresses an application's"
                             " batches against",
                        description="Show the shared dictionary the intake gives an"
                                    " application's pages (capture.js compresses each batch"
                                    " against it). It is made of the site's pages as anyone is"
                                    " served them (fetched without cookies from the"
                                    " application's own origins: the addresses its front page"
                                    " links to that its stored sessions visit most), never of"
                                    " what a visitor sent;"
                                    " anyone with the site's client token can fetch it."
                                    " Off until --on (for a public site, asked from outside"
                                    " whatever it trusts); --strings lists what it holds; --off"
                                    " stops them (and removes them); --rebuild makes one now.")
    di.add_argument("name", metavar="NAME", help=_NAME_HELP)
    what = di.add_mutually_exclusive_group()
    what.add_argument("--off", action="store_true",
                      help="no dictionary for this application (the default)")
    what.add_argument("--on", action="store_true",
                      help="give its pages one, made of its site's public pages")
    what.add_argument("--rebuild", action="store_true",
                      help="make it now, fetching the site's pages (the intake does when its"
                           " pages ask for it, and again hourly), with the application's rules,"
                           " else the data folder's")
    di.add_argument("--strings", action="store_true", help="list the strings it holds")
    di.set_defaults(func=dictionary)


ACTIONS = ("create", "list", "origins", "revoke", "token", "rules", "dictionary")


def no_action(args: argparse.Namespace) -> int:
    raise UserError(f"`replay app` takes an action: {', '.join(ACTIONS)} (`replay app --help`"
                    " says what each does) - it manages the applications that send sessions"
                    " to `replay serve`; the desktop app is `replay` with no command")


def _apps(args: argparse.Namespace, create: bool = False):
    from recorder.intake.apps import Applications
    refuse_other_folder(args.data, making=create)
    if not args.data.is_dir():
        if not create or args.data.exists():
            raise UserError(no_data_folder(args.data, "create an application first (`replay"
                                                      f" --data {args.data} app create NAME`)"))
        make_data_folder(args.data)
        where = shlex.quote(str(args.data.resolve()))
        say_new_data_folder(args.data, "`replay serve` finds it by itself" if
                            is_default_data_folder(args.data) else
                            f"`replay serve --data {where}` must use it")
    return Applications(args.data)


def _run(args, fn, create: bool = False):
    from recorder.intake.apps import AppError
    try:
        apps = _apps(args, create)
    except AppError as exc:   # a damaged applications file
        raise UserError(str(exc)) from None
    try:
        return fn(apps)
    except AppError as exc:
        raise UserError(str(exc)) from None
    finally:
        apps.close()


def create(args: argparse.Namespace) -> int:
    from recorder.intake.apps import AppError, checked_new
    try:   # a bad name or origin changes nothing: no applications file is made for it
        checked_new(args.name, args.origin)
    except AppError as exc:
        raise UserError(str(exc)) from None
    app, token = _run(args, lambda apps: apps.create(args.name, args.origin), create=True)
    _print_token(args, app, token)
    return 0


def new_token(args: argparse.Namespace) -> int:
    app, token = _run(args, lambda apps: apps.new_token(args.name))
    _print_token(args, app, token)
    if not args.json:
        print("Its old token is refused from now on: put this one in the site's snippet.")
    return 0


def _print_token(args: argparse.Namespace, app, token: str) -> None:
    if args.json:
        print(json.dumps({"id": app.id, "token": token, "name": app.name,
                          "origins": list(app.origins)}))
        return
    print(f"application {app.name}\n  id:     {app.id}\n  token:  {token}")
    print("  origins: " + (", ".join(app.origins) or "none (browsers cannot send yet -"
                                                    " add --origin URL)"))
    print("Keep the token: it is shown only now (only its hash is stored).")


def list_apps(args: argparse.Namespace) -> int:
    apps = _run(args, lambda a: a.list())
    if args.json:
        print(json.dumps([a.to_json() for a in apps], indent=1))
        return 0
    if not apps:
        print("no applications - `replay app create NAME --origin URL` makes one")
        return 0
    print("name\tid\tstate\torigins\trules")
    for a in apps:
        state = "revoked " + when_text(a.revoked_ms) if a.revoked_ms else "active"
        print(f"{a.name}\t{a.id}\t{state}\t{', '.join(a.origins) or '-'}"
              f"\t{'own' if a.rules is not None else 'intake'}")
    print(RULES_SAID)
    return 0


# under the list: what its rules column says
RULES_SAID = ("rules: own = the application's own (`replay app rules NAME --rules FILE`);"
              " intake = the intake's (`replay serve --rules FILE`, else the data folder's"
              " active rules) - `replay app rules NAME` prints them")


def origins(args: argparse.Namespace) -> int:
    from recorder.intake.dictionary import Dictionaries, has_site
    before, app = _run(args, lambda a: (a.get(args.name),
                                        a.change_origins(args.name, args.add, args.remove)))
    print(f"application {app.name}: origins " + (", ".join(app.origins) or
                                                 "none (browsers cannot send - add --add URL)"))
    if has_site(before) and not has_site(app) and Dictionaries(args.data).enabled(app.id):
        # (its pages get none from now on: said here, where it changed, not found out later)
        print(f"  its shared dictionary stops: {no_site(app)}")
    return 0


def revoke(args: argparse.Namespace) -> int:
    before, app = _run(args, lambda a: (a.get(args.name), a.revoke(args.name)))
    said = "was revoked already" if before.revoked else "token revoked"
    print(f"application {app.name} ({app.id}): {said}; its pages' batches are refused"
          f" from now on (`replay app token {app.name}` gives it a new token)")
    return 0


def set_rules(args: argparse.Namespace) -> int:
    from recorder.privacy import RulesError, parse_rules
    from recorder.privacy.history import who_saves
    from recorder.privacy.rules import read_rules_text
    if args.clear:
        app = _run(args, lambda a: a.get(args.name))
        allowed, warning = _may_loosen(args, app, None) if app.rules is not None else (True, "")
        if not allowed:
            print("nothing changed", file=sys.stderr)
            return 0
        before, app = _run(args, lambda a: (a.get(args.name), a.set_rules(
            args.name, None, who=who_saves(), summary=_summary(args, app, None))))
        said = "its own rules dropped" if before.rules is not None else "it had no rules of its own"
        print(f"application {app.name}: {said} - its next batches are masked"
              " with the intake's rules (`replay serve --rules FILE`, else the data folder's;"
              f" `replay app rules {app.name}` shows them)")
        if warning:
            say_warning(warning)
        return 0
    if args.history:
        return show_history(args)
    if args.revision is not None:
        return show_revision(args)
    if args.rules is None:
        return show_rules(args)
    if not str(args.rules).strip():   # kept as typed: Path("") would be ".", the folder
        raise UserError("--rules is empty - give the path of a rules file (TOML), or leave"
                        " --rules out to see the rules in force")
    args.rules = Path(args.rules)
    if args.rules.is_dir():
        raise UserError(f"{args.rules} is a folder - give a rules file (TOML)")
    if not args.rules.is_file():
        raise UserError(f"{args.rules}: no such file - give a rules file (TOML)")
    try:
        text = read_rules_text(args.rules)
    except RulesError as exc:
        raise UserError(f"{exc} - save it as UTF-8 text, then set it again") from None
    try:
        rules = parse_rules(text, where=str(args.rules))
    except RulesError as exc:
        raise UserError(f"{exc} (fix the rules file, then set it again)") from None
    app = _run(args, lambda a: a.get(args.name))
    allowed, warning = _may_loosen(args, app, rules)
    if not allowed:
        print("nothing changed", file=sys.stderr)
        return 0
    before = app
    app = _run(args, lambda a: a.set_rules(args.name, text, who=who_saves(),
                                           summary=_summary(args, app, rules)))
    if before.rules == text:   # (no revision kept: nothing changed)
        print(f"application {app.name}: its rules are {args.rules}'s already - nothing changed")
        return 0
    print(f"application {app.name}: rules from {args.rules} apply to its next batches")
    # a page may hold a copy (the snippet's `rules:`): capture.js masks with that copy, the
    # intake with these - a privacy officer's tryout found the page's copy stale, unsaid
    if warning:
        say_warning(warning)
    say_note(f"a page given a copy of {app.name}'s rules (`rules:` in its snippet) masks in"
             f" the browser with that copy until it is replaced: `replay app rules {app.name}"
             " --json` prints them as capture.js takes them")
    return 0


def _may_loosen(args: argparse.Namespace, app, rules) -> tuple[bool, str]:
    """Whether `rules` (None: the intake's, once its own are dropped) may replace what the
    application's batches are masked with now - its own, else the data folder's (a `replay
    serve --rules FILE` running is not known here: the question names what it compares
    with): asked when they mask less (as `mask --activate` asks), unless --yes. Rules that
    cannot be read on either side are no reason to refuse a change made with --yes. With it,
    the warning to say once the change is made ("" for none): a loosening made with --yes
    was said by nothing but "apply to its next batches" (a privacy officer's tryout)."""
    from recorder.intake.live import masking_rules
    from recorder.privacy import RulesError, load_rules
    from recorder.privacy.history import loosened, looser
    try:
        now = masking_rules(app, lambda: load_rules(None, args.data))
        after = rules if rules is not None else load_rules(None, args.data)
    except RulesError as exc:
        if args.yes:
            return True, ""
        raise UserError(f"cannot tell whether that masks less: {exc} - add --yes to"
                        " go ahead anyway, or fix that file first") from None
    weaker = loosened(now, after)
    if not weaker:
        return True, ""
    than = looser(now, after).than
    warning = (f"application {app.name}'s batches are masked {than} before: {'; '.join(weaker)}"
               " - what its rules no longer mask is stored in clear from its next batch"
               f" (`replay app rules {app.name} --history` shows every change)")
    if args.yes:
        return True, warning
    masks = f"{args.rules} masks" if rules is not None else \
        f"the data folder's rules ({after.source}) mask"
    in_force = "its own rules" if app.rules is not None else \
        f"the data folder's rules ({now.source})"
    allowed = loosen_confirmed(masks, weaker, than,
                               in_force=f"what application {app.name}'s batches are masked"
                                        f" with now, {in_force}",
                               question=f"Mask application {app.name}'s next batches so?",
                               anyway="drop its own rules anyway" if rules is None
                               else "apply it anyway")
    return allowed, warning


def _summary(args: argparse.Namespace, app, rules):
    """What its history says of a change to `rules` (None: its own dropped), given the rules
    the application had then (`Applications.set_rules` asks in its transaction)."""
    from recorder.privacy import RulesError, load_rules, parse_rules
    from recorder.privacy.history import app_rules_change, whose_rules

    def said(was_text: str | None) -> list[str]:
        try:
            was = None if was_text is None else \
                parse_rules(was_text, where=f"rules of application {app.name}")
            return app_rules_change(was, rules, load_rules(None, args.data))
        except RulesError as exc:   # (a change made with --yes) kept; what it changed untold
            return [whose_rules(was_text is not None, rules is not None),
                    f"what changed is not told: {exc}"]
    return said


def show_history(args: argparse.Namespace) -> int:
    """Every change of an application's own rules, oldest first."""
    app, changes = _run(args, lambda a: a.rules_history(args.name))
    if args.json:
        print(json.dumps([c.to_json() for c in changes], indent=1))
        return 0
    now = "its own rules" if app.rules is not None else "the intake's rules"
    if not changes:
        print(f"application {app.name}: its own rules were never changed - its batches are"
              f" masked with {now}")
        return 0
    print(f"application {app.name}: {count(len(changes), 'change')} of its own rules, the"
          f" oldest first (its batches are masked with {now})")
    for c in changes:
        print(f"r{c.revision}\t{_when(c.at_ms)}\t{c.who or '-'}")
        for line in c.summary:
            print(f"\t{line}")
    print(f"`replay app rules {app.name} --revision N` prints the rules revision N set")
    return 0


def _when(ms: int) -> str:
    """A change's time as the data folder's rules history says it (UTC, to the second: two
    changes in one minute read apart)."""
    from recorder.privacy.history import iso_utc, when_shown
    # (0: rules set before their history was kept)
    return when_shown(iso_utc(ms)) + " UTC" if ms else "before the history"


def show_revision(args: argparse.Namespace) -> int:
    """The rules one revision of an application's history set, as a rules file."""
    from recorder.privacy import RulesError, parse_rules
    app, changes = _run(args, lambda a: a.rules_history(args.name))
    change = next((c for c in changes if c.revision == args.revision), None)
    if change is None:
        have = f"r1 to r{changes[-1].revision}" if changes else "none: its rules were never" \
            " changed"
        raise UserError(f"application {app.name} has no revision {args.revision} of its rules"
                        f" (its revisions: {have}) - `replay app rules {app.name} --history`"
                        " lists them")
    if change.rules is None:   # no rules file to print: one would be read as rules of its own
        raise UserError(f"revision {change.revision} of application {app.name} set no rules:"
                        f" it dropped its own ({_when(change.at_ms)}, {change.who or '-'}) -"
                        f" `replay app rules {app.name} --clear` does that again")
    if args.json:
        try:
            rules = parse_rules(change.rules, where=f"revision {change.revision}")
        except RulesError as exc:
            raise UserError(f"{exc} - the revision's text prints without --json") from None
        print(json.dumps(rules.for_capture()))
        return 0
    print(f"# application {app.name}, revision {change.revision} ({_when(change.at_ms)},"
          f" {change.who or 'who is not known'})")
    print(change.rules, end="" if change.rules.endswith("\n") else "\n")
    return 0


def show_rules(args: argparse.Namespace) -> int:
    """The rules an application's batches are masked with: its own, else the data folder's
    active rules (what `replay serve` uses without --rules)."""
    from recorder.intake.live import masking_rules
    from recorder.privacy import RulesError, load_rules
    from recorder.privacy.rules import to_toml
    app, revision = _run(args, lambda a: a.rules_revision(args.name))
    try:   # as the intake chooses: the application's own, else the folder's
        rules = masking_rules(app, lambda: load_rules(None, args.data))
    except RulesError as exc:
        raise UserError(f"{exc} (fix it, then `replay app rules {app.name} --rules FILE`)") \
            from None
    if app.rules is not None and revision:   # its own: their revision is its history's
        # (the file they were set from said none: `revision = 0` beside an r6 in --history)
        from dataclasses import replace
        rules = replace(rules, revision=revision)
    if args.json:
        print(json.dumps(rules.for_capture()))
    else:
        print(f"# application {app.name}: "
              + ("its own rules" + (f" (revision {rules.revision}: `--history` lists them)"
                                    if revision else "") if app.rules is not None else
                 f"the data folder's rules ({rules.source}); `replay serve --rules FILE` masks"
                 " with that file instead"))
        print(to_toml(rules), end="")
    return 0



def dictionary(args: argparse.Namespace) -> int:
    """What the intake gives the application's pages to compress against (intake/dictionary.py),
    said for the privacy officer: anyone with the client token can read it."""
    from recorder.asset_fetch import REASONS
    from recorder.intake.dictionary import Dictionaries, State, held_strings, has_site
    from recorder.intake.live import masking_rules
    from recorder.privacy import RulesError, load_rules
    from ._store import open_existing_store, storage_problem
    app = _run(args, lambda a: a.get(args.name))
    shared = Dictionaries(args.data)
    if args.off:
        was = shared.enabled(app.id)
        shared.set_enabled(app.id, False)
        print(f"application {app.name}: " + ("no shared dictionary from now on (its pages"
                                             " compress each batch on their own); `--on` turns"
                                             " it on again" if was else "shared dictionary"
                                             " already off"))
        return 0
    if args.on:
        if not has_site(app):
            raise UserError(no_site(app))
        shared.set_enabled(app.id, True)
        print(f"application {app.name}: shared dictionaries on - the intake makes one of its"
              " site's public pages when its pages next ask for it (`replay app dictionary"
              f" {app.name}` shows it then)")
        return 0
    if args.rebuild:
        if not shared.enabled(app.id):
            raise UserError(f"application {app.name}'s shared dictionary is off - `replay app"
                            f" dictionary {app.name} --on` turns it on")
        if not has_site(app):
            raise UserError(no_site(app))
        try:
            rules = masking_rules(app, lambda: load_rules(None, args.data))
        except RulesError as exc:
            raise UserError(f"{exc} (fix it, then try again)") from None
        store = open_existing_store(args.data)
        try:
            shared.rebuild(store, app, rules)
        except OSError as exc:
            raise UserError(storage_problem(exc, args.data) or "the dictionary could not be"
                            f" written: {exc.strerror or exc}") from None
        finally:
            store.close()
    shown = shared.shown(app.id)
    info = shown.info
    if shown.state is not State.OFF and not has_site(app):
        print(f"application {app.name}: shared dictionary not given - {no_site(app)}")
        return 0
    held = held_strings(shown.data) if shown.data is not None else set()
    if shown.data is None:
        print(f"application {app.name}: shared dictionary {shown.state.sentence}")
    else:
        made = f", made {when_text(info.made_ms)}" if info.made_ms is not None else ""
        print(f"application {app.name}: shared dictionary {info.id}, {len(shown.data):,} bytes,"
              f" {shown.state.sentence}{made}, of {len(info.pages)} page"
              f"{'' if len(info.pages) == 1 else 's'} of its site; {len(held):,} strings")
        for url in info.pages:
            print(f"  {url}")
    if info is not None and info.why is not None:
        kept = f" (still giving {info.id})" if info.id else ""
        print(f"  last try {when_text(info.built_ms)}: none made{kept} - {info.why.value}")
        for url, why in info.failed.items():
            print(f"    {url}: {REASONS.get(why, why)}")
    if args.strings:
        for text in sorted(held):
            print(json.dumps(text, ensure_ascii=False))
    return 0


def no_site(app) -> str:
    """Why an application's pages cannot be given a dictionary: no site of its own to ask."""
    if not app.origins:
        return (f"application {app.name} names no origin, so there is no site to ask for its"
                f" pages - give it its site's: `replay app origins {app.name} --add https://...`")
    wild = [o for o in app.origins if "*" in o]
    return (f"application {app.name} takes batches from {', '.join(wild)} (any origin there):"
            " a dictionary is made only of one site's own pages - limit it: `replay app origins"
            f" {app.name} --remove {shlex.quote(wild[0])}`")
