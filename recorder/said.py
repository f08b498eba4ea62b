"""How the program's own log lines read on stderr: `replay: warning: ...` as the commands
say theirs (`replay: error: ...`), and an informational line as `replay: ...` - the same in
the command's process and in each worker process `replay serve --workers N` starts (which
has no handler of its own: logging's last resort printed a bare message there)."""
from __future__ import annotations

import contextlib
import logging
import sys
import threading
from typing import Iterator


RECORDER = "recorder"   # the package whose modules' loggers `heard` hears by default


PROGRAM = "replay"   # who says a line (the command's name)


def said_line(level: str, text: str, by: str = PROGRAM) -> str:
    """A line the program says on stderr, as every one of its lines reads: `replay: LEVEL:
    text` (`error`, `warning`, `note`); the commands' (app.cli), the log's (`Said`)."""
    return f"{by}: {level}: {text}"


class Said(logging.Formatter):
    """`replay: LEVEL: message`; an informational line without its level."""

    def format(self, record: logging.LogRecord) -> str:
        if record.levelno == logging.INFO:
            return f"{PROGRAM}: {record.getMessage()}"
        said = said_line(record.levelname.lower(), record.getMessage())
        if record.exc_info:   # log.exception: what failed where, for whoever reports it
            said += "\n" + self.formatException(record.exc_info)
        return said


def say_on_stderr(level: int = logging.WARNING) -> None:
    """Log records of `level` and above on stderr in those words, unless the process has a
    handler already (a test's, an embedding program's)."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(Said())
        root.addHandler(handler)
    for handler in root.handlers:
        if isinstance(handler.formatter, Said):
            handler.setLevel(level)


@contextlib.contextmanager
def heard(*loggers: logging.Logger) -> Iterator[list[str]]:
    """What `loggers` (by default every logger of the recorder's modules: the store's, the
    import's, a bundle's...) warn of in this thread while the block runs (WARNING and
    above), each message kept in the list yielded instead of going to the handlers - for a
    window to say in its own place (a status line, an import's summary): the app's window
    printed them on a terminal no one looks at. Other threads' records go on as before.
    Blocks nest: the innermost one hears a warning (an import's, of one file of several,
    named by the file), the outer ones what is said outside it."""
    said: list[str] = []
    me = threading.get_ident()
    if not loggers:
        loggers = tuple(logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
                        if name == RECORDER or name.startswith(RECORDER + "."))

    def keep(record: logging.LogRecord) -> bool:
        if record.thread != me or record.levelno < logging.WARNING:
            return True
        said.append(record.getMessage())
        return False
    for logger in loggers:   # first in line: an enclosing block's filter would keep it
        logger.filters.insert(0, keep)
    try:
        yield said
    finally:
        for logger in loggers:
            logger.removeFilter(keep)


def count(n: int, noun: str, plural: str | None = None) -> str:
    """A number of things as every line says it - thousands separated, the noun singular for
    one (never "session(s)"): `count(1, "segment")` -> "1 segment", `count(275113, "event")`
    -> "275,113 events", `count(2, "dictionary", "dictionaries")` -> "2 dictionaries"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
