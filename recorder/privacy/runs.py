"""A value split across text nodes: `{user}@{domain}` rendered by a template as three text
nodes, a phone number written as three `<span>`s, React's `<!-- -->` between two texts of a
server-rendered page. No string alone holds a value a detector finds; the page shows them as
one. So the detectors also read each *run*: the text a person reads in one go.

A run is made of the text nodes of one container, in document order:
1. through the phrasing elements of INLINE_TAGS (`<span>`, `<b>`, `<a>`...), their text
   nodes included as if they were the container's own;
2. comments (and CDATA) left out - they show nothing;
3. ended by any other element: a block, a `<br>`, an image, a field - what stands between
   two texts there is a line, a box or a control, not nothing;
4. a container is any element not in INLINE_TAGS (its own text is a run of its own);
5. read as a browser shows it: each run of HTML's white space one space (a template's line
   break and indentation between two `<span>`s of a number; `detectors.find` reads any text
   so).

Only a match that *crosses* a boundary between two text nodes is this module's: a match
inside one node is every string's detector pass's. What a crossing match covers is masked in
each node it covers, character for character (`x`, as `detectors.mask`), where that node's
recorded text still holds the character in clear (`mask_pieces`): a level that masked the
text, or a scrubbed URL, is left as it was recorded.

Around one node (a text changed or emptied, a node added, the texts on either side of a
node removed) a run is read at most REACH characters to each side: a value longer than that
is no value the detectors know (an e-mail address, the longest, is 64 + 1 + 255). The whole
document's runs are read for a full snapshot.

The rules above are the DOM's, not the CSS's: a `<span>` styled as a block, or a `<div>`
styled inline, is read by its tag. capture.js reads runs by the same rules (`textRuns`,
`runAround`, `mayJoin`, `edgeText`); the conformance table holds both sides to them. In a
shadow root capture.js reads the root's own runs; the mirror holds a host's shadow children
among its children, so the recorder's pass reads them with the light DOM's.
"""
from __future__ import annotations

from bisect import bisect_right
from typing import Any, Iterable, Iterator, Sequence

from ..format import NodeType
from ..mirror import Node, field, walk_nodes
from . import detectors

ELEMENT = int(NodeType.Element)
TEXT = int(NodeType.Text)

# Phrasing elements that put nothing between the texts on either side of them (HTML's
# phrasing content without the embedded, interactive and line-breaking ones; `wbr` shows
# nothing). capture.js holds the same list (INLINE_TAGS).
INLINE_TAGS = frozenset((
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font", "i",
    "ins", "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
    "time", "u", "var", "wbr"))
REACH = 320

Ranges = list[tuple[int, int]]


def crossing_matches(pieces: Sequence[str], kinds: Iterable[str] = detectors.KINDS
                     ) -> Iterator[tuple[detectors.Finding, int, int, list[int]]]:
    """Each match of the detectors in the joined pieces that crosses from one piece into
    another: (the finding in the joined text, its first piece, its last piece, where each
    piece starts there). Nothing when the joined text holds no hint (decided in C)."""
    if len(pieces) < 2:
        return
    joined = "".join(pieces)
    if len(joined) < detectors.MIN_LEN:
        return
    if detectors.might_match(joined) is None:
        return
    starts, at = [], 0
    for p in pieces:
        starts.append(at)
        at += len(p)
    for f in detectors.find(joined, kinds):
        first = bisect_right(starts, f.start) - 1
        last = bisect_right(starts, f.end - 1) - 1
        if first != last:   # (inside one piece: that string's own detector pass masks it)
            yield f, first, last, starts


def crossing(pieces: Sequence[str], kinds: Iterable[str] = detectors.KINDS
             ) -> list[Ranges] | None:
    """For each piece of a run, the ranges (start, end) in it of every match that crosses
    from one piece into another (`crossing_matches`); None when there is none."""
    out: list[Ranges] | None = None
    for f, first, last, starts in crossing_matches(pieces, kinds):
        if out is None:
            out = [[] for _ in pieces]
        for k in range(first, last + 1):
            s = max(f.start, starts[k]) - starts[k]
            e = min(f.end - starts[k], len(pieces[k]))
            if s < e:
                out[k].append((s, e))
    return out


def mask_pieces(recorded: str, clear: str, ranges: Ranges) -> str:
    """`recorded` (a text node's recorded form) with `ranges` of its clear text masked: each
    character there that is still the clear one becomes `x` (whitespace kept). A recorded
    form of another length (a scrubbed URL, `***`) is left whole: it holds no clear value
    at those places."""
    if len(recorded) != len(clear):
        return recorded
    out = list(recorded)
    for s, e in ranges:
        for i in range(s, e):
            c = out[i]
            if c == clear[i] and not c.isspace():
                out[i] = detectors.MASKED_CHAR
    return "".join(out)


def _side(nodes: dict, n: Node, step: int, reach: int) -> list[Node]:
    """The text nodes beside `n` in its run, towards `step` (-1: before it, nearest first),
    until the run ends or `reach` characters are read."""
    got: list[Node] = []
    chars = 0
    cur = n
    while True:
        p = _parent(nodes, cur)
        i = _index(p, cur) if p is not None else -1
        if i < 0:
            return got
        kids = p.children
        stack = [(kids, i + step)]
        while stack:
            ks, j = stack.pop()
            if j < 0 or j >= len(ks):
                continue
            stack.append((ks, j + step))
            k = nodes.get(ks[j])
            if k is None:
                continue
            if k.type == TEXT:
                if k.text:
                    got.append(k)
                    chars += len(k.text)
                    if chars >= reach:
                        return got
            elif k.type == ELEMENT:
                if k.tag not in INLINE_TAGS:
                    return got   # a block, a line break, a field: the run ends (3)
                if k.children:
                    stack.append((k.children, 0 if step > 0 else len(k.children) - 1))
        if p.tag not in INLINE_TAGS:
            return got
        cur = p


def _parent(nodes: dict, n: Node) -> Node | None:
    """`n`'s parent when it is an element (runs are an element's), else None."""
    p = nodes.get(n.parent) if n.parent is not None else None
    return p if p is not None and p.type == ELEMENT else None


def _index(p: Node, n: Node) -> int:
    """Where `n` stands among `p`'s children (-1: not there, a damaged mirror)."""
    try:
        return p.children.index(n.id)
    except ValueError:
        return -1


def run_around(nodes: dict, n: Node, reach: int = REACH) -> list[Node]:
    """The text nodes of `n`'s run (itself included), in document order, at most `reach`
    characters to each side of it."""
    before = _side(nodes, n, -1, reach)
    before.reverse()
    before.append(n)
    before.extend(_side(nodes, n, 1, reach))
    return before


def runs_in(nodes: dict, root: int | None) -> Iterator[list[Node]]:
    """Every run of two text nodes or more beneath `root`, each in document order."""
    top = nodes.get(root) if root is not None else None
    if top is None:
        return
    containers = [top]
    while containers:
        yield from container_runs(nodes, containers.pop(), containers)


def container_runs(nodes: dict, c: Node, inner: list | None = None) -> list[list[Node]]:
    """The runs of two text nodes or more of container `c` (4), in document order; the
    containers within it are appended to `inner` (if given), not read."""
    out = []
    run: list[Node] = []
    stack = [(c.children, 0)]
    while stack:
        ks, j = stack.pop()
        if j >= len(ks):
            continue
        stack.append((ks, j + 1))
        k = nodes.get(ks[j])
        if k is None:
            continue
        if k.type == TEXT:
            if k.text:
                run.append(k)
        elif k.type == ELEMENT and k.tag in INLINE_TAGS and c.type == ELEMENT:
            stack.append((k.children, 0))
        elif k.type == ELEMENT or k.children:
            if len(run) > 1:
                out.append(run)
            run = []
            if inner is not None:
                inner.append(k)   # its own container (a document's child, an iframe's)
    if len(run) > 1:
        out.append(run)
    return out


def may_join(p: Node | None) -> bool:
    """Whether texts beneath `p` (a parent, as the change left it) may be two of one run: it
    has more than one child, or it is a phrasing element itself. A table cell's one text,
    replaced, is not (the common change of a live page: told without reading a run)."""
    return p is not None and p.type == ELEMENT and (len(p.children) > 1 or
                                                    p.tag in INLINE_TAGS)


def gap_of(nodes: dict, n: Node) -> tuple[Any, Any] | None:
    """Before `n` is removed: the ids of its siblings before and after it (None: none
    there), which its removal may bring together (`call 415-555-<br>0100`, its `<br>` gone)
    - None when two children at most stay, or when it has no parent."""
    p = _parent(nodes, n)
    if p is None or len(p.children) < 3 and p.tag not in INLINE_TAGS:
        return None
    i = _index(p, n)
    if i < 0:
        return None
    kids = p.children
    return (kids[i - 1] if i > 0 else None, kids[i + 1] if i + 1 < len(kids) else None)


def gaps_of(nodes: dict, removes: Iterable | None) -> list[tuple[Any, Any]]:
    """`gap_of` each node `removes` names (a mutation's, read before it is applied)."""
    out = []
    for r in removes or ():
        n = nodes.get(field(r, "id"))
        gap = gap_of(nodes, n) if n is not None else None
        if gap is not None:
            out.append(gap)
    return out


def _edge_text(nodes: dict, nid: int, step: int) -> Node | None:
    """The text node nearest the gap at `nid`'s side: itself, or its last (step -1) or first
    (step 1) text through phrasing elements; None past anything else."""
    n = nodes.get(nid)
    while n is not None:
        if n.type == TEXT:
            return n
        if n.type != ELEMENT or n.tag not in INLINE_TAGS or not n.children:
            return None
        n = nodes.get(n.children[-1 if step < 0 else 0])
    return None


def changed_runs(nodes: dict, texts: Iterable | None, adds: Iterable | None,
                 gaps: Sequence[tuple[Any, Any]] = ()) -> list[list[Node]]:
    """The runs (two text nodes or more) of the text nodes a mutation adds (in added subtrees
    too: `adds`, as recorded) or changes (`texts`; one emptied may bring its neighbours
    together), and across the `gaps` its removals left (`gap_of`, taken before it), each once,
    read in `nodes` as the mutation left them."""
    touched: list = [field(t, "id") for t in texts or ()]
    for a in adds or ():
        for x in walk_nodes(field(a, "node")):
            if x.get("type") == TEXT:
                touched.append(x.get("id"))
    starts: list[Node] = []
    for before, after in gaps:   # the texts on either side of each gap, as the change left them
        for nid, step in ((before, -1), (after, 1)):
            n = _edge_text(nodes, nid, step) if nid is not None else None
            if n is not None:
                starts.append(n)
    for nid in touched:
        n = nodes.get(nid)
        if n is not None and n.type == TEXT:
            starts.append(n)
    seen: set = set()
    out = []
    for n in starts:
        if n.id in seen or not may_join(_parent(nodes, n)):
            continue   # (a table cell's one text: no neighbour, the common case)
        run = []
        for x in run_around(nodes, n):
            seen.add(x.id)
            if x.text:
                run.append(x)
        if len(run) > 1:
            out.append(run)
    return out


def split_findings(runs: Iterable[list[Node]], kinds: Iterable[str]) -> dict[int, Ranges]:
    """Node id -> the ranges of its text that a match crossing into a neighbour covers."""
    kinds = tuple(kinds)
    found: dict[int, Ranges] = {}
    for run in runs:
        ranges = crossing([n.text for n in run], kinds)
        if ranges is None:
            continue
        for n, r in zip(run, ranges):
            if r:
                found.setdefault(n.id, []).extend(r)
    return found
