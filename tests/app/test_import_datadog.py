"""Datadog's browser Session Replay imported: real recordings made by Datadog's own SDK from
npm (v7: the Change format; v6: the V1 format) in Debian's chromium, on a page served on
127.0.0.1, its uploads kept as its `proxy` option sends them (replay_tools/datadog_sdk.py).

The request bodies go through the real CLI (`replay import`) as a person would hold them: the
multipart bodies a proxy kept, a deflated segment, its JSON, the RUM batches - one file or
several. The stored session rebuilds to the page's live DOM at each captured moment (the
live page is the truth); the dev-tools facts come from the RUM events (user, views, actions,
resources); what Datadog masked stays masked and the store's own privacy pass applies on top."""
from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from app.cli import main  # noqa: E402
from recorder.store import LocalStore  # noqa: E402
from replay_tools import datadog_sdk as dd  # noqa: E402
from replay_tools.chromium import chromium_path  # noqa: E402

pytestmark = [
    pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed"),
    pytest.mark.skipif(not (dd.available("7") and dd.available("6")),
                       reason="Datadog's SDK is not installed (npm ci --prefix tests/browser)"),
]

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Orders</title>
<style>body { font-family: sans-serif } .done { text-decoration: line-through }</style>
<style id="moved">.it { font-weight: bold }</style>
</head><body>
<h1 class="title">Orders <span id="count">0</span></h1>
<p>Some <b>bold</b> text &amp; <a href="/help">a link</a>.</p>
<form><input id="who" placeholder="Your name"> <input type="checkbox" id="gift">
<select id="ship"><option value="std">Standard</option><option value="exp">Express</option></select>
<textarea id="note"></textarea></form>
<button id="add">Add</button> <button id="move">Move</button> <button id="restyle">Restyle</button>
<button id="send">Send</button>
<ul id="list"><li id="first">first</li></ul>
<div id="feed" style="height: 60px; overflow: auto"><div style="height: 400px">tall</div></div>
<div id="host"></div> <div id="later"></div> <div id="gone"><span>bye</span></div>
<svg width="20" height="20"><circle cx="10" cy="10" r="5" fill="red"></circle></svg>
<script>
let n = 0;
const list = document.getElementById('list');
document.getElementById('add').onclick = () => {
  const li = document.createElement('li'); li.textContent = 'item ' + (++n); li.className = 'it';
  list.insertBefore(li, list.firstChild);
  document.getElementById('count').textContent = n;
};
document.getElementById('move').onclick = () => { list.appendChild(list.firstChild); };
// the page echoes what was typed: in a button's text (a click's action name), a request's
// URL, an error's message - RUM fields Datadog sends in clear
const who = document.getElementById('who'), send = document.getElementById('send');
who.oninput = () => { send.textContent = 'Send to ' + who.value; };
send.onclick = () => {
  fetch('/api/find?name=' + encodeURIComponent(who.value)).catch(() => {});
  console.error('no account for ' + who.value);
};
document.getElementById('restyle').onclick = () => {
  document.querySelector('.title').setAttribute('data-state', 'busy');
  document.getElementById('first').classList.add('done');
  document.body.appendChild(document.getElementById('moved'));   // a new sheet: a new id
  const s = document.createElement('style'); s.textContent = '.it { color: green }';
  document.head.appendChild(s);
};
const root = document.getElementById('host').attachShadow({mode: 'open'});
root.innerHTML = '<p class="in-shadow">shadow text</p>';
// one constructed sheet adopted by the document and by the shadow root: the SDK sends it
// twice, under one id
const adopted = new CSSStyleSheet();
adopted.replaceSync('.in-shadow { color: teal } h1 b { color: navy }');
const off = new CSSStyleSheet();   // a disabled sheet: adopted, styling nothing
off.replaceSync('h1 { color: red }');
off.disabled = true;
document.adoptedStyleSheets = [adopted, off];
root.adoptedStyleSheets = [adopted];
</script></body></html>"""


# the fidelity test's rules: nothing masked by the store's pass, so the rebuild is the page
ALLOW = 'version = 1\ndefault = "allow"\ndetectors = []\n'


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def record(version: str, privacy: str = "allow"):
    with dd.DatadogPage(PAGE, version=version, privacy=privacy,
                        user={"id": "u-42", "name": "Ada", "email": "ada@example.com"}) as page:
        p = page.page
        page.capture("loaded")
        for _ in range(3):
            p.click("#add")
        p.click("#move")
        page.capture("added")
        p.click("#who")
        p.keyboard.type("Ada Lovelace", delay=20)
        p.click("#send")
        p.click("#gift")
        p.focus("#ship")   # chosen as a person does (the SDK does not hear Playwright's
        p.keyboard.press("ArrowDown")   # select_option)
        assert p.eval_on_selector("#ship", "s => s.value") == "exp"
        p.fill("#note", "ring twice")
        p.click("#restyle")
        p.evaluate("document.getElementById('feed').scrollTop = 90")
        p.evaluate("document.getElementById('host').shadowRoot.innerHTML += '<i>more</i>'")
        page.capture("edited")
        # a shadow root the first snapshot did not have: a host added with its own
        p.evaluate("""() => {
          const h = document.createElement('section');
          const r = h.attachShadow({mode: 'open'});
          r.innerHTML = '<b>late</b> shadow';
          const sheet = new CSSStyleSheet();
          sheet.replaceSync('@media screen { b { color: olive } }');
          r.adoptedStyleSheets = [sheet];
          document.getElementById('later').appendChild(h);
        }""")
        page.capture("late shadow root")
        p.evaluate("document.querySelector('#later section').shadowRoot.append('more')")
        # a node taken out of one removed just before (the SDK sends both removals)
        p.evaluate("() => { const g = document.getElementById('gone');"
                   " const s = g.firstChild; g.remove(); s.remove(); }")
        page.capture("late shadow root changed")
        uploads = page.finish()
    return uploads, page.live


@pytest.fixture(scope="module")
def recordings() -> dict:
    """The module's four visits (`record` and `record_visit`, each SDK version), recorded at
    once, each in a thread and a chromium of its own (Playwright's sync API: an instance per
    thread): each waits on the SDK's timers far more than it runs, one after another ~40 s."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        jobs = {(how.__name__, v): pool.submit(how, v)
                for how in (record, record_visit) for v in ("7", "6")}
    return {key: job.result() for key, job in jobs.items()}


@pytest.fixture(scope="module")
def v7(recordings):
    return recordings["record", "7"]


@pytest.fixture(scope="module")
def v6(recordings):
    return recordings["record", "6"]


FIELDS = ("input", "textarea", "select", "option")
STATE = ("value", "checked", "selected")   # a field's state: compared as the page reads it


def rebuilt_tree(m) -> dict:
    """The mirror's body as LIVE_TREE_JS reads the page's."""
    def walk(node):
        if node.type == 3:
            return {"text": node.text} if (node.text or "").strip() else None
        if node.type != 2 or node.tag in ("script", "noscript"):
            return None
        out = {"tag": node.tag, "attrs": {k: v for k, v in node.attrs.items()
                                          if not k.startswith(("rr_", "_"))},
               "children": []}
        if m.adopted_by.get(node.id):
            out["adopted"] = adopted(node.id)
        if node.tag == "style":
            out["css"] = "".join(node.sheet) if node.sheet is not None \
                else node.attrs.get("_cssText", "")
        if node.tag in ("input", "textarea", "select"):
            out["value"] = node.value if node.value is not None else node.attrs.get("value", "")
        if node.tag == "input" and node.attrs.get("type") in ("checkbox", "radio"):
            out["checked"] = bool(node.checked if node.checked is not None
                                  else "checked" in node.attrs)
        if node.tag != "style":
            for c in node.children:
                w = walk(m.get(c))
                if w:
                    out["children"].append(w)
        return out
    def adopted(host: int) -> list[str]:
        return ["".join(m.adopted.get(i, ())) for i in m.adopted_by[host]]
    body = next(n for n in m.nodes.values() if n.type == 2 and n.tag == "body")
    out = walk(body)
    out["head"] = walk(next(n for n in m.nodes.values() if n.type == 2 and n.tag == "head"))
    if m.adopted_by.get(m.root):
        out["document_adopted"] = adopted(m.root)
    return out


def stored_events(store_dir: Path, sid: str) -> list[dict]:
    with LocalStore(store_dir).session(sid) as s:
        return list(s.events())


def one_rule(css: str) -> bool:
    """`css` is one rule: its braces close only at its end (a @media rule's nest)."""
    depth, closed_at = 0, []
    for i, c in enumerate(css):
        depth += (c == "{") - (c == "}")
        if c == "}" and depth == 0:
            closed_at.append(i)
    return closed_at == [len(css.rstrip()) - 1]


def assert_rebuilds_live(store_dir: Path, sid: str, live) -> None:
    from player.replayer import Replayer
    events = stored_events(store_dir, sid)
    # an adopted sheet's rules one by one, as rrweb's player inserts them (insertRule takes
    # one rule: two in one string are refused, and the sheet stays empty)
    for e in events:
        if e["type"] == 3 and e["data"].get("source") == 15:
            for style in e["data"]["styles"]:
                assert all(one_rule(r["rule"]) for r in style["rules"]), style
    r = Replayer(events)
    start = events[0]["timestamp"]
    for moment in live:
        m = r.state_at(moment.at - start)
        got = rebuilt_tree(m)
        a, b = _norm(got), _norm(moment.tree)
        assert a == b, (moment.label, _difference(a, b))


def _difference(a, b, path="body"):
    """Where two trees first differ, for the message."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                return _difference(a.get(k), b.get(k), f"{path}.{k}")
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _difference(x, y, f"{path}[{i}]")
        return f"{path}: {len(a)} items rebuilt, {len(b)} live"
    return f"{path}: rebuilt {a!r}, live {b!r}"


def _norm(tree: dict) -> dict:
    """A field's state as the page reads it (`value`, `checked`), not its attributes:
    Datadog records an input's value and an option's selection, not their attributes."""
    tree = json.loads(json.dumps(tree))
    stack = [tree]
    while stack:
        n = stack.pop()
        if "css" in n:   # (rule texts as the browser writes them; joined, spaced or not)
            n["css"] = "".join(n["css"].split())
        for k in ("adopted", "document_adopted"):
            if k in n:
                n[k] = ["".join(css.split()) for css in n[k]]
        if "head" in n:
            stack.append(n["head"])
        if "tag" in n:
            if n["tag"] in FIELDS:
                for k in STATE:
                    n["attrs"].pop(k, None)
            stack.extend(n["children"])
    return tree


@pytest.mark.parametrize("fmt", ["7", "6"])
def test_sdk_uploads_import_as_one_session_that_rebuilds_the_live_dom(fmt, v7, v6, tmp_path,
                                                                       capsys):
    uploads, live = v7 if fmt == "7" else v6
    files = dd.write_uploads(tmp_path / "uploads", uploads)
    data, rules = tmp_path / "data", tmp_path / "allow.toml"
    rules.write_text(ALLOW)
    code, out, err = run(capsys, "--data", data, "import", "--rules", rules, *files)
    assert code == 0, err
    assert f"replay: note: imported {len(files)} files: 1 new session stored" in err
    assert "warning" not in err, err   # all of it read: nothing to warn of
    code, out, err = run(capsys, "--data", data, "sessions", "--json")
    rows = json.loads(out)
    assert len(rows) == 1, rows   # every request of the visit, one session
    row = rows[0]
    assert (row["user_id"], row["user_name"]) == ("u-42", "Ada")
    assert row["first_url"].endswith("/index.html") and row["view_count"] == 1
    assert_rebuilds_live(data, row["id"], live)


def test_a_sessions_rum_file_given_after_its_replay_says_how_to_join_them(v7, tmp_path,
                                                                          capsys):
    """A support engineer imported a Datadog session's replay segments, then its RUM file
    from the proxy's log: refused as "disagrees with it (different events at the same
    times...)", and `--as-new` made a session of 4 events with no page. It says what it is -
    a part recorded apart, none of its events stored - and how to join them (in the
    window too); what is stored stays as it was."""
    from app.commands.import_cmd import TERMINAL
    from app.window.importer import WINDOW_ADVICE
    from tests.app.test_cli_bad_input import _state
    uploads, _live = v7
    files = dd.write_uploads(tmp_path / "uploads", uploads)
    replay = [f for f in files if f.suffix == ".multipart"]
    rum = [f for f in files if f.suffix == ".ndjson"]
    data = tmp_path / "data"
    code, _out, err = run(capsys, "--data", data, "import", *replay)
    assert code == 0, err
    before = _state(data)   # (segments and index rows)
    code, _out, err = run(capsys, "--data", data, "import", *rum)
    assert code == 2 and "another part of the session recorded apart" in err, err
    assert TERMINAL.apart in err and "--as-new" in err, err
    assert _state(data) == before
    # File > Import… of it says it in the window's own words (run here, not in its thread)
    from app.window.importer import ImportJob
    job, ended = ImportJob(data, rum), []
    job.finished.connect(lambda *a: ended.append(a))
    job._run()
    (_results, failures, _said, _copyable), = ended
    (said,) = failures
    assert "another part of the session recorded apart" in said, said
    assert WINDOW_ADVICE.apart in said and TERMINAL.apart not in said, said
    assert "Import as new copies" in said and "--as-new" not in said, said
    assert _state(data) == before


def test_what_the_site_let_datadog_keep_is_masked_by_the_store_before_disk(v7, tmp_path,
                                                                          capsys):
    """The page was recorded at Datadog's `allow` level (typed values sent in clear, in the
    replay and in the RUM events the page echoed them into); the store's default rules mask
    them before anything is written: no byte of the data folder, the stored events, an
    export or what the import says holds them."""
    uploads, _live = v7
    assert any(b"Lovelace" in zlib.decompressobj().decompress(u.body[u.body.index(b"\x78\x9c"):])
               for u in uploads if u.kind == dd.REPLAY), "the SDK sent the typed name"
    assert any(b"Lovelace" in u.body for u in uploads if u.kind == dd.RUM), "and in RUM"
    files = dd.write_uploads(tmp_path / "uploads", uploads)
    data = tmp_path / "data"
    code, out, err = run(capsys, "--data", data, "import", *files)
    assert code == 0, err
    assert "Lovelace" not in out + err
    for f in data.rglob("*"):
        if f.is_file():
            raw = f.read_bytes()
            for secret in (b"Lovelace", b"ring twice"):   # (segments are compressed:
                assert secret not in raw, (f, secret)       # read below, decoded)
    sid = json.loads(run(capsys, "--data", data, "sessions", "--json")[1])[0]["id"]
    stored = json.dumps(stored_events(data, sid))
    assert "Lovelace" not in stored and "ring twice" not in stored
    # the RUM fields that echoed it are there, masked: the action's name, the request's
    # URL, the error's message
    rum = [e["data"]["payload"] for e in stored_events(data, sid)
           if e["type"] == 6 and e["data"]["plugin"] == "replay/rum@1"]
    texts = {json.dumps(p.get(k)) for p in rum for k in ("action", "resource", "error")}
    for echo in ("Send to ***", "/api/find?name=***", "no account for ***"):
        assert any(echo in t for t in texts), echo
    code, out, err = run(capsys, "--data", data, "export", "--format", "rrweb", sid,
                         "-o", tmp_path / "out.json")
    assert code == 0, err
    text = (tmp_path / "out.json").read_text()
    assert "Lovelace" not in text and "ring twice" not in text and "***" in text


# A visit of two pages: the second is a new document (the SDK starts afresh there, in the
# same session: a new view, a new full snapshot, node ids from the start again), where a
# shadow root comes after the first snapshot and the view's later changes go in a second
# segment of their own.
VISIT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
</head><body>
<h1 id="title">Home</h1>
<ul id="list"><li>one</li></ul>
<a id="next" href="/second.html">next</a>
<div id="later"></div>
<div style="height: 2000px">tall</div>
<script>
if (location.pathname === '/second.html') document.getElementById('title').textContent = 'Second';
</script></body></html>"""

ADD_ITEM = "document.getElementById('list').appendChild(document.createElement('li')).textContent = 'more'"


def record_visit(version: str):
    with dd.DatadogPage(VISIT, version=version) as page:
        p = page.page
        p.evaluate(ADD_ITEM)
        page.capture("home")
        # sent before leaving: a page that goes takes its segment with it when the SDK's
        # compression worker has not finished it (Datadog's own loss, not the import's)
        page.flush_segment()
        p.click("#next")
        page.wait_ready()
        page.capture("second page")
        p.evaluate("""() => {
          const h = document.createElement('section');
          h.attachShadow({mode: 'open'}).innerHTML = '<b>late</b> shadow';
          document.getElementById('later').appendChild(h);
        }""")
        page.capture("second page: a shadow root")
        page.flush_segment()
        p.evaluate("document.querySelector('#later section').shadowRoot.append('more')")
        p.evaluate(ADD_ITEM)
        p.evaluate("window.scrollTo(0, 300)")
        page.capture("second page: its later segment")
        uploads = page.finish()
    return uploads, page.live


@pytest.fixture(scope="module")
def visits(recordings):
    return {v: recordings["record_visit", v] for v in ("7", "6")}


def segment_of(upload) -> dict:
    body = upload.body
    return json.loads(zlib.decompressobj().decompress(body[body.index(b"\x78\x9c"):]))


@pytest.mark.parametrize("fmt", ["7", "6"])
def test_a_visit_of_two_pages_rebuilds_each_page(fmt, visits, tmp_path, capsys):
    uploads, live = visits[fmt]
    files = dd.write_uploads(tmp_path / "uploads", uploads)
    data, rules = tmp_path / "data", tmp_path / "allow.toml"
    rules.write_text(ALLOW)
    code, out, err = run(capsys, "--data", data, "import", "--rules", rules, *files)
    assert code == 0, err
    (row,) = json.loads(run(capsys, "--data", data, "sessions", "--json")[1])
    assert row["view_count"] == 2
    assert_rebuilds_live(data, row["id"], live)


@pytest.mark.parametrize("fmt", ["7", "6"])
def test_a_later_segment_without_its_views_first_is_not_played_on_the_page_before(
        fmt, visits, tmp_path, capsys):
    """The second page's first segment (its full snapshot) is not among the files: what its
    later segment holds names nodes of a DOM that is not there (node ids start afresh on a
    new page) - played, it would change or scroll the first page. It is left out, saying
    so; the first page stays as it was."""
    uploads, live = visits[fmt]
    replays = [(segment_of(u), u) for u in uploads if u.kind == dd.REPLAY]
    second = max({s["view"]["id"]: s["start"] for s, _u in replays}.items(),
                 key=lambda kv: kv[1])[0]
    first_of_second = next(u for s, u in replays
                           if s["view"]["id"] == second and s["index_in_view"] == 0)
    assert any(s["view"]["id"] == second and s["index_in_view"] > 0 for s, _u in replays)
    kept = [u for u in uploads if u is not first_of_second]
    files = dd.write_uploads(tmp_path / "uploads", kept)
    data, rules = tmp_path / "data", tmp_path / "allow.toml"
    rules.write_text(ALLOW)
    code, out, err = run(capsys, "--data", data, "import", "--rules", rules, *files)
    assert code == 0, err
    said = err
    (row,) = json.loads(run(capsys, "--data", data, "sessions", "--json")[1])
    events = stored_events(data, row["id"])
    start = segment_of(first_of_second)["start"]
    assert not [e for e in events if e["timestamp"] >= start and e["type"] != 6]
    assert "first segment is missing" in said, said
    home = next(m for m in live if m.label == "home")
    assert_rebuilds_live(data, row["id"], [dd.LiveTree(m.label, m.at, home.tree)
                                           for m in live if m.label.startswith("second")])


def test_rum_events_of_another_session_with_no_replay_are_left_out(v7, v6, tmp_path, capsys):
    """A proxy's log holds the RUM batches of every visitor, and the replays of the few the
    site records: another session's RUM events (here the v6 visit's, without its replay)
    are no recording to open - and another person's data - so they are not stored, saying
    so; the replayed session keeps its own RUM events, none of the other's."""
    uploads, _live = v7
    others = [u for u in v6[0] if u.kind == dd.RUM]
    files = dd.write_uploads(tmp_path / "uploads", [*uploads, *others])
    data = tmp_path / "data"
    code, out, err = run(capsys, "--data", data, "import", *files)
    assert code == 0, err
    assert "another session" in err, err
    (row,) = json.loads(run(capsys, "--data", data, "sessions", "--json")[1])
    own = sum(1 for u in uploads if u.kind == dd.RUM for ln in u.body.splitlines()
              if json.loads(ln)["type"] in ("view", "action", "error", "resource", "long_task"))
    rum = [e for e in stored_events(data, row["id"]) if e["type"] == 6]
    assert len(rum) == own
