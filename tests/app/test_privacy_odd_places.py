"""Issue 15, item 10: personal data in odd places never reaches the store, and `audit` finds it.

Each place gets an e-mail, a Luhn-valid card and a phone, in a recording imported with
`replay import` under the default rules; then every byte of the data folder (segments
decompressed, index.sqlite3 and its WAL) is searched for them: no hit. The same recording
imported with `default = "allow"` and no detectors keeps them, and `replay audit` must find
all three and name the place.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from app.cli import main as cli
from recorder.bundle import write_bundle
from recorder.privacy.preview import html_to_events
from recorder.store import Store
from replay_tools.stored import hits, stored_bytes

T0 = 1_700_000_000_000
EMAIL = "ada.lovelace@example.com"
CARD = "4111 1111 1111 1111"
PHONE = "+44 20 7946 0958"
PII = f"{EMAIL} / {CARD} / {PHONE}"
NEEDLES = {
    "email": [EMAIL, "ada.lovelace", "lovelace@"],
    "card": [CARD, "4111111111111111", "4111 1111"],
    "phone": [PHONE, "7946 0958", "79460958"],
}
ALLOW_NO_DETECTORS = 'version = 1\ndefault = "allow"\ndetectors = []\n'
KINDS = {"email", "card", "phone"}


def page(body: str = "", head: str = "") -> list[dict]:
    """Meta + full snapshot of a small page; `#box` is a div to hang mutations on."""
    return html_to_events(f"<!DOCTYPE html><html><head>{head}</head><body>"
                          f"<div id=\"box\">hello</div>{body}</body></html>",
                          href="https://shop.example/checkout", timestamp=T0)


def node_id(events: list[dict], html_id: str) -> int:
    stack = [events[1]["data"]["node"]]
    while stack:
        n = stack.pop()
        if (n.get("attributes") or {}).get("id") == html_id:
            return n["id"]
        stack.extend(n.get("childNodes") or ())
    raise KeyError(html_id)


def inc(ms: int, data: dict) -> dict:
    return {"type": 3, "timestamp": T0 + ms, "data": data}


def run(capsys, *argv) -> tuple[int, str]:
    rc = cli([str(a) for a in argv])
    cap = capsys.readouterr()
    return rc, cap.out + cap.err


def check_place(tmp_path: Path, capsys, recording: Path, where: set[str]) -> None:
    """The two halves of the item for one place: nothing stored in clear under the default
    rules; everything found, and the place named, by `audit` of an unmasked store."""
    masked = tmp_path / "masked"
    rc, out = run(capsys, "--data", masked, "import", recording)
    assert rc == 0, out
    blobs = stored_bytes(masked)
    assert any(k.endswith("(decompressed)") for k in blobs)  # segments were really read
    assert any(k.endswith("index.sqlite3") for k in blobs)
    assert hits(blobs, NEEDLES) == []
    rc, out = run(capsys, "--data", masked, "audit", "--all", "--json")
    assert rc == 0 and [a["findings"] for a in json.loads(out)] == [[]], out

    raw = tmp_path / "raw"
    rules = tmp_path / "allow.toml"
    rules.write_text(ALLOW_NO_DETECTORS)
    rc, out = run(capsys, "--data", raw, "import", "--rules", rules, recording)
    assert rc == 0, out
    assert {h.split()[0] for h in hits(stored_bytes(raw), NEEDLES)} == KINDS  # the premise
    rc, out = run(capsys, "--data", raw, "audit", "--all", "--json")
    assert rc == 1, out
    (report,) = json.loads(out)
    found = {(f["kind"], f["where"]) for f in report["findings"]}
    assert {(k, w) for k in KINDS for w in where} <= found, found
    assert not hits({"audit": out.encode()}, NEEDLES)  # excerpts only


def write(tmp_path: Path, events: list[dict]) -> Path:
    f = tmp_path / "recording.json"
    f.write_text(json.dumps(events))
    return f


def test_15_10_style_element_text(tmp_path, capsys):
    """`<style>` text: a `content: "..."` rule, in the snapshot and added later."""
    ev = page(head=f'<style>.who::after {{ content: "{PII}"; color: red }}</style>')
    box = node_id(ev, "box")
    ev.append(inc(100, {"source": 0, "texts": [], "attributes": [], "removes": [], "adds": [
        {"parentId": box, "nextId": None, "node": {
            "type": 2, "id": 900, "tagName": "style", "attributes": {}, "childNodes": [
                {"type": 3, "id": 901, "isStyle": True,
                 "textContent": f'.tel::before {{ content: "{PHONE}" }}'}]}}]}))
    check_place(tmp_path, capsys, write(tmp_path, ev), {"stylesheet text"})


def test_15_10_style_element_text_keeps_the_css_working(tmp_path):
    """Only the matched value is masked: the rule, its selector and other declarations stay."""
    from recorder.privacy import SessionMasker
    ev = page(head=f'<style>.who::after {{ content: "{EMAIL}"; color: red }}</style>')
    out = json.dumps(SessionMasker().mask(ev))
    assert '.who::after { content: \\"xxxxxxxxxxxxxxxxxxxxxxxx\\"; color: red }' in out


def test_15_10_style_attributes(tmp_path, capsys):
    """`style` attributes: in the snapshot, changed by a mutation, and `_cssText` (rrweb's
    inlined stylesheet of a <link>)."""
    ev = page(body=f'<p id="p" style="--who: \'{EMAIL}\'; --card: \'{CARD}\'; '
                   f'--tel: \'{PHONE}\'">x</p>')
    box = node_id(ev, "box")
    ev.append(inc(100, {"source": 0, "texts": [], "removes": [], "adds": [], "attributes": [
        {"id": box, "attributes": {"style": f"--note: '{PII}'"}}]}))
    ev.append(inc(200, {"source": 0, "texts": [], "removes": [], "attributes": [], "adds": [
        {"parentId": box, "nextId": None, "node": {
            "type": 2, "id": 950, "tagName": "link", "childNodes": [], "attributes": {
                "rel": "stylesheet", "_cssText": f'.x::after {{ content: "{PII}" }}'}}}]}))
    check_place(tmp_path, capsys, write(tmp_path, ev), {"attribute style", "attribute _cssText"})


def test_15_10_cssom_insert_rule_and_style_declaration(tmp_path, capsys):
    """CSSOM: `insertRule` (StyleSheetRule adds, replaceSync) and `style.setProperty`
    (StyleDeclaration set)."""
    ev = page(head='<style id="css">.a { color: red }</style>')
    style = node_id(ev, "css")
    box = node_id(ev, "box")
    ev += [
        inc(100, {"source": 8, "id": style, "adds": [
            {"rule": f'.who::after {{ content: "{PII}" }}', "index": 1}]}),
        inc(150, {"source": 8, "id": style, "replaceSync": f'.b::after {{ content: "{EMAIL}" }}'}),
        inc(200, {"source": 13, "id": box, "index": [0], "set": {
            "property": "--contact", "value": f'"{PII}"', "priority": ""}}),
    ]
    check_place(tmp_path, capsys, write(tmp_path, ev), {"CSS rule", "style declaration"})


def test_15_10_custom_event_payload_keys(tmp_path, capsys):
    """Keys, not only values, of a custom event's payload (nested too)."""
    ev = page()
    ev.append({"type": 5, "timestamp": T0 + 100, "data": {"tag": "checkout", "payload": {
        PII: {"plan": "pro"}, "contacts": [{PII: True}]}}})
    check_place(tmp_path, capsys, write(tmp_path, ev), {"custom event checkout key"})


def test_15_10_fields_the_format_does_not_know(tmp_path, capsys):
    """Unknown fields, kept for lossless round trips: on the event, in a known source's
    data, in a serialized node, in a mutation item, and whole unknown events and sources."""
    ev = page()
    box = node_id(ev, "box")
    ev[1]["data"]["node"]["childNodes"][-1]["note"] = PII           # a node field
    ev += [
        {"type": 3, "timestamp": T0 + 100, "note": PII,                # an event field
         "data": {"source": 2, "type": 2, "id": box, "x": 1, "y": 1, "label": PII}},
        inc(200, {"source": 0, "texts": [{"id": box + 1, "value": "hi", "was": PII}],
                  "attributes": [], "removes": [], "adds": []}),
        inc(300, {"source": 99, "detail": {"who": PII}}),              # an unknown source
        {"type": 42, "timestamp": T0 + 400, "data": {"what": [PII]}},  # an unknown type
    ]
    f = write(tmp_path, ev)
    check_place(tmp_path, capsys, f, {
        "unknown field node.note", "unknown field note", "unknown field data.label",
        "unknown field data.texts.was", "unknown source 99", "unknown event type 42"})
    # and they are still there, masked: the round trip stays lossless in shape
    with Store.open(tmp_path / "masked") as store:
        (info,) = store.sessions()
        stored = list(store.session(info.id).events())
    masked = "x" * len(EMAIL) + " / xxxx xxxx xxxx xxxx / xxx xx xxxx xxxx"
    assert stored[2]["note"] == stored[2]["data"]["label"] == masked
    assert stored[-1]["type"] == 42 and stored[-1]["data"]["what"][0].startswith("xxx")


def test_15_10_bundle_manifest_context(tmp_path, capsys):
    """The context a `.replay` bundle's manifest carries is stored in the index."""
    src = tmp_path / "src"
    with Store.open(src) as store:  # the Store API without a masker: a bundle from elsewhere
        (sid,) = store.ingest(page(), context={"account": PII, "billing": {PII: "on file"}})
        bundle = tmp_path / "with-context.replay"
        write_bundle(bundle, store.session(sid))
    check_place(tmp_path, capsys, bundle, {"session context", "session context key"})
    # a bundle file exported under the rules, never imported, carries its context masked too
    out = tmp_path / "exported.replay"
    rc, msg = run(capsys, "--data", tmp_path / "masked", "export", bundle, "--format", "replay",
                  "-o", out)
    assert rc == 0, msg
    assert hits({"export": out.read_bytes()}, NEEDLES) == []
    assert hits({"bundle": bundle.read_bytes()}, NEEDLES)  # the premise


def test_15_10_a_session_id_made_of_personal_data(tmp_path, capsys):
    """A recording keyed by its visitor's email (rrweb's legacy `sessionId`): the id is a
    file name, an index key and what messages and exports name, and no rule masks it - so
    it is stored as a hash of itself, whatever the rules, and said without being shown."""
    ev = page()
    for e in ev:
        e["sessionId"] = EMAIL
    f = write(tmp_path, ev)
    rules = tmp_path / "allow.toml"
    rules.write_text(ALLOW_NO_DETECTORS)
    for data, extra in ((tmp_path / "masked", []), (tmp_path / "raw", ["--rules", rules])):
        rc, out = run(capsys, "--data", data, "import", "--json", f, *extra)
        assert rc == 0, out
        (row,) = json.loads(out[:out.rindex("]") + 1])
        (sid,) = row["sessions"]
        assert sid.startswith("session-") and "personal data (email)" in out, out
        rc, listed = run(capsys, "--data", data, "sessions", "--json")
        rc, bundle = run(capsys, "--data", data, "export", sid, "-o", tmp_path / f"{data.name}.replay")
        with zipfile.ZipFile(tmp_path / f"{data.name}.replay") as z:   # manifest and all
            handed = b"".join(z.read(n) for n in z.namelist())
        assert not hits({"said": (out + listed + bundle).encode(), "bundle": handed},
                        {"email": NEEDLES["email"]})
        assert not [p for p in data.rglob("*") if "lovelace" in str(p)]
        # an erasure request names the visitor's email: it finds the session (hashed with the
        # folder's secret), and the erasure leaves nothing of it
        rc, out = run(capsys, "--data", data, "delete", EMAIL, "--dry-run")
        assert rc == 0 and sid in out, out
        rc, out = run(capsys, "--data", data, "delete", EMAIL, "--yes")
        assert rc == 0, out
        rc, listed = run(capsys, "--data", data, "sessions", "--json")
        assert json.loads(listed) == []
    assert not hits(stored_bytes(tmp_path / "masked"), {"email": NEEDLES["email"]})



def test_a_session_id_made_of_personal_data_is_no_hash_anyone_can_test(tmp_path, capsys,
                                                                       monkeypatch):
    """That hash was blake2b of the email alone: whoever saw the id - a file name, a ticket, a
    bundle's manifest, `replay sessions` - hashed a list of customers' emails and knew whose
    session it was. It is keyed now with the data folder's secret (DATA/id.key, its owner's
    alone, made when such an id is first stored): the same recording is the same session in
    its folder, another folder names it otherwise, and a command that only reads the file
    writes nothing into a folder. A session stored under the old name is found again."""
    import hashlib

    from recorder import sessions as sessions_mod

    ev = page()
    for e in ev:
        e["sessionId"] = EMAIL
    f = write(tmp_path, ev)
    unkeyed = "session-" + hashlib.blake2b(EMAIL.encode(), digest_size=10).hexdigest()
    ids = {}
    for name in ("one", "two"):
        data = tmp_path / name
        rc, out = run(capsys, "--data", data, "import", f)
        assert rc == 0, out
        ids[name] = out.split()[0]
        assert (data / "id.key").stat().st_mode & 0o077 == 0
        rc, out = run(capsys, "--data", data, "import", f)      # again: the same session
        assert rc == 0 and out.split()[0] == ids[name] and "already stored" in out, out
        rc, out = run(capsys, "--data", data, "export", f, "-o", "-")   # read, not stored
        assert json.loads(out[out.index("["):out.rindex("]") + 1])[0]["data"]["payload"] == \
            {"id": ids[name]}
    assert ids["one"].startswith("session-") and ids["one"] != ids["two"]
    assert unkeyed not in ids.values()
    rc, out = run(capsys, "--data", tmp_path / "none", "export", f, "-o", "-")
    assert rc == 0 and unkeyed not in out and not (tmp_path / "none").exists()

    # a folder that stored it before ids were keyed: found again, not stored twice
    old = tmp_path / "old"
    with monkeypatch.context() as m:
        m.setattr(sessions_mod, "_personal_id", lambda rid, key: unkeyed)
        rc, out = run(capsys, "--data", old, "import", f)
    assert rc == 0 and out.split()[0] == unkeyed, out
    rc, out = run(capsys, "--data", old, "import", f)
    assert rc == 0 and out.split()[0] == unkeyed and "already stored" in out, out


def test_a_value_typed_where_the_recording_lost_the_page_is_masked_where_echoed(tmp_path,
                                                                                capsys):
    """A Sentry replay without its first segment: the input events name fields no snapshot
    showed, so their level is unknown - the typed value counts as a masked field's, and the
    page's console echo of it is masked (it was stored in clear: a support engineer's
    tryout). The import says the recording's start is missing."""
    full = page(body='<input id="coupon" type="text">')
    coupon = node_id(full, "coupon")
    console = {"type": 6, "timestamp": T0 + 900, "data": {"plugin": "rrweb/console@1", "payload": {
        "level": "log", "payload": ['"coupon applied"', '"SPRINGSALE25"'], "trace": []}}}
    typing = [inc(100 + 10 * k, {"source": 5, "id": coupon, "text": "SPRINGSALE25"[:k],
                                 "isChecked": False}) for k in range(1, 13)]
    late = [{**full[0], "timestamp": T0 + 50}, *typing, console]   # no snapshot: its start lost
    rc, out = run(capsys, "--data", tmp_path / "data", "import", write(tmp_path, late))
    assert rc == 0, out
    assert "start is missing" in out and "no page at all" in out
    assert hits(stored_bytes(tmp_path / "data"), {"coupon": ["SPRINGSALE25", "SPRINGSALE"]}) == []
    with Store.open(tmp_path / "data") as s:   # the console line is kept, masked
        (info,) = s.sessions()
        logs = [e for e in s.session(info.id).events() if e["type"] == 6]
        assert logs and "coupon applied" in json.dumps(logs)
    # the whole recording imports without the warning
    rc, out = run(capsys, "--data", tmp_path / "whole", "import",
                  write(tmp_path, [*full, *typing, console]))
    assert rc == 0 and "start is missing" not in out, out


def test_a_bundles_bug_report_steps_are_read_from_the_masked_events(tmp_path, capsys):
    """A bug bundle exported `--unmasked` (or masked under looser rules elsewhere) carries its
    steps as that copy had them: the value typed into a masked field, the masked text a click
    was named by. Imported, the session's events are masked - and so must its report be: the
    steps were stored from the manifest as they were, into the index, the first segment's
    header and every later export and Steps tab. The title, notes and moment are kept; the
    steps are read from the stored events, as a record-mode report's are."""
    coupon_value, secret_text = "SPRINGSALE25", "Zelda Quixotic Gate 7741"
    needles = {"typed": [coupon_value], "masked text": [secret_text, "Quixotic"]}
    ev = page(body='<input id="coupon" type="text" data-replay-privacy="mask">'
                   f'<p id="who" class="rr-mask">{secret_text}</p>')
    coupon, who = node_id(ev, "coupon"), node_id(ev, "who")
    ev += [inc(100 + 10 * k, {"source": 5, "id": coupon, "text": coupon_value[:k],
                              "isChecked": False}) for k in range(1, len(coupon_value) + 1)]
    ev += [inc(500, {"source": 2, "type": 2, "id": who, "x": 5, "y": 5})]
    recording = write(tmp_path, ev)
    bundle = tmp_path / "raw.replay"
    rc, out = run(capsys, "--data", tmp_path / "sender", "export", recording, "--unmasked",
                  "--title", "Coupon refused", "--at", "500", "-o", bundle)
    assert rc == 0, out
    with zipfile.ZipFile(bundle) as z:    # the premise: the hand-over holds both in its steps
        manifest = json.loads(z.read("manifest.json"))
    said = json.dumps(manifest["session"]["context"]["bug"]["steps"])
    assert coupon_value in said and secret_text in said

    # a new session, and a report added to the session stored already (from the recording)
    for data, first in ((tmp_path / "new", []), (tmp_path / "had", [recording])):
        for f in (*first, bundle):
            rc, out = run(capsys, "--data", data, "import", f)
            assert rc == 0, out
        assert hits(stored_bytes(data), needles) == []
        rc, listed = run(capsys, "--data", data, "sessions", "--json")
        (row,) = json.loads(listed)
        assert row["context"]["bug"]["title"] == "Coupon refused"
        assert row["context"]["bug"]["at_ms"] == 500
        handed = tmp_path / f"{data.name}-again.replay"
        rc, out = run(capsys, "--data", data, "export", row["id"], "-o", handed)
        assert rc == 0, out
        with zipfile.ZipFile(handed) as z:
            again = json.loads(z.read("manifest.json"))["session"]["context"]["bug"]
            assert hits({"bundle": b"".join(z.read(n) for n in z.namelist())}, needles) == []
        # the steps are still there, read from the masked events: the typing, masked
        assert [(s["kind"], s["masked"]) for s in again["steps"] if s["kind"] == "type"] == \
            [("type", True)]


def test_a_bundle_carries_no_hash_of_the_recording_as_it_came_in(tmp_path, capsys):
    """The store keeps a digest of each recording as it came in - before the privacy pass, so
    a file imported again is recognised whatever the rules - in the index and the first
    segment's header, and bundles copied that header. Handed over with the masked events, it
    confirmed a guess at a masked value: put the guess back where the bundle has `***`, hash,
    compare (a support engineer's bundle of a login, and a list of customers' emails). A
    bundle's segments now carry no such digest; the data folder keeps it."""
    from recorder.sessions import content_digest

    ev = page(body='<input id="email" type="email">')
    email = node_id(ev, "email")
    # the typing comes after the first 64 events, which the session's id is a hash of
    ev += [inc(10 + k, {"source": 1, "positions": [{"x": k, "y": 5, "id": email,
                                                     "timeOffset": 0}]}) for k in range(80)]
    ev += [inc(500, {"source": 5, "id": email, "text": EMAIL, "isChecked": False})]
    data = tmp_path / "data"
    rc, out = run(capsys, "--data", data, "import", write(tmp_path, ev))
    assert rc == 0, out
    sid = out.split()[0]
    with Store.open(data) as store:
        kept = store.index.digest(sid)
        key = store.id_key()
    # the premise: a hash of the events as typed (keyed with the folder's secret, which
    # stays in the folder: the guess cannot be checked without it)
    assert kept == content_digest(ev, key) != content_digest(ev)
    bundle = tmp_path / "login.replay"
    rc, out = run(capsys, "--data", data, "export", sid, "-o", bundle)
    assert rc == 0, out
    with zipfile.ZipFile(bundle) as z:
        handed = b"".join(z.read(n) for n in z.namelist())
    assert kept.encode() not in handed
    # what a recipient holds: the masked events, into which a right guess is put back
    rc, out = run(capsys, "--data", data, "export", bundle, "--unmasked", "-o", "-")
    events = json.loads(out[out.index("["):out.rindex("]") + 1])[1:]
    assert [e["data"]["text"] for e in events if e["data"].get("source") == 5] == ["***"]
    for e in events:
        if e["data"].get("source") == 5:
            e["data"]["text"] = EMAIL
    # the guess put back hashes to the folder's digest only with the folder's secret, which
    # never leaves it
    assert content_digest(events, key) == kept != content_digest(events)
    assert kept.encode() not in handed
    rc, out = run(capsys, "--data", data, "import", bundle)   # it still imports: same session
    assert rc == 0 and "already stored" in out, out
