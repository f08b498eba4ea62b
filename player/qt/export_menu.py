"""The player's Export menu: hand what is on screen over - a bug bundle (.replay), the
requests as HAR, a GIF or WebP clip, an MP4 or WebM video (greyed, saying how to install
PyAV, when it is missing), a Playwright script - of the whole session, or of the
range selected on the timeline (Shift+drag). It writes what the player shows: the player's
recording was opened under the privacy rules in force, so an export carries nothing the
screen does not - and of a live session followed, what arrived since it opened too. Every format is the one `replay export` writes (the same functions).

A bundle, HAR, rrweb JSON or a script is written in a thread of its own (a 2-hour session
takes seconds: its steps and requests are read from every event) behind the busy dialog of
player/qt/progress.py, whose Cancel stops it at the next event (a bundle: segment) read and writes nothing; the
window goes on meanwhile. Clips paint in the player's own view, on the UI thread, with a
progress dialog of their own; a PNG is one frame.

An export under way is finished before its player goes (`when_idle`): a host closing the
player's tab, or its window, while one runs - the busy dialog shows only after half a
second, and until then the tab's close button, Ctrl+W and Ctrl+Q still work - lets the
export end first (written, failed, or cancelled by its dialog's Cancel), then deletes the
player. The file is what the person asked for, seconds away, and a player deleted under its
export crashed the app (the export's end touched its deleted dialog) or closed the recording
the writer was reading.
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QProgressDialog, QToolButton

from recorder.bug import NO_REPORT_IN_RRWEB, from_context, report_for, with_report
from recorder.bundle import handed_event, write_bundle
from recorder.har import har
from recorder.kept_steps import steps_of
from recorder.moments import moment_text
from recorder.outputs import refused, with_suffix
from recorder.playwright_export import playwright_script
from recorder.rrweb_io import write_rrweb_json

from ..clip_encode import INSTALL_VIDEO, VIDEO_FORMATS, ClipFormat, long_clip_question, \
    video_missing
from .clip import DEFAULT_FPS, clip_times, render_clip
from .progress import in_background, modal_progress
from .standalone import screenshot

# format -> (menu text, file suffix, file-dialog filter)
FORMATS = {
    "replay": ("Bug bundle (.replay)…", ".replay", "Replay bundles (*.replay)"),
    "rrweb": ("Recording (rrweb JSON)…", ".json", "rrweb recordings (*.json)"),
    "png": ("Screenshot of this moment (PNG)…", ".png", "PNG images (*.png)"),
    "har": ("Network requests (HAR)…", ".har", "HAR files (*.har)"),
    "gif": ("Clip (GIF)…", ".gif", "GIF images (*.gif)"),
    "webp": ("Clip (WebP)…", ".webp", "WebP images (*.webp)"),
    "mp4": ("Video (MP4)…", ".mp4", "MP4 videos (*.mp4)"),
    "webm": ("Video (WebM)…", ".webm", "WebM videos (*.webm)"),
    "playwright": ("Playwright script…", ".py", "Python scripts (*.py)"),
}
# A clip skips the quiet stretches when the player does (its Skip inactivity box).
WHOLE_ONLY = frozenset({"replay", "rrweb"})   # the whole session (a bundle with the bug moment)
MOMENT_ONLY = frozenset({"png"})              # the moment on show


class ExportCancelled(Exception):
    """The person pressed Cancel while an export was being made: nothing was written."""


@dataclass(frozen=True)
class Export:
    """One export, with what it needs of the player read on the UI thread beforehand (a
    writer in a thread reads no widget): the moment on show and the recorded viewport.
    `stop` set (Cancel): `events()` stops at the next event."""
    src: Any
    out: Path
    lo: int | None
    hi: int | None
    at_ms: float
    viewport: Any
    stop: threading.Event

    def check(self) -> None:
        """ExportCancelled once Cancel was pressed (a writer asks between its steps)."""
        if self.stop.is_set():
            raise ExportCancelled

    def events(self) -> Iterator[dict]:
        for e in self.src.events():
            self.check()
            yield e


def bug_moment(src: Any, at_ms: float) -> tuple[float, bool]:
    """The moment a bundle of `src` carries as the bug's: its report's (True) - else the
    moment on show, `at_ms` (False)."""
    report = from_context(src.info.context if src.info else None)
    if report is not None and report.at_ms is not None:
        return report.at_ms, True
    return at_ms, False


def suggested_name(src: Any) -> str:
    """A file name for an export of `src`: its bug's title where it has one ("Coupon does
    nothing" -> coupon-does-nothing), else its session id."""
    report = from_context(src.info.context if src.info else None)
    title = re.sub(r"[^\w]+", "-", report.title.lower()).strip("-")[:MAX_NAME] \
        if report is not None else ""
    return title or str(src.id)


MAX_NAME = 60   # characters of a title a file name keeps


class _Folder:
    """Where the Export dialog opens: the folder of the last file exported in this run, else
    the home folder - not the folder the app happened to be started in (a QA engineer's
    tryout: a checkout of the project's sources)."""
    last: Path | None = None

    @classmethod
    def start(cls) -> Path:
        return cls.last if cls.last is not None and cls.last.is_dir() else Path.home()


class ExportMenu(QMenu):
    exported = Signal(str)   # what was written, in words (a window's status bar says it)

    def __init__(self, player: Any):
        """`player`: the ReplayWidget (its source, replayer, timeline and clock)."""
        super().__init__("Export", player)
        self.player = player
        self.setObjectName("exportMenu")
        self.setToolTipsVisible(True)   # a greyed video entry says what to install
        self.actions_by_format = {}
        for fmt, (text, _suffix, _filter) in FORMATS.items():
            a = self.addAction(text)
            a.setObjectName(f"export_{fmt}")
            a.triggered.connect(lambda _=False, f=fmt: self.export(f))
            self.actions_by_format[fmt] = a
        self.addSeparator()
        self.clear_range = self.addAction("Clear the selected range")
        self.clear_range.triggered.connect(lambda: self.bar.set_selection(None))
        self.aboutToShow.connect(self._refresh)
        self.dialog = None   # the busy dialog of an export running in its thread
        # how the host lets the person set the bug's moment ("Session > Bug Report… (Ctrl+B)"),
        # said with a bundle's moment; "" where it has no such action (`replay play`)
        self.moment_help = ""
        self.running: Export | None = None   # the export being written, once its file is chosen
        self._calls = 0   # export() calls under way (a second may begin in the first's loop)
        self._when_idle: list[Callable[[], object]] = []   # what waits for them to end
        self.button = QToolButton(player)
        self.button.setObjectName("exportButton")
        self.button.setText("Export")
        self.button.setToolTip("Export the session, or the range selected on the timeline"
                               " (Shift+drag on it)")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setMenu(self)
        self.button.setEnabled(player.session_id is not None)
        self._refresh()   # the video entries greyed from the start when PyAV is missing

    @property
    def bar(self):
        return self.player.timeline.bar

    def scope(self) -> tuple[int, int] | None:
        """The selected range, or None for the whole session."""
        return self.bar.selection

    def _refresh(self) -> None:
        sel = self.scope()
        where = "the whole session" if sel is None else \
            f"{moment_text(sel[0])}–{moment_text(sel[1])} (the selected range)"
        missing = video_missing()
        for fmt, a in self.actions_by_format.items():
            a.setToolTip("the whole session" if fmt in WHOLE_ONLY else
                         "the moment on show, as `replay screenshot` paints it"
                         if fmt in MOMENT_ONLY else where)
            a.setText(FORMATS[fmt][0] if fmt in WHOLE_ONLY | MOMENT_ONLY or sel is None else
                      FORMATS[fmt][0].replace("…", f" of {moment_text(sel[0])}–{moment_text(sel[1])}…"))
            if fmt in _VIDEO:
                a.setEnabled(missing is None)
                if missing is not None:
                    a.setToolTip(f"{missing}: install it with {INSTALL_VIDEO}")
        self.clear_range.setEnabled(sel is not None)

    # --- an export under way, and what waits for its end ------------------------------------
    @property
    def busy(self) -> bool:
        """Whether an export is under way (from asking where to its file written)."""
        return self._calls > 0

    def under_way(self) -> str:
        """The export under way, in words a host's "closes once ... is finished" takes."""
        return self.running.out.name if self.running is not None else "the export"

    def when_idle(self, then: Callable[[], object]) -> bool:
        """`then()` now if no export is under way (True); else once it has ended (False) -
        in the event loop's step after, when no code of the export is left on the stack, so
        `then` may delete the player (an export runs its own event loop while it writes: a
        tab closed in it was deleted under the export's feet)."""
        if not self.busy:
            then()
            return True
        self._when_idle.append(then)
        return False

    def _ended(self) -> None:
        """The last export() under way returned: what waited for it runs in the next step,
        all in one, in order, tied to no object of the player's - the first may delete the
        player (its tab closed) and the next must still run (the window closed too)."""
        waiting, self._when_idle = self._when_idle, []

        def run() -> None:
            for then in waiting:
                then()
        QTimer.singleShot(0, run)

    # --- exporting --------------------------------------------------------------------------
    def export(self, fmt: str, path: Path | str | None = None) -> Path | None:
        """Write `fmt` (asking where unless `path`); returns the file written, or None."""
        self._calls += 1
        try:
            return self._export(fmt, path)
        finally:
            self._calls -= 1
            if not self.busy and self._when_idle:
                self._ended()

    def _export(self, fmt: str, path: Path | str | None) -> Path | None:
        src = self.player.shown_source()
        missing = video_missing() if fmt in _VIDEO else None
        if missing is not None:   # (its menu entry is greyed; a caller may still ask)
            QMessageBox.warning(self.player, "Export failed",
                                f"{missing}: install it with {INSTALL_VIDEO}")
            return None
        if not self._long_clip_confirmed(fmt):
            return None
        asked = path is None
        if asked:
            suggested = _Folder.start() / f"{suggested_name(src)}{FORMATS[fmt][1]}"
            chosen, _ = QFileDialog.getSaveFileName(self, "Export", str(suggested),
                                                    FORMATS[fmt][2])
            if not chosen:
                return None
            path = chosen
            _Folder.last = Path(chosen).parent
        # the format's suffix where the name ends otherwise (a name typed without one was
        # written as it was: a bundle named `noext`); a place it cannot be written is said
        # now, in words, as the command line says it - one way for every format
        out = with_suffix(Path(path), FORMATS[fmt][1])
        refusal = refused(out)
        if refusal is not None:
            QMessageBox.warning(self.player, "Export failed",
                                f"{out.name} was not written: {refusal.said} - choose another"
                                " place")
            return None
        if asked and out != Path(path) and out.exists() and not self._replace_confirmed(out):
            return None   # (the dialog asked of the name typed, not of this one)
        sel = None if fmt in WHOLE_ONLY | MOMENT_ONLY else self.scope()
        lo, hi = (None, None) if sel is None else sel
        job = Export(src, out, lo, hi, self.player.current_ms(), self.player.stage.recorded,
                     threading.Event())
        before, self.running = self.running, job
        try:
            if fmt in _IN_THREAD:
                self._in_thread(fmt, job)
            else:
                _WRITERS[fmt](self, job)
        except (OSError, ValueError, TimeoutError) as exc:
            QMessageBox.warning(self.player, "Export failed", f"{out.name} was not written: {exc}")
            return None
        except ExportCancelled:
            self.exported.emit(f"Cancelled: {out.name} was not written")
            return None
        finally:
            self.running = before
        what = FORMATS[fmt][0].rstrip("…")
        whole = " (the whole session: the range is for clips, HAR and scripts)" \
            if fmt in WHOLE_ONLY and self.scope() is not None else ""
        if fmt == "rrweb" and from_context(src.info.context if src.info else None) is not None:
            whole += f"; {NO_REPORT_IN_RRWEB}: the bug bundle keeps it"
        if fmt == "replay":
            whole += f"; {self.moment_said(src, job.at_ms)}"
        self.exported.emit(f"{what} of session {self.player.session_id} written to {out}{whole}")
        return out

    def _replace_confirmed(self, out: Path) -> bool:
        """Whether `out`, there already, may be replaced (asked as the Save dialog asks)."""
        answer = QMessageBox.question(
            self.player, "Export", f"{out.name} already exists in {out.parent}. Replace it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _in_thread(self, fmt: str, job: Export) -> None:
        """`fmt` written in a thread while the window goes on, behind a busy dialog (shown
        if it lasts) whose Cancel stops the writer: ExportCancelled, nothing written."""
        self.dialog = modal_progress(self.player, f"Writing {job.out.name}…")
        self.dialog.setWindowTitle("Export")
        self.dialog.canceled.connect(job.stop.set)
        try:
            in_background(lambda: _WRITERS[fmt](self, job), "replay-export")
        finally:
            self.dialog.end()
            self.dialog = None

    def span(self) -> tuple[int, int]:
        """What a clip covers: the selected range, else the whole session."""
        return self.scope() or (0, int(self.player.replayer.duration_ms))

    def clip_frames(self) -> int:
        """How many frames a clip of the selected range (or the whole session) holds, with
        the player's Skip inactivity as the clip will have it."""
        lo, hi = self.span()
        skip = self.player.timeline.skip_box.isChecked()
        return len(clip_times(lo, hi, fps=DEFAULT_FPS, speed=1.0,
                              inactive=self.player.session.inactive if skip else []))

    def _long_clip_confirmed(self, fmt: str) -> bool:
        """An animation long enough to take a while and weigh megabytes is painted only
        once the person said so (a range or a video is what they most likely want)."""
        if fmt not in _CLIPS:
            return True
        lo, hi = self.span()
        question = long_clip_question(ClipFormat(fmt), self.clip_frames(), hi - lo)
        if question is None:
            return True
        box = QMessageBox(QMessageBox.Icon.Question, "A long clip", question,
                          QMessageBox.StandardButton.Cancel, self.player)
        box.setObjectName("longClipQuestion")
        go = box.addButton(f"Export the {fmt.upper()} anyway", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is go

    def _bundle(self, job: Export) -> None:
        src = job.src
        ctx = src.info.context
        at_ms, _reported = bug_moment(src, job.at_ms)
        report = report_for(steps_of(src, job.events), ctx, at_ms=at_ms)
        write_bundle(job.out, src, context=with_report(ctx, report), check=job.check)

    def moment_said(self, src: Any, at_ms: float) -> str:
        """Which moment a bundle carries as the bug's, and whose it is - the report's, or
        the moment on show when the report sets none (it became the bug's in silence: a QA
        clicked a step, exported, and the bundle said "Bug at" that step) - with how the host
        sets it (`moment_help`)."""
        at, reported = bug_moment(src, at_ms)
        # ("(its report sets none) - Session > Bug Report sets one" took a support engineer
        # a while to read as: no title or notes were written)
        said = f"the bug at {moment_text(at)}, " + (
            "as its report says" if reported else
            "the moment on show - no bug report was written for it (no title, no notes)")
        if self.moment_help:
            said += f" - {self.moment_help} {'changes it' if reported else 'writes one'}"
        return said

    def _rrweb(self, job: Export) -> None:
        """As `replay export -o FILE.json` writes it (the owner as a bundle carries them)."""
        write_rrweb_json(job.out, map(handed_event, job.events()), session_id=job.src.id)

    def _png(self, job: Export) -> None:
        screenshot(job.src, job.at_ms, job.out)

    def _har(self, job: Export) -> None:
        doc = har(job.events(), start_ms=job.lo, end_ms=job.hi)
        _write_text(job.out, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")

    def _playwright(self, job: Export) -> None:
        src = job.src
        _write_text(job.out, playwright_script(job.events(), session_id=src.id,
                                               viewport=job.viewport, start_ms=job.lo,
                                               end_ms=job.hi,
                                               bug=from_context(src.info.context)))

    def _clip(self, fmt: ClipFormat) -> Callable:
        def write(job: Export) -> None:
            src, out, lo, hi = job.src, job.out, job.lo, job.hi
            start, end = (lo, hi) if lo is not None else self.span()
            dialog = QProgressDialog(f"Painting {out.name}…", "Cancel", 0, 0, self.player)
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(300)

            def progress(i: int, n: int) -> None:
                dialog.setMaximum(n)
                dialog.setValue(i)

            def encoding() -> None:   # not "Painting" at 100% while the file is written
                dialog.setLabelText(f"Writing {out.name}…")
                QCoreApplication.processEvents()

            try:
                render_clip(src, out, fmt, start_ms=start, end_ms=end, progress=progress,
                            skip_inactive=self.player.timeline.skip_box.isChecked(),
                            interrupted=dialog.wasCanceled, encoding=encoding)
            except KeyboardInterrupt:   # how render_clip stops when asked (nothing written)
                if dialog.wasCanceled():
                    raise ExportCancelled from None
                raise
            finally:
                dialog.close()
        return write


def _write_text(out: Path, text: str) -> None:
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)


_VIDEO = frozenset(f.value for f in VIDEO_FORMATS)
_CLIPS = frozenset(f.value for f in ClipFormat)
_WRITERS = {"replay": ExportMenu._bundle, "har": ExportMenu._har,
            "rrweb": ExportMenu._rrweb, "png": ExportMenu._png,
            "playwright": ExportMenu._playwright,
            **{f.value: (lambda self, job, f=f: self._clip(f)(job)) for f in ClipFormat}}
# written from the recording alone, in a thread (clips and the PNG paint with Qt: UI thread)
_IN_THREAD = frozenset({"replay", "har", "rrweb", "playwright"})
