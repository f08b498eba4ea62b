"""The authoritative privacy pass: `SessionMasker(rules).mask(events) -> events`.

Every event of a session goes through the one mirror DOM (`recorder.mirror.Mirror`): the
event is applied *unmasked* in memory so that selector rules and inheritance see the real
attributes and structure, then the event is rewritten for storage - serialized nodes of
full snapshots and adds, text changes, attribute changes and input values masked at each
node's level, nothing beneath a hidden element kept, URLs scrubbed, console and network
payloads redacted. Then the detector pass masks e-mails, card and phone numbers in every
string the recorded event still holds - keys, CSS and unknown fields included - with the
same walk `replay audit` searches (`strings.map_strings`). The masker is stateful per
session (the mirror carries the DOM from one `mask()` call to the next), so a session must
be fed in order, through one masker.

Ownership of dicts: the caller's input events are never modified. Output events that
needed no change are the very input objects; changed events are new dicts that may share
unchanged sub-objects with the input. Treat both as read-only afterwards.

Nothing here logs or raises with a value in it: counters (`stats`) say what was masked or
dropped, never what it was.
"""
from __future__ import annotations

from collections import Counter, OrderedDict
from typing import Any, Callable, Iterable, Sequence

import msgspec

from ..format import (CONSOLE_PLUGIN, NETWORK_PLUGIN, RUM_PLUGIN, EventType, IncrementalSource,
                      MouseInteractions, NestingTooDeep, NodeType, encode_json)
from ..jsonscan import JsonFacts, scan_json
from ..mirror import Mirror, Node, field, is_page_not_recorded, walk_nodes
from . import detectors as _detectors
from . import runs
from .runs import TEXT, gap_of, may_join
from .echoes import Echoes, Typed
from .levels import (BUTTON_TYPES, FORM_TAGS, HIDDEN_LEVEL, MASK_LEVEL, MASK_USER_INPUT_LEVEL,
                     Level, PrivacyLevels, always_masked, editable_claim, is_ignored, input_type,
                     note_type_changes, value_masked)
from .masking import (_DROP, BOX_ATTRS, MASK, attrs_as_recorded, hidden_attrs, make_redactor,
                      make_url_scrubber, mask_attr, mask_attrs, mask_text, mask_text_node, mask_value,
                      text_as_recorded)
from .masking import as_played, box_sizes_only, is_box_change, masked_style
from .rules import Rules
from .selectors import compile_selector
from .strings import is_owner_place, map_strings

# a masker's count of the page's changes and interactions that came before any full snapshot
# (`stats`): the recording's start is missing - a Sentry replay without its first segment
BEFORE_SNAPSHOT = "changes before the first snapshot"
# ... and of the text nodes it masked where a value was split across nodes (runs.py)
SPLIT_MASKED = "text nodes of values split across nodes masked"
from ..semantics import ACTION_SELECTOR, owner_after, rum_action_names, rum_click, \
    rum_strings_at

Raw = dict[str, Any]
ELEMENT = int(NodeType.Element)
TEXTLIKE = (int(NodeType.Text), int(NodeType.CDATA), int(NodeType.Comment))
DOCUMENT = int(NodeType.Document)
COMMENT = int(NodeType.Comment)   # in editable content too, no typed text
_INC = int(EventType.IncrementalSnapshot)
_FULL = int(EventType.FullSnapshot)
_META = int(EventType.Meta)
_CUSTOM = int(EventType.Custom)   # (with _PLUGIN: the events that may name the user)
_PLUGIN = int(EventType.Plugin)
_MUT = int(IncrementalSource.Mutation)
_INPUT = int(IncrementalSource.Input)
_LOG = int(IncrementalSource.Log)
_CANVAS = int(IncrementalSource.CanvasMutation)
_TEXT_ONLY_SOURCES = frozenset(int(s) for s in (
    IncrementalSource.MouseMove, IncrementalSource.MouseInteraction, IncrementalSource.Scroll,
    IncrementalSource.ViewportResize, IncrementalSource.TouchMove,
    IncrementalSource.MediaInteraction, IncrementalSource.Drag, IncrementalSource.Selection))
# What an event of these sources becomes when it names a node beneath a hidden element (a
# node the masked recording does not hold: the player would call the recording damaged):
# the pointer's - where it was, what it clicked or focused - is moved to the hidden element's
# placeholder, which is where it happened as the replay shows it; a scroll, a media control or
# a selection inside the hidden element has nothing to show and is dropped.
_POINTER_SOURCES = frozenset(int(s) for s in (
    IncrementalSource.MouseMove, IncrementalSource.TouchMove, IncrementalSource.Drag))
_MOUSE_INTERACTION = int(IncrementalSource.MouseInteraction)
_CLICK = int(MouseInteractions.Click)
# A RUM click action names what was clicked, read in the page by the plugin (`targetName`):
# the first of the element and its ancestors with an aria-label, title or alt, or that is a
# link, button, label, summary or option (its text), else a field's <label> or the element's
# own text - at most NAME_CHARS characters. capture.js reads it through its privacy levels;
# under rrweb's recorder (record mode) the plugin cannot, so the pass takes the level of what
# the name could be read from at the recorded click the action came from: the same x, y, the
# nearest in time within CLICK_MATCH_MS of the action's date (both are Date.now() in one
# dispatch of the click, the plugin's listener first, its name read before rrweb's runs),
# among the last RECENT_CLICKS clicks (the plugin decides a chain ~1 s after it).
CLICK_MATCH_MS = 1000.0
RECENT_CLICKS = 64
NAME_CHARS = 100
NAMING_TAGS = frozenset({"a", "button", "label", "summary", "option"})
NAMING_ATTRS = ("aria-label", "title", "alt")
_DROPPED_BENEATH_HIDDEN = frozenset(int(s) for s in (
    IncrementalSource.Scroll, IncrementalSource.MediaInteraction))
_SELECTION = int(IncrementalSource.Selection)
_CSS_SOURCES = frozenset(int(s) for s in (
    IncrementalSource.StyleSheetRule, IncrementalSource.StyleDeclaration,
    IncrementalSource.AdoptedStyleSheet, IncrementalSource.Font, IncrementalSource.CustomElement))
_BODY_KEYS = frozenset({"requestBody", "responseBody", "body"})
_HEADER_KEYS = frozenset({"requestHeaders", "responseHeaders", "headers"})


class SessionMasker:
    """A Masker: `mask(events) -> events`, one instance per session."""

    def __init__(self, rules: Rules | None = None):
        self.rules = rules if rules is not None else Rules.default()
        self.mirror = Mirror()
        self.levels = PrivacyLevels(self.rules, self.mirror)
        self.scrub = make_url_scrubber(self.rules.scrub_query_params)
        # The structural pass (levels, selectors) runs without detectors; the detector pass
        # after it (`_detect_everywhere`) covers every string of the recorded event once.
        self._visit = _detector_visit(tuple(self.rules.detectors))
        self.owner = None   # the session's user (`semantics.owner_after`; given: ingest seeds it)
        # ... and where the recording names its user (`_detect_strings`)
        self._visit_owner = _detector_visit(tuple(
            k for k in self.rules.detectors if k not in _detectors.IDENTIFIER_KINDS))
        self._redact = make_redactor(self.rules.console_redact)
        self._headers = frozenset(h.lower() for h in self.rules.network_headers)
        self._structural = self.levels.structural
        # values typed into masked fields, masked wherever the page echoes them later
        # (echoes.py); in memory only, like the mirror
        self.echoes = Echoes()
        # inputs of the page whose value was masked at every level (a password, an email
        # field) and whose type the page changed since - a "show password" button makes it
        # a text field: still masked, as rrweb's recorder keeps them (node ids, kept across
        # snapshots - a Meta comes before each, of the same page too: an id a later page
        # reuses is masked more, the safe side). In memory only, like the mirror.
        self._was_always: set[int] = set()
        # text node id -> (its text, its recorded form) the split-value pass last gave it
        # (`_split_values`): a neighbour already recorded so gets no second change
        self._split_sent: dict[int, tuple[str, str]] = {}
        self._split_maybe = False   # the event's mutation may join texts (`_mutation`) ...
        self._split_gaps: list = []   # ... across what it removes (`runs.gap_of`, before it)
        self.stats: Counter[str] = Counter()
        # (time, x, y, level of its name, node id, the selector of the hidden element it is
        # beneath or None), the last RECENT_CLICKS
        self.clicks: list[tuple[float, Any, Any, Any, Any, Any]] = []
        # the node whose level masked the last click action's name (None: none, or the
        # page's strictest level did) - a dry run names the claim that decided it
        self.named_by: Any = None
        # the timestamp of the event being masked: when a value learnt from the page's
        # structure (a field's value attribute, text typed into editable content) was typed
        self._now: Any = None

    def resume(self, stored: Iterable[Raw]) -> "SessionMasker":
        """Continue a session whose earlier events were already masked and stored (live
        intake after a restart, appends): apply them to the mirror without output, so the
        next events find their nodes. Hidden placeholders carry their marker, so nothing
        is let in beneath them; attribute selectors see masked values (`***`) for the
        earlier nodes, so a resumed masker errs on the side the stored events already took.
        Values typed that the stored events hold masked, scheduled on its echoes (another
        intake worker saw them: intake.typed_journal), are noted as the pass reaches their
        time, each page's fields apart, as the masker that saw them noted them."""
        apply = self.mirror.apply
        echoes = self.echoes
        for e in stored:
            if echoes.scheduled:
                echoes.feed(e.get("timestamp"))
            data = e.get("data")
            if e.get("type") == _INC and isinstance(data, dict) and data.get("source") == _MUT:
                self._note_type_changes(data.get("attributes") or ())
                e = as_played(e)   # (as _mutation applies it)
            apply(e)
            t = e.get("type")
            if t == _FULL or is_page_not_recorded(e):
                echoes.new_page()   # (as the pass: its fields' node ids are new fields')
            if t == _CUSTOM or t == _PLUGIN:   # (as stored where named: kept; xxxx is nobody)
                self.owner = owner_after(self.owner, e)
            if e.get("type") == _INC and isinstance(data, dict) and \
                    data.get("source") == _MOUSE_INTERACTION and data.get("type") == _CLICK:
                self.levels.invalidate()        # the levels of the page as it is now
                self._remember_click(e, data)   # a RUM action may come in the next request
        self.levels.invalidate()
        if echoes.scheduled:   # (typed in the last stored event's millisecond or after)
            echoes.feed()
        return self

    # --- the pass --------------------------------------------------------------------
    def mask(self, events: Iterable[Raw], encoded: Sequence[bytes] | None = None,
             facts: Sequence[JsonFacts | None] | None = None) -> list[Raw]:
        """The events as recorded, in one pass: an echo of a value typed into a masked field
        is masked from the typing on (`mask_session` also masks the echoes before it).
        `encoded`: each event's JSON as received or measured, if at hand; `facts`: with it,
        each text's `jsonscan.scan_json`, if the caller has them (see mask_event)."""
        out = []
        append = out.append
        one = self.mask_event
        echoes = self.echoes
        if encoded is None:
            for e in events:
                r = one(e)
                if r is not None:
                    append(r)
        elif facts is None:
            for e, raw in zip(events, encoded, strict=True):
                r = one(e, raw)
                if r is not None:
                    append(r)
        else:
            for e, raw, f in zip(events, encoded, facts, strict=True):
                r = one(e, raw, f)
                if r is not None:
                    append(r)
        if echoes.scheduled:   # typed after the last event (record mode): known now
            echoes.feed()
        return out

    def mask_event(self, e: Raw, encoded: bytes | None = None,
                   facts: JsonFacts | None = None) -> Raw | None:
        """The recorded form of one event, or None when nothing of it may be kept: the
        structural pass, then the detector pass over what it kept. `encoded`: the event's
        JSON, if at hand - when the structural pass keeps the event as it is, the echo and
        detector passes are told by that text and its facts (`_later_passes`) instead of
        encoding the event again; `facts`: that text's `jsonscan.scan_json`, if the caller
        has it (the limits found them), else scanned here - in plain Python too, by the
        slower loop, so both builds decide alike."""
        self._now = e.get("timestamp")
        if self.echoes.scheduled:   # values typed by now (record mode: the events hold ***)
            self.echoes.feed(self._now)
        # the session's owner, read before anything of `e` is masked (the user given first -
        # the one it is filed under - else the first one named, and what the same person's
        # later mentions add); `_detect_strings` keeps it where the recording names its user.
        # (No call for the page's changes: this runs for every event.)
        t = e.get("type")
        if t == _CUSTOM or t == _PLUGIN:
            self.owner = owner_after(self.owner, e)
        if not self.mirror.has_snapshot and t == EventType.IncrementalSnapshot:
            self.stats[BEFORE_SNAPSHOT] += 1
        self._split_maybe = False   # (set by the mutation pass: `_mutation`)
        r = self._mask_structure(e)
        if r is None:
            return r
        if self._visit is not None and (t == _FULL or self._split_maybe):
            r = self._split_values(e, r)   # (`_split_maybe`: a mutation's, set by `_mutation`)
        if r is e and encoded is not None:
            if facts is None:
                facts = scan_json(encoded, always=True)
            if facts is not None:
                return self._later_passes(r, encoded, facts)
        # changed by the structural pass (or its text is not JSON): our own encoding of
        # what can hold strings, searched by both later passes
        raw = None
        if self.echoes:
            raw = _strings_json(r)
            s = self.echoes.scrub_event(r, raw)
            if s is not r:
                self.stats["events with typed values echoed masked"] += 1
                r, raw = s, None
        if self._visit is None:
            return r
        return self._detect_everywhere(r, raw)

    def _split_values(self, e: Raw, r: Raw) -> Raw:
        """A value split across text nodes (runs.py: `{user}@{domain}` as three nodes, a
        phone number in three spans) masked where `r`, the structural pass's form of `e`,
        records those nodes: a full snapshot reads every run of the page; a mutation the
        runs of the text nodes `r` adds (a hidden element revealed: what this pass sends of
        it) or `e` changes, and across what `e` removes (`_split_gaps`, taken before it was
        applied) - only when `_mutation` saw a text that may have a neighbour. A neighbour
        the event does not record itself is given a text change of its own (masked as its
        level masks it, then the run's match), once. The mirror holds the page as `e` left
        it."""
        nodes = self.mirror.nodes
        kinds = self.rules.detectors
        data = r.get("data")
        sent = self._split_sent
        if e.get("type") == _FULL:
            sent.clear()   # (a new page: what was sent went with the last one)
            found = runs.split_findings(runs.runs_in(nodes, self.mirror.root), kinds)
            node = data.get("node") if found else None
            if not isinstance(node, dict):
                return r
            self.stats[SPLIT_MASKED] += len(found)
            return self._with_data(r, {**data, "node": _retexted(node, found, nodes, sent)})
        # the texts as recorded (a hidden element revealed: its content, added by this pass),
        # changed as the page changed them, and across what the page removed
        around = runs.changed_runs(nodes, e["data"].get("texts"), data.get("adds"),
                                   self._split_gaps)
        found = runs.split_findings(around, kinds) if around else None
        if not found:
            return r
        self.stats[SPLIT_MASKED] += len(found)
        recorded: set[int] = set()   # the nodes of `found` the event records itself
        adds = []
        for a in data.get("adds") or ():
            sn = field(a, "node")
            if isinstance(sn, dict):
                m = _retexted(sn, found, nodes, sent)
                if m is not sn:
                    a = {**a, "node": m}
                recorded.update(x.get("id") for x in walk_nodes(sn) if x.get("id") in found)
            adds.append(a)
        texts = []
        for t in data.get("texts") or ():   # (every entry of a node: rrweb sends one per change)
            nid = field(t, "id")
            v = field(t, "value")
            if nid in found and isinstance(v, str):
                t = {**t, "value": runs.mask_pieces(v, nodes[nid].text, found[nid])}
                sent[nid] = (nodes[nid].text, t["value"])
                recorded.add(nid)
            texts.append(t)
        levels = self.levels
        for nid, ranges in found.items():   # a neighbour the event does not record itself
            if nid in recorded:
                continue
            n = nodes[nid]
            if levels.beneath_hidden(n):
                continue
            was = self._visit(self._changed_text(n, nodes.get(n.parent), levels.level_of(n),
                                                 n.text)[0])
            now = runs.mask_pieces(was, n.text, ranges)
            if now != was and sent.get(nid) != (n.text, now):
                texts.append({"id": nid, "value": now})
                sent[nid] = (n.text, now)
        return self._with_data(r, {**data, "adds": adds, "texts": texts})

    def _later_passes(self, e: Raw, encoded: bytes, facts: JsonFacts) -> Raw:
        """The echo and detector passes of an event the structural pass kept as it came,
        told by its own JSON (`encoded`) and that text's facts (`jsonscan.scan_json`): the
        echoes are searched in that text when it has no escapes (a sender's `\\/` or
        `\\u0040` could hide a typed value; then the event is encoded again), and only an
        event one of whose strings holds a detector hint is walked."""
        if self.echoes:
            s = self.echoes.scrub_event(e, None if facts.escapes else encoded)
            if s is not e:
                self.stats["events with typed values echoed masked"] += 1
                return s if self._visit is None else self._detect_everywhere(s)
        if self._visit is None or not facts.string_hint:
            return e
        return self._detect_strings(e)

    def mask_context(self, context: dict | None) -> dict | None:
        """A session's context (stored in the index, not in events) as it may be stored: the
        same URL scrubbing, redaction and detectors as free text, keys included; and the
        values typed into the session's masked fields that this masker knows (what each field
        ended with, as the second pass masks: `Echoes.scrub_strings`)."""
        if not context:
            return context
        free, visit = self._free_text, self._visit
        out = map_strings(context, (lambda s, *_: free(s)) if visit is None else
                          (lambda s, *_: visit(free(s))))
        return self.echoes.finals().scrub_strings(out) if self.echoes else out

    def _detect_everywhere(self, e: Raw, raw: bytes | None = None) -> Raw:
        """The detector pass: email, card, phone and iban masked in every string the event stores
        - keys and values, fields the format knows and fields it does not, CSS included
        (only the match is replaced, so a stylesheet still parses). `replay audit` walks
        the very same strings (`strings.map_strings`). `raw`: the JSON `_nothing_to_detect`
        reads, if at hand."""
        if _nothing_to_detect(e, raw):
            return e
        return self._detect_strings(e)

    def _detect_strings(self, e: Raw) -> Raw:
        """The detector pass's walk over every string of the event (`_detect_everywhere`).
        Where the recording names its user (`strings.Kind.OWNER`) the session's owner - the
        user it is filed under, as the index files it (`self.owner`, `owner_after`) - is kept
        by design: an email or a phone number that is one of those is left
        (`detectors.IDENTIFIER_KINDS`: such an owner was masked to xxxx, the session had
        none); the other detectors mask there too, and any other identity there as anywhere."""
        visit, owner = self._visit, self.owner
        if owner is None:
            r = map_strings(e, visit, _detectors.MIN_LEN, _detectors.might_match)
        else:
            kept, narrower = (owner.id, owner.name, owner.email), self._visit_owner

            def unless_owner(s: str, is_key: bool, key: Any, container: Any, link: Any) -> str:
                ns = visit(s)
                if ns == s or s not in kept or \
                        not is_owner_place(e, is_key, key, container, link):
                    return ns
                return s if narrower is None else narrower(s)
            r = map_strings(e, unless_owner, _detectors.MIN_LEN, _detectors.might_match)
        if r is not e:
            self.stats["events with detected personal data masked"] += 1
        return r

    def _mask_structure(self, e: Raw) -> Raw | None:
        """The structural pass: the event as recorded at each node's privacy level."""
        t = e.get("type")
        data = e.get("data")
        if not isinstance(data, dict):
            return e
        if t == _INC:
            src = data.get("source")
            if src in _TEXT_ONLY_SOURCES:
                self.mirror.apply(e)
                if src == _MOUSE_INTERACTION:
                    self._remember_click(e, data)
                return self._off_hidden(e, data, src)
            if src == _MUT:
                return self._mutation(e, data)
            if src == _INPUT:
                return self._input(e, data)
            if src == _LOG:
                new = self._console(data)
                return e if new is data else self._with_data(e, new)
            if src == _CANVAS:
                n = self.mirror.nodes.get(data.get("id"))
                if n is None or self.levels.level_of(n) >= MASK_LEVEL:
                    self.stats["canvas drawing dropped"] += 1
                    return None  # drawing commands can paint text (fillText)
                return e
            self.mirror.apply(e)
            if src not in _CSS_SOURCES:  # a source this version does not know
                new = self._free_strings(data)
            elif self.scrub is not None:  # stylesheets, fonts: URLs only, no page text
                new = self._strings(data, self.scrub)
            else:
                return e
            return e if new is data else self._with_data(e, new)
        if t == _FULL:
            self.echoes.new_page()   # its fields' node ids are new fields'
            return self._full_snapshot(e, data)
        if t == _META:
            self.mirror.apply(e)
            href = data.get("href")
            if isinstance(href, str) and self.scrub is not None:
                h = self.scrub(href)
                if h != href:
                    return self._with_data(e, {**data, "href": h})
            return e
        if t == _PLUGIN:
            plugin = data.get("plugin")
            payload = data.get("payload")
            if plugin == CONSOLE_PLUGIN and isinstance(payload, dict):
                new = self._console(payload)
            elif plugin == NETWORK_PLUGIN:
                new = self._network(payload)
            else:  # RUM and unknown plugins: scrub URLs in every string
                new = self._free_strings(self._click_names(payload) if plugin == RUM_PLUGIN
                                         else payload)
            return e if new is payload else self._with_data(e, {**data, "payload": new})
        if t in (0, 1):  # DomContentLoaded, Load: nothing in them
            return e
        if is_page_not_recorded(e):
            # a page not recorded: as the mirror of a stored session shows it (a masker
            # resumed from storage reads it so), its fields' node ids new
            self.echoes.new_page()
            self.mirror.apply(e)
        # Custom events and types this version does not know: kept, but their strings get
        # the same URL scrubbing and redaction as console text.
        new = self._free_strings(data)
        return e if new is data else self._with_data(e, new)

    @staticmethod
    def _with_data(e: Raw, data: Raw) -> Raw:
        return {**e, "data": data}

    # --- full snapshots and added subtrees -------------------------------------------
    def _full_snapshot(self, e: Raw, data: Raw) -> Raw:
        self.mirror.apply(e)
        node = data.get("node")
        if not isinstance(node, dict):
            return e
        masked = self._mask_tree(node, None, None, None, False)
        if masked == node:
            return e
        return self._with_data(e, {**data, "node": masked})

    def _mask_tree(self, sn: Raw, parent_level: Level | None, parent_tag: str | None,
                   parent_attrs: dict | None, parent_editable: Any = False) -> Raw | None:
        """A serialized subtree as recorded. Iterative: real pages nest deep.
        `parent_editable`: the parent is in editable content (`PrivacyLevels.in_editable`).
        Learns, as typed (echoes.py), what the subtree's masked fields hold (`_learn_held`)
        and the text of its editable content that it masks."""
        root_holder: list[Raw] = []
        stack: list[tuple[Raw, Level, str | None, dict | None, list, Any]] = [
            (sn, parent_level, parent_tag, parent_attrs, root_holder, parent_editable)]
        nodes = self.mirror.nodes
        levels = self.levels
        scrub = self.scrub
        while stack:
            s, plevel, ptag, pattrs, sink, ped = stack.pop()
            ntype = s.get("type")
            if plevel == HIDDEN_LEVEL:
                self.stats["nodes dropped under hidden"] += 1
                self._learn_held_beneath(s)
                continue
            inherited = plevel  # None: beneath the top document (an iframe's inherits)
            if plevel is None:
                plevel = levels.default
            if ntype == ELEMENT:
                tag = str(s.get("tagName") or "div").lower()
                n = nodes.get(s.get("id"))
                if n is not None and n.type == ELEMENT and n.tag == tag:
                    lvl, real = levels.level_of(n), self._classed(n)
                else:  # not in the mirror (duplicate id...): assume the strict side
                    attrs0 = s.get("attributes") if isinstance(s.get("attributes"), dict) else {}
                    lvl, real = max(plevel, MASK_LEVEL), attrs0
                if tag == "option" and lvl < MASK_USER_INPUT_LEVEL and n is not None and \
                        self._in_masked_select(n):
                    lvl = MASK_USER_INPUT_LEVEL  # which option is selected is the value
                out = dict(s)
                attrs = s.get("attributes")
                if tag == "input" or tag == "textarea":
                    held = real.get("value") if real else None
                    if type(held) is str and held:
                        self._learn_held(s.get("id"), tag, real, held, lvl)
                if lvl == HIDDEN_LEVEL:
                    out["attributes"] = hidden_attrs(real)
                    out["childNodes"] = []
                    out.pop("needBlock", None)
                    self.stats["hidden elements"] += 1
                    sink.append(out)
                    for k in s.get("childNodes") or ():
                        if isinstance(k, dict):
                            self._learn_held_beneath(k)
                    continue
                out["attributes"] = mask_attrs(tag, attrs if isinstance(attrs, dict) else {},
                                               lvl, real, scrub)
                kids = s.get("childNodes")
                out["childNodes"] = new_kids = []
                sink.append(out)
                if kids:
                    claim = editable_claim(real) if real else None
                    ed = ped if claim is None else claim
                    for k in reversed(kids):
                        if isinstance(k, dict):
                            stack.append((k, lvl, tag, real, new_kids, ed))
                # children are appended in pop order; reversed push keeps document order
            elif ntype in TEXTLIKE:
                tc = s.get("textContent")
                out = dict(s)
                if isinstance(tc, str) and tc:
                    typing = ped and plevel >= MASK_USER_INPUT_LEVEL and ntype != COMMENT
                    out["textContent"] = mask_text_node(
                        tc, plevel, ptag, pattrs or {}, bool(s.get("isStyle")), scrub, typing)
                    if typing or ptag == "textarea" and out["textContent"] is not tc and \
                            value_masked(plevel, "textarea", pattrs or {}):
                        self.echoes.add(tc, s.get("id"), self._now)   # typed, or held
                sink.append(out)
            elif ntype == DOCUMENT:
                out = dict(s)
                kids = s.get("childNodes")
                out["childNodes"] = new_kids = []
                sink.append(out)
                for k in reversed(kids or ()):
                    if isinstance(k, dict):   # (a document's content is its own to edit)
                        stack.append((k, inherited, None, None, new_kids, False))
            else:
                sink.append(s)
        return root_holder[0] if root_holder else None

    # --- mutations -----------------------------------------------------------------------
    def _mutation(self, e: Raw, data: Raw) -> Raw | None:
        # The hot path of a live page (94% of a real recording's events): text nodes
        # replaced, classes swapped. `changed` says whether any item was dropped, replaced
        # or added; an event with none is the input itself, without building its copy.
        mirror, levels = self.mirror, self.levels
        if mirror.not_recorded is not None:
            # a change of a page whose snapshot was not recorded (PAGE_NOT_RECORDED): no page
            # to mask it by, none to replay it on (the mirror leaves it alone) - not stored
            self.stats["changes of a page not recorded dropped"] += 1
            return None
        nodes = mirror.nodes
        removes = data.get("removes") or ()
        adds = data.get("adds") or ()
        texts = data.get("texts") or ()
        attributes = data.get("attributes") or ()

        # Before applying: what the recording (not the page) knows about removed/moved
        # nodes, and the level of nodes whose privacy-relevant attributes change.
        kept_removes = []
        # whether the split-value pass has anything to read (`_split_values`: a text with a
        # neighbour added, changed or brought beside one), told here where the items are
        # looked up anyway - a table cell's text replaced has none
        split = self._split_maybe = False
        gaps = self._split_gaps = []   # (what each removal may bring together: runs.gap_of)
        for r in removes:
            n = nodes.get(field(r, "id"))
            if n is not None:
                gap = gap_of(nodes, n)
                if gap is not None:
                    gaps.append(gap)
            if n is not None and levels.beneath_hidden(n):
                continue  # the recording never had it
            kept_removes.append(r)
        if gaps:
            split = self._split_maybe = True
        changed = len(kept_removes) != len(removes)
        moved_from: dict[int, int] = {}
        for a in adds:
            n = nodes.get(field(field(a, "node"), "id"))
            if n is not None and n.parent is not None and not levels.beneath_hidden(n):
                moved_from[n.id] = n.parent
        before: dict[int, tuple[Level, dict]] = {}
        dirty: list[int] = []
        for a in attributes:
            at = field(a, "attributes")
            n = nodes.get(field(a, "id")) if type(at) is dict or isinstance(at, dict) else None
            if n is not None and n.type == ELEMENT and levels.changes_level(n, at):
                dirty.append(n.id)
                if n.parent is not None and self._structural:
                    dirty.append(n.parent)  # `.changed + p`: its siblings may match now
                if not levels.beneath_hidden(n):
                    before[n.id] = (levels.level_of(n), dict(n.attrs))
        structural = self._structural
        if structural:  # sibling-dependent selectors: a parent's children changed
            for r in removes:
                n = nodes.get(field(r, "id"))
                if n is not None and n.parent is not None:
                    dirty.append(n.parent)
            dirty.extend([a.get("parentId") for a in adds if isinstance(a, dict)])
            if levels.uses_empty:
                for t in texts:
                    n = nodes.get(field(t, "id"))
                    if n is not None and n.parent is not None:
                        dirty.append(n.parent)

        self._note_type_changes(attributes)
        mirror.apply_mutation(box_sizes_only(data))   # (a box change: its size alone)
        for nid in dirty:
            if nid in nodes:
                levels.invalidate_subtree(nid)

        scrub = self.scrub
        default = levels.default
        out_adds = []
        extra_removes = []
        for a in adds:
            sn = field(a, "node")
            if type(sn) is not dict and not isinstance(sn, dict):
                changed = True
                continue
            p = nodes.get(field(a, "parentId"))
            nid = field(sn, "id")
            if p is None or nid not in nodes:
                self.stats["orphan adds dropped"] += 1
                changed = True
                continue  # the mirror could not place it: neither can a player
            if not split and (may_join(p) or field(sn, "childNodes")):
                split = self._split_maybe = True
            # None: the top document; an iframe's document inherits the iframe's level
            plevel = levels.level_of(p) if (p.type == ELEMENT or p.parent is not None) else None
            if plevel == HIDDEN_LEVEL:
                if nid in moved_from:  # it moved out of sight: the recording must drop it
                    extra_removes.append({"parentId": moved_from[nid], "id": nid})
                self.stats["adds dropped under hidden"] += 1
                changed = True
                continue
            ped = levels.editables and levels.in_editable(p)
            if field(sn, "type") in TEXTLIKE and "childNodes" not in sn:
                # the common add on a live page (a text replaced): no subtree to walk, and
                # the item itself kept when its text is
                lvl = plevel if plevel is not None else default
                if not ped and text_as_recorded(lvl, p.tag, scrub):
                    out_adds.append(a)
                    continue
                tc = field(sn, "textContent")
                if type(tc) is not str and not isinstance(tc, str) or not tc or mask_text_node(
                        tc, lvl, p.tag, p.attrs, bool(field(sn, "isStyle")), scrub,
                        ped and lvl >= MASK_USER_INPUT_LEVEL and field(sn, "type") != COMMENT
                        ) is tc:
                    out_adds.append(a)
                    continue
            changed = True
            masked = self._mask_tree(sn, plevel, p.tag, p.attrs, ped)
            if masked is not None:
                out_adds.append({**a, "node": masked})

        out_texts = []
        for t in texts:
            n = nodes.get(field(t, "id"))
            if n is None:
                self.stats["texts on unknown nodes dropped"] += 1
                changed = True
                continue
            if levels.beneath_hidden(n):
                changed = True
                continue
            v = field(t, "value")
            if not split and n.parent is not None and may_join(nodes.get(n.parent)):
                split = self._split_maybe = True
            if type(v) is str and v or isinstance(v, str) and v:
                p = nodes.get(n.parent) if n.parent is not None else None
                nl = levels.level_of(n)
                nv, typing = self._changed_text(n, p, nl, v)
                if nv is not v:
                    t = {**t, "value": nv}
                    changed = True
                    if typing or p is not None and p.tag == "textarea" and \
                            value_masked(nl, "textarea", p.attrs):
                        self.echoes.add(v, n.id, self._now)   # typed, or held
            out_texts.append(t)

        out_attrs = []
        for a in attributes:
            n = nodes.get(field(a, "id"))
            at = field(a, "attributes") if n is not None else None
            if n is None or type(at) is not dict and not isinstance(at, dict):
                self.stats["attributes on unknown nodes dropped"] += 1
                changed = True
                continue
            if n.type != ELEMENT or levels.beneath_hidden(n):
                if n.type == ELEMENT and "value" in at:
                    self._learn_held(n.id, n.tag, self._classed(n), at["value"], HIDDEN_LEVEL)
                changed = True
                continue
            lvl = levels.level_of(n)
            if "value" in at:   # a field's value set through its attribute (a script's)
                self._learn_held(n.id, n.tag, self._classed(n), at["value"], lvl)
            prev = before.get(n.id) if before else None
            if lvl == HIDDEN_LEVEL:
                if is_box_change(at) and (prev is None or prev[0] == HIDDEN_LEVEL):
                    out_attrs.append(a)   # the page resized it: its new size alone, as it came
                    continue
                changed = True
                if prev is not None and prev[0] != HIDDEN_LEVEL:
                    # became hidden: clear what the recording showed and its children
                    ha = hidden_attrs(n.attrs)
                    diff: dict = {k: None for k in prev[1] if k not in ha}
                    diff.update(ha)
                    out_attrs.append({**a, "attributes": diff})
                    extra_removes.extend([{"parentId": n.id, "id": c} for c in n.children])
                elif not _BOX.isdisjoint(at):  # only its box may change
                    ha = hidden_attrs(n.attrs)
                    gone = {k: None for k in at if k in _BOX and k not in ha}
                    out_attrs.append({**a, "attributes": {**gone, **ha}})
                continue
            if prev is not None and prev[0] == HIDDEN_LEVEL:
                # revealed: the recording has an empty placeholder; send the real element
                changed = True
                split = self._split_maybe = True   # (its texts, as the adds below hold them)
                full = mask_attrs(n.tag, n.attrs, lvl, self._classed(n), scrub)
                # the placeholder's box and its hidden marker go (the page's own marker, if
                # it has one, is in `full`): kept, the next pass read it as hidden by markup
                diff = {k: None for k in ("rr_width", "rr_height", "data-replay-privacy")
                        if k not in full}
                diff.update(full)
                out_attrs.append({**a, "attributes": diff})
                # its children as the page has them now (this event's changes applied), in
                # their order, before this event's other adds: those may go in among them or
                # under them; what the event adds inside what is sent here goes no second time
                added = {field(field(x, "node"), "id") for x in out_adds}
                revealed = []
                for cid in n.children:
                    if cid in added:   # this event adds it itself
                        continue
                    sub = mirror.to_serialized(cid)
                    if sub is not None:
                        m = self._mask_tree(sub, lvl, n.tag, n.attrs, levels.in_editable(n))
                        if m is not None:
                            revealed.append({"parentId": n.id, "nextId": None, "node": m})
                if revealed:
                    inside = {x.get("id") for r in revealed for x in walk_nodes(r["node"])}
                    out_adds[:] = revealed + [x for x in out_adds
                                              if field(field(x, "node"), "id") not in inside]
                continue
            if attrs_as_recorded(n.tag, lvl, scrub):
                out_attrs.append(a)   # a class or style swap below `mask`: as it came
                continue
            changes = {}
            same = True
            for k, v in at.items():
                if k == "style" and isinstance(v, dict):  # a declaration diff: images
                    nv = masked_style(v) if lvl >= MASK_LEVEL else v
                    changes[k] = nv
                    if nv != v:
                        same = False
                    continue
                # removals too: `checked: null` would tell a masked checkbox was unticked
                nv = self._attr(n, k, v, lvl)
                if nv is not _SKIP:
                    changes[k] = nv
                if nv is not v:
                    same = False
            if same:
                out_attrs.append(a)   # kept as it came (the usual case)
            else:
                changed = True
                if changes:
                    out_attrs.append({**a, "attributes": changes})

        if not changed and not extra_removes and _plain_lists(data):
            return e  # every item kept as it came: the caller's own event
        if not (kept_removes or extra_removes or out_adds or out_texts or out_attrs) and (
                removes or adds or texts or attributes):
            return None
        new = dict(data)
        new["removes"] = kept_removes + extra_removes if extra_removes else (
            kept_removes if len(kept_removes) != len(removes) else data.get("removes", []))
        new["adds"] = out_adds
        new["texts"] = out_texts
        new["attributes"] = out_attrs
        for k in _MUTATION_LISTS:
            if k not in data and not new[k]:
                del new[k]
        if new == data:  # compared in C; keeps untouched events the caller's own objects
            return e
        return self._with_data(e, new)

    def _changed_text(self, n: Node, p: Node | None, nl: Level, v: str) -> tuple[str, bool]:
        """Text `v` a change gives node `n` (beneath `p`, at level `nl`) as recorded, and
        whether it is typed (editable content at `mask-user-input` or stricter)."""
        levels = self.levels
        typing = levels.editables and nl >= MASK_USER_INPUT_LEVEL and n.type != COMMENT and \
            levels.in_editable(n)
        return mask_text_node(v, nl, p.tag if p else None, p.attrs if p else {}, n.is_style,
                              self.scrub, typing), typing

    def _attr(self, n: Node, k: str, v: Any, lvl: Level) -> Any:
        if k == "selected" and n.tag == "option" and lvl < MASK_USER_INPUT_LEVEL and \
                self._in_masked_select(n):
            lvl = MASK_USER_INPUT_LEVEL  # which option is selected is the value
        nv = mask_attr(n.tag, k, v, lvl, self._classed(n), self.scrub)
        return _SKIP if nv is _DROP else nv

    def _learn_held(self, nid: Any, tag: Any, attrs: dict, value: Any, lvl: Any) -> None:
        """A value a field holds without its typing having been seen - its `value`
        attribute in a snapshot or an added node (initial, prefilled, a hidden input's), or
        set through the attribute by a script - learnt as typed (echoes.py: the same length
        and rules) when the field's value is masked or not recorded at that moment: the
        page's echoes of it are masked as a typed value's are. Not a checkbox's, radio's or
        button's value: the page's own string."""
        if (tag != "input" and tag != "textarea") or type(value) is not str or not value:
            return
        kind = input_type(tag, attrs)
        if kind in _CHOSEN or kind in BUTTON_TYPES:
            return
        if lvl == HIDDEN_LEVEL or value_masked(lvl, tag, attrs):
            self.echoes.add(value, nid, self._now)

    def _learn_held_beneath(self, sn: Raw) -> None:
        """What the fields of a serialized subtree the pass drops (beneath a hidden element)
        hold - their `value`, a textarea's text - learnt as typed (`_learn_held`): nothing of
        them is recorded, and a page that shows the value elsewhere shows it in clear
        otherwise (capture.js learns them the same way)."""
        stack = [sn]
        while stack:
            x = stack.pop()
            if x.get("type") != ELEMENT:
                continue
            tag = str(x.get("tagName") or "").lower()
            attrs = x.get("attributes")
            kids = x.get("childNodes")
            if (tag == "input" or tag == "textarea") and isinstance(attrs, dict):
                v = attrs.get("value")
                if type(v) is str and v:
                    self._learn_held(x.get("id"), tag, attrs, v, HIDDEN_LEVEL)
                if tag == "textarea" and kids:
                    text = "".join(k.get("textContent") or "" for k in kids
                                   if isinstance(k, dict) and k.get("type") in TEXTLIKE
                                   and isinstance(k.get("textContent"), str))
                    if text.strip():
                        self.echoes.add(text, x.get("id"), self._now)
            if kids:
                stack.extend(k for k in kids if isinstance(k, dict))

    def _note_type_changes(self, attributes: Iterable[Any]) -> None:
        """Before a mutation applies: an input masked at every level whose type changes
        (or whose `autocomplete` does) is remembered as one."""
        note_type_changes(self.mirror.nodes, attributes, self._was_always)

    def _classed(self, n: Node) -> dict:
        """The attributes a form control is classified by: its own, or - an input masked at
        every level before its type changed - a password's."""
        if n.id in self._was_always:
            return {**n.attrs, "type": "password", "autocomplete": "cc-was-masked"}
        return n.attrs

    def _in_masked_select(self, n: Node) -> bool:
        """An option of a select whose value is masked at every level (cc-exp...)."""
        nodes = self.mirror.nodes
        p = nodes.get(n.parent) if n.parent is not None else None
        if p is not None and p.tag == "optgroup" and p.parent is not None:
            p = nodes.get(p.parent)
        return p is not None and p.tag == "select" and always_masked(p.tag, p.attrs)

    # --- pointer, scroll, media, selection ------------------------------------------------
    def _off_hidden(self, e: Raw, data: Raw, src: int) -> Raw | None:
        """The event as the masked recording can hold it: no node beneath a hidden element
        named (see _POINTER_SOURCES)."""
        if src == _MOUSE_INTERACTION:
            nid = data.get("id")
            to = self._placeholder_of(nid)
            if to == nid:
                return e
            self.stats["interactions beneath hidden moved to its placeholder"] += 1
            return self._with_data(e, {**data, "id": to})
        if src in _POINTER_SOURCES:
            positions = data.get("positions")
            if not isinstance(positions, list):
                return e
            out = None
            for k, pos in enumerate(positions):
                if isinstance(pos, dict):
                    nid = pos.get("id")
                    to = self._placeholder_of(nid)
                    if to != nid:
                        if out is None:
                            out = list(positions)
                        out[k] = {**pos, "id": to}
            if out is None:
                return e
            self.stats["pointer positions beneath hidden moved to its placeholder"] += 1
            return self._with_data(e, {**data, "positions": out})
        if src in _DROPPED_BENEATH_HIDDEN:
            if self._placeholder_of(data.get("id")) == data.get("id"):
                return e
            self.stats["scrolls and media events beneath hidden dropped"] += 1
            return None
        if src == _SELECTION:
            ranges = data.get("ranges")
            if isinstance(ranges, list) and any(
                    isinstance(r, dict) and (self._placeholder_of(r.get("start")) != r.get("start")
                                             or self._placeholder_of(r.get("end")) != r.get("end"))
                    for r in ranges):
                self.stats["selections beneath hidden dropped"] += 1
                return None
        return e

    def _placeholder_of(self, nid: Any) -> Any:
        """`nid`, or - for a node beneath a hidden element - that hidden element's id (the
        outermost hidden ancestor: the one recorded as a placeholder)."""
        nodes = self.mirror.nodes
        n = nodes.get(nid) if isinstance(nid, int) else None
        if n is None:
            return nid
        levels = self.levels
        if not levels.beneath_hidden(n):
            return nid
        while n.parent is not None:
            p = nodes.get(n.parent)
            if p is None:
                break
            n = p
            if not levels.beneath_hidden(n):
                break
        return n.id

    # --- inputs ----------------------------------------------------------------------------
    def _input(self, e: Raw, data: Raw) -> Raw | None:
        self.mirror.apply(e)
        n = self.mirror.nodes.get(data.get("id"))
        if n is None:
            # a field the recording never showed (its start missing): its level is unknown,
            # so its value is looked for as a masked field's - a page's echo of it is masked
            self.echoes.add(data.get("text"), data.get("id"), e.get("timestamp"))
            self.stats["inputs on unknown nodes dropped"] += 1
            return None
        levels = self.levels
        text = data.get("text")
        kind = input_type(n.tag, n.attrs)
        # a checkbox's text is its own value, a select's one of the page's options: not typed -
        # which one was chosen is looked for as a URL parameter's value (Echoes.add_param)
        typed = kind not in _CHOSEN
        chosen = not typed and (n.tag == "select" or data.get("isChecked") is True)
        if levels.beneath_hidden(n):
            self._note_unshown(text, n, e, typed, chosen)
            return None
        lvl = levels.level_of(n)
        if lvl == HIDDEN_LEVEL or is_ignored(n.attrs):
            self._note_unshown(text, n, e, typed, chosen)
            self.stats["inputs dropped (hidden/ignored)"] += 1
            return None
        masked = value_masked(lvl, n.tag, self._classed(n)) \
            if n.tag in ("input", "textarea", "select") \
            else lvl >= MASK_USER_INPUT_LEVEL  # contenteditable & co.
        if masked and kind in ("checkbox", "radio"):
            self._note_unshown(text, n, e, typed, chosen)
            self.stats["checkbox/radio inputs dropped"] += 1
            return None  # its state is the secret
        if not isinstance(text, str) or not text:
            return e
        if masked:
            self._note_unshown(text, n, e, typed, True)
            self.stats["input values masked"] += 1
            return e if text == MASK else self._with_data(e, {**data, "text": mask_value(text)})
        nt = self.scrub(text) if self.scrub is not None else text
        return e if nt == text else self._with_data(e, {**data, "text": nt})

    def _note_unshown(self, text: Any, n: Node, e: Raw, typed: bool, chosen: bool) -> None:
        """A value the recording will not show, looked for where the page echoes it: typed,
        anywhere (echoes.py); a choice made, as a URL parameter's value (`add_param`)."""
        if typed:
            self.echoes.add(text, n.id, e.get("timestamp"))
        elif chosen:
            self.echoes.add_param(text)

    # --- RUM click actions --------------------------------------------------------------
    def _remember_click(self, e: Raw, data: Raw) -> None:
        """A recorded click, with the level of what its name could be read from now (the
        element may be gone when the plugin's action comes)."""
        if data.get("type") != _CLICK:
            return
        nid = data.get("id")
        n = self.mirror.nodes.get(nid) if isinstance(nid, int) else None
        ts = e.get("timestamp")
        if n is None or not isinstance(ts, (int, float)):
            return
        clicks = self.clicks
        clicks.append((ts, data.get("x"), data.get("y"), self._name_level(n), nid,
                       self._box_selector(nid)))
        if len(clicks) > RECENT_CLICKS:
            del clicks[0]

    def _box_selector(self, nid: Any) -> Any:
        """For a node beneath a hidden element, that element's selector (what the recording
        holds of it: its placeholder, as _off_hidden moves the click there); else None."""
        box = self._placeholder_of(nid)
        if box == nid:
            return None
        from ..steps import css_selector   # (steps reads the privacy package's masking)
        return css_selector(self.mirror, box)

    def _click_names(self, payload: Any) -> Any:
        """A RUM click action with its name masked (as the page masks text: `mask_text`)
        when what it could be read from is at `mask` or stricter - or, when the pass cannot
        tell what was clicked (no recorded click there, nothing its selector names: rrweb
        records no click on a blocked element), when anything on the page is."""
        click = rum_click(payload)
        if click is None:
            return payload
        level, nid, box = self._clicked_level(click.date, click.x, click.y)
        if level is None:
            level, nid, box = self._selector_level(click.selector)
        if level is None:
            # nothing tells what was clicked: where the page hides anything, the path the
            # plugin wrote may lead beneath it - none is kept
            level, nid = self._strictest_on_page(), None
            box = "" if level >= HIDDEN_LEVEL else None
        if level < MASK_LEVEL:
            return payload
        new = rum_action_names(payload, mask_text)
        if new is not payload:
            self.stats["click action names masked by the clicked element's level"] += 1
            self.named_by = nid
        if box is not None:
            # the element clicked is beneath a hidden one: the action names the hidden
            # element's placeholder, as the click does - nothing beneath it is recorded, so
            # nor is the path to it (capture.js's plugin names it so in the page)
            moved = rum_strings_at(new, (ACTION_SELECTOR,), lambda _s: box)
            if moved is not new:
                self.stats["click actions beneath hidden moved to its placeholder"] += 1
                new = moved
        return new

    def _clicked_level(self, date: float | None, x: float | None, y: float | None
                       ) -> tuple[Any, Any, Any]:
        """(the name level, the node id, its hidden box's selector) of the recorded click the
        action came from; (None, None, None): none there."""
        if date is None or x is None or y is None:
            return None, None, None
        best, level, nid, box = CLICK_MATCH_MS, None, None, None
        for ts, cx, cy, lvl, clicked, beneath in self.clicks:
            if cx == x and cy == y and abs(ts - date) <= best:
                best, level, nid, box = abs(ts - date), lvl, clicked, beneath
        return level, nid, box

    def _selector_level(self, selector: str) -> tuple[Any, Any, Any]:
        """The strictest name level among the elements `selector` matches, the id of the
        first at it, and the selector of the hidden element it is beneath (None: none);
        (None, None, None): nothing matches."""
        if not selector:
            return None, None, None
        try:
            compiled = compile_selector(selector)
        except ValueError:   # SelectorError: not one our engine reads
            return None, None, None
        nodes = self.mirror.nodes
        found = [(self._name_level(n), n.id) for n in list(nodes.values()) if n.type == ELEMENT
                 and any(c.match(n, nodes) for c in compiled)]
        if not found:
            return None, None, None
        top = max(lvl for lvl, _ in found)
        nid = next(nid for lvl, nid in found if lvl == top)
        return top, nid, self._box_selector(nid)

    def _strictest_on_page(self) -> Level:
        """The strictest level of the page's elements, looked for up to `hidden` (then a
        name the pass cannot place could be a masked text's, and its selector lead beneath a
        hidden element), else the default."""
        levels = self.levels
        worst = levels.default
        for n in list(self.mirror.nodes.values()):
            if n.type == ELEMENT:
                worst = max(worst, levels.level_of(n))
                if worst >= HIDDEN_LEVEL:
                    break
        return worst

    def _name_level(self, n: Node) -> Level:
        """The strictest level among what the plugin may read `n`'s name from: `n` and its
        ancestors up to the first that names (NAMING_TAGS, NAMING_ATTRS), the first
        NAME_CHARS characters of that one's text (or `n`'s), and a field's <label for>."""
        levels, nodes = self.levels, self.mirror.nodes
        worst = levels.level_of(n)
        region, p = n, n
        while p is not None and worst < MASK_LEVEL:
            worst = max(worst, levels.level_of(p))
            if p.tag in NAMING_TAGS or any(a in p.attrs for a in NAMING_ATTRS) or \
                    (p.tag == "input" and input_type(p.tag, p.attrs) in BUTTON_TYPES):
                region = p
                break
            p = nodes.get(p.parent) if p.parent is not None else None
        if worst < MASK_LEVEL:
            worst = max(worst, self._text_level(region))
        ident = n.attrs.get("id") if n.tag in FORM_TAGS else None
        if worst < MASK_LEVEL and isinstance(ident, str) and ident:
            for m in list(nodes.values()):
                if m.tag == "label" and m.attrs.get("for") == ident:
                    worst = max(worst, levels.level_of(m), self._text_level(m))
        return worst

    def _text_level(self, root: Node) -> Level:
        """The strictest level among the elements holding the first NAME_CHARS characters
        of `root`'s text, in document order (the name is cut there: a click on a large
        container costs no more than its first words)."""
        levels, nodes = self.levels, self.mirror.nodes
        worst, chars = levels.level_of(root), 0
        stack = list(reversed(root.children))
        while stack and worst < MASK_LEVEL and chars < NAME_CHARS:
            c = nodes.get(stack.pop())
            if c is None:
                continue
            if c.type == ELEMENT:
                worst = max(worst, levels.level_of(c))
                stack.extend(reversed(c.children))
            elif c.type in TEXTLIKE and isinstance(c.text, str):
                chars += len(c.text.strip())
        return worst

    # --- logs, network, free text ------------------------------------------------------------
    def _free_text(self, s: str) -> str:
        if self.scrub is not None:
            s = self.scrub(s)
        if self._redact is not None:
            s = self._redact(s)
        return s  # detectors: in the detector pass, after

    def _strings(self, obj: Any, fn: Callable[[str], str]) -> Any:
        """`obj` with `fn` applied to every string inside it, keys too; the same object back
        when nothing changed."""
        return map_strings(obj, lambda s, *_: fn(s))

    def _free_strings(self, obj: Any) -> Any:
        """Free text (console, custom events, RUM, unknown sources): URLs scrubbed and
        redaction patterns masked in every string; with neither configured, nothing to do
        here - the detector pass still reads every string."""
        if self.scrub is None and self._redact is None:
            return obj
        return self._strings(obj, self._free_text)

    def _console(self, payload: Raw) -> Raw:
        """rrweb console payloads: `payload` holds JSON-encoded arguments, `trace` frames."""
        return self._free_strings(payload)

    def _network(self, payload: Any) -> Any:
        allowed = self._headers
        keep_bodies = self.rules.network_bodies

        def walk(obj: Any, depth: int = 0) -> Any:
            if depth > 64:
                return obj
            if isinstance(obj, dict):
                out = {}
                for k, v in obj.items():
                    if k in _BODY_KEYS and not keep_bodies:
                        self.stats["network bodies dropped"] += 1
                        continue
                    if k in _HEADER_KEYS and isinstance(v, dict):
                        out[k] = {h: self._free_text(x) if isinstance(x, str) else x
                                  for h, x in v.items() if str(h).lower() in allowed}
                        continue
                    out[k] = walk(v, depth + 1)
                return out
            if isinstance(obj, list):
                return [walk(v, depth + 1) for v in obj]
            if isinstance(obj, str):
                return self._free_text(obj)
            return obj
        return walk(payload)


_SKIP = object()
MAX_ECHO_SESSIONS = 4096   # sessions whose typed values a live intake keeps (SessionMaskers)
_CHOSEN = frozenset(("checkbox", "radio", "select"))
_MUTATION_LISTS = ("removes", "adds", "texts", "attributes")


def _plain_lists(data: Raw) -> bool:
    """Each of a mutation's item lists is a list or absent (the output form: a `null` or
    other falsy value there is written as an empty list, so the event changes)."""
    for k in _MUTATION_LISTS:
        v = data.get(k)
        if v is not None and type(v) is not list:
            return False
        if v is None and k in data:
            return False
    return True
_BOX = frozenset(BOX_ATTRS)
_EVENT_KEYS = frozenset(("type", "data", "timestamp"))


def _plain(e: Raw) -> bool:
    """A regular event: type, data and timestamp, with a numeric type and timestamp."""
    return len(e) == 3 and _EVENT_KEYS.issuperset(e) and type(e["type"]) is int \
        and type(e["timestamp"]) in (int, float)


def _strings_json(e: Raw) -> bytes | None:
    """The JSON of what in `e` can hold strings: a regular event's `data` (its numeric type
    and timestamp left out), else the whole event; None when it cannot be encoded."""
    try:
        return encode_json(e["data"] if _plain(e) else e)
    except (msgspec.EncodeError, NestingTooDeep):
        return None


def _nothing_to_detect(e: Raw, raw: bytes | None = None) -> bool:
    """True when no string of `e` can hold a detector match, decided in C on the event's
    JSON: every string and key is in it, and unescaped where a match could be (digits,
    `@`, ` .()+-`, letters), so what no hint in the JSON rules out is ruled out for each
    of its strings. Numbers only add hints (then the walk decides), which is why a regular
    event's numeric type and timestamp are left out. Most events of a real page - short
    texts, prices, ids, pointer moves - end here instead of in a Python walk.

    `raw`: `_strings_json(e)`, when the caller has it. (An event kept as it came is told by
    its own JSON's facts instead: `SessionMasker._later_passes`.)"""
    if raw is None:
        raw = _strings_json(e)
    return raw is not None and not _detectors.might_match_json(raw)


def _detector_visit(kinds: tuple[str, ...]) -> Callable[..., str] | None:
    """What the detector pass applies to each string (None: no detectors enabled)."""
    if not kinds:
        return None
    mask = _detectors.mask

    def visit(s: str, *_place) -> str:
        return mask(s, kinds)
    return visit


class SessionMaskers:
    """The maskers of open live sessions, for an intake that receives a session in many
    batches. A masker holds the session's unmasked DOM, so it lives in memory only - never
    written anywhere; a session that is not in memory (after a restart, or evicted as the
    least recently used) is resumed from its stored, already masked events."""

    def __init__(self, rules: Rules | None = None, max_open: int = 256,
                 max_echoes: int = MAX_ECHO_SESSIONS):
        self.rules = rules if rules is not None else Rules.default()
        self.max_open = max_open
        self._open: "OrderedDict[str, SessionMasker]" = OrderedDict()
        # The values typed into masked fields, kept when a masker is evicted or closed (a
        # DOM is big, they are small): a masker resumed from stored events, which hold them
        # masked, could not know them again. Memory only: lost on a restart, and unknown to
        # another worker process.
        self.max_echoes = max_echoes
        self._echoes: "OrderedDict[str, Echoes]" = OrderedDict()
        SessionMasker(self.rules)  # a bad selector fails here, not on the first batch

    def get(self, session_id: str,
            stored: Callable[[], Iterable[Raw]] | None = None) -> SessionMasker:
        m = self._open.get(session_id)
        if m is not None:
            self._open.move_to_end(session_id)
            return m
        m = SessionMasker(self.rules)
        if stored is not None:
            m.resume(stored())
        return self.put(session_id, m)

    def put(self, session_id: str, m: SessionMasker, *, echoes: Echoes | None = None
            ) -> SessionMasker:
        """`m` (a new masker under these rules, resumed from what is stored) as session
        `session_id`'s, with the values typed into its masked fields that were kept - or
        `echoes`, which know them (m's own, resumed with them: the live intake's)."""
        kept = self._echoes.get(session_id) if echoes is None else None
        if kept is not None:
            m.echoes = kept
        else:
            if echoes is not None:
                m.echoes = echoes
            self._echoes[session_id] = m.echoes
            while len(self._echoes) > self.max_echoes:
                self._echoes.popitem(last=False)
        self._echoes.move_to_end(session_id)
        self._open[session_id] = m
        while len(self._open) > self.max_open:
            self._open.popitem(last=False)
        return m

    def go_on(self, before: str, session_id: str, masker: SessionMasker) -> SessionMasker:
        """Session `before` goes on as `session_id` (a live visit split after 15 minutes
        without activity, or at 4 hours): the page is the same, so `masker` - `before`'s, with
        its DOM and the values typed into its masked fields - is the new session's. `before`'s
        DOM leaves memory (a late batch of it resumes from storage); its typed values stay,
        shared, for its compaction."""
        self._open.pop(before, None)
        self._echoes.pop(session_id, None)   # (put keeps the masker's own: `before`'s)
        return self.put(session_id, masker)

    def start_after(self, before: str, session_id: str) -> SessionMasker:
        """A new masker for `session_id`, split off the visit's session `before` with events
        of a new page (a snapshot of their own): the values typed into `before`'s masked
        fields go on, shared."""
        m = self.get(session_id)
        kept = self._echoes.get(before)
        if kept is not None:
            m.echoes = self._echoes[session_id] = kept
        return m

    def typed(self, session_id: str) -> Echoes | None:
        """The values typed into the session's masked fields that this intake saw (memory
        only), for a pass over what was stored before they were typed (LiveIntake.compact_idle)."""
        return self._echoes.get(session_id)

    def visit_of(self, session_id: str) -> list[str]:
        """The other sessions whose typed values are `session_id`'s - the sessions of its
        visit this intake saw (`go_on`, `start_after` share them) - for a pass over what they
        stored before a value was typed in a later one (LiveIntake.compact_idle)."""
        kept = self._echoes.get(session_id)
        if kept is None:
            return []
        return [sid for sid, e in self._echoes.items() if e is kept and sid != session_id]

    def close(self, session_id: str) -> None:
        """Drop the session's DOM from memory (the next batch resumes from storage); the
        values typed into its masked fields are kept."""
        self._open.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._open)

    def __contains__(self, session_id: str) -> bool:
        return session_id in self._open


def masker_factory(rules: Rules | None = None, typed: Iterable[str | Typed] = ()
                   ) -> Callable[[], SessionMasker]:
    """What `Store.ingest(masker_factory=...)` takes: a fresh masker per session. `typed`:
    values typed into masked fields that the events themselves do not hold (record mode:
    rrweb records them as asterisks, the recording browser saw them): each `Typed` (its
    field and time known) is noted as that field's keystroke when the pass reaches its time
    (`Echoes.schedule`); a bare string is masked from the session's first event on."""
    rules = rules if rules is not None else Rules.default()
    # Compile once up front so a bad selector fails before anything is ingested.
    SessionMasker(rules)
    typed = list(typed)
    if not typed:
        return lambda: SessionMasker(rules)
    keyed = [t for t in typed if isinstance(t, Typed)]
    whole = [t for t in typed if isinstance(t, str)]

    def make() -> SessionMasker:
        m = SessionMasker(rules)
        if keyed:
            m.echoes.schedule(keyed)
        for value in whole:   # each, a value that begins another too: typed as it is
            m.echoes.add(value)
        return m
    return make


def mask_session(events: Iterable[Raw], rules: Rules | None = None
                 ) -> tuple[SessionMasker, list[Raw]]:
    """A whole session at once (re-masking, a file opened for output), in two passes: the
    masker's, which also collects every value typed into a masked field, then the echoes of
    all of them masked in everything it kept - an echo from before the typing (a field the
    page filled in, a value typed again) goes too. (An import and live intake hold a part of
    a session at a time: they run the second pass over what they hold, and over what they
    wrote - ingest.prepare, store._StreamSession, LocalStore.compact.) The masker comes back
    for its stats and `mask_context`."""
    masker = SessionMasker(rules)
    masked = masker.mask(events)
    if masker.echoes:
        masked, n = masker.echoes.finals().scrub_all(masked)
        if n:
            masker.stats["events with typed values echoed masked (second pass)"] += n
    return masker, masked


def mask_events(events: Iterable[Raw], rules: Rules | None = None) -> list[Raw]:
    """One-shot: a whole session's events through a fresh masker."""
    return SessionMasker(rules).mask(events)


def _retexted(sn: Raw, found: dict[int, runs.Ranges], nodes: dict,
              sent: dict[int, tuple[str, str]]) -> Raw:
    """`sn` (a serialized subtree as recorded) with the text nodes named in `found` masked
    at their ranges (`runs.mask_pieces` against the mirror's clear text), each noted in
    `sent`; copied along the way to each, the rest shared."""
    def masked(t: Raw) -> Raw:
        tc = t.get("textContent")
        n = nodes.get(t.get("id"))
        if not isinstance(tc, str) or n is None or n.text is None:
            return t
        now = runs.mask_pieces(tc, n.text, found[t["id"]])
        sent[n.id] = (n.text, now)
        return {**t, "textContent": now}

    if sn.get("type") == TEXT:
        return masked(sn) if sn.get("id") in found else sn
    hits: list[tuple[Raw, Any]] = []   # (text node, its way up: (way, container, index))
    stack: list[tuple[Raw, Any]] = [(sn, None)]
    while stack:
        s, way = stack.pop()
        for i, k in enumerate(s.get("childNodes") or ()):
            if not isinstance(k, dict):
                continue
            if k.get("type") == TEXT:
                if k.get("id") in found:
                    hits.append((k, (way, s, i)))
            elif k.get("childNodes"):
                stack.append((k, (way, s, i)))
    if not hits:
        return sn
    copies: dict[int, Raw] = {}

    def own(d: Raw) -> Raw:
        c = copies.get(id(d))
        if c is None:
            c = copies[id(d)] = {**d, "childNodes": list(d["childNodes"])}
        return c

    for text, way in hits:
        path = []
        while way is not None:
            way, container, i = way
            path.append((container, i))
        path.reverse()
        for j, (container, i) in enumerate(path):
            c = own(container)
            c["childNodes"][i] = own(path[j + 1][0]) if j + 1 < len(path) else masked(text)
    return copies[id(sn)]
