"""Long texts named by digest (compact.py's `{"text", "id"}` and `{"ref"}`): a stylesheet
that capture.js inlined on an earlier page of the visit goes by its digest, and the intake
puts the text back before anything reads the batch, so the session stores what it would have
stored had the text been sent again. A digest the session never sent refuses the batch with
nothing stored; another worker (or this one after a restart) finds the text in what the
session stored."""
from __future__ import annotations

import json
import time

import pytest

from recorder.intake import compact
from recorder.intake.apps import Applications
from recorder.intake.live import LiveIntake
from recorder.intake.wire import Batch, Status, WireError, decode_request
from recorder.limits import Limits
from recorder.privacy import parse_rules
from recorder.privacy.preview import html_to_events
from recorder.store import Store

CSS = "".join(f".item-{i} {{ color: rgb({i}, 10, 20); padding: {i}px; }}" for i in range(60))
PAGE = '<!DOCTYPE html><html><head><link rel="stylesheet" href="/s.css"></head><body><p>hi</p></body></html>'
ALLOW = parse_rules('default = "allow"\ndetectors = []\n')


def _page(t0: int, href: str, css: str = CSS) -> list[dict]:
    """Meta + FullSnapshot of PAGE at `t0`, its stylesheet inlined as capture.js inlines it."""
    events = html_to_events(PAGE, href=href)
    stack = [events[1]["data"]["node"]]
    while stack:
        n = stack.pop()
        if n.get("tagName") == "link":
            n["attributes"]["_cssText"] = css
        stack.extend(n.get("childNodes") or ())
    for e in events:
        e["timestamp"] = t0
    return events


def _as(value, form, text: str = CSS):
    """The compact value `value` with `text` replaced by `form` (the text or its digest)."""
    if value == text:
        return form
    if isinstance(value, list):
        return [_as(v, form, text) for v in value]
    return value


def _body(sid: str, batch_id: str, events: list[dict], form, text: str = CSS) -> bytes:
    packed, strings = compact.encode(events)
    return json.dumps({"session_id": sid, "batch_id": batch_id, "encoding": compact.ENCODING,
                       "strings": strings, "events": _as(packed, form, text)}).encode()


def _css_texts(events: list[dict]) -> list[str]:
    out, stack = [], [e["data"]["node"] for e in events if e["type"] == 2]
    while stack:
        n = stack.pop()
        if "_cssText" in (n.get("attributes") or {}):
            out.append(n["attributes"]["_cssText"])
        stack.extend(n.get("childNodes") or ())
    return out


def _send(live: LiveIntake, app, body: bytes) -> list[str]:
    """A request body accepted as a worker accepts it: decoded, its texts beside it."""
    batch, encoded, texts = decode_request(body, None, Limits())
    return live.accept(app, batch, encoded=encoded, texts=texts)


@pytest.fixture
def folder(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    apps = Applications(data)
    app, _ = apps.create("shop")
    other, _ = apps.create("elsewhere")
    return data, app, other


DIGEST = compact.text_digest(CSS)


def test_digest_is_sha256_of_the_utf8_text():
    import hashlib
    assert DIGEST == "sha256:" + hashlib.sha256(CSS.encode()).hexdigest()[:32]
    assert compact.text_digest("é" * 2000) != compact.text_digest("e" * 2000)


def test_a_text_named_on_the_next_page_is_stored_whole(folder):
    data, app, _ = folder
    live = LiveIntake(Store.open(data), ALLOW)
    t0 = int(time.time() * 1000) - 60_000
    first, _, texts = decode_request(_body("visit", "p1.0", _page(t0, "https://shop.example/"),
                                           {"text": CSS, "id": DIGEST}), None, Limits())
    assert texts.declared == {DIGEST: CSS}
    assert "texts" not in Batch.__struct_fields__   # beside the batch: no wire field
    live.accept(app, first, texts=texts)
    second, _, texts = decode_request(_body("visit", "p2.0", _page(t0 + 5000,
                                                                   "https://shop.example/b"),
                                            {"ref": DIGEST}), None, Limits())
    assert texts.refs
    live.accept(app, second, texts=texts)
    events = list(Store.open(data).events_since("visit", 0)[1])
    assert _css_texts(events) == [CSS, CSS]
    # the same as a session whose pages both sent the text whole
    plain = LiveIntake(Store.open(data), ALLOW)
    _send(plain, app, _body("plain", "q1.0", _page(t0, "https://shop.example/"), CSS))
    _send(plain, app, _body("plain", "q2.0", _page(t0 + 5000, "https://shop.example/b"),
                            CSS))
    assert Store.open(data).events_since("plain", 0)[1] == events


def test_an_unknown_digest_refuses_the_batch_and_stores_nothing(folder):
    data, app, _ = folder
    live = LiveIntake(Store.open(data), ALLOW)
    t0 = int(time.time() * 1000) - 60_000
    _send(live, app, _body("v", "a.0", _page(t0, "https://shop.example/"), CSS))
    unknown = compact.text_digest(CSS + " ")
    with pytest.raises(WireError) as err:
        _send(live, app, _body("v", "b.0", _page(t0 + 1000, "https://shop.example/b"),
                               {"ref": unknown}))
    assert err.value.status == Status.CONFLICT and err.value.code == "unknown_text"
    assert Store.open(data).events_since("v", 0)[0].record_count == 2
    # the sender's retry, the text whole under the same batch id, is stored
    _send(live, app, _body("v", "b.0", _page(t0 + 1000, "https://shop.example/b"), CSS))
    assert _css_texts(Store.open(data).events_since("v", 0)[1]) == [CSS, CSS]


def test_another_worker_finds_the_text_in_what_the_session_stored(folder):
    data, app, other = folder
    t0 = int(time.time() * 1000) - 60_000
    _send(LiveIntake(Store.open(data), ALLOW), app,
          _body("v", "a.0", _page(t0, "https://shop.example/"), {"text": CSS, "id": DIGEST}))
    worker2 = LiveIntake(Store.open(data), ALLOW)
    _send(worker2, app, _body("v", "b.0", _page(t0 + 1000, "https://shop.example/b"),
                              {"ref": DIGEST}))
    assert _css_texts(Store.open(data).events_since("v", 0)[1]) == [CSS, CSS]
    # another application's batch cannot name the texts of this one's session
    with pytest.raises(WireError) as err:
        _send(LiveIntake(Store.open(data), ALLOW), other,
              _body("v", "c.0", _page(t0 + 2000, "https://shop.example/c"), {"ref": DIGEST}))
    assert err.value.code == "unknown_text"


def test_compact_text_values_are_checked():
    packed, strings = compact.encode(_page(1000, "https://shop.example/"))
    with pytest.raises(compact.CompactError):   # a digest needs the intake to resolve it
        compact.decode(_as(packed, {"ref": DIGEST}), strings)
    for bad in ({"ref": "md5:00"}, {"text": CSS}, {"text": 5, "id": DIGEST}, {"ref": DIGEST, "x": 1}):
        with pytest.raises(compact.CompactError):
            compact.decode(_as(packed, bad), strings, compact.Texts())
    texts = compact.Texts()
    events = compact.decode(_as(packed, {"ref": DIGEST}), strings, texts)
    assert texts.resolve({}.get) == [DIGEST]
    assert texts.resolve({DIGEST: CSS}.get) == [] and _css_texts(events) == [CSS]


def test_texts_in_mutations_a_link_added_later_and_attribute_changes():
    added = {"type": 3, "timestamp": 2000, "data": {
        "source": 0, "texts": [{"id": 9, "value": "x"}],
        "attributes": [{"id": 4, "attributes": {"class": "on", "_cssText": CSS}}], "removes": [],
        "adds": [{"parentId": 3, "nextId": None, "node": {
            "type": 2, "id": 20, "tagName": "style", "attributes": {}, "childNodes": [
                {"type": 3, "id": 21, "textContent": CSS, "isStyle": True}]}}]}}
    packed, strings = compact.encode([added])
    texts = compact.Texts()
    events = compact.decode(_as(packed, {"ref": DIGEST}), strings, texts)
    assert len(texts.refs) == 2 and texts.resolve({DIGEST: CSS}.get) == []
    assert events == [added]
    found: dict[str, str] = {}
    added["data"]["adds"] = []   # the text is in the attribute change alone
    compact.collect_texts(added, found)
    assert found == {DIGEST: CSS}


def test_texts_over_the_memory_bound_are_found_in_the_stored_session(folder, monkeypatch):
    from recorder.intake import live as live_module

    data, app, _ = folder
    monkeypatch.setattr(live_module, "MAX_TEXT_CHARS", len(CSS) - 1)   # nothing stays in memory
    live = LiveIntake(Store.open(data), ALLOW)
    t0 = int(time.time() * 1000) - 60_000
    _send(live, app, _body("v", "a.0", _page(t0, "https://shop.example/"),
                           {"text": CSS, "id": DIGEST}))
    assert live._text_chars == 0 and not live._texts
    _send(live, app, _body("v", "b.0", _page(t0 + 1000, "https://shop.example/b"),
                           {"ref": DIGEST}))
    assert _css_texts(Store.open(data).events_since("v", 0)[1]) == [CSS, CSS]
    assert live._text_chars == 0


# ---- public texts: a <link> stylesheet, kept for the whole application -------------------------

PUBLIC = {"text": CSS, "id": DIGEST, "public": True}


def test_a_public_stylesheet_is_named_from_another_session_of_the_application(folder):
    data, app, other = folder
    live = LiveIntake(Store.open(data), ALLOW)
    t0 = int(time.time() * 1000) - 60_000
    first, _, texts = decode_request(_body("visitor-a", "a.0", _page(t0, "https://shop.example/"),
                                           PUBLIC), None, Limits())
    assert texts.public == {DIGEST: CSS}
    live.accept(app, first, texts=texts)
    # a new visitor's first page names it: stored as if it had been sent whole
    _send(live, app, _body("visitor-b", "b.0", _page(t0 + 1000, "https://shop.example/"),
                           {"ref": DIGEST}))
    stored = Store.open(data).events_since("visitor-b", 0)[1]
    assert _css_texts(stored) == [CSS]
    whole = LiveIntake(Store.open(data), ALLOW)
    _send(whole, app, _body("visitor-c", "c.0", _page(t0 + 1000, "https://shop.example/"),
                            CSS))
    assert Store.open(data).events_since("visitor-c", 0)[1] == stored
    # another application's sessions cannot name it
    with pytest.raises(WireError) as err:
        _send(live, other, _body("visitor-d", "d.0", _page(t0, "https://shop.example/"),
                                 {"ref": DIGEST}))
    assert err.value.code == "unknown_text"


def test_a_text_not_marked_public_cannot_be_named_from_another_session(folder):
    """The probe the public store answers (was this exact text seen?) is answered 409 for
    every text of another session not marked public: inline styles, text nodes."""
    data, app, _ = folder
    live = LiveIntake(Store.open(data), ALLOW)
    t0 = int(time.time() * 1000) - 60_000
    _send(live, app, _body("visitor-a", "a.0", _page(t0, "https://shop.example/"),
                           {"text": CSS, "id": DIGEST}))
    # its own session names it...
    _send(live, app, _body("visitor-a", "a.1", _page(t0 + 500, "https://shop.example/b"),
                           {"ref": DIGEST}))
    # ...another session of the same application cannot, on this worker or a fresh one
    for worker in (live, LiveIntake(Store.open(data), ALLOW)):
        with pytest.raises(WireError) as err:
            _send(worker, app, _body("visitor-b", "b.0",
                                     _page(t0 + 1000, "https://shop.example/"), {"ref": DIGEST}))
        assert err.value.status == Status.CONFLICT and err.value.code == "unknown_text"
    assert not Store.open(data).index.sessions_for_client("visitor-b")


def test_a_public_text_is_the_text_of_its_digest():
    """A sender cannot put a text of its own under the digest other sessions name."""
    packed, strings = compact.encode(_page(1000, "https://shop.example/"))
    forged = dict(PUBLIC, text=CSS.replace("color", "colour"))
    with pytest.raises(compact.CompactError, match="not the text of that digest"):
        compact.decode(_as(packed, forged), strings, compact.Texts())
    with pytest.raises(WireError) as err:
        decode_request(json.dumps({"session_id": "s", "encoding": compact.ENCODING,
                                   "strings": strings, "events": _as(packed, forged)}).encode(),
                       None, Limits())
    assert err.value.status == Status.BAD_REQUEST
    for bad in (dict(PUBLIC, public=False), dict(PUBLIC, public=1)):
        with pytest.raises(compact.CompactError):
            compact.decode(_as(packed, bad), strings, compact.Texts())
    texts = compact.Texts()
    compact.decode(_as(packed, PUBLIC), strings, texts)
    assert texts.public == texts.declared == {DIGEST: CSS}


def test_the_public_store_is_bounded(folder, monkeypatch):
    from recorder.intake import live as live_module

    data, app, _ = folder
    monkeypatch.setattr(live_module, "MAX_APP_TEXTS", 1)
    live = LiveIntake(Store.open(data), ALLOW)
    t0 = int(time.time() * 1000) - 60_000
    css2 = CSS + ".later { color: red; }"
    _send(live, app, _body("a", "a.0", _page(t0, "https://shop.example/"), PUBLIC))
    events = _page(t0 + 10, "https://shop.example/")
    packed, strings = compact.encode(events)
    body = json.dumps({"session_id": "a", "batch_id": "a.1", "encoding": compact.ENCODING,
                       "strings": strings, "events": _as(packed, {"text": css2, "public": True,
                                                                  "id": compact.text_digest(css2)})})
    _send(live, app, body.encode())
    assert live._public_chars == len(css2)   # the first went: one text per application here
    with pytest.raises(WireError) as err:
        _send(live, app, _body("b", "b.0", _page(t0 + 20, "https://shop.example/"),
                               {"ref": DIGEST}))
    assert err.value.code == "unknown_text"


def test_a_worker_reads_the_stored_session_back_only_as_far_as_the_texts_it_needs(folder):
    """A text unknown to this worker is looked for from the newest stored segment back: the
    page before sent it, so the older pages are not decoded - their texts stay unread
    until a batch names one of them."""
    data, app, _ = folder
    css2 = CSS.replace("color", "background")
    t0 = int(time.time() * 1000) - 60_000
    first = LiveIntake(Store.open(data), ALLOW)
    _send(first, app, _body("v", "a.0", _page(t0, "https://shop.example/"),
                            {"text": CSS, "id": DIGEST}))
    _send(first, app, _body("v", "b.0", _page(t0 + 1000, "https://shop.example/b", css2),
                            {"text": css2, "id": compact.text_digest(css2)}, css2))
    assert Store.open(data).session("v").info.segment_count == 2
    other = LiveIntake(Store.open(data), ALLOW)   # another worker: knows no text
    _send(other, app, _body("v", "c.0", _page(t0 + 2000, "https://shop.example/c", css2),
                            {"ref": compact.text_digest(css2)}, css2))
    assert set(other._session_texts(app, "v")) == {compact.text_digest(css2)}
    # a text of the first page is found further back when a batch names it
    _send(other, app, _body("v", "d.0", _page(t0 + 3000, "https://shop.example/d"),
                            {"ref": DIGEST}))
    assert DIGEST in other._session_texts(app, "v")
    pages = [e for e in Store.open(data).events_since("v", 0)[1] if e["type"] == 2]
    assert [_css_texts([page]) for page in pages] == [[CSS], [css2], [css2], [CSS]]
