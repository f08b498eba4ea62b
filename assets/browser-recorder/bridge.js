/* The recording browser's bridge (app/record/browser.py; the test harness
 * replay_tools/browser_recorder.py drives the same one). Runs in the recorded page's main world,
 * after rrweb, its console plugin and the RUM shim: starts rrweb.record (which itself waits for
 * DOMContentLoaded) and streams every event to Python over a QWebChannel as soon as it is
 * emitted, so nothing is lost when the page navigates away. `__REPLAY_RECORD_OPTIONS__` is
 * replaced by Python with a JSON object. Injected again into a document it already runs in
 * (record mode: Record after Stop), it starts recording again with the new options.
 */
(function (win) {
  "use strict";
  var OPTIONS = __REPLAY_RECORD_OPTIONS__;
  if (win.__replayBridge) { win.__replayBridge.start(OPTIONS); return; }
  // The recorder in this page: our capture.js when it was injected, else rrweb's.
  var CAPTURE = win.ReplayCapture || null;
  var REC = CAPTURE || win.rrweb;
  // the clock as it was when the recorder loaded (rrweb keeps its own so): a page that fakes
  // Date.now later stamps neither the events nor the typed values with it
  var now = Date.now.bind(Date);
  var docId = Math.random().toString(36).slice(2) + now().toString(36);
  var pending = [], sent = 0, bridge = null, flushQueued = false, stop = null, started = false;
  // Values typed into masked fields. rrweb records them as asterisks, so the recorder's
  // privacy pass could never learn them and mask their echoes (a coupon code in a request
  // URL, a console line, the page's own "No coupon named ..."): each distinct one goes to the
  // recording's own process with the next batch, beside the events - never into an event,
  // never to the page's network - and lives there in memory only (`typed`, read by
  // recorder.privacy.masker.masker_factory). Each keystroke's value goes with its field (the
  // node id the events give it) and its time, so the pass notes it as typed then, and its
  // keystrokes on the way fade as in an import (recorder/privacy/echoes.py). capture.js
  // scrubs its echoes itself in the page, and hands what it learns here too (`onTyped`).
  var typed = [], lastTyped = new WeakMap(), recording = false;

  /* The page's console before rrweb's console plugin takes over. rrweb starts at
   * DOMContentLoaded, so the lines of a page's first scripts - on every page a recording
   * goes to - were lost, and a load-time console.error or uncaught error was in the Errors
   * tab (the RUM plugin's) but not the Console. From the document's start they are kept
   * here, each with its own time, and sent as the console plugin's events right after the
   * page's snapshot, as capture.js sends its own early lines: stamped as the snapshot (a
   * recording's timestamps never go back), dated when logged (`date`); then the plugin
   * records. */
  var early = [], earlyOn = !CAPTURE, EARLY_MAX = 200, ARG_MAX = 1000;
  function earlyArg(a) {   // an argument as the console plugin writes one: JSON text
    try {
      if (a instanceof Error) return JSON.stringify(String(a.stack || a.name + ": " + a.message));
      if (a === undefined) return "undefined";
      if (typeof a === "function") return JSON.stringify("function " + (a.name || "anonymous"));
      if (a && a.nodeType) return JSON.stringify("<" + String(a.nodeName).toLowerCase() + ">");
      var text = JSON.stringify(a);
      return text === undefined ? JSON.stringify(String(a)) : text.slice(0, ARG_MAX);
    } catch (e) { return JSON.stringify(String(a)); }
  }
  function keepEarly(level, args) {
    if (earlyOn && recording && early.length < EARLY_MAX) {
      early.push({level: level, payload: args, at: now()});
    }
  }
  if (earlyOn && win.console) {
    ["log", "info", "warn", "error", "debug"].forEach(function (level) {
      var orig = win.console[level];
      if (typeof orig !== "function") return;
      win.console[level] = function () {
        try { if (earlyOn) keepEarly(level, [].map.call(arguments, earlyArg)); } catch (e) { /* never the page's */ }
        return orig.apply(this, arguments);
      };
    });
    win.addEventListener("error", function (ev) {   // as the plugin words an uncaught error
      if (earlyOn && ev && typeof ev.message === "string") keepEarly("error", [JSON.stringify(ev.message)]);
    });
  }
  function sendEarly(emit, snapshot) {
    earlyOn = false;
    var lines = early;
    early = [];
    lines.forEach(function (e) {
      var payload = {level: e.level, trace: [], payload: e.payload};
      if (e.at < snapshot.timestamp) payload.date = e.at;
      emit({type: 6, timestamp: Math.max(e.at, snapshot.timestamp),
            data: {plugin: "rrweb/console@1", payload: payload}});
    });
  }

  function send() {
    flushQueued = false;
    if (!bridge || (!pending.length && !typed.length)) return;
    var batch = pending; pending = [];
    sent += batch.length;
    var message = {doc: docId, upto: sent, events: batch};
    if (typed.length) { message.typed = typed; typed = []; }
    bridge.push(JSON.stringify(message));
  }
  /* A value rrweb masks, as it was typed: a value chosen from the page's own strings (a
   * select's option, a checkbox's or radio's value) is not one (the recorder's pass skips
   * those too, masker._CHOSEN). */
  function rememberTyped(text, el) {
    if (!text || el.tagName === "SELECT" || el.type === "checkbox" || el.type === "radio") return;
    if (!recording) return;   // typed while no recording runs: nothing of it is recorded
    if (lastTyped.get(el) === text) return;   // rrweb asks again for the same value
    lastTyped.set(el, text);
    var mirror = REC.record && REC.record.mirror;
    noteTyped(text, mirror ? mirror.getId(el) : -1);
  }
  /* A value typed into field `id` (the node id the events give it; none: -1, null), to go
   * with the next batch. */
  function noteTyped(text, id) {
    typed.push({text: text, field: typeof id === "number" && id > 0 ? id : null, at: now()});
    queueSend();
  }
  function queueSend() {
    if (!flushQueued) { flushQueued = true; Promise.resolve().then(send); }
  }
  function connect() {
    // another driver (replay_tools/chromium.py, Playwright) hands over a sink of its own
    if (typeof win.__replayBridgeSink === "function") {
      bridge = {push: win.__replayBridgeSink};
      send();
      return;
    }
    if (!(win.qt && win.qt.webChannelTransport)) { setTimeout(connect, 5); return; }
    var channel = new win.QWebChannel(win.qt.webChannelTransport, function (ch) {
      bridge = ch.objects.recorder;
      send();
    });
    // The transport belongs to the page, not the document: answers to the previous
    // document's last pushes can arrive here after a navigation. They carry nothing we
    // need; drop them instead of letting qwebchannel.js throw into the recorded page.
    var handle = channel.handleResponse;
    channel.handleResponse = function (message) {
      if (message && typeof channel.execCallbacks[message.id] === "function") handle(message);
    };
  }

  // Our extensions to rrweb's options, decided per element by `masked` below:
  // `maskInputSelector` masks the inputs inside what matches a CSS selector (say
  // `input[autocomplete^="cc-"]`); `allowInputSelector` records in clear the inputs inside what
  // matches it even under `maskAllInputs` (the privacy rules' `allow`), except the types
  // `maskInputOptions` always masks. rrweb only calls maskInputFn for input types it masks,
  // so every type is handed to it and it decides per element.
  var options, baseMask, maskSelector, allowSelector, maskAll;
  // Options given as lists of CSS selectors: the ones this browser cannot parse are dropped
  // (one bad selector would otherwise break the whole list, or rrweb itself); the store's
  // privacy pass still applies them.
  var SELECTOR_LISTS = ["blockSelector", "maskTextSelector", "maskInputSelector", "allowInputSelector"];
  function selectorList(list) {
    var ok = list.filter(function (sel) {
      try { win.document.createDocumentFragment().querySelector(sel); return true; } catch (e) { return false; }
    });
    return ok.length ? ok.join(", ") : null;
  }
  function startCapture(given) {
    // capture.js masks from the rules itself and, with `intake`, sends to it itself
    var tap = function (event) { pending.push(event); queueSend(); };
    // ... and scrubs its echoes in the page, which forgets them with the page: each value it
    // learns comes here too, as rrweb's do (rememberTyped), for the pass over the recording
    try {
      if (given.intake) {
        var cfg = given.intake;
        CAPTURE.start({intake: cfg.url, app: cfg.app, token: cfg.token, sessionId: cfg.session_id,
                       user: cfg.user, rules: given.rules || null, flushMs: cfg.batch_ms,
                       batchEvents: cfg.max_events, recordCanvas: given.recordCanvas,
                       canvasFps: given.canvasFps, emit: tap, onTyped: noteTyped});
        stop = function () { CAPTURE.stop(); };
        win.__replayIntake = {flush: function () { return CAPTURE.flush(); }};
      } else {
        stop = CAPTURE.record({rules: given.rules || null, recordCanvas: given.recordCanvas,
                               canvasFps: given.canvasFps, emit: tap, onTyped: noteTyped}) || null;
      }
      started = true;
      win.__replayBridgeError = null;
    } catch (e) {
      win.__replayBridgeError = String(e && e.stack || e);
    }
  }
  /* rrweb never hands the value of a field beneath a blocked element or with rr-ignore to
   * maskInputFn (it records nothing of it), nor anything of a field inside a closed shadow
   * root, yet the page may echo it: those are remembered from the page's own input events,
   * heard on the page's document, each same-origin iframe's (an input event does not leave
   * its document) and each shadow root (one from inside reaches the document with the host
   * as its target - the field is the first of its path -, a closed root's shows the
   * document none of its path, and one a script dispatches without `composed` stops at its
   * root). A value already in such a field when it is first watched (typed before Record,
   * or in a frame before its load) is remembered then. The frames are watched as they
   * load, not as rrweb attaches them: rrweb never attaches a frame it blocks (a payment
   * iframe hidden whole), whose fields are all unrecorded then. A frame's load does not
   * leave its shadow root either: every shadow root is watched - the open ones there when
   * its document is (walked again once parsed: a page's declarative roots), and each one
   * attached later (the document's realm's attachShadow, wrapped once by its shadow keeper -
   * from the document's start where it ran then, which kept the closed ones made before the
   * bridge took them: shadow-keeper.js). */
  // (no set of the documents watched: `document.open()` keeps a frame's Document but drops
  // its listeners, and adding the same listener twice adds it once)
  var realmsHooked = new WeakSet();   // the Element.prototype of each document's realm
  function watchInputs(root) {   // a Document or a ShadowRoot
    if (!root) return;
    root.addEventListener("input", onInput, true);
    root.addEventListener("load", onFrameLoad, true);   // a frame's load does not bubble
    if (root.nodeType === 9) hookShadows(root.defaultView);
    var all = root.querySelectorAll("*");
    for (var i = 0; i < all.length; i++) {
      var el = all[i];
      if (el.tagName === "IFRAME") watchFrame(el);
      else if ((el.tagName === "INPUT" || el.tagName === "TEXTAREA") && el.value &&
               el.value !== el.defaultValue) onInput({target: el});   // (set in the markup: the page's)
      if (el.shadowRoot) watchInputs(el.shadowRoot);
    }
  }
  function hookShadows(w) {
    var E = w && w.Element && w.Element.prototype;
    if (!E || realmsHooked.has(E)) return;
    realmsHooked.add(E);
    // its keeper (shadow-keeper.js, injected before this): the closed roots made before now,
    // then every root made; none where attachShadow cannot be wrapped (README: Not yet)
    var ours = win.__replayShadowKeeper, keeper = w.__replayShadowKeeper || (ours && ours.of(w));
    if (keeper) keeper.take(watchInputs);
  }
  function onFrameLoad(e) {
    try {
      if (e.target && e.target.tagName === "IFRAME") watchFrame(e.target);
    } catch (x) { /* never break the page */ }
  }
  function watchFrame(frame) {
    var doc = null;
    try { doc = frame.contentDocument; } catch (e) { /* another origin's: nothing to read */ }
    watchInputs(doc);
  }
  /* Whether rrweb records nothing of `el`: it, or a frame it sits in, is blocked (inside:
   * across shadow roots), or it is ignored (rrweb's rr-ignore: the field's own class). */
  function unrecorded(el) {
    if (el.classList && el.classList.contains("rr-ignore")) return true;
    for (var n = el; n; ) {
      if (inside(n, options.blockSelector)) return true;
      var w = n.ownerDocument && n.ownerDocument.defaultView;
      try { n = w && w !== win ? w.frameElement : null; } catch (e) { n = null; }
    }
    return false;
  }
  /* Whether `el` sits inside a closed shadow root (at any depth): rrweb records nothing there. */
  function inClosedRoot(el) {
    for (var r = el.getRootNode(); r && r.host; r = r.host.getRootNode()) {
      if (r.mode === "closed") return true;
    }
    return false;
  }
  function onInput(e) {
    var path = e.composedPath ? e.composedPath() : [], el = path.length ? path[0] : e.target;
    if (!el || (el.tagName !== "INPUT" && el.tagName !== "TEXTAREA")) return;
    // (a masked field's value rrweb records comes through maskInputFn, above)
    if (unrecorded(el) || (inClosedRoot(el) && masked(el))) rememberTyped(el.value, el);
  }
  function start(given) {
    if (stop) return;
    typed = []; lastTyped = new WeakMap();   // a new recording learns its own (Python cleared its copy)
    if (CAPTURE) { startCapture(given); return; }
    // Record after Stop injects rrweb again: its new instance numbers the nodes now
    REC = win.rrweb;
    options = {};
    for (var k in given) options[k] = given[k];
    SELECTOR_LISTS.forEach(function (k) {
      if (Array.isArray(options[k])) options[k] = selectorList(options[k]);
    });
    baseMask = options.maskInputOptions || {};
    maskSelector = options.maskInputSelector || null;
    allowSelector = options.allowInputSelector || null;
    maskAll = !!options.maskAllInputs;
    delete options.maskInputSelector;
    delete options.allowInputSelector;
    if (maskSelector || allowSelector) {
      var every = {};
      ["color", "date", "datetime-local", "email", "month", "number", "range", "search", "tel",
       "text", "time", "url", "week", "textarea", "select", "password"].forEach(function (k) { every[k] = true; });
      options.maskInputOptions = every;
      delete options.maskAllInputs;
    }
    // rrweb calls this for the inputs its options mask (every type when we decide, above)
    options.maskInputFn = function (text, el) {
      if (!el || !masked(el)) return text;
      rememberTyped(text, el);
      return "*".repeat(text.length);
    };
    var emit = options.emit = function (event) {
      pending.push(event); queueSend();
      if (win.__replayIntake) win.__replayIntake.push(event);   // intake-sender.js, if injected
      if (boxes) boxes.recorded(event);
      if (selects) selects.recorded(event);
      if (earlyOn && event.type === 2) sendEarly(emit, event);   // the console plugin starts now
    };
    options.plugins = [win.rrwebPluginConsoleRecord.getRecordConsolePlugin(
                         {level: ["info", "log", "warn", "error", "debug"], lengthThreshold: 1000}),
                       win.ReplayRum.getRecordPlugin()];
    var boxes = watchBlocked(options, emit), selects = watchSelects(emit);
    recording = true;
    try {
      watchInputs(win.document);   // (the options tell what is unrecorded)
      if (win.document.readyState === "loading") {
        win.document.addEventListener("DOMContentLoaded", function () {
          try { watchInputs(win.document); } catch (e) { /* never break the page */ }
        });
      }
    } catch (e) { /* never break the page, nor the recording */ }
    try {
      var stopRecord = win.rrweb.record(options) || null;
      stop = function () { if (stopRecord) stopRecord(); if (boxes) boxes.stop(); if (selects) selects.stop(); };
      started = true;
      win.__replayBridgeError = null;
    } catch (e) {
      win.__replayBridgeError = String(e && e.stack || e);
    }
  }
  /* rrweb's recorder sends a blocked element once, as a box (rr_width/rr_height, its border
   * box then), and never again: one filled by script after the snapshot would keep the size
   * it had then. Its box is sent again as capture.js sends it (masking.box_change): an
   * attribute mutation carrying only the new size, when a ResizeObserver sees the border box
   * change (whole px). The blocked elements of the page's document are found in what rrweb
   * emits: its snapshot, and the nodes it adds. */
  function watchBlocked(opts, emit) {
    var doc = win.document, RO = win.ResizeObserver, mirror = win.rrweb.record.mirror;
    if (!RO || !mirror || !mirror.getMeta) return null;
    var cls = typeof opts.blockClass === "string" ? opts.blockClass : "rr-block";
    var selector = "." + win.CSS.escape(cls) + (opts.blockSelector ? ", " + opts.blockSelector : "");
    var sent = new Map();   // element -> [width, height] the recording has
    var ro = new RO(function (entries) {
      var out = [];
      for (var i = 0; i < entries.length; i++) {
        var el = entries[i].target, id = mirror.getId(el), b = entries[i].borderBoxSize;
        b = b && (b.length === undefined ? b : b[0]);
        if (id < 0 || !el.isConnected || !b) { sent.delete(el); ro.unobserve(el); continue; }
        var w = Math.round(b.inlineSize), h = Math.round(b.blockSize), last = sent.get(el);
        if (/^(vertical|sideways)/.test(win.getComputedStyle(el).writingMode || "")) { var t = w; w = h; h = t; }
        if (last[0] === w && last[1] === h) continue;
        sent.set(el, [w, h]);
        out.push({id: id, attributes: {rr_width: w + "px", rr_height: h + "px",
                                        style: {width: w + "px", height: h + "px"}}});
      }
      if (out.length) emit({type: 3, data: {source: 0, texts: [], attributes: out, removes: [], adds: []},
                            timestamp: now()});
    });
    function watch(el) {
      var meta = mirror.getMeta(el), a = meta && meta.attributes;
      if (!a || sent.has(el) || el.ownerDocument !== doc) return;
      sent.set(el, [Math.round(parseFloat(a.rr_width) || 0), Math.round(parseFloat(a.rr_height) || 0)]);
      ro.observe(el, {box: "border-box"});
    }
    function scan(root) {
      if (root.nodeType !== 1 && root.nodeType !== 9) return;
      if (root.nodeType === 1 && root.matches(selector)) watch(root);
      var all = root.querySelectorAll(selector);
      for (var i = 0; i < all.length; i++) if (mirror.getId(all[i]) > 0) watch(all[i]);
    }
    return {
      recorded: function (e) {
        try {
          if (e.type === 2) scan(doc);
          else if (e.type === 3 && e.data.source === 0) {
            for (var i = 0; i < e.data.adds.length; i++) {
              var n = mirror.getNode(e.data.adds[i].node.id);
              if (n && n.nodeType === 1 && n.ownerDocument === doc && n.matches(selector)) watch(n);
            }
          }
        } catch (x) { /* a selector this browser cannot read: nothing is watched */ }
      },
      stop: function () { ro.disconnect(); sent.clear(); }
    };
  }
  /* A <select multiple>'s value is its first selected option only, and rrweb's recorder
   * sends that alone, and only when it changes: the other options a person chose were lost
   * (its snapshot gives them all, as `selected`). After each input of one - once rrweb's own
   * Input is out, which leaves its value's option selected alone in a replay - every option's
   * state is sent as a change of its `selected` (null: not selected; capture.js sends only
   * the selected ones besides the value's, which the mirror's value leaves selected alone).
   * Not of a select whose value is masked or unrecorded: its state is the secret (rrweb
   * gives no `selected` then either). The page's document's selects; a script's change
   * rrweb sees (its Input) too. */
  function watchSelects(emit) {
    var doc = win.document, mirror = win.rrweb.record.mirror, queued = new Set();
    if (!mirror || !mirror.getNode) return null;
    function flush() {
      var out = [];
      queued.forEach(function (sel) {
        if (!sel.isConnected || mirror.getId(sel) < 0 || unrecorded(sel) || masked(sel)) return;
        for (var i = 0; i < sel.options.length; i++) {
          var id = mirror.getId(sel.options[i]);
          if (id > 0) out.push({id: id, attributes: {selected: sel.options[i].selected ? true : null}});
        }
      });
      queued.clear();
      if (out.length) emit({type: 3, data: {source: 0, texts: [], attributes: out, removes: [], adds: []},
                            timestamp: now()});
    }
    function changed(el) {
      if (!el || el.tagName !== "SELECT" || !el.multiple || el.ownerDocument !== doc) return;
      if (!queued.size) setTimeout(flush, 0);   // after rrweb's handlers of this input
      queued.add(el);
    }
    function onInput(e) { try { changed(e.target); } catch (x) { /* never break the page */ } }
    doc.addEventListener("input", onInput, true);
    doc.addEventListener("change", onInput, true);
    return {
      recorded: function (e) {
        if (e.type === 3 && e.data.source === 5) changed(mirror.getNode(e.data.id));
      },
      stop: function () {
        doc.removeEventListener("input", onInput, true);
        doc.removeEventListener("change", onInput, true);
        queued.clear();
      }
    };
  }
  start(OPTIONS);

  win.__replayBridge = {
    docId: docId,
    // How many events this document has emitted so far (sent or about to be sent).
    status: function () {
      if (REC.record.flush) REC.record.flush();   // capture.js batches mutations per frame
      send();
      return {doc: docId, emitted: sent, started: started, error: win.__replayBridgeError || null,
              snapshot: !!(REC.record.mirror && REC.record.mirror.getId(win.document) > 0)};
    },
    finish: function () {
      try {   // the pending click chain, the final view update, the requests not answered yet
        if (win.ReplayRum) { win.ReplayRum.flush(); if (win.ReplayRum.unanswered) win.ReplayRum.unanswered(); }
      } catch (e) { /* never break the page */ }
      return this.status();
    },
    start: start,
    stop: function () { if (stop) stop(); stop = null; recording = false; return this.status(); },
    // The live DOM as a comparable structure, with rrweb's node ids, taken together with the
    // number of events emitted so far (the rebuild at that event index should match it).
    capture: function () {
      var st = this.status();
      return {status: st, url: win.location.href, title: win.document.title,
              width: win.innerWidth, height: win.innerHeight,
              scroll: [win.scrollX, win.scrollY], taken_at: Date.now(),
              tree: liveNode(win.document.documentElement)};
    }
  };

  // The live value as rrweb records it: masked inputs show as asterisks (as rrweb masks
  // them), so a capture compares with the rebuild and never holds a masked secret.
  function masked(el) {
    if (CAPTURE) { var v = CAPTURE.record.recordedValue(el); return v !== null && v !== el.value; }
    var type = el.tagName === "INPUT" ? (el.type || "text").toLowerCase() : el.tagName.toLowerCase();
    if (baseMask[type]) return true;
    if (el.tagName === "INPUT" && el.hasAttribute("data-rr-is-password") && baseMask.password) return true;
    if (inside(el, maskSelector)) return true;
    return maskAll && !inside(el, allowSelector);
  }
  /* Whether `el` or an element around it matches `selector`: up through the shadow roots it
   * sits in to their hosts (rrweb records nothing beneath a blocked host; a rule's region
   * holds the web components inside it). */
  function inside(el, selector) {
    if (!selector) return false;
    try {
      for (var n = el; n; ) {
        if (n.closest(selector)) return true;
        var root = n.getRootNode();
        n = root && root.host ? root.host : null;
      }
    } catch (e) { /* a selector this browser cannot read */ }
    return false;
  }

  function liveValue(el) {
    if (!masked(el)) return el.value;
    return CAPTURE ? CAPTURE.record.recordedValue(el) : "*".repeat(el.value.length);
  }
  function liveNode(n) {
    var id = REC.record.mirror.getId(n);
    if (n.nodeType === 3) return {id: id, text: n.data};
    if (n.nodeType === 8) return {id: id, comment: n.data};
    if (n.nodeType !== 1) return null;
    var out = {id: id, tag: n.tagName.toLowerCase(), attrs: {}, children: []};
    for (var i = 0; i < n.attributes.length; i++) out.attrs[n.attributes[i].name] = n.attributes[i].value;
    if (n.tagName === "INPUT" || n.tagName === "TEXTAREA" || n.tagName === "SELECT") {
      // a checkbox/radio's value is its attribute (already in attrs); its state is `checked`
      if (n.type === "checkbox" || n.type === "radio") {
        // capture.js records no state of a masked checkbox: the rebuild shows it unchecked
        out.checked = CAPTURE && CAPTURE.record.recordedValue(n) === null ? false : n.checked;
      } else out.value = liveValue(n);
    }
    if (n.tagName === "OPTION") out.selected = n.selected;
    if (n.scrollTop || n.scrollLeft) out.scroll = [n.scrollLeft, n.scrollTop];
    if ((n.tagName === "STYLE" || n.tagName === "LINK") && n.sheet) {
      try { out.css = [].map.call(n.sheet.cssRules, function (r) { return r.cssText; }); }
      catch (e) { out.css = null; }  // cross-origin sheet
    }
    for (var c = n.firstChild; c; c = c.nextSibling) {
      var child = liveNode(c);
      if (child) out.children.push(child);
    }
    // a same-origin iframe's document, as rrweb records it: a document node under the
    // iframe, holding the frame's scroll (its html's scroll is the frame's window's)
    var doc = null;
    if (n.tagName === "IFRAME") { try { doc = n.contentDocument; } catch (e) { doc = null; } }
    if (doc && doc.documentElement) {
      var html = liveNode(doc.documentElement);
      delete html.scroll;
      var dn = {id: REC.record.mirror.getId(doc), document: true, children: [html]};
      var sx = doc.defaultView ? [doc.defaultView.scrollX, doc.defaultView.scrollY] : [0, 0];
      if (sx[0] || sx[1]) dn.scroll = sx;
      out.children.push(dn);
    }
    // an open shadow root's children follow the light ones, as rrweb serializes them
    if (n.shadowRoot) {
      for (c = n.shadowRoot.firstChild; c; c = c.nextSibling) {
        var inner = liveNode(c);
        if (inner) { inner.shadow = true; out.children.push(inner); }
      }
    }
    return out;
  }
  connect();
})(window);
