/* The replay runtime.
 *
 * Runs in the player's web view inside QtWebEngine's ApplicationWorld (an isolated JavaScript
 * world): the recorded page's own scripts never run (JavaScript is off in the main world), and
 * nothing the page could define is visible here. The player hands us frames (a sanitized
 * serialized node tree, see player/replayer.py) and batches of operations addressed by rrweb
 * node id; we build and patch the DOM with createElement/setAttribute only — recorded markup is
 * never parsed as HTML. The sanitizer already made the tree inert; the checks below are a second
 * line of defence, not the first.
 */
(function () {
  "use strict";
  if (window.__replay) return;

  var SVG_NS = "http://www.w3.org/2000/svg";
  var XLINK_NS = "http://www.w3.org/1999/xlink";
  var URL_ATTRS = { href: 1, src: 1, action: 1, formaction: 1, poster: 1, background: 1,
                    "xlink:href": 1, data: 1, codebase: 1, cite: 1, longdesc: 1, ping: 1 };
  var BAD_URL = /^[\s\u0000-\u001f]*(javascript|vbscript|livescript)\s*:/i;
  // Elements that must not come alive: rendered as an inert <template> holder so that their
  // ids (and their children's ids) stay addressable by later operations.
  var INERT_TAGS = { script: 1, iframe: 0, object: 1, embed: 1, applet: 1, frame: 1, base: 1 };
  // SVG presentation attributes and SMIL animation values that may hold a CSS url().
  var CSS_URL_ATTRS = { fill: 1, stroke: 1, mask: 1, "clip-path": 1, filter: 1, marker: 1,
                        "marker-start": 1, "marker-mid": 1, "marker-end": 1, cursor: 1,
                        to: 1, from: 1, values: 1, by: 1 };
  var REMOTE_CSS_URL = /url\s*\((?!\s*['"]?\s*(?:#|data:image\/|replay-asset:|replay-blocked:))/i;

  // A tag's local name: createElementNS(SVG_NS, "svg:script") would be a real SVG script.
  function localTag(tag) {
    var t = String(tag || "div");
    return t.slice(t.lastIndexOf(":") + 1) || "div";
  }

  var nodes = new Map();        // rrweb id -> DOM node
  var RID = "__rid";            // expando on our DOM nodes (isolated-world property)
  var stats = { frames: 0, patches: 0, batches: 0, ops: 0, skipped: 0, rafs: 0, painted: 0 };
  var state = { seq: 0, applied: 0, painted: 0, title: null,
                // benchmarks: when (epoch ms) the last batch was applied, and when the frame
                // showing it was rendered (a task after that frame's animation callbacks)
                appliedAt: 0, paintedAt: 0, paintedSeq: 0 };

  function safeAttr(name, value) {
    var n = String(name).toLowerCase();
    var local = n.slice(n.lastIndexOf(":") + 1);
    if (local.slice(0, 2) === "on" || local === "srcdoc" || n === "http-equiv") return false;
    if ((URL_ATTRS[n] || URL_ATTRS[local]) && BAD_URL.test(String(value))) return false;
    if (CSS_URL_ATTRS[n] && REMOTE_CSS_URL.test(String(value))) return false;
    if (n === "srcset" && /javascript\s*:/i.test(String(value))) return false;
    return true;
  }

  // Framework shorthands (Vue `@click`, `:class`): inert attributes the DOM's setAttribute
  // refuses (they are not XML names) though an HTML parser accepts them. The name is
  // checked first - letters, digits and `_.:-` after its `@`/`:` - so parsing `<i NAME>`
  // yields exactly that one attribute; its clone takes the recorded value.
  var SHORTHAND = /^[@:][A-Za-z_:][A-Za-z0-9_.:\-]*$/;
  var shorthandAttrs = new Map();   // name -> a parsed attribute to clone
  function setShorthand(el, name, value) {
    if (!SHORTHAND.test(name)) return false;
    var proto = shorthandAttrs.get(name);
    if (!proto) {
      var t = document.createElement("template");
      t.innerHTML = "<i " + name + "></i>";
      var i = t.content.firstChild;
      proto = i && i.attributes.length === 1 ? i.attributes[0] : null;
      if (!proto || proto.name !== name.toLowerCase()) return false;
      shorthandAttrs.set(name, proto);
    }
    var a = document.importNode(proto, false);
    a.value = String(value);
    el.setAttributeNode(a);
    return true;
  }

  function setAttr(el, name, value, isSvg) {
    if (value === null || value === undefined || value === false) {
      try { el.removeAttribute(name); } catch (e) {}
      if (el.localName === "dialog" && (name === "open" || name === MODAL)) dialogs.add(el);
      if (name === POPOVER || name === "popover") popovers.add(el);
      // (an option selected by the property stays so without its attribute)
      if (name === "selected" && el.localName === "option") el.selected = false;
      return;
    }
    if (name === "_cssText") {           // inlined stylesheet of a <link> or <style>
      if (el.localName === "style") el.textContent = String(value);
      return;
    }
    if (name.slice(0, 3) === "rr_") {     // rrweb's special attributes
      if (name === "rr_width") el.style.width = String(value);
      else if (name === "rr_height") el.style.height = String(value);
      else if (name === "rr_dataURL" && /^data:image\//.test(String(value))) {
        if (el.localName === "img") el.setAttribute("src", String(value));
        else el.style.backgroundImage = "url(\"" + String(value).replace(/["\\\n\r\f]/g, encodeURIComponent) + "\")";
      }
      return;
    }
    if (!safeAttr(name, value)) { stats.skipped++; return; }
    if (el.localName === "canvas" && (name === "width" || name === "height")) forgetDrawing(el);
    try {
      if (isSvg && name === "xlink:href") el.setAttributeNS(XLINK_NS, name, String(value));
      else el.setAttribute(name, String(value));
    } catch (e) {
      var kept = false;
      try { kept = setShorthand(el, name, value); } catch (e2) { kept = false; }
      if (!kept) stats.skipped++;   // another invalid attribute name in the recording
      return;
    }
    var tag = el.localName;
    if (tag === "dialog" && (name === "open" || name === MODAL)) dialogs.add(el);
    if (name === POPOVER || name === "popover") popovers.add(el);
    // (a <select multiple>'s value attribute is its first selected option: its options'
    // `selected` say them all)
    if (name === "value" && isFileInput(el)) setFiles(el, value);
    else if (name === "value" && (tag === "input" || tag === "textarea" || (tag === "select" && !el.multiple))) putValue(el, value);
    if (name === "checked" && tag === "input") el.checked = true;
    if (name === "selected" && tag === "option") el.selected = true;
  }

  // A dialog the page opened with showModal() (rrweb's rr_open_mode, MODAL once sanitized)
  // is opened so here too: in the top layer, centred, over its ::backdrop. The dialogs whose
  // open state or mode changed are settled once they are in the page (syncDialogs).
  var MODAL = "data-replay-modal";
  var dialogs = new Set();
  function syncDialogs() {
    var changed = false;
    dialogs.forEach(function (el) {
      if (!el.isConnected) return;   // kept until it is in the page (a frame being built)
      dialogs.delete(el);
      var open = el.hasAttribute("open"), modal = open && el.hasAttribute(MODAL);
      var shown = false;
      try { shown = el.matches(":modal"); } catch (e) { return; }
      if (modal === shown) return;
      changed = true;
      try {
        if (shown) {   // (close() does nothing without `open`: its removal left it modal)
          if (!open) el.setAttribute("open", "");
          el.close();
          if (open) el.setAttribute("open", "");
        }
        else { el.removeAttribute("open"); el.showModal(); }
      } catch (e) { if (open) el.setAttribute("open", ""); stats.skipped++; }
    });
    // showModal() focuses in the dialog (and close() gives focus back): the page holds none
    // (setFocus) - the recorded focus stays where it was, shown as recorded
    if (syncPopovers() || changed) blurPage();
  }

  // A popover the page showed (capture.js's rr_popover_open, POPOVER once sanitized) is shown
  // here too, with showPopover(): in the top layer, where the browser's rules for an open
  // popover (and the page's for :popover-open) place it. Settled with the dialogs.
  var POPOVER = "data-replay-popover";
  var popovers = new Set();
  function syncPopovers() {
    var changed = false;
    popovers.forEach(function (el) {
      if (!el.isConnected) return;   // kept until it is in the page
      popovers.delete(el);
      var want = el.hasAttribute(POPOVER) && el.hasAttribute("popover"), shown = false;
      try { shown = el.matches(":popover-open"); } catch (e) { return; }
      if (want === shown) return;
      changed = true;
      try { if (want) el.showPopover(); else el.hidePopover(); } catch (e) { stats.skipped++; }
    });
    return changed;
  }

  function afterBuild(el, sn) {
    var a = sn.attributes || {};
    if (a.rr_scrollLeft || a.rr_scrollTop) {
      pendingScroll.push([el, a.rr_scrollLeft || 0, a.rr_scrollTop || 0]);
    }
  }
  var pendingScroll = [];

  function forget(node) {
    // drop ids of a node and its whole subtree from the table
    var stack = [node];
    while (stack.length) {
      var n = stack.pop();
      if (n[RID] !== undefined && nodes.get(n[RID]) === n) nodes.delete(n[RID]);
      var c = n.firstChild;
      while (c) { stack.push(c); c = c.nextSibling; }
      if (n.localName === "iframe" && n.contentDocument && n.contentDocument[RID] !== undefined) {
        stack.push(n.contentDocument);
      }
      if (n.shadowRoot && shadowRoots.has(n.shadowRoot)) {
        for (c = n.shadowRoot.firstChild; c; c = c.nextSibling) stack.push(c);
      }
    }
  }

  // Shadow DOM: rrweb lists a shadow root's children among its host's, marked `isShadow`.
  // They go into a real (open) shadow root, so <slot>s distribute the light children and
  // the component's styles stay inside it. Elements that cannot host one keep them in
  // their light DOM (as before). Shadow roots are remembered for hover and adopted sheets.
  // A root starts with engineCss adopted (the document's engineLayer, a style sheet of the
  // document, does not reach into shadow trees), before the recorded sheets.
  var shadowRoots = new Set();
  function shadowOf(host) {
    if (host.shadowRoot) return host.shadowRoot;
    try {
      var root = host.attachShadow({ mode: "open" });
      shadowRoots.add(root);
      var engine = engineSheetOf(host.ownerDocument);
      if (engine) root.adoptedStyleSheets = [engine];
      return root;
    } catch (e) { stats.skipped++; return host; }
  }
  function containerFor(parent, sn) {
    return sn && sn.isShadow && parent && parent.nodeType === 1 ? shadowOf(parent) : parent;
  }

  // Same-origin iframes: rrweb records the frame's document as a Document node under the
  // iframe element. The iframe (sandboxed, about:blank, never loaded) gets it as its own
  // document once it is in the page, so it lays out and scrolls in its own window; its
  // nodes are addressed by id like any other.
  // An iframe's about:blank is in quirks mode: a recorded document with a doctype gets a
  // standards-mode one first (a constant written into it, never recorded markup), or its
  // layout differs (a first child's top margin dropped, line heights, table fonts).
  var pendingFrames = [];   // [iframe element, fragment holding its document, document id, doctype?]
  var FRAME_DOC = "__replayFrameDoc";   // expando on an iframe: [its <html>, document id, doctype?]
  function hasDoctype(sn) {
    var kids = sn.childNodes || [];
    for (var i = 0; i < kids.length; i++) if (kids[i] && kids[i].type === 1) return true;
    return false;
  }
  function attachFrames() {
    var left = [];
    for (var i = 0; i < pendingFrames.length; i++) {
      var p = pendingFrames[i], frame = p[0], frag = p[1];
      if (!frame.isConnected) { left.push(p); continue; }
      var html = null;
      for (var c = frag.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) { html = c; break; }
      if (nodes.get(p[2]) === frag) nodes.delete(p[2]);
      if (!html) { stats.skipped++; continue; }
      var first = !frame[FRAME_DOC];
      frame[FRAME_DOC] = [html, p[2], p[3]];
      if (first) frame.addEventListener("load", function () { showFrameDoc(this); });
      showFrameDoc(frame);
    }
    pendingFrames = left;
  }
  // Chromium may still commit the iframe's about:blank after it is inserted, replacing the
  // document we filled: its load event puts ours back.
  function showFrameDoc(frame) {
    var held = frame[FRAME_DOC], doc = frame.contentDocument;
    if (!held || !doc || (doc[RID] === held[1] && doc.documentElement === held[0])) return;
    if (held[2] && doc.compatMode === "BackCompat") {
      try { doc.open(); doc.write("<!DOCTYPE html>"); doc.close(); } catch (e) { stats.skipped++; }
      doc = frame.contentDocument;   // (closing it may have fired load: ours may be back)
      if (!doc || (doc[RID] === held[1] && doc.documentElement === held[0])) return;
    }
    if (doc.documentElement) doc.replaceChild(held[0], doc.documentElement);
    else doc.appendChild(held[0]);
    doc[RID] = held[1];
    nodes.set(held[1], doc);
  }

  /* Build a serialized subtree into detached DOM nodes; registers every id. Iterative, as real
   * pages nest deeper than a JS stack likes. Returns the top DOM node (or null). */
  function build(sn, inSvg) {
    var top = null;
    var stack = [[sn, null, !!inSvg]];
    while (stack.length) {
      var item = stack.pop();
      var s = item[0], parent = item[1], svg = item[2];
      var node = null;
      var type = s.type;
      if (type === 2) {                      // Element
        var name = localTag(s.tagName);
        var tag = name.toLowerCase();
        var isSvg = svg || !!s.isSVG || tag === "svg";
        if (tag === "link" && s.attributes && typeof s.attributes._cssText === "string") tag = "style";
        if (INERT_TAGS[tag]) {
          node = document.createElement("template");
          node.setAttribute("data-replay-inert", tag);
        } else if (isSvg && tag !== "foreignobject") {
          try { node = document.createElementNS(SVG_NS, name); }
          catch (e) { node = document.createElementNS(SVG_NS, "g"); stats.skipped++; }
        } else {
          try { node = document.createElement(tag); }
          catch (e) { node = document.createElement("div"); stats.skipped++; }
        }
        var attrs = s.attributes || {};
        if (!INERT_TAGS[tag]) {
          for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) setAttr(node, k, attrs[k], isSvg);
          if (tag === "style" && typeof attrs._cssText === "string") node.textContent = attrs._cssText;
        }
        afterBuild(node, s);
        var kids = s.childNodes || [];
        var childSvg = isSvg && tag !== "foreignobject";
        // children of inert holders and of <style>/<textarea> are text; keep them addressable
        for (var i = kids.length - 1; i >= 0; i--) stack.push([kids[i], node, childSvg]);
      } else if (type === 3) {               // Text
        node = document.createTextNode(s.textContent == null ? "" : String(s.textContent));
      } else if (type === 5 || type === 4) { // Comment, CDATA
        node = document.createComment(s.textContent == null ? "" : String(s.textContent));
      } else if (type === 0) {               // a (nested) Document: keep its children addressable
        node = document.createDocumentFragment();
        var dk = s.childNodes || [];
        for (var j = dk.length - 1; j >= 0; j--) stack.push([dk[j], node, false]);
        if (parent && parent.localName === "iframe") {   // an iframe's document: see attachFrames
          pendingFrames.push([parent, node, s.id, hasDoctype(s)]);
          node[RID] = s.id;
          nodes.set(s.id, node);
          if (top === null) top = node;
          continue;
        }
      } else if (type === 1) {               // DocumentType: the shell's doctype stands in
        node = document.createComment("doctype " + (s.name || "html"));
      } else {
        stats.skipped++;
        continue;
      }
      if (s.id !== undefined && s.id !== null) {
        node[RID] = s.id;
        nodes.set(s.id, node);
      }
      if (parent) {
        // (a template's direct children are never rendered: inert holders stay inert)
        var inert = parent.nodeName === "TEMPLATE" && parent.getAttribute && parent.getAttribute("data-replay-inert");
        (inert ? parent : containerFor(parent, s)).appendChild(node);
      }
      if (top === null) top = node;
    }
    return top;
  }

  function flushScroll() {
    for (var i = 0; i < pendingScroll.length; i++) {
      var p = pendingScroll[i];
      try { p[0].scrollLeft = +p[1]; p[0].scrollTop = +p[2]; } catch (e) {}
    }
    pendingScroll = [];
  }

  function applyInputs(inputs) {
    if (!inputs) return;
    for (var id in inputs) {
      var el = nodes.get(+id);
      var st = inputs[id];
      if (!el || !st) continue;
      setInput(el, st.v, st.c);
    }
  }

  // A media element's recorded state (player/frame.py media_state). The view is a still of
  // the recording and never plays: whether the recording was playing is said by PAUSED
  // ("true"/"false"), as the static snapshot says it (player/document.py).
  var PAUSED = "data-replay-paused";
  function applyMedia(media) {
    if (!media) return;
    for (var id in media) if (!setMedia(nodes.get(+id), media[id])) stats.skipped++;
  }

  function setMedia(el, st) {
    if (!el || !st || el.nodeType !== 1 || !("currentTime" in el)) return false;
    if (typeof st.playbackRate === "number") {
      try { el.defaultPlaybackRate = st.playbackRate; el.playbackRate = st.playbackRate; } catch (e) {}
    }
    if (typeof st.currentTime === "number") { try { el.currentTime = st.currentTime; } catch (e) {} }
    if (typeof st.muted === "boolean") el.muted = st.muted;
    if (typeof st.volume === "number") { try { el.volume = st.volume; } catch (e) {} }
    if (typeof st.paused === "boolean") el.setAttribute(PAUSED, st.paused ? "true" : "false");
    return true;
  }

  // A field's value. A masked one ("***") is no value to a number, date, colour or range
  // input, which would show it empty - as if nothing had been typed (a QA's tryout: the
  // age typed showed in the page's own console line, not in its field) - or as a value of
  // its own (a colour black, a range at its middle): such a field shows it as text, as a
  // masked text field does.
  var MASKED_VALUE = /^\*+$/;
  function putValue(el, v) {
    var text = String(v);
    el.value = text;
    if (el.value !== text && el.localName === "input" && MASKED_VALUE.test(text)) {
      el.type = "text";
      el.value = text;
    }
  }

  // A checkbox's or radio's `value` property is its value attribute: only `checked` is state.
  function setInput(el, v, c) {
    var toggle = el.localName === "input" && /^(checkbox|radio)$/i.test(el.type);
    if (v !== undefined && v !== null && isFileInput(el)) setFiles(el, v);
    else if (v !== undefined && v !== null && "value" in el && !toggle) { try { putValue(el, v); } catch (e) {} }
    if (c !== undefined && c !== null && "checked" in el) el.checked = !!c;
  }

  // A file input's recorded value is the name of the file chosen ("C:\fakepath\NAME", as
  // the browser gives it; masked: "***"); nothing of the file itself is recorded. The value
  // cannot be set (only emptied): the input is given an empty file of that name, so it shows
  // the name where the page did - not "No file chosen". The name stays a file's name, never
  // markup.
  function isFileInput(el) { return el.localName === "input" && /^file$/i.test(el.type); }
  function setFiles(el, v) {
    var name = String(v).replace(/^.*[\\\/]/, "");
    try {
      var files = new DataTransfer();
      if (name) files.items.add(new File([], name));
      el.files = files.files;
    } catch (e) { stats.skipped++; }
  }

  function applyScroll(scroll) {
    if (!scroll) return;
    if (scroll.window) window.scrollTo(+scroll.window[0] || 0, +scroll.window[1] || 0);
    var ns = scroll.nodes || {};
    for (var id in ns) {
      var el = nodes.get(+id);
      if (el && el.nodeType === 1) { el.scrollLeft = +ns[id][0] || 0; el.scrollTop = +ns[id][1] || 0; }
      else if (el && el.nodeType === 9 && el.defaultView) el.defaultView.scrollTo(+ns[id][0] || 0, +ns[id][1] || 0);
    }
  }

  // Adopted (constructed) stylesheets, on the document or a shadow host's root: rebuilt as
  // constructed sheets of our own and adopted there, after the root's other sheets as in
  // the recorded page. (Ours carry no recorded id, so they never collide with the
  // recording.)
  var adoptedSheets = new Map();   // host id -> our CSSStyleSheet
  var adoptedCss = new Map();      // host id -> the CSS text it was given
  function setAdopted(hostId, css) {
    var host = nodes.get(hostId);
    var root = host === document ? document : host && host.nodeType === 1 ? shadowOf(host) : null;
    if (!root || root.nodeType === 1) { stats.skipped++; return; }   // no root to adopt into
    var sheet = adoptedSheets.get(hostId);
    if (!sheet) {
      sheet = new CSSStyleSheet();
      adoptedSheets.set(hostId, sheet);
    }
    var text = css == null ? "" : String(css);
    if (adoptedCss.get(hostId) !== text) {   // a patch re-sends every host's sheet
      try { sheet.replaceSync(text); } catch (e) { stats.skipped++; }
      adoptedCss.set(hostId, text);
      rewritten.delete(sheet);
    }
    if (root.adoptedStyleSheets.indexOf(sheet) < 0) root.adoptedStyleSheets = root.adoptedStyleSheets.concat([sheet]);
  }

  // Focus: the page itself holds none - the player keeps the keys, and in a page without
  // the keyboard focus Chromium shows no focus ring on the control focused in it (a text
  // field focused by showModal() showed none where the live page had one) - so the recorded
  // focus is shown, not given: page rules' :focus, :focus-within and :focus-visible are
  // rewritten to FOCUS on the element, FOCUS_WITHIN on it and its ancestors (through shadow
  // hosts) and FOCUS_VISIBLE (with :hover, see rewriteSelectors), and RUNTIME_CSS draws the
  // browser's own ring (outline: auto) on FOCUS_VISIBLE. Chromium decides :focus-visible by
  // how focus came (a click on a button shows no ring): the recorded verdict is applied.
  var FOCUS_VISIBLE = "data-replay-focus-visible";
  var FOCUS = "data-replay-focus";
  var FOCUS_WITHIN = "data-replay-focus-within";
  var focusId = null;
  var focusMarked = [];
  function setFocus(id, visible) {
    focusId = id === undefined ? null : id;
    var el = focusId === null ? null : nodes.get(focusId);
    for (var i = 0; i < focusMarked.length; i++) {
      focusMarked[i].removeAttribute(FOCUS);
      focusMarked[i].removeAttribute(FOCUS_WITHIN);
      focusMarked[i].removeAttribute(FOCUS_VISIBLE);
    }
    focusMarked = [];
    if (el && el.nodeType === 1) {
      el.setAttribute(FOCUS, "");
      if (visible) el.setAttribute(FOCUS_VISIBLE, "");
      for (var a = el; a && a.nodeType === 1; ) {
        a.setAttribute(FOCUS_WITHIN, "");
        focusMarked.push(a);
        var root = a.parentElement ? null : a.getRootNode();
        a = a.parentElement || (root && root.host) || null;
      }
    }
    rewriteSelectors();
    blurPage();
  }

  // The element the page's own doing focused (showModal()'s dialog focusing steps, an
  // autofocus), in the document, its shadow roots and same-origin frames: blurred.
  function blurPage() {
    for (var d = document, a = d.activeElement; a && a !== d.body && a !== d.documentElement; ) {
      var inner = (a.shadowRoot && a.shadowRoot.activeElement) || null;
      if (!inner && a.localName === "iframe") {
        try { d = a.contentDocument; inner = d && d.activeElement; } catch (e) { inner = null; }
        if (inner === (d && d.body)) inner = null;
      }
      if (!inner) { if (typeof a.blur === "function") a.blur(); return; }
      a = inner;
    }
  }

  // Font faces the page loaded from script (rrweb's collectFonts): loaded again from the
  // recording (data: URLs; anything else was blocked by the player). Painting waits for
  // them (`fontsLoading`), so a frame never shows the fallback font the user did not see.
  var ourFonts = [];
  var fontsLoading = 0;
  function setFonts(faces) {
    for (var i = 0; i < ourFonts.length; i++) document.fonts.delete(ourFonts[i]);
    ourFonts = [];
    for (var j = 0; faces && j < faces.length; j++) {
      var f = faces[j];
      var face;
      try { face = new FontFace(String(f.family), String(f.src), f.descriptors || {}); }
      catch (e) { stats.skipped++; continue; }
      document.fonts.add(face);
      ourFonts.push(face);
      fontsLoading++;
      face.load().then(fontSettled, function () { stats.skipped++; fontSettled(); });
    }
  }
  function fontSettled() { fontsLoading--; wantFrame(); }

  // Canvas: rrweb's recorded 2D drawing commands, redrawn on our canvas element (the
  // snapshot's bitmap shows as its background). Arguments come as plain values or rrweb's
  // inline objects (image data, blobs, bitmaps; images only as data: URLs, checked by the
  // player). Commands needing an image wait for it, in order, and painting waits too.
  var canvasChains = new WeakMap();   // canvas element -> promise of its queued commands
  var canvasPending = 0;
  function b64bytes(s) {
    var bin = atob(String(s || "")), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function isAsyncArg(a) {
    if (!a || typeof a !== "object") return false;
    if (Array.isArray(a)) return a.some(isAsyncArg);
    return a.rr_type === "ImageBitmap" || a.rr_type === "HTMLImageElement";
  }
  function canvasArg(a) {            // -> a value, or a promise of one for images
    if (!a || typeof a !== "object") return a;
    if (Array.isArray(a)) return a.some(isAsyncArg) ? Promise.all(a.map(canvasArg)) : a.map(canvasArg);
    var args = a.args || [];
    switch (a.rr_type) {
      case "Uint8ClampedArray": return new Uint8ClampedArray(args[0] || []);
      case "ImageData": return new ImageData(canvasArg(args[0]), +args[1], +args[2]);
      case "ArrayBuffer": return b64bytes(a.base64).buffer;
      case "Blob": return new Blob((a.data || []).map(canvasArg), { type: String(a.type || "") });
      case "ImageBitmap": return createImageBitmap(canvasArg(args[0]));
      case "HTMLImageElement": {
        var img = new Image();
        if (/^data:image\//.test(String(a.src))) img.src = String(a.src);
        return img.decode().then(function () { return img; });
      }
    }
    throw new Error("canvas argument not replayable");
  }
  function runCommand(ctx, cmd, args) {
    var p = String(cmd.property);
    if (cmd.setter) ctx[p] = args[0];
    else if (typeof ctx[p] === "function") ctx[p].apply(ctx, args);
    else stats.skipped++;
  }
  // With the page's scripting off, Chromium renders a <canvas> as its fallback content, not
  // as a picture: so we draw on an offscreen canvas of the same size and show its pixels as
  // the element's background. The snapshot's bitmap (the sanitizer made it the background)
  // is drawn into the offscreen canvas first, as rrweb's Replayer draws it into the canvas,
  // so a clearRect clears it too (a chart redrawn on a transparent canvas); until it is,
  // or if it cannot be, it stays beneath. engineLayer gives the element the size a real
  // canvas would have; RUNTIME_CSS hides the fallback.
  var drawn = new WeakMap();          // canvas element -> {off, ctx, base, inside, epoch}
  var dirtyCanvases = new Set();
  var BASE_BITMAP = /^url\("?(data:image\/[^")]+)"?\)/;
  function surfaceOf(el) {
    var d = drawn.get(el);
    if (!d) {
      var off = document.createElement("canvas");
      off.width = el.width;
      off.height = el.height;
      d = { off: off, ctx: off.getContext("2d"), base: el.style.backgroundImage || "", inside: false, epoch: 0 };
      drawn.set(el, d);
      var m = BASE_BITMAP.exec(d.base);
      if (m && d.ctx) {
        var img = new Image(), epoch = d.epoch;
        img.src = m[1];
        canvasPending++;
        var first = img.decode().then(function () {
          if (d.epoch !== epoch) return;   // reset before it arrived: the snapshot is gone
          d.ctx.save();   // the commands wait for it (canvasChains): it is drawn first
          d.ctx.setTransform(1, 0, 0, 1, 0, 0);
          d.ctx.drawImage(img, 0, 0, off.width, off.height);
          d.ctx.restore();
          d.inside = true;
        }, function () { stats.skipped++; }).then(function () {
          canvasPending--;
          canvasDirty(el);
          if (canvasChains.get(el) === first) canvasChains.delete(el);
        });
        canvasChains.set(el, first);
      }
    }
    return d;
  }
  function showCanvases() {
    dirtyCanvases.forEach(function (el) {
      var d = drawn.get(el);
      if (!d || !el.isConnected) return;
      var url = "url(\"" + d.off.toDataURL() + "\")";
      el.style.backgroundImage = d.base && !d.inside ? url + ", " + d.base : url;
      el.style.backgroundSize = "100% 100%";
      el.style.backgroundRepeat = "no-repeat";
    });
    dirtyCanvases.clear();
  }
  function forgetDrawing(el) {     // resized: a canvas starts blank (over its snapshot)
    var d = drawn.get(el);
    if (!d) return;
    el.style.backgroundImage = d.base;
    drawn.delete(el);
    dirtyCanvases.delete(el);
  }
  function drawCanvas(id, cmds, reset) {
    var el = nodes.get(id);
    if (!el || el.localName !== "canvas") { stats.skipped++; return; }
    var d = surfaceOf(el);
    var ctx = d.ctx;
    if (!ctx) { stats.skipped++; return; }
    if (reset) {
      d.epoch++;
      d.inside = true;   // the snapshot's bitmap is drawn over, whether or not it was in yet
      if (typeof ctx.reset === "function") ctx.reset();
      else { ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.clearRect(0, 0, d.off.width, d.off.height); }
    }
    canvasDirty(el);
    (cmds || []).forEach(function (cmd) {
      var chain = canvasChains.get(el);
      if (!chain && !isAsyncArg(cmd.args)) {
        try { runCommand(ctx, cmd, (cmd.args || []).map(canvasArg)); } catch (e) { stats.skipped++; }
        return;
      }
      canvasPending++;
      var next = (chain || Promise.resolve()).then(function () {
        return Promise.all((cmd.args || []).map(canvasArg));
      }).then(function (args) { runCommand(ctx, cmd, args); }, function () { stats.skipped++; })
        .then(function () {
          canvasPending--;
          canvasDirty(el);
          if (canvasChains.get(el) === next) canvasChains.delete(el);
        });
      canvasChains.set(el, next);
    });
  }
  // the browser's own focus ring, on the recorded verdict only
  var RUNTIME_CSS = ":where(:focus-visible:not([" + FOCUS_VISIBLE + "])){outline:none}"
    + ":where([" + FOCUS_VISIBLE + "]){outline:auto 1px -webkit-focus-ring-color}"
    + "canvas>*{display:none!important}";
  // What the browser's own style sheet gives and this view's does not: a canvas's size (see
  // above), and what the bridge sends as engineCss (player/qt/webview.py ENGINE_CSS: a form
  // control's font). In a cascade layer of the document's first style sheet: the lowest there
  // is, so every rule of the page wins over these, its layered ones too (a reset's
  // `@layer base{button{font:inherit}}`), as over the browser's own.
  var engineCss = "";
  function engineLayer() {
    return "@layer replay-engine{" + engineCss
      + "canvas{display:inline-block;width:300px;aspect-ratio:300/150}";
  }
  var engineSheets = new WeakMap();   // document -> its shadow roots' engineCss, layered
  function engineSheetOf(d) {
    var sheet = engineSheets.get(d);
    if (!sheet && d.defaultView) {
      try {
        sheet = new d.defaultView.CSSStyleSheet();   // of that document: a frame's roots too
        sheet.replaceSync("@layer replay-engine{" + engineCss + "}");   // (no canvas sizes)
        engineSheets.set(d, sheet);
      } catch (e) { stats.skipped++; return null; }
    }
    return sheet || null;
  }
  var canvasSizes = new WeakMap();   // document -> the canvas sizes its runtime rules name
  function sizeCanvases() {      // in the page, and in each frame's document we put in it
    var docs = [document];
    for (var i = 0; i < docs.length; i++) {
      sizeCanvasesIn(docs[i]);
      var frames = docs[i].getElementsByTagName("iframe");
      for (var j = 0; j < frames.length; j++) {
        var held = frames[j][FRAME_DOC], fdoc = held ? frames[j].contentDocument : null;
        if (fdoc && fdoc[RID] === held[1]) docs.push(fdoc);
      }
    }
  }
  function sizeCanvasesIn(d) {   // RUNTIME_CSS, engineLayer and a rule per canvas size in use
    var st = d.querySelector("style[data-replay=runtime]"), sizes = canvasSizes.get(d);
    if (!st && d.documentElement) {
      st = d.createElement("style");
      st.setAttribute("data-replay", "runtime");
      var head = d.head || d.documentElement;
      head.insertBefore(st, head.firstChild);   // first: every page rule wins over these
      sizes = null;
    }
    if (!st) return;
    if (!sizes) canvasSizes.set(d, sizes = new Set());
    var list = d.getElementsByTagName("canvas");
    var added = false;
    for (var i = 0; i < list.length; i++) {
      var w = list[i].width, h = list[i].height, key = w + "x" + h;
      if (sizes.has(key)) continue;
      sizes.add(key);
      added = true;
    }
    if (!added && st.textContent) return;
    var css = RUNTIME_CSS + engineLayer();
    sizes.forEach(function (key) {
      var wh = key.split("x");
      css += "canvas[width=\"" + wh[0] + "\"][height=\"" + wh[1] + "\"]{width:" + wh[0]
        + "px;aspect-ratio:" + wh[0] + "/" + wh[1] + "}";
    });
    st.textContent = css + "}";
  }

  // Text selection (rrweb's Selection events): ranges between recorded nodes, shown with
  // the Selection API - of the document the nodes are in (the page's, a frame's: each has
  // its own). A range naming a node we do not have is left out.
  var selectedIn = new Set();   // frame documents we selected in
  function setSelection(ranges) {
    var sel = window.getSelection();
    if (!sel) return;
    sel.removeAllRanges();
    selectedIn.forEach(function (d) { var s = d.getSelection(); if (s) s.removeAllRanges(); });
    selectedIn.clear();
    if (!ranges || !ranges.length) return;
    for (var i = 0; i < ranges.length; i++) {
      var r = ranges[i] || {};
      var a = nodes.get(r.start), b = nodes.get(r.end);
      if (!a || !b || a.nodeType === 9 || b.nodeType === 9) { stats.skipped++; continue; }
      try {
        var d = a.ownerDocument, range = d.createRange(), into = d === document ? sel : d.getSelection();
        if (d !== document) selectedIn.add(d);
        range.setStart(a, +r.startOffset || 0);
        range.setEnd(b, +r.endOffset || 0);
        into.addRange(range);
      } catch (e) { stats.skipped++; }
    }
  }

  // Hover, emulated as rrweb's Replayer does: the view never gets the real mouse, so every
  // `:hover` in the page's sheets is rewritten to match HOVER, an attribute put on the
  // element under the recorded cursor and its ancestors after every change.
  var HOVER = "data-replay-hover";
  var pointer = null;              // [x, y] in recorded viewport pixels, or null
  var hovered = [];
  var rewritten = new WeakSet();   // sheets whose :hover selectors are rewritten
  function allSheets() {
    var out = [].slice.call(document.styleSheets).concat(document.adoptedStyleSheets || []);
    shadowRoots.forEach(function (root) {
      if (!root.host.isConnected) { shadowRoots.delete(root); return; }
      out = out.concat([].slice.call(root.styleSheets), root.adoptedStyleSheets || []);
    });
    return out;
  }
  function rewriteSelectors() {
    var sheets = allSheets();
    for (var i = 0; i < sheets.length; i++) {
      var sheet = sheets[i];
      if (rewritten.has(sheet)) continue;
      if (sheet.ownerNode && sheet.ownerNode.hasAttribute && sheet.ownerNode.hasAttribute("data-replay")) continue;  // ours
      rewritten.add(sheet);
      var stack = [];
      try { stack.push(sheet.cssRules); } catch (e) { continue; }
      while (stack.length) {
        var rules = stack.pop();
        for (var j = 0; j < rules.length; j++) {
          var r = rules[j];
          var sel = r.selectorText;
          if (sel && (sel.indexOf(":hover") >= 0 || sel.indexOf(":focus") >= 0)) {
            try {
              r.selectorText = sel.replace(/:hover\b/g, "[" + HOVER + "]")
                                  .replace(/:focus-visible\b/g, "[" + FOCUS_VISIBLE + "]")
                                  .replace(/:focus-within\b/g, "[" + FOCUS_WITHIN + "]")
                                  .replace(/:focus(?![\w-])/g, "[" + FOCUS + "]");
            } catch (e) { stats.skipped++; }
          }
          if (r.cssRules && r.cssRules.length) stack.push(r.cssRules);
        }
      }
    }
  }
  // The hovered chain follows the cursor as a browser's does: the element under the new
  // position is found with the current hover state still applied (a menu opened by
  // hovering stays open while the cursor moves into it), then the chain is updated.
  function hoverAt(x, y) {
    if (!document.documentElement) return;
    var el = document.elementFromPoint(+x || 0, +y || 0);
    // into shadow roots (the document only sees their host), then up through hosts
    while (el && el.shadowRoot && shadowRoots.has(el.shadowRoot)) {
      var inner = el.shadowRoot.elementFromPoint(+x || 0, +y || 0);
      if (!inner || inner === el) break;
      el = inner;
    }
    var chain = [];
    while (el && el.nodeType === 1) {
      chain.push(el);
      var root = el.parentElement ? null : el.getRootNode();
      el = el.parentElement || (root && root.host) || null;
    }
    for (var i = 0; i < hovered.length; i++) if (chain.indexOf(hovered[i]) < 0) hovered[i].removeAttribute(HOVER);
    for (var j = 0; j < chain.length; j++) if (!chain[j].hasAttribute(HOVER)) chain[j].setAttribute(HOVER, "");
    hovered = chain;
  }
  // `path`: the recorded positions leading to the cursor's current one, oldest first.
  function movePointer(path) {
    if (!path || !path.length) return;
    rewriteSelectors();
    for (var i = 0; i < path.length; i++) hoverAt(path[i][0], path[i][1]);
    pointer = path[path.length - 1];
  }
  function applyHover() {     // after DOM changes: what is under the cursor now
    if (!pointer) return;
    rewriteSelectors();
    hoverAt(pointer[0], pointer[1]);
  }

  // The player's own CSS (hidden elements' placeholders; player/document.py PLAYER_CSS, set
  // by the bridge): a <style> of ours, without a recorded id, put back after every frame.
  var playerCss = "";
  function putPlayerCss() {
    if (!playerCss || !document.documentElement) return;
    var st = document.querySelector("style[data-replay=player]");
    var into = document.head || document.documentElement;
    if (!st) {
      st = document.createElement("style");
      st.setAttribute("data-replay", "player");
    }
    // last, so it wins over the page's rules (a patch may have added some after it)
    if (st.parentNode !== into || st !== into.lastChild) into.appendChild(st);
    if (st.textContent !== playerCss) st.textContent = playerCss;
  }

  function loadFrame(frame) {
    nodes.clear();
    dialogs.clear();
    popovers.clear();
    pendingFrames = [];
    adoptedSheets.clear();
    adoptedCss.clear();
    shadowRoots.clear();
    document.adoptedStyleSheets = [];
    pendingScroll = [];
    var tree = frame && frame.tree;
    var old = document.documentElement;
    var html = null;
    if (tree) {
      var built = build(tree, false);
      if (built && built.nodeType === 11) {       // the Document: find its <html>
        for (var c = built.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) { html = c; break; }
        if (tree.id !== undefined) { document[RID] = tree.id; nodes.set(tree.id, document); }
      } else if (built && built.nodeType === 1) {
        html = built;
      }
    }
    if (!html) html = document.createElement("html");
    if (old) document.replaceChild(html, old); else document.appendChild(html);
    attachFrames();
    // every sheet in place before anything reads layout (a scroll does): the page is
    // styled and laid out once, not again for each sheet added after
    var adopted = (frame && frame.adopted) || {};
    for (var host in adopted) setAdopted(+host, adopted[host]);
    putPlayerCss();
    sizeCanvases();
    setFonts(frame ? frame.fonts : null);
    rewriteSelectors();
    flushScroll();
    applyInputs(frame && frame.inputs);
    applyMedia(frame && frame.media);
    applyScroll(frame && frame.scroll);
    var canvas = (frame && frame.canvas) || {};
    for (var cid in canvas) drawCanvas(+cid, canvas[cid], false);
    syncDialogs();
    focusMarked = [];
    setFocus(frame ? frame.focus : null, frame ? frame.focus_visible : false);
    setSelection(frame ? frame.selection : null);
    pointer = null;
    hovered = [];
    movePointer(frame && frame.pointer);
    stats.frames++;
    return { nodes: nodes.size, title: document.title };
  }

  // A seek that keeps the page (player/patch.py): the ops turn the DOM shown into the
  // target's, then the target frame's state is applied as loadFrame does.
  function patch(p) {
    pendingScroll = [];
    var ops = p.ops || [];
    for (var i = 0; i < ops.length; i++) {
      try { applyOne(ops[i]); } catch (e) { stats.skipped++; }
      stats.ops++;
    }
    // the sheets first, then what reads layout (as loadFrame)
    var adopted = p.adopted || {};
    adoptedSheets.forEach(function (sheet, host) {   // hosts the target has no sheets for
      if (Object.prototype.hasOwnProperty.call(adopted, String(host))) return;
      var el = nodes.get(host);
      var root = el === document ? document : el && el.shadowRoot;
      if (root) root.adoptedStyleSheets = root.adoptedStyleSheets.filter(function (s) { return s !== sheet; });
      adoptedSheets.delete(host);
      adoptedCss.delete(host);
    });
    for (var host in adopted) setAdopted(+host, adopted[host]);
    putPlayerCss();
    sizeCanvases();
    if (p.fonts) setFonts(p.fonts);
    rewriteSelectors();
    flushScroll();
    applyInputs(p.inputs);
    applyMedia(p.media);
    applyScroll(p.scroll);
    var canvas = p.canvas || {};
    for (var cid in canvas) drawCanvas(+cid, canvas[cid], false);
    syncDialogs();
    setFocus(p.focus, p.focus_visible);
    setSelection(p.selection);
    // the hover chain as a loaded frame has it: from no hover, along the cursor's path
    for (var h = 0; h < hovered.length; h++) hovered[h].removeAttribute(HOVER);
    pointer = null;
    hovered = [];
    movePointer(p.pointer);
    stats.patches++;
    return { nodes: nodes.size, title: document.title };
  }

  function place(parent, node, nextId) {
    var next = nextId === null || nextId === undefined ? null : nodes.get(nextId);
    if (parent.nodeType === 9) {                  // the page's or an iframe's document
      if (node.nodeType !== 1) return;            // a doctype/comment beside <html>: not shown
      if (parent.documentElement) parent.replaceChild(node, parent.documentElement);
      else parent.appendChild(node);
      return;
    }
    if (next && next.parentNode === parent) parent.insertBefore(node, next);
    else parent.appendChild(node);
  }

  function apply(ops) {
    for (var i = 0; i < ops.length; i++) {
      var op = ops[i];
      try { applyOne(op); } catch (e) { stats.skipped++; }
      stats.ops++;
    }
    syncDialogs();
    flushScroll();
    sizeCanvases();
    applyHover();
    stats.batches++;
    return stats.ops;
  }

  function applyOne(op) {
    var el;
    switch (op.k) {
      case "add": {
        var parent = nodes.get(op.p);
        if (!parent) { stats.skipped++; return; }
        var old = nodes.get(op.node && op.node.id);
        if (old && old !== document) { forget(old); if (old.parentNode) old.parentNode.removeChild(old); }
        var svg = parent.namespaceURI === SVG_NS && parent.localName !== "foreignObject";
        var node = build(op.node, svg);
        if (node && node.nodeType === 11 && parent.localName === "iframe") {
          pendingFrames.push([parent, node, op.node.id, hasDoctype(op.node)]);   // its document arrived
          attachFrames();
          return;
        }
        if (node) place(containerFor(parent, op.node), node, op.n);
        attachFrames();
        return;
      }
      case "rm":
        el = nodes.get(op.id);
        if (!el || el === document) { stats.skipped++; return; }
        forget(el);
        if (el.parentNode) el.parentNode.removeChild(el);
        return;
      case "text":
        el = nodes.get(op.id);
        if (!el) { stats.skipped++; return; }
        if (el.nodeType === 3 || el.nodeType === 8) el.data = op.v == null ? "" : String(op.v);
        else el.textContent = op.v == null ? "" : String(op.v);
        return;
      case "attr": {
        el = nodes.get(op.id);
        if (!el || el.nodeType !== 1) { stats.skipped++; return; }
        if (el.localName === "template" && el.getAttribute("data-replay-inert")) return;
        var a = op.a || {};
        var isSvg = el.namespaceURI === SVG_NS;
        for (var k in a) if (Object.prototype.hasOwnProperty.call(a, k)) setAttr(el, k, a[k], isSvg);
        return;
      }
      case "input":
        el = nodes.get(op.id);
        if (!el) { stats.skipped++; return; }
        setInput(el, op.v, op.c);
        return;
      case "scroll":
        if (op.id === null || op.id === undefined || nodes.get(op.id) === document) {
          window.scrollTo(+op.x || 0, +op.y || 0);
        } else {
          el = nodes.get(op.id);
          if (el && el.nodeType === 9 && el.defaultView) { el.defaultView.scrollTo(+op.x || 0, +op.y || 0); return; }
          if (!el || el.nodeType !== 1) { stats.skipped++; return; }
          if (el === document.documentElement || el === document.body) window.scrollTo(+op.x || 0, +op.y || 0);
          else { el.scrollLeft = +op.x || 0; el.scrollTop = +op.y || 0; }
        }
        return;
      case "sheet":
        el = nodes.get(op.id);
        if (el && el.localName === "style") el.textContent = op.css == null ? "" : String(op.css);
        else stats.skipped++;
        return;
      case "media":
        if (!setMedia(nodes.get(op.id), op)) stats.skipped++;
        return;
      case "full":
        if (pointer && !op.frame.pointer) op.frame.pointer = [pointer];
        loadFrame(op.frame);
        return;
      case "adopted":
        setAdopted(op.id, op.css);
        return;
      case "focus":
        setFocus(op.id, op.visible);
        return;
      case "selection":
        setSelection(op.ranges);
        return;
      case "fonts":
        setFonts(op.fonts);
        return;
      case "canvas":
        drawCanvas(op.id, op.commands, op.reset);
        return;
      case "rekey": {                            // a patch keeps these nodes under new ids
        var pairs = op.pairs || [], els = [];
        for (var r = 0; r < pairs.length; r++) els.push(nodes.get(pairs[r][0]));
        for (r = 0; r < pairs.length; r++) if (els[r] === nodes.get(pairs[r][0])) nodes.delete(pairs[r][0]);
        for (r = 0; r < pairs.length; r++) {
          if (!els[r]) { stats.skipped++; continue; }
          els[r][RID] = pairs[r][1];
          nodes.set(pairs[r][1], els[r]);
        }
        return;
      }
      case "pointer":                            // where the recorded cursor went (hover)
        movePointer(op.path);
        return;
      default:                                   // mouse, click, viewport: drawn by the player
        return;
    }
  }

  // --- painting: count animation frames so the player can tell a batch reached the screen ---
  // Frames are asked for only while there is something to show or to mark: a loop asking
  // for every frame kept Chromium making a frame every vsync while nothing changed (on the
  // real recording, a page left still: 90-150 ms of CPU a second in the renderer, its
  // compositor and the display compositor; 10-25 without the loop on most pages).
  function clock() { return performance.timeOrigin + performance.now(); }
  var afterFrame = new MessageChannel();
  afterFrame.port1.onmessage = function (e) { state.paintedAt = clock(); state.paintedSeq = e.data; };
  var frameWanted = false;
  var framesOwed = 0;           // frames asked for by `frames()` (the screenshot's wait)
  function wantFrame() {
    if (frameWanted) return;
    frameWanted = true;
    requestAnimationFrame(onFrame);
  }
  function canvasDirty(el) { dirtyCanvases.add(el); wantFrame(); }
  function onFrame() {
    frameWanted = false;
    stats.rafs++;
    if (dirtyCanvases.size) showCanvases();
    if (state.painted < state.applied) {
      if (fontsLoading <= 0 && canvasPending <= 0) {
        state.painted = state.applied;
        stats.painted++;
        afterFrame.port2.postMessage(state.painted);
      } else {
        wantFrame();            // the next frame looks again (fonts, canvas images arriving)
      }
    }
    if (framesOwed > 0) { framesOwed--; wantFrame(); }
  }

  // --- introspection (tests, benchmarks) ---
  var OWN_ATTRS = {};   // the attributes the runtime puts on recorded elements
  OWN_ATTRS[HOVER] = OWN_ATTRS[FOCUS_VISIBLE] = OWN_ATTRS[FOCUS] = OWN_ATTRS[FOCUS_WITHIN] = true;
  OWN_ATTRS[PAUSED] = true;
  function describe(node) {
    // [id, tag or "#text", attributes, text, children] for comparing with the player's model
    if (!node) return null;
    var out = [node[RID] === undefined ? null : node[RID]];
    if (node.nodeType === 1) {
      var attrs = {};
      for (var i = 0; i < node.attributes.length; i++) {
        if (!OWN_ATTRS[node.attributes[i].name]) attrs[node.attributes[i].name] = node.attributes[i].value;
      }
      out.push(node.getAttribute("data-replay-inert") || node.localName, attrs);
    } else if (node.nodeType === 3) out.push("#text", null, node.data);
    else if (node.nodeType === 8) out.push("#comment", null, node.data);
    else out.push("#" + node.nodeType, null);
    var kids = [];
    for (var c = node.firstChild; c; c = c.nextSibling) kids.push(describe(c));
    if (node.nodeType === 1 || node.nodeType === 11) out.push(kids);
    return out;
  }

  function applied() { state.applied = ++state.seq; state.appliedAt = clock(); wantFrame(); }

  window.__replay = {
    version: 1,
    // one more animation frame (and `n - 1` after it) is made; the count of frames so far
    frames: function (n) { framesOwed = Math.max(framesOwed, (n || 1) - 1); wantFrame(); return stats.rafs; },
    setPlayerCss: function (css, engine) {
      playerCss = String(css || "");
      engineCss = String(engine || "");
      putPlayerCss();
      return true;
    },
    loadFrame: function (frame) { var r = loadFrame(frame); applied(); return r; },
    patch: function (p) { var r = patch(p); applied(); return r; },
    apply: function (ops) { var r = apply(ops); applied(); return r; },
    state: function () {
      return { seq: state.seq, applied: state.applied, painted: state.painted, nodes: nodes.size,
               appliedAt: state.appliedAt, paintedAt: state.paintedAt, paintedSeq: state.paintedSeq,
               now: clock(), frameAsked: frameWanted,
               title: document.title, stats: stats, focus: focusId,
               active: document.activeElement && document.activeElement[RID] !== undefined
                       ? document.activeElement[RID] : null,
               viewport: [window.innerWidth, window.innerHeight],
               scroll: [window.scrollX, window.scrollY] };
    },
    has: function (id) { return nodes.has(id); },
    textOf: function (id) { var n = nodes.get(id); return n ? n.textContent : null; },
    attrsOf: function (id) {
      var n = nodes.get(id); if (!n || n.nodeType !== 1) return null;
      var a = {};
      for (var i = 0; i < n.attributes.length; i++) if (!OWN_ATTRS[n.attributes[i].name]) a[n.attributes[i].name] = n.attributes[i].value;
      return a;
    },
    valueOf: function (id) { var n = nodes.get(id); return n && "value" in n ? { v: n.value, c: n.checked } : null; },
    describe: function () { return describe(document.documentElement); },
    ids: function () {   // document-order ids of every connected node we built
      var out = [];
      var walker = document.createTreeWalker(document.documentElement, 0xFFFFFFFF);
      var n = walker.currentNode;
      while (n) { if (n[RID] !== undefined) out.push(n[RID]); n = walker.nextNode(); }
      return out;
    },
    html: function () { return document.documentElement.outerHTML; }
  };
})();
