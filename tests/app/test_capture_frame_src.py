"""An iframe's address in what capture.js sends, as rrweb's recorder keeps it: a same-origin
frame, whose document the recording holds, keeps none (a replayer - rrweb's too - would load
the site's page in place of the recorded document); a cross-origin one, which capture.js
cannot read, keeps it as `rr_src` (shown, never loaded), its credentials scrubbed as any
URL's. Its later changes likewise: a same-origin frame sent elsewhere is its new document, a
cross-origin one's new address an `rr_src` change (rrweb-snapshot's serializer: `src` deleted,
kept as `rr_src` when the frame has no readable document). In Debian's chromium, sent to a
real `replay serve`."""
from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from recorder.format import EventType, IncrementalSource  # noqa: E402
from replay_tools.browser_recorder import PageServer  # noqa: E402
from replay_tools.chromium import chromium_path  # noqa: E402
from replay_tools.intake import IntakeServer, stored_events  # noqa: E402
from tests.app.capture_site import SENT_ALL  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")

TOP = """<!doctype html><html><head><meta charset="utf-8">
<script src="%(intake)s/capture.js"></script>
<script>ReplayCapture.start({intake: "%(intake)s", app: "%(app)s", token: "%(token)s",
                             flushMs: 100});</script>
</head><body>
<iframe id="same" src="inner.html?token=SAMESECRET"></iframe>
<iframe id="other" src="%(other)sinner.html?token=OTHERSECRET&amp;x=1"></iframe>
</body></html>
"""
INNER = '<!doctype html><html><head><title>%s</title></head><body><p id="words">%s</p></body></html>'


def _frames(stored: list[dict]) -> dict[str, dict]:
    """The snapshot's iframes by their id attribute: their attributes, and their node id."""
    found: dict[str, dict] = {}
    snap = next(e for e in stored if e["type"] == EventType.FullSnapshot)
    stack = [snap["data"]["node"]]
    while stack:
        n = stack.pop()
        if n.get("tagName") == "iframe":
            found[n["attributes"]["id"]] = dict(n["attributes"], _id=n["id"])
        stack.extend(n.get("childNodes") or ())
    return found


def _wait_recorded(page, frame: str, title: str) -> None:
    """Until the iframe `#frame` holds the page titled `title` and its words are recorded."""
    page.wait_for_function(
        "([f, t]) => (d => d && d.title === t && d.getElementById('words') && ReplayCapture"
        ".record.mirror.getId(d.getElementById('words')) > 0)(document.getElementById(f)"
        ".contentDocument)", arg=[frame, title])


def test_a_frames_address_goes_as_rrwebs_recorder_keeps_it(chromium, tmp_path):
    site_dir, other_dir = tmp_path / "site", tmp_path / "other"
    site_dir.mkdir()
    other_dir.mkdir()
    (site_dir / "inner.html").write_text(INNER % ("first", "Same-origin words"))
    (site_dir / "inner2.html").write_text(INNER % ("next", "The next page of the frame"))
    (other_dir / "inner.html").write_text(INNER % ("other", "Cross-origin words"))
    srv = IntakeServer(tmp_path / "data")
    with PageServer(site_dir) as site, PageServer(other_dir) as other:
        app, token = srv.create_app("frames", origins=[site.base_url.rstrip("/")])
        (site_dir / "top.html").write_text(TOP % {"intake": srv.url, "app": app, "token": token,
                                                  "other": other.base_url})
        with srv:
            ctx = chromium.new_context()
            try:
                page = ctx.new_page()
                page.goto(site.url("top.html"))
                _wait_recorded(page, "same", "first")
                page.evaluate("""() => {
                    document.getElementById('other').src = '%sinner.html?token=NEXTSECRET';
                    document.getElementById('same').src = 'inner2.html';
                }""" % other.base_url)
                _wait_recorded(page, "same", "next")
                # then the other way round: the same-origin frame goes to another origin, the
                # cross-origin one comes to this one
                page.evaluate("""() => {
                    window.__oldWords = document.getElementById('same').contentDocument.getElementById('words');
                    document.getElementById('same').src = '%sinner.html';
                    document.getElementById('other').src = 'inner.html?token=BACKSECRET';
                }""" % other.base_url)
                _wait_recorded(page, "other", "first")
                # its load event: the document recorded before goes
                page.wait_for_function("ReplayCapture.record.mirror.getId(window.__oldWords) < 0")
                sent = page.wait_for_function(SENT_ALL, polling=100, timeout=20_000).json_value()
                sid = page.evaluate("ReplayCapture.status().session_id")
                page.evaluate("ReplayCapture.stop()")
            finally:
                ctx.close()
            stored = stored_events(srv.data, sid, sent["acked"])

    frames = _frames(stored)
    same, cross = frames["same"]["_id"], frames["other"]["_id"]
    assert "src" not in frames["same"] and "rr_src" not in frames["same"]
    assert "src" not in frames["other"]
    rr_src = frames["other"]["rr_src"]
    assert rr_src.startswith(other.base_url + "inner.html?token=") and rr_src.endswith("&x=1")
    mutations = [e["data"] for e in stored if e["type"] == EventType.IncrementalSnapshot
                 and e["data"]["source"] == IncrementalSource.Mutation]
    changes = [(a["id"], a["attributes"]) for m in mutations for a in m.get("attributes") or ()]
    # the cross-origin frame's new address is an rr_src change; sent to this origin, its new
    # address too (the other origin's page is in it until the next loads), then none (null)
    # as its document comes - the last two in one change when the document came before the
    # mutations of that frame were taken (a busy machine), as a MutationObserver's batch
    # gives an attribute's last value only
    addresses = [at for nid, at in changes if nid == cross]
    assert [list(at) for at in addresses] in ([["rr_src"]] * 3, [["rr_src"]] * 2)
    assert addresses[0]["rr_src"].startswith(other.base_url + "inner.html?token=")
    for between in addresses[1:-1]:
        assert between["rr_src"].startswith(site.base_url + "inner.html?token=")
    assert addresses[-1]["rr_src"] is None
    # the same-origin frame: no address until it went to the other origin
    assert [at for nid, at in changes if nid == same] == [
        {"rr_src": other.base_url + "inner.html"}]
    # its documents are in the recording instead: the first, its next page, then none
    docs = [a["node"] for m in mutations for a in m.get("adds") or () if a["parentId"] == same]
    assert len(docs) == 2 and "Same-origin words" in repr(docs[0]) \
        and "The next page of the frame" in repr(docs[1])
    gone = [r["id"] for m in mutations for r in m.get("removes") or () if r["parentId"] == same]
    assert gone == [d["id"] for d in docs]
    came = [a["node"] for m in mutations for a in m.get("adds") or () if a["parentId"] == cross]
    assert len(came) == 1 and "Same-origin words" in repr(came[0])   # this origin's page
    whole = repr(stored)
    assert "Cross-origin words" not in whole   # another origin's page is never read
    for secret in ("SAMESECRET", "OTHERSECRET", "NEXTSECRET", "BACKSECRET"):   # scrubbed
        assert secret not in whole
