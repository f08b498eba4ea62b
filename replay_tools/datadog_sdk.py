"""Real Datadog Session Replay recordings: Datadog's own browser SDK from npm
(`@datadog/browser-rum`, installed by `npm ci --prefix tests/browser`; v7 writes the Change
format, v6 - under the alias `@datadog/browser-rum-v6` - the V1 format) on a page served by
a real HTTP server on 127.0.0.1, in Debian's chromium (Playwright with executable_path).

The SDK's `proxy` option points its uploads at this server, which keeps each request body
as the SDK sent it (what a site's own proxy in front of Datadog could keep): the replay
requests (multipart, the segment deflated) and the RUM batches (NDJSON). The page's DOM is
read at chosen moments for the tests to compare a rebuild with (`LiveTree`).

    with DatadogPage(PAGE_HTML, version="7") as dd:
        dd.page.click("#add"); dd.capture("after add")
        uploads = dd.finish()   # every request the SDK sent, once it has sent its replay
"""
from __future__ import annotations

import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from replay_tools.chromium import launch

ROOT = Path(__file__).resolve().parents[1]
MODULES = ROOT / "tests" / "browser" / "node_modules" / "@datadog"
PACKAGES = {"7": "browser-rum", "6": "browser-rum-v6"}
APPLICATION = "11111111-2222-3333-4444-555555555555"
CLIENT_TOKEN = "pub0123456789abcdef0123456789abcdef"
REPLAY, RUM = "replay", "rum"

# the page's DOM as the tests compare it - its body, its head as the body's `head` -:
# elements (tag, attributes, value, checked) and text that is not only white space (open
# shadow roots' too); script contents are never recorded, a <style> is its sheet's rules
# (`css`); constructed sheets adopted by a shadow root are its host's `adopted`, the
# document's the body's `document_adopted` (a disabled sheet's rules: none)
LIVE_TREE_JS = """() => {
  const sheetText = (s) => s.disabled ? '' : [...s.cssRules].map(r => r.cssText).join('');
  function walk(n) {
    if (n.nodeType === 3) return n.textContent.trim() ? {text: n.textContent} : null;
    if (n.nodeType !== 1) return null;
    const tag = n.localName;
    if (tag === 'script' || tag === 'noscript') return null;
    const attrs = {};
    for (const a of n.attributes) attrs[a.name] = a.value;
    const out = {tag, attrs, children: []};
    if (tag === 'style') out.css = n.sheet ? sheetText(n.sheet) : '';
    if (tag === 'input' || tag === 'textarea' || tag === 'select') out.value = n.value;
    if (tag === 'input' && (n.type === 'checkbox' || n.type === 'radio')) out.checked = n.checked;
    if (n.shadowRoot && n.shadowRoot.adoptedStyleSheets.length)
      out.adopted = n.shadowRoot.adoptedStyleSheets.map(sheetText);
    // an open shadow root's children after the element's own, as rrweb lists them
    const kids = tag === 'style' ? [] : [...n.childNodes, ...(n.shadowRoot ? n.shadowRoot.childNodes : [])];
    for (const c of kids) { const w = walk(c); if (w) out.children.push(w); }
    return out;
  }
  const tree = walk(document.body);
  tree.head = walk(document.head);
  if (document.adoptedStyleSheets.length)
    tree.document_adopted = document.adoptedStyleSheets.map(sheetText);
  return {tree, at: Date.now()};
}"""


# what the browser does when its tab goes to the background: the page reads "hidden", and
# its visibilitychange event (bubbling, as the browser's does) is heard. The SDK ignores an
# event a script made (`isTrusted` false) unless the event says `__ddIsTrusted` (its own
# tests' mark; its `allowUntrustedEvents` option would let every made event in): without
# it nothing was flushed when hidden, and each wait for an upload lasted until the SDK's
# 5-second segment limit sent it on its own.
def _visibility_js(hidden: bool) -> str:
    """The page made to read hidden (or visible again), and its event dispatched."""
    state, flag = ("hidden", "true") if hidden else ("visible", "false")
    return f"""() => {{
  Object.defineProperty(document, 'visibilityState', {{value: '{state}', configurable: true}});
  Object.defineProperty(document, 'hidden', {{value: {flag}, configurable: true}});
  const e = new Event('visibilitychange', {{bubbles: true}});
  e.__ddIsTrusted = true;
  document.dispatchEvent(e);
}}"""


HIDE_JS = _visibility_js(hidden=True)
SHOW_JS = _visibility_js(hidden=False)   # and back to the front


# the attribute `finish` marks the page's last state with (see there)
FINISH_MARK = "data-replay-finish"
QUIET_S = 0.7   # no upload for this long once the page is gone: the SDK has sent everything


def write_uploads(folder: Path, uploads: list[Upload]) -> list[Path]:
    """Each request body as a proxy keeps it, one file per request, in order (`folder` is
    made; it must not exist)."""
    folder.mkdir(parents=True)
    files = []
    for i, u in enumerate(uploads):
        f = folder / f"{i:04d}-{u.kind}.{'multipart' if u.kind == REPLAY else 'ndjson'}"
        f.write_bytes(u.body)
        files.append(f)
    return files


def available(version: str = "7") -> bool:
    return (MODULES / PACKAGES[version] / "bundle" / "datadog-rum.js").is_file()


def init_script(privacy: str = "allow", user: dict | None = None) -> str:
    """The SDK's start as a site writes it, its uploads sent to this server's /intake."""
    set_user = f"DD_RUM.setUser({_js(user)});" if user else ""
    return ("DD_RUM.init({applicationId: '%s', clientToken: '%s', site: 'datadoghq.com',"
            " proxy: location.origin + '/intake', sessionSampleRate: 100,"
            " sessionReplaySampleRate: 100, defaultPrivacyLevel: '%s',"
            " trackUserInteractions: true, trackResources: true, trackLongTasks: true,"
            # the SDK's own diagnostics (its configuration), a request of their own beside
            # the RUM batches: sent for a few sessions in a hundred by default, always here,
            # as a proxy's log holds them
            " telemetrySampleRate: 100, telemetryConfigurationSampleRate: 100,"
            " service: 'shop'});%s"
            % (APPLICATION, CLIENT_TOKEN, privacy, set_user))


def _js(obj) -> str:
    import json
    return json.dumps(obj)


@dataclass
class Upload:
    kind: str            # REPLAY or RUM
    content_type: str
    body: bytes


@dataclass
class LiveTree:
    label: str
    at: float            # the page's clock (ms since the epoch) when it was read
    tree: dict


@dataclass
class _Received:
    uploads: list[Upload] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class DatadogPage:
    """One page with Datadog's SDK in it, in a chromium of its own (see the module's
    header). `html`'s `<head>` gets the SDK's script and start (`init_script`)."""

    def __init__(self, html: str, *, version: str = "7", privacy: str = "allow",
                 user: dict | None = None, viewport: tuple[int, int] = (1000, 700)):
        from playwright.sync_api import sync_playwright

        # resolved: `f` below is, and node_modules may be a link (a git worktree's)
        bundle = (MODULES / PACKAGES[version] / "bundle").resolve()
        head = ('<script src="/dd/datadog-rum.js"></script><script>'
                + init_script(privacy, user) + "</script>")
        page_bytes = html.replace("<head>", "<head>" + head, 1).encode()
        self.received = received = _Received()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                path = self.path.split("?")[0]
                if path.startswith("/dd/"):
                    f = (bundle / path[4:]).resolve()
                    if bundle not in f.parents or not f.is_file():
                        self.send_error(404)
                        return
                    body, ctype = f.read_bytes(), "application/javascript"
                else:
                    body, ctype = page_bytes, "text/html; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                kind = REPLAY if "api%2Fv2%2Freplay" in self.path else RUM
                with received.lock:
                    received.uploads.append(Upload(kind, self.headers.get("Content-Type", ""),
                                                   body))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/index.html"
        self.live: list[LiveTree] = []
        self._pw = sync_playwright().start()
        try:
            self.browser = launch(self._pw)
            self.page = self.browser.new_page(viewport={"width": viewport[0],
                                                        "height": viewport[1]})
            self.page.goto(self.url)
            self.wait_ready()
        except Exception:
            self.close()
            raise

    def wait_ready(self) -> None:
        """Until the SDK records the page loaded (at the start, and after a navigation: the
        next page starts the SDK afresh, in the same session)."""
        # the recorder is a chunk the SDK loads once started
        self.page.wait_for_function("window.DD_RUM && DD_RUM.getSessionReplayLink"
                                    " && document.readyState === 'complete'")
        self.page.wait_for_timeout(1500)

    def flush_segment(self) -> None:
        """The SDK's segment so far sent, as a tab hidden and shown again makes it: the
        view's later records go in a segment of their own."""
        before = self._replays()
        self.page.evaluate(HIDE_JS)
        deadline = time.monotonic() + 20
        while self._replays() == before and time.monotonic() < deadline:
            time.sleep(0.05)
        self.page.evaluate(SHOW_JS)

    def _replays(self) -> int:
        with self.received.lock:
            return sum(u.kind == REPLAY for u in self.received.uploads)

    def capture(self, label: str, settle_ms: int = 300) -> LiveTree:
        """The page's DOM now (after `settle_ms`: the SDK records a change in the frame after)."""
        self.page.wait_for_timeout(settle_ms)
        got = self.page.evaluate(LIVE_TREE_JS)
        self.live.append(LiveTree(label, got["at"], got["tree"]))
        self.page.wait_for_timeout(settle_ms)
        return self.live[-1]

    def finish(self, timeout_s: float = 20.0) -> list[Upload]:
        """Hide the page, as switching tabs does (the SDK sends what it holds then, its
        compression worker still running - a page torn down at once may send nothing), wait
        for the replay upload that holds everything done on the page, then leave; every
        request the SDK sent, in order.

        What it holds is marked first (an attribute on <html>, outside the body the tests
        compare): the SDK also sends a segment on its own every few seconds, so a page idle
        since then has nothing left to send when hidden, and an upload after the hiding may
        be an older segment's."""
        self.page.evaluate(f"document.documentElement.setAttribute('{FINISH_MARK}', '')")
        self.page.wait_for_timeout(200)   # the SDK records a change in the frame after
        self.page.evaluate(HIDE_JS)
        deadline = time.monotonic() + timeout_s
        while not self._sent(FINISH_MARK.encode()) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.page.wait_for_timeout(300)   # a RUM batch sent beside it
        self.page.goto("about:blank")
        # what the SDK sends as the page goes (a beacon: its last RUM events, a view
        # updated since the hiding) may come after the navigation is done
        quiet_until, count = time.monotonic() + QUIET_S, -1
        while time.monotonic() < min(quiet_until, deadline + QUIET_S):
            with self.received.lock:
                if len(self.received.uploads) != count:
                    count, quiet_until = len(self.received.uploads), time.monotonic() + QUIET_S
            time.sleep(0.05)
        with self.received.lock:
            uploads = list(self.received.uploads)
        if not self._sent(FINISH_MARK.encode()):
            raise TimeoutError(f"Datadog's SDK sent no replay in {timeout_s:g} s")
        return uploads

    def _sent(self, text: bytes) -> bool:
        """A replay upload so far holds `text` (its segment inflated)."""
        with self.received.lock:
            bodies = [u.body for u in self.received.uploads if u.kind == REPLAY]
        for body in bodies:
            at = body.find(b"\x78\x9c")
            if at >= 0 and text in zlib.decompressobj().decompress(body[at:]):
                return True
        return False

    def close(self) -> None:
        try:
            if self._pw is not None:
                self._pw.stop()
        finally:
            self.server.shutdown()
            self.server.server_close()

    def __enter__(self) -> "DatadogPage":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
