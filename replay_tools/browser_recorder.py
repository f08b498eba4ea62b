"""Real-browser recordings: a QtWebEngine page recorded by rrweb's own recorder (npm's build, vendored).

The recording browser is the shipped one record mode uses (`app.record.browser`: a real
Chromium with the page's JavaScript ON, rrweb + its console plugin + our RUM shim + the bridge
injected at document creation, events streamed over a QWebChannel). This harness adds what a
test needs and the app does not: scripted steps, blocking waits, live-DOM captures.

Steps act as a person would: `Click` moves the mouse there and presses the real button,
`Type` sends real key events to the focused element, so rrweb sees genuine input.
`CaptureDom` records the live DOM and a screenshot of the live page (what the view shows,
as PNG) together with how many events had been emitted at that moment — the rebuild at that
event index must look the same (`replay_tools.pixels` compares the pictures).

    rec = record_page(url, [Type("#email", "ada@example.com"), Click("#pay"),
                            CaptureDom("paid")])
    rec.events           # rrweb events (raw dicts)
    rec.dom_snapshots    # [LiveDom(label, event_count, ...)]

Standalone scripts must set QT_QPA_PLATFORM=offscreen (and QTWEBENGINE_DISABLE_SANDBOX=1
when running as root) before importing this module; `ensure_offscreen_env()` does that.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Union

# the static server for demo and test pages ships (the demo shop's server uses it)
from recorder.intake.page_server import PageServer  # noqa: F401


REPO = Path(__file__).resolve().parent.parent  # a checkout: the harness is not shipped
NPM_RRWEB_DIR = REPO / "tests" / "browser" / "node_modules"   # what assets/vendor/rrweb copies
NPM_RRWEB_UMD = Path("rrweb/dist/rrweb.umd.min.cjs")
NPM_CONSOLE_PLUGIN_UMD = Path(
    "@rrweb/rrweb-plugin-console-record/dist/rrweb-plugin-console-record.umd.min.cjs")

# rrweb's defaults, spelled out: inputs are recorded, only passwords are masked. Recording
# starts at DOMContentLoaded (rrweb 2 waits for `load` otherwise, and would miss the console
# output and DOM changes of the page's own start-up scripts).
DEFAULT_RECORD_OPTIONS: dict[str, Any] = {"maskInputOptions": {"password": True},
                                          "recordAfter": "DOMContentLoaded"}
# The same for capture.js (`recorder="capture"`): record in clear what rrweb's defaults record
# in clear; the always-masked inputs (password, email, tel, cc-*) stay masked at every level.
DEFAULT_CAPTURE_RULES: dict[str, Any] = {"default": "allow"}
# capture.js's record options besides its rules, passed through to ReplayCapture.record/start
CAPTURE_OPTIONS = ("recordCanvas", "canvasFps")
# the JavaScript world the harness's own page scripts run in (not the page's, world 0)
OWN_WORLD = 17


def ensure_offscreen_env() -> None:
    """For standalone scripts: render without a screen; Chromium's sandbox refuses root."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


class BrowserRecordingError(RuntimeError):
    """The recording browser could not do what was asked (timeout, missing element, no rrweb)."""


# ---- steps --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Click:
    """Move the mouse to the centre of the first element matching `selector` and click it
    (real mouse events). `count` > 1 clicks repeatedly, `interval_ms` apart (rage clicks).
    With `frame`, the element is in the document of the same-origin iframe `frame` matches."""
    selector: str
    count: int = 1
    interval_ms: int = 120
    frame: str | None = None


@dataclass(frozen=True)
class Hover:
    """Move the mouse over the element's centre (real mouse-move events), no click."""
    selector: str
    duration_ms: int = 300


@dataclass(frozen=True)
class Type:
    """Focus the element and type `text` with real key events, `delay_ms` between keys
    ("\n" Return, "\t" Tab, "\b" Backspace). `clear=True` selects the current value first so
    the text replaces it. On a <select>, letters pick the matching option, as on a keyboard."""
    selector: str
    text: str
    delay_ms: int = 25
    clear: bool = False


@dataclass(frozen=True)
class Scroll:
    """Scroll the window (selector None) or the element to vertical position `y`."""
    selector: str | None
    y: int
    x: int = 0


@dataclass(frozen=True)
class Wait:
    ms: int


@dataclass(frozen=True)
class Eval:
    """Evaluate a JavaScript expression in the page (wrap statements in an arrow function
    call); its JSON-able value is kept in `Recording.eval_results`."""
    js: str


@dataclass(frozen=True)
class CaptureDom:
    """Record the live DOM (after `settle_ms`, so throttled scroll events are out)."""
    label: str
    settle_ms: int = 250


@dataclass(frozen=True)
class WaitFor:
    """Wait until an element matching `selector` exists (and is visible if `visible`)."""
    selector: str
    visible: bool = True


Step = Union[Click, Hover, Type, Scroll, Wait, Eval, CaptureDom, WaitFor]


@dataclass
class LiveDom:
    """The live DOM at one moment, next to the recording position it corresponds to.

    `event_count`: events[:event_count] had been emitted when it was taken; the DOM rebuilt
    from them should equal `tree`. `tree` nodes: elements `{"id", "tag", "attrs", "children",
    "value"?, "checked"?, "selected"?, "scroll"? [x, y], "css"? [rule texts]}`, text
    `{"id", "text"}`, comments `{"id", "comment"}`; `id` is rrweb's node id (-1: not recorded).
    """
    label: str
    event_count: int
    last_timestamp: int | None
    taken_at: int
    url: str
    title: str
    width: int
    height: int
    scroll: tuple[int, int]
    tree: dict
    png: bytes = field(default=b"", repr=False)   # the live page's pixels then (the view, 1:1)

    def find(self, pred: Callable[[dict], bool]) -> list[dict]:
        """All element/text nodes of `tree` for which pred(node) is true, document order."""
        out, stack = [], [self.tree]
        while stack:
            n = stack.pop()
            if pred(n):
                out.append(n)
            stack.extend(reversed(n.get("children", ())))
        return out

    def by_id(self, node_id: int) -> dict | None:
        found = self.find(lambda n: n.get("id") == node_id)
        return found[0] if found else None


@dataclass
class Recording:
    events: list[dict]
    dom_snapshots: list[LiveDom] = field(default_factory=list)
    eval_results: list[Any] = field(default_factory=list)
    page_messages: list[str] = field(default_factory=list)  # the page's console, for diagnosis
    intake_status: dict | None = None   # with `intake=`: what the sender's requests got

    def snapshot(self, label: str) -> LiveDom:
        for s in self.dom_snapshots:
            if s.label == label:
                return s
        raise KeyError(label)


# ---- the recording browser ------------------------------------------------------------------

_NPM_HINT = (" - install the recorder with `npm ci --prefix tests/browser` (or pass"
             " rrweb_dir=)")


def npm_umd(rrweb_dir: Path | None) -> tuple[Path, Path] | None:
    """rrweb's and its console plugin's UMD builds in an npm node_modules folder."""
    if rrweb_dir is None:
        return None
    return Path(rrweb_dir) / NPM_RRWEB_UMD, Path(rrweb_dir) / NPM_CONSOLE_PLUGIN_UMD


def injected_script(rrweb_dir: Path | None = None, record_options: dict | None = None,
                    intake: dict | None = None) -> str:
    """The JavaScript injected into every recorded page (app.record.browser.injected_script),
    with rrweb from `rrweb_dir` (an npm node_modules folder; default: the vendored copy)."""
    from app.record.browser import RecorderMissing, injected_script as shipped

    try:
        return shipped(_options(record_options), npm_umd(rrweb_dir), _NPM_HINT, intake)
    except RecorderMissing as exc:
        raise BrowserRecordingError(str(exc)) from None


def _options(record_options: dict | None, recorder: str = "rrweb",
             intake: dict | None = None) -> dict:
    """rrweb.record's options; for capture.js, `{"rules": Rules.to_json()}` and its own
    options (`recordCanvas`, `canvasFps`)."""
    if recorder == "capture":   # with `intake`, capture.js sends to it itself
        given = record_options or {}
        return {"rules": given.get("rules") or DEFAULT_CAPTURE_RULES, "intake": intake,
                **{k: given[k] for k in CAPTURE_OPTIONS if k in given}}
    options = dict(DEFAULT_RECORD_OPTIONS)
    options.update(record_options or {})
    return options


def _qapp():
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication([])
    return app


# Counts the keyups a window has handled (capture phase, so no page handler can hide one);
# installed once per window, gives the count so far. %s: the window.
_KEYUPS_JS = ("(function(w){if(!('__replayKeyups' in w)){w.__replayKeyups=0;"
              "w.addEventListener('keyup', function(){w.__replayKeyups++;}, true);}"
              "return w.__replayKeyups;})(%s)")


def _spin(ms: int) -> None:
    """Let Qt (and the page) run for `ms` milliseconds."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(max(0, int(ms)), loop.quit)
    loop.exec()


class BrowserRecorder:
    """One offscreen recording browser window. `record_page` is the usual entry point;
    use this class directly to record several pages in one window (`open`, `run`, `finish`).
    """

    def __init__(self, *, rrweb_dir: Path | None = None, record_options: dict | None = None,
                 timeout_s: float = 20.0, viewport: tuple[int, int] = (1280, 800),
                 browser=None, view=None, intake: dict | None = None, recorder: str = "rrweb"):
        """`browser` + `view`: drive a recording browser someone else shows (record mode's
        page) instead of opening one; it stays theirs (not armed, not closed here).
        `recorder`: "rrweb" (npm's recorder) or "capture" (our capture.js, masking from
        `record_options["rules"]`, a Rules.to_json() dict; default: allow).
        `intake` ({url, app, token, session_id, user?}): also send every event to a live
        intake (`replay serve`), as a site's visitors' browsers would."""
        _qapp()
        from PySide6.QtWebEngineWidgets import QWebEngineView

        from app.record.browser import RecorderMissing, RecordingBrowser

        self.timeout_s = timeout_s
        self.intake = intake
        self.intake_status: dict | None = None
        self.dom_snapshots: list[LiveDom] = []
        self.eval_results: list[Any] = []
        self._loading = False
        self._load_ok: bool | None = None
        self._mouse = None
        self._owned = browser is None
        if browser is not None:
            self.browser, self.view = browser, view
            self._attach()
            return
        try:
            self.browser = RecordingBrowser(_options(record_options, recorder, intake),
                                            umd=npm_umd(rrweb_dir),
                                            answer_dialogs=True, missing_hint=_NPM_HINT,
                                            intake=None if recorder == "capture" else intake,
                                            recorder=recorder)
        except RecorderMissing as exc:
            raise BrowserRecordingError(str(exc)) from None
        self.browser.arm()
        self.view = QWebEngineView()
        self._attach()
        self.view.setPage(self._page)
        self.view.resize(*viewport)
        self.view.show()

    def _attach(self) -> None:
        self.events = self.browser.events
        self._received = self.browser.received
        self.page_messages = self.browser.page.messages   # the page's console, for diagnosis
        self._page = self.browser.page
        self._page.loadStarted.connect(self._on_load_started)
        self._page.loadFinished.connect(self._on_load_finished)

    # -- page plumbing ------------------------------------------------------------------------
    def _on_load_started(self) -> None:
        self._loading, self._load_ok = True, None

    def _on_load_finished(self, ok: bool) -> None:
        self._loading, self._load_ok = False, ok

    def _wait_until(self, cond: Callable[[], Any], what: str, timeout_s: float | None = None):
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        while True:
            value = cond()
            if value:
                return value
            if time.monotonic() > deadline:
                tail = "\n  ".join(self.page_messages[-5:])
                raise BrowserRecordingError(
                    f"timed out after {timeout_s or self.timeout_s:g} s waiting for {what}"
                    + (f"; last page messages:\n  {tail}" if tail else ""))
            _spin(10)

    def eval(self, js: str) -> Any:
        """Run `js` (an expression) in the page's main world; returns its JSON-able value."""
        box: list = []
        wrapped = ("(function(){try{return JSON.stringify({ok: (function(){return (%s);})()});}"
                   "catch(e){return JSON.stringify({err: String(e && e.stack || e)});}})()" % js)
        self._page.runJavaScript(wrapped, 0, lambda result: box.append(result))
        self._wait_until(lambda: box, f"the page to answer {js[:60]!r}")
        result = json.loads(box[0]) if isinstance(box[0], str) else {"ok": None}
        if "err" in result:
            raise BrowserRecordingError(f"JavaScript failed in the page: {result['err']}")
        return result.get("ok")

    def _bridge_ready(self):
        if self._loading:
            return None
        status = self.eval("window.__replayBridge ? __replayBridge.status() : null")
        if status and status.get("error"):
            raise BrowserRecordingError(f"rrweb.record failed to start: {status['error']}")
        return status if status and status.get("snapshot") else None

    def wait_loaded(self) -> None:
        """Wait for the current page to be loaded (recorded or not)."""
        self._wait_until(lambda: not self._loading, "the page to load")
        if self._load_ok is False:
            raise BrowserRecordingError(f"the page failed to load: {self._page.url().toString()}")

    def wait_ready(self) -> dict:
        """Wait for the current page to be loaded and rrweb to have taken its snapshot."""
        self.wait_loaded()
        status = self._wait_until(self._bridge_ready, "rrweb to take its full snapshot")
        self._drain(status)
        return status

    def _drain(self, status: dict) -> None:
        """Wait until every event the page reported emitting has reached Python."""
        self._wait_until(lambda: self._received.get(status["doc"], 0) >= status["emitted"],
                         "the page's events to arrive")

    def open(self, url: str) -> None:
        from PySide6.QtCore import QUrl

        self._loading = True
        self._page.load(QUrl(url))
        self.wait_ready()

    # -- real input ---------------------------------------------------------------------------
    def _target(self):
        w = self.view.focusProxy()
        return w if w is not None else self.view

    def _rect(self, selector: str, frame: str | None = None) -> dict:
        """The element's box on the page; `host >>> inner` reaches into a host's open shadow
        root; with `frame`, the element is in that iframe's document (its box moved by the
        frame's)."""
        sel, fr = json.dumps(selector), json.dumps(frame)
        r = self.eval(
            "(function(){var f=%s, d=document, dx=0, dy=0;"
            " if (f) { f=document.querySelector(f); if (!f || !f.contentDocument) return null;"
            "   f.scrollIntoView({block:'nearest', inline:'nearest'});"
            "   var b=f.getBoundingClientRect(); dx=b.left+f.clientLeft; dy=b.top+f.clientTop;"
            "   d=f.contentDocument; }"
            " var parts=%s.split(' >>> '), el=d.querySelector(parts[0]);"
            " for (var i = 1; el && i < parts.length; i++)"
            "   el = el.shadowRoot && el.shadowRoot.querySelector(parts[i]);"
            " if(!el) return null;"
            "el.scrollIntoView({block:'nearest', inline:'nearest'});"
            "var r=el.getBoundingClientRect(); return {x:r.left+dx, y:r.top+dy, w:r.width, h:r.height};})()"
            % (fr, sel))
        if r is None:
            raise BrowserRecordingError(f"no element matches {selector!r} on {self._page.url().toString()}")
        if r["w"] <= 0 or r["h"] <= 0:
            raise BrowserRecordingError(f"element {selector!r} is not visible (zero size)")
        return r

    def _mouse_event(self, kind, pos, button, buttons) -> None:
        from PySide6.QtCore import QPointF, Qt
        from PySide6.QtGui import QMouseEvent
        from PySide6.QtWidgets import QApplication

        target = self._target()
        # `pos` is in the page's CSS px; the view shows them zoomed (record mode's Desktop
        # page width zooms out): a click at the CSS point missed its element
        zoom = self._page.zoomFactor()
        local = QPointF(pos[0] * zoom, pos[1] * zoom)
        glob = QPointF(target.mapToGlobal(local.toPoint()))
        ev = QMouseEvent(kind, local, glob, button, buttons, Qt.NoModifier)
        QApplication.sendEvent(target, ev)

    def move_mouse(self, x: float, y: float, steps: int | None = None,
                   duration_ms: int | None = None) -> None:
        """Glide the mouse to (x, y) in viewport pixels, like a hand would: the farther,
        the longer (150-600 ms), a move event every ~16 ms, easing in and out."""
        from PySide6.QtCore import QEvent, Qt

        sx, sy = self._mouse or (x - 120, y + 80)
        if duration_ms is None:
            duration_ms = int(min(600, max(150, ((x - sx) ** 2 + (y - sy) ** 2) ** 0.5 * 0.6)))
        steps = steps or max(2, duration_ms // 16)
        for i in range(1, steps + 1):
            t = i / steps
            t = t * t * (3 - 2 * t)  # ease in/out
            self._mouse_event(QEvent.MouseMove, (sx + (x - sx) * t, sy + (y - sy) * t),
                              Qt.NoButton, Qt.NoButton)
            _spin(duration_ms // steps)
        self._mouse = (x, y)

    def click(self, selector: str, count: int = 1, interval_ms: int = 120,
              frame: str | None = None) -> None:
        from PySide6.QtCore import QEvent, Qt

        r = self._rect(selector, frame)
        x, y = r["x"] + r["w"] / 2, r["y"] + r["h"] / 2
        self.move_mouse(x, y)
        for i in range(count):
            self._mouse_event(QEvent.MouseButtonPress, (x, y), Qt.LeftButton, Qt.LeftButton)
            _spin(30)
            self._mouse_event(QEvent.MouseButtonRelease, (x, y), Qt.LeftButton, Qt.NoButton)
            _spin(interval_ms if i + 1 < count else 30)

    def type(self, selector: str, text: str, delay_ms: int = 25, clear: bool = False,
             frame: str | None = None, root: str | None = None) -> None:
        """Real key events into the element `selector` matches (in the document of the
        same-origin iframe `frame` matches, if given; in the Document or ShadowRoot the
        JavaScript expression `root` gives, if given)."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        sel = json.dumps(selector)
        if root is None:
            root = "document" if frame is None else \
                "(document.querySelector(%s)||{}).contentDocument" % json.dumps(frame)
        ok = self.eval(
            "(function(){var d=%s; var el=d&&d.querySelector(%s); if(!el) return false;"
            "el.scrollIntoView({block:'nearest'}); el.focus();"
            "if(%s && el.select) el.select();"
            "else if(el.setSelectionRange){try{var n=(el.value||'').length; el.setSelectionRange(n, n);}"
            "catch(e){/* email/number inputs have no caret API */}}"
            "return d.activeElement===el ? %s : false;})()"
            % (root, sel, "true" if clear else "false", _KEYUPS_JS % "(d.ownerDocument||d).defaultView"))
        if ok is False:
            raise BrowserRecordingError(f"cannot focus {selector!r} to type into it")
        self.view.setFocus()
        target = self._target()
        self._focus_arrived(target, root)
        special = {"\n": Qt.Key_Return, "\t": Qt.Key_Tab, "\b": Qt.Key_Backspace}
        for ch in text:
            if ch in special:
                QTest.keyClick(target, special[ch])
            else:
                QTest.keyClicks(target, ch)
            _spin(delay_ms)
        self._keys_arrived(root, ok + len(text))

    def _focus_arrived(self, target, root: str) -> None:
        """Wait until the keys' widget has Qt's focus and the typing's document the page's:
        under a loaded machine (the whole suite, a helper beside it) the first key sent right
        after focusing came in as its bare key code ("a" for "A", a <select> typed "Fr"
        picked nothing), the renderer not yet told its view was focused. Bounded by the
        recorder's timeout; a step never fails here."""
        has = "(function(){var d=%s; return !!d && (d.ownerDocument||d).hasFocus();})()" % root
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline and not self._loading:
            try:
                if target.hasFocus() and self.eval(has):
                    return
            except BrowserRecordingError:
                return
            _spin(10)

    def _keys_arrived(self, root: str, keyups: int) -> None:
        """Wait until the page has handled the keys just sent: a keyup counter in the typing's
        window is the barrier. Qt hands a key to the renderer on its input channel and our
        JavaScript goes on another, so nothing else orders the next step's focus() after the
        last keys. (Added after a CI run where a <select> typed into right after a card number
        recorded no input; not reproduced here, even with a page busy 20 ms on every key, so
        this rules out one cause rather than being known to fix it.) A key that leaves the
        page (Return submitting a form) ends the wait, as does the recorder's timeout - a
        step never fails here."""
        count = "(function(){var d=%s; var w=d&&(d.ownerDocument||d).defaultView; return w&&w.__replayKeyups||0;})()"
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline and not self._loading:
            try:
                if self.eval(count % root) >= keyups:
                    return
            except BrowserRecordingError:
                return  # the page went away under the keys
            _spin(10)

    def scroll(self, selector: str | None, y: int, x: int = 0) -> None:
        if selector is None:
            self.eval("window.scrollTo({left:%d, top:%d, behavior:'instant'})" % (x, y))
        else:
            ok = self.eval("(function(){var el=document.querySelector(%s); if(!el) return false;"
                           "el.scrollTo({left:%d, top:%d, behavior:'instant'}); return true;})()"
                           % (json.dumps(selector), x, y))
            if not ok:
                raise BrowserRecordingError(f"no element matches {selector!r} to scroll")

    def _engine_css(self, on: bool) -> None:
        """Put the replay's ENGINE_CSS (player.qt.webview: the font Chrome gives form
        controls, which QtWebEngine leaves unset) on the page, its same-origin frames and
        their open shadow roots (two deep), or take it off: the live page pictured as Chrome
        would show it, as the replay shows it. An adopted sheet set from a world of our own:
        no DOM change, and the recorders (rrweb's, capture.js), watching the main world's
        setters, see nothing. (Adopted, its layer comes after the page's own layers, where the
        replay's comes first: alike on pages without layers, as the tests' are.)"""
        from player.qt.webview import ENGINE_CSS
        box: list = []
        js = ("(function(on, css){var docs = [document], roots = [], key = '__replayEngineSheet';"
              "for (var i = 0; i < docs.length; i++) {"
              " var all = docs[i].querySelectorAll('*');"
              " for (var j = 0; j < all.length; j++) {"
              "  var el = all[j];"
              "  if (el.shadowRoot) { roots.push(el.shadowRoot);"
              "   var inner = el.shadowRoot.querySelectorAll('*');"
              "   for (var k = 0; k < inner.length; k++) if (inner[k].shadowRoot)"
              "    roots.push(inner[k].shadowRoot); }"
              "  if (el.localName === 'iframe') { try { if (el.contentDocument)"
              "   docs.push(el.contentDocument); } catch (e) {} } } }"
              "docs.concat(roots).forEach(function(r){"
              " var d = r.ownerDocument || r, w = d.defaultView, sheet = d[key]; if (!w) return;"
              " if (on && !sheet) { sheet = d[key] = new w.CSSStyleSheet();"
              "  sheet.replaceSync('@layer replay-engine{' + css + '}'); }"
              " var others = r.adoptedStyleSheets.filter(function(s){ return s !== sheet; });"
              " r.adoptedStyleSheets = on ? [sheet].concat(others) : others; });"
              "return true;})(%s, %s)" % ("true" if on else "false", json.dumps(ENGINE_CSS)))
        self._page.runJavaScript(js, OWN_WORLD, lambda result: box.append(result))
        self._wait_until(lambda: box, "the page to take the engine's style")

    def grab_png(self) -> bytes:
        """What the view shows now, as PNG bytes, once three grabs in a row agree (the
        compositor has caught up with the last change); with the replay's ENGINE_CSS on
        the page meanwhile (`_engine_css`)."""
        self._engine_css(True)
        try:
            return self._grab_stable()
        finally:
            self._engine_css(False)

    def _grab_stable(self) -> bytes:
        from PySide6.QtCore import QBuffer, QIODevice

        # three grabs in a row alike, 60 ms apart: two alike could both be the frame before
        # the last change, on a loaded machine whose compositor had not drawn for 60 ms
        last, same = None, 0
        for _ in range(24):
            img = self.view.grab().toImage()
            same = same + 1 if last is not None and img == last else 0
            if same == 2:
                break
            last = img
            _spin(60)
        buf = QBuffer()
        buf.open(QIODevice.WriteOnly)
        img.save(buf, "PNG")
        return bytes(buf.data())

    def capture_dom(self, label: str) -> LiveDom:
        png = self.grab_png()
        snap = self.eval("__replayBridge.capture()")
        self._drain(snap["status"])
        count = len(self.events)
        live = LiveDom(label=label, event_count=count,
                       last_timestamp=self.events[-1]["timestamp"] if count else None,
                       taken_at=snap["taken_at"], url=snap["url"], title=snap["title"],
                       width=snap["width"], height=snap["height"],
                       scroll=tuple(snap["scroll"]), tree=snap["tree"], png=png)
        self.dom_snapshots.append(live)
        return live

    # -- steps ----------------------------------------------------------------------------------
    def run(self, steps: Iterable[Step]) -> None:
        for step in steps:
            if isinstance(step, Click):
                self.click(step.selector, step.count, step.interval_ms, step.frame)
            elif isinstance(step, Hover):
                r = self._rect(step.selector)
                self.move_mouse(r["x"] + r["w"] / 2, r["y"] + r["h"] / 2,
                                steps=max(2, step.duration_ms // 25), duration_ms=step.duration_ms)
            elif isinstance(step, Type):
                self.type(step.selector, step.text, step.delay_ms, step.clear)
            elif isinstance(step, Scroll):
                self.scroll(step.selector, step.y, step.x)
            elif isinstance(step, Wait):
                _spin(step.ms)
            elif isinstance(step, Eval):
                self.eval_results.append(self.eval(step.js))
            elif isinstance(step, CaptureDom):
                _spin(step.settle_ms)
                self.wait_ready()
                self.capture_dom(step.label)
            elif isinstance(step, WaitFor):
                vis = "&& el.getClientRects().length > 0" if step.visible else ""
                self._wait_until(lambda: not self._loading and self.eval(
                    "(function(){var el=document.querySelector(%s); return !!(el %s);})()"
                    % (json.dumps(step.selector), vis)), f"{step.selector!r} to appear")
            else:
                raise TypeError(f"not a recording step: {step!r}")
            _spin(20)
            if self._loading:  # the step navigated: carry on once the new page records
                self.wait_ready()

    def finish(self) -> Recording:
        """Flush the RUM shim (pending click chain, final view update) and collect."""
        self.wait_ready()
        _spin(50)
        status = self.eval("__replayBridge.finish()")
        self._drain(status)
        if self.intake:
            self.wait_intake()
        return Recording(events=list(self.events), dom_snapshots=list(self.dom_snapshots),
                         eval_results=list(self.eval_results), page_messages=list(self.page_messages),
                         intake_status=self.intake_status)

    def wait_intake(self) -> dict:
        """Wait until the intake has answered for every event the page emitted; the
        sender's counts (`acked`, `failed`, `errors`)."""
        last: list[dict] = [{}]

        def settled():
            last[0] = st = self.eval("__replayIntake.flush()")
            return st if st["idle"] and st["acked"] + st["failed"] >= st["queued"] else None
        try:
            self.intake_status = self._wait_until(settled, "the intake to answer every batch")
        except BrowserRecordingError as exc:
            raise BrowserRecordingError(f"{exc}\nthe sender's state: {last[0]}") from None
        return self.intake_status

    def grab(self, path: Path) -> None:
        """Save what the browser shows now as a PNG (to look at a recording's page)."""
        self.view.grab().save(str(path))

    def close(self) -> None:
        if not self._owned:
            return
        self.view.close()
        self.view.setPage(None)
        self.view.deleteLater()
        self.browser.close()   # the page, then its profile
        _spin(0)

    def __enter__(self) -> "BrowserRecorder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def record_page(url: str, steps: Iterable[Step] = (), *, rrweb_dir: Path | None = None,
                record_options: dict | None = None, timeout_s: float = 20.0,
                viewport: tuple[int, int] = (1280, 800), intake: dict | None = None,
                recorder: str = "rrweb") -> Recording:
    """Open `url` in an offscreen recording browser, record it with rrweb (or capture.js,
    `recorder="capture"`) while `steps` run,
    and return the events and live-DOM captures. Needs a QApplication (one is created if
    none exists). Every wait is bounded by `timeout_s`; BrowserRecordingError says what hung.
    """
    with BrowserRecorder(rrweb_dir=rrweb_dir, record_options=record_options,
                         timeout_s=timeout_s, viewport=viewport, intake=intake,
                         recorder=recorder) as rec:
        rec.open(url)
        rec.run(steps)
        return rec.finish()
