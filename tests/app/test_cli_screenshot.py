"""`replay screenshot` paints a frame offscreen, as a separate process would on a server."""
from __future__ import annotations

import os
import subprocess
import sys

from PIL import Image, ImageChops


def _replay(*args: str, tmp_path) -> subprocess.CompletedProcess:
    env = dict(os.environ, REPLAY_DATA=str(tmp_path / "data"))
    env.pop("DISPLAY", None)   # the command must find its way without a screen
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_screenshot_paints_the_frame_at_a_time(tmp_path, fixtures_dir):
    demo = str(fixtures_dir / "rrweb-player-demo.json")
    early, late = tmp_path / "early.png", tmp_path / "late.png"
    for at, said, out in (("1800", "0:01.800", early), ("50000", "0:50.000", late)):
        p = _replay("screenshot", demo, "--at", at, "-o", str(out), "--size", "900x600",
                    tmp_path=tmp_path)
        assert p.returncode == 0, p.stderr
        assert f"frame at {said} to" in p.stderr   # the moment as every line says one
    a, b = Image.open(early).convert("RGB"), Image.open(late).convert("RGB")
    # exactly the size asked (the stage's margins made it smaller): the recorded 1166x705
    # viewport scaled to fit 900x600, centred between two bands of a clip frame's background
    from player.qt.clip import BACKGROUND
    assert a.size == b.size == (900, 600)
    band = (600 - round(900 * 705 / 1166)) // 2 - 2
    for rows in ((0, band), (600 - band, 600)):
        assert a.crop((0, rows[0], 900, rows[1])).getcolors() == [(900 * band, BACKGROUND)]
    assert len(a.crop((0, 300, 900, 301)).getcolors()) > 1   # the page between them
    assert len(a.resize((200, 120)).getcolors(maxcolors=1 << 16) or ()) > 20, "blank frame"
    assert a.tobytes() != b.tobytes(), "the recording changed between the two moments"


def test_screenshot_says_what_is_wrong(tmp_path, fixtures_dir):
    demo = str(fixtures_dir / "rrweb-player-demo.json")
    p = _replay("screenshot", demo, "--at", "999999", "-o", str(tmp_path / "x.png"),
                tmp_path=tmp_path)
    assert p.returncode == 2 and "outside the session" in p.stderr
    assert not (tmp_path / "x.png").exists()
    p = _replay("screenshot", str(tmp_path / "nope.json"), "--at", "0", "-o",
                str(tmp_path / "x.png"), tmp_path=tmp_path)
    assert p.returncode == 2 and "nope.json" in p.stderr


def test_demo_and_play_open_the_player_and_close_when_told(tmp_path, fixtures_dir):
    p = _replay("demo", "--quit-after", "1500", tmp_path=tmp_path)
    assert p.returncode == 0, p.stderr
    p = _replay("play", str(fixtures_dir / "rrweb-player-demo.json"), "--quit-after", "800",
                tmp_path=tmp_path)
    assert p.returncode == 0, p.stderr
    p = _replay("play", str(fixtures_dir / "rrweb-player-demo.json"), tmp_path=tmp_path)
    assert p.returncode == 2 and "no screen" in p.stderr   # not left running invisibly


def test_screenshot_is_the_recorded_viewport_one_to_one_and_can_leave_out_the_cursor(
        tmp_path, fixtures_dir):
    demo = str(fixtures_dir / "rrweb-player-demo.json")
    with_cursor, without = tmp_path / "cursor.png", tmp_path / "plain.png"
    p = _replay("screenshot", demo, "--at", "1800", "-o", str(with_cursor), tmp_path=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "wrote 1166x705 frame" in p.stderr
    p = _replay("screenshot", demo, "--at", "1800", "-o", str(without), "--no-cursor",
                tmp_path=tmp_path)
    assert p.returncode == 0, p.stderr
    a, b = Image.open(with_cursor).convert("RGB"), Image.open(without).convert("RGB")
    assert a.size == b.size == (1166, 705)   # the recorded viewport, not scaled
    # the only difference is the cursor (and its trail): a few hundred pixels, not the page
    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 24 else 0)
    changed = diff.histogram()[255]
    assert changed > 50, "--no-cursor changed nothing: the cursor was not drawn"
    assert changed < 0.01 * a.width * a.height, changed


def test_the_whole_player_has_no_empty_band_below_the_page(tmp_path):
    """`--player` painted 1280x800 with the page (a 1280x800 viewport, scaled to the stage
    beside the dev-tools pane) filling its top two thirds and a dark band of ~200 empty rows
    below. It is trimmed to the page's height; what is left dark are the bars' margins."""
    from pathlib import Path
    demo = Path(__file__).resolve().parents[2] / "assets" / "demo" / "demo-session.json"
    out = tmp_path / "player.png"
    p = _replay("screenshot", str(demo), "--at", "20000", "--player", "-o", str(out),
                tmp_path=tmp_path)
    assert p.returncode == 0, p.stderr
    im = Image.open(out).convert("RGB")
    assert im.width == 1280 and 480 <= im.height < 800 and f"{im.width}x{im.height}" in p.stderr
    run = longest = 0
    for y in range(im.height):   # rows of one dark colour across the stage's side
        colours = im.crop((10, y, im.width * 6 // 10, y + 1)).getcolors(maxcolors=4)
        empty = bool(colours) and len(colours) == 1 and sum(colours[0][1]) < 180
        run = run + 1 if empty else 0
        longest = max(longest, run)
    assert longest < 12, longest


def test_the_help_says_what_size_the_whole_player_is_painted(tmp_path):
    """It said `--player` paints 1280x800; the picture is as high as the page needs (the
    test above), and the help says so."""
    p = _replay("screenshot", "--help", tmp_path=tmp_path)
    words = " ".join(p.stdout.split())
    assert p.returncode == 0 and "1280x800" not in words
    assert "with --player 1280 wide and as high as the page needs beside the dev-tools pane," \
        " at least 480;" in words


def test_a_session_masked_with_a_hidden_rule_is_not_called_damaged_and_damage_is_said_in_words(
        tmp_path):
    """The demo re-masked with its product grid hidden: focus and clicks inside the grid land
    on its placeholder, so painting a moment says nothing of damage. A recording that is
    damaged (a focus on a node it never had) is said as the commands say warnings - one
    `replay: warning:` line, not Python's `file:line: UserWarning` and the source under it."""
    import json
    from pathlib import Path
    demo = Path(__file__).resolve().parents[2] / "assets" / "demo" / "demo-session.json"
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nselector = "#grid"\nlevel = "hidden"\n')
    p = _replay("import", str(demo), tmp_path=tmp_path)
    assert p.returncode == 0, p.stderr
    (sid,) = p.stdout.split()
    assert _replay("mask", "--rules", str(rules), "--all", tmp_path=tmp_path).returncode == 0
    out = tmp_path / "x.png"
    p = _replay("screenshot", sid, "--at", "40000", "-o", str(out), "--size", "320x240",
                tmp_path=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "damaged" not in p.stderr and "Warning" not in p.stderr, p.stderr

    events = json.loads(demo.read_text())
    events.insert(5, {"type": 3, "timestamp": events[4]["timestamp"],
                      "data": {"source": 2, "type": 5, "id": 987654}})
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(events))
    p = _replay("screenshot", str(broken), "--at", "40000", "-o", str(out), "--size",
                "320x240", "--overwrite", tmp_path=tmp_path)
    assert p.returncode == 0, p.stderr
    said = [ln for ln in p.stderr.splitlines() if "damaged" in ln]
    assert said == ["replay: warning: recording is damaged: focus on unknown node (1)"], p.stderr
    assert "UserWarning" not in p.stderr and "warn(" not in p.stderr


def test_screenshot_shows_the_dev_tools_tab_asked_for(tmp_path, fixtures_dir):
    """`--tab` paints the whole player on that tab (a support engineer's Network or Errors
    without a screen); an unknown tab is refused in one line naming the tabs."""
    demo = str(fixtures_dir / "rrweb-player-demo.json")
    shots = {}
    for tab in ("console", "Network", "session"):
        out = tmp_path / f"{tab}.png"
        p = _replay("screenshot", demo, "--at", "20000", "--tab", tab, "-o", str(out),
                    tmp_path=tmp_path)
        assert p.returncode == 0, p.stderr
        shots[tab] = Image.open(out).convert("RGB")
    console, network, session = shots["console"], shots["Network"], shots["session"]
    assert console.size == network.size == session.size and console.width == 1280
    pane = (console.width * 2 // 3, 0, console.width, console.height // 2)   # the pane's top
    assert ImageChops.difference(console.crop(pane), network.crop(pane)).getbbox() is not None
    assert ImageChops.difference(network.crop(pane), session.crop(pane)).getbbox() is not None
    p = _replay("screenshot", demo, "--at", "0", "--tab", "elements", "-o",
                str(tmp_path / "x.png"), tmp_path=tmp_path)
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert p.returncode == 2 and len(lines) == 1 and "console, errors, network" in lines[0]
    assert not (tmp_path / "x.png").exists()
    # a size under the whole player's minimum came out larger, unsaid (a QA tryout): refused,
    # nothing written; a size it fits comes out exact
    p = _replay("screenshot", demo, "--at", "0", "--player", "--size", "640x480", "-o",
                str(tmp_path / "x.png"), tmp_path=tmp_path)
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert p.returncode == 2 and len(lines) == 1, p.stderr
    assert "the whole player is at least" in lines[0] and "--size 640x480 is smaller" in lines[0]
    assert not (tmp_path / "x.png").exists()
    p = _replay("screenshot", demo, "--at", "0", "--player", "--size", "1100x620", "-o",
                str(tmp_path / "x.png"), tmp_path=tmp_path)
    assert p.returncode == 0 and Image.open(tmp_path / "x.png").size == (1100, 620), p.stderr


TIMELINE_PX = 90   # the whole player's timeline and controls, at its foot


def test_a_picture_of_the_session_tab_names_the_owner_by_id_alone(tmp_path, fixtures_dir):
    """The session's owner (a capture.js setUser, the intake's `user`) stays in the data
    folder, as a bundle carries only the id: a screenshot is handed over too. The same session
    stored with its user's name and email, and with the id alone, paints the same Session tab
    (a new user's tryout found the name and email in the picture); `--unmasked` shows them."""
    import json

    from recorder.store import Store
    events = json.loads((fixtures_dir / "rrweb-player-demo.json").read_text())
    owner = {"id": "u-4711", "name": "Quinby Fenwick", "email": "quinby.fenwick7@zorbmail.com"}
    # "inside": the recording itself names the user (an identify event, as `import
    # --user-name` stored it before it kept the id alone): read into the index, never painted
    identify = {"type": 5, "timestamp": events[-1]["timestamp"],
                "data": {"tag": "identify", "payload": owner}}
    shots = {}
    for name, user, evs in (("full", owner, events), ("id", {"id": "u-4711"}, events),
                            ("inside", None, events + [identify])):
        data = tmp_path / name
        with Store.open(data) as store:
            store.ingest(evs, user=user, session_id="handed")
        for unmasked in ((), ("--unmasked",)):
            out = tmp_path / f"{name}{len(unmasked)}.png"
            p = subprocess.run([sys.executable, "-m", "app", "--data", str(data), "screenshot",
                                "handed", "--at", "20000", "--tab", "session", *unmasked,
                                "-o", str(out)], capture_output=True, text=True,
                               env={k: v for k, v in os.environ.items() if k != "DISPLAY"},
                               timeout=120)
            assert p.returncode == 0, p.stderr
            shots[name, bool(unmasked)] = Image.open(out).convert("RGB")
            # said, where the picture names the owner (it said "shown as stored" alone: a
            # privacy officer's tryout)
            assert ("the Session tab names the session's owner in full" in p.stderr) == \
                (bool(unmasked) and name != "id"), (name, unmasked, p.stderr)
    assert ImageChops.difference(shots["full", False], shots["id", False]).getbbox() is None
    # (the identify event is a moment of activity on the timeline below the panes: left out)
    def panes(im):
        return im.crop((0, 0, im.width, im.height - TIMELINE_PX))
    assert ImageChops.difference(panes(shots["inside", False]),
                                 panes(shots["id", False])).getbbox() is None
    assert ImageChops.difference(panes(shots["inside", True]),
                                 panes(shots["full", True])).getbbox() is None
    assert ImageChops.difference(shots["full", True], shots["id", True]).getbbox() is not None


def test_a_moment_before_the_first_page_is_said_to_be_one(tmp_path):
    """Before the recording's first full snapshot nothing is on screen: the player shows the
    first page there is, and `screenshot` says so as `snapshot` does (it wrote the first
    page's picture under the moment asked for without a word)."""
    import json

    t0 = 1_700_000_000_000
    page = {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 3, "tagName": "body", "attributes": {}, "childNodes": [
                {"type": 3, "id": 4, "textContent": "the first page"}]}]}]}
    rec = tmp_path / "late.json"
    rec.write_text(json.dumps([
        {"type": 4, "timestamp": t0, "data": {"href": "https://x.test/", "width": 400,
                                              "height": 300}},
        {"type": 2, "timestamp": t0 + 5000, "data": {"node": page,
                                                     "initialOffset": {"top": 0, "left": 0}}},
        {"type": 3, "timestamp": t0 + 6000, "data": {"source": 1, "positions": [
            {"x": 5, "y": 5, "id": 4, "timeOffset": 0}]}}]))
    for at, warned in (("1000", True), ("5500", False)):
        p = _replay("screenshot", str(rec), "--at", at, "-o", str(tmp_path / "x.png"),
                    "--overwrite", tmp_path=tmp_path)
        assert p.returncode == 0, p.stderr
        said = "nothing is on screen at 0:01.000 (the first frame is at 0:05.000)"
        assert (said in p.stderr) is warned, p.stderr
        # the last line names the moment painted, not the one asked for (it said "at 1000")
        painted = "0:05.000" if warned else "0:05.500"
        assert p.stderr.splitlines()[-1] == f"wrote 400x300 frame at {painted} to" \
            f" {tmp_path / 'x.png'}", p.stderr
