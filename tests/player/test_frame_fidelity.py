"""What frames carry for fidelity (issue 11): font faces from the recording only."""
import base64

from player.frame import font_faces


def test_font_faces_come_from_the_recording_never_the_network():
    faces = font_faces([
        {"family": "W", "fontSource": "[119, 79, 70, 50, 1]", "buffer": True,
         "descriptors": {"weight": "700", "onload": "x", "style": {"bad": 1}}},
        {"family": "U", "fontSource": "url(https://fonts.example/u.woff2) format('woff2')",
         "buffer": False, "descriptors": {}},
        {"family": "Broken", "fontSource": "not json", "buffer": True, "descriptors": {}},
    ])
    assert [f["family"] for f in faces] == ["W", "U"]
    w, u = faces
    assert w["src"] == 'url("data:font/woff2;base64,%s")' % base64.b64encode(b"wOF2\x01").decode()
    assert w["descriptors"] == {"weight": "700"}
    assert "fonts.example" not in u["src"] and "replay-blocked:" in u["src"]


def test_canvas_commands_keep_inline_data_only():
    from player.frame import canvas_commands

    ok = [{"property": "fillRect", "args": [0, 0, 5, 5]},
          {"property": "fillStyle", "args": ["rgb(1, 2, 3)"], "setter": True},
          {"property": "putImageData", "args": [{"rr_type": "ImageData", "args": [
              {"rr_type": "Uint8ClampedArray", "args": [[1, 2, 3, 4]]}, 1, 1]}, 0, 0]},
          {"property": "drawImage", "args": [{"rr_type": "HTMLImageElement",
                                              "src": "data:image/png;base64,AAAA"}, 0, 0]}]
    bad = [{"property": "drawImage", "args": [{"rr_type": "HTMLImageElement",
                                               "src": "https://tracker.example/p.png"}, 0, 0]},
           {"property": "filter", "args": ["url(https://x.example/f.svg#f)"], "setter": True},
           # the same, its u escaped (CSS reads \75 as u) or its name in capitals
           {"property": "filter", "args": ["\\75 rl(https://x.example/f.svg#f)"], "setter": True},
           {"property": "filter", "args": ["blur(1px) URL(https://x.example/g.svg)"], "setter": True},
           {"property": "filter", "args": ["\\000055\\52L(https://x.example/h.svg)"], "setter": True},
           {"property": "constructor.constructor", "args": []},
           {"property": "fillStyle", "args": [{"rr_type": "CanvasGradient", "args": []}], "setter": True}]
    assert canvas_commands(ok + bad) == ok
