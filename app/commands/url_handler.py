"""`replay register-url-handler` — make the desktop open `replay://SESSION?t=MS` links with
`replay open` (Linux: a .desktop file declaring `x-scheme-handler/replay`, made the default
handler of the scheme). Elsewhere, links are opened with `replay open URL`."""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from player.links import SCHEME

from ..cli import UserError

NAME = "register-url-handler"
DESKTOP_FILE = "replay-url-handler.desktop"
MIME = f"x-scheme-handler/{SCHEME}"
DEFAULTS = "[Default Applications]"


def register(subparsers, common) -> None:
    p = subparsers.add_parser(NAME, parents=[common], help="open replay:// links with this replay",
                              description="Register `replay open` as the desktop's handler of"
                                          " replay:// links (Linux, freedesktop.org desktops).")
    p.set_defaults(func=run)


def _xdg(var: str, default: str) -> Path:
    v = os.environ.get(var, "")
    return Path(v) if os.path.isabs(v) else Path.home() / default


def _exec_arg(a: str) -> str:
    """One argument of a desktop entry's Exec line, quoted as the spec asks."""
    if a and not any(c in a for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return a
    return '"' + "".join("\\" + c if c in '"`$\\' else c for c in a) + '"'


def desktop_entry(data: Path) -> str:
    """The .desktop file: this Python running `replay --data DATA open %u` (the data folder
    named, as the desktop starts it without this shell's environment)."""
    cmd = [sys.executable, "-m", "app", "--data", str(data), "open"]
    # "%%" is a literal percent in Exec; "%u" is the link
    exec_line = " ".join(_exec_arg(a).replace("%", "%%") for a in cmd) + " %u"
    return ("[Desktop Entry]\n"
            "Type=Application\n"
            "Name=Session Replay\n"
            "Comment=Open replay:// links at their moment in the session replay player\n"
            f"Exec={exec_line}\n"
            "Terminal=false\n"
            "NoDisplay=true\n"
            f"MimeType={MIME};\n")


def set_default(mimeapps: Path) -> None:
    """Make our file the default for the scheme in mimeapps.list, leaving every other line
    of the file as it was (what `xdg-mime default` does, for desktops without xdg-utils)."""
    lines = mimeapps.read_text().splitlines() if mimeapps.is_file() else []
    entry = f"{MIME}={DESKTOP_FILE}"
    try:
        start = next(i for i, ln in enumerate(lines) if ln.strip() == DEFAULTS)
    except StopIteration:
        lines += ([""] if lines else []) + [DEFAULTS, entry]
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")),
                   len(lines))
        mine = [i for i in range(start + 1, end) if lines[i].split("=", 1)[0].strip() == MIME]
        if mine:
            lines[mine[0]] = entry
        else:
            lines.insert(start + 1, entry)
    mimeapps.parent.mkdir(parents=True, exist_ok=True)
    tmp = mimeapps.with_name(mimeapps.name + ".replay-tmp")
    tmp.write_text("\n".join(lines) + "\n")
    os.replace(tmp, mimeapps)


def run(args: argparse.Namespace) -> int:
    if not sys.platform.startswith("linux"):
        raise UserError(f"registering a {SCHEME}:// handler is done for Linux desktops only -"
                        " open links with `replay open URL`")
    data = Path(args.data).resolve()
    apps = _xdg("XDG_DATA_HOME", ".local/share") / "applications"
    try:
        apps.mkdir(parents=True, exist_ok=True)
        target = apps / DESKTOP_FILE
        target.write_text(desktop_entry(data))
        xdg_mime = shutil.which("xdg-mime")
        if xdg_mime:
            subprocess.run([xdg_mime, "default", DESKTOP_FILE, MIME], check=True,
                           capture_output=True, timeout=30)
        else:
            set_default(_xdg("XDG_CONFIG_HOME", ".config") / "mimeapps.list")
    except (OSError, subprocess.SubprocessError) as exc:
        raise UserError(f"could not register the {SCHEME}:// handler: {exc} - open links with"
                        " `replay open URL` instead") from None
    updater = shutil.which("update-desktop-database")
    if updater:
        subprocess.run([updater, str(apps)], capture_output=True, timeout=30)
    print(f"registered {target}: {SCHEME}:// links now open in the player", file=sys.stderr)
    return 0
