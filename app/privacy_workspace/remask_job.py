"""Apply: every stored session re-masked under the saved rules, as `replay mask --all` does
it, in a thread on a store of its own, so the window never freezes (on 8,002 sessions the
rewrite took minutes with nothing on screen), with progress, and Cancel stopping between two
sessions - each one rewritten whole or not at all."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal

from recorder.intake.live import stored_apps_rules
from recorder.privacy import Rules
from recorder.privacy.remask import RemaskResult, remask_sessions
from recorder.store import Store

from recorder.thumbnail_cache import swept_after
from ..window.jobs import ThreadJob


class RemaskJob(ThreadJob):
    """Re-mask the stored sessions of `data_dir` under `rules` (a session of an application
    with rules of its own under those). Emits `progress(done,
    total)` before each session and `finished(job)` at the end; `results` are those of the
    sessions rewritten (or found unchanged), `done` how many were looked at, `total` how many
    there were, `failure` one line when it stopped on an error (the sessions done before it
    stay done: each is committed on its own)."""
    progress = Signal(int, int)
    finished = Signal(object)

    thread_name = "replay-remask"

    def __init__(self, data_dir: Path, rules: Rules):
        super().__init__()
        self.data_dir = Path(data_dir)
        self.rules = rules
        self.results: list[RemaskResult] = []
        self.done = self.total = 0
        self.failure: str | None = None

    def _run(self) -> None:
        def said(done: int, total: int, _session_id: str) -> None:
            self.done, self.total = done, total
            self.progress.emit(done, total)
        try:
            # a session of an application with rules of its own: under those, as the intake
            # masked it (`replay mask --all`'s way: recorder.privacy.remask.rules_of)
            own = {a: r for a, (_, r) in stored_apps_rules(self.data_dir).items()}
            with Store.open(self.data_dir) as store:
                # cached pictures of the old versions show what the rules now mask: they
                # go, also when a later session fails after some were rewritten
                with swept_after(self.data_dir, store.index.segment_files):
                    self.results = remask_sessions(store, None, self.rules, progress=said,
                                                   own=own, stop=lambda: self.cancelled)
        except Exception as exc:  # noqa: BLE001 - said on the page, never a crash
            self.failure = " ".join(str(exc).split()) or type(exc).__name__
        self.finished.emit(self)

    @property
    def changed(self) -> int:
        return sum(r.changed for r in self.results)

    @property
    def stopped(self) -> bool:
        """Some sessions were not looked at (Cancel, or a failure part way)."""
        return self.done < self.total or self.failure is not None
