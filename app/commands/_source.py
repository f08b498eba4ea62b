"""What the commands that read one recording share (play, screenshot, snapshot, export,
demo): the SESSION|FILE argument, opening it with errors that say what to do - and under
the privacy rules in force: a file (rrweb JSON, a `.replay` bundle) may hold anything its
recorder saw, so it is masked at open unless `--unmasked` - and the `--at` moment
(milliseconds after the first event, or `end`)."""
from __future__ import annotations

import argparse
import math
import os
import re
from pathlib import Path
from typing import Any, Callable, NamedTuple, Sequence, Union

from recorder.moments import Unit, moment_text, shown_ms, whole_ms
from recorder.paths import DEMO_SESSION, holds_replay_data
from recorder.said import count
from recorder.outputs import Why, refused

from ..cli import UserError, say_note, say_warning
from ._store import no_data_folder, open_existing_store, refuse_other_folder

_KINDS = "a session id (or unique prefix), a .replay bundle or an rrweb JSON file"
DEMO = "demo"   # as SESSION|FILE, when no file or stored session is called that: the demo


class NotARecordingFile(UserError):
    """A file that holds no recording in a shape replay reads (empty, not JSON, an image):
    `why` says what is wrong with the file, `fix` what to give instead (None: `why` says
    it). The app says its own fix: it has no SESSION argument to give."""

    def __init__(self, path: str, why: str, fix: str | None = None):
        self.path, self.why, self.fix = path, why, fix
        said = why if path in why else f"{path}: {why}"   # which file, when files
        super().__init__(f"{said} - {fix}" if fix else said)


def add_source_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("session", metavar="SESSION|FILE",
                   help="session id (or unique prefix), a .replay bundle or an rrweb JSON file"
                        f" ('{DEMO}': the demo session that ships with replay)")
    p.add_argument("--session-number", type=session_index, default=0, metavar="N",
                   help="for a file holding several sessions: which one (0-based)")
    p.add_argument("--rules", type=Path, default=None, metavar="FILE",
                   help="privacy rules (TOML) to apply (default: the data folder's"
                        " rules.toml, else the built-in default); stored sessions were"
                        " masked when stored, and these rules tighten them further")
    p.add_argument("--unmasked", action="store_true",
                   help="show a recording file as recorded, without privacy rules (it may"
                        " hold personal data)")
    p.add_argument("--partial", action="store_true",
                   help="a recording file (JSON, NDJSON, gzip, zstd, Datadog uploads, a"
                        " .replay bundle) cut off or damaged part way: read what decodes before"
                        " the damage")


def session_index(text: str) -> int:
    """argparse type of `--session-number`: 0, 1, 2..."""
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a session number (0, 1, 2...)")
    return n


def rules_for(spec: str, data: Path, rules_path: Path | None, stored: bool):
    """The rules to apply at open, or None: a file gets the active rules (`--rules`, else the
    data folder's, else the default); a stored session, which was masked when stored, only
    an explicit `--rules`."""
    from recorder.privacy import RulesError, load_rules

    if stored and rules_path is None:
        return None
    try:
        return load_rules(rules_path, data)
    except RulesError as exc:
        raise rules_error(exc, "or give another with --rules") from None


def say_other_rules(spec: str, data: Path, given, lands: str = "is in the output") -> None:
    """A file masked by `--rules` rather than the data folder's rules: said when they differ
    (a looser file would put in the output what the folder's rules mask, without a word) -
    a warning, naming what they let through, when they mask less."""
    from recorder.privacy import RulesError, load_rules
    from recorder.privacy.history import loosened, looser

    try:
        folder = load_rules(None, data)
    except RulesError:   # a broken folder's rules: the given ones are the person's answer
        return
    weaker = loosened(folder, given)
    if weaker:
        say_warning(f"{spec} is masked by {given.source}, which masks {looser(folder, given).than}"
                    " the data"
                    f" folder's rules ({folder.source}): {'; '.join(weaker)} - what only those"
                    f" mask {lands} in clear")
    elif not folder.same_as(given):   # (revision aside: the active file says its own)
        say_note(f"{spec} is masked by {given.source}, not by the data folder's"
                 f" rules ({folder.source})")


def rules_error(exc, then: str) -> UserError:
    """A rules file's problem (`privacy.RulesError`) as one line: what, and what to do
    (`then`: what follows the fix, "then import again")."""
    from recorder.privacy.rules import RulesFileMissing
    fix = "check the path" if isinstance(exc, RulesFileMissing) else "fix the rules file"
    return UserError(f"{exc} - {fix}, {then}")


def open_raw(spec: str, data: Path, session_number: int = 0, *,
             more: Sequence[Path] = (), partial: bool = False) -> Any:
    """The recording named on the command line as it is (stored, or as the file holds it:
    for `audit` and `mask`, which must see what is there), or a UserError saying what to do.
    `more`: files of Datadog uploads read together with the file `spec` (the app's Open of
    several)."""
    if not spec.strip():
        raise UserError(f"no recording named (an empty argument) - give {_KINDS}")
    if names_demo(spec, data):
        spec = str(DEMO_SESSION)
    if not Path(spec).exists() and _is_path(spec) and not stored(spec, data):
        # (a recording's own id may look like a path - `a/b/c`, stored as `a_b_c-<hash>`)
        raise not_a_file(spec)
    if Path(spec).is_dir() and not (Path(data).is_dir() and holds_replay_data(data)):
        # no data folder, so no stored session of that name: said without making one (it
        # was made, then the folder refused - a QA tryout)
        raise not_a_file(spec)
    if Path(spec).exists() and not Path(spec).is_file() and not Path(spec).is_dir() \
            and not stored(spec, data):
        raise not_a_file(spec)   # a device, a pipe: no file to read (nor a session's name)
    if not Path(spec).exists() and not Path(data).is_dir():
        raise UserError(f"{spec} is neither a file nor a stored session: "
                        + no_data_folder(data, "check the path, or give the right --data"))
    if session_number and not Path(spec).is_file():
        raise UserError(f"--session-number picks one of the sessions in a file; {spec} is not a"
                        " file - leave --session-number out")
    from recorder.bundle import BadBundle, DamagedBundle
    from recorder.limits import LimitError
    from recorder.rrweb_io import DamagedRecording, NotARecording, NothingInIt, \
        UnreadableRecording
    from recorder.source import open_recording

    if not Path(spec).exists() and not _is_path(spec):   # a stored session's id
        refuse_other_folder(data)
    try:
        return open_recording(spec, data, session=session_number, more=more, partial=partial)
    except KeyError as exc:
        if _is_address(spec):   # a person's e-mail given for a session
            raise UserError(f"{exc.args[0]} - a user's sessions: `replay sessions --user"
                            f" {spec}`") from None
        raise UserError(f"{exc.args[0]} - list sessions with `replay sessions`") from None
    except IsADirectoryError:
        raise not_a_file(spec) from None
    except FileNotFoundError as exc:
        raise UserError(f"{exc} - check the path") from None
    except IndexError as exc:   # (says which numbers there are)
        raise UserError(str(exc)) from None
    except DamagedBundle as exc:   # cut off: what decodes can be read, as of a JSON file
        from recorder.bundle import salvageable
        raise UserError(str(exc) if partial or not salvageable(spec) else
                        f"{exc}, or add --partial to read what decodes") from None
    except BadBundle as exc:   # says what to do itself
        raise UserError(str(exc)) from None
    except LimitError as exc:  # a bomb, or data no recording can hold
        raise UserError(f"{spec}: refused - {exc}") from None
    except DamagedRecording as exc:   # a recording all the same: what to do about it
        raise UserError(f"{spec}: {str(exc).removeprefix(f'{spec}: ')} - get an intact copy,"
                        f" or add --partial to read what decodes") from None
    except (UnreadableRecording, ValueError) as exc:
        why = str(exc).removeprefix(f"{spec}: ")
        # (a file of another kind says what it wants)
        raise NotARecordingFile(spec, why, None if isinstance(exc, (NotARecording, NothingInIt))
                                else f"give {_KINDS}") from None
    except OSError as exc:
        raise UserError(f"cannot read {spec}: {exc.strerror or exc} - check the path and"
                        " its permissions") from None


def names_demo(spec: str, data: Path) -> bool:
    """Whether `spec` is `demo` meaning the bundled demo session: no file and no stored
    session is called that."""
    return spec == DEMO and not Path(spec).exists() and not stored(spec, data)


def not_a_file(spec: str) -> UserError | None:
    """What is wrong with `spec` as a file when it names none a session could be read from:
    a folder, or a path to nothing (None: a file, or a name that is no path)."""
    if Path(spec).is_dir():
        return UserError(f"{spec} is a folder - give {_KINDS}")
    if Path(spec).exists() and not Path(spec).is_file():   # (it said "no session 'ff'")
        return UserError(not_a_regular_file(spec, _KINDS))
    if not Path(spec).exists() and _is_path(spec):
        return UserError(f"{spec}: no such file - check the path")
    return None


def not_a_regular_file(path: str | Path, kinds: str) -> str:
    """The line for a path that is there but is no file to read: a device, a pipe, a socket
    (`/dev/null` was "no such file"); `kinds`: what to give instead."""
    return f"{path} is not a file (a device, a pipe or a socket) - give {kinds}"


def _is_path(spec: str) -> bool:
    """Whether `spec` names a file, not a session: a folder in it, or a file suffix (.json,
    .replay, .gz; a continuation id's `.<timestamp>` is digits)."""
    suffix = Path(spec).suffix[1:]
    return "/" in spec or os.sep in spec or (suffix.isalnum() and not suffix.isdigit()
                                             and not _is_address(spec))


def _is_address(spec: str) -> bool:
    """Whether `spec` is an e-mail address (a user's, given for a session: it was "no such
    file - check the path", a support engineer's tryout) - not a file of a kind replay
    reads."""
    return "@" in spec and "/" not in spec and os.sep not in spec \
        and Path(spec).suffix.lower() not in _FILE_SUFFIXES


_FILE_SUFFIXES = (".json", ".ndjson", ".jsonl", ".gz", ".zst", ".replay", ".txt", ".har")


def stored(spec: str, data: Path) -> bool:
    """Whether the data folder holds a session `spec` names (its id or a prefix: one that
    several ids begin with names stored sessions too, and opening it says which - `replay
    open` of such a link said the session was not there, "import the bundle"); a folder of
    other things holds none (and is not made a data folder by asking)."""
    from recorder.store import AmbiguousId

    if not Path(data).is_dir() or not holds_replay_data(data):
        return False
    store = open_existing_store(data)
    try:
        store.resolve(spec)
    except AmbiguousId:
        return True
    except KeyError:
        return False
    finally:
        store.close()
    return True


def unreadable(src: Any) -> UserError:
    """The refusal of a recording none of whose segments can be read (`readable()` False):
    a stored session's damaged files are for `replay repair`; a damaged file is to be had
    again."""
    from recorder.rrweb_io import GET_IT_AGAIN

    n = len(src.segments)
    what = "it holds no segment" if not n else "its segment is damaged" if n == 1 \
        else f"all {n} of its segments are damaged"
    todo = "`replay repair` sets damaged files aside" if src.origin is None else GET_IT_AGAIN
    return UserError(f"nothing of {src.origin or src.id} can be read: {what} - nothing to show"
                     f" or export ({todo})")


def open_source(spec: str, data: Path, session_number: int = 0, *,
                rules: Path | None = None, unmasked: bool = False,
                say_sessions: bool = True, more: Sequence[Path] = (),
                partial: bool = False, show_progress: bool = True) -> Any:
    """The recording named on the command line, masked by the rules in force (see
    `rules_for`; `unmasked`: as recorded, said on stderr), or a UserError saying what to do.
    `say_sessions`: a file holding several sessions is said on stderr, with the option that
    picks another (the app opens each in a tab instead); `show_progress`: a file's masking
    behind a progress bar on stderr (the app shows its own)."""
    from recorder.source import masked_source

    if unmasked and rules is not None:
        raise UserError("--unmasked and --rules contradict each other - give one of them")
    src = open_raw(spec, data, session_number, more=more, partial=partial)
    if not src.readable():   # an empty export, a blank picture: said instead
        src.close()
        raise unreadable(src)
    stored = src.origin is None
    if unmasked:
        say_note(f"--unmasked: {spec} is a stored session, shown as stored (it was masked when"
                 " it was stored)" if stored else
                 f"--unmasked: the output is unmasked - {spec} is shown as recorded and may"
                 " hold personal data")
    else:
        active = rules_for(spec, data, rules, stored)
        if active is not None and not stored and rules is not None:
            say_other_rules(spec, data, active)
        if active is not None:
            try:
                masked = _masked_showing_progress(src, active, spec) if show_progress \
                    else masked_source(src, active)
            except ValueError as exc:
                raise UserError(f"{exc} - loosen the rules, or pass --unmasked") from None
            finally:
                src.close()
            src = masked
    if stored and src.info is not None and src.info.application:
        src.application_name = _application_name(data, src.info.application)
    n = src.sessions_in_file
    if n > 1 and say_sessions:   # say so: the others are easy to miss
        say_note(f"{spec} holds {n} sessions; this is session {session_number}"
                 f" ({src.id}) - pick another with --session-number 0..{n - 1}")
    return src


def _masked_showing_progress(src: Any, rules: Any, spec: str) -> Any:
    """`masked_source` of a recording file behind a progress bar: each read of it whole -
    the masking, then the steps of a bug report it holds - a bar of its own (a support
    engineer's tryout: `replay play` of a long session's bundle said nothing for 55 s)."""
    from recorder.source import masked_source

    from ._progress import advancing, progress_bar, record_total
    name = Path(spec).name
    stages = iter((f"masking {name} under the rules in force", f"reading {name}'s steps"))
    total = record_total(src)
    with progress_bar() as bar:
        def watch(events: Any) -> Any:   # (the steps' read: of the masked events, a list)
            task = bar.add_task(next(stages, f"reading {name}"),
                                total=len(events) if isinstance(events, list) else total)
            return advancing(events, bar, task)
        return masked_source(src, rules, watch)


def _application_name(data: Path, app_id: str) -> str | None:
    """An application's name in the data folder (None: unknown, or its file unreadable - the
    Session tab then shows the id alone, and the Settings page says what is wrong)."""
    from recorder.intake.apps import AppError
    from recorder.intake.live import application_names

    try:
        return application_names(data).get(app_id)
    except AppError:
        return None


# a moment as the player's clock shows it: m:ss or h:mm:ss, seconds with a fraction if wanted
_CLOCK = re.compile(r"(?:(\d+):([0-5]?\d)|(\d+)):([0-5]?\d(?:\.\d+)?)")
_AMOUNT = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)(ms|s)?")


class BugMoment(NamedTuple):
    """`--at bug` (`bug-5s`, `bug+1:00`): the moment of the bug report a recording carries
    (a bundle from `replay record` or `export --at`), moved by `offset_ms`."""
    offset_ms: float = 0.0


class ErrorMoment(NamedTuple):
    """`--at error` (`error:2`, `error-2s`, `error:3+1s`): where the player shows the
    session's `number`-th error (E goes through them: `session_view.error_moments`), moved
    by `offset_ms` - a support engineer read the error's time off `devtools` and typed it."""
    number: int = 1
    offset_ms: float = 0.0


class EndMoment(NamedTuple):
    """`--at end-5s`: the session's end moved by `offset_ms` - "the last 5 s before they
    closed the tab" (a support engineer's tryout: `bug-5s` and `error-5s` were taken, not
    `end-5s`). `end` alone is the string 'end'."""
    offset_ms: float = 0.0


Moment = Union[float, str, BugMoment, ErrorMoment, EndMoment]   # ms, 'end', the bug's, an error's


_ERROR = re.compile(r"error(?::(\d+))?(.*)")


def moment(v: str) -> Moment:
    """argparse type of `--at` (and `--from`/`--to`): milliseconds (62000, 62000ms), seconds
    (62s), the player's clock (1:02, 1:02.5, 1:00:02), 'end', 'bug' with an offset if
    wanted (bug-5s, bug+1:00), or 'error', the first error, or 'error:N', the Nth, with an
    offset if wanted (error-2s, error:3+1s)."""
    s = v.strip().lower()
    if s == "end":
        return "end"
    if s.startswith("end"):
        return EndMoment(_offset(s[3:], v, "end", "end-5s, end-1:00"))
    if s.startswith("bug"):
        offset = _offset(s[3:], v, "bug", "bug-5s, bug+1:00")
        return BugMoment(offset)
    error = _ERROR.fullmatch(s)
    if error:
        number = int(error[1]) if error[1] is not None else 1
        if number < 1:
            raise argparse.ArgumentTypeError(f"{v!r}: errors are counted from 1 (error:1 is"
                                             " the first)")
        return ErrorMoment(number, _offset(error[2], v, "error", "error-2s, error:2+1s"))
    return _amount(s, v)


def _offset(rest: str, v: str, anchor: str, examples: str) -> float:
    """The offset after 'bug' or 'error' in `v`: + or - and an amount, or nothing (0)."""
    rest = rest.strip()
    if not rest:
        return 0.0
    if rest[0] not in "+-" or not rest[1:].strip() or rest[1:].strip()[0] in "+-":
        raise argparse.ArgumentTypeError(
            f"{v!r} is not a moment: after '{anchor}' give + or - and an amount ({examples})")
    offset = _amount(rest[1:].strip(), v)
    return -offset if rest[0] == "-" else offset


def _amount(s: str, v: str) -> float:
    """Milliseconds of `s` (62000, 62000ms, 62s, 1:02); `v` is what the person typed."""
    clock = _CLOCK.fullmatch(s)
    if clock:
        h, hm, m, sec = clock.groups()
        minutes = int(h) * 60 + int(hm) if h is not None else int(m)
        return (minutes * 60 + float(sec)) * 1000
    amount = _AMOUNT.fullmatch(s)
    if amount and amount[2] is None and "." in amount[1]:
        # a bare 62.5 was read as 62.5 ms, the page still loading, where 62.5 s was meant
        # (a QA tryout): a fraction says its unit
        raise argparse.ArgumentTypeError(
            f"{v!r} has a fraction but no unit - say {amount[1]}s for seconds or"
            f" {amount[1]}ms for milliseconds")
    ms = float(amount[1]) * (1000.0 if amount[2] == "s" else 1.0) if amount else math.nan
    if not math.isfinite(ms):
        raise argparse.ArgumentTypeError(
            f"{v!r} is not a moment: give milliseconds (62000), seconds (62s), the player's"
            " clock (1:02), 'end', 'bug' or 'error'")
    return ms


def _kept_in(name: str, base_ms: float, offset_ms: float, duration_ms: float,
             flag: str) -> float:
    """`name`±offset (`bug-5s`, `end-5s`: `base_ms` moved by `offset_ms`) kept within the
    session, and said where it is not (it was not) - past the end only where the base itself
    is not (a bug past what decodes is said on its own)."""
    wanted = base_ms + offset_ms
    if wanted > duration_ms >= base_ms or wanted < 0:
        edge, by = ("end", f"{(wanted - duration_ms) / 1000:.1f} s past") if wanted > 0 \
            else ("start", f"{-wanted / 1000:.1f} s before")
        said = f"{name}{'+' if offset_ms >= 0 else '-'}{abs(offset_ms) / 1000:g}s"
        say_note(f"{flag} {said} is {by} the session's {edge}: {flag} is its {edge}")
    return min(max(0.0, wanted), float(duration_ms))


def resolve_moment(at: Moment, duration_ms: float, unread: str = "",
                   flag: str = "--at", *, link: str | None = None,
                   bug_ms: float | None = None,
                   errors: Callable[[], list[int]] | None = None) -> float:
    """`--at` (or the option `flag`) as milliseconds inside the session, or a UserError
    naming the option and the range (and `unread`, the segments that could not be read,
    which can shorten it: `RecordingSource.unread_said`). `link`: the moment came as the
    `t=` of this replay:// link (`replay open`), which is named instead. `bug_ms`: the moment of the recording's bug
    report (`bug_moment`), which `bug` names; `bug-5s` before the session's start is its
    start (a clip "from 5 s before the bug" of a bug 3 s in), `bug+5s` past its end its end -
    and a bug past what decodes of a damaged recording is its end, said (as `replay play`
    opens it). `errors`: the session's errors' moments as the player shows them, which
    `error` names - asked for only then (it reads the whole session)."""
    if isinstance(at, ErrorMoment):
        at = _error_at(at, errors() if errors is not None else [], duration_ms, flag)
    if isinstance(at, EndMoment):   # kept in, and said, as a bug's offset is
        at = _kept_in("end", duration_ms, at.offset_ms, duration_ms, flag)
    if isinstance(at, BugMoment):
        if bug_ms is None:
            raise UserError(f"{flag} bug: this recording carries no bug report with a moment"
                            " (one recorded with `replay record` or the app's Record page does,"
                            " a bundle written with `replay export --format replay --at T` too,"
                            " and the app's Session > Bug Report… gives a stored session one) -"
                            " give a moment: 62s, 1:02 or 'end'")
        if bug_ms > duration_ms:
            say_note(f"the bug's moment ({moment_text(bug_ms)}) is past what decodes"
                     f" of the session ({moment_text(duration_ms)}"
                     + (f": {unread}" if unread else "")
                     + f"); {flag} bug is its end")
        at = _kept_in("bug", bug_ms, at.offset_ms, duration_ms, flag)
    if at == "end":
        return float(duration_ms)
    # in milliseconds and on the player's clock: a person may have given either. The end
    # as every moment is shown (`moments`: whole ms, rounded up) - and taken back: a length
    # of 10,948.4 ms reads 0:10.949, which is its end, not a moment after it; so is the
    # length as the session's list shows it, to the second, given so (68,790 ms reads 1:09,
    # and `--at 1:09` was refused as past the end: a support engineer's tryout)
    end = whole_ms(duration_ms)
    if end < at == shown_ms(duration_ms, Unit.SECOND):
        return float(duration_ms)
    clock = f" ({moment_text(at, Unit.MS)})" if at >= 0 else ""
    said = f"t={at:.0f} in {link!r}" if link else f"{flag} {at:.0f} ms{clock}"
    span = f"give t=0..{end}" if link else \
        (f"give 0..{end} ms ({moment_text(0, Unit.MS)} to {moment_text(end, Unit.MS)})"
         " or 'end'")
    if unread:
        span += f"; {unread} of this recording could not be read"
    if at < 0:
        raise UserError(f"{said} is outside the session: before the session starts - {span}")
    if at > end:
        raise UserError(f"{said} is outside the session: after the session ends"
                        f" ({end} ms) - {span}")
    return float(min(at, duration_ms))


def _error_at(at: ErrorMoment, moments: list[int], duration_ms: float, flag: str) -> float:
    """`--at error...` as milliseconds, kept inside the session (an error's moment with an
    offset before its start or past its end is that edge, said); a UserError when the session
    has no such error."""
    said = "error" + (f":{at.number}" if at.number > 1 else "")
    if not moments:
        raise UserError(f"{flag} {said}: this session has no errors (`replay devtools SESSION`"
                        " lists what it holds) - give a moment: 62s, 1:02 or 'end'")
    if at.number > len(moments):
        # (each time an error was reported counts, as E goes through them - the Errors tab
        # groups them: "2 errors, 6 times in all" made error:2 read as the second kind)
        raise UserError(f"{flag} {said}: this session reported {count(len(moments), 'error')}"
                        f" (each time counts, as E goes through them) - give error:1 to"
                        f" error:{len(moments)}" if len(moments) > 1 else
                        f"{flag} {said}: this session reported 1 error - give error")
    wanted = moments[at.number - 1] + at.offset_ms
    kept = min(max(0.0, wanted), float(duration_ms))
    if kept != wanted and at.offset_ms:   # (an error at the very end: shown at the end)
        edge = "start" if wanted < 0 else "end"
        say_note(f"{flag} {said}{'+' if at.offset_ms >= 0 else '-'}"
                 f"{abs(at.offset_ms) / 1000:g}s is past the session's {edge}: {flag} is its"
                 f" {edge}")
    return kept


def add_range_arguments(p, *, start_help: str, end_help: str) -> None:
    """`--from T` and `--to T` (dest `start`, `end`: `moment_range` reads them), the moments
    every command with a range takes; `*_help`: what each does there."""
    p.add_argument("--from", dest="start", type=moment, default=None, metavar="T",
                   help=f"{start_help}: ms, 62s or 1:02, bug-5s around a bug handed over,"
                        " error-5s around the first error (error:2-5s: the second), or end-5s"
                        " before the end")
    p.add_argument("--to", dest="end", type=moment, default=None, metavar="T",
                   help=f"{end_help}: ms, 62s, 1:02, 'end', bug+2s or error+2s")


def moment_range(src, start: Moment | None, end: Moment | None,
                 errors: Callable[[], list[int]] | None, *, open_end: bool = False
                 ) -> tuple[float, float, float]:
    """(from, to, duration) in ms after the first event of `--from start --to end` (None:
    the session's start, its end), checked; `errors`: the session's errors' moments, asked
    for if `error` names one. `open_end`: without --to the range runs past the session's end
    (a HAR's: a request still running at the end is one), so `--from end` is not empty."""
    duration, bug = float(src.info.duration_ms or 0), bug_moment(src)
    lo = 0.0 if start is None else resolve_moment(start, duration, src.unread_said(),
                                                  "--from", bug_ms=bug, errors=errors)
    hi = duration if end is None else resolve_moment(end, duration, src.unread_said(),
                                                     "--to", bug_ms=bug, errors=errors)
    if hi < lo:
        raise UserError(f"--to {hi:.0f} ms ({moment_text(hi)}) is before --from {lo:.0f} ms"
                        f" ({moment_text(lo)}) - give a range that moves forward")
    if hi == lo and start is not None and end is not None:
        # (`--from error --to error` wrote a one-frame clip without a word: a QA's tryout)
        raise UserError(f"--from and --to are the same moment, {lo:.0f} ms ({moment_text(lo)})"
                        " - give a range that moves forward (error-2s to error+2s, say)")
    if hi == lo and (start is not None or end is not None) and duration > 0 \
            and not (open_end and end is None):
        # ... and one given alone at the other's edge: the same empty range, refused alike
        # (`--from end` said "no actions recorded from 0:17.1 to 0:17.1", a support
        # engineer's tryout, where `--from 0 --to 0` was refused)
        flag, edge, other = ("--from", "end", "an earlier --from (end-5s, say)") \
            if start is not None else ("--to", "start", "a later --to (5s, say)")
        raise UserError(f"{flag} {lo:.0f} ms ({moment_text(lo)}) is the session's {edge}: the"
                        f" range is empty - give {other}")
    return lo, hi, duration


def error_moments(replayer) -> list[int]:
    """Where the player shows each error of a Replayer's session, as E goes through them."""
    from player.qt.session_view import error_moments as shown
    return shown(replayer.timeline.markers)


def bug_report(src):
    """The bug report a recording handed over as a bug carries (recorder.bug), its steps
    read (`read_steps`) - or None."""
    from recorder.bug import shown_report

    return shown_report(src.info.context, lambda: read_steps(src)) if src.info is not None \
        else None


def read_steps(src) -> list:
    """The recording's steps - a stored session's kept ones once read (recorder.kept_steps)
    - read behind a progress bar, the collector off: the whole recording is read, its page
    rebuilt event by event (9 CPU-s for a 300,000-event session, in silence: a support
    engineer's tryout)."""
    from recorder.format import no_gc
    from recorder.kept_steps import steps_of

    from ._progress import advancing, progress_bar, record_total
    with progress_bar() as bar, no_gc():
        return steps_of(src, lambda: advancing(src.events(), bar, bar.add_task(
            f"reading the steps of {src.id[:13]}", total=record_total(src))))


def bug_moment(src) -> float | None:
    """The moment of the recording's bug report (`--at bug`), or None."""
    from recorder.bug import from_context

    report = from_context(src.info.context) if src.info is not None else None
    return report.at_ms if report is not None else None


def output_path(v: str) -> Path:
    """argparse type of `-o`: a path, not an empty word (which Path reads as ".", the
    folder: "`.` is a folder" answered `-o ''`)."""
    if not v.strip():
        raise argparse.ArgumentTypeError("an empty name - give the file to write")
    # Path drops a trailing slash: `-o out/clips/` wrote a file named `clips`, and
    # `-o a.json/` overwrote a.json (a newcomer's tryout)
    if v.endswith(("/", os.sep)):
        raise argparse.ArgumentTypeError(f"{v} names a folder (it ends with /) - give the file"
                                         " to write in it")
    return Path(v)


def add_overwrite_argument(p: argparse.ArgumentParser) -> None:
    """`--overwrite`, which an output file that exists asks for (refuse_existing)."""
    p.add_argument("--overwrite", action="store_true",
                   help="replace the output file if it exists (refused otherwise)")


def refuse_existing(out: Path, overwrite: bool) -> None:
    """Refuse an output file that exists, unless `overwrite`: a second export to the same
    name replaced a finished bug bundle without a word (a QA engineer's tryout)."""
    if str(out) != "-" and not overwrite and out.is_file() \
            and not str(out).startswith(("/dev/", "/proc/")):   # (-o /dev/stdout: a stream)
        raise UserError(f"{out} exists - give another name, or add --overwrite to replace it")


def check_output(out: Path, example: str, reading: str | Path | None = None,
                 overwrite: bool = False) -> None:
    """Refuse, before any work, an output path that cannot be written as a file - or that
    is the recording being read (`reading`: a file's path, or a stored session's id), which
    writing would destroy, or a file that exists (unless `overwrite`)."""
    if str(out) == "-":
        return
    if reading is not None and out.exists() and Path(reading).is_file() \
            and os.path.samefile(out, reading):
        raise UserError(f"-o {out} is the recording being read - writing it would destroy it;"
                        " give another file name")
    refuse_existing(out, overwrite)
    refusal = refused(out)
    if refusal is not None:
        todo = {Why.IS_FOLDER: f"give a file name, e.g. -o {out / example}",
                Why.NO_FOLDER: "create it, or give another -o path"}.get(
                    refusal.why, "give another -o path")
        raise UserError(f"{refusal.said} - {todo}")
