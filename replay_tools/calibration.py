"""Describe a recording by the figures the storage, privacy and player costs depend on, and
say how far two descriptions are apart: how the generator is calibrated against real
recordings (`benchmarks/calibrate.py`).

`describe(events)` gives, for any rrweb event list:
- the event mix: per kind (`kind_of`: an incremental source, an event type, or a plugin
  by name) its share of the events and of the JSON bytes, and its event sizes
  (mean / p50 / p95 bytes of compact JSON, as rrweb's recorder writes them);
- the mutation shape: adds, removes, texts and attribute changes per mutation event, the
  length of text values and attribute values;
- time density: events per second over the span, and per one-second window (p50 / p95);
- compressibility: gzip -6 of the JSON array, and the store's own segments
  (`recorder.segments`, the compact codec, cut as the store cuts them), for the whole
  recording and per kind (each kind's events alone, as `benchmarks/storage.py` reports).

`distance(reference, other)` turns every figure into an error in [0, 1] — the total
variation distance for the two mixes, the relative gap `1 - min/max` for every other
figure — and their mean is the score; `closeness = 1 - score`. Pure: no files, no clock.
"""
from __future__ import annotations

import math
import statistics
import zlib
from collections import defaultdict
from typing import Any, Iterable, Sequence

import msgspec
from msgspec import Struct

from recorder.format import EventType, IncrementalSource
from recorder.segments import (COMPACT_CODEC, MAX_SEGMENT_BYTES, MAX_SEGMENT_RECORDS, describe as
                               segment_meta, encode_segment, plan_segments)

GZIP_LEVEL = 6
_GZIP_WBITS = 31  # a gzip stream, as `gzip -6` writes
_SECOND_MS = 1000

_EVENT_NAMES = {t.value: t.name for t in EventType}
_SOURCE_NAMES = {s.value: s.name for s in IncrementalSource}


class Sizes(Struct, kw_only=True):
    """A distribution in brief."""
    mean: float = 0.0
    p50: float = 0.0
    p95: float = 0.0


class KindFigures(Struct, kw_only=True):
    events: int
    bytes: int                    # compact JSON of these events, one separator each
    event_share: float
    byte_share: float
    size: Sizes                   # bytes per event
    gzip_ratio: float | None = None     # raw / gzip -6 of this kind's events alone
    stored_ratio: float | None = None   # raw / the store's segments of them alone


class MutationShape(Struct, kw_only=True):
    events: int = 0
    adds: Sizes = msgspec.field(default_factory=Sizes)        # per mutation event
    removes: Sizes = msgspec.field(default_factory=Sizes)
    texts: Sizes = msgspec.field(default_factory=Sizes)
    attributes: Sizes = msgspec.field(default_factory=Sizes)  # attribute changes (name=value)
    added_text_share: float = 0.0  # of added nodes, the text nodes
    text_value: Sizes = msgspec.field(default_factory=Sizes)  # characters, texts[].value
    attribute_value: Sizes = msgspec.field(default_factory=Sizes)  # characters of string values


class Description(Struct, kw_only=True):
    events: int
    bytes: int                 # the JSON array
    duration_s: float
    events_per_s: float        # over the whole span
    per_second: Sizes          # events in each one-second window of the span
    size: Sizes                # bytes per event, all kinds
    kinds: dict[str, KindFigures]
    mutation: MutationShape
    gzip_ratio: float | None = None     # raw / gzip -6 of the whole array
    stored_ratio: float | None = None   # raw / the store's segments
    stored_vs_gzip: float | None = None


class Closeness(Struct, kw_only=True):
    errors: dict[str, float]   # figure -> error in [0, 1] (0: the same)
    score: float               # the mean error
    closeness: float           # 1 - score


def kind_of(event: Any) -> str:
    """The kind a figure is kept under: `Mutation`, `MouseMove`, ... for incremental
    snapshots, `Plugin rrweb/console@1` for plugins, the event type's name otherwise."""
    t = event.get("type") if isinstance(event, dict) else None
    data = event.get("data") if isinstance(event, dict) else None
    data = data if isinstance(data, dict) else {}
    if t == EventType.IncrementalSnapshot:
        src = data.get("source")
        return _SOURCE_NAMES.get(src, f"source {src}")
    if t == EventType.Plugin:
        return f"Plugin {data.get('plugin')}"
    return _EVENT_NAMES.get(t, f"type {t}")


def sizes(values: Sequence[float]) -> Sizes:
    """Mean, p50 and p95 (linear interpolation between order statistics, numpy's default)."""
    if not values:
        return Sizes()
    if len(values) == 1:
        v = float(values[0])
        return Sizes(mean=v, p50=v, p95=v)
    q = statistics.quantiles(values, n=100, method="inclusive")
    return Sizes(mean=statistics.fmean(values), p50=float(statistics.median(values)), p95=q[94])


def _gzip_size(chunks: Iterable[bytes]) -> int:
    """gzip -6 of the chunks written as one JSON array."""
    z = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, _GZIP_WBITS)
    out = 0
    first = True
    for c in chunks:
        out += len(z.compress((b"[" if first else b",") + c))
        first = False
    out += len(z.compress(b"[]" if first else b"]"))
    return out + len(z.flush())


def _stored_size(events: Sequence[dict], cuts: Iterable[tuple[int, int]]) -> int:
    """The store's segment files for these events: compact codec, framing, checksum."""
    return sum(len(encode_segment("calibration", segment_meta(events[a:b], i, "init", None),
                                  events[a:b], COMPACT_CODEC))
               for i, (a, b) in enumerate(cuts))


def _value_len(v: Any) -> int | None:
    if v is None:
        return None   # a removed attribute
    if isinstance(v, str):
        return len(v)
    return len(msgspec.json.encode(v))   # a style diff: {"width": "10%"}


def _mutation_shape(mutations: list[dict]) -> MutationShape:
    adds, removes, texts, attrs, text_len, attr_len = [], [], [], [], [], []
    added = added_text = 0
    for d in mutations:
        a = d.get("adds") or []
        adds.append(len(a))
        removes.append(len(d.get("removes") or []))
        t = d.get("texts") or []
        texts.append(len(t))
        for x in t:
            v = x.get("value") if isinstance(x, dict) else None
            if isinstance(v, str):
                text_len.append(len(v))
        changes = 0
        for x in d.get("attributes") or []:
            pairs = x.get("attributes") if isinstance(x, dict) else None
            if isinstance(pairs, dict):
                changes += len(pairs)
                attr_len.extend(n for n in map(_value_len, pairs.values()) if n is not None)
        attrs.append(changes)
        for x in a:
            node = x.get("node") if isinstance(x, dict) else None
            if isinstance(node, dict):
                added += 1
                added_text += node.get("type") == 3
    return MutationShape(events=len(mutations), adds=sizes(adds), removes=sizes(removes),
                         texts=sizes(texts), attributes=sizes(attrs),
                         added_text_share=added_text / added if added else 0.0,
                         text_value=sizes(text_len), attribute_value=sizes(attr_len))


def describe(events: Sequence[dict], *, compress: bool = True) -> Description:
    """The figures of one recording (see the module docstring). `compress=False` skips
    gzip and the store's codec (most of the time it takes)."""
    enc = msgspec.json.Encoder()
    blobs = [enc.encode(e) for e in events]
    n = len(events)
    total = sum(len(b) for b in blobs) + max(n - 1, 0) + 2   # the array: "[", commas, "]"
    groups: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(events):
        groups[kind_of(e)].append(i)
    ev_bytes = sum(len(b) + 1 for b in blobs) or 1
    kinds: dict[str, KindFigures] = {}
    for kind, idx in sorted(groups.items(), key=lambda kv: -sum(len(blobs[i]) for i in kv[1])):
        kb = [len(blobs[i]) for i in idx]
        raw = sum(kb) + len(kb)
        figs = KindFigures(events=len(idx), bytes=raw, event_share=len(idx) / n,
                           byte_share=raw / ev_bytes, size=sizes(kb))
        if compress:
            figs.gzip_ratio = raw / _gzip_size(blobs[i] for i in idx)
            evs = [events[i] for i in idx]
            cuts = [(a, min(len(evs), a + MAX_SEGMENT_RECORDS))
                    for a in range(0, len(evs), MAX_SEGMENT_RECORDS)]
            figs.stored_ratio = raw / _stored_size(evs, cuts)
        kinds[kind] = figs
    ts = [e.get("timestamp") for e in events if isinstance(e.get("timestamp"), (int, float))]
    t0, t1 = (min(ts), max(ts)) if ts else (0, 0)
    duration_s = (t1 - t0) / _SECOND_MS
    windows = [0] * (int((t1 - t0) // _SECOND_MS) + 1) if ts else []
    for t in ts:
        windows[int((t - t0) // _SECOND_MS)] += 1
    d = Description(events=n, bytes=total, duration_s=duration_s,
                    events_per_s=n / duration_s if duration_s else 0.0,
                    per_second=sizes(windows), size=sizes([len(b) for b in blobs]), kinds=kinds,
                    mutation=_mutation_shape([events[i]["data"] for i in groups.get("Mutation", ())
                                              if isinstance(events[i].get("data"), dict)]))
    if compress and n:
        d.gzip_ratio = total / _gzip_size(blobs)
        cuts = [(a, b) for a, b, _ in plan_segments(events, [len(b) for b in blobs],
                                                     max_records=MAX_SEGMENT_RECORDS,
                                                     max_bytes=MAX_SEGMENT_BYTES)]
        d.stored_ratio = total / _stored_size(events, cuts)
        d.stored_vs_gzip = d.stored_ratio / d.gzip_ratio
    return d


# --- distance --------------------------------------------------------------------------------
def gap(a: float | None, b: float | None) -> float:
    """The relative gap of two figures, in [0, 1]: 0 when equal, 0.5 when one is twice the
    other, 1 when one is zero (or missing) and the other is not."""
    if a is None or b is None:
        return 0.0 if a is b else 1.0
    a, b = abs(a), abs(b)
    if a == b:
        return 0.0
    return 1.0 - min(a, b) / max(a, b)


def total_variation(p: dict[str, float], q: dict[str, float]) -> float:
    """Half the L1 distance of two share distributions: the share of one that would have
    to move to turn it into the other (0 .. 1)."""
    return 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in p.keys() | q.keys())


def figures(d: Description) -> dict[str, float | None]:
    """The scalar figures compared by `distance` (the mixes are compared whole)."""
    m = d.mutation
    mut = d.kinds.get("Mutation")
    return {
        "bytes per event, mean": d.size.mean,
        "bytes per event, p50": d.size.p50,
        "bytes per event, p95": d.size.p95,
        "mutation bytes, mean": mut.size.mean if mut else 0.0,
        "mutation bytes, p50": mut.size.p50 if mut else 0.0,
        "mutation bytes, p95": mut.size.p95 if mut else 0.0,
        "adds per mutation": m.adds.mean,
        "removes per mutation": m.removes.mean,
        "texts per mutation": m.texts.mean,
        "attribute changes per mutation": m.attributes.mean,
        "added nodes that are text": m.added_text_share,
        "text value length, mean": m.text_value.mean,
        "attribute value length, mean": m.attribute_value.mean,
        "events/s": d.events_per_s,
        "events/s, p95 second": d.per_second.p95,
        "gzip -6 ratio": d.gzip_ratio,
        "stored ratio": d.stored_ratio,
        "stored vs gzip -6": d.stored_vs_gzip,
    }


def compressibility_gap(ref: Description, other: Description) -> float:
    """The stored ratio per kind, weighted by the kind's share of the reference's bytes
    (a kind the other lacks counts as a full gap)."""
    out = 0.0
    for kind, k in ref.kinds.items():
        o = other.kinds.get(kind)
        out += k.byte_share * gap(k.stored_ratio, o.stored_ratio if o else None)
    return out


def distance(ref: Description, other: Description) -> Closeness:
    """How far `other` is from `ref`, figure by figure (each an error in [0, 1])."""
    errors = {
        "event mix (TV)": total_variation({k: v.event_share for k, v in ref.kinds.items()},
                                          {k: v.event_share for k, v in other.kinds.items()}),
        "byte mix (TV)": total_variation({k: v.byte_share for k, v in ref.kinds.items()},
                                         {k: v.byte_share for k, v in other.kinds.items()}),
    }
    a, b = figures(ref), figures(other)
    for name in a:
        errors[name] = gap(a[name], b[name])
    if ref.stored_ratio is not None and other.stored_ratio is not None:
        errors["stored ratio per kind"] = compressibility_gap(ref, other)
    score = math.fsum(errors.values()) / len(errors)
    return Closeness(errors=errors, score=score, closeness=1.0 - score)
