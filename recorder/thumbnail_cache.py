"""Where session thumbnails are cached, and which of them are stale (no Qt, no painting).

A thumbnail is painted once per version of a session (from the stored, already masked
segments; never from a raw file; the app paints it: app.thumbnails, app.window.thumbnail_job)
and kept in `DATA/thumbnails/`. Its file name hashes the session id with its segment file
names: a rewrite (`replay mask`, an append, the live intake's compaction) writes new segment
files, so a tightened session never shows an old picture. The pictures of rewritten and
deleted sessions are removed (`remove_stale`) when the app opens or reloads, by every command
that rewrites stored sessions (`replay mask`, `repair`, `import`, the privacy workspace's
Apply) - also when it fails or is interrupted after rewriting some (`swept_after`) - and by
the live intake after it compacts (a value typed later masked where the session showed it),
so no picture stays on disk showing what the rewrite took out.

The painter writes a picture through two temporary files beside it, PICTURE + FRAME_SUFFIX
(the full-size frame) and PICTURE + WRITING_SUFFIX (renamed to PICTURE): a sweep run by a
command while the app paints leaves those of a current version alone (see
`stale_thumbnails`).
"""
from __future__ import annotations

import contextlib
import hashlib
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

THUMBNAILS_DIR = "thumbnails"
PICTURE_SUFFIX = ".png"
FRAME_SUFFIX = ".frame.png"    # the painter's full-size frame of PICTURE, while it scales it
WRITING_SUFFIX = ".tmp"        # the painter's PICTURE being written, renamed when whole
# A painter's temporary file lives for well under a second (written, then read or renamed at
# once); one this old was left by a painter that died, and no painter will finish it.
ABANDONED_AFTER_S = 10 * 60


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def thumbnail_path(data_dir: Path, session_id: str, segment_files: Iterable[str]) -> Path:
    """Where this version of the session's thumbnail is (or will be) cached."""
    version = _key("\n".join(sorted(segment_files)))
    return Path(data_dir) / THUMBNAILS_DIR / f"{_key(session_id)}-{version}.png"


def frame_path(picture: Path) -> Path:
    return picture.with_name(picture.name + FRAME_SUFFIX)


def writing_path(picture: Path) -> Path:
    return picture.with_name(picture.name + WRITING_SUFFIX)


def _picture_of(name: str) -> str | None:
    """The picture a painter's temporary file becomes, or None if `name` is not one."""
    for suffix in (FRAME_SUFFIX, WRITING_SUFFIX):
        if name.endswith(PICTURE_SUFFIX + suffix):
            return name[:-len(suffix)]
    return None


def _abandoned(path: Path, now: float) -> bool:
    try:
        return now - path.stat().st_mtime > ABANDONED_AFTER_S
    except FileNotFoundError:   # the painter just renamed or removed it
        return False


def stale_thumbnails(data_dir: Path, segment_files: dict[str, str] | None) -> list[Path]:
    """Cached pictures of sessions that are gone or were rewritten since (`replay mask`
    tightening the rules, say): to delete, so no picture outlives what it showed.
    `segment_files`: file -> session id, for every stored segment (Index.segment_files);
    None when the index cannot say (then every picture is stale).

    A painter's temporary file (the app may be painting while a command sweeps) is stale
    only if it belongs to a version that is gone - it could only become a stale picture,
    so privacy wins and that one paint fails - or if it is abandoned (older than
    ABANDONED_AFTER_S: its painter died). The temporary files of a current version are the
    painter's work in progress and are left alone; if the painter then dies, a later sweep
    finds them abandoned. Anything else in the folder that is not a current picture goes."""
    folder = Path(data_dir) / THUMBNAILS_DIR
    if not folder.is_dir():
        return []
    by_session: dict[str, list[str]] = {}
    for file, sid in (segment_files or {}).items():
        by_session.setdefault(sid, []).append(file)
    current = {thumbnail_path(data_dir, sid, files).name for sid, files in by_session.items()}
    now = time.time()
    stale = []
    for p in folder.iterdir():
        picture = _picture_of(p.name)
        if picture is None:
            kept = p.name in current
        else:
            kept = picture in current and not _abandoned(p, now)
        if not kept:
            stale.append(p)
    return stale


def remove_stale(data_dir: Path, segment_files: dict[str, str] | None) -> int:
    """Delete the cached pictures `stale_thumbnails` names; returns how many."""
    gone = stale_thumbnails(data_dir, segment_files)
    for p in gone:
        p.unlink(missing_ok=True)
    return len(gone)


@contextlib.contextmanager
def swept_after(data_dir: Path, segment_files: Callable[[], dict[str, str]]) -> Iterator[None]:
    """Around a command that rewrites stored sessions: the stale pictures are removed when
    it ends, also when it fails or is interrupted after rewriting some of them (each
    rewrite is committed on its own: those sessions are new versions whatever comes
    after). Its failure is what the caller sees: if the sweep then fails too (the index
    cannot say which versions are current), every picture goes - they are only a cache,
    painted again - and if even that fails, the command's own failure is still the one
    raised."""
    try:
        yield
    except BaseException:
        try:
            try:
                current = segment_files()
            except Exception:  # noqa: BLE001 - an unreadable index: no picture is current
                current = None
            remove_stale(data_dir, current)
        except OSError:
            pass   # the command's failure is the one to report
        raise
    remove_stale(data_dir, segment_files())


def session_thumbnails(data_dir: Path, session_id: str) -> list[Path]:
    """Every cached picture of a session, whatever its version, and the painter's temporary
    files of it (to erase with it)."""
    folder = Path(data_dir) / THUMBNAILS_DIR
    return sorted(folder.glob(f"{_key(session_id)}-*")) if folder.is_dir() else []


def older_versions(path: Path) -> list[Path]:
    """Thumbnails of the same session beside `path` that belong to older versions."""
    prefix = path.name.split("-")[0]
    return [p for p in path.parent.glob(f"{prefix}-*.png") if p != path]
