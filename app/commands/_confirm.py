"""The one question the commands ask before rules that mask less take effect (a privacy
officer's tryout: a warning came after the change, not a question before it)."""
from __future__ import annotations

import sys

from ..cli import UserError


def loosen_confirmed(masks: str, weaker: list[str], than: str, *, in_force: str,
                     question: str, anyway: str) -> bool:
    """Whether the person at the terminal lets rules that mask `than` (`history.looser`:
    "less than", "differently from") the `in_force` ones take effect - `masks` says which
    ("FILE masks"), `question` is asked, `weaker` said. Anything but yes is a no; without a
    terminal, a UserError saying to add --yes (`anyway`: what it does then)."""
    said = "; ".join(weaker)
    if not sys.stdin.isatty():
        raise UserError(f"{masks} {than} {in_force} ({said}): add --yes to {anyway}")
    print(f"{masks} {than} {in_force}: {said}. From then on, that is stored in clear."
          f" {question} [y/N] ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline()
    if not answer:
        print(file=sys.stderr)
    return answer.strip().lower() in ("y", "yes")
