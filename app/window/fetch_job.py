"""Session > Fetch Images and Fonts: the images and fonts the page of the stored session on
show referenced by URL, fetched and stored as `replay assets fetch SESSION` does (the one
network step of the app, asked for by a person: recorder.asset_plan says what is asked of
which sites, recorder.asset_fetch how), in a thread of its own with a progress dialog and
Cancel - then the player paints them (ReplayWidget.show_stored_assets)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal

from .jobs import ThreadJob

# said where the summary counts what was not asked for (as `replay assets fetch` says it)
NOT_OURS = "not from the session's sites (replay assets fetch SESSION --origin URL asks another)"


class FetchJob(ThreadJob):
    """Fetch what session `session_id` referenced. Emits `progress(done, total)` after each
    URL (total 0 while the session's pages are read), then `finished(job)`. Afterwards
    `report` is the fetch's (recorder.asset_fetch.Report; None when it could not start),
    `referenced` how many URLs the page referenced, `problem` one line when it could not
    start (the store, the rules or the applications unreadable)."""
    progress = Signal(int, int)
    finished = Signal(object)

    thread_name = "replay-asset-fetch"

    def __init__(self, data_dir: Path, session_id: str):
        super().__init__()
        self.data_dir = Path(data_dir)
        self.session_id = session_id
        self.report = None
        self.referenced = 0
        self.problem: str | None = None

    def _run(self) -> None:
        try:
            self._fetch()
        except Exception as exc:  # noqa: BLE001 - said in the window, never a crash
            self.problem = " ".join(f"nothing was fetched: {exc}".split())
        self.finished.emit(self)

    def _fetch(self) -> None:
        from recorder.asset_fetch import fetch_assets
        from recorder.asset_plan import forget_erased, plan_fetch
        from recorder.asset_store import AssetStore
        from recorder.intake.live import stored_apps_rules
        from recorder.privacy import load_rules
        from recorder.store import Store

        rules = load_rules(None, self.data_dir)
        own = {k: r for k, (_a, r) in stored_apps_rules(self.data_dir).items()}
        self.progress.emit(0, 0)
        with Store.open(self.data_dir) as store:
            plan = plan_fetch(store, self.data_dir, [self.session_id], rules, own)
            if self.session_id not in plan.wanted:
                self.problem = f"nothing was fetched: session {self.session_id} was erased"
                return
            self.referenced = plan.referenced()
            if self.cancelled or not self.referenced:
                return
            with AssetStore(self.data_dir) as assets:
                try:
                    self.report = fetch_assets(
                        assets, plan.asked, allow=plan.allows, stop=lambda: self.cancelled,
                        progress=lambda done, total, _url: self.progress.emit(done, total))
                finally:
                    forget_erased(store, assets, plan)
                self.report.refused = len(plan.refused)
                self.report.wanted = self.referenced

    def fetched_any(self) -> bool:
        return self.report is not None and self.report.fetched > 0

    def summary(self) -> str:
        """What was done, one line for the status bar."""
        if self.problem is not None:
            return self.problem
        if self.report is None:
            if self.cancelled:
                return "Fetching images and fonts stopped: nothing was fetched"
            return ("Nothing to fetch: the session's page referenced no image or font by URL"
                    " (or only ones the privacy rules mask)")
        said = self.report.summary(refused=NOT_OURS)
        said = said[0].upper() + said[1:]
        if self.cancelled:
            said += " (stopped)"
        return said

    def failures(self) -> int:
        """URLs referenced that are still not stored (failed or not asked for)."""
        if self.report is None:
            return 0
        return sum(self.report.failed.values()) + self.report.refused

    def failure_lines(self, most: int = 8) -> list[str]:
        """The first failed URLs, each with why (the report keeps the first MAX_ERRORS)."""
        if self.report is None:
            return []
        out = self.report.failed_lines(most)
        more = sum(self.report.failed.values()) - len(out)
        if more > 0:
            out.append(f"... and {more:,} more")
        return out
