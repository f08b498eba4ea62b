"""Where things live: the shipped assets and the default data folder."""
from __future__ import annotations

import contextlib
import functools
import os
import shlex
import sys
from importlib.resources import files
from pathlib import Path
from typing import BinaryIO, Iterator

import platformdirs
import rjsmin

# `assets/` ships as the package `replay_assets` (pyproject.toml maps it). The wheel installs
# unzipped, so its resources are real files: the runtime is read as text, the demo session is
# opened by path and the demo pages are served from their folder.
ASSETS = Path(str(files("replay_assets")))
DEMO_SESSION = ASSETS / "demo" / "demo-session.json"   # `replay demo`; `demo` as SESSION|FILE


def default_data_dir() -> Path:
    """REPLAY_DATA overrides the platformdirs location (handy for kiosks and tests)."""
    env = os.environ.get("REPLAY_DATA")
    if env:
        return Path(env)
    return platform_data_dir()


def platform_data_dir() -> Path:
    """The data folder `replay` uses when neither --data nor REPLAY_DATA says another."""
    return Path(platformdirs.user_data_dir("session-replay", appauthor=False))


# A data folder holds what people did on a site: only its owner may enter it. Made so when
# `replay` creates it (`mkdir` applies the mode to the last folder only; the umask can only take
# bits away); one that already exists keeps the permissions someone gave it.
DATA_FOLDER_MODE = 0o700

# What marks a data folder, each named here once: the index of the sessions (recorder.store),
# their segment files' folder, the intake's applications (recorder.intake.apps), the active
# privacy rules (recorder.privacy.rules) with their history, and the folder's secret
# (recorder.id_key). (replay writes more there - thumbnails, assets... - never before one of
# these.)
INDEX_FILE = "index.sqlite3"
SEGMENTS_DIR = "segments"
APPS_FILE = "apps.sqlite3"
RULES_FILENAME = "rules.toml"
RULES_HISTORY_DIR = "rules-history"   # every saved revision of those rules (privacy.history)
TYPED_DIR = "typed"   # the live intake's sealed journal of values typed (intake.typed_journal)


def typed_journal_path(root: Path, visit: str) -> Path:
    """Where the live intake keeps what was typed into masked fields in a visit (its client's
    session id: `sessions.visit_of`, decided once by the caller)."""
    return Path(root) / TYPED_DIR / f"{visit}.log"


ID_KEY_FILE = "id.key"


# What a system puts in any folder (a file manager's, a new disk's): no sign of anything
OS_ENTRIES = frozenset({"Thumbs.db", "desktop.ini", "lost+found"})


def holds_replay_data(folder: Path) -> bool:
    """Whether `folder` (a folder) is a data folder, or may become one: it holds what
    `replay` writes first in any data folder it makes (the index - or what is left of one -,
    the applications or the active rules: Store.open, `replay app create` and `replay mask
    --activate` each write theirs before anything else; or the rules' history, left when
    someone removed `rules.toml` by hand; or its secret, which a copy may be given first),
    or nothing but hidden files and what a system puts anywhere. Any other folder (a project's, Downloads: a mistyped
    --data) is none - a command that only reads must not make it one (it wrote an index
    there, and `replay audit --all` found "nothing" in it)."""
    entries = [p.name for p in Path(folder).iterdir()
               if not p.name.startswith(".") and p.name not in OS_ENTRIES]
    marks = (SEGMENTS_DIR, APPS_FILE, RULES_FILENAME, RULES_HISTORY_DIR, ID_KEY_FILE)
    return not entries or any(name in marks or name.startswith(INDEX_FILE) for name in entries)


# SQLite raises no errno: what it says when the system refuses it a write - a folder or file
# it may not write (a read-only mount), a disk with no room (where not even its log's first
# page fits, "disk I/O error") - in its own words, read by every reader of such errors
SQLITE_READ_ONLY = ("readonly", "unable to open")
SQLITE_FULL = ("disk is full",)
SQLITE_IO = ("disk i/o error",)


def sqlite_says(exc: BaseException, words: tuple[str, ...]) -> bool:
    """Whether `exc` is a SQLite error saying one of `words` (SQLITE_READ_ONLY...)."""
    import sqlite3
    said = str(exc).lower()
    return isinstance(exc, sqlite3.Error) and any(w in said for w in words)


def sqlite_refused_folder(exc: BaseException, data: Path | str) -> bool:
    """Whether SQLite failed as the data folder `data` cannot be written (its log files are
    made beside the database), not as its file is damaged."""
    return sqlite_says(exc, SQLITE_READ_ONLY) and Path(data).is_dir() \
        and not os.access(data, os.W_OK)


def make_data_folder(path: Path) -> None:
    """Create the data folder `path` (and its parents) if it is missing, private to its owner."""
    Path(path).mkdir(mode=DATA_FOLDER_MODE, parents=True, exist_ok=True)


def replay_command(data_dir: Path, default: Path) -> str:
    """How a person runs `replay` on `data_dir`: with `--data DIR` unless it is `default`,
    the folder `replay` finds by itself where the person types it (the platform's for a
    server's page - a service's REPLAY_DATA is not the person's shell's; `default_data_dir()`
    for a window the person started)."""
    if Path(data_dir).resolve() == Path(default).resolve():
        return "replay"
    return f"replay --data {shlex.quote(str(data_dir))}"


# The capture script as the intake serves it and the recording browser injects it: our RUM
# plugin (replay/rum@1; it must run before the page's scripts to see their requests), then
# capture.js, which records the page and hands the RUM plugin's payloads on.
CAPTURE_PARTS = (Path("rum-shim") / "rum-plugin.js", Path("capture") / "capture.js")


def capture_source() -> str:
    """The capture script as written (CAPTURE_PARTS, readable, its comments in)."""
    return "\n;\n".join((ASSETS / part).read_text(encoding="utf-8") for part in CAPTURE_PARTS)


# The install snippet's first lines (`w` is the window): they keep the page's uncaught errors,
# rejected promises and console calls - up to 50, 20 arguments each, the console printing them
# as before - in `window.ReplayCaptureEarly` until capture.js takes them (its `pastErrors`,
# when it starts recording: in order, each dated its own time, masked as any console line).
# The intake's install page writes them into the snippet (recorder/intake/app.py `_snippet`);
# record mode runs them at the start of every page its browser opens (`early_keeper_script`),
# so a page's lines from before Record are recorded as its requests are. One text for both.
# Each console method it wraps carries the one it wrapped (`replayEarly`, not enumerable: a
# wrapper another script makes of it by copying its properties does not carry it): capture.js
# puts that back as it starts recording the console itself - left in between, the snippet's
# line was what the browser's DevTools named as every console line's source, for good.
EARLY_LINES = """\
var early = w.ReplayCaptureEarly = [];   // errors, console lines before capture.js has loaded
var keep = function (e) { if (!early.done && early.length < 50) early.push({t: Date.now(), e: e}); };
w.addEventListener("error", keep);
w.addEventListener("unhandledrejection", keep);
["log", "info", "warn", "error", "debug"].forEach(function (l) {
  var c = w.console, f = c && c[l];
  if (f) Object.defineProperty(c[l] = function () { keep({console: l, args: [].slice.call(arguments, 0, 20)}); return f.apply(this, arguments); }, "replayEarly", {value: f});
});
"""
# Record mode's shadow keeper (read it for what it does): the snippet runs it too, after those
# lines - a closed shadow root the page's scripts attach before capture.js has loaded (the
# snippet loads it async: most pages' widgets come first) shows nothing of itself to a script
# that comes later, and what was typed into its fields reached disk wherever the page echoed it
# (a newcomer's tryout: a name in a console line and the URL). Minified (rjsmin renames
# nothing): the readable source ships beside it.
SHADOW_KEEPER = ASSETS / "browser-recorder" / "shadow-keeper.js"


@functools.cache
def early_keeper() -> str:
    """The snippet's first lines: EARLY_LINES, then the shadow keeper (`w` is the window)."""
    # one line: rjsmin keeps a line break after a block (`}`), which none of its statements
    # needs (the test runs the snippet's own text)
    keeper = rjsmin.jsmin(SHADOW_KEEPER.read_text(encoding="utf-8")).strip().replace("\n", " ")
    return EARLY_LINES + "// closed shadow roots, until capture.js takes them\n" + keeper + "\n"


def early_keeper_script() -> str:
    """The snippet's first lines as a script of its own, run in a page before its scripts."""
    return "(function (w) {\n" + early_keeper() + "})(window);\n"


# Every visitor of a recorded site downloads the script: without its comments and spaces
# (rjsmin, which renames nothing, so a stack trace still names our functions) it is 131 KB,
# 41 KB gzipped, where the source is 239 KB, 73 KB. The readable source ships beside it.
CAPTURE_BANNER = ("/*! capture.js - Session Replay's recorder, minified; readable source: "
                  "replay_assets/rum-shim/rum-plugin.js and replay_assets/capture/capture.js */\n")


@functools.cache
def capture_script() -> str:
    """What a page runs: the intake's `/capture.js`, record mode's injected recorder."""
    return CAPTURE_BANNER + rjsmin.jsmin(capture_source())


@contextlib.contextmanager
def durable_file(path: Path, tmp: Path) -> Iterator[BinaryIO]:
    """A file written as `path`, whole or not at all: what the block writes goes to `tmp`
    beside it, fsynced, then renamed over `path` (`tmp` removed if anything fails, the
    block's own failure too). The folder's entry is the caller's to make durable
    (`fsync_dir`), once for all it writes."""
    try:
        with open(tmp, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_durably(path: Path, data: bytes, tmp: Path) -> None:
    """`data` as the file `path`, whole or not at all (`durable_file`)."""
    with durable_file(path, tmp) as f:
        f.write(data)


def fsync_dir(d: Path) -> None:
    """A folder's entries made durable (a file just renamed or linked into it)."""
    if sys.platform.startswith("win"):  # pragma: no cover - no directory fsync there
        return
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
