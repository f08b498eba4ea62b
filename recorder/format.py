"""rrweb's event model as msgspec Structs.

The Structs are the schema: `validate_event` converts a raw event into them and that
conversion *is* the validation. The canonical in-memory form of an event stays the raw
dict (as msgspec decodes JSON or MessagePack into builtins), because the store must keep
every field — known or not — and write it back unchanged. Typed views are taken where a
caller needs them; unknown event types or incremental sources are not errors, they are
kept raw (`UnknownEvent`).
"""
from __future__ import annotations

import enum
import gc
import re
import sys
from contextlib import contextmanager
from typing import Any, Iterator, Sequence, Union

import msgspec
from msgspec import Struct, field

Raw = dict[str, Any]  # an event as decoded from JSON/MessagePack: the stored truth


class EventType(enum.IntEnum):
    DomContentLoaded = 0
    Load = 1
    FullSnapshot = 2
    IncrementalSnapshot = 3
    Meta = 4
    Custom = 5
    Plugin = 6


class IncrementalSource(enum.IntEnum):
    Mutation = 0
    MouseMove = 1
    MouseInteraction = 2
    Scroll = 3
    ViewportResize = 4
    Input = 5
    TouchMove = 6
    MediaInteraction = 7
    StyleSheetRule = 8
    CanvasMutation = 9
    Font = 10
    Log = 11
    Drag = 12
    StyleDeclaration = 13
    Selection = 14
    AdoptedStyleSheet = 15
    CustomElement = 16


class MouseInteractions(enum.IntEnum):
    MouseUp = 0
    MouseDown = 1
    Click = 2
    ContextMenu = 3
    DblClick = 4
    Focus = 5
    Blur = 6
    TouchStart = 7
    TouchMove_Departed = 8
    TouchEnd = 9
    TouchCancel = 10


class NodeType(enum.IntEnum):
    Document = 0
    DocumentType = 1
    Element = 2
    Text = 3
    CDATA = 4
    Comment = 5


class MediaInteractions(enum.IntEnum):
    Play = 0
    Pause = 1
    Seeked = 2
    VolumeChange = 3
    RateChange = 4


# Sources a person causes: rrweb's definition of "activity" for skip-inactivity.
USER_INTERACTION_SOURCES = frozenset(
    {
        IncrementalSource.MouseMove,
        IncrementalSource.MouseInteraction,
        IncrementalSource.Scroll,
        IncrementalSource.ViewportResize,
        IncrementalSource.Input,
        IncrementalSource.TouchMove,
        IncrementalSource.MediaInteraction,
        IncrementalSource.Drag,
        IncrementalSource.Selection,
    }
)

# rrweb's id for a node its mirror does not hold - beneath a blocked element, inside a closed
# shadow root: a focus, click or input on it happened where nothing is recorded
UNRECORDED_NODE = -1

# the Custom event capture.js sends in place of a page snapshot the intake refused (over its
# 1 MB event limit, say): {"why": the intake's words}. Until the next snapshot, that page's
# changes have no page to change (recorder/mirror.py shows a notice instead).
PAGE_NOT_RECORDED = "replay/page-not-recorded"

CONSOLE_PLUGIN = "rrweb/console@1"
RUM_PLUGIN = "replay/rum@1"
NETWORK_PLUGIN = "rrweb/network@1"
# an event key marking events we made, not the recorder (kept on export; rrweb ignores it),
# and what each says it is
SYNTHETIC = "replay:synthetic"
SYNTHETIC_SPLIT = "session-split"   # the Meta + snapshot that start a session split off
SYNTHETIC_USER = "user"             # `replay import --user`'s identify event

Number = Union[int, float]
AttrValue = Union[str, int, float, bool, None, dict]


# --- serialized nodes -------------------------------------------------------------
class SerializedNode(Struct, kw_only=True):
    """A node as rrweb's snapshot serializes it. One struct for all node types: rrweb's
    node unions are keyed on an int `type` that msgspec cannot use as a tag across the
    recursive `childNodes`, so the per-type fields are optional here."""

    type: NodeType
    id: int
    tagName: str | None = None
    attributes: dict[str, AttrValue] | None = None
    childNodes: list["SerializedNode"] | None = None
    isSVG: bool | None = None
    needBlock: bool | None = None
    textContent: str | None = None
    isStyle: bool | None = None
    name: str | None = None
    publicId: str | None = None
    systemId: str | None = None
    rootId: int | None = None
    # a Document's mode when it is not the standard one: QUIRKS_MODE (no doctype), where a
    # browser compares #id and .class selectors in either case (recorder.privacy.selectors)
    compatMode: str | None = None


QUIRKS_MODE = "BackCompat"   # `document.compatMode` of a quirks-mode page (rrweb records it so)


# --- event data ---------------------------------------------------------------------
class MetaData(Struct, kw_only=True):
    href: str = ""
    width: Number = 0
    height: Number = 0
    # capture.js: the visitor's answers to the preferences CSS asks about (recorder.media)
    mediaFeatures: dict[str, Any] | None = None


class FullSnapshotData(Struct, kw_only=True):
    node: SerializedNode
    initialOffset: dict[str, Number] | None = None


class TextMutation(Struct, kw_only=True):
    id: int
    value: str | None


class AttributeMutation(Struct, kw_only=True):
    id: int
    attributes: dict[str, AttrValue]


class RemovedNode(Struct, kw_only=True):
    parentId: int
    id: int
    isShadow: bool | None = None


class AddedNode(Struct, kw_only=True):
    parentId: int
    nextId: int | None = None
    previousId: int | None = None  # legacy (2018-era rrweb)
    node: SerializedNode


class MutationData(Struct, tag_field="source", tag=0, kw_only=True):
    texts: list[TextMutation] = field(default_factory=list)
    attributes: list[AttributeMutation] = field(default_factory=list)
    removes: list[RemovedNode] = field(default_factory=list)
    adds: list[AddedNode] = field(default_factory=list)
    isAttachIframe: bool | None = None


class MousePosition(Struct, kw_only=True):
    x: Number
    y: Number
    id: int | None = None
    timeOffset: Number = 0


class MouseMoveData(Struct, tag_field="source", tag=1, kw_only=True):
    positions: list[MousePosition]


class TouchMoveData(Struct, tag_field="source", tag=6, kw_only=True):
    positions: list[MousePosition]


class DragData(Struct, tag_field="source", tag=12, kw_only=True):
    positions: list[MousePosition]


class MouseInteractionData(Struct, tag_field="source", tag=2, kw_only=True):
    type: int
    id: int
    x: Number | None = None
    y: Number | None = None
    pointerType: int | None = None


class ScrollData(Struct, tag_field="source", tag=3, kw_only=True):
    id: int
    x: Number
    y: Number


class ViewportResizeData(Struct, tag_field="source", tag=4, kw_only=True):
    width: Number
    height: Number


class InputData(Struct, tag_field="source", tag=5, kw_only=True):
    id: int
    text: str | None = None
    isChecked: bool | None = None
    userTriggered: bool | None = None


class MediaInteractionData(Struct, tag_field="source", tag=7, kw_only=True):
    id: int
    type: int
    currentTime: Number | None = None
    volume: Number | None = None
    muted: bool | None = None
    playbackRate: Number | None = None
    loop: bool | None = None


class StyleSheetAdd(Struct, kw_only=True):
    rule: str
    index: int | list[int] | None = None


class StyleSheetDelete(Struct, kw_only=True):
    index: int | list[int]


class StyleSheetRuleData(Struct, tag_field="source", tag=8, kw_only=True):
    id: int | None = None
    styleId: int | None = None
    adds: list[StyleSheetAdd] | None = None
    removes: list[StyleSheetDelete] | None = None
    replace: str | None = None
    replaceSync: str | None = None


class CanvasMutationData(Struct, tag_field="source", tag=9, kw_only=True):
    id: int


class FontData(Struct, tag_field="source", tag=10, kw_only=True):
    family: str
    fontSource: str
    buffer: bool = False


class LogData(Struct, tag_field="source", tag=11, kw_only=True):
    level: str = "log"
    trace: list[str] = field(default_factory=list)
    payload: list[str] = field(default_factory=list)


class StyleDeclarationData(Struct, tag_field="source", tag=13, kw_only=True):
    id: int | None = None
    styleId: int | None = None
    index: list[int] = field(default_factory=list)
    set: dict[str, Any] | None = None
    remove: dict[str, Any] | None = None


class SelectionRange(Struct, kw_only=True):
    start: int
    startOffset: int
    end: int
    endOffset: int


class SelectionData(Struct, tag_field="source", tag=14, kw_only=True):
    ranges: list[SelectionRange]


class AdoptedStyleSheetData(Struct, tag_field="source", tag=15, kw_only=True):
    id: int
    styleIds: list[int] = field(default_factory=list)


class CustomElementData(Struct, tag_field="source", tag=16, kw_only=True):
    define: dict[str, Any] | None = None


IncrementalData = Union[
    MutationData,
    MouseMoveData,
    MouseInteractionData,
    ScrollData,
    ViewportResizeData,
    InputData,
    TouchMoveData,
    MediaInteractionData,
    StyleSheetRuleData,
    CanvasMutationData,
    FontData,
    LogData,
    DragData,
    StyleDeclarationData,
    SelectionData,
    AdoptedStyleSheetData,
    CustomElementData,
]


class CustomData(Struct, kw_only=True):
    tag: str
    payload: Any = None


class PluginData(Struct, kw_only=True):
    plugin: str
    payload: Any = None


# --- events -------------------------------------------------------------------------
class _Event(Struct, tag_field="type", kw_only=True):
    timestamp: Number


class DomContentLoadedEvent(_Event, tag=0):
    data: dict[str, Any] = field(default_factory=dict)


class LoadEvent(_Event, tag=1):
    data: dict[str, Any] = field(default_factory=dict)


class FullSnapshotEvent(_Event, tag=2):
    data: FullSnapshotData


class IncrementalSnapshotEvent(_Event, tag=3):
    data: IncrementalData


class MetaEvent(_Event, tag=4):
    data: MetaData


class CustomEvent(_Event, tag=5):
    data: CustomData


class PluginEvent(_Event, tag=6):
    data: PluginData


KnownEvent = Union[
    DomContentLoadedEvent,
    LoadEvent,
    FullSnapshotEvent,
    IncrementalSnapshotEvent,
    MetaEvent,
    CustomEvent,
    PluginEvent,
]


class UnknownEvent(Struct):
    """An event of a type (or incremental source) this version does not model. It is
    kept and written back unchanged."""

    raw: Raw


# --- plugin payloads ----------------------------------------------------------------
class ConsolePayload(Struct, kw_only=True):
    level: str = "log"
    trace: list[str] = field(default_factory=list)
    payload: list[str] = field(default_factory=list)


class InvalidEvent(ValueError):
    """A raw event that claims a known type but does not fit its schema."""

    def __init__(self, message: str, index: int | None = None):
        self.index = index
        where = f"event #{index}: " if index is not None else ""
        super().__init__(where + message)


KNOWN_TYPES = frozenset(int(t) for t in EventType)   # the event types rrweb defines
_KNOWN_SOURCES = frozenset(int(s) for s in IncrementalSource)


def is_known(raw: Raw) -> bool:
    t = raw.get("type")
    if t not in KNOWN_TYPES:
        return False
    if t == EventType.IncrementalSnapshot:
        data = raw.get("data")
        return isinstance(data, dict) and data.get("source") in _KNOWN_SOURCES
    return True


def validate_event(raw: Any, index: int | None = None) -> KnownEvent | UnknownEvent:
    """Convert a raw event to its typed form. Raises InvalidEvent when the envelope is
    broken or a known type's data does not fit; an unknown type/source is returned as
    UnknownEvent (kept, not rejected). Many events: `invalid_events`."""
    if not _known_envelope(raw, index):
        return UnknownEvent(raw)
    try:
        return msgspec.convert(raw, KnownEvent)
    except msgspec.ValidationError as exc:
        raise InvalidEvent(f"type {raw.get('type')}: {said_invalid(exc)}", index) from None


def _known_envelope(raw: Any, index: int | None) -> bool:
    """Whether `raw` is of a known type (False: kept as UnknownEvent); InvalidEvent when its
    envelope is broken."""
    if isinstance(raw, str):   # (what rrweb_io.unpack_event could not unpack)
        raise InvalidEvent("a string that is neither an event nor an rrweb packer string", index)
    if not isinstance(raw, dict):
        raise InvalidEvent(f"{_kind_of(raw)}, not an event (an object with a type and a"
                           " timestamp)", index)
    ts = raw.get("timestamp")
    if isinstance(ts, bool) or not isinstance(ts, (int, float)):
        raise InvalidEvent("missing or non-numeric 'timestamp'", index)
    if "type" not in raw:
        raise InvalidEvent("missing 'type'", index)
    # a list or an object where rrweb writes a number: no type at all, rather than an unknown
    # one kept (which every reader of types and sources looks up in a set: a TypeError)
    if isinstance(raw["type"], (list, dict)):
        raise InvalidEvent(f"'type' is {_a_container(raw['type'])}, not a number", index)
    data = raw.get("data")
    if raw["type"] == EventType.IncrementalSnapshot and isinstance(data, dict) and \
            isinstance(data.get("source"), (list, dict)):
        raise InvalidEvent(f"'data.source' is {_a_container(data['source'])}, not a number",
                           index)
    return is_known(raw)


def _kind_of(v: Any) -> str:
    """What a JSON value is, in words ("a number", "null") - never the value itself."""
    return "a string" if isinstance(v, str) else _JSON_KINDS.get(type(v), "a number")


# msgspec's names of the JSON types, as a message says them
_SAID_TYPES = {"array": "a list", "object": "an object", "str": "a string", "int": "a whole number",
               "float": "a number", "bool": "true/false", "null": "null"}
_EXPECTED = re.compile(r"Expected `([^`]+)`, got `([^`]+)`")
_MISSING = re.compile(r"Object missing required field `([^`]+)`")
_ENUM = re.compile(r"Invalid enum value (.+)")
_AT = re.compile(r" - at `\$([^`]*)`$")


def said_invalid(exc: msgspec.ValidationError | str, whole: str = "the event") -> str:
    """A msgspec ValidationError in plain words: "Expected `array`, got `str` - at
    `$.data.adds`" is "data.adds is a string, not a list" (what each event type's schema
    refuses; the one place its words are turned into ours). An error of another form is
    said as msgspec says it. `whole`: what the value checked is (at `$`)."""
    text = str(exc)
    m = _AT.search(text)
    path = m.group(1).lstrip(".") if m else ""
    what = text[:m.start()] if m else text
    if path.endswith("[...]"):   # a value of an object (an attribute's)
        where = f"a value in {path[:-5]}" if path[:-5] else "a value"
    else:
        where = path or whole
    if (e := _EXPECTED.fullmatch(what)) is not None:
        got = e.group(2)
        expected = [_SAID_TYPES.get(t.strip(), t.strip()) for t in e.group(1).split("|")]
        if "a number" in expected and "a whole number" in expected:
            expected.remove("a whole number")
        if got == "float" and expected == ["a whole number"]:
            got_said = "a fractional number"
        elif got in ("int", "float"):
            got_said = "a number"
        else:
            got_said = _SAID_TYPES.get(got, got)
        wanted = expected[0] if len(expected) == 1 else \
            f"{', '.join(expected[:-1])} or {expected[-1]}"
        return f"{where} is {got_said}, not {wanted}"
    if (e := _MISSING.fullmatch(what)) is not None:
        return f"{where} has no '{e.group(1)}'"
    if (e := _ENUM.fullmatch(what)) is not None and path:
        # (said as type_shown says it: a long number or a text there may be anyone's data)
        v = e.group(1)
        shown = type_shown(int(v)) if v.lstrip("-").isdigit() else "a text"
        return f"{where} is {shown}, which is not one rrweb defines"
    return text


def _a_container(v: list | dict) -> str:
    return "a list" if isinstance(v, list) else "an object"


_KNOWN_LIST = list[KnownEvent]


def invalid_events(raws: Sequence[Any], first_index: int = 0) -> dict[int, InvalidEvent]:
    """`validate_event` of many events at once: {position in `raws`: its error} for those
    that are not valid (none: all are). The known ones are converted in one call: msgspec
    translates the KnownEvent union anew on every call, which cost twice the conversion
    itself one event at a time (a real 35,586-event recording: 0.72 s one by one, 0.25 s
    in one call). Only when that call finds an invalid event is each one converted alone,
    to name it. Mutation events that certainly fit (`schema_check.fits_mutation`, most of a
    live page's events) are not converted at all."""
    from .schema_check import fits_mutation   # here: schema_check reads this module's enums
    bad: dict[int, InvalidEvent] = {}
    known = []
    for k, raw in enumerate(raws):
        if fits_mutation(raw):
            continue
        try:
            if _known_envelope(raw, first_index + k):
                known.append(raw)
        except InvalidEvent as exc:
            bad[k] = exc
    try:
        msgspec.convert(known, _KNOWN_LIST)
    except msgspec.ValidationError:
        for k, raw in enumerate(raws):
            if k not in bad:
                try:
                    validate_event(raw, first_index + k)
                except InvalidEvent as exc:
                    bad[k] = exc
    return bad


# --- codecs -------------------------------------------------------------------------
# msgspec's codecs recurse once per nesting level and stop at Python's recursion limit
# (1,000 by default, shy of a 500-level DOM: two levels per DOM level). The limit is
# raised so that MAX_NESTING levels always decode, encode and decode again; that depth
# needs 1-2 MB of C stack (Python's threads get 8 MB on Linux, 16 MB on macOS). Deeper
# input is refused as `NestingTooDeep` (a ValueError), never a RecursionError. (Python
# >= 3.12 caps C recursion on its own; there a deep DOM may meet `NestingTooDeep`
# sooner, still by name.)
MAX_NESTING = 5_000
_STACK_MARGIN = 1_000       # Python frames already on the stack when a codec is called
if sys.getrecursionlimit() < MAX_NESTING + _STACK_MARGIN:
    sys.setrecursionlimit(MAX_NESTING + _STACK_MARGIN)


class NestingTooDeep(ValueError):
    """JSON or MessagePack nested deeper than the codecs accept (about MAX_NESTING)."""

    def __init__(self) -> None:
        super().__init__(f"data nests more than {MAX_NESTING:,} levels deep, beyond what a"
                         " recording can hold")


_json_decoder = msgspec.json.Decoder()
_json_encoder = msgspec.json.Encoder()
_mp_decoder = msgspec.msgpack.Decoder()
_mp_encoder = msgspec.msgpack.Encoder()


@contextmanager
def no_gc() -> Iterator[None]:
    """Decoding, masking and rebuilding create millions of small, acyclic objects; the
    cyclic GC would scan the whole heap again and again meanwhile (half the time of a
    decode, a third of an import), and a gen-2 pass in the middle of a seek is a visible
    hitch. Refcounting frees them."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def decode_json(data: bytes | str) -> Any:
    try:
        return _json_decoder.decode(data)
    except RecursionError:
        raise NestingTooDeep() from None


def encode_json(obj: Any) -> bytes:
    try:
        return _json_encoder.encode(obj)
    except RecursionError:
        raise NestingTooDeep() from None


def decode_msgpack(data: bytes) -> Any:
    try:
        return _mp_decoder.decode(data)
    except RecursionError:
        raise NestingTooDeep() from None


def encode_msgpack(obj: Any) -> bytes:
    try:
        return _mp_encoder.encode(obj)
    except RecursionError:
        raise NestingTooDeep() from None


def encode_msgpack_into(obj: Any, buf: bytearray) -> None:
    """`encode_msgpack(obj)` appended to `buf` (values one after another, no copy each)."""
    try:
        _mp_encoder.encode_into(obj, buf, -1)
    except RecursionError:
        raise NestingTooDeep() from None


def replace_lone_surrogates(v: Any) -> Any:
    """A copy with lone surrogates in every string (keys too) replaced by U+FFFD, so
    MessagePack can encode it (Python's json lets them into events). Iterative: events
    carry DOMs nested deeper than Python's stack."""
    def fix(x: Any) -> Any:
        if isinstance(x, str):
            return x.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return x

    holder: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(holder, 0, v)]   # (copy, key in it, original)
    while stack:
        dst, key, src = stack.pop()
        if isinstance(src, list):
            new: Any = [None] * len(src)
            pairs: Any = enumerate(src)
        elif isinstance(src, dict):
            new = {}
            pairs = ((fix(k), x) for k, x in src.items())
        else:
            dst[key] = fix(src)
            continue
        dst[key] = new
        for k, x in pairs:
            new[k] = None                      # keeps the dict's key order
            stack.append((new, k, x))
    return holder[0]


# --- small accessors used everywhere -------------------------------------------------
def event_type(raw: Raw) -> int | None:
    return raw.get("type")


def event_source(raw: Raw) -> int | None:
    if raw.get("type") == EventType.IncrementalSnapshot:
        data = raw.get("data")
        if isinstance(data, dict):
            return data.get("source")
    return None


def plugin_name(raw: Raw) -> str | None:
    if raw.get("type") == EventType.Plugin:
        data = raw.get("data")
        if isinstance(data, dict):
            return data.get("plugin")
    return None


def is_user_interaction(raw: Raw) -> bool:
    return event_source(raw) in USER_INTERACTION_SOURCES


SHOWN_TYPE_DIGITS = 4   # a type number this long is said as it is (rrweb's are 0-6)


def type_shown(t: Any) -> str:
    """An unknown type (of an event, of a RUM payload) as a message may say it: a small
    number, or what it is - never a value a recording made up (a text or a long number
    there can be anything, personal data too, and messages are not masked)."""
    if type(t) is int and len(str(abs(t))) <= SHOWN_TYPE_DIGITS:
        return str(t)
    if isinstance(t, str):
        return f"a text of {len(t):,} characters"
    return _JSON_KINDS.get(type(t), "a number")


_JSON_KINDS = {type(None): "null", bool: "true/false", dict: "an object", list: "a list"}
