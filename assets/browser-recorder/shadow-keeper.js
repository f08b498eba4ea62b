/* Record mode's shadow keeper (app/record/browser.py): injected while recording at the
 * creation of every document of the recording browser, frames' included, before the page's
 * own scripts. A closed shadow root shows nothing of itself to the document around it, and
 * rrweb records nothing inside one, so the bridge (bridge.js) listens on each such root for
 * what is typed into its fields - but a frame's scripts have run by the frame's load, when
 * the bridge first sees the frame: the roots they made closed are kept here until the bridge
 * takes them (`take(fn)`: `fn` is called with each root kept, and with every root made from
 * then on). It reads nothing and sends nothing itself.
 */
(function (win) {
  "use strict";
  var E = win.Element && win.Element.prototype, attach = E && E.attachShadow;
  if (!attach || win.__replayShadowKeeper) return;
  var kept = [], heard = null;
  function take(fn) {
    heard = fn;
    var roots = kept;
    kept = [];
    for (var i = 0; i < roots.length; i++) {
      try { fn(roots[i]); } catch (e) { /* never break the page */ }
    }
  }
  try {
    E.attachShadow = function () {
      var root = attach.apply(this, arguments);
      try {
        if (heard) heard(root);
        else if (root.mode === "closed") kept.push(root);   // an open one the bridge finds
      } catch (e) { /* never break the page */ }
      return root;
    };
    Object.defineProperty(win, "__replayShadowKeeper", {value: {take: take}});
  } catch (e) { /* a frozen prototype or window: the bridge wraps what it can */ }
})(window);
