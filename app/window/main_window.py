"""The desktop app's main window (`replay` with no command): a left navigation of pages
(Sessions, then pages other parts add with `add_page`, Settings last), File and View menus,
drag-and-drop of recording files, recent files and window state kept in QSettings.

    win = MainWindow(data_dir)
    win.add_page("Privacy", PrivacyWorkspace(...))
    win.open_session("8dda0c07")         # a player tab on a stored session
    win.open_paths([Path("bug.replay")])  # a player tab per file, as `replay play FILE`
    win.open_link("replay://8dda0c07?t=42000")   # that session's tab, at that moment
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Callable, Iterable

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QInputDialog, QLineEdit,
                               QListWidget, QListWidgetItem, QMainWindow, QMessageBox,
                               QStackedWidget, QWidget)

from player.links import BadLink, link_in, parse_moment_link
from player.qt.replay_widget import hold_still
from player.qt.standalone import APP_NAME
from player.qt.status_line import StatusLine
from recorder.bug import title_line
from recorder.intake.apps import AppError
from recorder.intake.live import application_names
from recorder.store import AmbiguousId, Store

from ..browser_model import LIVE_MARK, LIVE_TIP, Catalog, make_row, named
from ..ids import short_id
from ..nav import COMPACT_NAV_WIDTH, NAV_WIDTH, nav_compact, nav_text
from ..privacy_workspace import PrivacyWorkspace
from ..record.page import RecordPage
from ..record.viewport import PageWidth
from . import help_menu
from .importer import AS_NEW_BUTTON, ImportJob, progress_dialog as import_progress_dialog
from .jobs import job_dialog
from .opener import Opened, OpenJob, Opening, progress_dialog
from .erase_job import EraseJob
from .fetch_job import FetchJob
from .report_dialog import ReportDialog, SaveReportJob
from .sessions_page import SessionBrowser, SessionsPage
from .settings_page import SettingsPage
from .thumbnails import ThumbnailService

DEFAULT_SIZE = (1440, 900)   # on a screen with room for it (else see window_size)
MAX_RECENT = 10
# the choices kept between runs (QSettings keys): View > Compact Navigation - the strip, the
# names, or by the window's width ("") - and record mode's page width (a PageWidth's name, or
# "": by the browser area's); a pick of what the width gives anyway is kept as ""
NAV_KEY = "view/compact_navigation"
NAV_CHOICES: dict[str, bool | None] = {"strip": True, "names": False, "": None}
PAGE_WIDTH_KEY = "record/page_width"
FILE_SESSIONS_OPENED = 6     # a file holding more sessions opens this many, each in a tab
ERASE_LISTED = 8             # sessions named in the question before erasing a selection
IMPORT_FOR_REPORT = "Import it"   # Bug Report… on a file whose session is not stored
RECORDING_FILTER = ("Recordings (*.replay *.json *.json.gz *.json.zst *.ndjson *.jsonl *.gz"
                    " *.zst);;All files (*)")
APPEARANCES = {"system": Qt.ColorScheme.Unknown, "light": Qt.ColorScheme.Light,
               "dark": Qt.ColorScheme.Dark}
LINK_DIALOG_WIDTH = 520
CHANGES_LOOK_MS = 3000   # how often the list looks whether more was stored meanwhile


class MainWindow(QMainWindow):
    """`problem(message)` when something the person asked for could not be done (also
    shown in a message box and the status bar)."""
    problem = Signal(str)
    playerOpened = Signal(QWidget)   # a player tab is there (File > Open, a drop, the list)

    def __init__(self, data_dir: Path, *, settings: QSettings | None = None,
                 thumbnails: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.settings = settings if settings is not None else QSettings(
            "session-replay", "Session Replay")
        self.store = Store.open(self.data_dir)
        # the application's name last, as the player's windows have it (Qt adds it to a title
        # that does not end with it: "Session Replay — DIR — Session Replay")
        self.setWindowTitle(f"{self.data_dir} — {APP_NAME}")
        self.setAcceptDrops(True)
        self.status_line = StatusLine(self.statusBar())
        self.last_problem: str | None = None
        # how long after the window comes back the list is read again (`changeEvent`)
        self.catch_up_after_ms = QGuiApplication.styleHints().mouseDoubleClickInterval()
        self.import_job: ImportJob | None = None
        self.import_progress = None   # the last import's progress dialog
        self.file_dialog: QFileDialog | None = None
        self.open_jobs: list[OpenJob] = []   # recordings being read for a player tab
        self.report_jobs: list[SaveReportJob] = []   # bug reports being saved
        self.erase_jobs: list[EraseJob] = []   # sessions being erased
        self.fetch_jobs: list[FetchJob] = []   # images and fonts being fetched
        self.resume_at: dict[str, int] = {}   # tabs opened again: where they were, a
        # link's: its moment (ms)
        self.resume_place: dict[str, int] = {}   # ... and their place among the tabs
        self.open_progress = None   # the last open's progress dialog

        self.thumbnails = ThumbnailService(self.store, self, enabled=thumbnails)
        self.thumbnails.sweep()   # no picture outlives the version of a session it showed
        self.index_version = self.store.index.data_version()   # what the list was read at
        self.browser = SessionBrowser(self._load_catalog(), self.thumbnails)
        self.sessions = SessionsPage(self.browser)
        self.sessions.said.connect(self.say)
        self.browser.openRequested.connect(self.open_session)
        self.browser.linkRequested.connect(self.open_link)
        self.browser.deleteRequested.connect(self.ask_delete)
        self.browser.reportRequested.connect(self.ask_report)
        self.browser.rowsChanged.connect(self._rows_changed)
        self._rows_changed(self.browser.model.rowCount())   # the list as it opens
        self.settings_page = SettingsPage(self.data_dir)

        self.nav = QListWidget(self)
        self.nav.setObjectName("nav")
        self.nav.setAccessibleName("Pages")
        self.nav.setFixedWidth(NAV_WIDTH)
        # View > Compact Navigation, kept between runs; None: by the window's width
        self._nav_chosen: bool | None = NAV_CHOICES.get(str(self.settings.value(NAV_KEY, "")))
        self.compact_nav_action: QAction | None = None   # (its menu is made after the nav)
        self.nav.setFrameShape(QListWidget.Shape.NoFrame)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.pages = QStackedWidget(self)
        self.nav.currentRowChanged.connect(self._nav_changed)
        central = QWidget(self)
        lay = QHBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.nav)
        lay.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self._page_titles: list[str] = []
        self._add(len(self._page_titles), "Sessions", self.sessions)
        self._add(len(self._page_titles), "Settings", self.settings_page)
        # The privacy workspace is the one page that writes the rules; Settings shows them.
        self.privacy = PrivacyWorkspace(self.data_dir)
        self.privacy.saved.connect(lambda _revision: self.settings_page.reload())
        self.privacy.remasked.connect(self.reload_sessions)   # new versions, new pictures
        self.add_page("Privacy", self.privacy)
        # Record mode shows the stored session with its steps itself; the list learns of it.
        self.record = RecordPage(self.data_dir)
        self.record.sessionRecorded.connect(lambda _sid: self.reload_sessions())
        width = str(self.settings.value(PAGE_WIDTH_KEY, ""))   # the last one picked
        if width in PageWidth.__members__:
            self.record.set_page_width(PageWidth[width])
        self.record.pageWidthChosen.connect(   # (the area's own: back to automatic)
            lambda choice: self.settings.setValue(
                PAGE_WIDTH_KEY, "" if choice is self.record.automatic_width() else choice.name))
        self._add(1, "Record", self.record)
        self.nav.setCurrentRow(0)

        self._menus()
        self.record.moment_help = self.moment_help()
        self._restore()
        self.catch_drops(self.browser)
        # while the window stays in front, the list says when another process stored more
        # (a customer's live session begun as they reproduce the bug): one query a look,
        # looked only while a look can learn something (`_look_while_useful`)
        self.changes = QTimer(self)
        self.changes.setInterval(CHANGES_LOOK_MS)
        self.changes.timeout.connect(self.look_for_changes)
        self._look_while_useful()

    # --- pages ----------------------------------------------------------------------
    def add_page(self, title: str, widget: QWidget) -> int:
        """Add a page to the left navigation, before Settings (which stays last); returns
        its position."""
        return self._add(len(self._page_titles) - 1, title, widget)

    def _add(self, pos: int, title: str, widget: QWidget) -> int:
        self._page_titles.insert(pos, title)
        self.pages.insertWidget(pos, widget)
        self.nav.insertItem(pos, QListWidgetItem(title))
        self._fit_nav()
        return pos

    def nav_is_compact(self) -> bool:
        return self.nav.width() == COMPACT_NAV_WIDTH

    def set_compact_nav(self, compact: bool | None) -> None:
        """The navigation as a strip of characters (True), names (False), or by the
        window's width (None: `app.nav.nav_compact`)."""
        self._nav_chosen = compact
        # kept for the next run unless it is what the width gives: that is back to automatic
        kept = None if compact == nav_compact(self.width(), None) else compact
        self.settings.setValue(NAV_KEY, next(k for k, v in NAV_CHOICES.items() if v is kept))
        self._fit_nav()

    def _fit_nav(self) -> None:
        compact = nav_compact(self.width(), self._nav_chosen)
        width = COMPACT_NAV_WIDTH if compact else NAV_WIDTH
        if self.nav.width() != width or not self.nav.styleSheet():
            self.nav.setFixedWidth(width)
            self.nav.setStyleSheet(
                "#nav { background: palette(window); padding-top: 8px; outline: 0; }"
                f" #nav::item {{ padding: 9px {2 if compact else 14}px; border-radius: 4px;"
                f" margin: 1px {4 if compact else 6}px; }}"
                " #nav::item:selected { background: palette(highlight);"
                " color: palette(highlighted-text); }")
        for i, title in enumerate(self._page_titles):
            item = self.nav.item(i)
            item.setText(nav_text(title, compact))
            item.setToolTip(title if compact else "")
            # what a screen reader says: the page's name, not the strip's letter
            item.setData(Qt.ItemDataRole.AccessibleTextRole, title)
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter if compact else
                                  Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if self.compact_nav_action is not None:
            self.compact_nav_action.setChecked(compact)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(event)
        self._fit_nav()

    def show_page(self, title: str) -> QWidget:
        i = self._page_titles.index(title)
        self.nav.setCurrentRow(i)
        return self.pages.widget(i)

    def page_titles(self) -> list[str]:
        return list(self._page_titles)

    def _nav_changed(self, row: int) -> None:
        if row < 0:
            return
        self.pages.setCurrentIndex(row)
        if self.pages.currentWidget() is self.settings_page:
            self.settings_page.reload()

    # --- menus and keys ---------------------------------------------------------------
    def _menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self.open_action = self._action(file, "&Open…", QKeySequence.StandardKey.Open,
                                        self.choose_files_to_open,
                                        "Watch a .replay or rrweb file without storing it")
        self.open_link_action = self._action(
            file, "Open &Link…", "Ctrl+L", self.ask_link,
            "Open a replay:// link (Copy link in the player) at its moment")
        self.recent_menu = file.addMenu("Open &Recent")
        self.import_action = self._action(file, "&Import…", "Ctrl+I", self.choose_files_to_import,
                                          "Store recordings in the data folder, masked by the"
                                          " active rules")
        file.addSeparator()
        self.close_tab_action = self._action(file, "&Close Tab", "Ctrl+W",
                                             self.sessions.close_current,
                                             "Close the player tab on show")
        self._action(file, "&Quit", QKeySequence.StandardKey.Quit, self.close)
        view = bar.addMenu("&View")
        session = bar.addMenu("&Session")
        self.report_action = self._action(session, "&Bug Report…", "Ctrl+B", self.report_on_show,
                                          "Edit the bug report of the session on show (its"
                                          " title, notes and the bug's moment)")
        self.fetch_action = self._action(
            session, "Fetch &Images and Fonts…", QKeySequence(), self.fetch_on_show,
            "Ask the session's own sites for the images and fonts its page showed, store"
            " them and show them (replay assets fetch)")
        self.find_action = self._action(view, "&Find Sessions", QKeySequence.StandardKey.Find,
                                        self.focus_search, "Search the sessions list")
        self._action(view, "&Refresh", QKeySequence.StandardKey.Refresh, self.reload_sessions,
                     "Read the sessions list again, with sessions stored meanwhile")
        self.compact_nav_action = self._action(
            view, "&Compact Navigation", QKeySequence(),
            lambda: self.set_compact_nav(self.compact_nav_action.isChecked()),
            "The pages' names as a narrow strip of characters, giving the page the room (a"
            " window narrower than 1,200 px has it unless chosen here)")
        self.compact_nav_action.setCheckable(True)
        self.compact_nav_action.setChecked(self.nav_is_compact())
        appearance = view.addMenu("&Appearance")
        group = QActionGroup(self)
        chosen = str(self.settings.value("appearance", "system"))
        for key in APPEARANCES:
            act = appearance.addAction(key.capitalize() if key != "system" else "Follow the system")
            act.setCheckable(True)
            act.setChecked(key == chosen)
            act.triggered.connect(lambda _=False, k=key: self.set_appearance(k))
            group.addAction(act)
        self.set_appearance(chosen, save=False)
        helps = bar.addMenu("&Help")
        self._action(helps, "&Keyboard Shortcuts", "F1",
                     lambda: help_menu.show_keys(self, self.menuBar()))
        self._action(helps, "&About Session Replay", QKeySequence(),
                     lambda: help_menu.show_about(self, self.data_dir))
        self._fill_recent()

    def _action(self, menu, text: str, keys, slot, tip: str = "") -> QAction:
        act = QAction(text, self)
        act.setShortcut(QKeySequence(keys))
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        act.triggered.connect(lambda _=False: slot())
        if tip:
            act.setStatusTip(tip)
        menu.addAction(act)
        return act

    def moment_help(self) -> str:
        """How a stored session's bug moment is set here (said with a bundle exported)."""
        keys = self.report_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        return f"Session > {self.report_action.text().replace('&', '')} ({keys})"

    def focus_search(self) -> None:
        self.show_page("Sessions")
        self.sessions.setCurrentWidget(self.browser)
        self.browser.focus_search()

    def set_appearance(self, key: str, save: bool = True) -> None:
        """Light, dark, or the system's palette (Qt follows the desktop's setting)."""
        scheme = APPEARANCES.get(key, Qt.ColorScheme.Unknown)
        QGuiApplication.styleHints().setColorScheme(scheme)
        if save:
            self.settings.setValue("appearance", key)

    # --- opening ----------------------------------------------------------------------
    def open_session(self, session_id: str) -> OpenJob | None:
        """A player tab on a stored session (brought to the front if already open; else
        read in the background: `playerOpened` says when its tab is there)."""
        return self._open([Opening(session_id, session_id, is_file=False)])

    def open_link(self, url: str) -> OpenJob | None:
        """A replay:// link (the player's Copy link, a colleague's): its session's tab at the
        link's moment - brought to the front and moved there when it is open already. A
        link whose session is not stored here is said, with what to do about it."""
        try:
            session, ms = parse_moment_link(url)
        except BadLink as exc:
            self.report(str(exc))
            return None
        try:
            sid = self.store.resolve(session)
        except AmbiguousId as exc:   # several stored: importing would not help
            self.report(exc.args[0])
            return None
        except KeyError as exc:
            self.report(f"{exc.args[0]} - to open a link handed over, import the .replay"
                        " bundle that came with it (File > Import…), then open the link again")
            return None
        existing = self.sessions.find(sid)
        if existing is not None:
            self.show_page("Sessions")
            self.sessions.setCurrentWidget(existing)
            existing.seek(ms)
            return None
        self.resume_at[sid] = ms   # (where the tab opens)
        return self.open_session(sid)

    def ask_link(self) -> QInputDialog:
        """File > Open Link…: a replay:// link to open (the clipboard's, when it holds one);
        not blocking - OK opens it."""
        dlg = QInputDialog(self)
        dlg.setWindowTitle("Open Link")
        dlg.setLabelText("A replay:// link to a moment (the player's Copy link):")
        dlg.setTextEchoMode(QLineEdit.EchoMode.Normal)
        clip = QGuiApplication.clipboard().text()
        dlg.setTextValue(clip.strip() if link_in(clip) else "")
        dlg.findChild(QLineEdit).setMinimumWidth(LINK_DIALOG_WIDTH)   # a whole link shows
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.textValueSelected.connect(self.open_link)
        dlg.open()
        return dlg

    def open_paths(self, paths: Iterable[Path | str]) -> OpenJob | None:
        """A player tab per recording file, opened as `replay play FILE` opens it (read in
        the background: `playerOpened` says when each tab is there) - Datadog uploads
        opened together in one, as `replay import` reads them (`OpenJob`)."""
        openings = []
        for p in paths:
            path = Path(p).resolve()
            openings.append(Opening.of_file(path))
            self._remember(path)
        return self._open(openings)

    def _open(self, openings: list[Opening], front: bool = True, page: bool = True
              ) -> OpenJob | None:
        """Bring tabs already open to the front (unless `front` is False); read the others
        in a worker thread (a progress dialog with Cancel), their players built as each is
        ready. `page`: the Sessions page is shown (else the page on show stays)."""
        if page:
            self.show_page("Sessions")
        todo = []
        for o in openings:
            existing = self.sessions.find(o.key)
            if existing is not None:
                if front:
                    self.sessions.setCurrentWidget(existing)
            elif o not in todo and not any(o in job.openings for job in self.open_jobs):
                todo.append(o)
        if not todo:
            return None
        job = OpenJob(self.data_dir, todo)
        self.open_jobs.append(job)
        self.open_progress = progress_dialog(job, self)
        job.opened.connect(self._show_player)
        job.failed.connect(self._open_failed)
        job.finished.connect(self._open_ended)
        job.start()
        return job

    def wait_opened(self, job: OpenJob | None, timeout_s: float = 60.0) -> QWidget | None:
        """Until `job` has ended (for scripts and tests): the tab of its last recording, if
        it opened (`job` None: the tab on show, as when it was open already)."""
        import time

        from PySide6.QtCore import QEventLoop

        deadline = time.monotonic() + timeout_s
        while job is not None and job in self.open_jobs:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the recording did not open within {timeout_s:.0f} s")
            loop = QEventLoop()
            QTimer.singleShot(20, loop.quit)
            loop.exec()
        if job is None:
            return self.sessions.currentWidget()
        return self.sessions.find(job.openings[-1].key)

    def _open_failed(self, _opening: Opening, line: str) -> None:
        self.report(line)

    def _open_ended(self, job: OpenJob) -> None:
        self.open_jobs.remove(job)
        if job.cancelled:
            self.say("Cancelled opening " + ", ".join(o.name for o in job.openings))

    def _show_player(self, o: Opening, done: Opened) -> None:
        """The player tab on a recording the worker has read (UI thread: widgets only)."""
        from player.qt.replay_widget import ReplayWidget

        if self.store is None or self.sessions.find(o.key) is not None:
            done.close()   # the window is closing, or the tab was opened meanwhile
            if self.store is not None:   # (files read together are known as one only now)
                self.sessions.setCurrentWidget(self.sessions.find(o.key))
            return
        src = done.source
        try:
            widget = ReplayWidget(src, replayer=done.replayer, session=done.session,
                                  report=done.report)
        except Exception as exc:  # noqa: BLE001 - a recording the player cannot show
            done.close()
            self.report(" ".join(f"cannot play {o.name}: {exc}".split()))
            return
        info = src.info
        who = info.who
        n = src.sessions_in_file
        if o.is_file:
            title, tip = file_tab(o, n, src.id, done.report.title if done.report else "")
        else:
            title, tip = stored_tab(src.id, who, info.first_url,
                                    done.report.title if done.report else "",
                                    live=done.follow is not None and done.follow.serving,
                                    among=self._listed_ids())
        # a file's other sessions open behind its first; "&" is a tab's shortcut mark in Qt,
        # doubled to be shown ("Cart & checkout" was "Cart _checkout")
        self.sessions.add_player(o.key, title.replace("&", "&&"), widget, src, tip,
                                 front=o.session == 0, is_file=o.is_file)
        place = self.resume_place.pop(o.key, None)
        if place is not None:
            self.sessions.tabBar().moveTab(self.sessions.indexOf(widget),
                                           min(place, self.sessions.count() - 1))
        resume = self.resume_at.pop(o.key, None)
        if resume is not None:   # opened again (its report edited): where it was
            widget.seek(resume)
        elif done.report is not None and done.report.at_ms is not None:
            widget.seek(int(done.report.at_ms))   # a bug handed over opens on the bug
        if done.follow is not None:   # live: it grows as it arrives, from its live edge
            # (not compacted, but no intake serves the folder now: opened as a stored one is,
            # followed should one start - said; at its end and polled unsaid, it read as a
            # session gone wrong: a reviewer's find)
            from player.qt.follow import LiveFollow
            widget.follow = LiveFollow(widget, done.follow, to_edge=resume is None and (
                done.report is None or done.report.at_ms is None) and done.follow.serving)
            widget.follow.ended.connect(lambda: self._live_ended(widget, done))
            widget.follow.servingChanged.connect(lambda on: self._live_serving(widget, done, on))
            if not done.follow.serving:
                self.say(f"{title}: {widget.follow.serving_text()}")
        widget.export_menu.exported.connect(self.say)
        if not o.is_file:   # (a file's bundle: its own report's moment, or the one on show)
            widget.export_menu.moment_help = self.moment_help()
        widget.said.connect(self.say)
        if done.warned:   # (damaged segments, a file cut off: read past, said - they went
            # to a terminal), each once about the file, as the status bar names it
            warned = [w.removeprefix(f"{o.spec}: ") for w in done.warned]
            self.say(f"{o.name}: {warned[0]}" + (f" (and {len(warned) - 1} more)"
                     if len(warned) > 1 else ""), "\n".join(warned))
        elif self.last_problem is not None and \
                self.statusBar().currentMessage() == self.last_problem.splitlines()[0]:
            self.statusBar().clearMessage()   # an earlier file's problem is not this tab's
        self.catch_drops(widget)
        widget.bridge.ready.connect(lambda: self.catch_drops(widget))  # the page's own view
        if o.is_file and n > 1 and o.session == 0:
            self._open_the_others(o, n)
        self.playerOpened.emit(widget)

    def _listed_ids(self) -> list[str]:
        """The ids the Sessions list holds (a tab shows an id as the list does among them)."""
        return [r.id for r in self.browser.catalog.rows]

    def _live_ended(self, widget, done: Opened) -> None:
        """A followed session is whole (the intake compacted it, gone quiet; or it could not
        be read again): its tab loses the live mark, and the status bar says so."""
        title = self._retitle_followed(widget, done, live=False)
        if title is not None:
            self.say(f"{title}: {widget.follow.ended_text()}")

    def _live_serving(self, widget, done: Opened, on: bool) -> None:
        """An intake stopped serving the followed session's folder (its tab loses the live
        mark: nothing arrives), or serves it again (marked again), said."""
        title = self._retitle_followed(widget, done, live=on)
        if title is not None:
            self.say(f"{title}: {widget.follow.serving_text()}")

    def _retitle_followed(self, widget, done: Opened, live: bool) -> str | None:
        """A followed session's tab titled again, marked live or not; its title (None: the
        tab closed meanwhile)."""
        info = done.source.info
        title, tip = stored_tab(done.source.id, info.who, info.first_url,
                                done.report.title if done.report else "", live=live,
                                among=self._listed_ids())
        if not self.sessions.retitle(widget, title.replace("&", "&&"), tip):
            return None
        return title.removeprefix(LIVE_MARK)

    def _open_the_others(self, first: Opening, n: int) -> None:
        """A file holding several sessions (an export of several tabs or windows, a visitor
        back after a pause) opens each in a tab of its own, behind its first, up to
        FILE_SESSIONS_OPENED; past that the status bar says how to open another."""
        shown = min(n, FILE_SESSIONS_OPENED)
        self._open([first.another(k) for k in range(1, shown)], front=False)
        name = first.name
        if shown < n:
            self.statusBar().showMessage(
                f"{name} holds {n} sessions; the first {shown} are open - `replay play"
                f" FILE --session-number N` (0 to {n - 1}) opens another", 15000)
        else:
            self.say(
                f"{name} holds {n} sessions: each opens in a tab of its own")

    def choose_files_to_open(self) -> QFileDialog:
        return self._choose("Open recordings", self.open_paths)

    def choose_files_to_import(self) -> QFileDialog:
        return self._choose("Import recordings into the data folder", self.import_paths)

    def _choose(self, title: str, then) -> QFileDialog:
        """A file dialog (not blocking: its choice calls `then`)."""
        start = str(self.settings.value("last_folder", str(Path.home())))
        dlg = QFileDialog(self, title, start, RECORDING_FILTER)
        dlg.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dlg.setOption(QFileDialog.Option.DontUseNativeDialog)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def chosen(files: list[str]) -> None:
            if files:
                self.settings.setValue("last_folder", str(Path(files[0]).parent))
                then([Path(f) for f in files])
        dlg.filesSelected.connect(chosen)
        self.file_dialog = dlg
        dlg.open()
        return dlg

    # --- importing --------------------------------------------------------------------
    def import_paths(self, paths: Iterable[Path | str], *, as_new: bool = False,
                     then: Callable[[list[str]], object] | None = None) -> ImportJob | None:
        """Store files (in a worker thread, with a progress dialog); the table shows the
        new sessions when it ends. `as_new`: as `replay import --as-new`. `then`: what the
        import was asked for, done with the stored sessions' ids once it ends having stored
        some (the list is not brought forward then: the person goes on where they were)."""
        if self.import_job is not None:
            self.report("an import is already running - wait for it to finish")
            return None
        job = ImportJob(self.data_dir, [Path(p) for p in paths], self, as_new=as_new)
        self.import_job = job
        self.import_progress = import_progress_dialog(job, self)
        job.finished.connect(lambda *ended: self._imported(*ended, then=then))
        job.start()
        return job

    def _imported(self, results: list, failures: list, said: list, copyable: list, *,
                  then: Callable[[list[str]], object] | None = None) -> None:
        """The import's summary in the status bar; what it noted about the files (said in
        the summary, mostly) in the bar's tooltip; its warnings and the files refused in a
        box under the summary. (`said`: ImportJob's (level, line).) Files kept out for
        differing from a stored session (events, or a bug bundle's report), `copyable`, are
        offered to import again as new copies (`replay import --as-new`), a button of that
        box."""
        self.import_job = None
        ids = [sid for r in results for sid in r["sessions"]]
        self.reload_sessions()
        if ids and then is None:
            self._show_stored(ids)
        from ..commands.import_cmd import status_line

        summary = status_line(results, failures)
        warned = [line for level, line in said if level == "warning"]
        noted = [line for level, line in said if level != "warning"]
        if failures or warned or copyable:
            # the summary first: the status bar shows the box's first line (the notes too:
            # "already stored", "stored as" were said nowhere beside a failure); a blank line
            # between files' lines, each a long sentence wrapped over several
            self.report(summary + "\n\n" + "\n\n".join(failures + warned + noted),
                        title="Import", offer=(AS_NEW_BUTTON, lambda: self.import_paths(
                            copyable, as_new=True)) if copyable else None)
        else:
            self.say(summary, "\n".join(noted))
        if ids and then is not None:
            then(ids)

    def _show_stored(self, ids: list[str]) -> None:
        """The list, brought forward with the first of these stored sessions picked."""
        self.show_page("Sessions")
        self.sessions.setCurrentWidget(self.browser)
        self.browser.select_session(ids[0])

    def ask_delete(self, session_ids: list[str]) -> QMessageBox | None:
        """Ask before erasing sessions - one, or the list's selection (window-modal; Delete
        erases, as `replay delete`)."""
        infos = [i for sid in session_ids if self.store is not None
                 and (i := self.store.index.session(sid)) is not None]
        if not infos:
            self.reload_sessions()
            return None
        listed = {r.id: r for r in self.browser.catalog.rows}

        def line(info) -> str:
            """As the list shows it (one not listed yet: its whole id), kept on one line:
            the box grows to hold it rather than wrap each session over three."""
            return (f"<div style='white-space:pre'>"
                    f"{html.escape(named(listed.get(info.id) or make_row(info)))}</div>")
        if len(infos) == 1:
            text = (f"Erase this session?<blockquote>{line(infos[0])}</blockquote><p>Its"
                    " events, index rows and thumbnail are removed from the data folder for"
                    " good. Files exported from it elsewhere are not.</p>")
        else:
            shown = [line(i) for i in infos[:ERASE_LISTED]]
            if len(infos) > ERASE_LISTED:
                shown.append(f"<div>… and {len(infos) - ERASE_LISTED:,} more</div>")
            text = (f"Erase these {len(infos):,} sessions?<blockquote>" + "".join(shown)
                    + "</blockquote><p>Their events, index rows and thumbnails are removed from"
                    " the data folder for good. Files exported from them elsewhere are"
                    " not.</p>")
        box = QMessageBox(QMessageBox.Icon.Warning,
                          "Delete session" if len(infos) == 1 else "Delete sessions", text,
                          QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("confirmDelete")
        box.setTextFormat(Qt.TextFormat.RichText)
        erase = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        ids = [i.id for i in infos]
        box.buttonClicked.connect(lambda b: self.delete_sessions(ids) if b is erase else None)
        box.open()
        return box

    def ask_report(self, session_id: str, at_ms: float | None = None, about: str = ""):
        """The session's bug report, its title and notes to edit (window-modal; Save stores
        them, as `save_report`). `at_ms`: the moment on show in its player, offered as the
        bug's moment; `about`: which report this is, said first in the dialog when that is
        not plain (a file's tab edits its stored session's)."""
        from recorder.bug import from_context

        info = self.store.index.session(session_id) if self.store is not None else None
        if info is None:
            self.reload_sessions()
            return None
        dialog = ReportDialog(info.id, from_context(info.context), self, at_ms=at_ms,
                              about=about, detectors=self._detectors())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.save_report(info.id, dialog.title(), dialog.notes(),
                                                         dialog.moment()))
        dialog.open()
        return dialog

    def _detectors(self) -> tuple[str, ...]:
        """The data folder's rules' detectors (a report is saved masked by them); the
        built-in ones while its rules cannot be read (Save then says why)."""
        from recorder.privacy import RulesError, load_rules
        from recorder.privacy.detectors import KINDS

        try:
            return tuple(load_rules(None, self.data_dir).detectors)
        except RulesError:
            return KINDS

    def report_on_show(self):
        """Session > Bug Report…: the report of the session on show, never a hidden page's -
        on the Sessions page, its player tab's session (its moment offered as the bug's), else
        the list's current row; on the Record page, the recording stored there (its moment
        offered). A file's tab edits the session stored in the data folder under its id, if
        there is one (said in the dialog); a file is never written."""
        page = self.pages.currentWidget()
        if page is self.record:
            shown = self.record.on_show()
            if shown is None:
                self.say("Bug Report… edits a recording once it is stored (Stop); while"
                         " recording, its title and notes go in the form beside the page")
                return None
            sid, at = shown
            return self.ask_report(sid, at_ms=at)
        if page is not self.sessions:
            self.say("Bug Report… edits the session on show: open one on the Sessions page,"
                     " or stop a recording on the Record page")
            return None
        tab = self.sessions.currentWidget()
        if tab is self.browser or tab is None:
            sid = self.browser.current_session()
            if sid is None:
                self.say("Pick a session in the list first")
                return None
            return self.ask_report(sid)
        sid = next((k for k, w in self.sessions.stored_tabs().items() if w is tab), None)
        if sid is None:
            return self._report_of_file_tab(tab)
        return self.ask_report(sid, at_ms=tab.current_ms())

    def fetch_on_show(self, ask: bool = True) -> FetchJob | None:
        """Session > Fetch Images and Fonts…: for the stored session on show (its player
        tab's, a file's tab's when the file's session is stored, else the list's current
        row), after the person said yes (`ask`) - the app's one network step - in a thread
        behind a progress dialog whose Cancel starts no new request; the tabs showing that
        session paint what came."""
        if self.store is None:
            return None
        page = self.pages.currentWidget()
        tab = self.sessions.currentWidget() if page is self.sessions else None
        if tab is None or page is not self.sessions:
            self.say("Fetch Images and Fonts… fetches for the session on show: open one on the"
                     " Sessions page")
            return None
        if tab is self.browser:
            sid = self.browser.current_session()
            if sid is None:
                self.say("Pick a session in the list first")
                return None
        else:
            sid = next((k for k, w in self.sessions.stored_tabs().items() if w is tab),
                       None) or (self.store.stored_as(tab.session_id) if tab.session_id
                                 else None)
            if sid is None:
                self.say("Images and fonts are fetched for stored sessions: import the file"
                         " first (File > Import…)")
                return None
        if ask:
            box = QMessageBox(
                QMessageBox.Icon.Question, "Fetch Images and Fonts",
                f"Ask the sites of session {sid} for the images and fonts its page showed?",
                QMessageBox.StandardButton.Cancel, self)
            box.setInformativeText(
                "Only the session's own sites are asked (the addresses of its pages and of its"
                " application), with GET requests that carry no cookies or credentials. What"
                " the privacy rules mask is never asked for. What comes is stored in the data"
                " folder and shown in the player, screenshots and exports.")
            fetch = box.addButton("Fetch", QMessageBox.ButtonRole.AcceptRole)
            box.setDefaultButton(fetch)
            box.exec()
            if box.clickedButton() is not fetch:
                return None
        job = FetchJob(self.data_dir, sid)
        dlg = job_dialog(job, self, "Fetch Images and Fonts",
                         f"Fetching the images and fonts of session {sid}…")
        dlg.setRange(0, 0)

        def moved(done: int, total: int) -> None:
            dlg.setRange(0, total)
            dlg.setValue(done)
        job.progress.connect(moved)
        self.fetch_jobs.append(job)

        def ended(_job) -> None:
            if job not in self.fetch_jobs:   # the window closed meanwhile
                return
            dlg.end()
            self.fetch_jobs.remove(job)
            if self.store is None:
                return
            if job.problem is not None:
                self.report(job.problem)
                return
            if job.fetched_any():
                for w in self.sessions.showing(sid):
                    w.show_stored_assets()
            lines = job.failure_lines()
            self.say(job.summary(), "\n".join(lines) + (
                f"\n`replay assets fetch {sid} --json` lists why each was not stored"
                if lines else ""))
        job.finished.connect(ended)
        job.start()
        return job

    def _report_of_file_tab(self, tab):
        """Bug Report… on a file's tab: a file is never written - the report of the session
        stored under the file's session id is offered instead (said), if it is stored."""
        sid = self.store.stored_as(tab.session_id) \
            if tab.session_id is not None and self.store is not None else None
        if sid is not None and self.store.index.session(sid) is not None:
            return self._stored_report_of(tab, sid, f"{Path(tab.source.origin).name} is not"
                                          " stored, but its session is (the same id)")
        # (its own report, if any, is on show in its Steps: read only)
        origin = tab.source.origin
        self.report(f"{Path(origin).name} is not stored here, and a file is never written:"
                    " import it to give its session a bug report here (the report it carries"
                    " comes with it), then Bug Report… edits the stored session's.",
                    title="Bug Report", offer=(IMPORT_FOR_REPORT, lambda: self.import_paths(
                        [origin], then=lambda ids: self._report_after_import(tab, ids))),
                    icon=QMessageBox.Icon.Information)
        return None

    def _stored_report_of(self, tab, sid: str, about: str):
        """The report of stored session `sid`, asked from a file's tab showing it: the moment
        on show offered, on the stored session's clock - a file exported of a range keeps the
        session's id but starts at the range (its 0:12.0 is not the session's)."""
        stored = self.store.index.session(sid)
        at = tab.current_ms() + tab.source.info.start_ms - stored.start_ms
        return self.ask_report(sid, at_ms=at if 0 <= at <= stored.duration_ms else None,
                               about=f"{about}: this is the stored session's report - the file"
                                     " keeps its own.")

    def _report_after_import(self, tab, ids: list[str]) -> None:
        """"Import it", asked by Bug Report… on a file's tab, has stored `ids`: the stored
        session's report is edited now, as Bug Report… asked (it was left to be asked
        again), while that tab is still open. The tab's id may name it no more: an id holding
        personal data is named by a keyed hash, and a fresh folder's first import made the
        folder's key - the tab had hashed it with the process's own (a reviewer's find: the
        "not stored" box came back after every import). Its file's one session is the one
        stored, then; where that cannot be told (the tab closed meanwhile, a file of several
        sessions), the list comes forward with what was stored, as after any import."""
        from shiboken6 import isValid
        sid = None
        if isValid(tab) and self.sessions.indexOf(tab) >= 0 and self.store is not None:
            sid = self.store.stored_as(tab.session_id) if tab.session_id is not None else None
            if sid is None and len(ids) == 1 and tab.source.sessions_in_file == 1:
                sid = ids[0]   # (of a file of several, the one stored may be another)
        if sid is None or self.store.index.session(sid) is None:
            self._show_stored(ids)
            return
        self._stored_report_of(tab, sid, f"{Path(tab.source.origin).name}'s session is stored"
                                         " now")

    def save_report(self, session_id: str, title: str, notes: str,
                    at_ms: float | None = None) -> SaveReportJob | None:
        """Store the session's bug report title and notes (and `at_ms`, the bug's moment,
        when given), masked by the data folder's rules as an import masks them - in a
        thread, behind a busy dialog (the session is rewritten: seconds for a long one). Its
        player tab, if open, is closed meanwhile and opened again where it was, to show
        them."""
        from recorder.privacy import RulesError, load_rules, masker_factory

        if self.store is None:
            return None
        try:
            rules = load_rules(None, self.data_dir)
        except RulesError as exc:
            self.report(f"the bug report was not saved: {exc} - fix the rules first")
            return None
        tab = self.sessions.find(session_id)
        at = place = None
        if tab is not None:
            at, place = tab.current_ms(), self.sessions.indexOf(tab)
            self.sessions.close_tab(place)
        recorded_at = self.record.let_go_of(session_id)   # the Record page's player too
        job = SaveReportJob(self.data_dir, session_id, title, notes, masker_factory(rules),
                            at_ms=at_ms)
        dlg = job_dialog(job, self, "Bug report", f"Saving the bug report of session"
                                                  f" {short_id(session_id)}…")
        dlg.setCancelButton(None)   # not cancellable
        self.report_jobs.append(job)

        def saved(_report) -> None:
            self.reload_sessions()
            self.say(f"Saved the bug report of session {session_id}")

        def ended(_job) -> None:   # saved or not, its tab comes back where it was
            dlg.end()
            self.report_jobs.remove(job)
            if self.store is None or self.store.index.session(session_id) is None:
                return   # (the window closed, or the session was erased meanwhile)
            if recorded_at is not None:
                self.record.show_again(session_id, recorded_at)
            if at is not None:   # (on the page it was edited from: Record's stays)
                self.resume_at[session_id] = at
                # back at its place among the tabs, not at the end (a support engineer's tryout)
                self.resume_place[session_id] = place
                self._open([Opening(session_id, session_id, is_file=False)], page=False)
        job.saved.connect(saved)
        job.failed.connect(self.report)
        job.finished.connect(ended)
        job.start()
        return job

    def delete_sessions(self, session_ids: list[str]) -> EraseJob | None:
        """Erase sessions (their player tabs closed first) in a thread, behind a progress
        dialog whose Cancel stops between two sessions; then the list without them."""
        if self.store is None:
            return None
        for sid in session_ids:
            tab = self.sessions.find(sid)
            if tab is not None:
                self.sessions.close_tab(self.sessions.indexOf(tab))
        job = EraseJob(self.data_dir, session_ids)
        n = len(session_ids)
        dlg = job_dialog(job, self, "Delete", f"Erasing session {session_ids[0]}…" if n == 1
                         else f"Erasing {n:,} sessions…")
        dlg.setRange(0, n)
        job.progress.connect(lambda done, _n: dlg.setValue(done))
        self.erase_jobs.append(job)

        def ended(_job) -> None:
            dlg.end()
            self.erase_jobs.remove(job)
            if self.store is None:   # the window closed meanwhile (it waited for the job)
                return
            self.reload_sessions()   # (their thumbnails go in the sweep: no session, no picture)
            self.say(job.summary())
            if job.problem() is not None:
                self.report(job.problem())
        job.finished.connect(ended)
        job.start()
        return job

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt)
        if event.type() == QEvent.Type.ActivationChange:
            if self.isActiveWindow():
                # not under the click that brought the window back: read at once, the list
                # grew a row under the pointer, and that click's double-click opened nothing
                # and picked another session (a support engineer's tryout, a visit arriving)
                QTimer.singleShot(self.catch_up_after_ms, self, self._catch_up_idle)
            self._look_while_useful()
        super().changeEvent(event)

    def _catch_up_idle(self) -> None:
        """`catch_up`, once no mouse button is held (a drag, a slow double-click)."""
        if self.store is None or not self.isActiveWindow():
            return
        if QGuiApplication.mouseButtons() != Qt.MouseButton.NoButton:
            QTimer.singleShot(self.catch_up_after_ms, self, self._catch_up_idle)
            return
        self.catch_up()

    def _look_while_useful(self) -> None:
        """Look for changes (every CHANGES_LOOK_MS) only while a look can tell something
        new: with the window in front (coming back to it reads the list again anyway,
        `catch_up`), its store open, and the list not saying already that more was stored
        (it says so until F5 or a return to the window reads the list again). The looks
        went on all the while, once a note was up and with the window behind others."""
        if self.store is not None and self.isActiveWindow() and not self.browser.stale:
            if not self.changes.isActive():
                self.changes.start()
        else:
            self.changes.stop()

    def look_for_changes(self) -> bool:
        """Whether another process changed the index since the list was read (said under
        the list: F5 reads it again); the list itself is not read again under the person's
        eyes - on a large folder that is a pause, every few seconds while a visit goes on."""
        changed = self.store is not None and \
            self.store.index.data_version() != self.index_version
        self.browser.set_stale(changed)
        self._look_while_useful()
        return changed

    def catch_up(self) -> bool:
        """The person comes back to the app: the list is read again if another process
        changed the index meanwhile (`replay serve` storing live sessions, `replay mask`
        rewriting some - their old thumbnails with them); True if it was. Nothing is read
        when nothing changed: coming back costs one query."""
        if self.store is None or self.store.index.data_version() == self.index_version:
            return False
        self.reload_sessions()
        return True

    def reload_sessions(self) -> None:
        """Read the index again (after an import, or `replay` commands run meanwhile)."""
        self.index_version = self.store.index.data_version()
        self.browser.set_stale(False)
        self._look_while_useful()
        self.thumbnails.forget()
        self.thumbnails.sweep()
        catalog = self._load_catalog()
        self.browser.set_catalog(catalog)
        self.privacy.sessions_changed()   # its preview's list of sessions too
        listed = {r.info.id for r in catalog.rows}
        gone = [sid for sid in self.sessions.stored_tabs() if sid not in listed]
        for sid in gone:   # erased meanwhile (`replay delete` in a terminal): not on screen
            self.sessions.close_tab(self.sessions.indexOf(self.sessions.find(sid)))
        if gone:
            self.statusBar().showMessage(
                "Closed the tab of " + ", ".join(gone) + ": erased from the data folder", 15000)

    def _load_catalog(self) -> Catalog:
        try:
            names = application_names(self.data_dir)
        except AppError:   # the Settings page says the applications file cannot be read
            names = {}
        catalog = Catalog.load(self.store, names)
        # Tens of thousands of long-lived row objects: without this, a full collection walks
        # them all during some keystroke (measured: 25-145 ms each, the longest stalls).
        # Rows hold no cycles; refcounting still frees an old catalog's rows on reload. Not
        # while a closed player's collection is due (its cycles would be frozen for good):
        # that collection freezes what is open, these rows with it, once it has run.
        hold_still()
        return catalog

    # --- drops ------------------------------------------------------------------------
    def catch_drops(self, widget: QWidget) -> None:
        """Files dropped on `widget`'s children that take drops themselves (a text box
        would paste their path, a web view navigate) open in the player instead."""
        for child in [widget, *widget.findChildren(QWidget)]:
            if child.acceptDrops():
                child.installEventFilter(self)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt)
        self.eventFilter(self, event)

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt)
        self.eventFilter(self, event)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
        """Files dropped anywhere in this window open in the player."""
        if event.type() in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            files = _local_files(event.mimeData())
            if files:
                event.acceptProposedAction()
                if event.type() == QEvent.Type.Drop:
                    QTimer.singleShot(0, self, lambda: self.open_paths(files))
                return True
        return super().eventFilter(obj, event)

    # --- recent files and settings ----------------------------------------------------
    def recent_files(self) -> list[str]:
        v = self.settings.value("recent_files", [])
        return [v] if isinstance(v, str) else list(v or [])

    def _remember(self, path: Path) -> None:
        files = [str(path)] + [f for f in self.recent_files() if f != str(path)]
        self.settings.setValue("recent_files", files[:MAX_RECENT])
        self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for i, f in enumerate(files):
            act = self.recent_menu.addAction(f"&{(i + 1) % 10} {Path(f).name}")
            act.setStatusTip(f)
            act.triggered.connect(lambda _=False, f=f: self.open_paths([f]))
        self.recent_menu.setEnabled(bool(files))

    def _restore(self) -> None:
        geo = self.settings.value("window/geometry")
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        else:
            from player.qt.standalone import window_size
            self.resize(*window_size(DEFAULT_SIZE))

    def _rows_changed(self, _shown: int) -> None:
        # (how many are listed, the list's own line says)
        self.statusBar().showMessage(f"Data folder {self.data_dir}")

    def say(self, text: str, more: str = "") -> None:
        """A line in the status bar for a while (what was done, what to do next); the bar's
        tooltip holds it whole, and `more` (the rest of what there is to say) after it."""
        self.status_line.say(text, more)

    def report(self, message: str, title: str = APP_NAME,
               offer: tuple[str, Callable[[], object]] | None = None,
               icon: QMessageBox.Icon = QMessageBox.Icon.Warning) -> None:
        """Say what went wrong without blocking (a window-modal box, the status bar).
        `offer`: a button of the box (its label) and what it does; `icon`: Information for
        advice that is no failure."""
        self.last_problem = message
        self.statusBar().showMessage(message.splitlines()[0], 15000)
        box = QMessageBox(icon, title, message, QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)   # it may quote a recording's words
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if offer is not None:
            button = box.addButton(offer[0], QMessageBox.ButtonRole.ActionRole)
            button.clicked.connect(offer[1])
        box.open()
        self.problem.emit(message)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt)
        if self.record.store_before_closing(self.close):   # a recording in progress is kept
            self.show_page("Record")   # where "Storing the recording…" is said
            event.ignore()
            return
        exporting = self.exporting()
        if exporting is not None:   # a file asked for is finished, as a closed tab's is
            exports = exporting.export_menu
            self.statusBar().showMessage(f"The window closes once {exports.under_way()} is"
                                         " finished (Cancel in its dialog stops it)")
            exports.when_idle(self.close)
            event.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.sync()
        self.shutdown()
        super().closeEvent(event)

    def exporting(self) -> QWidget | None:
        """A player of the window's (a tab's, one closed while exporting, Record's) with
        an export under way, if any: the window waits for it before it closes - the player
        and the store the export reads go with the window."""
        from player.qt.replay_widget import ReplayWidget

        return next((p for p in self.findChildren(ReplayWidget) if p.export_menu.busy), None)

    def shutdown(self) -> None:
        """Close the players, stop the thumbnail painter, wait for an import to finish
        (it is never left half-stored) and close the store. Safe to call twice: called
        again after the event loop's end, it lets go of the players of tabs closed while
        exporting whose let-go step never ran."""
        self.sessions.close_all()
        if self.store is None:
            return
        from player.qt.standalone import dispose
        self.privacy.finish_jobs()   # a re-mask stops after the session it is rewriting
        dispose(self.privacy)   # its web views go now, page before profile, not at exit
        self.record.close_browser()
        dispose(self.record)
        self.thumbnails.shutdown()
        if self.import_job is not None:
            self.import_job.cancel()
            self.import_job.wait()
        for job in self.open_jobs:   # what they read is let go when they see it
            job.cancel()
        for job in list(self.report_jobs):   # a bug report being saved is saved first
            job.wait()
        for job in list(self.erase_jobs):   # the session being erased goes whole, then it stops
            job.cancel()
            job.wait()
        for job in list(self.fetch_jobs):   # no new request; the running ones end at a read
            job.cancel()
            job.wait(FETCH_CLOSE_WAIT_S)   # (a file is written before its row: never half)
            self.fetch_jobs.remove(job)    # (its end, queued, finds the window gone)
        self.store.close()
        self.store = None
        self._look_while_useful()   # (nothing to look in)


# how long closing the window waits for a fetch under way to stop (its requests end at their
# next read, or their timeout); a fetch still running then ends with the process
FETCH_CLOSE_WAIT_S = 5.0
TAB_TITLE = 32   # characters of a bug's title a file's tab shows (its tooltip has it whole)
TIP_FILES = 8    # files of Datadog uploads opened together a tab's tooltip names


def file_tab(o: Opening, n: int, session_id: str, bug_title: str = "") -> tuple[str, str]:
    """A file's tab: its title and tooltip. A bug handed over (a bundle with its report's
    title) is titled by the bug - QA's files are all "bug.replay", the title is what tells
    their tabs apart - cut at TAB_TITLE, the whole title and the file in the tooltip; any
    other file by its name. `n`: the sessions the file holds (each opens in a tab)."""
    title = " ".join(bug_title.split())   # (whole in the tooltip)
    name = Path(o.spec).name + (f" +{len(o.more)}" if o.more else "")
    of = f" · {o.session + 1} of {n}" if n > 1 else ""
    files = "\n".join([o.spec, *o.more][:TIP_FILES]) + (
        f"\n(and {len(o.more) + 1 - TIP_FILES:,} more)" if len(o.more) >= TIP_FILES else "")
    tip = files + f"\n(read from the {'files, Datadog uploads,' if o.more else 'file,'} not stored)" \
        + (f"\nsession {o.session + 1} of the {n} {'they hold' if o.more else 'it holds'}"
           f" ({session_id})" if n > 1 else "")
    if not title:
        return name + of, tip
    return title_line(title, TAB_TITLE) + of, f"{title}\n{tip}"


def stored_tab(session_id: str, who: str | None, first_url: str | None,
               bug_title: str = "", live: bool = False,
               among: Iterable[str] = ()) -> tuple[str, str]:
    """A stored session's tab: its title and tooltip - by its bug when it carries a report
    (as a bundle's tab is: the title is what a person opened it for), else by its id (as
    the list of `among` shows it) and owner; the tooltip says the session, its owner and
    first URL. A `live` one (followed as it arrives) is marked LIVE_MARK first, and its
    tooltip says so."""
    title = " ".join(bug_title.split())
    tip = f"Session {session_id}" + (f" of {who}" if who and title else "") + (
        f"\n{first_url}" if first_url else "") + (f"\n{LIVE_TIP}" if live else "")
    mark = LIVE_MARK if live else ""
    if not title:
        return mark + short_id(session_id, among) + (f" · {who}" if who else ""), tip
    return mark + title_line(title, TAB_TITLE), f"{title}\n{tip}"



def _local_files(mime) -> list[Path]:
    if mime is None or not mime.hasUrls():
        return []
    files = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
    return [f for f in files if f.is_file()]
