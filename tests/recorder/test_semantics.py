"""recorder.semantics: what each accepted shape of event means, one table per kind."""
from __future__ import annotations

import json
import re
from pathlib import Path

import msgspec
import pytest

from recorder.format import CONSOLE_PLUGIN, NETWORK_PLUGIN, RUM_PLUGIN
from recorder.rrweb_io import parse_recordings
from recorder.semantics import (CLOCK_TICK_MS, ECHO_WINDOW_MS, FAILURE_REPORT_MS, Semantics, User,
                                names_request, normalise_message, read, split_uncaught, top_frame,
                                user_event, user_from)

S = 1_700_000_000_000
DEMO = Path(__file__).resolve().parents[2] / "assets" / "demo" / "demo-session.json"


def rum(t, payload):
    return {"type": 6, "timestamp": S + t, "data": {"plugin": RUM_PLUGIN, "payload": payload}}


def console(t, level, *args, trace=()):
    return {"type": 6, "timestamp": S + t, "data": {"plugin": CONSOLE_PLUGIN, "payload": {
        "level": level, "trace": list(trace), "payload": [json.dumps(a) for a in args]}}}


def network(t, payload):
    return {"type": 6, "timestamp": S + t, "data": {"plugin": NETWORK_PLUGIN, "payload": payload}}


def custom(t, tag, payload):
    return {"type": 5, "timestamp": S + t, "data": {"tag": tag, "payload": payload}}


def meta(t, href):
    return {"type": 4, "timestamp": S + t, "data": {"href": href, "width": 800, "height": 600}}


def click(t, nid, kind=2):
    return {"type": 3, "timestamp": S + t, "data": {"source": 2, "type": kind, "id": nid, "x": 5, "y": 6}}


def one(events):
    return read(events, origin=S)


# --- RUM, nested and flattened ------------------------------------------------------------
@pytest.mark.parametrize("payload", [
    {"type": "error", "date": S + 40, "error": {"message": "x is null", "type": "TypeError",
                                                 "source": "source", "stack": "TypeError: x is null\n  at f (a.js:1:2)"}},
    {"type": "error", "date": S + 40, "error.message": "x is null", "error.type": "TypeError",
     "error.source": "source", "error.stack": "TypeError: x is null\n  at f (a.js:1:2)"},
    {"type": "error", "date": S + 40, "error": {"message": "x is null", "type": "TypeError"},
     "error.source": "source", "error.stack": "TypeError: x is null\n  at f (a.js:1:2)"},
], ids=["nested", "flattened", "mixed"])
def test_rum_error_in_every_shape(payload):
    s = one([rum(100, payload)])
    (e,) = s.errors
    assert (e.t, e.message, e.type, e.source, e.reported_by) == (40, "x is null", "TypeError", "source", ["rum"])
    assert top_frame(e.stack) == "f (a.js)"


@pytest.mark.parametrize("frustration,expected", [
    ({"action": {"type": "click", "target": {"name": "Pay", "selector": "#pay"},
                 "frustration": {"type": ["rage_click", "error_click"]}}}, ["rage_click", "error_click"]),
    ({"action.type": "click", "action.target.name": "Pay", "action.target.selector": "#pay",
      "action.frustration.type": ["rage_click", "error_click"]}, ["rage_click", "error_click"]),
    ({"action": {"type": "click", "target": {"name": "Pay", "selector": "#pay"}},
      "action.frustration.type": "dead_click"}, ["dead_click"]),
    ({"action": {"type": "click", "target": {"name": "Pay", "selector": "#pay"}}}, []),
], ids=["nested-list", "flattened-list", "flattened-string", "none"])
def test_rum_action_and_its_frustration(frustration, expected):
    s = one([click(5, 9), rum(10, {"type": "action", **frustration})])
    (a,) = s.actions   # RUM actions are the actions: the recorded click does not add one
    assert (a.type, a.target, a.selector, a.frustrations) == ("click", "Pay", "#pay", expected)
    assert s.frustration_count == len(expected)


@pytest.mark.parametrize("resource", [
    {"resource": {"url": "https://x.test/a", "method": "POST", "status_code": 500,
                  "duration": 120.5, "size": 42, "type": "fetch"}},
    {"resource.url": "https://x.test/a", "resource.method": "POST", "resource.status_code": 500,
     "resource.duration": 120_500_000, "resource.size": 42, "resource.type": "fetch"},  # Datadog's ns
], ids=["nested-ms", "flattened-ns"])
def test_rum_resource(resource):
    (r,) = one([rum(10, {"type": "resource", **resource})]).resources
    assert (r.url, r.method, r.status, r.duration, r.size, r.type, r.source) == \
        ("https://x.test/a", "POST", 500, 120.5, 42, "fetch", "rum")


def test_rum_views_by_id_latest_figures_win_and_meta_views_give_way():
    s = one([meta(0, "https://x.test/"), meta(5, "https://x.test/"),
             rum(10, {"type": "view", "view": {"id": "a", "url": "https://x.test/", "largest_contentful_paint": 900}}),
             rum(20, {"type": "view", "view.id": "a", "view.cumulative_layout_shift": 0.2,
                      "view.largest_contentful_paint": 1_200_000_000}),   # ns
             rum(30, {"type": "view", "view": {"id": "b", "url": "https://x.test/pay"}}),
             rum(40, {"type": "long_task", "long_task": {"duration": 80_000_000}})])
    assert [(v.view_id, v.t, v.url, v.vitals) for v in s.views] == [
        ("a", 10, "https://x.test/", {"largest_contentful_paint": 1200, "cumulative_layout_shift": 0.2}),
        ("b", 30, "https://x.test/pay", {})]
    assert [(x.t, x.duration) for x in s.long_tasks] == [(40, 80)]
    assert s.urls == ["https://x.test/", "https://x.test/pay"]


def test_without_rum_each_new_page_is_a_view_and_clicks_are_the_actions():
    s = one([meta(0, "https://x.test/"), meta(50, "https://x.test/"),   # a re-snapshot: same view
             click(60, 4), click(70, 4, kind=1),                        # mousedown: not a click
             meta(90, "https://x.test/b"), click(95, 5, kind=4)])
    assert [(v.view_id, v.t, v.url, v.index) for v in s.views] == [
        ("v1", 0, "https://x.test/", 0), ("v2", 90, "https://x.test/b", 4)]
    assert [(a.t, a.type, a.id, a.source) for a in s.actions] == [(60, "click", 4, "click"),
                                                                  (95, "dblclick", 5, "click")]


# --- console and the legacy Log source -----------------------------------------------------
def test_console_arguments_read_as_the_browser_shows_them():
    s = one([console(1, "log", "cart:", 3, {"a": [1]}, None),
             {"type": 3, "timestamp": S + 2, "data": {"source": 11, "level": "warn", "trace": ["a.js:1:1"],
                                                     "payload": ['"legacy"']}},
             console(3, "assert", "Assertion failed", trace=["f (a.js:3:4)"])])
    assert [(c.t, c.level, c.message, c.source) for c in s.console] == [
        (1, "log", 'cart: 3 {"a":[1]} null', "console"), (2, "warn", "legacy", "log"),
        (3, "assert", "Assertion failed", "console")]
    (e,) = s.errors
    assert (e.type, e.message, e.stack, e.reported_by) == ("console", "Assertion failed", "f (a.js:3:4)", ["console"])


def test_a_console_line_sent_late_is_placed_at_its_date():
    """capture.js sends a line logged before the page's snapshot (or before Record) stamped
    when sent - a recording's timestamps never go back - and dated when logged: the line, and
    the error a console.error is, are at the date; one dated before the session's start at
    its start (as a request's)."""
    early = console(50, "error", "C: failed on load")
    early["data"]["payload"]["date"] = S + 20
    before = console(50, "warn", "logged before Record")
    before["data"]["payload"]["date"] = S - 26_000
    s = one([meta(0, "https://x.test/"), early, before, console(60, "log", "on time")])
    assert [(c.t, c.message) for c in s.console] == [
        (20, "C: failed on load"), (0, "logged before Record"), (60, "on time")]
    assert [(e.t, e.message) for e in s.errors] == [(20, "C: failed on load")]


# --- one error for a RUM error and its console echo ----------------------------------------------
UNCAUGHT = "Uncaught TypeError: Cannot read properties of null (reading 'x')"
RUM_ERR = {"type": "error", "error": {"message": "Cannot read properties of null (reading 'x')",
                                      "type": "TypeError", "source": "source", "stack": "TypeError: …\n at f (a.js:1:1)"}}

REJECTED = {"type": "error", "error": {"message": "Unhandled promise rejection: go is not defined",
                                       "type": "ReferenceError", "source": "source",
                                       "stack": "ReferenceError: go is not defined\n at f (a.js:1:1)"}}


@pytest.mark.parametrize("events,errors", [
    ([rum(100, RUM_ERR), console(100, "error", UNCAUGHT)], [(100, ["console", "rum"])]),
    ([console(100, "error", UNCAUGHT), rum(230, RUM_ERR)], [(100, ["console", "rum"])]),    # echo first
    ([console(100, "error", UNCAUGHT), rum(100 + ECHO_WINDOW_MS + 1, RUM_ERR)],
     [(100, ["console"]), (100 + ECHO_WINDOW_MS + 1, ["rum"])]),                            # too far apart
    ([rum(100, RUM_ERR), console(100, "error", "something else")], [(100, ["rum"]), (100, ["console"])]),
    ([rum(100, RUM_ERR), rum(100, RUM_ERR)], [(100, ["rum"]), (100, ["rum"])]),              # twice is twice
    ([rum(100, RUM_ERR), rum(101, RUM_ERR), console(101, "error", UNCAUGHT),
      console(102, "error", UNCAUGHT)], [(100, ["console", "rum"]), (101, ["console", "rum"])]),
    ([rum(100, {"type": "error", "error": {"message": "quote failed: 500 no answer", "source": "console",
                                           "type": "console"}}),
      console(101, "error", "quote failed:", 500, "no answer")], [(100, ["console", "rum"])]),
    ([rum(100, RUM_ERR), console(100, "error", UNCAUGHT[len("Uncaught "):] + "\n    at f (a.js:1:1)")],
     [(100, ["console", "rum"])]),                                # capture.js echoes the stack
    ([rum(100, REJECTED), console(103, "error", "Uncaught (in promise) ReferenceError: go is not defined")],
     [(100, ["console", "rum"])]),          # a rejected promise: the plugin's words and Chrome's
    ([rum(100, {"type": "error", "error": {"message": "save failed: widget exploded", "source": "console",
                                           "type": "Error", "stack": "Error: widget exploded\n at f (a.js:1:1)"}}),
      console(100, "error", "save failed:", "Error: widget exploded\n    at f (a.js:1:1)")],
     [(100, ["console", "rum"])]),          # an Error logged beside words: the plugin names its message
    ([rum(100, {"type": "error", "error": {"message": "save failed: Error: widget exploded",
                                           "source": "console", "type": "console"}}),
      console(100, "error", "save failed:", "Error: widget exploded")],
     [(100, ["console", "rum"])]),          # words that look like an error (no stack): words
    ([rum(100, {"type": "error", "error": {"message": 'Something bad happened {"code":7}',
                                           "source": "console", "type": "console"}}),
      console(100, "error", "Something bad happened", {"code": 7})],
     [(100, ["console", "rum"])]),          # an object beside words: JSON.stringify's spacing
], ids=["same-moment", "console-first", "apart", "different", "two-rum", "pairs", "console-sourced",
        "stack-echo", "rejection", "error-with-words", "error-words-only", "object-argument"])
def test_a_rum_error_and_its_console_echo_are_one_error(events, errors):
    s = one(events)
    assert [(e.t, e.reported_by) for e in s.errors] == errors
    assert len(s.console) == sum(1 for e in events if e["data"]["plugin"] == CONSOLE_PLUGIN)


def test_the_demo_session_counts_each_error_once():
    """Each uncaught error of the demo is reported twice (RUM and its console echo). The
    shipping quote answered 500 is one error, though RUM reports the request and the page
    logs it (console and RUM's copy): rule 5. The broken "Apply coupon" button throws once
    per click of the scripted visit."""
    from replay_tools.make_demo import Click, visit

    events = json.loads(DEMO.read_text())
    rum_errors = [e["data"]["payload"] for e in events if e["type"] == 6
                  and e["data"]["plugin"] == RUM_PLUGIN and e["data"]["payload"].get("type") == "error"]
    console_errors = sum(1 for e in events if e["type"] == 6 and e["data"]["plugin"] == CONSOLE_PLUGIN
                         and e["data"]["payload"].get("level") == "error")
    s = read(events)
    coupon_clicks = sum(step.count for _, steps in visit() for step in steps
                        if isinstance(step, Click) and step.selector == "#apply-coupon")
    assert console_errors == coupon_clicks + 1                  # the echoes, and the quote's
    assert len(rum_errors) == coupon_clicks + 2                 # + the 500 itself
    assert len(s.errors) == coupon_clicks + 1                   # the 500 and its line: one
    assert all(sorted(e.reported_by) == ["console", "rum"] for e in s.errors)
    groups = s.error_groups()
    assert [(g.type, g.count) for g in groups] == [("TypeError", coupon_clicks), ("HTTPError", 1)]
    assert re.fullmatch(r"HTMLButtonElement\.<anonymous> \(http://127\.0\.0\.1:\d+/app\.js\)", groups[0].frame)
    assert groups[0].last_t - groups[0].first_t > 0
    quote = groups[1].first
    assert "/api/shipping-quote" in quote.url and quote.status == 500
    assert quote.logged.startswith("shipping quote failed: 500") and 0 <= quote.logged_t - quote.t <= FAILURE_REPORT_MS


# --- one error for a failed request and the console line reporting it (rule 5) -------------
QUOTE = "https://shop.test/api/shipping-quote?country=US"


def failed(t, url=QUOTE, status=500):
    """rum-plugin.js's error for a request answered `status`, failed at `t`."""
    return rum(t, {"type": "error", "error": {
        "message": f"GET {url} failed with status {status}", "source": "network", "type": "HTTPError",
        "resource": {"url": url, "method": "GET", "status_code": status}}})


def logged(t, *args):
    """A console.error line, and RUM's console-sourced copy of it (rule 3 joins those two)."""
    return [console(t, "error", *args), rum(t + 1, {"type": "error", "error": {
        "message": " ".join(map(str, args)), "source": "console", "type": "console"}})]


BOTH = ["console", "rum"]


@pytest.mark.parametrize("events,errors", [
    ([failed(100), *logged(101, "shipping quote failed:", 500, "no answer")],
     [(100, "HTTPError", BOTH, "shipping quote failed: 500 no answer")]),     # the demo's: its status
    ([*logged(101, "shipping quote failed:", 500, "no answer"), failed(100)],
     [(100, "HTTPError", BOTH, "shipping quote failed: 500 no answer")]),     # the line read first
    ([failed(100), console(100 + FAILURE_REPORT_MS, "error", "quote: 500")],
     [(100, "HTTPError", BOTH, "quote: 500")]),                               # the window's end
    ([failed(100), console(100 - CLOCK_TICK_MS, "error", "quote: 500")],
     [(100, "HTTPError", BOTH, "quote: 500")]),                               # the same ms, stamped before
    ([network(300, {"requests": [{"url": "https://shop.test/api/cart", "method": "POST", "status": 503,
                                  "startTime": S + 100, "endTime": S + 250}]}),
      console(260, "error", "could not save /api/cart, try again")],
     [(250, "HTTPError", ["console", "network"], "could not save /api/cart, try again")]),  # its path
    ([failed(100), console(101, "error", "cart is empty")],
     [(100, "HTTPError", ["rum"], ""), (101, "console", ["console"], "")]),   # about something else
    ([failed(100), console(101, "error", "coupon lookup: 15000 ms, gave up")],
     [(100, "HTTPError", ["rum"], ""), (101, "console", ["console"], "")]),   # 500 inside a number
    ([failed(100), console(101 + FAILURE_REPORT_MS, "error", "quote: 500")],
     [(100, "HTTPError", ["rum"], ""), (101 + FAILURE_REPORT_MS, "console", ["console"], "")]),  # later
    ([console(50, "error", "quote: 500"), failed(100)],
     [(50, "console", ["console"], ""), (100, "HTTPError", ["rum"], "")]),    # before the failure
    ([meta(0, "https://shop.test/"), failed(100), meta(150, "https://shop.test/done"),
      console(200, "error", "quote: 500")],
     [(100, "HTTPError", ["rum"], ""), (200, "console", ["console"], "")]),   # another view's line
    ([failed(100), console(101, "error", "Uncaught Error: quote: 500")],
     [(100, "HTTPError", ["rum"], ""), (101, "Error", ["console"], "")]),     # thrown: an error of its own
    ([failed(100), console(101, "error", "quote: 500"), console(102, "error", "quote: 500 again")],
     [(100, "HTTPError", BOTH, "quote: 500"), (102, "console", ["console"], "")]),  # one line each
    ([failed(100), failed(200), console(201, "error", "quote: 500")],
     [(100, "HTTPError", ["rum"], ""), (200, "HTTPError", BOTH, "quote: 500")]),    # the nearest
], ids=["status", "line-first", "window-end", "clock-tick", "network-path", "other", "in-a-number",
        "too-late", "too-early", "other-view", "thrown", "two-lines", "two-failures"])
def test_a_failed_request_and_the_console_line_reporting_it_are_one_error(events, errors):
    s = one(events)
    assert [(e.t, e.type, e.reported_by, e.logged) for e in s.errors] == errors
    joined = [e for e in s.errors if e.logged]
    assert all(e.said == f"{e.message}\n{e.logged}" and e.logged_t is not None for e in joined)
    assert len(s.error_groups()) == len({e.fingerprint for e in s.errors})


@pytest.mark.parametrize("text, url, status, named", [
    ("quote failed: 500", QUOTE, 500, True),
    ("GET /api/shipping-quote broke", QUOTE, 502, True),
    ("quote failed: 5000", QUOTE, 500, False),
    ("see / for help", "https://shop.test/", 500, False),      # a bare "/" names nothing
    ("quote failed: 0", QUOTE, 0, False),                       # never answered: no status to name
    ("quote failed", "http://[::1", 500, False),                # an address urlsplit refuses
])
def test_what_names_a_request(text, url, status, named):
    assert names_request(text, url, status) is named


@pytest.mark.parametrize("text, split", [
    ("Uncaught TypeError: x is null", ("TypeError", "x is null")),
    ("Uncaught Error: kaboom ***", ("Error", "kaboom ***")),   # once ("", "Error: kaboom ***")
    ("Uncaught (in promise) DOMException: aborted", ("DOMException", "aborted")),
    ("Uncaught Exception: x", ("Exception", "x")),
    ("Uncaught boom", ("", "boom")),
    ("Uncaught MyErrorish: x", ("", "MyErrorish: x")),
])
def test_an_uncaught_errors_type_is_split_from_its_message(text, split):
    assert split_uncaught(text) == split


def test_an_uncaught_plain_error_on_rrwebs_console_and_from_rum_is_one_error():
    """record mode: rrweb's console plugin says "Uncaught Error: kaboom", the RUM plugin
    type Error, message "kaboom" - counted twice (a plain `Error` was no type), and the
    Playwright script waited for the console's copy as a thrown error."""
    t = 1_700_000_000_000
    events = [{"type": 6, "timestamp": t, "data": {"plugin": RUM_PLUGIN, "payload": {
                  "type": "error", "error": {"message": "kaboom ***", "source": "source",
                                             "stack": "Error: kaboom ***\n    at f (https://a.test/x.js:1:2)",
                                             "type": "Error"}}}},
              {"type": 6, "timestamp": t + 1, "data": {"plugin": CONSOLE_PLUGIN, "payload": {
                  "level": "error", "trace": ["f (https://a.test/x.js:1:2)"],
                  "payload": ['"Uncaught Error: kaboom ***"']}}}]
    (e,) = read(events).errors
    assert (e.type, e.message, e.reported_by, e.thrown) == ("Error", "kaboom ***",
                                                           ["console", "rum"], True)


@pytest.mark.parametrize("a,b,same", [
    (("TypeError", "Uncaught TypeError: x is null"), ("TypeError", "x is null"), True),
    (("Error", "order 104233 failed"), ("Error", "order 104299 failed"), True),
    (("Error", "status 500"), ("Error", "status 404"), False),
    (("Error", "id 3f2a9c1e-0b1d-4c2e-9f00-123456789abc gone"), ("Error", "id 11111111-2222-4333-8444-555555555555 gone"), True),
    (("Error", "a  b"), ("Error", "a b"), True),
])
def test_normalised_messages(a, b, same):
    assert (normalise_message(a[1], a[0]) == normalise_message(b[1], b[0])) is same


@pytest.mark.parametrize("stack,frame", [
    ("TypeError: x\n    at f (https://a.test/app.js?v=3:10:5)\n    at g (b.js:1:1)", "f (https://a.test/app.js)"),
    ("f (https://a.test/app.js:10:5)\ng (b.js:1:1)", "f (https://a.test/app.js)"),   # console plugin trace
    ("Error: no frames here", ""),
    ("", ""),
])
def test_top_frame(stack, frame):
    assert top_frame(stack) == frame


# --- network: rrweb's plugin, PostHog's fields, Sentry's spans -----------------------------------
@pytest.mark.parametrize("event,expected", [
    (network(100, {"requests": [{"url": "https://a.test/x", "method": "POST", "status": 201,
                                 "startTime": S + 40, "endTime": S + 90, "initiatorType": "fetch",
                                 "transferSize": 12}]}),
     (40, "https://a.test/x", "POST", 201, 50, 12, "fetch", "network")),
    (network(100, {"requests": [{"name": "https://a.test/y", "responseStatus": 404, "startTime": 812.5,
                                 "endTime": 842.5, "timestamp": S + 60, "initiatorType": "xhr",
                                 "encodedBodySize": 7}]}),     # PostHog: relative times + epoch timestamp
     (60, "https://a.test/y", "GET", 404, 30, 7, "xhr", "network")),
    (custom(100, "performanceSpan", {"op": "resource.fetch", "description": "https://a.test/z",
                                     "startTimestamp": (S + 20) / 1000, "endTimestamp": (S + 70) / 1000,
                                     "data": {"method": "PUT", "statusCode": 500, "response": {"size": 3}}}),
     (20, "https://a.test/z", "PUT", 500, 50, 3, "fetch", "sentry")),
], ids=["rrweb", "posthog", "sentry"])
def test_network_requests(event, expected):
    (r,) = one([event]).resources
    assert (r.t, r.url, r.method, r.status, pytest.approx(r.duration), r.size, r.type, r.source) == expected


def test_a_request_answered_5xx_is_an_error_and_one_with_the_rum_report_of_it():
    """A network plugin's (or Sentry's) request answered 500 is an HTTPError, worded as the
    RUM plugin words one, when it failed; beside that RUM error, the two are one error."""
    failed = network(300, {"requests": [
        {"url": "https://a.test/pay", "method": "POST", "status": 503, "startTime": S + 100,
         "endTime": S + 250}, {"url": "https://a.test/nope", "status": 404, "startTime": S + 100}]})
    rum_err = rum(260, {"type": "error", "date": S + 251, "error": {
        "message": "POST https://a.test/pay failed with status 503", "source": "network",
        "type": "HTTPError"}})
    span = custom(100, "performanceSpan", {"op": "resource.fetch", "description": "https://a.test/z",
                                           "startTimestamp": (S + 20) / 1000,
                                           "endTimestamp": (S + 70) / 1000,
                                           "data": {"method": "PUT", "statusCode": 500}})
    alone = one([failed, span]).errors
    assert sorted((e.t, e.message, e.type, e.source, e.reported_by) for e in alone) == [
        (70, "PUT https://a.test/z failed with status 500", "HTTPError", "network", ["sentry"]),
        (250, "POST https://a.test/pay failed with status 503", "HTTPError", "network", ["network"])]
    for events in ([failed, rum_err], [rum_err, failed]):
        assert [(e.t, e.reported_by) for e in one(events).errors] == [(250, ["network", "rum"])]


def test_sentry_console_breadcrumb_is_a_console_message_and_an_error():
    s = one([custom(100, "breadcrumb", {"type": "default", "category": "console", "level": "error",
                                        "message": "boom 1", "timestamp": (S + 90) / 1000,
                                        "data": {"arguments": ["boom", 1], "logger": "console"}}),
             custom(110, "breadcrumb", {"category": "ui.click", "message": "button#x"})])
    assert [(c.t, c.level, c.message, c.source) for c in s.console] == [(90, "error", "boom 1", "sentry")]
    assert [(e.message, e.reported_by) for e in s.errors] == [("boom 1", ["sentry"])]


# --- the user ---------------------------------------------------------------------------------
@pytest.mark.parametrize("obj,user", [
    ({"id": "u1", "name": "Ada", "email": "ada@x.test"}, User("u1", "Ada", "ada@x.test")),           # ours / Datadog usr
    ({"id": "7", "username": "ada", "email": "ada@x.test", "ip_address": "1.2.3.4"}, User("7", "ada", "ada@x.test")),  # Sentry
    ({"id": 99, "distinct_ids": ["d-1", "d-2"], "properties": {"email": "p@x.test", "name": "Pat"}},
     User("d-1", "Pat", "p@x.test")),                                                                 # PostHog person
    ({"distinct_id": "d-3", "$set": {"$email": "q@x.test"}}, User("d-3", None, "q@x.test")),          # PostHog identify
    ({"id": "u2", "email": "xxxxxxxxxx"}, User("u2")),                                                # masked: dropped
    ({"ip_address": "1.2.3.4"}, None), (None, None), ("u1", None),
    # odd shapes, read as they always were: only distinct_ids is a list (its first); a name or
    # email is the first one set; properties win over $set; an id of 0 is an id
    ({"distinct_ids": "d-4", "uuid": "u-4"}, User("u-4")),
    ({"name": 0, "username": "ada"}, User(None, "ada")),
    ({"properties": {"name": ""}, "$set": {"name": "Set"}, "display_name": "Shown"},
     User(None, "Shown")),
    ({"properties": {"name": "Prop"}, "$set": {"name": "Set"}}, User(None, "Prop")),
    ({"id": 0}, User("0")),
], ids=["ours", "sentry", "posthog-person", "posthog-identify", "masked", "nothing", "none", "string",
        "distinct-ids-not-a-list", "name-0", "empty-property-name", "properties-over-set", "id-0"])
def test_user_from_every_convention(obj, user):
    assert user_from(obj) == user


def test_the_user_of_a_recording():
    # flattened RUM usr fields, completed by a later event; an identify event; first one wins per field
    s = one([rum(1, {"type": "view", "view": {"id": "a"}, "usr.id": "u1"}),
             rum(2, {"type": "action", "action": {"type": "click"}, "usr": {"id": "u1", "name": "Ada"}}),
             rum(3, {"type": "action", "action": {"type": "click"}, "usr": {"id": "u9", "name": "Bob"}})])
    assert s.user == User("u1", "Ada")
    # `import --user`'s event carries the id alone (the name and email stay in the index)
    assert one([user_event(User("u5", "Cy", "cy@x.test"), S + 3)]).user == User("u5")
    identify = {"type": 5, "timestamp": S + 3,
                "data": {"tag": "identify", "payload": {"id": "u5", "name": "Cy"}}}
    assert one([identify]).user == User("u5", "Cy")   # a recording's own identify: read whole


def test_export_files_name_their_user():
    rec_events = [meta(0, "https://x.test/")]
    sentry = {"replay": {"id": "r1", "user": {"id": "42", "email": "s@x.test"}},
              "recording": [rec_events, [click(5, 1)]]}
    (rec,) = parse_recordings(json.dumps(sentry).encode())
    assert rec.user == {"id": "42", "email": "s@x.test"} and len(rec.events) == 2
    posthog = {"distinct_id": "d-9", "events": rec_events}
    assert parse_recordings(json.dumps(posthog).encode())[0].user == {"id": "d-9"}


# --- reading is robust and resumable ---------------------------------------------------------
def test_bad_payloads_are_counted_never_raised():
    s = one([rum(1, {"type": "frobnicate"}), network(2, {"requests": [{"status": 200}, 7]}),
             {"type": 6, "timestamp": S + 3, "data": {"plugin": RUM_PLUGIN, "payload": [1]}},
             {"type": 6, "timestamp": S + 4, "data": "x"}, {"type": 3, "timestamp": S}])
    assert s.warnings == {"RUM event of unknown type (a text of 10 characters)": 1, "network request without a URL": 2,
                          f"{RUM_PLUGIN} event without a payload object": 1}
    assert not (s.errors or s.resources or s.views)


def test_a_half_read_session_travels_and_copies_independently():
    events = json.loads(DEMO.read_text())
    half = Semantics()
    for e in events[:200]:
        half.feed(e)
    again = msgspec.msgpack.decode(msgspec.msgpack.encode(half), type=Semantics)
    copy = half.copy()
    for e in events[200:]:
        again.feed(e)
    assert again == read(events)        # resumed in another process: the same result
    assert copy == msgspec.msgpack.decode(msgspec.msgpack.encode(half), type=Semantics)


@pytest.mark.parametrize("clicks,actions", [
    ([(0, 4, 2), (300, 4, 2), (600, 4, 2)], [(0, ["rage_click"])]),                       # 3 in 1 s
    ([(0, 4, 2), (300, 4, 2), (600, 4, 2), (1400, 4, 2), (1900, 4, 2)], [(0, ["rage_click"])]),  # the chain goes on
    ([(0, 4, 2), (900, 4, 2), (1800, 4, 2)], [(0, []), (900, []), (1800, [])]),            # a chain, never 3 in 1 s
    ([(0, 4, 2), (300, 5, 2), (600, 4, 2)], [(0, []), (300, []), (600, [])]),              # other elements
    ([(0, 4, 2), (100, 4, 2), (110, 4, 4)], [(0, []), (100, []), (110, [])]),              # a double click
])
def test_without_rum_a_burst_of_clicks_is_a_rage_click(clicks, actions):
    s = one([meta(0, "https://x.test/")] + [click(t, nid, kind) for t, nid, kind in clicks])
    assert [(a.t, a.frustrations) for a in s.actions] == actions
    assert len(s.clicks) == len(clicks)          # every click still ripples in the player
    assert s.frustration_count == sum(len(f) for _, f in actions)


@pytest.mark.parametrize("clicks,actions", [
    ([0, 150, 300], [(0, [], 3)]),                                   # a triple-click: selects
    ([0, 150], [(0, [], 1), (150, [], 1)]),                          # a double-click
    ([0, 150, 300, 450], [(0, ["rage_click"], 4)]),                  # more: rage
])
def test_a_triple_click_in_a_text_field_selects_its_text_and_is_no_rage_click(clicks, actions):
    """QA triple-clicked the ZIP field to retype it: a RAGE step, badge and frustration. In an
    editable text field (the reader that knows the page says which: `in_text_field`), three
    clicks within a second are one action of three clicks without a signal; on anything
    else, or four in the field, they are rage."""
    events = [meta(0, "https://x.test/")] + [click(t, 4) for t in clicks]
    s = Semantics(origin=S)
    for e in events:
        s.feed(e, None, None, lambda nid: nid == 4)
    assert [(a.t, a.frustrations, a.count) for a in s.actions] == actions
    assert s.frustration_count == sum(len(f) for _, f, _ in actions)
    # read without the page (no word on a field), a burst is rage, as it was
    if len(clicks) >= 3:
        assert one(events).actions[0].frustrations == ["rage_click"]


def test_a_page_the_browser_could_not_load_is_an_error_and_a_step_that_says_so():
    """Recorded on a site that was down or an address mistyped, the browser's own error page
    (chrome-error://chromewebdata/) was a view and an "Open chrome-error://…" step, and no
    error (a QA's tryout): it is a NavigationError, and the step says the page did not load."""
    from recorder.steps import steps

    s = one([meta(0, "https://x.test/"), meta(500, "chrome-error://chromewebdata/")])
    assert [(e.t, e.type, e.reported_by) for e in s.errors] == [(500, "NavigationError", ["browser"])]
    assert "did not load" in s.errors[0].message
    snap = {"type": 2, "timestamp": S + 501, "data": {"initialOffset": {"left": 0, "top": 0}, "node": {
        "type": 0, "id": 1, "childNodes": [{"type": 2, "id": 2, "tagName": "html", "attributes": {},
                                            "childNodes": []}]}}}
    (down,) = steps([meta(500, "chrome-error://chromewebdata/"), snap])
    assert down.unknown_address
    assert down.describe() == "Open a page that did not load (the browser showed its error page)"


def test_a_page_that_did_not_load_is_opened_by_the_address_asked_for():
    """The step went to the browser's error page: its Playwright script opened
    chrome-error://chromewebdata/ and failed at step 1, whatever the site did (a QA's
    tryout). The address asked for is its document request's, which got no answer: the
    step names it and the script opens it; without one, the script opens nothing there."""
    from recorder.playwright_export import playwright_script
    from recorder.steps import steps

    snap = {"type": 2, "timestamp": S + 501, "data": {"initialOffset": {"left": 0, "top": 0}, "node": {
        "type": 0, "id": 1, "childNodes": [{"type": 2, "id": 2, "tagName": "html", "attributes": {},
                                            "childNodes": []}]}}}
    asked = rum(480, {"type": "resource", "resource": {
        "url": "http://127.0.0.1:8799/", "method": "GET", "type": "document", "duration": 3}})
    answered = rum(20, {"type": "resource", "resource": {   # (one that loaded: not it)
        "url": "http://127.0.0.1:8799/old", "method": "GET", "type": "document",
        "status_code": 200, "duration": 3}})
    events = [meta(0, "http://127.0.0.1:8799/old"), answered, meta(500, "chrome-error://chromewebdata/"),
              snap, asked]
    (_, down) = steps(events)
    assert (down.url, down.not_loaded, down.unknown_address) == ("http://127.0.0.1:8799/", True,
                                                                 False)
    assert down.describe() == ("Open http://127.0.0.1:8799/ - it did not load (the browser"
                               " showed its error page)")
    script = playwright_script(events, session_id="s")
    assert "goto(page, 'http://127.0.0.1:8799/')" in script and "chrome-error" not in script
    alone = playwright_script([meta(500, "chrome-error://chromewebdata/"), snap], session_id="s")
    assert "goto(page, 'chrome-error" not in alone and "its address not recorded" in alone


@pytest.mark.parametrize("event,origin,reporter", [
    (console(10, "error", "Uncaught TypeError: Cannot read properties of undefined"),
     "the page's code", "the console"),
    (console(10, "error", "save failed", "disk full"), "a console.error call", "the console"),
    (custom(10, "breadcrumb", {"category": "console", "level": "error", "timestamp": 0,
                               "message": "Uncaught TypeError: x is undefined"}),
     "the page's code", "Sentry"),
    (custom(10, "breadcrumb", {"category": "console", "level": "error", "timestamp": 0,
                               "message": "checkout failed"}), "a console.error call", "Sentry"),
], ids=["uncaught-console", "logged-console", "uncaught-sentry", "logged-sentry"])
def test_an_error_the_console_recorded_says_whether_it_was_thrown_or_logged(event, origin,
                                                                           reporter):
    """An uncaught TypeError the console plugin recorded was said to come "from a
    console.error call", and Sentry's "from sentry · reported by sentry" (a support engineer's
    tryout): where it came from is the page's code when thrown; who saw it is named."""
    from recorder.semantics import error_origin, reporters_shown
    (e,) = read([meta(0, "https://shop.test/"), event]).errors
    assert error_origin(e.source) == origin
    assert reporters_shown(e.reported_by) == reporter


def test_a_scripts_check_is_the_error_nearest_the_bug_the_qa_marked():
    """A save answered 500 at 0:23.2, marked as the bug at 0:25.3, after a TypeError at
    0:22.1: the script checked the TypeError (a thrown error before a failed request) - with
    it fixed and the 500 still there it said "not reproduced", and the other way round
    "reproduced" (a QA's tryout). Up to a bug's moment, the last error of the stretch is
    the bug's, of any kind; without one, a thrown error still comes first."""
    from recorder.bug import BugReport
    from recorder.playwright_export import playwright_script

    snap = {"type": 2, "timestamp": S + 1, "data": {"initialOffset": {"left": 0, "top": 0}, "node": {
        "type": 0, "id": 1, "childNodes": [{"type": 2, "id": 2, "tagName": "html", "attributes": {},
                                            "childNodes": []}]}}}
    saved = rum(23_200, {"type": "resource", "resource": {
        "url": "http://shop.test/api/save", "method": "POST", "status_code": 500,
        "type": "fetch", "duration": 30}})
    failed = rum(23_230, {"type": "error", "error": {   # (the RUM plugin's own error of it)
        "message": "POST http://shop.test/api/save failed with status 500", "source": "network",
        "type": "HTTPError", "stack": None}})
    noise = console(25_900, "error", "analytics: beacon blocked")   # in the second after it
    events = [meta(0, "http://shop.test/"), snap, rum(22_100, RUM_ERR), saved, failed, noise,
              meta(40_000, "http://shop.test/later"), rum(41_000, REJECTED)]
    marked = playwright_script(events, session_id="s", bug=BugReport(title="Save fails",
                                                                      at_ms=25_300))
    assert "expected = ('POST', '/api/save', 500)" in marked and "TypeError" not in marked
    # a moment marked at the click, its error a little after: that error
    early = playwright_script(events, session_id="s", bug=BugReport(at_ms=21_800))
    assert 'expected = "TypeError: Cannot read properties of null' in early
    unmarked = playwright_script(events[:5], session_id="s")
    assert 'expected = "TypeError: Cannot read properties of null' in unmarked
