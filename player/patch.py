"""A seek that keeps the page: what changes in the view between the DOM it shows and the DOM
at another moment, as a patch instead of a whole frame.

Loading a frame replaces the page's whole document: Chromium then re-parses every stylesheet
and lays out and paints the page from nothing, and the frame must be sanitized and built node
by node first. Most seeks land on the same page a little earlier or later (or on the same
page recorded again: rrweb restarts its ids on every page load), so most nodes are the same.
`diff_view(shown, target)` walks both mirrors from the document down and, under each node
kept, keeps the children that are the same node kind in the same order - matched by id
where the ids stayed, else by position and tag (a page loaded again, rows a script
re-created: same structure, other ids) - and describes the rest with the view's ordinary
operations (player.frame):

1. "rm" for every shown node that is not kept (all of them before any "add": an id may come
   back elsewhere), then one "rekey" giving the nodes kept under another id their new one;
2. "add" for every target node that is not kept (its whole subtree, sanitized, right to left
   so each op's next sibling is already in the view);
3. "attr" / "sheet" / "text" for kept nodes whose content changed (only those are sanitized);
4. the frame's state (scroll, inputs, media, adopted sheets, fonts, canvas drawings, focus,
   selection), for the kept and rebuilt nodes alike.

A node is rebuilt rather than patched when patching it could leave state the frame would not
have: live input values, rrweb's special attributes, media and canvas state, the contents of
a select, an iframe or a shadow host (a page whose iframe documents changed is loaded whole).
When more than MAX_REBUILT of the target page would be rebuilt anyway, the patch is not worth it: `diff_view` returns None and the caller loads the
whole frame (`build_frame`). The runtime applies a patch with `__replay.patch`; the result is
the same DOM as loading the target frame (tests/player/qt/test_qt_seek_patch.py checks it).
"""
from __future__ import annotations

from bisect import bisect_left
from difflib import SequenceMatcher
from typing import Any

from recorder.format import NodeType
from recorder.media import NONE as NO_FEATURES, Features
from recorder.mirror import Mirror, Node
from recorder.page_css import sheet_css, style_text

from .assets import page_resolver
from .frame import NodeStates, _attr_scroll, adopted_css, element_shape, font_faces, serialize
from .sanitize import AssetResolver, safe_comment, sanitize_css, sanitize_text, tag_name

Raw = dict[str, Any]

MAX_REBUILT = 0.5   # above this share of the target's nodes rebuilt, load the whole frame
_SHOWN_TYPES = frozenset({NodeType.Element, NodeType.Text, NodeType.CDATA, NodeType.Comment,
                          NodeType.DocumentType, NodeType.Document})
# elements kept only when nothing in their subtree changed: their state lives in the DOM
# (selectedness, a frame's document, a shadow root's distribution)
_WHOLE = frozenset({"select", "iframe", "frame", "object", "embed", "datalist"})
_NO_CHILDREN = frozenset({"script", "noscript"})


def shown_children(m: Mirror, n: Node) -> list[int]:
    """The children `player.frame.serialize` puts in the view, in order."""
    nodes = m.nodes
    if n.type == NodeType.Element:
        local = tag_name(n.tag)
        if local in _NO_CHILDREN:
            return []
        if local in ("style", "link"):
            if _omits(m, n):
                return []
            if local == "style":
                return [c for c in n.children if c in nodes and nodes[c].type == NodeType.Text]
    elif n.type != NodeType.Document:
        return []
    return [c for c in n.children if c in nodes and nodes[c].type in _SHOWN_TYPES]


def _omits(m: Mirror, n: Node) -> bool:
    """A style/link shown by its whole CSS, children omitted (as `element_shape` says)."""
    return tag_name(n.tag) in ("style", "link") and sheet_css(n) is not None


def _same_subtree(a: Mirror, b: Mirror, nid: int) -> bool:
    """Every node beneath (and at) nid is the same in both mirrors, state included."""
    stack = [nid]
    an, bn = a.nodes, b.nodes
    while stack:
        i = stack.pop()
        x, y = an.get(i), bn.get(i)
        if x is None or y is None or x._dump() != y._dump():
            return False
        if a.canvas.get(i) != b.canvas.get(i):
            return False
        stack.extend(y.children)
    return True


def _keepable(a: Mirror, b: Mirror, o: Node, n: Node) -> bool:
    """Whether the shown node o can stay in the view as the target's n (o's parent is kept
    as n's)."""
    if o.type != n.type:
        return False
    if o.type == NodeType.Element:
        if o.tag != n.tag or o.svg != n.svg or (o.extra or None) != (n.extra or None):
            return False
        if _omits(a, o) != _omits(b, n):
            return False
        if (o.value, o.checked, o.media) != (n.value, n.checked, n.media):
            return False
        if o.attrs != n.attrs and any(k.startswith("rr_") for k in {*o.attrs, *n.attrs}
                                      if o.attrs.get(k) != n.attrs.get(k)):
            return False
        local = tag_name(n.tag)
        if local in ("input", "textarea", "option", "canvas", "video", "audio") \
                and o.attrs != n.attrs:
            return False
        if local == "canvas" and a.canvas.get(o.id) != b.canvas.get(n.id):
            return False
        if local in _WHOLE or (n.extra and n.extra.get("isShadowHost")):
            return _same_subtree(a, b, n.id)
        return True
    if o.type == NodeType.DocumentType:
        return o.attrs == n.attrs
    if o.type == NodeType.Document:
        return _same_subtree(a, b, n.id)
    return True


def _kept_in_order(old: list[int], cands: list[int]) -> set[int]:
    """The largest set of `cands` (in the target's order) that is also in order in `old`:
    a longest increasing subsequence of their old positions."""
    pos = {c: i for i, c in enumerate(old)}
    seq = [pos[c] for c in cands]
    tails: list[int] = []        # index into seq of the smallest tail per length
    prev = [-1] * len(seq)
    tail_vals: list[int] = []
    for i, v in enumerate(seq):
        k = bisect_left(tail_vals, v)
        if k == len(tail_vals):
            tail_vals.append(v)
            tails.append(i)
        else:
            tail_vals[k] = v
            tails[k] = i
        prev[i] = tails[k - 1] if k else -1
    out = set()
    i = tails[-1] if tails else -1
    while i >= 0:
        out.add(cands[i])
        i = prev[i]
    return out


def diff_view(shown: Mirror, target: Mirror, t: float, asset: AssetResolver = None,
              max_rebuilt: float = MAX_REBUILT, features: Features = NO_FEATURES) -> Raw | None:
    """The patch that turns the view showing `shown` into the frame of `target` (see the
    module's docstring), or None when loading the whole frame is the better way.
    `features`: the visitor's recorded media features, the same for both moments (the
    caller loads the whole frame when they differ: every sheet would change)."""
    a, b = shown, target
    asset = page_resolver(b, asset)   # the target page's base (player.assets)
    if a.root is None or a.root != b.root or b.root not in b.nodes or a.root not in a.nodes:
        return None
    an, bn = a.nodes, b.nodes
    if an[a.root].type != NodeType.Document or bn[b.root].type != NodeType.Document:
        return None
    # a frame's document reaches its iframe only once Chromium has committed the frame
    # (asynchronously, see the runtime's attachFrames); rebuilt by a patch, the old one
    # was seen painted in the meantime: a page whose frames changed is loaded whole
    if any(n.type == NodeType.Document and i != b.root and not _same_subtree(a, b, i)
           for i, n in bn.items()):
        return None
    rms: list[Raw] = []
    to_add: list[tuple[int, int | None, int]] = []   # (parent, next sibling, target id)
    edits: list[Raw] = []
    rekey: list[list[int]] = []    # [shown id, target id] of nodes kept under a new id
    kept: list[tuple[Node, Node]] = []   # (shown, target) pairs left in the view
    fresh: list[Node] = []         # target elements rebuilt by the adds
    rebuilt = 0
    limit = max_rebuilt * len(bn)
    stack = [(a.root, b.root)]
    while stack:
        oid, nid = stack.pop()
        o, n = an[oid], bn[nid]
        kept.append((o, n))
        if oid != nid:
            rekey.append([oid, nid])
        _edit(a, b, o, n, t, asset, edits, features)
        if n.type == NodeType.Element and tag_name(n.tag) == "style" and not _omits(b, n):
            # a <style>'s text goes whole, as the frames send it ("sheet"): a text change
            # played there replaced the element's text node, which no id names in the view
            # (a kept one, given the old id, was no longer in the page: the later text stayed)
            if style_text(a, o) != style_text(b, n):
                edits.append({"t": t, "k": "sheet", "id": n.id,
                              "css": sanitize_css(style_text(b, n), asset, features)})
            continue
        old = shown_children(a, o)
        new = shown_children(b, n)
        if old == new and all(_keepable(a, b, an[c], bn[c]) for c in new):
            stack.extend((c, c) for c in new)
            continue
        pairs = _match(a, b, old, new)
        matched_old = set(pairs.values())
        for c in old:
            if c not in matched_old:
                rms.append({"t": t, "k": "rm", "id": c})
        nxt = None
        for c in reversed(new):
            if c in pairs:
                stack.append((pairs[c], c))
            else:
                # counted before anything is sanitized: most seeks that give up do so here
                rebuilt += _shown_size(b, c)
                if rebuilt > limit:
                    return None
                to_add.append((nid, nxt, c))
            nxt = c
    adds = [{"t": t, "k": "add", "p": p, "n": nxt,
             "node": serialize(b, c, asset, fresh, features)}
            for p, nxt, c in to_add]
    # removals first (by the ids shown), then the kept nodes take their target ids, then
    # everything else speaks the target's ids
    ops = rms + ([{"t": t, "k": "rekey", "pairs": rekey}] if rekey else []) + adds + edits
    return {"t": t, "ops": ops, "rebuilt": rebuilt,
            **_state(a, b, kept, fresh, asset, features)}


def _key(n: Node) -> tuple:
    return (n.type, n.tag, n.svg)


def _match(a: Mirror, b: Mirror, old: list[int], new: list[int]) -> dict[int, int]:
    """Which shown child each target child keeps ({target id: shown id}), in order: the
    same ids where they stayed in order (the same page a little later), then, between
    those, by position and kind - a page loaded again, or rows a script re-created, have
    the same structure under other ids."""
    an, bn = a.nodes, b.nodes
    old_set = set(old)
    cands = [c for c in new if c in old_set and _keepable(a, b, an[c], bn[c])]
    out = {c: c for c in _kept_in_order(old, cands)} if cands else {}
    if len(out) == len(new):
        return out
    # the gaps between kept anchors, matched by kind
    opos = {c: i for i, c in enumerate(old)}
    o0 = n0 = 0
    for j in range(len(new) + 1):
        if j < len(new) and new[j] not in out:
            continue
        o1 = opos[out[new[j]]] if j < len(new) else len(old)
        _match_gap(a, b, old[o0:o1],
                   new[n0:j], out)
        o0, n0 = o1 + 1, j + 1
    return out


def _match_gap(a: Mirror, b: Mirror, old: list[int], new: list[int],
               out: dict[int, int]) -> None:
    if not old or not new:
        return
    an, bn = a.nodes, b.nodes
    if len(old) == 1 and len(new) == 1:
        # one node in place of another (a table cell's text set again): a match when of
        # the same kind, as the diff below would say - without making one (a busy page
        # has hundreds of these a seek; the diff's set-up was a third of the patch)
        o, n = old[0], new[0]
        if _key(an[o]) == _key(bn[n]) and _kept_as(a, b, o, n):
            out[n] = o
        return
    sm = SequenceMatcher(None, [_key(an[c]) for c in old], [_key(bn[c]) for c in new],
                         autojunk=False)
    for i, j, size in sm.get_matching_blocks():
        for k in range(size):
            o, n = old[i + k], new[j + k]
            if _kept_as(a, b, o, n):
                out[n] = o


def _kept_as(a: Mirror, b: Mirror, o: int, n: int) -> bool:
    """Whether shown node `o`, of the target's node `n`'s kind, stays in the view as `n`."""
    return (o == n or not _by_id_only(b.nodes[n])) and _keepable(a, b, a.nodes[o], b.nodes[n])


def _by_id_only(n: Node) -> bool:
    """Nodes kept only as themselves: their state lives under their id in the runtime
    (a frame's document, a shadow root's adopted sheets, a select's options)."""
    return n.type == NodeType.Document or (n.type == NodeType.Element and (
        tag_name(n.tag) in _WHOLE or bool(n.extra and n.extra.get("isShadowHost"))))


def _shown_size(m: Mirror, nid: int) -> int:
    """How many nodes `serialize(m, nid)` puts in the view (the node and its shown
    descendants), without building them."""
    k = 0
    stack = [nid]
    nodes = m.nodes
    while stack:
        n = nodes[stack.pop()]
        k += 1
        stack.extend(shown_children(m, n))
    return k


def _edit(a: Mirror, b: Mirror, o: Node, n: Node, t: float, asset: AssetResolver,
          out: list[Raw], features: Features) -> None:
    """Ops for a kept node whose own content changed (its children are diffed apart)."""
    typ = n.type
    if typ == NodeType.Element:
        if o.attrs == n.attrs and o.sheet == n.sheet:
            return
        _tag0, before, _ = element_shape(a, o, asset, features)
        _tag1, after, _ = element_shape(b, n, asset, features)
        if after.get("_cssText") != before.get("_cssText"):
            out.append({"t": t, "k": "sheet", "id": n.id, "css": after.get("_cssText") or ""})
        diff = {k: v for k, v in after.items() if before.get(k) != v and k != "_cssText"}
        for k in before:
            if k not in after and k != "_cssText":
                diff[k] = None
        if diff:
            out.append({"t": t, "k": "attr", "id": n.id, "a": diff})
    elif typ in (NodeType.Text, NodeType.CDATA, NodeType.Comment):
        if o.text == n.text:
            return
        if typ == NodeType.Comment:
            v = safe_comment(n.text)
        else:
            p = b.nodes.get(n.parent) if n.parent is not None else None
            v = sanitize_text(n.text, p.tag if p is not None else None, asset, features)
        out.append({"t": t, "k": "text", "id": n.id, "v": v})


def _state(a: Mirror, b: Mirror, kept: list[tuple[Node, Node]], fresh: list[Node],
           asset: AssetResolver, features: Features) -> Raw:
    """The frame's state for the patched view (as `build_frame`, see player.frame)."""
    st = NodeStates(b)
    for o, n in kept:
        if n.id == b.root or n.type not in (NodeType.Element, NodeType.Document):
            continue
        if n.id == b.focus:
            st.focus = n.id
        st.add_media(n)    # set again, as a frame sets it (kept only when unchanged)
        pos = n.scroll or _attr_scroll(n)
        if pos is not None:
            st.scroll[str(n.id)] = [pos[0], pos[1]]
        elif (o.scroll or _attr_scroll(o)) is not None:
            st.scroll[str(n.id)] = [0, 0]    # scrolled before, not at the target
    for n in fresh:
        st.add(n)
    out: Raw = {
        "width": b.width, "height": b.height, "href": b.href,
        "scroll": {"window": [b.window_scroll[0], b.window_scroll[1]], "nodes": st.scroll},
        "inputs": st.inputs, "media": st.media, "adopted": adopted_css(b, asset, features),
        "canvas": st.canvas,
        "focus": st.focus, "focus_visible": b.focus_visible, "selection": b.selection,
    }
    if a.fonts != b.fonts:
        out["fonts"] = font_faces(b.fonts, asset)
    return out
