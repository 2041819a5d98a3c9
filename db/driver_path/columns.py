"""Column lists of hand-written INSERTs, taken from the SQLAlchemy table (declared once).

The driver path writes its SQL as text, but which columns a table has is said only in
db/tables/: a statement names the value of each column it writes, and the column list comes
from the table, in the table's order. A name the table lacks, or a required column left out
(NOT NULL, no server default), fails when the statement is built, not in a posting.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Column, Table
from sqlalchemy.dialects import postgresql

_DIALECT = postgresql.dialect()


def insert_columns(table: Table, values: Mapping[str, str]) -> tuple[str, str]:
    """`(column list, value list)` of an INSERT into `table`; `values` maps column names to
    SQL expressions. The columns not named take their defaults."""
    columns = table.c.keys()
    unknown = set(values) - set(columns)
    if unknown:
        raise ValueError(f"{table.name} has no column {', '.join(sorted(unknown))}")
    required = {c.name for c in table.c if not c.nullable and c.server_default is None}
    if missing := required - set(values):
        raise ValueError(f"{table.name} needs a value for {', '.join(sorted(missing))}")
    written = [name for name in columns if name in values]
    return ", ".join(written), ", ".join(values[name] for name in written)


def array_type(column: Column[object]) -> str:
    """The PostgreSQL array type an `unnest` parameter for `column` is cast to: the column's
    type without its length or precision (`varchar[]`, `numeric[]`); the column applies them."""
    return column.type.compile(dialect=_DIALECT).split("(")[0].lower() + "[]"
