"""Live sessions: a checked batch from an application, masked and stored.

The store does the session rules (4 h, 15 min idle, 24 h late, the limits) and the
cross-process locking (`LocalStore.session_lock`); this module keeps each session's
masker between requests. A masker holds the session's unmasked DOM, so a node hidden in
the first batch stays hidden in the tenth. With several worker processes a session's
batches may land on different workers: before masking, a worker's masker catches up with
what the others stored meanwhile (read back under the session's lock, already masked -
`SessionMasker.resume`), so every worker masks as if it had seen the whole session.

The batches capture.js posts are compact (compact.py: `compact@6`; `compact@1` to `compact@5` from
pages that loaded an older capture.js - all stay accepted); wire.py expands them into plain events
before this module sees them, so nothing here depends on the encoding.

Long texts named by digest (compact.py): a session's texts are kept for that session only; a
text marked `public` (a stylesheet capture.js read from a `<link rel=stylesheet>` with an
http(s) URL) is kept for the whole application too, so the first page of a new session can
name the site's stylesheet without sending it. Threat model: the client token is public in
the page, so anyone can post `{"ref": DIGEST}` batches and learn from the answer (202 or 409)
whether the application's store holds a text of that digest - a probe "was this exact text
seen?". Only public texts can answer it across sessions: resources any visitor of the site can
fetch (what the probe learns is, at most, which of the site's stylesheets visitors were
served - an A/B variant, a theme). A session's other texts (inline `<style>`, text nodes, a
sheet built by script) answer 409 to every other session. A public text's digest is checked
against its text (compact.Texts), so a sender cannot put a text of its own under a digest
other sessions name. The store is memory only, bounded (MAX_APP_TEXTS, MAX_PUBLIC_CHARS) and
per worker process: a text it no longer has (or another worker never saw) is answered 409 and
sent whole again.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Sequence

from ..index import BatchKey
from ..ingest import BatchReused, GoesOn, Masker, OpenSession, SessionDeleted
from ..jsonscan import JsonFacts
from ..privacy import ActiveRules, Rules, SessionMasker, SessionMaskers, parse_rules
from ..privacy.echoes import Echoes
from ..privacy.remask import rescrub_session
from ..sessions import clean_id, visit_of
from ..store import LocalStore, Serving
from ..thumbnail_cache import remove_stale
from .apps import APPS_FILE, AppError, Application, Applications, unreadable
from . import compact
from .typed_journal import TypedJournal
from .wire import Batch, Status, WireError

log = logging.getLogger(__name__)

MAX_OPEN_SESSIONS = 256     # maskers (unmasked DOMs) one worker keeps in memory
MAX_SESSION_TEXTS = 64      # long texts kept per session for the batches that name them
MAX_TEXT_CHARS = 32_000_000  # ... and in all (the least recently used sessions' go first)
MAX_APP_TEXTS = 64          # public texts (stylesheets) kept per application for all its sessions
MAX_PUBLIC_CHARS = 16_000_000  # ... and in all (the least recently used go first)


class _Counting:
    """A masker that notes how many events it let through (what the store will hold), and
    what its pass learnt was typed into masked fields, for the other workers (`journal`)."""

    def __init__(self, sid: str, masker: SessionMasker, done, journal: TypedJournal):
        self.sid = sid   # the session it masks
        self.masker = masker
        self.echoes = masker.echoes
        self.mirror = masker.mirror
        self.done = done
        self.journal = journal

    @property
    def owner(self):
        """The masker's (`ingest.Masker.owner`)."""
        return self.masker.owner

    @owner.setter
    def owner(self, user) -> None:
        self.masker.owner = user

    def mask(self, events: list[dict], encoded: Sequence[bytes] | None = None,
             facts: Sequence[JsonFacts | None] | None = None) -> list[dict]:
        echoes = self.masker.echoes
        visit = visit_of(self.sid)
        # what the other workers noted since this masker last read (whichever way it was
        # handed out: resumed, gone on from the visit's session before, or up to date with
        # what is stored - a batch all masked away stores nothing, and notes what it typed)
        self.journal.catch_up(visit, echoes)
        echoes.journal = noted = []
        try:
            out = self.masker.mask(events, encoded, facts)
        finally:
            echoes.journal = None
        # (under the session's lock, as the batch is stored: the next worker reads it)
        self.journal.append(visit, noted, echoes)
        self.done(len(out))
        return out


class Arrivals:
    """New sessions said in the intake's log, so whoever runs it sees their site being
    recorded (it said only refusals: a site owner could not tell it worked): this worker's
    first new session at once, by id and application, then at most one line a minute saying
    how many began since the line before (a busy site never floods the log) - said at the
    worker's first compaction tick (a minute apart: `tick`) once the minute is up, even when no
    session begins then: a session that began after a line waited for the next one's arrival,
    minutes on a quiet site (a site owner's tryout). Ids and application names only."""

    EVERY_S = 60.0

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self.said_at: float | None = None
        self.since: dict[str, int] = {}   # application name -> sessions begun, not said yet

    def note(self, app_name: str, session_id: str) -> None:
        now = self.clock()
        if self.said_at is None:
            self.said_at = now
            log.info("recording: session %s of application %s began (each of its pages is"
                     " stored as it arrives)", session_id, app_name)
            return
        self.since[app_name] = self.since.get(app_name, 0) + 1
        self.tick()

    def tick(self, *, last: bool = False) -> None:
        """The sessions begun since the last line, said once a minute is up; `last`: the
        worker stops - said now, whatever the minute (a support engineer's tryout: the two
        sessions begun in the intake's last minute were never said)."""
        now = self.clock()
        if not self.since or self.said_at is None or \
                (now - self.said_at < self.EVERY_S and not last):
            return
        n, apps = sum(self.since.values()), sorted(self.since)
        self.said_at, self.since = now, {}
        log.info("recording: %d new session%s since the last line (application%s %s)", n,
                 "" if n == 1 else "s", "" if len(apps) == 1 else "s", ", ".join(apps))


class LiveIntake:
    """Stores batches of live events for the applications of one data folder."""

    def __init__(self, store: LocalStore, rules: Rules | ActiveRules):
        self.store = store
        # the rules of applications without their own: `replay serve --rules`, else the
        # data folder's active rules, as they are now (ActiveRules reads a change)
        self.folder_rules = rules if isinstance(rules, ActiveRules) \
            else ActiveRules(None, None, fixed=rules)
        self._lock = threading.RLock()
        # app id -> (its own rules, the folder's rules object they came from, maskers)
        self._maskers: dict[str, tuple[str | None, Rules | None, SessionMaskers]] = {}
        # events of each session this worker's masker has seen, as the store counts them
        self._seen: "OrderedDict[str, int]" = OrderedDict()
        # the long texts each session's batches declared (compact.Texts), as received: memory
        # only, like the maskers' DOMs; (app id, client session id) -> digest -> text
        self._texts: "OrderedDict[tuple[str, str], dict[str, str]]" = OrderedDict()
        self._text_chars = 0
        # the public texts (compact.Texts.public) of each application: app id -> digest -> text,
        # the least recently named first
        self._public: "OrderedDict[str, OrderedDict[str, str]]" = OrderedDict()
        self._public_chars = 0
        self.arrivals = Arrivals()
        # the values typed into masked fields of each visit, for the other workers
        self.journal = TypedJournal(store.root)
        # while it lives, the folder's sessions not compacted yet are live (Store.is_live)
        self.serving = Serving(store.root)
        # (app id, the digest of its rules) for which a page with another copy was said, once
        # each (`_note_page_rules`): keyed by what the intake holds, never by what a page
        # sends (a page sending a new digest each time would grow it and the log)
        self._stale_said: set[tuple[str, str]] = set()

    def close(self) -> None:
        """It serves no more (`Serving`): the folder's sessions not compacted yet stop being
        live, unless another intake serves it. The sessions begun since the log's last line
        are said first."""
        with self._lock:
            self.arrivals.tick(last=True)
        self.serving.close()

    def tick_arrivals(self) -> None:
        """`Arrivals.tick`, under the lock its `note` is called with (the compaction tick runs
        in another thread: two lines at once, or a session counted while the count was said
        and lost)."""
        with self._lock:
            self.arrivals.tick()

    def maskers(self, app: Application) -> SessionMaskers:
        """The application's maskers, under its own rules if it has some, else the folder's
        (a change of either starts new maskers, resumed from what is stored)."""
        with self._lock:
            folder = self.folder_rules.current() if app.rules is None else None
            kept = self._maskers.get(app.id)
            if kept is None or kept[0] != app.rules or kept[1] is not folder:
                rules = masking_rules(app, lambda: folder)
                kept = (app.rules, folder, SessionMaskers(rules, max_open=MAX_OPEN_SESSIONS))
                self._maskers[app.id] = kept
            return kept[2]

    def rules_of(self, app: Application) -> Rules:
        """The rules the application's batches are masked with now (masking_rules: those
        of its maskers, parsed once)."""
        return self.maskers(app).rules

    def _note_page_rules(self, app: Application, sent: str, rules: Rules) -> None:
        """A page's capture.js masked with rules whose digest is `sent` (the copy its snippet
        was given): when they are not what the application's batches are masked with now,
        said once in the log - a privacy officer's tryout changed an application's rules and
        its pages went on masking with the old copy, sending what the new ones mask in
        clear, with nothing said (the intake masks it before it is stored)."""
        now = rules.digest
        key = (app.id, now)
        if sent == now or key in self._stale_said:
            return
        with self._lock:
            if key in self._stale_said:
                return
            self._stale_said.add(key)
        given = self.folder_rules.given if app.rules is None else None
        if given is not None:   # (`replay app rules --json` prints the data folder's, not these)
            which, fix = f"the intake's --rules {given}", f"give the page's snippet those rules"
        else:
            which = "its own rules" if app.rules is not None else "the intake's"
            fix = f"give the page's snippet the rules `replay app rules {app.name} --json` prints"
        log.warning("application %s: a page masks with rules other than those its batches are"
                    " masked with now (%s) - what they differ in may leave the browser in"
                    " clear before the intake masks it: %s", app.name, which, fix)

    def accept(self, app: Application, batch: Batch, now_ms: float | None = None,
               encoded: list[bytes] | None = None,
               texts: compact.Texts | None = None) -> list[str]:
        """Mask and store a batch durably; the ids of the sessions it went to. A batch whose
        `batch_id` was accepted before stores nothing (see wire.py). `encoded`: each
        event's JSON as received (`wire.decode_request`), so it is not encoded again to be
        measured; `texts`: the long texts a compact batch declares and names by digest
        (`wire.decode_request`), put in place here. Raises LimitError / InvalidEvent /
        WireError with nothing stored."""
        maskers = self.maskers(app)
        if batch.rules is not None:
            self._note_page_rules(app, batch.rules, maskers.rules)
        if texts is not None:
            self._resolve_texts(app, batch.session_id, texts)
        touched: list[str] = []
        begun: list[str] = []   # the sessions this batch begins
        last: list[_Counting] = []   # ... and the masker it gave last (none yet: empty)

        def masker_for(sid: str, append_to: OpenSession | None,
                       goes_on: GoesOn | None) -> Masker:
            touched.append(sid)
            if append_to is None:
                begun.append(sid)
            # a new session of the visit goes on from the session this batch gave a masker
            # last (asked in the sessions' order), else from the visit's stored session
            m = self._masker(app, maskers, sid, append_to, goes_on,
                             last[0] if last and goes_on is not None else None)
            last[:] = [m]
            return m

        # the context goes to the index: masked like free text under the same rules
        context = SessionMasker(maskers.rules).mask_context(batch.context) \
            if batch.context else None
        try:
            stored = self.store.ingest(
                batch.events, application=app.id, user=batch.user_dict(),
                context=context, live=True, session_id=batch.session_id,
                now_ms=now_ms if now_ms is not None else time.time() * 1000,
                masker_for=masker_for, encoded=encoded,
                batch=BatchKey(app.id, clean_id(batch.session_id), batch.batch_id)
                if batch.batch_id is not None else None)
            if texts is not None:
                self._add_texts(app, batch.session_id, texts.declared)
                self._add_public(app, texts.public)
            with self._lock:
                for sid in begun:
                    if sid in stored:   # (one whose events were all masked away is none)
                        self.arrivals.note(app.name, sid)
            return stored
        except BatchReused as exc:
            raise WireError(Status.CONFLICT, "batch_id_reused", str(exc)) from None
        except SessionDeleted as exc:
            with self._lock:   # what its masker knew (typed values among it) goes too
                maskers.close(clean_id(batch.session_id))
                self._seen.pop(clean_id(batch.session_id), None)
            raise WireError(Status.GONE, "session_deleted", str(exc)) from None
        except BaseException:
            with self._lock:
                for sid in touched:   # their maskers ran ahead of the store: start again
                    maskers.close(sid)
                    self._seen.pop(sid, None)
            raise

    def _session_texts(self, app: Application, client_sid: str) -> dict[str, str]:
        with self._lock:
            return dict(self._texts.get((app.id, clean_id(client_sid))) or {})

    def _add_texts(self, app: Application, client_sid: str, new: dict[str, str]) -> None:
        """Keep `new` among a session's texts, within the bounds: a text let go is found again
        in the stored session, or sent whole again (409)."""
        if not new:
            return
        key = (app.id, clean_id(client_sid))
        with self._lock:
            texts = self._texts.get(key)
            if texts is None:
                texts = self._texts[key] = {}
            self._texts.move_to_end(key)
            self._add_locked(texts, new)

    def _add_locked(self, texts: dict[str, str], new: dict[str, str]) -> None:
        for digest, text in new.items():
            if digest not in texts:
                texts[digest] = text
                self._text_chars += len(text)
        while len(texts) > MAX_SESSION_TEXTS:   # the oldest go first
            self._text_chars -= len(texts.pop(next(iter(texts))))
        while self._texts and (len(self._texts) > MAX_OPEN_SESSIONS
                               or self._text_chars > MAX_TEXT_CHARS):
            _key, gone = self._texts.popitem(last=False)
            self._text_chars -= sum(map(len, gone.values()))

    def _add_public(self, app: Application, new: dict[str, str]) -> None:
        """Keep `new` (public texts, their digests checked) for all of the application's
        sessions, within the bounds."""
        if not new:
            return
        with self._lock:
            texts = self._public.get(app.id)
            if texts is None:
                texts = self._public[app.id] = OrderedDict()
            self._public.move_to_end(app.id)
            for digest, text in new.items():
                if digest not in texts:
                    texts[digest] = text
                    self._public_chars += len(text)
                texts.move_to_end(digest)
            while len(texts) > MAX_APP_TEXTS:
                self._public_chars -= len(texts.popitem(last=False)[1])
            while self._public and self._public_chars > MAX_PUBLIC_CHARS:
                oldest = next(iter(self._public.values()))
                self._public_chars -= len(oldest.popitem(last=False)[1])
                if not oldest:
                    self._public.popitem(last=False)

    def _public_text(self, app: Application, digest: str) -> str | None:
        with self._lock:
            texts = self._public.get(app.id)
            text = texts.get(digest) if texts is not None else None
            if text is not None:
                texts.move_to_end(digest)
            return text

    def _resolve_texts(self, app: Application, client_sid: str, named: compact.Texts) -> None:
        """Put in place the long texts the batch names by digest (compact.Texts): from
        this session's earlier batches seen here, or the application's public texts, else
        from what the session stored (another worker stored it, or this one restarted).
        Refused with nothing stored when a text is unknown: the sender then sends it whole."""
        texts = self._session_texts(app, client_sid)
        missing = named.resolve(
            lambda digest: texts[digest] if digest in texts else self._public_text(app, digest))
        if missing:
            found = self._stored_texts(app, client_sid, set(missing))
            self._add_texts(app, client_sid, found)
            missing = named.resolve(found.get)
        if missing:
            raise WireError(Status.CONFLICT, "unknown_text",
                            f"the batch names {len(missing)} text(s) this session never sent"
                            f" ({missing[0]}) - send the batch again with the texts whole")

    def _stored_texts(self, app: Application, client_sid: str,
                      wanted: set[str]) -> dict[str, str]:
        """digest -> text of the long texts in the session's stored events (stored masked:
        a text the privacy pass changed has another digest, and stays unknown), read from
        the newest segment back until every `wanted` digest is found: a text is named by a
        batch soon after the one that sent it, so mostly one segment is decoded, not the
        whole session."""
        found: dict[str, str] = {}
        for info in self.store.index.sessions_for_client(clean_id(client_sid)):
            if info.application != app.id:
                continue
            with self.store.session(info.id) as reader:
                for i in reversed(range(len(reader.segments))):
                    for event in reader.read_segment(i):
                        compact.collect_texts(event, found)
                    if wanted.issubset(found):
                        return found
        return found

    def _masker(self, app: Application, maskers: SessionMaskers, sid: str,
                append_to: OpenSession | None, goes_on: GoesOn | None = None,
                before: "_Counting | None" = None) -> "_Counting":
        """Session `sid`'s masker, up to date with what is stored of it (`append_to`). A new
        session split off a visit (`goes_on`) goes on with the masker of the session before
        it - `before`, given by this batch; else the visit's stored session's: its DOM only
        when the new one needs its page (else the values typed there alone: a page built
        from storage replays the whole session)."""
        stored = append_to.record_count if append_to is not None else 0
        for other in (append_to, goes_on.session if goes_on is not None else None):
            if other is not None and other.application != app.id:
                raise WireError(Status.CONFLICT, "session_conflict",
                                f"session {other.id} belongs to another application - give"
                                " each visit its own session_id")
        if goes_on is None:
            m = self._current(maskers, sid, stored)
        elif goes_on.needs_page or before is not None:
            visit = goes_on.session
            page = before.masker if before is not None else \
                self._current(maskers, visit.id, visit.record_count)
            with self._lock:   # batches of other sessions run in other threads
                m = maskers.go_on(before.sid if before is not None else visit.id, sid, page)
        else:
            with self._lock:
                m = maskers.start_after(goes_on.session.id, sid)

        def done(n: int) -> None:
            with self._lock:
                self._seen[sid] = stored + n
                self._seen.move_to_end(sid)
                while len(self._seen) > MAX_OPEN_SESSIONS:
                    self._seen.popitem(last=False)
        return _Counting(sid, m, done, self.journal)

    def _current(self, maskers: SessionMaskers, sid: str, stored: int) -> SessionMasker:
        """The masker of session `sid`, which holds `stored` events, up to date with them.
        What is stored is read and replayed outside self._lock - a long session's takes
        seconds, while other sessions' batches go on in other threads; this session's own
        wait on the store's session lock, which the caller holds (ingest)."""
        with self._lock:
            seen = self._seen.get(sid)
            if sid in maskers and seen is not None and seen <= stored:
                m: SessionMasker | None = maskers.get(sid)
                if seen == stored:
                    return m
                since = seen   # another worker appended: catch up with what it stored
            else:              # new here (or rewritten meanwhile): from what is stored
                maskers.close(sid)
                if not stored:
                    m = maskers.get(sid)
                    # (a visit's next session that another worker began: its typed values)
                    self.journal.catch_up(visit_of(sid), m.echoes)
                    m.echoes.feed()
                    return m
                m, since = None, 0
                kept = maskers.typed(sid)   # (what this worker saw of it before)
        events = self.store.events_since(sid, since)[1]
        if m is not None:
            # ... and what was typed in the batches the others took, noted as those events
            # are replayed (the stored events hold those values masked)
            self.journal.catch_up(visit_of(sid), m.echoes)
            m.resume(events)
            return m
        # resumed with the whole journal, each page counted once (the kept echoes, resumed
        # again, counted their pages twice: a keystroke on the way stayed a value); what
        # this worker kept joins as finals when the journal it read is gone (deleted, or
        # made again since: it lacks them)
        built = SessionMasker(maskers.rules)
        self.journal.catch_up(visit_of(sid), built.echoes)
        built.resume(events)
        read, now = (kept.journal_pos if kept is not None else None), built.echoes.journal_pos
        if read is not None and (now is None or now[0] != read[0]):
            for v in kept.final_values():
                built.echoes.add(v)
        with self._lock:
            return maskers.put(sid, built, echoes=built.echoes)

    def compact_idle(self, now_ms: float | None = None) -> list[str]:
        """Compact the sessions that went quiet (any worker may; the lock makes it once)."""
        done = self.store.compact_idle(now_ms, typed=self._typed)
        for sid in done:
            self._rescrub_visit(sid)
        if done:   # the app's pictures of the versions rewritten (a value masked since) go
            remove_stale(self.store.root, self.store.index.segment_files())
        with self._lock:
            for sid in done:
                self._seen.pop(sid, None)
                for *_rules, maskers in self._maskers.values():
                    # its DOM leaves memory, the values typed stay (kept for so many
                    # sessions, the least recently used dropped): the visitor coming back
                    # after these 15 minutes goes on in a new session that masks their echoes
                    maskers.close(sid)
        return done

    def _rescrub_visit(self, sid: str) -> None:
        """The earlier sessions of `sid`'s visit, compacted before a value was typed into a
        masked field in `sid` - the page's coupon shown in one, typed 20 minutes later in the
        next - lose its echoes too (`rescrub_session`: only those holding one are rewritten),
        as an import masks a visit's earlier sessions with what a later one typed: the
        values every worker saw (`_typed`), over the visit's stored sessions - those this
        worker masked, and the others the index lists. What fails is said, never raised:
        the session is compacted already, and the tick goes on."""
        try:
            self._rescrub_visit_of(sid)
        except Exception as exc:  # noqa: BLE001 - said; the next compaction tick goes on
            log.warning("could not mask the visit of session %s again: %s", sid, exc)

    def _rescrub_visit_of(self, sid: str) -> None:
        typed = self._typed(sid)
        info = self.store.index.session(sid)
        if not typed or info is None:
            return
        rules = self._rules_of(info.application)
        if rules is None:
            log.warning("could not mask the visit of session %s again: its application's"
                        " rules could not be read", sid)
            return
        with self._lock:
            seen = [o for *_rules, maskers in self._maskers.values() for o in maskers.visit_of(sid)]
        listed = [i.id for i in self.store.index.sessions_for_client(visit_of(sid))]
        finals = typed.finals()
        for other in dict.fromkeys([*seen, *listed]):
            if other == sid:
                continue
            try:
                rescrub_session(self.store, other, finals, rules)
            except (KeyError, ValueError) as exc:   # deleted meanwhile / nothing readable
                log.warning("could not mask session %s again: %s", other, exc)

    def _rules_of(self, app_id: str | None) -> Rules | None:
        """The rules an application's batches are masked with now (None: no such one)."""
        try:
            apps = Applications(self.store.root)
        except AppError:
            return None
        try:
            app = apps.find(app_id) if app_id else None
        finally:
            apps.close()
        return self.maskers(app).rules if app is not None else None

    def _typed(self, sid: str) -> Echoes | None:
        """The values typed into the session's masked fields: those this worker saw, and
        those the others did (their journal) - a copy: compaction runs in its own thread,
        beside a batch of the visit's next session masking with the echoes it shares."""
        with self._lock:
            seen = next((t for *_rules, maskers in self._maskers.values()
                         if (t := maskers.typed(sid))), None)
            typed = Echoes()
            # (read, never fed: `finals` feeds, and its journal toggled under a batch)
            for v in seen.final_values() if seen is not None else ():
                typed.add(v)
        self.journal.catch_up(visit_of(sid), typed)
        typed.feed()
        return typed or None


def masking_rules(app: Application, folder_rules: Callable[[], Rules]) -> Rules:
    """The rules an application's batches are masked with - the one answer, which the intake
    masks by and everything that shows or re-applies its masking asks: the application's own
    (`replay app rules`), else `folder_rules()` (the rules the intake runs with: `replay serve
    --rules`, else the data folder's active rules), asked for only then."""
    return app_rules(app) if app.rules is not None else folder_rules()


def app_rules(app: Application) -> Rules:
    """The application's own rules (`replay app rules` checked them when they were set)."""
    return parse_rules(app.rules or "", where=f"rules of application {app.name}")


def application_id(data_dir: Path, name_or_id: str) -> str:
    """The id of the data folder's application named (or with the id) `name_or_id`; as it is
    when none is (a session imported with `--app` names its application as it likes)."""
    if not (Path(data_dir) / APPS_FILE).is_file():
        return name_or_id
    apps = Applications(data_dir)
    try:
        return apps.get(name_or_id).id
    except AppError:
        return name_or_id
    except sqlite3.DatabaseError as exc:
        raise AppError(unreadable(data_dir, exc)) from None
    finally:
        apps.close()


def application_names(data_dir: Path) -> dict[str, str]:
    """The data folder's applications' names, by id (what a person knows an application by:
    the sessions list searches and shows them). Empty when the folder has no applications."""
    if not (Path(data_dir) / APPS_FILE).is_file():
        return {}
    apps = Applications(data_dir)
    try:
        return {a.id: a.name for a in apps.list()}
    except sqlite3.DatabaseError as exc:
        raise AppError(unreadable(data_dir, exc)) from None
    finally:
        apps.close()


def stored_apps_rules(data_dir: Path) -> dict[str, tuple[Application, Rules]]:
    """The applications of the data folder that have rules of their own, by id, with those
    rules: what masked their sessions (`masking_rules`); a session of any other application
    was masked with the folder's rules. Empty when the folder has no
    applications (their file is not created to find that out)."""
    if not (Path(data_dir) / APPS_FILE).is_file():
        return {}
    apps = Applications(data_dir)
    try:
        return {a.id: (a, app_rules(a)) for a in apps.list() if a.rules is not None}
    except sqlite3.DatabaseError as exc:
        raise AppError(unreadable(data_dir, exc)) from None
    finally:
        apps.close()
