/* capture.js - our recorder, running in the recorded page.
 *
 * Emits DESIGN.md's format (rrweb's event model: Meta, FullSnapshot, IncrementalSnapshot
 * mutations, mouse, scroll, viewport, input, media, CSSOM edits, selection, adopted
 * stylesheets, fonts, and canvas bitmaps when asked) so recordings play in our player and in
 * rrweb's. Written for this project; rrweb's recorder is only the test oracle.
 *
 * Privacy is applied HERE, before anything leaves the page, with the rules the recorder uses
 * (`Rules.to_json()`) and the precedence of recorder/privacy/levels.py:
 *   1. beneath a `hidden` element nothing is recorded (it is sent as a box: rr_width/rr_height);
 *   2. an element's own explicit level (markup or selector rules; the strictest claim on one
 *      node wins) replaces the inherited one;
 *   3. otherwise the parent's level; at the top, the rules' default.
 * Password/email/tel/hidden/`autocomplete=cc-*` inputs are masked at every level. The value
 * functions follow recorder/privacy/masking.py; tests/fixtures/privacy-conformance.json is the
 * one table both implementations pass. (The pattern detectors run in the recorder's pass.)
 *
 * API:
 *   ReplayCapture.record({emit, rules, plugins?, mousemoveWait, recordCanvas?, canvasFps?})
 *     -> stop()   the recorder alone (recordCanvas: 2D and WebGL canvases' pictures,
 *                 canvasFps a second)
 *     (plugins: rrweb's interface; default: console as rrweb/console@1, and replay/rum@1 when
 *     the RUM plugin is loaded first, as the intake serves it: recorder.paths.capture_script)
 *   ReplayCapture.start({intake, app, token, rules, user, recordCanvas?, canvasFps?, worker?,
 *                        publicTexts?})
 *     record + send to `replay serve` (batches encoded, compressed and posted by a Worker
 *     where the page allows one; `worker: false` keeps them on the main thread)
 *   ReplayCapture.stop(); ReplayCapture.setUser({id, name, email})
 */
(function (win) {
  "use strict";
  if (win.ReplayCapture) return;
  var doc = win.document;

  // ---- the event model (recorder/format.py) ------------------------------------------------
  var EV = {FULL: 2, INC: 3, META: 4, CUSTOM: 5, PLUGIN: 6};
  var PAGE_NOT_RECORDED = "replay/page-not-recorded";   // recorder/format.py
  var SRC = {MUTATION: 0, MOVE: 1, INTERACTION: 2, SCROLL: 3, RESIZE: 4, INPUT: 5, TOUCHMOVE: 6,
             MEDIA: 7, SHEET_RULE: 8, CANVAS: 9, FONT: 10, STYLE_DECL: 13, SELECTION: 14,
             ADOPTED: 15};
  var NODE = {DOCUMENT: 0, DOCTYPE: 1, ELEMENT: 2, TEXT: 3, CDATA: 4, COMMENT: 5};
  var MOUSE = {mouseup: 0, mousedown: 1, click: 2, contextmenu: 3, dblclick: 4, focus: 5,
               blur: 6, touchstart: 7, touchend: 9, touchcancel: 10};
  var MEDIA = {play: 0, pause: 1, seeked: 2, volumechange: 3, ratechange: 4};
  // CSSRule's type constants, as numbers: a page may replace its CSSRule global
  var RULE = {CHARSET: 2, IMPORT: 3};
  var EARLY_MAX_EVENTS = 1000;     // plugin payloads kept until the snapshot (R.startPlugins)
  var MOVE_SAMPLE_MS = 50, MOVE_SEND_MS = 500, SCROLL_MS = 100, MUTATION_MAX_WAIT_MS = 100;
  var SELECTION_MS = 100;          // selectionchange coalesced (a drag fires it per pixel)
  var CANVAS_2D = 0;               // rrweb's CanvasContext
  var CANVAS_FPS = 2;              // bitmaps per second when recordCanvas is on (`canvasFps`)
  var FONT_MAX_BYTES = 200000;     // a FontFace's bytes, JSON-listed, stay under 1 MB

  // ---- privacy (recorder/privacy/levels.py and masking.py) -----------------------------------
  var L = {ALLOW: 0, MASK_USER_INPUT: 1, MASK: 2, HIDDEN: 3};
  var LEVEL_NAMES = {"allow": 0, "mask-user-input": 1, "mask": 2, "hidden": 3};
  var LEVEL_ATTRS = ["data-replay-privacy", "data-dd-privacy"];
  var CLASS_LEVELS = {"rr-block": L.HIDDEN, "rr-mask": L.MASK};
  ["replay-privacy-", "dd-privacy-"].forEach(function (p) {
    for (var n in LEVEL_NAMES) CLASS_LEVELS[p + n] = LEVEL_NAMES[n];
  });
  var ALWAYS_MASKED_TYPES = {password: 1, email: 1, tel: 1, hidden: 1};
  var BUTTON_TYPES = {button: 1, submit: 1, reset: 1, image: 1};
  var FORM_UNSENT = {fieldset: 1, object: 1, output: 1};   // in form.elements, never submitted
  // a form's controls (the prototype's getter: a control named "elements" shadows the property)
  var FORM_ELEMENTS = Object.getOwnPropertyDescriptor(win.HTMLFormElement.prototype, "elements").get;
  var SENSITIVE_ATTRS = {title: 1, alt: 1, placeholder: 1, "aria-label": 1, "aria-description": 1,
                         "aria-valuetext": 1, "aria-placeholder": 1, "aria-roledescription": 1,
                         "aria-braillelabel": 1, "aria-brailleroledescription": 1, name: 1,
                         label: 1, abbr: 1, download: 1, cite: 1, longdesc: 1, datetime: 1,
                         summary: 1, "xlink:href": 1};
  // at mask, where a page sends (masked) and the src of what the replay does not show from it
  // (dropped): masking.SENT_TO_ATTRS, UNSHOWN_SRC_TAGS
  var SENT_TO_ATTRS = {action: 1, formaction: 1, ping: 1};
  // a credential parameter that is no JSON member's (masking.MEMBER_NOT: an error's "code")
  var MEMBER_NOT = {code: 1};
  var UNSHOWN_SRC_TAGS = {iframe: 1, frame: 1, video: 1, audio: 1, track: 1};
  // a <meta>'s content kept at mask: how to show the page (masking.META_LAYOUT_NAMES)
  var META_LAYOUT_NAMES = {viewport: 1, "color-scheme": 1, "supported-color-schemes": 1,
                           "theme-color": 1, referrer: 1, robots: 1, "format-detection": 1};
  var BOX_ATTRS = ["id", "class", "type", "style", "width", "height", "size", "rows", "cols"];
  var BOX_SIZE = ["rr_width", "rr_height"];   // a hidden element's size (masking.BOX_SIZE)
  var MASK = "***";
  // URL parameters scrubbed whatever the rules list besides them, unless the rules keep them
  // (rules.DEFAULT_SCRUB_PARAMS, kept equal; rules.params_in_force: the same sum)
  var DEFAULT_SCRUB_PARAMS = ["access_token", "api-key", "api_key", "apikey", "auth", "client_secret",
                              "code", "id_token", "jsessionid", "otp", "password", "phpsessid",
                              "private_token", "refresh_token", "secret", "session_id", "sessionid",
                              "sig", "signature", "token", "x-amz-credential", "x-amz-security-token",
                              "x-amz-signature", "x-goog-signature"];
  /* The built-in parameters but those kept, then the rules' own (each name once, any case). */
  function paramsInForce(scrub, keep) {
    var kept = {}, seen = {}, out = [], i, p;
    for (i = 0; i < keep.length; i++) kept[String(keep[i]).toLowerCase()] = true;
    for (i = 0; i < DEFAULT_SCRUB_PARAMS.length; i++) {
      p = DEFAULT_SCRUB_PARAMS[i];
      if (!kept[p]) { out.push(p); seen[p] = true; }
    }
    for (i = 0; i < scrub.length; i++) {
      p = String(scrub[i]);
      if (!seen[p.toLowerCase()]) { seen[p.toLowerCase()] = true; out.push(p); }
    }
    return out;
  }
  var CENSORED_IMG = "data:image/gif;base64,R0lGODlhAQABAIAAAMLCwgAAACH5BAAAAAAALAAAAAABAAEAAAICRAEAOw==";
  var DROP = {};

  function parseLevel(v) {
    var k = String(v).trim().toLowerCase();
    return Object.prototype.hasOwnProperty.call(LEVEL_NAMES, k) ? LEVEL_NAMES[k] : null;
  }

  /* The rules as the page applies them: default level, selector rules (ones this browser
   * cannot parse are left to the recorder's pass), the URL query parameters to scrub. */
  /* `echoes`: an earlier recording's of this same page (a session going on as a new one), its
   * values, their fields and their marks kept (Echoes); none: new ones. */
  function Privacy(rules, fields, echoes) {
    rules = rules || {};
    var d = parseLevel(rules["default"] || "mask-user-input");
    this.defaultLevel = d === null ? L.MASK_USER_INPUT : d;
    this.frameOf = null;   // a recorded frame's document -> its iframe (the recorder's)
    this.rules = [];
    (rules.rules || []).forEach(function (r) {
      var lvl = parseLevel(r.level);
      try { doc.createDocumentFragment().querySelector(r.selector); } catch (e) { return; }
      if (lvl !== null) this.rules.push({selector: r.selector, level: lvl});
    }, this);
    // the rules' URL parameters, and the fields of GET forms this session masked
    // (Privacy.formFields): each scrubbed from attributes, values, CSS and payloads
    this.params = paramsInForce(rules.scrub_query_params || [], rules.keep_query_params || []);
    this.urlScrub = urlScrubber(this.params);
    var self = this, detect = detector(rules.detectors === undefined ? ["email", "card", "phone", "iban", "ssn"] : rules.detectors);
    // as the recorder's pass: URL parameters, then the detectors over every string (page
    // text included), then the echoes of values typed into masked fields (Echoes, below)
    echoes = this.echoes = echoes || new Echoes();
    this.detect = detect ? function (t) { return echoes.scrub(detect(t)); } : function (t) { return echoes.scrub(t); };
    this.spans = detect ? detect.spans : null;   // (a value split across text nodes: textRuns)
    // a name (NAME_ATTRS): the rules' parameters and the detectors, no echo
    this.scrubName = function (t) {
      t = self.urlScrub ? self.urlScrub(t) : t;
      return detect ? detect(t) : t;
    };
    this.scrub = function (t) { return echoes.scrub(self.scrubName(t)); };
    // free text - a plugin's payload: console lines, errors, RUM, requests - the rules'
    // redactions too, after the URL's parameters (masker._free_text), before the detectors
    var redact = redactor(rules.console && rules.console.redact);
    this.scrubFree = redact ? function (t) {
      t = redact(self.urlScrub ? self.urlScrub(t) : t);
      return echoes.scrub(detect ? detect(t) : t);
    } : this.scrub;
    // CSS (a style attribute, a stylesheet's text, a rule): echoes where it holds data only
    this.scrubCss = function (t) { return echoes.scrubCss(self.scrubName(t)); };
    this.formFields(fields || []);
  }
  /* The fields of GET forms submitted earlier in the session with values recorded masked
   * ([{name, typed}], names only: capture.js stores no value): their parameters are scrubbed
   * from every URL recorded, and a typed field's values in this page's URL and referrer
   * (where the form put them) are masked wherever the page echoes them, as a value typed
   * on this page is. A choice's (select, checkbox, radio) value is the page's own string: its
   * parameter only is scrubbed. */
  /* A value a field holds without its typing having been heard - its value in a snapshot,
   * one a script sets through the `value` attribute - is learnt as a typed one (Echoes) when
   * the field's value is masked or not recorded at its level (masker._learn_held): not a
   * checkbox's, radio's or button's, the page's own string. The level (levelOf, `cache`) is
   * looked up last: most fields of a page are empty. */
  Privacy.prototype.learnHeld = function (el, value, cache) {
    var tag = el.tagName.toLowerCase();
    if ((tag !== "input" && tag !== "textarea") || typeof value !== "string" || !value) return;
    var t = inputType(tag, el);
    if (t === "checkbox" || t === "radio" || BUTTON_TYPES[t]) return;
    var level = this.levelOf(el, cache);
    if (level === L.HIDDEN || valueMasked(level, tag, el)) this.echoes.add(value, el);
  };
  /* A text node's text learnt as typed: in editable content (`typing`), or a masked
   * textarea's (its value). */
  Privacy.prototype.learnText = function (t, level, parent, typing) {
    if (!t.data || !t.data.trim()) return;
    if (typing || (parent && level !== L.HIDDEN && valueMasked(level, "textarea", parent))) {
      this.echoes.add(t.data, t);
    }
  };
  Privacy.prototype.formFields = function (fields) {
    var added = false, echoes = this.echoes, typed = [];
    fields.forEach(function (f) {
      // as written in a URL too: a form encodes a name as it encodes a value ("a[b]": a%5Bb%5D)
      [f.name, encodeURIComponent(f.name).replace(/%20/g, "+")].forEach(function (name) {
        var low = name.toLowerCase();
        if (!this.params.some(function (p) { return p.toLowerCase() === low; })) { this.params.push(name); added = true; }
      }, this);
      if (f.typed) typed.push(f.name);
    }, this);
    if (added) this.urlScrub = urlScrubber(this.params);
    if (!typed.length) return;
    [win.location.href, doc.referrer].forEach(function (url) {
      urlParamValues(url, typed).forEach(function (v) { echoes.add(v); });
    });
  };
  Privacy.prototype.markup = function (el) {
    var found = null, i, v, lvl;
    for (i = 0; i < LEVEL_ATTRS.length; i++) {
      v = el.getAttribute(LEVEL_ATTRS[i]);
      if (v !== null) {
        lvl = parseLevel(v);
        if (lvl === null) lvl = L.MASK;   // a marker we cannot read: the page wanted privacy
        found = found === null ? lvl : Math.max(found, lvl);
      }
    }
    var cls = el.getAttribute("class");
    if (privacyClass(cls)) {
      var toks = cls.split(/\s+/);
      for (i = 0; i < toks.length; i++) {
        lvl = CLASS_LEVELS[toks[i]];
        if (lvl !== undefined) found = found === null ? lvl : Math.max(found, lvl);
      }
    }
    return found;
  };
  Privacy.prototype.explicit = function (el) {
    var lvl = this.markup(el);
    for (var i = 0; i < this.rules.length; i++) {
      var r = this.rules[i];
      if ((lvl === null || r.level > lvl) && el.matches(r.selector)) lvl = r.level;
    }
    return lvl;
  };
  /* The level an element's children inherit, given its parent's. */
  Privacy.prototype.own = function (el, parentLevel) {
    if (parentLevel === L.HIDDEN) return L.HIDDEN;
    var e = this.explicit(el);
    return e === null ? parentLevel : e;
  };
  /* An element's level from the top (walks up; `cache`: a batch's Map, or the recorder's
   * `levels`, a WeakMap kept across batches while no change can move a level). */
  Privacy.prototype.levelOf = function (node, cache) {
    var known = cache ? cache.get(node) : undefined;   // (a level is a number: one lookup)
    if (known !== undefined) return known;   // (most asks: nothing to walk or allocate)
    var chain = [], x = node, base = this.defaultLevel;
    while (x) {
      known = cache ? cache.get(x) : undefined;
      if (known !== undefined) { base = known; break; }
      if (x.nodeType === 1) chain.push(x);
      // up through shadow hosts, and from a frame's document to its iframe: a frame inherits
      // its iframe's level, in a change as in the frame's snapshot
      x = x.parentNode || (x.host && x.nodeType === 11 ? x.host : null) ||
          (x.nodeType === 9 && this.frameOf ? this.frameOf.get(x) || null : null);
    }
    for (var i = chain.length - 1; i >= 0; i--) {
      base = this.own(chain[i], base);
      if (cache) cache.set(chain[i], base);
    }
    return base;
  };

  /* Editable content (recorder/privacy/levels.py, precedence item 4): an element's own
   * `contenteditable` claim - true (present, not "false"), false ("false"), null (absent:
   * inherited) - and whether an element is in editable content (the nearest claim of it and
   * its ancestors, within its document). Its text is what a person typed. */
  function editableClaim(el) {
    var v = el.getAttribute("contenteditable");
    return v === null ? null : v.trim().toLowerCase() !== "false";
  }
  function inEditable(el) {
    for (var x = el; x && x.nodeType === 1; x = x.parentNode) {
      var c = editableClaim(x);
      if (c !== null) return c;
    }
    return false;
  }
  function inputType(tag, el) {
    if (tag !== "input") return tag;
    var t = el.getAttribute("type");
    return t ? t.toLowerCase() : "text";
  }
  // Form controls masked at every level whose type (or autocomplete) the page changed since
  // (a "show password" button makes a password a text field): still masked, as rrweb keeps
  // them and the recorder's pass does (noteWasMasked, from the mutation records' old values).
  var WAS_ALWAYS_MASKED = new WeakSet();
  function noteWasMasked(r) {   // (every record: a class or a text change ends at the first test)
    if (r.type !== "attributes") return;
    var name = r.attributeName;
    if ((name !== "type" && name !== "autocomplete") || r.oldValue === null) return;
    var el = r.target, old = String(r.oldValue).toLowerCase();
    var tag = el.tagName ? el.tagName.toLowerCase() : "";
    if (name === "type" ? tag === "input" && ALWAYS_MASKED_TYPES[old] :
        name === "autocomplete" && old.indexOf("cc-") >= 0) WAS_ALWAYS_MASKED.add(el);
  }
  function alwaysMasked(tag, el) {
    if (tag !== "input" && tag !== "textarea" && tag !== "select") return false;
    if (WAS_ALWAYS_MASKED.has(el)) return true;
    var ac = el.getAttribute("autocomplete");
    if (ac && ac.toLowerCase().indexOf("cc-") >= 0) return true;
    return tag === "input" && !!ALWAYS_MASKED_TYPES[inputType(tag, el)];
  }
  /* What a control's recorded value follows (a change of it is an input): a checkbox's or
   * radio's checkedness, an editable element's text, a <select multiple>'s selected options
   * (its value is only the first of them), else its value. */
  function controlState(el) {
    var t = el.tagName === "INPUT" ? (el.type || "").toLowerCase() : "";
    if (t === "checkbox" || t === "radio") return el.checked;
    if (el.tagName === "SELECT" && el.multiple) {
      return Array.prototype.map.call(el.selectedOptions, function (o) { return o.index; }).join(",");
    }
    return el.isContentEditable ? el.textContent : el.value;
  }
  function valueMasked(level, tag, el) {
    if (alwaysMasked(tag, el)) return true;
    if (tag === "input" && BUTTON_TYPES[inputType(tag, el)]) return level >= L.MASK;
    return level >= L.MASK_USER_INPUT;
  }
  // (a byte order mark is a space to JavaScript's \s, not to Python's: masked as Python masks it)
  function maskText(s) { return s.replace(/\S|\uFEFF/g, "x"); }
  // a detector's match masked so (detectors._masked): JSON's escaped white space stays too
  function maskFound(s) {
    return s.indexOf("\\") < 0 ? maskText(s) : s.replace(/(\\[ntrf])|\S|\uFEFF/g, function (m, e) { return e || "x"; });
  }
  function maskValue(v) { return v === null || v === undefined || v === "" ? v : MASK; }
  function pxNum(v) {
    var m = /^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$/.exec(v == null ? "" : String(v));
    return m ? parseFloat(m[1]) : null;
  }
  function elementSize(el, attrs) {
    var w = pxNum(attrs.rr_width), h = pxNum(attrs.rr_height);
    if (w === null) w = pxNum(attrs.width);
    if (h === null) h = pxNum(attrs.height);
    var style = attrs.style, re = /(?:^|;)\s*(width|height)\s*:\s*(\d+(?:\.\d+)?)px/gi, m;
    while (style && (w === null || h === null) && (m = re.exec(style))) {
      if (m[1].toLowerCase() === "width" && w === null) w = parseFloat(m[2]);
      else if (m[1].toLowerCase() === "height" && h === null) h = parseFloat(m[2]);
    }
    return [w, h];
  }
  function censoredImage(size) {
    if (size[0] === null || size[1] === null) return CENSORED_IMG;
    return "data:image/svg+xml;charset=utf-8,<svg xmlns='http://www.w3.org/2000/svg' width='" +
      size[0] + "' height='" + size[1] + "' style='background-color:silver'></svg>";
  }
  /* The rules' pattern detectors (recorder/privacy/detectors.py, same patterns and checks):
   * e-mails, Luhn-checked card numbers, phone numbers, mod-97-checked IBANs and US Social
   * Security numbers (in the ranges the SSA issues) are masked like
   * text in every string capture.js sends, even in `allow` text. Where two match the same
   * characters, the first in DETECT_ORDER keeps them, as in Python. */
  var DETECT_ORDER = ["email", "iban", "card", "ssn", "phone"];
  // a space or a plus as a URL encodes it (`%20`, `%2B`; a form's `+` is a separator too),
  // and what may stand before a number besides a non-word character: a `%20`
  var ENC = "%2[0Bb]", AFTER_SPACE = "(?<=%20)";
  // a card's label a number may be glued to (`card_4111…`, `cc4111…`), as Python's _CARD_LABEL
  var CARD_LABEL = ["[Cc][Aa][Rr][Dd]", "[Cc][Cc]", "[Pp][Aa][Nn]"].map(function (label) {
    return "(?<=(?<![A-Za-z])" + label + ")|(?<=(?<![A-Za-z])" + label + "[_-])"; }).join("|");
  // a phone's brackets as a form encodes them (`tel=%28415%29+555-0100`)
  var OPEN = "(?:\\(|%28)", CLOSE = "(?:\\)|%29)";
  // Python's `\w` reads Unicode, JavaScript's ASCII: here `\w` and the letters of the scripts
  // people write (Latin-1's and beyond, Greek, Cyrillic... CJK), without the punctuation,
  // currency and symbol blocks between them - so a letter like `é` beside a number is a word
  // character in both. (`[\p{L}\p{N}_]` with the `u` flag says it exactly, but compiling the
  // number patterns so cost the page ~8 ms of its load: the e-mail pattern alone keeps it.)
  var W = "\\w\\u00AA\\u00B2\\u00B3\\u00B5\\u00B9\\u00BA\\u00BC-\\u00BE\\u00C0-\\u00D6\\u00D8-\\u00F6" +
    "\\u00F8-\\u02FF\\u0370-\\u1FFF\\u2070-\\u209F\\u2150-\\u218F\\u2C00-\\u2DFF\\u3041-\\uD7FF" +
    "\\uF900-\\uFDFF\\uFE70-\\uFEFF\\uFF10-\\uFF19\\uFF21-\\uFF3A\\uFF41-\\uFF5A\\uFF66-\\uFFDC";
  // built at the first text that may hold a match (`detectRx`): compiled, these Unicode-aware
  // patterns cost the page ~10 ms of its load, where most pages' texts never need them
  var DETECT_MAKE = {
    iban: function () { return new RegExp("(?<![" + W + "-])[A-Za-z]{2}\\d{2}(?:(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,3})?" +
      "|(?:-[A-Za-z0-9]{4}){2,7}(?:-[A-Za-z0-9]{1,3})?)(?![" + W + "-])", "g"); },
    // (an IDN domain, jane@bücher.example)
    email: function () { return /(?<![\p{L}\p{N}_.+-])[\p{L}\p{N}_.+-]{1,64}(?:@|%40)[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62}[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62}[\p{L}\p{N}])?)*\.\p{L}{2,24}(?![\p{L}\p{N}_])/gu; },
    ssn: function () { return new RegExp("(?=\\d{3}[ -])(?:(?<![" + W + ".:/-])|(?<=[Ss][Ss][Nn])|(?<=[A-Za-z]:)|(?<=/)(?=\\d{3}[ -]\\d{2}[ -]\\d{4}(?![" + W + ".:-])))" +
      "(?!000|666|9)\\d{3}([ -])(?!00)\\d{2}\\1(?!0000)\\d{4}(?![" + W + "]|[./-]\\d)", "g"); },
    card: function () { return new RegExp("(?=[2-6])(?:(?<![" + W + ".-])|" + AFTER_SPACE + "|" + CARD_LABEL + ")(?:[2-6]\\d{12,18}" +
      "|[2-6]\\d{3}([ .+-]|" + ENC + ")\\d{4}\\1\\d{4}\\1\\d{4}(?:\\1\\d{1,3})?" +
      "|3[47]\\d{2}([ +-]|" + ENC + ")\\d{6}\\2\\d{5})(?![" + W + "-])", "g"); },
    // (each opens with a lookahead of its first character, as in Python)
    phone: function () { return new RegExp("(?=[\\d+(%])(?:" + [
      "(?:(?:(?<![" + W + "+])|" + AFTER_SPACE + ")\\+|(?:(?<![" + W + "])|" + AFTER_SPACE + ")%2[Bb])\\d{1,3}(?:(?:[ .+-]|" + ENC + ")?" + OPEN + "\\d{1,4}" + CLOSE + ")?" +
        "(?:(?:[ .+-]|" + ENC + ")?\\d{1,5}){1,6}(?![" + W + "])",
      "(?:(?<![" + W + "(])|" + AFTER_SPACE + ")" + OPEN + "\\d{2,5}" + CLOSE + "(?:[ .+-]|" + ENC + ")?\\d{2,5}" +
        "(?:(?:[ .+-]|" + ENC + ")?\\d{2,5}){0,3}(?![" + W + "])",
      "(?:(?<![" + W + ".:/-])|" + AFTER_SPACE + ")(?:1(?:[ .-]|" + ENC + "))?\\d{3}([ .-]|" + ENC + ")\\d{3}\\1\\d{4}" +
        "(?![" + W + "]|[.:/-]\\d)",
      "(?:(?<![" + W + ".:/-])|" + AFTER_SPACE + ")00[1-9]\\d{0,2}(?:(?:[ .+-]|" + ENC + ")?" + OPEN + "\\d{1,4}" + CLOSE +
        "(?:[ .+-]|" + ENC + ")?|(?:[ .+-]|" + ENC + "))\\d{1,5}" +
        "(?:(?:[ .+-]|" + ENC + ")?\\d{1,5}){1,5}(?![" + W + "]|[.:/-]\\d)",
      "(?:(?<![" + W + ".:/-])|" + AFTER_SPACE + ")0\\d{1,4}(?:[ -]|" + ENC + ")\\d{3,4}(?:[ -]|" + ENC + ")?\\d{3,4}" +
        "(?![" + W + "]|[.:/-]\\d)",
      "(?:(?<![" + W + ".:/-])|" + AFTER_SPACE + ")0\\d(?:(?:[ .]|" + ENC + ")\\d\\d){4}(?![" + W + "]|[.:/-]\\d)"].join("|") + ")", "g"); }
  }, DETECT = {};
  function detectRx(k) { return DETECT[k] || (DETECT[k] = DETECT_MAKE[k]()); }
  // (the number hint takes a run of white space, or of JSON's escapes of it, as one separator,
  // as detectors._NUMBER_HINT: the lookahead and backreference take a run whole, as Python's
  // possessive `++` - no backtracking into it)
  var MIGHT_MATCH = /[@\d]/, NUMBER_HINT = /\d(?:(?:[.()+-]|%2[0Bb89]|(?=((?:[ \t\n\f\r]|\\[ntrf])+))\1){0,2}\d){8}/;
  // what an e-mail must hold (a necessary condition, without the u flag): a local part's
  // character, '@' or %40, a domain's character - ASCII as the pattern has them, or any other
  var EMAIL_HINT = /[\w.+\-\u0080-\uFFFF](?:@|%40)[A-Za-z0-9\u0080-\uFFFF]/;
  // ... and what each number kind's match holds (its pattern's core, without its lookarounds):
  // an SVG icon's path ("M3 4h2l2.4 10.2a2 2 0 0 0 2 1.6") passes NUMBER_HINT, and the four
  // patterns compiled and run over it cost the page's load about a millisecond. A phone's is
  // each of its forms': +, %2B, ( or %28 before a digit; three digits in a row (3-3-4, 00 and
  // a country, a trunk 0 and 3-4 digit groups); 0 and four pairs (01 23 45 67 89).
  var KIND_HINT = {email: EMAIL_HINT, iban: /[A-Za-z]{2}\d{2}/, card: /\d{4}/,
                   ssn: /\d{3}[ -]\d{2}[ -]\d{4}/,
                   phone: /[+(]\d|%2[Bb8]\d|\d{3}|0\d(?:(?:[ .]|%2[0Bb])\d\d){4}/};
  // each country's IBAN length (detectors.IBAN_COUNTRIES): one typed in lower case must have it
  var IBAN_DIGITS_ONLY = {};
  ("AE AT BA BE CZ DE DK EE ES FI HR HU IL IS LT ME NO PL PT RS SE SI SK TN").split(" ")
    .forEach(function (c) { IBAN_DIGITS_ONLY[c] = 1; });
  var IBAN_LENGTHS = {};
  ("AD24 AE23 AL28 AO25 AT20 AZ28 BA20 BE16 BF28 BG22 BH22 BI27 BJ28 BR29 BY28" +
   " CF27 CG27 CH21 CI28 CM27 CR22 CV25 CY28 CZ24 DE22 DJ27 DK18 DO28 DZ26 EE20" +
   " EG29 ES24 FI18 FK18 FO18 FR27 GA27 GB22 GE22 GI23 GL18 GQ27 GR27 GT28 GW25" +
   " HN28 HR21 HU28 IE22 IL23 IQ23 IR26 IS26 IT27 JO30 KM27 KW30 KZ20 LB28 LC32" +
   " LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MG27 MK19 ML28 MN20 MR27 MT31 MU30" +
   " MZ25 NE28 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24" +
   " SC31 SD18 SE24 SI19 SK24 SM27 SN28 SO23 ST25 SV28 TD27 TG28 TL23 TN24 TR26" +
   " UA29 VA22 VG24 XK20 YE30").split(" ").forEach(function (c) { IBAN_LENGTHS[c.slice(0, 2)] = +c.slice(2); });
  // a match with its `%20`, `%2B`, `%28` and `%29` read back, so the checks count its own digits
  var DECODED = {"%20": " ", "%2B": "+", "%2b": "+", "%28": "(", "%29": ")"};
  function decoded(m) {
    return m.indexOf("%") < 0 ? m : m.replace(/%2[0Bb89]/g, function (e) { return DECODED[e]; });
  }
  function luhnOk(digits) {
    var total = 0;
    for (var i = 0; i < digits.length; i++) {
      var d = digits.charCodeAt(digits.length - 1 - i) - 48;
      if (i % 2) { d *= 2; if (d > 9) d -= 9; }
      total += d;
    }
    return total % 10 === 0;
  }
  function ibanOk(m) {
    var s = m.replace(/[ -]/g, "");
    if (s.length < 15 || s.length > 34) return false;
    var country = s.slice(0, 2).toUpperCase();
    if (s !== s.toUpperCase() && IBAN_LENGTHS[country] !== s.length) return false;
    // (detectors.IBAN_DIGITS_ONLY: their account numbers are digits only)
    if (IBAN_DIGITS_ONLY[country] && (IBAN_LENGTHS[country] !== s.length || !/^\d+$/.test(s.slice(4)))) return false;
    var moved = s.slice(4) + s.slice(0, 4), rest = 0;   // mod 97 of it as a number, A=10...
    for (var i = 0; i < moved.length; i++) {
      var v = parseInt(moved.charAt(i), 36);
      rest = (v > 9 ? rest * 100 + v : rest * 10 + v) % 97;
    }
    return rest === 1;
  }
  // a file's extension where the top-level domain would be: a file name (logo@2x.png), not
  // an address (detectors.FILE_EXTENSIONS, the same list)
  var FILE_EXTENSIONS = {};
  ("png jpg jpeg gif webp avif svg ico bmp tif tiff css js mjs json woff woff2 ttf otf eot" +
   " mp3 mp4 webm ogg wav html htm php").split(" ").forEach(function (x) { FILE_EXTENSIONS[x] = 1; });
  function fileExtension(m) { return FILE_EXTENSIONS[m.slice(m.lastIndexOf(".") + 1).toLowerCase()] === 1; }
  var emailWhole = null;
  // the address in a match (detectors._email): all of it, or before a file's extension if
  // that is an address (jane@example.com.png), else "" (logo@2x.png)
  function emailAddress(m) {
    if (!fileExtension(m)) return m;
    m = m.slice(0, m.lastIndexOf("."));
    emailWhole = emailWhole || new RegExp("^(?:" + detectRx("email").source + ")$", "u");
    return emailWhole.test(m) && !fileExtension(m) ? m : "";
  }
  var CHECK = {
    email: function (m) { return true; },   // (emailAddress, in the detector's loop)
    ssn: function () { return true; },   // the ranges are in its pattern
    iban: ibanOk,
    card: function (m) { var d = decoded(m).replace(/\D/g, ""); return d.length >= 13 && d.length <= 19 && luhnOk(d); },
    phone: function (m) {
      m = decoded(m);
      var n = m.replace(/\D/g, "").length - (m.lastIndexOf("00", 0) === 0 ? 2 : 0);   // (00: the + dialled)
      if (n < 9 || n > 15) return false;
      if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(m) || /^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$/.test(m)) return false;
      if (m.indexOf(".") >= 0 && m.indexOf("+") < 0 && m.indexOf("(") < 0 && m.lastIndexOf("00", 0) !== 0 &&
          m.split(".").length - 1 !== 2) return false;   // (0033.1.42...: dialled international)
      return true;
    }
  };
  /* Odd spaces read as spaces, odd hyphens as `-`, invisible characters as nothing
   * (detectors._plain): the text the detectors look at, and where each of its characters
   * stands in `text` (null: there); null when `text` holds none of them. */
  var ODD = /[\u00A0\u2000-\u200F\u2010-\u2013\u202F\u205F\u2060-\u2064\u2066-\u2069\u3000\u00AD\u061C\uFEFF]/;
  var ODD_SPACES = /[\u00A0\u2000-\u200A\u202F\u205F\u3000]/g, ODD_HYPHENS = /[\u2010-\u2013]/g;
  var INVISIBLE = /[\u00AD\u061C\u200B-\u200F\u2060-\u2064\u2066-\u2069\uFEFF]/;
  function plainText(text) {
    if (!ODD.test(text)) return null;
    var out = text.replace(ODD_SPACES, " ").replace(ODD_HYPHENS, "-");
    if (!INVISIBLE.test(out)) return {text: out, where: null};   // (each character in its place)
    var kept = "", where = [];
    for (var i = 0; i < out.length; i++) {
      var c = out.charAt(i);
      if (INVISIBLE.test(c)) continue;
      kept += c;
      where.push(i);
    }
    return {text: kept, where: where};
  }
  /* JSON's escapes of white space (`\n`, `\t`, `\r`, `\f`: a console argument is JSON text)
   * read as the white space they stand for; then white space read as shown, too
   * (detectors.find): each run one space (SPACE_RUN). `runsIn`: the matches made one
   * character (detectors._runs); `placedBack`: findings placed back (detectors._back). */
  var ESCAPED = /\\[ntrf]/g, UNESCAPED = {"\\n": "\n", "\\t": "\t", "\\r": "\r", "\\f": "\f"};
  var COLLAPSED = /[\t\n\f\r]| {2}/, SPACE_RUN = /[ \t\n\f\r]+/g;
  // a run that collapses between two groups of what may be a number (detectors._RUN_INSIDE)
  var RUN_INSIDE = /[0-9)](?:[ \t\n\f\r]{2,}|[\t\n\f\r])[A-Za-z0-9(+]|[A-Za-z0-9](?:[ \t\n\f\r]{2,}|[\t\n\f\r])[0-9(+]/;
  function runsIn(text, rx) {
    var at = [], fewer = [], gone = 0, m;
    rx.lastIndex = 0;
    while ((m = rx.exec(text))) {
      if (m[0].length > 1) { at.push(m.index - gone); gone += m[0].length - 1; fewer.push(gone); }
    }
    return {at: at, fewer: fewer};
  }
  function placedBack(runs, found) {
    var place = function (i) {
      var lo = 0, hi = runs.at.length;   // (bisect_left)
      while (lo < hi) { var mid = (lo + hi) >> 1; if (runs.at[mid] < i) lo = mid + 1; else hi = mid; }
      return i + (lo ? runs.fewer[lo - 1] : 0);
    };
    return found.map(function (f) { return [place(f[0]), place(f[1] - 1) + 1]; });
  }
  // what either reading found, overlapping spans made one (detectors._union)
  function unionSpans(first, second) {
    var all = first.concat(second).map(function (f, i) { return [f[0], f[1], i]; });
    all.sort(function (a, b) { return a[0] - b[0] || a[2] - b[2]; });   // (the first's first)
    var out = [];
    all.forEach(function (f) {
      var last = out[out.length - 1];
      if (last && f[0] < last[1]) { if (f[1] > last[1]) last[1] = f[1]; }
      else out.push([f[0], f[1]]);
    });
    return out;
  }
  function detector(kinds) {
    kinds = DETECT_ORDER.filter(function (k) { return (kinds || []).indexOf(k) >= 0; });
    if (!kinds.length) return null;
    var plainDetect = function (text) {
      if (typeof text !== "string" || text.length < 6 || !MIGHT_MATCH.test(text)) return text;
      var found = spans(text);
      if (!found.length) return text;
      var out = "", pos = 0;
      found.forEach(function (f) { out += text.slice(pos, f[0]) + maskFound(text.slice(f[0], f[1])); pos = f[1]; });
      return out + text.slice(pos);
    };
    // the matches in `text`, [start, end] each, in order (detectors.find)
    var spans = function (text) {
      var plain = plainText(text), base = plain === null ? text : plain.text, given = base;
      if (base.indexOf("\\") >= 0) given = base.replace(ESCAPED, function (e) { return UNESCAPED[e]; });
      var found = findIn(given);
      if (COLLAPSED.test(given) && RUN_INSIDE.test(given) && NUMBER_HINT.test(given)) {
        var shown = findIn(given.replace(SPACE_RUN, " "));
        if (shown.length) found = unionSpans(found, placedBack(runsIn(given, SPACE_RUN), shown));
      }
      if (given !== base) {
        // ... and as it came (detectors.find): but an address an escape's letter would begin
        // is the escaped reading's
        found = placedBack(runsIn(base, ESCAPED), found);
        var starts = {};
        found.forEach(function (f) { starts[f[0]] = 1; });
        found = unionSpans(found, findIn(base).filter(function (f) {
          return !(f[0] && starts[f[0] + 1] === 1 && base.charAt(f[0] - 1) === "\\" && /[ntrf]/.test(base.charAt(f[0])));
        }));
      }
      if (plain === null || plain.where === null) return found;
      return found.map(function (f) { return [plain.where[f[0]], plain.where[f[1] - 1] + 1]; });
    };
    // ... in `text` as the detectors read it
    var findIn = function (text) {
      if (text.length < 6) return [];
      // each kind only where it can match (EMAIL_HINT, NUMBER_HINT): the Unicode-aware e-mail
      // pattern scanned over every text with a digit or an '@' in it - a stylesheet's
      // `@media` - was most of the detectors' cost on a page's load
      var found = [], numbers = NUMBER_HINT.test(text), at = EMAIL_HINT.test(text);
      kinds.forEach(function (k) {
        if (k === "email" ? !at : !numbers || !KIND_HINT[k].test(text)) return;
        var rx = detectRx(k), m;
        rx.lastIndex = 0;
        while ((m = rx.exec(text))) {
          var hit = k === "email" ? emailAddress(m[0]) : m[0];
          if (!hit) continue;
          var overlaps = found.some(function (f) { return f[0] < m.index + hit.length && m.index < f[1]; });
          if (!overlaps && CHECK[k](hit)) found.push([m.index, m.index + hit.length]);
          if (m[0].length === 0) rx.lastIndex++;
        }
      });
      found.sort(function (a, b) { return a[0] - b[0]; });
      return found;
    };
    plainDetect.spans = spans;
    return plainDetect;
  }
  function urlScrubber(params) {
    if (!params.length) return null;
    var escaped = function (p) { return p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); };
    var names = params.map(escaped).join("|");
    // (masking.make_url_scrubber: in a query or fragment, or standing alone - after anything
    // but a letter, digit, `_` or `-`: masking.PARAM_START)
    // (a stack frame's `:line:col` after the value is not the value's: masking.PARAM_END; a
    // name as a form names an array's, `token[]=`: masking.ARRAY_NAME)
    // (its white space is Python's, PY_SPACE: JavaScript's \s ended a value at U+FEFF and not
    // at U+001C-U+001F or U+0085, where the recorder's pass does, a reviewer's find)
    var rx = new RegExp("((?<![A-Za-z0-9_-])(?:" + names + ")(?:\\[\\]|%5B%5D)?=)[^&#" + PY_SPACE + "\"'<>)]*?(?=(?::\\d+){2}(?=[)" + PY_SPACE + "]|$)|[&#" + PY_SPACE + "\"'<>)]|$)", "gi");
    // ... as a JSON member's key, its string's characters (masking.JSON_MEMBER), and as JSON
    // inside a JSON string, read to its closing escaped quote (masking.JSON_MEMBER_ESCAPED)
    var memberNames = params.filter(function (p) { return MEMBER_NOT[p.toLowerCase()] !== 1; })
      .map(escaped).join("|");
    var members = memberNames ? [new RegExp('("(?:' + memberNames + ')"[ \\t\\n\\r]*:[ \\t\\n\\r]*")((?:[^"\\\\]|\\\\[\\s\\S])*)(?="|(?![\\s\\S]))', "gi"),
                                 new RegExp('(\\\\"(?:' + memberNames + ')\\\\"(?: |\\\\[tnr])*:(?: |\\\\[tnr])*\\\\")((?:[^"\\\\]|\\\\[^"\\\\]|\\\\\\\\(?:\\\\[\\s\\S]|[^"\\\\]))*)(?=\\\\"|(?![\\s\\S]))', "gi")] : [];
    // ... and a number as its value (masking.JSON_NUMBER_MEMBER, _ESCAPED), masked as a string
    var number = "(-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)";
    if (memberNames) members.push(
      new RegExp('("(?:' + memberNames + ')"[ \\t\\n\\r]*:[ \\t\\n\\r]*)' + number, "gi"),
      new RegExp('(\\\\"(?:' + memberNames + ')\\\\"(?: |\\\\[tnr])*:(?: |\\\\[tnr])*)' + number, "gi"));
    var memberMasked = function (all, head, value) { return value === "" || value === MASK ? all : head + MASK; };
    var numberMasked = function (all, head) { return head + '"' + MASK + '"'; };
    var escapedNumberMasked = function (all, head) { return head + '\\"' + MASK + '\\"'; };
    // ... inside a URL-encoded URL, a login's `next=` (masking.ENCODED_PARAM, ENCODED_VALUE)
    var inEncoded = new RegExp("((?:%3F|%26|%23|%3B)(?:" + names + ")(?:%5B%5D)?%3D)(?:(?!%26|%23|%3B)[^&#" + PY_SPACE + "\"'<>)])*", "gi");
    var masked = function (all, head) { return all.length > head.length ? head + MASK : all; };
    return function (s) {
      if (s.indexOf("=") >= 0 || s.indexOf("%3") >= 0) s = s.replace(rx, masked).replace(inEncoded, masked);
      if (members.length && s.indexOf('"') >= 0 && s.indexOf(":") >= 0) {
        s = s.replace(members[0], memberMasked).replace(members[1], memberMasked)
             .replace(members[2], numberMasked).replace(members[3], escapedNumberMasked);
      }
      if (s.indexOf("earer") >= 0 || s.indexOf("EARER") >= 0)
        s = s.replace(BEARER_TOKEN, function (all, token) { return all.slice(0, all.length - token.length) + MASK; });
      if (s.indexOf("asic") >= 0 || s.indexOf("ASIC") >= 0)
        s = s.replace(BASIC_CREDENTIALS, function (all, token) { return userAndPassword(token) ? all.slice(0, all.length - token.length) + MASK : all; });
      if (s.indexOf("@") < 0 || s.indexOf("//") < 0) return s;
      return s.replace(USERINFO_PASSWORD, function (all, head, pw) { return pw === MASK ? all : head + MASK; });
    };
  }
  /* The rules' `[console] redact` patterns (Python regular expressions: Rules.console_redact)
   * as one function masking each one's matches, as masking.make_redactor does (in a console
   * argument that is a JSON string, in the text it holds too: `^` and `$` are its ends, and a
   * change is encoded again by JSON.stringify); null: none. Each
   * is read as Python reads it (pythonRegExp); one that cannot be cannot tell what it would
   * match here, so every text it is asked of is masked whole - the intake masks what the
   * page sends, but such text must not leave the page in clear. */
  function redactor(patterns) {
    if (!Array.isArray(patterns) || !patterns.length) return null;
    var rxs = [];
    for (var i = 0; i < patterns.length; i++) {
      var rx = typeof patterns[i] === "string" ? pythonRegExp(patterns[i]) : null;
      if (rx === null) return function (s) { return s ? MASK : s; };
      rxs.push(rx);
    }
    return function (s) {
      var j;
      if (s.length >= 2 && s.charAt(0) === '"' && s.charAt(s.length - 1) === '"') {
        var held = null, text;
        try { held = JSON.parse(s); } catch (e) { held = null; }
        if (typeof held === "string") {
          text = held;
          for (j = 0; j < rxs.length; j++) text = text.replace(rxs[j], MASK);
          if (text !== held) s = JSON.stringify(text);
        }
      }
      for (j = 0; j < rxs.length; j++) s = s.replace(rxs[j], MASK);
      return s;
    };
  }
  // Python's word characters, digits and white space (str patterns: Unicode), as JavaScript's
  // `u` classes: a letter, a number or "_"; a decimal digit; what str.isspace() says is one
  var PY_WORD = "\\p{L}\\p{N}_";
  var PY_SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var PY_BOUNDARY = "(?:(?<=[" + PY_WORD + "])(?![" + PY_WORD + "])|(?<![" + PY_WORD + "])(?=[" + PY_WORD + "]))";
  var PY_INSIDE = {"d": "\\p{Nd}", "D": "\\P{Nd}", "w": PY_WORD, "s": PY_SPACE, "b": "\\x08"};
  var PY_OUTSIDE = {"d": "\\p{Nd}", "D": "\\P{Nd}", "w": "[" + PY_WORD + "]", "W": "[^" + PY_WORD + "]",
                    "s": "[" + PY_SPACE + "]", "S": "[^" + PY_SPACE + "]", "b": PY_BOUNDARY,
                    "B": "(?!" + PY_BOUNDARY + ")", "A": "(?<![\\s\\S])", "Z": "(?![\\s\\S])"};
  var JS_SYNTAX = "^$\\.*+?()[]{}|/";
  /* A Python regular expression (`re`, a str pattern) as JavaScript's RegExp matching the same
   * (flags "gu"), or null where one cannot be told: a leading inline flag group (`(?i)`, `m`,
   * `s`; `x` and `L` have no reading here) becomes the flags; `\d`, `\w`, `\s`, `\b` are
   * Python's Unicode ones, `\A`, `\Z` the text's ends; `.` and `$` as Python's (`.` stops at a
   * line feed alone, `$` is also before a last one); `{,n}` is `{0,n}`; `(?P<n>...)` and
   * `(?P=n)` are named groups; an escaped mark JavaScript's `u` would refuse is the mark. */
  function pythonRegExp(p) {
    var flags = "gu", lead = /^\(\?([aiLmsux]+)\)/.exec(p), out = "", inClass = false, said = "";
    if (lead) {
      // locale, verbose, ASCII classes: no reading here (an ASCII \w matches less than ours)
      if (/[Lxa]/.test(lead[1])) return null;
      said = lead[1];
      p = p.slice(lead[0].length);
    }
    // flags scoped to a group ("(?s:", "(?-i:") change what the rest is read as: none here
    if (/\(\?[aiLmsux-]+:/.test(p.replace(/\\./g, ""))) return null;
    // `i` JavaScript's too, but Python's also takes "İ" and "ı" for "i"; `m` and `s` are read
    // here (JavaScript's `m` also ends a line at \r, U+2028 and U+2029: its `.` too)
    var caseless = said.indexOf("i") >= 0, dotAll = said.indexOf("s") >= 0,
        multi = said.indexOf("m") >= 0;
    if (caseless) flags += "i";
    for (var i = 0; i < p.length; i++) {
      var c = p.charAt(i);
      if (c === "\\") {
        var e = p.charAt(++i), table = inClass ? PY_INSIDE : PY_OUTSIDE;
        if (e === "") return null;
        if (Object.prototype.hasOwnProperty.call(table, e)) out += table[e];
        else if (/[WSBAZ]/.test(e)) return null;   // negated or an end inside a class
        else if (/[NULg]/.test(e) || /[0-7]/.test(e) && /[0-7]/.test(p.charAt(i + 1))) return null;
        else if (e === "a") out += "\\x07";
        else if (/[0-9A-Za-z]/.test(e) || JS_SYNTAX.indexOf(e) >= 0 || (inClass && e === "-")) out += "\\" + e;
        else out += e;   // `\-`, `\#`, `\:`: the mark itself (JavaScript's `u` refuses the escape)
      } else if (inClass) {
        if (c === "]") inClass = false;
        else if (c === "[") c = "\\[";
        else if (caseless && (c === "i" || c === "I")) c += "\u0130\u0131";
        out += c;
      } else if (c === "[") {
        inClass = true;
        out += c;
        if (p.charAt(i + 1) === "^") out += p.charAt(++i);
        if (p.charAt(i + 1) === "]") { out += "\\]"; i++; }   // Python: a first "]" is the mark
      } else if (c === "." && !dotAll) out += "[^\\n]";
      else if (c === ".") out += "[\\s\\S]";
      else if (c === "$") out += multi ? "(?=\\n|(?![\\s\\S]))" : "(?=\\n?(?![\\s\\S]))";
      else if (c === "^" && multi) out += "(?:(?<![\\s\\S])|(?<=\\n))";
      else if (caseless && (c === "i" || c === "I")) out += "[iI\u0130\u0131]";
      else if (c === "{" && p.charAt(i + 1) === ",") out += "{0";
      else if (c === "(" && p.slice(i, i + 4) === "(?P<") { out += "(?<"; i += 3; }
      else if (c === "(" && p.slice(i, i + 4) === "(?P=") {
        var end = p.indexOf(")", i);
        if (end < 0) return null;
        out += "\\k<" + p.slice(i + 4, end) + ">";
        i = end;
      } else out += c;
    }
    try { return new RegExp(out, flags); } catch (x) { return null; }
  }
  // a Bearer token as an Authorization header writes it: the token goes (masking.BEARER_TOKEN)
  var BEARER_TOKEN = /(?<![A-Za-z0-9_])(?:[Bb]earer|BEARER)[ \t]+([A-Za-z0-9._~+\/-]{8,}=*)/g;
  // basic auth's credentials, base64 of user:password: they go (masking.BASIC_CREDENTIALS)
  var BASIC_CREDENTIALS = /(?<![A-Za-z0-9_])(?:[Bb]asic|BASIC)[ \t]+((?:[A-Za-z0-9+\/]{4}){2,}(?:[A-Za-z0-9+\/]{2}==|[A-Za-z0-9+\/]{3}=)?)(?![A-Za-z0-9+\/=])/g;
  function userAndPassword(token) {   // (masking.is_user_and_password)
    var raw;
    try { raw = win.atob(token); } catch (e) { return false; }
    if (raw.indexOf(":") < 0) return false;
    for (var i = 0; i < raw.length; i++) { var c = raw.charCodeAt(i); if (c < 0x20 || c === 0x7f) return false; }
    return true;
  }
  // a password in a URL's user info: `https://user:***@host/` (masking.USERINFO_PASSWORD)
  var USERINFO_PASSWORD = /(\/\/[^\s\/?#@:"<>]*:)([^\s\/?#@"<>]+)(?=@)/g;
  /* The values of the parameters `names` (any case) in a URL's query and fragment, decoded as
   * a form encodes them (`+` is a space). */
  function urlParamValues(url, names) {
    var out = [], want = names.map(function (n) { return n.toLowerCase(); });
    if (!url) return out;
    var hash = url.indexOf("#"), query = url.indexOf("?");
    var parts = [hash >= 0 ? url.slice(hash + 1) : ""];
    if (query >= 0 && (hash < 0 || query < hash)) parts.push(url.slice(query + 1, hash >= 0 ? hash : undefined));
    parts.forEach(function (part) {
      part.split(/[?&;]/).forEach(function (pair) {
        var eq = pair.indexOf("=");
        if (eq < 0 || want.indexOf(formDecode(pair.slice(0, eq)).toLowerCase()) < 0) return;
        out.push(formDecode(pair.slice(eq + 1)));
      });
    });
    return out;
  }
  function formDecode(s) {
    s = s.replace(/\+/g, " ");
    try { return decodeURIComponent(s); } catch (e) { return s; }
  }
  /* Echo scrubbing (recorder/privacy/echoes.py): the values typed into masked fields, kept
   * in page memory only (at most ECHO_MAX_VALUES, the oldest forgotten first) - and on the
   * session's later pages, the values a GET form put in their URL (Privacy.formFields) - masked
   * wherever the page echoes them later - fetch URLs, console text, error messages and
   * stacks, text and attributes. Matched as the recorder's pass does: trimmed, in any case,
   * each character but letters and digits also percent-encoded (a space also `+`) or
   * JSON-escaped; values of ECHO_MIN_LEN characters or more, those shorter than
   * ECHO_ANYWHERE_LEN only where no letter or digit touches them. A field's value on the way
   * (a keystroke's) counts for ECHO_FADE_MS after a later value of the field superseded it,
   * then no more; what each field holds or ended with (and a value it was cleared of), and
   * values given without a field, count for the whole visit. */
  var ECHO_MIN_LEN = 4, ECHO_ANYWHERE_LEN = 8, ECHO_MAX_VALUES = 2000, ECHO_FADE_MS = 10000;
  // a masked field's value too short to be looked for anywhere, or a masked choice's (a
  // select's, a radio's: the page's own string), is looked for as a URL parameter's whole
  // value (Echoes.params): from this length
  var ECHO_PARAM_MIN_LEN = 2;
  // values that are names, never an echo (strings.NAME_ATTRS, strings.KIND_FIELDS): an
  // enumerated attribute's (a type, a role), a plugin payload's kind fields
  var NAME_ATTRS = {type: 1, role: 1, rel: 1, lang: 1, dir: 1, autocomplete: 1, inputmode: 1};
  var KIND_FIELDS = {type: 1, level: 1, source: 1, method: 1, loading_type: 1,
                     navigation_type: 1, kind: 1, plugin: 1};
  // the words a kind field holds when it names a kind (a thrown object's `name` may be any)
  var KIND_VALUES = {"AbortError": 1, "AggregateError": 1, "DELETE": 1, "DOMException": 1,
                     "Error": 1, "EvalError": 1, "GET": 1, "HEAD": 1, "HTTPError": 1,
                     "NetworkError": 1, "NotAllowedError": 1, "OPTIONS": 1, "PATCH": 1,
                     "POST": 1, "PUT": 1, "RangeError": 1, "ReferenceError": 1,
                     "SecurityError": 1, "SyntaxError": 1, "TimeoutError": 1, "TypeError": 1,
                     "URIError": 1, "UnhandledRejection": 1, "action": 1, "assert": 1,
                     "back_forward": 1, "bf_cache": 1, "click": 1, "console": 1, "count": 1, "countReset": 1, "css": 1,
                     "dead_click": 1, "debug": 1, "desktop": 1, "dir": 1, "dirxml": 1,
                     "document": 1, "error": 1, "error_click": 1, "fetch": 1, "font": 1,
                     "group": 1, "mobile": 1, "tablet": 1, "groupCollapsed": 1, "groupEnd": 1, "image": 1, "info": 1,
                     "initial_load": 1, "js": 1, "log": 1, "long_task": 1, "media": 1,
                     "navigate": 1, "network": 1, "other": 1, "prerender": 1, "reload": 1, "rage_click": 1, "replay/rum@1": 1, "resource": 1,
                     "route_change": 1, "rrweb/console@1": 1, "rrweb/network@1": 1, "source": 1,
                     "table": 1, "time": 1, "timeEnd": 1, "timeLog": 1, "trace": 1, "view": 1,
                     "warn": 1, "xhr": 1};
  // where CSS holds a page's data: its comments, quoted strings and url()s, a quoted url()
  // read whole, and its class and id selectors (echoes.CSS_DATA); the rest is the language's
  // own words ("position", "screen")
  var CSS_DATA = /\/\*[\s\S]*?(?:\*\/|$)|"(?:[^"\\]|\\[\s\S])*(?:"|\\?$)|'(?:[^'\\]|\\[\s\S])*(?:'|\\?$)|url\(\s*(?:"(?:[^"\\]|\\[\s\S])*(?:"|\\?$)|'(?:[^'\\]|\\[\s\S])*(?:'|\\?$)|[^)]*)\s*\)?|[.#][-A-Za-z0-9_\u0080-\uffff]+/gi;
  var ALONE_BEFORE = "(?<![\\p{L}\\p{N}])", ALONE_AFTER = "(?![\\p{L}\\p{N}])";
  function reEscape(s) { return s.replace(/[.*+?^${}()|[\]\\\/]/g, "\\$&"); }
  function echoChar(c) {
    if (/^[A-Za-z0-9]$/.test(c)) return c;
    var forms = [c], pct = "";
    new win.TextEncoder().encode(c).forEach(function (b) { pct += (b < 16 ? "%0" : "%") + b.toString(16).toUpperCase(); });
    forms.push(pct);
    if (c === " ") forms.push("+", "-", "_");   // a form's space, a slug's (`red-shoes`)
    forms = forms.concat(forms.map(function (f) { return JSON.stringify(f).slice(1, -1); }));
    forms = forms.filter(function (f, i) { return forms.indexOf(f) === i; })
      .sort(function (a, b) { return b.length - a.length; });
    return "(?:" + forms.map(reEscape).join("|") + ")";
  }
  /* A visit's next pages (start(): the tab's session record). Page memory ends with the page,
   * and a value typed on one page is often shown by the next - saved by the site or posted
   * with POST: "Welcome back, Hortensia Blumenkohl" after a sign-up. So each page hands the
   * next not its values but their digests: a 32-bit hash of each value (as matched: in any
   * case), salted with a number drawn for the visit - at most ECHO_CARRY_MAX, the newest kept,
   * in the tab's sessionStorage beside the session id. A digest names no value, but whoever
   * reads it (the site's own scripts, which had the value; someone who reads this browser's
   * profile on disk) can try every value of a small set against it - every date of birth, a
   * list of names. So only values of ECHO_ANYWHERE_LEN to ECHO_CARRY_LEN characters holding a
   * letter are handed on (a date, a ZIP code, a PIN never are); never a password's, nor a
   * keystroke's on the way to what a field ends with (each prefix would give the value away
   * letter by letter). The next pages mask a stretch of any string they record whose digest
   * is one of them, a stretch no letter or digit touches on either side, written as typed
   * (not percent-encoded or JSON-escaped, as a value in page memory is also matched). Each
   * page carries on the digests it was handed; they go with the session
   * (ReplayCapture.stop()); `carryEchoes: false` in ReplayCapture.start's options turns it off.
   * The digest is a polynomial hash of the folded text (each stretch's from the string's
   * prefix hashes: one multiplication per length looked for, whatever its length), then
   * mixed with the salt and the length. */
  var ECHO_CARRY_MAX = 500, ECHO_CARRY_LEN = 100;
  var ECHO_BASE = 0x01000193;   // the polynomial's base (odd: every power is invertible)
  var ECHO_POWERS = [1];        // ECHO_BASE ** k, mod 2 ** 32
  while (ECHO_POWERS.length <= ECHO_CARRY_LEN) {
    ECHO_POWERS.push(Math.imul(ECHO_POWERS[ECHO_POWERS.length - 1], ECHO_BASE) >>> 0);
  }
  var FOLDED = new Map(), WORDISH = new Map();
  function foldCode(c) {   // one UTF-16 unit in lower case (one whose lower case is longer: itself)
    if (c < 128) return c >= 65 && c <= 90 ? c + 32 : c;
    var f = FOLDED.get(c);
    if (f === undefined) {
      var low = String.fromCharCode(c).toLowerCase();
      FOLDED.set(c, f = low.length === 1 ? low.charCodeAt(0) : c);
    }
    return f;
  }
  function wordCode(c) {   // a letter or a digit (ALONE_BEFORE's \p{L}\p{N})
    if (c < 128) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    var w = WORDISH.get(c);
    if (w === undefined) WORDISH.set(c, w = /[\p{L}\p{N}]/u.test(String.fromCharCode(c)));
    return w;
  }
  /* Prefix hashes of `s` folded: out[i] is the polynomial hash of s[0, i) (out: reused). */
  function echoPrefixes(s, out) {
    var h = 0;
    out[0] = 0;
    for (var i = 0; i < s.length; i++) out[i + 1] = h = (Math.imul(h, ECHO_BASE) + foldCode(s.charCodeAt(i))) >>> 0;
    return out;
  }
  /* The digest of s[i, j) from its prefix hashes, salted. */
  function echoDigest(pre, i, j, salt) {
    var h = (pre[j] - Math.imul(pre[i], ECHO_POWERS[j - i])) >>> 0;
    h = (h ^ salt ^ Math.imul(j - i, 0x9e3779b1)) | 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }
  var CARRIED_LETTER = /\p{L}/u, PASSWORD_AUTOCOMPLETE = /(^|\s)(current|new)-password(\s|$)/;
  function carriable(v) {
    return v.length >= ECHO_ANYWHERE_LEN && v.length <= ECHO_CARRY_LEN && CARRIED_LETTER.test(v);
  }
  function Echoes() {
    this.values = new Map(); this.rx = null;
    this.onAdd = null;   // told of each value added (Recorder: record mode's `onTyped`)
    // the visit's digests (echoDigest) an earlier page handed this one: length -> Set, and
    // in the order they came ([length, digest]); the visit's salt; the values never handed
    // on (a password's); told when a value the next page would be handed is added
    this.carried = new Map(); this.carriedList = []; this.lengths = [];
    this.salt = (Math.random() * 0x100000000) >>> 0;
    this.secret = new Set();
    this.passwordFields = new WeakSet();   // each field ever seen holding a password
    this.onKept = null;   // (now): `now` as a form is sent
    // per field (an element, weakly): {kept: the values it ended with or was cleared of,
    // current}; how many fields keep / hold now each value (values given whole: kept once,
    // `given`); values fading -> until when
    this.fields = new WeakMap(); this.held = new Map(); this.holding = new Map(); this.fading = new Map();
    this.given = new Set();
    this.params = new Set();   // values masked as a URL parameter's whole value (scrubParams)
  }
  function countIn(map, key, by) {
    var n = (map.get(key) || 0) + by;
    if (n > 0) map.set(key, n); else map.delete(key);
    return n;
  }
  /* A field's value (recorder/privacy/echoes.py's Echoes._note_final): one extending a kept
   * value replaces it, one a kept value begins (a keystroke erased) adds nothing yet, any
   * other is one more; then the field has moved. */
  Echoes.prototype.noteField = function (key, field) {
    var f = this.fields.get(field), now = Date.now(), self = this;
    if (!f) this.fields.set(field, f = {kept: [], current: null});
    this.fading.delete(key);
    if (!f.kept.some(function (k) { return k.indexOf(key) === 0; })) {
      f.kept = f.kept.filter(function (k) {
        if (key.indexOf(k) !== 0) return true;
        if (!countIn(self.held, k, -1)) self.fadeFrom(k, now);
        return false;
      });
      f.kept.push(key);
      countIn(this.held, key, 1);
    }
    this.moved(f, key, now);
  };
  /* The field's value is `key` now (Echoes._moved): the value before fades when `key` types
   * on from it or erases one character of it; any other change (the field cleared, its text
   * replaced) keeps it as one the field was cleared of, for the whole visit. */
  Echoes.prototype.moved = function (f, key, now) {
    var before = f.current;
    if (before === key) return;
    if (before !== null) countIn(this.holding, before, -1);
    f.current = key.length >= ECHO_MIN_LEN ? key : null;
    if (f.current !== null) countIn(this.holding, key, 1);
    if (before === null) return;
    if (key.indexOf(before) === 0 || (before.indexOf(key) === 0 && before.length - key.length <= 1)) {
      this.fadeFrom(before, now);
    } else if (f.kept.indexOf(before) < 0) {
      f.kept.push(before);
      countIn(this.held, before, 1);
      this.fading.delete(before);
    }
  };
  Echoes.prototype.fadeFrom = function (key, now) {
    if (!this.held.has(key) && !this.holding.has(key)) this.fading.set(key, now + ECHO_FADE_MS);
  };
  Echoes.prototype.fade = function () {
    var now = Date.now(), self = this;
    this.fading.forEach(function (until, key) {
      if (until > now) return;
      self.fading.delete(key);
      if (self.values.delete(key)) self.rx = null;
    });
  };
  /* `field`: the element typed into (none: a value given whole, which never fades). A
   * shorter value of a field is its value now (cleared, erased down), looked for nowhere. */
  Echoes.prototype.add = function (value, field) {
    if (typeof value !== "string") return;
    var v = value.trim(), key = v.toLowerCase();
    if (/^\*+$/.test(v)) return;
    // never handed to the next page: a password's (a dictionary would find it)
    if (field && (field.type === "password" || PASSWORD_AUTOCOMPLETE.test(field.autocomplete || ""))) {
      this.passwordFields.add(field);   // (shown as text by a "show password" button: still one)
    }
    if (field && this.passwordFields.has(field)) this.secret.add(key);
    if (this.onAdd) this.onAdd(value, field || null);
    if (v.length < ECHO_MIN_LEN) {
      this.addParam(key);
      var f = field && this.fields.get(field);
      if (f) this.moved(f, key, Date.now());
      return;
    }
    if (field) this.noteField(key, field);
    else if (!this.given.has(key)) {
      this.given.add(key);
      countIn(this.held, key, 1);
      this.fading.delete(key);
    }
    if (this.values.has(key)) this.values.delete(key);
    else this.rx = null;
    this.values.set(key, v);
    if (this.values.size > ECHO_MAX_VALUES) this.values.delete(this.values.keys().next().value);
    if (this.onKept && !this.secret.has(key)) this.onKept();   // (one no longer carriable: its digest goes)
  };
  /* A value looked for as a URL parameter's whole value only (scrubParams): a masked field's
   * too short to be looked for anywhere (`tv` typed, the page's `?q=tv`), a masked choice's
   * (`&country=DE`: the select's value is one of the page's own strings, which its text shows
   * anyway - not which one was chosen). Kept for this page only: not handed to the visit's
   * next pages, as a long typed value's digest is (a digest of so short a value would say
   * it) - there the intake, which never learnt it, cannot mask it either. */
  Echoes.prototype.addParam = function (value) {
    if (typeof value !== "string") return;
    var key = value.trim().toLowerCase();
    if (key.length < ECHO_PARAM_MIN_LEN || /^\*+$/.test(key)) return;
    this.params.delete(key);
    this.params.add(key);
    if (this.params.size > ECHO_MAX_VALUES) this.params.delete(this.params.values().next().value);
  };
  /* What an earlier page of the visit handed this one ({salt, digests: [[length, digest]]}):
   * looked for from now on. */
  Echoes.prototype.carry = function (handed) {
    if (!handed || !Array.isArray(handed.digests) || typeof handed.salt !== "number") return;
    this.salt = handed.salt >>> 0;
    handed.digests.forEach(function (d) {
      if (!Array.isArray(d) || typeof d[0] !== "number" || typeof d[1] !== "number" ||
          d[0] < ECHO_ANYWHERE_LEN || d[0] > ECHO_CARRY_LEN) return;
      var set = this.carried.get(d[0]);
      if (!set) this.carried.set(d[0], set = new Set());
      if (!set.has(d[1])) { set.add(d[1]); this.carriedList.push([d[0], d[1]]); }
    }, this);
    // longest first: at one place the whole value wins over a shorter one it begins with
    this.lengths = Array.from(this.carried.keys()).sort(function (a, b) { return b - a; });
  };
  /* For the visit's next page ({salt, digests, own}), in `salt` (this page's if none): the
   * digests this page was handed, then those of the values it looks for now that will not
   * fade (not a keystroke's on the way) and may be handed on (`carriable`, not secret), the
   * newest last. */
  Echoes.prototype.handOn = function (salt) {
    if (this.fading.size) this.fade();
    if (salt === undefined) salt = this.salt;
    var seen = new Set(), out = [];
    var put = function (len, d) {
      var k = len + ":" + d;
      if (!seen.has(k)) { seen.add(k); out.push([len, d]); }
    };
    // (what it was handed, in the salt it was handed in: of another, they are kept already)
    if (salt === this.salt) this.carriedList.forEach(function (d) { put(d[0], d[1]); });
    var pre = [], own = [];
    this.values.forEach(function (v, key) {
      if (!this.fading.has(key) && !this.secret.has(key) && carriable(v)) {
        var d = echoDigest(echoPrefixes(v, pre), 0, v.length, salt);
        put(v.length, d);
        own.push(v.length + ":" + d);
      }
    }, this);
    // `own`: this page's values' (`length:digest`), for what its next write supersedes
    return {salt: salt, digests: out.slice(-ECHO_CARRY_MAX), own: own};
  };
  /* `s` with each stretch whose digest was handed to this page masked: the longest at the
   * leftmost place first, a stretch no letter or digit touches. */
  var ECHO_PREFIXES = [], ECHO_PREFIXES_KEPT = 65536;   // (reused: scrubCarried's prefix hashes)
  Echoes.prototype.scrubCarried = function (s) {
    var lens = this.lengths, n = s.length, salt = this.salt, out = null, last = 0;
    var shortest = lens[lens.length - 1];
    if (n < shortest) return s;
    var pre = echoPrefixes(s, ECHO_PREFIXES);
    for (var i = 0; i + shortest <= n; i++) {
      if (i > 0 && wordCode(s.charCodeAt(i - 1)) && wordCode(s.charCodeAt(i))) continue;
      for (var k = 0; k < lens.length; k++) {
        var j = i + lens[k];
        if (j > n || (j < n && wordCode(s.charCodeAt(j - 1)) && wordCode(s.charCodeAt(j)))) continue;
        if (!this.carried.get(lens[k]).has(echoDigest(pre, i, j, salt))) continue;
        out = (out === null ? "" : out) + s.slice(last, i) + MASK;
        last = j;
        i = j - 1;
        break;
      }
    }
    if (n > ECHO_PREFIXES_KEPT) ECHO_PREFIXES = [];   // (a long string's hashes not held on to)
    return out === null ? s : out + s.slice(last);
  };
  Echoes.prototype.compile = function () {
    var values = Array.from(this.values.values());
    // longest first: at one position the whole value wins over a prefix typed before it
    values.sort(function (a, b) { return b.length - a.length; });
    this.rx = new RegExp(values.map(function (v) {
      var p = Array.from(v).map(echoChar).join("");
      return v.length < ECHO_ANYWHERE_LEN ? ALONE_BEFORE + p + ALONE_AFTER : p;
    }).join("|"), "giu");
  };
  Echoes.prototype.scrub = function (s) {
    if (this.fading.size) this.fade();
    if (this.params.size && typeof s === "string" && s.indexOf("=") >= 0) s = scrubParams(s, this.params);
    if ((!this.values.size && !this.lengths.length) || typeof s !== "string" || s.length < ECHO_MIN_LEN) return s;
    if (this.values.size) {
      if (!this.rx) this.compile();
      s = s.replace(this.rx, MASK);
    }
    if (!this.lengths.length) return s;
    s = this.scrubCarried(s);
    // a value handed on, percent-encoded in a URL parameter (the next page's
    // `fetch('/api?fn=' + encodeURIComponent(saved))`: stored in clear, a privacy officer's
    // tryout): the parameter's value decoded as a form sends it, then searched as typed
    return s.indexOf("=") >= 0 && (s.indexOf("%") >= 0 || s.indexOf("+") >= 0)
      ? this.scrubCarriedParams(s) : s;
  };
  /* `s` with each URL parameter whose value, decoded, holds a stretch handed on masked whole. */
  Echoes.prototype.scrubCarriedParams = function (s) {
    var self = this;
    return s.replace(PARAM_VALUE, function (all, before, name, v) {
      var d = paramDecode(v);
      return d !== v && self.scrubCarried(d) !== d ? before + name + MASK : all;
    });
  };
  /* `s` with each URL parameter whose whole value (decoded as a form sends it, any case) is one
   * of `values` masked: `?q=***` - in a query, a fragment, a form's body, a URL inside JSON. */
  // (white space as Python's str.isspace() says ends a value, in both implementations:
  // echoes._PARAM_VALUE)
  var PARAM_VALUE = new RegExp("(^|[?&;#])([^=&#;?" + PY_SPACE + "\"'<>\\\\]+=)([^&#;" + PY_SPACE +
                               "\"'<>\\\\]+)", "gu");
  var PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g, SPACE_ENDS = new RegExp("^[" + PY_SPACE + "]+|[" + PY_SPACE + "]+$", "gu");
  function scrubParams(s, values) {
    return s.replace(PARAM_VALUE, function (all, before, name, v) {
      return values.has(paramDecode(v).replace(SPACE_ENDS, "").toLowerCase()) ? before + name + MASK : all;
    });
  }
  /* A parameter's value as a form sends it: "+" a space, each run of %XX its UTF-8 (one that
   * is none stays as written: echoes._param_decode, Python's unquote_plus so). */
  function paramDecode(v) {
    return v.replace(/\+/g, " ").replace(PERCENT_RUN, function (run) {
      try { return decodeURIComponent(run); } catch (e) { return run; }
    });
  }
  Echoes.prototype.scrubCss = function (css) {
    if ((!this.values.size && !this.lengths.length) || typeof css !== "string" || css.length < ECHO_MIN_LEN) return css;
    var self = this;
    return css.replace(CSS_DATA, function (m) { return self.scrub(m); });
  };
  /* Whether a <meta>'s content is page text or a refresh's address (masking._meta_text). */
  function metaText(el) {
    var equiv = el.getAttribute("http-equiv");
    if (equiv !== null) return equiv.trim().toLowerCase() === "refresh";
    return META_LAYOUT_NAMES[String(el.getAttribute("name") || "").trim().toLowerCase()] !== 1;
  }
  /* One attribute as recorded at `level` (not hidden); DROP leaves it out (masking.mask_attr). */
  function maskAttr(P, tag, el, name, value, level) {
    if (LEVEL_ATTRS.indexOf(name) >= 0 || name === "class" || name === "style" || name === "_cssText") {
      // at mask: the layout kept, not the images it names (masking.masked_style)
      if (name === "style" && level >= L.MASK && typeof value === "string") value = noImages(value);
      if (!P.scrub || typeof value !== "string") return value;
      // class names: no detector (a name is no phone number), but an echo ("tag-" + a value)
      if (name === "class") return P.echoes.scrub(value);
      return name === "style" || name === "_cssText" ? P.scrubCss(value) : P.scrub(value);
    }
    if (tag === "input" || tag === "textarea" || tag === "select" || tag === "option") {
      if (name === "value" && tag !== "option" && valueMasked(level, tag, el)) return maskValue(value);
      if (name === "checked" && tag === "input" && level >= L.MASK_USER_INPUT) return DROP;
      if (name === "selected" && tag === "option" && level >= L.MASK_USER_INPUT) return DROP;
    }
    if (typeof value !== "string") return value;
    // the framed document's source, recorded again (its nodes are recorded themselves): at
    // every level it goes - as one string its text is not what the frame shows (masking.mask_attr)
    if (tag === "iframe" && name === "srcdoc") return MASK;
    if (level >= L.MASK) {
      if ((SENSITIVE_ATTRS[name] === 1 && !(tag === "meta" && name === "name")) ||
          name.lastIndexOf("data-", 0) === 0) return MASK;   // (a <meta>'s name: viewport...)
      if ((tag === "a" || tag === "area" || tag === "image") && name === "href") return MASK;
      if ((tag === "object" && name === "data") || (tag === "embed" && name === "src") ||
          SENT_TO_ATTRS[name] === 1) return MASK;   // (a form's target, a click's ping)
      if (name === "background" || (name === "src" && UNSHOWN_SRC_TAGS[tag] === 1)) return DROP;
      if (name === "content" && (tag !== "meta" || metaText(el))) return MASK;   // (microdata)
      if (name === "rr_dataURL") return DROP;
      if ((tag === "img" || tag === "source" || tag === "picture" || tag === "input") &&
          (name === "src" || name === "srcset")) {
        if (name === "srcset" || tag === "source") return DROP;
        return censoredImage(elementSize(el, attrMap(el)));
      }
      if (name === "poster" && tag === "video") return DROP;
      if (name === "value" && tag !== "input" && tag !== "textarea" && tag !== "select" &&
          tag !== "param" && !(tag === "option" && value === "")) return MASK;   // an <option>'s too
    }
    if (!P.scrub) return value;
    return NAME_ATTRS[name] === 1 ? P.scrubName(value) : P.scrub(value);
  }
  /* A text node's content under its parent element at `level` (masking.mask_text_node);
   * `editable`: in editable content, its text typed (inEditable). */
  function maskTextNode(P, text, level, parent, editable) {
    if (!text) return text;
    var ptag = parent && parent.nodeType === 1 ? parent.tagName.toLowerCase() : null;
    if (ptag === "style") {   // its URLs absolute against the page's address, as a sheet's are
      var sheet = parent.sheet, whole = null;
      // the sheets it @imports inlined (sheetText): the <style>'s text is its sheet's then
      if (sheet && parent.firstChild === parent.lastChild && hasImports(sheet)) whole = sheetText(sheet);
      text = whole !== null ? whole : absoluteCss(text, parent.baseURI);
      return P.scrub ? P.scrubCss(text) : text;
    }
    if (ptag === "textarea" && valueMasked(level, "textarea", parent)) return text.trim() ? MASK : text;
    if (editable && level >= L.MASK_USER_INPUT) return text.trim() ? MASK : text;
    if (level >= L.MASK) return ptag === "option" ? MASK : maskText(text);
    if (P.urlScrub) text = P.urlScrub(text);   // a URL the page shows, a token
    return P.detect ? P.detect(text) : text;
  }
  /* A value split across text nodes or phrasing elements (`{user}@{domain}` as three text
   * nodes, a phone number in three <span>s, React's `<!-- -->` between two texts): the
   * detectors also read each run of text - recorder/privacy/runs.py says the rules, this
   * keeps them: a container's text nodes through INLINE_TAGS' elements, comments left out,
   * ended by any other element; read RUN_REACH characters to each side of a node. A match
   * crossing from one node into another is masked in each, character for character, where
   * its recorded text still holds the clear one (maskPieces). */
  var INLINE_TAGS = {a: 1, abbr: 1, b: 1, bdi: 1, bdo: 1, cite: 1, code: 1, data: 1, del: 1,
                     dfn: 1, em: 1, font: 1, i: 1, ins: 1, kbd: 1, label: 1, mark: 1, q: 1,
                     s: 1, samp: 1, small: 1, span: 1, strong: 1, sub: 1, sup: 1, time: 1,
                     u: 1, "var": 1, wbr: 1};
  var RUN_REACH = 320;
  function runSide(n, step, got) {   // the text nodes beside n towards step, nearest first
    var chars = 0, cur = n;
    for (;;) {
      var p = cur.parentNode;
      if (!p || p.nodeType !== 1) return got;
      var stack = [step > 0 ? cur.nextSibling : cur.previousSibling];
      while (stack.length) {
        var k = stack.pop();
        if (!k) continue;
        stack.push(step > 0 ? k.nextSibling : k.previousSibling);
        var t = k.nodeType;
        if (t === 3) {
          if (k.data) { got.push(k); if ((chars += k.data.length) >= RUN_REACH) return got; }
        } else if (t === 1) {
          if (INLINE_TAGS[k.localName] !== 1) return got;   // a block, a line break, a field
          stack.push(step > 0 ? k.firstChild : k.lastChild);
        }
      }
      if (INLINE_TAGS[p.localName] !== 1) return got;
      cur = p;
    }
  }
  function runAround(n) {
    var run = runSide(n, -1, []).reverse();
    run.push(n);
    return runSide(n, 1, run);
  }
  function textRuns(top, out) {   // every run of two text nodes or more beneath `top`
    var containers = [top];
    while (containers.length) {
      var c = containers.pop();
      containerRuns(c, out, containers);
      if (c.shadowRoot) containers.push(c.shadowRoot);   // (its own runs: the light DOM's apart)
    }
    return out;
  }
  function containerRuns(c, out, inner) {   // a container's runs; the containers in it to `inner`
    var run = [], stack = [c.firstChild];
    while (stack.length) {
      var k = stack.pop();
      if (!k) continue;
      stack.push(k.nextSibling);
      var t = k.nodeType;
      if (t === 3) {
        if (k.data) run.push(k);
      } else if (t === 1 && INLINE_TAGS[k.localName] === 1 && c.nodeType !== 9 &&
                 !k.shadowRoot) {
        stack.push(k.firstChild);
      } else if (t === 1 || k.firstChild) {
        if (run.length > 1) out.push(run);
        run = [];
        if (inner) inner.push(k);
      }
    }
    if (run.length > 1) out.push(run);
    return out;
  }
  function mayJoin(p) {   // runs.may_join
    return p.nodeType === 1 && (p.firstChild !== p.lastChild || INLINE_TAGS[p.localName] === 1);
  }
  function edgeText(n, step) {   // runs._edge_text: the text nearest a gap at n's side
    while (n) {
      if (n.nodeType === 3) return n;
      if (n.nodeType !== 1 || INLINE_TAGS[n.localName] !== 1) return null;
      n = step < 0 ? n.lastChild : n.firstChild;
    }
    return null;
  }
  // text node -> the ranges of it a match crossing into a neighbour covers (runs.split_findings)
  function splitFindings(runs, spans) {
    var found = new Map();
    runs.forEach(function (run) {
      var joined = "", starts = [];
      for (var i = 0; i < run.length; i++) { starts.push(joined.length); joined += run[i].data; }
      if (joined.length < 6 || !MIGHT_MATCH.test(joined)) return;
      var pieceAt = function (pos) {
        var k = starts.length - 1;
        while (starts[k] > pos) k--;
        return k;
      };
      spans(joined).forEach(function (f) {   // (white space read as shown too: spans)
        var first = pieceAt(f[0]), last = pieceAt(f[1] - 1);
        for (var k = first; first !== last && k <= last; k++) {
          var a = Math.max(f[0], starts[k]) - starts[k];
          var b = Math.min(f[1] - starts[k], run[k].data.length);
          if (a < b) {
            if (!found.has(run[k])) found.set(run[k], []);
            found.get(run[k]).push([a, b]);
          }
        }
      });
    });
    return found;
  }
  function maskPieces(recorded, clear, ranges) {
    if (recorded.length !== clear.length) return recorded;   // masked whole, or a URL scrubbed
    var out = recorded.split("");
    ranges.forEach(function (r) {
      for (var i = r[0]; i < r[1]; i++) {
        if (out[i] === clear.charAt(i) && (!/\s/.test(out[i]) || out[i] === "\uFEFF")) out[i] = "x";
      }
    });
    return out.join("");
  }
  // a text node's content as a change records it (typed in editable content: an input value)
  function changedText(P, n, parent, lvl) {
    return maskTextNode(P, n.data, lvl, parent, lvl >= L.MASK_USER_INPUT && inEditable(parent));
  }
  /* What a hidden element keeps: its box and markers, its measured size (masking.hidden_attrs). */
  var STYLE_URL = /url\(\s*(?:"[^"]*"|'[^']*'|[^)]*)\s*\)/gi;   // masking._CSS_URL
  var IMAGE_SET = /(?:-webkit-)?image-set\((?:[^()]|\([^()]*\))*\)/gi;   // masking._IMAGE_SET
  /* A style text with every image it names gone: each url() and image-set() -> none
   * (masking._no_images). */
  function noImages(v) {
    if (v.indexOf("(") < 0) return v;
    v = v.replace(STYLE_URL, "none");
    return /image-set/i.test(v) ? v.replace(IMAGE_SET, "none") : v;
  }
  function hiddenAttrs(P, el) {
    var attrs = attrMap(el), out = {}, i;
    for (i = 0; i < BOX_ATTRS.length; i++) {
      var v = attrs[BOX_ATTRS[i]];
      if (typeof v === "string") out[BOX_ATTRS[i]] = BOX_ATTRS[i] === "style" ? noImages(v) : v;
    }
    for (i = 0; i < LEVEL_ATTRS.length; i++) if (LEVEL_ATTRS[i] in attrs) out[LEVEL_ATTRS[i]] = attrs[LEVEL_ATTRS[i]];
    if (P.markup(el) !== L.HIDDEN) out["data-replay-privacy"] = "hidden";
    var size = elementSize(el, attrs);
    // no size in its markup: the one it is shown at (the root's is the viewport, in Meta).
    // A dimension its markup does not give is sent again as the page changes it (R.watchBox)
    if (size[0] === null && size[1] === null && el !== el.ownerDocument.documentElement) {
      var r = el.getBoundingClientRect();
      if (r.width) size[0] = Math.round(r.width * 100) / 100;
      if (r.height) size[1] = Math.round(r.height * 100) / 100;
    }
    if (size[0] !== null) out.rr_width = size[0] + "px";
    if (size[1] !== null) out.rr_height = size[1] + "px";
    return out;
  }
  /* A hidden element's box sent again (masking.box_change, the one definition): the measured
   * sizes in whole px as rr_width/rr_height (the snapshot's, by which our player sizes the
   * placeholder) and as rrweb's style diff, which its Replayer applies as its rebuild applies
   * rr_width/rr_height. null: that dimension is not sent (the markup gives it). */
  function boxChange(w, h) {
    var out = {}, style = {};
    if (w !== null) out.rr_width = style.width = w + "px";
    if (h !== null) out.rr_height = style.height = h + "px";
    out.style = style;
    return out;
  }
  /* rrweb's rr_open_mode of an open <dialog>: "modal" when shown with showModal() (the
   * top layer, a ::backdrop, the page behind inert), else "non-modal". */
  function dialogMode(el) {
    try { return el.matches(":modal") ? "modal" : "non-modal"; } catch (e) { return "non-modal"; }
  }
  /* A popover shown (showPopover(), a popovertarget button): no attribute of the page says
   * so, so its state is recorded as `rr_popover_open` (true while shown), as a dialog's mode
   * is as rrweb's rr_open_mode; the player shows it with showPopover(). */
  function popoverOpen(el) {
    try { return el.hasAttribute("popover") && el.matches(":popover-open"); } catch (e) { return false; }
  }
  /* A stylesheet switched off - `sheet.disabled = true`, a <style>'s `disabled` - changes no
   * attribute: its state is recorded as
   * `rr_sheet_disabled` (true while off) on its element; the player gives the element
   * `media="not all"`. */
  function sheetOff(el) {
    try { return !!(el.sheet && el.sheet.disabled); } catch (e) { return false; }
  }
  function attrMap(el) {
    var out = {};
    for (var i = 0; i < el.attributes.length; i++) out[el.attributes[i].name] = el.attributes[i].value;
    return out;
  }

  // ---- the recorder ------------------------------------------------------------------------
  // made absolute, as rrweb does (`poster` too, which rrweb's recorder leaves as written:
  // a replayer's document has another address, so a relative one shows nothing there)
  var URL_ATTRS = {href: 1, src: 1, background: 1, poster: 1, "xlink:href": 1};
  var SRCSET_ATTRS = {srcset: 1, imagesrcset: 1};

  function absolute(v, base) {
    if (!v || /^(data|blob|javascript|mailto|tel|about):/i.test(v) || v.charAt(0) === "#") return v;
    try { return new URL(v, base || doc.baseURI).href; } catch (e) { return v; }
  }
  /* One URL of a stylesheet or a srcset against `base`: one with a scheme, or a fragment,
   * stays as written (as rrweb's recorder keeps them). */
  function resolved(u, base) {
    if (!u || u.charAt(0) === "#" || /^[a-z][a-z0-9+.\-]*:/i.test(u)) return u;
    try { return new URL(u, base).href; } catch (e) { return u; }
  }
  /* An attribute's value with its URLs absolute against the element's address: a URL
   * attribute's, each candidate of a srcset (parsed as the HTML spec does: a URL runs to
   * the next white space, its descriptors to the next comma), a style's url()s. */
  function absoluteAttr(el, name, v) {
    if (typeof v !== "string" || !v) return v;
    if (URL_ATTRS[name]) return absolute(v, el.baseURI);
    if (SRCSET_ATTRS[name]) return absoluteSrcset(v, el.baseURI);
    if (name === "style" && v.indexOf("url(") >= 0) return absoluteCss(v, el.baseURI);
    return v;
  }
  function absoluteSrcset(v, base) {
    var out = [], i = 0, n = v.length;
    while (i < n) {
      while (i < n && /[\s,]/.test(v.charAt(i))) i++;
      var from = i;
      while (i < n && !/\s/.test(v.charAt(i))) i++;
      var url = v.slice(from, i), desc = "";
      if (!url) break;
      if (url.charAt(url.length - 1) === ",") url = url.replace(/,+$/, "");
      else {
        var d0 = i, depth = 0;
        for (; i < n && (v.charAt(i) !== "," || depth); i++) {
          if (v.charAt(i) === "(") depth++;
          else if (v.charAt(i) === ")" && depth) depth--;
        }
        desc = v.slice(d0, i).trim();
      }
      url = resolved(url, base);
      out.push(desc ? url + " " + desc : url);
    }
    return out.join(", ");
  }
  // a url() (its three spellings) and an @import's bare string, in CSS text
  var CSS_URL = /url\(\s*(?:'([^']*)'|"((?:[^"\\]|\\.)*)"|([^)'"\s]*))\s*\)|(@import\s+)(['"])([^'"]*)\5/gi;
  /* CSS text with its URLs absolute against `base` (the stylesheet's own address, or the
   * page's for an inline one), as rrweb's recorder makes them: a replayer's document has
   * another address, and the player finds the images it stored by absolute URL. */
  function absoluteCss(css, base) {
    if (!css || !base || css.indexOf("url(") < 0 && css.indexOf("@import") < 0) return css;
    return css.replace(CSS_URL, function (all, q1, q2, bare, imp, q, str) {
      if (imp) return imp + q + resolved(str, base) + q;
      var u = q1 !== undefined ? q1 : q2 !== undefined ? q2 : bare, quote = q1 !== undefined ? "'" : q2 !== undefined ? '"' : "";
      var abs = resolved(u, base);
      return abs === u ? all : "url(" + quote + abs + quote + ")";
    });
  }
  /* A stylesheet's text as the page has it: its rules' text with their URLs absolute against
   * the sheet's own address, and the sheets it @imports inlined in place (rrweb's recorder
   * inlines them too; the player fetches nothing), recursively, each as one rule that keeps
   * its import's conditions - `@media print{...}`, `@supports (...){...}`, `@layer x{...}`,
   * `@media all{...}` for one without (importBlock). An import that cannot be read (another
   * origin's, without CORS) stays an @import with an absolute URL, moved to the first place
   * an @import is valid in the sheet (after its `@layer` statements): all of them there, in
   * order, then the inlined blocks (a CSSOM edit's rule index is mapped to this order:
   * recordedIndex). null: the sheet itself cannot be read (a cross-origin sheet). */
  function sheetText(sheet, base) {
    var rules;
    try { rules = sheet.cssRules; } catch (e) { return null; }
    if (!rules) return null;
    var kept = [], out = [], at = {i: -1};
    sheetRules(sheet, rules, base, out, kept, at, 0);
    if (kept.length) out.splice(at.i < 0 ? 0 : at.i, 0, kept.join(""));
    return out.join("");
  }
  /* The address a sheet's relative URLs are read against: its own (an imported or linked
   * sheet's), else its element's document's (a <style>), else the page's (a constructed one). */
  function sheetBase(sheet) {
    for (var s = sheet; s; s = s.parentStyleSheet) {
      if (s.href) return s.href;
      if (s.ownerNode) return s.ownerNode.baseURI;
    }
    return doc.baseURI;
  }
  var IMPORT_DEPTH_MAX = 16;   // an @import cycle is cut by the browser; this bounds the rest
  function isImport(r) { return r.type === RULE.IMPORT && "styleSheet" in r; }
  // what may come before a sheet's @imports: @charset, @layer statements
  function beforeImports(r) {
    return r.type === RULE.CHARSET || ("nameList" in r && !("cssRules" in r));
  }
  /* The rules of the sheet an @import of a sheet at `depth` brings in, when it is inlined
   * (readable, within the bound); else null. */
  function importedRules(r, depth) {
    var sub = r.styleSheet;
    if (!sub || depth >= IMPORT_DEPTH_MAX) return null;
    try { return sub.cssRules || null; } catch (e) { return null; }
  }
  function sheetRules(sheet, rules, base, out, kept, at, depth) {
    var href = sheet.href || base || sheetBase(sheet);
    for (var i = 0; i < rules.length; i++) {
      var r = rules[i];
      if (!isImport(r)) { out.push(absoluteCss(r.cssText, href)); continue; }
      if (depth === 0 && at.i < 0) at.i = out.length;
      var inner = importedRules(r, depth);
      if (!inner) { kept.push(importStatement(r, href)); continue; }
      var body = [];
      sheetRules(r.styleSheet, inner, resolved(r.href, href), body, kept, at, depth + 1);
      out.push(importBlock(r, body.join("")));
    }
  }
  /* How many @imports the one `r` (of a sheet at `depth`) stands for in the root sheet's kept
   * @imports: itself when it is kept, else those kept of the sheet it brings in. */
  function keptImports(r, depth) {
    var rules = importedRules(r, depth), n = 0;
    if (!rules) return 1;
    for (var i = 0; i < rules.length; i++) {
      if (isImport(rules[i])) n += keptImports(rules[i], depth + 1);
      else if (!beforeImports(rules[i])) break;
    }
    return n;
  }
  /* The index rule `k` of `sheet` has in the sheet as recorded (sheetText): in the root sheet,
   * its kept @imports (its own and those of the sheets it imports) come first, then the
   * inlined ones; in an imported sheet, its kept @imports are not there. */
  function recordedIndex(sheet, k) {
    var rules = sheet.cssRules, depth = 0, s = sheet;
    while (s.ownerRule && s.ownerRule.parentStyleSheet) { depth++; s = s.ownerRule.parentStyleSheet; }
    var first = -1, total = 0, own = 0, keptBefore = 0, ownBefore = 0, inlinedBefore = 0, kept = false, i;
    for (i = 0; i < rules.length; i++) {
      var r = rules[i];
      if (!isImport(r)) { if (beforeImports(r)) continue; break; }
      if (first < 0) first = i;
      var mine = !importedRules(r, depth), n = mine ? 1 : keptImports(r, depth);
      if (i < k) { keptBefore += n; if (mine) ownBefore++; else inlinedBefore++; }
      if (i === k) kept = mine;
      total += n;
      if (mine) own++;
    }
    if (depth > 0) return k - ownBefore;
    if (first < 0 || k < first) return k;
    if (k < i) return kept ? first + keptBefore : first + total + inlinedBefore;
    return k + total - own;
  }
  /* An import's rules in blocks that apply them as the import did (importWraps of them). */
  function importWraps(r) {
    var layer = typeof r.layerName === "string", sup = !!r.supportsText;
    return (layer ? 1 : 0) + (sup ? 1 : 0) + ((r.media && r.media.mediaText) || (!layer && !sup) ? 1 : 0);
  }
  function importBlock(r, text) {
    var media = r.media && r.media.mediaText, layer = r.layerName, sup = r.supportsText;
    if (typeof layer === "string") text = "@layer" + (layer ? " " + layer : "") + "{" + text + "}";
    if (sup) text = "@supports " + (/^\(.*\)$/.test(sup) ? sup : "(" + sup + ")") + "{" + text + "}";
    if (media || (typeof layer !== "string" && !sup)) text = "@media " + (media || "all") + "{" + text + "}";
    return text;
  }
  function importStatement(r, base) {
    var media = r.media && r.media.mediaText, layer = r.layerName, sup = r.supportsText;
    var s = "@import url(" + JSON.stringify(resolved(r.href, base)) + ")";
    if (typeof layer === "string") s += layer ? " layer(" + layer + ")" : " layer";
    if (sup) s += " supports(" + sup + ")";
    if (media) s += " " + media;
    return s + ";";
  }

  function Recorder(opts) {
    this.emit = opts.emit;
    this.P = new Privacy(opts.rules, opts.formFields, opts.echoes || null);
    this.P.echoes.onAdd = null;
    // each value typed into a masked field, to record mode's bridge (the app's own process,
    // never the network): the app's pass masks its echoes on the recording's later pages
    // too - what this page learns ends with it - with the field's node id
    if (opts.onTyped) {
      var self = this, onTyped = opts.onTyped;
      this.P.echoes.onAdd = function (v, node) { onTyped(v, node ? self.ids.get(node) || null : null); };
    }
    this.onFormFields = opts.formFieldsMasked || null;
    this.P.echoes.onKept = opts.echoesKept || null;
    this.ids = new Map();      // node -> id
    this.nodes = new Map();    // id -> node
    this.hidden = new Set();   // ids of hidden placeholders (nothing beneath is recorded)
    this.splitSent = new WeakMap();   // text node -> [its text, what maskSplit* recorded]
    // elements' privacy levels, kept across batches while no change can move them: markup
    // only (selector rules may follow any change, so with rules the cache is per batch)
    this.levels = this.P.rules.length ? null : new WeakMap();
    this.nextId = 1;
    this.lastValue = new Map();
    this.records = [];
    this.flushTimer = null;
    this.frame = null;
    this.domActivity = null;   // the RUM plugin's: told of every change this observer sees (R.start)
    this.moves = [];           // rrweb's positions, timeOffset the time until sendMoves
    this.movesTouch = false;   // the waiting positions are a touch's
    this.lastMove = 0;
    this.moveTimer = null;         // without an owner that pulls moves (R.movesWaiting)
    this.onMovesWaiting = opts.movesWaiting || null;
    this.scrollTimers = new Map();
    this.undo = [];
    this.frameQueue = [];          // iframes serialized, whose documents are to be added
    this.frameDocs = new Set();    // same-origin frame documents being recorded
    this.frameOf = new WeakMap();  // iframe -> its recorded document
    this.reshadow = new Set();     // hosts given a shadow root since they were recorded
    this.shadowsWatched = new WeakSet();   // open shadow roots observed and listened to
    this.shadowRealms = new WeakSet();     // Element.prototypes whose attachShadow is hooked
    this.learning = new WeakSet();         // documents and closed roots listened to (learnRoot)
    this.closedEarly = [];         // closed shadow roots attached before the start
    this.learnInput = this.guard(this.onLearnInput);    // (one function each: listening twice
    this.learnFrameLoad = this.guard(this.onLearnLoad);  // to a document adds it once)
    this.stopped = false;
    this.moveSample = opts.mousemoveWait || MOVE_SAMPLE_MS;
    this.plugins = opts.plugins || [];
    // plugins start with the recorder (record()), before the DOM is there to snapshot: what
    // they report until the snapshot waits here (the console of the page's first scripts)
    this.started = false;
    this.early = [];
    this.lastT = 0;            // the latest timestamp sent (R.wrap: none goes back)
    this.initFeatures(opts);
  }
  var R = Recorder.prototype;
  /* State of the selection, canvas, font and adopted-sheet observers (below). */
  R.initFeatures = function (opts) {
    this.canvasFps = opts.recordCanvas ? Math.max(0.1, Math.min(60, +opts.canvasFps || CANVAS_FPS)) : 0;
    this.canvasDirty = new Set();      // canvases painted since the last sample
    this.canvasSent = new WeakMap();   // canvas -> the bitmap last sent (null: blank)
    this.blankCanvas = new Map();      // "WxH" -> a blank canvas's data: URL
    this.glKept = new WeakMap();       // WebGL context -> its drawing buffer is preserved
    this.hookedWindows = new WeakSet();  // windows (the page's, frames') whose form, canvas and
                                         // font APIs are wrapped, by their realm's Object
    this.fontsMade = new WeakMap();    // FontFace -> its event data, until added to a document
    this.selectionCollapsed = new WeakMap();   // document -> its selection was last collapsed
    this.frameElementOf = new WeakMap();   // recorded frame document -> its iframe
    this.addressed = new WeakSet();        // iframes last sent with an address (rr_src)
    this.P.frameOf = this.frameElementOf;
    this.styleIds = new WeakMap();     // constructed sheet -> styleId
    this.nextStyleId = 1;              // rrweb's style mirror starts at 1 (0 reads as none)
    this.adoptQueue = [];              // documents / shadow hosts serialized with adopted sheets
    this.adoptedLists = new WeakSet();  // adoptedStyleSheets lists whose edits are watched
    this.sheetWaits = new WeakSet();   // <link rel=stylesheet>s recorded before their sheet loaded
    this.sheetsOff = new WeakMap();    // <link>/<style> -> its sheet was last recorded disabled
    this.someSheetOff = false;         // one was recorded disabled (R.sheetRecorded)
    this.boxes = new Map();            // hidden element -> [w, h] sent (null: its markup's)
    this.sizers = new Map();           // document -> the ResizeObserver of its hidden elements
  };

  R.getId = function (n) { var id = this.ids.get(n); return id === undefined ? -1 : id; };
  R.assign = function (n) {
    var id = this.ids.get(n);
    if (id === undefined) { id = this.nextId++; this.ids.set(n, id); }
    this.nodes.set(id, n);
    return id;
  };
  R.forget = function (n) {
    var stack = [n];
    while (stack.length) {
      var x = stack.pop(), id = this.ids.get(x);
      if (id !== undefined) { this.ids.delete(x); this.nodes.delete(id); this.hidden.delete(id); }
      if (this.boxes.size) this.unwatchBox(x);
      for (var c = x.firstChild; c; c = c.nextSibling) stack.push(c);
      if (x.shadowRoot) stack.push(x.shadowRoot);
    }
  };
  /* Every event goes out here, in time order. One stamped before the last event sent - a
   * plugin's payload kept until the page's snapshot (the RUM view, the console of the page's
   * first scripts), a line kept before capture.js started (pastErrors: the install snippet's,
   * record mode's), an event stamped just before the cursor's path went ahead of it - goes
   * stamped as the last one was: a recording's timestamps never go back (the store warns of
   * each that does, and rrweb's player sorts by them). A plugin's payload keeps its own moment
   * as its `date` (epoch ms, as the RUM plugin dates what it reports late; recorder/semantics.py
   * places it there), unless it says one itself. */
  R.wrap = function (event) {
    if (this.stopped) return;
    if (this.moves.length) this.sendMoves();   // the cursor's path comes before what follows it
    if (event.timestamp < this.lastT) {
      var p = event.type === EV.PLUGIN && event.data ? event.data.payload : null;
      // (a payload sendPlugin scrubbed: its own copy)
      if (p && typeof p === "object" && !Array.isArray(p) && p.date === undefined) p.date = event.timestamp;
      event.timestamp = this.lastT;
    } else {
      this.lastT = event.timestamp;
    }
    try { this.emit(event); } catch (e) { /* never break the page */ }
  };
  R.inc = function (data) { this.wrap({type: EV.INC, data: data, timestamp: Date.now()}); };

  /* A node and its subtree, serialized (ids for every node; `level`: the inherited level). */
  R.serialize = function (top, level, cache) {
    var self = this, P = this.P;
    var holder = [];
    var up = top.nodeType === 9 ? null : top.parentNode;
    var stack = [[top, level, holder, false, !!up && inEditable(up)]];
    while (stack.length) {
      var item = stack.pop(), n = item[0], lvl = item[1], into = item[2], svg = item[3], out;
      var ed = item[4];
      if (n.nodeType === 1) {
        var tag = n.tagName.toLowerCase(), own = P.own(n, lvl);
        if (cache) cache.set(n, own);
        out = {type: NODE.ELEMENT, tagName: tag, attributes: null, childNodes: [], id: this.assign(n)};
        svg = svg || tag === "svg" || n.namespaceURI === "http://www.w3.org/2000/svg";
        if (svg) out.isSVG = true;
        into.push(out);
        if (own === L.HIDDEN) {
          out.attributes = hiddenAttrs(P, n);
          this.hidden.add(out.id);
          this.watchBox(n, out.attributes);
          continue;
        }
        this.hidden.delete(out.id);
        if (this.boxes.size) this.unwatchBox(n);
        out.attributes = this.attributes(n, tag, own);
        if (tag === "iframe") this.frameQueue.push([n, own]);
        var kids = [];
        for (var c = n.firstChild; c; c = c.nextSibling) kids.push(c);
        if (n.shadowRoot) {
          out.isShadowHost = true;
          this.watchShadow(n.shadowRoot);
          this.queueAdopted(n);
          for (var s = n.shadowRoot.firstChild; s; s = s.nextSibling) kids.push(s);
        }
        var claim = editableClaim(n), ked = claim === null ? ed : claim;
        for (var k = kids.length - 1; k >= 0; k--) stack.push([kids[k], own, out.childNodes, svg, ked]);
      } else if (n.nodeType === 3 || n.nodeType === 4) {
        var parent = n.parentNode;
        var ptag = parent && parent.nodeType === 1 ? parent.tagName : "";
        var typing = ed && lvl >= L.MASK_USER_INPUT;
        if (typing || ptag === "TEXTAREA") P.learnText(n, lvl, parent, typing);
        var text = ptag === "SCRIPT" ? "" : maskTextNode(P, n.data, lvl, parent, typing);
        out = {type: n.nodeType === 3 ? NODE.TEXT : NODE.CDATA, textContent: text, id: this.assign(n)};
        if (ptag === "STYLE") out.isStyle = true;
        into.push(out);
      } else if (n.nodeType === 8) {
        into.push({type: NODE.COMMENT, textContent: lvl >= L.MASK ? maskText(n.data) : n.data, id: this.assign(n)});
      } else if (n.nodeType === 9) {
        out = {type: NODE.DOCUMENT, childNodes: [], id: this.assign(n)};
        // as rrweb records it: the recorder's pass compares #id and .class there in either case
        if (n.compatMode === "BackCompat") out.compatMode = "BackCompat";
        into.push(out);
        this.queueAdopted(n);
        for (var d = n.lastChild; d; d = d.previousSibling) stack.push([d, lvl, out.childNodes, false, false]);
      } else if (n.nodeType === 10) {
        into.push({type: NODE.DOCTYPE, name: n.name, publicId: n.publicId, systemId: n.systemId,
                   id: this.assign(n)});
      }
      if (out && n.parentNode && n.parentNode.nodeType === 11 && n.parentNode.host) out.isShadow = true;
    }
    return holder[0];
  };

  /* An element's recorded attributes: URLs absolute (srcset's and style's too), stylesheets
   * inlined, form state, scroll. */
  R.attributes = function (el, tag, level) {
    var attrs = {}, i, a;
    for (i = 0; i < el.attributes.length; i++) {
      a = el.attributes[i];
      attrs[a.name] = absoluteAttr(el, a.name, a.value);
    }
    if (tag === "link" && /stylesheet/i.test(el.rel || "")) {
      var css = el.sheet ? sheetText(el.sheet) : null;
      if (css !== null) attrs._cssText = css;   // the player shows it; it never fetches
      // still loading, or its @imports are: its text follows (below)
      if (!el.sheet || (css !== null && importsPending(el.sheet))) this.awaitSheet(el);
    } else if (tag === "style" && el.sheet) {
      if (!el.textContent.trim()) {
        var rules = sheetText(el.sheet);
        if (rules) attrs._cssText = rules;
      }
      if (importsPending(el.sheet)) this.awaitSheet(el);
    }
    if (tag === "input" || tag === "textarea" || tag === "select") {
      var t = inputType(tag, el);
      if (t === "checkbox" || t === "radio") {
        if (el.checked) attrs.checked = true; else delete attrs.checked;
      } else if (tag === "textarea" ? el.value !== el.defaultValue : tag === "input" && (el.value || "value" in attrs)) {
        // a textarea's own text is its value until edited; a select's value is its
        // selected option
        attrs.value = el.value;
      }
      // a choice whose state is masked (maskAttr drops its checked, its options' selected):
      // marked so, whatever its state, for the replay to show it masked, not unticked
      if ((t === "checkbox" || t === "radio" || tag === "select") &&
          (level >= L.MASK_USER_INPUT || valueMasked(level, tag, el))) attrs.rr_masked_choice = true;
      this.lastValue.set(el, controlState(el));
    } else if (tag === "option") {
      if (el.selected) attrs.selected = true; else delete attrs.selected;
    } else if (tag === "video" || tag === "audio") {
      attrs.rr_mediaState = el.paused ? "paused" : "played";
      attrs.rr_mediaCurrentTime = el.currentTime;
    } else if (tag === "canvas") {
      this.canvasSnapshot(el, attrs, level);
    } else if (tag === "iframe" && "src" in attrs) {
      frameSrc(el, attrs, this.addressed);
    } else if (tag === "dialog" && el.open) {
      attrs.rr_open_mode = dialogMode(el);
    }
    if (popoverOpen(el)) attrs.rr_popover_open = true;
    if (tag === "style" || (tag === "link" && el.sheet)) {
      var off = sheetOff(el);
      if (off) attrs.rr_sheet_disabled = true;
      this.sheetRecorded(el, off);
    }
    if (el.scrollLeft) attrs.rr_scrollLeft = el.scrollLeft;
    if (el.scrollTop && tag !== "html") attrs.rr_scrollTop = el.scrollTop;
    var out = {};
    for (var k in attrs) {
      var v = maskAttr(this.P, tag, el, k, attrs[k], level);
      if (v !== DROP) out[k] = v;
    }
    return out;
  };

  /* A <link rel=stylesheet> recorded before its sheet had loaded (the snippet above it in
   * <head>, a link a script adds): once it loads, its text goes as the attribute `_cssText` of
   * the element, masked as any stylesheet's text, as rrweb's recorder sends it - the page
   * replayed unstyled. One wait per element; nothing if it is gone or hidden by then, or its
   * sheet cannot be read (another origin's, without CORS). */
  R.awaitSheet = function (el) {
    if (this.sheetWaits.has(el)) return;
    this.sheetWaits.add(el);
    var self = this;
    var done = function () {
      el.removeEventListener("load", done);
      el.removeEventListener("error", done);
      if (!self.sheetWaits.delete(el)) return;
      if (self.stopped || !self.ids.has(el) || !el.sheet || !self.connected(el)) return;
      var id = self.ids.get(el), lvl = self.P.levelOf(el, null);
      if (self.hidden.has(id) || lvl === L.HIDDEN) return;
      var text = el.localName === "style" ? el.firstChild : null;
      if (text && text === el.lastChild && text.nodeType === 3) {   // a <style>'s text, imports inlined
        if (!self.ids.has(text)) return;
        self.inc({source: SRC.MUTATION, texts: [{id: self.ids.get(text), value: maskTextNode(self.P, text.data, lvl, el, false)}],
                  attributes: [], removes: [], adds: []});
        return;
      }
      var css = sheetText(el.sheet);
      if (css === null) return;
      var v = maskAttr(self.P, el.localName, el, "_cssText", css, lvl);
      if (v === DROP) return;
      var changed = {_cssText: v}, off = sheetOff(el);   // (switched off before it loaded)
      if (off !== (self.sheetsOff.get(el) || false)) { changed.rr_sheet_disabled = off ? true : null; self.sheetRecorded(el, off); }
      self.inc({source: SRC.MUTATION, texts: [], attributes: [{id: id, attributes: changed}],
                removes: [], adds: []});
    };
    // (a sheet one of whose imports failed fires `error`: what did load is sent then)
    el.addEventListener("load", done);
    el.addEventListener("error", done);
  };
  /* A sheet an @import of which (at any depth) is still loading: the element's `load` (or
   * `error`) comes once they all have. */
  function importsPending(sheet, depth) {
    var rules;
    try { rules = sheet.cssRules; } catch (e) { return false; }
    for (var i = 0; rules && i < rules.length; i++) {
      var r = rules[i];
      if (!isImport(r)) { if (beforeImports(r)) continue; return false; }
      if (r.styleSheet === null) return true;
      if ((depth || 0) < IMPORT_DEPTH_MAX && importsPending(r.styleSheet, (depth || 0) + 1)) return true;
    }
    return false;
  }
  function hasImports(sheet) {
    var rules;
    try { rules = sheet.cssRules; } catch (e) { return false; }
    for (var i = 0; rules && i < rules.length; i++) {
      if (isImport(rules[i])) return true;
      if (!beforeImports(rules[i])) return false;
    }
    return false;
  }

  /* The visitor's answers to the preferences a page's CSS can ask about, for the replay to
   * answer as their browser did (recorder/media.py: FEATURES, the same features and values):
   * {feature: the value that matches}, a no-preference left out (read back as such: most
   * visitors chose none - a Meta is sent with every page), null without matchMedia. */
  var MEDIA_FEATURES = {"prefers-color-scheme": ["light", "dark"],
                        "prefers-reduced-motion": ["no-preference", "reduce"],
                        "prefers-contrast": ["no-preference", "more", "less", "custom"]};
  function mediaFeatures() {
    if (typeof win.matchMedia !== "function") return null;
    var out = {}, any = false;
    for (var f in MEDIA_FEATURES) {
      var vs = MEDIA_FEATURES[f];
      for (var i = 0; i < vs.length; i++) {
        try {
          if (win.matchMedia("(" + f + ": " + vs[i] + ")").matches) {
            if (vs[i] !== "no-preference") { out[f] = vs[i]; any = true; }
            break;
          }
        }
        catch (e) { break; }
      }
    }
    return any ? out : null;
  }

  R.fullSnapshot = function () {
    var de = doc.documentElement;
    var href = this.P.scrub ? this.P.scrub(win.location.href) : win.location.href;
    var meta = {href: href, width: win.innerWidth, height: win.innerHeight};
    var features = mediaFeatures();
    if (features) meta.mediaFeatures = features;   // (compact@6: a Meta's form has them)
    this.wrap({type: EV.META, data: meta, timestamp: Date.now()});
    this.learnHeldIn(doc);
    var node = this.serialize(doc, this.P.defaultLevel, null);
    this.splitSent = new WeakMap();
    this.maskSplitIn(doc, node);
    this.wrap({type: EV.FULL, data: {node: node, initialOffset: {
      left: win.pageXOffset || (de && de.scrollLeft) || 0,
      top: win.pageYOffset || (de && de.scrollTop) || 0}}, timestamp: Date.now()});
    this.sendAdoptQueue();
  };

  /* Before a document is serialized: what its masked fields hold and the text of its editable
   * content, learnt as typed (Privacy.learnHeld, learnText) - the recorder's pass learns them
   * as it masks the snapshot and masks their echoes in all of it, text before them too. */
  R.learnHeldIn = function (root) {
    if (!root || !root.querySelectorAll) return;
    var P = this.P, cache = new Map(), i;
    var fields = root.querySelectorAll("input, textarea");
    for (i = 0; i < fields.length; i++) P.learnHeld(fields[i], fields[i].value, cache);
    var editables = root.querySelectorAll("[contenteditable]");
    for (i = 0; i < editables.length; i++) {
      if (editableClaim(editables[i]) !== true) continue;
      var walker = (root.ownerDocument || root).createTreeWalker(editables[i], NodeFilter.SHOW_TEXT);
      for (var t = walker.nextNode(); t; t = walker.nextNode()) {
        var parent = t.parentNode, lvl = P.levelOf(parent, cache);
        if (lvl >= L.MASK_USER_INPUT && lvl !== L.HIDDEN && inEditable(parent)) P.learnText(t, lvl, parent, true);
      }
    }
  };

  // -- mutations: collected, then processed once per animation frame (or on flush) -----------
  R.onRecords = function (records) {
    for (var i = 0; i < records.length; i++) {
      this.records.push(records[i]);
      noteWasMasked(records[i]);   // now, not at the flush: typing may come first
    }
    if (this.frame === null) {
      var self = this;
      // the next frame, or MUTATION_MAX_WAIT_MS where frames do not come (a hidden page, a
      // view the embedder does not paint: a visible page is no promise of frames)
      this.frame = win.requestAnimationFrame(function () { self.flush(); });
      this.flushTimer = setTimeout(function () { self.flush(); }, MUTATION_MAX_WAIT_MS);
    }
  };
  R.flush = function () {
    if (this.reshadow.size) this.records.push({type: "shadow"});
    if (this.observer) {
      // changes taken before the observer's callback (a console line, a CSS rule, a click's
      // flush comes first) are the page's activity all the same
      var pending = this.observer.takeRecords();
      if (pending.length && this.domActivity) this.domActivity();
      for (var i = 0; i < pending.length; i++) {
        this.records.push(pending[i]);
        noteWasMasked(pending[i]);   // a script's `type = "text"; value = ...` in one task
      }
    }
    if (this.frame !== null) { win.cancelAnimationFrame(this.frame); this.frame = null; }
    if (this.flushTimer !== null) { clearTimeout(this.flushTimer); this.flushTimer = null; }
    if (!this.records.length) return;
    var records = this.records;
    this.records = [];
    try { this.processMutations(records); } catch (e) { /* never break the page */ }
    // a <style> recorded off whose text changed has a new sheet, on again (each record's
    // target read only once one was: most pages never switch a sheet off)
    for (var r = 0; this.someSheetOff && r < records.length; r++) {
      var t = records[r].target, st = t && t.localName === "style" ? t : t && t.parentNode;
      if (st && st.localName === "style" && this.sheetsOff.get(st)) this.sheetSwitched(st);
    }
  };
  R.recorded = function (n) {
    /* Is this (connected) node in the recording: known, and not beneath a hidden one? */
    return this.ids.has(n);
  };
  R.parentOf = function (n) {
    var p = n.parentNode;
    return p && p.nodeType === 11 && p.host ? p.host : p;
  };
  R.connected = function (n) {
    if (n.isConnected !== undefined) {   // the native walk, then: is its document recorded?
      if (!n.isConnected) return false;
      var owner = n.ownerDocument;
      return owner === doc || this.frameDocs.has(owner) || n === doc || this.frameDocs.has(n);
    }
    while (n) {
      if (n === doc || this.frameDocs.has(n)) return true;
      n = n.parentNode || (n.nodeType === 11 ? n.host : null);
    }
    return false;
  };
  /* Same-origin iframes' documents, added under their iframe once loaded (rrweb's way);
   * a frame that navigates later has its new document added again. */
  R.attachFrames = function () {
    var queue = this.frameQueue, self = this;
    this.frameQueue = [];
    queue.forEach(function (item) {
      var frame = item[0], level = item[1], fdoc = null;
      if (!frame.__replayLoadHooked) {
        frame.__replayLoadHooked = true;
        frame.addEventListener("load", function () {
          if (self.stopped || !self.ids.has(frame)) return;
          self.flush();
          self.frameQueue.push([frame, self.P.levelOf(frame, null)]);
          self.attachFrames();
        });
      }
      try { fdoc = frame.contentDocument; } catch (e) { fdoc = null; }
      if (!fdoc) {   // another origin's page now: the document recorded before goes
        var gone = self.frameOf.get(frame), pid = self.getId(frame);
        if (gone && self.ids.has(gone) && pid >= 0) {
          self.inc({source: SRC.MUTATION, texts: [], attributes: [], adds: [],
                    removes: [{parentId: pid, id: self.ids.get(gone)}]});
          self.frameDocs.delete(gone);
          self.frameOf.delete(frame);
          self.forget(gone);
        }
        return;
      }
      if (!fdoc.documentElement || self.ids.has(fdoc)) return;
      // the blank document a frame holds while its src or srcdoc loads: its load adds the
      // real one (rrweb waits for it too; a document added, then removed for the next, is a
      // mutation rrweb's Replayer fails on)
      if (fdoc.URL === "about:blank" && (frame.hasAttribute("srcdoc") ||
          !/^(about:blank([?#].*)?)?$/.test(frame.getAttribute("src") || ""))) return;
      var parentId = self.getId(frame);
      if (parentId < 0 || self.hidden.has(parentId)) return;
      var removes = [], old = self.frameOf.get(frame);
      if (old && self.ids.has(old)) {   // the frame navigated: its old document goes
        removes.push({parentId: parentId, id: self.ids.get(old)});
        self.frameDocs.delete(old);
        self.forget(old);
      }
      self.frameDocs.add(fdoc);
      self.frameOf.set(frame, fdoc);
      self.frameElementOf.set(fdoc, frame);
      self.learnHeldIn(fdoc);
      var node = self.serialize(fdoc, level, null), attributes = [];
      self.maskSplitIn(fdoc, node);
      if (self.addressed.delete(frame)) {   // readable now: the address sent before goes
        attributes.push({id: parentId, attributes: {rr_src: null}});
      }
      self.inc({source: SRC.MUTATION, texts: [], attributes: attributes, removes: removes,
                adds: [{parentId: parentId, nextId: null, node: node}]});
      self.sendAdoptQueue();
      self.watch(fdoc);
      self.safely(self.hookDocument, fdoc);
      self.attachFrames();   // frames inside the frame
    });
  };
  R.processMutations = function (records) {
    var self = this, P = this.P;
    var removes = [], removedSet = new Set(), added = new Set(), texts = new Map(), attrs = new Map();
    var gaps = [], revealed = [];   // what removals may bring together; hidden elements shown
    var origParent = new Map();
    this.reshadow.forEach(function (host) {   // sent again with its shadow root
      var p = self.parentOf(host);
      if (!self.connected(host) || !self.ids.has(p)) return;
      origParent.set(host, p);
      removedSet.add(host);
      added.add(host);
    });
    this.reshadow.clear();
    var ids = this.ids;
    for (var i = 0; i < records.length; i++) {   // each record's fields read once (DOM calls)
      var r = records[i], type = r.type, target = r.target, j;
      if (type === "childList") {
        var gone = r.removedNodes, come = r.addedNodes, ng = gone.length, nc = come.length;
        if (ng && P.spans) gaps.push([r.previousSibling, -1], [r.nextSibling, 1]);
        for (j = 0; j < ng; j++) {
          var rn = gone[j];
          if (added.delete(rn)) { removedSet.add(rn); continue; }   // came and went in this batch
          if (!origParent.has(rn) && ids.has(rn)) {
            origParent.set(rn, target.nodeType === 11 && target.host ? target.host : target);
          }
          removedSet.add(rn);
        }
        for (j = 0; j < nc; j++) added.add(come[j]);
      } else if (type === "attributes") {
        // only the last value matters; the first record's old value says if it changed at all
        var m = attrs.get(target), name = r.attributeName;
        if (!m) attrs.set(target, m = new Map());
        if (!m.has(name)) m.set(name, r.oldValue);
      } else if (type === "characterData") {
        if (!texts.has(target)) texts.set(target, r.oldValue);
      }
    }
    var values = [];   // from here on, `attrs` holds each changed attribute's value now
    if (readChanged(attrs, values) && this.levels) this.levels = new WeakMap();
    var cache = this.levels || new Map(), textOut = [];
    // what this batch types or sets into fields, learnt before any of it is masked: the
    // recorder's pass masks its echoes anywhere in the batch (Privacy.learnHeld, learnText)
    values.forEach(function (v) { if (self.connected(v[0])) P.learnHeld(v[0], v[1], cache); });
    // ... and what the fields it adds hold (a form rendered prefilled after load), hidden
    // ones' too, as the snapshot's are (learnHeldIn)
    added.forEach(function (n) {
      if (n.nodeType !== 1 || !self.connected(n)) return;
      if (n.localName === "input" || n.localName === "textarea") P.learnHeld(n, n.value, cache);
      self.learnHeldIn(n);
    });
    texts.forEach(function (old, n) {
      var parent = n.parentNode;
      if (n.data === old || !parent || parent.nodeType !== 1 || !ids.has(n)) return;
      var lvl = P.levelOf(parent, cache);
      if (lvl >= L.MASK_USER_INPUT && lvl !== L.HIDDEN && inEditable(parent)) P.learnText(n, lvl, parent, true);
    });
    var reused = this.reuseReplacedTexts(origParent, removedSet, added, texts, cache, textOut);
    // removes: nodes that were recorded, whose recorded parent is still in the recording
    origParent.forEach(function (parent, node) {
      if (self.connected(node) && self.parentOf(node) === parent && !added.has(node)) return;
      if (!self.ids.has(parent) || self.hidden.has(self.ids.get(parent))) return;
      if (removedSet.has(parent) && !self.connected(parent)) return;  // its parent's remove covers it
      removes.push({parentId: self.ids.get(parent), id: self.ids.get(node)});
    });
    // nodes that left the document: forget their ids (after the removes above read them)
    removedSet.forEach(function (n) { if (!self.connected(n)) self.forget(n); });
    // adds: connected nodes under a recorded, non-hidden parent, whose parent is not itself new
    var tops = [];
    added.forEach(function (n) {
      if (!self.connected(n)) return;
      var p = self.parentOf(n);
      for (var x = p; x && x !== doc; x = self.parentOf(x)) if (added.has(x)) return;
      if (!self.ids.has(p) || self.hidden.has(self.ids.get(p))) return;
      if (removedSet.has(n) && !origParent.has(n) && self.ids.has(n)) self.forget(n);
      tops.push(n);
    });
    var adds = [], pendingTop = new Set(tops), done = new Set();
    tops.forEach(function (n) {
      // a node's next sibling must exist before it: add the chain from the last one back
      var chain = [], x = n;
      while (x && pendingTop.has(x) && !done.has(x)) { chain.push(x); done.add(x); x = self.nextRecorded(x); }
      for (var k = chain.length - 1; k >= 0; k--) {
        var c = chain[k], par = self.parentOf(c), nxt = self.nextRecorded(c);
        var lvl = c.nodeType === 1 || c.nodeType === 9 ? P.levelOf(par, cache) : P.levelOf(par, cache);
        flatAdds(adds, self.ids.get(par), nxt ? self.getId(nxt) : null, self.serialize(c, lvl, cache));
      }
    });
    texts.forEach(function (old, n) {
      if (n.data === old || reused.has(n)) return;
      if (!ids.has(n) || !self.connected(n) || self.inAdds(n, added)) return;
      var parent = n.parentNode;
      var lvl = parent && parent.nodeType === 1 ? P.levelOf(parent, cache) : P.defaultLevel;
      if (lvl === L.HIDDEN) return;
      textOut.push({id: self.ids.get(n), value: changedText(P, n, parent, lvl)});
    });
    var attrOut = [];
    attrs.forEach(function (names, el) {
      if (!names.size || !ids.has(el) || !self.connected(el) || self.inAdds(el, added)) return;
      var id = self.ids.get(el), tag = el.tagName.toLowerCase();
      var lvl = P.levelOf(el, cache);
      var out = {}, any = false, k;
      if (self.hidden.has(id)) {
        if (lvl !== L.HIDDEN) {  // no longer hidden: send it again, whole
          revealed.push(el);
          removes.push({parentId: self.getId(self.parentOf(el)), id: id});
          flatAdds(adds, self.getId(self.parentOf(el)), self.getId(self.nextRecorded(el)),
                   self.serialize(el, P.levelOf(self.parentOf(el), cache), cache));
          return;
        }
        var box = hiddenAttrs(P, el);
        names.forEach(function (_, k) { out[k] = k in box ? box[k] : null; });
        self.watchBox(el, null);   // its markup may give a size now, or no longer
        any = true;
      } else if (lvl === L.HIDDEN) {   // became hidden: its children go, it stays as a box
        for (var c = el.firstChild; c; c = c.nextSibling) {
          if (self.ids.has(c)) removes.push({parentId: id, id: self.ids.get(c)});
        }
        for (c = el.firstChild; c; c = c.nextSibling) self.forget(c);
        self.hidden.add(id);
        var hb = hiddenAttrs(P, el), cur = attrMap(el);
        for (k in cur) if (!(k in hb)) out[k] = null;
        for (k in hb) out[k] = hb[k];
        self.watchBox(el, hb);
        any = true;
      } else {
        names.forEach(function (v, k) {   // (v: the value now, read above)
          if (v !== null) v = absoluteAttr(el, k, v);
          if (v !== null) { v = maskAttr(P, tag, el, k, v, lvl); if (v === DROP) return; }
          out[k] = v; any = true;
        });
        // a dialog opened or closed: how (showModal() or show()), as rrweb's rr_open_mode
        if (tag === "dialog" && "open" in out) out.rr_open_mode = out.open === null ? null : dialogMode(el);
        // a link's `disabled` (or `rel`, `title`) switched its sheet on or off
        if ((tag === "link" || tag === "style") && sheetOff(el) !== (self.sheetsOff.get(el) || false)) {
          out.rr_sheet_disabled = sheetOff(el) ? true : null;
          self.sheetRecorded(el, !!out.rr_sheet_disabled);
          any = true;
        }
        if (tag === "iframe" && "src" in out) {   // a same-origin frame's load adds its document
          frameSrc(el, out, self.addressed);
          any = false;
          for (k in out) { any = true; break; }
        }
        // a link made a stylesheet (`rel=preload` turned `stylesheet` by its onload, the
        // common way to load CSS without blocking) or pointed at another one: its sheet's
        // text follows as `_cssText` when it has loaded (R.awaitSheet), or now if it has
        if (tag === "link" && ("rel" in out || "href" in out) && /stylesheet/i.test(el.rel || "")) {
          var sheetCss = !("href" in out) && el.sheet ? sheetText(el.sheet) : null;
          if (sheetCss === null) self.awaitSheet(el);
          else if ((sheetCss = maskAttr(P, tag, el, "_cssText", sheetCss, lvl)) !== DROP) out._cssText = sheetCss;
        }
      }
      if (any) attrOut.push({id: id, attributes: out});
    });
    if (P.spans && (added.size || texts.size || reused.size || gaps.length || revealed.length)) {
      var read = new Set(added);   // ... and what went as a text change (`el.textContent = v`)
      reused.forEach(function (n) { read.add(n); });   // or again, whole (a hidden element shown)
      revealed.forEach(function (el) { read.add(el); });
      this.maskSplitChanged(read, texts, gaps, adds, textOut, cache);
    }
    if (removes.length || adds.length || textOut.length || attrOut.length) {
      // by id: the order of distinct nodes' changes does not matter, and near ids pack small
      textOut.sort(byId);
      attrOut.sort(byId);
      this.inc({source: SRC.MUTATION, texts: textOut, attributes: attrOut, removes: removes, adds: adds});
    }
    if (this.frameQueue.length) this.attachFrames();
    if (this.adoptQueue.length) this.sendAdoptQueue();
  };
  function byId(a, b) { return a.id - b.id; }
  /* A value split across text nodes (textRuns): in a document just serialized as `node`,
   * every run's crossing matches masked in their nodes' recorded text. */
  R.maskSplitIn = function (top, node) {
    var P = this.P, ids = this.ids, sent = this.splitSent;
    if (!P.spans) return;
    var found = splitFindings(textRuns(top, []), P.spans);
    if (!found.size) return;
    var at = new Map();
    found.forEach(function (ranges, n) { if (ids.has(n)) at.set(ids.get(n), n); });
    var stack = [node];
    while (stack.length) {
      var o = stack.pop(), n = at.get(o.id);
      if (n !== undefined && o.type === NODE.TEXT) {
        o.textContent = maskPieces(o.textContent, n.data, found.get(n));
        sent.set(n, [n.data, o.textContent]);
      }
      if (o.childNodes) for (var i = 0; i < o.childNodes.length; i++) stack.push(o.childNodes[i]);
    }
  };
  /* ... and in a batch of changes: the runs of the text nodes it adds or changes, masked in
   * its adds and text changes; a neighbour the batch does not record itself gets a text
   * change of its own (as its level records it, then the run's match), once. */
  R.maskSplitChanged = function (added, texts, gaps, adds, textOut, cache) {
    var self = this, P = this.P, ids = this.ids, sent = this.splitSent, seen = new Set(), runs = [];
    var touch = function (n) {   // (an emptied text too: it may bring its neighbours together)
      var p = n.parentNode;
      if (seen.has(n) || !p || !mayJoin(p)) return;
      var run = runAround(n).filter(function (x) { seen.add(x); return !!x.data; });
      if (run.length > 1) runs.push(run);
    };
    gaps.forEach(function (side) {   // [node, step]: the texts on either side of a removal
      var n = side[0] && self.connected(side[0]) ? edgeText(side[0], side[1]) : null;
      if (n) touch(n);
    });
    texts.forEach(function (old, n) { if (n.data !== old && self.connected(n)) touch(n); });
    added.forEach(function (n) {
      if (n.nodeType === 3) {   // (a text alone in a block joins nothing: asked first, cheaper)
        var p = n.parentNode;
        if (p && mayJoin(p) && self.connected(n)) touch(n);
        return;
      }
      if ((n.nodeType !== 1 && n.nodeType !== 11) || !self.connected(n)) return;
      var w = doc.createTreeWalker(n, 4);   // NodeFilter.SHOW_TEXT
      for (var t = w.nextNode(); t; t = w.nextNode()) touch(t);
    });
    if (!runs.length) return;
    var found = splitFindings(runs, P.spans);
    if (!found.size) return;
    var recorded = new Map();
    adds.forEach(function (a) { if (a.node.type === NODE.TEXT) recorded.set(a.node.id, a.node); });
    textOut.forEach(function (t) { recorded.set(t.id, t); });
    found.forEach(function (ranges, n) {
      if (!ids.has(n)) return;   // beneath a hidden element: not recorded
      var id = ids.get(n), o = recorded.get(id);
      if (o !== undefined && "textContent" in o) {
        o.textContent = maskPieces(o.textContent, n.data, ranges);
        sent.set(n, [n.data, o.textContent]);
        return;
      }
      if (o !== undefined) {
        o.value = maskPieces(o.value, n.data, ranges);
        sent.set(n, [n.data, o.value]);
        return;
      }
      var parent = n.parentNode, lvl = P.levelOf(parent, cache);
      if (lvl === L.HIDDEN) return;
      var was = changedText(P, n, parent, lvl);
      var now = maskPieces(was, n.data, ranges), s = sent.get(n);
      if (now === was || s && s[0] === n.data && s[1] === now) return;
      textOut.push({id: id, value: now});
      sent.set(n, [n.data, now]);
    });
  };
  var NO_REUSE = {STYLE: 1, SCRIPT: 1, TEXTAREA: 1};   // their text is special to players
  /* `el.textContent = v` replaces an element's only text node with a new one: the new node
   * takes the old one's id and goes as a text change, not as a remove and an add (what the
   * replay shows is the same; it costs a fraction of the bytes and no serializing). */
  R.reuseReplacedTexts = function (origParent, removedSet, added, texts, cache, textOut) {
    var reused = new Set();
    if (!added.size || !origParent.size) return reused;
    var self = this, count = new Map();
    origParent.forEach(function (p) { count.set(p, (count.get(p) || 0) + 1); });
    origParent.forEach(function (p, old) {
      if (old.nodeType !== 3 || count.get(p) !== 1 || p.nodeType !== 1 || NO_REUSE[p.tagName]) return;
      var n = p.firstChild;
      if (!n || n !== p.lastChild || n === old || n.nodeType !== 3 || !added.has(n) || self.ids.has(n)) return;
      if (added.has(p) || removedSet.has(p) || old.parentNode || !self.ids.has(p) ||
          self.hidden.has(self.ids.get(p)) || !self.connected(p)) return;
      var id = self.ids.get(old);
      self.ids.delete(old);
      self.ids.set(n, id);
      self.nodes.set(id, n);
      origParent.delete(old);
      removedSet.delete(old);
      added.delete(n);
      reused.add(n);
      var data = n.data;
      if (data === old.data) return;   // the same text again: nothing to send
      var lvl = self.P.levelOf(p, cache);
      if (lvl === L.HIDDEN) return;
      var typing = lvl >= L.MASK_USER_INPUT && inEditable(p);
      if (typing) self.P.learnText(n, lvl, p, true);
      textOut.push({id: id, value: maskTextNode(self.P, data, lvl, p, typing)});
    });
    return reused;
  };
  /* An iframe's address, as rrweb's recorder keeps it: a frame whose document the recording
   * holds (same-origin: attachFrames adds it) keeps none, so no replayer loads the site's page
   * in its place; one it cannot read (cross-origin, sandboxed without allow-same-origin) keeps
   * it as `rr_src`, shown, never loaded. Told apart by the address, not only by
   * `contentDocument`: a frame still loading another origin's page holds a blank document
   * of this one (rrweb's recorder loses the address then). `attrs`: the element's
   * attributes, or an attribute change's, changed in place (`src` absolute already). */
  function frameSrc(el, attrs, addressed) {
    if (!frameReadable(el, attrs.src)) {
      attrs.rr_src = attrs.src;
      if (attrs.src !== null) addressed.add(el);   // cleared when its document is recorded
    }
    delete attrs.src;
  }
  function frameReadable(el, src) {
    var sandbox = el.getAttribute("sandbox");
    if (sandbox !== null && !/(^|\s)allow-same-origin(\s|$)/i.test(sandbox)) return false;
    if (el.hasAttribute("srcdoc")) return true;   // its document is the srcdoc's, not src's
    try {
      if (src && !/^about:/i.test(src) && new URL(src, el.baseURI).origin !== el.ownerDocument.defaultView.origin) return false;
      return !!el.contentDocument;
    } catch (e) { return false; }
  }
  /* A batch's attribute changes (element -> Map(name -> old value)) read once: each changed
   * attribute's old value is replaced by its value now, and one set back to the value it had
   * (or to the same one) goes - it is no change. Says whether a change touched privacy markup
   * (its old value or its new one), so that cached levels may be wrong; `values` gets
   * [element, value now] for each `value` attribute set, set back or not (a field's value,
   * learnt: Privacy.learnHeld). */
  function readChanged(attrs, values) {
    var moved = false;
    attrs.forEach(function (names, el) {
      names.forEach(function (old, a) {
        var now = el.getAttribute(a);
        if (!moved && (LEVEL_ATTRS.indexOf(a) >= 0 ||
                       a === "class" && (privacyClass(old) || privacyClass(now)))) moved = true;
        if (a === "value") values.push([el, now]);
        if (now === old) names.delete(a); else names.set(a, now);
      });
    });
    return moved;
  }
  function privacyClass(cls) { return !!cls && (cls.indexOf("privacy") >= 0 || cls.indexOf("rr-") >= 0); }
  /* An added subtree as rrweb sends it: one add per node, each without children, a parent
   * before its children and a node after its next sibling (so `nextId` always exists when
   * it is applied). rrweb's Replayer builds added nodes without their children. */
  function flatAdds(out, parentId, nextId, sn) {
    var stack = [[parentId, nextId, sn]];
    while (stack.length) {
      var item = stack.pop(), node = item[2], kids = node.childNodes;
      var flat = {};   // the node's own keys, in serialize's order
      for (var k in node) flat[k] = k === "childNodes" ? [] : node[k];
      out.push({parentId: item[0], nextId: item[1] === -1 ? null : item[1], node: flat});
      if (!kids) continue;
      // pushed first-to-last, so popped last-to-first: each after its next sibling
      for (var i = 0; i < kids.length; i++) {
        stack.push([node.id, i + 1 < kids.length ? kids[i + 1].id : null, kids[i]]);
      }
    }
  }
  /* Hidden elements' boxes: an element hidden when the page was recorded may be filled (or
   * emptied) by script later, and nothing beneath it is recorded, so its placeholder would
   * keep the size it had then. One ResizeObserver per recorded document watches every hidden
   * element whose size its markup does not give (fully); its border box, in whole px, goes
   * when it changes as an attribute mutation of the element carrying only its box
   * (boxChange). `sent`: the element's attributes as just recorded, or null to keep what was
   * sent before. */
  R.watchBox = function (el, sent) {
    var d = el.ownerDocument, view = d.defaultView, RO = view && view.ResizeObserver;
    if (!RO || el === d.documentElement) return;   // the root's size is the viewport's
    var given = elementSize(el, attrMap(el)), before = this.boxes.get(el), box = [null, null];
    for (var i = 0; i < BOX_SIZE.length; i++) {
      if (given[i] !== null) continue;   // the markup's: a change of it goes as its attributes
      box[i] = Math.round((sent ? pxNum(sent[BOX_SIZE[i]]) : before && before[i]) || 0);
    }
    if (box[0] === null && box[1] === null) { this.unwatchBox(el); return; }
    var ro = this.sizers.get(d);
    if (!ro) this.sizers.set(d, ro = new RO(this.guard(this.onBoxes)));
    this.boxes.set(el, box);
    ro.observe(el, {box: "border-box"});   // again too: it reports the size it has now
  };
  R.unwatchBox = function (el) {
    if (!this.boxes.delete(el)) return;
    var ro = this.sizers.get(el.ownerDocument);
    if (ro) ro.unobserve(el);
  };
  R.onBoxes = function (entries) {
    if (this.stopped) return;
    this.flush();   // the DOM changes first: an element they took away is no longer watched
    var out = [];
    for (var i = 0; i < entries.length; i++) {
      var el = entries[i].target, box = this.boxes.get(el), id = this.ids.get(el);
      if (!box) continue;
      if (id === undefined || !this.hidden.has(id)) { this.unwatchBox(el); continue; }
      var size = borderBox(entries[i]);
      var w = box[0] === null ? null : Math.round(size[0]), h = box[1] === null ? null : Math.round(size[1]);
      if (w === box[0] && h === box[1]) continue;
      this.boxes.set(el, [w, h]);
      out.push({id: id, attributes: boxChange(w, h)});
    }
    if (!out.length) return;
    out.sort(byId);
    this.inc({source: SRC.MUTATION, texts: [], attributes: out, removes: [], adds: []});
  };
  /* [width, height] of a ResizeObserver entry's border box. */
  function borderBox(entry) {
    var el = entry.target, b = entry.borderBoxSize;
    b = b && (b.length === undefined ? b : b[0]);   // one object, not a list, in older Firefox
    if (!b) return [el.offsetWidth || 0, el.offsetHeight || 0];
    var mode = el.ownerDocument.defaultView.getComputedStyle(el).writingMode || "";
    return /^(vertical|sideways)/.test(mode) ? [b.blockSize, b.inlineSize] : [b.inlineSize, b.blockSize];
  }
  R.nextRecorded = function (n) {
    var x = n.nextSibling;
    while (x && !(x.nodeType === 1 || x.nodeType === 3 || x.nodeType === 4 || x.nodeType === 8)) x = x.nextSibling;
    return x;
  };
  R.inAdds = function (n, added) {
    if (!added.size) return false;
    for (var x = n; x && x !== doc; x = this.parentOf(x)) if (added.has(x)) return true;
    return false;
  };

  // -- user activity ----------------------------------------------------------------------------
  R.listen = function (target, type, fn, opts) {
    target.addEventListener(type, fn, opts === undefined ? {capture: true, passive: true} : opts);
    this.undo.push(function () { target.removeEventListener(type, fn, opts === undefined ? {capture: true, passive: true} : opts); });
  };
  /* The node the event began at: the target itself unless it hosts an open shadow root (an
   * event from inside one is retargeted to its host); composedPath() builds the whole path,
   * so it is asked only then. */
  R.eventTarget = function (e) {
    var t = e.target;
    if (t && t.shadowRoot === null) return t;
    var path = e.composedPath ? e.composedPath() : null;
    return path && path.length ? path[0] : t;
  };
  /* Mouse and touch moves: one sample every `moveSample` ms; the samples go as one event once
   * they span MOVE_SEND_MS (at the next sample), before any other event (the path comes before
   * what follows it: R.wrap), or when the recording's owner pulls them (`opts.movesWaiting`:
   * start()'s sender pulls them when it sends; without an owner, a timer sends them). No timer
   * per chunk: a person moving the mouse makes no timers. A sample is kept as the position
   * it is sent as (its time made relative when sent): one object per sample. Listened to
   * bound (R.watch): most moves end at the first test, in one frame. The listener stays on
   * between samples: off at a sample and on again by a timer cost more (README: setTimeout
   * and add/removeEventListener, ~30 us a sample, against ~4 us for each move spared). */
  R.onMove = function (e) {
    var t = Date.now();
    if (t - this.lastMove < this.moveSample) return;
    this.lastMove = t;
    try { this.sampleMove(e, t); } catch (x) { /* never break the page */ }
  };
  R.sampleMove = function (e, t) {
    var touches = e.touches, p = touches ? touches[0] : e;
    if (!p) return;
    var moves = this.moves;
    moves.push({x: Math.round(p.clientX), y: Math.round(p.clientY),
                id: this.getId(this.eventTarget(e)), timeOffset: t});
    if (moves.length === 1) { this.movesTouch = !!touches; this.movesWaiting(); }
    else if (t - moves[0].timeOffset >= MOVE_SEND_MS) this.sendMoves();
  };
  R.movesWaiting = function () {
    if (this.onMovesWaiting) { this.onMovesWaiting(); return; }
    if (this.moveTimer === null) {
      var self = this;
      this.moveTimer = setTimeout(function () { self.moveTimer = null; self.sendMoves(); }, MOVE_SEND_MS);
    }
  };
  R.sendMoves = function () {
    if (this.moveTimer !== null) { clearTimeout(this.moveTimer); this.moveTimer = null; }
    if (!this.moves.length) return;
    var moves = this.moves, now = Date.now();
    this.moves = [];
    for (var i = 0; i < moves.length; i++) moves[i].timeOffset -= now;
    this.inc({source: this.movesTouch ? SRC.TOUCHMOVE : SRC.MOVE, positions: moves});
  };
  R.onInteraction = function (e) {   // listened to bound, as R.onMove: it guards itself
    try {
      var kind = MOUSE[e.type];
      if (kind === undefined) return;
      var id = this.getId(this.eventTarget(e));
      if (id < 0) return;
      var touches = e.changedTouches, p = touches ? touches[0] : e, data = {source: SRC.INTERACTION, type: kind, id: id};
      // a click no pointer made (Enter or Space on a button, a form submitted with Enter, a
      // script's el.click()) happened at no place: its 0, 0 is not where anyone clicked
      var placed = !(kind === MOUSE.click && e.detail === 0 && !p.clientX && !p.clientY);
      if (p && placed && kind !== MOUSE.focus && kind !== MOUSE.blur && p.clientX !== undefined) {
        data.x = Math.round(p.clientX); data.y = Math.round(p.clientY);
      }
      var pointer = e.pointerType;   // "" for a key's click
      if (pointer) data.pointerType = pointer === "touch" ? 1 : pointer === "pen" ? 2 : 0;
      this.inc(data);   // after the cursor's path to it (R.wrap)
    } catch (x) { /* never break the page */ }
  };
  R.onScroll = function (e) {
    var t = e.target && e.target.nodeType === 9 ? e.target : e.target === win ? doc : e.target;
    if (this.getId(t) < 0 || this.scrollTimers.has(t)) return;
    var self = this;
    this.scrollTimers.set(t, setTimeout(function () {
      self.scrollTimers.delete(t);
      self.sendScroll(t);
    }, SCROLL_MS));
  };
  R.sendScroll = function (t) {
    var id = this.getId(t);
    if (id < 0) return;
    if (t.nodeType === 9) {
      var w = t.defaultView || win, de = t.documentElement;
      this.inc({source: SRC.SCROLL, id: id, x: w.pageXOffset || de.scrollLeft, y: w.pageYOffset || de.scrollTop});
    }
    else this.inc({source: SRC.SCROLL, id: id, x: t.scrollLeft, y: t.scrollTop});
  };
  R.onResize = function () {
    this.inc({source: SRC.RESIZE, width: win.innerWidth, height: win.innerHeight});
  };
  /* An input's value as recorded (null: not recorded at all). */
  R.inputData = function (el) {
    var P = this.P, v = this.valuePrivacy(el, null), tag = el.tagName.toLowerCase();
    var text = el.isContentEditable && tag !== "input" && tag !== "textarea" ? el.textContent : el.value;
    // a choice unrecorded or masked: its value is looked for as a URL parameter's (Echoes.addParam)
    var chosen = v.choice && (tag === "select" || el.checked);
    if (v.unrecorded) { if (!v.choice) P.echoes.add(text, el); else if (chosen) P.echoes.addParam(el.value); return null; }
    if (v.choice && tag === "input") {   // a checkbox or a radio
      if (v.masked) { if (chosen) P.echoes.addParam(el.value); return null; }   // its state is the secret
      return {text: el.value, isChecked: el.checked};
    }
    if (v.masked) { if (!v.choice) P.echoes.add(text, el); else P.echoes.addParam(text); return {text: maskValue(text)}; }
    return {text: P.scrub && text ? P.scrub(text) : text};
  };
  /* How a control's value is recorded: {unrecorded: not at all (hidden, rr-ignore, not in
   * the recording), masked, choice: a checkbox, radio or select, whose value is the page's own
   * string (a typed one is kept for echo scrubbing), level}. */
  R.valuePrivacy = function (el, cache) {
    var tag = el.tagName.toLowerCase(), lvl = this.P.levelOf(el, cache), t = inputType(tag, el);
    var cls = el.getAttribute("class");
    return {unrecorded: lvl === L.HIDDEN || !this.ids.has(el) || !!(cls && /(^|\s)rr-ignore(\s|$)/.test(cls)),
            masked: tag === "input" || tag === "textarea" || tag === "select" ?
              valueMasked(lvl, tag, el) : lvl >= L.MASK_USER_INPUT,
            choice: t === "checkbox" || t === "radio" || tag === "select", level: lvl};
  };
  /* A form sent with GET puts its fields' values in the next page's URL: the names of those
   * whose values this recording masks (or does not record; non-empty ones) go to the session
   * (`formFieldsMasked`), whose later pages scrub them (Privacy.formFields). Names only. */
  R.onFormSent = function (form, submitter) {
    if (!form || form.nodeName !== "FORM") return;   // (a same-origin frame's forms too)
    // the next page may show what was typed, whatever the method: its digests go now
    if (this.P.echoes.onKept) this.P.echoes.onKept(true);
    var method = submitter && submitter.hasAttribute("formmethod") ? submitter.getAttribute("formmethod") :
      form.getAttribute("method");
    // the HTML spec's keywords: any other value (or none) is GET
    if (/^\s*(post|dialog)\s*$/i.test(method || "")) return;
    var fields = [], cache = new Map(), els = FORM_ELEMENTS.call(form), P = this.P;
    for (var i = 0; i < els.length; i++) {
      var el = els[i], tag = el.tagName.toLowerCase(), t = inputType(tag, el);
      if (!el.name || el.matches(":disabled") || FORM_UNSENT[tag]) continue;
      if ((tag === "button" || (tag === "input" && (BUTTON_TYPES[t] || t === "image"))) && el !== submitter) continue;
      if ((t === "checkbox" || t === "radio") && !el.checked) continue;
      if (tag === "select" ? !Array.prototype.some.call(el.selectedOptions, function (o) { return o.value; }) : !el.value) continue;
      var v = this.valuePrivacy(el, cache), typed = !v.choice && el !== submitter;
      // a <button> submitter's value is masked as an input button's (valueMasked)
      var masked = tag === "button" ? v.level >= L.MASK : v.masked;
      if (!v.unrecorded && !masked) continue;
      fields.push({name: el.name, typed: typed});
      if (typed) P.echoes.add(el.value);   // set by the page or autofill: not seen typed
    }
    if (!fields.length) return;
    P.formFields(fields.map(function (f) { return {name: f.name, typed: false}; }));
    if (this.onFormFields) this.onFormFields(fields);
  };
  /* form.submit() sends without a submit event: hooked in each recorded window (the page's,
   * a same-origin frame's: its forms' prototype is its own). */
  R.hookFormSubmit = function (w) {
    var self = this, F = w.HTMLFormElement && w.HTMLFormElement.prototype;
    if (!F || typeof F.submit !== "function") return;
    var orig = F.submit;
    F.submit = function () {
      try { if (!self.stopped) self.onFormSent(this, null); } catch (e) { /* never break the page */ }
      return orig.apply(this, arguments);
    };
    this.undo.push(function () { F.submit = orig; });
  };
  /* An input event, or a value a script set (hookValues: no event of the browser's). A change
   * no person made - a script's, or an event it dispatched - is marked `userTriggered: false`,
   * as rrweb's recorder marks it (userTriggeredOnInput); a person's goes without the key: a
   * bug's steps leave the page's own doing out ("Clear" of a field the page emptied). */
  R.onInput = function (e) {
    var el = this.eventTarget(e);
    if (!el || el.nodeType !== 1) return;
    var script = e.isTrusted !== true;
    this.recordInput(el, script);
    var t = el.tagName === "INPUT" ? (el.type || "").toLowerCase() : "";
    if (t === "radio" && el.name) {   // the others of its group went off
      var group = doc.querySelectorAll('input[type="radio"][name="' + el.name.replace(/["\\]/g, "\\$&") + '"]');
      for (var i = 0; i < group.length; i++) if (group[i] !== el) this.recordInput(group[i], script);
    }
  };
  R.recordInput = function (el, script) {
    var state = controlState(el);
    if (this.lastValue.get(el) === state) return;
    this.lastValue.set(el, state);
    var data = this.inputData(el);
    if (data === null) return;
    data.source = SRC.INPUT;
    data.id = this.getId(el);
    if (script) data.userTriggered = false;
    this.inc(data);
    if (el.tagName === "SELECT" && el.multiple) this.recordSelected(el);
  };
  /* A <select multiple>'s value is its first selected option only: the Input event says it
   * (rrweb's), and a replay setting it leaves that one option selected, as the value setter
   * does. The other selected options follow as a change of their `selected` - the attribute
   * rrweb's snapshot gives a selected option - masked as the snapshot's (not recorded at
   * mask-user-input and above). */
  R.recordSelected = function (el) {
    var opts = el.options, lvl = this.P.levelOf(el, null), out = [], first = null;
    for (var i = 0; i < opts.length; i++) if (opts[i].value === el.value) { first = opts[i]; break; }
    for (i = 0; i < opts.length; i++) {
      var o = opts[i], id = this.getId(o);
      if (!o.selected || o === first || id < 0) continue;
      if (maskAttr(this.P, "option", o, "selected", true, lvl) === DROP) return;
      out.push({id: id, attributes: {selected: true}});
    }
    if (out.length) this.inc({source: SRC.MUTATION, texts: [], attributes: out, removes: [], adds: []});
  };
  /* A popover shown or hidden - by script, by its popovertarget button, light-dismissed by a
   * click elsewhere or Escape - changes no attribute: its `toggle` (after the change, coalesced)
   * sends its state (popoverOpen). A <details>' toggle is its `open` attribute's change. */
  R.onToggle = function (e) {
    var el = e.target;
    if (!el || el.nodeType !== 1 || !el.hasAttribute("popover")) return;
    this.flush();   // what the page changed first (a popover added, then shown)
    var id = this.getId(el);
    if (id < 0 || this.hidden.has(id)) return;
    this.inc({source: SRC.MUTATION, texts: [], removes: [], adds: [],
              attributes: [{id: id, attributes: {rr_popover_open: popoverOpen(el) ? true : null}}]});
  };
  R.onMedia = function (e) {
    var el = e.target, id = this.getId(el);
    if (id < 0) return;
    this.inc({source: SRC.MEDIA, type: MEDIA[e.type], id: id, currentTime: el.currentTime,
              volume: el.volume, muted: el.muted, playbackRate: el.playbackRate, loop: el.loop});
  };

  // ---- values the recording does not hold, learnt for echo scrubbing ------------------------
  /* A field recorded as nothing - beneath a hidden element, in a frame hidden whole (never
   * attached), inside a closed shadow root (the document sees none of its path), rr-ignore -
   * or masked where our own listeners cannot hear it, may still be echoed by the page ("Gift
   * card GC-... applied"): its value is learnt (P.echoes: never sent), as inputData learns a
   * recorded one, from the page's own input events heard on every same-origin document (the
   * page's, each frame's however hidden, again at each frame's load: document.open() drops a
   * document's listeners) and on each closed shadow root; a value already in such a field
   * when its document is first seen (typed before the recording, autofilled) is learnt then.
   * A closed root's field is learnt when its level masks input (we record nothing of it, so
   * an allowed value's echo stays as the page shows it). */
  R.startLearning = function () {
    this.learnRoot(doc);
    var early = this.closedEarly;
    this.closedEarly = [];
    for (var i = 0; i < early.length; i++) this.learnRoot(early[i]);
  };
  R.learnRoot = function (root) {   // a Document or a ShadowRoot
    if (!root || !root.querySelectorAll) return;
    if (this.learning.has(root)) {   // again (a frame's load: document.open() drops listeners)
      root.addEventListener("input", this.learnInput, true);
      root.addEventListener("load", this.learnFrameLoad, true);
    } else {   // (each taken back once at the stop: a frame reloading often adds none)
      this.learning.add(root);
      this.listen(root, "input", this.learnInput, true);
      this.listen(root, "load", this.learnFrameLoad, true);   // a frame's load does not bubble
    }
    if (root.nodeType === 9) this.safely(this.hookShadows, root.defaultView);
    var fields = root.querySelectorAll("input, textarea"), i;
    for (i = 0; i < fields.length; i++) {
      if (fields[i].value && fields[i].value !== fields[i].defaultValue) this.learnField(fields[i]);
    }
    var frames = root.querySelectorAll("iframe");
    for (i = 0; i < frames.length; i++) this.learnFrame(frames[i]);
  };
  R.learnFrame = function (frame) {
    var fdoc = null;
    try { fdoc = frame.contentDocument; } catch (e) { /* another origin's: nothing to read */ }
    if (!fdoc || !fdoc.documentElement) return;
    // its fields' levels: through the iframe's, as for a recorded frame (Privacy.levelOf)
    if (!this.frameElementOf.has(fdoc)) this.frameElementOf.set(fdoc, frame);
    this.learnRoot(fdoc);
  };
  R.onLearnLoad = function (e) {
    var t = e.target;
    if (t && t.tagName === "IFRAME" && !this.stopped) this.learnFrame(t);
  };
  R.onLearnInput = function (e) {
    var path = e.composedPath ? e.composedPath() : [], el = path.length ? path[0] : e.target;
    if (el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA") && !this.stopped) this.learnField(el);
  };
  R.learnField = function (el) {
    var v = this.valuePrivacy(el, null);
    if (v.choice || !el.value) return;
    if (inClosedRoot(el) ? v.masked || v.level === L.HIDDEN : v.unrecorded || v.masked) {
      this.P.echoes.add(el.value, el);
    }
  };
  function inClosedRoot(el) {
    for (var r = el.getRootNode(); r && r.host; r = r.host.getRootNode()) {
      if (r.mode === "closed") return true;
    }
    return false;
  }

  /* Programmatic changes the page's events do not report: value/checked setters, CSSOM. */
  R.hook = function (proto, name, make) {
    var desc = Object.getOwnPropertyDescriptor(proto, name);
    if (!desc) return;
    var replaced = make(desc);
    Object.defineProperty(proto, name, replaced);
    this.undo.push(function () { Object.defineProperty(proto, name, desc); });
  };
  R.hookValues = function () {
    var self = this;
    [[win.HTMLInputElement, "value"], [win.HTMLInputElement, "checked"],
     [win.HTMLTextAreaElement, "value"], [win.HTMLSelectElement, "value"],
     [win.HTMLSelectElement, "selectedIndex"], [win.HTMLOptionElement, "selected"]].forEach(function (pair) {
      if (!pair[0]) return;
      self.hook(pair[0].prototype, pair[1], function (desc) {
        return {configurable: true, enumerable: desc.enumerable, get: desc.get,
                set: function (v) {
                  desc.set.call(this, v);
                  if (self.stopped) return;
                  var el = this.tagName === "OPTION" ? this.parentNode && this.parentNode.closest && this.closest("select") : this;
                  if (el && self.ids.has(el)) { self.flush(); self.onInput({target: el}); }
                }};
      });
    });
  };
  R.ruleIndex = function (rule) {
    /* The path of a CSS rule in its style sheet as recorded: [i] at the top, [i, j] in a
     * @media...; in a sheet it @imports, through the blocks the import is recorded as. */
    var path = [];
    while (rule) {
      if (rule.parentRule) {
        path.unshift(Array.prototype.indexOf.call(rule.parentRule.cssRules, rule));
        rule = rule.parentRule;
        continue;
      }
      var sheet = rule.parentStyleSheet, inner = sheet && sheet.cssRules ? this.sheetPath(sheet) : null;
      if (inner === null) return null;
      return inner.concat([recordedIndex(sheet, Array.prototype.indexOf.call(sheet.cssRules, rule))], path);
    }
    return null;
  };
  /* Where a sheet's rules are in its root sheet as recorded: [] for the root, the path of the
   * innermost block its @import is recorded as for an imported one (importBlock). */
  R.sheetPath = function (sheet) {
    var owner = sheet && sheet.ownerRule;
    if (!owner) return [];
    var path = this.ruleIndex(owner);
    if (path === null) return null;
    for (var w = importWraps(owner); w > 1; w--) path.push(0);
    return path;
  };
  R.hookCssom = function () {
    var self = this, S = win.CSSStyleSheet && win.CSSStyleSheet.prototype;
    if (!S) return;
    function wrapMethod(proto, name, after) {
      var orig = proto[name];
      if (typeof orig !== "function") return;
      proto[name] = function () {
        var result = orig.apply(this, arguments);
        if (!self.stopped) { try { after(this, arguments, result); } catch (e) { /* never break the page */ } }
        return result;
      };
      self.undo.push(function () { proto[name] = orig; });
    }
    function nested(owner, index) {
      if (!(owner instanceof win.CSSStyleSheet)) {
        var base = self.ruleIndex(owner);
        return base === null ? null : base.concat([index]);
      }
      var top = self.sheetPath(owner);   // (after an insert, `index` is the new rule's)
      return top === null ? null : top.concat([recordedIndex(owner, index)]);
    }
    function sheetOf(owner) { return owner instanceof win.CSSStyleSheet ? owner : owner.parentStyleSheet; }
    // the CSS a script hands the page, its URLs absolute against the sheet's address (a
    // constructed sheet's: the page's), scrubbed as a stylesheet's text is (CSS-in-JS writes
    // all of a page's rules this way); anything else as the browser reads it (a String object)
    function css(text, sheet) {
      if (text == null) return text;
      text = absoluteCss(String(text), sheetBase(sheet));
      return self.P.scrub ? self.P.scrubCss(text) : text;
    }
    // an edit names its sheet as rrweb does: `id` (the owner element) or `styleId` (constructed)
    function send(to, data) { for (var k in to) data[k] = to[k]; self.inc(data); }
    var onInsert = function (owner, args, index) {
      var to = self.sheetTarget(sheetOf(owner)), path = nested(owner, index);
      if (!to || path === null) return;
      self.flush();
      send(to, {source: SRC.SHEET_RULE, adds: [{rule: css(args[0], sheetOf(owner)), index: path.length === 1 ? path[0] : path}]});
    };
    var onDelete = function (owner, args) {
      var to = self.sheetTarget(sheetOf(owner)), path = nested(owner, args[0]);
      if (!to || path === null) return;
      self.flush();
      send(to, {source: SRC.SHEET_RULE, removes: [{index: path.length === 1 ? path[0] : path}]});
    };
    wrapMethod(S, "insertRule", onInsert);
    wrapMethod(S, "deleteRule", onDelete);
    if (win.CSSGroupingRule) {
      wrapMethod(win.CSSGroupingRule.prototype, "insertRule", onInsert);
      wrapMethod(win.CSSGroupingRule.prototype, "deleteRule", onDelete);
    }
    ["replace", "replaceSync"].forEach(function (name) {
      wrapMethod(S, name, function (sheet, args) {
        var to = self.sheetTarget(sheet);
        if (!to) return;
        var data = {source: SRC.SHEET_RULE};
        data[name] = css(args[0], sheet);
        send(to, data);
      });
    });
    var D = win.CSSStyleDeclaration && win.CSSStyleDeclaration.prototype;
    if (D) {
      var declared = function (decl, data) {
        var rule = decl.parentRule;
        if (!rule || !rule.parentStyleSheet) return;   // an element's inline style: a mutation
        var to = self.sheetTarget(rule.parentStyleSheet), path = self.ruleIndex(rule);
        if (!to || path === null) return;
        data.source = SRC.STYLE_DECL; data.index = path;
        send(to, data);
      };
      wrapMethod(D, "setProperty", function (decl, args) {
        declared(decl, {set: {property: args[0], value: css(args[1], decl.parentRule && decl.parentRule.parentStyleSheet), priority: args[2] || ""}});
      });
      wrapMethod(D, "removeProperty", function (decl, args) {
        declared(decl, {remove: {property: args[0]}});
      });
    }
  };

  var WATCH = {childList: true, subtree: true, attributes: true, characterData: true,
               attributeOldValue: true, characterDataOldValue: true};
  /* Plugins, rrweb's interface: {name, observer(cb, win, options) -> stop, options}; each
   * payload becomes a Plugin event, its URLs scrubbed of the rules' query parameters. */
  R.startPlugins = function (plugins) {
    var self = this;
    (plugins || []).forEach(function (plugin) {
      try {
        var stop = plugin.observer(function (payload) {
          if (self.stopped) return;
          if (!self.started) {   // before the snapshot: sent after it, dated its own time (R.wrap)
            if (self.early.length < EARLY_MAX_EVENTS) self.early.push({plugin: plugin.name, payload: payload, timestamp: Date.now()});
            return;
          }
          self.flush();   // what the page did before it comes first
          self.sendPlugin(plugin.name, payload, Date.now());
        }, win, plugin.options || {});
        if (typeof stop === "function") self.undo.push(stop);
      } catch (e) { /* a plugin must not stop the recording */ }
    });
  };
  /* A plugin's payload of an earlier moment (an error the install snippet kept while
   * capture.js loaded), sent after the snapshot, dated its own time (R.wrap). */
  R.pastPlugin = function (name, payload, timestamp) {
    if (this.stopped) return;
    if (!this.started) {
      if (this.early.length < EARLY_MAX_EVENTS) this.early.push({plugin: name, payload: payload, timestamp: timestamp});
      return;
    }
    this.sendPlugin(name, payload, timestamp);
  };
  // a RUM payload's fields whose keys are the page's own data (strings.RUM_PAGE_DATA):
  // Datadog's custom attributes and feature flags - scrubbed as its strings are
  var RUM_PAGE_DATA = {context: 1, feature_flags: 1};
  R.sendPlugin = function (name, payload, timestamp) {
    var rum = name === RUM_PLUGIN;
    // a plugin of the page's own (rrweb's interface): its keys are its data too
    var ownKeys = !rum && name !== CONSOLE_PLUGIN && name !== NETWORK_PLUGIN;
    this.wrap({type: EV.PLUGIN, data: {plugin: name, payload: this.scrubAll(payload, 0, false, ownKeys, rum)}, timestamp: timestamp});
  };
  /* A plugin's payload, every string scrubbed but a kind field's word (KIND_FIELDS,
     KIND_VALUES); `keys`: its keys too (a page's data, strings._plugin_data_key). */
  R.scrubAll = function (v, depth, name, keys, rum) {
    if (depth > 20) return v;
    if (typeof v === "string") return name && KIND_VALUES[v] === 1 ? v : this.P.scrubFree(v);
    if (Array.isArray(v)) { var self = this; return v.map(function (x) { return self.scrubAll(x, depth + 1, name, keys, rum); }); }
    if (v && typeof v === "object") {
      var out = {};
      for (var k in v) {
        out[keys ? this.P.scrubFree(k) : k] = this.scrubAll(v[k], depth + 1, KIND_FIELDS[k] === 1,
                                                        keys || (rum && RUM_PAGE_DATA[k] === 1), rum);
      }
      return out;
    }
    return v;
  };
  R.start = function () {
    var self = this;
    // the RUM plugin's dead-click detection learns of DOM changes from this observer
    var rum = win.ReplayRum && win.ReplayRum.recorderWatchesDom ? win.ReplayRum : null;
    this.domActivity = rum ? rum.recorderWatchesDom(true) : null;
    if (rum) this.undo.push(function () { rum.recorderWatchesDom(false); });
    // the RUM plugin names a clicked element from its text: through our levels, so what
    // the snapshot masks is masked in the name too
    if (rum && rum.recorderMasksText) {
      var privacy = this.P;
      rum.recorderMasksText(function (el, memo) {
        var level = privacy.levelOf(el, memo);
        return level >= L.HIDDEN ? rum.TEXT_HIDDEN : level >= L.MASK ? rum.TEXT_MASKED : rum.TEXT_SHOWN;
      });
      this.undo.push(function () { rum.recorderMasksText(null); });
    }
    this.observer = new win.MutationObserver(function (records) {
      if (self.domActivity) self.domActivity();
      self.onRecords(records);
    });
    this.fullSnapshot();
    this.started = true;
    var early = this.early;
    this.early = [];
    early.forEach(function (e) { self.sendPlugin(e.plugin, e.payload, e.timestamp); });
    this.watch(doc);
    this.attachFrames();
    this.listen(win, "resize", this.guard(this.onResize), {passive: true});
    this.safely(this.hookValues);
    this.safely(this.hookCssom);
    this.safely(this.hookAdopted);
    this.safely(this.hookSheetsOff);
    this.safely(this.hookDocument, doc);
    this.safely(this.startCanvas);
    this.startLearning();
  };
  /* `fn` (a hook of the page's APIs) on its own: a page that froze what it wraps (Object.freeze
   * of Element.prototype, a hardened realm) is recorded without that one, not at all. */
  R.safely = function (fn, arg) {
    try { fn.call(this, arg); } catch (e) { /* frozen: recorded without it */ }
  };
  R.guard = function (fn) {
    var self = this;
    return function (e) { try { fn.call(self, e); } catch (x) { /* never break the page */ } };
  };
  /* Observe a document (the page's or a frame's); listen to it. (Its open shadow roots are
   * watched as they are serialized: watchShadow.) */
  R.watch = function (d) {
    var self = this;
    // the frequent ones guard themselves: bound, with no wrapper's frame per event
    var move = this.onMove.bind(this), interaction = this.onInteraction.bind(this);
    this.observer.observe(d, WATCH);
    this.listen(d, "mousemove", move);
    this.listen(d, "touchmove", move);
    Object.keys(MOUSE).forEach(function (t) { self.listen(d, t, interaction); });
    this.listen(d, "input", this.guard(this.onInput));
    this.listenUncomposed(d);
  };
  /* The events that do not leave a shadow root (not composed), listened to on a document and
   * on each open shadow root; the others (moves, clicks, input) reach the document. */
  R.listenUncomposed = function (target) {
    var self = this, on = function (fn) { return self.guard(fn); };
    if (target.nodeType === 11) {
      // a shadow root: only the events that began in its own tree (a node of the page slotted
      // into it has the root on its path too, and the document's listener takes its events)
      on = function (fn) {
        return self.guard(function (e) {
          var path = e.composedPath(), origin = path.length ? path[0] : e.target;
          if (origin.getRootNode && origin.getRootNode() === target) fn.call(self, e);
        });
      };
    }
    this.listen(target, "scroll", on(this.onScroll));
    this.listen(target, "change", on(this.onInput));
    this.listen(target, "submit", on(function (e) { this.onFormSent(e.target, e.submitter || null); }));
    ["play", "pause", "seeked", "volumechange", "ratechange"].forEach(function (t) { self.listen(target, t, on(self.onMedia)); });
    this.listen(target, "toggle", on(this.onToggle));
  };
  /* An open shadow root of a recorded host, as rrweb's recorder watches one: its changes
   * observed and its own events listened to, once - whenever its host is serialized (in the
   * page's snapshot, or added later: a web component rendered after load) or given it. */
  R.watchShadow = function (root) {
    if (this.shadowsWatched.has(root)) return;
    this.shadowsWatched.add(root);
    this.observer.observe(root, WATCH);
    this.listenUncomposed(root);
  };
  /* Every shadow root attached in a realm (the page's from record() on, a frame's once its
   * document is seen), through record mode's shadow keeper where it runs (assets/browser-
   * recorder/shadow-keeper.js: from each document's creation, so it holds the closed roots a
   * frame's own scripts made before we saw the frame), else our own wrapper; none where
   * attachShadow cannot be wrapped (a frozen Element.prototype). */
  R.hookShadows = function (w) {
    var self = this, E = w && w.Element && w.Element.prototype, orig = E && E.attachShadow;
    if (!orig || this.shadowRealms.has(E)) return;
    this.shadowRealms.add(E);
    var keeper = w.__replayShadowKeeper || (win.__replayShadowKeeper && win.__replayShadowKeeper.of(w));
    if (keeper) {   // (stopped, the recorder is let go: the keeper holds the page's roots again)
      var heard = function (root) { self.shadowAttached(root); };
      keeper.take(heard);
      this.undo.push(function () { keeper.leave(heard); });
      return;
    }
    E.attachShadow = function () {
      var root = orig.apply(this, arguments);
      try { self.shadowAttached(root); } catch (e) { /* never break the page */ }
      return root;
    };
    this.undo.push(function () { E.attachShadow = orig; });
  };
  /* A shadow root attached: after its host was recorded, the host is sent again, whole; a
   * closed one is listened to for the values typed in it (R.learnRoot; before the start, it
   * waits for it). */
  R.shadowAttached = function (root) {
    if (this.stopped) return;
    if (!this.started) { if (root.mode === "closed") this.closedEarly.push(root); return; }
    var host = root.host;
    if (host && this.ids.has(host)) { this.watchShadow(root); this.reshadow.add(host); this.onRecords([]); }
    if (root.mode === "closed") this.learnRoot(root);
  };
  // ---- selection, canvas, fonts, adopted stylesheets (rrweb's sources 14, 9, 10, 15) ---------
  /* The page's and each recorded frame's own APIs, wrapped once a document is in the recording
   * (a frame's scripts that ran before its document was attached are not seen): its canvas
   * contexts (recordCanvas) and FontFace, once per window; its font set and selection. */
  R.hookDocument = function (d) {
    // by the realm, not the window: a frame that goes to another page keeps its window
    // object, whose prototypes are new (those of its new document's realm)
    var w = d.defaultView, realm = w && w.Object;
    if (realm && !this.hookedWindows.has(realm)) {
      this.hookedWindows.add(realm);
      this.hookFormSubmit(w);
      this.hookCanvas(w);
      this.hookFontFace(w);
    }
    this.hookFontSet(d);
    this.watchSelection(d);
  };
  /* Selection (14): the ranges' ends as node ids and offsets, as rrweb's selection observer
   * sends them; never the selected text. Offsets in masked text are safe: masking keeps
   * every character's place. A range with an end under a hidden element is not sent. Each
   * document (the page's, a recorded frame's) has its own selection, sent with its nodes' ids. */
  R.watchSelection = function (d) {
    var self = this, timer = null;
    this.selectionCollapsed.set(d, true);
    this.listen(d, "selectionchange", this.guard(function () {
      if (timer === null) timer = setTimeout(function () { timer = null; self.sendSelection(d); }, SELECTION_MS);
    }));
    this.undo.push(function () { if (timer !== null) clearTimeout(timer); });
    this.sendSelection(d);
  };
  R.sendSelection = function (d) {
    var sel = d.getSelection ? d.getSelection() : null;
    if (this.stopped || !sel || (this.selectionCollapsed.get(d) && sel.isCollapsed)) return;
    this.selectionCollapsed.set(d, sel.isCollapsed);
    this.flush();   // the nodes it selects are in the recording first
    var ranges = [];
    for (var i = 0; i < sel.rangeCount; i++) {
      var r = sel.getRangeAt(i), start = this.getId(r.startContainer), end = this.getId(r.endContainer);
      if (start < 0 || end < 0 || this.hidden.has(start) || this.hidden.has(end)) continue;
      ranges.push({start: start, startOffset: r.startOffset, end: end, endOffset: r.endOffset});
    }
    this.inc({source: SRC.SELECTION, ranges: ranges});
  };

  /* Canvas (9), opt-in (`recordCanvas: true`): a canvas's picture as rrweb's canvas FPS
   * sampling sends it, whatever its context (2D, WebGL, WebGL 2) - a PNG drawn over the whole
   * canvas (clearRect + drawImage of an ImageBitmap from its bytes, as 2D commands) - at most
   * `canvasFps` times a second, and only for a canvas whose context drew since (its drawing
   * methods mark it) and whose picture changed. The picture at serialization is its
   * `rr_dataURL`. A canvas at `mask` or `hidden` is never read: drawing can paint text.
   * A WebGL drawing buffer is cleared once the browser has composited it, so a later read
   * finds it blank: as rrweb's FPS sampling does, a WebGL context is made with
   * `preserveDrawingBuffer: true` (R.hookGetContext), and only a context whose buffer is
   * preserved is read (one made before capture.js started, or before its frame was
   * attached, is not recorded unless the page asked for that itself). */
  var CANVAS_PAINTS = ["fillRect", "strokeRect", "clearRect", "fill", "stroke", "fillText",
                       "strokeText", "drawImage", "putImageData", "reset", "drawFocusIfNeeded"];
  // what draws into a WebGL drawing buffer (a call through an extension such as
  // ANGLE_instanced_arrays marks nothing: a frame's clear or plain draw does)
  var WEBGL_DRAWS = ["clear", "drawArrays", "drawElements", "drawArraysInstanced",
                     "drawElementsInstanced", "drawRangeElements", "clearBufferfv", "clearBufferiv",
                     "clearBufferuiv", "clearBufferfi", "blitFramebuffer"];
  var WEBGL_TYPES = {"webgl": 1, "webgl2": 1, "experimental-webgl": 1};
  R.canvasAllowed = function (el, level) {
    var id = this.getId(el);
    if (id < 0 || this.hidden.has(id)) return false;
    return (level === undefined ? this.P.levelOf(el, null) : level) < L.MASK;
  };
  /* The bitmap as a data: URL, or null when blank or unreadable (a tainted canvas). */
  R.canvasBitmap = function (el) {
    try {
      if (!el.width || !el.height) return null;
      var url = el.toDataURL(), key = el.width + "x" + el.height;
      var blank = this.blankCanvas.get(key);
      if (blank === undefined) {
        var b = doc.createElement("canvas");
        b.width = el.width; b.height = el.height;
        this.blankCanvas.set(key, blank = b.toDataURL());
      }
      return url === blank ? null : url;
    } catch (e) { return null; }
  };
  /* For R.attributes: a serialized canvas carries its bitmap (rrweb's rr_dataURL). */
  R.canvasSnapshot = function (el, attrs, level) {
    if (!this.canvasFps || level >= L.MASK) return;
    var url = this.canvasBitmap(el);
    this.canvasSent.set(el, url);
    if (url) attrs.rr_dataURL = url;
  };
  R.startCanvas = function () {
    if (!this.canvasFps) return;
    var timer = setInterval(this.guard(this.sampleCanvases), 1000 / this.canvasFps);
    this.undo.push(function () { clearInterval(timer); });
  };
  /* A window's drawing methods mark their canvas (only with recordCanvas on). */
  R.hookCanvas = function (w) {
    if (!this.canvasFps) return;
    var self = this;
    function marks(proto, names, readable) {
      if (!proto) return;
      names.forEach(function (name) {
        var orig = proto[name];
        if (typeof orig !== "function") return;
        proto[name] = function () {
          var out = orig.apply(this, arguments), c = this.canvas;
          try {
            if (!self.stopped && c && c.nodeType === 1 && readable(this)) self.canvasDirty.add(c);
          } catch (e) { /* never break the page */ }
          return out;
        };
        self.undo.push(function () { proto[name] = orig; });
      });
    }
    var C2D = w.CanvasRenderingContext2D, GL = w.WebGLRenderingContext, GL2 = w.WebGL2RenderingContext;
    var always = function () { return true; }, kept = function (ctx) { return self.glReadable(ctx); };
    marks(C2D && C2D.prototype, CANVAS_PAINTS, always);
    marks(GL && GL.prototype, WEBGL_DRAWS, kept);
    marks(GL2 && GL2.prototype, WEBGL_DRAWS, kept);
    if (GL || GL2) this.hookGetContext(w);
  };
  /* Is this WebGL context's drawing buffer preserved (readable after it was shown)? */
  R.glReadable = function (ctx) {
    var kept = this.glKept.get(ctx);
    if (kept === undefined) {
      var a = ctx.getContextAttributes();   // null while the context is lost
      if (!a) return false;
      this.glKept.set(ctx, kept = !!a.preserveDrawingBuffer);
    }
    return kept;
  };
  /* getContext("webgl" | "webgl2") with `preserveDrawingBuffer: true` (the page's other
   * attributes kept; its object is not changed), unless the canvas is in the recording at
   * `mask` or `hidden`, which is never read. The cost is the page's (README, "What WebGL
   * capture costs"): the browser copies the buffer for the compositor each frame instead of
   * handing it over, and keeps it (a page that never clears would draw over its last frame;
   * rrweb's sampling does the same). */
  R.hookGetContext = function (w) {
    var self = this, H = w.HTMLCanvasElement && w.HTMLCanvasElement.prototype, orig = H && H.getContext;
    if (typeof orig !== "function") return;
    H.getContext = function (type, attrs) {
      var args = arguments;
      try {
        if (!self.stopped && typeof type === "string" && WEBGL_TYPES[type] === 1 &&
            (self.getId(this) < 0 || self.canvasAllowed(this))) {
          var own = {};
          if (attrs && typeof attrs === "object") for (var k in attrs) own[k] = attrs[k];
          own.preserveDrawingBuffer = true;
          args = [type, own];
        }
      } catch (e) { args = arguments; }
      return orig.apply(this, args);
    };
    this.undo.push(function () { H.getContext = orig; });
  };
  R.sampleCanvases = function () {
    if (!this.canvasDirty.size) return;
    var self = this, dirty = this.canvasDirty;
    this.canvasDirty = new Set();
    this.flush();   // a canvas added in this frame is in the recording first
    dirty.forEach(function (el) {
      if (!self.canvasAllowed(el)) return;
      var url = self.canvasBitmap(el);
      if (url === (self.canvasSent.get(el) || null)) return;
      self.canvasSent.set(el, url);
      var cmds = [{property: "clearRect", args: [0, 0, el.width, el.height]}];
      if (url) {
        var comma = url.indexOf(",");
        cmds.push({property: "drawImage", args: [{rr_type: "ImageBitmap", args: [{rr_type: "Blob",
          data: [{rr_type: "ArrayBuffer", base64: url.slice(comma + 1)}], type: url.slice(5, url.indexOf(";"))}]}, 0, 0]});
      }
      self.inc({source: SRC.CANVAS, id: self.getId(el), type: CANVAS_2D, commands: cmds});
    });
  };

  /* Fonts (10): a FontFace the page constructs and adds to document.fonts, as rrweb's
   * collectFonts sends it: {family, fontSource, buffer, descriptors}; a URL source with its
   * URLs absolute and scrubbed, bytes as rrweb encodes them (a JSON list), up to
   * FONT_MAX_BYTES (larger faces are left out: one event must stay under the intake's 1 MB).
   * A font is the page's, not an element's: it is sent unless the whole page is `hidden`.
   * A recorded frame's faces (added to its own document.fonts) go as the same event: rrweb's
   * names no document. */
  R.hookFontFace = function (w) {
    var self = this, Orig = w.FontFace, made = this.fontsMade;
    if (typeof Orig !== "function" || this.P.defaultLevel === L.HIDDEN) return;
    var Face = function FontFace(family, source, descriptors) {
      var face = arguments.length > 2 ? new Orig(family, source, descriptors) : new Orig(family, source);
      try { made.set(face, self.fontData(family, source, descriptors)); } catch (e) { /* never break the page */ }
      return face;
    };
    Face.prototype = Orig.prototype;
    w.FontFace = Face;
    this.undo.push(function () { w.FontFace = Orig; });
  };
  /* A document's font set (the page's, a frame's) sends a face made by FontFace when added. */
  R.hookFontSet = function (d) {
    var self = this, set = d.fonts, made = this.fontsMade;
    if (!set || typeof set.add !== "function" || this.P.defaultLevel === L.HIDDEN) return;
    var add = set.add, hadOwn = Object.prototype.hasOwnProperty.call(set, "add");
    set.add = function (face) {
      var out = add.apply(this, arguments), data = made.get(face);
      if (data && !self.stopped) {
        made.delete(face);
        self.flush();
        data.source = SRC.FONT;
        self.inc(data);
      }
      return out;
    };
    this.undo.push(function () { if (hadOwn) set.add = add; else delete set.add; });
  };
  R.fontData = function (family, source, descriptors) {
    var data = {family: String(family), fontSource: null, buffer: typeof source !== "string", descriptors: {}};
    if (typeof source === "string") {
      data.fontSource = source.replace(/url\(\s*(["']?)([^"')]+)\1\s*\)/gi, function (all, q, u) {
        return "url(" + q + absolute(u.trim()) + q + ")";
      });
      if (this.P.scrub) data.fontSource = this.P.scrub(data.fontSource);
    } else {
      var bytes = source instanceof ArrayBuffer ? new Uint8Array(source) :
        new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
      if (bytes.length > FONT_MAX_BYTES) return null;
      data.fontSource = JSON.stringify(Array.prototype.slice.call(bytes));
    }
    for (var k in descriptors || {}) {
      var v = descriptors[k];
      if (typeof v === "string" || typeof v === "number") data.descriptors[k] = String(v);
    }
    return data;
  };

  /* Adopted stylesheets (15): constructed sheets get a styleId (rrweb's style mirror); a
   * document's or open shadow root's adoptedStyleSheets are sent as {id: the document or the
   * shadow host, styleIds, styles: [{styleId, rules: [{rule, index}]}] for sheets not sent
   * before}, after the FullSnapshot or the mutation that added the host, and whenever the
   * property is set or the list edited in place (push, splice...; R.hookAdoptedList). CSSOM
   * edits of a constructed sheet carry its styleId (R.sheetTarget). */
  R.sheetTarget = function (sheet) {
    while (sheet && sheet.parentStyleSheet) sheet = sheet.parentStyleSheet;
    if (!sheet) return null;
    if (sheet.ownerNode) { var id = this.getId(sheet.ownerNode); return id < 0 ? null : {id: id}; }
    var styleId = this.styleIds.get(sheet);
    return styleId === undefined ? null : {styleId: styleId};
  };
  /* For R.serialize: a document or shadow host whose adopted sheets go out after it. */
  R.queueAdopted = function (n) {
    var root = n.nodeType === 9 ? n : n.shadowRoot;
    if (!root || !root.adoptedStyleSheets) return;
    this.hookAdoptedList(root);
    if (root.adoptedStyleSheets.length) this.adoptQueue.push(n);
  };
  /* The list edited in place (MDN's way: `document.adoptedStyleSheets.push(sheet)`): the
   * browser keeps one list object per document or shadow root, so its mutating methods are
   * wrapped on it. (An assignment to an index or to `length` is still not seen.) */
  var LIST_EDITS = ["push", "pop", "shift", "unshift", "splice"];
  R.hookAdoptedList = function (root) {
    var self = this, list = root.adoptedStyleSheets;
    if (!list || this.adoptedLists.has(list)) return;
    this.adoptedLists.add(list);
    LIST_EDITS.forEach(function (name) {
      try {
        Object.defineProperty(list, name, {configurable: true, writable: true, value: function () {
          var out = Array.prototype[name].apply(this, arguments);
          self.adoptedChanged(root);
          return out;
        }});
      } catch (e) { /* a frozen list (older browsers): only assignment changes it */ }
    });
    this.undo.push(function () { LIST_EDITS.forEach(function (name) { delete list[name]; }); });
  };
  R.adoptedChanged = function (root) {
    if (this.stopped) return;
    try {
      var host = root.nodeType === 9 ? root : root.host;
      if (!this.ids.has(host) || (root.nodeType === 11 && this.reshadow.has(host))) return;
      this.flush();   // pending mutations first (a shadow root's host re-sent whole)
      this.sendAdopted(root, this.getId(host));
    } catch (e) { /* never break the page */ }
  };
  R.sendAdoptQueue = function () {
    var queue = this.adoptQueue;
    this.adoptQueue = [];
    for (var i = 0; i < queue.length; i++) {
      var n = queue[i];
      this.sendAdopted(n.nodeType === 9 ? n : n.shadowRoot, this.getId(n));
    }
  };
  R.sendAdopted = function (root, hostId) {
    // a hidden host (or a document whose <html> is hidden) shows nothing its sheets could style
    if (hostId < 0 || this.hidden.has(hostId)) return;
    if (root.nodeType === 9 && root.documentElement && this.hidden.has(this.getId(root.documentElement))) return;
    var sheets = root.adoptedStyleSheets || [], data = {source: SRC.ADOPTED, id: hostId, styleIds: []};
    var styles = [];
    for (var i = 0; i < sheets.length; i++) {
      var styleId = this.styleIds.get(sheets[i]);
      if (styleId === undefined) {
        this.styleIds.set(sheets[i], styleId = this.nextStyleId++);
        var rules = [];
        try {
          for (var j = 0; j < sheets[i].cssRules.length; j++) {
            var text = absoluteCss(sheets[i].cssRules[j].cssText, sheetBase(sheets[i]));
            rules.push({rule: this.P.scrub ? this.P.scrubCss(text) : text, index: j});
          }
        } catch (e) { /* unreadable: adopted empty */ }
        styles.push({styleId: styleId, rules: rules});
      }
      data.styleIds.push(styleId);
    }
    if (styles.length) data.styles = styles;
    this.inc(data);
  };
  /* A sheet switched on or off by script: `sheet.disabled`, a <style>'s or <link>'s `disabled`
   * (a link's is its attribute too: the mutation says it then, R.sheetSwitched finds nothing
   * new). Its element's state goes as `rr_sheet_disabled` (sheetOff). */
  R.hookSheetsOff = function () {
    var self = this;
    [[win.StyleSheet, "disabled"], [win.HTMLStyleElement, "disabled"],
     [win.HTMLLinkElement, "disabled"]].forEach(function (pair) {
      if (!pair[0]) return;
      self.hook(pair[0].prototype, pair[1], function (desc) {
        if (!desc.set) return desc;
        return {configurable: true, enumerable: desc.enumerable, get: desc.get, set: function (v) {
          desc.set.call(this, v);
          if (self.stopped) return;
          try { self.sheetSwitched(this.nodeType === 1 ? this : this.ownerNode); } catch (e) { /* never break the page */ }
        }};
      });
    });
  };
  /* A <link>'s or <style>'s sheet recorded on or off (`off`). */
  R.sheetRecorded = function (el, off) {
    this.sheetsOff.set(el, off);
    if (off) this.someSheetOff = true;
  };
  R.sheetSwitched = function (el) {
    if (!el || el.nodeType !== 1 || !this.ids.has(el)) return;
    this.flush();   // what the page changed before (a link's `disabled` attribute: the same news)
    var id = this.ids.get(el), off = sheetOff(el);
    if (this.hidden.has(id) || off === (this.sheetsOff.get(el) || false)) return;
    this.sheetRecorded(el, off);
    this.inc({source: SRC.MUTATION, texts: [], removes: [], adds: [],
              attributes: [{id: id, attributes: {rr_sheet_disabled: off ? true : null}}]});
  };
  R.hookAdopted = function () {
    var self = this;
    [win.Document, win.ShadowRoot].forEach(function (C) {
      if (!C || !Object.getOwnPropertyDescriptor(C.prototype, "adoptedStyleSheets")) return;
      self.hook(C.prototype, "adoptedStyleSheets", function (desc) {
        return {configurable: true, enumerable: desc.enumerable, get: desc.get, set: function (v) {
          desc.set.call(this, v);
          self.adoptedChanged(this);
        }};
      });
    });
  };

  R.stop = function () {
    this.flush();
    this.sendMoves();
    this.stopped = true;
    if (this.observer) this.observer.disconnect();
    this.sizers.forEach(function (ro) { ro.disconnect(); });
    this.sizers.clear();
    this.boxes.clear();
    this.scrollTimers.forEach(function (t) { clearTimeout(t); });
    // each on its own: a frame gone to another origin refuses to have its hooks taken back
    // (its window is another page's now), and the rest must still be
    while (this.undo.length) { try { this.undo.pop()(); } catch (e) { /* that page's now */ } }
  };

  // ---- console, as rrweb's console plugin records it (rrweb/console@1) ----------------------------
  var CONSOLE_LEVELS = ["debug", "info", "log", "warn", "error", "assert", "trace", "table",
                        "dir", "count", "group", "groupCollapsed", "groupEnd", "time", "timeEnd"];
  var ARG_MAX_CHARS = 1000;      // each argument, encoded, is cut to this
  var ARGS_MAX = 20;

  /* One console argument as JSON text: errors with their stack, DOM nodes by tag, cycles cut. */
  function encodeArg(a) {
    var text;
    try {
      if (a instanceof Error) {   // V8's stack starts with its "Name: message" line already
        var head = a.name + ": " + a.message, stack = a.stack ? String(a.stack) : "";
        text = JSON.stringify(stack.indexOf(head) === 0 ? stack : head + (stack ? "\n" + stack : ""));
      }
      else if (a && a.nodeType) text = JSON.stringify("<" + (a.nodeName || "node").toLowerCase() + ">");
      else if (typeof a === "function") text = JSON.stringify("function " + (a.name || "anonymous"));
      else if (typeof a === "undefined") text = "undefined";
      else {
        var seen = [];
        text = JSON.stringify(a, function (k, v) {
          if (v && typeof v === "object") {
            if (seen.indexOf(v) >= 0) return "[Circular]";
            seen.push(v);
            if (v.nodeType) return "<" + (v.nodeName || "node").toLowerCase() + ">";
          }
          return typeof v === "bigint" ? String(v) : v;
        });
        if (text === undefined) text = JSON.stringify(String(a));
      }
    } catch (e) { text = JSON.stringify(String(a)); }
    return text.length > ARG_MAX_CHARS ? text.slice(0, ARG_MAX_CHARS) + "..." : text;
  }
  /* The stack of the page's console call, as rrweb's console plugin records it: without our
   * own frames - this function and the console wrapper that called it (OWN_FRAMES), found by
   * their place, not by a file name (the script may be served or bundled under any name).
   * V8 starts a stack with a line naming the error ("Error"), which no frame line is: a
   * frame is "at f (url:line:col)" in V8, "f@url:line:col" in SpiderMonkey and JSC. */
  var OWN_FRAMES = 2, STACK_MAX_FRAMES = 10;
  function stackFrames() {
    var lines = ((new Error()).stack || "").split("\n");
    if (lines.length && !/^\s*at\s|@/.test(lines[0])) lines.shift();   // V8's header line
    return lines.slice(OWN_FRAMES).map(function (l) { return l.trim().replace(/^at /, ""); })
      .filter(function (l) { return l; }).slice(0, STACK_MAX_FRAMES);
  }
  /* An uncaught error's console line, as rrweb's console plugin writes it. */
  function errorLine(ev) {
    var err = ev.error;
    return {level: "error", trace: err && err.stack ? String(err.stack).split("\n").slice(1).map(function (l) { return l.trim().replace(/^at /, ""); }) : [],
            payload: [JSON.stringify((err && err.stack) || ev.message || "Script error")]};
  }
  var consolePlugin = {name: "rrweb/console@1", options: {}, observer: function (cb) {
    var c = win.console, originals = {}, wrappers = {}, busy = false;
    CONSOLE_LEVELS.forEach(function (level) {
      if (!c || typeof c[level] !== "function") return;
      // the install snippet's keeper (recorder.paths.EARLY_KEEPER) put back: its lines are
      // ours from now on, and the page's DevTools names no snippet line as their source
      // (each of them: record mode runs the keeper in a page that has the snippet too)
      while (typeof c[level].replayEarly === "function") c[level] = c[level].replayEarly;
      var orig = originals[level] = c[level];
      c[level] = wrappers[level] = function () {
        if (!busy) {   // what we do inside must not be recorded again
          busy = true;
          try {
            var args = Array.prototype.slice.call(arguments, 0, ARGS_MAX);
            if (level === "assert") { if (args[0]) { busy = false; return orig.apply(this, arguments); } args = args.slice(1); }
            cb({level: level, trace: stackFrames(), payload: args.map(encodeArg)});
          } catch (e) { /* never break the page */ }
          busy = false;
        }
        return orig.apply(this, arguments);
      };
    });
    // uncaught errors, as rrweb's plugin reports them (the RUM plugin reports them too;
    // recorder/semantics.py makes them one error)
    var onError = function (ev) {
      if (ev.target && ev.target !== win) return;
      cb(errorLine(ev));
    };
    win.addEventListener("error", onError);
    return function () {
      // (a method another script wrapped since is left as it is: its wrapper calls ours,
      // which calls the original - only ours is taken out of the way)
      for (var level in originals) if (c[level] === wrappers[level]) c[level] = originals[level];
      win.removeEventListener("error", onError);
    };
  }};
  /* What start() and the recording browser record beside the DOM: console, and RUM when the
   * RUM plugin was loaded before us (recorder.paths.capture_script). */
  function defaultPlugins() {
    var out = [consolePlugin];
    if (win.ReplayRum) out.push(win.ReplayRum.getRecordPlugin());
    return out;
  }

  // ---- public API -------------------------------------------------------------------------------
  var current = null;
  function record(opts) {
    if (current) current.stop();
    opts = opts || {};
    if (opts.plugins === undefined) opts.plugins = defaultPlugins();
    var rec = current = new Recorder(opts);
    rec.startPlugins(rec.plugins);
    // what the page did before: the install snippet's lines, record mode's (pastErrors)
    pastErrors(win[EARLY_ERRORS]);
    rec.safely(rec.hookShadows, win);   // closed roots the page's scripts make from now on
    // the digests of the values typed on the visit's earlier pages (start()), read as the
    // snapshot is taken: the page before may write them as it goes, after this one began
    var go = function () {
      if (rec.stopped) return;
      if (opts.handedEchoes) rec.P.echoes.carry(opts.handedEchoes());
      rec.start();
    };
    if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", go, {once: true});
    else go();
    return function () { rec.stop(); if (current === rec) current = null; };
  }
  record.mirror = {getId: function (n) { return current ? current.getId(n) : -1; }};
  record.flush = function () { if (current) current.flush(); };
  /* The live value of a form control as this recording records it (for comparisons). */
  record.recordedValue = function (el) {
    var d = current ? current.inputData(el) : null;
    return d ? d.text : null;
  };

  // ---- transport to the intake (DESIGN.md's wire protocol) -------------------------------------
  /* Sessions follow the product's limits: at most 4 hours, ended by 15 minutes without
   * activity; the id lives in first-party storage so the pages of one visit share it - the
   * tab's (sessionStorage): a session is one tab's pages, one after the other, so that it
   * plays as one page at a time. Two tabs sharing one (localStorage, as before) interleaved
   * their pages' events, and the player drew one tab's changes on the other's page. (A tab
   * opened with a copy of another's storage - Duplicate tab, window.open with an opener -
   * shares its session still: telling it from the same tab's next page raced with the old
   * page's pagehide, which Chromium may run after the next page has begun.) */
  var SESSION_KEY = "replay_capture_session";
  var SESSION_MAX_MS = 4 * 3600 * 1000, SESSION_IDLE_MS = 15 * 60 * 1000;
  var FLUSH_MS = 5000;             // a batch every few seconds...
  var BATCH_EVENTS = 500;          // ... or sooner when this many are waiting
  /* A quiet page sends less often: a queue without a full snapshot and with fewer than
   * BUSY_EVENTS events waits QUIET_FACTOR times the flush period (each request has a fixed
   * main-thread cost, and costs a few hundred bytes: its envelope, and compression starting again
   * with an empty dictionary - a demo-shop visit's events sent as one request are ~15%
   * smaller than as three; pagehide still sends the rest by beacon). A new page's snapshot
   * goes at the page's first idle moment after its load (S.prepare: what a live viewer sees
   * first), or within the flush period if it comes later; a page with a person
   * on it (a few events a second) is followed live with up to QUIET_FACTOR flush periods of
   * delay. */
  var BUSY_EVENTS = 150, QUIET_FACTOR = 3;
  /* A problem - an error, a console error, a frustrated click - goes within PROBLEM_MS, with
   * what follows it in that time: a visit that ends without a pagehide (a browser closed by
   * its driver, a crash, a mobile tab killed) kept a quiet page's error in the page for up to
   * three flush periods and lost it (a support engineer's tryout: the customer's TypeError
   * and rage click were in no session), and a live viewer saw it that late. */
  var PROBLEM_MS = 1000;
  var WORKER_IDLE_MAX_MS = 2000;   // the transport's Worker is made (and the snapshot sent) by then after the load
  /* A body is compressed when it is at least ZIP_MIN_CHARS long, and sent compressed when that
   * saves more than the Content-Encoding header costs (a few hundred characters of events
   * already compress to about half). HTTP's `deflate` (zlib: a 2-byte header and a 4-byte
   * checksum), not gzip (10 and 8): the same compressed data, 12 bytes less a request. */
  var ZIP_MIN_CHARS = 200, ZIP_HEADER_BYTES = 27, ZIP_FORMAT = "deflate";
  /* A preset dictionary for the bodies (zlib's FDICT): the intake makes one per application,
   * once turned on for it, of the site's public pages as anyone is served them
   * (recorder/intake/dictionary.py) and serves it at GET /v1/dictionary (200: its bytes, at
   * most DICT_MAX_BYTES; 204: none). CompressionStream takes none, so the worker compresses
   * with our own deflate (zlibDeflate: slower than the browser's, hence not on the page's
   * thread - the main-thread fallback goes without, and so do beacons: S.beaconBody). The
   * worker fetches it once, as it is made; a batch ready before the answer waits at most
   * DICT_WAIT_MS, then goes without. Its id is its Adler-32 (the stream's DICTID); an intake
   * that no longer has it answers 409 DICT_UNKNOWN, and the batch goes again at once without
   * it, as the page's next ones do. */
  var DICT_MAX_BYTES = 32768, DICT_WAIT_MS = 3000, DICT_UNKNOWN = "unknown_dictionary";
  var QUEUE_MAX_EVENTS = 20000;    // the retry queue's bound: the oldest go first beyond it
  var BEACON_MAX_BYTES = 60000;    // sendBeacon's budget is 64 KB per page: a body as sent (compressed)
  /* A beacon's body is compressed on the page's thread, synchronously (pagehide cannot wait for
   * CompressionStream, nor for the worker), with zlibDeflate - never against the shared
   * dictionary (S.beaconBody says why) - when that pays (as a request's: ZIP_HEADER_BYTES), and the URL says so
   * (&encoding=deflate: sendBeacon sets no header). A body of more than BEACON_ZIP_MAX_CHARS
   * goes as it is: on the page's thread zlibDeflate runs cold (the worker's compiled copy is
   * another isolate's), and a leaving page's handler should stay short - measured in Debian's
   * chromium (a shared 2-core machine), its first call costs ~8-15 ms for 10-20 KB of a shop
   * visit's batch text, ~20-30 ms for 60 KB (warm: 1 and 2.5 ms); the cap keeps the largest
   * near a typical one's cost. A beacon gathers events up to that many characters of body
   * (reckoned as S.wait does; never fewer than an uncompressed beacon carried), and a body over
   * it goes as it is, in one beacon while it fits the budget: beacons are not answered in
   * order, and one more is one more that may reach the intake before the one it follows. */
  var BEACON_ZIP_MAX_CHARS = 32000, BEACON_ENCODING = "&encoding=" + ZIP_FORMAT;
  var COMPACT_SHARE_MIN = 0.2, COMPACT_SHARE_MARGIN = 1.25, COMPACT_SHARE_FROM = 4000;
  /* A queue holding more than a beacon can carry goes at once (by a fetch of its own, without
   * keepalive when its body is over the budget): a page changed in bulk (a report of a
   * thousand rows, a font's bytes) in a visit's last seconds is then sent while the page is
   * alive, not left to a beacon the browser refuses. The queue's size is its events' JSON
   * length (eventSize: a small kind of event is reckoned, not measured; a full snapshot is
   * sent within a flush period anyway, and measured only for a beacon), times how much of that
   * the page's last batches took in the compact encoding a beacon carries (COMPACT_SHARE_*:
   * learnt from each batch sent, about a third for mutations; all of it until one is), with a
   * margin: a busy page does not send four times as often as it need. */
  var SMALL_SOURCES = {2: 1, 3: 1, 4: 1, 7: 1, 14: 1}, SMALL_EVENT_BYTES = 200;
  var MOVE_SOURCES = {1: 1, 6: 1}, MOVE_POSITION_BYTES = 60;
  var eventSizes = typeof WeakMap === "function" ? new WeakMap() : null;
  function eventSize(e) {
    var n = eventSizes && eventSizes.get(e), d = e && e.data;
    if (n !== undefined && n !== null) return n;
    if (e && e.type === EV.INC && d && SMALL_SOURCES[d.source]) return SMALL_EVENT_BYTES;
    if (e && e.type === EV.INC && d && MOVE_SOURCES[d.source] && d.positions) return SMALL_EVENT_BYTES + MOVE_POSITION_BYTES * d.positions.length;
    try { n = JSON.stringify(e).length; } catch (x) { n = SMALL_EVENT_BYTES; }
    if (eventSizes && e && typeof e === "object") eventSizes.set(e, n);
    return n;
  }
  function queuedSize(e) { return e && e.type === EV.FULL ? 0 : eventSize(e); }
  var RETRY_MS = 1000, RETRY_MAX_MS = 30000;
  var COMPACT = "compact@6";       // the batch encoding (recorder/intake/compact.py)
  /* The browser's user agent, which every request of ours carries in its header (compact@5);
   * read where the batch is encoded (the page, or the transport's Worker: the same browser's). */
  function ownUserAgent() {
    return typeof navigator !== "undefined" && typeof navigator.userAgent === "string" ? navigator.userAgent : null;
  }
  var OWN_UA = ownUserAgent();
  var BODY_REQUIRED = 4;           // compact@4's array body: encoding, session_id, batch_id, events
  var TOUCH_MS = 60000;            // the session's activity time, written at most this often
  /* Long texts (a stylesheet inlined on every page of a visit) go whole once per session, then
   * by their digest (recorder/intake/compact.py: TEXT_MIN_CHARS, text_digest): named only once
   * the intake answered 202 for a batch that held them, and never in a beacon (which gets no
   * answer). The intake keeps as many per session as capture.js remembers (MAX_SESSION_TEXTS).
   * A stylesheet read from a <link rel=stylesheet> with an http(s) URL is a public resource
   * (any visitor can fetch it): it goes marked `public`, the intake keeps it for the whole
   * application (recorder/intake/live.py says why that is safe, and for which texts only),
   * and it is named by digest from a session's first page on - a guess, as a new visitor's
   * page cannot know what the intake has: a 409 unknown_text sends the batch again with its
   * texts whole, and that page guesses no more. `start({publicTexts: false})` keeps every
   * text per session (a site whose linked stylesheets differ from visitor to visitor). */
  var TEXT_REF_MIN_CHARS = 1024, TEXTS_KEPT = 64, DIGEST_HEX_BYTES = 16;
  var FORM_FIELDS_KEPT = 200;      // the names of masked GET-form fields a session keeps
  var ECHO_KEEP_MS = 200;          // a typed value's digest kept for the next page this long after

  function randomId() {
    var a = new Uint8Array(16);
    (win.crypto || {getRandomValues: function (x) { for (var i = 0; i < x.length; i++) x[i] = Math.random() * 256; return x; }}).getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  // the tab's own storage (sessionStorage): the session, its unsent batches, its last batch id
  function tabStorage() { try { return win.sessionStorage; } catch (e) { return null; } }
  // the sessions this page began (sessionId), while it has stored no batch of theirs unsent
  // (writeUnsent): no page left one for them, so their first page (a visit of one page, most
  // often) reads nothing an earlier page left (the unsent batches, the last batch id)
  var begunHere = {};
  /* The tab's session as of `now`: {id, created} - the caller's id (`given`), else the one the
   * tab keeps while it lasts, else a new one. */
  function sessionOf(now, given) {
    if (given) return {id: given, created: now};
    var st = tabStorage(), s = null;
    try { s = st && JSON.parse(st.getItem(SESSION_KEY) || "null"); } catch (e) { s = null; }
    if (!s || !s.id || now - s.created > SESSION_MAX_MS || now - s.last > SESSION_IDLE_MS) {
      s = {id: randomId(), created: now, last: now};
      begunHere[s.id] = true;
    }
    s.last = now;
    try { if (st) st.setItem(SESSION_KEY, JSON.stringify(s)); } catch (e) { /* private mode */ }
    return {id: s.id, created: typeof s.created === "number" ? s.created : now};
  }
  /* The digests of the long texts the intake has for this session (answered 202). */
  function sessionTexts(id) {
    var st = tabStorage();
    try {
      var s = st && JSON.parse(st.getItem(SESSION_KEY) || "null");
      return s && s.id === id && Array.isArray(s.texts) ? s.texts : [];
    } catch (e) { return []; }
  }
  function keepSessionTexts(id, texts) {
    var st = tabStorage();
    try {
      var s = st && JSON.parse(st.getItem(SESSION_KEY) || "null");
      if (s && s.id === id) { s.texts = texts; st.setItem(SESSION_KEY, JSON.stringify(s)); }
    } catch (e) { /* private mode */ }
  }
  /* The fields of GET forms the session's pages masked ([{name, typed}]: names only, never a
   * value; R.onFormSent), read by each of its pages (Privacy.formFields). */
  function sessionFormFields(id) {
    var st = tabStorage();
    try {
      var s = st && JSON.parse(st.getItem(SESSION_KEY) || "null");
      return s && s.id === id && Array.isArray(s.formFields) ? s.formFields.filter(function (f) {
        return f && typeof f.name === "string" && f.name;
      }) : [];
    } catch (e) { return []; }
  }
  /* What the visit's pages hand each other for echo scrubbing (Echoes.carry, handOn):
   * {salt, digests}, or null. */
  function sessionEchoes(id) {
    var st = tabStorage();
    try {
      var s = st && JSON.parse(st.getItem(SESSION_KEY) || "null");
      return s && s.id === id && s.echoes && typeof s.echoes === "object" ? s.echoes : null;
    } catch (e) { return null; }
  }
  /* `handed` kept with the session, beside the digests kept already (of the same salt) but
   * those `stale` names (`length:digest`: this page's own, written before and superseded - a
   * field's value then, a keystroke's since): a page shown again from the back/forward cache
   * hands on what it had, not what the pages after it learnt. */
  function keepEchoes(id, handed, stale) {
    var st = tabStorage();
    try {
      var s = st && JSON.parse(st.getItem(SESSION_KEY) || "null");
      if (!s || s.id !== id) return;
      var kept = s.echoes && typeof s.echoes.salt === "number" && Array.isArray(s.echoes.digests);
      // another salt's are the session's: what this page learnt is handed on in its salt
      // (handOn), and what it carries came from them
      if (kept && s.echoes.salt !== handed.salt) return;
      var before = kept ? s.echoes.digests : [];
      var seen = {}, digests = before.concat(handed.digests).filter(function (d) {
        var k = d[0] + ":" + d[1];
        return seen[k] || (stale && stale[k]) ? false : (seen[k] = true);
      });
      s.echoes = {salt: handed.salt, digests: digests.slice(-ECHO_CARRY_MAX)};   // (not `own`)
      st.setItem(SESSION_KEY, JSON.stringify(s));
    } catch (e) { /* private mode, full */ }
  }
  function keepFormFields(id, fields) {
    var st = tabStorage();
    try {
      var s = st && JSON.parse(st.getItem(SESSION_KEY) || "null");
      if (!s || s.id !== id) return;
      var kept = Array.isArray(s.formFields) ? s.formFields : [];
      fields.forEach(function (f) {
        var same = kept.filter(function (k) { return k.name === f.name; })[0];
        if (same) same.typed = same.typed || f.typed;
        else kept.push({name: f.name, typed: f.typed});
      });
      s.formFields = kept.slice(-FORM_FIELDS_KEPT);
      st.setItem(SESSION_KEY, JSON.stringify(s));
    } catch (e) { /* private mode */ }
  }
  /* The batches a page of the visit could not see stored (the intake unreachable: restarting,
   * the network down) when it went away, or when a send failed: in sessionStorage (this tab's
   * visit), sent first by the visit's next page (Sender.carry), each under the batch_id it
   * was given, so a batch that did arrive (a beacon that landed) is stored once by the
   * intake's batch_id dedupe. Only events as the recorder emitted them: masked in the page
   * already. At most UNSENT_MAX_CHARS of JSON; beyond, the oldest batches go first, counted in
   * `lost` (status().lost on the next page). {session, lost, batches: [{id, events}]}; a
   * batch's id is null when no request carried it yet (the next page names it). */
  var UNSENT_KEY = "replay_capture_unsent", UNSENT_MAX_CHARS = 1000000;
  function readUnsent(id) {
    if (begunHere[id] === true) return {lost: 0, batches: []};
    var st = tabStorage(), u = null;
    try { u = st && JSON.parse(st.getItem(UNSENT_KEY) || "null"); } catch (e) { u = null; }
    if (!u || u.session !== id || !Array.isArray(u.batches)) return {lost: 0, batches: []};
    return {lost: +u.lost || 0, batches: u.batches.filter(function (b) {
      return b && Array.isArray(b.events) && b.events.length && (b.id === null || typeof b.id === "string");
    })};
  }
  /* The last batch id a page of the visit numbered, written as it goes (pagehide, hidden) for
   * the visit's next page in this tab, whose first batch names it as the one it follows
   * (`after`): the intake stores it after that one - a beacon of the page left may reach the
   * intake after the next page's snapshot, and its changes would play on the new page's DOM.
   * {session, id}; read as readUnsent is (not on the visit's first page). */
  var LAST_KEY = "replay_capture_last", BATCH_ID_MAX = 64;   // (the intake's wire.MAX_BATCH_ID)
  function readLast(id) {
    if (begunHere[id] === true) return null;
    var st = tabStorage(), u = null;
    try { u = st && JSON.parse(st.getItem(LAST_KEY) || "null"); } catch (e) { u = null; }
    return u && u.session === id && typeof u.id === "string" && u.id.length <= BATCH_ID_MAX ? u.id : null;
  }
  function writeLast(id, batchId) {
    var st = tabStorage();
    try { if (st) st.setItem(LAST_KEY, JSON.stringify({session: id, id: batchId})); } catch (e) { /* full, off */ }
  }
  /* Writes `batches` ([{id, events}]) for session `id`, dropping the oldest over the bound (or
   * the storage's own quota); the number of events dropped, now and before (`lost`). */
  function writeUnsent(id, batches, lost) {
    delete begunHere[id];
    var st = tabStorage();
    if (!st) return lost;
    try {
      if (!batches.length && !lost) { st.removeItem(UNSENT_KEY); return 0; }
      var texts = batches.map(function (b) { return JSON.stringify(b); }), size = 0, from = texts.length;
      while (from > 0 && size + texts[from - 1].length <= UNSENT_MAX_CHARS) size += texts[--from].length;
      for (var i = 0; i < from; i++) lost += batches[i].events.length;
      for (;;) {
        try {
          st.setItem(UNSENT_KEY, '{"session":' + JSON.stringify(id) + ',"lost":' + lost +
                     ',"batches":[' + texts.slice(from).join(",") + "]}");
          return lost;
        } catch (e) {   // over the storage's quota: the oldest go too
          if (from >= texts.length) { st.removeItem(UNSENT_KEY); return lost; }
          lost += batches[from++].events.length;
        }
      }
    } catch (e) { return lost; }   // no storage (private mode, disabled)
  }
  function touchSession(id) {
    var st = tabStorage();
    try {
      var s = st && JSON.parse(st.getItem(SESSION_KEY) || "null");
      if (s && s.id === id) { s.last = Date.now(); st.setItem(SESSION_KEY, JSON.stringify(s)); }
    } catch (e) { /* private mode */ }
  }
  /* The compact batch encoding, compact@6 (recorder/intake/compact.py describes it; the intake
   * turns it back into exactly these events before storing them): keys dropped, ids and
   * timestamps as deltas, a node's id left out when it is the next one (a snapshot has none),
   * move positions and interactions as differences from where the pointer was before them
   * (the batch's cursor and pointer id), a move event at its first position's time, a click's
   * run of interactions (mousedown, blur, focus, mouseup, click) as one item, a RUM click
   * action at the batch's click it came from, other RUM payloads with their keys from the
   * fixed table (their integer `date` from the event's time), the browser's user agent left to
   * the request's header; a doctype as [1, name, publicId?, systemId?], a Meta as [href, width,
   * height, media features?]; tag, attribute, key
   * and plugin names interned. An event it has no form for goes as it is. */
  function compactBatch(events) {
    var strings = [], index = new Map(), last = 0, t = 0, out = [];
    var cx = 0, cy = 0, pointer = 0;   // the cursor and the pointer id (moves, interactions)
    var shift = 0;   // the item's time less its event's (a move: its first position's)
    var clicks = [];   // [time, x, y] of the batch's clicks so far (a RUM click action names one)
    var texts = [];   // [array, index, public] of each long text (stylesheets): nameTexts may name them
    function name(s) {
      var i = NAME_INDEX.get(s);
      if (i !== undefined) return i;
      i = index.get(s);
      if (i === undefined) { i = strings.length; strings.push(s); index.set(s, i); }
      return i;
    }
    function id(v) { var d = v - last; last = v; return d; }
    function count(o) { var n = 0; for (var k in o) n++; return n; }
    function int(v) { return typeof v === "number" && v % 1 === 0; }
    function attrs(a, pub) {   // pub: the attributes of a <link> to a public stylesheet
      var flat = [], v;
      for (var k in a) {
        v = a[k];
        if (v === undefined) continue;   // as JSON leaves it out
        flat.push(name(k), v);
        if (k === "_cssText" && typeof v === "string" && v.length >= TEXT_REF_MIN_CHARS) texts.push([flat, flat.length - 1, !!pub]);
      }
      return flat;
    }
    function publicSheet(n) {   // capture.js inlines a <link>'s sheet only for a stylesheet
      return n.tagName === "link" && typeof n.attributes.href === "string" && /^https?:/i.test(n.attributes.href);
    }
    function node(n) {
      var kind = n.type, fixed, out, k, extra = null, given = n.id !== last + 1, nid;
      if (kind === NODE.ELEMENT) fixed = ELEMENT_KEYS;
      else if (kind === NODE.DOCUMENT) fixed = DOCUMENT_KEYS;
      else if (kind === NODE.TEXT || kind === NODE.CDATA || kind === NODE.COMMENT) fixed = TEXT_KEYS;
      else fixed = OTHER_KEYS;
      for (k in n) if (!fixed[k] && n[k] !== undefined) { if (!extra) extra = {}; extra[k] = n[k]; }
      nid = id(n.id);
      if (kind === NODE.ELEMENT) {
        out = [kind, name(n.tagName), attrs(n.attributes, publicSheet(n)), n.childNodes.map(node)];
      } else if (kind === NODE.DOCUMENT) out = [kind, n.childNodes.map(node)];
      else if (fixed === TEXT_KEYS) {
        var text = n.textContent, long = typeof text === "string" && text.length >= TEXT_REF_MIN_CHARS;
        if (kind === NODE.TEXT && typeof text === "string" && !extra && !long) out = text;
        else {
          out = [kind, text];
          if (long) texts.push([out, 1, false]);
        }
      } else if (kind === NODE.DOCTYPE && same(keys(n), DOCTYPE_KEYS) && typeof n.name === "string"
                 && typeof n.publicId === "string" && typeof n.systemId === "string") {
        out = [kind, n.name, n.publicId, n.systemId];   // compact@6, trailing "" left out
        while (out.length > 2 && out[out.length - 1] === "") out.pop();
      } else out = [kind, extra || {}];
      if (extra && fixed !== OTHER_KEYS) out.push(extra);
      return given ? [GIVEN_ID, nid, out] : out;
    }
    function mutation(d) {
      var texts = [], at = [], rm = [], adds = [], i, x;
      // a shape with a key more than the compact form has goes plain (nothing is dropped)
      for (i = 0; i < d.texts.length; i++) {
        x = d.texts[i];
        if (count(x) !== 2) return null;
        texts.push(id(x.id), x.value);
      }
      for (i = 0; i < d.attributes.length; i++) {
        x = d.attributes[i];
        // a hidden element's box (boxChange) carries rrweb's style diff: values are texts here
        if (count(x) !== 2 || isObj(x.attributes.style)) return null;
        at.push(id(x.id), attrs(x.attributes));
      }
      for (i = 0; i < d.removes.length; i++) {
        x = d.removes[i];
        if (count(x) !== 2) return null;
        rm.push(id(x.parentId), id(x.id));
      }
      for (i = 0; i < d.adds.length; i++) {
        x = d.adds[i];
        if (count(x) !== 3) return null;
        adds.push(id(x.parentId), x.nextId === null ? null : id(x.nextId), node(x.node));
      }
      return [SRC.MUTATION, texts, at, rm, adds];
    }
    /* x, y and id from the pointer's; times after the first as gaps less MOVE_GAP_MS; the item
     * at the first position's time, whose slot holds the event's time less the last one's */
    function moves(d) {
      var flat = [], p, x = cx, y = cy, to = 0, n = d.positions.length;
      if (!n) return null;
      last = pointer;
      for (var i = 0; i < n; i++) {
        p = d.positions[i];
        if (count(p) !== 4 || !int(p.x) || !int(p.y) || !int(p.timeOffset) || !int(p.id)) return null;
        flat.push(p.x - x, p.y - y, id(p.id), i ? p.timeOffset - to - MOVE_GAP_MS : -d.positions[n - 1].timeOffset);
        x = p.x; y = p.y; to = p.timeOffset;
      }
      cx = x; cy = y; pointer = last;
      shift = d.positions[0].timeOffset;
      return [d.source, varints(flat)];
    }
    /* Integers as a move's string: zigzagged, base 32, least significant digit first, a digit
     * continued by the next one written VARINT_MORE on (compact.py: VARINT_DIGITS). */
    function varints(nums) {
      var out = "", u;
      for (var i = 0; i < nums.length; i++) {
        u = nums[i] >= 0 ? nums[i] * 2 : -nums[i] * 2 - 1;
        while (u >= VARINT_MORE) { out += VARINT_DIGITS.charAt(VARINT_MORE + u % VARINT_MORE); u = Math.floor(u / VARINT_MORE); }
        out += VARINT_DIGITS.charAt(u);
      }
      return out;
    }
    /* An object as its keyed list [name, value, ...], objects in it the same way; null when
     * it holds an array anywhere (a list is an object there). */
    function keyable(o) {
      for (var k in o) if (Array.isArray(o[k]) || (isObj(o[k]) && !keyable(o[k]))) return false;
      return true;
    }
    function keyed(o) {
      var flat = [];
      for (var k in o) if (o[k] !== undefined) flat.push(name(k), isObj(o[k]) ? keyed(o[k]) : o[k]);
      return flat;
    }
    /* A click action at one of the batch's clicks (its position), the date from that click's
     * time; null when none is at its position or a frustration type has no code. */
    function clickAction(p, r) {
      var codes = [], fr = r.frustration, i, c;
      if (fr !== undefined) {
        for (i = 0; i < fr.type.length; i++) {
          c = FRUSTRATIONS.indexOf(fr.type[i]);
          if (c < 0) return null;
          codes.push(c);
        }
      }
      for (i = clicks.length - 1; i >= 0; i--) {
        if (clicks[i][1] !== r.position.x || clicks[i][2] !== r.position.y) continue;
        var a = [RUM_FORM.click_action, clicks.length - 1 - i, p.date - clicks[i][0], r.target.name, r.target.selector];
        if (fr !== undefined) a.push(codes);
        if (r.click_count !== undefined) a.push(r.click_count);
        return a;
      }
      return null;
    }
    function noteClick(e) {   // a click the batch's RUM click actions may name
      var d = e.data;
      if (e.type === EV.INC && isObj(d) && d.source === SRC.INTERACTION && d.type === MOUSE.click
          && d.x !== undefined && d.y !== undefined && int(e.timestamp)) clicks.push([e.timestamp, d.x, d.y]);
    }
    /* events[i] as an interaction of `type` with `n` keys in capture.js's order, integers all */
    function isInteraction(e, type, n) {
      var d = e && e.data;
      if (!e || count(e) !== 3 || e.type !== EV.INC || !int(e.timestamp) || !isObj(d) || d.source !== SRC.INTERACTION || d.type !== type) return false;
      var ks = keys(d);
      if (ks.length !== n || !same(ks, INTERACTION_KEYS.slice(0, n))) return false;
      for (var k in d) if (!int(d[k])) return false;
      return true;
    }
    /* A click's run of interactions from events[i]: [item, how many events] or null. */
    function clickRun(i) {
      var down = events[i], d, j = i + 1, blur = null, focus = null, pt = null, gaps = [], e;
      if (!isInteraction(down, MOUSE.mousedown, 5)) return null;
      d = down.data;
      if (isInteraction(events[j], MOUSE.blur, 3)) blur = events[j++].data.id - d.id;
      if (isInteraction(events[j], MOUSE.focus, 3)) focus = events[j++].data.id - d.id;
      e = events[j];
      if (!isInteraction(e, MOUSE.mouseup, 5) || e.data.id !== d.id || e.data.x !== d.x || e.data.y !== d.y) return null;
      j++;
      e = events[j];
      if (isInteraction(e, MOUSE.click, 6) && e.data.id === d.id && e.data.x === d.x && e.data.y === d.y) { pt = e.data.pointerType; j++; }
      for (var k = i + 1; k < j; k++) gaps.push(events[k].timestamp - events[k - 1].timestamp);
      var run = [SRC.INTERACTION, CLICK_RUN, d.id - pointer, d.x - cx, d.y - cy, gaps, blur, focus, pt];
      pointer = d.id; cx = d.x; cy = d.y;
      return [run, j - i];
    }
    function isObj(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
    function keys(o) { var ks = []; for (var k in o) if (o[k] !== undefined) ks.push(k); return ks; }
    function same(ks, want) {
      if (ks.length !== want.length) return false;
      for (var i = 0; i < ks.length; i++) if (ks[i] !== want[i]) return false;
      return true;
    }
    /* A RUM payload as its compact array: rum2's, else (compact@4) keyed, else as it is; keyed,
     * the browser's own user agent as null (compact@5: the request's header carries it), an
     * integer date as the difference from the event's time `t` (compact@6). */
    function rum(p, t) {
      var c = rum2(p, t), k, ua = OWN_UA !== null && p.user_agent === OWN_UA, date = int(p.date) && int(t);
      if (c !== p || !keyable(p)) return c;
      if (ua || date) {
        c = {};
        for (k in p) c[k] = k === "user_agent" && ua ? null : k === "date" && date ? p.date - t : p[k];
        p = c;
      }
      return [RUM_FORM.keyed, keyed(p)];
    }
    /* A RUM payload as its compact@2 array (resource, long task, click action: `date` as the
     * difference from the event's time; a view update without its view's id, url and
     * referrer when the batch's last view payload has them, its fields keyed in compact@4; a
     * click action at one of the batch's clicks as compact@4's), else as it is. */
    function rum2(p, t) {
      var kind = p.type, prev = view, ks = keys(p), r = p[kind], rk, i;
      if (kind === "view" && isObj(p.view)) view = p.view;
      if (kind === "view" && prev && same(ks, ["type", "view"]) && isObj(p.view)) {
        var vk = keys(p.view), rest = {}, kept = same(vk.slice(0, VIEW_KEYS.length), VIEW_KEYS);
        for (i = 0; kept && i < VIEW_KEYS.length; i++) {
          kept = prev[VIEW_KEYS[i]] !== undefined && prev[VIEW_KEYS[i]] === p.view[VIEW_KEYS[i]];
        }
        if (!kept) return p;
        for (i = VIEW_KEYS.length; i < vk.length; i++) rest[vk[i]] = p.view[vk[i]];
        return [RUM_FORM.view, keyable(rest) ? keyed(rest) : rest];
      }
      if (ks.length !== 3 || ks[0] !== "type" || ks[1] !== "date" || !int(p.date) || !isObj(r)) return p;
      rk = keys(r);
      if (kind === "resource" && same(rk, RESOURCE_KEYS)) {
        return [RUM_FORM.resource, p.date - t, r.url, r.method, r.status_code, r.duration, r.size, r.type];
      }
      if (kind === "long_task" && same(rk, ["duration"])) return [RUM_FORM.long_task, p.date - t, r.duration];
      if (kind === "action" && r.type === "click") {
        var tail = rk.slice(3).join(","), fr = r.frustration;
        if (same(rk.slice(0, 3), ["type", "target", "position"]) && ACTION_TAILS[tail]
            && isObj(r.target) && same(keys(r.target), ["name", "selector"])
            && isObj(r.position) && same(keys(r.position), ["x", "y"])
            && (fr === undefined || (isObj(fr) && same(keys(fr), ["type"]) && Array.isArray(fr.type)))) {
          var at = clickAction(p, r);
          if (at) return at;
          var a = [RUM_FORM.action, p.date - t, r.target.name, r.target.selector, r.position.x, r.position.y];
          if (fr !== undefined) a.push(fr.type);
          if (r.click_count !== undefined) a.push(r.click_count);
          return a;
        }
      }
      return p;
    }
    function interaction(d) {   // [2, type, id, x?, y?, pointerType?]: capture.js's keys, in order
      var n = count(d), c = [];
      for (var k in d) {
        if (k !== INTERACTION_KEYS[c.length] || !int(d[k])) return null;
        c.push(d[k]);
      }
      if (n !== 3 && n !== 5 && n !== 6) return null;
      c[2] = d.id - pointer; pointer = d.id;   // from the pointer id, x and y from the cursor
      if (n > 3) { c[3] = d.x - cx; c[4] = d.y - cy; cx = d.x; cy = d.y; }
      return c;
    }
    var view = null;   // the batch's last RUM view payload's view (the intake follows it too)
    for (var i = 0; i < events.length; i++) {
      var e = events[i], d = e.data, c = d, run = clickRun(i);
      last = 0; shift = 0;
      if (run) {
        out.push([EV.INC, e.timestamp - t, run[0]]);
        for (var j = i; j < i + run[1]; j++) noteClick(events[j]);
        i += run[1] - 1;
        t = events[i].timestamp;
        continue;
      }
      noteClick(e);
      if (count(e) !== 3 || typeof e.timestamp !== "number") {
        out.push(e);
        if (typeof e.timestamp === "number") t = e.timestamp;
        if (e.type === EV.PLUGIN && isObj(d) && d.plugin === RUM_PLUGIN && isObj(d.payload)
            && d.payload.type === "view" && isObj(d.payload.view)) view = d.payload.view;   // the intake notes it too
        continue;
      }
      if (e.type === EV.FULL && count(d) === 2) c = [node(d.node), d.initialOffset];
      else if (e.type === EV.META && same(keys(d), META_KEYS)) c = [d.href, d.width, d.height];
      else if (e.type === EV.META && same(keys(d), META_FEATURES_KEYS) && isObj(d.mediaFeatures) && keyable(d.mediaFeatures)) {
        c = [d.href, d.width, d.height, keyed(d.mediaFeatures)];   // compact@6: the visitor's media features keyed
      }
      else if (e.type === EV.INC && count(d) === 5 && d.source === SRC.MUTATION) c = mutation(d);
      else if (e.type === EV.INC && count(d) === 2 && (d.source === SRC.MOVE || d.source === SRC.TOUCHMOVE)) c = moves(d);
      else if (e.type === EV.INC && d.source === SRC.INTERACTION) c = interaction(d);
      else if (e.type === EV.PLUGIN && isObj(d)) {
        // [name, payload] for {plugin, payload} in that order; else as it is (its view noted)
        c = same(keys(d), ["plugin", "payload"]) && typeof d.plugin === "string" && isObj(d.payload) ? [name(d.plugin), null] : null;
        var payload = d.plugin === RUM_PLUGIN && isObj(d.payload) ? rum(d.payload, e.timestamp)
          : d.plugin === CONSOLE_PLUGIN && isObj(d.payload) && same(keys(d.payload), CONSOLE_KEYS)
            ? [d.payload.level, d.payload.trace, d.payload.payload] : d.payload;
        if (c) c[1] = payload;
        else c = d;
      }
      if (c === null) { out.push(e); t = e.timestamp; continue; }
      out.push([e.type, e.timestamp + shift - t, c]);
      t = e.timestamp;
    }
    return {events: out, strings: strings, texts: texts};
  }
  /* The compact encoding's fixed table of common names (recorder/intake/compact.py NAMES,
   * the same list: a test holds them equal): a name in it is written -1 - its index. */
  var NAMES = ["html", "head", "meta", "charset", "name", "content", "title", "link", "rel",
    "href", "_cssText", "script", "src", "body", "header", "class", "a", "aria-label", "svg",
    "viewBox", "aria-hidden", "rect", "width", "height", "rx", "fill", "path", "d", "stroke",
    "stroke-width", "stroke-linecap", "stroke-linejoin", "div", "circle", "cx", "cy", "r", "input",
    "id", "type", "placeholder", "autocomplete", "nav", "button", "span", "section", "h1", "h2",
    "h3", "h4", "p", "small", "footer", "main", "ul", "ol", "li", "img", "alt", "style", "form",
    "label", "for", "value", "select", "option", "textarea", "table", "thead", "tbody", "tr", "td",
    "th", "strong", "em", "b", "i", "br", "hr", "article", "aside", "iframe", "video", "audio",
    "source", "canvas", "g", "line", "polyline", "polygon", "use", "xmlns", "role", "tabindex",
    "target", "method", "action", "disabled", "checked", "selected", "hidden", "lang", "dir",
    "srcset", "sizes", "loading", "noscript", "template", "picture", "time", "datetime", "code",
    "pre", "blockquote", "aria-expanded", "aria-controls", "aria-live", "data-testid",
    "rr_scrollLeft", "rr_scrollTop", "min", "max", "step", "required", "colspan", "rowspan",
    "replay/rum@1", "rrweb/console@1",
    "view", "url", "referrer", "browser", "version", "os", "device", "display", "viewport",
    "screen", "user_agent", "loading_time", "largest_contentful_paint", "cumulative_layout_shift",
    "interaction_to_next_paint", "loading_type", "error", "message", "stack", "resource",
    "status_code", "engine", "date", "duration", "size", "long_task", "click_count",
    "frustration", "selector", "position",
    "content_type", "time_spent", "prefers-color-scheme", "prefers-reduced-motion",
    "prefers-contrast"];
  function nameIndex(names) { var m = new Map(); names.forEach(function (n, i) { m.set(n, -1 - i); }); return m; }
  var NAME_INDEX = nameIndex(NAMES);
  function keySet(keys) { var o = {}; keys.forEach(function (k) { o[k] = 1; }); return o; }
  var ELEMENT_KEYS = keySet(["type", "tagName", "attributes", "childNodes", "id"]);
  var DOCUMENT_KEYS = keySet(["type", "childNodes", "id"]);
  var TEXT_KEYS = keySet(["type", "textContent", "id"]);
  var OTHER_KEYS = keySet(["type", "id"]);
  var DOCTYPE_KEYS = ["type", "name", "publicId", "systemId", "id"];   // compact@6: [1, name, publicId?, systemId?]
  var GIVEN_ID = -1;   // compact@2: [GIVEN_ID, id delta, node], a node whose id is not the next one
  var INTERACTION_KEYS = ["source", "type", "id", "x", "y", "pointerType"];
  var RUM_PLUGIN = "replay/rum@1";   // its payloads have compact@2 forms (compact.py)
  var CONSOLE_PLUGIN = "rrweb/console@1", CONSOLE_KEYS = ["level", "trace", "payload"];   // compact@3: an array
  var NETWORK_PLUGIN = "rrweb/network@1";   // rrweb's, a page may add: its fields are names
  var MOVE_GAP_MS = 50;   // compact@3 (compact.py MOVE_GAP_MS): a move's time after the first, less this
  var RUM_FORM = {resource: 0, long_task: 1, action: 2, view: 3, click_action: 4, keyed: 5};
  var META_KEYS = ["href", "width", "height"];   // compact@4: a Meta event's data as an array
  var META_FEATURES_KEYS = META_KEYS.concat(["mediaFeatures"]);   // compact@6: ... with the media features
  var CLICK_RUN = -1;   // compact@4: an interaction item that is a click's run (compact.py CLICK_RUN)
  var FRUSTRATIONS = ["rage_click", "dead_click", "error_click"];   // compact@4: a click action's codes
  // compact@4: a move's numbers as one string (compact.py VARINT_DIGITS, VARINT_MORE)
  var VARINT_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_", VARINT_MORE = 32;
  var RESOURCE_KEYS = ["url", "method", "status_code", "duration", "size", "type"];
  var VIEW_KEYS = ["id", "url", "referrer"];
  var ACTION_TAILS = {"": 1, "frustration": 1, "frustration,click_count": 1};

  function compress(text) {   // a Response's body: the cheapest start of the pipe
    var stream = new Response(text).body.pipeThrough(new win.CompressionStream(ZIP_FORMAT));
    return new Response(stream).arrayBuffer();
  }
  /* Adler-32 of `bytes` (RFC 1950 8.2): a zlib stream's checksum, and a preset dictionary's
   * id (DICTID). Sums taken modulo 65521 every 3800 bytes (no overflow of a double's 2^53). */
  function adler32(bytes) {
    var a = 1, b = 0;
    for (var i = 0; i < bytes.length;) {
      for (var end = Math.min(bytes.length, i + 3800); i < end; i++) { a += bytes[i]; b += a; }
      a %= 65521; b %= 65521;
    }
    return ((b << 16) | a) >>> 0;
  }
  /* `data` (bytes) as a zlib stream (RFC 1950) compressed with our own deflate (RFC 1951):
   * CompressionStream takes no preset dictionary, and one built from a site's earlier batches
   * makes a quiet page's requests about three times smaller. `dict` (bytes, or null): the
   * stream's preset dictionary - the deflate window starts with it, so a match may reach
   * back into it. A pure function (the worker gets its source). Stream layout:
   *   CMF 0x78 (deflate, 32 KB window), FLG (FLEVEL 2, FDICT 0x20 with a dictionary, FCHECK:
   *   (CMF*256+FLG) % 31 == 0), [DICTID: adler32(dict), 4 bytes big-endian], deflate
   *   blocks, adler32(data) big-endian.
   * Each block: BFINAL (1 bit), BTYPE (2 bits: 0 stored, 1 fixed codes, 2 dynamic codes), the
   * smallest of the three for its symbols; bits are packed from each byte's lowest bit,
   * Huffman codes from their first bit (so they are written reversed). Matching as zlib's
   * level 6: 3-byte hash chains, lazy evaluation (LAZY, GOOD, NICE, CHAIN), a block per
   * BLOCK_SYMBOLS symbols. */
  function zlibDeflate(data, dict) {
    var WSIZE = 32768, WMASK = WSIZE - 1, MAX_DIST = WSIZE - 1, MIN = 3, MAX = 258;
    var HMASK = 0x7fff, CHAIN = 128, GOOD = 8, LAZY = 16, NICE = 128, TOO_FAR = 4096;
    var BLOCK_SYMBOLS = 16383, STORED_MAX = 65535, END = 256;
    // the order of the code-length code's lengths in a dynamic block's header (RFC 1951 3.2.7)
    var CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
    var LEN_BASE = [], LEN_EXTRA = [], DIST_BASE = [], DIST_EXTRA = [], i, j, n;
    for (i = 0, n = 3; i < 28; i++) { LEN_BASE[i] = n; LEN_EXTRA[i] = i < 8 ? 0 : (i >> 2) - 1; n += 1 << LEN_EXTRA[i]; }
    LEN_BASE[28] = MAX; LEN_EXTRA[28] = 0;   // 258 has a code of its own (285)
    for (i = 0, n = 1; i < 30; i++) { DIST_BASE[i] = n; DIST_EXTRA[i] = i < 4 ? 0 : (i >> 1) - 1; n += 1 << DIST_EXTRA[i]; }
    var lenCode = new Uint8Array(MAX + 1);   // match length -> its length code - 257
    for (i = 0; i < 29; i++) for (j = LEN_BASE[i]; j < (i < 28 ? LEN_BASE[i + 1] : MAX + 1); j++) lenCode[j] = i;
    lenCode[MAX] = 28;
    // distance -> its code (0..29): distances to 256 each, farther ones by 128s
    var distCodes = new Uint8Array(512);
    for (i = 0; i < 30; i++) {
      for (j = DIST_BASE[i]; j < DIST_BASE[i] + (1 << DIST_EXTRA[i]); j++) {
        if (j <= 256) distCodes[j - 1] = i;
        else distCodes[256 + ((j - 1) >> 7)] = i;
      }
    }
    function distCode(d) { return d <= 256 ? distCodes[d - 1] : distCodes[256 + ((d - 1) >> 7)]; }

    // the window: the dictionary's last 32 KB, then the data
    var pre = dict ? dict.subarray(Math.max(0, dict.length - WSIZE)) : new Uint8Array(0);
    var buf = new Uint8Array(pre.length + data.length), end = buf.length;
    buf.set(pre);
    buf.set(data, pre.length);
    var head = new Int32Array(HMASK + 1).fill(-1), prev = new Int32Array(WSIZE);
    function hash(p) { return ((buf[p] << 10) ^ (buf[p + 1] << 5) ^ buf[p + 2]) & HMASK; }   // 5 bits a byte
    function insert(p) {   // p joins its 3 bytes' chain (the latest first)
      var h = hash(p);
      prev[p & WMASK] = head[h];
      head[h] = p;
    }

    // output: bits from each byte's lowest, into a buffer that grows
    var out = new Uint8Array(1024 + (data.length >> 1)), o = 0, bits = 0, nbits = 0;
    function room(bytes) {
      if (o + bytes <= out.length) return;
      var bigger = new Uint8Array(Math.max(out.length * 2, o + bytes));
      bigger.set(out.subarray(0, o));
      out = bigger;
    }
    function put(v, count) {   // count <= 16
      bits |= v << nbits;
      nbits += count;
      while (nbits >= 8) { out[o++] = bits & 255; bits >>>= 8; nbits -= 8; }
    }
    function align() { if (nbits) put(0, 8 - nbits); }
    function putBig(v) { room(4); out[o++] = v >>> 24; out[o++] = (v >>> 16) & 255; out[o++] = (v >>> 8) & 255; out[o++] = v & 255; }

    /* Huffman code lengths for `freq` (at most `limit` bits): the two-queue construction, then
     * codes over the limit brought to it and the Kraft sum made whole again by lengthening the
     * longest codes under it; the rarest symbols get the longest codes. At least two codes
     * (a one-symbol tree is a one-bit code). */
    function lengths(freq, limit) {
      var len = new Uint8Array(freq.length), syms = [], k, n;
      for (k = 0; k < freq.length; k++) if (freq[k]) syms.push(k);
      for (k = 0; syms.length < 2; k++) if (!freq[k]) syms.push(k);
      if (syms.length === 2) { len[syms[0]] = len[syms[1]] = 1; return len; }
      syms.sort(function (a, b) { return freq[a] - freq[b] || a - b; });
      var m = syms.length, weight = new Float64Array(2 * m - 1), parent = new Int32Array(2 * m - 1);
      for (k = 0; k < m; k++) weight[k] = freq[syms[k]] || 1;
      var leaf = 0, node = m, next = m;   // leaves and made nodes, each in order of weight
      function least() { return leaf < m && (node >= next || weight[leaf] <= weight[node]) ? leaf++ : node++; }
      for (; next < 2 * m - 1; next++) {
        var a = least(), b = least();
        weight[next] = weight[a] + weight[b];
        parent[a] = parent[b] = next;
      }
      var depth = new Int32Array(2 * m - 1), count = new Int32Array(Math.max(limit, m) + 1);
      for (k = 2 * m - 3; k >= 0; k--) depth[k] = depth[parent[k]] + 1;
      for (k = 0; k < m; k++) count[Math.min(depth[k], limit)]++;
      var kraft = 0;
      for (k = 1; k <= limit; k++) kraft += count[k] << (limit - k);
      while (kraft > 1 << limit) {   // one code at the limit goes; a shorter one splits in two
        count[limit]--;
        for (k = limit - 1; k > 0 && !count[k]; k--);
        count[k]--; count[k + 1] += 2;
        kraft--;
      }
      for (k = limit, n = 0; k > 0; k--) for (var c = count[k]; c > 0; c--) len[syms[n++]] = k;
      return len;
    }
    /* The canonical codes of `len` (RFC 1951 3.2.2), bit-reversed for put(). */
    function codes(len) {
      var count = new Uint16Array(16), nextCode = new Uint16Array(16), code = new Uint16Array(len.length), k, c = 0;
      for (k = 0; k < len.length; k++) count[len[k]]++;
      count[0] = 0;
      for (k = 1; k < 16; k++) { c = (c + count[k - 1]) << 1; nextCode[k] = c; }
      for (k = 0; k < len.length; k++) {
        var l = len[k];
        if (!l) continue;
        var v = nextCode[l]++, r = 0;
        for (var b = 0; b < l; b++) { r = (r << 1) | (v & 1); v >>= 1; }
        code[k] = r;
      }
      return code;
    }
    var FIXED_LIT = new Uint8Array(288), FIXED_DIST = new Uint8Array(30).fill(5);
    for (i = 0; i < 288; i++) FIXED_LIT[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
    var FIXED_LIT_CODES = codes(FIXED_LIT), FIXED_DIST_CODES = codes(FIXED_DIST);

    // a block's symbols: a literal (dist 0) or a match (length, distance)
    var symLen = new Uint16Array(BLOCK_SYMBOLS), symDist = new Uint16Array(BLOCK_SYMBOLS), nsym = 0;
    var litFreq = new Uint32Array(286), distFreq = new Uint32Array(30);
    var blockStart = pre.length, covered = pre.length;   // the block's bytes: blockStart..covered
    function literal(byte) {
      symLen[nsym] = byte; symDist[nsym++] = 0; litFreq[byte]++; covered++;
      if (nsym === BLOCK_SYMBOLS) block(false);
    }
    function match(length, dist) {
      symLen[nsym] = length; symDist[nsym++] = dist; covered += length;
      litFreq[257 + lenCode[length]]++; distFreq[distCode(dist)]++;
      if (nsym === BLOCK_SYMBOLS) block(false);
    }
    function cost(lit, dist) {   // the block's symbols' bits under these code lengths
      var total = 0, k;
      for (k = 0; k < 286; k++) total += litFreq[k] * (lit[k] + (k > END ? LEN_EXTRA[k - 257] : 0));
      for (k = 0; k < 30; k++) total += distFreq[k] * (dist[k] + DIST_EXTRA[k]);
      return total;
    }
    function emit(litLen, litCode, distLen, distCodes) {
      for (var k = 0; k < nsym; k++) {
        var l = symLen[k], d = symDist[k];
        if (!d) { put(litCode[l], litLen[l]); continue; }
        var lc = lenCode[l], dc = distCode(d);
        put(litCode[257 + lc], litLen[257 + lc]);
        if (LEN_EXTRA[lc]) put(l - LEN_BASE[lc], LEN_EXTRA[lc]);
        put(distCodes[dc], distLen[dc]);
        if (DIST_EXTRA[dc]) put(d - DIST_BASE[dc], DIST_EXTRA[dc]);
      }
      put(litCode[END], litLen[END]);
    }
    /* The symbols so far as one block (`last`: BFINAL): dynamic, fixed or stored, the smallest. */
    function block(last) {
      litFreq[END] = 1;
      var litLen = lengths(litFreq, 15), distLen = lengths(distFreq, 15), k;
      var hlit = 286, hdist = 30;
      while (hlit > 257 && !litLen[hlit - 1]) hlit--;
      while (hdist > 1 && !distLen[hdist - 1]) hdist--;
      // the code lengths, run-length coded: 16 = the last length 3-6 times (2 extra bits),
      // 17 = zero 3-10 times (3 bits), 18 = zero 11-138 times (7 bits)
      var all = new Uint8Array(hlit + hdist), rle = [], clFreq = new Uint32Array(19);
      all.set(litLen.subarray(0, hlit));
      all.set(distLen.subarray(0, hdist), hlit);
      for (k = 0; k < all.length;) {
        var v = all[k], run = 1;
        while (k + run < all.length && all[k + run] === v) run++;
        k += run;
        if (!v) {
          while (run >= 11) { var z = Math.min(run, 138); rle.push(18, z - 11); clFreq[18]++; run -= z; }
          if (run >= 3) { rle.push(17, run - 3); clFreq[17]++; run = 0; }
        } else {
          rle.push(v, -1); clFreq[v]++; run--;
          while (run >= 3) { var r = Math.min(run, 6); rle.push(16, r - 3); clFreq[16]++; run -= r; }
        }
        for (; run > 0; run--) { rle.push(v, -1); clFreq[v]++; }
      }
      var clLen = lengths(clFreq, 7), hclen = 19;
      while (hclen > 4 && !clLen[CL_ORDER[hclen - 1]]) hclen--;
      var dynamic = 3 + 14 + 3 * hclen + cost(litLen, distLen);
      for (k = 0; k < 19; k++) dynamic += clFreq[k] * (clLen[k] + (k === 16 ? 2 : k === 17 ? 3 : k === 18 ? 7 : 0));
      var fixed = 3 + cost(FIXED_LIT, FIXED_DIST);
      var raw = covered - blockStart, chunks = Math.max(1, Math.ceil(raw / STORED_MAX));
      var stored = chunks * (3 + 7 + 32) + raw * 8;
      room((Math.min(dynamic, fixed, stored) >> 3) + 16);
      if (stored <= dynamic && stored <= fixed) {
        for (var at = blockStart, c = 0; c < chunks; c++) {
          var size = Math.min(STORED_MAX, covered - at);
          put(last && c === chunks - 1 ? 1 : 0, 3);   // BTYPE 00
          align();
          out[o++] = size & 255; out[o++] = size >> 8; out[o++] = ~size & 255; out[o++] = (~size >> 8) & 255;   // LEN, NLEN
          out.set(buf.subarray(at, at + size), o);
          o += size; at += size;
        }
      } else if (fixed <= dynamic) {
        put(last ? 3 : 2, 3);   // BTYPE 01
        emit(FIXED_LIT, FIXED_LIT_CODES, FIXED_DIST, FIXED_DIST_CODES);
      } else {
        put(last ? 5 : 4, 3);   // BTYPE 10; HLIT - 257, HDIST - 1, HCLEN - 4; the code-length code
        put(hlit - 257, 5); put(hdist - 1, 5); put(hclen - 4, 4);
        for (k = 0; k < hclen; k++) put(clLen[CL_ORDER[k]], 3);
        var clCodes = codes(clLen);
        for (k = 0; k < rle.length; k += 2) {
          put(clCodes[rle[k]], clLen[rle[k]]);
          if (rle[k + 1] >= 0) put(rle[k + 1], rle[k] === 16 ? 2 : rle[k] === 17 ? 3 : 7);
        }
        emit(litLen, codes(litLen), distLen, codes(distLen));
      }
      nsym = 0; blockStart = covered;
      litFreq.fill(0); distFreq.fill(0);
    }

    // the longest match at p among its chain's earlier positions (from `cand`), if longer than `have`
    var matchAt = 0;
    function longest(p, cand, have) {
      var chain = have >= GOOD ? CHAIN >> 2 : CHAIN, most = Math.min(MAX, end - p), nice = Math.min(NICE, most);
      var best = have, low = Math.max(0, p - MAX_DIST);
      while (cand >= low && chain-- > 0) {
        if (buf[cand + best] === buf[p + best] && buf[cand] === buf[p] && buf[cand + 1] === buf[p + 1]) {
          var l = 2;
          while (l < most && buf[cand + l] === buf[p + l]) l++;
          if (l > best) { best = l; matchAt = cand; if (l >= nice) break; }
        }
        var nxt = prev[cand & WMASK];
        if (nxt >= cand) break;
        cand = nxt;
      }
      return best;
    }

    for (i = 0; i + MIN <= pre.length; i++) insert(i);
    var pos = pre.length, prevLen = MIN - 1, prevAt = 0, waiting = false, len = MIN - 1;
    while (pos < end) {
      var cand = -1;
      if (pos + MIN <= end) { var h = hash(pos); cand = head[h]; prev[pos & WMASK] = cand; head[h] = pos; }
      prevLen = len; prevAt = matchAt; len = MIN - 1;
      if (cand >= 0 && prevLen < LAZY && pos - cand <= MAX_DIST) {
        len = longest(pos, cand, prevLen);   // (no longer than prevLen: none better)
        if (len === MIN && pos - matchAt > TOO_FAR) len = MIN - 1;   // a far 3-byte match costs more than its literals
      }
      if (prevLen >= MIN && len <= prevLen) {   // the match at pos - 1 is the better one
        match(prevLen, pos - 1 - prevAt);
        for (var stop = pos - 1 + prevLen, q = pos + 1; q < stop; q++) if (q + MIN <= end) insert(q);
        pos = pos - 1 + prevLen;
        waiting = false; len = MIN - 1;
      } else {
        if (waiting) literal(buf[pos - 1]);
        waiting = true;
        pos++;
      }
    }
    if (waiting) literal(buf[pos - 1]);
    block(true);
    align();

    var header = new Uint8Array(dict ? 6 : 2);
    header[0] = 0x78;
    var flg = 0x80 | (dict ? 0x20 : 0);
    header[1] = flg + (31 - (0x7800 + flg) % 31) % 31;
    if (dict) { var id = adler32(dict); header[2] = id >>> 24; header[3] = (id >>> 16) & 255; header[4] = (id >>> 8) & 255; header[5] = id & 255; }
    putBig(adler32(data));
    var stream = new Uint8Array(header.length + o);
    stream.set(header);
    stream.set(out.subarray(0, o), header.length);
    return stream;
  }
  /* A batch's request body as JSON text (`cfg`: S.bodyConfig's, its `after` this batch's), every
   * text whole; `c`: the events compacted (compactBatch), if they were. */
  function encodeBody(cfg, events, batchId, c) {
    if (cfg.compact !== false) {   // the intake that serves capture.js decodes it
      // compact@4: the fields as an array, without their keys (compact.py BODY_FIELDS:
      // encoding, session_id, batch_id, events, strings, user, context, after, rules), the
      // last ones left out when empty (the intake reads no strings as an empty list)
      if (!c) c = compactBatch(events);
      var a = [COMPACT, cfg.sessionId, batchId, c.events, c.strings, cfg.user || null, cfg.context || null,
               cfg.after || null, cfg.rules || null];
      while (a.length > BODY_REQUIRED && (a[a.length - 1] === null || (Array.isArray(a[a.length - 1]) && !a[a.length - 1].length))) a.pop();
      return JSON.stringify(a);
    }
    var b = {session_id: cfg.sessionId, batch_id: batchId, events: events};
    if (cfg.after) b.after = cfg.after;
    if (cfg.rules) b.rules = cfg.rules;
    if (cfg.user) b.user = cfg.user;
    if (cfg.context) b.context = cfg.context;
    return JSON.stringify(b);
  }
  /* The long texts of a compacted batch put as {text, id} (the intake keeps them for the
   * session; public ones {text, id, public: true}, kept for the application) or, those the
   * intake has (`known`: their digests) and, when `guess`, the public ones, as {ref: id}: a
   * Promise of {declared: the digests sent whole, named: how many went by digest}; `shared`
   * false: none is public. SHA-256 needs crypto.subtle (a secure context): without it the
   * texts stay whole. */
  function nameTexts(slots, known, guess, shared) {
    var subtle = win.crypto && win.crypto.subtle;
    if (!slots.length || !subtle || !win.TextEncoder) return Promise.resolve({declared: [], named: 0});
    var enc = new win.TextEncoder();
    return Promise.all(slots.map(function (s) { return subtle.digest("SHA-256", enc.encode(s[0][s[1]])); }))
      .then(function (hashes) {
        var out = {declared: [], named: 0};
        hashes.forEach(function (h, i) {
          var bytes = new Uint8Array(h), id = "sha256:", slot = slots[i], pub = shared && slot[2];
          for (var j = 0; j < DIGEST_HEX_BYTES; j++) id += (bytes[j] < 16 ? "0" : "") + bytes[j].toString(16);
          if (known.indexOf(id) >= 0 || (guess && pub)) { slot[0][slot[1]] = {ref: id}; out.named++; }
          else {
            slot[0][slot[1]] = pub ? {text: slot[0][slot[1]], id: id, public: true} : {text: slot[0][slot[1]], id: id};
            out.declared.push(id);
          }
        });
        return out;
      }, function () { return {declared: [], named: 0}; });
  }
  /* A Promise of {text: the body, declared, named}: long texts named (nameTexts) when
   * `cfg.known` is given (not for beacons). */
  function encodeBatch(cfg, events, batchId) {
    if (cfg.compact === false || !cfg.known) {
      return Promise.resolve({text: encodeBody(cfg, events, batchId), declared: [], named: 0});
    }
    var c = compactBatch(events);
    return nameTexts(c.texts, cfg.known, cfg.guess, cfg.publicTexts !== false).then(function (t) {
      return {text: encodeBody(cfg, events, batchId, c), declared: t.declared, named: t.named};
    });
  }
  /* One POST of a body: compressed where the browser can and it pays (a Promise of the Response).
   * keepalive (the request outlives the page) where the body fits the browser's budget and
   * `keepalive` allows it. The budget (64 KB) is shared by the keepalive requests not yet
   * finished - an answer whose body is never read keeps its share - and Chromium refuses a
   * request over it with a network error before sending anything: so the sender tries a
   * batch again without keepalive after a network error. With the worker's dictionary (`dict`,
   * bytes: see DICT_MAX_BYTES) a body of any length is tried: most of a short one is in it. */
  function postBody(fetchFn, url, token, text, keepalive, dict) {
    var zipped = Promise.resolve(null), big = text.length >= ZIP_MIN_CHARS;
    if (dict && win.TextEncoder) {
      zipped = new Promise(function (done) { done(zlibDeflate(new win.TextEncoder().encode(text), dict)); })
        .catch(function () { return big && win.CompressionStream ? compress(text) : null; });
    } else if (big && win.CompressionStream) zipped = compress(text);
    return zipped.then(function (data) {
      if (data && data.byteLength + ZIP_HEADER_BYTES >= text.length) data = null;   // it does not pay
      var headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"};
      if (data) headers["Content-Encoding"] = ZIP_FORMAT;
      return fetchFn(url, {method: "POST", body: data || text, headers: headers, credentials: "omit",
        keepalive: keepalive && (data ? data.byteLength : text.length) < BEACON_MAX_BYTES});
    });
  }

  /* The transport's encoding, compression and fetch off the page's main thread: a Worker made from
   * a Blob of the functions above (one implementation on both threads), so the main thread
   * only hands each batch over (a structured clone) and reads the answer. Where the page's
   * CSP forbids blob: workers, the browser has none, or the worker fails, the same work runs
   * on the main thread (`status().transport` says which). The worker answers each request
   * with what the sender reads of a Response: status, Retry-After, the error text. */
  /* The worker's message handler. Its first message names the dictionary's URL; the worker
   * says which dictionary it uses ({dictionary: id or null}) when that changes. */
  function workerMain() {
    var dictionary = null;   // a Promise of the dictionary (fetchDictionary), null without
    function ready() {   // the dictionary, or null if none came within DICT_WAIT_MS
      if (!dictionary) return Promise.resolve(null);
      return Promise.race([dictionary, new Promise(function (done) { setTimeout(done, DICT_WAIT_MS, null); })]);
    }
    function unknown(r, text) {   // the intake no longer has the dictionary the body used
      if (r.status !== 409) return false;
      try { return JSON.parse(text).error === DICT_UNKNOWN; } catch (e) { return false; }
    }
    return function (e) {
      var m = e.data;
      if (m.dictionary) {
        var asked = dictionary = fetchDictionary(m.dictionary);
        asked.then(function (d) { if (d && dictionary === asked) postMessage({dictionary: d.id}); });
        return;
      }
      encodeBatch(m.cfg, m.events, m.batchId).then(function (b) {
        var post = function (d) {
          return postBody(fetch, m.url, m.token, b.text, m.keepalive, d && d.bytes).then(function (r) {
            return r.text().then(function (text) {   // read even when 202 (see postBody)
              if (d && unknown(r, text)) {   // not a failure: the same batch again, without
                dictionary = null;
                postMessage({dictionary: null});
                return post(null);
              }
              postMessage({n: m.n, status: r.status, retryAfter: r.headers.get("Retry-After"), text: text,
                           declared: b.declared, named: b.named, chars: b.text.length});
            });
          });
        };
        return ready().then(post);
      }).catch(function (err) { postMessage({n: m.n, error: String(err)}); });
    };
  }
  /* The intake's dictionary for the application: a Promise of {bytes, id: its Adler-32 in
   * hex}, or null (none, any answer but a 200 of 1..DICT_MAX_BYTES bytes, a network error). */
  function fetchDictionary(url) {
    return fetch(url, {credentials: "omit"}).then(function (r) {
      return r.status === 200 ? r.arrayBuffer() : null;
    }).then(function (b) {
      if (!b || !b.byteLength || b.byteLength > DICT_MAX_BYTES) return null;
      var bytes = new Uint8Array(b);
      return {bytes: bytes, id: ("0000000" + adler32(bytes).toString(16)).slice(-8)};
    }).catch(function () { return null; });
  }
  function workerSource() {
    var consts = {EV: EV, SRC: SRC, NODE: NODE, COMPACT: COMPACT, BODY_REQUIRED: BODY_REQUIRED,
                  ZIP_MIN_CHARS: ZIP_MIN_CHARS,
                  ZIP_HEADER_BYTES: ZIP_HEADER_BYTES, ZIP_FORMAT: ZIP_FORMAT, NAMES: NAMES,
                  BEACON_MAX_BYTES: BEACON_MAX_BYTES, TEXT_REF_MIN_CHARS: TEXT_REF_MIN_CHARS,
                  DIGEST_HEX_BYTES: DIGEST_HEX_BYTES, ELEMENT_KEYS: ELEMENT_KEYS,
                  DOCUMENT_KEYS: DOCUMENT_KEYS, TEXT_KEYS: TEXT_KEYS, OTHER_KEYS: OTHER_KEYS,
                  DOCTYPE_KEYS: DOCTYPE_KEYS,
                  GIVEN_ID: GIVEN_ID, INTERACTION_KEYS: INTERACTION_KEYS, RUM_PLUGIN: RUM_PLUGIN,
                  RUM_FORM: RUM_FORM, RESOURCE_KEYS: RESOURCE_KEYS, VIEW_KEYS: VIEW_KEYS,
                  ACTION_TAILS: ACTION_TAILS, CONSOLE_PLUGIN: CONSOLE_PLUGIN,
                  CONSOLE_KEYS: CONSOLE_KEYS, MOVE_GAP_MS: MOVE_GAP_MS, MOUSE: MOUSE,
                  META_KEYS: META_KEYS, META_FEATURES_KEYS: META_FEATURES_KEYS, CLICK_RUN: CLICK_RUN, FRUSTRATIONS: FRUSTRATIONS,
                  VARINT_DIGITS: VARINT_DIGITS, VARINT_MORE: VARINT_MORE, DICT_MAX_BYTES: DICT_MAX_BYTES,
                  DICT_WAIT_MS: DICT_WAIT_MS, DICT_UNKNOWN: DICT_UNKNOWN};
    var out = ["\"use strict\";\nvar win = self;"];
    for (var k in consts) out.push("var " + k + " = " + JSON.stringify(consts[k]) + ";");
    out.push(String(nameIndex), "var NAME_INDEX = nameIndex(NAMES);");
    out.push(String(ownUserAgent), "var OWN_UA = ownUserAgent();");
    [compactBatch, compress, encodeBody, nameTexts, encodeBatch, postBody, adler32, zlibDeflate,
     fetchDictionary].forEach(function (f) { out.push(String(f)); });
    out.push("onmessage = (" + String(workerMain) + ")();");
    return out.join("\n");
  }
  function OffThread(worker, url) {
    this.worker = worker;
    this.url = url;
    this.waiting = new Map();   // request number -> {resolve, reject}
    this.seq = 0;
    this.failed = false;
    this.dictionary = null;   // the id of the dictionary the worker compresses with, or null
    var self = this;
    worker.onmessage = function (e) {
      var m = e.data, w = self.waiting.get(m.n);
      if (m.n === undefined) { self.dictionary = m.dictionary; return; }
      if (!w) return;
      self.waiting.delete(m.n);
      if (m.error !== undefined) { w.reject(new Error(m.error)); return; }
      w.resolve({status: m.status, headers: {get: function (name) {
        return name.toLowerCase() === "retry-after" ? m.retryAfter : null;
      }}, text: function () { return Promise.resolve(m.text); }, declared: m.declared, named: m.named,
                 chars: m.chars});
    };
    worker.onerror = function (e) { self.fail("the transport's worker failed: " + (e.message || "error")); };
  }
  /* A Worker, or null where the page cannot have one (CSP, no Worker, no Blob URLs); it
   * fetches the intake's dictionary (`dictionaryUrl`) at once. */
  OffThread.create = function (dictionaryUrl) {
    if (!win.Worker || !win.Blob || !win.URL || !win.URL.createObjectURL) return null;
    var url = null;
    try {
      url = win.URL.createObjectURL(new win.Blob([workerSource()], {type: "text/javascript"}));
      var off = new OffThread(new win.Worker(url), url);
      off.worker.postMessage({dictionary: dictionaryUrl});
      return off;
    } catch (e) {   // a CSP without blob: in worker-src / script-src throws here
      if (url) win.URL.revokeObjectURL(url);
      return null;
    }
  };
  /* A Promise of the answer, as `postBody` gives on the main thread; null when the batch
   * cannot be handed over (the worker failed, an event that cannot be cloned). */
  OffThread.prototype.post = function (msg) {
    if (this.failed) return null;
    var self = this, n = msg.n = this.seq++;
    try { this.worker.postMessage(msg); } catch (e) { return null; }
    return new Promise(function (resolve, reject) { self.waiting.set(n, {resolve: resolve, reject: reject}); });
  };
  /* The worker is unusable: what it holds fails (the sender retries it on the main thread). */
  OffThread.prototype.fail = function (why) {
    if (this.failed) return;
    this.failed = true;
    this.end();
    var waiting = this.waiting;
    this.waiting = new Map();
    waiting.forEach(function (w) { w.reject(new Error(why)); });
  };

  /* The worker's thread ends and its code's URL is freed (no answer is awaited). */
  OffThread.prototype.end = function () {
    if (this.worker === null) return;
    this.worker.terminate();
    this.worker = null;
    win.URL.revokeObjectURL(this.url);
  };

  /* Batches to `POST /v1/events`: one request at a time, compressed where the browser can,
   * retried with backoff on 408/429/5xx/network errors, split on 413, dropped (counted) on 400;
   * on pagehide the rest goes by sendBeacon. Never blocks the page. Each batch has a
   * `batch_id` (this page's random id and a counter); a retry sends the same events under
   * the same id, so a batch whose answer was lost is not stored twice. */
  function Sender(cfg, fetchFn, offThread) {
    this.cfg = cfg;
    this.fetch = fetchFn;
    // our batches are not the page's requests (its Network tab listed our beacons)
    if (win.ReplayRum && win.ReplayRum.ignore) win.ReplayRum.ignore(this.url(false).split("?")[0]);
    this.off = null;   // the OffThread, or null: requests from the main thread
    // a Worker is wanted and not made yet: it is made when the page is idle after its load,
    // or at the first request or status() if sooner (see S.offThread)
    this.offWanted = !!offThread;
    this.queue = [];
    this.bytes = 0;       // the queue's size (eventSize)
    this.share = 1;       // a batch's body length in the compact encoding / its eventSize
    this.snapshots = 0;   // full snapshots in the queue (they are sent within a flush period)
    this.inFlight = false;
    this.timer = null;
    this.timerAt = 0;   // when the timer fires
    this.holdUntil = 0;   // no send before this (the intake's Retry-After, a backoff)
    this.retryMs = RETRY_MS;
    // when the session's last activity was last written to storage: start() just wrote it
    this.touched = Date.now();
    this.page = randomId().slice(0, 16);
    this.batches = 0;
    // the batch this page's first one follows: the last the visit's previous page numbered,
    // read when the first is encoded (S.bodyConfig), not as the script starts - Chromium may
    // run the previous page's pagehide, which writes it, after the next page began
    this.after = null;
    this.afterRead = false;
    this.pending = null;   // {id, n, snapshots}: the batch sent and not yet answered 202 - sent again as it is
    this.dead = null;   // a reason to stop sending (revoked token...)
    this.onRefused = null;   // function (status, body): the intake refused this page (401/403)
    this.onLostSnapshot = null;   // function (status, body): a batch with a snapshot refused (400)
    this.leftOut = false;   // an event the intake refused alone was left out (said once)
    this.onGone = null;   // function (body): the intake deleted this session (410)
    this.closing = false;   // the recording stopped: the rest goes from the page, no worker kept
    this.unguard = null;    // while a stopped recording's rest is unsent: stops sending it as the page is left
    // beacons_zipped: the beacons sent compressed (&encoding=deflate); beacon_chars: their
    // bodies' length before it, beacon_bytes: as sent
    this.stats = {queued: 0, acked: 0, failed: 0, dropped: 0, superseded: 0, requests: 0, beacons: 0,
                  beacons_zipped: 0, beacon_chars: 0, beacon_bytes: 0, texts_named: 0, lost: 0, errors: []};
    // batches whose id is fixed ([{id, n}], the queue's head in order): the earlier pages'
    // unsent batches (readUnsent), and this page's once stored for the next page
    this.fixed = [];
    this.failing = false;   // the last request got no answer, or a 429/5xx: the intake may not get a beacon
    this.kept = false;   // sessionStorage holds batches of this visit (rewritten as they are sent)
    this.known = sessionTexts(cfg.sessionId);   // digests of the long texts the intake has
    this.guess = true;   // name public texts by digest before the intake said it has them
    this.pull = null;   // queues the events the recorder holds back (made when a batch is made)
    this.holding = function () { return false; };   // does the recorder hold some back?
    this.pulling = false;
    this.carry();
  }
  var S = Sender.prototype;
  /* The batches earlier pages of the visit left unsent (readUnsent): at the head of the queue,
   * each sent as it is under its own batch_id before this page's events. */
  S.carry = function () {
    var u = readUnsent(this.cfg.sessionId), named = false;
    this.stats.lost = this.lostBefore = u.lost;   // lost by earlier pages of the visit
    for (var i = 0; i < u.batches.length; i++) {
      var b = u.batches[i];
      for (var j = 0; j < b.events.length; j++) if (b.events[j] && b.events[j].type === EV.FULL) this.snapshots++;
      this.queue = this.queue.concat(b.events);
      for (var k = 0; k < b.events.length; k++) this.bytes += queuedSize(b.events[k]);
      this.stats.queued += b.events.length;
      if (b.id === null) named = true;
      this.fixed.push({id: b.id === null ? this.nextId() : b.id, n: b.events.length});
    }
    this.kept = !!(u.batches.length || u.lost);
    if (named) this.keep();   // the ids given now are the ones a request will carry
  };
  /* The number of events at the queue's head in batches with a fixed id. */
  S.fixedEnd = function () {
    for (var i = 0, n = 0; i < this.fixed.length; i++) n += this.fixed[i].n;
    return n;
  };
  /* Writes what the intake may not have to sessionStorage: the batches with a fixed id, and
   * while sending fails (or `all`) the rest of the queue; nothing once all is sent. */
  S.keep = function (all) {
    var batches = [], at = 0, sid = this.cfg.sessionId;
    for (var i = 0; i < this.fixed.length; i++) {
      batches.push({id: this.fixed[i].id, events: this.queue.slice(at, at + this.fixed[i].n)});
      at += this.fixed[i].n;
    }
    if (this.failing || all) {   // the rest in pieces of a beacon's size: the bound drops the oldest piece
      for (var chunk = [], size = 0; at < this.queue.length; at++) {
        var len = eventSize(this.queue[at]);
        if (chunk.length && size + len > BEACON_MAX_BYTES) { batches.push({id: null, events: chunk}); chunk = []; size = 0; }
        chunk.push(this.queue[at]); size += len;
      }
      if (chunk.length) batches.push({id: null, events: chunk});
    }
    // what does not fit is still in this page's queue: lost only if the page goes now
    this.stats.lost = writeUnsent(sid, batches, this.lostBefore);
    this.kept = !!(batches.length || this.stats.lost);
  };
  /* The whole queue in batches with a fixed id (the batch sent first, as it is), as a
   * beacon sends them. */
  S.fixAll = function () {
    var end = this.fixedEnd();
    if (!this.fixed.length && this.pending) {
      this.fixed.push({id: this.pending.id, n: this.pending.n});
      this.pending.fixed = true;
      end = this.pending.n;
    }
    var n = 0, size = 0;
    for (var i = end; i < this.queue.length; i++) {
      var len = eventSize(this.queue[i]);
      if (n && size + len > BEACON_MAX_BYTES) { this.fixed.push({id: this.nextId(), n: n}); n = 0; size = 0; }
      n++; size += len;
    }
    if (n) this.fixed.push({id: this.nextId(), n: n});
  };
  /* The view id of a RUM view update - a payload {type: "view", view} of the view's figures
   * (emitView in the RUM plugin), not a view's start (which carries the environment, or its
   * loading_type) - else null. */
  function viewUpdateOf(e) {
    var d = e.type === EV.PLUGIN && e.data, p = d && d.plugin === RUM_PLUGIN && d.payload;
    if (!p || p.type !== "view" || !p.view || typeof p.view.id !== "string" || p.view.loading_type !== undefined) return null;
    for (var k in p) if (k !== "type" && k !== "view") return null;
    return p.view.id;
  }
  S.url = function (beacon) {
    var u = this.cfg.intake.replace(/\/+$/, "") + "/v1/events?app=" + encodeURIComponent(this.cfg.app);
    return beacon ? u + "&token=" + encodeURIComponent(this.cfg.token) : u;
  };
  S.dictionaryUrl = function () {   // a simple GET (no header to preflight): the token in the URL
    return this.cfg.intake.replace(/\/+$/, "") + "/v1/dictionary?app=" + encodeURIComponent(this.cfg.app) +
      "&token=" + encodeURIComponent(this.cfg.token);
  };
  S.push = function (event) {
    var vid = viewUpdateOf(event);
    if (vid !== null) this.supersede(vid);
    this.queue.push(event);
    this.bytes += queuedSize(event);
    this.stats.queued++;
    if (event.type === EV.FULL) this.snapshots++;
    if (this.queue.length > QUEUE_MAX_EVENTS) {
      var over = this.queue.length - QUEUE_MAX_EVENTS;
      this.take(Math.max(this.pending ? this.pending.n : 0, this.fixedEnd()), over);   // not the batch sent, nor a fixed one
      this.stats.dropped += over;
    }
    if (!this.pulling) this.schedule(isProblem(event) ? Math.min(PROBLEM_MS, this.wait()) : this.wait());   // (else send() is sending them)
  };
  /* Whether event `e` tells of a problem (PROBLEM_MS): a RUM error or a frustrated click's
   * action, a console line at the error level. */
  function isProblem(e) {
    var d = e.type === EV.PLUGIN && e.data, p = d && d.payload;
    if (!p) return false;
    if (d.plugin === RUM_PLUGIN) return p.type === "error" || (p.type === "action" && !!(p.action && p.action.frustration));
    return d.plugin === CONSOLE_PLUGIN && p.level === "error";
  }
  /* A RUM view update waiting in the queue (not in the batch being sent) for view `vid` goes
   * when a later one of the same view comes: the plugin's updates are cumulative (each holds
   * all the view's figures so far), so the later one says all the earlier one did - as
   * Datadog's SDK throttles view updates. The later one keeps its own time and place. */
  S.supersede = function (vid) {
    var from = Math.max(this.pending ? this.pending.n : 0, this.fixedEnd());
    for (var i = this.queue.length - 1; i >= from; i--) {
      if (viewUpdateOf(this.queue[i]) === vid) {
        this.take(i, 1);
        this.stats.queued--;
        this.stats.superseded++;
        return;
      }
    }
  };
  /* `n` events out of the queue from `at` on (sent, dropped, refused). */
  S.take = function (at, n) {
    var gone = this.queue.splice(at, n);
    for (var g = 0; g < gone.length; g++) this.bytes -= queuedSize(gone[g]);
    if (this.snapshots) for (var i = 0; i < gone.length; i++) if (gone[i].type === EV.FULL) this.snapshots--;
    for (var j = 0, o = 0; j < this.fixed.length; j++) {   // the fixed batches they were in
      var f = this.fixed[j], was = f.n;
      f.n -= Math.max(0, Math.min(o + was, at + gone.length) - Math.max(o, at));
      o += was;
    }
    this.fixed = this.fixed.filter(function (x) { return x.n > 0; });
  };
  /* How long what is queued may wait: at once when a batch is full, a flush period when the
   * queue holds a snapshot or is busy, longer when the page is quiet. The batch being sent
   * (`pending`, still at the head of the queue until answered) does not count: its snapshot
   * is on its way, and a move sampled while it is in flight would otherwise set a timer of
   * one flush period, sending the next few events in a request of their own. */
  S.wait = function () {
    var p = this.pending, ms = this.cfg.flushMs || FLUSH_MS;
    var n = this.queue.length - (p ? p.n : 0), snapshots = this.snapshots - (p ? p.snapshots : 0);
    if (n >= (this.cfg.batchEvents || BATCH_EVENTS)) return 0;
    if (n && (this.bytes - (p ? p.bytes : 0)) * this.share > BEACON_MAX_BYTES) return 0;   // more than a beacon carries
    if (n >= BUSY_EVENTS || snapshots) return ms;
    return ms * QUIET_FACTOR;
  };
  /* A send at most `ms` from now (never before a backoff ends): an earlier timer stands, a
   * later one is brought forward. */
  S.schedule = function (ms) {
    var now = Date.now(), at = Math.max(now + ms, this.holdUntil);
    if (this.timer !== null) { if (at >= this.timerAt) return; clearTimeout(this.timer); }
    var self = this;
    this.timerAt = at;
    this.timer = setTimeout(function () { self.timer = null; self.send(); }, at - now);
  };
  S.nextId = function () { return this.page + "." + (this.batches++); };
  /* A number not used after all - a batch the intake refused whole (400, 413: nothing of it
   * stored, its id not remembered), a beacon split or refused by the browser - goes to the
   * next batch when none was numbered after it: the intake holds a
   * batch `<page>.<n>` until `<page>.<n-1>` is stored, up to a few seconds (its order.py), so
   * a gap in the count would cost the next batch that wait. */
  S.giveBack = function (id) {
    if (id === this.page + "." + (this.batches - 1)) this.batches--;
  };
  /* What the body of batch `batchId` says of the page besides its events (encodeBody,
   * encodeBatch: here, in the worker, in a beacon): one reading of it for every way a batch
   * goes. The previous page's last batch is read as the page's first is encoded, once (one
   * this page wrote itself - hidden with no sendBeacon before its first went - is not it). */
  S.bodyConfig = function (batchId) {
    var cfg = this.cfg, first = this.page + ".0";
    if (!this.afterRead && batchId === first) {
      var last = readLast(cfg.sessionId);
      this.after = last && last.lastIndexOf(this.page + ".", 0) !== 0 ? last : null;
      this.afterRead = true;
    }
    return {sessionId: cfg.sessionId, compact: cfg.compact, user: cfg.user, context: cfg.context,
            rules: cfg.rulesDigest, known: this.known, after: batchId === first ? this.after : null,   // (a page's first batch only)
            guess: this.guess, publicTexts: cfg.publicTexts};
  };
  S.body = function (events, batchId) {
    return encodeBody(this.bodyConfig(batchId), events, batchId);
  };
  /* One request for a batch: by the worker when there is one, else on the main thread. */
  S.request = function (batch, batchId, keepalive) {
    var off = this.offThread(), cfg = this.cfg;
    if (off && !off.failed) {
      var answer = off.post({url: this.url(false), token: cfg.token, events: batch, batchId: batchId,
                             keepalive: keepalive, cfg: this.bodyConfig(batchId)});
      if (answer) return answer;
      if (off.failed) this.note("the transport's worker failed: sending from the page");
    }
    var self = this;
    return encodeBatch(this.bodyConfig(batchId), batch, batchId).then(function (b) {
      return postBody(self.fetch, self.url(false), cfg.token, b.text, keepalive).then(function (r) {
        return {status: r.status, headers: r.headers, text: function () { return r.text(); },
                declared: b.declared, named: b.named, chars: b.text.length};
      });
    });
  };
  /* The intake answered 202 for a batch: the long texts it held whole are the intake's now. */
  S.textsSent = function (r) {
    if (r.named) this.stats.texts_named += r.named;
    if (!r.declared || !r.declared.length) return;
    var known = this.known.concat(r.declared.filter(function (d) { return this.known.indexOf(d) < 0; }, this));
    this.known = known.slice(-TEXTS_KEPT);
    keepSessionTexts(this.cfg.sessionId, this.known);
  };
  /* The recording stopped: what is queued is sent, and the worker ends as soon as no request
   * of it is in flight (the rest goes from the page), so a stop() and a start() leave no
   * idle worker behind. */
  S.close = function () {
    this.closing = true;
    if (!this.inFlight) this.release();
    this.send();
    this.guardExit();
  };
  /* A stopped recording's last events wait behind a request still in flight (or for a
   * retry), and the recording's own pagehide no longer listens: a site that stops capture.js
   * and leaves the page at once (signing out, then sent to its home page) lost them - and the
   * batch in flight too, where its request had not gone yet. Until they are sent, leaving (or
   * hiding) the page sends them by beacon, as a recording's leaving does. */
  S.guardExit = function () {
    if (this.settled()) return;
    var self = this;
    // by beacon only: what none carries is not kept for the visit's next page (a session
    // ended has none; a restarted one's new sender keeps its own in the tab's one slot)
    var left = function () {
      self.beaconRest(true);
      if (self.unguard && self.settled()) self.unguard();
    };
    var hidden = function () { if (doc.visibilityState === "hidden") left(); };
    this.unguard = function () {
      win.removeEventListener("pagehide", left);
      doc.removeEventListener("visibilitychange", hidden);
      self.unguard = null;
    };
    win.addEventListener("pagehide", left);
    doc.addEventListener("visibilitychange", hidden);
  };
  /* Nothing left to send, or nothing more will be (refused, the session deleted). */
  S.settled = function () { return !this.queue.length || !!this.dead; };
  S.release = function () {
    this.offWanted = false;
    if (this.off) { this.off.end(); this.off = null; }
  };
  /* The OffThread (made now if it is wanted and not made yet), or null. Making a Worker from
   * a Blob costs the main thread a few ms (the Blob's URL and the worker are registered with
   * the browser, synchronously): not while the page loads, unless a request needs it. */
  S.offThread = function () {
    if (this.offWanted && !this.closing) { this.offWanted = false; this.off = OffThread.create(this.dictionaryUrl()); }
    return this.off;
  };
  /* At the page's first idle moment after its load: the Worker is made (the first request
   * makes it if it comes sooner), and the page's snapshot goes - a live viewer sees the page
   * as soon as it has loaded; what comes after it is sent as a quiet or busy page's events
   * are (S.wait). */
  S.prepare = function () {
    var self = this, make = function () {
      self.offThread();
      if (self.snapshots > (self.pending ? self.pending.snapshots : 0) || self.fixed.length) self.schedule(0);
    };
    var idle = function () {
      if (win.requestIdleCallback) win.requestIdleCallback(make, {timeout: WORKER_IDLE_MAX_MS});
      else setTimeout(make, 0);
    };
    if (doc.readyState === "complete") idle();
    else win.addEventListener("load", idle, {once: true});
  };
  /* The intake refused batch `p` (400) for one of its events alone (`event` in its answer
   * `text`: over the 1 MB event limit, say - a 1,500-row table rendered at once): that event is
   * left out, counted in `failed` and said in the console (the first time), and the rest goes
   * again under the same batch_id (a refused batch stored nothing) - a click and a text change
   * beside it were lost with it, the page's replay jumping over them; a page snapshot is
   * replaced by the Custom event that says it was not recorded. Whether it did. */
  S.leaveOut = function (p, text) {
    var k = null;
    try { k = JSON.parse(text).event; } catch (e) { k = null; }
    if (typeof k !== "number" || k !== Math.floor(k) || k < 0 || k >= p.n) return false;
    var ev = this.queue[k], why = text;
    if (p.n < 2 && ev.type !== EV.FULL) return false;
    try { why = JSON.parse(text).message || text; } catch (e) { /* as it came */ }
    if (ev.type === EV.FULL) {
      /* a page snapshot goes as what the replay shows in its place (mirror.py: "This page was
       * not recorded", the intake's words) - without it, the page's changes were replayed as
       * damage, or onto the last page's nodes of the same ids */
      var said = {type: EV.CUSTOM, timestamp: ev.timestamp,
                  data: {tag: PAGE_NOT_RECORDED, payload: {why: String(why).slice(0, 300)}}};
      this.queue[k] = said;
      if (this.snapshots) this.snapshots--;
      p.snapshots--;
      this.bytes += queuedSize(said);
      p.bytes += queuedSize(said);
    } else {
      this.take(k, 1);
      p.n--;
      p.bytes -= queuedSize(ev);
    }
    this.stats.failed++;
    if (this.kept) this.keep();
    if (!this.leftOut) {
      this.leftOut = true;
      try { win.console.warn("Session Replay: the intake refused one event of this page (" + String(why).slice(0, 200) +
                             ") - it was left out, the rest sent."); } catch (e) { /* no console */ }
    }
    if (ev.type === EV.FULL && this.onLostSnapshot) this.onLostSnapshot(400, text);
    return true;
  };
  S.note = function (msg) { this.stats.errors.push(msg); if (this.stats.errors.length > 20) this.stats.errors.shift(); };
  S.send = function () {
    if (this.inFlight || this.dead) return;
    if (this.pull && !this.pending) {   // what the recorder holds back (mouse moves) goes too
      this.pulling = true;
      try { this.pull(); } finally { this.pulling = false; }
    }
    if (!this.queue.length) return;
    var self = this;
    if (!this.pending) {
      var f = this.fixed[0];   // an earlier page's batch, or one stored for the next page: as it is
      var size = f ? f.n : Math.min(this.queue.length, this.cfg.batchEvents || BATCH_EVENTS), snaps = 0;
      for (var i = 0; this.snapshots && i < size; i++) if (this.queue[i].type === EV.FULL) snaps++;
      for (var b = 0, bytes = 0; b < size; b++) bytes += queuedSize(this.queue[b]);
      this.pending = {id: f ? f.id : this.nextId(), n: size, snapshots: snaps, bytes: bytes, plain: false, fixed: !!f};   // plain: without keepalive
    }
    var p = this.pending, n = p.n;
    this.inFlight = true;
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }   // rescheduled after
    this.stats.requests++;
    var answer;
    try { answer = this.request(this.queue.slice(0, n), p.id, !p.plain); }
    catch (e) { answer = Promise.reject(e); }
    answer.then(function (r) {
      if (self.pending !== p) return "next";   // the beacon took it (same batch_id: stored once)
      if (r.status === 202) {
        r.text().catch(function () { /* read only to end the request (see postBody) */ });
        self.textsSent(r);
        if (r.chars && !p.snapshots && p.bytes >= COMPACT_SHARE_FROM) {   // (a snapshot is not counted in bytes)
          self.share = Math.min(1, Math.max(COMPACT_SHARE_MIN, r.chars / p.bytes * COMPACT_SHARE_MARGIN));
        }
        self.pending = null;
        self.take(0, n);
        self.stats.acked += n;
        self.failing = false;
        if (self.kept) self.keep();   // what the next page would send again: only what is still unsent
        self.retryMs = RETRY_MS;
        self.holdUntil = 0;
        var now = Date.now();
        if (now - self.touched >= TOUCH_MS) { touchSession(self.cfg.sessionId); self.touched = now; }
        return "next";
      }
      return r.text().then(function (t) {
        self.note(r.status + " " + t.slice(0, 200));
        if (r.status === 413) {   // too big: halve the batch; one event alone too big is dropped
          self.pending = null;   // (a smaller batch is another batch)
          if (n === 1) { self.take(0, 1); self.stats.failed += 1; if (!p.fixed) self.giveBack(p.id); }
          else if (p.fixed) self.fixed.splice(0, 1, {id: self.nextId(), n: Math.floor(n / 2)}, {id: self.nextId(), n: n - Math.floor(n / 2)});
          else { self.cfg.batchEvents = Math.max(1, Math.floor(n / 2)); self.giveBack(p.id); }
          if (self.kept) self.keep();
          return "next";
        }
        // 408: the intake's deadline for a body passed (a slow link) - the batch is fine
        if (r.status === 408 || r.status === 429 || r.status >= 500) {
          self.failing = true;
          var after = parseFloat(r.headers.get("Retry-After"));
          return isFinite(after) && after > 0 ? after * 1000 : "backoff";
        }
        if (r.status === 401 || r.status === 403) {   // this page may not send: no retry
          self.dead = "refused: " + r.status;
          self.queue = [];
          self.bytes = 0;
          self.fixed = [];
          self.pending = null;
          if (self.kept) self.keep();
          if (self.onRefused) self.onRefused(r.status, t);
          return "stop";
        }
        if (r.status === 410) {   // the session was deleted on the intake: a new one begins
          self.dead = "session deleted";
          self.queue = [];
          self.bytes = 0;
          self.fixed = [];
          self.pending = null;
          if (self.kept) self.keep();
          if (self.onGone) self.onGone(t);
          return "stop";
        }
        if (r.status === 409 && t.indexOf("unknown_text") >= 0 && (self.known.length || self.guess)) {
          // the intake does not have a text named by digest (any more): the same batch goes
          // with them whole, and this page no longer guesses
          self.known = [];
          self.guess = false;
          keepSessionTexts(self.cfg.sessionId, self.known);
          return 0;
        }
        if (r.status === 400 && self.leaveOut(p, t)) return 0;   // the rest of it, at once
        self.pending = null;
        if (r.status === 400 && !p.fixed) self.giveBack(p.id);
        var snapshot = self.queue.slice(0, n).some(function (e) { return e.type === EV.FULL; });
        self.take(0, n);   // malformed for the intake: sending it again cannot help
        self.stats.failed += n;
        if (self.kept) self.keep();
        if (snapshot && self.onLostSnapshot) self.onLostSnapshot(r.status, t);
        return "next";
      });
    }).catch(function (e) {
      // (the worker's failure comes as an Error of its words: "Error: TypeError: Failed to
      // fetch" said the name twice - a developer's tryout)
      self.note(e && e.name === "Error" && e.message ? e.message : String(e));
      p.plain = true;   // perhaps refused for the keepalive budget: the retry goes without
      self.failing = true;
      return "backoff";
    }).then(function (next) {
      self.inFlight = false;
      if (self.closing) self.release();
      if (self.unguard && self.settled()) self.unguard();   // all sent: nothing to guard
      if (next === "stop") return;
      // the intake did not answer: what is queued is kept for the visit's next page too
      if (self.failing && next !== "next") self.keep();
      if (next === "next") { if (self.queue.length || self.holding()) self.schedule(self.wait()); return; }
      var wait = next === "backoff" ? self.retryMs : next;   // 429/5xx/offline: later
      self.retryMs = Math.min(RETRY_MAX_MS, self.retryMs * 2);
      if (self.timer !== null) clearTimeout(self.timer);
      self.timer = null;
      self.holdUntil = Date.now() + wait;
      self.schedule(0);
    });
  };
  /* A beacon's body for `events` under `batchId`: {data: the text, or its zlib stream, zipped,
   * chars: the text's length, size: what is sent}. Compressed on the page's thread when it is
   * at most BEACON_ZIP_MAX_CHARS long, and sent so when it pays. Never against the shared
   * dictionary: the intake may have removed it since the worker fetched it (turned off,
   * pruned), and a beacon compressed against a removed one is refused (409) with no one to
   * hear it and send it again - its events lost; and the dictionary's hash chains cost a
   * leaving page ~10 ms more (cold), for ~1.3 KB less on the shop. */
  S.beaconBody = function (events, batchId, text) {
    if (text === undefined) text = this.body(events, batchId);
    var data = null;
    if (win.TextEncoder && text.length >= ZIP_MIN_CHARS && text.length <= BEACON_ZIP_MAX_CHARS) {
      try { data = zlibDeflate(new win.TextEncoder().encode(text), null); } catch (e) { data = null; }
      if (data && data.length + ZIP_HEADER_BYTES >= text.length) data = null;   // it does not pay
    }
    return {data: data || text, zipped: !!data, chars: text.length, size: data ? data.length : text.length};
  };
  /* One beacon of a body (beaconBody); whether the browser took it. The intake that serves
   * capture.js is the one it posts to (the same version), so it knows `&encoding=`. */
  S.sendBeacon = function (b) {
    var ok = false;
    try {
      ok = win.navigator.sendBeacon(this.url(true) + (b.zipped ? BEACON_ENCODING : ""),
                                    new Blob([b.data], {type: "text/plain"}));
    } catch (e) { ok = false; }
    if (ok) {
      this.stats.beacons++;
      if (b.zipped) this.stats.beacons_zipped++;
      this.stats.beacon_chars += b.chars;
      this.stats.beacon_bytes += b.size;
    }
    return ok;
  };
  /* `list` by beacon under new batch ids: one, or when its body is over the budget as sent its
   * halves, in order (an event alone goes as it is: the browser may refuse it). How many events
   * the browser took (none after the first it refused). */
  S.beaconSplit = function (list) {
    var id = this.nextId(), b = this.beaconBody(list, id);
    if (list.length > 1 && b.size > BEACON_MAX_BYTES) {
      this.giveBack(id);   // the halves take its number
      var half = list.length >> 1, sent = this.beaconSplit(list.slice(0, half));
      return sent < half ? sent : sent + this.beaconSplit(list.slice(half));
    }
    if (this.sendBeacon(b)) return list.length;
    this.giveBack(id);   // refused: what is kept for the next page is numbered from it
    return 0;
  };
  /* The page is going away: what is left goes now, by beacon (compressed: S.beaconBody; the
   * token in the URL).
   * What no beacon carries - an event over the budget, the rest once the budget is spent, and
   * the batch being sent when its body is too big for one (its fetch, without keepalive, may
   * be cut short with the page) - is kept in sessionStorage under fixed batch ids, as when
   * the intake cannot be reached: the visit's next page sends it (the intake stores a batch
   * that did arrive once); `status().lost` counts only what the storage could not hold. */
  S.beacon = function () {
    this.beaconRest();
    // (after the rest is numbered: the next page's first batch follows the last of them)
    if (this.batches && !this.dead) writeLast(this.cfg.sessionId, this.page + "." + (this.batches - 1));
  };
  S.beaconRest = function (unkept) {   // unkept: what no beacon carries is not kept (S.guardExit)
    if (this.settled()) return;
    var can = !!win.navigator.sendBeacon;
    if (this.failing || this.fixed.length || !can) {
      // the intake may be unreachable (a beacon to it is lost without a word): every batch
      // gets its id and is stored for the visit's next page, which sends them first; the
      // beacons go too, under the same ids (one that lands is stored once), and the queue
      // stays as it is (a page that only went hidden sends them again, under those ids)
      this.fixAll();
      if (!unkept) this.keep(true);
      if (!can) return;
      for (var k = 0, at = 0; k < this.fixed.length; k++) {   // refused: stored, the next page sends it
        var f = this.fixed[k];
        this.sendBeacon(this.beaconBody(this.queue.slice(at, at + f.n), f.id));
        at += f.n;
      }
      return;
    }
    // the batch sent (still being compressed, in flight, or waiting for its retry) goes first,
    // as it is under its batch_id: if its own request lands too, the intake stores it once
    var p = this.pending, start = 0, i = 0;
    var events = this.queue.slice();
    var chunk = [], size = 0, sent = 0, ok = true;
    if (p) {
      if (this.sendBeacon(this.beaconBody(events.slice(0, p.n), p.id))) { sent = i = p.n; this.pending = null; }
      else if (this.inFlight) start = i = p.n;   // too big for a beacon: kept (below), its fetch may land too
      else ok = false;
    }
    // in order, until one is refused (the budget spent, an event over it): the rest is kept,
    // so that nothing arrives before what came earlier. A beacon gathers events up to the body
    // it may compress (their JSON's size times the share the compact encoding took: S.wait),
    // and never fewer than an uncompressed one carries: each beacon compresses cold (see
    // BEACON_ZIP_MAX_CHARS), the fewer the better; one too long to compress goes as it is
    var most = Math.max(BEACON_MAX_BYTES, win.TextEncoder ? BEACON_ZIP_MAX_CHARS / this.share : 0);
    for (; i < events.length && ok; i++) {
      var len = eventSize(events[i]);
      if (chunk.length && size + len > most) {
        var took = this.beaconSplit(chunk);
        sent += took;
        if (took < chunk.length) { ok = false; break; }
        chunk = []; size = 0;
      }
      chunk.push(events[i]); size += len;
    }
    if (chunk.length && ok) sent += this.beaconSplit(chunk);
    if (sent) {
      this.take(start, sent);
      this.stats.acked += sent;   // handed to the browser, which delivers it after the page
    }
    if (this.queue.length) {   // what no beacon carried: for the visit's next page
      this.fixAll();
      if (!unkept) this.keep(true);
    }
  };
  S.status = function () {
    var st = this.stats;
    return {session_id: this.cfg.sessionId, queued: st.queued, acked: st.acked, failed: st.failed,
            dropped: st.dropped, superseded: st.superseded, requests: st.requests, beacons: st.beacons,
            beacons_zipped: st.beacons_zipped, beacon_chars: st.beacon_chars, beacon_bytes: st.beacon_bytes,
            texts_named: st.texts_named,
            lost: st.lost,
            after: this.after,   // the batch of the visit's previous page this page's first follows
            errors: st.errors.slice(-5), idle: !this.inFlight && !this.queue.length, stopped: this.dead,
            transport: this.offThread() && !this.off.failed ? "worker" : "main",
            dictionary: this.off && !this.off.failed ? this.off.dictionary : null,   // its Adler-32, hex
            next_send_ms: this.timer === null ? null : Math.max(0, this.timerAt - Date.now())};
  };

  var session = null;   // {stopRecording, sender, cleanup}
  // new sessions a page begins after the intake deleted its session (410): past this, a 410
  // that keeps coming (a proxy, a retired endpoint) stops the recording instead
  var RESTARTS_MAX = 3, restarts = 0;
  /* `carried`: what a session going on as a new one hands it (`again`): {echoes, formFields,
   * handedOn}. */
  function start(cfg, carried) {
    cfg = cfg || {};
    if (session) stop(true);
    if (!cfg.intake || !cfg.app || !cfg.token) throw new Error("ReplayCapture.start needs {intake, app, token}");
    var visit = sessionOf(Date.now(), cfg.sessionId);
    // the digest of the rules as `replay app rules NAME --json` gave them (Rules.for_capture),
    // sent with each batch: the intake says in its log when a page's copy has gone stale
    var rules = cfg.rules && typeof cfg.rules.digest === "string" ? cfg.rules.digest.slice(0, 64) : null;
    var conf = {intake: String(cfg.intake), app: String(cfg.app), token: String(cfg.token), rulesDigest: rules,
                user: cfg.user || null, context: cfg.context || null,
                sessionId: visit.id, flushMs: cfg.flushMs,
                batchEvents: cfg.batchEvents, compact: cfg.compact,
                publicTexts: cfg.publicTexts !== false};
    // the page's own fetch: our requests are not the page's (the RUM plugin wraps fetch)
    var pageFetch = win.ReplayRum && win.ReplayRum.pageFetch || win.fetch;
    // a fetch of the caller's own (tests, proxies) runs where it was given: on the main thread
    var sender = new Sender(conf, (cfg.fetch || pageFetch).bind(win), !cfg.fetch && cfg.worker !== false);
    var tap = typeof cfg.emit === "function" ? cfg.emit : null;
    if (carried) keepFormFields(conf.sessionId, carried.formFields);
    if (carried && carried.handedOn && cfg.carryEchoes !== false) keepEchoes(conf.sessionId, carried.handedOn);
    var me = null;   // this start's session: a sender of an earlier one acts on nothing
    // mouse moves wait in the recorder until the sender sends (it pulls them): they need no
    // timer of their own, only one of the sender's
    sender.pull = function () { if (current) current.sendMoves(); };
    sender.holding = function () { return !!(current && current.moves.length); };
    // the session's rules, kept by the page itself as the intake keeps them: after 15
    // minutes without an event, or 4 hours on, the intake begins a new session - one whose
    // first events are this page's next changes, with no snapshot to play them on. So the page
    // begins the new session itself, with a snapshot of the page as it is then (a visitor back
    // from lunch to a tab left open). A session id the caller gave is theirs to change.
    var lastAt = Date.now(), began = visit.created, renewing = false;
    // the digests of the values typed here, for the visit's next pages (Echoes.handOn): kept
    // a moment after a value is learnt (a form may be sent at once: the next page may begin
    // before this one's pagehide), and as the page is left
    var echoTimer = 0, carry = cfg.carryEchoes !== false, ownBefore = {}, hadBefore = null;
    var handOn = function () {
      if (echoTimer) clearTimeout(echoTimer);
      echoTimer = 0;
      if (!carry || !current || session !== me || me.done) return;
      // in the session's salt, when it has one (the page before this one wrote none, say,
      // and a later page drew its own)
      var kept = sessionEchoes(conf.sessionId);
      var handed = current.P.echoes.handOn(kept && typeof kept.salt === "number" ? kept.salt >>> 0 : undefined);
      // what the session held before this page first wrote is never this page's to take back
      // (an earlier page's value, typed here too on the way to a longer one: a reviewer's)
      if (hadBefore === null) {
        hadBefore = {};
        ((kept && kept.digests) || []).forEach(function (d) { hadBefore[d[0] + ":" + d[1]] = true; });
      }
      var own = {}, stale = {};
      handed.own.forEach(function (k) { own[k] = true; });
      Object.keys(ownBefore).forEach(function (k) { if (!own[k] && !hadBefore[k]) stale[k] = true; });
      keepEchoes(conf.sessionId, handed, stale);
      ownBefore = own;
    };
    /* This page begins again: stopped, then started with what the session masked handed on
     * - the values typed here, as they were (Echoes: their fields, what fades, a password's
     * mark: given whole to a new one, a keystroke's on the way never faded there and each
     * prefix was handed on - a reviewer's), GET-form fields, the digests for the next pages -
     * in a new session (`anew`: the intake deleted this one, or its time is up) or, shown
     * again out of the back/forward cache, in this one. */
    var again = function (anew) {
      var handed = {echoes: current ? current.P.echoes : null, formFields: sessionFormFields(conf.sessionId),
                    handedOn: current ? current.P.echoes.handOn() : null};
      stop(true);
      if (anew) forgetSession(conf.sessionId);
      else delete begunHere[conf.sessionId];   // (other pages of the visit may have left batches)
      start(cfg, handed);
    };
    var renew = function () { if (session === me && !me.done) again(true); };
    var stopRecording = record({rules: cfg.rules, mousemoveWait: cfg.mousemoveWait,
                                recordCanvas: cfg.recordCanvas, canvasFps: cfg.canvasFps,
                                formFields: sessionFormFields(conf.sessionId),
                                echoes: carried ? carried.echoes : null, onTyped: cfg.onTyped,
                                formFieldsMasked: function (fields) { keepFormFields(conf.sessionId, fields); },
                                handedEchoes: function () { return carry ? sessionEchoes(conf.sessionId) : null; },
                                echoesKept: function (now) {
                                  if (now) { if (echoTimer) handOn(); }
                                  else if (!echoTimer) echoTimer = setTimeout(handOn, ECHO_KEEP_MS);
                                },
                                movesWaiting: function () { sender.schedule(sender.wait()); },
                                emit: function (e) {
      if (renewing) return;   // (the events between: of neither session)
      var t = typeof e.timestamp === "number" ? e.timestamp : Date.now();
      if (!cfg.sessionId && (t - lastAt > SESSION_IDLE_MS || t - began > SESSION_MAX_MS)) {
        renewing = true;
        setTimeout(renew, 0);   // (not from inside the recorder's own callback)
        return;
      }
      lastAt = t;
      sender.push(e);
      if (tap) tap(e);
    }});
    // refused (an unknown app, a foreign origin, a revoked token): recording this page is
    // useless - it stops, and the site's developer reads why in the console, once a page
    var whyOf = function (body) {   // the intake's message, else the body as it came
      try { return JSON.parse(body).message || body; } catch (e) { return body; }
    };
    var refused = function (status, body) {
      stop(true);
      try { win.console.warn("Session Replay: the intake refused this page's recording (" + status + "): " +
                             String(whyOf(body)).slice(0, 300) + " - capture.js stopped."); } catch (e) { /* no console */ }
    };
    sender.onRefused = function (status, body) {
      if (session === me && !me.done) refused(status, body);
    };
    // a page snapshot the intake refused (over its 1 MB event limit, say): the visit cannot
    // be played back from it - said once in the console, as a refusal is (recording goes on:
    // the next page's snapshot may fit)
    sender.onLostSnapshot = function (status, body) {
      try { win.console.warn("Session Replay: the intake refused this page's snapshot (" + status +
                             "): " + String(whyOf(body)).slice(0, 300) + " - this page will not play back."); }
      catch (e) { /* no console */ }
    };
    // the session was deleted on the intake while this visit went on (`replay delete`): the
    // rest of the visit is a new session, beginning with a new snapshot of the page and
    // knowing what this one masked (values typed, GET-form fields) - joining the one another
    // tab of the visit began already, if it did. A session id the caller gave is theirs to
    // change, and a 410 that keeps coming is not the intake's: recording stops instead.
    sender.onGone = function (body) {
      if (session !== me || me.done) return;
      var code = null;
      try { code = JSON.parse(body).error; } catch (e) { /* not the intake's */ }
      if (code !== "session_deleted" || cfg.sessionId || restarts >= RESTARTS_MAX) {
        refused(410, body);
        return;
      }
      restarts++;
      again(true);
    };
    var leave = function () {
      if (echoTimer) handOn();
      if (current) current.flush();
      if (current) current.sendMoves();
      sender.beacon();
    };
    var hidden = function () { if (doc.visibilityState === "hidden") leave(); };
    // back (or forward) to this page out of the browser's back/forward cache: the visit went
    // on in other pages meanwhile, whose snapshots the player shows now - this page begins
    // again as the visit's next page (a snapshot of it as it is, its batches numbered anew,
    // the first following the last page's), in the same session while it lasts (a snapshot-
    // less page's changes would play on another page's DOM)
    var shown = function (e) {
      if (e.persisted && session === me && !me.done) again(false);
    };
    sender.prepare();
    win.addEventListener("pagehide", leave);
    win.addEventListener("pageshow", shown);
    doc.addEventListener("visibilitychange", hidden);
    session = me = {stopRecording: stopRecording, sender: sender, cleanup: function () {
      win.removeEventListener("pagehide", leave);
      win.removeEventListener("pageshow", shown);
      doc.removeEventListener("visibilitychange", hidden);
    }};
    return conf.sessionId;
  }
  /* The errors and console calls the install snippet kept while capture.js loaded - or record
   * mode's browser, from the page's start until Record was pressed: the same lines,
   * recorder/paths.py EARLY_KEEPER - (`window.ReplayCaptureEarly`: [{t, e}], the page's
   * `error` and `unhandledrejection` events, and `{console: level, args}` for a console call,
   * and when they came): the console line (its arguments encoded now, scrubbed as any line's
   * are, without a trace) and the RUM error each would have made, in order, each dated its own
   * time - a page whose inline script failed as it loaded is a session with errors. Taken when
   * recording starts (record()), once: no more are kept after it (`done`). */
  var EARLY_ERRORS = "ReplayCaptureEarly";
  function pastErrors(kept) {
    if (!Array.isArray(kept) || kept.done) return;
    kept.done = true;
    var rum = win.ReplayRum && win.ReplayRum.pastError;
    for (var i = 0; i < kept.length; i++) {
      var x = kept[i], ev = x && x.e;
      if (!ev || typeof x.t !== "number") continue;
      try {
        if (typeof ev.console === "string" && Array.isArray(ev.args)) {   // a console call (the snippet)
          if (current && CONSOLE_LEVELS.indexOf(ev.console) >= 0) {
            current.pastPlugin(consolePlugin.name, {level: ev.console, trace: [],
                                                    payload: ev.args.slice(0, ARGS_MAX).map(encodeArg)}, x.t);
          }
          continue;
        }
        if (ev.type === "error" && !(ev.target && ev.target !== win) && current) current.pastPlugin(consolePlugin.name, errorLine(ev), x.t);
        if (rum) rum(ev, x.t);
      } catch (e) { /* never break the page */ }
    }
    kept.length = 0;
  }
  /* End recording; the queue is sent. `keepSession` is for a restart: otherwise the session
   * ends too (a kiosk's next visitor gets a new one). */
  function stop(keepSession) {
    if (!session || session.done) return;
    // the page's requests still waiting for their answer, as pending (not at a restart: the
    // page goes on, and their answers come to the next recording)
    if (keepSession !== true && win.ReplayRum) { try { win.ReplayRum.unanswered(); } catch (e) { /* never break the page */ } }
    session.stopRecording();
    session.cleanup();
    session.sender.close();
    if (keepSession !== true) { try { var st = tabStorage(); if (st) st.removeItem(SESSION_KEY); } catch (e) { /* private mode */ } }
    session.done = true;
  }
  /* The visit's stored session is forgotten if it is `id` (another tab may have begun the
   * next one already: that one stays, and this tab joins it). */
  function forgetSession(id) {
    var st = tabStorage();
    try {
      var s = st && JSON.parse(st.getItem(SESSION_KEY) || "null");
      if (s && s.id === id) st.removeItem(SESSION_KEY);
    } catch (e) { /* private mode */ }
  }

  win.ReplayCapture = {
    record: record,
    start: start,
    stop: function () { stop(false); },
    setUser: function (user) {
      if (session) session.sender.cfg.user = user ? {id: user.id, name: user.name, email: user.email} : null;
    },
    /* Send what is waiting now; the sender's counts (for tests and the demo page). */
    flush: function () {
      if (current) { current.flush(); current.sendMoves(); }
      if (session) { session.sender.send(); return session.sender.status(); }
      return null;
    },
    status: function () { return session ? session.sender.status() : null; },
    /* A batch's events as start() posts them ({events, strings}; `compact: false` posts plain). */
    compactBatch: function (events) { var c = compactBatch(events); return {events: c.events, strings: c.strings}; },
    /* Bytes as the worker posts them with the intake's dictionary (a zlib stream; `dictionary`
     * bytes or null) - for tests and benchmarks. */
    deflate: function (bytes, dictionary) { return zlibDeflate(bytes, dictionary || null); },
    /* `text` with the rules' console redactions (`patterns`) masked as the page masks them -
     * for tests. */
    redact: function (patterns, text) { var r = redactor(patterns); return r ? r(text) : text; },
    /* `text` with the URL parameters whose whole value is one of `values` masked (a masked
     * field's short value, a masked choice's: Echoes.addParam) - for tests. */
    paramEchoes: function (values, text) {
      var e = new Echoes();
      values.forEach(function (v) { e.addParam(v); });
      return e.scrub(text);
    },
    version: 1
  };
})(window);
