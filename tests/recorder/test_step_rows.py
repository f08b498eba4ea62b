"""The steps as a person reads them (recorder.bug.step_rows): numbered, each error the page
reported among them at its moment, the bug's row after what came at or before its moment -
one order for the player's Steps tab, `replay devtools --tab steps` and a report's lines."""
from __future__ import annotations

from recorder.bug import ERRORS_LISTED, BugReport, RowKind, StepRow, step_rows
from recorder.moments import moment_text
from recorder.steps import Step, StepKind

STEPS = [Step(1000, StepKind.CLICK, "Apply coupon", "#apply"),
         Step(2000, StepKind.CLICK, "Apply coupon", "#apply"),
         Step(5000, StepKind.CLICK, "Pay", "#pay")]


def test_errors_come_after_the_step_of_their_moment_and_repeats_are_counted():
    errors = [(1000, "TypeError: x is null"), (1200, "TypeError: x is null"),
              (1300, "500 on /api/quote"), (2100, "TypeError: x is null"),
              (2200, "TypeError: x is null"), (2300, "TypeError: x is null"), (0, "boot failed")]
    rows = step_rows(STEPS, errors, bug_at=2000)
    assert [(r.kind, r.t, r.text, r.number, r.count) for r in rows] == [
        (RowKind.ERROR, 0, "boot failed", 0, 1),
        (RowKind.STEP, 1000, 'Click "Apply coupon"', 1, 0),
        (RowKind.ERROR, 1000, "TypeError: x is null", 0, 2),   # its second time before step 2
        (RowKind.ERROR, 1300, "500 on /api/quote", 0, 1),
        (RowKind.STEP, 2000, 'Click "Apply coupon"', 2, 0),
        (RowKind.BUG, 2000, "", 0, 0),                          # after what came at its moment
        (RowKind.ERROR, 2100, "TypeError: x is null", 0, 3),   # after a step: a row of its own
        (RowKind.STEP, 5000, 'Click "Pay"', 3, 0)]
    assert rows[2].line() == "✖ TypeError: x is null  (0:01.0, 2 times)"
    assert rows[5].line() == "-- the bug, at 0:02.0 --"
    assert [StepRow.from_json(r.to_json()).line() for r in rows] == [r.line() for r in rows]
    assert rows[0].to_json() == {"t": 0, "kind": "error", "text": "boot failed", "count": 1}
    assert rows[5].to_json() == {"t": 2000, "kind": "bug"}


def test_the_bugs_row_parts_what_came_before_it_from_what_came_after():
    """An error before the bug's moment and the same one after it are two rows: the first
    said how many times it came before the bug, not after (a review)."""
    rows = step_rows(STEPS[:1], [(1500, "boom"), (1600, "boom"), (2500, "boom")], bug_at=2000)
    assert [(r.kind, r.count) for r in rows] == [
        (RowKind.STEP, 0), (RowKind.ERROR, 2), (RowKind.BUG, 0), (RowKind.ERROR, 1)]


def test_many_distinct_errors_between_two_steps_are_one_row_past_the_first_few():
    """A page failing in 1,500 ways at once buried its steps under 1,500 red rows (a
    review): between two steps, the first ERRORS_LISTED lines are listed, the rest one row
    that counts them; the same lines again count on their own rows."""
    errors = [(1100 + i, f"request {i} failed") for i in range(40)] + [(1500, "request 0 failed")]
    rows = step_rows(STEPS, errors)
    between = rows[1:rows.index(next(r for r in rows if r.number == 2))]
    assert [r.kind for r in between] == [RowKind.ERROR] * ERRORS_LISTED + [RowKind.MORE_ERRORS]
    assert between[0].count == 2
    assert between[-1].count == 40 - ERRORS_LISTED and between[-1].t == 1100 + ERRORS_LISTED
    assert between[-1].line() == (f"✖ … and {40 - ERRORS_LISTED} more errors from"
                                  f" {moment_text(1100 + ERRORS_LISTED)}")


def test_a_reports_lines_place_its_bug_as_before():
    lines = BugReport(title="Coupon", at_ms=1500, steps=STEPS).lines()
    assert lines[lines.index("Steps:") + 1:] == [
        '  1. Click "Apply coupon"  (0:01.0)', "  -- the bug, at 0:01.5 --",
        '  2. Click "Apply coupon"  (0:02.0)', '  3. Click "Pay"  (0:05.0)']


def test_a_long_reports_lines_keep_the_rows_leading_to_the_bug_and_count_the_others():
    """A long session's report printed 16,969 lines at `replay play` (a support engineer's
    tryout): at most so many rows, those leading to the bug and a few after it
    (ROWS_AFTER_BUG), the others counted and where they all are said; without a bug, the
    last ones; a report that fits is printed whole."""
    from recorder.bug import ROWS_AFTER_BUG, near_bug
    many = [Step(1000 * i, StepKind.CLICK, f"Row {i}", f"#r{i}") for i in range(1, 101)]
    lines = BugReport(title="Orders", at_ms=50_500, steps=many).lines(
        most_rows=10, all_rows_in="`replay devtools s --tab steps` lists them all")
    rows = lines[lines.index("Steps:") + 1:]
    shown = 10 - 1 - ROWS_AFTER_BUG   # the bug's row among the ten
    assert rows[0] == f"  … {50 - shown} earlier rows not shown (`replay devtools s --tab" \
        " steps` lists them all)"
    first = 51 - shown
    assert rows[1] == f'  {first}. Click "Row {first}"  ({moment_text(1000 * first)})'
    assert rows[1 + shown] == "  -- the bug, at 0:50.5 --"
    assert rows[-2] == f'  {50 + ROWS_AFTER_BUG}. Click "Row {50 + ROWS_AFTER_BUG}"' \
        f"  ({moment_text(1000 * (50 + ROWS_AFTER_BUG))})"
    assert rows[-1] == f"  … {50 - ROWS_AFTER_BUG} later rows not shown (`replay devtools s" \
        " --tab steps` lists them all)"
    assert len(rows) == 12
    rows_all = step_rows(many, (), None)
    assert near_bug(rows_all, 10) == (rows_all[-10:], 90, 0)
    assert near_bug(rows_all, None) == (rows_all, 0, 0) == near_bug(rows_all, 100)
    assert BugReport(title="x", at_ms=1500, steps=STEPS).lines(most_rows=10) == \
        BugReport(title="x", at_ms=1500, steps=STEPS).lines()


def test_a_reports_lines_may_say_each_steps_selector_under_it_as_devtools_does():
    """A developer's tryout: `replay play` listed the steps without their selectors, which
    `devtools --tab steps` and the Steps tab show. `selectors=True`: each under its step, as
    devtools says it (one way: StepRow.said); a step without one, none."""
    steps = [Step(0, StepKind.NAVIGATE, url="https://shop.test/"), *STEPS]
    lines = BugReport(title="Coupon", at_ms=1500, steps=steps).lines(selectors=True)
    assert lines[lines.index("Steps:") + 1:] == [
        "  1. Open https://shop.test/  (0:00.0)",
        '  2. Click "Apply coupon"  (0:01.0)', "       #apply", "  -- the bug, at 0:01.5 --",
        '  3. Click "Apply coupon"  (0:02.0)', "       #apply",
        '  4. Click "Pay"  (0:05.0)', "       #pay"]
    row = step_rows(STEPS)[0]
    assert row.said("#apply") == ['  1. Click "Apply coupon"  (0:01.0)', "       #apply"]
