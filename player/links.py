"""Links to a moment of a session: `replay://SESSION?t=MS` (no Qt here).

"Copy link to this moment" in the player writes one; `replay open URL` (and the desktop's
URL handler, see `replay register-url-handler`), the app's File > Open Link and its search
box read it back - all through `parse_moment_link`, so a link means the same everywhere.
SESSION is a stored session's id (or a unique prefix of it); MS is milliseconds after the
session's first event.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, unquote, urlsplit

SCHEME = "replay"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z")


class BadLink(ValueError):
    """A link that is not `replay://SESSION?t=MS`; the message says what is wrong."""


def moment_link(session_id: str, ms: float) -> str:
    """The link to `ms` milliseconds into session `session_id`."""
    if not _ID.match(session_id or ""):
        raise BadLink(f"{session_id!r} is not a session id a link can carry")
    return f"{SCHEME}://{quote(session_id)}?t={max(0, int(ms))}"


def parse_moment_link(url: str) -> tuple[str, int]:
    """(session id, ms) of a `replay://SESSION?t=MS` link; `?t` may be left out (0)."""
    example = f"give {SCHEME}://SESSION?t=MS, e.g. {SCHEME}://8dda0c07?t=42000"
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        raise BadLink(f"{url!r} is not a link - {example}") from None
    if parts.scheme.lower() != SCHEME:
        raise BadLink(f"{url!r} is not a {SCHEME}:// link - {example}")
    # replay://ID?t=MS puts the id in the host; replay:ID?t=MS and replay:///ID in the path
    session = unquote(parts.netloc or parts.path.strip("/"))
    if not _ID.match(session):
        raise BadLink(f"{url!r} names no session - {example}")
    values = parse_qs(parts.query).get("t", ["0"])
    try:
        ms = int(float(values[-1]))
    except ValueError:
        raise BadLink(f"t={values[-1]!r} in {url!r} is not a number of milliseconds"
                      f" - {example}") from None
    if ms < 0:
        raise BadLink(f"t={ms} in {url!r} is before the session starts - {example}")
    return session, ms


def link_in(text: str) -> tuple[str, int] | None:
    """(session id, ms) when `text` is a moment link (pasted in the app's search box, on
    the clipboard), else None: such text is as likely words to search for as a link, so
    not being one is no error."""
    text = text.strip()
    if not text.lower().startswith(SCHEME + ":"):
        return None
    try:
        return parse_moment_link(text)
    except BadLink:
        return None
