"""A second engine for real-browser recordings: Debian's `chromium`, headless, driven by
Playwright for Python pointed at that binary (`executable_path`; no browser is downloaded).

The same recorder and bridge as the QtWebEngine harness (`browser_recorder`), the same steps
and results (`Step`s in, a `Recording` with `LiveDom` captures out); only the transport from
the page differs: the bridge hands its batches to a Playwright binding instead of a QWebChannel.

    with ChromiumRecorder(recorder="capture") as b:
        b.open(url); b.run([Click("#add"), CaptureDom("after")]); rec = b.finish()
"""
from __future__ import annotations

import json
import shutil
import time
from typing import Any, Iterable

from recorder.paths import ASSETS, capture_script
from replay_tools.browser_recorder import (BrowserRecordingError, CaptureDom, Click, Eval, Hover,
                                           LiveDom, Recording, Scroll, Step, Type, Wait,
                                           WaitFor, _options)

BRIDGE = ASSETS / "browser-recorder" / "bridge.js"
CHROMIUM_NAMES = ("chromium", "chromium-browser")
SINK = "__replayBridgeSink"


# a page's capture.js has events queued: its recorder may not have started yet when its script
# has run (`status()` is null until `start`): a wait on `status().queued` alone threw then and
# failed at once (a fresh run's one failure), where it is to wait
QUEUED = "window.ReplayCapture && (ReplayCapture.status() || {}).queued > 0"


def chromium_path() -> str | None:
    """Debian's chromium binary, if installed."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def capturing_page(ctx, html: str):
    """A page of Playwright context `ctx` holding `html`, capture.js started in it: its
    events kept in `window.__out` as they are made (emit), never sent."""
    page = ctx.new_page()
    page.set_content(html)
    page.add_script_tag(content=capture_script())
    page.evaluate("""() => {
        window.__out = [];
        ReplayCapture.start({intake: 'http://127.0.0.1:9', app: 'a', token: 't',
                             emit: (e) => window.__out.push(e), fetch: () => new Promise(() => {})});
    }""")
    return page


def launch(playwright, **kwargs):
    """Chromium headless from the system's binary (sandbox off: tests run as root)."""
    path = chromium_path()
    if path is None:
        raise BrowserRecordingError("chromium is not installed (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=path, headless=True,
                                      args=["--no-sandbox", "--disable-gpu"], **kwargs)


class ChromiumRecorder:
    """One headless chromium page recorded by capture.js (or rrweb's recorder, `recorder=`
    "rrweb" needs its UMD build and is not wired here), with the harness's steps."""

    def __init__(self, *, recorder: str = "capture", record_options: dict | None = None,
                 intake: dict | None = None, viewport: tuple[int, int] = (1280, 800),
                 timeout_s: float = 20.0, browser=None):
        """`browser`: record in a context of this running chromium (`launch`; it stays the
        caller's, open) instead of starting Playwright and a chromium of its own."""
        if recorder != "capture":
            raise ValueError("the chromium harness records with capture.js")
        from playwright.sync_api import sync_playwright

        self.timeout_s = timeout_s
        self.events: list[dict] = []
        self.received: dict[str, int] = {}
        self.dom_snapshots: list[LiveDom] = []
        self.eval_results: list[Any] = []
        self.page_messages: list[str] = []
        self.intake_status: dict | None = None
        self.intake = intake
        options = _options(record_options, "capture", intake)
        bridge = BRIDGE.read_text(encoding="utf-8").replace("__REPLAY_RECORD_OPTIONS__",
                                                            json.dumps(options))
        self._pw = None if browser is not None else sync_playwright().start()
        self.context = None
        try:
            self.browser = browser if browser is not None else launch(self._pw)
            self.context = self.browser.new_context(
                viewport={"width": viewport[0], "height": viewport[1]})
            self.context.expose_binding(SINK, lambda _source, message: self._push(message))
            # the top document only, as in QtWebEngine (setRunsOnSubFrames(False)): a frame's
            # document is recorded by its parent's recorder
            self.context.add_init_script("if (window.top === window) {\n" + capture_script()
                                         + "\n;\n" + bridge + "\n}")
            self.page = self.context.new_page()
            self.page.on("console", lambda m: self._note(f"{m.type}: {m.text}"))
            self.page.on("pageerror", lambda e: self._note(f"pageerror: {e}"))
        except Exception:
            if self._pw is not None:
                self._pw.stop()
            elif self.context is not None:
                self.context.close()
            raise

    def _note(self, text: str) -> None:
        if len(self.page_messages) < 1000:
            self.page_messages.append(text[:500])

    def _push(self, message: str) -> None:
        batch = json.loads(message)
        self.events.extend(batch["events"])
        self.received[batch["doc"]] = batch["upto"]

    # -- waits ------------------------------------------------------------------------------------
    def _wait_until(self, cond, what: str):
        deadline = time.monotonic() + self.timeout_s
        while True:
            value = cond()
            if value:
                return value
            if time.monotonic() > deadline:
                tail = "\n  ".join(self.page_messages[-5:])
                raise BrowserRecordingError(f"timed out after {self.timeout_s:g} s waiting for {what}"
                                            + (f"; last page messages:\n  {tail}" if tail else ""))
            self.page.wait_for_timeout(10)

    def eval(self, js: str) -> Any:
        return self.page.evaluate("() => (%s)" % js)

    def _status(self):
        try:
            st = self.eval("window.__replayBridge ? __replayBridge.status() : null")
        except Exception:   # navigating: the context is gone for a moment
            return None
        return st if st and st.get("snapshot") else None

    def wait_ready(self) -> dict:
        st = self._wait_until(self._status, "capture.js to take its full snapshot")
        self._wait_until(lambda: self.received.get(st["doc"], 0) >= st["emitted"],
                         "the page's events to arrive")
        return st

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.wait_ready()

    # -- steps ------------------------------------------------------------------------------------
    def capture_dom(self, label: str) -> LiveDom:
        snap = self.eval("__replayBridge.capture()")
        st = snap["status"]
        self._wait_until(lambda: self.received.get(st["doc"], 0) >= st["emitted"],
                         "the page's events to arrive")
        count = len(self.events)
        live = LiveDom(label=label, event_count=count,
                       last_timestamp=self.events[-1]["timestamp"] if count else None,
                       taken_at=snap["taken_at"], url=snap["url"], title=snap["title"],
                       width=snap["width"], height=snap["height"],
                       scroll=tuple(snap["scroll"]), tree=snap["tree"])
        self.dom_snapshots.append(live)
        return live

    def run(self, steps: Iterable[Step]) -> None:
        page = self.page
        for step in steps:
            url_before = page.url
            if isinstance(step, Click):
                box = (page.frame_locator(step.frame) if step.frame else page) \
                    .locator(step.selector).first
                box.scroll_into_view_if_needed()
                b = box.bounding_box()
                if b is None:
                    raise BrowserRecordingError(f"no element matches {step.selector!r}")
                x, y = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
                page.mouse.move(x, y, steps=12)
                for i in range(step.count):
                    page.mouse.down()
                    page.wait_for_timeout(30)
                    page.mouse.up()
                    if i + 1 < step.count:
                        page.wait_for_timeout(step.interval_ms)
            elif isinstance(step, Hover):
                page.hover(step.selector)
                page.wait_for_timeout(step.duration_ms)
            elif isinstance(step, Type):
                page.focus(step.selector)
                if step.clear:
                    page.keyboard.press("Control+A")
                keys = {"\n": "Enter", "\t": "Tab", "\b": "Backspace"}
                for ch in step.text:
                    if ch in keys:
                        page.keyboard.press(keys[ch])
                    else:
                        page.keyboard.type(ch)
                    page.wait_for_timeout(step.delay_ms)
            elif isinstance(step, Scroll):
                target = "window" if step.selector is None else \
                    "document.querySelector(%s)" % json.dumps(step.selector)
                self.eval("%s.scrollTo({left:%d, top:%d, behavior:'instant'})" % (target, step.x, step.y))
            elif isinstance(step, Wait):
                page.wait_for_timeout(step.ms)
            elif isinstance(step, Eval):
                self.eval_results.append(self.eval(step.js))
            elif isinstance(step, CaptureDom):
                page.wait_for_timeout(step.settle_ms)
                self.wait_ready()
                self.capture_dom(step.label)
            elif isinstance(step, WaitFor):
                page.wait_for_selector(step.selector, state="visible" if step.visible else "attached",
                                       timeout=self.timeout_s * 1000)
            else:
                raise TypeError(f"not a recording step: {step!r}")
            page.wait_for_timeout(20)
            if page.url != url_before:
                page.wait_for_load_state()
                self.wait_ready()

    def finish(self) -> Recording:
        st = self.wait_ready()
        self.eval("__replayBridge.finish()")
        st = self.wait_ready()
        if self.intake:
            self.intake_status = self._wait_until(
                lambda: (lambda s: s if s and s["idle"] and s["acked"] + s["failed"] >= s["queued"]
                         else None)(self.eval("__replayIntake.flush()")),
                "the intake to answer every batch")
        return Recording(events=list(self.events), dom_snapshots=list(self.dom_snapshots),
                         eval_results=list(self.eval_results),
                         page_messages=list(self.page_messages), intake_status=self.intake_status)

    def close(self) -> None:
        if self._pw is None:   # the caller's chromium: only this recorder's context goes
            self.context.close()
            return
        try:
            self.browser.close()
        finally:
            self._pw.stop()

    def __enter__(self) -> "ChromiumRecorder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def record_page_chromium(url: str, steps: Iterable[Step] = (), **kwargs) -> Recording:
    """`browser_recorder.record_page`, in Debian's chromium."""
    with ChromiumRecorder(**kwargs) as b:
        b.open(url)
        b.run(steps)
        return b.finish()
