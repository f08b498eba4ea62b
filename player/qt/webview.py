"""The sandboxed web view the replay is painted in — every QtWebEngine specific lives here.

Three locks keep a recording inert:
- JavaScript is off in the page's main world: no recorded script can run, whatever slipped in.
- A request interceptor blocks every request that is not our own `replay-asset:` scheme or a
  `data:` URL, and remembers what it blocked (the sanitizer rewrites external URLs to
  `replay-blocked:`, which is blocked too — and counted, so a test can prove nothing left).
- Our replay runtime runs in QWebEngineScript.ApplicationWorld, an isolated JavaScript world
  the page cannot see into, and builds the DOM node by node from sanitized trees.

Schemes must be registered before the QApplication exists, so importing this module does it.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QUrl, Signal
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineScript,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)

from recorder.paths import ASSETS

log = logging.getLogger(__name__)

ASSET_SCHEME = b"replay-asset"
BLOCKED_SCHEME = b"replay-blocked"
SHELL_URL = QUrl("replay-asset:/shell")
RUNTIME_JS = ASSETS / "runtime" / "replay-runtime.js"
WORLD = QWebEngineScript.ScriptWorldId.ApplicationWorld

# What Chrome's own style sheet gives that QtWebEngine's does not: Chrome draws a form
# control with no font of the page's own (a plain <button>, an input's placeholder) in the
# system's sans; QtWebEngine leaves the system font unset (Chromium's --system-font-family
# reaches its renderer too late to rely on), so the page's standard font showed - a serif.
# The runtime puts it in the lowest cascade layer of each document it builds (every rule of
# the page wins); the tests' live pages get it too, for the moment they are pictured
# (replay_tools.browser_recorder), so both show what Chrome would. Not a <textarea>: Chrome's
# is monospace, as QtWebEngine's own sheet has it (sans, its lines wrapped elsewhere).
ENGINE_CSS = "button,input,select{font-family:sans-serif}"

# The document the runtime builds into. Standards mode; the recorded <html> replaces ours.
SHELL_HTML = (b"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title></title></head>"
              b"<body></body></html>")


def _register_schemes() -> None:
    from PySide6.QtCore import QCoreApplication
    if QCoreApplication.instance() is not None:
        # Too late to register (Qt ignores it); only a problem if the schemes are missing.
        if QWebEngineUrlScheme.schemeByName(ASSET_SCHEME).name().isEmpty():
            log.warning("replay schemes registered after QApplication: import player.qt.webview "
                        "before creating the application")
        return
    for name in (ASSET_SCHEME, BLOCKED_SCHEME):
        if not QWebEngineUrlScheme.schemeByName(name).name().isEmpty():
            continue
        s = QWebEngineUrlScheme(name)
        s.setSyntax(QWebEngineUrlScheme.Syntax.Path)
        if name == ASSET_SCHEME:
            # Not a LocalScheme: Chromium would then refuse remote loads itself, silently,
            # before our interceptor sees them; we want every request to reach the guard
            # (blocked and logged there), not some dropped out of sight.
            s.setFlags(QWebEngineUrlScheme.Flag.SecureScheme)
        QWebEngineUrlScheme.registerScheme(s)


_register_schemes()


class RequestGuard(QWebEngineUrlRequestInterceptor):
    """Blocks every request except our scheme and data: URLs, and keeps a log of both."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._lock = threading.Lock()  # interceptRequest may run off the GUI thread
        self.blocked: list[str] = []
        self.allowed: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802 (Qt)
        url = info.requestUrl()
        scheme = url.scheme()
        if scheme == ASSET_SCHEME.decode() or scheme == "data":
            with self._lock:
                self.allowed.append(url.toString()[:200])
            return
        info.block(True)
        with self._lock:
            # keep the URL without query/fragment: never log more of a recording than needed
            self.blocked.append(url.toString().split("?", 1)[0].split("#", 1)[0][:200])

    def clear(self) -> None:
        with self._lock:
            self.blocked.clear()
            self.allowed.clear()


AssetResolver = Callable[[str], "tuple[bytes, str] | None"]  # key -> (bytes, mime type)


class AssetSchemeHandler(QWebEngineUrlSchemeHandler):
    """Serves `replay-asset:/shell` (the empty document the runtime builds into) and
    `replay-asset:/a/KEY` from assets stored in the recording (via a resolver)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.resolver: AssetResolver | None = None

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:  # noqa: N802 (Qt)
        path = job.requestUrl().path()
        if path in ("/shell", "shell"):
            self._reply(job, SHELL_HTML, b"text/html")
            return
        key = path.split("/a/", 1)[1] if "/a/" in path else ""
        found = self.resolver(key) if (key and self.resolver) else None
        if found is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        data, mime = found
        self._reply(job, data, mime.encode())

    @staticmethod
    def _reply(job: QWebEngineUrlRequestJob, data: bytes, mime: bytes) -> None:
        buf = QBuffer(parent=job)
        buf.setData(QByteArray(data))
        buf.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(mime, buf)


class BlockedSchemeHandler(QWebEngineUrlSchemeHandler):
    """`replay-blocked:` URLs are what the sanitizer left of external URLs; never served."""

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:  # noqa: N802 (Qt)
        job.fail(QWebEngineUrlRequestJob.Error.RequestDenied)


class ReplayProfile(QWebEngineProfile):
    """Off-the-record profile: no cache, cookies or storage on disk; the guard and our schemes."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)  # no storage name = off the record
        self.guard = RequestGuard(self)
        self.assets = AssetSchemeHandler(self)
        self._blocked_handler = BlockedSchemeHandler(self)
        self.setUrlRequestInterceptor(self.guard)
        self.installUrlSchemeHandler(ASSET_SCHEME, self.assets)
        self.installUrlSchemeHandler(BLOCKED_SCHEME, self._blocked_handler)
        self.setHttpCacheType(QWebEngineProfile.HttpCacheType.NoCache)
        self.setPersistentCookiesPolicy(QWebEngineProfile.PersistentCookiesPolicy.NoPersistentCookies)


def runtime_script() -> QWebEngineScript:
    script = QWebEngineScript()
    script.setName("replay-runtime")
    script.setSourceCode(RUNTIME_JS.read_text(encoding="utf-8"))
    script.setInjectionPoint(QWebEngineScript.InjectionPoint.DocumentReady)
    script.setWorldId(WORLD)
    script.setRunsOnSubFrames(False)
    return script


class ReplayPage(QWebEnginePage):
    """A page with the main world's JavaScript off and the runtime in ApplicationWorld."""

    runtimeReady = Signal()

    def __init__(self, profile: ReplayProfile, parent: QObject | None = None):
        super().__init__(profile, parent)
        s = self.settings()
        A = QWebEngineSettings.WebAttribute
        for attr, on in ((A.JavascriptEnabled, False), (A.JavascriptCanOpenWindows, False),
                         (A.JavascriptCanAccessClipboard, False), (A.LocalStorageEnabled, False),
                         (A.PluginsEnabled, False), (A.AutoLoadIconsForPage, False),
                         (A.LocalContentCanAccessRemoteUrls, False), (A.WebGLEnabled, False),
                         (A.HyperlinkAuditingEnabled, False), (A.PdfViewerEnabled, False),
                         (A.FocusOnNavigationEnabled, False), (A.ShowScrollBars, True),
                         (A.PlaybackRequiresUserGesture, True), (A.DnsPrefetchEnabled, False),
                         (A.AutoLoadImages, True), (A.ErrorPageEnabled, False)):
            s.setAttribute(attr, on)
        self.scripts().insert(runtime_script())
        self.ready = False
        self.loadFinished.connect(self._on_load)

    def load_shell(self) -> None:
        self.ready = False
        self.load(SHELL_URL)

    def _on_load(self, ok: bool) -> None:
        if ok and self.url() == SHELL_URL:
            self.ready = True
            self.runtimeReady.emit()

    # Links and form submissions inside a replay never navigate anywhere.
    def acceptNavigationRequest(self, url, nav_type, is_main_frame):  # noqa: N802 (Qt)
        return url == SHELL_URL

    def javaScriptConsoleMessage(self, level, message, line, source):  # noqa: N802 (Qt)
        log.debug("runtime console: %s (%s:%s)", message, source, line)

    def run_isolated(self, code: str, callback: Callable | None = None) -> None:
        """Run code in the runtime's isolated world (PySide6: script, worldId, callback)."""
        if callback is None:
            self.runJavaScript(code, WORLD)
        else:
            self.runJavaScript(code, WORLD, callback)
