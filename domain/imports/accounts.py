"""Chart of accounts: code, name, type, subtype, parentCode (an account of the books or a row
above). Each row is opened in the company's ChartOfAccounts (the API's createAccount rules:
unique codes, a parent of the same type, no cycles), rows after the accounts they refer to.
One transaction for the whole file: rows refer to rows."""

from __future__ import annotations

from typing import Any

from domain.accounting.model import AccountSubtype, AccountType, ChartOfAccounts
from domain.accounting.model.accounts import Account
from domain.imports import cells
from domain.imports.schema import Books, Column, RowSchema
from domain.jobs.model import JobKind
from domain.shared.errors import DomainError, ErrorCode

CHART = "chart"  # Books.extra: the company's ChartOfAccounts, rows opened into it in order


def build_account(row: dict[str, Any], books: Books) -> Account:
    chart: ChartOfAccounts = books.extra[CHART]
    parent_id = None
    parent_code = row.get("parentCode")
    if parent_code is not None:
        parent = next((a for a in chart.accounts.values() if a.code == parent_code), None)
        if parent is None:
            raise DomainError.single(
                ErrorCode.NOT_FOUND,
                f"No account {parent_code} in the books or on a row above.",
                "parentCode",
            )
        parent_id = parent.id
    account_type = row.get("type")
    if account_type is None:
        raise DomainError.single(ErrorCode.REQUIRED, "An account type is required.", "type")
    return chart.open_account(
        code=row.get("code") or "",
        name=row.get("name") or "",
        account_type=account_type,
        subtype=row.get("subtype"),
        parent_id=parent_id,
        actor=books.actor,
        now=books.now,
    )


ACCOUNTS = RowSchema(
    kind=JobKind.ACCOUNTS,
    resource="account",
    columns=(
        Column("code", cells.text, required=True),
        Column("name", cells.text, required=True),
        Column("type", cells.choice(AccountType), required=True),
        Column("subtype", cells.choice(AccountSubtype)),
        Column("parentCode", cells.text),
    ),
    key="code",
    build=build_account,
    key_of=lambda a: a.code,
    batchable=False,
    help="code*, name*, type* (asset | liability | equity | revenue | expense), subtype, "
    "parentCode (an existing account or one on a row above)",
)
