"""An error a same-origin iframe's script throws (a payment frame's "gateway said no") and one it
leaves unhandled are the session's errors too: record mode's recording held the frame's click
and text and none of its errors, so the developer receiving the bug never learnt the frame
failed (two QA tryouts). The RUM plugin listens to each same-origin frame's window as its
document loads, a frame's frames too; recorded by rrweb (as record mode records) and by
capture.js, in QtWebEngine, and by capture.js in Debian's chromium. (A frame's console is
not wrapped: its console.error lines are not errors of the session.)"""
from __future__ import annotations

import json

import pytest

from recorder.semantics import Semantics
from replay_tools.browser_recorder import Click, Eval, PageServer, Wait, WaitFor, record_page
from replay_tools.chromium import chromium_path, record_page_chromium

SHOP = """<!doctype html><html><head><meta charset="utf-8"><title>Checkout</title></head>
<body><h1>Checkout</h1><iframe id="pay" src="pay.html" width="400" height="200"></iframe>
<iframe id="vault" class="rr-block" src="inner.html"></iframe>
</body></html>"""
PAY = """<!doctype html><html><head><meta charset="utf-8"><title>Pay</title></head>
<body><button id="go">Pay</button><button id="dead">Nothing</button><p id="out">ready</p>
<iframe id="inner" src="inner.html"></iframe><script>document.getElementById("go")
.addEventListener("click", function () { document.getElementById("out").textContent = "paid"; });
</script></body></html>"""
# (the frame in the payment frame says it loaded, to the page: the steps wait for it)
INNER = """<!doctype html><html><body><p>3-D Secure</p><script>if (parent !== top)
top.document.documentElement.setAttribute("data-inner-loaded", "");</script></body></html>"""
def _in_frame(frame_js: str, code: str) -> Eval:
    """`code` run by the page of the frame `frame_js` gives, as its own script (a script
    element: the harness's evaluation runs in a world of its own, whose errors the page never
    sees)."""
    return Eval("(function () { var d = %s.contentDocument, s = d.createElement('script');"
                " s.textContent = %s; d.body.appendChild(s); return true; })()"
                % (frame_js, json.dumps(code)))


PAY_FRAME = "document.getElementById('pay')"
INNER_FRAME = PAY_FRAME + ".contentDocument.getElementById('inner')"
# thrown in the frame's own tasks, as its click handler would; the nested frame's too
STEPS = [WaitFor("html[data-inner-loaded]"), Wait(100),
         _in_frame(PAY_FRAME, "setTimeout(function () {"
                              " throw new Error('PaymentFrameError: gateway said no'); }, 0)"),
         _in_frame(PAY_FRAME, "Promise.reject(new Error('card refused'))"),
         _in_frame(INNER_FRAME, "setTimeout(function () { throw new TypeError('acs down'); }, 0)"),
         # a frame the recording holds nothing of (hidden): its errors tell of it no more
         _in_frame("document.getElementById('vault')",
                   "setTimeout(function () { throw new Error('card 4111 in vault'); }, 0)"),
         Wait(600)]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("frames")
    for name, html in (("index.html", SHOP), ("pay.html", PAY), ("inner.html", INNER)):
        (root / name).write_text(html)
    with PageServer(root) as srv:
        yield srv


def _errors(rec) -> list[str]:
    s = Semantics(origin=rec.events[0]["timestamp"])
    for e in rec.events:
        s.feed(e)
    return [x.message for x in s.errors]


def _qt(recorder: str):
    return lambda url, steps=STEPS: record_page(url, steps, recorder=recorder)


ENGINES = [pytest.param(_qt("rrweb"), id="record-mode-rrweb"),
           pytest.param(_qt("capture"), id="capture-qtwebengine"),
           pytest.param(lambda url, steps=STEPS: record_page_chromium(url, steps),
                        id="capture-chromium",
                        marks=pytest.mark.skipif(chromium_path() is None,
                                                 reason="Debian's chromium is not installed"))]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_frames_errors_are_the_sessions(qapp, server, engine):
    errors = _errors(engine(server.url("index.html")))
    said = " | ".join(errors)
    assert any("PaymentFrameError: gateway said no" in m for m in errors), said
    assert any("card refused" in m for m in errors), said
    assert any("acs down" in m for m in errors), said   # a frame in the frame
    assert not any("vault" in m for m in errors), said   # (a hidden one's: not recorded)
    # each once (a frame's listeners are one, however often it is seen)
    assert sum("PaymentFrameError" in m for m in errors) == 1, said
    assert sum("card refused" in m for m in errors) == 1, said


CLICKS = [WaitFor("html[data-inner-loaded]"), Wait(100),
          Click("#go", frame="#pay"), Wait(1200), Click("#dead", frame="#pay"), Wait(1200),
          Click("p", frame="#vault"), Wait(1200),
          Eval("(function () { var f = document.getElementById('pay'), b = f.getBoundingClientRect(),"
               " g = f.contentDocument.getElementById('go').getBoundingClientRect();"
               " return [b.left + f.clientLeft + g.left + g.width / 2,"
               " b.top + f.clientTop + g.top + g.height / 2]; })()")]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_frames_clicks_are_the_sessions_actions(qapp, server, engine):
    """A same-origin frame's clicks were no actions at all (the RUM plugin listened to the
    page's document only): a payment frame's dead button was nowhere in the Actions tab. Each
    is an action, placed on the page (the frame's offset added: the replay draws the page), a
    dead one said so; one in a frame the recording hides is a click on that frame's box, named
    by nothing inside it, and never dead (what it did there is not recorded)."""
    rec = engine(server.url("index.html"), CLICKS)
    s = Semantics(origin=rec.events[0]["timestamp"])
    for e in rec.events:
        s.feed(e)
    actions = [(a.target, a.selector, a.frustrations) for a in s.actions]
    assert actions == [("Pay", "button#go", []), ("Nothing", "button#dead", ["dead_click"]),
                       ("iframe", "iframe#vault", [])], actions
    pay = next(e["data"]["payload"]["action"] for e in rec.events
               if e["type"] == 6 and e["data"]["plugin"] == "replay/rum@1"
               and e["data"]["payload"].get("type") == "action")
    centre = rec.eval_results[-1]
    assert abs(pay["position"]["x"] - centre[0]) <= 2 and abs(pay["position"]["y"] - centre[1]) <= 2, \
        (pay, centre)
    # (the vault's text - "3-D Secure", which the payment frame's own inner frame shows - is
    # in no action's payload)
    assert "3-D Secure" not in json.dumps([e for e in rec.events if e["type"] == 6
                                           and e["data"]["plugin"] == "replay/rum@1"])
