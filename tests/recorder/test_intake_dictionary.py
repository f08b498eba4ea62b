"""Shared dictionaries (recorder/intake/dictionary.py): what they hold (only what MIN_VISITORS
visitors' pages held, masked with the rules in force), that a body compressed against one
decodes to the same batch, and that a deletion or a rewrite of a session removes them."""
from __future__ import annotations

import json
import time
import zlib

import pytest

from recorder.intake import compact, dictionary as shared
from recorder.intake.apps import Applications
from recorder.intake.dictionary import MIN_VISITORS, Dictionaries, Visit, build, held_strings
from recorder.intake.live import LiveIntake
from recorder.intake.wire import Batch, WireError, decode_request, preset_dictionary_id
from recorder.limits import Limits
from recorder.privacy import parse_rules
from recorder.privacy.preview import html_to_events
from recorder.store import Store

ALLOW = parse_rules('default = "allow"\ndetectors = []\n')


def page(greeting: str, *, t: int = 1_700_000_000_000) -> list[dict]:
    html = f"""<!DOCTYPE html><html><head><title>Acme Shop</title></head><body>
<header class="topbar"><nav class="nav"><a href="/new">New in</a><a href="/office">Office</a></nav></header>
<p class="hello">{greeting}</p>
<section class="grid"><div class="card">Desk lamp</div><div class="card">Mug</div></section>
</body></html>"""
    return html_to_events(html, href="https://shop.example/index.html", timestamp=t)


def zipped(data: bytes, zdict: bytes | None = None) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY,
                         **({"zdict": zdict} if zdict else {}))
    return c.compress(data) + c.flush()


def test_a_string_is_held_only_when_enough_visitors_pages_held_it():
    visits = [Visit(f"session:{k}", page(f"Hello, visitor {k}")) for k in range(MIN_VISITORS)]
    built = build(visits)
    held = held_strings(built.data)
    assert "Desk lamp" in held and "topbar" in held and "https://shop.example/index.html" in held
    assert not any(s.startswith("Hello, visitor") for s in held)   # one visitor's each
    assert built.visitors == MIN_VISITORS and built.strings == len(held)
    # a text seen by MIN_VISITORS - 1 visitors is not in it
    few = [Visit(f"session:{k}", page("Hello, Jane" if k else "Hi")) for k in range(MIN_VISITORS)]
    assert "Hello, Jane" not in held_strings(build(few).data)


def test_one_persons_visits_count_once_and_too_few_visitors_build_nothing():
    # ten visits of one identified user and three others: four visitors, not thirteen
    visits = [Visit("user:jane", page("Hello, Jane")) for _ in range(10)]
    visits += [Visit(f"session:{k}", page("Hello, Jane")) for k in range(MIN_VISITORS - 2)]
    assert build(visits) is None
    visits.append(Visit("session:last", page("Hello, Jane")))
    assert "Hello, Jane" in held_strings(build(visits).data)   # now five people saw it


def test_times_and_long_texts_are_not_kept():
    long_text = "x" * (shared.MAX_STRING_CHARS + 1)
    visits = [Visit(f"session:{k}", page(long_text, t=1_700_000_000_000 + k))
              for k in range(MIN_VISITORS)]
    data = build(visits).data
    assert long_text.encode() not in data
    assert b"1700000000000" not in data   # the Meta's epoch time


def test_a_dictionary_cuts_a_new_visitors_body_and_decodes_through_the_wire():
    built = build([Visit(f"session:{k}", page(f"Hello, visitor {k}")) for k in range(8)])
    events, strings = compact.encode(page("Hello, someone new"), 6)   # as capture.js posts
    body = json.dumps([compact.ENCODING_6, "new-visit", "b.0", events, strings],
                      separators=(",", ":")).encode()
    plain, against = zipped(body), zipped(body, built.data)
    assert len(against) < len(plain) * 0.6
    assert preset_dictionary_id(against) == built.id and preset_dictionary_id(plain) is None
    batch, _, _ = decode_request(against, "deflate", Limits(),
                                 dictionary=lambda i: built.data if i == built.id else None)
    assert batch.session_id == "new-visit" and len(batch.events) == 2
    with pytest.raises(WireError) as refused:   # a dictionary the intake does not have
        decode_request(against, "deflate", Limits(), dictionary=lambda i: None)
    assert refused.value.status == 409 and refused.value.code == "unknown_dictionary"
    # one that has the id but not the bytes (a collision, a damaged file): a clear refusal
    with pytest.raises(WireError) as bad:
        decode_request(against, "deflate", Limits(), dictionary=lambda i: b"other bytes")
    assert bad.value.status == 400
    with pytest.raises(WireError) as cut:   # cut off mid-body: refused, nothing decoded
        decode_request(against[:len(against) // 2], "deflate", Limits(),
                       dictionary=lambda i: built.data if i == built.id else None)
    assert cut.value.code == "bad_encoding" and "cut off" in str(cut.value)


def _stored_sessions(data, n: int, *, prefix="visit"):
    apps = Applications(data)
    app = apps.get("shop") if any(a.name == "shop" for a in apps.list()) else apps.create("shop")[0]
    live = LiveIntake(Store.open(data), ALLOW)
    t0 = int(time.time() * 1000) - 60_000
    for k in range(n):
        live.accept(app, Batch(session_id=f"{prefix}-{k}", events=page(f"Hello, visitor {k}",
                                                                       t=t0 + k)))
    live.store.close()
    apps.close()
    return app


def test_built_from_the_store_masked_with_the_rules_now_and_forgotten_on_changes(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    app = _stored_sessions(data, MIN_VISITORS)
    dicts = Dictionaries(data)
    with Store.open(data) as store:
        assert dicts.stale(app.id, ALLOW, lambda: 0)
        built = dicts.rebuild(store, app.id, ALLOW)
        assert dicts.current(app.id, ALLOW) == built.data
        assert dicts.lookup(app.id, built.id) == built.data and not dicts.stale(app.id, ALLOW, lambda: 0)
        # a rule added since: what it masks is not served (the old one is not current)
        stricter = parse_rules('default = "allow"\ndetectors = []\n[[rule]]\n'
                               'selector = ".grid"\nlevel = "mask"\n')
        assert dicts.current(app.id, stricter) is None and dicts.stale(app.id, stricter, lambda: 0)
        masked = dicts.rebuild(store, app.id, stricter)
        assert "Desk lamp" in held_strings(built.data)
        assert "Desk lamp" not in held_strings(masked.data)
        # a session deleted: every dictionary of the application goes with it
        store.delete_session("visit-0")
        assert dicts.current(app.id, stricter) is None
        assert dicts.lookup(app.id, built.id) is None and dicts.lookup(app.id, masked.id) is None
        assert not list((data / shared.FOLDER / app.id).glob("*.bin"))
        # four visitors are left: none is built
        assert dicts.rebuild(store, app.id, ALLOW) is None and dicts.current(app.id, ALLOW) is None
    _stored_sessions(data, MIN_VISITORS, prefix="later")   # new visits
    with Store.open(data) as store:
        built = dicts.rebuild(store, app.id, ALLOW)
        assert built is not None
        # a re-mask (a rewrite) of one session removes them too
        with store.session("visit-1") as reader:
            events = list(reader.events())
        store.replace_session("visit-1", events)
        assert dicts.lookup(app.id, built.id) is None


def test_stopped_for_an_application_and_a_damaged_file_never_decodes(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    app = _stored_sessions(data, MIN_VISITORS)
    dicts = Dictionaries(data)
    with Store.open(data) as store:
        built = dicts.rebuild(store, app.id, ALLOW)
        path = data / shared.FOLDER / app.id / f"{built.id:08x}.bin"
        path.write_bytes(built.data[:-1] + b"!")
        assert Dictionaries(data).lookup(app.id, built.id) is None   # not its Adler-32
        dicts.set_enabled(app.id, False)
        assert not path.exists() and dicts.current(app.id, ALLOW) is None
        assert dicts.rebuild(store, app.id, ALLOW) is None and not dicts.stale(app.id, ALLOW, lambda: 0)
        dicts.set_enabled(app.id, True)
        assert dicts.rebuild(store, app.id, ALLOW) is not None


def test_a_build_that_read_a_session_deleted_meanwhile_keeps_nothing(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    app = _stored_sessions(data, MIN_VISITORS + 1)
    dicts = Dictionaries(data)
    real_build = shared.build
    with Store.open(data) as store:
        def deleted_while_building(visits, *a, **k):
            store.delete_session("visit-0")   # after the build read it, before it is kept
            return real_build(visits, *a, **k)
        monkeypatch.setattr(shared, "build", deleted_while_building)
        assert dicts.rebuild(store, app.id, ALLOW) is None
        assert not list((data / shared.FOLDER / app.id).glob("*.bin"))
        assert dicts.current(app.id, ALLOW) is None and dicts.stale(app.id, ALLOW, lambda: 0)
        monkeypatch.setattr(shared, "build", real_build)
        assert dicts.rebuild(store, app.id, ALLOW) is not None   # from what remains


def test_a_page_text_with_a_lone_surrogate_does_not_stop_a_build():
    # (JavaScript strings may hold one; UTF-8 cannot)
    def with_surrogate():
        events = json.loads(json.dumps(page("PLACE")).replace("PLACE", "broken \\ud83d text"))
        assert "broken \ud83d text" in json.dumps(events, ensure_ascii=False)
        return events
    built = build([Visit(f"session:{k}", with_surrogate()) for k in range(MIN_VISITORS)])
    assert "broken ? text" in held_strings(built.data)


def test_a_page_over_the_budget_gives_its_start():
    # (the demo shop with its products is more than MAX_BYTES of skeleton: none was built)
    visits = [Visit(f"session:{k}", page(f"Hello, visitor {k}")) for k in range(MIN_VISITORS)]
    whole = build(visits)
    cut = build(visits, max_bytes=len(whole.data) // 2)
    assert cut is not None and cut.data == whole.data[:len(whole.data) // 2]
    assert "Acme Shop" in held_strings(cut.data) and "Mug" not in held_strings(cut.data)
