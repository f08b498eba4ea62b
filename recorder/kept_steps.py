"""A stored session's steps, kept beside it (recorder.derived): read once from its events,
then taken from the store. The steps are read from the whole recording, its page rebuilt
event by event - 9 CPU-s for a 300,000-event session, every time `replay devtools --tab
steps`, `replay export --title` or a bug report's player asked (a support engineer's tryout).

Kept only for a stored session read as stored (a `SessionReader`: the store keeps derived
data of nothing else, and only from a reader that read every segment); keyed by its
segments and a fingerprint of the code that reads steps, so other code's steps - another
release, a fix to how a step is named - are never served. They are derived from the events
as stored (masked), and a re-mask drops them with the old segments (recorder.derived).
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Iterable

import msgspec

from .derived import code_fingerprint, is_stored_reader
from .format import encode_msgpack
from .steps import Step, steps

log = logging.getLogger(__name__)

STEPS = "steps"      # the derived blob's name
FORMAT = 2           # its layout: MessagePack of list[Step]; bump when Step changes
# the code steps are read by (what recorder.steps imports, and what that does): the steps
# themselves, what they read the events with (semantics, its pages' facts: media), the
# page's CSS and its selectors (cssselect parses them), and what names and masks read
# (target names: the masker's NAMING_TAGS; masked text: detectors, masking)
READ_BY = ("recorder.kept_steps", "recorder.steps", "recorder.semantics", "recorder.media",
           "recorder.mirror", "recorder.page_css", "recorder.privacy.selectors", "cssselect",
           "cssselect.parser", "cssselect.xpath", "recorder.format", "recorder.privacy.masker",
           "recorder.privacy.masking", "recorder.privacy.detectors", "recorder.assets")
_decoder = msgspec.msgpack.Decoder(list[Step])


def params() -> str:
    return f"format={FORMAT};code={code_fingerprint(READ_BY)}"


def steps_of(source: Any, events: Callable[[], Iterable[dict]] | None = None) -> list[Step]:
    """The steps of `source`'s recording: kept ones of a stored session, else read from
    `events()` (default: its events; a caller's may show progress) and kept."""
    kept = _kept(source)
    if kept is not None:
        return kept
    found = steps(events() if events is not None else source.events())
    if is_stored_reader(source):
        source.store.keep_derived(source, STEPS, params(), encode_msgpack(found))
    return found


def _kept(source: Any) -> list[Step] | None:
    if not is_stored_reader(source):
        return None
    blob = source.store.derived(source, STEPS, params())
    if blob is None:
        return None
    try:
        return _decoder.decode(blob)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:   # whole, yet not ours
        log.warning("the kept steps of session %s do not decode (%s): read again",
                    source.id, exc)
        source.store.drop_derived([source.id])
        return None

