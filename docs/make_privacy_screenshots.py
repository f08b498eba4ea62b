"""Paint the privacy workspace's screenshots offscreen at the default size
(docs/screenshots/privacy-*.png) on a fresh data folder: the account page of
tests/fixtures/privacy-account.html stored twice (once under rules without detectors, as
an old import might have been), then edited rules, a file shown unmasked, a dry run, an
audit and the change log.

    python docs/make_privacy_screenshots.py
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from player.qt.standalone import prepare_qt_environment  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    prepare_qt_environment(offscreen=True)
    from player.qt.standalone import application, dispose, grab_stable
    from PySide6.QtCore import QCoreApplication
    from recorder.privacy import Level, Rules, masker_factory
    from recorder.store import Store
    from replay_tools.privacy_demo import START_MS, account_recording

    app = application()  # noqa: F841
    from app.privacy_workspace import PrivacyWorkspace
    from app.privacy_workspace.__main__ import DEFAULT_SIZE

    tmp = tempfile.TemporaryDirectory(prefix="replay-privacy-shots-")
    data = Path(tmp.name) / "data"
    with Store.open(data) as st:
        st.ingest(account_recording(start_ms=START_MS - 86_400_000),
                  masker_factory=masker_factory(replace(Rules.default(), detectors=())),
                  user={"id": "u0"})
        st.ingest(account_recording(), masker_factory=masker_factory(Rules.default()),
                  user={"id": "u1"})
    rec = Path(tmp.name) / "bug-report.json"
    rec.write_text(json.dumps(account_recording(start_ms=START_MS + 3_600_000)))
    args.out.mkdir(parents=True, exist_ok=True)

    w = PrivacyWorkspace(data)
    w.resize(*DEFAULT_SIZE)
    w.show()

    def shot(name: str) -> None:
        path = args.out / f"privacy-{name}.png"
        if w.tabs.currentIndex() == 0:
            w.refresh_preview()
            w.wait_shown()
            img = grab_stable(w, w.right.bridge)
        else:   # a hidden web view does not paint: nothing to wait for
            QCoreApplication.processEvents()
            img = w.grab()
        img.save(str(path), "PNG")
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    # a first saved revision, so the history has something to say
    w.form.add_rule(".who", Level.MASK)
    w.save()
    # then the edit being previewed
    w.form.add_rule(".address", Level.HIDDEN)
    w.form.add_rule(".orders td:nth-child(2)", Level.MASK)
    w.form.scrub.setPlainText(w.form.scrub.toPlainText() + ", invite")   # after the built-in credential names
    w.form.changed.emit()
    shot("preview")
    w.form.add_rule("p:hover", Level.MASK)
    w.form.changed.emit()
    shot("invalid-selector")
    w.form.rules_table.removeRow(w.form.rules_table.rowCount() - 1)
    w.form._show_first_error()
    w.form.changed.emit()
    w.open_file(rec)
    w.unmasked.setChecked(True)
    shot("file-unmasked")
    w.unmasked.setChecked(False)
    w.tabs.setCurrentIndex(1)
    w.run_dry_run()
    shot("dry-run")
    w.tabs.setCurrentIndex(2)
    w.run_audit()
    shot("audit")
    w.save()
    w.tabs.setCurrentIndex(3)
    shot("history")
    dispose(w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
