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
 * every root made from then on; `of(w)` is another window's keeper, made if it has none (a
 * frame whose document began before recording). The one wrapper of `attachShadow` record
 * mode makes. It reads nothing and sends nothing itself, and keeps at most KEPT_MAX roots (a
 * page whose recorder never comes holds no more of them).
 */
(function (win) {
  "use strict";
  var KEPT_MAX = 500;
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
          try { fn(roots[i]); } catch (e) { /* never break the page */ }
        }
      },
      of: keeperOf
    };
    try {
      E.attachShadow = function () {
        var root = attach.apply(this, arguments);
        try {
          if (heard) heard(root);
          else if (root.mode === "closed" && kept.length < KEPT_MAX) kept.push(root);   // an open one is found
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
