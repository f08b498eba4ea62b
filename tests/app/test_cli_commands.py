"""`replay`'s commands: app/cli.py's COMMANDS names every module of app/commands/ by the name
it registers, and a command run imports its own module alone - with `--help` or no command,
every one. Real `replay` processes where it is what they import that is checked."""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import subprocess
import sys

import pytest

from app import commands
from app.cli import COMMANDS, build_parser, command_named


def _modules() -> list[str]:
    return [m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")]


def test_every_command_module_is_in_the_table_by_the_name_it_registers():
    assert sorted(COMMANDS.values()) == sorted(_modules())
    for name, module in COMMANDS.items():
        assert importlib.import_module(f"app.commands.{module}").NAME == name
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"app.commands.{module}").register(sub, argparse.ArgumentParser(add_help=False))
        assert list(sub.choices) == [name]   # the one command it adds, under that name


@pytest.mark.parametrize("argv,command", [
    (["sessions"], "sessions"),
    (["--data", "serve", "import", "x.json"], "import"),   # a data folder named like a command
    (["--data=/d", "export", "s"], "export"),
    (["--data", "/d"], None),                              # no command: the desktop app
    (["--help"], None), (["--version"], None), (["-h", "sessions"], None),
    (["--dat", "/d", "sessions"], None),                   # argparse's abbreviation: all loaded
    (["sesions"], None),                                   # a typo: argparse lists them all
    ([], None),
])
def test_the_command_is_read_as_the_top_level_reads_it(argv, command):
    assert command_named(argv) == command


def test_one_commands_parser_reads_its_arguments_as_the_whole_one_does(tmp_path):
    argv = ["--data", str(tmp_path), "sessions", "--since", "2026-11-24", "--json"]
    alone, whole = build_parser("sessions").parse_args(argv), build_parser().parse_args(argv)
    assert {**vars(alone), "command_parser": None} == {**vars(whole), "command_parser": None}
    assert alone.command_parser.prog == whole.command_parser.prog == "replay sessions"


def _imported(tmp_path, *argv) -> tuple[subprocess.CompletedProcess, set[str]]:
    """A real `replay` run with `argv`, and which command modules it had imported when done."""
    code = ("import sys\nfrom app.cli import main\ntry:\n    code = main(sys.argv[1:])\n"
            "except SystemExit as e:\n    code = e.code\n"
            "print(*sorted(m for m in sys.modules if m.startswith('app.commands.')"
            " and not m.startswith('app.commands._')), file=sys.stderr)\nsys.exit(code)")
    proc = subprocess.run([sys.executable, "-c", code, "--data", str(tmp_path), *argv],
                          capture_output=True, text=True, timeout=120)
    return proc, set(proc.stderr.splitlines()[-1].split())


def test_a_command_run_imports_its_own_module_alone(tmp_path):
    proc, imported = _imported(tmp_path, "sessions")
    assert proc.returncode == 0, proc.stderr
    assert "no sessions in" in proc.stdout
    assert imported == {"app.commands.sessions"}


def test_help_and_a_mistyped_command_see_every_command(tmp_path):
    proc, imported = _imported(tmp_path, "--help")
    assert proc.returncode == 0
    assert imported == {f"app.commands.{m}" for m in _modules()}
    section = proc.stdout.split("  COMMAND\n", 1)[1].split("\noptions:", 1)[0]
    assert re.findall(r"^    (\S+)", section, re.M) == list(COMMANDS)   # in the table's order
    proc, imported = _imported(tmp_path, "sesions")
    assert proc.returncode == 2 and "invalid choice: 'sesions'" in proc.stderr
    assert imported == {f"app.commands.{m}" for m in _modules()}
