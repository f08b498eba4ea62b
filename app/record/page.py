"""Record mode: a QA engineer browses to a bug in a built-in browser, presses Record, reproduces
it (pressing ⚑ Mark the bug when it shows), presses Stop - and gets a stored session, opened
in the player on the bug, with the steps taken listed beside it and the bug's title, notes
and moment stored with it.

Capture is the live-recording pipeline: capture.js in the page (app.record.browser), masking
before anything leaves it under the rules in force (`Rules.to_json()`, as the intake hands
them to it), then the store's authoritative privacy pass at ingest with the data folder's
rules - the same `load_rules` + `masker_factory` `replay import` uses. The steps listed while recording are read from the
events after that same pass (a live masker), so nothing the rules mask is ever shown.

`RecordPage(data_dir)` is self-contained; a host window listens to `sessionRecorded(id)`.
"""
from __future__ import annotations

import copy
import enum
import time
from pathlib import Path
from typing import Callable

import msgspec.structs
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QMessageBox, QPlainTextEdit, QPushButton, QSizePolicy, QSplitter,
                               QStackedWidget, QToolButton, QVBoxLayout, QWidget)

from player.qt.plain_text import plain_tip
from player.qt.steps_pane import StepsPane
from app.window.report_dialog import masked_note
from recorder.privacy import Rules, RulesError, load_rules, masker_factory
from recorder.asset_fetch import origin_of
from recorder.privacy.echoes import ended_with
from recorder.privacy.detectors import KINDS
from recorder.paths import default_data_dir, replay_command
from recorder.bug import (BugReport, MomentFrom, RecordedMoment, from_context, masked_parts,
                          parts_reports, recorded_moment)
from recorder.moments import moment_text, whole_ms
from recorder.said import count
from recorder.semantics import BROWSER_ERROR_PAGE
from recorder.steps import Step, StepKind, StepsBuilder

from . import BUG_PANEL_KEYS, MARK_BUG_KEYS, RECORD_KEYS
from ..ids import short_id
from .browser import RecordingBrowser
from .viewport import SHORT_BAR_BELOW, PageWidth, default_width, recorded

STEPS_REFRESH_MS = 150         # while recording, the steps list is redrawn at most this often
BLANK = "about:blank"
SIDE_MIN_WIDTH = 300           # px: the bug form and the steps list
BROWSER_MIN_WIDTH = 320        # px: the browser never collapses under the splitter's handle
MARK_BUG = "⚑ Mark the bug"    # its key: MARK_BUG_KEYS



def page_address(text: str) -> QUrl | None:
    """The page `text` names, as the address bar reads it (a bare host gets http://); None
    where it names none - `replay record 'not a url'` opened a blank window and said
    nothing (a QA engineer's tryout)."""
    q = QUrl.fromUserInput(text.strip())
    return q if q.isValid() and not q.isEmpty() else None


def not_an_address(text: str) -> str:
    return (f"{text!r} is not a web address - give one like example.com,"
            " http://localhost:8000/checkout or file:///path/page.html")

class State(enum.Enum):
    BROWSING = "browsing"      # the QA's own browsing, nothing kept
    RECORDING = "recording"
    STORING = "storing"        # Stop pressed: the page's last events, then the store
    STORED = "stored"          # the session is in the player, its steps in a tab beside it


class RecordPage(QWidget):
    """The built-in browser with Record/Stop, the bug's title and notes, and the steps."""

    sessionRecorded = Signal(str)     # a session id, once stored
    recordingFailed = Signal(str)     # why nothing was stored (said in the status line too)
    pageWidthChosen = Signal(object)  # a PageWidth the person picked (kept by the window)

    def __init__(self, data_dir: Path | str, parent: QWidget | None = None, *,
                 open_in_player: bool = True):
        super().__init__(parent)
        self.setObjectName("recordPage")
        self.data_dir = Path(data_dir)
        self.open_in_player = open_in_player
        self.state = State.BROWSING
        self.session_id: str | None = None
        self.steps: list[Step] = []
        self.player = None
        # how the host sets the bug's moment of the session stored (the app: its Bug Report…
        # action), said when a bundle is exported from the page's player; "" without one
        self.moment_help = ""
        self._builder = StepsBuilder()
        # epoch ms (the machine's clock, which the page stamps its events by): the last press
        # of Mark the bug, and Stop's - the bug's moment is read from them (recorded_moment)
        self._marked_at: float | None = None
        self._stopped_at: float | None = None
        self._live_masker = None
        self._typed_fed = 0   # of browser.typed, fed to the live masker
        self._typed_site = ""   # the origin the recording began on (`_earlier_typed`'s key)
        # what each masked field ended with in this page's earlier recordings, by the site
        # they were typed on (memory only, never written): a later recording of the same site
        # masks their echoes too - a name typed at sign-up in one recording, shown by the next
        # page recorded in another (a QA's tryout); another site's are not its business
        self._earlier_typed: dict[str, list[str]] = {}
        self._rules: Rules | None = None
        self._refresh = QTimer(self, singleShot=True, interval=STEPS_REFRESH_MS)
        self._refresh.timeout.connect(self._show_live_steps)

        self.browser = RecordingBrowser(_capture_options(Rules.default()), self, recorder="capture")
        self.browser.eventsArrived.connect(self._on_events)
        self.view = QWebEngineView(self)
        self.view.setPage(self.browser.page)
        self.view.urlChanged.connect(self._on_url_changed)
        self.view.loadFinished.connect(self._on_load_finished)

        # -- the toolbar: back, reload, address, Record/Stop, status ------------------------
        self.back_button = QPushButton("◀", self, toolTip="Back")
        self.back_button.clicked.connect(self.view.back)
        self.reload_button = QPushButton("⟳", self, toolTip="Reload")
        self.reload_button.clicked.connect(self.view.reload)
        for b in (self.back_button, self.reload_button):
            b.setFixedWidth(32)
        self.address = QLineEdit(self, placeholderText="Address of the page to test — Enter to go")
        self.address.returnPressed.connect(self.go)
        self.record_button = QPushButton(self)
        self.record_button.setMinimumWidth(110)
        self.record_button.clicked.connect(self.toggle_recording)
        # the page has the keyboard while the QA browses: the key works in it too
        self.record_keys = QShortcut(QKeySequence(RECORD_KEYS), self)
        self.record_keys.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.record_keys.activated.connect(self.toggle_recording)
        # the page's width: a laptop's browser area gave a desktop site its tablet or phone
        # layout - Desktop keeps it DESKTOP_WIDTH wide, shown smaller (app.record.viewport)
        self._width_chosen: PageWidth | None = None   # None: default_width of the area
        self.width_box = QComboBox(self)
        for choice in PageWidth:
            self.width_box.addItem(choice.label, choice)
        self.width_box.setToolTip(
            "Page width: Window records the page as wide as the browser area here (a laptop's"
            " gives a site its tablet or phone layout); Desktop records it 1280 px wide, as on"
            " a desktop screen, shown smaller to fit.")
        self.width_box.activated.connect(self._width_picked)
        self.size_label = QLabel(self)
        self.panel_button = QToolButton(self, text="Bug panel", checkable=True, checked=True)
        self.panel_keys = QShortcut(QKeySequence(BUG_PANEL_KEYS), self)
        self.panel_keys.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.panel_keys.activated.connect(self.panel_button.toggle)
        self.panel_button.setToolTip(f"Show or hide the bug's title, notes and steps beside"
                                     f" the browser ({BUG_PANEL_KEYS})")
        self.panel_button.toggled.connect(self.show_panel)
        # shown or not, at a glance (the style's own checked look was hardly there)
        self.panel_button.setStyleSheet(
            "QToolButton { padding: 4px 8px; border: 1px solid palette(mid); border-radius: 4px; }"
            " QToolButton:checked { background: palette(highlight);"
            " color: palette(highlighted-text); }")
        # while recording: the moment the bug shows, where the stored session opens
        self.mark_button = QPushButton(MARK_BUG, self)
        self.mark_button.setToolTip(
            f"Note this moment as the bug's ({MARK_BUG_KEYS}): the stored session, its bundle"
            " and `--at bug` open on it. Pressed again, the bug moves to the new moment. Not"
            " pressed: the last error recorded, else the moment of Stop.")
        self.mark_button.clicked.connect(self.mark_bug)
        # the one thing to press while reproducing: it stands out beside Stop (plain, it was
        # lost among the browser's own buttons), in orange - red is Record's and an error's
        self.mark_button.setStyleSheet(
            "QPushButton { color: white; background: #e65100; font-weight: bold;"
            " border-radius: 4px; padding: 4px 10px; }"
            " QPushButton:pressed { background: #bf360c; }")
        # the page has the keyboard while the QA reproduces the bug: the key works in it too
        self.mark_keys = QShortcut(QKeySequence(MARK_BUG_KEYS), self)
        self.mark_keys.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.mark_keys.activated.connect(self.mark_bug)
        self.status = QLabel(self, wordWrap=True)   # a long line (the replay command) wraps
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 6, 6, 6)
        bar.setSpacing(6)   # (the coloured buttons side by side read as one without it)
        for w in (self.back_button, self.reload_button):
            bar.addWidget(w)
        bar.addWidget(self.address, 1)
        bar.addWidget(self.width_box)
        bar.addWidget(self.size_label)
        bar.addWidget(self.mark_button)
        bar.addWidget(self.record_button)
        # while recording: stop and keep nothing (a fumbled start stored an empty session,
        # which only the Sessions list could delete: a QA tryout) - asked first once steps
        # were recorded
        self.discard_button = QPushButton("Discard", self)
        self.discard_button.setToolTip("Stop recording and store nothing (the bug's title and"
                                       " notes stay, for the next recording)")
        self.discard_button.clicked.connect(self.ask_discard)
        bar.addWidget(self.discard_button)
        bar.addWidget(self.panel_button)

        # -- the side panel: the bug, the steps ---------------------------------------------
        self.title_edit = QLineEdit(self, placeholderText="What goes wrong, in one line")
        self.notes_edit = QPlainTextEdit(self)
        self.notes_edit.setPlaceholderText("Expected, actual, environment…")
        # Tab goes on to the next control, as in the privacy form's lists: typed into the
        # notes, it was kept as a tab character and the keyboard never left the box
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setMaximumHeight(110)
        self._say_masked(None)
        # The steps are listed under the bug form while recording; once stored, the player
        # shows the stored report (title, notes, steps) as its first dev-tools tab, so the
        # steps stay beside the replay at the player's full width.
        self.steps_panel = StepsPane(self, empty_hint=(
            "Press Record, then reproduce the bug: the pages you open, what you click and"
            " type are listed here."), seeks=False)
        self.steps_list = self.steps_panel.list
        # once stored, the bar says what was stored in place of the browser's controls
        self.stored_label = QLabel(self)
        self.stored_label.setTextFormat(Qt.TextFormat.PlainText)   # the bug's title
        self.stored_label.setFont(_bold(self.stored_label.font()))
        # whatever the title's length, the bar takes the width it is given (a long title
        # widened the window past the screen): the label is cut, its tooltip says it all
        self.stored_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar.addWidget(self.stored_label, 1)
        self.new_button = QPushButton("New recording", self)
        self.new_button.clicked.connect(self.new_recording)
        bar.addWidget(self.new_button)
        form = QFormLayout()
        form.addRow("Title", self.title_edit)
        form.addRow("Notes", self.notes_edit)
        self.side = QWidget(self)
        self.side.setMinimumWidth(SIDE_MIN_WIDTH)   # the form and the steps stay readable
        self._side_layout = QVBoxLayout(self.side)
        self._side_layout.setContentsMargins(6, 0, 6, 6)
        bug_label = QLabel("Bug", self.side)
        bug_label.setFont(_bold(bug_label.font()))
        self._side_layout.addWidget(bug_label)
        self._side_layout.addLayout(form)
        self._side_layout.addWidget(self.steps_panel, 1)

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.view)
        self.stack.setMinimumWidth(BROWSER_MIN_WIDTH)
        self.splitter = QSplitter(self)
        self.splitter.addWidget(self.stack)
        self.splitter.addWidget(self.side)
        self.splitter.setStretchFactor(0, 1)
        # the handle dragged to the left edge hid the browser altogether (0 px): the bug
        # panel may go, the browser not
        self.splitter.setCollapsible(0, False)
        self.splitter.setSizes([960, 320])
        self.splitter.splitterMoved.connect(self._panel_moved)
        self.view.installEventFilter(self)
        # QtWebEngine may reset a page's zoom as it navigates: set again as soon as the new
        # page's address is committed, not only once it has loaded - capture.js reads the
        # window's size for its snapshot at DOMContentLoaded, and a next page of a 1280-wide
        # recording was recorded at the view's 702 when that came first (a fresh run's find)
        self.view.urlChanged.connect(lambda _url: self._fit_page())
        self.view.loadFinished.connect(lambda _ok: self._fit_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.status)
        self.status.setContentsMargins(8, 3, 8, 3)
        self._set_state(State.BROWSING)

    # --- the page's width, the bug panel ------------------------------------------------------
    def page_width(self) -> PageWidth:
        """The page width in force: the one chosen, else the browser area's default."""
        return self._width_chosen or self.automatic_width()

    def automatic_width(self) -> PageWidth:
        """The page width the browser area gives when none is chosen."""
        return default_width(self.view.width())

    def set_page_width(self, choice: PageWidth) -> None:
        self._width_chosen = choice
        self._fit_page()

    def _width_picked(self, index: int) -> None:
        self.set_page_width(self.width_box.itemData(index))
        self.pageWidthChosen.emit(self.width_box.itemData(index))

    def _fit_page(self) -> None:
        """The view's zoom for the page width in force, and its size said in the bar."""
        choice = self.page_width()
        size = recorded(choice, self.view.width(), self.view.height())
        if abs(self.view.zoomFactor() - size.zoom) > 1e-4:
            self.view.setZoomFactor(size.zoom)
        self.width_box.setCurrentIndex(self.width_box.findData(choice))
        short = self.width() < SHORT_BAR_BELOW   # the address keeps its room on a laptop
        self.size_label.setText(size.said(short))
        self.size_label.setToolTip(
            f"{size.said()}: the page's size as recorded (its window.innerWidth ×"
            " innerHeight), and the scale it is shown at here")

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
        if obj is self.view and event.type() == QEvent.Type.Resize:
            self._fit_page()
        return super().eventFilter(obj, event)

    def show_panel(self, shown: bool) -> None:
        """The bug panel (title, notes, steps) beside the browser, or not (more room for the
        page); the toolbar's Bug panel button and its key."""
        if self.panel_button.isChecked() != shown:
            self.panel_button.setChecked(shown)   # (calls this again)
            return
        if self.state is not State.STORED:
            self.side.setVisible(shown)
        if shown and self.splitter.sizes()[1] == 0:   # dragged shut: open at its width again
            total = sum(self.splitter.sizes())
            self.splitter.setSizes([max(0, total - SIDE_MIN_WIDTH), SIDE_MIN_WIDTH])

    def _panel_moved(self, *_args) -> None:
        """The panel dragged shut under the handle: the button says it is hidden."""
        closed = self.splitter.sizes()[1] == 0
        if closed == self.panel_button.isChecked():
            self.panel_button.blockSignals(True)
            self.panel_button.setChecked(not closed)
            self.panel_button.blockSignals(False)

    # --- browsing -----------------------------------------------------------------------------
    def go(self, url: str | None = None) -> None:
        """Open `url` (default: the address bar's); a bare host gets http://."""
        text = (url if url is not None else self.address.text()).strip()
        if not text:
            return
        q = page_address(text)
        if q is None:
            self.address.setText(text)
            self._say(not_an_address(text), error=True)
            return
        self.address.setText(q.toString())
        if self.state is State.BROWSING:   # what was said before (no address yet) is past
            self._set_state(State.BROWSING)
        self.view.load(q)

    def _on_url_changed(self, url: QUrl) -> None:
        # Chromium's own error page (a site down, a typo) is not where the person is going:
        # the address bar keeps what they typed, and the status line says what happened
        if url.toString() != BLANK and not url.toString().startswith(BROWSER_ERROR_PAGE):
            self.address.setText(url.toString())

    def _on_load_finished(self, ok: bool) -> None:
        if not ok:
            self._say(f"Could not load {self.address.text()}: the site did not answer - check"
                      " the address, or that its server is up.", error=True)

    # --- recording ----------------------------------------------------------------------------
    def toggle_recording(self) -> None:
        if self.state is State.RECORDING:
            self.stop()
        elif self.state in (State.BROWSING, State.STORED):
            self.record()

    def _say_masked(self, rules: Rules | None) -> None:
        """The title's and notes' tooltip: what storing does to them (as the Bug Report
        dialog says it - an e-mail or card number typed in the notes became x's, unsaid)."""
        tip = plain_tip(masked_note(rules.detectors if rules is not None else KINDS))
        self.title_edit.setToolTip(tip)
        self.notes_edit.setToolTip(tip)

    def record(self) -> None:
        """Start recording the page shown (or, with none yet, the address bar's)."""
        if self.view.url().toString() in ("", BLANK) and not self.address.text().strip():
            self._say("Type the address of the page to test first, then press Record.",
                      error=True)
            return
        try:
            self._rules = load_rules(None, self.data_dir)
        except RulesError as exc:
            self._say(f"Cannot record: {exc} — fix the rules file first.", error=True)
            return
        self._say_masked(self._rules)
        self.browser.configure(_capture_options(self._rules))
        self.browser.events.clear()
        self.browser.received.clear()
        self.browser.typed.clear()
        self._typed_fed = 0
        self._builder = StepsBuilder()
        self._marked_at = self._stopped_at = None
        self._typed_site = origin_of(self.view.url().toString()) or ""
        self._live_masker = masker_factory(self._rules, self._earlier())()
        self.steps = []
        self.steps_panel.show_steps([], errors=[])
        if self.state is State.STORED:
            self.new_recording()
        self._set_state(State.RECORDING)
        self.browser.arm()
        shown = self.view.url().toString()
        if shown in ("", BLANK):
            self.go()
        else:
            self.browser.record_now()

    def stop(self) -> None:
        """Stop recording; the session is stored once the page's last events are in."""
        if self.state is not State.RECORDING:
            return
        self._stopped_at = _now_ms()
        self._set_state(State.STORING)
        self.browser.stop(self._store)

    def ask_discard(self) -> QMessageBox | None:
        """Discard the recording: at once when nothing was recorded but the page, else
        asked first (window-modal; Discard discards). The box, when asked."""
        if self.state is not State.RECORDING:
            return None
        steps = self._builder.steps()
        if all(s.kind is StepKind.NAVIGATE for s in steps):
            self.discard()
            return None
        # (counted as the Steps list beside it counts them, its pages opened too: "Its 1
        # step" was said beside "Steps (2)", a QA engineer's tryout)
        box = QMessageBox(QMessageBox.Icon.Warning, "Discard the recording",
                          f"Discard this recording? Its {count(len(steps), 'step')} and"
                          " everything else it recorded are not stored; the bug's title and"
                          " notes stay, for the next recording.",
                          QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("confirmDiscard")
        drop = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda b: self.discard() if b is drop else None)
        box.open()
        return box

    def discard(self) -> None:
        """Stop recording and store nothing: back to browsing the page as it is."""
        if self.state is not State.RECORDING:
            return
        self._set_state(State.STORING)
        self.browser.stop(lambda _events: self._discarded())

    def _discarded(self) -> None:
        for kept in (self.browser.events, self.browser.received, self.browser.typed):
            kept.clear()
        self._live_masker = None
        self._marked_at = self._stopped_at = None
        self.steps = []
        self.steps_panel.show_steps([], errors=[])
        self._set_state(State.BROWSING)
        self._say("The recording was discarded: nothing was stored. Press Record to start"
                  " again.")

    def mark_bug(self) -> None:
        """While recording: now is when the bug shows (the last press wins) - said in the
        status line and among the live steps; the stored session's bug moment."""
        if self.state is not State.RECORDING:
            return
        self._marked_at = _now_ms()
        self._say(self._recording_line())
        self._show_live_steps()

    def _marked_ms(self) -> int | None:
        """The mark on the live steps' clock: ms after the recording's first event (0 before
        it came in)."""
        if self._marked_at is None:
            return None
        sem = self._builder.sem
        return whole_ms(max(0.0, self._marked_at - sem.origin)) if sem is not None else 0

    def _recording_line(self) -> str:
        events = len(self.browser.events)
        said = f"● Recording — {events} events." if events else "● Recording."
        marked = self._marked_ms()
        if marked is None:
            return (f"{said} Press {MARK_BUG} ({MARK_BUG_KEYS}) when the bug shows, Stop once"
                    " it has happened.")
        return (f"{said} ⚑ The bug is marked at {moment_text(marked)} (press {MARK_BUG} again"
                " to move it). Press Stop once it has happened.")

    def store_before_closing(self, close: Callable[[], object]) -> bool:
        """Closing the window while recording stores the recording first (nothing recorded
        is lost): True when the close must wait - `close` is called once the session is
        stored, or storing it failed (said in the status line)."""
        if self.state not in (State.RECORDING, State.STORING):
            return False
        def again(*_):
            self.sessionRecorded.disconnect(again)
            self.recordingFailed.disconnect(again)
            close()
        self.sessionRecorded.connect(again)
        self.recordingFailed.connect(again)
        self.stop()
        return True

    def _on_events(self, count: int) -> None:
        if self.state is not State.RECORDING or self._live_masker is None:
            return
        batch = copy.deepcopy(self.browser.events[-count:]) if count else []
        typed = self.browser.typed
        # the steps listed never show an echo: each value noted as typed, at its time
        self._live_masker.echoes.schedule(typed[self._typed_fed:])
        self._typed_fed = len(typed)
        for e in self._live_masker.mask(batch):
            self._builder.feed(e)
        self._say(self._recording_line())
        if not self._refresh.isActive():
            self._refresh.start()

    def _show_live_steps(self) -> None:
        if self.state is State.RECORDING:
            self.steps_panel.show_steps(self._builder.steps(), bug_at=self._marked_ms(),
                                        errors=self._builder.error_lines())

    def moment(self, events: list[dict]) -> RecordedMoment | None:
        """The bug's moment of `events`, this recording's: the mark, else the last error
        recorded, else Stop (recorder.bug.recorded_moment)."""
        return recorded_moment(events, marked=self._marked_at, stopped=self._stopped_at)

    def report(self, moment: RecordedMoment | None) -> BugReport:
        """What is stored with the session besides its events: the bug report - its title,
        notes and moment, as Session > Bug Report… stores one (the steps are the events')."""
        return BugReport(title=self.title_edit.text().strip(),
                         notes=self.notes_edit.toPlainText().strip(),
                         at_ms=moment.at_ms if moment else None)

    def _store(self, events: list[dict]) -> None:
        from recorder import store as stores
        from recorder.format import InvalidEvent
        from recorder.limits import LimitError
        from recorder.said import heard

        if not events:
            self._fail("Nothing was recorded (the page sent no events) — nothing stored.")
            return
        moment = self.moment(events)
        written = self.report(moment)
        # a reproduction that crossed a session limit is stored as several sessions: the
        # title and notes go with each, the moment with the one it falls in
        parts = parts_reports(written, events)
        warned: list[str] = []
        try:
            # what the store warns of (events out of time order, invalid events skipped) is
            # said here, not on the terminal the app was started from - beside a failure too
            with heard() as warned, \
                    stores.Store.open(self.data_dir) as store:
                stored = store.ingest_outcomes(events, context_of=parts,
                                               masker_factory=masker_factory(
                                                   self._rules,
                                                   [*self._earlier(), *self.browser.typed]))
                ids = [s.id for s in stored]
                # it opens on the part the bug's moment fell in, at that moment of it
                reports = [from_context(_context_of(store, sid)) for sid in ids]
                on_bug = [(sid, r.at_ms) for sid, r in zip(ids, reports)
                          if r is not None and r.at_ms is not None]
                masked = masked_parts(written, reports[0])
        except (LimitError, InvalidEvent, OSError) as exc:
            self._fail(f"The recording was not stored: {str(exc).rstrip('.')}." + _notes(warned))
            return
        self._forget_typed()   # held for this recording's pass: what fields ended with, on
        self.session_id = on_bug[0][0] if on_bug else ids[0]
        if on_bug and moment is not None:
            moment = RecordedMoment(on_bug[0][1], moment.source)
        self._open_stored(self.session_id)
        self._set_state(State.STORED)
        more = f" (one of {len(ids)}: it crossed a session limit)" if len(ids) > 1 else ""
        replay = replay_command(self.data_dir, default_data_dir())
        self._say(f"Stored as session {self.session_id}{more}.{self._moment_said(moment)}"
                  f" Replay it with `{replay} play {self.session_id}`." + _masked_said(
                      masked, self.moment_help or "Session > Bug Report… in the app")
                  + _notes(warned))
        for sid in ids:
            self.sessionRecorded.emit(sid)

    def _moment_said(self, moment: RecordedMoment | None) -> str:
        """Where the stored session opens, and why there (the status line after Stop)."""
        if moment is None:
            return ""
        at = moment_text(moment.at_ms)
        why = {MomentFrom.MARK: "as marked",
               MomentFrom.LAST_ERROR: f"the last error recorded (nothing was marked: {MARK_BUG}"
                                      " while recording sets it)",
               MomentFrom.STOP: f"when Stop was pressed (nothing was marked, no error"
                                f" recorded: {MARK_BUG} while recording sets it)"}[moment.source]
        move = f"; {self.moment_help} moves it" if self.moment_help else ""
        return f" It opens on the bug, at {at}: {why}{move}."

    def _earlier(self) -> list[str]:
        """The values earlier recordings of the site being recorded ended with."""
        return self._earlier_typed.get(self._typed_site, [])

    def _forget_typed(self) -> None:
        """This recording's typed values go, but what each field ended with (`ended_with`),
        kept for the next recordings of the site it began on (`_earlier_typed`)."""
        self._earlier_typed[self._typed_site] = list(dict.fromkeys(
            [*self._earlier(), *ended_with(self.browser.typed)]))
        self.browser.typed.clear()

    def _fail(self, why: str) -> None:
        self._forget_typed()
        self._set_state(State.BROWSING)
        self._say(why, error=True)
        self.recordingFailed.emit(why)

    def _open_stored(self, sid: str) -> None:
        """The steps of the session as stored (after the privacy pass), and - unless the host
        opens it itself - the session in the player, in place of the browser, its report
        (the title and notes as stored - the rules' detectors applied - and the steps) the
        player's first tab."""
        from recorder.source import open_recording

        source = open_recording(sid, self.data_dir)
        read = StepsBuilder()
        for e in source.events():
            read.feed(e)
        self.steps = read.steps()
        self.steps_panel.show_steps(self.steps, errors=read.error_lines())
        if not self.open_in_player:
            source.close()
            return
        from player.qt.replay_widget import ReplayWidget

        self._drop_player()
        report = from_context(source.info.context if source.info else None) or BugReport()
        self.player = ReplayWidget(source, self,
                                   report=msgspec.structs.replace(report, steps=self.steps))
        self.player.export_menu.exported.connect(self._say)   # what was written, or not
        self.player.export_menu.moment_help = self.moment_help
        self.player.said.connect(self._said_by_player)   # a link copied, no error after this
        self.stack.addWidget(self.player)
        self.stack.setCurrentWidget(self.player)
        if report.at_ms is not None:   # on the bug, as every player of the session opens
            self.player.seek(int(report.at_ms))
        title = report.title
        self.stored_label.setText(f"Stored as session {short_id(sid)}"
                                  + (f" — {title}" if title else ""))
        self.stored_label.setToolTip(plain_tip(f"Session {sid}" + (f"\n{title}" if title else "")))
        self.side.hide()

    def on_show(self) -> tuple[str, int] | None:
        """The stored session the page shows and the moment on show in its player (what
        the host's Bug Report… edits); None while browsing or recording."""
        if self.state is not State.STORED or self.player is None or self.session_id is None:
            return None
        return self.session_id, self.player.current_ms()

    def let_go_of(self, sid: str) -> int | None:
        """Before the host rewrites `sid` (its bug report saved): the player on it goes, and
        the moment it was at is returned, for `show_again`; None when `sid` is not shown."""
        shown = self.on_show()
        if shown is None or shown[0] != sid:
            return None
        self._drop_player()
        self.side.hide()   # (the stored session's page has no form: it comes back)
        return shown[1]

    def show_again(self, sid: str, at_ms: int) -> None:
        """`sid`, let go of for a rewrite, shown again as stored now (its new report with
        it) at `at_ms` - unless the page moved on meanwhile (New recording)."""
        if self.state is State.STORED and self.session_id == sid and self.player is None:
            self._open_stored(sid)
            self.player.seek(at_ms)

    def new_recording(self) -> None:
        """Back to the browser, for the next bug."""
        if self.state is State.RECORDING or self.state is State.STORING:
            return
        self._drop_player()
        self.stack.setCurrentWidget(self.view)
        self.title_edit.clear()
        self.notes_edit.clear()
        self.steps_panel.show_steps([], errors=[])
        self._set_state(State.BROWSING)

    def _drop_player(self) -> None:
        """The stored session's player goes - once its export under way, if any, has
        ended (deleted under it, the export crashed the app)."""
        if self.player is not None:
            from player.qt.standalone import dispose

            self.side.setVisible(self.panel_button.isChecked())
            self.stack.removeWidget(self.player)
            player, self.player = self.player, None
            player.export_menu.when_idle(lambda: dispose(player))

    # --- state --------------------------------------------------------------------------------
    def _set_state(self, state: State) -> None:
        self.state = state
        recording = state is State.RECORDING
        self.record_button.setText("■ Stop" if recording else "● Record")
        self.record_button.setToolTip(
            f"Stop recording and store the session ({RECORD_KEYS})" if recording else
            f"Record what you do on this page from now on ({RECORD_KEYS})")
        self.record_button.setEnabled(state is not State.STORING)
        self.record_button.setStyleSheet(
            "QPushButton { color: white; background: #c62828; font-weight: bold;"
            " border-radius: 4px; padding: 4px 10px; }" if not recording else
            "QPushButton { color: white; background: #424242; font-weight: bold;"
            " border-radius: 4px; padding: 4px 10px; }")
        stored = state is State.STORED
        self.new_button.setVisible(stored)
        self.stored_label.setVisible(stored)
        # the stored player below has no address and nothing to record: the browser's
        # controls go, not just grey
        for w in (self.address, self.back_button, self.reload_button, self.record_button,
                  self.width_box, self.size_label, self.panel_button):
            w.setVisible(not stored)
        self.record_keys.setEnabled(not stored)
        self.panel_keys.setEnabled(not stored)
        self.mark_button.setVisible(recording)
        self.discard_button.setVisible(recording)
        self.mark_keys.setEnabled(recording)   # (its key is the page's the rest of the time)
        if state is State.BROWSING:
            self._say("Browse to the page with the bug, then press Record. Nothing is kept"
                      " until you do.")
        elif state is State.RECORDING:
            self._say(self._recording_line())
        elif state is State.STORING:
            self._say("Storing the recording…")

    def _say(self, text: str, *, error: bool = False, more: str = "") -> None:
        self.status.setText(text)
        self.status.setToolTip(plain_tip(more))
        self.status.setStyleSheet("color: #c62828;" if error else "")

    def _said_by_player(self, line: str, more: str) -> None:
        self._say(line, more=more)

    def close_browser(self) -> None:
        """Release the web pages now (the host calls this before the app quits)."""
        from PySide6.QtCore import QCoreApplication, QEvent

        self._drop_player()
        self.stack.removeWidget(self.view)
        self.view.deleteLater()     # the view, then the page, then its profile
        self.browser.close()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _now_ms() -> float:
    """Now, in epoch ms: the clock the page stamps its events by (the same machine's)."""
    return time.time() * 1000


def _masked_said(parts: list[str], edited_by: str) -> str:
    """What the status line after Stop says of a title or notes stored otherwise than
    written (a QA's tryout: the notes' coupon code became *** with nothing said of it - the
    code was typed into a masked field, and the pass masks its echoes as the page's)."""
    if not parts:
        return ""
    were = "was" if parts == ["title"] else "were"
    return (f" Its {' and '.join(parts)} {were} stored masked in part, as the page's text is"
            " (*** for what was typed into a masked field, x's for personal data) -"
            f" {edited_by} shows and edits them.")


def _notes(warned: list[str]) -> str:
    """What the store warned of while a recording was stored, as the status line goes on."""
    return "".join(f" Note: {line}." for line in warned)


def _capture_options(rules: Rules) -> dict:
    """capture.js's options in the recording browser: the rules, masked by in the page."""
    return {"rules": rules.to_json()}


def _bold(f: QFont) -> QFont:
    f.setBold(True)
    return f


def _context_of(store, session_id: str) -> dict | None:
    """A stored session's context, as its index row holds it."""
    info = store.index.session(session_id)
    return info.context if info is not None else None
