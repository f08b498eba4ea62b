"""Echo scrubbing: a value a person typed into a masked input is masked wherever the page
itself echoes it later in the same session - request URLs (path and query), resource
names, console text and arguments, RUM error messages and stacks, action target names,
text and attributes the page renders - in every string the privacy pass walks
(`strings.map_strings`), and the keys that are the page's own data (a custom event's
payload, a field the format does not know; not the names of the format, a plugin or the
markup: a search for "data", "position" or "search" masks no event's `data`, no mouse path's
`positions`, no attribute's name, no tag name, no `type="search"`; in CSS only its quoted
strings, url()s, comments and class/id selectors, where a page writes data: a search for
"screen" masks no `@media screen` - `strings.kind_of`). An id or a class may be made of a
typed value: an echo there is masked. The replacement is the masked input value's
(`masking.MASK`): an echo says no more than the input event does, not even the length.

What counts as typed: the text of an input event on a text control (input, textarea,
contenteditable) whose value is masked at its level (mask-user-input and stricter, and the
always-masked password / email / tel / hidden / cc-* fields), hidden or `rr-ignore`d -
every value on the way, as typing sends each prefix (a debounced search fires on a prefix);
the text of editable content the pass masks as input (levels.py, precedence item 4: rrweb's
recorder records typing there as text changes, each text node a field); and what such a field
holds though nobody was seen typing it - its `value` in a snapshot or an added node (a
prefilled name, a hidden input's token), one a script sets through the attribute, a masked
textarea's text (`SessionMasker._learn_held`).
A value on the way counts for `FADE_MS` of the session's time after a later value of its
field extended it or erased back from it (the request a keystroke fired, the results it
showed), then no more: typing "checkout help" into a search box masks that phrase wherever
it shows for the rest of the session, but "Checkout" in the next page's heading and
`checkout.html` in its address only while the typing goes on. What a field ended with (and
a value it was cleared of) counts for the whole session, as does a value given whole.
Not checkboxes, radios and selects: their value is one of the page's own strings, which
the page shows anyway. A value already masked by the page's pass (`***`, rrweb's one
asterisk per character) tells nothing and is not kept.

How a value is matched:
- case-insensitively (pages upper-case coupon codes and lower-case search terms), after
  trimming (pages trim what they read from a field);
- in the forms a page writes it into a URL - any character but letters and digits may be
  percent-encoded (`encodeURIComponent`, `encodeURI` and `URLSearchParams` escape different
  sets), a space may be a form's `+` - and JSON-escaped, as console arguments are stored;
- values of `MIN_LEN` characters or more only: one- to three-character values ("1", "a",
  "no", a quantity, an initial) are in nearly every string of a page - masking them would
  wipe class names, CSS and prices from the whole recording. Four characters is the
  shortest secret commonly typed into masked fields (a PIN, a card's last four, a year);
- values shorter than `ANYWHERE_LEN` only where they stand alone (no letter or digit
  right before or after), so a typed "shoe" masks "Results for shoe" but not "shoelace";
  longer values are masked anywhere, inside words and identifiers too.

A masked field's value of PARAM_MIN_LEN to MIN_LEN - 1 characters, and a masked choice's (a
select's, a checked radio's or checkbox's value: `add_param`), is looked for in one place only:
a URL parameter's whole value, decoded as a form sends it, any case - `?q=tv`, `&country=DE`
become `?q=***`, `&country=***` (`ParamValues`; capture.js's Echoes.params the same). Only
after it was noted, in this pass: not by the second.

What it cannot see: a value the page transformed beyond case, URL-encoding and a slug's
spaces (reversed, hashed, base64-encoded, formatted with separators of its own) and a value
shorter than `MIN_LEN`. The
masker masks in one pass, in order; an echo that came before the typing goes in a second
pass with every value known (`scrub_all`): a session read whole (`masker.mask_session`), the
batch a value was typed in, what a streaming import wrote before it (`may_be_in` tells which
segments may hold one), a quiet live session when it is compacted.

The values live in memory only, in the session's masker; nothing here logs or stores them.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any, Iterable, NamedTuple

import msgspec

from ..format import NestingTooDeep, encode_json
from ..jsonscan import Needles
from . import detectors
from .masking import MASK, is_masked_value
from .strings import Kind, kind_of, map_strings

MIN_LEN = 4
ANYWHERE_LEN = 8
# The values one session keeps (each keystroke of a field adds one): past this, the oldest
# go first - a session's typing that long is counted in `forgotten`.
MAX_VALUES = 2000
_ALONE_BEFORE = r"(?<![^\W_])"    # no letter or digit right before
_ALONE_AFTER = r"(?![^\W_])"      # ... or right after
_PLAIN = re.compile(r"[A-Za-z0-9]")   # what no URL encoder (nor JSON) escapes
_PLAIN_RUNS = re.compile(r"[A-Za-z0-9]+")
_WORD_RUNS = re.compile(r"[^\W_]+")     # letters and digits of any script
# strings `changes_any` searches at once, joined
_JOINED = 256
NEEDLE_MIN_LEN = 3     # a shorter run ("42", "ra") is in nearly every event of a page
MAX_REST = 256         # characters of a value's end a rest after the mask is looked for in
MASK_BYTES = MASK.encode()
MAX_NEEDLES = 64       # a value's written forms, when its runs are short
# How long (of the session's time) a value on the way to a field's value is still looked
# for once a later keystroke superseded it: a debounced search fires a few hundred ms after
# the keystroke, its results and a slow response's RUM entry come within seconds.
FADE_MS = 10_000
# Where CSS holds a page's data (capture.js: CSS_DATA): its comments, quoted strings (one cut
# off runs to the end, a lone backslash there included: else every quote before it is read
# to the end again, in quadratic time) and url()s, a quoted url() read whole
# ("/img/Lake_(Tahoe).jpg"); and its class and id selectors (`.tag-` + a value), whose names
# an echo in a class or id attribute loses too. The rest is the language's own words. A
# comment is read first, so its apostrophe starts no string.
_CSS_STRING = r""""(?:[^"\\]|\\.)*(?:"|\\?$)|'(?:[^'\\]|\\.)*(?:'|\\?$)"""
CSS_DATA = re.compile(r"/\*.*?(?:\*/|$)|" + _CSS_STRING + r"|url\(\s*(?:" + _CSS_STRING
                      + r"|[^)]*)\s*\)?|[.#][-A-Za-z0-9_\u0080-\uffff]+", re.I | re.S)
FEED_EARLY_MS = 100   # how much before its time a scheduled value is noted (`Echoes.feed`)
PARAM_MIN_LEN = 2     # a value looked for as a URL parameter's whole value (ParamValues): from
# a URL parameter: its delimiter (or the text's start), its name and '=', its value - ended by
# white space as str.isspace() says (written out: capture.js's PARAM_VALUE is the same class,
# where JavaScript's \s is another)
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_PARAM_VALUE = re.compile(rf"""(^|[?&;#])([^=&#;?{_SPACE}"'<>\\]+=)([^&#;{_SPACE}"'<>\\]+)""")
_PERCENT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_HAS_PARAM = re.compile("=")   # (a string without one holds no parameter: passed over in C)


def _param_decode(v: str) -> str:
    """A parameter's value as a form sends it: "+" a space, each run of %XX its UTF-8 - one
    that is none stays as written (capture.js's paramDecode: decodeURIComponent per run)."""
    def run(m: re.Match) -> str:
        try:
            return bytes.fromhex(m.group().replace("%", "")).decode("utf-8")
        except UnicodeDecodeError:
            return m.group()
    return _PERCENT_RUN.sub(run, v.replace("+", " "))


class ParamValues:
    """Values looked for as a URL parameter's whole value only (see the module docstring):
    too short to be looked for anywhere else, or a choice's, the page's own string. Bounded
    as Echoes' values are (the oldest go first)."""

    def __init__(self) -> None:
        self._values: dict[str, None] = {}   # lower-cased, in the order noted

    def __bool__(self) -> bool:
        return bool(self._values)

    def add(self, value: Any) -> None:
        if type(value) is not str:
            return
        key = value.strip().lower()
        if len(key) < PARAM_MIN_LEN or is_masked_value(key):
            return
        self._values.pop(key, None)
        self._values[key] = None
        if len(self._values) > MAX_VALUES:
            del self._values[next(iter(self._values))]

    def scrub(self, s: str) -> str:
        """`s` with each URL parameter whose whole value is one of these masked."""
        if "=" not in s:
            return s
        values = self._values

        def masked(m: re.Match) -> str:
            v = _param_decode(m.group(3)).strip().lower()   # (str.isspace(): _SPACE)
            return m.group(1) + m.group(2) + MASK if v in values else m.group()
        return _PARAM_VALUE.sub(masked, s)


def _json(s: str) -> str:
    return msgspec.json.encode(s).decode("utf-8")[1:-1]


def _forms(c: str, json_depth: int) -> set[str]:
    """One character of a value as a page may have written it: as it is, percent-encoded
    (its UTF-8 bytes; which characters an encoder escapes differs - encodeURIComponent,
    encodeURI, URLSearchParams, Python's quote - so any of them may be), a space as a
    form's `+` or as a slug's `-` or `_` (`/search/red-shoes`, `tag-red_shoes`: a page
    writes a typed phrase into a path or a class so); and each of those JSON-escaped
    `json_depth` times (a console argument is JSON text inside a string; an event's JSON
    adds one more)."""
    if _PLAIN.match(c):
        return {c}
    forms = {c, "".join(f"%{b:02X}" for b in c.encode("utf-8", "surrogatepass"))}
    if c == " ":
        forms |= {"+", "-", "_"}
    for _ in range(json_depth):
        forms |= {_json(f) for f in forms}
    return forms


def _char(c: str, json_depth: int) -> str:
    if _PLAIN.match(c):
        return c
    return "(?:" + "|".join(re.escape(f) for f in sorted(_forms(c, json_depth), key=len,
                                                         reverse=True)) + ")"


def _needles(value: str) -> set[str] | None:
    """Lower-cased texts one of which an event's JSON holds when it holds `value` in any
    form: its longest run of letters and digits (no encoding changes those), or, when that
    is too short to tell anything, the value's every written form. None: too many forms."""
    runs = _PLAIN_RUNS.findall(value)
    best = max(runs, key=len) if runs else ""
    if len(best) >= NEEDLE_MIN_LEN:
        return {best.lower()}
    if any(not c.isascii() and c.lower() != c.upper() for c in value):
        return _cased_needles(value)
    out = {""}
    for c in value.lower():
        out = {o + f.lower() for o in out for f in _forms(c, 2)}
        if len(out) > MAX_NEEDLES:
            return None
    return out


def _expression(v: str) -> re.Pattern:
    """A typed value's expression in the strings of a recording (the value, alone if
    shorter than ANYWHERE_LEN)."""
    return re.compile(_ALONE_BEFORE + pattern(v) + _ALONE_AFTER if len(v) < ANYWHERE_LEN
                      else pattern(v), re.I)


def _rest(v: str) -> re.Pattern | None:
    """The mask followed by the rest of a value: a string the page wrote while the value
    was being typed, whose part typed so far the pass masked then ("***.quixotic@example.org"
    of an email the page's address held, sent while "zelda" was typed); the rest goes when
    the whole value is known. A rest follows a prefix of MIN_LEN characters or more, holds a
    run of NEEDLE_MIN_LEN letters or digits (" t" after "***" is in too many strings) and is
    one of the last MAX_REST characters; applied after every value's own expression
    (`_sub`). None: no such rest.

    Every such rest in one expression, linear in the value's length: its last part that
    every rest holds, after a chain of optional groups any suffix of the part before it
    matches - `(?:(?:(?:a)?b)?c)?` is "", "c", "bc" or "abc"."""
    span = _rest_span(v)
    if span is None:
        return None
    first, last = span
    chain = ""
    for c in v[first:last]:
        chain = "(?:" + chain + ")?" + _char(c, 1) if chain else _char(c, 1)
    rx = re.escape(MASK) + ("(?:" + chain + ")?" if chain else "") + pattern(v[last:])
    return re.compile(rx + (_ALONE_AFTER if len(v) < ANYWHERE_LEN else ""), re.I)


def _rest_span(v: str) -> tuple[int, int] | None:
    """Where `_rest`'s rests of `v` may start (`first`: past a prefix of MIN_LEN, within the
    last MAX_REST characters) and where the shortest one starts (`last`: the last
    NEEDLE_MIN_LEN letters or digits of the last run that long); None: no rest."""
    first = max(MIN_LEN, len(v) - MAX_REST)
    runs = [m.end() - NEEDLE_MIN_LEN for m in _PLAIN_RUNS.finditer(v, first)
            if m.end() - m.start() >= NEEDLE_MIN_LEN]
    if not runs:
        return None
    return first, runs[-1]


def _runs(text: str) -> tuple[str, ...]:
    """The runs of ASCII letters and digits of `text`, lower-cased: each is in any string
    holding `text` in a form `pattern` matches (no encoding changes them) - a test far
    cheaper than the expression, to run first."""
    return tuple(set(_PLAIN_RUNS.findall(text.lower())))


def _masked(compiled: dict, make, v: str, s: str, masks: "_Masks | None" = None) -> str:
    """`s` with what value `v`'s expression (`make(v)`, compiled once into `compiled`)
    matches masked (noted in `masks`, if given)."""
    rx = compiled.get(v)
    if rx is None:
        rx = compiled[v] = make(v)
    return rx.sub(MASK, s) if masks is None else masks.sub(rx, s)


def _holds_all(low: str, runs: tuple[str, ...]) -> bool:
    for r in runs:
        if r not in low:
            return False
    return True


def _cased_needles(value: str) -> set[str] | None:
    """Needles of a value with letters whose case is not ASCII's ("Иван", "Ólöf"): a text is
    searched with ASCII case ignored only (jsonscan.Needles), so its longest run of letters
    and digits goes as typed, lower-case, upper-case and capitalised - the ways pages write a
    name - each also percent-encoded (an address). None (every string searched, in Python:
    a hundred times slower) when that run is too short to tell anything."""
    runs = _WORD_RUNS.findall(value)
    best = max(runs, key=len) if runs else ""
    if len(best) < NEEDLE_MIN_LEN:
        return None
    out = set()
    for w in {best, best.lower(), best.upper(), best.capitalize()}:
        # its ASCII letters lower-case, as the search reads the text's (and `_sub` finds
        # the lower-case one in a string made lower-case)
        out.add("".join(c.lower() if c.isascii() else c for c in w))
        out.add("".join(c if _PLAIN.match(c) else "".join(f"%{b:02x}" for b in c.encode())
                        for c in w).lower())
    return out


def pattern(value: str, json_depth: int = 1) -> str:
    """The regular expression (case-insensitive) for `value` in a string of a recording."""
    return "".join(_char(c, json_depth) for c in value)


class Typed(NamedTuple):
    """A value typed into a masked field, seen where it was typed (record mode's browser:
    the events hold it masked): its text, its field (the node id its input events carry) and
    when (the page's clock, as the events' timestamps)."""
    text: str
    field: Any
    at: float


def typed_values(items: Iterable[Any]) -> list[Typed]:
    """The recording browser's `typed` list (bridge.js: `{text, field, at}` each) as Typed
    values; anything else in it is left out."""
    out = []
    for t in items:
        if isinstance(t, dict) and isinstance(t.get("text"), str) \
                and isinstance(t.get("at"), (int, float)):
            field = t.get("field")
            out.append(Typed(t["text"], field if isinstance(field, int) else None, t["at"]))
    return out


def ended_with(typed: Iterable[Typed]) -> list[str]:
    """What each field ended with in `typed` (its last value; each value typed with no field
    known), of MIN_LEN characters or more, in order: a recording's values as a later recording
    of the same browser gives them whole (record mode: a name typed at sign-up, shown by the
    next page recorded), never a keystroke's on the way."""
    last: dict[Any, str] = {}
    loose: list[str] = []
    for t in typed:
        text = t.text.strip()
        if t.field is None:   # a field not known (a hidden one's): its keystrokes come one by one
            if loose and text.startswith(loose[-1]):
                loose[-1] = text   # the same value typed on, not another
            else:
                loose.append(text)
        else:
            last.pop(t.field, None)   # (its place: when it was last typed)
            last[t.field] = text
    return list(dict.fromkeys(v for v in [*loose, *last.values()] if len(v) >= MIN_LEN))


class _Masks:
    """Where the masks of a string being masked stand in the string as it came: each
    substitution of MASK (`sub`) is noted as its span in the original (a mask a later match
    covers in part is taken into that match's span whole). `spans`: those spans, in order."""

    def __init__(self) -> None:
        self._at: list[tuple[int, int, int, int]] = []   # (start, end now; start, end then)

    def then(self, i: int, end: bool) -> int:
        """Position `i` of the string now, in the string as it came (inside a mask: the
        mask's start, or its end for a span's `end`)."""
        shift = 0
        for a, b, oa, ob in self._at:
            if i < a or (end and i == a):
                break
            if i < b or (end and i == b):
                return ob if end else oa
            shift = ob - b
        return i + shift

    def sub(self, rx: re.Pattern, s: str) -> str:
        spans: list[tuple[int, int]] = []

        def noted(m: re.Match) -> str:
            spans.append(m.span())
            return MASK
        out = rx.sub(noted, s)
        if not spans:
            return out
        made = [(a, b, self.then(a, False), self.then(b, True)) for a, b in spans]
        at, kept, shift, j = [], self._at, 0, 0
        for a, b, oa, ob in made:   # (both in order, neither overlapping itself)
            while j < len(kept) and kept[j][1] <= a:   # before it: kept, moved
                ka, kb, koa, kob = kept[j]
                at.append((ka + shift, kb + shift, koa, kob))
                j += 1
            while j < len(kept) and kept[j][0] < b:   # covered: taken into this one
                j += 1
            at.append((a + shift, a + shift + len(MASK), oa, ob))
            shift += len(MASK) - (b - a)
        at += [(ka + shift, kb + shift, koa, kob) for ka, kb, koa, kob in kept[j:]]
        self._at = at
        return out

    @property
    def spans(self) -> list[tuple[int, int]]:
        return [(oa, ob) for _, _, oa, ob in self._at]


def _findings_whole(before: str, after: str, masks: _Masks) -> str:
    """`after` - `before` with echoes masked where `masks` says - where an echo masked part
    of what a detector finds (`detectors.find`, every kind), that finding masked whole with
    it: a card number's first digits typed into a masked field, then the whole number shown
    by the page, left "validating card ***42" - the detector pass after it no longer found a
    card number in what was left (a support engineer's tryout). Each echo's mask that cuts
    into a finding of `before` becomes one mask with it; so does a finding of `after` (what
    the detector pass would have masked in it: a phone number glued to an address an echo
    masked) such a mask would cut into, until none is cut: it never masks less than
    `after` and the detector pass did. The rest is `after` as it is."""
    echoes = masks.spans
    if not echoes:
        return after
    found = [(f.start, f.end) for f in detectors.find(before)]

    def cut(f: tuple[int, int], r: tuple[int, int]) -> bool:   # r cuts into f, or touches it
        return r[0] <= f[1] and f[0] <= r[1] and not (r[0] <= f[0] and f[1] <= r[1])
    regions = [list(e) for e in echoes if any(cut(f, e) for f in found)]
    if not regions:
        return after
    # what each finding of `after` stands over in `before`: its ends, mapped back
    shown_then = [(masks.then(f.start, False), masks.then(f.end, True))
                  for f in detectors.find(after)]
    grown = True
    while grown:
        grown = False
        for f in found + shown_then + echoes:
            for r in regions:
                if r[0] <= f[1] and f[0] <= r[1] and (f[0] < r[0] or f[1] > r[1]):
                    r[0], r[1] = min(r[0], f[0]), max(r[1], f[1])
                    grown = True
        regions.sort()
        merged = [regions[0]]
        for r in regions[1:]:
            if r[0] <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], r[1])
            else:
                merged.append(r)
        regions = merged
    out, at = [], 0
    pieces = [(a, b) for a, b in regions] + [
        e for e in echoes if not any(r[0] <= e[0] and e[1] <= r[1] for r in regions)]
    for a, b in sorted(pieces):
        out.append(before[at:a])
        out.append(MASK)
        at = b
    out.append(before[at:])
    return "".join(out)


def _longest_first(v: str) -> tuple[int, str]:
    return -len(v), v


class Echoes:
    """The values typed into masked fields of one session, and the masking of their echoes."""

    def __init__(self, *, rests_alone: bool = False) -> None:
        """`rests_alone`: a string holding the mask and a value's rest but none of its
        roots is searched too (`_rest_under`) - the second pass's (`finals`), over what the
        first masked: a page that showed a card number while its first digits were typed
        left "***11111111111" there, which holds no root of "4111111111111111". The first
        pass's input holds none of our masks, and its own ones it follows where it makes
        them (a value's rest in the string its roots found): it searches no further."""
        self._rests_alone = rests_alone
        self._values: "OrderedDict[str, str]" = OrderedDict()   # lower-cased -> trimmed
        # each value's expression, compiled when a string first may hold it (typing adds a
        # value a keystroke: compiling one alternation of them all again after each was most
        # of an import's time on a session with a long form typed in)
        self._rx: dict[str, re.Pattern] = {}
        self._rest: dict[str, re.Pattern | None] = {}   # each value's `_rest`, as needed
        # each value's runs (`_runs`), and those of its shortest rest (None: no rest): a
        # string lacking one holds no echo of it, or no rest of it
        self._musts: dict[str, tuple[str, ...]] = {}
        # the written forms of a value whose needles are those, not one of its runs
        self._forms: dict[str, set[str]] = {}
        self._rest_musts: dict[str, tuple[str, ...] | None] = {}
        self._value_needles: dict[str, set[str] | None] = {}
        # each value under its roots: a root is a needle contained in one of the value's
        # needles, so a string without the root holds no echo of the value. Typing sends
        # each prefix, and a field's prefixes share one root: a string is searched for the
        # values under the roots it holds, not for every value of the session.
        self._roots_of: dict[str, tuple[str, ...]] = {}
        self._under: dict[str, list[str]] = {}
        self._everywhere: list[str] = []         # values without needles: looked for always
        self._stale = False                      # values added since the needles were made
        self._new: list[str] = []                # ... and which, and which left since
        self._gone: list[str] = []
        self._next_fade = float("inf")           # `_fading`'s soonest time, or before it
        # necessary conditions, checked in C: a string or an event's JSON holding an echo
        # holds one of the roots (lower-cased ASCII letters and digits, which no encoding
        # changes); None: a value without any, so every string is searched
        self._roots: tuple[str, ...] = ()
        self._in_json: Needles | None = None
        # with `rests_alone`, the same for the rests (`_rest`) a mask may be followed by: a
        # string holding the mask and one of these may hold a rest of the values under it. A
        # rest can hold none of its value's roots ("***111" of "1111111", whose root is the
        # whole run)
        self._rest_under: dict[str, list[str]] = {}
        self._rest_roots: tuple[str, ...] = ()
        self._in_rest: Needles | None = None
        self.forgotten = 0
        # each field's values no later value of it extended (its key: the caller's, a node
        # id) and the values given without a field (record mode's): what the second pass
        # looks for (`finals`)
        self._final: dict[Any, list[str]] = {}
        self._finals: Echoes | None = None
        # lower-cased values no field holds any more (a later keystroke extended them or
        # erased back from them), and the session time from which they stop counting;
        # `_held`: how many fields keep each value (`_final`'s), `_current`: each field's
        # value now
        self._fading: dict[str, float] = {}
        self._held: dict[str, int] = {}
        self._current: dict[Any, str] = {}
        # values the second pass looks for (`finals`): a caller that masks a stream in one
        # pass reads `added` before and after a batch to learn that a value became one whose
        # echoes in what it masked before need that pass (masker.mask_session's). Counted
        # when a value some field holds at the batch's end (`_pending`) was not looked for
        # all along since it was last counted (`_covered`: counted, and never faded or
        # forgotten since): a value typed again after its keystrokes faded counts again (an
        # echo shown meanwhile was kept by the first pass), one typed again while still
        # looked for does not (counting it sent a streaming import back over a session's
        # every segment), nor a keystroke on the way that the batch superseded.
        self._added = 0
        self._pending: set[str] = set()
        self._covered: set[str] = set()
        self._pages = 0   # documents seen (`new_page`): their fields' keys apart
        # values typed where the events do not hold them (`schedule`), in time order: each is
        # noted as its field's keystroke when the pass reaches its time (`feed`)
        self.scheduled: list[Typed] = []
        # short values and choices, looked for as a URL parameter's whole value (ParamValues)
        self.params = ParamValues()
        # what a pass notes (`add`'s and `add_param`'s arguments, in order) while a caller
        # keeps a list here - a live intake's worker, for the others (intake.typed_journal) -
        # and where in that journal these echoes have read to (its `read`'s place)
        self.journal: list[list] | None = None
        self.journal_pos: tuple[bytes, int] | None = None

    def __bool__(self) -> bool:
        return bool(self._values) or bool(self.scheduled) or bool(self.params)

    def __len__(self) -> int:
        return len(self._values)

    def schedule(self, typed: Iterable[Typed]) -> None:
        """Values typed in a recording browser whose events hold them masked (record mode:
        rrweb records asterisks): each is noted as a keystroke of its field at its time, as
        the pass reaches it (`feed`), so its keystrokes fade as typed ones do - given whole
        from the first event, "lamp" typed on the way to "lampshade" masked the page's own
        words before the typing and for ever after."""
        # in time order, values of one millisecond as they came (a page that cuts a value as
        # it is typed: "12345", then "1234", one millisecond); kept last first, to pop
        due = sorted([*reversed(self.scheduled), *typed], key=lambda t: t.at)
        due.reverse()
        self.scheduled = due

    def feed(self, now: Any = None) -> None:
        """Note the scheduled values typed up to `now` (None: all of them), and those typed
        within FEED_EARLY_MS after it: the page's clock and the recorder's may differ by a
        millisecond or so (a page's own input listener stamping its echo first) - noted a
        little early, a value only masks a little more."""
        due = self.scheduled
        journal, self.journal = self.journal, None   # (known already: not noted again)
        try:
            while due and (now is None or (isinstance(now, (int, float))
                                           and due[-1].at - FEED_EARLY_MS <= now)):
                t = due.pop()
                self.add(t.text, t.field, t.at)
        finally:
            self.journal = journal

    @property
    def added(self) -> int:
        if self._pending:
            now = set(self._current.values())
            for k in self._pending:
                if k in self._held or k in now:
                    self._added += 1
                    self._covered.add(k)
            self._pending.clear()
        return self._added

    def add(self, value: Any, field: Any = None, at: Any = None) -> bool:
        """Note a value typed into a masked field (`field`: which, e.g. its node id; None:
        a value given whole; `at`: the event's timestamp, from which on the values of the
        field it supersedes fade - none without it); True when it is one echoes are looked
        for (long enough, not masked already). A shorter value of a field is noted as its
        value now (a field cleared, or erased down), and looked for in nothing."""
        if type(value) is not str:
            return False
        if self.journal is not None:
            self.journal.append(["t", value, field, at])
        v = value.strip()
        at = at if isinstance(at, (int, float)) else None
        if is_masked_value(v):
            return False
        if len(v) < MIN_LEN:
            self.params.add(v)
            if field is not None:
                self._moved(("field", field), v.lower(), at)
            return False
        self._note_final(v, field, at)
        key = v.lower()
        if key in self._values:
            self._values.move_to_end(key)
            return True
        self._values[key] = v
        self._new.append(v)
        while len(self._values) > MAX_VALUES:
            old, old_v = self._values.popitem(last=False)
            self._covered.discard(old)
            self._gone.append(old_v)
            self.forgotten += 1
        self._stale = True
        return True

    def add_param(self, value: Any) -> None:
        """Note a masked choice's value (a select's, a checked radio's or checkbox's: the
        page's own string), looked for as a URL parameter's whole value only (ParamValues):
        `&country=DE` named which one was chosen."""
        if self.journal is not None:
            self.journal.append(["p", value])
        self.params.add(value)

    def _note_final(self, v: str, field: Any, at: float | None) -> None:
        """A field's value replaces the values it extends (the keystrokes before it); one
        it begins (a keystroke erased) adds nothing yet; another (the field cleared and
        typed again) is one more. Then the field has moved (`_moved`)."""
        low = v.lower()
        fk = ("given", low) if field is None else ("field", field)
        kept = self._final.setdefault(fk, [])
        self._fading.pop(low, None)
        if not any(k.lower().startswith(low) for k in kept):
            for k in kept:
                if low.startswith(k.lower()):
                    self._unhold(k.lower(), at)
            kept[:] = [k for k in kept if not low.startswith(k.lower())] + [v]
            self._hold(low)
            self._finals = None
        self._moved(fk, low, at)

    def _moved(self, fk: Any, low: str, at: float | None) -> None:
        """Field `fk`'s value is `low` now. The value before it fades when `low` types on
        from it, or erases one character of it (its keystrokes, either way); any other
        change - the field cleared, its text replaced - leaves it as one the field was
        cleared of, kept for the whole session (a value erased back to - "SPRING10X" to
        "SPRING10" - is the field's, then)."""
        before = self._current.get(fk)
        if before == low:
            return
        if len(low) >= MIN_LEN:
            self._current[fk] = low
            if low not in self._covered:
                self._pending.add(low)
        else:
            self._current.pop(fk, None)
        self._finals = None
        if before is None:
            return
        if low.startswith(before) or (before.startswith(low) and len(before) - len(low) <= 1):
            self._fade_from(before, at)
        else:
            self._keep(fk, before)

    def _keep(self, fk: Any, low: str) -> None:
        kept = self._final.setdefault(fk, [])
        if all(k.lower() != low for k in kept):
            kept.append(low)
            self._hold(low)
            self._fading.pop(low, None)
            self._finals = None

    def _hold(self, low: str) -> None:
        n = self._held.get(low, 0)
        self._held[low] = n + 1
        if not n and low not in self._covered:
            self._pending.add(low)

    def _unhold(self, key: str, at: float | None) -> None:
        self._held[key] -= 1
        if not self._held[key]:
            del self._held[key]
            self._fade_from(key, at)

    def new_page(self) -> None:
        """A new document (a full snapshot): its fields are new, though their node ids are
        those of the last one's - each field's value now is one it ended with."""
        for fk, low in list(self._current.items()):
            if fk[0] == "field":
                self._keep(fk, low)
                del self._current[fk]
        self._final = {(("page", self._pages, fk) if fk[0] == "field" else fk): kept
                       for fk, kept in self._final.items()}
        self._pages += 1

    def _fade_from(self, key: str, at: float | None) -> None:
        if at is not None and key not in self._held and key not in self._current.values():
            self._fading[key] = at + FADE_MS
            self._next_fade = min(self._next_fade, at + FADE_MS)

    def _fade(self, now: Any) -> None:
        """Values on the way whose time is up stop being looked for (`FADE_MS`)."""
        if not isinstance(now, (int, float)) or now < self._next_fade:
            return
        gone = [k for k, until in self._fading.items() if until <= now]
        for k in gone:
            del self._fading[k]
            self._covered.discard(k)
            v = self._values.pop(k, None)
            if v is not None:
                self._gone.append(v)
                self._stale = True
        self._next_fade = min(self._fading.values(), default=float("inf"))

    def finals(self) -> "Echoes":
        """The values the second pass looks for in what came before them: each field's values
        that no later one of it extended (its last, one it was cleared of, the one it holds
        now) and those given whole - not the prefixes typed on the way. A prefix masks its
        echoes from its keystroke on (a debounced search sends it), but before the typing
        the page's own words are no echo of it: "check", typed on the way to "checkout
        help", would mask "Check your cart" shown earlier (the typed value itself, "Code
        SPRING10" shown before SPRING10 was typed, still goes)."""
        self.feed()
        if self._finals is None:
            finals = Echoes(rests_alone=True)
            for v in self.final_values():
                finals.add(v)
            self._finals = finals
        return self._finals

    def final_values(self) -> list[str]:
        """`finals`' values as they stand, read and changing nothing (no `feed`): safe from
        another thread than the one masking with these echoes (the live intake's compaction;
        each dict copied in one step under the GIL)."""
        kept = [v for vs in list(self._final.values()) for v in list(vs)]
        return kept + list(self._current.values())   # (+ a value erased back to, held now)

    def update(self, other: "Echoes") -> None:
        for v in other._values.values():
            self.add(v)

    def _sub(self, s: str) -> str:
        """`s` with every echo masked (`_echoes_masked`), and with any finding of the
        detectors that an echo masked part of masked whole with it (`_findings_whole`)."""
        if detectors.might_match(s) is None:   # no finding in it (decided in C)
            return self._echoes_masked(s)
        masks = _Masks()   # (where each mask stands: only a match costs more)
        ns = self._echoes_masked(s, masks)
        return ns if ns == s else _findings_whole(s, ns, masks)

    def _echoes_masked(self, s: str, masks: _Masks | None = None) -> str:
        """`s` with every echo masked: each value that may be in it, longest first (at one
        place the whole value wins over a prefix typed before it)."""
        low = s.lower()
        under = self._under
        if self._in_json is not None:   # the roots it holds, found in C
            roots = self._roots
            found = [v for k in self._in_json.found(s.encode("utf-8", "surrogatepass"))
                     for v in under[roots[k]]]
        else:
            found = [v for r in under if r in low for v in under[r]]
            found += self._everywhere
        rests = self._rests_in(s) if MASK in s else None
        if not found and not rests:
            return s
        ordered = sorted(set(found), key=_longest_first)
        musts, forms = self._musts, self._forms
        for v in ordered:
            if not _holds_all(low, musts[v]):
                continue
            written = forms.get(v)
            if written is not None and not any(n in low for n in written):
                continue
            ns = _masked(self._rx, _expression, v, s, masks)
            if ns != s:
                s, low = ns, ns.lower()
        if MASK not in s:
            return s
        rest_musts = self._rest_musts
        if rests is None:   # the mask is the expressions' doing
            rests = self._rests_in(s)
        ordered = sorted(set(ordered).union(rests), key=_longest_first)
        for v in ordered:   # the rests, once every value's own expression ran
            tail = rest_musts[v]
            if tail is None or not _holds_all(low, tail):
                continue
            ns = _masked(self._rest, _rest, v, s, masks)
            if ns != s:
                s, low = ns, ns.lower()
        return s

    def _rests_in(self, s: str) -> list[str]:
        """The values a rest of which `s` may hold (one of their rest roots is in it)."""
        if self._in_rest is None:
            return []
        roots, under = self._rest_roots, self._rest_under
        return [v for k in self._in_rest.found(s.encode("utf-8", "surrogatepass"))
                for v in under[roots[k]]]

    def _compile(self) -> None:
        """Values added since the last call go under their roots (a needle of theirs, or an
        earlier root one of their needles holds); values forgotten leave. The roots are the
        needles a string is checked for first. Each value's work is done once, when it is
        added (a keystroke's), and the roots' search (`Needles`) made again only when the
        roots changed: typing adds a value a keystroke, a session keeps up to MAX_VALUES."""
        self._stale = False
        values, roots_of, under = self._values, self._roots_of, self._under
        roots_before = len(under)
        for v in self._gone:   # faded or forgotten (MAX_VALUES), unless typed again since
            if v not in roots_of or values.get(v.lower()) == v:
                continue
            for r in roots_of.pop(v):
                under[r].remove(v)
                if not under[r]:
                    del under[r]
                    roots_before = -1
            if self._value_needles.pop(v) is None:
                self._everywhere.remove(v)
            self._rx.pop(v, None)
            self._rest.pop(v, None)
            del self._musts[v], self._rest_musts[v]
            self._forms.pop(v, None)
        for v in self._new:
            if v in roots_of or values.get(v.lower()) != v:
                continue
            needles = self._value_needles[v] = _needles(v)
            self._musts[v] = _runs(v)
            span = _rest_span(v)
            self._rest_musts[v] = None if span is None else _runs(v[span[1]:])
            if needles is not None and not needles <= set(self._musts[v]):
                self._forms[v] = needles
            if needles is None:
                roots_of[v] = ()
                self._everywhere.append(v)
                continue
            roots = set()
            for n in needles:
                roots.add(next((r for r in under if r in n), n))
            roots_of[v] = tuple(roots)
            for r in roots:
                under.setdefault(r, []).append(v)
        self._new.clear()
        self._gone.clear()
        self._compile_rests()
        if roots_before == len(under) and (self._in_json is not None) != bool(self._everywhere):
            return   # the same roots: the same search
        if self._everywhere:
            self._roots = ()
            self._in_json = None
        else:
            self._roots = tuple(under)
            self._in_json = Needles(tuple(n.encode("utf-8") for n in self._roots))

    def _compile_rests(self) -> None:
        """With `rests_alone`: each value with a rest under the longest run its every rest
        holds (the shortest rest's), and their search, made again when those roots changed.
        (The second pass's values are added once, before it runs: made whole each time.)"""
        if not self._rests_alone:
            return
        under: dict[str, list[str]] = {}
        for v, tail in self._rest_musts.items():
            if tail:
                under.setdefault(max(tail, key=len), []).append(v)
        self._rest_under = under
        if tuple(under) != self._rest_roots:
            self._rest_roots = tuple(under)
            self._in_rest = Needles(tuple(r.encode("utf-8") for r in under)) if under else None

    def _might_hold(self, s: str) -> bool:
        """Whether `s` holds a root (ASCII case ignored, as in an event's JSON), or the mask
        and a rest root, in C (called for every string an event's walk meets: inline)."""
        roots = self._in_json
        if roots is None:
            return True
        data = s.encode("utf-8", "surrogatepass")
        if roots.in_text(data):
            return True
        rests = self._in_rest
        return rests is not None and MASK in s and rests.in_text(data)

    def _may_hold(self, data: bytes) -> bool:
        """`_might_hold` of bytes holding strings (an event's JSON, a segment's payload)."""
        if self._in_json is None or self._in_json.in_text(data):
            return True
        return self._in_rest is not None and MASK_BYTES in data and self._in_rest.in_text(data)

    def _ready(self) -> bool:
        """Whether any value is looked for, its needles made (values added since compiled)."""
        if not self._values:
            return False
        if self._stale:
            self._compile()
        return True

    def scrub(self, s: str) -> str:
        """`s` with every echo of a noted value masked (the same string when none)."""
        if self.params:
            s = self.params.scrub(s)
        if len(s) < MIN_LEN or not self._ready():
            return s
        ns = self._sub(s)
        return s if ns == s else ns

    def scrub_css(self, css: str) -> str:
        """CSS text with the echoes in its strings, url()s, comments and class/id selectors
        masked (`CSS_DATA`): where a page writes data into CSS; the rest is the language's own
        words."""
        if len(css) < MIN_LEN or not self._ready():
            return css
        sub = self._sub
        return CSS_DATA.sub(lambda m: sub(m.group()), css)

    def scrub_event(self, e: Any, raw: bytes | None = None) -> Any:
        """`e` with every echo masked in every string it stores (`strings.map_strings`,
        keys too); the very object back when it holds none. The event's JSON (`raw`, when
        the caller has it: of `e`, or of every part of it holding strings) is searched first,
        in C: most events of a page hold no typed value."""
        if self._fading:
            self._fade(e.get("timestamp") if isinstance(e, dict) else None)
        if self.params and (raw is None or b"=" in raw):
            params = self.params.scrub   # (only a string holding "=" and a value, found in C)
            scrubbed = map_strings(e, lambda s, *_: params(s), PARAM_MIN_LEN + 2,
                                   _HAS_PARAM.search)
            if scrubbed is not e:
                e, raw = scrubbed, None
        if not self._values:   # (`_ready` and `_may_hold` written out: called per event)
            return e
        if self._stale:
            self._compile()
        roots = self._in_json
        if roots is not None:
            if raw is None:
                try:
                    raw = encode_json(e)
                except (msgspec.EncodeError, NestingTooDeep):
                    raw = None
            if raw is not None and not roots.in_text(raw) and not (
                    self._in_rest is not None and MASK_BYTES in raw and
                    self._in_rest.in_text(raw)):
                return e
        sub = self._sub

        def visit(s: str, is_key: bool, key: Any, container: Any, link: Any) -> str:
            ns = sub(s)
            if ns == s:
                return s
            kind = kind_of(e, is_key, key, container, link)   # only for a string it changes
            # (the owner's own email typed into a masked field is masked where the recording
            # names its user too: an echo pass does not know the owner)
            return s if kind is Kind.NAME else self.scrub_css(s) if kind is Kind.CSS else ns
        return map_strings(e, visit, MIN_LEN, self._might_hold)

    def scrub_strings(self, obj: Any) -> Any:
        """`obj` - JSON a client gave beside the events, a session's context - with every
        echo masked in every string, keys included, all of it free text (a client's context
        may hold what was typed: the live intake's, an imported bundle's); the very object
        when none is in it."""
        if not obj or not self._ready():
            return obj
        sub = self._sub
        return map_strings(obj, lambda s, *_: sub(s), MIN_LEN, self._might_hold)

    def may_be_in(self, data: bytes) -> bool:
        """False when `data` - any bytes holding strings as UTF-8 unescaped: JSON, a stored
        segment's payload - cannot hold an echo: none of the needles `scrub_event` gates on
        is in it (checked in C)."""
        if not self._ready():
            return False
        return self._may_hold(data)

    def changes_any(self, strings: Iterable[str]) -> bool:
        """Whether `scrub_event` could change an event whose every string is one of `strings`
        (a stored segment's, `segments.payload_strings`): False when none holds an echo. It
        may say True of strings `scrub_event` leaves (a name, CSS outside its strings), never
        False of one it changes."""
        if not self._ready():
            return False
        sub, might = self._sub, self._might_hold
        if not self._joins():
            for s in strings:
                if len(s) >= MIN_LEN and might(s) and sub(s) != s:
                    return True
            return False
        # a stored segment holds hundreds of thousands of strings, next to none an echo: a
        # run of them is searched at once, joined by a byte no needle holds (so a needle
        # found is within one string), and only a run where one is found string by string
        strings = strings if isinstance(strings, list) else list(strings)
        for at in range(0, len(strings), _JOINED):
            run = strings[at:at + _JOINED]
            if not self._might_hold("\0".join(run)):
                continue
            for s in run:
                if len(s) >= MIN_LEN and might(s) and sub(s) != s:
                    return True
        return False

    def _joins(self) -> bool:
        """Whether strings joined by NUL may be searched at once (`changes_any`): the needles
        are compiled and none holds a NUL byte, so a needle found in the joined text is in one
        of the strings (and a string holding the mask and a rest root: the text holds both)."""
        if self._in_json is None:
            return False
        needles = self._in_json.needles + (self._in_rest.needles if self._in_rest is not None
                                           else ())
        return all(b"\0" not in n for n in needles)

    def scrub_all(self, events: Iterable[Any]) -> tuple[list[Any], int]:
        """Every event scrubbed; and how many changed."""
        out, changed = [], 0
        for e in events:
            r = self.scrub_event(e)
            changed += r is not e
            out.append(r)
        return out, changed
