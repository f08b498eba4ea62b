"""capture.js masks a value split across text nodes in the page, before anything leaves it
(runs.py's rules; the conformance table holds its snapshot to the recorder's pass): nodes a
script adds one by one - a template's `{user}@{domain}` - and the last piece of a number
whose first pieces the snapshot recorded in clear, which go again masked with that change.
In Debian's chromium; the oracle is the replay: what capture.js emitted, applied to the
recorder's mirror as a player rebuilds it, holds no value in any run of its text."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from recorder.paths import capture_script  # noqa: E402
from replay_tools.chromium import chromium_path  # noqa: E402
from replay_tools.nodes import element_ids  # noqa: E402
from tests.recorder.test_privacy_split_values import (findings_in_runs, replayed,  # noqa: E402
                                                       text_of)

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

PAGE = ('<!doctype html><html><head></head><body><p id="who">Signed in as </p>'
        '<p id="ph">call <span id="a">415-</span><span id="b">555-</span><span id="c"></span></p>'
        '<p id="other">plain text</p></body></html>')
CHANGES = """() => {
  const who = document.getElementById('who');
  who.append('jane.doe', '@', 'example.com');              // three text nodes, one batch
  document.getElementById('c').append('0100');             // completes the recorded pieces
  document.getElementById('other').append(' and ', 'more'); // no value: left as it is
}"""


def _record(chromium, changes: str, html: str = PAGE) -> list[dict]:
    page = chromium.new_page()
    try:
        page.set_content(html)
        page.add_script_tag(content=capture_script())
        return page.evaluate("""(changes) => { const out = [];
            const stop = ReplayCapture.record({emit: e => out.push(e), rules: {default: 'allow'},
                                               plugins: []});
            (0, eval)('(' + changes + ')')(); stop(); return out; }""", changes)
    finally:
        page.close()


def test_capture_masks_values_split_across_added_and_recorded_text_nodes(chromium):
    events = _record(chromium, CHANGES)
    wire = json.dumps(events)
    assert "jane.doe" not in wire and "example.com" not in wire and "0100" not in wire
    snapshot = next(e for e in events if e["type"] == 2)
    ids = element_ids(snapshot["data"]["node"])
    muts = [e for e in events if e["type"] == 3 and e["data"]["source"] == 0]
    assert len(muts) == 1
    # the two pieces the snapshot recorded in clear go again, masked, with the last one
    texts = {t["id"]: t["value"] for t in muts[0]["data"]["texts"]}
    assert sorted(texts.values()) == ["xxxx", "xxxx"]
    m = replayed(events)
    assert findings_in_runs(m) == []
    assert text_of(m, ids["who"]) == "Signed in as xxxxxxxxxxxxxxxxxxxx"
    assert text_of(m, ids["ph"]) == "call xxxxxxxxxxxx"
    assert text_of(m, ids["other"]) == "plain text and more"


def test_capture_masks_two_texts_a_removal_brings_together(chromium):
    html = '<!doctype html><html><body><p id="ph">call 415-555-<br id="br">0100</p></body></html>'
    events = _record(chromium, "() => document.getElementById('br').remove()", html)
    ids = element_ids(next(e for e in events if e["type"] == 2)["data"]["node"])
    (mut,) = [e for e in events if e["type"] == 3 and e["data"]["source"] == 0]
    assert sorted(t["value"] for t in mut["data"]["texts"]) == ["call xxxxxxxx", "xxxx"]
    m = replayed(events)
    assert findings_in_runs(m) == [] and text_of(m, ids["ph"]) == "call xxxxxxxxxxxx"


def test_the_recorders_pass_leaves_what_capture_js_masked_as_it_was(chromium):
    """The intake's pass over capture.js's events (the authoritative one) finds nothing more
    to mask and adds no change of its own."""
    from recorder.privacy import Rules, SessionMasker
    events = _record(chromium, CHANGES)
    again = SessionMasker(Rules.from_json({"default": "allow"})).mask(events)
    assert again == events


VALUES = ["jane.doe@example.com", "4111 1111 1111 1111", "+1 415 555 0100", "(415) 555-0100",
          "DE89 3704 0044 0532 0130 00", "078-05-1120"]
WRAPS = ["{}", "<span>{}</span>", "<b>{}</b>", "<a>{}</a>", "<em><i>{}</i></em>", "{}<!-- -->",
         "<br>{}", "<div>{}</div>", "<code>{}</code> ", "\n    <span>{}</span>"]


def _documents(count: int, seed: int = 7) -> list[str]:
    import random
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        paras = []
        for _ in range(3):
            value = rnd.choice(VALUES)
            cuts = sorted(rnd.sample(range(1, len(value)), rnd.randint(1, 3)))
            pieces = [value[a:b] for a, b in zip([0, *cuts], [*cuts, len(value)])]
            inner = "".join(rnd.choice(WRAPS).format(p) for p in pieces)
            paras.append(f"<div>{rnd.choice(['call ', 'to: ', ''])}{inner} ok</div>")
        out.append("<!DOCTYPE html><html><head></head><body>" + "".join(paras) + "</body></html>")
    return out


def test_capture_and_the_recorders_pass_mask_random_splits_alike(chromium):
    """Differential: values cut at random places into text nodes, inline elements, comments,
    line breaks and blocks; capture.js's snapshot in chromium and the recorder's pass over the
    same document give one recording."""
    from recorder.privacy import Rules, SessionMasker
    from recorder.privacy.preview import html_to_events, render_node
    docs = _documents(40)
    page = chromium.new_page()
    try:
        got = []
        for d in docs:
            page.set_content(d)
            page.add_script_tag(content=capture_script())
            got.append(page.evaluate("""() => { const out = [];
                const stop = ReplayCapture.record({emit: e => out.push(e),
                    rules: {default: 'allow'}, plugins: []});
                stop(); return out.find(e => e.type === 2).data.node; }"""))
    finally:
        page.close()
    masked_any = 0
    for d, node in zip(docs, got):
        ours = SessionMasker(Rules.from_json({"default": "allow"})).mask(html_to_events(d))
        expected = render_node(ours[1]["data"]["node"])
        assert render_node(node) == expected, d
        masked_any += "xxxx" in expected
    # not a comparison of two recordings that mask nothing: most documents hold a value
    # whole (a <br> or a block between its pieces makes two texts, and a space in
    # `<code>{} </code>` breaks a number)
    assert masked_any >= len(docs) * 3 // 4


@pytest.mark.parametrize("html, change, shown, before", [
    # `el.textContent = v` replaces the node: it goes as a text change (a review: sent clear)
    ('<p id="p">call <span>415-</span><span>555-</span><span id="c">?</span></p>',
     "() => { document.getElementById('c').textContent = '0100'; }", "call xxxxxxxxxxxx", False),
    # a hidden element shown again goes whole, as adds of its own (a review: sent clear)
    ('<p id="p" class="rr-block"><b>jane.doe</b>@example.com</p>',
     "() => { document.getElementById('p').className = ''; }", "x" * 20, False),
    # a text emptied between two pieces brings them together (a review: sent clear); the
    # snapshot held two pieces of text then, no value
    ('<p id="p">jane.doe@<span id="s"> </span>example.com</p>',
     "() => { document.getElementById('s').firstChild.data = ''; }", "x" * 20, True),
])
def test_capture_masks_what_a_change_completes_however_the_page_makes_it(chromium, html,
                                                                         change, shown, before):
    events = _record(chromium, change, f"<!doctype html><html><body>{html}</body></html>")
    ids = element_ids(next(e for e in events if e["type"] == 2)["data"]["node"])
    m = replayed(events)
    assert findings_in_runs(m) == [] and text_of(m, ids["p"]) == shown
    wire = json.dumps(events if not before else events[2:])   # (after the snapshot)
    assert "jane.doe" not in wire and "0100" not in wire


def test_capture_reads_the_runs_inside_a_shadow_root_in_the_snapshot(chromium):
    html = ('<!doctype html><html><body><div id="host"></div><script>'
            'document.getElementById("host").attachShadow({mode: "open"}).innerHTML ='
            ' "<p>Signed in as <b>jane.doe</b>@example.com</p>";</script></body></html>')
    events = _record(chromium, "() => {}", html)
    assert "jane.doe" not in json.dumps(events) and "example.com" not in json.dumps(events)
    assert findings_in_runs(replayed(events)) == []
