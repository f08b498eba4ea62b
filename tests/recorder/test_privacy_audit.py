"""Audit findings, preview documents and re-masking against a real local store."""
from __future__ import annotations

import json

from recorder.privacy import SessionMasker, masker_factory, parse_rules
from recorder.privacy.audit import audit_events, audit_session
from recorder.privacy.preview import html_to_events, preview_events, preview_html, preview_source
from recorder.privacy.remask import remask_sessions
from recorder.privacy.rules import DEFAULT_SCRUB_PARAMS
from recorder.store import Store

T0 = 1_700_000_000_000
PAGE = """<!DOCTYPE html><html><body><p id="p">Contact ada@example.com</p>
<input id="pw" type="password"><input id="q" type="text" title="call +1 415 555 0100">
</body></html>"""
ALLOW = parse_rules('default = "allow"\ndetectors = []\nkeep_query_params = '
                    + json.dumps(list(DEFAULT_SCRUB_PARAMS)))   # no URL parameter scrubbed
MASK = parse_rules('default = "mask"\nscrub_query_params = ["token"]')


def recording():
    ev = html_to_events(PAGE, href="https://shop.example/?token=abc&to=ada@example.com",
                        timestamp=T0)
    ids = {}
    stack = [ev[1]["data"]["node"]]
    while stack:
        n = stack.pop()
        if (n.get("attributes") or {}).get("id"):
            ids[n["attributes"]["id"]] = n["id"]
        stack.extend(n.get("childNodes") or ())
    ev += [
        {"type": 3, "timestamp": T0 + 1500, "data": {"source": 5, "id": ids["pw"], "text": "hunter2"}},
        {"type": 3, "timestamp": T0 + 2000, "data": {"source": 5, "id": ids["q"], "text": "4111 1111 1111 1111"}},
        {"type": 6, "timestamp": T0 + 2500, "data": {"plugin": "rrweb/console@1", "payload": {
            "level": "log", "trace": [], "payload": ['"user ada@example.com"']}}},
    ]
    return ev, ids


def test_audit_reports_kind_place_and_a_masked_excerpt_only():
    ev, ids = recording()
    a = audit_events(ev, session_id="s1")
    got = sorted((f.kind, f.event_index, f.offset_ms, f.node_id, f.where, f.excerpt)
                 for f in a.findings)
    assert got == sorted([
        ("email", 0, 0, None, "page URL", "a***@e***.com"),
        ("credential", 0, 0, None, "page URL", "token=***"),   # ?token=abc, in clear
        ("email", 1, 0, ids["p"] + 1, "text", "a***@e***.com"),
        ("phone", 1, 0, ids["q"], "attribute title", "***-**00"),
        ("sensitive-input", 2, 1500, ids["pw"], "input value (password field)", "7 characters in clear"),
        ("card", 3, 2000, ids["q"], "input value", "**** 1111"),
        ("email", 4, 2500, None, "console", "a***@e***.com"),
    ])
    blob = json.dumps(a.to_json())
    for secret in ("ada@example.com", "hunter2", "4111 1111 1111 1111", "415 555 0100"):
        assert secret not in blob
    assert a.counts() == {"email": 3, "phone": 1, "sensitive-input": 1, "card": 1, "credential": 1}


def test_a_findings_row_says_its_time_as_every_moment_is_said():
    """`replay audit` said 00:00.010 where the privacy workspace's preview said 01:08.790 and
    the player 0:00.1: a finding's time is the same clock, to the ms (recorder.moments),
    and the command and the workspace list the same row (`Finding.cells`)."""
    ev, ids = recording()
    card = next(f for f in audit_events(ev).findings if f.kind == "card")
    assert card.cells() == ("card", "3", "0:02.000", str(ids["q"]), "input value", "**** 1111")
    context = next(f for f in audit_events(ev, context={"note": "ada@example.com"}).findings
                   if f.event_index is None)
    assert context.cells()[1:3] == ("context", "0:00.000")


def test_a_field_typed_in_clear_is_one_finding_however_many_keystrokes():
    """A privacy officer's audit of a raw recording listed 39 sensitive-input rows for two
    password fields, one per keystroke: a field's input events in clear one after the other
    are one finding (its first moment, the value it came to, how many events); a finding
    of another kind between them starts a new one."""
    ev, ids = recording()
    ev = ev[:2]
    typed = [("pw", "h"), ("pw", "hu"), ("pw", "hun"), ("q", "x"), ("pw", "hunt"),
             ("q", "ada@example.com"), ("pw", "hunte")]
    ev += [{"type": 3, "timestamp": T0 + 100 * k, "data": {"source": 5, "id": ids[f], "text": v}}
           for k, (f, v) in enumerate(typed, 1)]
    found = [(f.kind, f.event_index, f.offset_ms, f.excerpt, f.repeats)
             for f in audit_events(ev).findings if f.event_index >= 2]
    assert found == [  # (q is no sensitive field: "x" in it is no finding)
        ("sensitive-input", 2, 100, "4 characters in clear, over 4 input events", 3),
        ("email", 7, 600, "a***@e***.com", 0),
        ("sensitive-input", 8, 700, "5 characters in clear", 0)]


def test_credentials_in_clear_are_found_and_the_scrubbed_ones_are_not():
    """The audit found no `token=`, `api_key=` or Bearer token a raw recording held (a
    privacy officer's tryout: with `keep_query_params` loosened, such a session would pass
    "none of: ..."): a URL parameter the privacy pass scrubs by default, in a query or a
    fragment, and a Bearer token are findings in clear - never when scrubbed (`***`), nor
    "code=500" in a message - and the excerpt names the parameter only."""
    ev, ids = recording()
    ev = ev[:2] + [
        {"type": 6, "timestamp": T0 + 100, "data": {"plugin": "rrweb/console@1", "payload": {
            "level": "log", "trace": [], "payload": ['"GET /api?api_key=k-991&page=2 with'
                                                     ' Authorization: Bearer eyJhbGciOi.x"',
                                                     '"error code=500, ?token=***"']}}}]
    found = [(f.kind, f.event_index, f.where, f.excerpt) for f in audit_events(ev).findings
             if f.kind == "credential"]
    assert found == [("credential", 0, "page URL", "token=***"),
                     ("credential", 2, "console", "api_key=***"),
                     ("credential", 2, "console", "Bearer ***")]
    blob = json.dumps(audit_events(ev).to_json())
    assert "k-991" not in blob and "eyJhbGciOi" not in blob and "abc" not in blob
    # the default rules scrub those parameters wherever a URL is written, console text
    # too, and the Bearer token (it went through in clear: the audit was the only one to say)
    masked = SessionMasker(parse_rules("")).mask(ev)
    assert [f.excerpt for f in audit_events(masked).findings if f.kind == "credential"] == []
    assert "Authorization: Bearer ***" in json.dumps(masked) and "eyJhbGciOi" not in json.dumps(masked)


def test_a_token_the_pass_scrubbed_is_no_finding_where_a_bracket_closes_it():
    """A stack frame's URL (`at f (https://x/app.js?token=abc:1:2)`), a CSS url() or markup
    closes the value the scrubber masks with `)` or `>`: the audit read `***)` as a token in
    clear (a privacy officer's tryout: `replay audit` exit 1 on every session, however often
    re-masked) - it reads the value as the scrubber ends it, and still finds one in clear.
    The frame's `:line:col` is not the token's: the scrubber leaves it."""
    ev, _ = recording()
    ev = ev[:2] + [
        {"type": 6, "timestamp": T0 + 100, "data": {"plugin": "rrweb/console@1", "payload": {
            "level": "error", "payload": ['"boom"'], "trace": [
                "at f (https://shop.example/app.js?token=ZQXSTACKTOKEN:1:2)",
                "at g (https://shop.example/b.js?access_token=ZQXOTHER)"]}}},
        {"type": 3, "timestamp": T0 + 200, "data": {"source": 0, "texts": [], "removes": [],
         "adds": [], "attributes": [{"id": 3, "attributes": {
             "style": "background: url(https://cdn.example/i.png?signature=ZQXSIG)"}}]}}]
    assert sorted(f.excerpt for f in audit_events(ev).findings   # (0: the page URL's)
                  if f.kind == "credential" and f.event_index >= 2) == \
        ["access_token=***", "signature=***", "token=***"]
    masked = SessionMasker(parse_rules("")).mask(ev)
    text = json.dumps(masked)
    # the frame's `:line:col` stays the frame's (it went with the token)
    assert "ZQX" not in text and "?token=***:1:2)" in text and "signature=***)" in text
    assert [f.excerpt for f in audit_events(masked).findings if f.kind == "credential"] == []


def test_a_password_in_a_urls_user_info_is_scrubbed_and_found():
    """`https://deploy:s3cr3t@ci.example.com/` - basic auth a page links to, a log line or a
    request names - was stored in clear wherever a URL goes (the email detector took a
    password's tail, from its last character no address holds: `Tr0ub4dor&` of `Tr0ub4dor&3`
    stayed, `S3cr3t!!` whole; with no detectors all of it), and the audit did not say. The
    privacy pass masks the password (user and host stay) under the default rules and any that
    scrub a credential parameter, and the audit finds one left in clear, excerpt only."""
    ev, _ = recording()
    ev = ev[:2] + [
        {"type": 6, "timestamp": T0 + 100, "data": {"plugin": "rrweb/console@1", "payload": {
            "level": "log", "trace": [], "payload": [
                '"cloning https://deploy:Tr0ub4dor&3x@git.example.com/shop.git"',
                '"ftp://anon@files.example.com/ and https://shown:***@masked.example/"']}}},
        {"type": 6, "timestamp": T0 + 200, "data": {"plugin": "rrweb/network@1", "payload": {
            "requests": [{"name": "https://svc:S3cr3t!!@api.example.com/v1", "method": "GET",
                          "initiatorType": "fetch", "status": 200}]}}}]
    found = [(f.event_index, f.where, f.excerpt) for f in audit_events(ev).findings
             if f.kind == "credential" and f.excerpt == "user:***@"]
    assert found == [(2, "console", "user:***@"), (3, "network", "user:***@")]
    assert "Tr0ub4dor" not in json.dumps(audit_events(ev).to_json())
    for rules in ("", 'detectors = []', 'default = "allow"\ndetectors = []'):
        masked = json.dumps(SessionMasker(parse_rules(rules)).mask(ev))
        assert "Tr0ub4dor" not in masked and "S3cr3t" not in masked, rules
        assert "https://deploy:***@git.example.com/shop.git" in masked
        assert "https://svc:***@api.example.com/v1" in masked
        if "detectors" in rules:   # (the email detector takes `anon@files.example.com`)
            assert "ftp://anon@files.example.com/" in masked   # a user alone: no password



def test_basic_auth_credentials_are_scrubbed_and_found():
    """`Authorization: Basic YWRtaW46aHVudGVyMg==` - base64 of `admin:hunter2`, in a console
    line logging a request's config, or on an API page - was stored as it was, where a Bearer
    token is scrubbed, and the audit did not say. It goes like a Bearer token (the word
    stays), and only base64 of a user and a password does: "Basic Information" stays."""
    ev, _ = recording()
    ev = ev[:2] + [
        {"type": 6, "timestamp": T0 + 100, "data": {"plugin": "rrweb/console@1", "payload": {
            "level": "log", "trace": [], "payload": [
                '"request", {"headers": {"Authorization": "Basic YWRtaW46aHVudGVyMg=="}}',
                '"see Basic Information, Basic aGVsbG8gd29ybGQ="']}}}]
    found = [(f.event_index, f.where, f.excerpt) for f in audit_events(ev).findings
             if f.kind == "credential" and f.excerpt == "Basic ***"]
    assert found == [(2, "console", "Basic ***")]
    assert "YWRtaW46" not in json.dumps(audit_events(ev).to_json())
    for rules in ("", 'default = "allow"\ndetectors = []'):
        masked = json.dumps(SessionMasker(parse_rules(rules)).mask(ev))
        assert "YWRtaW46" not in masked and "Basic ***" in masked, rules
        assert "Basic Information, Basic aGVsbG8gd29ybGQ=" in masked   # no user:password


def test_audit_of_masked_events_is_clean():
    ev, _ = recording()
    assert audit_events(SessionMasker().mask(ev)).clean            # default rules
    assert not audit_events(SessionMasker(ALLOW).mask(ev)).clean   # allow keeps the text


def test_audit_finds_values_in_clear_in_the_page_itself_not_only_typed():
    # a recording made without masking holds a password field's value as the page set it
    # (a value attribute in the snapshot, an added field, a value set later): no detector
    # pattern finds a password, so the audit must look at the fields themselves
    page = """<!DOCTYPE html><html><body><form id="f">
    <input id="pw" type="password" value="hunter22">
    <input id="csc" type="text" autocomplete="cc-csc" value="123">
    <input id="name" type="text" value="Ada"></form></body></html>"""
    ev = html_to_events(page, timestamp=T0)
    nodes = {}
    stack = [ev[1]["data"]["node"]]
    while stack:
        n = stack.pop()
        nodes[(n.get("attributes") or {}).get("id")] = n["id"]
        stack.extend(n.get("childNodes") or ())
    ev += [
        {"type": 3, "timestamp": T0 + 1000, "data": {"source": 0, "texts": [], "removes": [],
         "attributes": [{"id": nodes["pw"], "attributes": {"value": "s3cret!!"}}], "adds": [
             {"parentId": nodes["f"], "nextId": None, "node": {
                 "type": 2, "id": 9001, "tagName": "input", "childNodes": [],
                 "attributes": {"type": "tel", "value": "5550100"}}}]}},
    ]
    a = audit_events(ev, session_id="s1")
    got = sorted((f.kind, f.event_index, f.node_id, f.where, f.excerpt) for f in a.findings)
    assert got == sorted([
        ("sensitive-input", 1, nodes["pw"], "value attribute (password field)", "8 characters in clear"),
        ("sensitive-input", 1, nodes["csc"], "value attribute (cc-csc field)", "3 characters in clear"),
        ("sensitive-input", 2, nodes["pw"], "value attribute (password field)", "8 characters in clear"),
        ("sensitive-input", 2, 9001, "value attribute (tel field)", "7 characters in clear"),
    ])
    blob = json.dumps(a.to_json())
    for secret in ("hunter22", "s3cret!!", "5550100"):
        assert secret not in blob
    assert audit_events(SessionMasker().mask(ev)).clean   # as an import stores it


def test_audit_finds_a_password_typed_after_a_show_password_button_made_it_text():
    """A raw recording (rrweb under a permissive setting) of a login form whose "show
    password" button turned the field into a text field: what was typed after is still a
    password - the recorder's pass keeps it masked, the audit reports it in clear."""
    ev, ids = recording()
    ev = ev[:2] + [
        {"type": 3, "timestamp": T0 + 1000, "data": {"source": 5, "id": ids["pw"], "text": "hunt"}},
        {"type": 3, "timestamp": T0 + 1100, "data": {"source": 0, "texts": [], "removes": [],
         "adds": [], "attributes": [{"id": ids["pw"], "attributes": {"type": "text"}}]}},
        {"type": 3, "timestamp": T0 + 1200, "data": {"source": 5, "id": ids["pw"], "text": "hunter2"}},
        {"type": 3, "timestamp": T0 + 1300, "data": {"source": 5, "id": ids["q"], "text": "hello"}},
    ]
    a = audit_events(ev)
    got = [(f.event_index, f.where) for f in a.findings if f.kind == "sensitive-input"]
    assert got == [(2, "input value (password field)"),
                   (4, "input value (text, once a password or card field)")]
    assert "hunter2" not in json.dumps(a.to_json())
    assert audit_events(SessionMasker().mask(ev)).clean   # as an import stores it


def test_preview_is_masked_and_inert():
    html = PAGE.replace("<body>", "<body onload=\"steal()\"><script>steal()</script>"
                                   "<a href=\"javascript:steal()\">x</a>")
    out = preview_html(html, MASK)
    assert "steal" not in out and "onload" not in out and "<script" not in out
    assert "xxxxxxx xxxxxxxxxxxxxxx" in out and 'title="***"' in out


def test_preview_takes_a_page_as_text_bytes_or_its_file(tmp_path, monkeypatch):
    """`preview_html("page.html", rules)` showed a page whose text was "page.html" (a
    privacy officer's tryout): a str with no markup in it is the page's file, as a Path is."""
    import pytest

    page = tmp_path / "page.html"
    page.write_text(PAGE)
    want = preview_html(PAGE, MASK)
    assert "xxxxxxx xxxxxxxxxxxxxxx" in want
    monkeypatch.chdir(tmp_path)
    assert preview_html(page, MASK) == preview_html(str(page), MASK) == want
    assert preview_html("page.html", MASK) == preview_html(PAGE.encode(), MASK) == want
    with pytest.raises(FileNotFoundError):
        preview_html("no-such-page.html", MASK)


def test_preview_at_a_time_shows_the_masked_state_then():
    ev, ids = recording()
    before = preview_events(ev, parse_rules('default = "allow"'), until_ms=T0 + 1000)
    after = preview_events(ev, parse_rules('default = "allow"'))
    assert 'id="q" type="text"' in before and "value=" not in before
    assert 'value="xxxx xxxx xxxx xxxx"' in after  # allow, but the card detector caught it
    assert 'value="***"' in after                   # the password field, at every level


def test_a_preview_before_a_typing_masks_the_echoes_the_store_masks():
    """A name shown before it was typed into a masked field is masked by the store's second
    pass; the preview of that earlier moment masked the events up to it only, and showed it."""
    ev = html_to_events('<p>Signed in as Margarethe Quellenbrink</p><input id="n">',
                        timestamp=T0)
    body = ev[1]["data"]["node"]["childNodes"][-1]["childNodes"][-1]
    field = body["childNodes"][-1]["id"]   # the input
    ev.append({"type": 3, "timestamp": T0 + 2000,
               "data": {"source": 5, "id": field, "text": "Margarethe Quellenbrink",
                        "isChecked": False}})
    for until in (T0, None):
        shown = preview_events(ev, parse_rules('default = "mask-user-input"'), until_ms=until)
        assert "Signed in as ***" in shown and "Quellenbrink" not in shown


def test_remask_rewrites_history_like_an_import_under_the_new_rules(tmp_path):
    ev, _ = recording()
    store = Store.open(tmp_path / "data")
    try:
        (sid,) = store.ingest(ev, masker_factory=masker_factory(ALLOW))
        assert "token=abc" in (store.session(sid).info.first_url or "")
        files_before = {s.file for s in store.session(sid).segments}
        results = remask_sessions(store, [sid[:8]], MASK)
        assert [(r.session_id, r.changed) for r in results] == [(sid, True)]
        reader = store.session(sid)
        assert list(reader.events()) == SessionMasker(MASK).mask(ev)
        assert "token=***" in reader.info.first_url and "abc" not in reader.info.first_url
        assert not files_before & {s.file for s in reader.segments}
        assert not any((tmp_path / "data" / f).exists() for f in files_before)
        assert audit_session(reader).clean
        # again under the same rules: nothing to do, nothing rewritten
        files = {s.file for s in reader.segments}
        assert [r.changed for r in remask_sessions(store, None, MASK)] == [False]
        assert {s.file for s in store.session(sid).segments} == files
        # and the preview of the stored session is what was stored
        assert "xxxxxxx" in preview_source(store.session(sid), MASK)
    finally:
        store.close()


def test_the_users_id_where_a_recording_names_it_is_not_a_finding_a_card_there_is():
    """The session's user is kept by design and named per session (OWNER_APART): the owner's
    email or phone number where an identify event or RUM's `usr` names it is not "found"; a
    card number there, the same email anywhere else, or another identity there, is."""
    ev = [{"type": 5, "timestamp": 1, "data": {"tag": "identify", "payload": {
              "id": "ada@example.com", "name": "Ada 4111 1111 1111 1111"}}},
          {"type": 6, "timestamp": 2, "data": {"plugin": "replay/rum@1", "payload": {
              "type": "view", "usr": {"id": "ada@example.com", "email": "ada@example.com"},
              "note": "ada@example.com"}}},
          {"type": 5, "timestamp": 3, "data": {"tag": "identify", "payload": {
              "id": "bob@example.com"}}}]   # not the owner: the first one named is
    found = [(f.kind, f.event_index, f.where) for f in audit_events(ev).findings]
    assert found == [("card", 0, "custom event identify"), ("email", 1, "rum view"),
                     ("email", 2, "custom event identify")]


def test_a_token_inside_a_url_encoded_url_or_named_as_an_array_is_scrubbed_and_found():
    """A login's `?next=https%3A%2F%2Fapp%2Fcb%3Ftoken%3D...` (an OAuth `redirect_uri`, a
    `returnTo`), `?token[]=...` and `?token%5B%5D=...` were stored in clear, and the audit
    found nothing (a privacy officer's tryout). The default rules scrub each; the audit
    finds each in clear, and none once scrubbed."""
    from recorder.privacy.audit import credentials
    from recorder.privacy.masking import make_url_scrubber
    from recorder.privacy.rules import Rules
    urls = ["https://shop.example/login?next=https%3A%2F%2Fapp.example%2Fcb%3Ftoken%3DZQXNEST%26tab%3D2",
            "https://shop.example/a?token[]=ZQXARRAY&x=1",
            "https://shop.example/a?access_token%5B%5D=ZQXENC",
            "https://shop.example/cb?next=%2Fhome%23id_token%3DZQXFRAG",
            "https://shop.example/cb?next=%2Fcb%3Bx%3D1%3Btoken%3DZQXSEMI"]
    scrub = make_url_scrubber(Rules.default().scrub_query_params)
    for url in urls:
        assert len(credentials(url)) == 1, url
        scrubbed = scrub(url)
        assert "ZQX" not in scrubbed and "***" in scrubbed, scrubbed
        assert credentials(scrubbed) == [], scrubbed
    # a frame's `:line:col` after an empty value is no token (the scrubber leaves it too)
    assert credentials("at f (https://x/a.js?token=:1:2)") == []
    assert scrub("at f (https://x/a.js?token=:1:2)") == "at f (https://x/a.js?token=:1:2)"
    # what stands around the value stays: the encoded URL's next parameter, the page's own
    assert scrub(urls[0]).endswith("%3Ftoken%3D***%26tab%3D2")
    assert scrub(urls[1]).endswith("?token[]=***&x=1")


def test_the_audit_finds_a_credential_wherever_the_scrubber_masks_one():
    """A privacy officer's find: a console argument's `"token=..."` (JSON text: a quote before
    the name), `(token=...)`, `cfg,api_key=...` and a logged object's `"password":"..."` were
    stored in clear and the audit said nothing. Each is one finding in clear, none once
    scrubbed; other names, and a status code's word outside a URL, are none."""
    from recorder.privacy.audit import credentials
    from recorder.privacy.masking import make_url_scrubber
    from recorder.privacy.rules import Rules
    scrub = make_url_scrubber(Rules.default().scrub_query_params)
    found = {'"token=ZQX1 at start"': "token=***", "(token=ZQX2)": "token=***",
             "cfg,api_key=ZQX3": "api_key=***", "login password=ZQX4": "password=***",
             '{"password":"ZQX5","n":1}': '"password":"***"',
             '"{\\"token\\":\\"ZQX6\\"}"': '"token":"***"',
             '{"Secret" : "ZQX\\"7"}': '"Secret":"***"',
             # a reviewer's: JSON's white space before the colon, an escaped quote inside an
             # object logged as JSON text (the rest of the password was left)
             '{"token"\t:"ZQX8"}': '"token":"***"',
             '"{\\"token\\"\\t:\\"ZQX10\\"}"': '"token":"***"',
             # a console argument cut at its 1,000 characters, the value with it (a reviewer's)
             '{"note":"n","password":"ZQX11sec...': '"password":"***"',
             '"{\\"password\\":\\"pa\\\\\\"ZQX9\\"}"': '"password":"***"',
             # a one-time code as a number, in an object and in JSON text (a reviewer's)
             '{"otp":864209,"n":1}': '"otp":"***"', '"{\\"otp\\" : -97531.5e2}"': '"otp":"***"'}
    for text, excerpt in found.items():
        assert credentials(text) == [excerpt], text
        scrubbed = scrub(text)
        assert not {"ZQX", "864209", "97531"} & {scrubbed[i:i + k] for k in (3, 5, 6)
                                                 for i in range(len(scrubbed))}, scrubbed
        assert credentials(scrubbed) == [], scrubbed
    # a name the rules add in another script, in either case (a reviewer's: ASCII-only case
    # matching missed `CONTRASEÑA=`, which capture.js masks)
    assert make_url_scrubber(("contraseña",))("CONTRASEÑA=ZQX12") == "CONTRASEÑA=***"
    for text in ("mytoken=a1", "data-token=a2", '{"tokens":"a3"}', "error code=500",
                 '{"token":""}', '{"code":"ECONNREFUSED"}'):
        assert credentials(text) == [] and scrub(text) == text.replace("code=500", "code=***")


def test_a_long_run_of_name_characters_holds_no_credential():
    """A masked text's long run of x's (a reviewer's: 20 KB of them took the audit 9 s, read
    again from each letter; now from the run's start only - 0.003 s, measured by hand) holds
    no credential, nor does a longer name ending in one's (`xxx…token=`)."""
    from recorder.privacy.audit import audit_events
    run = "x" * 20_000
    ev = [{"type": 6, "timestamp": 1, "data": {"plugin": "rrweb/console@1", "payload": {
        "level": "log", "payload": [f'"{run}"', f'"{run}token=ZQX"', f'"{run} token=ZQX"'],
        "trace": []}}}]
    found = [(f.kind, f.excerpt) for f in audit_events(ev).findings]
    assert found == [("credential", "token=***")], found   # (the last one only)
