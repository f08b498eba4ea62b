"""A recording as a runnable Playwright (Python) script: `replay export --format playwright`.

The script performs the recorded steps (`steps.py`: navigations, clicks with robust
selectors, typing, checks, selects), plus the page scrolls, and after each step waits for the
DOM state the recording shows before the next one: the text of each element with an id that
changed meanwhile, as it was just before the next step. It ends with an assertion for the
error the session hit: a thrown one (uncaught, or a rejection no one handled) as the page's
error, a console.error call as a console message, a failed request as a response. A developer
runs it against their own server (`REPLAY_BASE_URL`; `REPLAY_BASE_URL_2`... for each other site
the steps open); `python repro.py --help` prints its docstring, which lists them.

- Values the privacy rules masked were never recorded: each becomes a named value in
  `FILL_IN` at the top of the script (also read from `REPLAY_FILL_<NAME>`), never a guess;
  one not given is typed as a stand-in its field accepts (`stand_in`), else as `<NAME>`.
  Where an error's message or an address the script waits for holds one (`***`), that part
  matches any text (`recorded_in`, `recorded_pattern` in the script).
- Selectors are `steps.robust_selector`'s (id, test id, field name, role + name, text, then
  a CSS path), written as Playwright's own locators (`get_by_role`, `get_by_test_id`...).
- Clicks, double-clicks and rage bursts are `steps.click_steps`' (a double-click acts on the
  element as it was at its first click).
- A Back or Forward the visitor pressed (`Step.history`, `steps.history_moves`) is the
  browser's (`page.go_back()`, `page.go_forward()`), however soon after a click: never a page
  that click opened (`wait_for`), nor a new load (`goto`) - except one further back than the
  pages the script's own steps opened (a range's), whose page it opens.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl, urlsplit

import msgspec

from .format import EventType, IncrementalSource, NodeType
from .mirror import Mirror
from .privacy import detectors
from .moments import moment_text
from .said import count
from .semantics import NON_ERROR_REJECTION, ErrorEvent, Resource, \
    split_uncaught
from .bug import BugReport
from .steps import (FRAME_SEP, Step, StepKind, StepsBuilder, frame_prefix, holds_masked,
                    robust_selector)

Raw = dict[str, Any]

STATE_TEXT_CHARS = 80       # a longer text is content, not a state worth waiting for
STATE_WAITS_PER_STEP = 3    # at most this many elements waited for after a step
WAIT_TIMEOUT_MS = 10_000    # how long the script waits for a recorded DOM state
# ... once the site showed other text than the recording: its data has moved on (a cart kept
# from an earlier run), and each later state differing too cost the whole wait - a 45-step
# run took 345 s (a QA tryout)
DIFFERS_WAIT_MS = 1_500
NAVIGATION_AFTER_STEP_MS = 2_000   # a page load this soon after a step is that step's doing
_ROLE = re.compile(r'^role=([a-z]+)\[name="((?:[^"\\]|\\.)*)"\]$')
_TEXT = re.compile(r'^text="((?:[^"\\]|\\.)*)"$')
_TEST_ID = re.compile(r'^\[data-testid="((?:[^"\\]|\\.)*)"\]$')
_SCOPED = re.compile(r'^(#-?[A-Za-z_][A-Za-z0-9_-]*|\[id="(?:[^"\\]|\\.)*"\]) >> (.+)$')
_CSS_IDENT = re.compile(r"-?[A-Za-z_][A-Za-z0-9_-]*")
CHECK_COMMENT = "# the session hit"   # the check at the end: not a step's doing
# A bug report's moment is when the person saw the bug: the error it shows may be logged
# just after (a request answered, a handler run). With no range asked, a script of a session
# with a report stops this long after the bug: the steps after it reproduce nothing, and the
# check is the bug's error, not the session's last (a developer's script said "reproduced"
# of a TypeError 16 s after the shipping-quote failure the bundle was about).
BUG_TAIL_MS = 1_000


class Scroll(msgspec.Struct, frozen=True):
    t: float
    selector: str            # "" for the page itself
    x: float
    y: float


class Resize(msgspec.Struct, frozen=True):
    t: float
    width: int
    height: int


def _unquote(s: str) -> str:
    return s.replace('\\"', '"').replace("\\\\", "\\")


def locator_code(selector: str) -> str:
    """Python for Playwright's locator of a `steps.robust_selector` selector; a name within
    an ancestor (`#product-8 >> role=button[name="Add"]`) is looked for within it, an element
    in a frame (`#payment |> #pay`) within that frame."""
    *frames, selector = selector.split(FRAME_SEP)
    within = "page" + "".join(f".frame_locator({f!r})" for f in frames)
    m = _SCOPED.match(selector)
    if m:
        within, selector = f"{within}.locator({m.group(1)!r})", m.group(2)
    m = _ROLE.match(selector)
    if m:
        return f"{within}.get_by_role({m.group(1)!r}, name={_unquote(m.group(2))!r}, exact=True)"
    m = _TEXT.match(selector)
    if m:
        return f"{within}.get_by_text({_unquote(m.group(1))!r}, exact=True)"
    m = _TEST_ID.match(selector)
    if m:
        return f"{within}.get_by_test_id({_unquote(m.group(1))!r})"
    return f"{within}.locator({selector!r})"


# What a run types where a value masked when recorded is not given, by the field's kind: one
# the browser accepts there. A placeholder (`<E_MAIL>`) typed into an <input type=email> kept
# its form from being sent (the browser's own check), and Playwright refuses to fill a number
# or a date field with one: a first run without values failed at the first form. A field of
# any other kind (text, search, password, a textarea) takes its placeholder, which says what
# to give. Where the field has a `min`, a number's or a date's stand-in is that least value.
FIELD_STAND_INS = {"email": "name@example.com", "url": "https://example.com/", "tel": "5550100",
                   "number": "1", "range": "0", "date": "2000-01-01", "month": "2000-01",
                   "week": "2000-W01", "time": "12:00", "datetime-local": "2000-01-01T12:00",
                   "color": "#000000"}
# ... and the kinds whose `min` is a value of the field (HTML's syntax for each): a `min` the
# browser cannot read as one it ignores, and so does the script
_NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_TIME = r"\d\d:\d\d(?::\d\d(?:\.\d+)?)?"
MIN_VALUE = {"number": _NUMBER, "range": _NUMBER,
             "date": r"\d{4,}-\d\d-\d\d", "month": r"\d{4,}-\d\d", "week": r"\d{4,}-W\d\d",
             "time": _TIME, "datetime-local": rf"\d{{4,}}-\d\d-\d\d[T ]{_TIME}"}


def stand_in(name: str, step: Step) -> str:
    """What the script types for the masked value `name` of `step` when none is given: one
    its field accepts (FIELD_STAND_INS, or the field's own `min` where it has a valid one),
    else its placeholder `<NAME>`."""
    least = (step.field_min or "").strip()
    if step.field in MIN_VALUE and re.fullmatch(MIN_VALUE[step.field], least):
        return least
    return FIELD_STAND_INS.get(step.field, f"<{name}>")


class FillIn(msgspec.Struct, frozen=True):
    """A value masked when recorded, which a run fills in (`REPLAY_FILL_<name>`)."""
    name: str
    step: int         # the script's step number that types or chooses it
    label: str        # the field's name in the step
    selector: str
    field: str        # its kind (`Step.field`)
    stand_in: str     # typed when none is given
    select: bool      # an option chosen in a select: no stand-in can be one of its options


def placeholder_name(label: str, taken: set[str]) -> str:
    """`Card number` -> CARD_NUMBER (unique among `taken`)."""
    base = re.sub(r"[^A-Za-z0-9]+", "_", label).strip("_").upper()[:40] or "VALUE"
    if base[0].isdigit():
        base = "F_" + base
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


class _Reader:
    """The second pass over the events (the steps' times known from the first): the page
    scrolls, and the DOM states to wait for between steps, read off the one mirror DOM."""

    def __init__(self) -> None:
        self.mirror = Mirror()
        self.origin: float | None = None
        self.scrolls: list[Scroll] = []
        self.resizes: list[Resize] = []   # the visitor's window made another size
        self.touched: list[tuple[float, int]] = []     # (t, node id) of changed text
        self.states: list[tuple[float, dict[str, str]]] = []   # (t, {selector: text}) taken

    def feed(self, e: Raw) -> None:
        ts = e.get("timestamp")
        if self.origin is None:   # times count from the first event, as the steps' do
            if not isinstance(ts, (int, float)) or isinstance(ts, bool):
                return
            self.origin = float(ts)
        self.mirror.apply(e)
        t = float(ts) - self.origin if isinstance(ts, (int, float)) else 0.0
        data = e.get("data") if isinstance(e.get("data"), dict) else {}
        if e.get("type") != EventType.IncrementalSnapshot:
            return
        src = data.get("source")
        if src == IncrementalSource.Mutation:
            for x in data.get("texts") or []:
                if isinstance(x, dict) and isinstance(x.get("id"), int):
                    self.touched.append((t, x["id"]))
            for x in data.get("adds") or []:
                if isinstance(x, dict) and isinstance(x.get("parentId"), int):
                    self.touched.append((t, x["parentId"]))
        elif src == IncrementalSource.Scroll and isinstance(data.get("id"), int):
            m = self.mirror
            n = m.nodes.get(data["id"])
            if n is None:
                return
            sel = "" if n.type == NodeType.Document or n.tag in ("html", "body") \
                else robust_selector(m, n.id)
            x, y = data.get("x"), data.get("y")
            if isinstance(x, (int, float)) and isinstance(y, (int, float)):
                self.scrolls.append(Scroll(t, sel, float(x), float(y)))
        elif src == IncrementalSource.ViewportResize:
            w, h = data.get("width"), data.get("height")
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 1
                   for v in (w, h)):
                self.resizes.append(Resize(t, int(w), int(h)))

    def settle(self, until: float) -> dict[str, str]:
        """The texts, as the mirror holds them now, of the elements with an id whose text
        changed before `until` (then forgotten)."""
        m = self.mirror
        out: dict[str, str] = {}
        keep = []
        # a node touched again, or another node of an element already read, reads the same
        # (the mirror does not change meanwhile): each is read once - a 10-minute session's
        # app root, changed 126,000 times between two steps, was walked (1,110 nodes) each time
        nodes_read: set[int] = set()
        elements_read: set[int] = set()
        for t, nid in self.touched:
            if t >= until:
                keep.append((t, nid))
                continue
            if nid in nodes_read or len(out) >= STATE_WAITS_PER_STEP:
                continue
            nodes_read.add(nid)
            el = _with_id(m, nid)
            if el is None or el in elements_read:
                continue
            elements_read.add(el)
            sel = frame_prefix(m, el) + _id_selector(m.nodes[el].attrs["id"])
            text = _text(m, el)
            if text and not holds_masked(text):   # (the run shows the real text there)
                out[sel] = text
        self.touched = keep
        return out


def _id_selector(v: str) -> str:
    return f"#{v}" if _CSS_IDENT.fullmatch(v) else f'[id="{v}"]'


def _with_id(m: Mirror, nid: int) -> int | None:
    """The nearest element at or above `nid` with an id attribute."""
    n = m.nodes.get(nid)
    while n is not None:
        if n.type == NodeType.Element and isinstance(n.attrs.get("id"), str) and n.attrs["id"]:
            return n.id if n.tag not in ("html", "body") else None
        n = m.nodes.get(n.parent) if n.parent is not None else None
    return None


def _text(m: Mirror, nid: int) -> str | None:
    """The element's text as a state to wait for, or None: a container of other elements
    with ids (they are waited for themselves), a long text, or one with a text the privacy
    pass masked (`Signed in as <span>xxxx</span>`: the run shows the real one) is not one."""
    parts: list[str] = []
    size = 0
    for x in m.walk(nid):
        if x.id != nid and x.type == NodeType.Element and x.attrs.get("id"):
            return None
        if x.type == NodeType.Element and x.tag in ("script", "style"):
            return None
        if x.type == NodeType.Text and x.text and x.text.strip() and holds_masked(x.text):
            return None
        if x.type == NodeType.Text and x.text:
            parts.append(x.text)
            size += len(x.text)
            if size > 4 * STATE_TEXT_CHARS:
                return None
    text = " ".join("".join(parts).split())
    return text if len(text) <= STATE_TEXT_CHARS else None


def _target_error(errors: list[ErrorEvent], *, bug_ms: float | None = None
                  ) -> ErrorEvent | None:
    """The error the session hit: its last thrown error (uncaught, or a rejection no one
    handled), else its last failed request, else its last console error (a console.error
    call, of an Error object too: the page caught that one). `bug_ms`: the moment of a bug
    the QA marked, the errors those up to it and BUG_TAIL_MS after it - the last at or
    before it, of any kind, is the bug's (a save answered 500 marked as the bug, after a
    TypeError seconds before, was checked by the TypeError - fixed, "not reproduced" of the
    500 still there, and the other way round "reproduced": a QA's tryout), else the first
    after it (a moment marked as the click that fails, its error a little later)."""
    if bug_ms is not None and errors:
        before = [e for e in errors if e.t <= bug_ms]
        return before[-1] if before else errors[0]
    for want in (lambda e: e.thrown,
                 lambda e: e.type == "HTTPError",
                 lambda e: True):
        hits = [e for e in errors if want(e)]
        if hits:
            return hits[-1]
    return None


PROGRESS_EVERY = 2_000   # events between two calls of playwright_script's `progress`


def recorded_viewport(events: Iterable[Raw]) -> tuple[float, float] | None:
    """The page's size as first recorded (a Meta event's, or a resize's), as the player's
    timeline reads it (`facts["viewport"]`) - without indexing the whole session for it."""
    for e in events:
        if not isinstance(e, dict) or not isinstance(e.get("data"), dict):
            continue
        d = e["data"]
        if e.get("type") == EventType.Meta or (e.get("type") == EventType.IncrementalSnapshot
                                               and d.get("source") ==
                                               IncrementalSource.ViewportResize):
            w, h = d.get("width"), d.get("height")
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) and v
                   for v in (w, h)):
                return float(w), float(h)
    return None


def playwright_script(events: Iterable[Raw], *, session_id: str,
                      viewport: tuple[float, float] | None = None,
                      start_ms: float | None = None, end_ms: float | None = None,
                      bug: BugReport | None = None,
                      progress: Callable[[int, int], None] | None = None,
                      said: Callable[[str], None] | None = None) -> str:
    """The script's text. `viewport`: the browser's (default: the recorded one,
    `recorded_viewport`); `start_ms`/`end_ms`: only the steps in that range (a navigation
    to the page they happen on comes first; with no end and a `bug` with its moment, the end
    is BUG_TAIL_MS after it); `bug`: the session's bug report (record mode's title and
    notes), said at the top of the script; `progress(done, total)`: called as the events
    are read (twice each: `total` is twice their number); `said(line)`: what the person
    exporting should know of the script (`left_out_before`'s warning)."""
    r = _Reader()
    events = list(events)
    as_recorded = viewport is None   # (then the window's size at the range's start: below)
    if viewport is None:
        viewport = recorded_viewport(events)
    total = 2 * len(events)
    # the steps' times are needed to take the DOM states just before each: a first pass
    probe = StepsBuilder()
    for i, e in enumerate(events):
        if progress is not None and i % PROGRESS_EVERY == 0:
            progress(i, total)
        probe.feed(e)
    all_steps = probe.steps()
    step_times = sorted({s.t for s in all_steps})
    k = 0
    for i, e in enumerate(events, len(events)):
        if progress is not None and i % PROGRESS_EVERY == 0:
            progress(i, total)
        if not isinstance(e, dict):
            continue
        ts = e.get("timestamp")
        if r.origin is not None and isinstance(ts, (int, float)):
            t = float(ts) - r.origin
            while k < len(step_times) and step_times[k] <= t:
                r.states.append((step_times[k], r.settle(step_times[k])))
                k += 1
        r.feed(e)
    while k < len(step_times):
        r.states.append((step_times[k], r.settle(step_times[k])))
        k += 1
    if progress is not None:
        progress(total, total)
    sem = probe.sem
    # (a range that starts after the bug runs to the end: up to the bug, it held no step)
    until_bug = end_ms is None and bug is not None and bug.at_ms is not None and \
        (start_ms is None or bug.at_ms >= start_ms)
    if until_bug:
        end_ms = bug.at_ms + BUG_TAIL_MS
    errors = sorted(sem.errors, key=lambda e: e.t) if sem is not None else []
    failed = [x for x in (sem.resources if sem is not None else []) if (x.status or 0) >= 400]
    left = left_out_before(all_steps, start_ms)
    if left and said is not None:
        one = len(left) == 2
        # (the page's load to the ms, rounded down: --from at it runs its steps)
        said(f"the script starts on {left[0].url} as it loads: {count(len(left) - 1, 'step')}"
             f" on it before {moment_text(start_ms or 0)} ({_listed(left[1:])})"
             f" {'is' if one else 'are'} not run, and what {'it' if one else 'they'} changed"
             " on the page is not there for the steps after - export --from"
             f" {math.floor(left[0].t)}ms to run {'it' if one else 'them'} too")
    if as_recorded and start_ms is not None:   # the visitor's window as the range begins
        before = [z for z in r.resizes if z.t < start_ms]
        if before:   # (`--from` after a resize ran at the first size: a reviewer's find)
            viewport = (float(before[-1].width), float(before[-1].height))
    return _write(all_steps, r, errors, failed, session_id=session_id, viewport=viewport,
                  start_ms=start_ms, end_ms=end_ms, origin=r.origin or 0.0, bug=bug,
                  until_bug=until_bug, left=left)


def left_out_before(steps: list[Step], start_ms: float | None) -> list[Step]:
    """A range that starts part way through a page's steps: that page's navigation, then its
    steps before `start_ms`, which the script does not run - an open drawer, a cart filled,
    which a step after needs (a developer's tryout: `--from 10s` clicked Checkout in a cart
    drawer the range did not open, and the run said "not reproduced"). [] when the range
    starts with a page's load, or at the start."""
    if start_ms is None:
        return []
    first = next((i for i, s in enumerate(steps) if s.t >= start_ms), len(steps))
    if first < len(steps) and steps[first].kind is StepKind.NAVIGATE:
        return []
    page = next((i for i in range(first - 1, -1, -1) if steps[i].kind is StepKind.NAVIGATE),
                None)
    if page is None or page == first - 1:
        return []
    return steps[page:first]


def _listed(steps: list[Step], most: int = 3) -> str:
    """The first steps' descriptions with their moments, and how many more."""
    out = "; ".join(f"{s.describe()} at {moment_text(s.t)}" for s in steps[:most])
    return out + (f"; {len(steps) - most} more" if len(steps) > most else "")


def _report(bug: BugReport | None, until_bug: bool = False, start_ms: float | None = None,
            end_ms: float | None = None) -> str:
    """The bug's title and notes as the script's docstring opens with them (escaped for it);
    `until_bug`: the steps end at the bug (BUG_TAIL_MS after it), said; `start_ms`/`end_ms`:
    the range the steps are of - a bug's moment outside it is said to be (the script leads
    with a moment its steps never reach)."""
    if bug is None or not (bug.title or bug.notes or until_bug):
        return ""
    at_note = ""
    if bug.at_ms is not None and (start_ms is not None and bug.at_ms < start_ms
                                  or end_ms is not None and bug.at_ms > end_ms):
        span = f"from {moment_text(start_ms or 0)} " + \
            ("on" if end_ms is None else f"to {moment_text(end_ms)}")
        at_note = f"{'after' if end_ms is not None and bug.at_ms > end_ms else 'before'} the" \
                  f" steps of this script ({span}), which do not reach the bug"
    lines = bug.lines(with_steps=False, at_note=at_note)
    if until_bug:
        lines.append(f"The steps up to the bug and {BUG_TAIL_MS / 1000:g} s after it, then a"
                     " check for its error (`replay export --to` sets another end)")
    return _docstring("\n".join(lines) + "\n\n")


# The script is code a developer runs: a recorded string (an address, a typed text, a field's
# name, an error's message) is written into it only as a repr()'d literal, or through one of
# these two - never as it is, where a line break or a \"\"\" would make the rest of it code.
def _docstring(text: str) -> str:
    """`text` as it may stand inside the script's \"\"\"docstring\"\"\" (it cannot end it)."""
    return _writable(text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"'))


def _comment(text: str) -> str:
    """`text` on one line, as it may follow a `#`: a line break (Python ends a line at a CR
    too) would end the comment and make the rest code."""
    return _writable(" ".join(text.splitlines()))


def _writable(text: str) -> str:
    """Source text Python compiles and UTF-8 writes: no NUL, and a lone surrogate as its
    escape (the script stays valid)."""
    return text.replace("\0", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")


def _write(steps: list[Step], r: _Reader, errors: list[ErrorEvent], failed: list[Resource], *,
           session_id: str,
           viewport, start_ms, end_ms, origin: float, bug: BugReport | None = None,
           until_bug: bool = False, left: list[Step] = ()) -> str:
    lo = float("-inf") if start_ms is None else start_ms
    hi = float("inf") if end_ms is None else end_ms
    navs = [s for s in steps if s.kind is StepKind.NAVIGATE]
    chosen = [s for s in steps if lo <= s.t <= hi]
    stepless = not chosen   # (a range without a step: what the run can still do is open its page)
    opened: Step | None = None   # a range starts on the page on show at its start
    if not chosen or chosen[0].kind is not StepKind.NAVIGATE:
        before = [n for n in navs if n.t <= (chosen[0].t if chosen else lo)]
        if before:
            opened = before[-1]
            chosen.insert(0, opened)
    sites = _sites(s.url for s in chosen if s.kind is StepKind.NAVIGATE and not s.unknown_address)
    states = dict(r.states)
    times = sorted(t for t in states if t != float("inf"))
    taken: set[str] = set()
    fill_in: list[FillIn] = []
    body: list[str] = []
    scrolls = [s for s in r.scrolls if lo <= s.t <= hi]
    si = 0
    # the window's size as the steps met it: a layout that changes under 700 px was run at
    # the recorded first size throughout (a developer's tryout) - each resize before a step
    # is made before it, the last of a run of them
    resizes = [z for z in r.resizes if lo <= z.t <= hi]
    zi = 0
    size = viewport
    latest = float("-inf")   # a page load may be put after the step that opened it, a few ms later
    # the run's own history: the entries its steps opened behind the page shown, and ahead of
    # it (a Back the recording shows further than that opens its page instead)
    behind = ahead = 0
    on_page = False   # (the run's first page: the browser's blank one is no step's)
    for n, s in enumerate(chosen, 1):
        latest = max(latest, s.t)
        while si < len(scrolls) and scrolls[si].t < s.t:
            # only the last position before the next step matters
            last = scrolls[si]
            while si + 1 < len(scrolls) and scrolls[si + 1].t < s.t and \
                    scrolls[si + 1].selector == last.selector:
                si += 1
                last = scrolls[si]
            body += _scroll(last)
            si += 1
        while zi < len(resizes) and resizes[zi].t < s.t:
            zi += 1
            z = resizes[zi - 1]
            if (zi == len(resizes) or resizes[zi].t >= s.t) and size != (z.width, z.height):
                size = (z.width, z.height)
                body.append(f'    page.set_viewport_size({{"width": {z.width}, "height":'
                            f' {z.height}}})  # the window resized (at {moment_text(z.t)})')
        shown = s
        if s.history and not (-behind <= s.history <= ahead):
            # Back to a page from before the range, or the visit's first: the run opens it
            shown = msgspec.structs.replace(s, history=0)
        body.append(f"    # {n}. {_comment(shown.describe())}  (at {moment_text(s.t)})")
        loc = locator_code(s.selector) if s.selector else None
        if shown.history:   # as the visitor pressed Back or Forward, however soon after a step
            # (each until the browser commits to it: a page shown out of the back/forward
            # cache fires no load event for Playwright's default to wait for - nor for
            # wait_for, which waits for the address the recording shows)
            verb = "go_back" if shown.history < 0 else "go_forward"
            body += [f'    page.{verb}(wait_until="commit")'] * abs(shown.history)
            body.append(f'    wait_for(page, {s.url!r}, until="commit")')
            behind, ahead = behind + shown.history, ahead - shown.history
        elif s.unknown_address:   # (the error page: no script opens it, nor what it stood for)
            body.append("    # (a page that did not load, its address not recorded: nothing"
                        " to open)")
        elif s.kind is StepKind.NAVIGATE and not s.history and n > 1 \
                and chosen[n - 2].kind is not StepKind.NAVIGATE \
                and s.t - chosen[n - 2].t <= NAVIGATION_AFTER_STEP_MS:
            body.append(f"    opened_by_step(page, {s.url!r}, {n - 1})  # the step before opened it")
            behind, ahead, on_page = behind + on_page, 0, True
        elif s.kind is StepKind.NAVIGATE:
            body.append(f"    goto(page, {s.url!r})")
            behind, ahead, on_page = behind + on_page, 0, True
        elif loc is None:
            body.append("    # (no selector: the element was not in the recorded page)")
        elif s.kind in (StepKind.TYPE, StepKind.SELECT):
            if s.masked:
                name = placeholder_name(s.name or "value", taken)
                select = s.kind is StepKind.SELECT
                fill_in.append(FillIn(name, n, s.name, s.selector, s.field,
                                      f"<{name}>" if select else stand_in(name, s), select))
                value = f"filled({name!r})"
            else:
                value = repr(s.text or "")
            verb = "select_option" if s.kind is StepKind.SELECT else "fill"
            body.append(f"    {loc}.{verb}({value})")
        else:
            verb = {StepKind.CLICK: "click()" if s.count == 1 else
                    f"click(click_count={s.count})",   # a rage burst, as many clicks
                    StepKind.DBLCLICK: "dblclick()",
                    StepKind.RIGHT_CLICK: 'click(button="right")', StepKind.TAP: "tap()",
                    StepKind.CHECK: "check()", StepKind.UNCHECK: "uncheck()"}[s.kind]
            body.append(f"    {loc}.{verb}")
        # the DOM state the recording shows just before the next step (not after the last
        # step: what it showed at the end is the run's own, an order number, say; the check
        # at the end decides); steps at one moment wait once, after the last of them
        if n < len(chosen) and chosen[n].t <= latest:
            continue
        if s is opened:   # what it showed then came of steps before the range: not waited for
            if left:   # (`left_out_before`: that page's steps before the range)
                body.append(f"    # ({_comment(count(len(left) - 1, 'step'))} on this page before"
                            f" {moment_text(lo)} not run: {_comment(_listed(left[1:]))}) -"
                            " what they changed is not on the page")
            continue
        nxt = next((t for t in times if t > latest), float("inf"))
        for sel, text in (states.get(nxt) or {}).items():
            body.append(f"    expect_text(page, {sel!r}, {text!r}, after_step={n})")
    if not chosen:
        body.append("    pass  # no steps were recorded in this range")
    ranged = start_ms is not None or end_ms is not None
    target = _target_error([e for e in errors if lo <= e.t <= hi] if ranged else errors,
                           bug_ms=bug.at_ms if until_bug and bug is not None else None)
    # what "no error to check" means: none recorded at all, or none in the range exported
    outside = len(errors) if ranged and target is None else 0
    span = f"from {moment_text(start_ms or 0)} " + \
        ("on" if end_ms is None else f"to {moment_text(end_ms)}")
    left_out = f"none of the recording's {count(outside, 'error')}" if outside else ""
    no_error = f"this range ({span}) holds {left_out}" if outside else NO_ERROR
    return _TEMPLATE.format(
        report=_report(bug, until_bug, start_ms, end_ms),
        session=_docstring(session_id),
        recorded=_dt.datetime.fromtimestamp(origin / 1000, _dt.timezone.utc)
        .strftime("%Y-%m-%d %H:%M UTC") if origin else "unknown",
        site_help=_site_help(sites), fill_help=_fill_help(fill_in),
        sites="".join(f"    ({o!r}, {v!r}),\n" for o, v in sites),
        viewport=(f'{{"width": {int(viewport[0])}, "height": {int(viewport[1])}}}'
                  if viewport else "None"),
        wait_ms=WAIT_TIMEOUT_MS, differs_wait_ms=DIFFERS_WAIT_MS,
        differs_wait_s=DIFFERS_WAIT_MS / 1000, frame_sep=FRAME_SEP,
        masked_run=repr(detectors.MASKED_RUN.pattern), detector_min=detectors.MIN_LEN,
        masked_char=repr(detectors.MASKED_CHAR),
        stand_ins="".join(f"    {f.name!r}: {f.stand_in!r},\n" for f in fill_in),
        fill_in="".join(f"    {f.name!r}: os.environ.get({'REPLAY_FILL_' + f.name!r},"
                        f" STAND_INS[{f.name!r}]),  # step {f.step}: {_comment(f.label)}"
                        " (masked when recorded)\n" for f in fill_in),
        selects=repr([f.name for f in fill_in if f.select]),
        steps="\n".join(body), no_error=no_error,
        check_comment=CHECK_COMMENT,
        check=_check(target, failed, filled=bool(fill_in), no_error=no_error,
                     nothing=None if not stepless else
                     f"this range ({span}) holds no recorded step, and"
                     f" {left_out or NO_ERROR}"))


def base_url_variable(i: int) -> str:
    """The environment variable that moves the `i`th site a script opens (0: the first)."""
    return "REPLAY_BASE_URL" + (f"_{i + 1}" if i else "")


def _sites(urls: Iterable[str]) -> list[tuple[str, str]]:
    """The origins (scheme://host:port) of these pages, in the order first opened, each with
    the variable that moves it (REPLAY_BASE_URL, REPLAY_BASE_URL_2...)."""
    origins: list[str] = []
    for url in urls:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if parts.scheme and parts.netloc and origin not in origins:
            origins.append(origin)
    return [(o, base_url_variable(i)) for i, o in enumerate(origins)]


def _help_line(name: str, text: str) -> str:
    """A variable's line in the script's help, its words in a column (as the others')."""
    return f"  {name:<17} {text}"


def _site_help(sites: list[tuple[str, str]]) -> str:
    """The docstring's lines for the variables that move the sites the script opens."""
    if not sites:
        return _help_line("REPLAY_BASE_URL", "the site to run against (the recording opens"
                                             " no page)")
    lines = []
    for i, (origin, var) in enumerate(sites):
        what = "the site to run against" if not i else \
            f"the site to run the {_ordinal(i + 1)} one it opens against"
        lines.append(_help_line(var, f"{what} (default: the recorded {_docstring(origin)})"))
    return "\n".join(lines)


def _ordinal(n: int) -> str:
    return {2: "second", 3: "third"}.get(n, f"{n}th")


def _fill_help(fill_in: list[FillIn]) -> str:
    """The docstring's lines for the values masked when recorded (REPLAY_FILL_<NAME>): each
    with the step that types it and its field (two fields of one name - a ZIP typed twice -
    told apart), and what is typed where it is not given."""
    if not fill_in:
        return "No value was masked when recorded: nothing to fill in.\n"
    lines = ["Values masked when recorded are not in the recording: set them (or edit FILL_IN"
             " below). One not", "given is typed as a stand-in: one its field accepts (an"
             " e-mail field's name@example.com),", "else its placeholder (<NAME>):"]
    width = max(len(f"REPLAY_FILL_{f.name}") for f in fill_in)
    for f in fill_in:
        what = f"step {f.step}: {_docstring(repr(f.label or 'a value'))}, {_docstring(f.selector)}"
        if f.select:
            what += " (an option chosen in a select: needed to run)"
        elif f.stand_in != f"<{f.name}>":
            what += f" (type={_docstring(f.field)}: stand-in {_docstring(repr(f.stand_in))})"
        lines.append(f"  {'REPLAY_FILL_' + f.name:<{width}}  {what}")
    return "\n".join(lines) + "\n"


def _scroll(s: Scroll) -> list[str]:
    if not s.selector:
        return [f"    page.evaluate('window.scrollTo({s.x:g}, {s.y:g})')"]
    return [f"    {locator_code(s.selector)}.evaluate('(el) => el.scrollTo({s.x:g}, {s.y:g})')"]


NO_ERROR = "the recording holds no error"   # (what a script without an error to check says)


def _check(e: ErrorEvent | None, failed: list[Resource], *, filled: bool = False,
           no_error: str = NO_ERROR, nothing: str | None = None) -> str:
    """The check at the end: the error `e` the session hit. A failed request is matched by
    its method, path, query and status - its query's names only, not their values, when the
    run fills in values masked when recorded (`filled`): a query made of them differs from
    the recorded one (another country in a masked select: "not reproduced" of the very
    failure). Without one (`no_error` says why), the steps are the reproduction - unless
    there is none (`nothing` says so): then the run reproduced nothing, and says it (a QA
    engineer's tryout: a range without steps or error ran nothing and said "reproduced")."""
    if e is None and nothing is not None:
        return (f"    # {_comment(nothing)}: nothing to reproduce\n"
                f"    raise NothingToReproduce({nothing!r})")
    if e is None:
        return (f"    # {_comment(no_error)}: the steps above are the reproduction\n"
                "    return None")
    request = min(failed, key=lambda x: abs(x.t - e.t), default=None) \
        if e.type == "HTTPError" else None
    if request is not None:   # the failed request, on whatever server the script runs against
        u = urlsplit(request.url)
        if filled and u.query:
            names = tuple(sorted({k for k, _ in parse_qsl(u.query, keep_blank_values=True)}))
            where, seen = f"{u.path!r}, {names!r}", "*path_and_names(site_path(r.url))"
        else:
            where, seen = repr(u.path + (f"?{u.query}" if u.query else "")), \
                "site_path(r.url)"
        # said as a person reads it ("POST /api/order answered 500"), not as a tuple
        said = f"{request.method} {u.path} answered {request.status}"
        return (f"    {CHECK_COMMENT}: {_comment(e.message)}\n"
                + ("    # (its query's names, not their values: they may be what is filled in)\n"
                   if filled and u.query else "")
                + f"    expected = ({request.method!r}, {where}, {request.status})\n"
                "    page.wait_for_timeout(500)  # the last step's request\n"
                f"    seen = [(r.request.method, {seen}, r.status) for r in failed]\n"
                # (the recorded method and path as a literal of their own: put in the
                # f-string's text, a quote in a recorded path ended it - a hostile recording's
                # code ran with the check, a reviewer's find)
                f"    assert expected in seen, (\"no \" + {said!r} + \"; the failed requests: \"\n"
                "        + (', '.join(f'{r.request.method} {site_path(r.url)} answered {r.status}'"
                " for r in failed) or 'none'))\n"
                f"    return {said!r}")
    if not e.thrown:   # a console.error call (of an Error object too): a console message
        # its first line: the browser's console adds an Error object's stack after it
        said = (e.message.splitlines() or [""])[0]
        if e.type not in ("console", "HTTPError", ""):
            said = f"{e.type}: {said}"
        return (f"    {CHECK_COMMENT} (console.error): {_comment(said)}\n"
                f"    expected = {said!r}\n"
                "    page.wait_for_timeout(500)  # a console.error of the last step's handler\n"
                "    assert any(recorded_in(expected, m) for m in console_errors), (\n"
                "        f\"no console error {expected!r}; seen: \"\n"
                "        f\"{', '.join(map(repr, console_errors)) or 'none'}\")\n"
                "    return expected")
    # as the page throws it (`pageerror`: its name, its message): without the words the RUM
    # plugin puts before an unhandled rejection's ("Unhandled promise rejection: ...")
    etype, message = split_uncaught(e.message)
    etype = etype or ("" if e.type == NON_ERROR_REJECTION else e.type)
    # (a rejection with no Error has no name: Playwright says ": boom" of it, and so does the
    # check - the message alone, "" or "no", was found in any error the page threw)
    thrown = f"{etype}: {message}"
    return (f"    {CHECK_COMMENT}: {_comment(' '.join(thrown.split()))}\n"
            f"    expected = {thrown!r}\n"
            "    page.wait_for_timeout(500)  # an error thrown by the last step's handler\n"
            "    assert any(recorded_in(expected, m) for m in page_errors), (\n"
            "        f\"the page did not throw {expected!r}; it threw \"\n"
            "        f\"{', '.join(map(repr, page_errors)) or 'nothing'}\")\n"
            "    return expected")


_TEMPLATE = '''"""{report}Reproduction of session {session} (recorded {recorded}), written by
`replay export --format playwright`: the recorded steps, the DOM states the recording shows
between them, and at the end the error the session hit.

Run it (Playwright for Python: `pip install playwright`):  python THIS_FILE
(`python THIS_FILE --help` prints this.)
It reads these environment variables:
{site_help}
  REPLAY_CHROMIUM   a Chromium/Chrome executable to use (default: the browser that
                    `playwright install chromium` put in place)
  REPLAY_HEADED=1   show the browser
  REPLAY_WAIT_MS    how long to wait for each page state the recording shows before noting
                    what the site shows instead and going on, and for a step's element or
                    page before the step fails (default {wait_ms})
{fill_help}Where the site shows other text than the recording did after a step (its data has moved on:
a cart kept from an earlier run, say), the script says so on stderr and goes on - and waits
{differs_wait_s:g} s for each page state after that, not REPLAY_WAIT_MS; only the error at the
end decides whether the bug was reproduced.
Exit status: 0 reproduced, 1 not reproduced (or a step could not be done), 2 cannot run here
(a site it cannot reach, a value it needs, no browser).
"""
import os
import re
import sys
import traceback
from urllib.parse import parse_qsl, urlsplit


def say(text):
    """`text` on stdout. A reader that went away before the end (`--help | head -3`) read
    what it wanted: no traceback, and the run's exit status stays its own."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # Python flushes stdout once more at exit: pointed at /dev/null, that cannot fail
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__" and sys.argv[1:]:   # before Playwright: --help needs none
    if sys.argv[1:] in (["-h"], ["--help"]):
        say(__doc__.strip())
        sys.exit(0)
    print(f"usage: python {{os.path.basename(__file__)}} [--help] - it takes no arguments: the"
          " environment variables --help lists set what it runs against", file=sys.stderr)
    sys.exit(2)

try:
    from playwright.sync_api import Error as PlaywrightError, expect, sync_playwright
except ImportError:
    print("this script needs Playwright for Python: pip install playwright, then either"
          " `playwright install chromium` or REPLAY_CHROMIUM=/path/to/chromium", file=sys.stderr)
    sys.exit(2)

# each site the session opened: (its recorded origin, the variable that moves it)
SITES = [
{sites}]
RECORDED_ORIGIN = SITES[0][0] if SITES else ""
BASE_URL = (os.environ.get("REPLAY_BASE_URL") or RECORDED_ORIGIN).rstrip("/")
# the others' (REPLAY_BASE_URL_2...)
MOVED = {{origin: (os.environ.get(var) or origin).rstrip("/") for origin, var in SITES[1:]}}
# a page.goto that fails so, to a site not reached yet, is a site that is not there
UNREACHABLE = re.compile(r"net::ERR_(CONNECTION_(REFUSED|RESET|CLOSED|FAILED|TIMED_OUT)"
                         r"|NAME_NOT_RESOLVED|NAME_RESOLUTION_FAILED|ADDRESS_(UNREACHABLE|INVALID)"
                         r"|INTERNET_DISCONNECTED|NETWORK_(CHANGED|ACCESS_DENIED)"
                         r"|(PROXY|TUNNEL|SOCKS)_CONNECTION_FAILED|TIMED_OUT|UNSAFE_PORT)(?![A-Z_])")
REACHED = set()   # the sites a page was opened on
CHECK_COMMENT = {check_comment!r}   # the comment the check at the end starts with
VIEWPORT = {viewport}
WAIT_MS = {wait_ms}
DIFFERS_WAIT_MS = {differs_wait_ms}   # each page state's wait once one differed (below)
DIFFERS = []   # the first page state that differed, once one did

# what is typed where a value is not given: one its field accepts (an <input type=email>
# refuses other text, and its form is not sent), else a placeholder that says what to give
STAND_INS = {{
{stand_ins}}}
FILL_IN = {{
{fill_in}}}
# a select's value must be one of its options: a stand-in cannot be one
SELECTED = {selects}
TYPED = []   # the stand-ins typed so far (`filled`)
LATER = []   # notes said once the site answers (a site down: "cannot reach" alone)


def filled(name):
    """FILL_IN's value for `name`; where none is given, its stand-in, noted (the site may
    go another way from there: a failure later names it)."""
    if FILL_IN[name] == STAND_INS[name] and name not in TYPED:
        TYPED.append(name)
    return FILL_IN[name]


# what the recording holds where a value was masked: asterisks (a field, a value typed, its
# echoes), or a detector's x's - an address or a card number masked in a text, each character
# an x ("xxxx xxxx xxxx xxxx"), counted only from {detector_min} x's ("Box" is a word)
MASKED = re.compile(r"\\*{{3,}}|" + {masked_run})


def masked_parts(recorded):
    """The masked parts of a recorded text, as matches."""
    return [m for m in MASKED.finditer(recorded) if m.group().startswith("*")
            or m.group().count({masked_char}) >= {detector_min}]


def recorded_pattern(recorded):
    """A recorded text as a pattern: each masked part stands for any text (the value itself
    was never recorded)."""
    parts, at = [], 0
    for m in masked_parts(recorded):
        parts.append(re.escape(recorded[at:m.start()]))
        at = m.end()
    parts.append(re.escape(recorded[at:]))
    return ".+?".join(parts)


def path_and_names(url):
    """A request's path and its query's names (sorted), not their values."""
    path, _, query = url.partition("?")
    return path, tuple(sorted({{k for k, _ in parse_qsl(query, keep_blank_values=True)}}))


def recorded_in(recorded, seen):
    """Whether `seen` says what the recording said, whatever the masked parts were."""
    return re.search(recorded_pattern(recorded), seen, re.DOTALL) is not None


def _on(url, site):
    return url == site or url.startswith((site + "/", site + "?", site + "#"))


def moved(recorded_url):
    """A recorded URL on the site it is run against (BASE_URL for the first site opened,
    REPLAY_BASE_URL_2... for the others)."""
    for origin, _ in SITES:
        if _on(recorded_url, origin):
            site = BASE_URL if origin == RECORDED_ORIGIN else MOVED[origin]
            return site + recorded_url[len(origin):]
    return recorded_url


def site_path(url):
    """A URL of this run without its site: the path and query, as the recording has them."""
    for site in (BASE_URL, *MOVED.values()):
        if site and _on(url, site):
            return url[len(site):]
    parts = urlsplit(url)
    return url[len(f"{{parts.scheme}}://{{parts.netloc}}"):] if parts.netloc else url


class Unreachable(Exception):
    """A site the script cannot reach: it cannot run here (exit 2)."""


class NothingToReproduce(Exception):
    """A script of a range that holds no step and no error: it checked nothing (exit 2)."""


def goto(page, recorded_url):
    """Open a recorded URL on the site it is run against."""
    url = moved(recorded_url)
    parts = urlsplit(url)
    site = f"{{parts.scheme}}://{{parts.netloc}}"
    try:
        page.goto(url)
    except PlaywrightError as exc:
        error = UNREACHABLE.search(str(exc))
        if error is None or site in REACHED:   # a site that answered before: its failure
            raise
        var = next((v for o, v in SITES if _on(recorded_url, o)), None)
        do = "serve it on another port (Chromium refuses this one)" \\
            if error.group(0).endswith("UNSAFE_PORT") else "start it"
        raise Unreachable(f"cannot reach {{site}} ({{error.group(0)}}) - {{do}}"
                          + (f", or set {{var}}" if var else "")) from None
    REACHED.add(site)
    while LATER:
        print(LATER.pop(0), file=sys.stderr)


def wait_for(page, recorded_url, until="load"):
    """Wait for the page a step opened (a masked part of its address: any text); `until`
    "commit" for one shown out of the back/forward cache (it fires no load event)."""
    recorded_url = moved(recorded_url)
    if masked_parts(recorded_url):
        recorded_url = re.compile("^" + recorded_pattern(recorded_url) + "$", re.DOTALL)
    page.wait_for_url(recorded_url, timeout=WAIT_MS, wait_until=until)


def opened_by_step(page, recorded_url, step):
    """Wait for the page step `step` opened; where none comes in time, open it, said: a
    page loaded just after a step need not be its doing (an address typed into record
    mode's bar just after a click), and opening it again would lose what the step began (a
    request it sent, a single-page app's state) where it was."""
    try:
        wait_for(page, recorded_url)
    except PlaywrightError:
        print(f"note: step {{step}} opened no page in {{WAIT_MS / 1000:g}} s - opening"
              f" {{moved(recorded_url)}} as step {{step + 1}} (its address typed, perhaps)",
              file=sys.stderr)
        goto(page, recorded_url)


def locate(page, selector):
    """The element of a selector; "FRAME |> SELECTOR": inside that frame."""
    *frames, selector = selector.split({frame_sep!r})
    within = page
    for frame in frames:
        within = within.frame_locator(frame)
    return within.locator(selector)


def expect_text(page, selector, text, after_step=None):
    """Wait for the text the recording showed here, after step `after_step` (as it was
    just before the next step); if the site shows other text, say so and go on (the steps
    after it may still reach the bug) - and from then on wait DIFFERS_WAIT_MS for a state:
    the site's data has moved on, and the later states likely differ too."""
    wait = min(WAIT_MS, DIFFERS_WAIT_MS) if DIFFERS else WAIT_MS
    try:
        expect(locate(page, selector)).to_have_text(text, timeout=wait)
    except AssertionError:
        loc = locate(page, selector)
        seen = " ".join((loc.first.text_content() or "").split()) if loc.count() else None
        step = f"step {{after_step}}" if after_step is not None else "it"
        print(f"note: after {{step}}, {{selector}} "
              + (f"shows {{seen!r}}" if seen is not None else "is not there")
              + f"; after that step the recording showed {{text!r}}; going on", file=sys.stderr)
        if not DIFFERS and wait > DIFFERS_WAIT_MS:
            print(f"note: the site's data differs from the recording's: each later page state"
                  f" is waited for {{DIFFERS_WAIT_MS / 1000:g}} s, not {{WAIT_MS / 1000:g}} s",
                  file=sys.stderr)
        DIFFERS.append(selector)


def reproduce(page):
    """The recorded steps; returns the error the session hit (None if it hit none)."""
    page_errors, console_errors, failed = [], [], []
    page.on("pageerror", lambda exc: page_errors.append(f"{{exc.name}}: {{exc.message}}"))
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    page.on("response", lambda r: r.status >= 400 and failed.append(r))
{steps}
{check}


def failed_step(exc):
    """The `# N. ...` comment above the line of reproduce() that raised `exc`."""
    lines = open(__file__, encoding="utf-8").read().splitlines()
    at = [f.lineno for f in traceback.extract_tb(exc.__traceback__)
          if f.filename == __file__ and f.name == "reproduce"]
    for line in reversed(lines[:at[-1]] if at else []):
        if line.strip().startswith(CHECK_COMMENT):
            break
        m = re.match(r"\\s*# (\\d+\\. .*?)  \\(at ", line)
        if m:
            return "step " + m.group(1)
    return LAST_CHECK


LAST_CHECK = "the check at the end"


def main():
    global WAIT_MS
    wait = os.environ.get("REPLAY_WAIT_MS")
    if wait is not None:
        if not wait.strip().isdigit():
            print(f"REPLAY_WAIT_MS={{wait}} is not a number of milliseconds: give one (the"
                  f" default is {{WAIT_MS}}), or unset it", file=sys.stderr)
            return 2
        WAIT_MS = int(wait)
    chromium = os.environ.get("REPLAY_CHROMIUM") or None
    if chromium and not os.path.isfile(chromium):
        print(f"REPLAY_CHROMIUM={{chromium}} is not a file: give the path of a Chromium or Chrome"
              " executable, or unset it to use Playwright's own", file=sys.stderr)
        return 2
    unset = [k for k, v in FILL_IN.items() if v == STAND_INS[k]]
    chosen = [k for k in SELECTED if k in unset]
    if chosen:
        print(f"cannot reproduce without the option chosen in {{', '.join(chosen)}} (masked when"
              f" recorded, and a select's value must be one of its options): set"
              f" REPLAY_FILL_{{chosen[0]}}=VALUE or edit FILL_IN", file=sys.stderr)
        return 2
    if unset:   # (said once the site answers: it came before "cannot reach", a QA's tryout)
        LATER.append(f"note: no value given for {{', '.join(unset)}}: typing a stand-in for each"
                     " (one its field accepts, else <NAME>: --help lists them; masked when"
                     " recorded: set REPLAY_FILL_<NAME> or edit FILL_IN)")
    with sync_playwright() as p:
        try:
            # (Playwright's Chromium keeps no back/forward cache: a Back loads the page
            # again, where the visitor's may have shown it as it was left - what differs
            # then is said as a note after the step)
            browser = p.chromium.launch(executable_path=chromium,
                                        headless=not os.environ.get("REPLAY_HEADED"))
        except PlaywrightError as exc:
            print(f"cannot start Chromium ({{str(exc).splitlines()[0]}}): run `playwright install"
                  " chromium`, or set REPLAY_CHROMIUM=/path/to/chromium", file=sys.stderr)
            return 2
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(WAIT_MS)   # each step's click, fill, page load too
            found = reproduce(page)
            # a recording without an error: its steps are the reproduction
            say("reproduced: " + (str(found) if found is not None else
                                  "every step ran ({no_error} to check)"))
            return 0
        except Unreachable as exc:
            print(exc, file=sys.stderr)
            return 2
        except NothingToReproduce as exc:
            print(f"nothing to reproduce: {{exc}} - export another range (`replay export"
                  " SESSION -o bug.py` without --from/--to: every step)", file=sys.stderr)
            return 2
        except (PlaywrightError, AssertionError) as exc:
            where = failed_step(exc)
            # a step that failed may be the stand-ins' doing; the check at the end failing
            # after every step ran is first of all the bug not happening (fixed?) - it read as
            # the stand-ins' fault (a QA engineer's tryout against a fixed server)
            typed = "" if not TYPED else (
                f" - stand-ins typed before it: {{', '.join(TYPED)}} (the site may have gone"
                " another way from there: set REPLAY_FILL_<NAME>)" if where != LAST_CHECK else
                f" - every step ran: fixed, or the site needs real values where stand-ins were"
                f" typed ({{', '.join(TYPED)}}: set REPLAY_FILL_<NAME>)")
            print(f"not reproduced: {{where}}: {{str(exc).splitlines()[0]}}{{typed}}",
                  file=sys.stderr)
            return 1
        finally:
            browser.close()


if __name__ == "__main__":
    sys.exit(main())
'''
