"""`replay snapshot SESSION|FILE --at MS -o FILE.html` — the safe HTML document of one
moment (support engineers attach it to tickets; tools diff it). The document is rebuilt
from the recording at MS milliseconds after its first event and sanitized: no script, no
handler, nothing fetched from the network when it is opened."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from recorder.bundle import BadBundle
from recorder.rrweb_io import UnreadableRecording
from recorder.source import open_recording

from ..cli import UserError
from ._progress import progress_bar

NAME = "snapshot"


def register(subparsers, common) -> None:
    p = subparsers.add_parser(NAME, parents=[common], help="write the safe HTML document of a moment",
                              description="Write the DOM of a session (id or unique prefix) or"
                                          " recording file at a moment as a safe, inert HTML file.")
    p.add_argument("session", metavar="SESSION|FILE", help="session id (or unique prefix), a"
                   " .replay bundle or an rrweb JSON file")
    p.add_argument("--at", type=_moment, default=None, metavar="MS",
                   help="milliseconds after the session's first event (default: the first"
                        " frame; 'end' for the last moment)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE.html",
                   help="where to write ('-' for stdout; default: SESSION-atMS.html)")
    p.add_argument("--session-number", type=int, default=0, metavar="N",
                   help="for a file holding several sessions: which one (0-based)")
    p.set_defaults(func=run)


def _moment(v: str) -> float | str:
    if v.strip().lower() == "end":
        return "end"
    try:
        return float(v)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{v!r} is not a number of milliseconds (or 'end')") from None


def run(args: argparse.Namespace) -> int:
    from player.document import render_document
    from player.frame import build_frame
    from player.replayer import Replayer

    try:
        src = open_recording(args.session, args.data, session=args.session_number)
    except KeyError as exc:
        raise UserError(f"{exc.args[0]} - list sessions with `replay sessions`") from None
    except (FileNotFoundError, UnreadableRecording, BadBundle, IndexError, ValueError) as exc:
        raise UserError(str(exc)) from None
    try:
        r = Replayer(src, mode="lazy")
        at = r.first_frame_ms if args.at is None else args.at
        if at == "end":
            at = r.duration_ms
        if at < 0:
            raise UserError(f"--at {at:.0f} is before the session starts - give 0..{r.duration_ms:.0f}")
        ix = r.index
        if ix.quick_start(at) is None:   # else: rebuilt from the last full snapshot before it
            with progress_bar() as bar:
                task = bar.add_task("rebuilding", total=max(1, len(ix.segments)))
                while not ix.done and ix.covered < at:
                    ix.advance()
                    bar.update(task, completed=ix.progress * max(1, len(ix.segments)))
        if at > r.duration_ms:
            raise UserError(f"--at {at:.0f} is after the session ends ({r.duration_ms:.0f} ms) -"
                            f" give 0..{r.duration_ms:.0f} (or 'end')")
        state = r.state_at(at)
        if not state.nodes:
            first = r.first_frame_ms
            print(f"replay: warning: nothing is on screen at {at:.0f} ms (the first frame is at"
                  f" {first:.0f} ms); writing that first frame", file=sys.stderr)
            at = first
            state = r.state_at(at)
        html = render_document(build_frame(state, at, r.asset))
        out = args.output or Path(f"{src.id}-at{int(at)}.html")
        if str(out) == "-":
            sys.stdout.write(html)
        else:
            out.write_text(html, encoding="utf-8")
            print(f"wrote the document of {src.id} at {at:.0f} ms to {out}", file=sys.stderr)
        if r.warnings:
            print("replay: warning: damaged recording, skipped: " + ", ".join(
                f"{k} ({v})" for k, v in sorted(r.warnings.items())), file=sys.stderr)
        if src.damaged:
            print(f"replay: warning: {len(src.damaged)} damaged segment(s) were left out",
                  file=sys.stderr)
    finally:
        src.close()
    return 0
