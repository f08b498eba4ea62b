"""The program's log lines on stderr (recorder/said.py): the commands' words, and an
exception's traceback kept (the formatter dropped it: an intake's `log.exception` said one
line and nothing of where it failed)."""
from __future__ import annotations

import io
import logging

from recorder.said import Said


def _said(emit) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(Said())
    logger = logging.getLogger("test.said")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_levels_read_as_the_commands_say_theirs():
    assert _said(lambda log: log.info("intake on %s", "x")) == "replay: intake on x\n"
    assert _said(lambda log: log.warning("refused")) == "replay: warning: refused\n"


def test_an_exception_keeps_its_traceback():
    def boom(log):
        try:
            {}["missing"]
        except KeyError:
            log.exception("a batch failed")
    out = _said(boom)
    assert out.startswith("replay: error: a batch failed\nTraceback (most recent call last):")
    assert "KeyError: 'missing'" in out


def test_heard_keeps_this_threads_warnings_for_a_window_and_lets_the_others_by():
    """The app's window says what the store warns of in its own place (`heard`); a worker
    thread's warnings meanwhile are not taken from the terminal, nor an info line."""
    import threading

    from recorder.said import heard

    def other(log):
        with heard(log) as said:
            log.warning("out of order")
            log.info("just so")
            t = threading.Thread(target=lambda: log.warning("another thread's"))
            t.start()
            t.join()
        log.warning("after")
        assert said == ["out of order"]
    assert _said(other) == "replay: just so\nreplay: warning: another thread's\n" \
                           "replay: warning: after\n"


def test_heard_hears_every_recorder_module_by_default():
    """File > Import heard the store's and the import's loggers only: a damaged bundle's
    segment (recorder.bundle's warning) still went to the terminal."""
    import logging

    import recorder.bundle  # noqa: F401 (its logger)
    from recorder.said import heard

    def other(log):
        with heard() as said:
            logging.getLogger("recorder.bundle").warning("segment 3 left out")
            log.warning("not the recorder's")
        assert said == ["segment 3 left out"]
    assert _said(other) == "replay: warning: not the recorder's\n"


def test_heard_blocks_nest_the_innermost_hears_first():
    """File > Import hears what the whole import warns of; within it, each of several files'
    warnings are heard apart, to be said with the file's name: the outer block took them."""
    from recorder.said import heard

    def other(log):
        with heard(log) as outer:
            log.warning("before")
            with heard(log) as inner:
                log.warning("of one file")
            log.warning("after")
        assert outer == ["before", "after"] and inner == ["of one file"]
    assert _said(other) == ""
