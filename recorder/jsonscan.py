"""One pass over an event's JSON text, in place of several byte prefilters.

The limits and the privacy pass each ask the event's JSON a few cheap questions before they
decide whether to walk the decoded event: how deep it nests, how many keys it may hold,
whether it holds an integer too long for 64 bits, whether any of its strings could hold
a detector match. Asked with bytes methods (`translate`, `count`, `replace`), each question
is a pass over the whole text: a tenth of a real recording's import went there.
`scan_json` answers all of them in one pass that reads the text as JSON - strings apart
from the rest - so each answer is about what it concerns: keys and nesting outside
strings, integers among the numbers, detector hints inside strings only (a detector sees
strings and keys, never numbers, so a timestamp or a node id is no hint).

Compiled (see setup.py and jsonscan.pxd), the pass is a C loop over the bytes. As plain
Python a loop over bytes costs more than the passes it replaces, so there `scan_json`
answers None and the callers ask their bytes methods as before.
"""
from __future__ import annotations

import importlib.machinery

# ASCII bytes the scan tells apart
_QUOTE, _BACKSLASH, _U = 0x22, 0x5C, 0x75
_OPEN_BRACE, _OPEN_BRACKET, _CLOSE_BRACE, _CLOSE_BRACKET = 0x7B, 0x5B, 0x7D, 0x5D
_COLON, _AT, _PERCENT, _FOUR, _ZERO, _NINE = 0x3A, 0x40, 0x25, 0x34, 0x30, 0x39
# what the detectors' number hint allows between two digits (detectors._SEPARATORS), and
# the `%20`, `%2B`, `%2b`, `%28` and `%29` of a space, a plus or a bracket a URL encodes
_SPACE, _DOT, _LPAREN, _RPAREN, _DASH, _PLUS = 0x20, 0x2E, 0x28, 0x29, 0x2D, 0x2B
_TWO, _EIGHT, _UPPER_B, _LOWER_B = 0x32, 0x38, 0x42, 0x62
# ... and HTML's white space as JSON escapes it (`\n`, `\t`, `\r`, `\f`): the detectors read a
# run of it between two groups as one space, escaped or not (detectors._plain)
_LOWER_N, _LOWER_T, _LOWER_R, _LOWER_F = 0x6E, 0x74, 0x72, 0x66
_NON_ASCII = 0x80
# what each byte is inside a string: one table lookup per byte
_PLAIN, _DIGIT, _SEPARATOR, _END, _ESCAPE, _HINT, _PERCENT_SIGN = range(7)
_STRING_KINDS = bytes(
    _DIGIT if _ZERO <= b <= _NINE else
    _SEPARATOR if b in (_SPACE, _DOT, _LPAREN, _RPAREN, _DASH, _PLUS) else
    _END if b == _QUOTE else
    _ESCAPE if b == _BACKSLASH else
    _HINT if b >= _NON_ASCII or b == _AT else
    _PERCENT_SIGN if b == _PERCENT else _PLAIN for b in range(256))
HINT_DIGITS = 9         # digits in a row (separators between them) that make a number hint
LONG_DIGITS = 19        # digits of a number beyond which it may not fit 64 bits
PAIRS = 1 << 16         # the values of two bytes: the size of `Needles`' table
MAX_PAIR_GROUPS = 255   # the needles' first pairs the table tells apart (a byte each)
# each byte with its ASCII letter lower-cased (what `bytes.lower` does, byte by byte)
_LOWER = bytes(range(256)).lower()

# this module runs compiled (an extension module), not from its source
COMPILED = isinstance(__spec__.loader, importlib.machinery.ExtensionFileLoader)


class JsonFacts:
    """What one pass over a JSON text found (`scan_json`)."""

    __slots__ = ("depth", "colons", "long_number", "string_hint", "escapes")

    def __init__(self, depth: int, colons: int, long_number: bool, string_hint: bool,
                 escapes: bool):
        self.depth = depth              # bracket nesting, outside strings (a flat object: 1)
        self.colons = colons            # key separators, outside strings: keys of all maps
        self.long_number = long_number  # a number of LONG_DIGITS or more digits in a row
        # a string (or key) may hold a detector match: a non-ASCII or `\\u`-escaped
        # character, an `@` or `%40`, or HINT_DIGITS digits with only ` .()+-`, their
        # URL escapes (`%20`, `%2B`, `%2b`, `%28`, `%29`) or escaped white space between them
        self.string_hint = string_hint
        self.escapes = escapes          # a string holds an escape (`\\`): not as written


def scan_json(text: bytes, *, always: bool = False) -> JsonFacts | None:
    """The facts of a JSON text (an event's, as encoded or as received); None when this
    build cannot tell them in one cheap pass (plain Python), or the text is not well-formed
    JSON (an unterminated string, unbalanced brackets): then the callers' own checks run.
    `always`: plain Python too answers, by the slow loop - for a caller whose other way
    would be one meaning in two places (the privacy pass's, `SessionMasker.mask_event`)."""
    if not COMPILED and not always:
        return None
    return _scan(text)


def _scan(text: bytes) -> JsonFacts | None:
    """The pass itself (plain Python: the reference the compiled loop is tested against)."""
    p = text                # a pointer to the bytes, compiled
    kinds = _STRING_KINDS
    n = len(text)
    i = 0
    depth = deepest = colons = 0
    run = 0                 # digits in a row outside strings
    long_number = False
    hint = False
    escapes = False
    while i < n:
        c = p[i]
        i += 1
        if c == _QUOTE:
            # a string (or key), to its closing quote
            digits = 0      # digits with only separators between them
            slash = False   # an escaped backslash came last: a letter now may be JSON's escape
            closed = False
            while i < n:
                k = kinds[p[i]]
                i += 1
                if k == _PLAIN:
                    if not (slash and (p[i - 1] == _LOWER_N or p[i - 1] == _LOWER_T
                                       or p[i - 1] == _LOWER_R or p[i - 1] == _LOWER_F)):
                        digits = 0
                    slash = False
                elif k == _DIGIT:
                    digits += 1
                    if digits >= HINT_DIGITS:
                        hint = True
                elif k == _END:
                    closed = True
                    break
                elif k == _ESCAPE:
                    # `\\uXXXX` may spell any character; `\\n`, `\\t`, `\\r` and `\\f` are
                    # separators (white space, as the detectors read it); an escaped
                    # backslash leaves the digits counted and makes a letter after it a
                    # separator (`\\\\n`:
                    # a string holding JSON text, a console argument, holds `\\n`) - until
                    # the next letter or escape: a looser hint, never a narrower one; every
                    # other escape is a character that is neither a digit nor a separator
                    escapes = True
                    if i < n and p[i] == _BACKSLASH:
                        slash = True
                    else:
                        if i < n and p[i] == _U:
                            hint = True
                        if not (i < n and (p[i] == _LOWER_N or p[i] == _LOWER_T
                                           or p[i] == _LOWER_R or p[i] == _LOWER_F)):
                            digits = 0
                        slash = False
                    i += 1
                elif k == _HINT:
                    hint = True
                    digits = 0
                elif k == _PERCENT_SIGN:
                    if i + 1 < n and p[i] == _FOUR and p[i + 1] == _ZERO:
                        hint = True
                        digits = 0
                    elif i + 1 < n and p[i] == _TWO and (p[i + 1] == _UPPER_B
                                                         or p[i + 1] == _LOWER_B):
                        i += 2      # an encoded plus: a separator, the digits go on
                    elif not (i + 1 < n and p[i] == _TWO and (p[i + 1] == _ZERO or
                                                              p[i + 1] == _EIGHT or
                                                              p[i + 1] == _NINE)):
                        digits = 0
                    # an encoded space or bracket (`%20`, `%28`, `%29`): a separator, and
                    # its digits counted as the digits they are too (a detector may read
                    # them either way: the count is at least what each reading counts)
                # else a separator: the digits go on
            if not closed:
                return None
            run = 0
        elif _ZERO <= c <= _NINE:
            run += 1
            if run >= LONG_DIGITS:
                long_number = True
        else:
            run = 0
            if c == _OPEN_BRACE or c == _OPEN_BRACKET:
                depth += 1
                if depth > deepest:
                    deepest = depth
            elif c == _CLOSE_BRACE or c == _CLOSE_BRACKET:
                depth -= 1
                if depth < 0:
                    return None
            elif c == _COLON:
                colons += 1
    if depth != 0:
        return None
    return JsonFacts(deepest, colons, long_number, hint, escapes)


class Needles:
    """Texts to look for in JSON texts, ASCII case ignored (`in_text`): the values a session
    typed into masked fields, as `echoes.Echoes` looks for them in each event's JSON before
    it walks the event. `needles`: lower-case bytes.

    A test per needle (`needle in text.lower()`) is a pass over the text per needle - with a
    dozen values typed, most of an import's privacy pass. Compiled, one pass over the text
    looks up each pair of bytes in a table of the needles' first two bytes and compares only
    the needles starting with that pair, where it is, lower-casing each byte as it reads it
    (a lower-cased copy of each event's JSON cost two fifths of the pass); as plain Python (and
    for one needle, a needle shorter than a pair, or more pairs than the table tells apart)
    the passes per needle, with the same answers."""

    __slots__ = ("needles", "_pairs", "_groups", "_indexes", "_per_needle")

    def __init__(self, needles: "tuple[bytes, ...]"):
        self.needles = tuple(needles)
        by_pair: dict[int, list[bytes]] = {}
        places: dict[int, list[int]] = {}   # each pair's needles by their place in `needles`
        for k, nd in enumerate(self.needles):
            if len(nd) >= 2:
                by_pair.setdefault(nd[0] << 8 | nd[1], []).append(nd)
                places.setdefault(nd[0] << 8 | nd[1], []).append(k)
        # a needle of fewer than two bytes has no pair; the table holds MAX_PAIR_GROUPS
        tabled = len(by_pair) <= MAX_PAIR_GROUPS and all(len(nd) >= 2 for nd in self.needles)
        # one needle: its own search (`in`) is one pass already, and quicker
        self._per_needle = not tabled or len(self.needles) < 2
        pairs = bytearray(PAIRS)      # a pair's group of needles, counted from 1 (0: none)
        groups = []
        if tabled:
            for pair, group in by_pair.items():
                groups.append(tuple(group))
                pairs[pair] = len(groups)
        self._pairs = bytes(pairs)
        self._groups = tuple(groups)
        self._indexes = tuple(tuple(places[pair]) for pair in by_pair) if tabled else ()

    def in_text(self, text: bytes) -> bool:
        """True when `text`, its ASCII letters lower-cased, holds one of the needles."""
        if not COMPILED or self._per_needle:
            low = text.lower()
            return any(nd in low for nd in self.needles)
        return self._scan(text)

    def found(self, text: bytes) -> list[int]:
        """The places in `needles` of those `text` holds (ASCII case ignored), in order (a
        needle given twice: both)."""
        if not COMPILED or self._per_needle:
            low = text.lower()
            return [k for k, nd in enumerate(self.needles) if nd in low]
        return self._found(text)

    def _found(self, text: bytes) -> list[int]:
        """`found`'s one pass (compiled; plain Python: the reference it is tested against):
        `_scan`'s, going on to the end, each needle's place marked when first seen."""
        p = text                # pointers to the bytes, compiled
        lower = _LOWER
        pairs = self._pairs
        n = len(text)
        seen = bytearray(len(self.needles))
        hits = 0
        i = 0
        while i + 1 < n:
            g = pairs[lower[p[i]] << 8 | lower[p[i + 1]]]
            if g:
                group = self._groups[g - 1]
                indexes = self._indexes[g - 1]
                for k in range(len(group)):
                    nd = group[k]
                    q = nd
                    m = len(nd)
                    if i + m <= n and not seen[indexes[k]]:
                        j = 2           # the pair matched
                        while j < m and lower[p[i + j]] == q[j]:
                            j += 1
                        if j == m:
                            seen[indexes[k]] = 1
                            hits += 1
            i += 1
        if not hits:
            return []
        return [k for k in range(len(seen)) if seen[k]]

    def _scan(self, text: bytes) -> bool:
        """The one pass (compiled; plain Python: the reference it is tested against), each
        byte read through `_LOWER`."""
        p = text                # pointers to the bytes, compiled
        lower = _LOWER
        pairs = self._pairs
        n = len(text)
        i = 0
        while i + 1 < n:
            g = pairs[lower[p[i]] << 8 | lower[p[i + 1]]]
            if g:
                for nd in self._groups[g - 1]:
                    q = nd
                    m = len(nd)
                    if i + m <= n:
                        j = 2           # the pair matched
                        while j < m and lower[p[i + j]] == q[j]:
                            j += 1
                        if j == m:
                            return True
            i += 1
        return False
