"""What an event *means*, decided in one place.

The index (`facts.py`), the player's timeline, the dev-tools panes and `sessions --json`
all read recordings through `Semantics`; nothing else interprets raw payloads. It reads
every shape we accept:

- `replay/rum@1` plugin events, Datadog's field names nested (`{"error": {"message"}}`)
  or flattened (`{"error.message": ...}`): view, action (with `frustration.type`),
  resource, error, long_task, and the `usr` / `device` / `os` / `browser` context;
- `rrweb/console@1` plugin events and rrweb's legacy Log source (IncrementalSource 11);
- `rrweb/network@1` plugin events (rrweb's `{requests: [...]}` and PostHog's fields:
  `name`, `responseStatus`, `transferSize`, epoch or relative `startTime`);
- Sentry's custom events: `breadcrumb` (category `console`) and `performanceSpan`
  (`resource.*` ops);
- rrweb Meta events (a page load or navigation) and recorded clicks;
- the user: RUM `usr`, PostHog (`distinct_id`, person properties), Sentry (`user`), and
  the `identify` custom event `replay import --user` adds (see `user_event`).

Rules (each decided here and nowhere else):
1. Views are the RUM views, counted by `view.id` (RUM re-sends a view as it updates; the
   latest figures win). Without RUM, each Meta event whose URL differs from the previous
   one starts a view (rrweb's periodic re-snapshots repeat the URL and are not views).
   A view the visitor reached with Back or Forward (its `view.navigation_type`
   "back_forward": a document loaded so, a route change of popstate, a page shown again out
   of the back/forward cache - `loading_type` "bf_cache", in recordings made before the RUM
   plugin said it) is `View.back_forward`; a Meta view's navigation is not known.
2. Actions are the RUM actions; without any, recorded clicks stand in for them, and a
   burst of clicks on one element (3 within a second, Datadog's rule) is one action with a
   rage_click signal - but a triple-click in an editable text field (an input one types
   text in, a textarea, a contenteditable) selects its text: one action, no rage (the
   reader that knows the page says which clicks are in one: `feed`'s `in_text_field`;
   rum-plugin.js decides so in the page). Frustration signals are the `frustration.type`
   entries of actions.
3. An error is a RUM error, a console message at level error/assert, a Sentry console
   breadcrumb at level error, a request the network plugin recorded answered 5xx (an
   `HTTPError` worded as the RUM plugin words one: Datadog's rule for a failed request), or
   a page the browser could not load (its error page recorded: a `NavigationError`).
   A RUM error and a console message or network-plugin request saying the same thing
   within `ECHO_WINDOW_MS` of each other are **one** error (the browser's uncaught-error
   echo, Datadog's console-sourced error next to the console call, a failed request both
   plugins saw): the RUM report's type, source and stack are kept, with the earlier time.
4. An error group is (type, normalised message, top stack frame).
5. A failed request (answered 5xx, or not at all) and the console.error line the page logs
   about it are **one** error - one problem, as Datadog and Sentry tie a failed fetch to the
   console error it caused: the line is a logged one (a console.error/assert call, not a
   thrown error, which has a stack and a group of its own), comes at most `CLOCK_TICK_MS`
   before and `FAILURE_REPORT_MS` after the failure, in the same view, and names the
   request - its URL's path ("/api/quote") or its status as a number of its own ("500",
   not "15000"). Each failure takes one line, the nearest; each line one failure. The
   request's error stays (its type, message, group and time), holding the line's text and
   time (`logged`, `logged_t`) and both reporters. Rule 3 joins two reports of one error;
   this joins an error and its consequence, so it runs over rule 3's errors
   (`Semantics.reports`) whatever order they were read in: `Semantics.errors` is the result.

Times: `feed(event, t)` takes the event's time on the caller's clock (the index uses
epoch ms, the player ms after the first event); an item that carries its own date (RUM
`date`, a request's epoch `startTime`, a console line's `date`: capture.js sends a line
logged before the page's snapshot, or before Record, stamped when sent - a recording's
timestamps never go back - dated when logged) is placed at `t + (date - event.timestamp)`,
one dated before the session's start at its start.
Bad or unexpected fields are counted in `warnings`, never raised.
"""
from __future__ import annotations

import enum
import json
import re
from bisect import bisect_left, bisect_right
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import urlsplit

import msgspec
import msgspec.structs

from .format import (CONSOLE_PLUGIN, NETWORK_PLUGIN, RUM_PLUGIN, SYNTHETIC, SYNTHETIC_USER,
                     EventType, IncrementalSource, MouseInteractions, type_shown)
from .media import CONTEXT_KEY as MEDIA_CONTEXT_KEY, read_meta

Raw = dict[str, Any]

ECHO_WINDOW_MS = 1000.0       # a console echo of a RUM error arrives within this
# Rule 5: a page logs a failed request in the fetch's own handler, as the response settles,
# at most after reading its (small) error body - 1 ms after the failure in the demo. A second
# leaves a slow body read room; a line later than that is about what the page did since (a
# retry, another request), and a status it names is as likely another request's.
FAILURE_REPORT_MS = 1000.0
# Date.now() stamps a console line in whole ms, while a request fails at its start plus a
# fractional duration: a line logged in the same ms as the failure may read this much before it
CLOCK_TICK_MS = 1.0
_ECHO_LOOKBACK = 32           # errors looked back at for an echo partner
_EPOCH_MS = 1e11              # a number above this is an epoch-ms date, not an offset
_NS_THRESHOLD = 1e5           # a RUM duration above this (100 s) is in ns, as Datadog sends
_MAX_MESSAGE = 2000
CLICK_CHAIN_MS = 1000.0       # Datadog's click chain: same element, each within 1 s
RAGE_CLICKS = 3               # ... and this many clicks within 1 s are a rage click
SELECT_CLICKS = 3             # ... but up to this many in a text field select its text (a
                              # double-click a word, a triple-click a line or all of it)
RAGE_CLICK = "rage_click"
IDENTIFY_TAG = "identify"     # custom event tag carrying a user (see `user_event`)
IDENTIFY_TAGS = (IDENTIFY_TAG, "$identify")   # ... and PostHog's


class Reporter(str, enum.Enum):
    """Who reported an error (an error reported twice lists both)."""
    RUM = "rum"
    CONSOLE = "console"       # rrweb's console plugin
    LOG = "log"               # rrweb's legacy Log source
    SENTRY = "sentry"         # a Sentry console breadcrumb (or a resource span answered 5xx)
    NETWORK = "network"       # rrweb's network plugin (a request answered 5xx)
    BROWSER = "browser"       # the browser's own error page where a page did not load


# who reports an error with a line of the recording's console
CONSOLE_REPORTERS = frozenset({Reporter.CONSOLE.value, Reporter.LOG.value, Reporter.SENTRY.value})
# who may echo a RUM error (rule 3)
_ECHO_REPORTERS = CONSOLE_REPORTERS | {Reporter.NETWORK.value}
HTTP_ERROR_STATUS = 500       # a request answered this or above failed (rum-plugin.js too)
# Chromium's page for a load that failed (a site down, an address mistyped): recorded as a
# page of its own, with this URL - a page that did not load, and an error (rule 3)
BROWSER_ERROR_PAGE = "chrome-error://"
# `view.navigation_type` of a view reached with Back or Forward (PerformanceNavigationTiming's
# word; the RUM plugin's route change of popstate, its page out of the back/forward cache)
BACK_FORWARD = "back_forward"
BF_CACHE = "bf_cache"   # `view.loading_type` of a page shown again out of the back/forward cache
PAGE_DID_NOT_LOAD = "a page did not load: the browser showed its error page"


def http_error_message(method: str, url: str, status: int) -> str:
    """A failed request's error message, in rum-plugin.js's words."""
    return f"{method} {url} failed with status {status}"

# Where an error came from, as a RUM error's `source` says it (Datadog's values), in words
ERROR_ORIGINS = {"source": "the page's code", "network": "a request", "console":
                 "a console.error call", "custom": "the page's own report (addError)",
                 "report": "a browser report", "logger": "a logger", "agent": "the recorder"}


# who reported an error (Reporter), in words
REPORTERS_SHOWN = {"rum": "RUM", "console": "the console", "log": "rrweb's log",
                   "sentry": "Sentry", "network": "the network recorder", "browser": "the browser"}


def reporters_shown(reported_by: list[str]) -> str:
    """"RUM + the console" from an error's `reported_by`; "" for none."""
    return " + ".join(REPORTERS_SHOWN.get(r, r) for r in reported_by)


def error_origin(source: str) -> str:
    """An error's `source` as a person reads it ("source" is the page's code); one this
    table does not know as it is; "" for none."""
    return ERROR_ORIGINS.get(source, source or "")
_ERROR_LEVELS = frozenset({"error", "assert"})
_CLICK_KINDS = {int(MouseInteractions.Click): "click", int(MouseInteractions.DblClick): "dblclick",
                int(MouseInteractions.ContextMenu): "contextmenu",
                int(MouseInteractions.TouchEnd): "touchend"}
_TIMED_VITALS = ("largest_contentful_paint", "interaction_to_next_paint", "first_contentful_paint",
                 "first_input_delay", "loading_time")
_VITALS = _TIMED_VITALS + ("cumulative_layout_shift", "time_spent")


# --- what events mean ----------------------------------------------------------------
class User(msgspec.Struct, frozen=True, omit_defaults=True):
    id: str | None = None
    name: str | None = None
    email: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in msgspec.structs.asdict(self).items() if v}


class ConsoleMessage(msgspec.Struct, frozen=True, gc=False):
    t: float
    level: str
    message: str
    trace: list[str] = []
    source: str = "console"   # Reporter: console | log | sentry


ERROR_LINE_CHARS = 200   # an error said in one line (among steps, on the timeline)


def error_line(message: str) -> str:
    """An error said in one line: the first line of what it said (`Error` when it said
    nothing), cut to ERROR_LINE_CHARS with "…"."""
    line = next((ln for ln in (message or "").splitlines() if ln.strip()), "Error")
    return line if len(line) <= ERROR_LINE_CHARS else line[:ERROR_LINE_CHARS - 1] + "…"


class ErrorEvent(msgspec.Struct, frozen=True, gc=False):
    t: float
    message: str
    source: str = ""          # where from, as RUM's error.source says it (ERROR_ORIGINS)
    stack: str = ""
    type: str = ""            # TypeError, HTTPError...; "console" for a console.error call
    reported_by: list[str] = []   # Reporter values, sorted
    thrown: bool = False      # an uncaught error or unhandled rejection, not a console.error call
    url: str = ""             # a failed request's URL ("" for any other error)
    status: int | None = None  # ... and its status (0: it was never answered)
    logged: str = ""          # the console line that reported this failed request (rule 5)
    logged_t: float | None = None   # ... and when it was logged
    logged_stack: str = ""    # ... and where from: that line's call stack (a request's failure
    # has none of its own; its details said "(no stack recorded)" beside the Console tab's
    # `at submitOrder (app.js:27:22)`, a QA engineer's tryout)

    @property
    def fingerprint(self) -> tuple[str, str, str]:
        """Rule 4: (type, normalised message, top frame)."""
        return (self.type, normalise_message(self.message, self.type), top_frame(self.stack))

    @property
    def said(self) -> str:
        """All the error says, as a search looks for it: its message, then (rule 5) the
        console line that reported it on a line of its own - a person searches for either."""
        return f"{self.message}\n{self.logged}" if self.logged else self.message


class ErrorGroup(msgspec.Struct, frozen=True, gc=False):
    type: str
    message: str              # the first occurrence's message
    frame: str                # normalised top frame ("" when no stack)
    count: int
    first_t: float
    last_t: float
    first: ErrorEvent         # the first occurrence (its stack, source)


# what a pending request's answer is said to be (the Network tab's details, a HAR's status text)
PENDING_SAID = "no answer before the page was left or the recording stopped"


class Resource(msgspec.Struct, frozen=True, gc=False):
    t: float                  # start of the request
    url: str
    method: str = "GET"
    status: int | None = None
    duration: float | None = None   # ms
    size: int | None = None
    type: str = ""            # fetch, xhr, image, css, document...
    source: str = "rum"       # rum | network | sentry
    started: float | None = None   # its start as recorded, before `t` was held to the session
                                   # (a page's document request starts before its recorder)
    # headers as stored (rrweb's network plugin records them; the rules say which are kept)
    request_headers: tuple[tuple[str, str], ...] = ()
    response_headers: tuple[tuple[str, str], ...] = ()
    # the response's Content-Type as recorded: the RUM plugin's `content_type` (read off the
    # response in the page), else the network plugin's response header; "" where not recorded
    content_type: str = ""
    # still waiting for its answer when its page was left or the recording stopped (the RUM
    # plugin's `pending`: the page's pagehide, capture.js's stop(), record mode's Stop): no
    # status, its duration up to then (PENDING_SAID)
    pending: bool = False


def start_order(r: Resource) -> tuple[float, float]:
    """The order requests started in: by `t`, and those held to the session's start by when
    they really started (the Network tab and the HAR list them so)."""
    return r.t, r.t if r.started is None else r.started


class Action(msgspec.Struct, frozen=True, gc=False):
    t: float
    type: str                 # click, tap, scroll, custom...; dblclick... for recorded clicks
    target: str = ""
    frustrations: list[str] = []
    id: int | None = None     # the clicked node (recorded clicks)
    selector: str = ""
    x: float | None = None
    y: float | None = None
    source: str = "rum"       # rum | click
    count: int = 1            # clicks it stands for (a rage burst's, recorded clicks)
    in_text_field: bool = False   # a recorded click in an editable text field (rule 2)


class View(msgspec.Struct, frozen=True, gc=False):
    t: float
    url: str
    name: str = ""
    end_t: float | None = None
    vitals: dict[str, float] = {}
    view_id: str = ""
    index: int = 0            # position of the view's first event in what was fed
    source: str = "rum"       # rum | meta
    back_forward: bool = False   # reached with Back or Forward (rule 1)


class LongTask(msgspec.Struct, frozen=True, gc=False):
    t: float
    duration: float | None


# --- reading fields -------------------------------------------------------------------
def rum_field(payload: Any, dotted: str) -> Any:
    """`payload["a"]["b"]` or `payload["a.b"]` (Datadog's names, nested or flattened)."""
    if not isinstance(payload, dict):
        return None
    if dotted in payload:
        return payload[dotted]
    cur: Any = payload
    parts = dotted.split(".")
    for i, p in enumerate(parts):
        if not isinstance(cur, dict):
            return None
        if p in cur:
            cur = cur[p]
            continue
        return cur.get(".".join(parts[i:]))
    return cur


# A RUM action's name, where `_rum_action` reads it (the first that is set), nested or
# flattened as `rum_field` reads Datadog's names.
ACTION_NAMES = ("action.target.name", "action.name")
ACTION_SELECTOR = "action.target.selector"   # (the plugin's `selectorOf` of the element)


class RumClick(msgspec.Struct, frozen=True):
    """What a RUM click action says of its click: when and where (None where it does not
    say) and the selector of the element (the plugin's `selectorOf`)."""
    date: float | None
    x: float | None
    y: float | None
    selector: str


_CLICK = int(MouseInteractions.Click)


def interaction_place(data: Raw) -> tuple[float, float] | None:
    """Where a MouseInteraction (rrweb's source 2) happened, in the viewport; None when
    nowhere: no x/y (focus, blur; capture.js's click no pointer made), and a click at
    exactly 0, 0 - the place the browser gives a click no pointer made (Enter or Space on a
    button, a form submitted with Enter, a script's `el.click()`), which rrweb's recorder
    records as it is (its `pointerType` does not tell: it carries the last pointer's over
    to such a click). A person's click on the page's very corner pixel is lost with them.
    The one reading for the player's cursor and ripples, the timeline's mouse path and the
    Actions list."""
    x, y = _num(data.get("x")), _num(data.get("y"))
    if x is None or y is None or (x == 0 and y == 0 and data.get("type") == _CLICK):
        return None
    return x, y


def rum_click(payload: Any) -> RumClick | None:
    """The click a RUM click action names, or None: not a click action. (The privacy pass
    finds the element clicked by it.)"""
    if not isinstance(payload, dict) or payload.get("type") != "action" or \
            rum_field(payload, "action.type") != "click":
        return None
    sel = rum_field(payload, ACTION_SELECTOR)
    return RumClick(_num(payload.get("date")), _num(rum_field(payload, "action.position.x")),
                    _num(rum_field(payload, "action.position.y")),
                    sel if isinstance(sel, str) else "")


def rum_action_names(payload: Raw, fn: Callable[[str], str]) -> Raw:
    """`payload` (a RUM action) with `fn` applied to every name it holds (ACTION_NAMES)."""
    return rum_strings_at(payload, ACTION_NAMES, fn)


def rum_strings_at(payload: Raw, places: tuple[str, ...], fn: Callable[[str], str]) -> Raw:
    """`payload` with `fn` applied to each non-empty string at one of `places` (dotted),
    whether its keys are nested, flattened or both (`rum_field` reads one of them; all of
    them are stored); the same object back when nothing changed."""
    def walk(obj: dict, prefix: str) -> dict:
        out = None
        for k, v in obj.items():
            if not isinstance(k, str):
                continue
            path = prefix + k
            new = v
            if isinstance(v, str):
                if v and path in places:
                    new = fn(v)
            elif isinstance(v, dict) and any(n.startswith(path + ".") for n in places):
                new = walk(v, path + ".")
            if new is not v and new != v:
                if out is None:
                    out = dict(obj)
                out[k] = new
        return obj if out is None else out
    return walk(payload, "")


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _int(v: Any) -> int | None:
    n = _num(v)
    return int(n) if n is not None else None


def _str(v: Any) -> str:
    return v if isinstance(v, str) else ("" if v is None else str(v))


def _ms(v: Any) -> float | None:
    """A RUM duration in ms (Datadog sends nanoseconds)."""
    n = _num(v)
    return n / 1e6 if n is not None and n > _NS_THRESHOLD else n


def arg_text(a: Any) -> str:
    """One console argument as a person reads it: the console plugin JSON-encodes each
    argument, so strings are shown unquoted and objects as compact JSON."""
    if isinstance(a, str):
        try:
            v = json.loads(a)
        except ValueError:
            return a
        return v if isinstance(v, str) else _compact_json(v)
    return "" if a is None else _compact_json(a)


def _compact_json(v: Any) -> str:
    """JSON as the page's JSON.stringify writes it (no space after `:` or `,`): the RUM
    plugin's copy of a console.error is written so, and the two must read alike to be one
    error - `{"code": 7}` beside `{"code":7}` made one call two errors (a site owner's tryout)."""
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def console_text(args: Any) -> str:
    """A console call's arguments joined as the browser's console shows them."""
    if isinstance(args, list):
        return " ".join(arg_text(a) for a in args)[:_MAX_MESSAGE]
    return arg_text(args)[:_MAX_MESSAGE]


# --- error identity -------------------------------------------------------------------
# What an uncaught error's report says before its message: the browser's console ("Uncaught",
# "Uncaught (in promise)") and the RUM plugin's for a rejected promise (rum-plugin.js,
# "unhandledrejection") - so a rejection reported by both is one error
_UNCAUGHT = re.compile(r"^\s*(?:Uncaught\s+(?:\(in promise\)\s+)?|Unhandled promise rejection:\s*)")
# a type's name: Error itself too (a page's `throw new Error(...)`), TypeError, DOMException...
_TYPED = re.compile(r"^((?:[A-Z][A-Za-z0-9_$]*)?(?:Error|Exception)):\s*(.*)$", re.DOTALL)
_VOLATILE = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
                       r"|\b(?=[0-9a-f]*\d)[0-9a-f]{12,}\b|\d{4,}", re.IGNORECASE)
_STACK_TAIL = re.compile(r"\n\s*at\s.*\Z", re.DOTALL)   # an Error.stack's frames, after its message
_LINE_COL = re.compile(r"(:\d+){1,2}(?=\)?$)")
_QUERY = re.compile(r"[?#][^\s)]*")


# An uncaught error as capture.js's console plugin records it: the error's stack alone, its
# header line then its frames (a console.error(err) call has the header twice, rrweb's console
# plugin adds "End of stack for Error object" after the frames)
_BARE_STACK = re.compile(r"^[A-Za-z_$][\w$]*: [^\n]*\n\s*at \S")


def _uncaught(text: str, args: Any) -> bool:
    """A console message that reports an uncaught error or unhandled rejection (not a
    console.error call): the browser's "Uncaught ..." (rrweb's plugin records that), or
    capture.js's one argument, an error's bare stack."""
    if _UNCAUGHT.match(text):
        return True
    return isinstance(args, list) and len(args) == 1 and bool(_BARE_STACK.match(text)) and \
        not text.rstrip().endswith("End of stack for Error object")


def split_uncaught(text: str) -> tuple[str, str]:
    """("TypeError", "x is null") from "Uncaught TypeError: x is null", or from an Error's
    stack as capture.js echoes an uncaught error ("TypeError: x is null\n    at f (...)");
    ("", text) when the text names no error type."""
    head = _UNCAUGHT.sub("", text)
    m = _TYPED.match(head)
    return (m.group(1), _STACK_TAIL.sub("", m.group(2))) if m else ("", head)


_REJECTION = re.compile(r"^\s*(?:Uncaught\s+\(in promise\)|Unhandled promise rejection:)")
# the type the RUM plugin gives a rejection whose reason is no Error (`Promise.reject("boom")`):
# it has no name, and a browser reports it by its message alone
NON_ERROR_REJECTION = "UnhandledRejection"
_FRAME = re.compile(r"^\s*at\s|@\S+:\d+")   # a stack's frame, V8's or Firefox's


_AT = re.compile(r"^at\s+")   # a V8 stack frame's word before it


def uncaught_line(e: "ErrorEvent") -> tuple[str, list[str]]:
    """An uncaught error or unhandled rejection as the browser's console says it, and its
    stack's frames as a console line's trace holds them (rrweb's console plugin: no "at "):
    ("Uncaught (in promise) TypeError: x is null", ["f (app.js:3:9)"]) - the Console tab's
    details and `replay devtools` say "at " before each (they said "at at")."""
    kind = "Uncaught (in promise)" if _REJECTION.match(e.message) else "Uncaught"
    etype, msg = split_uncaught(e.message)
    etype = etype or (e.type if e.type not in ("", "console") else "")
    said = f"{kind} {etype}: {msg}" if etype and not msg.startswith(etype) else f"{kind} {msg}"
    frames = [_AT.sub("", ln.strip()) for ln in e.stack.splitlines() if _FRAME.search(ln)]
    return said, frames


def logged_error(args: Any) -> tuple[str, str]:
    """("TypeError", "save failed: x is null") of console.error("save failed:", err): an Error
    logged beside other arguments is written as its stack, and the RUM plugin names the call
    by the Error's message (rum-plugin.js) - so the first argument that is an Error's stack
    stands as its message, and its type is the call's. ("", text) when no argument is one."""
    texts = [arg_text(a) for a in args] if isinstance(args, list) else [arg_text(args)]
    for i, text in enumerate(texts):
        m = _TYPED.match(text) if _BARE_STACK.match(text) else None
        if m:
            texts[i] = _STACK_TAIL.sub("", m.group(2))
            return m.group(1), " ".join(texts)[:_MAX_MESSAGE]
    return "", " ".join(texts)[:_MAX_MESSAGE]


def normalise_message(message: str, type_: str = "") -> str:
    """The message without "Uncaught", a repeated "Type:" prefix, volatile ids and long
    numbers (order numbers, timestamps), whitespace collapsed - what stays the same each
    time the error happens."""
    m = _UNCAUGHT.sub("", message or "").strip()
    if type_ and m.startswith(type_ + ":"):
        m = m[len(type_) + 1:]
    return " ".join(_VOLATILE.sub("<n>", m).split())


def top_frame(stack: str) -> str:
    """The first frame of a stack, without line/column or query: "fn (https://x/app.js)"."""
    for line in (stack or "").splitlines():
        s = line.strip()
        if s.startswith("at "):
            s = s[3:]
        elif not re.search(r":\d+(:\d+)?\)?$", s):
            continue   # the message line of an Error.stack
        return _QUERY.sub("", _LINE_COL.sub("", s))
    return ""


def _echoes(a: ErrorEvent, b: ErrorEvent) -> bool:
    """Rule 3: one report is RUM and the other a console message or a network-plugin request,
    close in time, and they say the same thing."""
    a_rum, b_rum = Reporter.RUM.value in a.reported_by, Reporter.RUM.value in b.reported_by
    a_con = bool(_ECHO_REPORTERS.intersection(a.reported_by))
    b_con = bool(_ECHO_REPORTERS.intersection(b.reported_by))
    if not ((a_rum and not a_con and b_con and not b_rum) or (b_rum and not b_con and a_con and not a_rum)):
        return False
    if abs(a.t - b.t) > ECHO_WINDOW_MS:
        return False
    return normalise_message(a.message, a.type) == normalise_message(b.message, b.type)


def _merge(a: ErrorEvent, b: ErrorEvent) -> ErrorEvent:
    rum, con = (a, b) if Reporter.RUM.value in a.reported_by else (b, a)
    return ErrorEvent(min(a.t, b.t), rum.message or con.message, rum.source or con.source,
                      rum.stack or con.stack, rum.type or con.type,
                      sorted(set(a.reported_by) | set(b.reported_by)), a.thrown or b.thrown,
                      rum.url or con.url, rum.status if rum.status is not None else con.status)


def _logged_line(e: ErrorEvent) -> bool:
    """Rule 5: a console.error/assert call's line (RUM's console-sourced copy of it too)."""
    return e.source == "console" and not e.thrown and not e.url


def names_request(text: str, url: str, status: int | None) -> bool:
    """Rule 5: `text` names the request - its URL's path (not a bare "/", which any text
    may hold), or a status it was answered as a number of its own ("500", not "15000")."""
    try:
        path = urlsplit(url).path
    except ValueError:
        path = ""
    if len(path) > 1 and path in text:
        return True
    return bool(status) and re.search(rf"(?<!\d){status}(?!\d)", text) is not None


def join_reported_failures(errors: list[ErrorEvent], view_starts: list[float]) -> list[ErrorEvent]:
    """Rule 5 over rule 3's `errors` (in the order read; `view_starts`: each view's start, in
    time order): each failed request holding the console line that reported it, the line
    no error of its own. The same list when nothing joins."""
    failures = sorted((i for i, e in enumerate(errors) if e.url), key=lambda i: errors[i].t)
    if not failures:
        return errors
    times = [errors[i].t for i in failures]
    out = list(errors)
    taken: set[int] = set()     # failures that hold their line
    gone: set[int] = set()      # lines a failure holds
    lines = sorted((j for j, e in enumerate(errors) if _logged_line(e)), key=lambda j: errors[j].t)
    for j in lines:
        line = errors[j]
        view = bisect_right(view_starts, line.t)
        lo = bisect_left(times, line.t - FAILURE_REPORT_MS)
        for k in range(bisect_right(times, line.t + CLOCK_TICK_MS) - 1, lo - 1, -1):   # nearest first
            i = failures[k]
            f = errors[i]
            if i in taken or bisect_right(view_starts, f.t) != view \
                    or not names_request(line.message, f.url, f.status):
                continue
            out[i] = msgspec.structs.replace(
                f, reported_by=sorted(set(f.reported_by) | set(line.reported_by)),
                logged=line.message, logged_t=line.t, logged_stack=line.stack)
            taken.add(i)
            gone.add(j)
            break
    return [e for j, e in enumerate(out) if j not in gone]


def error_groups(errors: list[ErrorEvent]) -> list[ErrorGroup]:
    """Rule 4, most frequent first (then first seen)."""
    acc: dict[tuple[str, str, str], list] = {}
    for e in errors:
        g = acc.get(e.fingerprint)
        if g is None:
            acc[e.fingerprint] = [e, 1, e.t, e.t]
        else:
            g[1] += 1
            g[2] = min(g[2], e.t)
            g[3] = max(g[3], e.t)
    out = [ErrorGroup(k[0], first.message, k[2], n, lo, hi, first)
           for k, (first, n, lo, hi) in acc.items()]
    out.sort(key=lambda g: (-g.count, g.first_t))
    return out


# --- recorded clicks as actions ---------------------------------------------------------
def click_actions(clicks: list[Action]) -> list[Action]:
    """Rule 2's stand-ins, with Datadog's rage rule: clicks on one element, each within
    `CLICK_CHAIN_MS` of the one before, form a chain; a chain holding `RAGE_CLICKS` clicks
    within `CLICK_CHAIN_MS` is one action with a rage_click signal (like a RUM action) -
    unless it is a triple-click in an editable text field (no more than `SELECT_CLICKS`
    clicks, `in_text_field`), which selects the field's text: one action of that many clicks,
    no signal (QA's triple-click to retype a ZIP was a RAGE step, badge and count). Any
    other chain is one action per click."""
    out: list[Action] = []
    chain: list[Action] = []

    def close() -> None:
        if not any(chain[i + RAGE_CLICKS - 1].t - chain[i].t <= CLICK_CHAIN_MS
                   for i in range(len(chain) - RAGE_CLICKS + 1)):
            out.extend(chain)
        elif chain[0].in_text_field and len(chain) <= SELECT_CLICKS:
            out.append(msgspec.structs.replace(chain[0], count=len(chain)))
        else:
            out.append(msgspec.structs.replace(chain[0], frustrations=[RAGE_CLICK],
                                               count=len(chain)))

    for c in clicks:
        last = chain[-1] if chain else None
        if last is not None and c.type == last.type == "click" and c.id is not None \
                and c.id == last.id and c.t - last.t <= CLICK_CHAIN_MS:
            chain.append(c)
            continue
        if chain:
            close()
        chain = [c]
    if chain:
        close()
    return out


class ActionCounts(msgspec.Struct, array_like=True, frozen=True):
    """Rule 2 counted both ways: the RUM actions and their frustration signals, and the
    recorded clicks' stand-ins and theirs (`shown` is what the Actions tab shows). Parts of a
    session read apart (a live session's batches) add up: the clicks of one batch come
    before the RUM actions the page's RUM made of them, which come in the next - adding what
    each batch showed counted those actions twice, and a batch's RUM actions hid no click
    of another. (A click burst a batch boundary cuts is two chains; the whole session read
    again - compaction, repair - counts it as one.)"""
    rum: int = 0
    rum_frustrations: int = 0
    clicks: int = 0
    click_frustrations: int = 0

    def __add__(self, other: "ActionCounts") -> "ActionCounts":
        return ActionCounts(self.rum + other.rum, self.rum_frustrations + other.rum_frustrations,
                            self.clicks + other.clicks,
                            self.click_frustrations + other.click_frustrations)

    @property
    def shown(self) -> tuple[int, int]:
        """(actions, frustration signals) as the Actions tab shows them."""
        return (self.rum, self.rum_frustrations) if self.rum else \
            (self.clicks, self.click_frustrations)


def _frustrations(actions: list[Action]) -> int:
    return sum(len(a.frustrations) for a in actions)


# --- the user -------------------------------------------------------------------------
_MASKED = re.compile(r"[x*\s]*")   # what the privacy pass leaves of a masked value
# The fields `user_from` reads a user from, each in the order it prefers them: a user
# object's own (`distinct_ids` a list: its first), and its person properties'
_DISTINCT_IDS = "distinct_ids"
_ID_FIELDS = ("distinct_id", _DISTINCT_IDS, "id", "uuid")
_NAME_FIELDS = ("name", "display_name", "username")
_EMAIL_FIELDS = ("email",)
_PERSON_PROPS = ("$set", "properties")   # (the same key in both: `properties`' wins)
_PROPS_NAME_FIELDS = ("name",)
_PROPS_EMAIL_FIELDS = ("email", "$email")
_USER_FIELDS = frozenset(_ID_FIELDS + _NAME_FIELDS + _EMAIL_FIELDS)
_PROPS_USER_FIELDS = frozenset(_PROPS_NAME_FIELDS + _PROPS_EMAIL_FIELDS)
_RUM_USER = "usr"   # RUM's user (Datadog's `usr`): nested, or flattened as `usr.id`...
_RUM_USER_FIELDS = frozenset({"id", "name", "email"})


def is_owner_field(e: Any, keys: list) -> bool:
    """Whether the string at `keys` (its path from the event: keys and list indexes) is where
    the recording names its user - an identify event's user fields (ours, PostHog's
    `$identify`), RUM's `usr.id/name/email` (nested or flattened): the places `user_from`
    reads and `with_user_id_only` hands over. The person a session belongs to is kept by
    design (search, `replay delete --user`): there (`privacy.strings.Kind.OWNER`) the
    detector pass and the audit leave the session's owner - the values `merged_user` keeps,
    an email or phone number as its id - and nothing else; what a session is handed over
    with carries the id alone, masked when it is an email or phone number
    (`bundle.handed_event`)."""
    if len(keys) < 3 or keys[0] != "data" or keys[1] != "payload" or not isinstance(e, dict):
        return False
    d, t, field, depth = e.get("data"), e.get("type"), keys[2], len(keys)
    if not isinstance(d, dict):
        return False
    if t == EventType.Custom and d.get("tag") in IDENTIFY_TAGS:
        if field == _DISTINCT_IDS:
            return depth == 4
        if depth == 3:
            return field in _USER_FIELDS
        return depth == 4 and field in _PERSON_PROPS and keys[3] in _PROPS_USER_FIELDS
    if t == EventType.Plugin and d.get("plugin") == RUM_PLUGIN:
        if depth == 3:
            return type(field) is str and field.startswith(_RUM_USER + ".") and \
                field[len(_RUM_USER) + 1:] in _RUM_USER_FIELDS
        return depth == 4 and field == _RUM_USER and keys[3] in _RUM_USER_FIELDS
    return False


def user_from(obj: Any) -> User | None:
    """A user from any context we accept: `{id, name, email}` (ours, Datadog's `usr`),
    Sentry's `{id, username, email, name, display_name}`, PostHog's person
    (`distinct_id` / `distinct_ids`, `uuid`, `properties` or `$set` with name/email).
    A value the privacy rules masked ("xxxx", "***") says nothing and is dropped."""
    if not isinstance(obj, dict):
        return None
    props: dict = {}
    for k in _PERSON_PROPS:
        if isinstance(obj.get(k), dict):
            props.update(obj[k])

    def ids() -> Iterator[Any]:
        for f in _ID_FIELDS:
            v = obj.get(f)
            if f == _DISTINCT_IDS:   # a list: its first
                v = v[0] if isinstance(v, list) and v else None
            yield v

    def first(d: dict, fields: tuple[str, ...]) -> Any:   # (a name, an email: the first set)
        return next((v for f in fields if (v := d.get(f))), None)
    # PostHog's person `id` is its internal number: the distinct id is the user's id
    uid = next((v for v in ids() if v not in (None, "")), None)
    name = first(props, _PROPS_NAME_FIELDS) or first(obj, _NAME_FIELDS)
    email = first(obj, _EMAIL_FIELDS) or first(props, _PROPS_EMAIL_FIELDS)
    u = User(*(str(v) if v not in (None, "") and not _MASKED.fullmatch(str(v)) else None
               for v in (uid, name, email)))
    return u if (u.id or u.name or u.email) else None


def filed_user(row: Any) -> User | None:
    """The user a stored session is filed under (its index row: a SessionInfo, an
    OpenSession; None: none, or no row) - the owner its appends keep (`Masker.owner`: a live
    batch naming another user than the first one's is not the session's owner, whichever
    worker's masker reads it) and its audit leaves."""
    if row is None:
        return None
    return user_from({"id": row.user_id, "name": row.user_name, "email": row.user_email})


def user_named_by(e: Any) -> User | None:
    """The user an event names, as a session's owner is read from it: an identify event's
    payload (ours, PostHog's `$identify`), RUM's `usr` (nested, or flattened as `usr.id`...).
    None: the event names nobody (or only masked values)."""
    if not isinstance(e, dict):
        return None
    data, t = e.get("data"), e.get("type")
    if not isinstance(data, dict):
        return None
    p = data.get("payload")
    if not isinstance(p, dict):
        return None
    if t == EventType.Custom:
        return user_from(p) if data.get("tag") in IDENTIFY_TAGS else None
    return rum_user(p) if t == EventType.Plugin and data.get("plugin") == RUM_PLUGIN else None


def rum_user(p: Raw) -> User | None:
    """The user a RUM event's payload names (`usr`, nested or flattened)."""
    usr = rum_field(p, _RUM_USER)
    if isinstance(usr, dict):
        return user_from(usr)
    flat = {k: rum_field(p, f"{_RUM_USER}.{k}") for k in _RUM_USER_FIELDS}
    return user_from(flat) if any(v is not None for v in flat.values()) else None


def merged_user(old: User | None, u: User | None) -> User | None:
    """A session's owner once `u` is read too: the first user a recording names, and what a
    later mention of the same person adds (a name, an email, an id). The same person: the same
    id, or the same email (in any case), and nothing that differs - a mention that shares
    neither may be anyone and adds nothing (an identify of eve@ then one of mallory@ with an
    email made Mallory's email Eve's, kept in clear and filed: Eve's session erasable by
    Mallory's `delete --user`)."""
    if u is None or old is None:
        return old or u
    same_id = bool(old.id and u.id and old.id == u.id)
    same_email = bool(old.email and u.email and old.email.lower() == u.email.lower())
    if not (same_id or same_email) or (old.id and u.id and old.id != u.id) or \
            (old.email and u.email and old.email.lower() != u.email.lower()):
        return old
    return User(old.id or u.id, old.name or u.name, old.email or u.email)


_NAMING = (EventType.Custom, EventType.Plugin)   # the events that may name a session's user


def owner_after(owner: User | None, e: Any) -> User | None:
    """A session's owner once event `e` is read too (`merged_user` of the user it names,
    `user_named_by`): the masker keeps it where the recording names its user, and the audit
    leaves it - one reading for both."""
    if not isinstance(e, dict) or e.get("type") not in _NAMING:
        return owner
    return merged_user(owner, user_named_by(e))


def user_event(user: User, timestamp: float) -> Raw:
    """The custom event `replay import --user` adds to a recording so the user's id travels
    with it (rrweb JSON export, re-import): rrweb players ignore custom events. The id alone:
    the name and email given stay in the data folder's index (see recorder.bundle
    `_handed_id`), where search and `replay delete --user` find them."""
    return {"type": int(EventType.Custom), "timestamp": timestamp,
            SYNTHETIC: SYNTHETIC_USER, "data": {"tag": IDENTIFY_TAG, "payload": {"id": user.id}}}


def with_user_id_only(e: Any, handed_id: Callable[[str], str | None]) -> Any:
    """`e` as a recording handed to others holds what it says of its user (the places
    `Semantics` reads one from: the `identify` custom events, PostHog's `$identify`, RUM's
    `usr` nested or flattened): the user's id alone, through `handed_id` - no name, email or
    other field of the person. The same object back when there is nothing to take out."""
    if not isinstance(e, dict):
        return e
    data = e.get("data")
    if not isinstance(data, dict):
        return e
    t = e.get("type")
    if t == EventType.Custom and data.get("tag") in IDENTIFY_TAGS:
        p = data.get("payload")
        if not isinstance(p, dict):
            return e
        u = user_from(p)
        handed = {"id": handed_id(u.id)} if u is not None and u.id else {}
        return e if p == handed else {**e, "data": {**data, "payload": handed}}
    if t == EventType.Plugin and data.get("plugin") == RUM_PLUGIN:
        p = data.get("payload")
        if not isinstance(p, dict) or not any(k == "usr" or k.startswith("usr.") for k in p):
            return e
        out = {k: v for k, v in p.items() if k != "usr" and not k.startswith("usr.")}
        usr = p.get("usr")
        uid = usr.get("id") if isinstance(usr, dict) else p.get("usr.id")
        if uid not in (None, ""):
            out["usr"] = {"id": handed_id(str(uid))}
        return e if out == p else {**e, "data": {**data, "payload": out}}
    return e


# --- the reader ---------------------------------------------------------------------------
Namer = Callable[[int], str]


class Semantics(msgspec.Struct, kw_only=True):
    """Everything a session means, read event by event (`feed`). A msgspec Struct so a
    half-built one can be copied and sent between processes (the player's index worker)."""

    origin: float = 0.0                      # subtracted from event timestamps
    first_view: int = 1                      # number of the first Meta view (`v1`...)
    # the page the session was on before these events (an append): a Meta repeating it (a
    # recorder's periodic checkout, a batch starting with its page's Meta) is no new view
    last_url: str | None = None
    console: list[ConsoleMessage] = []
    reports: list[ErrorEvent] = []           # the errors as rule 3 leaves them (`errors`)
    resources: list[Resource] = []
    rum_actions: list[Action] = []
    clicks: list[Action] = []                # recorded clicks (rule 2's stand-ins)
    rum_views: list[View] = []
    pages: list[View] = []                   # Meta views (rule 1's fallback)
    long_tasks: list[LongTask] = []
    user: User | None = None
    context: dict[str, Any] = {}             # user_agent, device, os, browser
    urls: list[str] = []                     # page URLs in order of first visit
    fed: int = 0                             # events fed so far
    warnings: dict[str, int] = {}
    view_pos: dict[str, int] = {}           # RUM view id -> position in rum_views

    # --- results -------------------------------------------------------------------------
    @property
    def views(self) -> list[View]:
        return self.rum_views or self.pages

    @property
    def actions(self) -> list[Action]:
        return self.rum_actions or click_actions(self.clicks)

    @property
    def frustration_count(self) -> int:
        return _frustrations(self.actions)

    def action_counts(self) -> ActionCounts:
        stand_ins = click_actions(self.clicks)
        return ActionCounts(len(self.rum_actions), _frustrations(self.rum_actions),
                            len(stand_ins), _frustrations(stand_ins))

    @property
    def errors(self) -> list[ErrorEvent]:
        """The errors, rule 5 applied: what every pane, count and export lists. Worked out
        from `reports` when asked (a failure's line may be read before it, or after)."""
        return join_reported_failures(self.reports, sorted(v.t for v in self.views))

    def error_groups(self) -> list[ErrorGroup]:
        return error_groups(self.errors)

    def copy(self) -> "Semantics":
        """An independent copy of what is read so far (items are immutable)."""
        return msgspec.structs.replace(
            self, **{f: (list(v) if isinstance(v, list) else dict(v))
                     for f in self.__struct_fields__
                     if isinstance(v := getattr(self, f), (list, dict))})

    # --- reading -------------------------------------------------------------------------
    def feed_all(self, events: Iterable[Raw]) -> None:
        """`feed` each event; the bulk of a recording (mouse moves, mutations: what `feed`
        returns at once for) counted without a call each."""
        feed, inc, wanted = self.feed, EventType.IncrementalSnapshot, _WANTED_SOURCES
        for e in events:
            if e.get("type") == inc:
                data = e.get("data")
                if isinstance(data, dict) and data.get("source") not in wanted:
                    self.fed += 1   # (all `feed` does with one)
                    continue
            feed(e)

    def feed(self, e: Raw, t: float | None = None, namer: Namer | None = None,
             in_text_field: Callable[[int], bool] | None = None) -> None:
        """Read one raw event. `t`: its time on the caller's clock (default: its timestamp
        minus `origin`); `namer` names a clicked node (the player passes the mirror's);
        `in_text_field` says whether a clicked node is in an editable text field (rule 2:
        `steps.in_text_field` on the mirror; a reader without the page's DOM cannot tell)."""
        self.fed += 1
        typ = e.get("type")
        if typ not in _WANTED:
            return
        data = e.get("data")
        if not isinstance(data, dict):
            return
        src = data.get("source") if typ == EventType.IncrementalSnapshot else None
        if typ == EventType.IncrementalSnapshot and src not in _WANTED_SOURCES:
            return   # the bulk of a recording (mouse moves, mutations): nothing to read
        ts = e.get("timestamp")
        ts = float(ts) if _num(ts) is not None else self.origin
        if t is None:
            t = ts - self.origin
        if src == IncrementalSource.MouseInteraction:
            self._click(data, t, namer, in_text_field)
        elif src == IncrementalSource.Log:
            self._console(data, t, Reporter.LOG)
        else:
            _READERS[typ](self, data, t, ts)

    def _at(self, t: float, ts: float, date: Any) -> float:
        started = self._started(t, ts, date)
        return t if started is None else max(0.0, started)

    @staticmethod
    def _started(t: float, ts: float, date: Any) -> float | None:
        """An epoch-ms `date` on the caller's clock (`t` is the event's, `ts` its timestamp),
        before the session's start too; None when `date` is not one."""
        d = _num(date)
        return t + d - ts if d is not None and d > _EPOCH_MS else None

    def _warn(self, what: str) -> None:
        self.warnings[what] = self.warnings.get(what, 0) + 1

    def _meta(self, data: Raw, t: float, ts: float) -> None:
        for k in ("userAgent", "user_agent"):
            if isinstance(data.get(k), str):
                self.context["user_agent"] = data[k]
        features = read_meta(data)   # the visitor's preferences (the last page's stand)
        if features:
            self.context[MEDIA_CONTEXT_KEY] = dict(features)
        href = data.get("href")
        if not isinstance(href, str) or not href:
            return
        if (self.pages[-1].url if self.pages else self.last_url) != href:
            self.pages.append(View(t, href, view_id=f"v{len(self.pages) + self.first_view}",
                                   index=self.fed - 1, source="meta"))
            self._url(href)
            if href.startswith(BROWSER_ERROR_PAGE):
                self._error(ErrorEvent(t, PAGE_DID_NOT_LOAD, "network", type="NavigationError",
                                       reported_by=[Reporter.BROWSER.value]))

    def _custom(self, data: Raw, t: float, ts: float) -> None:
        tag, p = data.get("tag"), data.get("payload")
        if not isinstance(p, dict):
            return
        if tag in IDENTIFY_TAGS:
            self.user = merged_user(self.user, user_from(p))
        elif tag == "breadcrumb":           # Sentry
            if p.get("category") == "console":
                args = rum_field(p, "data.arguments")
                msg = console_text(args) if isinstance(args, list) else _str(p.get("message"))
                level = _str(p.get("level")) or "log"
                self._console({"level": "warn" if level == "warning" else level,
                               "payload": None, "trace": []}, self._at(t, ts, _sec(p.get("timestamp"))),
                              Reporter.SENTRY, msg)
        elif tag == "performanceSpan":      # Sentry
            op = _str(p.get("op"))
            if op.startswith("resource."):
                start, end = _sec(p.get("startTimestamp")), _sec(p.get("endTimestamp"))
                size = _int(rum_field(p, "data.response.size") or rum_field(p, "data.responseBodySize")
                            or rum_field(p, "data.encodedBodySize"))
                self._request(Resource(
                    self._at(t, ts, start), _str(p.get("description")),
                    _str(rum_field(p, "data.method")) or "GET",
                    _int(rum_field(p, "data.statusCode")),
                    end - start if start is not None and end is not None else None,
                    size, op.split(".", 1)[1], "sentry"), Reporter.SENTRY)
        for k in ("userAgent", "user_agent", "browser", "os", "device"):
            if isinstance(p.get(k), str):
                self.context["user_agent" if k == "userAgent" else k] = p[k]

    def _plugin(self, data: Raw, t: float, ts: float) -> None:
        name, p = data.get("plugin"), data.get("payload")
        if not isinstance(p, dict):
            if name in (RUM_PLUGIN, CONSOLE_PLUGIN, NETWORK_PLUGIN):
                self._warn(f"{name} event without a payload object")
            return
        if name == RUM_PLUGIN:
            self._rum(p, t, ts)
        elif name == CONSOLE_PLUGIN:
            self._console(p, self._at(t, ts, p.get("date")), Reporter.CONSOLE)
        elif name == NETWORK_PLUGIN:
            self._network(p, t, ts)

    # --- console and errors ----------------------------------------------------------------
    def _console(self, p: Raw, t: float, reporter: Reporter, text: str | None = None) -> None:
        level = p.get("level") if isinstance(p.get("level"), str) else "log"
        msg = console_text(p.get("payload")) if text is None else text
        trace = [s for s in (p.get("trace") or []) if isinstance(s, str)] \
            if isinstance(p.get("trace"), list) else []
        self.console.append(ConsoleMessage(t, level, msg, trace, reporter.value))
        if level in _ERROR_LEVELS:
            args = p.get("payload") if text is None else None
            etype, emsg = split_uncaught(msg)
            if not etype and isinstance(args, list) and len(args) > 1:
                etype, emsg = logged_error(args)
            thrown = _uncaught(msg, args)
            # where it came from, in RUM's words: thrown by the page's code, or logged
            self._error(ErrorEvent(t, emsg, "source" if thrown else "console", "\n".join(trace),
                                   etype or "console", [reporter.value], thrown))

    def _error(self, e: ErrorEvent) -> None:
        errs = self.reports
        for i in range(len(errs) - 1, max(-1, len(errs) - 1 - _ECHO_LOOKBACK), -1):
            if _echoes(errs[i], e):
                errs[i] = _merge(errs[i], e)
                return
        errs.append(e)

    # --- RUM ---------------------------------------------------------------------------------
    def _rum(self, p: Raw, t: float, ts: float) -> None:
        kind = p.get("type")
        at = self._at(t, ts, p.get("date"))
        reader = _RUM_READERS.get(kind)
        if kind == "resource":
            self._rum_resource(p, at, self._started(t, ts, p.get("date")))
        elif reader is not None:
            reader(self, p, at)
        elif kind != "vital":
            self._warn(f"RUM event of unknown type ({type_shown(kind)})")
        self.user = merged_user(self.user, rum_user(p))
        for k in ("device", "os", "browser"):
            v = rum_field(p, k)
            if isinstance(v, (dict, str)):
                self.context[k] = v
        ua = p.get("user_agent")
        if isinstance(ua, str):
            self.context["user_agent"] = ua

    def _rum_view(self, p: Raw, at: float) -> None:
        vid = _str(rum_field(p, "view.id"))
        url = _str(rum_field(p, "view.url"))
        vitals: dict[str, float] = {}
        for k in _VITALS:
            n = (_ms if k in _TIMED_VITALS else _num)(rum_field(p, f"view.{k}"))
            if n is not None:
                vitals[k] = n
        back = rum_field(p, "view.navigation_type") == BACK_FORWARD or \
            rum_field(p, "view.loading_type") == BF_CACHE
        pos = self.view_pos.get(vid) if vid else None
        if pos is not None:   # rule 1: the latest figures win
            old = self.rum_views[pos]
            self.rum_views[pos] = msgspec.structs.replace(
                old, url=url or old.url, vitals={**old.vitals, **vitals},
                back_forward=old.back_forward or back)
            return
        if vid:
            self.view_pos[vid] = len(self.rum_views)
        self.rum_views.append(View(at, url, _str(rum_field(p, "view.name")), None, vitals,
                                   vid or f"rum{len(self.rum_views) + 1}", self.fed - 1, "rum",
                                   back))
        if url:
            self._url(url)

    def _rum_action(self, p: Raw, at: float) -> None:
        f = rum_field(p, "action.frustration.type")
        frs = [f] if isinstance(f, str) and f else \
            [x for x in f if isinstance(x, str) and x] if isinstance(f, list) else []
        name = next((n for n in map(lambda f: rum_field(p, f), ACTION_NAMES) if n), None)
        self.rum_actions.append(Action(
            at, _str(rum_field(p, "action.type")) or "custom", _str(name), frs,
            selector=_str(rum_field(p, "action.target.selector")),
            x=_num(rum_field(p, "action.position.x")), y=_num(rum_field(p, "action.position.y"))))

    def _rum_resource(self, p: Raw, at: float, started: float | None = None) -> None:
        self.resources.append(Resource(
            at, _str(rum_field(p, "resource.url")), _str(rum_field(p, "resource.method")) or "GET",
            _int(rum_field(p, "resource.status_code")), _ms(rum_field(p, "resource.duration")),
            _int(rum_field(p, "resource.size")), _str(rum_field(p, "resource.type")), "rum",
            started, content_type=_str(rum_field(p, "resource.content_type")),
            pending=rum_field(p, "resource.pending") is True))

    def _rum_error(self, p: Raw, at: float) -> None:
        self._error(ErrorEvent(
            at, _str(rum_field(p, "error.message"))[:_MAX_MESSAGE],
            _str(rum_field(p, "error.source")), _str(rum_field(p, "error.stack")),
            _str(rum_field(p, "error.type")) or "Error", [Reporter.RUM.value],
            _str(rum_field(p, "error.source")) == "source",
            _str(rum_field(p, "error.resource.url")),
            _int(rum_field(p, "error.resource.status_code"))))

    def _rum_long_task(self, p: Raw, at: float) -> None:
        self.long_tasks.append(LongTask(at, _ms(rum_field(p, "long_task.duration"))))

    # --- network, clicks, the user ----------------------------------------------------------
    def _network(self, p: Raw, t: float, ts: float) -> None:
        reqs = p.get("requests")
        if not isinstance(reqs, list):
            reqs = [p] if ("url" in p or "name" in p) else []
        for r in reqs:
            url = r.get("url", r.get("name")) if isinstance(r, dict) else None
            if not isinstance(url, str):
                self._warn("network request without a URL")
                continue
            start, end = _num(r.get("startTime")), _num(r.get("endTime"))
            when = start if start is not None and start > _EPOCH_MS else _num(r.get("timestamp"))
            dur = _num(r.get("duration"))
            if dur is None and start is not None and end is not None:
                dur = end - start
            status = r.get("status", r.get("responseStatus"))
            size = r.get("transferSize", r.get("encodedBodySize"))
            answer = _headers(r.get("responseHeaders"))
            self._request(Resource(
                self._at(t, ts, when), url, _str(r.get("method")) or "GET", _int(status), dur,
                _int(size), _str(r.get("initiatorType") or r.get("type")), "network",
                self._started(t, ts, when), _headers(r.get("requestHeaders")), answer,
                next((v for k, v in answer if k.lower() == "content-type"), "")),
                Reporter.NETWORK)

    def _request(self, res: Resource, reporter: Reporter) -> None:
        """A request a recorder's network records saw (not RUM's, which reports its own
        errors); answered 5xx, it is an error too (rule 3), dated when it failed."""
        self.resources.append(res)
        if res.status is not None and res.status >= HTTP_ERROR_STATUS:
            self._error(ErrorEvent(res.t + (res.duration or 0.0),
                                   http_error_message(res.method, res.url, res.status), "network",
                                   type="HTTPError", reported_by=[reporter.value], url=res.url,
                                   status=res.status))

    def _click(self, data: Raw, t: float, namer: Namer | None,
               in_text_field: Callable[[int], bool] | None = None) -> None:
        kind = _CLICK_KINDS.get(data.get("type"))  # type: ignore[arg-type]
        if kind is None:
            return
        nid = data.get("id") if isinstance(data.get("id"), int) else None
        target = namer(nid) if namer is not None and nid is not None else ""
        x, y = interaction_place(data) or (None, None)
        field = in_text_field is not None and nid is not None and in_text_field(nid)
        self.clicks.append(Action(t, kind, target, [], nid, "", x, y, "click",
                                  in_text_field=field))

    def _url(self, url: str) -> None:
        if url not in self.urls:
            self.urls.append(url)


def _headers(v: Any) -> tuple[tuple[str, str], ...]:
    """A request's or response's headers as recorded ({name: value}), as (name, value)
    pairs; what is not a string is left out."""
    if not isinstance(v, dict):
        return ()
    return tuple((k, x) for k, x in v.items() if isinstance(k, str) and isinstance(x, str))


def _sec(v: Any) -> float | None:
    """Sentry's times are epoch seconds."""
    n = _num(v)
    return n * 1000 if n is not None and n < _EPOCH_MS else n


_WANTED = frozenset({int(EventType.IncrementalSnapshot), int(EventType.Meta),
                     int(EventType.Custom), int(EventType.Plugin)})
_WANTED_SOURCES = frozenset({int(IncrementalSource.MouseInteraction), int(IncrementalSource.Log)})
_READERS = {int(EventType.Meta): Semantics._meta, int(EventType.Custom): Semantics._custom,
            int(EventType.Plugin): Semantics._plugin}
_RUM_READERS = {"view": Semantics._rum_view, "action": Semantics._rum_action,
                "resource": Semantics._rum_resource, "error": Semantics._rum_error,
                "long_task": Semantics._rum_long_task}


def read(events, *, origin: float = 0.0, first_view: int = 1,
         last_url: str | None = None) -> Semantics:
    """Every event of a recording, read."""
    s = Semantics(origin=origin, first_view=first_view, last_url=last_url)
    for e in events:
        if isinstance(e, dict):
            s.feed(e)
    return s
