"""Hostile recordings: nothing executable and nothing remote survives into the safe
document, the frames or the operations sent to the view."""
from __future__ import annotations

import json
import re

import lxml.html
import pytest

from player.replayer import Replayer
from player.sanitize import BLOCKED, safe_url, sanitize_attrs, sanitize_css
from replay_tools.generator import HOSTILE_HOST, HOSTILE_INERT, HOSTILE_MARK, hostile_session

START = 1_700_000_000_000
# every URL-bearing thing a browser would act on, in markup
_URL_ATTR = re.compile(r'\b(?:href|src|action|formaction|poster|data|background|xlink:href)="([^"]*)"')


@pytest.fixture(scope="module")
def hostile():
    events = hostile_session(START)
    return events, Replayer(events, keyframe_interval=2)


def _moments(r: Replayer) -> list[float]:
    return [r.first_frame_ms, 1200, 1600, 1900, 2100, 2300, 2600, 3100, r.duration_ms]


def _assert_inert_html(html: str) -> None:
    assert HOSTILE_MARK not in html
    assert HOSTILE_HOST not in html
    low = html.lower()
    for bad in ("javascript:", "vbscript:", "srcdoc", "<script", "<object", "<embed", "<base",
                "@import", "http-equiv=\"refresh\"", "expression("):
        assert bad not in low, bad
    doc = lxml.html.document_fromstring(html)
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        assert el.tag not in ("script", "object", "embed", "base", "applet", "frame")
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (el.tag, name)
            if name.lower() in ("href", "src", "action", "formaction", "poster", "data",
                                "xlink:href", "background"):
                assert value.startswith(("#", "data:image/", BLOCKED, "replay-asset:")), (el.tag, name, value)
        if el.tag == "form":
            assert el.get("action") == BLOCKED
        if el.tag == "meta":
            assert "http-equiv" not in el.attrib or el.get("http-equiv") == "Content-Security-Policy"
    for url in re.findall(r"url\(\s*['\"]?([^'\")]*)", html):
        assert url.startswith(("data:", BLOCKED, "replay-asset:", "#")), url


def test_hostile_document_is_inert_at_every_moment(hostile):
    _events, r = hostile
    for t in _moments(r):
        _assert_inert_html(r.document_at(t))


def test_hostile_document_keeps_what_is_harmless(hostile):
    _events, r = hostile
    html = r.document_at(r.duration_ms)
    doc = lxml.html.document_fromstring(html)
    # text that looks like markup is shown escaped, not dropped and not parsed
    assert HOSTILE_INERT in doc.text_content()
    assert not doc.xpath("//p//script")
    assert doc.findtext(".//title") == "Hostile page"
    assert doc.xpath("//h1")[0].text == "A hostile recording"
    # the typed value (with a quote-and-script trick) is a value, nothing more
    inp = doc.xpath("//input[@name='q']")[0]
    assert HOSTILE_INERT in inp.get("value") and inp.get("value").startswith('">')
    # a CSP that forbids every fetch and script is the first thing in <head>
    head = doc.find("head")
    assert head[0].get("http-equiv") == "Content-Security-Policy"
    assert "script-src 'none'" in head[0].get("content")
    # the inert template keeps the script's node (ids stay aligned) but not its code
    assert all(not (t.text or "").strip() for t in doc.iter("template"))


def test_hostile_frames_and_ops_are_inert(hostile):
    _events, r = hostile
    blobs = [json.dumps(r.frame_at(t)) for t in _moments(r)]
    ops = r.ops_between(0, r.duration_ms)
    blobs.append(json.dumps(ops))
    for b in blobs:
        assert HOSTILE_MARK not in b
        assert HOSTILE_HOST not in b
        assert "javascript:" not in b.lower() and "srcdoc" not in b.lower()

    def check(node):
        if node.get("type") == 2:
            assert node["tagName"] not in ("script", "object", "embed", "base", "frame")
            for k, v in node["attributes"].items():
                assert not k.lower().startswith("on"), k
        for c in node.get("childNodes") or ():
            check(c)

    for t in _moments(r):
        tree = r.frame_at(t)["tree"]
        if tree:
            check(tree)
    kinds = {o["k"] for o in ops}
    assert {"add", "attr", "sheet", "input"} <= kinds   # the hostile mutations did arrive
    for o in ops:
        if o["k"] == "add":
            check(o["node"])
        elif o["k"] == "attr":
            assert not any(k.lower().startswith("on") for k in o["a"])


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "java\nscript:x",
    "\x01javascript:alert(1)", "&#106;avascript:alert(1)", "&#x6A;avascript:alert(1)",
    "jav&#x09;ascript:alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>x</script>",
    "https://evil.example/a.png", "//evil.example/a.png", "/relative.png", "relative.png",
    "file:///etc/passwd", "blob:https://x/1", "\u2028javascript:alert(1)",
])
def test_unsafe_urls_are_blocked(url):
    assert safe_url(url, tag="a", attr="href") == BLOCKED
    assert safe_url(url, tag="img", attr="src") == BLOCKED


def test_safe_urls_are_kept():
    png = "data:image/png;base64,iVBORw0KGgo="
    assert safe_url(png, tag="img", attr="src") == png
    assert safe_url("#icon", tag="use", attr="href") == "#icon"
    assert safe_url("replay-asset:abc", tag="img", attr="src") == "replay-asset:abc"
    # a data: image is fine for an image, never as a document
    assert safe_url("data:image/svg+xml,<svg/>", tag="iframe", attr="src") == BLOCKED
    # a recorded asset can be served from the recording
    assert safe_url("https://cdn.example/a.png", tag="img", attr="src",
                    asset=lambda u: "replay-asset:a1" if u.endswith("a.png") else None) == "replay-asset:a1"


@pytest.mark.parametrize("css", [
    "a { background: url(https://evil.example/x.png) }",
    "a { background: url( 'https://evil.example/x.png' ) }",
    'a { background: URL("https://evil.example/x.png") }',
    "a { background: \\75 rl(https://evil.example/x.png) }",
    "a { background: u\\72l(https://evil.example/x.png) }",
    "a { background: url(https\\3a //evil.example/x.png) }",
    "@import 'https://evil.example/x.css'; a { color: red }",
    "@import url(https://evil.example/x.css) screen; a { color: red }",
    "@\\69mport 'https://evil.example/x.css'; a { color: red }",
    "a { background-image: image-set('https://evil.example/x.png' 1x) }",
    "a { background-image: -webkit-image-set(\"https://evil.example/x.png\" 1x) }",
    "@font-face { font-family: x; src: url(https://evil.example/f.woff2) format('woff2') }",
    "a { width: expression(alert(1)) } b { behavior: url(x.htc) } c { -moz-binding: url(x) }",
    "a { background: url(javascript:alert(1)) }",
    "a::after { content: '</style><script>alert(1)</script>' }",
    # CR, FF and CRLF are newlines to CSS: a string ends there, the url() after it is live
    'a { x: "\r; background: url(https://evil.example/cr.png) }',
    'a { x: "\f; background: url(https://evil.example/ff.png) }',
    "a { x: '\\\r\n' ; background: url(https://evil.example/crlf.png); y: ''}",
])
def test_hostile_css_is_neutralised(css):
    out = sanitize_css(css)
    assert "evil.example" not in out and "javascript" not in out.lower()
    assert "@import" not in out and "expression(" not in out and "</style" not in out.lower()
    assert "url(\"" + BLOCKED + "\")" in out or "url(" not in out.lower() or "blocked" in out


@pytest.mark.parametrize("css", [
    ':root { --x: "https://evil.example/r.png" } a { background-image: image-set(var(--x) 1x) }',
    'a { --y: "https://evil.example/l.png"; background: -webkit-image-set(var(--y) 1x) }',
    'ul { --z: "https://evil.example/z.png"; list-style-image: image-set(var(--z)) }',
    'a { --w: "https://evil.example/w.png"; cursor: image-set(var(--w) 1x), auto }',
    'a { background: image-set(\76 ar(--x) 1x, "data:image/png;base64,AA==" 2x) }',
    'a { background: cross-fade(var(--x), var(--y)) }',
    'a { background: image-set(env(x) 1x) } b { background: image(attr(data-u)) }',
    # Chromium 137+ if() and 139+ @function (QtWebEngine 6.10 is Chromium 140): a reviewer's
    'a { background: image-set(if(style(--z: 1): "https://evil.example/if.png"; else: '
    '"https://evil.example/else.png") 1x) }',
    '@function --f() { result: "https://evil.example/fn.png"; } '
    'a { background: image-set(--f() 1x) }',
])
def test_a_string_put_in_a_url_function_by_a_substitution_is_never_a_url(css):
    """A security review's bypass: the custom property's string is no URL to the sanitizer
    (its `url()`s are), but `image-set(var(--x) 1x)` makes Chromium fetch it. Inside a
    function that reads strings as URLs only images, their colours and sizes may be called;
    anything else is blocked, in a sheet and in a style attribute alike."""
    for out in (sanitize_css(css), sanitize_attrs("div", {"style": css.split("{")[-1]
                                                           .rstrip("} ")})["style"]):
        assert not re.search(r"(?i)(image-set|image|cross-fade)\([^;}]*(\b(var|env|attr|if)"
                             r"|--f)\(", out), out
        assert "evil.example/else" not in out and "evil.example/if" not in out
    assert "var(--x)" in sanitize_css("a { width: var(--x) }")   # elsewhere: as it was


def test_what_an_image_set_may_hold_is_kept():
    css = ('a { background: image-set(linear-gradient(rgb(1 2 3), color-mix(in srgb, red, '
           'blue)) 1x, url("data:image/png;base64,AA==") type("image/png") calc(2x)) }')
    assert sanitize_css(css) == css.replace('"data:', '"data:')


def test_harmless_css_is_unchanged_in_meaning():
    css = ".a > b:hover { color: rgb(1, 2, 3); background: url(\"data:image/png;base64,AAA=\") }"
    assert sanitize_css(css) == css
    assert sanitize_css('a::before { content: "\\201C" }') == 'a::before { content: "\\201C" }'
    assert sanitize_css("svg { fill: url(#grad) }") == 'svg { fill: url("#grad") }'


def test_attribute_rules():
    a = sanitize_attrs("img", {"src": "https://x/a.png", "OnError": "x()", "onload ": "x",
                               "srcset": "https://x/a.png 1x, data:image/png;base64,AA= 2x",
                               "alt": "hi", "@click": "x", "rr_width": "10px"})
    assert a["src"] == BLOCKED and a["alt"] == "hi"
    assert a["srcset"] == "data:image/png;base64,AA= 2x"
    assert not any(k.lower().startswith("on") for k in a)
    assert a["@click"] == "x"   # a framework shorthand: inert without its script, kept (issue 11)
    assert "width: 10px" in a["style"] and "data-replay-hidden" in a
    assert sanitize_attrs("script", {"src": "x.js", "type": "module"}) == {}
    assert sanitize_attrs("form", {"action": "/post", "target": "_blank"}) == {"action": BLOCKED}
    assert sanitize_attrs("meta", {"http-equiv": "refresh", "content": "0;url=x"}) == {}
    assert "href" not in sanitize_attrs("base", {"href": "https://evil.example/"})
    iframe = sanitize_attrs("iframe", {"src": "https://x/", "srcdoc": "<b>"})
    assert "src" not in iframe and "srcdoc" not in iframe and iframe["sandbox"] == "allow-same-origin"
    anim = sanitize_attrs("set", {"attributeName": "href", "to": "javascript:alert(1)"})
    assert "to" not in anim
    canvas = sanitize_attrs("canvas", {"rr_dataURL": "data:image/png;base64,AAAA"})
    assert "data:image/png;base64,AAAA" in canvas["style"]


def test_a_name_ending_in_a_newline_is_no_name():
    """`$` matches before a string's last newline: an attribute "href\n" passed the name
    check, skipped every rule keyed by "href", and Chromium reads `href\n="javascript:..."`
    as an href (the fuzz test found "A\n" reparsed as "a"). Names and tags are checked to
    the very end; the other validators of names and ids too."""
    from player.links import BadLink, moment_link, parse_moment_link
    from player.sanitize import ATTR_NAME_OK

    a = sanitize_attrs("a", {"href\n": "javascript:alert(1)", "title\n": "x", "id": "ok"})
    assert a == {"id": "ok"}
    assert not ATTR_NAME_OK.match("onload\n") and ATTR_NAME_OK.match("data-x")
    for bad in (lambda: moment_link("abc\n", 5), lambda: parse_moment_link("replay://abc%0A?t=5")):
        with pytest.raises(BadLink):
            bad()


def test_an_application_name_ending_in_a_newline_is_refused(tmp_path):
    """The same `$` in the intake's application names ("shop\n" was a name)."""
    from recorder.intake.apps import AppError, Applications

    apps = Applications(tmp_path)
    try:
        with pytest.raises(AppError):
            apps.create("shop\n")
        assert apps.create("shop")[0].name == "shop"
    finally:
        apps.close()


def test_hostile_snapshot_mutations_one_by_one():
    """Each hostile construct added by a mutation after the snapshot is neutralised in the
    op that adds it."""
    base = hostile_session(START)[:2]
    body_id = next(n["id"] for n in _walk(base[1]["data"]["node"]) if n.get("tagName") == "body")
    nasty = [
        {"type": 2, "tagName": "script", "attributes": {"src": "https://evil.example/x.js"}, "childNodes": []},
        {"type": 2, "tagName": "img", "attributes": {"src": "x", "oNeRrOr": "alert(1)"}, "childNodes": []},
        {"type": 2, "tagName": "a", "attributes": {"href": " \tjavascript:alert(1)"}, "childNodes": []},
        {"type": 2, "tagName": "iframe", "attributes": {"srcdoc": "<script>alert(1)</script>"}, "childNodes": []},
        {"type": 2, "tagName": "object", "attributes": {"data": "https://evil.example/x.swf"}, "childNodes": []},
        {"type": 2, "tagName": "embed", "attributes": {"src": "https://evil.example/x.swf"}, "childNodes": []},
        {"type": 2, "tagName": "base", "attributes": {"href": "https://evil.example/"}, "childNodes": []},
        {"type": 2, "tagName": "meta", "attributes": {"http-equiv": "refresh", "content": "0;url=https://evil.example/"}, "childNodes": []},
        {"type": 2, "tagName": "div", "attributes": {"style": "background:url(https://evil.example/s.png)"}, "childNodes": []},
        {"type": 2, "tagName": "use", "isSVG": True, "attributes": {"xlink:href": "https://evil.example/s.svg#a"}, "childNodes": []},
        {"type": 2, "tagName": "form", "attributes": {"action": "https://evil.example/steal"}, "childNodes": []},
        {"type": 2, "tagName": "link", "attributes": {"rel": "stylesheet", "href": "https://evil.example/a.css"}, "childNodes": []},
    ]
    events = list(base)
    for i, n in enumerate(nasty):
        node = dict(n, id=10_000 + i)
        events.append({"type": 3, "timestamp": START + 100 + i, "data": {
            "source": 0, "texts": [], "attributes": [], "removes": [],
            "adds": [{"parentId": body_id, "nextId": None, "node": node}]}})
    r = Replayer(events)
    ops = [o for o in r.ops_between(50, 1000) if o["k"] == "add"]
    assert len(ops) == len(nasty)
    blob = json.dumps(ops)
    assert "evil.example" not in blob and "javascript" not in blob and "srcdoc" not in blob
    assert not re.search(r'"on[a-z]+"', blob, re.I)
    _assert_inert_html(r.document_at(1000))


def _walk(n):
    yield n
    for c in n.get("childNodes") or ():
        yield from _walk(c)


# --- fuzz: whatever the recording holds, the serialized document cannot be broken out of ---
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_NASTY = st.sampled_from(["<script>alert(1)</script>", "</style><script>x</script>", "\"'><img src=x onerror=y>",
                          "--><script>z</script>", "javascript:alert(1)", "</textarea><script>q</script>",
                          "url(https://evil.example/a)", "@import 'https://evil.example/b';", "\x00\x0b\ud800",
                          "</title><script>w</script>", "]]><script>v</script>", "onload", "ONCLICK"])
_TEXT = st.one_of(_NASTY, st.text(max_size=30))
_TAGS = st.one_of(st.sampled_from(["script", "style", "textarea", "title", "svg", "iframe", "a", "img",
                                   "noscript", "xmp", "plaintext", "template", "object", "meta", "base",
                                   "div", "p", "select", "option", "noembed", "noframes", "math"]),
                  st.text(max_size=8))
_ATTR_NAMES = st.one_of(st.sampled_from(["onload", "OnError", "href", "src", "style", "srcdoc", "xlink:href",
                                         "action", "formaction", "srcset", "_cssText", "rr_width", "data-x",
                                         "http-equiv", "content"]), st.text(max_size=8))


@st.composite
def _tree(draw, depth=0):
    nid = draw(st.integers(10, 10**6))
    if depth > 2 or draw(st.booleans()):
        kind = draw(st.sampled_from([3, 3, 5]))
        return {"type": kind, "id": nid, "textContent": draw(_TEXT)}
    kids = draw(st.lists(_tree(depth=depth + 1), max_size=3))
    attrs = draw(st.dictionaries(_ATTR_NAMES, _TEXT, max_size=4))
    return {"type": 2, "id": nid, "tagName": draw(_TAGS), "attributes": attrs, "childNodes": kids,
            "isSVG": draw(st.booleans())}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.lists(_tree(), max_size=4))
def test_fuzzed_recordings_never_yield_live_markup(body):
    import warnings as _w
    doc = {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 3, "tagName": "head", "attributes": {}, "childNodes": []},
            {"type": 2, "id": 4, "tagName": "body", "attributes": {}, "childNodes": body}]}]}
    events = [{"type": 2, "data": {"node": doc}, "timestamp": START}]
    with _w.catch_warnings():
        _w.simplefilter("ignore")   # random ids may repeat: counted, skipped
        r = Replayer(events)
    html = r.document_at(0)
    parsed = lxml.html.document_fromstring(html)
    for el in parsed.iter():
        if not isinstance(el.tag, str):
            continue
        assert el.tag.lower() not in ("script", "object", "embed", "base", "iframe") or (
            el.tag == "iframe" and "src" not in el.attrib and "srcdoc" not in el.attrib)
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (name, html)
            assert name.lower() != "srcdoc"
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href"):
                assert value.startswith(("#", "data:image/", BLOCKED)), (name, value)
            if name.lower() == "style":
                assert "evil.example" not in value
        if el.tag == "style":
            assert "evil.example" not in (el.text or "") and "@import" not in (el.text or "")
