/* The recording browser's sender to a live intake (replay_tools/browser_recorder.py, with
 * `intake=`): until our capture script exists, rrweb's own recorder feeds `replay serve`
 * through this. Injected before the bridge, which hands it every event it emits. Events are
 * sent in order, one request at a time, gzipped with the browser's CompressionStream, as
 * DESIGN.md's wire protocol says. Injected before the RUM shim and holding the page's own
 * fetch: otherwise each request would be recorded as a resource, sent, recorded again...
 * A batch not answered (network error, 429, 5xx) is sent again as it was, under the same
 * `batch_id`, so the intake stores it once even when only its answer was lost.
 * The configuration (url, app, token, session_id, user, batch_ms, max_events) is put in
 * by Python.
 */
(function (win) {
  "use strict";
  var cfg = __REPLAY_INTAKE__;
  if (!cfg || win.__replayIntake) return;
  var send = win.fetch.bind(win);   // the page's own fetch, before the RUM shim wraps it
  var queue = [], inFlight = false, timer = null;
  var page = Math.random().toString(36).slice(2, 12), batches = 0;
  var pending = null;   // {id, n}: the batch sent and not answered yet
  var RETRY_MS = 500;
  var stats = {queued: 0, acked: 0, failed: 0, requests: 0, errors: []};

  function gzip(text) {
    var stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
    return new Response(stream).arrayBuffer();
  }
  function flush() {
    timer = null;
    if (inFlight || !queue.length) return;
    inFlight = true;
    if (!pending) pending = {id: page + "." + (batches++), n: Math.min(queue.length, cfg.max_events || 500)};
    var batch = queue.slice(0, pending.n);
    var body = JSON.stringify({session_id: cfg.session_id, batch_id: pending.id,
                               user: cfg.user || undefined, events: batch});
    gzip(body).then(function (data) {
      stats.requests++;
      return send(cfg.url + "/v1/events?app=" + encodeURIComponent(cfg.app), {
        method: "POST", body: data,
        headers: {"Authorization": "Bearer " + cfg.token, "Content-Type": "application/json",
                  "Content-Encoding": "gzip"}});
    }).then(function (r) {
      if (r.status === 202) { stats.acked += batch.length; return true; }
      return r.text().then(function (t) {
        stats.errors.push(r.status + " " + t.slice(0, 300));
        if (r.status === 429 || r.status >= 500) return false;   // again, as it was
        stats.failed += batch.length;
        return true;
      });
    }).catch(function (e) {
      stats.errors.push(String(e));
      return false;
    }).then(function (done) {
      inFlight = false;   // what came meanwhile goes in the next batch, not one by one
      if (done) { queue.splice(0, pending.n); pending = null; }
      if (queue.length && !timer) timer = setTimeout(flush, done ? (cfg.batch_ms || 200) : RETRY_MS);
    });
  }
  win.__replayIntake = {
    push: function (event) {
      queue.push(event);
      stats.queued++;
      if (!timer) timer = setTimeout(flush, cfg.batch_ms || 200);
    },
    flush: function () { flush(); return this.status(); },
    status: function () {
      return {queued: stats.queued, acked: stats.acked, failed: stats.failed,
              requests: stats.requests, errors: stats.errors.slice(-5), idle: !inFlight && !queue.length};
    }
  };
})(window);
