/* replay/rum@1 — a tiny rrweb record plugin emitting Datadog-style RUM payloads
 * (view, resource, error, action with frustration signals, long task) as rrweb Plugin events.
 *
 * capture.js's RUM (served together: recorder.paths.capture_script), and the RUM of record
 * mode's rrweb recordings. Install it BEFORE the page's own
 * scripts run (fetch/XHR wrappers and error listeners must be in place first); it buffers what
 * it sees until rrweb calls the plugin's observer, then streams. Field names follow Datadog's
 * RUM schema; all durations are in MILLISECONDS (Datadog uses ns) like rrweb's timestamps, and
 * `date` (epoch ms) says when the thing happened when that is earlier than the event's
 * timestamp (a click's action is decided up to 1 s later, once a rage click is ruled out).
 *
 * Usage: rrweb.record({emit, plugins: [ReplayRum.getRecordPlugin()]}); ReplayRum.flush()
 * emits the pending click chain and a final view update with its time spent (call before
 * stopping; the page's pagehide, and the tab hidden, do it too); ReplayRum.unanswered() each
 * request still waiting for its answer, as pending (call as recording stops; the page's
 * pagehide does it too).
 */
(function (win) {
  "use strict";
  if (win.ReplayRum) return;
  var doc = win.document;
  var perf = win.performance;
  var queue = [];           // payloads seen before rrweb started the plugin
  var sink = null;          // rrweb's plugin callback once recording
  // when the recorder started the plugin (Date.now()): a click before it is no action of the
  // recording - the replay cannot show it, nor what followed it (a QA tryout: a click 0.1 s
  // before Record, its chain decided after, was a dead click at 0:00)
  var since = null;
  var viewId = Math.random().toString(36).slice(2, 10) + Date.now().toString(36);

  function emit(payload) {
    if (payload.type === "action" && since !== null && payload.date < since) return;
    if (sink) { try { sink(payload); } catch (e) { /* never break the page */ } }
    else queue.push(payload);
  }
  function now() { return Date.now(); }
  function round(x) { return x == null ? x : Math.round(x * 10) / 10; }
  function absUrl(u) { try { return new URL(String(u), doc.baseURI).href; } catch (e) { return String(u); } }

  /* ---- resources ---------------------------------------------------------------------- */
  var EXT = [[/\.css(\?|#|$)/i, "css"], [/\.m?js(\?|#|$)/i, "js"],
             [/\.(png|jpe?g|gif|webp|avif|svg|ico|bmp)(\?|#|$)/i, "image"],
             [/\.(woff2?|ttf|otf|eot)(\?|#|$)/i, "font"]];
  var INITIATOR = {navigation: "document", link: "css", css: "css", script: "js", img: "image",
                   image: "image", imageset: "image", video: "other", audio: "other",
                   beacon: "other", iframe: "document", other: "other"};
  function resourceType(url, initiator) {
    for (var i = 0; i < EXT.length; i++) if (EXT[i][0].test(url)) return EXT[i][1];
    return INITIATOR[initiator] || "other";
  }
  // Page activity and errors are stamped on the clicks that they follow within SETTLE_MS
  // (dead and error clicks are decided from the stamps: no timer per click).
  var SETTLE_MS = 100;
  function stamp(key) {
    var t = perf.now();
    for (var i = 0; i < chain.length; i++) {
      var c = chain[i];
      if (c[key] === null && t - c.perf <= SETTLE_MS) c[key] = t;
    }
  }
  function bump() { if (chain.length) stamp("acted"); }

  var unloading = false;  // requests cut short by leaving the page are not failures
  // the page's navigation begins: activity of the click that started it - pagehide comes only
  // once the next page answers, and a click on a link to a slow page (past SETTLE_MS) was a
  // dead click (a test on a loaded machine)
  win.addEventListener("beforeunload", function () { unloading = true; bump(); });
  // a recorder's own requests (capture.js's batches to the intake: `ReplayRum.ignore`) are
  // not the page's: its beacons showed in the Network tab, with no status and 0 ms
  var ignored = [];
  // ... and the script that holds this plugin (the intake's /capture.js, loaded by its snippet)
  var own = doc.currentScript && doc.currentScript.src;
  if (own) ignored.push(absUrl(own));
  function isIgnored(url) {
    var u = absUrl(url);
    for (var i = 0; i < ignored.length; i++) if (u.indexOf(ignored[i]) === 0) return true;
    return false;
  }
  /* A resource payload; `contentType`: the response's Content-Type as the browser read it
   * (a HAR's mimeType: a JSON API's "application/json"), left out where it is not known.
   * A header's value is the server's: kept to CONTENT_TYPE_CHARS. */
  var CONTENT_TYPE_CHARS = 100;
  function resourceOf(url, method, status, duration, size, kind, contentType) {
    var r = {url: url, method: method, status_code: status, duration: duration, size: size, type: kind};
    if (contentType) r.content_type = String(contentType).slice(0, CONTENT_TYPE_CHARS);
    return r;
  }
  /* A request's resource (`status` null: `pending`, no answer yet - `unanswered`), and its
   * error if it failed. */
  function networkDone(method, url, status, start, size, contentType) {
    if ((status === 0 && unloading) || isIgnored(url)) return;
    var payload = {type: "resource", date: start.epoch, resource: resourceOf(
      absUrl(url), method, status, round(perf.now() - start.perf), size, start.kind, contentType)};
    if (status === null) payload.resource.pending = true;
    emit(payload);
    if (status === 0 || status >= 500) {
      emit({type: "error", error: {message: method + " " + absUrl(url) + " " +
            (status ? "failed with status " + status : "failed (network error)"),
            source: "network", stack: null, type: status ? "HTTPError" : "NetworkError",
            resource: {url: absUrl(url), method: method, status_code: status}}});
      errorSeen();
    }
  }
  function headerSize(h) { var v = h && h.get && h.get("content-length"); return v ? +v : null; }
  function headerType(h) { return (h && h.get && h.get("content-type")) || null; }

  // when the wrappers below began to see the page's requests: one made before (a plugin
  // started after the page loaded - record mode's Record on a page on show, a snippet
  // installed late) is known from its resource timing only
  var wrappedAt = perf.now();
  // the requests sent and not answered yet, for a recording that stops before their answer
  // (`unanswered`)
  var inflight = [];
  function sent(method, url, start) {
    var r = {method: method, url: url, start: start};
    inflight.push(r);
    return r;
  }
  /* The request's answer came (or it failed, was cancelled, or was never sent): whether it is
   * to be reported - the first time only, and not when `unanswered` said it pending already (a
   * recording stopped, then started again, or a page back from the back/forward cache, would
   * have it twice; an XHR opened again reported its cancelled request with the next one's
   * status, a reviewer's). */
  function answered(r) {
    var i = inflight.indexOf(r);
    if (i >= 0) inflight.splice(i, 1);
    var first = !r.told;   // (once: an XHR sent again keeps its earlier sends' listeners)
    r.told = true;
    return first;
  }
  /* Each request still waiting for its answer, as a resource `pending` (no status, its
   * duration so far): record mode's Stop, capture.js's stop() and the page's pagehide call it,
   * so a "Save hangs" bug keeps the request that hung - it was not recorded at all. Said once:
   * they are forgotten here. */
  function unanswered() {
    if (!sink) return;   // (no recording to tell: not queued for the next one)
    var left = inflight;
    inflight = [];
    left.forEach(function (r) { r.told = true; networkDone(r.method, r.url, null, r.start, null); });
  }
  var origFetch = win.fetch;   // the page's own, for senders whose requests are not the page's
  if (win.fetch) {
    win.fetch = function (input, init) {
      var method = ((init && init.method) || (input && input.method) || "GET").toUpperCase();
      var url = typeof input === "string" || input instanceof URL ? String(input) : input.url;
      var start = {perf: perf.now(), epoch: now(), kind: "fetch"}, req = sent(method, url, start);
      var sending;
      bump();
      try { sending = origFetch.apply(this, arguments); } catch (e) { answered(req); throw e; }
      return sending.then(function (resp) {
        if (answered(req)) networkDone(method, url, resp.status, start, headerSize(resp.headers), headerType(resp.headers));
        return resp;
      }, function (err) {
        if (answered(req)) networkDone(method, url, 0, start, null);
        throw err;
      });
    };
  }
  if (win.XMLHttpRequest) {
    var XHR = win.XMLHttpRequest.prototype, origOpen = XHR.open, origSend = XHR.send;
    XHR.open = function (method, url) {
      // opened again: its request answered already - the page's own loadend handler sending
      // the next, before ours ran - is reported now, while its status is still there (open()
      // resets it); one in flight is cancelled, with no loadend
      var prev = this.__rum;
      if (prev && prev.req) {
        if (this.readyState === 4 && prev.done) prev.done(); else answered(prev.req);
      }
      this.__rum = {method: String(method || "GET").toUpperCase(), url: String(url)};
      return origOpen.apply(this, arguments);
    };
    XHR.send = function () {
      var info = this.__rum, xhr = this;
      if (!info) return origSend.apply(this, arguments);
      var start = {perf: perf.now(), epoch: now(), kind: "xhr"}, req = sent(info.method, info.url, start);
      info.req = req;
      bump();
      var done = info.done = function () {
        if (!answered(req)) return;
        var len = xhr.getResponseHeader && xhr.getResponseHeader("content-length");
        networkDone(info.method, info.url, xhr.status, start, len ? +len : null,
                    xhr.getResponseHeader && xhr.getResponseHeader("content-type"));
      };
      xhr.addEventListener("loadend", done);
      // not sent (not opened, sent twice) or a synchronous one that failed: no loadend of
      // its own - nor a second report of the one in flight
      try {
        return origSend.apply(this, arguments);
      } catch (e) {
        answered(req);
        xhr.removeEventListener("loadend", done);
        throw e;
      }
    };
  }

  function observe(type, fn, opts) {
    try {
      var po = new win.PerformanceObserver(function (list) { list.getEntries().forEach(fn); });
      var o = {type: type, buffered: true};
      for (var k in opts || {}) o[k] = opts[k];
      po.observe(o);
    } catch (e) { /* entry type unsupported here */ }
  }
  // Everything the wrappers do not see (document, css, js, images, fonts, and the page's
  // fetch/xhr made before they were in place). fetch/xhr come from the wrappers, which know
  // the method and status; one made before them is said by its timing: its method unknown
  // (null: read as GET), its status where the browser has it (`responseStatus`).
  function onResourceEntry(e) {
    var request = e.initiatorType === "fetch" || e.initiatorType === "xmlhttprequest";
    if ((request && e.startTime >= wrappedAt) || isIgnored(e.name)) return;
    // (`contentType`: the response's MIME type where the browser has it - Debian's Chromium
    // 156 does, record mode's QtWebEngine (Chromium 140) does not: fetch and XHR read the header)
    emit({type: "resource", date: Math.round(perf.timeOrigin + e.startTime), resource: resourceOf(
      e.name, request ? null : "GET", e.responseStatus || null, round(e.duration),
      e.encodedBodySize || e.transferSize || null,
      e.entryType === "navigation" ? "document" : request ?
        (e.initiatorType === "fetch" ? "fetch" : "xhr") : resourceType(e.name, e.initiatorType),
      e.contentType)});
  }
  observe("resource", onResourceEntry);

  /* ---- view and web vitals ------------------------------------------------------------- */
  /* How the visitor reached a view (`view.navigation_type`, on its start and each update: a
   * start a later update superseded in the send queue is not sent): the words of
   * PerformanceNavigationTiming.type - a document's own (navigate, reload, back_forward); a
   * route change's navigate (pushState, replaceState, a link to a fragment, the page's own
   * history.back() within it) or back_forward (popstate of the visitor's Back or Forward
   * within the page); back_forward for a page shown again out of the back/forward cache. What
   * tells a visitor's Back from a new visit of the same address (a Playwright export replays
   * it with go_back, not goto). A document loaded by its previous page's history.back() says
   * back_forward: it cannot tell. */
  function navigationEntry() {   // the document's PerformanceNavigationTiming, if any
    return perf.getEntriesByType ? perf.getEntriesByType("navigation")[0] : undefined;
  }
  function documentNavigation() {
    var nav = navigationEntry();
    return nav && typeof nav.type === "string" ? nav.type : null;
  }
  var view = {id: viewId, url: win.location.href, referrer: doc.referrer || null,
              navigation_type: documentNavigation()};
  // when the view began (epoch ms): the page's navigation, a route change's own moment
  var viewStart = Math.round(perf.timeOrigin || now()), lastFinal = -Infinity, FINAL_APART_MS = 1000;
  var INP_MIN_MS = 40;
  var lcp = null, cls = 0, clsWindow = 0, clsFirst = 0, clsLast = 0, interactions = {};
  var viewTimer = null, viewAt = 0, lastView = null, loadingTime = null;
  // A view update at most `delay` ms from now: one that is due sooner stands (it reads the
  // figures when it fires), so a burst of entries costs one timer, not one each.
  function viewUpdate(delay) {
    var at = perf.now() + delay;
    if (viewTimer) { if (viewAt <= at) return; clearTimeout(viewTimer); }
    viewAt = at;
    viewTimer = setTimeout(function () { viewTimer = null; emitView(); }, delay);
  }
  function inp() {
    var d = Object.keys(interactions).map(function (k) { return interactions[k]; });
    if (!d.length) return null;
    d.sort(function (a, b) { return b - a; });
    return d[Math.min(Math.floor(d.length / 50), d.length - 1)];  // ~p98, as web-vitals does
  }
  /* A view update when its figures changed; `final` (the view ends or the page is left: a
   * route change, pagehide, the tab hidden) one in any case, with the view's `time_spent`
   * (ms) so far, as Datadog's SDK sends it then: a quiet visit's recording lasts as long as
   * the visit did, not until its last change. */
  function emitView(final) {
    var v = {id: view.id, url: view.url, referrer: view.referrer};
    if (view.navigation_type) v.navigation_type = view.navigation_type;
    if (loadingTime === null) {   // final once the load event ended: looked up until then
      var nav = navigationEntry();
      if (nav && nav.loadEventEnd > 0) loadingTime = round(nav.loadEventEnd);
    }
    if (loadingTime !== null && view.id === viewId) v.loading_time = loadingTime;
    if (lcp != null) v.largest_contentful_paint = round(lcp);
    v.cumulative_layout_shift = Math.round(cls * 10000) / 10000;
    var i = inp();
    if (i != null) v.interaction_to_next_paint = i;
    var key = JSON.stringify(v), t = now();
    if (key === lastView && !final) return;  // an update only when something changed
    // (leaving fires pagehide and visibilitychange one after the other: one final update)
    if (key === lastView && t - lastFinal < FINAL_APART_MS) return;
    lastView = key;
    if (final) { v.time_spent = Math.max(0, t - viewStart); lastFinal = t; }
    emit({type: "view", view: v});
  }
  // The document itself: its navigation entry is complete only after the load event - over
  // already where the plugin starts on a page that has loaded (record mode's Record pressed
  // on the page shown, whose other requests the buffered observer above reports).
  function documentLoaded() {
    setTimeout(function () {
      var nav = navigationEntry();
      if (nav) onResourceEntry(nav);
      viewUpdate(0);
    }, 0);
  }
  if (doc.readyState === "complete") documentLoaded();
  else win.addEventListener("load", documentLoaded);
  observe("largest-contentful-paint", function (e) { lcp = e.startTime; viewUpdate(1000); });
  observe("layout-shift", function (e) {
    if (e.hadRecentInput) return;
    // Session windows: shifts < 1 s apart, a window at most 5 s; CLS is the worst window.
    if (clsWindow && e.startTime - clsLast < 1000 && e.startTime - clsFirst < 5000) clsWindow += e.value;
    else { clsWindow = e.value; clsFirst = e.startTime; }
    clsLast = e.startTime;
    if (clsWindow > cls) { cls = clsWindow; viewUpdate(1000); }
  });
  function onEventTiming(e) {
    if (!e.interactionId || e.duration <= (interactions[e.interactionId] || 0)) return;
    interactions[e.interactionId] = e.duration;   // INP can only have changed if this grew
    viewUpdate(1000);
  }
  // web-vitals' threshold: a faster interaction cannot be the page's INP unless it is the only
  // one (the first input, observed below, still is); at 16 ms nearly every pointer event of
  // every mouse move over an element is an entry (its duration runs to the next frame)
  observe("event", onEventTiming, {durationThreshold: INP_MIN_MS});
  observe("first-input", onEventTiming);
  observe("longtask", function (e) {
    emit({type: "long_task", date: Math.round(perf.timeOrigin + e.startTime),
          long_task: {duration: round(e.duration)}});
  });

  // Route changes of single-page apps (History API): the view so far is final, a new one starts.
  function routeChanged(navigationType) {
    if (win.location.href === view.url) return;
    bump();   // the route change is what the clicks before it did: not dead
    newView("route_change", view.url, navigationType);
  }
  /* The view so far is final; a new one starts, `loadingType`: how (Datadog's words), `from`:
   * the address the visitor came from (null: unknown), `navigationType`: see
   * documentNavigation; `ended`: the view's final update went already (at pagehide) - sent
   * again, its time_spent would count the time the visitor spent on other pages. */
  function newView(loadingType, from, navigationType, ended) {
    flushChain();
    if (viewTimer) clearTimeout(viewTimer);
    viewTimer = null;
    if (!ended) emitView(true);
    viewStart = now();
    view = {id: Math.random().toString(36).slice(2, 10) + Date.now().toString(36),
            url: win.location.href, referrer: from, navigation_type: navigationType};
    lcp = null; cls = 0; clsWindow = 0; interactions = {}; lastView = null; lastFinal = -Infinity;
    emit({type: "view", view: {id: view.id, url: view.url, referrer: view.referrer,
                               loading_type: loadingType, navigation_type: navigationType}});
  }
  // back (or forward) to this page out of the browser's back/forward cache: a view of its own
  // (the visit was on another page meanwhile; capture.js snapshots this one again)
  // The referrer is not known (another page, which this one's script never saw); the view
  // before ended at the pagehide that put the page in the cache. A task later: after
  // capture.js has begun the page again (its own pageshow listener), so the view is the new
  // page's, after its snapshot - emitted at once it went with the page as it was before the
  // cache, stored ahead of the snapshot.
  win.addEventListener("pageshow", function (e) {
    if (!e.persisted) return;
    setTimeout(function () {
      try { newView("bf_cache", null, "back_forward", true); } catch (x) { /* never break the page */ }
    }, 0);
  });
  ["pushState", "replaceState"].forEach(function (name) {
    var orig = win.history && win.history[name];
    if (!orig) return;
    win.history[name] = function () {
      var r = orig.apply(this, arguments);
      try { routeChanged("navigate"); } catch (e) { /* never break the page */ }
      return r;
    };
  });
  // popstate follows a link to a fragment too (`#reviews`), and the page's own history.back()
  // (an in-page "Back" link: the click's doing, as a pushState is): where the browser has the
  // Navigation API, its navigate event (fired first) says whether the visitor moved through
  // the history (a traversal the visitor began); elsewhere every popstate is taken as theirs
  var popped = null;
  if (win.navigation && win.navigation.addEventListener) {
    win.navigation.addEventListener("navigate", function (e) {
      popped = e.navigationType === "traverse" && e.userInitiated ? "back_forward" : "navigate";
    });
  }
  win.addEventListener("popstate", function () {
    var how = popped || "back_forward";
    popped = null;
    routeChanged(how);
  });

  /* ---- errors ---------------------------------------------------------------------------- */
  function errorSeen() { if (chain.length) stamp("failed"); }
  /* The RUM error of an `error` event of window `w` (the page's by default; null: a failed
   * <img>/<script>, a resource, not JS) or an `unhandledrejection` event. */
  function errorOf(ev, w) {
    if (ev.type === "unhandledrejection") {
      var r = ev.reason;
      return {type: "error", error: {message: "Unhandled promise rejection: " +
              ((r && r.message) || String(r)), source: "source", stack: (r && r.stack) || null,
              type: (r && r.name) || "UnhandledRejection"}};
    }
    if (ev.target && ev.target !== (w || win)) return null;
    var err = ev.error;
    return {type: "error", error: {message: (err && err.message) || ev.message || "Script error",
            source: "source", stack: (err && err.stack) || null, type: (err && err.name) || "Error"}};
  }
  function onError(ev) {
    if (this !== win && frameHidden(this)) return;
    var p = errorOf(ev, this);
    if (!p) return;
    emit(p);
    errorSeen();
  }
  /* Whether a frame's window `w` is in a frame the recording holds nothing of: it, or a
   * frame it is in, is hidden - by the recorder's rules (`privacyOf`), else by the page's
   * markup (rrweb's recorder: its `rr-block`, ours, Datadog's). Its errors are not the
   * session's: their messages and stacks would tell of what the rules hide (a payment
   * frame's: a reviewer's find). */
  var HIDDEN_MARKUP = '[data-replay-privacy="hidden"], .replay-privacy-hidden,' +
    ' [data-dd-privacy="hidden"], .dd-privacy-hidden, .rr-block';
  function frameHidden(w) {
    try {
      for (var f = w.frameElement; f; f = f.ownerDocument.defaultView.frameElement) {
        if (hiddenFrame(f, new Map())) return true;
      }
    } catch (e) { return true; }   // (not to be told: not recorded)
    return false;
  }
  /* Whether the frame element `f` is hidden (`memo`: privacyOf's, for one question). */
  function hiddenFrame(f, memo) {
    return privacyOf ? privacyOf(f, memo) === TEXT_HIDDEN : !!f.closest(HIDDEN_MARKUP);
  }
  win.addEventListener("error", onError, true);
  win.addEventListener("unhandledrejection", onError);
  /* A same-origin frame's uncaught errors and unhandled rejections are the session's too (a
   * payment frame's error was recorded nowhere, the change it made to the frame was: a QA's
   * tryout). Its window is listened to when its document has loaded - a frame's `load`
   * passes its document's capturing listener (not its window's: a load event stops at the
   * document), each document it loads, nested frames' too - and the frames there at the
   * start. Listening twice is once (the same function). Another
   * origin's frame is not ours to read; its console is not wrapped (capture.js records a
   * frame's console as it records the page's, or not). */
  function watchFrames(d) {
    var frames = d.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) watchFrame(frames[i]);
  }
  function watchFrame(f) {
    var fw;
    try {
      fw = f.contentWindow;
      if (!fw || !fw.document) return;
      fw.addEventListener("error", onError, true);
      fw.addEventListener("unhandledrejection", onError);
      // its clicks are the page's actions, and its changes and scrolls their answers
      fw.document.addEventListener("click", onClick, true);
      fw.addEventListener("scroll", bump, true);
      watchRoot(fw.document);
      fw.document.addEventListener("load", frameLoaded, true);
      watchFrames(fw.document);
    } catch (e) { /* another origin's */ }
  }
  function frameLoaded(ev) {
    var t = ev.target;
    if (t && t.localName === "iframe") watchFrame(t);
  }
  doc.addEventListener("load", frameLoaded, true);
  if (doc.readyState !== "loading") watchFrames(doc);
  else doc.addEventListener("DOMContentLoaded", function () { watchFrames(doc); });
  /* An error of an earlier moment `t` (epoch ms), which the install snippet kept while the
   * plugin loaded: at its own date. */
  function pastError(ev, t) {
    var p = errorOf(ev);
    if (p) { p.date = t; emit(p); }
  }
  if (win.console && win.console.error) {
    var origError = win.console.error;
    win.console.error = function () {
      var parts = [];
      for (var i = 0; i < arguments.length; i++) {
        var a = arguments[i];
        parts.push(a && a.message ? a.message : typeof a === "string" ? a : safeJson(a));
      }
      var withStack = [].filter.call(arguments, function (a) { return a && a.stack; })[0];
      emit({type: "error", error: {message: parts.join(" "), source: "console",
            stack: withStack ? withStack.stack : null, type: withStack ? withStack.name : "console"}});
      errorSeen();
      return origError.apply(this, arguments);
    };
  }
  function safeJson(a) { try { return JSON.stringify(a); } catch (e) { return String(a); } }

  /* ---- actions and frustration signals ------------------------------------------------- */
  /* The recorder in the page (capture.js) says how its privacy rules treat an element's text
   * (ReplayRum.recorderMasksText): an action's name is read through it, so a text the
   * recording masks never leaves the page as a name either. `privacyOf(el, memo)` is
   * TEXT_SHOWN, TEXT_MASKED or TEXT_HIDDEN; without a recorder's word the page's text is read
   * as it is (rrweb's recorder: the recorder's privacy pass scrubs names as free text). */
  var TEXT_SHOWN = 0, TEXT_MASKED = 1, TEXT_HIDDEN = 2;
  var privacyOf = null;
  var NO_TEXT = /^(HEAD|TITLE|SCRIPT|STYLE|TEMPLATE|NOSCRIPT)$/;   // recorder/steps.py UNSHOWN_TAGS
  function maskedText(s) { return s.replace(/\S/g, "x"); }
  function shown(el, s, memo) {   // an attribute or value of `el`, as the recording shows it
    if (!s || !privacyOf) return s;
    var how = privacyOf(el, memo);   // a hidden element's: none (its box alone is recorded)
    return how === TEXT_SHOWN ? s : how === TEXT_MASKED ? maskedText(s) : "";
  }
  /* What a click on `el` names: `el`, or - `el` beneath a hidden element, of which the
   * recording holds nothing - the hidden element whose placeholder the recording has (the
   * outermost hidden one), as the replay shows the click: its tag, id and class are recorded
   * (masking.BOX_ATTRS), so its selector says nothing the recording does not, where the
   * clicked element's (`ul#ticklist > li`, `span.overdrawn`) told what lies beneath. */
  function recordedTarget(el, memo) {
    if (!privacyOf) return el;
    var box = null;
    for (var n = el; n && n.nodeType === 1 && privacyOf(n, memo) === TEXT_HIDDEN;) {
      box = n;
      var p = n.parentNode;   // up through a shadow root to its host, as capture.js's levels
      n = p && p.nodeType === 11 ? p.host : p;
    }
    return box || el;
  }
  /* The text of `n` as a name reads it: through the recorder's privacy, its texts apart
   * where the page shows them apart, as innerText (the name read without a recorder's word)
   * sets them - across an element laid out as a box of its own (a block, a table cell, an
   * inline-block button) or a line break - and run on across an inline element's: the
   * "Cart (<span>1</span>)" link is "Cart (1)", not "Cart ( 1 )" (recorder/steps.py
   * spaces a step's name so, from the tags: it has no layout to ask). */
  // An action's name is cut to NAME_CHARS: the walk stops once it has that much text, or
  // after NAME_NODES elements (steps.py's max_nodes) - a click on <body> or a table walked
  // the whole page, a style computed per element, in the click's handler
  var NAME_CHARS = 100, NAME_NODES = 400;
  function textOf(n, memo) {
    if (!privacyOf) return n.innerText;
    var out = [], chars = 0, nodes = 0;
    (function walk(x) {
      var how = privacyOf(x, memo);
      if (how === TEXT_HIDDEN) return;
      for (var c = x.firstChild; c && chars < 2 * NAME_CHARS && nodes < NAME_NODES; c = c.nextSibling) {
        if (c.nodeType === 3) {
          out.push(how === TEXT_MASKED ? maskedText(c.data) : c.data);
          chars += c.data.length;
        } else if (c.nodeType === 1 && !NO_TEXT.test(c.tagName)) {
          nodes++;
          var box = apart(c);
          if (box) out.push(" ");
          walk(c);
          if (box) out.push(" ");
        }
      }
    })(n);
    return out.join("");
  }
  function apart(el) {
    if (el.tagName === "BR") return true;
    var display = win.getComputedStyle ? win.getComputedStyle(el).display : "inline";
    return display !== "inline" && display !== "contents";
  }
  function targetName(el, memo) {
    for (var n = el; n && n.nodeType === 1; n = n.parentElement) {
      var s = shown(n, n.getAttribute("aria-label") || n.getAttribute("title") || n.getAttribute("alt"), memo);
      if (!s && /^(BUTTON|A|LABEL|SUMMARY|OPTION)$/.test(n.tagName)) s = textOf(n, memo);
      if (!s && n.tagName === "INPUT" && /^(button|submit|reset)$/.test(n.type)) s = shown(n, n.value, memo);
      if (s && (s = s.replace(/\s+/g, " ").trim())) return s.slice(0, NAME_CHARS);
    }
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)) {  // a field: its label says what it is
      var lab = el.labels && el.labels[0] ? textOf(el.labels[0], memo) :
        shown(el, el.getAttribute("placeholder"), memo) ||
        shown(el, el.name, memo);   // (recorded as *** at mask: x's here, as other names)
      if (lab && (lab = lab.replace(/\s+/g, " ").trim())) return lab.slice(0, NAME_CHARS);
    }
    // (not the page's own text for a click on its background: recorder/steps.py PAGE_TAGS)
    var t = /^(HTML|BODY)$/.test(el.tagName) ? "" :
      (privacyOf ? textOf(el, memo) : el.innerText || el.textContent || "").replace(/\s+/g, " ").trim();
    return t ? t.slice(0, NAME_CHARS) : el.tagName.toLowerCase();
  }
  // Clicks where nothing visible is expected to happen are never "dead" (as Datadog); nor is
  // one in a frame the recording hides (the click is on its box): what it did is not ours
  // to see.
  var NO_DEAD = /^(INPUT|TEXTAREA|SELECT|OPTION|LABEL|VIDEO|AUDIO|IFRAME)$/;
  var chain = [], chainTimer = null, CHAIN_MS = 1000;
  var RAGE_CLICKS = 3;    // this many clicks within CHAIN_MS are a rage click...
  var SELECT_CLICKS = 3;  // ... but up to this many in one text field select its text (a
                          // double-click a word, a triple-click a line or all of it)
  // The <input> types a person types text in (`el.type`: a type the browser does not know
  // reads "text"); recorder/steps.py's TEXT_INPUT_TYPES, which decides for recorded clicks.
  var TEXT_INPUT = /^(text|search|email|url|tel|password|number)$/;
  /* The editable text field a click on `el` is in (an <input> of a text kind, a <textarea>,
   * an element a contenteditable makes editable), or null. */
  function textField(el) {
    if (el.tagName === "INPUT") return TEXT_INPUT.test(el.type) ? el : null;
    return el.tagName === "TEXTAREA" || el.isContentEditable ? el : null;
  }
  function clickAction(c, frustration) {
    var a = {type: "click", target: {name: c.name, selector: c.selector}};
    if (c.x !== null) a.position = {x: c.x, y: c.y};
    if (frustration.length) a.frustration = {type: frustration};
    if (c.count > 1) a.click_count = c.count;
    emit({type: "action", date: c.date, action: a});
  }
  function settle(c) {  // within SETTLE_MS of a click: did anything happen? did something fail?
    c.error = c.failed !== null;
    c.dead = !c.error && c.acted === null && !NO_DEAD.test(c.tag) && !c.editable;
  }
  function flushChain() {
    if (chainTimer) { clearTimeout(chainTimer); chainTimer = null; }
    var clicks = chain; chain = [];
    if (!clicks.length) return;
    clicks.forEach(settle);
    var first = clicks[0], erred = clicks.some(function (c) { return c.error; });
    if (clicks.length >= RAGE_CLICKS && first.field && clicks.length <= SELECT_CLICKS &&
        clicks.every(function (c) { return c.field === first.field; })) {
      // a triple-click in a text field selects its text: one action, no rage
      first.count = clicks.length;
      clickAction(first, erred ? ["error_click"] : []);
    } else if (clicks.length >= RAGE_CLICKS) {  // rage: clicks within 1 s in a small area -> one action
      var f = ["rage_click"];
      if (erred) f.push("error_click");
      if (clicks.every(function (c) { return c.dead; })) f.push("dead_click");
      first.count = clicks.length;
      clickAction(first, f);
    } else {
      clicks.forEach(function (c) {
        clickAction(c, c.error ? ["error_click"] : c.dead ? ["dead_click"] : []);
      });
    }
  }
  function selectorOf(el) {
    var parts = [];
    for (var n = el; n && n.nodeType === 1 && parts.length < 4; n = n.parentElement) {
      var p = n.tagName.toLowerCase();
      if (n.id) { parts.unshift(p + "#" + n.id); break; }
      var cl = n.classList, k = cl ? cl.length : 0;   // its first two classes, without an array
      if (k) p += k > 1 ? "." + cl[0] + "." + cl[1] : "." + cl[0];
      parts.unshift(p);
    }
    return parts.join(" > ");
  }
  /* A click, on the page's document or a same-origin frame's (watchFrame). */
  function onClick(ev) {
    // what was clicked, inside an open shadow root too (the event's target here is its host)
    var t = ev.composedPath ? ev.composedPath()[0] || ev.target : ev.target;
    var el = t && t.nodeType === 1 ? t : t && t.parentElement || ev.target;
    if (!el || el.nodeType !== 1) return;
    // a click no pointer made (a key's, a script's: detail 0 at 0, 0) has no position
    var placed = ev.detail !== 0 || ev.clientX || ev.clientY;
    // (one memo of the levels for the click: naming asks again of the elements the hidden
    // check walked - the clicked one's ancestors - and the page cannot change in between)
    var memo = privacyOf ? new Map() : null;
    // A frame's click is the page's: placed on the page (each frame's offset added, as a
    // replay draws it) and timed on its clock; in a frame the recording hides, it is a click
    // on that frame's box (the recording holds nothing else of it). Frames' clicks were no
    // actions at all: a payment frame's dead button was nowhere in the Actions tab.
    var dx = 0, dy = 0, made = ev.timeStamp;
    if (this !== doc) {
      try {
        var fw = this.defaultView;
        made += fw.performance.timeOrigin - perf.timeOrigin;
        for (var f = fw.frameElement; f; f = f.ownerDocument.defaultView.frameElement) {
          var box = f.getBoundingClientRect();
          dx += box.left + f.clientLeft;
          dy += box.top + f.clientTop;
          if (hiddenFrame(f, memo)) el = f;
        }
      } catch (e) { return; }   // (a frame gone, or of another origin now: not ours)
    }
    // named as recorded (beneath a hidden element: that element); the element itself says
    // whether the click is a dead one, a field's
    var named = recordedTarget(el, memo);
    // `perf`: when the page handles the click (what it does in answer is timed from it);
    // `at`: when the person clicked (the event's own time stamp, on performance.now()'s
    // clock) - a busy page handles clicks late, and a rage click at a frozen page, made
    // within 0.2 s and handled over 1.2 s, was one click and a rage click of three
    var handled = perf.now();
    var c = {date: now(), perf: handled, at: made > 0 && made <= handled ? made : handled,
             x: placed ? ev.clientX + dx : null, y: placed ? ev.clientY + dy : null, name: targetName(named, memo),
             selector: selectorOf(named), tag: el.tagName, editable: el.isContentEditable,
             field: textField(el), acted: null, failed: null, count: 1, dead: null, error: false};
    var last = chain[chain.length - 1];
    if (last && (c.at - chain[0].at > CHAIN_MS || (c.x === null) !== (last.x === null) ||
                 Math.abs(c.x - last.x) > 32 || Math.abs(c.y - last.y) > 32)) {
      flushChain();
    }
    chain.push(c);
    if (!chainTimer) chainTimer = setTimeout(chainDue, CHAIN_MS);
  }
  doc.addEventListener("click", onClick, true);
  // The chain is decided CHAIN_MS after its last click: one timer per chain (moved on when it
  // fires early), not one per click.
  function chainDue() {
    chainTimer = null;
    var wait = chain.length ? chain[chain.length - 1].perf + CHAIN_MS - perf.now() : 0;
    if (wait > 1) chainTimer = setTimeout(chainDue, wait);
    else flushChain();
  }

  // Page activity for dead clicks: DOM changes, scrolling, navigation (requests bump too).
  // A recorder whose own MutationObserver sees every change of the page reports them
  // instead (ReplayRum.recorderWatchesDom): each change then makes one record, not two.
  // Shadow roots are watched too, as the page attaches them (and, once parsed, the
  // declarative ones and any attached before): a document's observer does not see into them.
  var domWatch = null, domByRecorder = false;
  var DOM_CHANGES = {subtree: true, childList: true, attributes: true, characterData: true};
  function watchRoot(root) {
    if (domWatch && root) try { domWatch.observe(root, DOM_CHANGES); } catch (e) { /* gone */ }
  }
  function watchShadowRoots() {
    if (!domWatch) return;
    var all = doc.querySelectorAll("*");
    for (var i = 0; i < all.length; i++) {
      if (all[i].shadowRoot) watchRoot(all[i].shadowRoot);
      // ... and the same-origin frames' documents loaded before we watched (watchFrame
      // watches those loaded after)
      if (all[i].localName === "iframe") try { watchRoot(all[i].contentDocument); } catch (e) { /* another origin's */ }
    }
  }
  function watchDom() {
    if (domWatch || domByRecorder) return;
    try {
      var mo = new win.MutationObserver(bump);
      mo.observe(doc, DOM_CHANGES);
      domWatch = mo;
    } catch (e) { /* no DOM yet */ }
  }
  var attachShadow = win.Element && win.Element.prototype.attachShadow;
  if (attachShadow) {
    try {
      win.Element.prototype.attachShadow = function () {
        var root = attachShadow.apply(this, arguments);
        watchRoot(root);
        return root;
      };
    } catch (e) { /* a frozen prototype: its roots go unwatched */ }
  }
  if (doc.documentElement) watchDom(); else doc.addEventListener("readystatechange", watchDom, {once: true});
  // the roots there already, looked for a task after the document is parsed: a recorder that
  // watches the DOM for us (capture.js) has started by then, and the walk of every element is
  // not made (its start comes after ours, at DOMContentLoaded or in the same task)
  var scanRoots = function () { setTimeout(watchShadowRoots, 0); };
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", scanRoots, {once: true});
  else scanRoots();
  win.addEventListener("scroll", bump, true);
  // leaving the page: the requests it still waits for will never be answered to it - said as
  // pending now, "the visitor left while Save hung" (one answered after all, on a page back
  // from the back/forward cache, is not reported again: `answered`). Not when the tab is only
  // hidden: the page goes on, and their answers come.
  win.addEventListener("pagehide", function () { bump(); flush(); unanswered(); });
  // the tab hidden may be the visit's end (a mobile browser discards it without a pagehide)
  doc.addEventListener("visibilitychange", function () { if (doc.visibilityState === "hidden") flush(); });

  // Who is browsing: the user agent and the screen, once per page (its first view). Which
  // browser, OS and device that is, the player reads from the user agent (Python's
  // player.qt.session_view.parse_user_agent: one reading of it, as Datadog's intake derives
  // them from the header instead of its SDK); capture.js leaves the string itself to the
  // header of the request that carries it (compact@5).
  function environment() {
    return {display: {viewport: {width: win.innerWidth, height: win.innerHeight},
                      screen: {width: win.screen.width, height: win.screen.height}},
            user_agent: win.navigator.userAgent || ""};
  }

  function flush() { flushChain(); if (viewTimer) clearTimeout(viewTimer); viewTimer = null; emitView(true); }

  win.ReplayRum = {
    flush: flush,
    unanswered: unanswered,
    pastError: pastError,
    pageFetch: origFetch,
    /* Requests to URLs starting with `prefix` are a recorder's own, never the page's. */
    ignore: function (prefix) {
      prefix = prefix && absUrl(prefix);
      if (prefix && ignored.indexOf(prefix) < 0) ignored.push(prefix);
    },
    /* `true`: the caller observes the whole document and calls the function returned on
     * each change (capture.js, from its own observer); `false`: it stopped, the plugin
     * watches again. */
    /* The recorder's privacy for an action's name (see targetName); null: none. */
    recorderMasksText: function (fn) { privacyOf = fn || null; },
    TEXT_SHOWN: TEXT_SHOWN, TEXT_MASKED: TEXT_MASKED, TEXT_HIDDEN: TEXT_HIDDEN,
    recorderWatchesDom: function (on) {
      domByRecorder = !!on;
      if (domByRecorder && domWatch) { domWatch.disconnect(); domWatch = null; }
      if (!domByRecorder && doc.documentElement) { watchDom(); watchShadowRoots(); }
      return bump;
    },
    getRecordPlugin: function () {
      return {
        name: "replay/rum@1",
        observer: function (cb) {
          sink = cb;
          since = now();
          var q = queue; queue = [];
          var first = {type: "view", view: {id: view.id, url: view.url, referrer: view.referrer}};
          if (view.navigation_type) first.view.navigation_type = view.navigation_type;
          var ctx = environment();
          for (var k in ctx) first[k] = ctx[k];
          emit(first);
          q.forEach(emit);
          return function () { sink = null; };
        },
        options: {}
      };
    }
  };
})(window);
