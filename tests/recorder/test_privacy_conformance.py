"""Conformance table: one HTML document recorded under each privacy level, with the exact
expected recording - text, inputs of every type, selects, checkboxes, attributes, images,
markup overrides (nested, and under hidden) - and the exact input events kept."""
from __future__ import annotations

import pytest

from recorder.privacy import Level, SessionMasker, parse_rules
from recorder.privacy.preview import html_to_events, render_node

DOC = """<html><head><title>Checkout</title><style>.a{color:red}</style></head><body>
<h1 title="Your order">Order for Jane Doe</h1>
<p>Call <a href="https://shop.example/help?token=abc123&amp;x=1">us</a>.</p>
<img src="/avatar.png" srcset="/avatar@2x.png 2x" width="40" height="30" alt="Jane's face">
<form>
<input id="name" type="text" name="fullname" value="Jane Doe" placeholder="Full name" aria-label="Name">
<input id="email" type="email" value="jane@example.com">
<input id="pw" type="password" value="hunter2">
<input id="tel" type="tel" value="+1 415 555 0100">
<input id="csrf" type="hidden" value="csrf-42">
<input id="cc" type="text" autocomplete="cc-number" value="4111 1111 1111 1111">
<input id="q" type="search" value="desk">
<input id="qty" type="number" value="3">
<input id="dob" type="date" value="1990-04-01">
<input id="site" type="url" value="https://jane.example">
<input id="go" type="submit" value="Pay now">
<input id="gift" type="checkbox" checked>
<input id="fast" type="radio" name="ship" value="fast" checked>
<select id="country" name="country"><option value="fr">France</option><option value="de" selected>Germany</option></select>
<textarea id="note">Leave at door</textarea>
<span data-note="vip">VIP</span>
</form>
<div data-replay-privacy="mask">Masked <b class="replay-privacy-allow">shown</b></div>
<div class="rr-block" style="width: 200px; height: 50px">Secret <b>inside</b></div>
<section data-dd-privacy="hidden"><p data-replay-privacy="allow">never</p></section>
<iframe srcdoc="&lt;p&gt;hi&lt;/p&gt;" title="frame"></iframe>
</body></html>"""

# The shared tail: nested overrides and hidden elements behave the same at every level
# below hidden (the markup is explicit).
TAIL = """<div data-replay-privacy="mask">xxxxxx <b class="replay-privacy-allow">shown</b></div>
<div class="rr-block" style="display:inline-block;background:#ccc;width:200px;height:50px;"></div>
<section data-dd-privacy="hidden"></section>
"""

EXPECTED = {
    "allow": """<!DOCTYPE html><html><head><title>Checkout</title><style>.a{color:red}</style></head><body>
<h1 title="Your order">Order for Jane Doe</h1>
<p>Call <a href="https://shop.example/help?token=***&amp;x=1">us</a>.</p>
<img src="/avatar.png" srcset="/avatar@2x.png 2x" width="40" height="30" alt="Jane&#x27;s face">
<form>
<input id="name" type="text" name="fullname" value="Jane Doe" placeholder="Full name" aria-label="Name">
<input id="email" type="email" value="***">
<input id="pw" type="password" value="***">
<input id="tel" type="tel" value="***">
<input id="csrf" type="hidden" value="***">
<input id="cc" type="text" autocomplete="cc-number" value="***">
<input id="q" type="search" value="desk">
<input id="qty" type="number" value="3">
<input id="dob" type="date" value="1990-04-01">
<input id="site" type="url" value="https://jane.example">
<input id="go" type="submit" value="Pay now">
<input id="gift" type="checkbox" checked="checked">
<input id="fast" type="radio" name="ship" value="fast" checked="checked">
<select id="country" name="country"><option value="fr">France</option><option value="de" selected="selected">Germany</option></select>
<textarea id="note">Leave at door</textarea>
<span data-note="vip">VIP</span>
</form>
""" + TAIL + """<iframe title="frame"></iframe>
</body></html>""",
    "mask-user-input": """<!DOCTYPE html><html><head><title>Checkout</title><style>.a{color:red}</style></head><body>
<h1 title="Your order">Order for Jane Doe</h1>
<p>Call <a href="https://shop.example/help?token=***&amp;x=1">us</a>.</p>
<img src="/avatar.png" srcset="/avatar@2x.png 2x" width="40" height="30" alt="Jane&#x27;s face">
<form>
<input id="name" type="text" name="fullname" value="***" placeholder="Full name" aria-label="Name">
<input id="email" type="email" value="***">
<input id="pw" type="password" value="***">
<input id="tel" type="tel" value="***">
<input id="csrf" type="hidden" value="***">
<input id="cc" type="text" autocomplete="cc-number" value="***">
<input id="q" type="search" value="***">
<input id="qty" type="number" value="***">
<input id="dob" type="date" value="***">
<input id="site" type="url" value="***">
<input id="go" type="submit" value="Pay now">
<input id="gift" type="checkbox">
<input id="fast" type="radio" name="ship" value="***">
<select id="country" name="country"><option value="fr">France</option><option value="de">Germany</option></select>
<textarea id="note">***</textarea>
<span data-note="vip">VIP</span>
</form>
""" + TAIL + """<iframe title="frame"></iframe>
</body></html>""",
    "mask": """<!DOCTYPE html><html><head><title>xxxxxxxx</title><style>.a{color:red}</style></head><body>
<h1 title="***">xxxxx xxx xxxx xxx</h1>
<p>xxxx <a href="***">xx</a>x</p>
<img src="data:image/svg+xml;charset=utf-8,&lt;svg xmlns=&#x27;http://www.w3.org/2000/svg&#x27; width=&#x27;40&#x27; height=&#x27;30&#x27; style=&#x27;background-color:silver&#x27;&gt;&lt;/svg&gt;" width="40" height="30" alt="***">
<form>
<input id="name" type="text" name="***" value="***" placeholder="***" aria-label="***">
<input id="email" type="email" value="***">
<input id="pw" type="password" value="***">
<input id="tel" type="tel" value="***">
<input id="csrf" type="hidden" value="***">
<input id="cc" type="text" autocomplete="cc-number" value="***">
<input id="q" type="search" value="***">
<input id="qty" type="number" value="***">
<input id="dob" type="date" value="***">
<input id="site" type="url" value="***">
<input id="go" type="submit" value="***">
<input id="gift" type="checkbox">
<input id="fast" type="radio" name="***" value="***">
<select id="country" name="***"><option value="fr">***</option><option value="de">***</option></select>
<textarea id="note">***</textarea>
<span data-note="***">xxx</span>
</form>
""" + TAIL + """<iframe title="***"></iframe>
</body></html>""",
    # hidden at the top: the root element is a placeholder, nothing beneath is recorded
    "hidden": "<!DOCTYPE html><html data-replay-privacy=\"hidden\"></html>",
}


def _rules(level: str):
    return parse_rules(f'default = "{level}"\nscrub_query_params = ["token"]\ndetectors = []')


def _ids(node: dict) -> dict[str, int]:
    out, stack = {}, [node]
    while stack:
        n = stack.pop()
        attrs = n.get("attributes") or {}
        if "id" in attrs:
            out[attrs["id"]] = n["id"]
        stack.extend(n.get("childNodes") or ())
    return out


@pytest.mark.parametrize("level", list(EXPECTED))
def test_document_under_each_level(level):
    events = html_to_events("<!DOCTYPE html>" + DOC)
    masked = SessionMasker(_rules(level)).mask(events)
    assert render_node(masked[1]["data"]["node"]) == EXPECTED[level]


def test_hidden_placeholder_keeps_its_box_and_marker():
    """A hidden element keeps its tag and what gives it its size and place (class, id,
    style, width/height; rr_width/rr_height), none of its content."""
    events = html_to_events(DOC)
    node = SessionMasker(_rules("allow")).mask(events)[1]["data"]["node"]
    found = []
    stack = [node]
    while stack:
        n = stack.pop()
        if "rr-block" in str((n.get("attributes") or {}).get("class")):
            found.append(n)
        stack.extend(n.get("childNodes") or ())
    assert [(n["tagName"], n["attributes"], n["childNodes"]) for n in found] == [
        ("div", {"class": "rr-block", "style": "width: 200px; height: 50px",
                 "rr_width": "200px", "rr_height": "50px"}, [])]


def test_hidden_placeholder_drops_everything_but_the_box():
    html = ('<html><body><div id="acct" class="card wide rr-block" title="Jane Doe"'
            ' data-user="jane@example.com" aria-label="Card of Jane" width="300" height="40"'
            ' style="padding: 4px; background: url(\'/u/jane.png?token=t0k\') no-repeat"'
            ' onclick="x()">Jane Doe <b>4111 1111 1111 1111</b></div></body></html>')
    node = SessionMasker(_rules("allow")).mask(html_to_events(html))[1]["data"]["node"]
    div = node["childNodes"][0]["childNodes"][0]["childNodes"][0]
    assert (div["tagName"], div["attributes"], div["childNodes"]) == ("div", {
        "id": "acct", "class": "card wide rr-block", "width": "300", "height": "40",
        "style": "padding: 4px; background: none no-repeat",
        "rr_width": "300px", "rr_height": "40px"}, [])


# Input events typed into each control: (id, data) -> recorded data per level, None = dropped.
TYPED = [
    ("name", {"text": "Jane Doe"}),
    ("email", {"text": "jane@example.com"}),
    ("pw", {"text": "hunter2"}),
    ("tel", {"text": "+1 415 555 0100"}),
    ("cc", {"text": "4111 1111 1111 1111"}),
    ("q", {"text": "standing desk"}),
    ("gift", {"text": "on", "isChecked": False}),
    ("fast", {"text": "fast", "isChecked": True}),
    ("country", {"text": "fr"}),
    ("note", {"text": "Ring twice"}),
]
MASKED_INPUTS = {
    "name": {"text": "***"}, "email": {"text": "***"}, "pw": {"text": "***"},
    "tel": {"text": "***"}, "cc": {"text": "***"}, "q": {"text": "***"},
    "gift": None, "fast": None, "country": {"text": "***"}, "note": {"text": "***"},
}
EXPECTED_INPUTS = {
    "allow": {"name": {"text": "Jane Doe"}, "email": {"text": "***"}, "pw": {"text": "***"},
              "tel": {"text": "***"}, "cc": {"text": "***"}, "q": {"text": "standing desk"},
              "gift": {"text": "on", "isChecked": False},
              "fast": {"text": "fast", "isChecked": True},
              "country": {"text": "fr"}, "note": {"text": "Ring twice"}},
    "mask-user-input": MASKED_INPUTS,
    "mask": MASKED_INPUTS,
    "hidden": {k: None for k in MASKED_INPUTS},
}


@pytest.mark.parametrize("level", list(EXPECTED_INPUTS))
def test_input_events_under_each_level(level):
    events = html_to_events(DOC)
    ids = _ids(events[1]["data"]["node"])
    for i, (name, data) in enumerate(TYPED):
        events.append({"type": 3, "timestamp": 10 + i,
                       "data": {"source": 5, "id": ids[name], **data}})
    masked = SessionMasker(_rules(level)).mask(events)
    got = {}
    by_id = {v: k for k, v in ids.items()}
    for e in masked[2:]:
        d = dict(e["data"])
        name = by_id[d.pop("id")]
        d.pop("source")
        got[name] = d
    want = {k: v for k, v in EXPECTED_INPUTS[level].items() if v is not None}
    assert got == want


def test_levels_are_ordered_by_strictness():
    assert Level.ALLOW < Level.MASK_USER_INPUT < Level.MASK < Level.HIDDEN
    assert [Level.parse(x.label) for x in Level] == list(Level)


def test_precedence_of_selector_rules_and_markup():
    """A child's explicit level overrides its parent's; on one node the strictest explicit
    claim wins (markup or selector); nothing beneath hidden, whatever it says."""
    rules = parse_rules("""
default = "allow"
detectors = []
[[rule]]
selector = ".panel"
level = "mask"
[[rule]]
selector = ".panel .public"
level = "allow"
[[rule]]
selector = "#pin"
level = "hidden"
""")
    html = ('<html><body><div class="panel">Secret <span class="public">Open</span> '
            '<span class="public" data-replay-privacy="mask">Both</span> '
            '<b id="pin" data-replay-privacy="allow" width="8">1234</b> '
            '<i class="rr-block"><span class="public">Under</span></i></div></body></html>')
    out = SessionMasker(rules).mask(html_to_events(html))
    assert render_node(out[1]["data"]["node"]) == (
        '<html><body><div class="panel">xxxxxx <span class="public">Open</span> '
        '<span class="public" data-replay-privacy="mask">xxxx</span> '
        '<b id="pin" width="8" data-replay-privacy="hidden"'
        ' style="display:inline-block;background:#ccc;width:8px;"></b> '
        '<i class="rr-block"></i></div></body></html>')
