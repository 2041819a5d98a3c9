from __future__ import annotations

import uuid
from typing import Any

import strawberry

from db.readmodels import banking as read
from domain.banking.matching import BookLineKey
from domain.banking.reconciliation import BankSide, BookSide, reconcile
from resolvers.ids import argument_id
from schema.banking.types import (
    BankReconciliation,
    BankStatement,
    BankStatementLine,
    OutstandingBookLine,
    money,
)
from schema.permissions import guarded


def _may_read(info: strawberry.Info, company_id: uuid.UUID, resource: str) -> bool:
    grants = info.context.grants
    return bool(grants.can_enter(company_id) and grants.allows(resource, "read", company_id))


def _key(row: dict[str, Any]) -> BookLineKey:
    return BookLineKey(row["transaction_id"], row["line_number"], row["transaction_date"])


@strawberry.type
class BankingQueries:
    @strawberry.field(
        **guarded("journal:read", "A bank account's imported statements, latest first.")
    )
    async def bank_statements(
        self, info: strawberry.Info, bank_account_id: strawberry.ID
    ) -> list[BankStatement]:
        engine = info.context.tenant_engine
        account = await read.bank_account(engine, argument_id(bank_account_id, "bankAccountId"))
        if account is None or not _may_read(info, account["company_id"], "journal"):
            return []
        return [BankStatement.from_row(r) for r in await read.statements_of(engine, account["id"])]

    @strawberry.field(**guarded("journal:read", "One bank statement with its lines, or null."))
    async def bank_statement(
        self, info: strawberry.Info, id: strawberry.ID
    ) -> BankStatement | None:
        row = await read.statement(info.context.tenant_engine, argument_id(id, "id"))
        if row is None or not _may_read(info, row["company_id"], "journal"):
            return None
        return BankStatement.from_row(row)

    @strawberry.field(
        **guarded(
            "report:read",
            "The bank reconciliation as of a statement's end date: the statement's balance"
            " against the books, with what is left unmatched on each side.",
        )
    )
    async def bank_reconciliation(
        self, info: strawberry.Info, bank_account_id: strawberry.ID, statement_id: strawberry.ID
    ) -> BankReconciliation | None:
        account_id = argument_id(bank_account_id, "bankAccountId")
        facts = await read.reconciliation_facts(
            info.context.tenant_engine, argument_id(statement_id, "statementId")
        )
        if facts is None or facts.statement["account_id"] != account_id:
            return None
        statement = facts.statement
        if not _may_read(info, statement["company_id"], "report"):
            return None
        matched: dict[uuid.UUID, list[BookLineKey]] = {}
        for m in facts.matches:
            matched.setdefault(m["bank_line_id"], []).append(_key(m))
        bank = [
            BankSide(r["id"], r["amount"], tuple(matched.get(r["id"], ())))
            for r in facts.bank_lines
        ]
        book = [BookSide(_key(r), r["amount"], r["reversal_of"]) for r in facts.book_lines]
        result = reconcile(statement["end_date"], statement["closing_balance"], bank, book)
        bank_rows = {r["id"]: r for r in facts.bank_lines}
        book_rows = {_key(r): r for r in facts.book_lines}
        return BankReconciliation(
            bank_account_id=strawberry.ID(str(account_id)),
            statement_id=strawberry.ID(str(statement["id"])),
            as_of=result.as_of,
            currency_code=statement["currency_code"],
            statement_balance=money(result.statement_balance),
            book_balance=money(result.book_balance),
            matched_total=money(result.matched_total),
            unmatched_bank_total=money(result.unmatched_bank_total),
            unmatched_book_total=money(result.unmatched_book_total),
            difference=money(result.difference),
            reconciled=not result.unmatched_bank
            and not result.unmatched_book
            and result.difference == 0,
            unmatched_bank_lines=[
                BankStatementLine.from_row(bank_rows[b.id]) for b in result.unmatched_bank
            ],
            unmatched_book_lines=[
                OutstandingBookLine(
                    journal_entry_id=strawberry.ID(str(b.key.transaction_id)),
                    entry_number=book_rows[b.key]["entry_number"],
                    line_number=b.key.line_number,
                    posting_date=b.key.transaction_date,
                    amount=money(b.amount),
                    reference=book_rows[b.key]["reference"],
                    description=book_rows[b.key]["line_description"]
                    or book_rows[b.key]["description"],
                )
                for b in result.unmatched_book
            ],
        )
