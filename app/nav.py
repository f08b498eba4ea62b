"""The app window's page navigation (no Qt): full names in a 150 px column, or - in a window
narrower than COMPACT_BELOW, or as the View menu says - a strip of one character each (the
name in its tooltip), the room given to the page: on a 1024 x 700 screen the player's dev-tools
pane went below the page, shown at 25%."""
from __future__ import annotations

NAV_WIDTH = 150           # px: the names in full
COMPACT_NAV_WIDTH = 48    # px: a character each
COMPACT_BELOW = 1200      # px: a window narrower than this has the strip (unless chosen)
# a page's character in the strip where its first letter is another's ("Sessions")
SIGNS = {"Settings": "⚙"}


def nav_compact(window_width: int, chosen: bool | None = None) -> bool:
    """Whether the navigation is the strip: as chosen (View > Compact Navigation), else
    whether the window is narrower than COMPACT_BELOW."""
    return chosen if chosen is not None else window_width < COMPACT_BELOW


def nav_text(title: str, compact: bool) -> str:
    """A page's entry: its title, or in the strip its sign or first letter."""
    if not compact:
        return title
    return SIGNS.get(title, title[:1].upper())
