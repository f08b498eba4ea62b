"""Session thumbnails, with no Qt: which moment to paint and where the picture is cached.

A thumbnail is painted once per version of a session (from the stored, already masked
segments; never from a raw file) and kept in `DATA/thumbnails/`. Its file name hashes the
session id with its segment file names: a rewrite (`replay mask`, an append) writes new
segment files, so a tightened session never shows an old picture. The pictures of
rewritten and deleted sessions are removed (`remove_stale`) when the app opens or reloads,
and by every command that rewrites stored sessions (`replay mask`, `repair`, `import`), so
no picture stays on disk showing what the rewrite took out.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable

from recorder.format import EventType, IncrementalSource

THUMBNAILS_DIR = "thumbnails"
SIZE = (160, 100)        # the picture kept (the table shows it at this size)
PAINT_SIZE = (800, 500)  # the player it is painted in, scaled down after
SETTLE_MS = 1500         # a page's first frame is often half-built: wait this long at most
# what a visitor does that changes the page: the frame just before the first one of these
_INTERACTIONS = {IncrementalSource.MouseInteraction, IncrementalSource.Input,
                 IncrementalSource.Scroll}


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def thumbnail_path(data_dir: Path, session_id: str, segment_files: Iterable[str]) -> Path:
    """Where this version of the session's thumbnail is (or will be) cached."""
    version = _key("\n".join(sorted(segment_files)))
    return Path(data_dir) / THUMBNAILS_DIR / f"{_key(session_id)}-{version}.png"


def stale_thumbnails(data_dir: Path, segment_files: dict[str, str]) -> list[Path]:
    """Cached pictures of sessions that are gone or were rewritten since (`replay mask`
    tightening the rules, say): to delete, so no picture outlives what it showed.
    `segment_files`: file -> session id, for every stored segment (Index.segment_files)."""
    folder = Path(data_dir) / THUMBNAILS_DIR
    if not folder.is_dir():
        return []
    by_session: dict[str, list[str]] = {}
    for file, sid in segment_files.items():
        by_session.setdefault(sid, []).append(file)
    current = {thumbnail_path(data_dir, sid, files).name for sid, files in by_session.items()}
    return [p for p in folder.iterdir() if p.name not in current]


def remove_stale(data_dir: Path, segment_files: dict[str, str]) -> int:
    """Delete the cached pictures `stale_thumbnails` names; returns how many."""
    gone = stale_thumbnails(data_dir, segment_files)
    for p in gone:
        p.unlink(missing_ok=True)
    return len(gone)


def session_thumbnails(data_dir: Path, session_id: str) -> list[Path]:
    """Every cached picture of a session, whatever its version (to erase with it)."""
    folder = Path(data_dir) / THUMBNAILS_DIR
    return sorted(folder.glob(f"{_key(session_id)}-*.png")) if folder.is_dir() else []


def older_versions(path: Path) -> list[Path]:
    """Thumbnails of the same session beside `path` that belong to older versions."""
    prefix = path.name.split("-")[0]
    return [p for p in path.parent.glob(f"{prefix}-*.png") if p != path]


def first_meaningful_ms(events: Iterable[dict]) -> float | None:
    """Milliseconds after the first event of the frame that shows the page as the visitor
    first saw it: the first full snapshot, plus up to SETTLE_MS for the page to finish
    building, but before the visitor's first click, input or scroll. None without a full
    snapshot (nothing to paint). Reads only as far as it needs."""
    first = snapshot = last = None
    for e in events:
        ts = e.get("timestamp")
        if not isinstance(ts, (int, float)):
            continue
        if first is None:
            first = ts
        if snapshot is None:
            if e.get("type") == EventType.FullSnapshot:
                snapshot = ts
            continue
        if ts > snapshot + SETTLE_MS:
            return snapshot + SETTLE_MS - first
        data = e.get("data")
        if e.get("type") == EventType.IncrementalSnapshot and isinstance(data, dict) \
                and data.get("source") in _INTERACTIONS:
            return max(snapshot, ts - 1) - first
        last = ts
    if snapshot is None:
        return None
    return max(snapshot, last or snapshot) - first
