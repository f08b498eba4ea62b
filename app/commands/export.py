"""`replay export SESSION --format rrweb|replay|har|gif|webp|mp4|webm|playwright -o FILE` - a
stored session (or a recording file, under the privacy rules in force) as rrweb JSON (plays in
rrweb's own player), a `.replay` bundle (with a bug report: `--title --notes --at`), a HAR
1.2 file of its requests, a clip (animated GIF/WebP, or MP4/WebM video with the optional
PyAV), or a Playwright script of its steps."""
from __future__ import annotations

import argparse
import contextlib
import functools
import mimetypes
import signal
import sys
from pathlib import Path
from typing import Iterator

from player.clip_encode import (INSTALL_VIDEO, VIDEO_FORMATS, ClipFormat, even_size, odd_side,
                                video_missing)
from recorder.bug import NO_REPORT_IN_RRWEB, from_context
from recorder.moments import Unit, moment_text
from recorder.bundle import write_bundle
from recorder.rrweb_io import with_session_marker, write_rrweb_json

from ..cli import UserError, say_note, say_warning
from ._words import count
from ._source import (add_overwrite_argument, add_range_arguments, add_source_arguments,
                      bug_moment, check_output, error_moments, moment, moment_range, open_source,
                      output_path, read_steps, refuse_existing, resolve_moment, rules_for)

NAME = "export"
CLIPS = tuple(f.value for f in ClipFormat)
_EXT = {"rrweb": ".json", "replay": ".replay", "har": ".har",
        **{c: f".{c}" for c in CLIPS}, "playwright": ".py"}
_SUFFIX = {ext: fmt for fmt, ext in _EXT.items()}
_JSON_FORMATS = ("rrweb", "har")
_TEXT_FORMATS = (*_JSON_FORMATS, "playwright")   # written as text (JSON, a Python script)
MIN_CLIP_SIDE = 16   # a clip may be a thumbnail; the page is painted full size and scaled


def register(subparsers, common) -> None:
    p = subparsers.add_parser(NAME, parents=[common], help="export a session to a file",
                              description="Export a stored session (id or unique prefix) or a"
                                          " recording file.")
    add_source_arguments(p)
    p.add_argument("--format", "-f", choices=list(_EXT), default=None,
                   help="rrweb: JSON array of rrweb events; replay: single-file bundle; har:"
                        " the network requests (HAR 1.2); gif/webp: an animated clip;"
                        f" mp4/webm: a video clip ({INSTALL_VIDEO}); playwright: a Python"
                        " script performing the steps (default: from the -o suffix -"
                        f" {' '.join(_SUFFIX)} - else rrweb)")
    p.add_argument("-o", "--output", type=output_path, metavar="FILE",
                   help="where to write ('-' for stdout with rrweb, har and playwright;"
                        " default: SESSION.<format's suffix> in the current folder)")
    add_overwrite_argument(p)
    r = p.add_argument_group(f"range (har, {', '.join(CLIPS)}, playwright)")
    add_range_arguments(r, start_help="start at T after the first event (default: the start)",
                        end_help="end at T after the first event (default: the end)")
    c = p.add_argument_group(f"clips ({', '.join(CLIPS)})")
    c.add_argument("--size", type=_clip_size, default=None, metavar="WxH",
                   help="frame size (default: the recorded page, at most 800 px wide; mp4"
                        " and webm need even sides, and round the default down to them)")
    c.add_argument("--fps", type=_fps, default=None, metavar="N",
                   help="frames per second (1-50, default 10)")
    c.add_argument("--speed", type=_speed, default=1.0, metavar="X",
                   help="recording time per clip time (0.25-16, default 1)")
    c.add_argument("--no-skip", dest="skip_inactive", action="store_false",
                   help="keep the quiet stretches (by default they are skipped, as the"
                        " player's Skip inactivity does)")
    b = p.add_argument_group("bug report (replay; playwright: the script's docstring)")
    b.add_argument("--title", default=None, help="the bug's title, shown when it is opened")
    b.add_argument("--notes", default=None, help="notes: expected, actual, environment")
    b.add_argument("--at", type=moment, default=None, metavar="T",
                   help="the moment of the bug (after the first event: ms, 62s or 1:02,"
                        " 'end', or 'error', 'error:2' for the session's errors); the player"
                        " opens there")
    p.set_defaults(func=run)


def _clip_size(text: str) -> tuple[int, int]:
    """argparse type of a clip's `--size`: WIDTHxHEIGHT, each MIN_CLIP_SIDE..MAX_SIZE."""
    from .screenshot import MAX_SIZE
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT - e.g. 640x400") from None
    if not (MIN_CLIP_SIDE <= w <= MAX_SIZE[0] and MIN_CLIP_SIDE <= h <= MAX_SIZE[1]):
        raise argparse.ArgumentTypeError(f"{text} is outside {MIN_CLIP_SIDE}x{MIN_CLIP_SIDE}"
                                         f"..{MAX_SIZE[0]}x{MAX_SIZE[1]}")
    return w, h


def _ranged(kind, lo: float, hi: float):
    def parse(text: str):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{text} is outside {lo:g}..{hi:g}")
        return v
    return parse


_fps = _ranged(int, 1, 50)
_speed = _ranged(float, 0.25, 16)


def run(args: argparse.Namespace) -> int:
    fmt = args.format or _format_of(args.output)
    suffix = args.output.suffix.lower() if args.output is not None else ""
    if args.format is not None and suffix and suffix != _EXT[args.format]:
        _refuse_other_kind(args.output, suffix, args.format)
    if fmt not in CLIPS:
        return _export(args, fmt, _EXPORTERS[fmt])
    # A clip takes a while from here to its rename: Ctrl+C or a SIGTERM at any moment of it
    # is noted, and the clip stops at its next step with nothing left (exit 130)
    with _stop_requests() as stop:
        return _export(args, fmt, lambda src, out, args: _clip(src, out, args,
                                                               ClipFormat(fmt), stop))


def _export(args: argparse.Namespace, fmt: str, exporter) -> int:
    _check_flags(args, fmt)
    if args.output is not None:
        check_output(args.output, f"session{_EXT[fmt]}", args.session, args.overwrite)
    if fmt in CLIPS:
        _check_clip(args, ClipFormat(fmt))
        from player.qt.standalone import prepare_qt_environment
        prepare_qt_environment(offscreen=True)
    src = open_source(args.session, args.data, args.session_number,
                      rules=args.rules, unmasked=args.unmasked, partial=args.partial)
    try:
        out = args.output or Path(f"{src.id}{_EXT[fmt]}")
        if args.output is None:
            refuse_existing(out, args.overwrite)
        exporter(src, out, args)
        if src.damaged:
            n = len(src.damaged)
            say_warning(f"{src.unread_said()} of {src.id}"
                        f" {'was' if n == 1 else 'were'} left out")
    finally:
        src.close()
    return 0


def _refuse_other_kind(output: Path, suffix: str, fmt: str) -> None:
    """-o's suffix names another kind of file than --format writes: refused. A GIF written
    into clip.mp4 went to a ticket as a video, and one into moment.png replaced that
    screenshot under its name (QA tryouts). .json holds HAR as well as rrweb; a suffix of no
    known kind (`.bak`, `.rrweb`) is the person's own naming, and plain text (`.txt`) holds
    any format written as text."""
    if suffix in _SUFFIX:
        kind = _SUFFIX[suffix]
        if suffix == ".json" and fmt in _JSON_FORMATS:
            return
    else:   # Python's own table, not the system's mime.types (the same on every machine)
        kind = mimetypes.MimeTypes().types_map[True].get(suffix)
        if kind is None or (kind == "text/plain" and fmt in _TEXT_FORMATS):
            return
    raise UserError(f"--format {fmt} contradicts -o {output} ({suffix} is {kind}) - name it"
                    f" {output.with_suffix(_EXT[fmt]).name}"
                    + (", or leave --format out" if suffix in _SUFFIX else ""))


def _format_of(output: Path | None) -> str:
    """The format an -o file's suffix names (none, or stdout: rrweb). A suffix no exporter
    writes is refused - `-o bug.mp4` once wrote rrweb JSON into a file named .mp4."""
    suffix = output.suffix.lower() if output is not None and str(output) != "-" else ""
    if not suffix:
        return "rrweb"
    if suffix not in _SUFFIX:
        raise UserError(f"export does not write {suffix} files: name the output"
                        f" {', '.join(_SUFFIX)}, or say --format")
    return _SUFFIX[suffix]


_FLAGS = {"start": ("--from", ("har", *CLIPS, "playwright")),
          "end": ("--to", ("har", *CLIPS, "playwright")),
          "size": ("--size", CLIPS), "fps": ("--fps", CLIPS),
          "title": ("--title", ("replay", "playwright")),
          "notes": ("--notes", ("replay", "playwright")),
          "at": ("--at", ("replay", "playwright"))}


def _check_flags(args, fmt: str) -> None:
    """A flag another format uses is refused, not silently ignored."""
    for dest, (flag, formats) in _FLAGS.items():
        if getattr(args, dest) is not None and fmt not in formats:
            raise UserError(f"{flag} is for --format {'/'.join(formats)}, not {fmt} - leave it"
                            " out, or pick one of those formats")
    for flag, text in (("--title", args.title), ("--notes", args.notes)):
        if text is not None and not text.strip():   # an empty report was written and said
            raise UserError(f"{flag} is empty - give the bug's {flag[2:]}, or leave {flag} out")
    for flag, used in (("--speed", args.speed != 1.0), ("--no-skip", not args.skip_inactive)):
        if used and fmt not in CLIPS:
            raise UserError(f"{flag} is for --format {'/'.join(CLIPS)}, not {fmt} - leave it"
                            " out")


def _check_clip(args, fmt: ClipFormat) -> None:
    """A video clip needs PyAV and even sides: refused before anything is painted."""
    if fmt not in VIDEO_FORMATS:
        return
    missing = video_missing()
    if missing is not None:
        raise UserError(f"{missing} - install it with `{INSTALL_VIDEO}`, or export a .gif or"
                        " .webp clip")
    if args.size is not None and odd_side(args.size):
        w, h = even_size(args.size)
        raise UserError(f"--size {args.size[0]}x{args.size[1]} has an odd side: {fmt.value}"
                        f" video needs even width and height - e.g. {w}x{h}")


def _errors_of(src):
    """`resolve_moment`'s errors of `src`: its session read whole, only if `error` is asked
    for, and once (--from error-5s --to error+5s asks twice)."""
    def errors() -> list[int]:
        from player.replayer import Replayer
        r = Replayer(src, mode="eager")
        try:
            r.keep_index()   # (built whole here: the next command takes it over)
            return error_moments(r)
        finally:
            r.close()
    return functools.cache(errors)


def _text_out(out: Path, text: str, what: str) -> None:
    if str(out) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    print(f"wrote {what} to {out}", file=sys.stderr)


def _har(src, out: Path, args) -> None:
    import json

    from recorder.har import har
    lo, hi, _ = moment_range(src, args.start, args.end, _errors_of(src), open_end=True)
    # no range asked: every request (one a recorder reported started after the session's
    # last event - still running at its end - is one too)
    doc = har(src.events(), start_ms=lo if args.start is not None else None,
              end_ms=hi if args.end is not None else None)
    _text_out(out, json.dumps(doc, indent=1, ensure_ascii=False) + "\n",
              f"{count(len(doc['log']['entries']), 'request')} of session {src.id}")


def _playwright(src, out: Path, args) -> None:
    from recorder.playwright_export import playwright_script

    from ._progress import advancing, progress_bar, record_total
    errors = _errors_of(src)   # (one read for --from/--to and --at)
    lo, hi, duration = moment_range(src, args.start, args.end, errors)
    bug = from_context(_with_report(src, args, steps=False, errors=errors))
    # a 10-minute session's script takes seconds: each event is read, then gone over twice
    with progress_bar() as bar:
        task = bar.add_task(f"reading session {src.id[:13]}", total=record_total(src))
        events = list(advancing(src.events(), bar, task))
        bar.update(task, visible=False)
        task = bar.add_task("writing " + ("the script" if str(out) == "-" else out.name),
                            total=None)
        warnings: list[str] = []
        text = playwright_script(events, session_id=src.id,
                                 start_ms=None if args.start is None else lo,
                                 end_ms=None if args.end is None else hi, bug=bug,
                                 progress=lambda i, n: bar.update(task, completed=i, total=n),
                                 said=warnings.append)
    _text_out(out, text, f"a Playwright script of session {src.id}")
    for line in warnings:
        say_warning(line)


def _clip(src, out: Path, args, fmt: ClipFormat, stop: list[int]) -> None:
    if str(out) == "-":
        raise UserError(f"a {fmt.value} clip cannot go to stdout - give -o FILE.{fmt.value}")
    from player.qt.clip import DEFAULT_FPS, render_clip
    from player.replayer import Replayer

    from ._progress import next_stage, progress_bar
    r = Replayer(src)
    # (the errors read with the clip's replayer)
    lo, hi, _ = moment_range(src, args.start, args.end, lambda: error_moments(r))
    with progress_bar() as bar:
        task = bar.add_task(f"painting {out.name}", total=None)
        try:
            clip = render_clip(src, out, fmt, start_ms=lo, end_ms=hi,
                               fps=args.fps or DEFAULT_FPS, speed=args.speed, size=args.size,
                               skip_inactive=args.skip_inactive, replayer=r,
                               progress=lambda i, n: bar.update(task, completed=i, total=n),
                               interrupted=lambda: bool(stop),
                               # the bar stood at 100%, its clock stopped, while a GIF encoded
                               encoding=lambda: next_stage(bar, task, f"writing {out.name}"))
        except ValueError as exc:
            raise UserError(f"{exc} - give a shorter --from/--to range, fewer --fps or"
                            " more --speed") from None
        except TimeoutError as exc:
            raise UserError(f"the player did not finish painting: {exc} - try again, or a"
                            " smaller --size") from None
        except OSError as exc:
            raise UserError(f"{out} could not be written ({exc.strerror or exc}) - give"
                            " another -o path") from None
    if stop:   # it came between render_clip's last look and its rename: the clip is not kept
        out.unlink(missing_ok=True)
        raise KeyboardInterrupt
    pages = r.index.full_snapshot_t   # (as `screenshot` and `snapshot` say it: a blank clip
    # was written without a word - a newcomer's tryout)
    if not pages:
        say_warning("nothing is on screen: the recording holds no page (no full snapshot),"
                    f" so {out.name} is blank")
    elif pages[0] > hi:
        say_warning(f"nothing is on screen before {moment_text(pages[0], Unit.MS)}, the first"
                    f" page: {out.name} ends before it, blank")
    # one frame of many moments: the page did not change ("1 frame (71 painted" read as a
    # failure - a QA tryout)
    # ... and "33 frames (81 painted" did not say what became of the other 48 (a support
    # engineer's tryout): a moment painted as the one before is that frame, shown longer
    kept = len(clip.times) - len(clip.durations)
    painted = f"the page unchanged over the {len(clip.times)} moments painted" \
        if len(clip.durations) == 1 < len(clip.times) else \
        f"{len(clip.times)} moments painted, {kept} as the one before: that frame shown longer" \
        if kept else f"{len(clip.times)} painted"
    print(f"wrote {count(len(clip.durations), 'frame')} ({painted},"
          f" {sum(clip.durations) / 1000:.1f} s, {clip.size[0]}x{clip.size[1]}) of session"
          f" {src.id} to {out}", file=sys.stderr)


@contextlib.contextmanager
def _stop_requests() -> Iterator[list[int]]:
    """Ctrl+C or a SIGTERM while a clip is made, noted (the list gets the signal) instead of
    raised wherever Python happens to be - inside a Qt callback, Qt would print the exception
    and paint on - or, for SIGTERM, ending the process with FILE.tmp left behind. The clip
    looks at the list after each of its steps and stops with KeyboardInterrupt (exit 130)."""
    asked: list[int] = []
    kept = {sig: signal.signal(sig, lambda n, _frame: asked.append(n))
            for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield asked
    finally:
        for sig, handler in kept.items():
            signal.signal(sig, handler)


def _rrweb(src, out: Path, args) -> None:
    """A JSON array led by a `replay/session` Custom event with the session id, so
    importing the file back finds this session (rrweb's player ignores that event). The
    user it belongs to goes as a bundle carries them: their id alone (handed_event)."""
    from recorder.bundle import handed_event
    events = map(handed_event, src.events())
    if str(out) == "-":
        from recorder.format import encode_json
        w = sys.stdout.buffer
        w.write(b"[")
        for i, e in enumerate(with_session_marker(src.id, events)):
            w.write((b"," if i else b"") + encode_json(e))
        w.write(b"]\n")
        w.flush()
        return
    n = write_rrweb_json(out, events, session_id=src.id)
    print(f"wrote {count(n, 'event')} of session {src.id} to {out}", file=sys.stderr)
    if from_context(src.info.context) is not None:
        say_note(f"{NO_REPORT_IN_RRWEB} - `-o FILE.replay` keeps it")


def _replay(src, out: Path, args) -> None:
    if str(out) == "-":
        raise UserError("a .replay bundle cannot go to stdout - give -o FILE.replay")
    context = _with_report(src, args)
    n = write_bundle(out, src, context=context)
    print(f"wrote session {src.id} ({count(n, 'segment')}"
          f"{', with its bug report' if context else ''})"
          f" to {out}", file=sys.stderr)


def _with_report(src, args, steps: bool = True, errors=None) -> dict | None:
    """The session's context with its bug report as `--title`, `--notes` and `--at` make it
    (added to, or over, the one it carries; its steps read unless not `steps`: a script
    lists its own), masked by the rules in force unless `--unmasked` - or None when there is
    no report. `errors`: as `_range` takes them (one read of the session for both)."""
    from recorder.bug import report_for, with_report

    if args.title is None and args.notes is None and args.at is None \
            and from_context(src.info.context) is None:
        return None
    at = None
    if args.at is not None:
        at = resolve_moment(args.at, float(src.info.duration_ms or 0), src.unread_said(),
                            bug_ms=bug_moment(src), errors=errors or _errors_of(src))
    report = report_for(read_steps(src) if steps else [], src.info.context, title=args.title,
                        notes=args.notes, at_ms=at)
    context = with_report(src.info.context, report)
    if not args.unmasked:   # the title and notes typed here pass the rules like any context
        masker = _rules_in_force(args)
        context = masker.mask_context(context)
        _say_masked(args, from_context(context), masker.rules)
    return context


def _say_masked(args, report, rules) -> None:
    """One note where the rules masked some of the `--title` or `--notes` typed: which, and
    the kinds of what the detectors found in it - never the values (they turned into x's
    silently, and the person thought the bundle broke their text)."""
    from recorder.privacy.detectors import find, what_they_find

    kept = {"--title": report.title, "--notes": report.notes} if report is not None else {}
    typed = [(flag, text.strip(), kept.get(flag, ""))
             for flag, text in (("--title", args.title), ("--notes", args.notes))
             if text is not None]
    changed = [(flag, text) for flag, text, kept in typed if kept != text]
    if not changed:
        return
    found = {f.kind for _, text in changed for f in find(text, tuple(rules.detectors))}
    kinds = [k for k in rules.detectors if k in found]   # (the detectors' own order)
    it = "them" if len(changed) > 1 else "it"
    what = f"the {what_they_find(kinds)} in {it}" if kinds else f"parts of {it}"
    said = " and ".join(flag for flag, _ in changed)
    say_note(f"{said}: the privacy rules masked {what} (x's in the file) -"
             " `--unmasked` keeps them")


def _rules_in_force(args):
    """A masker for what the person adds to an export (a bug report's title and notes):
    `--rules`, else the data folder's rules, else the default - the rules a stored session was
    masked by when it was stored."""
    from recorder.privacy.masker import SessionMasker
    return SessionMasker(rules_for(args.session, args.data, args.rules, stored=False))


# format -> exporter(source, output path, arguments); the clips' is `_clip`, which `run` calls
_EXPORTERS = {"rrweb": _rrweb, "replay": _replay, "har": _har, "playwright": _playwright}
