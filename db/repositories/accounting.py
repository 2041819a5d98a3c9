"""Accounting repositories, bound to one unit of work's connection (see db/unit_of_work.py)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import exists, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from db.crypto import tenant_schema
from db.driver_path.connection import driver_connection
from db.driver_path.posting import (
    balance_args,
    entry_args,
    numbering_args,
    posting_sql,
)
from db.driver_path.statement_parts import NumberFill, Preceding
from db.idempotency import RequestTable
from db.repositories.currency import add_currency_balances, add_currency_balances_many
from db.tables.accounting import (
    account_balances,
    account_daily_balances,
    chart_of_accounts,
    entry_number_sequences,
    fiscal_periods,
    fiscal_years,
    journal_lines,
    journal_requests,
    transactions,
)
from domain.accounting.model import (
    Account,
    AccountSubtype,
    AccountType,
    EntryKind,
    EntryStatus,
    FiscalPeriod,
    FiscalYear,
    JournalEntry,
    JournalLine,
    PeriodStatus,
    add_months,
    month_start,
)
from domain.accounting.ports import PostingReads, PriorRequest
from domain.identity.plans import TenantLimits
from domain.shared.errors import Conflict

# Advisory-lock namespaces (hashed with the company id into one bigint key).
_CHART_LOCK = "bigledger:chart:"
_CALENDAR_LOCK = "bigledger:calendar:"
_REQUESTS = RequestTable(journal_requests, result_column="transaction_id")


async def _advisory_lock(conn: AsyncConnection, name: str) -> None:
    await conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name}
    )


# -- accounts ------------------------------------------------------------------------------------

ACCOUNT_COLUMNS = (
    chart_of_accounts.c.id,
    chart_of_accounts.c.company_id,
    chart_of_accounts.c.account_code,
    chart_of_accounts.c.account_name,
    chart_of_accounts.c.account_type,
    chart_of_accounts.c.account_subtype,
    chart_of_accounts.c.parent_account_id,
    chart_of_accounts.c.is_active,
    chart_of_accounts.c.created_at,
    chart_of_accounts.c.updated_at,
    chart_of_accounts.c.created_by,
    chart_of_accounts.c.updated_by,
    chart_of_accounts.c.version,
)


def account_from_row(row: Mapping[Any, Any]) -> Account:
    return Account(
        id=row["id"],
        company_id=row["company_id"],
        code=row["account_code"],
        name=row["account_name"],
        account_type=AccountType(row["account_type"]),
        subtype=AccountSubtype(row["account_subtype"]) if row["account_subtype"] else None,
        parent_id=row["parent_account_id"],
        is_active=row["is_active"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        created_by=row["created_by"],
        updated_by=row["updated_by"],
        version=row["version"],
    )


def _account_values(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "company_id": account.company_id,
        "account_code": account.code,
        "account_name": account.name,
        "account_type": account.account_type.value,
        "account_subtype": account.subtype.value if account.subtype else None,
        "parent_account_id": account.parent_id,
        "is_active": account.is_active,
        "created_at": account.created_at,
        "updated_at": account.updated_at,
        "created_by": account.created_by,
        "updated_by": account.updated_by,
        "version": account.version,
    }


class SqlAccountRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def lock_chart(self, company_id: uuid.UUID) -> None:
        await _advisory_lock(self._conn, f"{_CHART_LOCK}{company_id}")

    async def chart(self, company_id: uuid.UUID) -> list[Account]:
        rows = await self._conn.execute(
            select(*ACCOUNT_COLUMNS).where(chart_of_accounts.c.company_id == company_id)
        )
        return [account_from_row(r._mapping) for r in rows]

    async def get_for_update(self, account_id: uuid.UUID) -> Account | None:
        row = (
            await self._conn.execute(
                select(*ACCOUNT_COLUMNS)
                .where(chart_of_accounts.c.id == account_id)
                .with_for_update()
            )
        ).first()
        return account_from_row(row._mapping) if row is not None else None

    async def get_many(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Account]:
        if not ids:
            return {}
        raw = await driver_connection(self._conn)
        rows = await raw.fetch(posting_sql(self._conn).accounts, list(ids))
        return {r["id"]: account_from_row(r) for r in rows}

    async def add(self, accounts: Sequence[Account]) -> None:
        if accounts:  # parents first: the template and the domain list them in that order
            await self._conn.execute(
                insert(chart_of_accounts), [_account_values(a) for a in accounts]
            )

    async def save(self, account: Account, *, previous_version: int) -> None:
        values = _account_values(account)
        for fixed in ("id", "company_id", "created_at", "created_by"):
            del values[fixed]
        result = await self._conn.execute(
            update(chart_of_accounts)
            .where(
                chart_of_accounts.c.id == account.id,
                chart_of_accounts.c.version == previous_version,
            )
            .values(values)
        )
        if result.rowcount != 1:
            raise Conflict("The account was changed by someone else; reload it and try again.")

    async def has_postings(self, account_id: uuid.UUID) -> bool:
        query = select(exists().where(journal_lines.c.account_id == account_id))
        return bool((await self._conn.execute(query)).scalar())

    async def posting_reads(
        self, company_id: uuid.UUID, ids: Collection[uuid.UUID], day: date | None
    ) -> PostingReads | None:
        raw = await driver_connection(self._conn)
        rows = await raw.fetch(posting_sql(self._conn).posting_reads, company_id, list(ids), day)
        if not rows:
            return None
        first = rows[0]
        return PostingReads(
            currency=first["currency_code"],
            accounts={r["id"]: account_from_row(r) for r in rows if r["id"] is not None},
            period=(
                period_from_row(first, prefix="period_") if first["period_id"] is not None else None
            ),
        )

    async def company_currency(self, company_id: uuid.UUID) -> str | None:
        raw = await driver_connection(self._conn)
        currency: str | None = await raw.fetchval(
            posting_sql(self._conn).company_currency, company_id
        )
        return currency


# -- fiscal years and periods --------------------------------------------------------------------

_PERIOD_QUERY = select(
    fiscal_periods.c.id,
    fiscal_periods.c.fiscal_year_id,
    fiscal_periods.c.company_id,
    fiscal_periods.c.period_number,
    fiscal_periods.c.start_date,
    fiscal_periods.c.end_date,
    fiscal_periods.c.status,
    fiscal_periods.c.updated_at,
    fiscal_periods.c.updated_by,
    fiscal_periods.c.version,
    fiscal_years.c.end_date.label("year_end"),
).join(fiscal_years, fiscal_years.c.id == fiscal_periods.c.fiscal_year_id)


def period_from_row(row: Mapping[Any, Any], prefix: str = "") -> FiscalPeriod:
    return FiscalPeriod(
        id=row[prefix + "id"],
        fiscal_year_id=row[prefix + "fiscal_year_id"],
        company_id=row[prefix + "company_id"],
        number=row[prefix + "period_number"],
        start_date=row[prefix + "start_date"],
        end_date=row[prefix + "end_date"],
        status=PeriodStatus(row[prefix + "status"]),
        updated_at=row[prefix + "updated_at"],
        updated_by=row[prefix + "updated_by"],
        fiscal_year_end=row[prefix + "year_end"],
        version=row[prefix + "version"],
    )


class SqlPeriodRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def lock_calendar(self, company_id: uuid.UUID) -> None:
        await _advisory_lock(self._conn, f"{_CALENDAR_LOCK}{company_id}")

    async def year_ranges(self, company_id: uuid.UUID) -> list[tuple[date, date]]:
        rows = await self._conn.execute(
            select(fiscal_years.c.start_date, fiscal_years.c.end_date)
            .where(fiscal_years.c.company_id == company_id)
            .order_by(fiscal_years.c.start_date)
        )
        return [(r.start_date, r.end_date) for r in rows]

    async def add_year(self, year: FiscalYear) -> None:
        await self._conn.execute(
            insert(fiscal_years).values(
                id=year.id,
                company_id=year.company_id,
                name=year.name,
                start_date=year.start_date,
                end_date=year.end_date,
                created_at=year.created_at,
                created_by=year.created_by,
            )
        )
        await self._conn.execute(
            insert(fiscal_periods),
            [
                {
                    "id": p.id,
                    "fiscal_year_id": p.fiscal_year_id,
                    "company_id": p.company_id,
                    "period_number": p.number,
                    "start_date": p.start_date,
                    "end_date": p.end_date,
                    "status": p.status.value,
                    "updated_at": p.updated_at,
                    "updated_by": p.updated_by,
                    "version": p.version,
                }
                for p in year.periods
            ],
        )
        await self._conn.execute(
            insert(entry_number_sequences).values(
                fiscal_year_id=year.id, company_id=year.company_id, next_value=1
            )
        )

    async def period_for_update(self, period_id: uuid.UUID) -> FiscalPeriod | None:
        row = (
            await self._conn.execute(
                _PERIOD_QUERY.where(fiscal_periods.c.id == period_id).with_for_update(
                    of=fiscal_periods
                )
            )
        ).first()
        return period_from_row(row._mapping) if row is not None else None

    async def period_on(self, company_id: uuid.UUID, day: date) -> FiscalPeriod | None:
        """The period covering `day`, share-locked (closing it waits for our commit)."""
        raw = await driver_connection(self._conn)
        row = await raw.fetchrow(posting_sql(self._conn).period_on, company_id, day)
        return period_from_row(row) if row is not None else None

    async def save_period(self, period: FiscalPeriod, *, previous_version: int) -> None:
        result = await self._conn.execute(
            update(fiscal_periods)
            .where(fiscal_periods.c.id == period.id, fiscal_periods.c.version == previous_version)
            .values(
                status=period.status.value,
                updated_at=period.updated_at,
                updated_by=period.updated_by,
                version=period.version,
            )
        )
        if result.rowcount != 1:
            raise Conflict("The period was changed by someone else; reload it and try again.")


# -- journal entries -----------------------------------------------------------------------------

# Months whose journal-line partition is known to exist (committed), per tenant schema. Only a
# cache: on a miss the database function checks (and creates what is missing).
_known_partitions: set[tuple[str, date]] = set()
PARTITIONS_AHEAD = 1  # with each month created on demand, also create the one after it


def entry_from_rows(header: Mapping[Any, Any], lines: Iterable[Mapping[Any, Any]]) -> JournalEntry:
    return JournalEntry(
        id=header["id"],
        company_id=header["company_id"],
        transaction_date=header["transaction_date"],
        reference=header["reference"],
        description=header["description"],
        currency_code=header["currency_code"],
        lines=tuple(
            JournalLine(
                line_number=line["line_number"],
                account_id=line["account_id"],
                debit=line["debit"],
                credit=line["credit"],
                currency_code=line["currency_code"],
                exchange_rate=line["exchange_rate"],
                base_debit=line["base_debit"],
                base_credit=line["base_credit"],
                description=line["description"],
            )
            for line in sorted(lines, key=lambda line: line["line_number"])
        ),
        total_amount=header["total_amount"],
        status=EntryStatus(header["status"]),
        created_at=header["created_at"],
        updated_at=header["updated_at"],
        created_by=header["created_by"],
        entry_number=header["entry_number"],
        fiscal_year_id=header["fiscal_year_id"],
        reversal_of=header["reversal_of"],
        reversed_by=header["reversed_by"],
        posted_at=header["posted_at"],
        posted_by=header["posted_by"],
        version=header["version"],
        kind=EntryKind(header["kind"]),
    )


def _header_values(entry: JournalEntry) -> dict[str, Any]:
    """The header row. A posted entry still awaiting its number is stored as the draft it was
    (the number, and with it the posted state, come at commit: `number_pending`)."""
    unnumbered = entry.awaits_number
    return {
        "id": entry.id,
        "company_id": entry.company_id,
        "transaction_date": entry.transaction_date,
        "reference": entry.reference,
        "description": entry.description,
        "total_amount": entry.total_amount,
        "currency_code": entry.currency_code,
        "status": EntryStatus.DRAFT.value if unnumbered else entry.status.value,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
        "entry_number": entry.entry_number,
        "fiscal_year_id": None if unnumbered else entry.fiscal_year_id,
        "reversal_of": entry.reversal_of,
        "reversed_by": None if unnumbered else entry.reversed_by,
        "created_by": entry.created_by,
        "posted_at": None if unnumbered else entry.posted_at,
        "posted_by": None if unnumbered else entry.posted_by,
        "version": entry.version,
        "kind": entry.kind.value,
    }


def _entry_args(entry: JournalEntry) -> tuple[Any, ...]:
    """`PostingSql.add_entry`'s parameters for `entry`."""
    return entry_args(_header_values(entry), entry.lines)


class PostingCounter(Protocol):
    async def count_postings(self, entries: int, limits: TenantLimits | None = None) -> None: ...


class SqlJournalRepository:
    """Journal entries. A commit part of the unit of work (`db/unit_of_work.py::CommitPart`):
    at the commit it counts the month's postings, then numbers the entries posted."""

    def __init__(
        self, conn: AsyncConnection, posting_counter: PostingCounter | None = None
    ) -> None:
        self._conn = conn
        self._posting_counter = posting_counter
        self._numbering_in_final = False
        self._unnumbered: dict[uuid.UUID, JournalEntry] = {}  # in posting order
        self.posting_limits: TenantLimits | None = None  # see count_against

    def count_against(self, limits: TenantLimits) -> None:
        self.posting_limits = limits

    async def claim_request(
        self, company_id: uuid.UUID, key: str, fingerprint: str
    ) -> PriorRequest | None:
        scope = {"company_id": company_id, "idempotency_key": key}
        return await _REQUESTS.claim(self._conn, scope, fingerprint)

    async def complete_request(self, company_id: uuid.UUID, key: str, entry_id: uuid.UUID) -> None:
        scope = {"company_id": company_id, "idempotency_key": key}
        await _REQUESTS.complete(self._conn, scope, entry_id)

    async def get(self, entry_id: uuid.UUID, *, for_update: bool = False) -> JournalEntry | None:
        query = select(transactions).where(transactions.c.id == entry_id)
        if for_update:
            query = query.with_for_update()
        header = (await self._conn.execute(query)).first()
        if header is None:
            return None
        lines = await self._conn.execute(
            select(journal_lines).where(
                journal_lines.c.transaction_id == entry_id,
                journal_lines.c.transaction_date == header.transaction_date,  # one partition
            )
        )
        return entry_from_rows(header._mapping, (r._mapping for r in lines))

    async def ensure_partitions(self, days: Iterable[date]) -> None:
        schema = tenant_schema(self._conn)
        months = sorted({m for m in map(month_start, days) if (schema, m) not in _known_partitions})
        if not months:
            return
        created = 0
        for first, count in _runs(months):
            created += (
                await self._conn.execute(
                    text(f'SELECT "{schema}".journal_lines_ensure_partitions(:first, :count)'),
                    {"first": first, "count": count + PARTITIONS_AHEAD},
                )
            ).scalar_one()
        if created == 0:  # all existed before this transaction: safe to remember
            _known_partitions.update((schema, m) for m in months)

    async def add(self, entry: JournalEntry) -> None:
        raw = await driver_connection(self._conn)
        await raw.execute(posting_sql(self._conn).add_entry, *_entry_args(entry))
        if entry.awaits_number:
            self._unnumbered.setdefault(entry.id, entry)

    async def add_posted(self, entry: JournalEntry) -> None:
        raw = await driver_connection(self._conn)
        await raw.execute(
            posting_sql(self._conn).add_posted, *_entry_args(entry), *balance_args(entry)
        )
        if entry.awaits_number:
            self._unnumbered.setdefault(entry.id, entry)
        await self._add_currency_balances(entry)

    @property
    def awaiting_numbers(self) -> int:
        """Entries posted in this transaction whose number `number_pending` will draw."""
        return len(self._unnumbered)

    async def number_pending(self) -> int:
        """Number every entry posted in this transaction that awaits one, in posting order,
        and write its posted header. Called by the unit of work right before its commit;
        returns how many it numbered."""
        if not self._unnumbered:
            return 0
        sql = posting_sql(self._conn)
        raw = await driver_connection(self._conn)
        pending, self._unnumbered = list(self._unnumbered.values()), {}
        for entry in pending:
            row = await raw.fetchrow(sql.number_entry, *numbering_args(entry))
            if row is None:
                raise RuntimeError(f"no number sequence for fiscal year {entry.fiscal_year_id}")
            number = entry.assign_number(int(row["n"]))
            assert number == row["entry_number"], (number, row["entry_number"])
        return len(pending)

    def numbering_part(self) -> Preceding | None:
        """When exactly one entry awaits its number: the CTEs that draw it and post its
        header, for the unit of work to send ahead of its last statement (one round trip fewer
        with the sequence row locked). Where the number goes in the entry's events a token
        stands until then; the statement writes the number in its place
        (db/driver_path/statement_parts.py) and `numbered` gives the entry its number. None
        otherwise (`number_pending`)."""
        if len(self._unnumbered) != 1:
            return None
        entry = next(iter(self._unnumbered.values()))
        token = f"@@entry-number:{entry.id.hex}@@"
        entry.hold_number_place(token)
        return Preceding(
            posting_sql(self._conn).number_ctes,
            numbering_args(entry),
            NumberFill(
                token,
                value_sql="(SELECT entry_number FROM numbered)",
                returning_sql="(SELECT n FROM numbered), (SELECT entry_number FROM numbered)",
            ),
        )

    async def before_commit(self) -> Preceding | None:
        """The month's count of postings first (maxTransactions; it needs no number), then the
        entry numbers: each locks its fiscal year's sequence until the commit and every posting
        of the company queues there, so with one entry its number is drawn in the commit's
        final statement (the number with the events that carry it and the audit row)."""
        if self._posting_counter is not None:
            await self._posting_counter.count_postings(self.awaiting_numbers, self.posting_limits)
        part = self.numbering_part()
        self._numbering_in_final = part is not None
        if part is None:
            await self.number_pending()
        return part

    def after_final(self, returned: tuple[Any, ...] | None) -> None:
        if self._numbering_in_final:
            self._numbering_in_final = False
            self.numbered(returned)

    def numbered(self, returned: tuple[Any, ...] | None) -> None:
        """The number `numbering_part`'s statement drew (what it returned) for its entry."""
        if returned is None or returned[0] is None:
            raise RuntimeError("the entry's number was not drawn (no number sequence?)")
        (entry,) = self._unnumbered.values()
        self._unnumbered = {}
        number = entry.assign_number(int(returned[0]))
        assert number == returned[1], (number, returned[1])

    async def save_header(self, entry: JournalEntry, *, previous_version: int) -> None:
        if entry.awaits_number:
            # Posted in this transaction (its row is locked by us, or was inserted by us): the
            # posted header is written with its number at commit.
            self._unnumbered.setdefault(entry.id, entry)
            return
        values = _header_values(entry)
        for fixed in ("id", "company_id", "created_at", "created_by"):
            del values[fixed]
        result = await self._conn.execute(
            update(transactions)
            .where(transactions.c.id == entry.id, transactions.c.version == previous_version)
            .values(values)
        )
        if result.rowcount != 1:
            raise Conflict("The journal entry was changed by someone else; reload it.", "id")

    async def next_number(self, company_id: uuid.UUID, fiscal_year_id: uuid.UUID) -> int:
        number = (
            await self._conn.execute(
                update(entry_number_sequences)
                .where(
                    entry_number_sequences.c.fiscal_year_id == fiscal_year_id,
                    entry_number_sequences.c.company_id == company_id,
                )
                .values(next_value=entry_number_sequences.c.next_value + 1)
                .returning(entry_number_sequences.c.next_value - 1)
            )
        ).scalar_one()
        return int(number)

    async def add_to_balances(self, entry: JournalEntry) -> None:
        raw = await driver_connection(self._conn)
        await raw.execute(posting_sql(self._conn).add_to_balances, *balance_args(entry))
        await self._add_currency_balances(entry)

    async def _add_currency_balances(self, entry: JournalEntry) -> None:
        if any(line.currency_code != entry.currency_code for line in entry.lines):
            await add_currency_balances(self._conn, entry)  # per (account, currency)

    # -- bulk posting (domain/accounting/bulk.py) --------------------------------------------

    async def next_numbers(
        self, company_id: uuid.UUID, fiscal_year_id: uuid.UUID, count: int
    ) -> int:
        first = (
            await self._conn.execute(
                update(entry_number_sequences)
                .where(
                    entry_number_sequences.c.fiscal_year_id == fiscal_year_id,
                    entry_number_sequences.c.company_id == company_id,
                )
                .values(next_value=entry_number_sequences.c.next_value + count)
                .returning(entry_number_sequences.c.next_value - count)
            )
        ).scalar_one()
        return int(first)

    async def add_many(self, entries: Sequence[JournalEntry]) -> None:
        if not entries:
            return
        await self._conn.execute(insert(transactions), [_header_values(e) for e in entries])
        await self._conn.execute(
            insert(journal_lines),
            [
                {
                    "transaction_id": e.id,
                    "line_number": line.line_number,
                    "transaction_date": e.transaction_date,
                    "company_id": e.company_id,
                    "account_id": line.account_id,
                    "description": line.description,
                    "currency_code": line.currency_code,
                    "exchange_rate": line.exchange_rate,
                    "debit": line.debit,
                    "credit": line.credit,
                    "base_debit": line.base_debit,
                    "base_credit": line.base_credit,
                }
                for e in entries
                for line in e.lines
            ],
        )

    async def add_many_to_balances(self, entries: Sequence[JournalEntry]) -> None:
        monthly: dict[tuple[uuid.UUID, date], list[Decimal]] = defaultdict(
            lambda: [Decimal(0), Decimal(0)]
        )
        daily: dict[tuple[uuid.UUID, date], list[Decimal]] = defaultdict(
            lambda: [Decimal(0), Decimal(0)]
        )
        company: dict[uuid.UUID, uuid.UUID] = {}
        for e in entries:
            for line in e.lines:
                company[line.account_id] = e.company_id
                for totals, day in (
                    (monthly, month_start(e.transaction_date)),
                    (daily, e.transaction_date),
                ):
                    totals[(line.account_id, day)][0] += line.base_debit
                    totals[(line.account_id, day)][1] += line.base_credit
        for table, key, totals in (
            (account_balances, "period_month", monthly),
            (account_daily_balances, "balance_date", daily),
        ):
            rows = [
                {
                    "account_id": a,
                    key: day,
                    "company_id": company[a],
                    "debit_total": totals[(a, day)][0],
                    "credit_total": totals[(a, day)][1],
                }
                for a, day in sorted(totals, key=lambda k: (str(k[0]), k[1]))  # one lock order
            ]
            for start in range(0, len(rows), 5_000):  # stay under the bind-parameter limit
                statement = pg_insert(table).values(rows[start : start + 5_000])
                changes = {
                    "debit_total": table.c.debit_total + statement.excluded.debit_total,
                    "credit_total": table.c.credit_total + statement.excluded.credit_total,
                }
                if "updated_at" in table.c:
                    changes["updated_at"] = func.now()
                await self._conn.execute(
                    statement.on_conflict_do_update(
                        index_elements=["account_id", key], set_=changes
                    )
                )
        await add_currency_balances_many(self._conn, entries)  # per (account, currency)


def _runs(months: Sequence[date]) -> list[tuple[date, int]]:
    """Consecutive months as (first, how many)."""
    runs: list[tuple[date, int]] = []
    for month in months:
        if runs and add_months(runs[-1][0], runs[-1][1]) == month:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((month, 1))
    return runs


__all__ = [
    "SqlAccountRepository",
    "SqlJournalRepository",
    "SqlPeriodRepository",
    "account_from_row",
    "entry_from_rows",
    "period_from_row",
]
