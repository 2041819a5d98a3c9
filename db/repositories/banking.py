"""Bank statements, lines and matches for the command side (domain/banking/ports.py).

Built per attempt on the command's unit of work (`resolvers/command_ports.py::BANKING`); the
connection is the unit of work's, read at each call (it exists only inside `async with uow`).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, exists, insert, literal, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from db.tables.accounting import chart_of_accounts, journal_lines, transactions
from db.tables.banking import (
    bank_line_matches,
    bank_line_suggestions,
    bank_statement_lines,
    bank_statements,
)
from db.tables.purchasing import supplier_payments, suppliers
from db.tables.sales import customer_payments, customers
from db.tables.tenant import companies
from domain.banking.matching import BookLineFacts, BookLineKey, Suggestion
from domain.banking.model import (
    BankAccount,
    BookLine,
    LineKind,
    LineRecord,
    MatchKind,
    OpenBankLine,
    StatementRecord,
)

# Entries that are in the books: a reversed entry stays, beside its reversal.
BOOKED = ("posted", "reversed")
_LOCK = "bank-account:"
# What the matcher compares with the bank's texts, most telling first.
_TEXTS = ("cp_number", "cp_reference", "sp_number", "sp_reference", "reference", "customer",
          "supplier", "description", "line_description")  # fmt: skip

_bank = bank_statement_lines


def book_amount() -> Any:
    """A journal line's movement on the bank account: + debit (money in), in base currency."""
    return journal_lines.c.base_debit - journal_lines.c.base_credit


def _open_line(row: Any) -> OpenBankLine:
    m = row._mapping
    return OpenBankLine(
        id=m["id"],
        company_id=m["company_id"],
        account_id=m["account_id"],
        statement_id=m["statement_id"],
        kind=LineKind(m["kind"]),
        booking_date=m["booking_date"],
        amount=m["amount"],
        reference=m["reference"],
        counterparty=m["counterparty"],
        description=m["description"],
        matched=m["match_kind"] is not None,
        statement_start=m["start_date"],
    )


class SqlBankingRepository:
    def __init__(self, uow: Any) -> None:
        self._uow = uow

    @property
    def _conn(self) -> AsyncConnection:
        conn: AsyncConnection = self._uow.connection
        return conn

    async def bank_account(self, account_id: uuid.UUID) -> BankAccount | None:
        row = (
            await self._conn.execute(
                select(
                    chart_of_accounts.c.id,
                    chart_of_accounts.c.company_id,
                    chart_of_accounts.c.account_subtype,
                    chart_of_accounts.c.is_active,
                    companies.c.currency_code,
                )
                .join(companies, companies.c.id == chart_of_accounts.c.company_id)
                .where(chart_of_accounts.c.id == account_id)
            )
        ).first()
        if row is None:
            return None
        return BankAccount(row.id, row.company_id, row.account_subtype, row.currency_code,
                           row.is_active)  # fmt: skip

    async def lock_account(self, account_id: uuid.UUID) -> None:
        await self._conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"),
            {"name": f"{_LOCK}{account_id}"},
        )

    async def duplicate_of(
        self, account_id: uuid.UUID, file_sha256: str, external_id: str | None
    ) -> uuid.UUID | None:
        same = bank_statements.c.file_sha256 == file_sha256
        if external_id is not None:
            same = same | (bank_statements.c.external_id == external_id)
        found: uuid.UUID | None = (
            await self._conn.execute(
                select(bank_statements.c.id)
                .where(bank_statements.c.account_id == account_id, same)
                .limit(1)
            )
        ).scalar()
        return found

    async def has_statements(self, account_id: uuid.UUID) -> bool:
        found: bool = (
            await self._conn.execute(
                select(exists().where(bank_statements.c.account_id == account_id))
            )
        ).scalar_one()
        return found

    async def known_refs(self, account_id: uuid.UUID, refs: Collection[str]) -> set[str]:
        if not refs:
            return set()
        rows = await self._conn.execute(
            select(_bank.c.bank_ref).where(
                _bank.c.account_id == account_id, _bank.c.bank_ref.in_(list(refs))
            )
        )
        return set(rows.scalars())

    async def add_statement(self, statement: StatementRecord, lines: Sequence[LineRecord]) -> None:
        values = asdict(statement)
        values["currency_code"] = values.pop("currency")
        await self._conn.execute(insert(bank_statements).values(values))
        if lines:
            rows = []
            for line in lines:
                row = asdict(line)
                row["currency_code"] = row.pop("currency")
                row["kind"] = line.kind.value
                row["company_id"] = statement.company_id
                row["account_id"] = statement.account_id
                rows.append(row)
            await self._conn.execute(insert(_bank), rows)

    def _lines(self) -> Any:
        return select(_bank, bank_statements.c.start_date).join(
            bank_statements, bank_statements.c.id == _bank.c.statement_id
        )

    async def open_bank_lines(
        self, account_id: uuid.UUID, statement_id: uuid.UUID | None = None
    ) -> list[OpenBankLine]:
        query = self._lines().where(_bank.c.account_id == account_id, _bank.c.match_kind.is_(None))
        if statement_id is not None:
            query = query.where(_bank.c.statement_id == statement_id)
        rows = await self._conn.execute(
            query.order_by(_bank.c.booking_date, _bank.c.id).with_for_update(of=_bank)
        )
        return [_open_line(r) for r in rows]

    async def line_for_update(self, line_id: uuid.UUID) -> OpenBankLine | None:
        row = (
            await self._conn.execute(
                self._lines().where(_bank.c.id == line_id).with_for_update(of=_bank)
            )
        ).first()
        return _open_line(row) if row is not None else None

    async def open_book_lines(
        self, account_id: uuid.UUID, start: date | None, end: date
    ) -> list[BookLineFacts]:
        jl, t = journal_lines, transactions
        cp, sp = customer_payments, supplier_payments
        query = (
            select(
                jl.c.transaction_id,
                jl.c.line_number,
                jl.c.transaction_date,
                book_amount().label("amount"),
                t.c.reference,
                t.c.description,
                jl.c.description.label("line_description"),
                cp.c.number.label("cp_number"),
                cp.c.reference.label("cp_reference"),
                customers.c.name.label("customer"),
                sp.c.number.label("sp_number"),
                sp.c.reference.label("sp_reference"),
                suppliers.c.name.label("supplier"),
            )
            .select_from(
                jl.join(t, t.c.id == jl.c.transaction_id)
                .outerjoin(cp, cp.c.journal_entry_id == t.c.id)
                .outerjoin(customers, customers.c.id == cp.c.customer_id)
                .outerjoin(sp, sp.c.journal_entry_id == t.c.id)
                .outerjoin(suppliers, suppliers.c.id == sp.c.supplier_id)
            )
            .where(
                jl.c.account_id == account_id,
                jl.c.transaction_date <= end,
                t.c.status.in_(BOOKED),
                ~exists().where(
                    bank_line_matches.c.transaction_id == jl.c.transaction_id,
                    bank_line_matches.c.line_number == jl.c.line_number,
                ),
            )
            .order_by(jl.c.transaction_date, jl.c.transaction_id, jl.c.line_number)
        )
        if start is not None:
            query = query.where(jl.c.transaction_date >= start)
        rows = await self._conn.execute(query)
        return [
            BookLineFacts(
                BookLineKey(r.transaction_id, r.line_number, r.transaction_date),
                r.amount,
                tuple(x for x in (r._mapping[name] for name in _TEXTS) if x),
            )
            for r in rows
        ]

    async def book_lines(
        self, account_id: uuid.UUID, entry_ids: Collection[uuid.UUID]
    ) -> list[BookLine]:
        jl, t = journal_lines, transactions
        matched = exists().where(
            bank_line_matches.c.transaction_id == jl.c.transaction_id,
            bank_line_matches.c.line_number == jl.c.line_number,
        )
        rows = await self._conn.execute(
            select(
                jl.c.transaction_id,
                jl.c.line_number,
                jl.c.transaction_date,
                book_amount().label("amount"),
                t.c.status.in_(BOOKED).label("posted"),
                matched.label("matched"),
            )
            .join(t, t.c.id == jl.c.transaction_id)
            .where(jl.c.account_id == account_id, jl.c.transaction_id.in_(list(entry_ids)))
        )
        return [
            BookLine(
                BookLineKey(r.transaction_id, r.line_number, r.transaction_date),
                r.amount,
                r.posted,
                r.matched,
            )
            for r in rows
        ]

    async def add_matches(
        self,
        line: OpenBankLine,
        book: Sequence[tuple[BookLineKey, Decimal]],
        kind: MatchKind,
        actor: uuid.UUID,
        now: datetime,
    ) -> bool:
        rows = [
            {
                "transaction_id": key.transaction_id,
                "line_number": key.line_number,
                "transaction_date": key.transaction_date,
                "bank_line_id": line.id,
                "account_id": line.account_id,
                "amount": amount,
            }
            for key, amount in book
        ]
        # A journal line another bank line took meanwhile: nothing inserted for it, so the
        # count tells; the caller then refuses (its transaction is rolled back).
        inserted = (
            await self._conn.execute(
                pg_insert(bank_line_matches)
                .values(rows)
                .on_conflict_do_nothing()
                .returning(literal(1))
            )
        ).all()
        if len(inserted) != len(rows):
            if inserted:  # keep the transaction clean for a caller that goes on
                await self._conn.execute(
                    delete(bank_line_matches).where(bank_line_matches.c.bank_line_id == line.id)
                )
            return False
        await self._conn.execute(
            update(_bank)
            .where(_bank.c.id == line.id)
            .values(match_kind=kind.value, matched_at=now, matched_by=actor)
        )
        await self._conn.execute(
            delete(bank_line_suggestions).where(bank_line_suggestions.c.bank_line_id == line.id)
        )
        return True

    async def remove_matches(self, line_id: uuid.UUID) -> int:
        removed = await self._conn.execute(
            delete(bank_line_matches).where(bank_line_matches.c.bank_line_id == line_id)
        )
        await self._conn.execute(
            update(_bank)
            .where(_bank.c.id == line_id)
            .values(match_kind=None, matched_at=None, matched_by=None)
        )
        return int(removed.rowcount or 0)

    async def replace_suggestions(
        self, line_ids: Collection[uuid.UUID], suggestions: Mapping[uuid.UUID, list[Suggestion]]
    ) -> None:
        if line_ids:
            await self._conn.execute(
                delete(bank_line_suggestions).where(
                    bank_line_suggestions.c.bank_line_id.in_(list(line_ids))
                )
            )
        rows = [
            {
                "bank_line_id": line_id,
                "transaction_id": s.book_line.transaction_id,
                "line_number": s.book_line.line_number,
                "transaction_date": s.book_line.transaction_date,
                "score": s.score,
                "rank": rank,
            }
            for line_id, found in suggestions.items()
            for rank, s in enumerate(found, 1)
        ]
        if rows:
            await self._conn.execute(insert(bank_line_suggestions), rows)


def banking_repository(uow: Any, origin: object) -> SqlBankingRepository:
    """For resolvers.commands.UnitOfWorkPort."""
    return SqlBankingRepository(uow)
