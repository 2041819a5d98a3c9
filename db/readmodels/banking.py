"""Bank statements, lines, matches, suggestions and the reconciliation's facts, for queries."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.repositories.banking import BOOKED, book_amount
from db.tables.accounting import chart_of_accounts, journal_lines, transactions
from db.tables.banking import (
    bank_line_matches,
    bank_line_suggestions,
    bank_statement_lines,
    bank_statements,
)

_lines = bank_statement_lines


async def statements_of(engine: AsyncEngine, account_id: uuid.UUID) -> list[dict[str, Any]]:
    query = (
        select(bank_statements)
        .where(bank_statements.c.account_id == account_id)
        .order_by(bank_statements.c.end_date.desc(), bank_statements.c.imported_at.desc())
    )
    async with engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(query)]


async def statement(engine: AsyncEngine, statement_id: uuid.UUID) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (
            await conn.execute(select(bank_statements).where(bank_statements.c.id == statement_id))
        ).first()
    return dict(row._mapping) if row is not None else None


async def bank_account(engine: AsyncEngine, account_id: uuid.UUID) -> dict[str, Any] | None:
    query = select(
        chart_of_accounts.c.id, chart_of_accounts.c.company_id, chart_of_accounts.c.account_subtype
    ).where(chart_of_accounts.c.id == account_id)
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    return dict(row._mapping) if row is not None else None


async def lines_by_statement(
    engine: AsyncEngine, statement_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    query = (
        select(_lines)
        .where(_lines.c.statement_id.in_(list(statement_ids)))
        .order_by(_lines.c.statement_id, _lines.c.line_number)
    )
    found: dict[uuid.UUID, list[dict[str, Any]]] = {k: [] for k in statement_ids}
    async with engine.connect() as conn:
        for r in await conn.execute(query):
            found[r.statement_id].append(dict(r._mapping))
    return found


async def lines_by_id(
    engine: AsyncEngine, line_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(_lines).where(_lines.c.id.in_(list(line_ids))))
        return {r.id: dict(r._mapping) for r in rows}


async def matches_by_line(
    engine: AsyncEngine, line_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    m = bank_line_matches
    query = (
        select(m)
        .where(m.c.bank_line_id.in_(list(line_ids)))
        .order_by(m.c.transaction_date, m.c.transaction_id, m.c.line_number)
    )
    found: dict[uuid.UUID, list[dict[str, Any]]] = {k: [] for k in line_ids}
    async with engine.connect() as conn:
        for r in await conn.execute(query):
            found[r.bank_line_id].append(dict(r._mapping))
    return found


async def suggestions_by_line(
    engine: AsyncEngine, line_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Each open line's suggestions still free (a book line matched since is left out)."""
    s = bank_line_suggestions
    taken = exists().where(
        bank_line_matches.c.transaction_id == s.c.transaction_id,
        bank_line_matches.c.line_number == s.c.line_number,
    )
    query = (
        select(s, _lines.c.amount)
        .join(_lines, _lines.c.id == s.c.bank_line_id)
        .where(s.c.bank_line_id.in_(list(line_ids)), ~taken, _lines.c.match_kind.is_(None))
        .order_by(s.c.bank_line_id, s.c.rank)
    )
    found: dict[uuid.UUID, list[dict[str, Any]]] = {k: [] for k in line_ids}
    async with engine.connect() as conn:
        for r in await conn.execute(query):
            found[r.bank_line_id].append(dict(r._mapping))
    return found


@dataclass(frozen=True)
class ReconciliationFacts:
    statement: dict[str, Any]
    bank_lines: list[dict[str, Any]]  # of the account's statements up to this one
    matches: list[dict[str, Any]]  # of those lines
    book_lines: list[dict[str, Any]]  # posted lines on the account up to the end date


async def reconciliation_facts(
    engine: AsyncEngine, statement_id: uuid.UUID
) -> ReconciliationFacts | None:
    """Read in one REPEATABLE READ transaction, so the two sides are of the same moment."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            row = (
                await conn.execute(
                    select(bank_statements).where(bank_statements.c.id == statement_id)
                )
            ).first()
            if row is None:
                return None
            stmt = dict(row._mapping)
            account_id, as_of = stmt["account_id"], stmt["end_date"]
            in_scope = (
                select(_lines.c.id)
                .join(bank_statements, bank_statements.c.id == _lines.c.statement_id)
                .where(_lines.c.account_id == account_id, bank_statements.c.end_date <= as_of)
            )
            bank = [
                dict(r._mapping)
                for r in await conn.execute(
                    select(_lines)
                    .where(_lines.c.id.in_(in_scope))
                    .order_by(_lines.c.booking_date, _lines.c.statement_id, _lines.c.line_number)
                )
            ]
            matches = [
                dict(r._mapping)
                for r in await conn.execute(
                    select(bank_line_matches).where(bank_line_matches.c.bank_line_id.in_(in_scope))
                )
            ]
            jl, t = journal_lines, transactions
            book = [
                dict(r._mapping)
                for r in await conn.execute(
                    select(
                        jl.c.transaction_id,
                        jl.c.line_number,
                        jl.c.transaction_date,
                        book_amount().label("amount"),
                        jl.c.description.label("line_description"),
                        t.c.entry_number,
                        t.c.reversal_of,
                        t.c.reference,
                        t.c.description,
                    )
                    .join(t, t.c.id == jl.c.transaction_id)
                    .where(
                        jl.c.account_id == account_id,
                        jl.c.transaction_date <= as_of,
                        t.c.status.in_(BOOKED),
                    )
                    .order_by(jl.c.transaction_date, t.c.entry_number, jl.c.line_number)
                )
            ]
    return ReconciliationFacts(stmt, bank, matches, book)
