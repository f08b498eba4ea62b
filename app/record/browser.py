"""The recording browser: a QtWebEngine page with JavaScript ON (a person's own browsing, not a
replay), recorded by capture.js (record mode; `recorder="capture"`) or by rrweb's recorder
(vendored in assets/vendor/rrweb) with its console plugin and our RUM shim (the harness's
default, the benchmarks' real sessions), and a bridge that streams every event to Python over a
QWebChannel as it is emitted, so a navigation loses nothing.

Its profile is its own, off the record (no cache or cookies kept), and never the player's: the
player's profile runs no page script and reaches no network (player/qt/webview.py), this one
does both. Record mode (app/record/page.py) and the test harness
(replay_tools/browser_recorder.py, which adds scripted steps) drive it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QFile, QIODevice, QObject, QTimer, Signal, Slot
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile, QWebEngineScript

from recorder.paths import ASSETS, SHADOW_KEEPER, capture_script, early_keeper_script
from recorder.privacy.echoes import Typed, typed_values

VENDOR = ASSETS / "vendor" / "rrweb"
RRWEB_UMD = "rrweb.umd.min.js"
CONSOLE_PLUGIN_UMD = "rrweb-plugin-console-record.umd.min.js"
RUM_SHIM = ASSETS / "rum-shim" / "rum-plugin.js"
BRIDGE = ASSETS / "browser-recorder" / "bridge.js"
INTAKE_SENDER = ASSETS / "browser-recorder" / "intake-sender.js"
SHADOW_KEEPER_NAME = "replay-recorder/shadow-keeper"
EARLY_KEEPER_NAME = "replay-recorder/early-keeper"
# Which recorder runs in the page: rrweb's (with its console plugin and our RUM shim), or our
# own capture.js, which masks at capture time from `record_options["rules"]` (Rules.to_json()).
RECORDERS = ("rrweb", "capture")
# The injected script's name, which is also its frames' URL (userscript:NAME). capture.js's
# ends as the intake serves it: capture.js leaves its own frames out of console traces by
# that name (else the page's console.error calls would show its wrapper as their top frame).
SCRIPT_NAMES = {"rrweb": "replay-recorder", "capture": "replay-recorder/capture.js"}
DRAIN_POLL_MS = 10       # how often Stop checks that the page's last events have arrived
DRAIN_LIMIT_MS = 3000    # ... and for how long, before storing what did arrive


class RecorderMissing(RuntimeError):
    """A piece of the injected recorder is not where it should be."""


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RecorderMissing(f"{what} not found at {path}") from None


def _umd(source: str) -> str:
    """Load a UMD bundle as a plain global even if the page defines AMD/CommonJS names."""
    source = source.replace("//# sourceMappingURL=", "//# no-sourcemap=")
    return ("(function(){var exports=undefined,module=undefined,define=undefined;\n"
            + source + "\n}).call(window);\n")


def _channel_js() -> str:
    import PySide6.QtWebChannel  # noqa: F401 - registers the qwebchannel.js resource

    f = QFile(":/qtwebchannel/qwebchannel.js")
    if not f.open(QIODevice.ReadOnly):
        raise RecorderMissing("Qt's qwebchannel.js is missing from this PySide6 build")
    try:
        return bytes(f.readAll()).decode("utf-8")
    finally:
        f.close()


def injected_script(record_options: dict[str, Any], umd: tuple[Path, Path] | None = None,
                    missing_hint: str = "", intake: dict[str, Any] | None = None,
                    recorder: str = "rrweb") -> str:
    """The JavaScript injected into every recorded page, in order: QWebChannel's client,
    rrweb, its console plugin, with `intake` ({url, app, token, session_id, user?}) a sender
    to a live intake, the RUM shim, the shadow keeper, the bridge that starts recording with
    `record_options`.
    `umd`: the rrweb and console-plugin UMD builds (default: vendored). With
    `recorder="capture"`: QWebChannel's client, the capture script as the intake serves it
    (recorder.paths.capture_script), the bridge."""
    if recorder not in RECORDERS:
        raise ValueError(f"unknown recorder {recorder!r} (use one of {', '.join(RECORDERS)})")
    bridge = _read_text(BRIDGE, "the recorder bridge").replace(
        "__REPLAY_RECORD_OPTIONS__", json.dumps(record_options))
    if recorder == "capture":
        return "\n;\n".join([_channel_js(), capture_script(), bridge])
    rrweb_umd, console_umd = umd or (VENDOR / RRWEB_UMD, VENDOR / CONSOLE_PLUGIN_UMD)
    try:
        rrweb = _umd(_read_text(rrweb_umd, "rrweb's recorder"))
        console = _umd(_read_text(console_umd, "rrweb's console plugin"))
    except RecorderMissing as exc:
        raise RecorderMissing(f"{exc}{missing_hint}") from None
    parts = [_channel_js(), rrweb, console]
    if intake:   # before the RUM shim: its requests are ours, not the page's
        parts.append(_read_text(INTAKE_SENDER, "the intake sender").replace(
            "__REPLAY_INTAKE__", json.dumps(intake)))
    # the shadow keeper before the bridge, which hooks every realm through it
    return "\n;\n".join(parts + [_read_text(RUM_SHIM, "the RUM shim"),
                                  _read_text(SHADOW_KEEPER, "the shadow keeper"), bridge])


class _Sink(QObject):
    """The Python end of the bridge: batches of events, per document."""
    arrived = Signal(int)   # how many events the batch added

    def __init__(self, browser: "RecordingBrowser"):
        super().__init__(browser)
        self._browser = browser

    @Slot(str)
    def push(self, message: str) -> None:
        batch = json.loads(message)
        events = batch["events"]
        typed = batch.get("typed")
        if isinstance(typed, list):   # before the events: their echoes are masked live too
            self._browser.typed.extend(typed_values(typed))
        self._browser.events.extend(events)
        self._browser.received[batch["doc"]] = batch["upto"]
        self.arrived.emit(len(events))


class RecordingPage(QWebEnginePage):
    """The recorded page. The page's console is kept (bounded) for diagnosis; with
    `answer_dialogs`, JavaScript dialogs are answered at once as a person clicking OK would
    (an offscreen recording would otherwise wait on them for ever)."""

    MAX_MESSAGES = 1000
    MAX_MESSAGE_CHARS = 500

    def __init__(self, profile: QWebEngineProfile, parent: QObject | None = None, *,
                 answer_dialogs: bool = False):
        super().__init__(profile, parent)
        self.answer_dialogs = answer_dialogs
        self.messages: list[str] = []

    def note(self, text: str) -> None:
        if len(self.messages) < self.MAX_MESSAGES:
            self.messages.append(text[:self.MAX_MESSAGE_CHARS])

    def javaScriptConsoleMessage(self, level, message, line, source):  # noqa: N802 (Qt)
        self.note(f"{source}:{line}: {message}")

    def javaScriptAlert(self, origin, message):  # noqa: N802 (Qt)
        if not self.answer_dialogs:
            return super().javaScriptAlert(origin, message)
        self.note(f"alert: {message}")

    def javaScriptConfirm(self, origin, message):  # noqa: N802 (Qt)
        if not self.answer_dialogs:
            return super().javaScriptConfirm(origin, message)
        self.note(f"confirm (answered OK): {message}")
        return True

    def javaScriptPrompt(self, origin, message, default):  # noqa: N802 (Qt)
        if not self.answer_dialogs:
            return super().javaScriptPrompt(origin, message, default)
        self.note(f"prompt (answered with its default): {message}")
        return True, default


def _stop_status(status: Any) -> dict | None:
    """What the page's bridge said when stopped - {"doc", "emitted"} as JSON - or None when it
    said nothing usable: no bridge, or one not connected yet (a page of another site just
    loaded, in a renderer of its own, answers ""), whose events cannot come: Stop stores what
    did. (Parsing "" raised in the callback, so Stop never finished: "Storing..." for ever.)"""
    try:
        st = json.loads(status) if isinstance(status, str) and status else None
    except ValueError:
        return None
    ok = isinstance(st, dict) and isinstance(st.get("emitted"), int) and "doc" in st
    return st if ok else None


class RecordingBrowser(QObject):
    """The profile, page, script injection and event bridge - no view (put `page` in one).

    `arm()` injects the recorder into every document loaded from then on and `record_now()`
    into the current one; events arrive in `events` (and `eventsArrived`). `stop(done)` ends
    recording in the page, waits (bounded) for its last events, disarms, and calls
    `done(events)`."""

    eventsArrived = Signal(int)

    def __init__(self, record_options: dict[str, Any], parent: QObject | None = None, *,
                 umd: tuple[Path, Path] | None = None, answer_dialogs: bool = False,
                 missing_hint: str = "", intake: dict[str, Any] | None = None,
                 recorder: str = "rrweb"):
        super().__init__(parent)
        self.events: list[dict] = []
        self.received: dict[str, int] = {}   # document id -> events received from it
        # values typed into masked fields (bridge.js's `typed`), for the privacy pass to mask
        # their echoes: in this process's memory only, never stored, shown or logged
        self.typed: list[Typed] = []
        self._umd, self._missing_hint, self._intake = umd, missing_hint, intake
        self._recorder = recorder
        self.script_source = injected_script(record_options, umd, missing_hint, intake, recorder)
        # Off the record (a profile without a storage name): nothing kept between recordings;
        # and its own - never the player's JavaScript-off profile.
        # Both are children of this object, the page first: children are deleted in that
        # order, and a page must go before its profile.
        self.profile = QWebEngineProfile()
        self.page = RecordingPage(self.profile, self, answer_dialogs=answer_dialogs)
        self.profile.setParent(self)
        self._sink = _Sink(self)
        self._sink.arrived.connect(self.eventsArrived)
        self._channel = QWebChannel(self.page)
        self._channel.registerObject("recorder", self._sink)
        self.page.setWebChannel(self._channel, QWebEngineScript.MainWorld)
        self._script = QWebEngineScript()
        self._script.setName(SCRIPT_NAMES[recorder])
        self._script.setSourceCode(self.script_source)
        self._script.setInjectionPoint(QWebEngineScript.DocumentCreation)
        self._script.setWorldId(QWebEngineScript.MainWorld)  # rrweb must see the page's own DOM
        self._script.setRunsOnSubFrames(False)
        # the recorder learns closed shadow roots' fields (rrweb's bridge, capture.js); a
        # frame's scripts make theirs before the recorder sees the frame: kept from each
        # document's creation
        self._keeper = QWebEngineScript()
        self._keeper.setName(SHADOW_KEEPER_NAME)
        self._keeper.setSourceCode(_read_text(SHADOW_KEEPER, "the shadow keeper"))
        self._keeper.setInjectionPoint(QWebEngineScript.DocumentCreation)
        self._keeper.setWorldId(QWebEngineScript.MainWorld)
        self._keeper.setRunsOnSubFrames(True)
        # capture.js: the page's console lines and errors from its start are kept (the install
        # snippet's first lines, recorder.paths.early_keeper) in every page opened, recorded
        # or not, until capture.js takes them - Record pressed on a page already open records
        # its lines since it loaded, as its requests are (the RUM plugin reads those from the
        # browser's own buffer). In the page's memory only: nothing leaves it before Record.
        # Never taken out, and in first: at a recorded page's start it runs before capture.js,
        # whose console wrapper stays the outer one (its traces leave only its own frames out).
        if recorder == "capture":
            early = QWebEngineScript()
            early.setName(EARLY_KEEPER_NAME)
            early.setSourceCode(early_keeper_script())
            early.setInjectionPoint(QWebEngineScript.DocumentCreation)
            early.setWorldId(QWebEngineScript.MainWorld)
            early.setRunsOnSubFrames(False)   # (as capture.js: the page's console, not its frames')
            self.page.scripts().insert(early)

    def configure(self, record_options: dict[str, Any]) -> None:
        """Record with these options from the next `arm` / `record_now` on (rules change)."""
        armed = self.armed
        self.disarm()
        self.script_source = injected_script(record_options, self._umd, self._missing_hint,
                                             self._intake, self._recorder)
        self._script.setSourceCode(self.script_source)
        if armed:
            self.arm()

    @property
    def armed(self) -> bool:
        return bool(self.page.scripts().find(self._script.name()))

    def arm(self) -> None:
        """Record every document loaded from now on (the shadow keeper first, in every
        frame)."""
        if not self.armed:
            self.page.scripts().insert(self._keeper)
            self.page.scripts().insert(self._script)

    def disarm(self) -> None:
        for name in (self._script.name(), SHADOW_KEEPER_NAME):
            for s in self.page.scripts().find(name):
                self.page.scripts().remove(s)

    def record_now(self) -> None:
        """Start recording the document shown now (rrweb takes its full snapshot at once)."""
        self.page.runJavaScript(self.script_source, QWebEngineScript.MainWorld)

    def stop(self, done: Callable[[list[dict]], None]) -> None:
        """Flush the RUM shim (pending click chain, final view update), stop rrweb, wait
        for the events the page reported emitting, disarm, then `done(events)`."""
        self.disarm()
        js = ("(function(){var b=window.__replayBridge; if(!b) return null;"
              " b.finish(); return JSON.stringify(b.stop());})()")
        self.page.runJavaScript(js, QWebEngineScript.MainWorld,
                                lambda status: self._drain_then(status, done, 0))

    def _drain_then(self, status: Any, done: Callable[[list[dict]], None], waited: int) -> None:
        st = _stop_status(status)
        if st is None or self.received.get(st["doc"], 0) >= st["emitted"] \
                or waited >= DRAIN_LIMIT_MS:
            done(list(self.events))
            return
        QTimer.singleShot(DRAIN_POLL_MS,
                          lambda: self._drain_then(status, done, waited + DRAIN_POLL_MS))

    def close(self) -> None:
        """Delete the page, then its profile (Qt warns of trouble the other way round);
        whatever view shows the page must have let go of it (`view.setPage(None)`)."""
        self.disarm()
        self.page.deleteLater()
        self.profile.deleteLater()
