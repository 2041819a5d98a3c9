"""Parts of one SQL statement written by different modules, each with its own $1..$n.

The unit of work sends a command's last writes (the entry number, the outbox rows, the audit
row) as one statement: one round trip while the company's entry-number row is locked. Each part
stays with the module that owns its table and numbers its parameters from $1; `shifted`
renumbers a part for its place in the whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_PARAMETER = re.compile(r"\$(\d+)")


@lru_cache(maxsize=256)
def shifted(sql: str, offset: int) -> str:
    """`sql` with each $n renumbered to $(n + offset). The parts never hold `$` otherwise."""
    return _PARAMETER.sub(lambda m: f"${int(m.group(1)) + offset}", sql) if offset else sql


@dataclass(frozen=True)
class NumberFill:
    """An entry number drawn inside the statement, for the parts that carry it: where `token`
    stands in their text (an event's payload, the audit row), `value_sql` is written instead."""

    token: str
    value_sql: str  # an SQL expression over the statement's CTEs
    returning_sql: str  # what the statement returns of the drawing (after its own columns)


@dataclass(frozen=True)
class Preceding:
    """CTEs sent ahead of a statement's own text (`name AS (...)`, comma-separated), their
    parameters $1..$len(args), and the number they draw, if any."""

    cte: str
    args: tuple[Any, ...]
    fill: NumberFill | None = None

    def then(self, cte: str, args: tuple[Any, ...]) -> Preceding:
        """This, followed by another part written with its own $1.."""
        return Preceding(f"{self.cte}, {shifted(cte, len(self.args))}", self.args + args, self.fill)
