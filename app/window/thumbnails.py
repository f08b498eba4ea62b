"""Thumbnails for the session table, painted in a background process
(app.window.thumbnail_job) one at a time and cached in the data folder (app.thumbnails):
the table asks for a picture, gets it if it is cached, and is told when a missing one is
ready. The window never waits for Chromium."""
from __future__ import annotations

import sys
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, Signal
from shiboken6 import isValid
from PySide6.QtGui import QPixmap

from recorder.store import LocalStore

from recorder.thumbnail_cache import remove_stale, thumbnail_path

KEPT_PIXMAPS = 400   # pictures kept in memory (the rest are read again from the cache)


class ThumbnailService(QObject):
    ready = Signal(str)   # session id whose picture is now cached

    def __init__(self, store: LocalStore, parent: QObject | None = None, *,
                 enabled: bool = True):
        super().__init__(parent)
        self.store = store
        self.enabled = enabled
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._paths: dict[str, Path | None] = {}   # None: nothing to paint (no segments)
        self._failed: dict[str, str] = {}
        self._queue: list[str] = []
        self._busy: str | None = None
        self._proc: QProcess | None = None
        self._out = b""

    def pixmap(self, session_id: str) -> QPixmap | None:
        """The cached picture, or None (then it is painted, unless it cannot be)."""
        pm = self._pixmaps.get(session_id)
        if pm is not None:
            self._pixmaps.move_to_end(session_id)
            return pm
        path = self._path(session_id)
        if path is None:
            return None
        if path.is_file():
            pm = QPixmap(str(path))
            if not pm.isNull():
                self._pixmaps[session_id] = pm
                if len(self._pixmaps) > KEPT_PIXMAPS:
                    self._pixmaps.popitem(last=False)
                return pm
        if self.enabled and session_id not in self._failed and session_id != self._busy \
                and session_id not in self._queue:
            self._queue.append(session_id)
            self._next()
        return None

    def sweep(self) -> int:
        """Delete the cached pictures of sessions rewritten or deleted since they were
        painted; returns how many."""
        return remove_stale(self.store.root, self.store.index.segment_files())

    def failure(self, session_id: str) -> str | None:
        return self._failed.get(session_id)

    def forget(self) -> None:
        """After the store changed (an import, a re-mask): look the files up again."""
        self._paths.clear()
        self._pixmaps.clear()
        self._failed.clear()

    def prioritise(self, session_ids: list[str]) -> None:
        """Paint these first (the rows on screen), drop queued ones no longer shown."""
        wanted = set(session_ids)
        self._queue = [s for s in self._queue if s in wanted]

    def idle(self) -> bool:
        return self._busy is None and not self._queue

    def _path(self, session_id: str) -> Path | None:
        if session_id not in self._paths:
            files = [s.file for s in self.store.index.segments(session_id)]
            self._paths[session_id] = (thumbnail_path(self.store.root, session_id, files)
                                       if files else None)
        return self._paths[session_id]

    def _next(self) -> None:
        if self._busy is not None or not self._queue:
            return
        sid = self._queue.pop()   # the newest request: the row the person looks at now
        path = self._path(sid)
        if path is None:
            return self._next()
        if self._proc is None or self._proc.state() == QProcess.ProcessState.NotRunning:
            self._start()
        self._busy = sid
        self._proc.write(f"{sid}\t{path}\n".encode("utf-8"))

    def _start(self) -> None:
        proc = QProcess(self)
        proc.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        proc.readyReadStandardOutput.connect(self._read)
        proc.finished.connect(self._ended)
        proc.start(sys.executable, ["-m", "app.window.thumbnail_job", "--data",
                                    str(self.store.root)])
        self._proc = proc
        self._out = b""

    def _read(self) -> None:
        proc = self._proc
        if proc is None or not isValid(proc):   # shut down, or Qt deleted it at exit
            return
        self._out += bytes(proc.readAllStandardOutput())
        while b"\n" in self._out:
            line, self._out = self._out.split(b"\n", 1)
            status, sid, *why = line.decode("utf-8", "replace").split("\t")
            if sid != self._busy:
                continue
            self._busy = None
            if status == "ok":
                self.ready.emit(sid)
            else:
                self._failed[sid] = why[0] if why else "not painted"
            self._next()

    def _ended(self, *_args) -> None:
        """The painter died (a crash in Chromium): that session is not tried again."""
        if self._busy is not None:
            self._failed[self._busy] = "the painter stopped"
            self._busy = None
        self._proc = None
        self._next()

    def shutdown(self) -> None:
        if self._proc is not None:
            proc, self._proc = self._proc, None
            proc.finished.disconnect(self._ended)
            proc.closeWriteChannel()   # the painter ends at end of input
            if not proc.waitForFinished(10_000):   # Chromium takes a while to wind down
                proc.kill()
                proc.waitForFinished(1000)
