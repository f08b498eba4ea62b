"""The steps of a recording: what was clicked (a robust selector, the visible name), typed
(only where not masked), and where the person went - read from rrweb events."""
from __future__ import annotations

from recorder.format import EventType, IncrementalSource, MouseInteractions, NodeType
from recorder.mirror import Mirror
from recorder.playwright_export import playwright_script
from recorder.privacy import mask_events, parse_rules
from recorder.steps import StepKind, robust_selector, steps

T0 = 1_700_000_000_000
_ids = iter(range(1, 10_000))


def el(tag, *children, **attrs):
    return {"type": 2, "id": next(_ids), "tagName": tag,
            "attributes": {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()},
            "childNodes": list(children)}


def text(value):
    return {"type": 3, "id": next(_ids), "textContent": value}


def page(*body_children):
    html = el("html", el("head"), el("body", *body_children))
    return {"type": 0, "id": next(_ids), "childNodes": [html]}


def full(doc, t=0, href="http://127.0.0.1/shop.html"):
    return [{"type": EventType.Meta, "timestamp": T0 + t,
             "data": {"href": href, "width": 1280, "height": 800}},
            {"type": EventType.FullSnapshot, "timestamp": T0 + t,
             "data": {"node": doc, "initialOffset": {"left": 0, "top": 0}}}]


def click(node, t):
    return {"type": EventType.IncrementalSnapshot, "timestamp": T0 + t,
            "data": {"source": IncrementalSource.MouseInteraction,
                     "type": MouseInteractions.Click, "id": node["id"], "x": 10, "y": 10}}


def typed(node, value, t, checked=None):
    data = {"source": IncrementalSource.Input, "id": node["id"], "text": value}
    if checked is not None:
        data["isChecked"] = checked
    return {"type": EventType.IncrementalSnapshot, "timestamp": T0 + t, "data": data}


def mirror_of(doc):
    m = Mirror()
    m.apply_all(full(doc))
    return m


def test_selectors_prefer_id_then_test_id_then_name_then_role_then_text():
    by_id = el("button", text("Save"), id="save")
    by_test_id = el("button", text("Save"), data_testid="save-draft")
    by_name = el("input", type="text", name="q")
    by_role = el("a", text("Help"), href="/help")
    by_text = el("span", text("Free shipping"))
    icon = el("i", class_="icon")
    with_icon = el("button", icon, aria_label="Close")
    nameless = el("div", el("span"), el("span"))
    m = mirror_of(page(by_id, by_test_id, by_name, by_role, by_text, with_icon,
                       el("section", nameless, id="promo")))
    assert robust_selector(m, by_id["id"]) == "#save"
    assert robust_selector(m, by_test_id["id"]) == '[data-testid="save-draft"]'
    assert robust_selector(m, by_name["id"]) == 'input[name="q"]'
    assert robust_selector(m, by_role["id"]) == 'role=link[name="Help"]'
    assert robust_selector(m, by_text["id"]) == 'text="Free shipping"'
    # a click on the icon inside a button acted on the button
    assert robust_selector(m, icon["id"]) == 'role=button[name="Close"]'
    # nothing better: a path from the nearest id, nth-of-type only where tags repeat
    second = nameless["childNodes"][1]
    assert robust_selector(m, second["id"]) == "#promo > div > span:nth-of-type(2)"


def test_a_selector_that_would_match_two_elements_is_not_used():
    a = el("button", text("Add to cart"), id="dup")
    b = el("button", text("Add to cart"), id="dup")
    m = mirror_of(page(el("div", a, id="first"), el("div", b, id="second")))
    # the id and the role+name both match twice: within the nearest unique id, the name is
    assert robust_selector(m, b["id"]) == '#second >> role=button[name="Add to cart"]'
    nameless = el("button", id="dup")
    m = mirror_of(page(el("div", el("button", id="dup"), id="first"), el("div", nameless, id="second")))
    assert robust_selector(m, nameless["id"]) == "#second > button"


def test_a_field_is_named_by_its_label_and_masked_names_are_never_used():
    field = el("input", type="text", id="full-name")
    label = el("label", text("Full name"), for_="full-name")
    wrapped = el("input", type="text")
    m = mirror_of(page(label, field, el("label", text("City "), wrapped),
                       el("button", text("xxxx xxx"))))
    assert robust_selector(m, wrapped["id"]) == 'role=textbox[name="City"]'
    masked_button = m.element_by_tag("button")
    assert not robust_selector(m, masked_button.id).startswith(("role=", "text="))


def test_steps_list_navigation_clicks_and_typing_with_names():
    search = el("input", type="search", id="search", placeholder="Search products")
    email = el("input", type="email", name="email")
    terms = el("input", type="checkbox", id="terms")
    pay = el("button", text("Pay now"), data_testid="pay")
    doc = page(search, email, el("label", terms, text("I agree")), pay)
    events = full(doc) + [
        click(search, 100), typed(search, "r", 200), typed(search, "re", 250),
        typed(search, "red shoes", 300),
        click(email, 400), typed(email, "ada@example.com", 500),
        typed(terms, "on", 600, checked=True),
        click(pay, 700), click(pay, 900), click(pay, 1000),   # three within a second: rage
    ] + full(page(el("h1", text("Thanks"))), 2000, "http://127.0.0.1/done.html")
    # the rules let the search box and the checkbox through; an email is masked whatever
    # the rules say
    rules = parse_rules('version = 1\ndefault = "mask-user-input"\n'
                        '[[rule]]\nselector = "#search, #terms"\nlevel = "allow"\n')
    got = steps(mask_events(events, rules))
    assert [s.describe() for s in got] == [
        "Open http://127.0.0.1/shop.html",
        'Click "Search products"',
        'Type "red shoes" in "Search products"',
        'Click "email"',
        'Type (masked) in "email"',
        'Check "I agree"',
        'Click "Pay now" ×3  [RAGE]',
        "Open http://127.0.0.1/done.html",
    ]
    kinds = [s.kind for s in got]
    assert kinds == [StepKind.NAVIGATE, StepKind.CLICK, StepKind.TYPE, StepKind.CLICK,
                     StepKind.TYPE, StepKind.CHECK, StepKind.CLICK, StepKind.NAVIGATE]
    typed_search, typed_email = got[2], got[4]
    assert (typed_search.selector, typed_search.text, typed_search.t) == ("#search", "red shoes", 200)
    # an email field is masked at every level: the step says so and holds nothing of it
    assert typed_email.masked and typed_email.text is None
    assert typed_email.selector == 'input[name="email"]'
    assert "ada" not in repr(got)
    assert got[6].selector == '[data-testid="pay"]' and got[6].frustrations == ["rage_click"]
    assert got[6].count == 3   # the burst replays as three clicks (a Playwright script: one)
    assert "click(click_count=3)" in playwright_script(events, session_id="s")
    assert got[5].selector == "#terms"


def test_typing_into_one_field_twice_is_two_steps_and_unmasked_typing_follows_the_rules():
    a = el("input", type="text", id="a")
    b = el("input", type="text", id="b")
    events = full(page(a, b)) + [typed(a, "one", 100), typed(b, "two", 200),
                                 typed(a, "one more", 300)]
    raw = [s for s in steps(events) if s.kind is StepKind.TYPE]
    assert [(s.selector, s.text) for s in raw] == [("#a", "one"), ("#b", "two"), ("#a", "one more")]
    # the default rules mask user input: after the privacy pass nothing typed is shown
    masked = [s for s in steps(mask_events(events)) if s.kind is StepKind.TYPE]
    assert [(s.selector, s.text, s.masked) for s in masked] == [
        ("#a", None, True), ("#b", None, True), ("#a", None, True)]


def test_bad_events_are_skipped_not_raised():
    a = el("input", type="text", id="a")
    events = full(page(a)) + [None, {"type": 3}, {"type": 3, "timestamp": T0 + 5, "data": "x"},
                              typed({"id": 99_999}, "ghost", 10), click({"id": 99_999}, 20)]
    got = steps(events)
    assert [s.kind for s in got] == [StepKind.NAVIGATE, StepKind.CLICK]
    assert got[1].selector == ""


def test_a_field_with_no_label_name_or_id_is_named_by_what_it_is():
    """QA's tryout: an unlabelled checkbox was "Check input" in the steps."""
    box, field, pick = el("input", type="checkbox"), el("input"), el("select")
    doc = page(el("div", box, field, pick))
    said = [s.describe() for s in steps(full(doc) + [
        typed(box, "on", 100, checked=True), typed(field, "Ann", 300), typed(pick, "b", 500)])]
    assert said[1:] == ['Check "checkbox"', 'Type "Ann" in "textbox"', 'Select "b" in "combobox"']


def test_a_double_click_is_one_step():
    cell = el("td", text("Ada"), id="cell")
    dbl = {**click(cell, 120), "data": {**click(cell, 120)["data"],
                                        "type": MouseInteractions.DblClick}}
    got = steps(full(page(el("table", el("tr", cell)))) + [click(cell, 100), click(cell, 120), dbl])
    assert [(s.kind, s.selector) for s in got[1:]] == [(StepKind.DBLCLICK, "#cell")]


def dblclick(node, t):
    e = click(node, t)
    return {**e, "data": {**e["data"], "type": MouseInteractions.DblClick}}


def test_a_name_is_looked_for_within_the_card_it_belongs_to():
    """Found by a newcomer: the Travel Mug's "Add to cart" was `role=button[name="Add to
    cart"]` because the Ceramic Mug's said "Added ✓" at that moment; when the script ran, it
    said "Add to cart" again and Playwright refused a locator matching two buttons."""
    def card(n, label):
        return el("article", el("div", text(f"Product {n}")),
                  el("button", text(label), type="button"), id=f"product-{n}", class_="card")
    added, travel = card(2, "Added ✓"), card(8, "Add to cart")
    m = mirror_of(page(el("section", added, travel, id="grid"), el("button", text("Help"))))
    button = travel["childNodes"][1]
    assert robust_selector(m, button["id"]) == '#product-8 >> role=button[name="Add to cart"]'
    # with no ancestor id the name alone, as before
    assert robust_selector(m, m.element_by_tag("body").children[-1]) == 'role=button[name="Help"]'


def test_a_name_masked_in_part_is_no_selector():
    promo = el("span", text("Code *** · 10% off"))
    m = mirror_of(page(el("section", promo), el("section")))
    assert robust_selector(m, promo["id"]) == "html > body > section:nth-of-type(1) > span"


def test_clicks_and_double_clicks_as_rrweb_records_them():
    """rrweb records a double-click as Click, Click, DblClick: one step. A DblClick after one
    lone click (browsers send one) repeats that click; a rage burst is one step whatever
    DblClicks the browser reported within it; a click long before a burst is a step of its
    own (the demo's first "Apply coupon" click was lost to a dblclick two seconds later)."""
    cell = el("td", text("Ada"), id="cell")
    apply = el("button", text("Apply coupon"), id="apply")
    terms = el("input", type="checkbox", id="terms")
    got = steps(full(page(el("table", el("tr", cell)), apply, terms)) + [
        click(cell, 100), dblclick(cell, 102),                     # one click
        click(cell, 3000), click(cell, 3150), dblclick(cell, 3152),  # a double-click
        click(apply, 5000),                                       # a click of its own
        click(apply, 7000), dblclick(apply, 7003), click(apply, 7200), click(apply, 7400),
        dblclick(apply, 7402), click(apply, 7600),                # a rage burst
        click(terms, 9000), typed(terms, "on", 9000, checked=True)])  # a click that checks
    assert [(s.t, s.kind, s.selector, s.frustrations) for s in got[1:]] == [
        (100, StepKind.CLICK, "#cell", []), (3000, StepKind.DBLCLICK, "#cell", []),
        (5000, StepKind.CLICK, "#apply", []), (7000, StepKind.CLICK, "#apply", ["rage_click"]),
        (9000, StepKind.CHECK, "#terms", [])]
    assert [s.describe() for s in got[2:4]] == ['Double-click "Ada"', 'Click "Apply coupon"']


def test_a_triple_click_in_a_text_field_is_one_click_step_not_rage():
    """rrweb records a triple-click as click, click, dblclick, click: in a field one types
    text in - an input of a text kind, a textarea, a contenteditable - it selects the text
    (QA's "26. Click "ZIP" ×3 [RAGE]" before retyping a ZIP): one step of three clicks,
    replayed as one, no rage. On a button, or a checkbox, three such clicks are rage."""
    zip_ = el("input", id="zip", name="zip")
    notes = el("textarea", id="notes")
    rich = el("div", el("b", text("bold"), id="word"), contenteditable="true", id="rich")
    fixed = el("div", el("span", text("fixed"), id="fixed", contenteditable="false"),
               contenteditable="")
    box = el("input", type="checkbox", id="box")
    pay = el("button", text("Pay"), id="pay")

    def triple(node, t):
        return [click(node, t), click(node, t + 100), dblclick(node, t + 101),
                click(node, t + 200)]

    evs = full(page(zip_, notes, rich, fixed, box, pay))
    for i, node in enumerate((zip_, notes, rich["childNodes"][0], fixed["childNodes"][0],
                              box, pay)):
        evs += triple(node, 1000 * (i + 1))
    got = steps(evs)
    assert [s.describe() for s in got[1:]] == [
        'Click "zip" ×3', 'Click "notes" ×3', 'Click "bold" ×3', 'Click "fixed" ×3  [RAGE]',
        'Click "box" ×3  [RAGE]',
        'Click "Pay" ×3  [RAGE]']
    script = playwright_script(evs, session_id="s")
    assert "    page.locator('#zip').click(click_count=3)" in script.splitlines()


def test_a_field_typed_in_then_emptied_is_cleared():
    search = el("input", type="search", id="search", placeholder="Search")
    got = steps(full(page(search)) + [typed(search, "mug", 100), click(el("p"), 200),
                                      typed(search, "", 300)])
    assert [s.describe() for s in got[1:]] == ['Type "mug" in "Search"', 'Click an element',
                                               'Clear "Search"']


def test_a_field_emptied_after_typing_is_a_step_of_its_own_at_its_time():
    """Typed into (masked, as a search box at the default level), then emptied a second later
    with the keyboard: the steps said only 'Clear "Search"' at the first keystroke's time -
    the typing, and the search it ran, gone from the steps and the Playwright script (a
    support engineer's tryout). Deleting back to empty is two steps too."""
    search = el("input", type="search", id="search", placeholder="Search")
    got = steps(full(page(search)) + [click(search, 100)] +
                [typed(search, "***", t) for t in (150, 230, 310)] + [typed(search, "", 1400)])
    assert [(s.t, s.describe()) for s in got[1:]] == [
        (100, 'Click "Search"'), (150, 'Type (masked) in "Search"'), (1400, 'Clear "Search"')]
    got = steps(full(page(search)) + [typed(search, "mu", 100), typed(search, "m", 200),
                                      typed(search, "", 300), typed(search, "cup", 900)])
    assert [(s.t, s.describe()) for s in got[1:]] == [
        (100, 'Type "m" in "Search"'), (300, 'Clear "Search"'), (900, 'Type "cup" in "Search"')]
    qty = el("input", type="number", id="qty", placeholder="Quantity")   # "" half way typed
    got = steps(full(page(qty)) + [typed(qty, "1", 100), typed(qty, "", 150), typed(qty, "1e2", 200)])
    assert [s.describe() for s in got[1:]] == ['Type "1e2" in "Quantity"']
    script = playwright_script(full(page(search)) + [typed(search, "mug", 100), typed(search, "", 900)],
                               session_id="s")
    fills = [ln.strip() for ln in script.splitlines() if ".fill(" in ln]
    assert len(fills) == 2 and fills[1].endswith(".fill('')"), fills


def test_a_field_clicked_again_and_emptied_is_a_step_of_its_own():
    """Typed into, then (ten seconds and another click later) clicked again and emptied: two
    steps - the typing kept the clear as its last value ("Clear" at the typing's time) and
    the clear became a mere click (record mode, a new QA user)."""
    search = el("input", type="search", id="search", placeholder="Search")
    got = steps(full(page(search)) + [click(search, 100), typed(search, "lamp", 200),
                                      typed(search, "lampJane", 300), click(search, 10_000),
                                      typed(search, "", 10_000)])
    assert [(s.t, s.describe()) for s in got[1:]] == [
        (100, 'Click "Search"'), (200, 'Type "lampJane" in "Search"'),
        (10_000, 'Click "Search"'), (10_000, 'Clear "Search"')]


def test_a_click_into_the_field_while_typing_on_is_one_typing_step():
    """The caret moved by a click, the typing goes on: one step, its last value (two would ask
    the Playwright script for two placeholders of one field)."""
    q = el("input", type="search", id="q", placeholder="Search")
    got = steps(full(page(q)) + [click(q, 100), typed(q, "lam", 200), click(q, 300),
                                  typed(q, "lamp", 400), typed(q, "lamps", 500)])
    assert [(s.t, s.describe()) for s in got[1:]] == [
        (100, 'Click "Search"'), (200, 'Type "lamps" in "Search"'), (300, 'Click "Search"')]


def test_a_click_on_a_card_names_its_texts_apart():
    """A click on a product card (no role of its own) is named by the card's texts, each
    row apart as the page shows them - they ran together ("Desk Lamp★ 4.6$39.00Add to
    cart") where the card's markup has no spaces between its elements (the demo shop's card:
    block rows, a price and a button side by side in the last)."""
    card = el("article", el("div", el("div", text("Desk Lamp"), class_="name"),
                            el("div", text("★ 4.6"), class_="meta"),
                            el("div", el("span", text("$39.00"), class_="price"),
                               el("button", text("Add to cart"), type="button"), class_="row"),
                            class_="body"),
              class_="card")
    evs = full(page(card)) + [click(card, 100)]
    (_, clicked) = steps(evs)
    assert clicked.kind is StepKind.CLICK and clicked.name == "Desk Lamp ★ 4.6 $39.00 Add to cart"


def test_a_click_on_a_bare_icon_is_named_as_the_rum_plugin_names_it_not_after_its_container():
    """A header's search icon with no label (an svg path, clicked): the step was named after
    the whole header, its live cart count included ("Acme Shop New in Living Office Cart 2"),
    where the Actions tab said "path" (a QA's tryout). An ancestor lends its text only when it
    names what it holds (a link, a button...), an aria-label or title at any of them; else
    the nearest id, else the tag. An icon inside a button is still the button."""
    icon = el("path", d="M0 0h1")
    header = el("header", el("div", text("Acme Shop"), class_="brand"),
                el("nav", text("New in"), text(" Living"), text(" Office")),
                el("div", el("svg", icon), class_="search"), el("a", text("Cart 2"), href="/cart"))
    in_button = el("path", d="M1 1h1")
    button = el("button", el("svg", in_button), text("Search"), type="button")
    tip = el("path", d="M2 2h1")
    titled = el("span", el("svg", tip), title="Open the menu")
    in_id = el("path", d="M3 3h1")
    with_id = el("div", el("svg", in_id), text("Filters and more"), id="filters")
    evs = full(page(header, button, titled, with_id)) + [
        click(icon, 100), click(in_button, 200), click(tip, 300), click(in_id, 400)]
    assert [s.name for s in steps(evs)[1:]] == ["path", "Search", "Open the menu", "div#filters"]


def test_a_click_on_the_pages_background_is_named_by_its_tag_never_by_unshown_text():
    """A click on a browser's error page was named "127.0.0.1 /* Copyright 2017 The Chromium
    Authors..." (its <title>, then its <style>'s CSS), and one on a page's empty space after
    the whole page's text (a QA's tryout): innerText shows neither - a style's or script's
    text, nested ones too, never names anything, and the page itself is `html` / `body`."""
    style = el("style", text("/* Copyright 2017 The Chromium Authors */ body { color: red }"))
    head = el("head", el("title", text("127.0.0.1")), style)
    card = el("div", el("script", text("var secret = 1;")),
              el("template", el("p", text("never shown"))), el("p", text("Welcome!")))
    body = el("body", el("h1", text("Buggy Shop")), card)
    html = el("html", head, body)
    doc = {"type": 0, "id": next(_ids), "childNodes": [html]}
    svg_title = el("title", text("Close dialog"))
    svg_title["isSVG"] = True
    icon = el("svg", svg_title)
    icon["isSVG"] = True
    close = el("button", icon, type="button")
    body["childNodes"].append(close)
    evs = full(doc) + [click(html, 100), click(body, 200), click(card, 300), click(icon, 400)]
    assert [s.describe() for s in steps(evs)[1:]] == [
        'Click "html"', 'Click "body"', 'Click "Welcome!"', 'Click "Close dialog"']


def test_a_name_runs_on_across_inline_elements_as_the_page_shows_it():
    """Only what a browser's innerText sets apart is spaced: `Cart (<span>1</span>)` was
    named "Cart ( 1 )" - every element's text was spaced, an inline one's too."""
    cart = el("a", text("Cart ("), el("span", text("1"), id="cart-count"), text(")"),
              href="/cart", id="nav-cart")
    total = el("div", text("Total: "), el("b", text("$12"), el("i", text(".50"))),
               el("br"), text("incl. VAT"), el("p", text("Pay")), text("now"), id="total")
    evs = full(page(cart, total)) + [click(cart, 100), click(total, 200)]
    assert [s.describe() for s in steps(evs)[1:]] == [
        'Click "Cart (1)"', 'Click "Total: $12.50 incl. VAT Pay now"']


def test_a_name_sets_apart_what_the_pages_css_lays_out_as_blocks():
    """The demo checkout's `<div class="sumrow"><span>Subtotal</span><span>$51.50</span>`, a
    flex row, was named "Subtotal$51.50" (a QA tryout; innerText reads "Subtotal\n$51.50"):
    the page's CSS counts as its tags do - a flex or grid container's items and what a rule
    or a style attribute lays out as a block are apart; an inline element still runs on."""
    sheet = el("style", {"type": NodeType.Text, "id": next(_ids), "isStyle": True, "textContent":
                         ".x:hover, .sumrow { color: red; display: flex }"
                         " @media (min-width: 600px) { .pair { display: grid } }"
                         " .tag { display: inline }"})
    linked = el("link", rel="stylesheet", href="/s.css")
    linked["attributes"]["_cssText"] = "span.price{display:block}"   # (rrweb inlines it)
    sumrow = el("div", el("span", text("Subtotal")), el("span", text("$51.50")), class_="sumrow")
    pair = el("div", el("b", text("Qty")), el("i", text("2")), class_="pair")
    inline = el("div", el("em", text("Lamp")), el("span", text("$39"), class_="price"),
                el("span", text("-1+"), class_="tag"), id="card")
    styled = el("div", el("span", text("A")), el("span", text("B")), style="display: inline-flex")
    cart = el("a", text("Cart ("), el("span", text("1"), class_="tag"), text(")"), href="/c")
    head = el("html", el("head", sheet, linked), el("body", sumrow, pair, inline, styled, cart))
    doc = {"type": 0, "id": next(_ids), "childNodes": [head]}
    evs = full(doc) + [click(n, 100 * k) for k, n in
                       enumerate((sumrow, pair, inline, styled, cart), 1)]
    assert [s.name for s in steps(evs)[1:]] == [
        "Subtotal $51.50", "Qty 2", "Lamp $39 -1+", "A B", "Cart (1)"]


def test_steps_of_a_report_that_does_not_read_are_read_again_not_kept():
    """Re-masking (`restepped`): a bug report of another version's shape reads as its title
    and notes only - its steps, names of the page's text, go all the same."""
    from recorder.bug import CONTEXT_KEY, restepped
    card = el("button", text("Add to cart"), id="add")
    events = full(page(card))
    old = {CONTEXT_KEY: {"title": "Cart", "steps": [{"t": 1, "kind": "teleport",
                                                      "name": "Ada Lovelace's cart"}]}}
    new = restepped(old, events)
    assert new[CONTEXT_KEY]["title"] == "Cart" and "Ada" not in str(new)
    assert [st["kind"] for st in new[CONTEXT_KEY]["steps"]] == ["navigate"]
    assert restepped({"other": 1}, events) == {"other": 1}


def test_an_element_in_a_frame_is_chosen_in_its_frame_and_reached_through_it():
    """A click in a same-origin iframe: its selector is the frame's, then the element's
    within the frame's document (a page's locator does not reach into frames: the script
    timed out on it, and a click in the frame became `html > body` of the page - a QA's
    tryout); a Playwright script goes through `frame_locator`."""
    inner_btn = el("button", text("Frame btn"))
    frame_doc = {"type": 0, "id": next(_ids), "childNodes": [
        el("html", el("head"), el("body", el("p", text("In the iframe")), inner_btn))]}
    frame = el("iframe", frame_doc, id="fr", src="/frame.html")
    page_btn = el("button", text("Frame btn"))        # the same name in the page itself
    doc = page(page_btn, frame)
    events = full(doc) + [click(inner_btn, 100)]
    (_, step) = steps(events)
    assert step.selector == '#fr |> role=button[name="Frame btn"]', step
    script = playwright_script(events, session_id="s")
    assert "page.frame_locator('#fr').get_by_role('button', name='Frame btn', exact=True).click()" \
        in script, script
    m = mirror_of(doc)
    assert robust_selector(m, page_btn["id"]) == 'role=button[name="Frame btn"]'


def test_the_rum_plugins_text_inputs_are_the_steps_text_inputs():
    """The RUM plugin in the page names a click in a text field as typing into it (no
    dead click) by its own copy of the types `steps.TEXT_INPUT_TYPES` reads recorded clicks
    by: the two lists are one rule and must not drift apart."""
    import re

    from recorder.paths import ASSETS
    from recorder.steps import TEXT_INPUT_TYPES

    js = (ASSETS / "rum-shim" / "rum-plugin.js").read_text(encoding="utf-8")
    m = re.search(r"var TEXT_INPUT = /\^\(([a-z|]+)\)\$/;", js)
    assert m is not None, "the RUM plugin's TEXT_INPUT pattern moved: read it here anew"
    assert set(m.group(1).split("|")) == set(TEXT_INPUT_TYPES)


def mutation(t, texts=(), attributes=(), adds=(), removes=()):
    return {"type": EventType.IncrementalSnapshot, "timestamp": T0 + t,
            "data": {"source": IncrementalSource.Mutation, "texts": list(texts),
                     "attributes": list(attributes), "adds": list(adds),
                     "removes": list(removes)}}


def test_a_name_or_selector_read_while_the_page_stays_is_read_again_once_it_changes():
    """A step's name and selector are read once while the page stays as it is (a person
    typing a word asked for both at each keystroke, a walk of the page each: a
    300,000-event session's steps took 34 CPU-s): an event that changes the markup - a
    label's text, an id, a stylesheet - has them read again; a keystroke, a scroll or a
    focus does not change them."""
    label_text = text("Search")
    field = el("input", type="search", id="q")
    button = el("button", text("Go"), class_="go")
    sheet_text = {"type": NodeType.Text, "id": next(_ids), "isStyle": True, "textContent": ""}
    head = el("html", el("head", el("style", sheet_text)),
              el("body", el("label", label_text, for_="q"), field,
                 el("div", el("span", text("Red")), el("span", text("shoes")), id="tag"),
                 button))
    tag = head["childNodes"][1]["childNodes"][2]
    doc = {"type": 0, "id": next(_ids), "childNodes": [head]}
    scroll = {"type": EventType.IncrementalSnapshot, "timestamp": T0 + 150,
              "data": {"source": IncrementalSource.Scroll, "id": doc["id"], "x": 0, "y": 40}}
    events = full(doc) + [
        typed(field, "r", 100), scroll, typed(field, "re", 200),
        mutation(300, texts=[{"id": label_text["id"], "value": "Find"}]),
        typed(field, "red", 400),                       # one typing step, its last name
        click(button, 500),
        mutation(600, attributes=[{"id": button["id"], "attributes": {"id": "go"}}]),
        click(button, 700),                             # its selector now by its new id
        click(tag, 800),
        mutation(900, texts=[{"id": sheet_text["id"], "value": "#tag { display: flex }"}]),
        click(tag, 1000),                               # the stylesheet sets its texts apart
    ]
    got = steps(events)[1:]
    assert [(s.kind, s.name, s.selector) for s in got] == [
        (StepKind.TYPE, "Find", "#q"),
        (StepKind.CLICK, "Go", 'role=button[name="Go"]'),
        (StepKind.CLICK, "Go", "#go"),
        (StepKind.CLICK, "Redshoes", "#tag"),
        (StepKind.CLICK, "Red shoes", "#tag"),
    ], got
    assert got[0].text == "red" and got[0].t == 100


def test_a_hidden_elements_placeholder_in_a_frame_names_the_frame_then_the_element():
    """The privacy pass's placeholder of an element it hides (`css_selector`) in a
    same-origin frame: the frame element's path, then the element's within the frame."""
    from recorder.steps import FRAME_SEP, css_selector
    secret = el("div", text("x"), class_="card")
    frame_doc = {"type": 0, "id": next(_ids), "childNodes": [
        el("html", el("head"), el("body", el("p", text("a")), secret))]}
    doc = page(el("iframe", frame_doc, id="pay", src="/pay.html"))
    m = mirror_of(doc)
    assert css_selector(m, secret["id"]) == f"#pay{FRAME_SEP}html > body > div"


def test_a_script_from_part_way_through_a_page_says_which_steps_it_leaves_out():
    """A developer's tryout: `export --from 10s` wrote a script that opened the shop and
    clicked Checkout in a cart drawer a step before the range had opened; the run said "not
    reproduced", the export nothing. The export says which steps of that page the script
    does not run, and the --from that runs them; the script says so at the page's load. A
    range that starts with a page's load, or one from that moment, leaves nothing out."""
    from recorder.moments import moment_text
    open_cart = el("button", text("Open cart"), id="open-cart")
    add = el("button", text("Add to cart"), id="add")
    checkout = el("button", text("Checkout"), id="go-checkout")
    events = full(page(open_cart, add, checkout)) + [
        click(add, 2000), click(open_cart, 4300), click(checkout, 11000)]
    said: list[str] = []
    script = playwright_script(events, session_id="s", start_ms=10_000, said=said.append)
    assert said == [
        "the script starts on http://127.0.0.1/shop.html as it loads: 2 steps on it before"
        f" {moment_text(10_000)} (Click \"Add to cart\" at {moment_text(2000)}; Click"
        f" \"Open cart\" at {moment_text(4300)}) are not run, and what they changed on the"
        " page is not there for the steps after - export --from 0ms to run them too"], said
    assert f"# (2 steps on this page before {moment_text(10_000)} not run: Click \"Add to" \
        " cart\"" in script and "page.locator('#open-cart').click()" not in script, script
    for start in (0, None):
        said.clear()
        script = playwright_script(events, session_id="s", start_ms=start, said=said.append)
        assert said == [] and "page.locator('#open-cart').click()" in script
    later = events + full(page(el("h1", text("Done"))), 12_000, "http://127.0.0.1/done.html")
    playwright_script(later, session_id="s", start_ms=12_000, said=said.append)
    assert said == []
    # one step left out, on a page loaded at 1,234.5 ms: the --from said runs it (rounded down)
    one = full(page(el("p", text("Home"))), 0, "http://127.0.0.1/home.html") + \
        full(page(open_cart, checkout), 1234.5) + [click(open_cart, 4300), click(checkout, 11000)]
    playwright_script(one, session_id="s", start_ms=10_000, said=said.append)
    assert said and said[0].endswith("(Click \"Open cart\" at 0:04.3) is not run, and what it"
                                     " changed on the page is not there for the steps after -"
                                     " export --from 1234ms to run it too"), said


def test_a_playwright_script_resizes_the_window_where_the_visitor_did():
    """A layout that changes under 700 px: the visitor narrowed the window, then clicked; the
    script ran every step at the recorded first size (a developer's tryout). Each resize is
    made before the next step - the last of several before it, once."""
    go = el("button", text("Go"), id="go")
    doc = page(go)

    def resize(w, h, t):
        return {"type": EventType.IncrementalSnapshot, "timestamp": T0 + t,
                "data": {"source": IncrementalSource.ViewportResize, "width": w, "height": h}}
    evs = full(doc) + [resize(900, 800, 4000), resize(600, 800, 5000), click(go, 6000),
                       resize(600, 800, 7000), click(go, 8000)]
    script = playwright_script(evs, session_id="s")
    sized = [ln.strip() for ln in script.splitlines() if "set_viewport_size" in ln]
    assert sized == ['page.set_viewport_size({"width": 600, "height": 800})  # the window'
                     ' resized (at 0:05.0)']
    assert script.index("set_viewport_size") < script.index('# 2. Click "Go"')
    # a range begun after the resize starts at the size the window had then
    ranged = playwright_script(evs, session_id="s", start_ms=5500)
    assert 'VIEWPORT = {"width": 600, "height": 800}' in ranged
    assert "set_viewport_size" not in ranged
