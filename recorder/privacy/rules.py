"""The privacy rules file (TOML) and its validation.

```toml
version = 1                          # the file format's version
revision = 3                         # which saved edition of these rules (the privacy
                                     # workspace increments it; see history.py)
default = "mask-user-input"          # allow | mask-user-input | mask | hidden
detectors = ["email", "card", "phone", "iban", "ssn"]
scrub_query_params = ["promo", "email"]   # scrubbed besides the built-in credential names
keep_query_params = ["code"]              # built-in names not scrubbed here

[[rule]]
selector = "#checkout .card"
level = "hidden"

[network]
headers = ["content-type", "content-length"]   # allow-list; other headers are dropped
bodies = false                                   # request/response bodies dropped

[console]
redact = ["sk_live_\\w+"]                     # regexes masked in console/error text
```

Errors name the file, the line and the key, and say how to fix it. `Rules.to_json()` is the
form shipped to the in-browser capture script (plain JSON, no Python types); `to_toml(rules)`
writes the file back (`parse_rules(to_toml(r)) == r`); `check_selector(text)` is the one
selector check, for an editor validating as the officer types.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..paths import RULES_FILENAME   # (named with the data folder's other entries)
from .detectors import KINDS
from .levels import Level
from .masking import MASK
from .selectors import SelectorError, compile_selector

VERSION = 1
_log = logging.getLogger(__name__)

# Query parameters that carry credentials by convention (OAuth, signed URLs, API keys, password
# resets): their values are masked in every URL whatever the rules list besides them
# (`scrub_query_params`), unless the rules name them in `keep_query_params` - as Sentry's data
# scrubbing adds "sensitive fields" to its defaults and takes "safe fields" out. Matched whole,
# any case. capture.js holds the same list (DEFAULT_SCRUB_PARAMS; a test keeps them equal).
DEFAULT_SCRUB_PARAMS = ("access_token", "api-key", "api_key", "apikey", "auth", "client_secret",
                        "code", "id_token", "jsessionid", "otp", "password", "phpsessid",
                        "private_token", "refresh_token", "secret", "session_id", "sessionid",
                        "sig", "signature", "token", "x-amz-credential", "x-amz-security-token",
                        "x-amz-signature", "x-goog-signature")

# Headers that describe a request without identifying anyone.
DEFAULT_HEADERS = ("accept", "accept-encoding", "accept-language", "cache-control",
                   "content-encoding", "content-length", "content-type", "etag", "expires",
                   "last-modified", "server", "vary", "x-request-id")


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the place and what is wrong."""


class RulesFileMissing(RulesError):
    """No rules file at the path given (the fix is the path, not the file)."""


@dataclass(frozen=True)
class Rule:
    selector: str
    level: Level
    line: int | None = field(default=None, compare=False)  # where it was written, not what it says

    @property
    def said(self) -> str:
        """The rule as reports name it: `rule ".card" (line 7) -> hidden`."""
        at = f" (line {self.line})" if self.line else ""
        return f'rule "{self.selector}"{at} -> {self.level.label}'


@dataclass(frozen=True)
class Rules:
    version: int = VERSION
    revision: int = 0
    default_level: Level = Level.MASK_USER_INPUT
    rules: tuple[Rule, ...] = ()
    detectors: tuple[str, ...] = KINDS
    scrub_query_params: tuple[str, ...] = DEFAULT_SCRUB_PARAMS   # all in force, built-in ones too
    network_headers: tuple[str, ...] = DEFAULT_HEADERS
    network_bodies: bool = False
    console_redact: tuple[str, ...] = ()
    source: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # one order for one set of parameters: the built-in ones first (as a file reads)
        given = self.scrub_query_params
        object.__setattr__(self, "scrub_query_params", params_in_force(
            [p for p in given if p.lower() not in DEFAULT_SCRUB_PARAMS], kept_params(given)))

    @classmethod
    def default(cls) -> "Rules":
        """The built-in rules: mask user input, detectors on, credential-like URL
        parameters scrubbed (DEFAULT_SCRUB_PARAMS), nothing else."""
        return cls(source="built-in default")

    def same_as(self, other: "Rules") -> bool:
        """The same rules, whatever their revision and file: they mask alike."""
        return replace(self, revision=0) == replace(other, revision=0)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "default": self.default_level.label,
            "rules": [{"selector": r.selector, "level": r.level.label} for r in self.rules],
            "detectors": list(self.detectors),
            "scrub_query_params": list(self.scrub_query_params),
            "keep_query_params": list(kept_params(self.scrub_query_params)),
            "network": {"headers": list(self.network_headers), "bodies": self.network_bodies},
            "console": {"redact": list(self.console_redact)},
        }

    @functools.cached_property
    def digest(self) -> str:
        """What the rules mask, as a short hash of `to_json` (revision and file aside): a
        page's copy of them names it (`for_capture`), and the intake compares it with the
        rules it masks that page's application with (a copy gone stale: said in its log) -
        at every batch: made once."""
        return hashlib.blake2b(json.dumps(self.to_json()).encode(), digest_size=8).hexdigest()

    def for_capture(self) -> dict[str, Any]:
        """`to_json` as a page hands it to capture.js (`replay app rules NAME --json`): with
        its `digest`, which capture.js sends back with each batch."""
        return {**self.to_json(), "digest": self.digest}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Rules":
        d = {k: v for k, v in d.items() if k != "digest"}   # (for_capture's: not a rule)
        return _build(d, text="", where="rules JSON")


def load_rules(path: Path | str | None, data_dir: Path | str | None = None) -> Rules:
    """The rules in force: `path` if given, else the data folder's active rules
    (`DATA/rules.toml`) if present - else its newest saved revision (the file deleted beside
    its history: it was the built-in rules, which may mask less than those saved), else the
    built-in default."""
    if path is not None:
        return parse_rules_file(Path(path))
    if data_dir is not None:
        active = Path(data_dir) / RULES_FILENAME
        if active.is_file():
            return parse_rules_file(active)
        newest = _newest_revision(Path(data_dir))
        if newest is not None:
            return newest
    return Rules.default()


class ActiveRules:
    """The rules in force for a process that runs on (`replay serve`'s workers):
    `load_rules(path, data_dir)`, read again whenever the file they come from changes - so
    `replay mask --rules F --activate` (or an edited `--rules` file) reaches a running intake
    on its next batch, as a privacy officer expects, not at its next restart. One stat a
    call. A file that turns broken keeps the rules read last, or the data folder's newest
    saved revision if that is newer - the rules last activated, which a process that had no
    batch since `mask --activate` never read (a privacy officer's tryout: revision 1, read at
    start, stayed in force after revision 2 was activated and the file then broken by hand);
    so does the data folder's file deleted (it was the built-in rules, silently: what the
    active ones masked was stored in clear). Each said in the log, once per change, naming
    the revision in force. `fixed`: rules that never change (tests, benchmarks): no file is
    watched."""

    def __init__(self, path: Path | str | None, data_dir: Path | str | None, *,
                 fixed: Rules | None = None):
        self._given = Path(path) if path is not None else None
        self._data = Path(data_dir) if data_dir is not None else None
        self._file = None if fixed is not None else \
            self._given or (self._data / RULES_FILENAME if self._data else None)
        self._seen = self._stat()
        self._rules = fixed if fixed is not None else \
            load_rules(self._given, self._data)   # RulesError: said at start
        if fixed is None and self._seen is None and self._given is None \
                and self._rules.revision:   # (a file deleted before it: load_rules' newest)
            _log.error("%s is missing - its newest saved revision, %d, is in force until it is"
                       " mended (`replay mask --rules FILE --activate`, or the privacy"
                       " workspace, saves a revision)", self._file, self._rules.revision)

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = self._file.stat() if self._file is not None else None
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino) if st is not None else None

    @property
    def given(self) -> Path | None:
        """The rules file given for the process (`replay serve --rules FILE`), if any: it
        stands for the data folder's rules."""
        return self._given

    def current(self) -> Rules:
        if self._file is None:
            return self._rules
        seen = self._stat()
        if seen != self._seen:
            was, self._seen = self._seen, seen
            try:
                if seen is None and was is not None and self._given is None:
                    raise RulesFileMissing(f"{self._file} was deleted")
                self._rules = load_rules(self._given, self._data)
            except RulesError as exc:
                self._keep_in_force(str(exc))
        return self._rules

    def _keep_in_force(self, problem: str) -> None:
        """The data folder's rules file cannot be read (`problem`): the newer of the rules
        read before and the folder's newest saved revision stays in force, said."""
        newest = _newest_revision(self._data) if self._given is None else None
        if newest is not None and newest.revision > self._rules.revision:
            self._rules = newest
            kept = f"its newest saved revision, {newest.revision}, is in force"
        else:
            kept = f"the rules read before (revision {self._rules.revision}) stay in force"
        _log.error("%s - %s until it is mended (`replay mask --rules FILE --activate`, or the"
                   " privacy workspace, saves a revision)", problem, kept)


def _newest_revision(data_dir: Path | None) -> "Rules | None":
    if data_dir is None:
        return None
    from .history import newest_revision   # (history reads rules: imported when asked)
    return newest_revision(data_dir)


def parse_rules_file(path: Path) -> Rules:
    return parse_rules(read_rules_text(path), where=str(path))


def read_rules_text(path: Path) -> str:
    """A rules file's text (RulesFileMissing, or RulesError: it cannot be read as UTF-8)."""
    try:   # (a byte-order mark, as some editors save, is no TOML: left out)
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RulesFileMissing(f"rules file {path} not found") from None
    except IsADirectoryError:   # (said as Python says it: "[Errno 21] Is a directory: 'r'")
        raise RulesError(f"{path} is a folder, not a rules file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"cannot read rules file {path}: {exc}") from None


def parse_rules(text: str, where: str = "rules") -> Rules:
    try:
        d = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # "Invalid value (at line 5, column 9)": the line where the other errors say it
        msg = str(exc)
        m = _TOML_AT.search(msg)
        if m is not None:
            raise RulesError(f"{where}, line {m['line']}: not valid TOML:"
                             f" {msg[:m.start()]} (column {m['column']})") from None
        if msg.endswith(_TOML_AT_END):
            raise RulesError(f"{where}, line {len(text.splitlines()) or 1}: not valid TOML:"
                             f" {msg.removesuffix(_TOML_AT_END)} (at the end of the file)") from None
        raise RulesError(f"{where}: not valid TOML: {msg}") from None
    return _build(d, text=text, where=where)


_TOML_AT = re.compile(r" \(at line (?P<line>\d+), column (?P<column>\d+)\)$")
_TOML_AT_END = " (at end of document)"
_TOP_KEYS = {"version", "revision", "default", "rule", "rules", "detectors", "scrub_query_params",
             "keep_query_params",
             "network", "console"}


def _line_of(text: str, key: str) -> int | None:
    m = re.search(rf"^[ \t]*(?:\[+[ \t]*)?{re.escape(key)}\b", text, re.M)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _key_line(text: str, table_line: int, key: str) -> int | None:
    """The line of `key = ...` in the table whose header is on line `table_line` (0: the
    top level, before any header), when it is written there (tomllib gives no positions:
    a light scan, up to the next header)."""
    name = re.escape(key)
    written = re.compile(rf"""[ \t]*(?:{name}|"{name}"|'{name}')[ \t]*=""")
    lines = text.splitlines()
    for n in range(table_line, len(lines)):
        if lines[n].lstrip().startswith("["):
            return None
        if written.match(lines[n]):
            return n + 1
    return None


def _line_of_key(text: str, dotted: str) -> int | None:
    """Where `dotted` (`default`, `network.headers`) is written: the key's own line, else
    its table's header or its name's first line."""
    table, _, key = dotted.partition(".")
    if not key:
        return _key_line(text, 0, table) or _line_of(text, table)
    header = _line_of(text, table)
    return (_key_line(text, header, key) if header else None) or header


def _rule_lines(text: str) -> list[int]:
    return [text.count("\n", 0, m.start()) + 1
            for m in re.finditer(r"^[ \t]*\[\[[ \t]*rule[ \t]*\]\]", text, re.M)]


def _build(d: dict[str, Any], *, text: str, where: str) -> Rules:
    def err(key: str, msg: str, line: int | None = None) -> RulesError:
        line = line if line is not None else _line_of_key(text, key.split("[")[0])
        at = f"{where}, line {line}" if line else where
        return RulesError(f"{at}: {key}: {msg}")

    unknown = sorted(set(d) - _TOP_KEYS)
    if unknown:
        raise err(unknown[0], f"unknown key (known: {', '.join(sorted(_TOP_KEYS - {'rules'}))})")
    version = d.get("version", VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise err("version", f"must be a positive integer, got {version!r}")
    if version > VERSION:
        raise err("version", f"rules version {version} is newer than this replay understands "
                             f"({VERSION}) — upgrade replay or write a version {VERSION} file")

    def level(key: str, v: Any, line: int | None = None) -> Level:
        if not isinstance(v, str):
            raise err(key, f"must be a string level, got {v!r}", line)
        try:
            return Level.parse(v)
        except ValueError as exc:
            raise err(key, str(exc), line) from None

    revision = d.get("revision", 0)
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 0:
        raise err("revision", f"must be a whole number (0, 1, 2...), got {revision!r}")

    default = level("default", d["default"]) if "default" in d else Level.MASK_USER_INPUT

    raw_rules = d.get("rule", d.get("rules", []))
    if not isinstance(raw_rules, list):
        raise err("rule", "must be an array of tables: [[rule]] selector = \"...\" level = \"...\"")
    lines = _rule_lines(text)
    rules = []
    for i, r in enumerate(raw_rules):
        line = lines[i] if i < len(lines) else None   # its [[rule]] header

        def at(name: str) -> int | None:   # the line of one of its keys, else its header
            return (_key_line(text, line, name) if line else None) or line
        key = f"rule[{i + 1}]"
        if not isinstance(r, dict):
            raise err(key, "must be a table with selector and level", line)
        extra = sorted(set(r) - {"selector", "level"})
        if extra:
            raise err(f"{key}.{extra[0]}", "unknown key (a rule has selector and level)",
                      at(extra[0]))
        sel = r.get("selector")
        if sel is not None and not isinstance(sel, str):   # (a list: `selector = ["h1"]`)
            raise err(f"{key}.selector", "one string, not a list - several selectors go"
                      ' in it separated by commas, "h1, .name"', at("selector"))
        if not isinstance(sel, str) or not sel.strip():
            raise err(f"{key}.selector", "missing or empty CSS selector", at("selector"))
        problem = check_selector(sel)
        if problem is not None:
            raise err(f"{key}.selector", problem, at("selector"))
        if "level" not in r:
            raise err(f"{key}.level", "missing (allow, mask-user-input, mask or hidden)", line)
        rules.append(Rule(sel, level(f"{key}.level", r["level"], at("level")), line))

    detectors = d.get("detectors", list(KINDS))
    if not isinstance(detectors, list) or not all(isinstance(x, str) for x in detectors):
        raise err("detectors", f"must be a list of names from {list(KINDS)}")
    for x in detectors:
        if x not in KINDS:
            raise err("detectors", f"unknown detector {x!r} (known: {', '.join(KINDS)})")

    scrub = d.get("scrub_query_params", [])
    if not isinstance(scrub, list) or not all(isinstance(x, str) and x for x in scrub):
        raise err("scrub_query_params", "must be a list of query parameter names")
    keep = d.get("keep_query_params", [])
    if not isinstance(keep, list) or not all(isinstance(x, str) and x for x in keep):
        raise err("keep_query_params", "must be a list of query parameter names")
    for x in keep:
        if x.lower() not in DEFAULT_SCRUB_PARAMS:
            raise err("keep_query_params", f"{x!r} is not a built-in scrubbed parameter: nothing"
                      f" to keep (built-in: {', '.join(DEFAULT_SCRUB_PARAMS)})")
        if x.lower() in {s.lower() for s in scrub}:
            raise err("keep_query_params", f"{x!r} is in scrub_query_params too: say which")

    net = d.get("network", {})
    if not isinstance(net, dict):
        raise err("network", "must be a table: [network] headers = [...] bodies = false")
    bad = sorted(set(net) - {"headers", "bodies"})
    if bad:
        raise err(f"network.{bad[0]}", "unknown key (known: headers, bodies)")
    headers = net.get("headers", list(DEFAULT_HEADERS))
    if not isinstance(headers, list) or not all(isinstance(x, str) for x in headers):
        raise err("network.headers", "must be a list of header names (an allow-list)")
    bodies = net.get("bodies", False)
    if not isinstance(bodies, bool):
        raise err("network.bodies", "must be true or false")

    con = d.get("console", {})
    if not isinstance(con, dict):
        raise err("console", "must be a table: [console] redact = [\"regex\", ...]")
    bad = sorted(set(con) - {"redact"})
    if bad:
        raise err(f"console.{bad[0]}", "unknown key (known: redact)")
    redact = con.get("redact", [])
    if not isinstance(redact, list) or not all(isinstance(x, str) for x in redact):
        raise err("console.redact", "must be a list of regular expressions")
    for pat in redact:
        try:
            re.compile(pat)
        except re.error as exc:
            # (as written in the file: repr doubled each backslash, 'CUST-(\\d+')
            raise err("console.redact", f"bad regular expression '{pat}': {exc}")
        if _matches_empty(pat):
            raise err("console.redact", f"{pat!r} matches empty text too: it would put {MASK}"
                      " between the characters of every string, leaving them readable (use a"
                      " pattern of at least one character)")

    return Rules(version=version, revision=revision, default_level=default, rules=tuple(rules),
                 detectors=tuple(dict.fromkeys(detectors)),
                 scrub_query_params=params_in_force(scrub, keep),
                 network_headers=tuple(h.lower() for h in headers), network_bodies=bodies,
                 console_redact=tuple(redact), source=where)


def _matches_empty(pattern: str) -> bool:
    """Whether a redaction pattern can match zero characters somewhere (`(?i)`, `\\b`,
    `a*`): its shortest match, as Python's own regex parser measures it."""
    try:
        from re import _parser as sre   # (Python 3.11+; sre_parse before)
    except ImportError:   # pragma: no cover
        import sre_parse as sre   # type: ignore[no-redef]
    return sre.parse(pattern).getwidth()[0] == 0


def params_in_force(scrub: list[str] | tuple[str, ...], keep: list[str] | tuple[str, ...] = ()
                    ) -> tuple[str, ...]:
    """The URL parameters scrubbed under a rules file's `scrub_query_params` (besides the
    built-in ones) and `keep_query_params` (built-in ones not scrubbed): the built-in ones
    first, in their order, then the file's (each name once, any case)."""
    kept = {k.lower() for k in keep}
    out = [p for p in DEFAULT_SCRUB_PARAMS if p not in kept]
    seen = set(out)
    for p in scrub:
        if p.lower() not in seen:
            seen.add(p.lower())
            out.append(p)
    return tuple(out)


def kept_params(in_force: tuple[str, ...]) -> tuple[str, ...]:
    """The built-in scrubbed parameters that `in_force` leaves out (`keep_query_params`)."""
    names = {p.lower() for p in in_force}
    return tuple(p for p in DEFAULT_SCRUB_PARAMS if p not in names)


def check_selector(text: str) -> str | None:
    """Why `text` cannot be a rule's selector, or None when it can."""
    if not text.strip():
        return "missing or empty CSS selector"
    try:
        compile_selector(text)
    except SelectorError as exc:
        return str(exc)
    return None


def _toml_str(s: str) -> str:
    # JSON string escapes are TOML basic-string escapes; TOML also wants DEL escaped.
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_list(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(_toml_str(x) for x in items) + "]"


def to_toml(rules: Rules) -> str:
    """The rules file text of `rules`: every key written out, so the file says exactly
    what is in force (a default left implicit could change under it) - but the built-in
    scrubbed URL parameters, which it names only to keep (a later release's additions to
    that list apply to it: stricter, never looser)."""
    extra = tuple(p for p in rules.scrub_query_params if p.lower() not in DEFAULT_SCRUB_PARAMS)
    out = [f"version = {rules.version}",
           f"revision = {rules.revision}",
           f"default = {_toml_str(rules.default_level.label)}",
           f"detectors = {_toml_list(rules.detectors)}",
           "# URL parameters scrubbed besides the built-in credential names, and built-in names"
           " not scrubbed",
           f"scrub_query_params = {_toml_list(extra)}",
           f"keep_query_params = {_toml_list(kept_params(rules.scrub_query_params))}"]
    for r in rules.rules:
        out += ["", "[[rule]]", f"selector = {_toml_str(r.selector)}",
                f"level = {_toml_str(r.level.label)}"]
    out += ["", "[network]", f"headers = {_toml_list(rules.network_headers)}",
            f"bodies = {'true' if rules.network_bodies else 'false'}",
            "", "[console]", f"redact = {_toml_list(rules.console_redact)}"]
    return "\n".join(out) + "\n"
