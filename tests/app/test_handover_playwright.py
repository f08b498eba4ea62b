"""Hand-over exports, the Playwright script (`replay export -f playwright`): run on Debian's
chromium against the demo's own pages, it reproduces the recorded session; it never holds a
masked value. (A file of its own: the longest test of the hand-over exports, so the suite's
workers share them out.)"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from recorder.moments import moment_text
from tests.app.test_handover_exports import CHECKOUT_MS, CHECKOUT_URL, DEMO, ROOT, _replay

# --- Playwright -----------------------------------------------------------------------------
CHROMIUM = Path("/usr/bin/chromium")   # Debian's package (.ci/run installs it); never downloaded
# the demo's two searches, typed into a masked search box: the words a run fills in
DEMO_SEARCHES = {"REPLAY_FILL_SEARCH_LAMPS_MUGS_CHAIRS": "lamp",
                 "REPLAY_FILL_SEARCH_LAMPS_MUGS_CHAIRS_2": "mug"}

_DRIVER = '''
import importlib.util, json, sys
from playwright.sync_api import sync_playwright
spec = importlib.util.spec_from_file_location("repro", sys.argv[1])
repro = importlib.util.module_from_spec(spec)
spec.loader.exec_module(repro)
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=sys.argv[2], headless=True)
    page = browser.new_page(viewport=repro.VIEWPORT)
    error = repro.reproduce(page)
    state = page.evaluate("""() => {
        const out = {};
        for (const el of document.querySelectorAll("[id]")) {
            out[el.id] = {value: "value" in el && el.tagName !== "BUTTON" ? String(el.value) : null,
                          checked: el.type === "checkbox" || el.type === "radio" ? el.checked : null,
                          text: el.textContent.replace(/\\\\s+/g, " ").trim()};
        }
        return {ids: out, body: document.body.className, path: location.pathname};
    }""")
    browser.close()
print(json.dumps({"error": error, "state": state}))
'''


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _recorded_end_state(src) -> dict:
    """What the recording shows at its last moment, element by element (by id)."""
    from player.replayer import Replayer
    from recorder.format import NodeType

    r = Replayer(src)
    m = r.state_at(r.duration_ms)
    out = {}
    for n in m.walk():
        if n.type != NodeType.Element or not n.attrs.get("id"):
            continue
        text = " ".join("".join(x.text or "" for x in m.walk(n.id)
                                if x.type == NodeType.Text).split())
        value = n.value if n.value is not None else n.attrs.get("value")
        box = str(n.attrs.get("type", "")).lower() in ("checkbox", "radio")
        checked = (n.checked if n.checked is not None else "checked" in n.attrs) if box else None
        out[n.attrs["id"]] = {"tag": n.tag, "value": value, "checked": checked, "text": text}
    body = next(n for n in m.walk() if n.type == NodeType.Element and n.tag == "body")
    return {"ids": out, "body": body.attrs.get("class", "")}


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run"
                    " installs it)")
def test_playwright_script_reproduces_the_session_on_the_demo_pages(tmp_path):
    import ast

    data = tmp_path / "data"
    # typed text in clear (the demo's data is made up); email, phone, card and password
    # inputs stay masked at every level
    rules = tmp_path / "rules.toml"
    rules.write_text('version = 1\ndefault = "allow"\n')
    script = tmp_path / "repro.py"
    p = _replay("export", str(DEMO), "--rules", str(rules), "-o", str(script), data=data)
    assert p.returncode == 0, p.stderr
    text = script.read_text()
    ast.parse(text)
    # robust selectors; masked values are named placeholders, never a value
    assert "page.locator('#search').fill('lamp')" in text
    # one "Add to cart" among the cards': looked for within its card, whatever the others say
    for card in ("#product-1", "#product-2", "#product-8"):
        assert f"page.locator({card!r}).get_by_role('button', name='Add to cart', exact=True)" \
            ".click()" in text
    assert "page.get_by_role('button', name='Add to cart'" not in text
    assert "page.locator('#email').fill(filled('EMAIL'))" in text
    assert "'CARD_NUMBER': os.environ.get('REPLAY_FILL_CARD_NUMBER', STAND_INS['CARD_NUMBER'])" \
        in text and "    'CARD_NUMBER': '<CARD_NUMBER>',\n" in text
    assert "nth-of-type" not in text
    assert "window.scrollTo(" in text
    assert "expect_text(page, '#cart-count', '4', after_step=11)" in text

    # Three runs, the longest (its waits in vain, below) on a demo server of its own beside the
    # other two: they share no state then, and the suite waits for the longest alone
    import urllib.request
    port = _free_port()
    server, again_server = _demo_server(port), None
    try:
        again_port = _free_port()   # (taken once the first server holds its own)
        again_server = _demo_server(again_port)
        # run again, exported with the default rules (the search terms and the country given),
        # the cart holding two lamps from before: each count the page shows is two more than
        # recorded and the script waits for it in vain (3 s each, as REPLAY_WAIT_MS asks:
        # longer than the button's 1.5 s "Added ✓"), so the Ceramic Mug's "Added ✓" is "Add to
        # cart" again when the Travel Mug's is clicked (a name alone matched both); the script
        # notes what differs and still gets there
        masked = tmp_path / "masked.py"
        p = _replay("export", str(DEMO), "-o", str(masked), data=data)
        assert p.returncode == 0, p.stderr
        urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{again_port}/api/cart", data=b'{"id": 1, "qty": 2}',
            headers={"Content-Type": "application/json"}), timeout=10)
        again_run = subprocess.Popen(
            [sys.executable, str(masked)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=dict(os.environ, **DEMO_SEARCHES,
                                REPLAY_BASE_URL=f"http://127.0.0.1:{again_port}",
                                REPLAY_CHROMIUM=str(CHROMIUM), REPLAY_FILL_COUNTRY="US",
                                REPLAY_WAIT_MS="3000"))
        try:
            driver = tmp_path / "driver.py"
            driver.write_text(_DRIVER)
            env = dict(os.environ, REPLAY_BASE_URL=f"http://127.0.0.1:{port}")
            run = subprocess.run([sys.executable, str(driver), str(script), str(CHROMIUM)],
                                 capture_output=True, text=True, env=env, timeout=240)
            # a range (16 s of the checkout form) opens the page on show at its start and hits
            # that range's error: the shipping quote's 500; run as a developer would run it
            part = tmp_path / "part.py"
            start = (CHECKOUT_MS // 1000 + 1) * 1000
            p = _replay("export", str(DEMO), "--rules", str(rules), "--from", str(start),
                        "--to", str(start + 16000), "-o", str(part), data=data)
            assert p.returncode == 0, p.stderr
            ranged = subprocess.run([sys.executable, str(part)], capture_output=True,
                                    text=True, env=dict(env, REPLAY_CHROMIUM=str(CHROMIUM)),
                                    timeout=240)
            again_out, again_err = again_run.communicate(timeout=400)
        finally:
            if again_run.poll() is None:
                again_run.kill()
                again_run.communicate()
    finally:
        for s in (server, again_server):
            if s is not None:
                s.terminate()
                s.wait(timeout=10)
    assert ranged.returncode == 0, ranged.stderr[-3000:]
    # (the run fills in values masked when recorded: the query is matched by its names)
    assert ranged.stdout.strip() == "reproduced: GET /api/shipping-quote answered 500"
    assert f"goto(page, {CHECKOUT_URL!r})" in part.read_text()
    assert again_run.returncode == 0, again_err[-3000:]
    assert again_out.strip() == \
        "reproduced: TypeError: Cannot read properties of null (reading 'classList')"
    notes = again_err.splitlines()
    # (the count the recording showed after the same step: "one step off" it is not)
    assert "note: after step 5, #cart-count shows '3'; after that step the recording showed" \
        " '1'; going on" in notes
    assert all(n.startswith("note: ") for n in notes), again_err[-3000:]
    assert not any("***" in n for n in notes)   # what was masked is not waited for
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    # the same error
    assert got["error"] == "TypeError: Cannot read properties of null (reading 'classList')"

    # the same final DOM: every element with an id, its text, value and checked state -
    # except the values that were masked when recorded (the script types stand-ins)
    from recorder.privacy import load_rules
    from recorder.source import masked_source, open_recording
    from recorder.privacy.masking import is_masked_value

    src = masked_source(open_recording(str(DEMO), data), load_rules(rules, data))
    want = _recorded_end_state(src)
    assert got["state"]["path"] == "/checkout.html"
    assert want["body"] == got["state"]["body"] == "ordered"
    compared = 0
    for el, w in want["ids"].items():
        g = got["state"]["ids"].get(el)
        assert g is not None, f"#{el} is missing"
        if w["checked"] is not None:
            assert g["checked"] == w["checked"], el
        if w["tag"] in ("input", "textarea", "select") and w["value"] is not None \
                and not is_masked_value(w["value"]):
            assert g["value"] == w["value"], el
            compared += 1
        elif w["tag"] not in ("input", "textarea", "select", "script", "style") \
                and "x" * 4 not in w["text"]:
            assert g["text"] == w["text"], el
            compared += 1
    assert compared > 10   # (16 today: the cart, the summary, the typed fields, the order id...)


def test_playwright_script_never_holds_a_masked_value(tmp_path):
    script = tmp_path / "repro.py"
    p = _replay("export", str(DEMO), "-f", "playwright", "-o", str(script), data=tmp_path / "d")
    assert p.returncode == 0, p.stderr
    text = script.read_text()
    ast_tree = __import__("ast").parse(text)
    assert ast_tree.body
    # the default rules mask what was typed: each field is a named placeholder instead. The
    # code typed into the masked coupon field is also masked where the page itself shows it
    # (echo scrubbing, both passes for a file): its promo label, clicked in the demo
    assert "Code *** · 10% off" in text   # the label's click is in the script
    # ... but no locator looks for the masked text, nor does the script wait for any
    assert not [ln for ln in text.splitlines() if "***" in ln and not ln.strip().startswith("#")]
    for typed in ("Jane Doe", "42 Example Street", "Springfield", "SPRING10", "neighbour"):
        assert typed not in text, typed
    for name in ("FULL_NAME", "STREET_ADDRESS", "CITY", "COUPON_CODE", "DELIVERY_NOTES"):
        assert f"filled({name!r})" in text and f"'REPLAY_FILL_{name}'" in text


def test_a_playwright_script_takes_the_bugs_title_notes_and_moment_masked(tmp_path):
    """A titled script needed a bundle made first and exported again: `--title`, `--notes`
    and `--at` go into its docstring as a bundle's report would, passing the rules."""
    script = tmp_path / "repro.py"
    p = _replay("export", str(DEMO), "-o", str(script), "--title", "Card 4111 1111 1111 1111"
                " declined", "--notes", "write to jane@example.com", "--at", str(CHECKOUT_MS),
                data=tmp_path / "d")
    assert p.returncode == 0, p.stderr
    doc = __import__("ast").get_docstring(__import__("ast").parse(script.read_text()))
    assert doc.startswith(f"Bug: Card xxxx xxxx xxxx xxxx declined\nAt: {moment_text(CHECKOUT_MS)}"
                          "\nNotes:\n  write to "), doc
    assert "4111" not in script.read_text() and "jane@example.com" not in script.read_text()


def _demo_server(port: int) -> subprocess.Popen:
    """The demo shop's pages and API on loopback `port`, answering when this returns."""
    import time
    import urllib.request
    server = subprocess.Popen([sys.executable, str(ROOT / "assets" / "demo" / "server.py"),
                               "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    for _ in range(100):   # until it answers
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    return server


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_a_placeholder_the_run_needs_is_named_before_or_when_it_fails(tmp_path):
    """The demo's country was chosen in a masked select: no placeholder can be one of its
    options, so the script refuses up front, naming it. Given, the search terms left as
    placeholders empty the product list, and the step that then fails says so - it blamed
    "Add to cart" alone."""
    script = tmp_path / "repro.py"
    assert _replay("export", str(DEMO), "-o", str(script), data=tmp_path / "d").returncode == 0
    port = _free_port()
    env = dict(os.environ, REPLAY_BASE_URL=f"http://127.0.0.1:{port}",
               REPLAY_CHROMIUM=str(CHROMIUM), REPLAY_WAIT_MS="1500")
    refused = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                             env=env, timeout=120)
    assert refused.returncode == 2 and refused.stdout == "", refused.stderr
    assert refused.stderr.strip() == (
        "cannot reproduce without the option chosen in COUNTRY (masked when recorded, and a"
        " select's value must be one of its options): set REPLAY_FILL_COUNTRY=VALUE or edit"
        " FILL_IN")
    server = _demo_server(port)
    try:
        run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                             env=dict(env, REPLAY_FILL_COUNTRY="US"), timeout=240)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert run.returncode == 1, (run.stdout, run.stderr[-2000:])
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("not reproduced: step ") and "Add to cart" in last, last
    assert last.endswith(" - stand-ins typed before it: SEARCH_LAMPS_MUGS_CHAIRS,"
                         " SEARCH_LAMPS_MUGS_CHAIRS_2 (the site may have gone another way from"
                         " there: set REPLAY_FILL_<NAME>)"), last


def _shipping_failure_ms() -> float:
    """When the demo's shipping quote failed (its HTTPError), ms after its first event."""
    from recorder.semantics import Semantics

    events = json.loads(DEMO.read_text())
    sem = Semantics(origin=events[0]["timestamp"])
    for e in events:
        sem.feed(e)
    return next(e.t for e in sem.errors if e.type == "HTTPError" and "shipping-quote" in e.url)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_a_bugs_script_stops_at_the_bug_and_checks_its_error(tmp_path):
    """A developer's script of QA's bundle ("Shipping quote fails at checkout", at the
    failure) ran all thirty steps and said "reproduced" of the TypeError 16 s later; and
    with another country filled in for the masked select, the same 500 was "not
    reproduced" (its query differed). The script stops a second after the bug, checks the
    bug's failed request, by its query's names, whatever country is filled in."""
    at = _shipping_failure_ms()
    bug, script = tmp_path / "bug.replay", tmp_path / "repro.py"
    p = _replay("export", str(DEMO), "-o", str(bug), "--title", "Shipping quote fails at"
                " checkout", "--at", f"{at / 1000:.1f}s", data=tmp_path / "qa")
    assert p.returncode == 0, p.stderr
    assert _replay("export", str(bug), "-o", str(script), data=tmp_path / "dev").returncode == 0
    text = script.read_text()
    assert "The steps up to the bug and 1 s after it" in text
    assert "expected = ('GET', '/api/shipping-quote', ('country',), 500)" in text
    assert "Place order" not in text and "coupon" not in text.lower()   # after the bug
    port = _free_port()
    server = _demo_server(port)
    try:
        run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                             env=dict(os.environ, **DEMO_SEARCHES,
                                      REPLAY_BASE_URL=f"http://127.0.0.1:{port}",
                                      REPLAY_CHROMIUM=str(CHROMIUM), REPLAY_FILL_COUNTRY="FR"),
                             timeout=240)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip() == "reproduced: GET /api/shipping-quote answered 500"


def test_the_demo_server_on_a_taken_port_says_so_in_one_line():
    """A developer's tryout: the demo shop's server on a port another process held printed a
    15-line traceback, easy to miss - and the script run next, against what held the port,
    said "not reproduced". One line, what to do, exit 2."""
    import socket
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        proc = subprocess.run([sys.executable, str(ROOT / "assets" / "demo" / "server.py"),
                               "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == "", proc
    assert proc.stderr == f"demo server: cannot listen on 127.0.0.1:{port} (Address already" \
        " in use) - is something else on that port? Give another with --port N, or --port 0" \
        " for a free one\n", proc.stderr


def test_a_script_of_a_range_without_steps_opens_its_page_and_says_it_reproduced_nothing(
        tmp_path):
    """A QA engineer's tryout: a script exported for a range without a step (0:10 to 0:11)
    held only `pass`, opened no page, and printed "reproduced: every step ran (the recording
    holds no error to check)" - exit 0, of a recording with 3 errors after the range. It opens
    the page on show at the range's start and says it reproduced nothing (exit 2); a range
    with steps and no error says which errors it left out."""
    import ast

    data = tmp_path / "data"
    script = tmp_path / "quiet.py"
    p = _replay("export", str(DEMO), "--from", "2000", "--to", "10000", "-o", str(script),
                data=data)
    assert p.returncode == 0, p.stderr
    text = script.read_text()
    ast.parse(text)
    body = text.split("def reproduce(page):")[1]
    assert "    goto(page, 'http://127.0.0.1:" in body, body   # the page on show at 0:02
    assert 'raise NothingToReproduce("this range (from 0:02.0 to 0:10.0) holds no recorded' \
        ' step, and none of the recording\'s 7 errors")' in body, body
    stepped = tmp_path / "stepped.py"
    p = _replay("export", str(DEMO), "--from", "10000", "--to", "14000", "-o", str(stepped),
                data=data)
    assert p.returncode == 0, p.stderr
    assert "every step ran (this range (from 0:10.0 to 0:14.0) holds none of the recording's" \
        " 7 errors to check)" in stepped.read_text()
    port = _free_port()
    server = _demo_server(port)
    try:
        run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                             env=dict(os.environ, REPLAY_BASE_URL=f"http://127.0.0.1:{port}",
                                      REPLAY_CHROMIUM=str(CHROMIUM)), timeout=120)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert run.returncode == 2 and not run.stdout, (run.stdout, run.stderr)
    assert run.stderr.startswith("nothing to reproduce: this range (from 0:02.0 to 0:10.0)"
                                 " holds no recorded step"), run.stderr


def _load_demo_server():
    """assets/demo/server.py as a module (it is a script): its demo_server in this process."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("demo_server_script",
                                                  ROOT / "assets" / "demo" / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run"
                    " installs it)")
def test_a_bugs_script_run_where_the_bug_is_fixed_says_so_plainly(tmp_path, monkeypatch):
    """The same script against a shop whose shipping quote answers 200 (the bug fixed): "not
    reproduced" in words - the request that should have failed and the ones that did, not
    tuples - and not put down to the stand-ins typed (a QA engineer's tryout read "no ('POST',
    '/api/order', 500) among the failed requests [] - stand-ins typed before it: NAME, ...
    (the site may have gone another way from there)")."""
    from recorder.intake import demo
    from recorder.intake.page_server import PageServer

    at = _shipping_failure_ms()
    bug, script = tmp_path / "bug.replay", tmp_path / "repro.py"
    assert _replay("export", str(DEMO), "-o", str(bug), "--title", "Shipping quote fails",
                   "--at", f"{at / 1000:.1f}s", data=tmp_path / "qa").returncode == 0
    assert _replay("export", str(bug), "-o", str(script), data=tmp_path / "dev").returncode == 0
    served = demo.Shop.get

    def fixed(shop, path, query):
        return demo.Answer(200, {"quote": 4.5}) if path == "shipping-quote" \
            else served(shop, path, query)

    monkeypatch.setattr(demo.Shop, "get", fixed)
    server_py = _load_demo_server()
    with server_py.demo_server() as srv:
        run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                             env=dict(os.environ, **DEMO_SEARCHES, REPLAY_BASE_URL=srv.base_url,
                                      REPLAY_CHROMIUM=str(CHROMIUM), REPLAY_FILL_COUNTRY="FR"),
                             timeout=240)
    last = run.stderr.strip().splitlines()[-1]
    assert run.returncode == 1, run.stderr[-3000:]
    assert last.startswith("not reproduced: the check at the end: no GET /api/shipping-quote"
                           " answered 500; the failed requests: "), last
    assert "('" not in last and "the site may have gone another way" not in last, last
    if "stand-ins" in last:
        assert "every step ran: fixed, or the site needs real values" in last, last
