"""An echo that came *before* the value was typed into a masked field (the page showed a saved
coupon, its URL carried it, then the person typed it into a masked field) is masked by an
import too, not only by the passes that read a session whole (`mask_session`): the
whole-list ingest scrubs the batch the value was typed in, and the streaming import reads
back what it had written already (segment files and the first segment held for its header)
before anything is committed. The promise checked as the privacy officer would: every byte of
the data folder (segments decompressed, the SQLite index and its journal) searched."""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

from app.cli import main as cli
from recorder.intake.apps import Applications
from recorder.intake.live import LiveIntake
from recorder.intake.wire import Batch, User
from recorder.mirror import Mirror
from recorder.privacy import masker_factory, parse_rules
from recorder.privacy.echoes import FADE_MS
from recorder.privacy.preview import html_to_events
from recorder.rrweb_io import EventStream, NotStreamable
from recorder.sealed import SEALED_SUFFIX
from recorder.sessions import INACTIVITY_MS
from recorder.store import STREAM_BATCH, Store
from recorder.thumbnail_cache import thumbnail_path
from replay_tools.stored import hits, stored_bytes
from tests.recorder.test_privacy_echoes import ALLOW, DEFAULT, ID, PAGE, T0, console, text, typed

SECRET = "QuokkaCoupon99"
SEEN_BEFORE = f"https://shop.example/cart?coupon={SECRET}"


def recording(padding: int) -> list[dict]:
    """The page opened at a URL holding the coupon, which it shows and logs; `padding` mouse
    moves; another page of the visit; the coupon typed into the masked field key by key;
    the page confirms it."""
    events = html_to_events(PAGE, href=SEEN_BEFORE, timestamp=T0)
    events += [console(f"saved coupon: {SECRET}", ms=5), text(f"Your coupon {SECRET}", ms=6)]
    ms = 10
    for k in range(padding):
        ms += 1
        events.append({"type": 3, "timestamp": T0 + ms, "data": {
            "source": 1, "positions": [{"x": k % 500, "y": 7, "id": ID["out"], "timeOffset": 0}]}})
    ms += 100
    events += html_to_events(PAGE, href="https://shop.example/checkout", timestamp=T0 + ms)
    for n in range(4, len(SECRET) + 1):
        events.append(typed("coupon", SECRET[:n], ms=ms + n))
    events.append(console(f"applied {SECRET}", ms=ms + 50))
    return events


def streamed(root: Path, path: Path, rules: str, **kw) -> list[str]:
    """As `replay import` reads a file: streamed, or read whole when the stream cannot
    decide (NotStreamable: nothing was written)."""
    with Store.open(root, **kw) as s:
        stream = EventStream(path)
        try:
            return [r.id for r in s.import_stream(
                stream, session_id=stream.session_hint,
                masker_factory=masker_factory(parse_rules(rules)))]
        except NotStreamable:
            pass
    return whole(root, path, rules, **kw)


def whole(root: Path, path: Path, rules: str, **kw) -> list[str]:
    with Store.open(root, **kw) as s:
        return s.ingest(json.loads(path.read_text()),
                        masker_factory=masker_factory(parse_rules(rules)))


def stored_events(root: Path) -> str:
    with Store.open(root) as s:
        return json.dumps([list(s.session(i.id).events()) for i in s.sessions()])


# (padding, segment size): all in one batch and one segment; the echo in a segment file
# written before the typing; the echo a whole streaming batch before the typing too
CASES = [(10, 50_000), (200, 100), (STREAM_BATCH + 50, 1_000)]


@pytest.mark.parametrize("how", [streamed, whole], ids=["streamed", "whole"])
@pytest.mark.parametrize("padding,per_segment", CASES, ids=["one-batch", "files", "batches"])
def test_no_byte_of_the_store_holds_a_value_echoed_before_it_was_typed(
        tmp_path, how, padding, per_segment):
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(recording(padding)))
    root = tmp_path / "data"
    how(root, f, DEFAULT, max_segment_records=per_segment)
    with Store.open(root) as s:
        (info,) = s.sessions()
        assert info.segment_count >= (2 if per_segment < padding else 1)
        assert info.record_count == len(recording(padding))     # nothing dropped
    assert hits(stored_bytes(root), {"typed value": [SECRET]}) == []
    got = stored_events(root)
    for echo in ("saved coupon: ***", "Your coupon ***", "applied ***", "coupon=***"):
        assert echo in got, echo


@pytest.mark.parametrize("how", [streamed, whole], ids=["streamed", "whole"])
def test_a_value_typed_into_an_allowed_field_stays_where_it_was_shown(tmp_path, how):
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(recording(200)))
    root = tmp_path / "data"
    how(root, f, ALLOW, max_segment_records=100)
    got = stored_events(root)
    assert f"saved coupon: {SECRET}" in got and f"Your coupon {SECRET}" in got


def test_replay_import_masks_an_echo_from_before_the_typing(tmp_path, capsys):
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(recording(STREAM_BATCH + 50)))
    root = tmp_path / "data"
    assert cli(["import", str(f), "--data", str(root)]) == 0
    capsys.readouterr()
    assert hits(stored_bytes(root), {"typed value": [SECRET]}) == []
    assert "saved coupon: ***" in stored_events(root)


# A streaming import fed through a pipe, in a process of its own: it reads (and writes) what
# it is given, then waits for more - where the test kills it.
IMPORT_FROM_STDIN = """
import json, sys
from recorder.privacy import masker_factory, parse_rules
from recorder.store import Store
with Store.open(sys.argv[1], max_segment_records=int(sys.argv[2])) as s:
    s.import_stream((json.loads(line) for line in sys.stdin),
                    masker_factory=masker_factory(parse_rules(sys.argv[3])))
"""


def test_an_import_killed_before_the_typing_leaves_no_echo_on_disk(tmp_path):
    """The coupon is shown in the second segment; the import has written four segments and
    waits for the rest of the recording (where the coupon is typed into a masked field) when
    it is killed with -9. Those segments were written before anyone could know the coupon
    would be typed: they are sealed with a key the import held in memory only
    (`recorder.sealed`), so neither they nor the next command's view of the folder hold it;
    they were segment files in clear, holding it, until that next command deleted them (a
    privacy officer's tryout). The whole file imported afterwards is masked as ever."""
    per_segment = 2_000
    events = html_to_events(PAGE, href="https://shop.example/cart", timestamp=T0)
    pad(events, per_segment + 500)                    # past the first segment (held in memory)
    events += [text(f"Your coupon {SECRET}", ms=events[-1]["timestamp"] - T0 + 1)]
    pad(events, 3 * per_segment)                      # three more segments
    head = len(events)
    typing(events)
    root = tmp_path / "data"
    Store.open(root).close()
    p = subprocess.Popen([sys.executable, "-c", IMPORT_FROM_STDIN, str(root), str(per_segment),
                          DEFAULT], stdin=subprocess.PIPE, cwd=Path(__file__).resolve().parents[2])
    assert p.stdin is not None
    p.stdin.write("".join(json.dumps(e) + "\n" for e in events[:head]).encode())
    p.stdin.write(b"\n".join([json.dumps(events[head - 1]).encode()] * STREAM_BATCH))
    p.stdin.flush()                      # (a whole batch more: the first one is taken)
    deadline = time.monotonic() + 120    # (how long a loaded machine may take, at most)
    written: list[Path] = []
    while len(written) < 4 and p.poll() is None and time.monotonic() < deadline:
        written = [f for f in (root / "segments").rglob("*") if ".seg" in f.name]
        time.sleep(0.05)
    assert len(written) >= 4 and p.poll() is None, (written, p.poll())
    p.kill()
    p.wait()
    p.stdin.close()
    on_disk = stored_bytes(root)
    assert hits(on_disk, {"typed value": [SECRET]}) == []
    assert any(name.endswith(SEALED_SUFFIX) for name in on_disk)   # what it had written
    with Store.open(root) as s:                  # the next command deletes them
        assert s.sessions() == []
    assert [f for f in (root / "segments").rglob("*") if f.is_file()] == []
    whole_file = tmp_path / "rec.json"
    whole_file.write_text(json.dumps(events))
    streamed(root, whole_file, DEFAULT, max_segment_records=per_segment)
    assert hits(stored_bytes(root), {"typed value": [SECRET]}) == []
    assert "Your coupon ***" in stored_events(root)
    assert not [f for f in (root / "segments").rglob("*" + SEALED_SUFFIX)]


def test_a_live_session_is_scrubbed_when_it_goes_quiet_and_is_compacted(tmp_path):
    """Live intake masks each request once: an echo in an earlier request than the typing is
    stored by then. The worker that masked the typing knows the value (memory only) and
    compaction, once the session is quiet, rewrites the session without it."""
    data = tmp_path / "data"
    data.mkdir()
    apps = Applications(data)
    app, _ = apps.create("shop")
    live = LiveIntake(Store.open(data), parse_rules(DEFAULT))
    shift = int(time.time() * 1000) - 40 * 60_000 - T0      # quiet for 40 minutes
    events = recording(10)
    for e in events:
        e["timestamp"] += shift
    cut = next(i for i, e in enumerate(events) if e["data"].get("source") == 5)
    live.accept(app, Batch(session_id="s1", events=events[:cut]))
    live.accept(app, Batch(session_id="s1", events=events[cut:]))
    assert hits(stored_bytes(data), {"typed value": [SECRET]})   # the premise
    assert live.compact_idle() == ["s1"]
    assert hits(stored_bytes(data), {"typed value": [SECRET]}) == []
    got = stored_events(data)
    for echo in ("saved coupon: ***", "Your coupon ***", "applied ***", "coupon=***"):
        assert echo in got, echo
    live.store.close()
    apps.close()


# --- a session stored already, a value typed at a batch's end, the facts ---------------------
def pad(events: list[dict], n: int) -> None:
    ms = events[-1]["timestamp"] - T0
    for k in range(n):
        events.append({"type": 3, "timestamp": T0 + ms + k + 1, "data": {
            "source": 1, "positions": [{"x": k % 500, "y": 7, "id": ID["out"], "timeOffset": 0}]}})


def typing(events: list[dict], value: str = SECRET) -> None:
    ms = events[-1]["timestamp"] - T0
    for n in range(4, len(value) + 1):
        events.append(typed("coupon", value[:n], ms=ms + n))


def two_exports(tmp_path: Path, echo_in_first: bool) -> tuple[Path, Path]:
    """An earlier, shorter export of a recording and the whole recording: the page shows the
    coupon (in the first export's part, or after it), then it is typed in."""
    events = html_to_events(PAGE, href="https://shop.example/cart", timestamp=T0)
    pad(events, 100)
    cut = len(events) + (10 if echo_in_first else 0)
    pad(events, 5)
    events += [console(f"saved coupon: {SECRET}", ms=events[-1]["timestamp"] - T0 + 1)]
    pad(events, 5 if echo_in_first else STREAM_BATCH + 50)
    typing(events)
    first, whole_file = tmp_path / "first.json", tmp_path / "whole.json"
    first.write_text(json.dumps(events[:cut]))
    whole_file.write_text(json.dumps(events))
    return first, whole_file


@pytest.mark.parametrize("how", [streamed, whole], ids=["streamed", "whole"])
def test_what_extends_a_stored_session_is_masked_with_every_value_typed(tmp_path, how):
    first, whole_file = two_exports(tmp_path, echo_in_first=False)
    root = tmp_path / "data"
    how(root, first, DEFAULT, max_segment_records=1000)
    how(root, whole_file, DEFAULT, max_segment_records=1000)   # appended after it
    with Store.open(root) as s:
        (info,) = s.sessions()
        assert info.record_count == len(json.loads(whole_file.read_text()))
    assert hits(stored_bytes(root), {"typed value": [SECRET]}) == []
    assert "saved coupon: ***" in stored_events(root)


@pytest.mark.parametrize("how", [streamed, whole], ids=["streamed", "whole"])
@pytest.mark.parametrize("start", ["echo-stored-first", "echo-after", "whole-first"])
def test_a_longer_export_still_extends_what_an_import_stored(tmp_path, how, start):
    """A stored session compared with one whose echoes a second pass masked (or the other way
    round) is the same session: the longer export appends, it is not refused."""
    first, whole_file = two_exports(tmp_path, echo_in_first=start == "echo-stored-first")
    root = tmp_path / "data"
    if start != "whole-first":
        how(root, first, DEFAULT, max_segment_records=1000)
    how(root, whole_file, DEFAULT, max_segment_records=1000)
    longer = tmp_path / "longer.json"
    events = json.loads(whole_file.read_text())
    events.append(console("thanks", ms=events[-1]["timestamp"] - T0 + 100))
    longer.write_text(json.dumps(events))
    how(root, longer, DEFAULT, max_segment_records=1000)      # after the typing was stored
    with Store.open(root) as s:
        (info,) = s.sessions()
        assert info.record_count == len(events)


@pytest.mark.parametrize("how", [streamed, whole], ids=["streamed", "whole"])
def test_a_value_typed_across_a_streaming_batchs_end_is_masked_whole(tmp_path, how):
    events = html_to_events(PAGE, href="https://shop.example/cart", timestamp=T0)
    pad(events, STREAM_BATCH - 100 - len(events))
    events.append(text(f"Your saved coupon {SECRET}", ms=events[-1]["timestamp"] - T0 + 1))
    pad(events, STREAM_BATCH - 5 - len(events))         # the typing starts 5 before the end
    typing(events)
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(events))
    root = tmp_path / "data"
    how(root, f, DEFAULT)
    assert hits(stored_bytes(root), {"typed value": [SECRET, SECRET[-5:]]}) == []
    assert "Your saved coupon ***" in stored_events(root)


@pytest.mark.parametrize("how", [streamed, whole], ids=["streamed", "whole"])
def test_the_index_holds_errors_masked_whole_and_the_user_given(tmp_path, how):
    """An error's message is masked before it is cut and grouped (a fingerprint turns digits
    into <n>: masked after it, "Quokka2024Coupon" left "Quokka<n>Coupon"); the user given
    by the importer is never masked, whatever was typed."""
    value = "Quokka2024Coupon"
    events = html_to_events(PAGE, href="https://shop.example/cart", timestamp=T0)
    events.append(console(f"invalid coupon {value}", ms=5))
    pad(events, STREAM_BATCH + 50)
    typing(events, value)
    events.append(typed("coupon", "ada@example.com", ms=events[-1]["timestamp"] - T0 + 1))
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(events))
    root = tmp_path / "data"
    with Store.open(root) as s:
        mf = masker_factory(parse_rules(DEFAULT))
        user = {"id": "ada", "email": "ada@example.com"}
        if how is streamed:
            s.import_stream(EventStream(f), user=user, masker_factory=mf)
        else:
            s.ingest(json.loads(f.read_text()), user=user, masker_factory=mf)
        (info,) = s.sessions()
        assert info.user_email == "ada@example.com"
    assert hits(stored_bytes(root), {"typed value": [value, "Quokka<n>Coupon"]}) == []


@pytest.mark.parametrize("how", [streamed, whole], ids=["streamed", "whole"])
def test_before_the_typing_only_what_a_field_ended_with_counts_not_its_keystrokes(tmp_path, how):
    """Each keystroke's prefix is a typed value from its keystroke on (a debounced search
    sends it); before the typing, the page's own words are no echo of it: "Check your cart",
    shown before "checkout help" was typed key by key, stays; the value typed, shown before,
    goes - and so does one typed, erased and replaced by another."""
    events = html_to_events(PAGE, href="https://shop.example/cart", timestamp=T0)
    events += [text("Check your cart", ms=5), console("saved: checkout help", ms=6),
               console("old code QuokkaCoupon99", ms=7)]
    pad(events, STREAM_BATCH + 50)
    typing(events, "checkout help")
    typing(events)                      # then the coupon, in the same field, erased first
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(events))
    root = tmp_path / "data"
    how(root, f, DEFAULT)
    got = stored_events(root)
    assert "Check your cart" in got
    assert "saved: ***" in got and "old code ***" in got


@pytest.mark.parametrize("how", [streamed, whole], ids=["streamed", "whole"])
def test_an_echo_shown_after_a_keystroke_faded_goes_once_another_field_ends_with_it(
        tmp_path, how):
    """"zebracode" was a keystroke on the way to "zebracode1" in one field, and faded; a page
    showed it a streaming batch later; another field then ended with it. A file read whole
    masks it in the second pass - a streamed import must go back for it too."""
    v = "zebracode"
    events = html_to_events(PAGE, href="https://shop.example/", timestamp=T0)
    ms = 1_000
    events += [typed("search", (v + "1")[:n], ms=ms + n * 100) for n in range(4, len(v) + 2)]
    ms += 5_000 + FADE_MS
    for _ in range(2):
        events += [{"type": 3, "timestamp": T0 + ms + k, "data": {
            "source": 1, "positions": [{"x": k % 500, "y": 7, "id": ID["out"], "timeOffset": 0}]}}
            for k in range(STREAM_BATCH + 50)]
        ms += STREAM_BATCH + 60
        if _ == 0:
            events.append(text(f"Your code {v}", ms=ms))
    events += [typed("coupon", v[:n], ms=ms + 100 + n) for n in range(4, len(v) + 1)]
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(events))
    how(tmp_path / "data", f, DEFAULT, max_segment_records=1_000)
    got = stored_events(tmp_path / "data")
    assert f"Your code {v}" not in got and "Your code ***" in got


# --- a session split off the visit (15 minutes without activity, 4 hours) -----------------
SPLIT_MS = INACTIVITY_MS + 60_000


def typed_then_away(new_snapshot: bool, start: int = T0) -> list[dict]:
    """The coupon typed into the masked field; the person away for 16 minutes; back, the
    page shows and logs it - in the same page (no snapshot: rrweb's recorder takes none) or
    after the recorder took a new snapshot of it (its text already holding the coupon)."""
    events = html_to_events(PAGE, href="https://shop.example/cart", timestamp=start)
    typing(events)
    back = events[-1]["timestamp"] - T0 + SPLIT_MS
    if new_snapshot:
        shown = PAGE.replace('<p id="out">', f'<p id="out">Your coupon {SECRET}')
        assert shown != PAGE
        events += html_to_events(shown, href="https://shop.example/cart", timestamp=T0 + back)
    events += [text(f"Your coupon {SECRET}", ms=back + 1),
               console(f"applied {SECRET}", ms=back + 2)]
    return events


@pytest.mark.parametrize("how", [streamed, whole], ids=["streamed", "whole"])
@pytest.mark.parametrize("new_snapshot", [False, True], ids=["same-page", "new-snapshot"])
def test_a_value_typed_before_a_session_split_stays_masked_after_it(tmp_path, how, new_snapshot):
    """A session split off the recording goes on from the one before it: what was typed into
    a masked field there is masked where the next one echoes it (each had a masker of its
    own, which knew nothing typed before it: the echo was stored in clear)."""
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(typed_then_away(new_snapshot)))
    root = tmp_path / "data"
    assert len(how(root, f, DEFAULT)) == 2
    assert hits(stored_bytes(root), {"typed value": [SECRET]}) == []
    got = stored_events(root)
    assert "Your coupon ***" in got and "applied ***" in got


def shown_then_away_then_typed() -> list[dict]:
    """The page opened at a URL holding the coupon, which it shows and logs; the person away
    for 16 minutes; back, the coupon typed into the masked field: the echoes are all in the
    session before the split, the typing in the one after it."""
    events = html_to_events(PAGE, href=SEEN_BEFORE, timestamp=T0)
    events += [console(f"saved coupon: {SECRET}", ms=5), text(f"Your coupon {SECRET}", ms=6)]
    back = SPLIT_MS + 10
    events += html_to_events(PAGE, href="https://shop.example/checkout", timestamp=T0 + back)
    typing(events)
    return events


@pytest.mark.parametrize("how", [streamed, whole], ids=["streamed", "whole"])
def test_a_value_shown_before_a_session_split_and_typed_after_it_is_masked_in_both(
        tmp_path, how):
    """The other way round: the echoes before the split, the typing after it. The session
    before was masked knowing nothing of the value (and, streamed, written already); it is
    masked again with what the session after it typed - its events, its facts (the URL
    searched), before anything is committed."""
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(shown_then_away_then_typed()))
    root = tmp_path / "data"
    assert len(how(root, f, DEFAULT)) == 2
    assert hits(stored_bytes(root), {"typed value": [SECRET]}) == []
    got = stored_events(root)
    assert "Your coupon ***" in got and "saved coupon: ***" in got


@pytest.mark.parametrize("how", [streamed, whole], ids=["streamed", "whole"])
def test_the_part_a_reimport_appends_before_the_split_is_masked_too(tmp_path, how):
    """The recording's start is stored already; the whole of it imported again extends that
    session (the coupon shown in what it appends), then a new session after the split
    types it: the appended events are masked with it too (streamed, they were not)."""
    start = html_to_events(PAGE, href="https://shop.example/cart", timestamp=T0)
    pad(start, 100)
    full = start + [console(f"saved coupon: {SECRET}", ms=500),
                    text(f"Your coupon {SECRET}", ms=501)]
    full += html_to_events(PAGE, href="https://shop.example/checkout",
                           timestamp=T0 + SPLIT_MS + 600)
    typing(full)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(start))
    b.write_text(json.dumps(full))
    root = tmp_path / "data"
    (first,) = how(root, a, DEFAULT)
    assert first in how(root, b, DEFAULT)
    assert hits(stored_bytes(root), {"typed value": [SECRET]}) == []


@pytest.mark.parametrize("how", [streamed, whole], ids=["streamed", "whole"])
def test_a_session_the_rules_left_empty_before_the_typing_is_no_trouble(tmp_path, how):
    """A first session whose every event the pass drops (inputs of a node no snapshot
    named), then the split, then the typing: the empty one has no segment to mask again
    (streamed, the import stopped with an AssertionError)."""
    events = [{"type": 3, "timestamp": T0 + k, "data": {
        "source": 5, "text": "zz", "isChecked": False, "id": 99999}} for k in range(3)]
    events += html_to_events(PAGE, href="https://shop.example/checkout", timestamp=T0 + SPLIT_MS)
    typing(events)
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(events))
    assert len(how(tmp_path / "data", f, DEFAULT)) == 2


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "whole"])
def test_a_value_typed_in_the_session_is_masked_in_the_context_it_came_with(tmp_path, stream):
    """A bug report's description saying the coupon the person then typed into the masked
    field: masked in the index and the first segment's header (streamed, it was not)."""
    context = {"description": f"my coupon {SECRET} does not apply"}
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(recording(10)))
    root = tmp_path / "data"
    with Store.open(root) as s:
        factory = masker_factory(parse_rules(DEFAULT))
        if stream:
            st = EventStream(f)
            s.import_stream(st, session_id=st.session_hint, masker_factory=factory,
                            context=context)
        else:
            s.ingest(json.loads(f.read_text()), masker_factory=factory, context=context)
    assert hits(stored_bytes(root), {"typed value": [SECRET]}) == []


def test_a_recording_of_many_sessions_is_imported_again_with_few_files_open(tmp_path):
    """Each session of a streamed import is kept until the end (to mask it again with
    what a later one typed), but not the temporary file it compared with the stored
    session: 120 sessions imported again under a limit of 100 open files ("Too many open
    files" before)."""
    events: list[dict] = []
    for k in range(120):
        at = k * (SPLIT_MS + 100)
        events += html_to_events(PAGE, href=f"https://shop.example/p{k}", timestamp=T0 + at)
        events += [console(f"line {k} {n}", ms=at + 10 + n) for n in range(5)]
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(events))
    root = tmp_path / "data"
    cmd = [sys.executable, "-m", "app", "--data", str(root), "import", str(f)]
    assert subprocess.run(cmd, capture_output=True).returncode == 0

    def few_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (100, 100))
    again = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=few_files)
    assert again.returncode == 0, again.stderr


def _visit(tmp_path, workers: int = 1):
    data = tmp_path / "data"
    data.mkdir()
    apps = Applications(data)
    app, _ = apps.create("shop")
    return data, apps, app, [LiveIntake(Store.open(data), parse_rules(DEFAULT))
                             for _ in range(workers)]


def _now_shifted(events: list[dict], back_ms: int) -> list[dict]:
    shift = int(time.time() * 1000) - back_ms - T0
    return [dict(e, timestamp=e["timestamp"] + shift) for e in events]


@pytest.mark.parametrize("case", ["same-worker", "compacted-between", "other-worker",
                                  "new-snapshot"])
def test_a_live_visit_split_after_15_quiet_minutes_goes_on_with_its_page_and_its_masking(
        tmp_path, case):
    """rrweb's recorder takes no new snapshot when the person comes back after 15 minutes:
    the intake's new session for the rest of the visit begins with the page as the visit's
    masker holds it (a snapshot built from it, masked as any), and what was typed into a
    masked field before is masked where it is echoed after - also once the quiet session was
    compacted meanwhile (`replay serve` compacts every minute: exactly when the visitor is
    away), and when the rest of the visit brings a snapshot of its own. Another worker process
    builds the page from what is stored (the values typed are in the first one's memory only:
    see SessionMaskers)."""
    data, apps, app, workers = _visit(tmp_path, 2 if case == "other-worker" else 1)
    events = _now_shifted(typed_then_away(new_snapshot=case == "new-snapshot"), 2 * SPLIT_MS)
    cut = next(i for i, e in enumerate(events) if e["timestamp"] - events[0]["timestamp"]
               > SPLIT_MS)
    assert workers[0].accept(app, Batch(session_id="s1", events=events[:cut])) == ["s1"]
    if case in ("compacted-between", "new-snapshot"):
        assert workers[0].compact_idle() == ["s1"]
    (later,) = workers[-1].accept(app, Batch(session_id="s1", events=events[cut:]))
    assert later.startswith("s1.")
    if case != "other-worker":
        assert hits(stored_bytes(data), {"typed value": [SECRET]}) == []
    with Store.open(data) as s:
        first, rest = (list(s.session(sid).events()) for sid in ("s1", later))
    if case != "other-worker":
        assert "Your coupon ***" in json.dumps(rest) and "applied ***" in json.dumps(rest)
    if case != "new-snapshot":
        made = rest[:2]
        assert [e["type"] for e in made] == [4, 2]
        assert {e.get("replay:synthetic") for e in made} == {"session-split"}
        assert made[0]["data"]["href"] == "https://shop.example/cart"
        # the new session alone rebuilds the page the whole visit shows, its typing masked
        alone, visit = Mirror().apply_all(rest), Mirror().apply_all(first + rest[2:])
        assert alone.to_serialized() == visit.to_serialized()
        assert '"value": "***' in json.dumps(made[1]["data"])   # (the coupon field's)
    else:   # its own snapshot: none made
        assert not any(e.get("replay:synthetic") for e in rest)
    for w in workers:
        w.store.close()
    apps.close()


def test_a_batch_with_two_quiet_gaps_goes_on_from_the_session_just_before_each(tmp_path):
    """A batch held while the visitor was away twice (two new sessions in it): the second
    goes on from the first - its page holds what the first added - not from the session
    stored before the batch (the text set on a node the first added was dropped as a change
    of an unknown node)."""
    data, apps, app, (live,) = _visit(tmp_path)
    page = html_to_events(PAGE, href="https://shop.example/cart", timestamp=T0)
    added = {"type": 3, "timestamp": T0 + SPLIT_MS, "data": {
        "source": 0, "texts": [], "attributes": [], "removes": [], "adds": [
            {"parentId": ID["out"], "nextId": None, "node": {
                "type": 2, "id": 9001, "tagName": "b", "attributes": {}, "childNodes": [
                    {"type": 3, "id": 9002, "textContent": "added in the second"}]}}]}}
    changed = {"type": 3, "timestamp": T0 + 2 * SPLIT_MS, "data": {
        "source": 0, "texts": [{"id": 9002, "value": "changed in the third"}],
        "attributes": [], "removes": [], "adds": []}}
    events = _now_shifted(page + [added, changed], 3 * SPLIT_MS)
    assert live.accept(app, Batch(session_id="v", events=events[:len(page)])) == ["v"]
    second, third = live.accept(app, Batch(session_id="v", events=events[len(page):]))
    with Store.open(data) as s:
        got = {sid: list(s.session(sid).events()) for sid in (second, third)}
    assert [e["type"] for e in got[second]] == [4, 2, 3]
    assert [e["type"] for e in got[third]] == [4, 2, 3]
    shown = Mirror().apply_all(got[third])
    assert "changed in the third" in json.dumps(shown.to_serialized())
    assert not shown.warnings, shown.warnings
    live.store.close()
    apps.close()


def _shown_then_typed_live(tmp_path, live, app, compacted: bool, other: str | None = None,
                           before_last: Callable[[], object] = lambda: None,
                           visit: Callable[[], list[dict]] | None = None) -> str:
    """shown_then_away_then_typed sent live as session "s1" in two batches, the split
    between them; with `other`, the first part sent first as another visit's session of
    that id; `before_last` is called before the later session's compaction. The id of the
    visit's later session. `visit`: the recording (shown_then_away_then_typed's form)."""
    events = _now_shifted((visit or shown_then_away_then_typed)(), 2 * SPLIT_MS + 60_000)
    cut = next(i for i, e in enumerate(events) if e["timestamp"] - events[0]["timestamp"]
               > SPLIT_MS)
    if other is not None:
        assert live.accept(app, Batch(session_id=other, events=events[:cut])) == [other]
    assert live.accept(app, Batch(session_id="s1", events=events[:cut])) == ["s1"]
    if compacted:
        assert "s1" in live.compact_idle()
    (later,) = live.accept(app, Batch(session_id="s1", events=events[cut:]))
    assert later.startswith("s1.")
    assert hits(stored_bytes(tmp_path / "data"), {"typed value": [SECRET]})  # the premise
    before_last()
    assert later in live.compact_idle()
    return later


@pytest.mark.parametrize("compacted", [True, False], ids=["compacted-before-the-typing",
                                                          "compacted-after-it"])
def test_a_live_visit_shown_a_value_before_a_split_and_typed_after_it_is_masked_in_both(
        tmp_path, compacted):
    """The live intake's form of the import's case above: the page shows and logs the coupon,
    the visitor is away 16 minutes, comes back (a new session) and types it into a masked
    field. The first session was stored - and compacted, as `replay serve` compacts every
    minute - before the value was known; once the second goes quiet and is compacted, the
    first is masked again with what it typed (`rescrub_session`): its events, its facts (the
    URL), every byte of the data folder - the app's thumbnail of it as it was too."""
    data, apps, app, (live,) = _visit(tmp_path)

    def painted():   # the app's thumbnail of each session as stored then (it shows the coupon)
        with Store.open(data) as s:
            for info in s.sessions():
                picture = thumbnail_path(data, info.id, [m.file for m in s.index.segments(info.id)])
                picture.parent.mkdir(exist_ok=True)
                picture.write_bytes(f"a picture showing {SECRET}".encode())
    _shown_then_typed_live(tmp_path, live, app, compacted, before_last=painted)
    assert hits(stored_bytes(data), {"typed value": [SECRET]}) == []   # the pictures too
    got = stored_events(data)
    assert "saved coupon: ***" in got and "Your coupon ***" in got and "coupon=***" in got
    live.store.close()
    apps.close()


def test_another_visit_that_showed_the_value_is_left_as_it_was(tmp_path):
    """What one visitor typed is masked in their visit's sessions only: another visit's
    session, whose page showed the same text, holds nothing typed - not read whole nor
    rewritten."""
    data, apps, app, (live,) = _visit(tmp_path)
    kept = {}

    def note_segments():
        with Store.open(data) as s:
            kept["stranger"] = s.session("stranger").segments
    _shown_then_typed_live(tmp_path, live, app, compacted=True, other="stranger",
                           before_last=note_segments)
    with Store.open(data) as s:
        assert f"saved coupon: {SECRET}" in json.dumps(list(s.session("stranger").events()))
        assert "saved coupon: ***" in json.dumps(list(s.session("s1").events()))
        assert s.session("stranger").segments == kept["stranger"]
    live.store.close()
    apps.close()


@pytest.mark.parametrize("how", [streamed, whole], ids=["streamed", "whole"])
def test_the_user_a_session_named_before_the_split_loses_what_the_next_one_typed(tmp_path, how):
    """The page names its user (an `identify` event: PostHog's, or the app's own) with the
    coupon in a field of it, and the session after the split types the coupon into a masked
    field: the user the earlier session lists - in the index and in its first segment's
    header, which an index rebuilt from the segment files reads - is masked as its events
    are."""
    events = shown_then_away_then_typed()
    events.insert(3, {"type": 5, "timestamp": events[2]["timestamp"], "data": {
        "tag": "identify", "payload": {"id": "u-17", "name": f"Ada {SECRET}"}}})
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(events))
    root = tmp_path / "data"
    assert len(how(root, f, DEFAULT)) == 2
    with Store.open(root) as s:
        first = min(s.sessions(), key=lambda i: i.start_ms)
        assert first.user_id == "u-17" and first.user_name == "Ada ***", first.user_name
    assert hits(stored_bytes(root), {"typed value": [SECRET]}) == []


@pytest.mark.parametrize("how", [streamed, whole], ids=["streamed", "whole"])
def test_an_error_before_the_split_is_grouped_without_what_the_next_session_typed(
        tmp_path, how):
    """An error the earlier session logged with the value in it, cut at its length limit
    past the value's first half and grouped with the value's digits made <n>: the index holds
    neither half nor the group's form of it once the session after the split types it (the
    facts were masked as made - a cut half and "Quokka<n>Coupon" kept)."""
    value = "Quokka2024Coupon"
    events = html_to_events(PAGE, href="https://shop.example/cart", timestamp=T0)
    events.append(console(f"invalid coupon {value}", ms=5))
    cut_at = "x" * (500 - len("oops ") - 8)   # the message's limit falls in the value
    events.append(console(f"oops {cut_at}{value}", ms=6))
    back = SPLIT_MS + 10
    events += html_to_events(PAGE, href="https://shop.example/checkout", timestamp=T0 + back)
    typing(events, value)
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(events))
    root = tmp_path / "data"
    assert len(how(root, f, DEFAULT)) == 2
    assert hits(stored_bytes(root), {"typed value": [value, "Quokka<n>Coupon", "Quokka20"]}) \
        == []
    with Store.open(root) as s:   # the errors are listed still, masked
        first = min(s.sessions(), key=lambda i: i.start_ms)
        said = json.dumps(s.index.errors(first.id))
    assert "invalid coupon ***" in said and "oops xxx" in said, said


def _named_then_typed() -> list[dict]:
    """shown_then_away_then_typed, the page naming its user with the coupon in a field of it."""
    events = shown_then_away_then_typed()
    events.insert(3, {"type": 5, "timestamp": events[2]["timestamp"], "data": {
        "tag": "identify", "payload": {"id": "u-17", "name": f"Ada {SECRET}"}}})
    return events


def test_the_user_a_live_visits_earlier_session_named_loses_what_the_later_one_typed(tmp_path):
    """The live form of the import's case above: the user the earlier session's events
    named is listed masked once the later session types the coupon (the compaction's rewrite
    kept the listed user as if a batch had given it)."""
    data, apps, app, (live,) = _visit(tmp_path)
    _shown_then_typed_live(tmp_path, live, app, compacted=True, visit=_named_then_typed)
    with Store.open(data) as s:
        first = s.index.session("s1")
        assert (first.user_id, first.user_name) == ("u-17", "Ada ***")
    assert hits(stored_bytes(data), {"typed value": [SECRET]}) == []
    live.store.close()
    apps.close()


def test_a_user_a_live_batch_gave_is_kept_whatever_was_typed(tmp_path):
    """A user given with the batches (capture.js's setUser) that no event names is the site's
    word: never masked, as an import's `--user` is not. (One the events name too is masked
    with them: the index cannot tell which of the two it listed.)"""
    data, apps, app, (live,) = _visit(tmp_path)
    events = _now_shifted(shown_then_away_then_typed(), 2 * SPLIT_MS + 60_000)
    cut = next(i for i, e in enumerate(events) if e["timestamp"] - events[0]["timestamp"]
               > SPLIT_MS)
    given = User(id="u-17", name=f"Ada {SECRET}")
    live.accept(app, Batch(session_id="s1", events=events[:cut], user=given))
    assert live.compact_idle() == ["s1"]
    (later,) = live.accept(app, Batch(session_id="s1", events=events[cut:], user=given))
    assert later in live.compact_idle()
    with Store.open(data) as s:
        assert s.index.session("s1").user_name == f"Ada {SECRET}"
        assert "saved coupon: ***" in json.dumps(list(s.session("s1").events()))
    live.store.close()
    apps.close()


def test_a_dictionary_that_learnt_the_earlier_session_goes_when_it_is_masked_again(tmp_path):
    """A compression dictionary trained on the earlier session (`replay store train`) holds
    fragments of its text - the coupon: it goes with the rewrite, as a re-mask's does."""
    data, apps, app, (live,) = _visit(tmp_path)

    def train():
        live.store.train_dictionary(["s1"], size=2048, use=False)
        (learnt,) = (data / "dicts").glob("*.zdict")
        assert SECRET.encode() in learnt.read_bytes()   # the premise: it learnt the coupon

    def padded() -> list[dict]:   # a page logging it often: the dictionary learns it
        events = shown_then_away_then_typed()
        events[4:4] = [console(f"line {k} shows {SECRET} again" if k % 7 == 0
                               else f"line {k} of the log", ms=10 + k) for k in range(400)]
        return events
    _shown_then_typed_live(tmp_path, live, app, compacted=True, before_last=train,
                           visit=padded)
    assert hits(stored_bytes(data), {"typed value": [SECRET]}) == []
    live.store.close()
    apps.close()


def _two_pages_then_typed() -> list[dict]:
    """A page without the coupon, then one showing it; 16 minutes away; it is typed."""
    events = html_to_events(PAGE, href="https://shop.example/", timestamp=T0)
    shown = shown_then_away_then_typed()
    for e in shown:
        e["timestamp"] += 1_000
    return events + shown


def test_a_damaged_segment_of_the_earlier_session_does_not_keep_the_value(tmp_path):
    """One segment of the earlier session damaged (the one before the segment holding the
    coupon): the pass still reaches the other, and the damaged one - unreadable, perhaps
    holding the value - goes with the rewrite, as compaction's and a re-mask's do."""
    data, apps, app, (live,) = _visit(tmp_path)

    def damage():
        with Store.open(data) as s:
            segs = s.session("s1").segments
        assert len(segs) == 2
        f = data / segs[0].file
        b = bytearray(f.read_bytes())
        b[len(b) // 2] ^= 0xFF
        f.write_bytes(bytes(b))
    _shown_then_typed_live(tmp_path, live, app, compacted=True, before_last=damage,
                           visit=_two_pages_then_typed)
    assert hits(stored_bytes(data), {"typed value": [SECRET]}) == []
    with Store.open(data) as s:
        assert "saved coupon: ***" in json.dumps(list(s.session("s1").events()))
    live.store.close()
    apps.close()


@pytest.mark.parametrize("how", [streamed, whole], ids=["streamed", "whole"])
@pytest.mark.parametrize("stored_first", ["before", "after"])
def test_a_session_stored_from_a_cut_copy_loses_what_another_session_of_it_typed(
        tmp_path, how, stored_first):
    """One session of the recording is stored already, whole (imported from a copy cut at
    the split): the one before the split that showed the coupon, or the one after it that
    showed it again. The whole recording imported again finds it the same, and the other
    session types the coupon into a masked field: the stored one is masked again with it
    (it was left as it was: nothing of it was written)."""
    full = shown_then_away_then_typed() if stored_first == "before" else \
        typed_then_away(new_snapshot=True)
    split = next(i for i, e in enumerate(full) if e["timestamp"] - T0 >= SPLIT_MS)
    part = full[:split] if stored_first == "before" else full[split:]
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(part))
    b.write_text(json.dumps(full))
    root = tmp_path / "data"
    (first,) = how(root, a, DEFAULT)
    assert hits(stored_bytes(root), {"typed value": [SECRET]}) != []   # nobody typed it yet
    again = how(root, b, DEFAULT)
    assert len(again) == 2 and first in again
    assert hits(stored_bytes(root), {"typed value": [SECRET]}) == []
    got = stored_events(root)
    assert "Your coupon ***" in got
