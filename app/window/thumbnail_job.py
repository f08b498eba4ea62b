"""The thumbnail painter, a background process so the window never waits for Chromium:

    python -m app.window.thumbnail_job --data DIR

reads `SESSION_ID<TAB>PATH` lines on stdin and, for each, paints the stored session's first
meaningful frame (app.thumbnails) with the player's offscreen painter, scaled to
`thumbnails.SIZE`, written atomically to PATH; answers `ok<TAB>ID` or `fail<TAB>ID<TAB>why`
on stdout. Only stored sessions are painted: they were masked before they were stored."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def paint(store, session_id: str, path: Path) -> None:
    from PySide6.QtCore import Qt

    from app.thumbnails import PAINT_SIZE, SIZE, first_meaningful_ms
    from recorder.thumbnail_cache import frame_path, older_versions, writing_path
    from player.qt.standalone import screenshot
    from PySide6.QtGui import QImage

    src = store.session(session_id)
    try:
        at = first_meaningful_ms(src.events())
        if at is None:
            raise ValueError("the session has no full snapshot to paint")
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = frame_path(path)
        try:
            screenshot(src, at, frame, size=PAINT_SIZE)
            img = QImage(str(frame)).scaled(*SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.SmoothTransformation)
        finally:
            frame.unlink(missing_ok=True)
    finally:
        src.close()
        # the player let go now: no event loop runs until the next paint (this process
        # waits on its stdin), whose opening its collection would come in
        from player.qt.replay_widget import collect_released_now
        collect_released_now()
    tmp = writing_path(path)
    if not img.save(str(tmp), "PNG"):
        raise OSError(f"could not write {tmp}")
    os.replace(tmp, path)
    for old in older_versions(path):   # a rewritten session's old picture goes
        old.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    args = ap.parse_args(argv)
    from player.qt.standalone import application, prepare_qt_environment

    prepare_qt_environment(offscreen=True)
    application()
    from recorder.store import Store

    store = Store.open(args.data)
    try:
        for line in sys.stdin:
            sid, _, path = line.rstrip("\n").partition("\t")
            if not sid or not path:
                continue
            try:
                paint(store, sid, Path(path))
            except Exception as exc:  # noqa: BLE001 - one bad session must not stop the rest
                why = " ".join(str(exc).split()) or type(exc).__name__
                print(f"fail\t{sid}\t{why}", flush=True)
            else:
                print(f"ok\t{sid}", flush=True)
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
