/* The shadow keeper: record mode's (app/record/browser.py), injected while recording at the
 * creation of every document of the recording browser, frames' included, before the page's
 * own scripts, and again with the bridge (bridge.js) into a document recorded after it began;
 * and the install snippet's (recorder/paths.py early_keeper, minified), in a site's pages
 * before capture.js has loaded, where capture.js takes it (R.hookShadows).
 * A closed shadow root shows nothing of itself to the document around it, and rrweb records
 * nothing inside one, so the bridge listens on each such root for what is typed into its
 * fields - but a frame's scripts have run by the frame's load, when the bridge first sees the
 * frame: the roots they made closed are kept here until the bridge takes them. A realm's
 * keeper (`window.__replayShadowKeeper`): `take(fn)` calls `fn` with each root kept, and with
 * every root made from then on, until `leave(fn)` (a recorder stopped); `of(w)` is another
 * window's keeper, made if it has none (a frame whose document began before recording). The
 * one wrapper of `attachShadow` record mode makes. It reads nothing and sends nothing
 * itself. On a site whose recorder never comes (blocked, the intake down), it holds the
 * page's memory as little as it can: each root weakly where the browser can (a component
 * gone is let go), and the newest KEPT_MAX (the live ones: a page that made more than that
 * before its recorder came is a page whose oldest have most likely gone).
 */
(function (win) {
  "use strict";
  var KEPT_MAX = 500;
  var Weak = typeof win.WeakRef === "function" ? win.WeakRef : null;
  /* `w`'s keeper, made once per realm; null when its attachShadow cannot be wrapped (a page
   * that froze Element.prototype). */
  function keeperOf(w) {
    if (w.__replayShadowKeeper) return w.__replayShadowKeeper;
    var E = w.Element && w.Element.prototype, attach = E && E.attachShadow;
    if (!attach) return null;
    var kept = [], heard = null;
    var keeper = {
      take: function (fn) {
        heard = fn;
        var roots = kept;
        kept = [];
        for (var i = 0; i < roots.length; i++) {
          var root = Weak ? roots[i].deref() : roots[i];
          try { if (root) fn(root); } catch (e) { /* never break the page */ }
        }
      },
      leave: function (fn) { if (heard === fn) heard = null; },
      of: keeperOf
    };
    try {
      E.attachShadow = function () {
        var root = attach.apply(this, arguments);
        try {
          if (heard) heard(root);
          else if (root.mode === "closed") {   // (an open one is found)
            kept.push(Weak ? new Weak(root) : root);
            if (kept.length > KEPT_MAX) kept.shift();
          }
        } catch (e) { /* never break the page */ }
        return root;
      };
    } catch (e) { return null; }
    try { Object.defineProperty(w, "__replayShadowKeeper", {value: keeper}); }
    catch (e) { /* a frozen window: whoever asked holds it */ }
    return keeper;
  }
  keeperOf(win);
})(window);
