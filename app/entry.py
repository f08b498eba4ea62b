"""The `replay` command's entry point (pyproject.toml's [project.scripts]): `app.cli.main`,
imported here, so that Ctrl+C while the program is still loading - the first fifth of a
second of any command, importing its modules - ends it quietly with status 130, as Ctrl+C
later does, where it printed a KeyboardInterrupt traceback (`replay serve` stopped at once
after starting it on the wrong port). Nothing heavy is imported before the `try`."""
from __future__ import annotations

INTERRUPTED = 130   # the exit status of a command stopped by Ctrl+C (README: exit status)


def main() -> int:
    try:
        from app.cli import main as run
        return run()
    except KeyboardInterrupt:
        return INTERRUPTED
