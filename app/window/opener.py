"""File > Open, Open Recent, a drop and a double-click in the sessions list: the recording
read, decoded, masked and its first frame indexed in a worker thread (as File > Import runs
`replay import`'s code in one), its stage shown in a progress dialog with Cancel, so a long
recording never freezes the window. Only the player's widgets are built on the UI thread.

    job = OpenJob(data_dir, [Opening(key, spec, is_file), Opening.of_file(path, 1)])
    job.opened.connect(show)        # (Opening, Opened) per recording, as each is ready
    job.failed.connect(say)         # one line per recording that cannot be played
    job.start()
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from recorder.format import no_gc
from recorder.said import heard
from recorder.rrweb_io import DatadogFiles, read_together

from .jobs import JobDialog, ThreadJob, job_dialog

# what a file that is no recording is answered with (`not_a_recording`)
OPEN_INSTEAD = ("open a recording instead: a .replay bundle or an rrweb JSON file (PostHog and"
                " Sentry exports too)")


@dataclass(frozen=True)
class Opening:
    """One recording to open: `key` names its tab, `spec` is what `replay play` takes, and
    `session` which of a file's sessions (`replay play --session-number`). `more`: files of
    Datadog uploads read together with the file `spec` (a proxy keeps a request a file)."""
    key: str
    spec: str
    is_file: bool
    session: int = 0
    more: tuple[str, ...] = ()

    @classmethod
    def of_file(cls, path: Path | str, session: int = 0,
                more: Iterable[Path | str] = ()) -> Opening:
        """A file's (or files', `more`) `session`-th session; the first keeps the path
        alone (and how many more) as its key."""
        more = tuple(map(str, more))
        key = str(path) + (f" +{len(more)}" if more else "")
        return cls(key + (f"#{session + 1}" if session else ""), str(path), True, session,
                   more)

    def another(self, session: int) -> Opening:
        """The same file's (files') `session`-th session."""
        return Opening.of_file(self.spec, session, self.more)

    @property
    def name(self) -> str:
        if not self.is_file:
            return self.spec
        name = DatadogFiles([Path(self.spec), *map(Path, self.more)]).name if self.more \
            else Path(self.spec).name
        return name + (f" · session {self.session + 1}" if self.session else "")


@dataclass
class Opened:
    """What the worker made of a recording: the player takes these as they are."""
    source: Any      # recorder.source.RecordingSource, masked as `replay play` masks it
    replayer: Any    # player.replayer.Replayer, its first frame in, its index under way
    session: Any     # player.qt.session_view.SessionView when indexed already, else None
    report: Any = None   # recorder.bug.BugReport (its steps read) when it is a bug handed over
    follow: Any = None   # player.follow.LiveTail when it is a live session (`replay play --follow`)
    warned: list[str] = field(default_factory=list)   # what the recorder warned of reading it

    def close(self) -> None:
        self.replayer.close()
        self.source.close()


class OpenJob(ThreadJob):
    """Open `openings` one after the other in a thread. Emits `progress(text)` at each
    stage, `opened(opening, opened)` per recording ready to show, `failed(opening, line)`
    per recording that cannot be (one line saying what to do) and `finished(job)` at the
    end. `cancel()` stops at the next stage: what was read is let go, nothing opens. It has
    no parent: the thread keeps it alive, and a window closed meanwhile hears nothing."""
    progress = Signal(str)
    opened = Signal(object, object)
    failed = Signal(object, str)
    finished = Signal(object)

    thread_name = "replay-open"

    def __init__(self, data_dir: Path, openings: list[Opening]):
        super().__init__()
        self.data_dir = Path(data_dir)
        self.openings = list(openings)
        self._opening: Any = None   # player.qt.replay_widget's `opening`, while it runs

    def start(self) -> None:
        """Started: until its end is heard on the UI thread - after every `opened`, each
        player made by then (queued before it) - a closed player's collection freezes
        nothing (player.qt.replay_widget's `opening`): it froze the Replayer half made
        here, and a cancelled or failed opening left it frozen until the next close."""
        from player.qt.replay_widget import opening

        self._opening = opening()
        self._opening.__enter__()
        self.finished.connect(self._opened_all)   # (a slot of this UI-thread object: queued)
        try:
            super().start()
        except BaseException:
            self._opened_all(self)
            raise

    def _opened_all(self, _job: object = None) -> None:
        held, self._opening = self._opening, None
        if held is not None:
            held.__exit__(None, None, None)

    def _run(self) -> None:
        for opening in together(self.openings):
            if self.cancelled:
                break
            try:
                # (millions of acyclic objects: no collection scans them meanwhile; what the
                # recorder warns of - damaged segments - said in the window, not on a terminal)
                with no_gc(), heard() as warned:
                    done = self._open(opening)
            except Exception as exc:  # noqa: BLE001 - said in the window, never a crash
                self.failed.emit(opening, _one_line(f"cannot play {opening.name}: {exc}"))
                continue
            if done is None:
                continue
            done.warned = warned
            if self.cancelled:
                done.close()
                break
            self.opened.emit(opening, done)
        self.finished.emit(self)

    def _open(self, opening: Opening) -> Opened | None:
        """The recording as the player needs it, or None (said through `failed`, or
        cancelled)."""
        from player.follow import LiveTail
        from player.qt.session_view import build_session_view
        from player.replayer import Replayer
        from recorder.bug import shown_report
        from recorder.kept_steps import steps_of

        from ..cli import UserError
        from ..commands._source import NotARecordingFile, open_source

        self.progress.emit(f"Reading {opening.name}…")
        try:
            # (a file's other sessions open in tabs: no `--session-number` note on stderr)
            # (a file cut off part way: what decodes is shown, the damage said with it)
            src = open_source(opening.spec, self.data_dir, opening.session, say_sessions=False,
                              more=tuple(map(Path, opening.more)), partial=True,
                              show_progress=False)
        except UserError as exc:
            said = not_a_recording(opening.name, exc.why, exc.fix is not None) \
                if isinstance(exc, NotARecordingFile) and opening.is_file else str(exc)
            self.failed.emit(opening, _one_line(said))
            return None
        if self.cancelled:
            src.close()
            return None
        self.progress.emit(f"Reading the first frame of {opening.name}…")
        tail = None
        try:
            if not opening.is_file and src.store.may_grow(src.id):
                # a visitor may be on the page now: shown as it grows, as `replay play
                # --follow` shows it (the events so far, indexed whole)
                tail = LiveTail(src.store, src.id)
                replayer = tail.replayer()
            else:
                replayer = Replayer(src)
        except BaseException:
            src.close()
            raise
        report = shown_report(src.info.context, lambda: steps_of(src))
        done = Opened(src, replayer, None, report, follow=tail)
        # a short recording, indexed whole: its rows now (Replayer.rows_at_once)
        if replayer.rows_at_once and not self.cancelled:
            self.progress.emit(f"Building the timeline of {opening.name}…")
            try:
                done.session = build_session_view(replayer, src.info, src.application_name)
            except BaseException:
                done.close()
                raise
        return done


def together(openings: list[Opening]) -> list[Opening]:
    """`openings` with the files read together (`rrweb_io.read_together`: Datadog uploads,
    a proxy's request files - each opened alone was a page's scraps, a tab each) as one
    opening, in the first one's place. (In the job's thread: it reads the files' ends.)"""
    def alone(o: Opening) -> bool:   # a file's first session, read by itself
        return o.is_file and not o.session and not o.more

    group = read_together(Path(o.spec) for o in openings if alone(o))
    if not group:
        return openings
    first = Opening.of_file(group[0], more=group[1:])
    return [first if alone(o) and Path(o.spec) == group[0] else o for o in openings
            if not (alone(o) and Path(o.spec) in group[1:])]


def not_a_recording(name: str, why: str, say_fix: bool = True) -> str:
    """A file picked, dropped or recent that holds no recording, as the window says it:
    which file, what is wrong with it, what to open instead. The command line's fix - give
    a session id - meant nothing in a window where a file was picked (a support engineer's
    tryout). `say_fix` False: `why` says what it wants already (a picture, a web page)."""
    return f"cannot open {name}: {why}" + (f" - {OPEN_INSTEAD}" if say_fix else "")


def _one_line(message: str) -> str:
    """A message as one line (the status bar's, the problem box's first)."""
    return " ".join(message.split())


def progress_dialog(job: OpenJob, parent: QWidget) -> JobDialog:
    """A busy progress dialog following `job` (shown after half a second, so a short
    recording does not flash one); Cancel stops the job and opens nothing."""
    names = ", ".join(o.name for o in job.openings)
    dlg = job_dialog(job, parent, "Open", f"Opening {names}…")
    job.progress.connect(dlg.setLabelText)
    job.finished.connect(dlg.end)
    return dlg
