"""The privacy workspace's Given to pages tab: what `replay serve` gives each application's
pages to compress their batches against (recorder/intake/dictionary.py). Anyone with a site's
client token can fetch it, so a privacy officer reads every string it holds here, and stops
it for an application with one button (`replay app dictionary NAME --off`). A thin view over
`model.given_to_pages`."""
from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout,
                               QWidget)

from player.local_time import when_text
from recorder.intake.dictionary import MIN_VISITORS, Dictionaries, State
from recorder.privacy import RulesError

from .model import Given, given_to_pages
from .tables import fill, table

EXPLAINED = ("What the intake gives each site's pages to compress their batches against (on the"
             " demo shop a visit then sends a third of the bytes). Anyone with the site's client"
             " token can read it, so it holds"
             f" only strings at least {MIN_VISITORS} visitors' pages held, masked with the"
             " application's rules now; a deletion or re-mask of any of its sessions removes"
             " it.")
NO_APPS = "No applications: `replay app create NAME` makes one (sessions sent by a site)."
STOP, ALLOW = "Stop for this application", "Allow again"


class GivenTab(QWidget):
    def __init__(self, data_dir: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.data_dir = data_dir
        self.given: list[Given] = []
        note = QLabel(EXPLAINED, self)
        note.setWordWrap(True)
        self.table = table(["Application", "Dictionary", "Built", "Strings", "Bytes"], stretch=1)
        self.table.setMaximumHeight(160)
        self.strings_label = QLabel(self)
        self.toggle = QPushButton(STOP, self)
        self.toggle.setEnabled(False)
        self.strings = QPlainTextEdit(self)
        self.strings.setReadOnly(True)
        self.strings.setPlaceholderText("Choose an application above to read what its pages"
                                        " are given.")
        self.empty = QLabel(NO_APPS, self)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        bar = QHBoxLayout()
        bar.addWidget(self.strings_label, 1)
        bar.addWidget(self.toggle)
        lay = QVBoxLayout(self)
        lay.addWidget(note)
        lay.addWidget(self.empty)
        lay.addWidget(self.table)
        lay.addLayout(bar)
        lay.addWidget(self.strings, 1)
        self.table.itemSelectionChanged.connect(self._chosen)
        self.toggle.clicked.connect(self._toggle)

    def refresh(self) -> None:
        """Read the applications and their dictionaries again (the tab brought to front)."""
        chosen = self._app()
        try:
            self.given = given_to_pages(self.data_dir)
        except RulesError as exc:
            self.given = []
            self.strings_label.setText(f"{exc} - fix the rules file")
        self.empty.setVisible(not self.given)
        self.table.setVisible(bool(self.given))
        fill(self.table, [[g.app_name, _state(g), _built(g), f"{len(g.strings):,}" if g.strings
                           else "", f"{len(g.shown.data):,}" if g.shown.data else ""]
                          for g in self.given])
        at = next((i for i, g in enumerate(self.given) if chosen and g.app_id == chosen.app_id),
                  0 if self.given else -1)
        if at >= 0:
            self.table.selectRow(at)
        self._chosen()

    def _app(self) -> Given | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.given[rows[0].row()] if rows and rows[0].row() < len(self.given) else None

    def _chosen(self) -> None:
        g = self._app()
        self.toggle.setEnabled(g is not None)
        if g is None:
            self.strings.setPlainText("")
            return
        off = g.shown.state is State.OFF
        self.toggle.setText(ALLOW if off else STOP)
        if g.strings:
            self.strings_label.setText(f"{g.app_name}: the {len(g.strings):,} strings its pages"
                                       " are given (one per line, as JSON)")
            self.strings.setPlainText("\n".join(json.dumps(t, ensure_ascii=False)
                                                for t in g.strings))
        else:
            self.strings_label.setText(f"{g.app_name}: {g.shown.state.value}")
            self.strings.setPlainText("")

    def _toggle(self) -> None:
        g = self._app()
        if g is None:
            return
        Dictionaries(self.data_dir).set_enabled(g.app_id, g.shown.state is State.OFF)
        self.refresh()


def _state(g: Given) -> str:
    if g.shown.state is State.GIVEN and g.shown.info is not None:
        return f"{g.shown.info.id}, given to its pages"
    return g.shown.state.value.split(":")[0]


def _built(g: Given) -> str:
    return when_text(g.shown.info.built_ms) if g.shown.info is not None else ""
