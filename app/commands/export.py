"""`replay export SESSION --format rrweb|replay -o FILE` - a stored session (or a
recording file) as rrweb JSON (plays in rrweb's own player) or as a `.replay` bundle."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from recorder.bundle import write_bundle
from recorder.rrweb_io import with_session_marker, write_rrweb_json

from ..cli import UserError
from ._source import add_source_arguments, check_output, open_source

NAME = "export"
_SUFFIX = {".json": "rrweb", ".replay": "replay"}


def register(subparsers, common) -> None:
    p = subparsers.add_parser(NAME, parents=[common], help="export a session to a file",
                              description="Export a stored session (id or unique prefix) or a"
                                          " recording file.")
    add_source_arguments(p)
    p.add_argument("--format", "-f", choices=list(_EXPORTERS), default=None,
                   help="rrweb: JSON array of rrweb events; replay: single-file bundle"
                        " (default: from the -o suffix, else rrweb)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE",
                   help="where to write ('-' for stdout with rrweb; default: SESSION.json /"
                        " SESSION.replay in the current folder)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    fmt = args.format or (_SUFFIX.get(args.output.suffix.lower()) if args.output else None) \
        or "rrweb"
    exporter = _EXPORTERS[fmt]
    if args.output is not None:
        check_output(args.output, f"session.{'replay' if fmt == 'replay' else 'json'}")
    src = open_source(args.session, args.data, args.session_number,
                      rules=args.rules, unmasked=args.unmasked)
    try:
        out = args.output or Path(f"{src.id}{'.replay' if fmt == 'replay' else '.json'}")
        exporter(src, out)
        if src.damaged:
            print(f"replay: warning: {len(src.damaged)} damaged segment(s) of {src.id} were"
                  " left out", file=sys.stderr)
    finally:
        src.close()
    return 0


def _rrweb(src, out: Path) -> None:
    """A JSON array led by a `replay/session` Custom event with the session id, so
    importing the file back finds this session (rrweb's player ignores that event)."""
    if str(out) == "-":
        from recorder.format import encode_json
        w = sys.stdout.buffer
        w.write(b"[")
        for i, e in enumerate(with_session_marker(src.id, src.events())):
            w.write((b"," if i else b"") + encode_json(e))
        w.write(b"]\n")
        w.flush()
        return
    n = write_rrweb_json(out, src.events(), session_id=src.id)
    print(f"wrote {n} events of session {src.id} to {out}", file=sys.stderr)


def _replay(src, out: Path) -> None:
    if str(out) == "-":
        raise UserError("a .replay bundle cannot go to stdout - give -o FILE.replay")
    n = write_bundle(out, src)
    print(f"wrote session {src.id} ({n} segments) to {out}", file=sys.stderr)


# format -> exporter(source, output path); other formats register here as they land
_EXPORTERS = {"rrweb": _rrweb, "replay": _replay}
