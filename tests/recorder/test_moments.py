"""A moment in a session as text (recorder.moments): one rule, rounded up, wherever it is
shown - and a bug report's moment stored as the whole ms it is shown as."""
from __future__ import annotations

import math

import msgspec

from recorder.bug import BugReport, from_context, report_for
from recorder.moments import UNKNOWN, Unit, moment_text
from recorder.steps import Step, StepKind


def test_every_unit_rounds_up_so_a_coarser_text_is_the_finer_one_rounded_again():
    """The demo's first click, at 10,948 ms, read 10.9 s in the Steps list and 0:11.0 in the
    Actions tab: one rule (rounded up: typed back, the moment is at or after the click)."""
    assert [moment_text(10_948, u) for u in Unit] == ["0:11", "0:11.0", "0:10.948"]
    assert [moment_text(68_790, u) for u in Unit] == ["1:09", "1:08.8", "1:08.790"]
    assert [moment_text(10_900, u) for u in Unit] == ["0:11", "0:10.9", "0:10.900"]
    assert moment_text(3_720_000, Unit.MS) == "1:02:00.000"        # past an hour
    assert moment_text(10_948.2, Unit.MS) == "0:10.949"             # a fraction of a ms
    assert moment_text(-4) == "0:00.0"                               # before the start
    assert moment_text(math.nan, Unit.SECOND) == moment_text(math.inf) == UNKNOWN
    for ms in range(0, 7_300_000, 997):
        finer = [moment_text(ms, u) for u in (Unit.MS, Unit.TENTH)]
        assert all(moment_text(_read(t), Unit.SECOND) == moment_text(ms, Unit.SECOND)
                   for t in finer), ms


def _read(text: str) -> int:
    """ms of h:mm:ss.f / m:ss.fff, as a person reads it."""
    *hm, s = text.split(":")
    minutes = int(hm[0]) * 60 + int(hm[1]) if len(hm) == 2 else int(hm[0])
    whole, _, part = s.partition(".")
    return (minutes * 60 + int(whole)) * 1000 + (int(part.ljust(3, "0")) if part else 0)


def test_a_bug_reports_steps_and_moment_read_as_the_panes_say_them():
    """`replay play bug.replay` printed `(10.9 s)`, `At: 58.0 s` where the player's panes
    say 0:11.0 and 0:58.0."""
    steps = [Step(10_948, StepKind.CLICK, "Code", "#code"),
             Step(20_432, StepKind.CLICK, "Add to cart", "#add")]
    assert BugReport(title="Coupon", at_ms=58_000, steps=steps).lines() == [
        "Bug: Coupon", "At: 0:58.0", "Steps:", '  1. Click "Code"  (0:11.0)',
        '  2. Click "Add to cart"  (0:20.5)', "  -- the bug, at 0:58.0 --"]


def test_a_bug_reports_moment_is_stored_as_whole_ms():
    """A bundle's manifest said `"at_ms": 58000.0` (`--at` is read as a float): the moment
    is an int, rounded up as it is shown; a report stored so before still reads."""
    given = report_for([], None, at_ms=58_000.0)    # `--at 58000` as argparse reads it
    assert msgspec.json.encode(given) == b'{"at_ms":58000}'
    assert report_for([], None, at_ms=62_500.4).at_ms == 62_501
    before = from_context({"bug": {"title": "Coupon", "at_ms": 58_000.0, "notes": "n"}})
    assert before == BugReport(title="Coupon", notes="n", at_ms=58_000)
    assert type(before.at_ms) is int
    # a moment no session can hold (a hand-edited or foreign context) is no moment: 1e308
    # made a 309-digit int that stopped every later write of the session
    for odd in (1e308, float("nan"), float("inf"), -5.0, 10 ** 400):
        got = from_context({"bug": {"title": "Coupon", "at_ms": odd}})
        assert got == BugReport(title="Coupon"), odd
        msgspec.msgpack.encode(got)
