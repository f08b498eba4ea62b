"""capture.js on a site (Debian's chromium, no recording browser's shadow keeper): a value in a
field the recording holds nothing of is still learnt, never sent, and masked where the page
echoes it. capture.js heard input only on the documents it records, through their open shadow
roots: a field in a closed shadow root (its events reach the document retargeted to the host),
in a frame hidden whole (never attached, never listened to), in a frame whose document a script
rewrote (document.open() drops its listeners), or filled before capture.js started, was never
learnt - and the page's "Gift card ... applied" was recorded as the page showed it. And a page
that froze Element.prototype made capture.js throw at its start: nothing was recorded."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from replay_tools.chromium import capturing_page, chromium_path  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

PAGE = """<!doctype html><html><body>
<div id="host"></div>
<iframe id="hidden-frame" class="rr-block" srcdoc="<input id=f>"></iframe>
<iframe id="written" srcdoc="<p>notes</p>"></iframe>
<input id="before" class="rr-block">
<p id="out">-</p>
<script>
  // filled before the recording starts (autofill, a person quicker than the script)
  document.getElementById('before').value = 'BEFORE-7781-XQ';
  function closedField() {   // a widget's closed shadow root, made after capture.js started
    var root = document.getElementById('host').attachShadow({mode: 'closed'});
    root.innerHTML = '<input id="g">';
    window.typeInto = function (el, v) {
      el.value = v; el.dispatchEvent(new Event('input', {bubbles: true, composed: true}));
    };
    window.closedInput = root.getElementById('g');
  }
  function rewrite() {   // the frame's document written again by script
    var d = document.getElementById('written').contentDocument;
    d.open(); d.write('<input id="n">'); d.close();
  }
</script>
</body></html>"""
VALUES = {"closed": "CLOSED-4410-QZ", "hidden-frame": "FRAME-2291-KW",
          "written": "WRITTEN-5530-PL", "before": "BEFORE-7781-XQ"}


def _echo(page, value: str) -> None:
    """The page repeats `value` in its own text; capture.js has recorded that change."""
    n = page.evaluate("() => window.__out.length")
    page.evaluate("v => { document.getElementById('out').textContent = 'Gift card ' + v + ' applied'; }",
                  value)
    page.wait_for_function("n => window.__out.length > n", arg=n, timeout=5000)


def _frame_input(page, frame_id: str, field_id: str, value: str) -> None:
    page.evaluate("""([f, i, v]) => {
        const el = document.getElementById(f).contentDocument.getElementById(i);
        el.value = v; el.dispatchEvent(new Event('input', {bubbles: true}));
    }""", [frame_id, field_id, value])


def test_values_in_fields_the_recording_does_not_hold_are_masked_where_echoed(chromium):
    ctx = chromium.new_context()
    try:
        page = capturing_page(ctx, PAGE)
        page.wait_for_function("() => document.getElementById('hidden-frame').contentDocument"
                               ".getElementById('f') !== null")
        page.evaluate("() => { closedField(); typeInto(closedInput, %s); }"
                      % json.dumps(VALUES["closed"]))
        _frame_input(page, "hidden-frame", "f", VALUES["hidden-frame"])
        page.evaluate("rewrite()")
        page.wait_for_function("() => document.getElementById('written').contentDocument"
                               ".getElementById('n') !== null")
        page.wait_for_timeout(100)   # (the frame's load, which re-listens, after its close())
        _frame_input(page, "written", "n", VALUES["written"])
        for v in VALUES.values():
            _echo(page, v)
        out = json.dumps(page.evaluate("() => window.__out"))
    finally:
        ctx.close()
    for where, v in VALUES.items():
        assert v not in out, where
    assert out.count("Gift card *** applied") == len(VALUES), out.count("Gift card")


def test_a_page_that_froze_element_prototype_is_still_recorded(chromium):
    ctx = chromium.new_context()
    try:
        page = capturing_page(ctx, "<!doctype html><p id=p>before</p>"
                                   "<script>Object.freeze(Element.prototype)</script>")
        page.evaluate("() => { document.getElementById('p').textContent = 'after'; }")
        page.wait_for_function("() => window.__out.some(e => e.type === 3 && e.data.source === 0)",
                               timeout=5000)
        kinds = page.evaluate("() => window.__out.map(e => e.type)")
    finally:
        ctx.close()
    assert 2 in kinds   # its full snapshot, then the change


@pytest.mark.parametrize("before", [0, 600])
def test_a_closed_root_attached_before_capture_js_loaded_is_kept_by_the_snippet(chromium, before):
    """The install snippet loads capture.js async: a widget's closed shadow root attached by
    the page's own scripts first was never seen (a closed root shows nothing of itself to a
    later script), and a name typed into it reached disk where the page echoed it. The
    snippet's first lines keep such roots (the shadow keeper) until capture.js takes them -
    the newest, when a page made more than it keeps (`before` others first: it kept the
    oldest, and the widget still on the page was the one let go: a reviewer's find)."""
    from recorder.paths import early_keeper_script

    value = "EARLYCLOSED-3371-VN"
    page_html = ("<!doctype html><html><head><script>" + early_keeper_script() + "</script>"
                 "</head><body><div id=host></div><p id=out>-</p><script>"
                 f"for (var i = 0; i < {before}; i++) document.createElement('div')"
                 ".attachShadow({mode: 'closed'});"
                 "window.closedInput = (function () {"
                 " var root = document.getElementById('host').attachShadow({mode: 'closed'});"
                 " root.innerHTML = '<input id=g>'; return root.getElementById('g'); })();"
                 "</script></body></html>")
    ctx = chromium.new_context()
    try:
        page = capturing_page(ctx, page_html)
        page.evaluate("v => { closedInput.value = v; closedInput.dispatchEvent("
                      "new Event('input', {bubbles: true, composed: true})); }", value)
        _echo(page, value)
        page.evaluate("v => console.log('signed in as', v)", value)
        page.wait_for_function("() => window.__out.some(e => e.type === 6)", timeout=5000)
        out = json.dumps(page.evaluate("() => window.__out"))
    finally:
        ctx.close()
    assert value not in out
    assert "Gift card *** applied" in out


def test_the_readmes_snippet_holds_the_snippets_first_lines_as_the_intake_writes_them():
    """The README shows the install snippet with its first lines (the console keeper, the
    shadow keeper, minified): a copy kept by hand drifts from what `GET /` writes."""
    import textwrap
    from pathlib import Path

    from recorder.paths import early_keeper

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert textwrap.indent(early_keeper(), "    ") in readme
