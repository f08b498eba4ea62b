"""PII audit of stored sessions: what looks like personal data, and where.

Every string of every event (decompressed from the store) - keys and values, CSS, fields
the format does not know - and of the session's context is scanned with the pattern
detectors (email, card with Luhn, phone, iban with mod 97, ssn) and for credentials in clear
(a URL parameter the privacy pass scrubs by default - `token=`, `api_key=`... -, a Bearer
token or a URL's password) - and the page's text as a person reads it, across the text
nodes and inline elements a value may be split into (runs.py) -, and input values typed into password / email / tel / hidden / `cc-*` fields that are
stored in clear are reported too (no pattern finds a password). A finding says the kind, the
event index, the time since the session's start, the node id and where in the event - and a
masked excerpt (`j***@e***.com`, `**** 1111`, `token=***`), never the value itself.
"""
from __future__ import annotations

import re
from pathlib import Path

from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

from ..format import EventType, IncrementalSource
from ..mirror import Mirror
from ..moments import Unit, moment_text
from ..said import count
from ..semantics import User, filed_user, owner_after
from . import detectors, runs
from .levels import always_masked, note_type_changes
from .masking import ARRAY_NAME, BASIC_CREDENTIALS, BEARER_TOKEN, ENCODED_PARAM, ENCODED_VALUE, \
    MASK, PARAM_END, PARAM_START, PARAM_VALUE, USERINFO_PASSWORD, is_user_and_password, \
    member_patterns
from .rules import DEFAULT_SCRUB_PARAMS
from .strings import is_owner_place, map_strings, place

# What an audit looks at, said in one place (the CLI and the privacy workspace print it): an
# audit cannot vouch for what it did not look for.
EVERY_STRING = ("every string of the events, keys, CSS and unknown fields too, the page's text"
                " read across text nodes and inline elements, and the session context")
# The user a session is filed under (`replay import --user`, a PostHog/Sentry/RUM user) is kept
# by design: it is whom the session belongs to, what `replay delete --user` finds and erases.
# It is not searched (it would always be "found"): each session names what of it is recorded.
OWNER_FIELDS = ("id", "name", "email")
OWNER_APART = ("a session's user (its id, name, email: whom it belongs to) is kept by design"
               " and named per session, not searched")
CREDENTIAL_WHAT = ("credentials in clear (URL parameters the privacy pass scrubs by default -"
                   " token=, api_key=... -{added}, Bearer tokens, basic auth and URLs' passwords,"
                   " user:pw@host)")
SENSITIVE_WHAT = ("values in clear in password, email, tel, hidden or cc-* fields (typed, or in"
                  " the page's own value attributes; a field stays one after the page changes"
                  " its type - a \"show password\" button)")


# What it cannot look for: a value typed into a masked field is stored masked, so an audit
# never knows it, nor its echoes elsewhere (echo scrubbing masks those as they are stored).
NOT_ECHOES = ("not for values typed into masked fields and repeated by the page (URLs, console,"
              " text): those values are stored masked, so an audit cannot know them")
# ... nor for what the rules' other entries name: a `[console] redact` pattern's matches (the
# rules mask them in console and error text only, by design), a request header the rules keep
# (a cookie kept is kept on purpose)
NOT_RULES = "nor for the rules' console redactions or the headers they keep"


def looked_for(kinds: Iterable[str], added: Iterable[str] = ()) -> str:
    """The sentence saying what an audit with these detectors looked for; `added`: the URL
    parameters the rules in force scrub beside the built-in ones (looked for too)."""
    added = list(added)
    extra = f" and those the rules in force add - {', '.join(f'{p}=' for p in added)} -" \
        if added else ""
    return (f"{', '.join(kinds)} (patterns, in {EVERY_STRING}),"
            f" {CREDENTIAL_WHAT.format(added=extra)}, and {SENSITIVE_WHAT}; nothing else -"
            f" {NOT_ECHOES}, {NOT_RULES}; {OWNER_APART}")


def params_added(data_dir) -> list[str]:
    """The URL parameters the rules in force scrub beside the built-in ones - the data
    folder's rules', and each application's own (`replay app rules`) -, which an audit looks
    for too: a privacy officer's own `otp=` stored in clear is a credential found (a privacy
    officer's tryout: the audit said nothing of it). RulesError / AppError: rules that cannot
    be read."""
    from ..intake.live import stored_apps_rules
    from .rules import load_rules
    if not Path(data_dir).is_dir():   # (no data folder: the built-in rules; one that is a
        return []                     # file is said by what opens it)
    rules = [load_rules(None, data_dir)] + [r for _, r in stored_apps_rules(data_dir).values()]
    return sorted({p for r in rules for p in r.scrub_query_params} - set(DEFAULT_SCRUB_PARAMS))


NOTHING_FOUND = "nothing found"   # an audited session without findings


def headline(audited: int, found: int, sessions_found: int, *, stopped: bool = False,
             what: str = "session") -> str:
    """An audit's outcome read at a glance, as `replay audit`'s last line and the Audit
    tab's first say it: how many sessions were audited (`what`: "stored session" where
    only stored ones can be), and how many findings in how many of them."""
    said = (f"{count(found, 'finding')}, in {count(sessions_found, 'session')}" if found
            else NOTHING_FOUND)
    return (f"{count(audited, what)} audited: {said}."
            + (" Stopped (Cancel) before the other sessions." if stopped else ""))


def owner_note(owner: Iterable[str]) -> str:
    """What a session keeps of its user, by design, said beside its findings ("" if none)."""
    owner = list(owner)
    if not owner:
        return ""
    return (f"its user's {_and(owner)} {'is' if len(owner) == 1 else 'are'} recorded as its"
            f" owner, by design (`replay delete --user` erases the user's sessions)")


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


_INC = int(EventType.IncrementalSnapshot)
_INPUT = int(IncrementalSource.Input)
_MUTATION = int(IncrementalSource.Mutation)
_FULL = int(EventType.FullSnapshot)
_MASKED_VALUES = frozenset({"", "***"})

SENSITIVE_INPUTS = "sensitive-input"   # the finding kind: a value in clear in a field always masked
CREDENTIALS = "credential"   # the finding kind: a secret a request carries, in clear
BUILT_IN = (CREDENTIALS, SENSITIVE_INPUTS)   # looked for beside the detectors, always
# A credential in clear: one of the parameters the privacy pass scrubs, where it
# scrubs one - in a query or fragment, standing alone (PARAM_START: a log line's `password=`, a
# console argument's `"token=...`; but `code=` only in a URL: "error code=500" in a message is
# no OAuth code), or as a JSON member's key (`{"password":"..."}`) -, its value not the
# scrubber's mask; a Bearer token or basic auth's credentials as an Authorization header
# writes them; a password in a URL's user info (`https://deploy:s3cr3t@ci.example.com/`).
def credential_finder(added: Iterable[str] = ()):
    """`credentials` for the built-in parameters and those the rules in force add (`added`,
    `params_added`: a finding where a privacy officer's own `otp=` is stored in clear)."""
    params = sorted({*DEFAULT_SCRUB_PARAMS, *added})
    names = "|".join(re.escape(p) for p in params)
    param = re.compile(r"(?i)" + PARAM_START + r"(?:(?<=[?&;#])|(?!code" + ARRAY_NAME + "=))("
                       + names + ")" + ARRAY_NAME + "=(" + PARAM_VALUE + "*?)"
                       + PARAM_END)   # (an empty value - `token=:1:2)`, a frame's - is none)
    members = member_patterns(params)
    # ... and inside a URL-encoded URL (a login's `next=`), as the scrubber finds one
    encoded = re.compile("(?i)" + ENCODED_PARAM.format(names=f"({names})") + f"({ENCODED_VALUE}+)")

    def credentials(s: str) -> list[str]:
        """The credentials in clear in `s`, each as its excerpt (`token=***`,
        `"token":"***"`, `Bearer ***`, `Basic ***`, `user:***@`)."""
        out = [f"{m.group(1).lower()}=***" for rx in (param, encoded) for m in rx.finditer(s)
               if m.group(2) and m.group(2) not in _MASKS]
        out += [f'"{_KEY.search(m.group(1))[0]}":"***"' for rx, _ in members
                for m in rx.finditer(s) if m.group(2) and m.group(2) != MASK]
        out += ["Bearer ***" for m in _BEARER.finditer(s) if set(m.group(1)) != {"*"}]
        out += ["Basic ***" for m in _BASIC.finditer(s) if is_user_and_password(m.group(1))]
        return out + ["user:***@" for m in _USERINFO.finditer(s) if m.group(2) != MASK]
    return credentials


_KEY = re.compile(r'[^"\\]+')   # a JSON member's key in its match, as an excerpt names it
_BEARER = re.compile(BEARER_TOKEN)   # what the scrubber masks, found where it was not
_USERINFO = re.compile(USERINFO_PASSWORD)
_BASIC = re.compile(BASIC_CREDENTIALS)
_MASKS = ("***", "%2A%2A%2A", "%2a%2a%2a")
# the strings an audit visits: the detectors' hints, or a credential's
# (a name's run from its start only: from each of its letters, a long run without `=` was read
# again to its end - 20 KB of a masked text's x's took 9 s, a reviewer's find)
_HINT = re.compile("|".join((*detectors.HINTS, r'(?<![\w-])[\w-]+(?:\[\]|%5B%5D)?=|%3[Dd]',
                             r'(?i:bearer|basic)\s|\S@|"(?:[ \t\n\r]|\\[tnrTNR])*:'))).search
credentials = credential_finder()   # (the built-in parameters')


@dataclass
class Finding:
    kind: str            # email | card | phone | iban | ssn | credential | sensitive-input
    event_index: int | None  # None: the session's context, not an event
    offset_ms: float     # since the session's first event
    node_id: int | None
    where: str           # "text", "attribute title", "input value", "console", "page URL"...
    excerpt: str         # masked: never the full value
    # the same field's next input events in clear, one after the other, not listed apart: a
    # field typed in clear is one finding (its keystrokes made 39 rows for two fields)
    repeats: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def cells(self) -> tuple[str, str, str, str, str, str]:
        """The finding as a row of findings shows it (`replay audit`, the privacy workspace):
        kind, event ("context" for the session's), time to the ms, node, where, excerpt."""
        return (self.kind, "context" if self.event_index is None else str(self.event_index),
                moment_text(self.offset_ms, Unit.MS),
                "" if self.node_id is None else str(self.node_id), self.where, self.excerpt)


@dataclass
class SessionAudit:
    session_id: str
    events: int = 0
    findings: list[Finding] = field(default_factory=list)
    damaged_segments: list[int] = field(default_factory=list)
    owner: list[str] = field(default_factory=list)   # the OWNER_FIELDS of its user recorded

    @property
    def clean(self) -> bool:
        return not self.findings

    def counts(self) -> dict[str, int]:
        c: dict[str, int] = {}
        for f in self.findings:
            c[f.kind] = c.get(f.kind, 0) + 1
        return c

    def summary(self, searched: Iterable[str]) -> str:
        """Its findings counted per kind, or the kinds it has none of - and, apart, what it
        keeps of its user: an owner's email is not "none of: email"."""
        counts = ", ".join(f"{n} {k}" for k, n in sorted(self.counts().items()))
        owner = owner_note(self.owner)
        if not counts:
            counts = f"none of: {', '.join(searched)}" + (" in its events or context"
                                                          if owner else "")
        return f"{counts}; {owner}" if owner else counts

    def to_json(self) -> dict[str, Any]:
        return {"session": self.session_id, "events": self.events, "counts": self.counts(),
                "damaged_segments": self.damaged_segments, "owner": self.owner,
                "findings": [f.to_json() for f in self.findings]}


def audit_events(events: Iterable[dict], kinds: Iterable[str] = detectors.KINDS,
                 session_id: str = "", context: dict | None = None,
                 owner: User | None = None, added: Iterable[str] = ()) -> SessionAudit:
    """Findings in `events` (and in the session's `context`, kept in the index). The strings
    searched are the ones the masker's detector pass cleans: `strings.map_strings`.
    `added`: the URL parameters the rules in force add (`params_added`), whose values in
    clear are credentials found as the built-in ones' are."""
    kinds = tuple(kinds)
    credentials = credential_finder(added)
    result = SessionAudit(session_id)
    found = result.findings
    find, excerpt = detectors.find, detectors.excerpt
    here: list = [None, 0, 0.0]  # the event being read, its index, its offset
    # the session's owner - the one it is filed under (`owner`), else as the events name it
    # so far - as the masker keeps it (`semantics.merged_user`), and its fields as strings
    named: User | None = owner
    owner_is: list = [None if owner is None else (owner.id, owner.name, owner.email)]

    def visit(s: str, is_key: bool, key: Any, container: Any, link: Any) -> str:
        hits = [(f.kind, excerpt(f.kind, f.value)) for f in find(s, kinds)]
        hits += [(CREDENTIALS, c) for c in credentials(s)]
        if not hits:
            return s
        e, i, offset = here
        if e is not None and owner_is[0] is not None and s in owner_is[0] and \
                is_owner_place(e, is_key, key, container, link):
            # (OWNER_APART: the session's owner - an id that is an email or a phone number -
            # is named per session; another identity there is a finding as anywhere)
            hits = [h for h in hits if h[0] not in detectors.IDENTIFIER_KINDS]
            if not hits:
                return s
        if e is None:
            nid, where = None, "session context" + (" key" if is_key else "")
        else:
            nid, where = place(e, is_key, key, container, link)
        for kind, said in hits:   # a place is named after keys and tags, page data too
            found.append(Finding(kind, i, offset, nid, detectors.mask(where), said))
        return s

    if context:
        here[:] = [None, None, 0]
        map_strings(context, visit, detectors.MIN_LEN, _HINT)
    mirror = Mirror()  # to know which field an input event typed into
    # fields masked at every level whose type the page changed since (a "show password"
    # button makes a password a text field): still sensitive, as the recorder's pass and
    # capture.js keep them masked (masker._was_always)
    was_always: set[Any] = set()
    split_seen: set[tuple[str, str, Any]] = set()   # values split across text nodes (runs.py)
    start = None
    for i, e in enumerate(events):
        result.events += 1
        ts = e.get("timestamp") or 0
        if start is None:
            start = ts
        d = e.get("data")
        gaps = []   # (what its removals may bring together, read before they are applied)
        if e.get("type") == _INC and isinstance(d, dict) and d.get("source") == _MUTATION:
            note_type_changes(mirror.nodes, d.get("attributes") or (), was_always)
            gaps = runs.gaps_of(mirror.nodes, d.get("removes"))
        mirror.apply(e)
        offset = ts - start
        here[:] = [e, i, offset]
        named = owner_after(named, e)
        owner_is[0] = None if named is None else (named.id, named.name, named.email)
        map_strings(e, visit, detectors.MIN_LEN, _HINT)
        if not isinstance(d, dict):
            continue
        t = e.get("type")
        if t == _FULL or t == _INC and d.get("source") == _MUTATION:
            split = runs.runs_in(mirror.nodes, mirror.root) if t == _FULL else \
                runs.changed_runs(mirror.nodes, d.get("texts"), d.get("adds"), gaps)
            for run in split:
                for f, first, last, _ in runs.crossing_matches([n.text for n in run], kinds):
                    key = (f.kind, f.value, run[first].id)
                    if key not in split_seen:   # (its neighbours' changes show it again)
                        split_seen.add(key)
                        found.append(Finding(f.kind, i, offset, run[first].id,
                                             f"text across {last - first + 1} nodes",
                                             excerpt(f.kind, f.value)))
        # a value in clear in a field always masked: typed (an input event), or in the page
        # itself - a `value` attribute in the snapshot, in added nodes, or set later
        if t == _FULL:
            values = _tree_values(d.get("node"))
        elif t == _INC and d.get("source") == _INPUT:
            n = mirror.nodes.get(d.get("id"))
            values = [(n.id, n.tag, n.attrs, d.get("text"), "input value")] if n else []
        elif t == _INC and d.get("source") == _MUTATION:
            values = [v for a in d.get("adds") or () if isinstance(a, dict)
                      for v in _tree_values(a.get("node"))]
            for a in d.get("attributes") or ():
                at = a.get("attributes") if isinstance(a, dict) else None
                n = mirror.nodes.get(a.get("id")) if isinstance(at, dict) and "value" in at \
                    else None
                if n is not None:
                    values.append((n.id, n.tag, n.attrs, at["value"], "value attribute"))
        else:
            continue
        for nid, tag, attrs, v, where in values:
            if not _in_clear(v):
                continue
            if always_masked(tag, attrs):
                ac = attrs.get("autocomplete")
                kind = ac if isinstance(ac, str) and "cc-" in ac.lower() else \
                    attrs.get("type") or tag
            elif nid in was_always:
                kind = f"{attrs.get('type') or tag}, once a password or card"
            else:
                continue
            where = f"{where} ({kind} field)"
            last = found[-1] if found else None
            if t == _INC and last is not None and last.kind == SENSITIVE_INPUTS \
                    and last.node_id == nid and last.where == where:
                last.repeats += 1   # typing on: the finding says the value it came to
                last.excerpt = f"{_in_clear_words(v)}, over {last.repeats + 1} input events"
                continue
            found.append(Finding(SENSITIVE_INPUTS, i, offset, nid, where, _in_clear_words(v)))
    return result


def _in_clear_words(v: Any) -> str:
    if not isinstance(v, str):
        what = "an object" if isinstance(v, dict) else "a list" if isinstance(v, list) \
            else "a number"
        return f"{what} in clear"
    return f"{len(v)} character{'s' * (len(v) != 1)} in clear"


def _in_clear(v: Any) -> bool:
    """A field's value as no masking leaves it: text, or what no field holds (a number, an
    object, a list - a sender's; the pass drops those, an older one kept them)."""
    if isinstance(v, str):
        return v not in _MASKED_VALUES and set(v) != {"*"}
    return v is not None and v is not True and v is not False


def _tree_values(node: Any) -> list[tuple[Any, str, dict, Any, str]]:
    """(id, tag, attributes, value, where) of the elements with a `value` attribute in a
    serialized node tree."""
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        if not isinstance(n, dict):
            continue
        attrs, tag = n.get("attributes"), n.get("tagName")
        if isinstance(attrs, dict) and isinstance(tag, str) and "value" in attrs:
            out.append((n.get("id"), tag.lower(), attrs, attrs["value"], "value attribute"))
        kids = n.get("childNodes")
        if isinstance(kids, list):
            stack.extend(kids)
    return out


def audit_session(reader, kinds: Iterable[str] = detectors.KINDS,
                  events: Iterable | None = None, added: Iterable[str] = ()) -> SessionAudit:
    """Audit a stored session (a SessionReader / RecordingSource); `events`: its events
    as the caller passes them on (through a progress bar), default `reader.events()`;
    `added`: as `audit_events`'."""
    info = reader.info
    result = audit_events(reader.events() if events is None else events, kinds,
                          session_id=reader.id, context=info.context, owner=filed_user(info),
                          added=added)
    result.damaged_segments = list(reader.damaged)
    result.owner = [k for k, v in zip(OWNER_FIELDS, (info.user_id, info.user_name,
                                                     info.user_email)) if v]
    return result
