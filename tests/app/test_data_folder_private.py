"""A data folder `replay` creates is private to its owner: it holds what people did on a site,
so nobody else on the machine may enter it - whichever command made it. One that already
exists keeps the permissions someone gave it."""
from __future__ import annotations

import os
import stat

import pytest

from app.cli import main as cli

ALLOW = 'version = 1\ndefault = "allow"\ndetectors = []\n'


@pytest.fixture
def shared_umask():
    """The usual umask, which leaves new folders readable by everyone."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("command", [
    ["import", "demo"],                        # the store
    ["app", "create", "shop"],                 # the intake's applications
])
def test_a_new_data_folder_is_its_owners_alone(tmp_path, capsys, shared_umask, command):
    rules = tmp_path / "rules.toml"
    rules.write_text(ALLOW)
    data = tmp_path / "new" / "data"
    assert cli(["--data", str(data)] + [a.format(rules=rules) for a in command]) == 0, \
        capsys.readouterr()
    assert mode(data) == 0o700
    assert os.listdir(data)                     # and the command wrote into it


def test_a_folder_that_exists_keeps_its_permissions(tmp_path, capsys, shared_umask):
    data = tmp_path / "team"
    data.mkdir()
    data.chmod(0o750)                           # shared with a group on purpose
    assert cli(["--data", str(data), "import", "demo"]) == 0, capsys.readouterr()
    assert mode(data) == 0o750
