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
from replay_tools.browser_recorder import Click, Eval, PageServer, Type, WaitFor, record_page
from app.cli import main as cli
from recorder.mirror import Mirror
from recorder.store import Store
from replay_tools.stored import hits, stored_bytes

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
    """mask-user-input keeps the page's own text (as Datadog's does), but not the page
    echoing a typed value: its "Thank you, <name>!" is stored as "Thank you, ***!" (echo
    scrubbing), and the labels stay. The stricter rules file (default mask, card fields
    hidden) stores none of it; the detectors keep the email out of the console either way."""
    events, path = recordings["echo"]
    default = tmp_path / "default"
    run_cli(capsys, "--data", str(default), "import", str(path))
    blobs = stored_bytes(default)
    assert hits(blobs, NEEDLES) == []
    seg = b"".join(v for k, v in blobs.items() if k.endswith("(decompressed)"))
    assert b"Thank you, ***!" in seg and b"Card number" in seg

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
    # the card fields are placeholders: their box (id, type) and marker, nothing that
    # says what they held (no name, no autocomplete, no value), and no input event
    store = Store.open(strict)
    try:
        (info,) = store.sessions()
        stored = list(store.session(info.id).events())
    finally:
        store.close()
    by_html_id = ids_by_html_id(events)
    card_ids = {by_html_id[k] for k in ("card", "expiry", "cvc")}
    page = Mirror().apply_all(stored)
    for html_id in ("card", "expiry", "cvc"):
        n = page.nodes[by_html_id[html_id]]
        assert n.tag == "input"
        assert n.attrs == {"type": "text", "id": html_id, "data-replay-privacy": "hidden"}
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
    # allow: only always-masked inputs (email, tel, password, cc-*) hidden - and the email's
    # echoes: in the page's URL before it was typed, in the console line after, in a RUM view
    # the page sent while it was being typed (its address half masked then)
    assert before == {"name", "notes"}
    rc, out = run_cli(capsys, "audit", "--data", str(data), sid)
    assert rc == 0 and "audited: nothing found." in out   # a name and notes: no pattern tells them

    rc, out = run_cli(capsys, "--data", str(data), "mask", "--rules", str(mask), sid)
    assert rc == 0 and f"{sid}\tre-masked" in out
    assert hits(stored_bytes(data), NEEDLES) == []
    rc, out = run_cli(capsys, "--data", str(data), "audit", sid)
    assert rc == 0 and "audited: nothing found." in out and "clean" not in out
    # the session is still there, readable, with the same id
    rc, out = run_cli(capsys, "--data", str(data), "sessions", "--json")
    assert [s["id"] for s in json.loads(out)] == [sid]


# --- outputs of a recording *file*: masked at open unless --unmasked ----------------------
def bundle_bytes(path: Path) -> dict[str, bytes]:
    """A .replay bundle as stored (the zip) and its events decoded."""
    from recorder.bundle import open_bundle
    from recorder.format import encode_json

    with open_bundle(path) as src:
        events = b"\n".join(encode_json(e) for e in src.events())
    assert events
    return {str(path): path.read_bytes(), f"{path} (decoded)": events}


def test_outputs_of_a_raw_file_hold_none_of_its_personal_data(recordings, tmp_path, capsys):
    """snapshot and export (rrweb JSON, .replay) of the raw rrweb file, and of a raw .replay
    made from it, write none of what was typed; `--unmasked` writes it and says so."""
    _, path = recordings["no_echo"]
    data, out = tmp_path / "data", tmp_path / "out"
    out.mkdir()

    def outputs(src: Path, tag: str, *flags: str) -> dict[str, bytes]:
        files = {"snapshot": out / f"{tag}.html", "rrweb": out / f"{tag}.json",
                 "replay": out / f"{tag}.replay"}
        said = ""
        for cmd in (["snapshot", str(src), "--at", "end", "-o", str(files["snapshot"])],
                    ["export", str(src), "-o", str(files["rrweb"])],
                    ["export", str(src), "-o", str(files["replay"])]):
            rc, text = run_cli(capsys, "--data", str(data), *cmd, *flags)
            assert rc == 0, text
            said += text
        blobs = {str(files["snapshot"]): files["snapshot"].read_bytes(),
                 str(files["rrweb"]): files["rrweb"].read_bytes(),
                 **bundle_bytes(files["replay"]), f"{tag} cli output": said.encode()}
        assert b"Card number" in blobs[str(files["snapshot"])]   # the page itself is there
        return blobs

    assert hits(outputs(path, "masked"), NEEDLES) == []

    raw = outputs(path, "raw", "--unmasked")
    leaked = {h.split()[0] for h in hits(raw, NEEDLES)}
    assert leaked == {"name", "email", "card", "phone", "notes"}   # the premise, and the flag
    assert "the output is unmasked" in raw["raw cli output"].decode()
    assert raw["raw cli output"].decode().count("--unmasked") == 3   # one line per command

    # a .replay made from the raw file (above, with --unmasked) is a file too: masked at open
    assert hits(outputs(out / "raw.replay", "from-bundle"), NEEDLES) == []

    # and under a stricter rules file given on the command line
    rules = tmp_path / "strict.toml"
    rules.write_text(STRICT_RULES)
    strict = outputs(out / "raw.replay", "strict", "--rules", str(rules))
    assert hits(strict, NEEDLES) == []
    assert b"data-replay-hidden" in strict[str(out / "strict.html")]   # the card fields' boxes


def test_mask_and_audit_take_a_raw_file(recordings, tmp_path, capsys):
    """`audit bug.replay` finds what the raw recording holds; `mask --rules ... -o` writes a
    copy that holds none of it; `--dry-run` says what would change and writes nothing."""
    _, path = recordings["no_echo"]
    data = tmp_path / "data"
    rules = tmp_path / "strict.toml"
    rules.write_text(STRICT_RULES)
    raw = tmp_path / "bug.replay"
    assert run_cli(capsys, "--data", str(data), "export", str(path), "--unmasked", "-o", str(raw))[0] == 0

    rc, out = run_cli(capsys, "--data", str(data), "audit", "--json", str(raw))
    assert rc == 1
    (report,) = json.loads(out[out.index("["):])
    assert {"email", "card", "phone"} <= set(report["counts"])
    assert report["looked_for"] == ["email", "card", "phone", "iban", "ssn", "credential", "sensitive-input"]
    assert hits({"audit": out.encode()}, NEEDLES) == []   # excerpts only

    rc, out = run_cli(capsys, "--data", str(data), "mask", "--rules", str(rules), str(raw), "--dry-run")
    assert rc == 0 and not (tmp_path / "bug-masked.replay").exists()
    assert f"{raw} (" in out and "would change" in out
    assert 'rule "#card, #expiry, #cvc" (line 7) -> hidden' in out
    assert "always masked (password, email, tel, hidden, cc-* fields)" in out
    assert hits({"dry run": out.encode()}, NEEDLES) == []

    masked = tmp_path / "bug-masked.replay"
    rc, out = run_cli(capsys, "--data", str(data), "mask", "--rules", str(rules), str(raw), "-o", str(masked))
    assert rc == 0, out
    assert hits(bundle_bytes(masked), NEEDLES) == []
    rc, out = run_cli(capsys, "--data", str(data), "audit", str(masked))
    assert rc == 0 and "audited: nothing found." in out
    assert not data.exists() or not list(data.rglob("*.seg"))   # nothing was imported


def test_player_document_of_a_raw_file_holds_none_of_its_personal_data(recordings, tmp_path, capsys):
    """What `play` and `screenshot` paint: the recording opened by the commands' own opener,
    in the player's replay view (real QtWebEngine), its DOM read back at the end."""
    from app.commands._source import open_source
    from player.qt.replay_widget import ReplayWidget
    from player.qt.standalone import dispose

    _, path = recordings["no_echo"]
    data = tmp_path / "data"

    def painted(unmasked: bool) -> str:
        src = open_source(str(path), data, unmasked=unmasked)
        w = ReplayWidget(src)
        try:
            w.resize(1100, 800)
            w.show()
            w.wait_ready()
            w.seek_and_wait(int(w.replayer.duration_ms))
            # the markup, and the values the runtime set on form controls (not attributes)
            return w.bridge.call_sync(
                "document.documentElement.outerHTML + JSON.stringify(Array.from("
                "document.querySelectorAll('input, textarea, select'), e => e.value))")
        finally:
            dispose(w)

    masked = painted(False)
    assert "Card number" in masked
    assert hits({"player": masked.encode()}, NEEDLES) == []
    leaked = {h.split()[0] for h in hits({"player": painted(True).encode()}, NEEDLES)}
    assert {"name", "card", "phone", "notes"} <= leaked   # typed values in the raw view
    assert "the output is unmasked" in capsys.readouterr().err

    png = tmp_path / "frame.png"   # the screenshot command paints that same view
    rc, out = run_cli(capsys, "--data", str(data), "screenshot", str(path), "--at", "end", "-o", str(png))
    assert rc == 0 and png.stat().st_size > 0 and "unmasked" not in out
