"""What the player's panes show about a recording, as plain rows (no Qt here).

An adapter over the Replayer's timeline index (`player.timeline.Timeline`, which reads the
events once): console messages, errors by group (type, normalised message, top frame),
network resources, actions, views with their web vitals, session facts and timeline markers, as dicts with
`t` = ms after the first event so any row can seek the player. What each row *means*
(one error for a RUM error and its console echo, or for a failed request and the console
line reporting it; the error groups, which actions count)
was decided by `recorder.semantics`; nothing here reads raw payloads.
"""
from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field
from typing import Any

from player.local_time import started_text
from recorder.bug import from_context
from recorder.index import SessionInfo
from recorder.media import CONTEXT_KEY as MEDIA_CONTEXT_KEY, described
from recorder.moments import Unit, moment_text
from recorder.semantics import CONSOLE_REPORTERS, error_groups, error_line, uncaught_line

INACTIVITY_MS = 10_000       # a gap between user interactions longer than this is shaded
DENSITY_BUCKETS = 240


@dataclass(frozen=True, slots=True)
class Marker:
    t: int
    kind: str        # click | rage_click | dead_click | error_click | error | navigation | bug
    label: str


@dataclass
class SessionView:
    start_ms: int = 0
    end_ms: int = 0
    console: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)       # grouped: one row per distinct error
    errors_all: list[dict] = field(default_factory=list)   # every occurrence (timeline markers)
    # the Errors tab's row (its group's) of each error, by its moment as shown (error_moment):
    # where E, going to the error, picks its row
    # each moment an error is shown at (`error_moment`) -> the Errors tab's row of each error
    # shown there, in the order E and `--at error:N` go through them
    error_rows: dict[int, list[dict]] = field(default_factory=dict)
    network: list[dict] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)
    views: list[dict] = field(default_factory=list)   # each with its page's long tasks
    # (start, end) of each long task: a stretch the page did not respond (the timeline's band)
    frozen: list[tuple[int, int]] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    inactive: list[tuple[int, int]] = field(default_factory=list)
    density: list[int] = field(default_factory=list)
    clicks: list[tuple[int, float, float, str]] = field(default_factory=list)
    event_times: list[int] = field(default_factory=list)   # Shift+arrows stops
    pages: list[tuple[int, str]] = field(default_factory=list)  # (t, URL) of each page shown
    timeline: Any = None                                   # player.timeline.Timeline

    @property
    def duration_ms(self) -> int:
        return max(0, self.end_ms - self.start_ms)

    # --- queries the player needs ---------------------------------------------------------
    def mouse_at(self, t: int) -> tuple[float, float] | None:
        return self.timeline.mouse_at(t) if self.timeline is not None else None

    def mouse_trail(self, t0: int, t1: int) -> list[tuple[float, float, float]]:
        """Recorded (t, x, y) cursor positions with t0 <= t <= t1."""
        return self.timeline.mouse_trail(t0, t1) if self.timeline is not None else []

    # Every seek asks for the clicks before it (their ripples) and every playback tick for
    # the stretch it is in: both look their times up by bisection (`clicks` and `inactive`
    # are in time order), not by a walk along a long session's tens of thousands of them.
    def clicks_between(self, t0: int, t1: int) -> list[tuple[int, float, float, str]]:
        """The clicks with t0 < t <= t1."""
        clicks = self.clicks
        return clicks[bisect.bisect_right(clicks, t0, key=_time):
                      bisect.bisect_right(clicks, t1, key=_time)]

    def inactive_at(self, t: int) -> tuple[int, int] | None:
        i = bisect.bisect_right(self.inactive, t, key=_time) - 1
        if i >= 0 and t < self.inactive[i][1]:
            return self.inactive[i]
        return None

    def next_event(self, t: int) -> int | None:
        i = bisect.bisect_right(self.event_times, t)
        return self.event_times[i] if i < len(self.event_times) else None

    def previous_event(self, t: int) -> int | None:
        i = bisect.bisect_left(self.event_times, t)
        return self.event_times[i - 1] if i > 0 else None

    def url_at(self, t: int) -> str:
        """The URL of the page on show at `t` ("" when none was recorded). Before the first
        page the player shows that page (its first frame), so its URL."""
        if not self.pages:
            return ""
        i = bisect.bisect_right(self.pages, (t, "\uffff"))
        return self.pages[max(0, i - 1)][1]

    def next_error(self, t: int) -> int | None:
        """The moment of the next error after `t` as shown (`error_moment`: the error, not
        the error click just before it, where its row is still ahead, dimmed)."""
        times = self._error_times()
        i = bisect.bisect_right(times, t)
        return times[i] if i < len(times) else None

    def error_number(self, t: int) -> tuple[int, int]:
        """Which of the session's errors (as E goes through them) is shown at `t`, 1-based,
        and how many there are."""
        times = self._error_times()   # (two at one moment: the first of them)
        return bisect.bisect_left(times, t) + 1, len(times)

    def error_at(self, number: int) -> tuple[int, int]:
        """Error `number` (1-based, as E and `--at error:N` count): the moment it is shown
        at, and which of the errors shown at that moment it is (0: the first) - two errors
        at one moment (a failed request and the TypeError it caused) are two."""
        times = self._error_times()
        t = times[number - 1]
        return t, number - 1 - bisect.bisect_left(times, t)

    def next_error_number(self, t: int, number: int | None) -> int | None:
        """The number of the error E goes to from `t`, having shown error `number` (None:
        none, or not there any more): the next at the same moment, else the first after
        `t`; None past the last."""
        times = self._error_times()
        if number is not None and 0 < number < len(times) and times[number - 1] == t \
                and times[number] == t:
            return number + 1
        i = bisect.bisect_right(times, t)
        return i + 1 if i < len(times) else None

    def first_error(self) -> int | None:
        """The moment of the session's first error as shown, None without errors."""
        times = self._error_times()
        return times[0] if times else None

    def error_lines(self) -> list[tuple[int, str]]:
        """Each error as a Steps list shows it among the steps: its moment (as the Errors tab
        says it - E shows it a moment later, `error_moment`) and its line."""
        # by time alone: two at one moment in the order the page reported them (as the
        # Console tab lists them - they were sorted by their words)
        return sorted(((r["t"], error_line(r["message"])) for r in self.errors_all),
                      key=lambda x: x[0])

    def _error_times(self) -> list[int]:
        # (an error in the session's last 100 ms is shown at its end: a seek goes no further,
        # and E compared the clock with a moment past it for good - a reviewer's)
        end = self.duration_ms
        return [min(t, end) for t in error_moments(self.markers)] if end else \
            error_moments(self.markers)


# An error is reported as it is thrown; what its task changed on the page is recorded just
# after (rrweb's mutation observer calls back once the task has ended, capture.js's by the
# next frame): 34 ms later in a QA's recording, whose jump to the error showed the page
# before it. An error's moment, as the player shows it, is that much after its report.
ERROR_SETTLE_MS = 100


def error_moment(t: float) -> int:
    """Where the player shows the error reported at `t`: what its task changed included."""
    return math.ceil(t) + ERROR_SETTLE_MS


def reported_at(shown: int) -> int:
    """When the error the player shows at `shown` was reported (error_moment's inverse): the
    time its rows give - E said "Error 2 of 5, at 0:10.0" of the Errors tab's 0:09.9 (two
    support engineers' tryouts)."""
    return shown - ERROR_SETTLE_MS


def error_moments(markers: Any) -> list[int]:
    """Where the player shows each error of a session's markers (a timeline's, a session
    view's: `error_moment`), in time order - what E goes through, and `--at error:N` names."""
    return sorted(error_moment(m.t) for m in markers if m.kind == "error")


def _time(row: tuple) -> int:
    return row[0]


def _dict(v: Any) -> dict:
    return v if isinstance(v, dict) else {}


def _label(v: Any, *keys: str) -> str:
    """A fact that may be a string or a dict (Datadog's {"name", "version", "type"})."""
    if isinstance(v, str):
        return v
    d = _dict(v)
    return " ".join(str(d[k]) for k in keys if d.get(k)) or ""


# Which browser a user agent names: the first key found (Chrome's, Firefox's and Edge's iOS
# builds name themselves CriOS, FxiOS and EdgiOS beside Safari's tokens; a Chromium-based
# browser names Chrome too, after its own token).
_UA_BROWSERS = [("Edg/", "Edge"), ("EdgiOS/", "Edge"), ("EdgA/", "Edge"), ("OPR/", "Opera"),
                ("SamsungBrowser/", "Samsung Internet"), ("Firefox/", "Firefox"),
                ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"), ("QtWebEngine/", "QtWebEngine"),
                ("Chrome/", "Chrome"), ("Version/", "Safari")]
_UA_OS = [("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iOS"),
          ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux")]


def parse_user_agent(ua: str) -> tuple[str, str, str]:
    """(browser with major version, OS, device type) from a user-agent string."""
    browser = ""
    for key, name in _UA_BROWSERS:
        if key in ua:
            m = re.search(re.escape(key) + r"(\d+)", ua)
            browser = name + (" " + m.group(1) if m else "")
            break
    # record mode's browser: Qt's version says little to a developer, its Chromium's a lot
    engine = re.search(r"Chrome/(\d+)", ua) if browser.startswith("QtWebEngine") else None
    if engine:
        browser += f" (Chromium {engine.group(1)})"
    os_name = next((name for key, name in _UA_OS if key in ua), "")
    # an Android device without "Mobile" is a tablet (Google's advice to browser makers)
    device = ("tablet" if "iPad" in ua or "Tablet" in ua or ("Android" in ua and "Mobi" not in ua)
              else "mobile" if "Mobi" in ua or "iPhone" in ua else "desktop")
    return browser, os_name, device


def _group_rows(errors: list) -> dict:
    """The Errors tab's row of each group of `errors` (semantics.error_groups), by its
    fingerprint."""
    return {g.first.fingerprint: dict(_error_row(g.first), t=int(g.first_t), count=g.count,
                                      last_t=int(g.last_t), frame=g.frame)
            for g in error_groups(errors)}


def error_rows_between(sv: "SessionView", lo: float, hi: float) -> list[dict]:
    """The Errors tab's rows of the errors reported from `lo` to `hi` ms: each group counted
    within it (`replay devtools --from --to`)."""
    within = [e for e in sv.timeline.errors if lo <= e.t <= hi]
    return sorted(_group_rows(within).values(), key=lambda r: r["t"])


def build_session_view(replayer: Any, info: SessionInfo | None = None,
                       application_name: str | None = None) -> SessionView:
    """The panes' rows from the Replayer's timeline index (player.timeline.Timeline);
    `application_name`: what the Session tab calls the session's application (its id
    beside it), when the data folder knows it."""
    tl = replayer.timeline
    sv = SessionView()
    sv.start_ms = int(replayer.start_ms)
    sv.end_ms = sv.start_ms + int(tl.duration)
    sv.timeline = tl
    sv.console = [{"t": int(x.t), "level": x.level or "log", "message": x.message,
                   "stack": list(x.trace)} for x in tl.logs]
    # what the browser's console shows of an uncaught error or an unhandled rejection no
    # console line of the recording reported (the RUM plugin's alone): its Errors row was
    # the only trace of it, where a developer looks in the console first
    for e in tl.errors:
        if e.thrown and not CONSOLE_REPORTERS.intersection(e.reported_by):
            said, frames = uncaught_line(e)
            sv.console.append({"t": int(e.t), "level": "error", "message": said,
                               "stack": frames})
    sv.console.sort(key=lambda r: r["t"])
    sv.errors_all = [_error_row(e) for e in tl.errors]
    groups = _group_rows(tl.errors)
    sv.errors = sorted(groups.values(), key=lambda r: r["t"])
    sv.error_rows = {}
    for e in tl.errors:   # (two errors at one moment: both, as the markers order them)
        # (as E and --at error:N show it: one past the end, at the end)
        shown = min(error_moment(e.t), sv.duration_ms) if sv.duration_ms else error_moment(e.t)
        sv.error_rows.setdefault(shown, []).append(groups[e.fingerprint])
    sv.network = [{"t": int(r.t), "method": r.method, "url": r.url, "status": r.status,
                   "type": r.type or "other", "size": r.size, "duration": r.duration,
                   "source": r.source, "pending": r.pending}
                  for r in tl.resources]
    sv.actions = [{"t": int(a.t), "type": a.type, "name": a.target, "selector": a.selector,
                   "frustration": list(a.frustrations)} for a in tl.actions]
    sv.views = [{"t": int(v.t), "url": v.url,
                 "loading_time": v.vitals.get("loading_time"),
                 "lcp": v.vitals.get("largest_contentful_paint"),
                 "cls": v.vitals.get("cumulative_layout_shift"),
                 "inp": v.vitals.get("interaction_to_next_paint"), "long_tasks": []}
                for v in tl.views]
    sv.frozen = []
    view_times = [v["t"] for v in sv.views]
    for task in tl.long_tasks:   # each on its view's row (one before the first view: the first's)
        row = {"t": int(task.t), "duration": task.duration}
        if sv.views:
            sv.views[max(0, bisect.bisect_right(view_times, row["t"]) - 1)]["long_tasks"].append(row)
        sv.frozen.append((row["t"], row["t"] + int(math.ceil(task.duration or 0))))
    sv.clicks = [(int(c.t), float(c.x), float(c.y), c.kind) for c in tl.clicks
                 if c.x is not None and c.y is not None]
    nav_times = [m.t for m in tl.markers if m.kind == "navigation"]
    for m in tl.markers:
        kind = m.kind
        if kind == "view":   # a RUM view: a navigation unless a Meta said so already
            if any(abs(m.t - n) < 1000 for n in nav_times):
                continue
            kind = "navigation"
        elif kind not in MARKER_KINDS:
            continue
        if kind == "navigation" and m.t <= 0:
            continue   # the first page is not a navigation
        sv.markers.append(Marker(int(m.t), kind, m.label))
    report = from_context(info.context if info is not None else None)
    if report is not None and report.at_ms is not None:   # the moment a QA marked
        sv.markers.append(Marker(int(report.at_ms), BUG_MARKER,
                                 f"The bug: {report.title or '(untitled)'}"))
    sv.inactive = [(int(p.start), int(p.end)) for p in tl.inactivity(INACTIVITY_MS)]
    n, dur = DENSITY_BUCKETS, max(1.0, float(tl.duration))
    edges = []
    for i in range(n + 1):
        ref = tl.event_at_or_after(dur * i / n) if i < n else None
        edges.append(ref.index if ref is not None else tl.event_count)
    sv.density = [max(0, b - a) for a, b in zip(edges, edges[1:])]
    sv.event_times = sorted({m.t for m in sv.markers} | {c[0] for c in sv.clicks}
                            | {r["t"] for r in sv.console} | {r["t"] for r in sv.network})
    sv.facts = _facts(sv, tl.facts, info, application_name)
    sv.pages = page_urls(tl.navigations, [(v.t, v.url) for v in tl.views])
    return sv


def _error_row(e: Any) -> dict:
    """An error as a row; a failed request's holds the console line that reported it
    (`semantics` rule 5: one error) and when that was logged, for its details."""
    return {"t": int(e.t), "message": e.message or "Error", "type": e.type, "source": e.source,
            "stack": e.stack, "reported_by": list(e.reported_by), "url": e.url,
            "status": e.status, "logged": e.logged,
            "logged_t": None if e.logged_t is None else int(e.logged_t),
            "logged_stack": e.logged_stack}


def page_urls(navigations: list[tuple[float, str]], views: list[tuple[float, str]]) -> list[tuple[int, str]]:
    """(t, URL) of every page change, from the timeline's navigations (Meta href: a page
    load) and views (RUM views: also a single-page app's route changes), in time order,
    each URL listed when it changes."""
    out: list[tuple[int, str]] = []
    for t, url in sorted(((int(t), u) for t, u in [*navigations, *views] if u),
                         key=lambda p: p[0]):
        if not out or out[-1][1] != url:
            out.append((t, url))
    return out


MARKER_KINDS = frozenset({"click", "rage_click", "dead_click", "error_click", "error", "navigation"})
BUG_MARKER = "bug"   # the bug report's moment (not a recorded event's)


def _facts(sv: SessionView, f: dict, info: SessionInfo | None,
           application_name: str | None = None) -> list[tuple[str, str]]:
    ua = f.get("user_agent") if isinstance(f.get("user_agent"), str) else ""
    ua_browser, ua_os, ua_device = parse_user_agent(ua) if ua else ("", "", "")
    # a stored session's owner is its index row's (what the recording names was read into
    # it; a row handed over - recorder.bundle.info_without_owner - names the id alone); a
    # file's, what its events name
    usr = {"id": info.user_id, "name": info.user_name, "email": info.user_email} \
        if info is not None else _dict(f.get("user"))
    uname, uid, email = usr.get("name"), usr.get("id"), usr.get("email")
    vp = f.get("viewport")
    rows = [
        ("User", " · ".join(str(x) for x in (uname, email, uid and f"id {uid}") if x) or "anonymous"),
        ("Session", str((info and info.id) or "—")),
        # by its name, as the sessions list shows it (its id told nothing: app_62bd…)
        ("Application", f"{application_name} ({info.application})" if application_name and info
         and info.application else str((info and info.application) or "—")),
        ("Device", _label(f.get("device"), "type", "name", "model") or ua_device or "—"),
        ("Browser", _label(f.get("browser"), "name", "version") or ua_browser or "—"),
        ("OS", _label(f.get("os"), "name", "version") or ua_os or "—"),
        ("Viewport", f"{vp[0]:g} × {vp[1]:g}" if isinstance(vp, list) and len(vp) == 2 else "—"),
        # what the page's CSS asked of the visitor's browser (dark mode...), as the replay gives it
        ("Preferences", described(f.get(MEDIA_CONTEXT_KEY)) or "—"),
        ("Started", started_text(sv.start_ms) if sv.start_ms else "—"),
        ("Duration", moment_text(sv.duration_ms, Unit.SECOND)),
        ("Views", str(len(sv.views) or len(f.get("urls") or []))),
        ("Console messages", str(len(sv.console))),
        ("Errors", str(len(sv.errors_all))),
        ("Network requests", str(len(sv.network))),
        ("Actions", str(len(sv.actions))),
        ("Frustration signals", str(sum(len(a["frustration"]) for a in sv.actions))),
    ]
    for i, u in enumerate(f.get("urls") or []):
        rows.append(("URLs" if i == 0 else "", str(u)))
    report = from_context(info.context if info is not None else None)
    if report is not None:   # a bug handed over: what it is comes first
        bug = [("Bug", report.title or "(untitled)")]
        if report.at_ms is not None:
            bug.append(("Bug at", moment_text(report.at_ms)))
        for i, line in enumerate(report.notes.splitlines()):
            bug.append(("Notes" if i == 0 else "", line))
        for i, s in enumerate(report.steps, 1):
            bug.append(("Steps" if i == 1 else "", f"{i}. {s.describe()}"))
        rows = bug + rows
    return rows
