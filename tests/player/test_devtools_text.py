"""The dev-tools pane's texts (player.devtools_text), without a QApplication."""
from __future__ import annotations

from player.devtools_text import console_details, console_frames

FRAME = "HTMLButtonElement.<anonymous> (https://shop.example/app.js:179:27)"


def test_a_logged_errors_own_stack_is_not_repeated_under_it():
    """`console.error(err)`: the message holds the Error's stack, and the call's stack is the
    same line - the pane's details printed it twice (the terminal's tab too)."""
    logged = {"level": "error", "t": 58500, "stack": [FRAME, "main (https://shop.example/a.js:1:1)"],
              "message": f"TypeError: boom\n    at {FRAME}"}
    assert console_frames(logged) == ["main (https://shop.example/a.js:1:1)"]
    assert console_details(logged).count(FRAME) == 1
    assert "at main (https://shop.example/a.js:1:1)" in console_details(logged)
    alone = {**logged, "stack": [FRAME]}   # all of it in the message: no "(no stack recorded)"
    assert console_details(alone).count(FRAME) == 1
    assert "no stack recorded" not in console_details(alone)
    plain = {"level": "log", "t": 0, "message": "cart updated", "stack": [FRAME]}
    assert console_frames(plain) == [FRAME] and f"at {FRAME}" in console_details(plain)
    assert "(no stack recorded)" in console_details({**plain, "stack": []})
