"""Leak tests: what the privacy rules mask never reaches disk.

A checkout form is recorded in a real browser (rrweb's recorder from npm in QtWebEngine,
with rrweb's defaults: only passwords masked) while fake personal data is typed with real
key events. The recording is imported with `replay import` (default rules, then a stricter
rules file) and every stored byte - segment files decompressed, the SQLite index and its
WAL/SHM files, anything else in the data folder, the log records and the CLI output - is
searched for each piece of personal data. Then re-masking: a session stored under `allow`
is re-masked under `mask` and the old values are shown to be gone from disk.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import zstandard

from replay_tools.browser_recorder import Click, Eval, PageServer, Type, WaitFor, record_page
from app.cli import main as cli
from recorder.mirror import Mirror
from recorder.segments import SUFFIX, _split, read_header
from recorder.store import Store

PAGES = Path(__file__).resolve().parents[1] / "browser" / "pages"

NAME = "Zelda Quixotic"
EMAIL = "zelda.quixotic@example.org"
CARD = "4111 1111 1111 1111"
PASSWORD = "Tr0ub4dor&3xyz"
PHONE = "+1 415 555 0199"
NOTES = "Gate code 7741, ring Zelda"
# Each secret, and the fragments of it that would betray it on their own.
NEEDLES = {
    "name": [NAME, "Quixotic"],
    "email": [EMAIL, "zelda.quixotic", "quixotic@"],
    "card": [CARD, "4111111111111111", "4111 1111"],
    "password": [PASSWORD, "Tr0ub4dor"],
    "phone": [PHONE, "555 0199", "5550199"],
    "notes": [NOTES, "Gate code 7741"],
}

STRICT_RULES = """
version = 1
default = "mask"
detectors = ["email", "card", "phone"]
scrub_query_params = ["token", "email"]

[[rule]]
selector = "#card, #expiry, #cvc"
level = "hidden"

[[rule]]
selector = "h1, legend, label"
level = "allow"
"""


def fill_form(submit_with_terms: bool):
    steps = [
        Click("#name"), Type("#name", NAME),
        Click("#email"), Type("#email", EMAIL),
        Click("#tel"), Type("#tel", PHONE),
        Click("#address"), Type("#address", "12 Quay Street"),
        Click("#city"), Type("#city", "Dublin"),
        Type("#country", "Fr"),
        Click("#express"),
        Click("#card"), Type("#card", CARD, delay_ms=5),
        Click("#password"), Type("#password", PASSWORD),
        Click("#notes"), Type("#notes", NOTES, delay_ms=5),
        Click("#newsletter"),
    ]
    if submit_with_terms:
        steps.append(Click("#terms"))
    steps += [Click("#pay"), WaitFor("#result"),
              Eval("console.log('checkout done for', document.getElementById('email').value)")]
    return steps


@pytest.fixture(scope="module")
def recordings(qapp, tmp_path_factory):
    """Two real-browser recordings of the checkout: submitted without accepting the terms
    (nothing typed is echoed by the page), and accepted (the page writes "Thank you, NAME!"
    into its own DOM and logs the email to the console)."""
    out = {}
    with PageServer(PAGES) as srv:
        for key, terms in (("no_echo", False), ("echo", True)):
            rec = record_page(srv.url("checkout.html?token=s3ss10n&email=" + EMAIL), fill_form(terms))
            path = tmp_path_factory.mktemp("rec") / f"checkout-{key}.json"
            path.write_text(json.dumps(rec.events))
            out[key] = (rec.events, path)
    return out


def stored_bytes(data: Path) -> dict[str, bytes]:
    """Every byte the data folder holds, with segment payloads decompressed."""
    out = {}
    dctx = zstandard.ZstdDecompressor()
    dicts = {p.stem: p.read_bytes() for p in (data / "dicts").glob("*.zdict")} \
        if (data / "dicts").is_dir() else {}
    for f in sorted(p for p in data.rglob("*") if p.is_file()):
        blob = f.read_bytes()
        out[str(f)] = blob
        if f.suffix == SUFFIX:
            header, payload = _split(blob)
            d = header.get("dict")
            if d is not None and str(d) in dicts:
                dec = zstandard.ZstdDecompressor(dict_data=zstandard.ZstdCompressionDict(dicts[str(d)]))
            else:
                dec = dctx
            out[str(f) + " (decompressed)"] = dec.decompressobj().decompress(bytes(payload))
            assert read_header(blob)["session"]  # a real segment, really decoded
    return out


def hits(blobs: dict[str, bytes], needles: dict[str, list[str]]) -> list[str]:
    found = []
    for where, blob in blobs.items():
        low = blob.lower()
        for kind, forms in needles.items():
            for s in forms:
                for enc in {s.encode(), json.dumps(s)[1:-1].encode()}:
                    if enc.lower() in low:
                        found.append(f"{kind} {s!r} in {where}")
    return found


def ids_by_html_id(events) -> dict[str, int]:
    full = next(e for e in events if e["type"] == 2)
    out, stack = {}, [full["data"]["node"]]
    while stack:
        n = stack.pop()
        if (n.get("attributes") or {}).get("id"):
            out[n["attributes"]["id"]] = n["id"]
        stack.extend(n.get("childNodes") or ())
    return out


def run_cli(capsys, *argv) -> tuple[int, str]:
    rc = cli(list(argv))
    cap = capsys.readouterr()
    return rc, cap.out + cap.err


def test_the_raw_recordings_do_contain_the_personal_data(recordings):
    """The premise: rrweb (only passwords masked) records everything else typed."""
    for key, (events, _) in recordings.items():
        raw = {"raw": json.dumps(events).encode()}
        leaked = {h.split()[0] for h in hits(raw, NEEDLES)}
        assert leaked == {"name", "email", "card", "phone", "notes"}, key
        assert not hits(raw, {"password": NEEDLES["password"]})  # rrweb's own masking


def test_default_rules_store_none_of_the_typed_data(recordings, tmp_path, capsys, caplog):
    data = tmp_path / "data"
    caplog.set_level(logging.DEBUG)
    rc, out = run_cli(capsys, "--data", str(data), "import", str(recordings["no_echo"][1]))
    assert rc == 0 and out.strip()
    rc2, out2 = run_cli(capsys, "--data", str(data), "audit", "--all")
    blobs = stored_bytes(data)
    blobs["cli output"] = (out + out2).encode()
    blobs["log records"] = "\n".join(r.getMessage() for r in caplog.records).encode()
    assert any(k.endswith("(decompressed)") for k in blobs)
    assert any(k.endswith("index.sqlite3") for k in blobs)
    assert hits(blobs, NEEDLES) == []
    # what is kept is the page itself: labels, the layout, the clicks
    seg = b"".join(v for k, v in blobs.items() if k.endswith("(decompressed)"))
    assert b"Card number" in seg and b"Checkout" in seg and b"***" in seg


def test_default_rules_keep_page_text_the_stricter_file_masks_it(recordings, tmp_path, capsys, caplog):
    """mask-user-input keeps the page's own text (as Datadog's does): the page echoing the
    name into its DOM is page text. The stricter rules file (default mask, card fields
    hidden) stores none of it; the detectors keep the email out of the console either way."""
    events, path = recordings["echo"]
    default = tmp_path / "default"
    run_cli(capsys, "--data", str(default), "import", str(path))
    leaked = {h.split()[0] for h in hits(stored_bytes(default), NEEDLES)}
    assert leaked == {"name"}  # only the page's "Thank you, <name>!" text

    strict = tmp_path / "strict"
    rules = tmp_path / "strict.toml"
    rules.write_text(STRICT_RULES)
    caplog.set_level(logging.DEBUG)
    rc, out = run_cli(capsys, "--data", str(strict), "import", "--rules", str(rules), str(path))
    assert rc == 0
    rc2, out2 = run_cli(capsys, "--data", str(strict), "audit", "--all", "--json")
    assert rc2 == 0, out2  # the audit finds nothing
    blobs = stored_bytes(strict)
    blobs["cli output"] = (out + out2).encode()
    blobs["log records"] = "\n".join(r.getMessage() for r in caplog.records).encode()
    assert hits(blobs, NEEDLES) == []
    seg = b"".join(v for k, v in blobs.items() if k.endswith("(decompressed)"))
    assert b"Card number" in seg  # allowed labels stay readable
    assert b"token=***" in seg and b"s3ss10n" not in seg
    # the card fields are placeholders: only their marker, nothing that says what they
    # were (no id, no name, no autocomplete), and no input event
    store = Store.open(strict)
    try:
        (info,) = store.sessions()
        stored = list(store.session(info.id).events())
    finally:
        store.close()
    card_ids = {ids_by_html_id(events)[k] for k in ("card", "expiry", "cvc")}
    page = Mirror().apply_all(stored)
    for nid in card_ids:
        assert page.nodes[nid].tag == "input"
        assert page.nodes[nid].attrs == {"data-replay-privacy": "hidden"}
    assert not [e for e in stored if e["type"] == 3 and e["data"].get("source") == 5
                and e["data"]["id"] in card_ids]


def test_remask_removes_old_values_from_disk(recordings, tmp_path, capsys):
    events, path = recordings["echo"]
    data = tmp_path / "data"
    allow = tmp_path / "allow.toml"
    allow.write_text('default = "allow"\ndetectors = []\n')
    mask = tmp_path / "mask.toml"
    mask.write_text('default = "mask"\n')
    rc, out = run_cli(capsys, "--data", str(data), "import", "--rules", str(allow), str(path))
    sid = out.split()[0]
    before_hits = hits(stored_bytes(data), NEEDLES)
    before = {h.split()[0] for h in before_hits}
    assert any("index.sqlite3" in h for h in before_hits)  # the index held the URL too
    # allow: only always-masked inputs (email, tel, password, cc-*) hidden - the email still
    # travels in the page URL and the console line
    assert before == {"name", "email", "notes"}
    rc, out = run_cli(capsys, "audit", "--data", str(data), sid)
    assert rc == 1 and "e***.org" in out and EMAIL not in out

    rc, out = run_cli(capsys, "--data", str(data), "mask", "--rules", str(mask), sid)
    assert rc == 0 and f"{sid}\tre-masked" in out
    assert hits(stored_bytes(data), NEEDLES) == []
    rc, out = run_cli(capsys, "--data", str(data), "audit", sid)
    assert rc == 0 and "0 finding(s)" in out and "clean" not in out
    # the session is still there, readable, with the same id
    rc, out = run_cli(capsys, "--data", str(data), "sessions", "--json")
    assert [s["id"] for s in json.loads(out)] == [sid]
