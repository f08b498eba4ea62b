"""Recorded strings shown in Qt widgets are shown as written, never read as markup.

A tooltip (QToolTip, an item's ToolTipRole, a tab's), a QLabel and a QMessageBox guess the
format of their text: one whose first line holds something like a tag is taken for HTML
(Qt::mightBeRichText). A recording's console messages, errors, URLs and titles are whatever
its sender chose: read as HTML, `<img src=...>` loads a file of this machine (on Windows a
UNC path is a connection to the sender's server, with the user's credentials) and `<h1>`
paints the sender's words over the player. A label showing recorded text is set to
Qt.TextFormat.PlainText; a tooltip, which has no such switch, goes through `plain_tip`.
"""
from __future__ import annotations

from PySide6.QtGui import Qt


def plain_tip(text: str | None) -> str | None:
    """`text` as a tooltip shows it verbatim: itself when Qt reads it as plain text anyway,
    else escaped into the rich text that shows exactly it (line breaks and spaces kept)."""
    if not text or not Qt.mightBeRichText(text):
        return text
    return Qt.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpacePre)
