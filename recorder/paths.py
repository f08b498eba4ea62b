"""Where things live: the shipped assets and the default data folder."""
from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import platformdirs

# `assets/` ships as the package `replay_assets` (pyproject.toml maps it). The wheel installs
# unzipped, so its resources are real files: the runtime is read as text, the demo session is
# opened by path and the demo pages are served from their folder.
ASSETS = Path(str(files("replay_assets")))


def default_data_dir() -> Path:
    """REPLAY_DATA overrides the platformdirs location (handy for kiosks and tests)."""
    env = os.environ.get("REPLAY_DATA")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("session-replay", appauthor=False))
