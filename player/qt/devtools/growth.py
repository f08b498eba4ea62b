"""How a dev-tools tab's rows became a live session's longer ones (no Qt here, as
session_view): which rows stay as they were, which changed in place (an error seen again
counts one more, a view's vitals came in, a fact moved on), which are new after the last.

A followed session's pane takes its new rows this way (`TimedRowsModel.grow`): the rows
that stayed keep their search texts, and the filter over the table looks at the others
alone - put in place whole, every row was filtered again (twice: the rows, then the
filters' choices) and every search text made again, each second of following.

Rows are compared where they stand, in the order the table shows them: a row that arrived
before others already shown (a late request) makes every row after it differ from the one
that stood there, so those count as changed - as much work as before, never wrong.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class Growth:
    changed: list[tuple[int, int]]   # runs (first, last) of rows both lists hold that differ
    old_len: int
    new_len: int

    @property
    def added(self) -> int:
        """Rows after the old last one."""
        return max(0, self.new_len - self.old_len)

    @property
    def taken(self) -> int:
        """Old rows after the new last one (the rows shrank: a session rewritten)."""
        return max(0, self.old_len - self.new_len)

    @property
    def work(self) -> int:
        """The rows a filter looks at (and a search text is made for): changed or added."""
        return sum(last - first + 1 for first, last in self.changed) + self.added


def growth(old: Sequence[dict], new: Sequence[dict]) -> Growth:
    """How `old` rows became `new` ones (see the module doc)."""
    runs: list[tuple[int, int]] = []
    for i in range(min(len(old), len(new))):
        if old[i] == new[i]:
            continue
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return Growth(runs, len(old), len(new))
