"""Pattern detectors for personal data that slips through structural rules: e-mail
addresses, payment card numbers (Luhn-checked), phone numbers, bank account numbers
(IBANs, mod-97-checked) and US Social Security numbers (in the ranges the SSA issues).

They mask matches even in `allow` text when enabled in the rules, and `replay audit` uses
them to look for what should not be stored. Each is tuned against false positives that a
session recording is full of: epoch timestamps and ids (long bare digit runs), dates,
versions and IP addresses are not phones, and a card number needs a real issuer prefix
and a valid Luhn check digit.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from typing import Iterable, Iterator, NamedTuple

# What each detector finds, as a sentence names it (`replay audit --help` is made from it):
# the table of detectors, KINDS its names.
FINDS = {"email": "e-mail addresses", "card": "payment card numbers", "phone": "phone numbers",
         "iban": "bank account numbers (IBANs)", "ssn": "US Social Security numbers"}
KINDS = tuple(FINDS)
# What a person may be known by - a user id that is an e-mail address or a phone number: left
# where a recording names the session's user (`strings.Kind.OWNER`, kept by design); the other
# detectors mask there as anywhere (a card number is nobody's name).
IDENTIFIER_KINDS = frozenset({"email", "phone"})


def what_they_find(kinds: Iterable[str] = KINDS) -> str:
    """What these detectors find, in words: "e-mail addresses, ... and phone numbers"."""
    said = [FINDS[k] for k in kinds]
    return said[0] if len(said) == 1 else f"{', '.join(said[:-1])} and {said[-1]}"

# The domain's labels may hold any letter or digit (`[^\W_]`: an internationalised domain,
# `jane@bücher.example`, as people type it); capture.js says `[\p{L}\p{N}]`, as Python's
# `\w` reads Unicode. After the top-level domain, no word character (`\b` reads ASCII in
# JavaScript, Unicode here: the lookahead says the same in both).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}(?:@|%40)[^\W_](?:(?:[^\W_]|-){0,62}[^\W_])?"
                    r"(?:\.[^\W_](?:(?:[^\W_]|-){0,62}[^\W_])?)*\.[^\W\d_]{2,24}(?!\w)")
# A space or a plus as a URL encodes it: `%20`, `+` (a form's space) and `%2B` (a plus).
# A card or a phone in a query value is written with them (`c=4111%201111%201111%201111`,
# `phone=%2B14155550100`); `_decoded` reads them back before the checks count digits.
_ENCODED = r"%2[0Bb]"
# A phone's brackets as a form encodes them (`tel=%28415%29+555-0100`): `%28`, `%29`.
_OPEN, _CLOSE = r"(?:\(|%28)", r"(?:\)|%29)"
# What may stand before a number: not a word character, or a `%20` (the `0` is one).
_AFTER_SPACE = r"(?<=%20)"
# Card numbers as people and forms write them: 13-19 digits in one run, 4-4-4-4(-1..3)
# with one consistent separator (a space, a dash, a dot, or a space as a URL encodes it),
# or American Express 4-6-5; never inside a word or a dashed identifier (UUIDs, order
# refs) - but glued to a card's label, `card`, `cc` or `pan`, then perhaps `_` or `-`
# (`card_4111111111111111`, `cc4111…`: a log line's, a key's), as an SSN is to its own;
# issuer prefixes 2-6; Luhn-checked after.
# (Each pattern opens with a lookahead of its first character: without it, the lookbehinds
# run at every position of the text - twice the time.)
_CARD_LABEL = "|".join(f"(?<=(?<![A-Za-z]){label}{joiner})"   # (the label a word of its own:
                       for label in ("[Cc][Aa][Rr][Dd]", "[Cc][Cc]", "[Pp][Aa][Nn]")  # not acc, Japan)
                       for joiner in ("", "[_-]"))
_CARD = re.compile(rf"(?=[2-6])(?:(?<![\w.-])|{_AFTER_SPACE}|{_CARD_LABEL})(?:[2-6]\d{{12,18}}"
                   rf"|[2-6]\d{{3}}([ .+-]|{_ENCODED})\d{{4}}\1\d{{4}}\1\d{{4}}(?:\1\d{{1,3}})?"
                   rf"|3[47]\d{{2}}([ +-]|{_ENCODED})\d{{6}}\2\d{{5}})(?![\w-])")
# Phones, in the shapes people write them (not any run of digit groups: SVG paths, dates,
# versions and coordinates are full of those): +international, (area) code, North American
# 3-3-4 with one separator, international ones dialled with 00 in place of the + (most of
# Europe writes `0044 20 7946 0958`, `0044 (0)20 7946 0958`: a separator or an (area) code
# after the country code), national numbers
# with a trunk 0 (UK, FR, DE...). In a query
# value the plus may be `%2B` and a space `%20` - or `+` after an international `+CC` or an
# (area) code; not between bare groups, where `100+200+300+4000` is a sum or a list of ids.
_PHONE = re.compile(
    rf"(?=[\d+(%])(?:(?:(?:(?<![\w+])|{_AFTER_SPACE})\+|(?:(?<!\w)|{_AFTER_SPACE})%2[Bb])\d{{1,3}}(?:(?:[ .+-]|{_ENCODED})?{_OPEN}\d{{1,4}}{_CLOSE})?"
    rf"(?:(?:[ .+-]|{_ENCODED})?\d{{1,5}}){{1,6}}(?![\w])"
    rf"|(?:(?<![\w(])|{_AFTER_SPACE}){_OPEN}\d{{2,5}}{_CLOSE}(?:[ .+-]|{_ENCODED})?\d{{2,5}}"
    rf"(?:(?:[ .+-]|{_ENCODED})?\d{{2,5}}){{0,3}}(?!\w)"
    rf"|(?:(?<![\w.:/-])|{_AFTER_SPACE})(?:1(?:[ .-]|{_ENCODED}))?\d{{3}}([ .-]|{_ENCODED})\d{{3}}\1\d{{4}}"
    rf"(?![\w]|[.:/-]\d)"
    rf"|(?:(?<![\w.:/-])|{_AFTER_SPACE})00[1-9]\d{{0,2}}(?:(?:[ .+-]|{_ENCODED})?"
    rf"{_OPEN}\d{{1,4}}{_CLOSE}(?:[ .+-]|{_ENCODED})?|(?:[ .+-]|{_ENCODED}))\d{{1,5}}"
    rf"(?:(?:[ .+-]|{_ENCODED})?\d{{1,5}}){{1,5}}(?![\w]|[.:/-]\d)"
    rf"|(?:(?<![\w.:/-])|{_AFTER_SPACE})0\d{{1,4}}(?:[ -]|{_ENCODED})\d{{3,4}}(?:[ -]|{_ENCODED})?\d{{3,4}}"
    rf"(?![\w]|[.:/-]\d)"
    rf"|(?:(?<![\w.:/-])|{_AFTER_SPACE})0\d(?:(?:[ .]|{_ENCODED})\d\d){{4}}(?![\w]|[.:/-]\d))")
# IBANs (ISO 13616): a country code, two check digits, then 11-30 letters and digits, in one
# run, in groups of four as banks print them, or in groups of four joined by dashes (never a
# UUID: its first dash comes after eight characters); checked with mod 97 after, so a
# product code or an id of that shape passes only by a 1-in-97 chance on top of the shape.
# Typed in lower case (`de89 3704 ...`) it must also be as long as its country's IBANs are
# (IBAN_LENGTHS): lower-case hex ids of that shape are far commoner than upper-case ones.
_IBAN = re.compile(r"(?<![\w-])[A-Za-z]{2}\d{2}(?:(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,3})?"
                   r"|(?:-[A-Za-z0-9]{4}){2,7}(?:-[A-Za-z0-9]{1,3})?)(?![\w-])")
IBAN_LENGTH = (15, 34)   # characters without spaces, the shortest (Norway) to the longest
# Each country's IBAN length (the SWIFT registry, and the countries using IBANs outside it);
# capture.js holds the same string.
IBAN_COUNTRIES = ("AD24 AE23 AL28 AO25 AT20 AZ28 BA20 BE16 BF28 BG22 BH22 BI27 BJ28 BR29 BY28"
                  " CF27 CG27 CH21 CI28 CM27 CR22 CV25 CY28 CZ24 DE22 DJ27 DK18 DO28 DZ26 EE20"
                  " EG29 ES24 FI18 FK18 FO18 FR27 GA27 GB22 GE22 GI23 GL18 GQ27 GR27 GT28 GW25"
                  " HN28 HR21 HU28 IE22 IL23 IQ23 IR26 IS26 IT27 JO30 KM27 KW30 KZ20 LB28 LC32"
                  " LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MG27 MK19 ML28 MN20 MR27 MT31 MU30"
                  " MZ25 NE28 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24"
                  " SC31 SD18 SE24 SI19 SK24 SM27 SN28 SO23 ST25 SV28 TD27 TG28 TL23 TN24 TR26"
                  " UA29 VA22 VG24 XK20 YE30")
IBAN_LENGTHS = {c[:2]: int(c[2:]) for c in IBAN_COUNTRIES.split()}
# The countries whose account numbers (the part after the check digits) are digits only, in
# the registry: a letter there makes no IBAN of theirs (`DE891120DE89DE890000` passed mod 97,
# and held no run of digits the number hint looks for - a property test found it).
# capture.js holds the same string.
IBAN_DIGITS_ONLY = frozenset(("AE AT BA BE CZ DE DK EE ES FI HR HU IL IS LT ME NO PL PT RS SE"
                              " SI SK TN").split())
# US Social Security numbers as they are written, 3-2-4 with one separator (a dash or a
# space; nine bare digits are ids and timestamps far more often), never inside a date, a
# path or a dashed identifier; in the ranges the SSA issues: no area 000, 666 or 9xx (the
# 9xx are ITINs and the advertising range), no group 00, no serial 0000.
#
# Where it stands: after anything but a word character, `.`, `:`, `/` or `-` (a query value,
# `?ssn=078-05-1120`); glued to an `SSN` label (`ssn078-05-1120`) - not to other letters, a
# model or part number's (`XR500-12-3456`); after a label's colon
# (`SSN:078-05-1120`: a letter, then `:`); after `/` as a path segment of its own
# (`/users/078-05-1120/`, `?` or `#` or the end after it). Not after `-` (a dashed id or
# order ref, `ORD-123-45-6789`), `.` (a version), `_`, a digit or a digit's `:` (a time).
# What follows is no word character, and no `.`, `/` or `-` then a digit (a decimal, a
# path or a longer dashed id); a `:` then a digit is a stack frame's `:line:col`.
_SSN = re.compile(r"(?=\d{3}[ -])(?:(?<![\w.:/-])|(?<=[Ss][Ss][Nn])|(?<=[A-Za-z]:)|(?<=/)(?=\d{3}[ -]\d{2}[ -]\d{4}(?![\w.:-])))"
                  r"(?!000|666|9)\d{3}([ -])(?!00)\d{2}\1(?!0000)\d{4}(?![\w]|[./-]\d)")
# A session id is a name, not text: `cust-078-05-1120` is a customer's SSN there, where page
# text may hold an order ref of that shape. `in_id` reads an id's `-`, `_` and `.` as spaces
# too, for the kinds no UUID's groups make when read so (ID_JOINED_KINDS). An IBAN's can (its
# mod 97 holds for 1 in 97: `be93 ef72 9a38 6d2b` of `...-be93-ef729a386d2b`), and so can a
# phone's trunk 0 (`f47ac10b-0123-4567-8901-...`): the live intake refuses such an id.
_ID_JOINERS = re.compile(r"[-_.]")
ID_JOINED_KINDS = ("card", "ssn")
# ... of which a live visit's id is refused for (`in_id(live=True)`): a card's is not - a
# prefix and 16 random digits (`sess_6823729715771545`) is one to a Luhn check one time in
# twenty, and the intake refused that visit whole; an SSN's 3-2-4 groups no random id makes
ID_JOINED_LIVE_KINDS = ("ssn",)

# Necessary conditions, searched first (cheap, no lookbehind at every position): every
# e-mail match holds the first; every card, phone or SSN match - 9 or more digits, at most
# two of ` .()+-`, their URL escapes (`%20`, `%2B`, `%28`, `%29`) or runs of white space
# (`find` reads one as one space; JSON's `\n`, `\t`, `\r`, `\f` among it) between two of
# them - holds the second. Stylesheets, full of `@media` and short numbers, then skip the slow
# patterns.
_EMAIL_HINT = re.compile(r"[\w.+-](?:@|%40)[^\W_]")
# (a run of HTML's white space is one separator there: `find` reads it as one space, below)
_NUMBER_HINT = re.compile(r"\d(?:(?:[.()+-]|%2[0Bb89]|(?:[ \t\n\f\r]|\\[ntrf])++){0,2}\d){8}")
# Spaces other than the space a template or a formatter puts between a number's groups (a
# no-break space, `&nbsp;`; a figure, thin or narrow no-break space) are read as spaces, and
# characters that show nothing (a zero-width space or joiner, a word joiner, a soft hyphen, a
# byte order mark: put in an address to break it, or by a page's hyphenation) as nothing:
# `find` looks at the text so read (`_plain`) and names what it found in the text as given.
# (4111 1111 1111 1111 with no-break spaces, `jane\u200b@example.com`: in clear, and the
# audit found nothing - a privacy officer's tryout.) capture.js reads them alike.
# `find` also reads the text as a browser shows it, each run of HTML's white space
# (HTML_SPACE) one space: a template's line break and indentation between a number's groups
# in one text node (`4111⏎    1111⏎    1111⏎    1111`, shown `4111 1111 1111 1111`) - across
# text nodes `runs` reads a run of the page's text so too. JSON's escapes of white space
# (`\n`, `\t`, `\r`, `\f`: a console argument is JSON text, `"Card:\n4111…"`) are read as
# the white space they stand for - read as a letter, the `n` glued the value to a word: in
# clear, or an address masked with the `n` - and as they came (a path's `\nl91…`).
# Also a non-breaking hyphen, a hyphen or a figure or en dash between a phone's groups
# (`415‑555‑0100` as a formatter writes it), read as `-`; left-to-right and right-to-left marks
# (put around numbers on right-to-left pages) and the invisible operators among the
# invisible characters.
def _span(first: str, last: str) -> str:
    """The characters from `first` to `last`, both in."""
    return "".join(map(chr, range(ord(first), ord(last) + 1)))


_ODD_SPACES = "\u00a0" + _span("\u2000", "\u200a") + "\u202f\u205f\u3000"
_ODD_HYPHENS = _span("\u2010", "\u2013")
_INVISIBLE = ("\u00ad\u061c" + _span("\u200b", "\u200f") + _span("\u2060", "\u2064")
              + _span("\u2066", "\u2069") + "\ufeff")
# (none of them is special in a character class)
_ODD = re.compile(f"[{_ODD_SPACES}{_ODD_HYPHENS}{_INVISIBLE}]")
# HTML's white space (the space first); a no-break space is not among it (it shows as itself,
# and `_plain` reads it as a space before collapsing: more is read as one number, not less)
HTML_SPACE = " \t\n\f\r"
ESCAPED_SPACE = "ntrf"   # ... as JSON escapes it after a backslash (the space: itself)
_COLLAPSED = re.compile(rf"[{HTML_SPACE[1:]}]| {{2}}")
_ESCAPED = re.compile(rf"\\[{ESCAPED_SPACE}]")
_SPACE_RUN = re.compile(f"[{HTML_SPACE}]+")
# ... one that collapses between two groups of a number the shown reading may find: a digit or
# a bracket on one side, a digit, a letter (an IBAN's group) or a bracket or plus on the other
# (`4111⏎    1111`, `(415)⏎ 555`, `WEST⏎ 1234`). Not an IBAN parted between two groups of
# letters (`AAAA⏎BBBB`): prose's lines are read once.
_RUN = rf"(?:[{HTML_SPACE}]{{2,}}|[{HTML_SPACE[1:]}])"
_RUN_INSIDE = re.compile(rf"[\d)]{_RUN}(?:[^\W_]|[(+])|[^\W_]{_RUN}[\d(+]")
_INVISIBLES = re.compile(f"[{_INVISIBLE}]")
_VISIBLE = re.compile(f"[^{_INVISIBLE}]")
_AS_PLAIN = str.maketrans({**dict.fromkeys(_ODD_SPACES, " "), **dict.fromkeys(_ODD_HYPHENS, "-")})
# No detector matches fewer characters, or a string that holds neither hint: what the
# walkers check, in C, before calling `find`/`mask` (a price or a short id - most of the
# digits a page shows - is passed over without a Python call). A text holding an odd
# character (`_ODD`) goes through too: `find` asks the other hints of the text so read.
MIN_LEN = 6
HINTS = (_EMAIL_HINT.pattern, _NUMBER_HINT.pattern, _ODD.pattern)   # (the audit adds its own to these)
might_match = re.compile("|".join(HINTS)).search
# For a whole event's JSON at once (scanning megabytes with a regex costs more than the
# walk it would save): separators deleted and digits made `0`, nine digits in a row is a
# looser form of the number hint (asked again with JSON's `\n`, `\t`, `\r` and `\f` read as
# spaces and backslashes deleted: HTML's white space between a number's groups, in JSON text
# at any depth); an `@` or `%40` of the e-mail hint. A text holding `%2`
# is asked again with `%20`, `%2B`, `%2b`, `%28` and `%29` deleted too (the separators a URL
# encodes).
_DIGITS_ONLY = bytes(48 if 48 <= i <= 57 else 120 for i in range(256))
_SEPARATORS = b" .()+-"
_NINE = b"0" * 9


def might_match_json(raw: bytes) -> bool:
    """False only when no string in this JSON text can hold a detector match: a necessary
    condition checked in C (translate and substring searches, no regex). Non-ASCII text
    is always True: Unicode digits are `\\d` to the detectors, not to bytes."""
    if not raw.isascii():
        return True
    if b"@" in raw or b"%40" in raw or _NINE in raw.translate(_DIGITS_ONLY, _SEPARATORS):
        return True
    if b"\\" in raw:   # a line break or a tab between a number's groups, as JSON writes it
        # (`\\n` in a string that holds JSON text, a console argument: the backslashes go)
        raw = raw.replace(b"\\n", b" ").replace(b"\\t", b" ").replace(b"\\r", b" ") \
            .replace(b"\\f", b" ").replace(b"\\", b"")
        if _NINE in raw.translate(_DIGITS_ONLY, _SEPARATORS):
            return True
    if b"%2" not in raw:
        return False
    decoded = raw.replace(b"%20", b"").replace(b"%2B", b"").replace(b"%2b", b"") \
        .replace(b"%28", b"").replace(b"%29", b"")
    return _NINE in decoded.translate(_DIGITS_ONLY, _SEPARATORS)
_IPV4ISH = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_DATEISH = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
_DIGITS = re.compile(r"\d")
_NONSPACE = re.compile(r"\S")


class Finding(NamedTuple):
    kind: str
    start: int
    end: int
    value: str


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_ENCODED_SEPARATOR = re.compile(r"%2[0Bb89]")
_DECODED = {"%20": " ", "%2B": "+", "%2b": "+", "%28": "(", "%29": ")"}


def _decoded(m: str) -> str:
    """A match with the spaces, pluses and brackets a URL encodes (`%20`, `%2B`, `%28`,
    `%29`) read back, so the checks count its own digits, not the digits of its escapes."""
    if "%" not in m:
        return m
    return _ENCODED_SEPARATOR.sub(lambda e: _DECODED[e.group()], m)


# A file's extension where an e-mail's top-level domain would be - none of them is a
# top-level domain - makes a file name of the match, not an address: a high-density image
# (`logo@2x.png`, `icons@3x.webp`), a stylesheet or a font named so. Masked, the replay
# showed those images broken under the default rules. capture.js keeps the same list.
FILE_EXTENSIONS = frozenset(
    "png jpg jpeg gif webp avif svg ico bmp tif tiff css js mjs json woff woff2 ttf otf eot"
    " mp3 mp4 webm ogg wav html htm php".split())


def _email(m: str) -> str:
    """The address in an e-mail pattern's match: all of it, or, ending in a file's extension,
    what stands before the extension if that is an address (`jane@example.com.png`, an
    avatar named by its owner's address), else nothing (`logo@2x.png`)."""
    if m.rpartition(".")[2].lower() not in FILE_EXTENSIONS:
        return m
    m = m.rpartition(".")[0]
    return m if _EMAIL.fullmatch(m) and m.rpartition(".")[2].lower() not in FILE_EXTENSIONS else ""


def _card_ok(m: str) -> bool:
    digits = "".join(_DIGITS.findall(_decoded(m)))
    return 13 <= len(digits) <= 19 and luhn_ok(digits)


def _phone_ok(m: str) -> bool:
    m = _decoded(m)
    n = len(_DIGITS.findall(m)) - (2 if m.startswith("00") else 0)   # (00: the + dialled)
    if not 9 <= n <= 15:
        return False
    if _IPV4ISH.match(m) or _DATEISH.match(m):
        return False
    if "." in m and "+" not in m and "(" not in m and not m.startswith("00") \
            and m.count(".") != 2:
        return False  # dotted numbers are versions/amounts unless shaped like 555.123.4567
        # (or dialled international: +33.1.42..., 0033.1.42...)
    return True


def _iban_ok(m: str) -> bool:
    s = m.replace(" ", "").replace("-", "")
    if not IBAN_LENGTH[0] <= len(s) <= IBAN_LENGTH[1]:
        return False
    country = s[:2].upper()
    if s != s.upper() and IBAN_LENGTHS.get(country) != len(s):
        return False   # typed in lower case: a country's IBAN, as long as its IBANs are
    if country in IBAN_DIGITS_ONLY and (IBAN_LENGTHS[country] != len(s) or not s[4:].isdigit()):
        return False   # (str.isdigit: any script's digits; the pattern takes ASCII ones only)
    moved = s[4:] + s[:4]   # the check: as a number (A=10 ... Z=35), mod 97 is 1
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _plain(text: str) -> tuple[str, list[int] | None]:
    """`text` with its odd spaces as spaces, odd hyphens as `-` and its invisible characters
    left out (_ODD), and where each of its characters stands in `text` (None: where it stands
    here - no invisible character, the common case: a translation in C)."""
    if text.isascii() or _ODD.search(text) is None:
        return text, None
    spaced = text.translate(_AS_PLAIN)
    if _INVISIBLES.search(spaced) is None:
        return spaced, None
    where = [m.start() for m in _VISIBLE.finditer(spaced)]
    return "".join(spaced[i] for i in where), where


def _runs(text: str, rx: re.Pattern) -> tuple[list[int], list[int]]:
    """The matches of `rx` in `text` longer than one character - each one character in the
    text read so (`_ESCAPED`: an escape; `_SPACE_RUN`: a run of white space) - where each
    stands in the text so read, and how many characters fewer it has up to there (`_back`)."""
    at: list[int] = []
    fewer: list[int] = []
    gone = 0
    for m in rx.finditer(text):
        if m.end() - m.start() > 1:
            at.append(m.start() - gone)
            gone += m.end() - m.start() - 1
            fewer.append(gone)
    return at, fewer


def _back(runs: tuple[list[int], list[int]], found: list[Finding]) -> list[Finding]:
    """Findings in a text read with `_runs`'s matches made one character, placed back in the
    text as it was."""
    at, fewer = runs

    def place(i: int) -> int:
        k = bisect_left(at, i)
        return i + (fewer[k - 1] if k else 0)
    return [f._replace(start=place(f.start), end=place(f.end - 1) + 1) for f in found]


def _union(first: list[Finding], second: list[Finding]) -> list[Finding]:
    """What either reading found, overlapping spans made one: the text read as given and as
    shown each find what the other may not - the card a line ends with (`4111 1111 1111
    1111⏎12/28`: as shown, the next line's digits join it and the Luhn check fails), the
    number a template's line breaks part (as shown only). A span made of two keeps a kind
    that is no identifier (IDENTIFIER_KINDS: left where a recording names its user) if one
    of them has it - a card beside a phone stays a card."""
    out: list[Finding] = []
    for f in sorted(first + second, key=lambda f: f.start):   # (stable: the first's first)
        if out and f.start < out[-1].end:
            last = out[-1]
            kind = f.kind if last.kind in IDENTIFIER_KINDS else last.kind
            out[-1] = last._replace(kind=kind, end=max(last.end, f.end))
        else:
            out.append(f)
    return out


_UNESCAPED = {"\\n": "\n", "\\t": "\t", "\\r": "\r", "\\f": "\f"}


def _unescaped(m: re.Match) -> str:
    return _UNESCAPED[m.group()]


def find(text: str, kinds: Iterable[str] = KINDS) -> Iterator[Finding]:
    """Every match of the enabled detectors in `text`, in order, without overlaps: the first
    detector in email, iban, card, ssn, phone order keeps what two match (an IBAN's digits
    are not also a card number or a phone) - capture.js decides in the same order. Odd
    spaces and invisible characters are read as `_plain` reads them, JSON's escapes of
    white space (`\\n`, `\\t`, `\\r`, `\\f`) as the white space they stand for; then white
    space is read twice, as given and as shown (each run one space, `_SPACE_RUN`), and what
    either reading finds is found (`_union`). Each finding is named in `text` as given, what
    the reading left out inside it included."""
    if not text or len(text) < MIN_LEN:
        return
    plain, where = _plain(text)
    given = plain
    if "\\" in plain and _ESCAPED.search(plain) is not None:
        given = _ESCAPED.sub(_unescaped, plain)
    found = list(_find(given, kinds))
    # (the shown reading may find more only where a run inside a number's groups parts them -
    # the number hint takes a run as one separator)
    if _COLLAPSED.search(given) is not None and _RUN_INSIDE.search(given) is not None \
            and _NUMBER_HINT.search(given) is not None:
        shown = list(_find(_SPACE_RUN.sub(" ", given), kinds))
        if shown:
            found = _union(found, _back(_runs(given, _SPACE_RUN), shown))
    elif where is None and given is text:   # (the common case: each finding as it came)
        yield from found
        return
    if given is not plain:
        found = _back(_runs(plain, _ESCAPED), found)
        # ... and as it came too, a backslash and a letter where they stand (a path's
        # `\\nl91abna…`: as an escape, the IBAN lost its first letter) - but an address the
        # escape's letter would begin (`\\njane@…`) is the escaped reading's: masked with
        # the `n`, JSON text no longer decodes
        starts = {f.start for f in found}
        found = _union(found, [f for f in _find(plain, kinds)
                               if not (f.start and f.start + 1 in starts
                                       and plain[f.start - 1] == "\\"
                                       and plain[f.start] in ESCAPED_SPACE)])
    for f in found:
        start, end = (f.start, f.end) if where is None else (where[f.start], where[f.end - 1] + 1)
        yield Finding(f.kind, start, end, text[start:end])


def _find(text: str, kinds: Iterable[str]) -> Iterator[Finding]:
    if len(text) < MIN_LEN:
        return
    found: list[Finding] = []
    has_digit = _NUMBER_HINT.search(text) is not None
    if "email" in kinds and _EMAIL_HINT.search(text) is not None:
        for m in _EMAIL.finditer(text):
            if address := _email(m.group()):
                found.append(Finding("email", m.start(), m.start() + len(address), address))
    if "iban" in kinds and has_digit:
        taken = [(f.start, f.end) for f in found]
        found.extend(Finding("iban", m.start(), m.end(), m.group())
                     for m in _IBAN.finditer(text) if _iban_ok(m.group())
                     and not any(s < m.end() and m.start() < e for s, e in taken))
    if "card" in kinds and has_digit:
        taken = [(f.start, f.end) for f in found]
        found.extend(Finding("card", m.start(), m.end(), m.group())
                     for m in _CARD.finditer(text) if _card_ok(m.group())
                     and not any(s < m.end() and m.start() < e for s, e in taken))
    if "ssn" in kinds and has_digit:
        taken = [(f.start, f.end) for f in found]
        found.extend(Finding("ssn", m.start(), m.end(), m.group()) for m in _SSN.finditer(text)
                     if not any(s < m.end() and m.start() < e for s, e in taken))
    if "phone" in kinds and has_digit:
        taken = [(f.start, f.end) for f in found]
        for m in _PHONE.finditer(text):
            if _phone_ok(m.group()) and not any(s < m.end() and m.start() < e for s, e in taken):
                found.append(Finding("phone", m.start(), m.end(), m.group()))
    found.sort(key=lambda f: f.start)
    last = -1
    for f in found:
        if f.start >= last:
            yield f
            last = f.end


def in_id(recorded_id: str, kinds: Iterable[str] = KINDS, *, live: bool = False) -> list[str]:
    """The kinds of personal data a session id holds: what `find` finds in it, or, of
    ID_JOINED_KINDS, in it with its `-`, `_` and `.` read as spaces (`cust-078-05-1120`,
    `user_4111111111111111`: in a name, a joined number is the number). [] for an ordinary
    id. `live`: an id a live visit sends, which the intake refuses rather than hashes - read
    joined for ID_JOINED_LIVE_KINDS only."""
    kinds = tuple(kinds)
    found = [f.kind for f in find(recorded_id, kinds)]
    joined = tuple(k for k in (ID_JOINED_LIVE_KINDS if live else ID_JOINED_KINDS)
                   if k in kinds)
    if joined and _ID_JOINERS.search(recorded_id) is not None:
        found += [f.kind for f in find(_ID_JOINERS.sub(" ", recorded_id), joined)]
    return list(dict.fromkeys(found))


# What `mask` writes for each character of a match but whitespace ("like text": the layout
# survives, the content does not).
MASKED_CHAR = "x"
# ... so what it leaves of a match: a run of them, spaces between their groups as the value had
# them (a card's `xxxx xxxx xxxx xxxx`), MIN_LEN of them or more (every match has that many
# characters besides its spaces: an e-mail address has no space, a number nine digits or
# more). Whatever stands beside it (a label a number is glued to, `ssnxxxxxxxxxxx`): no word
# holds MIN_LEN x's in a row.
# (JSON's escapes of white space between them too: a console argument's `xxxx\nxxxx`; read
# by `masked_in` and the Playwright scripts)
MASKED_RUN = re.compile(rf"{MASKED_CHAR}+(?:(?:\s|\\[{ESCAPED_SPACE}])+{MASKED_CHAR}+)*")


_MASKED_UNIT = re.compile(rf"(\\[{ESCAPED_SPACE}])|\S")


def _masked(value: str) -> str:
    """`value` masked like text: white space stays, JSON's escaped white space too."""
    if "\\" not in value:
        return _NONSPACE.sub(MASKED_CHAR, value)
    return _MASKED_UNIT.sub(lambda m: m.group(1) or MASKED_CHAR, value)


def masked_in(text: str) -> bool:
    """Whether `text` holds what `mask` leaves of a match (`Signed in as xxxxxxxxxxxxxxxxxxxxx`:
    an address masked in a sentence): the value is not in it - a page run again shows the
    real one there, so the text is no state to wait for, nor a name to look an element up by.
    A word of fewer x's than any match leaves (`xx`, `Box`) is not one."""
    return any(m.group().count(MASKED_CHAR) >= MIN_LEN for m in MASKED_RUN.finditer(text))


def mask_id(recorded_id: str) -> str:
    """A session id with what `in_id` finds in it masked like text (`cust-xxxxxxxxxxx`): how
    an import may name a recording's own id it stored under a hash."""
    spans = [(f.start, f.end) for f in find(recorded_id)]
    if _ID_JOINERS.search(recorded_id) is not None:   # read so, each character keeps its place
        spans += [(f.start, f.end) for f in find(_ID_JOINERS.sub(" ", recorded_id), ID_JOINED_KINDS)]
    if not spans:
        return recorded_id
    out = list(recorded_id)
    for start, end in spans:
        out[start:end] = _masked(recorded_id[start:end])
    return "".join(out)


def mask(text: str, kinds: Iterable[str] = KINDS) -> str:
    """`text` with every detected match masked like text (non-whitespace -> MASKED_CHAR;
    `masked_in` recognises what is left)."""
    if len(text) < MIN_LEN or might_match(text) is None:
        return text  # the common case, decided in C
    out = []
    pos = 0
    for f in find(text, kinds):
        out.append(text[pos:f.start])
        out.append(_masked(f.value))
        pos = f.end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def excerpt(kind: str, value: str) -> str:
    """A recognisable but useless excerpt for reports: `j***@e***.com`, `**** 1111`,
    `***-**67`, `***-**-**89`. Never the full value. (Of the value as the detectors read it:
    `_plain`.)"""
    value = _plain(value)[0]
    if kind == "email" and ("@" in value or "%40" in value):
        local, _, domain = value.replace("%40", "@").partition("@")
        host, dot, tld = domain.rpartition(".")
        return f"{local[:1]}***@{host[:1]}***{dot}{tld}"
    digits = "".join(_DIGITS.findall(value))
    if kind == "card":
        return "**** " + digits[-4:]
    if kind == "phone":
        return "***-**" + digits[-2:]
    if kind == "iban":
        return value[:2].upper() + "** **** " + value.replace(" ", "").replace("-", "")[-3:]
    if kind == "ssn":
        return "***-**-**" + digits[-2:]
    return value[:1] + "***"
