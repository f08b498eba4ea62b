"""Form controls replay in the system's sans, as Chrome draws them, unless the page says
(shadow roots' too).

Chrome draws a `<button>` (an `<input>`, a `<select>`) with no font of the page's own in the
system's sans; QtWebEngine leaves that font unset, so the replay painted the page's standard
font, a serif. (`system-ui` is the system's sans already: fontconfig answers for it.) The replay runtime gives controls the sans-serif family in a cascade layer
of the document's first style sheet (assets/runtime/replay-runtime.js, ENGINE_LAYER): every
page rule still wins, a layered one too. Painted by `replay screenshot`, as a person runs it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

from PIL import Image

T0 = 1_700_000_000_000
# each row's top (px) and the button's own style; "layered" takes its font from the page's
# reset in a layer of its own (`@layer base{.reset{font-family:serif}}`); "shadow" is a plain
# button in a component's shadow root (which the document's style sheets do not reach)
ROWS = {"plain": (10, ""), "sans": (70, "font-family:sans-serif"),
        "serif": (130, "font-family:serif"), "layered": (190, ""), "shadow": (250, ""),
        "system-ui": (310, "font-family:system-ui")}
PAGE_CSS = "@layer base{.reset{font-family:serif}}"


def _el(i: int, tag: str, attrs: dict, kids: list) -> dict:
    return {"type": 2, "id": i, "tagName": tag, "attributes": attrs, "childNodes": kids}


def _recording() -> list[dict]:
    body, nid = [], 20
    for kind, (top, style) in ROWS.items():
        attrs = {"style": f"position:absolute;left:10px;top:{top}px;{style}"}
        if kind == "layered":
            attrs["class"] = "reset"
        button = _el(nid, "button", {} if kind == "shadow" else attrs,
                     [{"type": 3, "id": nid + 1, "textContent": "Wg Buy now"}])
        if kind == "shadow":
            button["isShadow"] = True
            button = {**_el(nid + 2, "div", attrs, [button]), "isShadowHost": True}
        body.append(button)
        nid += 3
    head = _el(3, "head", {}, [_el(5, "style", {}, [
        {"type": 3, "id": 6, "textContent": PAGE_CSS, "isStyle": True}])])
    html = _el(2, "html", {}, [head, _el(4, "body", {"style": "margin:0;background:#fff"},
                                         body)])
    return [
        {"type": 4, "timestamp": T0, "data": {"href": "https://shop.test/", "width": 300,
                                              "height": 360}},
        {"type": 2, "timestamp": T0 + 1,
         "data": {"node": {"type": 0, "id": 1, "childNodes": [html]},
                  "initialOffset": {"top": 0, "left": 0}}},
    ]


def test_controls_replay_in_sans_and_the_pages_own_layers_still_win(tmp_path):
    rec = tmp_path / "fonts.json"
    rec.write_text(json.dumps(_recording()))
    out = tmp_path / "fonts.png"
    env = dict(os.environ, REPLAY_DATA=str(tmp_path / "data"))
    env.pop("DISPLAY", None)
    p = subprocess.run([sys.executable, "-m", "app", "screenshot", str(rec), "--at", "1",
                        "--no-cursor", "-o", str(out)], capture_output=True, text=True,
                       env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    frame = Image.open(out).convert("L")
    assert frame.size == (300, 360)

    def button(kind: str) -> bytes:
        top = ROWS[kind][0]
        return frame.crop((0, top, 200, top + 40)).tobytes()

    assert len(set(button("sans"))) > 2, "no button painted"
    assert button("sans") != button("serif")
    assert button("plain") == button("sans"), "a plain button is not in the sans-serif"
    assert button("layered") == button("serif"), "the page's layered rule lost"
    assert button("shadow") == button("sans"), "a plain button in a shadow root is not in sans"
    # the system's font, as Chrome on Linux draws it (fontconfig's match for system-ui: a sans)
    assert button("system-ui") == button("sans"), "system-ui is not the system's sans"
