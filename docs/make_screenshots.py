"""Paint the README's screenshots of the player on the demo session, offscreen, at the size
its window opens at: docs/screenshots/player.png, one per dev-tools tab (console, errors,
network, actions, performance, session) and the timeline's legend (legend.png).

    python docs/make_screenshots.py [--session assets/demo/demo-session.json]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from player.qt.standalone import WINDOW_SIZE, prepare_qt_environment  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--session", type=Path, default=ROOT / "assets" / "demo" / "demo-session.json")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    prepare_qt_environment(offscreen=True)

    from player.qt.standalone import application, dispose, grab_stable
    from recorder.source import open_recording

    app = application()  # noqa: F841
    from player.qt.replay_widget import ReplayWidget

    src = open_recording(str(args.session), ROOT)
    w = ReplayWidget(src)
    w.resize(*WINDOW_SIZE)
    w.show()
    w.wait_ready()
    sv = w.session
    # the most telling moment: just after the first frustrated click or error, else mid-way
    moments = [m.t for m in sv.markers if m.kind in ("rage_click", "error_click", "error")]
    hero = (moments[0] + 400) if moments else sv.duration_ms // 2
    rage = [m.t for m in sv.markers if m.kind == "rage_click"]
    # the player shot: just after a rage click, ripples and the cursor trail visible
    hero_player = next((c[0] + 150 for c in sv.clicks if rage and c[0] >= rage[0]), hero)
    args.out.mkdir(parents=True, exist_ok=True)

    def shot(name: str, tab: str, t: int) -> None:
        w.devtools.setCurrentWidget(w.devtools.tabs[tab])
        w.seek_and_wait(int(t))
        w.devtools.set_time(int(t))
        img = grab_stable(w, w.bridge)
        path = args.out / f"{name}.png"
        img.save(str(path), "PNG")
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    def first_row_at(rows: list[dict], pred=lambda r: True) -> int | None:
        return next((r["t"] for r in rows if pred(r)), None)

    shot("player", "console", hero_player)
    shot("console", "console", hero)
    err_t = first_row_at(sv.errors)
    if err_t is not None:
        tab = w.devtools.errors
        tab.table.selectRow(0)
        tab._clicked(tab.proxy.index(0, 1))
    shot("errors", "errors", (err_t + 300) if err_t is not None else hero)
    if sv.network:   # a failed call's details: what was recorded, and what was not
        tab = w.devtools.network
        failed = next((i for i, r in enumerate(sv.network) if (r.get("status") or 0) >= 500), 0)
        tab.table.selectRow(failed)
        tab._clicked(tab.proxy.index(failed, 2))
    shot("network", "network", max((r["t"] for r in sv.network), default=hero) + 1)
    frustrated = [r["t"] for r in sv.actions if r.get("frustration")]
    shot("actions", "actions", (frustrated[-1] + 500) if frustrated else hero)
    shot("performance", "performance", sv.duration_ms)
    shot("session", "session", hero)
    w.timeline.show_legend()
    legend = args.out / "legend.png"
    w.timeline.legend.grab().save(str(legend), "PNG")
    w.timeline.legend.hide()
    print(f"wrote {legend.relative_to(ROOT) if legend.is_relative_to(ROOT) else legend}")
    dispose(w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
