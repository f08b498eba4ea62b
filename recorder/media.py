"""The visitor's media features, as recorded: what their browser answered for the user
preferences a page's CSS can ask about (`@media (prefers-color-scheme: dark)`), so a replay
shows the page as the visitor saw it, not as the machine replaying prefers.

capture.js asks the browser (`matchMedia`) when it takes a full snapshot and sends the
answers in that snapshot's Meta event, `data.mediaFeatures`:
`{"prefers-color-scheme": "dark", "prefers-reduced-motion": "reduce", ...}` (FEATURES lists
the features and the values asked about; a `no-preference` is left out). rrweb's Meta has only href, width and height: a
recording without the field replays as it always did (the replaying browser decides).

This module is the one reader of that field (`read_meta`) and the one judge of a media
condition against it (`holds`): the player's sanitizer rewrites a condition on a recorded
feature into one that is always true or always false (`rewrite_queries`) - in style sheets,
`<style>`, a `media` attribute, CSSOM rules, adopted sheets alike - and a `color-scheme`
(the property, `<meta name="color-scheme">`) that offers the recorded scheme into that one
scheme (`color_scheme`), so the browser's own defaults (canvas, form controls) follow too.

Not replayed: `forced-colors` (it recolours the whole page, not only what CSS asks) and a
preference changed in the middle of a page (the next page's snapshot carries the new one).
"""
from __future__ import annotations

import re
from typing import Any

META_KEY = "mediaFeatures"   # the Meta event's field (recorder.format.MetaData)
CONTEXT_KEY = "media_features"   # the session's facts (recorder.semantics): {feature: value}
COLOR_SCHEME = "prefers-color-scheme"
# feature -> (the values capture.js asks about, the value a boolean context reads as false;
# None when every value is true there, as `(prefers-color-scheme)` is)
FEATURES: dict[str, tuple[tuple[str, ...], str | None]] = {
    COLOR_SCHEME: (("light", "dark"), None),
    "prefers-reduced-motion": (("no-preference", "reduce"), "no-preference"),
    "prefers-contrast": (("no-preference", "more", "less", "custom"), "no-preference"),
}
# What a condition on a recorded feature becomes: valid media conditions whose answer no
# browser's state changes (a viewport's width is never negative), so `not` and `and` around
# them still read as the visitor's browser read the original.
ALWAYS = "(width >= 0px)"
NEVER = "(width < 0px)"

# A set of recorded features: (feature, value) pairs in FEATURES' order - hashable, so the
# sanitizer's memos can key on it; empty when nothing was recorded.
Features = tuple[tuple[str, str], ...]
NONE: Features = ()

_NAMES = "|".join(re.escape(f) for f in FEATURES)
_MENTIONS = re.compile(rf"{_NAMES}|color-scheme", re.I)
# one media feature in parentheses: `(name)` or `(name: value)` (no escapes: as written)
_CONDITION = re.compile(rf"\(\s*({_NAMES})\s*(?::\s*([A-Za-z-]+)\s*)?\)", re.I)
# a `color-scheme` declaration's value, up to its end (or its `!important`)
_SCHEME_VALUE = re.compile(r"\s*:\s*([^;{}!]*)")
# ... rewritten only when it is keywords alone (a comment or a string in it: left as written)
_IDENTS = re.compile(r"[A-Za-z\s-]*")


def read_meta(data: Any) -> Features:
    """The features a Meta event's data records (NONE when it records none); a feature or
    value not in FEATURES is passed over. A feature with a value that reads as false
    (`no-preference`) left out of a recorded set is that value: capture.js sends only what
    the visitor chose (most visitors chose none of them), and the colour scheme."""
    given = data.get(META_KEY) if isinstance(data, dict) else None
    if not isinstance(given, dict):
        return NONE
    out = []
    for name, (values, false) in FEATURES.items():
        v = given.get(name, false)
        if isinstance(v, str) and v in values:
            out.append((name, v))
    return tuple(out)


def described(features: Any) -> str:
    """The facts' media features (CONTEXT_KEY) for a person: "color scheme dark · reduced
    motion reduce" (a `no-preference` goes unsaid); "" when none."""
    if not isinstance(features, dict):
        return ""
    return " · ".join(f"{name.removeprefix('prefers-').replace('-', ' ')} {features[name]}"
                      for name, (_values, false) in FEATURES.items()
                      if isinstance(features.get(name), str) and features[name] != false)


def color_scheme_of(features: Features) -> str | None:
    """The visitor's preferred colour scheme ("light", "dark"), None when not recorded."""
    return dict(features).get(COLOR_SCHEME)


def holds(features: Features, name: str, value: str | None) -> bool | None:
    """Whether the visitor's browser matched `(name: value)` (`(name)` when value is None);
    None when the feature was not recorded (the replaying browser decides)."""
    name = name.lower()
    had = dict(features).get(name)
    if had is None:
        return None
    if value is None:
        false = FEATURES[name][1]
        return None if false is None else had != false
    return had == value.lower()


def rewrite_queries(css: str, features: Features) -> str:
    """CSS text (a style sheet, or a media query list as a `media` attribute holds it) with
    each condition on a recorded feature made ALWAYS or NEVER, and each `color-scheme`
    declaration that offers the recorded scheme made that scheme alone. Strings and
    comments are left as they are; without recorded features, the text as it is."""
    if not features or _MENTIONS.search(css) is None:
        return css
    # (the asset module's CSS scanner; imported here: it imports the mirror, which imports
    # the semantics, which read the Meta's features with this module)
    from .assets import CSS_TOKEN
    scheme = color_scheme_of(features)
    out: list[str] = []
    last = pos = 0
    n = len(css)
    prev_ident_end = -1
    match = CSS_TOKEN.match
    while pos < n:
        m = match(css, pos)
        kind, end = m.lastgroup, m.end()
        if kind == "other" and m.group() == "(" and prev_ident_end != pos:
            q = _CONDITION.match(css, pos)   # not a function's parenthesis: a condition
            verdict = holds(features, q.group(1), q.group(2)) if q else None
            if verdict is not None:
                out.append(css[last:pos])
                out.append(ALWAYS if verdict else NEVER)
                last = pos = q.end()
                continue
        elif kind == "ident" and scheme is not None and m.group().lower() == "color-scheme":
            v = _SCHEME_VALUE.match(css, end)
            ends = v.end() if v else end
            if v and (ends >= n or css[ends] != "{") and _IDENTS.fullmatch(v.group(1)) \
                    and _offers(v.group(1), scheme):
                out.append(css[last:v.start(1)])
                out.append(scheme + (" " if v.group(1).endswith(" ") else ""))
                last = pos = v.end(1)
                continue
        prev_ident_end = end if kind == "ident" else -1
        pos = end
    out.append(css[last:])
    return "".join(out)


def color_scheme(value: str, features: Features) -> str:
    """A `<meta name="color-scheme">`'s content: the recorded scheme alone when the page
    offers it, else as written."""
    scheme = color_scheme_of(features)
    return scheme if scheme is not None and _offers(value, scheme) else value


def _offers(value: str, scheme: str) -> bool:
    """Whether a color-scheme value (`light dark`, `only dark`, `normal`) lists `scheme`."""
    return scheme in value.lower().split()
