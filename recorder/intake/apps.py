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

import msgspec

APPS_FILE = "apps.sqlite3"
ANY_ORIGIN = "*"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS applications (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, token_sha256 TEXT NOT NULL,
    origins TEXT NOT NULL, rules TEXT, created_ms INTEGER NOT NULL, revoked_ms INTEGER
);
"""


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
        return ANY_ORIGIN in self.origins or normalize_origin(origin) in self.origins


def normalize_origin(url: str) -> str:
    """`https://Shop.example.com/` -> `https://shop.example.com` (what browsers send as
    Origin: scheme://host[:port], no path). Raises AppError for anything else."""
    m = re.match(r"^(https?)://([^/?#\s]+?)/?$", url.strip(), re.I)
    if url.strip() == ANY_ORIGIN:
        return ANY_ORIGIN
    if not m:
        raise AppError(f"origin {url!r} is not scheme://host[:port] (for example"
                       " https://shop.example.com), or * for any origin")
    return f"{m.group(1).lower()}://{m.group(2).lower()}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Applications:
    """The applications table of a data folder (safe to use from several processes)."""

    def __init__(self, data_dir: Path | str):
        path = Path(data_dir) / APPS_FILE
        self._lock = threading.Lock()
        self.db = sqlite3.connect(str(path), timeout=30, check_same_thread=False,
                                  isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def create(self, name: str, origins: list[str] = ()) -> tuple[Application, str]:
        """A new application and its client token (the only time the token is seen)."""
        if not _NAME.match(name):
            raise AppError(f"application name {name!r} must be 1-64 letters, digits, '.', '_'"
                           " or '-', starting with a letter or digit")
        allowed = tuple(dict.fromkeys(normalize_origin(o) for o in origins))
        app_id = "app_" + secrets.token_hex(8)
        token = "rt_" + secrets.token_urlsafe(24)
        with self._lock:
            try:
                self.db.execute("INSERT INTO applications VALUES (?,?,?,?,?,?,?)",
                                (app_id, name, token_hash(token), json.dumps(allowed), None,
                                 int(time.time() * 1000), None))
            except sqlite3.IntegrityError:
                raise AppError(f"an application named {name!r} exists already - pick another"
                               " name (`replay app list` shows them)") from None
        return self.get(name), token

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
            self.db.execute("UPDATE applications SET revoked_ms=coalesce(revoked_ms, ?)"
                            " WHERE id=?", (int(time.time() * 1000), app.id))
        return self.get(app.id)

    def set_rules(self, name_or_id: str, rules_text: str | None) -> Application:
        """The application's own privacy rules (TOML text, checked by the caller), or None
        to fall back to the intake's."""
        app = self.get(name_or_id)
        with self._lock:
            self.db.execute("UPDATE applications SET rules=? WHERE id=?", (rules_text, app.id))
        return self.get(app.id)

    def change_origins(self, name_or_id: str, add: list[str] = (),
                       remove: list[str] = ()) -> Application:
        """Add and remove origins of an application (checked all first: a bad one changes
        nothing); the intake sees the change on the next request."""
        added = [normalize_origin(o) for o in add]
        removed = [normalize_origin(o) for o in remove]
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")   # read-modify-write: no other writer between
            try:
                app = self._get(name_or_id)
                missing = [o for o in removed if o not in app.origins]
                if missing:
                    raise AppError(f"application {app.name} has no origin {missing[0]} - its"
                                   f" origins: {', '.join(app.origins) or 'none'}")
                kept = [o for o in app.origins if o not in removed]
                origins = tuple(dict.fromkeys(kept + added))
                self.db.execute("UPDATE applications SET origins=? WHERE id=?",
                                (json.dumps(origins), app.id))
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        return self.get(app.id)

    def _rows(self, sql: str, args: tuple = ()) -> list:
        with self._lock:
            return self.db.execute(sql, args).fetchall()


def _app(row) -> Application:
    app_id, name, _hash, origins, rules, created, revoked = row
    return Application(id=app_id, name=name, origins=tuple(json.loads(origins)), rules=rules,
                       created_ms=created, revoked_ms=revoked)
