"""The bug's moment of a recording made in record mode (recorder.bug.recorded_moment): the
moment marked while recording, else the last error the recording holds - what
recorder.semantics calls one - else the moment Stop was pressed; always within the session."""
from __future__ import annotations

import json

import pytest

from recorder.bug import MomentFrom, RecordedMoment, recorded_moment
from recorder.format import CONSOLE_PLUGIN, RUM_PLUGIN

S = 1_700_000_000_000


def meta(t):
    return {"type": 4, "timestamp": S + t, "data": {"href": "https://x.test/", "width": 800,
                                                   "height": 600}}


def console(t, level, text):
    return {"type": 6, "timestamp": S + t, "data": {"plugin": CONSOLE_PLUGIN, "payload": {
        "level": level, "trace": [], "payload": [json.dumps(text)]}}}


def rum(t, payload):
    return {"type": 6, "timestamp": S + t, "data": {"plugin": RUM_PLUGIN, "payload": payload}}


def click(t):
    return {"type": 3, "timestamp": S + t, "data": {"source": 2, "type": 2, "id": 5, "x": 1, "y": 2}}


FAILED = {"type": "resource", "date": S + 4_000, "resource": {
    "url": "https://x.test/api/checkout", "method": "POST", "status_code": 500, "duration": 120.4}}
# ... and the RUM plugin's error for it, as the response came
HTTP_ERROR = {"type": "error", "error": {
    "message": "POST https://x.test/api/checkout failed with status 500", "source": "network",
    "type": "HTTPError", "resource": {"url": "https://x.test/api/checkout", "method": "POST",
                                      "status_code": 500}}}
UNCAUGHT = {"type": "error", "error": {"message": "x is null", "type": "TypeError",
                                       "source": "source"}}


@pytest.mark.parametrize("events, marked, at", [
    # the mark wins, errors or not; the last press is the one given
    ([meta(0), console(2_000, "error", "boom"), click(9_000)], S + 5_000, 5_000),
    # nothing marked: the last error - a failed request, dated when it failed ...
    ([meta(0), console(1_000, "error", "early"), rum(4_121, FAILED), rum(4_121, HTTP_ERROR),
      click(9_000)], None, 4_121),
    # ... an uncaught error (its console echo is the same error), a console.error
    ([meta(0), rum(3_000, UNCAUGHT), console(3_000, "error", "Uncaught TypeError: x is null"),
      console(6_000, "warn", "only a warning"), click(9_000)], None, 3_000),
    ([meta(0), rum(3_000, UNCAUGHT), console(7_500, "error", "save failed"), click(9_000)],
     None, 7_500),
], ids=["marked", "failed-request", "uncaught", "console-error"])
def test_the_mark_else_the_last_error(events, marked, at):
    got = recorded_moment(events, marked=marked, stopped=S + 9_500)
    assert got == RecordedMoment(at, MomentFrom.MARK if marked else MomentFrom.LAST_ERROR)


def test_without_a_mark_or_an_error_the_moment_stop_was_pressed():
    events = [meta(0), console(1_000, "warn", "a warning is no error"),
              rum(2_000, {**FAILED, "resource": {**FAILED["resource"], "status_code": 404}}),
              click(9_000)]
    assert recorded_moment(events, marked=None, stopped=S + 8_000.5) == \
        RecordedMoment(8_001, MomentFrom.STOP)
    # handed over without a Stop: the recording's end
    assert recorded_moment(events, marked=None, stopped=None) == \
        RecordedMoment(9_000, MomentFrom.STOP)


def test_the_moment_is_within_the_session():
    """A press after the last event is the session's end (a bug past the end opens at the
    end with a note); one before the first event (the snapshot not in yet) is its start."""
    events = [meta(0), click(9_000)]
    assert recorded_moment(events, marked=S + 12_000, stopped=None).at_ms == 9_000
    assert recorded_moment(events, marked=S - 300, stopped=None).at_ms == 0
    assert recorded_moment(events, marked=None, stopped=S + 60_000).at_ms == 9_000
    assert recorded_moment([], marked=S, stopped=S) is None


def _page(t):
    node = {"type": 0, "id": 1, "childNodes": [{"type": 2, "tagName": "html", "id": 2,
                                                "attributes": {}, "childNodes": []}]}
    return [meta(t), {"type": 2, "timestamp": S + t + 1,
                      "data": {"node": node, "initialOffset": {"left": 0, "top": 0}}}]


@pytest.mark.parametrize("marked, first_at, second_at", [
    (S + 21 * 60_000 + 500, None, 500),   # in the second session: counted from its start
    (S + 3_000, 3_000, None),             # in the first
    (S + 10 * 60_000, 9_000, None),       # in the quiet stretch after the first: its end
])
def test_a_recording_stored_as_two_sessions_gives_the_moment_to_the_one_it_falls_in(
        tmp_path, marked, first_at, second_at):
    """Record mode's reproduction that went quiet for 20 minutes is stored as two sessions:
    each keeps the title and notes, only the one the moment falls in keeps the moment,
    counted from its own start (both opened at the whole recording's offset before)."""
    from recorder.bug import BugReport, from_context, parts_reports
    from recorder.store import Store

    events = _page(0) + [click(9_000)] + _page(21 * 60_000) + [click(21 * 60_000 + 4_000)]
    moment = recorded_moment(events, marked=marked, stopped=None)
    report = BugReport(title="Coupon lost", notes="twice", at_ms=moment.at_ms)
    with Store.open(tmp_path / "data") as store:
        stored = store.ingest_outcomes(events, context_of=parts_reports(report, events))
        assert len(stored) == 2
        first, second = sorted((store.index.session(s.id) for s in stored),
                               key=lambda i: i.start_ms)
        got = [from_context(i.context) for i in (first, second)]
    assert [(r.title, r.notes, r.at_ms) for r in got] == [
        ("Coupon lost", "twice", first_at), ("Coupon lost", "twice", second_at)]
