"""What the dev-tools pane says of its rows, as text (no Qt here): the sizes, durations and
statuses of its columns and each row's details - the app's pane (player.qt.devtools.pane)
and `replay devtools` on a terminal say them alike. Rows are player.qt.session_view's."""
from __future__ import annotations

from recorder.moments import moment_text
from recorder.semantics import PENDING_SAID, error_origin, reporters_shown


def size_text(v) -> str:
    if v is None:
        return ""
    v = float(v)
    for unit in ("B", "kB", "MB"):
        if v < 1024 or unit == "MB":
            return f"{v:.0f} {unit}" if unit == "B" else f"{v:.1f} {unit}"
        v /= 1024
    return ""


def duration_text(v) -> str:
    return "" if v is None else (f"{v:.0f} ms" if v < 1000 else f"{v / 1000:.2f} s")


PENDING = "pending"   # a request not answered before its page was left or the recording stopped


def status_of(row: dict) -> int | str | None:
    """The Status column's value: the status, or PENDING (a request not answered before its
    page was left or the recording stopped has none)."""
    return PENDING if row.get("pending") else row.get("status")


def status_text(v: int | str | None) -> str:
    return v if isinstance(v, str) else "failed" if v == 0 else "" if v is None else str(v)


def failed(row: dict) -> bool:
    """A request that failed: no response (status 0) or answered 4xx/5xx."""
    s = row.get("status")
    return s == 0 or (bool(s) and int(s) >= 400)


def console_frames(row: dict) -> list[str]:
    """A console line's call stack, less the frames its message shows already (an Error
    logged, `console.error(err)`, holds its own stack: the same lines were printed twice)."""
    shown = {ln.strip() for ln in str(row.get("message") or "").splitlines()[1:]}
    return [f for f in row.get("stack") or () if f"at {f}".strip() not in shown]


def console_details(row: dict) -> str:
    frames = console_frames(row)
    stack = "\n".join("    at " + s for s in frames)
    if not frames and row.get("stack"):   # (all of it in the message, above)
        return f"[{row['level']}] {moment_text(row['t'])}\n{row['message']}"
    return f"[{row['level']}] {moment_text(row['t'])}\n{row['message']}\n" + (stack or "    (no stack recorded)")


def error_details(row: dict) -> str:
    reported = reporters_shown(row.get("reported_by") or []) or "—"
    return (f"{row['type']}: {row['message']}\nfrom {error_origin(row.get('source') or '') or '—'}"
            f" · reported by "
            f"{reported} · seen {row['count']}× · first at {moment_text(row['t'])} · last at "
            f"{moment_text(row.get('last_t', row['t']))}{failure_details(row)}"
            + ("" if not row.get("stack") and row.get("logged_stack") else
               f"\n\n{row.get('stack') or '(no stack recorded)'}"))


def failure_details(row: dict) -> str:
    """A failed request's lines in its error's details: the request (its Network tab row)
    and the console line the page logged about it (its Console tab row), both one error
    with it (`semantics` rule 5) - "" for any other error."""
    if not row.get("url"):
        return ""
    status = row.get("status")
    out = f"\nthe request: {row['url']} · {f'answered {status}' if status else 'not answered'}"
    if row.get("logged"):
        out += (f"\nlogged on the console at {moment_text(row.get('logged_t') or row['t'])}:"
                f" {row['logged']}")
        # where the page logged it from: the request's own failure has no stack
        out += "".join(f"\n    at {f}" for f in (row.get("logged_stack") or "").splitlines())
    return out


NOT_RECORDED = "not recorded"


def network_details(row: dict) -> str:
    """What was recorded of a request, and, by name, what was not: the recorders we read
    keep no headers, bodies or timing phases (DNS, connect, TLS, first byte) today."""
    status = row.get("status")
    said = PENDING_SAID if row.get("pending") else \
        "failed (no response)" if status == 0 else status if status is not None else NOT_RECORDED
    lines = [f"{row['method']} {row['url']}", "",
             f"status:    {said}",
             f"type:      {row.get('type') or NOT_RECORDED}",
             f"size:      {size_text(row.get('size')) or NOT_RECORDED}",
             f"started:   {moment_text(row['t'])} after the session's start",
             f"duration:  {duration_text(row.get('duration')) or NOT_RECORDED}"
             + (" so far" if row.get("pending") and row.get("duration") is not None else ""),
             f"recorded by: {row.get('source') or '—'}", "",
             f"headers:   {NOT_RECORDED} (neither request nor response)",
             f"bodies:    {NOT_RECORDED} (neither request nor response)",
             f"timing:    {NOT_RECORDED} (DNS, connect, TLS, first byte, download)"]
    return "\n".join(lines)


# each web vital of a view row (its key) as a column and the details say it
VITAL_TEXT = {"lcp": lambda v: f"{v / 1000:.2f} s", "cls": lambda v: f"{v:.3f}",
              "inp": lambda v: f"{v:.0f} ms"}


# A long task: the page's main thread busy 50 ms or more (the browser's Long Tasks API), the
# page not answering a click or a key meanwhile - a "freeze" to the person on it.
LONG_TASK_SAID = "the page did not respond"


def long_tasks_text(row: dict) -> str:
    """A view row's Long tasks column: how many, and the longest ("3, longest 1.50 s")."""
    tasks = row.get("long_tasks") or []
    if not tasks:
        return ""
    longest = longest_task(row)
    return f"{len(tasks)}" if longest is None else f"{len(tasks)}, longest {duration_text(longest)}"


def longest_task(row: dict) -> float | None:
    """The longest of a view row's long tasks, in ms (None: none, or none with a duration)."""
    return max((t["duration"] for t in row.get("long_tasks") or () if t["duration"] is not None),
               default=None)


def view_details(row: dict) -> str:
    """A page view as the Performance tab's details say it: its URL, loading time and web
    vitals, and each long task on it at its moment."""
    def said(name: str, key: str, fmt) -> str:
        v = row.get(key)
        return f"{name}: {'not measured' if v is None else fmt(v)}"
    lines = [f"Page view at {moment_text(row['t'])}: {row.get('url') or '?'}",
             said("Loading", "loading_time", duration_text)]
    lines += [said(key.upper(), key, fmt) for key, fmt in VITAL_TEXT.items()]
    tasks = row.get("long_tasks") or []
    if tasks:
        lines.append(f"Long tasks ({LONG_TASK_SAID}): {len(tasks)}")
        lines += [f"  {moment_text(t['t']):>8}  {duration_text(t['duration']) or '?'}" for t in tasks]
    else:
        lines.append("Long tasks: none recorded")
    return "\n".join(lines)
