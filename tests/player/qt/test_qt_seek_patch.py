"""A seek that keeps the page (player.patch) must leave exactly the DOM, input state,
scroll, focus, canvas drawings and media state that loading the target's whole frame
gives — judged in real QtWebEngine, by the runtime's own account of the page, over many
pairs of moments in both directions."""
from __future__ import annotations

import base64
import io
import random
import wave

import player.qt.webview  # noqa: F401  (registers our URL schemes before the QApplication)
import pytest

from player.patch import diff_view
from player.qt.playback import SHORT_JUMP_MS
from player.qt.replay_widget import ReplayWidget
from player.qt.standalone import dispose
from player.replayer import Replayer
from recorder.format import EventType, IncrementalSource, MediaInteractions, MouseInteractions
from replay_tools.generator import generate_session

# the page as the runtime reports it: every node with its attributes and text (our own
# marker attributes left out; a canvas's drawing is its inline background), live input
# state, scroll offsets, focus, the order of the player's own style elements, and each
# media element's state (currentTime, the recorded play state, muted, volume, rate)
PAGE = """(function(){var R=window.__replay,out={tree:R.describe(),inputs:{},scroll:{}};
R.ids().forEach(function(i){var v=R.valueOf(i);if(v)out.inputs[i]=v;});
var st=R.state();out.focus=st.focus;out.active=st.active;var se=document.scrollingElement;
out.window=[scrollX,scrollY,se.scrollWidth-innerWidth,se.scrollHeight-innerHeight];
var head=document.head;out.playerCssLast=!!head&&head.lastElementChild&&
head.lastElementChild.getAttribute('data-replay')==='player';
document.querySelectorAll('*').forEach(function(e){if(e!==se&&(e.scrollTop||e.scrollLeft))
out.scroll[e.__rid]=[e.scrollLeft,e.scrollTop];});out.media={};
document.querySelectorAll('audio,video').forEach(function(e){out.media[e.__rid]=
[Math.round(e.currentTime*1000)/1000,e.getAttribute('data-replay-paused'),e.muted,e.volume,
e.playbackRate];});return out;})()"""


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


def _page_then(body: list[dict], change: dict) -> list[dict]:
    """A page whose <body> (id 4) holds `body`, then `change` (a mutation) 30 s later."""
    snap = {"type": 0, "id": 1, "childNodes": [{"type": 2, "id": 2, "tagName": "html",
            "attributes": {}, "childNodes": [
                {"type": 2, "id": 3, "tagName": "head", "attributes": {}, "childNodes": []},
                {"type": 2, "id": 4, "tagName": "body", "attributes": {}, "childNodes": body}]}]}
    return [{"type": 4, "data": {"href": "http://x.test/", "width": 800, "height": 600},
             "timestamp": 1000},
            {"type": 2, "data": {"node": snap, "initialOffset": {"left": 0, "top": 0}},
             "timestamp": 1001},
            {"type": 3, "data": {"source": 0, "texts": [], "attributes": [], **change},
             "timestamp": 31_000}]


def test_rows_a_script_recreated_are_kept_under_their_new_ids(qapp):
    """A list re-rendered by the page's script: same structure, new ids. The patch keeps
    the shown rows (their ids changed, text edited), and the view ends as the frame."""
    ul = {"type": 2, "id": 5, "tagName": "ul", "attributes": {}, "childNodes": [
        _li(10, "a"), _li(11, "b"), _li(12, "c")]}
    events = _page_then([ul], {
        "removes": [{"parentId": 5, "id": i} for i in (10, 11, 12)],
        "adds": [{"parentId": 5, "nextId": None, "node": _li(i, f"new {i}")}
                 for i in (20, 21, 22, 23)]})
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


# --- per-node state: media, canvas, inputs, focus, scroll ---------------------------------
T0 = 1_700_000_000_000
AUDIO, VIDEO, ADDED, CANVAS, FIELD, BOX, TICK = 30, 31, 32, 40, 50, 60, 21
WAV_SECONDS = 3


def _wav_data_url() -> str:
    """A silent WAV (8 kHz, 8-bit mono): a source the sandboxed view can play, as data:."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(b"\x80" * 8000 * WAV_SECONDS)
    return "data:audio/wav;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _el(i: int, tag: str, attrs: dict | None = None, kids: list | None = None) -> dict:
    return {"type": 2, "id": i, "tagName": tag, "attributes": attrs or {}, "childNodes": kids or []}


def _inc(t: int, source: IncrementalSource, **data) -> dict:
    return {"type": int(EventType.IncrementalSnapshot), "timestamp": T0 + t,
            "data": {"source": int(source), **data}}


def _media(t: int, nid: int, kind: MediaInteractions, **state) -> dict:
    return _inc(t, IncrementalSource.MediaInteraction, id=nid, type=int(kind), **state)


def state_recording() -> list[dict]:
    """A page with an <audio> and a <video> (their state from the snapshot's rr_media*
    attributes, then media interaction events), a canvas drawn on, a text field typed into
    and focused, a scrolled box, a third media element added by a mutation, and a clock text
    ticking every 5 s (so seeks between two media events patch the page without touching
    the media elements)."""
    src = _wav_data_url()
    body = _el(4, "body", {}, [
        _el(20, "p", {}, [{"type": 3, "id": TICK, "textContent": "tick 0"}]),
        _el(AUDIO, "audio", {"src": src, "controls": "", "rr_mediaState": "paused",
                             "rr_mediaCurrentTime": 0.25, "rr_mediaPlaybackRate": 1,
                             "rr_mediaMuted": False, "rr_mediaLoop": False,
                             "rr_mediaVolume": 0.9}),
        _el(VIDEO, "video", {"src": src, "width": "40", "height": "30",
                             "rr_mediaState": "played", "rr_mediaCurrentTime": 0.5,
                             "rr_mediaPlaybackRate": 1.5, "rr_mediaMuted": True,
                             "rr_mediaLoop": True, "rr_mediaVolume": 0.5}),
        _el(CANVAS, "canvas", {"width": "20", "height": "20"}),
        _el(FIELD, "input", {"type": "text", "value": ""}),
        _el(BOX, "div", {"style": "height: 40px; overflow: auto"},
            [_el(61, "div", {"style": "height: 400px"})]),
    ])
    snap = {"type": 0, "id": 1, "childNodes": [_el(2, "html", {}, [_el(3, "head"), body])]}
    events = [{"type": int(EventType.Meta), "timestamp": T0,
               "data": {"href": "http://x.test/", "width": 800, "height": 600}},
              {"type": int(EventType.FullSnapshot), "timestamp": T0 + 1,
               "data": {"node": snap, "initialOffset": {"left": 0, "top": 0}}}]
    events += [_inc(k * 5000, IncrementalSource.Mutation, adds=[], removes=[], attributes=[],
                    texts=[{"id": TICK, "value": f"tick {k}"}]) for k in range(1, 13)]
    events += [
        _media(12_000, AUDIO, MediaInteractions.Play, currentTime=0.5),
        _inc(17_000, IncrementalSource.CanvasMutation, id=CANVAS, type=0, commands=[
            {"property": "fillStyle", "args": ["#f00"], "setter": True},
            {"property": "fillRect", "args": [0, 0, 10, 10]}]),
        _inc(19_000, IncrementalSource.MouseInteraction, type=int(MouseInteractions.Focus),
             id=FIELD),
        _inc(21_000, IncrementalSource.Input, id=FIELD, text="hello", isChecked=False),
        _media(24_000, AUDIO, MediaInteractions.Pause, currentTime=1.25),
        _inc(27_000, IncrementalSource.Scroll, id=BOX, x=0, y=40),
        _media(30_000, VIDEO, MediaInteractions.Seeked, currentTime=2.0),
        _inc(33_000, IncrementalSource.Mutation, texts=[], attributes=[], removes=[], adds=[
            {"parentId": 4, "nextId": CANVAS, "node": _el(ADDED, "audio", {
                "src": src, "rr_mediaState": "paused", "rr_mediaCurrentTime": 1.0,
                "rr_mediaPlaybackRate": 0.5, "rr_mediaMuted": False, "rr_mediaVolume": 0.7})}]),
        _media(36_000, AUDIO, MediaInteractions.VolumeChange, volume=0.3, muted=True),
        _inc(41_000, IncrementalSource.CanvasMutation, id=CANVAS, type=0, commands=[
            {"property": "fillRect", "args": [10, 10, 10, 10]}]),
        _media(48_000, AUDIO, MediaInteractions.RateChange, playbackRate=2),
    ]
    return sorted(events, key=lambda e: e["timestamp"])


def recorded_media(t: int) -> dict:
    """The recording's media state at t, written out by hand: [currentTime, play state
    ("true" paused, "false" playing), muted, volume, playbackRate] by id."""
    audio = [0.25, "true", False, 0.9, 1]
    if t >= 12_000:
        audio[:2] = [0.5, "false"]
    if t >= 24_000:
        audio[:2] = [1.25, "true"]
    if t >= 36_000:
        audio[2:4] = [True, 0.3]
    if t >= 48_000:
        audio[4] = 2
    video = [2.0 if t >= 30_000 else 0.5, "false", True, 0.5, 1.5]
    added = {str(ADDED): [1.0, "true", False, 0.7, 0.5]} if t >= 33_000 else {}
    return {str(AUDIO): audio, str(VIDEO): video, **added}


def test_per_node_state_after_a_patch_is_the_whole_loads_and_the_recordings(qapp):
    """Media state (from rrweb's snapshot attributes and its media interaction events),
    canvas drawings, input values, focus and element scroll: a seek shows them as loading
    the moment whole does - by a patch that rebuilds the element or leaves it, or by the
    operations of a short jump forward - and that is the recorded state, not the
    elements' defaults."""
    events = state_recording()
    moments = [3000, 8000, 13_000, 18_000, 23_000, 26_000, 31_000, 38_000, 44_000, 52_000]
    steps = list(zip(moments, moments[1:]))
    # forward by less than SHORT_JUMP_MS: operations; back, or further: a patch
    pairs = steps + [(b, a) for a, b in steps] + [(3000, 52_000), (52_000, 3000), (8000, 38_000)]
    patches = [(a, b) for a, b in pairs if not a < b <= a + SHORT_JUMP_MS]
    r = Replayer(events)
    media_rebuilt = set()
    for a, b in patches:
        p = diff_view(r.state_at(a), r.state_at(b), b)
        assert p is not None, f"{a} -> {b} is not a patch"
        media_rebuilt.add(any(op["k"] == "add" and op["node"]["id"] in (AUDIO, VIDEO)
                              for op in p["ops"]))
    assert media_rebuilt == {True, False}, "patches must rebuild media elements and leave them"
    w = ReplayWidget(events)
    w.resize(900, 700)
    w.show()
    w.wait_ready()
    try:
        assert check_pairs(w, pairs) >= len(patches)
        for t in moments:
            page = page_after(w, t, from_ms=None)
            assert page["media"] == recorded_media(t), f"the media state at {t} ms"
            # the other state is there too (so the comparisons above compare something)
            drawn = "background-image" in (w.bridge.call_sync(
                f"window.__replay.attrsOf({CANVAS}).style || ''"))
            assert drawn == (t >= 17_000), f"the canvas at {t} ms"
            assert page["inputs"].get(str(FIELD)) == {"v": "hello" if t >= 21_000 else "",
                                                      "c": False}
            assert page["focus"] == (FIELD if t >= 19_000 else None)
            # (the view is zoomed to fit: offsets land within a pixel)
            scrolled = page["scroll"].get(str(BOX))
            assert scrolled == (pytest.approx([0, 40], abs=1) if t >= 27_000 else None)
    finally:
        dispose(w)


def test_a_child_replaced_by_one_of_another_kind_is_rebuilt_and_one_of_its_kind_kept():
    """One child in place of another (a cell's content set again): a text for a text is
    kept under its new id, an element for a text is rebuilt."""
    events = _page_then([_li(10, "a"), _li(11, "b")], {
        "removes": [{"parentId": 10, "id": 110}, {"parentId": 11, "id": 111}],
        "adds": [{"parentId": 10, "nextId": None,
                  "node": {"type": 3, "id": 210, "textContent": "a2"}},
                 {"parentId": 11, "nextId": None,
                  "node": {"type": 2, "id": 211, "tagName": "b", "attributes": {},
                           "childNodes": []}}]})
    r = Replayer(events)
    p = diff_view(r.state_at(1), r.state_at(35_000), 35_000)
    assert p is not None
    ops = p["ops"]
    assert {tuple(x) for op in ops if op["k"] == "rekey" for x in op["pairs"]} == {(110, 210)}
    assert {"t": 35_000, "k": "text", "id": 210, "v": "a2"} in ops
    assert [op["id"] for op in ops if op["k"] == "rm"] == [111]
    assert [op["node"]["id"] for op in ops if op["k"] == "add"] == [211]
    assert p["rebuilt"] == 1
