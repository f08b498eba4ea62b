"""The session browser's filtering and the thumbnail cache's rules, without Qt, on a real
store (real SQLite, real segment files)."""
from __future__ import annotations

import pytest

from app.browser_model import DAY_MS, MINUTE_MS, Catalog, Column, Query, link_status
from app.thumbnails import SETTLE_MS, first_meaningful_ms
from recorder.thumbnail_cache import older_versions, thumbnail_path
from player.links import link_in
from recorder.store import AmbiguousId, Serving, Store

from browser_sessions import T0, fill, session_events


@pytest.fixture
def catalog(tmp_path) -> Catalog:
    with Store.open(tmp_path / "data") as store:
        fill(store)
        return Catalog.load(store)


def ids(rows) -> set[str]:
    return {r.id for r in rows}


def test_no_query_lists_every_session_newest_first(catalog):
    assert [r.id for r in catalog.filter(Query())] == [
        "dee-admin", "cy-admin", "bob-browse", "ada-checkout"]
    assert catalog.applications == ["admin", "shop"]


@pytest.mark.parametrize("text", ["replay://bob-browse?t=4000", "  replay://bob-browse  ",
                                  "REPLAY://bob-browse?t=12500", "replay:bob-brow?t=0"])
def test_a_link_pasted_in_the_search_box_lists_its_session(catalog, text):
    """A developer pasted the link a support engineer sent (the player's Copy link) into
    the search box: no session had the whole link in its text, so the list went empty."""
    assert ids(catalog.filter(Query(text=text))) == {"bob-browse"}
    from player.links import link_in
    assert link_in(text) is not None and link_in(text)[0].startswith("bob-brow")


def test_a_link_lists_the_session_it_opens_not_its_copies(tmp_path):
    """`replay://8dda0c07?t=42000` pasted listed the session and its `_partial` copy ("2 of
    10"), where the link opens the original only; a link to the copy lists the copy."""
    with Store.open(tmp_path / "data") as store:
        for sid in ("bob-browse", "bob-browse_partial", "bobby"):
            store.ingest(session_events(start_ms=T0, duration_ms=5_000,
                                        urls=["https://shop.example/"]), session_id=sid)
        catalog = Catalog.load(store)
    assert ids(catalog.filter(Query(text="replay://bob-brow?t=0"))) == {"bob-browse"}
    assert ids(catalog.filter(Query(text="replay://bob-browse_partial"))) == \
        {"bob-browse_partial"}
    assert ids(catalog.filter(Query(text="replay://bob?t=0"))) == {"bob-browse",
                                                                  "bob-browse_partial", "bobby"}


UUID = "8dda0c07-b950-47ec-a5ea-3d25746042bf"
LONG_NAME = "checkout-bug-with-a-coupon-from-the-spring-sale"
OTHER_NAME = "checkout-bug-in-the-sale"   # (`checkout-bug…sale` names both)
RECORDED_ID = "cust-078-05-1120"   # personal data: stored as session-<hash>


@pytest.fixture
def copies(tmp_path):
    """A generated id, its `_partial` and `_new` copies, long names a person gave: the ids
    `replay sessions` shortens (`8dda0c07_partial`, `checkout-bug-…spring-sale`); an id
    and another it begins (`bob`, `bob-browse`); a recording's id stored rewritten."""
    with Store.open(tmp_path / "data") as store:
        for sid in (UUID, UUID + "_partial", UUID + "_new", LONG_NAME, OTHER_NAME, "bob",
                    "bob-browse", RECORDED_ID):
            store.ingest(session_events(start_ms=T0, duration_ms=5_000,
                                        urls=["https://shop.example/"]), session_id=sid)
        assert store.index.session(RECORDED_ID) is None   # (stored as session-<hash>)
        yield store, Catalog.load(store)


def test_a_search_for_an_id_as_listed_finds_its_session(copies):
    """`replay sessions` lists `8dda0c07_partial` ("any command accepts them"), yet searching
    for it found nothing: the row's text held only the full id, `8dda0c07-b950-..._partial`.
    Each id as listed, or its start with the tag kept, any case, finds its session."""
    store, catalog = copies
    for row in catalog.rows:
        assert row.id in ids(catalog.filter(Query(text=row.shown_id))), row.shown_id
    assert ids(catalog.filter(Query(text="8dda0c07_partial"))) == {UUID + "_partial"}
    assert ids(catalog.filter(Query(text="8DDA_New"))) == {UUID + "_new"}
    assert ids(catalog.filter(Query(text="8dda0c07_partial shop.example"))) == \
        {UUID + "_partial"}
    assert ids(catalog.filter(Query(text="checkout-bug...spring-sale"))) == {LONG_NAME}
    assert ids(catalog.filter(Query(text="8dda0c07_partial2"))) == set()   # no such copy
    assert ids(catalog.filter(Query(text="bob_partial"))) == set()
    assert ids(catalog.filter(Query(text="8dda0c07"))) == {UUID, UUID + "_partial",
                                                         UUID + "_new"}   # (as words do)


@pytest.mark.parametrize("spec", ["8dda0c07_partial", "8dda0c07_new", "8DDA0C07_PARTIAL", "8DDA0C07_partial",
                                  "8dda0c07", "8dda", UUID + "_partial", "checkout-bug…sale",
                                  "checkout-bug...sale", "bob", "BOB-BROWSE", "8dda0c07_new2",
                                  "nobody_partial", "b", "checkout-bug...Sale",
                                  "CHECKOUT-BUG…SPRING-SALE", "checkout-bug...spring-sale",
                                  "checkout-bug...Spring-Sale", RECORDED_ID, "8dda0c07_New",
                                  "Bob", "…sale"])
def test_a_links_session_is_the_one_enter_opens(copies, spec):
    """`replay://8dda0c07_partial?t=46000` pasted in the search box listed no row and said
    "not stored here", while Enter (`Store.resolve`) opened it: the list takes a link's
    session as `Store.resolve` does - the one it opens, none where it says there is none,
    several where it says the link is ambiguous."""
    store, catalog = copies
    listed = catalog.linked(spec)
    try:
        opened = [store.resolve(spec)]
    except AmbiguousId as exc:   # the same sessions, as many
        assert sorted(exc.ids) == sorted(listed) and len(listed) > 1, (spec, listed)
        assert f"matches {len(listed):,} sessions" in str(exc)
        opened = None
    except KeyError as exc:
        assert str(exc).startswith(("\"no session", "'no session")), exc
        opened = []
    if opened is not None:
        assert listed == opened, spec
    if len(listed) == 1 and link_in(f"replay://{spec}?t=46000"):   # (a link carries no …)
        assert ids(catalog.filter(Query(text=f"replay://{spec}?t=46000"))) == set(listed)


def test_a_links_line_says_what_enter_does_in_every_form(copies):
    """The sessions page's line about a pasted link (link_status): it said "N sessions have
    ids beginning so" also of a cut name or a tagged id naming several, which begin
    nothing so; it is worded for any form, counted as Enter counts them."""
    store, catalog = copies
    assert link_status("8dda0c07_partial", 46_000, catalog.linked("8dda0c07_partial"),
                       listed=True).endswith(": Enter opens it there")
    assert link_status("8dda0c07_partial", 46_000, catalog.linked("8dda0c07_partial"),
                       listed=False).endswith(": Enter opens it there (the filters hide its row)")
    assert link_status(RECORDED_ID, 0, catalog.linked(RECORDED_ID), listed=False).endswith(
        "Enter opens it there (the filters hide its row)")
    assert link_status("nobody", 0, catalog.linked("nobody"), listed=False).endswith(
        ": not stored here - import the .replay bundle that came with it (File > Import…)")
    for spec in ("checkout-bug…sale", "b"):   # a cut name, a prefix: both name two
        said = link_status(spec, 0, catalog.linked(spec), listed=True)
        assert said.endswith(f"of session {spec}: it matches 2 sessions - give more of the id")
        with pytest.raises(AmbiguousId, match="matches 2 sessions"):
            store.resolve(spec)


def test_enter_and_the_line_count_every_session_a_prefix_names(tmp_path):
    """`Store.resolve` read 10 ids of a prefix: Enter said "'load' matches 10 sessions"
    where the line counted 12. Both count them all."""
    with Store.open(tmp_path / "data") as store:
        for n in range(12):
            store.ingest(session_events(start_ms=T0 + n * 10_000, duration_ms=5_000,
                                        urls=["https://shop.example/"]),
                         session_id=f"load-{n:02}")
        catalog = Catalog.load(store)
        with pytest.raises(AmbiguousId) as exc:
            store.resolve("load")
        assert len(exc.value.ids) == 12 and "'load' matches 12 sessions" in str(exc.value)
        assert "(load-00, load-01, load-02, load-03, load-04 and 7 more)" in str(exc.value)
        assert "it matches 12 sessions" in link_status("load", 0, catalog.linked("load"), True)


@pytest.mark.parametrize("text", ["bob", "replay://", "replay://bob?t=soon", "replay serve"])
def test_text_that_is_no_link_is_searched_as_words(catalog, text):
    from app.browser_model import search_words
    from player.links import link_in

    assert link_in(text) is None
    assert search_words(text) == text.lower().split()


@pytest.mark.parametrize("query, expected", [
    (Query(text="ada"), {"ada-checkout"}),
    (Query(text="COUPON"), {"ada-checkout"}),                 # an error message
    (Query(text="rangeerror"), {"cy-admin"}),                 # an error's type
    (Query(text="rangeerror quota"), {"cy-admin"}),
    (Query(text="checkout"), {"ada-checkout"}),               # a later page's URL, not the first
    (Query(text="shop.example stone"), {"bob-browse"}),       # every word must match
    (Query(text="example.org"), {"cy-admin"}),
    (Query(application="admin"), {"cy-admin", "dee-admin"}),
    (Query(user="u2"), {"bob-browse"}),
    (Query(user="bob"), {"bob-browse"}),
    (Query(url="/checkout"), {"ada-checkout"}),
    (Query(url="admin.example"), {"cy-admin", "dee-admin"}),
    (Query(has_errors=True), {"ada-checkout", "cy-admin"}),
    (Query(has_frustration=True), {"ada-checkout", "dee-admin"}),
    (Query(has_errors=True, has_frustration=True), {"ada-checkout"}),
    (Query(since_ms=T0 + DAY_MS), {"cy-admin", "dee-admin"}),
    (Query(until_ms=T0 + DAY_MS), {"ada-checkout", "bob-browse"}),
    (Query(since_ms=T0 + DAY_MS, until_ms=T0 + 3 * DAY_MS), {"cy-admin"}),
    (Query(min_duration_ms=MINUTE_MS), {"ada-checkout", "cy-admin"}),
    (Query(max_duration_ms=MINUTE_MS), {"bob-browse", "dee-admin"}),
    (Query(min_duration_ms=MINUTE_MS, max_duration_ms=10 * MINUTE_MS), {"ada-checkout"}),
    (Query(text="nobody-like-this"), set()),
])
def test_each_facet_narrows_to_the_sessions_it_names(catalog, query, expected):
    assert ids(catalog.filter(query)) == expected


def test_the_duration_filter_reads_a_length_as_its_column_shows_it(tmp_path):
    """A session of 59.6 s reads 1:00 (moments round up): "1 minute or more" hid it, and
    "1 minute at most" listed it - the filter compares what the column shows."""
    from app.browser_model import cell_text

    with Store.open(tmp_path / "data") as store:
        store.ingest(session_events(start_ms=T0, duration_ms=59_600,
                                    urls=["https://shop.example/"]), session_id="almost")
        catalog = Catalog.load(store)
    (row,) = catalog.rows
    assert row.info.duration_ms < MINUTE_MS and cell_text(row, Column.DURATION) == "1:00"
    assert ids(catalog.filter(Query(min_duration_ms=MINUTE_MS))) == {"almost"}
    assert ids(catalog.filter(Query(max_duration_ms=MINUTE_MS))) == {"almost"}
    assert ids(catalog.filter(Query(min_duration_ms=2 * MINUTE_MS))) == set()


def test_rows_show_the_user_by_email_then_name_then_id(catalog):
    users = {r.id: r.user for r in catalog.rows}
    assert users == {"ada-checkout": "ada@example.com", "bob-browse": "Bob Stone",
                     "cy-admin": "cy@example.org", "dee-admin": ""}


def test_sort_by_each_column(catalog):
    rows = catalog.filter(Query())
    assert [r.id for r in Catalog.sort(rows, Column.DURATION)] == [
        "dee-admin", "bob-browse", "ada-checkout", "cy-admin"]
    assert [r.id for r in Catalog.sort(rows, Column.VIEWS, descending=True)][0] == "ada-checkout"
    assert [r.id for r in Catalog.sort(rows, Column.START)][0] == "ada-checkout"


# --- thumbnails -------------------------------------------------------------------------
def test_first_meaningful_frame_waits_for_the_page_but_not_past_the_first_interaction():
    snap = {"type": 2, "data": {"node": {}}, "timestamp": T0 + 100}
    meta = {"type": 4, "data": {"href": "x"}, "timestamp": T0}
    quiet = [meta, snap, {"type": 3, "data": {"source": 0}, "timestamp": T0 + 5000}]
    assert first_meaningful_ms(quiet) == 100 + SETTLE_MS
    click = [meta, snap, {"type": 3, "data": {"source": 2, "type": 2}, "timestamp": T0 + 600}]
    assert first_meaningful_ms(click) == 599
    short = [meta, snap, {"type": 3, "data": {"source": 0}, "timestamp": T0 + 300}]
    assert first_meaningful_ms(short) == 300
    assert first_meaningful_ms([meta]) is None
    assert first_meaningful_ms(session_events(start_ms=T0, duration_ms=10_000,
                                              urls=["https://a.example/"])) == 1 + SETTLE_MS


def test_a_rewritten_session_gets_a_new_thumbnail_path(tmp_path):
    a = thumbnail_path(tmp_path, "s1", ["segments/aa/1.seg"])
    assert a == thumbnail_path(tmp_path, "s1", ["segments/aa/1.seg"])
    b = thumbnail_path(tmp_path, "s1", ["segments/aa/2.seg"])
    other = thumbnail_path(tmp_path, "s2", ["segments/aa/1.seg"])
    assert len({a, b, other}) == 3 and a.parent == b.parent == tmp_path / "thumbnails"
    a.parent.mkdir()
    for p in (a, b, other):
        p.write_bytes(b"png")
    assert older_versions(b) == [a]


def test_in_memory_filter_agrees_with_the_index_query(tmp_path):
    """On many sessions (copies of real ones' index rows), the browser's facets give what
    `replay sessions --user/--url/--errors/--app` gives."""
    from replay_tools.store_filler import APPS, fill_store

    assert fill_store(tmp_path / "d", 600, templates=6) == 600
    with Store.open(tmp_path / "d") as store:
        cat = Catalog.load(store)
        assert len(cat.rows) == 600
        for kw, q in [({"user": "ada"}, Query(user="ada")),
                      ({"url": "checkout"}, Query(url="checkout")),
                      ({"url": "acme-ops"}, Query(url="acme-ops")),   # a later view's URL
                      ({"has_errors": True}, Query(has_errors=True)),
                      ({"application": APPS[1], "user": "lovelace"},
                       Query(application=APPS[1], user="lovelace"))]:
            expected = [s.id for s in store.sessions(**kw)]
            assert expected, kw
            assert [r.id for r in cat.filter(q)] == expected, kw


def test_pictures_of_rewritten_and_deleted_sessions_are_stale(tmp_path):
    from recorder.thumbnail_cache import stale_thumbnails

    with Store.open(tmp_path / "d") as store:
        fill(store)
        files = store.index.segment_files()
        by_sid: dict[str, list[str]] = {}
        for f, sid in files.items():
            by_sid.setdefault(sid, []).append(f)
        current = {sid: thumbnail_path(store.root, sid, fs) for sid, fs in by_sid.items()}
        old = thumbnail_path(store.root, "ada-checkout", ["segments/an/old-version.seg"])
        gone = thumbnail_path(store.root, "deleted-session", ["segments/x.seg"])
        old.parent.mkdir()
        for p in [*current.values(), old, gone]:
            p.write_bytes(b"png")
        assert sorted(stale_thumbnails(store.root, files)) == sorted([old, gone])
        store.delete_session("bob-browse")
        assert current["bob-browse"] in stale_thumbnails(store.root,
                                                         store.index.segment_files())


def test_a_bug_title_is_shown_searched_and_sorted(tmp_path):
    """Two sessions of the same minute: the recorded bug is told apart by its title."""
    from recorder.bug import BugReport, with_report

    with Store.open(tmp_path / "data") as store:
        for sid, title in (("plain-visit", None), ("the-bug", "Add to cart counts twice")):
            store.ingest(session_events(start_ms=T0, duration_ms=20_000,
                                        urls=["https://shop.example/cart"], title=sid),
                         session_id=sid, context=with_report(None, BugReport(title=title))
                         if title else None)
        catalog = Catalog.load(store)
    assert {r.id: r.title for r in catalog.rows} == {"plain-visit": "",
                                                     "the-bug": "Add to cart counts twice"}
    assert ids(catalog.filter(Query(text="cart twice"))) == {"the-bug"}
    assert [r.id for r in Catalog.sort(catalog.rows, Column.TITLE, descending=True)] == [
        "the-bug", "plain-visit"]


def test_the_list_shows_ids_as_replay_sessions_does_so_copies_are_told_apart(tmp_path):
    """A session and its copies (`import --as-new`: `<id>_new`) were alike in every column
    (a new user's tryout): the Id column shows each as `replay sessions` does, the shortest
    prefix any command accepts back with its tag; a name a person gave, whole."""
    uuid = "8dda0c07-b950-47ec-a5ea-3d25746042bf"
    with Store.open(tmp_path / "data") as store:
        for sid, t in ((uuid, T0), (uuid + "_new", T0 + DAY_MS), ("ada-checkout", T0 + 2 * DAY_MS)):
            store.ingest(session_events(start_ms=t, duration_ms=60_000,
                                        urls=["https://shop.example/"]), session_id=sid)
        catalog = Catalog.load(store)
        shown = {r.id: r.shown_id for r in catalog.rows}
        assert shown == {uuid: "8dda0c07", uuid + "_new": "8dda0c07_new",
                         "ada-checkout": "ada-checkout"}
        assert {store.resolve(v) for v in shown.values()} == set(shown)
    assert [r.id for r in Catalog.sort(catalog.rows, Column.ID)] == sorted(shown)


# --- the columns' widths ----------------------------------------------------------------
def test_widest_texts_are_a_few_per_column_whatever_the_list(catalog):
    """The table measures these in its font: the largest count (most digits), not every
    row's - 10,000 sessions cost what four do."""
    from app.browser_model import widest_texts

    rows = catalog.rows
    assert widest_texts(rows, Column.VIEWS) == ["2"]
    assert widest_texts(rows, Column.DURATION) == ["15:00"]      # cy-admin's quarter hour
    assert len(widest_texts(rows, Column.START)) == 2            # the earliest and the latest
    assert widest_texts(rows, Column.USER)[0] == "ada@example.com"
    assert widest_texts([], Column.ERRORS) == []


def test_counts_and_times_keep_their_width_and_the_url_gets_the_rest():
    """At the window's smaller sizes the User column kept 220 px while the first URL and
    the error count were cut (a support engineer's tryout): a WHOLE column never shrinks;
    with room to spare the capped ones have their width and the URL the rest; when the URL
    would get less than its least, the capped ones give it room, in proportion to what
    each can give, never under their shrunk width."""
    from app.browser_model import CAPPED, STRETCHED, WHOLE, share_widths

    wanted = {c: 100 for c in WHOLE} | {Column.ID: 100, Column.USER: 200, Column.TITLE: 80}
    shrunk = {Column.USER: 60, Column.TITLE: 60}
    roomy = share_widths(1300, wanted, shrunk, url_min=200)
    assert roomy == wanted | {STRETCHED: 1300 - 700 - 280}
    tight = share_widths(1100, wanted, shrunk, url_min=200)
    assert all(tight[c] == 100 for c in WHOLE)            # the id among them
    assert tight[STRETCHED] == 200 and sum(tight.values()) == 1100
    assert 200 - tight[Column.USER] == 7 * (80 - tight[Column.TITLE])   # 140 : 20 of it
    narrow = share_widths(800, wanted, shrunk, url_min=200)
    assert {c: narrow[c] for c in CAPPED} == shrunk and narrow[STRETCHED] == 0
    assert all(narrow[c] == 100 for c in WHOLE)           # (the table scrolls sideways)


def test_a_long_id_gives_up_room_after_the_capped_columns_not_the_counts():
    """At 1024 px a long id ("0190a1b2-5e55…b-6c7d8e9f0a1b") never shrank: the list scrolled
    sideways, Errors and Frustration off to the right. Once the capped columns are at their
    least, the id gives up room for the first URL down to its own least; the counts stay."""
    from app.browser_model import CAPPED, STRETCHED, WHOLE, share_widths

    wanted = {c: 100 for c in WHOLE} | {Column.ID: 220, Column.USER: 200, Column.TITLE: 80}
    shrunk = {Column.USER: 60, Column.TITLE: 60, Column.ID: 90}
    # the capped ones give first: room enough for the URL, the id whole
    tight = share_widths(1260, wanted, shrunk, url_min=200)
    assert tight[Column.ID] == 220 and tight[STRETCHED] == 200
    # then the id, as far as the URL needs
    tighter = share_widths(1060, wanted, shrunk, url_min=200)
    assert {c: tighter[c] for c in CAPPED} == {Column.USER: 60, Column.TITLE: 60}
    assert tighter[Column.ID] == 140 and tighter[STRETCHED] == 200
    assert sum(tighter.values()) == 1060
    narrow = share_widths(700, wanted, shrunk, url_min=200)
    assert narrow[Column.ID] == 90 and all(narrow[c] == 100 for c in WHOLE)


def test_a_capped_column_takes_what_the_url_does_not_need():
    """The README's shot at 1440 px: "maria.gom…ample.com" beside a first URL with 170 px to
    spare - a capped column cut at its cap takes the room the URL's widest text leaves, up
    to its own widest; with no room to spare, it stays at its cap."""
    from app.browser_model import STRETCHED, WHOLE, share_widths

    wanted = {c: 100 for c in WHOLE} | {Column.ID: 80, Column.USER: 150, Column.TITLE: 40}
    shrunk = {Column.USER: 60, Column.TITLE: 40}
    whole = {Column.USER: 190, Column.TITLE: 40}
    roomy = share_widths(1200, wanted, shrunk, 200, whole, url_whole=250)
    assert roomy[Column.USER] == 190 and roomy[STRETCHED] == 1200 - 600 - 310
    snug = share_widths(1200, wanted, shrunk, 200, whole, url_whole=320)   # 10 px to spare
    assert snug[Column.USER] == 160 and snug[STRETCHED] == 320
    assert share_widths(1000, wanted, shrunk, 200, whole, url_whole=400)[Column.USER] <= 150


def test_short_first_urls_do_not_take_room_they_do_not_need():
    """At 1,024 px the users' emails were cut (`cy@…org`) beside a first URL column half
    empty (a tryout): URLs all shorter than the least a URL is given need only their widest,
    and the capped columns keep the rest."""
    from app.browser_model import STRETCHED, WHOLE, share_widths

    wanted = {c: 100 for c in WHOLE} | {Column.ID: 80, Column.USER: 150, Column.TITLE: 40}
    shrunk = {Column.USER: 60, Column.TITLE: 40}
    whole = {Column.USER: 150, Column.TITLE: 40}
    # 230 px for the user and the URL: the URLs' widest 140, the user the rest
    short = share_widths(950, wanted, shrunk, 224, whole, url_whole=140)
    assert (short[STRETCHED], short[Column.USER]) == (140, 90)
    # the same table with long URLs: the user gives up room for the URL's least, down to its
    # shrunk width (the URL's 224 are more than there is)
    long = share_widths(950, wanted, shrunk, 224, whole, url_whole=400)
    assert (long[STRETCHED], long[Column.USER]) == (170, 60)
    # with room for both, the URL's least is no limit: the user whole, the URL the rest
    assert share_widths(1100, wanted, shrunk, 224, whole, url_whole=140)[Column.USER] == 150


@pytest.mark.parametrize("room, shown", [
    (100, "shop.example.com/accounts/3/billing/invoices?page=2&sort=desc"),  # no https://
    (46, "shop.example.com/accounts/3/billing/invoices?…"),    # the query goes first
    (40, "shop.example.com/…/3/billing/invoices?…"),           # then the path's first segments
    (34, "shop.example.com/…/invoices?…"),
    (28, "shop.example.com/…/invoices"),
    (24, "shop.example.com/…voices"),                           # the end of the page's name
    (18, "shop.example.com/…"),                                 # its start: the host
    (10, "shop.exam…"),                                         # else its start
])
def test_a_first_url_is_cut_as_a_url_reads(room, shown):
    """The middle of a long URL is its least telling part, its query the next: which
    site and which page stay as long as they fit."""
    from app.browser_model import elide_url

    url = "https://shop.example.com/accounts/3/billing/invoices?page=2&sort=desc"
    assert elide_url(url, room, len) == shown and len(shown) <= room


@pytest.mark.parametrize("room, shown", [
    (40, "demoit.app/e/react#ReactHooks.js"),
    (30, "demoit.app/…eact#ReactHooks.js"),
    (24, "demoit.app/…eactHooks.js"),
    (12, "demoit.app/…"),
])
def test_a_fragment_is_the_end_of_a_url_and_stays(room, shown):
    """The rrweb-player demo's first URL read `demoit.app/e/react?…` in the app (its end, the
    page a single-page app shows, lost; a `?` it does not have) and `demoit.app…eactHooks.js`
    in `replay sessions`: one rule, the host then the end, in both."""
    from app.browser_model import elide_url

    url = "https://demoit.app/e/react#ReactHooks.js"
    assert elide_url(url, room, len) == shown and len(shown) <= room


@pytest.mark.parametrize("room, shown", [
    (60, "shop.example/search?…#results"),    # the query goes, a fragment after it stays
    (24, "shop.example/…ch#results"),
])
def test_a_query_goes_before_the_fragment_after_it(room, shown):
    from app.browser_model import elide_url

    url = "https://shop.example/search?q=lamps&page=2&utm_source=newsletter-2024#results"
    assert elide_url(url, room, len) == shown and len(shown) <= room


def test_a_long_url_is_cut_in_few_measures():
    """A 3,000-character fragment took 0.4 s a cell - on every paint of the list - measured
    one cut at a time: the cut is found by halves."""
    from app.browser_model import elide_url

    measured = []

    def width(text: str) -> int:
        measured.append(text)
        return len(text)
    url = "https://shop.example/a/b/c#" + "x" * 3000
    for room in (40, 14, 5):
        measured.clear()
        shown = elide_url(url, room, width)
        assert len(shown) <= room and len(measured) < 60, (room, len(measured))


def test_another_scheme_is_shown_while_there_is_room():
    from app.browser_model import elide_url

    assert elide_url("http://shop.example/cart", 30, len) == "http://shop.example/cart"
    assert elide_url("http://shop.example/cart", 20, len) == "shop.example/cart"
    assert elide_url("about:blank", 5, len) == "abou…"


def test_a_session_is_named_as_the_list_shows_it(tmp_path):
    """The delete question named sessions by their full generated ids - nobody recognised
    what they were about to erase (a support engineer's tryout)."""
    from app.browser_model import named
    from player.local_time import when_text

    uuid = "8dda0c07-b950-47ec-a5ea-3d25746042bf"
    with Store.open(tmp_path / "data") as store:
        store.ingest(session_events(start_ms=T0, duration_ms=60_000, urls=[
            "https://shop.example/accounts/3/billing/invoices?page=2&sort=desc"]),
            user={"id": "u1", "email": "ada@example.com"}, session_id=uuid)
        store.ingest(session_events(start_ms=T0 + DAY_MS, duration_ms=60_000, urls=[]),
                     session_id="nobody-known")
        rows = {r.id: r for r in Catalog.load(store).rows}
    assert named(rows[uuid]) == (f"8dda0c07 of ada@example.com ({when_text(T0)},"
                                 " shop.example/…/3/billing/invoices?…)")
    nobody = rows["nobody-known"]   # no user, no page: its id and start
    assert named(nobody) == f"nobody-known ({when_text(nobody.info.start_ms)})"


def test_a_live_session_is_marked_in_the_list(tmp_path):
    """Two of a customer's sessions listed alike, one of them still arriving from `replay
    serve` (they were on the page, reproducing it): nothing in the list told which to
    follow. A live one's duration (so far) is marked, as its player tab is."""
    from app.browser_model import cell_text

    with Store.open(tmp_path / "data") as store:
        serving = Serving(store.root)   # `replay serve` runs (Store.is_live)
        fill(store)
        start = T0 + 9 * DAY_MS
        store.ingest(session_events(start_ms=start, duration_ms=40_000,
                                    urls=["https://shop.example/checkout"], errors=[]),
                     live=True, now_ms=start + 41_000, session_id="on-the-page-now",
                     user={"id": "u1"})
        cat = Catalog.load(store)
    serving.close()
    rows = {r.id: r for r in cat.filter(Query())}
    assert cell_text(rows["on-the-page-now"], Column.DURATION) == "● 0:40"
    assert cell_text(rows["bob-browse"], Column.DURATION) == "0:30"
