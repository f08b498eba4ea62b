"""Masking of values: text, attributes, input values, images, hidden placeholders, URLs.

Pure functions of (value, level, element); which level applies is decided in `levels.py`.
"""
from __future__ import annotations

import base64
import json
import re
from typing import Any, Callable, Iterable, NamedTuple, Sequence

from ..format import EventType, IncrementalSource
from .levels import (FORM_TAGS, HIDDEN_LEVEL, LEVEL_ATTRS, MASK_LEVEL, MASK_USER_INPUT_LEVEL,
                     Level, input_type, markup_level, value_masked)

MASK = "***"
_NONSPACE = re.compile(r"\S")

# Attributes that carry page text or identifying URLs: masked at `mask` and stricter (with
# `data-*`, a[href], option[value] and the rest `mask_attr` names; an iframe's srcdoc at
# every level).
SENSITIVE_ATTRS = frozenset({"title", "alt", "placeholder", "aria-label", "aria-description",
                             "aria-valuetext", "aria-placeholder", "aria-roledescription",
                             "aria-braillelabel", "aria-brailleroledescription", "name",
                             "label", "abbr", "download", "cite", "longdesc", "datetime",
                             "summary", "xlink:href"})
# A <meta>'s `content` is page text (a description, og:title) unless the meta says how to
# show the page: those names' content is kept at `mask` (the replay's layout needs viewport)
META_LAYOUT_NAMES = frozenset({"viewport", "color-scheme", "supported-color-schemes",
                               "theme-color", "referrer", "robots", "format-detection"})
# Attributes holding URLs (query parameters are scrubbed from them at every level).
URL_ATTRS = frozenset({"href", "src", "srcset", "action", "formaction", "poster", "data",
                       "cite", "background", "longdesc", "ping", "rr_src", "xlink:href"})
# ... those that name where a page sends or fetches something, not what it shows: at `mask` and
# stricter the address goes as an `a[href]`'s does (MASK) - a form's target, a click's ping
# (a privacy officer's find: `form[action]`, `button[formaction]`, `a[ping]` kept their query
# values inside a masked region)
SENT_TO_ATTRS = frozenset({"action", "formaction", "ping"})
# ... and the elements whose `src` is a document or media the replay does not show from it (a
# framed document is recorded itself; a video's frames and a track's cues are not recorded):
# at `mask` and stricter it is dropped, as a video's poster is
UNSHOWN_SRC_TAGS = frozenset({"iframe", "frame", "video", "audio", "track"})
# Datadog's censored image: a 1x1 silver GIF, used when an image's size is unknown.
CENSORED_IMG = ("data:image/gif;base64,"
                "R0lGODlhAQABAIAAAMLCwgAAACH5BAAAAAAALAAAAAABAAEAAAICRAEAOw==")


def mask_text(s: str) -> str:
    """Every non-whitespace character becomes `x`: layout survives, content does not."""
    return _NONSPACE.sub("x", s)


def mask_value(v: Any) -> Any:
    """An input value: `***` unless empty (emptiness is not personal)."""
    if v is None or v == "":
        return v
    return MASK


def is_masked_value(v: Any) -> bool:
    """An input value as masking left it: our `***`, or rrweb's one asterisk per character
    (the page's pass). Empty is not masked: nothing was typed."""
    return isinstance(v, str) and v != "" and set(v) == {"*"}


def censored_image(width: Any, height: Any) -> str:
    w, h = _px(width), _px(height)
    if w is None or h is None:
        return CENSORED_IMG
    return ("data:image/svg+xml;charset=utf-8,<svg xmlns='http://www.w3.org/2000/svg' "
            f"width='{_num(w)}' height='{_num(h)}' style='background-color:silver'></svg>")


_PX = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$")
_STYLE_SIZE = re.compile(r"(?:^|;)\s*(width|height)\s*:\s*(\d+(?:\.\d+)?)px", re.I)


def _px(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        m = _PX.match(v)
        if m:
            return float(m.group(1))
    return None


def _num(f: float) -> str:
    return str(int(f)) if f == int(f) else str(f)


def element_size(attrs: dict) -> tuple[float | None, float | None]:
    """Best known size of an element: rrweb's rr_width/rr_height, else width/height
    attributes, else px sizes in its inline style."""
    w, h = _px(attrs.get("rr_width")), _px(attrs.get("rr_height"))
    if w is None:
        w = _px(attrs.get("width"))
    if h is None:
        h = _px(attrs.get("height"))
    style = attrs.get("style")
    if (w is None or h is None) and isinstance(style, str):
        for m in _STYLE_SIZE.finditer(style):
            if m.group(1).lower() == "width" and w is None:
                w = float(m.group(2))
            elif m.group(1).lower() == "height" and h is None:
                h = float(m.group(2))
    return w, h


# What a hidden element keeps besides its privacy markers: what gives it its size and place
# (the page's CSS still applies to its class, id and type - `input[type=text]` rules size
# form fields), so the layout does not collapse. None of these says what it held.
BOX_ATTRS = ("id", "class", "type", "style", "width", "height", "size", "rows", "cols",
             "rr_width", "rr_height")
_CSS_URL = re.compile(r"""url\(\s*(?:"[^"]*"|'[^']*'|[^)]*)\s*\)""", re.I)
# an image-set() (its URLs may be plain strings: `image-set("a.png" 1x)`), after its url()s
# became `none`; one level of parentheses inside (a `type("image/avif")`)
_IMAGE_SET = re.compile(r"(?:-webkit-)?image-set\((?:[^()]|\([^()]*\))*\)", re.I)


def _no_images(css: str) -> str:
    """A style text with every image it names gone: each `url()` and `image-set()` -> none."""
    if "(" not in css:
        return css
    css = _CSS_URL.sub("none", css)
    return _IMAGE_SET.sub("none", css) if "image-set" in css.lower() else css


def hidden_attrs(attrs: dict) -> dict:
    """What a hidden element keeps: its tag and box (`BOX_ATTRS`; `url()`s in its style become
    `none`, as a background image can show what is hidden), its size as rrweb's
    rr_width/rr_height when known, and its privacy markers - none of its content."""
    out: dict = {}
    for a in BOX_ATTRS:
        v = attrs.get(a)
        if isinstance(v, str):
            out[a] = _no_images(v) if a == "style" else v
    for a in LEVEL_ATTRS:
        if a in attrs:
            out[a] = attrs[a]
    if markup_level(out) != HIDDEN_LEVEL:
        # say so in the recording: a masker resuming from stored events (live intake,
        # re-masking) must know nothing may appear beneath this placeholder
        out["data-replay-privacy"] = "hidden"
    w, h = element_size(attrs)
    if w is not None:
        out["rr_width"] = f"{_num(w)}px"
    if h is not None:
        out["rr_height"] = f"{_num(h)}px"
    return out


# A hidden element's box sent again when the page resizes it (capture.js's ResizeObserver,
# `boxChange` there): an attribute mutation of the element carrying only its measured size,
# in whole px - as rr_width/rr_height, what the snapshot carries and our player sizes the
# placeholder by, and as rrweb's style diff {width, height}, what rrweb's rebuild sets for
# rr_width/rr_height (`style.setProperty`), so rrweb's Replayer resizes its placeholder too.
# Only the dimensions measured are sent (a width the markup gives stays the markup's).
BOX_SIZE = (("rr_width", "width"), ("rr_height", "height"))
_WHOLE_PX = re.compile(r"\d{1,7}px")


def box_change(width: int | None, height: int | None) -> dict:
    """The attributes of a hidden element's box change (`None`: that dimension not sent)."""
    out: dict = {}
    style: dict = {}
    for (attr, prop), v in zip(BOX_SIZE, (width, height)):
        if v is not None:
            out[attr] = style[prop] = f"{int(v)}px"
    out["style"] = style
    return out


def is_box_change(attrs: Any) -> bool:
    """Whether a hidden element's attribute change is a box change as `box_change` makes it,
    and nothing else: whole-px sizes, the style diff saying exactly the same. Nothing of what
    the element holds can travel in it."""
    if type(attrs) is not dict or type(attrs.get("style")) is not dict:
        return False
    style = attrs["style"]
    n = 0
    for attr, prop in BOX_SIZE:
        if attr not in attrs:
            continue
        v = attrs[attr]
        if type(v) is not str or not _WHOLE_PX.fullmatch(v) or style.get(prop) != v:
            return False
        n += 1
    return n > 0 and len(attrs) == n + 1 and len(style) == n


def box_sizes_only(data: Any) -> Any:
    """A mutation's data as a DOM model (the masker's, the player's) takes it: each box change
    (`is_box_change`) with its rr_width/rr_height alone. Its style diff says the same sizes for
    rrweb's Replayer, which sizes a placeholder by its style; merged into the model's `style`,
    it read as a size the page's own markup gives - the player's placeholder lost its
    border-box sizing and grew by the page's padding (a 1000 x 204 ticker replayed 1020 x 224),
    and the masker sent it on as the element's style with its next change. The same object
    back when nothing changes (the common case: no attribute change is a box change)."""
    if type(data) is not dict:
        return data
    changes = data.get("attributes")
    if not changes:
        return data
    for a in changes:   # (a loop, not any() of a generator: called per mutation)
        if type(a) is dict and is_box_change(a.get("attributes")):
            break
    else:
        return data
    kept = [{**a, "attributes": {k: v for k, v in a["attributes"].items() if k != "style"}}
            if type(a) is dict and is_box_change(a.get("attributes")) else a for a in changes]
    return {**data, "attributes": kept}


_INC, _MUT = int(EventType.IncrementalSnapshot), int(IncrementalSource.Mutation)


def as_played(e: Any) -> Any:
    """An event as a DOM model takes it (the masker resuming, the player's mirror, the
    privacy preview): a mutation's box changes with their rr_width/rr_height alone
    (`box_sizes_only` says why). A new event where one changes (the one read is left as it
    is)."""
    if type(e) is not dict or e.get("type") != _INC:
        return e
    data = e.get("data")
    if type(data) is not dict or data.get("source") != _MUT:
        return e
    sized = box_sizes_only(data)
    return e if sized is data else {**e, "data": sized}


_DROP = object()  # sentinel: leave the attribute out


# A Bearer token as an Authorization header writes it (`Bearer eyJhbGci...`, a log line's
# `Authorization: Bearer 4f9c...`): the token goes, the word stays. Eight characters and more
# ("bearer of bad news" is left; "Bearer authentication" loses its second word: a page's prose
# rarely says it, a console line that does is about a token). The word as a header writes it
# (Bearer, bearer, BEARER), after no letter, digit or _; the token's characters are RFC 6750's.
# ASCII classes and no flags, so capture.js's copy of it (urlScrubber) matches the same strings.
BEARER_TOKEN = r"(?<![A-Za-z0-9_])(?:[Bb]earer|BEARER)[ \t]+([A-Za-z0-9._~+/-]{8,}=*)"
_bearer_token = re.compile(BEARER_TOKEN)


def _scrub_bearer(s: str) -> str:   # (scrub searched its telltale: "earer" or "EARER")
    return _bearer_token.sub(lambda m: m.group(0)[:m.start(1) - m.start()] + MASK, s)


# HTTP basic auth's credentials as an Authorization header writes them (`Basic YWRtaW46aHVu…`,
# a log line's request config, an API page's example): base64 of `user:password`, the other
# credential sent in clear. The word as a header writes it (Basic, basic, BASIC), then whole
# base64 of 8 characters or more whose bytes hold a `:` and no control character - so "Basic
# Information" or "basic settings1" (no base64 of a user and a password) are left. The
# credentials go, the word stays. capture.js's copy (urlScrubber) decodes with atob alike.
BASIC_CREDENTIALS = (r"(?<![A-Za-z0-9_])(?:[Bb]asic|BASIC)[ \t]+((?:[A-Za-z0-9+/]{4}){2,}"
                     r"(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)(?![A-Za-z0-9+/=])")
_basic_credentials = re.compile(BASIC_CREDENTIALS)


def is_user_and_password(token: str) -> bool:
    """Whether `token` is base64 of `user:password` (BASIC_CREDENTIALS)."""
    try:
        raw = base64.b64decode(token, validate=True)
    except ValueError:
        return False
    return b":" in raw and all(b >= 0x20 and b != 0x7F for b in raw)


def _scrub_basic(s: str) -> str:   # (scrub searched its telltale: "asic" or "ASIC")
    return _basic_credentials.sub(
        lambda m: m.group(0)[:m.start(1) - m.start()] + MASK
        if is_user_and_password(m.group(1)) else m.group(0), s)


# A password in a URL's user info (`https://deploy:s3cr3t@ci.example.com/`: basic auth a page,
# a log line or a request names): the password goes, the user and host stay - `deploy:***@`.
# After `//` (a scheme's, or a network-path reference's), a user without `/ ? # @ :`, a colon,
# then the password: any run without white space, `/ ? # @ " < >` up to the `@` (RFC 3986's
# userinfo; `'`, `&`, `!`, `$`, `(`, `:` and the other sub-delims are a strong password's).
# ASCII classes and no flags, so capture.js's copy of it (urlScrubber) matches the same strings.
USERINFO_PASSWORD = r"(//[^\s/?#@:\"<>]*:)([^\s/?#@\"<>]+)(?=@)"
_userinfo_password = re.compile(USERINFO_PASSWORD)


def _scrub_userinfo(s: str) -> str:   # (scrub searched its telltale: "@" and "//")
    return _userinfo_password.sub(lambda m: m.group(0) if m.group(2) == MASK
                                  else m.group(1) + MASK, s)


# A scrubbed parameter's value: everything up to the next parameter (`&`), the fragment, white
# space, a quote, or the `<`, `>`, `)` that close the markup, CSS url() or stack frame a URL
# sits in (`at f (https://x/app.js?token=***)`). The audit reads a value as this scrubber ends
# it, or it took the `)` after a mask for a token in clear. A stack frame's `:line:col` after
# it is not the value's either (`app.js?token=***:1:1)`: it went with the token).
PARAM_VALUE = r"[^&#\s\"'<>)]"
PARAM_END = r"(?=(?::\d+){2}(?=[)\s]|$)|[&#\s\"'<>)]|$)"
# A parameter named as a form names an array's (`token[]=`, `token%5B%5D=`) is that parameter.
ARRAY_NAME = r"(?:\[\]|%5B%5D)?"
# A parameter inside a URL-encoded URL (a login's `?next=https%3A%2F%2Fapp%2Fcb%3Ftoken%3DX`,
# `redirect_uri=`, `returnTo=`): an encoded `?`, `&`, `#` or `;` before its name, an encoded
# `=` after it, and its value up to the next encoded `&`, `#` or `;` (or where a plain one ends).
ENCODED_PARAM = r"(?:%3F|%26|%23|%3B)(?:{names})(?:%5B%5D)?%3D"
ENCODED_VALUE = rf"(?:(?!%26|%23|%3B){PARAM_VALUE})"
# A parameter's name where it stands alone, not as a longer name's end (`mytoken=`,
# `data-token=` are other names): after anything but an ASCII letter, a digit, `_` or `-` - a
# query's `?&;#`, the text's start, white space, and a quote, a bracket, a colon or a comma: a
# console argument is JSON text (`"token=abc"`: after its quote, the value was stored in clear),
# a page shows `(token=abc)`, a log line `cfg,token=abc`. Those ASCII letters whatever the
# case flag (Python's would take `ſ`, `K` for letters; JavaScript's, capture.js's, does not).
PARAM_START = r"(?<!(?-i:[A-Za-z0-9_-]))"
# A parameter's name as a JSON member's key, its value a string (`{"password":"hunter2"}`: a
# console line logging an object, a request body): the string's characters go - JSON's white
# space around the colon, as JSON has it (JavaScript's \s is more). Also as JSON text inside a
# JSON string (`{\"token\":\"abc\"}`: an object logged already encoded): its value, read as
# the JSON it is, to its closing `\"` - not to an escaped quote inside it (`\\\"`, a password's
# quote: the rest of it was left, a reviewer's find) - or to the text's end: a console argument
# cut at its 1,000 characters (capture.js's ARG_MAX_CHARS, `...` after) kept a cut value's start.
JSON_SPACE = r"[ \t\n\r]*"
JSON_MEMBER = (r'("(?:{names})"' + JSON_SPACE + ':' + JSON_SPACE
               + r'")((?:[^"\\]|\\.)*)(?="|\Z)')
JSON_SPACE_ESCAPED = r"(?: |\\[tnr])*"   # ... as JSON text inside a JSON string writes it
JSON_MEMBER_ESCAPED = (r'(\\"(?:{names})\\"' + JSON_SPACE_ESCAPED + ':' + JSON_SPACE_ESCAPED
                       + r'\\")((?:[^"\\]|\\[^"\\]|\\\\(?:\\.|[^"\\]))*)(?=\\"|\Z)')
# ... and its value a number (`{"otp":123456}`, a PIN, a one-time code: stored in clear, a
# reviewer's find), which becomes the mask as a string (`{"otp":"***"}`: still JSON).
JSON_NUMBER = r"(-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)"   # (ASCII, as JSON's and capture.js's)
JSON_NUMBER_MEMBER = r'("(?:{names})"' + JSON_SPACE + ':' + JSON_SPACE + ")" + JSON_NUMBER
JSON_NUMBER_MEMBER_ESCAPED = (r'(\\"(?:{names})\\"' + JSON_SPACE_ESCAPED + ':'
                              + JSON_SPACE_ESCAPED + ")" + JSON_NUMBER)
# `code` is an OAuth code in a URL, not an error object's `"code":"ECONNREFUSED"`: no member's
MEMBER_NOT = frozenset({"code"})


class Member(NamedTuple):
    """A credential's JSON member: `rx`'s group 1 runs to its value (group 2), which is masked
    as `quote` + MASK + `quote` - a string's quotes are group 1's and the text's already."""
    rx: re.Pattern
    quote: str


def member_patterns(params: Iterable[str]) -> tuple[Member, ...]:
    """JSON_MEMBER, JSON_MEMBER_ESCAPED and their numbers' for the parameters `params` (but
    MEMBER_NOT), as the scrubber masks them and the audit finds them in clear; none for no
    name."""
    names = "|".join(re.escape(p) for p in params if p.lower() not in MEMBER_NOT)
    return tuple(Member(re.compile(rx.format(names=names), re.I | re.S), quote)
                 for rx, quote in ((JSON_MEMBER, ""), (JSON_MEMBER_ESCAPED, ""),
                                   (JSON_NUMBER_MEMBER, '"'),
                                   (JSON_NUMBER_MEMBER_ESCAPED, '\\"'))) if names else ()


def make_url_scrubber(params: tuple[str, ...]) -> Callable[[str], str] | None:
    """`?token=abc&x=1` -> `?token=***&x=1` for the listed parameters, anywhere in a string
    (attributes, CSS url(), page text, console text, RUM URLs) - and `token=abc` standing
    alone (PARAM_START: a log line's `api_key=...&x=1`, a console argument's `"token=..."`, a
    page showing `(token=...)`), and a JSON member of that name's string (JSON_MEMBER:
    `{"password":"***"}`, a logged object); a Bearer token (`Bearer ***`, BEARER_TOKEN) and basic auth's credentials
    (`Basic ***`, BASIC_CREDENTIALS), the other credentials a request carries in clear; and a
    URL's password (`https://user:***@host/`, USERINFO_PASSWORD). None when nothing is to be
    scrubbed (no parameter is listed: rules that keep every credential parameter keep those
    too).
    capture.js's urlScrubber is the same."""
    if not params:
        return None
    names = "|".join(re.escape(p) for p in params)
    # `#` too: an OAuth implicit or OpenID callback carries its tokens in the fragment
    rx = re.compile(rf"({PARAM_START}(?:{names}){ARRAY_NAME}=){PARAM_VALUE}*?{PARAM_END}", re.I)
    encoded = ENCODED_PARAM.format(names=names)
    in_encoded = re.compile(rf"({encoded}){ENCODED_VALUE}*", re.I)
    # most strings hold none: one search in C, no lower-cased copy (the built-in rules name
    # sixteen parameters, so this runs on every string with a `=` of every import)
    named = re.compile(rf"{PARAM_START}(?:{names}){ARRAY_NAME}=|{encoded}", re.I).search
    members = member_patterns(params)

    def masked(m: re.Match) -> str:
        return m.group(1) + MASK if m.end() > m.end(1) else m.group(0)


    def scrub(s: str) -> str:
        # each credential's telltale is searched for first, in C, here: most strings (a
        # table's cells) hold none, and a call per kind cost more than the searches
        if ("=" in s or "%3" in s) and named(s) is not None:
            s = in_encoded.sub(masked, rx.sub(masked, s))
        if '"' in s and ":" in s:   # (a JSON member's key: its quote, and a colon)
            for member, quote in members:
                s = member.sub(lambda m: m.group(0) if m.group(2) in ("", MASK)
                               else f"{m.group(1)}{quote}{MASK}{quote}", s)
        if "earer" in s or "EARER" in s:
            s = _scrub_bearer(s)
        if "asic" in s or "ASIC" in s:
            s = _scrub_basic(s)
        if "@" in s and "//" in s:
            s = _scrub_userinfo(s)
        return s
    return scrub


_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")   # (a str holds none but lone ones)


def make_redactor(patterns: Sequence[str]) -> Callable[[str], str] | None:
    """The rules' `[console] redact` patterns as one function masking each one's matches in a
    free text (console and error text, custom events...); None when there are none. A console
    argument is JSON text (`"INTERNAL-123 failed"`, quotes included): in one that is a JSON
    string, the patterns are matched in the text it holds too - a `^` or `$` there is its
    start or end, which the quotes kept from ever matching (a privacy officer's find); a
    change is encoded as JSON.stringify encodes it. capture.js's redactor is the same."""
    if not patterns:
        return None
    rxs = tuple(re.compile(p) for p in patterns)

    def redact(s: str) -> str:
        if len(s) >= 2 and s[0] == '"' and s[-1] == '"':
            try:
                held = json.loads(s)
            except ValueError:
                held = None
            if isinstance(held, str):
                text = held
                for rx in rxs:
                    text = rx.sub(MASK, text)
                if text != held:   # (a lone surrogate - half an emoji cut - as JSON.stringify
                    # writes it, escaped: written raw, the event could not be encoded)
                    s = _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}",
                                            json.dumps(text, ensure_ascii=False))
        for rx in rxs:
            s = rx.sub(MASK, s)
        return s
    return redact


def mask_attr(tag: str | None, name: str, value: Any, level: Level, node_attrs: dict,
              scrub: Callable[[str], str] | None) -> Any:
    """The recorded form of one attribute of an element at `level` (not hidden).
    Returns `_DROP` to leave the attribute out. `node_attrs` are the element's full (real)
    attributes, needed to classify inputs. (The pattern detectors run after, over every
    string of the event: `masker.SessionMasker`.)"""
    if name in LEVEL_ATTRS or name == "class" or name == "style" or name == "_cssText":
        if name == "style" and level >= MASK_LEVEL:
            value = masked_style(value)
        if scrub is not None and isinstance(value, str) and name != "class":
            return scrub(value)
        return value
    form = tag in ("input", "textarea", "select", "option")
    if form:
        if name == "value" and tag != "option" and value_masked(level, tag, node_attrs):
            return mask_value(value)
        if name == "checked" and tag == "input" and level >= MASK_USER_INPUT_LEVEL:
            return _DROP  # a checkbox/radio under masking does not reveal its state
        if name == "selected" and tag == "option" and level >= MASK_USER_INPUT_LEVEL:
            return _DROP
    if not isinstance(value, str):
        if value is None or value is True or value is False:
            return value   # a removal; rrweb's `true` (a boolean attribute present)
        if isinstance(value, (dict, list)):
            # no attribute holds one (rrweb's style diff is `style`'s, above): kept as it
            # came where text would be, else dropped - no rule below could mask its text
            return value if level < MASK_LEVEL and scrub is None else _DROP
        # a number (rrweb's type allows one): masked as its text would be, kept as it came
        # when that text would be
        text = str(value)
        masked = mask_attr(tag, name, text, level, node_attrs, scrub)
        return value if masked == text else masked
    if tag == "iframe" and name == "srcdoc":
        # the framed document's source, recorded again: the document is recorded itself, its
        # nodes masked at their own levels, and the player shows those (player.sanitize drops
        # srcdoc). Read as one string, its text is not what the frame shows - a value split
        # by tags (`<span>415</span>-<span>555</span>…`), an `@` written `&#64;` - so no
        # detector could keep a promise about it: at every level it goes (MASK).
        return MASK
    if level >= MASK_LEVEL:
        if (name in SENSITIVE_ATTRS and not (tag == "meta" and name == "name")) or \
                name.startswith("data-"):   # (a <meta>'s name says what it is: viewport...)
            return MASK
        if tag in ("a", "area", "image") and name == "href":   # (image: an SVG picture)
            return MASK
        if (tag == "object" and name == "data") or (tag == "embed" and name == "src") or \
                name in SENT_TO_ATTRS:
            return MASK
        if name == "background" or (name == "src" and tag in UNSHOWN_SRC_TAGS):
            return _DROP   # (a table's legacy background image, as a style's url() goes)
        if name == "content" and (tag != "meta" or _meta_text(node_attrs)):
            return MASK   # (elsewhere: microdata's value, `<span itemprop content>`)
        if name == "rr_dataURL":
            return _DROP
        if tag in ("img", "source", "picture", "input") and name in ("src", "srcset"):
            if name == "srcset" or tag == "source":
                return _DROP
            w, h = element_size(node_attrs)
            return censored_image(w, h)
        if name == "poster" and tag == "video":
            return _DROP
        if name == "value" and tag not in ("input", "textarea", "select", "param") and \
                not (tag == "option" and value == ""):
            return MASK   # an <option>'s value too: its text is masked, and it is its text
    if scrub is not None:
        value = scrub(value)
    return value


def _meta_text(attrs: dict) -> bool:
    """Whether a <meta>'s content is page text (a description, og:title) or a refresh's
    address - not how to show the page (META_LAYOUT_NAMES, the other http-equiv)."""
    equiv = attrs.get("http-equiv")
    if equiv is not None:
        return str(equiv).strip().lower() == "refresh"
    return str(attrs.get("name") or "").strip().lower() not in META_LAYOUT_NAMES


def masked_style(value: Any) -> Any:
    """An element's inline style at `mask` or stricter: its layout kept, not the images it
    names - each `url()` becomes `none` (an avatar drawn as a background is the person as
    much as an `<img>` is, and its URL names them as often: `avatars/jane-doe.png`). A
    style text, or rrweb's style diff ({property: value | [value, priority] | False})."""
    if isinstance(value, str):
        return _no_images(value)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if isinstance(v, str):
                v = _no_images(v)
            elif isinstance(v, list) and v and isinstance(v[0], str):
                v = [_no_images(v[0]), *[x for x in v[1:] if isinstance(x, str)]]
            elif v is not False and v is not None:
                continue   # no property's value is of another shape: a sender's, dropped
            out[k] = v
        return out
    return value


def attrs_as_recorded(tag: str | None, level: Level, scrub) -> bool:
    """True when `mask_attr` keeps every attribute of this element as it is - below `mask`,
    no form control (values, checked, selected), no URL to scrub - so a caller may skip it:
    the class and style swaps of a live page, each attribute otherwise a call (an iframe's
    srcdoc is masked at every level)."""
    return scrub is None and level < MASK_LEVEL and tag not in FORM_TAGS and tag != "iframe"


# the mark of a checkbox, radio or select whose state is not recorded (its `checked`, its
# options' `selected` dropped), whatever that state was: the player shows it masked, not
# unticked (player.sanitize); capture.js sets it alike
MASKED_CHOICE = "rr_masked_choice"


def mask_attrs(tag: str | None, attrs: dict, level: Level, node_attrs: dict,
               scrub) -> dict:
    out = {}
    for k, v in attrs.items():
        nv = mask_attr(tag, k, v, level, node_attrs, scrub)
        if nv is not _DROP:
            out[k] = nv
    if tag == "select" or (tag == "input" and input_type(tag, node_attrs) in _CHOICES):
        if level >= MASK_USER_INPUT_LEVEL or value_masked(level, tag, node_attrs):
            out[MASKED_CHOICE] = True
    return out


_CHOICES = ("checkbox", "radio")


def text_as_recorded(level: Level, parent_tag: str | None, scrub) -> bool:
    """True when `mask_text_node` keeps any text under this parent as it is (below `mask`,
    not a textarea's value, no URL parameter to scrub): the text a live page swaps in."""
    return scrub is None and level < MASK_LEVEL and parent_tag != "textarea"


def mask_text_node(text: str, level: Level, parent_tag: str | None, parent_attrs: dict,
                   is_style: bool, scrub, editable: bool = False) -> str:
    """The recorded form of a text node's content under its parent at `level`; `editable`:
    the node is in editable content (`PrivacyLevels.in_editable`), its text user input."""
    if not text:
        return text
    if is_style or parent_tag == "style":
        return scrub(text) if scrub is not None else text  # CSS is not page text
    if parent_tag == "textarea" and value_masked(level, "textarea", parent_attrs):
        return MASK if text.strip() else text  # a textarea's content is its value
    if editable and level >= MASK_USER_INPUT_LEVEL:
        return MASK if text.strip() else text  # typed into a rich-text box: an input value
    if level >= MASK_LEVEL:
        if parent_tag == "option":
            return MASK
        return mask_text(text)
    return scrub(text) if scrub is not None else text   # a URL the page shows, a token
