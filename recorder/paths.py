"""Where things live: the repository's assets and the default data folder."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def default_data_dir() -> Path:
    """REPLAY_DATA overrides the platformdirs location (handy for kiosks and tests)."""
    env = os.environ.get("REPLAY_DATA")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("session-replay", appauthor=False))
