"""What an import says of a bug bundle (a QA's hand-over: a session and its bug report) whose
session is stored already: its report added, stored already, or kept out - never "Nothing
imported" of a report that was just added (a support engineer's finding). The app's status
line is `status_line` over `import_files` (File > Import runs them in a worker thread, see
app.window.importer), checked here without Qt; the command line through real `replay`."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from browser_sessions import T0, session_events

from app.cli import build_parser
from app.commands.import_cmd import import_files, prepare, status_line
from recorder.bug import BugReport, from_context, with_report
from recorder.bundle import write_bundle
from recorder.store import Store

TITLE = "Checkout total wrong"


class _Bar:
    """The slice of rich's Progress import_files calls, saying nothing."""

    def add_task(self, *_a, **_k) -> int:
        return 1

    task_ids: list[int] = []

    def update(self, *_a, **_k) -> None:
        pass

    def remove_task(self, *_a) -> None:
        pass


@pytest.fixture
def stored(tmp_path) -> tuple[Path, str, dict[str, Path]]:
    """A data folder holding one session, and bug bundles of that session: `bug` (titled
    TITLE), `other` (another report), `long` (a title past SHOWN_TITLE)."""
    data = tmp_path / "data"
    events = session_events(start_ms=T0, duration_ms=20_000, urls=["https://shop.example/cart"],
                            title="Cart")
    with Store.open(data) as store:
        (sid,) = store.ingest(events, session_id="cart-total")
    bundles = {}
    with Store.open(data) as store:
        for name, title in (("bug", TITLE), ("other", "Coupon does nothing"),
                            ("long", "Total " + "really " * 20 + "wrong\nsecond line")):
            bundles[name] = tmp_path / f"{name}.replay"
            write_bundle(bundles[name], store.session(sid),
                         context=with_report(None, BugReport(title=title, at_ms=5000)))
    return data, sid, bundles


def _imported(data: Path, *files: Path) -> tuple[str, list[dict]]:
    """The status line the app shows after File > Import of `files`, and the results."""
    args = build_parser().parse_args(["--data", str(data), "import", "--", *map(str, files)])
    masker = prepare(args)
    with Store.open(data) as store:
        results, failures = import_files(store, files, args, masker, _Bar())
    assert failures == []
    return status_line(results, failures), results


def test_the_status_line_says_a_bundles_report_was_added_to_the_stored_session(stored):
    data, sid, bundles = stored
    said, results = _imported(data, bundles["bug"])
    assert said == f'Session {sid} already stored; its bug report "{TITLE}" added'
    (report,) = results[0]["reports"].values()
    assert (report.outcome, report.title) == ("added", TITLE)
    with Store.open(data) as store:   # (the premise: it was)
        assert from_context(store.index.session(sid).context).title == TITLE
    # both there already: said so, and that nothing is new
    said, _ = _imported(data, bundles["bug"])
    assert said == f'Nothing imported: session {sid} and its bug report "{TITLE}" already' \
        " stored, nothing new"
    # another report of the same session: the stored one is kept, and named
    said, _ = _imported(data, bundles["other"])
    assert said == f"Nothing imported: session {sid} already stored, nothing new; it keeps its" \
        f' own bug report "{TITLE}", the bundle\'s differs'


def test_one_import_of_a_report_added_then_the_same_again_says_it_was_added(stored):
    """The second file of one import finds the report the first added: what the import did
    is still that it added it."""
    data, sid, bundles = stored
    said, _ = _imported(data, bundles["bug"], bundles["bug"])
    assert said == f'Session {sid} already stored; its bug report "{TITLE}" added'


def test_a_long_title_is_cut_on_one_line(stored):
    from app.commands.import_cmd import SHOWN_TITLE
    data, sid, bundles = stored
    said, _ = _imported(data, bundles["long"])
    shown = said.split('"')[1]
    assert said.startswith(f'Session {sid} already stored; its bug report "Total really ')
    assert said.endswith('…" added') and "\n" not in said and len(shown) == SHOWN_TITLE


def _replay(*argv) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *map(str, argv)],
                          capture_output=True, text=True, timeout=300)


def test_replay_import_says_in_one_line_that_the_report_was_added(stored):
    data, sid, bundles = stored
    p = _replay("--data", data, "import", bundles["bug"])
    assert p.returncode == 0 and p.stdout.split() == [sid], p.stderr
    # one line: not "already stored, nothing new" and then "added ... bug report"
    assert p.stderr.splitlines() == [f'replay: note: {bundles["bug"]}: session {sid} already'
                                     f' stored; its bug report "{TITLE}" added']
    p = _replay("--data", data, "import", "--json", bundles["bug"])
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == [{"file": str(bundles["bug"]), "sessions": [sid],
                                     "bug_reports": {sid: {"outcome": "same", "title": TITLE}}}]
    assert p.stderr.splitlines() == [f'replay: note: {bundles["bug"]}: session {sid} and its bug'
                                     f' report "{TITLE}" already stored, nothing new']
    # several files: the summary line says it too
    p = _replay("--data", data, "import", bundles["bug"], bundles["other"])
    assert p.returncode == 0, p.stderr
    assert p.stderr.splitlines()[-1] == f"replay: note: nothing imported: session {sid} already" \
        f' stored, nothing new; it keeps its own bug report "{TITLE}", the bundle\'s differs'


def test_as_new_stores_another_report_of_the_stored_session_as_a_copy(stored, capsys):
    """A second QA report on a stored session: `replay import --as-new` said "already stored,
    nothing new; it keeps its own bug report" (outcome "kept") and stored nothing, though
    --as-new keeps a bundle whole (a support engineer's tryout). Without --as-new the note
    says how to keep both; with it the bundle is stored as SESSION_new, with its report."""
    from app.cli import main
    data, sid, bundles = stored
    assert main(["--data", str(data), "import", str(bundles["bug"])]) == 0
    capsys.readouterr()
    assert main(["--data", str(data), "import", str(bundles["other"])]) == 0
    out, err = capsys.readouterr()
    assert out.split() == [sid]
    assert err.strip() == (
        f"replay: note: {bundles['other']}: session {sid} already stored, nothing new; it keeps"
        f' its own bug report "{TITLE}" - other.replay\'s differs, `replay play'
        f" {bundles['other']}` shows it; to keep both, import it as a new session with"
        " --as-new")
    assert main(["--data", str(data), "import", "--as-new", "--json",
                 str(bundles["other"])]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == [{"file": str(bundles["other"]), "sessions": [f"{sid}_new"],
                                "bug_reports": {f"{sid}_new": {"outcome": "new",
                                                               "title": "Coupon does nothing"}}}]
    with Store.open(data) as store:   # each keeps its own report
        assert from_context(store.index.session(sid).context).title == TITLE
        assert from_context(store.index.session(f"{sid}_new").context).title == \
            "Coupon does nothing"
    # the same bundle again is stored already, as its copy
    assert main(["--data", str(data), "import", "--as-new", str(bundles["other"])]) == 0
    out, err = capsys.readouterr()
    assert out.split() == [f"{sid}_new"] and "already stored, nothing new" in err, err


def test_a_bundles_manifest_is_deflated_and_reads_back_whole(stored, tmp_path):
    """A support engineer's tryout: a long session's bug bundle was 2.5 times the size of the
    same bundle without its report - the report's steps, in a manifest stored uncompressed
    (6 of 9.9 MB). The manifest is deflated; the report reads back as written."""
    import zipfile

    from recorder.bundle import open_bundle
    from recorder.steps import Step, StepKind

    data, sid, _ = stored
    steps = [Step(t=float(i), kind=StepKind.CLICK, name=f"Row {i} of the orders table",
                  selector=f"#orders > tr:nth-of-type({i})") for i in range(2000)]
    report = BugReport(title=TITLE, at_ms=5000, steps=steps)
    path = tmp_path / "steps.replay"
    with Store.open(data) as store:
        write_bundle(path, store.session(sid), context=with_report(None, report))
    with zipfile.ZipFile(path) as z:
        entry = z.getinfo("manifest.json")
        assert entry.compress_type == zipfile.ZIP_DEFLATED
        assert entry.compress_size * 5 < entry.file_size, (entry.compress_size, entry.file_size)
        assert z.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
    with open_bundle(path) as b:
        assert from_context(b.info.context) == report


def test_each_whole_read_of_a_file_to_mask_it_goes_through_the_watch(stored, tmp_path):
    """A file shown masked under the rules in force is read whole to mask it, and again for
    its bug report's steps: each read goes through `watch` (the commands' progress bars - a
    support engineer's tryout waited 55 s in silence for a long bundle's)."""
    from recorder.bundle import open_bundle
    from recorder.privacy import load_rules
    from recorder.source import masked_source
    from recorder.steps import Step, StepKind

    data, sid, bundles = stored
    with_steps = tmp_path / "steps.replay"
    report = BugReport(title=TITLE, at_ms=5000,
                       steps=[Step(t=10.0, kind=StepKind.CLICK, name="Pay", selector="#pay")])
    with Store.open(data) as store:
        write_bundle(with_steps, store.session(sid), context=with_report(None, report))
        events = store.session(sid).info.record_count
    for path, reads in ((bundles["bug"], 1), (with_steps, 2)):
        seen: list[int] = []

        def watch(evs):
            seen.append(0)
            for e in evs:
                seen[-1] += 1
                yield e
        with open_bundle(path) as src:
            masked_source(src, load_rules(None, data), watch)
        assert seen == [events] * reads, (path.name, seen)
