"""What an asset of a recording is: the images and fonts its page loaded by URL.

A recording keeps the page's DOM and CSS, not the files they name: `<img src>`, `srcset`,
`<picture><source srcset>`, `<video poster>`, `<input type=image src>`, SVG `<image href>`,
the legacy `background` attribute, `<link rel=icon>` (and apple-touch-icon, mask-icon), and
every CSS `url()`/`src()`/`image-set("...")` - in a `<style>`, a `<link>`'s inlined sheet
(`_cssText`), a `style` attribute, a CSSOM rule edit, an adopted sheet, an `@font-face`, a
FontFace the page constructed (rrweb's Font event). Those URLs, made absolute as the browser
made them (the page's URL from its Meta event, the document's `<base href>`, a linked
stylesheet's own URL for its `url()`s), are what `replay assets fetch` and `replay serve` fetch
and what the player shows from the asset store (`recorder.asset_store`) instead of a broken
image - the replay itself never fetches anything.

`referenced_urls(events, rules)` walks a recording with the one mirror DOM
(`recorder.mirror`), so an element's attributes and a stylesheet's text are read as the player
rebuilds them, at the moment they were there.

Never an asset (so never fetched):
- a URL the privacy pass replaced: a masked image is a `data:` placeholder, a masked
  `srcset`/`poster` is dropped, a hidden element keeps no `url()`, and a URL whose query the
  rules scrubbed (`?token=***`) or whose password they took (`user:***@`) says `***`;
- any URL of an element the rules put at `mask` or `hidden` (its inline style's background
  image: the privacy table's images column says such images are placeholders);
- anything but http(s) (`data:`, `blob:`, `javascript:`...); `<iframe>`, links, scripts,
  media files (`<video src>`) and stylesheets (they are inlined already).

The URL reading itself - which CSS token is a URL, how a `srcset` splits, what a browser
strips from an attribute's URL - is shared with the player's sanitizer (`player.sanitize`
imports it from here), so the URL the player asks the store for is the URL fetched.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Protocol
from urllib.parse import urljoin, urlsplit, urlunsplit

from .format import EventType, IncrementalSource, NodeType
from .mirror import Mirror, Node
from .page_css import style_text, tag_name

if TYPE_CHECKING:   # pragma: no cover
    from .privacy.rules import Rules

IMAGE, FONT = "image", "font"   # what a reference expects (the fetch decides by content type)
MASKED_MARK = "***"              # what the privacy pass puts where it took something out

# --- reading a URL as a browser does ------------------------------------------------------------
# Characters a browser strips or ignores inside a URL before reading its scheme.
URL_JUNK = re.compile(r"[\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]+")
SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def clean_url(url: str) -> str:
    """An attribute's URL as the browser reads it: the white space and control characters it
    ignores taken out. Nothing is decoded: a recorded attribute is the DOM's value, which the
    HTML parser decoded already (`&param=` read again as an entity would be `¶m=`)."""
    return URL_JUNK.sub("", url)


def absolute_url(url: Any, base: str | None) -> str | None:
    """The absolute http(s) URL `url` names on a page whose base URL is `base`, without its
    fragment - the key an asset is stored under - or None: not http(s), empty or only a
    fragment, relative with no base, or a URL the privacy pass masked (`***`)."""
    if not isinstance(url, str):
        return None
    plain = clean_url(url)
    if not plain or plain.startswith("#") or MASKED_MARK in plain:
        return None
    scheme = SCHEME.match(plain.lower())
    if scheme is None:
        if not base:
            return None
        try:
            plain = urljoin(base, plain)
        except ValueError:
            return None
    elif scheme.group(1) not in ("http", "https"):
        return None
    try:
        parts = urlsplit(plain)
        if parts.scheme not in ("http", "https") or not parts.hostname \
                or parts.username is not None or parts.password is not None:
            return None
        parts.port   # noqa: B018 - a port that is no number raises here, not later
    except ValueError:
        return None
    if MASKED_MARK in plain:
        return None
    return urlunsplit(parts._replace(fragment=""))


def fragment_of(url: str) -> str:
    """The `#...` part of a URL as written (an SVG sprite's `icons.svg#home`), '' if none."""
    plain = clean_url(url)
    i = plain.find("#")
    return plain[i:] if i > 0 else ""


def srcset_candidates(value: str) -> list[tuple[str, str]]:
    """A `srcset`'s (URL, descriptors) candidates, parsed as the HTML spec does: a URL runs to
    the next white space (it may hold commas, e.g. data: URLs), then descriptors run to the
    next comma."""
    parts: list[tuple[str, str]] = []
    i, n = 0, len(value)
    while i < n:
        while i < n and (value[i].isspace() or value[i] == ","):
            i += 1
        start = i
        while i < n and not value[i].isspace():
            i += 1
        url = value[start:i]
        desc = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            d0 = i
            depth = 0
            while i < n and (value[i] != "," or depth):
                depth += value[i] == "("
                depth -= value[i] == ")" and depth > 0
                i += 1
            desc = value[d0:i].strip()
        if url:
            parts.append((url, desc))
    return parts


# --- reading CSS as a browser does ----------------------------------------------------------------
# A tiny CSS scanner: enough to find every function and at-rule *as the browser would read
# it* (identifiers may use escapes: `\75 rl(` is `url(`), not a full parser.
CSS_TOKEN = re.compile(r"""
    (?P<comment>/\*.*?(?:\*/|\Z))
  | (?P<string>"(?:[^"\\\n]|\\.|\\\n)*(?:"|$)|'(?:[^'\\\n]|\\.|\\\n)*(?:'|$))
  | (?P<at>@-?(?:[A-Za-z_\-]|[^\x00-\x7f]|\\[0-9A-Fa-f]{1,6}\s?|\\[^\n0-9A-Fa-f])(?:[A-Za-z0-9_\-]|[^\x00-\x7f]|\\[0-9A-Fa-f]{1,6}\s?|\\[^\n0-9A-Fa-f])*)
  | (?P<ident>-?(?:[A-Za-z_\-]|[^\x00-\x7f]|\\[0-9A-Fa-f]{1,6}\s?|\\[^\n0-9A-Fa-f])(?:[A-Za-z0-9_\-]|[^\x00-\x7f]|\\[0-9A-Fa-f]{1,6}\s?|\\[^\n0-9A-Fa-f])*)
  | (?P<other>.)
""", re.S | re.X)
CSS_ESCAPE = re.compile(r"\\([0-9A-Fa-f]{1,6})\s?|\\(.)", re.S)
URL_FUNCS = frozenset({"url", "src"})
STRING_URL_FUNCS = frozenset({"image-set", "-webkit-image-set", "image", "cross-fade",
                              "-webkit-cross-fade"})
# What a browser does to CSS before tokenizing it (CSS Syntax §3.3): CR, CRLF and FF are one
# newline, NUL is U+FFFD.
CSS_NEWLINE = re.compile(r"\r\n?|\f")


def unescape_css(s: str) -> str:
    def rep(m: re.Match) -> str:
        if m.group(1):
            try:
                return chr(int(m.group(1), 16))
            except (ValueError, OverflowError):
                return "\ufffd"
        return m.group(2) if m.group(2) != "\n" else ""
    return CSS_ESCAPE.sub(rep, s)


def css_string_value(tok: str) -> str:
    body = tok[1:-1] if len(tok) >= 2 and tok[-1] == tok[0] else tok[1:]
    return unescape_css(body)


def read_css_url(css: str, pos: int) -> tuple[str, int]:
    """Read the argument of url( ... ) starting after the parenthesis; returns the decoded
    URL and the index after the closing parenthesis."""
    n = len(css)
    while pos < n and css[pos] in " \t\r\n\f":
        pos += 1
    if pos < n and css[pos] in "\"'":
        m = CSS_TOKEN.match(css, pos)
        url = css_string_value(m.group()) if m else ""
        pos = m.end() if m else n
        # skip to the closing parenthesis (modifiers after the string are dropped)
        close = css.find(")", pos)
        return url, (n if close < 0 else close + 1)
    buf = []
    while pos < n and css[pos] != ")":
        if css[pos] == "\\" and pos + 1 < n:
            m = CSS_ESCAPE.match(css, pos)
            buf.append(m.group())
            pos = m.end()
            continue
        buf.append(css[pos])
        pos += 1
    return unescape_css("".join(buf)).strip(), min(n, pos + 1)


def skip_css_statement(css: str, pos: int) -> int:
    """Skip an at-rule statement up to and including its `;` (or a block)."""
    n = len(css)
    depth = 0
    while pos < n:
        m = CSS_TOKEN.match(css, pos)
        tok = m.group()
        pos = m.end()
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth = max(0, depth - 1)
        elif tok == ";" and depth == 0:
            return pos
        elif tok == "{" and depth == 0:
            # an at-rule with a block: skip the block
            level = 1
            while pos < n and level:
                m = CSS_TOKEN.match(css, pos)
                t = m.group()
                pos = m.end()
                if t == "{":
                    level += 1
                elif t == "}":
                    level -= 1
            return pos
    return pos


def css_urls(css: Any) -> list[str]:
    """The URLs a CSS text loads, as written: `url(...)`, `src(...)` and the strings of
    `image-set(...)` and its kin - read as the player's sanitizer reads them (the same walk:
    `player.sanitize._sanitize_css` rewrites exactly these). `@import`s are not listed (the
    player never loads an imported sheet; capture inlines what it can read)."""
    if not isinstance(css, str) or not css:
        return []
    css = CSS_NEWLINE.sub("\n", css).replace("\0", "\ufffd")
    out: list[str] = []
    funcs: list[str] = []
    pos, n = 0, len(css)
    match = CSS_TOKEN.match
    while pos < n:
        m = match(css, pos)
        if m is None:   # cannot happen (`other` matches any char)
            pos += 1
            continue
        kind, tok, end = m.lastgroup, m.group(), m.end()
        if kind == "ident":
            if end < n and css[end] == "(":
                name = unescape_css(tok).lower()
                if name in URL_FUNCS:
                    url, pos = read_css_url(css, end + 1)
                    out.append(url)
                    continue
                funcs.append(name)
                pos = end + 1
                continue
        elif kind == "at":
            if "@" + unescape_css(tok[1:]).lower() == "@import":
                end = skip_css_statement(css, end)
        elif kind == "string":
            if funcs and funcs[-1] in STRING_URL_FUNCS:
                out.append(css_string_value(tok))
        elif kind == "other":
            if tok == "(":
                funcs.append("")
            elif tok == ")" and funcs:
                funcs.pop()
            elif tok in "{};" and funcs:
                funcs.clear()
        pos = end
    return out


# --- where a page's relative URLs point ---------------------------------------------------------
def _tag(n: Node | None) -> str:
    return tag_name(n.tag) if n is not None else ""


def _child_elements(m: Mirror, n: Node | None, tag: str) -> Iterator[Node]:
    if n is None:
        return
    nodes = m.nodes
    for c in n.children:
        x = nodes.get(c)
        if x is not None and x.type == NodeType.Element and _tag(x) == tag:
            yield x


def document_base(m: Mirror) -> str:
    """The URL the page's relative URLs are read against: its `<base href>` (the first, in
    the head, made absolute against the page's URL), else the page's URL (its Meta event's
    `href`); '' when neither is known."""
    href = m.href if isinstance(m.href, str) else ""
    root = m.nodes.get(m.root) if m.root is not None else None
    for html_el in _child_elements(m, root, "html"):
        for head in _child_elements(m, html_el, "head"):
            for b in _child_elements(m, head, "base"):
                v = b.attrs.get("href")
                if isinstance(v, str) and v.strip():
                    try:
                        found = urljoin(href, clean_url(v)) if href else clean_url(v)
                    except ValueError:
                        continue
                    return found if SCHEME.match(found.lower()) else href
        break
    return href


def sheet_base(n: Node, base: str) -> str:
    """The URL a stylesheet element's `url()`s are read against: a `<link>`'s own URL (its
    sheet was inlined from there), else the document's `base`."""
    if _tag(n) == "link":
        own = absolute_url(n.attrs.get("href"), base)
        if own is not None:
            return own
    return base


# --- what an element references -------------------------------------------------------------------
# (tag, attribute) whose value is one image URL
_IMAGE_ATTRS = frozenset({("img", "src"), ("video", "poster"), ("image", "href"),
                          ("image", "xlink:href"), ("feimage", "href"), ("feimage", "xlink:href"),
                          ("body", "background"), ("table", "background"), ("td", "background"),
                          ("th", "background"), ("tr", "background")})
_SRCSET_TAGS = frozenset({"img", "source"})
_ICON_RELS = frozenset({"icon", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon"})


def is_icon_link(attrs: dict) -> bool:
    rel = attrs.get("rel")
    return isinstance(rel, str) and not _ICON_RELS.isdisjoint(rel.lower().split())


def element_urls(n: Node, base: str) -> Iterator[tuple[str, str]]:
    """(absolute URL, kind) of every image an element's own attributes name (its `style`
    attribute's `url()`s too; a stylesheet's text: `sheet_urls`)."""
    tag = _tag(n)
    attrs = n.attrs
    for name, value in attrs.items():
        if not isinstance(value, str) or not isinstance(name, str):
            continue
        low = name.lower()
        if (tag, low) in _IMAGE_ATTRS or (tag == "input" and low == "src" and
                                          str(attrs.get("type", "")).lower() == "image") \
                or (tag == "link" and low == "href" and is_icon_link(attrs)):
            u = absolute_url(value, base)
            if u is not None:
                yield u, IMAGE
        elif low in ("srcset", "imagesrcset") and tag in _SRCSET_TAGS:
            for url, _desc in srcset_candidates(value):
                u = absolute_url(url, base)
                if u is not None:
                    yield u, IMAGE
        elif low == "style":
            yield from css_text_urls(value, base)


def css_text_urls(css: Any, base: str) -> Iterator[tuple[str, str]]:
    """(absolute URL, kind) of a CSS text's `url()`s read against `base`; a URL inside an
    `@font-face` block, or one whose path ends as a font file does, is a font."""
    for url in css_urls(css):
        u = absolute_url(url, base)
        if u is not None:
            yield u, FONT if _FONT_FILE.search(urlsplit(u).path) else IMAGE


_FONT_FILE = re.compile(r"\.(woff2?|ttf|otf|eot)$", re.I)


# --- a whole recording ---------------------------------------------------------------------------
_INC = int(EventType.IncrementalSnapshot)
_SNAPSHOT = int(EventType.FullSnapshot)
_META = int(EventType.Meta)
_MUTATION = int(IncrementalSource.Mutation)
_SHEET_SOURCES = (int(IncrementalSource.StyleSheetRule), int(IncrementalSource.StyleDeclaration))
_ADOPTED = int(IncrementalSource.AdoptedStyleSheet)
_FONT = int(IncrementalSource.Font)


class _Walk:
    """Applies a recording's DOM events to a mirror and collects what each one references."""

    def __init__(self, rules: "Rules | None"):
        self.m = Mirror()
        self.levels = None
        if rules is not None:
            from .privacy.levels import PrivacyLevels
            self.levels = PrivacyLevels(rules, self.m)
        self.found: dict[str, str] = {}
        self._base: str | None = None
        # a page whose default level is `mask` or stricter: its adopted sheets and font faces
        # (no element to ask) are taken as masked too
        self.page_masked = False
        if rules is not None:
            from .privacy.levels import MASK_LEVEL
            self.page_masked = self.levels.default >= MASK_LEVEL

    @property
    def base(self) -> str:
        if self._base is None:
            self._base = document_base(self.m)
        return self._base

    def add(self, pairs: Iterable[tuple[str, str]]) -> None:
        for url, kind in pairs:
            self.found.setdefault(url, kind)

    def masked(self, n: Node) -> bool:
        """Whether the rules put this element at `mask` or stricter (its images are
        placeholders there; anything of it left by URL is not fetched)."""
        if self.levels is None:
            return False
        from .privacy.levels import MASK_LEVEL
        return self.levels.level_of(n) >= MASK_LEVEL

    def element(self, n: Node) -> None:
        if n.type != NodeType.Element or self.masked(n):
            return
        self.add(element_urls(n, self.base))
        tag = _tag(n)
        if tag == "style" or (tag == "link" and isinstance(n.attrs.get("_cssText"), str)):
            self.add(css_text_urls(style_text(self.m, n), sheet_base(n, self.base)))

    def subtree(self, nid: Any) -> None:
        for n in self.m.walk(nid):
            self.element(n)

    def event(self, e: Any) -> None:
        if not isinstance(e, dict):
            return
        t, data = e.get("type"), e.get("data")
        if not isinstance(data, dict):
            return
        m = self.m
        if t == _META:
            m.apply(e)
            self._changed()
        elif t == _SNAPSHOT:
            m.apply(e)
            self._changed()
            if m.root is not None:
                self.subtree(m.root)
            self._fonts()
        elif t == _INC:
            src = data.get("source")
            if src == _MUTATION:
                m.apply(e)
                self._changed()
                self._mutation(data)
            elif src in _SHEET_SOURCES:
                m.apply(e)
                self._sheet_edit(data)
            elif src == _ADOPTED:
                m.apply(e)
                if self.page_masked:
                    return
                for s in data.get("styles") or ():
                    rules = s.get("rules") if isinstance(s, dict) else None
                    for r in rules if isinstance(rules, list) else ():
                        if isinstance(r, dict):
                            self.add(css_text_urls(r.get("rule"), self.base))
            elif src == _FONT:
                m.apply(e)
                self._fonts()

    def _changed(self) -> None:
        self._base = None
        if self.levels is not None:
            self.levels.invalidate()

    def _mutation(self, data: dict) -> None:
        nodes = self.m.nodes
        for a in data.get("adds") or ():
            node = a.get("node") if isinstance(a, dict) else None
            nid = node.get("id") if isinstance(node, dict) else None
            if nid in nodes:
                self.subtree(nid)
        for a in data.get("attributes") or ():
            n = nodes.get(a.get("id")) if isinstance(a, dict) else None
            if n is not None:
                self.element(n)
        for tx in data.get("texts") or ():
            n = nodes.get(tx.get("id")) if isinstance(tx, dict) else None
            p = nodes.get(n.parent) if n is not None and n.parent is not None else None
            if p is not None and _tag(p) == "style":
                self.element(p)

    def _sheet_edit(self, data: dict) -> None:
        """A CSSOM edit: the rule texts it brings (on an element's sheet, or an adopted one)."""
        n = self.m.nodes.get(data.get("id")) if data.get("id") is not None else None
        if (n is not None and self.masked(n)) or (n is None and self.page_masked):
            return
        base = sheet_base(n, self.base) if n is not None else self.base
        texts: list[Any] = [r.get("rule") for r in data.get("adds") or () if isinstance(r, dict)]
        texts += [data.get("replace"), data.get("replaceSync")]
        decl = data.get("set")
        if isinstance(decl, dict):
            texts.append(decl.get("value"))
        for text in texts:
            self.add(css_text_urls(text, base))

    def _fonts(self) -> None:
        if self.page_masked:
            return
        for f in self.m.fonts:
            if not f.get("buffer"):
                for url, _kind in css_text_urls(f.get("fontSource"), self.base):
                    self.found.setdefault(url, FONT)


def referenced_urls(events: Iterable[Any], rules: "Rules | None" = None) -> dict[str, str]:
    """Every image and font URL a recording's page references, absolute, first seen first:
    {url: kind}. `rules`: the privacy rules the recording was masked under - an element they
    put at `mask` or stricter references nothing (see the module's docstring)."""
    w = _Walk(rules)
    for e in events:
        w.event(e)
    return w.found


# --- where the player finds them -----------------------------------------------------------------
class AssetLookup(Protocol):
    """Stored assets by URL: `find(url)` the key of the asset stored for an absolute URL
    (None: not stored), `read(key)` its (bytes, content type) - None when it cannot be
    served (gone, damaged); `empty()` whether it holds none. `reload()` reads what is stored
    again (assets fetched since it was made), and `generation` counts those reloads, so an
    answer kept about it (the sanitizer's memos, through player.assets.UrlResolver) is kept
    per generation, never served stale."""

    generation: int

    def find(self, url: str) -> str | None: ...

    def read(self, key: str) -> tuple[bytes, str] | None: ...

    def empty(self) -> bool: ...

    def reload(self) -> None: ...


class ChainedAssets:
    """Several lookups asked in turn (a bundle's own assets, then the data folder's)."""

    def __init__(self, *lookups: AssetLookup | None):
        self.lookups = [x for x in lookups if x is not None]

    @property
    def generation(self) -> int:
        return sum(x.generation for x in self.lookups)

    def empty(self) -> bool:
        return all(x.empty() for x in self.lookups)

    def reload(self) -> None:
        for x in self.lookups:
            x.reload()

    def find(self, url: str) -> str | None:
        for x in self.lookups:
            k = x.find(url)
            if k is not None:
                return k
        return None

    def read(self, key: str) -> tuple[bytes, str] | None:
        for x in self.lookups:
            got = x.read(key)
            if got is not None:
                return got
        return None


# content types an asset may be stored and served as: images and fonts, nothing a browser
# would run or lay out as a document
_SERVABLE = re.compile(r"^(?:image/[a-z0-9.+\-]+|font/[a-z0-9.+\-]+|application/(?:x-)?font-"
                       r"[a-z0-9.+\-]+|application/vnd\.ms-fontobject)\Z")


def servable_type(mime: Any) -> str | None:
    """`mime` (parameters dropped, lower case) if it is an image or font type, else None."""
    if not isinstance(mime, str):
        return None
    t = mime.split(";", 1)[0].strip().lower()
    return t if _SERVABLE.match(t) else None


_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
          (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"), (b"wOF2", "font/woff2"),
          (b"wOFF", "font/woff"), (b"OTTO", "font/otf"), (b"\x00\x01\x00\x00", "font/ttf"),
          (b"\x00\x00\x01\x00", "image/x-icon"), (b"BM", "image/bmp"))


def sniffed_type(data: bytes) -> str | None:
    """The image or font type a file's first bytes say (for a server that answers
    application/octet-stream, or nothing): PNG, JPEG, GIF, WebP, AVIF, ICO, BMP, WOFF(2),
    OpenType, TrueType - else None."""
    head = bytes(data[:16])
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:12] in (b"ftypavif", b"ftypavis"):
        return "image/avif"
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    return None
