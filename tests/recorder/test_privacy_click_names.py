"""A RUM click action's name under the recording's privacy levels. The RUM plugin reads the
name of what was clicked in the page (its text, an ancestor's aria-label, a field's label);
under rrweb's recorder (record mode, and recordings made elsewhere with our plugin) it cannot
ask for levels, so the privacy pass masks the name by the level of the element the recorded
click landed on - the name a masked element's text would otherwise carry to disk in clear."""
from __future__ import annotations

import json

from recorder.privacy import SessionMasker, parse_rules
from recorder.privacy.preview import html_to_events
from recorder.semantics import read

PAGE = """<!DOCTYPE html><html><head></head><body>
<div class="who"><button id="acct">Ada Lovelace</button></div>
<button id="buy">Add to cart</button>
<button id="wrap" aria-label="Open cart"><span class="who">Ada's cart</span></button>
<label for="coupon" class="who">Coupon for Ada</label><input id="coupon" type="text">
<nav id="open" class="allowed"><a id="home">Home</a></nav>
</body></html>"""
RULES = """default = "mask-user-input"
detectors = []
[[rules]]
selector = ".who"
level = "mask"
"""
T0 = 1_700_000_000_000


def page(html: str = PAGE):
    """The page's events at T0 and its elements' node ids by their id attribute."""
    events = html_to_events(html, href="https://shop.example/")
    ids, stack = {}, [events[1]["data"]["node"]]
    while stack:
        n = stack.pop()
        if (n.get("attributes") or {}).get("id"):
            ids[n["attributes"]["id"]] = n["id"]
        stack.extend(n.get("childNodes") or ())
    for e in events:
        e["timestamp"] = T0
    return events, ids


def click(nid, x, y, t):
    return {"type": 3, "timestamp": t, "data": {"source": 2, "type": 2, "id": nid, "x": x, "y": y}}


def action(name, x, y, date, t, flat=False):
    if flat:   # Datadog's flattened names
        payload = {"type": "action", "date": date, "action.type": "click",
                   "action.target.name": name, "action.position.x": x, "action.position.y": y}
    else:
        payload = {"type": "action", "date": date, "action": {
            "type": "click", "target": {"name": name, "selector": "button"},
            "position": {"x": x, "y": y}}}
    return {"type": 6, "timestamp": t, "data": {"plugin": "replay/rum@1", "payload": payload}}


def names(out) -> list[str]:
    return [a.target for a in read(out).rum_actions]


def test_a_masked_elements_text_is_masked_in_its_click_action_and_the_rest_kept():
    events, ids = page()
    clicks = [("acct", "Ada Lovelace", 10, 20), ("buy", "Add to cart", 30, 40),
              ("wrap", "Open cart", 50, 60), ("coupon", "Coupon for Ada", 70, 80),
              ("home", "Home", 90, 100)]
    t = T0 + 1000
    for k, (el, name, x, y) in enumerate(clicks):
        events.append(click(ids[el], x, y, t + k * 100))
    for k, (el, name, x, y) in enumerate(clicks):   # the plugin decides ~1 s later
        events.append(action(name, x, y, t + k * 100 + 2, t + 1500 + k * 100, flat=k == 3))
    m = SessionMasker(parse_rules(RULES))
    out = m.mask(events)
    assert names(out) == [
        "xxx xxxxxxxx",     # the element itself is masked
        "Add to cart",      # nothing masked around it
        "xxxx xxxx",        # a masked descendant: the name may be read from it
        "xxxxxx xxx xxx",   # a field named by a masked <label for> (flattened names too)
        "Home"]
    assert "Lovelace" not in json.dumps(out) and "Ada" not in json.dumps(out)
    assert m.stats["click action names masked by the clicked element's level"] == 3


def test_an_action_whose_click_is_not_recorded_goes_by_its_selector_else_is_masked():
    """rrweb records no click on a blocked (hidden) element, and an action may not say where
    its click was: the selector the plugin wrote names the element; when nothing does, the
    pass cannot tell what was clicked and masks the name."""
    events, ids = page()
    events += [action("Add to cart", 1, 2, T0 + 5, T0 + 900),                 # no click there
               action("Ada Lovelace", 3, 4, T0 + 6, T0 + 901),
               action("Ada Lovelace", 5, 6, T0 + 7, T0 + 902, flat=True)]     # no selector
    events[-3]["data"]["payload"]["action"]["target"]["selector"] = "button#buy"
    events[-2]["data"]["payload"]["action"]["target"]["selector"] = "div.who > button"
    assert names(SessionMasker(parse_rules(RULES)).mask(events)) == [
        "Add to cart", "xxx xxxxxxxx", "xxx xxxxxxxx"]
    events, _ = page()
    no_where = action("Ada Lovelace", 1, 2, T0 + 5, T0 + 900)
    del no_where["data"]["payload"]["action"]["position"]
    no_where["data"]["payload"]["action"]["target"]["selector"] = "button#buy"
    out = SessionMasker(parse_rules(RULES)).mask(events + [no_where])
    assert names(out) == ["Ada Lovelace"]   # its selector names an element shown in clear


def test_masked_text_beside_the_clicked_element_in_what_names_it():
    """The plugin names a click inside a link or button by the whole link's text - the
    clicked element's masked sibling included."""
    page_html = PAGE.replace("</body>", '<a id="link"><span id="opener">Open</span> <span class="who">'
                             "Ada Lovelace</span></a>\n<label><span id=\"card\">Card</span>"
                             ' <span class="who">4111 Ada</span> <input id="inside"></label></body>')
    events, ids = page(page_html)
    events += [click(ids["opener"], 1, 1, T0 + 100), click(ids["inside"], 2, 2, T0 + 200),
               action("Open Ada Lovelace", 1, 1, T0 + 100, T0 + 1200),
               action("Card 4111 Ada", 2, 2, T0 + 200, T0 + 1300)]
    for e in events[-2:]:   # the click decides, not the selector
        e["data"]["payload"]["action"]["target"]["selector"] = "button#buy"
    assert names(SessionMasker(parse_rules(RULES)).mask(events)) == [
        "xxxx xxx xxxxxxxx", "xxxx xxxx xxx"]


def test_the_level_is_the_one_at_the_click_though_the_element_is_gone_by_the_action():
    """The plugin sends its action a second after the click; a dismiss button or a deleted
    row is gone by then."""
    events, ids = page()
    div = events[1]["data"]["node"]   # find the .who div's id: the button's parent
    parent = {}
    stack = [div]
    while stack:
        n = stack.pop()
        for c in n.get("childNodes") or ():
            parent[c["id"]] = n["id"]
            stack.append(c)
    events += [click(ids["acct"], 10, 20, T0 + 100),
               {"type": 3, "timestamp": T0 + 130, "data": {
                   "source": 0, "texts": [], "attributes": [], "adds": [],
                   "removes": [{"parentId": parent[parent[ids["acct"]]],
                                "id": parent[ids["acct"]]}]}},
               action("Ada Lovelace", 10, 20, T0 + 100, T0 + 1200)]
    assert names(SessionMasker(parse_rules(RULES)).mask(events)) == ["xxx xxxxxxxx"]


def test_every_place_a_name_is_kept_is_masked():
    """Nested and flattened names side by side (`rum_field` reads one; all are stored)."""
    events, ids = page()
    both = action("Ada Lovelace", 10, 20, T0 + 1001, T0 + 2000)
    p = both["data"]["payload"]
    p["action.target.name"] = "Ada Lovelace"
    p["action"]["name"] = "Lovelace, Ada"
    p["action"]["target.name"] = "Ada L."
    out = SessionMasker(parse_rules(RULES)).mask(events + [click(ids["acct"], 10, 20, T0 + 1000),
                                                           both])
    assert "Ada" not in json.dumps(out) and "Lovelace" not in json.dumps(out)


def test_odd_actions_never_raise():
    events, ids = page()
    odd = [{"type": "action", "action": {"type": "click", "target": "x"}},
           {"type": "action", "date": "soon", "action": {"type": "click", "position": [1]}},
           {"type": "action", "action": {"type": "click", "target": {"selector": "[[["}}},
           {"type": "action", "action": {"type": "click", "target": {"name": 7, "selector": 3}}},
           {"type": "action", "action": "click"}, "x", None]
    out = SessionMasker(parse_rules(RULES)).mask(
        events + [{"type": 6, "timestamp": T0 + k, "data": {"plugin": "replay/rum@1", "payload": o}}
                  for k, o in enumerate(odd)])
    assert len(out) == len(events) + len(odd)


def test_a_click_far_in_time_or_place_is_not_taken_for_the_actions():
    events, ids = page()
    events += [click(ids["acct"], 10, 20, T0 + 1000),
               action("Add to cart", 11, 20, T0 + 1000, T0 + 2000),     # elsewhere
               action("Add to cart", 10, 20, T0 + 2200, T0 + 3100)]     # over a second later
    for e in events[-2:]:   # the plugin's selector names the button it was
        e["data"]["payload"]["action"]["target"]["selector"] = "button#buy"
    assert names(SessionMasker(parse_rules(RULES)).mask(events)) == ["Add to cart"] * 2


def test_a_resumed_session_masks_the_action_of_a_click_stored_before():
    """The live intake masks each request with the session's masker; one resumed from the
    stored events (after a restart) still knows the click of the request before."""
    events, ids = page()
    first = SessionMasker(parse_rules(RULES)).mask(events + [click(ids["acct"], 10, 20, T0 + 1000)])
    later = SessionMasker(parse_rules(RULES)).resume(first)
    out = later.mask([action("Ada Lovelace", 10, 20, T0 + 1001, T0 + 2000)])
    assert names(out) == ["xxx xxxxxxxx"]


def test_a_dry_run_counts_a_masked_action_name_under_the_rule_that_masked_it():
    """`mask --dry-run` counted the name under "console/network rules, detectors and query
    scrubbing": the privacy officer could not see that the `.who` rule did it."""
    from recorder.privacy.dryrun import FREE_TEXT, dry_run
    events, ids = page()
    events += [click(ids["acct"], 40, 12, T0 + 10),
               action("Ada Lovelace", 40, 12, T0 + 10, T0 + 20),   # masked: .who
               click(ids["buy"], 40, 40, T0 + 30),
               action("Add to cart", 40, 40, T0 + 30, T0 + 40)]   # kept
    claims = dry_run(events, parse_rules(RULES), "s1").by_claim()
    rule = next(c for c in claims if '".who"' in c)
    assert claims[rule]["other"] == 1, claims
    assert FREE_TEXT not in claims, claims


def test_an_action_beneath_a_hidden_element_names_its_placeholder_not_the_path_beneath():
    """Nothing beneath a hidden element is recorded - nor the path to what was clicked in it
    (its classes and ids) in the action's selector: the action names the hidden element's
    placeholder, as the click does (capture.js's plugin names it so in the page; rrweb's
    recorder beside the plugin cannot ask for levels)."""
    html = PAGE.replace('<nav id="open"', '<section id="vault"><div class="diagnosis-hiv">'
                        '<button class="reveal-hiv">Show result</button></div></section><nav id="open"')
    rules = RULES + '[[rules]]\nselector = "#vault"\nlevel = "hidden"\n'
    events, ids = page(html)
    inner = next(n for n in _nodes(events) if (n.get("attributes") or {}).get("class") == "reveal-hiv")
    recorded = action("Show result", 11, 22, T0 + 1002, T0 + 2000)
    recorded["data"]["payload"]["action"]["target"]["selector"] = \
        "#vault > div.diagnosis-hiv > button.reveal-hiv"
    by_selector = action("Show result", 33, 44, T0 + 1003, T0 + 2001, flat=True)
    by_selector["data"]["payload"]["action.target.selector"] = "div.diagnosis-hiv > button"
    # no click there and a selector naming nothing of the page as it is now (the element
    # gone): what was clicked cannot be told - on a page hiding anything, no path is kept
    unplaced = action("Show result", 55, 66, T0 + 1004, T0 + 2002)
    unplaced["data"]["payload"]["action"]["target"]["selector"] = "div.diagnosis-hiv > button.gone"
    out = SessionMasker(parse_rules(rules)).mask(
        events + [click(inner["id"], 11, 22, T0 + 1000), recorded, by_selector, unplaced])
    text = json.dumps(out)
    assert "hiv" not in text and "Show result" not in text
    acts = read(out).rum_actions
    assert [a.selector for a in acts] == ["#vault", "#vault", ""]
    # ... where nothing is hidden, a selector naming nothing is kept as the plugin wrote it
    events, _ = page()
    kept = SessionMasker(parse_rules(RULES)).mask(events + [unplaced])
    assert [a.selector for a in read(kept).rum_actions] == ["div.diagnosis-hiv > button.gone"]
    assert [e["data"]["id"] for e in out if e["type"] == 3 and e["data"].get("source") == 2] \
        == [ids["vault"]]   # the click itself, moved to the placeholder as before


def _nodes(events):
    stack = [events[1]["data"]["node"]]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.get("childNodes") or ())
