"""A recording for the privacy workspace's tests and screenshots: an account page full of
made-up personal data (tests/fixtures/privacy-account.html), then typing into its payment
form - what a privacy officer previews rules on."""
from __future__ import annotations

from pathlib import Path

from recorder.format import EventType, IncrementalSource, NodeType
from recorder.privacy.preview import html_to_events

PAGE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "privacy-account.html"
START_MS = 1_764_547_200_000      # 2025-12-01 00:00 UTC
HREF = "https://shop.example/account?tab=orders&invite=s3cr3t-t0k3n"
TYPED = {"holder": "Ada Lovelace", "card": "4111 1111 1111 1111",
         "notes": "Leave it with Charles at no. 14"}


def _ids_by_html_id(node: dict) -> dict[str, int]:
    out, stack = {}, [node]
    while stack:
        n = stack.pop()
        if n.get("type") == NodeType.Element and "id" in (n.get("attributes") or {}):
            out[n["attributes"]["id"]] = n["id"]
        stack.extend(n.get("childNodes") or ())
    return out


def account_recording(page: Path = PAGE, start_ms: int = START_MS) -> list[dict]:
    """Meta + FullSnapshot of the page, then each field typed in, a second apart."""
    events = html_to_events(page.read_text(encoding="utf-8"), href=HREF, width=1024,
                            height=720, timestamp=start_ms)
    ids = _ids_by_html_id(events[1]["data"]["node"])
    t = start_ms
    for field, text in TYPED.items():
        t += 1000
        events.append({"type": int(EventType.IncrementalSnapshot), "timestamp": t,
                       "data": {"source": int(IncrementalSource.Input), "id": ids[field],
                                "text": text, "isChecked": False}})
    return events
