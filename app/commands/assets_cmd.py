"""`replay assets [list] [SESSION...]` and `replay assets fetch (SESSION... | --all)` - the images
and fonts of stored sessions' pages (recorder.assets): what is stored of them, and fetching
them - the one network step of replay a person asks for (the player never fetches anything;
it shows what is stored, and a URL not stored stays a broken image, as before).

`fetch` reads each session's events for the image and font URLs its page referenced (after the
privacy pass: never a masked image, nothing of an element the rules mask), asks each URL the
asset store does not hold - GET, no cookies or credentials, a timeout, a size cap per file
and per session, images and fonts only (recorder.asset_fetch) - and stores what came as the
session's. Only from the session's own sites: the origins of its pages (their URLs as
recorded) and its application's origins (`replay app origins`, a wildcard's left out) - the
URL lists are what visitors' browsers sent, and could name any server (127.0.0.1, a cloud's
metadata address, the office network); `--origin URL` adds one (a CDN), redirects go only to
these too. Exit status: 0 when every asset the sessions reference is stored now, 1 when some
could not be fetched or were not from the session's sites (each reason counted in the summary
line; --json lists the first MAX_ERRORS URLs), 2 for a mistake in what was asked (an unknown
session, no data folder), 130 stopped by Ctrl+C (the requests not started are not)."""
from __future__ import annotations

import argparse
import json
import sys

from player.local_time import when_text

from ..cli import UserError, say_note
from ._progress import output_console, progress_bar
from ._selection import check_selection
from ._store import open_existing_store
from ._words import count

NAME = "assets"
SAID_FAILURES = 10   # failed URLs named on stderr (--json lists the first MAX_ERRORS)
NOT_OURS = "not from the session's sites - give --origin to fetch them"


def _size(text: str) -> int:
    """argparse type of a size: 16MB, 500KB, 2GB, or bytes."""
    s = text.strip().upper().replace(" ", "")
    for unit, mult in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)):
        if s.endswith(unit):
            s, m = s[:-len(unit)], mult
            break
    else:
        m = 1
    try:
        n = int(float(s) * m)
    except (ValueError, OverflowError):   # inf, 1e400
        n = 0
    if n <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size - give e.g. 16MB or 500KB")
    return n


def _seconds(text: str) -> float:
    try:
        v = float(text.strip().lower().removesuffix("s"))
    except ValueError:
        v = 0
    if not 1 <= v <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a timeout - give seconds, 1 to 3600")
    return v


def _origin(text: str) -> str:
    """argparse type of --origin: an http(s) URL, kept as its origin."""
    from urllib.parse import urlsplit

    from recorder.asset_fetch import origin_of
    try:
        p = urlsplit(text.strip())
        ok = p.scheme in ("http", "https") and bool(p.hostname)
        p.port  # noqa: B018 - a port that is no number raises
    except ValueError:
        ok = False
    if not ok:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http(s) URL - give e.g."
                                         " https://cdn.example.com")
    return origin_of(text.strip())


def register(subparsers, common) -> None:
    from recorder.asset_fetch import MAX_ASSET_BYTES, MAX_ERRORS, MAX_SESSION_BYTES, \
        TIMEOUT_S, human_bytes

    p = subparsers.add_parser(
        NAME, parents=[common], help="images and fonts of stored sessions: list, fetch",
        description="The images and fonts the pages of stored sessions referenced by URL. The"
                    " player shows the ones stored in the data folder; `fetch` stores them"
                    " (the only command that asks the network for anything). Without ACTION:"
                    " list what is stored.")
    p.add_argument("--json", action="store_true", help="(without ACTION) print the list as JSON")
    sub = p.add_subparsers(dest="assets_command", metavar="ACTION")
    p.set_defaults(func=list_assets, sessions=[])
    ls = sub.add_parser("list", parents=[common], help="what is stored, per session",
                        description="List the stored images and fonts: per session (how many,"
                                    " their size), or every URL of the sessions named.")
    ls.add_argument("sessions", nargs="*", metavar="SESSION",
                    help="session ids (or unique prefixes): list their assets one by one")
    ls.add_argument("--json", action="store_true", help="print it as JSON")
    ls.set_defaults(func=list_assets)
    f = sub.add_parser(
        "fetch", parents=[common], help="fetch the images and fonts sessions reference",
        description="Fetch the images and fonts the pages of stored sessions referenced by URL"
                    " and store them, so the player, screenshots, snapshots and .replay exports"
                    " show them. Only what the privacy rules kept is asked for (never a masked"
                    " image); GET over http(s), no cookies or credentials sent; images and fonts"
                    " only. Exit status 1 when some could not be fetched.")
    f.add_argument("sessions", nargs="*", metavar="SESSION",
                   help="session ids (or unique prefixes)")
    f.add_argument("--all", action="store_true", help="every stored session")
    f.add_argument("--refresh", action="store_true",
                   help="fetch again what is stored already (a site's images changed)")
    f.add_argument("--max-size", type=_size, default=MAX_ASSET_BYTES, metavar="SIZE",
                   help=f"the most one file may be (default {human_bytes(MAX_ASSET_BYTES)});"
                        " a larger answer is cut off and not stored")
    f.add_argument("--max-session-size", type=_size, default=MAX_SESSION_BYTES, metavar="SIZE",
                   help="the most fetched for one session (default"
                        f" {human_bytes(MAX_SESSION_BYTES)})")
    f.add_argument("--timeout", type=_seconds, default=TIMEOUT_S, metavar="S",
                   help=f"seconds to wait for a server (default {TIMEOUT_S:g})")
    f.add_argument("--origin", action="append", default=[], type=_origin, metavar="URL",
                   help="fetch from this origin too (a CDN the pages load images from);"
                        " without it only the session's own pages' origins and its"
                        " application's are asked. Repeatable")
    f.add_argument("--json", action="store_true",
                   help="print what was fetched, and why each URL that was not was not (the"
                        f" first {MAX_ERRORS}), as JSON")
    f.set_defaults(func=fetch)


# --- list -----------------------------------------------------------------------------------
def list_assets(args: argparse.Namespace) -> int:
    from recorder.asset_fetch import human_bytes
    from recorder.asset_store import AssetStore

    store = open_existing_store(args.data)
    try:
        ids = _resolve(store, args.sessions)
    finally:
        store.close()
    assets = AssetStore.existing(args.data)
    try:
        if args.sessions:
            rows = {sid: assets.session_assets(sid) if assets else [] for sid in ids}
            if args.json:
                print(json.dumps({sid: [{"url": a.url, "mime": a.mime, "bytes": a.bytes,
                                         "sha256": a.sha256, "status": a.status,
                                         "fetched_ms": a.fetched_ms} for a in got]
                                  for sid, got in rows.items()}, indent=1))
                return 0
            for sid, got in rows.items():
                print(f"{sid}: {count(len(got), 'stored image or font', 'stored images and fonts')}"
                      f" ({human_bytes(sum(a.bytes for a in got))})")
                for a in got:
                    print(f"  {a.url}\t{a.mime}\t{human_bytes(a.bytes)}\t"
                          f"fetched {when_text(a.fetched_ms)}")
            if not any(rows.values()):
                say_note("nothing stored - `replay assets fetch SESSION` fetches what a"
                         " session's page referenced")
            return 0
        usage = assets.usage() if assets else []
        files, size = assets.totals() if assets else (0, 0)
        if args.json:
            print(json.dumps({"files": files, "bytes": size,
                              "sessions": [{"session": s, "assets": n, "bytes": b}
                                           for s, n, b in usage]}, indent=1))
            return 0
        if usage:
            from rich.table import Table
            t = Table(box=None, pad_edge=False)
            t.add_column("session")
            t.add_column("images and fonts", justify="right")
            t.add_column("size", justify="right")
            for s, n, b in usage:
                t.add_row(s, f"{n:,}", human_bytes(b))
            output_console().print(t)
        print(f"{count(files, 'file')} stored ({human_bytes(size)}) for"
              f" {count(len(usage), 'session')} in {args.data / 'assets'}")
        if not usage:
            say_note("`replay assets fetch SESSION` (or --all) fetches the images and fonts"
                     " sessions' pages referenced")
        return 0
    finally:
        if assets is not None:
            assets.close()


def _resolve(store, names: list[str]) -> list[str]:
    ids = []
    for name in names:
        try:
            ids.append(store.resolve(name))
        except KeyError as exc:
            raise UserError(f"{exc.args[0]} - see `replay sessions` for the ids") from None
    return list(dict.fromkeys(ids))


# --- fetch ----------------------------------------------------------------------------------
def fetch(args: argparse.Namespace) -> int:
    from recorder.asset_fetch import Limits, REASONS, fetch_assets
    from recorder.asset_plan import forget_erased, plan_fetch
    from recorder.asset_store import AssetStore
    from recorder.intake.apps import AppError
    from recorder.intake.live import stored_apps_rules
    from recorder.privacy import RulesError, load_rules

    check_selection(args, "fetch the images of")
    store = open_existing_store(args.data)
    try:
        ids = [s.id for s in store.sessions()] if args.all else _resolve(store, args.sessions)
        if not ids:
            print("no sessions - nothing to fetch")
            return 0
        try:
            rules = load_rules(None, args.data)
            own = {k: r for k, (_a, r) in stored_apps_rules(args.data).items()}
        except (RulesError, AppError) as exc:
            raise UserError(f"{exc} - fix it, then fetch again") from None
        with progress_bar() as bar:
            task = bar.add_task("reading the sessions' pages", total=len(ids))
            try:
                plan = plan_fetch(store, args.data, ids, rules, own, given=args.origin,
                                  each=lambda _sid: bar.advance(task))
            except AppError as exc:
                raise UserError(f"{exc} - fix it, then fetch again") from None
            bar.remove_task(task)
            n = plan.to_ask()
            task = bar.add_task(f"fetching {count(n, 'image or font', 'images and fonts')}",
                                total=max(1, n))
            assets = AssetStore(args.data)
            try:
                report = fetch_assets(
                    assets, plan.asked, refresh=args.refresh,
                    allow=plan.allows,   # (redirects)
                    limits=Limits(max_asset_bytes=args.max_size,
                                  max_session_bytes=args.max_session_size,
                                  timeout_s=args.timeout),
                    progress=lambda done, total, url: bar.update(task, completed=done,
                                                                 total=max(1, total)))
            finally:
                try:
                    forget_erased(store, assets, plan)
                finally:
                    assets.close()
    finally:
        store.close()
    report.refused = len(plan.refused)
    report.wanted = plan.referenced()
    wanted = plan.wanted
    failed = sum(report.failed.values()) + report.refused
    if args.json:
        print(json.dumps({
            "not_from_sessions_sites": report.refused,
            "sessions": list(wanted), "referenced": report.wanted, "fetched": report.fetched,
            "bytes": report.bytes, "stored_already": report.already,
            "failed": {REASONS.get(k, k): v for k, v in report.failed.items()},
            "failures": [{"url": u, "reason": REASONS.get(r, r), "detail": d}
                         for u, r, d in report.errors],
            "seconds": round(report.seconds, 3)}, indent=1))
    else:
        if not report.wanted:
            print(f"nothing to fetch: the page{'' if len(wanted) == 1 else 's'} of"
                  f" {count(len(wanted), 'session')} referenced no image or font by URL (or"
                  " only ones the privacy rules mask)")
            return 0
        print(report.summary(refused=NOT_OURS))
        for line in report.failed_lines(SAID_FAILURES):
            print(f"  not stored: {line}", file=sys.stderr)
        said = min(len(report.errors), SAID_FAILURES)
        unsaid = sum(report.failed.values()) - said
        if unsaid > 0:
            print(f"  ... and {unsaid:,} more (--json lists the first {len(report.errors):,})",
                  file=sys.stderr)
    return 1 if failed else 0
