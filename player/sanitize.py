"""The one place that makes recorded markup inert.

Everything the player shows — the static document (`player.document`), the frames and the
incremental operations sent to the web view (`player.frame`) — passes through here, so the
rules live once:

- no script: `<script>` becomes an inert `<template>` with its code blanked; `on*` handlers
  (any case) are dropped; no `javascript:`/`vbscript:` (or any other unknown scheme) URL;
- nothing fetched from the network: every URL-bearing attribute and every CSS `url(...)`,
  `image-set("...")` or `@import` is kept only if it is an in-page fragment (`#id`), an
  allowed `data:` URL, or an asset stored in the recording (`replay-asset:`); anything else
  becomes `replay-blocked:`;
- SVG presentation attributes that take a url() (`fill`, `mask`, `filter`, ...) and SMIL
  animation values are sanitized as CSS; an animation may not target a URL, handler or style;
- a namespaced tag (`svg:script`) is judged by its local name (`script`);
- nothing that navigates or embeds: no `srcdoc`, no meta refresh (`http-equiv` dropped), no
  `<base href>`, forms whose action is blocked, `<object>`/`<embed>`/`<applet>`/frames
  turned into plain boxes;
- the visitor's recorded preferences (`features`, recorder.media) decide the media queries
  that ask about them, in CSS text and `media` attributes, and a `color-scheme` that offers
  their scheme: the page looks as it did to them, whatever the replaying machine prefers.

URLs are checked by allow-list, after stripping the whitespace and control characters a
browser ignores and decoding entities, so tricks like `java\\tscript:` or `&#106;avascript:`
never match an allowed form. The functions work on rrweb serialized-node shapes (plain dicts),
so they are usable without Qt and without lxml.
"""
from __future__ import annotations

import functools
import html
import re
import threading
from collections import OrderedDict
from typing import Any, Callable, Optional

from recorder.assets import (CSS_ESCAPE, CSS_TOKEN, SCHEME, STRING_URL_FUNCS, URL_FUNCS, URL_JUNK,
                             css_string_value, read_css_url, skip_css_statement,
                             srcset_candidates, unescape_css)
from recorder.media import NONE as NO_FEATURES, Features, color_scheme, rewrite_queries
from recorder.page_css import tag_name
from recorder.privacy.levels import Level, markup_level
from recorder.privacy.masking import MASKED_CHOICE, element_size

# A resolver maps a URL as the page wrote it (absolute, or relative to the page: the resolver
# knows its base - `player.assets.UrlResolver`) to an asset stored for the recording
# ("replay-asset:..."), or None when no copy of it is stored.
AssetResolver = Optional[Callable[[str], Optional[str]]]

BLOCKED = "replay-blocked:"
ASSET_SCHEME = "replay-asset:"

# Elements whose content must never run or load. Scripts keep their node (ids stay aligned
# with the recording) but become an inert <template>.
_INERT_TAGS = {"script": "template", "noscript": "template", "base": "template",
               "xmp": "pre", "plaintext": "pre", "listing": "pre"}
# Elements that embed other documents or plugins: shown as an empty box of the same size.
_EMBED_TAGS = {"object", "embed", "applet", "frame", "frameset", "portal", "fencedframe"}

# Attributes whose value is a URL (on any element, HTML or SVG).
URL_ATTRS = frozenset({
    "href", "src", "action", "formaction", "poster", "background", "cite", "longdesc", "data",
    "codebase", "classid", "archive", "profile", "manifest", "lowsrc", "dynsrc", "icon",
    "xlink:href", "xml:base", "usemap", "itemtype", "content-src", "ping", "attributionsrc",
})
_DROP_ATTRS = frozenset({"srcdoc", "ping", "http-equiv", "autoplay", "attributionsrc",
                         "xml:base", "integrity", "nonce", "crossorigin", "download"})
_SRCSET_ATTRS = frozenset({"srcset", "imagesrcset"})
ATTR_NAME_OK = re.compile(r"^(?:[A-Za-z_]|[@:][A-Za-z_:])[A-Za-z0-9_.:\-]*\Z")
# Framework shorthands (Vue `@click`, `:class`; Alpine `@click.outside`): inert without the
# framework's script, kept as recorded so the DOM matches; never read as a namespace prefix.
_SHORTHAND = ("@", ":")
_TAG_OK = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*\Z")
# Characters a browser strips or ignores inside a URL before reading its scheme.
_URL_JUNK = URL_JUNK
_SCHEME = SCHEME
_DATA_OK = re.compile(
    r"^data:(image/(png|gif|jpe?g|pjpeg|webp|avif|bmp|x-icon|vnd\.microsoft\.icon|svg\+xml)"
    r"|font/[a-z0-9.+\-]+|application/(x-)?font-[a-z0-9.+\-]+|application/vnd\.ms-fontobject"
    r"|audio/[a-z0-9.+\-]+|video/[a-z0-9.+\-]+)[;,]")
_BITMAP_DATA_URL = re.compile(r"^data:image/[a-z0-9.+\-]+(;[a-z0-9.+\-]+=[a-z0-9.+\-]+)*;base64,"
                              r"[A-Za-z0-9+/]*={0,2}$", re.I)
# SVG presentation attributes whose value is CSS that may hold a url(): sanitized as CSS.
CSS_VALUE_ATTRS = frozenset({"fill", "stroke", "mask", "clip-path", "filter", "marker",
                             "marker-start", "marker-mid", "marker-end", "cursor",
                             "color-profile"})
# SVG animation (SMIL) elements set another attribute of their target at runtime. Their values
# are CSS-sanitized, and a target that is a URL, a handler or a style gets no values at all.
_SVG_ANIMATE = frozenset({"set", "animate", "animatemotion", "animatetransform", "animatecolor"})
_ANIMATION_VALUES = frozenset({"to", "from", "values", "by"})
# Elements whose URL is a navigation target or embedded document: data: is not allowed there.
_DOC_URL_TAGS = frozenset({"iframe", "frame", "object", "embed", "a", "area", "form", "base",
                           "link", "button", "input"})
# ... and those of them whose URL is never a stored image or font (a document, a navigation):
# the asset resolver is not asked (a link's icon and an image button's picture are assets)
_NO_ASSET_TAGS = _DOC_URL_TAGS - {"link", "input"}


def safe_url(url: Any, *, tag: str = "", attr: str = "", asset: AssetResolver = None) -> str:
    """The URL if it is safe to load in the player, else a stored asset, else BLOCKED."""
    if not isinstance(url, str):
        return BLOCKED
    plain = _URL_JUNK.sub("", html.unescape(url))
    low = plain.lower()
    if low.startswith("#") and attr not in ("src", "action", "formaction", "data", "poster"):
        return plain   # as checked: "\x7f#x" would be a path on the file's server, not "#x"
    if low.startswith(ASSET_SCHEME) or low.startswith(BLOCKED):
        return plain
    if low.startswith("data:") and _DATA_OK.match(low):
        if tag not in _DOC_URL_TAGS or (tag in ("link", "input") and attr in ("href", "src")
                                        and not low.startswith("data:image/svg")):
            return _data_url_as_written(url, plain)
    scheme = _SCHEME.match(low)
    if asset is not None and tag not in _NO_ASSET_TAGS and \
            (scheme is None or scheme.group(1) in ("http", "https")):
        # as written (a relative URL too: the resolver knows the page's base), read by
        # recorder.assets.absolute_url as the URLs fetched were
        stored = asset(url)
        if stored and stored.lower().startswith(ASSET_SCHEME):
            return stored
    return BLOCKED


# What a browser's URL parser itself takes out of a URL: C0 controls and spaces at its ends,
# tabs and newlines anywhere (WHATWG URL, "remove all ASCII tab or newline").
_URL_ENDS = re.compile(r"^[\x00-\x20]+|[\x00-\x20]+$")
_URL_TAB_NEWLINE = re.compile(r"[\t\n\r]+")


def _data_url_as_written(url: str, plain: str) -> str:
    """An allowed data: URL with the spaces inside it kept, as the browser keeps them - a
    masked image's placeholder is `data:image/svg+xml;charset=utf-8,<svg xmlns='...'
    width='60' ...>`, which with its spaces taken out is no SVG (a broken image where the
    privacy table promises a grey box) - when it is still that same allowed data: URL as
    the browser reads it; else `plain`, as every other URL."""
    kept = _URL_TAB_NEWLINE.sub("", _URL_ENDS.sub("", html.unescape(url)))
    low = kept.lower()
    if kept != plain and low.startswith("data:") and _DATA_OK.match(low) \
            and low.split(",", 1)[0] == plain.lower().split(",", 1)[0]:
        return kept
    return plain


def safe_tag(tag: Any) -> str:
    t = tag_name(tag) or "div"
    if not _TAG_OK.match(t):
        return "div"
    if t in _EMBED_TAGS:
        return "div"
    return _INERT_TAGS.get(t, t)


def sanitize_attrs(tag: str, attrs: dict, *, svg: bool = False, asset: AssetResolver = None,
                   keep_css_text: bool = True, features: Features = NO_FEATURES) -> dict[str, str]:
    """A safe copy of an element's recorded attributes (string values only).

    `tag` is the recorded (lowercase) tag. rrweb's special attributes are turned into plain
    markup: `rr_width`/`rr_height` (a hidden element's placeholder) into a sized style,
    `rr_dataURL` into an image source, `rr_scrollLeft/Top` dropped (scroll is state).
    `_cssText` (an inlined stylesheet) is kept, sanitized, when `keep_css_text`. `features`:
    the visitor's recorded media features (recorder.media), which `media` and CSS follow."""
    # only all-string values are memoized: True == 1 == 1.0 as keys, but not as attributes
    if type(tag) is str and all(type(v) is str for v in attrs.values()):
        try:
            key = (tag, tuple(attrs.items()), asset, keep_css_text, features)
            return dict(_attrs_memo(key))   # a copy: callers add to it
        except TypeError:          # an unhashable resolver
            pass
    return _sanitize_attrs(tag, attrs, asset, keep_css_text, features)


_BOX_SIZES = {"rr_width": "width", "rr_height": "height"}
# A measured dimension beside one the markup gives: the element keeps its box-sizing (the
# markup's size is in its terms), so that axis's padding and border go and the measured
# border box is its size there
_FLAT_AXIS = {"width": "padding-left: 0; padding-right: 0; border-left-width: 0; "
                       "border-right-width: 0",
              "height": "padding-top: 0; padding-bottom: 0; border-top-width: 0; "
                        "border-bottom-width: 0"}


def _sized_in_markup(attrs: dict) -> dict[str, bool]:
    """Which of its dimensions an element's own markup gives in px (its width/height
    attributes, its style), as capture.js and masking.element_size read them: rr_width/
    rr_height repeat those; the others were measured, as the border box."""
    w, h = element_size({k: v for k, v in attrs.items() if k not in _BOX_SIZES})
    return {"width": w is not None, "height": h is not None}


@functools.lru_cache(maxsize=8192)
def _attrs_memo(key: tuple) -> dict[str, str]:
    """sanitize_attrs is a pure function of its arguments (as `_CssMemo` says of CSS): a
    page's thousands of elements share a few hundred attribute sets (a table's cells), and
    sanitizing each again was a fifth of building a frame."""
    tag, items, asset, keep_css_text, features = key
    return _sanitize_attrs(tag, dict(items), asset, keep_css_text, features)


def _sanitize_attrs(tag: str, attrs: dict, asset: AssetResolver,
                    keep_css_text: bool, features: Features = NO_FEATURES) -> dict[str, str]:
    out: dict[str, str] = {}
    t = tag_name(tag)
    if t in ("script", "noscript"):
        return {}  # an inert <template>: no src, no type, nothing
    extra_style: list[str] = []
    given: dict[str, bool] | None = None   # which dimensions its markup gives (a hidden box)
    animate = t in _SVG_ANIMATE
    values_unsafe = animate and any(_animates_unsafe(v) for k, v in attrs.items()
                                    if isinstance(k, str) and k.lower() == "attributename")
    for name, value in attrs.items():
        if not isinstance(name, str) or not ATTR_NAME_OK.match(name):
            continue
        if name.startswith(_SHORTHAND):
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                out[name] = str(value)
            continue
        low = name.lower()
        local = low.rsplit(":", 1)[-1]
        if value is None or isinstance(value, (dict, list)):
            continue
        if isinstance(value, bool):
            if not value:
                continue
            value = ""
        value = str(value)
        if local.startswith("on") or low in _DROP_ATTRS or local in _DROP_ATTRS:
            continue
        if low == "_csstext":
            if keep_css_text:
                out["_cssText"] = sanitize_css(value, asset, features)
            continue
        if low in _BOX_SIZES:
            # a size measured is the border box: the page's padding and border are not added
            # to it again (a 960 x 41 box replayed 982 x 63); one the element's own markup
            # gives (capture.js takes it first) keeps the box-sizing it has. A box change's
            # style diff is not merged into the style (keyframes.played): a size there is
            # the markup's
            prop = _BOX_SIZES[low]
            out["data-replay-hidden"] = ""
            if given is None:   # (read once for both dimensions)
                given = _sized_in_markup(attrs)
                if not any(given.values()):
                    extra_style.append("box-sizing: border-box")
            if given[prop]:
                # the markup's own size stands: capture.js measured it from there, and a
                # size the page sets later comes as a style change alone - its rr_* stale
                continue
            if any(given.values()):
                extra_style.append(_FLAT_AXIS[prop])
            # (the measured box is the size: the page's min/max on that axis do not clamp it)
            extra_style.append(f"{prop}: {_css_len(value)}; min-{prop}: 0; max-{prop}: none")
            continue
        if low == "rr_dataurl":
            # a canvas bitmap is base64 image data, nothing else: no quote or parenthesis
            # can come along to break out of the CSS it is placed in
            u = safe_url(value, tag="img", attr="src")
            if _BITMAP_DATA_URL.match(u):
                if t == "img":
                    out["src"] = u
                else:  # a canvas: show its last recorded bitmap as a background
                    extra_style.append(f"background: url({_quoted(u)}) 0 0 / 100% 100% no-repeat")
            continue
        if low == "rr_open_mode":
            # rrweb's mark of a dialog opened with showModal(): the player opens it so (in the
            # top layer, with its ::backdrop); the safe document places it as one (PLAYER_CSS)
            if t == "dialog" and value == "modal" and "open" in attrs:
                out[MODAL] = ""
            continue
        if low == "rr_popover_open":
            # capture.js's mark of a popover shown (showPopover(), its popovertarget button):
            # the player shows it so (the top layer); the safe document places it (PLAYER_CSS)
            if "popover" in attrs:
                out[POPOVER] = ""
            continue
        if low.startswith("rr_"):
            continue
        if animate and low in _ANIMATION_VALUES:
            if not values_unsafe:
                out[name] = sanitize_css(value, asset)
            continue
        if low in URL_ATTRS or local in URL_ATTRS:
            out[name] = safe_url(value, tag=t, attr=local, asset=asset)
            continue
        if low in CSS_VALUE_ATTRS:
            out[name] = sanitize_css(value, asset)
            continue
        if low in _SRCSET_ATTRS:
            s = _safe_srcset(value, asset)
            if s:
                out[name] = s
            continue
        if low == "style":
            out[name] = sanitize_css(value, asset, features)
            continue
        if low == "media":   # a sheet's, a <source>'s media query list
            out[name] = rewrite_queries(value, features)
            continue
        if t == "meta" and low == "content" and "http-equiv" in {k.lower() for k in attrs}:
            continue  # a refresh's target or a cookie: never kept
        if t == "meta" and low == "content" and str(attrs.get("name", "")).lower() == "color-scheme":
            out[name] = color_scheme(value, features)
            continue
        if low == "target" and value.strip().lower() not in ("_self", ""):
            continue
        out[name] = value
    if t in ("input", "select") and attrs.get(MASKED_CHOICE) not in (None, False):
        # capture.js's mark of a checkbox, radio or select whose state is masked (not
        # recorded): drawn as masked (PLAYER_CSS), never as a state the visitor did not choose
        out[MASKED] = ""
        out["title"] = MASKED_TITLE
        out.pop("checked", None)
    if t in ("style", "link") and attrs.get("rr_sheet_disabled") not in (None, False):
        # capture.js's mark of a sheet the page switched off (`sheet.disabled`): it applies to
        # no medium, in the player (a change of it is a change of `media`) as in `snapshot`
        out["media"] = "not all"
    if t == "form":
        out["action"] = BLOCKED
    if t == "form":
        out.pop("target", None)
    if t == "base":
        out.pop("href", None)
        out.pop("target", None)
    if t == "iframe":
        # A recorded iframe's document is rebuilt inside it (about:blank), never loaded;
        # the sandbox forbids scripts while letting the player's runtime fill it in.
        if not out.get("src", "").startswith(ASSET_SCHEME):
            out.pop("src", None)
        out["sandbox"] = "allow-same-origin"
    if markup_level(attrs) == Level.HIDDEN:   # a hidden element's placeholder (see PLAYER_CSS)
        out["data-replay-hidden"] = ""
    if "data-replay-hidden" in out and not _positive_px(attrs.get("rr_height")):
        out["data-replay-hidden"] = HIDDEN_UNSIZED   # no height recorded: PLAYER_CSS's minimum
    if t in _EMBED_TAGS:
        for k in ("data", "src", "type", "classid", "codebase", "archive", "code"):
            out.pop(k, None)
        out["data-replay-embed"] = t
    if extra_style:
        style = out.get("style", "").strip()
        if style and not style.endswith(";"):
            style += ";"
        out["style"] = (style + " " if style else "") + "; ".join(extra_style) + ";"
    return out


def _animates_unsafe(target: Any) -> bool:
    """Whether an animation's attributeName is one whose values we may not set: a URL,
    a handler, a style, or anything the attribute rules above drop."""
    t = tag_name(target)
    return (not t or t.startswith(("on", "rr_", "_")) or t in URL_ATTRS or t in _DROP_ATTRS
            or t in _SRCSET_ATTRS or t in ("style", "attributename"))


MODAL = "data-replay-modal"   # an open <dialog> the page showed with showModal()
POPOVER = "data-replay-popover"   # a popover the page showed (rr_popover_open)
HIDDEN_UNSIZED = "unsized"   # a placeholder whose height was not recorded, or was 0
MASKED = "data-replay-masked"   # a choice control whose state is masked (rr_masked_choice)
MASKED_TITLE = "Masked"


def _positive_px(v: Any) -> bool:
    """`rr_height` says a height above 0 ("18px", "18.5")."""
    try:
        return float(str(v).strip().removesuffix("px")) > 0
    except ValueError:
        return False


def _css_len(v: str) -> str:
    v = v.strip()
    if re.fullmatch(r"\d+(\.\d+)?", v):
        return v + "px"
    if re.fullmatch(r"\d+(\.\d+)?(px|em|rem|%|vh|vw)", v):
        return v
    return "0"


def _safe_srcset(value: str, asset: AssetResolver) -> str:
    """Keep the srcset candidates whose URL is safe (`recorder.assets.srcset_candidates`
    parses it as the HTML spec does)."""
    parts = []
    for url, desc in srcset_candidates(value):
        u = safe_url(url, tag="img", attr="srcset", asset=asset)
        if u != BLOCKED:
            parts.append(f"{u} {desc}".strip())
    return ", ".join(parts)


# --- CSS --------------------------------------------------------------------------------
# The CSS scanner is the asset module's (recorder.assets): the URLs this file rewrites are the
# URLs `referenced_urls` lists, so what is fetched is what is shown.
_CSS_TOKEN = CSS_TOKEN
_ESCAPE = CSS_ESCAPE
_URL_FUNCS = URL_FUNCS
_STRING_URL_FUNCS = STRING_URL_FUNCS
_BAD_IDENTS = frozenset({"expression", "behavior", "-moz-binding", "javascript", "vbscript"})
# What may be called inside a function that takes a URL as a string (image-set() & co): its
# images and their colours, types and sizes. Anything else there is blocked (the declaration
# is then invalid, as for a URL): a function that puts other text in its place - `var(--x)`,
# `env()`, `attr()`, `if(style(...): "..."; else: "...")`, a custom `--f()` of `@function`
# - hands it a string this pass never read as one of its URLs, which Chromium fetches
_GRADIENTS = ("linear-gradient", "radial-gradient", "conic-gradient")
_IMAGE_ARGUMENTS = frozenset(
    {*STRING_URL_FUNCS, *_URL_FUNCS, "type", "-webkit-gradient", "color-stop", "from", "to",
     *_GRADIENTS, *(f"repeating-{g}" for g in _GRADIENTS),
     *(f"-webkit-{g}" for g in _GRADIENTS), *(f"-webkit-repeating-{g}" for g in _GRADIENTS),
     "rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "color",
     "color-mix", "light-dark", "calc", "-webkit-calc", "min", "max", "clamp"})
_unescape_css = unescape_css
_string_value = css_string_value
_read_url = read_css_url
_skip_statement = skip_css_statement


def calls_url_function(text: str) -> bool:
    """Whether a CSS value's text (a canvas's `filter`, say) calls a function that takes a URL
    - `url(`, `src(`, `image-set(`... - its escapes and newlines read as the browser reads them
    (`\\75 rl(` is `url(`)."""
    low = _unescape_css(_CSS_NEWLINE.sub("\n", text)).lower()
    return any(f + "(" in low for f in _URL_FUNCS | _STRING_URL_FUNCS)


def _quoted(url: str) -> str:
    return '"' + url.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "") + '"'


class _CssMemo:
    """A bounded LRU of sanitized CSS. Big pages carry the same stylesheets in every frame
    and op batch, and sanitizing them was most of `frame_at`; `_sanitize_css` is a pure
    function of the text and the asset resolver, so its answer can be kept. Bounded by
    entries and by characters held, so a session with many large sheets cannot grow it."""

    def __init__(self, max_entries: int = 512, max_chars: int = 8_000_000):
        self.max_entries, self.max_chars = max_entries, max_chars
        self.entries: OrderedDict[tuple, str] = OrderedDict()
        self.chars = 0
        self.lock = threading.Lock()

    def get(self, css: str, asset: AssetResolver, features: Features = NO_FEATURES) -> str:
        try:
            key = (css, asset, features)
            hash(key)
        except TypeError:          # an unhashable resolver: no memo
            return _sanitize_css(rewrite_queries(css, features), asset)
        with self.lock:
            out = self.entries.get(key)
            if out is not None:
                self.entries.move_to_end(key)
                return out
        out = _sanitize_css(rewrite_queries(css, features), asset)
        size = len(css) + len(out)
        if size > self.max_chars // 4:
            return out             # one huge sheet would flush everything else
        with self.lock:
            if key not in self.entries:
                self.entries[key] = out
                self.chars += size
                while len(self.entries) > self.max_entries or self.chars > self.max_chars:
                    (k, v) = self.entries.popitem(last=False)
                    self.chars -= len(k[0]) + len(v)
        return out


_css_memo = _CssMemo()


def sanitize_css(css: Any, asset: AssetResolver = None, features: Features = NO_FEATURES) -> str:
    """CSS with every external `url(...)`/image-set string blocked, `@import` removed and
    script-bearing constructs (`expression()`, `behavior`, `-moz-binding`) neutralised; its
    media queries on the visitor's recorded `features` decided (recorder.media).
    A `<` that could start markup is written `\\3c ` (the same character to CSS), so the text
    can neither close a <style> nor become elements where it is parsed as markup."""
    if not isinstance(css, str) or not css:
        return ""
    return _css_memo.get(css, asset, features)


# What a browser does to CSS before tokenizing it (CSS Syntax §3.3): CR, CRLF and FF are one
# newline, NUL is U+FFFD. Scanned otherwise, `"\r; background: url(...)` is one string to
# us and a string ended by the newline, then a live url(), to the browser.
_CSS_NEWLINE = re.compile(r"\r\n?|\f")   # (recorder.assets.CSS_NEWLINE)


def _sanitize_css(css: str, asset: AssetResolver) -> str:
    css = _CSS_NEWLINE.sub("\n", css).replace("\0", "\ufffd")
    out: list[str] = []
    funcs: list[str] = []  # names of the open functions/parentheses, innermost last
    pos = 0
    n = len(css)
    match = _CSS_TOKEN.match
    while pos < n:
        m = match(css, pos)
        if m is None:  # cannot happen (`other` matches any char); be safe anyway
            out.append(css[pos])
            pos += 1
            continue
        kind = m.lastgroup
        tok = m.group()
        end = m.end()
        if kind == "ident":
            name = _unescape_css(tok).lower()
            if end < n and css[end] == "(":
                if name in _URL_FUNCS:
                    url, end = _read_url(css, end + 1)
                    out.append(f"url({_quoted(safe_url(url, attr='css', asset=asset))})")
                    pos = end
                    continue
                if name in _BAD_IDENTS or (name not in _IMAGE_ARGUMENTS and any(
                        f in _STRING_URL_FUNCS for f in funcs)):
                    out.append("replay-blocked")
                else:
                    out.append(tok)
                funcs.append(name)
                out.append("(")
                pos = end + 1
                continue
            if name == "defined" and _in_a_selector(css, out, end):
                tok = _DEFINED   # (:not(:defined) no longer hides a page's components)
            out.append("replay-blocked" if name in _BAD_IDENTS else tok)
        elif kind == "at":
            name = "@" + _unescape_css(tok[1:]).lower()
            if name == "@import":
                end = _skip_statement(css, end)
                out.append("/* import blocked */")
            else:
                out.append(tok)
        elif kind == "string":
            # a URL where an image function reads one, and anywhere within one but a type()'s
            # MIME type (inside a function blocked there, as `if()`'s branches: blocked twice)
            if funcs and (funcs[-1] in _STRING_URL_FUNCS or funcs[-1] != "type" and any(
                    f in _STRING_URL_FUNCS for f in funcs)):
                out.append(_quoted(safe_url(_string_value(tok), attr="css", asset=asset)))
            else:
                out.append(tok)
        elif kind == "comment":
            out.append("/**/")
        else:
            if tok == "(":
                funcs.append("")
            elif tok == ")" and funcs:
                funcs.pop()
            elif tok in "{}" and funcs:
                funcs.clear()  # a stray unbalanced parenthesis cannot swallow the sheet
            # (not at a `;`: within parentheses it ends no declaration - `if()` parts its
            # branches with it - and a function stays open across it to the browser)
            elif tok == "\\":
                # a lone backslash (escape at the very end): drop it
                pos = end
                continue
            out.append(tok)
        pos = end
    # No `<` that could open a tag or comment: the text stays text even where a browser
    # re-parses a <style> as markup (SVG/MathML foreign content).
    return inert_css_text("".join(out))


# The replay's custom elements are never defined (no page script runs), so `:defined` is
# read as any element: the visitor's page had defined them (`x-card:not(:defined)
# {visibility:hidden}`, the common guard against a flash of undefined elements, hid every
# card in the replay). `:is(*)` matches what `:defined` matched on a page whose elements
# were all defined.
_DEFINED = "is(*)"
_SELECTOR_OR_VALUE_END = re.compile(r"[{;}]")


def _in_a_selector(css: str, out: list[str], end: int) -> bool:
    """Whether the ident just read (ending at `end`) is a pseudo-class in a selector: after
    one `:` (not `::`), and a block's `{` comes before any `;` or `}` that would end a
    declaration (`animation:defined 1s}`, `font-family:defined,serif;` are values)."""
    if not out or out[-1] != ":" or (len(out) > 1 and out[-2] == ":"):
        return False
    ahead = _SELECTOR_OR_VALUE_END.search(css, end)
    return ahead is not None and ahead.group() == "{"


# `<` followed by what makes it markup in HTML's tokenizer (a tag, end tag, comment, PI).
_MARKUP_LT = re.compile(r"<(?=[A-Za-z!/?])")


def inert_css_text(css: str) -> str:
    """CSS whose every `<` that could open markup is written as the escape `\\3c ` (the same
    character to CSS): safe to write raw inside <style>, whichever way a parser reads it."""
    return _MARKUP_LT.sub(r"\\3c ", css)


# --- text and nodes ---------------------------------------------------------------------
def safe_comment(text: Any) -> str:
    """Comment text that cannot end the comment early."""
    s = text if isinstance(text, str) else ""
    return s.replace("--", "- -").replace(">", "&gt;").rstrip("-")


def sanitize_text(text: Any, parent_tag: str | None, asset: AssetResolver = None,
                  features: Features = NO_FEATURES) -> str:
    """A text node's content in its parent's context: code is blanked, CSS sanitized."""
    s = text if isinstance(text, str) else ""
    parent = tag_name(parent_tag)
    if parent in ("script", "noscript"):
        return ""
    if parent == "style":
        return sanitize_css(s, asset, features)
    return s
