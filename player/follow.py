"""Following a live session as it grows (`replay play SESSION --follow`), without Qt.

`LiveTail` keeps the events read so far and asks the store only for the ones after them
(`LocalStore.events_since`, counted in events, so a compaction in between changes
nothing). `replayer()` rebuilds the player's index over everything read; the Qt side
(player/qt/follow.py) polls and swaps it in - until `live` says nothing more can come.
"""
from __future__ import annotations

from typing import Any

from recorder.source import MemorySource

from .replayer import Replayer


class LiveTail:
    def __init__(self, store: Any, session_id: str):
        self.store = store
        self.id = store.resolve(session_id)
        self.events: list[dict] = []
        self.info = None
        self.live = True   # whether more may come after what was read (`poll` says)
        self.serving = True   # ... and whether an intake serves its folder now (it may come)
        # the images fetched for it (recorder.asset_store): one lookup for the whole follow,
        # shared by every source built here - the view serving its keys keeps the first
        from recorder.asset_store import FolderAssets
        self.assets = FolderAssets(store.root, self.id)
        self.poll()

    def poll(self) -> int:
        """Read what was stored since the last poll; how many events arrived. `live` then
        says whether more may come: not once the session is compacted (`may_grow`: the
        intake compacts a session gone quiet, and an event after that starts a session of
        its own) - an intake stopped and started again goes on with it; `serving`, whether
        an intake serves the folder now (while none does, nothing arrives). Asked before the
        read, so a `live` False means the events read are all there will be."""
        self.live = self.store.may_grow(self.id)
        self.serving = self.store.serving()
        self.info, new = self.store.events_since(self.id, len(self.events))
        self.events += new
        if new or not self.live:   # images fetched meanwhile (the intake, once it is quiet)
            self.assets.reload()
        return len(new)

    def source(self) -> MemorySource:
        i = self.info
        user = {"id": i.user_id, "name": i.user_name, "email": i.user_email} if i else None
        src = MemorySource(self.id, list(self.events),
                           application=i.application if i else None,
                           user={k: v for k, v in (user or {}).items() if v} or None,
                           context=i.context if i else None)
        src.assets = self.assets
        return src

    def replayer(self) -> Replayer:
        return Replayer(self.source(), mode="eager")
