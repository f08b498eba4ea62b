"""Leak tests for echoes: a value typed into a masked field never reaches disk or an export
where the page itself repeats it - in a fetch URL's path and query, a console.log, a
console.error, a thrown error's message, a later text node and an attribute.

A real page (tests/browser/pages/echo.html) in QtWebEngine, typed into with real key events,
posting to a real `replay serve`; then every stored byte (segments decompressed, the index
and its WAL) and every export of the session (rrweb JSON, HAR, .replay bundle, Playwright
repro script) is searched for the values and their URL-encoded forms. Twice:
- capture-time masking alone: capture.js masks the fields (and their echoes) in the page;
  the intake runs under `allow` without detectors, so the recorder's pass knows no value;
- the recorder's pass alone: rrweb's recorder sends the raw values, the intake's pass
  (default rules: mask-user-input) masks them and their echoes before anything is stored.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from recorder.format import CONSOLE_PLUGIN, RUM_PLUGIN
from recorder.privacy import parse_rules
from recorder.privacy.masker import mask_session
from recorder.source import open_recording
from replay_tools.browser_recorder import Click, Eval, PageServer, Type, Wait, WaitFor, record_page
from replay_tools.intake import IntakeServer, replay_cli
from replay_tools.stored import hits, stored_bytes
from tests.app.test_privacy_leaks import bundle_bytes

PAGES = Path(__file__).resolve().parents[1] / "browser" / "pages"
SEARCH = "quokka search"
COUPON = "QuokkaCoupon"     # the page upper-cases it before using it
NEEDLES = {"search": [SEARCH, "quokka%20search", "quokka+search"], "coupon": [COUPON]}
STEPS = [Click("#search"), Type("#search", SEARCH), Click("#coupon"), Type("#coupon", COUPON),
         Click("#apply"), WaitFor("#done"), Wait(300)]
ALLOW = 'version = 1\ndefault = "allow"\ndetectors = []\n'
# the reviewer's rules: the coupon field hidden, the search parameter scrubbed
COUPON_HIDDEN = {"default": "mask-user-input", "scrub_query_params": ["q"],
                 "rules": [{"selector": "#coupon", "level": "hidden"}]}
EXPORTS = {"rrweb": "json", "har": "har", "replay": "replay", "playwright": "spec.ts"}


@pytest.fixture(scope="module")
def pages():
    with PageServer(PAGES) as site:
        yield site


def _everything(data: Path, sid: str, out: Path) -> dict[str, bytes]:
    """Every stored byte, and every export of session `sid` (with what the CLI said)."""
    blobs = stored_bytes(data)
    assert any(k.endswith("(decompressed)") for k in blobs)
    assert any(k.endswith("index.sqlite3") for k in blobs)
    out.mkdir()
    for fmt, ext in EXPORTS.items():
        path = out / f"session.{ext}"
        proc = replay_cli(data, "export", sid, "--format", fmt, "-o", path)
        assert proc.returncode == 0, proc.stderr
        blobs[f"{fmt} export"] = path.read_bytes()
        blobs[f"{fmt} export, cli output"] = (proc.stdout + proc.stderr).encode()
    blobs.update(bundle_bytes(out / "session.replay"))
    return blobs


def _echoes_kept_masked(stored: list[dict]) -> None:
    """The page's echoes are in the session - masked, not left out: the requests, the
    console lines, the error and the rendered text are there with `***` in place."""
    text = json.dumps(stored)
    for echo in ("api/coupons/***", "q=***", "No coupon named ***", "Unknown coupon ***",
                 "Results for ***"):
        assert echo in text, echo


def _record(pages: PageServer, srv: IntakeServer, sid: str, **options):
    app_id, token = srv.create_app("echo", origins=[pages.base_url.rstrip("/")])
    with srv:
        rec = record_page(pages.url("echo.html"), STEPS, intake={
            "url": srv.url, "app": app_id, "token": token, "session_id": sid,
            "batch_ms": 100}, **options)
        assert rec.intake_status["failed"] == 0, rec.intake_status
    return rec


@pytest.mark.parametrize("key,rules", [("default rules", None), ("coupon hidden", COUPON_HIDDEN)])
def test_capture_alone_masks_the_echoes_of_typed_values(qapp, pages, tmp_path, key, rules):
    allow = tmp_path / "allow.toml"
    allow.write_text(ALLOW)   # the recorder's pass masks no text field: capture.js alone
    srv = IntakeServer(tmp_path / "data", rules=allow)
    rec = _record(pages, srv, "echo-capture", recorder="capture",
                  record_options={"rules": rules or {"default": "mask-user-input"}})
    blobs = _everything(srv.data, "echo-capture", tmp_path / "out")
    blobs["what left the page"] = json.dumps(rec.events).encode()
    assert hits(blobs, NEEDLES) == [], key
    _echoes_kept_masked(list(open_recording("echo-capture", srv.data).events()))


def test_the_recorders_pass_alone_masks_the_echoes_of_typed_values(qapp, pages, tmp_path):
    srv = IntakeServer(tmp_path / "data")   # default rules: mask-user-input
    rec = _record(pages, srv, "echo-rrweb")   # rrweb's recorder: only passwords masked
    # the premise: the values left the page in clear, typed and echoed
    raw = {"what left the page": json.dumps(rec.events).encode()}
    assert {h.split()[0] for h in hits(raw, NEEDLES)} == {"search", "coupon"}
    assert "api/coupons/QUOKKACOUPON" in raw["what left the page"].decode()
    blobs = _everything(srv.data, "echo-rrweb", tmp_path / "out")
    assert hits(blobs, NEEDLES) == []
    _echoes_kept_masked(list(open_recording("echo-rrweb", srv.data).events()))


@pytest.mark.parametrize("recorder", ["capture", "rrweb"])
@pytest.mark.parametrize("term", ["screen", "error"])
def test_a_term_that_is_a_name_is_masked_in_the_pages_text_only(qapp, pages, recorder, term):
    """A word typed into a masked search box that is also a name: of CSS ("screen"), of the
    recording's plugins (a console line's level and a RUM error's type, "error"). The page's
    text, a console message, a CSS string and a CSS URL holding it lose it, and so do an id
    and a class the page made of it (one may be built from what was typed). `@media screen`,
    `position`, the element's role and the plugins' kinds stay, or the replay loses the
    page's layout and the dev-tools pane its errors. capture.js masks in the page; rrweb's recording goes through
    the recorder's pass (both passes, as an import)."""
    steps = [Eval("(function(){var el=document.getElementById('q'); el.focus(); el.value=%s;"
                  "el.dispatchEvent(new Event('input', {bubbles: true})); return 1;})()"
                  % json.dumps(term)),
             Eval("showResults()"), Wait(300)]
    rules = parse_rules('detectors = []')   # the default: mask-user-input
    rec = record_page(pages.url("css-echo.html"), steps, recorder=recorder,
                      record_options={"rules": rules.to_json()} if recorder == "capture" else None)
    events = rec.events if recorder == "capture" else mask_session(rec.events, rules)[1]
    after = json.dumps([e for e in events if e["type"] == 3 and e["data"]["source"] == 0])
    assert "Results for ***" in after and f"Results for {term}" not in after
    assert "/img/***.png')" in after and "position: relative" in after   # rrweb: an absolute URL
    assert '\\" for ***\\"' in after                 # the stylesheet's string
    assert "@media screen" in after and "position: absolute" in after
    # an id or a class may be built from what was typed ("tag-" + it): masked; a role is HTML's
    assert '"id": "***", "class": "***", "role": "status"' in after
    plugins = [e["data"] for e in events if e["type"] == 6]
    console = [d["payload"] for d in plugins if d["plugin"] == CONSOLE_PLUGIN]
    assert ("error", ['"No results for ***"']) in [(c["level"], c["payload"]) for c in console]
    errors = [d["payload"]["error"] for d in plugins if d["plugin"] == RUM_PLUGIN
              and d["payload"]["type"] == "error"]
    assert ("No results for ***", "console", "console") in \
        [(x["message"], x["source"], x["type"]) for x in errors]
    # the rejection's name is the page's: an error's type is a name only when it is a kind's
    assert [x["type"] for x in errors if x["message"].startswith("Unhandled")] == ["Search ***"]
    # the rule and the declaration a script added (capture.js sends them as CSSOM changes,
    # rrweb in the stylesheet's text, the style element being new)
    text = json.dumps(events)
    assert "Searched ***" in text and f"Searched {term}" not in text
    assert "Shown ***" in text and f"Shown {term}" not in text   # a rule given as a String object
    assert ".tag-***" in text and f".tag-{term}" not in text     # a class selector made of it
    assert f'\\"{term}\\"' not in text and '--searched' in text
