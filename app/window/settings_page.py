"""The Settings page: where the data is and which privacy rules apply, read-only (only the
Privacy page changes the rules)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase
from PySide6.QtWidgets import (QFormLayout, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QVBoxLayout, QWidget)

from recorder.privacy import RULES_FILENAME, Rules, RulesError, load_rules


class SettingsPage(QWidget):
    def __init__(self, data_dir: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("settingsPage")
        self.data_dir = Path(data_dir)
        title = QLabel("<h2>Settings</h2>", self)
        self.folder = QLabel(self)
        self.folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        show = QPushButton("Show in file manager", self)
        show.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.data_dir))))
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(show)
        self.rules_source = QLabel(self)
        self.rules_source.setWordWrap(True)
        self.app_rules = QLabel(self)   # applications with rules of their own (`replay app rules`)
        self.app_rules.setWordWrap(True)
        self.rules_text = QPlainTextEdit(self)
        self.rules_text.setObjectName("rulesText")
        self.rules_text.setReadOnly(True)
        self.rules_text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        note = QLabel("Read-only here: the Privacy page edits the rules; `replay mask --rules FILE"
                      " --activate` sets them from the command line.", self)
        note.setWordWrap(True)
        note.setObjectName("hint")

        form = QFormLayout()
        form.addRow("Data folder", folder_row)
        form.addRow("Active privacy rules", self.rules_source)
        form.addRow("Applications' own rules", self.app_rules)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 16, 24, 16)
        lay.addWidget(title)
        lay.addLayout(form)
        lay.addWidget(self.rules_text, 1)
        lay.addWidget(note)
        self.reload()

    def reload(self) -> None:
        """Read the folder's active rules again (they may have changed meanwhile)."""
        self.folder.setText(str(self.data_dir))
        self.app_rules.setText(own_rules_text(self.data_dir))
        path = self.data_dir / RULES_FILENAME
        try:
            rules = load_rules(None, self.data_dir)
        except RulesError as exc:
            self.rules_source.setText(f"{path} cannot be used: {exc}")
            self.rules_text.setPlainText(_read(path))
            return
        if path.is_file():
            self.rules_source.setText(f"{path} (revision {rules.revision})")   # as `mask` says
            self.rules_text.setPlainText(summary(rules) + "\n\n# " + path.name + "\n\n"
                                         + _read(path))
        else:
            self.rules_source.setText(f"The built-in default: there is no {RULES_FILENAME} in the"
                                      " data folder.")
            self.rules_text.setPlainText(summary(rules))


def own_rules_text(data_dir: Path) -> str:
    """Which applications' live sessions are masked with rules of their own, not the active
    rules (the intake's choice), in one line."""
    from recorder.intake.apps import AppError
    from recorder.intake.live import stored_apps_rules
    try:
        own = stored_apps_rules(data_dir)
    except RulesError as exc:
        return f"an application's rules cannot be used: {exc}"
    except AppError as exc:
        return str(exc)
    if not own:
        return "None: every application's sessions are masked with the active rules."
    parts = [f"{app.name} (default level {rules.default_level.label},"
             f" {len(rules.rules)} selector rule{'s' if len(rules.rules) != 1 else ''})"
             for app, rules in sorted(own.values(), key=lambda ar: ar[0].name)]
    return ("; ".join(parts) + " - their sessions are masked with these, not the active rules;"
            " `replay app rules NAME` prints them, `--rules FILE` sets them.")


def summary(rules: Rules) -> str:
    """What the rules do, one line per part, in the words of the README's privacy table."""
    r = rules.to_json()
    none = "none"
    lines = [f"Default level:            {r['default']}",
             "Selector rules:           " + (none if not r["rules"] else "")]
    lines += [f"  {x['selector']}  ->  {x['level']}" for x in r["rules"]]
    lines += [f"Detectors:                {', '.join(r['detectors']) or none}",
              f"URL parameters scrubbed:  {', '.join(r['scrub_query_params']) or none}"
              + (" (and Bearer tokens)" if r["scrub_query_params"] else ""),
              f"Network headers kept:     {', '.join(r['network']['headers']) or none}",
              "Request/response bodies:  "
              + ("kept" if r["network"]["bodies"] else "dropped"),
              f"Console redactions:       {len(r['console']['redact']) or none}"]
    return "\n".join(lines)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return f"(cannot read {path}: {exc})"
