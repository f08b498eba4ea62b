"""Property tests: for random recordings, the keyframed rebuild equals a naive replay from
the start at every moment, seeks in any order agree, and the incremental operations carry
a view from one frame to the next."""
from __future__ import annotations

import random
import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from player.replayer import Replayer, naive_state_at
from recorder.mirror import Mirror

START = 1_700_000_000_000
TAGS = ["div", "span", "p", "ul", "li", "input", "textarea", "style", "section", "a", "b"]


def _initial_tree(rng: random.Random, ids: list[int]) -> dict:
    nxt = [5]

    def new_id() -> int:
        nxt[0] += 1
        return nxt[0]

    def el(tag: str, depth: int) -> dict:
        nid = new_id()
        kids = []
        if tag != "input" and depth < 3:
            for _ in range(rng.randint(0, 3)):
                if rng.random() < 0.4:
                    kids.append({"type": 3, "id": new_id(), "textContent": f"t{rng.randint(0, 99)}"})
                else:
                    kids.append(el(rng.choice(TAGS), depth + 1))
        attrs = {"class": f"c{rng.randint(0, 5)}"} if rng.random() < 0.5 else {}
        if tag == "input":
            attrs["value"] = "v0"
        return {"type": 2, "id": nid, "tagName": tag, "attributes": attrs, "childNodes": kids}

    body = el("body", 1)
    html = {"type": 2, "id": 3, "tagName": "html", "attributes": {},
            "childNodes": [{"type": 2, "id": 4, "tagName": "head", "attributes": {},
                            "childNodes": [{"type": 2, "id": 5, "tagName": "style", "attributes": {},
                                            "childNodes": []}]}, body]}
    ids.append(nxt[0])
    return {"type": 0, "id": 1, "childNodes": [
        {"type": 1, "id": 2, "name": "html", "publicId": "", "systemId": ""}, html]}


def random_recording(seed: int, n_ops: int, damaged: bool = False) -> list[dict]:
    """A recording whose mutations are computed against a mirror kept alongside, so they are
    valid (unless `damaged`: then some target missing or duplicate ids)."""
    rng = random.Random(seed)
    last = []
    snap = _initial_tree(rng, last)
    next_id = [last[0] + 1]
    t = START
    events = [{"type": 4, "data": {"href": "https://x.example/", "width": 800, "height": 600},
               "timestamp": t},
              {"type": 2, "data": {"node": snap, "initialOffset": {"left": 0, "top": 0}},
               "timestamp": t + 1}]
    m = Mirror()
    m.apply_all(events)
    t += 1
    for _ in range(n_ops):
        t += rng.choice([0, 0, 1, 3, 10])
        elems = [n for n in m.nodes.values() if n.type == 2 and n.tag not in ("html", "head")
                 and n.id != 5]   # the head's <style> takes the CSSOM rule edits
        texts = [n for n in m.nodes.values() if n.type == 3]
        kind = rng.randrange(9)
        data: dict
        if kind <= 2 and elems:    # add a subtree (flat adds, rrweb style) before a sibling or at the end
            parent = rng.choice([e for e in elems if e.tag != "input"] or elems)
            nxt = rng.choice(parent.children + [None]) if parent.children else None
            a = next_id[0]
            next_id[0] += 3
            adds = [{"parentId": parent.id, "nextId": nxt,
                     "node": {"type": 2, "id": a, "tagName": rng.choice(TAGS),
                              "attributes": {"title": f"n{a}"}, "childNodes": []}},
                    {"parentId": a, "nextId": None,
                     "node": {"type": 3, "id": a + 1, "textContent": f"new{a}"}}]
            if rng.random() < 0.3:
                adds.reverse()   # children first: rrweb does this too
            if damaged and rng.random() < 0.3:
                adds[0]["parentId"] = 999_999   # missing parent
            data = {"source": 0, "adds": adds, "removes": [], "texts": [], "attributes": []}
        elif kind == 3 and len(elems) > 3:
            victim = rng.choice(elems)
            if victim.tag == "body":
                continue
            rid = victim.id if not (damaged and rng.random() < 0.3) else 888_888
            data = {"source": 0, "adds": [], "texts": [], "attributes": [],
                    "removes": [{"parentId": victim.parent, "id": rid}]}
        elif kind == 4 and texts:
            data = {"source": 0, "adds": [], "removes": [], "attributes": [],
                    "texts": [{"id": rng.choice(texts).id, "value": f"x{rng.randint(0, 999)}"}]}
        elif kind == 5 and elems:
            val = rng.choice([f"k{rng.randint(0, 9)}", None, {"color": "red"}])
            name = "style" if isinstance(val, dict) else rng.choice(["class", "title", "data-x"])
            data = {"source": 0, "adds": [], "removes": [], "texts": [],
                    "attributes": [{"id": rng.choice(elems).id, "attributes": {name: val}}]}
        elif kind == 6:
            inputs = [e for e in elems if e.tag in ("input", "textarea")]
            if not inputs:
                continue
            data = {"source": 5, "id": rng.choice(inputs).id, "text": f"typed{rng.randint(0, 99)}",
                    "isChecked": rng.random() < 0.5}
        elif kind == 7 and elems:
            data = {"source": 3, "id": rng.choice(elems).id, "x": rng.randint(0, 50),
                    "y": rng.randint(0, 500)}
        elif kind == 8:
            data = {"source": 8, "id": 5, "adds": [{"rule": f".r{rng.randint(0, 9)} {{ color: red }}",
                                                   "index": 0}]}
        else:
            data = {"source": 1, "positions": [{"x": rng.randint(0, 800), "y": rng.randint(0, 600),
                                                "id": 3, "timeOffset": -5}]}
        e = {"type": 3, "data": data, "timestamp": t}
        m.apply(e)
        events.append(e)
    return events


def state(m: Mirror) -> tuple:
    extra = {n.id: (n.value, n.checked, n.scroll, n.media, n.sheet) for n in m.nodes.values()}
    return (m.to_serialized(), extra, m.window_scroll, m.width, m.height, m.href)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**9), n_ops=st.integers(0, 120), interval=st.integers(1, 7))
def test_keyframed_state_equals_naive_replay_at_every_time(seed, n_ops, interval):
    events = random_recording(seed, n_ops)
    r = Replayer(events, keyframe_interval=interval)
    assert not r.warnings
    times = sorted({e["timestamp"] - START for e in events})
    for t in times + [times[-1] + 5]:
        assert state(r.state_at(t)) == state(naive_state_at(events, t)), t


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**9), n_ops=st.integers(1, 80), order=st.randoms(use_true_random=False))
def test_random_order_seeks_give_the_same_dom(seed, n_ops, order):
    events = random_recording(seed, n_ops)
    r = Replayer(events, keyframe_interval=3)
    times = [e["timestamp"] - START for e in events]
    first = {t: state(r.state_at(t)) for t in times}
    shuffled = times * 2
    order.shuffle(shuffled)
    for t in shuffled:
        assert state(r.state_at(t)) == first[t]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**9), n_ops=st.integers(1, 80))
def test_damaged_recordings_are_counted_never_raised(seed, n_ops):
    events = random_recording(seed, n_ops, damaged=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # "recording is damaged: ..." is the point here
        r = Replayer(events, keyframe_interval=4)
    end = events[-1]["timestamp"] - START
    naive = naive_state_at(events, end)
    assert state(r.state_at(end)) == state(naive)
    assert r.warnings == naive.warnings   # every skipped operation is counted
    r.document_at(end)   # still renders


# --- ops carry a view from frame to frame ------------------------------------------------
class View:
    """A minimal model of the web view runtime: applies ops by node id as documented in
    player/frame.py."""

    def __init__(self, frame: dict):
        self.load(frame)

    def load(self, frame: dict) -> None:
        self.nodes: dict[int, dict] = {}
        self.scroll: dict[int, list] = {}
        self.inputs: dict[int, dict] = {}
        self.root = self._adopt(frame["tree"], None) if frame["tree"] is not None else None
        self.inputs = {int(k): dict(v) for k, v in frame["inputs"].items()}
        self.scroll = {int(k): list(v) for k, v in frame["scroll"]["nodes"].items()}
        self.window = list(frame["scroll"]["window"])
        self.size = (frame["width"], frame["height"])

    def _adopt(self, node: dict, parent: int | None) -> dict:
        node = dict(node)
        kids = node.get("childNodes")
        node["parent"] = parent
        old = self.nodes.get(node["id"])
        if old is not None:
            self._remove(node["id"])
        self.nodes[node["id"]] = node
        if kids is not None:
            node["childNodes"] = [self._adopt(c, node["id"]) for c in kids]
        return node

    def _remove(self, nid: int) -> None:
        n = self.nodes.get(nid)
        if n is None:
            return
        p = self.nodes.get(n["parent"]) if n["parent"] is not None else None
        if p is not None:
            p["childNodes"] = [c for c in p["childNodes"] if c["id"] != nid]
        stack = [n]
        while stack:
            x = stack.pop()
            self.nodes.pop(x["id"], None)
            self.scroll.pop(x["id"], None)
            self.inputs.pop(x["id"], None)
            stack.extend(x.get("childNodes") or ())

    def apply(self, op: dict) -> None:
        k = op["k"]
        target = op.get("p", op.get("id"))
        if k not in ("full", "viewport", "mouse", "click") and target is not None \
                and target not in self.nodes:
            return   # the runtime ignores ids it does not have (e.g. inside a <style>)
        if k == "full":
            self.load(op["frame"])
        elif k == "add":
            p = self.nodes[op["p"]]
            node = self._adopt(op["node"], op["p"])
            kids = p["childNodes"]
            if op["n"] is None:
                kids.append(node)
            else:
                idx = [c["id"] for c in kids].index(op["n"])   # the next sibling must exist
                kids.insert(idx, node)
        elif k == "rm":
            self._remove(op["id"])
        elif k == "text":
            if op["id"] in self.nodes:
                self.nodes[op["id"]]["textContent"] = op["v"]
        elif k == "attr":
            n = self.nodes[op["id"]]
            for a, v in op["a"].items():
                if v is None:
                    n["attributes"].pop(a, None)
                else:
                    n["attributes"][a] = v
        elif k == "sheet":
            n = self.nodes[op["id"]]
            for c in n["childNodes"]:
                self.nodes.pop(c["id"], None)
            n["childNodes"] = []
            n["attributes"]["_cssText"] = op["css"]
        elif k == "input":
            st = self.inputs.setdefault(op["id"], {})
            if "v" in op:
                st["v"] = op["v"]
            if "c" in op:
                st["c"] = op["c"]
        elif k == "scroll":
            if op["id"] is None:
                self.window = [op["x"], op["y"]]
            else:
                self.scroll[op["id"]] = [op["x"], op["y"]]
        elif k == "viewport":
            self.size = (op["w"], op["h"])

    def tree(self) -> dict | None:
        return _norm(self.root) if self.root is not None else None


def _norm(n: dict) -> dict:
    out = {k: v for k, v in n.items() if k not in ("parent", "childNodes")}
    if n.get("tagName") == "style":   # a style's CSS, whichever way it arrived
        css = n.get("attributes", {}).get("_cssText")
        if css is None:
            css = "".join(c.get("textContent", "") for c in n.get("childNodes") or ())
        out["attributes"] = {k: v for k, v in n["attributes"].items() if k != "_cssText"}
        out["css"] = css
        return out
    if "childNodes" in n:
        out["childNodes"] = [_norm(c) for c in n["childNodes"]]
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**9), n_ops=st.integers(1, 100), cuts=st.lists(st.integers(0, 400), max_size=5))
def test_ops_carry_the_view_from_frame_to_frame(seed, n_ops, cuts):
    events = random_recording(seed, n_ops)
    r = Replayer(events, keyframe_interval=5)
    end = events[-1]["timestamp"] - START
    points = sorted({0.0, end, *[c % (end + 1) for c in cuts]})
    view = View(r.frame_at(points[0]))
    for a, b in zip(points, points[1:]):
        ops = r.ops_between(a, b)
        assert all(a < o["t"] <= b for o in ops if o["k"] != "mouse")
        assert [o["t"] for o in ops] == sorted(o["t"] for o in ops)
        for op in ops:
            view.apply(op)
        want = r.frame_at(b)
        assert view.tree() == (_norm(want["tree"]) if want["tree"] else None), (a, b)
        assert view.window == want["scroll"]["window"]
        assert {k: v for k, v in view.scroll.items()} == {int(k): v for k, v in want["scroll"]["nodes"].items()}
        for k, st_ in want["inputs"].items():
            assert view.inputs.get(int(k), {}).get("v") == st_.get("v", view.inputs.get(int(k), {}).get("v"))
