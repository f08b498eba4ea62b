"""A visitor in dark mode is replayed dark: the Meta event's `mediaFeatures` (capture.js,
recorder.media) decide the page's media queries on them and its `color-scheme`, in every
place the player shows CSS - a frame's sheets and `media` attributes, CSSOM rules played
later, a seek's patch, the static document - and a recording without them replays as before.
(The real browser's side: tests/app/test_capture_fidelity.py.)"""
from __future__ import annotations

from player.document import render_document
from player.replayer import Replayer
from player.sanitize import sanitize_attrs, sanitize_css
from recorder.media import ALWAYS, NEVER, read_meta

DARK = {"prefers-color-scheme": "dark", "prefers-reduced-motion": "reduce"}
SHEET = ("body{background:white;color-scheme:light dark}"
         "@media (prefers-color-scheme: dark){body{background:black}}"
         "@media not all and (prefers-color-scheme:light),(prefers-reduced-motion){i{}}"
         '.q::after{content:"(prefers-color-scheme: dark)"}')


def _events(features: dict | None) -> list[dict]:
    meta = {"href": "http://shop.test/", "width": 800, "height": 600}
    if features is not None:
        meta["mediaFeatures"] = features
    el = lambda i, tag, attrs, kids=(): {"type": 2, "id": i, "tagName": tag,  # noqa: E731
                                          "attributes": attrs, "childNodes": list(kids)}
    doc = {"type": 0, "id": 1, "childNodes": [el(2, "html", {}, [
        el(3, "head", {}, [
            el(4, "meta", {"name": "color-scheme", "content": "light dark"}),
            el(5, "style", {}, [{"type": 3, "id": 6, "textContent": SHEET}]),
            el(7, "link", {"rel": "stylesheet", "media": "(prefers-color-scheme: dark)",
                           "_cssText": "p{color:red}"}),
            el(8, "style", {})]),
        el(9, "body", {})])]}
    return [{"type": 4, "timestamp": 1000, "data": meta},
            {"type": 2, "timestamp": 1001, "data": {"node": doc, "initialOffset": {"left": 0, "top": 0}}},
            # a rule the page inserted later (CSSOM), into the empty <style>
            {"type": 3, "timestamp": 2000, "data": {"source": 8, "id": 8, "adds": [
                {"rule": "@media (prefers-color-scheme: light){h1{color:blue}}", "index": 0}]}}]


def test_the_rewrite_decides_conditions_on_recorded_features_only():
    f = read_meta({"mediaFeatures": {**DARK, "forced-colors": "active", "prefers-contrast": 7}})
    assert f == (("prefers-color-scheme", "dark"), ("prefers-reduced-motion", "reduce"))
    css = sanitize_css(SHEET, None, f)
    assert f"@media {ALWAYS}{{body{{background:black}}}}" in css
    assert f"not all and {NEVER},{ALWAYS}" in css
    assert "color-scheme:dark}" in css
    assert '"(prefers-color-scheme: dark)"' in css      # a string is no condition
    assert sanitize_css(SHEET, None, ()) == sanitize_css(SHEET)   # none recorded: as before
    assert "prefers-color-scheme: dark" in sanitize_css(SHEET)
    assert sanitize_attrs("source", {"media": "(prefers-color-scheme:light)"},
                          features=f)["media"] == NEVER
    assert sanitize_attrs("meta", {"name": "color-scheme", "content": "light dark"},
                          features=f)["content"] == "dark"
    assert sanitize_attrs("meta", {"name": "color-scheme", "content": "only light"},
                          features=f)["content"] == "only light"   # dark not offered


def _walk(n):
    yield n
    for c in n.get("childNodes", ()):
        yield from _walk(c)


def test_frames_ops_and_documents_follow_the_recorded_preference():
    r = Replayer(_events(DARK), mode="eager")
    frame = r.frame_at(5)
    nodes = {n["id"]: n for n in _walk(frame["tree"])}
    assert f"@media {ALWAYS}{{body{{background:black}}}}" in nodes[6]["textContent"]
    assert nodes[7]["attributes"]["media"] == ALWAYS
    assert nodes[4]["attributes"]["content"] == "dark"
    ops = r.ops_between(5, 1500)
    sheet = next(o for o in ops if o["k"] == "sheet" and o["id"] == 8)
    assert sheet["css"].startswith(f"@media {NEVER}")
    html = render_document(r.frame_at(1500))
    assert f"@media {NEVER}" in html and "prefers-color-scheme" not in html.split('content:"')[0]
    kind, patch = r.view_at(1400, 1500)   # a seek within the page: a patch, decided too
    assert kind == "patch"
    assert all("prefers-color-scheme: light" not in str(o) for o in patch["ops"])


def test_a_recording_without_them_replays_as_before():
    r = Replayer(_events(None), mode="eager")
    html = render_document(r.frame_at(1500))
    assert "(prefers-color-scheme: dark)" in html and "(prefers-color-scheme: light)" in html
    assert "light dark" in html


def test_the_session_facts_say_them():
    from recorder.media import CONTEXT_KEY, described
    from recorder.semantics import read

    facts = read(_events(DARK)).context[CONTEXT_KEY]
    assert facts == {**DARK, "prefers-contrast": "no-preference"}   # (left out: no preference)
    assert described(facts) == "color scheme dark · reduced motion reduce"
    assert CONTEXT_KEY not in read(_events(None)).context


def test_an_index_built_by_a_worker_hands_them_over():
    from player.keyframes import KeyframeIndex
    from recorder.source import ListSource

    built = KeyframeIndex(ListSource(_events(DARK)))
    built.finish()
    taken = KeyframeIndex(ListSource(_events(DARK)))
    taken.load_export(built.export())
    assert taken.features_at(1500) == built.features_at(1500) == read_meta({"mediaFeatures": DARK})


def test_a_color_scheme_with_a_comment_in_its_value_is_left_as_written():
    """A `color-scheme` value holding a comment is not rewritten: cut at the `;` or `}` in
    the comment, it broke the rule (the comment's opener went, the rest of it swallowed the
    next declaration)."""
    from recorder.media import read_meta, rewrite_queries

    dark = read_meta({"mediaFeatures": {"prefers-color-scheme": "dark"}})
    css = "a{color-scheme: light dark /* was; light } */; background: white}"
    assert rewrite_queries(css, dark) == css
    assert rewrite_queries("a{color-scheme: light dark; background: white}", dark) == \
        "a{color-scheme: dark; background: white}"
