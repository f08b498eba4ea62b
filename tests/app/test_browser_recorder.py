"""Real-browser recordings: rrweb from npm recording real pages in QtWebEngine.

Each test drives a real Chromium (offscreen) against pages served by a real HTTP server on
127.0.0.1, with real mouse and key events, and checks what rrweb and the RUM shim emitted.
"""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urljoin

import pytest

from replay_tools.browser_recorder import (BrowserRecorder, BrowserRecordingError, CaptureDom, Click,
                                  Eval, PageServer, Scroll, Type, Wait, WaitFor, injected_script,
                                  record_page)
from recorder.format import EventType, IncrementalSource, NodeType, validate_event
from recorder.mirror import Mirror
from player.qt.session_view import parse_user_agent

PAGES = Path(__file__).resolve().parents[1] / "browser" / "pages"


@pytest.fixture(scope="module")
def server():
    with PageServer(PAGES) as srv:
        yield srv


def plugin_payloads(events, name):
    return [e["data"]["payload"] for e in events
            if e["type"] == EventType.Plugin and e["data"]["plugin"] == name]


def rum(events, kind):
    return [p[kind] for p in plugin_payloads(events, "replay/rum@1") if p["type"] == kind]


def incremental(events, source):
    return [e["data"] for e in events
            if e["type"] == EventType.IncrementalSnapshot and e["data"]["source"] == source]


def assert_mirror_matches(events, live):
    """The DOM rebuilt from events[:event_count] by the one Mirror equals the live DOM."""
    m = Mirror().apply_all(events[:live.event_count])
    assert not m.warnings, m.warnings

    def check(ln):
        node = m.get(ln["id"])
        assert node is not None, f"live node {ln} missing from the rebuild"
        if "tag" in ln:
            assert node.tag == ln["tag"]
            if ln["tag"] not in ("style", "script"):
                assert [c["id"] for c in ln["children"]] == node.children, ln["attrs"]
            for k, v in ln["attrs"].items():
                if k in ("value", "checked", "selected"):
                    continue  # rrweb serializes the live state here; compared below
                if k == "style":  # rrweb may record style as a declaration diff
                    assert _decls(node.attrs.get(k)) == _decls(v)
                elif k in ("href", "src"):  # rrweb records URLs absolute
                    assert node.attrs.get(k) == urljoin(live.url, v)
                else:
                    assert node.attrs.get(k) == v, (ln["tag"], k)
            if "value" in ln:
                rebuilt = node.value if node.value is not None else node.attrs.get("value", "")
                assert rebuilt == ln["value"], (ln["attrs"].get("id"), rebuilt)
            if "checked" in ln:
                rebuilt = node.checked if node.checked is not None else "checked" in node.attrs
                assert bool(rebuilt) == ln["checked"]
            if ln["tag"] not in ("style", "script"):
                for c in ln["children"]:
                    check(c)
        elif "text" in ln:
            assert node.text == ln["text"]

    check(live.tree)
    return m


def _ids_by_attr(serialized_root):
    """rrweb node id of every element with an id attribute, from a serialized tree."""
    ids, stack = {}, [serialized_root]
    while stack:
        n = stack.pop()
        if n["type"] == NodeType.Element and "id" in n.get("attributes", {}):
            ids[n["attributes"]["id"]] = n["id"]
        stack.extend(n.get("childNodes", ()))
    return ids


def _decls(style):
    return {d.split(":", 1)[0].strip(): d.split(":", 1)[1].strip()
            for d in (style or "").split(";") if ":" in d}


def test_dynamic_page_records_mutations_console_and_network(qapp, server):
    rec = record_page(server.url("dynamic.html"), [
        Click("#add"), Click("#remove"), Click("#edit"), Click("#toggle"), Click("#restyle"),
        Click("#load"), WaitFor("#item-16"), Scroll("#feed", 90), CaptureDom("after"),
    ])
    events = rec.events
    for e in events:
        validate_event(e)  # every event fits the typed rrweb model
    types = [e["type"] for e in events]
    assert types.index(EventType.Meta) < types.index(EventType.FullSnapshot)
    assert types.count(EventType.FullSnapshot) == 1

    muts = incremental(events, IncrementalSource.Mutation)
    added = [a["node"] for m in muts for a in m["adds"]]
    assert any(n.get("attributes", {}).get("id") == "item-13" for n in added)
    assert any(m["removes"] for m in muts)
    assert any(t["value"].startswith("Edited at step") for m in muts for t in m["texts"])
    attr_changes = [a["attributes"] for m in muts for a in m["attributes"]]
    assert {"class": "highlight"} in attr_changes
    sheet_rules = [r["rule"] for d in incremental(events, IncrementalSource.StyleSheetRule)
                   for r in d.get("adds", [])]
    assert any("nth-child(odd)" in r for r in sheet_rules)
    clicks = [d for d in incremental(events, IncrementalSource.MouseInteraction) if d["type"] == 2]
    assert len(clicks) == 6
    assert any(d.get("y") == 90 for d in incremental(events, IncrementalSource.Scroll))

    logs = plugin_payloads(events, "rrweb/console@1")
    # the page's start-up log too: recording begins at DOMContentLoaded, before page scripts
    assert json.loads(logs[0]["payload"][0]) == "dynamic page ready with" and logs[0]["level"] == "info"
    assert any(p["level"] == "log" and json.loads(p["payload"][0]) == "added" for p in logs)
    assert any(p["level"] == "error" and "missing.json" in p["payload"][0] for p in logs)

    resources = {r["url"].rsplit("/", 1)[1]: r for r in rum(events, "resource")}
    assert resources["data.json"]["status_code"] == 200 and resources["data.json"]["type"] == "fetch"
    assert resources["data.json"]["method"] == "GET" and resources["data.json"]["duration"] >= 0
    assert resources["missing.json"]["status_code"] == 404
    assert resources["dynamic.html"]["type"] == "document"
    views = rum(events, "view")
    assert views[0]["url"] == server.url("dynamic.html")
    first_view = plugin_payloads(events, "replay/rum@1")[0]
    # who is browsing: the user agent, read by the player (one reading of it, in Python)
    assert "QtWebEngine/" in first_view["user_agent"] and "browser" not in first_view
    assert parse_user_agent(first_view["user_agent"])[1:] == ("Linux", "desktop")
    assert parse_user_agent(first_view["user_agent"])[0].startswith("QtWebEngine ")
    assert first_view["display"]["viewport"] == {"width": 1280, "height": 800}
    assert views[-1].get("loading_time", 0) > 0

    live = rec.snapshot("after")
    assert 0 < live.event_count <= len(events)
    assert live.last_timestamp == events[live.event_count - 1]["timestamp"]
    items = live.find(lambda n: n.get("tag") == "li")
    assert [n["attrs"]["id"] for n in items][:1] == ["item-2"] and len(items) == 15
    feed = live.find(lambda n: n.get("attrs", {}).get("id") == "feed")[0]
    assert feed["scroll"] == [0, 90]
    dyn = live.find(lambda n: n.get("attrs", {}).get("id") == "dynamic-style")[0]
    assert any("rgb(230, 240, 255)" in r for r in dyn["css"]) and len(dyn["css"]) == 2

    m = assert_mirror_matches(events, live)
    feed_node = m.get(feed["id"])
    assert feed_node.scroll is not None and feed_node.scroll[1] == 90


def test_the_lines_of_a_pages_first_scripts_keep_the_recording_in_time_order(qapp, server):
    """rrweb's console plugin starts at DOMContentLoaded: the bridge keeps the lines logged
    before and sends them after the snapshot - stamped as the snapshot, dated when logged
    (`date`, as capture.js sends its own), where they went stamped with their own earlier
    time and every recording of a page that logs as it loads was out of time order."""
    from recorder.semantics import read

    events = record_page(server.url("early-console.html"), [WaitFor("#p")]).events
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps)
    snapshot = next(e["timestamp"] for e in events if e["type"] == EventType.FullSnapshot)
    early = [p for p in plugin_payloads(events, "rrweb/console@1") if "date" in p]
    assert [json.loads(p["payload"][0]) for p in early][:2] == ["A: head script", "B: a warning"]
    assert all(p["date"] <= snapshot for p in early)
    # (read at its date: before the recording's first event, at its start)
    lines = read(events, origin=stamps[0]).console
    assert lines[0].message == "A: head script"
    assert lines[0].t == max(0.0, early[0]["date"] - stamps[0])


def _strings(obj):
    """Every string (keys included) inside a JSON-like value."""
    stack = [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, str):
            yield o
        elif isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, (list, tuple)):
            stack.extend(o)


def test_capture_console_traces_start_at_the_pages_own_call(qapp, server):
    """capture.js injected by the recording browser wraps console like a served one: its own
    frames stay out of each trace, so the page's call is on top (an error group's frame)."""
    rec = record_page(server.url("dynamic.html"), [Click("#add"), Click("#remove")],
                      recorder="capture")
    logs = plugin_payloads(rec.events, "rrweb/console@1")
    added = [p for p in logs if json.loads(p["payload"][0]) in ("added", "removed")]
    assert len(added) == 2
    for p in added:
        assert p["trace"] and "dynamic.html" in p["trace"][0], p["trace"]
        assert not any("capture" in frame or "replay-recorder" in frame for frame in p["trace"])


def test_checkout_typing_is_recorded_but_the_password_is_not(qapp, server):
    secret, card = "Hunter2-secret", "4242 4242 4242 4242"
    rec = record_page(server.url("checkout.html"), [
        Type("#name", "Ada Lovelace"), Type("#email", "ada@example.com"),
        Type("#password", secret), Type("#card", card, delay_ms=5), Type("#country", "Fr"),
        Eval("document.querySelector('#country').value"), Click("#express"), Click("#terms"),
        Type("#notes", "Ring twice\nthanks"), CaptureDom("typed"), Click("#pay"),
        WaitFor("#result"), CaptureDom("paid"),
    ], record_options={"maskInputSelector": 'input[autocomplete^="cc-"]'})
    events = rec.events
    inputs = incremental(events, IncrementalSource.Input)
    full = next(e for e in events if e["type"] == EventType.FullSnapshot)
    ids = _ids_by_attr(full["data"]["node"])

    def last_input(name):
        return [d for d in inputs if d["id"] == ids[name]][-1]

    # real key events: one Input event per keystroke, the value growing
    name_values = [d["text"] for d in inputs if d["id"] == ids["name"]]
    assert name_values[0] == "A" and name_values[-1] == "Ada Lovelace" and len(name_values) == 12
    assert last_input("email")["text"] == "ada@example.com"
    assert last_input("notes")["text"] == "Ring twice\nthanks"
    # once, on a loaded CI run, the select had no Input event (not reproduced in 16 runs
    # here, under load); the live value says whether the keys or the recording missed it
    country = [d["text"] for d in inputs if d["id"] == ids["country"]]
    assert country[-1:] == ["fr"], (country, rec.eval_results, rec.page_messages[-5:])
    assert last_input("express")["isChecked"] is True
    assert last_input("terms")["isChecked"] is True
    assert last_input("password")["text"] == "*" * len(secret)
    assert last_input("card")["text"] == "*" * len(card)  # masked by our selector option
    # in any recorded text (numbers don't count: an epoch-ms timestamp can contain "4242")
    texts = list(_strings(events)) + list(_strings([s.tree for s in rec.dom_snapshots]))
    for hidden in (secret, card, "4242"):
        assert not [t for t in texts if hidden in t]

    typed = rec.snapshot("typed")
    values = {n["attrs"].get("id"): n for n in typed.find(lambda n: n.get("tag") in ("input", "select", "textarea"))}
    assert values["name"]["value"] == "Ada Lovelace"
    assert values["password"]["value"] == "*" * len(secret)
    assert values["terms"]["checked"] is True and values["standard"]["checked"] is False
    assert_mirror_matches(events, typed)

    paid = rec.snapshot("paid")
    assert paid.event_count > typed.event_count
    result = paid.find(lambda n: n.get("attrs", {}).get("id") == "result")[0]
    assert result["children"][0]["text"] == "Thank you, Ada Lovelace!"
    assert_mirror_matches(events, paid)
    assert any(json.loads(p["payload"][0]) == "order placed"
               for p in plugin_payloads(events, "rrweb/console@1"))


def test_rage_click_on_a_broken_button_and_navigation_lose_nothing(qapp, server):
    # the four clicks ~50 ms apart: the RUM plugin's chain is 1 s from the first click as
    # the page handles it, and on a loaded machine 100 ms spins stretched it past that
    rec = record_page(server.url("dynamic.html"), [
        Click("#broken", count=4, interval_ms=20), Wait(1200),
        Click("#to-checkout"), WaitFor("#pay"), Type("#name", "Grace"), CaptureDom("checkout"),
    ])
    events = rec.events
    metas = [e["data"]["href"] for e in events if e["type"] == EventType.Meta]
    assert metas == [server.url("dynamic.html"), server.url("checkout.html")]
    assert [e["type"] for e in events].count(EventType.FullSnapshot) == 2
    # the link click that left the first page reached us before the second page's Meta
    second_meta = next(i for i, e in enumerate(events)
                       if e["type"] == EventType.Meta and e["data"]["href"].endswith("checkout.html"))
    first_full = next(e for e in events if e["type"] == EventType.FullSnapshot)
    link_id = _ids_by_attr(first_full["data"]["node"])["to-checkout"]
    assert any(e["type"] == EventType.IncrementalSnapshot and e["data"]["source"] == 2
               and e["data"]["type"] == 2 and e["data"]["id"] == link_id for e in events[:second_meta])
    # our injected scripts raised nothing in the page
    assert not [m for m in rec.page_messages if m.startswith("userscript:") and "Uncaught" in m]
    assert not [e for e in rum(events, "error") if e["message"] == "Script error."]

    errors = rum(events, "error")
    assert any(e["source"] == "source" and e["type"] == "TypeError" for e in errors)
    rage = [a for a in rum(events, "action") if "rage_click" in a.get("frustration", {}).get("type", [])]
    assert len(rage) == 1
    # every click is in an action, the rage click holds at least three: the chain is read at
    # the clicks' own times (a page busy handling them late no longer splits it: test_capture_
    # rum's frozen page), but this harness's own process, starved on a loaded machine, can
    # make them more than a second apart for real (CI's red run: 3 and 1)
    coupon = [a for a in rum(events, "action") if a["target"]["name"] == "Apply coupon"]
    assert rage[0]["target"]["name"] == "Apply coupon" and rage[0]["click_count"] >= 3
    assert sum(a.get("click_count", 1) for a in coupon) == 4, coupon
    assert "error_click" in rage[0]["frustration"]["type"]
    link = [a for a in rum(events, "action") if a["target"]["name"] == "Go to checkout"]
    assert link and "frustration" not in link[0]  # it navigated: neither dead nor an error

    view_urls = {v["url"] for v in rum(events, "view")}
    assert view_urls == {server.url("dynamic.html"), server.url("checkout.html")}
    second = [v for v in rum(events, "view") if v["url"].endswith("checkout.html")]
    assert second[0]["referrer"] == server.url("dynamic.html")

    # the second page's DOM rebuilds from the events up to the capture
    live = rec.snapshot("checkout")
    assert live.url == server.url("checkout.html")
    assert_mirror_matches(events, live)


def test_waits_are_bounded_and_errors_say_what_is_wrong(qapp, server):
    with BrowserRecorder(timeout_s=1.5) as browser:
        browser.open(server.url("dynamic.html"))
        with pytest.raises(BrowserRecordingError, match=r"timed out after 1.5 s waiting for '#never'"):
            browser.run([WaitFor("#never")])
        with pytest.raises(BrowserRecordingError, match="no element matches '#nope'"):
            browser.run([Click("#nope")])
        with pytest.raises(BrowserRecordingError, match="JavaScript failed in the page"):
            browser.run([Eval("undefinedName.x")])
        browser.run([Eval("document.title")])
        assert browser.eval_results == ["Dynamic page"]
        # modal dialogs cannot hang a recording: answered like a person clicking OK
        browser.run([Eval("[alert('saved'), confirm('leave?'), prompt('name?', 'Ada')]")])
        assert browser.eval_results[-1] == [None, True, "Ada"]
        assert "alert: saved" in browser.page_messages
        with pytest.raises(BrowserRecordingError, match="the page failed to load: http://127.0.0.1:9/"):
            browser.open("http://127.0.0.1:9/")  # nothing listens there


def test_missing_rrweb_install_is_a_clear_error(tmp_path):
    with pytest.raises(BrowserRecordingError, match="npm ci --prefix tests/browser"):
        injected_script(rrweb_dir=tmp_path)


# ---- the bundled demo session and its shop ---------------------------------------------------

DEMO = Path(__file__).resolve().parents[2] / "assets" / "demo"


def _load(name):
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(f"demo_{name}", DEMO / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(DEMO))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(DEMO))
    return module


def test_bundled_demo_session_shows_what_the_demo_promises():
    path = DEMO / "demo-session.json"
    assert path.stat().st_size < 2_000_000
    events = json.loads(path.read_text())
    for e in events:
        validate_event(e)
    from replay_tools.make_demo import check

    facts = check(events)  # raises, naming what is missing
    assert facts["views"] == ["checkout.html", "index.html"]
    mirror = Mirror().apply_all(events)
    assert not mirror.warnings and mirror.has_snapshot
    assert "Thank you" in mirror.text_of(mirror.root)


def test_demo_server_answers_like_a_real_shop():
    from urllib.error import HTTPError
    from urllib.request import Request, urlopen

    def call(srv, path, body=None):
        req = Request(srv.url(path), data=json.dumps(body).encode() if body else None,
                      headers={"Content-Type": "application/json"})
        try:
            with urlopen(req, timeout=5) as r:
                return r.status, json.loads(r.read())
        except HTTPError as err:
            return err.code, json.loads(err.read())

    with _load("server").demo_server() as srv:
        status, products = call(srv, "api/products?q=mug")
        assert status == 200 and [p["name"] for p in products] == ["Ceramic Mug", "Travel Mug"]
        assert call(srv, "api/cart", {"id": 2, "qty": 2})[1]["count"] == 2
        assert call(srv, "api/cart")[1]["total"] == 25.0
        assert call(srv, "api/coupons/SPRING10")[0] == 404
        assert call(srv, "api/shipping-quote?country=US")[0] == 500
        assert call(srv, "api/orders", {"items": 1})[0] == 201
        assert call(srv, "api/cart")[1]["count"] == 0
        with urlopen(srv.url("index.html"), timeout=5) as r:
            assert b"Acme Shop" in r.read()
