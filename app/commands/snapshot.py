"""`replay snapshot SESSION|FILE --at MS -o FILE.html` — the safe HTML document of one
moment (support engineers attach it to tickets; tools diff it). The document is rebuilt
from the recording at MS milliseconds after its first event and sanitized: no script, no
handler, nothing fetched from the network when it is opened."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from recorder.moments import Unit, moment_text

from ..cli import UserError, say_warning
from ._progress import index_until
from ._source import (add_overwrite_argument, add_source_arguments, bug_moment, check_output,
                      error_moments, moment, open_source, output_path, refuse_existing,
                      resolve_moment)
from ._words import count

NAME = "snapshot"


def register(subparsers, common) -> None:
    p = subparsers.add_parser(NAME, parents=[common], help="write the safe HTML document of a moment",
                              description="Write the DOM of a session (id or unique prefix) or"
                                          " recording file at a moment as a safe, inert HTML file.")
    add_source_arguments(p)
    p.add_argument("--at", type=moment, default=None, metavar="T",
                   help="after the session's first event: milliseconds, 62s, or 1:02 as the"
                        " player's clock shows it (default: the first frame; 'end' for the"
                        " last moment; 'bug', 'bug-2s' for a bug handed over; 'error',"
                        " 'error:2' for the session's errors)")
    p.add_argument("-o", "--output", type=output_path, metavar="FILE.html",
                   help="where to write ('-' for stdout; default: SESSION-atMS.html)")
    add_overwrite_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from player.assets import inline_assets
    from player.document import render_document
    from player.frame import build_frame
    from player.replayer import Replayer

    if args.output is not None:
        check_output(args.output, "snapshot.html", args.session, args.overwrite)
        if args.output.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp", ".gif"):
            raise UserError(f"{args.output}: snapshot writes the moment's HTML document - for a"
                            " picture, use `replay screenshot`")
    src = open_source(args.session, args.data, args.session_number,
                      rules=args.rules, unmasked=args.unmasked, partial=args.partial)
    try:
        r = Replayer(src, mode="lazy")
        at = r.first_frame_ms if args.at is None else \
            resolve_moment(args.at, r.duration_ms, src.unread_said(), bug_ms=bug_moment(src),
                           errors=lambda: error_moments(r))
        ix = r.index
        if ix.quick_start(at) is None:   # else: rebuilt from the last full snapshot before it
            index_until(ix, at, "rebuilding")
        state = r.state_at(at)
        if not state.nodes:
            first = r.first_frame_ms
            say_warning(f"nothing is on screen at {moment_text(at, Unit.MS)}"
                        + (f" (the first frame is at {moment_text(first, Unit.MS)}); writing that first frame"
                           if first > at else "; the recording holds no page (no full snapshot)"
                           ", writing an empty one"))
            at = first
            state = r.state_at(at)
        # the stored images and fonts it shows go in the file itself, as data: URLs: a
        # snapshot is opened where no player serves them (and fetches nothing)
        html, inlined = inline_assets(render_document(build_frame(state, at, r.asset,
                                                                   r.features_at(at))),
                                      r.source.assets)
        out = args.output or Path(f"{src.id}-at{int(at)}.html")
        if args.output is None:
            refuse_existing(out, args.overwrite)
        if str(out) == "-":
            sys.stdout.write(html)
        else:
            out.write_text(html, encoding="utf-8")
            print(f"wrote the document of {src.id} at {moment_text(at, Unit.MS)} to {out}"
                  + (f" ({count(inlined, 'stored image or font', 'stored images and fonts')}"
                     " in it as data: URLs)" if inlined else ""), file=sys.stderr)
        if r.warnings:
            say_warning("damaged recording, skipped: " + ", ".join(
                f"{k} ({v})" for k, v in sorted(r.warnings.items())))
        if src.damaged:
            n = len(src.damaged)
            say_warning(f"{src.unread_said()}"
                        f" {'was' if n == 1 else 'were'} left out")
    finally:
        src.close()
    return 0
