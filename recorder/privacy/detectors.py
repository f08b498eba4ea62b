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
from typing import Iterable, Iterator, NamedTuple

# What each detector finds, as a sentence names it (`replay audit --help` is made from it):
# the table of detectors, KINDS its names.
FINDS = {"email": "e-mail addresses", "card": "payment card numbers", "phone": "phone numbers",
         "iban": "bank account numbers (IBANs)", "ssn": "US Social Security numbers"}
KINDS = tuple(FINDS)


def what_they_find(kinds: Iterable[str] = KINDS) -> str:
    """What these detectors find, in words: "e-mail addresses, ... and phone numbers"."""
    said = [FINDS[k] for k in kinds]
    return said[0] if len(said) == 1 else f"{', '.join(said[:-1])} and {said[-1]}"

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}(?:@|%40)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}\b")
# Card numbers as people and forms write them: 13-19 digits in one run, 4-4-4-4(-1..3)
# with one consistent separator, or American Express 4-6-5; never inside a word or a
# dashed identifier (UUIDs, order refs); issuer prefixes 2-6; Luhn-checked after.
_CARD = re.compile(r"(?<![\w.-])(?:[2-6]\d{12,18}"
                   r"|[2-6]\d{3}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?"
                   r"|3[47]\d{2}([ -])\d{6}\2\d{5})(?![\w-])")
# Phones, in the shapes people write them (not any run of digit groups: SVG paths, dates,
# versions and coordinates are full of those): +international, (area) code, North American
# 3-3-4 with one separator, national numbers with a trunk 0 (UK, FR, DE...).
_PHONE = re.compile(
    r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,5}){1,6}(?![\w])"
    r"|(?<![\w(])\(\d{2,5}\)[ .-]?\d{2,5}(?:[ .-]?\d{2,5}){0,3}(?!\w)"
    r"|(?<![\w.:/-])(?:1[ .-])?\d{3}([ .-])\d{3}\1\d{4}(?![\w]|[.:/-]\d)"
    r"|(?<![\w.:/-])0\d{1,4}[ -]\d{3,4}[ -]?\d{3,4}(?![\w]|[.:/-]\d)"
    r"|(?<![\w.:/-])0\d(?:[ .]\d\d){4}(?![\w]|[.:/-]\d)")
# IBANs (ISO 13616): a country code, two check digits, then 11-30 letters and digits, in one
# run or in groups of four as banks print them; checked with mod 97 after, so a product code
# or an id of that shape passes only by a 1-in-97 chance on top of the shape.
_IBAN = re.compile(r"(?<![\w-])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![\w-])")
IBAN_LENGTH = (15, 34)   # characters without spaces, the shortest (Norway) to the longest
# US Social Security numbers as they are written, 3-2-4 with one separator (a dash or a
# space; nine bare digits are ids and timestamps far more often), never inside a date, a
# path or a dashed identifier; in the ranges the SSA issues: no area 000, 666 or 9xx (the
# 9xx are ITINs and the advertising range), no group 00, no serial 0000.
_SSN = re.compile(r"(?<![\w.:/-])(?!000|666|9)\d{3}([ -])(?!00)\d{2}\1(?!0000)\d{4}"
                  r"(?![\w]|[.:/-]\d)")
# Necessary conditions, searched first (cheap, no lookbehind at every position): every
# e-mail match holds the first; every card or phone match - 9 or more digits, at most two
# of ` .()-` between two of them - holds the second. Stylesheets, full of `@media` and
# short numbers, then skip the slow patterns.
_EMAIL_HINT = re.compile(r"[\w.+-](?:@|%40)[A-Za-z0-9]")
_NUMBER_HINT = re.compile(r"\d(?:[ .()-]{0,2}\d){8}")
# No detector matches fewer characters, or a string that holds neither hint: what the
# walkers check, in C, before calling `find`/`mask` (a price or a short id - most of the
# digits a page shows - is passed over without a Python call).
MIN_LEN = 6
HINTS = (_EMAIL_HINT.pattern, _NUMBER_HINT.pattern)   # (the audit adds its own to these)
might_match = re.compile("|".join(HINTS)).search
# For a whole event's JSON at once (scanning megabytes with a regex costs more than the
# walk it would save): separators deleted and digits made `0`, nine digits in a row is a
# looser form of the number hint; an `@` or `%40` of the e-mail hint.
_DIGITS_ONLY = bytes(48 if 48 <= i <= 57 else 120 for i in range(256))
_SEPARATORS = b" .()-"
_NINE = b"0" * 9


def might_match_json(raw: bytes) -> bool:
    """False only when no string in this JSON text can hold a detector match: a necessary
    condition checked in C (translate and substring searches, no regex). Non-ASCII text
    is always True: Unicode digits are `\\d` to the detectors, not to bytes."""
    if not raw.isascii():
        return True
    return b"@" in raw or b"%40" in raw or _NINE in raw.translate(_DIGITS_ONLY, _SEPARATORS)
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


def _card_ok(m: str) -> bool:
    digits = "".join(_DIGITS.findall(m))
    return 13 <= len(digits) <= 19 and luhn_ok(digits)


def _phone_ok(m: str) -> bool:
    n = len(_DIGITS.findall(m))
    if not 9 <= n <= 15:
        return False
    if _IPV4ISH.match(m) or _DATEISH.match(m):
        return False
    if "." in m and "+" not in m and "(" not in m and m.count(".") != 2:
        return False  # dotted numbers are versions/amounts unless shaped like 555.123.4567
    return True


def _iban_ok(m: str) -> bool:
    s = m.replace(" ", "")
    if not IBAN_LENGTH[0] <= len(s) <= IBAN_LENGTH[1]:
        return False
    moved = s[4:] + s[:4]   # the check: as a number (A=10 ... Z=35), mod 97 is 1
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def find(text: str, kinds: Iterable[str] = KINDS) -> Iterator[Finding]:
    """Every match of the enabled detectors in `text`, in order, without overlaps: the first
    detector in email, iban, card, ssn, phone order keeps what two match (an IBAN's digits
    are not also a card number or a phone) - capture.js decides in the same order."""
    if not text or len(text) < MIN_LEN:
        return
    found: list[Finding] = []
    has_digit = _NUMBER_HINT.search(text) is not None
    if "email" in kinds and _EMAIL_HINT.search(text) is not None:
        found.extend(Finding("email", m.start(), m.end(), m.group()) for m in _EMAIL.finditer(text))
    if "iban" in kinds and has_digit:
        found.extend(Finding("iban", m.start(), m.end(), m.group())
                     for m in _IBAN.finditer(text) if _iban_ok(m.group()))
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


def mask(text: str, kinds: Iterable[str] = KINDS) -> str:
    """`text` with every detected match masked like text (non-whitespace -> x)."""
    if len(text) < MIN_LEN or might_match(text) is None:
        return text  # the common case, decided in C
    out = []
    pos = 0
    for f in find(text, kinds):
        out.append(text[pos:f.start])
        out.append(_NONSPACE.sub("x", f.value))
        pos = f.end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def excerpt(kind: str, value: str) -> str:
    """A recognisable but useless excerpt for reports: `j***@e***.com`, `**** 1111`,
    `***-**67`, `***-**-**89`. Never the full value."""
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
        return value[:2] + "** **** " + value.replace(" ", "")[-3:]
    if kind == "ssn":
        return "***-**-**" + digits[-2:]
    return value[:1] + "***"
