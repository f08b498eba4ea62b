"""Paint the README's screenshots offscreen: the player on the demo session at the size its
window opens at (docs/screenshots/player.png, one per dev-tools tab: console, errors,
network, actions, performance, session, and the timeline's legend, legend.png) and the
app's main window at its default size (app-sessions.png, app-player.png, app-settings.png)
on a data folder of a dozen imported sessions.

    python docs/make_screenshots.py [--session assets/demo/demo-session.json] [--only app]
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
    ap.add_argument("--only", choices=["player", "app"], help="paint only these screenshots")
    args = ap.parse_args()
    prepare_qt_environment(offscreen=True)
    if args.only != "player":
        app_shots(args)
    if args.only == "app":
        return 0

    from player.qt.standalone import application, dispose, grab_stable
    from recorder.privacy import load_rules
    from recorder.source import masked_source, open_recording

    app = application()  # noqa: F841
    from player.qt.replay_widget import ReplayWidget
    from player.qt.devtools.models import TIME_ROLE

    # what a person sees: the file through the default rules, as `replay play FILE` shows it
    src = masked_source(open_recording(str(args.session), ROOT), load_rules(None, None))
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
    net_t = hero
    if sv.network:   # a failed call's details: what was recorded, and what was not
        tab = w.devtools.network
        failed = next((i for i, r in enumerate(sv.network) if (r.get("status") or 0) >= 500), 0)
        tab.table.selectRow(failed)
        tab._clicked(tab.proxy.index(failed, 2))
        # as a click on its row leaves the player: at its moment, the row current
        net_t = tab.proxy.index(failed, 0).data(TIME_ROLE) + 300
    shot("network", "network", net_t)
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


# (user, application, path of the first page, minutes) of the app screenshot's sessions
PEOPLE = [("ada.lovelace@example.com", "acme-ops", 14), ("bob.stone@example.com", "acme-ops", 3),
          ("c.okafor@example.org", "acme-ops", 41), ("dee.tanaka@example.com", "acme-ops", 7),
          ("eve.rossi@example.com", "acme-ops", 22), ("finn.costa@example.net", "acme-ops", 2),
          ("gus.meyer@example.com", "acme-ops", 65), ("hana.novak@example.com", "acme-ops", 9),
          ("ivo.lovelace@example.org", "acme-ops", 31), ("jun.stone@example.com", "acme-ops", 5)]


def app_shots(args) -> None:
    """The main window on a fresh data folder: the demo session and generated ones."""
    import tempfile
    import time

    from player.qt.standalone import application, dispose, grab_stable
    from PySide6.QtCore import QSettings
    from recorder.privacy import load_rules, masker_factory
    from recorder.rrweb_io import read_recordings
    from recorder.store import Store
    from replay_tools.generator import generate_session

    app = application()
    from app.window.main_window import DEFAULT_SIZE, MainWindow

    tmp = tempfile.TemporaryDirectory(prefix="replay-shots-")
    data = Path(tmp.name) / "data"
    demo = read_recordings(args.session)[0]
    now = demo.events[0]["timestamp"]   # the others came before the demo visit (RUM payloads
    mask = masker_factory(load_rules(None, None))   # stored as `replay import` stores them
    with Store.open(data) as store:     # carry their own times: the demo is not moved)
        for k, (email, application_id, minutes) in enumerate(PEOPLE):
            events = generate_session(40 * minutes + 200, duration_ms=minutes * 60_000, seed=k,
                                      start_ms=now - (k * 7 + 3) * 3_600_000)
            store.ingest(list(events), application=application_id,
                         user={"id": f"u{k}", "email": email}, session_id=f"ops-{k}",
                         masker_factory=mask)
        demo_id = store.ingest(demo.events, application="acme-shop",
                               user={"id": "m1", "email": "maria.gomez@example.com"},
                               session_id="acme-shop-demo", masker_factory=mask)[0]
    settings = QSettings(str(Path(tmp.name) / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(data, settings=settings)
    w.resize(*DEFAULT_SIZE)   # as on a screen with room for it (the offscreen one is small)
    w.show()
    deadline = time.monotonic() + 180
    for _ in range(20):   # paint the table once: that asks for the thumbnails
        app.processEvents()
        time.sleep(0.02)
    while not w.thumbnails.idle() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.05)
    w.browser.select_session(demo_id)
    args.out.mkdir(parents=True, exist_ok=True)

    def save(name: str, img) -> None:
        path = args.out / f"{name}.png"
        img.save(str(path), "PNG")
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    app.processEvents()
    save("app-sessions", w.grab().toImage())
    player = w.wait_opened(w.open_session(demo_id))
    player.wait_ready()
    player.wait_indexed()
    rage = [m.t for m in player.session.markers if m.kind == "rage_click"]
    player.seek_and_wait(int(rage[0] + 400) if rage else player.session.duration_ms // 2)
    save("app-player", grab_stable(w, player.bridge))
    w.show_page("Settings")
    app.processEvents()
    save("app-settings", w.grab().toImage())
    w.close()
    dispose(w)
    tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
