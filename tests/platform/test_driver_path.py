"""The driver path's hand-written INSERTs take their column lists from the SQLAlchemy tables
(db/driver_path/columns.py): a column is declared once, in db/tables/."""

from __future__ import annotations

import re

import pytest

from db.driver_path.columns import insert_columns
from db.driver_path.posting import ENTRY_PARAMETERS, PostingSql
from db.tables.accounting import journal_lines, transactions


def inserted_columns(sql: str, table: str) -> list[str]:
    match = re.search(rf'INSERT INTO (?:"[a-z_]+"\.)?{table} \(([^)]*)\)', sql)
    assert match is not None, f"no INSERT INTO {table}"
    return match.group(1).split(", ")


def test_a_posting_writes_every_column_of_the_tables_but_the_lines_creation_time() -> None:
    sql = PostingSql("tenant_columns").add_posted

    assert inserted_columns(sql, "transactions") == [c.name for c in transactions.c]
    assert inserted_columns(sql, "journal_lines") == [
        c.name for c in journal_lines.c if c.name != "created_at"
    ]
    assert max(int(n) for n in re.findall(r"\$(\d+)", PostingSql("t").add_entry)) == (
        ENTRY_PARAMETERS
    )


def test_a_column_the_table_lacks_or_a_required_one_left_out_fails_at_build() -> None:
    required = {c.name: "NULL" for c in transactions.c if not c.nullable}

    assert insert_columns(transactions, {"kind": "$2", "id": "$1"} | required)[0].startswith(
        "id, company_id"
    )
    with pytest.raises(ValueError, match="no column posting_date"):
        insert_columns(transactions, required | {"posting_date": "$1"})
    with pytest.raises(ValueError, match="needs a value for total_amount"):
        insert_columns(transactions, {k: v for k, v in required.items() if k != "total_amount"})
