"""The steps as a person reads them (recorder.bug.step_rows): numbered, each error the page
reported among them at its moment, the bug's row after what came at or before its moment -
one order for the player's Steps tab, `replay devtools --tab steps` and a report's lines."""
from __future__ import annotations

from recorder.bug import BugReport, RowKind, step_rows
from recorder.steps import Step, StepKind

STEPS = [Step(1000, StepKind.CLICK, "Apply coupon", "#apply"),
         Step(2000, StepKind.CLICK, "Apply coupon", "#apply"),
         Step(5000, StepKind.CLICK, "Pay", "#pay")]


def test_errors_come_after_the_step_of_their_moment_and_repeats_are_counted():
    errors = [(1000, "TypeError: x is null"), (1200, "TypeError: x is null"),
              (1300, "500 on /api/quote"), (2100, "TypeError: x is null"),
              (2200, "TypeError: x is null"), (2300, "TypeError: x is null"), (0, "boot failed")]
    rows = step_rows(STEPS, errors, bug_at=2000)
    assert [(r.kind, r.t, r.text, r.number) for r in rows] == [
        (RowKind.ERROR, 0, "boot failed", 1),
        (RowKind.STEP, 1000, 'Click "Apply coupon"', 1),
        (RowKind.ERROR, 1000, "TypeError: x is null", 2),   # its second time before step 2
        (RowKind.ERROR, 1300, "500 on /api/quote", 1),
        (RowKind.STEP, 2000, 'Click "Apply coupon"', 2),
        (RowKind.BUG, 2000, "", 0),                          # after what came at its moment
        (RowKind.ERROR, 2100, "TypeError: x is null", 3),   # after a step: a row of its own
        (RowKind.STEP, 5000, 'Click "Pay"', 3)]
    assert rows[2].line() == "✖ TypeError: x is null  (0:01.0, 2 times)"
    assert rows[5].line() == "-- the bug, at 0:02.0 --"


def test_a_reports_lines_place_its_bug_as_before():
    lines = BugReport(title="Coupon", at_ms=1500, steps=STEPS).lines()
    assert lines[lines.index("Steps:") + 1:] == [
        '  1. Click "Apply coupon"  (0:01.0)', "  -- the bug, at 0:01.5 --",
        '  2. Click "Apply coupon"  (0:02.0)', '  3. Click "Pay"  (0:05.0)']
