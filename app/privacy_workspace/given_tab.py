"""The privacy workspace's Given to pages tab: what `replay serve` gives each application's
pages to compress their batches against (recorder/intake/dictionary.py): the site's pages as
anyone is served them. Anyone with a site's client token can fetch it, so a privacy officer
reads here which pages it was made of and every string it holds, and stops it for an
application with one button (`replay app dictionary NAME --off`). A thin view over
`model.given_to_pages`."""
from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout,
                               QWidget)

from player.local_time import when_text
from player.qt.plain_text import plain_tip
from recorder.asset_fetch import REASONS
from recorder.intake.dictionary import Dictionaries, State, Why

from .model import Given, given_to_pages
from .tables import fill, table

EXPLAINED = ("What the intake gives each site's pages to compress their batches against, once"
             " turned on for it: the site's public pages as anyone is served them (fetched"
             " without cookies from the application's own origins: the addresses its front page"
             " links to that its stored sessions visit most), masked with its rules - never"
             " anything a visitor sent. Anyone with the site's client token can read it.")
NO_APPS = "No applications: `replay app create NAME` makes one (sessions sent by a site)."
STOP, TURN_ON = "Stop for this application", "Turn on for this application"
CHOOSE = "Choose an application above to read what its pages are given."
# an application chosen whose pages are given nothing (it said "Choose an application above"
# with one chosen: a privacy officer's tryout)
NOTHING_GIVEN = "Its pages are given no strings."


class GivenTab(QWidget):
    def __init__(self, data_dir: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.data_dir = data_dir
        self.given: list[Given] = []
        note = QLabel(EXPLAINED, self)
        note.setWordWrap(True)
        self.table = table(["Application", "Dictionary", "Made", "Of the pages", "Strings",
                            "Bytes"], stretch=3)
        self.table.setMaximumHeight(160)
        self.strings_label = QLabel(self)
        self.toggle = QPushButton(TURN_ON, self)
        self.toggle.setEnabled(False)
        self.strings = QPlainTextEdit(self)
        self.strings.setReadOnly(True)
        self.strings.setPlaceholderText(CHOOSE)
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
        self.given = given_to_pages(self.data_dir)
        self.empty.setVisible(not self.given)
        self.table.setVisible(bool(self.given))
        fill(self.table, [[g.app_name, _state(g), _built(g), _pages(g),
                           f"{len(g.strings):,}" if g.strings else "",
                           f"{len(g.shown.data):,}" if g.shown.data else ""]
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
        self.toggle.setEnabled(g is not None and g.site)
        self.strings.setPlaceholderText(CHOOSE if g is None else NOTHING_GIVEN)
        if g is None:
            self.strings.setPlainText("")
            return
        off = g.shown.state is State.OFF
        self.toggle.setText(TURN_ON if off else STOP)
        self.toggle.setToolTip("" if g.site else plain_tip(Why.NO_SITE.value))
        if g.strings:
            self.strings_label.setText(f"{g.app_name}: the {len(g.strings):,} strings its pages"
                                       " are given (one per line, as JSON)")
            self.strings.setPlainText("\n".join(json.dumps(t, ensure_ascii=False)
                                                for t in g.strings))
        else:
            info = g.shown.info
            said = g.shown.state.sentence if info is None or info.why is None \
                else f"{g.shown.state.label} - {info.why.value}"
            self.strings_label.setText(f"{g.app_name}: {said}" if g.site
                                       else f"{g.app_name}: {Why.NO_SITE.value}")
            self.strings.setPlainText("")

    def _toggle(self) -> None:
        g = self._app()
        if g is None:
            return
        Dictionaries(self.data_dir).set_enabled(g.app_id, g.shown.state is State.OFF)
        self.refresh()


def _state(g: Given) -> str:
    if g.shown.state is State.GIVEN and g.shown.info is not None and g.shown.info.id:
        return f"{g.shown.info.id}, {g.shown.state.label}"
    return g.shown.state.label


def _built(g: Given) -> str:
    return when_text(g.shown.info.built_ms) if g.shown.info is not None else ""


def _pages(g: Given) -> tuple[str, str]:
    """The pages it was made of (the cell), each and the ones that did not answer (its tooltip)."""
    if g.shown.info is None:
        return ("", "")
    info = g.shown.info
    whole = [*info.pages, *(f"{url}: not in it, {REASONS.get(why, why)}"
                            for url, why in info.failed.items())]
    return (", ".join(info.pages), "\n".join(whole))
