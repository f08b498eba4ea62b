"""A seek that keeps the page (player.patch) must leave exactly the DOM, input state, scroll
and focus that loading the target's whole frame gives — judged in real QtWebEngine, by the
runtime's own account of the page, over many pairs of moments in both directions."""
from __future__ import annotations

import random

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
import pytest

from player.patch import diff_view
from player.qt.replay_widget import ReplayWidget
from player.qt.standalone import dispose
from player.replayer import Replayer
from replay_tools.generator import generate_session

# the page as the runtime reports it: every node with its attributes and text (our own
# marker attributes left out), live input state, scroll offsets, focus and the order of
# the player's own style elements
PAGE = """(function(){var R=window.__replay,out={tree:R.describe(),inputs:{},scroll:{}};
R.ids().forEach(function(i){var v=R.valueOf(i);if(v)out.inputs[i]=v;});
var st=R.state();out.focus=st.focus;out.active=st.active;var se=document.scrollingElement;
out.window=[scrollX,scrollY,se.scrollWidth-innerWidth,se.scrollHeight-innerHeight];
var head=document.head;out.playerCssLast=!!head&&head.lastElementChild&&
head.lastElementChild.getAttribute('data-replay')==='player';
document.querySelectorAll('*').forEach(function(e){if(e!==se&&(e.scrollTop||e.scrollLeft))
out.scroll[e.__rid]=[e.scrollLeft,e.scrollTop];});return out;})()"""


def page_after(w: ReplayWidget, t: int, *, from_ms: int | None) -> dict:
    """The page at t, reached by a seek from `from_ms` (a patch when it pays), or loaded
    whole when `from_ms` is None."""
    c = w.controller
    if from_ms is None:
        c.seek(t, force_frame=True)
    else:
        w.seek_and_wait(from_ms)
        c.seek(t)
    w.bridge.wait_painted()
    page = w.bridge.call_sync(PAGE)
    page["tree"] = _recorded(page["tree"])
    return page


def _recorded(d: list) -> list:
    """describe()'s tree ([id, tag, attributes, children] or [id, "#text", None, text])
    without the player's own elements (they carry no recorded id; where the player's CSS
    sits is checked apart). A style's CSS is its text child, kept."""
    if d[1].startswith("#"):
        return d
    return d[:3] + [[_recorded(k) for k in d[3] if k[0] is not None or k[1].startswith("#")]]


def check_pairs(w: ReplayWidget, pairs: list[tuple[int, int]]) -> int:
    """Every pair (a, b): the page after a patch from a to b equals b loaded whole.
    Returns how many of the seeks were patches."""
    c = w.controller
    patched = 0
    for a, b in pairs:
        before = c.patches_sent
        got = page_after(w, b, from_ms=a)
        patched += c.patches_sent - before
        want = page_after(w, b, from_ms=None)
        # the window's scroll is left out: a page's height may still grow after the offsets
        # are applied (images loading, the view taking the frame's viewport), whole or
        # patched alike, so neither is a reference for the other
        got.pop("window"), want.pop("window")
        assert got == want, f"a seek from {a} ms to {b} ms patched a different page"
        assert want["playerCssLast"], "the player's CSS must come after the page's"
    return patched


@pytest.fixture(scope="module")
def generated_events():
    return list(generate_session(3000, duration_ms=8 * 60 * 1000, seed=11))


def _pairs(duration: float, k: int, seed: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    out = []
    for _ in range(k):
        a = int(rng.uniform(0, duration))
        b = int(rng.uniform(0, duration)) if rng.random() < 0.5 \
            else int(min(duration, max(0, a + rng.uniform(-60_000, 60_000))))
        out.append((a, b))
    return out


@pytest.mark.parametrize("which", ["demo", "generated"])
def test_a_patched_seek_shows_what_loading_the_frame_shows(qapp, demo_events, generated_events,
                                                           which):
    events = demo_events if which == "demo" else generated_events
    w = ReplayWidget(events)
    w.resize(1200, 800)
    w.show()
    w.wait_ready()
    try:
        d = int(w.replayer.duration_ms)
        patched = check_pairs(w, _pairs(d, 14, seed=3) + [(d, 0), (0, d), (d // 2, d // 2 + 1)])
        assert patched >= 5, "the seeks never took the patch path"
    finally:
        dispose(w)


def test_the_patch_rebuilds_only_what_changed(demo_events):
    r = Replayer(demo_events)
    a, b = r.state_at(30_000), r.state_at(50_000)
    p = diff_view(a, b, 50_000)
    assert p is not None
    # the demo's clock text ticks between the two moments: a text op, nothing rebuilt
    kinds = {op["k"] for op in p["ops"]}
    assert "text" in kinds
    assert p["rebuilt"] < len(b.nodes) * 0.1
    assert diff_view(b, b, 50_000)["ops"] == []


def _li(i: int, text: str) -> dict:
    return {"type": 2, "id": i, "tagName": "li", "attributes": {}, "childNodes": [
        {"type": 3, "id": i + 100, "textContent": text}]}


def test_rows_a_script_recreated_are_kept_under_their_new_ids(qapp):
    """A list re-rendered by the page's script: same structure, new ids. The patch keeps
    the shown rows (their ids changed, text edited), and the view ends as the frame."""
    snap = {"type": 0, "id": 1, "childNodes": [{"type": 2, "id": 2, "tagName": "html",
            "attributes": {}, "childNodes": [
                {"type": 2, "id": 3, "tagName": "head", "attributes": {}, "childNodes": []},
                {"type": 2, "id": 4, "tagName": "body", "attributes": {}, "childNodes": [
                    {"type": 2, "id": 5, "tagName": "ul", "attributes": {}, "childNodes": [
                        _li(10, "a"), _li(11, "b"), _li(12, "c")]}]}]}]}
    rerender = {"source": 0, "texts": [], "attributes": [],
                "removes": [{"parentId": 5, "id": i} for i in (10, 11, 12)],
                "adds": [{"parentId": 5, "nextId": None, "node": _li(i, f"new {i}")}
                         for i in (20, 21, 22, 23)]}
    events = [{"type": 4, "data": {"href": "http://x.test/", "width": 800, "height": 600},
               "timestamp": 1000},
              {"type": 2, "data": {"node": snap, "initialOffset": {"left": 0, "top": 0}},
               "timestamp": 1001},
              {"type": 3, "data": rerender, "timestamp": 31_000}]
    r = Replayer(events)
    p = diff_view(r.state_at(1), r.state_at(35_000), 35_000)
    assert p is not None
    rekey = [op for op in p["ops"] if op["k"] == "rekey"]
    assert rekey and {tuple(x) for x in rekey[0]["pairs"]} >= {(10, 20), (11, 21), (12, 22)}
    assert p["rebuilt"] == 2     # only the fourth row (and its text) is new
    w = ReplayWidget(events)
    w.resize(900, 700)
    w.show()
    w.wait_ready()
    try:
        patched = check_pairs(w, [(1, 35_000), (35_000, 1)])   # > a short jump apart
        assert patched == 2
        assert w.bridge.call_sync("window.__replay.textOf(10)") == "a"   # back at 1 ms
        w.seek_and_wait(35_000)
        assert w.bridge.call_sync("[window.__replay.textOf(22), window.__replay.has(10)]") \
            == ["new 22", False]
    finally:
        dispose(w)
